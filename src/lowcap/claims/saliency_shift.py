"""Claims of the registry (lowcap.claims.registry): saliency_shift, the paper's open question of
how a network's reasoning shifts under corruption.

Read from the study's tables/saliency_shift_predicts_drop.csv (lowcap.analyses.saliency_shift.
shift_predicts_drop): the within-stratum test over checkpoints, every pair together, for the
gradient maps. Strata are (pair, width): networks that differ only by their seed, so neither the
pairs (0-1 has the largest map shift and the smallest F1 drop) nor the widths can make the
correlation, as they did when the old rule pooled the pairs of one corruption level.
"""

from __future__ import annotations

import math

import pandas as pd

from lowcap.claims.registry import (INCONCLUSIVE, NOT_SUPPORTED, NOT_TESTABLE, OPEN, SUPPORTED, Result, Study,
                                    claim)
from lowcap.analyses.saliency_shift_tables import CHECKPOINT, coverage

METHOD = "gradient"  # the maps of the saliency-shift figures (Captum's gradient)


def checkpoint_row(predicts: pd.DataFrame) -> pd.Series | None:
    """The claim's row: all pairs, the gradient maps, one point per checkpoint (levels averaged)."""
    rows = predicts[(predicts["pair"] == "all") & (predicts["method"] == METHOD) & (predicts["scope"] == CHECKPOINT)]
    if len(rows) != 1 or not rows["n_strata"].iloc[0] > 0:
        return None
    return rows.iloc[0]


def shift_verdict(row: pd.Series, alpha: float) -> str:
    if row["p_greater"] < alpha and row["median_rho"] > 0:
        return SUPPORTED
    if row["p_less"] < alpha and row["median_rho"] < 0:
        return NOT_SUPPORTED
    return INCONCLUSIVE


@claim(OPEN, ("shift_predicts",), needs=("saliency_shift",), architectures=("mlp",))
def shift_predicts(study: Study, rules: dict) -> Result:
    """Evidence: per checkpoint, the shift of its gradient saliency maps under corruption
    (1 − Spearman ρ of clean and corrupted maps, mean over the first n validation images) and its
    F1 drop (clean − corrupted, whole validation split), each averaged over the noise levels and
    occlusion; the Spearman ρ of shift and drop within each (pair, width) stratum, over seeds. A
    checkpoint whose maps are constant (no unit active on those images) has no shift and is left
    out; n says how many checkpoints and strata were used of those in the grid.

    Null: within a stratum, which seed's network loses more F1 is unrelated to which one's maps
    move more (ρ = 0).

    Test: the mean within-stratum ρ, F1 drops permuted within every stratum at once
    (lowcap.core.stats.stratified_rank_test), one-sided in each direction.

    Rule: supported if the one-sided p (a larger shift goes with a larger F1 drop) is below
    claims.alpha and the median within-stratum ρ is positive; not supported if the one-sided p
    in the other direction is below alpha and the median ρ is negative; else inconclusive.
    Noise weakens every within-stratum ρ towards 0 and raises both p-values, so it can only move
    a verdict to inconclusive. The pooled ρ (strata mixed) is shown, never judged."""
    row = checkpoint_row(study["saliency_shift"])
    text = ("the shift of the saliency map under corruption predicts the F1 drop (gradient maps; Spearman within "
            "each pair × width over seeds, shift and drop averaged over the corruption levels)")
    if row is None:
        return Result("shift_predicts", text, "how reasoning shifts (open question)", NOT_TESTABLE, "—",
                      "—", "—", "—", kind=OPEN, note="no (pair, width) stratum with 3 checkpoints")
    alpha = rules["alpha"]
    measured = (f"mean within-stratum ρ {row['mean_rho']:.2f} (median {row['median_rho']:.2f}); one-sided p "
                f"{row['p_greater']:.2g} (larger shift, larger drop), {row['p_less']:.2g} (the reverse); pooled over "
                f"strata ρ {_show(row['pooled_rho'])} (confounded by pair and width, not judged)")
    return Result("shift_predicts", text, "how reasoning shifts (open question)", shift_verdict(row, alpha),
                  measured, test=f"stratified permutation test of the mean within-stratum Spearman ρ (F1 drops "
                                 f"permuted within each pair × width), one-sided, alpha {alpha:g}",
                  null="ρ = 0 within every stratum: the F1 drop is unrelated to the map shift",
                  n=(coverage(row, "pair × width strata") + f" ({int(row['n_seeds'])} seeds), "
                     f"{int(row['n_images'])} images per map"),
                  kind=OPEN)


def _show(v: float) -> str:
    return "—" if v is None or math.isnan(v) else f"{v:.2f}"
