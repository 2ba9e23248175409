"""One-shot magnitude pruning (paper Fig. 4, B.1-B.4) and dead hidden units (paper Table 1).

One pruning strategy, after OpenLTH's (pruning/sparse_global.py, pruning/mask.py): `prune(model or
state, current_mask, level, scope)` returns a Mask (a 0/1 tensor per prunable layer) in which
`level` percent of the weights are pruned, ranking by magnitude only the weights the current mask
still keeps; a pruned weight stays pruned. One-shot pruning is IMP with one level (no current
mask); lowcap.analyses.imp calls it once per round. Only weight tensors are pruned, never biases:
- scope "layer" (the paper's): each weight tensor loses round(p% of its own size) weights;
- scope "global": round(p% of all weights) are removed, ranked together across the layers.
Counts are rounded to the nearest integer (Python's round, ties to even; n_to_prune) and passed to
torch.nn.utils.prune's L1 pruning as integers, so the rule is explicit and does not depend on how
p/100 rounds in floating point. `layers_to_ignore` (OpenLTH's name; a pruning scheme's option)
leaves those layers whole and prunes the others at the level, so a 1 x H output layer need not
collapse at 95%. The achieved sparsity is counted from the pruned weights (entries equal to zero).

The null every "pruning keeps performance" claim has to beat (ShrinkBench's sanity baseline) is
random pruning at the same achieved sparsity: each checkpoint is also pruned by a seeded random
mask removing as many weights of each layer as magnitude pruning removes there (random_prune_copy;
the pair tables' random_* columns).

A hidden unit is dead when its ReLU output is zero on every validation input; it is dead or
disconnected when, in addition, it may have lost every incoming weight or every output weight:
either way it cannot carry the input to the prediction.

The CNN baseline (lowcap.core.cnn) is pruned the same way: its prunable layers are the
convolution's kernel and the output weights; its units are channels (dead: zero at every position
of every validation input; disconnected: all of its output weights pruned).

The pair table's layout, reader and summaries (pandas only) are in lowcap.analyses.pruning_tables.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn.utils import prune as torch_prune

from lowcap.analyses.pruning_tables import SCOPES
from lowcap.core.architecture import PRUNABLE_LAYERS
from lowcap.core.metrics import evaluate
from lowcap.core.model import MLP

PRUNED_LAYERS = PRUNABLE_LAYERS["mlp"]  # the MLP's weight matrices; biases are left alone


def pruned_layers(model) -> tuple[str, ...]:
    """The prunable weight layers of a model (an MLP's or a CNN's, by its architecture)."""
    return PRUNABLE_LAYERS[model.architecture]


def n_to_prune(sparsity: float, n: int) -> int:
    """How many of n weights a request of `sparsity` percent removes."""
    return int(round(sparsity * n / 100))


class Mask(dict):
    """Prunable layer name -> a 0/1 tensor the shape of that layer's weight (1: kept, 0: pruned),
    OpenLTH's pruning.mask.Mask; in the weights' dtype, so that weight * mask is the pruned weight."""

    @classmethod
    def ones_like(cls, weights: dict[str, torch.Tensor]) -> Mask:
        return cls({name: torch.ones_like(w) for name, w in weights.items()})

    def pruned(self) -> dict[str, int]:
        """How many weights of each layer the mask prunes."""
        return {name: int((m == 0).sum()) for name, m in self.items()}


def prunable_weights(model_or_state) -> dict[str, torch.Tensor]:
    """Layer name -> weight tensor of the layers pruning acts on, of a model or its state_dict."""
    if isinstance(model_or_state, nn.Module):
        return {name: getattr(model_or_state, name).weight for name in pruned_layers(model_or_state)}
    for layers in PRUNABLE_LAYERS.values():
        if all(f"{name}.weight" in model_or_state for name in layers):
            return {name: model_or_state[f"{name}.weight"] for name in layers}
    raise ValueError(f"a state_dict of none of the architectures {list(PRUNABLE_LAYERS)}: {list(model_or_state)}")


def _held(weight: torch.Tensor, mask: torch.Tensor | None) -> nn.Module:
    """A module holding a copy of `weight` for torch to prune (torch prunes modules, and the model
    stays as it is), under torch's pruning reparametrisation from `mask` (weight = weight_orig *
    weight_mask) when there is one. Without one, torch ranks all the weights, as it would under a
    mask of ones, without the cost of combining the two masks."""
    holder = nn.Module()
    holder.weight = nn.Parameter(weight.detach().clone())
    if mask is not None:
        torch_prune.custom_from_mask(holder, "weight", mask)
    return holder


def prune(model_or_state, current_mask: Mask | None, level: float, scope: str,
          layers_to_ignore=()) -> Mask:
    """The mask that prunes `level` percent of the weights (n_to_prune of each layer for scope
    "layer", of the layers together for "global"), the smallest magnitudes of `model_or_state`
    among those `current_mask` keeps (None: all); what it prunes stays pruned. The layers named in
    `layers_to_ignore` keep their current mask and take no part in the count or the ranking."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")
    weights = prunable_weights(model_or_state)
    unknown = set(layers_to_ignore) - set(weights)
    if unknown or not set(weights) - set(layers_to_ignore):
        raise ValueError(f"layers_to_ignore {list(layers_to_ignore)}: allowed: some, not all, of the prunable "
                         f"layers {list(weights)}")
    mask = Mask.ones_like(weights) if current_mask is None else current_mask
    held = {name: _held(w, None if current_mask is None else mask[name])
            for name, w in weights.items() if name not in layers_to_ignore}
    done = {name: int((mask[name] == 0).sum()) for name in held}
    if scope == "layer":
        for name, h in held.items():
            amount = max(0, n_to_prune(level, mask[name].numel()) - done[name])
            torch_prune.l1_unstructured(h, "weight", amount=amount)
    else:
        total = sum(mask[name].numel() for name in held)
        torch_prune.global_unstructured([(h, "weight") for h in held.values()], torch_prune.L1Unstructured,
                                        amount=max(0, n_to_prune(level, total) - sum(done.values())))
    return Mask({name: held[name].weight_mask.detach().clone() if name in held else mask[name] for name in weights})


def masked_copy(model, mask: Mask):
    """A copy of `model` whose pruned weights are zero (weight * mask, as torch's prune.remove bakes it in)."""
    pruned = copy.deepcopy(model)
    with torch.no_grad():
        for name, m in mask.items():
            getattr(pruned, name).weight.mul_(m)
    return pruned


def prune_copy(model, sparsity: float, scope: str = "layer", layers_to_ignore=()):
    """A copy of `model` with the smallest-magnitude weights set to zero: one-shot pruning."""
    return masked_copy(model, prune(model, None, sparsity, scope, layers_to_ignore))


# Mixed into every random mask's seed (with the checkpoint and the level), so the null is fixed.
RANDOM_MASK_SEED = 2507


def random_mask_seed(pair: str, width: int, seed: int, level: float) -> list[int]:
    """The entropy (numpy SeedSequence) of one checkpoint's random mask at one level."""
    return [RANDOM_MASK_SEED, *(int(d) for d in str(pair).split("-")), int(width), int(seed),
            int(round(level * 1000))]


def random_prune_copy(model, counts: dict[str, int], seed):
    """The random-pruning null (ShrinkBench's sanity baseline): a copy of `model` with `counts[name]`
    weights of each layer set to zero, as many as magnitude pruning removes there (the magnitude
    mask's Mask.pruned(); under global scope, as the global ranking splits them between the layers),
    chosen uniformly at random by numpy's generator seeded with `seed` (an int or a list of ints):
    the same achieved sparsity, layer by layer, with the choice left to chance."""
    rng = np.random.default_rng(seed)
    pruned = copy.deepcopy(model)
    with torch.no_grad():
        for name in pruned_layers(model):
            flat = getattr(pruned, name).weight.data.view(-1)
            drop = rng.permutation(flat.numel())[:counts[name]]
            flat[torch.as_tensor(drop, dtype=torch.long, device=flat.device)] = 0
    return pruned


def sparsity_of(weights: dict[str, torch.Tensor]) -> dict[str, float]:
    """Zero entries of each tensor of `weights` (layer name -> tensor: weights, or a Mask) and of
    all together: counts (zeros_*) and percentages (sparsity_*)."""
    out, zeros_total, n_total = {}, 0, 0
    for name, weight in weights.items():
        zeros = int((weight == 0).sum())
        out[f"zeros_{name}"] = zeros
        out[f"sparsity_{name}"] = 100 * zeros / weight.numel()
        zeros_total += zeros
        n_total += weight.numel()
    out["zeros_total"] = zeros_total
    out["sparsity_total"] = 100 * zeros_total / n_total
    return out


def weight_sparsity(model) -> dict[str, float]:
    """Zero weights of each pruned tensor of `model` and of all together, counted from the weights."""
    return sparsity_of(prunable_weights(model))


def dead_units(model, x: torch.Tensor) -> torch.Tensor:
    """Bool per hidden unit: its ReLU output is zero on every row of x."""
    with torch.no_grad():
        if hasattr(model, "channel_activations"):  # a CNN: a unit is a channel, at every position
            return (model.channel_activations(x) == 0).all(dim=2).all(dim=0)
        return (model.hidden_activations(x) == 0).all(dim=0)


def disconnected_units(model) -> int:
    """Units whose every output weight is zero: they cannot affect the prediction."""
    weight = model.output.weight
    if hasattr(model, "channel_activations"):  # a CNN: each channel's 169 output weights
        return int((weight.reshape(model.channels, -1) == 0).all(dim=1).sum())
    return int((weight == 0).sum())


def _per_unit(model, name: str) -> torch.Tensor:
    """A pruned layer's weight, one row per hidden unit (MLP) or channel (CNN)."""
    first = getattr(model, pruned_layers(model)[0]).weight
    return getattr(model, name).weight.reshape(first.shape[0], -1)


def dead_or_disconnected(model, x: torch.Tensor) -> torch.Tensor:
    """Bool per hidden unit (CNN: channel) that cannot carry the input to the prediction: its ReLU
    is zero on every row of x (dead), or every incoming weight is pruned (its output no longer
    depends on the input), or every output weight is pruned (disconnected)."""
    first, last = pruned_layers(model)[0], pruned_layers(model)[-1]
    with_no_input = (_per_unit(model, first) == 0).all(dim=1)
    with_no_output = (_per_unit(model, last) == 0).all(dim=1)
    return dead_units(model, x) | with_no_input | with_no_output


def _evaluate_models(models: list, x: torch.Tensor, y: torch.Tensor, prefix: str = "") -> dict[str, list]:
    """Validation loss/F1/AUC of several models, all in one call to metrics.evaluate."""
    with torch.no_grad():
        metrics = evaluate(torch.stack([m(x) for m in models], dim=1), y)
    return {f"{prefix}val_{name}": metrics[name].cpu().numpy() for name in ("loss", "f1", "auc")}


def prune_and_evaluate(model: MLP, x: torch.Tensor, y: torch.Tensor, levels: list[float],
                       scope: str, random_seed=None, layers_to_ignore=()) -> pd.DataFrame:
    """One row per requested sparsity (0 = the unpruned model): achieved sparsity, validation
    loss/F1/AUC, dead hidden units, units left with no output weight, and units that are dead or
    cut off either way. With `random_seed(level)` (numpy seed entropy), also the random-pruning
    null at the same per-layer counts (columns random_*; random_prune_copy). `layers_to_ignore`:
    prune's."""
    rows, models, nulls = [], [], []
    with torch.no_grad():
        for level in levels:
            mask = prune(model, None, level, scope, layers_to_ignore)
            pruned = masked_copy(model, mask)
            models.append(pruned)
            rows.append({
                "requested_sparsity": level,
                **weight_sparsity(pruned),
                "dead_units": int(dead_units(pruned, x).sum()),
                # Not dead, but cut off from the output: they cannot affect the prediction.
                "disconnected_units": disconnected_units(pruned),
                "dead_or_disconnected_units": int(dead_or_disconnected(pruned, x).sum()),
            })
            if random_seed is not None:
                # the magnitude mask's own per-layer counts: one ranking per level
                nulls.append(random_prune_copy(model, mask.pruned(), random_seed(level)))
    table = pd.DataFrame(rows)
    for column, values in _evaluate_models(models, x, y).items():  # all levels in one call
        table[column] = values
    if nulls:
        achieved = pd.DataFrame([weight_sparsity(m) for m in nulls])
        for column in [c for c in achieved if c.startswith("sparsity_")]:
            table[f"random_{column}"] = achieved[column].to_numpy()
        for column, values in _evaluate_models(nulls, x, y, "random_").items():
            table[column] = values
    return table


def prune_checkpoints(loaded: list, levels: list[float], scope: str, device: str = "cpu",
                      layers_to_ignore=()) -> pd.DataFrame:
    """The long pruning table of several checkpoints (evaluation.Loaded), each on its own
    validation split, with each checkpoint's seeded random-pruning null (random_mask_seed).
    Level 0 is the unpruned model."""
    levels = sorted({0, *levels})
    tables = []
    for item in loaded:
        x = torch.as_tensor(item.x_val, device=device)
        y = torch.as_tensor(item.y_val, dtype=torch.float32, device=device)
        meta = item.meta
        seed = lambda level, m=meta: random_mask_seed(m.pair, m.width, m.seed, level)  # noqa: E731
        table = prune_and_evaluate(item.model.to(device), x, y, levels, scope, seed, layers_to_ignore)
        keys = {"pair": meta.pair, "width": meta.width, "seed": meta.seed, "scope": scope, "n_val": len(item.y_val)}
        for i, (key, value) in enumerate(keys.items()):
            table.insert(i, key, value)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)
