"""Simulation state: per-agent columns, the roster of listed people, the event calendar, counters.

Everything is preallocated NumPy arrays. Full-population columns hold what every
agent has (flags packed into bits, score, last touch day, fear), as views of one
record an agent (``CELL``); what concerns a
minority (the listed) lives in a compact roster keyed by agent index, and
scheduled events (list expiry, deletion, recovery) in a calendar queue, so a day
costs in proportion to its events.
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb
import numpy as np

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
    "Roster", "members court_entry grade_entry wrong_court wrong_grade small_debt unable felt size index_agents "
    "index_rows"
)
"""The listed: agent, entry days, wrongful marks, a small debt, unable to pay, the day each sanction was
last felt (``FELT_*``), the number of members, and each member's row by agent: a flat open-addressing hash
index (``index_agents``, -1 where empty, and ``index_rows``), at most half full (``row_of``)."""
ROSTER_INDEX = ("size", "index_agents", "index_rows")
"""The roster's fields that are not rows of members."""
ROSTER_ROWS = tuple(name for name in Roster._fields if name not in ROSTER_INDEX)
"""The roster's rows of members."""
EMPTY = -1
Calendar = namedtuple("Calendar", "head next agent key kind size free")
"""Events by day: each day's chain of slots (``head``, ``next``), each slot's agent, key and kind, the slots used
so far (``size``) and the first of the slots given back (``free``, chained by ``next``; -1 when none): a day's
slots are given back once it is over (``release_day``), so the calendar holds the events still to come, not
every event of the run."""


CELL = np.dtype([("score", "<i2"), ("false_points", "<i2"), ("touched", "<i2"), ("age", "u1"), ("household", "u1"),
                 ("flags", "u1"), ("fear", "u1"), ("informers", "u1")])
"""An agent's record, 11 bytes: its state, the people's two fixed columns and its number of contacts who
inform (``network.count_informants``, fixed for a run) side by side, so that what a candidate or a record reads
of its person (age, flags, fear, informers, the day last brought up to date, score) lies in one cache line, one
look-up instead of six. The columns are strided views of these records."""


CELL_WITHOUT_INFORMANTS = np.dtype([(name, CELL.fields[name][0]) for name in CELL.names if name != "informers"])
"""The record of a run with no informants, 10 bytes."""


def new_agents(agents: int, start_score: int, informants: bool) -> tuple[Agents, np.ndarray,
                                                                         tuple[np.ndarray, np.ndarray]]:
    """The state of ``agents`` agents in one record an agent (``CELL``), its ``informers`` column (zeros, for
    ``network.count_informants``) and the people's (age, household) columns, for synthesis to write the people
    into (``population.synthesize``): views of the records, so the people are made where they stay. With no
    ``informants`` in the run, the record has no informers byte (``CELL_WITHOUT_INFORMANTS``), and every agent's
    count is one zero byte (a view of stride 0, of the same type to the kernels)."""
    cells = np.zeros(agents, CELL if informants else CELL_WITHOUT_INFORMANTS)
    cells["score"] = start_score
    informers = cells["informers"] if informants else np.ndarray((agents,), np.uint8, np.zeros(1, np.uint8),
                                                                  strides=(0,))
    return (Agents(**{name: cells[name] for name in Agents._fields}), informers,
            (cells["age"], cells["household"]))


def new_roster(capacity: int) -> Roster:
    slots = _index_slots(capacity)
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
        index_agents=np.full(slots, EMPTY, np.int32),
        index_rows=np.zeros(slots, np.int32),
    )


def _index_slots(capacity: int) -> int:
    """Slots of the index of a roster with room for ``capacity`` members: a power of two, at least twice it."""
    return 1 << max(int(2 * capacity - 1).bit_length(), 4)


def _grow(column: np.ndarray, capacity: int, fill) -> None:
    """Give ``column`` (its own memory, C order) ``capacity`` rows in place, the new ones ``fill``. NumPy
    reallocates, and the allocator moves a large block's pages instead of copying them, so the old and the new
    column never take memory side by side (at full scale that was the peak of a run). Nothing may hold a view
    of it (a saved state's views are written or copied before the run steps again)."""
    old = len(column)
    column.resize((capacity,) + column.shape[1:], refcheck=False)
    column[old:] = fill


def grow_roster(roster: Roster, room: int) -> Roster:
    """``roster``, grown in place (``_grow``) to room for ``room`` more members (doubling); its index is made
    again for the new size."""
    size = int(roster.size[0])
    capacity = len(roster.members)
    if size + room <= capacity:
        return roster
    new_capacity = max(2 * capacity, size + room)
    for name in ROSTER_ROWS:
        _grow(getattr(roster, name), new_capacity, NEVER if name == "felt" else 0)
    for index in (roster.index_agents, roster.index_rows):  # made again below: no fill to keep
        index.resize(_index_slots(new_capacity), refcheck=False)
    roster.index_agents[:] = EMPTY
    _index_members(roster.members, size, roster.index_agents, roster.index_rows)
    return roster


def new_calendar(days: int, capacity: int) -> Calendar:
    return Calendar(
        head=np.full(days + 1, -1, np.int64),
        next=np.full(capacity, -1, np.int64),
        agent=np.zeros(capacity, np.int32),
        key=np.zeros(capacity, np.int16),
        kind=np.zeros(capacity, np.uint8),
        size=np.zeros(1, np.int64),
        free=np.full(1, -1, np.int64),
    )


def grow_calendar(calendar: Calendar, room: int) -> Calendar:
    """``calendar``, grown in place (``_grow``) to room for ``room`` more events (doubling)."""
    size = int(calendar.size[0])
    capacity = len(calendar.next)
    if size + room <= capacity:
        return calendar
    new_capacity = max(2 * capacity, size + room)
    for name in ("next", "agent", "key", "kind"):
        _grow(getattr(calendar, name), new_capacity, -1 if name == "next" else 0)
    return calendar


@nb.njit(cache=True, inline="always")
def schedule(calendar, day, agent, key, kind):
    """Put an event on the calendar; events past the horizon are dropped."""
    if day >= len(calendar.head) or day < 0:
        return
    slot = calendar.free[0]
    if slot != -1:
        calendar.free[0] = calendar.next[slot]
    else:
        slot = calendar.size[0]
        calendar.size[0] = slot + 1
    calendar.agent[slot] = agent
    calendar.key[slot] = key
    calendar.kind[slot] = kind
    calendar.next[slot] = calendar.head[day]
    calendar.head[day] = slot


@nb.njit(cache=True, inline="always")
def _home(agent, mask):
    """The first slot to try for ``agent`` (Fibonacci hashing: the high bits of a multiplication)."""
    return np.int64((np.uint64(agent) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)) & mask


@nb.njit(cache=True)
def row_in(index_agents, index_rows, agent):
    """The roster row of ``agent`` by the index ``(index_agents, index_rows)``, -1 if not a member."""
    mask = len(index_agents) - 1
    i = _home(agent, mask)
    while True:
        a = index_agents[i]
        if a == agent:
            return np.int64(index_rows[i])
        if a == EMPTY:
            return np.int64(-1)
        i = (i + 1) & mask


@nb.njit(cache=True, inline="always")
def row_of(roster, agent):
    """The roster row of ``agent``, -1 if not a member."""
    return row_in(roster.index_agents, roster.index_rows, agent)


@nb.njit(cache=True)
def _index_put(index_agents, index_rows, agent, row):
    """Set ``agent``'s row in the index (a new entry, or its row changed)."""
    mask = len(index_agents) - 1
    i = _home(agent, mask)
    while index_agents[i] != EMPTY and index_agents[i] != agent:
        i = (i + 1) & mask
    index_agents[i] = agent
    index_rows[i] = row


@nb.njit(cache=True)
def _index_remove(index_agents, index_rows, agent):
    """Take ``agent`` (a member) out of the index, moving back the entries after it that may fill the hole
    (no tombstones: a look-up never walks past what was removed)."""
    mask = len(index_agents) - 1
    hole = _home(agent, mask)
    while index_agents[hole] != agent:
        hole = (hole + 1) & mask
    j = hole
    while True:
        j = (j + 1) & mask
        a = index_agents[j]
        if a == EMPTY:
            break
        home = _home(a, mask)
        if (hole < j and (home <= hole or home > j)) or (hole > j and j < home <= hole):
            index_agents[hole] = a
            index_rows[hole] = index_rows[j]
            hole = j
    index_agents[hole] = EMPTY


@nb.njit(cache=True)
def _index_members(members, size, index_agents, index_rows):
    for k in range(size):
        _index_put(index_agents, index_rows, members[k], k)


@nb.njit(cache=True, inline="always")
def roster_add(roster, agent):
    """Row of ``agent`` in the roster, adding a fresh member if absent."""
    k = row_of(roster, agent)
    if k >= 0:
        return k
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
    _index_put(roster.index_agents, roster.index_rows, agent, k)
    return k


def roster_of(columns: dict[str, np.ndarray]) -> Roster:
    """A roster holding ``columns`` (each member's row, as ``Roster``'s columns but ``ROSTER_INDEX``), with room
    to grow."""
    size = len(columns["members"])
    roster = grow_roster(new_roster(1024), size)
    for name, column in columns.items():
        getattr(roster, name)[:size] = column
    roster.size[0] = size
    _index_members(roster.members, size, roster.index_agents, roster.index_rows)
    return roster


@nb.njit(cache=True)
def release_day(calendar, day):
    """Give back the slots of ``day``'s events once the day is done with them (events put on the day while it
    was being read, never read, go too)."""
    first = calendar.head[day]
    if first == -1:
        return
    last = first
    while calendar.next[last] != -1:
        last = calendar.next[last]
    calendar.next[last] = calendar.free[0]
    calendar.free[0] = first
    calendar.head[day] = -1


def calendar_of(head: np.ndarray, columns: dict[str, np.ndarray], free: int = -1) -> Calendar:
    """A calendar with the day heads ``head``, the slots ``columns`` (``next``, ``agent``, ``key``, ``kind``) and the
    first slot given back ``free``, with room to grow."""
    size = len(columns["next"])
    calendar = grow_calendar(new_calendar(len(head) - 1, 4096), size)
    calendar.head[:] = head
    calendar.free[0] = free
    for name, column in columns.items():
        getattr(calendar, name)[:size] = column
    calendar.size[0] = size
    return calendar


@nb.njit(cache=True, inline="always")
def roster_remove(roster, agent):
    """Remove ``agent`` by moving the last member into its place."""
    k = row_of(roster, agent)
    _index_remove(roster.index_agents, roster.index_rows, agent)
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
        _index_put(roster.index_agents, roster.index_rows, moved, k)
    roster.size[0] = last


@nb.njit(cache=True, inline="always")
def listing_status(flags, roster, agent):
    """(listed, wrongly listed) for one agent: wrongly means no listing has a true offence behind it."""
    f = flags[agent]
    if f & F_LISTED == 0:
        return False, False
    k = row_of(roster, agent)
    wrong = True
    if f & F_COURT and roster.wrong_court[k] == 0:
        wrong = False
    if f & F_GRADE and roster.wrong_grade[k] == 0:
        wrong = False
    return True, wrong


@nb.njit(cache=True)
def stratum_of(stratum_start, agent):
    """The stratum an agent belongs to (strata are contiguous runs of agents; ``stratum_start`` ends with the
    number of agents). A binary search written out: Numba's ``np.searchsorted`` costs far more per call, and the
    list step calls this several times per change (a quarter of the reference model's time at 1e7 agents,
    benchmarks/RESULTS.md)."""
    low, high = 0, len(stratum_start) - 1  # stratum_start[low] <= agent < stratum_start[high]
    while high - low > 1:
        middle = (low + high) >> 1
        if stratum_start[middle] <= agent:
            low = middle
        else:
            high = middle
    return low


@nb.njit(cache=True, inline="always")
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
    "age household stratum_start stratum_group stratum_region stratum_income stratum_pilot piece_start "
    "piece_stratum piece_adults informers",
)
"""The synthesized people as the kernels read them (see ``population.People``), and how many of each one's
contacts inform (``new_agents``): fixed for a run."""


def persons(people, informers: np.ndarray) -> Persons:
    return Persons(*(getattr(people, name) for name in Persons._fields[:-1]), informers)


Records = namedtuple("Records", "agent behaviour true todo")
"""The day's record buffers: who, which behaviour, true or false, what is left for the serial step."""


def new_records(capacity: int) -> Records:
    return Records(np.empty(capacity, np.int32), np.empty(capacity, np.uint8), np.empty(capacity, np.bool_),
                   np.empty(capacity, np.uint8))
