"""lowcap.core.tables.read_table: an intermediate table is read only when it is complete and well formed;
otherwise the job stops naming the file and the recovery (issue 16, finding 1)."""

import re

import numpy as np
import pandas as pd
import pytest

from lowcap.core.tables import TableError, read_table, write_table

GRID = {"pair": ["4-9"], "width": [2, 4], "seed": [0, 42], "sigma": [0.1, 0.3]}


def full_table() -> pd.DataFrame:
    rows = [{"pair": "4-9", "width": w, "seed": s, "sigma": g, "f1": 0.5 + w / 100 + g}
            for w in (2, 4) for s in (0, 42) for g in (0.1, 0.3)]
    return pd.DataFrame(rows)


@pytest.fixture
def table_csv(tmp_path):
    path = tmp_path / "robustness" / "4-9.csv"
    write_table(full_table(), path)
    return path


def test_a_complete_table_reads_as_written(table_csv):
    table = read_table(table_csv, ["pair", "width", "seed", "sigma", "f1"], GRID)
    pd.testing.assert_frame_equal(table, pd.read_csv(table_csv, dtype={"pair": str}))


def test_a_table_cut_mid_line_is_refused_naming_the_file(table_csv):
    raw = table_csv.read_bytes()
    table_csv.write_bytes(raw[:-4])  # within the last line's f1 value: pandas alone reads it
    with pytest.raises(TableError, match=rf"{table_csv} is cut mid-line.*delete it and rerun snakemake"):
        read_table(table_csv, ["pair", "width", "seed", "sigma", "f1"], GRID)


def test_a_table_cut_at_a_line_boundary_is_refused_naming_the_missing_rows(table_csv):
    lines = table_csv.read_text().splitlines(keepends=True)
    table_csv.write_text("".join(lines[:-2]))
    with pytest.raises(TableError, match=rf"{table_csv} does not hold the complete grid.*2 rows missing "
                                         r"\(.*width=4, seed=42, sigma=0.1.*delete it and rerun"):
        read_table(table_csv, ["pair", "width", "seed", "sigma", "f1"], GRID)


def test_duplicated_rows_and_rows_of_another_grid_are_refused(tmp_path):
    path = tmp_path / "t.csv"
    write_table(pd.concat([full_table(), full_table().iloc[:1]]), path)
    with pytest.raises(TableError, match=r"1 rows duplicated \(pair=4-9, width=2, seed=0, sigma=0.1\)"):
        read_table(path, ["pair", "width", "seed", "sigma"], GRID)
    write_table(full_table(), path)
    with pytest.raises(TableError, match=r"4 rows outside the configured grid \(.*width=4"):
        read_table(path, ["pair", "width", "seed", "sigma"], {**GRID, "width": [2]})
    read_table(path, ["pair", "width", "seed", "sigma"], {**GRID, "width": [2]}, extra_ok=True)


def test_empty_values_missing_columns_and_empty_files_are_refused(tmp_path):
    path = tmp_path / "t.csv"
    write_table(full_table().assign(f1=lambda t: t["f1"].where(t["width"] == 2)), path)
    with pytest.raises(TableError, match=r"empty values in \['f1'\] on lines \[6, 7, 8, 9\]"):
        read_table(path, ["pair", "f1"])
    read_table(path, ["pair", "f1"], nullable=("f1",))
    with pytest.raises(TableError, match=r"lacks the columns \['auc'\]"):
        read_table(path, ["pair", "auc"])
    path.write_text("")
    with pytest.raises(TableError, match=rf"{path} is empty"):
        read_table(path, ["pair"])
    with pytest.raises(TableError, match=r"is missing: rerun snakemake"):
        read_table(tmp_path / "absent.csv", ["pair"])


def test_a_grid_given_as_rows_matches_nan_keys(tmp_path):
    """Robustness keys are not a product: occlusion rows carry sigma NaN."""
    path = tmp_path / "t.csv"
    rows = pd.DataFrame({"corruption": ["clean", "noise", "occlusion"], "sigma": [0.0, 0.3, np.nan]})
    write_table(rows, path)
    read_table(path, ["corruption", "sigma"], rows, nullable=("sigma",))
    with pytest.raises(TableError, match=r"1 rows missing \(corruption=occlusion, sigma=None\)"):
        write_table(rows.iloc[:2], path)
        read_table(path, ["corruption", "sigma"], rows, nullable=("sigma",))


def test_the_robustness_figures_job_refuses_a_short_robustness_table(tmp_path):
    """A robustness_pair table missing its last rows stopped nothing before (issue 16, finding 1)."""
    from lowcap.analyses import robustness_tables
    from lowcap.jobs.robustness_figures import robustness_figures

    keys = robustness_tables.result_keys("4-9", [4, 8], [0, 42], [0.1, 0.3])
    results = keys.assign(loss=0.3, f1=np.linspace(0.5, 0.9, len(keys)), auc=0.9)
    path = tmp_path / "4-9.csv"
    write_table(results, path)
    pd.testing.assert_frame_equal(robustness_tables.read_results(path, "4-9", [4, 8], [0, 42], [0.1, 0.3]),
                                  pd.read_csv(path, dtype={"pair": str}))
    outputs = {name: str(tmp_path / f"{name}.{name.rsplit('_', 1)[1]}") for name in
               ("noise_png", "noise_pdf", "noise_csv", "occlusion_png", "occlusion_pdf", "occlusion_csv")}
    write_table(results.iloc[:-1], path)  # the last occlusion row lost at a line boundary
    grid = {"widths": [4, 8], "seeds": [0, 42], "sigmas": [0.1, 0.3]}
    with pytest.raises(TableError, match=rf"{path} does not hold the complete grid.*1 rows missing \(pair=4-9, "
                                         r"width=8, seed=42, corruption=occlusion, sigma=None\)"):
        robustness_figures(str(path), "4-9", 7, **outputs, grid=grid)
    write_table(results, path)
    with pytest.raises(TableError, match=r"rows missing \(.*sigma=0.5"):  # a table of another config
        robustness_figures(str(path), "4-9", 7, **outputs, grid={**grid, "sigmas": [0.1, 0.3, 0.5]})


# ---------------------------------------------------------------- issue 16, findings 7 and 9: writing and loading


def failing_after(writes_first: bytes, error: BaseException):
    """A writer that puts `writes_first` into its file, then fails: a disk that fills mid-write."""
    def write(_obj, path, *args, **kwargs):
        with open(path, "wb") as fh:
            fh.write(writes_first)
        raise error
    return write


@pytest.mark.parametrize("writer", ["table", "npz"])
def test_a_full_disk_is_named_and_leaves_no_partial_file(tmp_path, monkeypatch, writer):
    import errno
    import zipfile

    from lowcap.core.tables import DiskFullError, save_npz

    out = tmp_path / ("t.csv" if writer == "table" else "a.npz")
    full = OSError(errno.ENOSPC, "No space left on device")
    if writer == "table":
        monkeypatch.setattr(pd.DataFrame, "to_csv", lambda self, path, **kw: failing_after(b"pair,wi", full)(self, path))
        call = lambda: write_table(full_table(), out)  # noqa: E731
    else:
        def zip_write(self, *args, **kwargs):
            raise full
        monkeypatch.setattr(zipfile.ZipFile, "writestr", zip_write)
        call = lambda: save_npz(out, a=np.zeros(3))  # noqa: E731
    with pytest.raises(DiskFullError, match=rf"no space left on device while writing {out}"):
        call()
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # neither the file nor its .part


def test_a_full_disk_under_torch_save_is_named_and_leaves_no_part_file(tmp_path, monkeypatch):
    """torch's C++ writer says only "basic_ios::clear: iostream error": the free space tells."""
    import shutil

    import torch

    from conftest import make_meta
    from lowcap.core.model import init_params, save_checkpoint
    from lowcap.core.tables import DiskFullError

    path = tmp_path / "w4_s0.pt"
    monkeypatch.setattr(torch, "save", failing_after(b"PK\x03\x04", RuntimeError("basic_ios::clear: iostream error")))
    monkeypatch.setattr(shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(10**9, 10**9 - 100, 100))
    with pytest.raises(DiskFullError, match=rf"no space left on device while writing {path}"):
        save_checkpoint(path, init_params(4, 0, "normal", 0.1), make_meta("4-9", 4, 0, "abc"))
    assert list(tmp_path.iterdir()) == []
    # With space left, the same error is not called a full disk (but the .part file still goes).
    monkeypatch.setattr(shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(10**12, 10**9, 10**11))
    with pytest.raises(RuntimeError, match="iostream error") as caught:
        save_checkpoint(path, init_params(4, 0, "normal", 0.1), make_meta("4-9", 4, 0, "abc"))
    assert not isinstance(caught.value, DiskFullError) and list(tmp_path.iterdir()) == []


def test_the_writers_write_the_same_bytes_as_before(tmp_path):
    """Writing through a .part file changes no byte: the CSV is pandas' own, the checkpoint's
    archive is named after the checkpoint (w4_s0.pt/...), as before."""
    import zipfile

    from conftest import make_meta
    from lowcap.core.model import init_params, save_checkpoint

    write_table(full_table(), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == full_table().to_csv(index=False, float_format="%.6g").encode()
    save_checkpoint(tmp_path / "w4_s0.pt", init_params(4, 0, "normal", 0.1), make_meta("4-9", 4, 0, "abc"))
    assert zipfile.ZipFile(tmp_path / "w4_s0.pt").namelist()[0].startswith("w4_s0.pt/")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "w4_s0.pt"]


def test_a_checkpoint_holding_code_is_refused_as_such(tmp_path):
    """Issue 16, finding 9: pickled code was refused, but reported as "truncated or corrupt?" with
    torch's advice to load with weights_only=False, which would run it."""
    import os

    import torch

    from lowcap.core.model import CheckpointError, load_checkpoint

    class Payload:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "ran"),))

    path = tmp_path / "w4_s0.pt"
    torch.save({"state_dict": {}, "meta": Payload()}, path)
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(path)
    message = str(caught.value)
    assert re.search(rf"refused to load checkpoint {path}: it holds pickled code or objects \(posix.system\), "
                     r"which lowcap never writes.*nothing in it was run. Delete it", message)
    assert "weights_only" not in message and "truncated" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # torch's hint is not shown
    assert not (tmp_path / "ran").exists()


def test_without_the_config_every_combination_of_the_held_values_is_required(table_csv):
    """read_table(path, columns, grid=[key columns]): for readers that do not have the config."""
    read_table(table_csv, ["pair", "width", "seed", "sigma"], ["pair", "width", "seed", "sigma"])
    lines = table_csv.read_text().splitlines(keepends=True)
    table_csv.write_text("".join(lines[:-1]))
    with pytest.raises(TableError, match=r"1 rows missing \(pair=4-9, width=4, seed=42, sigma=0.3\)"):
        read_table(table_csv, ["pair", "width", "seed", "sigma"], ["pair", "width", "seed", "sigma"])


def test_float_keys_match_at_the_digits_write_table_keeps(tmp_path):
    """A sigma of 0.1234567 in the config is written 0.123457: still the same row."""
    path = tmp_path / "t.csv"
    write_table(pd.DataFrame({"sigma": [0.1234567, 2.0]}), path)
    assert path.read_text() == "sigma\n0.123457\n2\n"
    read_table(path, ["sigma"], {"sigma": [0.1234567, 2.0]})
