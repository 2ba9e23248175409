"""The IMP claims (lowcap.claims.imp): evidence built for every verdict each claim can give, the
control at the same budget, the round at the target level, and noisier evidence never scoring
higher."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lowcap.claims import imp as claims_imp
from lowcap.claims.registry import (INCONCLUSIVE, NOT_SUPPORTED, NOT_TESTABLE, OPEN, REGISTRY, SUPPORTED,
                                    Study)

RULES = {"confidence": 0.95}
LEVELS = [60, 84, 93.6, 95, 97.44]
EPOCHS = 30


def table(imp=-0.005, one_shot=-0.2, one_shot_ft=-0.05, noise=0.0, seeds=3, pairs=("0-1", "4-9"),
          widths=(4, 8, 16), control_gain=0.01, at=None, seed=0):
    """An IMP table as lowcap.analyses.imp.run_pair writes it. Each method's F1 is its reference plus its
    offset plus noise: IMP and one-shot+ft against the control at their budget (the dense F1 plus
    control_gain per round), one-shot against the dense F1. `at` {round: offsets} overrides the
    offsets at a round (default: the same at every round)."""
    rng = np.random.default_rng(seed)
    rows = []
    for pair in pairs:
        for width in widths:
            for s in range(seeds):
                base = {"pair": pair, "width": width, "seed": s}
                dense = 0.95 + 0.01 * rng.standard_normal()
                rows.append({**base, "method": "dense", "scope": "none", "round": 0, "stage": "pruned",
                             "budget_epochs": 0, "sparsity_total": 0.0, "val_f1": dense})
                for r, level in enumerate(LEVELS, start=1):
                    control = dense + control_gain * r
                    rows.append({**base, "method": "dense+ft", "scope": "none", "round": r, "stage": "finetuned",
                                 "budget_epochs": EPOCHS * r, "sparsity_total": 0.0, "val_f1": control})
                    off = {"imp": imp, "one-shot": one_shot, "one-shot+ft": one_shot_ft, **(at or {}).get(r, {})}
                    for scope in ("layer", "global"):
                        for method, stage, ref, budget in (("imp", "finetuned", control, EPOCHS * r),
                                                           ("one-shot", "pruned", dense, 0),
                                                           ("one-shot+ft", "finetuned", control, EPOCHS * r)):
                            rows.append({**base, "method": method, "scope": scope, "round": r, "stage": stage,
                                         "budget_epochs": budget, "sparsity_total": level + 0.01,
                                         "val_f1": ref + off[method] + noise * rng.standard_normal()})
    out = pd.DataFrame(rows)
    out["target_sparsity"] = 95.0
    out["tolerance_points"] = 1.0
    return out


def study(t, pool="test"):
    return Study("s", ("0-1", "4-9"), "mlp", pool, {"imp": t})


def verdicts(results):
    return {r.claim_id: r.verdict for r in results}


# --------------------------------------------------------------------------- IMP against one-shot


def test_imp_vs_one_shot_gives_each_verdict():
    assert set(verdicts(claims_imp.imp_vs_one_shot(study(table(imp=-0.005, one_shot=-0.2, noise=0.01)), RULES))
               .values()) == {SUPPORTED}
    assert set(verdicts(claims_imp.imp_vs_one_shot(study(table(imp=-0.2, one_shot=-0.005, noise=0.01)), RULES))
               .values()) == {NOT_SUPPORTED}
    spans = claims_imp.imp_vs_one_shot(study(table(imp=-0.05, one_shot=-0.05, noise=0.05, widths=(4,))), RULES)
    assert set(verdicts(spans).values()) == {INCONCLUSIVE}
    assert all(r.estimate.low < 0.5 < r.estimate.high for r in spans)


def test_imp_vs_one_shot_counts_the_controls_extra_training_against_imp():
    # IMP's raw F1 beats one-shot's by 5 points at the target round, but all of it is the control's
    # gain from training longer: against equally trained dense models both lose 2 points.
    t = table(imp=-0.02, one_shot=-0.02, control_gain=0.0125)  # 4 rounds x 1.25 points = 5 points
    rows = t[(t["round"] == 4) & (t["scope"] == "layer")]
    raw = rows.groupby("method")["val_f1"].mean()
    assert raw["imp"] - raw["one-shot"] == pytest.approx(0.05)
    results = claims_imp.imp_vs_one_shot(study(t), RULES)
    assert set(verdicts(results).values()) == {NOT_SUPPORTED}  # ties: P = 0.5 exactly, no improvement
    assert all(r.estimate.value == 0.5 for r in results)


def test_imp_vs_one_shot_ft_gives_each_verdict():
    assert set(verdicts(claims_imp.imp_vs_one_shot_ft(study(table(imp=-0.005, one_shot_ft=-0.05, noise=0.01)),
                                                      RULES)).values()) == {SUPPORTED}
    assert set(verdicts(claims_imp.imp_vs_one_shot_ft(study(table(imp=-0.05, one_shot_ft=-0.005, noise=0.01)),
                                                      RULES)).values()) == {NOT_SUPPORTED}
    spans = claims_imp.imp_vs_one_shot_ft(study(table(imp=-0.05, one_shot_ft=-0.05, noise=0.05, widths=(4,))),
                                          RULES)
    assert set(verdicts(spans).values()) == {INCONCLUSIVE}


def test_the_comparisons_are_read_at_the_round_of_the_target_level():
    # IMP wins at every round but 95% (round 4), where it loses: the verdict is round 4's.
    at = {4: {"imp": -0.3, "one-shot": -0.01, "one-shot+ft": -0.01}}
    for fn in (claims_imp.imp_vs_one_shot, claims_imp.imp_vs_one_shot_ft):
        results = fn(study(table(imp=0.0, one_shot=-0.3, one_shot_ft=-0.3, noise=0.01, at=at)), RULES)
        assert set(verdicts(results).values()) == {NOT_SUPPORTED}, fn.__name__
        assert all("95" in r.measured and "round 4" in r.measured for r in results)
        assert all(r.n == "3 seeds × 6 (pair, width) strata" for r in results)


# --------------------------------------------------------------------------- imp_95


def test_imp_95_gives_each_verdict():
    assert claims_imp.imp_95(study(table(imp=-0.001, noise=0.002)), RULES).verdict == SUPPORTED
    assert claims_imp.imp_95(study(table(imp=-0.1, noise=0.002)), RULES).verdict == NOT_SUPPORTED
    spans = claims_imp.imp_95(study(table(imp=-0.01, noise=0.03)), RULES)
    assert spans.verdict == INCONCLUSIVE
    assert spans.estimate.low < -0.01 < spans.estimate.high


def test_imp_95_is_judged_against_the_control_not_the_dense_model():
    # 0.5 point below the dense F1, but 5.5 points below the dense model trained as long.
    t = table(imp=-0.005 - 0.05, control_gain=0.0125, noise=0.002)
    imp_f1 = t.loc[(t["round"] == 4) & (t["method"] == "imp"), "val_f1"].mean()
    assert imp_f1 > t.loc[t["method"] == "dense", "val_f1"].mean() - 0.01  # within 1 point of dense
    assert claims_imp.imp_95(study(t), RULES).verdict == NOT_SUPPORTED


def test_imp_95_is_judged_at_95_not_at_the_next_round():
    holds_only_past_95 = {4: {"imp": -0.2}}
    assert claims_imp.imp_95(study(table(imp=0.0, noise=0.002, at=holds_only_past_95)), RULES).verdict == NOT_SUPPORTED
    fails_only_past_95 = {5: {"imp": -0.2}}
    result = claims_imp.imp_95(study(table(imp=0.0, noise=0.002, at=fails_only_past_95)), RULES)
    assert result.verdict == SUPPORTED and "95" in result.measured


def test_imp_95_holds_if_either_scope_achieves_it_and_fails_only_if_both_fail():
    t = table(imp=-0.001, noise=0.002)
    layer = (t["method"] == "imp") & (t["scope"] == "layer")
    t.loc[layer, "val_f1"] -= 0.2
    result = claims_imp.imp_95(study(t), RULES)
    assert result.verdict == SUPPORTED and "global" in result.measured
    t.loc[(t["method"] == "imp") & (t["scope"] == "global"), "val_f1"] -= 0.2
    assert claims_imp.imp_95(study(t), RULES).verdict == NOT_SUPPORTED


def test_imp_95_notes_the_test_pool():
    assert claims_imp.imp_95(study(table(), pool="test"), RULES).note
    assert not claims_imp.imp_95(study(table(), pool="train"), RULES).note


# --------------------------------------------------------------------------- every claim


CLAIMS = [claims_imp.imp_vs_one_shot, claims_imp.imp_vs_one_shot_ft, claims_imp.imp_95]


def as_list(got):
    return [got] if not isinstance(got, list) else got


@pytest.mark.parametrize("offsets", [dict(imp=-0.005, one_shot=-0.03, one_shot_ft=-0.02),
                                     dict(imp=-0.03, one_shot=-0.005, one_shot_ft=-0.005),
                                     dict(imp=-0.012, one_shot=-0.012, one_shot_ft=-0.012)])
def test_noisier_evidence_never_gets_a_more_favourable_verdict(offsets):
    for fn in CLAIMS:
        clean = {r.claim_id: r.verdict for r in as_list(fn(study(table(**offsets, noise=0.002)), RULES))}
        for noise in (0.01, 0.05, 0.2):
            noisy = {r.claim_id: r.verdict for r in as_list(fn(study(table(**offsets, noise=noise)), RULES))}
            for cid, v in noisy.items():
                # more noise can only take a decided verdict to inconclusive
                assert v in (clean[cid], INCONCLUSIVE), (cid, clean[cid], noise, v)


def test_every_row_names_its_test_null_and_n_and_is_an_open_question():
    for fn in CLAIMS:
        for r in as_list(fn(study(table(noise=0.01)), RULES)):
            assert r.kind == OPEN and r.test and r.null and "seeds ×" in r.n and r.estimate is not None


def test_without_an_imp_table_every_claim_is_not_testable():
    empty = study(table().iloc[:0])
    for fn in CLAIMS:
        assert {r.verdict for r in as_list(fn(empty, RULES))} == {NOT_TESTABLE}


def test_the_registry_holds_the_five_imp_claims_each_with_a_rule():
    entries = [e for e in REGISTRY if e.function.__module__ == "lowcap.claims.imp"]
    assert [cid for e in entries for cid in e.ids] == [
        "imp_vs_one_shot_layer", "imp_vs_one_shot_global", "imp_vs_one_shot_ft_layer", "imp_vs_one_shot_ft_global",
        "imp_95"]
    assert all(e.kind == OPEN and e.rule.startswith("supported iff") for e in entries)


def test_imp_95_uses_the_tables_tolerance():
    t = table(imp=-0.015, noise=0.001)  # 1.5 points below the control
    assert claims_imp.imp_95(study(t), RULES).verdict == NOT_SUPPORTED
    t["tolerance_points"] = 2.0
    assert claims_imp.imp_95(study(t), RULES).verdict == SUPPORTED


def test_imp_95_is_inconclusive_when_one_scope_fails_and_the_other_cannot_decide():
    t = table(imp=-0.01, noise=0.03)  # spans the line at both scopes
    t.loc[(t["method"] == "imp") & (t["scope"] == "layer"), "val_f1"] -= 0.3
    result = claims_imp.imp_95(study(t), RULES)
    assert result.verdict == INCONCLUSIVE, result.measured


def test_a_not_testable_row_still_names_its_claim_and_says_why():
    """Added by mutation testing: the not-testable rows keep their id, words, paper text and the
    reason, and show a dash in every measured cell (no number pretends to be evidence)."""
    empty = study(table().iloc[:0])
    rows = [r for fn in CLAIMS for r in as_list(fn(empty, RULES))]
    assert [r.claim_id for r in rows] == ["imp_vs_one_shot_layer", "imp_vs_one_shot_global",
                                          "imp_vs_one_shot_ft_layer", "imp_vs_one_shot_ft_global", "imp_95"]
    for r in rows:
        assert r.claim == r.claim_id.replace("_", " ") and r.paper == claims_imp.PAPER and r.kind == OPEN
        assert (r.measured, r.test, r.null, r.n) == ("—", "—", "—", "—")
        assert r.note == "not testable: the study built no IMP table"


# --------------------------------------------------------------------------- the cells, word for word
# Added by mutation testing (issue #15): each row's text and numbers, and the settings they read.


def fields(r) -> dict:
    return {k: v for k, v in r.__dict__.items() if k != "rule"}


def test_comparison_row_word_for_word():
    from lowcap.core import stats

    t = table(imp=-0.005, one_shot=-0.2, noise=0.01)
    r = claims_imp.imp_vs_one_shot(study(t), {"confidence": 0.95, "bootstrap_resamples": 500})[0]
    p = claims_imp.paired(t, "layer", "one-shot")
    assert fields(r) == {
        "claim_id": "imp_vs_one_shot_layer",
        "claim": "iterative pruning with fine-tuning loses less F1 at 95% sparsity than one-shot pruning without "
                 "fine-tuning, each against a dense model trained as long (scope layer)",
        "paper": claims_imp.PAPER, "verdict": SUPPORTED,
        "measured": "P(IMP better) 1 at 95% achieved (round 4, 120 epochs of fine-tuning; comparator at 95%); mean "
                    "gain 19 [19, 20] F1 points",
        "test": "probability of improvement (rliable), 95% stratified bootstrap; per stratum, seeds as runs; supported "
                "iff the interval lies above 0.5",
        "null": "P(IMP better) = 0.5: IMP (against the dense model trained as long) and one-shot (against the dense "
                "model) lose the same F1",
        "n": "3 seeds × 6 (pair, width) strata",
        "estimate": stats.probability_of_improvement(p.imp, p.other, 0.95, n_resamples=500), "note": "",
        "kind": OPEN}


def test_comparison_reads_its_resamples_and_shows_two_digits():
    from lowcap.core import stats

    t = table(imp=-0.05, one_shot=-0.05, noise=0.05, widths=(4,))
    p = claims_imp.paired(t, "global", "one-shot")
    for rules, n in (({"confidence": 0.95}, 2000), ({"confidence": 0.95, "bootstrap_resamples": 300}, 300)):
        r = claims_imp.imp_vs_one_shot(study(t), rules)[1]
        better = stats.probability_of_improvement(p.imp, p.other, 0.95, n_resamples=n)
        gain = stats.stratified_bootstrap(list((p.imp - p.other).T), 0.95, n_resamples=n)
        assert r.estimate == better and r.verdict == INCONCLUSIVE
        assert r.measured == (f"P(IMP better) {better.show(2)} at 95% achieved (round 4, 120 epochs of fine-tuning; "
                              f"comparator at 95%); mean gain {gain.show(2, 100)} F1 points")
        assert better.show(2) != better.show(3) and gain.show(2, 100) != gain.show(3, 100)


def test_a_comparison_needs_one_stratum_with_both_and_one_is_enough():
    t = table(seeds=1, pairs=("0-1",), widths=(4,))
    assert claims_imp.paired(t, "layer", "one-shot").imp.size == 1
    assert claims_imp.imp_vs_one_shot(study(t), RULES)[0].verdict != NOT_TESTABLE
    lacking = t[~((t["method"] == "one-shot") & (t["round"] == 4))]
    r = claims_imp.imp_vs_one_shot(study(lacking), RULES)[0]
    assert fields(r) == {"claim_id": "imp_vs_one_shot_layer", "claim": "imp vs one shot layer",
                         "paper": claims_imp.PAPER, "verdict": NOT_TESTABLE, "measured": "—", "test": "—",
                         "null": "—", "n": "—", "estimate": None,
                         "note": "not testable: no stratum has both IMP and the comparator at the target round",
                         "kind": OPEN}
    assert claims_imp.tolerance_of(t.iloc[:1]) == 1.0


def test_imp_95_reads_its_resamples():
    r = claims_imp.imp_95(study(table(noise=0.01)), {"confidence": 0.95, "bootstrap_resamples": 500})
    assert r.estimate.method == "98% stratified bootstrap (500 resamples of seeds within strata)"
    assert r.measured == ("layer: IMP − control -0.77 [-1.1, -0.46] F1 points at 95% (round 4); global: IMP − control "
                          "-0.7 [-1.2, -0.19] F1 points at 95% (round 4)")


def test_paired_reads_its_scope_its_methods_and_their_own_sparsity_and_budget():
    t = table(noise=0.01)
    t.loc[t["method"] == "one-shot", "sparsity_total"] -= 10  # one-shot's own level, not IMP's
    t.loc[(t["method"] == "imp") & (t["scope"] == "global"), "sparsity_total"] -= 3  # global: 94.45 at round 5
    t.loc[t["method"] == "one-shot+ft", "budget_epochs"] += 5
    layer = claims_imp.paired(t, "layer", "one-shot")
    assert (layer.round, layer.budget) == (4, 120)
    assert (layer.achieved, layer.other_achieved) == (pytest.approx(95.01), pytest.approx(85.01))
    assert claims_imp.target_round(claims_imp.judged(t), "layer", 95.0) == (4, pytest.approx(95.01))
    glob = claims_imp.paired(t, "global", "one-shot+ft")
    assert (glob.round, glob.budget, glob.achieved) == (5, 150, pytest.approx(94.45))
    rel = claims_imp.judged(t)
    at = rel[(rel["scope"] == "layer") & (rel["round"] == 4) & (rel["method"] == "imp")]
    expected = at.pivot_table(index="seed", columns=["pair", "width"], values="relative").to_numpy()
    assert np.array_equal(layer.imp, expected)
    r = claims_imp.imp_vs_one_shot(study(t), RULES)[0]
    assert "(round 4, 120 epochs of fine-tuning; comparator at 85%)" in r.measured


def test_paired_leaves_out_every_stratum_either_method_lacks():
    t = table()
    at4 = (t["round"] == 4) & (t["scope"] == "layer")
    both_nan = at4 & t["method"].isin(["imp", "one-shot"]) & (t["pair"] == "0-1") & (t["width"] == 4)
    t.loc[both_nan, "val_f1"] = np.nan  # neither has a value
    no_one_shot = at4 & (t["method"] == "one-shot") & (t["pair"] == "4-9") & (t["width"] == 8)
    seed_gone = at4 & (t["method"] == "one-shot") & (t["pair"] == "4-9") & (t["width"] == 16) & (t["seed"] == 2)
    imp_nan = at4 & (t["method"] == "imp") & (t["pair"] == "0-1") & (t["width"] == 8) & (t["seed"] == 1)
    t.loc[imp_nan, "val_f1"] = np.nan  # IMP lacks one seed, one-shot has all three
    p = claims_imp.paired(t[~(no_one_shot | seed_gone)], "layer", "one-shot")
    assert p.imp.shape == p.other.shape == (3, 2) and p.n_missing == 4
    assert p.strata == [("0-1", 16), ("4-9", 4)]
    assert p.n == "3 seeds × 2 (pair, width) strata (4 strata missing)"


def test_the_target_level_is_the_tables_own():
    t = table()
    assert claims_imp.target_of(t.assign(target_sparsity=84.0)) == 84.0
    assert claims_imp.target_of(t.drop(columns="target_sparsity")) == claims_imp.DEFAULT_TARGET == 95.0
    assert claims_imp.paired(t.assign(target_sparsity=84.0), "layer", "one-shot").round == 2


def test_open_verdict_lines_and_a_seed_imp_never_ran():
    from lowcap.core.stats import Estimate

    e = lambda lo, hi: Estimate((lo + hi) / 2, lo, hi, 9, "runs", "t")  # noqa: E731
    assert claims_imp.open_verdict(e(-0.03, -0.01), -0.01, at_line_decides=False) == INCONCLUSIVE  # touches
    assert claims_imp.open_verdict(e(-0.03, -0.0101), -0.01, at_line_decides=False) == NOT_SUPPORTED
    assert claims_imp.open_verdict(e(0.3, 0.5), 0.5, at_line_decides=True) == NOT_SUPPORTED  # no improvement
    assert claims_imp.open_verdict(e(0.5, 0.7), 0.5, at_line_decides=True) == INCONCLUSIVE
    t = table()
    assert claims_imp.target_of(t.iloc[:1]) == 95.0
    gone = t[~((t["method"] == "imp") & (t["seed"] == 2) & (t["round"] == 4))]  # IMP's seed 2 stopped early
    p = claims_imp.paired(gone, "layer", "one-shot")
    assert p.imp.size == 0 and p.n_missing == 6
    assert claims_imp.imp_vs_one_shot(study(gone), RULES)[0].verdict == NOT_TESTABLE


def test_the_default_resamples_are_2000_and_the_gain_reads_the_configured_ones():
    from lowcap.core import stats

    t = table(imp=-0.03, one_shot=-0.05, noise=0.02, widths=(4, 8), seed=1)
    p = claims_imp.paired(t, "global", "one-shot")
    r = claims_imp.imp_vs_one_shot(study(t), RULES)[1]
    assert r.estimate == stats.probability_of_improvement(p.imp, p.other, 0.95, n_resamples=2000)
    r = claims_imp.imp_vs_one_shot(study(t), {**RULES, "bootstrap_resamples": 300})[1]
    gain = stats.stratified_bootstrap(list((p.imp - p.other).T), 0.95, n_resamples=300)
    assert r.measured.endswith(f"; mean gain {gain.show(2, 100)} F1 points") and gain.show(2, 100) == "1.4 [0.65, 2.2]"
