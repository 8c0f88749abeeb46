"""Measuring encoding speed on the machine at hand. Taught in notebook 02."""

from __future__ import annotations

import time

import numpy as np
from sentence_transformers import SentenceTransformer

from .encoding import check_texts, token_counts
from .model import model_info

__all__ = ["measure_throughput"]


def measure_throughput(
    model: SentenceTransformer, texts: list[str], *, batch_size: int = 32, warmup: int = 1
) -> dict:
    """Encode ``texts`` (no cache) and return texts/s and tokens/s with what was measured.

    Tokens are counted as the model sees them: special tokens included, cut at its limit.
    ``warmup`` batches run first and are not timed.
    """
    items = check_texts(texts)
    if not items:
        raise ValueError("texts is empty; pass at least one text to time.")
    if warmup:
        model.encode(items[: batch_size * warmup], batch_size=batch_size, show_progress_bar=False)
    tokens = int(np.minimum(token_counts(model, items), model.max_seq_length).sum())
    start = time.perf_counter()
    model.encode(items, batch_size=batch_size, show_progress_bar=False)
    seconds = time.perf_counter() - start
    info = model_info(model)
    return {
        "model": info.model_id,
        "device": info.device,
        "backend": info.backend,
        "batch size": batch_size,
        "texts": len(items),
        "tokens": tokens,
        "seconds": round(seconds, 3),
        "texts/s": round(len(items) / seconds, 1),
        "tokens/s": round(tokens / seconds, 1),
    }
