"""Iterative magnitude pruning (IMP) with fine-tuning, against one-shot pruning.

The paper admits that "one-shot pruning without fine-tuning may underestimate achievable
sparsity". For each trained checkpoint this module runs, with the study's own training protocol:
- one-shot: prune the dense model once to each level (lowcap.pruning's rule), no retraining;
- one-shot+ft: the same masks, then `finetune_epochs` epochs of training with the mask held;
- imp: rounds; each prunes `rate` of the weights that are still there (torch.nn.utils.prune on
  the existing mask, so the amount is counted among the unpruned weights), then fine-tunes for
  `finetune_epochs` epochs with the mask held, and the next round starts from there. After
  round r about 1 - (1 - rate)^r of the weights are gone; one-shot runs at those same levels.
- dense+ft: the unpruned model trained for `finetune_epochs` more epochs, the control that says
  how much of a recovery is just more training.
Each runs at both scopes: "layer" (every weight matrix loses the fraction) and "global" (both
matrices ranked together). Sparsity is counted from the weights after each step.

Fine-tuning trains many masked models at once on the bank of lowcap.train (all widths, both scopes
and every one-shot level of a seed in one wide matrix multiply): masking adds one elementwise
product per step, so masked training runs at the grid's fraction of the matmul roofline
(benchmarks/run.py measures it).

torch is imported inside the functions; the figure jobs import this module for pandas and plots.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lowcap import plots

if TYPE_CHECKING:
    import torch

SCOPES = ("layer", "global")
METHODS = ("one-shot", "one-shot+ft", "imp")
LAYERS = ("hidden", "output")


def levels(rate: float, rounds: int) -> list[float]:
    """The requested sparsity (percent of the weights) after each IMP round, 1..rounds."""
    return [100 * (1 - (1 - rate) ** r) for r in range(1, rounds + 1)]


def _masked_model(state: dict, masks: dict | None):
    """An MLP holding `state`, with torch's pruning reparametrisation on both weight matrices
    (weight = weight_orig * weight_mask), starting from `masks` (all ones if None)."""
    import torch
    from torch.nn.utils import prune

    from lowcap.model import MLP

    model = MLP(state["hidden.weight"].shape[0])
    model.load_state_dict(state)
    for name in LAYERS:
        mask = masks[name] if masks is not None else torch.ones_like(getattr(model, name).weight)
        prune.custom_from_mask(getattr(model, name), "weight", mask)
    return model


def prune_remaining(state: dict, masks: dict | None, fraction: float, scope: str) -> dict:
    """New masks {hidden, output}: `fraction` of the weights still unmasked removed by magnitude
    (rounded to the nearest count), per layer or ranked over both layers together."""
    from torch.nn.utils import prune

    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")
    model = _masked_model(state, masks)
    layers = [getattr(model, name) for name in LAYERS]
    if scope == "layer":
        for layer in layers:
            remaining = int(layer.weight_mask.sum())
            prune.l1_unstructured(layer, "weight", amount=int(round(fraction * remaining)))
    else:
        remaining = sum(int(layer.weight_mask.sum()) for layer in layers)
        prune.global_unstructured([(layer, "weight") for layer in layers], prune.L1Unstructured,
                                  amount=int(round(fraction * remaining)))
    return {name: layer.weight_mask.detach().clone() for name, layer in zip(LAYERS, layers)}


def one_shot_masks(state: dict, sparsity: float, scope: str) -> dict:
    """The masks of lowcap.pruning.prune_copy at `sparsity` percent of the dense weights."""
    return prune_remaining(state, None, sparsity / 100, scope)


def masked_state(state: dict, masks: dict) -> dict:
    out = dict(state)
    for name in LAYERS:
        out[f"{name}.weight"] = state[f"{name}.weight"] * masks[name]
    return out


def sparsity(masks: dict) -> dict[str, float]:
    """Percent of zero weights per matrix and overall, counted from the masks (the weights under a
    zero mask entry are zero: run_bank multiplies them out after every step)."""
    zeros = {name: int((m == 0).sum()) for name, m in masks.items()}
    sizes = {name: m.numel() for name, m in masks.items()}
    return {**{f"sparsity_{n}": 100 * zeros[n] / sizes[n] for n in LAYERS},
            "sparsity_total": 100 * sum(zeros.values()) / sum(sizes.values())}


def _finetune(states: list[dict], masks: list[dict], seed: int, protocol, epochs: int, d, device: str):
    """Fine-tune masked models together on one bank; returns (final states, val metrics at the start,
    val metrics at the end) with the metrics as {loss, f1, auc} -> array over models."""
    import torch

    from lowcap.model import Bank
    from lowcap.train import run_bank

    bank = Bank.from_params([masked_state(s, m) for s, m in zip(states, masks)], device)
    mask1 = torch.cat([m["hidden"] for m in masks])
    mask2 = torch.cat([m["output"].reshape(-1) for m in masks])
    records = run_bank(bank, [protocol.lr] * len(states), seed, protocol, epochs, d.x_train, d.y_train,
                       d.x_val, d.y_val, masks=(mask1, mask2), score_every_epoch=False)
    val = records["val"]
    return bank.split(), {k: v[0] for k, v in val.items()}, {k: v[-1] for k, v in val.items()}


def run_seed(loaded: list, rate: float, rounds: int, finetune_epochs: int, protocol, d, seed: int,
             device: str = "cpu") -> pd.DataFrame:
    """Every method and scope for the checkpoints of one (pair, seed) (evaluation.Loaded, any
    widths), with `d` their lowcap.data.PairData. One row per (width, method, scope, round, stage):
    stage "pruned" is right after pruning, "finetuned" after fine-tuning."""
    targets = levels(rate, rounds)
    dense = [{k: v.detach().clone() for k, v in item.model.state_dict().items()} for item in loaded]
    widths = [item.meta.width for item in loaded]
    rows = []

    def add(k, method, scope, rnd, level, stage, masks, metrics, j):
        rows.append({"width": widths[k], "method": method, "scope": scope, "round": rnd,
                     "requested_sparsity": level, "stage": stage, **sparsity(masks),
                     **{f"val_{m}": float(metrics[m][j]) for m in ("loss", "f1", "auc")}})

    # One-shot (+ft) at every level and scope, and the dense control: one bank.
    jobs = [(k, "dense+ft", "none", 0, 0.0, one_shot_masks(s, 0.0, "layer")) for k, s in enumerate(dense)]
    jobs += [(k, "one-shot+ft", scope, r + 1, level, one_shot_masks(dense[k], level, scope))
             for scope in SCOPES for r, level in enumerate(targets) for k in range(len(dense))]
    _, start, end = _finetune([dense[j[0]] for j in jobs], [j[5] for j in jobs], seed, protocol,
                              finetune_epochs, d, device)
    for j, (k, method, scope, rnd, level, masks) in enumerate(jobs):
        if method == "dense+ft":
            add(k, "dense", "none", 0, 0.0, "pruned", masks, start, j)
            add(k, "dense+ft", "none", 0, 0.0, "finetuned", masks, end, j)
        else:
            add(k, "one-shot", scope, rnd, level, "pruned", masks, start, j)
            add(k, "one-shot+ft", scope, rnd, level, "finetuned", masks, end, j)

    # IMP: rounds in sequence, every width and both scopes of the round in one bank.
    current = {(k, scope): (dense[k], None) for scope in SCOPES for k in range(len(dense))}
    for r, level in enumerate(targets, start=1):
        keys = list(current)
        masks = [prune_remaining(*current[key], rate, key[1]) for key in keys]
        states, start, end = _finetune([current[key][0] for key in keys], masks, seed, protocol,
                                       finetune_epochs, d, device)
        for j, ((k, scope), m) in enumerate(zip(keys, masks)):
            add(k, "imp", scope, r, level, "pruned", m, start, j)
            add(k, "imp", scope, r, level, "finetuned", m, end, j)
            current[(k, scope)] = (states[j], m)
    return pd.DataFrame(rows)


def run_pair(loaded: list, images: str, labels: str, rate: float, rounds: int, finetune_epochs: int,
             protocol, device: str = "cpu") -> pd.DataFrame:
    """run_seed for every seed of one pair's checkpoints; the long IMP table of the pair."""
    from lowcap.evaluation import _pair_data

    by_seed: dict[int, list] = {}
    for item in loaded:
        by_seed.setdefault(item.meta.seed, []).append(item)
    frames = []
    for seed, items in by_seed.items():
        # The cached split that evaluation.load_checked has already checked against the checkpoints.
        d = _pair_data(str(images), str(labels), items[0].meta.pair, seed)
        table = run_seed(items, rate, rounds, finetune_epochs, protocol, d, seed, device)
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


def evaluated(table: pd.DataFrame) -> pd.DataFrame:
    """The rows each method is judged by (STAGE), with the dense model's F1 of the same checkpoint
    beside them (`dense_f1`) and the fine-tuned dense control (`dense_ft_f1`)."""
    keys = ["pair", "width", "seed"]
    dense = table[table["method"] == "dense"].set_index(keys)["val_f1"].rename("dense_f1")
    control = table[table["method"] == "dense+ft"].set_index(keys)["val_f1"].rename("dense_ft_f1")
    rows = pd.concat([table[(table["method"] == m) & (table["stage"] == s)] for m, s in STAGE.items()])
    return rows.join(dense, on=keys).join(control, on=keys).reset_index(drop=True)


def max_sparsity(table: pd.DataFrame, tolerance_points: float, pairs: list[str]) -> pd.DataFrame:
    """Per (pair, width, method, scope): the highest achieved sparsity (percent of all weights, the
    lowest over seeds) such that at that round and at every round before it F1 stays within
    `tolerance_points` of the same checkpoint's dense F1 on every seed; 0 when even the first round
    loses more. Also the same for the fine-tuned dense control as the reference (`_vs_dense_ft`)."""
    rows = evaluated(table)
    out = []
    for (pair, width, method, scope), g in rows.groupby(["pair", "width", "method", "scope"]):
        entry = {"pair": pair, "width": width, "method": method, "scope": scope}
        for suffix, ref in (("", "dense_f1"), ("_vs_dense_ft", "dense_ft_f1")):
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
    from lowcap.tables import markdown_table

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
    model (sparsity 0). Rows with method 'dense+ft' are the fine-tuned dense control."""
    rows = evaluated(table)
    dense = table[table["method"] == "dense"]
    starts = [dense.assign(method=m, scope=s, round=0) for m in STAGE for s in SCOPES]
    control = table[table["method"] == "dense+ft"]
    rows = pd.concat([*starts, rows[table.columns.intersection(rows.columns)],
                      *[control.assign(scope=s) for s in SCOPES]], ignore_index=True)
    grouped = rows.groupby(["pair", "width", "scope", "method", "round"])
    out = grouped["val_f1"].agg(["mean", "min", "max", "count"]).rename(columns={"count": "n_seeds"})
    out.insert(0, "achieved_sparsity_pct", grouped["sparsity_total"].mean())
    out = out.reset_index()
    out.insert(5, "quantity", "val_f1")
    out["highlighted"] = out["width"].isin(plots.highlighted_widths(out["width"].unique(), 3))
    return out


def _nines(sparsity_pct):
    """The x position of a sparsity: -log10 of the fraction left (0% -> 0, 90% -> 1, 99% -> 2)."""
    return -np.log10(np.maximum(1 - np.asarray(sparsity_pct, dtype=float) / 100, 1e-6))


def plot_pair(curves: pd.DataFrame, pair: str, tolerance_points: float, finetune_epochs: int, png, pdf) -> None:
    """F1 against achieved sparsity for one-shot, one-shot plus fine-tuning and IMP: one panel per
    (scope, highlighted width), mean over seeds with min-max whiskers. The x axis is logarithmic in
    the fraction of weights left, so 90%, 99% are evenly spaced; the dotted line is the dense F1
    minus the tolerance, the star the dense model fine-tuned for as long as one round."""
    plt = plots.pyplot()

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
                x = _nines(m["achieved_sparsity_pct"])
                ax.plot(x, m["mean"], label=method, lw=1.4, ms=3.5, **METHOD_STYLE[method])
                plots.whiskers(ax, x, m["min"], m["max"], METHOD_STYLE[method]["color"])
            ctrl = c[c["method"] == "dense+ft"]
            if len(ctrl):
                ax.plot([0], ctrl["mean"], marker="*", ms=9, color="#009E73", ls="none",
                        label=f"dense + {finetune_epochs} epochs")
            ax.set_title(f"width {width}, scope {scope}", fontsize=9)
            ax.set_xticks([_nines(t) for t in ticks if _nines(t) <= top + 0.3], [f"{t:g}" for t in ticks
                                                                                 if _nines(t) <= top + 0.3])
            ax.grid(alpha=0.3)
            if i == len(SCOPES) - 1:
                ax.set_xlabel("achieved sparsity, % of weights zero\n(log scale in the share left)", fontsize=8)
    lo = float(curves["min"].min())
    axes[0, 0].set_ylim(max(0.0, lo - 0.03), min(1.0, float(curves["max"].max()) + 0.02) + 0.005)
    fig.supylabel(f"validation F1 (mean; whiskers: {plots.SPREAD})", fontsize=9)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, frameon=False, fontsize=8, bbox_to_anchor=(0.5, -0.04))
    fig.suptitle(f"{pair}: F1 against sparsity, one-shot vs fine-tuned vs iterative (IMP); dotted: dense F1 − "
                 f"{tolerance_points:g} point", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    plots.save(fig, png, pdf)


def recovery_curves(table: pd.DataFrame) -> pd.DataFrame:
    """Exactly what plot_recovery draws: IMP's F1 right after pruning and after fine-tuning per
    (pair, scope, round): mean over widths and seeds, and the min and max of the per-seed means
    over widths."""
    rows = table[table["method"] == "imp"]
    per_seed = rows.groupby(["pair", "scope", "round", "stage", "seed"])["val_f1"].mean()
    g = per_seed.groupby(["pair", "scope", "round", "stage"])
    out = g.agg(["mean", "min", "max", "count"]).rename(columns={"count": "n_seeds"}).reset_index()
    out.insert(4, "quantity", "val_f1, mean over widths")
    out.insert(5, "achieved_sparsity_pct", rows.groupby(["pair", "scope", "round", "stage"])["sparsity_total"]
               .mean().to_numpy())
    return out


def plot_recovery(curves: pd.DataFrame, pairs: list[str], finetune_epochs: int, png, pdf) -> None:
    """Does fine-tuning recover? IMP's F1 right after each round's pruning (dashed) and after its
    fine-tuning (solid) against the round, one line per pair, one panel per scope."""
    plt = plots.pyplot()

    fig, axes = plt.subplots(1, len(SCOPES), figsize=(10, 4.2), sharey=True, squeeze=False)
    colors = dict(zip(pairs, plt.get_cmap("viridis")(np.linspace(0, 0.9, len(pairs)))))
    for ax, scope in zip(axes[0], SCOPES):
        c = curves[curves["scope"] == scope]
        for pair in pairs:
            for stage, ls in (("pruned", "--"), ("finetuned", "-")):
                m = c[(c["pair"] == pair) & (c["stage"] == stage)].sort_values("round")
                ax.plot(m["round"], m["mean"], ls=ls, marker="o", ms=3, color=colors[pair],
                        label=f"{pair}" if stage == "finetuned" else None)
        rounds = sorted(c["round"].unique())
        sparsity = c[c["stage"] == "finetuned"].groupby("round")["achieved_sparsity_pct"].mean()
        ax.set_xticks(rounds, [f"{r}\n{sparsity.get(r, np.nan):.3g}%" for r in rounds], fontsize=8)
        ax.set_xlabel("IMP round\n(achieved sparsity, mean)", fontsize=8)
        ax.set_title(f"scope {scope}", fontsize=9)
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("validation F1, mean over widths and seeds\n(dashed: just pruned; solid: fine-tuned)",
                          fontsize=8)
    lo = float(curves["mean"].min())
    axes[0, 0].set_ylim(max(0.0, lo - 0.03), min(1.0, float(curves["mean"].max()) + 0.02) + 0.005)
    axes[0, -1].legend(fontsize=8, title="pair", title_fontsize=8, loc="lower left")
    fig.suptitle(f"Recovery: IMP, {finetune_epochs} epochs of fine-tuning per round, mask held", fontsize=10)
    fig.tight_layout()
    plots.save(fig, png, pdf)
