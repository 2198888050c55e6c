"""Rehabilitation: the calendar (expiry, deletion, recovery), community service, correction.

Community service and the correction of wrongful listings are hazard routes drawn
among the listed, each from its own stream, with its own rate and the earliest day
after listing it can be taken. Expiry, deletion after fulfilment (``compliance``)
and score recovery come off the calendar.
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb

from ..outputs import PEOPLE, TOTAL, Output, declare
from ..units import DAYS_PER_YEAR, SCORE_LIMIT
from .base import Mechanism
from .lists import OUT as LISTS
from .lists import candidates, leave_court
from .scoring import recheck, touch, update_grade_lists
from .state import F_COURT, F_GRADE, F_PENDING, Q_DELETION, Q_EXPIRY, release_day, row_of, tally

OUT = declare(
    "rehabilitation",
    Output("community_service_total", "Community service", PEOPLE, TOTAL,
           "Listings ended, or grade points earned, by community service.", route="community_service"),
    Output("corrected_total", "Wrongful listing corrected", PEOPLE, TOTAL,
           "Wrongful listings taken off after an objection.", route="corrected"),
)

CalendarDay = namedtuple("CalendarDay", "day")


@nb.njit(cache=True)
def due_events(ctx, rng, today):
    """Today's calendar: expiries, deletions after fulfilment, score recoveries (draws nothing)."""
    cal = ctx.calendar
    slot = cal.head[today.day]
    while slot != -1:
        agent = cal.agent[slot]
        kind = cal.kind[slot]
        flags = ctx.agents.flags[agent]
        if kind == Q_EXPIRY:
            if flags & F_COURT and flags & F_PENDING == 0:
                if ctx.roster.court_entry[row_of(ctx.roster, agent)] == cal.key[slot]:
                    leave_court(ctx, agent, today.day, LISTS.expired_total)
        elif kind == Q_DELETION:
            if flags & F_PENDING:
                leave_court(ctx, agent, today.day, LISTS.deleted_total)
        else:
            recheck(ctx, agent, kind)
        slot = cal.next[slot]
    release_day(cal, today.day)


class DueEvents(Mechanism):
    listed_only = True
    name, section, step = "calendar", "lists.court", due_events
    writes = ("flags: F_COURT F_GRADE F_RED F_JOINT", "score", "false_points", "touched", "fear", "roster")
    does = "the calendar: inclusion periods ending, deletions after fulfilment, scores recovering"

    def today(self, day):
        return CalendarDay(day)


Route = namedtuple("Route", "day rate delay points")
"""A route's day: hazard per listed person-day, days after listing before it can be taken, the points
earned by community service on the grade list."""


class HazardRoute(Mechanism):
    """A way off the lists taken at a hazard rate (a dated schedule) among the listed."""

    route: str = ""
    listed_only = True
    writes = ("flags: F_COURT F_GRADE F_RED F_JOINT", "score", "false_points", "touched", "fear", "roster")

    def __init__(self, scenario, people):
        super().__init__(scenario, people)
        r = getattr(scenario.rehabilitation, self.route)
        self.rate = self.schedule(r.rate_per_year) / DAYS_PER_YEAR
        self.delay = r.delay_days
        self.points = scenario.rehabilitation.community_service_points

    def today(self, day):
        return Route(day, self.rate[day], self.delay, self.points)


@nb.njit(cache=True)
def serve(ctx, rng, today):
    """Community service: off the court blacklist, or points towards leaving the grade list."""
    roster, flags, agents = ctx.roster, ctx.agents.flags, ctx.agents
    for _ in range(candidates(ctx, rng, today.rate)):
        if roster.size[0] == 0:
            break
        k = rng.integers(0, roster.size[0])
        agent = roster.members[k]
        if flags[agent] & F_COURT and flags[agent] & F_PENDING == 0:
            if today.day - roster.court_entry[k] >= today.delay:
                leave_court(ctx, agent, today.day, OUT.community_service_total)
        elif flags[agent] & F_GRADE and today.day - roster.grade_entry[k] >= today.delay:
            touch(agents, agent, ctx.rules)
            agents.score[agent] = min(SCORE_LIMIT, int(agents.score[agent]) + today.points)
            tally(ctx, agent, OUT.community_service_total, 1)
            update_grade_lists(ctx, agent)


@nb.njit(cache=True)
def correct(ctx, rng, today):
    """Wrongful listings corrected after an objection: off the list, false points cancelled."""
    roster, flags, agents = ctx.roster, ctx.agents.flags, ctx.agents
    for _ in range(candidates(ctx, rng, today.rate)):
        if roster.size[0] == 0:
            break
        k = rng.integers(0, roster.size[0])
        agent = roster.members[k]
        if flags[agent] & F_COURT and roster.wrong_court[k] and today.day - roster.court_entry[k] >= today.delay:
            leave_court(ctx, agent, today.day, OUT.corrected_total)
        elif (flags[agent] & F_GRADE and roster.wrong_grade[k]
                and today.day - roster.grade_entry[k] >= today.delay):
            touch(agents, agent, ctx.rules)
            agents.score[agent] = min(SCORE_LIMIT, int(agents.score[agent]) + int(agents.false_points[agent]))
            agents.false_points[agent] = 0
            tally(ctx, agent, OUT.corrected_total, 1)
            update_grade_lists(ctx, agent)


class CommunityService(HazardRoute):
    name, section, route, step = "community_service", "rehabilitation.community_service", "community_service", serve
    does = "community service: off the court blacklist, or points on the grade list"


class Correction(HazardRoute):
    name, section, route, step = "correction", "rehabilitation.correction", "correction", correct
    does = "wrongful listings corrected after an objection"
