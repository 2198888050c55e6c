"""The country trust index, and the pressure a partner puts on a country through it.

The index rolls individual scores up into one number per country (higher: more
"trustworthy"), by a configurable rule over people aged 15+:

- ``mean_score``: mean current score over the starting score (1 = everyone at the start);
- ``share_listed``: 1 minus the share listed;
- ``share_redlisted``: the share redlisted;
- ``cooperation``: the share of partners' requests about their listed nationals (``mechanisms.reprisal``) that
  the country granted since the start, each request weighed by the people it concerns (1 with no request);
- ``weighted``: the weights' mix of the four, divided by the sum of the weights.

Every part lies between 0 and 1, and so does the index.

A partner's trade or loan terms tied to the index push a country below the
target to enforce harder: every channel's chance of recording, the effort
spent on partner-directed political acts, and the chance of granting a partner's
request are multiplied (each capped at 1) by
``min(max_multiplier, 1 + strength * (target - index))`` from the next day on.
"""

from __future__ import annotations

import numpy as np

from ..outputs import RATIO, STOCK, Output, declare
from ..scenario.schema import Scenario, Trust

OUT = declare(
    "trust",
    Output("trust_index", "Trust index", RATIO, STOCK, "The country's trust index at the latest evaluation.",
           world=True),
    Output("enforcement", "Enforcement multiplier", RATIO, STOCK,
           "Enforcement multiplier set at the latest evaluation (applies from the next day).", world=True),
)


def index_parts(mean_score: float, start_score: int, listed: float, redlisted: float, adults: float,
                cooperation: float = 1.0) -> dict[str, float]:
    """The four parts of the index for one country."""
    adults = max(adults, 1)
    return {
        "mean_score": mean_score / start_score if start_score else 1.0,
        "share_listed": 1.0 - listed / adults,
        "share_redlisted": redlisted / adults,
        "cooperation": cooperation,
    }


def trust_index(trust: Trust, parts: dict[str, float]) -> float:
    """The index by the scenario's rule."""
    if trust.rule != "weighted":
        return parts[trust.rule]
    total = sum(trust.weights.values())
    return sum(w * parts[name] for name, w in trust.weights.items()) / total


def pressure(scenario: Scenario, names: list[str], index: np.ndarray, day: int) -> np.ndarray:
    """Enforcement multiplier of each country under the partners' terms today (1: no pressure)."""
    out = np.ones(len(names))
    for feedback in scenario.trust.feedback.values():
        if feedback.start is not None and day < (feedback.start - scenario.start_date).days:
            continue
        targets = feedback.countries or [n for n in names if n != feedback.partner]
        for name in targets:
            c = names.index(name)
            gap = max(0.0, feedback.target - index[c])
            out[c] = max(out[c], min(feedback.max_multiplier, 1.0 + feedback.strength * gap))
    return out
