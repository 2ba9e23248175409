"""Saliency maps (paper Fig. 8): which pixels move the output probability p = sigmoid(logit).

Two methods, both on the probability of the higher class:
- epsilon (the paper's): |p(x + eps * e_i) - p(x)| for each pixel i alone, all 784 perturbed copies
  of an image in one batch. The raised pixel is not clipped at 1, as in the paper's description.
- gradient: |dp/dx_i|, Captum's Saliency (abs=True). For small eps, epsilon ~ eps * gradient.
Both run in float64: p(x + eps e_i) - p(x) is a difference of two close numbers, and a confident
model's p sits near 0 or 1, where float32 would round small changes away.

Examples are picked deterministically in validation-split order: the first correctly classified
image of each class and the first misclassified one (by the dense model).

torch, captum and scipy are imported inside the functions that need them, so the figure job that
imports this module for the plot does not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lowcap.figures import plots

if TYPE_CHECKING:
    import torch
    from torch import nn

SIDE = 28
METHODS = ("epsilon", "gradient")


def _probability(model: "nn.Module"):
    import torch

    return lambda x: torch.sigmoid(model(x))


def epsilon_saliency(model: "nn.Module", x: "torch.Tensor", epsilon: float) -> "torch.Tensor":
    """(k, 784): |p(x + epsilon e_i) - p(x)| per image and pixel, in x's dtype."""
    import torch

    prob = _probability(model)
    k, d = x.shape
    with torch.no_grad():
        raised = x[:, None, :] + epsilon * torch.eye(d, dtype=x.dtype, device=x.device)  # (k, d, d)
        return (prob(raised.reshape(k * d, d)).reshape(k, d) - prob(x)[:, None]).abs()


def gradient_saliency(model: "nn.Module", x: "torch.Tensor") -> "torch.Tensor":
    """(k, 784): |dp/dx_i| per image and pixel (Captum Saliency)."""
    from captum.attr import Saliency

    inputs = x.detach().clone().requires_grad_(True)
    return Saliency(_probability(model)).attribute(inputs, abs=True).detach()


def saliency_maps(model: "nn.Module", x: "torch.Tensor", epsilon: float) -> dict[str, np.ndarray]:
    """Both methods for the images x (k, 784), computed in float64 on a copy of the model;
    float64 arrays (k, 28, 28)."""
    import copy

    import torch

    model64 = copy.deepcopy(model).double().eval()
    x64 = x.to(torch.float64)
    maps = {"epsilon": epsilon_saliency(model64, x64, epsilon), "gradient": gradient_saliency(model64, x64)}
    return {k: v.cpu().numpy().reshape(-1, SIDE, SIDE) for k, v in maps.items()}


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
    """Spearman rank correlation of two maps over all pixels (ties get average ranks)."""
    from scipy.stats import spearmanr

    return float(spearmanr(np.ravel(a), np.ravel(b)).statistic)


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
        chosen = [r for r in rows if r["model"] == model_name]
        xs = x[[r["val_index"] for r in chosen]]
        with torch.no_grad():
            prob = torch.sigmoid(model(xs)).numpy()
            active = (model.hidden_activations(xs) > 0).numpy()
        connected = (model.output.weight.detach()[0] != 0).numpy()
        sal = saliency_maps(model, xs, epsilon)
        for i, r in enumerate(chosen):
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
            maps["image"].append(xs[i].numpy().reshape(SIDE, SIDE))
            maps["epsilon"].append(sal["epsilon"][i])
            maps["gradient"].append(sal["gradient"][i])
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
    from lowcap.core import data
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


def proportional(maps: np.ndarray, rtol: float = 1e-6) -> bool:
    """True when every map in `maps` (k, ...) is the first one times a positive number (and none
    is all zero): on their own colour scales they are then the same picture."""
    flat = np.asarray(maps, dtype=np.float64).reshape(len(maps), -1)
    peaks = flat.max(axis=1)
    if len(flat) < 2 or (peaks <= 0).any():
        return False
    scaled = flat / peaks[:, None]
    return bool(np.allclose(scaled, scaled[0], rtol=rtol, atol=rtol))


def explanation(table: pd.DataFrame, maps: dict[str, np.ndarray]) -> str:
    """What the maps are, from the model's arithmetic: for p = sigmoid(w_out . relu(W x + b) + c),
    dp/dx = p(1-p) * sum of w_out[j] W[j, :] over the units j active for x. Says when all of one
    model's maps are one map up to scale (the pruned model with one surviving output weight)."""
    lines = ["|∂p/∂x| = p(1−p)·|Σ_j w_out[j]·W_hidden[j,:]| over the hidden units j active for the input: "
             "inputs that share most of their active units get nearly the same map, whichever digit they show."]
    for model in ("dense", "pruned"):
        rows = table[table["model"] == model]
        if len(rows) < 2 or "active_unit_ids_with_output_weight" not in rows:
            continue
        same_map = proportional(maps["gradient"][rows.index.to_numpy()])
        # Read back from a CSV, "1" comes as 1, or as 1.0 beside an empty (NaN) row.
        ids = rows["active_unit_ids_with_output_weight"].map(
            lambda v: "" if pd.isna(v) else " ".join(str(int(float(t))) for t in str(v).split())).unique()
        if same_map and len(ids) == 1 and len(ids[0].split()) == 1:
            left = int(rows["output_weights_left"].iloc[0])
            width = f" of {int(rows['width'].iloc[0])}" if "width" in rows else ""
            lines.append(f"{model.capitalize()} maps: the same map scaled by p(1−p). Only {left}{width} output "
                         f"weight{'s' if left != 1 else ''} survive{'s' if left == 1 else ''}, and the one unit "
                         f"left (unit {ids[0]}) is active for every input shown, so every map is "
                         f"p(1−p)·|w_out[{ids[0]}]|·|W_hidden[{ids[0]},:]|: that unit's input weights that survived "
                         "pruning.")
        elif same_map:
            lines.append(f"{model.capitalize()} maps: the same map scaled by p(1−p) for every input shown.")
    return "\n".join(lines)


def short_notes(table: pd.DataFrame, maps: dict[str, np.ndarray]) -> list[str]:
    """One line per model whose maps are all one map up to scale: what the figure's header says
    (the formulas behind it are in the caption, workflow/report/fig8.rst, and in `explanation`)."""
    notes = []
    for model in ("dense", "pruned"):
        rows = table[table["model"] == model]
        if len(rows) < 2 or not proportional(maps["gradient"][rows.index.to_numpy()]):
            continue
        ids = rows.get("active_unit_ids_with_output_weight", pd.Series(dtype=object)).map(
            lambda v: "" if pd.isna(v) else " ".join(str(int(float(t))) for t in str(v).split())).unique()
        one_unit = len(ids) == 1 and len(ids[0].split()) == 1
        notes.append(f"{model} maps: one map up to scale" + (f" (one unit left, unit {ids[0]}: its input weights)"
                                                             if one_unit else "") + "; see the caption")
    return notes


def _row_title(r, dense_prediction: dict, digits: tuple[int, int]) -> str:
    """The image's title: its true class and both models' predictions, so that a pruned row never
    reads as 'correct' and 'predicted <other digit>' at once."""
    said = f"dense predicts {dense_prediction.get(r.case, '?')}"
    if r.model == "pruned":
        said += f"; pruned predicts {r.predicted_digit}"
    units = ""
    if hasattr(r, "active_units_with_output_weight"):
        n = r.active_units_with_output_weight
        units = f"\n{n} active unit{'s' if n != 1 else ''} with an output weight (of {r.output_weights_left} kept)"
    return f"{r.model} model; true class {r.true_digit}\n{said} (p({digits[1]}) = {r.prob_higher_digit:.3f}){units}"


def plot_fig8(table: pd.DataFrame, maps: dict[str, np.ndarray], digits: tuple[int, int], title: str,
              png, pdf) -> None:
    """One row per case: the image, the paper's epsilon saliency, the gradient saliency; each map
    on its own colour scale (dense and pruned magnitudes differ by orders). Each row says the true
    class and what the dense (and pruned) model predicts; the header says, in a line, when a
    model's maps are one map up to scale (the caption gives why)."""
    plt = plots.pyplot()

    table = table.reset_index(drop=True)
    dense = table[table["model"] == "dense"]
    dense_prediction = dict(zip(dense["case"], dense["predicted_digit"]))
    n = len(table)
    fig, axes = plt.subplots(n, 3, figsize=(8.4, 2.6 * n + 0.4), squeeze=False)
    columns = [("image", "input"), ("epsilon", "|Δp|, pixel + ε (paper)"), ("gradient", "|∂p/∂x| (Captum)")]
    for i, r in enumerate(table.itertuples(index=False)):
        for col, (key, name) in enumerate(columns):
            ax = axes[i, col]
            if key == "image":
                ax.imshow(maps[key][i], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
                ax.set_title(_row_title(r, dense_prediction, digits), fontsize=8)
            else:
                im = ax.imshow(maps[key][i], cmap="inferno", vmin=0, interpolation="nearest")
                fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04).ax.tick_params(labelsize=6)
                rho = getattr(r, f"spearman_dense_vs_pruned_{key}")
                ax.set_title(name + (f"\nSpearman vs dense = {rho:.2f}" if not pd.isna(rho) else ""),
                             fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle("\n".join([title, *short_notes(table, maps)]), fontsize=9)
    fig.tight_layout()
    plots.save(fig, png, pdf)
