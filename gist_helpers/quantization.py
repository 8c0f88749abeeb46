"""Smaller embeddings: memory arithmetic and search over int8 / binary vectors. Notebook 06.

The search uses sentence-transformers' ``semantic_search_faiss``: the corpus is stored
quantised (uint8 or packed bits), the query stays float32, and the best
``k × rescore_multiplier`` candidates are re-scored with the float query, which recovers
most of the quality lost to quantisation.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import pandas as pd

try:
    from sentence_transformers.util.quantization import semantic_search_faiss
except ImportError:  # sentence-transformers < 5.2
    from sentence_transformers.quantization import semantic_search_faiss

from .encoding import quantize
from .search import SearchResults
from .search import _results as search_results

__all__ = ["SEARCH_PRECISIONS", "embedding_memory", "precision_quality", "quantized_search"]

SEARCH_PRECISIONS = ("float32", "uint8", "ubinary")
_BYTES = {"float32": 4.0, "float16": 2.0, "int8": 1.0, "uint8": 1.0, "binary": 1 / 8, "ubinary": 1 / 8}


def embedding_memory(dimension: int = 384, vectors: int = 1_000_000) -> pd.DataFrame:
    """Bytes per vector and MB for ``vectors`` embeddings at each precision (no index overhead)."""
    if dimension < 1 or vectors < 1:
        raise ValueError(f"dimension and vectors must be positive, got {dimension} and {vectors}.")
    rows = []
    for precision, per_value in _BYTES.items():
        per_vector = int(np.ceil(dimension * per_value))
        rows.append(
            {
                "precision": precision,
                "bytes per vector": per_vector,
                f"MB per {vectors:,} vectors": round(per_vector * vectors / 1e6, 1),
                "times smaller than float32": round(4 * dimension / per_vector, 1),
            }
        )
    return pd.DataFrame(rows)


def quantized_search(
    query_vectors: np.ndarray,
    doc_vectors: np.ndarray,
    *,
    query_ids: Sequence[str],
    doc_ids: Sequence[str],
    k: int = 10,
    precision: str = "ubinary",
    rescore: bool = True,
    rescore_multiplier: int = 4,
    model_info=None,
) -> SearchResults:
    """Top-k search over a corpus stored at ``precision`` (float32, uint8 or ubinary).

    ``query_vectors`` and ``doc_vectors`` are float32 embeddings; the corpus is quantised
    here. Returns :class:`~gist_helpers.search.SearchResults` labelled with the precision.
    Keep ``rescore`` on for uint8: without it the index ranks by the inner product of the
    unsigned codes, whose offset distorts the order.
    """
    if precision not in SEARCH_PRECISIONS:
        raise ValueError(f"precision={precision!r} is not one of {', '.join(SEARCH_PRECISIONS)}.")
    queries = np.asarray(query_vectors, dtype=np.float32)
    docs = np.asarray(doc_vectors, dtype=np.float32)
    if queries.ndim != 2 or docs.ndim != 2 or queries.shape[1] != docs.shape[1]:
        raise ValueError(f"need 2-D float embeddings of equal width, got {queries.shape} and {docs.shape}.")
    if len(query_ids) != len(queries) or len(doc_ids) != len(docs):
        raise ValueError("query_ids and doc_ids must have one id per row of their embeddings.")
    if not 1 <= k <= len(docs):
        raise ValueError(f"k={k} must be between 1 and the corpus size ({len(docs)}).")
    if rescore_multiplier < 1:
        raise ValueError(f"rescore_multiplier must be at least 1, got {rescore_multiplier}.")
    start = time.perf_counter()
    corpus = quantize(docs, precision, calibration=docs) if precision != "float32" else docs
    found, _, _ = semantic_search_faiss(
        queries,
        corpus_embeddings=corpus,
        corpus_precision=precision,
        top_k=k,
        calibration_embeddings=docs if precision == "uint8" else None,
        rescore=rescore and precision != "float32",
        rescore_multiplier=rescore_multiplier,
        exact=True,
        output_index=True,
    )
    seconds = time.perf_counter() - start
    # Without rescoring, a binary index answers Hamming distances (lower is better); turn
    # them into the inner product of the ±1 sign vectors, bits − 2 × distance (higher is better).
    to_score = (lambda d: docs.shape[1] - 2.0 * d) if precision == "ubinary" and not rescore else float
    hits = {
        str(qid): [(str(doc_ids[h["corpus_id"]]), float(to_score(h["score"]))) for h in row]
        for qid, row in zip(query_ids, found)
    }
    label = f"{precision}" + (f" + rescore ×{rescore_multiplier}" if rescore and precision != "float32" else "")
    params = {"precision": precision, "rescore": rescore, "rescore_multiplier": rescore_multiplier}
    return search_results(hits, label, f"faiss {precision}", k, model_info, 0.0, seconds, params)


def precision_quality(
    model, dataset, *, k: int = 10, rescore_multiplier: int = 4
) -> pd.DataFrame:
    """nDCG@10 of retrieval over a corpus stored at each precision, with and without rescoring.

    One row per setting with its bytes per vector, beside float32 exact search. ``dataset`` is
    a :class:`~gist_helpers.retrieval.RetrievalDataset` (e.g. ``load_beir("bundled")``).
    """
    from .encoding import encode
    from .model import model_info
    from .retrieval import evaluate_retrieval

    doc_ids, query_ids = dataset.corpus.index.tolist(), dataset.queries.index.tolist()
    docs = encode(model, dataset.doc_texts())
    queries = encode(model, dataset.queries.tolist())
    info = model_info(model)
    runs = [quantized_search(queries, docs, query_ids=query_ids, doc_ids=doc_ids, k=max(k, 100),
                             precision="float32", rescore=False, model_info=info)]
    for precision in ("uint8", "ubinary"):
        for rescore in (False, True):
            runs.append(quantized_search(queries, docs, query_ids=query_ids, doc_ids=doc_ids, k=max(k, 100),
                                         precision=precision, rescore=rescore,
                                         rescore_multiplier=rescore_multiplier, model_info=info))
    table = evaluate_retrieval(dataset, *runs, metrics=[f"nDCG@{k}", f"Recall@{k}"])
    per_vector = {"float32": 4 * info.dimension, "uint8": info.dimension, "ubinary": info.dimension // 8}
    table.insert(1, "bytes per vector", [per_vector[r.params["precision"]] for r in runs])
    table[f"nDCG@{k} kept"] = (table[f"nDCG@{k}"] / table[f"nDCG@{k}"].iloc[0]).round(4)
    return table
