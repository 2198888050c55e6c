"""The hotel ban against its analytic expectation (4 standard errors), and its own random stream."""

import datetime as dt
import math

import pytest

import scslab
from scslab import outputs
from scslab.mechanisms.hotels import OUT

AGENTS = 200_000
BACKLOG = 50_000  # people listed at launch, none leaving (quiet world: no exit route)


def hotel_world(quiet, **hotels):
    ban = {"attempts_per_year": 5.0, "income_multipliers": [1, 1, 1], "rural_multiplier": 1.0, "enforcement": 0.3,
           "start": "2020-07-01"}
    return quiet(lists={"court": {"initial_backlog": BACKLOG}}, sanctions={"hotels": ban | hotels})


def test_check_ins_of_the_listed_from_the_start_refused_at_the_enforcement_share(quiet):
    scenario = hotel_world(quiet)
    results = scslab.Sim(scenario, agents=AGENTS, seed=1).run()
    ts = results.timeseries
    start = (dt.date(2020, 7, 1) - scenario.start_date).days
    assert ts["hotel_attempts_total"].iloc[start - 1] == 0  # no ban before it starts
    listed = BACKLOG / results.scale  # agents, all listed from day 0 to the end
    expected = listed * 5.0 / 365 * (scenario.days - start)
    attempts = ts["hotel_attempts_total"].iloc[-1] / results.scale
    assert attempts == pytest.approx(expected, abs=4 * math.sqrt(expected))
    share = ts["hotel_blocks_total"].iloc[-1] / ts["hotel_attempts_total"].iloc[-1]
    assert share == pytest.approx(0.3, abs=4 * math.sqrt(0.3 * 0.7 / attempts))
    assert ts["people_blocked"].iloc[-1] == 0  # a refused stay is not blocked travel


def test_the_hotel_ban_draws_from_its_own_stream(quiet):
    """Switching the ban off moves its own outputs only: every other column is identical."""
    on = scslab.Sim(hotel_world(quiet, attempts_per_year=5.0), agents=AGENTS, seed=2).run().timeseries
    off = scslab.Sim(hotel_world(quiet, enabled=False), agents=AGENTS, seed=2).run().timeseries
    own = {"hotel_attempts_total", "hotel_blocks_total"}
    assert on["hotel_blocks_total"].iloc[-1] > 0 and off["hotel_attempts_total"].iloc[-1] == 0
    for column in on.columns.difference(sorted(own) + ["date"]):
        assert on[column].equals(off[column]), column


def test_the_hotel_ban_runs_in_the_sanctions_phase_and_declares_its_outputs():
    plan = scslab.Sim.plan()
    sanctions = next(i for i, line in enumerate(plan) if line.startswith("sanctions"))
    rehabilitation = next(i for i, line in enumerate(plan) if line.startswith("rehabilitation"))
    assert any(line.startswith("  - hotels: ") for line in plan[sanctions:rehabilitation])
    assert [outputs.owner(name) for name in OUT._fields] == ["hotels", "hotels"]
