"""The saliency-shift tables without torch: the summary over seeds, whether the map shift predicts
the F1 drop (a permutation test within (pair, width) strata), its verdict, and the pair table's
checked reader. lowcap.analyses.saliency_shift computes the pair tables, with torch; kept apart so
that the claims, table and figure jobs read them without importing torch, and an edit to the maps
does not rerun the jobs that only read their tables.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from lowcap.analyses.robustness_tables import result_keys
from lowcap.analyses.saliency import METHODS
from lowcap.core.stats import stratified_rank_test
from lowcap.core.tables import read_table

LEVEL_ORDER = {"clean": 0, "noise": 1, "occlusion": 2}


def shift_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per (pair, width, method, corruption, sigma): mean, min and max over seeds of rho_mean (as
    rho_mean, rho_seed_min, rho_seed_max) and of f1_drop; n_seeds; n_undefined summed over seeds."""
    keys = ["pair", "width", "method", "corruption", "sigma"]
    g = table.groupby(keys, dropna=False)
    out = pd.concat([g["rho_mean"].agg(["mean", "min", "max"]).set_axis(["rho_mean", "rho_seed_min", "rho_seed_max"], axis=1),
                     g["f1_drop"].agg(["mean", "min", "max"]).set_axis(["f1_drop_mean", "f1_drop_seed_min", "f1_drop_seed_max"], axis=1),
                     g["seed"].nunique().rename("n_seeds"), g["n_undefined"].sum()], axis=1).reset_index()
    return sort_levels(out, ["pair", "method", "width"])


def sort_levels(df: pd.DataFrame, first: list[str]) -> pd.DataFrame:
    """`df` sorted by the columns `first`, then clean, noise by sigma, occlusion."""
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
    from scipy.stats import spearmanr  # here: the figure jobs read these tables without scipy.stats (1 s to import)

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
    for r in checkpoint_tests(predicts).itertuples():
        lines.append(f"{r.method}: within (pair, width) over seeds, mean ρ {r.mean_rho:.2f} (median {r.median_rho:.2f}) "
                     f"over {r.n_strata} strata; one-sided stratified permutation p = {r.p_greater:.2g} for a larger "
                     f"shift with a larger F1 drop, p = {r.p_less:.2g} for the reverse; {coverage(r)}, {r.n_images} "
                     f"images each. Pooled over strata (confounded by pair and width): ρ {r.pooled_rho:.2f}.")
    return "\n".join(lines)


def checkpoint_tests(predicts: pd.DataFrame, method: str | None = None) -> pd.DataFrame:
    """The rows of shift_predicts_drop that the claim and the summaries read: the levels-averaged
    test (scope CHECKPOINT) over every pair together, per method (or of one `method`)."""
    rows = predicts[(predicts["pair"] == "all") & (predicts["scope"] == CHECKPOINT)]
    return rows if method is None else rows[rows["method"] == method]


def coverage(row, strata: str = "strata") -> str:
    """What a test row rests on, of what the grid holds: "n of N checkpoints in m of M {strata}"
    (a checkpoint with constant maps has no shift; a stratum needs 3 usable points)."""
    return (f"{int(row.n_points)} of {int(row.n_checkpoints)} checkpoints in {int(row.n_strata)} of "
            f"{int(row.n_strata_grid)} {strata}")


SHIFT_KEYS = ["pair", "width", "seed", "method", "corruption", "sigma"]
SHIFT_NULLABLE = ("sigma", "rho_mean", "rho_min", "rho_max", "epsilon")


def read_shift(path: str, pair: str, grid: dict | None) -> pd.DataFrame:
    """One pair's saliency-shift table, checked (lowcap.core.tables.read_table): every (width, seed) of
    `grid` {"widths", "seeds", "sigmas"} on every corruption level (robustness_tables.result_keys), each
    method; without a grid, every combination of the keys the table holds."""
    columns = SHIFT_KEYS + ["rho_mean", "f1_clean", "f1", "f1_drop"]
    if grid is None:
        return read_table(path, columns, SHIFT_KEYS, nullable=SHIFT_NULLABLE)
    levels = result_keys(pair, grid["widths"], grid["seeds"], grid["sigmas"])
    keys = levels.merge(pd.DataFrame({"method": list(METHODS)}), how="cross")[SHIFT_KEYS]
    return read_table(path, columns, keys, nullable=SHIFT_NULLABLE)
