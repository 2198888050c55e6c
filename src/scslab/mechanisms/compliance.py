"""Compliance: listed debtors paying the court's order, in response to what the system does to them.

A listed person's hazard of fulfilling the order is a baseline by income band times a
hazard ratio for each sanction they have felt (a blocked purchase, a billboard
display of a small debtor, a loan at the listed premium or a mortgage refused, a job
refused, a child refused a school, a firm's registration or licence refused, a subsidy or honour
refused), each fading with its own half-life from the
day it was last felt (``Roster.felt``), times a hazard ratio while their household is
under joint punishment:

    h = rate * income[band] * exp(sum_s log(HR_s) * 2 ** (-(day - felt_s) / half_life_s)) * HR_joint

A share of debtors, by income band, cannot pay at all (drawn at listing, ``assess``):
their hazard is zero; they leave by expiry, correction or community service.
Candidates are drawn among the listed at the highest possible hazard and thinned to
each person's own (one stream, its own).
"""

from __future__ import annotations

import math
from collections import namedtuple

import numba as nb
import numpy as np

from ..outputs import PEOPLE, TOTAL, Output, declare
from ..units import DAYS_PER_YEAR
from .base import Mechanism
from .lists import OUT as LISTS
from .lists import candidates, leave_court
from .state import (
    tally,
    F_COURT,
    F_PENDING,
    FELT_BUSINESS,
    FELT_CREDIT,
    FELT_JOB,
    FELT_KINDS,
    FELT_PREFERENTIAL,
    FELT_PURCHASE,
    FELT_SCHOOL,
    FELT_SHAMED,
    NEVER,
    Q_DELETION,
    household_members,
    schedule,
    row_of,
    stratum_of,
)

OUT = declare(
    "compliance",
    Output("fulfilled_total", "Court orders fulfilled", PEOPLE, TOTAL,
           "Listed people who fulfilled the court's order (paid), since the start.", target="fulfilled_cum"),
    Output("unable_listed_total", "Listed unable to pay", PEOPLE, TOTAL,
           "Court listings of people who cannot pay at all (they never fulfil), since the start."),
    Output("paid_in_grace_total", "Paid in the grace period", PEOPLE, TOTAL,
           "Debtors about to be listed who paid within a grace period and were not listed, since the start "
           "(lists.court.grace_days)."),
    Output("unable_spared_total", "Unable to pay, not listed", PEOPLE, TOTAL,
           "Debtors about to be listed who cannot pay at all and were classed 'unable', not 'dishonest', so not "
           "listed, since the start (lists.court.unable_spared)."),
)

PRESSURES = {FELT_PURCHASE: "blocked_purchase", FELT_SHAMED: "shaming", FELT_CREDIT: "credit_refused",
             FELT_JOB: "job_refused", FELT_SCHOOL: "school_refused", FELT_BUSINESS: "business_refused",
             FELT_PREFERENTIAL: "preferential_refused"}
"""The ``rehabilitation.fulfilment`` field of each sanction a listed person can feel (``state.FELT_*``)."""

Compliance = namedtuple("Compliance", "day rate top income log_ratio fade log_joint delay deletion_delay")
"""A day of fulfilment: the baseline hazard per listed person-day and the thinning bound (the highest
multiplier anyone can have), multipliers by income band, log hazard ratios of the felt sanctions and
their fading per day (ln 2 / half-life), the log hazard ratio of joint punishment, the days after
listing before paying counts, and the days from paying to deletion."""


@nb.njit(cache=True)
def assess(ctx, agent, unable):
    """Mark a newly listed ``agent`` as unable to pay (or not), drawn by the caller at listing."""
    ctx.roster.unable[row_of(ctx.roster, agent)] = unable
    if unable:
        tally(ctx, agent, OUT.unable_listed_total, 1)


@nb.njit(cache=True)
def listing_stands(ctx, rng, agent, unable, band):
    """Whether a court listing of ``agent`` goes ahead, under today's rules (``ScoringDay``): a debtor
    unable to pay may be spared (``unable_spared``); one able to pay, given a grace period
    (``grace_share``), pays within it with no sanction felt yet, at the baseline hazard of their income
    ``band`` (``grace_paid``). Draws only while a rule is in force."""
    sp = ctx.rules
    if unable:
        if sp.unable_spared > 0.0 and rng.random() < sp.unable_spared:
            tally(ctx, agent, OUT.unable_spared_total, 1)
            return False
        return True
    if sp.grace_paid[band] > 0.0 and rng.random() < sp.grace_share and rng.random() < sp.grace_paid[band]:
        tally(ctx, agent, OUT.paid_in_grace_total, 1)
        return False
    return True


def grace_paid(scenario, grace_days: float) -> np.ndarray:
    """The chance that a debtor able to pay pays within ``grace_days``, by income band: the fulfilment
    hazard with no sanction felt, ``1 - exp(-rate * income * days)``."""
    f = scenario.rehabilitation.fulfilment
    rate = f.rate_per_year / DAYS_PER_YEAR * np.array(f.income_multipliers, np.float64)
    return -np.expm1(-rate * grace_days)


@nb.njit(cache=True)
def multiplier(ctx, k, agent, today):
    """Roster member ``k``'s hazard multiplier today (0 if they cannot pay)."""
    roster = ctx.roster
    if roster.unable[k]:
        return 0.0
    persons = ctx.persons
    x = 0.0
    for s in range(FELT_KINDS):
        felt = roster.felt[k, s]
        if felt == NEVER or (s == FELT_SHAMED and roster.small_debt[k] == 0):
            continue
        x += today.log_ratio[s] * math.exp(-(today.day - felt) * today.fade[s])
    if ctx.joint_on[0] and household_members(persons.household, agent)[1] > 1:
        x += today.log_joint
    return today.income[persons.stratum_income[stratum_of(persons.stratum_start, agent)]] * math.exp(x)


@nb.njit(cache=True)
def fulfil(ctx, rng, today):
    """Listed people fulfilling the court's order, each at their own hazard; deleted after a delay."""
    roster, flags = ctx.roster, ctx.agents.flags
    for _ in range(candidates(ctx, rng, today.rate * today.top)):
        if roster.size[0] == 0:
            break
        k = rng.integers(0, roster.size[0])
        u = rng.random()
        agent = roster.members[k]
        if (flags[agent] & F_COURT and flags[agent] & F_PENDING == 0
                and today.day - roster.court_entry[k] >= today.delay
                and u * today.top < multiplier(ctx, k, agent, today)):
            tally(ctx, agent, OUT.fulfilled_total, 1)
            if today.deletion_delay == 0:
                leave_court(ctx, agent, today.day, LISTS.deleted_total)
            else:
                flags[agent] |= F_PENDING
                schedule(ctx.calendar, today.day + today.deletion_delay, agent, 0, Q_DELETION)


class Fulfilment(Mechanism):
    listed_only = True
    name, section, step = "fulfilment", "rehabilitation.fulfilment", fulfil
    writes = ("flags: F_COURT F_GRADE F_RED F_JOINT F_PENDING", "score", "false_points", "touched", "fear", "roster")
    does = "listed people paying the court's order at a hazard raised by the sanctions they feel"

    def __init__(self, scenario, people):
        super().__init__(scenario, people)
        f = scenario.rehabilitation.fulfilment
        self.income = np.array(f.income_multipliers, np.float64)
        self.log_ratio = np.zeros(FELT_KINDS)
        self.fade = np.zeros(FELT_KINDS)
        for s, field in PRESSURES.items():
            pressure = getattr(f, field)
            self.log_ratio[s] = math.log(pressure.hazard_ratio) if pressure.hazard_ratio > 0 else -50.0
            self.fade[s] = math.log(2.0) / pressure.half_life_days
        self.log_joint = math.log(f.joint_punishment) if f.joint_punishment > 0 else -50.0
        self.top = self.income.max() * math.exp(np.maximum(self.log_ratio, 0.0).sum() + max(self.log_joint, 0.0))
        self.rate = f.rate_per_year / DAYS_PER_YEAR
        self.delay = f.delay_days
        self.deletion_delay = scenario.lists.court.deletion_delay_days

    def today(self, day):
        return Compliance(day, self.rate, self.top, self.income, self.log_ratio, self.fade, self.log_joint,
                          self.delay, self.deletion_delay)
