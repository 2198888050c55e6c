"""Counter-based random streams for the parallel kernels.

Work is split into fixed *pieces* of the population (see ``population.pieces``).
A stream is keyed by ``(seed, mechanism, day, piece)``, so what a piece draws does
not depend on which thread runs it or in what order: results are bit-identical
for a seed whatever the number of threads. Each mechanism keeps its own key, so
changing one mechanism's parameters leaves the others' draws alone (common
random numbers).

The generator is SplitMix64 (Steele, Lea & Flood, OOPSLA 2014; the seeding
generator of Java's SplittableRandom and of xoshiro), a Weyl sequence passed
through a 64-bit finaliser; it passes BigCrush.
"""

from __future__ import annotations

import math
import zlib

import numba as nb
import numpy as np

from . import numba_setup  # noqa: F401  (the kernel cache and thread policy, before any kernel loads)

# Fixed stream identifiers (behaviours get BEHAVIOUR + their index); decisions of the mechanisms of the
# credit, sanctions and rehabilitation phases are keyed by their name (``key``). 7 to 10 were the
# streams that flights and trains, shaming, jobs and schools, loans and mortgages, and the exit routes
# shared before each decision got its own.
HOUSEHOLDS, AGES, ADOPTION, FALSE_RECORDS, BACKLOG, SCORING = range(1, 7)
FOREIGN, BORDERS = 11, 12  # records from abroad applied at home; travel and hosts' records (many countries)
FIRMS, MARKET = 13, 14  # firms' transactions with nationals; with foreigners, and the market's trades
NETWORK, INFORMANT, STIGMA = 15, 17, 18  # the network's blocks (15 neighbours, 16 acquaintances); who informs;
# which contacts shun a person listed
REPRISAL = 19  # sanctions at home for acts abroad, and partners' deportations and refused entries
PROPENSITY = 20  # which agent of a piece's column has which propensity class (20 offending, 21 expression)
BEHAVIOUR = 100
FIRST_NAMED = 1 << 32  # named decisions (``key``) above these
COUNTS = 1 << 40  # added to a decision's key: the stream of its day's counts per piece (``poisson_counts``)

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@nb.njit(inline="always")
def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@nb.njit(cache=True)
def stream(seed, mechanism, day, piece):
    """A fresh stream (its state, ``uint64[1]``) for one mechanism, day and piece."""
    key = _mix(np.uint64(seed) + _GAMMA)
    key = _mix(key ^ (np.uint64(mechanism) * _M1 + _GAMMA))
    key = _mix(key ^ (np.uint64(day) * _M2 + _GAMMA))
    key = _mix(key ^ (np.uint64(piece) * _GAMMA + _M1))
    state = np.empty(1, np.uint64)
    state[0] = key
    return state


@nb.njit(cache=True, inline="always")
def hashed(seed, mechanism, a, b):
    """64 random bits for (seed, mechanism, a, b) with no state: the first draw of ``stream(seed, mechanism,
    a, b)``, for what is computed on demand instead of stored (the social network)."""
    key = _mix(np.uint64(seed) + _GAMMA)
    key = _mix(key ^ (np.uint64(mechanism) * _M1 + _GAMMA))
    key = _mix(key ^ (np.uint64(a) * _M2 + _GAMMA))
    key = _mix(key ^ (np.uint64(b) * _GAMMA + _M1))
    return _mix(key + _GAMMA)


@nb.njit(inline="always")
def bits(state):
    """64 random bits."""
    state[0] += _GAMMA
    return _mix(state[0])


@nb.njit(inline="always")
def unit(x):
    """The top 53 of 64 random bits as a float in [0, 1)."""
    return (x >> _S11) * _TO_UNIT


@nb.njit(inline="always")
def uniform(state):
    """A float in [0, 1) with 53 random bits."""
    return unit(bits(state))


@nb.njit(inline="always")
def below(state, n):
    """An integer in [0, n) (n < 2**31; bias below 2**-22)."""
    return int(uniform(state) * n)


@nb.njit(inline="always")
def categorical(state, cumulative):
    """An index drawn with the probabilities whose running sum is ``cumulative`` (last entry 1)."""
    u = uniform(state)
    k = 0
    while k < len(cumulative) - 1 and cumulative[k] <= u:
        k += 1
    return k


_SMALL_MEAN = 10.0  # below it, inversion; above, transformed rejection (as NumPy's Generator.poisson)


@nb.njit(cache=True)
def poisson(state, lam):
    """A Poisson count of mean ``lam``: inversion by sequential search below a mean of 10, Hormann's
    transformed rejection with squeeze (PTRS; Insurance: Mathematics and Economics 12, 1993) above."""
    if lam <= 0.0:
        return 0
    if lam < _SMALL_MEAN:
        u = uniform(state)
        p = math.exp(-lam)
        total, k = p, 0
        while u > total and p > 0.0:
            k += 1
            p *= lam / k
            total += p
        return k
    slam, loglam = math.sqrt(lam), math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = uniform(state) - 0.5
        v = uniform(state)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return int(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= -lam + k * loglam - math.lgamma(k + 1):
            return int(k)


@nb.njit(cache=True)
def poisson_counts(seed, keys, day, means):
    """The day's counts, ``int64[K, P]``: Poisson of ``means[k, p]`` from the stream
    ``(seed, keys[k] + COUNTS, day, p)`` (one per decision and piece, apart from its draws in the piece)."""
    out = np.zeros(means.shape, np.int64)
    for k in range(means.shape[0]):
        for p in range(means.shape[1]):
            if means[k, p] > 0.0:
                out[k, p] = poisson(stream(seed, keys[k] + COUNTS, day, p), means[k, p])
    return out


def key(name: str) -> int:
    """The stream key of a decision named ``name`` (above the fixed keys; the same in every run)."""
    return FIRST_NAMED + zlib.crc32(name.encode())
