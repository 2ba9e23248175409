"""One-shot magnitude pruning and dead units (lowcap.analyses.pruning): exactness, biases, dead-unit counts,
the summaries, and the four pruning jobs end to end on tiny checkpoints."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import torch

from conftest import make_meta, pool_paths
from lowcap.analyses import pruning, pruning_tables
from lowcap.figures import pruning as fig4
from lowcap.jobs.pruning import dead_neurons_table, max_sparsity_table, pruning_pair
from lowcap.jobs.pruning_figures import pruning_figures
from lowcap.core.model import MLP, N_INPUTS

LEVELS = [10, 15, 20, 30, 33.3, 40, 50, 80, 90, 95, 99]


# Jobs compare numbers computed on CPU, whatever the machine (conftest.cpu_jobs).
pytestmark = pytest.mark.usefixtures("cpu_jobs")


def random_mlp(width: int, seed: int = 0) -> MLP:
    torch.manual_seed(seed)
    model = MLP(width)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.1)  # biases nonzero too, so "untouched" means something
    return model


@pytest.mark.parametrize("width", [1, 7, 24])
@pytest.mark.parametrize("level", LEVELS)
def test_layer_scope_prunes_round_p_percent_of_every_layer(width, level):
    model = random_mlp(width)
    pruned = pruning.prune_copy(model, level, "layer")
    achieved = pruning.weight_sparsity(pruned)
    for name in pruning.PRUNED_LAYERS:
        before = getattr(model, name).weight.detach().abs().flatten()
        after = getattr(pruned, name).weight.detach().flatten()
        n = before.numel()
        expected = round(level * n / 100)
        assert int((after == 0).sum()) == expected == achieved[f"zeros_{name}"]
        # p% to rounding: at most half a weight away from the request. The 1e-9 absorbs only the
        # float64 rounding of 100 * zeros / n and of level * n / 100 (~1e-14).
        assert abs(achieved[f"sparsity_{name}"] - level) <= 100 * 0.5 / n + 1e-9
        # By magnitude: every weight kept is at least as large as every weight removed.
        removed = after == 0
        if removed.any() and (~removed).any():
            assert before[~removed].min() >= before[removed].max()
        # The survivors keep their values.
        assert torch.equal(after[~removed], getattr(model, name).weight.detach().flatten()[~removed])


@pytest.mark.parametrize("level", LEVELS)
def test_global_scope_prunes_round_p_percent_of_all_weights(level):
    model = random_mlp(12)
    with torch.no_grad():
        model.output.weight.copy_(torch.arange(1.0, 13.0))  # all larger than any hidden weight
    pruned = pruning.prune_copy(model, level, "global")
    achieved = pruning.weight_sparsity(pruned)
    n = N_INPUTS * 12 + 12
    assert achieved["zeros_total"] == round(level * n / 100)
    before = torch.cat([model.hidden.weight.detach().abs().flatten(), model.output.weight.detach().abs().flatten()])
    after = torch.cat([pruned.hidden.weight.detach().flatten(), pruned.output.weight.detach().flatten()])
    assert before[after != 0].min() >= before[after == 0].max()
    # Ranked together, the 12 large output weights survive (every level keeps > 12 weights).
    assert achieved["zeros_output"] == 0 and achieved["zeros_hidden"] == achieved["zeros_total"]


@pytest.mark.parametrize("scope", pruning_tables.SCOPES)
def test_biases_untouched_and_original_model_unchanged(scope):
    model = random_mlp(8)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    pruned = pruning.prune_copy(model, 95, scope)
    for key in ("hidden.bias", "output.bias"):
        assert torch.equal(pruned.state_dict()[key], state[key])
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key])
    # Pruning is baked in: plain parameters, no leftover masks or hooks.
    assert set(pruned.state_dict()) == set(state)


@pytest.mark.parametrize("scope", pruning_tables.SCOPES)
@pytest.mark.parametrize("width", [3, 24])
@pytest.mark.parametrize("level", [10, 50, 95, 99])
def test_random_null_matches_the_achieved_sparsity_layer_by_layer(scope, width, level):
    model = random_mlp(width)
    magnitude = pruning.weight_sparsity(pruning.prune_copy(model, level, scope))
    seed = pruning.random_mask_seed("4-9", width, 42, level)
    counts = pruning.prune(model, None, level, scope).pruned()
    null = pruning.random_prune_copy(model, counts, seed)
    achieved = pruning.weight_sparsity(null)
    # Measured from the weights: the same zeros in every layer as magnitude pruning (no weight of
    # random_mlp is exactly zero before pruning).
    assert {k: v for k, v in achieved.items() if k.startswith("zeros_")} == \
        {k: v for k, v in magnitude.items() if k.startswith("zeros_")}
    assert pruning.prune(model, None, level, scope).pruned() == \
        {name: magnitude[f"zeros_{name}"] for name in pruning.PRUNED_LAYERS}
    # Seeded: bit-identical twice; another checkpoint's seed draws another mask.
    again = pruning.random_prune_copy(model, counts, seed)
    assert all(torch.equal(a, b) for a, b in zip(null.state_dict().values(), again.state_dict().values()))
    other = pruning.random_prune_copy(model, counts, pruning.random_mask_seed("4-9", width, 78, level))
    assert not torch.equal(other.hidden.weight, null.hidden.weight)
    # Random, not by magnitude: some removed weight is larger than some kept one; survivors keep their values.
    before, after = model.hidden.weight.detach().abs().flatten(), null.hidden.weight.detach().flatten()
    removed = after == 0
    assert before[removed].max() > before[~removed].min()
    assert torch.equal(after[~removed], model.hidden.weight.detach().flatten()[~removed])
    for key in ("hidden.bias", "output.bias"):
        assert torch.equal(null.state_dict()[key], model.state_dict()[key])


def test_random_null_of_a_cnn_keeps_its_per_layer_counts():
    from lowcap.core.cnn import CNN

    torch.manual_seed(0)
    model = CNN(4)
    null = pruning.random_prune_copy(model, pruning.prune(model, None, 90, "global").pruned(), [1, 2])
    assert pruning.weight_sparsity(null)["zeros_total"] == pruning.weight_sparsity(
        pruning.prune_copy(model, 90, "global"))["zeros_total"]


def test_dead_or_disconnected_counts_every_way_a_unit_is_cut_off():
    model = hand_made_model()  # units 0 and 2 dead
    with torch.no_grad():
        model.hidden.bias[3] = 0.5  # unit 3: no incoming weight (alive, a constant)
        model.output.weight[0, 1] = 0.0  # unit 1: alive, no output weight
    x = torch.rand(50, N_INPUTS, generator=torch.Generator().manual_seed(0)) * 0.5 + 0.1
    x[:, 5] = 1.0  # unit 4 fires
    assert pruning.dead_or_disconnected(model, x).tolist() == [True, True, True, True, False]
    assert pruning.disconnected_units(model) == 1 and int(pruning.dead_units(model, x).sum()) == 2


def test_dead_or_disconnected_channels_of_a_cnn():
    from lowcap.core.cnn import CNN

    torch.manual_seed(0)
    model = CNN(3)
    with torch.no_grad():
        model.conv.weight[0].zero_()  # channel 0: no incoming weight
        model.output.weight.view(3, -1)[2].zero_()  # channel 2: no output weight
    x = torch.rand(20, N_INPUTS, generator=torch.Generator().manual_seed(0))
    cut = pruning.dead_or_disconnected(model, x).tolist()
    assert cut[0] and cut[2] and cut[1] == bool(pruning.dead_units(model, x)[1])


def test_unknown_scope_is_refused():
    with pytest.raises(ValueError, match="scope"):
        pruning.prune_copy(random_mlp(2), 50, "per_neuron")


def hand_made_model() -> MLP:
    """Five hidden units on inputs in [0, 1]:
    0 zero weights, bias -1: dead.  1 reads pixel 0: alive.  2 weights -1, bias 0: dead (output <= 0).
    3 zero weights, bias +0.5: alive.  4 reads pixel 5 minus 0.9: alive on one input only."""
    model = MLP(5)
    with torch.no_grad():
        model.hidden.weight.zero_()
        model.hidden.bias.copy_(torch.tensor([-1.0, 0.0, 0.0, 0.5, -0.9]))
        model.hidden.weight[1, 0] = 1.0
        model.hidden.weight[2, :] = -1.0
        model.hidden.weight[4, 5] = 1.0
        model.output.weight.fill_(1.0)
    return model


def test_dead_units_on_a_hand_made_model():
    x = torch.rand(50, N_INPUTS, generator=torch.Generator().manual_seed(0)) * 0.5 + 0.1
    x[:, 5] = 0.5
    x[17, 5] = 1.0  # unit 4 fires on this input only
    dead = pruning.dead_units(hand_made_model(), x)
    assert dead.tolist() == [True, False, True, False, False]
    assert not pruning.dead_units(hand_made_model(), x[17:18])[4]
    assert pruning.dead_units(hand_made_model(), torch.cat([x[:17], x[18:]]))[4]


def test_prune_and_evaluate_rows():
    model = random_mlp(10)
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(200, N_INPUTS, generator=gen)
    y = (torch.rand(200, generator=gen) > 0.5).float()
    table = pruning.prune_and_evaluate(model, x, y, [0, 50, 99], "layer", lambda level: [7, int(level)])
    assert table["requested_sparsity"].tolist() == [0, 50, 99]
    # The random null at the same measured sparsity; unpruned, it is the dense model itself.
    assert table["random_sparsity_total"].tolist() == table["sparsity_total"].tolist()
    assert table.loc[0, "random_val_f1"] == table.loc[0, "val_f1"]
    assert table.loc[2, "dead_or_disconnected_units"] == 10  # no output weight left at all
    again = pruning.prune_and_evaluate(model, x, y, [0, 50, 99], "layer", lambda level: [7, int(level)])
    pd.testing.assert_frame_equal(table, again, check_exact=True)
    assert table.loc[0, "zeros_total"] == 0 and table.loc[0, "disconnected_units"] == 0
    # At 99% the 10 output weights lose round(9.9) = 10: the output no longer depends on x.
    assert table.loc[2, "disconnected_units"] == 10
    # A constant output ties every pair: AUC is exactly 0.5 (ties count one half); the tolerance
    # covers only the float64 division.
    assert table.loc[2, "val_auc"] == pytest.approx(0.5, abs=1e-12)
    with torch.no_grad():
        from lowcap.core.metrics import evaluate

        dense = evaluate(model(x).unsqueeze(1), y)
    # Level 0 keeps every weight: the same predictions, so F1 (a ratio of counts) agrees up to the
    # float64 division, unless a logit lies within float32 rounding (~1e-6) of 0 (not here).
    assert table.loc[0, "val_f1"] == pytest.approx(float(dense["f1"][0]), abs=1e-12)
    assert table.loc[0, "dead_units"] == int(pruning.dead_units(model, x).sum())


def long_table(f1: dict, scope: str = "layer") -> pd.DataFrame:
    """A minimal pruning table: f1[(width, seed)] = list of F1 at levels 0, 50, 95."""
    rows = []
    for (width, seed), values in f1.items():
        for level, value in zip([0, 50, 95], values):
            rows.append({"pair": "4-9", "width": width, "seed": seed, "scope": scope,
                         "requested_sparsity": level, "val_f1": value, "val_auc": 0.9,
                         "dead_units": level // 50, "disconnected_units": 0, "sparsity_total": level})
    return pd.DataFrame(rows)


def test_change_is_relative_and_nan_from_zero():
    table = fig4.with_change(long_table({(4, 0): [0.8, 0.4, 0.8], (4, 1): [0.0, 0.5, 0.0]}), "f1")
    change = table.set_index(["seed", "requested_sparsity"])["f1_change_pct"]
    # 100 * (0.4 - 0.8) / 0.8 in float64: -50 to a few ulps (pytest.approx's default 1e-6 rel).
    assert change[(0, 50)] == pytest.approx(-50.0)
    assert change[(0, 0)] == 0.0
    assert math.isnan(change[(1, 50)])
    curves = fig4.sparsity_curves(table, "f1_change_pct", [50])
    at50 = curves[curves["requested_sparsity"] == 50].iloc[0]
    assert at50["mean"] == pytest.approx(-50.0) and at50["n_seeds"] == 1  # the same float64 value
    assert 95 not in set(curves["requested_sparsity"])  # only 0 and the configured levels


def test_max_sparsity_needs_every_seed():
    table = long_table({
        (4, 0): [0.95, 0.92, 0.91], (4, 1): [0.95, 0.93, 0.80],  # 95% fails on seed 1
        (8, 0): [0.95, 0.85, 0.95], (8, 1): [0.95, 0.95, 0.95],  # non-monotone: 50% fails, 95% passes
        (16, 0): [0.87, 0.5, 0.5], (16, 1): [0.95, 0.95, 0.95],  # even unpruned fails on seed 0
    })
    out = pruning_tables.highest_passing_level(table, [50, 95], ["4-9"]).set_index("width")
    assert out.loc[4, "max_sparsity_every_seed"] == 50
    assert out.loc[8, "max_sparsity_every_seed"] == 95
    assert out.loc[8, "max_sparsity_every_seed_all_below"] == 0
    assert pd.isna(out.loc[16, "max_sparsity_every_seed"])
    assert out.loc[16, "max_sparsity_mean"] == 0
    assert "| 4-9 | 50 | 95 | — |" in pruning_tables.max_sparsity_markdown(out.reset_index())


def test_dead_neuron_table_puts_paper_rows_first():
    table = long_table({(w, s): [0.9, 0.9, 0.9] for w in (4, 8) for s in (0, 1)})
    dead = pruning_tables.dead_neuron_table(table, 95, [("4-9", 8)], ["4-9"])
    assert dead["width"].tolist() == [8, 8, 4, 4]
    assert dead["paper_row"].tolist() == [True, True, False, False]
    assert (dead["dead_units_before"] == 0).all() and (dead["dead_units_after"] == 1).all()
    assert "dead_or_disconnected_units_after" not in dead  # a table from before that count
    either = table.assign(dead_or_disconnected_units=table["requested_sparsity"] // 5 + table["seed"])
    dead = pruning_tables.dead_neuron_table(either, 95, [("4-9", 8)], ["4-9"])
    assert dead["dead_or_disconnected_units_after"].tolist() == [19, 20, 19, 20]  # seeds 0, 1 per width
    assert dead["dead_or_disconnected_units_before"].tolist() == [0, 1, 0, 1]
    assert "dead or cut off after" in pruning_tables.dead_neuron_markdown(dead)
    assert pruning_tables.dead_neuron_markdown(dead).count("★") == 1
    with pytest.raises(ValueError, match="no rows at sparsity 80"):
        pruning_tables.dead_neuron_table(table, 80, [], ["4-9"])


def test_jobs_end_to_end(tmp_path, mnist_mirror, pool):
    """Two tiny checkpoints through the compute, figure and table jobs, as the rules run them."""
    from lowcap.core import data
    from lowcap.core.model import save_checkpoint

    images, labels = pool_paths(mnist_mirror)
    paths = []
    for seed in (0, 1):
        split = data.pair_data(*pool, "0-1", seed).split
        meta = make_meta("0-1", 3, seed, split.digest())
        path = tmp_path / f"w3_s{seed}.pt"
        save_checkpoint(path, random_mlp(3, seed).state_dict(), meta)
        paths.append(str(path))
    table_csv = tmp_path / "0-1.csv"
    pruning_pair(paths, [["0-1", 3, 0], ["0-1", 3, 1]], images, labels, "test", [50, 95], "layer", str(table_csv))
    table = pd.read_csv(table_csv, dtype={"pair": str})
    assert sorted(table["requested_sparsity"].unique()) == [0, 50, 95]
    assert len(table) == 2 * 3
    outputs = {f"{kind}_{ext}": str(tmp_path / f"{kind}.{ext}")
               for kind in ("f1_change", "auc_change", "f1") for ext in ("png", "pdf", "csv")}
    pruning_figures(str(table_csv), "0-1", "per-layer", [50], outputs)
    plotted = pd.read_csv(outputs["f1_csv"])
    assert sorted(plotted["requested_sparsity"].unique()) == [0, 50]  # 95 was only for the dead units
    assert all((tmp_path / f"{kind}.png").stat().st_size > 0 for kind in ("f1_change", "auc_change", "f1"))
    max_sparsity_table([str(table_csv)], [50], ["0-1"], str(tmp_path / "ms.csv"), str(tmp_path / "ms.md"))
    dead_neurons_table([str(table_csv)], 95, [["0-1", 3]], ["0-1"],
                       str(tmp_path / "dn.csv"), str(tmp_path / "dn.md"))
    dead = pd.read_csv(tmp_path / "dn.csv")
    assert dead["paper_row"].all() and len(dead) == 2
    # 3 units, 3 output weights, all pruned at 95%: every unit is cut off.
    assert (dead["dead_or_disconnected_units_after"] == 3).all()
    assert (table["random_sparsity_total"] == table["sparsity_total"]).all()
    # Per-layer pruning rounds to whole weights: 2234 of 2352 hidden (94.98%) and 3 of 3 output
    # weights = 2237 of 2355, 94.99%. At most half a weight per layer: <= 100 / 2355 = 0.04 points.
    assert (dead["sparsity_total_after"] - 95).abs().max() < 0.1


# --------------------------------------------------------------------------- Fig. 4 as drawn

PAPER_LEVELS = [10, 15, 20, 30, 40, 50, 80, 90, 95, 99]
AS_RELEASED_LEVELS = [level / 100 for level in PAPER_LEVELS]


def spread_table(levels, widths=(2, 8, 24, 64), seeds=(0, 1, 2)) -> pd.DataFrame:
    """A long pruning table whose F1 collapses to 0 on some seeds: a std band would leave [-100, ...]."""
    import numpy as np

    rng = np.random.default_rng(1)
    rows = []
    for width in widths:
        for seed in seeds:
            for i, level in enumerate([0, *levels]):
                f1 = 0.9 if level == 0 else float(rng.choice([0.0, 0.9 - 0.05 * i]))
                rows.append({"pair": "4-9", "width": width, "seed": seed, "scope": "layer",
                             "requested_sparsity": level, "val_f1": f1, "val_auc": 0.5 + f1 / 2,
                             "sparsity_total": level + 0.01 * width / 64})
    return fig4.with_change(fig4.with_change(pd.DataFrame(rows), "f1"), "auc")


def segments_y(ax):
    import numpy as np

    ys = [np.asarray(line.get_ydata(), float) for line in ax.get_lines()]
    ys += [np.concatenate([seg[:, 1] for seg in c.get_segments()]) for c in ax.collections if hasattr(c, "get_segments")]
    return np.concatenate(ys)


@pytest.mark.parametrize("levels", [PAPER_LEVELS, AS_RELEASED_LEVELS], ids=["paper", "as-released"])
def test_fig4_axis_is_the_requested_levels_and_nothing_leaves_the_range(drawn, levels):
    import numpy as np

    table = spread_table(levels)
    curves = fig4.sparsity_curves(table, "f1_change_pct", levels)
    assert {"mean", "min", "max", "n_seeds", "achieved_sparsity_pct", "highlighted"} <= set(curves)
    assert "std" not in curves  # the CSV holds what is drawn: mean and min-max
    assert curves["min"].min() == -100 and (curves["min"] <= curves["mean"] + 1e-9).all()
    fig4.plot_sparsity_curves(curves, "4-9", "% change in F1", "change in validation F1", "x.png", "x.pdf", 0.0)
    (fig,) = drawn
    ax = fig.axes[0]
    # Categorical: the levels evenly spaced whatever their values, each labelled with its level.
    assert list(ax.get_xticks()) == list(range(len(levels) + 1))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0"] + [f"{level:g}" for level in levels]
    lo, hi = ax.get_xlim()
    assert lo > -1 and hi < len(levels) + 1  # the data fills the axis
    # Nothing drawn below -100%: lines are the means, whiskers the min-max.
    ys = segments_y(ax)
    ys = ys[np.isfinite(ys)]
    assert ys.min() >= -100
    # The whiskers are exactly the CSV's min and max of the highlighted widths.
    whisker_ends = np.sort(np.concatenate([np.concatenate([s[:, 1] for s in c.get_segments()])
                                           for c in ax.collections]))
    shown = curves[curves["highlighted"]]
    # Matplotlib keeps the given float64 numbers; np.allclose's defaults only absorb a float32
    # round trip (~6e-8 relative).
    assert np.allclose(whisker_ends, np.sort(np.concatenate([shown["min"], shown["max"]])))
    # The top axis gives the achieved sparsity.
    (top,) = ax.child_axes
    assert "achieved" in top.get_xlabel()


@pytest.mark.parametrize("column", ["val_f1", "val_auc"])
def test_fig4_absolute_metrics_stay_in_zero_one(column):
    curves = fig4.sparsity_curves(spread_table(PAPER_LEVELS), column, PAPER_LEVELS)
    assert curves["min"].min() >= 0 and curves["max"].max() <= 1


# --------------------------------------------------------------------------- one strategy: prune and its mask


@pytest.mark.parametrize("scope", pruning_tables.SCOPES)
def test_one_shot_is_prune_with_one_level_and_a_later_level_keeps_what_is_pruned(scope):
    model = random_mlp(6)
    mask = pruning.prune(model, None, 80, scope)
    assert isinstance(mask, pruning.Mask) and list(mask) == list(pruning.PRUNED_LAYERS)
    assert all(set(m.unique().tolist()) <= {0.0, 1.0} for m in mask.values())
    one_shot = pruning.prune_copy(model, 80, scope)
    for name in pruning.PRUNED_LAYERS:
        assert torch.equal(mask[name] == 0, getattr(one_shot, name).weight == 0)
    # The same rule from a state_dict (IMP's rounds), and a second round from the first's mask.
    state = model.state_dict()
    assert all(torch.equal(mask[n], m) for n, m in pruning.prune(state, None, 80, scope).items())
    further = pruning.prune(state, mask, 95, scope)
    assert all(bool((further[n][mask[n] == 0] == 0).all()) for n in mask)
    assert sum(further.pruned().values()) == (pruning.n_to_prune(95, 6 * N_INPUTS + 6) if scope == "global" else
                                              pruning.n_to_prune(95, 6 * N_INPUTS) + pruning.n_to_prune(95, 6))


@pytest.mark.parametrize("scope", pruning_tables.SCOPES)
def test_layers_to_ignore_keeps_that_layer_whole_and_prunes_the_other_at_the_level(scope):
    model = random_mlp(8)
    pruned = pruning.prune_copy(model, 95, scope, layers_to_ignore=("output",))
    assert torch.equal(pruned.output.weight, model.output.weight)  # every output weight kept
    assert int((pruned.output.weight == 0).sum()) == 0
    # The level applies to the other layer alone, whichever the scope.
    assert int((pruned.hidden.weight == 0).sum()) == pruning.n_to_prune(95, 8 * N_INPUTS)
    # Without the option, per-layer pruning empties 8 of the 8 output weights at 95%.
    assert int((pruning.prune_copy(model, 95, "layer").output.weight == 0).sum()) == pruning.n_to_prune(95, 8) == 8
    # The random null removes as many weights per layer: none of the ignored layer's.
    null = pruning.random_prune_copy(
        model, pruning.prune(model, None, 95, scope, layers_to_ignore=("output",)).pruned(), [3])
    assert pruning.weight_sparsity(null)["zeros_output"] == 0
    assert pruning.weight_sparsity(null)["zeros_hidden"] == pruning.n_to_prune(95, 8 * N_INPUTS)


def test_layers_to_ignore_of_a_cnn_and_unknown_names_are_refused():
    from lowcap.core.cnn import CNN

    torch.manual_seed(0)
    model = CNN(2)
    pruned = pruning.prune_copy(model, 90, "global", layers_to_ignore=("output",))
    assert torch.equal(pruned.output.weight, model.output.weight)
    assert int((pruned.conv.weight == 0).sum()) == pruning.n_to_prune(90, 18)
    with pytest.raises(ValueError, match=r"layers_to_ignore \['hidden'\].*\['conv', 'output'\]"):
        pruning.prune(model, None, 50, "layer", ("hidden",))
    with pytest.raises(ValueError, match=r"some, not all"):
        pruning.prune(random_mlp(2), None, 50, "layer", ("hidden", "output"))


def test_a_scheme_option_layers_to_ignore_is_checked_against_the_architecture():
    from pathlib import Path

    from lowcap.core.settings import ConfigError, load_settings, read_yaml

    repo = Path(__file__).resolve().parents[1]
    config = read_yaml(repo / "config.yaml")
    config["pruning"]["schemes"]["output-kept"] = {"levels": [95], "scope": "layer", "layers_to_ignore": ["output"]}
    settings = load_settings(config, repo / "workflow" / "schemas" / "config.schema.yaml", check_data=False)
    assert settings.study("released").scheme("output-kept").layers_to_ignore == ("output",)
    assert settings.study("released").scheme("per-layer").layers_to_ignore == ()  # the default: none
    config["pruning"]["schemes"]["output-kept"]["layers_to_ignore"] = ["outputs"]
    with pytest.raises(ConfigError, match=r"config key 'pruning\.schemes\.output-kept\.layers_to_ignore' is "
                                          r"\['outputs'\]; allowed: .*\['hidden', 'output'\]"):
        load_settings(config, repo / "workflow" / "schemas" / "config.schema.yaml", check_data=False)


def test_a_cnn_studys_dead_neuron_text_names_channels(tmp_path):
    table = long_table({(w, s): [0.9, 0.9, 0.9] for w in (1, 2) for s in (0, 1)}).assign(
        **{m: 0.9 for m in pruning_tables.TABLE_METRICS})
    table.to_csv(tmp_path / "4-9.csv", index=False)
    for architecture, unit, other in (("cnn", "channels", "hidden units"), ("mlp", "hidden units", "channels")):
        md = tmp_path / f"{architecture}.md"
        dead_neurons_table([str(tmp_path / "4-9.csv")], 95, [], ["4-9"], str(tmp_path / "dn.csv"), str(md),
                           architecture=architecture)
        text = md.read_text()
        assert f"Dead {unit} (" in text and other not in text, architecture
