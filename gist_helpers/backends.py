"""Inference backends: PyTorch, ONNX Runtime (fp32 and int8), OpenVINO. Taught in notebook 06.

The ONNX export and its int8 quantisation use sentence-transformers' own functions; they
are made once per model and revision and kept under ``<cache root>/exports/``, so a new
kernel loads them instead of exporting again.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import platform
import shutil
import uuid
import warnings
from pathlib import Path

from sentence_transformers import SentenceTransformer

from .settings import cache_root, env_text

__all__: list[str] = []

BACKENDS = ("torch", "torch-fp16", "onnx", "onnx-int8", "openvino")
_EXTRA = {"onnx": "onnx", "onnx-int8": "onnx", "openvino": "openvino"}  # backend -> its extra
CPU_BACKENDS = tuple(_EXTRA)
_NEEDS = {"onnx": ("onnxruntime", "optimum.onnxruntime"), "openvino": ("openvino", "optimum.intel")}
_GRAPH = {"onnx": "onnx/model.onnx", "openvino": "openvino/openvino_model.xml"}  # in an export


INT8_CONFIGS = ("arm64", "avx2", "avx512", "avx512_vnni")


def int8_config() -> str:
    """The int8 configuration to quantise for: ``GIST_INT8_CONFIG`` if set, else this CPU's.

    One of arm64, avx2, avx512, avx512_vnni (sentence-transformers' names). A quantised
    graph runs on any CPU; the configuration only picks the kernels it is tuned for.
    """
    override = (env_text("GIST_INT8_CONFIG") or "").lower()
    if override:
        if override not in INT8_CONFIGS:
            raise ValueError(
                f"GIST_INT8_CONFIG={override!r} is not one of {', '.join(INT8_CONFIGS)}; "
                "unset it to use this CPU's own."
            )
        return override
    machine = platform.machine().lower()
    if machine in {"arm64", "aarch64"}:
        return "arm64"
    flags = set(cpu_info().get("flags", "").split())
    if "avx512_vnni" in flags or "avx512vnni" in flags:
        return "avx512_vnni"
    if "avx512f" in flags:
        return "avx512"
    return "avx2"


def cpu_info() -> dict[str, str]:
    """The first processor's fields from Linux's /proc/cpuinfo ("model name", "flags", "cpu MHz"…);
    empty where that file does not exist."""
    fields: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if not line.strip():
                break  # the end of the first processor's block
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    return fields


def check_backend(backend: str, device: str) -> None:
    """Raise a clear error if ``backend`` cannot run here (unknown, wrong device, not installed)."""
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r} is not one of {', '.join(BACKENDS)}.")
    if backend == "torch-fp16" and not device.startswith("cuda"):
        raise ValueError(
            "backend='torch-fp16' needs a CUDA GPU; on a CPU use 'torch' or 'onnx-int8'."
        )
    if backend in _EXTRA and device != "cpu":
        raise ValueError(f"backend={backend!r} runs on the CPU; pass device='cpu'.")
    family = _EXTRA.get(backend)
    missing = [m for m in _NEEDS.get(family, ()) if not _importable(m)]
    if missing:
        raise ImportError(
            f"backend={backend!r} needs {', '.join(missing)}: "
            f"pip install 'gist-notebooks[{family}]' (or 'sentence-transformers[{family}]')."
        )


def open_model(
    path: str, model_id: str, revision: str, backend: str, device: str
) -> tuple[SentenceTransformer, str, list[Path]]:
    """Load ``path`` with ``backend``; return the model, the backend's full label and the
    exported graph files it runs (none for torch)."""
    common = {"device": device, "local_files_only": True, "trust_remote_code": False}
    if backend in ("torch", "torch-fp16"):
        model = SentenceTransformer(path, model_kwargs={"use_safetensors": True}, **common)
        return (model.half() if backend == "torch-fp16" else model), backend, []
    family = _EXTRA[backend]
    folder = _exported(path, model_id, revision, family)
    if backend == "onnx-int8":
        config = int8_config()
        file_name = _quantised(folder, config)
        model = SentenceTransformer(
            str(folder), backend="onnx", model_kwargs={"file_name": file_name}, **common
        )
        return model, f"onnx-int8 ({config})", [folder / file_name]
    # Name the float file: the folder also holds int8 files once they exist, and without a
    # name sentence-transformers warns that it found several.
    options = {"model_kwargs": {"file_name": "onnx/model.onnx"}} if family == "onnx" else {}
    model = SentenceTransformer(str(folder), backend=family, **options, **common)
    graph = _GRAPH[family]
    return model, backend, [folder / graph, (folder / graph).with_suffix(".bin")]


def graph_digest(files: list[Path]) -> str:
    """A sha256 of the graph files a model runs (those that exist)."""
    digest = hashlib.sha256()
    for file in files:
        if file.is_file():
            digest.update(f"{file.name};".encode())
            with file.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return "sha256:" + digest.hexdigest()[:24]


def export_folder(model_id: str, revision: str, family: str) -> Path:
    """Where the exported copy of a model (one model id, revision and backend family) lives."""
    digest = hashlib.sha256(f"{model_id}@{revision}".encode()).hexdigest()[:12]
    slug = model_id.strip("/").replace("/", "--")[-60:]
    return cache_root() / "exports" / f"{slug}-{digest}" / family


def _exported(path: str, model_id: str, revision: str, family: str) -> Path:
    """The export folder, made once: written under a temporary name of ours, then renamed into
    place. A folder already there without the exported graph is not ours: it is never
    written into or replaced."""
    folder = export_folder(model_id, revision, family)
    graph = folder / _GRAPH[family]
    if graph.is_file():
        return folder
    _refuse_foreign(folder)
    tmp = folder.with_name(f".{folder.name}.{uuid.uuid4().hex}")
    try:
        with _quiet_export():
            model = SentenceTransformer(path, backend=family, device="cpu", local_files_only=True)
            model.save(str(tmp))
        folder.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # another process finished first: keep its copy
            tmp.rename(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # our own temporary copy, if it is still there
    if not graph.is_file():
        _refuse_foreign(folder)
    return folder


def _refuse_foreign(folder: Path) -> None:
    """Raise if ``folder`` exists with something in it but not our exported graph."""
    if folder.is_symlink() or (folder.is_dir() and any(folder.iterdir())) or folder.is_file():
        raise FileExistsError(
            f"{folder} exists but holds no model exported by gist-notebooks "
            f"({_GRAPH[folder.name]} is missing); it is not replaced. Move it elsewhere "
            "(or delete it if it is a broken export), then load the model again."
        )


def _quantised(folder: Path, config: str) -> str:
    """The int8 file for ``config`` inside ``folder``, exporting it once.

    The file's name is the one sentence-transformers' exporter writes (``model_qint8_avx512_vnni``,
    ``model_quint8_avx2``…, depending on the configuration's weight type): it is read from
    the folder after the export and recorded in ``int8.json``, never guessed.
    """
    from sentence_transformers.backend import export_dynamic_quantized_onnx_model

    manifest = folder / "int8.json"
    known = _read_manifest(manifest)
    if config in known and (folder / known[config]).is_file():
        return known[config]
    tmp = folder.with_name(f".{folder.name}.q{uuid.uuid4().hex}")
    # Copy the float32 export alone, so the one new .onnx file in the copy is the exporter's.
    shutil.copytree(
        folder,
        tmp,
        ignore=lambda where, names: [n for n in names if n.endswith(".onnx") and n != "model.onnx"],
    )
    try:
        before = {p.relative_to(tmp) for p in tmp.rglob("*.onnx")}
        with _quiet_export():
            fp32 = SentenceTransformer(
                str(tmp), backend="onnx", device="cpu", local_files_only=True
            )
            export_dynamic_quantized_onnx_model(fp32, config, str(tmp))
        written = sorted({p.relative_to(tmp) for p in tmp.rglob("*.onnx")} - before)
        if len(written) != 1:
            raise RuntimeError(
                f"expected the int8 export for {config!r} to write one .onnx file, found {written or 'none'}."
            )
        file_name = written[0].as_posix()
        (folder / file_name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / file_name).replace(folder / file_name)
        known = _read_manifest(manifest) | {config: file_name}  # another process may have added one
        _write_atomic(manifest, json.dumps(known, indent=1, sort_keys=True).encode())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return file_name


def _read_manifest(path: Path) -> dict[str, str]:
    try:
        known = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(known, dict):
        return {}
    return {
        k: v
        for k, v in known.items()
        if k in INT8_CONFIGS and isinstance(v, str) and v.endswith(".onnx") and ".." not in v
    }


def _write_atomic(path: Path, payload: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_bytes(payload)
    os.replace(tmp, path)


@contextlib.contextmanager
def _quiet_export():
    """Silence the exporters' advice to save (we do) and their deprecation chatter."""
    loggers = [logging.getLogger(n) for n in ("sentence_transformers", "optimum", "transformers")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False
