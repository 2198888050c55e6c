"""Rulebook and scoring: point deltas per record, grades, recovery over time, list triggers.

Scores are evaluated lazily: a person's score moves back towards the starting
score at ``recovery_points_per_day`` and is brought up to date only when the
person is next touched (a record, a check). Leaving the grade list or the
redlist by recovery is put on the calendar for the day it will happen and
re-checked then.

A day's records are scored in two steps: ``score_records`` runs in parallel,
piece by piece, and changes only the people recorded; ``settle_records`` runs
serially and changes the lists, which everyone shares. List status is thus
settled once a day, after all of the day's records.
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb
import numpy as np

from ..scenario.schema import BEHAVIOURS
from .lists import enter_court, enter_grade, group_of, leave_grade, set_redlisted
from .response import current_fear, learn
from .state import ABROAD, C, F_GRADE, F_RED, G, Q_GRADE_EXIT, Q_RED_EXIT, schedule

JUDGMENT_DEFAULT = BEHAVIOURS.index("judgment_default")
COURT, CHECK_LISTS = 1, 2  # what a record leaves for the serial step

ScoringDay = namedtuple(
    "ScoringDay",
    "day scoring_on court_on grade_on red_on points start_score recovery grade_threshold red_threshold "
    "listing_probability small_debt_share inclusion_days extension_probability extension_low extension_high "
    "learning fear_decay",
)


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


@nb.njit(cache=True)
def touch(agents, agent, day, start_score, rate, fear_decay):
    """Bring a person's score, false points and fear up to ``day``."""
    elapsed = day - agents.touched[agent]
    if elapsed <= 0:
        return
    agents.score[agent] = recovered(int(agents.score[agent]), elapsed, start_score, rate)
    agents.false_points[agent] = max(0, int(agents.false_points[agent]) - int(rate * elapsed + 1e-9))
    agents.fear[agent] = int(current_fear(agents.fear, agents.touched, agent, day, fear_decay) * 255.0 + 0.5)
    agents.touched[agent] = day


@nb.njit(cache=True)
def update_grade_lists(ctx, agent, sp):
    """Grade-based listing and redlisting after a score change, with their recovery scheduled."""
    agents = ctx.agents
    score = int(agents.score[agent])
    if sp.grade_on:
        if score < sp.grade_threshold:
            wrongful = score + int(agents.false_points[agent]) >= sp.grade_threshold
            enter_grade(ctx, agent, sp.day, wrongful)
            if sp.recovery > 0:
                wait = int(np.ceil((sp.grade_threshold - score) / sp.recovery - 1e-9))
                schedule(ctx.calendar, sp.day + max(wait, 1), agent, 0, Q_GRADE_EXIT)
        elif agents.flags[agent] & F_GRADE:
            leave_grade(ctx, agent, sp.day)
    if sp.red_on:
        on = score >= sp.red_threshold
        set_redlisted(ctx, agent, on)
        if on and sp.recovery > 0:
            wait = int((score - sp.red_threshold) / sp.recovery + 1e-9) + 1
            schedule(ctx.calendar, sp.day + wait, agent, 0, Q_RED_EXIT)


@nb.njit(cache=True)
def score_records(agents, rec_agent, rec_behaviour, rec_true, rec_todo, first, last, pc, sp):
    """First step of scoring, local to the people recorded: counts, score, false points and fear.

    Marks in ``rec_todo`` what only the serial step may do (it touches the lists):
    ``COURT`` for a judgment default that may be court-listed, ``CHECK_LISTS`` for
    a score change that may move the person on or off a list. Events abroad are
    left alone: the host's channels decide whether they become records."""
    for i in range(first, last):
        agent = rec_agent[i]
        b = rec_behaviour[i]
        if b & ABROAD:
            rec_todo[i] = 0
            continue
        is_true = rec_true[i]
        pc[C.detections if is_true else C.false_detections] += 1
        touch(agents, agent, sp.day, sp.start_score, sp.recovery, sp.fear_decay)
        points = sp.points[b]
        todo = 0
        if sp.scoring_on and points != 0:
            score = max(-32000, min(32000, int(agents.score[agent]) + points))
            agents.score[agent] = score
            if points < 0:
                if not is_true:
                    agents.false_points[agent] = min(32000, int(agents.false_points[agent]) - points)
                agents.fear[agent] = int(learn(agents.fear[agent] / 255.0, sp.learning) * 255.0 + 0.5)
            flags = agents.flags[agent]
            if ((sp.grade_on and (score < sp.grade_threshold or flags & F_GRADE))
                    or (sp.red_on and (score >= sp.red_threshold or flags & F_RED))):
                todo |= CHECK_LISTS
        if b == JUDGMENT_DEFAULT and sp.court_on:
            todo |= COURT
        rec_todo[i] = todo


@nb.njit(cache=True)
def settle_records(ctx, rng, rec_agent, rec_behaviour, rec_true, rec_todo, first, last, sp):
    """Second, serial step of scoring: list changes and court listings of the marked records."""
    agents = ctx.agents
    for i in range(first, last):
        todo = rec_todo[i]
        if todo == 0:
            continue
        agent = rec_agent[i]
        if todo & CHECK_LISTS:
            update_grade_lists(ctx, agent, sp)
        if todo & COURT and rng.random() < sp.listing_probability:
            stay = sp.inclusion_days
            if rng.random() < sp.extension_probability:
                stay += sp.extension_low + int(rng.random() * (sp.extension_high - sp.extension_low + 1))
            small = 1 if rng.random() < sp.small_debt_share else 0
            listed = enter_court(ctx, agent, sp.day, 0 if rec_true[i] else 1, small, sp.day + stay)
            if listed and not (sp.scoring_on and sp.points[rec_behaviour[i]] < 0):
                agents.fear[agent] = int(learn(agents.fear[agent] / 255.0, sp.learning) * 255.0 + 0.5)


@nb.njit(cache=True)
def apply_records(ctx, rng, rec_agent, rec_behaviour, rec_true, n, sp):
    """Score records outside the parallel day (the court backlog at launch): both steps, in order."""
    todo = np.zeros(n, np.uint8)
    daily = np.zeros(len(ctx.counters), np.int64)
    score_records(ctx.agents, rec_agent, rec_behaviour, rec_true, todo, 0, n, daily, sp)
    for i in range(n):
        g = group_of(ctx, rec_agent[i])
        ctx.group_counters[g, G.detections if rec_true[i] else G.false_detections] += 1
    counters = ctx.counters
    counters += daily
    settle_records(ctx, rng, rec_agent, rec_behaviour, rec_true, todo, 0, n, sp)


@nb.njit(cache=True)
def recheck(ctx, agent, sp, kind):
    """A scheduled recovery: leave the grade list or the redlist if the score has moved enough."""
    touch(ctx.agents, agent, sp.day, sp.start_score, sp.recovery, sp.fear_decay)
    score = int(ctx.agents.score[agent])
    if kind == Q_GRADE_EXIT:
        if ctx.agents.flags[agent] & F_GRADE and score >= sp.grade_threshold:
            leave_grade(ctx, agent, sp.day)
    elif kind == Q_RED_EXIT:
        if score < sp.red_threshold:
            set_redlisted(ctx, agent, False)
