"""Turning texts into embeddings, safely and with a cache. Taught in notebook 02."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
from sentence_transformers import SentenceTransformer

try:
    from sentence_transformers.util.quantization import quantize_embeddings
except ImportError:  # sentence-transformers < 5.2
    from sentence_transformers.quantization import quantize_embeddings

from .cache import EmbeddingCache, text_hash
from .model import model_info
from .settings import progress_enabled

__all__ = [
    "PRECISIONS",
    "TruncationWarning",
    "check_texts",
    "count_truncated",
    "encode",
    "quantize",
    "token_counts",
]


PRECISIONS = {"float32": np.float32, "int8": np.int8, "uint8": np.uint8, "binary": np.int8, "ubinary": np.uint8}


class TruncationWarning(UserWarning):
    """Some texts were longer than the model's limit and were cut."""


warnings.simplefilter("always", TruncationWarning)


def encode(
    model: SentenceTransformer,
    texts: Iterable[str] | pd.Series | str,
    *,
    normalize: bool = True,
    batch_size: int = 32,
    cache: bool = True,
    show_progress: bool | None = None,
    precision: str = "float32",
    calibration: np.ndarray | None = None,
) -> np.ndarray:
    """Embed ``texts``: a float32 array of shape (n, dim), L2-normalised by default.

    Texts already embedded by the same model configuration come from the on-disk
    cache (see :mod:`gist_helpers.cache`); texts over the model's token limit are cut,
    as the model does, and counted in one warning. ``precision`` other than float32
    quantises with sentence-transformers' ``quantize_embeddings`` (notebook 06); int8 and
    uint8 take their value ranges from ``calibration`` (float32 embeddings), else from these.
    """
    items = check_texts(texts)
    info = model_info(model)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
    if precision not in PRECISIONS:
        raise ValueError(f"precision={precision!r} is not one of {', '.join(PRECISIONS)}.")
    if not items:
        width = info.dimension // 8 if precision in ("binary", "ubinary") else info.dimension
        return np.zeros((0, width), dtype=PRECISIONS[precision])
    if precision != "float32":
        dense = encode(model, items, normalize=normalize, batch_size=batch_size, cache=cache, show_progress=show_progress)
        return quantize(dense, precision, calibration=calibration)
    unique = list(dict.fromkeys(items))
    hashes = [text_hash(t) for t in unique]
    # A model of unknown origin (source "object") has no identity to key a cache on.
    store = EmbeddingCache(_cache_key(model, normalize)) if cache and info.source != "object" else None
    found, cut = store.get(hashes) if store else ({}, set())
    missing = [(h, t) for h, t in zip(hashes, unique) if h not in found]
    if missing:
        limit = model.max_seq_length
        new_cut = {h for (h, _), n in zip(missing, token_counts(model, [t for _, t in missing])) if n > limit}
        vectors = model.encode(
            [t for _, t in missing],
            batch_size=batch_size,
            normalize_embeddings=normalize,
            convert_to_numpy=True,
            show_progress_bar=progress_enabled(len(missing)) if show_progress is None else show_progress,
        ).astype(np.float32, copy=False)
        found.update(zip((h for h, _ in missing), vectors))
        cut |= new_cut
        if store:
            store.put([h for h, _ in missing], vectors, cut=new_cut)
    by_text = dict(zip(unique, hashes))
    _report_truncation(model, sum(by_text[t] in cut for t in items), len(items))
    return np.stack([found[by_text[t]] for t in items]).astype(np.float32, copy=False)


def quantize(embeddings: np.ndarray, precision: str, *, calibration: np.ndarray | None = None) -> np.ndarray:
    """Quantise float32 embeddings to int8 / uint8 / binary / ubinary (sentence-transformers' code).

    Binary precisions pack 8 dimensions per byte. Notebook 06.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision={precision!r} is not one of {', '.join(PRECISIONS)}.")
    embeddings = np.asarray(embeddings, dtype=np.float32)
    if precision == "float32":
        return embeddings
    if calibration is not None and precision in ("int8", "uint8") and len(calibration) < 2:
        raise ValueError("calibration needs at least two embeddings to estimate value ranges.")
    if calibration is None and precision in ("int8", "uint8") and len(embeddings) < 2:
        raise ValueError(
            f"{precision} needs value ranges: pass calibration= (e.g. the corpus embeddings) "
            "when quantising fewer than two embeddings."
        )
    return quantize_embeddings(embeddings, precision=precision, calibration_embeddings=calibration)


def check_texts(texts: Iterable[str] | pd.Series | str) -> list[str]:
    """Validate input texts and return them as a list; raise naming the offending items."""
    if texts is None:
        raise TypeError("texts is None; pass a list (or pandas Series) of strings.")
    if isinstance(texts, str):
        return [texts]
    if isinstance(texts, pd.Series):
        missing = texts.index[texts.isna()].tolist()
        if missing:
            shown = ", ".join(map(repr, missing[:10])) + (" …" if len(missing) > 10 else "")
            raise ValueError(
                f"{len(missing)} missing value(s) (NaN/None) at row(s) {shown}; "
                "drop them (series.dropna()) or fill them (series.fillna('')) first."
            )
        labels, values = texts.index.tolist(), texts.tolist()
        where = "row"
    elif isinstance(texts, (set, frozenset, dict)):
        raise TypeError(f"texts is a {type(texts).__name__}, which has no fixed order; pass a list.")
    elif isinstance(texts, Iterable):
        values = list(texts)
        labels, where = list(range(len(values))), "position"
    else:
        raise TypeError(f"texts must be a list of strings, got {type(texts).__name__}.")
    for label, value in zip(labels, values):
        if not isinstance(value, str):
            shown = "None" if value is None else f"{type(value).__name__} {value!r:.40}"
            if isinstance(value, float) and math.isnan(value):
                shown = "NaN"
            raise TypeError(f"text at {where} {label!r} is {shown}, not a string.")
    return values


def token_counts(model: SentenceTransformer, texts: Iterable[str]) -> np.ndarray:
    """Number of tokens of each text, special tokens included, before any truncation."""
    items = check_texts(texts)
    if not items:
        return np.zeros(0, dtype=np.int64)
    ids = model.tokenizer(items, add_special_tokens=True, truncation=False, verbose=False)
    return np.array([len(x) for x in ids["input_ids"]], dtype=np.int64)


def count_truncated(model: SentenceTransformer, texts: Iterable[str]) -> int:
    """How many of ``texts`` are longer than the model's limit (and would be cut)."""
    return int((token_counts(model, texts) > model.max_seq_length).sum())


def _report_truncation(model: SentenceTransformer, cut: int, total: int) -> None:
    if cut:
        warnings.warn(
            f"{cut} of {total} texts were cut to {model.max_seq_length} tokens "
            "(the model's limit); only their beginning is embedded.",
            TruncationWarning,
            stacklevel=3,
        )


def _cache_key(model: SentenceTransformer, normalize: bool) -> dict:
    info = model_info(model)
    return {
        "model_id": info.model_id,
        "revision": info.revision,
        "backend": info.backend,
        "normalize": bool(normalize),
        "max_seq_length": int(model.max_seq_length),
        "dimension": info.dimension,
    }
