"""Behavioural response: deterrence, chilling of lawful expression, adaptation, loyalty signalling.

Offending falls with the perceived *certainty* of being caught (elasticity about
-0.5) far more than with severity (about -0.13). The multiplier on a behaviour's
rate is ``((c0 + R) / c0) ** e_certainty * (1 + severity * penalised) ** e_severity``
where ``c0`` is the perceived certainty with no system and ``R`` the perceived
risk the system adds: perceived detection times the believed chance the
behaviour is penalised (known under a public rulebook, guessed under a secret
one). A person who has been recorded fears more (``learning``), and that fear
fades with a half-life (adaptation).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..scenario.schema import BEHAVIOURS, Scenario

FEAR_STEPS = 255.0
"""Fear (extra perceived certainty, 0 to 1) is kept in one byte, in steps of 1/255."""


def perceived_penalised(scenario: Scenario, court_on: bool, scoring_on: bool) -> np.ndarray:
    """Believed chance that each behaviour is penalised, per behaviour."""
    out = np.zeros(len(BEHAVIOURS))
    if not scenario.system:
        return out
    for b, name in enumerate(BEHAVIOURS):
        behaviour = getattr(scenario.behaviours, name)
        if behaviour.kind == "loyalty":
            continue
        truly = (scoring_on and behaviour.points < 0) or (court_on and name == "judgment_default")
        if scenario.rulebook.mode == "public":
            out[b] = 1.0 if truly else 0.0
        elif court_on and name == "judgment_default":
            out[b] = 1.0  # the court blacklist itself is public
        elif scoring_on:
            out[b] = scenario.response.secret_prior
    return out


def rate_multipliers(scenario: Scenario, perceived_detection: np.ndarray, penalised: np.ndarray,
                     loyalty_rewarded: bool) -> tuple[np.ndarray, np.ndarray]:
    """Population-level rate multipliers and the elasticity used for each behaviour."""
    r = scenario.response
    mult = np.ones(len(BEHAVIOURS))
    elasticity = np.zeros(len(BEHAVIOURS))
    for b, name in enumerate(BEHAVIOURS):
        behaviour = getattr(scenario.behaviours, name)
        if behaviour.kind == "loyalty":
            mult[b] = 1.0 + (r.loyalty_response if loyalty_rewarded else 0.0)
            continue
        e = r.chilling_elasticity if behaviour.lawful else r.certainty_elasticity
        elasticity[b] = e
        risk = perceived_detection[b] * penalised[b]
        mult[b] = ((r.baseline_certainty + risk) / r.baseline_certainty) ** e
        mult[b] *= (1.0 + behaviour.severity * penalised[b]) ** r.severity_elasticity
    return mult, elasticity


def fear_decay_per_day(scenario: Scenario) -> float:
    return math.pow(0.5, 1.0 / scenario.response.habituation_half_life_days)


@nb.njit(cache=True, inline="always")
def stored_fear(fear_now):
    """Fear as stored in its byte (rounded to the nearest step)."""
    return int(fear_now * FEAR_STEPS + 0.5)


@nb.njit(cache=True)
def current_fear(fear, touched, agent, day, decay):
    """A person's extra perceived certainty now (0..1), faded since last touched."""
    f = fear[agent] / FEAR_STEPS
    if f == 0.0:
        return 0.0
    return f * decay ** (day - touched[agent])


@nb.njit(cache=True)
def personal_factor(fear_now, base_risk, baseline, elasticity):
    """Extra deterrence of one person from their own fear, relative to the population's."""
    if fear_now == 0.0 or elasticity == 0.0:
        return 1.0
    return ((baseline + base_risk + fear_now) / (baseline + base_risk)) ** elasticity


@nb.njit(cache=True)
def learn(fear_now, learning):
    """Fear after being recorded: a step ``learning`` of the way towards certainty."""
    return fear_now + learning * (1.0 - fear_now)
