"""Naming clusters: c-TF-IDF top terms and the most central text. Notebook 04.

scikit-learn clusters embeddings but cannot say what a cluster is about. Class-based TF-IDF
(c-TF-IDF, as in BERTopic) joins each cluster's texts into one document and weights each
word by how frequent it is there and how rare across clusters.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer

from . import validation as check

__all__ = ["name_clusters"]

NOISE = -1


def name_clusters(
    texts: Sequence[str],
    embeddings: np.ndarray,
    clusters: Sequence[int],
    true_labels: Sequence | None = None,
    *,
    top_n: int = 6,
) -> pd.DataFrame:
    """One row per cluster: size, its ``top_n`` c-TF-IDF terms, and the text nearest its centroid.

    A word scores tf(word, cluster) × log(1 + A / f(word)), A the mean number of words per
    cluster and f the word's count over all clusters; English stop words are dropped. The
    centroid is the mean of the cluster's unit vectors, "nearest" by cosine; noise (-1) gets
    terms but no central text. With ``true_labels``: each cluster's most common label and
    its share. Notebook 04.
    """
    items = check.texts(texts)
    X = check.matrix(embeddings, "embeddings")
    if len(items) != len(X):
        raise ValueError(
            f"{len(items)} texts but {len(X)} embeddings; give one embedding per text."
        )
    pred = _clusters(clusters, len(X))
    truth = None if true_labels is None else check.labels(true_labels, len(X), "true_labels")
    top_n = check.integer(top_n, "top_n")
    levels = sorted(set(pred.tolist()), key=lambda c: (c == NOISE, c))
    documents = [" ".join(t for t, c in zip(items, pred) if c == level) for level in levels]
    vectorizer = CountVectorizer(stop_words="english")
    try:
        counts = vectorizer.fit_transform(documents).toarray().astype(np.float64)
    except ValueError:
        raise ValueError(
            "texts has no words besides English stop words; nothing to name clusters by."
        ) from None
    terms = vectorizer.get_feature_names_out()
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    weights = tf * np.log1p(counts.sum() / len(levels) / counts.sum(axis=0))
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    unit = X / np.where(norms > 0, norms, 1)
    rows = []
    for row, level in enumerate(levels):
        members = np.flatnonzero(pred == level)
        order = np.lexsort((terms, -weights[row]))  # highest weight first, ties alphabetically
        entry = {
            "cluster": level,
            "size": len(members),
            "top terms": ", ".join(terms[i] for i in order[:top_n] if weights[row, i] > 0),
            "most central text": ""
            if level == NOISE
            else items[members[int(np.argmax(unit[members] @ unit[members].mean(axis=0)))]],
        }
        if truth is not None:
            values, counts_ = np.unique(truth[members].astype(str), return_counts=True)
            best = int(np.argmax(counts_))  # ties: the first label alphabetically
            entry |= {
                "most common label": values[best],
                "label share": round(counts_[best] / len(members), 3),
            }
        rows.append(entry)
    return pd.DataFrame(rows)


def _clusters(values, n: int) -> np.ndarray:
    """Integer cluster labels, one per row (as scikit-learn's fit_predict returns them)."""
    if values is None or isinstance(values, (str, bytes, dict)):
        raise TypeError(
            f"clusters must be a sequence of integer labels, one per row, got {check.describe(values)}."
        )
    pred = np.asarray(values)
    if pred.ndim != 1 or len(pred) != n:
        raise ValueError(
            f"clusters has {pred.size} labels for {n} rows; give one cluster label per row."
        )
    if not np.issubdtype(pred.dtype, np.integer):
        raise TypeError(
            f"clusters must be integer labels (as fit_predict returns), got dtype {pred.dtype}."
        )
    return pred.astype(np.int64)
