"""A warm process for the jobs of one local run (issue #19): torch, pandas, matplotlib and every
lowcap module are imported once, and each job runs in a fork of that process instead of paying
1-2 s of imports in a process of its own (about a quarter of the default run's job-seconds).

    Snakefile onstart      start(): a child of the snakemake process listens on a Linux abstract
                           socket, named by $LOWCAP_WARM, which every job inherits.
    workflow/scripts/job.py   run(smk, job): sends `job` (by its importable name), the Snakemake
                           object, the environment, working directory, sys.path and stdio to the
                           warm process and exits with the job's exit status; with no warm
                           process, or one that refuses, calls job(smk) in its own process.
    Snakefile onsuccess/onerror  stop(); the warm process also ends when its snakemake process does.

Why a job's numbers cannot change: the warm process imports nothing until the first job arrives
(which it refuses: that job runs in its own process, as do the jobs that come while it imports),
then takes that job's environment (OMP_NUM_THREADS and the other thread counts Snakemake sets),
sys.path and working directory, and imports with them, as that job would have. It then serves
only jobs with the same environment, sys.path, directory, interpreter and lowcap source (a digest
of every file of the package, taken by each job): any other job, one run after lowcap is edited
mid-run included, is refused and runs in its own process. No torch operation runs before a fork,
and a warm process with a second thread serves nothing, so no thread pool, lock or CUDA context
is inherited. tests/test_pipeline.py reruns the tiny run without it and compares every output.

Each job runs in a grandchild: a handler process forks it, waits for it, and sends back its exit
status; if the job's own process (the one Snakemake watches, and kills on failure or Ctrl-C) goes
away first, the handler kills the job. The jobs' CPU time reaches snakemake's children totals when
the warm process is reaped at the end of the run. Snakemake's benchmark files time each job's wall
clock right but see only the job's own process, not the fork that does the work, so a warm job
writes its CPU seconds and peak RSS as the last line of its log (WARM_USAGE).

Off with LOWCAP_WARM=off, under SLURM or any non-local executor, and off Linux.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

ENV = "LOWCAP_WARM"
OFF = "off"
REFUSED = -1000  # what a warm process sends for a job it will not run
STARTED = -1001  # what it sends once the job's process is made, before its exit status
WARM_USAGE = "warm job usage:"  # the log's last line under a warm process: CPU s and peak RSS MB
HEADER = struct.Struct("!QQ")
STATUS = struct.Struct("!i")
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # src/lowcap
# Imported once by the warm process, beyond every lowcap module: what the jobs import inside
# their functions (lowcap keeps heavy imports out of module level).
HEAVY = ("torch", "numpy", "pandas", "scipy.stats", "sklearn.manifold", "sklearn.feature_selection",
         "sklearn.linear_model", "sklearn.metrics", "captum.attr", "snakemake.script")


def source_digest(package_dir: Path = PACKAGE_DIR) -> str:
    """Digest of every file of the lowcap package that a job can import: a warm process serves
    only jobs that would import the same code."""
    h = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        h.update(str(path.relative_to(package_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


# ----------------------------------------------------------------------------- the snakemake side


_running: subprocess.Popen | None = None  # this snakemake process's warm process, between start and stop


def start(workflow) -> subprocess.Popen | None:
    """Start the run's warm process (Snakefile onstart) when jobs run here, on Linux, and the
    user has not set LOWCAP_WARM=off; jobs learn its address from the environment."""
    global _running
    from snakemake_interface_executor_plugins.settings import ExecMode

    if (os.environ.get(ENV) == OFF or not sys.platform.startswith("linux") or not workflow.local_exec
            or workflow.exec_mode != ExecMode.DEFAULT):
        return None
    address = f"lowcap-warm-{os.getpid()}-{os.urandom(6).hex()}"
    # The lowcap this process runs, whatever put it on sys.path (an install, PYTHONPATH)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    proc = subprocess.Popen([sys.executable, "-m", "lowcap.jobs.warm", address, str(os.getpid())], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.environ[ENV] = address
    _running = proc
    return proc


def stop(proc: subprocess.Popen | None = None) -> None:
    """End a warm process (by default the one start() started) and reap it, so its CPU time counts
    as the run's (Snakefile onsuccess, onerror)."""
    global _running
    if proc is None:
        proc, _running = _running, None
    os.environ.pop(ENV, None)
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# ---------------------------------------------------------------------------------- the job side


def _request(smk, job) -> tuple[bytes, bytes]:
    header = pickle.dumps({"env": dict(os.environ), "cwd": os.getcwd(), "path": list(sys.path),
                           "executable": sys.executable, "package": str(PACKAGE_DIR),
                           "digest": source_digest()})
    return header, pickle.dumps((job, smk), protocol=4)  # the function by its importable name


def run(smk, job) -> None:
    """`job(smk)` in a fork of the run's warm process if there is one that takes it, else here.
    What goes wrong between the two processes is said in the job's log too, where Snakemake
    sends the user."""
    address = os.environ.get(ENV)
    try:
        status = _run_warm(address, smk, job) if address and address != OFF else None
    except SystemExit as lost:
        _append_to_log(smk, str(lost.code))
        raise
    if status is None:
        return job(smk)
    if status < 0:
        _append_to_log(smk, f"lowcap.jobs.warm: the job was killed by signal {-status}")
        raise SystemExit(128 - status)
    if status != 0:
        raise SystemExit(status)


def _append_to_log(smk, line: str) -> None:
    """A line at the end of the job's log, if it has one."""
    if getattr(smk, "log", None):
        with open(smk.log[0], "a") as fh:
            fh.write(line + "\n")


def _run_warm(address: str, smk, job) -> int | None:
    """The job's exit status from the warm process; None if it did not start the job (no warm
    process, a refusal, or one that went away first): the job then runs here."""
    started = False
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)  # stdio to hand over (a closed one: run here)
        try:
            header, body = _request(smk, job)
        except (pickle.PicklingError, AttributeError, TypeError):  # a job that cannot be sent runs here
            return None
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect("\0" + address)
            sys.stdout.flush()
            sys.stderr.flush()
            socket.send_fds(conn, [HEADER.pack(len(header), len(body))], [0, 1, 2])
            conn.sendall(header + body)
            first = _recv_exactly(conn, STATUS.size)
            if first is None or STATUS.unpack(first)[0] != STARTED:
                return None
            started = True  # from here on the job's end there is this job's end
            final = _recv_exactly(conn, STATUS.size)
    except OSError as err:
        if not started:
            return None
        raise SystemExit(f"lowcap.jobs.warm: lost the warm process {address} while the job ran there: {err}")
    if final is None:
        raise SystemExit(f"lowcap.jobs.warm: the warm process {address} ended before the job did")
    return STATUS.unpack(final)[0]


def _recv_exactly(conn: socket.socket, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


# ------------------------------------------------------------------------------ the warm process


class Warm:
    """What a warm process imported with: the first job's settings, or "refuse" (nothing served)."""

    def __init__(self):
        self.key = None

    def adopt(self, request: dict) -> None:
        """Take the first job's environment, sys.path and directory, then import what jobs import."""
        self.key = "refuse"
        if not self._same_interpreter(request):
            return
        try:
            os.environ.clear()
            os.environ.update(request["env"])
            os.chdir(request["cwd"])
            sys.path[:] = request["path"]
            before = source_digest()
            _import_everything()
        except Exception:  # e.g. lowcap mid-edit: the jobs then run in their own processes
            return
        if before == source_digest() == request["digest"]:
            self.key = self._key(request)

    @staticmethod
    def _same_interpreter(request: dict) -> bool:
        return request["executable"] == sys.executable and request["package"] == str(PACKAGE_DIR)

    @staticmethod
    def _key(request: dict):
        return (request["env"], request["path"], request["cwd"], request["executable"], request["package"],
                request["digest"])

    def accepts(self, request: dict) -> bool:
        """Whether a job would import exactly what this process imported, with the same settings."""
        return self.key == self._key(request)


def _import_everything() -> None:
    import importlib
    import pkgutil

    import lowcap

    for module in HEAVY:
        try:
            importlib.import_module(module)
        except ImportError:  # optional for some jobs: a job that needs it fails in its own process too
            pass
    for info in pkgutil.walk_packages(lowcap.__path__, "lowcap."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    from lowcap.figures.plots import pyplot

    pyplot()


def _single_threaded(settle_s: float = 2.0) -> bool:
    """A fork copies only its calling thread: with another thread alive (holding a lock, say), a job
    could hang, so such a process serves nothing. A joined thread can take a moment to leave the
    kernel's list, hence the wait."""
    deadline = time.monotonic() + settle_s
    while True:
        try:
            alone = threading.active_count() == 1 and len(os.listdir("/proc/self/task")) == 1
        except OSError:  # no /proc to tell: serve nothing
            return False
        if alone:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


def serve(address: str, parent: int) -> None:
    """The warm process: serve jobs until the snakemake process `parent` is gone."""
    signal.signal(signal.SIGTERM, _end)  # before anyone can connect: stop() then always reaps
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind("\0" + address)
    except OSError:
        return
    listener.listen(64)
    listener.settimeout(1.0)
    warm = Warm()
    while os.getppid() == parent:  # the snakemake process is gone: so is its run
        _reap()
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            continue
        with conn:
            try:
                _serve_one(conn, listener, warm)
            except Exception:  # one job's failed handover (its caller gone, say): it ran nowhere
                continue


def _serve_one(conn: socket.socket, listener: socket.socket, warm: "Warm") -> None:
    request, body, fds = _accepted(conn)
    if request is None:
        return
    if warm.key is None:
        # The first job runs in its own process while this one imports with its settings; the
        # jobs that come meanwhile are refused too, by a thread that is gone before the first
        # fork (a fork copies only the thread that calls it).
        _refuse(conn, fds)
        refuser = Refuser(listener)
        refuser.start()
        warm.adopt(request)
        refuser.stop()
        if not _single_threaded():
            warm.key = "refuse"
        return
    if not warm.accepts(request):
        _refuse(conn, fds)
        return
    sys.stdout.flush()
    sys.stderr.flush()
    if os.fork() == 0:
        listener.close()
        _handle(conn, fds, body)  # never returns
    _close(fds)


class Refuser(threading.Thread):
    """Refuses every job while the warm process imports."""

    def __init__(self, listener: socket.socket):
        super().__init__(daemon=True)
        self.listener, self.done = listener, threading.Event()

    def run(self) -> None:
        self.listener.settimeout(0.05)
        while not self.done.is_set():
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            with conn:
                try:
                    request, _, fds = _accepted(conn)
                    if request is not None:
                        _refuse(conn, fds)
                except Exception:
                    continue

    def stop(self) -> None:
        self.done.set()
        self.join()
        self.listener.settimeout(1.0)


def _accepted(conn: socket.socket):
    """(request, body, fds) from a job of this user, or Nones."""
    conn.settimeout(30)  # a caller that connects and sends nothing holds nothing up for long
    uid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[1]
    if uid != os.getuid():  # an abstract socket is open to every user of the machine
        return None, None, None
    return _receive(conn) or (None, None, None)


def _refuse(conn: socket.socket, fds: list[int]) -> None:
    _close(fds)
    conn.sendall(STATUS.pack(REFUSED))


def _receive(conn: socket.socket):
    msg, fds, _, _ = socket.recv_fds(conn, HEADER.size, 3)
    if len(msg) < HEADER.size or len(fds) != 3:
        _close(fds)
        return None
    header_len, body_len = HEADER.unpack(msg)
    data = _recv_exactly(conn, header_len + body_len)
    if data is None:
        _close(fds)
        return None
    return pickle.loads(data[:header_len]), data[header_len:], fds


def _close(fds) -> None:
    for fd in fds:
        os.close(fd)


def _reap(block: bool = False) -> None:
    """Collect finished handlers (all of them, waiting, if `block`): a reaped process's CPU time
    reaches this one's children totals, and so snakemake's."""
    try:
        while os.waitpid(-1, 0 if block else os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _end(signum, frame) -> None:
    """stop()'s SIGTERM, once the run's jobs are done: reap the last handlers, then exit."""
    _reap(block=True)
    raise SystemExit(0)


def _handle(conn: socket.socket, fds: list[int], body: bytes) -> None:
    """The handler: fork the job, wait for it or for its caller to go, send its status, exit."""
    import select

    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the warm process's _end
        conn.settimeout(None)
        conn.sendall(STATUS.pack(STARTED))
        job = os.fork()
        if job == 0:
            conn.close()
            _job(fds, body)  # never returns
        _close(fds)
        while True:
            ready, _, _ = select.select([conn], [], [], 0.02)
            if ready:  # the caller is gone (its socket closed): so is the job
                os.kill(job, signal.SIGKILL)
                os.waitpid(job, 0)
                break
            pid, wait_status = os.waitpid(job, os.WNOHANG)
            if pid:
                conn.sendall(STATUS.pack(os.waitstatus_to_exitcode(wait_status)))
                break
    finally:
        os._exit(0)


def _job(fds: list[int], body: bytes) -> None:
    """The job: the caller's stdio, its function called, its exit status."""
    import resource
    import traceback

    code, smk = 1, None
    try:
        _die_with_parent()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        _close(fds)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        job, smk = pickle.loads(body)
        job(smk)
        code = 0
    except SystemExit as exit_:  # as the interpreter would end on it
        code = exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 1
        if not isinstance(exit_.code, int) and exit_.code is not None:
            print(exit_.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            usage = resource.getrusage(resource.RUSAGE_SELF)
            _append_to_log(smk, f"{WARM_USAGE} rule {getattr(smk, 'rule', '?')}, "
                                f"{usage.ru_utime + usage.ru_stime:.2f} s CPU, {usage.ru_maxrss / 1024:.1f} MB "
                                "peak RSS (pages shared with the warm process included)")
        finally:
            os._exit(code)


def _die_with_parent() -> None:
    """The job is killed if its handler dies (the kernel's parent-death signal): its caller has
    then been told it failed, and it must not write its outputs afterwards."""
    import ctypes

    handler = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    if os.getppid() != handler:  # the handler died before the call
        os._exit(1)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
