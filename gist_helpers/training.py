"""What fine-tuning with GISTEmbed needs beside sentence-transformers' trainer. Notebook 09.

* :func:`same_intent_pairs` builds (anchor, positive) training pairs from labelled texts, the
  "classification triplets" recipe of GISTEmbed without the explicit negative: the other pairs
  of a batch are the negatives.
* :func:`false_negatives` counts, batch by batch, the in-batch negatives that share the anchor's
  label (false negatives) and those that ``GISTEmbedLoss``'s guide masks, with the loss's own
  rule, so that the guide's mask can be scored against the labels. The loss computes that mask
  inside its ``forward`` and does not expose it.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from . import validation as check

__all__ = ["false_negatives", "same_intent_pairs"]

# The similarity terms of GISTEmbedLoss on (anchor, positive) pairs, in the order it joins them:
# anchors against positives, and with its defaults (contrast_anchors, contrast_positives) anchors
# against anchors and positives against positives.
TERMS = ("anchor-positive", "anchor-anchor", "positive-positive")
MARGIN_STRATEGIES = ("absolute", "relative")


def same_intent_pairs(
    texts: Sequence[str] | pd.Series, labels: Sequence, *, seed: int = 0
) -> pd.DataFrame:
    """Training pairs from labelled texts: each text as an anchor, with another text of its label.

    The positive is drawn at random (``seed``) among the other texts with the same label and a
    different wording; a text whose label has no other text gets no pair. Returns a DataFrame
    with ``anchor``, ``positive`` and ``label``, one row per anchor in the order of ``texts``
    (pass ``pairs[["anchor", "positive"]]`` to ``datasets.Dataset``). Notebook 09.
    """
    items = check.texts(texts)
    if not items:
        raise ValueError("texts is empty; pass at least two texts that share a label.")
    tags = check.labels(labels, len(items))
    seed = check.integer(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    tags = tags.tolist()
    # Per label, its texts' positions. The others of a text are its label's positions less
    # those of its wording, and the k-th of them is found by bisection: linear work (comparing
    # every text with its whole label took 94 s for 80,000 texts of 2 labels).
    # For the i-th place s_i of a wording in its label, s_i - i others come before it.
    groups: dict = {}
    skips: dict = {}
    keys = list(zip(tags, items))
    for position, key in enumerate(keys):
        group = groups.setdefault(key[0], [])
        before = skips.setdefault(key, [])
        before.append(len(group) - len(before))
        group.append(position)
    counts = np.array([len(groups[tag]) - len(skips[key]) for tag, key in zip(tags, keys)])
    kept = np.flatnonzero(counts).tolist()
    # One draw per text that has others, in order: the same numbers as one call per text.
    draws = rng.integers(counts[kept]).tolist() if kept else []
    rows = [
        (
            items[i],
            items[groups[tags[i]][k + bisect.bisect_right(skips[keys[i]], k)]],
            tags[i],
        )
        for i, k in zip(kept, draws)
    ]
    if not rows:
        raise ValueError(
            "no label has two different texts, so no pair can be made; every label needs at "
            "least two texts."
        )
    return pd.DataFrame(rows, columns=["anchor", "positive", "label"])


def false_negatives(
    batches: Sequence[Sequence[int]],
    labels: Sequence,
    anchor_vectors: np.ndarray,
    positive_vectors: np.ndarray,
    *,
    margin: float = 0.0,
    margin_strategy: str = "absolute",
) -> pd.DataFrame:
    """In-batch false negatives and the guide's mask, per batch and per term of GISTEmbedLoss.

    ``batches`` holds lists of row positions of the training pairs (what the trainer's batch
    sampler yields); ``labels`` gives each row's label, ``anchor_vectors`` and
    ``positive_vectors`` the guide's embeddings of each row's anchor and positive. For every
    batch and term (anchor-positive, anchor-anchor, positive-positive) it counts the in-batch
    ``negatives`` (every other row), the ``false_negatives`` among them (same label as the
    anchor), the candidates the guide ``masked`` and ``masked_false_negatives`` (both). The
    guide masks a candidate when its cosine similarity exceeds the anchor's similarity to its
    own positive less ``margin`` ("absolute") or less ``|similarity| * margin`` ("relative"),
    as ``GISTEmbedLoss`` does. Notebook 09.
    """
    tags = _labels(labels)
    n = len(tags)
    anchors = check.matrix(anchor_vectors, "anchor_vectors")
    positives = check.matrix(positive_vectors, "positive_vectors", width=anchors.shape[1])
    for name, array in (("anchor_vectors", anchors), ("positive_vectors", positives)):
        if len(array) != n:
            raise ValueError(
                f"{name} has {len(array)} rows for {n} labels; give one vector per training pair."
            )
    margin = check.number(margin, "margin")
    margin_strategy = check.choice(margin_strategy, "margin_strategy", MARGIN_STRATEGIES)
    positions = _batches(batches, n)
    _nonzero(anchors, "anchor_vectors")
    _nonzero(positives, "positive_vectors")
    rows = []
    for number, batch in enumerate(positions):
        same = tags[batch][:, None] == tags[batch][None, :]
        np.fill_diagonal(same, False)
        masks = guide_masks(anchors[batch], positives[batch], margin, margin_strategy)
        for term in TERMS:
            rows.append(
                {
                    "batch": number,
                    "term": term,
                    "size": len(batch),
                    "negatives": len(batch) * (len(batch) - 1),
                    "false_negatives": int(same.sum()),
                    "masked": int(masks[term].sum()),
                    "masked_false_negatives": int((masks[term] & same).sum()),
                }
            )
    return pd.DataFrame(rows)


def guide_masks(
    anchors: np.ndarray, positives: np.ndarray, margin: float, margin_strategy: str
) -> dict[str, np.ndarray]:
    """GISTEmbedLoss's mask of one batch, per term: True where the guide drops a candidate.

    ``anchors`` and ``positives`` are the guide's vectors of the batch. The similarities and the
    threshold come from the torch operations ``GISTEmbedLoss.forward`` uses (cosine similarity
    of the broadcast batch, the threshold read off the anchor-positive matrix's diagonal), so a
    tie falls the same way as in the loss. The diagonal (an anchor's own positive, a text
    against itself) is never a negative and is always False.
    """
    anchor, positive = torch.from_numpy(anchors), torch.from_numpy(positives)

    def similarity(left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
        return torch.nn.CosineSimilarity(dim=-1)(left.unsqueeze(1), right.unsqueeze(0))

    pairs = {
        "anchor-positive": (anchor, positive),
        "anchor-anchor": (anchor, anchor),
        "positive-positive": (positive, positive),
    }
    similarities = {term: similarity(*pairs[term]) for term in TERMS}
    own = similarities["anchor-positive"].diagonal().view(-1, 1)
    threshold = own - margin if margin_strategy == "absolute" else own - own.abs() * margin
    masks = {}
    for term in TERMS:
        mask = (similarities[term] > threshold).numpy()
        np.fill_diagonal(mask, False)
        masks[term] = mask
    return masks


def _labels(labels) -> np.ndarray:
    if labels is None or isinstance(labels, (str, bytes)):
        raise TypeError(
            f"labels must be a sequence with one label per training pair, got {check.describe(labels)}."
        )
    items = labels.tolist() if isinstance(labels, (pd.Series, np.ndarray)) else list(labels)
    if not items:
        raise ValueError("labels is empty; give one label per training pair.")
    return check.labels(items, len(items))


def _batches(batches, n: int) -> list[np.ndarray]:
    """Each batch as an array of distinct row positions within 0..n-1 (a last batch of one row,
    as samplers leave, has no negatives and counts zero)."""
    if batches is None or isinstance(batches, (str, bytes)) or not isinstance(batches, Sequence):
        raise TypeError(
            f"batches must be a list of batches (lists of row positions), got {check.describe(batches)}."
        )
    if not batches:
        raise ValueError("batches is empty; pass the batches of at least one step.")
    out = []
    for number, batch in enumerate(batches):
        if isinstance(batch, (str, bytes)) or not isinstance(batch, (Sequence, np.ndarray)):
            raise TypeError(
                f"batches[{number}] must be a list of row positions, got {check.describe(batch)}."
            )
        positions = [
            check.integer(p, f"batches[{number}][{i}]", minimum=0, maximum=n - 1)
            for i, p in enumerate(batch)
        ]
        if not positions:
            raise ValueError(f"batches[{number}] is empty; a batch holds at least one row.")
        if len(set(positions)) != len(positions):
            repeated = sorted({p for p in positions if positions.count(p) > 1})
            raise ValueError(
                f"batches[{number}] repeats row(s) {check.shown(repeated)}; a batch holds each pair once."
            )
        out.append(np.asarray(positions))
    return out


def _nonzero(vectors: np.ndarray, name: str) -> None:
    """Refuse all-zero rows: their cosine similarity is undefined."""
    zeros = np.flatnonzero(~vectors.any(axis=1))
    if zeros.size:
        raise ValueError(
            f"{name}: vector row(s) {check.shown(zeros.tolist())} are all zeros; cosine similarity "
            "needs non-zero vectors."
        )
