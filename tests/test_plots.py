"""Shared figure helpers (lowcap.plots): the width encoding, direct labels, the training-curve
figure (paper Fig. A) and bit-identical files on a rerun."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from lowcap import plots

PAPER_WIDTHS = [2, 4, 6, 8, 10, 12, 16, 24, 32, 48, 64]


def test_highlighted_widths():
    assert plots.highlighted_widths(PAPER_WIDTHS) == [2, 6, 24, 64]
    assert plots.highlighted_widths([8, 2]) == [2, 8]  # few widths: all of them, sorted
    assert plots.highlighted_widths([3]) == [3]
    chosen = plots.highlighted_widths(range(1, 200))
    assert len(chosen) == plots.N_HIGHLIGHTED and chosen[0] == 1 and chosen[-1] == 199


def test_width_style_and_legend_text():
    hl = plots.highlighted_widths(PAPER_WIDTHS)
    assert len({plots.width_style(w, hl)["color"] for w in hl}) == len(hl)
    assert plots.width_style(4, hl)["color"] == plots.OTHER_COLOR and plots.width_style(4, hl)["label"] is None
    assert plots.others_label(PAPER_WIDTHS, hl) == "other widths (H = 4, 8, 10, 12, 16, 32, 48), mean only"
    assert plots.others_label([2, 8], [2, 8]) is None


def test_line_end_labels_do_not_overlap():
    plt = plots.pyplot()
    fig, ax = plt.subplots()
    ax.set_ylim(0, 1)
    plots.label_line_ends(ax, [(0.5, "a", "k"), (0.5, "b", "k"), (0.51, "c", "k"), (np.nan, "d", "k")])
    ys = sorted(t.xy[1] for t in ax.texts)
    assert len(ax.texts) == 3  # the NaN end gets no label
    assert np.diff(ys).min() >= 0.06 - 1e-12
    assert all(0 <= y <= 1 for y in ys)
    plt.close(fig)


def history(widths=(2, 8), seeds=(0, 1, 2), epochs=5) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for split in ("train", "val"):
        for w in widths:
            for s in seeds:
                for e in range(epochs + 1):
                    rows.append({"pair": "4-9", "seed": s, "width": w, "split": split, "epoch": e,
                                 "f1": float(np.clip(e / epochs + rng.normal(0, 0.3), 0, 1)),
                                 "loss": float(0.7 * np.exp(-e / epochs) + rng.uniform(0, 0.1))})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("widths", [(2, 8), tuple(PAPER_WIDTHS)])
def test_training_curves_plot_exactly_the_table_and_stay_in_range(drawn, widths):
    curves = plots.training_curve_table(history(widths))
    assert {"f1_mean", "f1_min", "f1_max", "loss_mean", "loss_min", "loss_max", "n_seeds"} <= set(curves)
    assert "f1_std" not in curves
    assert curves["f1_min"].min() >= 0 and curves["f1_max"].max() <= 1 and curves["loss_min"].min() >= 0
    assert set(curves.loc[curves["highlighted"], "width"]) == set(plots.highlighted_widths(widths))
    plots.training_curves(curves, "4-9", "unused.png", "unused.pdf")
    (fig,) = drawn
    axes = fig.axes
    assert [ax.get_ylabel() for ax in axes] == ["F1 (mean over seeds)", "BCE loss (mean over seeds)"] * 2
    assert len(fig.legends) == 1 and not any(ax.get_legend() for ax in axes)  # one shared legend
    # Every plotted line is one width's mean, in the table.
    top_left = curves[curves["split"] == "train"]
    lines = [ln for ln in axes[0].get_lines()]
    assert len(lines) == len(widths)
    plotted = np.sort(np.concatenate([ln.get_ydata() for ln in lines]))
    # Matplotlib keeps the numbers it is given (float64): equal, up to np.allclose's default
    # 1e-5 relative, which would absorb at most a float32 round trip (~6e-8), not another value.
    assert np.allclose(plotted, np.sort(top_left["f1_mean"].to_numpy()))
    # Bands (min-max) only for the highlighted widths, and inside [0, 1].
    bands = axes[0].collections
    assert len(bands) == len(plots.highlighted_widths(widths))
    for band in bands:
        ys = np.concatenate([p.vertices[:, 1] for p in band.get_paths()])
        assert ys.min() >= 0 and ys.max() <= 1
    for ax in axes[::2]:
        assert ax.get_ylim()[0] >= 0 and ax.get_ylim()[1] <= 1.02


def test_figures_are_bit_identical_on_a_rerun(tmp_path):
    plt = plots.pyplot()
    digests = []
    for run in range(2):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        png, pdf = tmp_path / f"{run}.png", tmp_path / f"{run}.pdf"
        plots.save(fig, png, pdf)
        digests.append([hashlib.sha256(p.read_bytes()).hexdigest() for p in (png, pdf)])
    assert digests[0] == digests[1]
    assert b"CreationDate" not in (tmp_path / "0.pdf").read_bytes()


def test_budget_figure_draws_when_no_pair_reaches_success(drawn):
    table = pd.DataFrame([{"pair": p, "epochs": e, "split": "val", "statistic": "best_f1", "threshold": 0.9,
                           "min_width_mean": w, "min_width_every_seed": w}
                          for p, e, w in [("0-1", 2, None), ("0-1", 4, None), ("4-9", 2, None), ("4-9", 4, 8.0)]])
    plots.budget_min_width(table, ["0-1", "4-9"], "unused.png", None)
    ax = drawn[0].axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["8", "none"]
    plots.budget_min_width(table.assign(min_width_mean=None), ["0-1", "4-9"], "unused.png", None)
