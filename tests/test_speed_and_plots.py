"""measure_throughput and its plot."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

import gist_helpers as gh


def test_throughput_counts_tokens_as_the_model_sees_them(model):
    texts = ["short", "a somewhat longer sentence about nothing"]
    row = gh.measure_throughput(model, texts, batch_size=2)
    assert row["texts"] == 2 and row["batch size"] == 2 and row["model"] == gh.STAND_IN_ID
    assert row["tokens"] == int(gh.token_counts(model, texts).sum())
    assert row["texts/s"] > 0 and row["tokens/s"] > row["texts/s"]


def test_throughput_caps_tokens_at_the_model_limit(model):
    row = gh.measure_throughput(model, ["word " * 1000], batch_size=1, warmup=0)
    assert row["tokens"] == model.max_seq_length


def test_throughput_needs_texts(model):
    with pytest.raises(ValueError, match="empty"):
        gh.measure_throughput(model, [])


def test_throughput_plot_is_labelled(model):
    rows = pd.DataFrame([gh.measure_throughput(model, ["a", "b"], batch_size=b) for b in (1, 2)])
    ax = gh.plot_throughput(rows)
    assert ax.get_ylabel() == "texts per second" and gh.STAND_IN_ID in ax.get_title()
    assert len(ax.patches) == 2


def test_throughput_plot_rejects_other_tables():
    with pytest.raises(ValueError, match="lacks column"):
        gh.plot_throughput(pd.DataFrame({"x": [1]}))


def test_benchmark_texts_are_deterministic_and_bounded():
    first = gh.benchmark_texts(50, min_words=8, max_words=20, seed=3)
    assert first == gh.benchmark_texts(50, min_words=8, max_words=20, seed=3)
    assert first != gh.benchmark_texts(50, min_words=8, max_words=20, seed=4)
    assert all(8 <= len(t.split()) <= 20 for t in first) and len(first) == 50


@pytest.mark.parametrize(("n", "lo", "hi"), [(0, 8, 20), (10, 0, 5), (10, 9, 8)])
def test_benchmark_texts_bad_arguments(n, lo, hi):
    with pytest.raises(ValueError):
        gh.benchmark_texts(n, min_words=lo, max_words=hi)


def test_flops_per_token_of_gist_small():
    assert gh.flops_per_token() == pytest.approx(44.8e6, rel=0.01)
    assert gh.flops_per_token(seq_len=512) > gh.flops_per_token(seq_len=128)


def test_peak_flops_and_cpu_name():
    peak = gh.fp32_peak_flops(cores=2, ghz=3.0)
    assert peak["GFLOP/s"] == 2 * 3.0 * peak["FLOP/cycle/core"]
    assert peak["FLOP/cycle/core"] in (16, 32, 64)
    assert gh.cpu_name()


def test_token_ceiling_is_peak_over_flops_per_token():
    expected = gh.fp32_peak_flops()["GFLOP/s"] * 1e9 / gh.flops_per_token(seq_len=64)
    assert gh.fp32_token_ceiling(seq_len=64) == pytest.approx(expected)
    assert gh.fp32_token_ceiling(seq_len=512) < gh.fp32_token_ceiling(seq_len=64)
