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
