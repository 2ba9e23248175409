"""t-SNE of hidden activations, dense and pruned (paper Fig. 5): the activations job. The figure
is lowcap.jobs.tsne_figures."""

from __future__ import annotations

import numpy as np

from lowcap.analyses import tsne
from lowcap.core import data
from lowcap.core import evaluation
from lowcap.core.tables import write_table
from lowcap.jobs import set_threads


def tsne_activations(images: str, labels: str, checkpoints: list[str], expected: list[list], study: str,
                     sparsity: float, scope: str, perplexity: float, k: int, random_state: int,
                     embedding: str, similarity: str, similarity_md: str, threads: int = 1) -> None:
    """The first checkpoint is the model of Fig. 5; the others are other seeds' (baselines)."""
    set_threads(threads)
    reference, *baselines = evaluation.load_checked(checkpoints, images, labels, study, expected)
    n_val = len(reference.y_val)
    if k >= n_val:
        raise ValueError(f"config key 'tsne.knn_k' is {k}; allowed: fewer than the {n_val} validation images")
    table, dense, pruned = tsne.compare_models(reference, baselines, sparsity, scope, k)
    intro = (
        f"Hidden activations of pair {reference.meta.pair}, width {reference.meta.width}, seed "
        f"{reference.meta.seed} on its {n_val} validation images, compared with the dense model's: kNN "
        f"overlap (k = {k}, mean fraction of shared nearest neighbours; chance "
        f"{tsne.chance_knn_overlap(n_val, k):.3f}) and linear CKA. "
        "The other rows give the scale: another seed's trained model of the same width (its own "
        "split differs, so some of these images were in its training set) and the untrained model "
        "(this seed's initial weights). zero_rows: inputs mapped to an all-zero vector; "
        "weight_sparsity_pct: counted from the weights; rms_norm: root-mean-square norm of the activation "
        "vectors, which both numbers ignore.\n\n"
    )
    write_table(table, similarity, similarity_md, intro)
    print(table.to_string())
    coords = tsne.embed(dense, pruned, perplexity, random_state, threads)
    digits = np.asarray(data.parse_pair(reference.meta.pair))[reference.y_val.astype(int)]
    write_table(tsne.embedding_table(coords, digits), embedding)
