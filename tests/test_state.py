"""The simulation's data structures (mechanisms/state.py) on their own, and the lists' invariants in a real run.

The roster and the calendar are checked against plain Python models through long random
sequences of operations (fixed seeds), with every invariant checked after every step. The
list invariants are checked after every day of a short china-2018 run with every list and
joint punishment switched on: flags, roster and counters must always tell the same story.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from scslab import outputs
from scslab.engine import CountryRun
from scslab.mechanisms import state
from scslab.mechanisms.network import count_informants, informant_bits
from scslab.mechanisms.state import (
    F_COURT,
    F_GRADE,
    F_JOINT,
    F_LISTED,
    F_PENDING,
    F_RED,
    FELT_KINDS,
    NEVER,
    Roster,
    grow_calendar,
    grow_roster,
    new_calendar,
    new_roster,
    release_day,
    roster_add,
    roster_remove,
    row_of,
    schedule,
    stratum_of,
)
from scslab.population import people_of
from scslab.scenario.loading import load

FIELDS = ("court_entry", "grade_entry", "wrong_court", "wrong_grade", "small_debt", "unable")
"""The per-member columns of the roster (besides ``members``)."""


# --- roster -------------------------------------------------------------------------------------


def positions(roster) -> dict[int, int]:
    """The roster's index as a dict: agent -> row."""
    used = roster.index_agents != -1
    return dict(zip(roster.index_agents[used].tolist(), roster.index_rows[used].tolist()))


def roster_problems(roster, model: dict[int, dict[str, int]]) -> list[str]:
    """What is wrong with ``roster`` against ``model`` (agent -> fields): empty when they agree."""
    problems = []
    size = int(roster.size[0])
    if size != len(model):
        problems.append(f"size {size}, model has {len(model)}")
    members = [int(m) for m in roster.members[:size]]
    if sorted(members) != sorted(model):
        problems.append(f"members {sorted(members)} are not the model's {sorted(model)}")
    index = positions(roster)
    if len(index) != size:
        problems.append(f"the index has {len(index)} entries for {size} members")
    for k, agent in enumerate(members):
        if index.get(agent, -1) != k or row_of(roster, agent) != k:
            problems.append(f"the row of {agent} is not {k}")
        for name in FIELDS:
            value = int(getattr(roster, name)[k])
            if agent in model and value != model[agent][name]:
                problems.append(f"{name} of {agent} is {value}, model has {model[agent][name]}")
    return problems


def test_new_roster_is_empty_with_the_capacity_asked():
    roster = new_roster(8)
    assert roster.size[0] == 0 and len(positions(roster)) == 0
    assert all(len(getattr(roster, name)) == 8 for name in ("members",) + FIELDS)
    assert roster_problems(roster, {}) == []


def test_roster_add_gives_the_next_position_and_adds_nothing_twice():
    roster = new_roster(4)
    assert [roster_add(roster, agent) for agent in (7, 3, 11)] == [0, 1, 2]
    roster.court_entry[1] = 5
    assert roster_add(roster, 3) == 1  # already there: its position, nothing added, nothing reset
    assert roster.size[0] == 3 and roster.court_entry[1] == 5
    assert roster_problems(roster, {7: dict.fromkeys(FIELDS, 0), 3: {**dict.fromkeys(FIELDS, 0), "court_entry": 5},
                                    11: dict.fromkeys(FIELDS, 0)}) == []


def test_the_roster_keeps_what_each_member_felt_when_members_leave():
    roster = new_roster(2)
    for agent in (10, 20):
        k = roster_add(roster, agent)
        roster.felt[k, :] = agent + np.arange(FELT_KINDS)
        roster.unable[k] = agent == 20
    roster = grow_roster(roster, 3)
    assert (roster.felt[2:] == NEVER).all()
    roster_remove(roster, 10)
    k = row_of(roster, 20)
    assert k == 0 and list(roster.felt[k]) == [20 + s for s in range(FELT_KINDS)] and roster.unable[k] == 1
    k = roster_add(roster, 30)
    assert (roster.felt[k] == NEVER).all() and roster.unable[k] == 0


def test_roster_remove_moves_the_last_member_into_the_hole_with_its_fields():
    roster = new_roster(4)
    for value, agent in enumerate((10, 20, 30), start=1):
        k = roster_add(roster, agent)
        for name in FIELDS:
            getattr(roster, name)[k] = value
    roster_remove(roster, 10)
    assert roster.size[0] == 2 and list(roster.members[:2]) == [30, 20]
    assert row_of(roster, 30) == 0 and row_of(roster, 10) == -1
    assert all(getattr(roster, name)[0] == 3 for name in FIELDS)
    roster_remove(roster, 20)  # the last member: nothing moves
    assert roster.size[0] == 1 and roster.members[0] == 30 and row_of(roster, 30) == 0
    roster_remove(roster, 30)
    assert roster.size[0] == 0 and len(positions(roster)) == 0


def test_grow_roster_keeps_everything_and_is_a_no_op_when_there_is_room():
    """The roster grows in place (the same arrays, reallocated): its members' rows are kept, the new rows are
    empty (``felt`` never), and the index is made again for the new size."""
    roster = new_roster(4)
    for agent in (5, 6, 7):
        k = roster_add(roster, agent)
        for offset, name in enumerate(FIELDS):
            getattr(roster, name)[k] = agent + offset
        roster.felt[k] = agent
    before = {name: getattr(roster, name).copy() for name in ("members", "felt") + FIELDS}
    where = positions(roster)
    assert grow_roster(roster, 1) is roster
    grown = grow_roster(roster, 2)
    assert grown is roster and len(grown.members) == 8  # doubled: size + room = 5 fits in twice the capacity
    assert positions(grown) == where and len(grown.index_agents) == 16
    for name, column in before.items():
        now = getattr(grown, name)
        assert now.dtype == column.dtype and now.shape[1:] == column.shape[1:]
        np.testing.assert_array_equal(now[:3], column[:3])
        assert (now[4:] == (NEVER if name == "felt" else 0)).all()
    assert len(grow_roster(grown, 100).members) == 103  # more than doubling when the room asked needs it
    assert positions(grown) == where


def test_roster_against_a_model_through_random_adds_and_removes():
    rng = np.random.default_rng(16)
    roster = new_roster(2)
    model: dict[int, dict[str, int]] = {}
    order: list[int] = []  # members in roster order, as the swap-remove should leave them
    moved = 0
    for step in range(600):
        if model and rng.random() < 0.45:
            agent = int(rng.choice(sorted(model)))
            hole, last = order.index(agent), order[-1]
            roster_remove(roster, agent)
            del model[agent]
            order[hole] = last
            order.pop()
            moved += last != agent
            assert row_of(roster, agent) == -1
        else:
            agent = int(rng.integers(0, 60))  # a small pool, so that agents already there come back often
            roster = grow_roster(roster, 1)
            size = int(roster.size[0])
            k = roster_add(roster, agent)
            if agent in model:  # already there: same place, same fields
                assert k == order.index(agent) and roster.size[0] == size
                assert {name: int(getattr(roster, name)[k]) for name in FIELDS} == model[agent], f"step {step}"
            else:
                assert k == size and all(getattr(roster, name)[k] == 0 for name in FIELDS)
                model[agent] = {}
                order.append(agent)
            for name in FIELDS:  # what the list kernels do with a member: set its fields
                value = int(rng.integers(0, 100))
                getattr(roster, name)[k] = value
                model[agent][name] = value
        problems = roster_problems(roster, model)
        assert problems == [], f"step {step}: {problems[:5]}"
        assert [int(m) for m in roster.members[:len(order)]] == order, f"step {step}"
    assert len(roster.members) > 2 and moved > 50  # it grew, and members really moved into holes


def test_roster_check_sees_a_broken_roster():
    """The model check above can fail: each kind of damage is seen."""
    roster = new_roster(4)
    model = {}
    for agent in (1, 2, 3):
        roster_add(roster, agent)
        model[agent] = dict.fromkeys(FIELDS, 0)
    assert roster_problems(roster, model) == []
    roster.wrong_grade[1] = 1
    assert roster_problems(roster, model)
    roster.wrong_grade[1] = 0
    slot = int(np.flatnonzero(roster.index_agents == 2)[0])
    roster.index_rows[slot] = 0
    assert roster_problems(roster, model)
    roster.index_rows[slot] = 1
    roster.size[0] = 2
    assert roster_problems(roster, model)


def test_the_roster_index_finds_every_member_and_no_one_else_through_heavy_churn():
    """Agents drawn from a pool about the index's size, so that probes collide, run and wrap around the end;
    every look-up, members and others, is checked against a dict after each change."""
    rng = np.random.default_rng(5)
    roster, model = new_roster(4), {}
    pool = rng.choice(2**31 - 1, size=3_000, replace=False)
    for step in range(20_000):
        agent = int(rng.choice(pool))
        if agent in model and rng.random() < 0.5:
            last = int(roster.members[roster.size[0] - 1])
            roster_remove(roster, agent)
            model[last] = model.pop(agent)
            if last == agent:
                del model[last]
        elif agent not in model:
            roster = grow_roster(roster, 1)
            model[agent] = roster_add(roster, agent)
        if step % 997 == 0 or step > 19_900:
            assert positions(roster) == model
            assert all(row_of(roster, int(a)) == model.get(int(a), -1) for a in pool)
    assert len(model) > 500 and len(roster.index_agents) <= 4 * len(roster.members)


# --- calendar -----------------------------------------------------------------------------------


def chain(calendar, day: int) -> list[tuple[int, int, int]]:
    """The events of ``day`` as (agent, key, kind), following the chain from its head."""
    events, slot = [], int(calendar.head[day])
    while slot != -1:
        events.append((int(calendar.agent[slot]), int(calendar.key[slot]), int(calendar.kind[slot])))
        slot = int(calendar.next[slot])
        assert len(events) <= calendar.size[0], "a cycle in the chain"
    return events


def calendar_problems(calendar, model: dict[int, list]) -> list[str]:
    days = len(calendar.head) - 1
    problems = [f"day {d}: {chain(calendar, d)} != {list(reversed(model.get(d, [])))}"
                for d in range(days + 1) if chain(calendar, d) != list(reversed(model.get(d, [])))]
    total = sum(len(v) for v in model.values())
    free, slot = 0, int(calendar.free[0])
    while slot != -1:
        free, slot = free + 1, int(calendar.next[slot])
    if calendar.size[0] - free != total:
        problems.append(f"{calendar.size[0]} slots used, {free} given back: model has {total} events")
    return problems


def test_new_calendar_is_empty():
    calendar = new_calendar(10, 4)
    assert len(calendar.head) == 11 and (calendar.head == -1).all()
    assert len(calendar.next) == 4 and (calendar.next == -1).all() and calendar.size[0] == 0


def test_schedule_chains_events_per_day_last_first_and_drops_days_outside():
    calendar = new_calendar(5, 8)
    schedule(calendar, 2, 10, 0, state.Q_EXPIRY)
    schedule(calendar, 2, 11, 1, state.Q_DELETION)
    schedule(calendar, 5, 12, 2, state.Q_GRADE_EXIT)  # the last day of the horizon is kept
    schedule(calendar, 6, 13, 3, state.Q_RED_EXIT)  # past it: dropped
    schedule(calendar, -1, 14, 4, state.Q_EXPIRY)  # negative: dropped
    assert calendar.size[0] == 3
    assert chain(calendar, 2) == [(11, 1, state.Q_DELETION), (10, 0, state.Q_EXPIRY)]
    assert chain(calendar, 5) == [(12, 2, state.Q_GRADE_EXIT)]
    assert all(chain(calendar, d) == [] for d in (0, 1, 3, 4))


def test_calendar_against_a_model_through_random_events_and_growth():
    rng = np.random.default_rng(61)
    days = 40
    calendar = new_calendar(days, 1)
    model: dict[int, list] = {}
    for step in range(500):
        calendar = grow_calendar(calendar, 1)
        day = int(rng.integers(-3, days + 4))
        event = (int(rng.integers(0, 1000)), int(rng.integers(0, 3000)), int(rng.integers(0, 4)))
        schedule(calendar, day, *event)
        if 0 <= day <= days:
            model.setdefault(day, []).append(event)
        if step % 25 == 0 or step == 499:
            problems = calendar_problems(calendar, model)
            assert problems == [], f"step {step}: {problems[:3]}"
    assert len(calendar.next) >= calendar.size[0] > 400


def test_a_day_s_slots_are_given_back_and_taken_again_so_the_calendar_holds_what_is_still_to_come():
    """Days read in order, each released once read: the slots used stay near the most events pending at once (not
    the run's total), and every pending chain is what a model of the pending events says."""
    rng = np.random.default_rng(8)
    days = 400
    calendar = new_calendar(days, 1)
    model: dict[int, list] = {}
    scheduled = most_pending = 0
    for today in range(days):
        assert chain(calendar, today) == list(reversed(model.pop(today, [])))
        release_day(calendar, today)
        assert calendar.head[today] == -1
        for _ in range(int(rng.integers(0, 40))):
            calendar = grow_calendar(calendar, 1)
            day = today + 1 + int(rng.integers(0, 30))
            event = (int(rng.integers(0, 1000)), int(rng.integers(0, 3000)), int(rng.integers(0, 4)))
            schedule(calendar, day, *event)
            if day <= days:
                model.setdefault(day, []).append(event)
                scheduled += 1
        most_pending = max(most_pending, sum(len(v) for v in model.values()))
        assert calendar_problems(calendar, model) == [], today
    assert scheduled > 7_000 and calendar.size[0] <= most_pending + 1 < scheduled / 8


def test_grow_calendar_keeps_the_chains_and_is_a_no_op_when_there_is_room():
    calendar = new_calendar(3, 4)
    for agent, day in enumerate((0, 1, 1, 3)):
        schedule(calendar, day, agent, agent, state.Q_EXPIRY)
    before = {d: chain(calendar, d) for d in range(4)}
    assert grow_calendar(calendar, 0) is calendar
    grown = grow_calendar(calendar, 1)
    assert len(grown.next) == 8 and grown.head is calendar.head and grown.size is calendar.size
    assert (grown.next[4:] == -1).all()
    assert {d: chain(grown, d) for d in range(4)} == before
    schedule(grown, 1, 9, 9, state.Q_DELETION)
    assert chain(grown, 1) == [(9, 9, state.Q_DELETION)] + before[1]


def test_calendar_check_sees_a_broken_chain():
    calendar = new_calendar(3, 4)
    model = {}
    for agent, day in enumerate((0, 1, 1)):
        schedule(calendar, day, agent, 0, state.Q_EXPIRY)
        model.setdefault(day, []).append((agent, 0, state.Q_EXPIRY))
    assert calendar_problems(calendar, model) == []
    calendar.next[2] = -1  # day 1 loses its first event
    assert calendar_problems(calendar, model)


# --- the lists' invariants in a real run ---------------------------------------------------------


def counter_column(name: str) -> int:
    """The column of output ``name`` in ``CountryRun.counters`` and ``group_counters`` (groups x columns)."""
    return outputs.column(name)


group_column = counter_column


AGENTS, DAYS, JOINT_DAY = 20_000, 90, 5
OVERRIDES = [
    # 100 people an agent, so that the launch backlog (31,259 people) is ~313 agents
    "population.size=2000000",
    # Every list on, in a narrow band of grades around the start score (1015): a judgment default
    # (-20 here) puts people on the court list and, for ten days until their score recovers to 996,
    # on the grade list too; other bad records put people on the grade list alone; a good deed or
    # a traffic ticket (-5) puts them on the redlist (>= 1010). So people are on one list or both,
    # and leaving one list is sometimes, not always, leaving the roster.
    "lists.grade.enabled=true",
    'lists.grade.below_grade="B"',
    "lists.redlist.enabled=true",
    "rulebook.grade_minimums={AAA = 1010, AA = 1005, A = 1000, B = 996, C = 600}",
    "rulebook.start_score=1015",
    "behaviours.judgment_default.points=-20",
    # Exits within the run: short inclusion periods, frequent fulfilment (then deletion)
    "lists.court.inclusion_period_days=20",
    "lists.court.extension_probability=0.2",
    "rehabilitation.fulfilment.rate_per_year=5.0",
    # Joint punishment switches on a few days in (every listed household is flagged at once)
    f"lists.joint_punishment.start={dt.date(2013, 10, 24) + dt.timedelta(days=JOINT_DAY)}",
]


def list_problems(run: CountryRun, joint_on: bool) -> list[str]:
    """Every way the flags, the roster and the counters disagree today (empty when they agree)."""
    flags, c, gc, roster = run.agents.flags, run.counters, run.group_counters, run.roster
    problems = []

    def same(what, counted, actual):
        if int(counted) != int(actual):
            problems.append(f"{what}: counted {int(counted)}, actually {int(actual)}")

    listed = (flags & F_LISTED) != 0
    same("listed", c[counter_column("listed")], listed.sum())
    same("court_listed", c[counter_column("court_listed")], ((flags & F_COURT) != 0).sum())
    same("grade_listed", c[counter_column("grade_listed")], ((flags & F_GRADE) != 0).sum())
    same("redlisted", c[counter_column("redlisted")], ((flags & F_RED) != 0).sum())
    same("joint_punished", c[counter_column("joint_punished")], ((flags & F_JOINT) != 0).sum())
    same("roster size", roster.size[0], listed.sum())
    size = int(roster.size[0])
    members = np.sort(roster.members[:size])
    if not np.array_equal(members, np.flatnonzero(listed)):
        problems.append("the roster's members are not the listed agents")
    same("index entries", len(positions(roster)), size)
    # A deletion is pending only for someone on the court list.
    pending_off_list = ((flags & F_PENDING != 0) & (flags & F_COURT == 0)).sum()
    if pending_off_list:
        problems.append(f"{pending_off_list} agents with a deletion pending are not on the court list")
    # Wrongly listed: listed, and no listing with a true offence behind it (the roster's wrong_* fields).
    k = np.arange(size)
    f = flags[roster.members[:size]]
    true_court = (f & F_COURT != 0) & (roster.wrong_court[k] == 0)
    true_grade = (f & F_GRADE != 0) & (roster.wrong_grade[k] == 0)
    same("wrongly_listed", c[counter_column("wrongly_listed")], size - (true_court | true_grade).sum())
    # By group: the groups' counters add up to the totals.
    for name in ("listed", "wrongly_listed", "redlisted"):
        same(f"{name} summed over groups", gc[:, group_column(name)].sum(), c[counter_column(name)])
    # Joint punishment: flagged exactly when it is on and another member of the household is listed.
    household = run.people.household.astype(np.int64)
    index = np.arange(len(flags))
    first, n = index - (household & 15), household >> 4
    before = np.concatenate(([0], np.cumsum(listed)))
    others = before[first + n] - before[first] - listed
    should = joint_on & (others > 0)
    same("joint flags where they should not be or missing", ((flags & F_JOINT != 0) != should).sum(), 0)
    return problems


def positions_problems(run: CountryRun) -> list[str]:
    roster = run.roster
    return [f"row of {int(a)} != {k}" for k, a in enumerate(roster.members[:int(roster.size[0])])
            if row_of(roster, int(a)) != k]


@pytest.fixture(scope="module")
def listed_run():
    """The run, checked after every day: (run, the first day's problems or None, most agents seen in each state)."""
    scenario = load("china-2018", OVERRIDES)
    scenario = scenario.model_copy(update={"end_date": scenario.start_date + dt.timedelta(days=DAYS - 1)})
    run = CountryRun(scenario, AGENTS, 3)
    seen = dict.fromkeys(("court only", "grade only", "both", "red", "joint", "pending"), 0)
    failure = None
    for day in range(run.days):
        run.step(day)
        problems = list_problems(run, joint_on=day >= JOINT_DAY)
        if day % 10 == 0 or day == run.days - 1:
            problems += positions_problems(run)
        if problems and failure is None:
            failure = f"day {day}: {problems}"
        flags = run.agents.flags
        court, grade = flags & F_COURT != 0, flags & F_GRADE != 0
        for name, hit in (("court only", court & ~grade), ("grade only", grade & ~court), ("both", court & grade),
                          ("red", flags & F_RED != 0), ("joint", flags & F_JOINT != 0),
                          ("pending", flags & F_PENDING != 0)):
            seen[name] = max(seen[name], int(hit.sum()))
    return run, failure, seen


def test_flags_roster_and_counters_agree_after_every_day(listed_run):
    run, failure, seen = listed_run
    assert failure is None, failure
    # Every flag and every kind of change was exercised.
    assert min(seen.values()) > 0, seen
    c = run.counters
    assert c[counter_column("delisted_total")] > 100  # people who left the roster
    assert c[counter_column("recovered_total")] > 0  # grade exits (by the calendar or a new record)
    assert c[counter_column("expired_total")] > 0 and c[counter_column("deleted_total")] > 0


def test_the_list_check_sees_each_kind_of_damage(listed_run):
    """Each invariant above can fail: damage to a flag, the roster or a counter is seen (and then undone)."""
    run, _, _ = listed_run
    joint_on = True  # the run is past JOINT_DAY
    flags, roster = run.agents.flags, run.roster
    assert list_problems(run, joint_on) == [] and positions_problems(run) == []
    member = int(roster.members[0])
    unlisted = int(np.flatnonzero(flags & F_LISTED == 0)[0])

    def damaged(array, index, new_value):
        """What the checks find with ``array[index]`` set to ``new_value`` (then put back)."""
        old = array[index]
        array[index] = new_value
        try:
            return list_problems(run, joint_on) + positions_problems(run)
        finally:
            array[index] = old

    for bit in (F_COURT, F_GRADE, F_RED, F_JOINT, F_PENDING):
        assert damaged(flags, unlisted, flags[unlisted] ^ bit), bit
    assert damaged(flags, member, flags[member] & ~np.uint8(F_LISTED)), "a member off every list"
    for name in ("listed", "court_listed", "grade_listed", "redlisted", "joint_punished", "wrongly_listed"):
        column = counter_column(name)
        assert damaged(run.counters, column, run.counters[column] + 1), name
    for name in ("listed", "wrongly_listed", "redlisted"):
        where = (0, group_column(name))
        assert damaged(run.group_counters, where, run.group_counters[where] + 1), name
    assert damaged(roster.members, 0, unlisted)
    assert damaged(roster.size, 0, roster.size[0] - 1)
    assert damaged(roster.index_rows, int(np.flatnonzero(roster.index_agents == member)[0]), 1)
    # one list only, so that whether its listing is wrongful decides whether the person is wrongly listed
    k = next(k for k, agent in enumerate(roster.members[:roster.size[0]])
             if bool(flags[agent] & F_COURT) != bool(flags[agent] & F_GRADE))
    wrong = roster.wrong_court if flags[roster.members[k]] & F_COURT else roster.wrong_grade
    assert damaged(wrong, k, 1 - wrong[k])
    assert list_problems(run, joint_on) == [] and positions_problems(run) == []


def test_roster_type_is_what_the_kernels_take():
    assert Roster._fields == ("members",) + FIELDS + ("felt", "size", "index_agents", "index_rows")


def test_stratum_of_is_searchsorted_s_answer_empty_strata_included():
    rng = np.random.default_rng(3)
    for strata in (1, 2, 5, 18, 45):
        sizes = rng.integers(0, 4, strata)  # some strata empty: their start repeats the next one's
        sizes[rng.integers(0, strata)] += 1  # at least one agent
        stratum_start = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        agents = np.arange(stratum_start[-1])
        found = [stratum_of(stratum_start, int(a)) for a in agents]
        assert found == list(np.searchsorted(stratum_start, agents, side="right") - 1)
        assert all(sizes[s] > 0 for s in found)


def test_an_agent_s_columns_are_one_record_with_the_people_s_fixed_columns():
    """Every per-agent column is a view of one 11-byte record an agent (a candidate's look-up is one cache line),
    the people's age and household moved there unchanged, the informant contacts counted there as from the bits
    alone, and a write through a column lands in its record."""
    sc = load("china-2018")
    made = people_of(sc, 5_000, 3)
    run = CountryRun(sc, 5_000, 3)
    cells = run.agents.flags.base
    assert cells.dtype == state.CELL and cells.dtype.itemsize == 11 and len(cells) == 5_000
    columns = [*run.agents, run.people.age, run.people.household, run.persons.age, run.persons.household,
               run.persons.informers]
    assert all(column.base is cells for column in columns)
    np.testing.assert_array_equal(run.people.age, made.age)
    np.testing.assert_array_equal(run.people.household, made.household)
    net = run.contacts
    counted = np.zeros(5_000, np.uint8)
    count_informants(informant_bits(net.seed, 5_000, net.informant_share), net.seed, made.piece_start, net.degree,
                     net.neighbours, counted)
    np.testing.assert_array_equal(run.persons.informers, counted)
    assert counted.any()
    assert (run.agents.score == sc.rulebook.start_score).all() and not run.agents.fear.any()
    run.agents.fear[17] = 9
    run.agents.score[17] = -3
    assert cells[17]["fear"] == 9 and cells[17]["score"] == -3 and cells[17]["age"] == made.age[17]
