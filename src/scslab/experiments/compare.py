"""Comparing scenarios over the same seeds (common random numbers) with paired 95% intervals.

Every mechanism draws from its own random stream keyed by the seed, so two scenarios run
with one seed meet the same people, the same behaviour and the same chance events except
where their parameters differ. The difference of an output between them, replicate by
replicate, then varies far less than the outputs themselves, and its interval is narrow.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..checkpoint import StateError, check_continues
from ..files import Kind, atomic_directory
from ..population_cache import synthesis_inputs
from ..sim import Sim, with_period
from ..scenario.loading import ScenarioError, load, to_data
from ..scenario.schema import Scenario
from .cluster import run_all
from .runs import RunTask, check_outputs
from .space import check_runs, run_bytes

CONFIDENCE = 0.95
COMPARISON = Kind("comparison", frozenset({"comparison.csv", "runs.csv"}), frozenset({"comparison.csv", "runs.csv"}))


def load_variant(spec: str) -> Scenario:
    """A scenario from ``NAME_OR_FILE`` or ``NAME_OR_FILE+PATH=VALUE+PATH=VALUE...``."""
    if os.path.exists(spec) or "+" not in spec:
        return load(spec)
    name, *overrides = spec.split("+")
    if not all("=" in item for item in overrides):
        raise ScenarioError(f"{spec}: expected NAME_OR_FILE+PATH=VALUE[+PATH=VALUE...]")
    return load(name, overrides)


@dataclass
class Comparison:
    """Per-run outputs (``runs``) and, per output and scenario, the mean and the difference
    from the first scenario with its 95% interval (``table``)."""

    labels: list[str]
    runs: pd.DataFrame
    table: pd.DataFrame
    paired: bool

    def save(self, directory: str | Path, overwrite: bool = False) -> Path:
        """Write ``comparison.csv`` and ``runs.csv`` into ``directory`` (all or nothing; see
        :func:`~scslab.files.atomic_directory` for what it may replace)."""
        with atomic_directory(Path(directory), COMPARISON, overwrite) as tmp:
            self.table.to_csv(tmp / "comparison.csv", index=False)
            self.runs.to_csv(tmp / "runs.csv", index=False)
        return Path(directory)


def difference_interval(a: np.ndarray, b: np.ndarray, paired: bool) -> tuple[float, float, float]:
    """Mean of b - a and its 95% t interval: paired by replicate, else Welch's for independent samples."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if paired:
        d = b - a
        se, df = d.std(ddof=1) / np.sqrt(len(d)), len(d) - 1
    else:
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        se = np.sqrt(va + vb)
        df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if se > 0 else 1
    mean = float(b.mean() - a.mean())
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, df) * se) if se > 0 else 0.0
    return mean, mean - half, mean + half


def compare(scenarios: list[str | Scenario], replicates: int = 10, *, agents: int | None = None, seed: int = 0,
            days: int | None = None, until=None, outputs: list[str] | None = None, paired: bool = True,
            labels: list[str] | None = None, workers: int | None = 0, scheduler: str | None = None,
            progress: bool = True, branch_at=None) -> Comparison:
    """Run each scenario over ``replicates`` seeds and compare each with the first.

    With ``paired`` (the default) every scenario uses seeds ``seed .. seed+replicates-1``
    (common random numbers); otherwise each scenario gets its own seeds and the interval
    is Welch's. ``workers=0`` runs here; otherwise on Dask (see :func:`~.cluster.executor`).
    With ``branch_at`` (a date or its ISO text), each seed's history before that date is run
    once, with the first scenario, and every scenario continues from its state (``checkpoint``):
    the scenarios then differ only from that date, and must share the population and period.
    """
    if len(scenarios) < 2:
        raise ScenarioError("compare: give at least two scenarios")
    if replicates < 2:
        raise ScenarioError(f"--replicates: at least 2 are needed for an interval, got {replicates}")
    names = check_outputs(outputs)
    loaded = [s if isinstance(s, Scenario) else load_variant(str(s)) for s in scenarios]
    labels = list(labels or [s if isinstance(s, str) else s.name for s in scenarios])
    if len(set(labels)) != len(labels):
        raise ScenarioError("compare: two scenarios have the same label; give distinct labels")
    check_runs("--replicates", len(loaded) * replicates, sum(run_bytes(to_data(s)) for s in loaded) // len(loaded))
    if branch_at is not None:
        if not paired:
            raise ScenarioError("--branch-at: branches share each seed's history, so they are paired; "
                                "drop --independent")
        return _branched(loaded, labels, names, replicates, agents, seed, days, until, workers, scheduler, progress,
                         branch_at)
    tasks = []
    for k, scenario in enumerate(loaded):
        data = to_data(scenario)
        for r in range(replicates):
            run_seed = seed + r if paired else seed + k * replicates + r
            tasks.append(RunTask(f"{k}-{r}", data, run_seed, agents, days, until, values={"scenario": k, "replicate": r}))
    rows = []
    for result in run_all(tasks, workers, scheduler, "compare", progress):
        if result.status != "done":
            raise RuntimeError(f"run {result.run_id} of {labels[result.values['scenario']]} failed: {result.error}")
        rows.append({"scenario": labels[result.values["scenario"]], "replicate": result.values["replicate"],
                     "seed": result.seed, **{n: result.outputs[n] for n in names}})
    return _comparison(rows, labels, names, paired)


def _comparison(rows: list[dict], labels: list[str], names: list[str], paired: bool) -> Comparison:
    """The comparison of the runs ``rows`` (scenario, replicate, seed and each output of ``names``)."""
    runs = pd.DataFrame(rows)
    runs["scenario"] = pd.Categorical(runs["scenario"], categories=labels)
    runs = runs.sort_values(["scenario", "replicate"], ignore_index=True)
    return Comparison(labels, runs, _table(runs, labels, names, paired), paired)


def _branched(loaded, labels, names, replicates, agents, seed, days, until, workers, scheduler, progress,
              branch_at) -> Comparison:
    """``compare`` from each seed's common history before ``branch_at``: one task per seed."""
    first = with_period(loaded[0], days, until)
    n = first.default_agents if agents is None else agents
    try:
        day = Sim(first, agents=n, seed=seed).day_of(branch_at)
    except ValueError as error:
        raise ScenarioError(f"--branch-at: {error}") from None
    for label, scenario in zip(labels[1:], loaded[1:]):
        try:
            check_continues(label, (first.start_date, first.end_date), synthesis_inputs(first, n, seed),
                            with_period(scenario, days, until), n, seed)
        except StateError as error:
            raise ScenarioError(f"--branch-at: {error}") from None
    data = [to_data(s) for s in loaded]
    tasks = [RunTask(f"seed-{seed + r}", data[0], seed + r, agents, days, until, values={"replicate": r},
                     branch_at=first.start_date + dt.timedelta(days=day), branches=data) for r in range(replicates)]
    rows = []
    for result in run_all(tasks, workers, scheduler, "compare", progress):
        if result.status != "done":
            raise RuntimeError(f"run {result.run_id} failed: {result.error}")
        rows += [{"scenario": label, "replicate": result.values["replicate"], "seed": result.seed,
                  **{n: outputs[n] for n in names}} for label, outputs in zip(labels, result.branches)]
    return _comparison(rows, labels, names, True)


def _table(runs: pd.DataFrame, labels: list[str], outputs: list[str], paired: bool) -> pd.DataFrame:
    rows = []
    reference = runs[runs["scenario"] == labels[0]]
    for output in outputs:
        a = reference[output].to_numpy()
        for label in labels:
            b = runs.loc[runs["scenario"] == label, output].to_numpy()
            row = {"output": output, "scenario": label, "mean": b.mean(), "sd": b.std(ddof=1)}
            if label != labels[0]:
                row["difference"], row["low"], row["high"] = difference_interval(a, b, paired)
            rows.append(row)
    return pd.DataFrame(rows, columns=["output", "scenario", "mean", "sd", "difference", "low", "high"])
