"""A model changed after loading: encode never serves the vectors cached before the change, and
load_model never hands the changed object back as the pristine one."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import gist_helpers as gh
from gist_helpers import model as model_module
from gist_helpers.fingerprint import changed, fingerprint
from tests.test_backends import needs_onnx

TEXTS = ["A cat sits on the mat.", "Stocks fell sharply on Monday.", "The kitten rests on a rug."]


@pytest.fixture
def fresh(model):
    """A model of its own from load_model (the session's shared model must stay pristine)."""
    key = next(k for k, v in model_module._LOADED.items() if v is model)
    del model_module._LOADED[key]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gh.StandInWarning)
            yield gh.load_model(device="cpu")
    finally:
        model_module._LOADED[key] = model


def sgd_step(model) -> None:
    """One real optimizer step: pull the first two texts' embeddings together."""
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    features = getattr(model, "preprocess", None) or model.tokenize  # preprocess: ST >= 5.7
    embeddings = model(features(TEXTS[:2]))["sentence_embedding"]
    (-(embeddings[0] @ embeddings[1])).backward()
    optimizer.step()
    model.eval()


def test_after_an_optimizer_step_encode_returns_the_trained_models_vectors(fresh):
    before = gh.encode(fresh, TEXTS)
    sgd_step(fresh)
    after = gh.encode(fresh, TEXTS)
    np.testing.assert_allclose(after, gh.encode(fresh, TEXTS, cache=False), atol=1e-5)
    assert np.abs(after - before).max() > 0.05  # the step moved them
    np.testing.assert_array_equal(gh.encode(fresh, TEXTS), after)  # and they are cached now
    assert "changed in memory since loading" in gh.banner(fresh)


def test_load_model_never_returns_the_trained_object_as_the_pristine_one(fresh, model):
    pristine = gh.encode(fresh, TEXTS)
    assert gh.load_model(device="cpu") is fresh  # unchanged: the same object
    sgd_step(fresh)
    again = gh.load_model(device="cpu")
    assert again is not fresh and not changed(again)
    assert "changed" not in gh.banner(again)
    np.testing.assert_allclose(gh.encode(again, TEXTS), pristine, atol=1e-6)
    assert gh.load_model(device="cpu") is again


def test_half_precision_gets_its_own_vectors(fresh):
    before = gh.encode(fresh, TEXTS)
    fresh.half()
    after = gh.encode(fresh, TEXTS)
    np.testing.assert_allclose(after, gh.encode(fresh, TEXTS, cache=False), atol=1e-6)
    assert not np.array_equal(after, before)  # float16 arithmetic moved them
    np.testing.assert_allclose(after, before, atol=5e-3)  # a little
    assert "float16" in fingerprint(fresh)["precision"]
    reloaded = gh.load_model(device="cpu")
    assert reloaded is not fresh and next(reloaded.parameters()).dtype == torch.float32


def _scaled_state(model) -> dict:
    return {k: v * 1.01 if v.is_floating_point() else v for k, v in model.state_dict().items()}


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda m: setattr(m, "max_seq_length", 8), id="max_seq_length"),
        pytest.param(lambda m: setattr(m[1], "pooling_mode", "cls"), id="pooling"),
        pytest.param(lambda m: m._modules.pop("2"), id="normalisation removed"),
        pytest.param(lambda m: setattr(m, "truncate_dim", 64), id="truncate_dim"),
        pytest.param(lambda m: setattr(m, "prompts", {"query": "query: "}), id="prompts"),
        pytest.param(lambda m: m.load_state_dict(_scaled_state(m)), id="load_state_dict"),
    ],
)
def test_every_change_that_moves_the_vectors_changes_the_key(fresh, change):
    texts = ["word " * 40, "a second text"]
    key = fingerprint(fresh)
    before = gh.encode(fresh, texts, normalize=False)
    change(fresh)
    if fresh.prompts.get("query"):
        fresh.default_prompt_name = "query"
    assert fingerprint(fresh) != key and changed(fresh)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gh.TruncationWarning)
        after = gh.encode(fresh, texts, normalize=False)
        expected = gh.encode(fresh, texts, normalize=False, cache=False)
    np.testing.assert_allclose(after, expected, atol=1e-5)
    assert after.shape != before.shape or np.abs(after - before).max() > 1e-3


def test_the_key_is_stable_while_nothing_changes(fresh):
    key = fingerprint(fresh)
    assert key["weights"] == "as loaded"
    gh.encode(fresh, TEXTS)
    fresh.train()  # modes are not weights: encode switches to eval itself
    fresh.eval()
    assert fingerprint(fresh) == key and not changed(fresh)


def test_the_digest_is_computed_once_per_change(fresh, monkeypatch):
    from gist_helpers import fingerprint as fingerprint_module

    sgd_step(fresh)
    calls = []
    original = fingerprint_module.tensors_digest
    monkeypatch.setattr(
        fingerprint_module, "tensors_digest", lambda m: calls.append(1) or original(m)
    )
    first = fingerprint(fresh)["weights"]
    assert first.startswith("sha256:") and fingerprint(fresh)["weights"] == first
    assert len(calls) == 1
    sgd_step(fresh)
    assert fingerprint(fresh)["weights"] != first and len(calls) == 2


def test_the_float32_precision_settings_are_part_of_the_key(fresh):
    """torch.set_float32_matmul_precision("medium") lets float32 matmuls run in TF32 on CUDA
    and bf16 on oneDNN CPUs: other vectors, so another key."""
    before = fingerprint(fresh)["precision"]
    previous = torch.get_float32_matmul_precision()
    try:
        torch.set_float32_matmul_precision("medium")
        assert fingerprint(fresh)["precision"] != before
    finally:
        torch.set_float32_matmul_precision(previous)


@needs_onnx
def test_an_exported_graph_is_fingerprinted_by_its_file(model):
    from gist_helpers.backends import export_folder, graph_digest

    for key in [k for k in model_module._LOADED if k[3] == "onnx"]:
        del model_module._LOADED[key]  # exported into another test's cache
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gh.StandInWarning)
        onnx = gh.load_model(backend="onnx")
    graph = export_folder(model_module.STAND_IN_ID, gh.model_info(model).revision, "onnx")
    assert not list(onnx.parameters()) and not changed(onnx)
    assert fingerprint(onnx)["weights"] == graph_digest([graph / "onnx" / "model.onnx"])
    assert fingerprint(onnx)["weights"].startswith("sha256:")
    cached = gh.encode(onnx, TEXTS)
    np.testing.assert_allclose(cached, gh.encode(onnx, TEXTS, cache=False), atol=1e-6)
    del model_module._LOADED[next(k for k, v in model_module._LOADED.items() if v is onnx)]


# --- round three: the tokenizer, writes that bypass the version counters, changed folders ------


def _lowercase_off(model) -> None:
    """Swap in the stand-in's own tokenizer with lower-casing off (same max_seq_length)."""
    from transformers import AutoTokenizer

    folder, length = model_module._stand_in_folder(), model.max_seq_length
    model[0].processor = AutoTokenizer.from_pretrained(str(folder), do_lower_case=False)
    model.max_seq_length = length  # the new tokenizer brings its own 512: keep the model's 256


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_lowercase_off, id="tokenizer swapped"),
        pytest.param(
            lambda m: setattr(
                m.tokenizer.backend_tokenizer,
                "normalizer",
                __import__("tokenizers").normalizers.BertNormalizer(lowercase=False),
            ),
            id="tokenizer edited in place",
        ),
        pytest.param(
            lambda m: setattr(
                m.tokenizer.backend_tokenizer,
                "pre_tokenizer",
                __import__("tokenizers").pre_tokenizers.WhitespaceSplit(),
            ),
            id="pre-tokenizer edited in place",
        ),
    ],
)
def test_a_changed_tokenizer_changes_the_key_and_the_label(fresh, change):
    texts = ["The CAT sat on the MAT, said NASA.", "Stocks FELL on Monday, didn't they?"]
    before = gh.encode(fresh, texts)
    key = fingerprint(fresh)
    change(fresh)
    assert fingerprint(fresh) != key and changed(fresh)
    after = gh.encode(fresh, texts)
    np.testing.assert_allclose(after, gh.encode(fresh, texts, cache=False), atol=1e-5)
    assert np.abs(after - before).max() > 1e-3  # other ids, other vectors
    assert "changed in memory since loading" in gh.banner(fresh)
    assert gh.load_model(device="cpu") is not fresh


def test_a_tokenizer_equal_to_the_loaded_one_is_no_change(fresh):
    from transformers import AutoTokenizer

    key, length = fingerprint(fresh), fresh.max_seq_length
    fresh[0].processor = AutoTokenizer.from_pretrained(str(model_module._stand_in_folder()))
    fresh.max_seq_length = length
    assert fingerprint(fresh) == key and not changed(fresh)


def _ema_update(model, rate: float = 0.1) -> None:
    """What EMA code does: write every weight through ``.data`` (no version counter moves)."""
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            noise = torch.randn(p.shape, generator=generator, dtype=p.dtype)
            p.data.mul_(1 - rate).add_(rate * (p.data + 0.5 * noise))


def test_a_write_through_data_is_seen(fresh):
    before = gh.encode(fresh, TEXTS)
    versions = [p._version for p in fresh.parameters()]
    _ema_update(fresh)
    assert [p._version for p in fresh.parameters()] == versions  # the counters did not move
    assert changed(fresh) and fingerprint(fresh)["weights"].startswith("sha256:")
    after = gh.encode(fresh, TEXTS)
    np.testing.assert_allclose(after, gh.encode(fresh, TEXTS, cache=False), atol=1e-5)
    assert np.abs(after - before).max() > 1e-2
    again = gh.load_model(device="cpu")
    assert again is not fresh and not changed(again)
    np.testing.assert_allclose(gh.encode(again, TEXTS), before, atol=1e-6)


def test_a_write_through_data_after_a_training_step_is_seen_too(fresh):
    sgd_step(fresh)
    trained = fingerprint(fresh)["weights"]
    fresh[0].auto_model.embeddings.word_embeddings.weight.data[2003].add_(0.5)  # one row: "is"
    assert fingerprint(fresh)["weights"] not in (trained, "as loaded")


def test_what_the_sample_does_not_see(fresh):
    """The documented limit (README, fingerprint.py): a write through ``.data`` to elements the
    sample skips, fewer than SAMPLE_STRIDE in a row, is not seen."""
    from gist_helpers.fingerprint import SAMPLE_STRIDE

    weight = fresh[0].auto_model.embeddings.word_embeddings.weight
    weight.data.view(-1)[1 : SAMPLE_STRIDE - 1].add_(1.0)  # between two sampled elements
    assert not changed(fresh)
    weight.data.view(-1)[SAMPLE_STRIDE].add_(1.0)  # a sampled element
    assert changed(fresh)


def test_load_model_reads_a_folder_again_after_its_files_changed(tmp_path):
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(model_module._stand_in_folder(), folder)  # it has a sentence_bert_config.json
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gh.StandInWarning)
        first = gh.load_model(folder, device="cpu")
        assert gh.load_model(folder, device="cpu") is first  # nothing changed: the same object
        config = folder / "sentence_bert_config.json"
        config.write_text(
            config.read_text().replace('"max_seq_length": 256', '"max_seq_length": 8')
        )
        second = gh.load_model(folder, device="cpu")
        assert gh.load_model(folder, device="cpu") is second
    assert first.max_seq_length == 256 and second.max_seq_length == 8


def test_a_folder_with_the_stand_ins_weights_and_another_tokenizer_is_not_the_stand_in(
    model, tmp_path
):
    import json

    folder = tmp_path / "saved"
    model.save(str(folder))
    config_file = folder / "tokenizer_config.json"
    config = json.loads(config_file.read_text())
    config["do_lower_case"] = False
    config_file.write_text(json.dumps(config))
    with warnings.catch_warnings():
        warnings.simplefilter("error", gh.StandInWarning)  # no stand-in warning either
        loaded = gh.load_model(folder, device="cpu")
    info = gh.model_info(loaded)
    assert info.source == "local folder" and not info.is_stand_in
    texts = ["The CAT sat on the MAT."]
    np.testing.assert_allclose(
        gh.encode(loaded, texts), gh.encode(loaded, texts, cache=False), atol=1e-6
    )
    assert np.abs(gh.encode(loaded, texts) - gh.encode(model, texts)).max() > 1e-3
