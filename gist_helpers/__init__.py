"""What the sentence-transformers / scikit-learn / FAISS / pytrec_eval calls of the notebooks lack.

Every notebook starts with ``import gist_helpers as gh``; each helper's docstring says what
it adds over the plain library call and which notebook teaches it.
"""

from .beir import DatasetUnavailableError, load_beir
from .cache import cache_size, clear_cache
from .clustering import name_clusters
from .data import (
    MODEL_CARD_TEXTS,
    load_banking77,
    load_sts_file,
    load_sts_pairs,
    load_topics,
    published_scores,
)
from .encoding import encode
from .intervals import paired_bootstrap, speed_ratio
from .model import (
    GIST_ID,
    GIST_REVISION,
    ModelUnavailableError,
    banner,
    describe,
    load_model,
    model_info,
)
from .mteb import mteb_classification, mteb_clustering, mteb_retrieval
from .notices import CacheWarning, DataWarning, StandInWarning, TruncationWarning
from .plots import plot_clusters_2d, show
from .ray_output import without_ray_restart_note
from .settings import quick_mode, scaled
from .speed import cpu_facts, measure_throughput
from .store import chunk_table, ingest, read_documents, search_documents
from .synthetic import synthetic_embeddings
from .training import false_negatives, same_intent_pairs

__all__ = [
    # the model (notebook 01)
    "GIST_ID",
    "GIST_REVISION",
    "ModelUnavailableError",
    "StandInWarning",
    "banner",
    "describe",
    "load_model",
    "model_info",
    # embeddings and their cache (notebook 02)
    "CacheWarning",
    "TruncationWarning",
    "cache_size",
    "clear_cache",
    "encode",
    # data
    "DataWarning",
    "DatasetUnavailableError",
    "MODEL_CARD_TEXTS",
    "load_banking77",
    "load_beir",
    "load_sts_file",
    "load_sts_pairs",
    "load_topics",
    "published_scores",
    # MTEB's protocols (notebooks 04, 05, 07)
    "mteb_classification",
    "mteb_clustering",
    "mteb_retrieval",
    # the noise behind a verdict (notebooks 02, 05, 06, 08)
    "paired_bootstrap",
    "speed_ratio",
    # tables, plots, speed
    "cpu_facts",
    "measure_throughput",
    "name_clusters",
    "plot_clusters_2d",
    "show",
    "synthetic_embeddings",
    # Ray's one known C++ note kept out of the output (notebooks 08, 10)
    "without_ray_restart_note",
    # your documents in a vector database (notebook 10)
    "chunk_table",
    "ingest",
    "read_documents",
    "search_documents",
    # fine-tuning with GISTEmbed (notebook 09)
    "false_negatives",
    "same_intent_pairs",
    # scaling notebooks down for tests
    "quick_mode",
    "scaled",
]
