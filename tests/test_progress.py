"""Progress lines: every long job writes one line per seed (or checkpoint) with the elapsed
seconds to its log while it runs, not only when it ends (lowcap.jobs.progress)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from conftest import pool_paths

from lowcap import jobs
from lowcap.jobs import each_seed, logged, progress, Reported

PROGRESS = r"^\[ *\d+\.\d s\] "


class Stop(Exception):
    """Raised by a fake library function mid-job, after it has read the job's log."""


def fake_checkpoints(seeds=(0, 42), widths=(2, 8)) -> list:
    return [SimpleNamespace(meta=SimpleNamespace(pair="4-9", width=w, seed=s)) for s in seeds for w in widths]


def test_progress_lines_reach_the_log_while_the_loop_runs(tmp_path):
    log = tmp_path / "job.log"
    seen = []
    with logged(log):
        progress("started")
        for item in Reported(fake_checkpoints()):
            seen.append(log.read_text())  # what a user tailing the log sees now
    assert "] started" in seen[0] and "checkpoint 1/4 (width 2, seed 0)" in seen[0]
    assert "checkpoint 3/4 (width 2, seed 42)" in seen[2] and "checkpoint 4/4" not in seen[2]
    lines = log.read_text().splitlines()
    assert pd.Series(lines[1:]).str.match(PROGRESS).all() and lines[-1].endswith("4 checkpoints done")


def test_each_seed_gives_the_rows_of_one_call_and_a_line_per_seed(tmp_path):
    loaded = fake_checkpoints(seeds=(78, 0, 42))

    def grouped(items):  # like imp.run_pair: groups by seed, one frame
        rows = [{"seed": i.meta.seed, "width": i.meta.width, "x": i.meta.width / 3} for i in items]
        return pd.DataFrame(rows).assign(pair=items[0].meta.pair)

    log = tmp_path / "job.log"
    with logged(log):
        out = each_seed(loaded, grouped)
    pd.testing.assert_frame_equal(out, grouped(loaded))
    text = log.read_text()
    assert [f"seed {s} ({k}/3)" in text for k, s in [(1, 78), (2, 0), (3, 42)]] == [True] * 3
    assert text.index("seed 78") < text.index("seed 0 (") < text.index("seed 42")


def stop_mid_job(log: Path, after: int):
    """A fake library function: works through the checkpoints, reads the log at the `after`-th,
    and stops the job there."""
    def run(loaded, *args, **kwargs):
        for k, _ in enumerate(loaded, start=1):
            if k == after:
                raise Stop(log.read_text())
        raise Stop(log.read_text())
    return run


JOBS = {  # job, library module and function it calls, the job's keyword arguments besides the common ones
    "imp_pair": ("imp", "run_pair", dict(protocol={"lr": 0.03, "epochs": 1, "batch_size": None, "init": "normal",
                                                  "init_std": 0.1}, rate=20.0, rounds=2, finetune_epochs=1,
                                         target_sparsity=36.0, tolerance_points=1.0)),
    "saliency_shift_pair": ("saliency_shift", "map_shift", dict(sigmas=[0.1], occlusion_size=4, n_images=2,
                                                                epsilon=0.01)),
    "mutual_info_pair": ("mutual_info", "network_unit_table", dict(sparsity=95.0, scope="layer", n_neighbors=3,
                                                                   random_state=0)),
    "pruning_pair": ("pruning", "prune_checkpoints", dict(levels=[50.0], scope="layer")),
    "robustness_pair": ("robustness", "evaluate_checkpoints", dict(sigmas=[0.1], occlusion_size=4,
                                                                   example_sigma=0.1, out_example="x.npz")),
}


@pytest.mark.parametrize("job", sorted(JOBS))
def test_a_running_job_log_shows_progress(job, tmp_path, monkeypatch):
    import importlib

    from lowcap.core import evaluation

    module_name, function, kwargs = JOBS[job]
    library = importlib.import_module(f"lowcap.analyses.{module_name}")
    job_module = importlib.import_module(f"lowcap.jobs.{module_name}")
    log = tmp_path / "job.log"
    monkeypatch.setattr(evaluation, "load_checked", lambda *a, **k: fake_checkpoints())
    monkeypatch.setattr(library, function, stop_mid_job(log, after=3))
    out = {"out_csv": "x.csv"} if job == "robustness_pair" else {"out": "x.csv"}
    with pytest.raises(Stop) as stopped, logged(log):
        getattr(job_module, job)(checkpoints=[], expected=[], images="i", labels="l", study="s", **out, **kwargs)
    seen = str(stopped.value)  # the log as it was mid-job, before any table was written
    assert "seed 0 (1/2): 2 checkpoints" in seen or "checkpoint 3/4 (width 2, seed 42)" in seen, seen


def test_training_logs_a_line_per_seed_before_the_job_ends(mnist_mirror, tmp_path):
    from lowcap.jobs.train import train_pair

    images, labels = pool_paths(mnist_mirror)
    log = tmp_path / "train.log"
    seen = []

    def trainer(widths, seed, proto, *data_and_device):
        seen.append(log.read_text())
        if seed == 42:
            raise Stop()
        from lowcap.core.train import train_bank
        return train_bank(widths, [proto.lr] * len(widths), seed, proto, *data_and_device)

    proto = {"lr": 0.03, "epochs": 1, "batch_size": None, "init": "normal", "init_std": 0.1}
    with pytest.raises(Stop), logged(log):
        train_pair(images, labels, {"name": "test", "dataset": "mnist", "pool": "test"}, "4-9", [0, 42], [2],
                   proto, [str(tmp_path / "w2_s0.pt"), str(tmp_path / "w2_s42.pt")], str(tmp_path / "h.csv"),
                   trainer=trainer)
    assert "seed 1/2: study test pair 4-9 seed 0" in seen[0]
    assert "seed 0 trained and saved" in seen[1] and "seed 2/2" in seen[1]


def test_the_job_clock_restarts_when_its_log_opens(tmp_path):
    jobs._job_start -= 1000  # as if the process had been running a long time
    with logged(tmp_path / "a.log"):
        progress("x")
    assert float((tmp_path / "a.log").read_text().splitlines()[-1].split("]")[0].strip("[ s")) < 100
