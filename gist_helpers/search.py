"""Top-k search three ways behind one result type: exact, FAISS (flat / HNSW) and BM25. Notebook 05.

Every search function takes ``(queries, documents, *, query_ids, doc_ids, k)`` and returns a
:class:`SearchResults`: a mapping from query id to its hits, a list of (doc id, score) pairs,
best first. Ties are broken the way ``trec_eval`` breaks them (equal scores: document id in
reverse string order), so the hits are reproducible and the metrics of
:mod:`gist_helpers.metrics` see exactly the ranking that was searched.

* :func:`exact_search` scores every document (cosine or dot product) in blocks of
  ``query_batch × doc_batch`` (256 × 32,768 by default: about 35 MB of scores plus 70 MB of
  indices at a time), keeping a running top k, so memory does not grow with the corpus;
  ``doc_vectors`` may be a ``np.memmap`` for corpora larger than RAM.
* :func:`faiss_search` builds a FAISS index: ``"flat"`` (exact inner product) or ``"hnsw"``
  (approximate graph search; ``hnsw_m`` links per node, ``ef_construction`` and
  ``ef_search`` candidate-list sizes while building and searching). HNSW is built on one
  thread by default, which makes the graph, and so the results, reproducible.
* :func:`bm25_search` is the keyword baseline (``bm25s``, Lucene's BM25 variant, English
  stop words, no stemming unless a stemmer is passed); a document sharing no word with the
  query scores 0 and is not returned.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .model import ModelInfo
from .settings import progress_enabled

__all__ = [
    "SearchResults",
    "benchmark_search",
    "bm25_search",
    "exact_search",
    "faiss_search",
    "recall_vs_exact",
]

METRICS = ("cosine", "dot")
SCORE_BLOCK = 8_000_000  # floats per block of BM25 scores (32 MB)


@dataclass(frozen=True)
class SearchResults(Mapping):
    """Hits of every query: ``results[query_id]`` is a list of (doc id, score), best first.

    Also records what produced them (system label, backend, the embedding model's id,
    revision and source) and how long the index build and the search took. Notebook 05.
    """

    hits: dict[str, list[tuple[str, float]]]
    system: str
    backend: str
    k: int
    model_id: str = "unknown"
    revision: str = "unknown"
    source: str = "unknown"
    index_seconds: float = 0.0
    search_seconds: float = 0.0
    params: dict = field(default_factory=dict)

    def __getitem__(self, query_id: str) -> list[tuple[str, float]]:
        return self.hits[query_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __repr__(self) -> str:
        return (
            f"SearchResults({self.system!r}: {len(self.hits)} queries, top {self.k}, "
            f"backend {self.backend}, model {self.model_id})"
        )

    def to_frame(self) -> pd.DataFrame:
        """The hits as a tidy table: query_id, rank (from 1), doc_id, score."""
        rows = [
            (query_id, rank, doc_id, score)
            for query_id, hits in self.hits.items()
            for rank, (doc_id, score) in enumerate(hits, start=1)
        ]
        return pd.DataFrame(rows, columns=["query_id", "rank", "doc_id", "score"])

    def with_system(self, system: str) -> SearchResults:
        """The same results under another system label (the row name in evaluation tables)."""
        return SearchResults(**{**self.__dict__, "system": system})


def exact_search(
    query_vectors: np.ndarray,
    doc_vectors: np.ndarray,
    *,
    query_ids: Sequence[str],
    doc_ids: Sequence[str],
    k: int = 10,
    metric: str = "cosine",
    query_batch: int = 256,
    doc_batch: int = 32_768,
    show_progress: bool | None = None,
    system: str = "exact",
    model_info: ModelInfo | None = None,
) -> SearchResults:
    """Exact top-k by cosine (or dot product) of every query against every document.

    Returns a :class:`SearchResults`; scored block by block so memory stays bounded.
    ``model_info`` (a :class:`~gist_helpers.model.ModelInfo`) labels the results. Notebook 05.
    """
    queries, docs, qids, dids = _check_vectors(query_vectors, doc_vectors, query_ids, doc_ids)
    k = _check_k(k, len(dids))
    if metric not in METRICS:
        raise ValueError(f"metric={metric!r} is not supported; use 'cosine' or 'dot'.")
    for name, value in (("query_batch", query_batch), ("doc_batch", doc_batch)):
        if int(value) < 1:
            raise ValueError(f"{name} must be at least 1, got {value}.")
    tie = _tie_keys(dids)
    start = time.perf_counter()
    if metric == "cosine":
        queries = _unit_rows(queries, qids, "query")
    blocks = [
        (q0, d0) for q0 in range(0, len(qids), query_batch) for d0 in range(0, len(dids), doc_batch)
    ]
    show = (
        progress_enabled(len(qids) * len(dids), threshold=50_000_000)
        if show_progress is None
        else show_progress
    )
    bar = tqdm(total=len(blocks), desc="exact search", unit="block", disable=not show)
    hits: dict[str, list[tuple[str, float]]] = {}
    for q0 in range(0, len(qids), query_batch):
        q_block = queries[q0 : q0 + query_batch]
        best_s = np.empty((len(q_block), 0), dtype=np.float32)
        best_i = np.empty((len(q_block), 0), dtype=np.int64)
        for d0 in range(0, len(dids), doc_batch):
            d_block = np.asarray(docs[d0 : d0 + doc_batch], dtype=np.float32)
            _check_finite(d_block, dids, d0, "document")
            if metric == "cosine":
                d_block = _unit_rows(d_block, dids, "document", d0)
            scores = q_block @ d_block.T
            cols_s, cols_i = _block_top_k(scores, tie[d0 : d0 + len(d_block)], k)
            best_s, best_i = _merge(best_s, best_i, cols_s, cols_i + d0, tie, k)
            bar.update(1)
        for row, query_id in enumerate(qids[q0 : q0 + query_batch]):
            hits[query_id] = [(dids[i], float(s)) for s, i in zip(best_s[row], best_i[row])]
    bar.close()
    return _results(
        hits,
        system,
        "exact",
        k,
        model_info,
        0.0,
        time.perf_counter() - start,
        {"metric": metric, "query_batch": query_batch, "doc_batch": doc_batch},
    )


def faiss_search(
    query_vectors: np.ndarray,
    doc_vectors: np.ndarray,
    *,
    query_ids: Sequence[str],
    doc_ids: Sequence[str],
    k: int = 10,
    kind: str = "hnsw",
    metric: str = "cosine",
    hnsw_m: int = 32,
    ef_construction: int = 100,
    ef_search: int = 128,
    deterministic: bool = True,
    show_progress: bool | None = None,
    system: str | None = None,
    model_info: ModelInfo | None = None,
) -> SearchResults:
    """Top-k from a FAISS index: ``kind="flat"`` (exact) or ``"hnsw"`` (approximate).

    Returns a :class:`SearchResults` with build and search times. HNSW: ``hnsw_m`` links per
    node, ``ef_construction`` / ``ef_search`` beam widths (larger finds more true neighbours,
    slower); one build thread when ``deterministic``. Notebook 05 checks it against exact.
    """
    import faiss

    queries, docs, qids, dids = _check_vectors(query_vectors, doc_vectors, query_ids, doc_ids)
    k = _check_k(k, len(dids))
    if metric not in METRICS:
        raise ValueError(f"metric={metric!r} is not supported; use 'cosine' or 'dot'.")
    if kind not in ("flat", "hnsw"):
        raise ValueError(f"kind={kind!r} is not a FAISS index kind here; use 'flat' or 'hnsw'.")
    for name, value in (
        ("hnsw_m", hnsw_m),
        ("ef_construction", ef_construction),
        ("ef_search", ef_search),
    ):
        if int(value) < 1:
            raise ValueError(f"{name} must be at least 1, got {value}.")
    _check_finite(docs, dids, 0, "document")
    tie = _tie_keys(dids)
    dim = docs.shape[1]
    show = progress_enabled(len(dids), threshold=50_000) if show_progress is None else show_progress

    start = time.perf_counter()
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, int(hnsw_m), faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = int(ef_construction)
    threads = faiss.omp_get_max_threads()
    if deterministic and kind == "hnsw":
        faiss.omp_set_num_threads(1)
    try:
        batch = 16_384
        for d0 in tqdm(
            range(0, len(dids), batch), desc=f"faiss {kind} index", unit="batch", disable=not show
        ):
            block = np.ascontiguousarray(docs[d0 : d0 + batch], dtype=np.float32)
            if metric == "cosine":
                block = _unit_rows(block, dids, "document", d0)
            index.add(block)
    finally:
        faiss.omp_set_num_threads(threads)
    built = time.perf_counter()

    if kind == "hnsw":
        index.hnsw.efSearch = max(int(ef_search), k)
    if metric == "cosine":
        queries = _unit_rows(queries, qids, "query")
    hits: dict[str, list[tuple[str, float]]] = {}
    batch = 1024
    for q0 in tqdm(
        range(0, len(qids), batch), desc=f"faiss {kind} search", unit="batch", disable=not show
    ):
        scores, rows = index.search(np.ascontiguousarray(queries[q0 : q0 + batch]), k)
        for query_id, s, i in zip(qids[q0 : q0 + batch], scores, rows):
            found = i >= 0
            s, i = s[found], i[found]
            order = np.lexsort((tie[i], -s))
            hits[query_id] = [(dids[j], float(v)) for v, j in zip(s[order], i[order])]
    params = {"metric": metric, "kind": kind}
    if kind == "hnsw":
        params |= {
            "M": int(hnsw_m),
            "efConstruction": int(ef_construction),
            "efSearch": max(int(ef_search), k),
            "deterministic": deterministic,
        }
    return _results(
        hits,
        system or f"faiss-{kind}",
        f"faiss-{kind}",
        k,
        model_info,
        built - start,
        time.perf_counter() - built,
        params,
    )


def bm25_search(
    query_texts: Sequence[str],
    doc_texts: Sequence[str],
    *,
    query_ids: Sequence[str],
    doc_ids: Sequence[str],
    k: int = 10,
    k1: float = 1.5,
    b: float = 0.75,
    method: str = "lucene",
    stopwords: str | list[str] | None = "en",
    stemmer: Callable | None = None,
    show_progress: bool | None = None,
    system: str = "BM25",
) -> SearchResults:
    """Top-k by BM25 (``bm25s``): the keyword baseline, with the same result type as the others.

    Returns a :class:`SearchResults` (model "BM25", source "lexical"); documents sharing no
    word with a query are left out, so a query may get fewer than k hits. ``stemmer``: any
    callable on a list of words (e.g. PyStemmer's ``Stemmer('english').stemWords``). Notebook 05.
    """
    import bm25s

    from .encoding import check_texts

    queries, docs = check_texts(list(query_texts)), check_texts(list(doc_texts))
    qids, dids = (
        _check_ids(query_ids, len(queries), "query"),
        _check_ids(doc_ids, len(docs), "document"),
    )
    if not docs:
        raise ValueError(
            "the corpus is empty: there is nothing to search. Pass at least one document."
        )
    k = _check_k(k, len(dids))
    tie = _tie_keys(dids)
    show = progress_enabled(len(dids), threshold=10_000) if show_progress is None else show_progress
    stop = stopwords if stopwords is not None else []

    start = time.perf_counter()
    corpus_tokens = bm25s.tokenize(docs, stopwords=stop, stemmer=stemmer, show_progress=show)
    retriever = bm25s.BM25(k1=k1, b=b, method=method)
    retriever.index(corpus_tokens, show_progress=show)
    built = time.perf_counter()

    query_tokens = bm25s.tokenize(
        queries, stopwords=stop, stemmer=stemmer, return_ids=False, show_progress=False
    )
    batch = max(1, SCORE_BLOCK // len(dids))
    hits: dict[str, list[tuple[str, float]]] = {}
    for q0 in tqdm(
        range(0, len(qids), batch),
        desc="bm25 search",
        unit="batch",
        disable=not (show and len(qids) > batch),
    ):
        chunk = query_tokens[q0 : q0 + batch]
        scores = np.zeros((len(chunk), len(dids)), dtype=np.float32)
        for row, tokens in enumerate(chunk):
            known = retriever.get_tokens_ids(tokens)
            if known:
                scores[row] = retriever.get_scores(known)
        top_s, top_i = _block_top_k(scores, tie, k)
        for query_id, s, i in zip(qids[q0 : q0 + batch], top_s, top_i):
            keep = s > 0
            hits[query_id] = [(dids[j], float(v)) for v, j in zip(s[keep], i[keep])]
    params = {
        "k1": k1,
        "b": b,
        "method": method,
        "stopwords": stopwords if isinstance(stopwords, str) else "custom",
        "stemmer": getattr(stemmer, "__qualname__", None),
    }
    info = {
        "model_id": "BM25",
        "revision": f"bm25s {bm25s.__version__}",
        "source": "lexical (no embeddings)",
    }
    return _results(
        hits, system, "bm25", k, info, built - start, time.perf_counter() - built, params
    )


def recall_vs_exact(reference: Mapping, approximate: Mapping, k: int = 10) -> float:
    """Share of the reference's top-k documents that the approximate search also returns in its top k.

    Averaged over the reference's queries: 1.0 means the index lost nothing. Notebook 05
    reports it for FAISS HNSW against exact search.
    """
    if int(k) < 1:
        raise ValueError(f"k must be at least 1, got {k}.")
    missing = [q for q in reference if q not in approximate]
    if missing:
        raise KeyError(
            f"{len(missing)} queries of the reference are not in the approximate results, e.g. {missing[0]!r}."
        )
    shares = []
    for query_id, hits in reference.items():
        truth = {doc_id for doc_id, _ in list(hits)[:k]}
        if truth:
            found = {doc_id for doc_id, _ in list(approximate[query_id])[:k]}
            shares.append(len(truth & found) / len(truth))
    if not shares:
        raise ValueError("the reference has no hits at all; nothing to compare.")
    return float(np.mean(shares))


def benchmark_search(
    n_docs: int,
    *,
    n_queries: int = 200,
    dim: int = 384,
    k: int = 10,
    seed: int = 0,
    hnsw_m: int = 32,
    ef_construction: int = 100,
    ef_search: int = 128,
) -> pd.DataFrame:
    """Time exact, FAISS flat and FAISS HNSW search on synthetic clustered unit vectors.

    Returns one row per backend: build and search seconds, milliseconds per query and
    recall@k against exact search. The vectors mimic embeddings (unit length, grouped
    around random topics); real embeddings give HNSW similar or better recall. Notebook 05.
    """
    if n_docs < k:
        raise ValueError(f"n_docs={n_docs} is smaller than k={k}; use more documents.")
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(1, n_docs // 100), dim)).astype(np.float32)

    def sample(n: int) -> np.ndarray:
        x = centres[rng.integers(0, len(centres), n)] + 2.5 * rng.standard_normal((n, dim)).astype(
            np.float32
        )
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    docs, queries = sample(n_docs), sample(n_queries)
    dids, qids = [f"d{i}" for i in range(n_docs)], [f"q{i}" for i in range(n_queries)]
    common = {"query_ids": qids, "doc_ids": dids, "k": k, "show_progress": False}
    runs = [
        exact_search(queries, docs, **common),
        faiss_search(queries, docs, kind="flat", **common),
        faiss_search(
            queries,
            docs,
            kind="hnsw",
            hnsw_m=hnsw_m,
            ef_construction=ef_construction,
            ef_search=ef_search,
            **common,
        ),
    ]
    rows = [
        {
            "backend": run.backend,
            "documents": n_docs,
            "queries": n_queries,
            "build s": round(run.index_seconds, 3),
            "search s": round(run.search_seconds, 3),
            "ms per query": round(1000 * run.search_seconds / n_queries, 3),
            f"recall@{k} vs exact": round(recall_vs_exact(runs[0], run, k), 4),
        }
        for run in runs
    ]
    return pd.DataFrame(rows)


# --- internals ---------------------------------------------------------------------------


def _results(
    hits, system, backend, k, info, index_seconds, search_seconds, params
) -> SearchResults:
    if info is None:
        meta = {"model_id": "unknown (vectors given)", "revision": "unknown", "source": "unknown"}
    elif isinstance(info, dict):
        meta = info
    else:
        meta = {"model_id": info.model_id, "revision": info.revision, "source": info.source}
    return SearchResults(
        hits=hits,
        system=system,
        backend=backend,
        k=k,
        index_seconds=index_seconds,
        search_seconds=search_seconds,
        params=params,
        **meta,
    )


def _check_ids(ids: Sequence[str], n: int, kind: str) -> list[str]:
    if ids is None or isinstance(ids, str):
        raise TypeError(f"{kind}_ids must be a list of ids, one per {kind}.")
    out = [str(i) for i in ids]
    if len(out) != n:
        raise ValueError(f"{len(out)} {kind} ids for {n} {kind} rows; pass exactly one id per row.")
    seen: dict[str, int] = {}
    for position, item in enumerate(out):
        if item in seen:
            raise ValueError(
                f"{kind} id {item!r} appears twice (positions {seen[item]} and {position}); ids must be unique."
            )
        seen[item] = position
    return out


def _check_k(k: int, n_docs: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}.")
    if k > n_docs:
        raise ValueError(f"k={k} is larger than the corpus ({n_docs} documents); use k ≤ {n_docs}.")
    return int(k)


def _check_vectors(queries, docs, query_ids, doc_ids):
    queries = np.asarray(queries, dtype=np.float32)
    if queries.ndim == 1:
        queries = queries[None, :]
    if not hasattr(docs, "shape") or not hasattr(docs, "__getitem__"):
        docs = np.asarray(docs, dtype=np.float32)
    if len(docs.shape) != 2 or queries.ndim != 2:
        raise ValueError(
            f"expected 2-D arrays (rows = texts), got queries {queries.shape} and documents {docs.shape}."
        )
    if docs.shape[0] == 0:
        raise ValueError(
            "the corpus is empty: there is nothing to search. Pass at least one document vector."
        )
    if queries.shape[1] != docs.shape[1]:
        raise ValueError(
            f"queries have {queries.shape[1]} dimensions but documents have {docs.shape[1]}; "
            "embed both with the same model."
        )
    qids = _check_ids(query_ids, queries.shape[0], "query")
    dids = _check_ids(doc_ids, docs.shape[0], "document")
    _check_finite(queries, qids, 0, "query")
    return np.ascontiguousarray(queries), docs, qids, dids


def _check_finite(block: np.ndarray, ids: list[str], offset: int, kind: str) -> None:
    bad = ~np.isfinite(block).all(axis=1)
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(
            f"the vector of {kind} {ids[offset + row]!r} has NaN or infinite values; re-embed it."
        )


def _unit_rows(block: np.ndarray, ids: list[str], kind: str, offset: int = 0) -> np.ndarray:
    norms = np.linalg.norm(block, axis=1, keepdims=True)
    if (norms == 0).any():
        row = int(np.argmax(norms[:, 0] == 0))
        raise ValueError(
            f"the vector of {kind} {ids[offset + row]!r} is all zeros, so its cosine is undefined; use metric='dot' or drop it."
        )
    return (block / norms).astype(np.float32, copy=False)


def _tie_keys(doc_ids: list[str]) -> np.ndarray:
    """Rank of each document in reverse id order: among equal scores, the lower key ranks first."""
    order = sorted(range(len(doc_ids)), key=doc_ids.__getitem__, reverse=True)
    keys = np.empty(len(doc_ids), dtype=np.int64)
    keys[order] = np.arange(len(doc_ids))
    return keys


def _block_top_k(scores: np.ndarray, tie: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the k best columns by (score desc, tie key asc), sorted; exact also across ties."""
    n_cols = scores.shape[1]
    kk = min(k, n_cols)
    if kk < n_cols:
        cols = np.argpartition(scores, n_cols - kk, axis=1)[:, n_cols - kk :]
        kth = np.take_along_axis(scores, cols, axis=1).min(axis=1)
        # Rows where equal scores straddle the cut: choose among the tied columns by tie key.
        for row in np.nonzero((scores >= kth[:, None]).sum(axis=1) > kk)[0]:
            above = np.nonzero(scores[row] >= kth[row])[0]
            cols[row] = above[np.lexsort((tie[above], -scores[row, above]))[:kk]]
    else:
        cols = np.broadcast_to(np.arange(n_cols), scores.shape).copy()
    picked = np.take_along_axis(scores, cols, axis=1)
    order = np.lexsort((tie[cols], -picked), axis=-1)
    return np.take_along_axis(picked, order, axis=1), np.take_along_axis(cols, order, axis=1)


def _merge(best_s, best_i, new_s, new_i, tie, k):
    scores = np.concatenate([best_s, new_s], axis=1)
    index = np.concatenate([best_i, new_i], axis=1)
    order = np.lexsort((tie[index], -scores), axis=-1)[:, :k]
    return np.take_along_axis(scores, order, axis=1), np.take_along_axis(index, order, axis=1)
