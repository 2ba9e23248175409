"""The per-network mutual-information summary and its figure, from the mutual_info_pair unit tables:
no torch, and an edit to lowcap.figures.mutual_info reruns this job only."""

from __future__ import annotations

import pandas as pd

from lowcap.analyses.mutual_info_tables import network_summary, read_units
from lowcap.core.tables import markdown_table, write_table
from lowcap.figures import mutual_info as figures

SUMMARY_COLUMNS = ["mean_mi_frac", "concentration", "spearman_mi_output_weight", "auc_kept_vs_pruned"]


def mutual_info_figure(tables: list[str], pairs: list[str], outputs: dict[str, str], widths=None,
                       seeds=None, figure_labels: dict | None = None) -> None:
    """The per-network summary table and the figure of MI against width, per pair; each table
    checked for every unit of `widths` x `seeds` (read_units). `figure_labels`: plots.Labels."""
    if len(tables) != len(pairs):
        raise ValueError(f"{len(tables)} mutual-information tables for the pairs {pairs}: {tables}")
    units = pd.concat([read_units(p, pair, widths, seeds) for p, pair in zip(tables, pairs)], ignore_index=True)
    summary = network_summary(units)
    write_table(summary, outputs["table_csv"])
    curves = figures.figure_table(summary, pairs)
    write_table(curves, outputs["csv"])
    figures.plot_mi(curves, outputs["png"], outputs["pdf"], labels=figure_labels)
    means = summary.groupby(["pair", "width"], sort=False)[SUMMARY_COLUMNS].mean()
    with open(outputs["table_md"], "w") as fh:
        fh.write("Per-network mutual information between hidden units and the label (k-NN estimator, nats / H(Y)), "
                 "mean over seeds: mean_mi_frac (the specialization index), concentration (0: spread evenly, 1: one "
                 "unit), spearman_mi_output_weight (Spearman of unit MI and |output weight|, the order in which "
                 "magnitude pruning cuts units off; 0: no relation; every width), auc_kept_vs_pruned (probability "
                 "that a unit whose output weight survives pruning has higher MI than one whose weight is pruned; "
                 "0.5: no relation; only where the level keeps some output weights and prunes others).\n\n"
                 + markdown_table(means.reset_index().round(3)))
    print(means.round(3).to_string())
