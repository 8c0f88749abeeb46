"""The bundled datasets (see data/README.md) and the model card's example texts."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["MODEL_CARD_TEXTS", "data_dir", "load_sts_pairs", "load_topics"]

# The three texts of the GIST model card's usage example, verbatim.
MODEL_CARD_TEXTS = [
    "Illustration of the REaLTabFormer model. The left block shows the non-relational tabular "
    "data model using GPT-2 with a causal LM head. In contrast, the right block shows how a "
    "relational dataset's child table is modeled using a sequence-to-sequence (Seq2Seq) model. "
    "The Seq2Seq model uses the observations in the parent table to condition the generation of "
    "the observations in the child table. The trained GPT-2 model on the parent table, with "
    "weights frozen, is also used as the encoder in the Seq2Seq model.",
    "Predicting human mobility holds significant practical value, with applications ranging from "
    "enhancing disaster risk planning to simulating epidemic spread. In this paper, we present "
    "the GeoFormer, a decoder-only transformer model adapted from the GPT architecture to "
    "forecast human mobility.",
    "As the economies of Southeast Asia continue adopting digital technologies, policy makers "
    "increasingly ask how to prepare the workforce for emerging labor demands. However, little "
    "is known about the skills that workers need to adapt to these changes",
]


def data_dir() -> Path:
    """Folder of the bundled data: ``GIST_DATA_DIR``, the checkout's data/, or the installed copy."""
    custom = os.environ.get("GIST_DATA_DIR", "").strip()
    if custom:
        return Path(custom).expanduser()
    checkout = Path(__file__).resolve().parent.parent / "data"
    if (checkout / "README.md").exists():
        return checkout
    return Path(str(resources.files("gist_helpers.bundled_data")))


def load_sts_pairs() -> pd.DataFrame:
    """The bundled STS pairs: sentence1, sentence2, score (0–5), phenomenon, domain."""
    return pd.read_csv(data_dir() / "sts_pairs.csv")


def load_topics() -> pd.DataFrame:
    """The bundled topic texts: text, topic, kind (headline / question / summary)."""
    return pd.read_csv(data_dir() / "topics.csv")

