"""Reasoning under corruption: how far a model's saliency maps move when its input is corrupted.

For each checkpoint, the first n_images validation images (the same images for every width of a
seed) get both saliency maps (saliency.saliency_maps: the paper's epsilon method and Captum's
gradient) clean, under Gaussian noise at each sigma and under occlusion. The corrupted images are
the very ones robustness.evaluate_corruptions scores: the WHOLE validation split is corrupted with
the model seed, then sliced, so each image gets the same draw as there. The shift of one image's
map is its Spearman rank correlation rho with the clean map (1: the same pixel ranking).

Question asked: does the shift predict the F1 lost to the corruption (shift_predicts_drop)? It
is asked within strata of networks that differ only by their seed (same pair, same width, same
corruption), so differences between pairs or widths cannot make a correlation (Simpson's paradox).

Here the maps and their shift, with torch; the tables, the test and the verdict, which the claims,
table and figure jobs read without torch, are lowcap.analyses.saliency_shift_tables (its names are
importable from here too). The figure is drawn by lowcap.figures.saliency_shift.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from lowcap.analyses import robustness, saliency
from lowcap.analyses.saliency import METHODS
from lowcap.core.evaluation import by_seed
from lowcap.core.stats import rank_correlation


def _seed_maps(models: list, sets: list, epsilon: float, batch: int, device: str) -> list[list[dict]]:
    """Both saliency maps of each model (one seed's widths) on each set's images, as [model][set]:
    saliency_maps' numbers in chunks of `batch` images, each image's raised copies (784, 784)
    float64 built once for every width (saliency.shared_saliency_maps)."""
    models64 = [saliency.float64_copy(model, device) for model in models]
    per_set = [saliency.shared_saliency_maps(models64, images, epsilon, batch) for _, _, images in sets]
    return [[level[k] for level in per_set] for k in range(len(models))]


def _level(corruption: str, sigma: float) -> tuple[str, float | None]:
    return corruption, None if corruption == "occlusion" else float(sigma)


def _shift_rows(item, sets: list, maps: list[dict], score: dict, epsilon: float) -> list[dict]:
    """map_shift's rows of one checkpoint: `sets` are (corruption, sigma, images) with clean first,
    `maps` the checkpoint's saliency maps of each set, `score` maps (width, corruption, sigma) to
    the checkpoint's (f1, auc) on the full split."""
    width, seed = int(item.meta.width), int(item.meta.seed)
    f1_clean, auc_clean = score[(width, "clean", 0.0)]
    rows = []
    for (corruption, sigma, images), level_maps in zip(sets, maps):
        f1, auc = score[(width, *_level(corruption, sigma))]
        for method in METHODS:
            rho = rank_correlation(maps[0][method], level_maps[method])
            ok = rho[np.isfinite(rho)]
            rows.append({"pair": item.meta.pair, "width": width, "seed": seed, "method": method,
                         "corruption": corruption, "sigma": sigma,
                         "rho_mean": ok.mean() if len(ok) else np.nan,
                         "rho_min": ok.min() if len(ok) else np.nan,
                         "rho_max": ok.max() if len(ok) else np.nan,
                         "n_images": len(images), "n_undefined": int(len(rho) - len(ok)),
                         "epsilon": epsilon if method == "epsilon" else np.nan,
                         "f1_clean": f1_clean, "auc_clean": auc_clean, "f1": f1, "auc": auc,
                         "f1_drop": f1_clean - f1})
    return rows


def map_shift(loaded: list, sigmas: list[float], occlusion_size: int, n_images: int = 32,
              epsilon: float = 0.01, device: str = "cpu", batch: int = 16) -> pd.DataFrame:
    """One row per (pair, width, seed, method, corruption, sigma) of checkpoints of one pair
    (evaluation.Loaded): rho between clean and corrupted maps, mean/min/max over the images whose rho
    is defined (n_undefined: images with a constant map), and F1/AUC of the checkpoint on the full
    clean and corrupted validation split (robustness.evaluate_corruptions, the same tensors), with
    f1_drop = f1_clean - f1. Clean rows (sigma 0) compare the clean maps with themselves (rho 1);
    occlusion rows have sigma NaN."""
    pairs = {item.meta.pair for item in loaded}
    if len(pairs) != 1:
        raise ValueError(f"map_shift takes checkpoints of one pair, not {sorted(pairs)}")
    rows = []
    for seed, items in by_seed(loaded).items():
        widths = [int(i.meta.width) for i in items]
        if len(set(widths)) != len(widths) or any(not np.array_equal(i.x_val, items[0].x_val) for i in items):
            raise ValueError(f"seed {seed}: widths must be distinct and share one validation split")
        scores = robustness.evaluate_corruptions([i.model.state_dict() for i in items], items[0].x_val,
                                                 items[0].y_val, sigmas, occlusion_size, int(seed), device)
        score = {(int(r.width), *_level(r.corruption, r.sigma)): (r.f1, r.auc) for r in scores.itertuples()}
        x = torch.as_tensor(items[0].x_val)
        sets = [(c, s, images[:n_images].to(device))
                for c, s, images in robustness.corrupted_sets(x, sigmas, occlusion_size, int(seed))]
        maps = _seed_maps([item.model for item in items], sets, epsilon, batch, device)
        for item, item_maps in zip(items, maps):
            rows += _shift_rows(item, sets, item_maps, score, epsilon)
    return pd.DataFrame(rows)
