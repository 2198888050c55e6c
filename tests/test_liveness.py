"""Every parameter alive (tools/liveness.py): the committed verdicts stay true, checked a few at a time.

docs/liveness.json holds the verdict of every parameter of every built-in scenario (``python -m tools.liveness``,
over an hour on 2 cores; docs/liveness.md says how long). Each test run re-checks ``SAMPLE`` of them, picked by a fixed rotation over the
sorted (scenario, parameter) pairs: on day d since ``ROTATION_START`` the k-th pick is entry ``(d + k * N //
SAMPLE) mod N`` of the N pairs, so the picks move on by one each day and come round to every verdict in N days.
The perturbation rules are tested on fields of each kind, with exact values.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from scslab.scenario.loading import builtin_names, load
from tools import liveness
from tools.liveness import ALIVE, DEAD, FAILED, Leaf

VERDICTS = liveness.OUT.with_suffix(".json")
ROTATION_START = dt.date(2026, 1, 1)
SAMPLE = 4
SMALL = {"agents": 5_000, "seed": 1, "days": 400}
"""Settings for the rules' own checks below (not the report's)."""
REFRESH = "rerun `python -m tools.liveness` and commit docs/liveness.md and docs/liveness.json"


def rotation(pairs: list, today: dt.date, sample: int = SAMPLE) -> list:
    """The ``sample`` pairs checked on ``today``: entry (d + k * N // sample) mod N of the sorted pairs."""
    pairs = sorted(pairs)
    day = (today - ROTATION_START).days
    return [pairs[(day + k * (len(pairs) // sample)) % len(pairs)] for k in range(sample)]


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads(VERDICTS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def china():
    scenario = load("china-2018")
    return scenario, liveness.parameters(scenario)


def test_the_report_covers_every_parameter_of_every_builtin_scenario(committed):
    assert sorted(committed) == builtin_names(), REFRESH
    for name in builtin_names():
        now = set(liveness.own(name))
        assert set(committed[name]) == now, (f"{name}: new {sorted(now - set(committed[name]))[:5]}, gone "
                                             f"{sorted(set(committed[name]) - now)[:5]}; {REFRESH}")


def test_todays_sample_of_verdicts_still_holds(committed):
    picks = rotation([(name, key) for name, found in committed.items() for key in found], dt.date.today())
    now = {}
    for name, key in picks:
        # a dead one was looked at again only if alive in no other scenario: the same knowledge here
        elsewhere = frozenset(liveness.schema_path(k) for other, found in committed.items() if other != name
                              for k, verdict in found.items() if verdict == ALIVE)
        now.setdefault(name, {}).update(liveness.check(
            liveness.plan([name], only={key}), workers=2,
            alive_elsewhere=elsewhere if committed[name][key] == DEAD else frozenset())[name])
    for name, key in picks:
        assert now[name][key].verdict == committed[name][key], (
            f"{name} {key}: {now[name][key].verdict} now, {committed[name][key]} in {VERDICTS.name} "
            f"({'; '.join(now[name][key].sets)}); {REFRESH}")


def test_the_rotation_moves_on_one_a_day_and_spreads_its_picks():
    pairs = [("s", f"p{i:02d}") for i in range(10)]
    assert rotation(pairs, ROTATION_START) == [("s", "p00"), ("s", "p02"), ("s", "p04"), ("s", "p06")]
    assert rotation(pairs, ROTATION_START + dt.timedelta(days=9)) == [("s", "p09"), ("s", "p01"), ("s", "p03"),
                                                                      ("s", "p05")]


def _one(parameters, key):
    (leaf,) = parameters[key]
    return leaf


def test_numbers_move_by_half_within_their_bounds(china):
    scenario, parameters = china
    start = scenario.start_date
    probability = _one(parameters, "lists.court.extension_probability")
    assert liveness.perturb(probability, start) == {"lists.court.extension_probability": 0.75}
    assert liveness.perturb(_one(parameters, "channels.courts.sees.judgment_default"), start) == {
        "channels.courts.sees.judgment_default": 1.0}
    assert liveness.perturb(_one(parameters, "channels.courts.coverage_urban"), start) == {
        "channels.courts.coverage_urban": 0.5}
    days = _one(parameters, "lists.court.inclusion_period_days")
    assert (days.integer, days.low, days.high) == (True, 1, 32_000)
    assert liveness.perturb(days, start) == {"lists.court.inclusion_period_days": 1095}
    assert liveness.scaled(days, 30_000) == 32_000
    assert liveness.scaled(days, 32_000) == 16_000
    assert liveness.perturb(_one(parameters, "rulebook.grade_minimums.C"), start) == {"rulebook.grade_minimums.C": 900}
    assert liveness.perturb(_one(parameters, "behaviours.lawful_criticism.severity"), start) == {
        "behaviours.lawful_criticism.severity": 0.1}
    assert liveness.perturb(_one(parameters, "response.certainty_elasticity"), start) == {
        "response.certainty_elasticity": -0.75}
    assert liveness.scaled(Leaf("x", -4.0, "number", low=-5, high=0), -4.0) == -5
    assert liveness.scaled(Leaf("x", 0.0, "number", low=-5, high=0), 0.0) == -0.1
    assert liveness.scaled(Leaf("x", 0.0, "number", low=0, high=10, open_low=True), 0.0) == 0.1
    assert liveness.perturb(_one(parameters, "rulebook.grade_minimums.AA"), start, attempt=2) == {
        "rulebook.grade_minimums.AA": 978}


def test_switches_choices_schedules_dates_and_shares(china):
    scenario, parameters = china
    start = scenario.start_date
    assert liveness.perturb(_one(parameters, "lists.grade.enabled"), start) == {"lists.grade.enabled": True}
    assert liveness.perturb(_one(parameters, "rulebook.mode"), start) == {"rulebook.mode": "public"}
    assert liveness.perturb(_one(parameters, "lists.redlist.grade"), start) == {"lists.redlist.grade": "AA"}
    enforcement = _one(parameters, "sanctions.trains.enforcement")
    assert liveness.overrides([enforcement], start) == ["sanctions.trains.enforcement=[[2015-07-21, 0.15], "
                                                        "[2015-07-22, 0.5]]"]
    assert liveness.perturb(_one(parameters, "sanctions.hotels.income_multipliers"), start) == {
        "sanctions.hotels.income_multipliers": [0.45, 1.5, 6.0]}
    assert liveness.perturb(_one(parameters, "lists.court.extension_days"), start) == {
        "lists.court.extension_days": [548, 1642]}
    joint = _one(parameters, "lists.joint_punishment.start")
    assert liveness.perturb(joint, start) == {"lists.joint_punishment.start": dt.date(2016, 5, 29)}
    assert liveness.perturb(joint, start, attempt=1) == {"lists.joint_punishment.start": dt.date(2015, 6, 4)}
    assert liveness.perturb(joint, start, attempt=2) == {"lists.joint_punishment.start": dt.date(2020, 11, 4)}
    assert liveness.perturb(_one(parameters, "rulebook.start"), start) == {"rulebook.start": dt.date(2014, 4, 22)}
    assert liveness.perturb(_one(parameters, "population.income_shares_urban"), start) == {
        "population.income_shares_urban": [0.15, 0.5, 0.35]}
    assert liveness.perturb(_one(parameters, "population.groups.*.share"), start) == {
        "population.groups.0.share": 0.45555, "population.groups.2.share": 0.47555000000000003}


def test_the_other_way_halves_numbers_steps_choices_back_and_moves_shares_onto_the_first(china):
    scenario, parameters = china
    start = scenario.start_date
    probability = _one(parameters, "lists.court.extension_probability")
    assert liveness.perturb_back(probability, start) == {"lists.court.extension_probability": 0.25}
    assert liveness.perturb_back(_one(parameters, "lists.redlist.grade"), start) == {"lists.redlist.grade": "C"}
    assert liveness.perturb_back(_one(parameters, "lists.grade.enabled"), start) is None
    joint = _one(parameters, "lists.joint_punishment.start")
    # a start is moved 540 days on: 180 days either way may leave it waiting on another, later start
    assert liveness.perturb_back(joint, start) == {"lists.joint_punishment.start": dt.date(2017, 5, 24)}
    assert liveness.perturb_back(_one(parameters, "population.income_shares_urban"), start) == {
        "population.income_shares_urban": [0.4, 0.5, 0.1]}
    assert liveness.overrides([_one(parameters, "lists.grade.enabled")], start, back=True) == [
        "lists.grade.enabled=true"]


def test_what_is_walked_and_what_is_not(china):
    _, parameters = china
    assert "end_date" not in parameters and "default_agents" not in parameters and "name" not in parameters
    assert "population.groups.0.name" not in parameters
    many = liveness.parameters(load("central-asia-2020"))
    assert not any(key.startswith(("behaviours.", "lists.", "population.")) for key in many)
    assert len(many["countries.*.lists.court.launch"]) == 6
    assert many["alliances.sco_security.classes"][0].kind == "choices"
    credit = liveness.own("credit-asia-2020")
    assert "countries.*.firms.enabled" in credit and "market.enabled" in credit
    assert "countries.*.lists.court.launch" not in credit
    # a table it switches on is checked whole, values unchanged included (they could not act in the parent)
    assert "market.price_per_record.court" in credit and "countries.*.firms.start" in credit


def test_an_alive_parameter_is_alive_a_dead_one_dead_and_a_refused_one_said_so():
    keys = {"behaviours.judgment_default.rate_per_year", "lists.grade.below_grade", "rulebook.grade_minimums.AA"}
    jobs = liveness.plan(["china-2018"], only=keys, settings={"china-2018": SMALL})
    jobs.update(liveness.plan(["no-system"], only={"firms.enabled"}, settings={"no-system": SMALL}))
    found = liveness.check(jobs, workers=2, confirm={})  # no second look: the small settings' verdicts
    assert found["china-2018"]["behaviours.judgment_default.rate_per_year"].verdict == ALIVE
    dead = found["china-2018"]["lists.grade.below_grade"]
    assert (dead.verdict, dead.context) == (DEAD, "off: lists.grade.enabled = false")
    assert found["china-2018"]["rulebook.grade_minimums.AA"].sets == ["rulebook.grade_minimums.AA=978"]
    refused = found["no-system"]["firms.enabled"]
    assert refused.verdict == FAILED and "no sector is defined" in refused.reason


def test_a_parameter_dead_at_the_small_settings_is_checked_again_at_the_larger_ones():
    """Extensions come only when an inclusion period (two years) ends: none in 30 days, some in 1,000."""
    key = "lists.court.extension_probability"
    jobs = liveness.plan(["china-2018"], only={key}, settings={"china-2018": SMALL | {"days": 30}})
    added = []
    first = liveness.check(jobs, workers=1, confirm={})["china-2018"][key]
    assert (first.verdict, first.confirmed) == (DEAD, False)
    again = liveness.check(jobs, workers=1, more=added.append,
                           confirm={"china-2018": [SMALL | {"agents": 20_000, "days": 1_000}]})["china-2018"][key]
    assert (again.verdict, again.confirmed, added) == (ALIVE, True, [2])  # unperturbed and up: no need of down
    elsewhere = liveness.check(jobs, workers=1, more=added.append, alive_elsewhere=frozenset({key}),
                               confirm={"china-2018": [SMALL | {"agents": 20_000, "days": 1_000}]})["china-2018"][key]
    assert (elsewhere.verdict, elsewhere.confirmed, added) == (DEAD, False, [2])  # alive elsewhere: no second look
    assert liveness.last_day(load("china-2018"), {"days": None}) == load("china-2018").end_date


def test_a_parameter_that_acts_only_under_a_choice_is_checked_under_it():
    """The ambiguity premium acts only where a secret rulebook deters more (not china-2018's choice)."""
    key = "response.ambiguity_premium"
    _, parameters = load("china-2018"), liveness.parameters(load("china-2018"))
    assert liveness.conditions(parameters[key]) == ('rulebook.mode="secret"', 'rulebook.secrecy_effect="deters_more"')
    assert liveness.conditions(parameters["trust.weights.share_listed"]) == ('trust.rule="weighted"',)
    many = liveness.parameters(load("credit-asia-2020"))["countries.*.firms.sectors.lending.broker_coverage"]
    assert liveness.conditions(many)[0] == 'countries.kazakhstan.firms.sectors.lending.access="broker"'
    jobs = liveness.plan(["china-2018"], only={key}, settings={"china-2018": SMALL})
    first = liveness.check(jobs, workers=1, confirm={})["china-2018"][key]
    assert first.verdict == DEAD
    again = liveness.check(jobs, workers=1, confirm={"china-2018": [SMALL]})["china-2018"][key]
    assert (again.verdict, again.under) == (ALIVE, liveness.conditions(parameters[key]))


def test_a_stage_passes_over_what_it_cannot_reach():
    """The Credit Asia market opens on 1 Mar 2018: not looked at again in 730 days, looked at over 3,000."""
    key = "market.price_per_record.court"
    jobs = liveness.plan(["credit-asia-2020"], only={key}, settings={"credit-asia-2020": SMALL | {"days": 30}})
    added = []
    short = liveness.check(jobs, workers=1, more=added.append, confirm={"credit-asia-2020": [SMALL]})
    assert short["credit-asia-2020"][key].context == "later: market.start = 2018-03-01" and added == []


def test_a_stage_for_the_rare_or_the_later_passes_over_the_others():
    stage = {"agents": 1, "seed": 1, "days": None}
    rare, later = stage | {"for": "rare"}, stage | {"for": "later"}
    dead = {context: liveness.Verdict(DEAD, [], context=context)
            for context in ("", "later: 2018-05-01", "off: firms.enabled = false", "system = false")}
    assert [c for c, v in dead.items() if liveness._wanted(stage, v)] == ["", "later: 2018-05-01",
                                                                          "off: firms.enabled = false"]
    assert [c for c, v in dead.items() if liveness._wanted(rare, v)] == [""]
    assert [c for c, v in dead.items() if liveness._wanted(later, v)] == ["", "later: 2018-05-01"]


def test_a_recheck_carries_the_alive_and_runs_the_rest(tmp_path, monkeypatch):
    keys = list(liveness.own("no-system"))
    run = "behaviours.judgment_default.rate_per_year"
    (tmp_path / "l.json").write_text(json.dumps({"no-system": {k: ALIVE if k != run else DEAD for k in keys}}))
    monkeypatch.setattr(liveness, "CONFIRM", {})
    assert liveness.main(["--scenario", "no-system", "--recheck", "--out", str(tmp_path / "l.md"),
                          "--workers", "1"]) == 0
    again = json.loads((tmp_path / "l.json").read_text())["no-system"]
    chosen = {key for key, found in liveness.own("no-system").items() if liveness.conditions(found)}
    assert chosen and sorted(again) == sorted(keys) and again[run] == ALIVE  # run again, and alive
    assert {k for k, verdict in again.items() if verdict != ALIVE} == chosen  # run again: no system, dead
    assert f"{len(keys) - 1 - len(chosen):,} parameters alive in the previous" in (tmp_path / "l.md").read_text()
    (tmp_path / "bad.json").write_text("[1]")
    assert liveness.main(["--scenario", "no-system", "--recheck", "--out", str(tmp_path / "bad.md")]) == 2


def test_an_unknown_scenario_is_one_line_and_exit_2(capsys):
    assert liveness.main(["--scenario", "atlantis"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
