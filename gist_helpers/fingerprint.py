"""What a loaded model is now, beyond its id and revision: weights, precision, modules.

:func:`gist_helpers.encode` keys its cache on this, and :func:`gist_helpers.load_model` uses it
to tell a model changed since it was loaded (trained in place, ``half()``, moved, its pooling
or ``max_seq_length`` edited), so neither ever passes a changed model off as the pristine one.

Cheap while nothing changed: each parameter's and buffer's identity, version counter (bumped
by every in-place write autograd sees: optimizer steps, ``copy_``, ``load_state_dict``), dtype,
device and storage are compared with the state recorded at load. Only after a change is a
sha256 of the tensors computed, once per change. A write through ``tensor.data`` bypasses the
version counter and is not seen: write through the parameter (as optimizers do).
"""

from __future__ import annotations

import hashlib
import json
import weakref
from itertools import chain

import torch
from sentence_transformers import SentenceTransformer

__all__: list[str] = []

# The state of each model when load_model returned it: (tensor state, modules).
_AT_LOAD: weakref.WeakKeyDictionary[SentenceTransformer, tuple] = weakref.WeakKeyDictionary()
# The digest of each changed model's tensors, with the tensor state it was computed for.
_DIGESTS: weakref.WeakKeyDictionary[SentenceTransformer, tuple] = weakref.WeakKeyDictionary()
# The digest of the exported graph files of a model without torch tensors (ONNX, OpenVINO).
_GRAPHS: weakref.WeakKeyDictionary[SentenceTransformer, str] = weakref.WeakKeyDictionary()


def remember(model: SentenceTransformer, graph: str | None = None) -> None:
    """Record ``model`` as loaded (``graph``: the digest of its exported graph, if it has one)."""
    _AT_LOAD[model] = (_tensor_state(model), _modules(model))
    if graph is not None:
        _GRAPHS[model] = graph


def changed(model: SentenceTransformer) -> bool:
    """True if a model load_model returned has changed since (weights, dtype, device, modules)."""
    loaded = _AT_LOAD.get(model)
    return loaded is not None and loaded != (_tensor_state(model), _modules(model))


def fingerprint(model: SentenceTransformer) -> dict:
    """``weights`` ("as loaded", or a sha256 of the tensors once changed; an exported graph's
    file digest), ``precision`` (device, dtypes, matmul precision) and ``modules`` (each
    module's class and configuration, the token limit, prompts, truncation)."""
    tensors = _tensor_state(model)
    loaded = _AT_LOAD.get(model)
    if not tensors:
        weights = _GRAPHS.get(model, "unknown graph")
    elif loaded is not None and loaded[0] == tensors:
        weights = "as loaded"
    else:
        remembered = _DIGESTS.get(model)
        if remembered is None or remembered[0] != tensors:
            remembered = (tensors, tensors_digest(model))
            _DIGESTS[model] = remembered
        weights = remembered[1]
    return {"weights": weights, "precision": _precision(model, tensors), "modules": _modules(model)}


def tensors_digest(model: torch.nn.Module) -> str:
    """A sha256 of every parameter and buffer: name, dtype, shape and bytes."""
    digest = hashlib.sha256()
    for name, tensor in chain(model.named_parameters(), model.named_buffers()):
        flat = tensor.detach().reshape(-1).contiguous()
        digest.update(f"{name}:{flat.dtype}:{tuple(tensor.shape)};".encode())
        digest.update(flat.view(torch.uint8).cpu().numpy().data)
    return "sha256:" + digest.hexdigest()[:24]


def _tensor_state(model: torch.nn.Module) -> tuple:
    """Identity, version counter, dtype, device and storage of every parameter and buffer.

    Walks the modules' own dictionaries: ``model.parameters()`` builds every tensor's dotted
    name and costs about three times as much (this runs on every ``encode``).
    """
    state, todo = [], [model]
    while todo:
        module = todo.pop()
        for tensors in (module._parameters, module._buffers):
            state += [
                (id(t), t._version, t.dtype, t.device, t.data_ptr())
                for t in tensors.values()
                if t is not None
            ]
        todo += [m for m in module._modules.values() if m is not None]
    return tuple(state)


def _precision(model: SentenceTransformer, tensors: tuple) -> str:
    """Device, dtypes and the settings that change float32 arithmetic there."""
    device = tensors[0][3] if tensors else model.device
    dtypes = sorted({str(dtype).removeprefix("torch.") for _, _, dtype, _, _ in tensors})
    text = f"{device.type} {'+'.join(dtypes) or 'graph'} {_float32_settings()}"
    if device.type == "cuda":
        text += f" {torch.cuda.get_device_name(device)}"
    return text


# Where torch >= 2.9 sets the precision of float32 arithmetic (TF32 on CUDA, bf16 with oneDNN).
_FP32_SETTINGS = (
    "",
    "cuda.matmul",
    "cudnn",
    "cudnn.conv",
    "mkldnn",
    "mkldnn.matmul",
    "mkldnn.conv",
)


def _float32_settings() -> str:
    """The float32 precision settings (the new ones where they exist: reading the old TF32
    flags warns on torch >= 2.9)."""
    if hasattr(torch.backends, "fp32_precision"):
        values = []
        for name in _FP32_SETTINGS:
            owner = torch.backends
            for part in filter(None, name.split(".")):
                owner = getattr(owner, part)
            values.append(f"{name or 'all'}:{getattr(owner, 'fp32_precision', '?')}")
        return " ".join(values)
    return (
        f"matmul:{torch.get_float32_matmul_precision()} "
        f"tf32:{torch.backends.cuda.matmul.allow_tf32}/{torch.backends.cudnn.allow_tf32}"
    )


def _modules(model: SentenceTransformer) -> str:
    """Each module's class and configuration (pooling, normalisation, dense layers…), the token
    limit, the prompts and the output truncation, as one JSON string."""
    described = [
        [type(m).__name__, m.get_config_dict() if hasattr(m, "get_config_dict") else None]
        for m in model
    ]
    described.append(
        {
            "max_seq_length": model.max_seq_length,
            "prompts": getattr(model, "prompts", None),
            "default_prompt_name": getattr(model, "default_prompt_name", None),
            "truncate_dim": getattr(model, "truncate_dim", None),
        }
    )
    return json.dumps(described, sort_keys=True, default=str)
