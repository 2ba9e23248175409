"""Shared figure helpers (lowcap.figures.plots): the width encoding, direct labels, the training-curve
figure (paper Fig. A) and bit-identical files on a rerun."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from lowcap.figures import capacity as capacity_figures
from lowcap.figures import plots

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
    plots.label_line_ends(ax, [(0.5, "H = 2", "k"), (0.52, "H = 6", "k"), (0.54, "H = 24", "k"),
                               (np.nan, "H = 64", "k")])
    ys = sorted(t.xy[1] for t in ax.texts)
    assert len(ax.texts) == 3  # the NaN end gets no label
    assert np.diff(ys).min() >= 0.06 - 1e-12
    assert all(0 <= y <= 1 for y in ys)
    plt.close(fig)


def test_lines_ending_at_one_height_share_one_label():
    """Spread apart, four labels of lines that all end at 0 would claim four different ends."""
    plt = plots.pyplot()
    fig, ax = plt.subplots()
    ax.set_ylim(-0.05, 0.05)
    plots.label_line_ends(ax, [(0.0, "C = 1", "r"), (0.0, "C = 3", "g"), (0.0, "C = 16", "b"), (0.04, "C = 6", "y")])
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["C = 1, 3, 16", "C = 6"]
    plt.close(fig)


def test_labels_name_the_study_and_a_cnn_capacity_as_channels():
    mlp, cnn = plots.Labels("released", "mlp"), plots.labels_of({"study": "released-cnn", "architecture": "cnn"})
    assert mlp.title("Fig. 3") == "released: Fig. 3" and plots.Labels().title("Fig. 3") == "Fig. 3"
    assert mlp.capacity == "hidden width H" and cnn.capacity == "channels C"
    assert cnn.noun == "channel count" and "width" not in cnn.capacity
    assert plots.width_style(2, [2], cnn.symbol)["label"] == "C = 2"
    assert plots.others_label([1, 2, 3], [1], "C") == "other channel counts (C = 2, 3), mean only"


def capacity_summary_table() -> pd.DataFrame:
    return pd.DataFrame([{"pair": p, "width": w, "mean": m, "min": m - 0.05, "max": min(1.0, m + 0.05),
                          "n_seeds": 3} for p in ("0-1", "4-9") for w, m in ((1, 0.6), (2, 0.9), (4, 0.99))])


@pytest.mark.parametrize("architecture, axis", [("mlp", "hidden width H"), ("cnn", "channels C")])
def test_capacity_figure_names_its_study_and_its_capacity(drawn, architecture, axis):
    labels = {"study": f"s-{architecture}", "architecture": architecture}
    capacity_figures.plot_capacity(capacity_summary_table(), ["0-1", "4-9"], "Best F1", "x.png", None, 0.9, labels)
    ax = drawn[0].axes[0]
    assert ax.get_title().startswith(f"s-{architecture}: ") and ax.get_xlabel() == axis
    assert ax.get_ylim()[1] <= 1.02  # F1 cannot pass 1


def test_budget_figure_keeps_every_pair_visible(drawn):
    """'No width' markers sit on the 'none' tick; pairs sharing a point are drawn apart, each with
    a marker of its own."""
    pairs = ["0-1", "1-7", "5-6", "3-8", "4-9"]
    values = {25: [2, 8, 16, None, None], 100: [2, 6, 6, 10, None], 400: [2, 2, 2, 2, 2]}
    table = pd.DataFrame([{"pair": p, "epochs": e, "split": "val", "statistic": "best_f1", "threshold": 0.9,
                           "min_width_mean": w, "min_width_every_seed": w}
                          for e, ws in values.items() for p, w in zip(pairs, ws)])
    capacity_figures.plot_budget_min_width(table, pairs, "unused.png", None)
    ax = drawn[0].axes[0]
    ticks = dict(zip([t.get_text() for t in ax.get_yticklabels()], ax.get_yticks()))
    none_markers = [ln for ln in ax.get_lines() if ln.get_linestyle() == "None" and len(ln.get_xdata())]
    assert none_markers and all(np.allclose(ln.get_ydata(), ticks["none"]) for ln in none_markers)
    points = [(x, y) for ln in ax.get_lines() for x, y in zip(ln.get_xdata(), ln.get_ydata()) if np.isfinite(y)]
    assert len(points) == len(set(points))  # no two pairs' points on the same spot
    pair_lines = [ln for ln in ax.get_lines() if ln.get_label() in pairs]
    assert len({ln.get_marker() for ln in pair_lines}) == len(pairs)
    assert len({ln.get_color() for ln in pair_lines}) == len(pairs)


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
    curves = capacity_figures.training_curve_table(history(widths))
    assert {"f1_mean", "f1_min", "f1_max", "loss_mean", "loss_min", "loss_max", "n_seeds"} <= set(curves)
    assert "f1_std" not in curves
    assert curves["f1_min"].min() >= 0 and curves["f1_max"].max() <= 1 and curves["loss_min"].min() >= 0
    assert set(curves.loc[curves["highlighted"], "width"]) == set(plots.highlighted_widths(widths))
    capacity_figures.plot_training_curves(curves, "4-9", "unused.png", "unused.pdf")
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
    capacity_figures.plot_budget_min_width(table, ["0-1", "4-9"], "unused.png", None)
    ax = drawn[0].axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["8", "none"]
    capacity_figures.plot_budget_min_width(table.assign(min_width_mean=None), ["0-1", "4-9"], "unused.png", None)


def sparsity_curves(kind: str, end: float | None = None) -> pd.DataFrame:
    """A Fig. 4 table (pruning.sparsity_curves' columns) over four widths and three levels; `end`:
    the value every width ends at."""
    rows = []
    for w in (1, 3, 6, 16):
        for i, level in enumerate((0.0, 50.0, 99.0)):
            mean = end if end is not None and i == 2 else 0.95 - 0.1 * i / w
            rows.append({"pair": "4-9", "width": w, "requested_sparsity": level, "scope": "layer", "quantity": kind,
                         "achieved_sparsity_pct": level * 0.98, "mean": mean, "min": mean - 0.01, "max": mean,
                         "n_seeds": 3, "highlighted": True})
    return pd.DataFrame(rows)


def test_fig4_legend_has_the_reference_line_and_a_cnn_study_says_channels(drawn):
    from lowcap.figures import pruning

    labels = {"study": "released-cnn", "architecture": "cnn"}
    pruning.plot_sparsity_curves(sparsity_curves("val_f1"), "4-9", "validation F1", "F1 after pruning", "x.png",
                                 None, 0.9, labels)
    ax = drawn[0].axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "validation F1 = 0.9 (success)" in legend
    assert "C = 1" in legend and not any("H =" in t or "width" in t for t in legend)
    assert ax.get_title().startswith("released-cnn: 4-9")
    assert ax.get_ylim()[1] <= 1.02
    (top,) = ax.child_axes  # the achieved-sparsity axis: one line per label
    assert all("\n" not in t.get_text() for t in top.get_xticklabels())


def test_fig4_labels_of_lines_that_all_end_at_zero_are_one_label(drawn):
    from lowcap.figures import pruning

    pruning.plot_sparsity_curves(sparsity_curves("f1_change_pct", end=0.0).assign(
        mean=0.0, min=0.0, max=0.0), "4-9", "% change in F1", "change", "x.png", None, 0.0)
    ax = drawn[0].axes[0]
    assert [t.get_text() for t in ax.texts] == ["H = 1, 3, 6, 16"]
    assert "no change" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_imp_recovery_legend_explains_colours_and_line_styles(drawn):
    from lowcap.figures import imp

    pairs = ["0-1", "1-7", "5-6", "3-8", "4-9"]
    curves = pd.DataFrame([{"pair": p, "scope": s, "round": r, "stage": st, "mean": 0.9 - 0.1 * r,
                            "achieved_sparsity_pct": 60.0 * r} for p in pairs for s in imp.SCOPES
                           for r in (1, 2, 3) for st in ("pruned", "finetuned", "control")])
    imp.plot_recovery(curves, pairs, 30, "x.png", None, {"study": "released"})
    fig = drawn[0]
    legend = fig.legends[0]
    texts = [t.get_text() for t in legend.get_texts()]
    assert pairs == texts[:5] and "just pruned" in texts and any(t.startswith("fine-tuned") for t in texts)
    handles = legend.legend_handles
    assert len({h.get_color() for h in handles[:5]}) == 5 and len({h.get_marker() for h in handles[:5]}) == 5
    assert fig._suptitle.get_text().startswith("released: ")


def test_imp_methods_that_coincide_all_stay_visible(drawn):
    """Three identical curves: drawn thick to thin, large to small markers, and a little apart."""
    from lowcap.figures import imp

    rows = [{"pair": "0-1", "width": 2, "scope": s, "method": m, "round": r, "mean": 0.5, "min": 0.4, "max": 0.6,
             "n_seeds": 3, "achieved_sparsity_pct": 60.0 * r, "budget_epochs": 0, "highlighted": True}
            for s in imp.SCOPES for m in imp.STAGE for r in (0, 1, 2)]
    imp.plot_pair(pd.DataFrame(rows), "0-1", 1, 5, "x.png", None)
    ax = drawn[0].axes[0]
    lines = {ln.get_label(): ln for ln in ax.get_lines() if ln.get_label() in imp.STAGE}
    widths = [lines[m].get_linewidth() for m in imp.STAGE]
    sizes = [lines[m].get_markersize() for m in imp.STAGE]
    assert widths == sorted(widths, reverse=True) and sizes == sorted(sizes, reverse=True)
    assert len({tuple(lines[m].get_xdata()) for m in imp.STAGE}) == 3


def test_lr_sweep_colours_a_few_widths_and_marks_the_grid_lr(drawn):
    from lowcap.figures import lr_sweep

    widths, lrs = [2, 4, 6, 8, 10, 12, 16, 24, 32, 48, 64], [0.001, 0.01, 0.03]
    summary = pd.DataFrame([{"pair": "4-9", "split": "val", "epoch": 100, "width": w, "lr": lr, "n_seeds": 3,
                             **{f"{m}_{s}": 0.8 for m in ("f1", "auc") for s in ("mean", "min", "max", "std")}}
                            for w in widths for lr in lrs])
    lr_sweep.plot_lr_curves(summary, 0.03, "x.png", None, {"study": "released"})
    ax = drawn[0].axes[0]
    colours = {ln.get_color() for ln in ax.get_lines()}
    assert len(colours) == plots.N_HIGHLIGHTED + 1  # four widths in colour, the rest one grey
    assert ax.get_xticklabels()[-1].get_text() == "0.03\n(grid lr)"
    xs = np.concatenate([ln.get_xdata() for ln in ax.get_lines()])
    at_grid = xs[xs > 0.02]  # the grid lr's points, dodged: inside the shaded column around 0.03
    (column,) = ax.patches
    left, right = column.get_x(), column.get_x() + column.get_width()
    assert left <= at_grid.min() < 0.03 < at_grid.max() <= right
    assert ax.get_title().startswith("released: ") and ax.get_ylim()[1] <= 1.02


def test_mlp_vs_cnn_is_a_grid_with_a_plain_y_label(drawn):
    from lowcap.figures import compare

    pairs = ["0-1", "1-7", "5-6", "3-8", "4-9"]
    curves = pd.DataFrame([{"pair": p, "architecture": a, "study": f"s-{a}", "width": w, "parameters": 100 * w,
                            "split": "val", "statistic": "best_f1", "mean": 0.95, "min": 0.9, "max": 1.0,
                            "n_seeds": 3} for p in pairs for a in ("mlp", "cnn") for w in (1, 2, 4)])
    compare.plot(curves, pairs, "x.png", None)
    fig = drawn[0]
    rows = {round(ax.get_position().y0, 3) for ax in fig.axes if ax.get_visible() and ax.axison}
    assert len(rows) == 2  # five panels on two rows of at most three
    ylabel = fig._supylabel.get_text()
    assert ylabel.startswith("best validation F1") and "best_f1" not in ylabel and "split" not in ylabel


def test_fig8_pruned_row_says_both_models_predictions():
    from lowcap.figures import saliency

    dense = {"case": "correct 9", "dense": 9}
    row = pd.DataFrame([{"model": "pruned", "case": "correct 9", "true_digit": 9, "predicted_digit": 4,
                         "prob_higher_digit": 0.47}]).itertuples(index=False)
    title = saliency._row_title(next(row), {dense["case"]: dense["dense"]}, (4, 9))
    assert "true class 9" in title and "dense predicts 9; pruned predicts 4" in title
    assert "correct" not in title


def test_capacity_tables_of_a_cnn_study_say_channels(tmp_path):
    from lowcap.jobs import capacity_figures as job

    hist = history(widths=(1, 2)).assign(lr=0.03, auc=0.5)
    path = tmp_path / "h.csv"
    hist.to_csv(path, index=False)
    outputs = {f"{s}_{e}": str(tmp_path / f"{s}.{e}") for s in ("train", "val") for e in ("png", "pdf", "csv")}
    outputs.update(table_csv=str(tmp_path / "t.csv"), table_md=str(tmp_path / "t.md"))
    job.capacity_summary([str(path)], ["4-9"], [1, 2], [0, 1, 2], outputs, {"study": "c", "architecture": "cnn"})
    text = (tmp_path / "t.md").read_text()
    assert text.startswith("Smallest channel count with F1") and "width" not in text.split("|")[0]
