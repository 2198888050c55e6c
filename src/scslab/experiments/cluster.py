"""Running many tasks: on Dask distributed (a local cluster, or an existing one by address), or in this process.

Results come back to this process as each run finishes; only this process writes them
down, so a worker that dies loses nothing it had not finished (Dask reruns its task on
another worker) and can never write a result twice.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator

from .runs import RunResult, RunTask, execute

# How many times the scheduler lets a task's worker die before it gives the task up.
ALLOWED_WORKER_DEATHS = 3


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def executor(workers: int | None = None, scheduler: str | None = None, processes: bool = True):
    """A Dask client for ``scheduler`` (an address), else a fresh ``LocalCluster`` of ``workers``
    single-threaded processes; ``workers=0`` yields None: tasks then run in this process."""
    if scheduler is None and workers == 0:
        yield None
        return
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_WORKER_DEATHS}):
        if scheduler is not None:
            with Client(scheduler, timeout="20s") as client:
                yield client
            return
        with LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=processes,
                          dashboard_address=None, silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            yield client


def threads_per_run(client, workers: int | None) -> int | None:
    """Numba threads each run may use, so that runs in parallel do not oversubscribe the cores."""
    if client is None:
        return None
    cores = os.cpu_count() or 1
    running = len(client.scheduler_info().get("workers", {})) or workers or 1
    return max(1, cores // running)


def run_tasks(tasks: Iterable[RunTask], client=None, task_runner: Callable[[RunTask], RunResult] = execute
              ) -> Iterator[RunResult]:
    """Results of ``tasks`` in the order they finish (on ``client``'s workers, or here if None)."""
    tasks = list(tasks)
    if client is None:
        for task in tasks:
            yield task_runner(task)
        return
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    futures = {client.submit(task_runner, task, key=f"scslab-{task.run_id}-{id(tasks):x}", pure=False): task
               for task in tasks}
    try:
        for future in as_completed(futures):
            task = futures[future]
            try:
                result = future.result()
            except KilledWorker as error:
                result = RunResult(task.run_id, task.seed, task.values, "failed", 0.0, "",
                                   error=f"workers died running it ({error})")
            future.release()
            yield result
    finally:
        for future in futures:
            future.cancel()
