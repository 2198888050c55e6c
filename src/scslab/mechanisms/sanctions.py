"""Sanctions and perks, applied at the moment they bite.

Travel bans act when a listed person tries to buy a ticket, so what is counted
is blocked purchases (person-times), separately from the people blocked.
Attempts are drawn among the listed only (thinning against the highest travel
rate), public shaming when a listed urban person passes a billboard camera,
school refusals when a child of a listed household applies, loan pricing and
mortgage denial when anyone applies.
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb

from ..population import ADULT, CHILD
from .scoring import score_now
from .state import C, F_BLOCKED, F_COURT, F_GRADE, F_JOINT, F_LISTED, F_RED, household_members, stratum_of
from ..streams import CREDIT, below, stream

SanctionDay = namedtuple(
    "SanctionDay",
    "day flight_max flight_income flight_rural flight_norm flight_enforcement train_max train_income train_rural "
    "train_norm train_enforcement grade_banned shaming_mean job_mean job_refusal school_mean school_refusal "
    "start_score recovery mortgage_minimum deny_listed urban_coverage",
)


@nb.njit(cache=True)
def _banned(flags, agent, grade_banned):
    f = flags[agent]
    return f & F_COURT != 0 or (grade_banned and f & F_GRADE != 0)


@nb.njit(cache=True)
def _travel(ctx, rng, stratum_region, stratum_income, n, norm, income_mult, rural_mult, enforcement, grade_banned,
            attempts_counter, blocks_counter):
    flags = ctx.agents.flags
    roster = ctx.roster
    size = roster.size[0]
    if size == 0:
        return
    for _ in range(n):
        agent = roster.members[rng.integers(0, size)]
        u = rng.random()
        u_enforce = rng.random()
        s = stratum_of(ctx.stratum_start, agent)
        rate = income_mult[stratum_income[s]] * (rural_mult if stratum_region[s] == 1 else 1.0)
        if u * norm >= rate or not _banned(flags, agent, grade_banned):
            continue
        ctx.counters[attempts_counter] += 1
        if u_enforce < enforcement:
            ctx.counters[blocks_counter] += 1
            if flags[agent] & F_BLOCKED == 0:
                flags[agent] |= F_BLOCKED
                ctx.counters[C.people_blocked] += 1


@nb.njit(cache=True)
def travel(ctx, rng, stratum_region, stratum_income, sd):
    """Ticket purchases by listed people; blocked where the ban is enforced."""
    listed = ctx.roster.size[0]
    flight_candidates = rng.poisson(listed * sd.flight_max)
    train_candidates = rng.poisson(listed * sd.train_max)
    _travel(ctx, rng, stratum_region, stratum_income, flight_candidates, sd.flight_norm, sd.flight_income, sd.flight_rural,
            sd.flight_enforcement, sd.grade_banned, C.flight_attempts_total, C.flight_blocks_total)
    _travel(ctx, rng, stratum_region, stratum_income, train_candidates, sd.train_norm, sd.train_income, sd.train_rural,
            sd.train_enforcement, sd.grade_banned, C.train_attempts_total, C.train_blocks_total)


@nb.njit(cache=True)
def shaming_and_restrictions(ctx, rng, stratum_region, age, sd):
    """Billboard displays of listed urban people, job refusals, and school refusals of their children."""
    roster = ctx.roster
    flags = ctx.agents.flags
    size = roster.size[0]
    if size == 0:
        return
    n_shaming = rng.poisson(size * sd.shaming_mean)
    n_jobs = rng.poisson(size * sd.job_mean)
    n_schools = rng.poisson(size * sd.school_mean)
    for _ in range(n_shaming):
        k = rng.integers(0, size)
        u = rng.random()
        if stratum_region[stratum_of(ctx.stratum_start, roster.members[k])] == 0 and u < sd.urban_coverage:
            ctx.counters[C.shaming_displays_total] += 1
            roster.shamed[k] = 1
    for _ in range(n_jobs):
        agent = roster.members[rng.integers(0, size)]
        u = rng.random()
        if age[agent] == ADULT and u < sd.job_refusal:
            ctx.counters[C.job_refusals_total] += 1
    for _ in range(n_schools):
        agent = roster.members[rng.integers(0, size)]
        first, members = household_members(ctx.household, agent)
        member = first + rng.integers(0, members)
        u = rng.random()
        if age[member] == CHILD and flags[member] & F_JOINT and u < sd.school_refusal:
            ctx.counters[C.school_refusals_total] += 1


@nb.njit(cache=True)
def piece_credit(seed, day, p, lo, hi, loans, mortgages, age, agents, pc, sd):
    """Loan pricing (premium if listed, discount if redlisted) and mortgage denial by grade or list,
    for ``loans`` and ``mortgages`` applications (15+ only) in one piece."""
    rng = stream(seed, CREDIT, day, p)
    flags = agents.flags
    for _ in range(loans):
        agent = lo + below(rng, hi - lo)
        if age[agent] == CHILD:
            continue
        if flags[agent] & F_LISTED:
            pc[C.loans_premium_total] += 1
        elif flags[agent] & F_RED:
            pc[C.loans_discount_total] += 1
    for _ in range(mortgages):
        agent = lo + below(rng, hi - lo)
        if age[agent] == CHILD:
            continue
        listed = sd.deny_listed and flags[agent] & F_LISTED != 0
        if listed or score_now(agents, agent, sd.day, sd.start_score, sd.recovery) < sd.mortgage_minimum:
            pc[C.mortgages_denied_total] += 1
            if flags[agent] & F_COURT == 0:
                pc[C.mortgages_denied_nonfinancial_total] += 1
