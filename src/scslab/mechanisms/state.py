"""Simulation state: per-agent columns, the roster of listed people, the event calendar, counters.

Everything is preallocated NumPy arrays. Full-population columns hold what every
agent has (flags packed into bits, score, last touch day, fear); what concerns a
minority (the listed) lives in a compact roster keyed by agent index, and
scheduled events (list expiry, deletion, recovery) in a calendar queue, so a day
costs in proportion to its events.
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb
import numpy as np
from numba import types
from numba.typed import Dict

from ..population import HOUSEHOLD_POSITION, HOUSEHOLD_SIZE_SHIFT

# Agent flag bits (uint8 column).
F_COURT = 1  # on the court blacklist
F_GRADE = 2  # on the grade-based list
F_RED = 4  # redlisted
F_JOINT = 8  # under joint punishment (a household member is listed)
F_BLOCKED = 16  # has had a ticket purchase blocked at least once
F_APP = 32  # uses the official app
F_PENDING = 64  # has fulfilled the court order, deletion pending
F_ABROAD = 128  # travelling or living abroad (many-country scenarios only)
F_LISTED = F_COURT | F_GRADE

# Marks a behaviour code in the record buffer as an event abroad, for the host to detect.
ABROAD = 128
# Marks a behaviour code in the record buffer as reported by an informant (the record's source).
INFORMED = 64
BEHAVIOUR_BITS = 63

# Calendar event kinds.
Q_EXPIRY, Q_DELETION, Q_GRADE_EXIT, Q_RED_EXIT = 0, 1, 2, 3

# Sanctions a listed person can feel (columns of ``Roster.felt``, the day each was last felt).
FELT_PURCHASE, FELT_SHAMED, FELT_CREDIT, FELT_JOB, FELT_SCHOOL, FELT_BUSINESS, FELT_PREFERENTIAL = range(7)
FELT_KINDS = 7
NEVER = -32768
"""``Roster.felt`` of a sanction never felt in this listing."""

Agents = namedtuple("Agents", "flags score false_points touched fear")
Roster = namedtuple(
    "Roster", "members court_entry grade_entry wrong_court wrong_grade small_debt unable felt size position"
)
"""The listed: agent, entry days, wrongful marks, a small debt, unable to pay, the day each sanction was
last felt (``FELT_*``), the number of members, and each member's position by agent."""
Calendar = namedtuple("Calendar", "head next agent key kind size")


def new_agents(n: int, start_score: int) -> Agents:
    return Agents(
        flags=np.zeros(n, np.uint8),
        score=np.full(n, start_score, np.int16),
        false_points=np.zeros(n, np.int16),
        touched=np.zeros(n, np.int16),
        fear=np.zeros(n, np.uint8),
    )


def new_roster(capacity: int) -> Roster:
    position = Dict.empty(key_type=types.int64, value_type=types.int64)
    return Roster(
        members=np.zeros(capacity, np.int32),
        court_entry=np.zeros(capacity, np.int16),
        grade_entry=np.zeros(capacity, np.int16),
        wrong_court=np.zeros(capacity, np.uint8),
        wrong_grade=np.zeros(capacity, np.uint8),
        small_debt=np.zeros(capacity, np.uint8),
        unable=np.zeros(capacity, np.uint8),
        felt=np.full((capacity, FELT_KINDS), NEVER, np.int16),
        size=np.zeros(1, np.int64),
        position=position,
    )


def grow_roster(roster: Roster, room: int) -> Roster:
    """A roster with room for ``room`` more members (doubling; the position map is shared)."""
    size = int(roster.size[0])
    capacity = len(roster.members)
    if size + room <= capacity:
        return roster
    new_capacity = max(2 * capacity, size + room)
    grown = {}
    for name in Roster._fields:
        column = getattr(roster, name)
        if name in ("size", "position"):
            grown[name] = column
        else:
            bigger = np.full((new_capacity,) + column.shape[1:], NEVER if name == "felt" else 0, column.dtype)
            bigger[:size] = column[:size]
            grown[name] = bigger
    return Roster(**grown)


def new_calendar(days: int, capacity: int) -> Calendar:
    return Calendar(
        head=np.full(days + 1, -1, np.int64),
        next=np.full(capacity, -1, np.int64),
        agent=np.zeros(capacity, np.int32),
        key=np.zeros(capacity, np.int16),
        kind=np.zeros(capacity, np.uint8),
        size=np.zeros(1, np.int64),
    )


def grow_calendar(calendar: Calendar, room: int) -> Calendar:
    size = int(calendar.size[0])
    capacity = len(calendar.next)
    if size + room <= capacity:
        return calendar
    new_capacity = max(2 * capacity, size + room)
    grown = {"head": calendar.head, "size": calendar.size}
    for name in ("next", "agent", "key", "kind"):
        column = getattr(calendar, name)
        bigger = np.full(new_capacity, -1, column.dtype) if name == "next" else np.zeros(new_capacity, column.dtype)
        bigger[:size] = column[:size]
        grown[name] = bigger
    return Calendar(**grown)


@nb.njit(cache=True)
def schedule(calendar, day, agent, key, kind):
    """Put an event on the calendar; events past the horizon are dropped."""
    if day >= len(calendar.head) or day < 0:
        return
    slot = calendar.size[0]
    calendar.size[0] = slot + 1
    calendar.agent[slot] = agent
    calendar.key[slot] = key
    calendar.kind[slot] = kind
    calendar.next[slot] = calendar.head[day]
    calendar.head[day] = slot


@nb.njit(cache=True)
def roster_add(roster, agent):
    """Position of ``agent`` in the roster, adding a fresh member if absent."""
    if agent in roster.position:
        return roster.position[agent]
    k = roster.size[0]
    roster.size[0] = k + 1
    roster.members[k] = agent
    roster.court_entry[k] = 0
    roster.grade_entry[k] = 0
    roster.wrong_court[k] = 0
    roster.wrong_grade[k] = 0
    roster.small_debt[k] = 0
    roster.unable[k] = 0
    roster.felt[k, :] = NEVER
    roster.position[agent] = k
    return k


def roster_of(columns: dict[str, np.ndarray]) -> Roster:
    """A roster holding ``columns`` (each member's row, as ``Roster``'s columns but ``size`` and ``position``),
    with room to grow."""
    size = len(columns["members"])
    roster = grow_roster(new_roster(1024), size)
    for name, column in columns.items():
        getattr(roster, name)[:size] = column
    roster.size[0] = size
    _index_members(roster.members, size, roster.position)
    return roster


@nb.njit(cache=True)
def _index_members(members, size, position):
    for k in range(size):
        position[members[k]] = k


def calendar_of(head: np.ndarray, columns: dict[str, np.ndarray]) -> Calendar:
    """A calendar with the day heads ``head`` and the events ``columns`` (``next``, ``agent``, ``key``, ``kind``),
    with room to grow."""
    size = len(columns["next"])
    calendar = grow_calendar(new_calendar(len(head) - 1, 4096), size)
    calendar.head[:] = head
    for name, column in columns.items():
        getattr(calendar, name)[:size] = column
    calendar.size[0] = size
    return calendar


@nb.njit(cache=True)
def roster_remove(roster, agent):
    """Remove ``agent`` by moving the last member into its place."""
    k = roster.position[agent]
    del roster.position[agent]
    last = roster.size[0] - 1
    if k != last:
        moved = roster.members[last]
        roster.members[k] = moved
        roster.court_entry[k] = roster.court_entry[last]
        roster.grade_entry[k] = roster.grade_entry[last]
        roster.wrong_court[k] = roster.wrong_court[last]
        roster.wrong_grade[k] = roster.wrong_grade[last]
        roster.small_debt[k] = roster.small_debt[last]
        roster.unable[k] = roster.unable[last]
        roster.felt[k, :] = roster.felt[last, :]
        roster.position[moved] = k
    roster.size[0] = last


@nb.njit(cache=True)
def listing_status(flags, roster, agent):
    """(listed, wrongly listed) for one agent: wrongly means no listing has a true offence behind it."""
    f = flags[agent]
    if f & F_LISTED == 0:
        return False, False
    k = roster.position[agent]
    wrong = True
    if f & F_COURT and roster.wrong_court[k] == 0:
        wrong = False
    if f & F_GRADE and roster.wrong_grade[k] == 0:
        wrong = False
    return True, wrong


@nb.njit(cache=True)
def stratum_of(stratum_start, agent):
    """The stratum an agent belongs to (strata are contiguous runs of agents)."""
    return np.searchsorted(stratum_start, agent, side="right") - 1


@nb.njit(cache=True)
def tally(ctx, agent, column, amount):
    """Add ``amount`` to a counter, nationally and in ``agent``'s group (every count kept by group, so that the
    results can weigh each group by the people an agent of it stands for)."""
    ctx.counters[column] += amount
    ctx.group_counters[ctx.persons.stratum_group[stratum_of(ctx.persons.stratum_start, agent)], column] += amount


@nb.njit(cache=True)
def household_members(household, agent):
    """(first member, size) of an agent's household, from the packed household byte."""
    h = household[agent]
    return agent - (h & HOUSEHOLD_POSITION), h >> HOUSEHOLD_SIZE_SHIFT


Persons = namedtuple(
    "Persons",
    "age propensity household stratum_start stratum_group stratum_region stratum_income stratum_pilot piece_start "
    "piece_stratum",
)
"""The synthesized people as the kernels read them (see ``population.People``): fixed for a run."""


def persons(people) -> Persons:
    return Persons(*(getattr(people, name) for name in Persons._fields))


Records = namedtuple("Records", "agent behaviour true todo")
"""The day's record buffers: who, which behaviour, true or false, what is left for the serial step."""


def new_records(capacity: int) -> Records:
    return Records(np.empty(capacity, np.int32), np.empty(capacity, np.uint8), np.empty(capacity, np.bool_),
                   np.empty(capacity, np.uint8))
