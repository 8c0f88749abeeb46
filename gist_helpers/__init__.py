"""Shared helpers for the GIST notebooks: load the model, encode, compare, cluster, retrieve.

Every notebook starts with ``import gist_helpers as gh``; each helper's docstring names
the notebook that teaches it.
"""

from .cache import cache_size, clear_cache
from .data import MODEL_CARD_TEXTS, data_dir, load_sts_pairs, load_topics
from .encoding import TruncationWarning, check_texts, count_truncated, encode, token_counts
from .model import (
    GIST_FACTS,
    GIST_ID,
    GIST_REVISION,
    STAND_IN_ID,
    ModelInfo,
    ModelUnavailableError,
    StandInWarning,
    banner,
    clear_loaded,
    describe,
    embedding_dimension,
    hub_reachable,
    load_model,
    model_info,
    pick_device,
)
from .plotting import plot_throughput
from .settings import quick_mode, scaled
from .speed import measure_throughput

__all__ = [
    "GIST_FACTS",
    "GIST_ID",
    "MODEL_CARD_TEXTS",
    "GIST_REVISION",
    "STAND_IN_ID",
    "ModelInfo",
    "ModelUnavailableError",
    "StandInWarning",
    "TruncationWarning",
    "banner",
    "cache_size",
    "check_texts",
    "clear_cache",
    "clear_loaded",
    "data_dir",
    "count_truncated",
    "describe",
    "embedding_dimension",
    "encode",
    "hub_reachable",
    "load_model",
    "load_sts_pairs",
    "load_topics",
    "measure_throughput",
    "model_info",
    "pick_device",
    "plot_throughput",
    "quick_mode",
    "scaled",
    "token_counts",
]
