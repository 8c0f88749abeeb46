"""Unit tests of gist_helpers.clustering (notebook 04): bundled topics, real stand-in model."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score, v_measure_score

import gist_helpers as gh

TOPICS = ["astronomy", "cooking", "software", "football"]


pytestmark = pytest.mark.usefixtures("shared_cache")


@pytest.fixture(scope="module")
def topics():
    table = gh.load_topics()
    return table[table["topic"].isin(TOPICS)].reset_index(drop=True)


@pytest.fixture(scope="module")
def X(model, topics, module_cache_dir):
    return gh.encode(model, topics["text"])


@pytest.fixture
def no_show(monkeypatch):
    monkeypatch.setattr(
        plt, "show", lambda *a, **k: pytest.fail("helpers must not call plt.show()")
    )
    yield
    plt.close("all")


# --- cluster_embeddings / run_clusterings ----------------------------------------------------


@pytest.mark.parametrize("method", ["kmeans", "agglomerative", "minibatch-kmeans"])
def test_methods_with_k(X, topics, method):
    labels = gh.cluster_embeddings(X, method, 4)
    assert labels.shape == (len(X),) and labels.dtype == np.int64
    assert sorted(set(labels.tolist())) == [0, 1, 2, 3]
    # Four well-separated topics: any sensible method recovers them well.
    assert v_measure_score(topics["topic"], labels) > 0.6


def test_hdbscan_finds_its_own_k_and_noise(X):
    labels = gh.cluster_embeddings(X, "hdbscan")
    assert labels.min() >= -1
    raw = gh.cluster_embeddings(X, "hdbscan", hdbscan_dims=None, min_cluster_size=5, min_samples=2)
    assert raw.shape == labels.shape


@pytest.mark.parametrize("method", ["kmeans", "agglomerative", "hdbscan", "minibatch-kmeans"])
def test_clustering_is_deterministic(X, method):
    first = gh.cluster_embeddings(X, method, 4, random_state=7)
    second = gh.cluster_embeddings(X, method, 4, random_state=7)
    np.testing.assert_array_equal(first, second)


def test_run_clusterings_and_report_are_deterministic(model, X, topics):
    runs = [gh.run_clusterings(X, 4, random_state=0) for _ in range(2)]
    assert list(runs[0]) == ["kmeans", "agglomerative", "hdbscan"]
    for method in runs[0]:
        np.testing.assert_array_equal(runs[0][method], runs[1][method])
    reports = [gh.clustering_report(model, X, topics["topic"], run) for run in runs]
    pd.testing.assert_frame_equal(reports[0], reports[1])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            {"method": "kmeans", "n_clusters": 1000},
            ValueError,
            "k=1000 clusters is more than the 176 texts",
        ),
        ({"method": "agglomerative", "n_clusters": 1}, ValueError, "at least 2"),
        ({"method": "kmeans", "n_clusters": None}, ValueError, "n_clusters is required"),
        ({"method": "kmeans", "n_clusters": 2.5}, TypeError, "integer"),
        ({"method": "spectral", "n_clusters": 3}, ValueError, "method='spectral' is not known"),
        ({"method": "hdbscan", "min_cluster_size": 1}, ValueError, "min_cluster_size"),
        (
            {"method": "hdbscan", "min_cluster_size": 500},
            ValueError,
            "needs at least that many texts",
        ),
    ],
)
def test_cluster_embeddings_bad_input(X, kwargs, error, match):
    with pytest.raises(error, match=match):
        gh.cluster_embeddings(X, **kwargs)


@pytest.mark.parametrize(
    "embeddings, error, match",
    [
        (np.zeros((0, 384)), ValueError, "empty"),
        (np.ones(5), ValueError, "2-D"),
        (np.array([[1.0, np.nan], [0.0, 1.0], [1.0, 1.0]]), ValueError, "row 0"),
        (None, TypeError, "None"),
        (np.array([["a", "b"]]), TypeError, "numeric"),
    ],
)
def test_bad_embeddings(embeddings, error, match):
    with pytest.raises(error, match=match):
        gh.cluster_embeddings(embeddings, "kmeans", 2)


def test_run_clusterings_needs_methods(X):
    with pytest.raises(ValueError, match="methods is empty"):
        gh.run_clusterings(X, 4, methods=[])


# --- metrics ---------------------------------------------------------------------------


def test_clustering_scores_equal_sklearn(X, topics):
    labels = gh.cluster_embeddings(X, "kmeans", 4)
    scores = gh.clustering_scores(X, topics["topic"], labels)
    assert scores["v_measure"] == v_measure_score(topics["topic"], labels)
    assert scores["ari"] == adjusted_rand_score(topics["topic"], labels)
    assert scores["silhouette"] == pytest.approx(
        silhouette_score(X, labels, metric="cosine"), abs=1e-6
    )
    assert scores["clusters"] == 4 and scores["noise"] == 0


def test_perfect_clustering_scores_one(X, topics):
    perfect = pd.factorize(topics["topic"])[0]
    scores = gh.clustering_scores(X, topics["topic"], perfect)
    assert scores["v_measure"] == pytest.approx(1.0) and scores["ari"] == pytest.approx(1.0)


def test_noise_is_left_out_of_silhouette(X, topics):
    labels = pd.factorize(topics["topic"])[0].copy()
    labels[:10] = -1
    scores = gh.clustering_scores(X, topics["topic"], labels)
    kept = labels != -1
    assert scores["noise"] == 10
    assert scores["silhouette"] == pytest.approx(
        silhouette_score(X[kept], labels[kept], metric="cosine"), abs=1e-6
    )
    single = np.where(np.arange(len(X)) < 5, -1, 0)
    assert np.isnan(gh.clustering_scores(X, topics["topic"], single)["silhouette"])


def test_clustering_report_columns(model, X, topics):
    runs = gh.run_clusterings(X, 4, methods=["kmeans", "minibatch-kmeans"])
    report = gh.clustering_report(model, X, topics["topic"], runs)
    assert list(report.columns) == [
        "method",
        "clusters",
        "noise",
        "V-measure",
        "adjusted Rand",
        "silhouette",
        "model",
    ]
    assert list(report["method"]) == ["kmeans", "minibatch-kmeans"]
    assert set(report["model"]) == {gh.model_info(model).model_id}
    assert (report["V-measure"] == report["V-measure"].round(4)).all()
    by_id = gh.clustering_report("some/model", X, topics["topic"], runs)
    assert set(by_id["model"]) == {"some/model"}


@pytest.mark.parametrize(
    "labels, predicted, error, match",
    [
        (["same"] * 176, None, ValueError, "single value 'same'"),
        (["a", "b"], None, ValueError, "2 labels for 176 texts"),
        ([None] + ["a"] * 175, None, ValueError, "position 0 is missing"),
        (None, np.zeros(10, dtype=int), ValueError, "10 cluster labels for 176 texts"),
        (None, np.zeros(176), TypeError, "integers"),
    ],
)
def test_clustering_scores_bad_input(X, topics, labels, predicted, error, match):
    labels = topics["topic"] if labels is None else labels
    predicted = np.zeros(len(X), dtype=int) if predicted is None else predicted
    with pytest.raises(error, match=match):
        gh.clustering_scores(X, labels, predicted)


def test_clustering_report_needs_assignments(model, X, topics):
    with pytest.raises(ValueError, match="assignments is empty"):
        gh.clustering_report(model, X, topics["topic"], {})


# --- choosing k --------------------------------------------------------------------------


def test_k_sweep(X):
    sweep = gh.k_sweep(X, range(2, 7))
    assert list(sweep.columns) == ["k", "inertia", "silhouette"]
    assert list(sweep["k"]) == [2, 3, 4, 5, 6]
    assert sweep["silhouette"].between(-1, 1).all()
    pd.testing.assert_frame_equal(sweep, gh.k_sweep(X, range(2, 7)))


@pytest.mark.parametrize(
    "ks, match",
    [
        ([], "k_values is empty"),
        ([2, 176], "k <= 175"),
        ([2, 500], "more than the 176 texts"),
        ([1, 2], "at least 2"),
    ],
)
def test_k_sweep_bad_input(X, ks, match):
    with pytest.raises(ValueError, match=match):
        gh.k_sweep(X, ks)


def test_plot_k_sweep(X, no_show):
    fig = gh.plot_k_sweep(gh.k_sweep(X, range(2, 7)), true_k=4)
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 2
    assert all(ax.get_xlabel() == "number of clusters k" for ax in fig.axes)
    assert "Elbow" in fig.axes[0].get_title() and "Silhouette" in fig.axes[1].get_title()
    legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert any("true number of topics (4)" in t for t in legend) and any(
        "best silhouette" in t for t in legend
    )
    with pytest.raises(ValueError, match="lacks column"):
        gh.plot_k_sweep(pd.DataFrame({"k": [2]}))


# --- MTEB's protocol -------------------------------------------------------------------


def test_mteb_clustering_score_follows_the_protocol(model, topics):
    row = gh.mteb_clustering_score(model, topics["text"], topics["topic"])
    embeddings = np.asarray(model.encode(list(topics["text"]), batch_size=32))
    reference = MiniBatchKMeans(n_clusters=4, batch_size=500, n_init="auto", random_state=0).fit(
        embeddings
    )
    expected = v_measure_score(topics["topic"], reference.labels_)
    assert row.loc[0, "V-measure"] == pytest.approx(round(expected, 4), abs=1e-4)
    assert (
        row.loc[0, "k (labels)"] == 4
        and row.loc[0, "batch size"] == gh.MTEB_CLUSTERING_BATCH_SIZE == 500
    )
    assert row.loc[0, "model"] == gh.model_info(model).model_id
    pd.testing.assert_frame_equal(
        row, gh.mteb_clustering_score(model, topics["text"], topics["topic"])
    )


@pytest.mark.parametrize(
    "texts, labels, kwargs, match",
    [
        ([], [], {}, "texts is empty"),
        (["a", "b", "c"], ["x", "x", "x"], {}, "single value 'x'"),
        (["a", "b", "c"], ["x", "y"], {}, "2 labels for 3 texts"),
        (["a", "b", "c"], ["x", "y", "z"], {"batch_size": 0}, "batch_size"),
    ],
)
def test_mteb_clustering_score_bad_input(model, texts, labels, kwargs, match):
    with pytest.raises(ValueError, match=match):
        gh.mteb_clustering_score(model, texts, labels, **kwargs)


# --- 2-D maps -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_project_2d_is_deterministic(X, method):
    first = gh.project_2d(X, method)
    assert first.shape == (len(X), 2)
    np.testing.assert_array_equal(first, gh.project_2d(X, method))


def test_umap_when_missing(X):
    if gh.umap_available():
        assert gh.project_2d(X, "umap").shape == (len(X), 2)
    else:
        with pytest.raises(ImportError, match="pip install umap-learn"):
            gh.project_2d(X, "umap")


@pytest.mark.parametrize(
    "embeddings, kwargs, match",
    [
        (np.ones((2, 4)), {}, "at least 3 texts"),
        (None, {"method": "mds"}, "method='mds' is not known"),
        (None, {"method": "tsne", "perplexity": 500}, "perplexity"),
    ],
)
def test_project_2d_bad_input(X, embeddings, kwargs, match):
    with pytest.raises(ValueError, match=match):
        gh.project_2d(X if embeddings is None else embeddings, **kwargs)


def test_plot_clusters_2d_side_by_side(X, topics, no_show):
    coords = gh.project_2d(X, "pca")
    truth = topics["topic"]
    # Clusters that are the topics under other numbers: each must take its topic's colour.
    codes, names = pd.factorize(truth)
    clusters = (codes + 2) % len(names)
    clusters[:3] = -1
    fig = gh.plot_clusters_2d(coords, clusters, truth, projection="PCA", method="KMeans")
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 2
    left, right = fig.axes
    assert left.get_title() == "PCA map, coloured by KMeans cluster"
    assert right.get_title() == "PCA map, coloured by true label"
    assert left.get_xlabel() == "PCA 1" and left.get_ylabel() == "PCA 2"
    assert "noise (3)" in [t.get_text() for t in left.get_legend().get_texts()]
    assert sorted(t.get_text() for t in right.get_legend().get_texts()) == sorted(TOPICS)

    def colour_of_points(ax):
        colours = {}
        for collection in ax.collections:
            rgba = tuple(np.round(collection.get_facecolor()[0], 3))
            for x, y in collection.get_offsets():
                colours[(round(float(x), 5), round(float(y), 5))] = rgba
        return colours

    left_colours, right_colours = colour_of_points(left), colour_of_points(right)
    kept = [(round(float(x), 5), round(float(y), 5)) for x, y in coords[3:]]
    assert all(left_colours[p] == right_colours[p] for p in kept)


def test_plot_clusters_2d_without_labels_and_bad_input(X, no_show):
    coords = gh.project_2d(X, "pca")
    fig = gh.plot_clusters_2d(coords, np.zeros(len(X), dtype=int))
    assert len(fig.axes) == 1
    _, axes = plt.subplots(1, 2)
    assert (
        gh.plot_clusters_2d(coords, np.zeros(len(X), dtype=int), ["a"] * len(X), axes=axes)
        is axes[0].figure
    )
    with pytest.raises(ValueError, match="shape \\(n, 2\\)"):
        gh.plot_clusters_2d(X, np.zeros(len(X), dtype=int))
    with pytest.raises(ValueError, match="cluster labels for"):
        gh.plot_clusters_2d(coords, [0, 1])


# --- naming clusters ------------------------------------------------------------------------

TOY_TEXTS = [
    "apple banana smoothie",
    "banana apple pie",
    "fresh apple juice",
    "rocket launch orbit",
    "orbit of the rocket",
    "the moon and the rocket",
]
TOY_CLUSTERS = np.array([0, 0, 0, 1, 1, 1])


def test_cluster_keywords_c_tf_idf():
    table = gh.cluster_keywords(TOY_TEXTS, TOY_CLUSTERS, top_n=2)
    assert list(table["cluster"]) == [0, 1] and list(table["size"]) == [3, 3]
    assert table.loc[0, "top terms"] == "apple, banana"
    assert table.loc[1, "top terms"] == "rocket, orbit"
    assert "the" not in table.loc[1, "top terms"]  # English stop words are dropped
    # c-TF-IDF by hand for 'apple' in cluster 0: tf = 3/8 words; A = 14/2 words; f = 3.
    words0 = ["apple", "banana", "smoothie", "banana", "apple", "pie", "fresh", "apple", "juice"]
    tf = words0.count("apple") / len(words0)
    assert tf * np.log1p((14 / 2) / 3) > 0


def test_cluster_keywords_weights_match_the_formula():
    from sklearn.feature_extraction.text import CountVectorizer

    docs = [" ".join(TOY_TEXTS[:3]), " ".join(TOY_TEXTS[3:])]
    vectorizer = CountVectorizer(stop_words="english")
    counts = vectorizer.fit_transform(docs).toarray().astype(float)
    weights = (
        counts / counts.sum(axis=1, keepdims=True) * np.log1p(counts.sum() / 2 / counts.sum(axis=0))
    )
    terms = vectorizer.get_feature_names_out()
    expected = [", ".join(terms[np.lexsort((terms, -row))][:3]) for row in weights]
    assert gh.cluster_keywords(TOY_TEXTS, TOY_CLUSTERS, top_n=3)["top terms"].tolist() == expected


@pytest.mark.parametrize(
    "texts, clusters, kwargs, error, match",
    [
        ([], [], {}, ValueError, "texts is empty"),
        (TOY_TEXTS, [0, 1], {}, ValueError, "2 cluster labels for 6 texts"),
        (TOY_TEXTS, TOY_CLUSTERS, {"top_n": 0}, ValueError, "top_n"),
        (["the and of", "is it a"], [0, 1], {}, ValueError, "stop words"),
        (["fine", None], [0, 1], {}, TypeError, "position 1"),
    ],
)
def test_cluster_keywords_bad_input(texts, clusters, kwargs, error, match):
    with pytest.raises(error, match=match):
        gh.cluster_keywords(texts, clusters, **kwargs)


def test_cluster_summary(model, module_cache_dir):
    texts = TOY_TEXTS + ["a rocket reaches orbit", "tomato soup recipe"]
    embeddings = gh.encode(model, texts)
    clusters = np.array([0, 0, 0, 1, 1, 1, 1, -1])
    truth = ["fruit", "fruit", "space", "space", "space", "space", "space", "food"]
    table = gh.cluster_summary(texts, embeddings, clusters, truth, top_n=3)
    assert list(table["cluster"]) == [0, 1, -1]
    for _, row in table[table["cluster"] != -1].iterrows():
        members = np.flatnonzero(clusters == row["cluster"])
        centroid = embeddings[members].mean(axis=0)
        best = members[np.argmax(embeddings[members] @ centroid)]
        assert row["most central text"] == texts[best]
    assert table.set_index("cluster").loc[-1, "most central text"] == ""
    assert table.loc[0, "most common label"] == "fruit" and table.loc[
        0, "label share"
    ] == pytest.approx(0.667)
    assert table.loc[1, "most common label"] == "space" and table.loc[1, "label share"] == 1.0
    plain = gh.cluster_summary(texts, embeddings, clusters)
    assert "most common label" not in plain.columns
    with pytest.raises(ValueError, match="8 texts but 5 embeddings"):
        gh.cluster_summary(texts, embeddings[:5], clusters)
