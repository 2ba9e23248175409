"""Saliency maps of one model, dense and pruned (paper Fig. 8): the maps job. The figure is
lowcap.jobs.saliency_figures."""

from __future__ import annotations

from lowcap.analyses import saliency
from lowcap.core import evaluation
from lowcap.core.tables import save_npz, write_table
from lowcap.jobs import set_threads


def saliency_cases(images: str, labels: str, checkpoint: str, expected: list, study: str, sparsity: float,
                   scope: str, epsilon: float, maps: str, cases: str, threads: int = 1) -> None:
    """A few images of one small model: the CPU is enough. Writes the maps (npz) and the cases
    table, whose rows are the maps' order."""
    set_threads(threads)
    (loaded,) = evaluation.load_checked([checkpoint], images, labels, study, [expected])
    table, arrays = saliency.cases(loaded, sparsity, scope, epsilon)
    save_npz(maps, **arrays)
    write_table(table, cases)
    print(table.to_string())
