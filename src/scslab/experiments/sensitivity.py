"""Global sensitivity analysis with SALib: Sobol' indices and Morris elementary effects.

Points are sampled in the unit cube and mapped to each parameter's values by its quantile
function (:meth:`ParameterSpace.from_unit`). That mapping is monotone per parameter, so the
Sobol' indices computed in the unit cube are the indices of the model over the parameters'
distributions, and Morris' ``mu_star`` is an effect per unit of each parameter's range (of
its logarithm's, for a log parameter): comparable across parameters whatever their units.

:func:`analyse` knows nothing of scslab (it takes any function of the unit cube);
:func:`sensitivity` runs scslab's simulator at the points, averaging ``replicates`` seeds
(the same seeds at every point: common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..files import Kind, atomic_directory
from ..scenario.loading import ScenarioError
from ..scenario.schema import Scenario
from .cluster import run_all
from .runs import RunTask, check_outputs
from .space import Parameter, ParameterSpace, check_runs, run_bytes

METHODS = ("sobol", "morris")
MORRIS_LEVELS = 4
DEFAULT_OUTPUTS = ("wrongly_listed", "expression_rate")
RANKED_BY = {"sobol": "ST", "morris": "mu_star"}
SENSITIVITY = Kind("sensitivity analysis", frozenset({"sensitivity.csv", "samples.csv"}),
                   frozenset({"sensitivity.csv", "samples.csv", "sensitivity.png"}))


@dataclass
class SensitivityResult:
    """Indices per output and parameter (``table``: long format, 95% bootstrap intervals in
    ``low``/``high``) and the evaluated points with their outputs (``samples``)."""

    method: str
    outputs: list[str]
    table: pd.DataFrame  # output, parameter, index, value, low, high
    samples: pd.DataFrame

    def ranking(self, output: str) -> list[str]:
        """Parameters by decreasing total index (Sobol') or ``mu_star`` (Morris) for ``output``."""
        if output not in self.outputs:
            raise ScenarioError(f"--output {output}: not analysed (analysed: {', '.join(self.outputs)})")
        rows = self.table[(self.table["output"] == output) & (self.table["index"] == RANKED_BY[self.method])]
        return rows.sort_values("value", ascending=False, kind="stable")["parameter"].tolist()

    def plot(self, path: str | Path | None = None) -> Figure:
        """One panel of horizontal bars per output, with 95% intervals; saved to ``path`` if given."""
        indices = ["S1", "ST"] if self.method == "sobol" else ["mu_star"]
        n_params = self.table["parameter"].nunique()
        fig = Figure(figsize=(7, len(self.outputs) * (0.45 * n_params * len(indices) + 1.2)), layout="constrained")
        axes = fig.subplots(len(self.outputs), 1, squeeze=False)[:, 0]
        height = 0.8 / len(indices)
        for ax, output in zip(axes, self.outputs):
            order = self.ranking(output)[::-1]  # the most influential at the top
            rows = self.table[self.table["output"] == output].set_index(["index", "parameter"])
            for k, index in enumerate(indices):
                part = rows.loc[index].reindex(order)
                y = np.arange(len(order)) + (k - (len(indices) - 1) / 2) * height
                ax.barh(y, part["value"], height, xerr=(part["high"] - part["low"]) / 2, capsize=3, label=index)
            ax.set_yticks(np.arange(len(order)), order)
            ax.set_title(output)
            ax.axvline(0, color="black", linewidth=0.8)
            ax.set_xlabel("Sobol' index" if self.method == "sobol" else "mu* (per unit of range)")
            if len(indices) > 1:
                ax.legend(loc="lower right")
        if path is not None:
            fig.savefig(path, dpi=120)
        return fig

    def save(self, directory: str | Path, overwrite: bool = False) -> Path:
        """Write ``sensitivity.csv``, ``samples.csv`` and ``sensitivity.png`` into ``directory`` (all or
        nothing; see :func:`~scslab.files.atomic_directory` for what it may replace)."""
        with atomic_directory(Path(directory), SENSITIVITY, overwrite) as tmp:
            self.table.to_csv(tmp / "sensitivity.csv", index=False)
            self.samples.to_csv(tmp / "samples.csv", index=False)
            self.plot(tmp / "sensitivity.png")
        return Path(directory)


def analyse(names: list[str], evaluate: Callable[[np.ndarray], np.ndarray], method: str = "sobol",
            samples: int = 64, seed: int = 0, outputs: list[str] | None = None) -> SensitivityResult:
    """Sensitivity of ``evaluate`` to each of ``names``, sampled in the unit cube.

    ``evaluate`` maps an (n, len(names)) matrix of points in [0, 1] to an (n, len(outputs))
    matrix of outputs (``outputs`` default to ``y0``, ``y1``...). ``sobol``: first-order and
    total indices from ``samples`` (a power of two) base points, ``samples * (d + 2)`` rows;
    ``morris``: ``mu_star``, ``mu`` and ``sigma`` of the elementary effects over ``samples``
    trajectories on a 4-level grid, ``samples * (d + 1)`` rows. ``seed`` fixes the sample and
    the bootstrap of the intervals.
    """
    if method not in METHODS:
        raise ScenarioError(f"--method: unknown method {method!r} (known: {', '.join(METHODS)})")
    if samples < 2:
        raise ScenarioError(f"--samples: at least 2 are needed, got {samples}")
    if method == "sobol" and samples & (samples - 1):
        raise ScenarioError(f"--samples: Sobol' sampling needs a power of two, got {samples}")
    if not names:
        raise ScenarioError("--param: give at least one parameter")
    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    if method == "sobol":
        from SALib.sample.sobol import sample
        unit = sample(problem, samples, calc_second_order=False, seed=seed)
    else:
        from SALib.sample.morris import sample
        unit = sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
    y = np.asarray(evaluate(unit), dtype=float)
    y = y.reshape(len(unit), -1) if y.ndim == 1 else y
    outputs = list(outputs) if outputs is not None else [f"y{j}" for j in range(y.shape[1])]
    if y.shape != (len(unit), len(outputs)):
        raise ValueError(f"evaluate returned shape {y.shape}, expected {(len(unit), len(outputs))}")
    rows = []
    for j, output in enumerate(outputs):
        for index, value, conf in _indices(problem, method, unit, y[:, j], seed):
            for name, v, c in zip(names, value, conf):
                rows.append({"output": output, "parameter": name, "index": index, "value": v,
                             "low": v - c, "high": v + c})
    table = pd.DataFrame(rows, columns=["output", "parameter", "index", "value", "low", "high"])
    points = pd.concat([pd.DataFrame(unit, columns=names), pd.DataFrame(y, columns=outputs)], axis=1)
    return SensitivityResult(method, outputs, table, points)


def _indices(problem: dict, method: str, unit: np.ndarray, y: np.ndarray, seed: int):
    """(index, values, half-widths) per index of one output; NaN where the output never varies."""
    d = problem["num_vars"]
    if method == "sobol":
        from SALib.analyze.sobol import analyze
        if np.ptp(y) == 0:
            return [("S1", [np.nan] * d, [np.nan] * d), ("ST", [np.nan] * d, [np.nan] * d)]
        # A Generator, not the int: SALib's Sobol' analysis ignores seed=0 and draws unseeded.
        si = analyze(problem, y, calc_second_order=False, seed=np.random.default_rng(seed))
        return [("S1", si["S1"], si["S1_conf"]), ("ST", si["ST"], si["ST_conf"])]
    from SALib.analyze.morris import analyze
    si = analyze(problem, unit, y, num_levels=MORRIS_LEVELS, seed=seed)
    none = [np.nan] * d
    return [("mu_star", si["mu_star"], si["mu_star_conf"]), ("mu", si["mu"], none), ("sigma", si["sigma"], none)]


def sensitivity(scenario: Scenario | str, parameters: list[Parameter | str], *, method: str = "sobol",
                samples: int = 64, outputs: list[str] | None = None, seed: int = 0, sample_seed: int = 0,
                agents: int | None = None, days: int | None = None, until=None, replicates: int = 1,
                workers: int | None = 0, scheduler: str | None = None, progress: bool = True) -> SensitivityResult:
    """Sensitivity of scslab's end-of-run ``outputs`` to ``parameters`` of ``scenario``.

    Each point is run with seeds ``seed .. seed+replicates-1`` and its outputs averaged;
    ``sample_seed`` fixes the sample and the intervals. ``samples`` as in :func:`analyse`.
    ``workers=0`` runs here; otherwise on Dask (see :func:`~.cluster.executor`). ``samples`` in the
    result holds the parameters' values, not their quantiles.
    """
    if replicates < 1:
        raise ScenarioError(f"--replicates: at least 1, got {replicates}")
    space = ParameterSpace(scenario, parameters)
    names = check_outputs(outputs or list(DEFAULT_OUTPUTS))
    rows = samples * (len(space.names) + (2 if method == "sobol" else 1))
    check_runs("--samples", rows * replicates, run_bytes(space.data))

    def evaluate(unit: np.ndarray) -> np.ndarray:
        # Identical points (common on Morris' grid) with identical seeds give identical runs: run each once.
        points, inverse = np.unique(unit, axis=0, return_inverse=True)
        values = space.from_unit(points).to_dict("records")
        tasks = [RunTask(f"s{i:06d}-r{r}", space.point_data(v), seed + r, agents, days, until,
                         values={"point": i, **v})
                 for i, v in enumerate(values) for r in range(replicates)]
        totals = np.zeros((len(points), len(names)))
        for result in run_all(tasks, workers, scheduler, "sensitivity", progress):
            if result.status != "done":
                raise RuntimeError(f"sensitivity run {result.run_id} failed: {result.error}")
            totals[result.values["point"]] += [result.outputs[n] for n in names]
        return (totals / replicates)[inverse.ravel()]

    result = analyse(space.names, evaluate, method, samples, sample_seed, names)
    result.samples[space.names] = space.from_unit(result.samples[space.names].to_numpy())
    return result
