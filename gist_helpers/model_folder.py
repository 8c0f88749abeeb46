"""Checks of a model folder on disk, before sentence-transformers reads it.

:func:`damage` says which file of a folder is damaged (a JSON file that does not parse or has
the wrong shape, a truncated safetensors file), so :func:`gist_helpers.load_model` can name it
instead of passing on a library's parse error. :func:`is_stand_in_copy` tells a copy of the
offline stand-in (``model.save(folder)`` of it) by its weights and tokenizer, so it keeps its
label. :func:`folder_state` says what a folder holds now, so that a folder edited after loading
is read again.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

__all__: list[str] = []

# JSON files the loaders read, and the shape each must have.
_JSON_SHAPES = {
    "modules.json": list,
    "config.json": dict,
    "config_sentence_transformers.json": dict,
    "sentence_bert_config.json": dict,
    "tokenizer.json": dict,
    "tokenizer_config.json": dict,
    "special_tokens_map.json": dict,
    "added_tokens.json": dict,
}
_FLOATS = {"F64", "F32", "F16", "BF16"}
_MAX_HEADER = 100_000_000  # the safetensors format's own limit
_HASHED = 16 << 20  # files up to this size (configuration, tokenizer) are compared by content


def damage(folder: Path) -> str | None:
    """What is damaged in a model folder (file and how), or None if nothing cheap to see is."""
    files = [folder / name for name in _JSON_SHAPES] + sorted(folder.glob("*/config.json"))
    for file in files:
        if not file.exists() and not file.is_symlink():
            continue
        shape = _JSON_SHAPES.get(file.name) if file.parent == folder else dict
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:  # missing blob, not UTF-8, cut short
            return (
                f"{file.relative_to(folder)} cannot be read as JSON ({type(err).__name__}: {err})"
            )
        if not isinstance(data, shape):
            kind = "a list" if shape is list else "an object"
            return f"{file.relative_to(folder)} holds a JSON {type(data).__name__}, not {kind}"
    for file in sorted(folder.glob("*.safetensors")):
        try:
            safetensors_layout(file)
        except (OSError, ValueError) as err:
            return f"{file.name} is damaged ({err})"
    return None


def safetensors_layout(file: Path) -> tuple[dict, int]:
    """The header of a safetensors file (tensor name -> dtype, shape, data offsets) and the
    offset where its data starts. ValueError if the file is cut short or malformed."""
    size = file.stat().st_size
    with file.open("rb") as handle:
        head = handle.read(8)
        if len(head) < 8:
            raise ValueError(f"{size} bytes, shorter than a safetensors header")
        length = int.from_bytes(head, "little")
        if length > min(size - 8, _MAX_HEADER):
            raise ValueError(
                f"its header claims {length:,} bytes but the file has {size:,}: cut short"
            )
        try:
            header = json.loads(handle.read(length))
        except ValueError as err:
            raise ValueError(f"its header is not valid JSON ({err})") from None
    if not isinstance(header, dict):
        raise ValueError("its header is not a JSON object")
    end = 0
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            start, stop = entry["data_offsets"]
            end = max(end, int(stop))
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"tensor {name!r} has no valid data_offsets") from None
    if 8 + length + end > size:
        raise ValueError(
            f"the file has {size:,} bytes, its header describes {8 + length + end:,}: cut short"
        )
    return header, 8 + length


def is_stand_in_copy(folder: Path, stand_in: Path) -> bool:
    """True if ``folder`` holds the stand-in's weights, modules and tokenizer (as ``model.save``
    writes them: tensor names, file layout and JSON formatting may differ, the floating-point
    tensors and the tokenizer's definition may not). Reads the weights only when their shapes
    are the stand-in's, and the tokenizer only when the weights are the stand-in's."""
    files = sorted(folder.glob("*.safetensors"))
    try:
        if len(files) != 1 or _module_types(folder) != _module_types(stand_in):
            return False
        shapes, digests = _reference(stand_in)
        if _float_shapes(files[0]) != shapes or _float_digests(files[0]) != digests:
            return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    try:  # the same weights with another tokenizer (or lower-casing) give other vectors
        return _tokenizer_facts(folder) == _reference_tokenizer(stand_in)
    except Exception:  # a tokenizer that does not load is not the stand-in's
        return False


def folder_state(folder: Path) -> tuple:
    """What a model folder holds now: each file's path, size and modification time, and the
    sha256 of each file up to 16 MB (configuration, tokenizer: an edit shows even within one
    tick of the file system's clock)."""
    state = []
    for file in sorted(folder.rglob("*")):
        try:
            if not file.is_file():
                continue
            stat = file.stat()
            small = stat.st_size <= _HASHED
            content = hashlib.sha256(file.read_bytes()).hexdigest() if small else None
        except OSError:  # removed meanwhile, unreadable: its absence is the state
            continue
        state.append((file.relative_to(folder).as_posix(), stat.st_size, stat.st_mtime_ns, content))
    return tuple(state)


def _tokenizer_facts(folder: Path) -> tuple[str, bool]:
    """The digest of the tokenizer a folder loads, and sentence-transformers' own lower-casing."""
    from transformers import AutoTokenizer

    from .fingerprint import tokenizer_digest

    config_file = folder / "sentence_bert_config.json"
    config = json.loads(config_file.read_text(encoding="utf-8")) if config_file.exists() else {}
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    return tokenizer_digest(tokenizer), bool(config.get("do_lower_case", False))


@functools.cache
def _reference_tokenizer(stand_in: Path) -> tuple[str, bool]:
    return _tokenizer_facts(stand_in)


@functools.cache
def _reference(stand_in: Path) -> tuple[list, list[str]]:
    (file,) = sorted(stand_in.glob("*.safetensors"))
    return _float_shapes(file), _float_digests(file)


def _module_types(folder: Path) -> list[str]:
    modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    return [str(m["type"]).rsplit(".", 1)[-1] for m in modules]


def _float_shapes(file: Path) -> list:
    return sorted((e["dtype"], e["shape"]) for e in _float_entries(file)[0])


def _float_digests(file: Path) -> list[str]:
    """A sorted digest per floating-point tensor (dtype, shape, bytes), names left out."""
    entries, start = _float_entries(file)
    digests = []
    with file.open("rb") as handle:
        for entry in entries:
            begin, end = entry["data_offsets"]
            handle.seek(start + begin)
            digest = hashlib.sha256(f"{entry['dtype']}{entry['shape']}".encode())
            digest.update(handle.read(end - begin))
            digests.append(digest.hexdigest())
    return sorted(digests)


def _float_entries(file: Path) -> tuple[list[dict], int]:
    header, start = safetensors_layout(file)
    entries = [e for n, e in header.items() if n != "__metadata__" and e["dtype"] in _FLOATS]
    return entries, start
