"""One parameter space: scenario parameters named by path, with bounds and a distribution.

A parameter is any number in a scenario, named by its dotted path in the scenario file:
``channels.cameras.false_records_per_person_year``,
``channels.cameras.group_false_match.minority_b`` (a key of a table),
``countries.china.channels.cameras.coverage_urban`` (a country of a many-country scenario),
``sanctions.flights.enforcement.3.1`` (the value of a schedule's fourth point).
A path that names a whole schedule replaces it with a constant. Every experiment
(comparisons, sweeps, calibration, sensitivity analysis) and the dashboard's controls
name parameters this way. The text form used on the command line is
``PATH=LOW:HIGH[:LEVELS][:DISTRIBUTION]``.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import itertools
import math
import pickle
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

from ..scenario.loading import ScenarioError, apply_override, load, to_data, validate
from ..scenario.schema import COUNTRY_SECTIONS, Scenario

DISTRIBUTIONS = ("uniform", "log")
SAMPLES = ("grid", "lhs", "sobol")
MAX_RUNS = 100_000
"""Most runs (or design points) one experiment may plan: at 7 s a run, about eight days on two cores."""


def check_runs(label: str, runs: int, bytes_per_run: int) -> None:
    """Raise ScenarioError, with the count and the estimated memory of the plan, beyond MAX_RUNS."""
    if runs > MAX_RUNS:
        raise ScenarioError(f"{label}: {runs:,} runs, more than the {MAX_RUNS:,} one experiment may plan "
                            f"(planning them would take an estimated {runs * bytes_per_run / 2**30:,.1f} GiB)")


def run_bytes(data: dict) -> int:
    """Estimated memory of one planned run: its scenario data (about five times its pickled size)."""
    return 5 * len(pickle.dumps(data))


@dataclass(frozen=True)
class Parameter:
    """A scenario parameter with bounds.

    ``levels`` is the number of grid points (grid sampling only); ``distribution`` is
    ``uniform`` on [low, high] or ``log`` (uniform in the logarithm, for rates that span
    orders of magnitude); ``integer`` rounds values for integer fields.
    """

    path: str
    low: float
    high: float
    levels: int | None = None
    distribution: str = "uniform"
    integer: bool = False

    def __post_init__(self):
        label = self.label
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ScenarioError(f"{label}: bounds must be finite numbers")
        if not self.low < self.high:
            raise ScenarioError(f"{label}: the low bound {self.low:g} must be below the high bound {self.high:g}")
        if self.distribution not in DISTRIBUTIONS:
            raise ScenarioError(f"{label}: unknown distribution {self.distribution!r} (known: {', '.join(DISTRIBUTIONS)})")
        if self.distribution == "log" and self.low <= 0:
            raise ScenarioError(f"{label}: a log distribution needs a positive low bound, got {self.low:g}")
        if self.levels is not None and self.levels < 2:
            raise ScenarioError(f"{label}: a grid needs at least 2 levels, got {self.levels}")
        if self.levels is not None:
            check_runs(label, self.levels, 8)

    @property
    def label(self) -> str:
        levels = f":{self.levels}" if self.levels is not None else ""
        dist = f":{self.distribution}" if self.distribution != "uniform" else ""
        return f"--param {self.path}={self.low:g}:{self.high:g}{levels}{dist}"

    def value(self, unit: np.ndarray | float) -> np.ndarray:
        """Values at quantiles ``unit`` in [0, 1] of the parameter's distribution."""
        unit = np.asarray(unit, dtype=float)
        if self.distribution == "log":
            values = np.exp(np.log(self.low) + unit * (np.log(self.high) - np.log(self.low)))
        else:
            values = self.low + unit * (self.high - self.low)
        if self.integer:
            return np.rint(values)
        return np.vectorize(lambda v: float(f"{v:.12g}"), otypes=[float])(values)  # 0.6, not 0.6000000000000001

    def grid(self) -> np.ndarray:
        """The grid's values (``levels`` points, ends included; 5 if unset)."""
        return np.unique(self.value(np.linspace(0.0, 1.0, self.levels or 5)))


def parse_parameter(text: str) -> Parameter:
    """A parameter from ``PATH=LOW:HIGH[:LEVELS][:DISTRIBUTION]`` (unchecked against a scenario)."""
    label = f"--param {text}"
    if "=" not in text:
        raise ScenarioError(f"{label}: expected PATH=LOW:HIGH[:LEVELS][:uniform|log]")
    path, spec = (part.strip() for part in text.split("=", 1))
    if not path or any(not part for part in path.split(".")):
        raise ScenarioError(f"{label}: empty parameter path")
    fields = [f.strip() for f in spec.split(":")]
    if len(fields) < 2 or len(fields) > 4:
        raise ScenarioError(f"{label}: expected LOW:HIGH[:LEVELS][:uniform|log] after '='")
    try:
        low, high = float(fields[0]), float(fields[1])
    except ValueError:
        raise ScenarioError(f"{label}: bounds {fields[0]!r} and {fields[1]!r} must be numbers") from None
    levels, distribution = None, "uniform"
    for extra in fields[2:]:
        if extra.isdigit():
            levels = int(extra)
        elif extra in DISTRIBUTIONS:
            distribution = extra
        else:
            raise ScenarioError(f"{label}: {extra!r} is neither a number of levels nor a distribution "
                                f"({', '.join(DISTRIBUTIONS)})")
    return Parameter(path, low, high, levels, distribution)


def _leaf_paths(node, prefix: str = "") -> list[str]:
    """Every numeric leaf (and schedule) of resolved scenario data, as dotted paths."""
    if isinstance(node, dict):
        return [p for key, value in node.items() for p in _leaf_paths(value, f"{prefix}{key}.")]
    if _is_schedule(node):
        return [prefix[:-1]]
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return [prefix[:-1]]
    return []


def _is_schedule(node) -> bool:
    return isinstance(node, list) and bool(node) and all(
        isinstance(point, list) and len(point) == 2 and isinstance(point[0], dt.date) for point in node)


def _lookup(data: dict, parts: list[str]):
    node = data
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(part)
    return node


class ParameterSpace:
    """Parameters of one base scenario: checks paths and bounds, samples points, builds scenarios.

    ``base`` is a :class:`Scenario`, a built-in name or a TOML path; ``parameters`` are
    :class:`Parameter` objects or their text form ``PATH=LOW:HIGH[:LEVELS][:DISTRIBUTION]``.
    """

    def __init__(self, base: Scenario | str, parameters: list[Parameter | str]):
        scenario = base if isinstance(base, Scenario) else load(str(base))
        self.base = scenario
        self.data = to_data(scenario)
        checked = [self._check(p if isinstance(p, Parameter) else parse_parameter(p)) for p in parameters]
        if not checked:
            raise ScenarioError("--param: give at least one parameter")
        duplicates = sorted({p.path for p in checked if [q.path for q in checked].count(p.path) > 1})
        if duplicates:
            raise ScenarioError(f"--param {duplicates[0]}: given more than once")
        self.parameters = checked

    @property
    def names(self) -> list[str]:
        return [p.path for p in self.parameters]

    def _check(self, parameter: Parameter) -> Parameter:
        label, parts = parameter.label, parameter.path.split(".")
        if self.data.get("countries") and parts[0] in COUNTRY_SECTIONS:
            raise ScenarioError(f"{label}: the scenario has countries; name one, as "
                                f"countries.<name>.{parameter.path} (countries: {', '.join(self.data['countries'])})")
        try:
            node = _lookup(self.data, parts)
        except KeyError:
            close = difflib.get_close_matches(parameter.path, _leaf_paths(self.data), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else " (see `scslab params`)"
            raise ScenarioError(f"{label}: no such parameter in scenario {self.base.name!r}{hint}") from None
        if isinstance(node, bool) or not (isinstance(node, (int, float)) or _is_schedule(node)):
            kind = ("a true/false switch; compare its two settings with `scslab compare`" if isinstance(node, bool)
                    else "a table; name one of its numbers" if isinstance(node, dict) else "not a number")
            raise ScenarioError(f"{label}: {parameter.path} is {kind}")
        if isinstance(node, int) and not isinstance(node, bool):
            parameter = Parameter(parameter.path, parameter.low, parameter.high, parameter.levels,
                                  parameter.distribution, integer=True)
        for bound in (parameter.low, parameter.high):
            self._build({parameter.path: float(bound)}, label)
        return parameter

    def _build(self, values: dict[str, float], label: str) -> Scenario:
        return validate(self.point_data(values, label), label)

    def scenario(self, values: dict[str, float]) -> Scenario:
        """The base scenario with ``values`` (path -> number) set."""
        return self._build(values, "parameter values")

    def point_data(self, values: dict[str, float], label: str = "parameter values") -> dict:
        """Resolved scenario data with ``values`` set (plain data, cheap to send to a worker)."""
        data = copy.deepcopy(self.data)
        for path, value in values.items():
            apply_override(data, path.split("."), _plain_number(value), label)
        return data

    def from_unit(self, unit: np.ndarray) -> pd.DataFrame:
        """Points (one row each, one column per path) from quantiles in the unit cube."""
        unit = np.atleast_2d(np.asarray(unit, dtype=float))
        return pd.DataFrame({p.path: p.value(unit[:, i]) for i, p in enumerate(self.parameters)})

    def sample(self, method: str = "grid", n: int | None = None, seed: int = 0) -> pd.DataFrame:
        """Design points: ``grid`` (every combination of each parameter's levels), ``lhs``
        (Latin hypercube) or ``sobol`` (scrambled Sobol' sequence) with ``n`` points."""
        if method not in SAMPLES:
            raise ScenarioError(f"--sample: unknown method {method!r} (known: {', '.join(SAMPLES)})")
        if method == "grid":
            check_runs("--param", math.prod(p.levels or 5 for p in self.parameters), run_bytes(self.data))
            combos = list(itertools.product(*(p.grid() for p in self.parameters)))
            return pd.DataFrame(combos, columns=self.names)
        if n is None or n < 1:
            raise ScenarioError(f"--n: {method} sampling needs a number of points of at least 1")
        check_runs("--n", n, run_bytes(self.data))
        d = len(self.parameters)
        engine = qmc.LatinHypercube(d, seed=seed) if method == "lhs" else qmc.Sobol(d, scramble=True, seed=seed)
        if method == "sobol" and n & (n - 1):
            raise ScenarioError(f"--n: Sobol' sampling needs a power of two, got {n}")
        return self.from_unit(engine.random(n))

    def describe(self) -> list[dict]:
        """Each parameter with its bounds, distribution and current value in the base scenario."""
        return [{"path": p.path, "low": p.low, "high": p.high, "distribution": p.distribution,
                 "levels": p.levels, "base": _lookup(self.data, p.path.split("."))} for p in self.parameters]


def _plain_number(value):
    """A NumPy scalar as a Python number (TOML and pydantic want plain numbers)."""
    value = float(value)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value
