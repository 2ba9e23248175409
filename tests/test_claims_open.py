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


# --------------------------------------------------------------------------- the cells, word for word
# Added by mutation testing (issue #15): the claims table shows these strings, so each row's text,
# numbers and the rows a claim reads are pinned here.

SHIFT_TEXT = ("the shift of the saliency map under corruption predicts the F1 drop (gradient maps; Spearman within "
              "each pair × width over seeds, shift and drop averaged over the corruption levels)")


def predicts_row(**kw) -> dict:
    row = {"pair": "all", "method": "gradient", "scope": saliency_shift_tables.CHECKPOINT, "n_checkpoints": 40,
           "n_points": 36, "n_strata_grid": 13, "n_strata": 12, "n_seeds": 3, "n_images": 32, "mean_rho": 0.61,
           "median_rho": 0.55, "p_greater": 0.0012, "p_less": 0.98, "pooled_rho": 0.18}
    return {**row, **kw}


def test_shift_predicts_row_word_for_word():
    r = shift_claims.shift_predicts(study(saliency_shift=pd.DataFrame([predicts_row()])), RULES)
    assert {k: v for k, v in r.__dict__.items() if k != "rule"} == {
        "claim_id": "shift_predicts", "claim": SHIFT_TEXT, "paper": "how reasoning shifts (open question)",
        "verdict": SUPPORTED,
        "measured": "mean within-stratum ρ 0.61 (median 0.55); one-sided p 0.0012 (larger shift, larger drop), 0.98 "
                    "(the reverse); pooled over strata ρ 0.18 (confounded by pair and width, not judged)",
        "test": "stratified permutation test of the mean within-stratum Spearman ρ (F1 drops permuted within each "
                "pair × width), one-sided, alpha 0.05",
        "null": "ρ = 0 within every stratum: the F1 drop is unrelated to the map shift",
        "n": "36 of 40 checkpoints in 12 of 13 pair × width strata (3 seeds), 32 images per map", "estimate": None,
        "note": "", "kind": "open question"}
    undefined = shift_claims.shift_predicts(study(saliency_shift=pd.DataFrame([predicts_row(pooled_rho=np.nan)])),
                                            {**RULES, "alpha": 0.001})
    assert undefined.verdict == INCONCLUSIVE and "pooled over strata ρ — (confounded" in undefined.measured
    assert "one-sided, alpha 0.001" in undefined.test
    assert shift_claims._show(None) == "—" and shift_claims._show(-0.123) == "-0.12"
    down = {"p_greater": 0.99, "p_less": 0.05, "median_rho": -0.5}
    assert shift_claims.shift_verdict(down, 0.05) == INCONCLUSIVE  # p = alpha decides neither way
    assert shift_claims.shift_verdict({**down, "p_less": 0.0499}, 0.05) == NOT_SUPPORTED
    assert shift_claims.shift_verdict({**down, "p_less": 0.0499, "median_rho": 0.0}, 0.05) == INCONCLUSIVE


def test_shift_predicts_reads_only_the_checkpoint_row_of_every_pair_and_the_gradient_maps():
    others = [predicts_row(pair="0-1", p_greater=0.9), predicts_row(method="saliency", p_greater=0.9),
              predicts_row(scope="level", p_greater=0.9)]
    row = shift_claims.checkpoint_row(pd.DataFrame([*others, predicts_row()]))
    assert shift_claims.checkpoint_row(pd.DataFrame([predicts_row(n_strata=1)]))["n_strata"] == 1  # one is enough
    assert row["p_greater"] == 0.0012 and row["pair"] == "all"
    for rows in (others, [predicts_row(), predicts_row()], [predicts_row(n_strata=0)]):
        assert shift_claims.checkpoint_row(pd.DataFrame(rows)) is None
    none = shift_claims.shift_predicts(study(saliency_shift=pd.DataFrame(others)), RULES)
    assert {k: v for k, v in none.__dict__.items() if k != "rule"} == {
        "claim_id": "shift_predicts", "claim": SHIFT_TEXT, "paper": "how reasoning shifts (open question)",
        "verdict": NOT_TESTABLE, "measured": "—", "test": "—", "null": "—", "n": "—", "estimate": None,
        "note": "no (pair, width) stratum with 3 checkpoints", "kind": "open question"}


MI_TEXT = ("magnitude pruning keeps the units with high mutual information with the label (Spearman of unit MI and "
           "|output weight| per network; 0 = unrelated)")
MI_PAPER = "MI may quantify specialization (open question)"


def test_mi_kept_row_word_for_word():
    from lowcap.core.stats import Estimate

    r = mi_result(unit_table(0.3, noise=0.05))
    e = r.estimate
    assert {k: v for k, v in r.__dict__.items() if k != "rule"} == {
        "claim_id": "mi_kept", "claim": MI_TEXT, "paper": MI_PAPER, "verdict": SUPPORTED,
        "measured": "mean ρ 0.76 [0.67, 0.84]; kept-vs-pruned AUC at 95% layer 0.89 (mean over the 18 of 36 networks "
                    "where defined)",
        "test": "mean over pair × width strata of the per-network Spearman ρ; 95% stratified bootstrap (500 resamples "
                "of networks within strata)",
        "null": "ρ = 0: magnitude pruning is blind to MI",
        "n": "36 of 36 networks in 12 pair × width strata (4 widths, 3 seeds)",
        "estimate": Estimate(e.value, e.low, e.high, 36, "networks in 12 strata",
                             "95% stratified bootstrap (500 resamples of networks within strata)"),
        "note": "", "kind": "open question"}
    assert (e.value, e.low, e.high) == (pytest.approx(0.76486, abs=1e-5), pytest.approx(0.67204, abs=1e-5),
                                        pytest.approx(0.84328, abs=1e-5))
    # Each stratum weighs the same: the mean over strata of the mean over seeds.
    summary = mutual_info_tables.network_summary(unit_table(0.3, noise=0.05))
    by_stratum = summary.groupby(["pair", "width"])[mi_claims.STATISTIC].mean().mean()
    assert e.value == pytest.approx(by_stratum)
    # The bootstrap draws stratum by stratum in (pair, width) order, whatever the order of the strata's rows.
    reversed_strata = summary.sort_values(["pair", "width"], ascending=False, kind="stable")
    shuffled = mi_claims.per_network_rho(reversed_strata, RULES)
    assert (shuffled.low, shuffled.high) == (e.low, e.high)


def test_mi_kept_without_its_statistic_or_any_defined_rho_is_not_testable():
    summary = mutual_info_tables.network_summary(unit_table(0.3))
    for table in (summary.drop(columns=[mi_claims.STATISTIC]), summary.iloc[:0]):
        r = mi_claims.mi_kept(study(mutual_info=table), RULES)
        assert {k: v for k, v in r.__dict__.items() if k != "rule"} == {
            "claim_id": "mi_kept", "claim": MI_TEXT, "paper": MI_PAPER, "verdict": NOT_TESTABLE, "measured": "—",
            "test": "—", "null": "—", "n": "—", "estimate": None,
            "note": "the MI table has no spearman_mi_output_weight column (rebuild it)", "kind": "open question"}
    assert mi_claims.mi_kept(Study("t", PAIRS, "mlp", "test", {"mutual_info": None}), RULES).verdict == NOT_TESTABLE
    r = mi_claims.mi_kept(study(mutual_info=summary.assign(**{mi_claims.STATISTIC: np.nan})), RULES)
    assert (r.verdict, r.measured, r.test, r.null, r.kind) == (NOT_TESTABLE, "—", "—", "—", "open question")
    assert r.n == "0 of 36 networks in 0 pair × width strata (4 widths, 3 seeds)"
    assert r.note == "no network with units of differing MI" and r.estimate.n_missing == 36


def test_mi_auc_text_says_where_it_is_defined():
    summary = mutual_info_tables.network_summary(unit_table(0.3))
    assert mi_claims.auc_text(summary.assign(auc_kept_vs_pruned=np.nan)) == \
        "kept-vs-pruned AUC at 95% layer: defined on no network"
    two = summary.iloc[:2].assign(auc_kept_vs_pruned=[0.25, np.nan], requested_sparsity=99.5, scope="global")
    assert mi_claims.auc_text(two) == ("kept-vs-pruned AUC at 99.5% global 0.25 (mean over the 1 of 2 networks "
                                       "where defined)")
    one = summary.iloc[:1].assign(auc_kept_vs_pruned=0.5)
    assert mi_claims.auc_text(one) == ("kept-vs-pruned AUC at 95% layer 0.50 (mean over the 1 of 1 networks "
                                       "where defined)")
    assert mi_claims.rho_verdict(mi_claims.per_network_rho(summary, RULES)) == SUPPORTED
