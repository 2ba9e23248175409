"""lowcap.scheduler: Snakemake's scheduler loop is woken by at most one timer at a time."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from conftest import REPO
from lowcap import scheduler


class FakeScheduler:
    """What the patched method touches on snakemake's JobScheduler: the loop's semaphore."""

    def __init__(self):
        self._open_jobs = threading.Semaphore(0)


def wakes(fake: FakeScheduler) -> int:
    n = 0
    while fake._open_jobs.acquire(blocking=False):
        n += 1
    return n


def test_many_requests_wake_the_loop_once_per_delay_from_a_daemon_thread():
    """Snakemake starts a new timer after every pass of its loop, so n passes had queued n wakes
    (and n more passes): here 50 requests within one delay give one wake."""
    fake = FakeScheduler()
    before = set(threading.enumerate())
    for _ in range(50):
        scheduler._schedule_reevaluation_once(fake, 0.2)
    timers = [t for t in threading.enumerate() if t not in before]
    assert len(timers) == 1 and timers[0].daemon  # a run never waits for it at exit
    timers[0].join(5)
    assert wakes(fake) == 1
    # Once it has fired, the next request schedules the next wake: the loop still looks again.
    scheduler._schedule_reevaluation_once(fake, 0.01)
    time.sleep(0.3)
    assert wakes(fake) == 1


def test_each_scheduler_has_its_own_pending_timer():
    first, second = FakeScheduler(), FakeScheduler()
    scheduler._schedule_reevaluation_once(first, 0.05)
    scheduler._schedule_reevaluation_once(second, 0.05)
    time.sleep(0.4)
    assert (wakes(first), wakes(second)) == (1, 1)


def test_the_workflow_applies_it_to_snakemakes_scheduler(tmp_path):
    """Parsing the Snakefile (as every snakemake run does) replaces JobScheduler's method."""
    code = (
        "import runpy, sys\n"
        f"sys.argv = ['snakemake', '-n', '--quiet', '--snakefile', {str(REPO / 'Snakefile')!r},"
        f" '--configfile', {str(REPO / '.test' / 'config.yaml')!r}, '--directory', {str(tmp_path)!r}]\n"
        "try:\n"
        "    runpy.run_module('snakemake', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "from snakemake.scheduling.job_scheduler import JobScheduler\n"
        "print('PATCHED', JobScheduler._schedule_reevalutation.__module__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert "PATCHED lowcap.scheduler" in out.stdout, out.stdout[-2000:] + out.stderr[-2000:]


def test_apply_installs_it_on_this_snakemake():
    from snakemake.scheduling.job_scheduler import JobScheduler

    assert scheduler.apply()
    assert JobScheduler._schedule_reevalutation is scheduler._schedule_reevaluation_once
