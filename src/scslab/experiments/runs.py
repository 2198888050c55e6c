"""One run of an experiment, as a plain task a Dask worker (or this process) can execute.

A task carries resolved scenario data rather than a :class:`Scenario`, so that it is
cheap to send; the worker validates it, runs it and returns the run's outputs. A run
that fails returns its error instead of raising, so one bad point never stops a sweep.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from dataclasses import dataclass, field

import pandas as pd

from .. import mechanisms  # noqa: F401  (imports every mechanism module, so every output is declared)
from .. import outputs

OUTPUTS = tuple(o.name for o in outputs.counters() + outputs.rates() if not o.internal)
"""What an experiment records of each run (see :func:`end_values`)."""
DEFAULT_OUTPUTS = ("listed", "wrongly_listed", "wrongly_listed_total", "court_listed_total", "redlisted",
                   "flight_blocks_total", "delisted_total", "false_detections", "expression_rate")


def check_outputs(names: list[str] | tuple[str, ...] | None) -> list[str]:
    """Output names, checked: end-of-run values of time-series columns (see :func:`end_values`)."""
    from ..scenario.loading import ScenarioError

    names = list(names) if names else list(DEFAULT_OUTPUTS)
    for name in names:
        if name not in OUTPUTS:
            raise ScenarioError(f"--output {name}: unknown output (known: {', '.join(OUTPUTS)})")
    return names


def end_values(timeseries: pd.DataFrame) -> dict[str, float]:
    """Every output of a run: the last day's value, the run's total for daily counters, and rates
    over the whole run (such as lawful expression against its no-system level)."""
    last = timeseries.iloc[-1]
    values = {}
    for name in OUTPUTS:
        output = outputs.get(name)
        if output.kind == outputs.RATE:
            numerator, denominator = (float(timeseries[part].sum()) for part in output.of)
            values[name] = numerator / denominator if denominator > 0 else 1.0
        else:
            values[name] = float(timeseries[name].sum() if output.kind == outputs.DAILY else last[name])
    return values


@dataclass
class RunTask:
    """What a worker needs for one run: resolved scenario data, agents, seed and period."""

    run_id: str
    data: dict
    seed: int
    agents: int | None = None
    days: int | None = None
    until: object = None
    threads: int | None = None  # Numba threads in the worker; None keeps the worker's default
    keep_timeseries: bool = False
    values: dict = field(default_factory=dict)  # the parameter values, carried for the record
    branch_at: object = None  # a date: run ``data``'s days before it once, then every one of ``branches`` from there
    branches: list = field(default_factory=list)  # resolved scenario data of each branch


@dataclass
class RunResult:
    run_id: str
    seed: int
    values: dict
    status: str  # "done" or "failed"
    runtime: float
    worker: str
    outputs: dict = field(default_factory=dict)
    error: str = ""
    timeseries: pd.DataFrame | None = None
    branches: list = field(default_factory=list)  # with ``branch_at``: each branch's outputs (the first's: ``outputs``)


def execute(task: RunTask) -> RunResult:
    """Run one task; never raises for a failing run (the error is in the result)."""
    import numba

    from ..sim import Sim, with_period
    from ..scenario.loading import validate

    started = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        if task.threads:
            numba.set_num_threads(min(task.threads, numba.config.NUMBA_NUM_THREADS))
        scenario = validate(task.data, task.run_id)
        sim = Sim(scenario, agents=task.agents, seed=task.seed, days=task.days, until=task.until)
        if task.branch_at is None:
            runs = [sim.run()]
        else:  # the history once, then each branch from its end; the first branch continues the history
            state = sim.history(task.branch_at)
            runs = [Sim.from_state(state, with_period(validate(data, f"{task.run_id} branch {k}"), task.days,
                                                      task.until)).run() for k, data in enumerate(task.branches)]
    except Exception as error:  # a failing run is recorded, not raised
        detail = traceback.format_exception_only(type(error), error)[-1].strip()
        return RunResult(task.run_id, task.seed, task.values, "failed", time.perf_counter() - started, worker,
                         error=detail)
    values = [end_values(run.timeseries) for run in runs]
    ts = runs[0].timeseries
    return RunResult(task.run_id, task.seed, task.values, "done", time.perf_counter() - started, worker,
                     outputs=values[0], timeseries=ts if task.keep_timeseries else None,
                     branches=values if task.branch_at is not None else [])
