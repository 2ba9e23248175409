"""IMP figures: F1 against achieved sparsity by method (one pair), and the recovery of F1 by
fine-tuning round by round, drawn from the IMP tables (lowcap.analyses.imp_tables); the CSV beside
each figure holds exactly what is drawn (figure_curves, recovery_curves)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from lowcap.analyses.imp_tables import CONTROL, SCOPES, STAGE, evaluated
from lowcap.figures import plots

METHOD_STYLE = {"one-shot": {"color": "0.45", "ls": "--", "marker": "x"},
                "one-shot+ft": {"color": "#0072B2", "ls": "-", "marker": "o"},
                "imp": {"color": "#D55E00", "ls": "-", "marker": "s"}}
CONTROL_STYLE = {"color": "#009E73"}
# Where methods coincide (a width-2 model that collapses whatever is done), each stays visible:
# drawn in this order, thick below thin, large markers below small ones, a little apart along x.
METHOD_LAYER = {"one-shot": {"lw": 3.2, "ms": 8.0, "dx": -0.035},
                "one-shot+ft": {"lw": 2.2, "ms": 5.5, "dx": 0.0},
                "imp": {"lw": 1.1, "ms": 3.5, "dx": 0.035}}


def figure_curves(table: pd.DataFrame) -> pd.DataFrame:
    """Exactly what plot_pair draws: per (pair, width, scope, method, round) the mean, min and max
    over seeds of validation F1 and the mean achieved sparsity; round 0 of each method is the dense
    model (sparsity 0). Rows with method 'dense+ft' are the control: the dense model trained as
    long as IMP at that round (its own sparsity is 0; plot_pair draws it at that round's)."""
    rows = evaluated(table)
    dense = table[table["method"] == "dense"]
    starts = [dense.assign(method=m, scope=s, round=0) for m in (*STAGE, CONTROL) for s in SCOPES]
    control = table[table["method"] == CONTROL]
    rows = pd.concat([*starts, rows[table.columns.intersection(rows.columns)],
                      *[control.assign(scope=s) for s in SCOPES]], ignore_index=True)
    grouped = rows.groupby(["pair", "width", "scope", "method", "round"])
    out = grouped["val_f1"].agg(["mean", "min", "max", "count"]).rename(columns={"count": "n_seeds"})
    out.insert(0, "achieved_sparsity_pct", grouped["sparsity_total"].mean())
    out.insert(1, "budget_epochs", grouped["budget_epochs"].max())
    out = out.reset_index()
    out.insert(5, "quantity", "val_f1")
    out["highlighted"] = out["width"].isin(plots.highlighted_widths(out["width"].unique(), 3))
    return out


def _nines(sparsity_pct):
    """The x position of a sparsity: -log10 of the fraction left (0% -> 0, 90% -> 1, 99% -> 2)."""
    return -np.log10(np.maximum(1 - np.asarray(sparsity_pct, dtype=float) / 100, 1e-6))


def _draw_methods(ax, c: pd.DataFrame, tolerance_points: float, finetune_epochs: int) -> None:
    """One panel's curves (one scope and width): the dense F1 minus the tolerance (dotted), each
    method with its whiskers, and the control."""
    dense = c[(c["method"] == "imp") & (c["round"] == 0)]["mean"]
    if len(dense):
        ax.axhline(float(dense.iloc[0]) - tolerance_points / 100, color="0.3", ls=":", lw=0.9)
    for method in STAGE:
        m = c[c["method"] == method].sort_values("round")
        layer = METHOD_LAYER[method]
        x = _nines(m["achieved_sparsity_pct"]) + layer["dx"]
        ax.plot(x, m["mean"], label=method, lw=layer["lw"], ms=layer["ms"],
                mfc="white" if method == "one-shot+ft" else None, mew=1.2, **METHOD_STYLE[method])
        plots.whiskers(ax, x, m["min"], m["max"], METHOD_STYLE[method]["color"])
    # The control at IMP's x of the same round: the dense model trained as long as IMP there.
    ctrl = c[c["method"] == CONTROL].sort_values("round")
    at = c[c["method"] == "imp"].set_index("round")["achieved_sparsity_pct"]
    if len(ctrl):
        ax.plot(_nines(ctrl["round"].map(at)), ctrl["mean"], marker="*", ms=7, lw=1.0, ls=":",
                color=CONTROL_STYLE["color"],
                label=f"control: dense, trained as long ({finetune_epochs} epochs a round)")


def plot_pair(curves: pd.DataFrame, pair: str, tolerance_points: float, finetune_epochs: int, png, pdf,
              labels: plots.Labels | dict | None = None) -> None:
    """F1 against achieved sparsity for one-shot, one-shot plus fine-tuning and IMP: one panel per
    (scope, highlighted width), mean over seeds with min-max whiskers. The x axis is logarithmic in
    the fraction of weights left, so 90%, 99% are evenly spaced; the dotted line is the dense F1
    minus the tolerance; the stars (green, dotted) the control: the dense model trained for as many
    epochs as IMP had at that round, drawn at that round's sparsity. one-shot+ft is fine-tuned as
    long as IMP at the same level. Coinciding methods stay visible (METHOD_LAYER)."""
    plt = plots.pyplot()
    labels = plots.labels_of(labels)
    widths = sorted(curves.loc[curves["highlighted"], "width"].unique())
    fig, axes = plt.subplots(len(SCOPES), len(widths), figsize=(3.2 * len(widths), 5.6), squeeze=False,
                             sharex=True, sharey=True)
    ticks = [0, 50, 90, 99, 99.9]
    top = _nines(curves["achieved_sparsity_pct"]).max()
    for i, scope in enumerate(SCOPES):
        for j, width in enumerate(widths):
            ax = axes[i, j]
            c = curves[(curves["scope"] == scope) & (curves["width"] == width)]
            _draw_methods(ax, c, tolerance_points, finetune_epochs)
            ax.set_title(f"{labels.unit} {width}, scope {scope}", fontsize=9)
            ax.set_xticks([_nines(t) for t in ticks if _nines(t) <= top + 0.3], [f"{t:g}" for t in ticks
                                                                                 if _nines(t) <= top + 0.3])
            ax.grid(alpha=0.3)
            if i == len(SCOPES) - 1:
                ax.set_xlabel("achieved sparsity, % of weights zero\n(log scale in the share left)", fontsize=8)
    lo = float(curves["min"].min())
    axes[0, 0].set_ylim(max(0.0, lo - 0.03), min(1.0, float(curves["max"].max()) + 0.02) + 0.005)
    fig.supylabel(f"validation F1 (mean; whiskers: {plots.SPREAD})", fontsize=9)
    handles, texts = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, texts, loc="lower center", ncol=4, frameon=False, fontsize=8, bbox_to_anchor=(0.5, -0.04))
    fig.suptitle(labels.title(f"{pair}: F1 against sparsity, one-shot vs fine-tuned vs iterative (IMP); "
                              f"dotted: dense F1 − {tolerance_points:g} point"), fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    plots.save(fig, png, pdf)


def recovery_curves(table: pd.DataFrame) -> pd.DataFrame:
    """Exactly what plot_recovery draws: IMP's F1 right after pruning and after fine-tuning per
    (pair, scope, round), and the control's at the same budget (stage "control", sparsity 0): mean
    over widths and seeds, and the min and max of the per-seed means over widths."""
    control = table[table["method"] == CONTROL]
    rows = pd.concat([table[table["method"] == "imp"],
                      *[control.assign(scope=s, stage="control") for s in SCOPES]], ignore_index=True)
    per_seed = rows.groupby(["pair", "scope", "round", "stage", "seed"])["val_f1"].mean()
    g = per_seed.groupby(["pair", "scope", "round", "stage"])
    out = g.agg(["mean", "min", "max", "count"]).rename(columns={"count": "n_seeds"}).reset_index()
    out.insert(4, "quantity", "val_f1, mean over widths")
    out.insert(5, "achieved_sparsity_pct", rows.groupby(["pair", "scope", "round", "stage"])["sparsity_total"]
               .mean().to_numpy())
    return out


def plot_recovery(curves: pd.DataFrame, pairs: list[str], finetune_epochs: int, png, pdf,
                  labels: plots.Labels | dict | None = None) -> None:
    """Does fine-tuning recover? IMP's F1 right after each round's pruning (dashed) and after its
    fine-tuning (solid) against the round, and the control trained as long (dotted), one colour
    and marker per pair, one panel per scope; the legend explains both encodings."""
    plt = plots.pyplot()
    labels = plots.labels_of(labels)
    fig, axes = plt.subplots(1, len(SCOPES), figsize=(10, 4.4), sharey=True, squeeze=False)
    stages = (("pruned", "--", "just pruned"), ("finetuned", "-", f"fine-tuned ({finetune_epochs} epochs)"),
              ("control", ":", "control: dense, trained as long"))
    for ax, scope in zip(axes[0], SCOPES):
        c = curves[curves["scope"] == scope]
        for i, pair in enumerate(pairs):
            for stage, ls, _ in stages:
                m = c[(c["pair"] == pair) & (c["stage"] == stage)].sort_values("round")
                ax.plot(m["round"], m["mean"], ls=ls, ms=4, lw=1.4, **plots.pair_style(i))
        rounds = sorted(c["round"].unique())
        sparsity = c[c["stage"] == "finetuned"].groupby("round")["achieved_sparsity_pct"].mean()
        ax.set_xticks(rounds, [f"{r}\n{sparsity.get(r, np.nan):.3g}%" for r in rounds], fontsize=8)
        ax.set_xlabel("IMP round\n(achieved sparsity, mean)", fontsize=8)
        ax.set_title(f"scope {scope}", fontsize=9)
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("validation F1, mean over widths and seeds", fontsize=9)
    lo = float(curves["mean"].min())
    axes[0, 0].set_ylim(max(0.0, lo - 0.03), min(1.0, float(curves["mean"].max()) + 0.02) + 0.005)
    handles = [Line2D([], [], ms=4, lw=1.4, label=pair, **plots.pair_style(i)) for i, pair in enumerate(pairs)]
    handles += [Line2D([], [], color="0.3", ls=ls, lw=1.4, label=text) for stage, ls, text in stages
                if (curves["stage"] == stage).any()]
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False,
               title="pair (colour, marker)\nand stage (line)", title_fontsize=8)
    fig.suptitle(labels.title(f"Recovery: IMP, {finetune_epochs} epochs of fine-tuning per round, mask held"),
                 fontsize=10)
    fig.tight_layout()
    plots.save(fig, png, pdf)
