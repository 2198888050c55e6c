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

Informants are a share of people, chosen by a hash of (seed, person). Once a run, whether each person is one
is computed into one bit a person (``informant_bits``), and from those bits how many of each person's
contacts inform (``count_informants``): a byte of the person's record (``state.CELL``), read with the rest of
it when an event might be reported.
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
    """The network of a scenario's run (informants only where the system runs and their channel can report
    something: else none are drawn, and the agents' records have no count of them, ``state.new_agents``)."""
    net, channel = scenario.network, scenario.channels.informants
    reports = scenario.system and channel.enabled and any(p > 0 for p in channel.sees.values())
    return Contacts(int(seed), net.neighbours + net.acquaintances, net.neighbours,
                    net.informant_share if reports else 0.0, net.contact_learning, net.stigma)


@nb.njit(inline="always")
def _block(seed, lo, hi, offset, kind):
    """The block of kind ``kind`` (0 neighbours, 1 acquaintances) that holds place ``offset`` of the piece
    ``[lo, hi)``: its first place from ``lo``, its length (the last one of a piece may be short; one of fewer
    than 2 pairs nobody) and where its reflection is centred in the kind's first round."""
    size = 1 << (ACQUAINTANCE_BITS if kind else NEIGHBOUR_BITS)
    base = offset - offset % size
    m = min(size, hi - lo - base)
    return base, m, int(hashed(seed, NETWORK + kind, lo + base, 0) % np.uint64(max(m, 1)))


@nb.njit(inline="always")
def _partner(c0, round_, m, x):
    """The place paired with ``x`` in a round of a block of ``m``: ``x -> c - x (mod m)`` is its own inverse."""
    return ((c0 + round_) % m - x) % m


@nb.njit(cache=True)
def contact(seed, lo, hi, agent, k, neighbours):
    """``agent``'s contact of round ``k`` within its piece ``[lo, hi)``, or -1 for none. Rounds
    ``0 .. neighbours - 1`` are neighbours, later ones acquaintances."""
    kind, round_ = (0, k) if k < neighbours else (1, k - neighbours)
    base, m, c0 = _block(seed, lo, hi, agent - lo, kind)
    if m < 2:
        return -1
    x = agent - lo - base
    partner = _partner(c0, round_, m, x)
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
    empty with no informants. Made once a run, for ``count_informants``."""
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


@nb.njit(cache=True, parallel=True)
def count_informants(bits, seed, piece_start, degree, neighbours, out):
    """Add to ``out`` (uint8[N], zeros) how many of each agent's contacts inform (``bits``: ``informant_bits``),
    once a run, so that the kernels read it beside the person's other columns (``state.CELL``). Contact is
    symmetric round by round (``contact``), so each informant adds one to each of its own contacts: the work
    follows the informants, not the population."""
    if len(bits) == 0:
        return
    for p in nb.prange(len(piece_start) - 1):
        lo, hi = piece_start[p], piece_start[p + 1]
        for w in range(lo >> 6, (hi + 63) >> 6):
            word = bits[w]
            while word:
                low = word & (~word + np.uint64(1))
                agent = (w << 6) + _ones(low - np.uint64(1))
                word ^= low
                if agent < lo or agent >= hi:
                    continue
                for kind in range(2):  # as ``contact``, round by round, the block found once a kind
                    base, m, c0 = _block(seed, lo, hi, agent - lo, kind)
                    if m < 2:
                        continue
                    x = agent - lo - base
                    for round_ in range(degree - neighbours if kind else neighbours):
                        partner = _partner(c0, round_, m, x)
                        if partner != x:
                            out[lo + base + partner] += 1


@nb.njit(inline="always")
def _ones(word):
    """Set bits of a word (the SWAR count, which LLVM turns into one instruction where there is one)."""
    word = word - ((word >> np.uint64(1)) & np.uint64(0x5555555555555555))
    word = (word & np.uint64(0x3333333333333333)) + ((word >> np.uint64(2)) & np.uint64(0x3333333333333333))
    word = (word + (word >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((word * np.uint64(0x0101010101010101)) >> np.uint64(56))


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
