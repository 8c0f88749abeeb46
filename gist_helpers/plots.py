"""Figures and tables the notebooks would otherwise repeat: each returns its figure or Styler.

Plots never call ``plt.show()``. Groups take the colours of :data:`PALETTE`: Okabe and Ito's
seven colour-blind-safe colours (their black is kept for noise), then Paul Tol's purple,
tab10's brown and Tol's light pink; no grey, no two alike. Past ten groups the colours
repeat with other marker shapes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler
from scipy.optimize import linear_sum_assignment
from sentence_transformers import SentenceTransformer

from . import validation as check
from .clustering import NOISE, _clusters
from .model import model_info

__all__ = ["plot_clusters_2d", "show"]

PALETTE = [
    "#0072b2",  # blue (Okabe–Ito)
    "#e69f00",  # orange
    "#009e73",  # bluish green
    "#cc79a7",  # reddish purple
    "#56b4e9",  # sky blue
    "#d55e00",  # vermillion
    "#f0e442",  # yellow
    "#aa3377",  # purple (Tol)
    "#8c564b",  # brown (tab10)
    "#ffaabb",  # light pink (Tol)
]
NOISE_COLOUR = "black"
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
PROVENANCE = ("model", "revision", "source")
_COMMIT = re.compile(r"[0-9a-f]{40}")
_SEP = "\x1f"  # between cells of Styler.to_string, split again by ResultsTable


class ResultsTable(Styler):
    """The Styler :func:`show` returns: HTML in a notebook, and, where only text is shown
    (``print``, ``repr``, a terminal, a notebook's text/plain output), the same formatted
    cells as an aligned plain-text table with its caption below."""

    def __repr__(self) -> str:
        rows = [line.split(_SEP) for line in self.to_string(delimiter=_SEP).split("\n") if line]
        widths = [
            max(len(row[i]) for row in rows if i < len(row))
            for i in range(max(map(len, rows), default=0))
        ]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
        return "\n".join(lines + ([self.caption] if isinstance(self.caption, str) else []))

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(repr(self))


def show(
    table: pd.DataFrame,
    model: SentenceTransformer | str | None = None,
    *,
    caption: str | None = None,
    decimals: int = 4,
) -> ResultsTable:
    """A results table ready to read: numbers to ``decimals`` significant digits (whole numbers
    with thousands separators), text left-aligned, provenance (model, revision, source columns,
    or ``model``) in the caption instead of in every row.

    The DataFrame itself keeps its columns; this only changes how it is displayed. Returns a
    pandas Styler (HTML in a notebook) that prints as a plain-text table with its caption.
    A revision that is a commit id is cut to 12 characters; any other is shown whole.
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {check.describe(table)}.")
    decimals = check.integer(decimals, "decimals", minimum=0)
    if caption is not None:
        check.text(caption, "caption", empty=True)
    notes = [caption] if caption and caption.strip() else []
    if isinstance(model, SentenceTransformer):
        info = model_info(model)
        revision = info.revision[:12] if _COMMIT.fullmatch(info.revision) else info.revision
        notes.append(f"embeddings: {info.model_id} · revision {revision} · source {info.source}")
    elif isinstance(model, str):
        if model.strip():
            notes.append(model)
    elif model is not None:
        raise TypeError(
            f"model must be a SentenceTransformer, a string or None, got {check.describe(model)}."
        )
    if not table.columns.is_unique:  # first: table[name] of a repeated name is a DataFrame
        twice = sorted({str(c) for c in table.columns[table.columns.duplicated()]})
        raise ValueError(f"table has column(s) {twice} more than once; rename them first.")
    hidden = [c for c in PROVENANCE if c in table.columns and table[c].nunique(dropna=False) == 1]
    for column in hidden:
        notes.append(f"{column}: {table[column].iloc[0]}")
    shown = table.drop(columns=hidden)
    text_columns = [c for c in shown.columns if not pd.api.types.is_numeric_dtype(shown[c])]
    numbers = {
        c: (lambda v, d=decimals: _number(v, d)) for c in shown.columns if c not in text_columns
    }
    styler = ResultsTable(shown).format(numbers, na_rep="–")
    if notes:
        styler = styler.set_caption(" · ".join(notes))
    styler = styler.set_properties(subset=text_columns, **{"text-align": "left"})
    return styler.set_table_styles(
        [
            {
                "selector": "caption",
                "props": "caption-side: bottom; text-align: left; color: #555; font-size: 85%;",
            },
            {"selector": "th", "props": "text-align: left;"},
        ]
    )


def _number(value, digits: int) -> str:
    """``digits`` significant digits for a score (0.6451, 28.94); a grouped whole number otherwise."""
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if not digits or float(value).is_integer() or abs(value) >= 10**digits:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def plot_clusters_2d(
    coords: np.ndarray,
    clusters: Sequence[int],
    true_labels: Sequence | None = None,
    *,
    projection: str = "PCA",
    method: str = "KMeans",
) -> plt.Figure:
    """A 2-D map coloured by cluster and, beside it, by true label (if given). Notebook 04.

    Each cluster takes the colour of the true label it overlaps most (matched one to one),
    so the panels compare at a glance; noise points (-1) are black crosses drawn on top
    (all points may be noise: HDBSCAN can find nothing); past 10 groups colours repeat with
    other marker shapes. ``projection`` and ``method`` name the axes and titles. Returns
    the Figure.
    """
    points = check.matrix(coords, "coords", width=2).astype(np.float64)
    pred = _clusters(clusters, len(points))
    projection = check.text(projection, "projection")
    method = check.text(method, "method")
    panels = [(pred, f"coloured by {method} cluster", "cluster")]
    if true_labels is not None:
        truth = check.labels(true_labels, len(points), "true_labels").astype(str)
        panels.append((truth, "coloured by true label", "label"))
    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 5.2), layout="constrained")
    axes = np.atleast_1d(axes)
    matched = _colour_slots(pred, panels[1][0]) if len(panels) > 1 else {}
    for ax, (groups, subtitle, legend_title) in zip(axes, panels):
        levels = sorted(
            set(groups.tolist()),
            key=lambda v: (v == NOISE, v) if legend_title == "cluster" else (False, v),
        )
        slots = (
            matched if legend_title == "cluster" else {level: i for i, level in enumerate(levels)}
        )
        spare = iter(i for i in range(len(levels) + len(PALETTE)) if i not in set(slots.values()))
        for level in levels:
            mask = groups == level
            if legend_title == "cluster" and level == NOISE:
                ax.scatter(
                    *points[mask].T,
                    s=16,
                    marker="x",
                    color=NOISE_COLOUR,
                    linewidths=0.9,
                    zorder=3,  # on top of the clusters
                    label=f"noise ({int(mask.sum())})",
                )
                continue
            slot = slots[level] if level in slots else next(spare)
            ax.scatter(
                *points[mask].T,
                s=18,
                color=PALETTE[slot % len(PALETTE)],
                marker=MARKERS[(slot // len(PALETTE)) % len(MARKERS)],
                alpha=0.85,
                linewidths=0,
                zorder=2,
                label=str(level),
            )
        ax.set_title(f"{projection} map, {subtitle}", fontsize=10)
        ax.set_xlabel(f"{projection} 1")
        ax.set_ylabel(f"{projection} 2")
        if len(levels) <= 30:
            ax.legend(
                title=legend_title,
                fontsize=7,
                title_fontsize=8,
                loc="upper left",
                bbox_to_anchor=(1.0, 1.0),
                frameon=False,
            )
    return fig


def _colour_slots(pred: np.ndarray, truth: np.ndarray) -> dict[int, int]:
    """Palette slot per cluster: the slot of the true label it best matches (Hungarian)."""
    clusters = sorted(set(pred.tolist()) - {NOISE})
    labels = sorted(set(truth.tolist()))
    if not clusters:  # every point is noise
        return {}
    overlap = np.array([[np.sum((pred == c) & (truth == t)) for t in labels] for c in clusters])
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    return {clusters[r]: int(c) for r, c in zip(rows, cols)}
