"""Groups sampled with different weights: a floor of agents per group, every count weighed by its group's people
per agent (``population.group_agents``, ``CountryRun.weighed_history``)."""

from __future__ import annotations

import numpy as np
import pytest

from scslab import Sim
from scslab.population import allocate, group_agents, people_of, stratum_shares
from scslab.scenario.loading import load

SCENARIO = load("china-2018")


def with_floor(floor: int, scenario=SCENARIO):
    return scenario.model_copy(update={"sampling": scenario.sampling.model_copy(
        update={"min_agents_per_group": floor})})


def test_small_groups_get_the_floor_and_the_rest_stays_in_proportion():
    shares, _, groups, _, _ = stratum_shares(SCENARIO.population, [p.urban_share for p in SCENARIO.pilots])
    plain, none = group_agents(SCENARIO.population, 100_000, shares, groups)
    floored, scale = group_agents(SCENARIO.population, 100_000, shares, groups, 20_000)
    assert none is None
    assert [int(plain[groups == g].sum()) for g in range(3)] == [91_110, 6_890, 2_000]
    # the floor is capped at half the agents shared equally (16,666 for three groups)
    assert [int(floored[groups == g].sum()) for g in range(3)] == [66_668, 16_666, 16_666]
    assert floored.sum() == plain.sum() == 100_000
    # within a group, strata keep their proportions
    mine = groups == 2
    np.testing.assert_array_equal(floored[mine], allocate(16_666, shares[mine]))
    # each group's agents stand for the group's people
    people = np.bincount(groups, shares) * SCENARIO.population.size
    np.testing.assert_allclose(scale * [66_668, 16_666, 16_666], people, rtol=1e-12)


def test_a_floor_that_no_group_falls_below_leaves_every_agent_the_same_weight():
    people = people_of(SCENARIO, 1_000_000, seed=1)  # the smallest group has 2% of 1,000,000 agents
    assert not people.weighted
    np.testing.assert_array_equal(people.group_scale, people.scale)
    assert np.all(people.piece_weight == 1.0)
    shares, *_ = stratum_shares(SCENARIO.population, [p.urban_share for p in SCENARIO.pilots])
    np.testing.assert_array_equal(np.diff(people.stratum_start), allocate(1_000_000, shares))


def test_weighted_agents_stand_for_the_whole_population():
    people = people_of(SCENARIO, 50_000, seed=1)
    assert people.weighted
    assert people.group_agents.tolist() == [33_334, 8_333, 8_333]
    assert float(people.group_agents @ people.group_scale) == pytest.approx(SCENARIO.population.size, rel=1e-12)
    first = [int(np.flatnonzero(people.stratum_group == g)[0]) for g in range(3)]  # a stratum of each group
    agents = people.stratum_start[first]
    np.testing.assert_array_equal(people.scale_of(agents), people.group_scale)
    assert people.people_in(agents) == pytest.approx(people.group_scale.sum())


@pytest.fixture(scope="module")
def paired():
    """china-2018 to mid-2016, 40,000 agents, 4 seeds: plainly (the smallest group gets 800 agents) and with
    the floor (6,666: half the agents shared by three groups)."""
    return {floor: Sim(with_floor(floor), agents=40_000, seed=1, days=1_000, replicates=4).run().summary
            for floor in (0, 20_000)}


def test_an_oversampled_run_and_a_plain_run_agree_on_every_population_total(paired):
    plain, oversampled = paired[0]["intervals"], paired[20_000]["intervals"]
    half = 3.182  # t(0.975, 3 degrees of freedom): an interval's half-width over its standard error
    checked = 0
    for name, a in plain.items():
        b = oversampled[name]
        se = np.hypot(a["high"] - a["value"], b["high"] - b["value"]) / half
        if a["value"] == b["value"] == 0:
            continue
        assert abs(a["value"] - b["value"]) <= 4 * se, (name, a, b)
        checked += 1
    assert checked >= 40


def test_the_oversampled_small_group_has_the_narrower_interval():
    runs = {floor: Sim(with_floor(floor), agents=40_000, seed=1, days=1_000).run().summary for floor in (0, 20_000)}
    widths = {}
    for floor, summary in runs.items():
        listed = summary["group_intervals"]["minority_b"]["listed"]
        widths[floor] = (listed["high"] - listed["low"]) / listed["value"]
        assert summary["agents_by_group"]["minority_b"]["agents"] == (800 if floor == 0 else 6_666)
    assert widths[20_000] < widths[0] / 2
    counted = {floor: summary["group_intervals"]["minority_b"]["listed"]["agents"] for floor, summary in runs.items()}
    assert counted[20_000] > 4 * counted[0]


def test_the_summary_says_what_an_agent_of_each_group_stands_for():
    from scslab.summary import per_agent

    summary = Sim("china-2018", agents=40_000, seed=1, days=30).run().summary
    scales = {g: v["scale"] for g, v in summary["agents_by_group"].items()}
    assert per_agent(summary) == (f"1 agent = {scales['han']:,.1f} people in han to "
                                  f"{scales['minority_b']:,.1f} in minority_b")


def test_a_group_of_its_own_floor_is_raised_alone():
    groups = [g.model_copy(update={"min_agents": 30_000}) if g.name == "minority_b" else g
              for g in SCENARIO.population.groups]
    population = SCENARIO.population.model_copy(update={"groups": groups})
    shares, _, group_of, _, _ = stratum_shares(population, [p.urban_share for p in SCENARIO.pilots])
    counts, scale = group_agents(population, 1_000_000, shares, group_of, 20_000)
    # the global floor (20,000) raises nobody at a million agents; minority_b's own floor raises it to 30,000,
    # and the others share the other 970,000 in proportion (0.9111 : 0.0689 gives 901,803.1 and 68,196.9)
    assert [int(counts[group_of == g].sum()) for g in range(3)] == [901_803, 68_197, 30_000]
    people = np.bincount(group_of, shares) * population.size
    np.testing.assert_allclose(scale * [int(counts[group_of == g].sum()) for g in range(3)], people, rtol=1e-12)
