"""Vector-store benchmark (notebook 10): what the LanceDB collection costs over the embeddings.

    python benchmarks/vector_store.py               # full SciFact: 5,183 abstracts, 300 claims
    python benchmarks/vector_store.py --docs 500    # a quicker look: 500 abstracts, 50 claims

Three numbers, each in one run on this machine, for the model ``load_model()`` gives here:

* **ingest overhead**: ``gh.ingest`` (read rows, hash, chunk with semchunk, ``gh.encode``,
  ``table.add``) into a fresh table with an empty embedding cache, against ``model.encode`` of
  the same chunks alone; the target is at most 10% more. Rounds alternate the two; the
  median of each counts, and the range is printed.
* **hybrid query latency**: ``table.search(query_type="hybrid")`` (full-text index + vectors,
  ``RRFReranker``, top 10) over the documents' table, its vector side through the IVF-PQ index
  (as a served table would be), one claim at a time: median and range over every claim and
  round; the target is 20 ms at the median on 2 cores. Notebook 10 prints the same query with
  an exact vector side, as its quality comparison needs.
* **bytes per vector on disk**: the IVF-PQ index (48 sub-vectors) and the whole table, per
  vector, against float32's 4 × 384 = 1,536.

Writes benchmarks/results/vector_store.{csv,md}, dated, with the machine and library versions.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("LANCEDB_LOG", "error")
os.environ.setdefault("LANCE_LOG", "error")
import lancedb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import semchunk  # noqa: E402
from lancedb.index import FTS, IvfPq  # noqa: E402
from lancedb.rerankers import RRFReranker  # noqa: E402
from machine import machine  # noqa: E402

import gist_helpers as gh  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def documents_of(dataset) -> pd.DataFrame:
    """The corpus as read_documents' rows (title on the first line, as notebook 10 writes it)."""
    return pd.DataFrame(
        {
            "id": dataset.corpus.index,
            "source": [f"{d}.txt" for d in dataset.corpus.index],
            "title": dataset.corpus.title.to_numpy(),
            "text": [f"{t}\n\n{x}\n" for t, x in zip(dataset.corpus.title, dataset.corpus.text)],
            "modified": pd.NaT,
        }
    ).reset_index(drop=True)


def chunk_texts(model, documents: pd.DataFrame) -> list[str]:
    """The chunks gh.ingest makes of these documents (same chunker, size and overlap)."""
    size = model.max_seq_length - len(model.tokenizer("")["input_ids"])
    chunker = semchunk.chunkerify(
        lambda t: len(model.tokenizer(t, add_special_tokens=False, verbose=False)["input_ids"]),
        size,
    )
    return [c for chunks in chunker(documents.text.tolist(), overlap=0.25) for c in chunks]


def time_ingest(model, documents: pd.DataFrame, folder: Path) -> float:
    """Seconds for gh.ingest into a fresh table, with a fresh (empty) embedding cache."""
    os.environ["GIST_CACHE_DIR"] = str(Path(tempfile.mkdtemp(dir=folder)))
    table = gh.chunk_table(lancedb.connect(tempfile.mkdtemp(dir=folder)), "chunks", model)
    start = time.perf_counter()
    gh.ingest(table, documents, model)
    return time.perf_counter() - start


def time_encode(model, texts: list[str]) -> float:
    start = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True)
    return time.perf_counter() - start


def run(n_docs: int | None, rounds: int) -> tuple[pd.DataFrame, dict]:
    model = gh.load_model()
    scifact = gh.load_beir("scifact")
    # a sample keeps every document judged for its claims: one claim per ten documents
    dataset = scifact.sample(max(1, n_docs // 10), n_docs) if n_docs else scifact
    documents = documents_of(dataset)
    texts = chunk_texts(model, documents)
    folder = Path(tempfile.mkdtemp(prefix="gist-bench-store-"))
    cache = os.environ.get("GIST_CACHE_DIR")
    ingest_s, encode_s = [], []
    try:
        for _ in range(rounds):
            encode_s.append(time_encode(model, texts))
            ingest_s.append(time_ingest(model, documents, folder))
    finally:
        if cache is None:
            os.environ.pop("GIST_CACHE_DIR", None)
        else:
            os.environ["GIST_CACHE_DIR"] = cache
    # the documents' table of notebook 10: one vector per document, full-text index, IVF-PQ
    vectors = gh.encode(model, dataset.doc_texts())
    db = lancedb.connect(folder / "docs")
    table = db.create_table(
        "docs",
        data=pd.DataFrame(
            {"id": dataset.corpus.index, "text": dataset.doc_texts(), "vector": list(vectors)}
        ),
    )
    data_bytes = folder_bytes(folder / "docs" / "docs.lance")
    table.create_index(
        "vector",
        config=IvfPq(
            distance_type="cosine", num_partitions=max(2, len(vectors) // 256), num_sub_vectors=48
        ),
    )
    indices = folder / "docs" / "docs.lance" / "_indices"
    index_bytes = folder_bytes(indices)  # the IVF-PQ index alone: the full-text one comes next
    table.create_index("text", config=FTS())
    fts_bytes = folder_bytes(indices) - index_bytes
    queries = model.encode(dataset.queries.tolist(), normalize_embeddings=True)
    latency = []
    for _ in range(rounds):
        for vector, text in zip(queries, dataset.queries):
            start = time.perf_counter()
            table.search(query_type="hybrid").vector(vector).text(text).rerank(RRFReranker()).limit(
                10
            ).to_list()
            latency.append(1000 * (time.perf_counter() - start))
    latency = np.array(latency)
    overheads = np.array(ingest_s) / np.array(encode_s) - 1
    n = len(vectors)
    rows = [
        {
            "measure": f"ingest {len(documents):,} documents ({len(texts):,} chunks) vs model.encode of the chunks",
            "value": f"{100 * np.median(overheads):+.1f}% (median of {rounds}; range {100 * overheads.min():+.1f}% to {100 * overheads.max():+.1f}%)",
            "detail": f"ingest {np.median(ingest_s):.1f} s, encode {np.median(encode_s):.1f} s",
            "target": "≤ +10%",
            "met": bool(np.median(overheads) <= 0.10),
        },
        {
            "measure": f"hybrid query (FTS + vectors, RRF, top 10) over {n:,} documents",
            "value": f"{np.median(latency):.1f} ms median (range {latency.min():.1f}–{latency.max():.1f} ms)",
            "detail": f"{len(latency)} queries: {len(queries)} claims × {rounds} rounds",
            "target": "≤ 20 ms",
            "met": bool(np.median(latency) <= 20),
        },
        {
            "measure": "IVF-PQ index on disk, per vector",
            "value": f"{index_bytes / n:.0f} bytes",
            "detail": f"float32 vector: {4 * vectors.shape[1]:,} bytes; table with text: {data_bytes / n:,.0f} bytes per row; full-text index: {fts_bytes / n:,.0f} bytes per row",
            "target": "below 1,536",
            "met": bool(index_bytes / n < 4 * vectors.shape[1]),
        },
    ]
    info = {
        "model": gh.model_info(model).model_id,
        **machine("lancedb", "semchunk"),
    }
    return pd.DataFrame(rows), info


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def write(table: pd.DataFrame, info: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    table.assign(**{k: v for k, v in info.items()}).to_csv(
        RESULTS / "vector_store.csv", index=False
    )
    header = " · ".join(f"{k}: {v}" for k, v in info.items())
    lines = [
        header,
        "",
        "| " + " | ".join(table.columns) + " |",
        "|" + " --- |" * len(table.columns),
    ]
    lines += [
        "| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)
    ]
    (RESULTS / "vector_store.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=None, help="a sample of this many abstracts")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each timing")
    args = parser.parse_args()
    if args.rounds < 1:
        raise SystemExit(f"--rounds must be at least 1, got {args.rounds}")
    table, info = run(args.docs, args.rounds)
    info["command"] = " ".join(["python benchmarks/vector_store.py", *sys.argv[1:]])
    write(table, info)
    print(" · ".join(f"{k}: {v}" for k, v in info.items()))
    print(table.to_string(index=False))
    print(f"\nwritten: {RESULTS}/vector_store.csv, vector_store.md")


if __name__ == "__main__":
    warnings.filterwarnings("ignore", category=gh.StandInWarning)
    warnings.filterwarnings("ignore", category=gh.TruncationWarning)
    os.environ.setdefault("GIST_PROGRESS", "0")
    main()
