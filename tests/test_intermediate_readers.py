"""Every job that reads an intermediate table checks it for the complete grid its rule's params
ask for (lowcap.core.tables.read_table): a table missing a row, or cut mid-line, stops the job naming
the file (issue 16, finding 1). One case per reader; each builds the table its writer writes."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from lowcap.analyses import imp, imp_tables, robustness_tables
from lowcap.analyses.saliency import METHODS
from lowcap.core.tables import TableError, write_table

WIDTHS, SEEDS = [2, 4], [0, 42]


def pruning_case():
    from lowcap.analyses import pruning_tables

    grid = {"widths": WIDTHS, "seeds": SEEDS, "scope": "layer", "levels": [50, 90]}
    rows = [{"pair": "4-9", "width": w, "seed": s, "scope": "layer", "n_val": 10, "requested_sparsity": level,
             "dead_units": 0, **{m: 0.9 - level / 1000 for m in pruning_tables.TABLE_METRICS}}
            for w, s, level in itertools.product(WIDTHS, SEEDS, [0, 50, 90])]
    return pd.DataFrame(rows), lambda path: pruning_tables.read_tables([path], ["4-9"], grid)


def pruning_job_case():
    from lowcap.jobs.pruning_figures import pruning_figures

    table, _ = pruning_case()
    grid = {"widths": WIDTHS, "seeds": SEEDS, "scope": "layer", "levels": [50, 90]}
    return table, lambda path: pruning_figures(path, "4-9", "s", [50, 90], {}, grid=grid)


def imp_case():
    from lowcap.analyses.imp_tables import read_checked

    settings = {"rate": 0.5, "rounds": 2, "target_sparsity": 50.0}  # levels 50, 75
    table = imp_tables.table_keys("4-9", WIDTHS, SEEDS, 2).assign(requested_sparsity=50.0, sparsity_total=50.0,
                                                           val_loss=0.3, val_f1=0.9, val_auc=0.95)
    return table, lambda path: read_checked(path, "4-9", {"widths": WIDTHS, "seeds": SEEDS, "imp": settings})


def mutual_info_case():
    from lowcap.analyses.mutual_info_tables import read_units

    rows = [{"pair": "4-9", "width": w, "seed": s, "unit": u, "mi": 0.1, "mi_frac": 0.2, "output_weight_abs": 1.0,
             "output_weight_kept": True} for w in WIDTHS for s in SEEDS for u in range(w)]
    return pd.DataFrame(rows), lambda path: read_units(path, "4-9", WIDTHS, SEEDS)


def saliency_shift_case():
    from lowcap.analyses.saliency_shift_tables import read_shift

    keys = robustness_tables.result_keys("4-9", WIDTHS, SEEDS, [0.1, 0.3]).merge(pd.DataFrame({"method": list(METHODS)}),
                                                                         how="cross")
    table = keys.assign(rho_mean=0.8, f1_clean=0.9, f1=0.8, f1_drop=0.1, epsilon=np.nan)
    return table, lambda path: read_shift(path, "4-9", {"widths": WIDTHS, "seeds": SEEDS, "sigmas": [0.1, 0.3]})


def max_sparsity_case():
    from lowcap.analyses.compare import read_max_sparsity

    rows = [{"pair": p, "width": w, "max_sparsity_every_seed": 50.0, "max_sparsity_mean": np.nan, "n_seeds": 2}
            for p in ("4-9", "0-1") for w in WIDTHS]
    study = {"pairs": ["4-9", "0-1"], "widths": WIDTHS, "seeds": SEEDS}
    return pd.DataFrame(rows), lambda path: read_max_sparsity(path, study)


def min_capacity_case():
    from lowcap.analyses.capacity import read_min_capacity

    rows = [{"pair": p, "split": sp, "statistic": st, "min_width_every_seed": 4, "min_width_mean": np.nan,
             "threshold": 0.9} for p in ("0-1", "4-9") for sp in ("train", "val") for st in ("best_f1", "final_f1")]
    return pd.DataFrame(rows), lambda path: read_min_capacity(path, ["0-1", "4-9"], "val", "best_f1")


def tsne_similarity_case():
    from lowcap.jobs.tsne_figures import read_similarity

    roles = [("reference", "dense"), ("pruned", "pruned 95%"), ("baseline", "seed 42"), ("baseline", "untrained")]
    table = pd.DataFrame([{"pair": "4-9", "width": 4, "seed": 0, "n_val": 6, "role": r, "comparison": c,
                           "knn_overlap": 0.5, "linear_cka": 0.5, "val_f1": 0.9} for r, c in roles])
    return table, lambda path: read_similarity(path, [["4-9", 4, 0], ["4-9", 4, 42]])


def tsne_embedding_case():
    from lowcap.figures.tsne import PANELS
    from lowcap.jobs.tsne_figures import read_embedding

    table = pd.DataFrame({"val_index": range(6), "digit": [4, 9] * 3,
                          **{f"{p}_{a}": np.linspace(-1, 1, 6) for p in PANELS for a in "xy"}})
    return table, lambda path: read_embedding(path, 6)


def saliency_cases_case():
    from lowcap.jobs.saliency_figures import read_cases

    # fig8_cases: every picked case under the dense model, the correct ones under the pruned one.
    picks = [("dense", "correct 4"), ("dense", "correct 9"), ("dense", "misclassified"), ("pruned", "correct 4"),
             ("pruned", "correct 9")]
    table = pd.DataFrame([{"pair": "4-9", "width": 4, "seed": 0, "epsilon": 0.01, "model": m, "case": c,
                           "val_index": i} for i, (m, c) in enumerate(picks)])
    return table, read_cases


def claims_pruning_case():
    """The claims job reads the pruning tables itself: a truncated one flipped verdicts (finding 1)."""
    from lowcap.jobs.claims import read_study

    table, _ = pruning_case()
    grids = {"widths": WIDTHS, "seeds": SEEDS, "pruning": {"per-layer": {"scope": "layer", "levels": [50, 90]}}}
    return table, lambda path: read_study({"pruning": {"per-layer": [path]}}, ["4-9"], grids)["pruning"]["per-layer"]


def claims_imp_case():
    from lowcap.jobs.claims import read_study

    table, _ = imp_case()
    grids = {"widths": WIDTHS, "seeds": SEEDS, "imp": {"rate": 0.5, "rounds": 2, "target_sparsity": 50.0}}
    return table, lambda path: read_study({"imp": [path]}, ["4-9"], grids)["imp"]


CASES = {f.__name__.removesuffix("_case"): f for f in (
    pruning_case, pruning_job_case, imp_case, mutual_info_case, saliency_shift_case, max_sparsity_case,
    min_capacity_case, tsne_similarity_case, tsne_embedding_case, saliency_cases_case, claims_pruning_case,
    claims_imp_case)}


@pytest.mark.parametrize("name", CASES)
def test_a_complete_table_is_read_as_written(tmp_path, name):
    table, read = CASES[name]()
    path = tmp_path / f"{name}.csv"
    write_table(table, path)
    if name == "pruning_job":
        with pytest.raises(KeyError):  # got past the check, to the (absent) outputs
            read(str(path))
        return
    pd.testing.assert_frame_equal(read(str(path)), pd.read_csv(path, dtype={"pair": str}))


@pytest.mark.parametrize("name", CASES)
def test_a_table_missing_its_last_row_is_refused_naming_the_file(tmp_path, name):
    table, read = CASES[name]()
    path = tmp_path / f"{name}.csv"
    write_table(table.iloc[:-1], path)  # cut at a line boundary: pandas alone reads it
    with pytest.raises(TableError, match=rf"{path} (does not hold|hold no rows).*delete it and rerun snakemake"):
        read(str(path))


@pytest.mark.parametrize("name", CASES)
def test_a_table_cut_mid_line_is_refused_naming_the_file(tmp_path, name):
    table, read = CASES[name]()
    path = tmp_path / f"{name}.csv"
    write_table(table, path)
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(TableError, match=rf"{path} is cut mid-line"):
        read(str(path))


@pytest.mark.parametrize("name", ["pruning", "imp", "mutual_info", "saliency_shift", "tsne_embedding"])
def test_a_duplicated_row_is_refused(tmp_path, name):
    table, read = CASES[name]()
    path = tmp_path / f"{name}.csv"
    write_table(pd.concat([table, table.iloc[[0]]]), path)
    with pytest.raises(TableError, match=rf"{path} does not hold.*1 rows duplicated"):
        read(str(path))


def test_imp_table_keys_are_what_run_seed_writes():
    """The expected keys come from the schedule, not from the table: checked against run_seed."""
    from test_imp import FULL_BATCH, toy_checkpoints

    loaded, d, _ = toy_checkpoints()
    table = imp.run_seed(loaded, [50, 75, 87.5], 1, FULL_BATCH, d, 0).assign(pair="toy", seed=0)
    widths = sorted({item.meta.width for item in loaded})
    want = imp_tables.table_keys("toy", widths, [0], 3)
    got = table[imp_tables.TABLE_KEYS]
    key = lambda t: sorted(map(tuple, t.astype(str).to_numpy()))  # noqa: E731
    assert key(got) == key(want)


def test_the_lr_sweep_figures_refuse_histories_lacking_a_swept_learning_rate(tmp_path):
    from lowcap.jobs.lr_sweep_figures import lr_sweep_figures

    rows = [{"pair": "4-9", "width": w, "seed": s, "lr": 0.1, "split": sp, "epoch": e, "loss": 0.3, "f1": 0.9,
             "auc": 0.9} for w in WIDTHS for s in SEEDS for sp in ("train", "val") for e in range(3)]
    path = tmp_path / "history.csv"
    write_table(pd.DataFrame(rows), path)
    with pytest.raises(TableError, match=rf"{path} hold no rows at the learning rates \[0.5\]"):
        lr_sweep_figures([str(path)], "4-9", WIDTHS, SEEDS, [0.1, 0.5], 0.1, {})


def test_saliency_cases_and_maps_of_different_lengths_are_refused(tmp_path):
    from lowcap.jobs.saliency_figures import read_cases

    table, _ = saliency_cases_case()
    path = tmp_path / "cases.csv"
    write_table(table, path)
    read_cases(str(path), 5)
    with pytest.raises(TableError, match=rf"{path} has 5 rows, its maps file 6 maps"):
        read_cases(str(path), 6)
