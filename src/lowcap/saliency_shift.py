"""Reasoning under corruption: how far a model's saliency maps move when its input is corrupted.

For each checkpoint, the first n_images validation images (the same images for every width of a
seed) get both saliency maps (saliency.saliency_maps: the paper's epsilon method and Captum's
gradient) clean, under Gaussian noise at each sigma and under occlusion. The corrupted images are
the very ones robustness.evaluate_corruptions scores: the WHOLE validation split is corrupted with
the model seed, then sliced, so each image gets the same draw as there. The shift of one image's
map is its Spearman rank correlation rho with the clean map (1: the same pixel ranking).

Question asked: does the shift predict the F1 lost to the corruption (shift_predicts_drop)?

torch and scipy are imported inside the functions that need them, so a figure job that imports
this module for the plot does not pay for them.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from lowcap import plots
from lowcap.saliency import METHODS

LEVEL_ORDER = {"clean": 0, "noise": 1, "occlusion": 2}


def rank_correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman rho of each pair of maps a[i], b[i] (k, ...) over all pixels, shape (k,): Pearson
    correlation of average-tie ranks, as scipy.stats.spearmanr. NaN (no warning) where either map is
    constant, e.g. all zero (a network with no active unit): its ranking is undefined."""
    from scipy.stats import rankdata

    ra = rankdata(np.reshape(a, (len(a), -1)), axis=1)
    rb = rankdata(np.reshape(b, (len(b), -1)), axis=1)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    denom = np.sqrt((ra * ra).sum(axis=1) * (rb * rb).sum(axis=1))
    out = np.full(len(ra), np.nan)
    ok = denom > 0
    out[ok] = np.clip((ra[ok] * rb[ok]).sum(axis=1) / denom[ok], -1.0, 1.0)
    return out


def _maps(model, x, epsilon: float, batch: int) -> dict[str, np.ndarray]:
    """saliency_maps in chunks of `batch` images: the epsilon method holds (batch, 784, 784) float64."""
    from lowcap import saliency

    chunks = [saliency.saliency_maps(model, x[i:i + batch], epsilon) for i in range(0, len(x), batch)]
    return {m: np.concatenate([c[m] for c in chunks]) for m in METHODS}


def _level(corruption: str, sigma: float) -> tuple[str, float | None]:
    return corruption, None if corruption == "occlusion" else float(sigma)


def map_shift(loaded: list, sigmas: list[float], occlusion_size: int, n_images: int = 16,
              epsilon: float = 0.01, device: str = "cpu", batch: int = 16) -> pd.DataFrame:
    """One row per (pair, width, seed, method, corruption, sigma) of checkpoints of one pair
    (evaluation.Loaded): rho between clean and corrupted maps, mean/min/max over the images whose rho
    is defined (n_undefined: images with a constant map), and F1/AUC of the checkpoint on the full
    clean and corrupted validation split (robustness.evaluate_corruptions, the same tensors), with
    f1_drop = f1_clean - f1. Clean rows (sigma 0) compare the clean maps with themselves (rho 1);
    occlusion rows have sigma NaN."""
    import copy

    import torch

    from lowcap import robustness

    pairs = {item.meta.pair for item in loaded}
    if len(pairs) != 1:
        raise ValueError(f"map_shift takes checkpoints of one pair, not {sorted(pairs)}")
    by_seed: dict[int, list] = {}
    for item in loaded:
        by_seed.setdefault(int(item.meta.seed), []).append(item)
    rows = []
    for seed, items in by_seed.items():
        widths = [int(i.meta.width) for i in items]
        if len(set(widths)) != len(widths) or any(not np.array_equal(i.x_val, items[0].x_val) for i in items):
            raise ValueError(f"seed {seed}: widths must be distinct and share one validation split")
        scores = robustness.evaluate_corruptions([i.model.state_dict() for i in items], items[0].x_val,
                                                 items[0].y_val, sigmas, occlusion_size, seed, device)
        score = {(int(r.width), *_level(r.corruption, r.sigma)): (r.f1, r.auc) for r in scores.itertuples()}
        x = torch.as_tensor(items[0].x_val)
        sets = [(c, s, images[:n_images].to(device))
                for c, s, images in robustness.corrupted_sets(x, sigmas, occlusion_size, seed)]
        for item, width in zip(items, widths):
            model = copy.deepcopy(item.model).to(device)
            maps = [_maps(model, images, epsilon, batch) for _, _, images in sets]
            f1_clean, auc_clean = score[(width, "clean", 0.0)]
            for (corruption, sigma, images), level_maps in zip(sets, maps):
                f1, auc = score[(width, *_level(corruption, sigma))]
                for method in METHODS:
                    rho = rank_correlation(maps[0][method], level_maps[method])
                    ok = rho[np.isfinite(rho)]
                    rows.append({"pair": item.meta.pair, "width": width, "seed": seed, "method": method,
                                 "corruption": corruption, "sigma": sigma,
                                 "rho_mean": ok.mean() if len(ok) else np.nan,
                                 "rho_min": ok.min() if len(ok) else np.nan,
                                 "rho_max": ok.max() if len(ok) else np.nan,
                                 "n_images": len(images), "n_undefined": int(len(rho) - len(ok)),
                                 "epsilon": epsilon if method == "epsilon" else np.nan,
                                 "f1_clean": f1_clean, "auc_clean": auc_clean, "f1": f1, "auc": auc,
                                 "f1_drop": f1_clean - f1})
    return pd.DataFrame(rows)


def shift_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per (pair, width, method, corruption, sigma): mean, min and max over seeds of rho_mean (as
    rho_mean, rho_seed_min, rho_seed_max) and of f1_drop; n_seeds; n_undefined summed over seeds."""
    keys = ["pair", "width", "method", "corruption", "sigma"]
    g = table.groupby(keys, dropna=False)
    out = pd.concat([g["rho_mean"].agg(["mean", "min", "max"]).set_axis(["rho_mean", "rho_seed_min", "rho_seed_max"], axis=1),
                     g["f1_drop"].agg(["mean", "min", "max"]).set_axis(["f1_drop_mean", "f1_drop_seed_min", "f1_drop_seed_max"], axis=1),
                     g["seed"].nunique().rename("n_seeds"), g["n_undefined"].sum()], axis=1).reset_index()
    return _sorted(out, ["pair", "method", "width"])


def _sorted(df: pd.DataFrame, first: list[str]) -> pd.DataFrame:
    order = df["corruption"].map(LEVEL_ORDER)
    return df.assign(_o=order).sort_values([*first, "_o", "sigma"]).drop(columns="_o").reset_index(drop=True)


def _spearman(shift: pd.Series, drop: pd.Series) -> tuple[float, float]:
    from scipy.stats import spearmanr

    if len(shift) < 3:
        return np.nan, np.nan
    with warnings.catch_warnings():  # constant input: NaN, as documented
        warnings.simplefilter("ignore")
        res = spearmanr(shift, drop)
    return float(res.statistic), float(res.pvalue)


def shift_predicts_drop(table: pd.DataFrame) -> pd.DataFrame:
    """Does the map shift predict the F1 drop? Spearman rho (scipy.stats.spearmanr, two-sided p)
    between shift = 1 - rho_mean and f1_drop over the per-checkpoint points of map_shift (clean rows
    and points with undefined rho_mean left out), per method, per pair and over all pairs (pair "all"):
    - scope "pooled": every (width, seed, corruption, sigma) point. Stronger corruption both moves
      maps and costs F1, so this mostly measures corruption strength.
    - scope "within level": the points of one corruption level (one sigma, or occlusion), across
      widths and seeds: at the same corruption, do the networks whose maps move more lose more F1?
    n_points and n_widths: what each rho rests on."""
    t = table[table["corruption"] != "clean"].dropna(subset=["rho_mean", "f1_drop"])
    rows = []
    for pair in [*sorted(t["pair"].unique()), "all"]:
        for method in sorted(t["method"].unique()):
            sel = t[(t["method"] == method) & ((t["pair"] == pair) | (pair == "all"))]
            groups = [("pooled", "noise+occlusion", np.nan, sel)]
            groups += [("within level", c, s, g) for (c, s), g in sel.groupby(["corruption", "sigma"], dropna=False)]
            for scope, corruption, sigma, g in groups:
                rho, p = _spearman(1 - g["rho_mean"], g["f1_drop"])
                rows.append({"pair": pair, "method": method, "scope": scope, "corruption": corruption,
                             "sigma": sigma, "n_points": len(g), "n_widths": g["width"].nunique(),
                             "spearman_rho": rho, "p_value": p})
    out = pd.DataFrame(rows, columns=["pair", "method", "scope", "corruption", "sigma", "n_points", "n_widths",
                                      "spearman_rho", "p_value"])
    return out.assign(_s=out["scope"] != "pooled", _o=out["corruption"].map(LEVEL_ORDER)).sort_values(
        ["pair", "method", "_s", "_o", "sigma"]).drop(columns=["_s", "_o"]).reset_index(drop=True)


def verdict(predicts: pd.DataFrame, alpha: float = 0.05) -> str:
    """One line per method, over all pairs: the pooled rho and at how many corruption levels the
    within-level rho is positive with p < alpha."""
    lines = []
    for method, rows in predicts[predicts["pair"] == "all"].groupby("method"):
        pooled = rows[rows["scope"] == "pooled"].iloc[0]
        within = rows[(rows["scope"] == "within level") & rows["spearman_rho"].notna()]
        hits = int(((within["spearman_rho"] > 0) & (within["p_value"] < alpha)).sum())
        lines.append(f"{method}: pooled over corruptions rho = {pooled.spearman_rho:.2f} (p = {pooled.p_value:.2g}, "
                     f"n = {pooled.n_points}); at the same corruption level, a larger map shift goes with a larger "
                     f"F1 drop (rho > 0, p < {alpha:g}) at {hits} of {len(within)} levels "
                     f"(median rho {within['spearman_rho'].median():.2f}).")
    return "\n".join(lines)


def figure_table(summary: pd.DataFrame, method: str) -> pd.DataFrame:
    """Exactly what plot_shift draws for one method: per (pair, width, corruption, sigma) the
    rho_mean and f1_drop over seeds (mean, min, max); highlighted: the widths drawn in colour."""
    rows = summary[summary["method"] == method].copy()
    rows["highlighted"] = rows["width"].isin(plots.highlighted_widths(rows["width"].unique()))
    return _sorted(rows.drop(columns=["n_undefined"]), ["pair", "width"])


def plot_shift(curves: pd.DataFrame, pair: str, png, pdf, occlusion_size: int | None = None) -> None:
    """(a) mean rho between clean and corrupted maps against noise sigma (clean at sigma 0, rho 1),
    one line per width, a few in colour with min-max whiskers over seeds, the rest grey; occlusion as
    points right of the noise axis. (b) map shift 1 - rho against F1 drop (means over seeds), noise
    coloured by sigma, occlusion as crosses. `curves` is figure_table's output."""
    plt = plots.pyplot()

    c = curves[curves["pair"] == pair]
    method = c["method"].iloc[0]
    widths = sorted(c["width"].unique())
    highlighted = plots.highlighted_widths(widths)
    noisy = c[c["corruption"] != "occlusion"]
    sigmas = np.sort(noisy["sigma"].unique())
    step = float(np.diff(sigmas).min()) if len(sigmas) > 1 else 0.1
    x_occ = sigmas.max() + 2 * step
    offsets = {w: o * step for w, o in plots.dodge(highlighted).items()}
    n_seeds = int(c["n_seeds"].max())
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12.0, 4.8), gridspec_kw={"width_ratios": [1.25, 1]})
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
    ax.set_ylim(max(-1.0, lo - 0.05 * max(1 - lo, 0.02)), 1.0)
    occ_label = f"{occlusion_size}×{occlusion_size}\nocclusion" if occlusion_size else "occlusion"
    ax.set_xticks([*sigmas, x_occ], [f"{s:g}" for s in sigmas] + [occ_label])
    ax.set_xlim(sigmas.min() - step, x_occ + step)
    ax.set_xlabel("Gaussian noise σ (σ = 0: clean, ρ = 1 by definition)")
    ax.set_ylabel(f"Spearman ρ, clean vs corrupted map\n(mean over images, then seeds; whiskers: {plots.SPREAD})")
    ax.set_title(f"(a) {pair}: rank correlation of {method} saliency maps", fontsize=10)
    ax.grid(alpha=0.3)
    plots.width_legend(ax, widths, highlighted, n_seeds, spread="whiskers", loc="upper center",
                       bbox_to_anchor=(0.5, -0.2), ncol=3, frameon=False)

    noise = c[c["corruption"] == "noise"]
    occ = c[c["corruption"] == "occlusion"]
    points = bx.scatter(1 - noise["rho_mean"], noise["f1_drop_mean"], c=noise["sigma"], cmap="viridis",
                        s=22, edgecolors="0.2", linewidths=0.4, zorder=3)
    bx.scatter(1 - occ["rho_mean"], occ["f1_drop_mean"], marker="x", color="#D55E00", s=26, zorder=3,
               label=occ_label.replace("\n", " "))
    fig.colorbar(points, ax=bx, pad=0.02).set_label("noise σ")
    bx.axhline(0, color="0.5", lw=0.8)
    bx.set_xlabel("map shift 1 − ρ (mean over seeds)")
    bx.set_ylabel("F1 drop, clean − corrupted (mean over seeds)")
    bx.set_title(f"(b) {pair}: map shift against F1 drop, one point per width and corruption", fontsize=10)
    bx.legend(fontsize=8, loc="upper left")
    bx.grid(alpha=0.3)
    fig.tight_layout()
    plots.save(fig, png, pdf)
