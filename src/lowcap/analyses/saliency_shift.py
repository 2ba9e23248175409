"""Reasoning under corruption: how far a model's saliency maps move when its input is corrupted.

For each checkpoint, the first n_images validation images (the same images for every width of a
seed) get both saliency maps (saliency.saliency_maps: the paper's epsilon method and Captum's
gradient) clean, under Gaussian noise at each sigma and under occlusion. The corrupted images are
the very ones robustness.evaluate_corruptions scores: the WHOLE validation split is corrupted with
the model seed, then sliced, so each image gets the same draw as there. The shift of one image's
map is its Spearman rank correlation rho with the clean map (1: the same pixel ranking).

Question asked: does the shift predict the F1 lost to the corruption (shift_predicts_drop)? It
is asked within strata of networks that differ only by their seed (same pair, same width, same
corruption), so differences between pairs or widths cannot make a correlation (Simpson's paradox).

torch and scipy are imported inside the functions that need them, so a figure job that imports
this module for the plot does not pay for them.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from lowcap.figures import plots
from lowcap.analyses.saliency import METHODS

LEVEL_ORDER = {"clean": 0, "noise": 1, "occlusion": 2}


def rank_correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman rho of each pair of maps a[i], b[i] (k, ...) over all pixels, shape (k,):
    scipy.stats.spearmanr of the 2k maps at once (average-tie ranks), read off the diagonal of
    its a-by-b block. NaN (no warning) where either map is constant, e.g. all zero (a network
    with no active unit): its ranking is undefined."""
    from scipy.stats import spearmanr

    k = len(a)
    flat_a, flat_b = np.reshape(a, (k, -1)), np.reshape(b, (k, -1))
    # Only maps with a ranking go to scipy: one constant row would make its whole matrix NaN.
    ok = (np.ptp(flat_a, axis=1) > 0) & (np.ptp(flat_b, axis=1) > 0)
    out, m = np.full(k, np.nan), int(ok.sum())
    if m:
        rho = np.asarray(spearmanr(flat_a[ok], flat_b[ok], axis=1).statistic, dtype=float)
        out[ok] = rho if m == 1 else np.diagonal(rho[:m, m:])  # one pair of maps: a scalar
    return np.clip(out, -1.0, 1.0)


def _maps(model, x, epsilon: float, batch: int) -> dict[str, np.ndarray]:
    """saliency_maps in chunks of `batch` images: the epsilon method holds (batch, 784, 784) float64."""
    from lowcap.analyses import saliency

    chunks = [saliency.saliency_maps(model, x[i:i + batch], epsilon) for i in range(0, len(x), batch)]
    return {m: np.concatenate([c[m] for c in chunks]) for m in METHODS}


def _level(corruption: str, sigma: float) -> tuple[str, float | None]:
    return corruption, None if corruption == "occlusion" else float(sigma)


def map_shift(loaded: list, sigmas: list[float], occlusion_size: int, n_images: int = 32,
              epsilon: float = 0.01, device: str = "cpu", batch: int = 16) -> pd.DataFrame:
    """One row per (pair, width, seed, method, corruption, sigma) of checkpoints of one pair
    (evaluation.Loaded): rho between clean and corrupted maps, mean/min/max over the images whose rho
    is defined (n_undefined: images with a constant map), and F1/AUC of the checkpoint on the full
    clean and corrupted validation split (robustness.evaluate_corruptions, the same tensors), with
    f1_drop = f1_clean - f1. Clean rows (sigma 0) compare the clean maps with themselves (rho 1);
    occlusion rows have sigma NaN."""
    import copy

    import torch

    from lowcap.analyses import robustness

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


# Permutations of the stratified test (exact when there are fewer distinct ones), seeded.
N_PERMUTATIONS = 9999
PERMUTATION_SEED = 0
CHECKPOINT = "checkpoint (levels averaged)"  # the scope of the test the claim reads
# n_checkpoints, n_strata_grid: in the table; n_points, n_strata: those the test uses (a checkpoint
# whose maps are constant has no shift; a stratum needs 3 points, not all of one value).
PREDICTS_COLUMNS = ["pair", "method", "scope", "corruption", "sigma", "n_checkpoints", "n_points", "n_strata_grid",
                    "n_strata", "n_seeds", "n_images", "mean_rho", "median_rho", "p_greater", "p_less", "pooled_rho"]


def checkpoint_points(table: pd.DataFrame) -> pd.DataFrame:
    """One point per checkpoint and method: the map shift 1 - rho_mean and f1_drop, each averaged
    over the corruption levels (clean rows left out; a level whose rho_mean is undefined is left
    out of both means). n_levels: the levels averaged; n_images: images per map."""
    t = table[table["corruption"] != "clean"].dropna(subset=["rho_mean", "f1_drop"])
    g = t.assign(shift=1 - t["rho_mean"]).groupby(["pair", "width", "seed", "method"], sort=True)
    out = g.agg(shift=("shift", "mean"), f1_drop=("f1_drop", "mean"), n_levels=("shift", "size"),
                n_images=("n_images", "min"))
    return out.reset_index()


def _level_points(table: pd.DataFrame) -> list[tuple[str, str, float, pd.DataFrame]]:
    """(scope, corruption, sigma, points) for the levels-averaged test and each corruption level."""
    t = table[table["corruption"] != "clean"].dropna(subset=["rho_mean", "f1_drop"])
    out = [(CHECKPOINT, "noise+occlusion", np.nan, checkpoint_points(table))]
    for (corruption, sigma), g in t.groupby(["corruption", "sigma"], dropna=False, sort=False):
        out.append(("one level", corruption, sigma, g.assign(shift=1 - g["rho_mean"])))
    return out


def stratified_test(points: pd.DataFrame) -> dict:
    """Spearman of shift and f1_drop within each (pair, width) stratum, over seeds: the mean
    within-stratum rho tested by permuting f1_drop within every stratum at once
    (stats.stratified_rank_test), one-sided in each direction. Not stats.stratified_spearman:
    with 3 seeds a stratum's exact p is 1 one time in 6 under the null, and one p of 1 makes
    Stouffer's combined p 1, whatever the other strata say. pooled_rho: rho over all points,
    shown only to expose what pooling strata does (it mixes pairs and widths: Simpson's paradox)."""
    from scipy.stats import spearmanr

    from lowcap.core.stats import stratified_rank_test

    strata = (points["pair"].astype(str) + "|" + points["width"].astype(str)).to_numpy()
    x, y = points["shift"].to_numpy(float), points["f1_drop"].to_numpy(float)
    kw = dict(seed=PERMUTATION_SEED, n_resamples=N_PERMUTATIONS)
    up = stratified_rank_test(x, y, strata, alternative="greater", **kw)
    down = stratified_rank_test(x, y, strata, alternative="less", **kw)
    with warnings.catch_warnings():  # a constant side: NaN
        warnings.simplefilter("ignore")
        pooled = float(spearmanr(x, y).statistic) if len(x) >= 3 else np.nan
    return {"n_points": up.n_points, "n_strata": up.strata, "n_seeds": points["seed"].nunique(),
            "n_images": int(points["n_images"].min()) if len(points) else 0,
            "mean_rho": up.mean_rho, "median_rho": up.median_rho, "p_greater": up.p_value, "p_less": down.p_value,
            "pooled_rho": pooled}


def shift_predicts_drop(table: pd.DataFrame) -> pd.DataFrame:
    """Does the map shift predict the F1 drop? Networks of the same pair and width, at the same
    corruption, differ only by their seed: within each (pair, width) stratum, over seeds, is a
    larger map shift ranked with a larger F1 drop (stratified_test)?

    Strata are (pair, width), never pooled: the easy pair 0-1 has both the largest shift and the
    smallest drop, and width moves both, so a correlation over pooled points measures pairs and
    widths, not networks (under `explicit`, pooled rho -0.47 at sigma 0.4; within pairs -0.02).
    Level is held fixed in two ways, one row each, per method:
    - scope CHECKPOINT (the claim's test): one point per checkpoint, its shift and drop averaged
      over the corruption levels. The levels of one checkpoint are not independent (the same
      network and images), so they are averaged into one point, not combined as separate tests.
    - scope "one level": one corruption level (a sigma, or occlusion); descriptive per level.
    Pair "all": every pair's strata together; each pair alone for the checkpoint scope."""
    rows = []
    for scope, corruption, sigma, points in _level_points(table):
        for method, by_method in points.groupby("method", sort=True):
            pairs = ["all"] + (sorted(by_method["pair"].unique()) if scope == CHECKPOINT else [])
            for pair in pairs:
                sel = by_method if pair == "all" else by_method[by_method["pair"] == pair]
                grid = table[(table["method"] == method) & ((table["pair"] == pair) | (pair == "all"))]
                rows.append({"pair": pair, "method": method, "scope": scope, "corruption": corruption,
                             "sigma": sigma, "n_checkpoints": len(grid[["pair", "width", "seed"]].drop_duplicates()),
                             "n_strata_grid": len(grid[["pair", "width"]].drop_duplicates()), **stratified_test(sel)})
    out = pd.DataFrame(rows, columns=PREDICTS_COLUMNS)
    return out.assign(_p=out["pair"] != "all", _s=out["scope"] != CHECKPOINT,
                      _o=out["corruption"].map(LEVEL_ORDER)).sort_values(
        ["method", "_s", "_p", "pair", "_o", "sigma"], kind="stable").drop(columns=["_p", "_s", "_o"]).reset_index(drop=True)


def verdict(predicts: pd.DataFrame) -> str:
    """One line per method: the within-stratum test over checkpoints, all pairs together, beside
    the pooled rho (which mixes strata)."""
    lines = []
    rows = predicts[(predicts["pair"] == "all") & (predicts["scope"] == CHECKPOINT)]
    for r in rows.itertuples():
        lines.append(f"{r.method}: within (pair, width) over seeds, mean ρ {r.mean_rho:.2f} (median {r.median_rho:.2f}) "
                     f"over {r.n_strata} strata; one-sided stratified permutation p = {r.p_greater:.2g} for a larger "
                     f"shift with a larger F1 drop, p = {r.p_less:.2g} for the reverse; {r.n_points} of "
                     f"{r.n_checkpoints} checkpoints in {r.n_strata} of {r.n_strata_grid} strata, {r.n_images} images "
                     f"each. Pooled over strata (confounded by pair and width): ρ {r.pooled_rho:.2f}.")
    return "\n".join(lines)


def figure_table(summary: pd.DataFrame, method: str) -> pd.DataFrame:
    """Exactly what plot_shift draws for one method: per (pair, width, corruption, sigma) the
    rho_mean and f1_drop over seeds (mean, min, max); highlighted: the widths drawn in colour."""
    rows = summary[summary["method"] == method].copy()
    rows["highlighted"] = rows["width"].isin(plots.highlighted_widths(rows["width"].unique()))
    return _sorted(rows.drop(columns=["n_undefined"]), ["pair", "width"])


def plot_shift(curves: pd.DataFrame, pair: str, png, pdf, occlusion_size: int | None = None, labels=None) -> None:
    """(a) mean rho between clean and corrupted maps against noise sigma (clean at sigma 0, rho 1),
    one line per width, a few in colour with min-max whiskers over seeds, the rest grey; occlusion as
    points right of the noise axis. (b) map shift 1 - rho against F1 drop (means over seeds), noise
    coloured by sigma, occlusion as crosses. `curves` is figure_table's output; `labels`:
    plots.Labels (the study in the title, the capacity's name)."""
    plt = plots.pyplot()
    labels = plots.labels_of(labels)

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
    pad = 0.05 * max(1 - lo, 0.02)  # above 1 too: the clean points and whiskers at rho 1 clear the frame
    ax.set_ylim(max(-1.0, lo - pad), 1.0 + pad)
    occ_label = f"{occlusion_size}×{occlusion_size}\nocclusion" if occlusion_size else "occlusion"
    ax.set_xticks([*sigmas, x_occ], [f"{s:g}" for s in sigmas] + [occ_label])
    ax.set_xlim(sigmas.min() - step, x_occ + step)
    ax.set_xlabel("Gaussian noise σ (σ = 0: clean, ρ = 1 by definition)")
    ax.set_ylabel(f"Spearman ρ, clean vs corrupted map\n(mean over images, then seeds; whiskers: {plots.SPREAD})")
    ax.set_title(f"(a) rank correlation of {method} saliency maps", fontsize=10)
    ax.grid(alpha=0.3)
    plots.width_legend(ax, widths, highlighted, n_seeds, spread="whiskers", symbol=labels.symbol, loc="upper center",
                       bbox_to_anchor=(0.5, -0.25), ncol=3, frameon=False)

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
    # Short, and left-aligned over the axes: centred, the long title ran into the colour bar.
    bx.set_title(f"(b) map shift against F1 drop, one point per\n{labels.unit} and corruption (descriptive: "
                 "the test\nranks the seeds within each " + labels.unit + ")", fontsize=9, loc="left")
    bx.legend(fontsize=8, loc="upper left")
    bx.grid(alpha=0.3)
    fig.suptitle(labels.title(f"{pair}: saliency maps under corruption"), fontsize=11)
    fig.tight_layout()
    plots.save(fig, png, pdf)
