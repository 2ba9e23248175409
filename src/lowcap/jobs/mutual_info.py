"""Mutual information between each hidden unit and the label (lowcap.analyses.mutual_info): the
unit-table job. The summary table and the figure are lowcap.jobs.mutual_info_figures."""

from __future__ import annotations

from lowcap.analyses import mutual_info
from lowcap.core import evaluation
from lowcap.core.tables import write_table
from lowcap.jobs import Reported, set_threads


def mutual_info_pair(checkpoints: list[str], expected: list[list], images: str, labels: str, study: str,
                     sparsity: float, scope: str, n_neighbors: int, random_state: int, out: str,
                     threads: int = 1) -> None:
    """One row per hidden unit of every checkpoint of one pair: its MI with the label, and what
    one-shot magnitude pruning keeps of it."""
    set_threads(threads)
    loaded = Reported(evaluation.load_checked(checkpoints, images, labels, study, expected))
    units = mutual_info.network_unit_table(loaded, sparsity, scope, random_state, n_neighbors)
    write_table(units, out)
    print(units.pivot_table(index="width", columns="seed", values="mi_frac").round(3).to_string())
