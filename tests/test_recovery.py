"""Recovery as docs/errors-and-recovery.md gives it (issue 16, findings 5 and 9), each step run
as written with real snakemake processes on the tiny config: two runs at once, the unlock after a
kill, and a deleted intermediate rebuilt by the command lowcap.verify prints."""

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from base64 import urlsafe_b64encode
from pathlib import Path

import pytest
import yaml

from conftest import REPO, tiny_config
from lowcap import verify

BUILT = "results/released/checkpoints/4-9/w2_s0.pt"  # built before; the second run asks for it
WRITING = "results/released/checkpoints/0-1/w2_s0.pt"  # what the first run is writing


def snakemake(*args: str) -> list[str]:
    """The command line as the docs write it (with this checkout's Snakefile and the tiny config)."""
    return [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--configfile", "tiny.yaml",
            *args]


def run(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(snakemake(*args), cwd=workdir, capture_output=True, text=True, timeout=300)


@pytest.fixture
def workdir(tmp_path, mnist_mirror) -> Path:
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(tiny_config(mnist_mirror)))
    return tmp_path


def wait_until_writing(workdir: Path, first: subprocess.Popen) -> None:
    """Until the first run holds the lock and has a job under way (an incomplete output)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and first.poll() is None:
        if any((workdir / ".snakemake/locks").glob("*.lock")) and any((workdir / ".snakemake/incomplete").glob("*")):
            return
        time.sleep(0.1)
    pytest.fail(f"the first run never held the lock with a job under way (rc {first.poll()})")


def mark_incomplete(workdir: Path, name: str) -> None:
    """Snakemake's marker for an output a running job is writing (.snakemake/incomplete/<b64 path>)."""
    marker = workdir / ".snakemake/incomplete" / urlsafe_b64encode(name.encode()).decode()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text('{"external_jobid": null}')


def test_a_second_run_is_told_first_that_the_directory_is_locked(workdir):
    """Old behaviour: the second run failed with IncompleteFilesException, whose message says to
    use --rerun-incomplete, on a file the first run was still writing (here: its marker, beside a
    real first run that holds the lock and writes another)."""
    assert run(workdir, "--cores", "1", BUILT).returncode == 0
    # The first run trains for many epochs, so that it is still running, whatever the machine's
    # load, when the second run (a Snakefile parse and a lock check) is done; it is killed anyway.
    tiny = yaml.safe_load((workdir / "tiny.yaml").read_text())
    tiny["studies"]["released"]["training"]["epochs"] = 100_000  # minutes; 4 in the tiny config
    (workdir / "slow.yaml").write_text(yaml.safe_dump(tiny))
    command = [*snakemake("--cores", "1", WRITING)]
    command[command.index("tiny.yaml")] = "slow.yaml"
    first = subprocess.Popen(command, cwd=workdir, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_writing(workdir, first)
        for name in (BUILT, BUILT.replace("w2_s0.pt", "w2_s1.pt")):
            mark_incomplete(workdir, name)
        second = run(workdir, "--cores", "1", BUILT)
        assert first.poll() is None, "the first run ended before the second was checked"
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # a kill, as a lost node: the lock stays behind
        first.wait()
    said = second.stdout + second.stderr
    assert second.returncode != 0
    assert "is locked by another snakemake run that is still running" in said, said[-3000:]
    assert f"process {first.pid}" in said
    assert "rerun-incomplete" not in said and "IncompleteFilesException" not in said

    # After the kill, nothing runs there: the message says to unlock, then rerun the incomplete jobs.
    stale = run(workdir, "--cores", "1", WRITING)
    said = stale.stdout + stale.stderr
    assert stale.returncode != 0 and "no snakemake process runs in it" in said, said[-3000:]
    assert "snakemake --unlock" in said

    # A dry run and a listing still work in the locked directory (they do not lock).
    assert run(workdir, "-n", WRITING).returncode == 0
    assert run(workdir, "--list-rules").returncode == 0

    # The recovery as written: `snakemake --unlock` with the same config, then the run again with
    # --rerun-incomplete; the checkpoint the killed run was writing is then complete.
    assert run(workdir, "--unlock").returncode == 0
    assert not any((workdir / ".snakemake/locks").glob("*.lock"))
    resumed = run(workdir, "--cores", "1", "--rerun-incomplete", WRITING)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    from lowcap.core.model import load_checkpoint

    load_checkpoint(workdir / WRITING)


def test_will_lock_reads_the_command_line_as_snakemake_does():
    import snakemake as package

    main = str(Path(package.__file__).parent / "__main__.py")  # argv[0] of `python3 -m snakemake`
    assert verify.will_lock([main, "--cores", "2"])
    assert verify.will_lock(["/usr/bin/snakemake", "--cores", "2", "--rerun-incomplete"])
    for flags in (["-n"], ["-np"], ["--dry-run"], ["--unlock"], ["--lint"], ["--report", "r.html"], ["--list-rules"],
                  ["--nolock"], ["--summary"], ["--dag"]):
        assert not verify.will_lock(["/usr/bin/snakemake", "--cores", "2", *flags]), flags
    assert not verify.will_lock(["/usr/bin/pytest", "--cores", "2"])  # not a snakemake command line


def test_no_lock_files_no_message(tmp_path):
    assert verify.lock_message(tmp_path) is None
    (tmp_path / ".snakemake/locks").mkdir(parents=True)
    assert verify.lock_message(tmp_path) is None
    (tmp_path / ".snakemake/locks/0.input.lock").write_text("x\n")
    assert "no snakemake process runs in it" in verify.lock_message(tmp_path)


# A study's pruning table of one pair (a training job, then one pruning job) and its figure job:
# the smallest part of the tiny run that has an intermediate, a table made from it and figures.
PRUNED = "results/released/pruning/per-layer/4-9.csv"
FIGURE = "results/released/figures/fig4_per-layer_f1_4-9.csv"
CHECKPOINTS = [f"results/released/checkpoints/4-9/w{w}_s{s}.pt" for w in (2, 8) for s in (0, 1)]


@pytest.fixture(scope="module")
def built(tmp_path_factory, mnist_mirror) -> tuple[Path, dict]:
    """A finished run of FIGURE, and the sha256 of each file it made."""
    workdir = tmp_path_factory.mktemp("built")
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(tiny_config(mnist_mirror)))
    result = run(workdir, "--cores", "2", FIGURE)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir, digests(workdir)


def digests(workdir: Path) -> dict:
    return {name: hashlib.sha256((workdir / name).read_bytes()).hexdigest() for name in [*CHECKPOINTS, PRUNED, FIGURE]}


def test_a_deleted_checkpoint_is_rebuilt_by_forcerun_file(built):
    """docs: Snakemake reports nothing to do for a deleted intermediate whose products are up to
    date; `--forcerun FILE` (the doc's command, with this run's target) retrains the pair, bit for
    bit as before, and reruns what is made from it."""
    workdir, before = built
    (workdir / CHECKPOINTS[0]).unlink()
    plain = run(workdir, "--cores", "2", FIGURE)
    assert "Nothing to be done" in plain.stdout + plain.stderr and not (workdir / CHECKPOINTS[0]).exists()
    forced = run(workdir, "--cores", "2", "--forcerun", CHECKPOINTS[0], "--", FIGURE)
    assert forced.returncode == 0, forced.stderr[-3000:]
    assert re.search(r"^pruning_figures\s+1$", forced.stdout + forced.stderr, re.M)
    assert digests(workdir) == before


def test_verify_finds_a_corrupt_checkpoint_and_rebuild_restores_it(built):
    """docs: `python3 -m lowcap.verify [--rebuild] CONFIGFILE ...` from the run's directory."""
    workdir, before = built
    damaged = workdir / CHECKPOINTS[-1]
    damaged.write_bytes(damaged.read_bytes()[:200])
    verify_cmd = [sys.executable, "-m", "lowcap.verify"]
    found = subprocess.run([*verify_cmd, "tiny.yaml"], cwd=workdir, capture_output=True, text=True, timeout=120)
    assert found.returncode == 2 and f"{CHECKPOINTS[-1]}: cannot read checkpoint" in found.stdout, found.stdout
    rebuilt = subprocess.run([*verify_cmd, "--rebuild", "--target", FIGURE, "tiny.yaml"], cwd=workdir,
                             capture_output=True, text=True, timeout=300)
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    assert digests(workdir) == before
    again = subprocess.run([*verify_cmd, "tiny.yaml"], cwd=workdir, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout


def test_a_truncated_table_stops_its_reader_and_delete_and_rerun_recovers(built):
    """docs: a short intermediate table stops the job that reads it, naming the file and the
    recovery: delete it and rerun."""
    workdir, before = built
    table = workdir / PRUNED
    table.write_text("".join(table.read_text().splitlines(keepends=True)[:-2]))
    failed = run(workdir, "--cores", "2", "--forcerun", "pruning_figures", "--", FIGURE)
    log = workdir / "results/logs/released/pruning_figures/per-layer/4-9.log"
    said = failed.stdout + failed.stderr + (log.read_text() if log.exists() else "")
    assert failed.returncode != 0 and PRUNED in said and "delete it and rerun snakemake" in said, said[-3000:]
    table.unlink()
    rerun = run(workdir, "--cores", "2", FIGURE)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert digests(workdir) == before


def test_forcerun_a_rule_reruns_its_jobs_and_what_depends_on_them(built):
    """docs: `--forcerun pruning_figures` reruns that rule's jobs; `--forcerun train_pair` reruns
    nearly everything (dry runs, as the doc advises first)."""
    workdir, _ = built
    figures = run(workdir, "-n", "--forcerun", "pruning_figures", "--", FIGURE).stdout
    assert re.search(r"^pruning_figures\s+1$", figures, re.M) and not re.search(r"^train_pair\s", figures, re.M)
    training = run(workdir, "-n", "--forcerun", "train_pair", "--", FIGURE).stdout
    for rule in ("train_pair", "pruning_pair", "pruning_figures"):
        assert re.search(rf"^{rule}\s+1$", training, re.M), training[-2000:]
