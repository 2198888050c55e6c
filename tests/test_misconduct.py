"""The May 2018 misconduct lists against their analytic expectations (4 standard errors), their own
streams, and the bans running out."""

import datetime as dt
import math

import pytest

import scslab
from scslab import outputs
from scslab.mechanisms import PHASES
from scslab.mechanisms.misconduct import OUT, FlightMisconduct, TrainMisconduct
from scslab.population import people_of

AGENTS = 200_000
RATE = 0.01  # entries per person 15+ per year: far above the published pace, so that a test sees them
START = dt.date(2020, 3, 1)


def misconduct_world(quiet, flights=None, trains=None, **sanctions):
    lists = {"flights": {"enabled": True, "entries_per_year": RATE, "start": START.isoformat()} | (flights or {}),
             "trains": {"enabled": True, "entries_per_year": RATE, "ban_days": 60,
                        "start": START.isoformat()} | (trains or {})}
    bans = {"flights": {"attempts_per_year": 12.0, "enforcement": 0.8}, "trains": {"attempts_per_year": 0.0}}
    for ban, values in sanctions.items():
        bans[ban] |= values
    return quiet(lists={"misconduct": lists}, sanctions=bans)


def test_entries_stock_and_bans_that_run_out(quiet):
    """Entries follow the rate among people aged 15+ from the start date; the train list's 60-day bans run
    out, so its stock levels at rate x adults x 60 / 365; the flight list's year-long bans never end in a
    one-year run, so its stock is all its entries."""
    scenario = misconduct_world(quiet)
    results = scslab.Sim(scenario, agents=AGENTS, seed=3).run()
    ts = results.timeseries
    adults = people_of(scenario, AGENTS, 3).piece_adults.sum()
    start = (START - scenario.start_date).days
    assert ts["misconduct_listed_total"].iloc[start - 1] == 0  # nothing before the lists start
    days = scenario.days - start
    flights = ts["flight_misconduct_listed"].iloc[-1] / results.scale
    expected = RATE * days / 365 * adults
    assert flights == pytest.approx(expected, abs=4 * math.sqrt(expected))
    trains = ts["train_misconduct_listed"].iloc[-1] / results.scale
    level = RATE * 60 / 365 * adults  # the train list's stock once bans run out: Poisson with this mean
    assert trains == pytest.approx(level, abs=4 * math.sqrt(level))
    train_entries = ts["misconduct_listed_total"].iloc[-1] / results.scale - flights
    assert train_entries == pytest.approx(expected, abs=4 * math.sqrt(expected))
    assert train_entries > 2 * trains  # most train bans have run out


def test_tickets_are_refused_at_the_enforcement_share_and_rate(quiet):
    scenario = misconduct_world(quiet)
    results = scslab.Sim(scenario, agents=AGENTS, seed=4).run()
    end = results.summary["end"]
    attempts, blocks = end["flight_attempts_total"], end["flight_blocks_total"]
    assert blocks == end["misconduct_blocks_total"]  # nobody is on the court list in this world
    n = attempts / results.scale
    assert blocks / attempts == pytest.approx(0.8, abs=4 * math.sqrt(0.8 * 0.2 / n))
    # person-days on the flight list x 12 attempts a year
    ts = results.timeseries
    person_days = ts["flight_misconduct_listed"].sum() / results.scale
    expected = person_days * 12 / 365
    assert n == pytest.approx(expected, abs=4 * math.sqrt(expected))


def test_the_lists_are_their_own(quiet):
    """Switching the misconduct lists off changes nothing but their own outputs and the bans' totals
    (their own streams; members are not listed on the court list, and scores are untouched)."""
    on = scslab.Sim(misconduct_world(quiet), agents=AGENTS, seed=5).run().timeseries
    off = scslab.Sim(misconduct_world(quiet, flights={"enabled": False}, trains={"enabled": False}),
                     agents=AGENTS, seed=5).run().timeseries
    own = set(OUT._fields) | {"flight_attempts_total", "flight_blocks_total"}
    assert on["misconduct_listed_total"].iloc[-1] > 0 and off["misconduct_listed_total"].iloc[-1] == 0
    assert on["listed"].iloc[-1] == 0 == on["people_blocked"].iloc[-1]
    for column in on.columns.difference(sorted(own) + ["date"]):
        assert on[column].equals(off[column]), column


def test_the_lists_are_mechanisms_of_the_sanctions_phase_with_their_own_outputs():
    phase = next(p for p in PHASES if p.name == "sanctions")
    assert {FlightMisconduct, TrainMisconduct} <= set(phase.mechanisms)
    assert {outputs.owner(name) for name in OUT._fields} == {"misconduct"}
