"""Saliency maps (paper Fig. 8): which pixels move the output probability p = sigmoid(logit).

Two methods, both on the probability of the higher class:
- epsilon (the paper's): |p(x + eps * e_i) - p(x)| for each pixel i alone, all 784 perturbed copies
  of an image in one batch. The raised pixel is not clipped at 1, as in the paper's description.
- gradient: |dp/dx_i|, Captum's Saliency (abs=True). For small eps, epsilon ~ eps * gradient.
Both run in float64: p(x + eps e_i) - p(x) is a difference of two close numbers, and a confident
model's p sits near 0 or 1, where float32 would round small changes away.

Examples are picked deterministically in validation-split order: the first correctly classified
image of each class and the first misclassified one (by the dense model).

torch and captum are imported inside the functions that need them: the torch-free
saliency-shift tables (lowcap.analyses.saliency_shift_tables), which the claims and figure jobs
read, take METHODS from here. The figure is drawn by lowcap.figures.saliency.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lowcap.core import data
from lowcap.core.architecture import SIDE
from lowcap.core.stats import rank_correlation

if TYPE_CHECKING:
    import torch
    from torch import nn

METHODS = ("epsilon", "gradient")

def _probability(model: "nn.Module"):
    import torch

    return lambda x: torch.sigmoid(model(x))


def _steps(x: "torch.Tensor", epsilon: float) -> "torch.Tensor":
    """(784, 784): epsilon times the identity, what _raised adds to each image."""
    import torch

    return epsilon * torch.eye(x.shape[1], dtype=x.dtype, device=x.device)


def _raised(x: "torch.Tensor", epsilon: float, steps: "torch.Tensor | None" = None) -> "torch.Tensor":
    """(k * 784, 784): image j with pixel i raised by epsilon in row j * 784 + i (`steps`: _steps(x,
    epsilon), when already built)."""
    k, d = x.shape
    return (x[:, None, :] + (_steps(x, epsilon) if steps is None else steps)).reshape(k * d, d)


def _epsilon_from_raised(model: "nn.Module", x: "torch.Tensor", raised: "torch.Tensor") -> "torch.Tensor":
    prob = _probability(model)
    return (prob(raised).reshape(x.shape) - prob(x)[:, None]).abs()


def epsilon_saliency(model: "nn.Module", x: "torch.Tensor", epsilon: float) -> "torch.Tensor":
    """(k, 784): |p(x + epsilon e_i) - p(x)| per image and pixel, in x's dtype."""
    import torch

    with torch.no_grad():
        return _epsilon_from_raised(model, x, _raised(x, epsilon))


def shared_epsilon_saliency(models: list, x: "torch.Tensor", epsilon: float, batch: int) -> list:
    """epsilon_saliency of each model on the same images x (k, 784), bit for bit as one call per
    model and chunk of `batch` images. Each image's raised copies (784, 784) are built once and go
    through every model while they are in cache: a row of a product does not depend on the rows
    computed with it (tests/test_saliency.py), whereas banking the models would change the sums
    (a wider product adds in another order, ~1e-15 off)."""
    import torch

    chunks: list[list] = [[] for _ in models]
    steps = _steps(x, epsilon)
    with torch.no_grad():
        for start in range(0, len(x), batch):
            images = x[start:start + batch]
            clean = [_probability(model)(images)[:, None] for model in models]
            raised = [[] for _ in models]
            for image in images.split(1):
                copies = _raised(image, epsilon, steps)
                for model, out in zip(models, raised):
                    out.append(_probability(model)(copies))
            for out, p_raised, p_clean in zip(chunks, raised, clean):
                out.append((torch.cat(p_raised).reshape(images.shape) - p_clean).abs())
    return [torch.cat(out) for out in chunks]


def gradient_saliency(model: "nn.Module", x: "torch.Tensor") -> "torch.Tensor":
    """(k, 784): |dp/dx_i| per image and pixel (Captum Saliency)."""
    from captum.attr import Saliency

    inputs = x.detach().clone().requires_grad_(True)
    return Saliency(_probability(model)).attribute(inputs, abs=True).detach()


def saliency_maps(model: "nn.Module", x: "torch.Tensor", epsilon: float) -> dict[str, np.ndarray]:
    """Both methods for the images x (k, 784), computed in float64 on a copy of the model;
    float64 arrays (k, 28, 28)."""
    import torch

    model64 = copy.deepcopy(model).double().eval()
    x64 = x.to(torch.float64)
    maps = {"epsilon": epsilon_saliency(model64, x64, epsilon), "gradient": gradient_saliency(model64, x64)}
    return {k: v.cpu().numpy().reshape(-1, SIDE, SIDE) for k, v in maps.items()}


def float64_copy(model: "nn.Module", device: str = "cpu") -> "nn.Module":
    """The float64 copy of a model that saliency_maps computes on."""
    return copy.deepcopy(model).to(device).double().eval()


def shared_saliency_maps(models64: list, x: "torch.Tensor", epsilon: float, batch: int) -> list[dict[str, np.ndarray]]:
    """saliency_maps of several float64 models (float64_copy) on the same images x (k, 784), bit for
    bit as one call per model and chunk of `batch` images: the epsilon method's raised images are
    built once for every model (shared_epsilon_saliency). (Raising pixel i only adds epsilon * W[:, i]
    to the clean pre-activations, which would need 784 times less arithmetic, but rounds differently:
    maps 1e-15 apart, docs/speed.md.)"""
    import torch

    x64 = x.to(torch.float64)
    epsilon_maps = shared_epsilon_saliency(models64, x64, epsilon, batch)
    # The gradient `batch` images at a time, as saliency_maps per chunk: with a few rows, a product
    # can take another kernel and round differently (1e-18 here), and these calls cost little.
    return [{"epsilon": to_maps(e), "gradient": to_maps(torch.cat([gradient_saliency(model, x64[i:i + batch])
                                                                     for i in range(0, len(x64), batch)]))}
            for model, e in zip(models64, epsilon_maps)]


def to_maps(values: "torch.Tensor") -> np.ndarray:
    """(k, 784) tensor -> (k, 28, 28) numpy array."""
    return values.cpu().numpy().reshape(-1, SIDE, SIDE)


def pick_cases(prob: np.ndarray, y: np.ndarray, digits: tuple[int, int]) -> list[dict]:
    """The first correctly classified image of each class and the first misclassified one, in
    validation-split order. A case with no such image is left out."""
    pred = prob > 0.5
    truth = y > 0.5
    correct = pred == truth
    picks = []
    for label in (0, 1):
        hits = np.flatnonzero(correct & (truth == bool(label)))
        if len(hits):
            picks.append({"case": f"correct {digits[label]}", "val_index": int(hits[0])})
    wrong = np.flatnonzero(~correct)
    if len(wrong):
        picks.append({"case": "misclassified", "val_index": int(wrong[0])})
    return picks


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation of two maps over all pixels (stats.rank_correlation of one pair)."""
    return float(rank_correlation(np.asarray(a)[None], np.asarray(b)[None])[0])


def _describe(model: "nn.Module", rows: list[dict], x: "torch.Tensor", y_val: np.ndarray, digits: tuple[int, int],
              epsilon: float) -> dict[str, list[np.ndarray]]:
    """Fill in `rows` (one model's picked cases) with its prediction, the units its map can come
    from and its saliency numbers; return their images and maps, in row order."""
    import torch

    xs = x[[r["val_index"] for r in rows]]
    with torch.no_grad():
        prob = torch.sigmoid(model(xs)).numpy()
        active = (model.hidden_activations(xs) > 0).numpy()
    connected = (model.output.weight.detach()[0] != 0).numpy()
    sal = saliency_maps(model, xs, epsilon)
    for i, r in enumerate(rows):
        label = int(y_val[r["val_index"]])
        reach = np.flatnonzero(active[i] & connected)
        r.update({"true_digit": digits[label], "predicted_digit": digits[int(prob[i] > 0.5)],
                  "prob_higher_digit": float(prob[i]),
                  # The map is p(1-p) |sum over these units of w_out[j] * W_hidden[j]|: the
                  # units that are active for this input and keep an output weight.
                  "output_weights_left": int(connected.sum()),
                  "active_units": int(active[i].sum()),
                  "active_units_with_output_weight": len(reach),
                  "active_unit_ids_with_output_weight": " ".join(map(str, reach)),
                  "epsilon_max": float(sal["epsilon"][i].max()),
                  "gradient_max": float(sal["gradient"][i].max()),
                  "spearman_epsilon_vs_gradient": spearman(sal["epsilon"][i], sal["gradient"][i])})
    return {"image": list(xs.numpy().reshape(-1, SIDE, SIDE)), "epsilon": list(sal["epsilon"]),
            "gradient": list(sal["gradient"])}


def fig8_cases(dense: "nn.Module", pruned: "nn.Module", x_val: np.ndarray, y_val: np.ndarray,
               digits: tuple[int, int], epsilon: float) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Paper Fig. 8: the picked images under the dense model, and the correct ones under the pruned
    model. Returns one row per panel row (model, case, prediction, rank correlations) and the
    images and maps stacked in that row order."""
    import torch

    x = torch.as_tensor(x_val)
    with torch.no_grad():
        prob_dense = torch.sigmoid(dense(x)).numpy()
    picks = pick_cases(prob_dense, y_val, digits)
    correct = [p for p in picks if p["case"].startswith("correct")]
    rows = [{"model": "dense", **p} for p in picks] + [{"model": "pruned", **p} for p in correct]
    maps: dict[str, list[np.ndarray]] = {"image": [], "epsilon": [], "gradient": []}
    for model_name, model in (("dense", dense), ("pruned", pruned)):
        described = _describe(model, [r for r in rows if r["model"] == model_name], x, y_val, digits, epsilon)
        for key in maps:
            maps[key] += described[key]
    table = pd.DataFrame(rows)
    stacked = {k: np.stack(v) for k, v in maps.items()}
    # Rank correlation of each correct image's pruned map with its dense map, per method.
    for method in METHODS:
        table[f"spearman_dense_vs_pruned_{method}"] = np.nan
        for i, r in table.iterrows():
            if r["model"] == "pruned":
                j = table.index[(table["model"] == "dense") & (table["val_index"] == r["val_index"])][0]
                table.loc[i, f"spearman_dense_vs_pruned_{method}"] = spearman(stacked[method][j], stacked[method][i])
    return table, stacked


def cases(loaded, sparsity: float, scope: str, epsilon: float) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Fig. 8's cases of one checkpoint (evaluation.Loaded) under the dense model and its
    magnitude-pruned copy, with the model, the requested and the achieved sparsity in each row."""
    from lowcap.analyses import pruning

    model, meta = loaded.model, loaded.meta
    pruned = pruning.prune_copy(model, sparsity, scope)
    table, maps = fig8_cases(model, pruned, loaded.x_val, loaded.y_val, data.parse_pair(meta.pair), epsilon)
    achieved = {"dense": pruning.weight_sparsity(model)["sparsity_total"],
                "pruned": pruning.weight_sparsity(pruned)["sparsity_total"]}
    for i, (key, value) in enumerate({"pair": meta.pair, "width": meta.width, "seed": meta.seed,
                                      "epsilon": epsilon}.items()):
        table.insert(i, key, value)
    table.insert(5, "requested_sparsity", np.where(table["model"] == "pruned", sparsity, 0.0))
    table.insert(6, "scope", scope)
    table.insert(7, "achieved_sparsity", table["model"].map(achieved))
    return table, maps
