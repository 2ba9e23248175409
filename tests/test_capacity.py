"""Capacity summaries from histories: per-seed best and final F1, width summaries, minimum width,
and the one success rule (F1 strictly above 0.90)."""

import numpy as np
import pandas as pd
import pytest

from lowcap.analyses import capacity


def history(rows):
    """rows: (pair, width, seed, split, [f1 per epoch])."""
    out = []
    for pair, width, seed, split, f1s in rows:
        for epoch, f1 in enumerate(f1s):
            out.append({"pair": pair, "width": width, "seed": seed, "split": split, "epoch": epoch,
                        "f1": f1, "loss": 1 - f1, "auc": f1})
    return pd.DataFrame(out)


def test_per_seed_f1_takes_the_best_and_the_last_epoch():
    per_seed = capacity.per_seed_f1(history([("4-9", 2, 0, "val", [0.1, 0.95, 0.8])]))
    row = per_seed.iloc[0]
    assert (row.best_f1, row.final_f1) == (0.95, 0.8)


def test_width_summary_spreads_over_seeds():
    per_seed = capacity.per_seed_f1(history([("4-9", 2, s, "val", [f]) for s, f in [(0, 0.5), (1, 0.7)]]
                                            + [("4-9", 2, 0, "train", [0.9])]))
    summary = capacity.width_summary(per_seed, "val")
    row = summary.iloc[0]
    # Mean and sd of two float64 values: a few ulps from exact (pytest.approx's default 1e-6 rel).
    assert len(summary) == 1 and row.n_seeds == 2 and row["mean"] == pytest.approx(0.6)
    assert row["std"] == pytest.approx(np.std([0.5, 0.7], ddof=1)) and (row["min"], row["max"]) == (0.5, 0.7)


def test_minimum_capacity_every_seed_and_mean():
    rows = []
    for width, f1s in {2: [0.5, 0.95], 4: [0.89, 0.99], 8: [0.91, 0.92]}.items():
        rows += [("4-9", width, seed, "val", [f1]) for seed, f1 in enumerate(f1s)]
    rows += [("0-1", 2, seed, "val", [0.1]) for seed in (0, 1)]
    table = capacity.minimum_capacity(capacity.per_seed_f1(history(rows)), ["0-1", "4-9"])
    best = table[table.statistic == "best_f1"].set_index("pair")
    assert best.loc["4-9", "min_width_every_seed"] == 8  # width 4 fails on seed 0 (0.89)
    assert best.loc["4-9", "min_width_mean"] == 4  # mean 0.94; width 2's mean is 0.725
    assert pd.isna(best.loc["0-1", "min_width_every_seed"]) and pd.isna(best.loc["0-1", "min_width_mean"])
    assert list(table["pair"].astype(str).unique()) == ["0-1", "4-9"]  # in the config's order


def test_success_is_strictly_above_the_threshold_everywhere():
    """F1 of exactly 0.90 is not a success, for minimum capacity and for max sparsity alike."""
    from lowcap.analyses import pruning_tables

    assert not capacity.succeeds(0.90) and capacity.succeeds(0.9000001)
    per_seed = capacity.per_seed_f1(history([("4-9", 2, 0, "val", [0.90]), ("4-9", 4, 0, "val", [0.91])]))
    table = capacity.minimum_capacity(per_seed, ["4-9"])
    assert table[table.statistic == "final_f1"].iloc[0].min_width_every_seed == 4
    prune = pd.DataFrame([{"pair": "4-9", "width": 2, "seed": 0, "scope": "layer", "requested_sparsity": level,
                           "val_f1": f1} for level, f1 in [(0, 0.95), (50, 0.90)]])
    out = pruning_tables.highest_passing_level(prune, [50], ["4-9"]).iloc[0]
    assert out.max_sparsity_every_seed == 0


def test_check_grid_refuses_an_old_grid():
    h = history([("4-9", 2, 0, "val", [0.5])])
    capacity.check_grid(h, ["4-9"], [2], [0], "h.csv")
    with pytest.raises(ValueError, match=r"h.csv holds widths \[2\], the config asks for \[2, 4\]"):
        capacity.check_grid(h, ["4-9"], [2, 4], [0], "h.csv")


def write_histories(tmp_path, pairs=("4-9",), widths=(2, 4), seeds=(0, 42), epochs=3) -> list[str]:
    from lowcap.core.tables import write_table

    paths = []
    for pair in pairs:
        rows = [(pair, w, s, split, [0.5 + e / 10 for e in range(epochs + 1)])
                for s in seeds for w in widths for split in ("train", "val")]
        path = tmp_path / f"{pair}.csv"
        write_table(history(rows).assign(lr=0.03), path)
        paths.append(str(path))
    return paths


def test_a_history_cut_at_a_line_boundary_is_refused_naming_the_file(tmp_path):
    """Issue 16, finding 1: the old check compared only the sets of pairs, widths and seeds, so a
    metrics/{pair}.csv missing its last rows passed (and min_capacity counted fewer seeds)."""
    paths = write_histories(tmp_path, pairs=("0-1", "4-9"))
    capacity.check_grid(capacity.read_histories(paths), ["0-1", "4-9"], [2, 4], [0, 42], ", ".join(paths))
    lines = open(paths[1]).read().splitlines(keepends=True)
    open(paths[1], "w").write("".join(lines[:-5]))  # the last model's last epochs
    history = capacity.read_histories(paths)
    with pytest.raises(ValueError, match=rf"^{paths[1]} does not hold the complete grid.*5 rows missing.*"
                                         r"seed=42.*delete it and rerun snakemake"):
        capacity.check_grid(history, ["0-1", "4-9"], [2, 4], [0, 42], ", ".join(paths))
    open(paths[1], "w").write("".join(lines[:-5]) + lines[-5][:9])  # cut mid-line
    with pytest.raises(ValueError, match=rf"{paths[1]} is cut mid-line"):
        capacity.read_histories(paths)


def test_a_history_with_a_duplicated_model_is_refused(tmp_path):
    paths = write_histories(tmp_path)
    text = open(paths[0]).read()
    open(paths[0], "a").write(text.splitlines(keepends=True)[1])
    with pytest.raises(ValueError, match=r"1 rows duplicated \(pair=4-9, width=2, seed=0, lr=0.03, split=train, epoch=0\)"):
        capacity.check_grid(capacity.read_histories(paths), ["4-9"], [2, 4], [0, 42], paths[0])


def test_a_history_of_another_protocols_epochs_is_refused(tmp_path):
    """Given the protocol's epochs (the capacity figures' rules pass them), a history that stops
    short of them, or runs past them, is refused even when complete in itself."""
    paths = write_histories(tmp_path, epochs=3)
    history = capacity.read_histories(paths)
    capacity.check_grid(history, ["4-9"], [2, 4], [0, 42], paths[0], epochs=3)
    with pytest.raises(ValueError, match=r"rows missing \(.*epoch=4"):
        capacity.check_grid(history, ["4-9"], [2, 4], [0, 42], paths[0], epochs=4)
    with pytest.raises(ValueError, match=r"rows outside the configured grid \(.*epoch=3"):
        capacity.check_grid(history, ["4-9"], [2, 4], [0, 42], paths[0], epochs=2)


def test_the_capacity_jobs_check_the_protocols_epochs(tmp_path):
    from lowcap.jobs.capacity_figures import capacity_summary, training_curves_figure

    paths = write_histories(tmp_path, epochs=3)
    outputs = {f"{s}_{e}": str(tmp_path / f"{s}.{e}") for s in ("train", "val") for e in ("png", "pdf", "csv")}
    outputs.update(table_csv=str(tmp_path / "t.csv"), table_md=str(tmp_path / "t.md"))
    with pytest.raises(ValueError, match="rows missing"):
        capacity_summary(paths, ["4-9"], [2, 4], [0, 42], outputs, epochs=5)
    with pytest.raises(ValueError, match="rows missing"):
        training_curves_figure(paths[0], "4-9", [2, 4], [0, 42], *(str(tmp_path / f"a.{e}") for e in ("png", "pdf", "csv")),
                               epochs=5)
    capacity_summary(paths, ["4-9"], [2, 4], [0, 42], outputs, epochs=3)
    table = pd.read_csv(outputs["table_csv"], dtype={"pair": str})
    assert set(table["threshold"]) == {capacity.SUCCESS_F1}


def test_an_edit_to_a_capacity_compare_or_lr_sweep_figure_reruns_figure_jobs_only(tmp_path, monkeypatch):
    """Fig. 3, A, the budget figure, MLP against CNN and Fig. 1-2 are drawn by lowcap.figures.*,
    which only the *_figures jobs reach: an edit there retrains nothing and re-evaluates nothing."""
    from test_layers import _edited

    for family in ("capacity", "compare", "lr_sweep"):
        changed = _edited(tmp_path / family, monkeypatch, f"figures/{family}.py")
        assert changed, family
        assert all(m.endswith("_figures") for m in changed), (family, changed)
    changed = _edited(tmp_path / "core", monkeypatch, "core/train.py")
    assert {"lowcap.jobs.train", "lowcap.jobs.cnn", "lowcap.jobs.lr_sweep"} <= changed
    assert not [m for m in changed if m.endswith("_figures")], changed
