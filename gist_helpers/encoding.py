"""``encode``: ``model.encode`` plus a disk cache, input checks and a truncation report. Notebook 02."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sentence_transformers import SentenceTransformer

from . import validation as check
from .cache import EmbeddingCache, text_hash
from .fingerprint import fingerprint
from .model import embedding_dimension, model_info
from .notices import TruncationWarning, warn
from .settings import progress_enabled

__all__ = ["encode"]


def encode(
    model: SentenceTransformer,
    texts: Iterable[str] | pd.Series | str,
    *,
    normalize: bool = True,
    batch_size: int = 32,
    cache: bool = True,
    show_progress: bool | None = None,
) -> np.ndarray:
    """Embed ``texts``: a float32 array of shape (n, dimension), one row per text, in order.

    The same as ``model.encode(texts, batch_size=…, normalize_embeddings=normalize)``, plus:
    texts embedded before by the same model configuration come from the on-disk cache
    (:mod:`gist_helpers.cache`), keyed on the model as it is now: after a training step,
    ``half()``, a move to another device or a pooling change, nothing cached before is
    served (:mod:`gist_helpers.fingerprint`); bad input (None, NaN, numbers, broken Unicode) is refused
    naming its position or row; texts over the token limit are counted in one
    :class:`TruncationWarning`. A progress bar shows for long work. Notebook 02.
    """
    items = check.texts(texts)
    info = model_info(model)
    normalize = check.boolean(normalize, "normalize")
    batch_size = check.integer(batch_size, "batch_size", minimum=1)
    cache = check.boolean(cache, "cache")
    if show_progress is not None:
        show_progress = check.boolean(show_progress, "show_progress")
    if not items:
        return np.zeros((0, embedding_dimension(model)), dtype=np.float32)
    unique = list(dict.fromkeys(items))
    hashes = [text_hash(t) for t in unique]
    # A model of unknown origin (source "object") has no identity to key a cache on.
    store = (
        EmbeddingCache(_cache_key(model, normalize)) if cache and info.source != "object" else None
    )
    found, cut = store.get(hashes) if store else ({}, set())
    missing = [(h, t) for h, t in zip(hashes, unique) if h not in found]
    if missing:
        limit = model.max_seq_length
        lengths = token_counts(model, [t for _, t in missing])
        new_cut = {h for (h, _), n in zip(missing, lengths) if n > limit}
        vectors = model.encode(
            [t for _, t in missing],
            batch_size=batch_size,
            normalize_embeddings=normalize,
            convert_to_numpy=True,
            show_progress_bar=progress_enabled(len(missing))
            if show_progress is None
            else show_progress,
        ).astype(np.float32, copy=False)
        found.update(zip((h for h, _ in missing), vectors))
        cut |= new_cut
        if store:
            store.put([h for h, _ in missing], vectors, cut=new_cut)
    by_text = dict(zip(unique, hashes))
    n_cut = sum(by_text[t] in cut for t in items)
    if n_cut:
        warn(
            f"{n_cut} of {len(items)} texts were cut to {model.max_seq_length} tokens "
            "(the model's limit); only their beginning is embedded.",
            TruncationWarning,
        )
    return np.stack([found[by_text[t]] for t in items]).astype(np.float32, copy=False)


def token_counts(model: SentenceTransformer, texts: list[str]) -> np.ndarray:
    """Number of tokens of each text, special tokens included, before any truncation."""
    if not texts:
        return np.zeros(0, dtype=np.int64)
    ids = model.tokenizer(texts, add_special_tokens=True, truncation=False, verbose=False)
    return np.array([len(x) for x in ids["input_ids"]], dtype=np.int64)


def _cache_key(model: SentenceTransformer, normalize: bool) -> dict:
    info = model_info(model)
    return {
        "model_id": info.model_id,
        "revision": info.revision,
        "backend": info.backend,
        "normalize": bool(normalize),
        "max_seq_length": int(model.max_seq_length),
        "dimension": embedding_dimension(model),
        **fingerprint(model),
    }
