"""Paper Fig. 4, B.1-B.4: the one-shot pruning figures, drawn from the pair tables (no torch)."""

from __future__ import annotations

from lowcap.analyses import pruning_tables
from lowcap.core.tables import write_table
from lowcap.figures import pruning as figures


def pruning_figures(table_csv: str, pair: str, scheme: str, levels: list[float], outputs: dict[str, str],
                    figure_labels: dict | None = None, grid: dict | None = None) -> None:
    """% change in F1 and AUC, and F1, against sparsity for one pair.
    `outputs` maps '{kind}_{png,pdf,csv}' to paths, kind in lowcap.figures.pruning.FIGURE_KINDS;
    `figure_labels`: the study and its architecture (plots.Labels); `grid`: the table's
    (pruning_tables.read_table_of)."""
    table = pruning_tables.read_table_of(table_csv, pair, grid)
    for kind, (curves, ylabel, title, reference) in figures.figure_curves(table, levels).items():
        write_table(curves, outputs[f"{kind}_csv"])
        figures.plot_sparsity_curves(curves, pair, ylabel, f"{title} ({scheme})", outputs[f"{kind}_png"],
                                     outputs[f"{kind}_pdf"], reference, figure_labels)
