"""What every figure family shares: its labels, styles, legends, and saving a PNG and a vector PDF
(the caller writes the CSV of plotted numbers). The figures themselves are lowcap.figures.<family>."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

# One line per hidden width (Fig. 4, 6, A): eleven colours of one colour map cannot be told apart,
# so a few widths are drawn in colour, each with a band and a label, and the rest in thin grey.
N_HIGHLIGHTED = 4
HIGHLIGHT_COLORS = ("#0072B2", "#009E73", "#E69F00", "#D55E00")  # Okabe-Ito: colour-blind safe
HIGHLIGHT_MARKERS = ("o", "s", "^", "D")
OTHER_COLOR = "#b3b3b3"
# One line per pair (budget, IMP recovery): colour and marker both differ between pairs.
PAIR_COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
PAIR_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
SPREAD = "min–max over seeds"  # what every band and whisker shows: never leaves the possible range


@dataclass(frozen=True)
class Labels:
    """What a figure calls its study and its capacity axis: a per-study figure names its study in
    its title (two studies' Fig. 3 look alike otherwise), and a CNN study's capacity is a channel
    count, not a hidden width. Rules pass {"study": ..., "architecture": ...} (figure_labels)."""

    study: str | None = None
    architecture: str = "mlp"

    @property
    def symbol(self) -> str:
        return "C" if self.architecture == "cnn" else "H"

    @property
    def noun(self) -> str:
        """What the capacity is: 'hidden width' or 'channel count'."""
        return "channel count" if self.architecture == "cnn" else "hidden width"

    @property
    def capacity(self) -> str:
        """The capacity axis' name: 'hidden width H' or 'channels C'."""
        return f"channels {self.symbol}" if self.architecture == "cnn" else f"hidden width {self.symbol}"

    @property
    def unit(self) -> str:
        """One capacity value's noun: 'width' or 'channel count'."""
        return "channel count" if self.architecture == "cnn" else "width"

    def title(self, text: str) -> str:
        """`text` prefixed with the study's name, when the figure belongs to one study."""
        return f"{self.study}: {text}" if self.study else text


def labels_of(labels: "Labels | dict | None") -> Labels:
    """A Labels from what a job was given (a rule's params dict, or nothing: no study named)."""
    if isinstance(labels, Labels):
        return labels
    return Labels(**(labels or {}))


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


def width_style(width: int, highlighted: list[int], symbol: str = "H") -> dict:
    """Keyword arguments for ax.plot of one width's line: colour, marker and label if highlighted,
    thin grey and no label otherwise. `symbol`: H (hidden width) or C (channels)."""
    if width in highlighted:
        i = highlighted.index(width)
        return {"color": HIGHLIGHT_COLORS[i % len(HIGHLIGHT_COLORS)], "marker": HIGHLIGHT_MARKERS[i % len(HIGHLIGHT_MARKERS)],
                "ms": 3.5, "lw": 1.6, "zorder": 3, "label": f"{symbol} = {width}"}
    return {"color": OTHER_COLOR, "marker": None, "lw": 0.9, "zorder": 2, "label": None}


def others_label(widths, highlighted: list[int], symbol: str = "H") -> str | None:
    """Legend text of the grey lines, or None when every width is highlighted."""
    others = [int(w) for w in sorted(widths) if int(w) not in highlighted]
    what = "channel counts" if symbol == "C" else "widths"
    return f"other {what} ({symbol} = {', '.join(map(str, others))}), mean only" if others else None


def width_legend(ax_or_fig, widths, highlighted: list[int], n_seeds: int, markers: bool = True,
                 spread: str = "band", symbol: str = "H", extra: list | None = None, **kwargs):
    """One legend for the width encoding: each coloured width, its spread (a band, or whiskers),
    the grey lines, and `extra` handles (a reference line)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = []
    for width in highlighted:
        style = {k: v for k, v in width_style(width, highlighted, symbol).items() if k != "zorder"}
        if not markers:
            style["marker"] = None
        handles.append(Line2D([], [], **style))
    if spread == "band":
        handles.append(Patch(color="0.5", alpha=0.25, lw=0, label=f"band: {SPREAD} ({n_seeds} seeds)"))
    else:
        handles.append(Line2D([], [], color="0.3", lw=0, marker="|", ms=9, mew=1,
                              label=f"whiskers: {SPREAD} ({n_seeds} seeds)"))
    other = others_label(widths, highlighted, symbol)
    if other:
        handles.append(Line2D([], [], color=OTHER_COLOR, lw=0.9, label=other))
    handles.extend(extra or [])
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
    ends = _merge_coinciding(sorted(ends, key=lambda e: e[0]), tolerance=0.01 * (hi - lo))
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


def _merge_coinciding(ends: list[tuple[float, str, str]], tolerance: float) -> list[tuple[float, str, str]]:
    """Labels of lines that end at the same height (within `tolerance`) joined into one, in dark
    grey ('H = 2, 6, 24'): spread apart, they would claim the lines end at different heights."""
    groups: list[list[tuple[float, str, str]]] = []
    for end in ends:  # sorted by height
        if groups and end[0] - groups[-1][0][0] <= tolerance:
            groups[-1].append(end)
        else:
            groups.append([end])
    merged = []
    for group in groups:
        if len(group) == 1:
            merged.append(group[0])
            continue
        symbol = group[0][1].split(" = ")[0]
        values = ", ".join(text.split(" = ")[-1] for _, text, _ in group)
        merged.append((float(np.mean([y for y, _, _ in group])), f"{symbol} = {values}", "0.2"))
    return merged


def pair_style(i: int) -> dict:
    """Colour and marker of the i-th pair of a figure with one line per pair: Okabe-Ito colours
    and a marker each, so neighbouring pairs (3-8, 4-9) differ in both."""
    return {"color": PAIR_COLORS[i % len(PAIR_COLORS)], "marker": PAIR_MARKERS[i % len(PAIR_MARKERS)]}
