"""The helpers' warnings, and how they are shown: one clean line, no file name or line number.

Python shows a warning as ``/tmp/ipykernel_1234/567.py:3: StandInWarning: …`` followed by the
source line; in a notebook that is noise in front of the message. :func:`warn` shows ours as
``StandInWarning: …`` alone. Filters still apply (``warnings.simplefilter("error", …)`` makes
it an exception, ``"ignore"`` hides it) and ``pytest.warns`` still records it; nothing is
changed in the user's warning settings.
"""

from __future__ import annotations

import warnings

__all__ = ["CacheWarning", "DataWarning", "StandInWarning", "TruncationWarning"]


class StandInWarning(UserWarning):
    """The offline stand-in is running instead of GIST."""


class TruncationWarning(UserWarning):
    """Some texts were longer than the model's limit and were cut."""


class CacheWarning(UserWarning):
    """The embedding cache could not be read or written; the results are still correct."""


class DataWarning(UserWarning):
    """A data file was read with a repair (duplicates merged, a score out of range…)."""


def warn(message: str, category: type[Warning], stacklevel: int = 2) -> None:
    """``warnings.warn`` with the message shown as ``Category: message`` on one line."""
    original = warnings.formatwarning
    warnings.formatwarning = _clean
    try:
        warnings.warn(message, category, stacklevel=stacklevel + 1)
    finally:
        warnings.formatwarning = original


def _clean(message, category, filename, lineno, line=None) -> str:
    return f"{category.__name__}: {message}\n"
