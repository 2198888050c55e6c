"""Saved states of a run: made at a date (``scslab run --save-state DATE DIR``), continued or branched from
(``scslab run --from-state DIR``, ``scslab compare --branch-at DATE``).

A state is what a one-country run carries from one day to the next, as it stands when its date begins
(``engine.CountryRun.carried``): the agents' columns, the roster of the listed, the calendar, the counters and
the daily history so far, the serial decisions' random generators and each mechanism's ``carried``
attributes. What the scenario's parameters make (schedules, rates, the contact network, the phases) is not in
it: a run from a state is built from its scenario, possibly changed, and then given the state, so that changed
parameters take effect from the state's date. The per-piece random streams are keyed by day, so they need
none, and a run continued with nothing changed gives the same bytes as the run that was never stopped.

A saved state is a directory (format ``FORMAT``, see ``docs/saved-states.md``):

- ``state.json``: the format, the scslab version, the date and its day, the agents, the seed, the period,
  what the population was synthesized from, and the scalars and the generators' states;
- ``scenario.toml``: the scenario of the saved run, every field resolved;
- ``arrays.npz``: every array, by name (uncompressed).

A run from a state must have the same population (the same synthesis inputs, agents and seed), the same
start and end dates and the same scslab version and format; otherwise :class:`StateError` names what differs.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from .engine import CountryRun
from .files import Kind, atomic_directory
from .population_cache import synthesis_inputs
from .scenario.loading import dumps, parse_toml, validate, with_overrides
from .scenario.schema import Scenario

FORMAT = 2
"""The version of the layout and of what a state holds; raise it when either changes."""
META, ARRAYS, SCENARIO = "state.json", "arrays.npz", "scenario.toml"
STATE = Kind("saved state", frozenset({META}), frozenset({META, ARRAYS, SCENARIO}))


class StateError(ValueError):
    """A saved state that cannot be read or continued here; the message starts with its directory."""


def scslab_version() -> str:
    try:
        return version("scslab")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


@dataclass
class Checkpoint:
    """One run's state when ``date`` begins: ``meta`` (what ``state.json`` holds) and ``arrays``.

    ``Checkpoint.capture(run, day)`` takes a run's state (views of its arrays: save or send it before the run
    steps again); ``restore(run)`` gives it to another run of a compatible scenario (``check``)."""

    meta: dict
    arrays: dict[str, np.ndarray]
    where: str = "state"

    @classmethod
    def capture(cls, run: CountryRun, day: int) -> Checkpoint:
        """``run``'s state as day ``day`` begins (``run`` has stepped days 0 .. day-1)."""
        sc = run.scenario
        arrays, values = {}, {}
        for name, value in run.carried().items():
            (arrays if isinstance(value, np.ndarray) else values)[name] = value
        meta = {"format": FORMAT, "scslab": scslab_version(), "date": (sc.start_date + dt.timedelta(day)).isoformat(),
                "day": day, "agents": run.people.agents, "seed": run.seed, "start_date": sc.start_date.isoformat(),
                "end_date": sc.end_date.isoformat(), "scenario": dumps(sc),
                "population": synthesis_inputs(sc, run.people.agents, run.seed), "values": values}
        return cls(meta, arrays)

    @property
    def day(self) -> int:
        return int(self.meta["day"])

    @property
    def date(self) -> dt.date:
        return dt.date.fromisoformat(self.meta["date"])

    @property
    def agents(self) -> int:
        return int(self.meta["agents"])

    @property
    def seed(self) -> int:
        return int(self.meta["seed"])

    def scenario(self, overrides: list[str] = ()) -> Scenario:
        """The scenario the state was saved from, with ``PATH=VALUE`` ``overrides`` (``--set``) applied."""
        source = f"{self.where}/{SCENARIO}"
        data = parse_toml(self.meta["scenario"], source)
        return with_overrides(data, source, list(overrides)) if overrides else validate(data, source)

    def check(self, scenario: Scenario) -> None:
        """Raise :class:`StateError` unless a run of ``scenario`` can continue from this state."""
        check_continues(self.where, (self.meta["start_date"], self.meta["end_date"]), self.meta["population"],
                        scenario, self.agents, self.seed)

    def restore(self, run: CountryRun) -> int:
        """Give ``run`` this state; returns the day it continues from."""
        try:
            run.carry(self.arrays | self.meta["values"])
        except (KeyError, ValueError) as error:
            detail = f"{error.args[0]} is missing" if isinstance(error, KeyError) else str(error)
            raise StateError(f"{self.where}: {detail}; was a parameter that shapes it changed?") from None
        return self.day

    def save(self, directory: str | Path, overwrite: bool = False) -> Path:
        """Write the state into ``directory``, new or empty (all or nothing, see ``files.atomic_directory``)."""
        with atomic_directory(Path(directory), STATE, overwrite) as tmp:
            np.savez(tmp / ARRAYS, **self.arrays)
            (tmp / SCENARIO).write_text(self.meta["scenario"])
            (tmp / META).write_text(json.dumps({k: v for k, v in self.meta.items() if k != "scenario"}, indent=1))
        return Path(directory)

    @classmethod
    def load(cls, directory: str | Path) -> Checkpoint:
        """A state saved by :meth:`save`; :class:`StateError` if ``directory`` holds none, or one this scslab
        cannot read."""
        where = str(directory)
        path = Path(directory)
        if not path.is_dir():
            raise StateError(f"{where}: no such directory")
        if not (path / META).is_file():
            raise StateError(f"{where}: not a saved state (no {META})")
        try:
            meta = json.loads((path / META).read_text())
            fmt = meta["format"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise StateError(f"{where}/{META}: unreadable ({error})") from None
        if fmt != FORMAT:
            raise StateError(f"{where}: a state of format {fmt}; this scslab reads format {FORMAT}")
        if meta.get("scslab") != scslab_version():
            raise StateError(f"{where}: saved by scslab {meta.get('scslab')}; this is scslab {scslab_version()}, "
                             "whose model may differ: run the history again")
        try:
            meta["scenario"] = (path / SCENARIO).read_text()
        except OSError as error:
            raise StateError(f"{where}/{SCENARIO}: unreadable ({error.strerror or error})") from None
        try:
            with np.load(path / ARRAYS) as saved:
                arrays = {name: saved[name] for name in saved.files}
        except (OSError, ValueError, zipfile.BadZipFile) as error:
            raise StateError(f"{where}/{ARRAYS}: unreadable ({error})") from None
        return cls(meta, arrays, where)


def check_continues(where: str, period: tuple, population: dict, scenario: Scenario, agents: int, seed: int) -> None:
    """Raise :class:`StateError` (naming ``where``) unless ``scenario`` can continue a run of ``agents`` and
    ``seed`` over ``period`` (start and end dates) whose population was synthesized from ``population``
    (``population_cache.synthesis_inputs``)."""
    if scenario.countries:
        raise StateError(f"{where}: {scenario.name} is a many-country scenario; saved states are for one-country "
                         "scenarios so far")
    for field, saved in zip(("start_date", "end_date"), period):
        if str(getattr(scenario, field)) != str(saved):
            raise StateError(f"{where}: {field} is {getattr(scenario, field)} in this scenario but {saved} in the "
                             "saved run; a run from a state keeps the period it was saved from")
    inputs = synthesis_inputs(scenario, agents, seed)
    if inputs != population:
        path = _first_difference(population, inputs)
        raise StateError(f"{where}: {path} differs from the saved run's; a run from a state needs the population "
                         "it was saved from")


def _first_difference(saved, now, path: str = "") -> str:
    """The dotted path of the first value that differs between two JSON-like values."""
    if isinstance(saved, dict) and isinstance(now, dict):
        for k in sorted(set(saved) | set(now)):
            if saved.get(k) != now.get(k):
                return _first_difference(saved.get(k), now.get(k), f"{path}.{k}" if path else str(k))
    if isinstance(saved, list) and isinstance(now, list) and len(saved) == len(now):
        for i, (a, b) in enumerate(zip(saved, now)):
            if a != b:
                return _first_difference(a, b, f"{path}.{i}")
    return path

