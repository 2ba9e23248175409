"""One-shot magnitude pruning (paper Fig. 4, B.1-B.4) and dead neurons (paper Table 1)."""

from __future__ import annotations

import pandas as pd

from lowcap.analyses import capacity, pruning
from lowcap.figures import plots
from lowcap.jobs import Reported, set_threads
from lowcap.core.tables import write_table


def pruning_pair(checkpoints: list[str], expected: list[list], images: str, labels: str, study: str,
                 levels: list[float], scope: str, out: str, threads: int = 1) -> None:
    """Every checkpoint of one pair pruned once at every level (level 0: unpruned), by magnitude
    and, as the null, at random with as many weights per layer (seeded)."""
    from lowcap.core.evaluation import load_checked

    device = set_threads(threads)
    loaded = Reported(load_checked(checkpoints, images, labels, study, expected))
    table = pruning.prune_checkpoints(loaded, levels, scope, device)
    write_table(table, out)
    print(f"{len(checkpoints)} checkpoints, scope {scope}, device {device}")
    print("achieved sparsity (%) counted from the weights, min and max over checkpoints:")
    achieved = [c for c in table.columns if c.startswith("sparsity_")]  # per layer (MLP or CNN), total
    print(table.groupby("requested_sparsity")[achieved].agg(["min", "max"]).round(3).to_string())
    print("validation F1, mean over seeds:")
    print(table.pivot_table(index="width", columns="requested_sparsity", values="val_f1").round(3).to_string())
    print("the random-pruning null (as many weights per layer, chosen at random, seeded): validation F1, mean "
          "over seeds:")
    print(table.pivot_table(index="width", columns="requested_sparsity", values="random_val_f1").round(3).to_string())


def pruning_figures(table_csv: str, pair: str, scheme: str, levels: list[float], outputs: dict[str, str],
                    figure_labels: dict | None = None, grid: dict | None = None) -> None:
    """Paper Fig. 4, B.1-B.4 for one pair: % change in F1 and AUC, and F1, against sparsity.
    `outputs` maps '{kind}_{png,pdf,csv}' to paths, kind in pruning.FIGURE_KINDS; `figure_labels`: the
    study and its architecture (plots.Labels); `grid`: the table's (pruning.read_table_of)."""
    table = pruning.read_table_of(table_csv, pair, grid)
    for kind, (curves, ylabel, title, reference) in pruning.figure_curves(table, levels).items():
        write_table(curves, outputs[f"{kind}_csv"])
        pruning.plot_sparsity_curves(curves, pair, ylabel,
                                     f"{title} ({scheme})", outputs[f"{kind}_png"], outputs[f"{kind}_pdf"],
                                     reference, figure_labels)


def max_sparsity_table(tables: list[str], levels: list[float], pairs: list[str], csv: str, md: str,
                       figure_labels: dict | None = None, grid: dict | None = None) -> None:
    labels = plots.labels_of(figure_labels)
    table = pruning.max_sparsity(pruning.read_tables(tables, pairs, grid), levels, pairs)
    intro = (
        f"Highest requested sparsity (one-shot magnitude pruning, scope {table['scope'].iloc[0]}, no "
        f"retraining) at which a (pair, {labels.unit}) keeps validation F1 > {capacity.SUCCESS_F1} on every seed, "
        f"among 0 (unpruned) and the levels {sorted(levels)}. '—': not even the unpruned model does. "
        "The CSV also has the level reached by the mean over seeds.\n\n"
    )
    table.to_csv(csv, index=False)
    with open(md, "w") as fh:
        fh.write(intro + pruning.max_sparsity_markdown(table, labels.noun))
    print(table.to_string())


def dead_neurons_table(tables: list[str], sparsity: float, paper_rows: list[list], pairs: list[str],
                       csv: str, md: str, grid: dict | None = None) -> None:
    dead = pruning.dead_neuron_table(pruning.read_tables(tables, pairs, grid), sparsity, paper_rows, pairs)
    present = set(zip(dead["pair"], dead["width"]))
    missing = [r for r in paper_rows if (r[0], int(r[1])) not in present]
    if missing:
        print(f"paper rows not in this grid, left out: {missing}")
    intro = (
        f"Dead hidden units (ReLU output zero on every validation input) before pruning and after "
        f"one-shot magnitude pruning to {sparsity:g}% sparsity (scope {dead['scope'].iloc[0]}), per "
        "checkpoint. ★: the paper's Table 1 rows, listed first. 'no output weight after': hidden units "
        "whose only outgoing weight was pruned; alive or not, they no longer affect the output. 'dead or "
        "cut off after': units that are dead, or have lost every incoming weight, or every output weight "
        "(lowcap.analyses.pruning.dead_or_disconnected): they cannot carry the input to the prediction.\n\n"
    )
    dead.to_csv(csv, index=False, float_format="%.6g")
    with open(md, "w") as fh:
        fh.write(intro + pruning.dead_neuron_markdown(dead))
    print(dead[dead["paper_row"]].to_string())
