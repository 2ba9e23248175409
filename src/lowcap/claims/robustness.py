"""Claims of the registry (lowcap.claims.registry): robustness.

"Wider networks resist corruption better" is judged on the trend of the F1 drop (clean minus
corrupted F1, paired: within a seed every width sees the same corrupted images) over the widths
that succeed clean on that seed. A width that fails clean has little F1 left to lose, so comparing
the widest width with a narrow one that sits on the floor would measure the floor, not robustness.
The trend is the mean over (pair, seed) strata of the Spearman correlation of width and drop within
the stratum, tested by permuting the drops within every stratum at once
(lowcap.core.stats.stratified_rank_test), so differences between pairs or seeds can never create it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowcap.analyses.capacity import SUCCESS_F1, succeeds
from lowcap.claims.registry import (INCONCLUSIVE, NOT_REPRODUCED, NOT_TESTABLE, PAPER, PARTLY, REPRODUCED,
                                    TEST_POOL_NOTE, Result, Study, claim)
from lowcap.core.stats import Estimate, stratified_rank_test, t_interval

# The widths of the paper's occlusion numbers (config claims.paper_occlusion_f1 gives their values).
PAPER_OCCLUSION_WIDTHS = (24, 48, 64)
OCCLUSION_PAIR = "4-9"


def corrupted(rob: pd.DataFrame, corruption: str, sigma: float) -> pd.Series:
    """Which rows hold the named corruption (noise at `sigma`, or occlusion)."""
    if corruption == "noise":
        return (rob["corruption"] == "noise") & np.isclose(rob["sigma"].fillna(-1), sigma)
    return rob["corruption"] == corruption


def drops(rob: pd.DataFrame, corruption: str, sigma: float) -> pd.DataFrame:
    """(pair, seed, width, clean, drop) for the widths that succeed clean (F1 > 0.90) on that seed."""
    keys = ["pair", "seed", "width"]
    clean = rob[rob["corruption"] == "clean"].set_index(keys)["f1"].rename("clean")
    hit = rob[corrupted(rob, corruption, sigma)].set_index(keys)["f1"].rename("corrupted")
    table = pd.concat([clean, hit], axis=1, join="inner").reset_index()
    table["drop"] = table["clean"] - table["corrupted"]
    return table[succeeds(table["clean"])].reset_index(drop=True)


def trend(table: pd.DataFrame, rules: dict, alternative: str):
    strata = table["pair"].astype(str) + "/s" + table["seed"].astype(str)
    return stratified_rank_test(table["width"], table["drop"], strata, seed=0, alternative=alternative)


def trend_verdict(table: pd.DataFrame, rules: dict) -> tuple[str, str, object]:
    """The verdict, the per-pair text and the overall test (alternative: the drop falls with width)."""
    alpha = rules["alpha"]
    overall_less, overall_greater = trend(table, rules, "less"), trend(table, rules, "greater")
    holds, fails, parts = [], [], []
    for pair, g in table.groupby("pair", sort=False):
        less, greater = trend(g, rules, "less"), trend(g, rules, "greater")
        if less.strata == 0:
            parts.append(f"{pair}: no seed with 3 widths that succeed clean")
            continue
        holds += [pair] if less.p_value < alpha else []
        fails += [pair] if greater.p_value < alpha else []
        parts.append(f"{pair}: ρ {less.mean_rho:.2f}, p {less.p_value:.2g} ({less.strata} seeds)")
    if overall_less.strata == 0:
        verdict = INCONCLUSIVE
    elif holds and fails:
        verdict = PARTLY
    elif overall_less.p_value < alpha and not fails:
        verdict = REPRODUCED
    elif overall_greater.p_value < alpha and not holds:
        verdict = NOT_REPRODUCED
    else:
        verdict = INCONCLUSIVE
    return verdict, "; ".join(parts), overall_less


def trend_result(study: Study, rules: dict, corruption: str) -> Result:
    sigma = rules["noise_sigma"]
    size = rules.get("occlusion_size")
    name = (f"Gaussian noise σ = {sigma:g}" if corruption == "noise" else
            f"{size}×{size} occlusion" if size else "occlusion")
    table = drops(study["robustness"], corruption, sigma)
    verdict, per_pair, overall = trend_verdict(table, rules)
    unit = "channels" if study.architecture == "cnn" else "width"
    claim_text = (f"wider networks resist {name} better: the F1 drop (clean − corrupted) falls with {unit}, over the "
                  f"widths that succeed clean (F1 > {SUCCESS_F1}) on each seed; pairs "
                  f"{', '.join(dict.fromkeys(study['robustness']['pair']))}")
    test = ("mean over (pair, seed) strata of the Spearman ρ of width and F1 drop, one-sided permutation test "
            "permuting the drops within every stratum (lowcap.core.stats.stratified_rank_test); per pair the same over "
            "its seeds")
    null = "no trend of the drop with width within a (pair, seed): every pairing of widths and drops equally likely"
    n = f"{overall.n_points} networks in {overall.strata} (pair, seed) strata"
    if overall.strata == 0:
        return Result(f"robustness_{corruption}", claim_text, "wider resists better (ρ < 0)", verdict,
                      "no (pair, seed) with 3 widths that succeed clean", test, null, n)
    measured = f"mean within-stratum ρ {overall.mean_rho:.2f}, p = {overall.p_value:.2g}; per pair: {per_pair}"
    estimate = Estimate(overall.mean_rho, overall.mean_rho, overall.mean_rho, overall.n_points,
                        f"networks in {overall.strata} (pair, seed) strata", "mean within-stratum Spearman ρ")
    return Result(f"robustness_{corruption}", claim_text, "wider resists better (ρ < 0)", verdict, measured, test,
                  null, n, estimate=estimate)


TREND_RULE = """Rule: reproduced if the one-sided p (drop falls with width) is below alpha and
    no pair shows the opposite trend at alpha; partly if some pairs show the trend and others the
    opposite, each at alpha; not reproduced if the opposite trend (the drop grows with width) is
    significant overall and no pair shows the claimed one; otherwise inconclusive (also when no
    (pair, seed) has 3 widths that succeed clean)."""


@claim(PAPER, ("robustness_noise",), needs=("robustness",))
def robustness_noise(study: Study, rules: dict) -> Result:
    """Wider networks lose less F1 under Gaussian noise (claims.noise_sigma).

    Evidence: per (pair, seed), the paired F1 drop (clean − noisy) at each width that succeeds clean
    on that seed, for every robustness pair the study built.

    Null: within a (pair, seed), no trend of the drop with width.

    Test: a permutation test of the mean within-stratum Spearman ρ (lowcap.core.stats.stratified_rank_test).

    """
    return trend_result(study, rules, "noise")


@claim(PAPER, ("robustness_occlusion",), needs=("robustness",))
def robustness_occlusion(study: Study, rules: dict) -> Result:
    """Wider networks lose less F1 under random occlusion.

    Evidence: per (pair, seed), the paired F1 drop (clean − occluded) at each width that succeeds
    clean on that seed, for every robustness pair the study built.

    Null: within a (pair, seed), no trend of the drop with width.

    Test: a permutation test of the mean within-stratum Spearman ρ (lowcap.core.stats.stratified_rank_test).

    """
    return trend_result(study, rules, "occlusion")


for _f in (robustness_noise, robustness_occlusion):
    _f.__doc__ += "    " + TREND_RULE + "\n"


def band_verdict(e: Estimate, paper: float, tolerance: float) -> tuple[str, str]:
    """Reproduced iff the whole interval lies within the tolerance band around the paper's value; not
    reproduced iff it lies wholly outside (the direction is said); else inconclusive."""
    if not e.defined or e.n < 2:
        return INCONCLUSIVE, ""
    low, high = paper - tolerance, paper + tolerance
    if low <= e.low and e.high <= high:
        return REPRODUCED, ""
    if e.high < low:
        return NOT_REPRODUCED, "lower than the paper"
    if e.low > high:
        return NOT_REPRODUCED, "higher than the paper"
    return INCONCLUSIVE, ""


@claim(PAPER, tuple(f"occlusion_f1_w{w}" for w in PAPER_OCCLUSION_WIDTHS), needs=("robustness",),
       architectures=("mlp",))
def occlusion_f1(study: Study, rules: dict) -> list[Result]:
    """The paper's occlusion F1 on 4-9 at widths 24, 48 and 64 (claims.paper_occlusion_f1).

    Evidence: the occluded validation F1 of 4-9 at each width, one per seed.

    Null: none: an absolute number against the paper's, within claims.occlusion_f1_tolerance.

    Test: a Student-t interval of the mean over seeds (lowcap.core.stats.t_interval) against the band
    paper ± tolerance.

    Rule: reproduced if the whole interval lies within the tolerance of the paper's value; not
    reproduced if the whole interval lies outside that band (measured says lower or higher);
    otherwise inconclusive, so a wider interval can never help; inconclusive with fewer than 2 seeds.
    """
    rob, tolerance = study["robustness"], rules["occlusion_f1_tolerance"]
    out = []
    for width, paper in rules["paper_occlusion_f1"].items():
        cid, text = f"occlusion_f1_w{width}", f"{OCCLUSION_PAIR} occlusion F1 at width {width}"
        rows = rob[(rob["pair"] == OCCLUSION_PAIR) & (rob["corruption"] == "occlusion") & (rob["width"] == int(width))]
        if rows.empty:
            out.append(Result(cid, text, f"{paper:g}", NOT_TESTABLE, "—", "—", "—", "—",
                              note=f"the study has no occlusion runs of {OCCLUSION_PAIR} at width {width}"))
            continue
        e = t_interval(rows["f1"], rules["confidence"], (0, 1))
        verdict, direction = band_verdict(e, paper, tolerance)
        out.append(Result(cid, text, f"{paper:g}", verdict, e.show() + (f"; {direction}" if direction else ""),
                          f"{e.method} against {paper:g} ± {tolerance:g}",
                          f"none: an absolute number, within ± {tolerance:g} of the paper's", e.n_text(),
                          estimate=e, note=TEST_POOL_NOTE if study.pool == "test" else ""))
    return out
