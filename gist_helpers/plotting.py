"""Plot helpers: each returns the matplotlib Axes (or Figure) and never calls plt.show()."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

__all__ = ["plot_throughput"]

PALETTE = "colorblind"


def plot_throughput(speed: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Bar chart of texts/s by batch size, from rows of :func:`measure_throughput`. Notebook 02."""
    missing = {"batch size", "texts/s", "model", "device"} - set(speed.columns)
    if missing:
        raise ValueError(f"speed table lacks column(s) {sorted(missing)}; pass measure_throughput rows.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    sns.barplot(data=speed, x="batch size", y="texts/s", color=sns.color_palette(PALETTE)[0], ax=ax)
    for container in ax.containers:
        ax.bar_label(container, fmt="%.0f", fontsize=8)
    first = speed.iloc[0]
    ax.set_title(f"Encoding speed by batch size\n{first['model']} on {first['device']}", fontsize=10)
    ax.set_xlabel("batch size")
    ax.set_ylabel("texts per second")
    return ax
