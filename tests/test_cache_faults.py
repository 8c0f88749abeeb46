"""Fault injection for the embedding cache: whatever is damaged, missing, unwritable or busy,
``encode`` returns correct vectors, warns once, and the next call works; nothing outside the
cache's own marked folder is ever deleted."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

import gist_helpers as gh
from gist_helpers import cache as cache_module
from gist_helpers.cache import TAG, TAG_NAME, EmbeddingCache, text_hash
from gist_helpers.settings import cache_root

TEXTS = ["the first text", "a second text", "and a third one"]


@pytest.fixture
def reference(model):
    return model.encode(TEXTS, normalize_embeddings=True)


@pytest.fixture
def shard(model):
    """Encode TEXTS once and return the paths of the shard written (index, data)."""
    gh.encode(model, TEXTS)
    folder = next(p for p in (cache_root() / "embeddings").iterdir() if p.is_dir())
    index = next(p for p in folder.glob("*.json") if p.name != "key.json")
    return index, index.with_suffix(".npy")


def _edit_index(index: Path, change) -> None:
    data = json.loads(index.read_text())
    change(data)
    index.write_text(json.dumps(data))


def _recovers(model, reference, match=r"damaged shard"):
    with pytest.warns(gh.CacheWarning, match=match):
        out = gh.encode(model, TEXTS)
    np.testing.assert_allclose(out, reference, atol=1e-5)
    np.testing.assert_allclose(
        gh.encode(model, TEXTS), reference, atol=1e-5
    )  # and the next call is clean


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda d: d.pop("sha256"), id="checksum key deleted"),
        pytest.param(lambda d: d.update(cut=5), id="cut is a number"),
        pytest.param(lambda d: d.update(hashes=list(reversed(d["hashes"]))), id="hashes reordered"),
        pytest.param(lambda d: d.update(shape=[2, 384]), id="shape changed"),
        pytest.param(lambda d: d.pop("digest"), id="digest deleted"),
        pytest.param(lambda d: d.update(hashes=None), id="hashes null"),
        pytest.param(lambda d: d.clear(), id="empty object"),
    ],
)
def test_a_damaged_index_is_a_miss_never_an_error_or_a_wrong_vector(
    model, reference, shard, damage
):
    _edit_index(shard[0], damage)
    _recovers(model, reference)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_text("[1, 2, 3]"), id="index is a JSON list"),
        pytest.param(lambda p: p.write_bytes(b"\xff\xfe not utf-8"), id="index is not UTF-8"),
        pytest.param(lambda p: p.write_text("{truncated"), id="index is truncated"),
    ],
)
def test_an_unreadable_index_is_a_miss(model, reference, shard, damage):
    damage(shard[0])
    _recovers(model, reference)
    assert not shard[0].exists()  # a damaged file the cache wrote is deleted


@pytest.mark.parametrize("kind", ["folder", "link"])
@pytest.mark.parametrize("which", [0, 1], ids=["index", "data"])
def test_what_replaces_a_shard_file_is_skipped_and_never_deleted(
    model, reference, shard, tmp_path, which, kind
):
    """A folder or a link where an index or data file should be: the cache never wrote it, so
    it is read around (the vectors are right) and left in place; the user's file stays."""
    mine = tmp_path / "mine.txt"
    mine.write_text("mine")
    path = shard[which]
    path.unlink()
    if kind == "folder":
        path.mkdir()
        (path / "inside.txt").write_text("mine")
    else:
        path.symlink_to(mine)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gh.CacheWarning)  # the shard's own index is damage
        np.testing.assert_allclose(gh.encode(model, TEXTS), reference, atol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", gh.CacheWarning)  # once only
        np.testing.assert_allclose(gh.encode(model, TEXTS), reference, atol=1e-5)
    assert path.is_symlink() if kind == "link" else (path / "inside.txt").is_file()
    assert mine.read_text() == "mine"


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_bytes(p.read_bytes()[:60]), id="data truncated"),
        pytest.param(lambda p: p.unlink(), id="data deleted"),
        pytest.param(
            lambda p: p.write_bytes(p.read_bytes()[:-4] + b"\x00\x00\xc0\x7f"),
            id="a NaN written in",
        ),
    ],
)
def test_damaged_data_is_a_miss(model, reference, shard, damage):
    damage(shard[1])
    if not shard[1].exists():  # a deleted .npy: the index points at nothing
        with pytest.warns(gh.CacheWarning, match="damaged"):
            np.testing.assert_allclose(gh.encode(model, TEXTS), reference, atol=1e-5)
        return
    _recovers(model, reference)
    assert not shard[0].exists() and not shard[1].exists()  # both files of the shard deleted


def test_a_garbage_key_is_a_miss_and_is_replaced(model, reference, shard):
    (shard[0].parent / "key.json").write_text("not json at all")
    np.testing.assert_allclose(gh.encode(model, TEXTS), reference, atol=1e-5)
    assert (
        json.loads((shard[0].parent / "key.json").read_text())["model_id"]
        == gh.model_info(model).model_id
    )


def test_cache_dir_pointing_at_a_file_warns_once_and_returns_the_vectors(
    model, reference, tmp_path, monkeypatch
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("GIST_CACHE_DIR", str(blocker))
    monkeypatch.setattr(cache_module, "_unwritable", set())
    with pytest.warns(
        gh.CacheWarning, match=r"cannot be written .*returned but not cached"
    ) as caught:
        out = gh.encode(model, TEXTS)
        gh.encode(model, ["another text"])
    assert len([w for w in caught if issubclass(w.category, gh.CacheWarning)]) == 1
    np.testing.assert_allclose(out, reference, atol=1e-5)
    assert blocker.read_text() == "not a folder"


def test_a_write_refused_by_the_disk_keeps_the_vectors(model, reference, monkeypatch):
    """A read-only or full disk, simulated (chmod does not stop root)."""

    def refuse(path, payload):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(cache_module, "write_atomic", refuse)
    monkeypatch.setattr(cache_module, "_unwritable", set())
    with pytest.warns(gh.CacheWarning, match="PermissionError"):
        np.testing.assert_allclose(gh.encode(model, TEXTS), reference, atol=1e-5)


@pytest.mark.skipif(
    os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root ignores file permissions"
)
def test_a_read_only_cache_folder(model, reference, monkeypatch):
    gh.encode(model, TEXTS[:1])
    folder = cache_root() / "embeddings"
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    monkeypatch.setattr(cache_module, "_unwritable", set())
    try:
        with pytest.warns(gh.CacheWarning, match="cannot be written"):
            np.testing.assert_allclose(gh.encode(model, TEXTS), reference, atol=1e-5)
    finally:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_clear_cache_never_deletes_a_folder_that_is_not_its_own(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "embeddings").mkdir(parents=True)
    (home / "embeddings" / "thesis-vectors.npy").write_bytes(b"precious")
    monkeypatch.setenv(
        "GIST_CACHE_DIR", str(home)
    )  # the mistake: the cache root is the home folder
    with pytest.warns(
        gh.CacheWarning, match="not a gist-notebooks embedding cache .* nothing was deleted"
    ):
        assert gh.clear_cache() == 0
    assert (home / "embeddings" / "thesis-vectors.npy").read_bytes() == b"precious"
    assert gh.cache_size() == 0


def test_the_cache_does_not_move_into_a_foreign_folder(model, reference, tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "embeddings").mkdir(parents=True)
    (home / "embeddings" / "notes.txt").write_text("mine")
    monkeypatch.setenv("GIST_CACHE_DIR", str(home))
    monkeypatch.setattr(cache_module, "_unwritable", set())
    with pytest.warns(gh.CacheWarning, match="is not a gist-notebooks cache"):
        np.testing.assert_allclose(gh.encode(model, TEXTS), reference, atol=1e-5)
    assert sorted(p.name for p in (home / "embeddings").iterdir()) == ["notes.txt"]


def test_a_cache_from_before_the_marker_is_adopted(model, reference, tmp_path, monkeypatch):
    old = tmp_path / "old" / "embeddings" / ("0123456789abcdef0123")
    old.mkdir(parents=True)
    (old / "key.json").write_text("{}")
    monkeypatch.setenv("GIST_CACHE_DIR", str(tmp_path / "old"))
    gh.encode(model, TEXTS)
    assert (tmp_path / "old" / "embeddings" / TAG_NAME).is_file()
    assert (
        gh.cache_size() > 0
        and gh.clear_cache() > 0
        and not (tmp_path / "old" / "embeddings").exists()
    )


def test_a_reader_never_deletes_a_folder_a_writer_is_starting(tmp_path):
    store = EmbeddingCache({"model_id": "m", "revision": "r", "dimension": 4}, root=tmp_path)
    store.folder.mkdir(parents=True)  # a writer has made the folder, not yet key.json
    (store.folder / ".half-written.npy.tmp").write_bytes(b"...")
    assert store.get([text_hash("x")]) == ({}, set())
    assert store.folder.is_dir() and (store.folder / ".half-written.npy.tmp").exists()


def _vector(text: str) -> np.ndarray:
    seed = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
    return np.random.default_rng(seed).standard_normal(8).astype(np.float32)


def _worker(root: str, worker: int, rounds: int, errors) -> None:
    """Write shards of texts and read back texts other processes wrote; record any wrong vector."""
    store = EmbeddingCache({"model_id": "m", "revision": "r", "dimension": 8}, root=Path(root))
    for i in range(rounds):
        texts = [f"text {(worker * 7 + i * 3 + j) % 40}" for j in range(5)]
        store.put([text_hash(t) for t in texts], np.stack([_vector(t) for t in texts]))
        wanted = [f"text {j}" for j in range(40)]
        found, _ = store.get([text_hash(t) for t in wanted])
        for text in wanted:
            vector = found.get(text_hash(text))
            if vector is not None and not np.array_equal(vector, _vector(text)):
                errors.put(f"wrong vector for {text!r}")


def test_concurrent_writers_and_readers_always_get_correct_vectors(tmp_path):
    context = multiprocessing.get_context("spawn")
    errors = context.Queue()
    workers = [
        context.Process(target=_worker, args=(str(tmp_path), w, 25, errors)) for w in range(4)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
    assert all(p.exitcode == 0 for p in workers), [p.exitcode for p in workers]
    assert errors.empty(), errors.get()
    store = EmbeddingCache({"model_id": "m", "revision": "r", "dimension": 8}, root=tmp_path)
    found, _ = store.get([text_hash(f"text {j}") for j in range(40)])
    assert len(found) == 40
    assert not [
        p for p in store.folder.iterdir() if p.name.endswith(".tmp")
    ]  # no half-written file left
    shutil.rmtree(tmp_path / "embeddings")


# --- never delete what the cache did not write ----------------------------------------------


def _namespace() -> Path:
    return next(p for p in (cache_root() / "embeddings").iterdir() if p.is_dir())


def test_a_namespace_linked_to_a_user_folder_is_never_read_into_or_deleted(
    model, reference, tmp_path, monkeypatch
):
    """The issue's case: a reader deleted the user's results.json/results.npy as damaged shards."""
    gh.encode(model, TEXTS)
    namespace = _namespace()
    user = tmp_path / "results"
    user.mkdir()
    shutil.copy(namespace / "key.json", user / "key.json")  # looks like the namespace it replaces
    for name in ("results.json", "results.npy", f"{'ab' * 16}.json", f"{'ab' * 16}.npy"):
        (user / name).write_text("the user's own file")
    shutil.rmtree(namespace)
    namespace.symlink_to(user, target_is_directory=True)
    monkeypatch.setattr(cache_module, "_unwritable", set())
    with pytest.warns(gh.CacheWarning, match="symbolic link"):
        np.testing.assert_allclose(gh.encode(model, TEXTS), reference, atol=1e-5)
    assert sorted(p.name for p in user.iterdir()) == sorted(
        ["key.json", "results.json", "results.npy", f"{'ab' * 16}.json", f"{'ab' * 16}.npy"]
    )
    assert all((user / n).read_text() == "the user's own file" for n in ("results.json",))
    with pytest.warns(gh.CacheWarning, match=f"kept 1 item.*{namespace.name}"):
        assert gh.clear_cache() == 0  # nothing the cache wrote is left: the link stays
    assert len(list(user.iterdir())) == 5


def test_a_cache_another_process_is_creating_is_adopted(model, reference, tmp_path, monkeypatch):
    """Process A has made embeddings/ and a namespace, its marker and key.json still under
    their temporary names; process B must cache there too, not call it someone else's."""
    base = tmp_path / "race" / "embeddings"
    (base / "0123456789abcdef0123").mkdir(parents=True)
    (base / f".{TAG_NAME}.{'0' * 32}.tmp").write_bytes(b"Signature: 8a477f597d28d172789f0688")
    (base / "0123456789abcdef0123" / f".key.json.{'1' * 32}.tmp").write_bytes(b"{")
    monkeypatch.setenv("GIST_CACHE_DIR", str(tmp_path / "race"))
    monkeypatch.setattr(cache_module, "_unwritable", set())
    with warnings.catch_warnings():
        warnings.simplefilter("error", gh.CacheWarning)
        np.testing.assert_allclose(gh.encode(model, TEXTS), reference, atol=1e-5)
    assert cache_module.owns(base) and gh.cache_size() > 0


def test_clear_cache_keeps_a_file_saved_in_the_cache_folder_later(model, tmp_path, monkeypatch):
    """The issue's case: the cache adopted an empty embeddings/, the user saved a file there."""
    (tmp_path / "home" / "embeddings").mkdir(parents=True)
    monkeypatch.setenv("GIST_CACHE_DIR", str(tmp_path / "home"))
    gh.encode(model, TEXTS)
    mine = tmp_path / "home" / "embeddings" / "my_vectors.npy"
    mine.write_bytes(b"precious")
    (_namespace() / "notes.txt").write_text("mine too")
    size = gh.cache_size()
    with pytest.warns(gh.CacheWarning, match=r"kept 2 item.*my_vectors.npy"):
        assert gh.clear_cache() == size > 3 * 384 * 4
    assert mine.read_bytes() == b"precious" and (_namespace() / "notes.txt").is_file()
    assert not list(_namespace().glob("*.npy")) and gh.cache_size() == 0
    assert cache_module.owns(mine.parent)  # still marked: the cache keeps working there
    gh.encode(model, TEXTS)
    assert gh.cache_size() > 0


def test_clear_cache_through_a_linked_cache_folder_frees_what_it_reports(
    model, tmp_path, monkeypatch
):
    """embeddings/ a link to a marked folder (the cache moved to another disk): the shards are
    really deleted and the bytes reported are those freed; the link and its folder stay."""
    elsewhere = tmp_path / "other-disk"
    elsewhere.mkdir()
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "embeddings").symlink_to(elsewhere, target_is_directory=True)
    monkeypatch.setenv("GIST_CACHE_DIR", str(tmp_path / "root"))
    gh.encode(model, TEXTS)
    written = sum(f.stat().st_size for f in elsewhere.rglob("*") if f.is_file()) - len(TAG)
    assert gh.clear_cache() == written > 0
    assert [p.name for p in elsewhere.rglob("*")] == [TAG_NAME]
    gh.encode(model, TEXTS)  # and the cache works there again
    assert gh.cache_size() == written


def test_clear_cache_names_a_file_it_could_not_delete(model, monkeypatch):
    """A file the disk refuses to delete (simulated: root ignores permissions): the bytes
    reported are only those freed, and a warning names the file."""
    gh.encode(model, TEXTS)
    stuck = next(_namespace().glob("*.npy"))
    stuck_size = stuck.stat().st_size
    total = gh.cache_size()
    original = Path.unlink

    def refuse(self, *args, **kwargs):
        if self == stuck:
            raise PermissionError(1, "Operation not permitted", str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", refuse)
    with pytest.warns(gh.CacheWarning, match=rf"could not delete 1 file.*{stuck.name}"):
        assert gh.clear_cache() == total - stuck_size
    assert stuck.is_file()


def test_a_reader_deletes_nothing_in_a_cache_without_the_marker(tmp_path):
    """A cache from before the marker (or one that is not ours): damage is skipped, not deleted."""
    store = EmbeddingCache({"model_id": "m", "revision": "r", "dimension": 4}, root=tmp_path)
    store.put([text_hash("x")], np.ones((1, 4), dtype=np.float32))
    (store.base / TAG_NAME).unlink()
    npy = next(store.folder.glob("*.npy"))
    npy.write_bytes(npy.read_bytes()[:40])
    with pytest.warns(gh.CacheWarning, match="were skipped and their texts encoded again"):
        assert store.get([text_hash("x")]) == ({}, set())
    assert npy.is_file() and npy.with_suffix(".json").is_file()


def test_a_writer_beside_clear_cache_stores_its_vectors_without_a_false_warning(
    model, reference, monkeypatch
):
    """clear_cache in another process removes the namespace folder between a writer's mkdir and
    its rename: the writer makes the folder again, and says nothing about a writable folder."""
    monkeypatch.setattr(cache_module, "_unwritable", set())
    prepare = EmbeddingCache._prepare
    cleared = []

    def prepare_then_cleared(self):
        prepare(self)
        if not cleared:
            cleared.append(gh.clear_cache())

    monkeypatch.setattr(EmbeddingCache, "_prepare", prepare_then_cleared)
    with warnings.catch_warnings():
        warnings.simplefilter("error", gh.CacheWarning)
        np.testing.assert_allclose(gh.encode(model, TEXTS), reference, atol=1e-5)
    assert cleared and gh.cache_size() > 0  # stored after all
