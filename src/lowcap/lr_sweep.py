"""Learning-rate sweep (paper Fig. 1 and 2): summaries and figures from the sweep's histories.

The training itself is lowcap.train.train_bank with one model per (width, lr); see
lowcap.jobs.train.lr_sweep_seed. Everything here is pandas/matplotlib only, so the figure job never imports torch.
Figures use the final epoch (no selection of the best epoch on the validation split).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowcap import plots


def final_epoch_summary(history: pd.DataFrame) -> pd.DataFrame:
    """Mean, std, min, max over seeds of final-epoch F1 and AUC per (split, width, lr)."""
    last = int(history["epoch"].max())
    rows = history[history["epoch"] == last]
    out = rows.groupby(["pair", "split", "width", "lr"])[["f1", "auc"]].agg(["mean", "std", "min", "max"])
    out.columns = [f"{metric}_{stat}" for metric, stat in out.columns]
    out["n_seeds"] = rows.groupby(["pair", "split", "width", "lr"])["seed"].nunique()
    out = out.reset_index()
    out.insert(2, "epoch", last)
    return out.sort_values(["split", "width", "lr"]).reset_index(drop=True)


def plot_lr_curves(summary: pd.DataFrame, protocol_lr: float, png, pdf) -> None:
    """Paper Fig. 1: validation F1 and AUC against lr (log), one line per width, min-max over seeds.
    Points are drawn at lr times a small per-width factor (< 18%) so the error bars do not overlap."""
    plt = plots.pyplot()

    val = summary[summary["split"] == "val"]
    widths = sorted(val["width"].unique())
    cmap = plt.get_cmap("viridis", len(widths))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True)
    # Each width's points are shifted a little along the log axis so the error bars stay apart.
    shifts = np.geomspace(0.85, 1 / 0.85, len(widths))
    for ax, metric in zip(axes, ["f1", "auc"]):
        for i, width in enumerate(widths):
            c = val[val["width"] == width].sort_values("lr")
            spread = [c[f"{metric}_mean"] - c[f"{metric}_min"], c[f"{metric}_max"] - c[f"{metric}_mean"]]
            ax.errorbar(c["lr"] * shifts[i], c[f"{metric}_mean"], yerr=spread,
                        color=cmap(i), marker="o", ms=3, lw=1, elinewidth=0.7, capsize=1.5, label=str(width))
        ax.axvline(protocol_lr, color="grey", ls="--", lw=0.8, label=f"grid lr {protocol_lr:g}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel(f"{metric.upper()} (mean; whiskers: min–max over {int(val['n_seeds'].max())} seeds)")
        ax.grid(alpha=0.3)
    pair, epoch = val["pair"].iloc[0], int(val["epoch"].iloc[0])
    axes[0].set_title(f"{pair}: validation F1 after {epoch} epochs")
    axes[1].set_title(f"{pair}: validation AUC after {epoch} epochs")
    axes[1].legend(title="width", fontsize=7, ncol=2)
    fig.tight_layout()
    plots.save(fig, png, pdf)


def heatmap_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Fig. 2 data: mean (and spread of) final-epoch F1 per (split, width, lr)."""
    cols = ["pair", "split", "epoch", "width", "lr", "f1_mean", "f1_std", "f1_min", "f1_max", "n_seeds"]
    return summary[cols].copy()


def plot_heatmap(table: pd.DataFrame, png, pdf) -> None:
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
    ax.set_ylabel("hidden width H")
    ax.set_title(f"{val['pair'].iloc[0]}: validation F1 after {int(val['epoch'].iloc[0])} epochs, "
                 f"mean of {int(val['n_seeds'].max())} seeds", fontsize=9)
    fig.colorbar(image, ax=ax, label="F1")
    plots.save(fig, png, pdf)
