"""Saliency maps under corruption: how far they move, and whether that predicts the F1 drop."""

from __future__ import annotations

import time

import pandas as pd

from lowcap.analyses import saliency_shift
from lowcap.jobs import each_seed, set_threads
from lowcap.core.tables import markdown_table, read_table, write_table


def saliency_shift_pair(checkpoints: list[str], expected: list[list], images: str, labels: str, study: str,
                        sigmas: list[float], occlusion_size: int, n_images: int, epsilon: float, out: str,
                        threads: int = 1) -> None:
    """Rank correlation of clean and corrupted saliency maps, both methods, every checkpoint of a pair."""
    from lowcap.core.evaluation import load_checked

    device = set_threads(threads)
    loaded = load_checked(checkpoints, images, labels, study, expected)
    start = time.perf_counter()
    table = each_seed(loaded, lambda items: saliency_shift.map_shift(items, sigmas, occlusion_size, n_images,
                                                                    epsilon, device))
    print(f"{len(loaded)} checkpoints, {n_images} images each, device {device}: {time.perf_counter() - start:.1f} s")
    write_table(table, out)
    print(table[table["method"] == "gradient"].pivot_table(index="width", columns=["corruption", "sigma"],
                                                          values="rho_mean", dropna=False).round(3).to_string())


SHIFT_KEYS = ["pair", "width", "seed", "method", "corruption", "sigma"]
SHIFT_NULLABLE = ("sigma", "rho_mean", "rho_min", "rho_max", "epsilon")


def read_shift(path: str, pair: str, grid: dict | None) -> pd.DataFrame:
    """One pair's saliency-shift table, checked (lowcap.core.tables.read_table): every (width, seed) of
    `grid` {"widths", "seeds", "sigmas"} on every corruption level (robustness.result_keys), each
    method; without a grid, every combination of the keys the table holds."""
    from lowcap.analyses import robustness
    from lowcap.analyses.saliency import METHODS

    columns = SHIFT_KEYS + ["rho_mean", "f1_clean", "f1", "f1_drop"]
    if grid is None:
        return read_table(path, columns, SHIFT_KEYS, nullable=SHIFT_NULLABLE)
    levels = robustness.result_keys(pair, grid["widths"], grid["seeds"], grid["sigmas"])
    keys = levels.merge(pd.DataFrame({"method": list(METHODS)}), how="cross")[SHIFT_KEYS]
    return read_table(path, columns, keys, nullable=SHIFT_NULLABLE)


def saliency_shift_figure(table_csv: str, pair: str, occlusion_size: int, method: str, png: str, pdf: str,
                          csv: str, grid: dict | None = None, figure_labels: dict | None = None) -> None:
    """One pair: rank correlation of clean and corrupted maps against sigma, and shift against F1 drop.
    `figure_labels`: plots.Labels (the study in the title)."""
    summary = saliency_shift.shift_summary(read_shift(table_csv, pair, grid))
    curves = saliency_shift.figure_table(summary, method)
    write_table(curves, csv)
    saliency_shift.plot_shift(curves, pair, png, pdf, occlusion_size, labels=figure_labels)


def saliency_shift_table(tables: list[str], summary_csv: str, predicts_csv: str, predicts_md: str,
                         pairs: list[str] | None = None, grid: dict | None = None) -> None:
    """The summary over seeds, and whether the shift predicts the F1 drop, for a study."""
    pairs = pairs if pairs is not None else [None] * len(tables)
    if len(tables) != len(pairs):
        raise ValueError(f"{len(tables)} saliency-shift tables for the pairs {pairs}: {tables}")
    table = pd.concat([read_shift(p, pair, grid) for p, pair in zip(tables, pairs)], ignore_index=True)
    write_table(saliency_shift.shift_summary(table), summary_csv)
    predicts = saliency_shift.shift_predicts_drop(table)
    write_table(predicts, predicts_csv)
    verdict = saliency_shift.verdict(predicts)
    with open(predicts_md, "w") as fh:
        fh.write("Does the saliency shift (1 − Spearman of clean and corrupted maps) predict the F1 drop? Spearman "
                 "within each (pair, width) stratum, over seeds (networks that differ only by their seed), its mean "
                 "over strata tested by permuting the F1 drops within every stratum (one-sided, each direction); "
                 "scope 'checkpoint': one point per checkpoint, shift and drop averaged over the corruption levels "
                 "(the claim's test); 'one level': one corruption level. pooled_rho mixes strata (descriptive only).\n\n"
                 f"{verdict}\n\n" + markdown_table(predicts[predicts["pair"] == "all"].round(4)))
    print(verdict)
