"""Iterative magnitude pruning with fine-tuning (lowcap.imp), against torch's own pruning and a
plain autograd training loop."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from lowcap import imp, pruning
from lowcap.data import PairData
from lowcap.model import MLP, init_params
from lowcap.protocol import Protocol

from test_train import separable_toy


def trained_state(width=6, seed=0):
    torch.manual_seed(seed)
    model = MLP(width)
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def zeros(masks):
    return {name: int((m == 0).sum()) for name, m in masks.items()}


def test_levels_are_the_cumulative_sparsity_of_the_rounds():
    assert np.allclose(imp.levels(0.5, 3), [50, 75, 87.5])


def test_one_shot_masks_are_prune_copys_zeros():
    state = trained_state(8)
    model = MLP(8)
    model.load_state_dict(state)
    for scope in imp.SCOPES:
        pruned = pruning.prune_copy(model, 80, scope)
        masks = imp.one_shot_masks(state, 80, scope)
        assert torch.equal(masks["hidden"] == 0, pruned.hidden.weight == 0)
        assert torch.equal(masks["output"] == 0, pruned.output.weight == 0)


@pytest.mark.parametrize("scope", imp.SCOPES)
def test_each_round_prunes_the_fraction_of_what_is_left_and_never_unprunes(scope):
    state = trained_state(10)
    masks = None
    for _ in range(4):
        before = zeros(masks) if masks else {"hidden": 0, "output": 0}
        remaining = {"hidden": 7840 - before["hidden"], "output": 10 - before["output"]}
        new = imp.prune_remaining(state, masks, 0.5, scope)
        after = zeros(new)
        if scope == "layer":
            assert after == {n: before[n] + int(round(0.5 * remaining[n])) for n in after}
        else:
            assert sum(after.values()) == sum(before.values()) + int(round(0.5 * sum(remaining.values())))
        if masks is not None:  # a pruned weight stays pruned
            assert all(bool((new[n][masks[n] == 0] == 0).all()) for n in new)
        masks = new


def test_masked_bank_fine_tuning_equals_autograd_on_torch_pruned_models():
    """The reference: torch.nn.utils.prune's reparametrisation (weight = weight_orig * mask) trained
    by autograd and torch.optim.SGD, one model at a time, full batch and minibatch."""
    from torch.nn.utils import prune

    x, y = separable_toy(n=160, seed=3)
    d = PairData(x[:120], y[:120], x[120:], y[120:], None)
    states = [init_params(w, 7, "normal", 0.1) for w in (3, 5)]
    masks = [imp.one_shot_masks(s, 60, "global") for s in states]
    for batch_size in (None, 32):
        proto = Protocol(lr=0.2, epochs=4, batch_size=batch_size, init="normal", init_std=0.1)
        tuned, _, _ = imp._finetune(states, masks, 7, proto, 6, d, "cpu")
        for state, mask, got in zip(states, masks, tuned):
            model = MLP(state["hidden.weight"].shape[0]).double()
            model.load_state_dict({k: v.double() for k, v in state.items()})
            for name in imp.LAYERS:
                prune.custom_from_mask(getattr(model, name), "weight", mask[name].double())
            opt = torch.optim.SGD(model.parameters(), lr=0.2)
            xt, yt = torch.as_tensor(d.x_train).double(), torch.as_tensor(d.y_train).double()
            order = torch.Generator().manual_seed(7)
            for _ in range(6):
                batches = ([torch.arange(len(xt))] if batch_size is None else
                           torch.randperm(len(xt), generator=order).split(batch_size))
                for b in batches:
                    opt.zero_grad()
                    torch.nn.functional.binary_cross_entropy_with_logits(model(xt[b]), yt[b]).backward()
                    opt.step()
            for name in imp.LAYERS:
                layer = getattr(model, name)
                # `weight` itself is only refreshed by the next forward; this is its value now.
                want = (layer.weight_orig * layer.weight_mask).detach()
                have = got[f"{name}.weight"].reshape(want.shape).double()
                assert bool((have[mask[name] == 0] == 0).all())  # pruned weights stay exactly zero
                # float32 bank against a float64 reference over 6-30 steps: rounding of ~1e-7 per
                # step, amplified by at most the steps' count; 1e-5 is far below any training effect.
                assert torch.allclose(have, want, atol=1e-5), (batch_size, name)


def test_run_seed_rows_dense_reference_and_achieved_sparsity():
    x, y = separable_toy(n=200, seed=5)
    d = PairData(x[:150], y[:150], x[150:], y[150:], None)
    proto = Protocol(lr=0.5, epochs=30, batch_size=None, init="normal", init_std=0.1)
    from lowcap.train import train_bank

    states, hist = train_bank([4, 8], [0.5, 0.5], 0, proto, d.x_train, d.y_train, d.x_val, d.y_val)
    loaded = []
    for w, s in zip([4, 8], states):
        model = MLP(w)
        model.load_state_dict(s)
        loaded.append(SimpleNamespace(model=model, meta=SimpleNamespace(width=w, seed=0)))
    table = imp.run_seed(loaded, 0.5, 3, 5, proto, d, 0)
    assert set(table["method"]) == {"dense", "dense+ft", "one-shot", "one-shot+ft", "imp"}
    # 2 widths x (dense, dense+ft, 2 scopes x 3 rounds x (one-shot, one-shot+ft, imp pruned, imp tuned))
    assert len(table) == 2 * (2 + 2 * 3 * 4)
    final = hist[(hist["epoch"] == 30) & (hist["split"] == "val")].set_index("width")["f1"]
    dense = table[table["method"] == "dense"].set_index("width")["val_f1"]
    assert np.allclose(dense.sort_index(), final.sort_index())
    for (method, scope, width), g in table[table["method"].isin(imp.METHODS)].groupby(["method", "scope", "width"]):
        g = g.sort_values("round")
        assert g["sparsity_total"].is_monotonic_increasing
        assert np.allclose(g.groupby("round")["requested_sparsity"].first(), [50, 75, 87.5])
    # IMP's achieved sparsity after round r is near 1 - 0.5^r (rounding of small layers aside)
    imp_global = table[(table["method"] == "imp") & (table["scope"] == "global") & (table["width"] == 8)]
    assert np.allclose(imp_global.groupby("round")["sparsity_total"].first(), [50, 75, 87.5], atol=0.1)


def hand_table():
    rows = []
    for seed in (0, 1):
        rows.append({"pair": "0-1", "width": 4, "seed": seed, "method": "dense", "scope": "none", "round": 0,
                     "stage": "pruned", "sparsity_total": 0.0, "val_f1": 0.95})
        rows.append({"pair": "0-1", "width": 4, "seed": seed, "method": "dense+ft", "scope": "none", "round": 0,
                     "stage": "finetuned", "sparsity_total": 0.0, "val_f1": 0.97})
        for r, (s, f1_imp, f1_one) in enumerate([(50, 0.95, 0.945), (75, 0.945, 0.90), (90, 0.90, 0.99)], start=1):
            rows += [{"pair": "0-1", "width": 4, "seed": seed, "method": "imp", "scope": "layer", "round": r,
                      "stage": "finetuned", "sparsity_total": s + seed, "val_f1": f1_imp},
                     {"pair": "0-1", "width": 4, "seed": seed, "method": "one-shot", "scope": "layer", "round": r,
                      "stage": "pruned", "sparsity_total": s, "val_f1": f1_one}]
    return pd.DataFrame(rows)


def test_max_sparsity_stops_at_the_first_round_out_of_tolerance():
    best = imp.max_sparsity(hand_table(), 1, ["0-1"]).set_index("method")
    assert best.loc["imp", "max_sparsity"] == 75  # lowest over seeds; round 3 loses 5 points
    # one-shot: round 2 is out of tolerance, so round 3's recovery does not count
    assert best.loc["one-shot", "max_sparsity"] == 50
    # against the fine-tuned dense control (0.97), no round is within 1 point
    assert best.loc["imp", "max_sparsity_vs_dense_ft"] == 0


def test_imp_figures_draw_every_method_within_the_f1_range(drawn):
    table = hand_table()
    table = pd.concat([table, table[table["method"] == "imp"].assign(method="one-shot+ft")], ignore_index=True)
    table = pd.concat([table, table[table["scope"] == "layer"].assign(scope="global")], ignore_index=True)
    curves = imp.figure_curves(table)
    imp.plot_pair(curves, "0-1", 1, 5, "x.png", "x.pdf")
    fig = drawn[-1]
    ax = fig.axes[0]
    assert len(ax.get_lines()) >= 4  # three methods and the tolerance line
    lo, hi = ax.get_ylim()
    assert 0 <= lo and hi <= 1.01
    imp.plot_recovery(imp.recovery_curves(table), ["0-1"], 5, "r.png", "r.pdf")
    assert len(drawn) == 2
