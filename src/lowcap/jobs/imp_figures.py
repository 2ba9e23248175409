"""The IMP figures, drawn from the pair tables (no torch): F1 against sparsity by method, one pair,
and the recovery of F1 by fine-tuning over the rounds, every pair."""

from __future__ import annotations

from lowcap.analyses import imp_tables
from lowcap.core.tables import write_table
from lowcap.figures import imp as figures


def imp_figure(table_csv: str, pair: str, tolerance_points: float, finetune_epochs: int, png: str, pdf: str,
               csv: str, figure_labels: dict | None = None, grid: dict | None = None) -> None:
    """F1 against achieved sparsity by method, one pair. `grid`: {"widths", "seeds", "imp"} that
    the table must hold (imp_tables.read_checked)."""
    curves = figures.figure_curves(imp_tables.read_checked(table_csv, pair, grid))
    write_table(curves, csv)
    figures.plot_pair(curves, pair, tolerance_points, finetune_epochs, png, pdf, figure_labels)


def imp_recovery_figure(tables: list[str], pairs: list[str], finetune_epochs: int, png: str, pdf: str, csv: str,
                        figure_labels: dict | None = None, grid: dict | None = None) -> None:
    """Does fine-tuning recover: IMP's F1 before and after each round's fine-tuning, and the control's."""
    table = imp_tables.read_tables(tables, pairs, grid)
    recovery = figures.recovery_curves(table)
    write_table(recovery, csv)
    figures.plot_recovery(recovery, pairs, finetune_epochs, png, pdf, figure_labels)
