"""Naming clusters (c-TF-IDF), the two-panel cluster map, results tables, synthetic vectors, speed."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import dataclasses
import itertools
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.markers import MarkerStyle
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


def _lab(rgb) -> np.ndarray:
    """CIELAB of an sRGB colour (D65), to measure how far apart two colours look."""
    linear = np.where(
        np.asarray(rgb) <= 0.04045,
        np.asarray(rgb) / 12.92,
        ((np.asarray(rgb) + 0.055) / 1.055) ** 2.4,
    )
    xyz = (
        np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
        @ linear
    )
    f = np.cbrt(xyz / [0.95047, 1.0, 1.08883])  # every palette colour is far above the linear toe
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_noise_is_black_crosses_on_top_and_ten_groups_never_share_a_colour():
    rng = np.random.default_rng(1)
    coords = rng.standard_normal((240, 2))
    clusters = np.arange(240) % 12 - 1  # noise and clusters 0–10: eleven groups
    fig = gh.plot_clusters_2d(coords, clusters)
    by_label = {c.get_label(): c for c in fig.axes[0].collections}
    noise = by_label.pop("noise (20)")
    assert tuple(noise.get_facecolor()[0]) == (0, 0, 0, 1) and noise.get_alpha() in (None, 1)
    cross = MarkerStyle("x")
    assert np.allclose(
        noise.get_paths()[0].vertices, cross.get_path().transformed(cross.get_transform()).vertices
    )
    assert noise.get_zorder() > max(c.get_zorder() for c in by_label.values())
    colours = {label: c.get_facecolor()[0][:3] for label, c in by_label.items()}
    first_ten = [str(i) for i in range(10)]
    for a, b in itertools.combinations(first_ten, 2):
        distance = np.linalg.norm(_lab(colours[a]) - _lab(colours[b]))
        assert distance > 20, f"groups {a} and {b} look alike (ΔE {distance:.1f})"
    for label in first_ten:
        L, a, b = _lab(colours[label])
        assert np.hypot(a, b) > 20 and L > 35, f"group {label} is grey or near black"
    # The eleventh group repeats the first colour with another marker shape.
    assert np.allclose(colours["10"], colours["0"])
    assert len(by_label["10"].get_paths()[0].vertices) != len(by_label["0"].get_paths()[0].vertices)


def test_a_map_where_every_point_is_noise_still_plots():
    """HDBSCAN may find no cluster at all: a valid outcome the map must show."""
    coords = np.random.default_rng(2).standard_normal((30, 2))
    fig = gh.plot_clusters_2d(coords, np.full(30, -1), ["a", "b", "c"] * 10, method="HDBSCAN")
    left, right = fig.axes
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["noise (30)"]
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["a", "b", "c"]
    assert len(gh.plot_clusters_2d(coords, np.full(30, -1)).axes) == 1


def test_show_cuts_only_commit_ids_and_reads_as_text(model, monkeypatch):
    from IPython.core.formatters import DisplayFormatter

    table = pd.DataFrame(
        {"system": ["bm25", "dense"], "nDCG@10": [0.66213, 0.6451], "texts": [5183.0, 5183.0]}
    )
    styled = gh.show(table, model, caption="SciFact, test split")
    revision = gh.model_info(model).revision
    assert not re.fullmatch(r"[0-9a-f]{40}", revision)
    assert f"revision {revision} ·" in styled.caption  # the stand-in's label, whole
    text = repr(styled)
    assert "Styler" not in text and "0x" not in text
    lines = text.splitlines()
    assert lines[0].split() == ["system", "nDCG@10", "texts"]
    assert lines[1].split() == ["0", "bm25", "0.6621", "5,183"]
    assert lines[-1] == styled.caption and str(styled) == text
    shown, _ = DisplayFormatter().format(styled)  # what a notebook stores for the cell
    assert shown["text/plain"] == text and ">0.6621<" in shown["text/html"]
    commit = "d6c4190f9e01b9994dc7cac99cf2f2b85cfb57bc"
    info = dataclasses.replace(gh.model_info(model), revision=commit)
    monkeypatch.setattr("gist_helpers.plots.model_info", lambda m: info)
    assert "revision d6c4190f9e01 ·" in gh.show(table, model).caption


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


def test_show_names_a_repeated_column_even_a_provenance_one():
    table = pd.DataFrame([["a", "b", 0.5]], columns=["model", "model", "score"])
    with pytest.raises(ValueError, match=r"column\(s\) \['model'\] more than once"):
        gh.show(table)


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
