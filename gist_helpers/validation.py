"""Argument checks shared by every public function: one rule per kind of argument.

A value of the wrong type raises ``TypeError``; a value of the right type that is out of
range, empty, duplicated or damaged raises ``ValueError``. Every message names the argument,
the offending item (list position, row label or id) and what to pass instead.

Texts: any ``str`` is accepted, including the empty string and text with NUL characters
(the tokenizer reads both); text that cannot be written as UTF-8 (a lone surrogate such as
``"\\ud800"``, usually left by a broken decode) is refused with its position, before any work.
"""

from __future__ import annotations

import math
import os
from collections.abc import Hashable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__: list[str] = []

FLOAT32_MAX = float(np.finfo(np.float32).max)


def texts(value, name: str = "texts") -> list[str]:
    """``value`` as a list of strings (one string is a list of one); raise naming the culprit."""
    if value is None:
        raise TypeError(f"{name} is None; pass a list (or pandas Series) of strings.")
    if isinstance(value, np.ndarray) and value.ndim == 0:  # np.array("abc") cannot be iterated
        raise TypeError(
            f"{name} is a 0-d numpy array ({describe(value)}); pass a list of strings, or its "
            "one string as value.item()."
        )
    if isinstance(value, str):
        return [_encodable(value, name, "")]
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"{name} is {type(value).__name__}; decode it first (e.g. data.decode('utf-8')) "
            "and pass a list of strings."
        )
    if isinstance(value, (set, frozenset, dict)):
        raise TypeError(
            f"{name} is a {type(value).__name__}, which has no fixed order; pass a list."
        )
    if isinstance(value, pd.DataFrame):  # iterating a DataFrame yields its column names
        raise TypeError(
            f"{name} is a DataFrame (columns {shown(value.columns.tolist())}); pass its column "
            'of texts, e.g. df["text"], not the whole table.'
        )
    if isinstance(value, pd.Series):
        missing = value.index[value.isna()].tolist()
        if missing:
            raise ValueError(
                f"{name} has {len(missing)} missing value(s) (NaN/None) at row(s) {shown(missing)}; "
                "drop them (series.dropna()) or fill them (series.fillna('')) first."
            )
        labels, items, where = value.index.tolist(), value.tolist(), "row"
    elif isinstance(value, Iterable):
        items = list(value)
        labels, where = list(range(len(items))), "position"
    else:
        raise TypeError(f"{name} must be a list of strings, got {type(value).__name__}.")
    for label, item in zip(labels, items):
        if not isinstance(item, str):
            raise TypeError(
                f"{name}: the text at {where} {label!r} is {describe(item)}, not a string."
            )
        _encodable(item, name, f" at {where} {label!r}")
    return items


def _encodable(text: str, name: str, where: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        char = text[err.start]
        raise ValueError(
            f"{name}: the text{where} has an unencodable character U+{ord(char):04X} (a lone "
            f"surrogate, left by a broken decode) at character {err.start}; repair it, e.g. "
            "text.encode('utf-8', 'replace').decode()."
        ) from None
    return text


def text(value, name: str, *, empty: bool = False) -> str:
    """A string (a name, a title, a caption); blank only with ``empty=True``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {describe(value)}.")
    if not empty and not value.strip():
        raise ValueError(f"{name} is empty; pass a short text, e.g. a name.")
    return _encodable(value, name, "")


def path(value, name: str) -> Path:
    """A file or folder path given as ``str`` or ``os.PathLike`` (``~`` expanded)."""
    raw = os.fspath(value) if isinstance(value, os.PathLike) else value
    if not isinstance(raw, str):
        raise TypeError(
            f"{name} must be a file or folder path (a str or pathlib.Path), got {describe(value)}."
        )
    if not raw.strip():
        raise ValueError(f"{name} is empty; pass the path of a file or folder.")
    if "\0" in raw:
        raise ValueError(f"{name} {raw!r} contains a NUL character, which no path can hold.")
    return Path(raw).expanduser()


def integer(value, name: str, *, minimum: int | None = 1, maximum: int | None = None) -> int:
    """An int (not a bool, not a float) within ``minimum``–``maximum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {describe(value)}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}.")
    return int(value)


def number(value, name: str, *, low: float | None = None, high: float | None = None) -> float:
    """A finite real number within ``low``–``high`` (inclusive)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {describe(value)}.")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}.")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (
            f"lie between {low:g} and {high:g}"
            if low is not None and high is not None
            else f"be at least {low:g}"
            if low is not None
            else f"be at most {high:g}"
        )
        raise ValueError(f"{name} must {bounds}, got {value}.")
    return float(value)


def boolean(value, name: str) -> bool:
    """True or False, nothing else ("no" and 0 are refused: they read as the opposite)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {describe(value)}.")
    return bool(value)


def choice(value, name: str, options: Sequence[str]) -> str:
    """One of ``options``."""
    if not isinstance(value, Hashable) or not isinstance(value, str):
        raise TypeError(
            f"{name} must be one of {', '.join(map(repr, options))}; got {describe(value)}."
        )
    if value not in options:
        raise ValueError(f"{name}={value!r} is not one of {', '.join(map(repr, options))}.")
    return value


def matrix(value, name: str, *, width: int | None = None) -> np.ndarray:
    """A non-empty 2-D float32 array of finite numbers (one row per text).

    Real numbers only (booleans, integers, floats): complex numbers, dates and text are
    refused, and so is a finite value beyond float32's range (it would become infinite).
    """
    if hasattr(value, "detach"):  # a torch tensor; numpy has no bfloat16
        value = value.detach().cpu()
        value = value.float().numpy() if str(value.dtype) == "torch.bfloat16" else value.numpy()
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a 2-D numeric array, got {describe(value)}.") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array of real numbers, got dtype {array.dtype}.")
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D (rows × dimensions), got shape {array.shape}.")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); it needs at least one row.")
    if width is not None and array.shape[1] != width:
        raise ValueError(
            f"{name} has {array.shape[1]} columns, expected {width}; use the same model throughout."
        )
    bad = np.flatnonzero(~np.isfinite(array).all(axis=1))
    if bad.size:
        raise ValueError(
            f"{name} row(s) {shown(bad.tolist())} contain NaN or inf; re-encode those texts."
        )
    if array.dtype.kind == "f" and array.dtype.itemsize > 4:
        huge = np.flatnonzero((np.abs(array) > FLOAT32_MAX).any(axis=1))
        if huge.size:
            raise ValueError(
                f"{name} row(s) {shown(huge.tolist())} hold values beyond float32's range "
                f"(±{FLOAT32_MAX:.3g}), which would become infinite; rescale them."
            )
    return np.ascontiguousarray(array, dtype=np.float32)


def labels(value, n: int, name: str = "labels") -> np.ndarray:
    """One hashable, non-missing label per row (``n`` of them)."""
    if (
        value is None
        or isinstance(value, (str, bytes, Mapping, pd.DataFrame))
        or not isinstance(value, Iterable)
    ):
        raise TypeError(f"{name} must be a sequence with one label per row, got {describe(value)}.")
    items = value.tolist() if isinstance(value, (pd.Series, pd.Index, np.ndarray)) else list(value)
    if len(items) != n:
        raise ValueError(f"{name} has {len(items)} entries for {n} rows; give one label per row.")
    for position, item in enumerate(items):
        if pd.api.types.is_scalar(item) and pd.isna(item):  # None, NaN, pd.NA, NaT
            raise ValueError(
                f"{name} at position {position} is missing ({describe(item)}); every row needs "
                "a label."
            )
        if not isinstance(item, Hashable):
            raise TypeError(
                f"{name} at position {position} is {describe(item)}, which cannot be a label."
            )
    text = next((i for i, item in enumerate(items) if isinstance(item, str)), None)
    other = next((i for i, item in enumerate(items) if not isinstance(item, str)), None)
    if text is not None and other is not None:  # 1 and "1" would be two classes, or an error
        raise TypeError(
            f"{name} mixes strings and other types: {items[other]!r} "
            f"({type(items[other]).__name__}) at position {other} and {items[text]!r} (str) at "
            f"position {text}; give every label the same type, e.g. [str(x) for x in {name}]."
        )
    return np.asarray(items, dtype=object)


def describe(value) -> str:
    """A short description of a value for an error message: its type and a clipped repr."""
    if value is None:
        return "None"
    if value is pd.NA or value is pd.NaT:
        return repr(value)
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return "NaN"
    text = repr(value)
    return f"{type(value).__name__} {text[:40] + '…' if len(text) > 40 else text}"


def shown(items: list) -> str:
    """The first ten items of a list for a message, then an ellipsis."""
    return ", ".join(map(repr, items[:10])) + (" …" if len(items) > 10 else "")
