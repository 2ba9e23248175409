"""Claims of the registry (lowcap.claims.registry): mutual_info, the paper's open question of
whether mutual information quantifies neuron specialization, asked as: does magnitude pruning
keep the units that carry the most information about the label?

Read from the study's tables/mutual_info.csv (lowcap.analyses.mutual_info_tables.network_summary, one row per
network). The old rule used the AUC of kept against pruned units at one pruning level, which is
undefined wherever that level keeps no output weight or all of them: at 95% per layer, every
width up to 10 keeps none, so it rested on 90 of 165 networks. The statistic here, the Spearman ρ
of unit MI and |output weight| (the order in which magnitude pruning cuts units off), is defined
at every width.
"""

from __future__ import annotations

import pandas as pd

from lowcap.claims.registry import (INCONCLUSIVE, NOT_SUPPORTED, NOT_TESTABLE, OPEN, SUPPORTED, Result, Study,
                                    claim)
from lowcap.core.stats import ABOVE, BELOW, Estimate, stratified_bootstrap

STATISTIC = "spearman_mi_output_weight"


def per_network_rho(summary: pd.DataFrame, rules: dict) -> Estimate:
    """Mean over (pair, width) strata of the per-network ρ, with a stratified-bootstrap interval
    (seeds resampled within each stratum); a network whose ρ is undefined is counted missing."""
    strata = [g[STATISTIC].to_numpy(float) for _, g in summary.groupby(["pair", "width"], sort=True)]
    return stratified_bootstrap(strata, rules["confidence"], seed=0, n_resamples=rules["bootstrap_resamples"],
                                bounds=(-1.0, 1.0), unit="networks")


def rho_verdict(estimate: Estimate) -> str:
    side = estimate.side(0.0)
    return SUPPORTED if side == ABOVE else NOT_SUPPORTED if side == BELOW else INCONCLUSIVE


def auc_text(summary: pd.DataFrame) -> str:
    """The old statistic, where it is defined, and over how many networks."""
    auc = summary["auc_kept_vs_pruned"].dropna()
    level = f"{summary['requested_sparsity'].iloc[0]:g}% {summary['scope'].iloc[0]}"
    if auc.empty:
        return f"kept-vs-pruned AUC at {level}: defined on no network"
    return f"kept-vs-pruned AUC at {level} {auc.mean():.2f} (mean over the {len(auc)} of {len(summary)} networks where defined)"


@claim(OPEN, ("mi_kept",), needs=("mutual_info",), architectures=("mlp",))
def mi_kept(study: Study, rules: dict) -> Result:
    """Evidence: per network, the Spearman ρ over its hidden units of each unit's mutual
    information with the label (k-NN estimate, validation split) and the magnitude of its output
    weight, which magnitude pruning removes smallest first; its mean over (pair, width) strata,
    each stratum the mean over its seeds, with a stratified-bootstrap interval over seeds. The
    kept-vs-pruned AUC at the configured level is shown beside it, over the networks where
    defined.

    Null: MI is unrelated to the order of pruning (ρ = 0). It is also what an untrained
    network gives on average: its output weights are drawn independently of its hidden units.

    Test: is the whole interval of the mean ρ above 0, or below it?

    Rule: supported if the whole interval is above 0; not supported if the whole interval is
    below 0; else inconclusive (a wider, noisier interval can only span 0)."""
    summary = study["mutual_info"]
    text = ("magnitude pruning keeps the units with high mutual information with the label (Spearman of unit MI and "
            "|output weight| per network; 0 = unrelated)")
    paper = "MI may quantify specialization (open question)"
    if summary is None or len(summary) == 0 or STATISTIC not in summary:
        return Result("mi_kept", text, paper, NOT_TESTABLE, "—", "—", "—", "—", kind=OPEN,
                      note=f"the MI table has no {STATISTIC} column (rebuild it)")
    estimate = per_network_rho(summary, rules)
    strata = summary.dropna(subset=[STATISTIC]).groupby(["pair", "width"]).ngroups
    n = (f"{estimate.n} of {len(summary)} networks in {strata} pair × width strata "
         f"({summary['width'].nunique()} widths, {summary['seed'].nunique()} seeds)")
    if not estimate.defined:
        return Result("mi_kept", text, paper, NOT_TESTABLE, "—", "—", "—", n, estimate=estimate, kind=OPEN,
                      note="no network with units of differing MI")
    return Result("mi_kept", text, paper, rho_verdict(estimate),
                  f"mean ρ {estimate.show(2)}; {auc_text(summary)}",
                  test=f"mean over pair × width strata of the per-network Spearman ρ; {estimate.method}",
                  null="ρ = 0: magnitude pruning is blind to MI", n=n, estimate=estimate, kind=OPEN)
