"""What a loaded model is now, beyond its id and revision: weights, precision, modules, tokenizer.

:func:`gist_helpers.encode` keys its cache on this, and :func:`gist_helpers.load_model` uses it
to tell a model changed since it was loaded (trained in place, ``half()``, moved, its pooling,
``max_seq_length`` or tokenizer edited), so neither ever passes a changed model off as the
pristine one.

Cheap while nothing changed. Weights: each parameter's and buffer's identity, version counter
(bumped by every in-place write autograd sees: optimizer steps, ``copy_``,
``load_state_dict``), dtype, device and storage, and a sample of its values (every
``SAMPLE_STRIDE``-th element, the first included), are compared with the state recorded at
load; the sample sees writes that bypass the version counter (``p.data.add_()``, as EMA or
hand-written SGD code does) wherever they touch a sampled element, hence always when they cover
``SAMPLE_STRIDE`` consecutive elements or more. A write through ``.data`` to fewer elements,
all between sampled ones, is not seen. Tokenizer: its identity, its normaliser, pre-tokeniser,
post-processor and decoder, and its added tokens. Only after a change is a sha256 computed (of
the tensors; of the tokenizer's whole definition, vocabulary included), once per change.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from itertools import chain

import numpy as np
import torch
from sentence_transformers import SentenceTransformer

__all__: list[str] = []

# Every SAMPLE_STRIDE-th element of each tensor is compared (about 0.4% of the weights).
SAMPLE_STRIDE = 256
# Elements are compared as integers of their width: bit for bit, NaN and -0.0 included.
_AS_INTEGER = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}

# The state of each model when load_model returned it: (tensor state, sample, modules, tokenizer).
_AT_LOAD: weakref.WeakKeyDictionary[SentenceTransformer, tuple] = weakref.WeakKeyDictionary()
# The digest of each changed model's tensors, with the tensor state and sample it was computed for.
_DIGESTS: weakref.WeakKeyDictionary[SentenceTransformer, tuple] = weakref.WeakKeyDictionary()
# The digest of the exported graph files of a model without torch tensors (ONNX, OpenVINO).
_GRAPHS: weakref.WeakKeyDictionary[SentenceTransformer, str] = weakref.WeakKeyDictionary()
# Views of the sampled elements of each model's tensors, with the tensor state they were made for.
_SAMPLERS: weakref.WeakKeyDictionary[SentenceTransformer, tuple] = weakref.WeakKeyDictionary()
# The digest of each model's tokenizer, with the cheap tokenizer state it was computed for.
_TOKENIZERS: weakref.WeakKeyDictionary[SentenceTransformer, tuple] = weakref.WeakKeyDictionary()


def remember(model: SentenceTransformer, graph: str | None = None) -> None:
    """Record ``model`` as loaded (``graph``: the digest of its exported graph, if it has one)."""
    _AT_LOAD[model] = _now(model)
    if graph is not None:
        _GRAPHS[model] = graph


def changed(model: SentenceTransformer) -> bool:
    """True if a model load_model returned has changed since (weights, dtype, device, modules,
    tokenizer)."""
    loaded = _AT_LOAD.get(model)
    return loaded is not None and loaded != _now(model)


def fingerprint(model: SentenceTransformer) -> dict:
    """``weights`` ("as loaded", or a sha256 of the tensors once changed; an exported graph's
    file digest), ``precision`` (device, dtypes, matmul precision), ``modules`` (each
    module's class and configuration, the token limit, prompts, truncation) and ``tokenizer``
    (a sha256 of its definition)."""
    tensors, sample, modules, tokenizer = _now(model)
    loaded = _AT_LOAD.get(model)
    if not tensors:
        weights = _GRAPHS.get(model, "unknown graph")
    elif loaded is not None and loaded[:2] == (tensors, sample):
        weights = "as loaded"
    else:
        remembered = _DIGESTS.get(model)
        if remembered is None or remembered[:2] != (tensors, sample):
            remembered = (tensors, sample, tensors_digest(model))
            _DIGESTS[model] = remembered
        weights = remembered[2]
    return {
        "weights": weights,
        "precision": _precision(model, tensors),
        "modules": modules,
        "tokenizer": tokenizer,
    }


def _now(model: SentenceTransformer) -> tuple:
    """The model's tensor state, sample of values, modules and tokenizer digest."""
    tensors = _tensor_state(model)
    return tensors, _sample(model, tensors), _modules(model), _tokenizer(model)


def tensors_digest(model: torch.nn.Module) -> str:
    """A sha256 of every parameter and buffer: name, dtype, shape and bytes."""
    digest = hashlib.sha256()
    for name, tensor in chain(model.named_parameters(), model.named_buffers()):
        flat = tensor.detach().reshape(-1).contiguous()
        digest.update(f"{name}:{flat.dtype}:{tuple(tensor.shape)};".encode())
        digest.update(flat.view(torch.uint8).cpu().numpy().data)
    return "sha256:" + digest.hexdigest()[:24]


def tokenizer_digest(tokenizer) -> str:
    """A sha256 of what decides a tokenizer's ids: its class, its whole definition (vocabulary,
    normaliser, pre-tokeniser, post-processor, added tokens) and the sides it cuts and pads."""
    digest = hashlib.sha256(type(tokenizer).__name__.encode())
    backend = _backend(tokenizer)
    if backend is not None:
        definition = json.loads(backend.to_str())
        for setting in ("truncation", "padding"):  # set by every call, to that call's lengths
            definition.pop(setting, None)
        digest.update(json.dumps(definition, sort_keys=True).encode())
    elif tokenizer is not None:  # a Python tokenizer: its vocabulary and its settings
        vocabulary = tokenizer.get_vocab() if hasattr(tokenizer, "get_vocab") else {}
        digest.update(json.dumps(sorted(vocabulary.items()), default=str).encode())
        settings = getattr(tokenizer, "init_kwargs", None) or vars(tokenizer)
        digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    for side in ("truncation_side", "padding_side"):
        digest.update(f";{getattr(tokenizer, side, None)}".encode())
    return "sha256:" + digest.hexdigest()[:24]


def _tensors(model: torch.nn.Module) -> list[torch.Tensor]:
    """Every parameter and buffer, in the order of :func:`_tensor_state`."""
    found, todo = [], [model]
    while todo:
        module = todo.pop()
        for tensors in (module._parameters, module._buffers):
            found += [t for t in tensors.values() if t is not None]
        todo += [m for m in module._modules.values() if m is not None]
    return found


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


def _sample(model: torch.nn.Module, tensors: tuple) -> bytes:
    """The bytes of every SAMPLE_STRIDE-th element of each tensor, read through views made once
    per tensor state (they share the tensors' storage, so any write shows in them)."""
    made = _SAMPLERS.get(model)
    if made is None or made[0] != tensors:
        made = (tensors, _samplers(model))
        _SAMPLERS[model] = made
    arrays, on_devices, copied = made[1]
    parts = [np.concatenate(group).tobytes() for group in arrays.values()]
    parts += [torch.cat(group).cpu().numpy().tobytes() for group in on_devices.values()]
    parts += [t.reshape(-1)[::SAMPLE_STRIDE].cpu().numpy().tobytes() for t in copied]
    return b"".join(parts)


def _samplers(model: torch.nn.Module) -> tuple[dict, dict, list]:
    """Strided views of each tensor's elements, as integers of their width: numpy views of
    CPU tensors and torch views of tensors on a GPU, grouped to be joined in one call per
    group, and the rare non-contiguous tensors, which are sampled through a copy."""
    arrays: dict = {}
    on_devices: dict = {}
    copied: list = []
    for tensor in _tensors(model):
        width = _AS_INTEGER.get(tensor.element_size())
        if width is None or tensor.numel() == 0 or tensor.device.type == "meta":
            continue
        raw = tensor.detach().view(width)
        if not raw.is_contiguous():
            copied.append(raw)
        elif raw.device.type == "cpu":
            arrays.setdefault(width, []).append(raw.view(-1).numpy()[::SAMPLE_STRIDE])
        else:
            on_devices.setdefault((str(raw.device), width), []).append(
                raw.view(-1)[::SAMPLE_STRIDE]
            )
    return arrays, on_devices, copied


def _tokenizer(model: SentenceTransformer) -> str:
    """The tokenizer's digest, computed again only when its cheap state changed."""
    state = _tokenizer_state(model)
    remembered = _TOKENIZERS.get(model)
    if remembered is None or remembered[0] != state:
        remembered = (state, tokenizer_digest(_tokenizer_of(model)))
        _TOKENIZERS[model] = remembered
    return remembered[1]


def _tokenizer_of(model: SentenceTransformer):
    """The tokenizer the model's first module uses, or None."""
    try:
        return model.tokenizer
    except (AttributeError, IndexError, KeyError, TypeError):
        return None


def _backend(tokenizer):
    """The Rust ``tokenizers.Tokenizer`` behind a fast tokenizer (or the tokenizer itself)."""
    if tokenizer is not None and hasattr(tokenizer, "to_str") and hasattr(tokenizer, "normalizer"):
        return tokenizer
    return getattr(tokenizer, "_tokenizer", None)


def _tokenizer_state(model: SentenceTransformer) -> tuple:
    """What changes when a tokenizer is swapped or edited in place, read in microseconds: its
    identity, normaliser, pre-tokeniser, post-processor, decoder, added tokens and sides."""
    tokenizer = _tokenizer_of(model)
    backend = _backend(tokenizer)
    state = [
        id(tokenizer),
        id(backend),
        getattr(tokenizer, "truncation_side", None),
        getattr(tokenizer, "padding_side", None),
    ]
    if backend is not None:
        for part in ("normalizer", "pre_tokenizer", "post_processor", "decoder"):
            component = getattr(backend, part, None)
            state.append(None if component is None else component.__getstate__())
        state.append(len(backend.get_added_tokens_decoder()))
    elif tokenizer is not None:
        state.append(len(getattr(tokenizer, "added_tokens_decoder", None) or ()))
        state.append(getattr(tokenizer, "do_lower_case", None))
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
    """Each module's class, configuration (pooling, normalisation, dense layers…) and
    lower-casing, the token limit, the prompts and the output truncation, as one JSON string."""
    described = [
        [
            type(m).__name__,
            m.get_config_dict() if hasattr(m, "get_config_dict") else None,
            # sentence-transformers' own lower-casing, applied before the tokenizer
            getattr(m, "do_lower_case", None),
        ]
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
