"""Iterative magnitude pruning with fine-tuning, against one-shot pruning (lowcap.analyses.imp):
the pair tables and the max-sparsity table. The figures are drawn by lowcap.jobs.imp_figures."""

from __future__ import annotations

import time

from lowcap.analyses import imp, imp_tables
from lowcap.core import evaluation
from lowcap.core.protocol import Protocol
from lowcap.core.tables import write_table
from lowcap.jobs import each_seed, set_threads


def imp_pair(checkpoints: list[str], expected: list[list], images: str, labels: str, study: str,
             protocol: dict, rate: float, rounds: int, finetune_epochs: int, target_sparsity: float,
             tolerance_points: float, out: str, threads: int = 1) -> None:
    """Every checkpoint of one pair: one-shot, one-shot + fine-tuning, IMP, and the control (the
    dense model trained as long as each round). The table carries the target level and the
    tolerance, so that the claims read everything they judge from it."""
    device = set_threads(threads)
    loaded = evaluation.load_checked(checkpoints, images, labels, study, expected)
    schedule = imp_tables.levels(rate, rounds, target_sparsity)
    start = time.perf_counter()
    # One seed at a time for the progress lines, then run_pair's own order (rows unique by TABLE_KEYS).
    table = each_seed(loaded, lambda items: imp.run_pair(items, images, labels, schedule, finetune_epochs,
                                                        Protocol(**protocol), device))
    table = table.sort_values(imp_tables.TABLE_KEYS, kind="stable", ignore_index=True)
    print(f"{len(loaded)} checkpoints, levels {[round(v, 2) for v in schedule]} % (rate {rate}, {rounds} rounds, "
          f"target {target_sparsity:g}%), {finetune_epochs} fine-tuning epochs per round, batch orders from "
          f"lowcap.analyses.imp.shuffle_seed(seed, round), device {device}: {time.perf_counter() - start:.1f} s")
    table["target_sparsity"] = float(target_sparsity)
    table["tolerance_points"] = float(tolerance_points)
    write_table(table, out)
    judged = imp_tables.evaluated(table)
    print("validation F1, mean over seeds and widths, by method, scope and round:")
    print(judged.pivot_table(index=["method", "scope"], columns="round", values="val_f1").round(3).to_string())
    print("the control (dense, trained as long), by round:")
    print(table[table["method"] == imp_tables.CONTROL].groupby("round")["val_f1"].mean().round(3).to_string())


def imp_max_sparsity_table(tables: list[str], pairs: list[str], tolerance_points: float, finetune_epochs: int,
                           csv: str, md: str, grid: dict | None = None) -> None:
    """The highest sparsity each method reaches within `tolerance_points` of the dense F1."""
    table = imp_tables.read_tables(tables, pairs, grid)
    best = imp_tables.highest_sparsity_within_tolerance(table, tolerance_points, pairs)
    intro = (f"Highest achieved sparsity (% of all weights zero, lowest over seeds) at which validation F1 stays "
             f"within {tolerance_points:g} point of the same checkpoint's dense F1 on every seed, at that round "
             "and every round before it (0: not even the first round). one-shot: no retraining; one-shot+ft: "
             f"as many epochs of fine-tuning with the mask held as IMP had at that level; imp: iterative, "
             f"{finetune_epochs} epochs per round. The CSV also has the same against the control, the dense model "
             "trained as long as each row's model (`max_sparsity_vs_dense_ft`).\n\n")
    best.to_csv(csv, index=False, float_format="%.6g")
    with open(md, "w") as fh:
        fh.write(intro + imp_tables.max_sparsity_markdown(best))
    print(best.pivot_table(index=["method", "scope"], columns="pair", values="max_sparsity", sort=False).round(1)
          .to_string())
