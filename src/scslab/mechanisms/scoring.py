"""Rulebook and scoring: point deltas per record, grades, recovery over time, list triggers.

Scores are evaluated lazily: a person's score moves back towards the starting
score at ``recovery_points_per_day`` and is brought up to date only when the
person is next touched (a record, a check). Leaving the grade list or the
redlist by recovery is put on the calendar for the day it will happen and
re-checked then.

A day's records are scored in two steps: ``score_records`` runs in parallel,
piece by piece, and changes only the people recorded; ``settle_records`` runs
serially and changes the lists, which everyone shares. List status is thus
settled once a day, after all of the day's records. A court listing also makes
the listed person's household fear more (``learn_household``).
"""

from __future__ import annotations

from collections import namedtuple
from typing import NamedTuple

import numba as nb
import numpy as np

from ..population import CHILD, People
from ..scenario.schema import BEHAVIOURS, NO_FLOOR, Scenario, grade_floors
from ..streams import STIGMA, hashed, unit
from ..units import SCORE_LIMIT
from .detection import OUT as DETECTION
from .lists import OUT as LISTS
from .lists import enter_court, enter_grade, group_of, leave_grade, set_redlisted
from .base import Mechanism
from .compliance import assess, grace_paid, listing_stands
from .response import FEAR_STEPS, current_fear, fear_decay_per_day, learn, stored_fear
from .schedules import day_index, pilot_starts, stratum_rulebooks
from .network import OUT as NETWORK
from .network import MAX_CONTACTS, NO_NETWORK, Contacts, contact, piece_of
from .state import (
    ABROAD, BEHAVIOUR_BITS, F_GRADE, F_RED, INFORMED, Q_GRADE_EXIT, Q_RED_EXIT, Records, household_members, schedule,
    stratum_of, tally,
)

JUDGMENT_DEFAULT = BEHAVIOURS.index("judgment_default")
COURT, CHECK_LISTS = 1, 2  # what a record leaves for the serial step

ScoringDay = namedtuple(
    "ScoringDay",
    "day stratum_start stratum_rulebook scoring_on court_on grade_on red_on points start_score recovery "
    "grade_threshold red_threshold listing_probability small_debt_share unable_share grace_share grace_paid "
    "unable_spared inclusion_days "
    "extension_probability extension_low extension_high learning household_learning fear_decay net_seed net_degree "
    "net_neighbours contact_learning stigma",
)
"""A day of the rulebooks and the lists' rules. Rulebook 0 is the national one, rulebook ``k + 1`` pilot
``k``'s; ``stratum_rulebook`` says which applies to each stratum today (a pilot's from its start), and the
rulebooks' own parts are arrays indexed by it: whether each scores and keeps a grade list and a redlist
today, points by behaviour, recovery speed and the two thresholds. ``net_*``, ``contact_learning`` and
``stigma`` are the social network (``network.Contacts``, flat: a parallel loop cannot take a tuple of
scalars), along which a court listing spreads fear and stigma."""


@nb.njit(cache=True)
def recovered(value, elapsed, target, rate):
    """``value`` moved ``rate * elapsed`` points towards ``target`` (never past it)."""
    move = int(rate * elapsed + 1e-9)
    if value < target:
        return min(target, value + move)
    if value > target:
        return max(target, value - move)
    return value


@nb.njit(cache=True)
def score_now(agents, agent, day, start_score, rate):
    """Current score without touching the person."""
    return recovered(int(agents.score[agent]), day - agents.touched[agent], start_score, rate)


@nb.njit(cache=True, inline="always")
def rulebook_of(sp, agent):
    """The rulebook that scores ``agent`` today: 0 national, ``k + 1`` pilot ``k``."""
    return sp.stratum_rulebook[stratum_of(sp.stratum_start, agent)]


@nb.njit(cache=True, inline="always")
def touch(agents, agent, sp):
    """Bring a person's score, false points and fear up to today (``sp.day``), at the recovery speed of the
    rulebook that scores them today."""
    if sp.day > agents.touched[agent]:
        touch_at(agents, agent, sp, sp.recovery[rulebook_of(sp, agent)])


@nb.njit(cache=True, inline="always")
def touch_at(agents, agent, sp, rate):
    """``touch`` at a recovery speed already looked up."""
    elapsed = sp.day - agents.touched[agent]
    if elapsed <= 0:
        return
    agents.score[agent] = recovered(int(agents.score[agent]), elapsed, sp.start_score, rate)
    agents.false_points[agent] = max(0, int(agents.false_points[agent]) - int(rate * elapsed + 1e-9))
    agents.fear[agent] = stored_fear(current_fear(agents.fear, agents.touched, agent, sp.day, sp.fear_decay))
    agents.touched[agent] = sp.day


@nb.njit(cache=True, inline="always")
def update_grade_lists(ctx, agent):
    """Grade-based listing and redlisting after a score change, with their recovery scheduled."""
    agents = ctx.agents
    sp = ctx.rules
    r = rulebook_of(sp, agent)
    score, rate = int(agents.score[agent]), sp.recovery[r]
    if sp.grade_on[r]:
        threshold = sp.grade_threshold[r]
        if score < threshold:
            wrongful = score + int(agents.false_points[agent]) >= threshold
            enter_grade(ctx, agent, sp.day, wrongful)
            if rate > 0:
                wait = int(np.ceil((threshold - score) / rate - 1e-9))
                schedule(ctx.calendar, sp.day + max(wait, 1), agent, 0, Q_GRADE_EXIT)
        elif agents.flags[agent] & F_GRADE:
            leave_grade(ctx, agent, sp.day)
    if sp.red_on[r]:
        threshold = sp.red_threshold[r]
        on = score >= threshold
        set_redlisted(ctx, agent, on)
        if on and rate > 0:
            wait = int((score - threshold) / rate + 1e-9) + 1
            schedule(ctx.calendar, sp.day + wait, agent, 0, Q_RED_EXIT)


@nb.njit(cache=True)
def score_records(agents, records, first, last, pc, sp):
    """First step of scoring, local to the people recorded: counts, score, false points and fear.

    Marks in ``rec_todo`` what only the serial step may do (it touches the lists):
    ``COURT`` for a judgment default that may be court-listed, ``CHECK_LISTS`` for
    a score change that may move the person on or off a list. Events abroad are
    left alone: the host's channels decide whether they become records."""
    rec_agent, rec_behaviour, rec_true, rec_todo = records  # arrays out of their tuples once: reading one
    score_of, false_points, fear, flags_of = agents.score, agents.false_points, agents.fear, agents.flags  # in
    points_of, scoring_on = sp.points, sp.scoring_on  # the loop would cost an atomic reference count each
    grade_on, red_on, grade_threshold, red_threshold = sp.grade_on, sp.red_on, sp.grade_threshold, sp.red_threshold
    stratum_rulebook, stratum_start, recovery = sp.stratum_rulebook, sp.stratum_start, sp.recovery  # time,
    # contended across threads
    for i in range(first, last):
        agent = rec_agent[i]
        b = rec_behaviour[i]
        if b & ABROAD:
            rec_todo[i] = 0
            continue
        is_true = rec_true[i]
        pc[DETECTION.detections if is_true else DETECTION.false_detections] += 1
        if b & INFORMED:
            pc[NETWORK.informant_reports if is_true else NETWORK.malicious_reports] += 1
            b &= BEHAVIOUR_BITS
        r = stratum_rulebook[stratum_of(stratum_start, agent)]
        touch_at(agents, agent, sp, recovery[r])
        points = points_of[r, b]
        todo = 0
        if scoring_on[r] and points != 0:
            score = max(-SCORE_LIMIT, min(SCORE_LIMIT, int(score_of[agent]) + points))
            score_of[agent] = score
            if points < 0:
                if not is_true:
                    false_points[agent] = min(SCORE_LIMIT, int(false_points[agent]) - points)
                fear[agent] = stored_fear(learn(fear[agent] / FEAR_STEPS, sp.learning))
            flags = flags_of[agent]
            if ((grade_on[r] and (score < grade_threshold[r] or flags & F_GRADE))
                    or (red_on[r] and (score >= red_threshold[r] or flags & F_RED))):
                todo |= CHECK_LISTS
        if b == JUDGMENT_DEFAULT and sp.court_on:
            todo |= COURT
        rec_todo[i] = todo


@nb.njit(cache=True)
def settle_records(ctx, rng, records, first, last):
    """Second, serial step of scoring: list changes and court listings of the marked records."""
    agents = ctx.agents
    sp = ctx.rules
    rec_agent, rec_behaviour, rec_true, rec_todo = records
    for i in range(first, last):
        todo = rec_todo[i]
        if todo == 0:
            continue
        agent = rec_agent[i]
        behaviour = rec_behaviour[i] & BEHAVIOUR_BITS
        listings = ctx.counters[LISTS.listed_total]
        if todo & CHECK_LISTS:
            update_grade_lists(ctx, agent)
        if todo & COURT and rng.random() < sp.listing_probability:
            stay = sp.inclusion_days
            if rng.random() < sp.extension_probability:
                stay += sp.extension_low + int(rng.random() * (sp.extension_high - sp.extension_low + 1))
            small = 1 if rng.random() < sp.small_debt_share else 0
            band = ctx.persons.stratum_income[stratum_of(ctx.persons.stratum_start, agent)]
            unable = rng.random() < sp.unable_share[band]
            if not listing_stands(ctx, rng, agent, unable, band):
                continue
            tally(ctx, agent, LISTS.court_cases_total, 1)
            listed = enter_court(ctx, agent, sp.day, 0 if rec_true[i] else 1, small, sp.day + stay)
            if listed:
                assess(ctx, agent, unable)
                learn_household(ctx, agent)
                spread(ctx, agent)
            r = rulebook_of(sp, agent)
            if listed and not (sp.scoring_on[r] and sp.points[r, behaviour] < 0):
                agents.fear[agent] = stored_fear(learn(agents.fear[agent] / FEAR_STEPS, sp.learning))
        if rec_behaviour[i] & INFORMED and ctx.counters[LISTS.listed_total] > listings:
            tally(ctx, agent, NETWORK.informant_listings_total, 1)


@nb.njit(cache=True)
def learn_household(ctx, agent):
    """``agent`` has just entered the court list: every other member of the household aged 15+ fears
    more, a step ``household_learning`` of the way towards certainty (brought up to date first, so that
    the fear fades from today). The court list is public, and a relative's listing is news at home."""
    sp = ctx.rules
    if sp.household_learning == 0.0:
        return
    agents, age = ctx.agents, ctx.persons.age
    first, n = household_members(ctx.persons.household, agent)
    for m in range(first, first + n):
        if m == agent or age[m] == CHILD:
            continue
        touch(agents, m, sp)
        agents.fear[m] = stored_fear(learn(agents.fear[m] / FEAR_STEPS, sp.household_learning))


@nb.njit(cache=True)
def learn_all(agents, sp, members, step):
    """Each of ``members`` fears more, a step ``step`` of the way towards certainty (brought up to date first)."""
    for m in members:
        touch(agents, m, sp)
        agents.fear[m] = stored_fear(learn(agents.fear[m] / FEAR_STEPS, step))


@nb.njit(cache=True)
def spread(ctx, agent):
    """``agent`` has just entered the court list: each contact (``network``) fears more, a step
    ``contact_learning`` of the way towards certainty, and turns away from them with ``stigma`` (counted in
    ``shunned_total``). Contacts under 15 neither learn nor shun."""
    sp = ctx.rules
    if sp.net_degree == 0 or (sp.contact_learning == 0.0 and sp.stigma == 0.0):
        return
    agents, age = ctx.agents, ctx.persons.age
    p = piece_of(ctx.persons.piece_start, agent)
    lo, hi = ctx.persons.piece_start[p], ctx.persons.piece_start[p + 1]
    for k in range(sp.net_degree):
        j = contact(sp.net_seed, lo, hi, agent, k, sp.net_neighbours)
        if j < 0 or age[j] == CHILD:
            continue
        if sp.contact_learning > 0.0:
            touch(agents, j, sp)
            agents.fear[j] = stored_fear(learn(agents.fear[j] / FEAR_STEPS, sp.contact_learning))
        if unit(hashed(sp.net_seed, STIGMA, j, sp.day * MAX_CONTACTS + k)) < sp.stigma:
            tally(ctx, agent, NETWORK.shunned_total, 1)


@nb.njit(cache=True)
def apply_records(ctx, rng, records, n):
    """Score records outside the parallel day (the court backlog, records from abroad): both steps."""
    daily = np.zeros(len(ctx.counters), np.int64)
    for i in range(n):  # record by record, so that each one's counts go to its agent's group too
        daily[:] = 0
        score_records(ctx.agents, records, i, i + 1, daily, ctx.rules)
        g = group_of(ctx, records.agent[i])
        for column in range(len(daily)):
            ctx.counters[column] += daily[column]
            ctx.group_counters[g, column] += daily[column]
    settle_records(ctx, rng, records, 0, n)


@nb.njit(cache=True, inline="always")
def recheck(ctx, agent, kind):
    """A scheduled recovery: leave the grade list or the redlist if the score has moved enough."""
    sp = ctx.rules
    touch(ctx.agents, agent, sp)
    score = int(ctx.agents.score[agent])
    r = rulebook_of(sp, agent)
    if kind == Q_GRADE_EXIT:
        if ctx.agents.flags[agent] & F_GRADE and score >= sp.grade_threshold[r]:
            leave_grade(ctx, agent, sp.day)
    elif kind == Q_RED_EXIT:
        if score < sp.red_threshold[r]:
            set_redlisted(ctx, agent, False)


class Switches(NamedTuple):
    """Which parts of the system are on today."""

    scoring: bool
    court: bool
    grade: bool
    red: bool
    joint: bool


class ScoringRules(Mechanism):
    """The rulebook and the lists' rules: what is on today, points, thresholds, court listing."""

    name, section = "scoring", "rulebook, lists"
    writes = ("score", "false_points", "touched", "fear", "flags: F_COURT F_GRADE F_RED F_JOINT", "roster")
    does = "scoring, grade list, redlist and court blacklist entries (list changes settled once a day)"

    def __init__(self, scenario: Scenario, people: People, contacts: Contacts = NO_NETWORK):
        super().__init__(scenario, people)
        self.contacts = contacts
        sc, lists_ = scenario, scenario.lists
        start = sc.start_date
        self.scoring_start = day_index(sc.rulebook.start, start)
        self.court_launch = day_index(lists_.court.launch, start)
        self.joint_start = day_index(lists_.joint_punishment.start, start)
        self.listing_probability = self.schedule(lists_.court.listing_probability)
        self.grace_days = self.schedule(lists_.court.grace_days)
        self.unable_spared = self.schedule(lists_.court.unable_spared)
        self.unable_share = np.array(scenario.rehabilitation.fulfilment.unable_share, np.float64)
        grades = sc.rulebook.grade_minimums
        self.floors = np.array([grade_floors(grades)] + [grade_floors(p.grade_minimums) for p in sc.pilots], np.int64)
        """Each rulebook's floor of every grade (``[rulebook, grade]``; national first)."""
        national = [getattr(sc.behaviours, b).points for b in BEHAVIOURS]
        pilots = sc.pilots
        self.pilot_start = pilot_starts(sc)
        self.pilot_of_stratum = people.stratum_pilot
        self.points = np.array([national] + [[p.points.get(b, national[i]) for i, b in enumerate(BEHAVIOURS)]
                                             for p in pilots], np.int64)
        self.recovery = np.array([sc.rulebook.recovery_points_per_day]
                                 + [p.recovery_points_per_day for p in pilots], np.float64)
        self.grade_threshold = np.array([grades[lists_.grade.below_grade]]
                                        + [p.grade_minimums[p.grade_list] if p.grade_list else NO_FLOOR for p in pilots], np.int64)
        self.red_threshold = np.array([grades[lists_.redlist.grade]]
                                      + [p.grade_minimums[p.redlist or "AAA"] for p in pilots], np.int64)
        self.pilot_grade_list = np.array([p.grade_list is not None for p in pilots], np.bool_)
        self.pilot_redlist = np.array([p.redlist is not None for p in pilots], np.bool_)
        self.fear_decay = fear_decay_per_day(sc)

    def switches(self, day: int) -> Switches:
        sc = self.scenario
        scoring_on = sc.system and sc.rulebook.enabled and day >= self.scoring_start
        return Switches(
            scoring=scoring_on,
            court=sc.system and sc.lists.court.enabled and day >= self.court_launch,
            grade=scoring_on and sc.lists.grade.enabled,
            red=scoring_on and sc.lists.redlist.enabled,
            joint=sc.system and sc.lists.joint_punishment.enabled and day >= self.joint_start,
        )

    def pilots_on(self, day: int) -> np.ndarray:
        """Which pilots score their residents today: bool[P]."""
        return (day >= self.pilot_start) & self.scenario.system

    def stratum_rulebook(self, day: int) -> np.ndarray:
        """The rulebook of each stratum today: its pilot's (``k + 1``) once the pilot has started, else 0."""
        if not self.scenario.system:
            return np.zeros(len(self.pilot_of_stratum), np.int64)
        return stratum_rulebooks(self.pilot_of_stratum, self.pilot_start, day)

    def today(self, day: int, on: Switches) -> ScoringDay:
        sc = self.scenario
        court = sc.lists.court
        pilots = self.pilots_on(day)
        return ScoringDay(
            day=day, stratum_start=self.people.stratum_start, stratum_rulebook=self.stratum_rulebook(day),
            scoring_on=np.concatenate(([on.scoring], pilots)), court_on=on.court,
            grade_on=np.concatenate(([on.grade], pilots & self.pilot_grade_list)),
            red_on=np.concatenate(([on.red], pilots & self.pilot_redlist)),
            points=self.points, start_score=sc.rulebook.start_score, recovery=self.recovery,
            grade_threshold=self.grade_threshold, red_threshold=self.red_threshold,
            listing_probability=self.listing_probability[day], small_debt_share=court.small_debt_share,
            unable_share=self.unable_share, grace_share=court.grace_share,
            grace_paid=grace_paid(sc, self.grace_days[day]), unable_spared=self.unable_spared[day],
            inclusion_days=court.inclusion_period_days, extension_probability=court.extension_probability,
            extension_low=court.extension_days[0], extension_high=court.extension_days[1],
            learning=sc.response.learning, household_learning=sc.response.household_learning,
            fear_decay=self.fear_decay, net_seed=self.contacts.seed, net_degree=self.contacts.degree,
            net_neighbours=self.contacts.neighbours, contact_learning=self.contacts.learning,
            stigma=self.contacts.stigma,
        )


class CourtBacklog(Mechanism):
    """Judgment defaults from before the court blacklist's launch, all listed on the launch day."""

    name, section = "backlog", "lists.court.initial_backlog"
    does = "the court's backlog of judgment defaults, listed on the launch day"

    def __init__(self, scenario: Scenario, people: People, base_rates: np.ndarray):
        super().__init__(scenario, people)
        court = scenario.lists.court
        weights = base_rates[JUDGMENT_DEFAULT]
        self.weights = weights if weights.sum() > 0 else np.diff(people.stratum_start).astype(float)
        # the people an agent drawn stands for, on average over the draws (groups may weigh differently)
        per_agent = (float(self.weights @ people.group_scale[people.stratum_group]) / self.weights.sum()
                     if people.weighted else people.scale)
        self.size = int(round(court.initial_backlog / per_agent)) if court.enabled else 0

    def records(self, rng: np.random.Generator) -> Records:
        """The backlog's records: distinct people aged 15+, drawn by stratum in proportion to the
        judgment-default rate (to stratum size if nobody defaults)."""
        people, count, weights = self.people, self.size, self.weights
        strata = rng.choice(len(weights), size=count, p=weights / weights.sum())
        start = people.stratum_start
        chosen = set()
        for s in strata:
            while True:
                agent = int(start[s] + rng.integers(0, start[s + 1] - start[s]))
                if people.age[agent] != CHILD and agent not in chosen:
                    break
            chosen.add(agent)
        return Records(np.array(sorted(chosen), np.int32), np.full(count, JUDGMENT_DEFAULT, np.uint8),
                       np.ones(count, np.bool_), np.zeros(count, np.uint8))
