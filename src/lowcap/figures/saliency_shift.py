"""Saliency-shift figure: how far saliency maps move under corruption, against sigma and against
the F1 drop, from the study's summary over seeds (lowcap.analyses.saliency_shift_tables.shift_summary).
No torch."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowcap.analyses.saliency_shift_tables import sort_levels
from lowcap.figures import plots


def figure_table(summary: pd.DataFrame, method: str) -> pd.DataFrame:
    """Exactly what plot_shift draws for one method: per (pair, width, corruption, sigma) the
    rho_mean and f1_drop over seeds (mean, min, max); highlighted: the widths drawn in colour."""
    rows = summary[summary["method"] == method].copy()
    rows["highlighted"] = rows["width"].isin(plots.highlighted_widths(rows["width"].unique()))
    return sort_levels(rows.drop(columns=["n_undefined"]), ["pair", "width"])


def _occlusion_label(occlusion_size: int | None) -> str:
    return f"{occlusion_size}×{occlusion_size}\nocclusion" if occlusion_size else "occlusion"


def _rho_panel(ax, c: pd.DataFrame, occlusion_size: int | None, labels: plots.Labels) -> None:
    """(a): rho against noise sigma, one line per width, occlusion as points right of the axis."""
    method = c["method"].iloc[0]
    widths = sorted(c["width"].unique())
    highlighted = plots.highlighted_widths(widths)
    noisy = c[c["corruption"] != "occlusion"]
    sigmas = np.sort(noisy["sigma"].unique())
    step = float(np.diff(sigmas).min()) if len(sigmas) > 1 else 0.1
    x_occ = sigmas.max() + 2 * step
    offsets = {w: o * step for w, o in plots.dodge(highlighted).items()}
    for width in sorted(widths, key=lambda w: w in highlighted):  # grey lines below
        style = plots.width_style(width, highlighted)
        line = noisy[noisy["width"] == width].sort_values("sigma")
        occ = c[(c["width"] == width) & (c["corruption"] == "occlusion")]
        x = line["sigma"] + offsets.get(width, 0.0)
        ax.plot(x, line["rho_mean"], clip_on=False, **style)
        x_o = np.full(len(occ), x_occ + offsets.get(width, 0.0))
        ax.plot(x_o, occ["rho_mean"], ls="none",
                marker=style["marker"] or ".", color=style["color"], ms=5 if width in highlighted else 4,
                zorder=style["zorder"])
        if width in highlighted:
            plots.whiskers(ax, x, line["rho_seed_min"], line["rho_seed_max"], style["color"])
            plots.whiskers(ax, x_o, occ["rho_seed_min"], occ["rho_seed_max"], style["color"])
    ax.axvline(sigmas.max() + step, color="0.5", ls=":", lw=0.8)
    lo = float(c["rho_seed_min"].min())
    pad = 0.05 * max(1 - lo, 0.02)  # above 1 too: the clean points and whiskers at rho 1 clear the frame
    ax.set_ylim(max(-1.0, lo - pad), 1.0 + pad)
    ax.set_xticks([*sigmas, x_occ], [f"{s:g}" for s in sigmas] + [_occlusion_label(occlusion_size)])
    ax.set_xlim(sigmas.min() - step, x_occ + step)
    ax.set_xlabel("Gaussian noise σ (σ = 0: clean, ρ = 1 by definition)")
    # Four short lines, a size smaller: on two lines the label ran above the panel, which the
    # legend below makes short.
    ax.set_ylabel(f"Spearman ρ, clean vs\ncorrupted map (mean over\nimages, then seeds)\nwhiskers: {plots.SPREAD}",
                  fontsize=9)
    ax.set_title(f"(a) rank correlation of {method} saliency maps", fontsize=10)
    ax.grid(alpha=0.3)
    plots.width_legend(ax, widths, highlighted, int(c["n_seeds"].max()), spread="whiskers", symbol=labels.symbol,
                       loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=3, frameon=False)


def _drop_panel(fig, bx, c: pd.DataFrame, occlusion_size: int | None, labels: plots.Labels) -> None:
    """(b): map shift 1 - rho against F1 drop, noise coloured by sigma, occlusion as crosses."""
    noise = c[c["corruption"] == "noise"]
    occ = c[c["corruption"] == "occlusion"]
    points = bx.scatter(1 - noise["rho_mean"], noise["f1_drop_mean"], c=noise["sigma"], cmap="viridis",
                        s=22, edgecolors="0.2", linewidths=0.4, zorder=3)
    bx.scatter(1 - occ["rho_mean"], occ["f1_drop_mean"], marker="x", color="#D55E00", s=26, zorder=3,
               label=_occlusion_label(occlusion_size).replace("\n", " "))
    fig.colorbar(points, ax=bx, pad=0.02).set_label("noise σ")
    bx.axhline(0, color="0.5", lw=0.8)
    bx.set_xlabel("map shift 1 − ρ (mean over seeds)")
    bx.set_ylabel("F1 drop, clean − corrupted (mean over seeds)")
    # Short, and left-aligned over the axes: centred, the long title ran into the colour bar.
    bx.set_title(f"(b) map shift against F1 drop, one point per\n{labels.unit} and corruption (descriptive: "
                 "the test\nranks the seeds within each " + labels.unit + ")", fontsize=9, loc="left")
    bx.legend(fontsize=8, loc="upper left")
    bx.grid(alpha=0.3)


def plot_shift(curves: pd.DataFrame, pair: str, png, pdf, occlusion_size: int | None = None, labels=None) -> None:
    """(a) mean rho between clean and corrupted maps against noise sigma (clean at sigma 0, rho 1),
    one line per width, a few in colour with min-max whiskers over seeds, the rest grey; occlusion as
    points right of the noise axis. (b) map shift 1 - rho against F1 drop (means over seeds), noise
    coloured by sigma, occlusion as crosses. `curves` is figure_table's output; `labels`:
    plots.Labels (the study in the title, the capacity's name)."""
    plt = plots.pyplot()
    labels = plots.labels_of(labels)
    c = curves[curves["pair"] == pair]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12.0, 4.8), gridspec_kw={"width_ratios": [1.25, 1]})
    _rho_panel(ax, c, occlusion_size, labels)
    _drop_panel(fig, bx, c, occlusion_size, labels)
    fig.suptitle(labels.title(f"{pair}: saliency maps under corruption"), fontsize=11)
    fig.tight_layout()
    plots.save(fig, png, pdf)
