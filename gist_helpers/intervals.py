"""The noise behind a verdict: a paired bootstrap over per-item scores, and the spread of
repeated timings. Every "better", "faster" or "cannot tell" the notebooks print comes from here
or from the plain calls they show first (notebooks 02, 05, 06, 08)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from . import validation as check

__all__ = ["paired_bootstrap", "speed_ratio"]


def paired_bootstrap(
    first,
    second,
    *,
    confidence: float = 0.95,
    resamples: int = 10_000,
    seed: int = 0,
) -> dict:
    """Mean of ``first − second`` over the same items, its paired-bootstrap interval, a verdict.

    ``scipy.stats.bootstrap`` computes the interval (percentile method, items redrawn with
    replacement); this adds the pairing by item (two pandas Series must hold the same ids, in
    any order), the paired standard error, and the verdict the notebooks print: "higher" or
    "lower" when the whole interval lies on one side of zero, else "cannot tell".
    """
    a, b = _paired(first, second)
    confidence = check.number(confidence, "confidence", low=0.5, high=0.999)
    resamples = check.integer(resamples, "resamples", minimum=100)
    seed = check.integer(seed, "seed", minimum=0)
    differences = a - b
    result = stats.bootstrap(
        (differences,),
        np.mean,
        confidence_level=confidence,
        n_resamples=resamples,
        method="percentile",
        vectorized=True,
        random_state=np.random.default_rng(seed),
    )
    low, high = (float(x) for x in result.confidence_interval)
    mean = float(differences.mean())
    low, high = min(low, mean), max(high, mean)  # all-equal differences: a zero-width interval
    return {
        "items": len(differences),
        "difference": round(mean, 4),
        "standard error": round(float(differences.std(ddof=1) / np.sqrt(len(differences))), 4),
        "low": round(low, 4),
        "high": round(high, 4),
        "confidence": confidence,
        "verdict": "higher" if low > 0 else "lower" if high < 0 else "cannot tell",
    }


def speed_ratio(first_seconds: Sequence[float], second_seconds: Sequence[float]) -> dict:
    """How many times as fast ``first`` ran as ``second``, from repeated timings of each.

    Returns the ratio of the median times, its range (the slowest run of one against the
    fastest of the other, both ways) and a verdict: "faster" or "slower" only when the whole
    range lies on one side of 1, else "cannot tell". Notebooks 02, 06, 08.
    """
    a = _timings(first_seconds, "first_seconds")
    b = _timings(second_seconds, "second_seconds")
    ratio, low, high = np.median(b) / np.median(a), b.min() / a.max(), b.max() / a.min()
    return {
        "runs": (len(a), len(b)),
        "ratio": round(float(ratio), 3),
        "low": round(float(low), 3),
        "high": round(float(high), 3),
        "verdict": "faster" if low > 1 else "slower" if high < 1 else "cannot tell",
    }


def _paired(first, second) -> tuple[np.ndarray, np.ndarray]:
    """Two equal-length float arrays, paired item by item (by index for two Series)."""
    if isinstance(first, pd.Series) and isinstance(second, pd.Series):
        for name, series in (("first", first), ("second", second)):
            repeated = series.index[series.index.duplicated()].unique().tolist()
            if repeated:
                raise ValueError(
                    f"{name} has repeated item id(s) {check.shown(repeated)}; give each item "
                    "one score."
                )
        only_first = first.index.difference(second.index).tolist()
        only_second = second.index.difference(first.index).tolist()
        if only_first or only_second:
            raise ValueError(
                f"first and second must score the same items; only in first: "
                f"{check.shown(only_first)}; only in second: {check.shown(only_second)}. "
                "Score both systems on the same items (reindex with fill_value=0 for an item a "
                "run left out)."
            )
        second = second.reindex(first.index)
    a, b = _scores(first, "first"), _scores(second, "second")
    if len(a) != len(b):
        raise ValueError(
            f"first has {len(a)} scores and second {len(b)}; pass one score per item for both, "
            "in the same order (or two pandas Series indexed by item id)."
        )
    if len(a) < 2:
        raise ValueError(f"first and second hold {len(a)} item(s); an interval needs at least 2.")
    return a, b


def _scores(value, name: str) -> np.ndarray:
    """A 1-d array of finite floats, or an error naming the first bad item."""
    if value is None or isinstance(value, (str, bytes, dict, set)) or np.ndim(value) != 1:
        raise TypeError(
            f"{name} must be a one-dimensional list, array or pandas Series of numbers, "
            f"got {check.describe(value)}."
        )
    labels = value.index.tolist() if isinstance(value, pd.Series) else list(range(len(value)))
    where = "item" if isinstance(value, pd.Series) else "position"
    items = value.tolist() if isinstance(value, (pd.Series, np.ndarray)) else list(value)
    if np.asarray(value).dtype.kind not in "biuf":  # texts or objects: name the first non-number
        for label, item in zip(labels, items):
            if item is not None and (
                isinstance(item, bool) or not isinstance(item, (int, float, np.number))
            ):
                raise TypeError(
                    f"{name} holds {check.describe(item)} at {where} {label!r}; pass numbers only."
                )
    array = np.asarray([np.nan if v is None else v for v in items], dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(array))
    if len(bad):
        raise ValueError(
            f"{name} has {len(bad)} missing or infinite score(s) at {where}(s) "
            f"{check.shown([labels[i] for i in bad])}; score every item (0 for a miss)."
        )
    return array


def _timings(value, name: str) -> np.ndarray:
    """Repeated timings in seconds: at least one, each finite and positive."""
    array = _scores(value, name)
    if len(array) == 0:
        raise ValueError(f"{name} is empty; pass the seconds of at least one run.")
    bad = np.flatnonzero(array <= 0)
    if len(bad):
        raise ValueError(
            f"{name} has a time of {array[bad[0]]:g} s at position {int(bad[0])}; "
            "timings must be positive seconds."
        )
    return array
