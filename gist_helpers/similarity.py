"""Comparing texts by their embeddings: cosine matrices, top-k, paraphrase mining. Notebook 03.

The scoring itself is ``sentence_transformers.util`` (``cos_sim``, ``semantic_search``,
``paraphrase_mining_embeddings``); these helpers validate the input, encode through the
cache (:func:`gist_helpers.encode`) and return labelled, rounded tables that name the model.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.util import cos_sim, paraphrase_mining_embeddings, semantic_search

from .encoding import check_texts, encode
from .model import model_info

__all__ = [
    "cosine_vs_dot",
    "mine_paraphrases",
    "plot_similarity_heatmap",
    "similarity_matrix",
    "similarity_table",
    "top_k",
]

DECIMALS = 4
HEATMAP_CMAP = "viridis"  # perceptually uniform and colour-blind safe


def similarity_matrix(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Cosine similarity of every row of ``a`` with every row of ``b`` (``a`` itself if None).

    Returns a float32 array of shape (len(a), len(b)), computed by
    ``sentence_transformers.util.cos_sim``. Taught in notebook 03.
    """
    first = _check_embeddings(a, "a")
    second = first if b is None else _check_embeddings(b, "b")
    if first.shape[1] != second.shape[1]:
        raise ValueError(
            f"a has {first.shape[1]}-dimensional rows but b has {second.shape[1]}; "
            "embed both with the same model."
        )
    return cos_sim(torch.from_numpy(first), torch.from_numpy(second)).numpy().astype(np.float32)


def similarity_table(
    model: SentenceTransformer,
    texts: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    decimals: int = DECIMALS,
) -> pd.DataFrame:
    """Encode ``texts`` and return their cosine matrix as a labelled, rounded DataFrame.

    Rows and columns are ``labels`` (default: the texts, shortened); the corner of the
    table (``columns.name``) and ``attrs["model"]`` name the model. Taught in notebook 03.
    """
    items = check_texts(texts)
    if not items:
        raise ValueError("texts is empty; pass at least one text to compare.")
    names = _labels(items, labels)
    matrix = similarity_matrix(encode(model, items))
    frame = pd.DataFrame(matrix.astype(np.float64).round(decimals), index=names, columns=names)
    model_id = model_info(model).model_id
    frame.columns.name = f"cosine · {model_id}"
    frame.attrs["model"] = model_id
    return frame


def top_k(
    model: SentenceTransformer,
    queries: str | Sequence[str],
    corpus: Sequence[str],
    *,
    k: int = 5,
) -> pd.DataFrame:
    """The ``k`` corpus texts most similar to each query, by cosine similarity.

    Returns one row per hit: query, rank (1 = best), corpus id (position in ``corpus``),
    text, cosine (rounded) and model. Uses ``sentence_transformers.util.semantic_search``.
    Taught in notebook 03.
    """
    query_list = check_texts(queries)
    documents = check_texts(corpus)
    if not query_list:
        raise ValueError("queries is empty; pass at least one query text.")
    if not documents:
        raise ValueError("corpus is empty; pass at least one text to search.")
    _check_k(k, len(documents), "corpus")
    hits = semantic_search(
        torch.from_numpy(encode(model, query_list)),
        torch.from_numpy(encode(model, documents)),
        top_k=k,
    )
    model_id = model_info(model).model_id
    rows = []
    for query, found in zip(query_list, hits):
        # Equal scores go in corpus order: the table never depends on torch.topk's tie order.
        found = sorted(found, key=lambda hit: (-round(hit["score"], 6), hit["corpus_id"]))
        for rank, hit in enumerate(found, start=1):
            rows.append(
                {
                    "query": query,
                    "rank": rank,
                    "corpus id": int(hit["corpus_id"]),
                    "text": documents[hit["corpus_id"]],
                    "cosine": round(float(hit["score"]), DECIMALS),
                    "model": model_id,
                }
            )
    return pd.DataFrame(rows)


def mine_paraphrases(
    model: SentenceTransformer,
    texts: Sequence[str],
    *,
    top_n: int = 10,
    min_score: float | None = None,
) -> pd.DataFrame:
    """The ``top_n`` most similar pairs among ``texts`` (each pair once, never a text with itself).

    Returns rows with cosine (rounded), the two texts, their positions ``i`` < ``j`` and
    the model, best first; ``min_score`` drops weaker pairs. Uses
    ``sentence_transformers.util.paraphrase_mining_embeddings``. Taught in notebook 03.
    """
    items = check_texts(texts)
    if len(items) < 2:
        raise ValueError(f"paraphrase mining needs at least 2 texts, got {len(items)}.")
    if not isinstance(top_n, (int, np.integer)) or isinstance(top_n, bool) or top_n < 1:
        raise ValueError(f"top_n must be a positive integer, got {top_n!r}.")
    if min_score is not None and not -1.0 <= float(min_score) <= 1.0:
        raise ValueError(f"min_score must lie between -1 and 1 (a cosine), got {min_score!r}.")
    embeddings = torch.from_numpy(encode(model, items))
    # sentence-transformers before 6 counts a pair once per direction in max_pairs; asking
    # for twice as many (and keeping top_n below) gives the same pairs with either version.
    pairs = paraphrase_mining_embeddings(
        embeddings, max_pairs=2 * int(top_n) + 2, top_k=min(max(100, int(top_n)), len(items) - 1)
    )
    model_id = model_info(model).model_id
    rows = [
        {
            "cosine": round(float(score), DECIMALS),
            "text a": items[i],
            "text b": items[j],
            "i": int(i),
            "j": int(j),
            "model": model_id,
        }
        for score, i, j in pairs
        if min_score is None or score >= min_score
    ]
    columns = ["cosine", "text a", "text b", "i", "j", "model"]
    table = pd.DataFrame(rows, columns=columns)
    table = table.sort_values(
        ["cosine", "i", "j"], ascending=[False, True, True], ignore_index=True
    )
    return table.head(int(top_n))


def cosine_vs_dot(
    model: SentenceTransformer,
    texts: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    lengths: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Cosine similarity and dot product of every pair of ``texts``, side by side.

    The embeddings are unit length, so the two columns agree; ``lengths`` rescales each
    embedding to the given length first (direction kept) to show that cosine ignores
    length and the dot product does not. Returns one row per pair. Taught in notebook 03.
    """
    items = check_texts(texts)
    if len(items) < 2:
        raise ValueError(f"comparing pairs needs at least 2 texts, got {len(items)}.")
    names = _labels(items, labels)
    vectors = encode(model, items).astype(np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    if lengths is not None:
        scale = np.asarray(lengths, dtype=np.float64)
        if scale.shape != (len(items),):
            raise ValueError(
                f"lengths has {scale.size} value(s) for {len(items)} texts; give one per text."
            )
        bad = np.flatnonzero(~(scale > 0) | ~np.isfinite(scale))
        if bad.size:
            raise ValueError(
                f"lengths[{int(bad[0])}] = {scale[bad[0]]!r}; lengths must be positive numbers."
            )
        vectors *= scale[:, None]
    cosine = similarity_matrix(vectors.astype(np.float32)).astype(np.float64)
    dot = vectors @ vectors.T
    norms = np.linalg.norm(vectors, axis=1)
    model_id = model_info(model).model_id
    rows = [
        {
            "a": names[i],
            "b": names[j],
            "length a": round(float(norms[i]), DECIMALS),
            "length b": round(float(norms[j]), DECIMALS),
            "cosine": round(float(cosine[i, j]), DECIMALS),
            "dot product": round(float(dot[i, j]), DECIMALS),
            "model": model_id,
        }
        for i in range(len(items))
        for j in range(i + 1, len(items))
    ]
    return pd.DataFrame(rows)


def plot_similarity_heatmap(
    matrix: pd.DataFrame | np.ndarray,
    *,
    labels: Sequence[str] | None = None,
    title: str | None = None,
    annotate: bool | None = None,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """A labelled heatmap of a similarity matrix (e.g. from :func:`similarity_table`).

    Returns the matplotlib Axes; annotates the cells with their values when the matrix
    is small (at most 12 rows) unless ``annotate`` says otherwise. Taught in notebook 03.
    """
    if isinstance(matrix, pd.DataFrame):
        values = matrix.to_numpy(dtype=np.float64)
        rows = [_short(str(x)) for x in matrix.index] if labels is None else list(labels)
        cols = [_short(str(x)) for x in matrix.columns] if labels is None else list(labels)
        model_id = matrix.attrs.get("model")
    else:
        values = np.asarray(matrix, dtype=np.float64)
        rows = cols = [str(i) for i in range(values.shape[0])] if labels is None else list(labels)
        model_id = None
    if values.ndim != 2 or values.size == 0:
        raise ValueError(f"matrix must be a non-empty 2-D table, got shape {values.shape}.")
    if len(rows) != values.shape[0] or len(cols) != values.shape[1]:
        raise ValueError(
            f"{len(rows)} labels for a {values.shape[0]}×{values.shape[1]} matrix; "
            "give one label per row."
        )
    if np.isnan(values).any():
        raise ValueError("matrix contains NaN; compute it from finite embeddings.")
    n = max(values.shape)
    annotate = n <= 12 if annotate is None else annotate
    if ax is None:
        side = min(12.0, 3.0 + 0.45 * n)
        _, ax = plt.subplots(figsize=(side + 1.5, side))
    sns.heatmap(
        values,
        ax=ax,
        cmap=HEATMAP_CMAP,
        vmin=min(0.0, float(values.min())),
        vmax=1.0,
        square=True,
        annot=annotate,
        fmt=".2f",
        annot_kws={"fontsize": 8},
        xticklabels=cols,
        yticklabels=rows,
        cbar_kws={"label": "cosine similarity", "shrink": 0.8},
    )
    ax.tick_params(axis="x", labelrotation=90, labelsize=8)
    ax.tick_params(axis="y", labelrotation=0, labelsize=8)
    heading = title or "Cosine similarity between texts"
    ax.set_title(heading + (f"\n{model_id}" if model_id else ""), fontsize=10)
    return ax


# --- helpers ---------------------------------------------------------------------------


def _check_embeddings(array, name: str) -> np.ndarray:
    if isinstance(array, torch.Tensor):
        array = array.detach().cpu().numpy()
    values = np.asarray(array)
    if values.dtype == object or not np.issubdtype(values.dtype, np.number):
        raise TypeError(f"{name} must be a numeric array of embeddings, got dtype {values.dtype}.")
    if values.ndim == 1:
        values = values[None, :]
    if values.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (texts × dimensions), got shape {values.shape}."
        )
    if values.shape[0] == 0:
        raise ValueError(f"{name} is empty (no embeddings); encode at least one text.")
    bad = np.flatnonzero(~np.isfinite(values).all(axis=1))
    if bad.size:
        raise ValueError(f"{name} row {int(bad[0])} contains NaN or inf; re-encode that text.")
    return np.ascontiguousarray(values, dtype=np.float32)


def _check_k(k, n: int, what: str) -> None:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}.")
    if k > n:
        raise ValueError(f"k={k} is larger than the {what} ({n} texts); use k <= {n}.")


def _labels(items: list[str], labels: Sequence[str] | None) -> list[str]:
    if labels is None:
        return [_short(t) for t in items]
    names = [str(x) for x in labels]
    if len(names) != len(items):
        raise ValueError(f"{len(names)} labels for {len(items)} texts; give one label per text.")
    return names


def _short(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
