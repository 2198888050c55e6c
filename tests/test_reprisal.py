"""Sanctions at home for political acts abroad (``mechanisms.reprisal``): listing, exit bans, pressure on the
family, deportation at a cooperating host, returns under pressure and refused entries.

Two countries of 40 million: ``east`` lists its nationals for acts abroad, ``west`` hosts a diaspora of 4 million
(10%) and sends the political records it makes about them to ``east`` by an agreement. Paired runs switch the
agreement off (common random numbers); shares are checked against their analytic values within 4 binomial
standard errors of the agents they rest on.
"""

from __future__ import annotations

import copy
import datetime as dt
import math

import numpy as np
import pytest

from scslab.mechanisms.borders import Trips
from scslab.scenario.loading import validate
from scslab.sim import Sim
from scslab.summary import describe

AGENTS = 40_000
PEOPLE_PER_AGENT = 2 * 40_000_000 / AGENTS
REPRISAL = ["sanctioned_for_acts_abroad_total", "abroad_listed", "relatives_pressured_total", "exits_refused_total",
            "deported_home_total", "returned_under_pressure_total", "entries_refused_total"]


def pair(cooperation=0.5, returns=0.4, agreement=True, exit_ban=True, tourists=True) -> dict:
    home = {"population": {"size": 40_000_000},
            "lists": {"abroad": {"enabled": True, "listing_probability": 1.0, "return_probability": returns,
                                 "exit_ban": exit_ban, "rejoin_days": 30}}}
    host = {"population": {"size": 40_000_000}, "foreigners": {"partner_enforcement": 1.0, "cooperation": cooperation}}
    travel = {"diaspora": {"home": "east", "host": "west", "kind": "diaspora", "residents": 4_000_000}}
    if tourists:
        travel["tourists"] = {"home": "east", "host": "west", "kind": "tourist", "trips_per_year": 4_000_000}
    return {"name": "pair", "start_date": dt.date(2018, 1, 1), "end_date": dt.date(2018, 12, 31),
            "countries": {"east": home, "west": host}, "travel": travel,
            "agreements": {"pact": {"from_country": "west", "to_country": "east", "classes": ["political"],
                                    "delay_days": 0, "enabled": agreement}}}


def east_at_end(data: dict, seed: int = 1):
    results = Sim(validate(copy.deepcopy(data), "pair.toml"), agents=AGENTS, seed=seed).run()
    c = results.countries
    return c[(c["day"] == c["day"].max()) & (c["country"] == "east")].iloc[0], results


@pytest.fixture(scope="module")
def runs():
    return east_at_end(pair()), east_at_end(pair(agreement=False))


@pytest.fixture(scope="module")
def paired(runs):
    return runs[0][0], runs[1][0]


def test_acts_abroad_are_sanctioned_at_home_only_through_the_arrangement(paired):
    on, off = paired
    assert all(off[name] == 0 for name in REPRISAL)
    assert on["sanctioned_for_acts_abroad_total"] > 50 * PEOPLE_PER_AGENT
    assert on["relatives_pressured_total"] > 0 and on["exits_refused_total"] > 0
    # nobody expires within the year (730 days): everyone listed is still listed
    assert on["abroad_listed"] == on["sanctioned_for_acts_abroad_total"]
    # sent home, they are no longer abroad, and those left abroad fear more: expression abroad falls
    assert on["residents_abroad"] < off["residents_abroad"]
    assert on["expression_abroad_total"] < off["expression_abroad_total"]


def within(count: float, total: float, expected: float):
    n = total / PEOPLE_PER_AGENT
    se = math.sqrt(expected * (1 - expected) / n)
    assert abs(count / total - expected) < 4 * se, (count / total, expected, se, n)


def test_a_cooperating_host_deports_and_the_rest_come_home_at_their_rates():
    # a diaspora only: everyone listed is abroad when listed, and nobody travels again
    end, _ = east_at_end(pair(cooperation=0.5, returns=0.4, tourists=False))
    listed = end["sanctioned_for_acts_abroad_total"]
    within(end["deported_home_total"], listed, 0.5)
    within(end["returned_under_pressure_total"], listed, (1 - 0.5) * 0.4)


def test_no_cooperation_and_no_pressure_leave_the_listed_abroad():
    end, _ = east_at_end(pair(cooperation=0.0, returns=0.0, tourists=False))
    assert end["sanctioned_for_acts_abroad_total"] > 0
    assert end["deported_home_total"] == 0 and end["returned_under_pressure_total"] == 0


def test_a_cooperating_host_refuses_entry_to_the_listed_when_no_exit_ban_holds_them():
    end, _ = east_at_end(pair(cooperation=1.0, exit_ban=False))
    assert end["entries_refused_total"] > 0 and end["exits_refused_total"] == 0
    # Every host request is granted, so nobody listed abroad is left to return under pressure; those listed after
    # coming home (a tourist's act recorded as the trip ended) have nobody to deport.
    assert end["returned_under_pressure_total"] == 0
    assert 0.9 * end["sanctioned_for_acts_abroad_total"] < end["deported_home_total"]
    assert end["deported_home_total"] <= end["sanctioned_for_acts_abroad_total"]
    none, _ = east_at_end(pair(cooperation=0.0, exit_ban=False))
    assert none["entries_refused_total"] == 0 and none["deported_home_total"] == 0


def test_the_reprisal_counts_carry_intervals_in_the_summary():
    _, results = east_at_end(pair())
    figures = results.summary["country_intervals"]["east"]
    for name in ("sanctioned_for_acts_abroad_total", "relatives_pressured_total", "expression_abroad_total"):
        entry = figures[name]
        assert entry["low"] <= entry["value"] <= entry["high"] and entry["high"] > entry["low"]
    text = describe(results.summary)
    assert "Acts abroad sanctioned at home" in text
    line = next(line for line in text.splitlines() if line.startswith("  east: ") and "%" in line)
    assert line.count("[") == 4  # listed, relatives, deported and expression abroad kept, each with its interval
    assert not any(line.startswith("  west: ") and "%" in line for line in text.splitlines())


def test_a_stay_is_found_only_where_there_is_one():
    trips = Trips()
    trips.add(0, np.array([5, 9]), 1, np.array([10, 20]), False, 0)
    trips.add(1, np.array([5]), 0, np.array([30]), True, 1)
    trips.index()
    assert trips.where(0, 9) == 1 and trips.where(1, 5) == 2 and trips.where(0, 5) == 0
    assert trips.where(0, 7) == -1 and trips.where(1, 9) == -1 and trips.where(2, 0) == -1


def test_the_trust_index_reads_the_hosts_record_of_granted_requests():
    data = pair(cooperation=0.5, returns=0.0, tourists=False)
    data["trust"] = {"rule": "cooperation", "interval_days": 1}
    end, results = east_at_end(data)
    c = results.countries
    west = c[c["country"] == "west"]
    # west granted about half of east's requests (each a deportation asked for a listed member of the diaspora)
    asked = end["sanctioned_for_acts_abroad_total"]
    within(end["deported_home_total"], asked, 0.5)
    # (the table keeps counts of people as whole numbers)
    assert west["trust_index"].iloc[-1] == pytest.approx(end["deported_home_total"] / asked, rel=1e-4)
    assert (c.loc[c["country"] == "east", "trust_index"] == 1.0).all()  # asked nothing of anyone


def test_pressure_on_the_index_makes_a_host_grant_more_requests():
    base = pair(cooperation=0.3, returns=0.0, tourists=False)
    base["trust"] = {"rule": "cooperation", "interval_days": 1}
    pressed = copy.deepcopy(base)
    pressed["trust"]["feedback"] = {"terms": {"partner": "east", "countries": ["west"], "target": 1.0,
                                              "strength": 10.0, "max_multiplier": 3.0}}
    calm, _ = east_at_end(base)
    hard, results = east_at_end(pressed)
    c = results.countries
    assert c.loc[c["country"] == "west", "enforcement"].max() == pytest.approx(3.0)
    assert hard["deported_home_total"] / hard["sanctioned_for_acts_abroad_total"] > 0.6  # 0.3 x 3, capped at 1
    within(calm["deported_home_total"], calm["sanctioned_for_acts_abroad_total"], 0.3)


def test_each_flow_accounts_for_its_share_of_what_happened_abroad(runs):
    (on, results), (off, without) = runs
    flows = results.flows.set_index("flow")
    # every listing for acts abroad and every deportation is put down to the flow whose record caused it
    assert flows["sanctioned_at_home"].sum() == pytest.approx(on["sanctioned_for_acts_abroad_total"], abs=2)
    assert flows["deported_home"].sum() == pytest.approx(on["deported_home_total"], abs=2)
    assert flows["abroad_at_end"].sum() == pytest.approx(on["residents_abroad"], abs=2)
    assert (flows["political_records"] <= flows["host_records"]).all()
    assert (flows["sanctioned_at_home"] <= flows["sent_home"]).all()
    assert flows.loc["diaspora", "sanctioned_at_home_agents"] > 50 and flows.loc["tourists", "sent_home"] > 0
    # with the arrangement off the hosts still record, nothing reaches home and nobody is sanctioned for it
    off_flows = without.flows.set_index("flow")
    assert off_flows["host_records"].sum() > 0
    assert (off_flows[["sent_home", "sanctioned_at_home", "deported_home"]] == 0).all().all()
    # the summary carries each flow's figures with intervals, and says which flows sent records home
    figures = results.summary["flows"]["diaspora"]["figures"]["sanctioned_at_home"]
    assert figures["low"] < figures["value"] < figures["high"]
    text = describe(results.summary)
    assert "  diaspora (east to west, diaspora): " in text and "Travel flows whose records reached home" in text
    assert "Travel flows whose records reached home" not in describe(without.summary)


def test_the_share_of_expression_abroad_kept_carries_its_interval(runs):
    (row, results), _ = runs
    share = results.summary["country_intervals"]["east"]["expression_abroad_rate"]
    assert share["low"] < share["value"] < share["high"] <= 1 and share["basis"] == "binomial"
    assert share["value"] == pytest.approx(row["expression_abroad_rate"], rel=1e-9)  # the share the table shows
    assert share["agents"] > 1_000  # the events with no system it rests on
