"""Claims of the registry (lowcap.claims.registry): capacity.

The minimum capacity of a (pair, seed) is the smallest width from which every wider width of the
grid succeeds (F1 > 0.90; lowcap.core.stats.minimum_capacity): the grid's floor and ceiling censor it
("≤ 2": the narrowest already succeeds; "> 64": none is enough). A seed is the unit of
replication, so every verdict reads the per-seed minima, shown as a list next to the minimum of
the mean over seeds. Widths are the paper's hidden units (MLP studies only); parameter counts
(MLP 786·H + 1, CNN 179·C + 1) compare an MLP and a CNN study on one axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd

from lowcap.core.architecture import parameter_count
from lowcap.analyses.capacity import SUCCESS_F1, per_seed_f1, succeeds
from lowcap.claims.registry import (INCONCLUSIVE, NOT_REPRODUCED, NOT_TESTABLE, PAPER, REPRODUCED, TEST_POOL_NOTE,
                                    Result, Study, claim)
from lowcap.core.stats import Capacity, Estimate, _fmt, minimum_capacity, t_interval

INSIDE, BELOW, ABOVE, UNKNOWN = "inside", "below", "above", "unknown"
NO_NULL = "no statistical null: each seed's minimum is compared with the paper's range"
NOT_MONOTONE_TEXT = "success not monotone in width"


# --------------------------------------------------------------------------- evidence


def capacity_rows(study: Study, rules: dict, split: str | None = None, stat: str | None = None) -> pd.DataFrame:
    """(pair, width, seed, f1) of one split and statistic (rules' capacity_split / capacity_statistic)."""
    split, stat = split or rules["capacity_split"], stat or rules["capacity_statistic"]
    per_seed = per_seed_f1(study["histories"])
    rows = per_seed[per_seed["split"] == split]
    return rows[["pair", "width", "seed", stat]].rename(columns={stat: "f1"})


def at_success(f1: pd.Series) -> np.ndarray:
    return np.asarray(succeeds(f1))


def near_widest(points: float):
    """Stricter success: F1 within `points` (of 100) of the widest network's F1 (the same curve)."""
    return lambda f1: np.asarray(f1 >= f1.iloc[-1] - points / 100)


def pair_minima(rows: pd.DataFrame, pair: str, success=at_success) -> tuple[dict, tuple | None]:
    """Per seed, and on the mean over seeds: (minimum capacity, first width that succeeds) of one
    pair. (`{}`, None) without data."""
    g = rows[rows["pair"] == pair]
    if g.empty:
        return {}, None
    seeds = {int(seed): capacity_of(s.set_index("width")["f1"].sort_index(), success)
             for seed, s in g.groupby("seed")}
    return seeds, capacity_of(g.groupby("width")["f1"].mean().sort_index(), success)


def capacity_of(f1_by_width: pd.Series, success) -> tuple[Capacity, float]:
    """The minimum capacity of one F1 curve, and the first width that succeeds (NaN: none)."""
    ok = success(f1_by_width.reset_index(drop=True))
    widths = f1_by_width.index.tolist()
    earliest = float(widths[int(np.argmax(ok))]) if ok.any() else math.nan
    return minimum_capacity(widths, ok), earliest


@dataclass(frozen=True)
class Minimum:
    """One minimum capacity (a width, or a parameter count) and what bounds the true minimum.
    Success that is not monotone in width (a width succeeds, a wider one fails) leaves the minimum
    anywhere from the first width that succeeds to `value`: the seed's minimum is that interval,
    so noise that breaks monotonicity can only make a comparison undecided, never decide it."""

    value: float  # the smallest width from which every wider one succeeds; inf when right-censored
    censored: str | None  # "left" (≤ value), "right" (> widest), None
    non_monotone: bool
    widest: float  # the grid's widest value
    earliest: float = math.nan  # the first width that succeeds (NaN: none does)

    @classmethod
    def of(cls, cap: Capacity, widest: float, architecture: str | None = None, earliest: float = math.nan
           ) -> "Minimum":
        """From stats.Capacity; with `architecture`, widths become parameter counts."""
        count = (lambda w: w) if architecture is None else (  # noqa: E731
            lambda w: w if math.isinf(w) or math.isnan(w) else float(parameter_count(architecture, int(w))))
        return cls(count(cap.value), cap.censored, cap.non_monotone, count(float(widest)), count(earliest))

    def bounds(self) -> tuple[float, float, bool]:
        """(lowest, highest, lowest excluded) the true minimum can be."""
        if self.censored == "left":
            return -math.inf, self.value, False
        if self.censored == "right":
            return (self.earliest, math.inf, False) if self.non_monotone else (self.widest, math.inf, True)
        return (self.earliest if self.non_monotone else self.value), self.value, False

    def text(self) -> str:
        if self.censored == "right":
            return f"> {_fmt(self.widest, 6)}"
        return ("≤ " if self.censored == "left" else "") + _fmt(self.value, 6)


def range_side(m: Minimum, low: float | None, high: float | None) -> str:
    """Where one minimum lies against the paper's range [low, high] (high None: open above), judged
    on every value the true minimum can take: "≤ 2" is below [4, 6]; "> 64" is above [12, 24] and
    inside [10, ∞); a non-monotone seed counts from its first success; else UNKNOWN."""
    low = -math.inf if low is None else low
    high = math.inf if high is None else high
    lowest, highest, excluded = m.bounds()
    if highest < low:
        return BELOW
    if lowest > high or (excluded and lowest >= high):
        return ABOVE
    if lowest >= low and highest <= high:
        return INSIDE
    return UNKNOWN


def range_verdict(seeds: list[Minimum], low, high, unit: str) -> tuple[str, str]:
    """Reproduced iff every seed's minimum is inside the paper's range; not reproduced iff every
    seed's is outside on the same side (the direction is said); else inconclusive."""
    sides = {range_side(c, low, high) for c in seeds}
    if not seeds:
        return NOT_TESTABLE, ""
    if sides == {INSIDE}:
        return REPRODUCED, ""
    if sides == {BELOW}:
        return NOT_REPRODUCED, f"fewer {unit} than the paper"
    if sides == {ABOVE}:
        return NOT_REPRODUCED, f"more {unit} than the paper"
    return INCONCLUSIVE, ""


def estimate_of(mean: Minimum, seeds: list[Minimum], unit: str, method: str) -> Estimate:
    """The mean curve's minimum, with the range of every minimum shown (so the interval contains its value)."""
    values = [c.value for c in seeds] + [mean.value]
    return Estimate(mean.value, min(values), max(values), len(seeds), unit, method)


def range_text(low, high) -> str:
    if high is None:
        return f"≥ {_fmt(low, 6)}"
    return f"{_fmt(low, 6)}–{_fmt(high, 6)}" if low != high else _fmt(low, 6)


def minima_text(mean: Minimum, seeds: dict[int, Minimum], prefix: str = "") -> str:
    caps = [seeds[s] for s in sorted(seeds)]
    text = f"{prefix}{mean.text()} (seeds: {', '.join(c.text() for c in caps)})"
    flips = sum(c.non_monotone for c in caps)
    return text + (f"; {NOT_MONOTONE_TEXT} on {flips} of {len(caps)} seeds" if flips else "")


# --------------------------------------------------------------------------- minimum width per pair


def unstated(claim_id: str, text: str) -> Result:
    return Result(claim_id, text, "—", NOT_TESTABLE, "—", "—", "—", "—",
                  note="the paper states no minimum width for this pair")


def minimum_against_range(study: Study, rules: dict, pair: str, architecture: str | None, low, high,
                          claim_id: str, claim_text: str, paper: str) -> Result:
    """One pair's per-seed minima (widths, or parameters when `architecture` is given) against a range."""
    rows = capacity_rows(study, rules)
    seeds, mean = pair_minima(rows, pair)
    widest = widest_of(rows, pair)
    unit = "units" if architecture is None else "parameters"
    if mean is None:
        return Result(claim_id, claim_text, paper, NOT_TESTABLE, "—", "—", "—", "0 seeds",
                      note="no runs of this pair")
    seeds = {s: Minimum.of(c, widest, architecture, first) for s, (c, first) in seeds.items()}
    mean = Minimum.of(mean[0], widest, architecture, mean[1])
    verdict, direction = range_verdict(list(seeds.values()), low, high, unit)
    measured = minima_text(mean, seeds, "C = " if study.architecture == "cnn" and architecture is None else "")
    split, stat = rules["capacity_split"], rules["capacity_statistic"]
    test = (f"per-seed minimum capacity (smallest width from which every wider width has {split} {stat} > "
            f"{SUCCESS_F1}; grid floor and ceiling censored) against the paper's range, seed by seed")
    return Result(claim_id, claim_text, paper, verdict, measured + (f"; {direction}" if direction else ""), test,
                  NO_NULL, f"{len(seeds)} seeds",
                  estimate=estimate_of(mean, list(seeds.values()), "seeds", "range of the per-seed minima"),
                  note=TEST_POOL_NOTE if study.pool == "test" else "")


@claim(PAPER, lambda study: [f"min_width_{p}" for p in study.pairs], needs=("histories",), architectures=("mlp",))
def min_width(study: Study, rules: dict) -> list[Result]:
    """Each pair's minimum width against the paper's range (0-1: 4-6, 1-7 and 5-6: ≥ 10, 4-9: 12-24).

    Evidence: the per-seed minimum width (lowcap.core.stats.minimum_capacity on the configured split and
    statistic), censored at the grid's floor and ceiling; the minimum of the mean over seeds is shown.

    Null: none (a range check, seed by seed).

    Test: each seed's minimum compared with the range; a censored minimum compares by its bound.

    Rule: reproduced if every seed's minimum is inside the paper's range; not reproduced if every
    seed's minimum is outside it on the same side (measured names the direction: fewer or more units
    than the paper); otherwise inconclusive. A pair the paper gives no range for is not testable.
    """
    out = []
    for pair in study.pairs:
        cid, text = f"min_width_{pair}", f"minimum width with F1 > {SUCCESS_F1}, pair {pair} (per seed)"
        if pair not in rules["paper_min_width"]:
            out.append(unstated(cid, text))
            continue
        low, high = rules["paper_min_width"][pair]
        out.append(minimum_against_range(study, rules, pair, None, low, high, cid, text, range_text(low, high)))
    return out


@claim(PAPER, lambda study: [f"min_params_{p}" for p in study.pairs], needs=("histories",))
def min_params(study: Study, rules: dict) -> list[Result]:
    """Each pair's minimum capacity in parameters against the paper's widths counted as MLP parameters.

    Evidence: the per-seed minimum capacity, as parameters (MLP 786·H + 1, CNN 179·C + 1), censored
    at the grid's floor and ceiling; the minimum of the mean over seeds is shown.

    Null: none (a range check, seed by seed).

    Test: each seed's minimum compared with the paper's range in MLP parameters.

    Rule: reproduced if every seed's minimum is inside the range; not reproduced if every seed's
    is outside on the same side (fewer or more parameters than the paper, said in measured);
    otherwise inconclusive. A pair the paper gives no range for is not testable.
    """
    out = []
    for pair in study.pairs:
        cid = f"min_params_{pair}"
        text = f"minimum capacity in parameters with F1 > {SUCCESS_F1}, pair {pair} (per seed)"
        if pair not in rules["paper_min_width"]:
            out.append(unstated(cid, text))
            continue
        low, high = (None if w is None else parameter_count("mlp", int(w)) for w in rules["paper_min_width"][pair])
        out.append(minimum_against_range(study, rules, pair, study.architecture, low, high, cid, text,
                                         f"{range_text(low, high)} (the paper's widths, MLP)"))
    return out


@claim(PAPER, ("min_width_4-9_fig3",), needs=("histories",), architectures=("mlp",))
def min_width_fig3(study: Study, rules: dict) -> Result:
    """4-9 on the paper's Fig. 3 statistic (best training F1) against the paper's text range.

    Evidence: the per-seed minimum width of 4-9 on the training split's best F1 (the statistic of the
    paper's Fig. 3), censored at the grid's floor and ceiling.

    Null: none (a range check, seed by seed).

    Test: each seed's minimum compared with the paper's text range for 4-9.

    Rule: reproduced if every seed's minimum is inside the range; not reproduced if every seed's
    is outside on the same side (the direction is said); otherwise inconclusive; not testable
    without 4-9.
    """
    cid = "min_width_4-9_fig3"
    text = "4-9: minimum width on the best training F1 (the paper's Fig. 3 statistic), per seed"
    if "4-9" not in study.pairs or "4-9" not in rules["paper_min_width"]:
        return Result(cid, text, "—", NOT_TESTABLE, "—", "—", "—", "—", note="the study has no pair 4-9")
    low, high = rules["paper_min_width"]["4-9"]
    fig3 = rules.get("paper_fig3_4_9_median_train_f1") or []
    grid = [2, 4, 6, 8, 10, 12, 16, 24, 32, 48, 64]
    above = [w for w, f in zip(grid, fig3) if succeeds(f)]
    paper = f"text {range_text(low, high)}" + (f"; own Fig. 3: F1 > {SUCCESS_F1} from {above[0]}" if above else "")
    train = {**rules, "capacity_split": "train", "capacity_statistic": "best_f1"}
    return minimum_against_range(study, train, "4-9", None, low, high, cid, text, paper)


# --------------------------------------------------------------------------- growth with difficulty


def surely_above(a: Minimum, b: Minimum) -> bool:
    """a's minimum is above b's whatever values the censored or non-monotone minima truly take."""
    a_low, _, excluded = a.bounds()
    _, b_high, _ = b.bounds()
    return a_low > b_high or (excluded and a_low >= b_high)


def lowest_rank_value(m: Minimum) -> float:
    """The lowest value the true minimum can take, for ranking (a floor-censored minimum stays at the
    floor: it ties with other floor values, and ties are broken against the trend)."""
    lowest, _, excluded = m.bounds()
    if m.censored == "left":
        return m.value
    return math.inf if excluded else lowest


def ranks_against_trend(matrix: np.ndarray) -> np.ndarray:
    """Ranks within each row (seed), ties broken against the predicted increase (the harder pair of
    a tie ranks lower): tied minima, e.g. several "≤ 2" at the grid's floor, never count as growth."""
    ranks = np.empty_like(matrix)
    columns = np.arange(matrix.shape[1])
    for i, row in enumerate(matrix):
        order = np.lexsort((-columns, row))  # by value, then the harder pair first
        ranks[i, order] = np.arange(1, len(row) + 1)
    return ranks


def growth_result(minima: dict[str, dict[int, Minimum]], pairs: list[str], rules: dict, claim_id: str,
                  text: str) -> Result:
    """The growth verdict of per-seed minima by pair (pairs easy to hard)."""
    from scipy.stats import page_trend_test

    seeds = sorted(set.intersection(*(set(minima.get(p, {})) for p in pairs))) if pairs else []
    every = sorted(set().union(*(set(minima.get(p, {})) for p in pairs))) if pairs else []
    test = ("Page's trend test (scipy.stats.page_trend_test) over the per-seed minima, seeds as blocks, pairs in "
            "difficulty order, a right-censored minimum ranked largest and ties broken against the trend, on the "
            "minima and on the first widths that succeed (the larger p); and the hardest pair's minimum above the "
            "easiest's on every seed")
    null = "no ordering of the minimum widths by difficulty (every ranking of the pairs within a seed equally likely)"
    n = f"{len(seeds)} seeds × {len(pairs)} pairs"
    if len(pairs) < 2 or not seeds:
        return Result(claim_id, text, "grows", INCONCLUSIVE, "no seed with every pair", test, null, n)
    # Page's test on the minima, and on the first widths that succeed (where success is not monotone
    # the minimum lies between the two): the larger p decides, so broken monotonicity cannot help.
    upper = np.array([[minima[p][s].value for p in pairs] for s in seeds])
    lower = np.array([[lowest_rank_value(minima[p][s]) for p in pairs] for s in seeds])
    if upper.shape[0] >= 2 and upper.shape[1] >= 3:
        page = max((page_trend_test(ranks_against_trend(m), ranked=True) for m in (upper, lower)),
                   key=lambda result: result.pvalue)
        page_text = f"Page L = {page.statistic:g}, p = {page.pvalue:.2g}"
    else:  # Page's L needs two seeds and three pairs: without it, growth cannot be shown
        page = SimpleNamespace(statistic=math.nan, pvalue=math.nan)
        page_text = "Page's test needs ≥ 2 seeds and ≥ 3 pairs"
    easiest, hardest = pairs[0], pairs[-1]
    above = sum(surely_above(minima[hardest][s], minima[easiest][s]) for s in seeds)
    # On the grid: the hardest pair above the easiest, or both beyond the ceiling (undecided there).
    grows_anywhere = any(minima[hardest][s].value > minima[easiest][s].value
                         or minima[hardest][s].censored == minima[easiest][s].censored == "right" for s in seeds)
    flips = sum(m.non_monotone for p in pairs for m in minima[p].values())
    cells = sum(len(minima[p]) for p in pairs)
    if not grows_anywhere:
        verdict = NOT_REPRODUCED
    elif page.pvalue < rules["alpha"] and above == len(seeds):
        verdict = REPRODUCED
    else:
        verdict = INCONCLUSIVE
    measured = (" · ".join(f"{p}: {', '.join(minima[p][s].text() for s in seeds)}" for p in pairs)
                + f"; {page_text}; {hardest} above {easiest} on {above} of "
                f"{len(seeds)} seeds; {NOT_MONOTONE_TEXT} for {flips} of {cells} (pair, seed)")
    missing = len(every) - len(seeds)
    return Result(claim_id, text, "grows", verdict, measured, test, null,
                  n + (f" ({missing} seeds missing a pair)" if missing else ""))


def minima_by_pair(study: Study, rules: dict, success=at_success, architecture: str | None = None
                   ) -> dict[str, dict[int, Minimum]]:
    rows = capacity_rows(study, rules)
    return {p: {s: Minimum.of(c, widest_of(rows, p), architecture, first)
                for s, (c, first) in pair_minima(rows, p, success)[0].items()} for p in study.pairs}


def widest_of(rows: pd.DataFrame, pair: str) -> float:
    """The widest width a pair ran: a minimum above it is censored there (a pair whose grid stops
    early may still succeed at a width another pair ran)."""
    return float(rows.loc[rows["pair"] == pair, "width"].max())


GROWTH_RULE = """Rule: reproduced if Page's trend test rejects "no ordering" at alpha (ties broken against
    the trend; on the minima and on the first widths that succeed, the larger p) and the hardest pair's
    minimum is above the easiest's on every seed (censoring and broken monotonicity respected); not
    reproduced if on no seed the hardest pair's minimum exceeds the easiest's on the grid (both beyond
    the grid's ceiling is undecided, not equal); otherwise inconclusive. Contrary evidence from the no-hidden-layer baseline is judged in baseline_hardest."""


@claim(PAPER, ("min_width_grows",), needs=("histories",), architectures=("mlp",))
def min_width_grows(study: Study, rules: dict) -> Result:
    """The minimum width grows with task difficulty (pairs in config order, easy to hard).

    Evidence: the per-seed minimum widths of every pair (censored at the grid's floor and ceiling).

    Null: no ordering of the minima by difficulty within a seed.

    Test: Page's L trend test, seeds as blocks, and the hardest against the easiest pair per seed.

    """
    return growth_result(minima_by_pair(study, rules), list(study.pairs), rules, "min_width_grows",
                         f"minimum width grows with task difficulty (pairs easy to hard; success F1 > {SUCCESS_F1})")


@claim(PAPER, ("min_width_grows_strict",), needs=("histories",), architectures=("mlp",))
def min_width_grows_strict(study: Study, rules: dict) -> Result:
    """The minimum width grows with difficulty, success = F1 within strict_success_points of the widest network.

    Evidence: the per-seed minimum widths at the stricter success level (censored).

    Null: no ordering of the minima by difficulty within a seed.

    Test: Page's L trend test, seeds as blocks, and the hardest against the easiest pair per seed.

    """
    points = rules["strict_success_points"]
    return growth_result(minima_by_pair(study, rules, near_widest(points)), list(study.pairs), rules,
                         "min_width_grows_strict", f"minimum width grows with difficulty, success = F1 within "
                         f"{points:g} point of the widest network")


@claim(PAPER, ("min_params_grows",), needs=("histories",))
def min_params_grows(study: Study, rules: dict) -> Result:
    """The minimum capacity in parameters grows with difficulty (MLP 786·H + 1, CNN 179·C + 1).

    Evidence: the per-seed minimum capacities of every pair, as parameter counts (censored).

    Null: no ordering of the minima by difficulty within a seed.

    Test: Page's L trend test, seeds as blocks, and the hardest against the easiest pair per seed.

    """
    return growth_result(minima_by_pair(study, rules, architecture=study.architecture), list(study.pairs), rules,
                         "min_params_grows", "minimum capacity in parameters grows with task difficulty")


for _f in (min_width_grows, min_width_grows_strict, min_params_grows):
    _f.__doc__ += "    " + GROWTH_RULE + "\n"


@claim(PAPER, ("baseline_hardest",), needs=("baseline",))
def baseline_hardest(study: Study, rules: dict) -> Result:
    """The hardest pair needs hidden units: logistic regression (no hidden layer) does not succeed on it.

    Evidence: the validation F1 of logistic regression on the hardest pair (the last of the study's
    pairs), one per seed.

    Null: the baseline succeeds (F1 > 0.90), so capacity is not what the pair needs.

    Test: a Student-t interval of the mean F1 over seeds (lowcap.core.stats.t_interval) against 0.90.

    Rule: reproduced if the whole interval is below 0.90; not reproduced if the whole interval is above
    0.90 (a model without hidden units passes the hardest pair); otherwise inconclusive.
    """
    hardest = study.pairs[-1]
    table = study["baseline"]
    e = t_interval(table.loc[table["pair"] == hardest, "val_f1"], rules["confidence"], (0, 1))
    side = e.side(SUCCESS_F1)
    verdict = REPRODUCED if side == "below" else NOT_REPRODUCED if side == "above" else INCONCLUSIVE
    return Result("baseline_hardest", f"the hardest pair ({hardest}) needs hidden units: logistic regression, no "
                  f"hidden layer, validation F1 ≤ {SUCCESS_F1}", "a hidden layer is needed", verdict,
                  f"F1 {e.show()}", e.method, f"the baseline passes: F1 > {SUCCESS_F1}", e.n_text(), estimate=e,
                  note=TEST_POOL_NOTE if study.pool == "test" else "")
