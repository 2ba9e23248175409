"""The open-question claims on mutual information (mi_kept) and on saliency under corruption
(shift_predicts): evidence built for every verdict each can give, a Simpson's-paradox table that
must not count as evidence, and noisier copies that must never score more favourably.

Fixtures are seeded draws with effects far from the verdict lines (a within-stratum ρ near ±1, or
exactly no relation), so each verdict below is decided by the rule, not by the draw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lowcap.analyses import mutual_info_tables, saliency_shift_tables
from lowcap.claims import mutual_info as mi_claims
from lowcap.claims import saliency_shift as shift_claims
from lowcap.claims.registry import (FAVOUR, INCONCLUSIVE, NOT_SUPPORTED, NOT_TESTABLE, SUPPORTED, REGISTRY, Study)

RULES = {"confidence": 0.95, "alpha": 0.05, "bootstrap_resamples": 500}
PAIRS = ("0-1", "3-8", "4-9")


def study(**tables) -> Study:
    return Study("test", PAIRS, "mlp", "test", tables)


def no_worse(noisy: str, clean: str) -> bool:
    """A noisier copy keeps its verdict, or falls to inconclusive; it never scores higher."""
    return noisy in (clean, INCONCLUSIVE) and (FAVOUR[noisy] <= FAVOUR[clean] or noisy == INCONCLUSIVE)


# --------------------------------------------------------------------------- saliency shift

LEVELS = (("noise", 0.2), ("noise", 0.4), ("occlusion", np.nan))
WIDTHS = (2, 8, 24, 64)


def shift_table(within: float, seed: int = 0, seeds: int = 3, noise: float = 0.0, between: float = 0.0,
                widths=WIDTHS) -> pd.DataFrame:
    """map_shift-like rows (gradient maps): each checkpoint's shift is its stratum's level plus a
    checkpoint term u; its drop is within * u (+ noise), plus `between` times the stratum's shift
    level: a relation between strata only (between < 0: the pooled ρ is negative)."""
    rng = np.random.default_rng(seed)
    rows = []
    for p, pair in enumerate(PAIRS):
        for k, width in enumerate(widths):
            level = 0.1 + 0.15 * p + 0.05 * k  # pairs and widths move the shift a lot
            for s in range(seeds):
                u = rng.uniform(-0.02, 0.02)
                for corruption, sigma in (("clean", 0.0), *LEVELS):
                    clean = corruption == "clean"
                    shift = 0.0 if clean else level + u
                    drop = 0.0 if clean else 0.3 + between * level + within * u + noise * rng.standard_normal()
                    rows.append({"pair": pair, "width": width, "seed": s, "method": "gradient",
                                 "corruption": corruption, "sigma": sigma, "rho_mean": 1 - shift, "f1_drop": drop,
                                 "n_images": 32, "n_undefined": 0})
    return pd.DataFrame(rows)


def shift_result(table: pd.DataFrame):
    return shift_claims.shift_predicts(study(saliency_shift=saliency_shift_tables.shift_predicts_drop(table)), RULES)


@pytest.mark.parametrize("within, expected", [(5.0, SUPPORTED), (-5.0, NOT_SUPPORTED), (0.0, INCONCLUSIVE)])
def test_shift_predicts_gives_each_verdict_on_its_evidence(within, expected):
    noise = 0.0 if within else 1.0  # no relation: drops independent of the shift
    result = shift_result(shift_table(within, noise=noise))
    assert result.verdict == expected
    assert result.kind == "open question" and "ρ = 0" in result.null and "permutation" in result.test
    assert result.n == "36 of 36 checkpoints in 12 of 12 pair × width strata (3 seeds), 32 images per map"


def test_shift_predicts_counts_checkpoints_without_a_shift_and_the_strata_they_empty():
    table = shift_table(5.0)
    dead = (table["pair"] == "0-1") & (table["width"] == 2) & (table["seed"] == 0)
    table.loc[dead, "rho_mean"] = np.nan  # constant maps (no active unit): no shift
    result = shift_result(table)
    # Its stratum is left with 2 checkpoints, too few to rank: 33 checkpoints in 11 strata are used.
    assert result.n == "33 of 36 checkpoints in 11 of 12 pair × width strata (3 seeds), 32 images per map"
    assert result.verdict == SUPPORTED


@pytest.mark.parametrize("between", [-3.0, 3.0])
def test_a_simpsons_paradox_is_not_evidence(between):
    # The drop follows the stratum (pair, width) only: pooled over strata ρ is strong, within ≈ 0.
    table = shift_table(0.0, noise=0.02, between=between)
    predicts = saliency_shift_tables.shift_predicts_drop(table)
    row = shift_claims.checkpoint_row(predicts)
    assert abs(row["pooled_rho"]) > 0.8 and np.sign(row["pooled_rho"]) == np.sign(between)
    assert row["p_greater"] > 0.05 and row["p_less"] > 0.05
    assert shift_claims.shift_predicts(study(saliency_shift=predicts), RULES).verdict == INCONCLUSIVE


def test_shift_rule_needs_both_the_p_value_and_the_median():
    row = pd.Series({"p_greater": 0.01, "p_less": 0.99, "median_rho": 0.5})
    assert shift_claims.shift_verdict(row, 0.05) == SUPPORTED
    assert shift_claims.shift_verdict({**row, "median_rho": -0.5}, 0.05) == INCONCLUSIVE
    assert shift_claims.shift_verdict({**row, "median_rho": 0.0}, 0.05) == INCONCLUSIVE
    assert shift_claims.shift_verdict({**row, "p_greater": 0.05}, 0.05) == INCONCLUSIVE  # p = alpha does not decide
    down = pd.Series({"p_greater": 0.99, "p_less": 0.01, "median_rho": -0.5})
    assert shift_claims.shift_verdict(down, 0.05) == NOT_SUPPORTED
    assert shift_claims.shift_verdict({**down, "median_rho": 0.5}, 0.05) == INCONCLUSIVE
    assert shift_claims.shift_verdict({**down, "p_less": 0.2}, 0.05) == INCONCLUSIVE


@pytest.mark.parametrize("within", [5.0, -5.0])
def test_a_noisier_shift_table_never_scores_higher(within):
    clean = shift_result(shift_table(within)).verdict
    for noise in (0.005, 0.02, 0.1, 1.0):
        assert no_worse(shift_result(shift_table(within, noise=noise)).verdict, clean), noise
    assert shift_result(shift_table(within, noise=1.0)).verdict == INCONCLUSIVE  # drowned


def test_shift_predicts_not_testable_without_strata_and_for_a_cnn():
    table = shift_table(5.0, seeds=2)  # 2 checkpoints per stratum: no ρ to test
    assert shift_result(table).verdict == NOT_TESTABLE
    mine = {e.ids: e for e in REGISTRY if e.ids in (("shift_predicts",), ("mi_kept",))}
    assert {e.architectures for e in mine.values()} == {("mlp",)}  # a CNN study: not testable, never called
    assert mine[("shift_predicts",)].needs == ("saliency_shift",) and mine[("mi_kept",)].needs == ("mutual_info",)


# --------------------------------------------------------------------------- mutual information

MI_WIDTHS = (2, 4, 8, 16)


def unit_table(slope: float, seed: int = 0, noise: float = 0.0, seeds: int = 3) -> pd.DataFrame:
    """network_unit_table-like rows: each unit's MI is 0.3 + slope * |output weight| (+ noise)."""
    rng = np.random.default_rng(seed)
    rows = []
    for pair in PAIRS:
        for width in MI_WIDTHS:
            for s in range(seeds):
                w = rng.uniform(0.1, 1.0, width)
                mi = np.clip(0.3 + slope * w + noise * rng.standard_normal(width), 0, np.log(2))
                kept = w >= np.sort(w)[-max(width // 8, 1)] if width >= 8 else np.zeros(width, bool)
                rows += [{"pair": pair, "width": width, "seed": s, "unit": j, "scope": "layer",
                          "requested_sparsity": 95.0, "achieved_sparsity": 95.0, "label_entropy": np.log(2),
                          "mi": mi[j], "dead": False, "output_weight_abs": w[j], "output_weight_kept": kept[j],
                          "incoming_kept_frac": 0.05} for j in range(width)]
    return pd.DataFrame(rows)


def mi_result(units: pd.DataFrame):
    return mi_claims.mi_kept(study(mutual_info=mutual_info_tables.network_summary(units)), RULES)


@pytest.mark.parametrize("slope, noise, expected", [(0.3, 0.0, SUPPORTED), (0.3, 0.05, SUPPORTED),
                                                    (-0.3, 0.05, NOT_SUPPORTED), (0.0, 0.1, INCONCLUSIVE)])
def test_mi_kept_gives_each_verdict_on_its_evidence(slope, noise, expected):
    result = mi_result(unit_table(slope, noise=noise))
    assert result.verdict == expected
    e = result.estimate
    assert e.low <= e.value <= e.high and e.n == 36 and e.n_missing == 0
    if noise == 0:  # MI in the order of the output weights in every network: ρ = 1 exactly
        assert e.value == pytest.approx(1.0) and e.low > 0
    # Every width counts, though the AUC is defined only where the level keeps some weights.
    assert result.n == "36 of 36 networks in 12 pair × width strata (4 widths, 3 seeds)"
    assert "(mean over the 18 of 36 networks where defined)" in result.measured
    assert "ρ = 0" in result.null and "per-network Spearman" in result.test


def test_mi_kept_rule_reads_the_whole_interval():
    from lowcap.core.stats import Estimate

    est = lambda lo, v, hi: Estimate(v, lo, hi, 9, "networks", "test")  # noqa: E731
    assert mi_claims.rho_verdict(est(0.01, 0.2, 0.4)) == SUPPORTED
    assert mi_claims.rho_verdict(est(-0.01, 0.2, 0.4)) == INCONCLUSIVE
    assert mi_claims.rho_verdict(est(0.0, 0.2, 0.4)) == INCONCLUSIVE  # touching the line does not decide
    assert mi_claims.rho_verdict(est(-0.4, -0.2, -0.01)) == NOT_SUPPORTED
    assert mi_claims.rho_verdict(est(-0.4, -0.2, 0.0)) == INCONCLUSIVE


@pytest.mark.parametrize("slope", [0.3, -0.3])
def test_a_noisier_mi_table_never_scores_higher(slope):
    clean = mi_result(unit_table(slope)).verdict
    for noise in (0.05, 0.2, 1.0):
        assert no_worse(mi_result(unit_table(slope, noise=noise)).verdict, clean), noise


def test_mi_kept_counts_a_network_without_a_rho_as_missing():
    units = unit_table(0.3)
    dead = (units["pair"] == "0-1") & (units["width"] == 4) & (units["seed"] == 0)
    units.loc[dead, ["mi", "dead"]] = [0.0, True]  # every unit dead: MI all 0, no ranking
    result = mi_result(units)
    assert result.estimate.n == 35 and result.estimate.n_missing == 1
    assert result.n.startswith("35 of 36 networks")
