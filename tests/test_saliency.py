"""Saliency maps (paper Fig. 8): both methods against a linear model's known saliency, the
vectorised epsilon method against one forward pass per pixel, and the deterministic case choice."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from lowcap import saliency
from lowcap.model import MLP, init_params

D = 28 * 28


class LogisticModel(nn.Module):
    """logit = v . x + c: the probability's true saliency is known in closed form."""

    def __init__(self, v: torch.Tensor, c: float):
        super().__init__()
        self.v = nn.Parameter(v.clone())
        self.c = c

    def forward(self, x):
        return x @ self.v + self.c


@pytest.fixture
def linear_case():
    g = torch.Generator().manual_seed(0)
    v = torch.randn(D, generator=g, dtype=torch.float64) * 0.05
    x = torch.rand(3, D, generator=g, dtype=torch.float64)
    return LogisticModel(v, -0.3), v, x


def test_both_methods_recover_a_linear_models_saliency(linear_case):
    model, v, x = linear_case
    eps = 0.01
    p = torch.sigmoid(x @ v - 0.3)[:, None]
    true_gradient = (p * (1 - p) * v).abs()  # |dp/dx_i| = p (1 - p) |v_i|
    # |p(x + eps e_i) - p(x)| = |sigmoid(z + eps v_i) - sigmoid(z)| with z = v . x + c
    true_epsilon = torch.stack([(torch.sigmoid(z + eps * v) - torch.sigmoid(z)).abs() for z in x @ v - 0.3])
    maps = saliency.saliency_maps(model, x, eps)
    assert maps["gradient"].shape == (3, 28, 28)
    np.testing.assert_allclose(maps["gradient"].reshape(3, D), true_gradient.numpy(), rtol=1e-10)
    np.testing.assert_allclose(maps["epsilon"].reshape(3, D), true_epsilon.numpy(), rtol=1e-9, atol=1e-15)
    # The most salient pixel is the one with the largest |v_i|, by both methods.
    assert (maps["epsilon"].reshape(3, D).argmax(1) == int(v.abs().argmax())).all()
    # For small eps the paper's saliency is eps times the gradient's.
    np.testing.assert_allclose(maps["epsilon"], eps * maps["gradient"], rtol=0.02, atol=1e-12)


def test_epsilon_saliency_equals_one_forward_pass_per_pixel():
    model = MLP(6)
    model.load_state_dict(init_params(6, 3, "normal", 0.1))
    model.double()
    x = torch.rand(2, D, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    fast = saliency.epsilon_saliency(model, x, 0.05)
    with torch.no_grad():
        base = torch.sigmoid(model(x))
        for i in (0, 100, 405, 783):
            raised = x.clone()
            raised[:, i] += 0.05
            assert torch.allclose(fast[:, i], (torch.sigmoid(model(raised)) - base).abs(), rtol=1e-12, atol=0)


def test_pick_cases_is_deterministic_in_validation_order():
    prob = np.array([0.9, 0.2, 0.8, 0.1, 0.7])
    y = np.array([0, 0, 1, 1, 1])
    cases = saliency.pick_cases(prob, y, (4, 9))
    assert cases == [{"case": "correct 4", "val_index": 1}, {"case": "correct 9", "val_index": 2},
                     {"case": "misclassified", "val_index": 0}]
    assert [c["case"] for c in saliency.pick_cases(np.array([0.1, 0.9]), np.array([0, 1]), (4, 9))] == \
        ["correct 4", "correct 9"]


def test_fig8_cases_rows_and_rank_correlations(tmp_path):
    model = MLP(8)
    model.load_state_dict(init_params(8, 0, "normal", 0.1))
    rng = np.random.default_rng(0)
    x = rng.random((40, D), dtype=np.float32)
    y = (rng.random(40) < 0.5).astype(np.float32)
    # "Pruned" = the same model: every dense-vs-pruned rank correlation must be exactly 1.
    table, maps = saliency.fig8_cases(model, model, x, y, (4, 9), 0.01)
    assert list(table["model"]) == ["dense"] * (len(table) - 2) + ["pruned"] * 2
    assert maps["image"].shape == (len(table), 28, 28)
    pruned = table[table.model == "pruned"]
    assert np.allclose(pruned[["spearman_dense_vs_pruned_epsilon", "spearman_dense_vs_pruned_gradient"]], 1.0)
    assert table[table.model == "dense"]["spearman_dense_vs_pruned_epsilon"].isna().all()
    assert (table["true_digit"] == np.where(y[table["val_index"]] > 0.5, 9, 4)).all()
    saliency.plot_fig8(table, maps, (4, 9), "test", tmp_path / "f.png", tmp_path / "f.pdf")
    assert (tmp_path / "f.png").stat().st_size > 0 and (tmp_path / "f.pdf").stat().st_size > 0


def test_spearman_is_a_rank_correlation():
    a = np.arange(50.0)
    assert saliency.spearman(a, a ** 3) == pytest.approx(1.0)
    assert saliency.spearman(a, -np.exp(a / 10)) == pytest.approx(-1.0)


def test_one_surviving_output_unit_gives_the_same_map_for_every_input_it_is_active_on(tmp_path):
    """Fig. 8's pruned maps: with one output weight left and its unit active, dp/dx =
    p(1-p) w_out[j] W[j, :] for every input, so the maps differ only by the factor p(1-p)."""
    from lowcap import pruning

    model = MLP(24)
    model.load_state_dict(init_params(24, 0, "normal", 0.1))
    rng = np.random.default_rng(0)
    x = rng.random((40, D), dtype=np.float32)
    with torch.no_grad():
        model.hidden.bias[5] = 2.0  # unit 5 is active for every input
        model.output.weight[0, 5] = 1.0  # and has the largest output weight: it survives pruning
        model.output.bias[0] -= model(torch.as_tensor(x)).median()  # both classes predicted
        y = (torch.sigmoid(model(torch.as_tensor(x))) > 0.5).numpy().astype(np.float32)
    y[-5:] = 1 - y[-5:]  # some misclassified
    pruned = pruning.prune_copy(model, 95, "layer")
    assert int((pruned.output.weight != 0).sum()) == round(0.05 * 24) == 1
    table, maps = saliency.fig8_cases(model, pruned, x, y, (4, 9), 0.01)
    rows = table[table.model == "pruned"]
    assert len(rows) == 2
    assert (rows["output_weights_left"] == 1).all() and (rows["active_units_with_output_weight"] == 1).all()
    assert (rows["active_unit_ids_with_output_weight"] == "5").all()
    for method in saliency.METHODS:
        assert saliency.proportional(maps[method][rows.index.to_numpy()], rtol=1e-3), method
    # The closed form: p(1-p) |w_out[5]| |W[5, :]|.
    i = rows.index[0]
    p = rows.loc[i, "prob_higher_digit"]
    expected = p * (1 - p) * abs(float(pruned.output.weight[0, 5].detach())) * pruned.hidden.weight[5].detach().abs().numpy()
    assert np.allclose(maps["gradient"][i].ravel(), expected, rtol=1e-5)
    dense_rows = table[table.model == "dense"].index.to_numpy()
    assert not saliency.proportional(maps["gradient"][dense_rows])
    note = saliency.explanation(table, maps)
    assert "Pruned maps: the same map scaled by p(1−p)" in note and "unit 5" in note
    assert "Dense maps" not in note
    saliency.plot_fig8(table, maps, (4, 9), "test", tmp_path / "f.png", tmp_path / "f.pdf")


def test_proportional():
    a = np.arange(1.0, 10.0)
    assert saliency.proportional(np.stack([a, 3 * a]))
    assert not saliency.proportional(np.stack([a, a[::-1]]))
    assert not saliency.proportional(np.stack([a, 0 * a]))  # an all-zero map is not the same picture
    assert not saliency.proportional(a[None])
