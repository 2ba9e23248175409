"""Capacity figures, drawn from tables only: paper Fig. 3 (F1 against the capacity grid), the
training curves of Fig. A.1-A.5, and the minimum width against the training budget."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from lowcap.figures import plots


def _width_axis(ax, widths) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(widths))
    ax.set_xticklabels([str(w) for w in sorted(widths)])


def plot_capacity(summary: pd.DataFrame, pairs: list[str], title: str, png, pdf, threshold: float,
                  labels: plots.Labels | dict | None = None) -> None:
    """Paper Fig. 3: F1 against hidden width (channels, in a CNN study), one curve per pair: mean
    over seeds, whiskers from the lowest to the highest seed (a ± std bar would run past F1 = 1)."""
    plt = plots.pyplot()
    labels = plots.labels_of(labels)
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for pair in pairs:
        rows = summary[summary["pair"] == pair].sort_values("width")
        spread = [rows["mean"] - rows["min"], rows["max"] - rows["mean"]]
        ax.errorbar(rows["width"], rows["mean"], yerr=spread, marker="o", ms=3, capsize=2, label=pair)
    ax.axhline(threshold, color="grey", ls="--", lw=0.8, label=f"F1 = {threshold}")
    _width_axis(ax, summary["width"].unique())
    ax.set_ylim(max(0.0, float(summary["min"].min()) - 0.03), 1.01)  # F1 never passes 1
    ax.set_xlabel(labels.capacity)
    ax.set_ylabel(f"F1 (mean; whiskers: min–max over {int(summary['n_seeds'].max())} seeds)")
    ax.set_title(labels.title(title))
    ax.legend(title="pair", fontsize=8)
    ax.grid(alpha=0.3)
    plots.save(fig, png, pdf)


def training_curve_table(history: pd.DataFrame) -> pd.DataFrame:
    """Fig. A data, exactly what plot_training_curves draws: mean, min and max over seeds of F1 and loss
    per (pair, split, width, epoch); `highlighted` marks the widths drawn in colour with a band
    (the others are drawn as a grey mean line)."""
    keys = ["pair", "split", "width", "epoch"]
    out = history.groupby(keys)[["f1", "loss"]].agg(["mean", "min", "max"])
    out.columns = [f"{a}_{b}" for a, b in out.columns]
    out["n_seeds"] = history.groupby(keys)["seed"].nunique()
    out = out.reset_index()
    out["highlighted"] = out["width"].isin(plots.highlighted_widths(out["width"].unique()))
    return out


def plot_training_curves(curves: pd.DataFrame, pair: str, png, pdf, labels: plots.Labels | dict | None = None) -> None:
    """Paper Fig. A.1-A.5: F1 and loss against epoch, one line per width. Top row training split
    (as in the paper), bottom row validation. A few widths in colour with a min-max band over
    seeds, the others grey; one legend for the figure. `curves` is training_curve_table's output
    (a table with `_std` columns instead of `_min`/`_max`, as older callers wrote, gets no bands)."""
    plt = plots.pyplot()
    labels = plots.labels_of(labels)
    widths = sorted(curves["width"].unique())
    highlighted = plots.highlighted_widths(widths)
    n_seeds = int(curves["n_seeds"].max()) if "n_seeds" in curves else 0
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.8), sharex=True)
    ylabels = {"f1": "F1 (mean over seeds)", "loss": "BCE loss (mean over seeds)"}
    for row, split in enumerate(["train", "val"]):
        for col, metric in enumerate(["f1", "loss"]):
            ax = axes[row, col]
            for width in sorted(widths, key=lambda w: w in highlighted):  # grey lines below
                c = curves[(curves["split"] == split) & (curves["width"] == width)].sort_values("epoch")
                style = plots.width_style(width, highlighted, labels.symbol)
                style["marker"] = None  # 100 epochs: a line, no markers
                ax.plot(c["epoch"], c[f"{metric}_mean"], **style)
                if width in highlighted and f"{metric}_min" in c:
                    ax.fill_between(c["epoch"], c[f"{metric}_min"], c[f"{metric}_max"], color=style["color"],
                                    alpha=0.18, lw=0, zorder=1)
            if metric == "f1":
                lo = float(curves["f1_min" if "f1_min" in curves else "f1_mean"].min())
                ax.set_ylim(max(0.0, lo - 0.03), 1.0 + 0.01)
            ax.set_title(f"{'training' if split == 'train' else 'validation'} split: "
                         f"{'F1' if metric == 'f1' else 'loss'}", fontsize=10)
            ax.set_ylabel(ylabels[metric])
            ax.grid(alpha=0.3)
            if row == 1:
                ax.set_xlabel("epoch (0: initial weights)")
    fig.suptitle(labels.title(f"{pair}: training curves, one line per {labels.noun} {labels.symbol}"), fontsize=11)
    fig.tight_layout(rect=(0, 0.045, 1, 1))
    plots.width_legend(fig, widths, highlighted, n_seeds, markers=False, symbol=labels.symbol, loc="lower center",
                 ncol=min(len(highlighted) + 2, 6), bbox_to_anchor=(0.5, 0.0), frameon=False)
    plots.save(fig, png, pdf)


def plot_budget_min_width(table: pd.DataFrame, pairs: list[str], png, pdf) -> None:
    """Minimum width (F1 above the success level on the mean over seeds) against the number of
    training epochs, one line per pair. A pair that no width of the grid gets there is drawn as an
    open marker on the 'none' row at the top."""
    plt = plots.pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.4))
    reached = pd.to_numeric(table["min_width_mean"], errors="coerce").dropna()
    none_row = 2 * float(reached.max()) if len(reached) else 2.0  # the "none" tick
    # Pairs often share a point (every pair at width 2, two pairs with no width): each pair is
    # shifted along the log epoch axis and has a marker of its own, so that none hides another.
    shifts = 1.1 ** (np.arange(len(pairs)) - (len(pairs) - 1) / 2)  # 5 pairs: x 0.83 .. 1.21
    for i, pair in enumerate(pairs):
        rows = table[table["pair"] == pair].sort_values("epochs")
        if rows.empty:
            continue
        y = pd.to_numeric(rows["min_width_mean"], errors="coerce")
        style = plots.pair_style(i)
        x = rows["epochs"] * shifts[i]
        ax.plot(x, y, ms=5, lw=1.4, label=pair, zorder=3, **style)
        missing = y.isna().to_numpy()
        ax.plot(x[missing], [none_row] * int(missing.sum()), ms=7, ls="none", mfc="white", mew=1.4, zorder=3,
                **style)
    ax.axhspan(none_row / 1.25, none_row * 1.25, color="0.92", zorder=0)
    ax.set_xscale("log")
    ax.set_yscale("log", base=2)
    ticks = sorted({int(v) for v in reached})
    ax.set_yticks(ticks + [none_row])
    ax.set_yticklabels([str(t) for t in ticks] + ["none"])
    ax.set_ylim(min(ticks, default=2) / 1.3, none_row * 1.3)
    epochs = sorted(table["epochs"].unique())
    ax.set_xticks(epochs)
    ax.set_xticklabels([str(e) for e in epochs])
    ax.set_xlim(min(epochs) * 0.65, max(epochs) / 0.65)
    ax.minorticks_off()
    split, stat = table["split"].iloc[0], table["statistic"].iloc[0]
    ax.set_xlabel("training epochs (pairs drawn side by side at each budget)")
    ax.set_ylabel(f"smallest width with F1 > {table['threshold'].iloc[0]:g}\n(mean over seeds; {split}, {stat})")
    ax.set_title("Minimum width against the training budget")
    handles, _ = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color="0.3", marker="o", mfc="white", ls="none",
                          label="open marker on 'none':\nno width of the grid"))
    ax.legend(handles=handles, title="pair", fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.grid(alpha=0.3)
    plots.save(fig, png, pdf)
