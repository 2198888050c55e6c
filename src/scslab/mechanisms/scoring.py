"""Rulebook and scoring: point deltas per record, grades, recovery over time, list triggers.

Scores are evaluated lazily: a person's score moves back towards the starting
score at ``recovery_points_per_day`` and is brought up to date only when the
person is next touched (a record, a check). Leaving the grade list or the
redlist by recovery is put on the calendar for the day it will happen and
re-checked then.
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb
import numpy as np

from ..scenario.schema import BEHAVIOURS
from .lists import enter_court, enter_grade, leave_grade, set_redlisted
from .response import current_fear, learn
from .state import C, F_GRADE, G, Q_GRADE_EXIT, Q_RED_EXIT, schedule

JUDGMENT_DEFAULT = BEHAVIOURS.index("judgment_default")

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
def apply_records(ctx, rng, agent_of, behaviour_of, true_of, n, sp):
    """Score each record, update lists, and court-list recorded judgment defaults."""
    agents = ctx.agents
    for i in range(n):
        agent = agent_of[i]
        b = behaviour_of[i]
        is_true = true_of[i]
        g = ctx.group[agent]
        if is_true:
            ctx.counters[C.detections] += 1
            ctx.group_counters[g, G.detections] += 1
        else:
            ctx.counters[C.false_detections] += 1
            ctx.group_counters[g, G.false_detections] += 1
        touch(agents, agent, sp.day, sp.start_score, sp.recovery, sp.fear_decay)
        points = sp.points[b]
        if sp.scoring_on and points != 0:
            agents.score[agent] = max(-32000, min(32000, int(agents.score[agent]) + points))
            if points < 0 and not is_true:
                agents.false_points[agent] = min(32000, int(agents.false_points[agent]) - points)
            update_grade_lists(ctx, agent, sp)
        listed = False
        if b == JUDGMENT_DEFAULT and sp.court_on and rng.random() < sp.listing_probability:
            stay = sp.inclusion_days
            if rng.random() < sp.extension_probability:
                stay += sp.extension_low + int(rng.random() * (sp.extension_high - sp.extension_low + 1))
            small = 1 if rng.random() < sp.small_debt_share else 0
            listed = enter_court(ctx, agent, sp.day, 0 if is_true else 1, small, sp.day + stay)
        if listed or (sp.scoring_on and points < 0):
            agents.fear[agent] = int(learn(agents.fear[agent] / 255.0, sp.learning) * 255.0 + 0.5)


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
