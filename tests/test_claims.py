"""The claims registry and the capacity and robustness claims: evidence built for each verdict a
claim can give, the inverted rules caught, noisier evidence never more favourable, the claims job
and the rendered table (the end-to-end run of the claims job is in tests/test_pipeline.py)."""

import math

import numpy as np
import pandas as pd
import pytest

from lowcap import claims
from lowcap.claims import capacity, registry, robustness, table
from lowcap.claims.registry import (FAVOUR, INCONCLUSIVE, NOT_REPRODUCED, NOT_TESTABLE, PARTLY, REPRODUCED,
                                    TEST_POOL_NOTE, Study)
from lowcap.core.stats import Capacity

RULES = {"confidence": 0.95, "alpha": 0.05, "bootstrap_resamples": 500, "capacity_split": "val",
         "capacity_statistic": "best_f1", "strict_success_points": 1, "noise_sigma": 0.3, "occlusion_size": 7,
         "occlusion_f1_tolerance": 0.02, "paper_min_width": {"0-1": [4, 6], "1-7": [10, None], "4-9": [12, 24]},
         "paper_occlusion_f1": {"24": 0.847, "48": 0.860, "64": 0.862},
         "paper_fig3_4_9_median_train_f1": [0.62, 0.75, 0.76, 0.79, 0.82, 0.87, 0.79, 0.88, 0.90, 0.90, 0.92]}
WIDTHS = [2, 4, 6, 8, 10, 12, 16, 24, 32, 48, 64]
SEEDS = [0, 42, 78]


# --------------------------------------------------------------------------- evidence builders


def histories(minima: dict[str, list[float]], widths=WIDTHS) -> pd.DataFrame:
    """A training history in which pair p, seed i succeeds (F1 0.95) from width minima[p][i] on and
    fails (0.80) below it; inf: never. Both splits, one epoch."""
    rows = []
    for pair, per_seed in minima.items():
        for seed, first in zip(SEEDS, per_seed):
            for w in widths:
                f1 = 0.95 if w >= first else 0.80
                rows += [{"pair": pair, "width": w, "seed": seed, "split": split, "epoch": 1, "f1": f1}
                         for split in ("train", "val")]
    return pd.DataFrame(rows)


def study(tables: dict, pairs=None, architecture="mlp", pool="train") -> Study:
    if pairs is None:
        pairs = tuple(dict.fromkeys(next(iter(tables.values()))["pair"]))
    return Study("s", tuple(pairs), architecture, pool, tables)


def by_id(results, cid):
    (r,) = [r for r in (results if isinstance(results, list) else [results]) if r.claim_id == cid]
    return r


def robustness_table(drop_of, pairs=("4-9",), widths=(8, 16, 24, 32, 48, 64), clean_of=lambda w: 0.97,
                     occluded=None) -> pd.DataFrame:
    """Clean F1 clean_of(width); noisy and occluded F1 = clean - drop_of(pair, seed, width)."""
    rows = []
    for pair in pairs:
        for seed in SEEDS:
            for w in widths:
                clean = clean_of(w)
                drop = drop_of(pair, seed, w)
                rows += [{"pair": pair, "seed": seed, "width": w, "corruption": "clean", "sigma": 0.0, "f1": clean},
                         {"pair": pair, "seed": seed, "width": w, "corruption": "noise", "sigma": 0.3,
                          "f1": clean - drop},
                         {"pair": pair, "seed": seed, "width": w, "corruption": "occlusion", "sigma": math.nan,
                          "f1": occluded(seed, w) if occluded else clean - drop}]
    return pd.DataFrame(rows)


def occlusion_table(per_width_seeds: dict[int, list[float]]) -> pd.DataFrame:
    rows = []
    for w, values in per_width_seeds.items():
        for seed, f1 in zip(SEEDS, values):
            rows += [{"pair": "4-9", "seed": seed, "width": w, "corruption": "clean", "sigma": 0.0, "f1": 0.97},
                     {"pair": "4-9", "seed": seed, "width": w, "corruption": "occlusion", "sigma": math.nan,
                      "f1": f1}]
    return pd.DataFrame(rows)


def baseline(values, pair="4-9"):
    return pd.DataFrame({"pair": pair, "seed": SEEDS[:len(values)], "val_f1": values})


# --------------------------------------------------------------------------- every verdict of every claim
# (claim function, the study's tables, the claim id, the verdict the evidence must get)

RANGE_PAIRS = {"0-1": [4, 6], "4-9": [12, 24]}
CASES = [
    # minimum width per pair, against the paper's range
    ("min_width", {"histories": histories({"0-1": [4, 6, 4]})}, "min_width_0-1", REPRODUCED),
    ("min_width", {"histories": histories({"0-1": [2, 2, 2]})}, "min_width_0-1", NOT_REPRODUCED),  # ≤ 2: below
    ("min_width", {"histories": histories({"4-9": [math.inf] * 3})}, "min_width_4-9", NOT_REPRODUCED),  # > 64
    ("min_width", {"histories": histories({"0-1": [2, 4, 6]})}, "min_width_0-1", INCONCLUSIVE),  # ≤ 2, 4, 6
    ("min_width", {"histories": histories({"0-1": [2, 8, 8]})}, "min_width_0-1", INCONCLUSIVE),  # both sides
    ("min_width", {"histories": histories({"1-7": [12, 16, math.inf]})}, "min_width_1-7", REPRODUCED),  # ≥ 10
    ("min_width", {"histories": histories({"3-8": [4, 4, 4]})}, "min_width_3-8", NOT_TESTABLE),  # no paper range
    ("min_params", {"histories": histories({"0-1": [4, 6, 6]})}, "min_params_0-1", REPRODUCED),
    ("min_params", {"histories": histories({"0-1": [2, 2, 2]})}, "min_params_0-1", NOT_REPRODUCED),
    ("min_params", {"histories": histories({"0-1": [2, 6, 8]})}, "min_params_0-1", INCONCLUSIVE),
    ("min_width_fig3", {"histories": histories({"4-9": [12, 16, 24]})}, "min_width_4-9_fig3", REPRODUCED),
    ("min_width_fig3", {"histories": histories({"4-9": [48, 64, 48]})}, "min_width_4-9_fig3", NOT_REPRODUCED),
    ("min_width_fig3", {"histories": histories({"4-9": [8, 16, 48]})}, "min_width_4-9_fig3", INCONCLUSIVE),
    ("min_width_fig3", {"histories": histories({"0-1": [8, 16, 48]})}, "min_width_4-9_fig3", NOT_TESTABLE),
    # growth with difficulty (pairs easy to hard)
    ("min_width_grows", {"histories": histories({"a": [2, 2, 4], "b": [4, 6, 6], "c": [8, 8, 10], "d": [12, 16, 16],
                                                 "e": [24, math.inf, 32]})}, "min_width_grows", REPRODUCED),
    ("min_width_grows", {"histories": histories({p: [2, 2, 2] for p in "abcde"})}, "min_width_grows",
     NOT_REPRODUCED),
    ("min_width_grows", {"histories": histories({"a": [2] * 3, "b": [2] * 3, "c": [2] * 3, "d": [2] * 3,
                                                 "e": [4] * 3})}, "min_width_grows", INCONCLUSIVE),
    ("min_width_grows", {"histories": histories({"a": [2, 2, 12], "b": [4] * 3, "c": [6] * 3, "d": [8] * 3,
                                                 "e": [12] * 3})}, "min_width_grows", INCONCLUSIVE),  # a trend, but
    # on seed 78 the hardest pair needs no more than the easiest
    ("min_width_grows", {"histories": histories({p: [math.inf] * 3 for p in "abcde"})}, "min_width_grows",
     INCONCLUSIVE),  # every pair beyond the grid's ceiling: growth undecided, not absent
    ("min_width_grows", {"histories": histories({"a": [24] * 3, "b": [12] * 3, "c": [8] * 3, "d": [4] * 3,
                                                 "e": [2] * 3})}, "min_width_grows", NOT_REPRODUCED),
    ("min_params_grows", {"histories": histories({"a": [2, 2, 4], "b": [4, 6, 6], "c": [8, 8, 10],
                                                  "d": [12, 16, 16], "e": [24, 48, 32]})}, "min_params_grows",
     REPRODUCED),
    ("min_params_grows", {"histories": histories({p: [4, 4, 4] for p in "abcde"})}, "min_params_grows",
     NOT_REPRODUCED),
    ("min_params_grows", {"histories": histories({"a": [2, 8, 2], "b": [6, 2, 4], "c": [8, 4, 2], "d": [4, 2, 8],
                                                  "e": [8, 4, 4]})}, "min_params_grows", INCONCLUSIVE),
    # the no-hidden-layer baseline on the hardest pair
    ("baseline_hardest", {"baseline": baseline([0.80, 0.82, 0.81])}, "baseline_hardest", REPRODUCED),
    ("baseline_hardest", {"baseline": baseline([0.95, 0.96, 0.955])}, "baseline_hardest", NOT_REPRODUCED),
    ("baseline_hardest", {"baseline": baseline([0.85, 0.95, 0.92])}, "baseline_hardest", INCONCLUSIVE),
    # the trend of the F1 drop over widths that succeed clean
    ("robustness_noise", {"robustness": robustness_table(lambda p, s, w: 0.4 / w + 0.001 * s)}, "robustness_noise",
     REPRODUCED),
    ("robustness_noise", {"robustness": robustness_table(lambda p, s, w: 0.001 * w + 0.001 * s)},
     "robustness_noise", NOT_REPRODUCED),
    ("robustness_noise", {"robustness": robustness_table(lambda p, s, w: (0.4 / w if p == "0-1" else 0.001 * w),
                                                         pairs=("0-1", "4-9"))}, "robustness_noise", PARTLY),
    ("robustness_noise", {"robustness": robustness_table(lambda p, s, w: 0.05 + 0.01 * ((w * 7 + s) % 5))},
     "robustness_noise", INCONCLUSIVE),
    ("robustness_occlusion", {"robustness": robustness_table(lambda p, s, w: 0.5 / w)}, "robustness_occlusion",
     REPRODUCED),
    ("robustness_occlusion", {"robustness": robustness_table(lambda p, s, w: 0.002 * w)}, "robustness_occlusion",
     NOT_REPRODUCED),
    ("robustness_occlusion", {"robustness": robustness_table(lambda p, s, w: 0.5 / w if p == "0-1" else 0.002 * w,
                                                             pairs=("0-1", "4-9"))}, "robustness_occlusion", PARTLY),
    ("robustness_occlusion", {"robustness": robustness_table(lambda p, s, w: 0.1, widths=(2, 4, 8))},
     "robustness_occlusion", INCONCLUSIVE),
    # the paper's occlusion F1 on 4-9 (0.847 at width 24, tolerance 0.02)
    ("occlusion_f1", {"robustness": occlusion_table({24: [0.846, 0.848, 0.85]})}, "occlusion_f1_w24", REPRODUCED),
    ("occlusion_f1", {"robustness": occlusion_table({24: [0.70, 0.72, 0.71]})}, "occlusion_f1_w24", NOT_REPRODUCED),
    ("occlusion_f1", {"robustness": occlusion_table({24: [0.80, 0.85, 0.90]})}, "occlusion_f1_w24", INCONCLUSIVE),
    ("occlusion_f1", {"robustness": occlusion_table({48: [0.86, 0.86, 0.86]})}, "occlusion_f1_w24", NOT_TESTABLE),
]
FUNCTIONS = {"min_width": capacity.min_width, "min_params": capacity.min_params,
             "min_width_fig3": capacity.min_width_fig3, "min_width_grows": capacity.min_width_grows,
             "min_params_grows": capacity.min_params_grows, "baseline_hardest": capacity.baseline_hardest,
             "robustness_noise": robustness.robustness_noise, "robustness_occlusion": robustness.robustness_occlusion,
             "occlusion_f1": robustness.occlusion_f1}


def verdict_of(name, tables, cid, rules=RULES, **kw):
    return by_id(FUNCTIONS[name](study(tables, **kw), rules), cid)


@pytest.mark.parametrize("name, tables, cid, verdict", CASES, ids=[f"{c[2]}-{c[3]}" for c in CASES])
def test_each_verdict(name, tables, cid, verdict):
    r = verdict_of(name, tables, cid)
    assert r.verdict == verdict, r.measured
    assert r.kind == registry.PAPER
    if verdict != NOT_TESTABLE:
        assert r.test not in ("", "—") and r.null not in ("", "—") and r.n not in ("", "—"), r


def test_every_claim_of_mine_has_a_case_for_each_verdict_it_can_give():
    given = {}
    for name, _, _, verdict in CASES:
        given.setdefault(name, set()).add(verdict)
    for name in ("min_width", "min_params", "min_width_fig3", "baseline_hardest", "occlusion_f1"):
        assert {REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE} <= given[name], name
    for name in ("robustness_noise", "robustness_occlusion"):
        assert {REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE, PARTLY} <= given[name], name


def test_swapping_reproduced_and_not_reproduced_in_any_rule_fails_a_case(monkeypatch):
    """The verdict cases catch an inverted rule: with the two verdicts swapped in a claim module,
    some case of every claim of that module gets the wrong verdict."""
    for module in (capacity, robustness):
        with monkeypatch.context() as m:
            m.setattr(module, "REPRODUCED", NOT_REPRODUCED)
            m.setattr(module, "NOT_REPRODUCED", REPRODUCED)
            wrong = {name for name, tables, cid, verdict in CASES
                     if FUNCTIONS[name].__module__ == module.__name__
                     and verdict_of(name, tables, cid).verdict != verdict}
        assert wrong == {n for n, f in FUNCTIONS.items() if f.__module__ == module.__name__}, module


# --------------------------------------------------------------------------- noisier evidence never helps


def spread(table: pd.DataFrame, by: list[str], column: str, factor: float, low=0.0, high=1.0) -> pd.DataFrame:
    """The same evidence with the seeds' deviations from their mean multiplied by `factor`."""
    out = table.copy()
    mean = out.groupby(by)[column].transform("mean")
    out[column] = np.clip(mean + factor * (out[column] - mean), low, high)
    return out


SPREAD_KEYS = {"histories": ["pair", "width", "split", "epoch"], "baseline": ["pair"],
               "robustness": ["pair", "width", "corruption", "sigma"]}


def noisier(tables: dict, factor: float) -> dict:
    return {k: spread(t, SPREAD_KEYS[k], "f1" if k != "baseline" else "val_f1", factor) if k != "robustness" else
            spread(t.fillna({"sigma": -1}), SPREAD_KEYS[k], "f1", factor).replace({"sigma": {-1: math.nan}})
            for k, t in tables.items()}


def no_more_favourable(clean: str, noisy: str) -> bool:
    """A noisier copy may lose a verdict, or become inconclusive; it may never gain one."""
    return FAVOUR[noisy] <= max(FAVOUR[clean], FAVOUR[INCONCLUSIVE])


def seeded_histories(rng) -> pd.DataFrame:
    rows = []
    for pair, level in zip("abc", (0.0, 0.02, 0.04)):
        for seed in SEEDS:
            for w in WIDTHS:
                f1 = min(1.0, 0.80 + 0.06 * math.log2(w) - level + rng.normal(0, 0.03))
                rows += [{"pair": p, "width": w, "seed": seed, "split": sp, "epoch": 1, "f1": f1}
                         for p in [pair] for sp in ("train", "val")]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("factor", [1.5, 3.0, 6.0])
def test_widening_the_seed_spread_never_makes_a_verdict_more_favourable(factor):
    for name, tables, cid, _ in CASES:
        clean, noisy = verdict_of(name, tables, cid).verdict, verdict_of(name, noisier(tables, factor), cid).verdict
        assert no_more_favourable(clean, noisy), (cid, clean, noisy)
    rules = {**RULES, "paper_min_width": {"a": [4, 6], "b": [8, 12], "c": [10, None]}}
    for trial in range(4):
        tables = {"histories": seeded_histories(np.random.default_rng(trial))}
        for r in registry_claims(tables, rules):
            noisy = by_id(FUNCTIONS[r[0]](study(noisier(tables, factor)), rules), r[1]).verdict
            assert no_more_favourable(r[2], noisy), (trial, r, noisy)


def registry_claims(tables, rules):
    out = []
    for name in ("min_width", "min_params", "min_width_grows", "min_params_grows"):
        got = FUNCTIONS[name](study(tables), rules)
        out += [(name, r.claim_id, r.verdict) for r in (got if isinstance(got, list) else [got])]
    return out


def test_a_wider_interval_around_the_papers_occlusion_f1_is_never_reproduced():
    tight = verdict_of("occlusion_f1", {"robustness": occlusion_table({24: [0.846, 0.847, 0.848]})},
                       "occlusion_f1_w24")
    wide = verdict_of("occlusion_f1", {"robustness": occlusion_table({24: [0.78, 0.847, 0.914]})},
                      "occlusion_f1_w24")
    assert (tight.verdict, wide.verdict) == (REPRODUCED, INCONCLUSIVE)  # the old rule said "partly"
    one = verdict_of("occlusion_f1", {"robustness": occlusion_table({24: [0.847]})}, "occlusion_f1_w24")
    assert one.verdict == INCONCLUSIVE  # one seed: no interval, no verdict


# --------------------------------------------------------------------------- capacity details


@pytest.mark.parametrize("cap, low, high, side", [
    (Capacity(2, "left", False), 4, 6, capacity.BELOW),  # ≤ 2 is below [4, 6]
    (Capacity(4, "left", False), 4, 6, capacity.UNKNOWN),  # ≤ 4 may be 4 or less
    (Capacity(math.inf, "right", False), 12, 24, capacity.ABOVE),  # > 64 is above [12, 24]
    (Capacity(math.inf, "right", False), 10, None, capacity.INSIDE),  # > 64 is inside [10, ∞)
    (Capacity(5, None, False), 4, 6, capacity.INSIDE),
    (Capacity(8, None, False), 4, 6, capacity.ABOVE),
    (Capacity(2, None, False), 4, 6, capacity.BELOW),
])
def test_censored_minima_compare_by_their_bound(cap, low, high, side):
    assert capacity.range_side(capacity.Minimum.of(cap, 64), low, high) == side


def test_the_minimum_says_its_seeds_its_direction_and_contains_its_value():
    r = verdict_of("min_width", {"histories": histories({"4-9": [48, math.inf, 32]})}, "min_width_4-9")
    assert r.verdict == NOT_REPRODUCED and r.measured.startswith("> 64 (seeds: 48, > 64, 32)") or \
        r.measured.startswith("48 (seeds: 48, > 64, 32)"), r.measured
    assert "more units than the paper" in r.measured
    assert r.estimate.low <= r.estimate.value <= r.estimate.high
    below = verdict_of("min_width", {"histories": histories({"0-1": [2, 2, 2]})}, "min_width_0-1")
    assert below.measured == "≤ 2 (seeds: ≤ 2, ≤ 2, ≤ 2); fewer units than the paper"


def test_parameter_interval_always_contains_its_value():
    """Issue 15, finding 6: "7861 [3145, 4717]"; the mean curve's minimum may lie outside the
    per-seed minima, and the interval then stretches to hold it."""
    h = histories({"3-8": [6, 6, 4]})
    # Seed 78 fails at width 8 and 10: not monotone; its minimum is 12, the mean curve's 10.
    h.loc[(h.seed == 78) & h.width.isin([8, 10]), "f1"] = 0.5
    h.loc[(h.seed == 0) & (h.width == 10), "f1"] = 0.99
    rules = {**RULES, "paper_min_width": {"3-8": [10, None]}}
    r = by_id(capacity.min_params(study({"histories": h}), rules), "min_params_3-8")
    e = r.estimate
    assert e.low <= e.value <= e.high and "not monotone in width on 1 of 3 seeds" in r.measured


def test_growth_ranks_ties_against_the_trend_and_a_missing_pair_is_never_reproduced():
    ranks = capacity.ranks_against_trend(np.array([[2.0, 2, 2, 2, 4], [2, 4, 4, math.inf, math.inf]]))
    assert ranks.tolist() == [[4, 3, 2, 1, 5], [1, 3, 2, 5, 4]]
    m = lambda v: capacity.Minimum(v, None, False, 64)  # noqa: E731
    minima = {"a": {0: m(2), 1: m(2)}, "b": {0: m(8)}, "c": {0: m(24), 1: m(32)}}
    r = capacity.growth_result(minima, ["a", "b", "c"], RULES, "g", "grows")
    assert r.verdict != REPRODUCED and "1 seeds missing a pair" in r.n
    assert capacity.growth_result({"a": {}, "b": {}}, ["a", "b"], RULES, "g", "g").verdict == INCONCLUSIVE
    two = {"a": {0: m(2), 1: m(2), 2: m(2)}, "b": {0: m(24), 1: m(32), 2: m(24)}}
    r = capacity.growth_result(two, ["a", "b"], RULES, "g", "g")  # Page's L needs three pairs
    assert r.verdict == INCONCLUSIVE and "needs ≥ 2 seeds and ≥ 3 pairs" in r.measured


def test_strict_growth_uses_the_widest_networks_f1():
    h = histories({p: [2, 2, 2] for p in "abc"})
    # Success in the strict sense (within 1 point of the widest, 0.99) comes later for harder pairs.
    for pair, first in zip("abc", (4, 16, 48)):
        h.loc[(h.pair == pair) & (h.width >= first), "f1"] = 0.99
    r = capacity.min_width_grows_strict(study({"histories": h}), RULES)
    assert r.verdict == REPRODUCED, r.measured
    assert capacity.min_width_grows(study({"histories": h}), RULES).verdict == NOT_REPRODUCED


def test_the_baseline_row_notes_the_test_pool():
    r = capacity.baseline_hardest(study({"baseline": baseline([0.8, 0.81, 0.82])}, pool="test"), RULES)
    assert r.note == TEST_POOL_NOTE
    assert capacity.baseline_hardest(study({"baseline": baseline([0.8, 0.81, 0.82])}), RULES).note == ""


# --------------------------------------------------------------------------- robustness details


def test_widths_that_fail_clean_are_left_out_of_the_trend():
    """A width on the floor (clean F1 0.6) barely drops; counting it would make a trend."""
    table = robustness_table(lambda p, s, w: 0.0 if w == 2 else 0.1 + 0.001 * ((w * 7 + s) % 5),
                             widths=(2, 8, 16, 24, 32), clean_of=lambda w: 0.6 if w == 2 else 0.97)
    r = robustness.robustness_noise(study({"robustness": table}), RULES)
    assert r.verdict == INCONCLUSIVE and "12 networks in 3" in r.n
    assert set(robustness.drops(table, "noise", 0.3)["width"]) == {8, 16, 24, 32}


def test_differences_between_pairs_never_make_a_trend():
    """Each pair flat within seeds; the wider pair drops less: pooled, a trend; within strata, none."""
    level = {"0-1": 0.3, "4-9": 0.05}
    table = robustness_table(lambda p, s, w: level[p] + 0.001 * ((w * 3 + s) % 4), pairs=("0-1", "4-9"),
                             widths=(8, 16, 24, 32))
    table = table[~((table.pair == "0-1") & (table.width > 16)) & ~((table.pair == "4-9") & (table.width < 24))]
    assert robustness.robustness_noise(study({"robustness": table}), RULES).verdict != REPRODUCED


def test_occlusion_rows_note_the_test_pool_and_say_the_direction():
    rows = robustness.occlusion_f1(study({"robustness": occlusion_table({24: [0.95, 0.96, 0.955]})}, pool="test"),
                                   RULES)
    r = by_id(rows, "occlusion_f1_w24")
    assert r.verdict == NOT_REPRODUCED and "higher than the paper" in r.measured and r.note == TEST_POOL_NOTE


# --------------------------------------------------------------------------- the registry


def test_every_registered_claim_states_evidence_null_test_and_rule():
    assert registry.REGISTRY
    for entry in registry.REGISTRY:
        doc = entry.function.__doc__ or ""
        for part in ("Evidence:", "Null:", "Test:", "Rule:"):
            assert part in doc, (entry.function.__qualname__, part)
        assert entry.rule


def test_claims_return_only_verdicts_of_their_kind_and_untestable_studies_say_why():
    full = {"histories": histories({"0-1": [4, 4, 6], "4-9": [16, 24, 24]}),
            "baseline": baseline([0.8, 0.85, 0.82]),
            "robustness": robustness_table(lambda p, s, w: 0.5 / w, pairs=("0-1", "4-9"))}
    for arch in ("mlp", "cnn"):
        results = registry.evaluate(study(full, pairs=("0-1", "4-9"), architecture=arch), RULES)
        kinds = {e.function.__module__ for e in registry.REGISTRY}
        assert results and kinds
        for r in results:
            assert r.verdict in registry.VERDICTS[r.kind] and r.rule
    cnn = registry.evaluate(study(full, pairs=("0-1", "4-9"), architecture="cnn"), RULES)
    assert by_id(cnn, "min_width_0-1").verdict == NOT_TESTABLE and "cnn" in by_id(cnn, "min_width_0-1").note
    assert by_id(cnn, "min_params_0-1").verdict != NOT_TESTABLE  # parameters compare across architectures
    empty = registry.evaluate(study({}, pairs=("0-1", "4-9")), RULES)
    assert {r.verdict for r in empty} == {NOT_TESTABLE} and all("does not build" in r.note for r in empty)


# --------------------------------------------------------------------------- the job and the table


def test_the_job_reads_every_input_key_into_the_studys_tables(tmp_path):
    from lowcap.jobs.claims import read_study
    from lowcap.core.tables import save_npz

    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    pd.DataFrame({"pair": ["0-1"], "x": [1]}).to_csv(a, index=False)
    pd.DataFrame({"pair": ["4-9"], "x": [2]}).to_csv(b, index=False)
    save_npz(tmp_path / "m.npz", image=np.zeros((2, 3)))
    got = read_study({"one": str(a), "many": [str(a), str(b)], "by": {"x": [str(b)], "none": []},
                      "maps": str(tmp_path / "m.npz"), "absent": [], "tolerance": 1.0})
    assert set(got) == {"one", "many", "by", "maps", "tolerance"}
    assert got["one"]["pair"].tolist() == ["0-1"] and got["many"]["pair"].tolist() == ["0-1", "4-9"]
    assert list(got["by"]) == ["x"] and got["maps"]["image"].shape == (2, 3) and got["tolerance"] == 1.0


def test_claims_table_writes_the_long_csv_and_one_column_per_study(tmp_path):
    from lowcap.jobs.claims import claims_table

    h = histories({"0-1": [4, 4, 6], "4-9": [16, 24, 24]})
    h.to_csv(tmp_path / "h.csv", index=False)
    baseline([0.8, 0.85, 0.82]).to_csv(tmp_path / "b.csv", index=False)
    inputs = {"histories": [str(tmp_path / "h.csv")], "baseline": str(tmp_path / "b.csv"), "imp": []}
    studies = {name: {"pairs": ["0-1", "4-9"], "architecture": arch, "pool": "test", "occlusion_size": 7,
                      "inputs": inputs} for name, arch in (("released", "mlp"), ("released-cnn", "cnn"))}
    paths = [tmp_path / f"claims.{ext}" for ext in ("csv", "md", "rst")]
    claims_table(studies, RULES, *map(str, paths))
    long = pd.read_csv(paths[0], dtype={"pair": str})
    one = capacity.baseline_hardest(study({"baseline": baseline([0.8, 0.81, 0.82])}), RULES)
    assert list(long.columns) == list(registry.long_table({"x": [one]}).columns)
    assert by_id_frame(long, "min_width_0-1", "released") == REPRODUCED
    md = paths[1].read_text()
    header = next(line for line in md.splitlines() if line.startswith("| claim"))
    assert header == "| claim | paper | released | released-cnn | test | null | n | note |"
    row = next(line for line in md.splitlines() if line.startswith("| minimum width with F1 > 0.9, pair 0-1"))
    assert "**reproduced** · 6 (seeds: 4, 4, 6)" in row and "**not testable** · " in row
    assert "## Paper claims" in md and "### Capacity" in md
    assert ".. list-table::" in paths[2].read_text() and "**reproduced**" in paths[2].read_text()
    assert paths[0].read_bytes() == _rerun(claims_table, studies, tmp_path)  # bit-identical on a rerun


def by_id_frame(long, cid, study):
    return long.set_index(["claim_id", "study"]).loc[(cid, study), "verdict"]


def _rerun(job, studies, tmp_path):
    out = tmp_path / "again"
    out.mkdir()
    job(studies, RULES, str(out / "c.csv"), str(out / "c.md"), str(out / "c.rst"))
    return (out / "c.csv").read_bytes()


def test_readme_block_takes_the_tables_not_the_title():
    readme = "intro\n<!-- claims:begin: x -->\nold\n<!-- claims:end -->\nafter\n"
    md = "# title\n\ntext\n\n## Paper claims\n\n### Capacity\n\n| claim | paper |\n|---|---|\n| a | b |\n"
    # The headings go one level down: the README quotes them inside its own "## " section.
    assert claims.readme_block(readme, md) == ("intro\n<!-- claims:begin: x -->\n### Paper claims\n\n#### Capacity\n\n"
                                               "| claim | paper |\n|---|---|\n| a | b |\n<!-- claims:end -->\nafter\n")
    assert claims.BLOCK_BEGIN == table.BLOCK_BEGIN and claims.main is table.main


def test_main_writes_the_claims_into_the_readme_and_the_findings_into_their_page(tmp_path):
    (tmp_path / "docs").mkdir()
    readme, page = tmp_path / "README.md", tmp_path / claims.FINDINGS_PAGE
    readme.write_text("a\n<!-- claims:begin: g -->\nold\n<!-- claims:end -->\nb\n")
    page.write_text("c\n<!-- findings:begin: g -->\nold\n<!-- findings:end -->\nd\n<!-- seeds:begin: g -->\nold\n"
                    "<!-- seeds:end -->\n")
    (tmp_path / "claims.md").write_text("# t\n\n| claim | paper |\n|---|---|\n")
    (tmp_path / "findings.md").write_text("#### Capacity\nnew\n")
    row = dict(claim_id="a", study="released", value=0.5, interval_low=0.4, interval_high=0.6)
    pd.DataFrame([{**row, "verdict": "inconclusive"}]).to_csv(tmp_path / "claims.csv", index=False)
    (tmp_path / claims.TEN_SEEDS_TABLE).parent.mkdir(parents=True)
    pd.DataFrame([{**row, "verdict": "reproduced"}]).to_csv(tmp_path / claims.TEN_SEEDS_TABLE, index=False)
    assert claims.main([str(readme), str(tmp_path / "claims.md"), str(tmp_path / "findings.md")]) == 0
    assert readme.read_text() == "a\n<!-- claims:begin: g -->\n| claim | paper |\n|---|---|\n<!-- claims:end -->\nb\n"
    assert page.read_text() == (
        "c\n<!-- findings:begin: g -->\n#### Capacity\nnew\n<!-- findings:end -->\nd\n<!-- seeds:begin: g -->\n"
        "Of 1 testable rows of the studies released, three seeds leave 1 inconclusive; ten seeds decide 1 of them. "
        "0 verdicts that three seeds gave change with ten.\n\n| claim | study | 3 seeds | 10 seeds |\n|---|---|---|---|\n"
        "| a | released | **inconclusive** 0.5 [0.4, 0.6] | **reproduced** 0.5 [0.4, 0.6] |\n<!-- seeds:end -->\n")


def test_long_table_carries_each_estimate_and_its_n():
    """Added by mutation testing: the long CSV holds the estimate behind each verdict (value,
    interval, n, missing units) and leaves those cells empty for a row without one."""
    from lowcap.core.stats import Estimate

    est = Estimate(0.4, 0.1, 0.7, 9, "seeds", "t interval", n_missing=2)
    with_estimate = registry.Result("a", "a", "—", INCONCLUSIVE, "0.4", "t", "null", "9 seeds", estimate=est)
    without = registry.Result("b", "b", "—", NOT_TESTABLE, "—", "—", "—", "—")
    long = registry.long_table({"s": [with_estimate, without]})
    cols = ["value", "interval_low", "interval_high", "n_units", "n_missing"]
    assert long.loc[0, cols].tolist() == [0.4, 0.1, 0.7, 9, 2]
    assert long.loc[1, cols].isna().all()


def test_rst_cells_escape_what_rst_would_read_as_markup():
    from lowcap.claims.table import _rst, _rst_cell

    assert _rst("ρ(unit MI, |output weight|)") == "ρ(unit MI, \\|output weight\\|)"
    assert _rst_cell("**partly** · |w| and *x*") == "**partly** · \\|w\\| and \\*x\\*"


# --------------------------------------------------------------------------- the cells, word for word
# Added by mutation testing (issue #15): the claims table shows these strings, so each row's text,
# numbers and estimate are pinned here; a changed word, unit or threshold fails a test.

RANGE_TEST = ("per-seed minimum capacity (smallest width from which every wider width has {split} best_f1 > 0.9; "
              "grid floor and ceiling censored) against the paper's range, seed by seed")
RANGE_NULL = "no statistical null: each seed's minimum is compared with the paper's range"
GROWTH_TEST = ("Page's trend test (scipy.stats.page_trend_test) over the per-seed minima, seeds as blocks, pairs in "
               "difficulty order, a right-censored minimum ranked largest and ties broken against the trend, on the "
               "minima and on the first widths that succeed (the larger p); and the hardest pair's minimum above the "
               "easiest's on every seed")
GROWTH_NULL = ("no ordering of the minimum widths by difficulty (every ranking of the pairs within a seed equally "
               "likely)")


def fields(r) -> dict:
    return {k: v for k, v in r.__dict__.items() if k != "rule"}


def test_min_width_rows_word_for_word():
    from lowcap.core.stats import Estimate

    rows = capacity.min_width(study({"histories": histories({"0-1": [4, 6, 4], "3-8": [4, 4, 4]})}), RULES)
    assert [fields(r) for r in rows] == [
        {"claim_id": "min_width_0-1", "claim": "minimum width with F1 > 0.9, pair 0-1 (per seed)", "paper": "4–6",
         "verdict": REPRODUCED, "measured": "6 (seeds: 4, 6, 4)", "test": RANGE_TEST.format(split="val"),
         "null": RANGE_NULL, "n": "3 seeds",
         "estimate": Estimate(6.0, 4.0, 6.0, 3, "seeds", "range of the per-seed minima"), "note": "",
         "kind": registry.PAPER},
        {"claim_id": "min_width_3-8", "claim": "minimum width with F1 > 0.9, pair 3-8 (per seed)", "paper": "—",
         "verdict": NOT_TESTABLE, "measured": "—", "test": "—", "null": "—", "n": "—", "estimate": None,
         "note": "the paper states no minimum width for this pair", "kind": registry.PAPER}]


def test_min_params_rows_word_for_word_for_a_cnn():
    from lowcap.core.stats import Estimate

    rows = capacity.min_params(study({"histories": histories({"0-1": [2, 2, 2], "3-8": [4, 4, 4]})},
                                     architecture="cnn", pool="test"), RULES)
    assert [fields(r) for r in rows] == [
        {"claim_id": "min_params_0-1", "claim": "minimum capacity in parameters with F1 > 0.9, pair 0-1 (per seed)",
         "paper": "3145–4717 (the paper's widths, MLP)", "verdict": NOT_REPRODUCED,
         "measured": "≤ 359 (seeds: ≤ 359, ≤ 359, ≤ 359); fewer parameters than the paper",
         "test": RANGE_TEST.format(split="val"), "null": RANGE_NULL, "n": "3 seeds",
         "estimate": Estimate(359.0, 359.0, 359.0, 3, "seeds", "range of the per-seed minima"),
         "note": TEST_POOL_NOTE, "kind": registry.PAPER},
        {"claim_id": "min_params_3-8", "claim": "minimum capacity in parameters with F1 > 0.9, pair 3-8 (per seed)",
         "paper": "—", "verdict": NOT_TESTABLE, "measured": "—", "test": "—", "null": "—", "n": "—",
         "estimate": None, "note": "the paper states no minimum width for this pair", "kind": registry.PAPER}]


def test_min_width_on_a_cnn_study_names_channels_and_a_missing_pair_says_so():
    r = by_id(capacity.min_width(study({"histories": histories({"0-1": [4, 6, 4]})}, architecture="cnn"), RULES),
              "min_width_0-1")
    assert r.measured == "C = 6 (seeds: 4, 6, 4)"
    absent = by_id(capacity.min_width(study({"histories": histories({"0-1": [4, 6, 4]})}, pairs=("0-1", "4-9")),
                                      RULES), "min_width_4-9")
    assert fields(absent) == {"claim_id": "min_width_4-9", "claim": "minimum width with F1 > 0.9, pair 4-9 (per seed)",
                              "paper": "12–24", "verdict": NOT_TESTABLE, "measured": "—", "test": "—", "null": "—",
                              "n": "0 seeds", "estimate": None, "note": "no runs of this pair",
                              "kind": registry.PAPER}


def test_min_width_fig3_row_word_for_word():
    from lowcap.core.stats import Estimate

    h = histories({"4-9": [12, 16, 24]})
    h.loc[h.split == "val", "f1"] = 0.5  # the training split decides, not the validation split
    r = capacity.min_width_fig3(study({"histories": h}), RULES)
    assert fields(r) == {
        "claim_id": "min_width_4-9_fig3",
        "claim": "4-9: minimum width on the best training F1 (the paper's Fig. 3 statistic), per seed",
        "paper": "text 12–24; own Fig. 3: F1 > 0.9 from 64", "verdict": REPRODUCED,
        "measured": "24 (seeds: 12, 16, 24)",
        "test": RANGE_TEST.format(split="train"), "null": RANGE_NULL, "n": "3 seeds",
        "estimate": Estimate(24.0, 12.0, 24.0, 3, "seeds", "range of the per-seed minima"), "note": "",
        "kind": registry.PAPER}
    no_fig = capacity.min_width_fig3(study({"histories": h}), {**RULES, "paper_fig3_4_9_median_train_f1": None})
    assert no_fig.paper == "text 12–24" and no_fig.verdict == REPRODUCED
    low = capacity.min_width_fig3(study({"histories": h}), {**RULES, "paper_fig3_4_9_median_train_f1": [0.95] * 11})
    assert low.paper == "text 12–24; own Fig. 3: F1 > 0.9 from 2"
    untested = capacity.min_width_fig3(study({"histories": histories({"0-1": [12, 16, 24]})}), RULES)
    assert fields(untested) == {
        "claim_id": "min_width_4-9_fig3",
        "claim": "4-9: minimum width on the best training F1 (the paper's Fig. 3 statistic), per seed",
        "paper": "—", "verdict": NOT_TESTABLE, "measured": "—", "test": "—", "null": "—", "n": "—", "estimate": None,
        "note": "the study has no pair 4-9", "kind": registry.PAPER}
    no_range = capacity.min_width_fig3(study({"histories": h}), {**RULES, "paper_min_width": {"0-1": [4, 6]}})
    assert no_range.verdict == NOT_TESTABLE


GROWS = {"a": [2, 2, 4], "b": [4, 6, 6], "c": [8, 8, 10]}


def test_growth_rows_word_for_word():
    r = capacity.min_width_grows(study({"histories": histories(GROWS)}), RULES)
    assert fields(r) == {
        "claim_id": "min_width_grows",
        "claim": "minimum width grows with task difficulty (pairs easy to hard; success F1 > 0.9)", "paper": "grows",
        "verdict": REPRODUCED,
        "measured": "a: ≤ 2, ≤ 2, 4 · b: 4, 6, 6 · c: 8, 8, 10; Page L = 42, p = 0.0046; c above a on 3 of 3 seeds; "
                    "success not monotone in width for 0 of 9 (pair, seed)",
        "test": GROWTH_TEST, "null": GROWTH_NULL, "n": "3 seeds × 3 pairs", "estimate": None, "note": "",
        "kind": registry.PAPER}
    strict = capacity.min_width_grows_strict(study({"histories": histories(GROWS)}), {**RULES,
                                                                                      "strict_success_points": 2.5})
    assert (strict.claim_id, strict.claim) == (
        "min_width_grows_strict", "minimum width grows with difficulty, success = F1 within 2.5 point of the widest "
                                  "network")
    params = capacity.min_params_grows(study({"histories": histories(GROWS)}, architecture="cnn"), RULES)
    assert (params.claim_id, params.claim, params.verdict) == (
        "min_params_grows", "minimum capacity in parameters grows with task difficulty", REPRODUCED)
    assert params.measured.startswith("a: ≤ 359, ≤ 359, 717 · b: 717, 1075, 1075 · c: 1433, 1433, 1791; ")


def test_growth_without_seeds_and_with_missing_seeds_word_for_word():
    m = lambda v, censored=None, nm=False: capacity.Minimum(v, censored, nm, 64, 4.0 if nm else math.nan)  # noqa
    r = capacity.growth_result({"a": {0: m(2)}, "b": {1: m(8)}}, ["a", "b"], RULES, "g", "grows")
    assert fields(r) == {"claim_id": "g", "claim": "grows", "paper": "grows", "verdict": INCONCLUSIVE,
                         "measured": "no seed with every pair", "test": GROWTH_TEST, "null": GROWTH_NULL,
                         "n": "0 seeds × 2 pairs", "estimate": None, "note": "", "kind": registry.PAPER}
    assert capacity.growth_result({"a": {0: m(2)}}, ["a"], RULES, "g", "grows").verdict == INCONCLUSIVE
    minima = {"a": {0: m(2), 1: m(2), 2: m(2), 3: m(2)}, "b": {0: m(8), 1: m(8), 2: m(12, nm=True)},
              "c": {0: m(24), 1: m(32), 2: m(16)}}
    r = capacity.growth_result(minima, ["a", "b", "c"], RULES, "g", "grows")
    assert r.n == "3 seeds × 3 pairs (1 seeds missing a pair)"
    assert r.measured.endswith("; c above a on 3 of 3 seeds; success not monotone in width for 1 of 10 (pair, seed)")


def test_range_verdict_and_range_text_say_nothing_more_than_the_verdict():
    inside = capacity.Minimum(5.0, None, False, 64)
    below, above = capacity.Minimum(2.0, "left", False, 64), capacity.Minimum(8.0, None, False, 64)
    assert capacity.range_verdict([], 4, 6, "units") == (NOT_TESTABLE, "")
    assert capacity.range_verdict([inside, inside], 4, 6, "units") == (REPRODUCED, "")
    assert capacity.range_verdict([below, below], 4, 6, "units") == (NOT_REPRODUCED, "fewer units than the paper")
    assert capacity.range_verdict([above], 4, 6, "parameters") == (NOT_REPRODUCED, "more parameters than the paper")
    assert capacity.range_verdict([below, inside], 4, 6, "units") == (INCONCLUSIVE, "")
    # The paper's range, six significant digits: a bound that is not a whole number keeps them.
    assert capacity.range_text(10, None) == "≥ 10"
    assert capacity.range_text(1.2345678, None) == "≥ 1.23457"
    assert capacity.range_text(4, 6) == "4–6" and capacity.range_text(4, 4) == "4"
    assert capacity.range_text(1.2345678, 1.2345678) == "1.23457"
    assert capacity.range_text(1.2345678, 2.3456789) == "1.23457–2.34568"


def test_near_widest_counts_the_points_from_the_widest_networks_f1_inclusive():
    success = capacity.near_widest(25)
    # Widest F1 0.75: success from 0.75 − 0.25 = 0.5 on, the line itself included.
    f1 = pd.Series([0.4999, 0.5, 0.9, 0.6, 0.75])
    assert success(f1).tolist() == [False, True, True, True, True]
    assert capacity.near_widest(1)(pd.Series([0.97, 0.98, 0.99])).tolist() == [False, True, True]


TREND_TEST = ("mean over (pair, seed) strata of the Spearman ρ of width and F1 drop, one-sided permutation test "
              "permuting the drops within every stratum (lowcap.core.stats.stratified_rank_test); per pair the same over "
              "its seeds")
TREND_NULL = "no trend of the drop with width within a (pair, seed): every pairing of widths and drops equally likely"


def test_robustness_rows_word_for_word():
    from lowcap.core.stats import Estimate

    r = robustness.robustness_noise(study({"robustness": robustness_table(lambda p, s, w: 0.4 / w + 0.001 * s)}),
                                    RULES)
    assert fields(r) == {
        "claim_id": "robustness_noise",
        "claim": "wider networks resist Gaussian noise σ = 0.3 better: the F1 drop (clean − corrupted) falls with "
                 "width, over the widths that succeed clean (F1 > 0.9) on each seed; pairs 4-9",
        "paper": "wider resists better (ρ < 0)", "verdict": REPRODUCED,
        "measured": "mean within-stratum ρ -1.00, p = 0.0001; per pair: 4-9: ρ -1.00, p 0.0001 (3 seeds)",
        "test": TREND_TEST, "null": TREND_NULL, "n": "18 networks in 3 (pair, seed) strata",
        "estimate": Estimate(-1.0, -1.0, -1.0, 18, "networks in 3 (pair, seed) strata",
                             "mean within-stratum Spearman ρ"), "note": "", "kind": registry.PAPER}
    table = robustness_table(lambda p, s, w: (0.5 / w if p == "0-1" else 0.002 * w), pairs=("0-1", "4-9"))
    r = robustness.robustness_occlusion(study({"robustness": table}, architecture="cnn"), RULES)
    assert (r.claim_id, r.verdict, r.n) == ("robustness_occlusion", PARTLY, "36 networks in 6 (pair, seed) strata")
    assert r.claim == ("wider networks resist 7×7 occlusion better: the F1 drop (clean − corrupted) falls with "
                       "channels, over the widths that succeed clean (F1 > 0.9) on each seed; pairs 0-1, 4-9")
    assert r.measured == ("mean within-stratum ρ 0.00, p = 0.51; per pair: 0-1: ρ -1.00, p 0.0001 (3 seeds); "
                          "4-9: ρ 1.00, p 1 (3 seeds)")
    unsized = robustness.robustness_occlusion(study({"robustness": table}), {**RULES, "occlusion_size": None})
    assert unsized.claim.startswith("wider networks resist occlusion better: ")
    floor = robustness_table(lambda p, s, w: 0.1, widths=(2, 4, 8), clean_of=lambda w: 0.5)
    r = robustness.robustness_noise(study({"robustness": floor}), RULES)
    assert fields(r) == {
        "claim_id": "robustness_noise",
        "claim": "wider networks resist Gaussian noise σ = 0.3 better: the F1 drop (clean − corrupted) falls with "
                 "width, over the widths that succeed clean (F1 > 0.9) on each seed; pairs 4-9",
        "paper": "wider resists better (ρ < 0)", "verdict": INCONCLUSIVE,
        "measured": "no (pair, seed) with 3 widths that succeed clean", "test": TREND_TEST, "null": TREND_NULL,
        "n": "0 networks in 0 (pair, seed) strata", "estimate": None, "note": "", "kind": registry.PAPER}


def test_robustness_reads_only_the_configured_noise_level_and_a_pair_without_strata_says_so():
    base = robustness_table(lambda p, s, w: 0.4 / w + 0.001 * s)
    other = base[base.corruption == "noise"].assign(sigma=0.5, f1=lambda t: 0.97 - 0.001 * t["width"])
    table = pd.concat([base, other], ignore_index=True)
    picked = robustness.drops(table, "noise", 0.3)
    assert len(picked) == 18 and picked["drop"].round(6).tolist() == (0.4 / picked["width"] + 0.001 *
                                                                       picked["seed"]).round(6).tolist()
    assert robustness.robustness_noise(study({"robustness": table}), RULES).verdict == REPRODUCED
    assert robustness.robustness_noise(study({"robustness": table}), {**RULES, "noise_sigma": 0.5}).verdict == \
        NOT_REPRODUCED
    assert robustness.corrupted(table, "occlusion", 0.3).sum() == 18
    # A second pair with two widths per seed that succeed clean: it has no stratum, and says so.
    floor = robustness_table(lambda p, s, w: 0.1, pairs=("0-1",), clean_of=lambda w: 0.95 if w >= 48 else 0.5)
    r = robustness.robustness_noise(study({"robustness": pd.concat([base, floor], ignore_index=True)}), RULES)
    assert r.verdict == REPRODUCED
    assert r.measured == ("mean within-stratum ρ -1.00, p = 0.0001; per pair: 4-9: ρ -1.00, p 0.0001 (3 seeds); "
                          "0-1: no seed with 3 widths that succeed clean")


def test_occlusion_f1_rows_word_for_word():
    from lowcap.core.stats import Estimate

    rows = robustness.occlusion_f1(study({"robustness": occlusion_table({24: [0.70, 0.72, 0.71],
                                                                         48: [0.86, 0.86, 0.86]})}, pool="test"), RULES)
    e = rows[0].estimate
    assert [fields(r) for r in rows] == [
        {"claim_id": "occlusion_f1_w24", "claim": "4-9 occlusion F1 at width 24", "paper": "0.847",
         "verdict": NOT_REPRODUCED, "measured": "0.71 [0.685, 0.735]; lower than the paper",
         "test": "95% Student-t over seeds against 0.847 ± 0.02",
         "null": "none: an absolute number, within ± 0.02 of the paper's", "n": "3 seeds",
         "estimate": Estimate(0.71, e.low, e.high, 3, "seeds", "95% Student-t over seeds"), "note": TEST_POOL_NOTE,
         "kind": registry.PAPER},
        {"claim_id": "occlusion_f1_w48", "claim": "4-9 occlusion F1 at width 48", "paper": "0.86",
         "verdict": REPRODUCED, "measured": "0.86",
         "test": "one value, or all equal: no interval against 0.86 ± 0.02",
         "null": "none: an absolute number, within ± 0.02 of the paper's", "n": "3 seeds",
         "estimate": Estimate(0.86, 0.86, 0.86, 3, "seeds", "one value, or all equal: no interval"),
         "note": TEST_POOL_NOTE, "kind": registry.PAPER},
        {"claim_id": "occlusion_f1_w64", "claim": "4-9 occlusion F1 at width 64", "paper": "0.862",
         "verdict": NOT_TESTABLE, "measured": "—", "test": "—", "null": "—", "n": "—", "estimate": None,
         "note": "the study has no occlusion runs of 4-9 at width 64", "kind": registry.PAPER}]
    assert e.low == pytest.approx(0.685159, abs=1e-6) and e.high == pytest.approx(0.734841, abs=1e-6)
    # Only 4-9's occlusion rows at that width count: another pair, or noise, at width 24 is not read.
    extra = occlusion_table({24: [0.86, 0.86, 0.86]})
    noise = extra.assign(corruption="noise", sigma=0.3, f1=0.2)
    other = extra.assign(pair="0-1", f1=0.2)
    r = by_id(robustness.occlusion_f1(study({"robustness": pd.concat([extra, noise, other])}), RULES),
              "occlusion_f1_w24")
    assert (r.verdict, r.measured, r.note) == (REPRODUCED, "0.86", "")


@pytest.mark.parametrize("low, high, verdict, direction", [
    (0.84, 0.85, REPRODUCED, ""), (0.827, 0.867, REPRODUCED, ""),  # the band's edges belong to it
    (0.80, 0.826, NOT_REPRODUCED, "lower than the paper"), (0.868, 0.9, NOT_REPRODUCED, "higher than the paper"),
    (0.80, 0.827, INCONCLUSIVE, ""), (0.867, 0.9, INCONCLUSIVE, ""), (0.80, 0.9, INCONCLUSIVE, "")])
def test_band_verdict_lines(low, high, verdict, direction):
    from lowcap.core.stats import Estimate

    e = Estimate((low + high) / 2, low, high, 3, "seeds", "t")
    assert robustness.band_verdict(e, 0.847, 0.02) == (verdict, direction)
    assert robustness.band_verdict(Estimate(e.value, low, high, 1, "seeds", "t"), 0.847, 0.02) == (INCONCLUSIVE, "")
    assert robustness.band_verdict(Estimate(e.value, low, high, 2, "seeds", "t"), 0.847, 0.02) == (verdict, direction)
    assert robustness.band_verdict(Estimate(math.nan, math.nan, math.nan, 3, "s", "t"), 0.847, 0.02) == \
        (INCONCLUSIVE, "")


# --------------------------------------------------------------------------- the rendered tables, to the character
# Added by mutation testing (issue #15): both documents of a small long table (two studies, every
# kind, a family without a title, a claim one study lacks, characters each format escapes).


def rendered_long() -> pd.DataFrame:
    R = registry.Result
    OPEN, AS_RELEASED, SUPPORTED = registry.OPEN, registry.AS_RELEASED, registry.SUPPORTED
    a = [R("c1", "claim one", "4–6", REPRODUCED, "6 (seeds: 4, 6)", "t-test | x", "null*1", "3 seeds", note=""),
         R("c2", "claim two", "—", NOT_TESTABLE, "—", "—", "—", "—", note="not testable: the study does not build x"),
         R("o1", "open one", "open question", SUPPORTED, "ρ 0.5\nnext", "perm", "ρ = 0", "9 networks", kind=OPEN),
         R("r1", "released one", "F1 kept", PARTLY, "a*b `c` d\\e", "eq", "rand", "6 seeds", kind=AS_RELEASED,
           note="n1"),
         R("x1", "extra one", "p", NOT_REPRODUCED, "m", "t", "n0", "1 seed")]
    b = [R("c1", "claim one (s2)", "4–6", INCONCLUSIVE, "", "t-test | x", "null*1", "2 seeds", note="pool"),
         R("c2", "claim two", "—", NOT_TESTABLE, "—", "—", "—", "—", note="not testable because"),
         R("r1", "released one", "F1 kept", NOT_TESTABLE, "—", "—", "—", "—", kind=AS_RELEASED, note=""),
         R("o1", "open one", "open question", INCONCLUSIVE, "—", "perm", "ρ = 0", "9 networks", kind=OPEN)]
    return registry.long_table({"s1": a, "s2": b})


RENDERED_FAMILIES = {"c1": "capacity", "c2": "pruning", "o1": "mutual_info", "r1": "pruning"}
RENDERED_MD = (
    '## Paper claims\n'
    '\n'
    '### Capacity\n'
    '\n'
    '| claim | paper | s1 | s2 | test | null | n | note |\n'
    '|---|---|---|---|---|---|---|---|\n'
    '| claim one | 4–6 | **reproduced** · 6 (seeds: 4, 6) | **inconclusive** | t-test \\| x | null*1 '
    '| s1: 3 seeds / s2: 2 seeds | pool |\n'
    '\n'
    '### Pruning and what it keeps\n'
    '\n'
    '| claim | paper | s1 | s2 | test | null | n | note |\n'
    '|---|---|---|---|---|---|---|---|\n'
    '| claim two | — | **not testable** · the study does not build x | **not testable** · because | '
    '— | — | — | — |\n'
    '\n'
    '### other\n'
    '\n'
    '| claim | paper | s1 | s2 | test | null | n | note |\n'
    '|---|---|---|---|---|---|---|---|\n'
    '| extra one | p | **not reproduced** · m | **not testable** | t | n0 | 1 seed | — |\n'
    '\n'
    "## As-released checks (the authors' code, not the paper's claim)\n"
    '\n'
    '### Pruning and what it keeps\n'
    '\n'
    '| claim | paper | s1 | s2 | test | null | n | note |\n'
    '|---|---|---|---|---|---|---|---|\n'
    '| released one | F1 kept | **partly** · a*b `c` d\\e | **not testable** | eq | rand | 6 seeds | n1 |\n'
    '\n'
    "## The paper's open questions\n"
    '\n'
    '### Mutual information per unit\n'
    '\n'
    '| claim | paper | s1 | s2 | test | null | n | note |\n'
    '|---|---|---|---|---|---|---|---|\n'
    '| open one | open question | **supported** · ρ 0.5 next | **inconclusive** | perm | ρ = 0 | 9 '
    'networks | — |\n'
)
RENDERED_RST = (
    "The paper's claims, measured per study\n"
    '=======================================\n'
    '\n'
    'lowcap reproduces, checks and extends *Understanding Generalization, Robustness, and '
    "Interpretability in Low-Capacity Neural Networks* (Kumar, arXiv 2507.16278). Each study's cell "
    "gives the verdict, then the value measured from that study's own runs with its 90% interval in "
    "brackets. A favourable verdict needs the whole interval on the claim's side of the line; an "
    'interval that spans it gives *inconclusive* (more seeds would decide). Each row names its '
    'test, its null (what the evidence has to beat) and its n; its rule is in results/claims.csv '
    '(column `rule`) and the numbers of the rules are in config.yaml, section `claims`. Open '
    "questions read supported / not supported; the as-released rows check the authors' code, not "
    "the paper's claim.\n"
    '\n'
    'Paper claims\n'
    '------------\n'
    '\n'
    'Capacity\n'
    '~~~~~~~~\n'
    '\n'
    '.. list-table::\n'
    '   :header-rows: 1\n'
    '\n'
    '   * - claim\n'
    '     - paper\n'
    '     - s1\n'
    '     - s2\n'
    '     - test\n'
    '     - null\n'
    '     - n\n'
    '     - note\n'
    '   * - claim one\n'
    '     - 4–6\n'
    '     - **reproduced** · 6 (seeds: 4, 6)\n'
    '     - **inconclusive**\n'
    '     - t-test \\| x\n'
    '     - null\\*1\n'
    '     - s1: 3 seeds / s2: 2 seeds\n'
    '     - pool\n'
    '\n'
    'Pruning and what it keeps\n'
    '~~~~~~~~~~~~~~~~~~~~~~~~~\n'
    '\n'
    '.. list-table::\n'
    '   :header-rows: 1\n'
    '\n'
    '   * - claim\n'
    '     - paper\n'
    '     - s1\n'
    '     - s2\n'
    '     - test\n'
    '     - null\n'
    '     - n\n'
    '     - note\n'
    '   * - claim two\n'
    '     - —\n'
    '     - **not testable** · the study does not build x\n'
    '     - **not testable** · because\n'
    '     - —\n'
    '     - —\n'
    '     - —\n'
    '     - —\n'
    '\n'
    'other\n'
    '~~~~~\n'
    '\n'
    '.. list-table::\n'
    '   :header-rows: 1\n'
    '\n'
    '   * - claim\n'
    '     - paper\n'
    '     - s1\n'
    '     - s2\n'
    '     - test\n'
    '     - null\n'
    '     - n\n'
    '     - note\n'
    '   * - extra one\n'
    '     - p\n'
    '     - **not reproduced** · m\n'
    '     - **not testable**\n'
    '     - t\n'
    '     - n0\n'
    '     - 1 seed\n'
    '     - —\n'
    '\n'
    "As-released checks (the authors' code, not the paper's claim)\n"
    '-------------------------------------------------------------\n'
    '\n'
    'Pruning and what it keeps\n'
    '~~~~~~~~~~~~~~~~~~~~~~~~~\n'
    '\n'
    '.. list-table::\n'
    '   :header-rows: 1\n'
    '\n'
    '   * - claim\n'
    '     - paper\n'
    '     - s1\n'
    '     - s2\n'
    '     - test\n'
    '     - null\n'
    '     - n\n'
    '     - note\n'
    '   * - released one\n'
    '     - F1 kept\n'
    "     - **partly** · a\\*b 'c' d\\\\e\n"
    '     - **not testable**\n'
    '     - eq\n'
    '     - rand\n'
    '     - 6 seeds\n'
    '     - n1\n'
    '\n'
    "The paper's open questions\n"
    '--------------------------\n'
    '\n'
    'Mutual information per unit\n'
    '~~~~~~~~~~~~~~~~~~~~~~~~~~~\n'
    '\n'
    '.. list-table::\n'
    '   :header-rows: 1\n'
    '\n'
    '   * - claim\n'
    '     - paper\n'
    '     - s1\n'
    '     - s2\n'
    '     - test\n'
    '     - null\n'
    '     - n\n'
    '     - note\n'
    '   * - open one\n'
    '     - open question\n'
    '     - **supported** · ρ 0.5 next\n'
    '     - **inconclusive**\n'
    '     - perm\n'
    '     - ρ = 0\n'
    '     - 9 networks\n'
    '     - —\n'
    '\n'
)


def test_markdown_and_rst_tables_character_for_character():
    long = rendered_long()
    assert table.markdown(long, RENDERED_FAMILIES) == RENDERED_MD
    assert table.rst(long, RENDERED_FAMILIES, 0.9) == RENDERED_RST
    assert table.document(long, RENDERED_FAMILIES, 0.9) == (
        "# The paper's claims, measured per study\n\n" + table.intro_text(0.9) + "\n\n" + RENDERED_MD)
    assert table.intro_text(0.95).startswith("Each study's cell gives the verdict, then the value measured from that "
                                             "study's own runs with its 95% interval in brackets. ")


def test_cells_and_unique_values():
    row = {"verdict": NOT_TESTABLE, "note": None, "measured": "—"}
    assert table.cell_text(row) == "**not testable**"
    assert table.cell_text({**row, "note": "not testable: why"}) == "**not testable** · why"
    assert table.cell_text({"verdict": REPRODUCED, "note": "", "measured": math.nan}) == "**reproduced**"
    assert table.cell_text({"verdict": REPRODUCED, "note": "", "measured": ""}) == "**reproduced**"
    assert table.cell_text({"verdict": REPRODUCED, "note": "", "measured": 0.5}) == "**reproduced** · 0.5"
    assert table._unique(["a", "—", "", math.nan, "b", "a"]) == "a / b"
    assert table._unique(["—", math.nan]) == "—"
    assert table._rst_cell("plain *x*") == "plain \\*x\\*" and table._rst_cell("**v** · a*b") == "**v** · a\\*b"
    assert table._md_cell("a|b\nc") == "a\\|b c"
    assert table._rst_cell("**v** · a**b**") == "**v** · a\\*\\*b\\*\\*"  # only the verdict stays bold


# --------------------------------------------------------------------------- the registry, called directly
# Added by mutation testing (issue #15): the decorator runs at import, before a mutant is switched on,
# so these call it (and the rest of the registry) on a registry of their own.


def test_the_claim_decorator_registers_what_it_is_told(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", [])

    def f(study, rules):
        """Evidence: e.

        Rule:   reproduced
          if so.
        """

    assert registry.claim(registry.OPEN, ["a", "b"], needs=["t"], architectures=["cnn"])(f) is f
    assert registry.claim(registry.PAPER, lambda s: [f"x_{p}" for p in s.pairs])(f) is f
    first, second = registry.REGISTRY
    assert (first.function, first.kind, first.needs, first.architectures, first.ids) == (
        f, registry.OPEN, ("t",), ("cnn",), ["a", "b"])
    assert (second.kind, second.needs, second.architectures) == (registry.PAPER, (), ("mlp", "cnn"))
    assert first.rule == "reproduced if so."
    s = Study("s", ("0-1", "4-9"), "mlp", "train", {})
    assert registry.claim_ids(first, s) == ["a", "b"] and registry.claim_ids(second, s) == ("x_0-1", "x_4-9")


def test_a_claim_without_a_rule_and_a_verdict_of_another_kind_are_refused():
    def g(study, rules):
        """Evidence: e.

        Test: t."""

    entry = registry.Claim(g, registry.PAPER, (), ("mlp",), ("g",))
    with pytest.raises(ValueError, match=r"^claim g has no 'Rule:' paragraph in its docstring$"):
        entry.rule
    with pytest.raises(ValueError, match=r"^claim c: verdict 'supported' is not one of \('reproduced', "):
        registry.Result("c", "c", "—", registry.SUPPORTED, "—", "—", "—", "—")
    assert registry.Result("c", "c", "—", registry.SUPPORTED, "—", "—", "—", "—", kind=registry.OPEN).rule == ""


def test_evaluate_says_why_a_claim_is_not_testable_and_fills_in_the_rule(monkeypatch):
    def mine(study, rules):
        """Rule: the rule."""
        return [registry.Result("m1", "m", "—", REPRODUCED, "v", "t", "n", "1"),
                registry.Result("m2", "m", "—", REPRODUCED, "v", "t", "n", "1", rule="own")]

    def other(study, rules):
        """Rule: r."""
        return registry.Result("o", "o", "—", registry.SUPPORTED, "v", "t", "n", "1", kind=registry.OPEN)

    entries = [registry.Claim(mine, registry.PAPER, ("a", "b"), ("mlp",), ("m1", "m2")),
               registry.Claim(other, registry.PAPER, (), ("mlp", "cnn"), ("o",))]
    monkeypatch.setattr(registry, "REGISTRY", entries[:1])
    cnn = registry.evaluate(Study("s", ("0-1",), "cnn", "train", {"a": 1, "b": 2}), RULES)
    why = "not testable for a cnn study: the claim is about mlp networks"
    assert [fields(r) | {"rule": r.rule} for r in cnn] == [
        {"claim_id": c, "claim": c.replace("_", " "), "paper": "—", "verdict": NOT_TESTABLE, "measured": "—",
         "test": "—", "null": "—", "n": "—", "estimate": None, "note": why, "kind": registry.PAPER, "rule": why}
        for c in ("m1", "m2")]
    lacking = registry.evaluate(Study("s", ("0-1",), "mlp", "train", {"a": 1, "b": None}), RULES)
    assert {r.note for r in lacking} == {"not testable: the study does not build b"}
    none = registry.evaluate(Study("s", ("0-1",), "mlp", "train", {}), RULES)
    assert {r.note for r in none} == {"not testable: the study does not build a, b"}
    got = registry.evaluate(Study("s", ("0-1",), "mlp", "train", {"a": 1, "b": 2}), RULES)
    assert [(r.claim_id, r.verdict, r.rule) for r in got] == [("m1", REPRODUCED, "the rule."),
                                                                    ("m2", REPRODUCED, "own")]
    monkeypatch.setattr(registry, "REGISTRY", entries[1:])
    with pytest.raises(ValueError, match=r"^claim o: kind 'open question', registered as 'paper'$"):
        registry.evaluate(Study("s", ("0-1",), "mlp", "train", {}), RULES)
    s = Study("s", ("0-1",), "mlp", "train", {"a": 1, "b": None})
    assert s.has("a") and not s.has("a", "b") and not s.has("c") and s.has() and s["a"] == 1


def test_long_table_rows_word_for_word():
    r = registry.Result("a", "claim a", "paper a", REPRODUCED, "m", "t", "nu", "3 seeds", note="no", rule="ru",
                        kind=registry.PAPER)
    long = registry.long_table({"s1": [r], "s2": []})
    assert long.to_dict("records") == [
        {"claim_id": "a", "kind": "paper", "claim": "claim a", "paper": "paper a", "study": "s1",
         "verdict": REPRODUCED, "measured": "m", "test": "t", "null": "nu", "n": "3 seeds", "value": None,
         "interval_low": None, "interval_high": None, "n_units": None, "n_missing": None, "note": "no", "rule": "ru"}]


# --------------------------------------------------------------------------- capacity, piece by piece
# Added by mutation testing (issue #15).


def test_minimum_of_counts_parameters_and_keeps_the_censoring():
    m = capacity.Minimum.of(Capacity(4.0, None, True), 64, "mlp", 2.0)
    assert (m.value, m.censored, m.non_monotone, m.widest, m.earliest) == (3145.0, None, True, 50305.0, 1573.0)
    right = capacity.Minimum.of(Capacity(math.inf, "right", False), 64, "mlp")
    assert (right.value, right.widest, math.isnan(right.earliest)) == (math.inf, 50305.0, True)
    cnn = capacity.Minimum.of(Capacity(2.0, "left", False), 32, "cnn", 2.0)
    assert (cnn.value, cnn.censored, cnn.widest, cnn.earliest) == (359.0, "left", 5729.0, 359.0)
    plain = capacity.Minimum.of(Capacity(6.0, None, False), 64, None, 4.0)
    assert (plain.value, plain.widest, plain.earliest) == (6.0, 64.0, 4.0)


@pytest.mark.parametrize("m, bounds", [
    (capacity.Minimum(2.0, "left", False, 64), (-math.inf, 2.0, False)),
    (capacity.Minimum(math.inf, "right", False, 64), (64.0, math.inf, True)),
    (capacity.Minimum(math.inf, "right", True, 64, 16.0), (16.0, math.inf, False)),
    (capacity.Minimum(12.0, None, True, 64, 4.0), (4.0, 12.0, False)),
    (capacity.Minimum(12.0, None, False, 64, 4.0), (12.0, 12.0, False)),
])
def test_minimum_bounds(m, bounds):
    assert m.bounds() == bounds


def test_minimum_text_and_range_side_at_the_edges():
    assert capacity.Minimum(math.inf, "right", False, 64).text() == "> 64"
    assert capacity.Minimum(math.inf, "right", False, 1.2345678).text() == "> 1.23457"
    assert capacity.Minimum(2.0, "left", False, 64).text() == "≤ 2"
    assert capacity.Minimum(1.2345678, None, False, 64).text() == "1.23457"
    side = capacity.range_side
    M = capacity.Minimum
    assert side(M(4.0, None, False, 64), 4, 6) == capacity.INSIDE  # the range's ends belong to it
    assert side(M(6.0, None, False, 64), 4, 6) == capacity.INSIDE
    assert side(M(3.0, None, False, 64), 4, 6) == capacity.BELOW
    assert side(M(7.0, None, False, 64), 4, 6) == capacity.ABOVE
    assert side(M(math.inf, "right", False, 64), 12, 64) == capacity.ABOVE  # "> 64" is above a range ending at 64
    assert side(M(math.inf, "right", True, 64, 64.0), 12, 64) == capacity.UNKNOWN  # may be 64 itself
    assert side(M(math.inf, "right", True, 64, 8.0), 12, 24) == capacity.UNKNOWN
    assert side(M(12.0, None, True, 64, 4.0), 4, 12) == capacity.INSIDE  # from its first success to its minimum
    assert side(M(12.0, None, True, 64, 4.0), 6, 12) == capacity.UNKNOWN
    assert side(M(12.0, None, True, 64, 4.0), None, None) == capacity.INSIDE
    assert side(M(2.0, "left", False, 64), None, 6) == capacity.INSIDE
    assert side(M(2.0, "left", False, 64), 2, 6) == capacity.UNKNOWN


def test_surely_above_and_the_rank_values():
    M = capacity.Minimum
    assert capacity.surely_above(M(9.0, None, False, 64), M(8.0, None, False, 64))
    assert not capacity.surely_above(M(8.0, None, False, 64), M(8.0, None, False, 64))
    assert capacity.surely_above(M(math.inf, "right", False, 64), M(64.0, None, False, 64))  # > 64 vs 64
    assert not capacity.surely_above(M(math.inf, "right", True, 64, 64.0), M(64.0, None, False, 64))
    assert not capacity.surely_above(M(12.0, None, True, 64, 4.0), M(8.0, None, False, 64))  # may be 4
    assert not capacity.surely_above(M(12.0, None, False, 64), M(12.0, None, True, 64, 4.0))
    assert capacity.lowest_rank_value(M(2.0, "left", False, 64)) == 2.0
    assert capacity.lowest_rank_value(M(math.inf, "right", False, 64)) == math.inf
    assert capacity.lowest_rank_value(M(math.inf, "right", True, 64, 16.0)) == 16.0
    assert capacity.lowest_rank_value(M(12.0, None, True, 64, 4.0)) == 4.0
    assert capacity.lowest_rank_value(M(12.0, None, False, 64, 4.0)) == 12.0


def test_capacity_of_a_curve_and_its_first_success():
    f1 = pd.Series([0.8, 0.95, 0.85, 0.95, 0.96], index=[2, 4, 6, 8, 10])
    cap, first = capacity.capacity_of(f1, capacity.at_success)
    assert (cap, first) == (Capacity(8.0, None, True), 4.0)
    cap, first = capacity.capacity_of(pd.Series([0.8, 0.9], index=[2, 4]), capacity.at_success)  # 0.9 fails
    assert cap == Capacity(math.inf, "right", False) and math.isnan(first)
    assert capacity.capacity_of(pd.Series([0.91, 0.92], index=[2, 4]), capacity.at_success) == \
        (Capacity(2.0, "left", False), 2.0)
    assert capacity.at_success(pd.Series([0.9, 0.9001])).tolist() == [False, True]
    rows = capacity.capacity_rows(study({"histories": histories({"0-1": [4] * 3})}), RULES)
    assert capacity.pair_minima(rows, "4-9") == ({}, None)


def test_capacity_rows_read_the_configured_split_and_statistic():
    h = pd.concat([histories({"0-1": [4, 8, 8]}).assign(epoch=1),
                   histories({"0-1": [2, 2, 2]}).assign(epoch=2, f1=lambda t: t["f1"] - 0.1)])
    rows = capacity.capacity_rows(study({"histories": h}), RULES)
    assert list(rows.columns) == ["pair", "width", "seed", "f1"] and len(rows) == 33
    seeds, mean = capacity.pair_minima(rows, "0-1")
    assert {s: c.value for s, (c, _) in seeds.items()} == {0: 4.0, 42: 8.0, 78: 8.0}  # best over epochs
    final = capacity.capacity_rows(study({"histories": h}), {**RULES, "capacity_statistic": "final_f1"})
    assert final["f1"].max() == pytest.approx(0.85)  # the last epoch: never above 0.90
    train = capacity.capacity_rows(study({"histories": h.assign(f1=h["f1"].where(h.split == "val", 0.1))}), RULES,
                                   split="train")
    assert train["f1"].max() == pytest.approx(0.1)
    assert capacity.capacity_rows(study({"histories": h}), RULES, stat="final_f1")["f1"].max() == pytest.approx(0.85)
    assert mean[0].value == 8.0 and mean[1] == 8.0  # the mean over seeds first passes 0.90 at 8


def test_minima_text_counts_broken_monotonicity():
    M = capacity.Minimum
    seeds = {78: M(12.0, None, True, 64, 4.0), 0: M(8.0, None, False, 64), 42: M(2.0, "left", False, 64)}
    text = capacity.minima_text(M(8.0, None, False, 64), seeds, "C = ")
    assert text == "C = 8 (seeds: 8, ≤ 2, 12); success not monotone in width on 1 of 3 seeds"
    assert capacity.minima_text(M(8.0, None, False, 64), {0: M(8.0, None, False, 64)}) == "8 (seeds: 8)"
    e = capacity.estimate_of(M(10.0, None, False, 64), list(seeds.values()), "seeds", "how")
    assert (e.value, e.low, e.high, e.n, e.unit, e.method) == (10.0, 2.0, 12.0, 3, "seeds", "how")


def test_growth_verdict_lines():
    M = lambda v, c=None: capacity.Minimum(v, c, False, 64)  # noqa: E731
    grows = {"a": {0: M(2), 1: M(2)}, "b": {0: M(8), 1: M(6)}, "c": {0: M(24), 1: M(32)}}
    r = capacity.growth_result(grows, ["a", "b", "c"], RULES, "g", "g")
    assert r.measured == ("a: 2, 2 · b: 8, 6 · c: 24, 32; Page L = 28, p = 0.028; c above a on 2 of 2 seeds; "
                          "success not monotone in width for 0 of 6 (pair, seed)")  # two seeds suffice
    assert r.verdict == REPRODUCED
    at_p = {**RULES, "alpha": 1 / 36}  # Page's p exactly: p = alpha decides nothing
    assert capacity.growth_result(grows, ["a", "b", "c"], at_p, "g", "g").verdict == INCONCLUSIVE
    strict = capacity.growth_result(grows, ["a", "b", "c"], {**RULES, "alpha": 1e-9}, "g", "g")
    assert strict.verdict == INCONCLUSIVE  # Page's p is not below alpha
    one = capacity.growth_result({p: {0: v[0]} for p, v in grows.items()}, ["a", "b", "c"], RULES, "g", "g")
    assert "Page's test needs ≥ 2 seeds and ≥ 3 pairs" in one.measured and one.verdict == INCONCLUSIVE
    flat = {"a": {0: M(8), 1: M(8)}, "b": {0: M(2), 1: M(4)}, "c": {0: M(8), 1: M(8)}}
    assert capacity.growth_result(flat, ["a", "b", "c"], RULES, "g", "g").verdict == NOT_REPRODUCED
    beyond = {"a": {0: M(8), 1: M(math.inf, "right")}, "b": {0: M(8), 1: M(math.inf, "right")},
              "c": {0: M(4), 1: M(math.inf, "right")}}
    r = capacity.growth_result(beyond, ["a", "b", "c"], RULES, "g", "g")
    assert r.verdict == INCONCLUSIVE and "c above a on 0 of 2 seeds" in r.measured
    many = {p: {s: M(v) for s, v in enumerate(vals)} for p, vals in
            {"a": [2] * 6, "b": [4] * 6, "c": [8] * 6, "d": [16] * 6}.items()}
    assert capacity.growth_result(many, list("abcd"), RULES, "g", "g").verdict == REPRODUCED


def test_baseline_rows_word_for_word():
    from lowcap.core.stats import Estimate

    table = pd.concat([baseline([0.95, 0.96, 0.955]), baseline([0.5, 0.5, 0.5], pair="0-1")])
    r = capacity.baseline_hardest(study({"baseline": table}, pairs=("0-1", "4-9")), RULES)
    e = r.estimate
    assert fields(r) == {
        "claim_id": "baseline_hardest",
        "claim": "the hardest pair (4-9) needs hidden units: logistic regression, no hidden layer, validation F1 ≤ 0.9",
        "paper": "a hidden layer is needed", "verdict": NOT_REPRODUCED, "measured": "F1 0.955 [0.943, 0.967]",
        "test": "95% Student-t over seeds", "null": "the baseline passes: F1 > 0.9", "n": "3 seeds",
        "estimate": Estimate(0.955, e.low, e.high, 3, "seeds", "95% Student-t over seeds"), "note": "",
        "kind": registry.PAPER}
    wide = capacity.baseline_hardest(study({"baseline": baseline([0.5, 0.99, 0.99])}), {**RULES, "confidence": 0.5})
    assert wide.estimate.high <= 1 and wide.verdict == INCONCLUSIVE
    clipped = capacity.baseline_hardest(study({"baseline": baseline([0.2, 0.99, 0.99])}), RULES)
    assert clipped.estimate.high == 1.0 and clipped.estimate.low == 0.0  # the interval stays within [0, 1]


def test_replace_block_replaces_the_first_block_only_and_main_reads_the_command_line(tmp_path, monkeypatch):
    text = ("a\n<!-- claims:begin: x -->\nold\n<!-- claims:end -->\n"
            "b\n<!-- claims:begin: y -->\nkeep\n<!-- claims:end -->\n")
    assert table.replace_block(text, table.BLOCK_BEGIN, table.BLOCK_END, "\nnew\n\n") == (
        "a\n<!-- claims:begin: x -->\nnew\n<!-- claims:end -->\n"
        "b\n<!-- claims:begin: y -->\nkeep\n<!-- claims:end -->\n")
    (tmp_path / "docs").mkdir()
    readme, page = tmp_path / "README.md", tmp_path / claims.FINDINGS_PAGE
    readme.write_text("a\n<!-- claims:begin: g -->\nold\n<!-- claims:end -->\n")
    page.write_text("<!-- findings:begin: g -->\nold\n<!-- findings:end -->\n<!-- seeds:begin -->\n<!-- seeds:end -->\n")
    (tmp_path / "claims.md").write_text("# t\n\n## Paper claims\n")
    (tmp_path / "findings.md").write_text("found\n")
    empty = pd.DataFrame(columns=["claim_id", "study", "verdict", "value", "interval_low", "interval_high"])
    empty.to_csv(tmp_path / "claims.csv", index=False)
    (tmp_path / claims.TEN_SEEDS_TABLE).parent.mkdir(parents=True)
    empty.to_csv(tmp_path / claims.TEN_SEEDS_TABLE, index=False)
    monkeypatch.setattr("sys.argv", ["lowcap.claims", str(readme), str(tmp_path / "claims.md"),
                                     str(tmp_path / "findings.md")])
    assert claims.main() == 0
    assert readme.read_text() == "a\n<!-- claims:begin: g -->\n### Paper claims\n<!-- claims:end -->\n"
    assert page.read_text().startswith("<!-- findings:begin: g -->\nfound\n<!-- findings:end -->\n"
                                       "<!-- seeds:begin -->\nOf 0 testable rows")


def test_tables_read_back_from_the_csv_render_the_same_and_take_the_first_testable_row(tmp_path):
    long = rendered_long()
    long.to_csv(tmp_path / "claims.csv", index=False)
    back = pd.read_csv(tmp_path / "claims.csv")
    assert back["note"].isna().any() and back["measured"].isna().any()  # empty cells read back as NaN
    assert table.markdown(back, RENDERED_FAMILIES) == RENDERED_MD
    R = registry.Result
    z = registry.long_table({"s1": [R("z", "z untested", "—", NOT_TESTABLE, "—", "—", "—", "—", note="why")],
                             "s2": [R("z", "z claim", "pz", REPRODUCED, "v", "t", "nu", "3 seeds")]})
    ((kind, family, rows),) = table.grouped_rows(z, {"z": "capacity"})
    assert (kind, family) == ("Paper claims", "Capacity")
    assert rows == [{"claim": "z claim", "paper": "pz", "cells": ["**not testable** · why", "**reproduced** · v"],
                     "test": "t", "null": "nu", "n": "3 seeds", "note": "—"}]


def test_a_kind_without_a_title_goes_last_under_its_own_name():
    long = rendered_long()
    long.loc[long["claim_id"] == "c1", "kind"] = "custom kind"
    groups = [(kind, family, [r["claim"] for r in rows]) for kind, family, rows in
              table.grouped_rows(long, RENDERED_FAMILIES)]
    assert groups == [("Paper claims", "Pruning and what it keeps", ["claim two"]),
                      ("Paper claims", "other", ["extra one"]),
                      ("As-released checks (the authors' code, not the paper's claim)", "Pruning and what it keeps",
                       ["released one"]),
                      ("The paper's open questions", "Mutual information per unit", ["open one"]),
                      ("custom kind", "Capacity", ["claim one"])]


def test_evaluate_goes_on_after_a_claim_it_cannot_test(monkeypatch):
    def later(study, rules):
        """Rule: r."""
        return registry.Result("later_one", "l", "—", registry.SUPPORTED, "v", "t", "n", "1", kind=registry.OPEN)

    entries = [registry.Claim(later, registry.OPEN, ("absent",), ("mlp", "tpu"), ("open_q_1",)),
               registry.Claim(later, registry.OPEN, (), ("mlp", "tpu"), ("later_one",))]
    monkeypatch.setattr(registry, "REGISTRY", entries)
    got = registry.evaluate(Study("s", ("0-1",), "mlp", "train", {}), RULES)
    assert [(r.claim_id, r.claim, r.kind, r.verdict) for r in got] == [
        ("open_q_1", "open q 1", registry.OPEN, NOT_TESTABLE), ("later_one", "l", registry.OPEN, registry.SUPPORTED)]
    cnn = registry.evaluate(Study("s", ("0-1",), "cnn", "train", {}), RULES)
    assert [r.note for r in cnn] == ["not testable for a cnn study: the claim is about mlp or tpu networks"] * 2


@pytest.mark.parametrize("drop, verdict", [(lambda p, s, w: 0.4 / w, REPRODUCED),
                                           (lambda p, s, w: 0.001 * w, NOT_REPRODUCED)])
def test_the_trend_needs_p_below_alpha_not_at_it(drop, verdict):
    # One seed, three widths in order: the exact one-sided p is 1/6, so alpha = 1/6 decides nothing.
    table = robustness_table(drop, widths=(8, 16, 32))
    table = robustness.drops(table[table["seed"] == 0], "noise", 0.3)
    assert robustness.trend(table, RULES, "less" if verdict == REPRODUCED else "greater").p_value == \
        pytest.approx(1 / 6)
    assert robustness.trend_verdict(table, {"alpha": 1 / 6})[0] == INCONCLUSIVE
    got, per_pair, overall = robustness.trend_verdict(table, {"alpha": 1 / 6 + 1e-9})
    assert got == verdict and overall.strata == 1 and overall.n_points == 3
    p_less = "0.17" if verdict == REPRODUCED else "1"  # the per-pair text shows the claimed direction's p
    assert per_pair == f"4-9: ρ {overall.mean_rho:.2f}, p {p_less} (1 seeds)"


def test_a_pair_whose_grid_stops_early_is_censored_at_its_own_widest_width():
    """Found by mutation testing: a minimum was censored at the study's widest width."""
    h = histories({"0-1": [4, 4, 4], "4-9": [math.inf] * 3})
    h = h[~((h.pair == "4-9") & (h.width > 32))]  # 4-9 ran up to width 32 only, and never succeeded
    rules = {**RULES, "paper_min_width": {"0-1": [4, 6], "4-9": [12, 48]}}
    r = by_id(capacity.min_width(study({"histories": h}), rules), "min_width_4-9")
    # "> 32" may still be 48, inside [12, 48]: undecided, not "more units than the paper".
    assert (r.verdict, r.measured) == (INCONCLUSIVE, "> 32 (seeds: > 32, > 32, > 32)")


def test_a_non_monotone_seed_counts_from_its_first_success():
    h = histories({"0-1": [4, 4, 4]})
    h.loc[h.width == 6, "f1"] = 0.5  # every seed succeeds at 4, fails at 6, succeeds from 8 on
    inside = capacity.min_width(study({"histories": h}), {**RULES, "paper_min_width": {"0-1": [4, 8]}})[0]
    assert inside.verdict == REPRODUCED  # anywhere from 4 to 8: inside [4, 8]
    assert inside.measured == "8 (seeds: 8, 8, 8); success not monotone in width on 3 of 3 seeds"
    spans = capacity.min_width(study({"histories": h}), {**RULES, "paper_min_width": {"0-1": [6, 8]}})[0]
    assert spans.verdict == INCONCLUSIVE  # it may be 4, below [6, 8]


def test_growth_counts_a_non_monotone_hardest_pair_from_its_first_success():
    h = histories({"a": [4, 4, 4], "b": [8, 8, 8], "c": [16, 16, 16]})
    h.loc[(h.pair == "c") & (h.width == 2), "f1"] = 0.95  # c succeeds at 2, fails from 4 to 12, succeeds from 16
    r = capacity.min_width_grows(study({"histories": h}), RULES)
    # Ranked at its first success (2), c is the easiest pair: Page's p on those ranks is the larger one.
    assert (r.verdict, r.measured) == (INCONCLUSIVE, "a: 4, 4, 4 · b: 8, 8, 8 · c: 16, 16, 16; Page L = 33, p = 0.91; "
                                                     "c above a on 0 of 3 seeds; success not monotone in width for 3 "
                                                     "of 9 (pair, seed)")


def test_growth_without_pairs_or_with_a_pair_never_measured():
    M = lambda v: capacity.Minimum(v, None, False, 64)  # noqa: E731
    none = capacity.growth_result({}, [], RULES, "g", "grows")
    assert (none.verdict, none.measured, none.n) == (INCONCLUSIVE, "no seed with every pair", "0 seeds × 0 pairs")
    absent = capacity.growth_result({"a": {0: M(2), 1: M(2)}}, ["a", "b"], RULES, "g", "grows")
    assert (absent.verdict, absent.n) == (INCONCLUSIVE, "0 seeds × 2 pairs")
    one = capacity.growth_result({"a": {0: M(2)}, "b": {0: M(8)}, "c": {0: M(24)}}, ["a", "b", "c"], RULES, "g", "g")
    assert one.measured == ("a: 2 · b: 8 · c: 24; Page's test needs ≥ 2 seeds and ≥ 3 pairs; c above a on 1 of 1 "
                            "seeds; success not monotone in width for 0 of 3 (pair, seed)")


def test_the_overall_trend_is_one_sided_in_each_direction_over_strata_of_unequal_size():
    t = robustness_table(lambda p, s, w: 0.0003 * w + 0.03 * ((w * 7 + s * 3) % 5) / 5, widths=(8, 16, 24, 32, 48))
    t = t[~((t.seed == 0) & (t.width == 48))]  # seed 0 has 4 widths, the others 5: two groups of strata
    table = robustness.drops(t, "noise", 0.3)
    p_less, p_greater = (robustness.trend(table, RULES, a).p_value for a in ("less", "greater"))
    assert p_less > 0.9 and 0.01 < p_greater < 0.02
    verdict, _, overall = robustness.trend_verdict(table, {**RULES, "alpha": 0.02})
    assert (verdict, overall.p_value) == (NOT_REPRODUCED, p_less)  # the two-sided p (0.033) would not decide
    assert robustness.trend_verdict(table, {**RULES, "alpha": 0.01})[0] == INCONCLUSIVE


def test_drops_pair_each_clean_network_with_its_corrupted_copy_only():
    t = robustness_table(lambda p, s, w: 0.4 / w)
    lone = t[(t.corruption == "clean") & (t.width == 64)].assign(width=128)  # clean, never corrupted
    noisy_nan = t[t.corruption == "noise"].assign(sigma=math.nan, f1=0.1)  # a noise row without its σ
    table = pd.concat([t, lone, noisy_nan], ignore_index=True)
    got = robustness.drops(table, "noise", 1.0)
    assert got.empty and list(got.columns) == ["pair", "seed", "width", "clean", "corrupted", "drop"]
    got = robustness.drops(table, "noise", 0.3)
    assert list(got.columns) == ["pair", "seed", "width", "clean", "corrupted", "drop"] and len(got) == 18
    assert got.index.tolist() == list(range(18)) and 128 not in set(got["width"])


def unequal_strata(pair="4-9") -> pd.DataFrame:
    """A weak rise of the drop with width (one-sided p ≈ 0.017) over strata of 4 and 5 widths."""
    t = robustness_table(lambda p, s, w: 0.0003 * w + 0.03 * ((w * 7 + s * 3) % 5) / 5, pairs=(pair,),
                         widths=(8, 16, 24, 32, 48))
    return t[~((t.seed == 0) & (t.width == 48))]


def test_each_pair_is_judged_one_sided_whatever_the_order_of_the_pairs():
    falls = robustness_table(lambda p, s, w: 0.4 / w, pairs=("0-1",), widths=(8, 16, 24, 32, 48))
    rules = {**RULES, "alpha": 0.02}
    for order in ([unequal_strata(), falls], [falls, unequal_strata()]):
        table = robustness.drops(pd.concat(order, ignore_index=True), "noise", 0.3)
        verdict, per_pair, _ = robustness.trend_verdict(table, rules)
        assert verdict == PARTLY, order  # 0-1 holds, 4-9 shows the opposite trend at alpha
        assert "4-9: ρ 0.63, p 0.99 (3 seeds)" in per_pair  # the claimed direction's p, one-sided


def test_a_pair_at_alpha_neither_holds_nor_fails_and_a_pair_without_strata_stops_nothing():
    rises = robustness_table(lambda p, s, w: 0.001 * w, pairs=("0-1",))
    falls = robustness_table(lambda p, s, w: 0.4 / w, pairs=("0-1",))
    one = lambda drop: robustness_table(drop, pairs=("4-9",), widths=(8, 16, 32)).query("seed == 0")  # noqa: E731
    at = {**RULES, "alpha": 1 / 6}  # a stratum of 3 widths in order: one-sided p exactly 1/6
    table = robustness.drops(pd.concat([rises, one(lambda p, s, w: 0.4 / w)], ignore_index=True), "noise", 0.3)
    assert robustness.trend_verdict(table, at)[0] == NOT_REPRODUCED  # 4-9 at p = alpha does not hold
    table = robustness.drops(pd.concat([falls, one(lambda p, s, w: 0.001 * w)], ignore_index=True), "noise", 0.3)
    assert robustness.trend_verdict(table, at)[0] == REPRODUCED  # 4-9 at p = alpha does not fail
    floor = robustness_table(lambda p, s, w: 0.1, pairs=("5-6",), clean_of=lambda w: 0.95 if w >= 48 else 0.5)
    table = robustness.drops(pd.concat([floor, falls], ignore_index=True), "noise", 0.3)
    verdict, per_pair, _ = robustness.trend_verdict(table, RULES)
    assert verdict == REPRODUCED
    assert per_pair == "5-6: no seed with 3 widths that succeed clean; 0-1: ρ -1.00, p 0.0001 (3 seeds)"
