"""BEIR loading (good and bad folders, offline), retrieve + evaluate end to end, plots, references."""

from __future__ import annotations

import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import gist_helpers as gh

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
    assert list(ds.queries.index) == ["q1", "q2", "q3"] and ds.unjudged_queries == 1
    assert ds.qrels == {
        "q1": {"cats": 2, "moon": 0},
        "q2": {"stocks": 1},
        "q3": {"bread": 1, "rain": 0},
    }
    assert ds.doc_texts()[0] == "Cats A cat is a small furry pet that likes to sleep in the sun."
    assert ds.problems.empty
    summary = ds.summary().iloc[0]
    assert (summary["documents"], summary["queries"], summary["judgements"]) == (6, 3, 5)
    assert summary["relevance levels"] == "0, 1, 2"
    assert gh.load_beir(str(beir)).qrels == ds.qrels  # a path given as a string works too


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


def test_the_bundled_set_loads_and_is_consistent():
    if not (gh.data_dir() / "retrieval" / "qrels" / "test.tsv").exists():
        pytest.skip("the bundled retrieval set is not there yet")
    ds = gh.load_beir()
    assert ds.name == "bundled" and len(ds.corpus) > 100 and len(ds.queries) > 10
    assert ds.problems.empty
    assert all(d in ds.corpus.index for judged in ds.qrels.values() for d in judged)


def test_finds_a_dataset_by_name_in_the_cache(beir):
    target = gh.beir_folder("mini")
    assert target.parent.parent == gh.settings.cache_root()
    write_beir(target)
    assert gh.load_beir("mini").path == target


def test_offline_the_error_says_what_to_download_and_where(tmp_path):
    with pytest.raises(gh.DatasetUnavailableError) as caught:
        gh.load_beir("scifact", download=False)
    message = str(caught.value)
    assert (
        "https://public.ukp.informatik.tu-darmstadt.de/thakur/BEIR/datasets/scifact.zip" in message
    )
    assert str(gh.beir_folder("scifact") / "corpus.jsonl") in message
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
            r"line 2 \(document 'z'\) has no \"text\"",
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
        ({"queries": []}, "has no queries"),
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


def test_repeated_identical_judgements_are_merged_and_reported(tmp_path):
    folder = write_beir(tmp_path / "dup", qrels=QRELS + [("q2", "stocks", 1)])
    with pytest.warns(gh.EvaluationWarning, match="1 repeated judgement"):
        ds = gh.load_beir(folder)
    assert ds.qrels["q2"] == {"stocks": 1}
    assert ds.problems[["problem", "line"]].values.tolist() == [["repeated judgement", 7]]


UNKNOWN = QRELS + [("q1", "ghost", 1), ("q2", "phantom", 0), ("q9", "cats", 1)]


def test_unknown_ids_are_an_error_by_default_with_counts(tmp_path):
    folder = write_beir(tmp_path / "unknown", qrels=UNKNOWN)
    with pytest.raises(ValueError) as caught:
        gh.load_beir(folder)
    message = str(caught.value)
    assert (
        "2 judgement(s) name documents missing from corpus.jsonl: 'ghost' (line 7), 'phantom' (line 8)"
        in message
    )
    assert "1 judged query id(s) are missing from queries.jsonl: 'q9'" in message
    assert "unknown='keep'" in message and "unknown='drop'" in message


def test_unknown_ids_kept_or_dropped_on_request(tmp_path):
    folder = write_beir(tmp_path / "unknown", qrels=UNKNOWN)
    with pytest.warns(gh.EvaluationWarning, match="unknown documents are kept"):
        kept = gh.load_beir(folder, unknown="keep")
    assert kept.qrels["q1"] == {"cats": 2, "moon": 0, "ghost": 1} and "q9" not in kept.qrels
    assert kept.problems["problem"].value_counts().to_dict() == {
        "unknown document": 2,
        "unknown query": 1,
    }
    with pytest.warns(gh.EvaluationWarning, match="dropped"):
        dropped = gh.load_beir(folder, unknown="drop")
    assert dropped.qrels["q1"] == {"cats": 2, "moon": 0} and dropped.qrels["q2"] == {"stocks": 1}
    assert len(dropped.problems) == 3
    with pytest.raises(ValueError, match="unknown='ignore'"):
        gh.load_beir(folder, unknown="ignore")


def test_only_unknown_judgements_leave_nothing(tmp_path):
    folder = write_beir(tmp_path / "ghosts", qrels=[("q1", "ghost", 1)])
    with (
        pytest.raises(ValueError, match="no judgement is left"),
        pytest.warns(gh.EvaluationWarning),
    ):
        gh.load_beir(folder, unknown="drop")


# --- search and evaluation ------------------------------------------------------------------


def test_retrieve_and_evaluate_end_to_end(beir, model):
    ds = gh.load_beir(beir)
    exact = gh.retrieve(ds, model, k=6)
    bm25 = gh.retrieve(ds, backend="bm25", k=6)
    flat = gh.retrieve(ds, model, backend="faiss-flat", k=6)
    hnsw = gh.retrieve(ds, model, backend="faiss-hnsw", k=6)
    table = gh.evaluate_retrieval(ds, [exact, bm25], flat, hnsw)
    info = gh.model_info(model)
    assert list(table.columns[: 1 + len(gh.DEFAULT_METRICS)]) == ["system", *gh.DEFAULT_METRICS]
    assert table["system"].tolist() == [exact.system, "BM25", flat.system, hnsw.system]
    assert "(stand-in)" in exact.system
    embedded = table[table["backend"] != "bm25"]
    assert (embedded["model"] == info.model_id).all() and (
        embedded["revision"] == info.revision
    ).all()
    assert (embedded["source"] == info.source).all() and (table["dataset"] == "mini (test)").all()
    assert (table["queries"] == 3).all()
    metrics = list(gh.DEFAULT_METRICS)
    assert (
        table.loc[0, metrics].tolist()
        == table.loc[2, metrics].tolist()
        == table.loc[3, metrics].tolist()
    )
    assert table.loc[0, "nDCG@10"] > 0.9  # the stand-in finds these easy matches
    unrounded = gh.mean_metrics(ds.qrels, exact)
    assert table.loc[0, "nDCG@10"] == round(unrounded["nDCG@10"], 4)


def test_retrieve_default_depth_and_bad_backends(beir, model):
    ds = gh.load_beir(beir)
    assert gh.retrieve(ds, model).k == len(ds.corpus)  # min(100, corpus size)
    with pytest.raises(ValueError, match="backend='annoy' is not one of"):
        gh.retrieve(ds, model, backend="annoy")
    with pytest.raises(TypeError, match="needs a model"):
        gh.retrieve(ds, backend="exact")
    with pytest.raises(ValueError, match=r"k=50 is larger than the corpus \(6 documents\)"):
        gh.retrieve(ds, model, k=50)


def test_evaluation_warns_about_short_runs_and_refuses_bad_systems(beir, model):
    ds = gh.load_beir(beir)
    short = gh.retrieve(ds, model, k=2)
    with pytest.warns(gh.EvaluationWarning, match="kept only the top 2 documents"):
        gh.evaluate_retrieval(ds, short)
    with pytest.raises(ValueError, match="appear twice"):
        gh.evaluate_retrieval(ds, short, short)
    with pytest.raises(ValueError, match="no results to evaluate"):
        gh.evaluate_retrieval(ds)
    with pytest.raises(TypeError, match="expected SearchResults"):
        gh.evaluate_retrieval(ds, {"q1": [("cats", 1.0)]})


def test_identical_ids_are_ignored_for_arguana_like_sets(tmp_path, model):
    docs = [
        {"_id": "a1", "text": "Zoos protect endangered species."},
        {"_id": "a2", "text": "Zoos keep wild animals in cages; they should close."},
        {"_id": "a3", "text": "Taxes on sugar reduce obesity."},
    ]
    queries = [{"_id": "a1", "text": "Zoos protect endangered species."}]
    folder = write_beir(tmp_path / "arguana", docs=docs, queries=queries, qrels=[("a1", "a2", 1)])
    ds = gh.load_beir(folder)
    found = gh.retrieve(ds, model)
    assert found.k == 3 and found["a1"][0][0] == "a1"  # the query finds itself first
    as_mteb = gh.evaluate_retrieval(ds, found).loc[0]
    kept = gh.evaluate_retrieval(ds, found, ignore_identical_ids=False).loc[0]
    assert as_mteb["MRR@10"] == 1.0 and kept["MRR@10"] == 0.5


def test_compare_per_query_and_its_plot(beir, model):
    ds = gh.load_beir(beir)
    a, b = gh.retrieve(ds, model), gh.retrieve(ds, backend="bm25")
    table = gh.compare_per_query(ds, a, b)
    assert list(table.columns[:5]) == ["query_id", "query", a.system, b.system, "difference"]
    assert table["difference"].is_monotonic_increasing and len(table) == len(ds.queries)
    assert np.allclose(table["difference"], table[a.system] - table[b.system], atol=2e-4)
    assert table["word overlap"].between(0, 1).all()
    assert set(table["winner"]) <= {a.system, b.system, "tie"}
    assert table[f"1st relevant rank: {a.system}"].dtype == "Int64"
    ax = gh.plot_per_query_differences(table)
    assert "nDCG@10" in ax.get_title() and a.system in ax.get_title()
    assert ax.get_xlabel() and ax.get_ylabel()
    plt.close("all")
    with pytest.raises(ValueError, match="compare_per_query"):
        gh.plot_per_query_differences(pd.DataFrame({"difference": [0.1]}))


def test_metrics_plot(beir, model):
    ds = gh.load_beir(beir)
    table = gh.evaluate_retrieval(ds, gh.retrieve(ds, model), gh.retrieve(ds, backend="bm25"))
    ax = gh.plot_retrieval_metrics(table)
    assert "mini (test)" in ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.get_legend().get_texts()) == 2
    plt.close("all")
    with pytest.raises(ValueError, match="lacks column"):
        gh.plot_retrieval_metrics(table.drop(columns="nDCG@10"))


def test_semantic_search_demo(beir, model):
    ds = gh.load_beir(beir)
    top = gh.semantic_search(model, "a sleepy kitten", ds, k=3)
    assert list(top.columns) == ["rank", "score", "doc_id", "title", "text"]
    assert top["doc_id"].iloc[0] == "cats" and top["score"].is_monotonic_decreasing
    both = gh.semantic_search(model, ["a sleepy kitten", "falling share prices"], ds, k=2)
    assert both["query"].nunique() == 2 and len(both) == 4
    with pytest.raises(ValueError, match="non-empty string"):
        gh.semantic_search(model, "  ", ds)
    with pytest.raises(ValueError, match="larger than the corpus"):
        gh.semantic_search(model, "kitten", ds, k=10)


def test_evaluate_beir_end_to_end(beir, model):
    table = gh.evaluate_beir(beir, model)
    assert table["backend"].tolist() == ["exact", "bm25"]
    assert table.loc[0, "model"] == gh.model_info(model).model_id


def test_published_reference_table():
    table = gh.published_mteb_ndcg10().set_index("dataset")
    assert table.loc[
        "SciFact", ["GIST-small-Embedding-v0", "bge-small-en-v1.5", "all-MiniLM-L6-v2"]
    ].tolist() == [70.86, 71.27, 64.51]
    assert table.loc["SCIDOCS", "GIST-small-Embedding-v0"] == 21.89
    assert table["source"].str.contains("github.com/embeddings-benchmark/results").all()
    assert table["source"].str.contains(gh.GIST_REVISION[:12]).all()
