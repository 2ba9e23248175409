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
    missing = [b for b in ("slurmctld", "slurmd", "munged", "sbatch", "squeue") if not shutil.which(b)]
    if missing:
        return f"SLURM not installed ({', '.join(missing)} missing): apt-get install -y slurm-wlm munge"
    return None


pytestmark = pytest.mark.skipif(slurm_unavailable() is not None, reason=str(slurm_unavailable()))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    state = tmp_path_factory.mktemp("slurm")
    subprocess.run([str(CLUSTER), "start", str(state)], check=True, capture_output=True, text=True)
    started = {p.name: int(p.read_text()) for p in (state / "started").glob("*.pid")}
    yield state
    subprocess.run([str(CLUSTER), "stop", str(state)], check=True)
    # Torn down: every daemon the script started is gone, and so is its config link.
    for name, pid in started.items():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not (state / "started" / "conf-link").exists()


def run(workdir: Path, *args: str, env=None) -> subprocess.CompletedProcess:
    # From the repository root, exactly as the README says: `snakemake --profile slurm`.
    cmd = [sys.executable, "-m", "snakemake", "--directory", str(workdir),
           "--configfile", str(workdir / "tiny.yaml"), *args, *TARGETS]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=env)


def test_profile_runs_jobs_under_slurm_with_the_same_results(cluster, tmp_path, mnist_mirror):
    on_slurm, local = tmp_path / "slurm", tmp_path / "local"
    for workdir in (on_slurm, local):
        workdir.mkdir()
        (workdir / "tiny.yaml").write_text(yaml.safe_dump(tiny_config(mnist_mirror)))

    env = {**os.environ, "SLURM_CONF": str(cluster / "slurm.conf")}
    result = run(on_slurm, "--profile", "slurm", "--slurm-status-command", "squeue", "--slurm-no-account",
                 "--slurm-init-seconds-before-status-checks", "2", env=env)
    assert result.returncode == 0, result.stderr[-4000:]
    assert run(local, "--cores", "2").returncode == 0

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
