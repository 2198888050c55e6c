"""Lists: the court blacklist, the grade-based list, the redlist and joint punishment.

Every change of a person's list status goes through ``enter_*``/``leave_*`` here,
which keep the flags, the roster, the counters (total and by group) and the
household's joint-punishment flags consistent.
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb

from .state import (
    C, F_COURT, F_GRADE, F_JOINT, F_LISTED, F_PENDING, F_RED, G, Q_EXPIRY,
    household_members, listing_status, roster_add, roster_remove, schedule, stratum_of,
)

ListContext = namedtuple(
    "ListContext", "agents roster calendar counters group_counters stratum_start stratum_group household joint_on exits"
)
"""What list changes touch, bundled for the kernels (NumPy arrays, the roster and calendar tuples).

``exits[route, days]`` counts people who left every list by ``route`` (a counter
index such as ``C.expired_total``) after ``days`` on a list.
"""


@nb.njit(cache=True)
def group_of(ctx, agent):
    return ctx.stratum_group[stratum_of(ctx.stratum_start, agent)]


@nb.njit(cache=True)
def _settle(ctx, agent, was_listed, was_wrong, day):
    """Update counters and household flags after a change to ``agent``'s listings."""
    listed, wrong = listing_status(ctx.agents.flags, ctx.roster, agent)
    g = group_of(ctx, agent)
    c, gc = ctx.counters, ctx.group_counters
    c[C.listed] += int(listed) - int(was_listed)
    c[C.wrongly_listed] += int(wrong) - int(was_wrong)
    gc[g, G.listed] += int(listed) - int(was_listed)
    gc[g, G.wrongly_listed] += int(wrong) - int(was_wrong)
    if listed and not was_listed:
        c[C.listed_total] += 1
        if wrong:
            c[C.wrongly_listed_total] += 1
    if was_listed != listed:
        if not listed:
            c[C.delisted_total] += 1
        refresh_household(ctx, agent)


@nb.njit(cache=True)
def refresh_household(ctx, agent):
    """Joint punishment: flag everyone whose household has another listed member."""
    flags = ctx.agents.flags
    first, n = household_members(ctx.household, agent)
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
            ctx.counters[C.joint_punished] += 1
        elif has and not should:
            flags[m] &= ~F_JOINT
            ctx.counters[C.joint_punished] -= 1


@nb.njit(cache=True)
def refresh_all_households(ctx):
    """Apply joint punishment to every listed household (when it switches on)."""
    for k in range(ctx.roster.size[0]):
        refresh_household(ctx, ctx.roster.members[k])


@nb.njit(cache=True)
def _record_exit(ctx, route, days):
    """Count one person leaving every list by ``route`` after ``days`` listed."""
    ctx.counters[C.days_listed_at_exit_total] += days
    ctx.exits[route, min(days, ctx.exits.shape[1] - 1)] += 1


@nb.njit(cache=True)
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
    ctx.counters[C.court_listed] += 1
    ctx.counters[C.court_listed_total] += 1
    schedule(ctx.calendar, expiry_day, agent, day, Q_EXPIRY)
    _settle(ctx, agent, was_listed, was_wrong, day)
    return True


@nb.njit(cache=True)
def leave_court(ctx, agent, day, route):
    """Take ``agent`` off the court blacklist; ``route`` is the counter of the exit route."""
    flags = ctx.agents.flags
    if flags[agent] & F_COURT == 0:
        return
    was_listed, was_wrong = listing_status(flags, ctx.roster, agent)
    k = ctx.roster.position[agent]
    flags[agent] &= ~(F_COURT | F_PENDING)
    ctx.counters[C.court_listed] -= 1
    ctx.counters[route] += 1
    if flags[agent] & F_LISTED == 0:
        _record_exit(ctx, route, day - ctx.roster.court_entry[k])
        roster_remove(ctx.roster, agent)
    _settle(ctx, agent, was_listed, was_wrong, day)


@nb.njit(cache=True)
def enter_grade(ctx, agent, day, wrongful):
    flags = ctx.agents.flags
    if flags[agent] & F_GRADE:
        k = ctx.roster.position[agent]
        if not wrongful and ctx.roster.wrong_grade[k]:
            was_listed, was_wrong = listing_status(flags, ctx.roster, agent)
            ctx.roster.wrong_grade[k] = 0
            _settle(ctx, agent, was_listed, was_wrong, day)
        return
    was_listed, was_wrong = listing_status(flags, ctx.roster, agent)
    k = roster_add(ctx.roster, agent)
    ctx.roster.grade_entry[k] = day
    ctx.roster.wrong_grade[k] = wrongful
    flags[agent] |= F_GRADE
    ctx.counters[C.grade_listed] += 1
    ctx.counters[C.grade_listed_total] += 1
    _settle(ctx, agent, was_listed, was_wrong, day)


@nb.njit(cache=True)
def leave_grade(ctx, agent, day):
    flags = ctx.agents.flags
    if flags[agent] & F_GRADE == 0:
        return
    was_listed, was_wrong = listing_status(flags, ctx.roster, agent)
    k = ctx.roster.position[agent]
    flags[agent] &= ~F_GRADE
    ctx.counters[C.grade_listed] -= 1
    ctx.counters[C.recovered_total] += 1
    if flags[agent] & F_LISTED == 0:
        _record_exit(ctx, C.recovered_total, day - ctx.roster.grade_entry[k])
        roster_remove(ctx.roster, agent)
    _settle(ctx, agent, was_listed, was_wrong, day)


@nb.njit(cache=True)
def set_redlisted(ctx, agent, on):
    flags = ctx.agents.flags
    has = flags[agent] & F_RED != 0
    if on == has:
        return
    g = group_of(ctx, agent)
    if on:
        flags[agent] |= F_RED
        ctx.counters[C.redlisted] += 1
        ctx.group_counters[g, G.redlisted] += 1
    else:
        flags[agent] &= ~F_RED
        ctx.counters[C.redlisted] -= 1
        ctx.group_counters[g, G.redlisted] -= 1
