"""Behaviours: financial, traffic and public order, social, political and expressive, loyalty.

Events are drawn per piece of a stratum, not per person: the number of
candidates is Poisson at the stratum's highest possible rate, then each
candidate is a random member kept with probability (own rate / highest rate)
(thinning). The same
uniform decides both whether the event happens with the system and whether it
would have happened with no system, so lawful expression can be compared with
its own counterfactual in the same run. Each behaviour draws from its own
random stream (keyed by day and piece, see ``streams``).
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb
import numpy as np

from ..population import CHILD, People
from ..scenario.schema import BEHAVIOURS, Scenario
from .response import current_fear, personal_factor
from .state import ABROAD, C, F_ABROAD, F_APP
from ..streams import ADOPTION, BEHAVIOUR, below, stream, uniform

BATCH = 256  # candidates drawn, then looked up, together

BehaviourDay = namedtuple(
    "BehaviourDay",
    "day nibble system_factor draw_factor base_risk baseline elasticity fear_decay offence expression app_only",
)
"""One day's behaviour parameters, one array entry per behaviour."""


class BehaviourRates:
    """Static rate structure of every behaviour: per-stratum candidate rates with no system."""

    def __init__(self, scenario: Scenario, people: People):
        sizes = np.diff(people.stratum_start).astype(float)
        self.kinds = []
        self.base = np.zeros((len(BEHAVIOURS), people.strata))  # candidates per day, no system
        self.acceptance = np.zeros((len(BEHAVIOURS), len(people.offending_multiplier)))
        for b, name in enumerate(BEHAVIOURS):
            behaviour = getattr(scenario.behaviours, name)
            income = np.array(behaviour.income_multipliers)[people.stratum_income]
            urban = np.where(people.stratum_region == 0, behaviour.urban_multiplier, 1.0)
            expression = behaviour.kind == "political"
            mult = people.expression_multiplier if expression else people.offending_multiplier
            if behaviour.kind == "loyalty":
                mult = np.ones_like(mult)
            self.acceptance[b] = mult / mult.max()
            self.base[b] = sizes * behaviour.rate_per_year / 365.0 * income * urban * mult.max()
            self.kinds.append(behaviour.kind)
        self.lawful = np.array([getattr(scenario.behaviours, n).lawful for n in BEHAVIOURS])
        self.political = np.array([k == "political" for k in self.kinds])
        self.loyalty = np.array([k == "loyalty" for k in self.kinds])


@nb.njit(cache=True)
def piece_behaviours(seed, p, lo, hi, s, counts, age, propensity, flags, fear, touched, acceptance, detect, bd,
                     out_agent, out_behaviour, out_true, n, pc):
    """Draw one piece's events of every behaviour, each from its own stream; append the recorded ones.

    ``counts[b]`` candidates (Poisson at the stratum's highest rate) are thinned
    to events; ``pc`` collects the piece's counters. Returns the new record count."""
    size = hi - lo
    at = np.empty(BATCH, np.int64)
    u = np.empty(BATCH)
    ages = np.empty(BATCH, np.uint8)
    classes = np.empty(BATCH, np.uint8)
    flag = np.empty(BATCH, np.uint8)
    for b in range(len(counts)):
        rng = stream(seed, BEHAVIOUR + b, bd.day, p)
        left = counts[b]
        while left > 0:
            m = min(BATCH, left)
            left -= m
            for j in range(m):
                at[j] = lo + below(rng, size)
                u[j] = uniform(rng)
            # Gather before branching: independent loads the processor can overlap.
            for j in range(m):
                ages[j] = age[at[j]]
            for j in range(m):
                classes[j] = (propensity[at[j]] >> bd.nibble[b]) & 15
            for j in range(m):
                flag[j] = flags[at[j]]
            for j in range(m):
                app = flag[j] & F_APP != 0
                if ages[j] == CHILD or (bd.app_only[b] and not app):
                    continue
                keep = acceptance[b, classes[j]] / bd.draw_factor[b]
                if bd.expression[b] and u[j] < keep:
                    pc[C.expression_baseline] += 1
                keep *= bd.system_factor[b]
                if u[j] >= keep:
                    continue  # the personal factor below is at most 1 (elasticities are never positive)
                agent = at[j]
                if bd.elasticity[b] != 0.0:
                    f = current_fear(fear, touched, agent, bd.day, bd.fear_decay)
                    if u[j] >= keep * personal_factor(f, bd.base_risk[b], bd.baseline, bd.elasticity[b]):
                        continue
                if bd.expression[b]:
                    pc[C.expression] += 1
                if bd.offence[b]:
                    pc[C.offences] += 1
                if flag[j] & F_ABROAD:  # happens abroad: the host's channels decide (mechanisms.borders)
                    out_agent[n] = agent
                    out_behaviour[n] = b | ABROAD
                    out_true[n] = True
                    n += 1
                    continue
                if uniform(rng) < detect[b, s, 1 if app else 0]:
                    out_agent[n] = agent
                    out_behaviour[n] = b
                    out_true[n] = True
                    n += 1
    return n


@nb.njit(cache=True)
def piece_adoption(seed, day, p, lo, hi, count, age, flags, pc):
    """Installing the official app (a loyalty signal that also opens the app channel), in one piece."""
    rng = stream(seed, ADOPTION, day, p)
    for _ in range(count):
        agent = lo + below(rng, hi - lo)
        if age[agent] != CHILD and flags[agent] & F_APP == 0:
            flags[agent] |= F_APP
            pc[C.app_users] += 1
