"""The non-court travel lists of May 2018: misconduct on a journey bars tickets for a fixed time.

From 1 May 2018 (NDRC et al., FaGaiCaiJin [2018] Nos. 384 and 385) people given an administrative
penalty for serious misconduct at an airport or on an aircraft are barred from flights for a year,
and those penalised for misconduct at a station or on a train from trains for 180 days. These are
their own lists, not the court's: entering one does not list a person, touch their score or their
debts, and the ban simply runs out. Entries are an exogenous flow (the published first lists), drawn
among people aged 15+ weighted by how much they travel (the ban's income and rural multipliers).
Each member tries to buy tickets at the ban's rate, and a purchase is blocked where the ban is
enforced; blocked purchases count in the ban's totals too, as the published TravelSky and railway
counts include every restriction. Members are few (about a thousand a year nationally), so each
list keeps them in its own small arrays, not in the roster.
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb
import numpy as np

from ..outputs import PEOPLE, PERSON_TIMES, STOCK, TOTAL, Output, declare
from ..population import CHILD, RURAL
from ..scenario.schema import MisconductList, TravelBan
from ..units import DAYS_PER_YEAR
from .base import Mechanism
from .sanctions import OUT as BANS
from .schedules import day_index
from .state import stratum_of, tally

OUT = declare(
    "misconduct",
    Output("flight_misconduct_listed", "On the flight misconduct list", PEOPLE, STOCK,
           "People barred from flights for misconduct at an airport or on an aircraft (May 2018 list) today."),
    Output("train_misconduct_listed", "On the train misconduct list", PEOPLE, STOCK,
           "People barred from trains for misconduct at a station or on a train (May 2018 list) today."),
    Output("misconduct_listed_total", "Misconduct list entries", PEOPLE, TOTAL,
           "Entries onto the May 2018 travel misconduct lists since the start."),
    Output("misconduct_blocks_total", "Tickets refused for misconduct", PERSON_TIMES, TOTAL,
           "Ticket purchases blocked by the misconduct lists (also counted in the flight and train blocks)."),
)

ROOM = 4096
"""Free places kept in a list's arrays before a day: far above a day's entries at full scale (about 3)."""

MisconductDay = namedtuple(
    "MisconductDay",
    "day entries cumulative strata_start income rural attempts enforcement ban_days members until size columns",
)
"""A misconduct list's day: expected entries, the strata's cumulative travel weights (and where each
stratum starts), the ban's purchase rate per day, multipliers and enforcement, the ban's length, the
list's members and the day each one's ban ends (``size[0]`` of them), and the counter columns
(stock, entries, blocks, the ban's attempts, the ban's blocks)."""


class MisconductBan(Mechanism):
    """One misconduct list: entries from the published flow, bans that run out, purchases blocked."""

    ban: str = ""
    carried, resizable = ("members", "until", "size"), ("members", "until")

    def __init__(self, scenario, people):
        super().__init__(scenario, people)
        rules: MisconductList = getattr(scenario.lists.misconduct, self.ban)
        ban: TravelBan = getattr(scenario.sanctions, self.ban)
        self.start = day_index(rules.start, scenario.start_date) if rules.enabled and scenario.system else None
        self.listed_only = self.start is None  # off: nothing to draw, the phase may be skipped
        adults = np.bincount(people.piece_stratum, people.piece_adults, people.strata)
        rural = np.where(people.stratum_region == RURAL, ban.rural_multiplier, 1.0)
        weight = adults * np.array(ban.income_multipliers)[people.stratum_income] * rural
        self.cumulative = np.cumsum(weight) / max(weight.sum(), 1e-300)
        self.entries = rules.entries_per_year * adults.sum() / DAYS_PER_YEAR
        if people.weighted and weight.sum() > 0:  # the same chance per person, whatever an agent stands for
            scale = people.group_scale[people.stratum_group] / people.scale
            self.entries *= float(adults @ scale) / adults.sum() * weight.sum() / float(weight @ scale)
        self.attempts = ban.attempts_per_year / DAYS_PER_YEAR
        self.income, self.rural = np.array(ban.income_multipliers), ban.rural_multiplier
        self.enforcement = self.schedule(ban.enforcement)
        self.ban_days = rules.ban_days
        self.members = np.zeros(ROOM, np.int64)
        self.until = np.zeros(ROOM, np.int64)
        self.size = np.zeros(1, np.int64)

    def today(self, day):
        if self.size[0] + ROOM > len(self.members):
            grown = 2 * len(self.members)
            self.members = np.resize(self.members, grown)
            self.until = np.resize(self.until, grown)
        on = self.start is not None and day >= self.start
        return MisconductDay(day, self.entries if on else 0.0, self.cumulative, self.people.stratum_start,
                             self.income, self.rural, self.attempts, self.enforcement[day], self.ban_days,
                             self.members, self.until, self.size, self.columns)


@nb.njit(cache=True)
def misconduct_day(ctx, rng, today):
    """Bans that end today end; today's entries (a Poisson number, each a person aged 15+ drawn by travel
    weight) join; then every member may try to buy a ticket, blocked where the ban is enforced."""
    members, until = today.members, today.until
    stock, entered, refused, attempts, blocks = today.columns
    n = today.size[0]
    k = 0
    while k < n:  # ends first, so that a day's stock is who is barred today
        if until[k] <= today.day:
            tally(ctx, members[k], stock, -1)
            n -= 1
            members[k], until[k] = members[n], until[n]
        else:
            k += 1
    if today.entries > 0.0:
        for _ in range(rng.poisson(today.entries)):
            s = min(np.searchsorted(today.cumulative, rng.random(), side="right"), len(today.cumulative) - 1)
            lo, hi = today.strata_start[s], today.strata_start[s + 1]
            agent = lo + rng.integers(0, hi - lo)
            tries = 1
            while ctx.persons.age[agent] == CHILD and tries < 64:  # the stratum has adults: redraw a child
                agent = lo + rng.integers(0, hi - lo)
                tries += 1
            if ctx.persons.age[agent] != CHILD and n < len(members):
                members[n], until[n] = agent, today.day + today.ban_days
                n += 1
                tally(ctx, agent, stock, 1)
                tally(ctx, agent, entered, 1)
    today.size[0] = n
    persons = ctx.persons
    for k in range(n):
        s = stratum_of(persons.stratum_start, members[k])
        rate = today.attempts * today.income[persons.stratum_income[s]]
        if persons.stratum_region[s] == RURAL:
            rate *= today.rural
        if rng.random() < rate:
            tally(ctx, members[k], attempts, 1)
            if rng.random() < today.enforcement:
                tally(ctx, members[k], blocks, 1)
                tally(ctx, members[k], refused, 1)


class FlightMisconduct(MisconductBan):
    name, section, ban, step = "flight misconduct", "lists.misconduct.flights", "flights", misconduct_day
    does = "the May 2018 flight misconduct list: entries, one-year bans running out, tickets refused"
    columns = (OUT.flight_misconduct_listed, OUT.misconduct_listed_total, OUT.misconduct_blocks_total,
               BANS.flight_attempts_total, BANS.flight_blocks_total)


class TrainMisconduct(MisconductBan):
    name, section, ban, step = "train misconduct", "lists.misconduct.trains", "trains", misconduct_day
    does = "the May 2018 train misconduct list: entries, 180-day bans running out, tickets refused"
    columns = (OUT.train_misconduct_listed, OUT.misconduct_listed_total, OUT.misconduct_blocks_total,
               BANS.train_attempts_total, BANS.train_blocks_total)
