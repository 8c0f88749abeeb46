"""Retrieval metrics computed exactly as ``trec_eval`` (and so MTEB) computes them. Notebook 05.

MTEB scores retrieval with ``pytrec_eval`` (a binding of ``trec_eval``): ``ndcg_cut``,
``map_cut``, ``recall`` and ``P`` at each cut-off, plus MRR@k with its own few lines. These
functions reproduce those numbers with NumPy alone (``pytrec_eval`` is only the tests' oracle):

* a run is ranked by score, highest first; equal scores are ordered by document id in
  *reverse* string order (``trec_eval``'s rule), so ties never depend on input order;
* a document is relevant when its judgement is ``>= relevance_level`` (1, ``trec_eval -l``);
  nDCG uses the judgement itself as the gain (graded: 2 counts twice 1; below 0 counts 0),
  whatever the level, with the discount ``log2(rank + 1)``;
* documents absent from the qrels are not relevant; a query whose judgements are all 0 is
  evaluated and scores 0 on every metric, as ``pytrec_eval`` does;
* only queries found in both the qrels and the run are evaluated and averaged, like
  ``pytrec_eval``; queries of the qrels missing from the run are reported in a warning.

MRR@k is the reciprocal rank of the first relevant document within the top k (0 if none),
which equals ``trec_eval``'s ``recip_rank`` on the run cut at k.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_METRICS",
    "EvaluationWarning",
    "describe_metrics",
    "mean_metrics",
    "per_query_metrics",
    "rank_run",
]

# The metrics of notebook 05's table; MTEB reports these (and more) for every retrieval task.
DEFAULT_METRICS: tuple[str, ...] = (
    "nDCG@1",
    "nDCG@3",
    "nDCG@5",
    "nDCG@10",
    "nDCG@100",
    "MRR@10",
    "Recall@1",
    "Recall@10",
    "Recall@100",
    "MAP@100",
)

_FAMILIES = {
    # our name: (trec_eval measure, MTEB key prefix, definition)
    "nDCG": ("ndcg_cut", "ndcg_at", "graded gain / log2(rank+1), divided by the best possible"),
    "MAP": ("map_cut", "map_at", "mean of precision at each relevant rank ≤ k, over all relevant"),
    "Recall": ("recall", "recall_at", "relevant documents in the top k / all relevant documents"),
    "P": ("P", "precision_at", "relevant documents in the top k / k"),
    "MRR": ("recip_rank (run cut at k)", "mrr_at", "1 / rank of the first relevant document ≤ k"),
}
_PATTERN = re.compile(r"^(nDCG|MAP|Recall|P|MRR)@([1-9][0-9]*)$")


class EvaluationWarning(UserWarning):
    """Something about the run or the qrels that changes what is averaged."""


warnings.simplefilter("always", EvaluationWarning)

Run = Mapping[str, "Mapping[str, float] | Sequence[tuple[str, float]]"]
Qrels = Mapping[str, Mapping[str, int]]


@dataclass(frozen=True)
class _Metric:
    name: str
    family: str
    k: int


def describe_metrics(metrics: Iterable[str] = DEFAULT_METRICS) -> pd.DataFrame:
    """A table naming each metric as we, MTEB and ``trec_eval`` do, with its definition.

    One row per metric; notebook 05 shows it next to the results.
    """
    rows = []
    for m in _parse(metrics):
        trec, mteb, definition = _FAMILIES[m.family]
        trec_name = f"{trec}.{m.k}" if m.family != "MRR" else trec
        rows.append(
            {
                "metric": m.name,
                "MTEB key": f"{mteb}_{m.k}",
                "trec_eval": trec_name,
                "definition": definition,
            }
        )
    return pd.DataFrame(rows)


def rank_run(hits: Mapping[str, float] | Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """One query's hits as ``trec_eval`` ranks them: a list of (doc id, score).

    Highest score first; equal scores by document id in reverse string order. Notebook 05.
    """
    pairs = _pairs("?", hits)
    return sorted(pairs, key=lambda pair: (pair[1], pair[0]), reverse=True)


def per_query_metrics(
    qrels: Qrels,
    run: Run,
    metrics: Iterable[str] = DEFAULT_METRICS,
    *,
    relevance_level: int = 1,
    ignore_identical_ids: bool = False,
) -> pd.DataFrame:
    """Each evaluated query's metrics: a DataFrame indexed by query id, one column per metric.

    ``run`` maps query id to {doc id: score} (``pytrec_eval``'s format) or to (doc id, score)
    pairs, e.g. :class:`~gist_helpers.search.SearchResults`. ``ignore_identical_ids`` drops a
    hit whose id is the query id (MTEB's ArguAna, Quora). Unrounded; plotted in notebook 05.
    """
    specs = _parse(metrics)
    if not isinstance(relevance_level, (int, np.integer)) or relevance_level < 1:
        raise ValueError(f"relevance_level must be an integer ≥ 1, got {relevance_level!r}.")
    _check_qrels(qrels)
    if not isinstance(run, Mapping):
        raise TypeError(f"run must map query id to hits, got {type(run).__name__}.")
    in_run = {str(q) for q in run}
    evaluated = [str(q) for q in run if str(q) in qrels]
    missing = [q for q in qrels if q not in in_run]
    if missing:
        shown = ", ".join(map(repr, missing[:5])) + (" …" if len(missing) > 5 else "")
        warnings.warn(
            f"{len(missing)} of {len(qrels)} judged queries have no entry in the run ({shown}); "
            "like pytrec_eval they are left out of the averages. Search every judged query "
            "(an empty list of hits counts as zero) to include them.",
            EvaluationWarning,
            stacklevel=2,
        )
    max_k = max(m.k for m in specs)
    by_key = {str(q): hits for q, hits in run.items()}
    rows = {}
    for query_id in evaluated:
        pairs = _pairs(query_id, by_key[query_id])
        if ignore_identical_ids:
            pairs = [p for p in pairs if p[0] != query_id]
        ranked = sorted(pairs, key=lambda pair: (pair[1], pair[0]), reverse=True)[:max_k]
        rows[query_id] = _score_query(qrels[query_id], ranked, specs, relevance_level)
    table = pd.DataFrame.from_dict(
        rows, orient="index", columns=[m.name for m in specs], dtype=float
    )
    table.index.name = "query_id"
    return table


def mean_metrics(
    qrels: Qrels,
    run: Run,
    metrics: Iterable[str] = DEFAULT_METRICS,
    *,
    relevance_level: int = 1,
    ignore_identical_ids: bool = False,
) -> dict[str, float]:
    """The metrics averaged over evaluated queries, as MTEB reports them: {name: value}.

    Unrounded, so they can be compared with ``pytrec_eval`` to 1e-6. Notebook 05.
    """
    table = per_query_metrics(
        qrels,
        run,
        metrics,
        relevance_level=relevance_level,
        ignore_identical_ids=ignore_identical_ids,
    )
    if table.empty:
        raise ValueError(
            "no query of the run appears in the qrels, so nothing can be evaluated; "
            "check that the run and the qrels use the same query ids."
        )
    return {name: float(value) for name, value in table.mean().items()}


# --- internals ---------------------------------------------------------------------------


def _parse(metrics: Iterable[str]) -> list[_Metric]:
    if isinstance(metrics, str):
        metrics = [metrics]
    specs = []
    for name in metrics:
        match = _PATTERN.match(str(name))
        if not match:
            raise ValueError(
                f"unknown metric {name!r}; use nDCG@k, MAP@k, Recall@k, P@k or MRR@k with k ≥ 1 "
                "(e.g. 'nDCG@10')."
            )
        specs.append(_Metric(str(name), match.group(1), int(match.group(2))))
    if not specs:
        raise ValueError("no metrics requested; pass e.g. ['nDCG@10'].")
    if len({s.name for s in specs}) != len(specs):
        raise ValueError(f"metrics repeat a name: {[s.name for s in specs]}.")
    return specs


def _check_qrels(qrels: Qrels) -> None:
    if not isinstance(qrels, Mapping):
        raise TypeError(
            f"qrels must map query id to {{doc id: relevance}}, got {type(qrels).__name__}."
        )
    for query_id, judged in qrels.items():
        if not isinstance(query_id, str):
            raise TypeError(
                f"qrels query id {query_id!r} is a {type(query_id).__name__}; use strings."
            )
        if not isinstance(judged, Mapping):
            raise TypeError(
                f"qrels[{query_id!r}] must map doc id to relevance, got {type(judged).__name__}."
            )
        for doc_id, rel in judged.items():
            if isinstance(rel, bool) or not isinstance(rel, (int, np.integer)):
                raise TypeError(
                    f"qrels[{query_id!r}][{doc_id!r}] is {rel!r}; relevance must be an integer "
                    "(0 = not relevant, 1, 2, … = more relevant), as in trec_eval."
                )


def _pairs(query_id: str, hits) -> list[tuple[str, float]]:
    if isinstance(hits, Mapping):
        items = list(hits.items())
    elif isinstance(hits, (list, tuple)):
        items = list(hits)
    else:
        raise TypeError(
            f"hits of query {query_id!r} are a {type(hits).__name__}; "
            "use {doc id: score} or a list of (doc id, score)."
        )
    pairs, seen = [], set()
    for item in items:
        try:
            doc_id, score = item
        except (TypeError, ValueError):
            raise TypeError(
                f"hit {item!r} of query {query_id!r} is not a (doc id, score) pair."
            ) from None
        doc_id = str(doc_id)
        try:
            score = float(score)
        except (TypeError, ValueError):
            raise TypeError(
                f"score {score!r} of document {doc_id!r} (query {query_id!r}) is not a number."
            ) from None
        if not math.isfinite(score):
            raise ValueError(
                f"score of document {doc_id!r} (query {query_id!r}) is {score}; scores must be finite."
            )
        if doc_id in seen:
            raise ValueError(
                f"document {doc_id!r} appears twice in the hits of query {query_id!r}."
            )
        seen.add(doc_id)
        pairs.append((doc_id, score))
    return pairs


def _score_query(
    judged: Mapping[str, int], ranked: list[tuple[str, float]], specs, level: int
) -> list[float]:
    rel = np.array([int(judged.get(doc_id, 0)) for doc_id, _ in ranked], dtype=np.int64)
    n = rel.size
    gains = np.maximum(rel, 0).astype(np.float64)
    ideal = np.sort(np.array([g for g in judged.values() if g > 0], dtype=np.float64))[::-1]
    num_rel = int(sum(1 for g in judged.values() if g >= level))
    relevant = rel >= level
    hits = np.cumsum(relevant)
    depth = max(n, ideal.size, 1)
    discount = 1.0 / np.log2(np.arange(2, depth + 2, dtype=np.float64))
    dcg = np.cumsum(gains * discount[:n])
    idcg = np.cumsum(ideal * discount[: ideal.size])
    precision_at_hits = np.where(relevant, hits / np.arange(1, n + 1), 0.0)
    ap_sum = np.cumsum(precision_at_hits)
    first = int(np.argmax(relevant)) if relevant.any() else None
    out = []
    for m in specs:
        cut = min(m.k, n)
        if m.family == "nDCG":
            best = idcg[min(m.k, ideal.size) - 1] if ideal.size else 0.0
            out.append(float(dcg[cut - 1] / best) if cut and best > 0 else 0.0)
        elif m.family == "Recall":
            out.append(float(hits[cut - 1] / num_rel) if cut and num_rel else 0.0)
        elif m.family == "P":
            out.append(float(hits[cut - 1] / m.k) if cut else 0.0)
        elif m.family == "MAP":
            out.append(float(ap_sum[cut - 1] / num_rel) if cut and num_rel else 0.0)
        else:  # MRR
            out.append(1.0 / (first + 1) if first is not None and first < m.k else 0.0)
    return out
