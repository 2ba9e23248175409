"""Mutual information between each hidden unit's activation and the class label (neuron
specialization), and whether one-shot magnitude pruning keeps the high-MI units.

Estimator: scikit-learn's `mutual_info_classif` with `discrete_features=False`, i.e. the k-nearest-
neighbour estimator of Kraskov, Stoegbauer & Grassberger (2004) as adapted by Ross (2014, PLoS ONE
9(2)) to a continuous variable and a discrete one, with k = 3 neighbours. It makes no assumption on
the shape of the class-conditional densities, and is consistent; its bias at n of a few thousand is
of the order of 0.01 nats (tests/test_mutual_info.py checks it against cases of known MI). MI is in
nats; `mi_frac` divides it by the label entropy H(Y), the most a unit can carry (1 = the unit alone
determines the class).

Caveats:
- ReLU activations have a point mass at 0. scikit-learn divides each feature by its standard
  deviation and adds Gaussian noise of scale 1e-10 * max(1, mean |x|), drawn from `random_state`: the tied zeros become a
  tiny cluster whose internal order is random and independent of the class, so the atom contributes
  exactly what "the unit is off" says about the label. The tests check this on two cases: a unit that
  is zero on one class only, and a rectified Gaussian that is zero on part of both classes.
- The noise makes the estimate depend on `random_state` (fixed here: reruns give identical numbers).
  Each unit is estimated on its own with the same random_state, so its MI depends on its own
  column only, not on the other units of the network.
- A unit with zero variance on the inputs (dead: always 0) has MI exactly 0; this is enforced, not
  left to the estimator (which would return a small positive value from the noise alone).
- Estimates are clipped to [0, H(Y)]. A unit with no information still comes out at ~0.00-0.01.
- MI is per unit: it says how much of the label a unit carries *alone*. Units can carry the same
  information, so the sum over units may exceed H(Y) (redundancy); it is not the network's MI.

Here the MI per unit, from checkpoints (torch, scikit-learn); the per-network summary and the
unit table's checked reader, which the figure job reads without torch, are
lowcap.analyses.mutual_info_tables (its names are importable from here too). The figure is drawn by
lowcap.figures.mutual_info.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.feature_selection import mutual_info_classif

from lowcap.analyses.pruning import prune_copy, weight_sparsity


def label_entropy(labels: np.ndarray) -> float:
    """H(Y) in nats of the empirical label distribution: ln 2 for balanced binary labels."""
    _, counts = np.unique(np.asarray(labels), return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def unit_mi(activations: np.ndarray, labels: np.ndarray, random_state: int = 0,
            n_neighbors: int = 3) -> np.ndarray:
    """MI (nats) between each column of `activations` (n, H) and `labels` (n,), shape (H,)."""
    acts = np.asarray(activations, dtype=np.float64)
    labels = np.asarray(labels).ravel()
    if acts.ndim != 2 or len(acts) != len(labels):
        raise ValueError(f"activations {acts.shape} and labels {labels.shape} do not match")
    h_y = label_entropy(labels)
    mi = np.zeros(acts.shape[1])
    if h_y == 0:
        return mi  # a constant label: nothing to know
    for j in range(acts.shape[1]):
        column = acts[:, j:j + 1]
        if np.ptp(column) > 0:  # a constant unit stays at exactly 0
            mi[j] = mutual_info_classif(column, labels, discrete_features=False, n_neighbors=n_neighbors,
                                        random_state=random_state)[0]
    return np.clip(mi, 0.0, h_y)


def network_unit_table(loaded: list, sparsity: float, scope: str, random_state: int = 0,
                       n_neighbors: int = 3) -> pd.DataFrame:
    """One row per hidden unit of every checkpoint (evaluation.Loaded-like: .model, .meta.pair/width/
    seed, .x_val, .y_val): its MI with the label on the validation split (dense model), whether it is
    dead, its mean activation and weight magnitudes, and what one-shot magnitude pruning at
    `sparsity` percent (pruning.prune_copy, `scope`) keeps of it. A weight counts as kept when it is
    non-zero after pruning. magnitude_rank: rank of |output weight| in the network, 1 = largest;
    in scope "layer" the output weight is kept iff the rank is within the H - round(p H) largest."""
    tables = []
    for item in loaded:
        model = item.model.cpu().eval()
        with torch.no_grad():
            acts = model.hidden_activations(torch.as_tensor(item.x_val, dtype=torch.float32)).numpy()
        pruned = prune_copy(model, sparsity, scope)
        achieved = weight_sparsity(pruned)
        h_y = label_entropy(item.y_val)
        mi = unit_mi(acts, item.y_val, random_state=random_state, n_neighbors=n_neighbors)
        w2 = model.output.weight.detach().numpy()[0]
        table = pd.DataFrame({
            "pair": item.meta.pair, "width": int(item.meta.width), "seed": int(item.meta.seed),
            "unit": np.arange(acts.shape[1]), "scope": scope, "requested_sparsity": sparsity,
            "achieved_sparsity": achieved["sparsity_total"], "n_val": len(item.y_val), "label_entropy": h_y,
            "mi": mi, "mi_frac": mi / h_y, "dead": (acts == 0).all(axis=0), "mean_activation": acts.mean(axis=0),
            "output_weight_abs": np.abs(w2),
            "incoming_l1": model.hidden.weight.detach().abs().sum(dim=1).numpy(),
            "output_weight_kept": pruned.output.weight.detach().numpy()[0] != 0,
            "incoming_kept_frac": (pruned.hidden.weight.detach() != 0).double().mean(dim=1).numpy(),
        })
        table["magnitude_rank"] = table["output_weight_abs"].rank(ascending=False, method="min").astype(int)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)
