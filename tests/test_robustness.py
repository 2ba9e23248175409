"""Seeded corruptions (paper Fig. 6, 7, D.1): determinism, exact patch geometry, equality with
torchvision.transforms.v2, and paired evaluation across widths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torchvision.transforms.v2 import functional as TF

from lowcap.analyses import robustness
from lowcap.figures import robustness as figures
from lowcap.core.metrics import evaluate
from lowcap.core.model import MLP, init_params

SIDE = robustness.SIDE  # the image side, lowcap.core.architecture.SIDE


def images(n: int = 64, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, SIDE * SIDE, generator=g)


def test_same_seed_same_images_different_seeds_differ():
    x = images()
    for corrupt in (lambda s: robustness.gaussian_noise(x, 0.3, s), lambda s: robustness.occlude(x, 7, s)):
        assert torch.equal(corrupt(42), corrupt(42))
        assert not torch.equal(corrupt(42), corrupt(43))
        assert not torch.equal(corrupt(42), x)


def test_sigma_zero_is_the_clean_image_and_noise_stays_in_range():
    x = images()
    assert torch.equal(robustness.gaussian_noise(x, 0.0, 7), x)
    noisy = robustness.gaussian_noise(x, 0.5, 7)
    assert noisy.min() >= 0 and noisy.max() <= 1
    assert (noisy == 0).any() and (noisy == 1).any()  # clipped, not wrapped or rescaled
    # Far from the bounds nothing clips, and the noise has the asked mean and sd. Sampling, not
    # rounding: over 64 * 784 = 50176 draws the mean has sd 0.1 / 224 = 4.5e-4 and the sample sd
    # has sd 0.1 / sqrt(2 * 50176) = 3.2e-4, so 0.002 is 4.5 and 6 sd (and the seed is fixed).
    grey = torch.full_like(x, 0.5)
    diff = robustness.gaussian_noise(grey, 0.1, 7) - grey
    assert abs(float(diff.mean())) < 0.002 and abs(float(diff.std()) - 0.1) < 0.002


def test_noise_equals_torchvision_v2_gaussian_noise_with_the_same_seed():
    x = images(16)
    for sigma in (0.1, 0.3):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(5)
            expected = TF.gaussian_noise(x, mean=0.0, sigma=sigma, clip=True)
        assert torch.equal(robustness.gaussian_noise(x, sigma, 5), expected)


def test_noise_is_paired_across_sigmas():
    """One standard-normal draw per seed, scaled: where nothing clips, noise(2s) - x = 2 (noise(s) - x)."""
    x = torch.full((8, SIDE * SIDE), 0.5)
    d1 = robustness.gaussian_noise(x, 0.05, 3) - x
    d2 = robustness.gaussian_noise(x, 0.10, 3) - x
    ok = d2.abs() < 0.5
    # float32: x + sigma z near 0.5..1 is rounded to 6e-8 (an ulp there), then 0.5 is subtracted
    # exactly; so 2 d1 and d2 each carry <= ~1e-7. atol 1e-6 leaves room; unpaired draws would
    # differ by ~0.1.
    assert torch.allclose(2 * d1[ok], d2[ok], rtol=0, atol=1e-6)


@pytest.mark.parametrize("size", [7, 1, 28])
def test_occlusion_patch_is_exactly_size_by_size_zero_and_inside(size):
    n = 300
    x = images(n) * 0.9 + 0.1  # no zero pixel before occlusion
    out = robustness.occlude(x, size, seed=11).reshape(n, SIDE, SIDE)
    corners = robustness.occlusion_corners(n, size, seed=11)
    assert corners.min() >= 0 and corners.max() <= SIDE - size
    for k in range(n):
        zero = out[k] == 0
        assert zero.sum() == size * size
        rows, cols = torch.nonzero(zero, as_tuple=True)
        assert (rows.min(), cols.min()) == tuple(corners[k])
        assert rows.max() - rows.min() == size - 1 and cols.max() - cols.min() == size - 1
        # Every other pixel unchanged, and the same as torchvision's erase at that corner.
        assert torch.equal(out[k][~zero], x[k].reshape(SIDE, SIDE)[~zero])
        i, j = (int(c) for c in corners[k])
        expected = TF.erase(x[k].reshape(1, SIDE, SIDE), i, j, size, size, torch.tensor(0.0))
        assert torch.equal(out[k], expected[0])


def test_occlusion_positions_cover_the_image_uniformly():
    corners = robustness.occlusion_corners(5000, 7, seed=0)
    counts = torch.bincount(corners[:, 0], minlength=22)
    assert len(counts) == 22 and counts.min() > 150  # 22 positions, ~227 each
    assert not torch.equal(corners[:, 0], corners[:, 1])


def tiny_states(widths, seed=0):
    return [init_params(w, seed + w, "normal", 0.1) for w in widths]


def test_evaluation_is_paired_across_widths_and_clean_matches_metrics():
    rng = np.random.default_rng(0)
    x = rng.random((80, SIDE * SIDE), dtype=np.float32)
    y = (rng.random(80) < 0.5).astype(np.float32)
    sigmas = [0.1, 0.4]
    states = tiny_states([3, 5])
    both = robustness.evaluate_corruptions(states, x, y, sigmas, 7, seed=42)
    alone = robustness.evaluate_corruptions(states[:1], x, y, sigmas, 7, seed=42)
    assert len(both) == 2 * (1 + len(sigmas) + 1)
    cols = ["corruption", "sigma", "f1", "auc", "loss"]
    # One bank of two models versus one model alone: float32 logits differ by ~1e-6 between
    # matmul shapes (tests/test_model.py), and the mean BCE is 1-Lipschitz in each logit (6e-8
    # measured); F1 and AUC are piecewise constant, so equal unless a logit is within ~1e-6 of 0
    # or of another (a flip would cost >= 1/80). atol 1e-5.
    pd.testing.assert_frame_equal(both[both.width == 3][cols].reset_index(drop=True),
                                  alone[cols].reset_index(drop=True), atol=1e-5, rtol=0)
    model = MLP(5)
    model.load_state_dict(states[1])
    with torch.no_grad():
        expected = evaluate(model(torch.as_tensor(x)).unsqueeze(1), torch.as_tensor(y))
        occluded = evaluate(model(robustness.occlude(torch.as_tensor(x), 7, 42)).unsqueeze(1), torch.as_tensor(y))
    row = lambda c: both[(both.width == 5) & (both.corruption == c)].iloc[0]  # noqa: E731
    # Same reasoning as above: counts-based F1 and AUC agree up to a float64 division; the loss
    # (~0.7) to the ~1e-6 float32 logit difference of the two matmul shapes, so rel 1e-5.
    assert row("clean").f1 == pytest.approx(float(expected["f1"][0]), abs=1e-12)
    assert row("clean").loss == pytest.approx(float(expected["loss"][0]), rel=1e-5)
    assert row("occlusion").auc == pytest.approx(float(occluded["auc"][0]), abs=1e-12)


def test_example_images_are_what_the_models_saw():
    x = images(10).numpy()
    ex = robustness.example_images(x, 0.3, 7, seed=78, index=0)
    assert set(ex) == {"clean", "noise", "occlusion"} and ex["clean"].shape == (SIDE, SIDE)
    assert np.array_equal(ex["noise"].ravel(), robustness.gaussian_noise(torch.as_tensor(x), 0.3, 78)[0].numpy())
    assert (ex["occlusion"] == 0).sum() == 49
    table = figures.example_table(ex)
    assert len(table) == 3 * SIDE * SIDE


def test_summary_and_figures(tmp_path):
    rows = []
    for seed, shift in [(0, 0.0), (1, 0.1)]:
        for width in (4, 8):
            rows += [
                {"pair": "4-9", "seed": seed, "width": width, "corruption": "clean", "sigma": 0.0, "f1": 0.9 - shift, "auc": 0.95, "loss": 0.2},
                {"pair": "4-9", "seed": seed, "width": width, "corruption": "noise", "sigma": 0.3, "f1": 0.7 - shift, "auc": 0.8, "loss": 0.5},
                {"pair": "4-9", "seed": seed, "width": width, "corruption": "occlusion", "sigma": np.nan, "f1": 0.8 - shift, "auc": 0.9, "loss": 0.3},
            ]
    summ = figures.summary(pd.DataFrame(rows))
    curves = figures.noise_curves(summ)
    assert list(curves[curves.width == 4].sigma) == [0.0, 0.3]
    # Mean, min and max of two float64 values: a few ulps from exact, so 1e-12 (round() would fail
    # on a value that straddles a rounding boundary).
    np.testing.assert_allclose(curves.f1_mean, [0.85, 0.65, 0.85, 0.65], rtol=0, atol=1e-12)
    np.testing.assert_allclose(curves.f1_min, [0.8, 0.6, 0.8, 0.6], rtol=0, atol=1e-12)
    np.testing.assert_allclose(curves.f1_max, [0.9, 0.7, 0.9, 0.7], rtol=0, atol=1e-12)
    assert "f1_std" not in curves and "auc_mean" not in curves  # the CSV holds what is drawn
    bars = figures.occlusion_bars(summ)
    assert set(bars.corruption) == {"clean", "occlusion"} and (bars.n_seeds == 2).all()
    figures.plot_noise(curves, "4-9", tmp_path / "n.png", tmp_path / "n.pdf")
    figures.plot_occlusion(bars, "4-9", 7, tmp_path / "o.png", tmp_path / "o.pdf")
    assert all((tmp_path / f).stat().st_size > 0 for f in ("n.png", "n.pdf", "o.png", "o.pdf"))


def per_seed_results(widths, seeds=(0, 1, 2)) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for seed in seeds:
        for width in widths:
            clean = float(rng.uniform(0.9, 1.0))
            rows.append({"pair": "0-1", "seed": seed, "width": width, "corruption": "clean", "sigma": 0.0,
                         "f1": clean, "auc": 0.99, "loss": 0.1})
            rows.append({"pair": "0-1", "seed": seed, "width": width, "corruption": "occlusion", "sigma": np.nan,
                         "f1": clean - float(rng.uniform(0, 0.05)), "auc": 0.98, "loss": 0.2})
            for sigma in (0.1, 0.3, 0.5):
                rows.append({"pair": "0-1", "seed": seed, "width": width, "corruption": "noise", "sigma": sigma,
                             "f1": float(rng.choice([0.0, clean - sigma])), "auc": 0.9, "loss": 0.5})
    return pd.DataFrame(rows)


def test_fig7_draws_no_bars_and_stays_in_zero_one(drawn):
    """Points, not bars, on an axis zoomed to the data: a bar on a zoomed axis would not start at 0."""
    from matplotlib.patches import Rectangle

    bars = figures.occlusion_bars(figures.summary(per_seed_results([2, 8, 24])))
    assert list(bars.columns) == ["pair", "width", "corruption", "f1_mean", "f1_min", "f1_max", "n_seeds"]
    figures.plot_occlusion(bars, "0-1", 7, "o.png", "o.pdf")
    (fig,) = drawn
    ax = fig.axes[0]
    assert not [p for p in ax.patches if isinstance(p, Rectangle)]
    lo, hi = ax.get_ylim()
    assert 0 <= lo and hi <= 1.01
    if lo > 0:
        assert "does not start at 0" in ax.get_ylabel()
    # The markers are exactly the CSV's means, the whiskers its min and max. Matplotlib keeps the
    # given float64 numbers; np.allclose's defaults only absorb a float32 round trip (~6e-8).
    markers = [ln for ln in ax.get_lines() if ln.get_linestyle() == "None"]
    assert np.allclose(np.sort(np.concatenate([ln.get_ydata() for ln in markers])), np.sort(bars["f1_mean"]))
    whiskers = np.concatenate([np.concatenate([s[:, 1] for s in c.get_segments()]) for c in ax.collections])
    assert np.allclose(np.sort(whiskers), np.sort(np.concatenate([bars["f1_min"], bars["f1_max"]])))


@pytest.mark.parametrize("widths", [[2, 8], [2, 4, 6, 8, 10, 12, 16, 24, 32, 48, 64]])
def test_fig6_spread_stays_in_zero_one_and_few_widths_in_colour(drawn, widths):
    from lowcap.figures import plots

    curves = figures.noise_curves(figures.summary(per_seed_results(widths)))
    assert curves["f1_min"].min() == 0 and curves["f1_max"].max() <= 1  # a std band would go below 0
    figures.plot_noise(curves, "0-1", "n.png", "n.pdf")
    (fig,) = drawn
    ax = fig.axes[0]
    whiskers = np.concatenate([np.concatenate([s[:, 1] for s in c.get_segments()]) for c in ax.collections])
    assert whiskers.min() >= 0 and whiskers.max() <= 1
    coloured = {ln.get_label() for ln in ax.get_lines() if ln.get_color() != plots.OTHER_COLOR}
    assert coloured == {f"H = {w}" for w in plots.highlighted_widths(widths)}
    assert len(coloured) <= plots.N_HIGHLIGHTED
    # Direct labels at the line ends: every coloured width named once; lines that end at the same
    # height share one label ("H = 6, 64").
    named = [w for t in ax.texts for w in t.get_text().removeprefix("H = ").split(", ")]
    assert sorted(named, key=int) == [str(w) for w in plots.highlighted_widths(widths)]


def test_cnn_models_and_the_mlp_bank_score_alike():
    """evaluate_models (a forward pass per model, the CNN path) and evaluate_corruptions (one MLP
    bank) give the same table for the same models: one scoring code behind both."""
    rng = np.random.default_rng(1)
    x = rng.random((60, SIDE * SIDE), dtype=np.float32)
    y = (rng.random(60) < 0.5).astype(np.float32)
    states = tiny_states([3, 5])
    models = []
    for width, state in zip([3, 5], states):
        model = MLP(width)
        model.load_state_dict(state)
        models.append(model.eval())
    bank = robustness.evaluate_corruptions(states, x, y, [0.2], 7, seed=3)
    alone = robustness.evaluate_models(models, [3, 5], x, y, [0.2], 7, seed=3)
    assert list(bank.columns) == list(alone.columns)
    assert bank[["seed", "width", "corruption"]].equals(alone[["seed", "width", "corruption"]])
    # As in the test above: float32 logits of two matmul shapes differ by ~1e-6.
    pd.testing.assert_frame_equal(bank, alone, atol=1e-5, rtol=0)


def test_by_seed_groups_checkpoints_in_the_order_seeds_first_appear():
    """The one by-seed grouping (lowcap.core.evaluation.by_seed) that robustness and the saliency
    shift score each seed's models with."""
    from types import SimpleNamespace

    from lowcap.core.evaluation import by_seed

    items = [SimpleNamespace(meta=SimpleNamespace(seed=s, width=w)) for s, w in [(42, 2), (0, 2), (42, 8), (0, 8)]]
    groups = by_seed(items)
    assert list(groups) == [42, 0]
    assert [[i.meta.width for i in g] for g in groups.values()] == [[2, 8], [2, 8]]
