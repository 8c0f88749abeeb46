"""MTEB's scoring protocols, on embeddings you computed, so numbers match the leaderboard.

Each function follows the code of mteb 1.12.75, the version recorded in the published
results files of all-MiniLM-L6-v2 (``gh.published_scores()``); mteb 2.x computes the same for
these tasks. They take embeddings, not a model: encode with ``model.encode`` or
:func:`gist_helpers.encode` (MTEB uses the model's output as it is; GIST and the stand-in both
end in a normalisation layer).

* Retrieval (notebook 05): ``pytrec_eval``'s ``ndcg_cut``, ``map_cut``, ``recall`` and ``P``
  at k = 1, 3, 5, 10, 20, 100, 1000, averaged over the judged queries and rounded to 5
  decimals, plus MRR@k, which MTEB computes itself. ``pytrec_eval`` orders tied scores by
  document id, descending, as ``trec_eval`` does.
* Classification (notebook 07): 10 experiments; each undersamples the training split to 8
  examples per label (a seed-42 shuffle of positions, carried from one experiment to the
  next), fits ``LogisticRegression(random_state=42, max_iter=100)`` and scores the whole
  test split; accuracy (the main score) and macro F1 are the means over the experiments.
* Clustering (notebook 04): ``MiniBatchKMeans(n_clusters=#labels, batch_size=500,
  n_init="auto")`` from a seed-42 state, scored by V-measure. MTEB averages this over
  several sets of a task; this is one set.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pytrec_eval
from sklearn.cluster import MiniBatchKMeans
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, v_measure_score

from . import validation as check

__all__ = ["mteb_classification", "mteb_clustering", "mteb_retrieval"]

K_VALUES = (1, 3, 5, 10, 20, 100, 1000)
SEED_MAX = 2**32 - 1  # numpy's RandomState takes seeds up to this


def mteb_retrieval(
    qrels: Mapping[str, Mapping[str, int]],
    run: Mapping[str, Mapping[str, float]],
    *,
    k_values: Sequence[int] = K_VALUES,
    ignore_identical_ids: bool = False,
) -> dict[str, float]:
    """MTEB's retrieval scores of ``run`` ({query id: {doc id: score}}) against ``qrels``.

    Returns ``ndcg_at_k``, ``map_at_k``, ``recall_at_k``, ``precision_at_k``, ``mrr_at_k``
    for each k, and ``main_score`` (nDCG@10), as MTEB's result files name them. Adds to a
    plain ``pytrec_eval.RelevanceEvaluator``: MTEB's set of measures, its averaging and
    rounding, its MRR, and ``ignore_identical_ids`` (on for ArguAna and Quora). Notebook 05.
    """
    qrels, run = _check_qrels(qrels), _check_run(run)
    k_values = _cutoffs(k_values)
    if check.boolean(ignore_identical_ids, "ignore_identical_ids"):
        run = {q: {d: s for d, s in docs.items() if d != q} for q, docs in run.items()}
    cuts = ",".join(map(str, k_values))
    measures = {f"ndcg_cut.{cuts}", f"map_cut.{cuts}", f"recall.{cuts}", f"P.{cuts}"}
    per_query = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(run)
    if not per_query:
        raise ValueError("no query of the run is judged in qrels; check that the ids match.")
    scores: dict[str, float] = {}
    for k in k_values:
        for ours, theirs in (
            ("ndcg_at", "ndcg_cut"),
            ("map_at", "map_cut"),
            ("recall_at", "recall"),
            ("precision_at", "P"),
        ):
            scores[f"{ours}_{k}"] = round(
                float(np.mean([v[f"{theirs}_{k}"] for v in per_query.values()])), 5
            )
    # MRR as MTEB computes it: over every query of the run that has judgements.
    reciprocal = defaultdict(list)
    for query_id, docs in run.items():
        if query_id not in qrels:
            continue
        relevant = {d for d, grade in qrels[query_id].items() if grade > 0}
        ranked = [
            d
            for d, _ in sorted(docs.items(), key=lambda item: item[1], reverse=True)[
                : max(k_values)
            ]
        ]
        for k in k_values:
            first = next(
                (rank for rank, d in enumerate(ranked[:k], start=1) if d in relevant), None
            )
            reciprocal[k].append(1.0 / first if first else 0.0)
    for k in k_values:
        scores[f"mrr_at_{k}"] = float(np.mean(reciprocal[k]))
    if 10 in k_values:
        scores["main_score"] = scores["ndcg_at_10"]
    return scores


def mteb_classification(
    train_embeddings: np.ndarray,
    train_labels: Sequence,
    test_embeddings: np.ndarray,
    test_labels: Sequence,
    *,
    n_experiments: int = 10,
    samples_per_label: int = 8,
    seed: int = 42,
) -> dict:
    """MTEB's classification score: accuracy and macro F1, the means over ``n_experiments``.

    ``train_embeddings`` must be the task's whole training split in its original row order
    (the undersampling picks rows by position). Returns ``accuracy`` (the main score),
    ``f1``, ``f1_weighted``, ``experiments`` (one dict per experiment) and ``per_item``: for
    each test item, the share of experiments that labelled it right (its mean is the
    accuracy; pair it over the same items to compare two models, notebook 09). Notebook 07.
    """
    X_train = check.matrix(train_embeddings, "train_embeddings")
    X_test = check.matrix(test_embeddings, "test_embeddings", width=X_train.shape[1])
    y_train = check.labels(train_labels, len(X_train), "train_labels")
    y_test = check.labels(test_labels, len(X_test), "test_labels")
    n_experiments = check.integer(n_experiments, "n_experiments")
    samples_per_label = check.integer(samples_per_label, "samples_per_label")
    seed = check.integer(seed, "seed", minimum=0, maximum=SEED_MAX)
    if len(set(y_train.tolist())) < 2:
        raise ValueError("train_labels has a single class; classification needs at least two.")
    positions = np.arange(len(y_train))
    experiments, right = [], np.zeros(len(y_test))
    for _ in range(n_experiments):
        # mteb 1.x shuffles with the global RNG right after seeding it with 42, every time,
        # and keeps the shuffled order for the next experiment: RandomState(seed) is the same.
        np.random.RandomState(seed).shuffle(positions)
        taken: dict = defaultdict(int)
        chosen = []
        for i in positions:
            if taken[y_train[i]] < samples_per_label:
                chosen.append(i)
                taken[y_train[i]] += 1
        classifier = LogisticRegression(random_state=seed, max_iter=100)
        classifier.fit(X_train[chosen], y_train[chosen].tolist())
        predicted = classifier.predict(X_test)
        right += np.asarray(predicted) == y_test
        experiments.append(
            {
                "accuracy": float(accuracy_score(y_test.tolist(), predicted)),
                "f1": float(f1_score(y_test.tolist(), predicted, average="macro")),
                "f1_weighted": float(f1_score(y_test.tolist(), predicted, average="weighted")),
            }
        )
    scores = {
        name: float(np.mean([e[name] for e in experiments]))
        for name in ("accuracy", "f1", "f1_weighted")
    }
    return scores | {
        "main_score": scores["accuracy"],
        "experiments": experiments,
        "per_item": right / n_experiments,
    }


def mteb_clustering(
    embeddings: np.ndarray, labels: Sequence, *, batch_size: int = 500, seed: int = 42
) -> float:
    """V-measure of MTEB's clustering protocol on one set of texts (0–1; MTEB prints ×100).

    ``MiniBatchKMeans`` with as many clusters as distinct ``labels``, ``batch_size=500`` and
    ``n_init="auto"`` (one start), from a seed-42 random state. Notebook 04.
    """
    X = check.matrix(embeddings, "embeddings")
    y = check.labels(labels, len(X))
    k = len(set(y.tolist()))
    if k < 2:
        raise ValueError("labels has a single class; clustering is scored against at least two.")
    batch_size = check.integer(batch_size, "batch_size")
    seed = check.integer(seed, "seed", minimum=0, maximum=SEED_MAX)
    kmeans = MiniBatchKMeans(
        n_clusters=k, batch_size=batch_size, n_init="auto", random_state=np.random.RandomState(seed)
    )
    return float(v_measure_score(y.tolist(), kmeans.fit_predict(X)))


def _cutoffs(k_values) -> list[int]:
    """The cut-offs as a list of distinct positive integers (one integer is refused: it is
    easy to mean "up to 10" by ``k_values=10``, which would silently score k = 10 alone)."""
    if isinstance(k_values, (str, bytes, Mapping)) or not isinstance(k_values, Iterable):
        raise TypeError(
            "k_values must be a sequence of cut-offs such as (1, 3, 5, 10, 100); for one "
            f"cut-off write (10,). Got {check.describe(k_values)}."
        )
    cuts = [check.integer(k, f"k_values[{i}]", minimum=1) for i, k in enumerate(k_values)]
    if not cuts:
        raise ValueError("k_values is empty; pass cut-offs such as (1, 3, 5, 10, 100).")
    twice = sorted({k for k in cuts if cuts.count(k) > 1})
    if twice:
        raise ValueError(f"k_values lists {check.shown(twice)} more than once; give each once.")
    return cuts


def _check_qrels(qrels) -> dict[str, dict[str, int]]:
    if isinstance(qrels, Mapping) and not qrels:
        raise TypeError(
            "qrels must be a non-empty dict {query id: {doc id: grade}}, got an empty one."
        )
    return _nested(qrels, "qrels", "non-empty dict {query id: {doc id: grade}}", _grade)


def _check_run(run) -> dict[str, dict[str, float]]:
    return _nested(
        run,
        "run",
        "dict {query id: {doc id: score}}",
        lambda value, name: check.number(value, name),
    )


def _nested(value, name: str, shape: str, item) -> dict[str, dict]:
    """A dict of dicts with string keys, each inner value checked by ``item(value, its name)``."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a {shape}, got {check.describe(value)}.")
    _one_id_type(list(value), name, "query")
    _one_id_type(
        [key for inner in value.values() if isinstance(inner, Mapping) for key in inner],
        name,
        "document",
    )
    out = {}
    for outer, inner in value.items():
        if not isinstance(inner, Mapping):
            raise TypeError(f"{name}[{outer!r}] must be a dict, got {check.describe(inner)}.")
        out[str(outer)] = {
            str(key): item(v, f"{name}[{outer!r}][{key!r}]") for key, v in inner.items()
        }
    return out


def _one_id_type(ids: list, name: str, kind: str) -> None:
    """Refuse ids that mix strings with other types: as strings, 1 and "1" would merge."""
    texts = {i for i in ids if isinstance(i, str)}
    others = [i for i in ids if not isinstance(i, str)]
    if texts and others:
        other = next((i for i in others if str(i) in texts), others[0])
        text = str(other) if str(other) in texts else next(iter(sorted(texts)))
        raise ValueError(
            f"{name}: {kind} ids mix {other!r} ({type(other).__name__}) and {text!r} (str); "
            f"as strings they {'are one id' if text == str(other) else 'lose their type'}. "
            "Give every id as a string (BEIR's ids are strings), e.g. {str(k): v ...}."
        )


def _grade(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer grade, got {check.describe(value)}.")
    return int(value)
