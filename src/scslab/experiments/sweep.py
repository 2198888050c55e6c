"""Sweeps: many runs over a parameter space, on Dask distributed, into a DuckDB catalog.

Each design point is run with ``replicates`` seeds (``seed`` .. ``seed+replicates-1``, the
same for every point: common random numbers across the sweep). A sweep is defined by its
scenario, parameters, sample and run settings; running it again with the same ``out``
resumes it: finished runs are kept, pending and failed ones are run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..scenario.loading import ScenarioError, dumps
from ..scenario.schema import Scenario
from .catalog import Catalog
from .cluster import check_address, run_all
from .runs import RunResult, RunTask, execute
from .space import Parameter, ParameterSpace, check_runs, run_bytes


@dataclass
class SweepReport:
    """What one call of :func:`sweep` did, and where the catalog is."""

    directory: Path
    planned: int
    skipped: int  # finished before this call
    ran: int
    failed: int

    def catalog(self) -> Catalog:
        """The catalog, opened read-only (``.runs()``, ``.timeseries()``, ``.query(sql)``)."""
        return Catalog(self.directory, read_only=True)


def plan(space: ParameterSpace, sample: str, n: int | None, replicates: int, seed: int,
         sample_seed: int = 0) -> pd.DataFrame:
    """Every run of a sweep: run_id, point, replicate, seed and the parameter values."""
    if replicates < 1:
        raise ScenarioError(f"--replicates: at least 1, got {replicates}")
    points = space.sample(sample, n, sample_seed)
    check_runs("--replicates", len(points) * replicates, run_bytes(space.data))
    rows = []
    for point, values in enumerate(points.to_dict("records")):
        for replicate in range(replicates):
            rows.append({"run_id": f"p{point:06d}-r{replicate:04d}", "point": point, "replicate": replicate,
                         "seed": seed + replicate, **values})
    return pd.DataFrame(rows)


def sweep(scenario: Scenario | str, parameters: list[Parameter | str], out: str | Path, *, sample: str = "grid",
          n: int | None = None, replicates: int = 1, seed: int = 0, sample_seed: int = 0,
          agents: int | None = None, days: int | None = None, until=None, keep_timeseries: bool = True,
          workers: int | None = None, scheduler: str | None = None, progress: bool = True,
          on_result: Callable[[RunResult], None] | None = None,
          task_runner: Callable[[RunTask], RunResult] = execute) -> SweepReport:
    """Run (or resume) a sweep into the catalog in ``out``; returns what was done.

    ``workers`` processes of a local Dask cluster (default: one per core), or the cluster
    at ``scheduler``; ``on_result`` is called after each run is recorded; ``task_runner``
    runs one task on a worker (replace it only to test or extend the machinery).
    """
    if scheduler is not None:
        check_address(scheduler)
    space = ParameterSpace(scenario, parameters)
    planned = plan(space, sample, n, replicates, seed, sample_seed)
    definition = {"scenario": dumps(space.base), "parameters": space.describe(), "sample": sample,
                  "n": n if sample != "grid" else None, "sample_seed": sample_seed, "replicates": replicates,
                  "seed": seed, "agents": agents, "days": days, "until": until, "timeseries": keep_timeseries}
    with Catalog(out) as catalog:
        catalog.begin(definition, space.names, planned)
        done = catalog.finished()
        todo = planned[~planned["run_id"].isin(done)]
        report = SweepReport(Path(out), len(planned), len(done), 0, 0)
        tasks = [RunTask(row["run_id"], space.point_data({p: row[p] for p in space.names}), int(row["seed"]),
                         agents, days, until, keep_timeseries=keep_timeseries,
                         values={p: row[p] for p in space.names})
                 for row in todo.to_dict("records")]
        if not tasks:
            return report
        for result in run_all(tasks, workers, scheduler, f"sweep {space.base.name}", progress, task_runner):
            catalog.record(result)
            report.ran += 1
            report.failed += result.status != "done"
            if on_result is not None:
                on_result(result)
    return report
