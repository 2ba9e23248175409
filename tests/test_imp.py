"""Iterative magnitude pruning with fine-tuning (lowcap.analyses.imp), against torch's own pruning, a plain
autograd training loop, and hand-built models whose right answer is known."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from lowcap.analyses import imp, imp_tables, pruning
from lowcap.figures import imp as imp_figures
from lowcap.core.data import PairData
from lowcap.core.model import MLP, init_params
from lowcap.core.protocol import Protocol
from lowcap.core.train import run_bank, train_bank

from test_train import separable_toy

FULL_BATCH = Protocol(lr=0.5, epochs=30, batch_size=None, init="normal", init_std=0.1)


def random_state(width=6, seed=0):
    """An MLP's weights as drawn by torch (not trained): enough for the pruning rules."""
    torch.manual_seed(seed)
    return {k: v.detach().clone() for k, v in MLP(width).state_dict().items()}


def zeros(masks):
    return {name: int((m == 0).sum()) for name, m in masks.items()}


def hand_built(hidden_scale: float, output_scale: float, width=4):
    """Hidden weights 1..n times hidden_scale, output weights 1..width times output_scale: every
    weight's rank is known, and the scales decide which layer a global ranking empties first."""
    w1 = torch.arange(1, width * 784 + 1, dtype=torch.float32).reshape(width, 784) * hidden_scale
    w2 = torch.arange(1, width + 1, dtype=torch.float32).reshape(1, width) * output_scale
    return {"hidden.weight": w1, "hidden.bias": torch.zeros(width), "output.weight": w2,
            "output.bias": torch.zeros(1)}


def toy_checkpoints(widths=(4, 8), seed=0, protocol=FULL_BATCH):
    x, y = separable_toy(n=200, seed=5)
    d = PairData(x[:150], y[:150], x[150:], y[150:], None)
    states, hist = train_bank(list(widths), [protocol.lr] * len(widths), seed, protocol, d.x_train, d.y_train,
                              d.x_val, d.y_val)
    loaded = []
    for w, s in zip(widths, states):
        model = MLP(w)
        model.load_state_dict(s)
        loaded.append(SimpleNamespace(model=model, meta=SimpleNamespace(width=w, seed=seed)))
    return loaded, d, hist


# --------------------------------------------------------------------------- the schedule


def test_levels_are_the_geometric_schedule_with_the_target_inserted_in_order():
    assert np.allclose(imp_tables.levels(0.5, 3), [50, 75, 87.5])
    assert np.allclose(imp_tables.levels(0.6, 5, 95), [60, 84, 93.6, 95, 97.44, 98.976])
    assert np.allclose(imp_tables.levels(0.5, 2, 95), [50, 75, 95])  # after the last level: one more round
    assert np.allclose(imp_tables.levels(0.5, 2, 75), [50, 75])  # already on the schedule: not twice


def test_shuffle_seeds_are_fresh_per_round_and_never_the_training_seed():
    seeds = [imp.shuffle_seed(42, s) for s in range(1, 7)]
    assert len(set(seeds)) == 6 and 42 not in seeds
    assert seeds == [imp.shuffle_seed(42, s) for s in range(1, 7)]  # reproducible
    assert imp.shuffle_seed(0, 1) != imp.shuffle_seed(42, 1)


# --------------------------------------------------------------------------- the pruning rule


def test_one_shot_masks_are_prune_copys_zeros():
    state = random_state(8)
    model = MLP(8)
    model.load_state_dict(state)
    for scope in imp_tables.SCOPES:
        pruned = pruning.prune_copy(model, 80, scope)
        masks = pruning.prune(state, None, 80, scope)
        assert torch.equal(masks["hidden"] == 0, pruned.hidden.weight == 0)
        assert torch.equal(masks["output"] == 0, pruned.output.weight == 0)


@pytest.mark.parametrize("scope", imp_tables.SCOPES)
def test_each_round_prunes_to_its_level_of_the_original_weights_and_never_unprunes(scope):
    state = random_state(10)
    masks = None
    for level in imp_tables.levels(0.6, 3, 95):
        new = pruning.prune(state, masks, level, scope)
        after = zeros(new)
        if scope == "layer":
            assert after == {"hidden": pruning.n_to_prune(level, 7840), "output": pruning.n_to_prune(level, 10)}
        else:
            assert sum(after.values()) == pruning.n_to_prune(level, 7850)
        if masks is not None:  # a pruned weight stays pruned
            assert all(bool((new[n][masks[n] == 0] == 0).all()) for n in new)
        masks = new


def test_global_scope_ranks_both_layers_together_and_layer_scope_each_alone():
    # Tiny hidden weights, large output weights: a global ranking takes every pruned weight from
    # the hidden layer; per layer, the output layer loses its share too.
    state = hand_built(hidden_scale=1e-4, output_scale=10.0)
    g = pruning.prune(state, None, 50, "global")
    assert zeros(g) == {"hidden": pruning.n_to_prune(50, 3140), "output": 0}
    lay = pruning.prune(state, None, 50, "layer")
    assert zeros(lay) == {"hidden": 1568, "output": 2}
    # Reversed scales: the output weights are the smallest, so they go first globally.
    g = pruning.prune(hand_built(hidden_scale=10.0, output_scale=1e-4), None, 50, "global")
    assert zeros(g) == {"hidden": 1570 - 4, "output": 4}
    # The pruned ones are the smallest: hidden weights 1..1570 (of 1..3136) in the first case.
    assert bool((pruning.prune(state, None, 50, "global")["hidden"].reshape(-1)[:1570] == 0).all())


def test_a_later_round_ranks_the_current_weights_not_the_dense_ones():
    dense = hand_built(1.0, 1.0)
    first = pruning.prune(dense, None, 50, "layer")
    # Fine-tuning reversed the order of the surviving weights' magnitudes.
    current = dict(dense)
    current["hidden.weight"] = (dense["hidden.weight"].max() + 1 - dense["hidden.weight"]) * first["hidden"]
    second = pruning.prune(current, first, 75, "layer")
    kept = second["hidden"].reshape(-1).nonzero().reshape(-1)
    # Survivors of round 1 are weights 1569..3136; by current magnitude the largest are the smallest
    # dense ones, so round 2 keeps 1569..2352 (the dense ranking would keep 2353..3136).
    assert kept.tolist() == list(range(1568, 1568 + 784))


def fake_finetune(calls):
    """A stand-in for imp._finetune that reverses the magnitude order of every surviving weight
    and reports each model's position in the bank as its F1, so a table row says which bank slot
    (and so which masks) it came from."""
    def finetune(states, masks, shuffle, protocol, epochs, d, device):
        out = []
        for s, m in zip(states, masks):
            t = imp.masked_state(s, m)
            for name in pruning.PRUNED_LAYERS:
                w = t[f"{name}.weight"]
                t[f"{name}.weight"] = torch.sign(w) * (w.abs().max() + 1 - w.abs()) * m[name]
            out.append(t)
        calls.append({"states": out, "masks": masks, "shuffle": shuffle})
        slot = {k: np.arange(len(states), dtype=float) for k in ("loss", "f1", "auc")}
        return out, slot, slot
    return finetune


@pytest.mark.parametrize("scope", imp_tables.SCOPES)
def test_run_seed_ranks_each_round_by_the_fine_tuned_weights(monkeypatch, scope):
    loaded, d, _ = toy_checkpoints(widths=(6,))
    calls = []
    monkeypatch.setattr(imp, "_finetune", fake_finetune(calls))
    schedule = [50, 75, 90]
    table = imp.run_seed(loaded, schedule, 2, FULL_BATCH, d, 0)
    rows = table[(table["method"] == "imp") & (table["scope"] == scope) & (table["stage"] == "pruned")]
    slot = rows.set_index("round")["val_f1"].astype(int)
    dense = {k: v.detach().clone() for k, v in loaded[0].model.state_dict().items()}
    masks = pruning.prune(dense, None, schedule[0], scope)
    assert all(torch.equal(masks[n], calls[0]["masks"][slot[1]][n]) for n in pruning.PRUNED_LAYERS)
    for r in (2, 3):
        current = calls[r - 2]["states"][slot[r - 1]]
        want = pruning.prune(current, masks, schedule[r - 1], scope)
        got = calls[r - 1]["masks"][slot[r]]
        if r == 2:  # the case tells the two rankings apart (reversed twice, round 3's would agree)
            stale = pruning.prune(dense, masks, schedule[r - 1], scope)
            assert not all(torch.equal(want[n], stale[n]) for n in pruning.PRUNED_LAYERS)
        assert all(torch.equal(want[n], got[n]) for n in pruning.PRUNED_LAYERS), r
        masks = want


def test_every_round_fine_tunes_on_a_fresh_batch_order(monkeypatch):
    loaded, d, _ = toy_checkpoints(widths=(4,), seed=42)
    seen = []

    def recording(bank, lrs, seed, *args, **kwargs):
        seen.append(seed)
        return run_bank(bank, lrs, seed, *args, **kwargs)

    monkeypatch.setattr("lowcap.analyses.imp.run_bank", recording)
    imp.run_seed(loaded, [50, 75, 90], 1, Protocol(lr=0.5, epochs=3, batch_size=32, init="normal", init_std=0.1),
                 d, 42)
    assert seen == [imp.shuffle_seed(42, s) for s in (1, 2, 3)]


# --------------------------------------------------------------------------- fine-tuning on the bank


def test_masked_bank_fine_tuning_equals_autograd_on_torch_pruned_models():
    """The reference: torch.nn.utils.prune's reparametrisation (weight = weight_orig * mask) trained
    by autograd and torch.optim.SGD, one model at a time, full batch and minibatch."""
    from torch.nn.utils import prune

    x, y = separable_toy(n=160, seed=3)
    d = PairData(x[:120], y[:120], x[120:], y[120:], None)
    states = [init_params(w, 7, "normal", 0.1) for w in (3, 5)]
    masks = [pruning.prune(s, None, 60, "global") for s in states]
    for batch_size in (None, 32):
        proto = Protocol(lr=0.2, epochs=4, batch_size=batch_size, init="normal", init_std=0.1)
        tuned, _, _ = imp._finetune(states, masks, 7, proto, 6, d, "cpu")
        for state, mask, got in zip(states, masks, tuned):
            model = MLP(state["hidden.weight"].shape[0]).double()
            model.load_state_dict({k: v.double() for k, v in state.items()})
            for name in pruning.PRUNED_LAYERS:
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
            for name in pruning.PRUNED_LAYERS:
                layer = getattr(model, name)
                # `weight` itself is only refreshed by the next forward; this is its value now.
                want = (layer.weight_orig * layer.weight_mask).detach()
                have = got[f"{name}.weight"].reshape(want.shape).double()
                assert bool((have[mask[name] == 0] == 0).all())  # pruned weights stay exactly zero
                # float32 bank against a float64 reference over 6-30 steps: rounding of ~1e-7 per
                # step, amplified by at most the steps' count; 1e-5 is far below any training effect.
                assert torch.allclose(have, want, atol=1e-5), (batch_size, name)


def test_run_seed_rows_dense_reference_and_achieved_sparsity():
    loaded, d, hist = toy_checkpoints()
    table = imp.run_seed(loaded, [50, 75, 87.5], 5, FULL_BATCH, d, 0).assign(pair="toy", seed=0)
    assert set(table["method"]) == {"dense", "dense+ft", "one-shot", "one-shot+ft", "imp"}
    # 2 widths x (dense, 3 control rounds, 2 scopes x 3 rounds x (one-shot, one-shot+ft, imp pruned, imp tuned))
    assert len(table) == 2 * (1 + 3 + 2 * 3 * 4)
    final = hist[(hist["epoch"] == 30) & (hist["split"] == "val")].set_index("width")["f1"]
    dense = table[table["method"] == "dense"].set_index("width")["val_f1"]
    assert np.allclose(dense.sort_index(), final.sort_index())
    # The dense reference is the checkpoint before any fine-tuning: its loss (which, unlike the toy
    # F1 of 1, moves with every step) is the history's last, and it is one unpruned row at round 0.
    val = hist[(hist["epoch"] == 30) & (hist["split"] == "val")].set_index("width")["loss"]
    dense_rows = table[table["method"] == "dense"]
    assert np.allclose(dense_rows.set_index("width")["val_loss"].sort_index(), val.sort_index(), rtol=1e-6, atol=0)
    assert (dense_rows["stage"] == "pruned").all() and (dense_rows["round"] == 0).all()
    for (method, scope, width), g in table[table["method"].isin(imp_tables.METHODS)].groupby(["method", "scope", "width"]):
        g = g.sort_values("round")
        assert g["sparsity_total"].is_monotonic_increasing
        assert np.allclose(g.groupby("round")["requested_sparsity"].first(), [50, 75, 87.5])
    # Achieved sparsity, counted from the weights: IMP and one-shot prune the same count at a level.
    judged = imp_tables.evaluated(table)
    for scope in imp_tables.SCOPES:
        s = judged[judged["scope"] == scope].pivot_table(index=["width", "round"], columns="method",
                                                         values="sparsity_total")
        assert np.allclose(s["imp"], s["one-shot"]) and np.allclose(s["imp"], s["one-shot+ft"])
    width8 = judged[(judged["method"] == "imp") & (judged["scope"] == "global") & (judged["width"] == 8)]
    assert np.allclose(width8.sort_values("round")["sparsity_total"],
                       [100 * pruning.n_to_prune(v, 6280) / 6280 for v in (50, 75, 87.5)])


def test_the_control_and_one_shot_ft_train_exactly_as_long_as_imp_at_each_round():
    loaded, d, _ = toy_checkpoints(widths=(4,))
    epochs = 3
    table = imp.run_seed(loaded, [50, 75, 87.5], epochs, FULL_BATCH, d, 0).assign(pair="toy", seed=0)
    tuned = table[table["stage"] == "finetuned"]
    for method in ("dense+ft", "one-shot+ft", "imp"):
        rows = tuned[tuned["method"] == method]
        assert (rows["budget_epochs"] == rows["round"] * epochs).all(), method
    # The control really trained that long: the dense model trained for r x epochs in one go
    # (full batch, so the batch order plays no part) scores the same.
    dense = {k: v.detach().clone() for k, v in loaded[0].model.state_dict().items()}
    control = tuned[tuned["method"] == "dense+ft"].set_index("round")["val_loss"]
    oneshot = tuned[(tuned["method"] == "one-shot+ft") & (tuned["scope"] == "global")].set_index("round")
    for r, level in enumerate([50, 75, 87.5], start=1):
        for state, masks, want in ((dense, None, control[r]),
                                   (dense, pruning.prune(dense, None, level, "global"), oneshot.loc[r, "val_loss"])):
            _, _, end = imp._finetune([state], [masks or pruning.prune(state, None, 0, "layer")], 0, FULL_BATCH,
                                      r * epochs, d, "cpu")
            # float32 sums in a bank of another size: rounding only.
            assert np.isclose(end["loss"][0], want, rtol=1e-5, atol=1e-7), (r, level)
    # and the evaluated table judges each row against the control at its own budget
    judged = imp_tables.evaluated(table)
    imp_rows = judged[judged["method"] == "imp"].set_index(["scope", "round"])
    assert np.allclose(imp_rows.xs("layer")["control_f1"].sort_index(),
                       tuned[tuned["method"] == "dense+ft"].set_index("round")["val_f1"].sort_index())
    assert (judged.loc[judged["method"] == "one-shot", "control_f1"] == judged.loc[judged["method"] == "one-shot",
                                                                                  "dense_f1"]).all()


# --------------------------------------------------------------------------- summaries and figures


def hand_table():
    rows = []
    for seed in (0, 1):
        base = {"pair": "0-1", "width": 4, "seed": seed}
        rows.append({**base, "method": "dense", "scope": "none", "round": 0, "stage": "pruned", "budget_epochs": 0,
                     "sparsity_total": 0.0, "val_f1": 0.95})
        for r, (s, f1_imp, f1_one) in enumerate([(50, 0.95, 0.945), (75, 0.945, 0.90), (90, 0.90, 0.99)], start=1):
            rows += [{**base, "method": "dense+ft", "scope": "none", "round": r, "stage": "finetuned",
                      "budget_epochs": 5 * r, "sparsity_total": 0.0, "val_f1": 0.96 + 0.01 * r},
                     {**base, "method": "imp", "scope": "layer", "round": r, "stage": "finetuned",
                      "budget_epochs": 5 * r, "sparsity_total": s + seed, "val_f1": f1_imp},
                     {**base, "method": "one-shot", "scope": "layer", "round": r, "stage": "pruned",
                      "budget_epochs": 0, "sparsity_total": s, "val_f1": f1_one}]
    return pd.DataFrame(rows)


def test_max_sparsity_stops_at_the_first_round_out_of_tolerance():
    best = imp_tables.highest_sparsity_within_tolerance(hand_table(), 1, ["0-1"]).set_index("method")
    assert best.loc["imp", "max_sparsity"] == 75  # lowest over seeds; round 3 loses 5 points
    # one-shot: round 2 is out of tolerance, so round 3's recovery does not count
    assert best.loc["one-shot", "max_sparsity"] == 50
    # against the control at the same budget (0.97 at round 1), no IMP round is within 1 point,
    # while one-shot (budget 0) is judged against the dense model itself
    assert best.loc["imp", "max_sparsity_vs_dense_ft"] == 0
    assert best.loc["one-shot", "max_sparsity_vs_dense_ft"] == 50


def test_imp_figures_draw_every_method_and_the_control_within_the_f1_range(drawn):
    table = hand_table()
    table = pd.concat([table, table[table["method"] == "imp"].assign(method="one-shot+ft")], ignore_index=True)
    table = pd.concat([table, table[table["scope"] == "layer"].assign(scope="global")], ignore_index=True)
    curves = imp_figures.figure_curves(table)
    control = curves[(curves["method"] == "dense+ft") & (curves["scope"] == "layer")].set_index("round")
    assert np.allclose(control["mean"], [0.95, 0.97, 0.98, 0.99]) and list(control["budget_epochs"]) == [0, 5, 10, 15]
    imp_figures.plot_pair(curves, "0-1", 1, 5, "x.png", "x.pdf")
    ax = drawn[-1].axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert {"one-shot", "one-shot+ft", "imp"} <= set(labels) and any(lb.startswith("control") for lb in labels)
    lo, hi = ax.get_ylim()
    assert 0 <= lo and hi <= 1.01
    recovery = imp_figures.recovery_curves(table)
    assert set(recovery["stage"]) == {"finetuned", "control"}
    imp_figures.plot_recovery(recovery, ["0-1"], 5, "r.png", "r.pdf")
    assert len(drawn) == 2
