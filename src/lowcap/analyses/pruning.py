"""One-shot magnitude pruning (paper Fig. 4, B.1-B.4) and dead hidden units (paper Table 1).

Pruning is torch.nn.utils.prune's L1 (magnitude) pruning, applied once to a trained checkpoint
with no retraining. Only the two weight matrices are pruned, never the biases.
- scope "layer" (the paper's): each weight matrix loses round(p% of its own size) weights;
- scope "global": round(p% of all weights) are removed, ranked together across both matrices.
Counts are rounded to the nearest integer (Python's round, ties to even) and passed to torch as
integers, so the rule is explicit and does not depend on how p/100 rounds in floating point.
The achieved sparsity is counted from the pruned weights themselves (entries equal to zero).

The null every "pruning keeps performance" claim has to beat (ShrinkBench's sanity baseline) is
random pruning at the same achieved sparsity: each checkpoint is also pruned by a seeded random
mask removing as many weights of each layer as magnitude pruning removes there (random_prune_copy;
the pair tables' random_* columns).

A hidden unit is dead when its ReLU output is zero on every validation input; it is dead or
disconnected when, in addition, it may have lost every incoming weight or every output weight:
either way it cannot carry the input to the prediction.

The CNN baseline (lowcap.core.cnn) is pruned the same way: its PRUNED_LAYERS are the convolution's
kernel and the output weights; its units are channels (dead: zero at every position of every
validation input; disconnected: all of its output weights pruned).

torch is imported inside the functions that need it: the figure and table jobs import this module
for its pandas and matplotlib parts only.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import pandas as pd

from lowcap.figures import plots
from lowcap.analyses.capacity import SUCCESS_F1, succeeds
from lowcap.core.tables import markdown_table

if TYPE_CHECKING:
    import torch

    from lowcap.core.model import MLP

PRUNED_LAYERS = ("hidden", "output")  # the weight matrices pruned; biases are left alone
SCOPES = ("layer", "global")


def pruned_layers(model) -> tuple[str, ...]:
    """The pruned weight layers of a model: the MLP's PRUNED_LAYERS, or its class's own (CNN)."""
    return getattr(type(model), "PRUNED_LAYERS", PRUNED_LAYERS)


def n_to_prune(sparsity: float, n: int) -> int:
    """How many of n weights a request of `sparsity` percent removes."""
    return int(round(sparsity * n / 100))


def _magnitude_pruned(model: MLP, sparsity: float, scope: str) -> MLP:
    """A copy of `model` pruned by magnitude, torch's masks still attached (`weight_mask`)."""
    from torch.nn.utils import prune

    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")
    pruned = copy.deepcopy(model)
    layers = [getattr(pruned, name) for name in pruned_layers(model)]
    if scope == "layer":
        for layer in layers:
            prune.l1_unstructured(layer, "weight", amount=n_to_prune(sparsity, layer.weight.numel()))
    else:
        total = sum(layer.weight.numel() for layer in layers)
        prune.global_unstructured([(layer, "weight") for layer in layers], prune.L1Unstructured,
                                  amount=n_to_prune(sparsity, total))
    return pruned


def prune_copy(model: MLP, sparsity: float, scope: str = "layer") -> MLP:
    """A copy of `model` with the smallest-magnitude weights set to zero (the mask baked in)."""
    from torch.nn.utils import prune

    pruned = _magnitude_pruned(model, sparsity, scope)
    for name in pruned_layers(model):
        prune.remove(getattr(pruned, name), "weight")  # weight = weight_orig * mask, a plain parameter again
    return pruned


def magnitude_mask_counts(model: MLP, sparsity: float, scope: str = "layer") -> dict[str, int]:
    """How many weights of each pruned layer magnitude pruning removes (global scope: as the
    global ranking splits them between the layers)."""
    pruned = _magnitude_pruned(model, sparsity, scope)
    return {name: int((getattr(pruned, name).weight_mask == 0).sum()) for name in pruned_layers(model)}


# Mixed into every random mask's seed (with the checkpoint and the level), so the null is fixed.
RANDOM_MASK_SEED = 2507


def random_mask_seed(pair: str, width: int, seed: int, level: float) -> list[int]:
    """The entropy (numpy SeedSequence) of one checkpoint's random mask at one level."""
    return [RANDOM_MASK_SEED, *(int(d) for d in str(pair).split("-")), int(width), int(seed),
            int(round(level * 1000))]


def random_prune_copy(model: MLP, sparsity: float, scope: str, seed) -> MLP:
    """The random-pruning null (ShrinkBench's sanity baseline): a copy of `model` with as many
    weights of each layer set to zero as magnitude pruning removes there (magnitude_mask_counts),
    chosen uniformly at random by numpy's generator seeded with `seed` (an int or a list of ints):
    the same achieved sparsity, layer by layer, with the choice of weights left to chance."""
    import numpy as np
    import torch

    counts = magnitude_mask_counts(model, sparsity, scope)
    rng = np.random.default_rng(seed)
    pruned = copy.deepcopy(model)
    with torch.no_grad():
        for name in pruned_layers(model):
            flat = getattr(pruned, name).weight.data.view(-1)
            drop = rng.permutation(flat.numel())[:counts[name]]
            flat[torch.as_tensor(drop, dtype=torch.long, device=flat.device)] = 0
    return pruned


def weight_sparsity(model: MLP) -> dict[str, float]:
    """Zero weights of each pruned matrix and of both together, counted from the weights."""
    out, zeros_total, n_total = {}, 0, 0
    for name in pruned_layers(model):
        weight = getattr(model, name).weight
        zeros = int((weight == 0).sum())
        out[f"zeros_{name}"] = zeros
        out[f"sparsity_{name}"] = 100 * zeros / weight.numel()
        zeros_total += zeros
        n_total += weight.numel()
    out["zeros_total"] = zeros_total
    out["sparsity_total"] = 100 * zeros_total / n_total
    return out


def dead_units(model: MLP, x: torch.Tensor) -> torch.Tensor:
    """Bool per hidden unit: its ReLU output is zero on every row of x."""
    import torch

    with torch.no_grad():
        if hasattr(model, "channel_activations"):  # a CNN: a unit is a channel, at every position
            return (model.channel_activations(x) == 0).all(dim=2).all(dim=0)
        return (model.hidden_activations(x) == 0).all(dim=0)


def disconnected_units(model) -> int:
    """Units whose every output weight is zero: they cannot affect the prediction."""
    weight = model.output.weight
    if hasattr(model, "channel_activations"):  # a CNN: each channel's 169 output weights
        return int((weight.reshape(model.channels, -1) == 0).all(dim=1).sum())
    return int((weight == 0).sum())


def _per_unit(model, name: str) -> torch.Tensor:
    """A pruned layer's weight, one row per hidden unit (MLP) or channel (CNN)."""
    first = getattr(model, pruned_layers(model)[0]).weight
    return getattr(model, name).weight.reshape(first.shape[0], -1)


def dead_or_disconnected(model, x: torch.Tensor) -> torch.Tensor:
    """Bool per hidden unit (CNN: channel) that cannot carry the input to the prediction: its ReLU
    is zero on every row of x (dead), or every incoming weight is pruned (its output no longer
    depends on the input), or every output weight is pruned (disconnected)."""
    first, last = pruned_layers(model)[0], pruned_layers(model)[-1]
    with_no_input = (_per_unit(model, first) == 0).all(dim=1)
    with_no_output = (_per_unit(model, last) == 0).all(dim=1)
    return dead_units(model, x) | with_no_input | with_no_output


def _evaluate_models(models: list, x: torch.Tensor, y: torch.Tensor, prefix: str = "") -> dict[str, list]:
    """Validation loss/F1/AUC of several models, all in one call to metrics.evaluate."""
    import torch

    from lowcap.core.metrics import evaluate

    with torch.no_grad():
        metrics = evaluate(torch.stack([m(x) for m in models], dim=1), y)
    return {f"{prefix}val_{name}": metrics[name].cpu().numpy() for name in ("loss", "f1", "auc")}


def prune_and_evaluate(model: MLP, x: torch.Tensor, y: torch.Tensor, levels: list[float],
                       scope: str, random_seed=None) -> pd.DataFrame:
    """One row per requested sparsity (0 = the unpruned model): achieved sparsity, validation
    loss/F1/AUC, dead hidden units, units left with no output weight, and units that are dead or
    cut off either way. With `random_seed(level)` (numpy seed entropy), also the random-pruning
    null at the same per-layer counts (columns random_*; random_prune_copy)."""
    import torch

    rows, models, nulls = [], [], []
    with torch.no_grad():
        for level in levels:
            pruned = prune_copy(model, level, scope)
            models.append(pruned)
            rows.append({
                "requested_sparsity": level,
                **weight_sparsity(pruned),
                "dead_units": int(dead_units(pruned, x).sum()),
                # Not dead, but cut off from the output: they cannot affect the prediction.
                "disconnected_units": disconnected_units(pruned),
                "dead_or_disconnected_units": int(dead_or_disconnected(pruned, x).sum()),
            })
            if random_seed is not None:
                nulls.append(random_prune_copy(model, level, scope, random_seed(level)))
    table = pd.DataFrame(rows)
    for column, values in _evaluate_models(models, x, y).items():  # all levels in one call
        table[column] = values
    if nulls:
        achieved = pd.DataFrame([weight_sparsity(m) for m in nulls])
        for column in [c for c in achieved if c.startswith("sparsity_")]:
            table[f"random_{column}"] = achieved[column].to_numpy()
        for column, values in _evaluate_models(nulls, x, y, "random_").items():
            table[column] = values
    return table


def prune_checkpoints(loaded: list, levels: list[float], scope: str, device: str = "cpu") -> pd.DataFrame:
    """The long pruning table of several checkpoints (evaluation.Loaded), each on its own
    validation split, with each checkpoint's seeded random-pruning null (random_mask_seed).
    Level 0 is the unpruned model."""
    import torch

    levels = sorted({0, *levels})
    tables = []
    for item in loaded:
        x = torch.as_tensor(item.x_val, device=device)
        y = torch.as_tensor(item.y_val, dtype=torch.float32, device=device)
        meta = item.meta
        seed = lambda level, m=meta: random_mask_seed(m.pair, m.width, m.seed, level)  # noqa: E731
        table = prune_and_evaluate(item.model.to(device), x, y, levels, scope, seed)
        keys = {"pair": meta.pair, "width": meta.width, "seed": meta.seed, "scope": scope, "n_val": len(item.y_val)}
        for i, (key, value) in enumerate(keys.items()):
            table.insert(i, key, value)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


# --------------------------------------------------------------------------- summaries (pandas only)


# A pair table's key (one row per checkpoint and level) and the columns every reader needs; the
# metrics (and the random-pruning null's) may be NaN where a metric is undefined.
TABLE_KEYS = ["pair", "width", "seed", "scope", "requested_sparsity"]
TABLE_METRICS = ["val_loss", "val_f1", "val_auc", "random_val_loss", "random_val_f1", "random_val_auc"]


def read_table_of(path, pair: str, grid: dict | None = None) -> pd.DataFrame:
    """One pair table, checked (lowcap.core.tables.read_table): `grid` {"widths", "seeds", "scope",
    "levels"} as the pruning_pair job computed them (levels without 0, which it adds); without a
    grid, every combination of the key values the table holds."""
    from lowcap.core.tables import read_table

    full = None if grid is None else {
        "pair": [pair], "width": grid["widths"], "seed": grid["seeds"], "scope": [grid["scope"]],
        "requested_sparsity": sorted({0, *grid["levels"]})}
    return read_table(path, TABLE_KEYS + ["dead_units", *TABLE_METRICS], full if full else TABLE_KEYS,
                      nullable=TABLE_METRICS)


def read_tables(paths: list[str], pairs: list[str] | None = None, grid: dict | None = None) -> pd.DataFrame:
    """The pair tables of `pairs` (in the order of `paths`), each checked (read_table_of)."""
    pairs = pairs if pairs is not None else [None] * len(paths)
    if len(pairs) != len(paths):
        raise ValueError(f"{len(paths)} pruning tables for {len(pairs)} pairs: {paths}")
    return pd.concat([read_table_of(p, pair, grid) for p, pair in zip(paths, pairs)], ignore_index=True)


def with_change(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Adds `{metric}_change_pct` = 100 * (pruned - unpruned) / unpruned, per checkpoint.
    NaN where the unpruned value is 0 (a relative change from zero is undefined)."""
    keys = ["pair", "width", "seed", "scope"]
    col = f"val_{metric}"
    dense = table[table["requested_sparsity"] == 0].set_index(keys)[col].rename("dense")
    out = table.join(dense, on=keys)
    out[f"{metric}_change_pct"] = 100 * (out[col] - out["dense"]) / out["dense"].where(out["dense"] != 0)
    return out.drop(columns="dense")


# Fig. 4's three figures per pair: kind -> (column, y label, title, reference line).
FIGURES = {
    "f1_change": ("f1_change_pct", "% change in F1 from the unpruned model", "change in validation F1", 0.0),
    "auc_change": ("auc_change_pct", "% change in AUC from the unpruned model", "change in validation AUC", 0.0),
    "f1": ("val_f1", "validation F1", "validation F1 after pruning", SUCCESS_F1),
}
FIGURE_KINDS = tuple(FIGURES)


def figure_curves(table: pd.DataFrame, levels: list[float]) -> dict[str, tuple]:
    """kind -> (plotted curves, y label, title, reference line) of one pair's pruning table."""
    table = with_change(with_change(table, "f1"), "auc")
    dense = table[table["requested_sparsity"] == 0]
    undefined = dense[dense["val_f1"] == 0]
    if len(undefined):
        print(f"{len(undefined)} checkpoints with unpruned F1 = 0 (their % change in F1 is NaN, left out of "
              f"the mean): {undefined[['width', 'seed']].to_dict('records')}")
    return {kind: (sparsity_curves(table, column, levels), ylabel, title, reference)
            for kind, (column, ylabel, title, reference) in FIGURES.items()}


def sparsity_curves(table: pd.DataFrame, column: str, levels: list[float]) -> pd.DataFrame:
    """Fig. 4 data, exactly what plot_sparsity_curves draws: mean, min and max over seeds of
    `column` per (pair, width, requested sparsity) at 0 and `levels`. n_seeds counts the seeds with
    a value (a NaN change is left out). achieved_sparsity_pct: zero weights of both layers
    together, mean over seeds (it labels the figure's top axis). highlighted: the widths drawn in
    colour with min-max whiskers (the others are grey mean lines)."""
    rows = table[table["requested_sparsity"].isin({0, *levels})]
    keys = ["pair", "width", "requested_sparsity"] + (["scope"] if "scope" in rows else [])
    grouped = rows.groupby(keys)
    out = grouped[column].agg(["mean", "min", "max", "count"]).rename(columns={"count": "n_seeds"})
    if "sparsity_total" in rows:
        out.insert(0, "achieved_sparsity_pct", grouped["sparsity_total"].mean())
    out = out.reset_index()
    out.insert(len(keys), "quantity", column)
    out["highlighted"] = out["width"].isin(plots.highlighted_widths(out["width"].unique()))
    return out


def max_sparsity(table: pd.DataFrame, levels: list[float], pairs: list[str],
                 threshold: float = SUCCESS_F1) -> pd.DataFrame:
    """For each (pair, width): the highest requested sparsity (0 = unpruned) with F1 > threshold
    on every seed; the highest such that every lower level also passes; and the highest whose mean
    over seeds passes. NA when even the unpruned model fails."""
    rows = table[table["requested_sparsity"].isin({0, *levels})]
    out = []
    for (pair, width), group in rows.groupby(["pair", "width"]):
        by_level = group.groupby("requested_sparsity")["val_f1"]
        every = succeeds(by_level.min(), threshold)
        mean = succeeds(by_level.mean(), threshold)
        passing_from_zero = every.cumprod().astype(bool)  # stops at the first failing level
        out.append({
            "pair": pair,
            "width": width,
            "max_sparsity_every_seed": every[every].index.max() if every.any() else pd.NA,
            "max_sparsity_every_seed_all_below": (passing_from_zero[passing_from_zero].index.max()
                                                  if passing_from_zero.any() else pd.NA),
            "max_sparsity_mean": mean[mean].index.max() if mean.any() else pd.NA,
            "dense_f1_min": by_level.min().loc[0],
            "threshold": threshold,
            "n_seeds": int(group["seed"].nunique()),
            "scope": group["scope"].iloc[0],
        })
    out = pd.DataFrame(out)
    out["pair"] = pd.Categorical(out["pair"], categories=pairs, ordered=True)
    return out.sort_values(["pair", "width"]).reset_index(drop=True)


def max_sparsity_markdown(table: pd.DataFrame, capacity: str = "hidden width") -> str:
    """Two pair x width grids of the table's sparsities, '—' where none passes; `capacity` names
    the columns (hidden width, or channels in a CNN study)."""
    parts = []
    for column, title in [
        ("max_sparsity_every_seed", "Highest sparsity (%) with F1 > {t} on every seed"),
        ("max_sparsity_every_seed_all_below", "… and at every lower level too"),
    ]:
        grid = table.pivot(index="pair", columns="width", values=column)
        grid = grid.astype(object).where(grid.notna(), pd.NA)
        grid = grid.map(lambda v: v if pd.isna(v) else f"{float(v):g}").reset_index()
        grid.columns = [str(c) for c in grid.columns]
        grid["pair"] = grid["pair"].astype(str)
        parts.append(f"### {title.format(t=table['threshold'].iloc[0])} (columns: {capacity})\n\n"
                     + markdown_table(grid))
    return "\n".join(parts)


def dead_neuron_table(table: pd.DataFrame, sparsity: float, paper_rows: list[tuple[str, int]],
                      pairs: list[str]) -> pd.DataFrame:
    """Dead hidden units of every checkpoint unpruned and at `sparsity`, one row per seed;
    the paper's (pair, width) rows first."""
    keys = ["pair", "width", "seed"]
    cols = ["dead_units", "disconnected_units", "val_f1", "sparsity_total"]
    before = table[table["requested_sparsity"] == 0].set_index(keys)[cols]
    after = table[table["requested_sparsity"] == sparsity].set_index(keys)[cols]
    if after.empty:
        raise ValueError(f"the pruning table has no rows at sparsity {sparsity}")
    out = before.add_suffix("_before").join(after.add_suffix("_after"), how="inner").reset_index()
    out = out.drop(columns=["disconnected_units_before", "sparsity_total_before"])
    out.insert(3, "sparsity", sparsity)
    out.insert(4, "scope", table["scope"].iloc[0])
    paper = {(pair, int(width)) for pair, width in paper_rows}
    out.insert(0, "paper_row", [(p, w) in paper for p, w in zip(out["pair"], out["width"])])
    if "dead_or_disconnected_units" in table:  # units that cannot carry the input to the output, any way
        for when, level in (("before", 0), ("after", sparsity)):
            at = table[table["requested_sparsity"] == level].set_index(keys)["dead_or_disconnected_units"]
            out = out.join(at.rename(f"dead_or_disconnected_units_{when}"), on=keys)
    out["pair"] = pd.Categorical(out["pair"], categories=pairs, ordered=True)
    out = out.sort_values(["paper_row", "pair", "width", "seed"], ascending=[False, True, True, True])
    out["pair"] = out["pair"].astype(str)
    return out.reset_index(drop=True)


def dead_neuron_markdown(dead: pd.DataFrame) -> str:
    """One line per (pair, width), the per-seed counts written 'a / b / c' in seed order."""
    seeds = sorted(dead["seed"].unique())
    joined = lambda v: " / ".join(str(int(x)) for x in v)
    rows = []
    for (paper_row, pair, width), g in dead.groupby(["paper_row", "pair", "width"], sort=False):
        g = g.sort_values("seed")
        rows.append({
            "paper row": "★" if paper_row else "",
            "pair": pair,
            "width": width,
            "dead before": joined(g["dead_units_before"]),
            "dead after": joined(g["dead_units_after"]),
            "mean dead before": g["dead_units_before"].mean(),
            "mean dead after": g["dead_units_after"].mean(),
            "no output weight after": joined(g["disconnected_units_after"]),
            **({"dead or cut off after": joined(g["dead_or_disconnected_units_after"])}
               if "dead_or_disconnected_units_after" in g else {}),
            "F1 after (mean)": g["val_f1_after"].mean(),
        })
    return (f"Per-seed counts are in seed order {', '.join(map(str, seeds))}.\n\n"
            + markdown_table(pd.DataFrame(rows)))


def _sparsity_label(values) -> str:
    """The achieved sparsities of one requested level over widths: one number, or 'low–high'."""
    lo, hi = float(min(values)), float(max(values))
    fmt = (lambda v: f"{v:.2g}") if hi < 1 else (lambda v: f"{v:.3g}")
    return fmt(lo) if fmt(lo) == fmt(hi) else f"{fmt(lo)}–{fmt(hi)}"


def plot_sparsity_curves(curves: pd.DataFrame, pair: str, ylabel: str, title: str, png, pdf,
                         reference: float | None = None, labels: plots.Labels | dict | None = None) -> None:
    """Paper Fig. 4, B.1-B.4: a validation metric against requested sparsity, one line per width.

    The x axis is categorical: the requested levels evenly spaced, so the paper's levels (10-99%)
    and the authors' as-released ones (0.1-0.99%) are both readable; the top axis gives the
    sparsity achieved (zero weights of both layers, range over widths). A few widths are drawn in
    colour with whiskers from the lowest to the highest seed, labelled at the line's end; the others
    are grey. `ylabel` names the quantity; a second line, if given, is replaced by what is drawn.
    `curves` is sparsity_curves' output."""
    from matplotlib.lines import Line2D

    plt = plots.pyplot()
    labels = plots.labels_of(labels)
    levels = sorted(curves["requested_sparsity"].unique())
    position = {level: i for i, level in enumerate(levels)}
    widths = sorted(curves["width"].unique())
    highlighted = plots.highlighted_widths(widths)
    n_seeds = int(curves["n_seeds"].max())
    fig, ax = plt.subplots(figsize=(7.2, 4.6))
    extra = []
    if reference is not None:
        what = "no change" if reference == 0 else f"{ylabel.splitlines()[0]} = {reference:g} (success)"
        extra.append(Line2D([], [], color="0.35", ls="--", lw=0.8, label=what))
        ax.axhline(reference, color="0.35", ls="--", lw=0.8, zorder=1)
    offsets = plots.dodge(highlighted)
    ends = []
    for width in sorted(widths, key=lambda w: w in highlighted):  # grey lines below
        c = curves[curves["width"] == width].sort_values("requested_sparsity")
        style = plots.width_style(width, highlighted, labels.symbol)
        x = c["requested_sparsity"].map(position) + offsets.get(width, 0.0)
        ax.plot(x, c["mean"], **style)
        if width in highlighted:
            plots.whiskers(ax, x, c["min"], c["max"], style["color"])
            last = c.dropna(subset=["mean"]).tail(1)
            if len(last):
                ends.append((float(last["mean"].iloc[0]), style["label"], style["color"]))
    ax.set_xticks(range(len(levels)), [f"{level:g}" for level in levels])
    ax.set_xlim(-0.3, len(levels) - 0.7)
    scope = curves["scope"].iloc[0] if "scope" in curves else "layer"
    of_what = "each layer's weights" if scope == "layer" else "all weights, ranked together"
    ax.set_xlabel(f"requested sparsity: % of {of_what} pruned, one shot, no retraining\n"
                  "(the requested levels, evenly spaced: not to scale)")
    if "achieved_sparsity_pct" in curves:
        top = ax.secondary_xaxis("top")
        achieved = curves.groupby("requested_sparsity")["achieved_sparsity_pct"]
        # One line per label, slanted: two-line labels at 6.5 pt could not be read.
        top.set_xticks(range(len(levels)), [_sparsity_label(achieved.get_group(level)) for level in levels],
                       fontsize=8, rotation=35, ha="left", rotation_mode="anchor")
        top.set_xlabel(f"achieved sparsity, % of all weights zero (range over {labels.unit}s)", fontsize=9)
    ax.set_ylabel(f"{ylabel.splitlines()[0]}\n(mean; whiskers: {plots.SPREAD})")
    ax.set_title(labels.title(f"{pair}: {title}"), fontsize=10)
    if curves["quantity"].iloc[0] == "val_f1":  # F1 cannot pass 1
        drawn = min(curves["mean"].min(), curves.loc[curves["width"].isin(highlighted), "min"].min())
        ax.set_ylim(max(0.0, float(drawn) - 0.03), 1.01)
    ax.grid(alpha=0.3)
    plots.label_line_ends(ax, ends)
    plots.width_legend(ax, widths, highlighted, n_seeds, spread="whiskers", symbol=labels.symbol, extra=extra,
                       loc="upper center", bbox_to_anchor=(0.5, -0.24), ncol=3, frameon=False)
    plots.save(fig, png, pdf)
