"""Retrieval datasets in BEIR's layout: the bundled ones, any folder, or a BEIR download. Notebook 05.

A BEIR folder holds ``corpus.jsonl`` (``_id``, ``title``, ``text``), ``queries.jsonl``
(``_id``, ``text``) and ``qrels/<split>.tsv`` (header ``query-id corpus-id score``); the two
JSONL files may be gzipped (``corpus.jsonl.gz``). Two sets are bundled: ``"bundled"``, small
and written for this project, and ``"scifact"``, BEIR's SciFact (see data/README.md).
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import re
import shutil
import urllib.request
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from . import validation as check
from .data import data_dir
from .network import url_answers
from .notices import DataWarning, warn
from .settings import cache_root, progress_enabled

__all__ = ["DatasetUnavailableError", "load_beir"]

BEIR_URL = "https://public.ukp.informatik.tu-darmstadt.de/thakur/BEIR/datasets/{name}.zip"
PROBE_SECONDS = 4.0


class DatasetUnavailableError(FileNotFoundError):
    """A BEIR dataset is neither on disk nor downloadable; the message says what to fetch."""


@dataclass(frozen=True)
class RetrievalDataset:
    """A retrieval test collection: documents, the judged queries of one split, and their qrels.

    ``corpus``: DataFrame indexed by ``doc_id`` with ``title`` and ``text``; ``queries``: Series
    of query text indexed by ``query_id`` (only queries judged in ``split``, as BEIR does);
    ``qrels``: {query id: {doc id: grade}}, the form ``pytrec_eval`` takes. Made by :func:`load_beir`.
    """

    name: str
    split: str
    path: Path
    corpus: pd.DataFrame
    queries: pd.Series
    qrels: dict[str, dict[str, int]]
    subset: bool = False

    def __repr__(self) -> str:
        part = ", subset" if self.subset else ""
        return (
            f"RetrievalDataset({self.name!r}, split={self.split!r}{part}: {len(self.corpus):,} documents, "
            f"{len(self.queries):,} queries, {sum(map(len, self.qrels.values())):,} judgements)"
        )

    def doc_texts(self) -> list[str]:
        """Each document as BEIR and MTEB embed it: ``(title + " " + text).strip()``."""
        return [f"{t} {x}".strip() for t, x in zip(self.corpus["title"], self.corpus["text"])]

    def sample(self, n_queries: int, n_docs: int, *, seed: int = 0) -> RetrievalDataset:
        """A smaller copy for quick runs: ``n_queries`` queries, every document judged for them,
        and random other documents up to ``n_docs``. Its scores are not the full set's."""
        n_queries = check.integer(n_queries, "n_queries", minimum=1)
        n_docs = check.integer(n_docs, "n_docs", minimum=1)
        seed = check.integer(seed, "seed", minimum=0)
        if n_queries >= len(self.queries) and n_docs >= len(self.corpus):
            return self
        rng = np.random.default_rng(seed)
        queries = self.queries.iloc[np.sort(rng.permutation(len(self.queries))[:n_queries])]
        judged = {d for q in queries.index for d in self.qrels[q] if d in self.corpus.index}
        others = [d for d in self.corpus.index if d not in judged]
        fill = max(0, n_docs - len(judged))
        keep = judged | {others[i] for i in rng.permutation(len(others))[:fill]}
        corpus = self.corpus[self.corpus.index.isin(keep)]
        qrels = {q: dict(self.qrels[q]) for q in queries.index}
        return replace(self, corpus=corpus, queries=queries, qrels=qrels, subset=True)


def beir_folder(name: str) -> Path:
    """Where a BEIR dataset downloaded by name lives: ``<cache root>/beir/<name>``."""
    return cache_root() / "beir" / name


def load_beir(
    source: str | os.PathLike = "bundled",
    split: str = "test",
    *,
    download: bool = True,
) -> RetrievalDataset:
    """Read a retrieval dataset in BEIR layout; adds checks and downloads to a few lines of JSON.

    ``source``: ``"bundled"``, ``"scifact"`` (bundled), a folder, or another BEIR name (found in
    ``GIST_DATA_DIR`` or the cache, downloaded there when online). Files are checked as
    they are read: a malformed line, a duplicate id or a conflicting judgement raises an
    error naming the file and line; judgements of unknown ids are handled as MTEB does,
    with a warning. Notebook 05.
    """
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"source must be a dataset name or a folder, got {check.describe(source)}.")
    if not isinstance(split, str):
        raise TypeError(f"split must be a split name such as 'test', got {check.describe(split)}.")
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", split):
        raise ValueError(f"split={split!r} is not a split name; use e.g. 'test', 'dev' or 'train'.")
    check.boolean(download, "download")
    folder, name = _locate(source, download)
    return _read_folder(folder, name, split)


def _locate(source: str | os.PathLike, download: bool) -> tuple[Path, str]:
    text = os.fspath(source)
    if not text.strip():
        raise ValueError("source is empty; pass 'bundled', 'scifact', a BEIR name or a folder.")
    if text == "bundled":
        return data_dir() / "retrieval", "bundled"
    as_path = Path(text).expanduser()
    if (
        not isinstance(source, str)
        or as_path.is_dir()
        or any(s in text for s in "/\\")
        or text.startswith((".", "~"))
    ):
        if not as_path.is_dir():
            raise FileNotFoundError(
                f"{as_path} is not a folder; pass a folder in BEIR layout (corpus.jsonl, …)."
            )
        return as_path, as_path.name
    written = text.strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", written):
        raise ValueError(
            f"{source!r} is neither a folder nor a BEIR dataset name such as 'scifact'."
        )
    name = written.lower()  # BEIR's names (and download URLs) are lower-case
    spellings = dict.fromkeys([written, name])  # the folder as written first: MyData/, then mydata/
    candidates = [
        folder
        for spelling in spellings
        for folder in (data_dir() / spelling, data_dir() / "beir" / spelling, beir_folder(spelling))
    ]
    for folder in candidates:
        if _find(folder, "corpus.jsonl"):
            return folder, folder.name
    url = BEIR_URL.format(name=name)
    if download and url_answers(url, PROBE_SECONDS, http_errors_count=False):
        return _download(name, url), name
    looked = "\n".join(f"    {c}" for c in candidates)
    why = (
        "downloading is switched off (download=False)"
        if not download
        else f"{url} cannot be downloaded (offline, or no BEIR dataset has that name)"
    )
    raise DatasetUnavailableError(
        f"BEIR dataset {name!r} is not on this machine and {why}. Looked in:\n{looked}\n"
        f"To use it: on a connected machine download\n    {url}\n"
        f"and unzip it into {beir_folder(name).parent} so that {beir_folder(name) / 'corpus.jsonl'} "
        f"exists (or unzip it anywhere and pass that folder: load_beir('/path/to/{name}'))."
    )


def _download(name: str, url: str) -> Path:
    """Download and unzip into the cache; nothing is left behind if any step fails.

    The new folder is marked as ours (:data:`DOWNLOAD_MARKER`, listing the files unzipped).
    A folder already at ``<cache>/beir/<name>`` is replaced only if it is such a download
    holding nothing else; otherwise the download is refused before it starts, saying what to move.
    """
    target = beir_folder(name)
    _refuse_to_replace(target)
    root = target.parent
    root.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex
    partial, staging = root / f".{name}.{token}.zip.part", root / f".{name}.{token}.unzipping"
    try:
        with urllib.request.urlopen(url, timeout=60) as response, partial.open("wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            show = progress_enabled(1, threshold=1)
            with tqdm(
                total=total, unit="B", unit_scale=True, desc=f"downloading {name}", disable=not show
            ) as bar:
                for block in iter(lambda: response.read(1 << 20), b""):
                    out.write(block)
                    bar.update(len(block))
        extract_zip(partial, staging, url)
        found = next((p.parent for p in staging.rglob("corpus.jsonl*")), None)
        if found is None:
            raise DatasetUnavailableError(f"{url} has no corpus.jsonl; is {name!r} a BEIR dataset?")
        _mark_download(found, url)
        _refuse_to_replace(target)  # again: the folder may have appeared while downloading
        _remove_download(target)
        try:
            found.rename(target)  # only onto a missing or empty folder
        except OSError:
            _refuse_to_replace(target)
            raise
    except OSError as err:
        if isinstance(err, (DatasetUnavailableError, FileExistsError)):
            raise
        raise DatasetUnavailableError(
            f"downloading {url} failed ({type(err).__name__}: {err}); try again."
        ) from err
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)  # our own temporary folder
    return target


def extract_zip(archive: Path, target: Path, origin: str) -> None:
    """Unzip ``archive`` into ``target`` (a new folder), refusing any entry that would land outside it."""
    try:
        with zipfile.ZipFile(archive) as handle:
            root = target.resolve()
            for member in handle.namelist():
                if not (target / member).resolve().is_relative_to(root):
                    raise DatasetUnavailableError(
                        f"{origin} contains an unsafe path {member!r}; not extracting it."
                    )
            handle.extractall(target)
    except zipfile.BadZipFile as err:
        raise DatasetUnavailableError(
            f"{origin} is not a valid zip file ({err}); download it again."
        ) from None
    except (RuntimeError, NotImplementedError, EOFError, zlib.error) as err:
        # An encrypted entry (RuntimeError), a compression method zipfile cannot read
        # (NotImplementedError), or a damaged compressed stream.
        raise DatasetUnavailableError(
            f"{origin} cannot be unzipped here ({type(err).__name__}: {err}); download it again, "
            "or unzip it with another tool and pass the folder to load_beir."
        ) from None


DOWNLOAD_MARKER = ".gist-notebooks-download.json"


def _mark_download(folder: Path, url: str) -> None:
    """Record in ``folder`` that we made it, and every file we unzipped into it."""
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    marker = {"written by": "gist-notebooks load_beir", "url": url, "files": files}
    (folder / DOWNLOAD_MARKER).write_text(json.dumps(marker, indent=1), encoding="utf-8")


def _our_files(folder: Path) -> list[str] | None:
    """The files a marked download folder lists as ours, or None if it carries no marker."""
    try:
        marker = json.loads((folder / DOWNLOAD_MARKER).read_text(encoding="utf-8"))
        files = marker["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return files


def _foreign_items(folder: Path) -> list[str]:
    """What ``folder`` holds that a download of ours did not write (links are not entered)."""
    ours = set(_our_files(folder) or ()) | {DOWNLOAD_MARKER}
    foreign = []
    for here, dirs, files in os.walk(folder):
        base = Path(here)
        for name in files + [d for d in dirs if (base / d).is_symlink()]:
            relative = (base / name).relative_to(folder).as_posix()
            if relative not in ours or (base / name).is_symlink():
                foreign.append(relative)
    return sorted(foreign)


def _refuse_to_replace(target: Path) -> None:
    """Raise FileExistsError, saying what to move, unless ``target`` is missing, an empty
    folder, or a download of ours holding nothing else."""
    if not target.exists() and not target.is_symlink():
        return
    real_dir = target.is_dir() and not target.is_symlink()
    marked = real_dir and _our_files(target) is not None
    if real_dir and (not any(target.iterdir()) or marked and not _foreign_items(target)):
        return
    if marked:
        held = f"files the download did not write: {', '.join(_foreign_items(target)[:5])}"
    elif real_dir:
        held = f"no {DOWNLOAD_MARKER}; it holds {', '.join(sorted(p.name for p in target.iterdir())[:5])}"
    else:
        held = "it is not a folder of ours"
    nested = next(iter(sorted(target.glob("*/corpus.jsonl*"))), None) if real_dir else None
    advice = (
        f"It looks unzipped one level too deep: move the contents of {nested.parent} up into "
        f"{target} and it is used without downloading."
        if nested is not None
        else f"Move or rename {target}, then load the dataset again to download a fresh copy."
    )
    raise FileExistsError(
        f"{target} exists and is not a download made by gist-notebooks ({held}), so it is "
        f"not replaced. {advice}"
    )


def _remove_download(target: Path) -> None:
    """Delete a download of ours (checked by :func:`_refuse_to_replace`): the files it lists,
    its marker, then the folders left empty. A missing or empty folder is simply removed."""
    if not target.is_dir() or target.is_symlink():
        return
    for relative in _our_files(target) or ():
        path = target / relative
        if (
            path.is_file()
            and not path.is_symlink()
            and path.resolve().is_relative_to(target.resolve())
        ):
            path.unlink()
    (target / DOWNLOAD_MARKER).unlink(missing_ok=True)
    for here, _dirs, _files in sorted(os.walk(target), key=lambda w: -len(w[0])):
        Path(here).rmdir()  # empty by now; an OSError here means it is not, and stops us


def _find(folder: Path, name: str) -> Path | None:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _read_folder(folder: Path, name: str, split: str) -> RetrievalDataset:
    corpus_file, queries_file = _find(folder, "corpus.jsonl"), _find(folder, "queries.jsonl")
    for wanted, found in (("corpus.jsonl", corpus_file), ("queries.jsonl", queries_file)):
        if found is None:
            raise FileNotFoundError(
                f"{folder / wanted} not found; a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/<split>.tsv."
            )
    qrels_file = folder / "qrels" / f"{split}.tsv"
    if not qrels_file.is_file():
        splits = (
            sorted(p.stem for p in (folder / "qrels").glob("*.tsv"))
            if (folder / "qrels").is_dir()
            else []
        )
        offer = f"splits found: {', '.join(splits)}" if splits else "there is no qrels/*.tsv at all"
        raise FileNotFoundError(f"{qrels_file} not found ({offer}); pass split= one of those.")
    docs = _read_jsonl(corpus_file, "document", with_title=True)
    if not docs:
        raise ValueError(f"{corpus_file} has no documents; an empty corpus cannot be searched.")
    queries = _read_jsonl(queries_file, "query", with_title=False)
    qrels = _read_qrels(qrels_file)
    unknown_queries = sorted(q for q in qrels if q not in queries)
    unknown_docs = sorted({d for judged in qrels.values() for d in judged if d not in docs})
    if unknown_queries or unknown_docs:
        # As MTEB does: a judged document missing from the corpus stays relevant (it lowers
        # recall, since it can never be found); a query without text cannot be run.
        warn(
            f"{qrels_file} judges {len(unknown_docs)} document id(s) not in {corpus_file.name} "
            f"(e.g. {check.shown(unknown_docs[:3])}; kept as relevant but unfindable, as MTEB does) and "
            f"{len(unknown_queries)} query id(s) not in {queries_file.name} (e.g. "
            f"{check.shown(unknown_queries[:3])}; dropped).",
            DataWarning,
            stacklevel=3,
        )
        for query_id in unknown_queries:
            del qrels[query_id]
        if not qrels:
            raise ValueError(
                f"{qrels_file}: none of its queries is in {queries_file}; the files do not belong together."
            )
    corpus = pd.DataFrame.from_dict(docs, orient="index", columns=["title", "text"])
    corpus.index.name = "doc_id"
    judged = [q for q in queries if q in qrels]
    query_texts = pd.Series({q: queries[q][1] for q in judged}, name="text", dtype=object)
    query_texts.index.name = "query_id"
    return RetrievalDataset(name, split, folder, corpus, query_texts, qrels)


def _open_lines(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")


def _lines(path: Path, show: bool = False) -> Iterator[tuple[int, str]]:
    """(line number, text) of a UTF-8 file, gzipped or not, split at ``\\n`` only; a damaged
    gzip stream or a byte that is not UTF-8 raises ``ValueError`` naming the file and line."""
    number = 0
    try:
        with _open_lines(path) as handle:
            lines = tqdm(handle, desc=f"reading {path.name}", unit=" lines", disable=not show)
            for number, raw in enumerate(lines, start=1):
                if number == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                try:
                    yield number, raw.decode("utf-8")
                except UnicodeDecodeError as err:
                    raise ValueError(
                        f"{path}: line {number} is not UTF-8 (byte 0x{raw[err.start]:02x}, "
                        f"{err.reason}); re-save the file as UTF-8."
                    ) from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise ValueError(
            f"{path} is a damaged gzip file: reading it fails at line {number + 1} "
            f"({type(err).__name__}: {err}); download or compress it again."
        ) from None


def _read_jsonl(path: Path, kind: str, *, with_title: bool) -> dict[str, tuple[str, str]]:
    """{id: (title, text)}; errors name the file, the line and the id."""
    out: dict[str, tuple[str, str]] = {}
    lines: dict[str, int] = {}
    show = progress_enabled(path.stat().st_size, threshold=50_000_000)
    for number, line in _lines(path, show):
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(
                f"{path}: line {number} is not valid JSON ({err.msg} at column {err.colno}); fix or delete that line."
            ) from None
        if not isinstance(record, dict):
            raise ValueError(
                f"{path}: line {number} is a JSON {type(record).__name__}, not an object with _id and text."
            )
        item_id = record.get("_id")
        if item_id is None or isinstance(item_id, (dict, list, bool)) or not str(item_id).strip():
            raise ValueError(
                f'{path}: line {number} has no usable "_id"; every {kind} needs a unique id.'
            )
        item_id = str(item_id)
        text = record.get("text")
        title = record.get("title") or "" if with_title else ""
        if not isinstance(text, str) or not isinstance(title, str):
            raise ValueError(
                f'{path}: line {number} ({kind} {item_id!r}) has a "text" or "title" that is not a string.'
            )
        try:
            check.texts([title, text], f"{kind} {item_id!r} ({path.name} line {number})")
        except ValueError as err:
            raise ValueError(str(err)) from None
        if item_id in out:
            raise ValueError(
                f"{path}: {kind} id {item_id!r} appears on line {lines[item_id]} and line {number}; "
                "ids must be unique, so remove or rename one."
            )
        out[item_id], lines[item_id] = (title, text), number
    return out


def _read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    lines: dict[tuple[str, str], int] = {}
    repeated = 0
    first = True
    for number, line in _lines(path):
        if not line.strip():
            continue
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) != 3:
            fields = line.split()
        if first and _is_qrels_header(fields):
            first = False
            continue  # BEIR's header: query-id, corpus-id, score
        first = False
        if len(fields) != 3:
            raise ValueError(
                f"{path}: line {number} has {len(fields)} fields; expected query-id, corpus-id and score separated by tabs."
            )
        query_id, doc_id, raw = (f.strip() for f in fields)
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not np.isfinite(value) or value != int(value):
            raise ValueError(
                f"{path}: line {number} has score {raw!r}; scores must be integers (0, 1, 2, …)."
            )
        key = (query_id, doc_id)
        if key in lines:
            if qrels[query_id][doc_id] != int(value):
                raise ValueError(
                    f"{path}: query {query_id!r} / document {doc_id!r} is judged {qrels[query_id][doc_id]} on line "
                    f"{lines[key]} and {int(value)} on line {number}; keep one of the two lines."
                )
            repeated += 1
            continue
        lines[key] = number
        qrels.setdefault(query_id, {})[doc_id] = int(value)
    if not qrels:
        raise ValueError(
            f"{path} has no judgements; expected lines 'query-id<TAB>corpus-id<TAB>score'."
        )
    if repeated:
        warn(
            f"{path}: {repeated} repeated judgement line(s) with the same score were merged.",
            DataWarning,
            stacklevel=4,
        )
    return qrels


# Names a qrels header gives its three columns (BEIR writes "query-id corpus-id score").
_HEADER_NAMES = (
    {"queryid", "qid", "query"},
    {"corpusid", "docid", "documentid", "did", "doc", "document", "corpus"},
    {"score", "relevance", "rel", "label", "grade", "judgement", "judgment"},
)


def _is_qrels_header(fields: list[str]) -> bool:
    """True when the three fields name the columns (query-id, corpus-id, score and variants
    such as ``query_id``, ``doc-id``, ``relevance``); a line that only fails to parse is not."""
    names = [re.sub(r"[\s_-]", "", f).lower() for f in fields]
    return len(names) == 3 and all(n in allowed for n, allowed in zip(names, _HEADER_NAMES))
