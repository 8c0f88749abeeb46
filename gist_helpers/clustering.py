"""Clustering embeddings with scikit-learn, measuring it, mapping it, naming it. Notebook 04.

Every algorithm is scikit-learn's own (KMeans, AgglomerativeClustering, HDBSCAN,
MiniBatchKMeans, PCA, t-SNE) with a fixed ``random_state``, so two runs give the same
labels. Metrics against known labels are V-measure (MTEB's clustering score) and the
adjusted Rand index; silhouette needs no labels. Clusters are named by class-based TF-IDF
(c-TF-IDF, as in BERTopic) over scikit-learn's ``CountVectorizer`` counts.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Sequence
from contextlib import nullcontext

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator
from scipy.optimize import linear_sum_assignment
from sentence_transformers import SentenceTransformer
from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans, MiniBatchKMeans
from sklearn.decomposition import PCA
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.manifold import TSNE
from sklearn.metrics import adjusted_rand_score, silhouette_score, v_measure_score
from threadpoolctl import threadpool_limits

from .encoding import check_texts, encode
from .model import model_info

__all__ = [
    "CLUSTERING_METHODS",
    "MTEB_CLUSTERING_BATCH_SIZE",
    "cluster_embeddings",
    "cluster_keywords",
    "cluster_summary",
    "clustering_report",
    "clustering_scores",
    "k_sweep",
    "mteb_clustering_score",
    "plot_clusters_2d",
    "plot_k_sweep",
    "project_2d",
    "run_clusterings",
    "umap_available",
]

CLUSTERING_METHODS = ("kmeans", "agglomerative", "hdbscan", "minibatch-kmeans")
# MTEB's ClusteringEvaluator default (``clustering_batch_size=500``) for MiniBatchKMeans.
MTEB_CLUSTERING_BATCH_SIZE = 500
DECIMALS = 4
PALETTE = "colorblind"
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
NOISE = -1
# Below this many texts, one thread is faster than several (thread start-up dominates) and
# is not slowed down by other processes competing for the cores.
SINGLE_THREAD_BELOW = 5000


# --- clustering --------------------------------------------------------------------------


def cluster_embeddings(
    embeddings: np.ndarray,
    method: str = "kmeans",
    n_clusters: int | None = None,
    *,
    random_state: int = 0,
    min_cluster_size: int = 10,
    min_samples: int | None = 3,
    hdbscan_dims: int | None = 10,
) -> np.ndarray:
    """Cluster ``embeddings`` with one scikit-learn method; returns an int label per row.

    ``kmeans`` (10 restarts), ``agglomerative`` (Ward linkage: on unit vectors Euclidean
    distance ranks pairs as cosine does) and ``minibatch-kmeans`` need ``n_clusters``.
    ``hdbscan`` finds its own number and labels outliers -1 (noise); it runs on a PCA
    reduction to ``hdbscan_dims`` dimensions (None: the raw embeddings). Notebook 04.
    """
    X = _check_embeddings(embeddings)
    if method not in CLUSTERING_METHODS:
        raise ValueError(f"method={method!r} is not known; use one of {list(CLUSTERING_METHODS)}.")
    if method == "hdbscan":
        if not isinstance(min_cluster_size, (int, np.integer)) or min_cluster_size < 2:
            raise ValueError(
                f"min_cluster_size must be an integer of at least 2, got {min_cluster_size!r}."
            )
        if len(X) < min_cluster_size:
            raise ValueError(
                f"HDBSCAN with min_cluster_size={min_cluster_size} needs at least that many texts, "
                f"got {len(X)}; lower min_cluster_size."
            )
        with _threads(len(X)):
            if hdbscan_dims is not None and hdbscan_dims < min(X.shape):
                X = PCA(n_components=hdbscan_dims, random_state=random_state).fit_transform(X)
            model = HDBSCAN(
                min_cluster_size=int(min_cluster_size), min_samples=min_samples, copy=True
            )
            return model.fit_predict(X).astype(np.int64)
    k = _check_k(n_clusters, len(X))
    if method == "kmeans":
        model = KMeans(n_clusters=k, n_init=10, random_state=random_state)
    elif method == "minibatch-kmeans":
        model = MiniBatchKMeans(
            n_clusters=k,
            batch_size=MTEB_CLUSTERING_BATCH_SIZE,
            n_init="auto",
            random_state=random_state,
        )
    else:
        model = AgglomerativeClustering(n_clusters=k, linkage="ward")
    with _threads(len(X)):
        return model.fit_predict(X).astype(np.int64)


def run_clusterings(
    embeddings: np.ndarray,
    n_clusters: int,
    methods: Iterable[str] = ("kmeans", "agglomerative", "hdbscan"),
    *,
    random_state: int = 0,
    **options,
) -> dict[str, np.ndarray]:
    """Run several methods of :func:`cluster_embeddings` on the same embeddings.

    Returns ``{method: labels}`` in the order given; ``options`` (e.g. min_cluster_size)
    go to :func:`cluster_embeddings`. Feed the result to :func:`clustering_report`. Notebook 04.
    """
    names = list(methods)
    if not names:
        raise ValueError(f"methods is empty; pass some of {list(CLUSTERING_METHODS)}.")
    return {
        name: cluster_embeddings(embeddings, name, n_clusters, random_state=random_state, **options)
        for name in names
    }


# --- measuring ---------------------------------------------------------------------------


def clustering_scores(
    embeddings: np.ndarray, true_labels: Sequence, predicted: Sequence[int]
) -> dict[str, float]:
    """V-measure and adjusted Rand index against ``true_labels``, and the cosine silhouette.

    Returns unrounded floats plus the number of clusters and of noise points (label -1,
    which V-measure and ARI count as one more cluster and silhouette leaves out;
    silhouette is NaN with fewer than 2 clusters). Notebook 04.
    """
    X = _check_embeddings(embeddings)
    truth = _check_true_labels(true_labels, len(X))
    pred = _check_predicted(predicted, len(X))
    kept = pred != NOISE
    found = np.unique(pred[kept])
    silhouette = np.nan
    if 2 <= found.size <= kept.sum() - 1:
        silhouette = float(silhouette_score(X[kept], pred[kept], metric="cosine"))
    return {
        "clusters": int(found.size),
        "noise": int((~kept).sum()),
        "v_measure": float(v_measure_score(truth, pred)),
        "ari": float(adjusted_rand_score(truth, pred)),
        "silhouette": silhouette,
    }


def clustering_report(
    model: SentenceTransformer | str,
    embeddings: np.ndarray,
    true_labels: Sequence,
    assignments: dict[str, Sequence[int]],
) -> pd.DataFrame:
    """One row per clustering in ``assignments`` (e.g. from :func:`run_clusterings`).

    Columns: method, clusters found, noise points, V-measure, adjusted Rand, silhouette
    (rounded to 4 decimals) and the model id (``model`` may be the loaded model or its id).
    Notebook 04.
    """
    if not assignments:
        raise ValueError("assignments is empty; pass {method: labels}, e.g. from run_clusterings.")
    model_id = model if isinstance(model, str) else model_info(model).model_id
    rows = []
    for method, predicted in assignments.items():
        scores = clustering_scores(embeddings, true_labels, predicted)
        rows.append(
            {
                "method": method,
                "clusters": scores["clusters"],
                "noise": scores["noise"],
                "V-measure": round(scores["v_measure"], DECIMALS),
                "adjusted Rand": round(scores["ari"], DECIMALS),
                "silhouette": round(scores["silhouette"], DECIMALS),
                "model": model_id,
            }
        )
    return pd.DataFrame(rows)


def k_sweep(
    embeddings: np.ndarray, k_values: Iterable[int] = range(2, 21), *, random_state: int = 0
) -> pd.DataFrame:
    """KMeans (3 restarts) for each k: inertia for the elbow and cosine silhouette; no labels.

    Returns one row per k with k, inertia and silhouette (rounded to 4 decimals); plot it
    with :func:`plot_k_sweep`. Notebook 04.
    """
    X = _check_embeddings(embeddings)
    ks = [_check_k(k, len(X)) for k in k_values]
    if not ks:
        raise ValueError(
            "k_values is empty; pass the numbers of clusters to try, e.g. range(2, 21)."
        )
    if max(ks) > len(X) - 1:
        raise ValueError(
            f"silhouette needs k <= {len(X) - 1} for {len(X)} texts; lower the largest k."
        )
    rows = []
    with _threads(len(X)):
        for k in ks:
            fitted = KMeans(n_clusters=k, n_init=3, random_state=random_state).fit(X)
            silhouette = silhouette_score(X, fitted.labels_, metric="cosine")
            rows.append(
                {
                    "k": k,
                    "inertia": round(float(fitted.inertia_), DECIMALS),
                    "silhouette": round(float(silhouette), DECIMALS),
                }
            )
    return pd.DataFrame(rows)


def mteb_clustering_score(
    model: SentenceTransformer,
    texts: Sequence[str],
    labels: Sequence,
    *,
    batch_size: int = MTEB_CLUSTERING_BATCH_SIZE,
    random_state: int = 0,
) -> pd.DataFrame:
    """V-measure by MTEB's clustering protocol: MiniBatchKMeans with k = number of labels.

    Embeds with the model's own ``encode`` (no extra normalisation), fits
    ``MiniBatchKMeans(n_clusters=len(set(labels)), batch_size=500, n_init="auto")`` and
    scores V-measure against ``labels``. Published MTEB scores repeat this over several
    (sub-sampled) sets of a task and average them, times 100; this is one set. Notebook 04.
    """
    items = check_texts(texts)
    if not items:
        raise ValueError("texts is empty; the clustering protocol needs a corpus.")
    truth = _check_true_labels(labels, len(items))
    k = int(np.unique(truth).size)
    if k > len(items):
        raise ValueError(f"{k} distinct labels for {len(items)} texts; each cluster needs a text.")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    X = encode(model, items, normalize=False)
    fitted = MiniBatchKMeans(
        n_clusters=k, batch_size=int(batch_size), n_init="auto", random_state=random_state
    )
    with _threads(len(X)):
        predicted = fitted.fit(X).labels_
    v = float(v_measure_score(truth, predicted))
    return pd.DataFrame(
        [
            {
                "model": model_info(model).model_id,
                "texts": len(items),
                "k (labels)": k,
                "batch size": int(batch_size),
                "random_state": random_state,
                "V-measure": round(v, DECIMALS),
                "V-measure ×100": round(100 * v, 2),
            }
        ]
    )


# --- maps ----------------------------------------------------------------------------------


def umap_available() -> bool:
    """True if ``umap-learn`` is installed (``project_2d(..., "umap")`` needs it). Notebook 04."""
    return importlib.util.find_spec("umap") is not None


def project_2d(
    embeddings: np.ndarray,
    method: str = "pca",
    *,
    random_state: int = 0,
    perplexity: float = 30.0,
) -> np.ndarray:
    """Project ``embeddings`` to 2-D for a map: ``"pca"``, ``"tsne"`` or ``"umap"`` (if installed).

    Returns an (n, 2) float array. PCA keeps global distances; t-SNE (cosine metric,
    PCA start) and UMAP keep neighbourhoods, not distances between far clusters. Notebook 04.
    """
    X = _check_embeddings(embeddings)
    if len(X) < 3:
        raise ValueError(f"a 2-D map needs at least 3 texts, got {len(X)}.")
    if method == "pca":
        with _threads(len(X)):
            return PCA(n_components=2, random_state=random_state).fit_transform(X)
    if method == "tsne":
        if not 0 < perplexity < len(X):
            raise ValueError(
                f"perplexity must be between 0 and the number of texts ({len(X)}), "
                f"got {perplexity}."
            )
        tsne = TSNE(
            n_components=2,
            perplexity=perplexity,
            metric="cosine",
            init="pca",
            random_state=random_state,
        )
        with _threads(len(X)):
            return tsne.fit_transform(X)
    if method == "umap":
        if not umap_available():
            raise ImportError("UMAP maps need the umap-learn package: pip install umap-learn")
        import umap

        reducer = umap.UMAP(n_components=2, metric="cosine", random_state=random_state)
        return np.asarray(reducer.fit_transform(X))
    raise ValueError(f"method={method!r} is not known; use 'pca', 'tsne' or 'umap'.")


def plot_clusters_2d(
    coords: np.ndarray,
    clusters: Sequence[int],
    true_labels: Sequence | None = None,
    *,
    projection: str = "PCA",
    method: str = "KMeans",
    axes: Sequence[plt.Axes] | None = None,
) -> plt.Figure:
    """A 2-D map coloured by cluster and, beside it, by true label (if given).

    ``coords`` come from :func:`project_2d`; noise points (-1) are small black crosses.
    Each cluster takes the colour of the true label it overlaps most, so the panels compare
    at a glance; past 10 groups colours repeat with other marker shapes.
    Returns the matplotlib Figure. Notebook 04.
    """
    points = np.asarray(coords, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(f"coords must have shape (n, 2), got {points.shape}; use project_2d.")
    pred = _check_predicted(clusters, len(points))
    panels = [(pred, f"coloured by {method} cluster", "cluster")]
    if true_labels is not None:
        panels.append(
            (
                np.asarray(_check_labels_list(true_labels, len(points)), dtype=object),
                "coloured by true label",
                "label",
            )
        )
    if axes is None:
        fig, axes = plt.subplots(
            1, len(panels), figsize=(6.2 * len(panels), 5.2), layout="constrained"
        )
        axes = np.atleast_1d(axes)
    else:
        axes = np.atleast_1d(np.asarray(axes, dtype=object))
        if len(axes) < len(panels):
            raise ValueError(f"{len(panels)} panels need {len(panels)} axes, got {len(axes)}.")
        fig = axes[0].figure
    colours = sns.color_palette(PALETTE)
    for ax, (groups, subtitle, legend_title) in zip(axes, panels):
        levels = sorted(set(groups.tolist()), key=_level_key)
        slots = (
            _colour_slots(pred, panels[1][0])
            if legend_title == "cluster" and len(panels) > 1
            else {}
        )
        free = iter(i for i in range(len(levels) + len(colours)) if i not in set(slots.values()))
        for level in levels:
            mask = groups == level
            if legend_title == "cluster" and level == NOISE:
                ax.scatter(
                    *points[mask].T,
                    s=10,
                    marker="x",
                    color="black",
                    alpha=0.4,
                    linewidths=0.8,
                    label=f"noise ({int(mask.sum())})",
                )
                continue
            slot = slots[level] if level in slots else next(free)
            ax.scatter(
                *points[mask].T,
                s=18,
                color=colours[slot % len(colours)],
                marker=MARKERS[(slot // len(colours)) % len(MARKERS)],
                alpha=0.85,
                linewidths=0,
                label=str(level),
            )
        ax.set_title(f"{projection} map, {subtitle}", fontsize=10)
        ax.set_xlabel(f"{projection} 1")
        ax.set_ylabel(f"{projection} 2")
        ax.legend(
            title=legend_title,
            fontsize=7,
            title_fontsize=8,
            markerscale=1.2,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            frameon=False,
        )
    return fig


def plot_k_sweep(
    sweep: pd.DataFrame, *, true_k: int | None = None, axes: Sequence[plt.Axes] | None = None
) -> plt.Figure:
    """Elbow (inertia) and silhouette against k, side by side, from :func:`k_sweep`.

    Marks the k with the best silhouette and, if given, the true number of topics.
    Returns the matplotlib Figure. Notebook 04.
    """
    missing = {"k", "inertia", "silhouette"} - set(getattr(sweep, "columns", []))
    if missing:
        raise ValueError(f"sweep lacks column(s) {sorted(missing)}; pass the table from k_sweep.")
    if len(sweep) == 0:
        raise ValueError("sweep is empty; run k_sweep over at least one k.")
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    else:
        fig = axes[0].figure
    colours = sns.color_palette(PALETTE)
    best = sweep.loc[sweep["silhouette"].idxmax()]
    for ax, column, label in (
        (axes[0], "inertia", "inertia (within-cluster sum of squares)"),
        (axes[1], "silhouette", "mean silhouette (cosine)"),
    ):
        ax.plot(sweep["k"], sweep[column], marker="o", color=colours[0], label=column)
        if true_k is not None:
            ax.axvline(
                true_k, color=colours[1], linestyle="--", label=f"true number of topics ({true_k})"
            )
        ax.set_xlabel("number of clusters k")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[1].scatter(
        [best["k"]],
        [best["silhouette"]],
        s=120,
        facecolors="none",
        edgecolors=colours[2],
        linewidths=2,
        zorder=3,
        label=f"best silhouette (k={int(best['k'])})",
    )
    axes[0].set_title("Elbow: KMeans inertia by k (look for a bend)", fontsize=10)
    axes[1].set_title("Silhouette by k (higher is better)", fontsize=10)
    for ax in axes:
        ax.legend(fontsize=8, frameon=False)
    return fig


# --- naming clusters ---------------------------------------------------------------------


def cluster_keywords(
    texts: Sequence[str], clusters: Sequence[int], *, top_n: int = 6
) -> pd.DataFrame:
    """The ``top_n`` most distinctive words of each cluster, by class-based TF-IDF.

    All texts of a cluster form one document; a word scores tf(word, cluster) ×
    log(1 + A / f(word)), with A the average number of words per cluster and f the word's
    count over all clusters (BERTopic's c-TF-IDF). Returns cluster, size, top terms. Notebook 04.
    """
    items = check_texts(texts)
    if not items:
        raise ValueError("texts is empty; naming clusters needs the clustered texts.")
    pred = _check_predicted(clusters, len(items))
    if not isinstance(top_n, (int, np.integer)) or top_n < 1:
        raise ValueError(f"top_n must be a positive integer, got {top_n!r}.")
    levels = sorted(set(pred.tolist()), key=_level_key)
    documents = [" ".join(t for t, c in zip(items, pred) if c == level) for level in levels]
    vectorizer = CountVectorizer(stop_words="english", lowercase=True)
    try:
        counts = vectorizer.fit_transform(documents).toarray().astype(np.float64)
    except ValueError:
        raise ValueError(
            "the texts contain no words besides English stop words; nothing to name clusters by."
        ) from None
    terms = vectorizer.get_feature_names_out()
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    average_words = counts.sum() / len(levels)
    idf = np.log1p(average_words / counts.sum(axis=0))
    weights = tf * idf
    rows = []
    for row, level in enumerate(levels):
        order = np.lexsort((terms, -weights[row]))  # highest weight first, ties alphabetically
        best = [terms[i] for i in order[:top_n] if weights[row, i] > 0]
        rows.append(
            {"cluster": level, "size": int((pred == level).sum()), "top terms": ", ".join(best)}
        )
    return pd.DataFrame(rows)


def cluster_summary(
    texts: Sequence[str],
    embeddings: np.ndarray,
    clusters: Sequence[int],
    true_labels: Sequence | None = None,
    *,
    top_n: int = 6,
) -> pd.DataFrame:
    """One row per cluster: size, top terms (c-TF-IDF), the text nearest its centroid.

    With ``true_labels``, also the most common true label and its share of the cluster.
    The centroid is the mean of the cluster's unit-length embeddings; "nearest" is by
    cosine. Noise (-1) gets keywords but no central text. Notebook 04.
    """
    items = check_texts(texts)
    X = _check_embeddings(embeddings)
    if len(items) != len(X):
        raise ValueError(
            f"{len(items)} texts but {len(X)} embeddings; give one embedding per text."
        )
    pred = _check_predicted(clusters, len(X))
    truth = (
        None
        if true_labels is None
        else np.asarray(_check_labels_list(true_labels, len(X)), dtype=object)
    )
    table = cluster_keywords(items, pred, top_n=top_n)
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    central, majority, share = [], [], []
    for level in table["cluster"]:
        members = np.flatnonzero(pred == level)
        if level == NOISE:
            central.append("")
        else:
            centroid = unit[members].mean(axis=0)
            central.append(items[members[int(np.argmax(unit[members] @ centroid))]])
        if truth is not None:
            values, counts = np.unique(truth[members].astype(str), return_counts=True)
            best = int(
                np.argmax(counts)
            )  # np.unique sorts, so ties go to the first label alphabetically
            majority.append(values[best])
            share.append(round(counts[best] / len(members), 3))
    table["most central text"] = central
    if truth is not None:
        table["most common label"] = majority
        table["label share"] = share
    return table


# --- validation ---------------------------------------------------------------------------


def _check_embeddings(embeddings) -> np.ndarray:
    if embeddings is None:
        raise TypeError("embeddings is None; pass the array from gh.encode.")
    X = np.asarray(embeddings)
    if X.dtype == object or not np.issubdtype(X.dtype, np.number):
        raise TypeError(
            f"embeddings must be a numeric array (texts × dimensions), got dtype {X.dtype}."
        )
    if X.ndim != 2:
        raise ValueError(f"embeddings must be 2-D (texts × dimensions), got shape {X.shape}.")
    if X.shape[0] == 0:
        raise ValueError("embeddings is empty: the corpus has no texts; encode at least 2 texts.")
    bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
    if bad.size:
        raise ValueError(f"embeddings row {int(bad[0])} contains NaN or inf; re-encode that text.")
    return np.ascontiguousarray(X, dtype=np.float32)


def _check_k(k, n: int) -> int:
    if k is None:
        raise ValueError("n_clusters is required for this method; pass the number of clusters k.")
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise TypeError(f"the number of clusters must be an integer, got {k!r}.")
    if k < 2:
        raise ValueError(f"the number of clusters must be at least 2, got {k}.")
    if k > n:
        raise ValueError(f"k={k} clusters is more than the {n} texts to cluster; use k <= {n}.")
    return int(k)


def _check_labels_list(labels, n: int) -> list:
    if labels is None or isinstance(labels, str):
        raise TypeError("labels must be a sequence with one label per text.")
    values = list(labels)
    if len(values) != n:
        raise ValueError(f"{len(values)} labels for {n} texts; give one label per text.")
    for position, value in enumerate(values):
        if value is None or (np.ndim(value) == 0 and pd.isna(value)):
            raise ValueError(
                f"label at position {position} is missing (None/NaN); drop or fill that text."
            )
    return values


def _check_true_labels(labels, n: int) -> np.ndarray:
    values = _check_labels_list(labels, n)
    distinct = sorted(set(map(str, values)))
    if len(distinct) < 2:
        shown = distinct[0] if distinct else ""
        raise ValueError(
            f"true labels have a single value {shown!r}; scoring a clustering against labels "
            "needs at least two different labels."
        )
    return np.asarray([str(v) for v in values], dtype=object)


def _check_predicted(predicted, n: int) -> np.ndarray:
    pred = np.asarray(predicted)
    if pred.ndim != 1 or len(pred) != n:
        raise ValueError(
            f"{len(pred) if pred.ndim else 1} cluster labels for {n} texts; give one per text."
        )
    if not np.issubdtype(pred.dtype, np.integer):
        raise TypeError(
            f"cluster labels must be integers (as clustering returns), got dtype {pred.dtype}."
        )
    return pred.astype(np.int64)


def _threads(n: int):
    """One BLAS/OpenMP thread for small inputs, the library default for large ones."""
    return threadpool_limits(limits=1) if n < SINGLE_THREAD_BELOW else nullcontext()


def _colour_slots(pred: np.ndarray, truth: np.ndarray) -> dict[int, int]:
    """Palette slot per cluster: the slot of the true label it best matches (Hungarian)."""
    clusters = sorted(set(pred.tolist()) - {NOISE})
    labels = sorted(set(truth.tolist()), key=_level_key)
    overlap = np.array([[np.sum((pred == c) & (truth == t)) for t in labels] for c in clusters])
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    return {clusters[r]: int(c) for r, c in zip(rows, cols)}


def _level_key(level):
    if isinstance(level, (int, np.integer)):
        return (int(level) == NOISE, int(level), "")
    return (False, 0, str(level))
