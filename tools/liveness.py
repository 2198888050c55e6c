"""Does every parameter of the built-in scenarios move something? Each perturbed once, run on the same seed.

``python -m tools.liveness [--scenario NAME ...] [--out docs/liveness.md] [--workers N] [--only PATH ...]
[--recheck]``

Each leaf parameter of each built-in scenario (numbers, switches, choices, dates, schedules, lists of numbers or
choices, tables keyed by group, behaviour, grade or name) is perturbed once, in a way that must move something if
it is alive (``perturb``), and the scenario is run with the small settings of ``tools.baseline.SETTINGS`` and
the seed of the unperturbed run (common random numbers). One that moves nothing there is run again with each of
the larger settings of ``CONFIRM`` in turn (more agents, the whole period) while it stays dead, perturbed as before
and the other way (``perturb_back``: a number halved, the previous choice, a date moved back), and under the
choice its schema says it acts under (``param(when=...)``, ``conditions``). A parameter is dead in a scenario
when, in every one of these runs, every table of the results (``TABLES``) is identical to the unperturbed run's,
alive when anything differs.

In a many-country scenario a country parameter is perturbed in every country at once (``countries.*.PATH``, one
run for six countries) and the top-level sections, only the template the countries inherit when the file is
read, are left out. A scenario that ``extends`` another is checked on the parameters it changes and those of the
tables it switches on or off (``own``). ``--recheck`` carries over the parameters alive in the earlier JSON
without running them (the report says how many), for a quick look after a change that cannot kill any.

With every scenario and no ``--only``, the report is written to ``--out`` (default docs/liveness.md) and its
verdicts beside it as JSON (``{scenario: {parameter: "alive" | "dead" | "could not perturb"}}``, read by
tests/test_liveness.py); a narrower run prints its verdicts and writes a report only to an ``--out`` it is
given. Exits 0 (a report), 2 on an unknown scenario or a parameter that no scenario has.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import multiprocessing
import os
import sys
import time
import tomllib
import types
import typing
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from tools.baseline import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "liveness.md"
ALIVE, DEAD, FAILED = "alive", "dead", "could not perturb"
SHIFT = dt.timedelta(days=180)
"""How far a date moves: forward, or back where the schema refuses it forward."""
RUN_SETTINGS = ("end_date", "default_agents")
"""Heading fields that the run's days and agents replace: never perturbed."""
TABLES = ("timeseries", "by_group", "countries", "transfers", "scores", "recoveries", "firms", "trades")
"""The tables of ``Results`` compared with the unperturbed run's (the time series without its date column)."""
CONFIRM = {
    # the whole period (to 2018), ten times the agents: the misconduct lists and the reward cities of 2018, pilots
    # and the listed in their thousands; then, for what may be only rare (no context), a hundred times: the
    # misconduct lists' few hundred entries a year and Rongcheng's top and bottom grades (a pilot of 670,000 people)
    "china-2018": [{"agents": 500_000, "seed": 1, "days": None},
                   {"agents": 5_000_000, "seed": 1, "days": None, "for": "rare"}],
    "rongcheng": [{"agents": 100_000, "seed": 1, "days": None}],
    # a day of a six-country run costs ~12 ms whatever the agents: the first two years, ten times the agents; then,
    # for what starts later or may be only rare, the whole period (to 2022: the 2018-2020 alliances, adoptions,
    # market and terms); in central-asia-2020, for what may be only rare, the whole period at 3,000,000 agents
    # (China's flight misconduct list of 2018: a few entries a year at that size, whose one-year bans end in
    # the run)
    "central-asia-2020": [{"agents": 500_000, "seed": 1, "days": 730},
                          {"agents": 100_000, "seed": 1, "days": None, "for": "later"},
                          {"agents": 3_000_000, "seed": 1, "days": None, "for": "rare"}],
    "credit-asia-2020": [{"agents": 500_000, "seed": 1, "days": 730},
                         {"agents": 100_000, "seed": 1, "days": None, "for": "later"}],
    "no-system": [{"agents": 50_000, "seed": 1, "days": 365}],
    # sixteen countries (~35 ms a day): the whole period, for what starts later (the 2018 alliance, Credit Asia
    # in 2019, the new members' adoptions and joining dates)
    "belt-and-road": [{"agents": 100_000, "seed": 1, "days": None, "for": "later"}],
}
"""Larger settings (``days`` None: the scenario's whole period), in turn, on which a parameter still dead is
checked again: dead only if dead at every one (a small run can miss a rare event; it cannot invent a difference).
A stage's ``for`` narrows it: ``rare``, the dead with no context; ``later``, those with no context or one that
says ``later:`` (not those only switched off)."""
STARTS = ("start", "launch", "adoption_start")
"""Date fields after which a table starts to act (a dead parameter under a late one is out of the run's reach)."""


@dataclass(frozen=True)
class Leaf:
    """One parameter at one place: its dotted path, value, kind, bounds and allowed ``choices``."""

    path: str
    value: object
    kind: str  # number, bool, choice, choices, date, schedule, numbers, shares
    integer: bool = False
    low: float = -math.inf
    high: float = math.inf
    open_low: bool = False
    open_high: bool = False
    choices: tuple = ()
    when: tuple = ()
    """``(path, value)`` pairs: the choice under which alone the parameter acts (``param(when=...)``)."""


def _unwrap(annotation):
    """The type inside ``Annotated`` and ``Optional``, with the bounds met on the way (ge, le, gt, lt)."""
    bounds = {}
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extras = typing.get_args(annotation)
            for extra in extras:
                for item in getattr(extra, "metadata", [extra]):
                    bounds.update({name: getattr(item, name) for name in ("ge", "le", "gt", "lt")
                                   if getattr(item, name, None) is not None})
        elif origin in (typing.Union, types.UnionType) and type(None) in typing.get_args(annotation):
            (annotation,) = [a for a in typing.get_args(annotation) if a is not type(None)]
        else:
            return annotation, bounds


def _schedule_number(annotation):
    """The number type of a schedule (``number | list[tuple[date, number]]``), else None."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None
    number, points = typing.get_args(annotation)
    return number if typing.get_origin(points) is list else None


def _leaf(path: str, value, annotation, when: tuple = ()) -> Leaf | None:
    """The leaf of one value, or None for text and other values that are not perturbed."""
    inner, bounds = _unwrap(annotation)
    number = _schedule_number(inner)
    if number is not None:
        inner, bounds = _unwrap(number)
        kind = "schedule"
    elif inner is bool:
        return Leaf(path, value, "bool", when=when)
    elif typing.get_origin(inner) is typing.Literal:
        return Leaf(path, value, "choice", choices=typing.get_args(inner), when=when)
    elif inner is dt.date:
        return Leaf(path, value, "date", when=when)
    elif inner in (int, float):
        kind = "number"
    elif typing.get_origin(inner) in (list, tuple) and isinstance(value, (list, tuple)):
        inner, bounds = _unwrap(typing.get_args(inner)[0])
        if typing.get_origin(inner) is typing.Literal:
            return Leaf(path, list(value), "choices", choices=typing.get_args(inner), when=when)
        if inner not in (int, float):
            return None
        shares = all(0 <= v <= 1 for v in value) and math.isclose(sum(value), 1, abs_tol=1e-6)
        kind = "shares" if shares else "numbers"
    else:
        return None
    return Leaf(path, value, kind, integer=inner is int, low=bounds.get("ge", bounds.get("gt", -math.inf)),
                high=bounds.get("le", bounds.get("lt", math.inf)), open_low="gt" in bounds, open_high="lt" in bounds,
                when=when)


def _when(path: str, field) -> tuple:
    """The field's ``when`` as ``(path, value)`` pairs from the scenario's top: a name without a dot is a field of
    the same table, a dotted one starts at the top of the scenario or of the field's country."""
    table = path.rsplit(".", 1)[0] if "." in path else ""
    parts = path.split(".")
    top = ".".join(parts[:2]) + "." if parts[0] == "countries" else ""
    when = (field.json_schema_extra or {}).get("when", {})
    return tuple((f"{top}{name}" if "." in name else f"{table}.{name}", value) for name, value in when.items())


def _walk(path: str, value, annotation, when: tuple = ()):
    """The leaves under one field: models field by field, tables key by key, lists of models item by item
    (their ``share`` fields, summing to 1, one leaf of kind shares); ``when`` is passed down."""
    if isinstance(value, BaseModel):
        for name, field in type(value).model_fields.items():
            here = f"{path}.{name}"
            yield from _walk(here, getattr(value, name), _annotated(field), when + _when(here, field))
        return
    inner, _ = _unwrap(annotation)
    if typing.get_origin(inner) is dict:
        for key, entry in value.items():
            yield from _walk(f"{path}.{key}", entry, typing.get_args(inner)[1], when)
        return
    if isinstance(value, list) and value and all(isinstance(v, BaseModel) for v in value):
        shares = [getattr(v, "share", None) for v in value]
        if all(isinstance(s, float) for s in shares) and math.isclose(sum(shares), 1, abs_tol=1e-6):
            yield Leaf(f"{path}.*.share", shares, "shares", low=0, high=1, when=when)
        for i, item in enumerate(value):
            for name, field in type(item).model_fields.items():
                if name != "share":
                    here = f"{path}.{i}.{name}"
                    yield from _walk(here, getattr(item, name), _annotated(field), when + _when(here, field))
        return
    leaf = _leaf(path, value, annotation, when)
    if leaf is not None:
        yield leaf


def _annotated(field):
    """A pydantic field's annotation with its constraints (``ge``, ``le``...) put back on it."""
    return typing.Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation


def leaves(scenario) -> list[Leaf]:
    """Every perturbable leaf of a scenario, in schema order: in a many-country scenario the countries' sections,
    not the top-level ones (a template the countries inherit when the file is read, which moves nothing after)."""
    from scslab.scenario.schema import COUNTRY_SECTIONS

    skip = set(RUN_SETTINGS) | (set(COUNTRY_SECTIONS) if scenario.countries else set())
    return [leaf for name, field in type(scenario).model_fields.items() if name not in skip
            for leaf in _walk(name, getattr(scenario, name), _annotated(field), _when(name, field))]


def parameters(scenario) -> dict[str, list[Leaf]]:
    """The parameters to perturb, each with its leaves: a country's leaf goes with the same leaf of every other
    country, under ``countries.*.PATH``."""
    out: dict[str, list[Leaf]] = {}
    for leaf in leaves(scenario):
        parts = leaf.path.split(".")
        out.setdefault(".".join(["countries", "*", *parts[2:]]) if parts[0] == "countries" else leaf.path,
                       []).append(leaf)
    return out


def own(name: str) -> dict[str, list[Leaf]]:
    """The parameters of a built-in scenario that it sets itself: all of them, or for one that ``extends``
    another, those whose values differ from that one's and every one of a table it switches on or off (the rest
    are checked there, where such a table's parameters could not act)."""
    from scslab.scenario.loading import builtin_path, load

    mine = parameters(load(name))
    parent = tomllib.loads(builtin_path(name).read_text(encoding="utf-8")).get("extends")
    if parent is None:
        return mine
    theirs = {key: [leaf.value for leaf in found] for key, found in parameters(load(parent)).items()}
    changed = {key for key, found in mine.items() if theirs.get(key) != [leaf.value for leaf in found]}
    switched = tuple(key.removesuffix("enabled") for key in changed if key.endswith(".enabled"))
    return {key: found for key, found in mine.items() if key in changed or key.startswith(switched)}


def _fit(leaf: Leaf, x: float):
    """``x`` clamped into the leaf's bounds (a tenth of the way in from an open one), an int for an int field,
    a float rounded to 12 significant digits."""
    low, high = leaf.low, leaf.high
    if x <= low:
        x = low + (min(high, low + 1) - low) / 10 if leaf.open_low else low
    if x >= high:
        x = high - (high - max(low, high - 1)) / 10 if leaf.open_high else high
    return round(x) if leaf.integer else float(f"{x:.12g}")


def scaled(leaf: Leaf, x):
    """A number moved: x 1.5, or halved where the bounds keep x 1.5 at x (a probability of 1 becomes 0.5); a zero
    or unset number becomes 0.1 (an int 1), or -0.1 (-1) where the bounds keep it from rising."""
    if not x:
        step = 1 if leaf.integer else 0.1
        y = _fit(leaf, step)
        return y if y != 0 else _fit(leaf, -step)
    y = _fit(leaf, x * 1.5)
    return y if y != x else _fit(leaf, x / 2)


def scaled_back(leaf: Leaf, x):
    """A number moved the other way from ``scaled``: halved, or x 1.5 where the bounds keep it at x; a zero becomes
    -0.1 (an int -1), or 0.1 (1) where the bounds keep it from falling."""
    if not x:
        step = 1 if leaf.integer else 0.1
        y = _fit(leaf, -step)
        return y if y != 0 else _fit(leaf, step)
    y = _fit(leaf, x / 2)
    return y if y != x else _fit(leaf, x * 1.5)


def perturb_back(leaf: Leaf, start: dt.date, attempt: int = 0) -> dict | None:
    """The perturbation the other way from ``perturb`` (None for a switch, which has one): a number halved, a
    choice the previous one, a list of choices without its first, a date 180 days back (a start, ``STARTS``,
    540 days on instead: one that 180 days moved nothing may be held back by another start, as a market by the
    arrangements that supply it), half of the last share moved onto the first. ``attempt`` 1 and 2 move a refused number by -5% and +5%."""
    value = leaf.value
    if leaf.kind == "bool":
        return None
    if leaf.kind == "choice":
        at = leaf.choices.index(value) if value in leaf.choices else 0
        return {leaf.path: leaf.choices[(at - 1) % len(leaf.choices)]}
    if leaf.kind == "choices":
        return {leaf.path: value[1:] if len(value) > 1 else [[c for c in leaf.choices if c not in value][-1]]}
    if leaf.kind == "date":
        if leaf.path.rsplit(".", 1)[-1] in STARTS and value is not None:
            return {leaf.path: value + 3 * SHIFT}  # a start 180 days on may still wait on another, later start
        return {leaf.path: (value or start) - SHIFT}
    if leaf.kind == "shares":
        moved = [value[0] + value[-1] / 2, *value[1:-1], value[-1] / 2]
        if leaf.path.endswith(".*.share"):
            return {leaf.path.replace("*", str(i)): moved[i] for i in (0, len(value) - 1)}
        return {leaf.path: moved}
    if isinstance(value, (list, tuple)):
        return {leaf.path: [[point[0], scaled_back(leaf, point[1])] if isinstance(point, (list, tuple))
                            else scaled_back(leaf, point) for point in value]}
    if leaf.kind == "number" and attempt:
        return {leaf.path: _fit(leaf, value * (0.95 if attempt == 1 else 1.05) if value
                                else 1 if leaf.integer else 0.1)}
    return {leaf.path: scaled_back(leaf, value)}


def perturb(leaf: Leaf, start: dt.date, attempt: int = 0) -> dict:
    """The perturbation of one leaf, ``{path: value}``: a number or each value of a schedule or list scaled
    (``scaled``); a switch flipped; a choice the next allowed one (the first for an unset one); a list of choices
    without its last (one of one: the first other choice); a date 180 days on (an unset date: ``start``, the
    scenario's first day); shares summing to 1 with half of the first share moved onto the last. Where the schema
    refuses that, ``attempt`` 1 moves a date back instead and a number by +5% (2: a date 1,800 days on, as an unset
    end must be to come after what it ends; a number by -5%; a zero by -0.1 or -1)."""
    value = leaf.value
    if leaf.kind == "bool":
        return {leaf.path: not value}
    if leaf.kind == "choice":
        at = leaf.choices.index(value) if value in leaf.choices else -1
        return {leaf.path: leaf.choices[(at + 1) % len(leaf.choices)]}
    if leaf.kind == "choices":
        return {leaf.path: value[:-1] if len(value) > 1 else [next(c for c in leaf.choices if c not in value)]}
    if leaf.kind == "date":
        return {leaf.path: (value or start) + {0: SHIFT, 1: -SHIFT}.get(attempt, 10 * SHIFT)}
    if leaf.kind == "shares":
        moved = [value[0] / 2, *value[1:-1], value[-1] + value[0] / 2]
        if leaf.path.endswith(".*.share"):
            return {leaf.path.replace("*", str(i)): moved[i] for i in (0, len(value) - 1)}
        return {leaf.path: moved}
    if isinstance(value, (list, tuple)):
        return {leaf.path: [[point[0], scaled(leaf, point[1])] if isinstance(point, (list, tuple))
                            else scaled(leaf, point) for point in value]}
    if leaf.kind == "number" and attempt:
        return {leaf.path: _fit(leaf, value * (1.05 if attempt == 1 else 0.95) if value
                                else -1 if leaf.integer else -0.1)}
    return {leaf.path: scaled(leaf, value)}


def toml(value) -> str:
    """A value as one line of TOML, as ``--set`` reads it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)


def overrides(found: list[Leaf], start: dt.date, attempt: int = 0, back: bool = False) -> list[str]:
    """``PATH=VALUE`` overrides that perturb every leaf of a parameter (``perturb``, or ``perturb_back`` the other
    way: a switch is flipped either way)."""
    sets = []
    for leaf in found:
        moved = perturb_back(leaf, start, attempt) if back else None
        sets += [f"{path}={toml(value)}" for path, value in (moved or perturb(leaf, start, attempt)).items()]
    return sets


def digest(results) -> dict[str, str]:
    """A hash of each table of a run's results (``TABLES``)."""
    import pandas as pd

    out = {}
    for name in TABLES:
        table = getattr(results, name, None)
        if table is not None:
            table = table.drop(columns=["date"], errors="ignore")
            rows = pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes()
            out[name] = hashlib.sha256(repr(list(table.columns)).encode() + rows).hexdigest()
    return out


def run(name: str, sets=(), settings: dict | None = None) -> dict[str, str]:
    """The digest of a run of a built-in scenario with ``sets`` (``PATH=VALUE``) applied, with ``settings``
    (agents, seed, days; default those of ``tools.baseline``)."""
    import scslab
    from scslab.scenario.loading import load

    settings = settings or SETTINGS[name]
    return digest(scslab.Sim(load(name, list(sets)), **{k: settings[k] for k in ("agents", "seed", "days")}).run())


def conditions(found: list[Leaf]) -> tuple[str, ...]:
    """``PATH=VALUE`` overrides that set the choice under which alone a parameter acts (its leaves' ``when``)."""
    return tuple(dict.fromkeys(f"{path}={toml(value)}" for leaf in found for path, value in leaf.when))


def trial(name: str, found: list[Leaf] | None, start: dt.date, settings: dict | None = None, back: bool = False,
          under: tuple = ()):
    """(overrides, digest, why not): the run of one perturbed parameter, or of none (``found`` None), with the
    overrides ``under`` applied first. Where the schema refuses a perturbation its fallbacks are tried
    (``perturb``); where it refuses them all there is no digest but the first refusal's one-line reason."""
    from scslab.scenario.loading import ScenarioError, load

    if found is None:
        return list(under), run(name, under, settings), None
    tried, refused = [], None
    for attempt in range(3):
        sets = [*under, *overrides(found, start, attempt, back)]
        if sets in tried:
            continue
        tried.append(sets)
        try:
            load(name, sets)
        except ScenarioError as error:
            refused = refused or (sets, str(error).split(": ", 1)[-1])
            continue
        return sets, run(name, sets, settings), None
    return refused[0], None, refused[1]


def _trial(job):
    return trial(*job)


@dataclass
class Verdict:
    """What perturbing one parameter did: ``verdict`` (alive, dead, could not perturb), the overrides, the
    reason it could not be perturbed and, for a dead one, why it may be out of reach (``context``)."""

    verdict: str
    sets: list[str]
    reason: str | None = None
    context: str = ""
    confirmed: bool = False
    """The verdict is that of the larger settings (``CONFIRM``): the parameter moved nothing at the small ones."""
    under: tuple = ()
    """The choice it was checked under (``conditions``), where it acts only under one."""
    carried: bool = False
    """Alive in the earlier report and not run again (``--recheck``)."""


def plan(names, only=None, settings: dict | None = None, skip: dict | None = None) -> dict:
    """The runs that check the scenarios' own parameters (``own``; those in ``only`` if given, none of those in
    ``skip[scenario]``): ``{(scenario, parameter): job}``, with ``(scenario, None)`` the unperturbed run;
    ``settings`` maps a scenario to its run settings (default ``tools.baseline.SETTINGS``)."""
    from scslab.scenario.loading import load

    settings = settings or SETTINGS
    skip = skip or {}
    jobs = {}
    for name in names:
        start = load(name).start_date
        jobs[name, None] = (name, None, start, settings[name])
        for key, found in own(name).items():
            if (only is None or key in only) and key not in skip.get(name, ()):
                jobs[name, key] = (name, found, start, settings[name])
    return jobs


def last_day(scenario, settings: dict) -> dt.date:
    """The last day a run with ``settings`` reaches (``days`` None: the scenario's own end)."""
    if settings["days"] is None:
        return scenario.end_date
    return scenario.start_date + dt.timedelta(days=settings["days"] - 1)


def _run_all(jobs: dict, workers: int, progress=None) -> dict:
    """``{job key: trial}`` of ``jobs`` on ``workers`` processes (in this process for 1)."""
    done = {}
    if workers <= 1:
        for job_key, job in jobs.items():
            done[job_key] = _trial(job)
            if progress:
                progress()
    else:
        # spawned, not forked: a process that has run a parallel kernel holds OpenMP threads, and GNU OpenMP
        # stops a forked child (the tests run kernels before they check)
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(_trial, job): job_key for job_key, job in jobs.items()}
            for future in as_completed(futures):
                done[futures[future]] = future.result()
                if progress:
                    progress()
    return done


def _wanted(stage: dict, verdict: Verdict) -> bool:
    """Whether a stage of ``CONFIRM`` looks again at a dead parameter (its ``for``)."""
    if verdict.context == "system = false":
        return False
    narrowed = stage.get("for")
    if narrowed == "rare":
        return not verdict.context
    if narrowed == "later":
        return not verdict.context or "later:" in verdict.context
    return True


def check(jobs: dict, workers: int = 2, progress=None, more=None, confirm: dict | None = None,
          alive_elsewhere: frozenset = frozenset()) -> dict:
    """``{scenario: {parameter: Verdict}}`` from the runs of ``plan``, on a pool of ``workers`` processes (in this
    process for 1); ``progress()`` is called after each run, ``more(n)`` told of the runs a stage adds.

    A parameter dead there is run again with each of the scenario's ``confirm`` settings in turn (default
    ``CONFIRM``), all scenarios' first stage before any second, while it stays dead: perturbed as before, then,
    if that moved nothing, the other way (``perturb_back``), beside an unperturbed run, all under the choice it
    needs (``conditions``). A stage passes over a parameter that it cannot reach (``context`` at its last day:
    a table switched off, or starting after it), that its ``for`` leaves out, or that is alive in another
    scenario (or in ``alive_elsewhere``, paths as ``schema_path`` gives them): the verdict says only whether
    it acts somewhere. It is dead if no run moves anything."""
    from scslab.scenario.loading import load

    confirm = CONFIRM if confirm is None else confirm
    done = _run_all(jobs, workers, progress)
    out: dict[str, dict[str, Verdict]] = {}
    scenarios, found_of = {}, {}
    for (name, key), (_, found, start, settings) in jobs.items():
        if key is None:
            out[name], scenarios[name] = {}, load(name)
            continue
        found_of[name, key] = (found, start)
        sets, outcome, reason = done[name, key]
        if reason is not None:
            out[name][key] = Verdict(FAILED, sets, reason)
        elif outcome != done[name, None][1]:
            out[name][key] = Verdict(ALIVE, sets)
        else:
            out[name][key] = Verdict(DEAD, sets, context=context(scenarios[name], found,
                                                                 last_day(scenarios[name], settings)))
    bases = {}  # a stage's unperturbed runs, by (scenario, None, choice)
    for stage in range(max((len(stages) for stages in confirm.values()), default=0)):
        alive = set(alive_elsewhere) | {schema_path(key) for found in out.values()
                                        for key, v in found.items() if v.verdict == ALIVE}
        looked = {}
        for name, verdicts in out.items():
            if stage >= len(confirm.get(name, ())):
                continue
            settings = confirm[name][stage]
            last = last_day(scenarios[name], settings)
            for key, verdict in verdicts.items():
                if verdict.verdict != DEAD or not _wanted(settings, verdict) or schema_path(key) in alive:
                    continue
                found, start = found_of[name, key]
                why = context(scenarios[name], found, last)
                if why:  # out of this stage's reach too
                    verdict.context = why
                    continue
                looked[name, key] = (found, start, settings, conditions(found))
        for back in (False, True):
            again = {}
            for (name, key), (found, start, settings, under) in looked.items():
                if out[name][key].verdict == DEAD and (not back or any(leaf.kind != "bool" for leaf in found)):
                    if (name, None, under) not in bases:
                        again[name, None, under] = (name, None, start, settings, False, under)
                    again[name, key, under] = (name, found, start, settings, back, under)
            if not again:
                continue
            if more:
                more(len(again))
            redone = _run_all(again, workers, progress)
            bases.update({k: v for k, v in redone.items() if k[1] is None})
            for (name, key, under) in again:
                if key is None:
                    continue
                sets, outcome, _ = redone[name, key, under]
                verdict = out[name][key]
                if outcome is not None and outcome != bases[name, None, under][1]:
                    out[name][key] = Verdict(ALIVE, sets, confirmed=True, under=under)
                else:
                    why = context(scenarios[name], found_of[name, key][0], last_day(scenarios[name],
                                                                                    looked[name, key][2]))
                    out[name][key] = Verdict(DEAD, (verdict.sets if back else []) + sets, context=why,
                                             confirmed=True, under=under)
        bases.clear()
    return out


def context(scenario, found: list[Leaf], last: dt.date) -> str:
    """Why a dead parameter may be idle, where each of its leaves has a reason: ``system = false``; a table above
    it switched off (``off: ...enabled = false``); a table above it, or the date itself, starting after the run's
    ``last`` day (``later: ...start = DATE``)."""
    if not scenario.system:
        return "system = false"
    reasons = set()
    for leaf in found:
        why = _idle(scenario, leaf, last)
        if why is None:
            return ""
        reasons.add(why)
    return "; ".join(sorted(reasons))


def _idle(scenario, leaf: Leaf, last: dt.date) -> str | None:
    node, parts = scenario, leaf.path.split(".")
    for depth, part in enumerate(parts):
        if isinstance(node, BaseModel):
            where = ".".join(parts[:depth])
            prefix = f"{where}." if where else ""
            itself = part if depth == len(parts) - 1 else None  # the leaf's own field says nothing of it
            if getattr(node, "enabled", True) is False and itself != "enabled":
                return f"off: {prefix}enabled = false"
            for name in STARTS:
                when = getattr(node, name, None)
                if isinstance(when, dt.date) and when > last and itself != name:
                    return f"later: {prefix}{name} = {when}"
            node = getattr(node, part, None)
        elif isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit():
            node = node[int(part)]
        else:
            break
    if leaf.kind == "date" and isinstance(leaf.value, dt.date) and leaf.value > last:
        return f"later: {leaf.value}"
    return None


def schema_path(key: str) -> str:
    """A parameter's name across scenarios: its path without ``countries.*.``."""
    return key.removeprefix("countries.*.")


def dead_everywhere(verdicts: dict) -> dict[str, dict[str, Verdict]]:
    """``{parameter: {scenario: Verdict}}`` of the parameters dead in every scenario that checks them (none alive,
    one dead at least)."""
    by_path: dict[str, dict[str, Verdict]] = {}
    for name, found in verdicts.items():
        for key, verdict in found.items():
            by_path.setdefault(schema_path(key), {})[name] = verdict
    return {path: seen for path, seen in sorted(by_path.items())
            if any(v.verdict == DEAD for v in seen.values()) and all(v.verdict != ALIVE for v in seen.values())}


def _cell(text: str, limit: int = 120) -> str:
    text = text.replace("|", "\\|")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _shown(sets: list[str]) -> str:
    more = f" (and {len(sets) - 1} more)" if len(sets) > 1 else ""
    return f"`{_cell(sets[0], 100)}`{more}" if sets else ""


def _settings_cells(scenario, run_settings: dict) -> str:
    days = (last_day(scenario, run_settings) - scenario.start_date).days + 1
    return f"{run_settings['agents']:,} | {days:,} | {last_day(scenario, run_settings)}"


def _stages_cell(scenario, stages: list[dict]) -> str:
    """The larger settings in turn: agents x days to the last day, and whom a stage looks at again."""
    def one(stage):
        days = (last_day(scenario, stage) - scenario.start_date).days + 1
        narrowed = {"rare": " (no context)", "later": " (no context or later:)"}.get(stage.get("for"), "")
        return f"{stage['agents']:,} × {days:,} days to {last_day(scenario, stage)}{narrowed}"
    return "; then ".join(one(stage) for stage in stages) or "-"


def report(verdicts: dict, settings: dict, command: str, seconds: float, workers: int,
           confirm: dict | None = None) -> str:
    """The Markdown report of ``verdicts`` (``check``) run with ``settings``, the dead checked again with
    ``confirm`` (default ``CONFIRM``)."""
    from scslab.scenario.loading import load
    from scslab.world import split_agents

    confirm = CONFIRM if confirm is None else confirm
    carried = sum(v.carried for found in verdicts.values() for v in found.values())
    lines = [
        "# Liveness of the parameters", "",
        f"Written by `{command}` on {dt.date.today().isoformat()} in {seconds / 60:.1f} minutes with {workers} "
        "worker processes (tools/liveness.py; its docstring says how each kind of parameter is perturbed). Each "
        "parameter was perturbed once and its scenario run with the small settings below, those of "
        "`tools.baseline.SETTINGS`, and the seed of the unperturbed run; a parameter that moved nothing there was "
        "run again with each of the larger settings in turn (`tools.liveness.CONFIRM`: more agents and the whole "
        "period; a stage marked *no context* looks again only at parameters with nothing named below to keep "
        "them idle), every scenario's first before any second, while it stayed dead, perturbed as before and, if "
        "that moved nothing, the other way (a number halved, the previous choice, a date moved back), beside an "
        "unperturbed run of them. A stage passes over a parameter out of its reach (its context, below, at the "
        "stage's last day) and one already alive in another scenario (marked *alive in* below): the question is "
        "whether a parameter acts anywhere. A parameter that acts only under a choice "
        "its schema names (`param(when=...)`: a broker's coverage under broker access, the weights of the "
        "weighted trust rule, the ambiguity premium of a secret rulebook that deters more) is run again under "
        "that choice, the unperturbed run too. A parameter is **dead** when, in all these runs, "
        "every table of the results (the daily series without the date, by group, by country, transfers, scores "
        "by rulebook and grade, recoveries, firms, trades) is identical to the unperturbed run's. In the "
        "many-country scenarios a country parameter is perturbed in every country at once (`countries.*.PATH`) "
        "and the top-level sections, a template the countries inherit, are left out; credit-asia-2020 is checked "
        "on the parameters whose values differ from those of central-asia-2020, which it extends, and on every "
        "parameter of a table it switches on. `end_date` and "
        "`default_agents` are replaced by the run's days and agents and never perturbed; text (names, "
        "descriptions, lists of countries) is not perturbed.",
        "",
        "Dead here means that nothing moved in these runs, not that the parameter can never matter. *Context* "
        "names what may keep it idle at the larger settings: `later:` a table above it (or the date itself) that "
        "starts after the last day run, `off:` a table above it that is switched off, `system = false` (not run "
        "again). A parameter with no context may still act too rarely to show: with common random numbers a "
        "perturbation shows only if it changes at least one draw's outcome, and a many-country run shares its "
        "agents among the countries by population (below), so that a change of fewer people than one agent "
        "stands for (a flow of travellers, residents abroad) may move nothing. tests/test_liveness.py re-checks "
        "a rotating few of these verdicts (docs/liveness.json).", "",
    ]
    if carried:
        lines += [f"This is a recheck (`--recheck`): {carried:,} parameters alive in the previous docs/liveness.json "
                  "were carried over as alive without being run again (column *carried*); every other parameter, "
                  "and every one that acts only under a choice, was run as above.", ""]
    lines += [
        "| scenario | agents | days | last day | larger, in turn | parameters | alive | of them only at the larger "
        "| of them carried | dead | could not perturb |",
        "|---|---:|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    shares = []
    for name, found in verdicts.items():
        scenario, run_settings = load(name), settings[name]
        counts = [sum(v.verdict == kind for v in found.values()) for kind in (ALIVE, DEAD, FAILED)]
        late = sum(v.verdict == ALIVE and v.confirmed for v in found.values())
        kept = sum(v.carried for v in found.values())
        lines.append(f"| {name} | {_settings_cells(scenario, run_settings)} | "
                     f"{_stages_cell(scenario, confirm.get(name, []))} | {len(found)} | {counts[0]} | {late} | "
                     f"{kept} | {counts[1]} | {counts[2]} |")
        if scenario.countries:
            agents = split_agents([c.population.size for c in scenario.countries.values()], run_settings["agents"])
            shares.append(f"{name}: " + ", ".join(
                f"{country} {n:,} ({c.population.size / n:,.0f} people each)"
                for (country, c), n in zip(scenario.countries.items(), agents)))
    if shares:
        lines += ["", "Agents by country (small settings): " + "; ".join(shares) + "."]
    conditional = {(name, key): v for name, found in verdicts.items() for key, v in found.items()
                   if v.verdict == ALIVE and v.under}
    if conditional:
        lines += ["", "## Alive under a choice", "",
                  "These moved nothing with the scenario's own choice and moved something under the choice their "
                  "schema says they act under (`param(when=...)`).", "",
                  "| scenario | parameter | under |", "|---|---|---|"]
        lines += [f"| {name} | `{key}` | {_shown(list(v.under))} |" for (name, key), v in conditional.items()]
    everywhere = dead_everywhere(verdicts)
    lines += ["", "## Dead in every scenario that has them", "",
              f"{len(everywhere)} parameters moved nothing in any scenario checked (each to be made to matter, "
              "switched on where it belongs, or removed; first read its context, by scenario).", "",
              "| parameter | dead in | context |", "|---|---|---|"]
    for path, seen in everywhere.items():
        dead = {name: v for name, v in seen.items() if v.verdict == DEAD}
        contexts = "; ".join(f"{name}: {v.context}" for name, v in dead.items() if v.context)
        lines.append(f"| `{path}` | {', '.join(dead)} | {_cell(contexts, 400)} |")
    alive_in: dict[str, list[str]] = {}
    for name, found in verdicts.items():
        for key, v in found.items():
            if v.verdict == ALIVE:
                alive_in.setdefault(schema_path(key), []).append(name)
    for name, found in verdicts.items():
        dead = {key: v for key, v in found.items() if v.verdict == DEAD}
        failed = {key: v for key, v in found.items() if v.verdict == FAILED}
        lines += ["", f"## {name}", "", f"{len(dead)} dead of {len(found)} parameters.", ""]
        if dead:
            lines += ["| parameter | perturbation | context |", "|---|---|---|"]
            for key, v in dead.items():
                elsewhere = [] if v.confirmed else alive_in.get(schema_path(key), [])
                why = "; ".join(filter(None, [v.context, "alive in " + ", ".join(elsewhere) if elsewhere else ""]))
                lines.append(f"| `{key}` | {_shown(v.sets)} | {_cell(why, 400)} |")
        if failed:
            lines += ["", "Could not perturb:", "", "| parameter | perturbation | reason |", "|---|---|---|"]
            lines += [f"| `{key}` | {_shown(v.sets)} | {_cell(v.reason)} |" for key, v in failed.items()]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in its directory."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def main(argv=None) -> int:
    from scslab.scenario.loading import builtin_names, load

    parser = argparse.ArgumentParser(prog="python -m tools.liveness", description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", nargs="+", metavar="NAME", help="these built-in scenarios (default: all)")
    parser.add_argument("--out", type=Path, help=f"the Markdown report (default for a full run: "
                                                 f"{OUT.relative_to(ROOT)}); the JSON verdicts go beside it")
    parser.add_argument("--workers", type=int, default=2, help="processes running the scenarios (default 2)")
    parser.add_argument("--only", nargs="+", metavar="PATH", help="these parameters only (as the report names them)")
    parser.add_argument("--recheck", action="store_true",
                        help="carry over as alive, without running them, the parameters alive in the JSON beside "
                             "--out (but those that act only under a choice; the report says how many); run the rest")
    args = parser.parse_args(argv)
    names = args.scenario or builtin_names()
    unknown = [name for name in names if name not in builtin_names()]
    if unknown:
        print(f"unknown scenario {unknown[0]!r} (built-in: {', '.join(builtin_names())})", file=sys.stderr)
        return 2
    if args.only:
        known = {key for name in names for key in parameters(load(name))}
        missing = [path for path in args.only if path not in known]
        if missing:
            print(f"no scenario checked has a parameter {missing[0]!r}", file=sys.stderr)
            return 2
    out = args.out or (None if args.scenario or args.only else OUT)

    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    kept = {}
    if args.recheck:  # the alive carried over, but for those alive only under a choice (the report names them)
        earlier = (out or OUT).with_suffix(".json")
        try:
            kept = {name: {key for key, verdict in found.items() if verdict == ALIVE}
                    for name, found in json.loads(earlier.read_text(encoding="utf-8")).items()}
            for name in kept:
                chosen = {key for key, found in own(name).items() if conditions(found)} if name in names else set()
                kept[name] -= chosen
        except (OSError, ValueError, AttributeError) as error:
            print(f"{earlier}: cannot read the earlier verdicts to recheck ({error})", file=sys.stderr)
            return 2
    started = time.perf_counter()
    jobs = plan(names, set(args.only) if args.only else None, skip=kept)
    with Progress(TextColumn("runs"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                  transient=True) as bar:
        task = bar.add_task("runs", total=len(jobs))
        verdicts = check(jobs, max(1, args.workers), progress=lambda: bar.advance(task),
                         more=lambda n: bar.update(task, total=bar.tasks[0].total + n),
                         alive_elsewhere=frozenset(schema_path(key) for found in kept.values() for key in found))
    seconds = time.perf_counter() - started
    for name in verdicts if kept else ():
        verdicts[name] = {key: verdicts[name].get(key) or Verdict(ALIVE, [], carried=True)
                          for key in own(name) if key in verdicts[name] or key in kept.get(name, ())}
    for name, found in verdicts.items():
        for key, verdict in found.items():
            if args.only or verdict.verdict != ALIVE:
                print(f"{name}  {key}  {verdict.verdict}  {verdict.context or verdict.reason or ''}".rstrip())
    if out is not None:
        command = " ".join(["python -m tools.liveness", *(argv if argv is not None else sys.argv[1:])])
        _write(out, report(verdicts, SETTINGS, command, seconds, max(1, args.workers)))
        _write(out.with_suffix(".json"), json.dumps(
            {name: {key: v.verdict for key, v in found.items()} for name, found in verdicts.items()},
            indent=1, sort_keys=True) + "\n")
        print(f"wrote {out} and {out.with_suffix('.json').name} ({seconds / 60:.1f} minutes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
