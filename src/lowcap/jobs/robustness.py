"""Robustness to Gaussian noise and occlusion (paper Fig. 6, 7, D.1): the evaluation job. The
figures are lowcap.jobs.robustness_figures."""

from __future__ import annotations

from lowcap.analyses import robustness
from lowcap.core import data
from lowcap.core import evaluation
from lowcap.core.tables import save_npz, write_table
from lowcap.jobs import each_seed, set_threads


def robustness_pair(images: str, labels: str, checkpoints: list[str], expected: list[list], study: str,
                    sigmas: list[float], occlusion_size: int, example_sigma: float,
                    out_csv: str, out_example: str, threads: int = 1) -> None:
    """F1 of every checkpoint of one pair on its clean, noisy and occluded validation split, and
    the Fig. D.1 example: the first validation image of the first seed."""
    device = set_threads(threads)
    loaded = evaluation.load_checked(checkpoints, images, labels, study, expected)
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
