"""Data loaders: STS files (STS Benchmark layout, CSV/TSV, encodings), Banking77, published scores,
and the checksums of every bundled file against its data card."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gist_helpers as gh
from gist_helpers.data import data_dir

ROOT = Path(__file__).resolve().parent.parent

# Lines in the STS Benchmark layout: genre, file, year, id, score, sentence1, sentence2 —
# tab-separated, no header, quoting off; some real lines carry extra trailing fields.
STSB_ROWS = [
    ("main-captions", "MSRvid", "2012test", "0001", "5.000",
     "A man is playing a flute.", "A man plays the flute."),
    ("main-news", "headlines", "2015", "0002", "1.200",
     'He said "no" to the offer.', '"Stop," she said, "not now."'),
    ("main-forums", "deft-forum", "2014", "0003", "0.400",
     "The cat sleeps on the sofa.", "Prices rose again in March.", "source-a", "source-b"),
    ("main-news", "headlines", "2016", "0004", "3.800",
     "Shares fell sharply on Monday.", "Stocks dropped steeply at the start of the week."),
    ("main-captions", "images", "2015", "0005", "2.600",
     "A dog runs in a field.", "A dog is lying in the grass."),
]  # fmt: skip
STSB_LINES = ["\t".join(row) for row in STSB_ROWS]


@pytest.fixture
def stsb_file(tmp_path):
    path = tmp_path / "sts-test.csv"
    path.write_text("\n".join(STSB_LINES) + "\n", encoding="utf-8")
    return path


# --- STS files ----------------------------------------------------------------------------


def test_load_stsb_layout(stsb_file):
    pairs = gh.load_sts_file(stsb_file)
    assert list(pairs.columns[:3]) == ["sentence1", "sentence2", "score"]
    assert {"genre", "file", "year", "id"} <= set(pairs.columns)
    assert (
        pairs["score"].tolist() == [5.0, 1.2, 0.4, 3.8, 2.6] and pairs["score"].dtype == np.float64
    )
    # Quoting off: quote characters are part of the sentences, verbatim.
    assert pairs.loc[1, "sentence1"] == 'He said "no" to the offer.'
    assert pairs.loc[1, "sentence2"] == '"Stop," she said, "not now."'
    # Extra trailing fields are ignored, not glued onto sentence2.
    assert pairs.loc[2, "sentence2"] == "Prices rose again in March."
    assert pairs.loc[0, "id"] == "0001" and pairs.attrs["name"] == "sts-test.csv"
    pd.testing.assert_frame_equal(pairs, gh.load_sts_file(stsb_file, layout="stsb"))


def test_load_stsb_tolerates_crlf_and_blank_lines(tmp_path):
    path = tmp_path / "sts-dev.csv"
    path.write_bytes(("\r\n".join(STSB_LINES[:2]) + "\r\n\r\n").encode("utf-8"))
    pairs = gh.load_sts_file(path)
    assert len(pairs) == 2 and pairs.loc[0, "sentence2"] == "A man plays the flute."


def test_load_csv_with_header(tmp_path):
    path = tmp_path / "pairs.csv"
    frame = pd.DataFrame(
        {
            "sentence1": ['He said "yes".', "A, B and C."],
            "sentence2": ["He agreed.", "Three letters."],
            "score": [4.5, 3.0],
            "note": ["x", "y"],
        }
    )
    frame.to_csv(path, index=False)
    pd.testing.assert_frame_equal(gh.load_sts_file(path)[list(frame.columns)], frame)


def test_load_tsv_with_header_quoting_off(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text(
        'score\tsentence1\tsentence2\n4.0\t"Quoted" start.\tA plain one.\n1.0\tx y\tz w\n'
    )
    pairs = gh.load_sts_file(path)
    assert list(pairs.columns) == ["sentence1", "sentence2", "score"]
    assert pairs.loc[0, "sentence1"] == '"Quoted" start.' and pairs["score"].tolist() == [4.0, 1.0]


def test_excel_csv_utf8_with_a_byte_order_mark(tmp_path):
    """Excel's "CSV UTF-8" starts with a BOM; the header must still be recognised."""
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "\ufeffsentence1,sentence2,score\nCafé au lait.,A coffee with milk.,4.6\n".encode()
    )
    pairs = gh.load_sts_file(path)
    assert pairs.loc[0, "sentence1"] == "Café au lait." and pairs.loc[0, "score"] == 4.6


def test_a_latin1_file_is_refused_with_its_name_and_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("sentence1,sentence2,score\nok,fine,1\nCafé,cafe,4\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1.csv is not UTF-8: byte 0xe9 on line 3.*iconv"):
        gh.load_sts_file(path)


def test_scores_outside_the_scale_are_kept_with_a_warning_naming_the_rows(tmp_path):
    path = tmp_path / "scale.csv"
    path.write_text("sentence1,sentence2,score\na,b,1\nc,d,7.5\ne,f,-1\n")
    with pytest.warns(
        gh.DataWarning, match=r"2 score\(s\) outside the STS scale 0–5 at row\(s\) 1, 2"
    ):
        pairs = gh.load_sts_file(path)
    assert pairs["score"].tolist() == [1.0, 7.5, -1.0]


def test_bundled_csv_reads_like_the_bundled_loader(tmp_path):
    bundled = gh.load_sts_pairs()
    path = tmp_path / "copy.csv"
    bundled.to_csv(path, index=False)
    pd.testing.assert_frame_equal(gh.load_sts_file(path), bundled[gh.load_sts_file(path).columns])


def test_every_field_is_read_as_written(tmp_path):
    """Missing-value markers and numbers are texts here; nothing moves into the index."""
    path = tmp_path / "as-written.csv"
    path.write_text(
        "sentence1,sentence2,score,note\nNone,NA,1,007\nnull,N/A,2.5,\n1,2,3,1e3\nnan,#N/A,0,TRUE\n"
    )
    pairs = gh.load_sts_file(str(path))  # a path given as a str
    assert pairs["sentence1"].tolist() == ["None", "null", "1", "nan"]
    assert pairs["sentence2"].tolist() == ["NA", "N/A", "2", "#N/A"]
    assert pairs["note"].tolist() == ["007", "", "1e3", "TRUE"]
    assert pairs["score"].tolist() == [1.0, 2.5, 3.0, 0.0]
    assert pairs.index.tolist() == [0, 1, 2, 3]


def test_unicode_line_boundaries_are_characters_inside_a_field(tmp_path):
    """Only \\n and \\r\\n end a line: U+2028, U+2029, U+0085, form feed and the file
    separators are characters of a sentence, and later lines keep their numbers."""
    odd = ["\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\x1c", "\x1d", "\x1e"]
    rows = [
        ("main", "f", "2012", f"{i:04d}", "2.0", f"left{c}side", f"right{c}side")
        for i, c in enumerate(odd)
    ]
    stsb = tmp_path / "sts-odd.csv"
    stsb.write_text("\r\n".join("\t".join(r) for r in rows) + "\r\n", encoding="utf-8")
    pairs = gh.load_sts_file(stsb)
    assert pairs["sentence1"].tolist() == [f"left{c}side" for c in odd]
    assert pairs["sentence2"].tolist() == [f"right{c}side" for c in odd]
    stsb.write_text(
        "\n".join("\t".join(r) for r in rows) + "\nmain\tf\t2012\t9\t1.0\tshort\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=rf"line {len(odd) + 1} has 6 tab-separated fields"):
        gh.load_sts_file(stsb)
    table = tmp_path / "odd.csv"
    table.write_text(
        "sentence1,sentence2,score\n" + "".join(f"a{c}b,c{c}d,1\n" for c in odd) + "x,y,oops\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=rf"line {len(odd) + 2}: score 'oops'"):
        gh.load_sts_file(table)


def test_a_quoted_field_may_span_lines_and_errors_keep_the_line_number(tmp_path):
    path = tmp_path / "multiline.csv"
    path.write_text(
        'sentence1,sentence2,score\n"first line\nsecond line",other,4\n\nc,d,2\n',
        encoding="utf-8",
    )
    pairs = gh.load_sts_file(path)
    assert pairs["sentence1"].tolist() == ["first line\nsecond line", "c"]
    path.write_text(
        'sentence1,sentence2,score\n"first line\nsecond line",other,4\nc,d,2,extra\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"line 4 has 4 comma-separated fields"):
        gh.load_sts_file(path)


def test_readers_of_user_files_never_split_at_unicode_boundaries():
    """str.splitlines breaks at U+2028 and form feeds: the modules that read user files split
    at newlines only."""
    for module in ("data.py", "beir.py"):
        source = (ROOT / "gist_helpers" / module).read_text(encoding="utf-8")
        assert ".splitlines(" not in source, module


@pytest.mark.parametrize(
    ("content", "layout", "error", "match"),
    [
        ("text,label\na,b\n", "auto", ValueError, "neither has a header"),
        ("sentence1,score\na,1\n", "table", ValueError, r"no column\(s\) \['sentence2'\]"),
        (
            "sentence1,sentence2,score\na,b,\nc,d,2\n",
            "auto",
            ValueError,
            "line 2: score '' is not a number",
        ),
        (
            "sentence1,sentence2,score\na,b,high\n",
            "auto",
            ValueError,
            "line 2: score 'high' is not a number",
        ),
        (
            "sentence1,sentence2,score\n,b,1\nc,d,2\n",
            "auto",
            ValueError,
            r"sentence1 is empty on line\(s\) 2",
        ),
        ("\n\n", "auto", ValueError, "is empty"),
        ("sentence1,sentence2,score\n", "auto", ValueError, "no pairs"),
        ("a\tb\n", "wrong", ValueError, "layout='wrong'"),
        (
            STSB_LINES[0] + "\nmain\theadlines\t2015\t0002\t1.2\tonly one\n",
            "stsb",
            ValueError,
            "line 2 has 6 tab-separated",
        ),
        (
            STSB_LINES[0] + "\n" + STSB_LINES[1].replace("1.200", "high") + "\n",
            "auto",
            ValueError,
            "line 2: score 'high'",
        ),
    ],
)
def test_load_sts_file_bad_input(tmp_path, content, layout, error, match):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(error, match=match):
        gh.load_sts_file(path, layout=layout)


def test_load_sts_file_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        gh.load_sts_file(tmp_path / "nope.csv")


# --- Banking77 and the published scores -----------------------------------------------------


def test_banking77_has_its_published_counts_in_file_order():
    train, test = gh.load_banking77("train"), gh.load_banking77("test")
    assert list(train.columns) == ["text", "label"] and (len(train), len(test)) == (10_003, 3_080)
    assert train["label"].nunique() == test["label"].nunique() == 77
    assert (test["label"].value_counts() == 40).all()
    assert (
        test["text"].str.len().sum() == 167_036
    )  # MTEB's descriptive statistics of the test split
    assert (
        train.loc[0, "text"] == "I am still waiting on my card?"
        and train.loc[0, "label"] == "card_arrival"
    )


def test_published_scores_name_their_source():
    table = gh.published_scores()
    row = table[
        (table.task == "Banking77Classification")
        & (table.model == "sentence-transformers/all-MiniLM-L6-v2")
    ]
    assert row.set_index("metric").loc["accuracy", "score"] == pytest.approx(0.8004220779220779)
    assert set(table.columns) >= {
        "task",
        "metric",
        "model",
        "score",
        "path",
        "file_commit",
        "mteb_version",
    }
    assert all(re.fullmatch(r"[0-9a-f]{40}", c) for c in table["file_commit"])
    assert set(gh.published_scores("SciFact")["task"]) == {"SciFact"}
    with pytest.raises(ValueError, match="task='SciFakt' is not one of"):
        gh.published_scores("SciFakt")


# --- every bundled file matches the checksum in its data card -----------------------------


def _card_checksums() -> dict[str, str]:
    """`path` → sha256 from the checksum tables of data/README.md."""
    text = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|", text, re.MULTILINE))


def test_every_bundled_file_has_a_checksum_in_its_data_card():
    listed = _card_checksums()
    on_disk = {
        p.relative_to(data_dir()).as_posix()
        for p in data_dir().rglob("*")
        if p.is_file() and p.name != "README.md"
    }
    assert on_disk == set(listed), (
        f"not in the card: {on_disk - set(listed)}; gone: {set(listed) - on_disk}"
    )


@pytest.mark.parametrize("path", sorted(_card_checksums()))
def test_bundled_file_matches_its_checksum(path):
    digest = hashlib.sha256((data_dir() / path).read_bytes()).hexdigest()
    assert digest == _card_checksums()[path], f"data/{path} differs from its data card"


# --- round three: long fields, line endings, hostile data files --------------------------------


def test_a_field_longer_than_the_csv_modules_limit_is_read(tmp_path):
    import csv

    long = "word " * 40_000  # 200,000 characters, over csv's default limit of 131,072
    path = tmp_path / "long.csv"
    path.write_text(f'sentence1,sentence2,score\n"{long}",short,3.5\n', encoding="utf-8")
    limit = csv.field_size_limit()
    pairs = gh.load_sts_file(path, layout="table")
    assert pairs.loc[0, "sentence1"] == long and csv.field_size_limit() == limit  # left as it was


def test_cr_only_line_endings_are_named(tmp_path):
    path = tmp_path / "old-mac.csv"
    path.write_bytes(b"sentence1,sentence2,score\ra,b,1\rc,d,2\r")
    with pytest.raises(ValueError, match=r"old-mac\.csv.*line endings.*\\r"):
        gh.load_sts_file(path)


def _data_folder(tmp_path, monkeypatch) -> Path:
    """A copy of the bundled data in GIST_DATA_DIR, to damage."""
    import shutil

    folder = tmp_path / "data"
    shutil.copytree(data_dir(), folder)
    monkeypatch.setenv("GIST_DATA_DIR", str(folder))
    return folder


def test_an_empty_score_names_its_row(tmp_path, monkeypatch):
    folder = _data_folder(tmp_path, monkeypatch)
    file = folder / "mteb_published.csv"
    lines = file.read_text(encoding="utf-8").splitlines()
    fields = lines[3].split(",")
    fields[4] = ""
    lines[3] = ",".join(fields)
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"mteb_published\.csv line 4: score '' is not a number"):
        gh.published_scores()


def _gzip(data: bytes) -> bytes:
    import gzip

    return gzip.compress(data)


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (
            lambda f: f.write_bytes(_gzip("text,category\ncaf\xe9,card\n".encode("latin-1"))),
            r"train\.csv\.gz is not UTF-8",
        ),
        (
            lambda f: f.write_bytes(_gzip(b"text,category\na,card\nb,card,extra\n")),
            r"train\.csv\.gz line 3 has 3 fields",
        ),
        (lambda f: f.write_bytes(f.read_bytes()[:2000]), r"train\.csv\.gz is cut short"),
        (lambda f: f.write_bytes(b"text,category\na,card\n"), r"train\.csv\.gz is not gzip"),
        (
            lambda f: f.write_bytes(_gzip(b"text,intent\na,card\n")),
            r"train\.csv\.gz has no column\(s\) \['category'\]",
        ),
        (lambda f: f.write_bytes(_gzip(b"")), r"train\.csv\.gz is empty"),
    ],
    ids=["latin-1", "extra field", "truncated", "not gzip", "no category", "empty"],
)
def test_a_damaged_banking77_file_is_named(tmp_path, monkeypatch, damage, match):
    folder = _data_folder(tmp_path, monkeypatch)
    damage(folder / "banking77" / "train.csv.gz")
    with pytest.raises(ValueError, match=match):
        gh.load_banking77("train")


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (
            lambda t: t.replace("Banking77Classification", "Banking77Classificatión").encode(
                "latin-1"
            ),
            r"mteb_published\.csv is not UTF-8",
        ),
        (
            lambda t: t.replace("\n", ",extra\n", 2).replace(",extra\n", "\n", 1).encode(),
            r"mteb_published\.csv line 2 has 10 fields",
        ),
        (
            lambda t: t.replace("score,", "points,", 1).encode(),
            r"mteb_published\.csv has no column\(s\) \['score'\]",
        ),
        (lambda t: b"", r"mteb_published\.csv is empty"),
    ],
    ids=["latin-1", "extra field", "no score column", "empty"],
)
def test_a_damaged_published_scores_file_is_named(tmp_path, monkeypatch, damage, match):
    folder = _data_folder(tmp_path, monkeypatch)
    file = folder / "mteb_published.csv"
    file.write_bytes(damage(file.read_text(encoding="utf-8")))
    with pytest.raises(ValueError, match=match):
        gh.published_scores()
