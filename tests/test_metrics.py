"""IR metrics: agreement with pytrec_eval (MTEB's evaluator) on many random runs, ties, bad input."""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

import gist_helpers as gh

pytrec_eval = pytest.importorskip("pytrec_eval")

CUTOFFS = (1, 3, 5, 10, 20, 100)
TREC = {"nDCG": "ndcg_cut", "MAP": "map_cut", "Recall": "recall", "P": "P"}


def _random_case(rng: random.Random, negative: bool):
    """Random qrels and run with ties, graded relevance, unjudged and unretrieved documents."""
    prefixes = [
        "d",
        "D",
        "doc_",
        "",
        "é",
        "Z",
    ]  # numeric-looking and mixed-case ids test the string order
    docs = list(
        dict.fromkeys(
            rng.choice(prefixes) + str(rng.randint(0, 80)) for _ in range(rng.randint(1, 45))
        )
    )
    levels = [0, 0, 1, 1, 2, -1] if negative else [0, 0, 1, 2]
    qrels, run = {}, {}
    for q in range(rng.randint(1, 8)):
        query_id = f"q{q}"
        judged = rng.sample(docs, rng.randint(1, len(docs)))
        qrels[query_id] = {d: rng.choice(levels) for d in judged}
        if rng.random() < 0.15:
            qrels[query_id] = {d: 0 for d in judged}  # a query with no relevant document
        if rng.random() < 0.9:  # some judged queries are missing from the run
            retrieved = rng.sample(docs, rng.randint(0, len(docs)))
            pool = [round(rng.random(), 1) for _ in range(3)]  # few distinct values: many ties
            run[query_id] = {
                d: rng.choice(pool) if rng.random() < 0.6 else rng.random() for d in retrieved
            }
    run["not-judged"] = {docs[0]: 1.0}
    return qrels, run


def _pytrec(qrels, run, level):
    cut = ",".join(map(str, CUTOFFS))
    measures = {f"{name}.{cut}" for name in TREC.values()}
    return pytrec_eval.RelevanceEvaluator(qrels, measures, relevance_level=level).evaluate(run)


def _pytrec_mrr(qrels, run, k, level):
    """MRR@k as trec_eval's recip_rank on the run cut at k (in trec_eval's own order)."""
    out = {}
    for query_id, hits in run.items():
        if query_id not in qrels:
            continue
        top = dict(gh.rank_run(hits)[:k])
        result = pytrec_eval.RelevanceEvaluator(
            {query_id: qrels[query_id]}, {"recip_rank"}, relevance_level=level
        ).evaluate({query_id: top})
        out[query_id] = result[query_id]["recip_rank"]
    return out


@pytest.mark.parametrize("seed", range(4))
def test_agrees_with_pytrec_eval_on_random_runs(seed):
    rng = random.Random(seed)
    names = [f"{family}@{k}" for family in TREC for k in CUTOFFS]
    compared = 0
    for trial in range(100):
        qrels, run = _random_case(rng, negative=trial % 4 == 0)
        level = rng.choice([1, 1, 2])
        reference = _pytrec(qrels, run, level)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gh.EvaluationWarning)
            ours = gh.per_query_metrics(qrels, run, names, relevance_level=level)
            means = gh.mean_metrics(qrels, run, names, relevance_level=level) if reference else None
        assert set(ours.index) == set(reference)
        for query_id, values in reference.items():
            for name in names:
                family, k = name.split("@")
                assert ours.loc[query_id, name] == pytest.approx(
                    values[f"{TREC[family]}_{k}"], abs=1e-9
                )
                compared += 1
        if means:
            for name in names:
                family, k = name.split("@")
                expected = np.mean([v[f"{TREC[family]}_{k}"] for v in reference.values()])
                assert means[name] == pytest.approx(expected, abs=1e-9)
    assert compared > 5_000  # per-query values compared


@pytest.mark.parametrize("seed", range(2))
def test_mrr_is_trec_recip_rank_of_the_cut_run(seed):
    rng = random.Random(100 + seed)
    for _ in range(100):
        qrels, run = _random_case(rng, negative=False)
        level = rng.choice([1, 2])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gh.EvaluationWarning)
            ours = gh.per_query_metrics(
                qrels, run, [f"MRR@{k}" for k in CUTOFFS], relevance_level=level
            )
        for k in CUTOFFS:
            for query_id, value in _pytrec_mrr(qrels, run, k, level).items():
                assert ours.loc[query_id, f"MRR@{k}"] == pytest.approx(value, abs=1e-12)


def test_mrr_matches_mtebs_definition_without_ties():
    """MTEB: reciprocal rank of the first document with relevance > 0 among the top k by score."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        docs = [f"d{i}" for i in range(30)]
        qrels = {"q": {d: int(rng.integers(0, 3)) for d in rng.choice(docs, 8, replace=False)}}
        scores = rng.permutation(30) / 30.0  # distinct scores
        run = {"q": dict(zip(docs, scores.tolist()))}
        top = sorted(run["q"].items(), key=lambda item: item[1], reverse=True)[:10]
        expected = next(
            (1 / (r + 1) for r, (d, _) in enumerate(top) if qrels["q"].get(d, 0) > 0), 0.0
        )
        assert gh.mean_metrics(qrels, run, ["MRR@10"])["MRR@10"] == pytest.approx(expected)


def test_ties_are_broken_by_reverse_document_id():
    # trec_eval ranks equal scores by document id in reverse string order: "b10" > "b1" > "a9".
    assert [d for d, _ in gh.rank_run({"a9": 1.0, "b1": 1.0, "b10": 1.0, "c": 0.5})] == [
        "b10",
        "b1",
        "a9",
        "c",
    ]
    qrels = {"q": {"a9": 1}}
    run = {"q": {"a9": 1.0, "b1": 1.0, "b10": 1.0}}
    assert gh.mean_metrics(qrels, run, ["MRR@10"])["MRR@10"] == pytest.approx(1 / 3)
    reference = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10"}).evaluate(run)["q"][
        "ndcg_cut_10"
    ]
    assert gh.mean_metrics(qrels, run, ["nDCG@10"])["nDCG@10"] == pytest.approx(reference)


def test_a_query_whose_judgements_are_all_zero_counts_as_zero():
    qrels = {"q1": {"a": 1}, "q2": {"a": 0, "b": 0}}
    run = {"q1": {"a": 1.0}, "q2": {"a": 1.0, "b": 0.5}}
    table = gh.per_query_metrics(qrels, run)
    assert list(table.index) == ["q1", "q2"]
    assert (table.loc["q2"] == 0).all()
    assert gh.mean_metrics(qrels, run)["nDCG@10"] == pytest.approx(0.5)


def test_graded_relevance_and_k_beyond_the_run():
    qrels = {"q": {"a": 2, "b": 1, "c": 1}}
    run = {"q": [("b", 0.9), ("a", 0.8)]}  # a list of pairs works like a dict
    got = gh.mean_metrics(qrels, run, ["nDCG@100", "Recall@100", "P@5", "MAP@100"])
    ideal = 2 + 1 / np.log2(3) + 1 / np.log2(4)
    assert got["nDCG@100"] == pytest.approx((1 + 2 / np.log2(3)) / ideal)
    assert got["Recall@100"] == pytest.approx(2 / 3)
    assert got["P@5"] == pytest.approx(2 / 5)
    assert got["MAP@100"] == pytest.approx((1 + 1) / 3)


def test_relevance_level_changes_binary_metrics_not_ndcg():
    qrels = {"q": {"a": 1, "b": 2}}
    run = {"q": {"a": 0.9, "b": 0.8}}
    one = gh.mean_metrics(qrels, run, ["nDCG@10", "MRR@10"], relevance_level=1)
    two = gh.mean_metrics(qrels, run, ["nDCG@10", "MRR@10"], relevance_level=2)
    assert one["nDCG@10"] == two["nDCG@10"]
    assert (one["MRR@10"], two["MRR@10"]) == (1.0, 0.5)


def test_ignore_identical_ids_drops_the_query_itself():
    qrels = {"x": {"y": 1}}
    run = {"x": {"x": 0.99, "y": 0.5}}
    assert gh.mean_metrics(qrels, run, ["MRR@10"])["MRR@10"] == 0.5
    assert gh.mean_metrics(qrels, run, ["MRR@10"], ignore_identical_ids=True)["MRR@10"] == 1.0


def test_judged_queries_missing_from_the_run_are_reported():
    qrels = {"q1": {"a": 1}, "q2": {"a": 1}}
    with pytest.warns(gh.EvaluationWarning, match=r"1 of 2 judged queries .*'q2'"):
        table = gh.per_query_metrics(qrels, {"q1": {"a": 1.0}})
    assert list(table.index) == ["q1"]
    with (
        pytest.raises(ValueError, match="no query of the run appears in the qrels"),
        pytest.warns(gh.EvaluationWarning),
    ):
        gh.mean_metrics(qrels, {"other": {"a": 1.0}})


def test_describe_metrics_names_mteb_and_trec_eval():
    table = gh.describe_metrics()
    assert list(table["metric"]) == list(gh.DEFAULT_METRICS)
    row = table.set_index("metric").loc["nDCG@10"]
    assert (row["MTEB key"], row["trec_eval"]) == ("ndcg_at_10", "ndcg_cut.10")


@pytest.mark.parametrize(
    ("qrels", "run", "kwargs", "error", "match"),
    [
        (
            {"q": {"a": 1}},
            {"q": {"a": 1.0}},
            {"metrics": ["NDCG@10"]},
            ValueError,
            "unknown metric 'NDCG@10'",
        ),
        ({"q": {"a": 1}}, {"q": {"a": 1.0}}, {"metrics": ["nDCG@0"]}, ValueError, "unknown metric"),
        ({"q": {"a": 1}}, {"q": {"a": 1.0}}, {"metrics": []}, ValueError, "no metrics"),
        ({"q": {"a": 1}}, {"q": {"a": 1.0}}, {"relevance_level": 0}, ValueError, "relevance_level"),
        ({"q": {"a": 0.5}}, {"q": {"a": 1.0}}, {}, TypeError, r"qrels\['q'\]\['a'\] is 0.5"),
        ({"q": {"a": True}}, {"q": {"a": 1.0}}, {}, TypeError, "must be an integer"),
        ({1: {"a": 1}}, {"q": {"a": 1.0}}, {}, TypeError, "query id 1"),
        (
            {"q": {"a": 1}},
            {"q": {"a": float("nan")}},
            {},
            ValueError,
            "document 'a' .* must be finite",
        ),
        ({"q": {"a": 1}}, {"q": {"a": "high"}}, {}, TypeError, "score 'high'"),
        ({"q": {"a": 1}}, {"q": [("a", 1.0), ("a", 0.5)]}, {}, ValueError, "'a' appears twice"),
        ({"q": {"a": 1}}, {"q": ["a"]}, {}, TypeError, "not a \\(doc id, score\\) pair"),
        ({"q": {"a": 1}}, [("q", {"a": 1.0})], {}, TypeError, "run must map"),
    ],
)
def test_bad_input_is_named(qrels, run, kwargs, error, match):
    with pytest.raises(error, match=match):
        gh.per_query_metrics(qrels, run, **kwargs)
