"""One module per workflow stage, one function per job: file paths and plain values in, files out.

The scripts in workflow/scripts/ only unpack `snakemake.*` and call these, so every job can also
be run, and tested, without Snakemake. Each job reads its inputs, calls one library function and
writes its outputs. A rule reruns when the code of its job module changes, library modules it
imports included (lowcap.provenance.code_digest), so each stage has a module of its own: an edit
to pruning reruns the pruning jobs and not training. Heavy imports (torch) happen inside the
functions that need them, so the figure jobs do not pay for them.
"""

from __future__ import annotations

import contextlib
import os
import platform
import traceback
from pathlib import Path


@contextlib.contextmanager
def logged(log_path: str | Path | None):
    """Send the job's stdout, stderr and, if it fails, its traceback to its log file: the log is
    where Snakemake tells the user to look."""
    if not log_path:
        yield
        return
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
