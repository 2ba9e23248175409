"""Paper Fig. 4, B.1-B.4: a validation metric of one-shot pruning against the requested sparsity,
one line per width, drawn from a pair's pruning table (lowcap.analyses.pruning_tables); the CSV
beside each figure holds exactly what is drawn (sparsity_curves)."""

from __future__ import annotations

import pandas as pd

from lowcap.analyses.capacity import SUCCESS_F1
from lowcap.figures import plots


def with_change(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Adds `{metric}_change_pct` = 100 * (pruned - unpruned) / unpruned, per checkpoint.
    NaN where the unpruned value is 0 (a relative change from zero is undefined)."""
    keys = ["pair", "width", "seed", "scope"]
    col = f"val_{metric}"
    dense = table[table["requested_sparsity"] == 0].set_index(keys)[col].rename("dense")
    out = table.join(dense, on=keys)
    out[f"{metric}_change_pct"] = 100 * (out[col] - out["dense"]) / out["dense"].where(out["dense"] != 0)
    return out.drop(columns="dense")


# Fig. 4's three figures per pair: kind -> (column, y label, title, reference line).
FIGURES = {
    "f1_change": ("f1_change_pct", "% change in F1 from the unpruned model", "change in validation F1", 0.0),
    "auc_change": ("auc_change_pct", "% change in AUC from the unpruned model", "change in validation AUC", 0.0),
    "f1": ("val_f1", "validation F1", "validation F1 after pruning", SUCCESS_F1),
}
FIGURE_KINDS = tuple(FIGURES)


def figure_curves(table: pd.DataFrame, levels: list[float]) -> dict[str, tuple]:
    """kind -> (plotted curves, y label, title, reference line) of one pair's pruning table."""
    table = with_change(with_change(table, "f1"), "auc")
    dense = table[table["requested_sparsity"] == 0]
    undefined = dense[dense["val_f1"] == 0]
    if len(undefined):
        print(f"{len(undefined)} checkpoints with unpruned F1 = 0 (their % change in F1 is NaN, left out of "
              f"the mean): {undefined[['width', 'seed']].to_dict('records')}")
    return {kind: (sparsity_curves(table, column, levels), ylabel, title, reference)
            for kind, (column, ylabel, title, reference) in FIGURES.items()}


def sparsity_curves(table: pd.DataFrame, column: str, levels: list[float]) -> pd.DataFrame:
    """Fig. 4 data, exactly what plot_sparsity_curves draws: mean, min and max over seeds of
    `column` per (pair, width, requested sparsity) at 0 and `levels`. n_seeds counts the seeds with
    a value (a NaN change is left out). achieved_sparsity_pct: zero weights of both layers
    together, mean over seeds (it labels the figure's top axis). highlighted: the widths drawn in
    colour with min-max whiskers (the others are grey mean lines)."""
    rows = table[table["requested_sparsity"].isin({0, *levels})]
    keys = ["pair", "width", "requested_sparsity"] + (["scope"] if "scope" in rows else [])
    grouped = rows.groupby(keys)
    out = grouped[column].agg(["mean", "min", "max", "count"]).rename(columns={"count": "n_seeds"})
    if "sparsity_total" in rows:
        out.insert(0, "achieved_sparsity_pct", grouped["sparsity_total"].mean())
    out = out.reset_index()
    out.insert(len(keys), "quantity", column)
    out["highlighted"] = out["width"].isin(plots.highlighted_widths(out["width"].unique()))
    return out


def _sparsity_label(values) -> str:
    """The achieved sparsities of one requested level over widths: one number, or 'low–high'."""
    lo, hi = float(min(values)), float(max(values))
    fmt = (lambda v: f"{v:.2g}") if hi < 1 else (lambda v: f"{v:.3g}")
    return fmt(lo) if fmt(lo) == fmt(hi) else f"{fmt(lo)}–{fmt(hi)}"


def _draw_widths(ax, curves: pd.DataFrame, widths: list, position: dict, highlighted, symbol: str) -> list[tuple]:
    """One line per width (in `widths`' order) at the levels' positions, grey ones first (below),
    the highlighted ones dodged apart with min-max whiskers; returns their line ends (value,
    label, colour)."""
    offsets = plots.dodge(highlighted)
    ends = []
    for width in sorted(widths, key=lambda w: w in highlighted):  # grey lines below
        c = curves[curves["width"] == width].sort_values("requested_sparsity")
        style = plots.width_style(width, highlighted, symbol)
        x = c["requested_sparsity"].map(position) + offsets.get(width, 0.0)
        ax.plot(x, c["mean"], **style)
        if width in highlighted:
            plots.whiskers(ax, x, c["min"], c["max"], style["color"])
            last = c.dropna(subset=["mean"]).tail(1)
            if len(last):
                ends.append((float(last["mean"].iloc[0]), style["label"], style["color"]))
    return ends


def _achieved_axis(ax, curves: pd.DataFrame, levels: list[float], unit: str) -> None:
    """The top axis: the sparsity achieved at each requested level (range over widths)."""
    top = ax.secondary_xaxis("top")
    achieved = curves.groupby("requested_sparsity")["achieved_sparsity_pct"]
    # One line per label, slanted: two-line labels at 6.5 pt could not be read.
    top.set_xticks(range(len(levels)), [_sparsity_label(achieved.get_group(level)) for level in levels],
                   fontsize=8, rotation=35, ha="left", rotation_mode="anchor")
    top.set_xlabel(f"achieved sparsity, % of all weights zero (range over {unit}s)", fontsize=9)


def plot_sparsity_curves(curves: pd.DataFrame, pair: str, ylabel: str, title: str, png, pdf,
                         reference: float | None = None, labels: plots.Labels | dict | None = None) -> None:
    """Paper Fig. 4, B.1-B.4: a validation metric against requested sparsity, one line per width.

    The x axis is categorical: the requested levels evenly spaced, so the paper's levels (10-99%)
    and the authors' as-released ones (0.1-0.99%) are both readable; the top axis gives the
    sparsity achieved (zero weights of both layers, range over widths). A few widths are drawn in
    colour with whiskers from the lowest to the highest seed, labelled at the line's end; the others
    are grey. `ylabel` names the quantity; a second line, if given, is replaced by what is drawn.
    `curves` is sparsity_curves' output."""
    plt = plots.pyplot()
    labels = plots.labels_of(labels)
    levels = sorted(curves["requested_sparsity"].unique())
    position = {level: i for i, level in enumerate(levels)}
    widths = sorted(curves["width"].unique())
    highlighted = plots.highlighted_widths(widths)
    n_seeds = int(curves["n_seeds"].max())
    fig, ax = plt.subplots(figsize=(7.2, 4.6))
    extra = []
    if reference is not None:
        what = "no change" if reference == 0 else f"{ylabel.splitlines()[0]} = {reference:g} (success)"
        # Imported here: the Snakefile reads FIGURE_KINDS and should not load matplotlib.
        from matplotlib.lines import Line2D

        extra.append(Line2D([], [], color="0.35", ls="--", lw=0.8, label=what))
        ax.axhline(reference, color="0.35", ls="--", lw=0.8, zorder=1)
    ends = _draw_widths(ax, curves, widths, position, highlighted, labels.symbol)
    ax.set_xticks(range(len(levels)), [f"{level:g}" for level in levels])
    ax.set_xlim(-0.3, len(levels) - 0.7)
    scope = curves["scope"].iloc[0] if "scope" in curves else "layer"
    of_what = "each layer's weights" if scope == "layer" else "all weights, ranked together"
    ax.set_xlabel(f"requested sparsity: % of {of_what} pruned, one shot, no retraining\n"
                  "(the requested levels, evenly spaced: not to scale)")
    if "achieved_sparsity_pct" in curves:
        _achieved_axis(ax, curves, levels, labels.unit)
    ax.set_ylabel(f"{ylabel.splitlines()[0]}\n(mean; whiskers: {plots.SPREAD})")
    ax.set_title(labels.title(f"{pair}: {title}"), fontsize=10)
    if curves["quantity"].iloc[0] == "val_f1":  # F1 cannot pass 1
        drawn = min(curves["mean"].min(), curves.loc[curves["width"].isin(highlighted), "min"].min())
        ax.set_ylim(max(0.0, float(drawn) - 0.03), 1.01)
    ax.grid(alpha=0.3)
    plots.label_line_ends(ax, ends)
    plots.width_legend(ax, widths, highlighted, n_seeds, spread="whiskers", symbol=labels.symbol, extra=extra,
                       loc="upper center", bbox_to_anchor=(0.5, -0.24), ncol=3, frameon=False)
    plots.save(fig, png, pdf)
