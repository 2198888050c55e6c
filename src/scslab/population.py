"""Synthetic population from aggregate inputs only.

Agents are laid out in contiguous *strata* (region x group x income band), and
within a stratum in contiguous *households*. The layout makes every sampling
step event-driven: picking "a random rural low-income person of group B" is one
integer draw, and a household is the run ``[i - offset, i - offset + size)``.
Nothing about a real person is read or produced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .scenario.schema import Population

REGIONS = ("urban", "rural")
PROPENSITY_CLASSES = 16
CHILD, ADULT, SENIOR = 0, 1, 2
MAX_HOUSEHOLD = 15


@dataclass
class People:
    """Struct of arrays: one preallocated column per agent property, small dtypes."""

    agents: int
    scale: float  # people represented by one agent
    stratum_start: np.ndarray  # int64[S + 1]
    stratum_region: np.ndarray  # uint8[S]: 0 urban, 1 rural
    stratum_group: np.ndarray  # uint8[S]
    stratum_income: np.ndarray  # uint8[S]: 0 low, 1 middle, 2 high
    group: np.ndarray  # uint8[N] (derived from strata; kept for fast lookups in kernels)
    age: np.ndarray  # uint8[N]: 0 '0-14', 1 '15-59', 2 '60+'
    household_offset: np.ndarray  # uint8[N]: position within the household
    household_size: np.ndarray  # uint8[N]
    propensity: np.ndarray  # uint8[N]: low nibble offending class, high nibble expression class
    offending_multiplier: np.ndarray  # float64[16]: mean 1
    expression_multiplier: np.ndarray  # float64[16]: mean 1

    @property
    def strata(self) -> int:
        return len(self.stratum_region)


def lognormal_class_means(sigma: float, classes: int = PROPENSITY_CLASSES) -> np.ndarray:
    """Mean of a mean-1 lognormal within each of ``classes`` equally likely quantile bins."""
    if sigma == 0:
        return np.ones(classes)
    phi = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    inv = _normal_quantiles(classes)
    means = [(phi(b - sigma) - phi(a - sigma)) * classes for a, b in zip(inv[:-1], inv[1:])]
    return np.asarray(means)


def _normal_quantiles(classes: int) -> list[float]:
    from statistics import NormalDist

    nd = NormalDist()
    return [-math.inf] + [nd.inv_cdf(k / classes) for k in range(1, classes)] + [math.inf]


def allocate(total: int, shares: np.ndarray) -> np.ndarray:
    """Split ``total`` into integer counts proportional to ``shares`` (largest remainder)."""
    exact = shares / shares.sum() * total
    counts = np.floor(exact).astype(np.int64)
    remainder = total - counts.sum()
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:remainder]] += 1
    return counts


def stratum_shares(pop: Population) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shares and (region, group, income) of each stratum, in layout order."""
    region_shares = np.array([pop.urban_share, 1 - pop.urban_share])
    income = [np.array(pop.income_shares_urban), np.array(pop.income_shares_rural)]
    shares, regions, groups, incomes = [], [], [], []
    for r in range(2):
        for g, group in enumerate(pop.groups):
            for i in range(3):
                shares.append(region_shares[r] * group.share * income[r][i])
                regions.append(r)
                groups.append(g)
                incomes.append(i)
    return (np.array(shares), np.array(regions, np.uint8), np.array(groups, np.uint8), np.array(incomes, np.uint8))


def household_sizes(rng: np.random.Generator, agents: int, mean: float) -> np.ndarray:
    """Household sizes 1..15 (1 + Poisson) covering exactly ``agents`` people."""
    sizes = []
    covered = 0
    while covered < agents:
        batch = np.minimum(1 + rng.poisson(max(mean - 1, 0), size=max(1024, int((agents - covered) / mean) + 16)), MAX_HOUSEHOLD)
        sizes.append(batch)
        covered += int(batch.sum())
    sizes = np.concatenate(sizes)
    ends = np.cumsum(sizes)
    cut = int(np.searchsorted(ends, agents))
    sizes = sizes[: cut + 1]
    sizes[-1] -= int(ends[cut] - agents)
    return sizes[sizes > 0]


def synthesize(pop: Population, agents: int, rng: np.random.Generator) -> People:
    """Build ``agents`` agents representing ``pop.size`` people."""
    shares, regions, groups, incomes = stratum_shares(pop)
    counts = allocate(agents, shares)
    start = np.zeros(len(counts) + 1, np.int64)
    start[1:] = np.cumsum(counts)

    offset = np.zeros(agents, np.uint8)
    size = np.zeros(agents, np.uint8)
    first = np.zeros(agents, bool)
    for s in range(len(counts)):
        if counts[s] == 0:
            continue
        sizes = household_sizes(rng, int(counts[s]), pop.household_size_mean)
        heads = np.zeros(len(sizes), np.int64)
        heads[1:] = np.cumsum(sizes)[:-1]
        lo = start[s]
        size[lo : lo + counts[s]] = np.repeat(sizes, sizes).astype(np.uint8)
        within = np.arange(counts[s]) - np.repeat(heads, sizes)
        offset[lo : lo + counts[s]] = within.astype(np.uint8)
        first[lo + heads] = True

    age = _ages(rng, pop.age_shares, first)
    offending = rng.integers(0, PROPENSITY_CLASSES, agents, dtype=np.uint8)
    expression = rng.integers(0, PROPENSITY_CLASSES, agents, dtype=np.uint8)
    return People(
        agents=agents,
        scale=pop.size / agents,
        stratum_start=start,
        stratum_region=regions,
        stratum_group=groups,
        stratum_income=incomes,
        group=np.repeat(groups, counts).astype(np.uint8),
        age=age,
        household_offset=offset,
        household_size=size,
        propensity=(offending | (expression << 4)).astype(np.uint8),
        offending_multiplier=lognormal_class_means(pop.offending_dispersion),
        expression_multiplier=lognormal_class_means(pop.expression_dispersion),
    )


def _ages(rng: np.random.Generator, shares: list[float], first: np.ndarray) -> np.ndarray:
    """Age bands matching ``shares`` overall, with every household headed by someone 15+."""
    child, adult, senior = shares
    n, heads = len(first), int(first.sum())
    age = np.empty(n, np.uint8)
    grown = adult + senior
    age[first] = np.where(rng.random(heads) < (adult / grown if grown else 1.0), ADULT, SENIOR)
    rest = n - heads
    if rest:
        p_child = min(1.0, child * n / rest)
        left = 1 - p_child
        p_adult = max(0.0, adult * n - heads * adult / grown) / rest if grown else 0.0
        p_adult = min(p_adult, left)
        u = rng.random(rest)
        age[~first] = np.where(u < p_child, CHILD, np.where(u < p_child + p_adult, ADULT, SENIOR))
    return age
