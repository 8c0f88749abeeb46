"""Backends side by side: speed, agreement with torch fp32, and quality kept. Notebook 06.

Used by notebook 06 on the machine it runs on and by ``benchmarks/backends.py``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from .backends import BACKENDS, check_backend
from .encoding import encode
from .model import load_model, model_info, pick_device
from .plotting import PALETTE
from .retrieval import evaluate_retrieval, load_beir, retrieve
from .speed import measure_throughput
from .sts import evaluate_sts

__all__ = [
    "available_backends",
    "backend_agreement",
    "backend_quality",
    "backend_speed",
    "plot_backend_speed",
    "quality_verdict",
    "thread_scaling",
]


def available_backends() -> list[str]:
    """The backends that can run on this machine, torch first."""
    usable = []
    for backend in BACKENDS:
        device = "cpu" if backend not in ("torch-fp16",) else pick_device()
        try:
            check_backend(backend, device)
        except (ImportError, ValueError):
            continue
        usable.append(backend)
    return usable


def backend_speed(
    texts: Sequence[str],
    backends: Sequence[str] = ("torch", "onnx", "onnx-int8"),
    *,
    name: str | os.PathLike | None = None,
    batch_size: int = 32,
) -> pd.DataFrame:
    """Texts/s and tokens/s of each backend on the same ``texts``, and the ratio to torch fp32.

    ``name`` is the model to time (default: :func:`load_model`'s choice). The first backend
    listed is the reference of the ``× first`` column; put ``torch`` first.
    """
    if not backends:
        raise ValueError("backends is empty; name at least one, e.g. ('torch', 'onnx-int8').")
    rows = []
    for backend in backends:
        model = load_model(name, backend=backend, device=_device(backend))
        rows.append(measure_throughput(model, list(texts), batch_size=batch_size) | {"backend": model_info(model).backend})
    table = pd.DataFrame(rows)
    table[f"× {backends[0]}"] = (table["texts/s"] / table["texts/s"].iloc[0]).round(2)
    return table


def backend_agreement(
    texts: Sequence[str],
    backends: Sequence[str] = ("onnx", "onnx-int8"),
    *,
    name: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Cosine between each backend's embedding of every text and torch fp32's (min, mean)."""
    reference = encode(load_model(name, device="cpu"), list(texts))  # the cache keys on the backend
    rows = []
    for backend in backends:
        model = load_model(name, backend=backend, device=_device(backend))
        cosine = (encode(model, list(texts)) * reference).sum(axis=1)
        rows.append(
            {
                "model": model_info(model).model_id,
                "backend": model_info(model).backend,
                "texts": len(texts),
                "min cosine vs torch": round(float(cosine.min()), 4),
                "mean cosine vs torch": round(float(cosine.mean()), 4),
            }
        )
    return pd.DataFrame(rows)


def backend_quality(
    backends: Sequence[str] = ("torch", "onnx", "onnx-int8"), *, name: str | os.PathLike | None = None
) -> pd.DataFrame:
    """nDCG@10 on the bundled retrieval set and Spearman on the bundled STS pairs per backend.

    Also each as a fraction of the first backend's (put ``torch`` first). The embedding cache
    keys on the backend, so every backend really encodes.
    """
    from .data import load_sts_pairs

    dataset, pairs = load_beir("bundled"), load_sts_pairs()
    rows = []
    for backend in backends:
        model = load_model(name, backend=backend, device=_device(backend))
        ndcg = evaluate_retrieval(dataset, retrieve(dataset, model))["nDCG@10"].iloc[0]
        spearman = evaluate_sts(model, pairs)["spearman"].iloc[0]
        rows.append(
            {"model": model_info(model).model_id, "backend": model_info(model).backend,
             "nDCG@10": ndcg, "Spearman": spearman}
        )
    table = pd.DataFrame(rows)
    for column in ("nDCG@10", "Spearman"):
        table[f"{column} kept"] = (table[column] / table[column].iloc[0]).round(4)
    return table


def _device(backend: str) -> str | None:
    return "cpu" if backend != "torch-fp16" else None



def quality_verdict(quality: pd.DataFrame, *, threshold: float = 0.99) -> str:
    """One plain sentence per backend: does it keep ``threshold`` of the reference's quality?"""
    needed = {"backend", "nDCG@10 kept", "Spearman kept"}
    if not needed <= set(quality.columns):
        raise ValueError(f"quality table lacks {sorted(needed - set(quality.columns))}; pass backend_quality()'s table.")
    lines = []
    for row in quality.iloc[1:].itertuples(index=False):
        worst = min(row[quality.columns.get_loc("nDCG@10 kept")], row[quality.columns.get_loc("Spearman kept")])
        verdict = "keeps" if worst >= threshold else "LOSES MORE THAN ALLOWED:"
        lines.append(
            f"{row.backend}: {verdict} nDCG@10 {row[quality.columns.get_loc('nDCG@10 kept')]:.1%}, "
            f"Spearman {row[quality.columns.get_loc('Spearman kept')]:.1%} of {quality.backend.iloc[0]} "
            f"(bar: {threshold:.0%})"
            + ("" if worst >= threshold else " — keep it opt-in for this model")
        )
    return "\n".join(lines)


def thread_scaling(model, texts: Sequence[str], threads: Sequence[int] = (1, 2), *, batch_size: int = 32) -> pd.DataFrame:
    """Throughput of a torch model with each number of CPU threads (restored afterwards)."""
    import torch

    if model_info(model).backend not in ("torch",):
        raise ValueError("thread_scaling times torch models; ONNX Runtime fixes its threads when loading.")
    if not threads or min(threads) < 1:
        raise ValueError(f"threads must be positive counts, got {list(threads)}.")
    before, rows = torch.get_num_threads(), []
    try:
        for count in threads:
            torch.set_num_threads(count)
            rows.append(measure_throughput(model, list(texts), batch_size=batch_size) | {"threads": count})
    finally:
        torch.set_num_threads(before)
    return pd.DataFrame(rows)[["model", "backend", "threads", "texts/s", "tokens/s"]]


def plot_backend_speed(speed: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Bar chart of texts/s per backend, labelled with the ratio to the first. Notebook 06."""
    ratio = [c for c in speed.columns if c.startswith("× ")]
    if not {"backend", "texts/s", "model"} <= set(speed.columns) or not ratio:
        raise ValueError("pass backend_speed()'s table (columns backend, texts/s, model and a × ratio).")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.5))
    sns.barplot(data=speed, x="backend", y="texts/s", hue="backend", palette=PALETTE, legend=False, ax=ax)
    for container, value in zip(ax.containers, speed[ratio[0]]):
        ax.bar_label(container, labels=[f"{value:.2f}{ratio[0]}"], fontsize=8)
    ax.set_title(f"Encoding speed by backend\n{speed['model'].iloc[0]}, batch {speed['batch size'].iloc[0]}", fontsize=10)
    ax.set_xlabel("backend")
    ax.set_ylabel("texts per second")
    return ax
