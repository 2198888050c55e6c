"""Synthetic population from aggregate inputs only.

Agents are laid out in contiguous *strata* (region x pilot area x group x income band), and
within a stratum in contiguous *households*. The layout makes every sampling
step event-driven: picking "a random rural low-income person of group B" is one
integer draw, and a household is the run ``[i - offset, i - offset + size)``.
A person's two propensity classes are not stored but computed from their place
(``propensity_class``), so that an event can be drawn at its exact rate: first
its class, then a member of that class (``member_of_class``).
Nothing about a real person is read or produced.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numba as nb
import numpy as np

from .streams import AGES, HOUSEHOLDS, PROPENSITY, bits, categorical, hashed, stream, unit
from .scenario.schema import INCOME_BANDS, Population

URBAN, RURAL = 0, 1
"""Region codes of a stratum (``People.stratum_region``)."""
PROPENSITY_CLASSES = 16
OFFENDING, EXPRESSION, UPTAKE = 0, 1, 2
"""The two kinds of propensity (``propensity_class``): to offend, and to lawful political expression; and the
classes that order the people of a piece for taking up the official app (``place_of_rank``)."""
PERMUTATIONS = 4096
"""Orders of the classes in a piece's column, chosen among by a hash (``propensity_class``)."""
CHILD, ADULT, SENIOR = 0, 1, 2
HOUSEHOLD_POSITION = 0x0F
"""Mask of the household byte's low 4 bits: a person's position within the household (0: its head)."""
HOUSEHOLD_SIZE_SHIFT = 4
"""Shift of the household byte's high 4 bits: the household's size."""
MAX_HOUSEHOLD = 15  # fits the household byte's high nibble
PIECE = 1 << 20  # agents per piece at most


@dataclass
class People:
    """Struct of arrays: one preallocated column per agent property, small dtypes (2 bytes an agent;
    a run moves them into its agents' records, ``state.CELL``).

    What a whole stratum shares (region, pilot area, group, income band) is stored once per
    stratum, not per agent. Pieces split the strata into blocks of at most
    ``PIECE`` agents: the unit of parallel work and of random streams.
    """

    agents: int
    scale: float  # people represented by one agent on average (the population over the agents)
    group_scale: np.ndarray  # float64[G]: people represented by one agent of each group
    stratum_start: np.ndarray  # int64[S + 1]
    stratum_region: np.ndarray  # uint8[S]: URBAN or RURAL
    stratum_group: np.ndarray  # uint8[S]
    stratum_income: np.ndarray  # uint8[S]: index into INCOME_BANDS
    stratum_pilot: np.ndarray  # uint8[S]: 0 outside any pilot area, k + 1 in pilot k (scenario.pilots)
    piece_start: np.ndarray  # int64[P + 1]
    piece_stratum: np.ndarray  # int64[P]
    piece_adults: np.ndarray  # int64[P]: agents aged 15+ in each piece
    age: np.ndarray  # uint8[N]: CHILD, ADULT or SENIOR (AGE_BANDS)
    household: np.ndarray  # uint8[N]: position within the household (low nibble), household size (high nibble)
    seed: int  # the synthesis seed: it also places the propensity classes (``propensity_class``)
    offending_multiplier: np.ndarray  # float64[16]: mean 1
    expression_multiplier: np.ndarray  # float64[16]: mean 1

    @property
    def weighted(self) -> bool:
        """Whether some group's agents stand for fewer people than others' (a group raised to the floor)."""
        return bool((self.group_scale != self.scale).any())

    @property
    def piece_weight(self) -> np.ndarray:
        """float64[P]: the people an agent of each piece stands for, over ``scale`` (1 everywhere unless weighted)."""
        return (self.group_scale / self.scale)[self.stratum_group[self.piece_stratum]]

    @property
    def group_agents(self) -> np.ndarray:
        """int64[G]: the agents of each group."""
        return np.bincount(self.stratum_group, np.diff(self.stratum_start), len(self.group_scale)).astype(np.int64)

    def scale_of(self, agents) -> np.ndarray:
        """float64[n]: the people each of ``agents`` stands for."""
        strata = np.searchsorted(self.stratum_start, agents, side="right") - 1
        return self.group_scale[self.stratum_group[strata]]

    def people_in(self, agents) -> float:
        """The people ``agents`` stand for together."""
        agents = np.asarray(agents)
        return float(self.scale_of(agents).sum()) if self.weighted else agents.size * self.scale

    @property
    def strata(self) -> int:
        return len(self.stratum_region)

    @property
    def pieces(self) -> int:
        return len(self.piece_stratum)

    # Convenience views for analysis and tests; each allocates a full column.
    @property
    def group(self) -> np.ndarray:
        return np.repeat(self.stratum_group, np.diff(self.stratum_start))

    @property
    def household_offset(self) -> np.ndarray:
        return self.household & HOUSEHOLD_POSITION

    @property
    def household_size(self) -> np.ndarray:
        return self.household >> HOUSEHOLD_SIZE_SHIFT

    def propensity(self, kind: int) -> np.ndarray:
        """uint8[N]: every agent's class of propensity ``kind`` (OFFENDING or EXPRESSION)."""
        return propensity_classes(self.seed, kind, self.piece_start)


def _class_orders(count: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` random orders of the classes, fixed (NumPy's PCG64 ``random``, whose stream is stable), and
    their inverses."""
    order = np.argsort(np.random.default_rng(PROPENSITY).random((count, PROPENSITY_CLASSES)), axis=1)
    return order.astype(np.uint8), np.argsort(order, axis=1).astype(np.uint8)


CLASS_AT, SLOT_OF = _class_orders(PERMUTATIONS)
"""``CLASS_AT[o, slot]``: the class at a slot of a column in order ``o``; ``SLOT_OF[o, class]``: its slot."""


@nb.njit(inline="always")
def _order(seed, kind, lo, column):
    return int(hashed(seed, PROPENSITY + kind, lo, column) % np.uint64(PERMUTATIONS))


@nb.njit(inline="always")
def columns_of(size):
    """A piece of ``size`` agents seen as ``PROPENSITY_CLASSES`` rows of this many columns: agent
    ``lo + row * columns + column``, the fewer than ``PROPENSITY_CLASSES`` places past the piece's end empty."""
    return (size + PROPENSITY_CLASSES - 1) // PROPENSITY_CLASSES


@nb.njit(cache=True)
def propensity_class(seed, kind, lo, size, agent):
    """The class of propensity ``kind`` of ``agent``, in the piece of ``size`` agents from ``lo``. Each column
    holds one agent of each class, in an order chosen by a hash of (seed, kind, piece, column); a household's
    members sit in neighbouring columns, whose orders are independent."""
    m = columns_of(size)
    x = agent - lo
    return CLASS_AT[_order(seed, kind, lo, x % m), x // m]


@nb.njit(inline="always")
def member_of_class(seed, kind, lo, size, c, column):
    """The agent of class ``c`` in ``column`` of the piece, or -1 where its place is past the piece's end."""
    m = columns_of(size)
    x = SLOT_OF[_order(seed, kind, lo, column), c] * m + column
    return lo + x if x < size else -1


@nb.njit(cache=True)
def rank_stride(columns):
    """A step through a piece's columns that visits each once (coprime with their number), near the golden
    section of it, so that neighbouring ranks fall far apart."""
    stride = max(1, int(columns * 0.6180339887498949))
    while math.gcd(stride, columns) != 1:
        stride += 1
    return stride


@nb.njit(inline="always")
def place_of_rank(seed, lo, size, stride, rank):
    """The agent at ``rank`` of the piece's order of uptake, or -1 for a place past its end: the classes of
    kind UPTAKE one after the other, each one's columns ``stride`` apart (``rank_stride``). The first ranks
    are a random-like set of people (each class a sixteenth of the piece, its members in independent columns),
    so that taking up the app in rank order is taking it up in random order, and the users are the first ranks:
    one of them can be drawn with no look-up."""
    m = columns_of(size)
    return member_of_class(seed, UPTAKE, lo, size, rank // m, (rank % m) * stride % m)


@nb.njit(cache=True)
def propensity_classes(seed, kind, piece_start):
    """uint8[N]: every agent's class of propensity ``kind`` (for tests and analysis; the kernels compute it)."""
    out = np.empty(piece_start[-1], np.uint8)
    for p in range(len(piece_start) - 1):
        lo, hi = piece_start[p], piece_start[p + 1]
        for i in range(lo, hi):
            out[i] = propensity_class(seed, kind, lo, hi - lo, i)
    return out


@nb.njit(cache=True, parallel=True)
def adults_by_class(seed, kind, piece_start, age):
    """int64[P, PROPENSITY_CLASSES]: each piece's people aged 15+ in each class of propensity ``kind``, column
    by column (one hash a column, rows read in order)."""
    pieces = len(piece_start) - 1
    out = np.zeros((pieces, PROPENSITY_CLASSES), np.int64)
    for p in nb.prange(pieces):
        lo, size = piece_start[p], piece_start[p + 1] - piece_start[p]
        m = columns_of(size)
        for column in range(m):
            order = _order(seed, kind, lo, column)
            for c in range(PROPENSITY_CLASSES):
                x = SLOT_OF[order, c] * m + column
                if x < size and age[lo + x] != CHILD:
                    out[p, c] += 1
    return out


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


def floored_split(sizes, agents: int, floor=0) -> np.ndarray:
    """Agents per part in proportion to ``sizes`` (largest remainder), except that no part gets fewer than
    ``floor`` agents (one for all parts, or one per part), capped at half of ``agents`` shared equally and at
    the part's size. The parts raised to their floor keep it and the others share the rest in proportion."""
    sizes = np.asarray(sizes, float)
    floors = np.minimum(np.minimum(floor, agents // (2 * len(sizes))), sizes).astype(np.int64)
    fixed = np.zeros(len(sizes), bool)
    while True:
        free = ~fixed
        exact = np.zeros(len(sizes))
        exact[free] = (agents - int(floors[fixed].sum())) * sizes[free] / sizes[free].sum()
        raised = free & (exact < floors)
        if not raised.any():
            break
        fixed |= raised
    out = np.where(fixed, floors, np.floor(exact)).astype(np.int64)
    gap = np.where(free, out - exact, np.inf)
    out[np.argsort(gap, kind="stable")[: agents - int(out.sum())]] += 1
    return out


def stratum_shares(pop: Population, pilot_shares: Sequence[float] = ()) -> tuple[np.ndarray, ...]:
    """Shares and (region, group, income, pilot) of each stratum, in layout order. A group's urban share and
    income shares are its own where the scenario gives them, else the population's. ``pilot_shares`` are
    the shares of the urban population living in each pilot area (``Pilot.urban_share``): urban strata are
    split by area, pilot 0 being the rest of the country (with no pilots, the layout is region x group x
    income)."""
    areas = [(0, 1.0 - sum(pilot_shares))] + [(k + 1, share) for k, share in enumerate(pilot_shares)]
    shares, regions, groups, incomes, pilots = [], [], [], [], []
    for r in (URBAN, RURAL):
        for pilot, area_share in (areas if r == URBAN else [(0, 1.0)]):
            for g, group in enumerate(pop.groups):
                urban = pop.urban_share if group.urban_share is None else group.urban_share
                own = group.income_shares_urban if r == URBAN else group.income_shares_rural
                income = own if own is not None else (pop.income_shares_urban if r == URBAN
                                                      else pop.income_shares_rural)
                for i in range(len(INCOME_BANDS)):
                    shares.append((urban if r == URBAN else 1 - urban) * area_share * group.share * income[i])
                    regions.append(r)
                    groups.append(g)
                    incomes.append(i)
                    pilots.append(pilot)
    return (np.maximum(np.array(shares), 0.0), np.array(regions, np.uint8), np.array(groups, np.uint8),
            np.array(incomes, np.uint8), np.array(pilots, np.uint8))


def split_into_pieces(stratum_start: np.ndarray, piece: int = PIECE) -> tuple[np.ndarray, np.ndarray]:
    """Cut every stratum into near-equal pieces of at most ``piece`` agents: (piece_start, piece_stratum)."""
    starts, strata = [], []
    for s in range(len(stratum_start) - 1):
        lo, hi = int(stratum_start[s]), int(stratum_start[s + 1])
        if hi == lo:
            continue
        n = -(-(hi - lo) // piece)
        starts.extend(lo + (hi - lo) * k // n for k in range(n))
        strata.extend([s] * n)
    return np.array(starts + [int(stratum_start[-1])], np.int64), np.array(strata, np.int64)


def household_size_cdf(mean: float) -> np.ndarray:
    """Cumulative distribution of household sizes 1..15: 1 + Poisson(mean - 1), capped at 15."""
    lam = max(mean - 1.0, 0.0)
    pmf = np.array([math.exp(-lam) * lam**k / math.factorial(k) for k in range(MAX_HOUSEHOLD)])
    cdf = np.cumsum(pmf)
    cdf[-1] = 1.0
    return cdf


def group_agents(pop: Population, agents: int, shares: np.ndarray, groups: np.ndarray,
                 floor: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """Agents per stratum, and the people an agent of each group stands for (None: every agent the same).

    Strata get agents in proportion to their shares (``allocate``), unless that leaves a group with fewer than
    its floor (``Group.min_agents``, default ``floor``): then each group gets at least its floor
    (``floored_split``), shared among its strata in proportion, and its agents stand for fewer people than the
    others'."""
    sizes = np.bincount(groups, shares, len(pop.groups)) * pop.size
    floors = np.array([floor if g.min_agents is None else g.min_agents for g in pop.groups], np.int64)
    by_group = floored_split(sizes, agents, floors)
    if not (by_group > np.ceil(sizes * agents / sizes.sum())).any():  # nobody raised: plain proportions
        return allocate(agents, shares), None
    counts = np.zeros(len(shares), np.int64)
    for g, n in enumerate(by_group):
        mine = groups == g
        if shares[mine].sum() > 0:
            counts[mine] = allocate(int(n), shares[mine])
    return counts, np.where(by_group > 0, sizes / np.maximum(by_group, 1), pop.size / agents)


def synthesize(pop: Population, agents: int, seed: int, pilot_shares: Sequence[float] = (),
               min_group_agents: int = 0, columns: tuple[np.ndarray, np.ndarray] | None = None) -> People:
    """Build ``agents`` agents representing ``pop.size`` people (two parallel passes, no temporaries); urban
    people live in the pilot areas of ``pilot_shares`` (see ``stratum_shares``); no group gets fewer than
    ``min_group_agents`` agents where the population has enough (``group_agents``). ``columns``: the (age,
    household) arrays to write them into (a run's records, ``state.new_agents``), else new ones."""
    shares, regions, groups, incomes, pilots = stratum_shares(pop, pilot_shares)
    counts, group_scale = group_agents(pop, agents, shares, groups, min_group_agents)
    if group_scale is None:
        group_scale = np.full(len(pop.groups), pop.size / agents)
    start = np.zeros(len(counts) + 1, np.int64)
    start[1:] = np.cumsum(counts)
    piece_start, piece_stratum = split_into_pieces(start)

    age, household = columns if columns is not None else (np.empty(agents, np.uint8), np.empty(agents, np.uint8))
    heads = _households(seed, piece_start, household_size_cdf(pop.household_size_mean), household)
    child, adult, senior = pop.age_shares
    grown = adult + senior
    head_adult = adult / grown if grown else 1.0
    rest = agents - int(heads.sum())
    p_child = min(1.0, child * agents / rest) if rest else 0.0
    p_adult = min(max(0.0, adult * agents - heads.sum() * head_adult) / rest, 1 - p_child) if rest and grown else 0.0

    adults = _ages(seed, piece_start, household, head_adult, p_child, p_adult, age)
    return People(
        agents=agents,
        scale=pop.size / agents,
        group_scale=group_scale,
        stratum_start=start,
        stratum_region=regions,
        stratum_group=groups,
        stratum_income=incomes,
        stratum_pilot=pilots,
        piece_start=piece_start,
        piece_stratum=piece_stratum,
        piece_adults=adults,
        age=age,
        household=household,
        seed=seed,
        offending_multiplier=lognormal_class_means(pop.offending_dispersion),
        expression_multiplier=lognormal_class_means(pop.expression_dispersion),
    )


def people_of(scenario, agents: int, seed: int, columns: tuple[np.ndarray, np.ndarray] | None = None) -> People:
    """The agents of a one-country scenario: its population, with its pilot areas and its groups' floor
    (written into ``columns``, as ``synthesize``)."""
    return synthesize(scenario.population, agents, seed, [p.urban_share for p in scenario.pilots],
                      scenario.sampling.min_agents_per_group, columns)


@nb.njit(cache=True, parallel=True)
def _households(seed, piece_start, size_cdf, household):
    """Contiguous households within each piece (the last one cut to fit); returns heads per piece."""
    pieces = len(piece_start) - 1
    heads = np.zeros(pieces, np.int64)
    for p in nb.prange(pieces):
        rng = stream(seed, HOUSEHOLDS, 0, p)
        i, hi = piece_start[p], piece_start[p + 1]
        while i < hi:
            size = min(1 + categorical(rng, size_cdf), hi - i)
            for k in range(size):
                household[i + k] = k | (size << HOUSEHOLD_SIZE_SHIFT)
            heads[p] += 1
            i += size
    return heads


@nb.njit(cache=True, parallel=True)
def _ages(seed, piece_start, household, head_adult, p_child, p_adult, age):
    """Age bands (household heads are 15+); returns adults per piece."""
    pieces = len(piece_start) - 1
    adults = np.zeros(pieces, np.int64)
    for p in nb.prange(pieces):
        rng = stream(seed, AGES, 0, p)
        for i in range(piece_start[p], piece_start[p + 1]):
            u = unit(bits(rng))
            if household[i] & HOUSEHOLD_POSITION == 0:
                a = ADULT if u < head_adult else SENIOR
            else:
                a = CHILD if u < p_child else (ADULT if u < p_child + p_adult else SENIOR)
            age[i] = a
            adults[p] += a != CHILD
    return adults
