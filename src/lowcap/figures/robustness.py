"""Robustness figures (paper Fig. 6, 7, D.1) from the robustness_pair tables and example images:
the summaries over seeds that the figures show, and the drawing. No torch: the tables come from
lowcap.analyses.robustness."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from lowcap.figures import plots

def summary(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Mean, std, min, max over seeds of F1 (and mean AUC) per (pair, width, corruption, sigma)."""
    keys = ["pair", "width", "corruption", "sigma"]
    grouped = per_seed.groupby(keys, dropna=False)
    out = grouped["f1"].agg(["mean", "std", "min", "max", "count"])
    out.columns = ["f1_mean", "f1_std", "f1_min", "f1_max", "n_seeds"]
    out["auc_mean"] = grouped["auc"].mean()
    return out.reset_index().sort_values(["width", "corruption", "sigma"]).reset_index(drop=True)


def noise_curves(summ: pd.DataFrame) -> pd.DataFrame:
    """Fig. 6 data, exactly what plot_noise draws: the noise rows plus the clean rows as sigma = 0;
    mean, min and max of F1 over seeds. highlighted: the widths drawn in colour with min-max
    whiskers (the others are grey mean lines)."""
    rows = summ[summ["corruption"].isin(["clean", "noise"])]
    rows = rows[["pair", "width", "corruption", "sigma", "f1_mean", "f1_min", "f1_max", "n_seeds"]].copy()
    rows["highlighted"] = rows["width"].isin(plots.highlighted_widths(rows["width"].unique()))
    return rows.sort_values(["width", "sigma"]).reset_index(drop=True)


def occlusion_bars(summ: pd.DataFrame) -> pd.DataFrame:
    """Fig. 7 data, exactly what plot_occlusion draws: clean and occluded F1 per width, mean, min
    and max over seeds."""
    rows = summ[summ["corruption"].isin(["clean", "occlusion"])]
    rows = rows[["pair", "width", "corruption", "f1_mean", "f1_min", "f1_max", "n_seeds"]].copy()
    return rows.sort_values(["width", "corruption"]).reset_index(drop=True)


def plot_noise(curves: pd.DataFrame, pair: str, png, pdf, labels: plots.Labels | dict | None = None) -> None:
    """Paper Fig. 6: F1 against noise sigma, one line per width: a few widths in colour with
    min-max whiskers over seeds and a label at the line's end, the others grey."""
    plt = plots.pyplot()
    labels = plots.labels_of(labels)
    widths = sorted(curves["width"].unique())
    highlighted = plots.highlighted_widths(widths)
    sigmas = np.sort(curves["sigma"].unique())
    step = float(np.diff(sigmas).min()) if len(sigmas) > 1 else 1.0
    offsets = {w: o * step for w, o in plots.dodge(highlighted).items()}
    n_seeds = int(curves["n_seeds"].max())
    fig, ax = plt.subplots(figsize=(7.0, 4.6))
    ends = []
    for width in sorted(widths, key=lambda w: w in highlighted):  # grey lines below
        c = curves[curves["width"] == width].sort_values("sigma")
        style = plots.width_style(width, highlighted, labels.symbol)
        x = c["sigma"] + offsets.get(width, 0.0)
        ax.plot(x, c["f1_mean"], **style)
        if width in highlighted:
            plots.whiskers(ax, x, c["f1_min"], c["f1_max"], style["color"])
            ends.append((float(c["f1_mean"].iloc[-1]), style["label"], style["color"]))
    ax.set_xticks(sigmas, [f"{s:g}" for s in sigmas])
    ax.set_xlabel("Gaussian noise σ, added per pixel and clipped to [0, 1] (σ = 0: clean)")
    ax.set_ylabel(f"validation F1\n(mean; whiskers: {plots.SPREAD})")
    ax.set_title(labels.title(f"{pair}: validation F1 under additive Gaussian noise"), fontsize=10)
    drawn = min(curves["f1_mean"].min(), curves.loc[curves["width"].isin(highlighted), "f1_min"].min())
    ax.set_ylim(max(0.0, float(drawn) - 0.03), 1.01)  # from the drawn data; F1 cannot pass 1
    ax.grid(alpha=0.3)
    plots.label_line_ends(ax, ends)
    plots.width_legend(ax, widths, highlighted, n_seeds, spread="whiskers", symbol=labels.symbol, loc="upper center",
                       bbox_to_anchor=(0.5, -0.14), ncol=3, frameon=False)
    plots.save(fig, png, pdf)


def plot_occlusion(bars: pd.DataFrame, pair: str, occlusion_size: int, png, pdf,
                   labels: plots.Labels | dict | None = None) -> None:
    """Paper Fig. 7: F1 with one random occlusion patch per image, beside clean F1, per width.
    Points, not bars: the differences are a few hundredths of F1, so the y axis is zoomed to the
    data (within [0, 1]), and a bar's length would mean nothing on it. Whiskers: min-max over seeds;
    a grey segment joins each width's clean and occluded means (the drop)."""
    plt = plots.pyplot()
    labels = plots.labels_of(labels)
    widths = sorted(bars["width"].unique())
    pos = np.arange(len(widths))
    n_seeds = int(bars["n_seeds"].max())
    fig, ax = plt.subplots(figsize=(7.0, 4.4))
    series = [(-0.12, "clean", "clean", plots.HIGHLIGHT_COLORS[0], "o", "white"),
              (0.12, "occlusion", f"{occlusion_size}×{occlusion_size} occlusion", plots.HIGHLIGHT_COLORS[3], "s", None)]
    means = {}
    for offset, corruption, label, color, marker, face in series:
        c = bars[bars["corruption"] == corruption].set_index("width").reindex(widths)
        x = pos + offset
        plots.whiskers(ax, x, c["f1_min"], c["f1_max"], color)
        ax.plot(x, c["f1_mean"], ls="none", marker=marker, ms=5.5, color=color, mfc=face or color, mew=1.3,
                zorder=3, label=f"{label} (mean)")
        means[corruption] = (x, c["f1_mean"].to_numpy())
    (xc, yc), (xo, yo) = means["clean"], means["occlusion"]
    for a, b, ya, yb in zip(xc, xo, yc, yo):
        ax.plot([a, b], [ya, yb], color="0.6", lw=1, zorder=2)
    lo = float(bars["f1_min"].min())
    hi = float(bars["f1_max"].max())
    pad = 0.06 * max(hi - lo, 0.02)
    ax.set_ylim(max(0.0, lo - pad), min(1.0, hi) + pad)
    ax.set_xticks(pos, [str(w) for w in widths])
    ax.set_xlim(-0.6, len(widths) - 0.4)
    ax.set_xlabel(labels.capacity)
    ax.set_ylabel(f"validation F1 (mean; whiskers: {plots.SPREAD})\n"
                  + ("y axis from 0" if ax.get_ylim()[0] == 0 else "y axis zoomed to the data: it does not start at 0"))
    ax.set_title(labels.title(f"{pair}: validation F1, clean and with one {occlusion_size}×{occlusion_size} "
                              f"patch per image set to 0 ({n_seeds} seeds)"), fontsize=10)
    handles, _ = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color="0.3", lw=0, marker="|", ms=9, mew=1,
                          label=f"whiskers: {plots.SPREAD} ({n_seeds} seeds)"))
    ax.legend(handles=handles, fontsize=8, loc="lower right")
    ax.grid(alpha=0.3, axis="y")
    plots.save(fig, png, pdf)


def example_table(images: dict[str, np.ndarray]) -> pd.DataFrame:
    """The Fig. D.1 panels as one long table (panel, row, col, value)."""
    frames = []
    for panel, img in images.items():
        rows, cols = np.indices(img.shape)
        frames.append(pd.DataFrame({"panel": panel, "row": rows.ravel(), "col": cols.ravel(),
                                    "value": img.ravel()}))
    return pd.concat(frames, ignore_index=True)


def plot_examples(images: dict[str, np.ndarray], titles: dict[str, str], suptitle: str, png, pdf) -> None:
    """Paper Fig. D.1: one image clean, with noise, and occluded."""
    plt = plots.pyplot()

    fig, axes = plt.subplots(1, len(images), figsize=(2.6 * len(images), 2.9))
    for ax, (panel, img) in zip(axes, images.items()):
        ax.imshow(img, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(titles[panel], fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(suptitle, fontsize=9)
    fig.tight_layout()
    plots.save(fig, png, pdf)
