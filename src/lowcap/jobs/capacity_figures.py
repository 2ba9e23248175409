"""Capacity: paper Fig. 3 with the minimum-capacity table, the training curves (Fig. A.1-A.5) and
the minimum width against the training budget. Every job reads histories or tables (no torch)."""

from __future__ import annotations

import pandas as pd

from lowcap.analyses import capacity
from lowcap.core.tables import write_table
from lowcap.figures import capacity as figures
from lowcap.figures import plots


def capacity_summary(histories: list[str], pairs: list[str], widths: list[int], seeds: list[int],
                     outputs: dict[str, str], figure_labels: dict | None = None, epochs: int | None = None,
                     success_f1: float = capacity.SUCCESS_F1) -> None:
    """Fig. 3 for the training and the validation split ({split}_png, _pdf, _csv) and the
    minimum-capacity table (table_csv, table_md): one job, as all three read every history.
    `figure_labels`: the study and its architecture (plots.Labels: a CNN study's capacity is its
    channel count). `epochs` (the protocol's) and `success_f1`, which the captions state, are the
    last epoch every history must reach and the success level drawn and tabulated."""
    labels = plots.labels_of(figure_labels)
    history = capacity.read_histories(histories)
    capacity.check_grid(history, pairs, widths, seeds, ", ".join(histories), epochs)
    per_seed = capacity.per_seed_f1(history)
    for split, name in (("train", "training"), ("val", "validation")):
        summary = capacity.width_summary(per_seed, split, "best_f1")
        write_table(summary, outputs[f"{split}_csv"])
        figures.plot_capacity(summary, pairs, f"Best F1 over epochs, {name} split", outputs[f"{split}_png"],
                              outputs[f"{split}_pdf"], success_f1, labels)
    table = capacity.minimum_capacity(per_seed, pairs, success_f1)
    intro = (
        f"Smallest {labels.noun} with F1 > {success_f1}: on every seed, and on the mean over "
        "seeds. best_f1 is the best epoch (as the paper's Fig. 3); final_f1 is the last epoch, with no "
        f"selection. '—': no {labels.unit} in the grid reaches it.\n\n"
    )
    write_table(table, outputs["table_csv"], outputs["table_md"], intro)
    print(table.to_string())


def training_curves_figure(history: str, pair: str, widths: list[int], seeds: list[int], png: str, pdf: str,
                           csv: str, figure_labels: dict | None = None, epochs: int | None = None) -> None:
    """Fig. A: F1 and loss against epoch for one pair, from its training history, which must reach
    `epochs` (the protocol's, which the caption states)."""
    table = capacity.read_histories([history])
    capacity.check_grid(table, [pair], widths, seeds, history, epochs)
    curves = figures.training_curve_table(table)
    write_table(curves, csv)
    figures.plot_training_curves(curves, pair, png, pdf, figure_labels)


def budget_figure(tables: list[str], studies: list[str], epochs: list[int], pairs: list[str], split: str,
                  stat: str, png: str, pdf: str, csv: str) -> None:
    """Minimum width per pair against the training budget (epochs), one study per budget."""
    frames = []
    for path, study, n in zip(tables, studies, epochs, strict=True):
        t = capacity.read_min_capacity(path, pairs, split, stat)
        t = t[(t["split"] == split) & (t["statistic"] == stat)]
        frames.append(t.assign(study=study, epochs=n))
    table = pd.concat(frames, ignore_index=True)[["pair", "epochs", "study", "split", "statistic",
                                                  "min_width_every_seed", "min_width_mean", "threshold"]]
    write_table(table, csv)
    figures.plot_budget_min_width(table, pairs, png, pdf)
    print(table.pivot(index="pair", columns="epochs", values="min_width_mean").to_string())
