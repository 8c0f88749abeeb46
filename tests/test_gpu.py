"""On a CUDA GPU (`make test-gpu`): the model loads there by every route, encodes what the CPU
encodes, and keeps its quality in float16 (backend="torch-fp16", notebook 06).

Skipped on a machine without CUDA, except under `make test-gpu` (GIST_REQUIRE_CUDA=1), where a
missing GPU is a collection error: a GPU check that skips has checked nothing.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
import torch
from sentence_transformers import util

import gist_helpers as gh

if not torch.cuda.is_available():
    if os.environ.get("GIST_REQUIRE_CUDA", "").strip() == "1":
        pytest.fail(
            f"GIST_REQUIRE_CUDA=1 but torch {torch.__version__} sees no CUDA device "
            f"(built for CUDA {torch.version.cuda}): run make test-gpu on a machine with an "
            "NVIDIA GPU and a CUDA build of torch.",
            pytrace=False,
        )
    pytest.skip("needs a CUDA GPU (make test-gpu)", allow_module_level=True)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return gh.load_topics().text.tolist()[:200]


def _load(**kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gh.StandInWarning)
        return gh.load_model(**kwargs)


def test_the_automatic_choice_and_gist_device_pick_the_gpu(monkeypatch):
    assert gh.model_info(_load()).device == "cuda"
    monkeypatch.setenv("GIST_DEVICE", "cuda")
    on_gpu = _load()
    assert gh.model_info(on_gpu).device == "cuda" and on_gpu.device.type == "cuda"
    assert "device: cuda" in gh.banner(on_gpu)
    monkeypatch.setenv("GIST_DEVICE", "cpu")
    assert _load().device.type == "cpu"


def test_the_gpu_encodes_what_the_cpu_encodes(model, texts):
    on_gpu = _load(device="cuda")
    gpu = gh.encode(on_gpu, texts, cache=False)
    cpu = gh.encode(model, texts, cache=False)
    assert gpu.dtype == np.float32 and gpu.shape == cpu.shape
    np.testing.assert_allclose(gpu, cpu, atol=1e-4)
    plain = on_gpu.encode(texts, convert_to_tensor=True, normalize_embeddings=True)
    assert plain.device.type == "cuda"
    np.testing.assert_allclose(plain.cpu().numpy(), gpu, atol=1e-5)


def test_fp16_keeps_the_float32_vectors(texts):
    half = _load(backend="torch-fp16", device="cuda")
    assert gh.model_info(half).backend == "torch-fp16"
    assert {p.dtype for p in half.parameters()} == {torch.float16}
    full = _load(device="cuda")
    cosines = util.pairwise_cos_sim(
        half.encode(texts, convert_to_tensor=True).float(),
        full.encode(texts, convert_to_tensor=True),
    )
    assert cosines.min().item() > 0.999  # the bound notebook 06 states
    vectors = gh.encode(half, texts, cache=False)
    assert vectors.dtype == np.float32 and np.isfinite(vectors).all()


def test_throughput_is_measured_on_the_gpu(texts):
    speed = gh.measure_throughput(_load(device="cuda"), texts, batch_size=64)
    assert speed["device"] == "cuda" and speed["texts/s"] > 0


def test_cpu_only_backends_stay_on_the_cpu_when_asked_for_the_gpu():
    with pytest.raises(ValueError, match="runs on the CPU; pass device='cpu'"):
        gh.load_model(backend="onnx", device="cuda")
