"""95% intervals for the figures a user sees: over replicate runs, or exact for a count from one run.

A count of agents in one run (people listed, tickets refused) is treated as a Poisson count: its exact
(Garwood) interval, scaled to people, says how far another seed could move it. Over replicate runs
(seeds ``seed .. seed + R - 1``) a figure is the replicates' mean with the t interval of that mean. A
ratio of two groups' rates is the exact conditional interval of a ratio of Poisson rates (the share of
the two counts that falls in the first group is binomial, given their sum).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

LEVEL = 0.95
SMALL_NUMBER = 30
"""A figure resting on fewer agents than this is flagged: a run of other seeds could give a very different one."""


def poisson_limits(counts, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) limits for the means of Poisson counts (each rounded to a whole number), elementwise."""
    k = np.maximum(np.rint(np.asarray(counts, float)), 0)
    alpha = 1 - level
    low = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * np.maximum(k, 1)) / 2, 0.0)
    return low, stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2


def poisson_interval(count: float, level: float = LEVEL) -> tuple[float, float]:
    """Exact (Garwood) interval for the mean of one Poisson count (``poisson_limits``)."""
    low, high = poisson_limits(count, level)
    return float(low), float(high)


def mean_interval(values, level: float = LEVEL) -> tuple[float, float, float]:
    """The mean of replicate values and its t interval (a single value: an interval of no width)."""
    x = np.asarray(values, float)
    mean = float(x.mean())
    if len(x) < 2:
        return mean, mean, mean
    half = float(stats.t.ppf((1 + level) / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return mean, mean - half, mean + half


def rate_ratio_interval(k1: float, n1: float, k2: float, n2: float,
                        level: float = LEVEL) -> tuple[float, float, float]:
    """Ratio of two rates ``(k1 / n1) / (k2 / n2)`` of Poisson counts ``k1``, ``k2`` over exposures ``n1``, ``n2``,
    with its exact conditional interval (Clopper-Pearson on ``k1`` of ``k1 + k2``); nan where both counts are 0."""
    k1, k2 = max(round(k1), 0), max(round(k2), 0)
    total = k1 + k2
    if total == 0 or n1 <= 0 or n2 <= 0:
        return math.nan, 0.0, math.inf
    alpha = 1 - level
    low_p = stats.beta.ppf(alpha / 2, k1, total - k1 + 1) if k1 else 0.0
    high_p = stats.beta.ppf(1 - alpha / 2, k1 + 1, total - k1) if k2 else 1.0
    odds = lambda p: p / (1 - p) * n2 / n1 if p < 1 else math.inf  # noqa: E731
    ratio = (k1 / n1) / (k2 / n2) if k2 else math.inf
    return ratio, float(odds(low_p)), float(odds(high_p))


def share_interval(kept, total, scales, level: float = LEVEL) -> tuple[float, float, float]:
    """The share ``sum(kept * scales) / sum(total * scales)`` of events, each kept event one of the total's
    (counted in agents of strata that stand for ``scales`` people each), and its Clopper-Pearson interval on the
    effective number of events ``(sum t s)^2 / sum t s^2`` (one stratum: the events themselves); 1 with the
    interval [0, 1] where there were none (nothing was lost, and nothing is known)."""
    k, t, s = (np.asarray(x, float) for x in (kept, total, scales))
    weighted = float((t * s).sum())
    if weighted <= 0:
        return 1.0, 0.0, 1.0
    share = float((k * s).sum()) / weighted
    n = weighted**2 / float((t * s * s).sum())
    hits = share * n
    alpha = 1 - level
    low = float(stats.beta.ppf(alpha / 2, hits, n - hits + 1)) if hits > 0 else 0.0
    high = float(stats.beta.ppf(1 - alpha / 2, hits + 1, n - hits)) if hits < n else 1.0
    return share, low, high


def poisson_band(people, scale, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """The exact Poisson interval of each of a series of counts in people (``scale`` people an agent: one number,
    or one per count), in people: the band a chart draws about a line of one run."""
    people, scale = np.asarray(people, float), np.asarray(scale, float)
    agents = np.divide(people, scale, out=np.zeros(np.broadcast(people, scale).shape), where=scale > 0)
    low, high = poisson_limits(agents, level)
    return low * scale, high * scale


def count_interval(counts, scales, level: float = LEVEL) -> tuple[float, float, float]:
    """A count in people from one run, ``sum(counts * scales)`` (agents counted in strata whose agents stand for
    ``scales`` people each), and its interval: the exact Poisson interval of the effective number of agents
    ``(sum k s)^2 / sum k s^2``, scaled by ``sum k s^2 / sum k s`` (one stratum: the count's own interval)."""
    k, s = np.asarray(counts, float), np.asarray(scales, float)
    value = float((k * s).sum())
    if value <= 0:
        low, high = poisson_interval(0, level)
        return 0.0, 0.0, high * float(s.max(initial=1.0))
    effective_scale = float((k * s * s).sum()) / value
    low, high = poisson_interval(value / effective_scale, level)
    return value, low * effective_scale, high * effective_scale


def entry(value: float, low: float, high: float, basis: str, agents: float) -> dict:
    """A figure as the results carry it: value, 95% interval, basis, the agents it rests on and the flag."""
    return {"value": float(value), "low": max(float(low), 0.0), "high": float(high), "basis": basis,
            "agents": round(float(agents), 1), "small": bool(0 < agents < SMALL_NUMBER)}


def over_replicates(values, agents) -> dict:
    """A figure over replicate runs: the mean and its t interval, resting on the replicates' mean agents."""
    mean, low, high = mean_interval(values)
    return entry(mean, low, high, f"{len(np.atleast_1d(values))} replicates", float(np.mean(agents)))


def distinguishable(low: float, high: float, none: float = 1.0) -> bool:
    """Whether an interval excludes ``none``, the value of no difference (1 for a ratio, 0 for a difference)."""
    return not low <= none <= high
