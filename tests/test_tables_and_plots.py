"""Naming clusters (c-TF-IDF), the two-panel cluster map, results tables, synthetic vectors, speed."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import CountVectorizer

import gist_helpers as gh

pytestmark = pytest.mark.usefixtures("shared_cache")

TOY_TEXTS = [
    "apple banana smoothie",
    "banana apple pie",
    "fresh apple juice",
    "rocket launch orbit",
    "orbit of the rocket",
    "the moon and the rocket",
]
TOY_CLUSTERS = np.array([0, 0, 0, 1, 1, 1])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_cluster_terms_follow_the_c_tf_idf_formula(model):
    docs = [" ".join(TOY_TEXTS[:3]), " ".join(TOY_TEXTS[3:])]
    vectorizer = CountVectorizer(stop_words="english")
    counts = vectorizer.fit_transform(docs).toarray().astype(float)
    weights = (
        counts / counts.sum(axis=1, keepdims=True) * np.log1p(counts.sum() / 2 / counts.sum(axis=0))
    )
    terms = vectorizer.get_feature_names_out()
    expected = [", ".join(terms[np.lexsort((terms, -row))][:3]) for row in weights]
    table = gh.name_clusters(TOY_TEXTS, gh.encode(model, TOY_TEXTS), TOY_CLUSTERS, top_n=3)
    assert table["top terms"].tolist() == expected
    assert (
        table.loc[0, "top terms"].startswith("apple, banana")
        and "the" not in table.loc[1, "top terms"]
    )


def test_central_text_and_majority_label(model):
    texts = TOY_TEXTS + ["a rocket reaches orbit", "tomato soup recipe"]
    embeddings = gh.encode(model, texts)
    clusters = np.array([0, 0, 0, 1, 1, 1, 1, -1])
    truth = ["fruit", "fruit", "space", "space", "space", "space", "space", "food"]
    table = gh.name_clusters(texts, embeddings, clusters, truth, top_n=3)
    assert list(table["cluster"]) == [0, 1, -1]  # noise last
    for _, row in table[table["cluster"] != -1].iterrows():
        members = np.flatnonzero(clusters == row["cluster"])
        best = members[np.argmax(embeddings[members] @ embeddings[members].mean(axis=0))]
        assert row["most central text"] == texts[best]
    assert table.set_index("cluster").loc[-1, "most central text"] == ""
    assert (table.loc[0, "most common label"], table.loc[0, "label share"]) == (
        "fruit",
        pytest.approx(0.667),
    )
    assert "most common label" not in gh.name_clusters(texts, embeddings, clusters).columns


def test_cluster_map_gives_each_cluster_its_topic_colour():
    rng = np.random.default_rng(0)
    truth = np.array(["a", "b", "c"] * 20)
    coords = rng.standard_normal((60, 2)).astype(np.float32)
    clusters = (pd.factorize(truth)[0] + 1) % 3  # the topics under other numbers
    clusters[:3] = -1
    fig = gh.plot_clusters_2d(coords, clusters, truth, projection="PCA", method="KMeans")
    left, right = fig.axes
    assert (
        left.get_title() == "PCA map, coloured by KMeans cluster" and right.get_xlabel() == "PCA 1"
    )
    assert "noise (3)" in [t.get_text() for t in left.get_legend().get_texts()]

    def key(x, y):
        return round(float(x), 5), round(float(y), 5)

    def colours(ax):
        return {
            key(x, y): tuple(np.round(c.get_facecolor()[0], 3))
            for c in ax.collections
            for x, y in c.get_offsets()
        }

    left_colours, right_colours = colours(left), colours(right)
    assert all(left_colours[key(x, y)] == right_colours[key(x, y)] for x, y in coords[3:])
    assert len(gh.plot_clusters_2d(coords, np.zeros(60, dtype=int)).axes) == 1


def test_show_moves_provenance_to_the_caption_and_keeps_the_data(model):
    table = pd.DataFrame(
        {
            "system": ["a long system name", "bm25"],
            "nDCG@10": [0.123456, 0.5],
            "model": ["m/x", "m/x"],
            "source": ["stand-in"] * 2,
        }
    )
    html = gh.show(table, model, caption="SciFact, test split").to_html()
    assert "SciFact, test split" in html and "sentence-transformers/all-MiniLM-L6-v2" in html
    assert "model: m/x" in html and "source: stand-in" in html and ">0.1235<" in html
    assert "text-align: left" in html
    counts = gh.show(
        pd.DataFrame({"texts": [13083.0, 28.939], "nprobe": [float("nan"), 8.0]})
    ).to_html()
    assert ">13,083<" in counts and ">28.94<" in counts and ">–<" in counts and ">8<" in counts
    assert list(table.columns) == ["system", "nDCG@10", "model", "source"]  # the data is untouched


def test_synthetic_embeddings_stay_near_their_sources_and_come_in_chunks():
    rng = np.random.default_rng(0)
    real = rng.standard_normal((50, 32)).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    chunks = list(gh.synthetic_embeddings(real, 2_500, noise=0.5, seed=3, chunk=1_000))
    assert [len(c) for c in chunks] == [1_000, 1_000, 500] and chunks[0].dtype == np.float32
    vectors = np.concatenate(chunks)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    nearest = (vectors @ real.T).max(axis=1)
    assert 0.85 < float(np.median(nearest)) < 0.95  # about cos = 1/sqrt(1 + 0.5²) = 0.89
    again = np.concatenate(
        list(gh.synthetic_embeddings(real, 2_500, noise=0.5, seed=3, chunk=1_000))
    )
    np.testing.assert_array_equal(vectors, again)


def test_measure_throughput_counts_tokens_as_the_model_sees_them(model):
    texts = ["short one", "a much longer text " * 200]
    row = gh.measure_throughput(model, texts, batch_size=2)
    assert (
        row["texts"] == 2 and row["tokens"] == 4 + model.max_seq_length
    )  # [CLS] short one [SEP]; cut
    assert (
        row["texts/s"] > 0
        and row["backend"] == "torch"
        and row["model"] == gh.model_info(model).model_id
    )
