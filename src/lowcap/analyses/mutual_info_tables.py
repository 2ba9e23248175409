"""The mutual-information tables without torch: the per-network summary of the unit table
(specialization, and whether pruning keeps the high-MI units) and the unit table's checked reader.
lowcap.analyses.mutual_info computes the unit tables, with torch; kept apart so that the figure job
reads them without importing torch, and an edit to the estimation does not rerun it for nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowcap.core.stats import rank_correlation
from lowcap.core.tables import read_table

KEYS = ["pair", "width", "seed"]
UNIT_KEYS = [*KEYS, "unit"]


def specialization_index(mi: np.ndarray, label_entropy: float) -> dict:
    """Numbers summarising how specialised one network's units are (all fractions of H(Y)):

    - mean_mi_frac: mean over units of MI_j / H(Y): how much of the label a typical unit carries
      alone. This is *the* specialization index of a network.
    - max_mi_frac: the most informative unit's MI / H(Y).
    - sum_mi_frac: sum of MI_j / H(Y); above 1, units must share (carry redundant) information.
    - effective_units: exp(entropy of p_j = MI_j / sum MI), between 1 (one unit holds all the MI)
      and H (all units equal); 0 when no unit carries any information.
    - concentration: (H - effective_units) / (H - 1), 0 when the MI is spread evenly over the units,
      1 when one unit holds all of it. NaN when it is undefined: no MI at all, or a single unit.
    """
    mi = np.asarray(mi, dtype=np.float64)
    if label_entropy <= 0:
        raise ValueError("label entropy must be positive (both classes present)")
    width, total = len(mi), float(mi.sum())
    frac = mi / label_entropy
    out = {"mean_mi_frac": float(frac.mean()), "max_mi_frac": float(frac.max()), "sum_mi_frac": float(frac.sum())}
    if total <= 0:
        return {**out, "effective_units": 0.0, "concentration": float("nan")}
    p = mi[mi > 0] / total
    effective = float(np.exp(-(p * np.log(p)).sum()))
    concentration = (width - effective) / (width - 1) if width > 1 else float("nan")
    return {**out, "effective_units": effective, "concentration": float(np.clip(concentration, 0.0, 1.0))}


def _spearman(a: np.ndarray, b: np.ndarray, min_units: int = 3) -> float:
    """Spearman correlation of the units' a and b (stats.rank_correlation); NaN with fewer than
    `min_units` units or a constant side (undefined). With 2 units it is +-1: whether the two
    orders agree."""
    if len(a) < max(min_units, 2):
        return float("nan")
    return float(rank_correlation(np.asarray(a)[None], np.asarray(b)[None])[0])


def kept_auc(mi_kept: np.ndarray, mi_pruned: np.ndarray) -> float:
    """P(a kept unit's MI > a pruned unit's MI), ties counting 1/2: Mann-Whitney U / (n1 n2).
    0.5: pruning ignores MI; 1: every kept unit is more informative than every pruned one.
    NaN when either group is empty."""
    a, b = np.asarray(mi_kept, dtype=float)[:, None], np.asarray(mi_pruned, dtype=float)[None, :]
    if a.size == 0 or b.size == 0:
        return float("nan")
    return float(((a > b) + 0.5 * (a == b)).mean())


def network_summary(units: pd.DataFrame) -> pd.DataFrame:
    """One row per (pair, width, seed): specialization_index, dead units, Spearman correlation of
    unit MI with the share of its incoming weights pruning keeps, the mean MI of units whose output
    weight is kept and pruned, and kept_auc between them. All units count, dead ones included.

    spearman_mi_output_weight: Spearman of unit MI with |output weight|, the order in which
    magnitude pruning removes a unit's only route to the output (> 0: high-MI units go last).
    Unlike kept_auc it needs no pruning level, so it is defined at every width (2 units: +-1),
    not only where the level keeps some output weights and prunes others; NaN only when every
    unit has the same MI (e.g. all dead)."""
    rows = []
    for (pair, width, seed), g in units.groupby(KEYS, sort=True):
        kept = g["output_weight_kept"].to_numpy(bool)
        mi = g["mi"].to_numpy(float)
        rows.append({
            "pair": pair, "width": width, "seed": seed, "scope": g["scope"].iloc[0],
            "requested_sparsity": g["requested_sparsity"].iloc[0], "achieved_sparsity": g["achieved_sparsity"].iloc[0],
            "label_entropy": g["label_entropy"].iloc[0],
            **specialization_index(mi, float(g["label_entropy"].iloc[0])),
            "dead_units": int(g["dead"].sum()),
            "spearman_mi_incoming_kept": _spearman(mi, g["incoming_kept_frac"].to_numpy(float)),
            "spearman_mi_output_weight": _spearman(mi, g["output_weight_abs"].to_numpy(float), min_units=2),
            "n_output_kept": int(kept.sum()), "n_output_pruned": int((~kept).sum()),
            "mi_kept_mean": float(mi[kept].mean()) if kept.any() else float("nan"),
            "mi_pruned_mean": float(mi[~kept].mean()) if (~kept).any() else float("nan"),
            "auc_kept_vs_pruned": kept_auc(mi[kept], mi[~kept]),
        })
    return pd.DataFrame(rows)


def read_units(path: str, pair: str, widths, seeds) -> pd.DataFrame:
    """One pair's unit table, checked (lowcap.core.tables.read_table): one row per hidden unit of every
    (width, seed); without widths, every (width, seed) and unit the table holds."""
    columns = UNIT_KEYS + ["mi", "mi_frac", "output_weight_abs", "output_weight_kept"]
    if widths is None:
        return read_table(path, columns, UNIT_KEYS, nullable=("mi", "mi_frac"))
    keys = pd.DataFrame([(pair, w, s, u) for w in widths for s in seeds for u in range(w)], columns=UNIT_KEYS)
    return read_table(path, columns, keys, nullable=("mi", "mi_frac"))
