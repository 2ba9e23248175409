"""The MLP-against-CNN comparison (issue 11): a CNN study beside the MLP study of the same protocol,
on one axis, the parameter count."""

from __future__ import annotations


def read_max_sparsity(path: str, study: dict):
    """A max_sparsity table, checked: one row per (pair, width) of the study's grid."""
    from lowcap.core.tables import read_table

    grid = {"pair": study["pairs"], "width": study["widths"]} if "widths" in study else ["pair", "width"]
    values = ("max_sparsity_every_seed", "max_sparsity_mean")
    return read_table(path, ["pair", "width", *values, "n_seeds"], grid, nullable=values)


def comparison(mlp: dict, cnn: dict, pairs: list[str], split: str, stat: str, outputs: dict[str, str]) -> None:
    """`mlp`, `cnn`: {name, histories, max_sparsity: {scheme: path}, and the grid the tables hold:
    pairs, widths, seeds (each table is checked for it; without it, only for a file cut short)}. Writes the figure of F1
    against parameters per pair (png, pdf, csv: the plotted numbers) and the table of minimum
    capacity in width and parameters, and highest sparsity kept, per pair (table_csv, table_md)."""
    import pandas as pd

    from lowcap.analyses import capacity, compare
    from lowcap.core.tables import write_table

    per_seed = {}
    for arch, study in (("mlp", mlp), ("cnn", cnn)):
        history = capacity.read_histories(study["histories"])
        if "widths" in study:
            capacity.check_grid(history, study["pairs"], study["widths"], study["seeds"], ", ".join(study["histories"]))
        per_seed[arch] = capacity.per_seed_f1(history)
    curves = compare.curves(per_seed, {"mlp": mlp["name"], "cnn": cnn["name"]}, pairs, split, stat)
    write_table(curves, outputs["csv"])
    compare.plot(curves, pairs, outputs["png"], outputs["pdf"])
    sparsity = {arch: {s: read_max_sparsity(path, study) for s, path in study["max_sparsity"].items()}
                for arch, study in (("mlp", mlp), ("cnn", cnn))}
    table = compare.table(per_seed, sparsity, {"mlp": mlp["name"], "cnn": cnn["name"]}, pairs, split, stat)
    intro = (f"# {mlp['name']} (MLP) against {cnn['name']} (CNN)\n\nMinimum capacity: the smallest width "
             f"(MLP hidden units, CNN channels) whose {stat} on the {split} split is above "
             f"{capacity.SUCCESS_F1} on the mean over seeds ('every seed': on each seed), and its parameter "
             "count (MLP 786 H + 1, CNN 179 C + 1). Highest sparsity: over the widths of the grid, the highest "
             "requested sparsity at which F1 stays above the success level on every seed, per pruning scheme "
             "of each study (the CNN studies add `global`). "
             "'—': none in the grid.\n\n")
    write_table(table, outputs["table_csv"], outputs["table_md"], intro)
    print(table.to_string())
