"""MLP against CNN on one axis, the parameter count (issue 11; pandas and matplotlib only).

Per pair: the best F1 of each width (MLP hidden units, CNN channels) against its parameter count
(lowcap.core.cnn.parameter_count), and the minimum capacity counted both ways.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowcap.figures import plots
from lowcap.analyses.capacity import SUCCESS_F1, minimum_capacity, succeeds, width_summary
from lowcap.core.architecture import parameter_count

ARCH_LABEL = {"mlp": "MLP 784→H→1", "cnn": "CNN 3×3 conv, C channels → 1"}
ARCH_STYLE = {"mlp": (plots.HIGHLIGHT_COLORS[0], "o"), "cnn": (plots.HIGHLIGHT_COLORS[3], "s")}


def curves(per_seed: dict[str, pd.DataFrame], names: dict[str, str], pairs: list[str], split: str,
           stat: str) -> pd.DataFrame:
    """The figure's numbers: per (architecture, pair, width), the mean, min and max over seeds of
    `stat` on `split`, with the parameter count."""
    frames = []
    for arch, table in per_seed.items():
        summary = width_summary(table, split, stat)
        summary = summary[summary["pair"].isin(pairs)]
        summary.insert(0, "architecture", arch)
        summary.insert(1, "study", names[arch])
        summary.insert(4, "parameters", [parameter_count(arch, int(w)) for w in summary["width"]])
        frames.append(summary)
    out = pd.concat(frames, ignore_index=True)
    out["pair"] = pd.Categorical(out["pair"], categories=pairs, ordered=True)
    out = out.sort_values(["pair", "architecture", "width"]).reset_index(drop=True)
    out["pair"] = out["pair"].astype(str)
    return out


def table(per_seed: dict[str, pd.DataFrame], sparsity: dict[str, dict[str, pd.DataFrame]], names: dict[str, str],
          pairs: list[str], split: str, stat: str) -> pd.DataFrame:
    """One row per pair: per architecture, the minimum width (mean over seeds, and every seed), its
    parameter count, the CNN's parameters as a fraction of the MLP's, and per pruning scheme of each
    study the highest sparsity that keeps success on every seed (over the widths of the grid)."""
    minimum = {arch: minimum_capacity(per_seed[arch], pairs).set_index(["pair", "split", "statistic"])
               for arch in ("mlp", "cnn")}
    rows = []
    for pair in pairs:
        row = {"pair": pair}
        for arch in ("mlp", "cnn"):
            found = minimum[arch].loc[(pair, split, stat)]
            mean = np.nan if pd.isna(found["min_width_mean"]) else float(found["min_width_mean"])
            row[f"{arch}_min_width"] = mean
            row[f"{arch}_min_width_every_seed"] = (np.nan if pd.isna(found["min_width_every_seed"])
                                                   else float(found["min_width_every_seed"]))
            row[f"{arch}_min_params"] = np.nan if np.isnan(mean) else parameter_count(arch, int(mean))
        row["cnn_over_mlp_params"] = row["cnn_min_params"] / row["mlp_min_params"]
        for arch in ("mlp", "cnn"):
            for scheme, t in sparsity[arch].items():
                values = pd.to_numeric(t.loc[t["pair"] == pair, "max_sparsity_every_seed"], errors="coerce")
                row[f"{arch}_max_sparsity_{scheme}"] = values.max() if values.notna().any() else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    out.insert(1, "mlp_study", names["mlp"])
    out.insert(2, "cnn_study", names["cnn"])
    for col in [c for c in out if c.endswith(("_min_width", "_every_seed", "_min_params"))]:
        out[col] = out[col].astype("Int64")
    return out


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
