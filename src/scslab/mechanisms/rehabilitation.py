"""Rehabilitation: fulfilling the obligation, community service, correction, expiry, recovery.

Hazard routes (fulfilment, community service, correction of wrongful listings)
are drawn among the listed by thinning against the route's highest hazard;
each has its own rate and the earliest day after listing it can be taken.
Fulfilment leads to deletion a few days later; expiry and score recovery come
off the calendar.
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb

from .lists import leave_court
from .scoring import recheck, touch, update_grade_lists
from .state import C, F_COURT, F_GRADE, F_PENDING, Q_DELETION, Q_EXPIRY, schedule

RehabDay = namedtuple(
    "RehabDay",
    "day fulfilment_rate fulfilment_delay shaming_boost deletion_delay "
    "service_rate service_delay service_points correction_rate correction_delay",
)


@nb.njit(cache=True)
def due_events(ctx, sp):
    """Process today's calendar: expiries, deletions after fulfilment, score recoveries."""
    cal = ctx.calendar
    slot = cal.head[sp.day]
    while slot != -1:
        agent = cal.agent[slot]
        kind = cal.kind[slot]
        flags = ctx.agents.flags[agent]
        if kind == Q_EXPIRY:
            if flags & F_COURT and flags & F_PENDING == 0:
                if ctx.roster.court_entry[ctx.roster.position[agent]] == cal.key[slot]:
                    leave_court(ctx, agent, sp.day, C.expired_total)
        elif kind == Q_DELETION:
            if flags & F_PENDING:
                leave_court(ctx, agent, sp.day, C.deleted_total)
        else:
            recheck(ctx, agent, sp, kind)
        slot = cal.next[slot]


@nb.njit(cache=True)
def _fulfil(ctx, agent, rd):
    ctx.counters[C.fulfilled_total] += 1
    if rd.deletion_delay == 0:
        leave_court(ctx, agent, rd.day, C.deleted_total)
    else:
        ctx.agents.flags[agent] |= F_PENDING
        schedule(ctx.calendar, rd.day + rd.deletion_delay, agent, 0, Q_DELETION)


@nb.njit(cache=True)
def routes(ctx, rng, rd, sp):
    """Fulfilment, community service and correction among the listed, by thinning."""
    roster = ctx.roster
    flags = ctx.agents.flags
    listed = roster.size[0]
    # At most one attempt per listed person and route a day (keeps the calendar's room bounded).
    n_fulfil = min(listed, rng.poisson(listed * rd.fulfilment_rate * max(rd.shaming_boost, 1.0)))
    n_service = min(listed, rng.poisson(listed * rd.service_rate))
    n_correct = min(listed, rng.poisson(listed * rd.correction_rate))
    for _ in range(n_fulfil):
        if roster.size[0] == 0:
            break
        k = rng.integers(0, roster.size[0])
        u = rng.random()
        agent = roster.members[k]
        boost = rd.shaming_boost if roster.small_debt[k] and roster.shamed[k] else 1.0
        if (flags[agent] & F_COURT and flags[agent] & F_PENDING == 0
                and rd.day - roster.court_entry[k] >= rd.fulfilment_delay
                and u * max(rd.shaming_boost, 1.0) < boost):
            _fulfil(ctx, agent, rd)
    for _ in range(n_service):
        if roster.size[0] == 0:
            break
        k = rng.integers(0, roster.size[0])
        agent = roster.members[k]
        if flags[agent] & F_COURT and flags[agent] & F_PENDING == 0:
            if rd.day - roster.court_entry[k] >= rd.service_delay:
                leave_court(ctx, agent, rd.day, C.community_service_total)
        elif flags[agent] & F_GRADE and rd.day - roster.grade_entry[k] >= rd.service_delay:
            touch(ctx.agents, agent, sp.day, sp.start_score, sp.recovery, sp.fear_decay)
            ctx.agents.score[agent] = min(32000, int(ctx.agents.score[agent]) + rd.service_points)
            ctx.counters[C.community_service_total] += 1
            update_grade_lists(ctx, agent, sp)
    for _ in range(n_correct):
        if roster.size[0] == 0:
            break
        k = rng.integers(0, roster.size[0])
        agent = roster.members[k]
        if flags[agent] & F_COURT and roster.wrong_court[k] and rd.day - roster.court_entry[k] >= rd.correction_delay:
            leave_court(ctx, agent, rd.day, C.corrected_total)
        elif (flags[agent] & F_GRADE and roster.wrong_grade[k]
                and rd.day - roster.grade_entry[k] >= rd.correction_delay):
            touch(ctx.agents, agent, sp.day, sp.start_score, sp.recovery, sp.fear_decay)
            ctx.agents.score[agent] = min(32000, int(ctx.agents.score[agent]) + int(ctx.agents.false_points[agent]))
            ctx.agents.false_points[agent] = 0
            ctx.counters[C.corrected_total] += 1
            update_grade_lists(ctx, agent, sp)
