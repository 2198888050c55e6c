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

from ..scenario.loading import ScenarioError
from .progress import run_progress
from .runs import RunResult, RunTask, execute

# How many times the scheduler lets a task's worker die before it gives the task up.
ALLOWED_WORKER_DEATHS = 3
CONNECT_SECONDS = 5
"""How long to try to reach a ``--scheduler`` before giving up."""


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
            with connect(scheduler) as client:
                yield client
            return
        with LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=processes,
                          dashboard_address=":0", silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            yield client


def check_address(address: str) -> None:
    """Raise ScenarioError if ``address`` is not a scheduler address Dask can read."""
    from distributed.comm import get_address_host_port

    try:
        get_address_host_port(address)
    except (ValueError, NotImplementedError) as error:
        raise ScenarioError(f"--scheduler {address}: not a scheduler address ({error}; "
                            f"expected tcp://HOST:PORT)") from None


def connect(address: str):
    """A Dask client of the scheduler at ``address``; ScenarioError if the address is malformed or
    nothing answers there within CONNECT_SECONDS."""
    from distributed import Client

    check_address(address)
    try:
        return Client(address, timeout=f"{CONNECT_SECONDS}s")
    except Exception as error:  # refused, timed out, or something other than a scheduler answered
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ScenarioError(f"--scheduler {address}: no Dask scheduler answered within {CONNECT_SECONDS} s "
                            f"({reason})") from None


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
    pool = TaskPool(client, task_runner)
    try:
        for task in tasks:
            pool.submit(task)
        while len(pool):
            yield pool.next()
    finally:
        pool.close()


def run_all(tasks: list[RunTask], workers: int | None, scheduler: str | None, description: str,
            progress: bool = True, task_runner: Callable[[RunTask], RunResult] = execute) -> Iterator[RunResult]:
    """Run ``tasks`` on a fresh executor (see :func:`executor`) with a progress bar; results as they finish."""
    with executor(workers, scheduler) as client, run_progress(len(tasks), description, progress) as advance:
        threads = threads_per_run(client, workers)
        for task in tasks:
            task.threads = threads
        for result in run_tasks(tasks, client, task_runner):
            yield result
            advance()


class TaskPool:
    """Tasks submitted one at a time, results taken as they finish: for experiments that choose
    their next runs from the last results (calibration). On ``client``'s workers, or, if None,
    run here one by one when their result is asked for."""

    def __init__(self, client=None, task_runner: Callable[[RunTask], RunResult] = execute):
        self.client, self.task_runner = client, task_runner
        self.waiting: list[RunTask] = []  # in this process: submitted, not yet run
        self.futures: dict = {}  # on Dask: future -> task
        self.finished = None
        if client is not None:
            from distributed import as_completed

            self.finished = as_completed()

    def __len__(self) -> int:
        """Tasks submitted whose results have not been taken."""
        return len(self.waiting) + len(self.futures)

    def submit(self, task: RunTask) -> None:
        if self.client is None:
            self.waiting.append(task)
            return
        future = self.client.submit(self.task_runner, task, key=f"scslab-{task.run_id}-{id(self):x}", pure=False)
        self.futures[future] = task
        self.finished.add(future)

    def next(self) -> RunResult:
        """The next result to finish (in this process: the oldest task, run now)."""
        if not len(self):
            raise RuntimeError("TaskPool.next: no task submitted")
        if self.client is None:
            return self.task_runner(self.waiting.pop(0))
        from distributed.scheduler import KilledWorker

        future = next(self.finished)
        task = self.futures.pop(future)
        try:
            result = future.result()
        except KilledWorker as error:
            result = RunResult(task.run_id, task.seed, task.values, "failed", 0.0, "",
                               error=f"workers died running it ({error})")
        future.release()
        return result

    def close(self) -> None:
        """Cancel what is still running."""
        for future in self.futures:
            future.cancel()
        self.futures.clear()
        self.waiting.clear()
