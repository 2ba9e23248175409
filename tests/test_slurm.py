"""The SLURM profile on a real one-node SLURM cluster started by tests/slurm/local_cluster.sh.

Skips, saying why, only where SLURM cannot run here (not root, or slurm-wlm/munge not installed;
.ci/run installs them). It never passes without having run the jobs under SLURM.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml

from conftest import PAIRS, REPO, SEEDS, WIDTHS, tiny_config

CLUSTER = REPO / "tests" / "slurm" / "local_cluster.sh"
TARGETS = ["results/released/tables/min_capacity.csv", "results/released/figures/fig3_capacity_val.png"]


def slurm_unavailable() -> str | None:
    if os.geteuid() != 0:
        return "needs root to start munge and a one-node SLURM cluster"
    missing = [b for b in ("slurmctld", "slurmd", "munged", "mungekey", "sbatch", "squeue") if not shutil.which(b)]
    if missing:
        return f"SLURM not installed ({', '.join(missing)} missing): apt-get install -y slurm-wlm munge"
    return None


# The tests on a real cluster: a long check (a cluster and a tiny run), `pytest -m reproduction`.
# The profile's groups (at the end) need no cluster: a recording sbatch shows what would be sent.
reproduction = pytest.mark.reproduction
needs_slurm = pytest.mark.skipif(slurm_unavailable() is not None, reason=str(slurm_unavailable()))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A one-node cluster private to this test run: its own munged, ports, names and state, so it
    does not collide with another test cluster on the machine. Its failures are shown in full."""
    state = tmp_path_factory.mktemp("slurm")
    start = subprocess.run([str(CLUSTER), "start", str(state)], capture_output=True, text=True)
    if start.returncode != 0:
        subprocess.run([str(CLUSTER), "stop", str(state)])  # whatever did start
        pytest.fail(f"{CLUSTER} start {state} failed (exit {start.returncode}):\n"
                    f"{start.stdout}\n{start.stderr}", pytrace=False)
    started = {p.name: int(p.read_text()) for p in (state / "started").glob("*.pid")}
    assert set(started) == {"munged.pid", "slurmctld.pid", "slurmd.pid"}, start.stdout + start.stderr
    yield state
    stop = subprocess.run([str(CLUSTER), "stop", str(state)], capture_output=True, text=True)
    assert stop.returncode == 0, f"{CLUSTER} stop failed:\n{stop.stdout}\n{stop.stderr}"
    # Torn down: every daemon the script started is gone.
    for name, pid in started.items():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def cluster_env(cluster: Path) -> dict:
    # The wrappers in cluster/bin point every SLURM client (srun inside the jobs too) at this
    # cluster. No GPU: both runs compute on CPU, so their results can be compared bit for bit.
    return {**os.environ, "PATH": f"{cluster / 'bin'}:{os.environ['PATH']}",
            "SLURM_CONF": str(cluster / "slurm.conf"), "CUDA_VISIBLE_DEVICES": ""}


def run(workdir: Path, *args: str, env=None, targets=TARGETS) -> subprocess.CompletedProcess:
    # From the repository root, exactly as the README says: `snakemake --profile slurm`.
    cmd = [sys.executable, "-m", "snakemake", "--directory", str(workdir),
           "--configfile", str(workdir / "tiny.yaml"), *args, *targets]
    env = env or {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    try:  # a job that SLURM loses would otherwise keep snakemake waiting forever
        return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=env, timeout=600)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"snakemake did not finish in 600 s: {' '.join(cmd)}\n{(exc.stderr or b'')[-4000:]!r}")


def sbatch_options(result: subprocess.CompletedProcess) -> list[str]:
    """The options of every sbatch call that the SLURM executor logged (with --verbose), without
    the wrapped job command."""
    calls = [line.split("sbatch call: ", 1)[1] for line in (result.stdout + result.stderr).splitlines()
             if "sbatch call: " in line]
    return [call.split(" --wrap=", 1)[0] for call in calls]


ACCOUNT_OPTION = re.compile(r"(^|\s)(-A|--account)(\s|=|$)")


def workdir_with_config(path: Path, mnist_mirror) -> Path:
    path.mkdir()
    (path / "tiny.yaml").write_text(yaml.safe_dump(tiny_config(mnist_mirror)))
    return path


@reproduction
@needs_slurm
def test_profile_runs_jobs_under_slurm_with_the_same_results(cluster, tmp_path, mnist_mirror):
    """The user's path: `snakemake --profile slurm` with the profile exactly as shipped, on a
    cluster without accounts."""
    on_slurm = workdir_with_config(tmp_path / "slurm", mnist_mirror)
    local = workdir_with_config(tmp_path / "local", mnist_mirror)

    # Only test-speed options beside the profile: status checks from 2 s on, and the sbatch calls
    # in the log (--verbose).
    result = run(on_slurm, "--profile", "slurm", "--slurm-init-seconds-before-status-checks", "2",
                 "--verbose", env=cluster_env(cluster))
    assert result.returncode == 0, result.stderr[-4000:]
    local_run = run(local, "--cores", "2")
    assert local_run.returncode == 0, local_run.stderr[-4000:]

    # No job was sent with an account, least of all a placeholder one.
    options = sbatch_options(result)
    assert len(options) >= len(PAIRS), result.stderr[-4000:]
    assert not [o for o in options if ACCOUNT_OPTION.search(o)], options
    logs = result.stdout + result.stderr + "".join(
        log.read_text() for log in (on_slurm / ".snakemake" / "log").glob("*.log"))
    assert "CHANGE_ME" not in logs and "slurm_account" not in logs

    # The training jobs ran as SLURM jobs: each log names its own SLURM job ID.
    job_ids = set()
    for pair in PAIRS:
        log = (on_slurm / f"results/logs/released/train_pair/{pair}.log").read_text()
        match = re.search(r"SLURM_JOB_ID=(\d+)", log)
        assert match, log[:500]
        job_ids.add(match.group(1))
    assert len(job_ids) == len(PAIRS)
    local_log = (local / f"results/logs/released/train_pair/{PAIRS[0]}.log").read_text()
    assert "SLURM_JOB_ID=none" in local_log

    # Identical outputs: every checkpoint tensor, every history and table.
    for pair in PAIRS:
        for seed in SEEDS:
            for width in WIDTHS:
                name = f"results/released/checkpoints/{pair}/w{width}_s{seed}.pt"
                a = torch.load(on_slurm / name, weights_only=True)
                b = torch.load(local / name, weights_only=True)
                assert a["meta"] == b["meta"]
                assert all(torch.equal(a["state_dict"][k], b["state_dict"][k]) for k in a["state_dict"])
        name = f"results/released/metrics/{pair}.csv"
        assert (on_slurm / name).read_bytes() == (local / name).read_bytes()
    for name in ("results/released/tables/min_capacity.csv", "results/released/figures/fig3_capacity_val.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(on_slurm / name), pd.read_csv(local / name))


@reproduction
@needs_slurm
def test_an_account_is_one_line_in_the_profile(cluster, tmp_path, mnist_mirror):
    """A cluster with accounts: the one line that the profile's comment shows, added under
    default-resources, sends every job with that account. One training job is enough to see it."""
    shipped = (REPO / "slurm" / "config.yaml").read_text()
    line = re.search(r'^#\s+(slurm_account: "[^"]+")$', shipped, re.MULTILINE)
    assert line, "slurm/config.yaml should show the slurm_account line to add"
    account = line.group(1).split('"')[1]
    profile = tmp_path / "profile"
    shutil.copytree(REPO / "slurm", profile)
    edited = shipped.replace("default-resources:\n", f"default-resources:\n  {line.group(1)}\n", 1)
    assert edited.count(line.group(1)) == 2  # the comment and the one added line
    (profile / "config.yaml").write_text(edited)

    workdir = workdir_with_config(tmp_path / "account", mnist_mirror)
    result = run(workdir, "--profile", str(profile), "--slurm-init-seconds-before-status-checks", "2",
                 "--verbose", env=cluster_env(cluster), targets=[f"results/released/metrics/{PAIRS[0]}.csv"])
    assert result.returncode == 0, result.stderr[-4000:]
    options = sbatch_options(result)
    assert options and all(f" -A {account}" in o for o in options), options
    # And SLURM ran the job under that account.
    job_id = re.search(r"SLURM_JOB_ID=(\d+)", (workdir / f"results/logs/released/train_pair/{PAIRS[0]}.log").read_text())
    assert job_id
    job = subprocess.run(["scontrol", "show", "job", job_id.group(1)], capture_output=True, text=True,
                         env=cluster_env(cluster))
    assert f"Account={account}" in job.stdout, job.stdout + job.stderr


# ---------------------------------------------------------------- issue 16, finding 8: group jobs fit a small node

NODE_CPUS, NODE_MEM_MB = 4, 4000  # a small node; the profile's groups must fit it


def rule_resources() -> dict[str, dict]:
    """Each rule of workflow/rules/: its runtime (minutes) and whether it sets threads."""
    rules = {}
    for path in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        for match in re.finditer(r"^rule (\w+):(.*?)(?=^rule |\Z)", path.read_text(), re.S | re.M):
            runtime = re.search(r"^\s+runtime=(\d+)", match.group(2), re.M)
            rules[match.group(1)] = {"runtime": int(runtime.group(1)) if runtime else None,
                                     "threads": bool(re.search(r"^\s+threads:", match.group(2), re.M))}
    return rules


def light_rules() -> set[str]:
    """Figure, table and summary rules: 10 minutes or less, one thread."""
    return {name for name, r in rule_resources().items() if r["runtime"] is not None and r["runtime"] <= 10
            and not r["threads"]}


def profile_groups() -> dict[str, str]:
    profile = yaml.safe_load((REPO / "slurm" / "config.yaml").read_text())
    return dict(entry.split("=") for entry in profile["groups"])


def test_every_light_rule_is_grouped_and_no_heavy_one():
    """The profile's groups left out about ten newer figure and table rules, each then its own
    SLURM job. Every light rule (a newly added one too) must be in a group, and no long one."""
    light, grouped = light_rules(), set(profile_groups())
    assert {"tsne_figure", "claims_table", "imp_figure", "mlp_vs_cnn", "study_manifest"} <= light
    assert light - grouped == set(), "light rules missing from slurm/config.yaml's groups"
    assert grouped - light == set(), "heavy (or unknown) rules grouped in slurm/config.yaml"


def stage_heavy_outputs(workdir: Path, light: set[str]) -> None:
    """Empty files for every output of the jobs that are not light (as a dry run lists them),
    so that the light jobs, and only they, are ready to be submitted."""
    cmd = [sys.executable, "-m", "snakemake", "--directory", str(workdir), "--configfile", str(workdir / "tiny.yaml"),
           "-n", "--rerun-triggers", "mtime"]
    for round_ in range(5):
        out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300).stdout
        jobs = re.findall(r"^(?:local)?rule (\w+):\n(?:    .*\n)*?    output: (.*)$", out, re.M)
        heavy = [files for rule, files in jobs if rule not in light and rule != "all"]
        if not heavy:
            return
        for files in heavy:
            for name in files.split(", "):
                path = workdir / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch()
                os.utime(path, (1e9 + round_, 1e9 + round_))  # later rounds are downstream: newer
    pytest.fail("the heavy jobs' outputs could not be staged")


@reproduction  # a dry run per staging round and a profile run: about 50 s
def test_group_jobs_ask_for_no_more_than_a_small_node(tmp_path, mnist_mirror):
    """A recording sbatch saw --cpus-per-task=50 --mem 25000 for 50 grouped figure jobs. With the
    profile as shipped, each group job now asks for at most 4 CPUs and 4000 MB, and no light job
    is sent on its own."""
    workdir = workdir_with_config(tmp_path / "run", mnist_mirror)
    light = light_rules()
    stage_heavy_outputs(workdir, light)
    bin_dir, record = tmp_path / "bin", tmp_path / "sbatch.txt"
    bin_dir.mkdir()
    (bin_dir / "sbatch").write_text('#!/bin/sh\necho "$@" >> "$SBATCH_RECORD"\necho "recorded, not submitted" >&2\n'
                                    "exit 1\n")
    for tool in ("sinfo", "squeue", "sacct", "scontrol"):
        (bin_dir / tool).write_text("#!/bin/sh\nexit 0\n")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "SBATCH_RECORD": str(record)}
    run(workdir, "--profile", "slurm", "--keep-going", "--latency-wait", "0", "--rerun-triggers", "mtime",
        env=env, targets=[])
    calls = record.read_text().splitlines()
    assert len(calls) >= 2, calls
    for call in calls:
        comment = re.search(r"--comment (\S+)", call).group(1)
        assert comment.startswith(("rule_figures_", "rule_summaries_")), comment  # a group job
        cpus = int(re.search(r"--cpus-per-task=(\d+)", call).group(1))
        mem = int(re.search(r"--mem (\d+)", call).group(1))
        assert cpus <= NODE_CPUS and mem <= NODE_MEM_MB, call[:300]
    # Grouped: at least 4 light jobs per SLURM job on this DAG.
    assert any(int(re.search(r"--cpus-per-task=(\d+)", c).group(1)) == NODE_CPUS for c in calls)
