"""One module per workflow stage, one function per job: file paths and plain values in, files out.

The scripts in workflow/scripts/ only unpack `snakemake.*` and call these, so every job can also
be run, and tested, without Snakemake. Each job reads its inputs, calls one library function and
writes its outputs. A rule reruns when the code of its job module changes, library modules it
imports included (lowcap.core.provenance.code_digest), so each stage has a module of its own: an edit
to pruning reruns the pruning jobs and not training. Heavy imports (torch) happen inside the
functions that need them, so the figure jobs do not pay for them.
"""

from __future__ import annotations

import contextlib
import os
import platform
import time
import traceback
from pathlib import Path

# When the job began, for the elapsed seconds of its progress lines; reset when its log opens.
_job_start = time.perf_counter()


def progress(message: str) -> None:
    """One progress line with the seconds since the job began, flushed at once, so a long job's log
    shows how far it got while it runs (stdout is the log inside `logged`)."""
    print(f"[{time.perf_counter() - _job_start:7.1f} s] {message}", flush=True)


def each_seed(loaded: list, run):
    """`run(items)` on the checkpoints of each seed in turn, the frames concatenated, with a progress
    line per seed: the library functions that group a pair's checkpoints by seed give the same rows
    in the same order when called one seed at a time."""
    import pandas as pd

    seeds = list(dict.fromkeys(item.meta.seed for item in loaded))
    frames = []
    for k, seed in enumerate(seeds):
        items = [item for item in loaded if item.meta.seed == seed]
        progress(f"seed {seed} ({k + 1}/{len(seeds)}): {len(items)} checkpoints, widths "
                 f"{[item.meta.width for item in items]}")
        frames.append(run(items))
    progress(f"{len(seeds)} seeds done")
    return pd.concat(frames, ignore_index=True)


class Reported(list):
    """The checkpoints a job works through, as a list that reports each one (its width and seed)
    when a loop reaches it, and the end of the loop: the library loops stay as they are."""

    def __init__(self, items, what: str = "checkpoint"):
        super().__init__(items)
        self.what = what

    def __iter__(self):
        for i, item in enumerate(super().__iter__()):
            meta = getattr(item, "meta", None)
            where = f" (width {meta.width}, seed {meta.seed})" if meta is not None else ""
            progress(f"{self.what} {i + 1}/{len(self)}{where}")
            yield item
        progress(f"{len(self)} {self.what}s done")


@contextlib.contextmanager
def logged(log_path: str | Path | None):
    """Send the job's stdout, stderr and, if it fails, its traceback to its log file: the log is
    where Snakemake tells the user to look."""
    if not log_path:
        yield
        return
    global _job_start
    _job_start = time.perf_counter()
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as fh, contextlib.redirect_stdout(fh), contextlib.redirect_stderr(fh):
        # Where the job ran: on a cluster this ties each output to its SLURM job.
        print(f"host={platform.node()} SLURM_JOB_ID={os.environ.get('SLURM_JOB_ID', 'none')}", flush=True)
        try:
            yield
        except BaseException:
            traceback.print_exc(file=fh)
            fh.flush()
            raise


def set_threads(threads: int) -> str:
    """Torch threads for this job, and the device it computes on."""
    import torch

    torch.set_num_threads(threads)
    return "cuda" if torch.cuda.is_available() else "cpu"
