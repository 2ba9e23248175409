"""Mutual-information figure: specialization per network against width, per pair, and whether
pruning keeps the high-MI units, from the per-network summary (lowcap.analyses.mutual_info_tables.
network_summary). No torch."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowcap.figures import plots

# quantity -> (y label, panel title, reference line, axis range)
PANELS = {
    "mean_mi_frac": ("mean unit MI / H(Y)", "(a) label information per unit", None, (0.0, 1.0)),
    "concentration": ("concentration: 0 spread evenly,\n1 held by one unit", "(b) how concentrated the MI is", None,
                      (0.0, 1.0)),
    "spearman_mi_output_weight": ("Spearman ρ of unit MI and |output weight|",
                                  "(c) are high-MI units pruned last? (every width)", 0.0, (-1.0, 1.0)),
    "auc_kept_vs_pruned": ("P(MI of a kept unit > MI of a pruned one)",
                           "(d) kept vs pruned at one level (where defined)", 0.5, (0.0, 1.0)),
}


def note_undefined(ax, panel: pd.DataFrame, widths, labels) -> None:
    """Say in the panel at which widths it has no value: the kept-vs-pruned AUC needs a level that
    keeps some output weights and prunes others, which a narrow layer never has (5% of 8 weights
    rounds to none), so the panel spans widths it cannot show."""
    defined = set(panel.loc[panel["mean"].notna(), "width"])
    missing = [w for w in widths if w not in defined]
    if not missing:
        return
    contiguous = missing == [w for w in widths if missing[0] <= w <= missing[-1]]
    span = f"{missing[0]}–{missing[-1]}" if contiguous and len(missing) > 1 else ", ".join(map(str, missing))
    ax.text(0.03, 0.04, f"no value at {labels.symbol} = {span}:\nthe level keeps none of the\noutput "
            "weights (or prunes none)", transform=ax.transAxes, fontsize=7.5, color="0.3", va="bottom",
            bbox={"facecolor": "white", "edgecolor": "0.7", "alpha": 0.9})


def figure_table(summary: pd.DataFrame, pairs: list[str]) -> pd.DataFrame:
    """Exactly what plot_mi draws: per (quantity, pair, width) the mean, min and max over seeds
    (NaN seeds left out; n_seeds counts those used), pairs in the order given."""
    tables = []
    for quantity in PANELS:
        g = summary[summary["pair"].isin(pairs)].groupby(["pair", "width"])[quantity]
        t = g.agg(["mean", "min", "max", "count"]).rename(columns={"count": "n_seeds"}).reset_index()
        t.insert(0, "quantity", quantity)
        tables.append(t)
    out = pd.concat(tables, ignore_index=True)
    for col in ("scope", "requested_sparsity"):
        if col in summary:
            out[col] = summary[col].iloc[0]
    order = {"quantity": list(PANELS), "pair": list(pairs)}
    out = out.sort_values(["quantity", "pair", "width"], key=lambda s: s.map(order[s.name].index)
                          if s.name in order else s, kind="stable")
    return out.reset_index(drop=True)


def plot_mi(curves: pd.DataFrame, png, pdf, title: str | None = None, labels=None) -> None:
    """Four panels against hidden width, one line per pair (task), mean over seeds with min-max
    whiskers: (a) mean unit MI fraction, (b) concentration, (c) Spearman of unit MI and |output
    weight| with the 0 (unrelated) line, (d) kept-vs-pruned MI AUC with the 0.5 line. Every y axis
    is fitted to the data, padded beyond it so no whisker ends on the frame; a panel with no value
    at some widths says so. `labels`: plots.Labels (the study in the title, the capacity's name)."""
    plt = plots.pyplot()
    labels = plots.labels_of(labels)
    pairs = list(dict.fromkeys(curves["pair"]))
    widths = sorted(curves["width"].unique())
    shifts = np.geomspace(0.94, 1 / 0.94, len(pairs)) if len(pairs) > 1 else [1.0]  # pairs side by side
    fig, axes = plt.subplots(1, len(PANELS), figsize=(4.4 * len(PANELS), 4.3))
    for ax, (quantity, (ylabel, panel_title, reference, (bottom, top))) in zip(axes, PANELS.items()):
        c = curves[curves["quantity"] == quantity]
        for i, pair in enumerate(pairs):
            rows = c[c["pair"] == pair].sort_values("width")
            x = rows["width"] * shifts[i]
            ax.plot(x, rows["mean"], marker="o", ms=3.5, color=f"C{i}", label=pair)
            plots.whiskers(ax, x, rows["min"], rows["max"], f"C{i}")
        values = pd.concat([c["min"], c["max"]] + ([pd.Series([reference])] if reference is not None else [])).dropna()
        lo, hi = (float(values.min()), float(values.max())) if len(values) else (bottom, top)
        # Padded past the quantity's own bounds too: a whisker reaching 1.0 must not end on the frame.
        pad = max(0.05 * (hi - lo), 0.02)
        ax.set_ylim(lo - pad, hi + pad)
        note_undefined(ax, c, widths, labels)
        if reference is not None:
            ax.axhline(reference, color="0.35", ls="--", lw=0.8, zorder=1)
        ax.set_xscale("log", base=2)
        ax.set_xlim(widths[0] / 1.2, widths[-1] * 1.2)  # every panel spans every width, with data or not
        # Every width is a tick; labels only where they do not collide on the log axis (10, 12 beside 8).
        ax.set_xticks(widths, [str(w) if w & (w - 1) == 0 or w == widths[-1] else "" for w in widths])
        ax.minorticks_off()
        ax.set_xlabel(labels.capacity)
        ax.set_ylabel(f"{ylabel}\n(mean; whiskers: {plots.SPREAD})", fontsize=8.5)
        ax.set_title(panel_title, fontsize=10)
        ax.grid(alpha=0.3)
    if "requested_sparsity" in curves:
        # Two lines: on one, the level's description ran past the panel.
        axes[-1].set_xlabel(f"{labels.capacity}\n(level: {curves['requested_sparsity'].iloc[0]:g}% magnitude "
                           f"pruning, scope {curves['scope'].iloc[0]})", fontsize=8.5)
    fig.suptitle(labels.title(title or "Mutual information between each hidden unit and the label (k-NN estimate)"),
                 fontsize=11)
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    fig.legend(*axes[0].get_legend_handles_labels(), title="pair", loc="lower center", ncol=min(len(pairs), 8),
               fontsize=8, frameon=False, bbox_to_anchor=(0.5, 0.0))
    plots.save(fig, png, pdf)
