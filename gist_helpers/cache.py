"""An on-disk embedding cache without pickle. Taught in notebook 02.

Layout: ``<cache root>/embeddings/<namespace>/`` where the namespace is a hash of
the model id, revision, backend, normalisation, max length and dimension. Each
write adds a shard: ``<id>.npy`` (float32 rows) plus ``<id>.json`` (the sha256 of
each row's text, the shape and the sha256 of the .npy bytes). A shard whose bytes,
shape or key do not match is deleted and its texts recomputed, never returned.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import uuid
import warnings
from pathlib import Path

import numpy as np

from .settings import cache_root

__all__ = ["cache_size", "clear_cache"]

FORMAT = 1


def text_hash(text: str) -> str:
    """The key of one text inside a namespace."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Embeddings of texts for one model configuration (``key``), stored on disk."""

    def __init__(self, key: dict, root: Path | None = None):
        self.key = {"format": FORMAT, **key}
        blob = json.dumps(self.key, sort_keys=True).encode()
        namespace = hashlib.sha256(blob).hexdigest()[:20]
        self.folder = (root or cache_root()) / "embeddings" / namespace
        self.dim = int(key["dimension"])

    def get(self, hashes: list[str]) -> tuple[dict[str, np.ndarray], set[str]]:
        """Cached vectors for the given text hashes (missing ones are absent), and which of
        the found texts were cut at the model's token limit when they were encoded."""
        if not self.folder.is_dir() or not self._key_matches():
            return {}, set()
        wanted = set(hashes)
        found: dict[str, np.ndarray] = {}
        cut: set[str] = set()
        for index_file in sorted(self.folder.glob("*.json")):
            if index_file.name == "key.json" or not wanted:
                continue
            index = self._read_index(index_file)
            rows = [(i, h) for i, h in enumerate(index["hashes"]) if h in wanted] if index else []
            if not rows:
                continue
            matrix = self._read_shard(index_file, index)
            if matrix is None:
                continue
            was_cut = set(index.get("cut", ()))
            for i, h in rows:
                found[h] = matrix[i]
                wanted.discard(h)
                if h in was_cut:
                    cut.add(h)
        return found, cut

    def put(self, hashes: list[str], vectors: np.ndarray, cut: set[str] = frozenset()) -> None:
        """Store ``vectors`` (one row per hash) as a new shard; ``cut``: hashes of cut texts."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(hashes), self.dim):
            raise ValueError(f"expected shape {(len(hashes), self.dim)}, got {vectors.shape}.")
        if not hashes:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.folder / "key.json", json.dumps(self.key, sort_keys=True).encode())
        buffer = io.BytesIO()
        np.save(buffer, vectors, allow_pickle=False)
        payload = buffer.getvalue()
        shard = uuid.uuid4().hex
        _write_atomic(self.folder / f"{shard}.npy", payload)
        index = {
            "shape": list(vectors.shape),
            "sha256": hashlib.sha256(payload).hexdigest(),
            "hashes": list(hashes),
            "cut": sorted(set(cut) & set(hashes)),
        }
        _write_atomic(self.folder / f"{shard}.json", json.dumps(index).encode())

    def _key_matches(self) -> bool:
        try:
            stored = json.loads((self.folder / "key.json").read_text())
        except (OSError, ValueError):
            stored = None
        if stored == self.key:
            return True
        warnings.warn(f"embedding cache {self.folder} has a mismatched key; clearing it.", stacklevel=4)
        shutil.rmtree(self.folder, ignore_errors=True)
        return False

    def _read_index(self, index_file: Path) -> dict | None:
        try:
            index = json.loads(index_file.read_text())
            if len(index["hashes"]) == index["shape"][0] and index["shape"][1] == self.dim:
                return index
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            pass
        self._drop(index_file, "unreadable index")
        return None

    def _read_shard(self, index_file: Path, index: dict) -> np.ndarray | None:
        npy = index_file.with_suffix(".npy")
        try:
            payload = npy.read_bytes()
            if hashlib.sha256(payload).hexdigest() != index["sha256"]:
                raise ValueError("checksum mismatch")
            matrix = np.load(io.BytesIO(payload), allow_pickle=False)
            if matrix.dtype != np.float32 or list(matrix.shape) != index["shape"]:
                raise ValueError("wrong shape or dtype")
            if not np.isfinite(matrix).all():
                raise ValueError("non-finite values")
        except (OSError, ValueError) as err:
            self._drop(index_file, str(err))
            return None
        return matrix

    def _drop(self, index_file: Path, why: str) -> None:
        warnings.warn(f"damaged embedding cache shard {index_file.stem} ({why}): recomputing.", stacklevel=5)
        index_file.unlink(missing_ok=True)
        index_file.with_suffix(".npy").unlink(missing_ok=True)


def cache_size(root: Path | None = None) -> int:
    """Bytes used by the embedding cache."""
    folder = (root or cache_root()) / "embeddings"
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.exists() else 0


def clear_cache(root: Path | None = None) -> int:
    """Delete every cached embedding; return the number of bytes freed."""
    freed = cache_size(root)
    shutil.rmtree((root or cache_root()) / "embeddings", ignore_errors=True)
    return freed


def _write_atomic(path: Path, payload: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_bytes(payload)
    os.replace(tmp, path)
