"""lowcap.core.stats, the statistics behind every verdict, against the libraries' own definitions
(scipy.stats, statsmodels, rliable) where they exist."""

import math

import numpy as np
import pytest
from scipy import stats as sp

from lowcap.core import stats


# --------------------------------------------------------------------------- Estimate


def test_an_estimate_outside_its_interval_is_refused():
    with pytest.raises(ValueError, match="does not contain"):
        stats.Estimate(7861, 3145, 4717, 3, "seeds", "range")  # finding 6 of issue 15
    stats.Estimate(math.nan, math.nan, math.nan, 0, "seeds", "no values")  # undefined: allowed


def test_side_is_decided_by_the_whole_interval_and_a_touch_spans():
    e = stats.Estimate(0.5, 0.4, 0.6, 3, "seeds", "t")
    assert (e.side(0.3), e.side(0.7), e.side(0.5), e.side(0.4), e.side(0.6)) == (
        stats.ABOVE, stats.BELOW, stats.SPANS, stats.SPANS, stats.SPANS)
    assert stats.Estimate(math.nan, math.nan, math.nan, 0, "seeds", "none").side(0.0) == stats.SPANS


def test_show_and_n_text():
    assert stats.Estimate(0.5, 0.4, 0.6, 3, "seeds", "t").show() == "0.5 [0.4, 0.6]"
    assert stats.Estimate(2.0, 2.0, 2.0, 3, "seeds", "t").show() == "2"
    assert stats.Estimate(math.inf, 48, math.inf, 3, "seeds", "t").show() == "∞ [48, ∞]"
    assert stats.Estimate(math.nan, math.nan, math.nan, 0, "seeds", "t").show() == "—"
    assert stats.Estimate(0.5, 0.4, 0.6, 2, "seeds", "t", n_missing=1).n_text() == "2 seeds (1 missing)"


# --------------------------------------------------------------------------- t_interval


def test_t_interval_is_scipys_one_sample_interval_and_counts_missing_seeds():
    x = [0.80, 0.84, 0.88, 0.83]
    e = stats.t_interval(x + [math.nan], 0.95)
    ref = sp.ttest_1samp(x, 0.0).confidence_interval(0.95)
    # float64 arithmetic on four numbers: equal to ~1e-12.
    assert (e.value, e.low, e.high) == (pytest.approx(np.mean(x), abs=1e-12), pytest.approx(ref.low, abs=1e-12),
                                        pytest.approx(ref.high, abs=1e-12))
    assert (e.n, e.n_missing) == (4, 1)  # finding 10: a dropped seed is recorded


def test_t_interval_clips_to_bounds_and_still_contains_its_value():
    e = stats.t_interval([0.99, 1.0, 0.9], 0.95, bounds=(0, 1))
    assert e.high == 1.0 and e.low <= e.value <= e.high
    one = stats.t_interval([0.7], 0.95)
    assert (one.value, one.low, one.high, one.n) == (0.7, 0.7, 0.7, 1)
    none = stats.t_interval([math.nan, math.nan], 0.95)
    assert not none.defined and (none.n, none.n_missing) == (0, 2)


# --------------------------------------------------------------------------- stratified_bootstrap


def test_stratified_bootstrap_weighs_strata_equally_and_is_seeded():
    strata = [[0.1, 0.2, 0.3], [0.9, 1.0, 0.95, 0.85, 0.9]]
    e = stats.stratified_bootstrap(strata, 0.95, seed=3, n_resamples=500)
    assert e.value == pytest.approx((0.2 + 0.92) / 2, abs=1e-12)
    assert e.low <= e.value <= e.high and e.n == 8 and "2 strata" in e.unit
    again = stats.stratified_bootstrap(strata, 0.95, seed=3, n_resamples=500)
    assert (again.low, again.high) == (e.low, e.high)


def test_one_stratum_bootstrap_is_scipys_percentile_bootstrap():
    x = np.array([0.2, 0.5, 0.4, 0.9, 0.3])
    e = stats.stratified_bootstrap([x], 0.9, seed=7, n_resamples=999)
    ref = sp.bootstrap((x,), np.mean, n_resamples=999, confidence_level=0.9, method="percentile",
                       rng=np.random.default_rng(7)).confidence_interval
    assert (e.low, e.high) == (pytest.approx(ref.low, abs=1e-12), pytest.approx(ref.high, abs=1e-12))


def test_stratified_bootstrap_counts_missing_and_drops_empty_strata():
    e = stats.stratified_bootstrap([[1.0, math.nan], [math.nan], [2.0, 2.0]], 0.95)
    assert (e.value, e.n, e.n_missing) == (1.5, 3, 2) and e.low == e.high == 1.5  # no variation within strata
    assert not stats.stratified_bootstrap([[math.nan]], 0.95).defined


def test_bootstrap_interval_contains_a_skewed_statistic():
    rng = np.random.default_rng(0)
    for trial in range(20):
        strata = [rng.exponential(size=3) ** 3 for _ in range(4)]
        e = stats.stratified_bootstrap(strata, 0.95, seed=trial, n_resamples=200,
                                       statistic=lambda means: np.median(means, axis=0))
        assert e.low <= e.value <= e.high


# --------------------------------------------------------------------------- probability of improvement


def test_probability_of_improvement_is_rliables():
    from rliable import metrics

    rng = np.random.default_rng(1)
    x, y = rng.random((5, 4)), rng.random((3, 4))
    x[0, 0] = y[0, 0]  # a tie counts one half
    e = stats.probability_of_improvement(x, y, 0.95, n_resamples=300)
    assert e.value == pytest.approx(metrics.probability_of_improvement(x, y), abs=1e-12)
    assert 0 <= e.low <= e.value <= e.high <= 1
    assert stats.probability_of_improvement(x + 10, y, 0.95, n_resamples=300).value == 1.0


def test_probability_of_improvement_without_variation_has_no_interval():
    e = stats.probability_of_improvement(np.ones((3, 2)), np.zeros((3, 2)), 0.95)
    assert (e.value, e.low, e.high) == (1.0, 1.0, 1.0)
    assert not stats.probability_of_improvement(np.empty((0, 2)), np.zeros((3, 2)), 0.95).defined


# --------------------------------------------------------------------------- McNemar


def test_mcnemar_is_the_exact_binomial_test_of_the_discordant_pairs():
    a = np.array([1] * 50 + [1] * 12 + [0] * 3 + [0] * 5, bool)
    b = np.array([1] * 50 + [0] * 12 + [1] * 3 + [0] * 5, bool)
    assert stats.mcnemar(a, b) == pytest.approx(sp.binomtest(3, 15, 0.5).pvalue, rel=1e-9)
    assert stats.mcnemar(a, a) == 1.0


# --------------------------------------------------------------------------- stratified_spearman


def test_pooling_never_creates_a_correlation_simpsons_paradox():
    """Within each stratum x and y are unrelated; the strata differ in both, so the pooled ρ is high."""
    rng = np.random.default_rng(0)
    x, y, strata = [], [], []
    for k in range(5):
        x += list(k * 10 + rng.random(8))
        y += list(k * 10 + rng.permutation(rng.random(8)))
        strata += [k] * 8
    assert sp.spearmanr(x, y).statistic > 0.9  # the paradox: pooled
    within = stats.stratified_spearman(x, y, strata, seed=0)
    assert within.p_value > 0.05 and abs(within.median_rho) < 0.5 and within.strata == 5


def test_stratified_spearman_finds_a_within_stratum_trend_in_either_direction():
    x = np.tile(np.arange(6.0), 4)
    strata = np.repeat(np.arange(4), 6)
    y = -x + 100 * strata  # falls within every stratum; strata shift it up
    less = stats.stratified_spearman(x, y, strata, alternative="less")
    assert less.p_value < 0.01 and less.median_rho == -1.0 and less.positive == 4 and less.n_points == 24
    assert stats.stratified_spearman(x, y, strata, alternative="greater").p_value > 0.9
    assert stats.stratified_spearman(x, -y, strata).p_value < 0.01


def test_stratified_spearman_leaves_out_short_or_constant_strata():
    res = stats.stratified_spearman([1, 2, 1, 2, 3], [1, 2, 5, 5, 5], ["a", "a", "b", "b", "b"])
    assert res.strata == 0 and math.isnan(res.p_value)
    one = stats.stratified_spearman([1, 2, 3, 4], [1, 3, 2, 4], [0] * 4, seed=1)
    assert one.median_rho == pytest.approx(sp.spearmanr([1, 2, 3, 4], [1, 3, 2, 4]).statistic)


# --------------------------------------------------------------------------- minimum_capacity


@pytest.mark.parametrize("success, value, censored, non_monotone", [
    ([False, False, True, True], 6, None, False),
    ([True, True, True, True], 2, "left", False),  # the narrowest already succeeds: ≤ 2
    ([False, True, False, False], math.inf, "right", True),  # the widest fails: > 8
    ([False, False, False, False], math.inf, "right", False),
    ([True, False, True, True], 6, None, True),  # success, then failure, then success from 6
])
def test_minimum_capacity_is_where_every_wider_width_succeeds(success, value, censored, non_monotone):
    cap = stats.minimum_capacity([2, 4, 6, 8], success)
    assert (cap.value, cap.censored, cap.non_monotone) == (value, censored, non_monotone)


def test_minimum_capacity_text_and_errors():
    assert stats.minimum_capacity([2, 4], [True, True]).text() == "≤ 2"
    assert stats.minimum_capacity([2, 4], [False, False]).text(64) == "> 64"
    assert stats.minimum_capacity([2, 4], [False, True]).text() == "4"
    with pytest.raises(ValueError):
        stats.minimum_capacity([4, 2], [True, True])
    with pytest.raises(ValueError):
        stats.minimum_capacity([], [])


# --------------------------------------------------------------------------- added by the saliency-shift claim


def test_stratified_bootstrap_keeps_a_stratum_left_with_one_unit():
    # Two seeds of the first stratum are NaN: its lone unit is its mean in every resample.
    e = stats.stratified_bootstrap([[0.5, np.nan, np.nan], [0.1, 0.2, 0.3]], 0.95, seed=0)
    assert e.n == 4 and e.n_missing == 2 and e.value == pytest.approx((0.5 + 0.2) / 2)
    assert (0.5 + 0.1) / 2 - 1e-12 <= e.low <= e.value <= e.high <= (0.5 + 0.3) / 2 + 1e-12  # only the second varies


def test_stratified_rank_test_is_spearman_within_strata_and_permutes_within_them():
    rng = np.random.default_rng(0)
    strata = np.repeat(np.arange(12), 4)
    x = rng.random(48) + strata  # strata far apart on both axes: a pooled ρ near 1
    y = -0.3 * (x - strata) + rng.random(48) * 0.2 + strata
    res = stats.stratified_rank_test(x, y, strata, alternative="less")
    rhos = [sp.spearmanr(x[strata == s], y[strata == s]).statistic for s in range(12)]
    assert res.mean_rho == pytest.approx(np.mean(rhos), abs=1e-12) and res.median_rho == pytest.approx(np.median(rhos))
    assert res.strata == 12 and res.n_points == 48 and res.p_value < 0.01
    assert sp.spearmanr(x, y).statistic > 0.9  # pooling would say the opposite
    assert stats.stratified_rank_test(x, y, strata, alternative="greater").p_value > 0.99


def test_stratified_rank_test_is_exact_for_one_small_stratum_and_not_vetoed_by_one():
    # One stratum of 3 in perfect order: exact p = 1/6 (one of the 3! orders).
    assert stats.stratified_rank_test([1, 2, 3], [1, 2, 3], [0, 0, 0]).p_value == pytest.approx(1 / 6)
    # 20 strata of 3 in order and one in reverse: Stouffer over per-stratum p would give p = 1
    # (stratified_spearman); one permutation test of the mean ρ still finds the trend.
    x = np.tile([1.0, 2.0, 3.0], 21)
    y = np.concatenate([np.tile([1.0, 2.0, 3.0], 20), [3.0, 2.0, 1.0]])
    strata = np.repeat(np.arange(21), 3)
    assert stats.stratified_spearman(x, y, strata).p_value == 1.0
    assert stats.stratified_rank_test(x, y, strata).p_value < 1e-3


def test_stratified_rank_test_groups_unequal_strata_and_leaves_out_short_or_constant_ones():
    x = np.array([1, 2, 3, 4, 1, 2, 3, 5, 6, 7, 1, 2], dtype=float)
    y = np.array([1, 2, 3, 4, 1, 2, 3, 1, 1, 1, 2, 1], dtype=float)
    strata = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3])  # 4 and 3 points; constant y; 2 points
    res = stats.stratified_rank_test(x, y, strata, seed=1)
    assert res.strata == 2 and res.n_points == 7 and res.mean_rho == pytest.approx(1.0)
    assert 0 < res.p_value < 0.05
    empty = stats.stratified_rank_test([1, 2], [2, 1], [0, 0])
    assert empty.strata == 0 and math.isnan(empty.p_value)


def test_the_vectorised_spearman_permutation_test_is_scipys_own():
    """stratified_spearman's statistic is vectorised for speed: the same p-values as permuting with
    scipy.stats.spearmanr itself, ties included."""
    rng = np.random.default_rng(5)
    for trial in range(4):
        x = rng.integers(0, 5, 9).astype(float)  # ties
        y = rng.random(9)
        for alternative in ("less", "greater"):
            ours = sp.permutation_test((x,), stats.spearman_with(y), permutation_type="pairings", vectorized=True,
                                       n_resamples=499, alternative=alternative, rng=np.random.default_rng(trial))
            ref = sp.permutation_test((x,), lambda a: sp.spearmanr(a, y).statistic, permutation_type="pairings",
                                      n_resamples=499, alternative=alternative, rng=np.random.default_rng(trial))
            assert ours.pvalue == ref.pvalue
            assert ours.statistic == pytest.approx(ref.statistic, abs=1e-12)


def test_one_small_stratum_at_its_extreme_cannot_veto_the_others():
    """Four 4-point strata in perfect inverse order and one 3-point stratum in perfect order: the
    strata are tested in two size groups; combining their p-values (Stouffer) gave p = 1 for
    "less" because the 3-point group sits at p = 1. The mean ρ is -0.6 and must be significant."""
    x, y, strata = [], [], []
    for k in range(4):
        x += [1, 2, 3, 4]
        y += [4, 3, 2, 1]
        strata += [k] * 4
    x += [1, 2, 3]
    y += [1, 2, 3]
    strata += [9] * 3
    less = stats.stratified_rank_test(x, y, strata, alternative="less")
    greater = stats.stratified_rank_test(x, y, strata, alternative="greater")
    assert less.mean_rho == pytest.approx(-0.6)
    assert less.p_value < 0.05
    assert greater.p_value > 0.5


# --------------------------------------------------------------------------- added by mutation testing
# Each test below kills mutants that survived `mutmut` (docs/design.md, "Mutation testing").


def test_mcnemar_takes_zero_one_scores_of_any_dtype():
    """Per-image scores arrive as 0/1 floats as often as bools: they must mean the same."""
    a = np.array([1] * 50 + [1] * 12 + [0] * 3 + [0] * 5, bool)
    b = np.array([1] * 50 + [0] * 12 + [1] * 3 + [0] * 5, bool)
    assert stats.mcnemar(a.astype(float), b.astype(float)) == stats.mcnemar(a, b)


def _monotone_strata(sizes, sign=1.0):
    x, y, strata = [], [], []
    for k, size in enumerate(sizes):
        x += list(range(size))
        y += [sign * v + 100 * k for v in range(size)]
        strata += [k] * size
    return x, y, strata


def test_stratified_spearman_default_seed_and_resamples_are_stated_ones():
    """One 10-point stratum in perfect order (10! > 999 pairings: Monte Carlo): p is the smallest
    999 resamples allow, 1 / 1000, and the default seed is 0 (reruns are bit-identical)."""
    x, y, strata = _monotone_strata([10])
    default = stats.stratified_spearman(x, y, strata)
    assert default.p_value == pytest.approx(1 / 1000, rel=1e-12)
    assert default == stats.stratified_spearman(x, y, strata, seed=0, n_resamples=999)
    rng = np.random.default_rng(7)  # a noisy stratum, whose Monte Carlo p depends on the seed
    x, y = rng.random(12), rng.random(12)
    assert stats.stratified_spearman(x, y, [0] * 12) == stats.stratified_spearman(x, y, [0] * 12, seed=0)
    assert stats.stratified_spearman(x, y, [0] * 12) != stats.stratified_spearman(x, y, [0] * 12, seed=1)


def test_stratified_spearman_is_reproducible_from_its_seed():
    rng = np.random.default_rng(3)
    x, y, strata = rng.random(30), rng.random(30), np.repeat([0, 1, 2], 10)
    assert stats.stratified_spearman(x, y, strata, seed=4) == stats.stratified_spearman(x, y, strata, seed=4)


def test_stratified_spearman_counts_positive_strata_at_alpha_in_the_tested_direction():
    """Two strata rise perfectly (p = 1/1000), one is unrelated (p well above 0.05): 2 of 3."""
    x, y, strata = _monotone_strata([10, 10])
    x += list(range(10))
    y += [5, 1, 8, 2, 9, 0, 3, 7, 4, 6]  # ρ ≈ 0.05
    strata += [2] * 10
    greater = stats.stratified_spearman(x, y, strata)
    assert (greater.positive, greater.strata, greater.n_points) == (2, 3, 30)
    assert stats.stratified_spearman(x, y, strata, alternative="less").positive == 0
    assert stats.stratified_spearman(x, y, strata, alpha=1.0).positive == 3


def test_stratified_spearman_weights_strata_by_root_n_in_stoufers_combination():
    """Unequal strata (6 and 12 points, both Monte Carlo): the combined p is scipy's weighted
    Stouffer of the two within-stratum p-values, not the first one alone nor the unweighted one."""
    x, y, strata = _monotone_strata([12, 6])
    y[3], y[4] = y[4], y[3]  # the 12-point stratum is not perfect, so its p differs from the other's
    res = stats.stratified_spearman(x, y, strata, n_resamples=199)
    ps = [stats.stratified_spearman(x[:12], y[:12], strata[:12], n_resamples=199).p_value,
          stats.stratified_spearman(x[12:], y[12:], strata[12:], n_resamples=199,
                                    seed=0).p_value]
    unweighted = sp.combine_pvalues(ps, method="stouffer").pvalue
    assert res.p_value != pytest.approx(unweighted, rel=1e-6)
    assert res.p_value != pytest.approx(ps[0], rel=1e-6)


def test_stratified_spearman_skips_short_and_constant_strata_without_stopping():
    """A short stratum first, then a constant-x one, then a valid one: only the last counts."""
    x = [1, 2] + [3, 3, 3, 3] + [1, 2, 3, 4, 5]
    y = [1, 2] + [1, 2, 3, 4] + [1, 2, 3, 4, 5]
    strata = ["short"] * 2 + ["flat"] * 4 + ["ok"] * 5
    res = stats.stratified_spearman(x, y, strata)
    assert (res.strata, res.n_points) == (1, 5) and res.median_rho == pytest.approx(1.0, abs=1e-12)


def test_stratified_spearman_reads_none_as_missing():
    res = stats.stratified_spearman([1, 2, None, 3], [1, 2, 3, None], [0] * 4)
    assert (res.strata, res.n_points) == (0, 0)  # 2 complete points: too few
    res = stats.stratified_spearman([1, 2, None, 3, 4, 5], [1, 2, 3, 3, 4, 5], [0] * 6)
    assert (res.strata, res.n_points) == (1, 5) and res.median_rho == pytest.approx(1.0, abs=1e-12)


def test_stratified_spearman_without_any_stratum_says_nothing():
    res = stats.stratified_spearman([1, 2], [1, 2], [0, 0])
    assert math.isnan(res.median_rho) and math.isnan(res.p_value)
    assert (res.positive, res.strata, res.n_points) == (0, 0, 0)


def test_right_censored_capacity_without_a_grid_reads_none():
    assert stats.minimum_capacity([2, 4], [False, False]).text() == "none"


@pytest.mark.parametrize("observed, null, alternative, p", [
    (0.5, [0.1, 0.5, 0.9, 0.2], "greater", 3 / 5),  # a tie counts as a hit
    (0.5, [0.1, 0.5, 0.9, 0.2], "less", 4 / 5),
    (0.5, [0.1, 0.5, 0.9, 0.2], "two-sided", 1.0),  # min(2, 3) * 2 = 4 hits, (4 + 1) / 5
    (0.9, [0.1, 0.5, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.95], "two-sided", 3 / 10),  # 1 tail hit * 2
    (0.95, [0.1, 0.5, 0.2, 0.3], "greater", 1 / 5),  # the observed value is one draw: p > 0
    (-0.1, [0.1, 0.5, 0.2, 0.3], "two-sided", 1 / 5),
    (0.5, [0.5, 0.9, 0.95, 0.99], "two-sided", 3 / 5),  # the tie is the only hit of the lower tail
    (0.0, [0.0, 0.0, 0.0], "two-sided", 1.0),  # 3 ties each side * 2 + 1 = 7 over 4: capped at 1
])
def test_permutation_p_counts_ties_and_the_observed_draw(observed, null, alternative, p):
    assert stats._permutation_p(observed, np.array(null), alternative) == pytest.approx(p, rel=1e-12)


def test_permutation_p_tolerance_is_relative_to_the_observed_size():
    """scipy's tie tolerance: 1e-14 × max(1, |observed|); a draw 1.5e-14 below 0.5 is no tie,
    one 2e-14 below 4 is."""
    assert stats._permutation_p(0.5, np.array([0.5 - 1.5e-14]), "greater") == 0.5
    assert stats._permutation_p(4.0, np.array([4.0 - 2e-14]), "greater") == 1.0
    assert stats._permutation_p(4.0, np.array([4.0 + 2e-14]), "less") == 1.0


def test_permutation_p_counts_a_draw_exactly_at_the_tolerance_edge():
    """Added by mutation testing (issue #15): a draw at observed ∓ the tolerance itself is a tie
    (>=, <=), in each tail of each alternative."""
    eps = 1e-14
    below, above = np.array([0.5 - eps]), np.array([0.5 + eps])
    assert stats._permutation_p(0.5, below, "greater") == 1.0
    assert stats._permutation_p(0.5, above, "less") == 1.0
    # Two-sided: each tail holds its edge draw and one more draw far inside it.
    assert stats._permutation_p(0.5, np.array([0.5 - eps, 0.9, 0.1, 0.1]), "two-sided") == 1.0  # min(2, 3) * 2
    assert stats._permutation_p(0.5, np.array([0.5 + eps, 0.1, 0.9, 0.9]), "two-sided") == 1.0


def test_stratified_spearman_counts_a_stratum_at_alpha_as_not_positive():
    """Added by mutation testing (issue #15): 3 points in order, exact p = 1/6: at alpha = 1/6 the
    stratum is not counted, just above it is."""
    x, y, strata = [1, 2, 3], [1, 2, 3], [0, 0, 0]
    assert stats.stratified_spearman(x, y, strata).p_value == pytest.approx(1 / 6)
    assert stats.stratified_spearman(x, y, strata, alpha=1 / 6).positive == 0
    assert stats.stratified_spearman(x, y, strata, alpha=1 / 6 + 1e-9).positive == 1


def test_probability_of_improvement_defaults_and_its_empty_and_single_run_cases():
    """Added by mutation testing (issue #15): seed 0 and 2000 resamples by default; no runs give
    an undefined estimate that says so; one run against one run is a defined value."""
    rng = np.random.default_rng(3)
    x, y = rng.normal(0.1, 1, (5, 3)), rng.normal(0, 1, (5, 3))
    default = stats.probability_of_improvement(x, y, 0.95)
    assert default == stats.probability_of_improvement(x, y, 0.95, seed=0, n_resamples=2000)
    assert default != stats.probability_of_improvement(x, y, 0.95, seed=1)
    assert default != stats.probability_of_improvement(x, y, 0.95, n_resamples=2001)
    empty = stats.probability_of_improvement(np.empty((0, 3)), y, 0.95)
    assert math.isnan(empty.value) and (empty.n, empty.unit, empty.method) == (0, "runs", "no values")
    one = stats.probability_of_improvement([[0.9]], [[0.8]], 0.95)
    assert one == stats.Estimate(1.0, 1.0, 1.0, 1, "runs in 1 strata", "no variation: no interval")
    assert (default.n, default.unit) == (15, "runs in 3 strata")


def test_stratified_bootstrap_says_what_it_rests_on_in_every_case():
    """Added by mutation testing (issue #15)."""
    nothing = stats.stratified_bootstrap([[np.nan], []], 0.95)
    assert math.isnan(nothing.value) and (nothing.n, nothing.unit, nothing.method, nothing.n_missing) == (
        0, "seeds in 0 strata", "no values", 1)
    flat = stats.stratified_bootstrap([[1.0, 1.0], [2.0, 2.0, 2.0]], 0.95, unit="networks")
    assert flat == stats.Estimate(1.5, 1.5, 1.5, 5, "networks in 2 strata", "no variation within strata: no interval")
    varied = stats.stratified_bootstrap([[1.0, 2.0, 4.0], [2.0, None, 2.5]], 0.95)
    assert (varied.n, varied.n_missing) == (5, 1)  # None reads as a missing value
    assert varied.method == "95% stratified bootstrap (2000 resamples of seeds within strata)"
    assert varied == stats.stratified_bootstrap([[1.0, 2.0, 4.0], [2.0, np.nan, 2.5]], 0.95, seed=0, n_resamples=2000)
