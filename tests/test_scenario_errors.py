"""Bad scenario input: every error is one ScenarioError line naming the file (or --set), the field and the problem."""

from __future__ import annotations

import pytest

from scslab.scenario.loading import ScenarioError, apply_override, builtin_names, load, parse_override, read_raw, validate

MINIMAL = 'name = "tiny"\nstart_date = 2015-01-01\nend_date = 2015-03-01\n[population]\nsize = 100000\n'


def write(tmp_path, text, name="scenario.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(spec, overrides=()) -> str:
    with pytest.raises(ScenarioError) as info:
        load(str(spec), list(overrides))
    message = str(info.value)
    assert "\n" not in message, f"error message spans several lines: {message!r}"
    assert "Traceback" not in message
    return message


def test_minimal_file_is_valid(tmp_path):
    scenario = load(str(write(tmp_path, MINIMAL)))
    assert scenario.name == "tiny"
    assert scenario.population.size == 100000
    assert str(scenario.end_date) == "2015-03-01"


# (TOML text, field path the message must name, words of the problem the message must contain)
BAD_FILES = {
    "unknown top-level key": ('name = "x"\nbogus = 1\n', "bogus", "unknown key"),
    "unknown nested key": ("[population]\nsize = 100\nbogus = 1\n", "population.bogus", "unknown key"),
    "unknown table": ("[populaton]\nsize = 100\n", "populaton", "unknown key"),
    "unknown channel": ("[channels.satellites]\nenabled = true\n", "channels.satellites", "unknown key"),
    "wrong type int": ('[population]\nsize = "lots"\n', "population.size", "valid integer"),
    "wrong type table": ("population = 5\n", "population", "valid dictionary"),
    "wrong type date": ('start_date = "yesterday"\n', "start_date", "valid date"),
    "wrong type bool": ('system = "maybe"\n', "system", "valid boolean"),
    "out of range above": ("[population]\nurban_share = 1.5\n", "population.urban_share", "less than or equal to 1"),
    "out of range below": ("[population]\nsize = 0\n", "population.size", "greater than 0"),
    "out of range nested": (
        "[behaviours.protest]\nrate_per_year = -1\n", "behaviours.protest.rate_per_year", "greater than or equal to 0"
    ),
    "bad literal": ('[rulebook]\nmode = "open"\n', "rulebook.mode", "'public' or 'secret'"),
    "bad grade literal": ('[sanctions.mortgages]\ndeny_below_grade = "Z"\n', "sanctions.mortgages.deny_below_grade",
                          "Input should be"),
    "group shares do not sum to 1": (
        '[population]\ngroups = [{name="a", share=0.5}, {name="b", share=0.3}, {name="c", share=0.1}]\n',
        "population.groups", "sum to 1",
    ),
    "group share out of range": (
        '[population]\ngroups = [{name="a", share=1.5}, {name="b", share=0.3}, {name="c", share=0.2}]\n',
        "population.groups.0.share", "less than or equal to 1",
    ),
    "too few groups": (
        '[population]\ngroups = [{name="a", share=0.5}, {name="b", share=0.5}]\n', "population.groups", "at least three",
    ),
    "duplicate group names": (
        '[population]\ngroups = [{name="a", share=0.5}, {name="a", share=0.3}, {name="c", share=0.2}]\n',
        "population.groups", "unique",
    ),
    "group without share": (
        '[population]\ngroups = [{name="a"}, {name="b", share=0.5}, {name="c", share=0.5}]\n',
        "population.groups.0.share", "Field required",
    ),
    "age shares do not sum to 1": ("[population]\nage_shares = [0.2, 0.2, 0.2]\n", "population.age_shares", "sum to 1"),
    "negative income share": (
        "[population]\nincome_shares_urban = [-0.5, 1.0, 0.5]\n", "population.income_shares_urban.0", "greater than or equal to 0"
    ),
    "too many age shares": (
        "[population]\nage_shares = [0.25, 0.25, 0.25, 0.25]\n", "population.age_shares", "at most 3"
    ),
    "unknown behaviour a channel sees": (
        "[channels.cameras]\nsees = { flying = 0.5 }\n", "channels.cameras.sees", "unknown behaviour 'flying'"
    ),
    "probability a channel sees above 1": (
        "[channels.informants]\nsees = { protest = 1.5 }\n", "channels.informants.sees.protest", "less than or equal to 1"
    ),
    "unknown group in group_false_match": (
        "[channels.cameras]\ngroup_false_match = { martians = 2.0 }\n",
        "channels.cameras.group_false_match", "unknown group 'martians'",
    ),
    "unknown group in group_true_match": (
        "[channels.courts]\ngroup_true_match = { martians = 0.5 }\n",
        "channels.courts.group_true_match", "unknown group 'martians'",
    ),
    "pilots over more than the urban population": (
        '[[pilots]]\nname = "a"\nurban_share = 0.7\nstart = 2015-01-01\n'
        '[[pilots]]\nname = "b"\nurban_share = 0.4\nstart = 2015-01-01\n',
        "pilots", "add up to more than 1",
    ),
    "pilots with the same name": (
        '[[pilots]]\nname = "a"\nurban_share = 0.1\nstart = 2015-01-01\n'
        '[[pilots]]\nname = "a"\nurban_share = 0.1\nstart = 2015-01-01\n',
        "pilots", "names must differ",
    ),
    "unknown behaviour in a pilot's points": (
        '[[pilots]]\nname = "a"\nurban_share = 0.1\nstart = 2015-01-01\npoints = { jaywalking = -5 }\n',
        "pilots.0.points", "unknown behaviour 'jaywalking'",
    ),
    "unknown grade for a pilot's grade list": (
        '[[pilots]]\nname = "a"\nurban_share = 0.1\nstart = 2015-01-01\ngrade_list = "E"\n',
        "pilots.0.grade_list", "'AAA'",
    ),
    "pilots at the top of a many-country scenario": (
        '[countries.a]\n[[pilots]]\nname = "a"\nurban_share = 0.1\nstart = 2015-01-01\n',
        "pilots", "per country",
    ),
    "unknown group in group_coverage": (
        "[channels.cameras]\ngroup_coverage = { martians = 2.0 }\n",
        "channels.cameras.group_coverage", "unknown group 'martians'",
    ),
    "group income shares not summing to 1": (
        "[population]\ngroups = [{ name = \"a\", share = 0.5, income_shares_urban = [0.5, 0.4, 0.2] }, "
        "{ name = \"b\", share = 0.3 }, { name = \"c\", share = 0.2 }]\n",
        "population.groups.0.income_shares_urban", "shares must sum to 1",
    ),
    "negative group multiplier": (
        "[channels.cameras]\ngroup_false_match = { majority = -1.0 }\n",
        "channels.cameras.group_false_match.majority", "greater than or equal to 0",
    ),
    "decreasing schedule dates": (
        "[lists.court]\nlisting_probability = [[2016-01-01, 0.1], [2015-01-01, 0.5]]\n",
        "lists.court.listing_probability", "strictly increasing",
    ),
    "repeated schedule date": (
        "[sanctions.flights]\nenforcement = [[2016-01-01, 0.1], [2016-01-01, 0.5]]\n",
        "sanctions.flights.enforcement", "strictly increasing",
    ),
    "empty schedule": ("[lists.court]\nlisting_probability = []\n", "lists.court.listing_probability", "at least one"),
    "probability schedule above 1": (
        "[lists.court]\nlisting_probability = [[2015-01-01, 0.5], [2016-01-01, 1.5]]\n",
        "lists.court.listing_probability.1.1", "less than or equal to 1",
    ),
    "negative schedule value": (
        "[lists.court]\nlisting_probability = [[2015-01-01, -1]]\n",
        "lists.court.listing_probability.0.1", "greater than or equal to 0",
    ),
    "bad schedule date": (
        '[rehabilitation.community_service]\nrate_per_year = [["soon", 1.0]]\n',
        "rehabilitation.community_service.rate_per_year.0.0", "valid date",
    ),
    "schedule of the wrong type": (
        '[lists.court]\nlisting_probability = "high"\n', "lists.court.listing_probability", "valid number",
    ),
    "end_date before start_date": (
        "start_date = 2015-01-01\nend_date = 2014-12-31\n", "end_date", "before start_date",
    ),
    "period too long": ("start_date = 1900-01-01\nend_date = 2100-01-01\n", "", "shorter than 32,000 days"),
    "grade minimums not falling": (
        "[rulebook.grade_minimums]\nAAA = 1\nAA = 2\nA = 3\nB = 4\nC = 5\n",
        "rulebook.grade_minimums", "fall strictly",
    ),
    "grade minimums missing a grade": (
        "[rulebook.grade_minimums]\nAAA = 1050\nAA = 1030\n", "rulebook.grade_minimums", "exactly the grades",
    ),
    "grade minimum for D": (
        "[rulebook.grade_minimums]\nAAA = 1050\nAA = 1030\nA = 960\nB = 850\nC = 600\nD = 0\n",
        "rulebook.grade_minimums", "D has no minimum",
    ),
    "pilot named national": (
        '[[pilots]]\nname = "national"\nurban_share = 0.1\nstart = 2015-01-01\n', "pilots", "national rulebook",
    ),
    "extension range reversed": ("[lists.court]\nextension_days = [10, 5]\n", "lists.court.extension_days", "low <= high"),
    "unknown targets": ('targets = "nope"\n', "targets", "unknown target file 'nope'"),
    "empty name": ('name = ""\n', "name", "at least 1 character"),
}


@pytest.mark.parametrize("text, field, problem", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_gives_one_line_naming_file_field_and_problem(tmp_path, text, field, problem):
    path = write(tmp_path, text)
    message = error_of(path)
    assert message.startswith(f"{path}: "), message
    assert field in message, message
    assert problem in message, message


@pytest.mark.parametrize("text, field", [
    ('[population]\nsize = "lots"\n', "population.size"),
    ("[population]\nurban_share = 1.5\n", "population.urban_share"),
    ("[population]\nbogus = 1\n", "population.bogus"),
])
def test_field_errors_say_field(tmp_path, text, field):
    assert f"field {field}: " in error_of(write(tmp_path, text))


def test_schedule_errors_do_not_show_union_branch_names(tmp_path):
    for text in ('[lists.court]\nlisting_probability = "high"\n',
                 "[lists.court]\nlisting_probability = [[2015-01-01, -1]]\n"):
        message = error_of(write(tmp_path, text))
        assert "constrained-float" not in message and "list[" not in message, message
        assert "(and" not in message, message  # one problem, reported once


def test_several_problems_are_counted(tmp_path):
    message = error_of(write(tmp_path, '[population]\nsize = 0\nurban_share = 2\n[rulebook]\nmode = "open"\n'))
    assert "population.size" in message
    assert "(and 2 more)" in message


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    message = error_of(path)
    assert message.startswith(f"{path}: ")
    assert "no such file" in message
    for name in builtin_names():
        assert name in message  # says which built-in names there are


def test_unknown_builtin_name():
    message = error_of("no-such-builtin-scenario")
    assert message.startswith("no-such-builtin-scenario: ")
    assert "not a built-in scenario" in message


def test_directory_as_scenario(tmp_path):
    message = error_of(tmp_path)
    assert message.startswith(f"{tmp_path}: ")
    assert "is a directory" in message


def test_toml_syntax_error(tmp_path):
    path = write(tmp_path, 'name = "tiny\nstart_date = 2015-01-01\n')
    message = error_of(path)
    assert message.startswith(f"{path}: TOML syntax error")
    assert "line 1" in message


def test_toml_syntax_error_duplicate_key(tmp_path):
    path = write(tmp_path, 'name = "a"\nname = "b"\n')
    message = error_of(path)
    assert message.startswith(f"{path}: TOML syntax error")


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "binary.toml"
    path.write_bytes(b'name = "\xff\xfe"\n')
    message = error_of(path)
    assert message.startswith(f"{path}: cannot be read")


def test_file_errors_come_before_overrides(tmp_path):
    path = write(tmp_path, "[population]\nsize = 0\n")
    message = error_of(path, ["rulebook.mode=public"])
    assert message.startswith(f"{path}: ")
    assert "population.size" in message


def test_read_raw_prefers_an_existing_file_over_a_builtin_name(tmp_path, monkeypatch):
    name = builtin_names()[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text('name = "local"\n')
    data, source = read_raw(name)
    assert data == {"name": "local"}
    assert source == name


# ---- --set PATH=VALUE overrides -------------------------------------------------------------


@pytest.mark.parametrize("text, value", [
    ("a.b=3", 3),
    ("a.b=0.25", 0.25),
    ("a.b=true", True),
    ("a.b=[1, 2]", [1, 2]),
    ('a.b="quoted"', "quoted"),
    ("a.b=public", "public"),
    ("a.b = public ", "public"),
    ("a.b=x=y", "x=y"),
])
def test_parse_override_values(text, value):
    parts, parsed = parse_override(text)
    assert parts == ["a", "b"]
    assert parsed == value


def test_parse_override_date():
    import datetime as dt

    assert parse_override("end_date=2015-02-01") == (["end_date"], dt.date(2015, 2, 1))


@pytest.mark.parametrize("text, problem", [
    ("rulebook.mode", "expected PATH=VALUE"),
    ("", "expected PATH=VALUE"),
    ("=public", "empty parameter path"),
    (" =public", "empty parameter path"),
    ("rulebook..mode=public", "empty parameter path"),
    (".mode=public", "empty parameter path"),
    ("rulebook.=public", "empty parameter path"),
])
def test_malformed_override(text, problem):
    with pytest.raises(ScenarioError) as info:
        parse_override(text)
    message = str(info.value)
    assert message == f"--set {text}: {problem}"


# (override, field the message must name, words of the problem)
BAD_OVERRIDES = {
    "wrong type": ("population.size=abc", "population.size", "valid integer"),
    "out of range": ("population.urban_share=2", "population.urban_share", "less than or equal to 1"),
    "unknown key": ("rulebook.bogus=1", "rulebook.bogus", "unknown key"),
    "unknown table": ("bogus.key=1", "bogus", "unknown key"),
    "bad literal": ("rulebook.mode=open", "rulebook.mode", "'public' or 'secret'"),
    "shares no longer sum to 1": ("population.groups.0.share=0.5", "population.groups", "sum to 1"),
    "list index out of range": ("population.groups.9.share=0.5", "population.groups.9", "no such list item"),
    "list index not a number": ("population.groups.first.share=0.5", "population.groups.first", "no such list item"),
    "negative list index": ("population.age_shares.-1=0.5", "population.age_shares.-1", "no such list item"),
    "last list index out of range": ("population.age_shares.3=0.5", "population.age_shares.3", "no such list item"),
    "path through a value": ("population.size.x=1", "population.size", "is a value, not a table"),
    "path through a string": ("name.x=1", "name", "is a value, not a table"),
    "path through a list item value": ("population.age_shares.0.x=1", "population.age_shares.0", "is a value, not a table"),
    "long path through a list item value": (
        "population.age_shares.0.x.y=1", "population.age_shares.0", "is a value, not a table"
    ),
    "path through a schedule value": (
        "lists.court.listing_probability.0=1", "lists.court.listing_probability", "is a value, not a table"
    ),
    "end_date before start_date": ("end_date=2014-01-01", "end_date", "before start_date"),
    "unknown behaviour a channel sees": ("channels.app.sees.flying=0.5", "channels.app.sees", "unknown behaviour 'flying'"),
    "unknown group in group_false_match": (
        "channels.cameras.group_false_match.martians=2", "channels.cameras.group_false_match", "unknown group 'martians'"
    ),
    "non-increasing schedule": (
        "lists.court.listing_probability=[[2016-01-01, 0.5], [2015-06-01, 0.7]]",
        "lists.court.listing_probability", "strictly increasing",
    ),
    "negative schedule value": (
        "lists.court.listing_probability=[[2015-01-01, -1]]", "lists.court.listing_probability.0.1", "greater than or equal",
    ),
    "table replaced by a value": ("population=5", "population", "valid dictionary"),
}


@pytest.mark.parametrize("override, field, problem", BAD_OVERRIDES.values(), ids=BAD_OVERRIDES.keys())
def test_bad_override_names_the_override_field_and_problem(tmp_path, override, field, problem):
    message = error_of(write(tmp_path, MINIMAL), [override])
    assert message.startswith(f"--set {override}: "), message
    assert field in message, message
    assert problem in message, message


def test_bad_override_on_a_builtin():
    name = builtin_names()[0]
    message = error_of(name, ["population.size=0"])
    assert message.startswith("--set population.size=0: field population.size: ")


def test_apply_override_reports_instead_of_crashing():
    # regression: a path going on past a number inside a list raised TypeError
    data = {"population": {"age_shares": [0.2, 0.6, 0.2]}}
    for text in ("population.age_shares.0.x", "population.age_shares.0.x.y"):
        with pytest.raises(ScenarioError) as info:
            apply_override(data, text.split("."), 1, f"--set {text}=1")
        assert str(info.value) == f"--set {text}=1: field population.age_shares.0 is a value, not a table"
    assert data == {"population": {"age_shares": [0.2, 0.6, 0.2]}}


def test_overrides_reach_parameters_left_at_defaults(tmp_path):
    scenario = load(str(write(tmp_path, MINIMAL)), ["rulebook.mode=public", "lists.court.initial_backlog=5"])
    assert scenario.rulebook.mode == "public"
    assert scenario.lists.court.initial_backlog == 5
    assert scenario.population.size == 100000  # the file's values stay


def test_overrides_by_list_index(tmp_path):
    scenario = load(str(write(tmp_path, MINIMAL)), ["population.age_shares.0=0.2", "population.age_shares.1=0.613"])
    assert scenario.population.age_shares == [0.2, 0.613, 0.187]


def test_overrides_together_may_change_shares_that_must_sum_to_1(tmp_path):
    path = write(tmp_path, MINIMAL)
    scenario = load(str(path), ["population.groups.0.share=0.5", "population.groups.1.share=0.47"])
    assert [g.share for g in scenario.population.groups] == [0.5, 0.47, 0.03]
    message = error_of(path, ["population.groups.0.share=0.5", "population.groups.1.share=0.4"])
    assert message.startswith("--set population.groups.1.share=0.4: field population.groups: ")
    assert "sum to 1" in message


def test_override_to_blame_is_the_one_touching_the_field(tmp_path):
    path = write(tmp_path, MINIMAL)
    message = error_of(path, ["rulebook.mode=open", "population.size=5"])
    assert message.startswith("--set rulebook.mode=open: field rulebook.mode: ")
    message = error_of(path, ["population.size=5", "rulebook.mode=open"])
    assert message.startswith("--set rulebook.mode=open: field rulebook.mode: ")


def test_override_to_blame_for_a_whole_scenario_problem(tmp_path):
    path = write(tmp_path, MINIMAL)
    for overrides in (["end_date=2014-01-01", "rulebook.mode=public"], ["rulebook.mode=public", "end_date=2014-01-01"]):
        message = error_of(path, overrides)
        assert message.startswith("--set end_date=2014-01-01: "), message
        assert "before start_date" in message


def test_later_override_wins(tmp_path):
    scenario = load(str(write(tmp_path, MINIMAL)), ["rulebook.mode=open", "rulebook.mode=public"])
    assert scenario.rulebook.mode == "public"


def test_overrides_do_not_touch_the_file(tmp_path):
    path = write(tmp_path, MINIMAL)
    load(str(path), ["population.size=5"])
    assert path.read_text(encoding="utf-8") == MINIMAL
    assert load(str(path)).population.size == 100000


# Values validation used to accept that the engine cannot run (or runs to garbage): (TOML after the [population]
# header of a file with a name and dates, field the message must name, words of the problem).
UNRUNNABLE = {
    "infinite income multiplier": ("[behaviours.judgment_default]\nincome_multipliers = [-inf, 1.0, 1.0]\n",
                                   "behaviours.judgment_default.income_multipliers.0", "finite number"),
    "NaN group false match": ("[channels.cameras.group_false_match]\nminority_b = nan\n",
                              "channels.cameras.group_false_match.minority_b", "finite number"),
    "huge multiplier": ("[behaviours.traffic_violation]\nurban_multiplier = 1e300\n",
                        "behaviours.traffic_violation.urban_multiplier", "less than or equal to 1000000"),
    "huge group multiplier": ("[channels.cameras.group_false_match]\nminority_b = 1e300\n",
                              "channels.cameras.group_false_match.minority_b", "less than or equal to 1000000"),
    "1.8e19-day delay": ("[rehabilitation.fulfilment]\ndelay_days = 18000000000000000000\n",
                         "rehabilitation.fulfilment.delay_days", "less than or equal to 32000"),
    "extension beyond the engine's days": ("[lists.court]\nextension_days = [1, 40000]\n",
                                           "lists.court.extension_days.1", "less than or equal to 32000"),
    "NaN income shares": ("income_shares_urban = [nan, 0.5, 0.5]\n", "population.income_shares_urban.0",
                          "finite number"),
    "NaN age share": ("age_shares = [nan, 0.5, 0.5]\n", "population.age_shares.0", "finite number"),
    "NaN flight income multiplier": ("[sanctions.flights]\nincome_multipliers = [nan, 1, 1]\n",
                                     "sanctions.flights.income_multipliers.0", "finite number"),
    "backlog of 1e20": ("[lists.court]\ninitial_backlog = 100000000000000000000\n",
                        "lists.court.initial_backlog", "less than or equal to 10000000000"),
    "backlog above the adults": ("[lists.court]\ninitial_backlog = 1_200_000_000\n", "lists.court.initial_backlog",
                                 "1,200,000,000 people listed at launch, more than the 1,158,365,490 people aged 15+"),
    "population of 1e29": ("size = 1e29\n", "population.size", "exceeded maximum size"),
    "population of 2e10": ("size = 20000000000\n", "population.size", "less than or equal to 10000000000"),
    "infinite rate in a schedule": ("[rehabilitation.correction]\nrate_per_year = [[2015-01-01, inf]]\n",
                                    "rehabilitation.correction.rate_per_year.0.1", "finite number"),
    "rate above one a day": ("[sanctions.loans]\napplications_per_year = 1000\n",
                             "sanctions.loans.applications_per_year", "less than or equal to 365"),
    "grade minimum beyond 16-bit scores": ("[rulebook.grade_minimums]\nAAA = 40000\n",
                                           "rulebook.grade_minimums.AAA", "less than or equal to 30000"),
}


@pytest.mark.parametrize("text, field, problem", UNRUNNABLE.values(), ids=UNRUNNABLE.keys())
def test_what_the_engine_cannot_run_is_refused(tmp_path, text, field, problem):
    path = write(tmp_path, MINIMAL.removesuffix("size = 100000\n") + text)
    message = error_of(path)
    assert message.startswith(f"{path}: ") and f"{field}: " in message, message
    assert problem in message, message


def test_huge_population_by_override_is_refused():
    message = error_of("china-2018", ["population.size=1e29"])
    assert message.startswith("--set population.size=1e29: field population.size: "), message
    assert "exceeded maximum size" in message


def test_residents_abroad_at_most_the_home_population():
    message = error_of("central-asia-2020", ["travel.kazakh_tourists_in_china.residents=1e9"])
    assert "travel.kazakh_tourists_in_china.residents: 1,000,000,000 people abroad, more than the" in message
    assert load("central-asia-2020", ["travel.kazakh_tourists_in_china.residents=1e6"])


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_an_empty_file_is_not_a_scenario(tmp_path, text):
    path = write(tmp_path, text)
    assert error_of(path) == f'{path}: empty scenario file (it needs at least name = "...")'


def nested(depth: int) -> dict[str, str]:
    """TOML texts nested ``depth`` levels deep, each in another way."""
    keys = ".".join(["a"] * depth)
    return {
        "arrays": "a = " + "[" * (depth - 1) + "]" * (depth - 1) + "\n",
        "dotted key": f"{keys} = 1\n",
        "table header": f"[{'.'.join(['a'] * (depth - 1))}]\nb = 1\n",
        "array of tables": f"[[{'.'.join(['a'] * (depth - 2))}]]\nb = 1\n",
        "inline tables": "a = " + "{b = " * (depth - 1) + "1" + "}" * (depth - 1) + "\n",
        "mixed": f"[{'.'.join(['a'] * (depth // 3))}]\n{'.'.join(['b'] * (depth // 3))} = "
                 + "[" * (depth - 2 * (depth // 3)) + "]" * (depth - 2 * (depth // 3)) + "\n",
    }


def data_depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((data_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((data_depth(v) for v in value), default=0)
    return 0


@pytest.mark.parametrize("kind", nested(3))
def test_nesting_up_to_the_limit_is_read_and_beyond_it_refused_before_parsing(kind):
    import tomllib

    from scslab.scenario.loading import MAX_DEPTH, check_depth

    fits, deep = nested(MAX_DEPTH)[kind], nested(MAX_DEPTH + 1)[kind]
    assert data_depth(tomllib.loads(fits)) == MAX_DEPTH
    assert data_depth(tomllib.loads(deep)) == MAX_DEPTH + 1
    check_depth(fits, "fits.toml")
    with pytest.raises(ScenarioError, match=rf"^deep.toml: nested more than {MAX_DEPTH} levels deep"):
        check_depth(deep, "deep.toml")


def test_brackets_and_dots_in_strings_and_comments_do_not_count():
    from scslab.scenario.loading import check_depth

    check_depth('a = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["\nb = \'{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\'\n'
                'c = """\n' + "a." * 100 + '"""\n# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\nd = 1.5\n'
                '"e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e" = 1\n', "strings.toml")


# Files that made the parser recurse past Python's limit or run for minutes past 16 GB.
DEEP_FILES = {
    "arrays 500 deep": "a = " + "[" * 500 + "]" * 500 + "\n",
    "100,000-deep dotted key": "a" + ".a" * 100_000 + " = 1\n",
    "100,000-deep table header": "[a" + ".a" * 100_000 + "]\n",
}


@pytest.mark.parametrize("text", DEEP_FILES.values(), ids=DEEP_FILES.keys())
def test_deep_files_get_one_line(tmp_path, text):
    path = write(tmp_path, 'name = "deep"\n' + text)
    assert error_of(path) == f"{path}: nested more than 32 levels deep (tables, dotted keys and arrays together)"


def test_files_over_a_mebibyte_are_not_read(tmp_path):
    from scslab.scenario.loading import MAX_FILE_BYTES

    path = write(tmp_path, MINIMAL + "#" * (MAX_FILE_BYTES - len(MINIMAL)))
    assert load(str(path)).name == "tiny"
    path.write_text(MINIMAL + "#" * (MAX_FILE_BYTES - len(MINIMAL) + 1), encoding="utf-8")
    assert error_of(path) == f"{path}: 1,048,577 bytes, more than the 1,024 KiB allowed"


@pytest.mark.parametrize("override, message", [
    ("population.size=" + "[" * 500 + "]" * 500, "--set population.size: nested more than 32 levels deep"),
    ("a" + ".a" * 40 + "=1", "a path of more than 32 parts"),
    ("name=" + "x" * (1024 * 1024), "--set name: 1,048,580 bytes, more than the 1,024 KiB allowed"),
])
def test_overrides_have_the_same_limits(override, message):
    with pytest.raises(ScenarioError, match=message):
        parse_override(override)


def test_an_unknown_name_among_thousands_of_groups_is_still_a_short_line():
    """The known groups are listed up to a dozen, and a long unknown name is cut."""
    groups = [{"name": f"g{i}", "share": 1 / 20_000} for i in range(20_000)]
    data = {"population": {"groups": groups},
            "channels": {"cameras": {"group_false_match": {"x" * 10_000: 2.0}}}}
    with pytest.raises(ScenarioError) as error:
        validate(data, "many.toml")
    text = str(error.value)
    assert "unknown group 'xxxx" in text and "and 19,988 more" in text
    assert len(text) < 400 and "\n" not in text
