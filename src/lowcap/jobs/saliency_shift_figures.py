"""Saliency-shift figure from one pair's saliency_shift_pair table: no torch, and an edit to
lowcap.figures.saliency_shift reruns this job only."""

from __future__ import annotations

from lowcap.analyses.saliency_shift_tables import read_shift, shift_summary
from lowcap.core.tables import write_table
from lowcap.figures import saliency_shift as figures


def saliency_shift_figure(table_csv: str, pair: str, occlusion_size: int, method: str, png: str, pdf: str,
                          csv: str, grid: dict | None = None, figure_labels: dict | None = None) -> None:
    """One pair: rank correlation of clean and corrupted maps against sigma, and shift against F1 drop.
    `figure_labels`: plots.Labels (the study in the title)."""
    curves = figures.figure_table(shift_summary(read_shift(table_csv, pair, grid)), method)
    write_table(curves, csv)
    figures.plot_shift(curves, pair, png, pdf, occlusion_size, labels=figure_labels)
