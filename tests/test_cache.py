"""The embedding cache: hits, misses, damaged and mismatched entries, clearing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

import gist_helpers as gh
from gist_helpers.cache import EmbeddingCache, _signed, text_hash
from gist_helpers.settings import cache_root

TEXTS = ["first text", "second text", "third text"]


@pytest.fixture
def spy(model, monkeypatch):
    """Record which texts reach the model (the real model still computes them)."""
    seen: list[str] = []
    original = model.encode

    def encode(texts, **kwargs):
        seen.extend(texts)
        return original(texts, **kwargs)

    monkeypatch.setattr(model, "encode", encode)
    return seen


def cache_folder() -> Path:
    folders = [p for p in (cache_root() / "embeddings").iterdir() if p.is_dir()]
    assert len(folders) == 1
    return folders[0]


def test_second_call_reencodes_nothing(model, spy):
    first = gh.encode(model, TEXTS)
    assert spy == TEXTS
    second = gh.encode(model, TEXTS)
    assert spy == TEXTS  # nothing new reached the model
    np.testing.assert_array_equal(first, second)


def test_only_new_texts_are_encoded(model, spy):
    gh.encode(model, TEXTS[:2])
    gh.encode(model, TEXTS)
    assert spy == TEXTS[:2] + TEXTS[2:]


def test_cache_off_writes_and_reads_nothing(model, spy):
    gh.encode(model, TEXTS, cache=False)
    gh.encode(model, TEXTS, cache=False)
    assert spy == TEXTS * 2
    assert gh.cache_size() == 0


def test_normalisation_is_part_of_the_key(model, spy):
    gh.encode(model, TEXTS)
    gh.encode(model, TEXTS, normalize=False)
    assert spy == TEXTS * 2


def test_damaged_shard_is_detected_and_recomputed(model, spy):
    clean = gh.encode(model, TEXTS)
    npy = next(cache_folder().glob("*.npy"))
    payload = bytearray(npy.read_bytes())
    payload[-5] ^= 0xFF  # flip bits in the last vector
    npy.write_bytes(bytes(payload))
    with pytest.warns(gh.CacheWarning, match="1 damaged shard.*checksum"):
        again = gh.encode(model, TEXTS)
    np.testing.assert_allclose(again, clean, atol=1e-6)  # recomputed: no exact float comparison
    assert spy == TEXTS * 2
    np.testing.assert_array_equal(gh.encode(model, TEXTS), again)  # read back from the new shard
    assert spy == TEXTS * 2


def test_truncated_shard_and_garbage_index(model):
    gh.encode(model, TEXTS[:1])
    gh.encode(model, TEXTS[1:])
    shards = sorted(cache_folder().glob("*.npy"))
    shards[0].write_bytes(shards[0].read_bytes()[:40])
    shards[1].with_suffix(".json").write_text("{not json")
    with pytest.warns(gh.CacheWarning, match="damaged"):
        out = gh.encode(model, TEXTS)
    np.testing.assert_allclose(out, model.encode(TEXTS, normalize_embeddings=True), atol=1e-5)


def test_pickled_payload_is_never_loaded(model):
    store = EmbeddingCache({"model_id": "m", "revision": "r", "dimension": 2})
    store.put([text_hash("x")], np.ones((1, 2), dtype=np.float32))
    npy = next(store.folder.glob("*.npy"))
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    npy.write_bytes(buffer.getvalue())
    index_file = npy.with_suffix(".json")
    index = json.loads(index_file.read_text())
    index["sha256"] = __import__("hashlib").sha256(buffer.getvalue()).hexdigest()
    index_file.write_text(
        json.dumps(_signed({k: index[k] for k in ("shape", "sha256", "hashes", "cut")}))
    )
    with pytest.warns(gh.CacheWarning, match="damaged"):
        assert store.get([text_hash("x")]) == ({}, set())


def test_a_mismatched_key_is_a_miss_and_is_replaced(model, spy):
    gh.encode(model, TEXTS)
    (cache_folder() / "key.json").write_text(json.dumps({"model_id": "something else"}))
    gh.encode(model, TEXTS)
    assert spy == TEXTS * 2
    gh.encode(model, TEXTS)  # the key was rewritten: the new shard is found
    assert spy == TEXTS * 2


def test_put_checks_the_shape():
    store = EmbeddingCache({"model_id": "m", "revision": "r", "dimension": 4})
    with pytest.raises(ValueError, match=r"expected shape \(2, 4\)"):
        store.put(["a", "b"], np.zeros((2, 3)))


def test_clear_cache_reports_bytes_freed(model):
    gh.encode(model, TEXTS)
    size = gh.cache_size()
    assert size > 3 * 384 * 4
    assert gh.clear_cache() == size
    assert gh.cache_size() == 0


def test_location_follows_gist_cache_dir(model, tmp_path, monkeypatch):
    monkeypatch.setenv("GIST_CACHE_DIR", str(tmp_path / "elsewhere"))
    gh.encode(model, TEXTS)
    assert list((tmp_path / "elsewhere" / "embeddings").rglob("*.npy"))


def test_truncation_is_remembered_so_cache_hits_still_warn(model, spy):
    long_text = "a sentence that goes on and on " * 80
    with pytest.warns(gh.TruncationWarning, match="1 of 2 texts"):
        gh.encode(model, [long_text, "short"])
    with pytest.warns(gh.TruncationWarning, match="2 of 3 texts"):
        gh.encode(model, [long_text, "short", long_text])
    assert spy == [long_text, "short"]  # the second call came from the cache
