"""Robustness to corrupted inputs (paper Fig. 6, 7, D.1): Gaussian noise and random occlusion.

Every corruption is a pure function of (images, seed): its randomness comes from a CPU
torch.Generator seeded with the model seed, so within a seed every width sees the very same
corrupted images and the comparison between widths is paired (the authors' code drew fresh noise on
every call). The noise of image i is the same standard-normal draw at every sigma, scaled, so the
curve over sigma is paired too. Drawing on the CPU makes the images the same on a GPU machine.

Why not torchvision.transforms.v2 as is:
- v2.GaussianNoise draws with torch.randn_like from the global RNG and takes no generator.
  `gaussian_noise` below is its kernel's arithmetic, x + z * sigma clipped to [0, 1], with z
  from a generator; tests/test_robustness.py checks it equals v2.functional.gaussian_noise
  bit for bit when the global RNG holds the same seed.
- v2.RandomErasing draws a random area and aspect ratio, places one patch per call (the same for
  a whole batch) and uses the global RNG. So the patch corners are drawn here, one per image, and the
  patch is zeroed with a mask; the test checks each image equals v2.functional.erase at its corner.

The table's layout and checked reader are lowcap.analyses.robustness_tables (no torch: the claims
and figure jobs read them); the figures are drawn by lowcap.figures.robustness.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from lowcap.core.architecture import SIDE
from lowcap.core.evaluation import by_seed
from lowcap.core.metrics import evaluate
from lowcap.core.model import Bank


def _generator(seed: int) -> torch.Generator:
    return torch.Generator(device="cpu").manual_seed(int(seed))


def gaussian_noise(x: torch.Tensor, sigma: float, seed: int) -> torch.Tensor:
    """x (n, 784) in [0, 1] plus N(0, sigma^2) noise per pixel, clipped to [0, 1].
    The draw depends only on (seed, x.shape); sigma = 0 returns x unchanged."""
    if sigma < 0:
        raise ValueError(f"sigma must be >= 0, not {sigma}")
    z = torch.randn(x.shape, generator=_generator(seed), dtype=x.dtype).to(x.device)
    return torch.clamp(x + z * sigma, 0, 1)


def occlusion_corners(n: int, size: int, seed: int) -> torch.Tensor:
    """(n, 2) top-left (row, col) of one size x size patch per image, uniform over every position
    that keeps the patch inside the image."""
    if not 1 <= size <= SIDE:
        raise ValueError(f"occlusion size must be 1-{SIDE}, not {size}")
    return torch.randint(0, SIDE - size + 1, (n, 2), generator=_generator(seed))


def occlude(x: torch.Tensor, size: int, seed: int) -> torch.Tensor:
    """x (n, 784) with one size x size patch per image set to 0, at occlusion_corners(n, size, seed)."""
    n = x.shape[0]
    corners = occlusion_corners(n, size, seed).to(x.device)
    r = torch.arange(SIDE, device=x.device)
    inside = lambda start: (r >= start[:, None]) & (r < start[:, None] + size)  # noqa: E731  (n, SIDE)
    mask = inside(corners[:, 0])[:, :, None] & inside(corners[:, 1])[:, None, :]
    return x.reshape(n, SIDE, SIDE).masked_fill(mask, 0).reshape(x.shape)


def corrupted_sets(x: torch.Tensor, sigmas: list[float], occlusion_size: int, seed: int) -> list[tuple[str, float, torch.Tensor]]:
    """(corruption, sigma, images) for clean (sigma 0), each noise level, and occlusion (sigma NaN)."""
    sets = [("clean", 0.0, x)]
    sets += [("noise", float(s), gaussian_noise(x, s, seed)) for s in sigmas]
    sets.append(("occlusion", float("nan"), occlude(x, occlusion_size, seed)))
    return sets


def corrupted_scores(forward, widths: list[int], x_val: np.ndarray, y_val: np.ndarray, sigmas: list[float],
                     occlusion_size: int, seed: int, device: str = "cpu") -> pd.DataFrame:
    """F1, AUC and loss of k models of one seed on the clean and the corrupted validation images:
    `forward` maps a batch of images (m, 784) to logits (m, k), column j the model of widths[j];
    all corruptions go through it in one call. One row per (width, corruption, sigma)."""
    x = torch.as_tensor(x_val)
    y = torch.as_tensor(y_val, device=device)
    sets = corrupted_sets(x, sigmas, occlusion_size, seed)
    with torch.no_grad():
        logits = forward(torch.cat([images for _, _, images in sets]).to(device))
    logits = logits.reshape(len(sets), len(x), len(widths))
    rows = []
    for (corruption, sigma, _), level_logits in zip(sets, logits):
        scores = {k: v.cpu().numpy() for k, v in evaluate(level_logits, y).items()}
        for k, width in enumerate(widths):
            rows.append({"seed": seed, "width": width, "corruption": corruption, "sigma": sigma,
                         **{key: float(values[k]) for key, values in scores.items()}})
    return pd.DataFrame(rows)


def evaluate_corruptions(states: list[dict], x_val: np.ndarray, y_val: np.ndarray, sigmas: list[float],
                         occlusion_size: int, seed: int, device: str = "cpu") -> pd.DataFrame:
    """corrupted_scores of MLPs (state_dicts of one seed, any widths), all in one bank."""
    bank = Bank.from_params(states, device)
    return corrupted_scores(bank.forward, bank.widths, x_val, y_val, sigmas, occlusion_size, seed, device)


def evaluate_models(models: list, channels: list[int], x_val: np.ndarray, y_val: np.ndarray, sigmas: list[float],
                    occlusion_size: int, seed: int, device: str = "cpu") -> pd.DataFrame:
    """corrupted_scores of models that do not go into an MLP bank (the CNN baseline, `channels`
    its capacities): each model's own forward pass on the same corrupted images."""

    def forward(images):
        return torch.stack([model.to(device)(images) for model in models], dim=1)

    return corrupted_scores(forward, channels, x_val, y_val, sigmas, occlusion_size, seed, device)


def evaluate_checkpoints(loaded: list, sigmas: list[float], occlusion_size: int, device: str = "cpu") -> pd.DataFrame:
    """F1, AUC and loss of checkpoints of one pair (evaluation.Loaded) on their clean and corrupted
    validation images: one bank and one forward pass per seed. Within a seed every width sees the
    very same corrupted images. One row per (seed, width, corruption, sigma)."""
    frames = []
    for seed, items in by_seed(loaded).items():
        if getattr(items[0].meta, "architecture", "mlp") == "cnn":
            table = evaluate_models([i.model for i in items], [i.meta.width for i in items],
                                    items[0].x_val, items[0].y_val, sigmas, occlusion_size, seed, device)
        else:
            table = evaluate_corruptions([i.model.state_dict() for i in items], items[0].x_val, items[0].y_val,
                                         sigmas, occlusion_size, seed, device)
        clean = table[table["corruption"] == "clean"].set_index("width")["f1"]
        drift = max(abs(clean[i.meta.width] - i.meta.final_val_f1) for i in items)
        print(f"seed {seed}: {len(items[0].y_val)} validation images, widths {sorted(clean.index)}, device "
              f"{device}; clean F1 differs from the checkpoints' final_val_f1 by at most {drift:.2g}")
        frames.append(table)
    per_seed = pd.concat(frames, ignore_index=True)
    per_seed.insert(0, "pair", loaded[0].meta.pair)
    return per_seed


def example_images(x_val: np.ndarray, sigma: float, occlusion_size: int, seed: int, index: int = 0) -> dict[str, np.ndarray]:
    """Image `index` of the validation split, clean, noisy and occluded, as the models saw it
    (corrupted together with the whole split, so the same draw as in evaluate_corruptions)."""
    x = torch.as_tensor(x_val)
    out = {
        "clean": x[index],
        "noise": gaussian_noise(x, sigma, seed)[index],
        "occlusion": occlude(x, occlusion_size, seed)[index],
    }
    return {k: v.reshape(SIDE, SIDE).numpy() for k, v in out.items()}
