"""The dashboard's workings without a browser: levers from the schema, uploads, comparisons."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from scslab.cli import app
from scslab.dashboard import command, session
from scslab.scenario.levers import levers, set_levers
from scslab.scenario.loading import ScenarioError, builtin_path, load, to_data, validate
from scslab.scenario.reference import file_notes

from runs import china_run

runner = CliRunner()


def test_levers_come_from_the_schema_marks():
    keys = {lever.key: lever for lever in levers(load("china-2018"))}
    assert set(keys) == {
        "channels.cameras.coverage_urban", "channels.cameras.coverage_rural",
        "channels.cameras.group_false_match.han", "channels.cameras.group_false_match.minority_a",
        "channels.cameras.group_false_match.minority_b", "channels.cameras.group_coverage.han",
        "channels.cameras.group_coverage.minority_a", "channels.cameras.group_coverage.minority_b", "rulebook.mode",
        "network.informant_share",
        "rehabilitation.fulfilment.rate_per_year", "rehabilitation.community_service.rate_per_year",
        "rehabilitation.correction.rate_per_year",
    }
    assert keys["rulebook.mode"].kind == "choice" and keys["rulebook.mode"].options == ("public", "secret")
    assert keys["channels.cameras.group_false_match.minority_b"].value == 30.0
    coverage = keys["channels.cameras.coverage_urban"]
    assert coverage.schedule and coverage.value == 1.0
    assert coverage.high == pytest.approx(1 / 0.9, abs=1e-3)  # the schedule's peak may reach 1


def test_many_country_levers_are_one_country_s_and_the_sharing_switches():
    keys = [lever.key for lever in levers(load("central-asia-2020"), "kazakhstan")]
    assert "countries.kazakhstan.rulebook.mode" in keys
    assert {"alliances.belt_and_road.enabled", "alliances.sco_security.enabled"} <= set(keys)
    assert not any(key.startswith("countries.china") for key in keys)
    with pytest.raises(KeyError, match="atlantis"):
        levers(load("central-asia-2020"), "atlantis")


def test_set_levers_scales_schedules_and_sets_values():
    scenario = load("china-2018")
    by_key = {lever.key: lever for lever in levers(scenario)}
    data = set_levers(to_data(scenario), {
        by_key["channels.cameras.coverage_urban"]: 0.5, by_key["rulebook.mode"]: "public",
        by_key["channels.cameras.group_false_match.han"]: 4.0,
    })
    changed = validate(data, "test")
    before = scenario.channels.cameras.coverage_urban
    assert [v for _, v in changed.channels.cameras.coverage_urban] == pytest.approx([v / 2 for _, v in before])
    assert changed.rulebook.mode == "public" and changed.channels.cameras.group_false_match["han"] == 4.0
    assert session.with_levers(scenario, {lever: lever.value for lever in by_key.values()}) is scenario
    assert session.changes({by_key["rulebook.mode"]: "public"}) == ["Rulebook mode: secret -> public"]


def test_an_out_of_range_lever_value_is_refused_like_a_bad_file():
    scenario = load("china-2018")
    coverage = next(lever for lever in levers(scenario) if lever.key == "channels.cameras.coverage_urban")
    with pytest.raises(ScenarioError, match="coverage_urban.*less than or equal to 1"):
        session.with_levers(scenario, {coverage: 2.0})


def _cli_error(tmp_path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    return result.output.strip().removeprefix("error: ").replace(str(path), name)


@pytest.mark.parametrize("content", [
    b"name = [",  # TOML syntax
    b'name = "x"\n[rulebook]\nmode = "sometimes"\n',  # a bad value
    b'name = "x"\nsurprise = 1\n',  # an unknown key
])
def test_bad_uploads_get_the_same_line_as_the_cli(tmp_path, content):
    with pytest.raises(ScenarioError) as error:
        session.read_upload("mine.toml", content)
    assert str(error.value) == _cli_error(tmp_path, "mine.toml", content)


@pytest.mark.parametrize("name, content, message", [
    ("mine.json", b"{}", "not a .toml file"),
    ("mine.toml", b"#" * (session.MAX_UPLOAD_BYTES + 1), "more than the 256 KiB allowed"),
    ("mine.toml", b"name = '\xff'", "not UTF-8"),
])
def test_uploads_are_toml_text_of_limited_size(name, content, message):
    with pytest.raises(ScenarioError, match=message):
        session.read_upload(name, content)


def test_a_good_upload_is_the_scenario_it_contains():
    text = builtin_path("rongcheng").read_bytes()
    assert session.read_upload("rongcheng.toml", text) == load("rongcheng")


def test_headline_shows_changes_from_the_baseline():
    results = china_run()
    same = session.headline(session.LeverComparison(results, results))
    assert all(delta is None for _, _, delta in same)
    assert [label for label, _, _ in same][0] == "On a list at the end"


def test_headline_counts_carry_their_intervals_and_flags():
    results = china_run()
    line = session.intervals(results)
    for label, name, _, _ in session.HEADLINE:
        if name:
            figure = results.summary["intervals"][name]
            assert f"{label.lower()}: " in line
            assert figure["low"] <= figure["value"] <= figure["high"]
    assert line.count("[") == sum(1 for _, name, _, _ in session.HEADLINE
                                  if name and results.summary["intervals"][name]["high"] > 0)


def test_baselines_are_kept_and_reused():
    session.BASELINES.clear()
    scenario = load("china-2018")
    days = []
    first = session.baseline(scenario.model_copy(update={"end_date": scenario.start_date}), 2000, 0,
                             lambda done, total: days.append(done))
    again = session.baseline(scenario.model_copy(update={"end_date": scenario.start_date}), 2000, 0)
    assert again is first and days == [1]


def test_dashboard_binds_to_localhost_and_keeps_uploads_small():
    line = command()
    assert line[line.index("--server.address") + 1] == "127.0.0.1"
    assert line[line.index("--server.maxUploadSize") + 1] == "1"
    assert line[line.index("--browser.gatherUsageStats") + 1] == "false"


def test_file_notes_attach_comments_to_the_parameters_they_annotate():
    notes = file_notes("# about the file\nname = 'x'\n[a]\n# block\nb = 1\nc = 2 # own\n\nd = 3\n")
    assert notes == {"a.b": "block", "a.c": "own"}
    assert "IHS Markit" in file_notes(builtin_path("china-2018").read_text())["channels.cameras.coverage_urban"]
