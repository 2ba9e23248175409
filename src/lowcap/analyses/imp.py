"""Iterative magnitude pruning (IMP) with fine-tuning, against one-shot pruning.

The paper admits that "one-shot pruning without fine-tuning may underestimate achievable
sparsity". For each trained checkpoint this module runs, with the study's own training protocol,
on a schedule of sparsity levels (`levels`: 1 - (1 - rate)^r for r = 1..rounds, with the target
level, 95%, inserted in order, so that one round lands on it exactly):
- one-shot: prune the dense model once to each level (lowcap.analyses.pruning's rule), no retraining;
- imp: rounds; round r prunes, among the weights still there and ranked by their CURRENT
  (fine-tuned) magnitudes, as many as bring the count of pruned weights to the level r of the
  original weights (the rounding of lowcap.analyses.pruning.n_to_prune, so IMP and one-shot prune the
  same number of weights at a level), then fine-tunes `finetune_epochs` epochs with the mask
  held; round r's model has had r x finetune_epochs epochs of fine-tuning (its budget);
- one-shot+ft: the one-shot mask of level r, fine-tuned with the mask held for IMP's budget at
  round r (r x finetune_epochs): the same training without the iteration;
- dense+ft, the control: the unpruned model trained on for every round's budget, read at each
  round's cumulative budget r x finetune_epochs. IMP at round r is judged against the control
  at the same budget, since more training alone moves F1.
Each runs at both scopes: "layer" (every weight matrix loses the fraction) and "global" (both
matrices ranked together). Sparsity is always counted from the weights scored (never the level).

Fine-tuning runs in segments of `finetune_epochs` epochs, one per round: in segment s every
model still training (the control, IMP, and one-shot+ft of the levels >= s) trains on one bank
of lowcap.core.train, with the batch order drawn from `shuffle_seed(seed, s)`. So no segment replays
the original training's batch order (seeded by `seed` itself) or another segment's, and every
method sees the same batches at the same budget (a paired comparison). Masking adds one
elementwise product per step (benchmarks/run.py measures the bank).

torch is imported inside the functions; the figure jobs import this module for pandas and plots.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lowcap.figures import plots

if TYPE_CHECKING:
    import torch

SCOPES = ("layer", "global")
METHODS = ("one-shot", "one-shot+ft", "imp")
CONTROL = "dense+ft"  # the dense model trained as long as each round's budget
LAYERS = ("hidden", "output")
# The stream of numpy's SeedSequence that fine-tuning's batch orders come from (shuffle_seed).
SHUFFLE_STREAM = 15


def levels(rate: float, rounds: int, target: float | None = None) -> list[float]:
    """The requested sparsity (percent of the original weights) after each round: the geometric
    schedule 1 - (1 - rate)^r, r = 1..rounds, with `target` inserted in order unless a level
    already equals it (so a round lands on it exactly; after the last level: one more round)."""
    schedule = [100 * (1 - (1 - rate) ** r) for r in range(1, rounds + 1)]
    if target is not None and not any(abs(level - target) < 1e-9 for level in schedule):
        schedule = sorted([*schedule, float(target)])
    return schedule


# An IMP table's key: not a product (the control has no scope, one-shot no fine-tuned stage, ...).
TABLE_KEYS = ["pair", "width", "seed", "method", "scope", "round", "stage"]
TABLE_METRICS = ["val_loss", "val_f1", "val_auc"]


def table_keys(pair: str, widths, seeds, n_rounds: int) -> pd.DataFrame:
    """Every key run_pair writes for `n_rounds` levels (len(levels(...))), one row each."""
    per_model = [("dense", "none", 0, "pruned")] + [(CONTROL, "none", r, "finetuned") for r in range(1, n_rounds + 1)]
    per_model += [(method, scope, r, stage) for scope in SCOPES for r in range(1, n_rounds + 1)
                  for method, stage in (("one-shot", "pruned"), ("one-shot+ft", "finetuned"),
                                        ("imp", "pruned"), ("imp", "finetuned"))]
    return pd.DataFrame([(pair, w, s, *key) for w in widths for s in seeds for key in per_model], columns=TABLE_KEYS)


def read_table_of(path, pair: str, widths, seeds, imp_settings: dict) -> pd.DataFrame:
    """One pair's IMP table, checked for every key of its schedule (lowcap.core.tables.read_table);
    `imp_settings`: the study's imp section (rate, rounds, target_sparsity)."""
    from lowcap.core.tables import read_table

    n_rounds = len(levels(imp_settings["rate"], imp_settings["rounds"], imp_settings["target_sparsity"]))
    return read_table(path, TABLE_KEYS + ["requested_sparsity", "sparsity_total", *TABLE_METRICS],
                      table_keys(pair, widths, seeds, n_rounds), nullable=TABLE_METRICS)


def shuffle_seed(seed: int, segment: int) -> int:
    """The batch-order seed of fine-tuning segment `segment` (1, 2, ...) of the checkpoint trained
    from `seed`: numpy's SeedSequence of (seed, SHUFFLE_STREAM, segment), a 32-bit integer."""
    return int(np.random.SeedSequence([seed, SHUFFLE_STREAM, segment]).generate_state(1)[0])


def _masked_model(state: dict, masks: dict | None):
    """An MLP holding `state`, with torch's pruning reparametrisation on both weight matrices
    (weight = weight_orig * weight_mask), starting from `masks` (all ones if None)."""
    import torch
    from torch.nn.utils import prune

    from lowcap.core.model import MLP

    model = MLP(state["hidden.weight"].shape[0])
    model.load_state_dict(state)
    for name in LAYERS:
        mask = masks[name] if masks is not None else torch.ones_like(getattr(model, name).weight)
        prune.custom_from_mask(getattr(model, name), "weight", mask)
    return model


def prune_to(state: dict, masks: dict | None, level: float, scope: str) -> dict:
    """New masks {hidden, output}: the smallest-magnitude weights of `state` among those still
    unmasked are pruned until `level` percent of the weights are (lowcap.analyses.pruning.n_to_prune of each
    matrix for scope "layer", of both together for "global"). A pruned weight stays pruned."""
    from torch.nn.utils import prune

    from lowcap.analyses.pruning import n_to_prune

    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")
    model = _masked_model(state, masks)
    layers = [getattr(model, name) for name in LAYERS]
    pruned = [int((layer.weight_mask == 0).sum()) for layer in layers]
    if scope == "layer":
        for layer, done in zip(layers, pruned):
            prune.l1_unstructured(layer, "weight", amount=max(0, n_to_prune(level, layer.weight_mask.numel()) - done))
    else:
        total = sum(layer.weight_mask.numel() for layer in layers)
        prune.global_unstructured([(layer, "weight") for layer in layers], prune.L1Unstructured,
                                  amount=max(0, n_to_prune(level, total) - sum(pruned)))
    return {name: layer.weight_mask.detach().clone() for name, layer in zip(LAYERS, layers)}


def one_shot_masks(state: dict, sparsity: float, scope: str) -> dict:
    """The masks of lowcap.analyses.pruning.prune_copy at `sparsity` percent of the dense weights."""
    return prune_to(state, None, sparsity, scope)


def masked_state(state: dict, masks: dict) -> dict:
    out = dict(state)
    for name in LAYERS:
        out[f"{name}.weight"] = state[f"{name}.weight"] * masks[name]
    return out


def sparsity(weights: dict) -> dict[str, float]:
    """Percent of zero entries per matrix and overall, of {hidden, output} -> tensor (the weights
    scored, or masks)."""
    zeros = {name: int((w == 0).sum()) for name, w in weights.items()}
    sizes = {name: w.numel() for name, w in weights.items()}
    return {**{f"sparsity_{n}": 100 * zeros[n] / sizes[n] for n in LAYERS},
            "sparsity_total": 100 * sum(zeros.values()) / sum(sizes.values())}


def weights_of(state: dict) -> dict:
    return {name: state[f"{name}.weight"] for name in LAYERS}


def _finetune(states: list[dict], masks: list[dict], shuffle: int, protocol, epochs: int, d, device: str):
    """Fine-tune masked models together on one bank, the batch order drawn from the seed `shuffle`;
    returns (final states, val metrics at the start, val metrics at the end) with the metrics as
    {loss, f1, auc} -> array over models."""
    import torch

    from lowcap.core.model import Bank
    from lowcap.core.train import run_bank

    bank = Bank.from_params([masked_state(s, m) for s, m in zip(states, masks)], device)
    mask1 = torch.cat([m["hidden"] for m in masks])
    mask2 = torch.cat([m["output"].reshape(-1) for m in masks])
    records = run_bank(bank, [protocol.lr] * len(states), shuffle, protocol, epochs, d.x_train, d.y_train,
                       d.x_val, d.y_val, masks=(mask1, mask2), score_every_epoch=False)
    val = records["val"]
    return bank.split(), {k: v[0] for k, v in val.items()}, {k: v[-1] for k, v in val.items()}


@dataclass
class Track:
    """One model fine-tuned over segments: checkpoint k, its method and scope, its round (the level
    it is read at), the last segment it trains in, and its current state and masks."""

    k: int
    method: str
    scope: str
    round: int
    last: int
    state: dict
    masks: dict | None


def _tracks(dense: list[dict], schedule: list[float]) -> list[Track]:
    """The control and IMP (every segment) and one-shot+ft of each level (segments 1..its round)."""
    n = len(schedule)
    ones = [one_shot_masks(s, 0.0, "layer") for s in dense]
    tracks = [Track(k, CONTROL, "none", 0, n, s, ones[k]) for k, s in enumerate(dense)]
    tracks += [Track(k, "imp", scope, 0, n, dense[k], None) for scope in SCOPES for k in range(len(dense))]
    tracks += [Track(k, "one-shot+ft", scope, r, r, dense[k], one_shot_masks(dense[k], level, scope))
               for scope in SCOPES for r, level in enumerate(schedule, start=1) for k in range(len(dense))]
    return tracks


def run_seed(loaded: list, schedule: list[float], finetune_epochs: int, protocol, d, seed: int,
             device: str = "cpu") -> pd.DataFrame:
    """Every method and scope for the checkpoints of one (pair, seed) (evaluation.Loaded, any
    widths) on the levels `schedule`, with `d` their lowcap.core.data.PairData. One row per (width,
    method, scope, round, stage): stage "pruned" is right after pruning, "finetuned" after
    fine-tuning; `budget_epochs` is the row's model's fine-tuning epochs so far."""
    dense = [{k: v.detach().clone() for k, v in item.model.state_dict().items()} for item in loaded]
    widths = [item.meta.width for item in loaded]
    rows = []

    def add(t: Track, method, rnd, stage, weights, metrics, j, budget):
        level = schedule[rnd - 1] if rnd and method != CONTROL else 0.0
        rows.append({"width": widths[t.k], "method": method, "scope": t.scope, "round": rnd,
                     "requested_sparsity": level, "stage": stage, "budget_epochs": budget, **sparsity(weights),
                     **{f"val_{m}": float(metrics[m][j]) for m in ("loss", "f1", "auc")}})

    tracks = _tracks(dense, schedule)
    for s, level in enumerate(schedule, start=1):
        active = [t for t in tracks if t.last >= s]
        for t in active:
            if t.method == "imp":  # ranked by the current, fine-tuned weights
                t.masks = prune_to(t.state, t.masks, level, t.scope)
        before = [weights_of(masked_state(t.state, t.masks)) for t in active]
        states, start, end = _finetune([t.state for t in active], [t.masks for t in active], shuffle_seed(seed, s),
                                       protocol, finetune_epochs, d, device)
        budget = s * finetune_epochs
        for j, t in enumerate(active):
            after = weights_of(states[j])
            if t.method == CONTROL:
                if s == 1:
                    add(t, "dense", 0, "pruned", before[j], start, j, 0)
                add(t, CONTROL, s, "finetuned", after, end, j, budget)
            elif t.method == "imp":
                add(t, "imp", s, "pruned", before[j], start, j, budget - finetune_epochs)
                add(t, "imp", s, "finetuned", after, end, j, budget)
            else:
                if s == 1:
                    add(t, "one-shot", t.round, "pruned", before[j], start, j, 0)
                if s == t.round:
                    add(t, "one-shot+ft", t.round, "finetuned", after, end, j, budget)
            t.state = states[j]
    return pd.DataFrame(rows)


def run_pair(loaded: list, images: str, labels: str, schedule: list[float], finetune_epochs: int, protocol,
             device: str = "cpu") -> pd.DataFrame:
    """run_seed for every seed of one pair's checkpoints; the long IMP table of the pair."""
    from lowcap.core.evaluation import _pair_data

    by_seed: dict[int, list] = {}
    for item in loaded:
        by_seed.setdefault(item.meta.seed, []).append(item)
    frames = []
    for seed, items in by_seed.items():
        # The cached split that evaluation.load_checked has already checked against the checkpoints.
        d = _pair_data(str(images), str(labels), items[0].meta.pair, seed)
        table = run_seed(items, schedule, finetune_epochs, protocol, d, seed, device)
        table.insert(0, "seed", seed)
        frames.append(table)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "pair", loaded[0].meta.pair)
    out.insert(len(out.columns), "finetune_epochs", finetune_epochs)
    return out.sort_values(["pair", "width", "seed", "method", "scope", "round", "stage"], kind="stable",
                           ignore_index=True)


# --------------------------------------------------------------------------- summaries (pandas only)

# What each method's F1 is read at: one-shot right after pruning, the others after fine-tuning.
STAGE = {"one-shot": "pruned", "one-shot+ft": "finetuned", "imp": "finetuned"}
METHOD_STYLE = {"one-shot": {"color": "0.45", "ls": "--", "marker": "x"},
                "one-shot+ft": {"color": "#0072B2", "ls": "-", "marker": "o"},
                "imp": {"color": "#D55E00", "ls": "-", "marker": "s"}}
CONTROL_STYLE = {"color": "#009E73"}
# Where methods coincide (a width-2 model that collapses whatever is done), each stays visible:
# drawn in this order, thick below thin, large markers below small ones, a little apart along x.
METHOD_LAYER = {"one-shot": {"lw": 3.2, "ms": 8.0, "dx": -0.035},
                "one-shot+ft": {"lw": 2.2, "ms": 5.5, "dx": 0.0},
                "imp": {"lw": 1.1, "ms": 3.5, "dx": 0.035}}


def evaluated(table: pd.DataFrame) -> pd.DataFrame:
    """The rows each method is judged by (STAGE), with the dense model's F1 of the same checkpoint
    beside them (`dense_f1`) and the control's F1 at the row's budget (`control_f1`: the dense model
    trained as many epochs as the row's model was fine-tuned; the dense F1 at budget 0)."""
    keys = ["pair", "width", "seed"]
    dense = table[table["method"] == "dense"].set_index(keys)["val_f1"].rename("dense_f1")
    control = table[table["method"].isin(["dense", CONTROL])].set_index([*keys, "budget_epochs"])["val_f1"]
    rows = pd.concat([table[(table["method"] == m) & (table["stage"] == s)] for m, s in STAGE.items()])
    rows = rows.join(dense, on=keys).join(control.rename("control_f1"), on=[*keys, "budget_epochs"])
    return rows.reset_index(drop=True)


def max_sparsity(table: pd.DataFrame, tolerance_points: float, pairs: list[str]) -> pd.DataFrame:
    """Per (pair, width, method, scope): the highest achieved sparsity (percent of all weights, the
    lowest over seeds) such that at that round and at every round before it F1 stays within
    `tolerance_points` of the same checkpoint's dense F1 on every seed; 0 when even the first round
    loses more. Also the same against the control at the row's budget (`_vs_dense_ft`)."""
    rows = evaluated(table)
    out = []
    for (pair, width, method, scope), g in rows.groupby(["pair", "width", "method", "scope"]):
        entry = {"pair": pair, "width": width, "method": method, "scope": scope}
        for suffix, ref in (("", "dense_f1"), ("_vs_dense_ft", "control_f1")):
            ok = (g["val_f1"] >= g[ref] - tolerance_points / 100).groupby(g["round"]).all().sort_index()
            kept = ok.cumprod().astype(bool)
            best = kept[kept].index.max() if kept.any() else None
            entry[f"max_sparsity{suffix}"] = (0.0 if best is None else
                                              float(g.loc[g["round"] == best, "sparsity_total"].min()))
        entry["dense_f1_mean"] = float(g.groupby("seed")["dense_f1"].first().mean())
        entry["n_seeds"] = int(g["seed"].nunique())
        out.append(entry)
    out = pd.DataFrame(out)
    out["tolerance_points"] = tolerance_points
    out["pair"] = pd.Categorical(out["pair"], categories=pairs, ordered=True)
    out["method"] = pd.Categorical(out["method"], categories=list(STAGE), ordered=True)
    out = out.sort_values(["method", "scope", "pair", "width"]).reset_index(drop=True)
    out["pair"] = out["pair"].astype(str)
    out["method"] = out["method"].astype(str)
    return out


def max_sparsity_markdown(table: pd.DataFrame) -> str:
    """One pair x width grid per (method, scope) of max_sparsity."""
    from lowcap.core.tables import markdown_table

    parts = []
    for (method, scope), g in table.groupby(["method", "scope"], sort=False):
        grid = g.pivot(index="pair", columns="width", values="max_sparsity").reindex(g["pair"].unique())
        grid = grid.map(lambda v: f"{v:.3g}").reset_index()
        grid.columns = [str(c) for c in grid.columns]
        parts.append(f"### {method}, scope {scope} (columns: hidden width)\n\n" + markdown_table(grid))
    return "\n".join(parts)


def figure_curves(table: pd.DataFrame) -> pd.DataFrame:
    """Exactly what plot_pair draws: per (pair, width, scope, method, round) the mean, min and max
    over seeds of validation F1 and the mean achieved sparsity; round 0 of each method is the dense
    model (sparsity 0). Rows with method 'dense+ft' are the control: the dense model trained as
    long as IMP at that round (its own sparsity is 0; plot_pair draws it at that round's)."""
    rows = evaluated(table)
    dense = table[table["method"] == "dense"]
    starts = [dense.assign(method=m, scope=s, round=0) for m in (*STAGE, CONTROL) for s in SCOPES]
    control = table[table["method"] == CONTROL]
    rows = pd.concat([*starts, rows[table.columns.intersection(rows.columns)],
                      *[control.assign(scope=s) for s in SCOPES]], ignore_index=True)
    grouped = rows.groupby(["pair", "width", "scope", "method", "round"])
    out = grouped["val_f1"].agg(["mean", "min", "max", "count"]).rename(columns={"count": "n_seeds"})
    out.insert(0, "achieved_sparsity_pct", grouped["sparsity_total"].mean())
    out.insert(1, "budget_epochs", grouped["budget_epochs"].max())
    out = out.reset_index()
    out.insert(5, "quantity", "val_f1")
    out["highlighted"] = out["width"].isin(plots.highlighted_widths(out["width"].unique(), 3))
    return out


def _nines(sparsity_pct):
    """The x position of a sparsity: -log10 of the fraction left (0% -> 0, 90% -> 1, 99% -> 2)."""
    return -np.log10(np.maximum(1 - np.asarray(sparsity_pct, dtype=float) / 100, 1e-6))


def plot_pair(curves: pd.DataFrame, pair: str, tolerance_points: float, finetune_epochs: int, png, pdf,
              labels: plots.Labels | dict | None = None) -> None:
    """F1 against achieved sparsity for one-shot, one-shot plus fine-tuning and IMP: one panel per
    (scope, highlighted width), mean over seeds with min-max whiskers. The x axis is logarithmic in
    the fraction of weights left, so 90%, 99% are evenly spaced; the dotted line is the dense F1
    minus the tolerance; the stars (green, dotted) the control: the dense model trained for as many
    epochs as IMP had at that round, drawn at that round's sparsity. one-shot+ft is fine-tuned as
    long as IMP at the same level. Coinciding methods stay visible (METHOD_LAYER)."""
    plt = plots.pyplot()
    labels = plots.labels_of(labels)
    widths = sorted(curves.loc[curves["highlighted"], "width"].unique())
    fig, axes = plt.subplots(len(SCOPES), len(widths), figsize=(3.2 * len(widths), 5.6), squeeze=False,
                             sharex=True, sharey=True)
    ticks = [0, 50, 90, 99, 99.9]
    top = _nines(curves["achieved_sparsity_pct"]).max()
    for i, scope in enumerate(SCOPES):
        for j, width in enumerate(widths):
            ax = axes[i, j]
            c = curves[(curves["scope"] == scope) & (curves["width"] == width)]
            dense = c[(c["method"] == "imp") & (c["round"] == 0)]["mean"]
            if len(dense):
                ax.axhline(float(dense.iloc[0]) - tolerance_points / 100, color="0.3", ls=":", lw=0.9)
            for method in STAGE:
                m = c[c["method"] == method].sort_values("round")
                layer = METHOD_LAYER[method]
                x = _nines(m["achieved_sparsity_pct"]) + layer["dx"]
                ax.plot(x, m["mean"], label=method, lw=layer["lw"], ms=layer["ms"], mfc="white" if method ==
                        "one-shot+ft" else None, mew=1.2, **METHOD_STYLE[method])
                plots.whiskers(ax, x, m["min"], m["max"], METHOD_STYLE[method]["color"])
            # The control at IMP's x of the same round: the dense model trained as long as IMP there.
            ctrl = c[c["method"] == CONTROL].sort_values("round")
            at = c[c["method"] == "imp"].set_index("round")["achieved_sparsity_pct"]
            if len(ctrl):
                ax.plot(_nines(ctrl["round"].map(at)), ctrl["mean"], marker="*", ms=7, lw=1.0, ls=":",
                        color=CONTROL_STYLE["color"], label=f"control: dense, trained as long ({finetune_epochs} "
                                                             "epochs a round)")
            ax.set_title(f"{labels.unit} {width}, scope {scope}", fontsize=9)
            ax.set_xticks([_nines(t) for t in ticks if _nines(t) <= top + 0.3], [f"{t:g}" for t in ticks
                                                                                 if _nines(t) <= top + 0.3])
            ax.grid(alpha=0.3)
            if i == len(SCOPES) - 1:
                ax.set_xlabel("achieved sparsity, % of weights zero\n(log scale in the share left)", fontsize=8)
    lo = float(curves["min"].min())
    axes[0, 0].set_ylim(max(0.0, lo - 0.03), min(1.0, float(curves["max"].max()) + 0.02) + 0.005)
    fig.supylabel(f"validation F1 (mean; whiskers: {plots.SPREAD})", fontsize=9)
    handles, texts = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, texts, loc="lower center", ncol=4, frameon=False, fontsize=8, bbox_to_anchor=(0.5, -0.04))
    fig.suptitle(labels.title(f"{pair}: F1 against sparsity, one-shot vs fine-tuned vs iterative (IMP); "
                              f"dotted: dense F1 − {tolerance_points:g} point"), fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    plots.save(fig, png, pdf)


def recovery_curves(table: pd.DataFrame) -> pd.DataFrame:
    """Exactly what plot_recovery draws: IMP's F1 right after pruning and after fine-tuning per
    (pair, scope, round), and the control's at the same budget (stage "control", sparsity 0): mean
    over widths and seeds, and the min and max of the per-seed means over widths."""
    control = table[table["method"] == CONTROL]
    rows = pd.concat([table[table["method"] == "imp"],
                      *[control.assign(scope=s, stage="control") for s in SCOPES]], ignore_index=True)
    per_seed = rows.groupby(["pair", "scope", "round", "stage", "seed"])["val_f1"].mean()
    g = per_seed.groupby(["pair", "scope", "round", "stage"])
    out = g.agg(["mean", "min", "max", "count"]).rename(columns={"count": "n_seeds"}).reset_index()
    out.insert(4, "quantity", "val_f1, mean over widths")
    out.insert(5, "achieved_sparsity_pct", rows.groupby(["pair", "scope", "round", "stage"])["sparsity_total"]
               .mean().to_numpy())
    return out


def plot_recovery(curves: pd.DataFrame, pairs: list[str], finetune_epochs: int, png, pdf,
                  labels: plots.Labels | dict | None = None) -> None:
    """Does fine-tuning recover? IMP's F1 right after each round's pruning (dashed) and after its
    fine-tuning (solid) against the round, and the control trained as long (dotted), one colour
    and marker per pair, one panel per scope; the legend explains both encodings."""
    from matplotlib.lines import Line2D

    plt = plots.pyplot()
    labels = plots.labels_of(labels)
    fig, axes = plt.subplots(1, len(SCOPES), figsize=(10, 4.4), sharey=True, squeeze=False)
    stages = (("pruned", "--", "just pruned"), ("finetuned", "-", f"fine-tuned ({finetune_epochs} epochs)"),
              ("control", ":", "control: dense, trained as long"))
    for ax, scope in zip(axes[0], SCOPES):
        c = curves[curves["scope"] == scope]
        for i, pair in enumerate(pairs):
            for stage, ls, _ in stages:
                m = c[(c["pair"] == pair) & (c["stage"] == stage)].sort_values("round")
                ax.plot(m["round"], m["mean"], ls=ls, ms=4, lw=1.4, **plots.pair_style(i))
        rounds = sorted(c["round"].unique())
        sparsity = c[c["stage"] == "finetuned"].groupby("round")["achieved_sparsity_pct"].mean()
        ax.set_xticks(rounds, [f"{r}\n{sparsity.get(r, np.nan):.3g}%" for r in rounds], fontsize=8)
        ax.set_xlabel("IMP round\n(achieved sparsity, mean)", fontsize=8)
        ax.set_title(f"scope {scope}", fontsize=9)
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("validation F1, mean over widths and seeds", fontsize=9)
    lo = float(curves["mean"].min())
    axes[0, 0].set_ylim(max(0.0, lo - 0.03), min(1.0, float(curves["mean"].max()) + 0.02) + 0.005)
    handles = [Line2D([], [], ms=4, lw=1.4, label=pair, **plots.pair_style(i)) for i, pair in enumerate(pairs)]
    handles += [Line2D([], [], color="0.3", ls=ls, lw=1.4, label=text) for stage, ls, text in stages
                if (curves["stage"] == stage).any()]
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False,
               title="pair (colour, marker)\nand stage (line)", title_fontsize=8)
    fig.suptitle(labels.title(f"Recovery: IMP, {finetune_epochs} epochs of fine-tuning per round, mask held"),
                 fontsize=10)
    fig.tight_layout()
    plots.save(fig, png, pdf)
