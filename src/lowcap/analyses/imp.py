"""Iterative magnitude pruning (IMP) with fine-tuning, against one-shot pruning.

The paper admits that "one-shot pruning without fine-tuning may underestimate achievable
sparsity". For each trained checkpoint this module runs, with the study's own training protocol,
on a schedule of sparsity levels (`levels`: 1 - (1 - rate)^r for r = 1..rounds, with the target
level, 95%, inserted in order, so that one round lands on it exactly):
- one-shot: prune the dense model once to each level, no retraining;
- imp: rounds; round r prunes, among the weights still there and ranked by their CURRENT
  (fine-tuned) magnitudes, as many as bring the count of pruned weights to the level r of the
  original weights, then fine-tunes `finetune_epochs` epochs with the mask held; round r's model
  has had r x finetune_epochs epochs of fine-tuning (its budget);
- one-shot+ft: the one-shot mask of level r, fine-tuned with the mask held for IMP's budget at
  round r (r x finetune_epochs): the same training without the iteration;
- dense+ft, the control: the unpruned model trained on for every round's budget, read at each
  round's cumulative budget r x finetune_epochs. IMP at round r is judged against the control
  at the same budget, since more training alone moves F1.
Every mask comes from the one pruning rule, lowcap.analyses.pruning.prune: one-shot is one call
with no mask, an IMP round one call with the round before's mask, so IMP and one-shot prune the
same number of weights at a level. Each runs at both scopes: "layer" (every weight matrix loses
the fraction) and "global" (both matrices ranked together). Sparsity is always counted from the
weights scored (never the level).

Fine-tuning runs in segments of `finetune_epochs` epochs, one per round: in segment s every
model still training (the control, IMP, and one-shot+ft of the levels >= s) trains on one bank
of lowcap.core.train, with the batch order drawn from `shuffle_seed(seed, s)`. So no segment replays
the original training's batch order (seeded by `seed` itself) or another segment's, and every
method sees the same batches at the same budget (a paired comparison). Masking adds one
elementwise product per step (benchmarks/run.py measures the bank).

The schedule, the pair table's layout and reader and the summaries (pandas only) are in
lowcap.analyses.imp_tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from lowcap.analyses.imp_tables import CONTROL, SCOPES
from lowcap.analyses.pruning import PRUNED_LAYERS, Mask, prunable_weights, prune, sparsity_of
from lowcap.core.evaluation import by_seed, load_pair_data
from lowcap.core.model import Bank
from lowcap.core.train import run_bank

# The stream of numpy's SeedSequence that fine-tuning's batch orders come from (shuffle_seed).
SHUFFLE_STREAM = 15


def shuffle_seed(seed: int, segment: int) -> int:
    """The batch-order seed of fine-tuning segment `segment` (1, 2, ...) of the checkpoint trained
    from `seed`: numpy's SeedSequence of (seed, SHUFFLE_STREAM, segment), a 32-bit integer."""
    return int(np.random.SeedSequence([seed, SHUFFLE_STREAM, segment]).generate_state(1)[0])


def masked_state(state: dict, mask: Mask) -> dict:
    """`state` with its pruned weights set to zero."""
    out = dict(state)
    for name in PRUNED_LAYERS:
        out[f"{name}.weight"] = state[f"{name}.weight"] * mask[name]
    return out


def sparsity(weights: dict) -> dict[str, float]:
    """Percent of zero entries per matrix and overall, of {hidden, output} -> tensor (the weights
    scored): the IMP table's sparsity_* columns."""
    return {k: v for k, v in sparsity_of(weights).items() if k.startswith("sparsity_")}


def _finetune(states: list[dict], masks: list[Mask], shuffle: int, protocol, epochs: int, d, device: str):
    """Fine-tune masked models together on one bank, the batch order drawn from the seed `shuffle`;
    returns (final states, val metrics at the start, val metrics at the end) with the metrics as
    {loss, f1, auc} -> array over models."""
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
    it is read at), the last segment it trains in, and its current state and mask (None: IMP
    before its first round)."""

    k: int
    method: str
    scope: str
    round: int
    last: int
    state: dict
    mask: Mask | None


def _tracks(dense: list[dict], schedule: list[float]) -> list[Track]:
    """The control and IMP (every segment) and one-shot+ft of each level (segments 1..its round)."""
    n = len(schedule)
    tracks = [Track(k, CONTROL, "none", 0, n, s, Mask.ones_like(prunable_weights(s))) for k, s in enumerate(dense)]
    tracks += [Track(k, "imp", scope, 0, n, dense[k], None) for scope in SCOPES for k in range(len(dense))]
    tracks += [Track(k, "one-shot+ft", scope, r, r, dense[k], prune(dense[k], None, level, scope))
               for scope in SCOPES for r, level in enumerate(schedule, start=1) for k in range(len(dense))]
    return tracks


def _segment_rows(t: Track, s: int, finetune_epochs: int, before, after, start, end, j) -> list[tuple]:
    """The rows model `t` (bank slot j) adds in segment s, as (method, round, stage, weights
    scored, metrics, budget): the dense and one-shot rows once, at the start of segment 1."""
    budget = s * finetune_epochs
    if t.method == CONTROL:
        return ([("dense", 0, "pruned", before, start, 0)] if s == 1 else []) + [
            (CONTROL, s, "finetuned", after, end, budget)]
    if t.method == "imp":
        return [("imp", s, "pruned", before, start, budget - finetune_epochs),
                ("imp", s, "finetuned", after, end, budget)]
    return ([("one-shot", t.round, "pruned", before, start, 0)] if s == 1 else []) + (
        [("one-shot+ft", t.round, "finetuned", after, end, budget)] if s == t.round else [])


def run_seed(loaded: list, schedule: list[float], finetune_epochs: int, protocol, d, seed: int,
             device: str = "cpu") -> pd.DataFrame:
    """Every method and scope for the checkpoints of one (pair, seed) (evaluation.Loaded, any
    widths) on the levels `schedule`, with `d` their lowcap.core.data.PairData. One row per (width,
    method, scope, round, stage): stage "pruned" is right after pruning, "finetuned" after
    fine-tuning; `budget_epochs` is the row's model's fine-tuning epochs so far."""
    dense = [{k: v.detach().clone() for k, v in item.model.state_dict().items()} for item in loaded]
    widths = [item.meta.width for item in loaded]
    rows = []
    tracks = _tracks(dense, schedule)
    for s, level in enumerate(schedule, start=1):
        active = [t for t in tracks if t.last >= s]
        for t in active:
            if t.method == "imp":  # ranked by the current, fine-tuned weights
                t.mask = prune(t.state, t.mask, level, t.scope)
        before = [prunable_weights(masked_state(t.state, t.mask)) for t in active]
        states, start, end = _finetune([t.state for t in active], [t.mask for t in active], shuffle_seed(seed, s),
                                       protocol, finetune_epochs, d, device)
        for j, t in enumerate(active):
            for method, rnd, stage, weights, metrics, budget in _segment_rows(
                    t, s, finetune_epochs, before[j], prunable_weights(states[j]), start, end, j):
                rows.append({"width": widths[t.k], "method": method, "scope": t.scope, "round": rnd,
                             "requested_sparsity": schedule[rnd - 1] if rnd and method != CONTROL else 0.0,
                             "stage": stage, "budget_epochs": budget, **sparsity(weights),
                             **{f"val_{m}": float(metrics[m][j]) for m in ("loss", "f1", "auc")}})
            t.state = states[j]
    return pd.DataFrame(rows)


def run_pair(loaded: list, images: str, labels: str, schedule: list[float], finetune_epochs: int, protocol,
             device: str = "cpu") -> pd.DataFrame:
    """run_seed for every seed of one pair's checkpoints; the long IMP table of the pair."""
    frames = []
    for seed, items in by_seed(loaded).items():
        # The cached split that evaluation.load_checked has already checked against the checkpoints.
        d = load_pair_data(str(images), str(labels), items[0].meta.pair, seed)
        table = run_seed(items, schedule, finetune_epochs, protocol, d, seed, device)
        table.insert(0, "seed", seed)
        frames.append(table)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "pair", loaded[0].meta.pair)
    out.insert(len(out.columns), "finetune_epochs", finetune_epochs)
    return out.sort_values(["pair", "width", "seed", "method", "scope", "round", "stage"], kind="stable",
                           ignore_index=True)
