"""Claims of the registry (lowcap.claims.registry): iterative magnitude pruning with fine-tuning
(lowcap.analyses.imp), the paper's open question "one-shot pruning without fine-tuning may underestimate
achievable sparsity".

Every comparison is made at ONE round per scope: the round whose achieved sparsity (counted from
the weights, mean over the scope's IMP models) is closest to the table's target level (imp.
target_sparsity, 95%, which the schedule contains, so the achieved level is 95% up to the
rounding of a count; the cell says the level it used). IMP at round r has been fine-tuned for
r x finetune_epochs epochs, so each model is read against the control trained as long: the
dense model at the same budget (`control_f1`; for one-shot, budget 0, the dense model itself).
Strata are (pair, width); seeds are the runs within a stratum.

The table carries its own target level and tolerance (columns `target_sparsity` and
`tolerance_points`, written by the IMP job from the config), so these claims read no setting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lowcap.core import stats
from lowcap.claims.registry import (INCONCLUSIVE, NOT_SUPPORTED, NOT_TESTABLE, OPEN, SUPPORTED, TEST_POOL_NOTE,
                                    Result, Study, claim)

SCOPES = ("layer", "global")
PAPER = "open question: one-shot pruning without fine-tuning may underestimate achievable sparsity"
DEFAULT_TARGET = 95.0  # for a table written before the IMP job recorded its target


@dataclass(frozen=True)
class Paired:
    """IMP and a comparator at one round of one scope, each relative to its equally trained dense
    model: arrays (seeds, strata), strata in the same order, strata with a missing value left out."""

    imp: np.ndarray
    other: np.ndarray
    round: int
    achieved: float  # IMP's achieved sparsity at that round, mean over its models (%)
    other_achieved: float
    budget: int  # IMP's fine-tuning epochs at that round
    strata: list
    n_missing: int  # strata left out

    @property
    def n(self) -> str:
        return f"{self.imp.shape[0]} seeds × {self.imp.shape[1]} (pair, width) strata" + (
            f" ({self.n_missing} strata missing)" if self.n_missing else "")


def judged(table: pd.DataFrame) -> pd.DataFrame:
    from lowcap.analyses import imp_tables

    return imp_tables.evaluated(table).assign(relative=lambda t: t["val_f1"] - t["control_f1"])


def target_round(rows: pd.DataFrame, scope: str, target: float) -> tuple[int, float]:
    """The IMP round of `scope` whose mean achieved sparsity is closest to `target`, and that sparsity."""
    achieved = rows[(rows["method"] == "imp") & (rows["scope"] == scope)].groupby("round")["sparsity_total"].mean()
    best = int((achieved - target).abs().idxmin())
    return best, float(achieved[best])


def paired(table: pd.DataFrame, scope: str, comparator: str) -> Paired:
    """IMP against `comparator` (one-shot, one-shot+ft) at the target round of `scope`."""
    rows = judged(table)
    rnd, achieved = target_round(rows, scope, target_of(table))
    at = rows[(rows["scope"] == scope) & (rows["round"] == rnd)]
    wide = {m: at[at["method"] == m].pivot_table(index="seed", columns=["pair", "width"], values="relative",
                                                 dropna=False) for m in ("imp", comparator)}
    strata = wide["imp"].columns.union(wide[comparator].columns)
    x, y = (wide[m].reindex(columns=strata) for m in ("imp", comparator))
    seeds = x.index.union(y.index)
    x, y = x.reindex(seeds), y.reindex(seeds)
    complete = x.notna().all() & y.notna().all()
    other = at.loc[at["method"] == comparator, "sparsity_total"].mean()
    budget = int(at.loc[at["method"] == "imp", "budget_epochs"].max())
    return Paired(x.loc[:, complete].to_numpy(), y.loc[:, complete].to_numpy(), rnd, achieved, float(other), budget,
                  list(strata[complete]), int((~complete).sum()))


def target_of(table: pd.DataFrame) -> float:
    return float(table["target_sparsity"].iloc[0]) if "target_sparsity" in table else DEFAULT_TARGET


def tolerance_of(table: pd.DataFrame) -> float:
    return float(table["tolerance_points"].iloc[0])


def open_verdict(estimate: stats.Estimate, line: float, at_line_decides: bool) -> str:
    """Supported iff the whole interval is above `line`; not supported iff it is wholly below (or,
    with `at_line_decides`, reaches no higher than the line: no improvement at all); else
    inconclusive (also when nothing was measured)."""
    if not estimate.defined:
        return INCONCLUSIVE
    if estimate.low > line:
        return SUPPORTED
    if estimate.high < line or (at_line_decides and estimate.high <= line):
        return NOT_SUPPORTED
    return INCONCLUSIVE


def _testable(study: Study) -> bool:
    table = study.tables.get("imp")
    return table is not None and len(table) > 0


def _missing(ids, why="not testable: the study built no IMP table") -> list[Result]:
    return [Result(cid, cid.replace("_", " "), PAPER, NOT_TESTABLE, "—", "—", "—", "—", kind=OPEN, note=why)
            for cid in ids]


def _comparison(study: Study, rules: dict, scope: str, comparator: str, claim_id: str, claim_text: str,
                null: str) -> Result:
    """IMP against a comparator, both relative to their equally trained dense model: the probability
    of improvement decides; the paired mean difference is shown beside it."""
    conf = rules["confidence"]
    p = paired(study["imp"], scope, comparator)
    if p.imp.size == 0:
        return _missing([claim_id], "not testable: no stratum has both IMP and the comparator at the target round")[0]
    resamples = rules.get("bootstrap_resamples", 2000)
    better = stats.probability_of_improvement(p.imp, p.other, conf, n_resamples=resamples)
    gain = stats.stratified_bootstrap(list((p.imp - p.other).T), conf, n_resamples=resamples)
    verdict = open_verdict(better, 0.5, at_line_decides=True)
    measured = (f"P(IMP better) {better.show(2)} at {p.achieved:.3g}% achieved (round {p.round}, {p.budget} epochs "
                f"of fine-tuning; comparator at {p.other_achieved:.3g}%); mean gain {gain.show(2, 100)} F1 points")
    return Result(claim_id, claim_text.format(scope=scope, achieved=f"{p.achieved:.3g}"), PAPER, verdict, measured,
                  f"{better.method}; per stratum, seeds as runs; supported iff the interval lies above 0.5", null,
                  p.n, estimate=better, kind=OPEN)


@claim(OPEN, ids=("imp_vs_one_shot_layer", "imp_vs_one_shot_global"), needs=("imp",), architectures=("mlp",))
def imp_vs_one_shot(study: Study, rules: dict) -> list[Result]:
    """Does one-shot pruning without fine-tuning underestimate what pruning can keep?

    Evidence: per (pair, width) stratum and seed, at the round whose achieved sparsity is closest
    to the target (95%): IMP's F1 minus the control's (the dense model trained as many epochs as
    IMP had), and one-shot's F1 (no fine-tuning) minus the dense model's. Each is the F1 that
    pruning cost against an equally trained dense model, so IMP's extra training is not counted
    as its gain.

    Null: IMP and one-shot lose the same F1 (probability of improvement 0.5).

    Test: rliable's probability of improvement of IMP over one-shot, seeds as runs within each
    stratum, with a stratified-bootstrap interval (lowcap.core.stats.probability_of_improvement); the
    stratified bootstrap of the paired mean difference is shown beside it.

    Rule: supported iff the whole interval of the probability of improvement lies above 0.5; not
    supported iff it reaches no higher than 0.5; else inconclusive. One row per scope."""
    if not _testable(study):
        return _missing([f"imp_vs_one_shot_{s}" for s in SCOPES])
    return [_comparison(study, rules, scope, "one-shot", f"imp_vs_one_shot_{scope}",
                        "iterative pruning with fine-tuning loses less F1 at {achieved}% sparsity than one-shot "
                        "pruning without fine-tuning, each against a dense model trained as long (scope {scope})",
                        "P(IMP better) = 0.5: IMP (against the dense model trained as long) and one-shot (against the "
                        "dense model) lose the same F1") for scope in SCOPES]


@claim(OPEN, ids=("imp_vs_one_shot_ft_layer", "imp_vs_one_shot_ft_global"), needs=("imp",), architectures=("mlp",))
def imp_vs_one_shot_ft(study: Study, rules: dict) -> list[Result]:
    """Is it the iteration, or the fine-tuning? IMP against one-shot pruning fine-tuned for as long.

    Evidence: per (pair, width) stratum and seed, at the round whose achieved sparsity is closest
    to the target (95%): IMP's F1 and that of the one-shot mask of the same level fine-tuned for
    the same number of epochs (r x finetune_epochs, the same batches), each minus the control at
    that budget.

    Null: the iteration adds nothing: IMP and one-shot + fine-tuning keep the same F1
    (probability of improvement 0.5).

    Test: rliable's probability of improvement of IMP over one-shot + fine-tuning, seeds as runs
    within each stratum, stratified-bootstrap interval; the paired mean difference beside it.

    Rule: supported iff the whole interval of the probability of improvement lies above 0.5; not
    supported iff it reaches no higher than 0.5; else inconclusive. One row per scope."""
    if not _testable(study):
        return _missing([f"imp_vs_one_shot_ft_{s}" for s in SCOPES])
    return [_comparison(study, rules, scope, "one-shot+ft", f"imp_vs_one_shot_ft_{scope}",
                        "iterative pruning beats one-shot pruning fine-tuned for as many epochs at {achieved}% "
                        "sparsity: the iteration, not the fine-tuning, does the work (scope {scope})",
                        "P(IMP better) = 0.5: IMP and one-shot + the same fine-tuning keep the same F1")
            for scope in SCOPES]


def _imp_95_scope(table: pd.DataFrame, scope: str, confidence: float, resamples: int) -> tuple[stats.Estimate, Paired]:
    p = paired(table, scope, "one-shot")
    return stats.stratified_bootstrap(list(p.imp.T), confidence, n_resamples=resamples), p


@claim(OPEN, ids=("imp_95",), needs=("imp",), architectures=("mlp",))
def imp_95(study: Study, rules: dict) -> Result:
    """With iterative pruning and fine-tuning, F1 stays within the tolerance at 95% sparsity.

    Evidence: per (pair, width) stratum and seed, at the round whose achieved sparsity is closest
    to 95% (the schedule has a round at 95%; the cell says the achieved level): IMP's F1 minus the
    control's at the same budget (the dense model trained as many epochs), per scope.

    Null: F1 falls by more than the tolerance (imp.tolerance_points) against the control.

    Test: stratified bootstrap of the mean over strata of IMP − control (seeds resampled within
    each stratum), at confidence 1 − (1 − c)/2 for each of the two scopes (Bonferroni: the claim
    holds if either scope achieves it).

    Rule: supported iff at either scope the whole interval of IMP − control lies above
    −tolerance_points/100; not supported iff at both scopes it lies wholly below; else
    inconclusive."""
    if not _testable(study):
        return _missing(["imp_95"])[0]
    table = study["imp"]
    line = -tolerance_of(table) / 100
    conf = 1 - (1 - rules["confidence"]) / 2
    per_scope = {scope: _imp_95_scope(table, scope, conf, rules.get("bootstrap_resamples", 2000)) for scope in SCOPES}
    verdicts = {scope: open_verdict(e, line, at_line_decides=False) for scope, (e, _) in per_scope.items()}
    verdict = (SUPPORTED if SUPPORTED in verdicts.values() else
               NOT_SUPPORTED if all(v == NOT_SUPPORTED for v in verdicts.values()) else INCONCLUSIVE)
    best = max(SCOPES, key=lambda s: (per_scope[s][0].low if per_scope[s][0].defined else -np.inf))
    measured = "; ".join(f"{s}: IMP − control {e.show(2, 100)} F1 points at {p.achieved:.3g}% (round {p.round})"
                         for s, (e, p) in per_scope.items())
    estimate, p = per_scope[best]
    return Result("imp_95", f"with iterative pruning and fine-tuning, F1 stays within {-line * 100:g} point of the "
                  f"dense model trained as long at 95% sparsity (mean over pairs × widths, either scope)",
                  "kept up to 95% (open question)", verdict, measured,
                  f"{estimate.method}, per scope at {conf:.1%} (Bonferroni over 2 scopes); supported iff either "
                  f"scope's interval lies above {line * 100:g} points",
                  f"IMP − control ≤ {line * 100:g} F1 points", p.n, estimate=estimate,
                  note=TEST_POOL_NOTE if study.pool == "test" else "", kind=OPEN)
