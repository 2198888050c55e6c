"""Local pilots: their people, their rulebooks, their own recording, and what they add in china-2018."""

from __future__ import annotations

import numpy as np
import pytest

import scslab
from scslab.engine import CountryRun
from scslab.mechanisms import scoring
from scslab.mechanisms.detection import Detection
from scslab.mechanisms.state import F_GRADE, F_RED, Records
from scslab.population import URBAN, people_of, stratum_shares, synthesize
from scslab.scenario.loading import load, validate
from scslab.scenario.schema import BEHAVIOURS

TRAFFIC, VOLUNTEERING = BEHAVIOURS.index("traffic_violation"), BEHAVIOURS.index("volunteering")


def pilot_scenario(**pilot):
    """A small one-country scenario with one pilot over half the urban population from 1 Jan 2016."""
    spec = {
        "name": "pilot-test", "start_date": "2015-01-01", "end_date": "2016-12-31",
        "population": {"size": 1_000_000},
        "sampling": {"min_agents_per_group": 0},  # every agent stands for as many people: tests count agents
        "rulebook": {"recovery_points_per_day": 0.0},
        "lists": {"grade": {"enabled": False}, "redlist": {"enabled": False}},
        "pilots": [{"name": "city", "urban_share": 0.5, "start": "2016-01-01",
                    "points": {"traffic_violation": -200, "volunteering": 60},
                    "recovery_points_per_day": 0.0, "grade_list": "B", "redlist": "AAA"} | pilot],
    }
    return validate(spec, "test")


def test_pilot_strata_hold_their_share_of_the_urban_population_and_nothing_else_moves():
    scenario = pilot_scenario()
    pop = scenario.population
    people = people_of(scenario, 100_000, seed=1)
    sizes = np.diff(people.stratum_start)
    urban = sizes[people.stratum_region == URBAN].sum()
    in_pilot = sizes[people.stratum_pilot == 1].sum()
    assert abs(in_pilot - 0.5 * urban) <= len(sizes)  # largest-remainder rounding: under one agent per stratum
    assert (people.stratum_region[people.stratum_pilot == 1] == URBAN).all()
    # Without pilots the layout is the one every scenario had before pilots existed.
    plain = synthesize(pop, 100_000, seed=1)
    shares, regions, groups, incomes, pilots = stratum_shares(pop)
    assert not pilots.any() and (plain.stratum_region == regions).all() and len(plain.stratum_pilot) == len(regions)
    # The pilot splits each urban stratum in two, in proportion.
    split = stratum_shares(pop, [0.5])[0]
    assert split.sum() == pytest.approx(shares.sum())


def _resident_and_other(run):
    """An adult in the pilot's area and one outside it, both urban."""
    people = run.people
    pick = []
    for pilot in (1, 0):
        s = np.flatnonzero((people.stratum_pilot == pilot) & (people.stratum_region == URBAN))[0]
        agents = np.arange(people.stratum_start[s], people.stratum_start[s + 1])
        pick.append(int(agents[people.age[agents] != 0][0]))
    return pick


def _score(run, day, agents, behaviour):
    on = run.rules.switches(day)
    sp = run.rules.today(day, on)
    records = Records(np.array(agents, np.int32), np.full(len(agents), behaviour, np.uint8),
                      np.ones(len(agents), np.bool_), np.zeros(len(agents), np.uint8))
    scoring.apply_records(run.context(sp), np.random.default_rng(0), records, len(agents))


def test_a_pilot_scores_its_residents_by_its_own_rulebook_from_its_start_only():
    run = CountryRun(pilot_scenario(), 20_000, seed=1)
    resident, other = _resident_and_other(run)
    national = run.scenario.behaviours.traffic_violation.points
    start = (run.scenario.pilots[0].start - run.scenario.start_date).days
    before = run.agents.score[[resident, other]].astype(int)
    _score(run, start - 1, [resident, other], TRAFFIC)  # before the pilot starts: national points for both
    after_first = run.agents.score[[resident, other]].astype(int)
    assert list(after_first - before) == [national, national]
    _score(run, start, [resident, other], TRAFFIC)  # from its start: the pilot's -200 for the resident
    after = run.agents.score[[resident, other]].astype(int)
    assert list(after - after_first) == [-200, national]
    # 1000 + 2 x national - 200 is below the pilot's grade B minimum (850): grade-listed; the other is not,
    # the national grade list being off.
    assert run.agents.flags[resident] & F_GRADE and not run.agents.flags[other] & F_GRADE
    assert run.counters[scoring.LISTS.grade_listed] == 1


def test_a_pilot_redlists_residents_at_its_top_grade():
    run = CountryRun(pilot_scenario(), 20_000, seed=1)
    resident, other = _resident_and_other(run)
    start = (run.scenario.pilots[0].start - run.scenario.start_date).days
    _score(run, start, [resident, other], VOLUNTEERING)  # +60 for the resident: 1060 >= AAA's 1050
    assert run.agents.flags[resident] & F_RED and not run.agents.flags[other] & F_RED
    assert run.counters[scoring.LISTS.redlisted] == 1


def test_a_pilot_records_deeds_of_its_residents_only_and_only_from_its_start():
    scenario = pilot_scenario(sees={"volunteering": 0.7})
    people = people_of(scenario, 20_000, seed=1)
    detection = Detection(scenario, people)
    start = (scenario.pilots[0].start - scenario.start_date).days
    before, after = detection.probabilities(start - 1)[0], detection.probabilities(start)[0]
    in_pilot = people.stratum_pilot == 1
    national = before[VOLUNTEERING, in_pilot]
    # Independent channels: P(recorded) = 1 - (1 - national) (1 - 0.7) in the pilot, unchanged elsewhere.
    assert after[VOLUNTEERING, in_pilot] == pytest.approx(1 - (1 - national) * 0.3)
    assert (after[:, ~in_pilot] == before[:, ~in_pilot]).all()
    assert (after[np.arange(len(BEHAVIOURS)) != VOLUNTEERING] == before[np.arange(len(BEHAVIOURS)) != VOLUNTEERING]).all()


@pytest.fixture(scope="module")
def china_pair():
    """china-2018 at 200,000 agents with its pilots and without them (same seed; every agent the same weight, so
    that money and counts compare in agents). Mortgage applications are 20 times as frequent as by default: at
    the default, about 1.6 agents are refused for non-financial records in a run, none about one seed in five."""
    same = ["sampling.min_agents_per_group=0", "sanctions.mortgages.applications_per_year=0.2"]
    with_pilots = scslab.Sim(load("china-2018", same), agents=200_000, seed=2).run()
    without = scslab.Sim(load("china-2018", ["pilots=[]", *same]), agents=200_000, seed=2).run()
    return with_pilots.summary["end"], without.summary["end"]


def test_china_pilots_list_redlist_price_loans_and_refuse_mortgages_for_non_financial_records(china_pair):
    end, plain = china_pair
    for name in ("grade_listed_total", "redlisted", "loans_discount_total", "loan_interest_saved_total",
                 "mortgages_denied_nonfinancial_total", "deposits_waived_total", "priority_services_total"):
        assert end[name] > 0, name
        assert plain[name] == 0, name  # the national rulebook alone lists, redlists and refuses nobody by grade


def test_loan_money_is_rate_times_principal_for_each_loan_priced(china_pair):
    end, _ = china_pair
    loans = load("china-2018").sanctions.loans
    # End values are scaled to people and rounded, each on its own: compare in agents (1 agent = 7,058.9 people).
    scale = load("china-2018").population.size / 200_000
    for money, count, rate in (("loan_interest_saved_total", "loans_discount_total", loans.redlist_discount),
                               ("loan_interest_premium_total", "loans_premium_total", loans.listed_premium)):
        assert round(end[money] / scale) == round(end[count] / scale) * round(rate * loans.principal), money


def test_summary_flags_figures_resting_on_few_agents():
    from scslab.intervals import SMALL_NUMBER, entry
    from scslab.summary import counted, figure

    def shown(value, agents):
        return figure({"intervals": {"x": entry(value, value / 2, value * 2, "Poisson", agents)}}, "x")

    assert shown(4235, 3) == "4,235 [2,118-8,470] (from 3 agents: a small number)"
    assert shown(SMALL_NUMBER * 1411.78, SMALL_NUMBER) == "42,353 [21,177-84,707]"
    assert figure({"intervals": {"x": entry(0, 0, 0, "3 replicates", 0)}}, "x") == "0"
    # a count with no interval of its own (a firm's transactions, a market's records): its Poisson interval
    assert counted(4235.34, 1411.78) == "4,235 [873-12,377] (from 3 agents: a small number)"


def test_redlist_perks_come_at_the_use_rate_of_the_redlisted_with_the_deposit_in_money():
    """Uses at ``uses_per_year`` a redlisted person-year, a share ``deposit_share`` of them with a deposit waived,
    the rest served first; the money is the deposit times the deposits waived (all counted in agents)."""
    perks = {"uses_per_year": 20.0, "deposit_share": 0.25, "deposit": 400.0}
    spec = pilot_scenario(sees={"volunteering": 1.0}).model_dump(mode="json")
    spec["behaviours"]["volunteering"]["rate_per_year"] = 4.0
    spec["sanctions"]["perks"] = perks
    run = scslab.Sim(validate(spec, "test"), agents=20_000, seed=4).run()
    ts, scale = run.timeseries, run.scale
    person_days = ts["redlisted"].sum() / scale
    expected = person_days * perks["uses_per_year"] / 365
    end = ts.iloc[-1]
    deposits, priority = end["deposits_waived_total"] / scale, end["priority_services_total"] / scale
    assert expected > 1_000, "too few redlisted for the test"
    assert deposits + priority == pytest.approx(expected, abs=4 * np.sqrt(expected) + 0.01 * expected)
    uses = deposits + priority
    assert deposits / uses == pytest.approx(0.25, abs=4 * np.sqrt(0.25 * 0.75 / uses))
    assert round(end["deposit_value_waived_total"] / scale) == round(deposits) * 400
    off = scslab.Sim(validate(spec | {"pilots": []}, "test"), agents=20_000, seed=4).run().timeseries.iloc[-1]
    assert off["deposits_waived_total"] == off["priority_services_total"] == 0  # nobody redlisted, no perks


def test_a_country_of_a_many_country_scenario_runs_its_own_pilots_from_its_adoption():
    from scslab.scenario.international import country_scenario

    scenario = load("central-asia-2020", ["countries.kazakhstan.adoption_start=2020-01-01",
                                          'countries.kyrgyzstan.adoption="other_vendor"'])
    china = country_scenario(scenario, "china")
    assert [p.name for p in china.pilots] == ["rongcheng", "points_cities", "reward_cities"]
    assert [p.start for p in china.pilots] == [p.start for p in scenario.countries["china"].pilots]
    late = validate({**scenario.model_dump(mode="json"), "countries": {
        **scenario.model_dump(mode="json")["countries"],
        "kazakhstan": {**scenario.model_dump(mode="json")["countries"]["kazakhstan"],
                       "pilots": [{"name": "almaty", "urban_share": 0.2, "start": "2014-01-01"}]}}}, "test")
    assert [p.start.isoformat() for p in country_scenario(late, "kazakhstan").pilots] == ["2020-01-01"]
    other = validate({**late.model_dump(mode="json"), "countries": {
        **late.model_dump(mode="json")["countries"],
        "kyrgyzstan": {**late.model_dump(mode="json")["countries"]["kyrgyzstan"],
                       "pilots": [{"name": "bishkek", "urban_share": 0.2, "start": "2014-01-01"}]}}}, "test")
    assert country_scenario(other, "kyrgyzstan").pilots == []  # another vendor's system: no score to keep
