"""The learning-rate sweep's figures (paper Fig. 1, 2), from the sweep's histories (no torch).
Its training is lowcap.jobs.lr_sweep."""

from __future__ import annotations

from lowcap.analyses import capacity, lr_sweep
from lowcap.core.tables import RECOVERY, TableError, write_table
from lowcap.figures import lr_sweep as figures


def lr_sweep_figures(histories: list[str], pair: str, widths: list[int], seeds: list[int], lrs: list[float],
                     protocol_lr: float, outputs: dict[str, str], figure_labels: dict | None = None) -> None:
    """Fig. 1 (curves_png, _pdf, _csv) and Fig. 2 (heatmap_png, _pdf, _csv) at the final epoch; both
    splits go to the CSVs, the figures plot the validation rows (plotted = True)."""
    history = capacity.read_histories(histories)
    history = history[(history["pair"] == pair) & history["width"].isin(widths)]
    capacity.check_grid(history, [pair], widths, seeds, ", ".join(histories))
    absent = sorted(set(lrs) - set(history["lr"].unique()))
    if absent:  # check_grid checks each learning rate the histories hold, not the configured ones
        raise TableError(f"{', '.join(histories)} hold no rows at the learning rates {absent} of the sweep: {RECOVERY}")
    summary = lr_sweep.final_epoch_summary(history[history["lr"].isin(lrs)])
    summary.insert(2, "plotted", summary["split"] == "val")
    write_table(summary, outputs["curves_csv"])
    figures.plot_lr_curves(summary, protocol_lr, outputs["curves_png"], outputs["curves_pdf"], figure_labels)
    table = figures.heatmap_table(summary)
    table.insert(2, "plotted", table["split"] == "val")
    write_table(table, outputs["heatmap_csv"])
    figures.plot_heatmap(table, outputs["heatmap_png"], outputs["heatmap_pdf"], figure_labels)
    print(table[table["plotted"]].pivot(index="width", columns="lr", values="f1_mean").round(3).to_string())
