"""Each mechanism against an analytic expectation, with a stated tolerance (4 standard errors)."""

import math

import numpy as np
import pytest

import scslab
from scslab.mechanisms.behaviour import GUIDES, BehaviourRates
from scslab.population import ADULT, SENIOR, people_of
from scslab.scenario.loading import load
from scslab.scenario.schema import BEHAVIOURS, merged

AGENTS = 200_000


def adults_by_group(sim):
    people = people_of(sim.scenario, sim.agents, sim.seed)
    adult = (people.age == ADULT) | (people.age == SENIOR)
    return np.bincount(people.group[adult], minlength=len(sim.scenario.population.groups)), people.scale


def run(scenario, seed=1):
    sim = scslab.Sim(scenario, agents=AGENTS, seed=seed)
    return sim, sim.run()


def court_defaults(quiet, rate, **update):
    base = {
        "behaviours": {"judgment_default": {"rate_per_year": rate, "income_multipliers": [1, 1, 1]}},
        "channels": {"courts": {"sees": {"judgment_default": 1.0}}, "finance": {"sees": {}}},
    }
    return quiet(**merged(base, update))


def test_certain_detection_without_exits_lists_the_binomial_expectation(quiet):
    sim, res = run(court_defaults(quiet, 0.5))
    adults = adults_by_group(sim)[0].sum()
    p = 1 - math.exp(-0.5 * sim.scenario.days / 365)
    listed_agents = res.timeseries["listed"].iloc[-1] / res.scale
    assert listed_agents == pytest.approx(adults * p, abs=4 * math.sqrt(adults * p * (1 - p)))
    assert res.timeseries["listed_total"].iloc[-1] == res.timeseries["listed"].iloc[-1]
    assert res.timeseries["wrongly_listed"].iloc[-1] == 0


def test_blocked_purchases_equal_listed_travel_attempts(quiet):
    rate = 5.0
    sim, res = run(court_defaults(quiet, 0.5, sanctions={"flights": {"attempts_per_year": rate}}))
    ts = res.timeseries
    assert (ts["flight_blocks_total"] == ts["flight_attempts_total"]).all()
    expected = (ts["listed"] / res.scale).sum() * rate / 365
    attempts = ts["flight_attempts_total"].iloc[-1] / res.scale
    assert attempts == pytest.approx(expected, abs=4 * math.sqrt(expected))
    assert 0 < ts["people_blocked"].iloc[-1] <= ts["listed_total"].iloc[-1]


def test_partial_enforcement_blocks_that_share_of_attempts(quiet):
    sim, res = run(court_defaults(quiet, 0.5, sanctions={"flights": {"attempts_per_year": 5.0, "enforcement": 0.3}}))
    end = res.timeseries.iloc[-1]
    n = end["flight_attempts_total"] / res.scale
    share = end["flight_blocks_total"] / end["flight_attempts_total"]
    assert share == pytest.approx(0.3, abs=4 * math.sqrt(0.3 * 0.7 / n))


def backlog_world(quiet, **update):
    base = {"lists": {"court": {"initial_backlog": 50_000, "deletion_delay_days": 0}}}
    return quiet(**merged(base, update))


def test_fulfilment_empties_the_list_at_its_hazard(quiet):
    sim, res = run(backlog_world(quiet, rehabilitation={"fulfilment": {"rate_per_year": 1.0, "delay_days": 0}}))
    k = 50_000 / res.scale
    p = 1 - (1 - 1 / 365) ** (sim.scenario.days - 1)
    fulfilled = res.timeseries["fulfilled_total"].iloc[-1] / res.scale
    assert fulfilled == pytest.approx(k * p, abs=4 * math.sqrt(k * p * (1 - p)) + 1)
    assert res.timeseries["deleted_total"].iloc[-1] == res.timeseries["fulfilled_total"].iloc[-1]
    assert res.timeseries["listed"].iloc[-1] + res.timeseries["delisted_total"].iloc[-1] == 50_000


def test_listings_expire_exactly_after_the_inclusion_period(quiet):
    sim, res = run(backlog_world(quiet, lists={"court": {"inclusion_period_days": 100}}))
    ts = res.timeseries
    assert ts["court_listed"].iloc[99] == 50_000
    assert ts["court_listed"].iloc[100] == 0
    assert ts["expired_total"].iloc[-1] == 50_000


def test_false_records_follow_the_false_match_rates_by_group(quiet):
    scenario = quiet(channels={"cameras": {
        "sees": {"protest": 1.0}, "coverage_urban": 1.0, "coverage_rural": 1.0,
        "false_records_per_person_year": 0.05,
        "group_false_match": {"majority": 1.0, "minority_a": 10.0, "minority_b": 30.0},
    }})
    sim, res = run(scenario)
    adults, scale = adults_by_group(sim)
    totals = res.by_group.groupby("group", observed=True)["false_detections"].sum() / scale
    for g, mult in enumerate([1.0, 10.0, 30.0]):
        expected = adults[g] * 0.05 / 365 * mult * sim.scenario.days
        name = sim.scenario.population.groups[g].name
        assert totals[name] == pytest.approx(expected, abs=4 * math.sqrt(expected))
    assert res.timeseries["detections"].sum() == 0


def test_listings_from_false_records_only_are_all_wrongful(quiet):
    scenario = quiet(
        channels={"cameras": {"sees": {"protest": 1.0}, "false_records_per_person_year": 0.2}},
        behaviours={"protest": {"rate_per_year": 0.0, "points": -100}},
        lists={"grade": {"enabled": True, "below_grade": "A"}},
        rulebook={"recovery_points_per_day": 0.0},
    )
    _, res = run(scenario)
    end = res.timeseries.iloc[-1]
    assert end["grade_listed"] > 0
    assert end["wrongly_listed"] == end["listed"] == end["grade_listed"]


def expression_world(quiet, mode):
    return quiet(
        behaviours={"lawful_criticism": {"rate_per_year": 2.0, "points": 0}},
        channels={"cameras": {"sees": {"lawful_criticism": 0.5}, "coverage_urban": 1.0, "coverage_rural": 1.0}},
        rulebook={"mode": mode},
        response={"chilling_elasticity": -0.15, "baseline_certainty": 0.1, "secret_prior": 0.5},
    )


def test_a_secret_rulebook_chills_lawful_expression_by_the_elasticity(quiet):
    _, res = run(expression_world(quiet, "secret"))
    ts = res.timeseries
    rate = ts["expression"].sum() / ts["expression_baseline"].sum()
    expected = ((0.1 + 0.5 * 0.5) / 0.1) ** -0.15
    n = ts["expression_baseline"].sum() / res.scale
    assert rate == pytest.approx(expected, abs=4 * math.sqrt(expected * (1 - expected) / n))


def test_a_public_rulebook_that_does_not_penalise_criticism_does_not_chill_it(quiet):
    _, res = run(expression_world(quiet, "public"))
    assert (res.timeseries["expression_rate"] == 1.0).all()


def test_no_system_means_no_records_and_no_chilling():
    res = scslab.Sim("no-system", agents=50_000, seed=3, days=200).run()
    ts = res.timeseries
    assert (ts["expression_rate"] == 1.0).all()
    assert ts[["detections", "false_detections", "listed_total", "redlisted"]].to_numpy().sum() == 0


def _offences_and_expression(run, days: int) -> np.ndarray:
    """The run's offences, expression and expression with no system, summed over ``days`` days."""
    from scslab.outputs import column
    for day in range(days):
        run.step(day)
    return run.history[:days, [column("offences"), column("expression"), column("expression_baseline")]].sum(axis=0)


def test_acts_that_only_add_to_counters_are_drawn_as_counts_over_the_adults(monkeypatch):
    """With no system nothing sees offences or expression, and no one's fear holds them back: they are drawn
    as counts over each piece's adults (``BehaviourEvents.counted``), whose mean is the sum of every adult's
    own rate, and the totals over a year are those means within 4 Poisson standard deviations, and those of
    the same run drawn person by person within 4 standard deviations of their difference."""
    from scslab.engine import CountryRun
    from scslab.mechanisms.behaviour import BehaviourEvents
    from scslab.population import CHILD, PROPENSITY_CLASSES

    run = CountryRun(load("no-system"), 30_000, seed=5)
    behaviour, people = run.behaviour, run.people
    detect, informed = run.detection.probabilities(0)
    bd = behaviour.today(0, run.rules.switches(0), detect, informed, run.seen(), run.adoption, False)
    counts = bd.offence | bd.expression
    assert (bd.counted == counts[:, None]).all()
    assert not behaviour.counted(bd, True).any()  # once anyone has been abroad, acts are drawn one by one
    means = behaviour.means(run.adoption, bd.counted)
    stratum = np.repeat(people.piece_stratum, np.diff(people.piece_start))
    piece = np.repeat(np.arange(people.pieces), np.diff(people.piece_start))
    adult = people.age != CHILD
    multipliers = np.array([people.offending_multiplier, people.expression_multiplier])
    for b in np.flatnonzero(counts):
        kind = behaviour.rates.propensity[b]
        own = behaviour.rates.per_agent[b, stratum] * multipliers[kind, people.propensity(kind)] / multipliers[kind].mean()
        np.testing.assert_allclose(means[b], np.bincount(piece[adult], own[adult], people.pieces), rtol=1e-9)
    assert len(multipliers[0]) == PROPENSITY_CLASSES and multipliers[0].std() > 0  # classes differ in rate

    days = 365
    counted = _offences_and_expression(run, days)
    expected = days * np.array([means[bd.offence].sum(), means[bd.expression].sum(), means[bd.expression].sum()])
    assert counted[1] == counted[2]  # no chilling with no system
    assert (np.abs(counted - expected) < 4 * np.sqrt(expected)).all(), (counted, expected)
    monkeypatch.setattr(BehaviourEvents, "counted", staticmethod(lambda bd, travelled: np.zeros_like(bd.counted)))
    one_by_one = _offences_and_expression(CountryRun(load("no-system"), 30_000, seed=5), days)
    assert (np.abs(counted - one_by_one) < 4 * np.sqrt(counted + one_by_one)).all(), (counted, one_by_one)


def test_acts_counted_and_thinned_keep_the_system_factor_of_their_own_counterfactual(quiet, monkeypatch):
    """Protest that nothing sees, held back by the severity of a secret rulebook alone (no elasticity of
    certainty, so no one's own fear matters): drawn as counts, each candidate's one uniform decides the act with
    and without the system, so expression over its counterfactual is the system factor (4 binomial standard
    errors), drawn as counts as person by person."""
    from scslab.engine import CountryRun
    from scslab.mechanisms.behaviour import BehaviourEvents
    from scslab.mechanisms.detection import CHANNELS

    scenario = quiet(behaviours={"protest": {"rate_per_year": 2.0}}, rulebook={"mode": "secret"},
                     channels={c: {"coverage_urban": 0.0, "coverage_rural": 0.0} for c in CHANNELS},
                     response={"severity_elasticity": -0.3, "secret_prior": 0.5})
    run = CountryRun(scenario, 20_000, seed=2)
    detect, informed = run.detection.probabilities(0)
    bd = run.behaviour.today(0, run.rules.switches(0), detect, informed, run.seen(), run.adoption, False)
    protest = BEHAVIOURS.index("protest")
    factor = bd.system_factor[protest]
    assert bd.counted[protest].all() and 0.9 < factor < 0.95
    counted = _offences_and_expression(run, 365)
    monkeypatch.setattr(BehaviourEvents, "counted", staticmethod(lambda bd, travelled: np.zeros_like(bd.counted)))
    one_by_one = _offences_and_expression(CountryRun(scenario, 20_000, seed=2), 365)
    for _, expression, baseline in (counted, one_by_one):
        assert abs(expression / baseline - factor) < 4 * math.sqrt(factor * (1 - factor) / baseline)
    assert abs(counted[2] - one_by_one[2]) < 4 * math.sqrt(counted[2] + one_by_one[2])


def test_deterrence_follows_the_certainty_elasticity(quiet):
    scenario = quiet(
        behaviours={"traffic_violation": {"rate_per_year": 2.0, "points": -5, "severity": 0.0, "urban_multiplier": 1.0}},
        channels={"cameras": {"sees": {"traffic_violation": 0.5}, "coverage_urban": 1.0, "coverage_rural": 1.0}},
        rulebook={"mode": "public"},
        response={"certainty_elasticity": -0.5, "baseline_certainty": 0.1},
    )
    sim, res = run(scenario)
    adults = adults_by_group(sim)[0].sum()
    expected = adults * 2.0 / 365 * sim.scenario.days * ((0.1 + 0.5) / 0.1) ** -0.5
    offences = res.timeseries["offences"].sum() / res.scale
    assert offences == pytest.approx(expected, abs=4 * math.sqrt(expected))


def test_joint_punishment_spills_onto_household_members(quiet):
    on = court_defaults(quiet, 0.2, lists={"joint_punishment": {"enabled": True}})
    off = court_defaults(quiet, 0.2)
    sim, res_on = run(on)
    _, res_off = run(off)
    assert res_off.timeseries["joint_punished"].max() == 0
    people = people_of(sim.scenario, sim.agents, sim.seed)
    adult = (people.age == ADULT) | (people.age == SENIOR)
    housemates = (people.household_size[adult].astype(float) - 1).mean()
    end = res_on.timeseries.iloc[-1]
    # at most every listed person's housemates; fewer where two members of one household are listed
    assert 0.7 * end["listed"] * housemates < end["joint_punished"] <= end["listed"] * housemates * 1.02


def test_surveillance_aimed_at_a_group_multiplies_its_coverage_and_its_false_records(quiet):
    """``group_coverage`` multiplies a channel's coverage of that group's strata, stopping at full coverage;
    the false records about the group scale with it; other groups are untouched."""
    from scslab.mechanisms.detection import Detection

    cameras = {"coverage_urban": 0.3, "coverage_rural": 0.3, "false_records_per_person_year": 0.01,
               "sees": {"traffic_violation": 0.5}}
    plain = quiet(channels={"cameras": cameras})
    aimed = quiet(channels={"cameras": cameras | {"group_coverage": {"minority_a": 2.0, "minority_b": 5.0}}})
    people = people_of(plain, 20_000, seed=1)
    a, b = Detection(plain, people), Detection(aimed, people)
    group = people.stratum_group
    sizes = np.diff(people.stratum_start).astype(float)
    cov_a, cov_b = a.stratum_coverage(0)[0], b.stratum_coverage(0)[0]
    assert np.allclose(cov_b[group == 0], cov_a[group == 0])
    assert np.allclose(cov_b[group == 1], 0.6) and np.allclose(cov_b[group == 2], 1.0)  # 1.5 stops at 1
    false_a, false_b = a.false_record_means(0, sizes)[0], b.false_record_means(0, sizes)[0]
    assert np.allclose(false_b[group == 1], 2 * false_a[group == 1])
    traffic = scslab.scenario.schema.BEHAVIOURS.index("traffic_violation")
    assert np.allclose(b.probabilities(0)[0][traffic, group == 1, 0], 0.3)  # 0.5 x 0.6


def test_the_class_guide_finds_the_class_a_search_from_the_first_would():
    """A class draw starts its search where the guide table says (``BehaviourRates.class_guide``): the class is
    the first whose running share passes the draw, as a search from class 0 finds, at every step's edge, just
    either side of every class's edge, and for random draws."""
    scenario = load("china-2018")
    rates = BehaviourRates(scenario, people_of(scenario, 2_000, 1))
    assert (np.diff(rates.class_cdf, axis=1) > 0).all()  # china-2018's classes all have some share
    for cdf, guide in zip(rates.class_cdf, rates.class_guide):
        inner = cdf[:-1]
        edges = np.concatenate((np.arange(GUIDES) / GUIDES, inner, np.nextafter(inner, 0), np.nextafter(inner, 1)))
        draws = np.concatenate((edges[(edges >= 0) & (edges < 1)], np.random.default_rng(3).random(10_000)))
        for x in draws:
            c = guide[int(x * GUIDES)]
            while c < len(cdf) - 1 and cdf[c] <= x:
                c += 1
            assert c == np.searchsorted(cdf[:-1], x, side="right")
