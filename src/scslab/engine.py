"""One country's run: its state, and a day as an ordered list of phases (``mechanisms.PHASES``).

Each decision draws from its own random stream, keyed by (seed, decision) and, in
the parallel kernels, by day and piece, so changing one mechanism's parameters
leaves every other decision's draws alone (common random numbers), and a seed
gives bit-identical results whatever the number of threads.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import sys
import tempfile
import time
from collections import namedtuple
from pathlib import Path

import numba
import numpy as np
import pandas as pd
from numba import njit, prange

from . import outputs
from .mechanisms import PARALLEL, PHASES, SERIAL, behaviour, detection, firms, lists, scoring
from .mechanisms.base import Mechanism
from .mechanisms.behaviour import Adoption, BehaviourEvents
from .mechanisms.detection import Detection
from .mechanisms.network import contacts_of
from .mechanisms.firms import FirmDealings
from .mechanisms.scoring import CourtBacklog, ScoringRules, recovered, score_now
from .mechanisms.state import (
    ABROAD, F_ABROAD, F_LISTED, ROSTER_ROWS, Records, calendar_of, grow_calendar, grow_roster, household_members,
    listing_status, new_agents, new_calendar, new_records, new_roster, persons, roster_of, stratum_of,
)
from .population import CHILD
from .population_cache import people_for
from .results import SCORE_OFFSET, recovery_frame, score_frame
from .scenario.schema import CHANNELS, GRADES, NATIONAL, Scenario
from .scheduling import Pace, largest_first, take
from .streams import ADOPTION, BACKLOG, BEHAVIOUR, FIRMS, FOREIGN, SCORING, key, poisson_counts

FIRST = ("events", "lists")
"""The phases every day starts with, called by the engine itself (they share the day's record buffers)."""

CALENDAR_ROOM_PER_RECORD = 6
"""Calendar events a day's record can schedule at most: a court expiry, and a grade-list and a redlist
exit, each of which a later re-check can schedule again."""
CALENDAR_ROOM_PER_LISTED = 3
"""Calendar events a listed person can cause in a day at most: one try per hazard route."""
CALENDAR_SPARE = 64

Draws = namedtuple("Draws", "counts false_counts adopt first weights")
"""The events phase's numbers of candidates per piece (behaviours, false records by channel, app
adoption), where each piece's records start, and the channels' behaviour weights of false records."""


def plan() -> tuple[str, ...]:
    """The phases of a day and their mechanisms, in order, as lines of text."""
    lines = []
    for phase in PHASES:
        lines.append(f"{phase.name} ({phase.kind}): {phase.does}")
        for m in phase.mechanisms:
            writes = f"; writes {', '.join(m.writes)}" if m.writes else ""
            lines.append(f"  - {m.name}: {m.does} [reads {m.section}{writes}]")
    lines.append("record: the day's counters into the history")
    return tuple(lines)


class CountryRun:
    """One country's population and system, advanced a day at a time by :meth:`step`.

    A one-country run is one of these; a many-country run steps one per country on
    a shared clock (``world``), with people abroad and records from abroad in between.
    """

    def __init__(self, scenario: Scenario, agents: int, seed: int):
        self.scenario = sc = scenario
        self.seed = seed
        self.travelled = False  # whether anyone has been abroad (set_abroad)
        self.contacts = contacts_of(sc, seed)
        self.agents, informers, columns = new_agents(agents, sc.rulebook.start_score,
                                                     self.contacts.informant_share > 0)
        self.people = people = people_for(sc, agents, seed, columns)  # made in the records' age and household
        self.persons = persons(people, informers)
        self.days = days = sc.days
        self.roster = new_roster(1024)
        self.calendar = new_calendar(days, 4096)
        columns = outputs.counters()
        n_groups = len(sc.population.groups)
        self.counters = np.zeros(len(columns), np.int64)
        self.group_counters = np.zeros((n_groups, len(columns)), np.int64)
        self.piece_counters = np.zeros((people.pieces, len(columns)), np.int64)
        self.piece_in_group = np.zeros((n_groups, people.pieces), np.int64)  # [group, piece]: 1 where it lies
        self.piece_in_group[people.stratum_group[people.piece_stratum], np.arange(people.pieces)] = 1
        self.daily = [i for i, o in enumerate(columns) if o.kind == outputs.DAILY]
        self.weights = people.group_scale / people.scale  # an agent of each group, in agents of the mean scale
        self.joint_on = np.zeros(1, np.bool_)
        self.history = np.zeros((days, len(columns)), np.int64)
        self.group_history = np.zeros((days, n_groups, len(columns)), np.int64)
        self.exits = np.zeros((n_groups, len(columns), days + 1), np.int64)
        self.seconds = {phase.name: 0.0 for phase in PHASES} | {"record": 0.0}

        self.behaviour = BehaviourEvents(sc, people, self.contacts, informers)
        self.adoption = Adoption(sc, people)
        self.detection = Detection(sc, people)
        self.rules = ScoringRules(sc, people, self.contacts)
        self.backlog = CourtBacklog(sc, people, self.behaviour.rates.base)
        self.firms = FirmDealings(sc, people)
        self.phases = [(phase, [self.firms] if phase.name == "firms" else [m(sc, people) for m in phase.mechanisms])
                       for phase in PHASES if phase.name not in FIRST]
        self.mechanisms = [self.behaviour, self.adoption, self.detection, self.rules, self.backlog] + [
            m for _, ms in self.phases for m in ms]
        # Numbers of events and candidates per piece come from counter-based streams, one per decision (and
        # behaviour, and channel of false records) and piece (``streams.poisson_counts``); which agents they
        # hit, from the decision's own stream per piece inside the kernels. The serial phases draw from one
        # NumPy stream per decision.
        self.event_keys = np.array([BEHAVIOUR + b for b in range(len(self.behaviour.rates.kinds))]
                                   + [key(f"false records: {c}") for c in CHANNELS] + [ADOPTION], np.int64)
        self.parallel_keys = {phase.name: np.array([m.stream for m in ms], np.int64)
                              for phase, ms in self.phases if phase.kind == PARALLEL and phase.name != "firms"}
        serial = [m for phase, ms in self.phases if phase.kind == SERIAL and phase.name != "firms" for m in ms]
        self.rngs = {m.stream: self._stream(m.stream) for m in serial}
        self.rngs.update({k: self._stream(k) for k in (FIRMS, BACKLOG, SCORING, FOREIGN)})
        self.runners = {phase.name: _FastCall(compose(tuple(type(m).step for m in ms), phase.kind))
                        for phase, ms in self.phases if phase.name != "firms"}
        # A tuple of generators is unboxed generator by generator on every call (about 6 microseconds each);
        # a numba.typed.List would cost one pointer a call, but compiling it takes over a second per process.
        self.phase_rngs = {phase.name: tuple(self.rngs[m.stream] for m in ms)
                           for phase, ms in self.phases if phase.kind == SERIAL and phase.name != "firms"}
        self.idle_when_nobody_listed = {phase.name: all(m.listed_only for m in ms) for phase, ms in self.phases}
        self.piece_day = _FastCall(_piece_day)
        self.settle = _FastCall(_settle)
        self.apply_records = _FastCall(scoring.apply_records)
        self.firm_day = _FastCall(firms.firm_day)
        self.records = new_records(0)
        self.pace = Pace(numba.get_num_threads())
        self.firm_tally = firms.new_tally(len(sc.firms.sectors), n_groups) if self.firms.on else None

    def carried(self) -> dict[str, object]:
        """What this run carries from one day to the next (a saved state, ``checkpoint``): arrays by name, views of
        the run's own (write or copy them before it steps again), scalars, and the serial generators' states
        (``rng.KEY``). The rest of the run is made from its scenario."""
        values = {f"agents.{name}": column for name, column in self.agents._asdict().items()}
        listed, events = int(self.roster.size[0]), int(self.calendar.size[0])
        values |= {f"roster.{name}": getattr(self.roster, name)[:listed] for name in ROSTER_ROWS}
        values["calendar.head"] = self.calendar.head
        values |= {f"calendar.{name}": getattr(self.calendar, name)[:events] for name in CALENDAR_EVENTS}
        values["calendar.free"] = int(self.calendar.free[0])
        values |= {name: getattr(self, name) for name in CARRIED if getattr(self, name) is not None}
        for m in self.mechanisms:
            values |= {f"{m.name}.{path}": _attribute(m, path) for path in m.carried}
        return values | {f"rng.{k}": rng.bit_generator.state for k, rng in self.rngs.items()}

    def carry(self, values: dict[str, object]) -> None:
        """Take up what :meth:`carried` gave (copied, so that one state can start many runs). Raises ValueError
        naming a value this run cannot take (its shape or type differs)."""
        def fit(name: str, value, current, resizable: bool = False):
            """``value``, checked against the run's ``current`` one (not copied: the callers copy it in)."""
            if not isinstance(current, np.ndarray):
                return value
            value = np.asarray(value)
            if value.dtype != current.dtype or (value.shape[1:] if resizable else value.shape) != (
                    current.shape[1:] if resizable else current.shape):
                raise ValueError(f"{name} is {value.dtype}{list(value.shape)} in the state but "
                                 f"{current.dtype}{list(current.shape)} in this run")
            return value

        for name, current in self.agents._asdict().items():
            current[:] = fit(f"agents.{name}", values[f"agents.{name}"], current)
        self.roster = roster_of({name: values[f"roster.{name}"] for name in ROSTER_ROWS})
        head = fit("calendar.head", values["calendar.head"], self.calendar.head)
        self.calendar = calendar_of(head, {name: values[f"calendar.{name}"] for name in CALENDAR_EVENTS},
                                    values["calendar.free"])
        for name in CARRIED:
            current = getattr(self, name)
            if current is not None and name in values:  # firms switched on at a branch start with no tally
                current[...] = fit(name, values[name], current)
        for m in self.mechanisms:
            for path in m.carried:
                name = f"{m.name}.{path}"
                value = fit(name, values[name], _attribute(m, path), path in m.resizable)
                _set_attribute(m, path, value.copy() if isinstance(value, np.ndarray) else value)
        for k, rng in self.rngs.items():
            rng.bit_generator.state = values[f"rng.{k}"]

    def _stream(self, key: int) -> np.random.Generator:
        """The random stream of one decision, keyed by (seed, key)."""
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.seed, key])))

    def context(self, rules: scoring.ScoringDay) -> lists.Context:
        return lists.Context(self.agents, self.roster, self.calendar, self.counters, self.group_counters,
                             self.persons, self.joint_on, self.exits, rules)

    def step(self, day: int, inbound=None, enforcement: float = 1.0):
        """Simulate ``day``: every phase in order.

        ``inbound`` is (agent, behaviour, true?) arrays of records about this country's
        people that arrive today from abroad; ``enforcement`` multiplies every
        channel's chance of recording (pressure from a partner, see ``trust``).
        Returns the day's events by people abroad as (agent, behaviour) arrays.
        """
        clock = time.perf_counter()
        self.counters[self.daily] = 0
        self.group_counters[:, self.daily] = 0
        on = self.rules.switches(day)
        sp = self.rules.today(day, on)
        if on.joint and not self.joint_on[0]:
            self.joint_on[0] = True
            lists.refresh_all_households(self.context(sp))
        first, last = self._events(day, on, sp, enforcement)
        clock = self._lap("events", clock)
        abroad = _events_abroad(self.records, first, last)
        self._lists(day, on, sp, first, last, inbound)
        clock = self._lap("lists", clock)
        for phase, mechanisms in self.phases:
            if phase.name == "firms":
                if self.firms.active(day):
                    self._firms(day)
            elif phase.kind == PARALLEL:
                self._parallel(day, phase.name, mechanisms)
            elif not (self.idle_when_nobody_listed[phase.name] and self.roster.size[0] == 0
                      and self.calendar.head[day] == -1):
                todays = tuple(m.today(day) for m in mechanisms)
                self.runners[phase.name](self.context(sp), self.phase_rngs[phase.name], todays)
            clock = self._lap(phase.name, clock)
        self.history[day] = self.counters
        self.group_history[day] = self.group_counters
        self._lap("record", clock)
        return abroad

    def _lap(self, phase: str, since: float) -> float:
        now = time.perf_counter()
        self.seconds[phase] += now - since
        return now

    def _events(self, day, on, sp, enforcement):
        """In parallel, piece by piece: behaviour, app adoption, false records, the first step of scoring."""
        detect, informed = self.detection.probabilities(day)
        false_means = self.detection.false_record_means(day, np.diff(self.people.stratum_start).astype(float))
        if enforcement != 1.0:
            detect = np.minimum(detect * enforcement, 1.0)
            informed = np.minimum(informed * enforcement, 1.0)
            false_means = false_means * enforcement
        false_means = false_means[:, self.people.piece_stratum] * self.behaviour.piece_share
        bd = self.behaviour.today(day, on, detect, informed, self.seen(), self.adoption, self.travelled)
        behaviour_means = self.behaviour.means(self.adoption, bd.counted) * bd.draw_factor[:, None]
        if not self.travelled:  # an act abroad goes to the host's channels, which may see what none at home does
            behaviour_means[self.behaviour.silent(bd)[:, self.people.piece_stratum]] = 0.0
        means = np.concatenate([behaviour_means, false_means, self.adoption.means(day)[None, :]])
        all_counts = poisson_counts(self.seed, self.event_keys, day, means)
        behaviours = len(bd.draw_factor)
        counts = all_counts[:behaviours].T
        false_counts = all_counts[behaviours:-1].T
        adopt = all_counts[-1]
        room = (counts * ~bd.counted[:, self.people.piece_stratum].T).sum(axis=1) + false_counts.sum(axis=1)
        first = self._reserve(room)
        self.piece_counters[:] = 0
        work = room + adopt
        events = int(work.sum())
        threads = self._use(self.pace.threads(events))
        started = time.perf_counter()
        draws = Draws(np.ascontiguousarray(counts), np.ascontiguousarray(false_counts), adopt, first,
                      self.detection.weights)
        last = self.piece_day(self.seed, threads, largest_first(work), draws, self.persons, self.agents, bd, sp,
                              self.records, self.piece_counters)
        self.pace.record(threads, events, time.perf_counter() - started)
        self._fold()
        return first, last

    def _reserve(self, room: np.ndarray) -> np.ndarray:
        """Make room for ``room[p]`` records of each piece; returns where each piece's slice starts."""
        first = np.zeros(len(room), np.int64)
        np.cumsum(room[:-1], out=first[1:])
        total = int(room.sum())
        if total > len(self.records.agent):
            self.records = new_records(total + total // 4)
        return first

    def _fold(self):
        """Add the pieces' counters to the totals and to their groups'."""
        self.counters += self.piece_counters.sum(axis=0)
        self.group_counters += self.piece_in_group @ self.piece_counters

    def seen(self) -> np.ndarray:
        """The counters in agents of the mean scale (each group's weighed by its people per agent): what the
        population has seen of the system, and what a country's trust index reads."""
        if not self.people.weighted:
            return self.counters
        return self.weights @ self.group_counters

    def weighed_history(self) -> tuple[np.ndarray, np.ndarray]:
        """The daily counters and the groups' (``history``, ``group_history``) in agents of the mean scale."""
        if not self.people.weighted:
            return self.history, self.group_history
        group_history = self.group_history * self.weights[None, :, None]
        return group_history.sum(axis=1), group_history

    def strata(self) -> list[tuple[np.ndarray, float]]:
        """The daily counters of each part of the run whose agents weigh alike, and the people an agent of it
        stands for (``results.count_intervals``)."""
        if not self.people.weighted:
            return [(self.history, self.people.scale)]
        return [(self.group_history[:, g], float(s)) for g, s in enumerate(self.people.group_scale)]

    def _lists(self, day, on, sp, first, last, inbound):
        """Serially: the court backlog at launch, list changes and court listings, records from abroad."""
        n = int((last - first).sum()) + (0 if inbound is None else len(inbound[0]))
        backlog = self.backlog.size if day == self.rules.court_launch and on.court else 0
        self.roster = grow_roster(self.roster, n + backlog)
        listed = int(self.roster.size[0])
        self.calendar = grow_calendar(self.calendar, CALENDAR_ROOM_PER_RECORD * (n + backlog)
                                      + CALENDAR_ROOM_PER_LISTED * listed + CALENDAR_SPARE)
        ctx = self.context(sp)
        if backlog:
            rng = self.rngs[BACKLOG]
            self.apply_records(ctx._replace(rules=sp._replace(listing_probability=1.0)), rng,
                               self.backlog.records(rng), backlog)
        self.settle(ctx, self.rngs[SCORING], self.records, first, last)
        if inbound is not None and len(inbound[0]):
            agent, behaviour_, true = inbound
            records = Records(agent, behaviour_, true, np.zeros(len(agent), np.uint8))
            self.apply_records(ctx, self.rngs[FOREIGN], records, len(agent))

    def _parallel(self, day: int, name: str, mechanisms: list[Mechanism]):
        """A parallel phase: each mechanism's decisions per piece, on the thread count the pace sets."""
        self.piece_counters[:] = 0
        keys = self.parallel_keys[name]
        all_counts = poisson_counts(self.seed, keys, day, np.stack([m.means(day) for m in mechanisms]))
        self._use(self.pace.threads(int(all_counts.sum()), probe=False))
        self.runners[name](self.seed, tuple(int(k) for k in keys), tuple(m.today(day) for m in mechanisms),
                           tuple(all_counts), self.persons, self.agents, self.roster, self.piece_counters)
        self._use(self.pace.most)
        self._fold()

    def _firms(self, day: int):
        f = self.firms
        counts = self.rngs[FIRMS].poisson(f.means(day))
        self.firm_day(self.seed, f.today(day), counts, self.persons, self.agents, self.roster, self.firm_tally)

    @staticmethod
    def _use(threads: int) -> int:
        """Run the next parallel kernels on ``threads`` threads (see ``scheduling.Pace``)."""
        if numba.get_num_threads() != threads:
            numba.set_num_threads(threads)
        return threads

    # -- what other countries see (``mechanisms.base.CountryView``) ---------------------------------------------------

    def scoring_on(self, day: int) -> bool:
        return self.rules.switches(day).scoring

    def channels(self) -> Detection:
        return self.detection

    def can_travel(self, agents: np.ndarray) -> np.ndarray:
        return (self.people.age[agents] != CHILD) & (self.agents.flags[agents] & F_ABROAD == 0)

    def set_abroad(self, agents: np.ndarray, abroad: bool) -> None:
        if abroad:
            self.travelled = self.travelled or len(agents) > 0
            self.agents.flags[agents] |= np.uint8(F_ABROAD)
        else:
            self.agents.flags[agents] &= ~np.uint8(F_ABROAD)

    def household_at_home(self, agent: int) -> np.ndarray:
        """The other members aged 15+ of ``agent``'s household who are at home today."""
        first, size = household_members(self.people.household, agent)
        members = np.arange(int(first), int(first) + int(size))
        members = members[members != agent]
        return members[self.can_travel(members)]

    def frighten(self, day: int, agents: np.ndarray, step: float) -> None:
        """Raise each of ``agents``' perceived certainty a step ``step`` of the way to certainty (brought up to
        ``day`` first, so that it fades from today)."""
        if len(agents) and step > 0.0:
            scoring.learn_all(self.agents, self.rules.today(day, self.rules.switches(day)),
                              np.asarray(agents, np.int64), step)

    def count(self, agents: np.ndarray, name: str, amount: int = 1) -> None:
        """Add ``amount`` to the counter ``name`` for each of ``agents``, nationally and by their groups."""
        agents = np.asarray(agents, np.int64)
        if not len(agents):
            return
        column = outputs.column(name)
        groups = self.people.stratum_group[np.searchsorted(self.people.stratum_start, agents, side="right") - 1]
        self.counters[column] += amount * len(agents)
        np.add.at(self.group_counters[:, column], groups, amount)

    def customers(self, agents: np.ndarray, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nationals as firms abroad see them: grade index, list status (0 not listed, 1 listed, 2 wrongly
        listed) and group, each graded by the rulebook that scores them at home."""
        out = np.zeros((3, len(agents)), np.int64)
        rulebooks = self.rules.stratum_rulebook(day)
        for i, agent in enumerate(np.asarray(agents).tolist()):
            stratum = stratum_of(self.people.stratum_start, agent)
            r = rulebooks[stratum]
            score = score_now(self.agents, agent, day, self.scenario.rulebook.start_score, self.rules.recovery[r])
            if self.agents.flags[agent] & F_LISTED:
                out[1, i] = 2 if listing_status(self.agents.flags, self.roster, agent)[1] else 1
            out[0, i] = firms.grade_of(score, self.rules.floors[r])
            out[2, i] = self.people.stratum_group[stratum]
        return out[0], out[1], out[2]

    # -- results ------------------------------------------------------------------------------------------------

    def census(self, day: int | None = None) -> tuple[dict[str, int], float]:
        """People aged 15+ in each grade on ``day`` (default: the last day), each graded by the rulebook that scores
        them that day, and their mean score."""
        day = self.days - 1 if day is None else day
        start_score = self.scenario.rulebook.start_score
        counts, totals = _census_kernel(*self._scored_by(day), self.agents.score, self.agents.touched,
                                        self.people.age, day, start_score, self.rules.recovery, self.rules.floors)
        if self.people.weighted:  # in agents of the mean scale
            weight = self.people.piece_weight
            counts, total = weight @ counts, float(weight @ totals)
            grades = {g: float(c) for g, c in zip(GRADES, counts)}
        else:
            counts, total = counts.sum(axis=0), totals.sum()
            grades = {g: int(c) for g, c in zip(GRADES, counts)}
        adults = counts.sum()
        return grades, total / adults if adults else float(start_score)

    def _scored_by(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """The pieces' bounds and the rulebook that scores each piece on ``day`` (a piece lies within a stratum)."""
        return self.people.piece_start, self.rules.stratum_rulebook(day)[self.people.piece_stratum]

    def score_distribution(self) -> pd.DataFrame:
        """People aged 15+ on the last day by rulebook, score and grade (rulebook, score, grade, people)."""
        day = self.days - 1
        counts = _score_counts(*self._scored_by(day), len(self.rules.floors), self.agents.score, self.agents.touched,
                               self.people.age, day, self.scenario.rulebook.start_score, self.rules.recovery,
                               self.people.piece_weight)
        names = [NATIONAL] + [p.name for p in self.scenario.pilots]
        return score_frame(counts, names, self.rules.floors, self.people.scale)

    def firm_transactions(self) -> pd.DataFrame | None:
        """Firms' dealings with this country's people, by sector, group, grade and list status (None without firms)."""
        if self.firm_tally is None:
            return None
        groups = [g.name for g in self.scenario.population.groups]
        return firms.tally_frame(self.firm_tally, list(self.scenario.firms.sectors), groups, self.people.group_scale)

    def recovery_times(self) -> pd.DataFrame:
        """People who left every list, by days listed and exit route (days_listed, route, people)."""
        return recovery_frame(self.exits, self.people.group_scale)


CALENDAR_EVENTS = ("next", "agent", "key", "kind")
CARRIED = ("counters", "group_counters", "history", "group_history", "exits", "joint_on", "firm_tally")
"""The run's own arrays, besides the agents, the roster and the calendar, that a saved state keeps."""


def _attribute(owner, path: str):
    return functools.reduce(getattr, path.split("."), owner)


def _set_attribute(owner, path: str, value) -> None:
    *parents, name = path.split(".")
    setattr(functools.reduce(getattr, parents, owner), name, value)


def _events_abroad(records: Records, first, last):
    """The (agent, behaviour) of the day's events by people abroad, left in the record buffer by the kernel."""
    pieces = [slice(a, b) for a, b in zip(first, last) if b > a]
    if not pieces:
        return np.empty(0, np.int32), np.empty(0, np.uint8)
    behaviours = np.concatenate([records.behaviour[p] for p in pieces])
    mask = behaviours >= ABROAD
    if not mask.any():
        return np.empty(0, np.int32), np.empty(0, np.uint8)
    agents = np.concatenate([records.agent[p] for p in pieces])
    return agents[mask], (behaviours[mask] & (ABROAD - 1)).astype(np.uint8)


SIGNATURES = {SERIAL: ("ctx, rngs, todays", "k{i}(ctx, rngs[{i}], todays[{i}])"),
              PARALLEL: ("seed, keys, todays, counts, persons, agents, roster, piece_counters",
                         "k{i}(seed, keys[{i}], todays[{i}], counts[{i}], persons, agents, roster, piece_counters)")}
"""The arguments of a phase's runner, and how it calls the kernel of its ``i``-th mechanism."""


@functools.cache
def compose(kernels: tuple, kind: str):
    """One compiled function that calls ``kernels`` in order, with the signature of a ``kind`` phase.

    Numba needs static dispatch, so the runner's source is written from the phase's tuple of
    mechanisms (a module in the kernel cache directory, named by a hash of its source, so that
    Numba caches it like any other): a day makes one compiled call per phase, not one per mechanism.
    """
    parameters, call = SIGNATURES[kind]
    imports = "".join(f"from {k.py_func.__module__} import {k.py_func.__name__} as k{i}\n"
                      for i, k in enumerate(kernels))
    body = "".join(f"    {call.format(i=i)}\n" for i in range(len(kernels))) or "    pass\n"
    source = (f'"""A phase of the day, written by scslab.engine.compose: do not edit."""\n\nimport numba\n\n'
              f"{imports}\n\n@numba.njit(cache=True)\ndef run({parameters}):\n{body}")
    name = "scslab_phase_" + hashlib.sha256(source.encode()).hexdigest()[:16]
    for base in (numba.config.CACHE_DIR, tempfile.gettempdir()):  # a read-only cache: the temporary directory
        path = Path(base or tempfile.gettempdir()) / "scslab-phases" / f"{name}.py"
        try:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                temporary = path.with_name(f".{name}.{os.getpid()}.tmp")
                temporary.write_text(source)
                os.replace(temporary, path)  # another process may write the same file: either copy is whole
            break
        except OSError:
            continue
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # Numba's cache finds a compiled function's module by name
    spec.loader.exec_module(module)
    return module.run


class _FastCall:
    """Calls a Numba kernel through the compiled version its first call chose.

    Numba types every argument on every call; for the tuples of arrays passed here
    that costs about a millisecond a day, which dominates small countries. Within
    one run the argument types never change, so the first call's choice is kept.
    """

    def __init__(self, dispatcher):
        self.dispatcher = dispatcher
        self.entry = None

    def __call__(self, *args):
        if self.entry is not None:
            return self.entry(*args)
        result = self.dispatcher(*args)
        types = tuple(self.dispatcher.typeof_pyval(a) for a in args)
        compiled = self.dispatcher.overloads.get(types)
        if compiled is not None:
            self.entry = compiled.entry_point
        return result



@njit(cache=True, parallel=True)
def _piece_day(seed, threads, order, draws, persons, agents, bd, sp, records, piece_counters):
    """One day's events of every piece, in parallel on ``threads`` threads (each takes the next piece in
    ``order`` when it is free, see ``scheduling``); returns where each piece's records end."""
    pieces = len(persons.piece_stratum)
    last = np.empty(pieces, np.int64)
    taken = np.zeros(1, np.int64)
    for _ in prange(threads):
        while True:
            q = take(taken)
            if q >= pieces:
                break
            p = order[q]
            pc = piece_counters[p]
            n = behaviour.piece_behaviours(seed, p, draws.counts[p], persons, agents, bd, records, draws.first[p], pc)
            behaviour.piece_adoption(seed, p, draws.adopt[p], persons, agents.flags, pc, bd)
            n = detection.piece_false_records(seed, bd, p, draws.false_counts[p], persons, agents.flags,
                                              draws.weights, records, n)
            scoring.score_records(agents, records, draws.first[p], n, pc, sp)
            last[p] = n
    return last


@njit(cache=True)
def _settle(ctx, rng, records, first, last):
    """The serial step of scoring, piece by piece in order."""
    for p in range(len(first)):
        scoring.settle_records(ctx, rng, records, first[p], last[p])


@njit(cache=True)
def _score_counts(piece_start, piece_rulebook, rulebooks, score, touched, age, day, start_score, recovery,
                  piece_weight):
    """People aged 15+ by the rulebook that scores them and their current score (``[rulebook, score +
    SCORE_OFFSET]``), in agents of the mean scale (``piece_weight``: an agent of each piece in them)."""
    counts = np.zeros((rulebooks, 2 * SCORE_OFFSET), np.float64)
    for p in range(len(piece_start) - 1):
        r = piece_rulebook[p]
        w = piece_weight[p]
        for i in range(piece_start[p], piece_start[p + 1]):
            if age[i] != 0:
                counts[r, recovered(int(score[i]), day - touched[i], start_score, recovery[r]) + SCORE_OFFSET] += w
    return counts


@njit(cache=True, parallel=True)
def _census_kernel(piece_start, piece_rulebook, score, touched, age, day, start_score, recovery, floors):
    """People aged 15+ by grade, and their scores summed, piece by piece."""
    pieces = len(piece_start) - 1
    out = np.zeros((pieces, floors.shape[1]), np.int64)
    totals = np.zeros(pieces, np.int64)
    for p in prange(pieces):
        r = piece_rulebook[p]
        for i in range(piece_start[p], piece_start[p + 1]):
            if age[i] == 0:
                continue
            s = recovered(int(score[i]), day - touched[i], start_score, recovery[r])
            totals[p] += s
            out[p, firms.grade_of(s, floors[r])] += 1
    return out, totals
