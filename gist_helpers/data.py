"""The bundled datasets (data cards in data/README.md), STS files, and MTEB's published scores.

Loaders return plain pandas objects. Files are read as UTF-8 (a byte-order mark, as Excel's
"CSV UTF-8" writes, is fine); a file in another encoding is refused with its name and the
position of the first bad byte. A damaged data file (not gzip, cut short, a row with more or
fewer fields than the header, a missing column or value, empty) is refused with its name and,
where it has one, the line.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import os
import re
import zlib
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from . import validation as check
from .notices import DataWarning, warn
from .settings import data_override

__all__ = [
    "MODEL_CARD_TEXTS",
    "load_banking77",
    "load_sts_file",
    "load_sts_pairs",
    "load_topics",
    "published_scores",
]

# The three texts of the GIST model card's usage example, verbatim.
MODEL_CARD_TEXTS = [
    "Illustration of the REaLTabFormer model. The left block shows the non-relational tabular "
    "data model using GPT-2 with a causal LM head. In contrast, the right block shows how a "
    "relational dataset's child table is modeled using a sequence-to-sequence (Seq2Seq) model. "
    "The Seq2Seq model uses the observations in the parent table to condition the generation of "
    "the observations in the child table. The trained GPT-2 model on the parent table, with "
    "weights frozen, is also used as the encoder in the Seq2Seq model.",
    "Predicting human mobility holds significant practical value, with applications ranging from "
    "enhancing disaster risk planning to simulating epidemic spread. In this paper, we present "
    "the GeoFormer, a decoder-only transformer model adapted from the GPT architecture to "
    "forecast human mobility.",
    "As the economies of Southeast Asia continue adopting digital technologies, policy makers "
    "increasingly ask how to prepare the workforce for emerging labor demands. However, little "
    "is known about the skills that workers need to adapt to these changes",
]

# The STS Benchmark's files (sts-train/dev/test.csv): tab-separated, no header, these fields.
STSB_COLUMNS = ["genre", "file", "year", "id", "score", "sentence1", "sentence2"]
STS_REQUIRED = ["sentence1", "sentence2", "score"]


def data_dir() -> Path:
    """Folder of the bundled data: ``GIST_DATA_DIR``, the checkout's data/, or the installed copy."""
    custom = data_override()
    if custom:
        return custom
    checkout = Path(__file__).resolve().parent.parent / "data"
    if (checkout / "README.md").exists():
        return checkout
    return Path(str(resources.files("gist_helpers.bundled_data")))


def load_sts_pairs() -> pd.DataFrame:
    """The bundled STS pairs: sentence1, sentence2, score (0–5), phenomenon, domain. Notebook 03."""
    return pd.read_csv(io.StringIO(read_text(data_dir() / "sts_pairs.csv")))


def load_topics() -> pd.DataFrame:
    """The bundled topic texts: text, topic, kind (headline / question / summary). Notebook 04."""
    return pd.read_csv(io.StringIO(read_text(data_dir() / "topics.csv")))


def load_banking77(split: str = "train") -> pd.DataFrame:
    """Banking77 (PolyAI, CC BY 4.0): customer queries with one of 77 intents. Notebooks 04, 07.

    ``split``: "train" (10,003 rows) or "test" (3,080, 40 per intent). Columns ``text`` and
    ``label``, rows in the original files' order (MTEB's sampling depends on it).
    """
    check.choice(split, "split", ("train", "test"))
    frame, _ = read_data_table(data_dir() / "banking77" / f"{split}.csv.gz", ["text", "category"])
    return frame.rename(columns={"category": "label"})[["text", "label"]]


def published_scores(task: str | None = None) -> pd.DataFrame:
    """MTEB's published scores of GIST-small, bge-small-en-v1.5 and all-MiniLM-L6-v2. Notebooks 05, 07.

    One row per task, metric and model, with where each number comes from: the file in
    MTEB's results repository (github.com/embeddings-benchmark/results), the commit that
    last changed it, and the mteb version recorded in it. ``task`` keeps one task.
    """
    file = data_dir() / "mteb_published.csv"
    table, lines = read_data_table(file, ["task", "metric", "model", "score"])
    table["score"] = [_score(v, file, f"line {n}") for n, v in zip(lines, table["score"])]
    if task is not None:
        check.choice(task, "task", sorted(set(table["task"])))
        table = table[table["task"] == task].reset_index(drop=True)
    return table


def load_sts_file(path: str | os.PathLike, *, layout: str = "auto") -> pd.DataFrame:
    """Read STS pairs: the STS Benchmark's files or any CSV/TSV with sentence1, sentence2, score.

    ``layout="stsb"``: tab-separated, no header, fields genre, file, year, id, score,
    sentence1, sentence2, read with quoting off (extra trailing fields ignored).
    ``layout="table"``: a header with sentence1, sentence2, score (tab or comma); every row
    has as many fields as the header. ``"auto"`` tells them apart by the first line.
    Every field is read as written, as a string (``NA``, ``null`` or ``123`` are texts);
    only ``score`` becomes a number. Lines end at ``\\n`` or ``\\r\\n`` only, and errors name
    the line. Scores outside 0–5 are kept, with a :class:`DataWarning` naming their rows.
    Notebook 03.
    """
    file = check.path(path, "path")
    if not file.is_file():
        raise FileNotFoundError(f"{file} does not exist or is not a file; check the path.")
    check.choice(layout, "layout", ("auto", "stsb", "table"))
    text = read_text(file)
    if "\r" in text and "\n" not in text:
        raise ValueError(
            f"{file} has CR-only line endings (every line ends at a \\r alone, as classic Mac "
            "OS wrote); lines must end at \\n or \\r\\n. Convert it, e.g. tr '\\r' '\\n' < old > new."
        )
    lines = split_lines(text)
    content = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if not content:
        raise ValueError(f"{file} is empty; an STS file needs at least one pair.")
    if layout == "auto":
        first = content[0][1]
        header = {c.strip().strip('"').lower() for c in first.replace("\t", ",").split(",")}
        if set(STS_REQUIRED) <= header:
            layout = "table"
        elif first.count("\t") >= len(STSB_COLUMNS) - 1:
            layout = "stsb"
        else:
            raise ValueError(
                f"{file}: the first line neither has a header with sentence1, sentence2, score "
                f"nor {len(STSB_COLUMNS)} tab-separated STS Benchmark fields; "
                "pass layout='stsb' or layout='table'."
            )
    pairs = _read_stsb(file, content) if layout == "stsb" else _read_table(file, lines)
    if pairs.empty:
        raise ValueError(f"{file} has a header but no pairs; an STS file needs at least one.")
    out_of_range = pairs.index[~pairs["score"].between(0, 5)].tolist()
    if out_of_range:
        warn(
            f"{file}: {len(out_of_range)} score(s) outside the STS scale 0–5 at row(s) "
            f"{check.shown(out_of_range)}; kept as they are (Spearman only uses their order).",
            DataWarning,
        )
    pairs.attrs["name"] = file.name
    return pairs


def split_lines(text: str) -> list[str]:
    """Lines ending at ``\\n`` or ``\\r\\n`` only. ``str.splitlines`` also breaks at U+2028,
    form feeds and other Unicode boundaries, which are characters inside a field here."""
    lines = re.split(r"\r?\n", text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def read_data_table(file: Path, required: list[str]) -> tuple[pd.DataFrame, list[int]]:
    """A CSV data file (gzip-compressed if its name ends in .gz), every field a string, and the
    line each row starts on. Read strictly: UTF-8, a header holding ``required``, every row as
    many fields as the header; a damaged file is a ValueError naming it (and the line)."""
    raw = file.read_bytes()
    if file.suffix == ".gz":
        restore = "restore it from the package (data/README.md lists its checksum)"
        try:
            raw = gzip.decompress(raw)
        except gzip.BadGzipFile as err:
            raise ValueError(f"{file} is not gzip-compressed ({err}); {restore}.") from None
        except (EOFError, zlib.error) as err:
            raise ValueError(f"{file} is cut short or damaged ({err}); {restore}.") from None
    text = decode(raw, file)
    if not text.strip():
        raise ValueError(f"{file} is empty; it needs a header ({', '.join(required)}) and rows.")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, lines = [], []
    with _field_limit(len(text)):
        try:
            header = next(reader)
            while True:
                start = reader.line_num + 1
                fields = next(reader, None)
                if fields is None:
                    break
                if not fields:  # a blank line
                    continue
                if len(fields) != len(header):
                    raise ValueError(
                        f"{file} line {start} has {len(fields)} fields but the header has "
                        f"{len(header)} ({', '.join(header)}); fix the line or restore the file."
                    )
                rows.append(fields)
                lines.append(start)
        except csv.Error as err:
            raise ValueError(
                f"{file} line {reader.line_num} is not valid CSV ({err}); check its quotes."
            ) from None
    missing = [c for c in required if c not in header]
    if missing:
        raise ValueError(
            f"{file} has no column(s) {missing} (found {header}); restore the file or rename "
            "its columns."
        )
    return pd.DataFrame(rows, columns=header, dtype=str), lines


@contextlib.contextmanager
def _field_limit(size: int):
    """csv's field size limit raised to ``size`` for a while (a text may be that long), then
    put back: the limit is global to the process."""
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, size + 1))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def read_text(file: Path) -> str:
    """A text file as UTF-8 (a byte-order mark is dropped); refuse other encodings by name."""
    return decode(file.read_bytes(), file)


def decode(raw: bytes, file: Path) -> str:
    """``raw``, the bytes of ``file``, as UTF-8 text (a byte-order mark dropped), or a
    ValueError naming the file and the line of the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ValueError(
            f"{file} is not UTF-8: byte 0x{raw[err.start]:02x} on line {line} cannot be decoded. "
            "Re-save it as UTF-8 (e.g. iconv -f latin1 -t utf-8)."
        ) from None


def _read_stsb(file: Path, lines: list[tuple[int, str]]) -> pd.DataFrame:
    rows = []
    for number, line in lines:
        fields = line.split("\t")  # quoting off: a '"' is part of the sentence
        if len(fields) < len(STSB_COLUMNS):
            raise ValueError(
                f"{file} line {number} has {len(fields)} tab-separated fields; the STS "
                f"Benchmark layout needs {len(STSB_COLUMNS)} ({', '.join(STSB_COLUMNS)})."
            )
        record = dict(zip(STSB_COLUMNS, fields))  # fields past the seventh are ignored
        record["score"] = _score(record["score"], file, f"line {number}")
        rows.append(record)
    frame = pd.DataFrame(rows, columns=STSB_COLUMNS)
    return frame[STS_REQUIRED + ["genre", "file", "year", "id"]]


def _read_table(file: Path, lines: list[str]) -> pd.DataFrame:
    """A header line, then rows of exactly as many fields, every field kept as a string."""
    first = next(line for line in lines if line.strip())
    sep = "\t" if file.suffix.lower() == ".tsv" or "\t" in first else ","
    # Tab-separated text is read with quoting off (as the STS Benchmark is); CSV with quotes,
    # where a quoted field may span lines.
    quoting = csv.QUOTE_NONE if sep == "\t" else csv.QUOTE_MINIMAL
    records = _records(file, lines, sep, quoting)
    (_, header), rows = records[0], records[1:]
    columns = [c.strip() or f"Unnamed: {i}" for i, c in enumerate(header)]
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise ValueError(
            f"{file}: the header names column(s) {twice} more than once; rename one of each."
        )
    missing = [c for c in STS_REQUIRED if c not in columns]
    if missing:
        raise ValueError(
            f"{file} has no column(s) {missing} (found {columns}); "
            "rename its columns to sentence1, sentence2, score."
        )
    kind = "tab" if sep == "\t" else "comma"
    for number, fields in rows:
        if len(fields) != len(columns):
            hint = (
                "put quotes around a field that contains a comma"
                if sep == ","
                else "a field must not contain a tab"
            )
            raise ValueError(
                f"{file} line {number} has {len(fields)} {kind}-separated fields but the header "
                f"has {len(columns)} ({', '.join(columns)}); {hint}, or fix the line."
            )
    frame = pd.DataFrame([fields for _, fields in rows], columns=columns, dtype=str)
    where = [number for number, _ in rows]
    frame["score"] = [_score(v, file, f"line {n}") for n, v in zip(where, frame["score"])]
    for column in ("sentence1", "sentence2"):
        empty = [n for n, v in zip(where, frame[column]) if not v.strip()]
        if empty:
            raise ValueError(
                f"{file}: {column} is empty on line(s) {check.shown(empty)}; fix or drop them."
            )
    return frame[STS_REQUIRED + [c for c in frame.columns if c not in STS_REQUIRED]]


def _records(file: Path, lines: list[str], sep: str, quoting: int) -> list[tuple[int, list[str]]]:
    """(first line number, fields) of each record; a quoted field may span lines."""
    consumed = 0

    def source():
        nonlocal consumed
        for line in lines:
            consumed += 1
            yield line + "\n"

    reader = csv.reader(source(), delimiter=sep, quoting=quoting, strict=True)
    records = []
    with _field_limit(sum(map(len, lines))):
        while True:
            start = consumed + 1
            try:
                fields = next(reader)
            except StopIteration:
                return records
            except csv.Error as err:
                raise ValueError(
                    f"{file} line {consumed} is not valid CSV ({err}); check its quotes."
                ) from None
            if fields and (len(fields) > 1 or fields[0].strip()):  # blank lines are skipped
                records.append((start, fields))


def _score(raw, file: Path, where: str) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value):
        raise ValueError(f"{file} {where}: score {raw!r} is not a number; fix the file.")
    return value
