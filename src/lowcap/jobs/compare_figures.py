"""The MLP-against-CNN comparison (issue 11): a CNN study beside the MLP study of the same protocol,
on one axis, the parameter count; the figure and the table it reads off, from histories and
max-sparsity tables (no torch)."""

from __future__ import annotations

from lowcap.analyses import capacity, compare
from lowcap.core.tables import write_table
from lowcap.figures import compare as figures

TABLE_INTRO = (
    "# {mlp} (MLP) against {cnn} (CNN)\n\nMinimum capacity: the smallest width "
    "(MLP hidden units, CNN channels) whose {stat} on the {split} split is above "
    "{success} on the mean over seeds ('every seed': on each seed), and its parameter "
    "count (MLP 786 H + 1, CNN 179 C + 1). Highest sparsity: over the widths of the grid, the highest "
    "requested sparsity at which F1 stays above the success level on every seed, per pruning scheme "
    "of each study (the CNN studies add `global`). "
    "'—': none in the grid.\n\n"
)


def _per_seed_f1(study: dict):
    """Best and final F1 per (pair, width, seed, split) of one study's histories, checked for its grid."""
    history = capacity.read_histories(study["histories"])
    if "widths" in study:
        capacity.check_grid(history, study["pairs"], study["widths"], study["seeds"], ", ".join(study["histories"]))
    return capacity.per_seed_f1(history)


def mlp_vs_cnn(mlp: dict, cnn: dict, pairs: list[str], split: str, stat: str, png: str, pdf: str, csv: str,
               table_csv: str, table_md: str) -> None:
    """`mlp`, `cnn`: {name, histories, max_sparsity: {scheme: path}, and the grid the tables hold:
    pairs, widths, seeds (each table is checked for it; without it, only for a file cut short)}.
    Writes the figure of F1 against parameters per pair (png, pdf, csv: the plotted numbers) and
    the table of minimum capacity in width and parameters, and highest sparsity kept, per pair."""
    studies = {"mlp": mlp, "cnn": cnn}
    names = {arch: study["name"] for arch, study in studies.items()}
    per_seed = {arch: _per_seed_f1(study) for arch, study in studies.items()}
    curves = compare.curves(per_seed, names, pairs, split, stat)
    write_table(curves, csv)
    figures.plot(curves, pairs, png, pdf)
    sparsity = {arch: {s: compare.read_max_sparsity(path, study) for s, path in study["max_sparsity"].items()}
                for arch, study in studies.items()}
    table = compare.table(per_seed, sparsity, names, pairs, split, stat)
    intro = TABLE_INTRO.format(mlp=mlp["name"], cnn=cnn["name"], stat=stat, split=split, success=capacity.SUCCESS_F1)
    write_table(table, table_csv, table_md, intro)
    print(table.to_string())
