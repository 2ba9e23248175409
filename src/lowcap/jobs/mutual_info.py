"""Mutual information between each hidden unit and the label (lowcap.analyses.mutual_info)."""

from __future__ import annotations

import pandas as pd

from lowcap.analyses import mutual_info
from lowcap.jobs import Reported, set_threads
from lowcap.core.tables import markdown_table, read_table, write_table


def mutual_info_pair(checkpoints: list[str], expected: list[list], images: str, labels: str, study: str,
                     sparsity: float, scope: str, n_neighbors: int, random_state: int, out: str,
                     threads: int = 1) -> None:
    """One row per hidden unit of every checkpoint of one pair: its MI with the label, and what
    one-shot magnitude pruning keeps of it."""
    from lowcap.core.evaluation import load_checked

    set_threads(threads)
    loaded = Reported(load_checked(checkpoints, images, labels, study, expected))
    units = mutual_info.network_unit_table(loaded, sparsity, scope, random_state, n_neighbors)
    write_table(units, out)
    print(units.pivot_table(index="width", columns="seed", values="mi_frac").round(3).to_string())


UNIT_KEYS = ["pair", "width", "seed", "unit"]


def read_units(path: str, pair: str, widths, seeds) -> pd.DataFrame:
    """One pair's unit table, checked (lowcap.core.tables.read_table): one row per hidden unit of every
    (width, seed); without widths, every (width, seed) and unit the table holds."""
    columns = UNIT_KEYS + ["mi", "mi_frac", "output_weight_abs", "output_weight_kept"]
    if widths is None:
        return read_table(path, columns, UNIT_KEYS, nullable=("mi", "mi_frac"))
    keys = pd.DataFrame([(pair, w, s, u) for w in widths for s in seeds for u in range(w)], columns=UNIT_KEYS)
    return read_table(path, columns, keys, nullable=("mi", "mi_frac"))


def mutual_info_figure(tables: list[str], pairs: list[str], outputs: dict[str, str], widths=None,
                       seeds=None, figure_labels: dict | None = None) -> None:
    """The per-network summary table and the figure of MI against width, per pair; each table
    checked for every unit of `widths` x `seeds` (read_units). `figure_labels`: plots.Labels."""
    if len(tables) != len(pairs):
        raise ValueError(f"{len(tables)} mutual-information tables for the pairs {pairs}: {tables}")
    units = pd.concat([read_units(p, pair, widths, seeds) for p, pair in zip(tables, pairs)], ignore_index=True)
    summary = mutual_info.network_summary(units)
    write_table(summary, outputs["table_csv"])
    curves = mutual_info.figure_table(summary, pairs)
    write_table(curves, outputs["csv"])
    mutual_info.plot_mi(curves, outputs["png"], outputs["pdf"], labels=figure_labels)
    columns = ["mean_mi_frac", "concentration", "spearman_mi_output_weight", "auc_kept_vs_pruned"]
    means = summary.groupby(["pair", "width"], sort=False)[columns].mean()
    with open(outputs["table_md"], "w") as fh:
        fh.write("Per-network mutual information between hidden units and the label (k-NN estimator, nats / H(Y)), "
                 "mean over seeds: mean_mi_frac (the specialization index), concentration (0: spread evenly, 1: one "
                 "unit), spearman_mi_output_weight (Spearman of unit MI and |output weight|, the order in which "
                 "magnitude pruning cuts units off; 0: no relation; every width), auc_kept_vs_pruned (probability "
                 "that a unit whose output weight survives pruning has higher MI than one whose weight is pruned; "
                 "0.5: no relation; only where the level keeps some output weights and prunes others).\n\n"
                 + markdown_table(means.reset_index().round(3)))
    print(means.round(3).to_string())
