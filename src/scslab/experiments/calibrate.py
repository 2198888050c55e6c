"""Calibration: fitting scenario parameters to published figures with Optuna.

Targets are published values of time-series quantities at dates, each with a relative
tolerance (15% unless a file says otherwise, the criterion of ``docs/calibration.md``).
A trial's loss is the mean of ``(relative error / tolerance)^2`` over the targets inside
the run period, with the model's value averaged over ``replicates`` seeds; every trial uses
the same seeds (common random numbers), so trials differ only where their parameters do.
Trials are proposed by a TPE sampler through Optuna's ask-and-tell interface, as many at
a time as there are Dask workers (one in this process with ``workers=0``).
"""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..files import check_file, head, write_text_atomic
from ..scenario.loading import ScenarioError, dumps
from ..scenario.schema import Scenario
from ..targets import DEFAULT_TOLERANCE, normalise_targets, read_target_file
from .cluster import TaskPool, executor, threads_per_run
from .progress import run_progress
from .runs import RunResult, RunTask
from .space import Parameter, ParameterSpace, check_runs, run_bytes

FIT_FIELDS = ["date", "quantity", "published", "model", "error", "tolerance", "within"]
HEADER = "# Calibrated by `scslab calibrate`"
"""How a calibrated scenario file begins."""


def _first_line(path: Path) -> str:
    return head(path, 100_000).split("\n", 1)[0]


RECOGNISE = {
    "scenario": lambda path: head(path, len(HEADER)) == HEADER,
    "fit": lambda path: _first_line(path) == ",".join(FIT_FIELDS),
    "trials": lambda path: _first_line(path).startswith("number,") and _first_line(path).endswith(",loss,state"),
}
"""How each file of an earlier calibration is known."""


@dataclass
class Calibration:
    """The outcome of :func:`calibrate`.

    ``scenario`` is the base scenario with the ``best`` values (path -> value) and ``loss``;
    ``fit`` compares the best trial's model values (averaged over replicates) with each
    target; ``trials`` lists every trial; ``timeseries`` is the best trial's time series
    (numeric columns averaged over replicates).
    """

    scenario: Scenario
    best: dict
    loss: float
    fit: pd.DataFrame
    trials: pd.DataFrame
    timeseries: pd.DataFrame
    targets_label: str = "targets"

    def save(self, path: str | os.PathLike, overwrite: bool = False) -> dict[str, Path]:
        """Write the calibrated scenario as TOML at ``path`` (loadable with ``scslab.load``), and
        beside it ``<stem>.fit.csv`` and ``<stem>.trials.csv``; returns the three paths.

        Each must be new, or (with ``overwrite``) a file of an earlier calibration; otherwise
        :class:`~scslab.files.OutputError` and nothing is written (see :func:`calibration_paths`).
        """
        paths = calibration_paths(path, overwrite)
        header = [f"{HEADER[2:]} on {dt.date.today().isoformat()} against {self.targets_label}",
                  (f"({len(self.fit)} targets, {int(self.fit['within'].sum())} within tolerance; "
                   f"loss {self.loss:.4g} over {len(self.trials)} trials)."), "Best values:"]
        header += [f"  {name} = {value:.6g}" for name, value in self.best.items()]
        text = "".join(f"# {line}\n" for line in header) + "\n" + dumps(self.scenario)
        fit = self.fit.assign(date=self.fit["date"].dt.date)
        write_text_atomic(paths["fit"], fit.to_csv(index=False))
        write_text_atomic(paths["trials"], self.trials.to_csv(index=False))
        write_text_atomic(paths["scenario"], text)
        return paths

    def report(self) -> str:
        """The best values and the fit as Markdown tables."""
        lines = [f"Loss {self.loss:.4g} (mean squared error in tolerances) over {len(self.trials)} trials.", "",
                 "| parameter | value |", "|---|---|"]
        lines += [f"| `{name}` | {value:.6g} |" for name, value in self.best.items()]
        lines += ["", "| date | quantity | published | model | error | tolerance | within |",
                  "|---|---|---|---|---|---|---|"]
        for row in self.fit.itertuples():
            lines.append(f"| {row.date.date()} | {row.quantity} | {row.published:,.0f} | {row.model:,.0f} | "
                         f"{row.error:+.1%} | {row.tolerance:.0%} | {'yes' if row.within else 'no'} |")
        return "\n".join(lines)


def calibration_paths(path: str | os.PathLike, overwrite: bool = False) -> dict[str, Path]:
    """The three files a calibration writes for ``path``, checked to be new or (with ``overwrite``)
    files of an earlier calibration; else :class:`~scslab.files.OutputError`."""
    path = Path(path)
    check_file(path, RECOGNISE["scenario"], "calibration", overwrite)
    paths = {"scenario": path, "fit": path.with_name(f"{path.stem}.fit.csv"),
             "trials": path.with_name(f"{path.stem}.trials.csv")}
    for role in ("fit", "trials"):
        check_file(paths[role], RECOGNISE[role], "calibration", overwrite)
    return paths


def calibrate(scenario: Scenario | str, parameters: list[Parameter | str], targets: str | os.PathLike | pd.DataFrame,
              *, trials: int = 40, agents: int | None = None, days: int | None = None, until=None, seed: int = 0,
              replicates: int = 1, sampler_seed: int = 0, default_tolerance: float = DEFAULT_TOLERANCE,
              workers: int | None = 0, scheduler: str | None = None, progress: bool = True) -> Calibration:
    """Fit ``parameters`` (within their bounds) of ``scenario`` to ``targets`` over ``trials`` trials.

    ``targets`` is a CSV path (see :func:`read_target_file`) or a table in one of its layouts.
    Each trial runs ``replicates`` seeds ``seed .. seed+replicates-1``. ``workers=0`` runs here;
    otherwise trials run in parallel on Dask (see :func:`~scslab.experiments.cluster.executor`),
    as many at a time as there are workers.
    """
    import optuna

    if trials < 1:
        raise ScenarioError(f"--trials: at least 1, got {trials}")
    if replicates < 1:
        raise ScenarioError(f"--replicates: at least 1, got {replicates}")
    if days is not None and until is not None:
        raise ScenarioError("calibrate: give days or until, not both")
    space = ParameterSpace(scenario, parameters)
    check_runs("--trials", trials * replicates, run_bytes(space.data))
    if isinstance(targets, pd.DataFrame):
        label, table = "targets", normalise_targets(targets, "targets", default_tolerance)
    else:
        label, table = str(targets), read_target_file(targets, default_tolerance)
    until = pd.Timestamp(until).date() if until is not None else None
    start = space.base.start_date
    end = start + dt.timedelta(days=days - 1) if days is not None else until or space.base.end_date
    table = table[(table["date"] >= pd.Timestamp(start)) & (table["date"] <= pd.Timestamp(end))].reset_index(drop=True)
    if table.empty:
        raise ScenarioError(f"{label}: no target falls inside the scenario period {start}..{end}")

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=sampler_seed))
    best: dict = {}  # the best trial so far: number, loss, model values, averaged time series
    first_error = ""
    with executor(workers, scheduler) as client, run_progress(trials, "calibrate", progress) as advance:
        threads = threads_per_run(client, workers)
        slots = 1 if client is None else max(1, len(client.scheduler_info().get("workers", {})))
        pool = TaskPool(client)
        pending: dict[int, tuple] = {}  # trial number -> (trial, results so far)
        asked = told = 0
        try:
            while told < trials:
                while asked < trials and len(pending) < slots:
                    trial = study.ask()
                    values = {p.path: _suggest(trial, p) for p in space.parameters}
                    data = space.point_data(values)
                    for r in range(replicates):
                        pool.submit(RunTask(f"t{trial.number:05d}-r{r}", data, seed + r, agents, days, until,
                                            threads=threads, keep_timeseries=True, values=values))
                    pending[trial.number] = (trial, [])
                    asked += 1
                result = pool.next()
                trial, results = pending[int(result.run_id[1:].split("-")[0])]
                results.append(result)
                if len(results) < replicates:
                    continue
                del pending[trial.number]
                failed = [r for r in results if r.status != "done"]
                if failed:
                    first_error = first_error or f"run {failed[0].run_id}: {failed[0].error}"
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                else:
                    timeseries = _average(results)
                    model = _model_values(timeseries, table)
                    loss = _loss(model, table)
                    study.tell(trial, loss)
                    if not best or loss < best["loss"]:
                        best = {"number": trial.number, "loss": loss, "model": model, "timeseries": timeseries,
                                "values": results[0].values}
                told += 1
                advance()
        finally:
            pool.close()
    if not best:
        raise RuntimeError(f"calibrate: every trial failed; the first error: {first_error}")
    values = best["values"]
    error = (best["model"] - table["published"]) / table["published"]
    fit = pd.DataFrame({"date": table["date"], "quantity": table["quantity"], "published": table["published"],
                        "model": best["model"], "error": error, "tolerance": table["tolerance"],
                        "within": error.abs() <= table["tolerance"]})[FIT_FIELDS]
    rows = [{"number": t.number, **{p: t.params.get(p) for p in space.names},
             "loss": t.value, "state": t.state.name} for t in study.trials]
    return Calibration(space.scenario(values), dict(values), best["loss"], fit,
                       pd.DataFrame(rows, columns=["number", *space.names, "loss", "state"]),
                       best["timeseries"], label)


def _suggest(trial, parameter: Parameter):
    log = parameter.distribution == "log"
    if parameter.integer:
        return trial.suggest_int(parameter.path, math.ceil(parameter.low), math.floor(parameter.high), log=log)
    return trial.suggest_float(parameter.path, parameter.low, parameter.high, log=log)


def _average(results: list[RunResult]) -> pd.DataFrame:
    """The replicates' time series, numeric columns averaged day by day."""
    if len(results) == 1:
        return results[0].timeseries
    frames = [r.timeseries for r in results]
    numeric = frames[0].select_dtypes("number").columns.drop("day", errors="ignore")
    mean = sum(f[numeric].to_numpy(dtype=float) for f in frames) / len(frames)
    out = frames[0].copy()
    out[list(numeric)] = pd.DataFrame(mean, columns=numeric, index=out.index)
    return out


def _model_values(timeseries: pd.DataFrame, targets: pd.DataFrame) -> pd.Series:
    """The model's value of each target's quantity on its date."""
    by_date = timeseries.set_index(pd.DatetimeIndex(timeseries["date"]).normalize())
    return pd.Series([float(by_date.at[row.date, row.quantity]) for row in targets.itertuples()], index=targets.index)


def _loss(model: pd.Series, targets: pd.DataFrame) -> float:
    error = (model - targets["published"]) / targets["published"]
    return float(((error / targets["tolerance"]) ** 2).mean())
