"""The run's warm process (lowcap.jobs.warm): which jobs it takes, that it runs them in a fork of
itself, passes their failures on, and kills a job whose caller is gone. The tiny end-to-end run
(tests/test_pipeline.py) checks that its jobs ran warm, and the reproduction rerun there that
every output is the same bytes without it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from lowcap.jobs import warm

PROBE = '''
import os, sys, time
from pathlib import Path

class Smk:
    """What a job function is given: here, where to write the pid of the process it ran in."""
    def __init__(self, out, action, log):
        self.out, self.action, self.log, self.rule = out, action, [log], "probe"

def job(smk):
    Path(smk.out).write_text(str(os.getpid()))
    if smk.action == "fail":
        raise ValueError("the probe job fails")
    if smk.action == "sleep":
        time.sleep(60)
    if smk.action == "exit":
        raise SystemExit("the probe job exits with a message")
'''

CLIENT = '''
import sys
sys.path.insert(0, {probe_dir!r})
import probe
from lowcap.jobs import warm
warm.run(probe.Smk(sys.argv[1], sys.argv[2], sys.argv[3]), probe.job)
'''


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A warm process (a child of this test process, as of the snakemake process) and a client."""
    work = tmp_path_factory.mktemp("warm")
    (work / "probe.py").write_text(PROBE)
    (work / "client.py").write_text(CLIENT.format(probe_dir=str(work)))
    address = f"lowcap-warm-test-{os.getpid()}-{os.urandom(4).hex()}"
    proc = subprocess.Popen([sys.executable, "-m", "lowcap.jobs.warm", address, str(os.getpid())],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # As Snakemake sets them for a one-thread job: with them unset, numpy's BLAS starts threads on
    # import, and a warm process with threads serves nothing (see the thread test below).
    threads = {name: "1" for name in ("OMP_NUM_THREADS", "GOTO_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                      "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")}
    env = {**os.environ, **threads, warm.ENV: address}

    def client(name: str, action: str = "ok", extra_env: dict | None = None, wait: bool = True):
        out, log = work / f"{name}.pid", work / f"{name}.log"
        cmd = [sys.executable, str(work / "client.py"), str(out), action, str(log)]
        popen = subprocess.Popen(cmd, cwd=work, env={**env, **(extra_env or {})}, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        if not wait:
            return popen, out
        stdout, stderr = popen.communicate(timeout=120)
        return popen.returncode, popen.pid, int(out.read_text()), stderr, log

    # The first job is refused (it runs in its own process) while the warm process imports; so
    # are the jobs that come meanwhile. Then jobs run warm.
    code, pid, ran_in, _, _ = client("first")
    assert code == 0 and ran_in == pid
    deadline = time.monotonic() + 90
    while True:
        code, pid, ran_in, _, _ = client("warming")
        assert code == 0
        if ran_in != pid or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    yield client
    warm.stop(proc)
    assert proc.returncode == 0  # it reaped its handlers and exited (a bare SIGTERM: -15)


def test_a_job_runs_in_a_fork_of_the_warm_process_and_logs_its_usage(server):
    code, pid, ran_in, stderr, log = server("warm")
    assert code == 0, stderr
    assert ran_in != pid  # not the caller's process
    assert log.read_text().startswith(f"{warm.WARM_USAGE} rule probe, ")


def test_a_failing_job_fails_its_caller_with_its_traceback(server):
    code, pid, ran_in, stderr, _ = server("fail", action="fail")
    assert ran_in != pid
    assert code == 1
    assert "Traceback (most recent call last)" in stderr and "ValueError: the probe job fails" in stderr


def test_a_job_that_exits_with_a_message_ends_as_the_interpreter_would_end_it(server):
    code, pid, ran_in, stderr, _ = server("exit", action="exit")
    assert ran_in != pid
    assert code == 1 and "the probe job exits with a message" in stderr


def test_a_job_with_another_environment_runs_in_its_own_process(server):
    code, pid, ran_in, _, _ = server("other_env", extra_env={"OMP_NUM_THREADS": "7"})
    assert code == 0 and ran_in == pid


def test_a_job_whose_caller_is_killed_is_killed(server):
    popen, out = server("sleep", action="sleep", wait=False)
    deadline = time.monotonic() + 30
    while not (out.exists() and out.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    job = int(out.read_text())
    assert job != popen.pid
    popen.send_signal(signal.SIGKILL)  # what Snakemake does to a job on Ctrl-C, at worst
    popen.wait()
    deadline = time.monotonic() + 5
    while Path(f"/proc/{job}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{job}").exists()


REQUEST = {"env": {"OMP_NUM_THREADS": "1"}, "cwd": "/w", "path": ["/src"], "executable": sys.executable,
           "package": str(warm.PACKAGE_DIR), "digest": "d1"}


@pytest.mark.parametrize("field, value", [("env", {"OMP_NUM_THREADS": "2"}), ("cwd", "/v"), ("path", ["/other"]),
                                          ("executable", "/usr/bin/python3.12"), ("package", "/elsewhere/lowcap"),
                                          ("digest", "d2")])
def test_a_warm_process_takes_only_jobs_that_would_import_what_it_imported(field, value):
    adopted = warm.Warm()
    adopted.key = warm.Warm._key(REQUEST)
    assert adopted.accepts(dict(REQUEST))
    assert not adopted.accepts({**REQUEST, field: value})
    refusing = warm.Warm()
    refusing.key = "refuse"
    assert not refusing.accepts(dict(REQUEST))


def test_a_process_with_a_second_thread_is_not_forked():
    """(In a fresh interpreter: this one has torch's and BLAS's threads.)"""
    script = textwrap.dedent("""
        import threading
        from lowcap.jobs import warm
        alone = warm._single_threaded()
        release = threading.Event()
        other = threading.Thread(target=release.wait)
        other.start()
        with_thread = warm._single_threaded(settle_s=0.2)
        release.set()
        other.join()
        print(alone, with_thread, warm._single_threaded())
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "True"]


def test_the_source_digest_changes_with_any_file_of_the_package(tmp_path):
    package = tmp_path / "lowcap"
    shutil.copytree(warm.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = warm.source_digest(package)
    assert before == warm.source_digest(warm.PACKAGE_DIR)
    target = package / "figures" / "plots.py"
    target.write_text(target.read_text() + "\n# an edit\n")
    assert warm.source_digest(package) != before


def test_off_leaves_every_job_in_its_own_process(tmp_path, monkeypatch):
    monkeypatch.setenv(warm.ENV, warm.OFF)
    ran = []
    warm.run("smk", ran.append)
    assert ran == ["smk"]
    monkeypatch.setenv(warm.ENV, f"lowcap-warm-nobody-listens-{os.urandom(4).hex()}")
    warm.run("smk2", ran.append)
    assert ran == ["smk", "smk2"]


def test_a_snakemake_run_stops_its_warm_process(tmp_path):
    """start() in onstart, stop() in onsuccess: nothing is left once the run ends."""
    script = textwrap.dedent(f"""
        import sys, types
        from lowcap.jobs import warm
        from snakemake_interface_executor_plugins.settings import ExecMode
        import os, socket, time
        proc = warm.start(types.SimpleNamespace(local_exec=True, exec_mode=ExecMode.DEFAULT))
        assert proc is not None and proc.poll() is None
        deadline = time.monotonic() + 30
        while True:  # until it listens
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                    probe.connect("\\0" + os.environ[warm.ENV])
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        warm.stop(proc)
        print(proc.returncode)
        off = warm.start(types.SimpleNamespace(local_exec=False, exec_mode=ExecMode.DEFAULT))
        print(off)
    """)
    env = {k: v for k, v in os.environ.items() if k != warm.ENV}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "None"]  # it reaped its handlers and exited


def fake_warm_process(replies: list[int]) -> str:
    """A listener that takes one job, sends `replies` and hangs up: what run() does with each."""
    import socket
    import threading

    address = f"lowcap-warm-fake-{os.getpid()}-{os.urandom(4).hex()}"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind("\0" + address)
    listener.listen(1)

    def serve_once():
        conn, _ = listener.accept()
        with conn:
            msg, fds, _, _ = socket.recv_fds(conn, warm.HEADER.size, 3)
            for fd in fds:
                os.close(fd)
            warm._recv_exactly(conn, sum(warm.HEADER.unpack(msg)))  # all of it, as the real one reads
            for status in replies:
                conn.sendall(warm.STATUS.pack(status))
        listener.close()

    threading.Thread(target=serve_once, daemon=True).start()
    return address


@pytest.mark.parametrize("replies", [[], [warm.REFUSED]])
def test_a_job_the_warm_process_did_not_start_runs_here(monkeypatch, replies):
    monkeypatch.setenv(warm.ENV, fake_warm_process(replies))
    ran = []
    warm.run("smk", ran.append)
    assert ran == ["smk"]


@pytest.mark.parametrize("replies, exit_code", [([warm.STARTED, 0], None), ([warm.STARTED, 3], 3),
                                                ([warm.STARTED, -9], 137), ([warm.STARTED], "warm process")])
def test_a_started_job_ends_as_it_ended_there_and_never_runs_twice(monkeypatch, replies, exit_code):
    monkeypatch.setenv(warm.ENV, fake_warm_process(replies))
    ran = []
    if exit_code is None:
        warm.run("smk", ran.append)
    else:
        with pytest.raises(SystemExit) as raised:
            warm.run("smk", ran.append)
        code = raised.value.code
        assert code == exit_code if isinstance(exit_code, int) else exit_code in code
    assert ran == []


def test_a_job_whose_handler_dies_dies_with_it():
    """Its caller is then told the job failed: the job must not go on to write its outputs.
    (Forked in a fresh interpreter: this one has threads.)"""
    script = textwrap.dedent("""
        import os, signal, time
        from lowcap.jobs import warm
        r, w = os.pipe()
        handler = os.fork()
        if handler == 0:
            if os.fork() == 0:
                warm._die_with_parent()
                os.write(w, str(os.getpid()).encode().ljust(16))
                time.sleep(60)
                os._exit(0)
            time.sleep(60)
            os._exit(0)
        os.close(w)  # a job that died first: an empty read, not a hang
        job = int(os.read(r, 16).decode())
        os.kill(handler, signal.SIGKILL)
        os.waitpid(handler, 0)

        def alive():
            try:
                with open(f"/proc/{job}/stat") as fh:
                    return fh.read().split()[2] != "Z"
            except OSError:
                return False

        deadline = time.monotonic() + 5
        while alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        print("alive" if alive() else "gone")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["gone"]


class LoggedSmk:
    def __init__(self, log):
        self.log = [str(log)]


def nothing(smk):
    """A job function the warm process can be sent by name."""


@pytest.mark.parametrize("replies, said", [([warm.STARTED], "warm process"),
                                           ([warm.STARTED, -9], "killed by signal 9")])
def test_what_goes_wrong_between_the_processes_is_said_in_the_jobs_log(monkeypatch, tmp_path, replies, said):
    log = tmp_path / "job.log"
    log.write_text("the job's own lines\n")
    monkeypatch.setenv(warm.ENV, fake_warm_process(replies))
    with pytest.raises(SystemExit):
        warm.run(LoggedSmk(log), nothing)
    lines = log.read_text().splitlines()
    assert lines[0] == "the job's own lines" and said in lines[-1]


def test_stop_without_a_process_stops_the_one_start_started():
    script = textwrap.dedent("""
        import types
        from lowcap.jobs import warm
        from snakemake_interface_executor_plugins.settings import ExecMode
        proc = warm.start(types.SimpleNamespace(local_exec=True, exec_mode=ExecMode.DEFAULT))
        warm.stop()
        print(proc.poll() is not None, warm._running)
    """)
    env = {k: v for k, v in os.environ.items() if k != warm.ENV}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "None"]
