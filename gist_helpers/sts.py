"""Semantic textual similarity (STS) evaluation, computed as MTEB computes it. Notebook 03.

MTEB's STS evaluator embeds both sentences of every pair with the model's own ``encode``,
takes their cosine similarity (``1 - sklearn.metrics.pairwise.paired_cosine_distances``)
and reports the Spearman correlation (its main score) and the Pearson correlation of those
cosines with the gold scores, from ``scipy.stats``; leaderboards show them times 100. The
helpers here do the same, so a file such as the STS Benchmark's ``sts-test.csv`` gives the
numbers MTEB gives for the same model and pairs.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from scipy.stats import pearsonr, spearmanr
from sentence_transformers import SentenceTransformer
from sklearn.metrics.pairwise import paired_cosine_distances

from .encoding import check_texts, encode
from .model import model_info

__all__ = [
    "STSB_COLUMNS",
    "evaluate_sts",
    "load_sts_file",
    "paired_cosine",
    "plot_sts_scatter",
    "score_sts_pairs",
    "sts_by_group",
    "sts_correlations",
    "sts_disagreements",
]

# The STS Benchmark's files (sts-train/dev/test.csv): tab-separated, no header, these fields.
STSB_COLUMNS = ["genre", "file", "year", "id", "score", "sentence1", "sentence2"]
REQUIRED = ["sentence1", "sentence2", "score"]
DECIMALS = 4
PALETTE = "colorblind"


# --- loading -------------------------------------------------------------------------


def load_sts_file(
    path: str | os.PathLike, *, layout: str = "auto", sep: str | None = None
) -> pd.DataFrame:
    """Read STS pairs from a file: the STS Benchmark layout or any table with a header.

    ``layout="stsb"``: tab-separated, no header, fields genre, file, year, id, score,
    sentence1, sentence2, read with quoting off; extra trailing fields are ignored.
    ``layout="table"``: a CSV/TSV whose header has sentence1, sentence2, score (``sep``
    from the suffix: .tsv is tab, else comma). ``"auto"`` tells them apart by the first
    line. Returns a DataFrame with sentence1, sentence2, score first. Taught in notebook 03.
    """
    file = Path(path).expanduser()
    if not file.is_file():
        raise FileNotFoundError(f"{file} does not exist or is not a file; check the path.")
    if layout not in {"auto", "stsb", "table"}:
        raise ValueError(f"layout={layout!r} is not known; use 'auto', 'stsb' or 'table'.")
    first = _first_line(file)
    if layout == "auto":
        header = {c.strip().strip('"').lower() for c in first.replace("\t", ",").split(",")}
        if set(REQUIRED) <= header:
            layout = "table"
        elif first.count("\t") >= len(STSB_COLUMNS) - 1:
            layout = "stsb"
        else:
            raise ValueError(
                f"{file}: the first line neither has a header with sentence1, sentence2, score "
                f"nor {len(STSB_COLUMNS)} tab-separated STS Benchmark fields; "
                "pass layout='stsb' or layout='table'."
            )
    pairs = _read_stsb(file) if layout == "stsb" else _read_table(file, sep)
    pairs = _check_pairs(pairs, str(file))
    pairs.attrs["name"] = file.name
    return pairs


def _first_line(file: Path) -> str:
    with file.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                return line.rstrip("\r\n")
    raise ValueError(f"{file} is empty; an STS file needs at least one pair.")


def _read_stsb(file: Path) -> pd.DataFrame:
    rows = []
    with file.open(encoding="utf-8", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            fields = line.split("\t")  # quoting off: a '"' is part of the sentence
            if len(fields) < len(STSB_COLUMNS):
                raise ValueError(
                    f"{file} line {number} has {len(fields)} tab-separated fields; the STS "
                    f"Benchmark layout needs {len(STSB_COLUMNS)} ({', '.join(STSB_COLUMNS)})."
                )
            record = dict(zip(STSB_COLUMNS, fields))  # fields past the seventh are ignored
            try:
                record["score"] = float(record["score"])
            except ValueError:
                raise ValueError(
                    f"{file} line {number}: score {record['score']!r} is not a number; "
                    "the fifth field of an STS Benchmark line is the score."
                ) from None
            rows.append(record)
    frame = pd.DataFrame(rows, columns=STSB_COLUMNS)
    return frame[REQUIRED + ["genre", "file", "year", "id"]]


def _read_table(file: Path, sep: str | None) -> pd.DataFrame:
    if sep is None:
        sep = "\t" if file.suffix.lower() == ".tsv" or "\t" in _first_line(file) else ","
    # Tab-separated text is read with quoting off (as the STS Benchmark is); CSV with quotes.
    quoting = csv.QUOTE_NONE if sep == "\t" else csv.QUOTE_MINIMAL
    frame = pd.read_csv(file, sep=sep, quoting=quoting)
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{file} has no column(s) {missing} (found {list(frame.columns)}); "
            "rename its columns to sentence1, sentence2, score."
        )
    scores = pd.to_numeric(frame["score"], errors="coerce")
    bad = frame.index[scores.isna() & frame["score"].notna()].tolist()
    if bad:
        raise ValueError(
            f"{file}: score {frame['score'][bad[0]]!r} at row {bad[0]} is not a number; "
            "fix the file."
        )
    frame["score"] = scores
    return frame[REQUIRED + [c for c in frame.columns if c not in REQUIRED]]


# --- scoring ---------------------------------------------------------------------------


def paired_cosine(
    model: SentenceTransformer, sentences1: Sequence[str], sentences2: Sequence[str]
) -> np.ndarray:
    """Cosine similarity of ``sentences1[i]`` with ``sentences2[i]`` for every i.

    Returns a float array of length n, computed as MTEB does: the model's own embeddings
    (``encode`` with ``normalize=False``), then ``1 - paired_cosine_distances``.
    Taught in notebook 03.
    """
    first, second = check_texts(sentences1), check_texts(sentences2)
    if len(first) != len(second):
        raise ValueError(
            f"sentences1 has {len(first)} texts but sentences2 has {len(second)}; "
            "pairs need one sentence on each side."
        )
    if not first:
        raise ValueError("no pairs: sentences1 and sentences2 are empty.")
    embeddings1 = encode(model, first, normalize=False)
    embeddings2 = encode(model, second, normalize=False)
    return 1 - paired_cosine_distances(embeddings1, embeddings2)


def sts_correlations(predicted: Sequence[float], gold: Sequence[float]) -> dict[str, float]:
    """Spearman and Pearson correlation of ``predicted`` similarities with ``gold`` scores.

    Returns ``{"spearman": ..., "pearson": ...}`` unrounded, from ``scipy.stats`` exactly
    as MTEB calls it (Spearman is MTEB's main STS score). Taught in notebook 03.
    """
    pred = _numbers(predicted, "predicted")
    true = _numbers(gold, "gold")
    if pred.size != true.size:
        raise ValueError(
            f"predicted has {pred.size} values but gold has {true.size}; give one of each per pair."
        )
    if pred.size < 3:
        raise ValueError(f"a correlation needs at least 3 pairs, got {pred.size}.")
    for name, values in (("predicted", pred), ("gold", true)):
        if np.all(values == values[0]):
            raise ValueError(
                f"all {name} values are equal ({values[0]}); a correlation is undefined."
            )
    return {
        "spearman": float(spearmanr(true, pred).statistic),
        "pearson": float(pearsonr(true, pred).statistic),
    }


def score_sts_pairs(model: SentenceTransformer, pairs: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``pairs`` with the model's ``cosine`` for each pair and a ``model`` column.

    ``pairs`` needs sentence1, sentence2 and score columns (:func:`load_sts_file`,
    :func:`gist_helpers.load_sts_pairs`). Cosines are kept unrounded: the correlations
    are computed from them. Taught in notebook 03.
    """
    checked = _check_pairs(pairs, "pairs")
    scored = checked.copy()
    scored["cosine"] = paired_cosine(model, checked["sentence1"], checked["sentence2"]).astype(
        np.float64
    )
    scored["model"] = model_info(model).model_id
    scored.attrs = dict(pairs.attrs)
    return scored


def evaluate_sts(
    model: SentenceTransformer, pairs: pd.DataFrame, *, name: str | None = None
) -> pd.DataFrame:
    """Score ``model`` on STS ``pairs`` as MTEB does: one row with cosine Spearman and Pearson.

    Columns: model, dataset, pairs, spearman, pearson (rounded to 4 decimals) and
    ``spearman ×100``, the number MTEB leaderboards print. Taught in notebook 03.
    """
    scored = score_sts_pairs(model, pairs)
    result = sts_correlations(scored["cosine"], scored["score"])
    return pd.DataFrame(
        [
            {
                "model": model_info(model).model_id,
                "dataset": name or pairs.attrs.get("name", "STS pairs"),
                "pairs": len(scored),
                "spearman": round(result["spearman"], DECIMALS),
                "pearson": round(result["pearson"], DECIMALS),
                "spearman ×100": round(100 * result["spearman"], 2),
            }
        ]
    )


def sts_disagreements(
    scored: pd.DataFrame, *, n: int = 10, direction: str = "both"
) -> pd.DataFrame:
    """The ``n`` pairs where the model's ranking differs most from people's.

    Both scales are turned into percentile ranks (0–100) so they compare; ``gap`` is model
    rank minus human rank: positive means the model finds the pair more similar than people
    do. ``direction`` is "both", "over" (gap > 0) or "under". Taught in notebook 03.
    """
    table = _ranked(scored)
    if direction not in {"both", "over", "under"}:
        raise ValueError(f"direction={direction!r} is not known; use 'both', 'over' or 'under'.")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}.")
    if direction == "over":
        table = table[table["gap"] > 0]
    elif direction == "under":
        table = table[table["gap"] < 0]
    table = table.assign(_size=table["gap"].abs()).sort_values(
        "_size", ascending=False, kind="stable"
    )
    columns = ["sentence1", "sentence2"] + [c for c in ("phenomenon",) if c in table.columns]
    columns += ["score", "cosine", "human rank", "model rank", "gap", "model"]
    out = table.head(n)[columns].copy()
    out["cosine"] = out["cosine"].round(DECIMALS)
    return out


def sts_by_group(scored: pd.DataFrame, *, by: str = "phenomenon") -> pd.DataFrame:
    """Per group (e.g. phenomenon): pairs, mean human score, mean cosine, mean rank gap, Spearman.

    ``mean gap`` > 0: the model ranks the group's pairs as more similar than people do
    (negations and changed numbers typically). Spearman within a group is NaN for fewer
    than 3 pairs or constant scores. Sorted by mean gap. Taught in notebook 03.
    """
    table = _ranked(scored)
    if by not in table.columns:
        raise ValueError(
            f"scored has no column {by!r} to group by (columns: {list(scored.columns)})."
        )
    rows = []
    for group, part in table.groupby(by, sort=True):
        spearman = np.nan
        if len(part) >= 3 and part["score"].nunique() > 1 and part["cosine"].nunique() > 1:
            spearman = spearmanr(part["score"], part["cosine"]).statistic
        rows.append(
            {
                by: group,
                "pairs": len(part),
                "mean score": round(float(part["score"].mean()), 2),
                "mean cosine": round(float(part["cosine"].mean()), DECIMALS),
                "mean gap": round(float(part["gap"].mean()), 1),
                "spearman": round(float(spearman), DECIMALS),
                "model": part["model"].iloc[0],
            }
        )
    return pd.DataFrame(rows).sort_values("mean gap", ascending=False, ignore_index=True)


def plot_sts_scatter(
    scored: pd.DataFrame, *, hue: str | None = "phenomenon", ax: plt.Axes | None = None
) -> plt.Axes:
    """Scatter plot of the model's cosine against the human score, one dot per pair.

    Coloured by ``hue`` (a column, e.g. phenomenon; None for one colour); the title gives
    Spearman and Pearson and the model. Returns the matplotlib Axes. Taught in notebook 03.
    """
    table = _ranked(scored)
    if hue is not None and hue not in table.columns:
        raise ValueError(
            f"scored has no column {hue!r} to colour by; "
            f"use hue=None or one of {list(scored.columns)}."
        )
    result = sts_correlations(table["cosine"], table["score"])
    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 5))
    levels = sorted(table[hue].astype(str).unique()) if hue else None
    sns.scatterplot(
        data=table.assign(**({hue: table[hue].astype(str)} if hue else {})),
        x="score",
        y="cosine",
        hue=hue,
        hue_order=levels,
        style=hue if levels and len(levels) > 10 else None,
        palette=PALETTE if hue else None,
        color=None if hue else sns.color_palette(PALETTE)[0],
        s=28,
        alpha=0.85,
        ax=ax,
    )
    ax.set_xlabel("human similarity score (0 = unrelated, 5 = same meaning)")
    ax.set_ylabel("cosine similarity of the embeddings")
    ax.set_title(
        f"Model cosine vs human score, {len(table)} pairs: Spearman {result['spearman']:.3f}, "
        f"Pearson {result['pearson']:.3f}\n{table['model'].iloc[0]}",
        fontsize=10,
    )
    if hue:
        ax.legend(
            title=hue,
            bbox_to_anchor=(1.02, 1),
            loc="upper left",
            fontsize=8,
            title_fontsize=9,
            frameon=False,
        )
    ax.grid(alpha=0.3)
    return ax


# --- validation ------------------------------------------------------------------------


def _check_pairs(pairs: pd.DataFrame, where: str) -> pd.DataFrame:
    if not isinstance(pairs, pd.DataFrame):
        raise TypeError(
            f"{where} must be a pandas DataFrame with sentence1, sentence2, score columns, "
            f"got {type(pairs).__name__}."
        )
    missing = [c for c in REQUIRED if c not in pairs.columns]
    if missing:
        raise ValueError(
            f"{where} has no column(s) {missing} (found {list(pairs.columns)}); "
            "STS pairs need sentence1, sentence2 and score."
        )
    if pairs.empty:
        raise ValueError(f"{where} has no pairs; an STS evaluation needs at least one.")
    for column in ("sentence1", "sentence2"):
        bad = pairs.index[~pairs[column].map(lambda x: isinstance(x, str))].tolist()
        if bad:
            raise ValueError(
                f"{where}: {column} at row(s) {_shown(bad)} is missing or not text; "
                "drop or fix those rows first."
            )
    scores = pd.to_numeric(pairs["score"], errors="coerce")
    bad = pairs.index[scores.isna() | ~np.isfinite(scores.fillna(0))].tolist()
    if bad:
        raise ValueError(
            f"{where}: score at row(s) {_shown(bad)} is NaN or not a number; "
            "drop those rows (pairs.dropna(subset=['score'])) or fix the scores."
        )
    out = pairs.copy()
    out["score"] = scores.astype(np.float64)
    return out


def _ranked(scored: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(scored, pd.DataFrame) or not {"cosine", "model"} <= set(scored.columns):
        raise ValueError(
            "expected the table returned by score_sts_pairs (with cosine and model columns)."
        )
    table = _check_pairs(scored, "scored")
    if table["cosine"].isna().any():
        raise ValueError("scored has NaN cosines; recompute them with score_sts_pairs.")
    table["human rank"] = (100 * table["score"].rank(pct=True)).round(1)
    table["model rank"] = (100 * table["cosine"].rank(pct=True)).round(1)
    table["gap"] = (table["model rank"] - table["human rank"]).round(1)
    return table


def _numbers(values: Sequence[float], name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a sequence of numbers.") from None
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise ValueError(
            f"{name} has NaN or infinite value(s) at position(s) {_shown(bad.tolist())}; "
            "drop those pairs first."
        )
    return array


def _shown(items: list) -> str:
    return ", ".join(map(repr, items[:10])) + (" …" if len(items) > 10 else "")
