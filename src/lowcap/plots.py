"""Figures. Each writes a PNG and a vector PDF; the caller writes the CSV of plotted numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def pyplot():
    """matplotlib.pyplot on the file-only Agg backend, imported on first use: jobs that import
    lowcap modules for their numbers alone (the torch jobs) do not pay for matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, png: str | Path, pdf: str | Path | None = None) -> None:
    """Write the PNG (150 dpi) and the PDF. No creation date goes into either file, so a rerun on
    the same numbers writes the same bytes."""
    plt = pyplot()
    Path(png).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=150, bbox_inches="tight", metadata={"Software": None})
    if pdf:
        fig.savefig(pdf, bbox_inches="tight", metadata={"CreationDate": None})
    plt.close(fig)


def _width_axis(ax, widths) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(widths))
    ax.set_xticklabels([str(w) for w in sorted(widths)])


def capacity(summary: pd.DataFrame, pairs: list[str], title: str, png, pdf, threshold: float) -> None:
    """Paper Fig. 3: F1 against hidden width, one curve per pair, mean +- std over seeds."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for pair in pairs:
        rows = summary[summary["pair"] == pair].sort_values("width")
        ax.errorbar(rows["width"], rows["mean"], yerr=rows["std"].fillna(0), marker="o", ms=3,
                    capsize=2, label=pair)
    ax.axhline(threshold, color="grey", ls="--", lw=0.8, label=f"F1 = {threshold}")
    _width_axis(ax, summary["width"].unique())
    ax.set_xlabel("hidden width H")
    ax.set_ylabel("F1 (mean ± std over seeds)")
    ax.set_title(title)
    ax.legend(title="pair", fontsize=8)
    ax.grid(alpha=0.3)
    save(fig, png, pdf)


def training_curves(curves: pd.DataFrame, pair: str, png, pdf) -> None:
    """Paper Fig. A.1-A.5: F1 and loss against epoch, one line per width, +- std band over seeds.
    Top row training split (as in the paper), bottom row validation."""
    plt = pyplot()
    widths = sorted(curves["width"].unique())
    cmap = plt.get_cmap("viridis", len(widths))
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.5), sharex=True)
    for row, split in enumerate(["train", "val"]):
        for col, metric in enumerate(["f1", "loss"]):
            ax = axes[row, col]
            for i, width in enumerate(widths):
                c = curves[(curves["split"] == split) & (curves["width"] == width)].sort_values("epoch")
                mean, std = c[f"{metric}_mean"], c[f"{metric}_std"].fillna(0)
                ax.plot(c["epoch"], mean, color=cmap(i), lw=1, label=str(width))
                ax.fill_between(c["epoch"], mean - std, mean + std, color=cmap(i), alpha=0.15, lw=0)
            ax.set_title(f"{pair}: {metric.upper() if metric == 'f1' else metric}, {split} split")
            ax.grid(alpha=0.3)
            if row == 1:
                ax.set_xlabel("epoch")
    axes[0, 1].legend(title="width", fontsize=7, ncol=2)
    fig.tight_layout()
    save(fig, png, pdf)
