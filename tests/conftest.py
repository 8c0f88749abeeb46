"""Shared fixtures: the real offline stand-in model, an isolated cache and HF cache per test."""

from __future__ import annotations

import warnings

import pytest

import gist_helpers as gh
from gist_helpers import model as model_module


@pytest.fixture(autouse=True)
def isolated_caches(tmp_path, monkeypatch):
    """Every test gets an empty embedding cache and an empty Hugging Face cache, and no Hub."""
    import huggingface_hub.constants as hub

    monkeypatch.setenv("GIST_CACHE_DIR", str(tmp_path / "gist-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub, "HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    for name in ("GIST_MODEL", "GIST_STRICT", "GIST_DEVICE", "GIST_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    model_module._warned.clear()  # the stand-in warning fires once per process: re-arm it


@pytest.fixture(scope="session")
def model():
    """The offline stand-in, loaded once for the whole session."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gh.StandInWarning)
        return gh.load_model(device="cpu")


@pytest.fixture(scope="module")
def module_cache_dir(tmp_path_factory):
    """An embedding cache shared by one test module (also while its module fixtures run)."""
    folder = tmp_path_factory.mktemp("gist-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIST_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture
def shared_cache(module_cache_dir, monkeypatch):
    """One embedding cache per test module, for modules that opt in with
    ``pytestmark = pytest.mark.usefixtures("shared_cache")``: texts embedded by one test are
    read back by the next instead of being recomputed."""
    monkeypatch.setenv("GIST_CACHE_DIR", str(module_cache_dir))
