"""gist_helpers.store on real LanceDB tables and the real stand-in model: reading with reasons,
incremental ingest by content hash, the model stamp, clear search errors, and an ingest killed
with SIGKILL mid-write that a rerun completes without duplicates (notebook 10)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

import gist_helpers as gh

lancedb = pytest.importorskip("lancedb")  # the store extra


def _folder(tmp_path, n: int = 6):
    """n real SciFact abstracts, one .txt file each (title on the first line)."""
    corpus = gh.load_beir("scifact").corpus.head(n)
    folder = tmp_path / "docs"
    folder.mkdir()
    for doc_id, title, text in zip(corpus.index, corpus.title, corpus.text):
        (folder / f"{doc_id}.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")
    return folder


def _chunks(table) -> pd.DataFrame:
    return table.to_arrow().select(["doc_id", "chunk", "hash"]).to_pandas()


def test_read_documents_names_every_file_it_skips(tmp_path):
    folder = _folder(tmp_path, 2)
    (folder / "notes.md").write_text("# My notes\n\nMice sleep more in winter.\n")
    (folder / "latin.txt").write_bytes("Café".encode("latin-1"))
    (folder / "blank.md").write_text("\n \n")
    (folder / "scan.pdf").write_bytes(b"%PDF-1.7")
    (folder / "gone.txt").symlink_to(folder / "missing-target.txt")
    (folder / "table.csv").write_text("id,body\n1,hello\n")
    documents, skipped = gh.read_documents(folder)
    assert len(documents) == 3
    assert documents.set_index("id").loc["notes", "title"] == "My notes"
    reasons = dict(zip(skipped.source, skipped.reason))
    assert set(reasons) == {"latin.txt", "blank.md", "scan.pdf", "gone.txt", "table.csv"}
    assert reasons["latin.txt"].startswith("not UTF-8 (byte 3 is 0xe9)")
    assert reasons["blank.md"] == "empty (no text)"
    assert "not a .txt, .md or .csv file (.pdf)" in reasons["scan.pdf"]
    assert reasons["gone.txt"].startswith("unreadable")
    assert "no column 'text'" in reasons["table.csv"] and "'body'" in reasons["table.csv"]


def test_read_documents_reads_a_csv_and_reports_bad_rows(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("id,title,body\na,One,first text\nb,Two,\na,Three,again\n")
    documents, skipped = gh.read_documents(
        path, text_column="body", id_column="id", title_column="title"
    )
    assert documents.id.tolist() == ["a"] and documents.title.tolist() == ["One"]
    assert skipped.to_dict("records") == [
        {"source": "notes.csv:3", "reason": "empty 'body'"},
        {"source": "notes.csv:4", "reason": "duplicate id 'a' (an earlier row has it)"},
    ]


def test_ingest_encodes_only_what_changed(model, tmp_path):
    folder = _folder(tmp_path)
    documents, _ = gh.read_documents(folder)
    table = gh.chunk_table(lancedb.connect(tmp_path / "db"), "chunks", model)
    first = gh.ingest(table, documents, model)
    assert first["encoded"] == len(documents) and first["chunks"] == table.count_rows()
    assert first["chunks"] > len(documents)  # some abstracts are longer than one chunk
    before = _chunks(table)
    again = gh.ingest(table, documents, model)
    assert again == {
        "documents": len(documents),
        "unchanged": len(documents),
        "encoded": 0,
        "chunks": 0,
        "replaced": 0,
    }
    changed = folder / documents.source[0]
    changed.write_text(changed.read_text() + "\nA new closing sentence.\n")
    documents, _ = gh.read_documents(folder)
    third = gh.ingest(table, documents, model)
    assert (third["encoded"], third["replaced"], third["unchanged"]) == (1, 1, len(documents) - 1)
    after = _chunks(table)
    edited = after[after.doc_id == documents.id[0]]
    assert edited.hash.nunique() == 1 and edited.hash.iloc[0] not in set(before.hash)
    others = lambda frame: frame[frame.doc_id != documents.id[0]].sort_values(["doc_id", "chunk"])  # noqa: E731
    pd.testing.assert_frame_equal(
        others(before).reset_index(drop=True), others(after).reset_index(drop=True)
    )
    assert not after.duplicated(["doc_id", "chunk"]).any()


def test_a_table_refuses_another_model(model, tmp_path):
    db = lancedb.connect(tmp_path / "db")
    gh.chunk_table(db, "chunks", model)
    default = model.max_seq_length
    try:
        model.max_seq_length = 128
        with pytest.raises(
            ValueError,
            match=r"was built by sentence-transformers/all-MiniLM-L6-v2 .*max_seq_length 256",
        ):
            gh.chunk_table(db, "chunks", model)
    finally:
        model.max_seq_length = default
    # a table whose stamp names GIST (as one built with the real weights would)
    stamp = json.loads(db.open_table("chunks").schema.metadata[b"gist_helpers.store"])
    schema = db.open_table("chunks").schema.with_metadata(
        {
            b"gist_helpers.store": json.dumps(
                stamp | {"model_id": gh.GIST_ID, "revision": gh.GIST_REVISION}
            ).encode()
        }
    )
    db.create_table("gist_chunks", schema=schema)
    with pytest.raises(ValueError, match=rf"'gist_chunks' was built by {gh.GIST_ID}"):
        gh.chunk_table(db, "gist_chunks", model)
    db.create_table("plain", data=[{"vector": [0.0] * 384}])
    with pytest.raises(ValueError, match="'plain' records no model"):
        gh.chunk_table(db, "plain", model)


def test_vectors_of_another_width_are_refused(model, tmp_path):
    table = gh.chunk_table(lancedb.connect(tmp_path / "db"), "chunks", model)
    with pytest.raises(ValueError, match=r"FixedSizeList\(384\)"):
        table.add([{"doc_id": "x", "chunk": 0, "text": "x", "vector": [0.0] * 128}])


def test_search_returns_documents_and_explains_its_errors(model, tmp_path):
    db = lancedb.connect(tmp_path / "db")
    empty = gh.chunk_table(db, "empty", model)
    with pytest.raises(ValueError, match="'empty' is empty: nothing is stored yet"):
        gh.search_documents(empty, model, "cancer")
    documents, _ = gh.read_documents(_folder(tmp_path))
    table = gh.chunk_table(db, "chunks", model)
    gh.ingest(table, documents, model)
    title = documents.title[3]
    hits = gh.search_documents(table, model, title, k=3)
    assert hits.doc_id.is_unique and hits.doc_id[0] == documents.id[3]
    assert title in documents.text[3] and hits.highlight[0] in documents.text[3]
    assert list(hits.columns) == ["doc_id", "title", "score", "chunk", "highlight"]
    only = gh.search_documents(table, model, title, k=3, where=f"doc_id != '{documents.id[3]}'")
    assert documents.id[3] not in set(only.doc_id)
    with pytest.raises(ValueError, match="query is empty"):
        gh.search_documents(table, model, " \n")
    with pytest.raises(ValueError, match=r"names 'year', which table 'chunks' has no column"):
        gh.search_documents(table, model, "cancer", where="year > 2010 AND doc_id = 'x'")


WRITER = """
import sys, warnings, lancedb, gist_helpers as gh
warnings.simplefilter("ignore")
model = gh.load_model()
documents, _ = gh.read_documents(sys.argv[1])
table = gh.chunk_table(lancedb.connect(sys.argv[2]), "chunks", model)
print(gh.ingest(table, documents, model, batch_size=1), flush=True)
"""


def test_a_killed_ingest_leaves_a_table_a_rerun_completes(model, tmp_path):
    folder = _folder(tmp_path, 12)
    db_path = tmp_path / "db"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(folder), str(db_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ | {"GIST_CACHE_DIR": str(tmp_path / "writer-cache")},
    )
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:  # wait until a few documents are committed
            time.sleep(0.2)
            assert writer.poll() is None, writer.stderr.read().decode()[-2000:]
            if (db_path / "chunks.lance" / "_versions").is_dir() and len(
                list((db_path / "chunks.lance" / "_versions").iterdir())
            ) >= 4:
                break
        else:
            pytest.fail("the writer committed nothing in 240 s")
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait()
    assert writer.returncode == -signal.SIGKILL
    documents, _ = gh.read_documents(folder)
    table = gh.chunk_table(
        lancedb.connect(db_path), "chunks", model
    )  # opens: last complete version
    partial = _chunks(table)
    assert 0 < partial.doc_id.nunique() < len(documents)
    assert not partial.duplicated(["doc_id", "chunk"]).any()
    result = gh.ingest(table, documents, model)
    assert result["unchanged"] == partial.doc_id.nunique()
    assert result["encoded"] == len(documents) - partial.doc_id.nunique()
    complete = _chunks(table)
    assert complete.doc_id.nunique() == len(documents)
    assert not complete.duplicated(["doc_id", "chunk"]).any()
    assert (complete.groupby("doc_id").hash.nunique() == 1).all()
