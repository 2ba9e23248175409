"""The statistics behind every verdict: one layer, built on scipy.stats, statsmodels and rliable.

Every claim of lowcap.claims measures its evidence with these functions, so that every cell of
the claims table has the same kinds of things: an estimate, an interval that contains it, the n
behind it (and how many units dropped out), the test and the null it is compared with.

Units and strata. A seed is one training run on its own split, so the seed is the unit of
replication: image-sampling noise is part of seed-to-seed noise. Comparisons of two models are
paired by seed within a stratum (pair, width), and intervals over many strata resample seeds
within each stratum (the stratified bootstrap of Agarwal et al. 2021, rliable), so strata are
never pooled into one cloud of points.

Why scipy's bootstrap and not rliable's: rliable's `StratifiedBootstrap` draws from numpy's
global random state (not reproducible from a seed here) and needs `arch` < 8, which does not
import under pandas 3. `scipy.stats.bootstrap` with one sample per stratum resamples within each
stratum independently: the same stratified bootstrap, seeded. rliable's own
`probability_of_improvement` is used as the definition that ours is tested against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Favourable, unfavourable, or the interval spans the line: evidence that cannot decide.
ABOVE, BELOW, SPANS = "above", "below", "spans"


@dataclass(frozen=True)
class Estimate:
    """A point estimate with an interval that always contains it, and what it rests on."""

    value: float
    low: float
    high: float
    n: int  # independent units behind the interval
    unit: str  # what n counts: "seeds", "seeds in 55 pair × width strata", "images", ...
    method: str  # how the interval was made (shown in the claims table's `test` column)
    n_missing: int = 0  # units that had no value (NaN) and were left out

    def __post_init__(self):
        if not math.isnan(self.value) and not (self.low <= self.value <= self.high):
            raise ValueError(f"interval [{self.low}, {self.high}] does not contain its estimate {self.value}")

    @property
    def defined(self) -> bool:
        return not math.isnan(self.value)

    def side(self, line: float) -> str:
        """ABOVE if the whole interval is above `line`, BELOW if wholly below, else SPANS.
        An interval that touches the line spans it: equality never decides a claim."""
        if not self.defined:
            return SPANS
        if self.low > line:
            return ABOVE
        if self.high < line:
            return BELOW
        return SPANS

    def show(self, digits: int = 3, scale: float = 1.0, suffix: str = "") -> str:
        if not self.defined:
            return "—"
        f = lambda v: _fmt(v * scale, digits) + suffix  # noqa: E731
        if self.low == self.high:
            return f(self.value)
        return f"{f(self.value)} [{f(self.low)}, {f(self.high)}]"

    def n_text(self) -> str:
        missing = f" ({self.n_missing} missing)" if self.n_missing else ""
        return f"{self.n} {self.unit}{missing}"


def _fmt(v: float, digits: int) -> str:
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if float(v).is_integer() and abs(v) >= 1:
        return str(int(v))
    return f"{v:.{digits}g}"


NAN_ESTIMATE = dict(value=math.nan, low=math.nan, high=math.nan)


def _contain(value: float, low: float, high: float, bounds=(-math.inf, math.inf)) -> tuple[float, float]:
    """Clip to the quantity's range, then widen to contain the estimate (a percentile interval of
    a skewed statistic can miss its own point estimate; widening never makes evidence look better)."""
    low, high = max(low, bounds[0]), min(high, bounds[1])
    return min(low, value), max(high, value)


def t_interval(values, confidence: float, bounds: tuple[float, float] = (-math.inf, math.inf),
               unit: str = "seeds") -> Estimate:
    """Mean and two-sided Student-t interval (scipy.stats.t), clipped to `bounds`. NaN values are
    left out and counted in `n_missing`."""
    from scipy.stats import t

    x = np.asarray(values, dtype=float)
    missing = int(np.isnan(x).sum())
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return Estimate(**NAN_ESTIMATE, n=0, unit=unit, method="no values", n_missing=missing)
    mean = float(x.mean())
    if len(x) < 2 or np.all(x == x[0]):
        return Estimate(mean, mean, mean, len(x), unit, "one value, or all equal: no interval", missing)
    half = float(t.ppf((1 + confidence) / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    low, high = _contain(mean, mean - half, mean + half, bounds)
    return Estimate(mean, low, high, len(x), unit, f"{confidence:.0%} Student-t over {unit}", missing)


def stratified_bootstrap(strata: list, confidence: float, seed: int = 0, n_resamples: int = 2000,
                         bounds: tuple[float, float] = (-math.inf, math.inf), statistic=None,
                         unit: str = "seeds") -> Estimate:
    """The mean over strata of each stratum's mean (every stratum weighs the same), with a
    percentile interval from resampling the units (seeds) within each stratum independently
    (scipy.stats.bootstrap, one sample per stratum). `statistic(per_stratum_means) -> float`
    replaces the mean over strata (e.g. the share of strata above a line). NaN units are left
    out and counted; a stratum left with no unit is dropped."""
    from scipy.stats import bootstrap

    cleaned, missing = [], 0
    for s in strata:
        s = np.asarray(s, dtype=float)
        missing += int(np.isnan(s).sum())
        s = s[~np.isnan(s)]
        if len(s):
            cleaned.append(s)
    n = sum(len(s) for s in cleaned)
    label = f"{unit} in {len(cleaned)} strata"
    if not cleaned:
        return Estimate(**NAN_ESTIMATE, n=0, unit=label, method="no values", n_missing=missing)
    reduce = statistic or (lambda means: np.mean(means, axis=0))

    def stat(*samples, axis=-1):
        return reduce(np.stack([np.mean(s, axis=axis) for s in samples]))

    value = float(stat(*cleaned))
    if all(np.all(s == s[0]) for s in cleaned):
        return Estimate(value, value, value, n, label, "no variation within strata: no interval", missing)
    # scipy needs two units per sample; resampling a lone unit gives that unit, as would [v, v].
    samples = tuple(c if len(c) > 1 else np.repeat(c, 2) for c in cleaned)
    res = bootstrap(samples, stat, n_resamples=n_resamples, confidence_level=confidence,
                    method="percentile", vectorized=True, rng=np.random.default_rng(seed))
    low, high = _contain(value, float(res.confidence_interval.low), float(res.confidence_interval.high), bounds)
    return Estimate(value, low, high, n, label,
                    f"{confidence:.0%} stratified bootstrap ({n_resamples} resamples of {unit} within strata)",
                    missing)


def improvement_probability(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """P(X > Y) + ½ P(X = Y) per stratum, for x, y of shape (..., runs, strata): rliable's
    `probability_of_improvement` before its mean over strata, vectorised over leading axes."""
    greater = (x[..., :, None, :] > y[..., None, :, :]).mean(axis=(-3, -2))
    ties = (x[..., :, None, :] == y[..., None, :, :]).mean(axis=(-3, -2))
    return greater + 0.5 * ties


def probability_of_improvement(x, y, confidence: float, seed: int = 0, n_resamples: int = 2000) -> Estimate:
    """rliable's probability of improvement of X over Y (the mean over strata of P(X > Y)), x and
    y of shape (runs, strata), with a stratified-bootstrap interval (runs resampled within each
    stratum, for X and Y independently). 0.5: no difference."""
    from scipy.stats import bootstrap

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size == 0 or y.size == 0:
        return Estimate(**NAN_ESTIMATE, n=0, unit="runs", method="no values")
    value = float(improvement_probability(x, y).mean())
    label = f"runs in {x.shape[1]} strata"
    samples = tuple(x[:, j] for j in range(x.shape[1])) + tuple(y[:, j] for j in range(y.shape[1]))
    k = x.shape[1]

    def stat(*cols, axis=-1):
        xs, ys = np.stack(cols[:k], axis=-1), np.stack(cols[k:], axis=-1)
        return improvement_probability(xs, ys).mean(axis=-1)

    if len(set(map(len, samples))) and all(np.all(s == s[0]) for s in samples):
        return Estimate(value, value, value, x.size, label, "no variation: no interval")
    res = bootstrap(samples, stat, n_resamples=n_resamples, confidence_level=confidence, method="percentile",
                    vectorized=True, rng=np.random.default_rng(seed))
    low, high = _contain(value, float(res.confidence_interval.low), float(res.confidence_interval.high), (0, 1))
    return Estimate(value, low, high, x.size, label,
                    f"probability of improvement (rliable), {confidence:.0%} stratified bootstrap")


def mcnemar(correct_a, correct_b) -> float:
    """Exact McNemar p-value (statsmodels) that models A and B, scored on the same images, err
    equally often: the paired test of two classifiers on one split."""
    from statsmodels.stats.contingency_tables import mcnemar as _mcnemar

    a, b = np.asarray(correct_a, dtype=bool), np.asarray(correct_b, dtype=bool)
    table = [[int((a & b).sum()), int((a & ~b).sum())], [int((~a & b).sum()), int((~a & ~b).sum())]]
    return float(_mcnemar(table, exact=True).pvalue)


@dataclass(frozen=True)
class StratifiedCorrelation:
    """Spearman correlation within strata: never pooled across strata."""

    median_rho: float  # median of the within-stratum correlations
    positive: int  # strata whose one-sided permutation p < alpha
    strata: int  # strata with enough points to correlate
    p_value: float  # within-stratum permutation p-values combined (Stouffer, weighted by √n)
    n_points: int

    def text(self) -> str:
        return (f"median within-stratum ρ {self.median_rho:.2f}; {self.positive} of {self.strata} strata ρ > 0 "
                f"at p < 0.05; combined p = {self.p_value:.2g} (n = {self.n_points} points)")


def spearman_with(y):
    """Spearman ρ of each row of `a` with the fixed `y`, vectorised for scipy.stats.permutation_test:
    the Pearson correlation of average ranks, as scipy.stats.spearmanr computes it, without a
    Python call per resample (tests/test_stats.py checks the p-values are scipy's own)."""
    from scipy.stats import rankdata

    ry = rankdata(y)
    ry = ry - ry.mean()

    def statistic(a, axis=-1):
        ra = rankdata(a, axis=axis)
        ra = ra - ra.mean(axis=axis, keepdims=True)
        return (ra * ry).sum(axis=axis) / np.sqrt((ra ** 2).sum(axis=axis) * (ry ** 2).sum())

    return statistic


def stratified_spearman(x, y, strata, seed: int = 0, n_resamples: int = 999, alpha: float = 0.05,
                        alternative: str = "greater") -> StratifiedCorrelation:
    """Spearman ρ of x and y within each stratum (scipy.stats.spearmanr), each tested by a
    permutation of y within that stratum (scipy.stats.permutation_test, pairings), the p-values
    combined over strata by Stouffer's method weighted by √n (scipy.stats.combine_pvalues).
    Permuting within strata means differences between strata can never create a correlation
    (no Simpson's paradox). Strata with fewer than 3 points, or a constant variable, are left out."""
    from scipy.stats import combine_pvalues, permutation_test, spearmanr

    x, y, strata = np.asarray(x, dtype=float), np.asarray(y, dtype=float), np.asarray(strata)
    rhos, ps, weights, n_points = [], [], [], 0
    rng = np.random.default_rng(seed)
    for key in dict.fromkeys(strata.tolist()):
        sel = (strata == key) & ~np.isnan(x) & ~np.isnan(y)
        xs, ys = x[sel], y[sel]
        if len(xs) < 3 or np.all(xs == xs[0]) or np.all(ys == ys[0]):
            continue
        res = permutation_test((xs,), spearman_with(ys), permutation_type="pairings", vectorized=True,
                               n_resamples=n_resamples, alternative=alternative, rng=rng)
        rhos.append(float(spearmanr(xs, ys).statistic))
        ps.append(float(res.pvalue))
        weights.append(math.sqrt(len(xs)))
        n_points += len(xs)
    if not rhos:
        return StratifiedCorrelation(math.nan, 0, 0, math.nan, 0)
    combined = combine_pvalues(ps, method="stouffer", weights=weights).pvalue if len(ps) > 1 else ps[0]
    positive = int(sum(1 for r, p in zip(rhos, ps) if p < alpha and (r > 0 if alternative != "less" else r < 0)))
    return StratifiedCorrelation(float(np.median(rhos)), positive, len(rhos), float(combined), n_points)


@dataclass(frozen=True)
class Capacity:
    """The smallest width from which every wider width of the grid succeeds, with censoring:
    'left' when the narrowest width already succeeds (the true minimum may be smaller), 'right'
    when the widest fails (no width of the grid is enough), None when it falls inside the grid."""

    value: float  # a width; inf when right-censored
    censored: str | None
    non_monotone: bool  # some width below `value` succeeds although a wider one fails

    def text(self, grid_max: float | None = None) -> str:
        if self.censored == "right":
            return f"> {_fmt(grid_max, 3)}" if grid_max is not None else "none"
        v = _fmt(self.value, 3)
        return f"≤ {v}" if self.censored == "left" else v


def minimum_capacity(widths, success) -> Capacity:
    """`widths` ascending, `success` one bool per width."""
    widths, success = list(widths), [bool(s) for s in success]
    if not widths:
        raise ValueError("minimum_capacity: an empty grid")
    if list(sorted(widths)) != widths:
        raise ValueError(f"minimum_capacity: widths must ascend, got {widths}")
    first = len(widths)
    for i in range(len(widths) - 1, -1, -1):
        if not success[i]:
            break
        first = i
    if first == len(widths):
        return Capacity(math.inf, "right", any(success))
    non_monotone = any(success[:first])
    return Capacity(float(widths[first]), "left" if first == 0 else None, non_monotone)


@dataclass(frozen=True)
class StratifiedRank:
    """One permutation test of the mean within-stratum Spearman ρ (stratified_rank_test)."""

    mean_rho: float  # the test statistic: the mean over strata of the within-stratum ρ
    median_rho: float
    strata: int  # strata with enough points to correlate
    n_points: int
    p_value: float

    def text(self) -> str:
        return (f"mean within-stratum ρ {self.mean_rho:.2f} (median {self.median_rho:.2f}) over {self.strata} strata; "
                f"stratified permutation p = {self.p_value:.2g} (n = {self.n_points} points)")


def _permutation_p(observed: float, null: np.ndarray, alternative: str) -> float:
    """Monte Carlo p-value of `observed` against draws `null` of its null distribution, counting
    the observed value as one draw (so p > 0), with scipy's tolerance for ties in floating point."""
    eps = 1e-14 * max(1.0, abs(observed))
    if alternative == "greater":
        hits = np.sum(null >= observed - eps)
    elif alternative == "less":
        hits = np.sum(null <= observed + eps)
    else:
        hits = min(np.sum(null >= observed - eps), np.sum(null <= observed + eps)) * 2
    return float(min(1.0, (hits + 1) / (len(null) + 1)))


def stratified_rank_test(x, y, strata, seed: int = 0, n_resamples: int = 9999,
                         alternative: str = "greater") -> StratifiedRank:
    """Permutation test of the mean over strata of the Spearman ρ of x and y within each stratum,
    y permuted within every stratum at once (scipy.stats.permutation_test, pairings, one sample
    per stratum; exact when the permutations are fewer than n_resamples). One test of one
    statistic: unlike combining one p-value per stratum (stratified_spearman), a small stratum
    at its most extreme order (3 points: p = 1 one time in 6) cannot veto the others. Within a
    stratum ρ is the Pearson correlation of average-tie ranks (scipy.stats.rankdata), as
    spearmanr. scipy permutes samples of one length together, so strata are tested in groups of
    equal size; the groups' permutation distributions (each exact or resampled by scipy) are then
    drawn from independently and added with the groups' weights in the mean, which gives the null
    distribution of the overall mean ρ: no group's p-value can veto the others (combining
    p-values would let one group at p = 1 force p = 1). Strata with fewer than 3 points, or a
    constant variable, are left out."""
    from scipy.stats import permutation_test, rankdata

    x, y, strata = np.asarray(x, dtype=float), np.asarray(y, dtype=float), np.asarray(strata)
    groups: dict[int, list] = {}
    rhos = []
    for key in dict.fromkeys(strata.tolist()):
        sel = (strata == key) & ~np.isnan(x) & ~np.isnan(y)
        rx, ry = rankdata(x[sel]), rankdata(y[sel])
        if len(rx) < 3 or np.all(rx == rx[0]) or np.all(ry == ry[0]):
            continue
        rx, ry = rx - rx.mean(), ry - ry.mean()
        scale = math.sqrt((rx * rx).sum() * (ry * ry).sum())
        rhos.append(float((rx * ry).sum() / scale))
        groups.setdefault(len(rx), []).append((rx / scale, ry))
    if not rhos:
        return StratifiedRank(math.nan, math.nan, 0, 0, math.nan)
    rng = np.random.default_rng(seed)
    observed, null = 0.0, np.zeros(n_resamples)
    for size, members in groups.items():
        weighted_x = np.stack([wx for wx, _ in members])  # (strata, size)

        def mean_rho(*ys, axis=-1):  # ys: one permuted y-rank sample per stratum
            stacked = np.stack([np.moveaxis(ry, axis, -1) for ry in ys], axis=-2)  # (..., strata, size)
            return np.mean(np.sum(weighted_x * stacked, axis=-1), axis=-1)

        res = permutation_test(tuple(ry for _, ry in members), mean_rho, permutation_type="pairings",
                               vectorized=True, n_resamples=n_resamples, alternative=alternative, rng=rng)
        share = len(members) / len(rhos)  # the group's weight in the mean over all strata
        observed += share * float(res.statistic)
        null += share * rng.choice(np.asarray(res.null_distribution, dtype=float), size=n_resamples)
    p = _permutation_p(observed, null, alternative) if len(groups) > 1 else float(res.pvalue)
    n_points = sum(size * len(m) for size, m in groups.items())
    return StratifiedRank(float(np.mean(rhos)), float(np.median(rhos)), len(rhos), n_points, float(p))


def rank_correlation(a, b) -> np.ndarray:
    """Spearman ρ of each pair of rows a[i], b[i] (k, ...) over all their entries, shape (k,): the
    2k rows ranked at once (scipy.stats.rankdata, average ties), then their correlation matrix
    (np.corrcoef), read off the diagonal of its a-by-b block. These are scipy.stats.spearmanr's own
    two steps, so for one pair (k = 1) it is bit for bit spearmanr(a[0], b[0]); spearmanr ranks row
    by row, half the time of a saliency-shift job's rank correlations (issue #19). NaN, without a
    warning, where either row is constant (its ranking is undefined); clipped to [-1, 1]."""
    from scipy.stats import rankdata

    k = len(a)
    flat_a, flat_b = np.reshape(a, (k, -1)), np.reshape(b, (k, -1))
    # Only rows with a ranking are correlated: one constant row would make its whole matrix NaN.
    ok = (np.ptp(flat_a, axis=1) > 0) & (np.ptp(flat_b, axis=1) > 0)
    out, m = np.full(k, np.nan), int(ok.sum())
    if m:
        rho = np.corrcoef(rankdata(np.vstack([flat_a[ok], flat_b[ok]]), axis=1))
        out[ok] = rho[1, 0] if m == 1 else np.diagonal(rho[:m, m:])  # [1, 0]: what spearmanr returns
    return np.clip(out, -1.0, 1.0)
