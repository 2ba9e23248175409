"""Figures. Each writes a PNG and a vector PDF; the caller writes the CSV of plotted numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

# One line per hidden width (Fig. 4, 6, A): eleven colours of one colour map cannot be told apart,
# so a few widths are drawn in colour, each with a band and a label, and the rest in thin grey.
N_HIGHLIGHTED = 4
HIGHLIGHT_COLORS = ("#0072B2", "#009E73", "#E69F00", "#D55E00")  # Okabe-Ito: colour-blind safe
HIGHLIGHT_MARKERS = ("o", "s", "^", "D")
OTHER_COLOR = "#b3b3b3"
SPREAD = "min–max over seeds"  # what every band and whisker shows: never leaves the possible range


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
    # No timestamps or version strings in the files: reruns write identical bytes.
    fig.savefig(png, dpi=150, bbox_inches="tight", metadata={"Software": None})
    if pdf:
        fig.savefig(pdf, bbox_inches="tight", metadata={"CreationDate": None, "Producer": None, "Creator": None})
    plt.close(fig)


def highlighted_widths(widths, n: int = N_HIGHLIGHTED) -> list[int]:
    """The widths drawn in colour: all of them when there are at most n; otherwise the smallest,
    the largest, and n - 2 between them spread evenly on a log scale (for 2..64: 2, 6, 24, 64)."""
    widths = sorted({int(w) for w in widths})
    if len(widths) <= n:
        return widths
    logs = np.log2(widths)
    chosen: list[int] = []
    for target in np.linspace(logs[0], logs[-1], n):
        for j in np.argsort(np.abs(logs - target), kind="stable"):
            if widths[j] not in chosen:
                chosen.append(widths[j])
                break
    return sorted(chosen)


def width_style(width: int, highlighted: list[int]) -> dict:
    """Keyword arguments for ax.plot of one width's line: colour, marker and label if highlighted,
    thin grey and no label otherwise."""
    if width in highlighted:
        i = highlighted.index(width)
        return {"color": HIGHLIGHT_COLORS[i % len(HIGHLIGHT_COLORS)], "marker": HIGHLIGHT_MARKERS[i % len(HIGHLIGHT_MARKERS)],
                "ms": 3.5, "lw": 1.6, "zorder": 3, "label": f"H = {width}"}
    return {"color": OTHER_COLOR, "marker": None, "lw": 0.9, "zorder": 2, "label": None}


def others_label(widths, highlighted: list[int]) -> str | None:
    """Legend text of the grey lines, or None when every width is highlighted."""
    others = [int(w) for w in sorted(widths) if int(w) not in highlighted]
    return f"other widths (H = {', '.join(map(str, others))}), mean only" if others else None


def width_legend(ax_or_fig, widths, highlighted: list[int], n_seeds: int, markers: bool = True,
                 spread: str = "band", **kwargs):
    """One legend for the width encoding: each coloured width, its spread (a band, or whiskers),
    and the grey lines."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = []
    for width in highlighted:
        style = {k: v for k, v in width_style(width, highlighted).items() if k != "zorder"}
        if not markers:
            style["marker"] = None
        handles.append(Line2D([], [], **style))
    if spread == "band":
        handles.append(Patch(color="0.5", alpha=0.25, lw=0, label=f"band: {SPREAD} ({n_seeds} seeds)"))
    else:
        handles.append(Line2D([], [], color="0.3", lw=0, marker="|", ms=9, mew=1,
                              label=f"whiskers: {SPREAD} ({n_seeds} seeds)"))
    other = others_label(widths, highlighted)
    if other:
        handles.append(Line2D([], [], color=OTHER_COLOR, lw=0.9, label=other))
    return ax_or_fig.legend(handles=handles, fontsize=7, **kwargs)


def dodge(highlighted: list[int], step: float = 0.09) -> dict[int, float]:
    """Small x offsets per highlighted width, centred on 0, so their whiskers do not overlap."""
    n = len(highlighted)
    return {w: (i - (n - 1) / 2) * step for i, w in enumerate(highlighted)}


def whiskers(ax, x, lo, hi, color) -> None:
    """Vertical lines from lo to hi at x (a min-max spread), in the line's colour."""
    ax.vlines(x, lo, hi, color=color, lw=1.1, alpha=0.8, zorder=2.5)


def label_line_ends(ax, ends: list[tuple[float, str, str]], gap: float = 0.06) -> None:
    """Direct labels just right of the axes, at the height where each line ends. `ends` holds
    (y of the last point, text, colour); labels closer than `gap` (a fraction of the axes height)
    are pushed apart. Call after the y limits are final."""
    ends = [e for e in ends if np.isfinite(e[0])]
    if not ends:
        return
    lo, hi = ax.get_ylim()
    ends = sorted(ends, key=lambda e: e[0])
    frac = [(y - lo) / (hi - lo) for y, _, _ in ends]
    for i in range(1, len(frac)):  # push up
        frac[i] = max(frac[i], frac[i - 1] + gap)
    top = min(frac[-1], 1.0)
    frac[-1] = top
    for i in range(len(frac) - 2, -1, -1):  # then down, so the top one stays inside
        frac[i] = min(frac[i], frac[i + 1] - gap)
    for f, (_, text, color) in zip(frac, ends):
        ax.annotate(text, xy=(1.0, f), xycoords="axes fraction", xytext=(4, 0), textcoords="offset points",
                    va="center", ha="left", fontsize=8, color=color, fontweight="bold", annotation_clip=False)


def _width_axis(ax, widths) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(widths))
    ax.set_xticklabels([str(w) for w in sorted(widths)])


def capacity(summary: pd.DataFrame, pairs: list[str], title: str, png, pdf, threshold: float) -> None:
    """Paper Fig. 3: F1 against hidden width, one curve per pair: mean over seeds, whiskers from the
    lowest to the highest seed (a ± std bar would run past F1 = 1)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for pair in pairs:
        rows = summary[summary["pair"] == pair].sort_values("width")
        spread = [rows["mean"] - rows["min"], rows["max"] - rows["mean"]]
        ax.errorbar(rows["width"], rows["mean"], yerr=spread, marker="o", ms=3, capsize=2, label=pair)
    ax.axhline(threshold, color="grey", ls="--", lw=0.8, label=f"F1 = {threshold}")
    _width_axis(ax, summary["width"].unique())
    ax.set_xlabel("hidden width H")
    ax.set_ylabel(f"F1 (mean; whiskers: min–max over {int(summary['n_seeds'].max())} seeds)")
    ax.set_title(title)
    ax.legend(title="pair", fontsize=8)
    ax.grid(alpha=0.3)
    save(fig, png, pdf)


def training_curve_table(history: pd.DataFrame) -> pd.DataFrame:
    """Fig. A data, exactly what training_curves draws: mean, min and max over seeds of F1 and loss
    per (pair, split, width, epoch); `highlighted` marks the widths drawn in colour with a band
    (the others are drawn as a grey mean line)."""
    keys = ["pair", "split", "width", "epoch"]
    out = history.groupby(keys)[["f1", "loss"]].agg(["mean", "min", "max"])
    out.columns = [f"{a}_{b}" for a, b in out.columns]
    out["n_seeds"] = history.groupby(keys)["seed"].nunique()
    out = out.reset_index()
    out["highlighted"] = out["width"].isin(highlighted_widths(out["width"].unique()))
    return out


def training_curves(curves: pd.DataFrame, pair: str, png, pdf) -> None:
    """Paper Fig. A.1-A.5: F1 and loss against epoch, one line per width. Top row training split
    (as in the paper), bottom row validation. A few widths in colour with a min-max band over
    seeds, the others grey; one legend for the figure. `curves` is training_curve_table's output
    (a table with `_std` columns instead of `_min`/`_max`, as older callers wrote, gets no bands)."""
    plt = pyplot()
    widths = sorted(curves["width"].unique())
    highlighted = highlighted_widths(widths)
    n_seeds = int(curves["n_seeds"].max()) if "n_seeds" in curves else 0
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.8), sharex=True)
    ylabels = {"f1": "F1 (mean over seeds)", "loss": "BCE loss (mean over seeds)"}
    for row, split in enumerate(["train", "val"]):
        for col, metric in enumerate(["f1", "loss"]):
            ax = axes[row, col]
            for width in sorted(widths, key=lambda w: w in highlighted):  # grey lines below
                c = curves[(curves["split"] == split) & (curves["width"] == width)].sort_values("epoch")
                style = width_style(width, highlighted)
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
    fig.suptitle(f"{pair}: training curves, one line per hidden width H", fontsize=11)
    fig.tight_layout(rect=(0, 0.045, 1, 1))
    width_legend(fig, widths, highlighted, n_seeds, markers=False, loc="lower center",
                 ncol=min(len(highlighted) + 2, 6), bbox_to_anchor=(0.5, 0.0), frameon=False)
    save(fig, png, pdf)


def budget_min_width(table: pd.DataFrame, pairs: list[str], png, pdf) -> None:
    """Minimum width (F1 above the success level on the mean over seeds) against the number of
    training epochs, one line per pair. A pair that no width of the grid gets there is drawn as an
    open marker above the axis' top width."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    reached = pd.to_numeric(table["min_width_mean"], errors="coerce").dropna()
    widths_top = 2 * float(reached.max()) if len(reached) else 2.0  # where "no width" markers go
    # Pairs often share a point (every pair at width 2): each is shifted a little along the log
    # epoch axis, and the "no width" markers are stacked, so that none hides another.
    shifts = np.geomspace(0.93, 1 / 0.93, len(pairs)) if len(pairs) > 1 else [1.0]
    for i, pair in enumerate(pairs):
        rows = table[table["pair"] == pair].sort_values("epochs")
        if rows.empty:
            continue
        y = pd.to_numeric(rows["min_width_mean"], errors="coerce")
        colour = f"C{i}"
        x = rows["epochs"] * shifts[i]
        ax.plot(x, y, marker="o", ms=4, color=colour, label=pair)
        missing = y.isna().to_numpy()
        ax.plot(x[missing], [widths_top * 1.15 ** i] * int(missing.sum()), marker="^", ms=6, ls="none",
                mfc="none", color=colour)
    ax.set_xscale("log")
    ax.set_yscale("log", base=2)
    ticks = sorted({int(v) for v in reached})
    ax.set_yticks(ticks + [widths_top])
    ax.set_yticklabels([str(t) for t in ticks] + ["none"])
    epochs = sorted(table["epochs"].unique())
    ax.set_xticks(epochs)
    ax.set_xticklabels([str(e) for e in epochs])
    ax.minorticks_off()
    split, stat = table["split"].iloc[0], table["statistic"].iloc[0]
    ax.set_xlabel("training epochs")
    ax.set_ylabel(f"smallest width with F1 > {table['threshold'].iloc[0]:g}\n(mean over seeds; {split}, {stat})")
    ax.set_title("Minimum width against the training budget (▵: no width of the grid)")
    ax.legend(title="pair", fontsize=8)
    ax.grid(alpha=0.3)
    save(fig, png, pdf)
