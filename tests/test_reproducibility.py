"""Same seed, same bytes; common random numbers; resolved scenario re-runs; scale consistency."""

import math

import pandas as pd
import pytest

import scslab
from scslab.scenario.loading import dumps, load


@pytest.fixture(scope="module")
def short_china():
    return load("china-2018", ["end_date=2015-06-30"])


def test_same_seed_gives_identical_bytes(short_china, tmp_path):
    a = scslab.Sim(short_china, agents=40_000, seed=7).run().save(tmp_path / "a")
    b = scslab.Sim(short_china, agents=40_000, seed=7).run().save(tmp_path / "b")
    for name in ("timeseries.parquet", "by_group.parquet", "scenario.toml"):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_different_seeds_give_different_results(short_china):
    a = scslab.Sim(short_china, agents=40_000, seed=1).run().timeseries
    b = scslab.Sim(short_china, agents=40_000, seed=2).run().timeseries
    assert not a["listed_total"].equals(b["listed_total"])


def test_resolved_scenario_reruns_to_identical_results(short_china, tmp_path):
    first = scslab.Sim(short_china, agents=30_000, seed=5).run()
    saved = first.save(tmp_path / "run")
    again = scslab.Sim(str(saved / "scenario.toml"), agents=30_000, seed=5).run()
    pd.testing.assert_frame_equal(first.timeseries, again.timeseries)
    assert dumps(load(str(saved / "scenario.toml"))) == (saved / "scenario.toml").read_text()
    loaded = scslab.Results.load(saved)
    pd.testing.assert_frame_equal(first.timeseries, loaded.timeseries)


def test_changing_one_mechanism_leaves_the_others_draws_alone(short_china):
    """Common random numbers: travel demand does not move who is listed or when."""
    more_travel = short_china.model_copy(deep=True)
    more_travel.sanctions.flights.attempts_per_year = 3.0
    a = scslab.Sim(short_china, agents=40_000, seed=3).run().timeseries
    b = scslab.Sim(more_travel, agents=40_000, seed=3).run().timeseries
    assert a["court_listed_total"].equals(b["court_listed_total"])
    assert a["flight_blocks_total"].iloc[-1] < b["flight_blocks_total"].iloc[-1]


def test_scale_factor_consistency(quiet):
    """1 M agents at scale 1 and 100,000 agents at scale 10 agree within sampling error."""
    scenario = quiet(
        end_date="2020-06-30",
        behaviours={"judgment_default": {"rate_per_year": 0.2, "income_multipliers": [1, 1, 1]}},
        channels={"courts": {"sees": {"judgment_default": 1.0}}, "finance": {"sees": {}}},
    )
    full = scslab.Sim(scenario, agents=1_000_000, seed=1).run().timeseries["listed"].iloc[-1]
    scaled = scslab.Sim(scenario, agents=100_000, seed=2).run().timeseries["listed"].iloc[-1]
    # binomial standard errors in people: sqrt(n p q) at scale 1, 10 * sqrt(n/10 p q) at scale 10
    p = full / 820_000
    sd = math.sqrt(820_000 * p * (1 - p)) * math.sqrt(1 + 10)
    assert scaled == pytest.approx(full, abs=4 * sd)
