"""A social network with no edges stored: each person's contacts are computed when they are needed.

Contacts come in rounds. In each round the agents of a piece (one stratum: the same region, pilot area,
group and income band) are cut into aligned blocks (the last one of a piece may be shorter), and each
block of ``m`` agents is paired off by a reflection: the agent at position ``x`` in the block and the one at
``(c - x) mod m`` are contacts, for a ``c`` drawn per block and round. The map is its own inverse, so the
network is symmetric (``j`` is ``i``'s contact in a round exactly when ``i`` is ``j``'s) and costs no memory
at any population size. Its fixed points (``2x = c mod m``: at most two people a block and round) have no
contact that round.

Two kinds of round: *neighbours*, in blocks of 64 agents (about 25 households side by side; a neighbour may
be a housemate); *acquaintances* (work, school, market), in blocks of 4,096 agents (an acquaintance is
rarely also a neighbour: about 1 in 64). Within a kind a block's ``c`` moves by one from round to round, so
nobody is the same person's contact twice in a kind while the block has more agents than rounds: nearly
everyone has ``neighbours + acquaintances`` contacts, fewer in strata smaller than that. Household members
are not counted here: households are known (``state.household_members``).

Informants are a share of people, chosen by a hash of (seed, person): whether a person is one is computed
once a run into one bit a person (``informant_bits``, 176 MB at 1.41 billion agents), so that counting a
person's informant contacts reads a run of bits instead of hashing each contact.
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb
import numpy as np

from ..outputs import PEOPLE, RECORDS, DAILY, TOTAL, Output, declare
from ..streams import INFORMANT, NETWORK, hashed, unit

OUT = declare(
    "network",
    Output("informant_reports", "Informants' reports", RECORDS, DAILY,
           "Events recorded today by an informant among the person's contacts (and by no other channel).",
           by_group=True),
    Output("malicious_reports", "Malicious reports", RECORDS, DAILY,
           "Informants' reports today about contacts who did nothing (a grudge).", by_group=True),
    Output("informant_listings_total", "Listings from informants", PEOPLE, TOTAL,
           "Entries onto a list (court or grade) brought about by an informant's report, true or malicious."),
    Output("shunned_total", "Contacts who shun the listed", PEOPLE, TOTAL,
           "Contacts who turned away from a person when the person was put on the court list (social stigma)."),
)

NEIGHBOUR_BITS, ACQUAINTANCE_BITS = 6, 12
"""Block sizes (as powers of two) of the two kinds of round."""

Contacts = namedtuple("Contacts", "seed degree neighbours informant_share learning stigma")
"""The network as the kernels read it: the run's seed, contacts per person and how many of them are
neighbours, the informants' share, and what a court listing does along the network (``Network``)."""


MAX_CONTACTS = 1 << 8
"""More contacts than a person can have (``Network.neighbours + acquaintances``): a stride for keying draws."""

NO_NETWORK = Contacts(0, 0, 0, 0.0, 0.0, 0.0)
"""No contacts (for what needs a rulebook's parts but never its network)."""


def contacts_of(scenario, seed: int) -> Contacts:
    """The network of a scenario's run (informants only where the system runs)."""
    net = scenario.network
    return Contacts(int(seed), net.neighbours + net.acquaintances, net.neighbours,
                    net.informant_share if scenario.system else 0.0, net.contact_learning, net.stigma)


@nb.njit(cache=True)
def contact(seed, lo, hi, agent, k, neighbours):
    """``agent``'s contact of round ``k`` within its piece ``[lo, hi)``, or -1 for none. Rounds
    ``0 .. neighbours - 1`` are neighbours, later ones acquaintances."""
    offset = agent - lo
    if k < neighbours:
        size, kind, round_ = 1 << NEIGHBOUR_BITS, 0, k
    else:
        size, kind, round_ = 1 << ACQUAINTANCE_BITS, 1, k - neighbours
    base = offset - offset % size
    m = min(size, hi - lo - base)  # the block's length: the last one of a piece may be short
    if m < 2:
        return -1
    c = (int(hashed(seed, NETWORK + kind, lo + base, 0) % np.uint64(m)) + round_) % m
    x = offset - base
    partner = (c - x) % m  # x -> c - x (mod m) is its own inverse
    return -1 if partner == x else lo + base + partner


@nb.njit(cache=True)
def piece_of(piece_start, agent):
    """The piece an agent lies in."""
    return np.searchsorted(piece_start, agent, side="right") - 1


@nb.njit(cache=True, inline="always")
def is_informant(seed, agent, share):
    """Whether ``agent`` informs (a hash of seed and person against the informants' share)."""
    return unit(hashed(seed, INFORMANT, agent, 0)) < share


@nb.njit(cache=True, parallel=True)
def informant_bits(seed, agents, share):
    """Whether each agent informs (``is_informant``), one bit an agent (bit ``a % 64`` of word ``a // 64``);
    empty with no informants. Made once a run, so that counting a person's informant contacts reads a few
    words instead of hashing every contact."""
    if share <= 0.0:
        return np.zeros(0, np.uint64)
    out = np.zeros((agents + 63) // 64, np.uint64)
    for w in nb.prange(len(out)):
        word = np.uint64(0)
        for k in range(min(64, agents - w * 64)):
            if is_informant(seed, w * 64 + k, share):
                word |= np.uint64(1) << np.uint64(k)
        out[w] = word
    return out


@nb.njit(inline="always")
def _ones(word):
    """Set bits of a word (the SWAR count, which LLVM turns into one instruction where there is one)."""
    word = word - ((word >> np.uint64(1)) & np.uint64(0x5555555555555555))
    word = (word & np.uint64(0x3333333333333333)) + ((word >> np.uint64(2)) & np.uint64(0x3333333333333333))
    word = (word + (word >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((word * np.uint64(0x0101010101010101)) >> np.uint64(56))


@nb.njit(inline="always")
def _informants_in(bits, a, b):
    """Informants among agents ``[a, b)``."""
    n = 0
    while a < b:
        shift = a & 63
        take = min(64 - shift, b - a)
        word = bits[a >> 6] >> np.uint64(shift)
        if take < 64:
            word &= (np.uint64(1) << np.uint64(take)) - np.uint64(1)
        n += _ones(word)
        a += take
    return n


@nb.njit(inline="always")
def _informs(bits, a):
    return (bits[a >> 6] >> np.uint64(a & 63)) & np.uint64(1) != 0


@nb.njit(cache=True)
def informant_contacts(bits, seed, lo, hi, agent, degree, neighbours):
    """How many of ``agent``'s contacts inform (``bits``: ``informant_bits``): the hot path of the informants
    channel. A kind's rounds pair ``x`` with the block's places ``c0 - x, c0 - x + 1, ...`` in turn, a run of
    places, so the count is of the informants in that run (less ``x`` itself, who is no contact of theirs)."""
    if len(bits) == 0:
        return 0
    n = 0
    offset = agent - lo
    for kind in range(2):
        size = 1 << (ACQUAINTANCE_BITS if kind else NEIGHBOUR_BITS)
        rounds = degree - neighbours if kind else neighbours
        if rounds <= 0:
            continue
        base = offset - offset % size
        m = min(size, hi - lo - base)
        if m < 2:
            continue
        c0 = int(hashed(seed, NETWORK + kind, lo + base, 0) % np.uint64(m))
        x = offset - base
        first = lo + base
        if rounds >= m:  # more rounds than places (a tiny stratum): round by round
            for round_ in range(rounds):
                partner = ((c0 + round_) % m - x) % m
                if partner != x and _informs(bits, first + partner):
                    n += 1
            continue
        start = (c0 - x) % m
        end = start + rounds
        n += _informants_in(bits, first + start, first + min(end, m))
        if end > m:
            n += _informants_in(bits, first, first + end - m)
        if (x - start) % m < rounds and _informs(bits, first + x):
            n -= 1
    return n


@nb.njit(cache=True)
def degrees(seed, piece_start, degree, neighbours):
    """Every agent's number of contacts: int64[N] (for tests and the documented distribution)."""
    out = np.zeros(piece_start[-1], np.int64)
    for p in range(len(piece_start) - 1):
        lo, hi = piece_start[p], piece_start[p + 1]
        for i in range(lo, hi):
            for k in range(degree):
                if contact(seed, lo, hi, i, k, neighbours) >= 0:
                    out[i] += 1
    return out
