"""The intervals behind the notebooks' verdicts: scipy's bootstrap, paired by item, and the
spread of repeated timings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import gist_helpers as gh


def _scores(n: int, shift: float, seed: int = 0) -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(seed)
    ids = [f"q{i}" for i in range(n)]
    base = rng.random(n)
    return pd.Series(base + shift + rng.normal(0, 0.2, n), index=ids), pd.Series(base, index=ids)


def test_a_clear_gain_is_higher_and_its_mirror_lower():
    better, worse = _scores(300, 0.1)
    up, down = gh.paired_bootstrap(better, worse), gh.paired_bootstrap(worse, better)
    assert up["verdict"] == "higher" and down["verdict"] == "lower"
    assert up["low"] > 0 and up["difference"] == pytest.approx(-down["difference"])
    assert up["low"] < up["difference"] < up["high"] and up["items"] == 300


def test_no_difference_cannot_be_told():
    first, second = _scores(40, 0.0)
    result = gh.paired_bootstrap(first, second)
    assert result["verdict"] == "cannot tell" and result["low"] < 0 < result["high"]
    same = gh.paired_bootstrap(first, first)
    assert (same["low"], same["high"], same["verdict"]) == (0.0, 0.0, "cannot tell")


def test_items_are_paired_by_id_not_by_position():
    first, second = _scores(100, 0.05)
    shuffled = second.sample(frac=1.0, random_state=3)
    assert gh.paired_bootstrap(first, shuffled) == gh.paired_bootstrap(first, second)
    # by position, the shuffled pairs would give another (unpaired) answer
    by_position = gh.paired_bootstrap(first.to_numpy(), shuffled.to_numpy())
    assert by_position["standard error"] > gh.paired_bootstrap(first, second)["standard error"]


def test_the_interval_is_the_percentile_bootstrap_of_the_mean_difference():
    first, second = _scores(200, 0.02, seed=5)
    differences = (first - second).to_numpy()
    draws = np.random.default_rng(11).integers(0, len(differences), (20_000, len(differences)))
    expected = np.percentile(differences[draws].mean(axis=1), [2.5, 97.5])
    result = gh.paired_bootstrap(first, second, resamples=20_000)
    # two independent bootstraps of 20,000 draws agree to a small share of the width
    width = expected[1] - expected[0]
    assert abs(result["low"] - expected[0]) < 0.05 * width
    assert abs(result["high"] - expected[1]) < 0.05 * width
    assert result["standard error"] == pytest.approx(
        differences.std(ddof=1) / np.sqrt(len(differences)), abs=1e-4
    )


def test_a_wider_confidence_gives_a_wider_interval_and_a_seed_repeats():
    first, second = _scores(80, 0.03)
    narrow = gh.paired_bootstrap(first, second, confidence=0.8)
    wide = gh.paired_bootstrap(first, second, confidence=0.99)
    assert wide["low"] < narrow["low"] and wide["high"] > narrow["high"]
    assert gh.paired_bootstrap(first, second, seed=4) == gh.paired_bootstrap(first, second, seed=4)


def test_speed_ratio_reads_repeated_timings():
    fast, slow = [1.0, 1.1, 0.9], [2.0, 2.2, 1.9]
    result = gh.speed_ratio(fast, slow)
    assert result["ratio"] == pytest.approx(2.0) and result["verdict"] == "faster"
    assert (result["low"], result["high"]) == (round(1.9 / 1.1, 3), round(2.2 / 0.9, 3))
    assert gh.speed_ratio(slow, fast)["verdict"] == "slower"
    # overlapping ranges: a median ratio of 1.04 that the runs cannot confirm
    overlap = gh.speed_ratio([1.0, 1.4], [1.3, 1.2])
    assert overlap["verdict"] == "cannot tell" and overlap["low"] < 1 < overlap["high"]
