"""t-SNE figure (paper Fig. 5) from the tsne_activations tables: no torch, and an edit to
lowcap.figures.tsne reruns this job only."""

from __future__ import annotations

import pandas as pd

from lowcap.core.tables import RECOVERY, TableError, read_table, write_table
from lowcap.figures import plots
from lowcap.figures import tsne as figures


def read_similarity(path: str, models: list | None) -> pd.DataFrame:
    """The similarity table, checked: the reference (models[0], [pair, width, seed]), the pruned
    model, and one baseline per other checkpoint plus the untrained one (tsne.compare_models)."""
    columns = ["pair", "width", "seed", "n_val", "role", "comparison", "knn_overlap", "linear_cka", "val_f1"]
    sim = read_table(path, columns, nullable=("knn_overlap", "linear_cka", "val_f1"))
    roles = sim["role"].value_counts().to_dict()
    want = {"reference": 1, "pruned": 1} | ({"baseline": len(models)} if models else {})
    wrong = {role: roles.get(role, 0) for role, n in want.items() if roles.get(role, 0) != n}
    reference = sim[sim["role"] == "reference"]
    if models and not wrong and [reference["pair"].iloc[0], *reference[["width", "seed"]].iloc[0]] != list(models[0]):
        wrong["reference"] = reference[["pair", "width", "seed"]].iloc[0].tolist()
    if wrong:
        raise TableError(f"{path} does not hold the rows the config asks for: expected rows per role {want} and "
                         f"the reference {models[0] if models else ''}, found {wrong}. It is incomplete or from "
                         f"another config: {RECOVERY}")
    return sim


def read_embedding(path: str, n_val: int) -> pd.DataFrame:
    """The embedding, checked: one row per validation image (0 .. n_val - 1), every panel."""
    columns = ["val_index", "digit"] + [f"{p}_{axis}" for p in figures.PANELS for axis in "xy"]
    return read_table(path, columns, {"val_index": range(n_val)})


def tsne_figure(embedding: str, similarity: str, png: str, pdf: str, csv: str,
                figure_labels: dict | None = None, models: list | None = None) -> None:
    """`models`: the tsne_activations job's checkpoints [pair, width, seed], reference first."""
    sim = read_similarity(similarity, models)
    table = read_embedding(embedding, int(sim["n_val"].iloc[0]))
    write_table(table, csv)
    dense = sim[sim["role"] == "reference"].iloc[0]
    pruned = sim[sim["role"] == "pruned"].iloc[0]
    baselines = "; ".join(f"{r.comparison}: {r.knn_overlap:.2f}, {r.linear_cka:.2f}"
                          for r in sim[sim["role"] == "baseline"].itertuples())
    title = (
        f"{dense.pair}, width {dense.width}, seed {dense.seed}: hidden activations on {dense.n_val} validation images\n"
        f"dense vs {pruned.comparison}: kNN overlap (k={pruned.k}) {pruned.knn_overlap:.2f}, "
        f"linear CKA {pruned.linear_cka:.2f}\n"
        f"for scale (kNN overlap, CKA vs dense) — {baselines}; chance kNN overlap {pruned.chance_knn_overlap:.3f}"
    )
    panel_titles = {
        "dense": f"dense (F1 {dense.val_f1:.3f})",
        "pruned_in_dense": f"{pruned.comparison}, placed into the dense map\n"
                           f"(F1 {pruned.val_f1:.3f}, {pruned.weight_sparsity_pct:.1f}% weights zero)",
        "pruned_own": f"{pruned.comparison}, own t-SNE\n({pruned.dead_units} of {dense.width} units dead, "
                      f"{pruned.units_with_output_weight} with an output weight)",
    }
    figures.plot_tsne(table, panel_titles, plots.labels_of(figure_labels).title(title), png, pdf)
