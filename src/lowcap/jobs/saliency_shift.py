"""Saliency maps under corruption: how far they move, and whether that predicts the F1 drop."""

from __future__ import annotations

import time

import pandas as pd

from lowcap import saliency_shift
from lowcap.jobs import set_threads
from lowcap.tables import markdown_table, write_table


def saliency_shift_pair(checkpoints: list[str], expected: list[list], images: str, labels: str, study: str,
                        sigmas: list[float], occlusion_size: int, n_images: int, epsilon: float, out: str,
                        threads: int = 1) -> None:
    """Rank correlation of clean and corrupted saliency maps, both methods, every checkpoint of a pair."""
    from lowcap.evaluation import load_checked

    device = set_threads(threads)
    loaded = load_checked(checkpoints, images, labels, study, expected)
    start = time.perf_counter()
    table = saliency_shift.map_shift(loaded, sigmas, occlusion_size, n_images, epsilon, device)
    print(f"{len(loaded)} checkpoints, {n_images} images each, device {device}: {time.perf_counter() - start:.1f} s")
    write_table(table, out)
    print(table[table["method"] == "gradient"].pivot_table(index="width", columns=["corruption", "sigma"],
                                                          values="rho_mean", dropna=False).round(3).to_string())


def saliency_shift_figure(table_csv: str, pair: str, occlusion_size: int, method: str, png: str, pdf: str,
                          csv: str) -> None:
    """One pair: rank correlation of clean and corrupted maps against sigma, and shift against F1 drop."""
    summary = saliency_shift.shift_summary(pd.read_csv(table_csv, dtype={"pair": str}))
    curves = saliency_shift.figure_table(summary, method)
    write_table(curves, csv)
    saliency_shift.plot_shift(curves, pair, png, pdf, occlusion_size)


def saliency_shift_table(tables: list[str], summary_csv: str, predicts_csv: str, predicts_md: str) -> None:
    """The summary over seeds, and whether the shift predicts the F1 drop, for a study."""
    table = pd.concat([pd.read_csv(p, dtype={"pair": str}) for p in tables], ignore_index=True)
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
