"""MTEB's protocols: retrieval against an independent trec_eval-style oracle, classification and
clustering against MTEB 1.x's own control flow (global RNG, seed 42), bad input."""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np
import pytest
from sklearn.cluster import MiniBatchKMeans
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, v_measure_score

import gist_helpers as gh


def _ndcg_oracle(judged: dict, scores: dict, k: int) -> float:
    """trec_eval's ndcg_cut for one query, written out: rank by score, ties by doc id
    *descending*; gain = the grade; discount log2(rank + 1); ideal from all positive grades."""
    ranked = sorted(scores.items(), key=lambda item: (item[1], item[0]), reverse=True)[:k]
    dcg = sum(
        judged.get(d, 0) / np.log2(i + 2) for i, (d, _) in enumerate(ranked) if judged.get(d, 0) > 0
    )
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / np.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def _random_case(rng: random.Random):
    docs = [f"d{i}" for i in range(rng.randint(2, 40))] + [
        "10",
        "9",
        "Z",
    ]  # string order, not numeric
    qrels, run = {}, {}
    for q in range(rng.randint(1, 8)):
        judged = rng.sample(docs, rng.randint(1, len(docs)))
        qrels[f"q{q}"] = {d: rng.choice([0, 1, 1, 2]) for d in judged}
        pool = [round(rng.random(), 1) for _ in range(3)]  # few distinct values: many ties
        retrieved = rng.sample(docs, rng.randint(1, len(docs)))
        run[f"q{q}"] = {
            d: rng.choice(pool) if rng.random() < 0.6 else rng.random() for d in retrieved
        }
    return qrels, run


@pytest.mark.parametrize("seed", range(3))
def test_ndcg_equals_the_trec_eval_definition_with_ties(seed):
    rng = random.Random(seed)
    for _ in range(60):
        qrels, run = _random_case(rng)
        scores = gh.mteb_retrieval(qrels, run, k_values=(1, 3, 10))
        for k in (1, 3, 10):
            expected = np.mean([_ndcg_oracle(qrels[q], run[q], k) for q in run])
            assert scores[f"ndcg_at_{k}"] == round(expected, 5)


def test_names_rounding_and_mrr_follow_mteb():
    qrels = {"q1": {"a": 1, "b": 2}, "q2": {"c": 1}, "q3": {"x": 0}}
    run = {
        "q1": {"z": 0.9, "b": 0.8, "a": 0.1},
        "q2": {"y": 0.9, "w": 0.8, "c": 0.7},
        "q3": {"x": 0.5},
        "unjudged": {"a": 1.0},
    }
    scores = gh.mteb_retrieval(qrels, run, k_values=(1, 3, 10))
    assert scores["mrr_at_1"] == 0.0
    assert scores["mrr_at_3"] == pytest.approx(
        (1 / 2 + 1 / 3 + 0) / 3
    )  # q3 has no relevant document
    assert scores["recall_at_3"] == round((1 + 1 + 0) / 3, 5) and scores["precision_at_1"] == 0.0
    assert scores["main_score"] == scores["ndcg_at_10"]
    assert {f"{m}_at_3" for m in ("ndcg", "map", "recall", "precision", "mrr")} <= set(scores)


def test_identical_ids_are_dropped_when_asked():
    qrels = {"q1": {"d1": 1}}
    run = {"q1": {"q1": 0.99, "d1": 0.5}}  # the query itself is in the corpus (ArguAna, Quora)
    assert gh.mteb_retrieval(qrels, run, k_values=(1,))["ndcg_at_1"] == 0.0
    assert (
        gh.mteb_retrieval(qrels, run, k_values=(1,), ignore_identical_ids=True)["ndcg_at_1"] == 1.0
    )


def _mteb_v1_classification(
    X_train, y_train, X_test, y_test, n_experiments=10, samples_per_label=8
):
    """mteb 1.12.75's control flow, line by line: the global numpy RNG, seeded 42 by the task's
    and then by each evaluator's constructor; the shuffled positions carry over."""
    np.random.seed(42)  # AbsTask.__init__
    idxs, accuracies = None, []
    for _ in range(n_experiments):
        if idxs is None:
            idxs = np.arange(len(y_train))
        np.random.shuffle(idxs)
        counter, X_s, y_s = defaultdict(int), [], []
        for i in idxs:
            if counter[y_train[i]] < samples_per_label:
                X_s.append(X_train[i])
                y_s.append(y_train[i])
                counter[y_train[i]] += 1
        np.random.seed(42)  # Evaluator.__init__, after the shuffle
        # mteb also passed n_jobs=-1, which has had no effect since scikit-learn 1.8
        clf = LogisticRegression(random_state=42, max_iter=100).fit(np.asarray(X_s), y_s)
        accuracies.append(accuracy_score(y_test, clf.predict(X_test)))
    return accuracies


def test_classification_follows_mteb_v1_experiment_by_experiment():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((6, 16))
    y_train = rng.integers(0, 6, 400)
    y_test = rng.integers(0, 6, 120)
    X_train = centres[y_train] + 1.5 * rng.standard_normal((400, 16))
    X_test = centres[y_test] + 1.5 * rng.standard_normal((120, 16))
    ours = gh.mteb_classification(X_train, y_train, X_test, y_test)
    reference = _mteb_v1_classification(
        X_train.astype(np.float32), y_train, X_test.astype(np.float32), y_test
    )
    assert [e["accuracy"] for e in ours["experiments"]] == pytest.approx(reference, abs=1e-12)
    assert (
        ours["accuracy"] == pytest.approx(np.mean(reference))
        and ours["main_score"] == ours["accuracy"]
    )
    assert len(set(reference)) > 1  # the experiments really differ: the sampling moves
    per_item = ours["per_item"]  # the share of experiments right on each test item
    assert per_item.shape == (120,) and set(np.round(per_item * 10)) <= set(range(11))
    assert per_item.mean() == pytest.approx(ours["accuracy"], abs=1e-12)
    assert ((per_item > 0) & (per_item < 1)).any()  # some items change with the experiment


def test_training_labels_mixing_1_and_the_string_1_are_named():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 4))
    labels = [1, "1"] * 10
    with pytest.raises(TypeError, match=r"train_labels mixes strings and other types: 1 .* '1'"):
        gh.mteb_classification(X, labels, X, [1] * 20)


@pytest.mark.parametrize(
    ("qrels", "run", "match"),
    [
        ({"q": {"1": 1}}, {"q": {1: 0.5, "1": 0.4}}, r"run: document ids mix 1 \(int\) and '1'"),
        ({"q": {1: 1, "1": 0}}, {"q": {"1": 0.5}}, r"qrels: document ids mix 1 \(int\) and '1'"),
        ({"q": {"d": 1}, 1: {"d": 1}}, {"q": {"d": 0.5}}, r"qrels: query ids mix"),
    ],
)
def test_ids_of_mixed_types_are_refused_by_name(qrels, run, match):
    with pytest.raises(ValueError, match=match):
        gh.mteb_retrieval(qrels, run)


def test_clustering_follows_mteb_v1():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 5, 300)
    X = (rng.standard_normal((5, 8))[labels] + 0.8 * rng.standard_normal((300, 8))).astype(
        np.float32
    )
    np.random.seed(
        42
    )  # mteb 1.x: the evaluator seeds the global RNG, then MiniBatchKMeans draws from it
    expected = v_measure_score(
        labels, MiniBatchKMeans(n_clusters=5, batch_size=500, n_init="auto").fit(X).labels_
    )
    assert gh.mteb_clustering(X, labels) == pytest.approx(expected)
    assert gh.mteb_clustering(X, [str(x) for x in labels]) == pytest.approx(
        expected
    )  # any label type


def test_embeddings_come_as_numpy_or_torch_of_any_float_width():
    """float64 within float32's range, and torch tensors, bfloat16 included (numpy has none)."""
    import torch

    rng = np.random.default_rng(2)
    labels = rng.integers(0, 3, 90)
    X = (rng.standard_normal((3, 8))[labels] + 0.5 * rng.standard_normal((90, 8))).astype(
        np.float32
    )
    expected = gh.mteb_clustering(X, labels)
    assert gh.mteb_clustering(X.astype(np.float64), labels) == expected
    assert gh.mteb_clustering(torch.from_numpy(X), labels) == expected
    rounded = torch.from_numpy(X).to(torch.bfloat16)
    assert gh.mteb_clustering(rounded, labels) == gh.mteb_clustering(
        rounded.float().numpy(), labels
    )


def test_k_values_take_any_sequence_of_distinct_cut_offs():
    qrels, run = {"q": {"a": 1, "b": 1}}, {"q": {"a": 0.9, "c": 0.5, "b": 0.1}}
    scores = gh.mteb_retrieval(qrels, run, k_values=[2])
    assert scores["recall_at_2"] == 0.5 and "main_score" not in scores
    assert gh.mteb_retrieval(qrels, run, k_values=range(1, 4))["recall_at_3"] == 1.0
