"""Saliency shift under corruption: rank correlations against scipy, identities that must give
rho = 1 exactly, the corrupted images against robustness's draws, and the shift-vs-drop statistic on
a table with a known answer."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import make_meta

from lowcap.analyses import robustness, saliency, saliency_shift, saliency_shift_tables
from lowcap.figures import saliency_shift as figures
from lowcap.core.evaluation import Loaded
from lowcap.core.stats import rank_correlation
from lowcap.core.model import MLP, init_params

D = 28 * 28
N_VAL, N_IMAGES, SIGMAS, OCC = 48, 4, [0.0, 0.3], 7
# Ranks of identical maps are identical: rho is 1 up to float64 rounding of a correlation of 784
# ranks (~1e-15); one swapped pair of neighbouring ranks costs 12 / (784^3 - 784) ~ 2.5e-8.
EXACT = 1e-12


def split(seed: int, zero_first: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((N_VAL, D), dtype=np.float32)
    x[:zero_first] = 0  # all-zero images: occlusion leaves them as they are
    return x, (rng.random(N_VAL) < 0.5).astype(np.float32)


def checkpoint(width: int, seed: int, x: np.ndarray, y: np.ndarray, state: dict | None = None) -> Loaded:
    if state is None:  # a positive bias: units active on the all-zero images too (maps not all zero)
        state = {**init_params(width, seed * 100 + width, "normal", 0.1), "hidden.bias": torch.full((width,), 0.1)}
    model = MLP(width)
    model.load_state_dict(state)
    return Loaded("test", model, make_meta("4-9", width, seed, "digest"), x, y)


@pytest.fixture(scope="module")
def shift_table() -> pd.DataFrame:
    loaded = [checkpoint(w, s, *split(s, zero_first=N_IMAGES)) for s in (0, 1) for w in (2, 3, 4, 6, 8)]
    return saliency_shift.map_shift(loaded, SIGMAS, OCC, n_images=N_IMAGES, epsilon=0.01)


def test_rank_correlation_equals_scipy_and_saliency_spearman():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    a = np.round(rng.random((5, 28, 28)), 1)  # many ties: average ranks must match scipy's
    b = np.round(a + 0.3 * rng.standard_normal(a.shape), 1)
    b[4] = -a[4] ** 3
    rho = rank_correlation(a, b)
    for i in range(5):
        assert rho[i] == pytest.approx(spearmanr(a[i].ravel(), b[i].ravel()).statistic, abs=EXACT)
        assert rho[i] == pytest.approx(saliency.spearman(a[i], b[i]), abs=EXACT)
    assert rho[4] == pytest.approx(-1.0, abs=EXACT)
    b[2] = 0  # an all-zero map has no ranking: NaN, without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rho = rank_correlation(a, b)
    assert np.isnan(rho[2]) and np.isfinite(np.delete(rho, 2)).all()
    a[0] = 0.5  # a constant map on either side undefines that pair only, not its neighbours
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rho2 = rank_correlation(a, b)
    assert np.isnan(rho2[[0, 2]]).all() and np.allclose(rho2[[1, 3, 4]], rho[[1, 3, 4]], rtol=0, atol=EXACT)
    single = rank_correlation(a[3:4], b[3:4])  # one pair of maps
    assert single.shape == (1,) and single[0] == pytest.approx(rho[3], abs=EXACT)


def test_unchanged_images_give_rho_one(shift_table):
    t = shift_table
    assert len(t) == 2 * 5 * 2 * (1 + len(SIGMAS) + 1) and (t["n_images"] == N_IMAGES).all()
    # sigma 0 returns the images unchanged, and occlusion leaves all-zero images as they are.
    same = t[(t["sigma"] == 0) | (t["corruption"] == "occlusion")]
    assert np.allclose(same[["rho_mean", "rho_min", "rho_max"]], 1.0, rtol=0, atol=EXACT)
    assert (same["n_undefined"] == 0).all()
    assert (t.loc[t["sigma"] == 0, "f1_drop"] == 0).all()
    assert t["sigma"].isna().equals(t["corruption"] == "occlusion")
    # Noise does move the maps: the check above could fail.
    noisy = t[t["sigma"] == 0.3]
    assert (noisy["rho_mean"] < 1 - 1e-3).all()


def test_each_row_names_its_epsilon_and_clean_scores():
    """Mutation testing found these columns unread by any test: the epsilon of the epsilon method's
    rows (NaN for the gradient's), and each row's clean F1/AUC, the same as its checkpoint's clean row.
    Its own table, not the module's fixture: mutmut reruns only the tests that ran map_shift."""
    t = saliency_shift.map_shift([checkpoint(w, 0, *split(0)) for w in (2, 3)], SIGMAS, OCC, n_images=2,
                                 epsilon=0.01)
    assert (t.loc[t["method"] == "epsilon", "epsilon"] == 0.01).all()
    assert t.loc[t["method"] == "gradient", "epsilon"].isna().all()
    clean = t[t["corruption"] == "clean"].set_index(["width", "seed", "method"])[["f1", "auc"]]
    for column in ("f1", "auc"):
        expected = clean.loc[list(zip(t["width"], t["seed"], t["method"])), column].to_numpy()
        assert np.array_equal(t[f"{column}_clean"].to_numpy(), expected)
    assert np.allclose(t["f1_drop"], t["f1_clean"] - t["f1"], rtol=0, atol=0)


def test_checkpoints_of_two_pairs_or_a_repeated_width_are_refused():
    x, y = split(0)
    one = checkpoint(2, 0, x, y)
    other = dataclasses.replace(checkpoint(3, 0, x, y), meta=make_meta("0-1", 3, 0, "digest"))
    with pytest.raises(ValueError, match=r"one pair, not \['0-1', '4-9'\]"):
        saliency_shift.map_shift([one, other], SIGMAS, OCC, n_images=2)
    with pytest.raises(ValueError, match="widths must be distinct"):
        saliency_shift.map_shift([checkpoint(2, 0, x, y), checkpoint(2, 0, x, y)], SIGMAS, OCC, n_images=2)
    x2, _ = split(1)
    with pytest.raises(ValueError, match="share one validation split"):
        saliency_shift.map_shift([checkpoint(2, 0, x, y), checkpoint(3, 0, x2, y)], SIGMAS, OCC, n_images=2)


def test_always_active_single_unit_has_input_independent_gradient_ranking():
    """Unit 0 is active for every input in [0, 1] (bias 20 > sum |W[0]| ~ 6), the others never
    (bias -20): dp/dx = p(1-p) w_out[0] W[0, :], one ranking of |W[0, :]| for every input, so the
    clean and corrupted gradient maps have rho = 1 exactly (the float64 product by the factor p(1-p)
    keeps the order of 784 distinct |W[0, i]|)."""
    state = init_params(3, 0, "normal", 0.01)
    state["hidden.bias"] = torch.tensor([20.0, -20.0, -20.0])
    state["output.weight"] = torch.tensor([[0.1, 0.5, -0.5]])
    state["output.bias"] = torch.tensor([-2.0])
    assert float(state["hidden.weight"][0].abs().sum()) < 20
    x, y = split(3)
    table = saliency_shift.map_shift([checkpoint(3, 3, x, y, state)], [0.2, 0.5], OCC, n_images=6, epsilon=0.01)
    grad = table[table["method"] == "gradient"]
    assert np.allclose(grad[["rho_min", "rho_max"]], 1.0, rtol=0, atol=EXACT)
    # The epsilon map adds a second-order Taylor term, eps w_out W_i (1 - 2p) / 2 ~ 1e-5 relative,
    # which can swap only near-equal |W_i|: rho stays above 0.999.
    assert (table.loc[table["method"] == "epsilon", "rho_min"] > 0.999).all()


def test_corrupted_images_are_the_robustness_draws(monkeypatch):
    seen = []
    original = saliency.shared_saliency_maps
    monkeypatch.setattr(saliency, "shared_saliency_maps", lambda models, x, eps, batch: seen.append(
        (len(models), x.clone())) or original(models, x, eps, batch))
    seed = 42
    x, y = split(seed)
    loaded = [checkpoint(4, seed, x, y), checkpoint(6, seed, x, y)]
    table = saliency_shift.map_shift(loaded, [0.2, 0.5], OCC, n_images=3, epsilon=0.01, batch=2)
    xt = torch.as_tensor(x)
    # The whole split is corrupted, then sliced: the same images evaluate_corruptions scores.
    expected = torch.cat([xt[:3], robustness.gaussian_noise(xt, 0.2, seed)[:3],
                          robustness.gaussian_noise(xt, 0.5, seed)[:3], robustness.occlude(xt, OCC, seed)[:3]])
    # One call per set, with both widths: every width of a seed gets the same images.
    assert [n_models for n_models, _ in seen] == [2] * 4
    assert torch.equal(torch.cat([images for _, images in seen]), expected)
    assert not torch.equal(robustness.gaussian_noise(xt, 0.2, 0)[:3], expected[3:6])  # the seed matters
    scores = robustness.evaluate_checkpoints(loaded, [0.2, 0.5], OCC)
    merged = table[table["method"] == "gradient"].merge(scores, on=["pair", "width", "seed", "corruption", "sigma"],
                                                        suffixes=("", "_robustness"))
    assert len(merged) == 2 * 4 and (merged["f1"] == merged["f1_robustness"]).all()
    assert (merged["auc"] == merged["auc_robustness"]).all()


def test_dead_network_gives_undefined_rho_counted_without_warnings():
    state = init_params(2, 0, "normal", 0.1)
    state["hidden.bias"] = torch.tensor([-100.0, -100.0])  # no unit ever active: every map all zero
    x, y = split(5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = saliency_shift.map_shift([checkpoint(2, 5, x, y, state)], [0.3], OCC, n_images=5)
        summary = saliency_shift_tables.shift_summary(table)
        saliency_shift_tables.shift_predicts_drop(table)
    assert (table["n_undefined"] == 5).all() and table["rho_mean"].isna().all()
    assert (summary["n_undefined"] == 5).all()


def known_relation_table(seeds=(0, 1, 2)) -> pd.DataFrame:
    """Within each (pair, width), the gradient drop rises with the shift and the epsilon drop
    falls; across widths the shift grows while the drop shrinks (pooling would mislead)."""
    rng = np.random.default_rng(0)
    rows = []
    for pair in ("0-1", "4-9"):
        for k, width in enumerate((2, 4, 8, 16)):
            for seed in seeds:
                u = rng.random()
                for corruption, sigma in (("clean", 0.0), ("noise", 0.1), ("noise", 0.3), ("occlusion", np.nan)):
                    clean = corruption == "clean"
                    shift = 0.0 if clean else 0.1 * k + 0.05 * u * (1 + (sigma if sigma == sigma else 0.5))
                    for method, sign in (("gradient", 1), ("epsilon", -1)):
                        drop = 0.0 if clean else 1 - 0.2 * k + sign * 0.05 * u
                        rows.append({"pair": pair, "width": width, "seed": seed, "method": method,
                                     "corruption": corruption, "sigma": sigma, "rho_mean": 1 - shift,
                                     "f1_drop": drop, "n_images": 32, "n_undefined": 0})
    rows.append({**rows[-1], "seed": 9, "rho_mean": np.nan, "f1_drop": 5.0})  # undefined: left out
    return pd.DataFrame(rows)


def test_checkpoint_points_average_the_corruption_levels():
    table = known_relation_table()
    points = saliency_shift_tables.checkpoint_points(table)
    assert len(points) == 2 * 4 * 3 * 2 and (points["n_levels"] == 3).all()  # the NaN row is left out
    sel = table[(table["pair"] == "4-9") & (table["width"] == 8) & (table["seed"] == 1) & (table["method"] == "epsilon")
                & (table["corruption"] != "clean")]
    row = points[(points["pair"] == "4-9") & (points["width"] == 8) & (points["seed"] == 1)
                 & (points["method"] == "epsilon")].iloc[0]
    assert row["shift"] == pytest.approx((1 - sel["rho_mean"]).mean(), abs=1e-15)
    assert row["f1_drop"] == pytest.approx(sel["f1_drop"].mean(), abs=1e-15)


def test_shift_predicts_drop_is_decided_within_strata_not_by_pooling():
    out = saliency_shift_tables.shift_predicts_drop(known_relation_table())
    top = out[(out["pair"] == "all") & (out["scope"] == saliency_shift_tables.CHECKPOINT)].set_index("method")
    # Within every (pair, width) ρ is +1 (gradient) or -1 (epsilon); pooled, width makes it negative.
    assert top.loc["gradient", "mean_rho"] == pytest.approx(1.0) and top.loc["epsilon", "mean_rho"] == pytest.approx(-1.0)
    assert top.loc["gradient", "p_greater"] < 1e-3 and top.loc["gradient", "p_less"] > 0.99
    assert top.loc["epsilon", "p_less"] < 1e-3 and top.loc["epsilon", "p_greater"] > 0.99
    assert top.loc["gradient", "pooled_rho"] < -0.8  # the paradox the strata avoid
    assert (top["n_strata"] == 8).all() and (top["n_points"] == 24).all() and (top["n_strata_grid"] == 8).all()
    # The undefined epsilon row is a checkpoint of the grid (seed 9) that the test cannot use.
    assert top.loc["gradient", "n_checkpoints"] == 24 and top.loc["epsilon", "n_checkpoints"] == 25
    assert (top["n_images"] == 32).all() and (top["n_seeds"] == 3).all()
    per_pair = out[(out["pair"] != "all")]
    assert set(per_pair["pair"]) == {"0-1", "4-9"} and (per_pair["n_strata"] == 4).all()
    levels = out[out["scope"] == "one level"]
    assert len(levels) == 2 * 3 and (levels["pair"] == "all").all()
    assert np.allclose(levels[levels["method"] == "gradient"]["mean_rho"], 1.0)
    assert "gradient: within (pair, width) over seeds, mean ρ 1.00" in saliency_shift_tables.verdict(out)


def test_summary_figure_table_and_plot(shift_table, drawn):
    summary = saliency_shift_tables.shift_summary(shift_table)
    assert len(summary) == len(shift_table) // 2 and (summary["n_seeds"] == 2).all()
    per_seed = shift_table.groupby(["width", "method", "corruption", "sigma"], dropna=False)["rho_mean"]
    merged = summary.merge(per_seed.mean().rename("check").reset_index(), on=["width", "method", "corruption", "sigma"])
    assert np.allclose(merged["rho_mean"], merged["check"], rtol=0, atol=1e-15)
    assert (summary["rho_seed_min"] <= summary["rho_mean"] + 1e-15).all()
    curves = figures.figure_table(summary, "epsilon")
    assert set(curves["method"]) == {"epsilon"} and curves["highlighted"].sum() == 4 * 4  # 4 of 5 widths
    figures.plot_shift(curves, "4-9", "a.png", "a.pdf", occlusion_size=OCC)
    ax, bx = drawn[0].axes[:2]
    lo, hi = ax.get_ylim()
    assert -1 <= lo < curves["rho_seed_min"].min() and hi > 1  # whiskers at rho 1 do not end on the frame
    # The line of width 8 (highlighted) is the clean and noise rho_mean of figure_table.
    line = curves[(curves["width"] == 8) & (curves["corruption"] != "occlusion")].sort_values("sigma")
    drawn_lines = [l for l in ax.get_lines() if l.get_label() == "H = 8"]
    assert len(drawn_lines) == 1 and np.allclose(drawn_lines[0].get_ydata(), line["rho_mean"])
    # Panel (b): one point per (width, noise sigma) at (1 - rho, F1 drop).
    noise = curves[curves["corruption"] == "noise"]
    offsets = bx.collections[0].get_offsets()
    assert np.allclose(offsets, np.c_[1 - noise["rho_mean"], noise["f1_drop_mean"]])
    assert len(bx.collections[1].get_offsets()) == 5  # occlusion, one per width


def test_plot_shift_title_clears_the_colour_bar_and_names_the_study(shift_table, drawn):
    curves = figures.figure_table(saliency_shift_tables.shift_summary(shift_table), "gradient")
    figures.plot_shift(curves, "4-9", "a.png", "a.pdf", occlusion_size=OCC,
                       labels={"study": "released", "architecture": "mlp"})
    (fig,) = drawn
    ax, bx, colour_bar = fig.axes
    assert fig._suptitle.get_text() == "released: 4-9: saliency maps under corruption"
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    titles = [t for t in (bx.title, bx._left_title, bx._right_title) if t.get_text()]
    assert len(titles) == 1
    extent = titles[0].get_window_extent(renderer)
    # Panel (b)'s title ends over its own axes, short of the colour bar beside them.
    assert extent.x1 <= bx.get_window_extent(renderer).x1 < colour_bar.get_window_extent(renderer).x0


def test_panel_a_y_label_stays_within_its_panel(shift_table, drawn):
    curves = figures.figure_table(saliency_shift_tables.shift_summary(shift_table), "gradient")
    figures.plot_shift(curves, "4-9", "a.png", "a.pdf", occlusion_size=OCC)
    (fig,) = drawn
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    label, panel = ax.yaxis.label.get_window_extent(renderer), ax.get_window_extent(renderer)
    assert panel.y0 <= label.y0 and label.y1 <= panel.y1


def test_checkpoint_tests_and_coverage_are_what_the_verdict_reads():
    out = saliency_shift_tables.shift_predicts_drop(known_relation_table())
    rows = saliency_shift_tables.checkpoint_tests(out)
    assert set(rows["method"]) == {"epsilon", "gradient"} and (rows["pair"] == "all").all()
    assert (rows["scope"] == saliency_shift_tables.CHECKPOINT).all() and len(rows) == 2
    (gradient,) = saliency_shift_tables.checkpoint_tests(out, "gradient").itertuples()
    assert saliency_shift_tables.coverage(gradient) == "24 of 24 checkpoints in 8 of 8 strata"
    assert saliency_shift_tables.coverage(gradient, "pair × width strata").endswith("8 of 8 pair × width strata")
    assert saliency_shift_tables.coverage(gradient) in saliency_shift_tables.verdict(out)


def test_rank_correlation_is_scipys_spearman_bit_for_bit():
    """One Spearman helper for maps and units alike: on one pair its value is scipy's, exactly, so the
    tables written through it (Fig. 8's, the MI summary's) did not change when the helpers were made
    one. Many pairs at once agree to float64 rounding (a larger correlation matrix)."""
    from scipy.stats import spearmanr

    rng = np.random.default_rng(3)
    for n in (2, 3, 8, 784):
        a = np.round(rng.random((20, n)), 1)
        b = np.round(a + rng.random((20, n)), 1)
        together = rank_correlation(a, b)
        for i in range(20):
            alone = rank_correlation(a[i:i + 1], b[i:i + 1])[0]
            if np.ptp(a[i]) > 0 and np.ptp(b[i]) > 0:
                assert alone == np.clip(spearmanr(a[i], b[i]).statistic, -1, 1)
                assert together[i] == pytest.approx(alone, abs=1e-14)
            else:
                assert np.isnan(alone) and np.isnan(together[i])
