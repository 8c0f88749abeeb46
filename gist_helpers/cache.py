"""The on-disk embedding cache behind :func:`gist_helpers.encode`: no pickle, nothing trusted.

Layout: ``<cache root>/embeddings/`` carries a ``CACHEDIR.TAG`` (the standard cache marker)
and one folder per model configuration (a hash of the model id, revision, backend,
normalisation, max length, dimension and the model's fingerprint: its weights, precision and
modules), holding ``key.json`` and shards. A shard is
``<id>.npy`` (float32 rows) plus ``<id>.json``: the sha256 of each row's text, which rows
were cut at the token limit, the shape, the sha256 of the .npy bytes, and a digest of all that.

Every file is written under a temporary name and renamed, the index last, so a reader sees
a whole shard or none. A shard that fails any check when read (missing, truncated, edited,
reordered, a folder where a file should be…) is a miss: its texts are encoded again, with one
:class:`CacheWarning`, and its damaged files are deleted.

Only what the cache wrote is ever deleted: files with the names it gives (shards, ``key.json``,
its temporary files) in namespace folders inside the marked folder. Never a folder a reader
finds, never a file of another name (yours, saved there later), never anything reached through
a symbolic link (a namespace that is a link is not used at all). A cache that cannot be
written warns once and ``encode`` still returns its result.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import uuid
from pathlib import Path

import numpy as np

from . import validation as check
from .notices import CacheWarning, warn
from .settings import cache_root

__all__ = ["cache_size", "clear_cache"]

FORMAT = 2
TAG_NAME = "CACHEDIR.TAG"
TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by gist-notebooks (its embedding cache).\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)
_unwritable: set[str] = set()  # folders we already warned about, once per process

# The names of everything the cache writes: namespace folders in the marked folder, and in
# them key.json and shards (<uuid>.npy, <uuid>.json); write_atomic's temporary files anywhere.
_NAMESPACE = re.compile(r"[0-9a-f]{20}")
_SHARD = re.compile(r"[0-9a-f]{32}\.(?:npy|json)")
_TEMPORARY = re.compile(r"\..+\.[0-9a-f]{32}\.tmp")


def text_hash(text: str) -> str:
    """The key of one text inside a namespace (the text must be valid UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Embeddings of texts for one model configuration (``key``), stored on disk."""

    def __init__(self, key: dict, root: Path | None = None):
        self.key = {"format": FORMAT, **key}
        blob = json.dumps(self.key, sort_keys=True).encode()
        self.base = (root or cache_root()) / "embeddings"
        self.folder = self.base / hashlib.sha256(blob).hexdigest()[:20]
        self.dim = int(key["dimension"])

    def get(self, hashes: list[str]) -> tuple[dict[str, np.ndarray], set[str]]:
        """Cached vectors for the given text hashes (missing ones are absent), and which of
        the found texts were cut at the model's token limit when they were encoded."""
        found: dict[str, np.ndarray] = {}
        cut: set[str] = set()
        wanted = set(hashes)
        damaged: list[str] = []
        try:
            if not wanted or not _real_dir(self.folder) or not self._key_matches():
                return found, cut  # a namespace that is a link is not ours: never read or deleted
            index_files = sorted(
                p for p in self.folder.glob("*.json") if _SHARD.fullmatch(p.name) and _real_file(p)
            )
        except OSError:
            return found, cut
        for index_file in index_files:
            if not wanted:
                break
            try:
                index = self._read_index(index_file)
                rows = [(i, h) for i, h in enumerate(index["hashes"]) if h in wanted]
                # Writers write the data before the index: an index without data is damage.
                matrix = self._read_matrix(index_file.with_suffix(".npy"), index) if rows else None
                was_cut = set(index["cut"])
            except Exception as err:  # any damage at all: a miss, never an error
                if isinstance(err, FileNotFoundError) and not index_file.exists():
                    continue  # the index itself was removed meanwhile by another process
                damaged.append(f"{index_file.stem} ({type(err).__name__}: {err})"[:160])
                self._drop(index_file)
                continue
            for i, h in rows:
                found[h] = matrix[i]
                wanted.discard(h)
                if h in was_cut:
                    cut.add(h)
        if damaged:
            warn(
                f"{len(damaged)} damaged shard(s) in the embedding cache {self.folder} were "
                f"{'deleted' if owns(self.base) else 'skipped'} and their texts encoded again: "
                f"{'; '.join(damaged[:3])}",
                CacheWarning,
                stacklevel=3,
            )
        return found, cut

    def put(self, hashes: list[str], vectors: np.ndarray, cut: set[str] = frozenset()) -> None:
        """Store ``vectors`` (one row per hash) as a new shard; ``cut``: hashes of cut texts.

        Never raises for a disk problem: an unwritable cache warns once per folder.
        """
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(hashes), self.dim):
            raise ValueError(f"expected shape {(len(hashes), self.dim)}, got {vectors.shape}.")
        if not hashes:
            return
        buffer = io.BytesIO()
        np.save(buffer, vectors, allow_pickle=False)
        payload = buffer.getvalue()
        index = _signed(
            {
                "shape": list(vectors.shape),
                "sha256": hashlib.sha256(payload).hexdigest(),
                "hashes": list(hashes),
                "cut": sorted(set(cut) & set(hashes)),
            }
        )
        try:
            for attempt in range(3):
                try:
                    self._prepare()
                    shard = uuid.uuid4().hex
                    write_atomic(self.folder / f"{shard}.npy", payload)
                    write_atomic(self.folder / f"{shard}.json", json.dumps(index).encode())
                    break
                except FileNotFoundError:
                    # clear_cache in another process removed the folder meanwhile: make it
                    # again (twice at most; then it is a disk problem after all)
                    if attempt == 2:
                        raise
        except (OSError, ValueError) as err:
            if str(self.base) not in _unwritable:
                _unwritable.add(str(self.base))
                warn(
                    f"the embedding cache {self.base} cannot be written ({type(err).__name__}: "
                    f"{err}); embeddings are returned but not cached. Set GIST_CACHE_DIR to a "
                    "writable folder, or pass cache=False.",
                    CacheWarning,
                    stacklevel=3,
                )

    def _prepare(self) -> None:
        """Create the cache folder with its marker, refusing to adopt a folder that is not ours."""
        if self.base.exists() and not owns(self.base) and not _only_ours(self.base):
            raise PermissionError(
                f"{self.base} exists and is not a gist-notebooks cache (no {TAG_NAME}, and it "
                "holds files the cache did not write); not writing into it"
            )
        self.base.mkdir(parents=True, exist_ok=True)
        if not owns(self.base):
            write_atomic(self.base / TAG_NAME, TAG.encode())
        if self.folder.is_symlink():
            raise PermissionError(
                f"{self.folder} is a symbolic link, not a folder the cache made; not writing through it"
            )
        self.folder.mkdir(exist_ok=True)
        if not self._key_matches():
            write_atomic(self.folder / "key.json", json.dumps(self.key, sort_keys=True).encode())

    def _key_matches(self) -> bool:
        """False when key.json is missing (a writer is starting) or belongs to another model."""
        try:
            return _read_json(self.folder / "key.json") == self.key
        except (OSError, ValueError):  # missing, unreadable, not JSON, not UTF-8
            return False

    def _read_index(self, index_file: Path) -> dict:
        index = _read_json(index_file)
        if not isinstance(index, dict):
            raise ValueError("index is not a JSON object")
        body = {k: index.get(k) for k in ("shape", "sha256", "hashes", "cut")}
        if _signed(body)["digest"] != index.get("digest"):
            raise ValueError("index fails its digest")
        hashes, shape = index["hashes"], index["shape"]
        if not (
            isinstance(hashes, list)
            and isinstance(index["cut"], list)
            and shape == [len(hashes), self.dim]
        ):
            raise ValueError("index shape does not match its rows")
        return index

    def _read_matrix(self, npy: Path, index: dict) -> np.ndarray:
        payload = npy.read_bytes()
        if hashlib.sha256(payload).hexdigest() != index["sha256"]:
            raise ValueError("data checksum mismatch")
        matrix = np.load(io.BytesIO(payload), allow_pickle=False)
        if matrix.dtype != np.float32 or list(matrix.shape) != index["shape"]:
            raise ValueError("data has the wrong shape or type")
        if not np.isfinite(matrix).all():
            raise ValueError("data has non-finite values")
        return matrix

    def _drop(self, index_file: Path) -> None:
        """Delete a damaged shard's files: only regular files, in a cache that is marked ours."""
        if not owns(self.base):
            return  # a cache from before the marker, or someone else's: read, never cleaned
        for path in (index_file, index_file.with_suffix(".npy")):
            if _real_file(path):  # a folder or a link in its place is not ours to delete
                with contextlib.suppress(OSError):  # read-only: it stays a miss next time too
                    path.unlink()


def owns(folder: Path) -> bool:
    """True if ``folder`` carries the cache marker this package writes."""
    try:
        text = (folder / TAG_NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return text.startswith(TAG.splitlines()[0]) and "gist-notebooks" in text


def _only_ours(folder: Path) -> bool:
    """True for a folder holding nothing but what the cache writes (namespaces of shards, temporary
    files): a cache from before the marker existed, or one another process is creating right
    now (its marker not yet renamed into place). Empty counts too. Safe to adopt."""
    return all(
        _TEMPORARY.fullmatch(p.name)
        and _real_file(p)
        or _NAMESPACE.fullmatch(p.name)
        and _real_dir(p)
        and all(map(_written, p.iterdir()))
        for p in folder.iterdir()
    )


def _written(path: Path) -> bool:
    """True if ``path``, inside a namespace, is a regular file with a name the cache gives."""
    name = path.name
    return (
        name == "key.json" or _SHARD.fullmatch(name) or _TEMPORARY.fullmatch(name)
    ) is not None and _real_file(path)


def _real_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _own_files(folder: Path) -> list[Path]:
    """Every file the cache wrote in a marked folder (never following a link)."""
    files = [p for p in folder.iterdir() if _TEMPORARY.fullmatch(p.name) and _real_file(p)]
    for namespace in folder.iterdir():
        if _NAMESPACE.fullmatch(namespace.name) and _real_dir(namespace):
            files += [p for p in namespace.iterdir() if _written(p)]
    return files


def _root(root) -> Path:
    """The cache root given (a str or Path, checked) or, for None, the configured one."""
    return cache_root() if root is None else check.path(root, "root")


def cache_size(root: Path | str | None = None) -> int:
    """Bytes of the files the embedding cache wrote (0 when there is none). Notebook 02."""
    folder = _root(root) / "embeddings"
    if not owns(folder):
        return 0
    return sum(_size(p) for p in _own_files(folder))


def clear_cache(root: Path | str | None = None) -> int:
    """Delete every cached embedding; return the number of bytes really freed. Notebook 02.

    Deletes only what the cache wrote, in a folder that carries its marker: pointing
    ``GIST_CACHE_DIR`` at a folder of yours never removes your files (a warning says so and
    nothing happens), and a file you saved inside the cache folder stays (a warning names it).
    A file that cannot be deleted is named in a warning too.
    """
    folder = _root(root) / "embeddings"
    if not folder.exists():
        return 0
    if not owns(folder):
        warn(
            f"{folder} is not a gist-notebooks embedding cache (it has no {TAG_NAME} written by "
            "gist-notebooks), so nothing was deleted.",
            CacheWarning,
        )
        return 0
    freed, failed = 0, []
    for path in _own_files(folder):
        size = _size(path)
        try:
            path.unlink()
        except FileNotFoundError:
            continue  # another process removed it first
        except OSError as err:
            failed.append(f"{path.name} ({err.strerror or type(err).__name__})")
            continue
        freed += size
    for namespace in folder.iterdir():
        if _NAMESPACE.fullmatch(namespace.name) and _real_dir(namespace):
            with contextlib.suppress(OSError):  # not empty: it holds a file the cache did not write
                namespace.rmdir()
    left = _foreign(folder)
    if failed:
        warn(
            f"clear_cache could not delete {len(failed)} file(s) in {folder}: "
            f"{', '.join(failed[:5])}; {freed:,} bytes were freed.",
            CacheWarning,
        )
    if left:
        warn(
            f"clear_cache kept {len(left)} item(s) in {folder} that the cache did not write: "
            f"{', '.join(left[:5])}. Move them elsewhere if they are yours.",
            CacheWarning,
        )
    if (
        not failed and not left and not folder.is_symlink()
    ):  # a link's target stays, marked, for the next encode
        with contextlib.suppress(OSError):
            (folder / TAG_NAME).unlink()
            folder.rmdir()
    return freed


def _foreign(folder: Path) -> list[str]:
    """What a marked folder holds that the cache did not write (links are listed, not entered)."""
    found = []
    for path in sorted(folder.iterdir()):
        if _NAMESPACE.fullmatch(path.name) and _real_dir(path):
            found += [f"{path.name}/{p.name}" for p in sorted(path.iterdir()) if not _written(p)]
        elif path.name != TAG_NAME and not (_TEMPORARY.fullmatch(path.name) and _real_file(path)):
            found.append(path.name)
    return found


def _size(path: Path) -> int:
    try:
        return path.lstat().st_size
    except OSError:
        return 0


def write_atomic(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` under a temporary name, then rename: all or nothing."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_bytes(payload)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _signed(index: dict) -> dict:
    blob = json.dumps(index, sort_keys=True).encode()
    return index | {"digest": hashlib.sha256(blob).hexdigest()}


def _read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))
