"""Usage errors are one line with a pointer to --help, and whatever the command prints is printed literally."""

from __future__ import annotations

import pytest
from test_cli import MINIMAL, invoke, run_program, single_error_line, write

USAGE = {
    "unknown option": (["run", "{scenario}", "--foo"], "no such option --foo", "scslab run"),
    "unknown option close to one": (["run", "{scenario}", "--sed", "1"],
                                    "no such option --sed (did you mean --scheduler or --seed or --set?)", "scslab run"),
    "missing argument": (["validate"], "missing argument 'file'", "scslab validate"),
    "option without its value": (["run", "{scenario}", "--agents"], "option '--agents' requires an argument",
                                 "scslab run"),
    "extra argument": (["validate", "{scenario}", "more"], "got unexpected extra argument", "scslab validate"),
    "unknown command": (["frobnicate"], "no such command 'frobnicate'", "scslab"),
    "unknown option before the command": (["--verbose", "run"], "no such option --verbose", "scslab"),
    "not a number": (["calibrate", "{scenario}", "--targets", "t.csv", "--out", "c.toml", "--tolerance", "x"],
                     "invalid value for '--tolerance'", "scslab calibrate"),
}


@pytest.mark.parametrize("args, message, command", USAGE.values(), ids=USAGE.keys())
def test_usage_error_is_one_line_with_a_pointer_to_help(tmp_path, args, message, command):
    scenario = write(tmp_path)
    line = single_error_line(invoke(*(a.format(scenario=scenario) for a in args)))
    assert line.startswith(f"error: {message}"), line
    assert line.endswith(f" (see `{command} --help`)"), line


@pytest.mark.parametrize("port, problem", [("0", "must be between 1 and 65535, got 0"),
                                           ("70000", "must be between 1 and 65535, got 70000"),
                                           ("abc", "'abc' is not a whole number")])
def test_bad_dashboard_port(port, problem):
    assert single_error_line(invoke("dashboard", "--port", port)) == f"error: --port: {problem}"


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["sweep", "--help"]])
def test_help_still_works(args):
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "Usage" in result.stdout and "--help" in result.stdout


def test_the_program_gives_usage_errors_in_one_line(tmp_path):
    proc = run_program("run", write(tmp_path), "--foo", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == "error: no such option --foo (did you mean --out?) (see `scslab run --help`)\n"
    proc = run_program("run", "--help", cwd=tmp_path)
    assert proc.returncode == 0 and "--overwrite" in proc.stdout and proc.stderr == ""


# ---- printed literally ---------------------------------------------------------------------------

ODD = "runs:x:[bold]old:smile:"  # emoji codes and Rich markup, as a file or directory name


def test_error_lines_are_literal(tmp_path):
    line = single_error_line(invoke("validate", tmp_path / f"{ODD}.toml"))
    assert line.startswith(f"error: {tmp_path / ODD}.toml: ")


def test_output_lines_are_literal(tmp_path):
    scenario = write(tmp_path, MINIMAL.replace('"tiny"', '"[red]tiny:x:"'), name=f"{ODD}.toml")
    result = invoke("validate", scenario)
    assert result.exit_code == 0, result.output
    assert f"{scenario}: valid scenario '[red]tiny:x:'" in result.stdout.replace("\n", "")
    out = tmp_path / ODD
    result = invoke("run", scenario, "--agents", 2000, "--days", 5, "--quiet", "--out", out)
    assert result.exit_code == 0, result.output
    assert f"Results written to {out}/" in result.stdout.replace("\n", "")
    assert "[red]tiny:x:" in result.stdout
