"""Stopping a command stops everything it started: the dashboard's server goes with it, and Ctrl-C on a
run or a sweep on Dask gives one line and exit code 130, leaves no process and no partial output."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import duckdb
import psutil
import pytest
from test_cli import command, write

STARTUP_S = 180  # generous: a busy 2-core machine imports Streamlit or Dask slowly


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(condition, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + STARTUP_S
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{what}: did not happen (exit code {process.poll()})")
        time.sleep(0.2)


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
            return response.read() == b"ok"
    except OSError:
        return False


def _cpu(process: psutil.Process) -> float:
    try:
        return process.cpu_times().user
    except psutil.NoSuchProcess:
        return 0.0


def _gone(pids: list[int]) -> bool:
    return not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids)


def test_terminating_the_dashboard_stops_its_server_and_frees_the_port(tmp_path):
    port = _free_port()
    server = subprocess.Popen(command() + ["dashboard", "--port", str(port)], cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _answers(port), server, "the dashboard answering")
        started = [server.pid] + [p.pid for p in psutil.Process(server.pid).children(recursive=True)]
    finally:
        server.terminate()
        server.wait(timeout=60)
    psutil.wait_procs([psutil.Process(pid) for pid in started[1:] if psutil.pid_exists(pid)], timeout=30)
    assert _gone(started)
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # nothing listens
    with socket.socket() as s:  # and a new server may listen there (as servers do, past TIME_WAIT)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen()


def _as_from_a_terminal() -> None:
    """In the child before it starts: Ctrl-C's default disposition, as a shell gives a command. A signal ignored
    in this test process (something earlier in the session may leave SIGINT ignored) would be inherited across
    exec, and Python does not install its Ctrl-C handler where SIGINT is ignored at startup."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt(args: list[str], cwd: Path, ready) -> tuple[subprocess.CompletedProcess, list[int]]:
    """Start the program in its own process group, wait until ``ready(process)``, then press Ctrl-C: SIGINT to
    the whole group, as a terminal does. Returns the finished process and every process it had started."""
    proc = subprocess.Popen(command() + args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_as_from_a_terminal)
    try:
        _wait_for(lambda: ready(psutil.Process(proc.pid)), proc, "the command getting to work")
        started = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
        os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    psutil.wait_procs([psutil.Process(pid) for pid in started if psutil.pid_exists(pid)], timeout=30)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), started


def test_ctrl_c_on_a_run_is_one_line_and_leaves_nothing(tmp_path):
    out = tmp_path / "runs" / "big"
    # 5 million agents over five years: far from done when interrupted
    proc, _ = _interrupt(["run", "china-2018", "--agents", "5000000", "--out", str(out)], tmp_path,
                         lambda p: _cpu(p) > 4)
    assert (proc.returncode, proc.stderr, proc.stdout) == (130, "interrupted\n", "")
    assert not (tmp_path / "runs").exists() or list((tmp_path / "runs").iterdir()) == []


def test_ctrl_c_on_a_sweep_on_dask_is_one_line_and_stops_the_workers(tmp_path):
    write(tmp_path)
    args = ["sweep", "scenario.toml", "--param", "channels.cameras.coverage_urban=0.1:0.9:40", "--workers", "2",
            "--agents", "20000", "--days", "59", "--quiet", "--out", "s"]

    def workers_started(process):
        return sum(_cpu(child) > 0.5 for child in process.children(recursive=True)) >= 2

    proc, started = _interrupt(args, tmp_path, workers_started)
    assert (proc.returncode, proc.stderr, proc.stdout) == (130, "interrupted\n", "")
    assert len(started) >= 2 and _gone(started)
    with duckdb.connect(str(tmp_path / "s" / "catalog.duckdb"), read_only=True) as con:
        statuses = dict(con.execute("SELECT status, count(*) FROM runs GROUP BY status").fetchall())
    assert set(statuses) <= {"pending", "done"} and sum(statuses.values()) == 40  # resumable
