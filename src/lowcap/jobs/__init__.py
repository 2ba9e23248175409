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


# A rule's params that are not arguments of its job function: the job itself, and `caption`, the
# values only its report caption quotes (a constant the code digest already covers, a setting that
# reaches the job through a table it reads).
RUNNER_PARAMS = ("job", "code", "caption")


class JobSignatureError(TypeError):
    """A rule and the job function it names disagree about the arguments."""


def job_arguments(function, rule: str, inputs: dict, outputs: dict, params: dict, wildcards: dict,
                  threads: int, config: dict) -> dict:
    """The keyword arguments of a job function, by name, from what its rule reads, writes and passes.

    Every parameter of the function is looked up, in order, among the rule's named inputs, named
    outputs, params and wildcards; `threads`, `outputs` (every named output, as a dict) and `config`
    are given when asked for. Every named input, output and param must be taken, so that a rule that
    names a file or value the job ignores fails at once, naming both."""
    import inspect

    offered = {**wildcards, **params, **outputs, **inputs}
    special = {"threads": threads, "outputs": outputs, "config": config}
    kwargs = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name in offered:
            kwargs[name] = offered[name]
        elif name in special:
            kwargs[name] = special[name]
        elif parameter.default is inspect.Parameter.empty:
            raise JobSignatureError(f"rule {rule}: {function.__module__}.{function.__name__} needs {name!r}, which "
                                    f"the rule neither reads, writes, passes nor has as a wildcard")
    taken = set(kwargs) | ({*outputs} if "outputs" in kwargs else set())
    unused = [name for name in (*inputs, *outputs, *params) if name not in taken]
    if unused:
        raise JobSignatureError(f"rule {rule}: {function.__module__}.{function.__name__} takes no {unused}, "
                                f"which the rule reads, writes or passes")
    return kwargs


def _named(items) -> dict:
    """A Snakemake Namedlist's named entries: a file list stays a list, one file is a string."""
    return {name: (list(value) if isinstance(value, list) else value) for name, value in items}


def run(smk) -> None:
    """The one job script: call the function a rule names (`params.job`, "lowcap.jobs.MODULE.FUNCTION")
    with the rule's named inputs, outputs, params and wildcards, inside the rule's log."""
    import importlib

    module_name, _, function_name = smk.params.job.rpartition(".")
    function = getattr(importlib.import_module(module_name), function_name)
    params = {name: value for name, value in smk.params.items() if name not in RUNNER_PARAMS}
    with logged(smk.log[0] if smk.log else None):
        kwargs = job_arguments(function, smk.rule, _named(smk.input.items()), _named(smk.output.items()),
                               params, dict(smk.wildcards.items()), smk.threads, smk.config)
        function(**kwargs)
