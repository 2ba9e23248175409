"""Robustness to Gaussian noise and occlusion (paper Fig. 6, 7, D.1)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lowcap.core import data
from lowcap.figures import plots
from lowcap.analyses import robustness
from lowcap.jobs import each_seed, set_threads
from lowcap.core.tables import save_npz, write_table


def robustness_pair(images: str, labels: str, checkpoints: list[str], expected: list[list], study: str,
                    sigmas: list[float], occlusion_size: int, example_sigma: float,
                    out_csv: str, out_example: str, threads: int = 1) -> None:
    """F1 of every checkpoint of one pair on its clean, noisy and occluded validation split, and
    the Fig. D.1 example: the first validation image of the first seed."""
    from lowcap.core.evaluation import load_checked

    device = set_threads(threads)
    loaded = load_checked(checkpoints, images, labels, study, expected)
    # One seed at a time, for the progress lines: evaluate_checkpoints gives the same rows.
    per_seed = each_seed(loaded, lambda items: robustness.evaluate_checkpoints(items, sigmas, occlusion_size, device))
    write_table(per_seed, out_csv)
    first = loaded[0]
    panels = robustness.example_images(first.x_val, example_sigma, occlusion_size, first.meta.seed)
    digit = data.parse_pair(first.meta.pair)[int(first.y_val[0])]
    save_npz(out_example, **panels, pair=first.meta.pair, seed=first.meta.seed, index=0,
                        digit=digit, sigma=example_sigma, occlusion_size=occlusion_size)
    column = per_seed["corruption"].where(per_seed["corruption"] != "noise", "sigma=" + per_seed["sigma"].astype(str))
    print("F1, mean over seeds:")
    print(per_seed.assign(column=column).pivot_table(index="width", columns="column", values="f1", sort=False).round(3).to_string())


def robustness_figures(results_csv: str, pair: str, occlusion_size: int, noise_png: str, noise_pdf: str,
                       noise_csv: str, occlusion_png: str, occlusion_pdf: str, occlusion_csv: str,
                       grid: dict | None = None, figure_labels: dict | None = None) -> None:
    """grid: {widths, seeds, sigmas} the table must hold (robustness.read_results); figure_labels:
    the study and its architecture (plots.Labels)."""
    table = (robustness.read_results(results_csv, pair, **grid) if grid
             else pd.read_csv(results_csv, dtype={"pair": str}))
    summary = robustness.summary(table)
    curves = robustness.noise_curves(summary)
    write_table(curves, noise_csv)
    robustness.plot_noise(curves, pair, noise_png, noise_pdf, figure_labels)
    bars = robustness.occlusion_bars(summary)
    write_table(bars, occlusion_csv)
    robustness.plot_occlusion(bars, pair, occlusion_size, occlusion_png, occlusion_pdf, figure_labels)


def corruption_examples_figure(example_npz: str, png: str, pdf: str, csv: str,
                               figure_labels: dict | None = None) -> None:
    ex = np.load(example_npz)
    panels = {k: ex[k] for k in ("clean", "noise", "occlusion")}
    size = int(ex["occlusion_size"])
    titles = {"clean": "clean", "noise": f"Gaussian noise σ = {float(ex['sigma']):g}",
              "occlusion": f"{size}×{size} occlusion"}
    write_table(robustness.example_table(panels), csv)
    title = (f"pair {ex['pair']}, seed {int(ex['seed'])}, validation image {int(ex['index'])} "
             f"(a {int(ex['digit'])})")
    robustness.plot_examples(panels, titles, plots.labels_of(figure_labels).title(title), png, pdf)
