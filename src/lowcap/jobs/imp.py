"""Iterative magnitude pruning with fine-tuning, against one-shot pruning (lowcap.analyses.imp)."""

from __future__ import annotations

import time

import pandas as pd

from lowcap.analyses import imp
from lowcap.jobs import each_seed, set_threads
from lowcap.core.tables import read_table, write_table


def imp_pair(checkpoints: list[str], expected: list[list], images: str, labels: str, study: str,
             protocol: dict, rate: float, rounds: int, finetune_epochs: int, target_sparsity: float,
             tolerance_points: float, out: str, threads: int = 1) -> None:
    """Every checkpoint of one pair: one-shot, one-shot + fine-tuning, IMP, and the control (the
    dense model trained as long as each round). The table carries the target level and the
    tolerance, so that the claims read everything they judge from it."""
    from lowcap.core.evaluation import load_checked
    from lowcap.core.protocol import Protocol

    device = set_threads(threads)
    loaded = load_checked(checkpoints, images, labels, study, expected)
    schedule = imp.levels(rate, rounds, target_sparsity)
    start = time.perf_counter()
    # One seed at a time for the progress lines, then run_pair's own order (rows unique by TABLE_KEYS).
    table = each_seed(loaded, lambda items: imp.run_pair(items, images, labels, schedule, finetune_epochs,
                                                        Protocol(**protocol), device))
    table = table.sort_values(imp.TABLE_KEYS, kind="stable", ignore_index=True)
    print(f"{len(loaded)} checkpoints, levels {[round(v, 2) for v in schedule]} % (rate {rate}, {rounds} rounds, "
          f"target {target_sparsity:g}%), {finetune_epochs} fine-tuning epochs per round, batch orders from "
          f"lowcap.analyses.imp.shuffle_seed(seed, round), device {device}: {time.perf_counter() - start:.1f} s")
    table["target_sparsity"] = float(target_sparsity)
    table["tolerance_points"] = float(tolerance_points)
    write_table(table, out)
    judged = imp.evaluated(table)
    print("validation F1, mean over seeds and widths, by method, scope and round:")
    print(judged.pivot_table(index=["method", "scope"], columns="round", values="val_f1").round(3).to_string())
    print("the control (dense, trained as long), by round:")
    print(table[table["method"] == imp.CONTROL].groupby("round")["val_f1"].mean().round(3).to_string())


def imp_figure(table_csv: str, pair: str, tolerance_points: float, finetune_epochs: int, png: str, pdf: str,
               csv: str, figure_labels: dict | None = None, grid: dict | None = None) -> None:
    """F1 against achieved sparsity by method, one pair. `grid`: {"widths", "seeds", "imp"} that
    the table must hold (imp.read_table_of)."""
    curves = imp.figure_curves(read_checked(table_csv, pair, grid))
    write_table(curves, csv)
    imp.plot_pair(curves, pair, tolerance_points, finetune_epochs, png, pdf, figure_labels)


def read_checked(path: str, pair: str, grid: dict | None) -> pd.DataFrame:
    if grid is None:  # no config at hand: only a file cut short or mid-line is caught
        return read_table(path, imp.TABLE_KEYS, imp.TABLE_KEYS)
    return imp.read_table_of(path, pair, grid["widths"], grid["seeds"], grid["imp"])


def imp_summary(tables: list[str], pairs: list[str], tolerance_points: float, finetune_epochs: int,
                outputs: dict[str, str], figure_labels: dict | None = None, grid: dict | None = None) -> None:
    """The recovery figure and the max-sparsity table of a study.
    `outputs`: 'recovery_{png,pdf,csv}', 'table_csv', 'table_md'."""
    if len(tables) != len(pairs):
        raise ValueError(f"{len(tables)} IMP tables for the pairs {pairs}: {tables}")
    table = pd.concat([read_checked(p, pair, grid) for p, pair in zip(tables, pairs)], ignore_index=True)
    recovery = imp.recovery_curves(table)
    write_table(recovery, outputs["recovery_csv"])
    imp.plot_recovery(recovery, pairs, finetune_epochs, outputs["recovery_png"], outputs["recovery_pdf"],
                       figure_labels)
    best = imp.max_sparsity(table, tolerance_points, pairs)
    intro = (f"Highest achieved sparsity (% of all weights zero, lowest over seeds) at which validation F1 stays "
             f"within {tolerance_points:g} point of the same checkpoint's dense F1 on every seed, at that round "
             "and every round before it (0: not even the first round). one-shot: no retraining; one-shot+ft: "
             f"as many epochs of fine-tuning with the mask held as IMP had at that level; imp: iterative, "
             f"{finetune_epochs} epochs per round. The CSV also has the same against the control, the dense model "
             "trained as long as each row's model (`max_sparsity_vs_dense_ft`).\n\n")
    best.to_csv(outputs["table_csv"], index=False, float_format="%.6g")
    with open(outputs["table_md"], "w") as fh:
        fh.write(intro + imp.max_sparsity_markdown(best))
    print(best.pivot_table(index=["method", "scope"], columns="pair", values="max_sparsity", sort=False).round(1)
          .to_string())
