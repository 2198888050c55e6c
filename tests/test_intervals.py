"""95% intervals: their coverage over seeds of a model with a known answer, the ratio's noise sentence, and
countries given more agents than their share of people (weighted counts)."""

from __future__ import annotations

import copy
import datetime as dt

import numpy as np
import pytest

from scslab.intervals import count_interval, mean_interval, poisson_interval, rate_ratio_interval, share_interval
from scslab.results import group_ratio
from scslab.scenario.loading import validate
from scslab.sim import Sim, default_replicates
from scslab.summary import _disparity, describe
from scslab.world import split_agents

RATE, PEOPLE, DAYS = 0.2, 1_000_000, 30


def misconduct_only() -> dict:
    """A month of the flight misconduct list alone among adults only: entries are Poisson with mean
    RATE x PEOPLE x DAYS / 365 people (16,438), whatever the seed."""
    return {"name": "known", "start_date": dt.date(2018, 5, 1), "end_date": dt.date(2018, 5, DAYS),
            "population": {"size": PEOPLE, "age_shares": [0, 1, 0]},
            "lists": {"misconduct": {"flights": {"enabled": True, "start": dt.date(2018, 5, 1),
                                                 "entries_per_year": RATE}}}}


def test_one_runs_poisson_intervals_cover_the_known_mean_about_95_percent_of_the_time():
    """80 seeds: the exact Poisson interval of each run's count covers the known expectation. Garwood's interval
    covers at least 95% (about 96% at a mean of 82 agents); 80 seeds give a standard error of 2.4 points, so the
    tolerance is 0.88 to 1."""
    scenario = validate(misconduct_only(), "known")
    known = RATE * PEOPLE * DAYS / 365
    hits = []
    for seed in range(80):
        figure = Sim(scenario, agents=5_000, seed=seed).run().summary["intervals"]["misconduct_listed_total"]
        assert figure["basis"] == "Poisson" and not figure["small"]
        hits.append(figure["low"] <= known <= figure["high"])
    assert 0.88 <= np.mean(hits) <= 1.0


def test_t_intervals_over_five_replicates_cover_the_mean_95_percent_of_the_time():
    """4,000 sets of five normal draws: coverage 0.95 within 4 standard errors (0.0034 each)."""
    rng = np.random.default_rng(7)
    draws = rng.normal(10.0, 3.0, size=(4_000, 5))
    hits = [low <= 10.0 <= high for _, low, high in map(mean_interval, draws)]
    assert abs(np.mean(hits) - 0.95) < 4 * np.sqrt(0.95 * 0.05 / 4_000)


def test_the_exact_intervals_against_known_values():
    assert poisson_interval(0) == pytest.approx((0.0, 3.6889), abs=1e-4)  # Garwood, 95%
    assert poisson_interval(10) == pytest.approx((4.7954, 18.3904), abs=1e-4)
    # one stratum: the count's own interval, scaled
    assert count_interval([10], [100.0]) == pytest.approx((1000.0, 479.54, 1839.04), abs=0.01)
    # two strata of equal weight are one stratum
    assert count_interval([4, 6], [100.0, 100.0]) == pytest.approx(count_interval([10], [100.0]))
    # a rate ratio of 1 among equal exposures, and its interval holds 1
    ratio, low, high = rate_ratio_interval(20, 1000, 20, 1000)
    assert ratio == 1.0 and low < 1 < high
    assert rate_ratio_interval(0, 10, 0, 10)[0] != rate_ratio_interval(0, 10, 0, 10)[0]  # nan: nothing counted


def counts(minority: float, majority: float) -> dict:
    """Wrongly listed agents among 1,000 minority and 100,000 majority agents."""
    return {"majority": {"agents": 100_000.0, "wrongly_listed_agents": majority},
            "minority": {"agents": 1_000.0, "wrongly_listed_agents": minority}}


@pytest.mark.parametrize("minority, majority, distinguishable", [(2, 100, False), (3, 100, False),
                                                                 (20, 100, True), (40, 200, True)])
def test_the_noise_sentence_appears_when_and_only_when_the_ratio_interval_holds_no_difference(
        minority, majority, distinguishable):
    ratio = group_ratio(counts(minority, majority))
    assert ratio["distinguishable"] == (not ratio["low"] <= 1 <= ratio["high"]) == distinguishable
    lines = " ".join(_disparity({"wrongful_listing_by_group": counts(minority, majority),
                                 "wrongful_listing_ratio": ratio}))
    assert ("not distinguishable from noise" in lines) == (not distinguishable)
    assert ("more likely to be wrongly listed" in lines) == distinguishable


def test_no_ratio_to_a_reference_group_with_no_one_wrongly_listed_and_its_rates_still_shown():
    assert group_ratio(counts(5, 0)) is None
    lines = _disparity({"wrongful_listing_by_group": counts(5, 0), "wrongful_listing_ratio": None})
    assert len(lines) == 1 and "minority 500.0 [162.3-1,166.8]" in lines[0]


def test_replicates_give_every_figure_its_mean_and_interval_over_the_seeds():
    scenario = validate(misconduct_only(), "known")
    runs = [Sim(scenario, agents=5_000, seed=s).run() for s in (3, 4, 5)]
    pooled = Sim(scenario, agents=5_000, seed=3, replicates=3).run()
    assert pooled.summary["replicates"] == [3, 4, 5]
    figure = pooled.summary["intervals"]["misconduct_listed_total"]
    values = [r.summary["end"]["misconduct_listed_total"] for r in runs]
    assert figure["value"] == pytest.approx(np.mean(values)) and figure["basis"] == "3 replicates"
    assert figure["low"] < figure["value"] < figure["high"]
    assert pooled.timeseries.equals(runs[0].timeseries)  # the tables are the first seed's run
    assert "seeds 3-5 (figures: the mean of 3 runs" in describe(pooled.summary)


def test_scslab_run_replicates_small_runs_by_default():
    china = validate({"name": "c"}, "c")
    assert default_replicates(china, 1_000_000) == 5  # china-2018's period at its default size
    assert default_replicates(china, 2_000_000) == 1


def test_agents_are_split_with_a_floor_for_small_countries():
    assert split_agents([1_000, 3_000], 10) == [3, 7]
    assert split_agents([18_800_000, 1_411_780_000, 3_300_000], 2_000_000, 20_000) == [26_020, 1_953_980, 20_000]
    # the floor is capped at half the agents shared equally, and at the population
    assert split_agents([1_000_000, 99_000_000], 1_000, 20_000) == [250, 750]
    assert split_agents([5, 1_000_000], 1_000, 200) == [5, 995]


def two_countries(floor: int) -> dict:
    """A large and a small country (20:1), no travel: only the agents' weights differ between floors."""
    country = {"population": {"size": 40_000_000}}
    small = {"population": {"size": 2_000_000}}
    return {"name": "pair", "start_date": dt.date(2016, 1, 1), "end_date": dt.date(2017, 12, 31),
            "countries": {"large": copy.deepcopy(country), "small": small},
            "sampling": {"min_agents_per_country": floor, "min_agents_per_group": 0}}  # countries' weights only


def test_an_oversampled_country_agrees_with_a_plain_run_and_has_the_narrower_interval():
    """20,000 agents: the small country gets 952 in proportion, 5,000 with the floor. Totals agree within 4
    standard errors of their difference; the small country's interval is narrower oversampled."""
    plain, over = (Sim(validate(two_countries(floor), "pair"), agents=20_000, seed=2).run() for floor in (0, 20_000))
    assert plain.summary["agents_by_country"]["small"]["agents"] == 952
    assert over.summary["agents_by_country"]["small"]["agents"] == 5_000
    for name in ("listed", "listed_total", "court_cases_total"):
        a, b = plain.summary["intervals"][name], over.summary["intervals"][name]
        se = np.hypot(a["high"] - a["low"], b["high"] - b["low"]) / (2 * 1.96)
        assert abs(a["value"] - b["value"]) < 4 * se
    for name in ("listed",):
        small_plain, small_over = (r.summary["country_intervals"]["small"][name] for r in (plain, over))
        assert small_over["agents"] > 3 * small_plain["agents"] > 0
        assert small_over["high"] - small_over["low"] < small_plain["high"] - small_plain["low"]
        se = np.hypot(small_plain["high"] - small_plain["low"], small_over["high"] - small_over["low"]) / (2 * 1.96)
        assert abs(small_plain["value"] - small_over["value"]) < 4 * se


def test_firms_cells_resting_on_few_agents_are_marked():
    from scslab.summary import SMALL_CELL, terms

    few = {"premium_mean": 0.01, "refused_share": 0.1, "transactions": 5_000}  # 5 agents at 1,000 people each
    many = few | {"transactions": 50_000}
    assert terms(few, 1_000.0) == "+0.01 (10.00% refused)" + SMALL_CELL
    assert terms(many, 1_000.0) == "+0.01 (10.00% refused)"
    assert terms(few) == "+0.01 (10.00% refused)"  # no scale: nothing to say


def test_the_share_interval_is_clopper_pearson_on_the_effective_events():
    from scipy import stats

    share, low, high = share_interval([30], [120], [1000.0])
    assert share == 0.25
    assert (low, high) == pytest.approx((stats.beta.ppf(0.025, 30, 91), stats.beta.ppf(0.975, 31, 90)), rel=1e-12)
    # strata whose agents weigh alike are one stratum; a stratum weighing more counts for more of the share
    assert share_interval([10, 20], [40, 80], [5.0, 5.0]) == pytest.approx(share_interval([30], [120], [5.0]))
    weighted = share_interval([10, 20], [40, 40], [1.0, 3.0])
    assert weighted[0] == pytest.approx((10 + 60) / (40 + 120))
    assert weighted[2] - weighted[1] > share_interval([30], [80], [1.0])[2] - share_interval([30], [80], [1.0])[1]
    assert share_interval([0], [0], [1.0]) == (1.0, 0.0, 1.0)  # no event: nothing lost, nothing known


def test_the_share_interval_covers_a_known_share_about_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    totals = rng.poisson(200, 2_000)
    kept = rng.binomial(totals, 0.3)
    covered = [low <= 0.3 <= high for low, high in
               (share_interval([k], [t], [1.0])[1:] for k, t in zip(kept, totals))]
    assert 0.93 <= np.mean(covered) <= 0.99  # Clopper-Pearson is conservative: at least 95% up to noise
