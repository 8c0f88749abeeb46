"""ONNX / int8 backends against torch fp32, export caching, and the errors of missing backends."""

from __future__ import annotations

import importlib.util
import json
import os
import warnings

import pytest

import gist_helpers as gh
from gist_helpers import model as model_module
from gist_helpers.backends import INT8_CONFIGS, check_backend, cpu_info, export_folder
from gist_helpers.settings import env_flag

HAS_ONNX = importlib.util.find_spec("onnxruntime") is not None
# `make test` installs the onnx extra and sets GIST_REQUIRE_ONNX=1: there, missing is a failure.
needs_onnx = pytest.mark.skipif(
    not HAS_ONNX and not env_flag("GIST_REQUIRE_ONNX"), reason="the onnx extra is not installed"
)
INT8_MIN_COSINE = 0.95  # per text, against torch fp32; the mean must stay above 0.98


@pytest.fixture(scope="module")
def texts():
    return gh.load_sts_pairs().sentence1.tolist() + gh.MODEL_CARD_TEXTS


@pytest.fixture(scope="module")
def export_root(tmp_path_factory):
    return tmp_path_factory.mktemp("exports")


def _load(backend, root):
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        warnings.simplefilter("ignore", gh.StandInWarning)
        patch.setenv("GIST_CACHE_DIR", str(root))
        return gh.load_model(backend=backend)


@needs_onnx
def test_onnx_matches_torch_per_text(model, texts, export_root):
    onnx = _load("onnx", export_root)
    cosine = (gh.encode(onnx, texts, cache=False) * gh.encode(model, texts, cache=False)).sum(
        axis=1
    )
    assert cosine.min() >= 0.99
    assert gh.model_info(onnx).backend == "onnx" and "backend: onnx" in gh.banner(onnx)


# Every configuration sentence-transformers supports, whatever this CPU is: a quantised graph
# runs on any CPU, so an AVX-512 machine also tests the AVX2 and ARM64 files (GIST_INT8_CONFIG).
every_int8_config = pytest.mark.parametrize("config", INT8_CONFIGS)


@needs_onnx
@every_int8_config
def test_int8_stays_within_the_stated_bound(model, texts, export_root, config, monkeypatch):
    monkeypatch.setenv("GIST_INT8_CONFIG", config)
    int8 = _load("onnx-int8", export_root)
    cosine = (gh.encode(int8, texts, cache=False) * gh.encode(model, texts, cache=False)).sum(
        axis=1
    )
    assert cosine.min() >= INT8_MIN_COSINE and cosine.mean() >= 0.98
    assert gh.model_info(int8).backend == f"onnx-int8 ({config})"


def _forget(backend):
    """Drop one backend from load_model's memory (other tests share the torch model)."""
    for key in [k for k in model_module._LOADED if k[3].startswith(backend)]:
        del model_module._LOADED[key]


@needs_onnx
@every_int8_config
def test_export_is_made_once_and_reused(model, export_root, config, monkeypatch):
    monkeypatch.setenv("GIST_INT8_CONFIG", config)
    _forget("onnx")
    _load("onnx-int8", export_root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIST_CACHE_DIR", str(export_root))
        folder = export_folder(model_module.STAND_IN_ID, gh.model_info(model).revision, "onnx")
    files = {p: p.stat().st_mtime_ns for p in folder.rglob("*.onnx")}
    # The exporter names the file after the configuration's weight type (avx2 is unsigned).
    weights = "quint8" if config == "avx2" else "qint8"
    assert {"model.onnx", f"model_{weights}_{config}.onnx"} <= {p.name for p in files}
    assert (
        json.loads((folder / "int8.json").read_text())[config]
        == f"onnx/model_{weights}_{config}.onnx"
    )
    _forget("onnx")
    _load("onnx-int8", export_root)
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*.onnx")} == files
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no leftovers


@needs_onnx
def test_two_int8_configs_share_one_export_and_each_keeps_its_file(model, tmp_path, monkeypatch):
    _forget("onnx")
    for config in ("avx2", "avx512_vnni"):
        monkeypatch.setenv("GIST_INT8_CONFIG", config)
        assert gh.model_info(_load("onnx-int8", tmp_path)).backend == f"onnx-int8 ({config})"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIST_CACHE_DIR", str(tmp_path))
        folder = export_folder(model_module.STAND_IN_ID, gh.model_info(model).revision, "onnx")
    assert sorted(json.loads((folder / "int8.json").read_text())) == ["avx2", "avx512_vnni"]
    _forget("onnx")


@needs_onnx
def test_an_int8_file_without_its_manifest_is_exported_again(model, tmp_path, monkeypatch):
    """An export folder from before int8.json existed (or with a damaged one) still works."""
    monkeypatch.setenv("GIST_INT8_CONFIG", "avx512_vnni")
    _forget("onnx")
    _load("onnx-int8", tmp_path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIST_CACHE_DIR", str(tmp_path))
        folder = export_folder(model_module.STAND_IN_ID, gh.model_info(model).revision, "onnx")
    (folder / "int8.json").write_text("{not json")
    _forget("onnx")
    assert gh.model_info(_load("onnx-int8", tmp_path)).backend == "onnx-int8 (avx512_vnni)"
    assert json.loads((folder / "int8.json").read_text()) == {
        "avx512_vnni": "onnx/model_qint8_avx512_vnni.onnx"
    }
    _forget("onnx")


def test_int8_config_override_is_checked(monkeypatch):
    monkeypatch.setenv("GIST_INT8_CONFIG", "AVX2")
    assert gh.backends.int8_config() == "avx2"
    monkeypatch.setenv("GIST_INT8_CONFIG", "sse4")
    with pytest.raises(ValueError, match="GIST_INT8_CONFIG='sse4' is not one of arm64, avx2"):
        gh.backends.int8_config()


@needs_onnx
def test_backend_is_part_of_the_cache_key(model, texts, export_root, monkeypatch):
    onnx = _load("onnx", export_root)
    gh.encode(model, texts[:5])
    seen = []
    original = onnx.encode
    monkeypatch.setattr(onnx, "encode", lambda t, **kw: seen.extend(t) or original(t, **kw))
    gh.encode(onnx, texts[:5])
    assert seen == texts[:5]


def test_unknown_backend():
    with pytest.raises(
        ValueError, match="backend='tensorrt' is not one of 'torch', 'torch-fp16', 'onnx'"
    ):
        gh.load_model(backend="tensorrt")


def test_fp16_needs_a_gpu():
    with pytest.raises(ValueError, match="needs a CUDA GPU"):
        check_backend("torch-fp16", "cpu")


def test_cpu_backends_refuse_other_devices():
    with pytest.raises(ValueError, match="runs on the CPU"):
        check_backend("onnx-int8", "cuda")


@pytest.mark.skipif(
    importlib.util.find_spec("openvino") is not None, reason="OpenVINO is installed"
)
def test_missing_openvino_names_the_extra():
    with pytest.raises(ImportError, match=r"pip install 'gist-notebooks\[openvino\]'"):
        gh.load_model(backend="openvino")


@pytest.mark.skipif(HAS_ONNX, reason="ONNX Runtime is installed")
def test_missing_onnx_names_the_extra():
    with pytest.raises(ImportError, match=r"gist-notebooks\[onnx\]"):
        gh.load_model(backend="onnx")


def test_int8_config_follows_the_cpu(monkeypatch):
    monkeypatch.delenv("GIST_INT8_CONFIG", raising=False)
    config = gh.backends.int8_config()
    assert config in {"avx512_vnni", "avx512", "avx2", "arm64"}
    if os.path.exists("/proc/cpuinfo") and "avx512_vnni" in open("/proc/cpuinfo").read():
        assert config == "avx512_vnni"


def test_cpu_info_reads_the_first_processor():
    info = cpu_info()
    if os.path.exists("/proc/cpuinfo"):
        assert info["model name"] == gh.cpu_facts()["cpu"] and "flags" in info
    else:
        assert info == {}


def test_cpu_facts_arithmetic():
    facts = gh.cpu_facts()
    assert facts["int8 kernels"] == gh.backends.int8_config()
    assert facts["FLOP/cycle/core"] in (16, 32, 64)
    if facts["GHz"]:
        assert facts["fp32 peak GFLOP/s"] == pytest.approx(
            facts["cores"] * facts["GHz"] * facts["FLOP/cycle/core"], rel=0.01
        )
