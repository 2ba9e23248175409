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
    readme.write_text("a\n<!-- claims:begin: g -->\nold\n<!-- claims:end -->\nb\n<!-- seeds:begin: g -->\nold\n"
                      "<!-- seeds:end -->\n")
    page.write_text("c\n<!-- findings:begin: g -->\nold\n<!-- findings:end -->\nd\n")
    (tmp_path / "claims.md").write_text("# t\n\n| claim | paper |\n|---|---|\n")
    (tmp_path / "findings.md").write_text("#### Capacity\nnew\n")
    row = dict(claim_id="a", study="released", value=0.5, interval_low=0.4, interval_high=0.6)
    pd.DataFrame([{**row, "verdict": "inconclusive"}]).to_csv(tmp_path / "claims.csv", index=False)
    (tmp_path / claims.TEN_SEEDS_TABLE).parent.mkdir(parents=True)
    pd.DataFrame([{**row, "verdict": "reproduced"}]).to_csv(tmp_path / claims.TEN_SEEDS_TABLE, index=False)
    assert claims.main([str(readme), str(tmp_path / "claims.md"), str(tmp_path / "findings.md")]) == 0
    assert readme.read_text() == (
        "a\n<!-- claims:begin: g -->\n| claim | paper |\n|---|---|\n<!-- claims:end -->\nb\n<!-- seeds:begin: g -->\n"
        "Of 1 testable rows of the studies released, three seeds leave 1 inconclusive; ten seeds decide 1 of them. "
        "0 verdicts that three seeds gave change with ten.\n\n| claim | study | 3 seeds | 10 seeds |\n|---|---|---|---|\n"
        "| a | released | **inconclusive** 0.5 [0.4, 0.6] | **reproduced** 0.5 [0.4, 0.6] |\n<!-- seeds:end -->\n")
    assert page.read_text() == "c\n<!-- findings:begin: g -->\n#### Capacity\nnew\n<!-- findings:end -->\nd\n"


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
