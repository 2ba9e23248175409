"""A fix for Snakemake's scheduler, applied by the Snakefile: one re-evaluation timer at a time.

Snakemake 9's scheduler (snakemake.scheduling.job_scheduler.JobScheduler) rate-limits job starts
(`--max-jobs-per-timespan`, default 100/1s) and, after EVERY pass of its loop, starts a new
`threading.Timer` that wakes the loop again one timespan later. A pass woken by that timer starts
another timer, so each finished job adds one more timer chain that never ends: after n jobs the
loop runs about n times a second, each pass re-running job selection and stat-ing the inputs of
every waiting job. On the tiny run (160 jobs, 2 cores) the main process spent 74 CPU-s of 446 on
this, competing with the jobs for the cores (upstream: snakemake issue 3804, "forkbombing itself").

The fix keeps the timer's purpose (the loop looks again once the rate window has passed) with at
most one pending timer, and makes it a daemon thread, so that a run never waits for it at exit.
Without the method (another Snakemake), nothing is changed and `apply` says so.
"""

from __future__ import annotations

import threading


def _schedule_reevaluation_once(self, delay: float) -> None:
    """JobScheduler._schedule_reevalutation, with at most one timer pending per scheduler."""
    with _GUARD:
        if getattr(self, "_lowcap_timer_pending", False):
            return
        self._lowcap_timer_pending = True

    def wake() -> None:
        with _GUARD:
            self._lowcap_timer_pending = False
        self._open_jobs.release()

    timer = threading.Timer(delay, wake)
    timer.daemon = True
    timer.start()


_GUARD = threading.Lock()
_METHOD = "_schedule_reevalutation"  # sic: Snakemake's spelling


def apply() -> bool:
    """Install the fix on Snakemake's JobScheduler; False if this Snakemake has no such method."""
    try:
        from snakemake.scheduling.job_scheduler import JobScheduler
    except ImportError:
        return False
    if not hasattr(JobScheduler, _METHOD):
        return False
    setattr(JobScheduler, _METHOD, _schedule_reevaluation_once)
    return True
