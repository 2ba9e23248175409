"""t-SNE of hidden activations before and after pruning (paper Fig. 5), with numbers beside it.

Embedding: openTSNE rather than scikit-learn's TSNE, for one feature: `TSNEEmbedding.transform`
places new points into an existing embedding without moving it. The dense activations are embedded
first; the pruned activations (the same hidden units, the same inputs) are then placed into that
map, so the two panels share their axes and a point that moved did so because its representation
changed, not because an independent t-SNE run rotated or rearranged the clusters. Because the
placement only looks for each pruned point's neighbours among the *dense* points, a third panel
embeds the pruned activations on their own (same settings), to show their own cluster structure.
Each representation is first scaled to unit root-mean-square norm. t-SNE itself ignores such an
isotropic scaling (and so do both numbers below), but the placement does not: pruned activations
are smaller, and unscaled they would all be matched to the few dense points of smallest norm.

t-SNE pictures are easy to over-read, so two numbers compare the representations directly:
- kNN overlap: the mean fraction of each input's k nearest neighbours (Euclidean, itself excluded)
  that are the same in both representations; chance is k / (n - 1).
- linear CKA (Kornblith et al. 2019): 1 for representations equal up to rotation and isotropic
  scaling, near 0 for unrelated ones.
The job gives both for baselines too (another seed's model, the untrained model), for scale.

The figure is drawn by lowcap.figures.tsne, from the tables written here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from openTSNE import TSNE
from sklearn.neighbors import NearestNeighbors

from lowcap.analyses import pruning
from lowcap.core.metrics import evaluate
from lowcap.core.model import MLP, init_params

# The embedding's panels (embed), the column prefixes of its table (embedding_table); the figure
# gives each its title (lowcap.figures.tsne.PANELS).
PANELS = ("dense", "pruned_in_dense", "pruned_own")


def linear_cka(x: np.ndarray, y: np.ndarray) -> float:
    """Linear CKA between two representations of the same n inputs, (n, p) and (n, q).
    NaN when one of them is constant (all rows equal), where CKA is undefined."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    x = x - x.mean(axis=0)
    y = y - y.mean(axis=0)
    norm_x = np.linalg.norm(x.T @ x)
    norm_y = np.linalg.norm(y.T @ y)
    if norm_x == 0 or norm_y == 0:
        return float("nan")
    return float(np.linalg.norm(y.T @ x) ** 2 / (norm_x * norm_y))


def neighbours(x: np.ndarray, k: int) -> np.ndarray:
    """Indices (n, k) of each row's k nearest other rows (Euclidean). Among exact ties the lower
    index wins, so inputs with identical activations give a fixed, if arbitrary, answer."""
    # Without a query, scikit-learn leaves each point out of its own neighbour list.
    return NearestNeighbors(n_neighbors=k, algorithm="brute").fit(np.asarray(x, dtype=np.float64)).kneighbors(
        return_distance=False)


def knn_overlap(x: np.ndarray, y: np.ndarray, k: int = 10) -> float:
    """Mean over inputs of |kNN_x(i) ∩ kNN_y(i)| / k."""
    nx, ny = neighbours(x, k), neighbours(y, k)
    shared = [len(np.intersect1d(a, b, assume_unique=True)) for a, b in zip(nx, ny)]
    return float(np.mean(shared) / k)


def chance_knn_overlap(n: int, k: int) -> float:
    """Expected kNN overlap of two unrelated representations: k random others out of n - 1."""
    return k / (n - 1)


def rms_norm(x: np.ndarray) -> float:
    """Root-mean-square Euclidean norm of the rows."""
    x = np.asarray(x, dtype=np.float64)
    return float(np.sqrt((x ** 2).sum(axis=1).mean()))


def unit_rms(x: np.ndarray) -> np.ndarray:
    """x scaled to unit rms_norm (left as is when it is all zero)."""
    norm = rms_norm(x)
    return np.asarray(x, dtype=np.float64) / (norm if norm > 0 else 1.0)


def similarity(reference: np.ndarray, others: dict[str, np.ndarray], k: int) -> pd.DataFrame:
    """kNN overlap and linear CKA of each representation in `others` against `reference`, plus
    how many inputs each maps to an all-zero vector (ties that make kNN lists arbitrary), and its
    rms_norm (its overall size, which both numbers ignore)."""
    rows = []
    for name, rep in others.items():
        rows.append({
            "comparison": name,
            "knn_overlap": knn_overlap(reference, rep, k),
            "linear_cka": linear_cka(reference, rep),
            "zero_rows": int((np.asarray(rep) == 0).all(axis=1).sum()),
            "rms_norm": rms_norm(rep),
        })
    out = pd.DataFrame(rows)
    out["k"] = k
    out["chance_knn_overlap"] = chance_knn_overlap(len(reference), k)
    return out


def compare_models(reference, baselines: list, sparsity: float, scope: str, k: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Hidden activations of one checkpoint (evaluation.Loaded) on its validation split, dense and
    pruned, compared with the dense ones; with baselines for scale: other seeds' trained models of
    the same pair and width, and this model's initial weights. Returns the table, the dense and
    the pruned activations."""
    meta = reference.meta
    untrained = MLP(meta.width)
    untrained.load_state_dict(init_params(meta.width, meta.seed, meta.protocol["init"], meta.protocol["init_std"]))
    untrained.eval()
    models = {  # comparison -> model; all evaluated on the reference's validation images
        "dense (reference)": reference.model,
        f"pruned {sparsity:g}% ({scope})": pruning.prune_copy(reference.model, sparsity, scope),
    }
    for other in baselines:
        if (other.meta.pair, other.meta.width) != (meta.pair, meta.width):
            raise ValueError(f"baseline {other.path} is not pair {meta.pair} width {meta.width}")
        # Its own split differs: some of these images were in its training set.
        models[f"another seed ({other.meta.seed}), trained"] = other.model
    models["untrained (initial weights)"] = untrained

    x = torch.as_tensor(reference.x_val)
    with torch.no_grad():
        acts = {name: m.hidden_activations(x).numpy() for name, m in models.items()}
        scores = evaluate(torch.stack([m(x) for m in models.values()], dim=1), torch.as_tensor(reference.y_val))
    dense = acts["dense (reference)"]
    table = similarity(dense, acts, k)
    table.insert(0, "role", ["reference", "pruned"] + ["baseline"] * (len(models) - 2))
    table["val_f1"] = scores["f1"].numpy()
    table["weight_sparsity_pct"] = [pruning.weight_sparsity(m)["sparsity_total"] for m in models.values()]
    table["dead_units"] = [int(pruning.dead_units(m, x).sum()) for m in models.values()]
    # Per-layer pruning leaves the 1 x width output layer only a few weights: the units that keep one.
    table["units_with_output_weight"] = [int((m.output.weight != 0).sum()) for m in models.values()]
    keys = {"pair": meta.pair, "width": meta.width, "seed": meta.seed, "n_val": len(reference.y_val)}
    for i, (key, value) in enumerate(keys.items()):
        table.insert(i, key, value)
    return table, dense, acts[f"pruned {sparsity:g}% ({scope})"]


def embed(dense: np.ndarray, pruned: np.ndarray, perplexity: float, random_state: int,
          n_jobs: int = 1) -> dict[str, np.ndarray]:
    """2-D coordinates of the three panels (PANELS), each (n, 2), of the activations scaled to unit
    rms norm (see the module docstring). Exact neighbours and a fixed random_state make the result
    repeatable."""
    def fit(x: np.ndarray):
        tsne = TSNE(perplexity=perplexity, initialization="pca", neighbors="exact",
                    random_state=random_state, n_jobs=n_jobs)
        return tsne.fit(unit_rms(x))

    dense_map = fit(dense)
    # openTSNE's defaults for adding points (perplexity 5, median initialisation, 250 iterations).
    placed = dense_map.transform(unit_rms(pruned))
    return dict(zip(PANELS, (np.asarray(dense_map), np.asarray(placed), np.asarray(fit(pruned)))))


def embedding_table(coords: dict[str, np.ndarray], digits: np.ndarray) -> pd.DataFrame:
    """One row per validation input: its digit and its (x, y) in every panel."""
    out = pd.DataFrame({"val_index": np.arange(len(digits)), "digit": digits})
    for name, xy in coords.items():
        out[f"{name}_x"] = xy[:, 0]
        out[f"{name}_y"] = xy[:, 1]
    return out
