"""One-shot magnitude pruning (paper Fig. 4, B.1-B.4) and dead neurons (paper Table 1): the pair
tables (lowcap.analyses.pruning) and the tables summarised from them (lowcap.analyses.pruning_tables).
The figures are drawn by lowcap.jobs.pruning_figures."""

from __future__ import annotations

from lowcap.analyses import capacity, pruning_tables
from lowcap.core.tables import write_table
from lowcap.jobs import Reported, set_threads

# What a study's capacity and its units are called in the tables' text, by architecture: (one
# capacity value, the grid's columns, the units).
CAPACITY_WORDS = {"mlp": ("width", "hidden width", "hidden units"),
                  "cnn": ("channel count", "channel count", "channels")}


def pruning_pair(checkpoints: list[str], expected: list[list], images: str, labels: str, study: str,
                 levels: list[float], scope: str, out: str, layers_to_ignore: list[str] = (), threads: int = 1) -> None:
    """Every checkpoint of one pair pruned once at every level (level 0: unpruned), by magnitude
    and, as the null, at random with as many weights per layer (seeded); `layers_to_ignore`: the
    scheme's layers left whole (lowcap.analyses.pruning.prune)."""
    # torch: only this job of the module needs it, the table jobs start without it
    from lowcap.analyses import pruning
    from lowcap.core import evaluation

    device = set_threads(threads)
    loaded = Reported(evaluation.load_checked(checkpoints, images, labels, study, expected))
    table = pruning.prune_checkpoints(loaded, levels, scope, device, tuple(layers_to_ignore))
    write_table(table, out)
    ignored = f", layers left whole: {list(layers_to_ignore)}" if layers_to_ignore else ""
    print(f"{len(checkpoints)} checkpoints, scope {scope}{ignored}, device {device}")
    print("achieved sparsity (%) counted from the weights, min and max over checkpoints:")
    achieved = [c for c in table.columns if c.startswith("sparsity_")]  # per layer (MLP or CNN), total
    print(table.groupby("requested_sparsity")[achieved].agg(["min", "max"]).round(3).to_string())
    print("validation F1, mean over seeds:")
    print(table.pivot_table(index="width", columns="requested_sparsity", values="val_f1").round(3).to_string())
    print("the random-pruning null (as many weights per layer, chosen at random, seeded): validation F1, mean "
          "over seeds:")
    print(table.pivot_table(index="width", columns="requested_sparsity", values="random_val_f1").round(3).to_string())


def max_sparsity_table(tables: list[str], levels: list[float], pairs: list[str], csv: str, md: str,
                       architecture: str = "mlp", grid: dict | None = None) -> None:
    """The highest sparsity at which each (pair, width) keeps F1 > SUCCESS_F1 on every seed."""
    unit, columns, _ = CAPACITY_WORDS[architecture]
    table = pruning_tables.highest_passing_level(pruning_tables.read_tables(tables, pairs, grid), levels, pairs)
    intro = (
        f"Highest requested sparsity (one-shot magnitude pruning, scope {table['scope'].iloc[0]}, no "
        f"retraining) at which a (pair, {unit}) keeps validation F1 > {capacity.SUCCESS_F1} on every seed, "
        f"among 0 (unpruned) and the levels {sorted(levels)}. '—': not even the unpruned model does. "
        "The CSV also has the level reached by the mean over seeds.\n\n"
    )
    table.to_csv(csv, index=False)
    with open(md, "w") as fh:
        fh.write(intro + pruning_tables.max_sparsity_markdown(table, columns))
    print(table.to_string())


def _dead_neurons_intro(units: str, sparsity: float, scope: str, architecture: str) -> str:
    """The dead-neuron table's first paragraph, naming the study's units (hidden units or channels)."""
    dead_when = ("at every position of every validation input" if architecture == "cnn"
                 else "on every validation input")
    cut_off = ("channels whose every output weight (one per position) was pruned" if architecture == "cnn"
               else "hidden units whose only outgoing weight was pruned")
    return (
        f"Dead {units} (ReLU output zero {dead_when}) before pruning and after "
        f"one-shot magnitude pruning to {sparsity:g}% sparsity (scope {scope}), per "
        f"checkpoint. ★: the paper's Table 1 rows, listed first. 'no output weight after': {cut_off}; "
        "alive or not, they no longer affect the output. 'dead or "
        "cut off after': units that are dead, or have lost every incoming weight, or every output weight "
        "(lowcap.analyses.pruning.dead_or_disconnected): they cannot carry the input to the prediction.\n\n"
    )


def dead_neurons_table(tables: list[str], sparsity: float, paper_rows: list[list], pairs: list[str],
                       csv: str, md: str, architecture: str = "mlp", grid: dict | None = None) -> None:
    """Paper Table 1: dead units of every checkpoint before and after pruning, the paper's rows first."""
    dead = pruning_tables.dead_neuron_table(pruning_tables.read_tables(tables, pairs, grid), sparsity, paper_rows,
                                            pairs)
    present = set(zip(dead["pair"], dead["width"]))
    missing = [r for r in paper_rows if (r[0], int(r[1])) not in present]
    if missing:
        print(f"paper rows not in this grid, left out: {missing}")
    units = CAPACITY_WORDS[architecture][2]
    dead.to_csv(csv, index=False, float_format="%.6g")
    with open(md, "w") as fh:
        fh.write(_dead_neurons_intro(units, sparsity, dead["scope"].iloc[0], architecture)
                 + pruning_tables.dead_neuron_markdown(dead, "width" if architecture == "mlp" else "channels"))
    print(dead[dead["paper_row"]].to_string())
