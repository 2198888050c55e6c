"""Lists: the court blacklist, the grade-based list, the redlist and joint punishment.

Every change of a person's list status goes through ``enter_*``/``leave_*`` here,
which keep the flags, the roster, the counters (total and by group) and the
household's joint-punishment flags consistent.
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb

from ..outputs import DAYS, EVENTS, PEOPLE, STOCK, TOTAL, Output, declare
from .state import (
    F_COURT, F_GRADE, F_JOINT, F_LISTED, F_PENDING, F_RED, Q_EXPIRY,
    household_members, listing_status, roster_add, roster_remove, row_of, schedule, stratum_of, tally,
)

OUT = declare(
    "lists",
    Output("listed", "People listed", PEOPLE, STOCK, "People on the court blacklist or the grade list today.",
           by_group=True, by_country=True),
    Output("court_listed", "On the court blacklist", PEOPLE, STOCK, "People on the court blacklist today."),
    Output("grade_listed", "On the grade list", PEOPLE, STOCK, "People on the grade-based list today."),
    Output("wrongly_listed", "Wrongly listed", PEOPLE, STOCK,
           "Listed people none of whose listings has a true offence behind it.", by_group=True, by_country=True),
    Output("redlisted", "Redlisted", PEOPLE, STOCK, "People on the redlist (top grade) today.",
           by_group=True, by_country=True),
    Output("joint_punished", "Under joint punishment", PEOPLE, STOCK,
           "People with another listed member in their household, while joint punishment is on."),
    Output("listed_total", "Ever listed (entries)", PEOPLE, TOTAL, "Entries onto any list since the start."),
    Output("court_listed_total", "Court blacklist entries", PEOPLE, TOTAL,
           "People put on the court blacklist since the start (a person already on it is not put on again)."),
    Output("court_cases_total", "Court blacklist cases", EVENTS, TOTAL,
           "Failed court orders put on the court blacklist since the start, one entry each (as the published "
           "counts are): a person already listed for another case adds a case, not a person.",
           target="list_entries_cum"),
    Output("grade_listed_total", "Grade list entries", PEOPLE, TOTAL, "Entries onto the grade list since the start."),
    Output("wrongly_listed_total", "Wrongful entries", PEOPLE, TOTAL,
           "Entries onto the lists with no true offence behind them, since the start."),
    Output("delisted_total", "Exits from every list", PEOPLE, TOTAL,
           "People who left the last list they were on, since the start (all routes)."),
    Output("expired_total", "Inclusion period ended", PEOPLE, TOTAL,
           "Court listings ended because their inclusion period ran out.", route="expired"),
    Output("deleted_total", "Order fulfilled, record deleted", PEOPLE, TOTAL,
           "Court listings deleted after the person fulfilled the court order.", route="deleted"),
    Output("recovered_total", "Score recovered", PEOPLE, TOTAL,
           "Grade listings ended because the score recovered above the threshold.", route="recovered"),
    Output("days_listed_at_exit_total", "Days listed, summed at exit", DAYS, TOTAL,
           "Days on the lists of everyone who left them, summed (in agents; for the mean time listed).",
           internal=True),
)

Context = namedtuple("Context", "agents roster calendar counters group_counters persons joint_on exits rules")
"""What the serial kernels read and change, bundled: the agents' columns, the roster and calendar,
the counters (total and by group), the people (``state.Persons``), whether joint punishment is on,
the exits by route and time listed, and today's scoring rules (``scoring.ScoringDay``).

``exits[group, route, days]`` counts the agents of ``group`` who left every list by ``route`` (the counter
column of an exit route, such as ``OUT.expired_total``) after ``days`` on a list.
"""


@nb.njit(cache=True)
def tries(ctx, rng, rate):
    """How many tries of something the listed do today, at ``rate`` per listed person-day (Poisson; no
    draw when nobody is listed)."""
    size = ctx.roster.size[0]
    return rng.poisson(size * rate) if size else 0


@nb.njit(cache=True)
def candidates(ctx, rng, rate):
    """How many listed people try something today at ``rate`` per listed person-day, at most one try each."""
    return min(ctx.roster.size[0], tries(ctx, rng, rate))


@nb.njit(cache=True, inline="always")
def group_of(ctx, agent):
    return ctx.persons.stratum_group[stratum_of(ctx.persons.stratum_start, agent)]


@nb.njit(cache=True, inline="always")
def _count_change(ctx, agent, was_listed, was_wrong):
    """Update counters and household flags after a change to ``agent``'s listings."""
    listed, wrong = listing_status(ctx.agents.flags, ctx.roster, agent)
    tally(ctx, agent, OUT.listed, int(listed) - int(was_listed))
    tally(ctx, agent, OUT.wrongly_listed, int(wrong) - int(was_wrong))
    if listed and not was_listed:
        tally(ctx, agent, OUT.listed_total, 1)
        if wrong:
            tally(ctx, agent, OUT.wrongly_listed_total, 1)
    if was_listed != listed:
        if not listed:
            tally(ctx, agent, OUT.delisted_total, 1)
        refresh_household(ctx, agent)


@nb.njit(cache=True, inline="always")
def refresh_household(ctx, agent):
    """Joint punishment: flag everyone whose household has another listed member."""
    flags = ctx.agents.flags
    first, n = household_members(ctx.persons.household, agent)
    listed = 0
    for m in range(first, first + n):
        if flags[m] & F_LISTED:
            listed += 1
    for m in range(first, first + n):
        others = listed - (1 if flags[m] & F_LISTED else 0)
        should = ctx.joint_on[0] and others > 0
        has = flags[m] & F_JOINT != 0
        if should and not has:
            flags[m] |= F_JOINT
            tally(ctx, m, OUT.joint_punished, 1)
        elif has and not should:
            flags[m] &= ~F_JOINT
            tally(ctx, m, OUT.joint_punished, -1)


@nb.njit(cache=True)
def refresh_all_households(ctx):
    """Apply joint punishment to every listed household (when it switches on)."""
    for k in range(ctx.roster.size[0]):
        refresh_household(ctx, ctx.roster.members[k])


@nb.njit(cache=True, inline="always")
def _record_exit(ctx, agent, route, days):
    """Count ``agent`` leaving every list by ``route`` after ``days`` listed."""
    tally(ctx, agent, OUT.days_listed_at_exit_total, days)
    ctx.exits[group_of(ctx, agent), route, min(days, ctx.exits.shape[2] - 1)] += 1


@nb.njit(cache=True, inline="always")
def enter_court(ctx, agent, day, wrongful, small_debt, expiry_day):
    """Put ``agent`` on the court blacklist (no-op if already there)."""
    flags = ctx.agents.flags
    if flags[agent] & F_COURT:
        return False
    was_listed, was_wrong = listing_status(flags, ctx.roster, agent)
    k = roster_add(ctx.roster, agent)
    ctx.roster.court_entry[k] = day
    ctx.roster.wrong_court[k] = wrongful
    ctx.roster.small_debt[k] = small_debt
    flags[agent] |= F_COURT
    tally(ctx, agent, OUT.court_listed, 1)
    tally(ctx, agent, OUT.court_listed_total, 1)
    schedule(ctx.calendar, expiry_day, agent, day, Q_EXPIRY)
    _count_change(ctx, agent, was_listed, was_wrong)
    return True


@nb.njit(cache=True, inline="always")
def leave_court(ctx, agent, day, route):
    """Take ``agent`` off the court blacklist; ``route`` is the counter of the exit route."""
    flags = ctx.agents.flags
    if flags[agent] & F_COURT == 0:
        return
    was_listed, was_wrong = listing_status(flags, ctx.roster, agent)
    k = row_of(ctx.roster, agent)
    flags[agent] &= ~(F_COURT | F_PENDING)
    tally(ctx, agent, OUT.court_listed, -1)
    tally(ctx, agent, route, 1)
    if flags[agent] & F_LISTED == 0:
        _record_exit(ctx, agent, route, day - ctx.roster.court_entry[k])
        roster_remove(ctx.roster, agent)
    _count_change(ctx, agent, was_listed, was_wrong)


@nb.njit(cache=True, inline="always")
def enter_grade(ctx, agent, day, wrongful):
    flags = ctx.agents.flags
    if flags[agent] & F_GRADE:
        k = row_of(ctx.roster, agent)
        if not wrongful and ctx.roster.wrong_grade[k]:
            was_listed, was_wrong = listing_status(flags, ctx.roster, agent)
            ctx.roster.wrong_grade[k] = 0
            _count_change(ctx, agent, was_listed, was_wrong)
        return
    was_listed, was_wrong = listing_status(flags, ctx.roster, agent)
    k = roster_add(ctx.roster, agent)
    ctx.roster.grade_entry[k] = day
    ctx.roster.wrong_grade[k] = wrongful
    flags[agent] |= F_GRADE
    tally(ctx, agent, OUT.grade_listed, 1)
    tally(ctx, agent, OUT.grade_listed_total, 1)
    _count_change(ctx, agent, was_listed, was_wrong)


@nb.njit(cache=True, inline="always")
def leave_grade(ctx, agent, day):
    flags = ctx.agents.flags
    if flags[agent] & F_GRADE == 0:
        return
    was_listed, was_wrong = listing_status(flags, ctx.roster, agent)
    k = row_of(ctx.roster, agent)
    flags[agent] &= ~F_GRADE
    tally(ctx, agent, OUT.grade_listed, -1)
    tally(ctx, agent, OUT.recovered_total, 1)
    if flags[agent] & F_LISTED == 0:
        _record_exit(ctx, agent, OUT.recovered_total, day - ctx.roster.grade_entry[k])
        roster_remove(ctx.roster, agent)
    _count_change(ctx, agent, was_listed, was_wrong)


@nb.njit(cache=True, inline="always")
def set_redlisted(ctx, agent, on):
    flags = ctx.agents.flags
    has = flags[agent] & F_RED != 0
    if on == has:
        return
    if on:
        flags[agent] |= F_RED
        tally(ctx, agent, OUT.redlisted, 1)
    else:
        flags[agent] &= ~F_RED
        tally(ctx, agent, OUT.redlisted, -1)
