"""Every environment switch the helpers read, in one place (the README's table lists them).

| variable | effect |
| --- | --- |
| ``GIST_MODEL`` | model to load instead of GIST (hub id or local folder) |
| ``GIST_STRICT`` | ``1``: never fall back to the offline stand-in |
| ``GIST_DEVICE`` | ``cpu`` / ``cuda`` / ``mps`` instead of the automatic choice |
| ``GIST_INT8_CONFIG`` | int8 kernels to quantise for instead of this CPU's own |
| ``GIST_CACHE_DIR`` | where the embedding cache and the ONNX exports live |
| ``GIST_DATA_DIR`` | where the datasets are read from instead of the package's data/ |
| ``GIST_PROGRESS`` | ``0``: no progress bars (set by the tests) |
| ``GIST_QUICK`` | ``1``: scale slow notebook work down (set by the tests) |
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from . import validation as check

__all__ = ["quick_mode", "scaled"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_flag(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable; anything unrecognised is an error."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(f"{name}={os.environ[name]!r} is not a yes/no value; use 1 or 0.")


def env_text(name: str) -> str | None:
    """A text environment variable, stripped; None when unset or empty."""
    return os.environ.get(name, "").strip() or None


def quick_mode() -> bool:
    """True when ``GIST_QUICK=1``: notebooks run on smaller samples (tests, CI)."""
    return env_flag("GIST_QUICK")


def scaled(full: int, quick: int) -> int:
    """``quick`` in quick mode, else ``full``: the size of a slow step (every notebook)."""
    full, quick = check.integer(full, "full", minimum=0), check.integer(quick, "quick", minimum=0)
    return quick if quick_mode() else full


def progress_enabled(n_items: int, threshold: int = 256) -> bool:
    """Whether to show a progress bar for ``n_items`` of work."""
    return env_flag("GIST_PROGRESS", default=True) and n_items >= threshold


def cache_root() -> Path:
    """Root of the project's on-disk caches (``GIST_CACHE_DIR`` or the user cache dir)."""
    custom = env_text("GIST_CACHE_DIR")
    if custom:
        return Path(custom).expanduser()
    return Path(platformdirs.user_cache_dir("gist-notebooks"))


def data_override() -> Path | None:
    """``GIST_DATA_DIR`` as a path, or None."""
    custom = env_text("GIST_DATA_DIR")
    return Path(custom).expanduser() if custom else None
