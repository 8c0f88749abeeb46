"""Environment switches read by the helpers, in one place.

| variable | effect |
| --- | --- |
| ``GIST_MODEL`` | model to load instead of GIST (hub id or local folder) |
| ``GIST_STRICT`` | ``1``: never fall back to the offline stand-in |
| ``GIST_DEVICE`` | ``cpu`` / ``cuda`` / ``mps`` instead of the automatic choice |
| ``GIST_CACHE_DIR`` | where the embedding cache lives |
| ``GIST_PROGRESS`` | ``0``: no progress bars (set by the tests) |
| ``GIST_QUICK`` | ``1``: scale slow notebook work down (set by the tests) |
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

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


def quick_mode() -> bool:
    """True when ``GIST_QUICK=1``: notebooks run on smaller samples (tests, CI)."""
    return env_flag("GIST_QUICK")


def scaled(full: int, quick: int) -> int:
    """Return ``quick`` in quick mode and ``full`` otherwise (sizes of slow steps)."""
    return quick if quick_mode() else full


def progress_enabled(n_items: int, threshold: int = 256) -> bool:
    """Whether to show a progress bar for ``n_items`` of work."""
    return env_flag("GIST_PROGRESS", default=True) and n_items >= threshold


def cache_root() -> Path:
    """Root of the project's on-disk caches (``GIST_CACHE_DIR`` or the user cache dir)."""
    custom = os.environ.get("GIST_CACHE_DIR", "").strip()
    if custom:
        return Path(custom).expanduser()
    return Path(platformdirs.user_cache_dir("gist-notebooks"))
