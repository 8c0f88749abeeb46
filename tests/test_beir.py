"""BEIR loading: good and bad folders, gzipped files, the bundled sets, offline, downloads."""

from __future__ import annotations

import gzip
import json
import threading
import time
import zipfile
from pathlib import Path

import pytest

import gist_helpers as gh
from gist_helpers.beir import beir_folder, extract_zip
from gist_helpers.settings import cache_root

DOCS = [
    {
        "_id": "cats",
        "title": "Cats",
        "text": "A cat is a small furry pet that likes to sleep in the sun.",
    },
    {
        "_id": "stocks",
        "title": "Markets",
        "text": "Share prices fell sharply as investors sold technology stocks.",
    },
    {
        "_id": "bread",
        "title": "Baking",
        "text": "Knead the dough, let it rise, then bake the loaf for forty minutes.",
    },
    {
        "_id": "rain",
        "title": "Weather",
        "text": "Heavy rain and strong winds are expected along the coast tonight.",
    },
    {
        "_id": "python",
        "title": "Programming",
        "text": "Python lists can be sorted in place with the sort method.",
    },
    {
        "_id": "moon",
        "title": "Astronomy",
        "text": "The Moon orbits the Earth roughly once every twenty-seven days.",
    },
]
QUERIES = [
    {"_id": "q1", "text": "my kitten naps all day"},
    {"_id": "q2", "text": "why did the stock market drop"},
    {"_id": "q3", "text": "how long to bake bread"},
    {"_id": "q4", "text": "an unjudged query"},
]
QRELS = [
    ("q1", "cats", 2),
    ("q1", "moon", 0),
    ("q2", "stocks", 1),
    ("q3", "bread", 1),
    ("q3", "rain", 0),
]


def write_beir(
    folder: Path, docs=DOCS, queries=QUERIES, qrels=QRELS, split="test", header=True
) -> Path:
    """Write a small dataset in BEIR layout (lines given as dicts or raw strings)."""
    (folder / "qrels").mkdir(parents=True, exist_ok=True)
    for name, rows in (("corpus.jsonl", docs), ("queries.jsonl", queries)):
        lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
        (folder / name).write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    body = ["query-id\tcorpus-id\tscore"] if header else []
    body += [row if isinstance(row, str) else "\t".join(map(str, row)) for row in qrels]
    (folder / "qrels" / f"{split}.tsv").write_text("\n".join(body) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def beir(tmp_path) -> Path:
    return write_beir(tmp_path / "mini")


# --- loading ------------------------------------------------------------------------------


def test_loads_a_beir_folder(beir):
    ds = gh.load_beir(beir)
    assert ds.name == "mini" and ds.split == "test"
    assert list(ds.corpus.index) == [d["_id"] for d in DOCS] and ds.corpus.index.name == "doc_id"
    assert list(ds.queries.index) == ["q1", "q2", "q3"]  # the unjudged q4 is left out
    assert ds.qrels == {
        "q1": {"cats": 2, "moon": 0},
        "q2": {"stocks": 1},
        "q3": {"bread": 1, "rain": 0},
    }
    assert ds.doc_texts()[0] == "Cats A cat is a small furry pet that likes to sleep in the sun."
    assert (
        repr(ds) == "RetrievalDataset('mini', split='test': 6 documents, 3 queries, 5 judgements)"
    )
    assert gh.load_beir(str(beir)).qrels == ds.qrels  # a path given as a string works too


def test_gzipped_files_are_read(beir):
    for name in ("corpus.jsonl", "queries.jsonl"):
        (beir / f"{name}.gz").write_bytes(gzip.compress((beir / name).read_bytes()))
        (beir / name).unlink()
    assert gh.load_beir(beir).qrels["q1"] == {"cats": 2, "moon": 0}


def test_corpus_without_titles_and_qrels_without_header(tmp_path):
    docs = [{"_id": "a", "text": "  first text "}, {"_id": 7, "title": None, "text": "second"}]
    folder = write_beir(
        tmp_path / "plain",
        docs=docs,
        queries=[{"_id": "q", "text": "x"}],
        qrels=[("q", "a", 1), ("q", "7", 0)],
        header=False,
    )
    ds = gh.load_beir(folder)
    assert ds.doc_texts() == ["first text", "second"]
    assert list(ds.corpus.index) == ["a", "7"]


def test_other_splits_and_a_missing_split(tmp_path):
    folder = write_beir(tmp_path / "splits", split="dev", qrels=[("q2", "stocks", 1)])
    assert list(gh.load_beir(folder, split="dev").queries.index) == ["q2"]
    with pytest.raises(FileNotFoundError, match=r"test.tsv not found \(splits found: dev\)"):
        gh.load_beir(folder)
    with pytest.raises(ValueError, match="not a split name"):
        gh.load_beir(folder, split="")


def test_the_bundled_sets_load_with_their_published_counts():
    ds = gh.load_beir()
    assert (ds.name, len(ds.corpus), len(ds.queries)) == ("bundled", 258, 64)
    assert all(d in ds.corpus.index for judged in ds.qrels.values() for d in judged)
    scifact = gh.load_beir("scifact")  # MTEB's descriptive statistics of SciFact's test split
    assert (len(scifact.corpus), len(scifact.queries)) == (5183, 300)
    assert sum(map(len, scifact.qrels.values())) == 339
    assert sum(map(len, scifact.doc_texts())) == 7_771_451


def test_sample_keeps_every_judged_document_of_its_queries():
    full = gh.load_beir("scifact")
    small = full.sample(20, 300, seed=1)
    assert small.subset and len(small.queries) == 20 and len(small.corpus) == 300
    assert all(d in small.corpus.index for judged in small.qrels.values() for d in judged)
    assert set(small.qrels) == set(small.queries.index)
    assert full.sample(20, 300, seed=1).corpus.index.equals(small.corpus.index)  # reproducible
    assert full.sample(10_000, 10_000) is full


def test_finds_a_dataset_by_name_in_the_cache(beir):
    target = beir_folder("mini")
    assert target.parent.parent == cache_root()
    write_beir(target)
    assert gh.load_beir("mini").path == target


def test_offline_the_error_says_what_to_download_and_where(tmp_path):
    with pytest.raises(gh.DatasetUnavailableError) as caught:
        gh.load_beir("nfcorpus", download=False)
    message = str(caught.value)
    assert (
        "https://public.ukp.informatik.tu-darmstadt.de/thakur/BEIR/datasets/nfcorpus.zip" in message
    )
    assert str(beir_folder("nfcorpus") / "corpus.jsonl") in message
    assert isinstance(caught.value, FileNotFoundError)


def test_an_unavailable_download_fails_fast():
    # Offline the probe fails; online the server answers 404 for a name BEIR does not have.
    start = time.perf_counter()
    with pytest.raises(gh.DatasetUnavailableError, match="cannot be downloaded"):
        gh.load_beir("no-such-beir-set")
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize(
    ("source", "error", "match"),
    [
        ("no/such/folder", FileNotFoundError, "is not a folder"),
        ("Sci Fact!", ValueError, "neither a folder nor a BEIR dataset name"),
    ],
)
def test_bad_sources(source, error, match):
    with pytest.raises(error, match=match):
        gh.load_beir(source, download=False)


def test_a_folder_without_corpus(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="corpus.jsonl not found"):
        gh.load_beir(tmp_path / "empty")


@pytest.mark.parametrize(
    ("files", "match"),
    [
        (
            {"docs": DOCS[:2] + ['{"_id": "x", "text": "oops"'] + DOCS[2:]},
            r"corpus.jsonl: line 3 is not valid JSON",
        ),
        ({"docs": DOCS[:1] + ["[1, 2]"]}, r"line 2 is a JSON list"),
        ({"docs": DOCS[:1] + [{"title": "no id", "text": "t"}]}, r"line 2 has no usable \"_id\""),
        (
            {"docs": DOCS[:1] + [{"_id": "z", "title": "no text"}]},
            r"line 2 \(document 'z'\) has a \"text\" or \"title\" that is not a string",
        ),
        (
            {"docs": DOCS[:1] + ['{"_id": "s", "text": "broken \\ud800 text"}']},
            r"document 's' \(corpus.jsonl line 2\).*unencodable character U\+D800",
        ),
        (
            {"docs": DOCS + [{"_id": "cats", "text": "again"}]},
            r"document id 'cats' appears on line 1 and line 7",
        ),
        (
            {"queries": QUERIES + [{"_id": "q2", "text": "again"}]},
            r"query id 'q2' appears on line 2 and line 5",
        ),
        ({"docs": []}, "has no documents; an empty corpus cannot be searched"),
        ({"qrels": []}, "has no judgements"),
        ({"qrels": QRELS + [("q1", "rain", "high")]}, r"line 7 has score 'high'"),
        ({"qrels": QRELS + [("q1", "rain", "1.5")]}, r"line 7 has score '1.5'"),
        ({"qrels": QRELS + ["q1\train"]}, r"line 7 has 2 fields"),
        (
            {"qrels": QRELS + [("q1", "cats", 1)]},
            r"'q1' / document 'cats' is judged 2 on line 2 and 1 on line 7",
        ),
    ],
)
def test_bad_files_raise_naming_the_line(tmp_path, files, match):
    folder = write_beir(
        tmp_path / "bad",
        docs=files.get("docs", DOCS),
        queries=files.get("queries", QUERIES),
        qrels=files.get("qrels", QRELS),
    )
    with pytest.raises(ValueError, match=match):
        gh.load_beir(folder)


def test_a_malformed_first_qrels_line_is_an_error_not_a_header(tmp_path):
    folder = write_beir(tmp_path / "first", qrels=[("q1", "cats", "two")] + QRELS, header=False)
    with pytest.raises(ValueError, match=r"test.tsv: line 1 has score 'two'"):
        gh.load_beir(folder)
    folder = write_beir(tmp_path / "first", qrels=["q1 cats"] + QRELS, header=False)
    with pytest.raises(ValueError, match=r"test.tsv: line 1 has 2 fields"):
        gh.load_beir(folder)


@pytest.mark.parametrize(
    "header",
    [
        "query-id\tcorpus-id\tscore",
        "query_id\tdoc_id\tscore",
        "qid\tdocid\trelevance",
        "Query-ID\tCorpus-ID\tScore",
        "query id\tdocument id\tlabel",
    ],
)
def test_a_qrels_header_is_recognised_by_its_names(tmp_path, header):
    folder = write_beir(tmp_path / "named", qrels=[header] + QRELS, header=False)
    assert gh.load_beir(folder).qrels["q1"] == {"cats": 2, "moon": 0}
    folder = write_beir(tmp_path / "late", qrels=QRELS + [header], header=False)
    with pytest.raises(ValueError, match=r"line 6 has score"):  # a header only comes first
        gh.load_beir(folder)


def test_a_non_utf8_qrels_file_names_the_file_and_line(tmp_path):
    folder = write_beir(tmp_path / "latin")
    qrels = folder / "qrels" / "test.tsv"
    qrels.write_bytes(qrels.read_bytes() + "q1\tcaf\u00e9\t1\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"test.tsv: line 7 is not UTF-8 \(byte 0xe9"):
        gh.load_beir(folder)


@pytest.mark.parametrize("name", ["corpus.jsonl", "queries.jsonl"])
@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda data: data[: len(data) // 2], r"EOFError"),  # cut short
        (lambda data: b"plain text, not gzip", r"BadGzipFile"),
        (lambda data: data[:-8] + bytes(8), r"BadGzipFile: CRC check failed"),  # wrong checksum
        (lambda data: data[:12] + bytes(len(data) - 20) + data[-8:], r"zlib|error"),  # bad stream
    ],
)
def test_a_damaged_gzip_file_names_the_file_and_line(beir, name, damage, match):
    extra = [{"_id": f"filler-{i}", "text": f"filler document number {i}"} for i in range(300)]
    body = b"".join(json.dumps(d).encode() + b"\n" for d in DOCS + extra)
    if name == "queries.jsonl":
        body = (beir / name).read_bytes()
    (beir / f"{name}.gz").write_bytes(damage(gzip.compress(body)))
    (beir / name).unlink()
    with pytest.raises(
        ValueError,
        match=rf"{name}.gz is a damaged gzip file: reading it fails at line \d+ .*{match}",
    ):
        gh.load_beir(beir)


def test_the_folder_is_found_as_written_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GIST_DATA_DIR", str(tmp_path))
    write_beir(tmp_path / "MyData")
    ds = gh.load_beir("MyData", download=False)
    assert ds.name == "MyData" and ds.path == tmp_path / "MyData"
    write_beir(tmp_path / "beir" / "lowercase")
    assert gh.load_beir("LowerCase", download=False).path == tmp_path / "beir" / "lowercase"
    assert gh.load_beir("lowercase", download=False).name == "lowercase"


def test_repeated_identical_judgements_are_merged_and_reported(tmp_path):
    folder = write_beir(tmp_path / "dup", qrels=QRELS + [("q2", "stocks", 1)])
    with pytest.warns(gh.DataWarning, match="1 repeated judgement"):
        ds = gh.load_beir(folder)
    assert ds.qrels["q2"] == {"stocks": 1}


UNKNOWN = QRELS + [("q1", "ghost", 1), ("q2", "phantom", 0), ("q9", "cats", 1)]


def test_unknown_ids_are_handled_as_mteb_does_with_a_warning(tmp_path):
    folder = write_beir(tmp_path / "unknown", qrels=UNKNOWN)
    with pytest.warns(
        gh.DataWarning, match=r"2 document id\(s\) not in corpus.jsonl.*1 query id\(s\)"
    ):
        ds = gh.load_beir(folder)
    assert ds.qrels["q1"] == {"cats": 2, "moon": 0, "ghost": 1}  # relevant, never findable
    assert "q9" not in ds.qrels


def test_only_unknown_queries_leave_nothing(tmp_path):
    folder = write_beir(tmp_path / "ghosts", qrels=[("q7", "cats", 1)])
    with pytest.raises(ValueError, match="none of its queries"), pytest.warns(gh.DataWarning):
        gh.load_beir(folder)


def _zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def test_archives_are_unpacked_only_inside_their_folder(tmp_path):
    target = tmp_path / "out"
    extract_zip(_zip(tmp_path / "ok.zip", {"set/corpus.jsonl": "{}"}), target, "ok.zip")
    assert (target / "set" / "corpus.jsonl").is_file()
    # A sibling whose name starts like the target passes a string-prefix check, not containment.
    sneaky = {f"../{target.name}-evil/x.txt": "x", "../../escape.txt": "x"}
    for name, text in sneaky.items():
        with pytest.raises(gh.DatasetUnavailableError, match="unsafe path"):
            extract_zip(_zip(tmp_path / "bad.zip", {name: text}), tmp_path / "out2", "bad.zip")
    assert not (tmp_path / "out-evil").exists() and not (tmp_path.parent / "escape.txt").exists()


def test_a_broken_archive_is_a_clear_error(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"PK not really a zip")
    with pytest.raises(gh.DatasetUnavailableError, match="not a valid zip file"):
        extract_zip(tmp_path / "broken.zip", tmp_path / "out", "broken.zip")


def _flag_entries(archive: Path, *, encrypted: bool = False, method: int | None = None) -> Path:
    """Mark every entry of a zip as encrypted or compressed with an unknown method, in both
    its local header and the central directory, as other zip tools write them."""
    data = bytearray(archive.read_bytes())
    for signature, flags, compression in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = data.find(signature)
        while at != -1:
            if encrypted:
                data[at + flags] |= 1
            if method is not None:
                data[at + compression : at + compression + 2] = method.to_bytes(2, "little")
            at = data.find(signature, at + 4)
    archive.write_bytes(bytes(data))
    return archive


@pytest.mark.parametrize(
    ("flags", "match"),
    [
        ({"encrypted": True}, r"RuntimeError: .*encrypted"),
        ({"method": 99}, r"NotImplementedError: That compression method is not supported"),
    ],
)
def test_an_archive_zipfile_cannot_read_is_a_clear_error(tmp_path, flags, match):
    archive = _flag_entries(_zip(tmp_path / "odd.zip", {"set/corpus.jsonl": "{}"}), **flags)
    with pytest.raises(
        gh.DatasetUnavailableError,
        match=rf"odd.zip cannot be unzipped here \({match}.*another tool",
    ):
        extract_zip(archive, tmp_path / "out", "odd.zip")


def test_a_failed_download_leaves_nothing_behind(monkeypatch):
    from gist_helpers import beir

    class Response:
        headers = {"Content-Length": "20"}

        def __init__(self):
            self.chunks = [b"PK definitely not a ", b"zip", b""]

        def read(self, size):
            return self.chunks.pop(0)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(beir.urllib.request, "urlopen", lambda url, timeout: Response())
    with pytest.raises(gh.DatasetUnavailableError, match="not a valid zip file"):
        beir._download("mini", "https://example.invalid/mini.zip")
    root = beir_folder("mini").parent
    assert list(root.iterdir()) == []  # no .part file, no staging folder, no half dataset


# --- downloads: a real HTTP server on the loopback interface -------------------------------


@pytest.fixture
def beir_server(tmp_path, monkeypatch):
    """Serve BEIR-style zips (``<name>.zip``: a ``<name>/`` folder inside) from 127.0.0.1;
    ``served`` counts the archives downloaded (the HEAD probes are not counted)."""
    from http.server import HTTPServer, SimpleHTTPRequestHandler

    from gist_helpers import beir

    root = tmp_path / "server"
    root.mkdir()
    served: list[str] = []

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):
            served.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    for name in ("mini", "other"):
        staging = write_beir(tmp_path / "zips" / name)
        with zipfile.ZipFile(root / f"{name}.zip", "w") as archive:
            for file in sorted(staging.rglob("*")):
                if file.is_file():
                    archive.write(file, f"{name}/{file.relative_to(staging).as_posix()}")
    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(
        beir, "BEIR_URL", f"http://127.0.0.1:{server.server_address[1]}/{{name}}.zip"
    )
    monkeypatch.setenv("GIST_PROGRESS", "0")
    yield served
    server.shutdown()


def test_a_download_is_unzipped_into_the_cache_and_marked_as_ours(beir_server):
    from gist_helpers.beir import DOWNLOAD_MARKER

    ds = gh.load_beir("mini")
    assert ds.path == beir_folder("mini") and len(ds.corpus) == len(DOCS)
    marker = json.loads((ds.path / DOWNLOAD_MARKER).read_text())
    assert marker["files"] == ["corpus.jsonl", "qrels/test.tsv", "queries.jsonl"]
    assert gh.load_beir("mini").qrels == ds.qrels and beir_server == ["/mini.zip"]  # once
    assert sorted(p.name for p in beir_folder("mini").parent.iterdir()) == ["mini"]


def test_a_download_never_replaces_a_folder_it_did_not_make(beir_server):
    """The issue's case: the README says to unzip by hand into <cache>/beir/; a copy unzipped
    one level too deep, plus a notes file, was deleted by the next download."""
    target = beir_folder("mini")
    write_beir(target / "mini")
    (target / "notes.txt").write_text("my notes")
    with pytest.raises(FileExistsError) as caught:
        gh.load_beir("mini")
    message = str(caught.value)
    assert f"{target} exists and is not a download made by gist-notebooks" in message
    assert f"move the contents of {target / 'mini'} up into {target}" in message
    assert (target / "notes.txt").read_text() == "my notes"
    assert (target / "mini" / "corpus.jsonl").is_file() and beir_server == []  # nothing fetched
    (target / "mini").rename(target.parent / "elsewhere")
    with pytest.raises(FileExistsError, match=r"it holds notes.txt.*Move or rename"):
        gh.load_beir("mini")
    assert (target / "notes.txt").read_text() == "my notes"


def test_a_download_of_ours_is_replaced_but_a_file_added_to_it_is_kept(beir_server):
    first = gh.load_beir("mini").path
    (first / "corpus.jsonl").unlink()  # broken: the next load downloads again
    (first / "qrels" / "my-split.tsv").write_text("q1\tcats\t1\n")
    with pytest.raises(
        FileExistsError, match=r"files the download did not write: qrels/my-split.tsv"
    ):
        gh.load_beir("mini")
    assert (first / "qrels" / "my-split.tsv").is_file() and beir_server == ["/mini.zip"]
    (first / "qrels" / "my-split.tsv").unlink()
    assert len(gh.load_beir("mini").corpus) == len(DOCS)  # only our own files: replaced
    assert beir_server == ["/mini.zip", "/mini.zip"]


def test_an_empty_folder_is_no_obstacle_and_a_linked_one_is(beir_server, tmp_path):
    beir_folder("mini").mkdir(parents=True)
    assert len(gh.load_beir("mini").corpus) == len(DOCS)
    mine = tmp_path / "my-datasets"
    mine.mkdir()
    (mine / "keep.txt").write_text("mine")
    beir_folder("other").symlink_to(mine, target_is_directory=True)
    with pytest.raises(FileExistsError, match="not a folder of ours"):
        gh.load_beir("other")
    assert [p.name for p in mine.iterdir()] == ["keep.txt"]
