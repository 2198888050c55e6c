"""Threads on a quiet and on a busy machine: ``scslab run`` with 1 and 2 Numba threads, side by side.

A busy machine is this one with one core held by a busy loop (a Python loop that spins until its parent goes,
started before and killed after each measured run). Every run is a child process
(:func:`benchmarks.measure.execute`), and the conditions are interleaved run by run, so that
drifts in what else the machine does fall on all of them alike. ``--against DIR`` adds the
scslab source tree of another checkout (``DIR/src``), to compare two versions in one sitting.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .measure import ChildFailed, execute

BUSY_LOOP = [sys.executable, "-c", f"import os\nwhile os.getppid() == {os.getpid()}: pass"]
"""A core held busy, until the benchmark stops it or dies (then the loop's parent changes and it ends)."""


@contextmanager
def busy_core(on: bool):
    """One core held by a busy loop while the block runs (nothing if ``on`` is false)."""
    if not on:
        yield
        return
    loop = subprocess.Popen(BUSY_LOOP, stdin=subprocess.DEVNULL)
    try:
        yield
    finally:
        loop.kill()
        loop.wait()


def scslab_run(source: Path, scenario: str, agents: int, threads: int, seed: int, out: Path) -> dict:
    """``python -m scslab run`` from ``source`` (a ``src`` directory) in a child: wall and simulated seconds."""
    env = dict(os.environ, PYTHONPATH=str(source), NUMBA_NUM_THREADS=str(threads))
    argv = [sys.executable, "-m", "scslab", "run", scenario, "--agents", str(agents), "--seed", str(seed),
            "--quiet", "--out", str(out)]
    finished = execute(argv, env=env)
    if finished.returncode != 0:
        raise ChildFailed(f"{' '.join(argv[1:])} exited with {finished.returncode}:\n{finished.stderr[-4000:]}")
    summary = json.loads((out / "summary.json").read_text())
    return {"seconds": finished.seconds, "runtime_seconds": summary["runtime_seconds"],
            "peak_rss_kib": finished.peak_rss_kib}


def run_busy(sources: dict[str, Path], scenarios: list[tuple[str, int]], repeats: int, seed: int,
             log=print) -> list[dict]:
    """Every (version, scenario, condition, threads) ``repeats`` times, interleaved; one row per run."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="scslab-busy-") as tmp:
        for version, source in sources.items():  # compile or load each version's kernels, untimed
            scslab_run(source, "china-2018", 2000, 2, seed, Path(tmp) / f"warm-{version}")
        plan = itertools.product(range(repeats), scenarios, (False, True), (1, 2), sources.items())
        for count, (repeat, (scenario, agents), busy, threads, (version, source)) in enumerate(plan):
            with busy_core(busy):
                figures = scslab_run(source, scenario, agents, threads, seed, Path(tmp) / f"run-{count}")
            machine = "busy" if busy else "quiet"
            rows.append({"version": version, "scenario": scenario, "agents": agents, "machine": machine,
                         "threads": threads, "repeat": repeat, **figures})
            log(f"{version} {scenario} N={agents:,} {machine} threads={threads}: {figures['seconds']:.1f} s")
    return rows
