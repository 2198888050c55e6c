"""One many-country run in one process and spread over local Dask workers, side by side.

Both are ``scslab run`` child processes (:func:`benchmarks.measure.execute`): first the run in one process,
then the same command with ``--scheduler`` pointing at a ``LocalCluster`` this process starts (worker
processes with one thread each). Each worker's peak resident memory is read on the worker itself
(``getrusage``) after the run; the result files of the two runs are compared byte for byte (all but
``summary.json``, which holds the run's timings).
"""

from __future__ import annotations

import hashlib
import logging
import resource
import tempfile
from pathlib import Path

from .measure import ChildFailed, execute


def _peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _digests(directory: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(directory.iterdir())
            if f.is_file() and f.name != "summary.json"}


def _run(argv: list[str]) -> dict:
    finished = execute(argv)
    if finished.returncode != 0:
        raise ChildFailed(f"{' '.join(argv)} exited with {finished.returncode}:\n{finished.stderr[-4000:]}")
    return {"seconds": finished.seconds, "peak_rss_kib": finished.peak_rss_kib}


def run_spread(script: str, scenario: str, agents: int | None, days: int | None, seed: int, workers: int,
               worker_memory: str, log=print) -> dict:
    """The run in one process and over ``workers`` local workers: times, peaks and whether the bytes agree."""
    from distributed import Client, LocalCluster

    base = [script, "run", scenario, "--seed", str(seed), "--quiet"]
    base += [] if agents is None else ["--agents", str(agents)]
    base += [] if days is None else ["--days", str(days)]
    figures: dict = {"scenario": scenario, "agents": agents, "days": days, "seed": seed, "workers": workers}
    with tempfile.TemporaryDirectory(prefix="scslab-spread-") as tmp:
        warm_up = [script, "run", scenario, "--agents", "2000", "--days", "2", "--quiet", "--out", f"{tmp}/warm"]
        _run(warm_up)  # compiles (or loads) the kernels, so that neither measured run pays for it
        one = base + ["--out", f"{tmp}/one"]
        log(" ".join(one))
        figures["one_process"] = _run(one) | {"command": " ".join(one[:-2])}
        log(f"one process: {figures['one_process']['seconds']:.1f} s, "
            f"peak {figures['one_process']['peak_rss_kib'] / 2**20:.2f} GiB")
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=worker_memory,
                          dashboard_address=":0", silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            spread = base + ["--scheduler", cluster.scheduler_address, "--out", f"{tmp}/spread"]
            log(" ".join(spread))
            figures["spread"] = _run(spread) | {"command": " ".join(base + ["--workers", str(workers)])}
            figures["spread"]["worker_peak_rss_kib"] = sorted(client.run(_peak_rss_kib).values(), reverse=True)
        log(f"{workers} workers: {figures['spread']['seconds']:.1f} s, worker peaks "
            + ", ".join(f"{k / 2**20:.2f}" for k in figures["spread"]["worker_peak_rss_kib"]) + " GiB")
        one_files, spread_files = _digests(Path(tmp, "one")), _digests(Path(tmp, "spread"))
    figures["files_compared"] = sorted(one_files)
    figures["identical"] = one_files == spread_files
    figures["differing"] = sorted(name for name in one_files.keys() | spread_files.keys()
                                  if one_files.get(name) != spread_files.get(name))
    return figures
