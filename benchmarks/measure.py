"""Child processes and their peak memory.

Every measured run is a child process of the runner, so that each has its own
interpreter and its own peak resident set size. The peak is read from the
kernel's accounting for that one child (``os.wait4``; ``ru_maxrss`` is in KiB on Linux).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

from . import ROOT


class ChildFailed(RuntimeError):
    """A child process exited with a non-zero status."""


@dataclass
class Finished:
    """A finished child: exit code, wall time from start to exit, peak RSS, its output."""

    returncode: int
    seconds: float
    peak_rss_kib: int
    stdout: str
    stderr: str


def execute(argv: Sequence[str], env: dict[str, str] | None = None) -> Finished:
    """Run ``argv`` in the repository root (with ``env``, default this one's) and wait for it,
    measuring its wall time and peak RSS."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(list(argv), cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                   env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        return Finished(process.returncode, seconds, usage.ru_maxrss, out.read(), err.read())


def one(engine: str, agents: int, days: int, seed: int, overrides: Sequence[str] = (), source=None) -> dict:
    """``python -m benchmarks one ... --json`` in a child: the child's figures plus its ``peak_rss_kib``;
    with ``source`` (another checkout's ``src`` directory), scslab is imported from there."""
    argv = [sys.executable, "-m", "benchmarks", "one", "--engine", engine, "--agents", str(agents),
            "--days", str(days), "--seed", str(seed), "--json"]
    for override in overrides:
        argv += ["--set", override]
    env = None if source is None else dict(os.environ, PYTHONPATH=f"{source}{os.pathsep}{ROOT}")
    finished = execute(argv, env)
    if finished.returncode != 0:
        raise ChildFailed(f"{' '.join(argv[1:])} exited with {finished.returncode}:\n{finished.stderr[-4000:]}")
    figures = json.loads(finished.stdout)
    figures["peak_rss_kib"] = finished.peak_rss_kib
    return figures
