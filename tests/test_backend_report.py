"""Backend comparison tables, the quality verdict, thread scaling and the speed plot."""

from __future__ import annotations

import importlib.util

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import gist_helpers as gh  # noqa: E402

needs_onnx = pytest.mark.skipif(importlib.util.find_spec("onnxruntime") is None and not
                                gh.settings.env_flag("GIST_REQUIRE_ONNX"), reason="the onnx extra is not installed")
TEXTS = gh.benchmark_texts(12, max_words=30)
# the helpers load the stand-in themselves; its warning is tested in test_model.py
pytestmark = pytest.mark.filterwarnings("ignore::gist_helpers.model.StandInWarning")


def test_available_backends_start_with_torch():
    backends = gh.available_backends()
    assert backends[0] == "torch"
    assert ("torch-fp16" in backends) == torch.cuda.is_available()


@needs_onnx
def test_speed_table_has_a_ratio_to_the_first_backend(model):
    table = gh.backend_speed(TEXTS, ("torch", "onnx-int8"), batch_size=4)
    assert table["backend"].tolist() == ["torch", f"onnx-int8 ({gh.int8_config()})"]
    assert table["× torch"].iloc[0] == 1.0 and (table["texts/s"] > 0).all()
    ax = gh.plot_backend_speed(table)
    assert ax.get_ylabel() == "texts per second" and len(ax.patches) == 2


@needs_onnx
def test_agreement_and_quality_tables(model):
    agreement = gh.backend_agreement(TEXTS, ("onnx",))
    assert agreement["min cosine vs torch"].iloc[0] >= 0.99
    quality = gh.backend_quality(("torch", "onnx"))
    assert quality["model"].eq(gh.STAND_IN_ID).all()
    assert quality["nDCG@10 kept"].iloc[1] == pytest.approx(1.0, abs=1e-3)
    assert "onnx: keeps" in gh.quality_verdict(quality)


def test_verdict_flags_a_backend_below_the_bar():
    table = pd.DataFrame({"backend": ["torch", "int8"], "nDCG@10 kept": [1.0, 0.999], "Spearman kept": [1.0, 0.97]})
    assert "LOSES MORE THAN ALLOWED" in gh.quality_verdict(table) and "opt-in" in gh.quality_verdict(table)
    assert "keeps" in gh.quality_verdict(table, threshold=0.95)


def test_bad_tables_and_arguments(model):
    with pytest.raises(ValueError, match="quality table lacks"):
        gh.quality_verdict(pd.DataFrame({"backend": ["torch"]}))
    with pytest.raises(ValueError, match="backend_speed"):
        gh.plot_backend_speed(pd.DataFrame({"backend": ["torch"]}))
    with pytest.raises(ValueError, match="backends is empty"):
        gh.backend_speed(TEXTS, ())
    with pytest.raises(ValueError, match="positive"):
        gh.thread_scaling(model, TEXTS, threads=(0,))


def test_thread_scaling_restores_the_thread_count(model):
    before = torch.get_num_threads()
    table = gh.thread_scaling(model, TEXTS[:4], threads=(1, 2))
    assert table["threads"].tolist() == [1, 2] and torch.get_num_threads() == before
