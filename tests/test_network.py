"""The social network computed on demand: its shape, its informants, and what travels along it."""

from __future__ import annotations

import math

import numpy as np
import pytest

import scslab
from scslab.engine import CountryRun
from scslab.mechanisms.network import (
    ACQUAINTANCE_BITS,
    NEIGHBOUR_BITS,
    contact,
    contacts_of,
    degrees,
    count_informants,
    informant_bits,
    is_informant,
)
from scslab.mechanisms.state import INFORMED
from scslab.population import people_of
from scslab.scenario.loading import load, validate

SEED, NEIGHBOURS, DEGREE = 7, 4, 12


@pytest.fixture(scope="module")
def people():
    return people_of(load("china-2018"), 300_000, seed=SEED)


def _piece(people, agent):
    p = np.searchsorted(people.piece_start, agent, side="right") - 1
    return people.piece_start[p], people.piece_start[p + 1]


def test_contacts_are_symmetric_distinct_and_local(people):
    rng = np.random.default_rng(0)
    for agent in rng.integers(0, people.agents, 2_000):
        lo, hi = _piece(people, agent)
        seen = {0: set(), 1: set()}
        for k in range(DEGREE):
            j = contact(SEED, lo, hi, agent, k, NEIGHBOURS)
            if j < 0:
                continue
            assert contact(SEED, lo, hi, j, k, NEIGHBOURS) == agent  # j's contact of round k is agent
            kind = int(k >= NEIGHBOURS)
            bits = ACQUAINTANCE_BITS if kind else NEIGHBOUR_BITS
            assert (j - lo) >> bits == (agent - lo) >> bits  # within the round's block
            base = lo + ((agent - lo) >> bits << bits)
            rounds = DEGREE - NEIGHBOURS if kind else NEIGHBOURS
            assert j != agent and lo <= j < hi  # never oneself, same piece (stratum)
            if min(hi, base + (1 << bits)) - base > rounds:  # a block longer than the rounds: distinct contacts
                assert j not in seen[kind]
            seen[kind].add(j)


def test_nearly_everyone_has_the_documented_degree(people):
    d = degrees(SEED, people.piece_start, DEGREE, NEIGHBOURS)
    assert d.max() == DEGREE
    # At most two people of a block lack a partner in a round (the reflection's fixed points), more only in
    # blocks shorter than the rounds: at 300,000 agents, in the tiny strata of the pilot cities.
    blocks = sum(-(-int(n) // (1 << NEIGHBOUR_BITS)) * NEIGHBOURS + -(-int(n) // (1 << ACQUAINTANCE_BITS)) * (
        DEGREE - NEIGHBOURS) for n in np.diff(people.piece_start))
    tiny = np.diff(people.piece_start) <= DEGREE
    assert (DEGREE * people.agents - d.sum()) <= 2 * blocks + DEGREE * np.diff(people.piece_start)[tiny].sum()
    assert d.mean() > 0.97 * DEGREE


def test_informants_are_their_share_of_people():
    share, n = 0.01, 400_000
    informants = sum(is_informant(SEED, a, share) for a in range(n))
    assert abs(informants - share * n) < 4 * math.sqrt(n * share * (1 - share))


def informant_scenario(**network):
    spec = {
        "name": "informants", "start_date": "2015-01-01", "end_date": "2015-01-10",
        "population": {"size": 100_000},
        "behaviours": {"neighbour_quarrel": {"rate_per_year": 20.0}},
        "channels": {name: {"enabled": False} for name in ("cameras", "courts", "finance", "app")}
        | {"informants": {"sees": {"neighbour_quarrel": 1.0}, "false_records_per_person_year": 5.0}},
        "network": {"informant_share": 0.05} | network,
    }
    return validate(spec, "test")


def test_informants_report_only_on_their_contacts_true_and_malicious():
    run = CountryRun(informant_scenario(), 100_000, seed=SEED)
    net = contacts_of(run.scenario, SEED)
    informed = {True: 0, False: 0}
    for day in range(5):
        on = run.rules.switches(day)
        sp = run.rules.today(day, on)
        first, last = run._events(day, on, sp, 1.0)
        for p in range(run.people.pieces):
            for i in range(first[p], last[p]):
                if run.records.behaviour[i] & INFORMED == 0:
                    continue
                agent = int(run.records.agent[i])
                lo, hi = run.people.piece_start[p], run.people.piece_start[p + 1]
                assert lo <= agent < hi
                partners = [contact(SEED, lo, hi, agent, k, net.neighbours) for k in range(net.degree)]
                assert any(is_informant(SEED, c, net.informant_share) for c in partners if c >= 0)
                assert run.persons.informers[agent] > 0
                informed[bool(run.records.true[i])] += 1
        run._lists(day, on, sp, first, last, None)
    assert informed[True] > 0 and informed[False] > 0


def test_with_no_informants_the_channel_records_nothing():
    result = scslab.Sim(informant_scenario(informant_share=0.0), agents=50_000, seed=SEED).run()
    assert result.timeseries["informant_reports"].sum() == 0
    assert result.timeseries["malicious_reports"].sum() == 0
    assert result.timeseries["detections"].sum() == 0 and result.timeseries["false_detections"].sum() == 0


def test_stigma_is_counted_and_moves_nothing_else():
    """Common random numbers: who shuns is a hash, drawn from no stream the rest of the run uses."""
    base = scslab.Sim(load("china-2018", ["end_date=2015-06-30"]), agents=50_000, seed=3).run()
    none = scslab.Sim(load("china-2018", ["end_date=2015-06-30", "network.stigma=0"]), agents=50_000, seed=3).run()
    a, b = base.summary["end"], none.summary["end"]
    assert a["shunned_total"] > 0 and b["shunned_total"] == 0
    assert {k: v for k, v in a.items() if k != "shunned_total"} == {k: v for k, v in b.items() if k != "shunned_total"}


def test_listed_contacts_teach_fear():
    """Paired runs: contacts who learn from a listing deter their own offences."""
    on = scslab.Sim(load("china-2018", ["end_date=2015-12-31", "network.contact_learning=0.5"]),
                    agents=100_000, seed=4).run()
    off = scslab.Sim(load("china-2018", ["end_date=2015-12-31", "network.contact_learning=0"]),
                     agents=100_000, seed=4).run()
    assert on.timeseries["offences"].sum() < off.timeseries["offences"].sum()


@pytest.mark.parametrize("scenario, informants, size", [("china-2018", True, 11), ("no-system", False, 10)])
def test_the_network_costs_no_memory_per_agent(scenario, informants, size):
    """Every array of a run with one entry per agent, and every array those are views of, adds up to the 11-byte
    record an agent of the README (2 of the synthesized person, 8 of their state, 1 for how many of their
    contacts inform), with the network and the pilots on; 10 bytes where no informant can report (with no
    system here), every agent's count then one zero byte."""
    run = CountryRun(load(scenario), 50_000, seed=SEED)
    n = run.people.agents
    arrays = [v for holder in (run.people, run.agents, run.persons, run) for v in vars_or_fields(holder)
              if isinstance(v, np.ndarray) and v.shape[0] == n]
    owners = {id(a.base if a.base is not None else a): a.base if a.base is not None else a for a in arrays}
    assert (run.contacts.informant_share > 0) == informants
    assert sum(a.nbytes for a in owners.values()) == size * n + (0 if informants else 1)
    assert (run.persons.informers > 0).any() == informants


def vars_or_fields(holder):
    return holder._asdict().values() if hasattr(holder, "_asdict") else vars(holder).values()


@pytest.mark.parametrize("sizes", [(300_000,), (5_000, 20, 3, 70, 4_100)])
def test_count_informants_counts_the_informants_among_the_contacts_one_by_one(sizes):
    """The counts made from the informants' bits are the counts of ``contact`` round by round checked with
    ``is_informant``, in pieces of every shape (short blocks, blocks with fewer places than rounds)."""
    share, degree, neighbours = 0.2, 40, 10  # 40 rounds: more than the places of a 20-agent piece
    starts = np.concatenate(([0], np.cumsum(sizes)))
    bits = informant_bits(SEED, int(starts[-1]), share)
    assert len(bits) == -(-int(starts[-1]) // 64)
    everyone = np.arange(starts[-1])
    flags = np.array([is_informant(SEED, int(a), share) for a in everyone])
    assert flags.mean() == pytest.approx(share, abs=0.01)
    np.testing.assert_array_equal((bits[everyone >> 6] >> (everyone & 63).astype(np.uint64)) & np.uint64(1), flags)
    counts = np.zeros(starts[-1], np.uint8)
    count_informants(bits, SEED, starts, degree, neighbours, counts)
    rng = np.random.default_rng(1)
    for lo, hi in zip(starts[:-1], starts[1:]):
        chosen = np.arange(lo, hi) if hi - lo <= 5_000 else rng.integers(lo, hi, size=3_000)
        for agent in chosen:
            partners = [contact(SEED, lo, hi, int(agent), k, neighbours) for k in range(degree)]
            assert counts[agent] == sum(flags[c] for c in partners if c >= 0)
    assert counts.mean() == pytest.approx(share * degree, rel=0.05)
    assert len(informant_bits(SEED, 1000, 0.0)) == 0
    untouched = np.zeros(1000, np.uint8)
    count_informants(informant_bits(SEED, 1000, 0.0), SEED, np.array([0, 1000]), degree, neighbours, untouched)
    assert not untouched.any()
