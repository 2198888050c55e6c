"""Sanctions and perks, applied at the moment they bite; one mechanism per decision.

Purchase bans act when a listed person tries to buy (a flight or train ticket), so
what is counted is blocked purchases (person-times), separately from the people
blocked. Attempts are drawn among the listed only, by thinning against the highest
rate; public shaming when a listed urban person passes a billboard camera; the
cross-agency restrictions of joint punishment (restricted jobs, a firm's registration
and licences, subsidies and honours) when a listed person applies; school refusals
when a child of a listed household applies; loan pricing and mortgage denial when
anyone applies. Each sanction a listed
person feels is dated in ``Roster.felt``, where their hazard of paying reads it (``compliance``).
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb
import numpy as np

from ..outputs import MONEY, PEOPLE, PERSON_TIMES, TOTAL, Output, declare
from ..population import ADULT, CHILD, RURAL, URBAN
from ..scenario.schema import TravelBan
from ..streams import below, stream
from ..units import DAYS_PER_YEAR
from .base import Mechanism
from .lists import OUT as LISTS
from .lists import tries
from .schedules import day_index
from .scoring import ScoringRules, score_now
from .state import (
    tally,
    F_BLOCKED,
    F_COURT,
    F_GRADE,
    F_JOINT,
    F_LISTED,
    F_RED,
    FELT_BUSINESS,
    FELT_CREDIT,
    FELT_JOB,
    FELT_PREFERENTIAL,
    FELT_PURCHASE,
    FELT_SCHOOL,
    FELT_SHAMED,
    household_members,
    row_in,
    stratum_of,
)

OUT = declare(
    "sanctions",
    Output("flight_attempts_total", "Flight purchases by the banned", PERSON_TIMES, TOTAL,
           "Attempts by people under a travel ban to buy a flight ticket."),
    Output("flight_blocks_total", "Flight purchases blocked", PERSON_TIMES, TOTAL,
           "Flight ticket purchases refused to people under a travel ban.", target="flight_blocks_cum"),
    Output("train_attempts_total", "Train purchases by the banned", PERSON_TIMES, TOTAL,
           "Attempts by people under a travel ban to buy a high-speed train ticket."),
    Output("train_blocks_total", "Train purchases blocked", PERSON_TIMES, TOTAL,
           "High-speed train ticket purchases refused to people under a travel ban.", target="train_blocks_cum"),
    Output("people_blocked", "People ever blocked from travel", PEOPLE, TOTAL,
           "People who have had at least one ticket purchase blocked."),
    Output("shaming_displays_total", "Billboard displays", PERSON_TIMES, TOTAL,
           "Times a listed person's face was shown on a public billboard."),
    Output("job_refusals_total", "Job refusals", PERSON_TIMES, TOTAL,
           "Applications of listed adults to restricted jobs refused."),
    Output("school_refusals_total", "School refusals", PERSON_TIMES, TOTAL,
           "School applications of children of listed households refused (joint punishment)."),
    Output("business_refusals_total", "Business and licence refusals", PERSON_TIMES, TOTAL,
           "Listed adults refused a firm's registration, a licence, a procurement bid or a bond (joint punishment)."),
    Output("preferential_refusals_total", "Subsidies and honours refused", PERSON_TIMES, TOTAL,
           "Listed people refused a subsidy, social-security support or an honour (joint punishment)."),
    Output("loans_premium_total", "Loans at a premium", PERSON_TIMES, TOTAL,
           "Loan applications by listed people, priced at the listed premium.", by_group=True),
    Output("loans_discount_total", "Loans at a discount", PERSON_TIMES, TOTAL,
           "Loan applications by redlisted people, priced at the redlist discount.", by_group=True),
    Output("loan_interest_premium_total", "Extra interest paid by the listed", MONEY, TOTAL,
           "Interest the listed pay over a year above the normal rate, summed over their loans priced since the "
           "start (premium x principal each).", by_group=True, per="loans_premium_total"),
    Output("loan_interest_saved_total", "Interest saved by the redlisted", MONEY, TOTAL,
           "Interest the redlisted save over a year below the normal rate, summed over their loans priced since "
           "the start (discount x principal each).", by_group=True, per="loans_discount_total"),
    Output("deposits_waived_total", "Deposits waived", PERSON_TIMES, TOTAL,
           "Uses by redlisted people of a service that takes a deposit, the deposit waived (a perk).", by_group=True),
    Output("deposit_value_waived_total", "Deposits not paid by the redlisted", MONEY, TOTAL,
           "The deposits the redlisted did not pay, summed since the start (deposit each).", by_group=True,
           per="deposits_waived_total"),
    Output("priority_services_total", "Priority services", PERSON_TIMES, TOTAL,
           "Uses by redlisted people of a queue with a priority lane for the trusted (a perk).", by_group=True),
    Output("mortgages_denied_total", "Mortgages denied", PERSON_TIMES, TOTAL,
           "Mortgage applications refused for a low grade or a listing."),
    Output("mortgages_denied_nonfinancial_total", "Mortgages denied, not court-listed", PERSON_TIMES, TOTAL,
           "Mortgage denials of people not on the court blacklist: a low grade from records of other behaviour "
           "(in pilot cities, quarrels, traffic tickets and the like).", by_group=True),
)

Purchases = namedtuple("Purchases", "day max_rate norm income rural enforcement grade_banned marks_blocked attempts "
                                    "blocks")
"""A purchase ban's day: candidate rate and its normaliser, multipliers by income band and for rural
people, the chance a ban is enforced, whether grade-listed people are banned too, whether a block
counts towards ``people_blocked``, and the counter columns of attempts and blocks."""


class PurchaseBan(Mechanism):
    """Listed people trying to buy something the ban covers; blocked where it is enforced."""

    ban: str = ""
    marks_blocked = True
    listed_only = True
    writes = ("flags: F_BLOCKED", "roster: felt")

    def __init__(self, scenario, people):
        super().__init__(scenario, people)
        ban: TravelBan = getattr(scenario.sanctions, self.ban)
        self.income = np.array(ban.income_multipliers)
        self.rural = ban.rural_multiplier
        self.norm = max(ban.income_multipliers) * max(ban.rural_multiplier, 1.0)
        self.max_rate = ban.attempts_per_year / DAYS_PER_YEAR * self.norm
        self.enforcement = self.schedule(ban.enforcement)
        self.grade_banned = scenario.sanctions.bans_apply_to_grade_list

    def today(self, day):
        return Purchases(day, self.max_rate, self.norm, self.income, self.rural, self.enforcement[day],
                         self.grade_banned, self.marks_blocked, *self.columns)


@nb.njit(cache=True)
def purchases(ctx, rng, today):
    """Purchases by listed people: a Poisson number of candidates among the listed, thinned to each
    one's rate; a purchase by someone banned is blocked with the enforcement probability."""
    flags = ctx.agents.flags
    roster = ctx.roster
    persons = ctx.persons
    size = roster.size[0]
    for _ in range(tries(ctx, rng, today.max_rate)):
        k = rng.integers(0, size)
        agent = roster.members[k]
        u = rng.random()
        u_enforce = rng.random()
        s = stratum_of(persons.stratum_start, agent)
        rate = today.income[persons.stratum_income[s]] * (today.rural if persons.stratum_region[s] == RURAL else 1.0)
        f = flags[agent]
        banned = f & F_COURT != 0 or (today.grade_banned and f & F_GRADE != 0)
        if u * today.norm >= rate or not banned:
            continue
        tally(ctx, agent, today.attempts, 1)
        if u_enforce < today.enforcement:
            tally(ctx, agent, today.blocks, 1)
            roster.felt[k, FELT_PURCHASE] = today.day
            if today.marks_blocked and flags[agent] & F_BLOCKED == 0:
                flags[agent] |= F_BLOCKED
                tally(ctx, agent, OUT.people_blocked, 1)


class FlightBan(PurchaseBan):
    name, section, ban, step = "flights", "sanctions.flights", "flights", purchases
    does = "flight ticket purchases of the listed, blocked where the ban is enforced"
    columns = (OUT.flight_attempts_total, OUT.flight_blocks_total)


class TrainBan(PurchaseBan):
    name, section, ban, step = "trains", "sanctions.trains", "trains", purchases
    does = "train ticket purchases of the listed, blocked where the ban is enforced"
    columns = (OUT.train_attempts_total, OUT.train_blocks_total)


ShamingDay = namedtuple("ShamingDay", "day displays coverage")
"""Billboard displays per listed person-day at full coverage, and today's urban camera coverage."""


@nb.njit(cache=True)
def shame(ctx, rng, today):
    """Billboard displays of listed urban people where cameras reach."""
    roster = ctx.roster
    size = roster.size[0]
    for _ in range(tries(ctx, rng, today.displays)):
        k = rng.integers(0, size)
        u = rng.random()
        region = ctx.persons.stratum_region[stratum_of(ctx.persons.stratum_start, roster.members[k])]
        if region == URBAN and u < today.coverage:
            tally(ctx, roster.members[k], OUT.shaming_displays_total, 1)
            roster.felt[k, FELT_SHAMED] = today.day


class PublicShaming(Mechanism):
    listed_only = True
    name, section, step = "shaming", "sanctions.shaming", shame
    writes = ("roster: felt",)
    does = "listed urban people's faces shown on billboards where cameras reach"

    def __init__(self, scenario, people):
        super().__init__(scenario, people)
        shaming = scenario.sanctions.shaming
        on = shaming.enabled and scenario.system
        self.displays = shaming.displays_per_year / DAYS_PER_YEAR if on else 0.0
        cameras = scenario.channels.cameras
        self.coverage = self.schedule(cameras.coverage_urban if cameras.enabled and on else 0.0)

    def today(self, day):
        return ShamingDay(day, self.displays, self.coverage[day])


Refusals = namedtuple("Refusals", "day applications norm income working_age refusal column felt")
"""A restriction's day: applications per listed person-day at the highest income multiplier (``norm`` times the
middle income's), the multipliers by income band, whether only people 15-59 apply, the chance an application is
refused, the counter column of refusals and the ``FELT_*`` column it marks."""


SchoolDay = namedtuple("SchoolDay", "day applications refusal")
"""School applications per listed household-day, and the chance one is refused."""


@nb.njit(cache=True)
def refuse_listed(ctx, rng, today):
    """Applications of listed people to what a restriction covers, drawn at the highest rate and thinned to each
    one's income band; refused with the refusal probability, and felt."""
    roster, persons = ctx.roster, ctx.persons
    size = roster.size[0]
    for _ in range(tries(ctx, rng, today.applications)):
        k = rng.integers(0, size)
        agent = roster.members[k]
        u = rng.random()
        u_refuse = rng.random()
        if today.working_age and persons.age[agent] != ADULT:
            continue
        if u * today.norm >= today.income[persons.stratum_income[stratum_of(persons.stratum_start, agent)]]:
            continue
        if u_refuse < today.refusal:
            tally(ctx, agent, today.column, 1)
            roster.felt[k, today.felt] = today.day


@nb.njit(cache=True)
def refuse_schools(ctx, rng, today):
    """School applications of the children of listed households, refused under joint punishment."""
    roster = ctx.roster
    size = roster.size[0]
    for _ in range(tries(ctx, rng, today.applications)):
        k = rng.integers(0, size)
        agent = roster.members[k]
        first, members = household_members(ctx.persons.household, agent)
        member = first + rng.integers(0, members)
        if (ctx.persons.age[member] == CHILD and ctx.agents.flags[member] & F_JOINT
                and rng.random() < today.refusal):
            tally(ctx, agent, OUT.school_refusals_total, 1)
            roster.felt[k, FELT_SCHOOL] = today.day


class Restriction(Mechanism):
    """A restriction on the listed (``refuse_listed``): ``measure`` is its ``sanctions.restrictions`` field;
    ``joint`` restrictions act only while joint punishment is on."""

    listed_only = True
    step = refuse_listed
    writes = ("roster: felt",)
    measure: str = ""
    joint = True
    working_age = True
    column = felt = 0

    def __init__(self, scenario, people):
        super().__init__(scenario, people)
        m = getattr(scenario.sanctions.restrictions, self.measure)
        self.income = np.array(m.income_multipliers, np.float64)
        self.norm = max(float(self.income.max()), 1e-12)
        joint = scenario.lists.joint_punishment
        on = scenario.system and (joint.enabled or not self.joint)
        self.applications = self.schedule(m.applications_per_year / DAYS_PER_YEAR * self.norm if on else 0.0)
        if self.joint and on:
            self.applications[:day_index(joint.start, scenario.start_date)] = 0.0
        self.refusal = m.refusal_probability

    def today(self, day):
        return Refusals(day, self.applications[day], self.norm, self.income, self.working_age, self.refusal,
                        self.column, self.felt)


class JobRefusals(Restriction):
    name, section, measure, joint = "jobs", "sanctions.restrictions", "jobs", False
    column, felt = OUT.job_refusals_total, FELT_JOB
    does = "listed adults refused restricted jobs"


class BusinessRefusals(Restriction):
    name, section, measure = "business", "sanctions.restrictions.business", "business"
    column, felt = OUT.business_refusals_total, FELT_BUSINESS
    does = "listed adults refused a firm's registration, a licence, procurement or bonds (joint punishment)"


class PreferentialRefusals(Restriction):
    name, section, measure, working_age = "preferential", "sanctions.restrictions.preferential", "preferential", False
    column, felt = OUT.preferential_refusals_total, FELT_PREFERENTIAL
    does = "listed people refused subsidies, social-security support or honours (joint punishment)"


class SchoolRefusals(Mechanism):
    listed_only = True
    name, section, step = "schools", "sanctions.restrictions", refuse_schools
    writes = ("roster: felt",)
    does = "children of listed households refused schools (joint punishment)"

    def today(self, day):
        sc = self.scenario
        r = sc.sanctions.restrictions
        per_household = r.school_applications_per_year / DAYS_PER_YEAR * sc.population.household_size_mean
        return SchoolDay(day, per_household, r.school_refusal_probability)


NO_MINIMUM = -(10**9)
"""The mortgage minimum with no system: below any score."""

Credit = namedtuple("Credit", "day stratum_rulebook start_score recovery minimum deny_listed premium discount")
"""A credit day: the rulebook of each stratum today (``scoring.ScoringRules.stratum_rulebook``); what a score
is now (start score, each rulebook's recovery rate); each rulebook's lowest score that gets a mortgage;
whether listed people are refused; the yearly interest a loan's premium and discount come to, in money."""


class PieceCredit(Mechanism):
    """Applications by anyone aged 15+, drawn piece by piece in parallel."""

    def __init__(self, scenario, people):
        super().__init__(scenario, people)
        sc = scenario
        self.piece_means = self.per_piece(self.applications_per_year)
        self.rules = ScoringRules(sc, people)
        below = sc.sanctions.mortgages.deny_below_grade
        minimums = [sc.rulebook.grade_minimums[below]] + [p.grade_minimums[below] for p in sc.pilots]
        self.minimum = np.array(minimums if sc.system else [NO_MINIMUM] * len(minimums), np.int64)
        self.deny_listed = sc.sanctions.mortgages.deny_listed
        loans = sc.sanctions.loans
        self.premium = int(round(loans.listed_premium * loans.principal))
        self.discount = int(round(loans.redlist_discount * loans.principal))

    def means(self, day):
        return self.piece_means

    def today(self, day):
        return Credit(day, self.rules.stratum_rulebook(day), self.scenario.rulebook.start_score, self.rules.recovery,
                      self.minimum, self.deny_listed, self.premium, self.discount)


@nb.njit(cache=True, parallel=True)
def price_loans(seed, key, today, counts, persons, agents, roster, piece_counters):
    """Loan pricing: a premium if listed (felt by them), a discount if redlisted."""
    felt, index_agents, index_rows = roster.felt, roster.index_agents, roster.index_rows  # out of the tuple: Numba's parfors lose writes through it
    for p in nb.prange(len(counts)):
        rng = stream(seed, key, today.day, p)
        lo, hi, pc = persons.piece_start[p], persons.piece_start[p + 1], piece_counters[p]
        age, flags = persons.age, agents.flags
        for _ in range(counts[p]):
            agent = lo + below(rng, hi - lo)
            if age[agent] == CHILD:
                continue
            if flags[agent] & F_LISTED:
                pc[OUT.loans_premium_total] += 1
                pc[OUT.loan_interest_premium_total] += today.premium
                felt[row_in(index_agents, index_rows, agent), FELT_CREDIT] = today.day
            elif flags[agent] & F_RED:
                pc[OUT.loans_discount_total] += 1
                pc[OUT.loan_interest_saved_total] += today.discount


@nb.njit(cache=True, parallel=True)
def decide_mortgages(seed, key, today, counts, persons, agents, roster, piece_counters):
    """Mortgage denial below a grade or when listed (felt by the listed)."""
    felt, index_agents, index_rows = roster.felt, roster.index_agents, roster.index_rows  # out of the tuple: Numba's parfors lose writes through it
    for p in nb.prange(len(counts)):
        rng = stream(seed, key, today.day, p)
        lo, hi, pc = persons.piece_start[p], persons.piece_start[p + 1], piece_counters[p]
        age, flags = persons.age, agents.flags
        r = today.stratum_rulebook[persons.piece_stratum[p]]  # a piece lies within one stratum
        recovery, minimum = today.recovery[r], today.minimum[r]
        for _ in range(counts[p]):
            agent = lo + below(rng, hi - lo)
            if age[agent] == CHILD:
                continue
            listed = today.deny_listed and flags[agent] & F_LISTED != 0
            if listed or score_now(agents, agent, today.day, today.start_score, recovery) < minimum:
                pc[OUT.mortgages_denied_total] += 1
                if flags[agent] & F_LISTED:
                    felt[row_in(index_agents, index_rows, agent), FELT_CREDIT] = today.day
                if flags[agent] & F_COURT == 0:
                    pc[OUT.mortgages_denied_nonfinancial_total] += 1


PerkDay = namedtuple("PerkDay", "day uses deposit_share deposit")
"""A day of perks: service uses per redlisted person-day, the share that take a deposit, the deposit in money."""


@nb.njit(cache=True)
def grant_perks(ctx, rng, today):
    """Service uses by the redlisted, group by group: a deposit waived, or served first. Nothing is written to anyone,
    so the uses are drawn for each group's redlisted together (Poisson, then binomial), exactly as one by one."""
    gc, c = ctx.group_counters, ctx.counters
    for g in range(gc.shape[0]):
        uses = rng.poisson(gc[g, LISTS.redlisted] * today.uses) if gc[g, LISTS.redlisted] > 0 else 0
        if uses == 0:
            continue
        deposits = rng.binomial(uses, today.deposit_share)
        for column, n in ((OUT.deposits_waived_total, deposits), (OUT.priority_services_total, uses - deposits),
                          (OUT.deposit_value_waived_total, deposits * today.deposit)):
            gc[g, column] += n
            c[column] += n


class RedlistPerks(Mechanism):
    name, section, step = "perks", "sanctions.perks", grant_perks
    does = "service uses by the redlisted: deposits waived, priority at counters"

    def __init__(self, scenario, people):
        super().__init__(scenario, people)
        perks = scenario.sanctions.perks
        self.uses = perks.uses_per_year / DAYS_PER_YEAR if scenario.system else 0.0
        self.deposit_share, self.deposit = perks.deposit_share, int(round(perks.deposit))

    def today(self, day):
        return PerkDay(day, self.uses, self.deposit_share, self.deposit)


class LoanPricing(PieceCredit):
    name, section, step = "loans", "sanctions.loans", price_loans
    writes = ("roster: felt",)
    does = "loan applications priced by list status"

    @property
    def applications_per_year(self):
        return self.scenario.sanctions.loans.applications_per_year


class MortgageDecisions(PieceCredit):
    name, section, step = "mortgages", "sanctions.mortgages", decide_mortgages
    writes = ("roster: felt",)
    does = "mortgage applications refused below a grade or when listed"

    @property
    def applications_per_year(self):
        return self.scenario.sanctions.mortgages.applications_per_year
