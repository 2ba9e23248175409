"""MLP against CNN (issue 11): F1 against the parameter count per pair, drawn from the curves
table (lowcap.analyses.compare.curves)."""

from __future__ import annotations

import pandas as pd

from lowcap.analyses.capacity import SUCCESS_F1, succeeds
from lowcap.figures import plots

ARCH_LABEL = {"mlp": "MLP 784→H→1", "cnn": "CNN 3×3 conv, C channels → 1"}
ARCH_STYLE = {"mlp": (plots.HIGHLIGHT_COLORS[0], "o"), "cnn": (plots.HIGHLIGHT_COLORS[3], "s")}
STAT_WORDS = {"best_f1": "best", "final_f1": "final-epoch"}
SPLIT_WORDS = {"val": "validation", "train": "training"}


def plot(curves: pd.DataFrame, pairs: list[str], png, pdf) -> None:
    """One panel per pair, at most three to a row (five in one row cannot be read at page width):
    F1 (mean over seeds, whiskers min-max) against parameters, log axis, the MLP study and the CNN
    study; the success level dashed; an open marker at each architecture's minimum capacity (the
    first width whose mean passes). The legend takes a free panel when there is one."""
    plt = plots.pyplot()
    ncols = min(3, len(pairs))
    nrows = -(-len(pairs) // ncols)
    fig, grid = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 3.1 * nrows + 0.6), sharey=True, squeeze=False)
    axes = grid.ravel()
    split, stat = curves["split"].iloc[0], curves["statistic"].iloc[0]
    n_seeds = int(curves["n_seeds"].max())
    lo = max(0.0, min(float(curves["min"].min()), SUCCESS_F1) - 0.02)  # the success line always shows
    for ax, pair in zip(axes, pairs):
        _pair_panel(ax, curves[curves["pair"] == pair])
        ax.axhline(SUCCESS_F1, color="0.3", ls="--", lw=0.8)
        ax.set_ylim(lo, 1.005)
        ax.set_title(pair, fontsize=10)
        ax.set_xlabel("parameters (log)", fontsize=9)
    fig.supylabel(f"{STAT_WORDS.get(stat, stat)} {SPLIT_WORDS.get(split, split)} F1 "
                  f"(mean; whiskers: {plots.SPREAD}, {n_seeds} seeds)", fontsize=10)
    handles, texts = axes[0].get_legend_handles_labels()
    spare = axes[len(pairs):]
    for ax in spare:
        ax.axis("off")
    if len(spare):
        spare[0].legend(handles, texts, loc="center", fontsize=9, frameon=False)
    else:
        fig.legend(handles, texts, loc="lower center", ncol=2, fontsize=8, frameon=False, bbox_to_anchor=(0.5, -0.06))
    names = curves.drop_duplicates("architecture").set_index("architecture")["study"]
    studies = " against ".join(f"{names[arch]} ({arch.upper()})" for arch in ("mlp", "cnn") if arch in names)
    fig.suptitle(f"{studies}: F1 by parameter count (p)\ndashed: F1 = {SUCCESS_F1}; circled: minimum capacity, "
                 "the smallest width whose mean passes", fontsize=10)
    fig.tight_layout()
    plots.save(fig, png, pdf)


def _pair_panel(ax, curves: pd.DataFrame) -> None:
    """One pair's panel: each architecture's line, whiskers, circled minimum and its note."""
    for arch in ("mlp", "cnn"):
        c = curves[curves["architecture"] == arch].sort_values("parameters")
        if c.empty:
            continue
        color, marker = ARCH_STYLE[arch]
        ax.plot(c["parameters"], c["mean"], marker=marker, ms=3.5, color=color,
                label=f"{ARCH_LABEL[arch]} ({c['study'].iloc[0]})")
        plots.whiskers(ax, c["parameters"], c["min"], c["max"], color)
        ok = c[succeeds(c["mean"])]
        unit = "channels" if arch == "cnn" else "units"
        if len(ok):
            first = ok.iloc[0]
            ax.plot([first["parameters"]], [first["mean"]], marker="o", ms=10, mfc="none", color=color, lw=0)
            unit = unit.rstrip("s") if first["width"] == 1 else unit
            note = f"{arch.upper()} min: {int(first['width'])} {unit}, {int(first['parameters']):,} p"
        else:
            note = f"{arch.upper()} min: none ≤ {int(c['width'].max())} {unit}"
        ax.text(0.97, 0.04 + 0.08 * (arch == "mlp"), note, transform=ax.transAxes, ha="right", va="bottom",
                fontsize=7.5, color=color)
    ax.set_xscale("log")
    ax.grid(alpha=0.3, which="both")
