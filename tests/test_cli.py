"""The command line: bad input gives one line on stderr and exit code 2; good input runs and writes results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from scslab.cli import app
from scslab.scenario.loading import builtin_names

MINIMAL = 'name = "tiny"\nstart_date = 2015-01-01\nend_date = 2015-03-01\n[population]\nsize = 100000\n'
RESULT_FILES = {"timeseries.parquet", "by_group.parquet", "summary.json", "scenario.toml", "scores.parquet",
                "recoveries.parquet"}

runner = CliRunner()


def write(tmp_path, text=MINIMAL, name="scenario.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def single_error_line(result) -> str:
    """The one stderr line of a failed command (checks exit code 2, one line, no traceback, nothing on stdout)."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert "Traceback" not in result.output
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stderr.endswith("\n")
    line = lines[0]
    assert line.startswith("error: "), line
    return line


def read_toml(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


# ---- positive paths ----------------------------------------------------------------------------


def test_scenarios_lists_the_builtins():
    result = invoke("scenarios")
    assert result.exit_code == 0, result.output
    names = builtin_names()
    assert "china-2018" in names
    for name in names:
        assert name in result.stdout
    assert result.stderr == ""


def test_validate_valid_file(tmp_path):
    path = write(tmp_path)
    result = invoke("validate", path)
    assert result.exit_code == 0, result.output
    stdout = " ".join(result.stdout.split())  # rich may wrap the line at the terminal width
    assert "valid scenario 'tiny' (2015-01-01 to 2015-03-01)" in stdout
    assert result.stderr == ""


@pytest.mark.parametrize("name", builtin_names())
def test_validate_builtins(name):
    result = invoke("validate", name)
    assert result.exit_code == 0, result.output
    assert f"valid scenario {name!r}" in " ".join(result.stdout.split())


def test_params_lists_parameters():
    result = invoke("params", "--markdown")
    assert result.exit_code == 0, result.output
    assert "population.groups" in result.stdout


def test_run_writes_results(tmp_path):
    path = write(tmp_path)
    out = tmp_path / "runs" / "tiny"
    result = invoke("run", path, "--agents", 2000, "--days", 30, "--out", out, "--quiet")
    assert result.exit_code == 0, (result.output, result.exception)
    assert {p.name for p in out.iterdir()} == RESULT_FILES
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(".")]  # no leftover temporary directory
    summary = json.loads((out / "summary.json").read_text())
    assert summary["agents"] == 2000
    assert summary["days"] == 30
    assert summary["scenario"] == "tiny"
    resolved = read_toml(out / "scenario.toml")
    assert str(resolved["end_date"]) == "2015-01-30"
    assert resolved["rulebook"]["mode"] == "secret"  # the default: overrides below must change it
    assert len(pd.read_parquet(out / "timeseries.parquet")) == 30
    assert "Results written to" in result.stdout
    assert "Traceback" not in result.output


def test_run_again_into_the_same_directory_needs_overwrite(tmp_path):
    path = write(tmp_path)
    out = tmp_path / "again"
    result = invoke("run", path, "--agents", 1000, "--days", 5, "--out", out, "--quiet")
    assert result.exit_code == 0, (result.output, result.exception)
    line = single_error_line(invoke("run", path, "--agents", 1500, "--days", 5, "--out", out, "--quiet"))
    assert line == f"error: --out {out}: holds an earlier run; add --overwrite (overwrite=True) to replace it"
    assert json.loads((out / "summary.json").read_text())["agents"] == 1000
    result = invoke("run", path, "--agents", 1500, "--days", 5, "--out", out, "--quiet", "--overwrite")
    assert result.exit_code == 0, (result.output, result.exception)
    assert json.loads((out / "summary.json").read_text())["agents"] == 1500
    assert {p.name for p in tmp_path.iterdir()} == {"scenario.toml", "again"}


def test_run_with_overrides_changes_the_resolved_scenario(tmp_path):
    path = write(tmp_path)
    out = tmp_path / "over"
    result = invoke("run", path, "--agents", 2000, "--days", 20, "--out", out, "--quiet",
                    "--set", "rulebook.mode=public",
                    "--set", "population.groups.0.share=0.5", "--set", "population.groups.1.share=0.47")
    assert result.exit_code == 0, (result.output, result.exception)
    resolved = read_toml(out / "scenario.toml")
    assert resolved["rulebook"]["mode"] == "public"
    assert [g["share"] for g in resolved["population"]["groups"]] == [0.5, 0.47, 0.03]
    assert read_toml(path) == tomllib.loads(MINIMAL)  # the input file is left alone


def test_run_until(tmp_path):
    path = write(tmp_path)
    out = tmp_path / "until"
    result = invoke("run", path, "--agents", 1000, "--until", "2015-01-10", "--out", out, "--quiet")
    assert result.exit_code == 0, (result.output, result.exception)
    assert str(read_toml(out / "scenario.toml")["end_date"]) == "2015-01-10"
    assert json.loads((out / "summary.json").read_text())["days"] == 10
    timeseries = pd.read_parquet(out / "timeseries.parquet")
    assert str(timeseries["date"].iloc[-1].date()) == "2015-01-10"


def test_run_until_may_extend_the_period(tmp_path):
    path = write(tmp_path, MINIMAL.replace("2015-03-01", "2015-01-05"))
    out = tmp_path / "longer"
    result = invoke("run", path, "--agents", 1000, "--until", "2015-01-20", "--out", out, "--quiet")
    assert result.exit_code == 0, (result.output, result.exception)
    assert json.loads((out / "summary.json").read_text())["days"] == 20


# ---- bad input: validate -----------------------------------------------------------------------

# (TOML text, field the error must name, words of the problem)
BAD_FILES = {
    "unknown key": ('name = "x"\n[population]\nbogus = 1\n', "population.bogus", "unknown key"),
    "wrong type": ('[population]\nsize = "lots"\n', "population.size", "valid integer"),
    "out of range": ("[population]\nurban_share = 1.5\n", "population.urban_share", "less than or equal to 1"),
    "shares do not sum to 1": (
        '[population]\ngroups = [{name="a", share=0.5}, {name="b", share=0.3}, {name="c", share=0.1}]\n',
        "population.groups", "sum to 1",
    ),
    "unknown behaviour in sees": (
        "[channels.cameras]\nsees = { flying = 0.5 }\n", "channels.cameras.sees", "unknown behaviour 'flying'"
    ),
    "unknown group in group_false_match": (
        "[channels.cameras]\ngroup_false_match = { martians = 2.0 }\n",
        "channels.cameras.group_false_match", "unknown group 'martians'",
    ),
    "non-increasing schedule": (
        "[lists.court]\nlisting_probability = [[2016-01-01, 0.1], [2015-01-01, 0.5]]\n",
        "lists.court.listing_probability", "strictly increasing",
    ),
    "end_date before start_date": ("start_date = 2015-01-01\nend_date = 2014-01-01\n", "end_date", "before start_date"),
    "toml syntax error": ('name = "tiny\n', "", "TOML syntax error"),
}


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("text, field, problem", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file(tmp_path, command, text, field, problem):
    path = write(tmp_path, text)
    extra = ["--agents", 100, "--days", 2, "--out", tmp_path / "out", "--quiet"] if command == "run" else []
    line = single_error_line(invoke(command, path, *extra))
    assert line.startswith(f"error: {path}: "), line
    assert field in line and problem in line, line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["validate", "run"])
def test_missing_file(tmp_path, command):
    path = tmp_path / "nowhere.toml"
    line = single_error_line(invoke(command, path))
    assert line.startswith(f"error: {path}: no such file")


@pytest.mark.parametrize("command", ["validate", "run"])
def test_directory_as_scenario(tmp_path, command):
    line = single_error_line(invoke(command, tmp_path))
    assert line == f"error: {tmp_path}: is a directory, not a scenario file"


def test_unreadable_bytes(tmp_path):
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00")
    line = single_error_line(invoke("validate", path))
    assert line.startswith(f"error: {path}: cannot be read")


def test_long_error_is_not_wrapped(tmp_path):
    # the message lists every known behaviour: far wider than a terminal, still one line
    path = write(tmp_path, "[channels.cameras]\nsees = { flying = 0.5 }\n")
    line = single_error_line(invoke("validate", path))
    assert len(line) > 200
    assert "blood_donation" in line


# ---- bad input: run options ------------------------------------------------------------------

BAD_OPTIONS = {
    "agents not a number": (["--agents", "abc"], "--agents", "not a whole number"),
    "agents a fraction": (["--agents", "1.5"], "--agents", "not a whole number"),
    "agents zero": (["--agents", "0"], "--agents", "at least 1"),
    "agents negative": (["--agents", "-5"], "--agents", "at least 1"),
    "agents too many": (["--agents", "3000000000"], "--agents", "below 2,147,483,647"),
    "days zero": (["--days", "0"], "--days", "at least 1"),
    "days not a number": (["--days", "ten"], "--days", "not a whole number"),
    "days too many": (["--days", "40000"], "--days", "at most 32,000"),
    "days with until": (["--days", "5", "--until", "2015-02-01"], "--days and --until", "not both"),
    "until not a date": (["--until", "tomorrow"], "--until", "not a date of the form YYYY-MM-DD"),
    "until impossible date": (["--until", "2015-02-30"], "--until", "not a date"),
    "until before start": (["--until", "2014-12-31"], "--until", "before the scenario start 2015-01-01"),
    "until too far": (["--until", "2200-01-01"], "--until", "32,000 days"),
    "seed not a number": (["--seed", "x"], "--seed", "not a whole number"),
    "seed negative": (["--seed", "-1"], "--seed", "must be within 0..9223372036854775807"),
    "replicates not a number": (["--replicates", "five"], "--replicates", "not a whole number"),
    "replicates zero": (["--replicates", "0"], "--replicates", "must be within 1..100"),
    "replicates too many": (["--replicates", "101"], "--replicates", "must be within 1..100"),
    "set without value": (["--set", "rulebook.mode"], "--set rulebook.mode", "expected PATH=VALUE"),
    "set with empty path": (["--set", "=public"], "--set =public", "empty parameter path"),
    "set wrong type": (["--set", "population.size=abc"], "--set population.size=abc", "population.size"),
    "set unknown key": (["--set", "rulebook.bogus=1"], "--set rulebook.bogus=1", "rulebook.bogus: unknown key"),
    "set bad literal": (["--set", "rulebook.mode=open"], "--set rulebook.mode=open", "rulebook.mode"),
    "set shares not summing to 1": (
        ["--set", "population.groups.0.share=0.5"], "--set population.groups.0.share=0.5", "population.groups"
    ),
    "set no such list item": (["--set", "population.groups.7.share=0.5"], "--set population.groups.7.share=0.5",
                              "no such list item"),
    "set through a value": (["--set", "population.size.x=1"], "--set population.size.x=1", "not a table"),
    "set through a list item value": (
        ["--set", "population.age_shares.0.x=1"], "--set population.age_shares.0.x=1", "population.age_shares.0"
    ),
    "set end before start": (["--set", "end_date=2014-01-01"], "--set end_date=2014-01-01", "before start_date"),
    "set unknown behaviour in sees": (
        ["--set", "channels.cameras.sees.flying=0.5"], "--set channels.cameras.sees.flying=0.5", "channels.cameras.sees"
    ),
    "set unknown group": (
        ["--set", "channels.cameras.group_false_match.martians=2"], "--set channels.cameras.group_false_match.martians=2",
        "unknown group 'martians'",
    ),
    "second set is the bad one": (
        ["--set", "rulebook.mode=public", "--set", "population.size=0"], "--set population.size=0", "population.size"
    ),
}


@pytest.mark.parametrize("args, label, problem", BAD_OPTIONS.values(), ids=BAD_OPTIONS.keys())
def test_bad_run_option(tmp_path, args, label, problem):
    path = write(tmp_path)
    out = tmp_path / "out"
    line = single_error_line(invoke("run", path, "--out", out, "--quiet", *args))
    assert line.startswith(f"error: {label}"), line
    assert problem in line, line
    assert not out.exists()
    assert {p.name for p in tmp_path.iterdir()} == {"scenario.toml"}


def test_bad_set_names_field(tmp_path):
    line = single_error_line(invoke("run", write(tmp_path), "--set", "population.urban_share=7"))
    assert line.startswith("error: --set population.urban_share=7: field population.urban_share: ")


def test_out_is_a_file(tmp_path):
    path = write(tmp_path)
    out = write(tmp_path, "not a directory", name="taken")
    line = single_error_line(invoke("run", path, "--agents", 100, "--days", 2, "--out", out, "--quiet"))
    assert line == f"error: --out {out}: exists and is not a directory"
    assert out.read_text() == "not a directory"


def test_out_below_a_file(tmp_path):
    path = write(tmp_path)
    out = tmp_path / "scenario.toml" / "results"
    line = single_error_line(invoke("run", path, "--agents", 100, "--days", 2, "--out", out, "--quiet"))
    assert line.startswith(f"error: --out {out}: ")
    assert "is not a directory" in line
    assert path.read_text(encoding="utf-8") == MINIMAL


# ---- the real program ----------------------------------------------------------------------------


def command() -> list[str]:
    script = Path(sys.executable).parent / "scslab"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from scslab.cli import app; app()"]


def run_program(*args, cwd):
    env = {**os.environ, "COLUMNS": "60"}  # narrow terminal: the error line must still not wrap
    return subprocess.run(command() + [str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)


def test_program_bad_scenario_exits_2_with_one_line(tmp_path):
    path = write(tmp_path, '[population]\ngroups = [{name="a", share=0.5}, {name="b", share=0.3}, {name="c", share=0.1}]\n')
    for args in (["validate", path], ["run", path, "--agents", 100, "--days", 2]):
        proc = run_program(*args, cwd=tmp_path)
        assert proc.returncode == 2, (proc.stdout, proc.stderr)
        assert proc.stdout == ""
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.splitlines()
        assert lines == [f"error: {path}: field population.groups: group shares must sum to 1 (they sum to 0.9)"]
    assert not (tmp_path / "runs").exists()


def test_program_bad_option_exits_2_with_one_line(tmp_path):
    path = write(tmp_path)
    for args in (["--agents", "many"], ["--days", "3", "--until", "2015-01-02"], ["--set", "population.age_shares.0.x=1"]):
        proc = run_program("run", path, "--quiet", *args, cwd=tmp_path)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.splitlines()) == 1, proc.stderr
        assert proc.stderr.startswith("error: --")


def test_program_valid_file_exits_0(tmp_path):
    proc = run_program("validate", write(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "valid scenario 'tiny'" in " ".join(proc.stdout.split())
    assert proc.stderr == ""
