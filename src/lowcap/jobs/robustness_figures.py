"""Robustness figures (paper Fig. 6, 7, D.1) from the robustness_pair tables: no torch, and an edit
to lowcap.figures.robustness reruns these jobs only."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowcap.analyses.robustness_tables import read_results
from lowcap.core.tables import write_table
from lowcap.figures import plots
from lowcap.figures import robustness as figures


def robustness_figures(results_csv: str, pair: str, occlusion_size: int, noise_png: str, noise_pdf: str,
                       noise_csv: str, occlusion_png: str, occlusion_pdf: str, occlusion_csv: str,
                       grid: dict | None = None, figure_labels: dict | None = None) -> None:
    """grid: {widths, seeds, sigmas} the table must hold (robustness_tables.read_results); figure_labels:
    the study and its architecture (plots.Labels)."""
    table = (read_results(results_csv, pair, **grid) if grid
             else pd.read_csv(results_csv, dtype={"pair": str}))
    summary = figures.summary(table)
    curves = figures.noise_curves(summary)
    write_table(curves, noise_csv)
    figures.plot_noise(curves, pair, noise_png, noise_pdf, figure_labels)
    bars = figures.occlusion_bars(summary)
    write_table(bars, occlusion_csv)
    figures.plot_occlusion(bars, pair, occlusion_size, occlusion_png, occlusion_pdf, figure_labels)


def corruption_examples_figure(example_npz: str, png: str, pdf: str, csv: str,
                               figure_labels: dict | None = None) -> None:
    """Paper Fig. D.1 from the example that robustness_pair saved."""
    ex = np.load(example_npz)
    panels = {k: ex[k] for k in ("clean", "noise", "occlusion")}
    size = int(ex["occlusion_size"])
    titles = {"clean": "clean", "noise": f"Gaussian noise σ = {float(ex['sigma']):g}",
              "occlusion": f"{size}×{size} occlusion"}
    write_table(figures.example_table(panels), csv)
    title = (f"pair {ex['pair']}, seed {int(ex['seed'])}, validation image {int(ex['index'])} "
             f"(a {int(ex['digit'])})")
    figures.plot_examples(panels, titles, plots.labels_of(figure_labels).title(title), png, pdf)
