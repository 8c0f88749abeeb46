"""Measuring encoding speed, and what this CPU could do at most. Notebooks 02 and 06."""

from __future__ import annotations

import os
import platform
import time

import numpy as np
from sentence_transformers import SentenceTransformer

from . import validation as check
from .backends import cpu_info, int8_config
from .encoding import token_counts
from .model import model_info

__all__ = ["cpu_facts", "measure_throughput"]


def measure_throughput(
    model: SentenceTransformer, texts: list[str], *, batch_size: int = 32, warmup: int = 1
) -> dict:
    """Time ``model.encode`` on ``texts`` (no cache): texts/s and tokens/s, with what ran.

    Adds to a stopwatch around ``model.encode``: untimed warm-up batches, and tokens counted
    as the model sees them (special tokens included, cut at its limit), the fair unit when
    texts differ in length. Notebooks 02 and 06.
    """
    info = model_info(model)
    items = check.texts(texts)
    if not items:
        raise ValueError("texts is empty; pass at least one text to time.")
    batch_size = check.integer(batch_size, "batch_size")
    warmup = check.integer(warmup, "warmup", minimum=0)
    if warmup:
        model.encode(items[: batch_size * warmup], batch_size=batch_size, show_progress_bar=False)
    tokens = int(np.minimum(token_counts(model, items), model.max_seq_length).sum())
    start = time.perf_counter()
    model.encode(items, batch_size=batch_size, show_progress_bar=False)
    seconds = time.perf_counter() - start
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


def cpu_facts() -> dict:
    """This CPU: name, cores, clock, float32 FLOPs per cycle and core, and its int8 kernels.

    ``FLOP/cycle`` assumes two fused multiply-add units of the widest vector width (AVX-512:
    16 floats, AVX2: 8, else 4); cores × GHz × that is the float32 peak that no real
    workload reaches (notebook 06 sets measured speed against it).
    """
    info = cpu_info()
    flags, mhz = set(info.get("flags", "").split()), float(info.get("cpu MHz") or 0)
    lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4
    cores = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )
    ghz = round(mhz / 1000, 2) if mhz else None
    return {
        "cpu": info.get("model name") or platform.processor() or platform.machine(),
        "cores": cores,
        "GHz": ghz,
        "FLOP/cycle/core": 2 * 2 * lanes,
        "fp32 peak GFLOP/s": round(cores * ghz * 4 * lanes, 1) if ghz else None,
        "int8 kernels": int8_config(),
    }
