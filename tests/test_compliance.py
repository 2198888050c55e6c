"""Compliance as a response: the hazard of paying against its analytic expectation, and each sanction's
hazard ratio in paired runs (same seed, so the same listings and the same draws of every other
decision). Tolerances are 4 binomial standard errors unless stated."""

import math

import pytest

import scslab
from scslab.experiments.compare import load_variant
from scslab.mechanisms import compliance
from scslab.population import ADULT, CHILD, HOUSEHOLD_SIZE_SHIFT, people_of
from scslab.scenario.schema import merged

AGENTS = 200_000
BACKLOG = 50_000
RATE = 0.5  # baseline fulfilments per listed person-year
LONG = 30_000  # a half-life (days) long enough that a felt sanction does not fade within the run


def world(quiet, **update):
    """50,000 people listed at launch, paying at RATE a year, nothing else leaving the list."""
    base = {"lists": {"court": {"initial_backlog": BACKLOG, "deletion_delay_days": 0}},
            "rehabilitation": {"fulfilment": {"rate_per_year": RATE, "delay_days": 0}},
            "sanctions": {"hotels": {"enabled": False},
                          "restrictions": {"jobs": {"applications_per_year": 0.0}, "school_applications_per_year": 0.0,
                                           "business": {"applications_per_year": 0.0},
                                           "preferential": {"applications_per_year": 0.0}},
                          "loans": {"applications_per_year": 0.0}, "mortgages": {"applications_per_year": 0.0}}}
    return quiet(**merged(base, update))


def run(scenario, seed=3):
    result = scslab.Sim(scenario, agents=AGENTS, seed=seed).run()
    return result, result.timeseries.iloc[-1]


def share_paid(rate_multiplier, days):
    """Chance that a listed person with a constant hazard RATE * rate_multiplier has paid after ``days``."""
    return 1 - math.exp(-RATE * rate_multiplier * days / 365)


def assert_share(paid, listed, p):
    assert paid / listed == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / listed) + 1 / listed)


def test_with_every_sanction_off_the_hazard_is_the_baseline_whatever_the_hazard_ratios(quiet):
    pressures = {name: {"hazard_ratio": 1.5} for name in compliance.PRESSURES.values()} | {"joint_punishment": 1.5}
    res, end = run(world(quiet, rehabilitation={"fulfilment": pressures}))
    listed = BACKLOG / res.scale
    days = len(res.timeseries) - 1  # listed on the first day, paying from the second
    assert_share(end["fulfilled_total"] / res.scale, listed, share_paid(1.0, days))
    assert end["fulfilled_total"] == end["deleted_total"]


def test_a_person_who_cannot_pay_never_pays(quiet):
    _, end = run(world(quiet, rehabilitation={"fulfilment": {"rate_per_year": 5.0, "unable_share": [1, 1, 1]}}))
    assert end["fulfilled_total"] == 0
    assert end["unable_listed_total"] == end["court_listed_total"] == BACKLOG


def test_the_unable_share_is_drawn_at_listing(quiet):
    res, end = run(world(quiet, rehabilitation={"fulfilment": {"unable_share": [0.4, 0.4, 0.4]}}))
    listed = BACKLOG / res.scale
    assert_share(end["unable_listed_total"] / res.scale, listed, 0.4)
    # Only the able pay: 60% of the list at most, at the baseline hazard.
    assert_share(end["fulfilled_total"] / res.scale, listed, 0.6 * share_paid(1.0, len(res.timeseries) - 1))


FELT = {
    "blocked_purchase": {"sanctions": {"flights": {"attempts_per_year": 50.0}}},
    "job_refused": {"sanctions": {"restrictions": {"jobs": {"applications_per_year": 50.0,
                                                            "refusal_probability": 1.0}}}},
    "credit_refused": {"sanctions": {"loans": {"applications_per_year": 50.0}}},
    "business_refused": {"sanctions": {"restrictions": {"business": {
        "applications_per_year": 50.0, "refusal_probability": 1.0, "income_multipliers": [1.0, 1.0, 1.0]}}},
        "lists": {"joint_punishment": {"enabled": True}}, "rehabilitation": {"fulfilment": {"joint_punishment": 1.0}}},
    "preferential_refused": {"sanctions": {"restrictions": {"preferential": {
        "applications_per_year": 50.0, "refusal_probability": 1.0, "income_multipliers": [1.0, 1.0, 1.0]}}},
        "lists": {"joint_punishment": {"enabled": True}}, "rehabilitation": {"fulfilment": {"joint_punishment": 1.0}}},
    "shaming": {"sanctions": {"shaming": {"enabled": True, "displays_per_year": 50.0}},
                "channels": {"cameras": {"coverage_urban": 1.0}},
                "lists": {"court": {"small_debt_share": 1.0}}, "population": {"urban_share": 1.0}},
}
"""Sanctions that every listed person feels about weekly (so the hazard ratio holds nearly all the run)."""


@pytest.mark.parametrize("pressure", sorted(FELT))
def test_a_felt_sanction_multiplies_the_hazard_by_its_ratio(quiet, pressure):
    ratio = {"rehabilitation": {"fulfilment": {pressure: {"hazard_ratio": 2.0, "half_life_days": LONG}}}}
    res_on, on = run(world(quiet, **merged(FELT[pressure], ratio)))
    res_off, off = run(world(quiet, **FELT[pressure]))  # the same sanction, hazard ratio 1
    listed = BACKLOG / res_on.scale
    days = len(res_on.timeseries) - 1
    assert_share(off["fulfilled_total"] / res_off.scale, listed, share_paid(1.0, days))
    # First felt after an exponential wait at 50 a year, then twice the hazard: the chance of not having
    # paid is E[exp(-r w - 2 r (T - w))] = exp(-2 r T) * felt / (felt - r).
    r, felt = RATE / 365, 50 / 365
    p = 1 - math.exp(-2 * r * days) * felt / (felt - r)
    if pressure in ("job_refused", "business_refused"):  # applied for at 15-59 only: over-60s keep the baseline
        people = people_of(res_on.scenario, AGENTS, 3)
        working = (people.age == ADULT).sum() / (people.age != CHILD).sum()
        p = working * p + (1 - working) * share_paid(1.0, days)
    assert_share(on["fulfilled_total"] / res_on.scale, listed, p)


def test_a_felt_sanction_fades_with_its_half_life(quiet):
    # Flights only in the first days: then the ratio fades; with a 30-day half-life the run's hazard is
    # close to the baseline, with a 30,000-day one close to twice it.
    flights = {"sanctions": {"flights": {"attempts_per_year": 50.0,
                                         "enforcement": [["2020-01-01", 1.0], ["2020-01-31", 0.0]]}}}
    paid = {}
    for half_life in (30, LONG):
        ratio = {"rehabilitation": {"fulfilment": {"blocked_purchase": {"hazard_ratio": 2.0,
                                                                        "half_life_days": half_life}}}}
        _, end = run(world(quiet, **merged(flights, ratio)))
        paid[half_life] = end["fulfilled_total"] / BACKLOG
    days = 365
    assert paid[30] < share_paid(1.25, days)
    assert paid[LONG] > share_paid(1.6, days)


def test_joint_punishment_raises_the_hazard_of_people_living_with_others(quiet):
    scenario = world(quiet, lists={"joint_punishment": {"enabled": True}},
                     rehabilitation={"fulfilment": {"joint_punishment": 2.0}})
    res, end = run(scenario)
    people = people_of(scenario, AGENTS, 3)
    adult = people.age != CHILD
    shared = ((people.household >> HOUSEHOLD_SIZE_SHIFT) > 1)[adult].mean()
    days = len(res.timeseries) - 1
    p = shared * share_paid(2.0, days) + (1 - shared) * share_paid(1.0, days)
    assert 0.3 < shared < 1.0
    assert_share(end["fulfilled_total"] / res.scale, BACKLOG / res.scale, p)


def test_stronger_flight_enforcement_makes_more_debtors_pay():
    """china-2018 with flight bans enforced fully, half the time, and never, paired (same seeds: the same
    listings), with a strong and lasting response to a blocked purchase so that a small run shows it."""
    strong = "+rehabilitation.fulfilment.blocked_purchase.hazard_ratio=3+rehabilitation.fulfilment.blocked_purchase" \
             ".half_life_days=365"
    paid = {}
    for enforcement in ("0", "0.5", "1"):
        scenario = load_variant(f"china-2018+sanctions.flights.enforcement={enforcement}{strong}")
        paid[enforcement] = sum(scslab.Sim(scenario, agents=100_000, seed=seed, until="2017-12-31").run()
                                .timeseries["fulfilled_total"].iloc[-1] for seed in (0, 1))
    assert paid["0"] < paid["0.5"] < paid["1"]


@pytest.mark.parametrize("measure, working_age_only", [("business", True), ("preferential", False)])
def test_cross_agency_refusals_come_at_the_application_rate_times_refusal(quiet, measure, working_age_only):
    """Applications at ``rate`` x income multiplier a listed person-year, each refused with probability 1/2, only
    while joint punishment is on; business is applied for at 15-59 only."""
    restriction = {"applications_per_year": 4.0, "refusal_probability": 0.5, "income_multipliers": [0.5, 0.5, 0.5]}
    on = {"sanctions": {"restrictions": {measure: restriction}}, "lists": {"joint_punishment": {"enabled": True}}}
    res, end = run(world(quiet, **on))
    person_days = res.timeseries["listed"].sum() / res.scale  # the listed pay (and leave) at RATE
    share = 1.0
    if working_age_only:
        people = people_of(res.scenario, AGENTS, 3)
        share = (people.age == ADULT).sum() / (people.age != CHILD).sum()
    expected = person_days * share * 4.0 * 0.5 * 0.5 / 365
    refused = end[f"{measure}_refusals_total"] / res.scale
    assert refused == pytest.approx(expected, abs=4 * math.sqrt(expected) + 0.01 * expected)
    _, off = run(world(quiet, sanctions={"restrictions": {measure: restriction}}))  # joint punishment off
    assert off[f"{measure}_refusals_total"] == 0
