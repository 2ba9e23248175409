"""lowcap.verify (issue 16, finding 5): every output that is missing or differs from what
study.yaml recorded, every damaged checkpoint and every short intermediate table is found, and
the command that rebuilds them forces exactly the jobs that write them."""

import hashlib
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO, make_meta
from lowcap import verify
from lowcap.core.settings import load_settings, merge_files

SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def small_settings():
    """The shipped config on a grid of one pair, two widths, one seed (every key that names a
    model moved onto that grid)."""
    config = merge_files([REPO / "config.yaml"])
    config.update(pairs=["4-9"], widths=[2, 4], seeds=[0])
    model = {"pair": "4-9", "width": 4, "seed": 0}
    config["tsne"].update(model)
    config["saliency"].update(model)
    config["dead_neurons"]["paper_rows"] = []
    config["budget"]["epochs"] = []
    config["claims"]["studies"] = ["released"]
    return load_settings(config, SCHEMA)


def write_run(root: Path) -> None:
    """What a finished run leaves: figures recorded in study.yaml, checkpoints, a history."""
    from lowcap.core.model import init_params, save_checkpoint
    from lowcap.core.tables import write_table

    figures = root / "results/released/figures"
    figures.mkdir(parents=True)
    for name in ("fig3_capacity_val.csv", "fig3_capacity_val.png"):
        (figures / name).write_bytes(name.encode())
    outputs = {f"results/released/figures/{n}": hashlib.sha256(n.encode()).hexdigest()
               for n in ("fig3_capacity_val.csv", "fig3_capacity_val.png")}
    (root / "results/released/study.yaml").write_text(yaml.safe_dump({"settings": {}, "outputs": outputs}))
    for width in (2, 4):
        save_checkpoint(root / f"results/released/checkpoints/4-9/w{width}_s0.pt", init_params(width, 0, "normal", 0.1),
                        make_meta("4-9", width, 0, "abc", study="released"))
    rows = [{"pair": "4-9", "seed": 0, "width": w, "lr": 0.03, "epoch": e, "split": s, "loss": 0.5, "f1": 0.5,
             "auc": 0.5} for w in (2, 4) for s in ("train", "val") for e in range(3)]
    write_table(pd.DataFrame(rows), root / "results/released/metrics/4-9.csv")
    from lowcap.analyses.robustness_tables import result_keys

    keys = result_keys("4-9", [2, 4], [0], [0.1, 0.2, 0.3, 0.4, 0.5])
    write_table(keys.assign(loss=0.5, f1=0.5, auc=0.5), root / "results/released/robustness/4-9.csv")
    for name, table in analysis_tables(small_settings().studies["released"]).items():
        write_table(table, root / name)


def analysis_tables(study) -> dict:
    """Complete pruning, IMP, mutual-information and saliency-shift tables of the grid (pair 4-9,
    widths 2 and 4, seed 0), as their jobs write them."""
    import itertools

    from lowcap.analyses import imp_tables, pruning_tables
    from lowcap.analyses.mutual_info_tables import UNIT_KEYS
    from lowcap.analyses.robustness_tables import result_keys
    from lowcap.analyses.saliency import METHODS

    tables = {}
    for scheme in study.pruning:
        levels = sorted({0, *study.pruning_levels(scheme.name)})
        rows = list(itertools.product(["4-9"], [2, 4], [0], [scheme.scope], levels))
        table = pd.DataFrame(rows, columns=pruning_tables.TABLE_KEYS)
        tables[f"results/released/pruning/{scheme.name}/4-9.csv"] = table.assign(
            dead_units=0, **{m: 0.5 for m in pruning_tables.TABLE_METRICS})
    n_rounds = len(imp_tables.levels(study.imp.rate, study.imp.rounds, study.imp.target_sparsity))
    tables["results/released/imp/4-9.csv"] = imp_tables.table_keys("4-9", [2, 4], [0], n_rounds).assign(
        requested_sparsity=50.0, sparsity_total=50.0, **{m: 0.5 for m in imp_tables.TABLE_METRICS})
    units = [("4-9", w, 0, u) for w in (2, 4) for u in range(w)]
    tables["results/released/mutual_info/4-9.csv"] = pd.DataFrame(units, columns=UNIT_KEYS).assign(
        mi=0.1, mi_frac=0.2, output_weight_abs=0.3, output_weight_kept=1)
    shift = result_keys("4-9", [2, 4], [0], list(study.robustness.noise_sigmas)).merge(
        pd.DataFrame({"method": list(METHODS)}), how="cross")
    tables["results/released/saliency_shift/4-9.csv"] = shift.assign(rho_mean=0.9, f1_clean=0.9, f1=0.8, f1_drop=0.1)
    return tables


def test_a_complete_run_has_nothing_to_rebuild(tmp_path):
    write_run(tmp_path)
    assert verify.problems(small_settings(), tmp_path) == []


def test_each_kind_of_damage_is_found_and_forced(tmp_path):
    write_run(tmp_path)
    (tmp_path / "results/released/figures/fig3_capacity_val.png").unlink()
    (tmp_path / "results/released/figures/fig3_capacity_val.csv").write_text("edited")
    checkpoint = tmp_path / "results/released/checkpoints/4-9/w4_s0.pt"
    checkpoint.write_bytes(checkpoint.read_bytes()[:100])
    history = tmp_path / "results/released/metrics/4-9.csv"
    history.write_text("".join(history.read_text().splitlines(keepends=True)[:-2]))
    found = dict(verify.problems(small_settings(), tmp_path))
    assert found["results/released/figures/fig3_capacity_val.png"] == "missing"
    assert found["results/released/figures/fig3_capacity_val.csv"].startswith("differs from the sha256 in")
    assert "cannot read checkpoint" in found["results/released/checkpoints/4-9/w4_s0.pt"]
    assert "2 rows missing" in found["results/released/metrics/4-9.csv"]
    assert len(found) == 4
    command = verify.rebuild_command(sorted(found), ["configs/mnist-10k-local.yaml"], 2)
    assert command[:3] == [sys.executable, "-m", "snakemake"]
    forced = command[command.index("--forcerun") + 1: command.index("--configfile")]
    assert forced == sorted(found) and command[-1] == "configs/mnist-10k-local.yaml"


def test_the_command_line_reports_and_exits_non_zero(tmp_path, monkeypatch, capsys):
    write_run(tmp_path)
    (tmp_path / "results/released/figures/fig3_capacity_val.png").unlink()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(verify, "load_settings", lambda *a, **k: small_settings())
    assert verify.main([]) == 2
    out = capsys.readouterr().out
    assert "results/released/figures/fig3_capacity_val.png: missing" in out
    assert "snakemake --snakefile" in out and "--forcerun results/released/figures/fig3_capacity_val.png" in out
    (tmp_path / "results/released/figures/fig3_capacity_val.png").write_bytes(b"fig3_capacity_val.png")
    assert verify.main([]) == 0


def test_a_bad_config_is_reported(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text("claims: {noise_sigma: 0.25}\n")
    assert verify.main([str(tmp_path / "bad.yaml")]) == 1
    assert "'claims.noise_sigma' is 0.25" in capsys.readouterr().err


def test_a_deleted_intermediate_of_a_built_study_is_found(tmp_path):
    write_run(tmp_path)
    (tmp_path / "results/released/checkpoints/4-9/w2_s0.pt").unlink()
    (tmp_path / "results/released/metrics/4-9.csv").unlink()
    found = dict(verify.problems(small_settings(), tmp_path))
    assert found == {"results/released/checkpoints/4-9/w2_s0.pt": "missing",
                     "results/released/metrics/4-9.csv": "missing"}
    (tmp_path / "results/released/study.yaml").unlink()  # never completed: snakemake builds what is missing
    assert verify.problems(small_settings(), tmp_path) == []


def test_the_printed_command_reruns_the_job_snakemake_alone_would_not(tmp_path, mnist_mirror):
    """The recovery step as the docs give it, on a run whose every output is present (empty
    files stand in for them; dry runs only): a deleted checkpoint leaves snakemake with nothing to
    do, and the command verify prints (--forcerun FILE) reruns its training job and what is made
    from it."""
    import subprocess

    from test_slurm import stage_heavy_outputs, workdir_with_config

    workdir = workdir_with_config(tmp_path / "run", mnist_mirror)
    stage_heavy_outputs(workdir, set())  # every output present, downstream ones newer
    deleted = "results/released/checkpoints/4-9/w8_s1.pt"
    (workdir / deleted).unlink()
    plain = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "-n", "--rerun-triggers",
             "mtime", "--configfile", "tiny.yaml"]
    result = subprocess.run(plain, cwd=workdir, capture_output=True, text=True, timeout=300)
    assert "Nothing to be done" in result.stdout + result.stderr
    command = verify.rebuild_command([deleted], ["tiny.yaml"], 1)
    command[3:3] = ["-n", "--rerun-triggers", "mtime"]  # a dry run; the staged files have no metadata
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=300)
    jobs = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, re.M))
    assert jobs.get("train_pair") == "1" and "study_manifest" in jobs, result.stdout[-3000:]


@pytest.mark.parametrize("table", ["pruning/per-layer", "pruning/as-released", "imp", "mutual_info", "saliency_shift"])
def test_a_short_analysis_table_is_found(tmp_path, table):
    """Each analysis table is read against its rule's grid: one row gone (a file cut at a line
    boundary, which parses) is found, and the command forces that file. Old behaviour: only
    histories and robustness tables were checked, so these passed."""
    write_run(tmp_path)
    name = f"results/released/{table}/4-9.csv"
    lines = (tmp_path / name).read_text().splitlines(keepends=True)
    (tmp_path / name).write_text("".join(lines[:-1]))
    found = dict(verify.problems(small_settings(), tmp_path))
    assert list(found) == [name] and "1 rows missing" in found[name], found
    (tmp_path / name).unlink()
    assert dict(verify.problems(small_settings(), tmp_path)) == {name: "missing"}


def test_targets_come_after_the_options_that_take_every_value():
    command = verify.rebuild_command(["a.pt", "b.csv"], ["tiny.yaml"], 2, ["results/x.csv"])
    assert command[command.index("--forcerun") + 1: command.index("--configfile")] == ["a.pt", "b.csv"]
    assert command[-3:] == ["tiny.yaml", "--", "results/x.csv"]
    assert "--" not in verify.rebuild_command(["a.pt"], ["tiny.yaml"], 2)
