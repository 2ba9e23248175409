"""Saliency maps under corruption: how far they move (the maps job), and whether that predicts the
F1 drop (the table job). The figure is lowcap.jobs.saliency_shift_figures."""

from __future__ import annotations

import time

import pandas as pd

from lowcap.analyses import saliency_shift, saliency_shift_tables
from lowcap.core import evaluation
from lowcap.core.tables import markdown_table, write_table
from lowcap.jobs import each_seed, set_threads


def saliency_shift_pair(checkpoints: list[str], expected: list[list], images: str, labels: str, study: str,
                        sigmas: list[float], occlusion_size: int, n_images: int, epsilon: float, out: str,
                        threads: int = 1) -> None:
    """Rank correlation of clean and corrupted saliency maps, both methods, every checkpoint of a pair."""
    device = set_threads(threads)
    loaded = evaluation.load_checked(checkpoints, images, labels, study, expected)
    start = time.perf_counter()
    table = each_seed(loaded, lambda items: saliency_shift.map_shift(items, sigmas, occlusion_size, n_images,
                                                                    epsilon, device))
    print(f"{len(loaded)} checkpoints, {n_images} images each, device {device}: {time.perf_counter() - start:.1f} s")
    write_table(table, out)
    print(table[table["method"] == "gradient"].pivot_table(index="width", columns=["corruption", "sigma"],
                                                          values="rho_mean", dropna=False).round(3).to_string())


def saliency_shift_table(tables: list[str], summary_csv: str, predicts_csv: str, predicts_md: str,
                         pairs: list[str] | None = None, grid: dict | None = None) -> None:
    """The summary over seeds, and whether the shift predicts the F1 drop, for a study."""
    pairs = pairs if pairs is not None else [None] * len(tables)
    if len(tables) != len(pairs):
        raise ValueError(f"{len(tables)} saliency-shift tables for the pairs {pairs}: {tables}")
    table = pd.concat([saliency_shift_tables.read_shift(p, pair, grid) for p, pair in zip(tables, pairs)],
                      ignore_index=True)
    write_table(saliency_shift_tables.shift_summary(table), summary_csv)
    predicts = saliency_shift_tables.shift_predicts_drop(table)
    write_table(predicts, predicts_csv)
    verdict = saliency_shift_tables.verdict(predicts)
    with open(predicts_md, "w") as fh:
        fh.write("Does the saliency shift (1 − Spearman of clean and corrupted maps) predict the F1 drop? Spearman "
                 "within each (pair, width) stratum, over seeds (networks that differ only by their seed), its mean "
                 "over strata tested by permuting the F1 drops within every stratum (one-sided, each direction); "
                 "scope 'checkpoint': one point per checkpoint, shift and drop averaged over the corruption levels "
                 "(the claim's test); 'one level': one corruption level. pooled_rho mixes strata (descriptive only).\n\n"
                 f"{verdict}\n\n" + markdown_table(predicts[predicts["pair"] == "all"].round(4)))
    print(verdict)
