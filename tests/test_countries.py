"""Many-country scenarios: travel, records abroad, agreements and alliances, the trust index."""

from __future__ import annotations

import copy
import json
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from conftest import assert_one_line_error

from scslab.sim import Sim
from scslab.mechanisms.lists import OUT as LISTS
from scslab.scenario.loading import ScenarioError, validate
from scslab.world import World, split_agents

ALL_CLASSES = ["financial", "court", "traffic", "political"]


def two_countries(**agreement) -> dict:
    """Two identical countries, symmetric flows and (unless switched off) a two-way agreement."""
    country = {"population": {"size": 40_000_000},
               "foreigners": {"partner_enforcement": 1.0, "false_match": 3.0}}
    data = {
        "name": "pair",
        "start_date": dt.date(2018, 1, 1),
        "end_date": dt.date(2018, 12, 31),
        "countries": {"east": copy.deepcopy(country), "west": copy.deepcopy(country)},
        "travel": {
            "east_workers": {"home": "east", "host": "west", "kind": "migrant_worker", "residents": 2_000_000,
                             "trips_per_year": 1_000_000},
            "west_workers": {"home": "west", "host": "east", "kind": "migrant_worker", "residents": 2_000_000,
                             "trips_per_year": 1_000_000},
            "east_diaspora": {"home": "east", "host": "west", "kind": "diaspora", "residents": 1_000_000},
            "west_diaspora": {"home": "west", "host": "east", "kind": "diaspora", "residents": 1_000_000},
        },
        "agreements": {"pact": {"from_country": "east", "to_country": "west", "both_ways": True,
                                "classes": ALL_CLASSES, "delay_days": 0, **agreement}},
    }
    return data


def run(data: dict, agents: int = 40_000, seed: int = 1):
    return Sim(validate(copy.deepcopy(data), "test"), agents=agents, seed=seed).run()


@pytest.fixture(scope="module")
def pair():
    return run(two_countries())


def test_agents_split_in_proportion_to_population():
    assert split_agents([1_000, 3_000], 10) == [3, 7]  # 2.5 / 7.5: the remainder goes to the larger fraction first
    assert sum(split_agents([18_800_000, 1_411_780_000, 3_300_000], 2_000_000)) == 2_000_000


def test_countries_with_no_travel_between_them_run_and_nobody_moves():
    """Found by the fuzz suite: a many-country scenario without travel flows ended in a traceback."""
    data = two_countries()
    data["travel"] = {}
    data["end_date"] = dt.date(2018, 1, 31)
    countries = run(data, agents=4_000).countries
    assert (countries[["residents_abroad", "foreigners_present", "departures", "arrivals"]] == 0).all().all()


def test_people_who_leave_one_country_arrive_in_another(pair):
    c = pair.countries
    by_day = c.groupby("day")[["population", "present", "departures", "arrivals"]].sum()
    # Everyone is somewhere: the people present add up to the populations (within rounding of people counts).
    assert (by_day["present"] - by_day["population"]).abs().max() <= 2
    assert (by_day["departures"] - by_day["arrivals"]).abs().max() <= 2
    # The stock abroad moves by departures minus returns, country by country.
    for _, rows in c.groupby("country", observed=True):
        change = rows["residents_abroad"].diff().iloc[1:].to_numpy()
        flow = (rows["departures"] - rows["returns"]).iloc[1:].to_numpy()
        assert np.abs(change - flow).max() <= 2
    assert c["departures"].iloc[2:].sum() > 0 and c["returns"].sum() > 0


def test_transfers_match_the_records_the_agreement_allows(pair):
    c, t = pair.countries, pair.transfers
    assert set(t["arrangement"]) == {"pact"} and len(t) > 0
    # No delay, no loss: every record a host makes about a foreigner reaches the foreigner's country and is
    # applied there the next morning (those of the last day are still on their way at the end).
    last = c["day"].max()
    sent = t[t["day"] < last].groupby("to_country", observed=True)["records"].sum()
    received = c.groupby("country", observed=True)["records_received"].sum()
    made = c[c["day"] < last].groupby("country", observed=True)["records_on_foreigners"].sum()
    for country in ("east", "west"):
        other = "west" if country == "east" else "east"
        # In people, rounded day by day: at most half a person a day apart, less than the fewest people an
        # agent stands for (groups raised to the floor weigh less), so a record lost or doubled still shows.
        rounding = 0.5 * (last + 1)
        assert rounding < min(v["scale"] for v in pair.summary["agents_by_group"].values())
        assert sent[country] == pytest.approx(received[country], abs=rounding) and received[country] > 0
        assert received[country] == pytest.approx(made[other], abs=rounding)
    assert set(t["record_class"]) <= set(ALL_CLASSES)
    assert "political" in set(t["record_class"])  # diaspora activism recorded abroad and sent home


def test_loss_and_delay_reduce_and_postpone_transfers(pair):
    lossy = run(two_countries(loss=0.5, delay_days=30))
    made = lossy.countries["records_on_foreigners"].sum()
    sent = lossy.transfers["records"].sum()
    assert 0.35 * made < sent < 0.65 * made
    assert lossy.countries.loc[lossy.countries["day"] < 30, "records_received"].sum() == 0


def test_an_agreement_switched_off_moves_nothing_and_changes_nobody(pair):
    off = run(two_countries(enabled=False))
    none = two_countries()
    del none["agreements"]
    without = run(none)
    assert off.transfers.empty and off.countries["records_received"].sum() == 0
    assert off.countries["nationals_exposed_total"].sum() == 0
    pd.testing.assert_frame_equal(off.countries, without.countries)
    pd.testing.assert_frame_equal(off.timeseries, without.timeseries)
    # ...while switched on, records do reach home and change the results.
    assert pair.countries["records_received"].sum() > 0
    assert not pair.countries["nationals_exposed_total"].equals(off.countries["nationals_exposed_total"])


def test_identical_countries_agree_within_sampling_error(pair):
    c = pair.countries
    totals = c.groupby("country", observed=True)[["records_on_foreigners", "records_received"]].sum()
    scale = pair.summary["scale"]
    for column in totals:
        a, b = totals[column] / scale
        assert abs(a - b) < 4 * np.sqrt(a + b) + 1, column
    end = c[c["day"] == c["day"].max()].set_index("country")
    a, b = end["listed"] / scale
    assert abs(a - b) < 4 * np.sqrt(a + b) + 1
    # The daily rate is noisy (about 0.03 a day at this size); its yearly mean is not.
    yearly = c.groupby("country", observed=True)["expression_rate"].mean()
    assert abs(yearly["east"] - yearly["west"]) < 0.01


def test_political_acts_abroad_are_sanctioned_at_home_only_with_partner_effort():
    data = two_countries()
    data["agreements"]["pact"]["classes"] = ["political"]
    for country in ("east", "west"):
        data["countries"][country]["foreigners"]["partner_enforcement"] = 0.0
    quiet = run(data)
    assert quiet.transfers.empty
    for country in ("east", "west"):
        data["countries"][country]["foreigners"]["partner_enforcement"] = 1.0
    watched = run(data)
    assert set(watched.transfers["record_class"]) == {"political"}
    assert watched.countries["diaspora_exposed_total"].max() > 0
    # Records from abroad lower scores at home: the home trust index (mean score) falls.
    end = watched.countries[watched.countries["day"] == watched.countries["day"].max()]
    quiet_end = quiet.countries[quiet.countries["day"] == quiet.countries["day"].max()]
    assert (end["trust_index"].to_numpy() < quiet_end["trust_index"].to_numpy()).all()


def test_a_pooled_platform_reaches_every_member():
    data = two_countries()
    del data["agreements"]
    data["countries"]["north"] = {"population": {"size": 40_000_000}}
    data["alliances"] = {"pool": {"members": ["east", "west", "north"], "classes": ALL_CLASSES, "delay_days": 0}}
    results = run(data, agents=60_000)
    t = results.transfers
    assert set(t["to_country"]) == {"east", "west", "north"}
    assert "north" not in set(t["from_country"])  # nobody travels to north
    assert results.summary["arrangements"]["pool"]["people_exposed"] > 0


def test_trust_index_equals_its_rule_applied_to_scores():
    data = two_countries()
    data["countries"]["east"]["channels"] = {"cameras": {"false_records_per_person_year": 0.5}}
    for rule in ("mean_score", "share_listed", "weighted"):
        data["trust"] = {"rule": rule, "weights": {"mean_score": 2.0, "share_listed": 1.0, "share_redlisted": 1.0}}
        world = World(validate(copy.deepcopy(data), "test"), agents=20_000, seed=2)
        results = world.run()
        end = results.countries[results.countries["day"] == results.countries["day"].max()].set_index("country")
        for name, country in zip(world.names, world.runs):
            expected = _rule(rule, country, country.days - 1)
            assert end.loc[name, "trust_index"] == pytest.approx(expected, rel=1e-12)


def _rule(rule, country, day):
    """The index recomputed from the agents' columns, independently of the engine's kernel."""
    rulebook = country.scenario.rulebook
    people = country.people
    adult = people.age != 0
    # every agent weighed by the people it stands for, over the mean (groups raised to the floor weigh less)
    weight = (people.scale_of(np.arange(people.agents)) / people.scale)[adult]
    score = country.agents.score[adult].astype(np.int64)
    move = np.floor(rulebook.recovery_points_per_day * (day - country.agents.touched[adult]) + 1e-9).astype(np.int64)
    start = rulebook.start_score
    score = np.where(score < start, np.minimum(start, score + move), np.maximum(start, score - move))
    group_weight = people.group_scale / people.scale
    listed, redlisted = (group_weight @ country.group_counters[:, column] for column in (LISTS.listed, LISTS.redlisted))
    parts = {"mean_score": (weight * score).sum() / weight.sum() / start,
             "share_listed": 1 - listed / weight.sum(),
             "share_redlisted": redlisted / weight.sum()}
    if rule != "weighted":
        return parts[rule]
    return (2 * parts["mean_score"] + parts["share_listed"] + parts["share_redlisted"]) / 4


def test_pressure_raises_enforcement_below_the_target():
    data = two_countries()
    data["countries"]["east"]["channels"] = {"cameras": {"false_records_per_person_year": 0.5}}
    data["trust"] = {"rule": "mean_score", "interval_days": 30,
                     "feedback": {"terms": {"partner": "west", "target": 1.0, "strength": 50.0, "max_multiplier": 1.5}}}
    c = run(data).countries
    east, west = c[c["country"] == "east"], c[c["country"] == "west"]
    assert (west["enforcement"] == 1.0).all()
    expected = np.minimum(1.5, 1 + 50.0 * np.maximum(0.0, 1.0 - east["trust_index"].to_numpy()))
    np.testing.assert_allclose(east["enforcement"].to_numpy(), expected)
    assert east["enforcement"].max() > 1.0


def test_one_country_runs_have_no_country_results(tmp_path):
    results = Sim("china-2018", agents=5_000, days=30).run()
    assert results.countries is None and results.transfers is None
    results.save(tmp_path / "run")
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [
        "by_group.parquet", "recoveries.parquet", "scenario.toml", "scores.parquet", "summary.json",
        "timeseries.parquet"]


@pytest.mark.parametrize("change, message", [
    (lambda d: d["agreements"]["pact"].update(to_country="atlantis"),
     "agreements.pact.to_country: unknown country 'atlantis'"),
    (lambda d: d["agreements"].update(again={"from_country": "west", "to_country": "east", "classes": ["court"],
                                             "start": dt.date(2018, 6, 1)}),
     "agreements.again: overlapping dates with agreements.pact for court records from west to east"),
    (lambda d: d["agreements"]["pact"].update(classes=["gossip"]),
     "field agreements.pact.classes.0: Input should be 'financial', 'court', 'traffic' or 'political'"),
    (lambda d: d["travel"]["east_workers"].update(host="east"), "travel.east_workers: home and host are the same"),
    (lambda d: d["travel"]["east_workers"].update(home="mars"), "travel.east_workers.home: unknown country 'mars'"),
    (lambda d: d.update(alliances={"a": {"members": ["east", "pluto"], "classes": ["court"]}}),
     "alliances.a.members: unknown country 'pluto'"),
    (lambda d: d["agreements"]["pact"].update(start=dt.date(2018, 6, 1), end=dt.date(2018, 1, 1)),
     "end must not be before start"),
    (lambda d: d["countries"]["east"].update(adoption="partial"), "field countries.east.adoption"),
])
def test_bad_international_definitions_get_one_clear_line(change, message):
    data = two_countries()
    change(data)
    assert_one_line_error(data, "pair.toml", message)


def test_sharing_needs_countries():
    with pytest.raises(ScenarioError, match="agreements: needs countries"):
        validate({"agreements": {"x": {"from_country": "a", "to_country": "b", "classes": ["court"]}}}, "one.toml")


def test_central_asia_writes_country_and_transfer_results_and_the_alliance_switch_shows(tmp_path):
    from typer.testing import CliRunner

    from scslab.cli import app

    # A short window round the 2020 feasibility run, with many false matches on foreigners in Kazakhstan so
    # that a small run has records to share.
    common = ["run", "central-asia-2020", "--agents", "60000", "--set", "start_date=2019-10-01", "--until",
              "2020-09-30", "--set", "countries.kazakhstan.foreigners.false_match=20000", "--quiet",
              "--replicates", "1"]
    ends = {}
    for switch in ("true", "false"):
        out = tmp_path / switch
        result = CliRunner().invoke(app, common + ["--set", f"alliances.belt_and_road.enabled={switch}",
                                                   "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "Data sharing" in result.stdout and "belt_and_road" in result.stdout
        countries = pd.read_parquet(out / "countries.parquet")
        transfers = pd.read_parquet(out / "transfers.parquet")
        assert set(countries["country"]) == {"china", "kazakhstan", "kyrgyzstan", "mongolia", "uzbekistan",
                                             "tajikistan"}
        assert list(transfers.columns)[:2] == ["day", "date"]
        assert {"from_country", "to_country", "record_class", "records"} <= set(transfers.columns)
        ends[switch] = (json.loads((out / "summary.json").read_text())["arrangements"], transfers)
    on, off = ends["true"][0]["belt_and_road"], ends["false"][0]["belt_and_road"]
    assert on["records"] > 0 and on["people_exposed"] > 0
    assert {k: off[k] for k in ("records", "people_exposed", "diaspora_exposed")} == dict.fromkeys(
        ("records", "people_exposed", "diaspora_exposed"), 0)
    assert on["intervals"]["people_exposed"]["low"] < on["people_exposed"] < on["intervals"]["people_exposed"]["high"]
    assert off["intervals"]["people_exposed"]["value"] == 0 < off["intervals"]["people_exposed"]["high"]
    assert "belt_and_road" not in set(ends["false"][1]["arrangement"])


def test_a_flow_draws_its_people_from_its_groups_and_the_rest_from_everyone():
    data = two_countries()
    data["end_date"] = dt.date(2018, 1, 31)
    data["sampling"] = {"min_agents_per_group": 0}
    for country in data["countries"].values():  # group b sampled more finely than a and c
        country["population"]["groups"] = [{"name": "a", "share": 0.85}, {"name": "b", "share": 0.1,
                                                                            "min_agents": 3_000},
                                           {"name": "c", "share": 0.05}]
    data["travel"]["east_diaspora"]["groups"] = ["b"]
    world = World(validate(data, "test"), 40_000, 1)
    countries = world.run().countries
    east, trips = world.runs[0].people, world.borders.trips
    assert east.group_scale[1] == pytest.approx(4_000_000 / 3_000) and east.group_scale[0] > 1.5 * east.group_scale[1]
    group = east.stratum_group[np.searchsorted(east.stratum_start, trips.agent, side="right") - 1]
    from_east = trips.home == 0
    assert (group[from_east & trips.diaspora] == 1).all() and (from_east & trips.diaspora).sum() == 750  # 1,000,000 people at 1,333 a b-agent
    # the workers come from every group, in their people's proportions, though b's agents weigh less
    workers = group[from_east & ~trips.diaspora]
    people = east.group_scale[workers]
    assert abs(people[workers == 1].sum() / people.sum() - 0.1) < 0.04
    # on the first day, the people abroad are the flows' residents (plus the day's few trips): the diaspora's
    # 750 agents exactly, the workers' 1,000 agents of either weight (a standard deviation of about 10,000)
    first = countries[(countries["day"] == 0) & (countries["country"] == "east")]["residents_abroad"].item()
    assert abs(first - 3_000_000) < 40_000


@pytest.mark.parametrize("groups, message", [
    (["d"], "travel.east_diaspora.groups: east has no group 'd' (its groups: a, b, c)"),
    (["a"], "travel.east_diaspora.residents: 1,000,000 people abroad, more than the 400,000 people of east's "
            "groups a"),
])
def test_a_flow_from_groups_that_are_missing_or_too_small_gets_one_line(groups, message):
    data = two_countries()
    for country in data["countries"].values():
        country["population"]["size"] = 4_000_000
        country["population"]["groups"] = [{"name": "a", "share": 0.1}, {"name": "b", "share": 0.8},
                                           {"name": "c", "share": 0.1}]
    data["travel"]["east_diaspora"]["groups"] = groups
    data["travel"]["east_workers"]["residents"] = 100_000
    data["travel"]["west_workers"]["residents"] = 100_000
    assert_one_line_error(data, "pair.toml", message)
