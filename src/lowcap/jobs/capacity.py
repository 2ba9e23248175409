"""Capacity (paper Fig. 3, the minimum-capacity table) and training curves (Fig. A.1-A.5)."""

from __future__ import annotations

from lowcap.analyses import capacity
from lowcap.figures import plots
from lowcap.core.tables import write_table


def capacity_summary(histories: list[str], pairs: list[str], widths: list[int], seeds: list[int],
                     outputs: dict[str, str], figure_labels: dict | None = None) -> None:
    """Fig. 3 for the training and the validation split, and the minimum-capacity table. `figure_labels`:
    the study and its architecture (plots.Labels: a CNN study's capacity is its channel count)."""
    labels = plots.labels_of(figure_labels)
    history = capacity.read_histories(histories)
    capacity.check_grid(history, pairs, widths, seeds, ", ".join(histories))
    per_seed = capacity.per_seed_f1(history)
    for split, name in (("train", "training"), ("val", "validation")):
        summary = capacity.width_summary(per_seed, split, "best_f1")
        write_table(summary, outputs[f"{split}_csv"])
        plots.capacity(summary, pairs, f"Best F1 over epochs, {name} split",
                       outputs[f"{split}_png"], outputs[f"{split}_pdf"], capacity.SUCCESS_F1, labels)
    table = capacity.minimum_capacity(per_seed, pairs)
    intro = (
        f"Smallest {labels.noun} with F1 > {capacity.SUCCESS_F1}: on every seed, and on the mean over "
        "seeds. best_f1 is the best epoch (as the paper's Fig. 3); final_f1 is the last epoch, with no "
        f"selection. '—': no {labels.unit} in the grid reaches it.\n\n"
    )
    write_table(table, outputs["table_csv"], outputs["table_md"], intro)
    print(table.to_string())


def training_curves_figure(histories: list[str], pair: str, widths: list[int], seeds: list[int],
                           png: str, pdf: str, csv: str, figure_labels: dict | None = None) -> None:
    history = capacity.read_histories(histories)
    capacity.check_grid(history, [pair], widths, seeds, ", ".join(histories))
    curves = plots.training_curve_table(history)
    write_table(curves, csv)
    plots.training_curves(curves, pair, png, pdf, figure_labels)


def read_min_capacity(path: str, pairs: list[str], split: str, stat: str):
    """A min_capacity table, checked (lowcap.core.tables.read_table): every (pair, split, statistic)
    combination it holds, and every pair of `pairs` at the split and statistic drawn."""
    from lowcap.core.tables import check_table_grid, read_table

    keys = ["pair", "split", "statistic"]
    values = ["min_width_every_seed", "min_width_mean"]
    table = read_table(path, keys + values + ["threshold"], keys, nullable=values)
    check_table_grid(table, {"pair": pairs, "split": [split], "statistic": [stat]}, path, extra_ok=True)
    return table


def budget_figure(tables: list[str], studies: list[str], epochs: list[int], pairs: list[str], split: str,
                  stat: str, png: str, pdf: str, csv: str) -> None:
    """Minimum width per pair against the training budget (epochs), one study per budget."""
    import pandas as pd

    frames = []
    for path, study, n in zip(tables, studies, epochs, strict=True):
        t = read_min_capacity(path, pairs, split, stat)
        t = t[(t["split"] == split) & (t["statistic"] == stat)]
        frames.append(t.assign(study=study, epochs=n))
    table = pd.concat(frames, ignore_index=True)[["pair", "epochs", "study", "split", "statistic",
                                                  "min_width_every_seed", "min_width_mean", "threshold"]]
    write_table(table, csv)
    plots.budget_min_width(table, pairs, png, pdf)
    print(table.pivot(index="pair", columns="epochs", values="min_width_mean").to_string())
