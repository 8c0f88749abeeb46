"""Exact, FAISS and BM25 search: agreement with brute force, deterministic ties, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import gist_helpers as gh
from tests.tolerance import assert_same_hits


def _brute_force(queries, docs, qids, dids, k):
    scores = queries @ docs.T
    return {
        q: gh.rank_run({d: float(scores[i, j]) for j, d in enumerate(dids)})[:k]
        for i, q in enumerate(qids)
    }


def _random(n_docs=300, n_queries=20, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    docs = rng.standard_normal((n_docs, dim)).astype(np.float32)
    queries = rng.standard_normal((n_queries, dim)).astype(np.float32)
    return queries, docs, [f"q{i}" for i in range(n_queries)], [f"d{i}" for i in range(n_docs)]


def test_exact_search_equals_brute_force_with_many_ties_at_any_chunk_size():
    rng = np.random.default_rng(1)
    for trial in range(150):
        n, q = int(rng.integers(1, 50)), int(rng.integers(1, 8))
        docs = rng.integers(-2, 3, (n, 3)).astype(
            np.float32
        )  # few distinct scores: ties everywhere
        queries = rng.integers(-2, 3, (q, 3)).astype(np.float32)
        dids = [str(x) for x in rng.permutation(500)[:n]]  # "10" vs "9": string order, not numeric
        qids = [f"q{i}" for i in range(q)]
        k = int(rng.integers(1, n + 1))
        found = gh.exact_search(
            queries,
            docs,
            query_ids=qids,
            doc_ids=dids,
            k=k,
            metric="dot",
            query_batch=int(rng.integers(1, 4)),
            doc_batch=int(rng.integers(1, 12)),
        )
        assert dict(found) == _brute_force(queries, docs, qids, dids, k), f"trial {trial}"


def test_cosine_ignores_vector_length_and_results_carry_their_origin(model):
    queries, docs, qids, dids = _random()
    scaled = docs * np.linspace(0.1, 10, len(docs), dtype=np.float32)[:, None]
    a = gh.exact_search(queries, docs, query_ids=qids, doc_ids=dids, k=5)
    b = gh.exact_search(
        queries, scaled, query_ids=qids, doc_ids=dids, k=5, model_info=gh.model_info(model)
    )
    assert [[d for d, _ in a[q]] for q in qids] == [[d for d, _ in b[q]] for q in qids]
    assert (
        b.model_id == gh.model_info(model).model_id
        and b.source == "stand-in"
        and b.backend == "exact"
    )
    assert a.model_id.startswith("unknown")


def test_exact_search_reads_a_memmap_corpus_in_blocks(tmp_path):
    queries, docs, qids, dids = _random(n_docs=1000)
    path = tmp_path / "docs.f32"
    stored = np.memmap(path, dtype=np.float32, mode="w+", shape=docs.shape)
    stored[:] = docs
    stored.flush()
    on_disk = np.memmap(path, dtype=np.float32, mode="r", shape=docs.shape)
    found = gh.exact_search(queries, on_disk, query_ids=qids, doc_ids=dids, k=7, doc_batch=128)
    # Another block size is another BLAS call: scores may differ in the last bits on some CPUs.
    assert_same_hits(found, gh.exact_search(queries, docs, query_ids=qids, doc_ids=dids, k=7))


def test_search_results_table_and_relabelling():
    queries, docs, qids, dids = _random(n_docs=20, n_queries=2)
    found = gh.exact_search(queries, docs, query_ids=qids, doc_ids=dids, k=3, system="mine")
    table = found.to_frame()
    assert list(table.columns) == ["query_id", "rank", "doc_id", "score"]
    assert len(table) == 6 and table["rank"].tolist() == [1, 2, 3, 1, 2, 3]
    assert len(found) == 2 and list(found) == qids and "mine" in repr(found)
    assert (
        found.with_system("other").system == "other"
        and found.with_system("other").hits == found.hits
    )


def test_faiss_flat_matches_exact_and_hnsw_is_close_and_reproducible():
    queries, docs, qids, dids = _random(n_docs=2000, n_queries=40, dim=32)
    exact = gh.exact_search(queries, docs, query_ids=qids, doc_ids=dids, k=10)
    flat = gh.faiss_search(queries, docs, query_ids=qids, doc_ids=dids, k=10, kind="flat")
    assert gh.recall_vs_exact(exact, flat, k=10) == 1.0
    for q in qids:
        np.testing.assert_allclose([s for _, s in flat[q]], [s for _, s in exact[q]], atol=1e-5)
    hnsw = gh.faiss_search(queries, docs, query_ids=qids, doc_ids=dids, k=10, kind="hnsw")
    again = gh.faiss_search(queries, docs, query_ids=qids, doc_ids=dids, k=10, kind="hnsw")
    assert gh.recall_vs_exact(exact, hnsw, k=10) >= 0.9
    assert hnsw.hits == again.hits
    assert (
        hnsw.params["M"] == 32 and hnsw.params["efSearch"] == 128 and hnsw.backend == "faiss-hnsw"
    )
    assert hnsw.index_seconds > 0 and hnsw.search_seconds > 0


def test_bm25_finds_shared_words_and_skips_documents_without_any():
    docs = [
        "The cat sat on the mat.",
        "Dogs chase cats in the park.",
        "Stock markets fell sharply.",
        "A recipe for lemon cake.",
        "The cat and the dog are friends.",
    ]
    dids = ["a", "b", "c", "d", "e"]
    found = gh.bm25_search(
        ["cat mat", "stock market", "the and of", "zebra"],
        docs,
        query_ids=["q1", "q2", "q3", "q4"],
        doc_ids=dids,
        k=5,
    )
    assert found["q1"][0][0] == "a" and {d for d, _ in found["q1"]} == {"a", "e"}
    assert [d for d, _ in found["q2"]] == [
        "c"
    ]  # no stemming: "market" ≠ "markets", "stock" matches
    assert (
        found["q3"] == [] and found["q4"] == []
    )  # only stop words / unknown words: nothing retrieved
    assert (
        found.model_id == "BM25" and found.source.startswith("lexical") and found.backend == "bm25"
    )
    scores = [s for _, s in found["q1"]]
    assert scores == sorted(scores, reverse=True)


def test_bm25_ties_follow_trec_eval_order():
    docs = ["apple pie", "apple tart", "apple cake"]  # same length, one shared word: equal scores
    found = gh.bm25_search(["apple"], docs, query_ids=["q"], doc_ids=["x1", "x10", "x9"], k=3)
    assert [d for d, _ in found["q"]] == ["x9", "x10", "x1"]


def test_recall_vs_exact():
    reference = {"q": [("a", 0.9), ("b", 0.8)]}
    assert gh.recall_vs_exact(reference, {"q": [("b", 0.8), ("c", 0.7)]}, k=2) == 0.5
    with pytest.raises(KeyError, match="not in the approximate results"):
        gh.recall_vs_exact(reference, {}, k=2)
    with pytest.raises(ValueError, match="k must be"):
        gh.recall_vs_exact(reference, reference, k=0)


def test_benchmark_search_reports_each_backend():
    table = gh.benchmark_search(500, n_queries=20, dim=32, k=5)
    assert list(table["backend"]) == ["exact", "faiss-flat", "faiss-hnsw"]
    assert {"build s", "search s", "ms per query", "recall@5 vs exact"} <= set(table.columns)
    assert table.loc[0, "recall@5 vs exact"] == 1.0 and table.loc[1, "recall@5 vs exact"] == 1.0


SEARCHES = {
    "exact": lambda q, d, **kw: gh.exact_search(q, d, **kw),
    "flat": lambda q, d, **kw: gh.faiss_search(q, d, kind="flat", **kw),
    "hnsw": lambda q, d, **kw: gh.faiss_search(q, d, kind="hnsw", **kw),
}


@pytest.mark.parametrize("backend", sorted(SEARCHES))
@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"k": 21}, ValueError, r"k=21 is larger than the corpus \(20 documents\)"),
        ({"k": 0}, ValueError, "k must be a positive integer"),
        (
            {"doc_ids": [f"d{i % 19}" for i in range(20)]},
            ValueError,
            "document id 'd0' appears twice",
        ),
        ({"doc_ids": ["a", "b"]}, ValueError, "2 document ids for 20 document rows"),
        ({"metric": "l2"}, ValueError, "metric='l2' is not supported"),
    ],
)
def test_bad_vector_search_input_is_named(backend, change, error, match):
    queries, docs, qids, dids = _random(n_docs=20, n_queries=3)
    kwargs = {"query_ids": qids, "doc_ids": dids, "k": 5} | change
    with pytest.raises(error, match=match):
        SEARCHES[backend](queries, docs, **kwargs)


def test_bad_vectors_are_named():
    queries, docs, qids, dids = _random(n_docs=20, n_queries=3)
    with pytest.raises(ValueError, match="corpus is empty"):
        gh.exact_search(queries, docs[:0], query_ids=qids, doc_ids=[], k=1)
    with pytest.raises(ValueError, match="queries have 16 dimensions but documents have 8"):
        gh.exact_search(queries, docs[:, :8], query_ids=qids, doc_ids=dids, k=1)
    broken = docs.copy()
    broken[4, 2] = np.nan
    with pytest.raises(ValueError, match="document 'd4' has NaN"):
        gh.exact_search(queries, broken, query_ids=qids, doc_ids=dids, k=1)
    with pytest.raises(ValueError, match="document 'd4' has NaN"):
        gh.faiss_search(queries, broken, query_ids=qids, doc_ids=dids, k=1, kind="flat")
    zero = docs.copy()
    zero[7] = 0
    with pytest.raises(ValueError, match="document 'd7' is all zeros"):
        gh.exact_search(queries, zero, query_ids=qids, doc_ids=dids, k=1)
    assert len(gh.exact_search(queries, zero, query_ids=qids, doc_ids=dids, k=1, metric="dot")) == 3
    with pytest.raises(ValueError, match="kind='ivf'"):
        gh.faiss_search(queries, docs, query_ids=qids, doc_ids=dids, k=1, kind="ivf")


def test_bad_bm25_input_is_named():
    with pytest.raises(ValueError, match=r"k=3 is larger than the corpus \(2 documents\)"):
        gh.bm25_search(["q"], ["a b", "c d"], query_ids=["q"], doc_ids=["a", "b"], k=3)
    with pytest.raises(TypeError, match="position 1 is None"):
        gh.bm25_search(["q"], ["a b", None], query_ids=["q"], doc_ids=["a", "b"], k=1)
    with pytest.raises(ValueError, match="document id 'a' appears twice"):
        gh.bm25_search(["q"], ["a b", "c d"], query_ids=["q"], doc_ids=["a", "a"], k=1)
