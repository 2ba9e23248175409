"""Learning-rate sweep figures (paper Fig. 1 and 2), drawn from the final-epoch summary
(lowcap.analyses.lr_sweep.final_epoch_summary)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowcap.figures import plots


def plot_lr_curves(summary: pd.DataFrame, protocol_lr: float, png, pdf,
                   labels: plots.Labels | dict | None = None) -> None:
    """Paper Fig. 1: validation F1 and AUC against lr (log), one line per width: a few widths in
    colour with min-max whiskers over seeds, the rest grey (eleven colours of one map cannot be
    told apart). The coloured widths' points are dodged a little along the log axis so their
    whiskers stay apart; the grid lr is a shaded column spanning its dodged points."""
    plt = plots.pyplot()
    labels = plots.labels_of(labels)
    val = summary[summary["split"] == "val"]
    widths = sorted(val["width"].unique())
    highlighted = plots.highlighted_widths(widths)
    shift = {w: 2.0 ** (o * 1.2) for w, o in plots.dodge(highlighted).items()}  # factors 0.84..1.19
    n_seeds = int(val["n_seeds"].max())
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), sharex=True)
    lrs = sorted(val["lr"].unique())
    for ax, metric in zip(axes, ["f1", "auc"]):
        for width in sorted(widths, key=lambda w: w in highlighted):  # grey lines below
            c = val[val["width"] == width].sort_values("lr")
            style = plots.width_style(width, highlighted, labels.symbol)
            x = c["lr"] * shift.get(width, 1.0)
            ax.plot(x, c[f"{metric}_mean"], **style)
            if width in highlighted:
                plots.whiskers(ax, x, c[f"{metric}_min"], c[f"{metric}_max"], style["color"])
        ax.axvspan(protocol_lr * min(shift.values(), default=1) / 1.06,
                   protocol_lr * max(shift.values(), default=1) * 1.06, color="0.88", zorder=0)
        ax.set_xscale("log")
        ax.set_xticks(lrs, [f"{lr:g}" + ("\n(grid lr)" if np.isclose(lr, protocol_lr) else "") for lr in lrs])
        ax.minorticks_off()
        ax.set_xlabel("learning rate (shaded: the lr of the width grid)")
        ax.set_ylabel(f"validation {metric.upper()}\n(mean; whiskers: {plots.SPREAD})")
        drawn = min(val[f"{metric}_mean"].min(), val.loc[val["width"].isin(highlighted), f"{metric}_min"].min())
        ax.set_ylim(max(0.0, float(drawn) - 0.03), 1.01)  # F1 and AUC cannot pass 1
        ax.grid(alpha=0.3)
    pair, epoch = val["pair"].iloc[0], int(val["epoch"].iloc[0])
    axes[0].set_title(labels.title(f"{pair}: validation F1 after {epoch} epochs"), fontsize=10)
    axes[1].set_title(labels.title(f"{pair}: validation AUC after {epoch} epochs"), fontsize=10)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    plots.width_legend(fig, widths, highlighted, n_seeds, spread="whiskers", symbol=labels.symbol,
                       loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=len(highlighted) + 2, frameon=False)
    plots.save(fig, png, pdf)


def heatmap_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Fig. 2 data: mean (and spread of) final-epoch F1 per (split, width, lr)."""
    cols = ["pair", "split", "epoch", "width", "lr", "f1_mean", "f1_std", "f1_min", "f1_max", "n_seeds"]
    return summary[cols].copy()


def plot_heatmap(table: pd.DataFrame, png, pdf, labels: plots.Labels | dict | None = None) -> None:
    """Paper Fig. 2: mean validation F1 over seeds, width (rows) x lr (columns), annotated."""
    plt = plots.pyplot()

    val = table[table["split"] == "val"]
    grid = val.pivot(index="width", columns="lr", values="f1_mean").sort_index()
    fig, ax = plt.subplots(figsize=(1.1 * grid.shape[1] + 2.2, 0.42 * grid.shape[0] + 1.6))
    image = ax.imshow(grid.to_numpy(), cmap="viridis", vmin=0, vmax=1, aspect="auto", origin="lower")
    for (i, j), value in np.ndenumerate(grid.to_numpy()):
        ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                color="black" if value > 0.6 else "white")
    ax.set_xticks(range(grid.shape[1]))
    ax.set_xticklabels([f"{lr:g}" for lr in grid.columns])
    ax.set_yticks(range(grid.shape[0]))
    ax.set_yticklabels([str(w) for w in grid.index])
    ax.set_xlabel("learning rate")
    labels = plots.labels_of(labels)
    ax.set_ylabel(labels.capacity)
    ax.set_title(labels.title(f"{val['pair'].iloc[0]}: validation F1 after {int(val['epoch'].iloc[0])} epochs, "
                              f"mean of {int(val['n_seeds'].max())} seeds"), fontsize=9)
    fig.colorbar(image, ax=ax, label="F1")
    plots.save(fig, png, pdf)
