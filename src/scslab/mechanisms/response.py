"""Behavioural response: deterrence, chilling of lawful expression, adaptation, loyalty signalling.

Offending falls with the perceived *certainty* of being caught (elasticity about
-0.5) far more than with severity (about -0.13). The multiplier on a behaviour's
rate is ``ratio_c ** e_certainty * ratio_s ** e_severity`` with
``ratio_c = (c0 + R) / c0`` and ``ratio_s = 1 + severity * penalised``, where
``c0`` is the perceived certainty with no system and ``R`` the perceived risk the
system adds: the population's *learned* perceived detection times the weight of
the behaviour's believed penalty (known under a public rulebook, guessed under a
secret one, see ``beliefs``). Under ``response.extrapolation = "capped"`` the two
ratios stop at ``certainty_cap`` and ``severity_cap``, the largest changes the
elasticities were measured on (lawful expression's chilling is never capped).

Perceived detection is learned from publicity (``PerceivedCertainty``): it starts
at the no-system level (nothing added) and moves towards the true detection
probability at a speed set by what people see of the system, the listed share of
adults (people one knows of on the public court list) and billboard displays seen
recently. A person who has been recorded, or whose household member enters the
court list, fears more (``learning``, ``household_learning``), and that fear fades
with a half-life (adaptation).
"""

from __future__ import annotations

import math
from collections import namedtuple

import numba as nb
import numpy as np

from ..scenario.schema import BEHAVIOUR_KIND, BEHAVIOURS, Scenario

FEAR_STEPS = 255.0
"""Fear (extra perceived certainty, 0 to 1) is kept in one byte, in steps of 1/255."""

NO_CAP = math.inf
"""The cap of a ratio under ``constant_elasticity`` (and of lawful expression's chilling)."""

Beliefs = namedtuple("Beliefs", "penalised weight")
"""Per behaviour: the believed chance it is penalised (it scales the severity ratio) and the weight of
perceived detection in its perceived risk (``R = detection * weight``): the belief, times one plus the
ambiguity premium where the rulebook is secret and ``secrecy_effect`` is ``deters_more``."""


def beliefs(scenario: Scenario, court_on: bool, scoring_on: bool) -> Beliefs:
    """What people believe of each behaviour's penalty, per behaviour (see ``Beliefs``).

    Public rulebook: they know which behaviours are penalised. Secret rulebook (the court list
    itself is always public), ``under_deters``: they guess ``secret_prior`` for every behaviour;
    ``deters_more`` (Baker, Harel & Kugler 2004): their expected sanction of a penalised behaviour
    is the public one, and not knowing which acts are sanctioned adds the ambiguity premium to
    the perceived risk of every behaviour whose status they cannot know (the unpenalised ones
    still guessed at ``secret_prior``).
    """
    penalised = np.zeros(len(BEHAVIOURS))
    weight = np.zeros(len(BEHAVIOURS))
    if not scenario.system:
        return Beliefs(penalised, weight)
    r = scenario.response
    for b, name in enumerate(BEHAVIOURS):
        behaviour = getattr(scenario.behaviours, name)
        if BEHAVIOUR_KIND[name] == "loyalty":
            continue
        court = court_on and name == "judgment_default"
        truly = (scoring_on and behaviour.points < 0) or court
        if scenario.rulebook.mode == "public" or court:
            penalised[b] = weight[b] = 1.0 if truly else 0.0
        elif scoring_on:
            if scenario.rulebook.secrecy_effect == "deters_more":
                penalised[b] = 1.0 if truly else r.secret_prior
                weight[b] = penalised[b] * (1.0 + r.ambiguity_premium)
            else:
                penalised[b] = weight[b] = r.secret_prior
    return Beliefs(penalised, weight)


def caps(scenario: Scenario) -> tuple[float, float]:
    """The (certainty, severity) ratio caps of the extrapolation rule (``NO_CAP`` when uncapped)."""
    r = scenario.response
    if r.extrapolation == "capped":
        return r.certainty_cap, r.severity_cap
    return NO_CAP, NO_CAP


def certainty_factor(risk: float, baseline: float, elasticity: float, cap: float) -> float:
    """``min((c0 + R) / c0, cap) ** elasticity``: the rate multiplier of perceived risk ``R``."""
    return min((baseline + risk) / baseline, cap) ** elasticity


def severity_factor(severity: float, penalised: float, elasticity: float, cap: float) -> float:
    """``min(1 + severity * penalised, cap) ** elasticity``: the rate multiplier of expected severity."""
    return min(1.0 + severity * penalised, cap) ** elasticity


def rate_multipliers(scenario: Scenario, perceived_detection: np.ndarray, belief: Beliefs,
                     loyalty_rewarded: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Population-level rate multipliers, the elasticity used for each behaviour, and its certainty cap."""
    r = scenario.response
    certainty_cap, severity_cap = caps(scenario)
    mult = np.ones(len(BEHAVIOURS))
    elasticity = np.zeros(len(BEHAVIOURS))
    cap = np.full(len(BEHAVIOURS), NO_CAP)
    for b, name in enumerate(BEHAVIOURS):
        behaviour = getattr(scenario.behaviours, name)
        if BEHAVIOUR_KIND[name] == "loyalty":
            mult[b] = 1.0 + (r.loyalty_response if loyalty_rewarded else 0.0)
            continue
        e = r.chilling_elasticity if behaviour.lawful else r.certainty_elasticity
        elasticity[b] = e
        cap[b] = NO_CAP if behaviour.lawful else certainty_cap
        risk = perceived_detection[b] * belief.weight[b]
        mult[b] = certainty_factor(risk, r.baseline_certainty, e, cap[b])
        mult[b] *= severity_factor(behaviour.severity, belief.penalised[b], r.severity_elasticity, severity_cap)
    return mult, elasticity, cap


class PerceivedCertainty:
    """The population's perceived chance of detection per behaviour, learned from publicity.

    What the public sees of the system on a day is its exposure ``x``, the expected number of
    listed people and billboard displays an adult knows of or has seen recently::

        x = acquaintances * listed / adults + viewers_per_display * displays_in_window / adults

    The share of adults who have seen the system at work is ``q = 1 - exp(-x)`` (sightings are
    Poisson), and perceived detection ``P`` moves towards the true probability ``D`` by
    ``P += (1 - 2 ** (-q / half_life)) * (D - P)`` a day: with no publicity it stays at the
    no-system level (0, nothing added), with everyone informed the gap halves every
    ``publicity_half_life_days``. One value per behaviour for the whole population: no per-agent work.
    """

    def __init__(self, scenario: Scenario, adults: int):
        r = scenario.response
        self.acquaintances = r.publicity_acquaintances
        self.viewers = r.publicity_viewers_per_display
        self.half_life = r.publicity_half_life_days
        self.adults = max(adults, 1)
        self.level = np.zeros(len(BEHAVIOURS))
        self.displays = np.zeros(r.publicity_window_days + 1)  # running totals of the last days, a ring
        self.day = None
        self.informed = 0.0

    def exposure(self, listed: float, recent_displays: float) -> float:
        """Listed acquaintances known of plus displays seen recently, per adult."""
        return (self.acquaintances * listed + self.viewers * recent_displays) / self.adults

    def step(self, day: int, listed: float, displays_total: float, target: np.ndarray) -> np.ndarray:
        """Perceived detection on ``day`` (once a day: a second call the same day changes nothing), from
        the people on the court list and the billboard displays so far (in agents) and the true
        detection probabilities ``target``."""
        if day == self.day:
            return self.level
        self.day = day
        ring = len(self.displays)
        self.displays[day % ring] = displays_total
        recent = displays_total - self.displays[(day + 1) % ring]  # the total window days ago (0 before the start)
        self.informed = 1.0 - math.exp(-self.exposure(listed, recent))
        step = 1.0 - 0.5 ** (self.informed / self.half_life)
        self.level = self.level + step * (target - self.level)
        return self.level


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
def personal_factor(fear_now, base_risk, baseline, elasticity, cap):
    """Extra deterrence of one person from their own fear, relative to the population's: the ratio of
    their certainty multiplier to the population's, each ratio capped at ``cap`` (so a person already
    at the cap is deterred no more)."""
    if fear_now == 0.0 or elasticity == 0.0:
        return 1.0
    most = cap * baseline
    population = min(baseline + base_risk, most)
    own = min(baseline + base_risk + fear_now, most)
    return (own / population) ** elasticity


@nb.njit(cache=True)
def learn(fear_now, learning):
    """Fear after being recorded: a step ``learning`` of the way towards certainty."""
    return fear_now + learning * (1.0 - fear_now)
