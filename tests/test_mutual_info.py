"""Per-unit mutual information with the label (lowcap.analyses.mutual_info): the estimator on cases of known
MI, the specialization numbers, the unit and network tables on a hand-built MLP, and the figure.

Tolerance of the known-MI cases: 0.03 nats at n = 5000. Over 20 draws of each case below the
estimator's error had a mean within 0.005 nats of the truth and a standard deviation of at most
0.008 nats (largest error seen: 0.018), so 0.03 is about 3.5 standard deviations; a systematic
bias of that size fails. The draws are seeded, so each test is deterministic.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from lowcap.analyses import mutual_info as mi_mod
from lowcap.analyses import mutual_info_tables as mi_tables
from lowcap.figures import mutual_info as figures

LN2 = np.log(2)
N = 5000
TOL = 0.03  # nats; see the docstring above


def draws(seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng, rng.integers(0, 2, N), rng.random(N)


def test_disjoint_supports_carry_the_whole_label():
    # X = U + Y, U ~ U(0,1): X < 1 iff Y = 0, so X determines Y: I = H(Y) = ln 2.
    _, y, u = draws()
    assert mi_mod.unit_mi((u + y)[:, None], y)[0] == pytest.approx(LN2, abs=TOL)


def test_half_overlapping_supports_carry_half():
    # X = U + Y/2. X|Y=0 ~ U(0,1), X|Y=1 ~ U(0.5,1.5): h(X|Y) = ln 1 = 0. X has density 1/2 on
    # [0,0.5) and [1,1.5], 1 on [0.5,1): h(X) = -(0.25 ln 0.5 + 0.5 ln 1 + 0.25 ln 0.5) = 0.5 ln 2.
    # I = h(X) - h(X|Y) = 0.5 ln 2 (equivalently: half the mass is where the supports don't overlap).
    _, y, u = draws(1)
    assert mi_mod.unit_mi((u + 0.5 * y)[:, None], y)[0] == pytest.approx(0.5 * LN2, abs=TOL)


def test_independent_unit_carries_nothing_and_a_constant_unit_exactly_nothing():
    rng, y, _ = draws(2)
    acts = np.stack([rng.random(N), np.zeros(N), np.full(N, 3.5)], axis=1)
    mi = mi_mod.unit_mi(acts, y)
    assert 0 <= mi[0] < TOL
    assert mi[1] == 0.0 and mi[2] == 0.0  # exactly: enforced, not estimated


def test_relu_point_mass_on_one_class():
    # X = Y * U: exactly 0 (a tie of ~2500 points) when Y = 0, continuous when Y = 1. X > 0 iff
    # Y = 1 (almost surely), so I = ln 2: the estimator must not lose the atom's information.
    _, y, u = draws(3)
    assert mi_mod.unit_mi((y * u)[:, None], y)[0] == pytest.approx(LN2, abs=TOL)


def gaussian_mi(mu: float) -> float:
    """I(X; Y) for Y ~ Bernoulli(1/2), X|Y ~ N(+-mu, 1): h(X) - h(X|Y), h(X) by quadrature."""
    from scipy import integrate, stats

    def neg_f_log_f(x):
        log_f = np.logaddexp(stats.norm.logpdf(x, mu), stats.norm.logpdf(x, -mu)) + np.log(0.5)
        return -np.exp(log_f) * log_f

    h_x = integrate.quad(neg_f_log_f, -mu - 15, mu + 15)[0]
    return h_x - 0.5 * np.log(2 * np.pi * np.e)


def rectified_gaussian_mi(mu: float) -> float:
    """I(relu(Z); Y) for Z|Y ~ N(+-mu, 1): the atom at 0 (both classes) plus the continuous part."""
    from scipy import integrate, stats

    atom = np.array([stats.norm.cdf(mu), stats.norm.cdf(-mu)])  # P(X = 0 | Y = 0), P(X = 0 | Y = 1)
    total = 0.5 * (atom * np.log(atom / atom.mean())).sum()

    def density_part(x):
        logs = np.array([stats.norm.logpdf(x, -mu), stats.norm.logpdf(x, mu)])
        log_f = np.logaddexp(*logs) + np.log(0.5)
        return 0.5 * (np.exp(logs) * (logs - log_f)).sum()

    return total + integrate.quad(density_part, 0, mu + 15)[0]


def test_gaussian_references():
    # The binary-input Gaussian channel at SNR 1 carries 0.486 bits (textbook value) = 0.337 nats.
    assert gaussian_mi(1.0) == pytest.approx(0.337, abs=1e-3)
    assert gaussian_mi(6.0) == pytest.approx(LN2, abs=1e-6)
    # The rectified one: between 0 and the unrectified MI (rectifying loses information).
    assert 0 < rectified_gaussian_mi(0.5) < gaussian_mi(0.5)


@pytest.mark.parametrize("mu", [0.5, 1.0])
def test_gaussian_classes_match_numerical_integration(mu):
    rng, y, _ = draws(4)
    z = rng.normal(size=N) + mu * (2 * y - 1)
    mi = mi_mod.unit_mi(np.stack([z, np.maximum(z, 0)], axis=1), y)
    assert mi[0] == pytest.approx(gaussian_mi(mu), abs=TOL)
    # ReLU of it: a point mass at 0 on both classes (31% and 69% of them at mu = 0.5).
    assert mi[1] == pytest.approx(rectified_gaussian_mi(mu), abs=TOL)


def test_label_entropy_clipping_and_determinism():
    y = np.array([0] * 900 + [1] * 100)
    assert mi_mod.label_entropy(y) == pytest.approx(-(0.9 * np.log(0.9) + 0.1 * np.log(0.1)))
    assert mi_mod.label_entropy(np.ones(10)) == 0.0
    rng, y, u = draws(5)
    acts = np.stack([u + y, y * u, rng.random(N)], axis=1)
    a, b = mi_mod.unit_mi(acts, y, random_state=7), mi_mod.unit_mi(acts, y, random_state=7)
    np.testing.assert_array_equal(a, b)
    assert (a >= 0).all() and (a <= mi_mod.label_entropy(y)).all()
    # Each unit's estimate depends on its own column only.
    assert mi_mod.unit_mi(acts[:, [1]], y, random_state=7)[0] == a[1]
    assert (mi_mod.unit_mi(acts, np.zeros(N)) == 0).all()  # one class: nothing to know


# --------------------------------------------------------------------------- specialization numbers


def test_specialization_index_on_hand_made_inputs():
    h = LN2
    even = mi_tables.specialization_index(np.full(4, 0.25 * h), h)
    assert even["concentration"] == pytest.approx(0.0) and even["effective_units"] == pytest.approx(4)
    assert even["mean_mi_frac"] == pytest.approx(0.25) and even["sum_mi_frac"] == pytest.approx(1.0)
    one = mi_tables.specialization_index(np.array([h, 0, 0, 0]), h)
    assert one["concentration"] == pytest.approx(1.0) and one["effective_units"] == pytest.approx(1)
    assert one["max_mi_frac"] == pytest.approx(1.0) and one["mean_mi_frac"] == pytest.approx(0.25)
    two = mi_tables.specialization_index(np.array([0.5, 0.5, 0, 0]) * h, h)
    assert two["effective_units"] == pytest.approx(2) and two["concentration"] == pytest.approx(2 / 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dead = mi_tables.specialization_index(np.zeros(3), h)
        single = mi_tables.specialization_index(np.array([0.3]), h)
    assert dead["mean_mi_frac"] == 0 and dead["effective_units"] == 0 and np.isnan(dead["concentration"])
    assert np.isnan(single["concentration"]) and single["effective_units"] == pytest.approx(1)


def test_kept_auc():
    assert mi_tables.kept_auc([0.6, 0.5], [0.1, 0.0]) == 1.0
    assert mi_tables.kept_auc([0.1], [0.6, 0.1]) == pytest.approx(0.25)  # one loss, one tie
    assert np.isnan(mi_tables.kept_auc([], [0.1]))


# --------------------------------------------------------------------------- a hand-built network


def hand_built(n: int = 3000, seed: int = 0):
    """A width-4 MLP on synthetic 784-pixel inputs, where we know what each unit sees:
    unit 0 reads 10 pixels that are brighter for class 1 (informative), unit 1 pixels a little
    brighter (weakly informative), unit 2 pure noise, unit 3 has a bias so negative it is dead.
    The small weights elsewhere have a scale per unit, so magnitude pruning keeps most of unit 0's
    incoming weights and least of unit 3's; the output weights decrease from unit 0 to unit 3."""
    import torch

    from lowcap.core.model import MLP

    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.random((n, 784)).astype(np.float32) * 0.1
    x[:, 0:10] += 0.5 * y[:, None]
    x[:, 10:20] += rng.random((n, 10)) + 0.1 * y[:, None]
    x[:, 20:40] += rng.random((n, 20))
    w1 = rng.normal(size=(4, 784)) * np.array([0.02, 0.01, 0.005, 0.001])[:, None]
    for unit, cols in enumerate([slice(0, 10), slice(10, 20), slice(20, 30), slice(30, 40)]):
        w1[unit, cols] = 1.0
    model = MLP(4)
    with torch.no_grad():
        model.hidden.weight.copy_(torch.tensor(w1))
        model.hidden.bias.copy_(torch.tensor([0.0, 0.0, 0.0, -1000.0]))
        model.output.weight.copy_(torch.tensor([[2.0, -1.0, 0.5, 0.01]]))
    meta = SimpleNamespace(pair="4-9", width=4, seed=seed)
    return SimpleNamespace(model=model, meta=meta, x_val=x, y_val=y.astype(np.float32))


@pytest.mark.parametrize("scope", ["layer", "global"])
def test_unit_table_on_a_hand_built_network(scope):
    import torch

    from lowcap.analyses.pruning import prune_copy, weight_sparsity

    item = hand_built()
    units = mi_mod.network_unit_table([item], sparsity=50, scope=scope)
    assert len(units) == 4 and list(units["unit"]) == [0, 1, 2, 3]
    mi = units["mi"].to_numpy()
    assert mi[0] == pytest.approx(LN2, abs=TOL)  # separated classes
    assert mi[0] > mi[1] + 0.05 and mi[1] > mi[2] + 0.02 and mi[2] < TOL
    assert mi[3] == 0.0 and list(units["dead"]) == [False, False, False, True]
    np.testing.assert_allclose(units["mi_frac"], mi / mi_mod.label_entropy(item.y_val))

    acts = item.model.hidden_activations(torch.as_tensor(item.x_val)).detach().numpy()
    np.testing.assert_allclose(units["mean_activation"], acts.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(units["output_weight_abs"], [2.0, 1.0, 0.5, 0.01])
    assert list(units["magnitude_rank"]) == [1, 2, 3, 4]
    # Survival columns are exactly what prune_copy does.
    pruned = prune_copy(item.model, 50, scope)
    np.testing.assert_array_equal(units["output_weight_kept"], (pruned.output.weight[0] != 0).numpy())
    np.testing.assert_allclose(units["incoming_kept_frac"], (pruned.hidden.weight != 0).double().mean(1).numpy())
    assert units["achieved_sparsity"].iloc[0] == pytest.approx(weight_sparsity(pruned)["sparsity_total"])
    assert (units["requested_sparsity"] == 50).all() and (units["scope"] == scope).all()
    kept_frac = units["incoming_kept_frac"].to_numpy()
    assert kept_frac[0] > kept_frac[1] > kept_frac[2] > kept_frac[3]
    if scope == "layer":  # round(0.5 * 4) = 2 output weights go: the two smallest
        assert list(units["output_weight_kept"]) == [True, True, False, False]

    (summary,) = mi_tables.network_summary(units).to_dict("records")
    assert summary["dead_units"] == 1 and summary["max_mi_frac"] == pytest.approx(units["mi_frac"].max())
    if scope == "layer":
        assert summary["auc_kept_vs_pruned"] == 1.0  # the two informative units are the kept ones
        assert summary["mi_kept_mean"] == pytest.approx(mi[:2].mean())
        assert summary["mi_pruned_mean"] == pytest.approx(mi[2:].mean())
    assert summary["spearman_mi_incoming_kept"] > 0.7  # MI ranks 0 > 1 > 2 >= 3, as the kept shares
    # MI falls with |output weight| (2, 1, 0.5, 0.01), the order magnitude pruning cuts units off
    # (units 2 and 3 may tie at MI 0: 0.95 then).
    from scipy.stats import spearmanr

    assert summary["spearman_mi_output_weight"] == pytest.approx(spearmanr(mi, [2.0, 1.0, 0.5, 0.01]).statistic)
    assert summary["spearman_mi_output_weight"] > 0.9


def test_output_weight_rho_is_defined_at_every_width_and_scipys():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    rows = []
    for width in (2, 3, 7):
        for seed in (0, 1):
            w, mi = rng.random(width), rng.random(width)
            rows += [{"pair": "4-9", "width": width, "seed": seed, "unit": j, "scope": "layer",
                      "requested_sparsity": 95.0, "achieved_sparsity": 95.0, "label_entropy": LN2, "mi": mi[j],
                      "dead": False, "output_weight_abs": w[j], "output_weight_kept": False,
                      "incoming_kept_frac": 0.05} for j in range(width)]
    units = pd.DataFrame(rows)
    summary = mi_tables.network_summary(units)
    assert summary["spearman_mi_output_weight"].notna().all()  # the AUC is NaN on all of them
    assert summary["auc_kept_vs_pruned"].isna().all()
    for row in summary.itertuples():
        g = units[(units["width"] == row.width) & (units["seed"] == row.seed)]
        expected = spearmanr(g["mi"], g["output_weight_abs"]).statistic
        assert row.spearman_mi_output_weight == pytest.approx(expected, abs=1e-12)
        if row.width == 2:
            assert abs(row.spearman_mi_output_weight) == pytest.approx(1.0)  # do the two orders agree


def test_summary_undefined_cases_are_nan_without_warnings():
    units = pd.DataFrame({
        "pair": "0-1", "width": 3, "seed": 0, "unit": [0, 1, 2], "scope": "layer", "requested_sparsity": 95.0,
        "achieved_sparsity": 95.0, "label_entropy": LN2, "mi": [0.0, 0.0, 0.0], "dead": [True, True, True],
        "output_weight_kept": [True, True, True], "incoming_kept_frac": [0.05, 0.05, 0.05],
        "output_weight_abs": [0.3, 0.2, 0.1],
    })
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (row,) = mi_tables.network_summary(units).to_dict("records")
    assert np.isnan(row["spearman_mi_incoming_kept"]) and np.isnan(row["auc_kept_vs_pruned"])
    assert np.isnan(row["spearman_mi_output_weight"])  # every unit has MI 0: no ranking
    assert np.isnan(row["mi_pruned_mean"]) and row["mi_kept_mean"] == 0 and row["dead_units"] == 3
    assert np.isnan(row["concentration"]) and row["mean_mi_frac"] == 0


# --------------------------------------------------------------------------- figure


def fake_summary() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for pair in ["0-1", "4-9"]:
        for width in [2, 8, 64]:
            for seed in [0, 42, 78]:
                rows.append({"pair": pair, "width": width, "seed": seed, "scope": "layer",
                             "requested_sparsity": 95.0, "mean_mi_frac": rng.uniform(0.2, 0.9),
                             "concentration": rng.uniform(0, 1),
                             "spearman_mi_output_weight": rng.uniform(-0.5, 1.0),
                             "auc_kept_vs_pruned": np.nan if width == 2 else rng.uniform(0.3, 1.0)})
    return pd.DataFrame(rows)


def test_figure_table_and_plot(drawn):
    summary = fake_summary()
    curves = figures.figure_table(summary, ["4-9", "0-1"])
    assert list(curves["quantity"].unique()) == list(figures.PANELS)
    assert list(curves["pair"].unique()) == ["4-9", "0-1"]  # in the order asked
    auc = curves[curves["quantity"] == "auc_kept_vs_pruned"]
    assert (auc.loc[auc["width"] == 2, "n_seeds"] == 0).all() and auc.loc[auc["width"] == 2, "mean"].isna().all()
    g = summary.groupby(["pair", "width"])["mean_mi_frac"]
    row = curves[(curves["quantity"] == "mean_mi_frac") & (curves["pair"] == "0-1") & (curves["width"] == 8)]
    assert row["mean"].iloc[0] == pytest.approx(g.mean()[("0-1", 8)])
    assert row["max"].iloc[0] == pytest.approx(g.max()[("0-1", 8)])

    figures.plot_mi(curves, "unused.png", "unused.pdf")
    (fig,) = drawn
    axes = fig.axes
    assert len(axes) == 4
    for ax, (quantity, panel) in zip(axes, figures.PANELS.items()):
        lo, hi = ax.get_ylim()
        c = curves[curves["quantity"] == quantity]
        assert lo < c["min"].min() and c["max"].max() < hi  # every whisker inside the axes, none on the frame
        data_lines = [line for line in ax.get_lines() if len(line.get_xdata()) == 3]
        assert len(data_lines) == 2  # one line per pair
    assert axes[2].get_ylim()[0] < 0  # a correlation below 0 is drawn, not clipped at 0
    assert any(np.allclose(line.get_ydata(), 0.0) for line in axes[2].get_lines())  # the 0 reference
    assert any(np.allclose(line.get_ydata(), 0.5) for line in axes[3].get_lines())  # the 0.5 reference


def test_plot_mi_shows_whiskers_at_the_bound_names_its_study_and_notes_empty_widths(drawn):
    summary = fake_summary()
    summary.loc[summary["width"] == 8, "concentration"] = 1.0  # a whisker at the quantity's bound
    curves = figures.figure_table(summary, ["0-1", "4-9"])
    figures.plot_mi(curves, "unused.png", "unused.pdf", labels={"study": "explicit", "architecture": "mlp"})
    (fig,) = drawn
    axes = fig.axes
    assert axes[1].get_ylim()[1] > 1.0  # the whisker ending at 1.0 is not clipped by the frame
    assert fig._suptitle.get_text().startswith("explicit: ")
    # Panel (d) has no value at width 2 (no kept/pruned split there) and says so; the others have no note.
    notes = [[t.get_text() for t in ax.texts] for ax in axes]
    assert notes[:3] == [[], [], []] and len(notes[3]) == 1 and "H = 2:" in notes[3][0]
    # Every x label stays within its panel's width (the level's description used to run past it).
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in axes:
        label, frame = ax.xaxis.label.get_window_extent(renderer), ax.get_window_extent(renderer)
        assert frame.x0 - 1 <= label.x0 and label.x1 <= frame.x1 + 1, ax.get_xlabel()


def test_plot_mi_names_a_cnn_study_capacity_as_channels(drawn):
    curves = figures.figure_table(fake_summary(), ["0-1"])
    figures.plot_mi(curves, "unused.png", "unused.pdf", labels={"study": "explicit-cnn", "architecture": "cnn"})
    (fig,) = drawn
    assert all(ax.get_xlabel().startswith("channels C") for ax in fig.axes)
    assert "C = 2:" in fig.axes[3].texts[0].get_text()
