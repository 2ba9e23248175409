"""Saliency maps (paper Fig. 8): both methods against a linear model's known saliency, the
vectorised epsilon method against one forward pass per pixel, and the deterministic case choice."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from lowcap.analyses import saliency
from lowcap.figures import saliency as figures
from lowcap.core.model import MLP, init_params

D = 28 * 28
U64 = 2.0 ** -53  # unit roundoff of float64


def gamma(n: int) -> float:
    """Higham's gamma_n: a float64 dot product of n terms, summed in any order, is within
    gamma_n * sum(|a_i b_i|) of the exact value. Two machines (or two matmul shapes) may sum in
    different orders, so two computations of one logit can differ by twice that."""
    return n * U64 / (1 - n * U64)


def mlp_logit_error(model: MLP, x: torch.Tensor) -> torch.Tensor:
    """Bound on the float64 rounding error of model(x), per row of x (ReLU is 1-Lipschitz)."""
    w1, b1 = model.hidden.weight.abs(), model.hidden.bias.abs()
    w2, b2 = model.output.weight.abs()[0], model.output.bias.abs()
    with torch.no_grad():
        hidden_error = gamma(D + 1) * (x.abs() @ w1.T + b1)  # (k, H)
        h = torch.relu(model.hidden(x)).abs()
        return hidden_error @ w2 + gamma(len(w2) + 1) * (h @ w2 + b2)


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
    # Both sides are p(1-p)|v_i| in float64, with p from a 784-term dot product: the logit is good
    # to gamma_785 * sum|x v| ~ 1.4e-12 absolute, so p(1-p) (|d/dz| <= 0.1, value ~0.2) to ~1e-12
    # relative; rtol 1e-10 leaves a factor ~100.
    np.testing.assert_allclose(maps["gradient"].reshape(3, D), true_gradient.numpy(), rtol=1e-10)
    # |sigmoid(z + eps v_i) - sigmoid(z)| is a difference of two numbers near 0.4, as small as 1e-7
    # here: its error is absolute, not relative. saliency computes each raised logit with its own
    # 784-term sum, the reference adds eps v_i to one shared logit, so the two differ by up to
    # 2 gamma_785 sum|x v| in z, times sigmoid' <= 1/4 (~7e-13 here), plus a few ulps of p.
    atol = 0.25 * 2 * gamma(D + 1) * float((x.abs() @ v.abs()).max() + eps * v.abs().max()) + 4 * U64
    np.testing.assert_allclose(maps["epsilon"].reshape(3, D), true_epsilon.numpy(), rtol=0, atol=atol)
    # The most salient pixel is the one with the largest |v_i|, by both methods.
    assert (maps["epsilon"].reshape(3, D).argmax(1) == int(v.abs().argmax())).all()
    # For small eps the paper's saliency is eps times the gradient's: not rounding but Taylor's
    # remainder, relative eps |v_i| |1 - 2p| / 2 <= 0.01 * 0.16 / 2 = 8e-4 here (v ~ N(0, 0.05^2));
    # rtol 0.02 is that with room. atol: the float64 error of the epsilon map (above).
    np.testing.assert_allclose(maps["epsilon"], eps * maps["gradient"], rtol=0.02, atol=1e-12)


def test_epsilon_saliency_equals_one_forward_pass_per_pixel():
    model = MLP(6)
    model.load_state_dict(init_params(6, 3, "normal", 0.1))
    model.double()
    x = torch.rand(2, D, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    fast = saliency.epsilon_saliency(model, x, 0.05)
    # The values are differences of two sigmoids near 0.4, about 3e-5 (down to 1e-8 for pixels
    # with small weights), so their rounding error is absolute: each logit is one float64 forward
    # pass, the batched (k * 784, 784) matmul summing in another order than the 2-row one
    # (differently again on other BLAS builds and core counts). Each side's logit is within
    # mlp_logit_error (~6e-13 here) of exact; sigmoid' <= 1/4; plus a few ulps of p.
    with torch.no_grad():
        base = torch.sigmoid(model(x))
        for i in (0, 100, 405, 783):
            raised = x.clone()
            raised[:, i] += 0.05
            atol = 0.25 * (mlp_logit_error(model, raised) + mlp_logit_error(model, x)) + 4 * U64
            difference = (fast[:, i] - (torch.sigmoid(model(raised)) - base).abs()).abs()
            assert (difference <= atol).all(), (i, difference, atol)
            assert (atol < 1e-3 * fast[:, i]).all()  # the bound is far below the values checked


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
    # Identical maps have identical ranks: rho is 1 up to the float64 rounding of the correlation
    # of 784 ranks (~1e-15). np.allclose's defaults (1e-5 + 1e-8) would pass one swapped pair of
    # neighbouring ranks (12 / (784^3 - 784) ~ 2.5e-8 off); 1e-12 does not.
    assert np.allclose(pruned[["spearman_dense_vs_pruned_epsilon", "spearman_dense_vs_pruned_gradient"]], 1.0,
                       rtol=0, atol=1e-12)
    assert table[table.model == "dense"]["spearman_dense_vs_pruned_epsilon"].isna().all()
    assert (table["true_digit"] == np.where(y[table["val_index"]] > 0.5, 9, 4)).all()
    figures.plot_fig8(table, maps, (4, 9), "test", tmp_path / "f.png", tmp_path / "f.pdf")
    assert (tmp_path / "f.png").stat().st_size > 0 and (tmp_path / "f.pdf").stat().st_size > 0


def test_spearman_is_a_rank_correlation():
    a = np.arange(50.0)
    # Monotone transforms keep the ranks exactly; 1e-12 absorbs only float64 rounding of the
    # correlation formula on 50 ranks (~1e-15), while one swapped pair would cost 6 / (50^3 - 50).
    assert saliency.spearman(a, a ** 3) == pytest.approx(1.0, abs=1e-12)
    assert saliency.spearman(a, -np.exp(a / 10)) == pytest.approx(-1.0, abs=1e-12)


def test_one_surviving_output_unit_gives_the_same_map_for_every_input_it_is_active_on(tmp_path):
    """Fig. 8's pruned maps: with one output weight left and its unit active, dp/dx =
    p(1-p) w_out[j] W[j, :] for every input, so the maps differ only by the factor p(1-p)."""
    from lowcap.analyses import pruning

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
    # Not rounding (float64: the gradient maps are proportional to ~1e-16) but the epsilon
    # method's second-order Taylor term, eps * W[5, i] * (1 - 2p) / 2 relative, which differs
    # between the two inputs' p: after scaling by each map's peak, at most
    # eps * max|W[5, i] - W[5, peak]| * |p1 - p2| = 0.01 * 0.7 * 0.1 = 7e-4 (5e-4 measured).
    for method in saliency.METHODS:
        assert figures.proportional(maps[method][rows.index.to_numpy()], rtol=1e-3), method
    # The closed form: p(1-p) |w_out[5]| |W[5, :]|. The table's p is the float32 model's
    # (~6e-8 relative, so ~1e-7 in p(1-p)); the map is float64: rtol 1e-5 leaves room, and
    # np.allclose's default atol 1e-8 covers the pixels whose weight was pruned to 0.
    i = rows.index[0]
    p = rows.loc[i, "prob_higher_digit"]
    expected = p * (1 - p) * abs(float(pruned.output.weight[0, 5].detach())) * pruned.hidden.weight[5].detach().abs().numpy()
    assert np.allclose(maps["gradient"][i].ravel(), expected, rtol=1e-5)
    dense_rows = table[table.model == "dense"].index.to_numpy()
    assert not figures.proportional(maps["gradient"][dense_rows])
    note = figures.explanation(table, maps)
    assert "Pruned maps: the same map scaled by p(1−p)" in note and "unit 5" in note
    assert "Dense maps" not in note
    figures.plot_fig8(table, maps, (4, 9), "test", tmp_path / "f.png", tmp_path / "f.pdf")


def test_proportional():
    a = np.arange(1.0, 10.0)
    assert figures.proportional(np.stack([a, 3 * a]))
    assert not figures.proportional(np.stack([a, a[::-1]]))
    assert not figures.proportional(np.stack([a, 0 * a]))  # an all-zero map is not the same picture
    assert not figures.proportional(a[None])


def test_the_figure_and_the_maps_jobs_do_not_share_code_that_draws_or_computes():
    """An edit to the figure reruns the figure job only; the figure job runs without torch."""
    import subprocess
    import sys

    from lowcap.core import provenance

    assert "lowcap.figures.saliency" not in provenance.module_closure("lowcap.jobs.saliency")
    assert "lowcap.analyses.saliency" not in provenance.module_closure("lowcap.jobs.saliency_figures")
    code = "import sys, lowcap.jobs.saliency_figures; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def small_mlps(widths=(1, 3, 8)) -> list:
    """float64 MLPs whose hidden bias keeps every unit active on images in [0, 1] (no all-zero maps)."""
    models = []
    for width in widths:
        model = MLP(width)
        model.load_state_dict({**init_params(width, width, "normal", 0.1), "hidden.bias": torch.full((width,), 5.0)})
        models.append(saliency.float64_copy(model))
    return models


def test_shared_saliency_maps_are_saliency_maps_per_model_and_chunk_bit_for_bit():
    """The saliency-shift job's maps: each image's raised copies (784 rows) built once for every
    model give exactly the numbers of one saliency_maps call per model and chunk of `batch` images
    (MKL: a row of a product with that many rows does not depend on the rows computed with it)."""
    models = small_mlps()
    x = torch.rand(5, D, generator=torch.Generator().manual_seed(2))
    shared = saliency.shared_saliency_maps(models, x, 0.01, batch=2)  # chunks of 2, 2 and 1 images
    for model, maps in zip(models, shared):
        alone = [saliency.saliency_maps(model, x[i:i + 2], 0.01) for i in range(0, 5, 2)]
        for method in saliency.METHODS:
            assert np.array_equal(maps[method], np.concatenate([a[method] for a in alone])), method

