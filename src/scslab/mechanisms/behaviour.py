"""Behaviours: financial, traffic and public order, social, political and expressive, loyalty.

Events are drawn per stratum, not per person: the number of candidates is
Poisson at the stratum's highest possible rate, then each candidate is a random
member kept with probability (own rate / highest rate) (thinning). The same
uniform decides both whether the event happens with the system and whether it
would have happened with no system, so lawful expression can be compared with
its own counterfactual in the same run. Each behaviour draws from its own
random stream.
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb
import numpy as np

from ..population import ADULT, SENIOR, People
from ..scenario.schema import BEHAVIOURS, Scenario
from .response import current_fear, personal_factor
from .state import C, F_APP, G, append_record

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
def behaviour_events(rngs, base, stratum_start, age, propensity, group, flags, fear, touched, acceptance,
                     detect, bd, out_agent, out_behaviour, out_true, n, counters, group_counters):
    """Draw every behaviour's events for one day, each from its own stream; append the recorded ones.

    Returns the new record count and the record buffers (grown if they were too small)."""
    for b in range(len(rngs)):
        rng = rngs[b]
        for s in range(base.shape[1]):
            lo = stratum_start[s]
            size = stratum_start[s + 1] - lo
            count = rng.poisson(base[b, s] * bd.draw_factor[b]) if base[b, s] > 0 else 0
            for _ in range(count):
                agent = lo + rng.integers(0, size)
                a = age[agent]
                if a != ADULT and a != SENIOR:
                    continue
                is_app = flags[agent] & F_APP != 0
                if bd.app_only[b] and not is_app:
                    continue
                u = rng.random()
                keep = acceptance[b, (propensity[agent] >> bd.nibble[b]) & 15] / bd.draw_factor[b]
                g = group[agent]
                if bd.expression[b] and u < keep:
                    counters[C.expression_baseline] += 1
                    group_counters[g, G.expression_baseline] += 1
                keep *= bd.system_factor[b]
                if bd.elasticity[b] != 0.0:
                    f = current_fear(fear, touched, agent, bd.day, bd.fear_decay)
                    keep *= personal_factor(f, bd.base_risk[b], bd.baseline, bd.elasticity[b])
                if u >= keep:
                    continue
                if bd.expression[b]:
                    counters[C.expression] += 1
                    group_counters[g, G.expression] += 1
                if bd.offence[b]:
                    counters[C.offences] += 1
                if rng.random() < detect[b, s, 1 if is_app else 0]:
                    n, out_agent, out_behaviour, out_true = append_record(
                        out_agent, out_behaviour, out_true, n, agent, b, True)
    return n, out_agent, out_behaviour, out_true


@nb.njit(cache=True)
def adopt_app(rng, means, stratum_start, age, flags, counters):
    """Installing the official app (a loyalty signal that also opens the app channel)."""
    for s in range(means.shape[0]):
        lo = stratum_start[s]
        size = stratum_start[s + 1] - lo
        for _ in range(rng.poisson(means[s])):
            agent = lo + rng.integers(0, size)
            a = age[agent]
            if (a == ADULT or a == SENIOR) and flags[agent] & F_APP == 0:
                flags[agent] |= F_APP
                counters[C.app_users] += 1
