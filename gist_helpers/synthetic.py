"""Vectors shaped like real embeddings, for measuring indexes at sizes no notebook can encode."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from . import validation as check

__all__ = ["synthetic_embeddings"]

MAX_NOISE = 1e6  # far past pure noise (cosine ~1e-6 to the source); more overflows float32


def synthetic_embeddings(
    around: np.ndarray, n: int, *, noise: float = 0.5, seed: int = 0, chunk: int = 100_000
) -> Iterator[np.ndarray]:
    """``n`` unit vectors, each a random row of ``around`` plus Gaussian noise, in float32 chunks.

    Yields arrays of at most ``chunk`` rows, so a million vectors never exist twice in memory.
    ``noise`` is the noise's norm relative to the (unit) real vector: 0.5 keeps each synthetic
    vector at a cosine of about 0.9 to its source, so neighbourhoods look like real ones.
    Rows of ``around`` are used by direction only; an all-zero row (no direction) is refused.
    Notebooks 05 (FAISS speed) and 08 (an index of a million vectors).
    """
    base = check.matrix(around, "around")
    norms = np.linalg.norm(base.astype(np.float64), axis=1, keepdims=True)
    zero = np.flatnonzero(norms[:, 0] == 0)
    if zero.size:
        raise ValueError(
            f"around row(s) {check.shown(zero.tolist())} are all zeros: a zero vector has no "
            "direction to scatter around; drop those rows."
        )
    base = (base / norms).astype(np.float32)
    n = check.integer(n, "n")
    noise = check.number(noise, "noise", low=0.0, high=MAX_NOISE)
    chunk = check.integer(chunk, "chunk")
    rng = np.random.default_rng(check.integer(seed, "seed", minimum=0))
    return _chunks(base, n, noise / np.sqrt(base.shape[1]), chunk, rng)


def _chunks(
    base: np.ndarray, n: int, scale: float, chunk: int, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    for start in range(0, n, chunk):
        rows = min(chunk, n - start)
        block = (
            base[rng.integers(0, len(base), rows)]
            + rng.standard_normal((rows, base.shape[1]), dtype=np.float32) * scale
        )
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        yield block.astype(np.float32, copy=False)
