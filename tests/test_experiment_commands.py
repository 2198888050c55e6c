"""The experiment commands: they run, write their files, and give bad input one line and exit code 2."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from test_cli import invoke, single_error_line

import scslab

SMALL = ["--agents", "3000", "--days", "30", "--quiet"]
COVERAGE = "channels.cameras.coverage_urban"


def test_compare_prints_each_output_and_writes_both_tables(tmp_path):
    result = invoke("compare", "china-2018", "china-2018+rulebook.mode=public", "--replicates", "2",
                    "--output", "expression_rate", "--output", "listed", "--workers", "0", "--out", tmp_path / "c",
                    *SMALL)
    assert result.exit_code == 0, result.output
    assert "difference from china-2018" in result.stdout and "expression_rate" in result.stdout
    table = pd.read_csv(tmp_path / "c" / "comparison.csv")
    assert table["output"].tolist() == ["expression_rate"] * 2 + ["listed"] * 2
    assert len(pd.read_csv(tmp_path / "c" / "runs.csv")) == 4


def test_sweep_runs_on_a_local_dask_cluster_and_resumes(tmp_path):
    args = ["sweep", "china-2018", "--param", f"{COVERAGE}=0.2:0.8:2",
            "--param", "channels.cameras.group_false_match.minority_b=1:100:2:log", "--workers", "1",
            "--out", tmp_path / "s", *SMALL]
    first = invoke(*args)
    assert first.exit_code == 0, first.output
    assert "4 runs planned: 0 already done, 4 run now, 0 failed." in first.stdout
    with duckdb.connect(str(tmp_path / "s" / "catalog.duckdb"), read_only=True) as con:
        runs = con.sql("SELECT status, worker FROM runs").df()
        days = con.execute("SELECT count(*) FROM timeseries").fetchone()[0]
    assert (runs["status"] == "done").all() and days == 4 * 30
    assert runs["worker"].nunique() == 1  # one Dask worker process ran them all
    again = invoke(*args)
    assert "4 runs planned: 4 already done, 0 run now, 0 failed." in again.stdout


def test_calibrate_writes_a_scenario_that_loads_and_a_fit_report(tmp_path):
    out = tmp_path / "calibrated.toml"
    result = invoke("calibrate", "china-2018", "--targets", "src/scslab/data/china-debtor-list-calibration.csv",
                    "--param", "lists.court.initial_backlog=10000:60000", "--trials", "3", "--workers", "0",
                    "--agents", "3000", "--until", "2014-03-31", "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    fit = pd.read_csv(tmp_path / "calibrated.fit.csv")
    assert sorted(fit["date"]) == ["2013-10-28", "2013-11-06", "2014-03-10"]  # the targets inside the period
    assert 10_000 <= scslab.load(str(out)).lists.court.initial_backlog <= 60_000
    assert "targets within tolerance" in result.stdout


def test_sensitivity_ranks_parameters_and_writes_a_plot(tmp_path):
    result = invoke("sensitivity", "china-2018", "--method", "morris", "--samples", "2",
                    "--param", "channels.cameras.false_records_per_person_year=0.001:0.05",
                    "--param", "trust.weights.mean_score=0:1", "--output", "false_detections",
                    "--workers", "0", "--out", tmp_path / "sa", *SMALL)
    assert result.exit_code == 0, result.output
    assert "ranked by mu_star" in result.stdout
    assert {p.name for p in (tmp_path / "sa").iterdir()} == {"sensitivity.csv", "samples.csv", "sensitivity.png"}
    table = pd.read_csv(tmp_path / "sa" / "sensitivity.csv")
    mu = table[table["index"] == "mu_star"].set_index("parameter")["value"]
    assert mu["channels.cameras.false_records_per_person_year"] > mu["trust.weights.mean_score"] == 0


@pytest.mark.parametrize("args, message", [
    (["compare", "china-2018"], "compare: give at least two scenarios"),
    (["compare", "china-2018", "no-system", "--replicates", "1"], "--replicates: must be at least 2, got 1"),
    (["compare", "china-2018", "nowhere.toml"], "nowhere.toml: no such file and not a built-in scenario"),
    (["compare", "china-2018", "china-2018+rulebook.mode=open"], "--set rulebook.mode=open"),
    (["compare", "china-2018", "no-system", "--output", "jailed"], "--output jailed: unknown output"),
    (["sweep", "china-2018", "--out", "{tmp}/s"], "--param: give at least one parameter"),
    (["sweep", "china-2018", "--param", "channels.cameras.coverage=0:1", "--out", "{tmp}/s"],
     "no such parameter in scenario 'china-2018' (did you mean channels.cameras.coverage_urban?)"),
    (["sweep", "china-2018", "--param", f"{COVERAGE}=0.9:0.1", "--out", "{tmp}/s"], "low bound 0.9 must be below"),
    (["sweep", "china-2018", "--param", f"{COVERAGE}=0:1", "--sample", "lhs", "--out", "{tmp}/s"],
     "--n: lhs sampling needs a number of points"),
    (["sweep", "china-2018", "--param", f"{COVERAGE}=0:1", "--sample", "monte", "--out", "{tmp}/s"],
     "--sample: unknown method 'monte'"),
    (["sweep", "china-2018", "--param", f"{COVERAGE}=0:1", "--workers", "-1", "--out", "{tmp}/s"],
     "--workers: must be at least 0"),
    (["sweep", "china-2018", "--param", f"{COVERAGE}=0:1", "--out", "{tmp}/file"], "exists and is not a directory"),
    (["calibrate", "china-2018", "--targets", "{tmp}/none.csv", "--param", f"{COVERAGE}=0:1", "--out", "{tmp}/c.toml"],
     "none.csv: no such targets file"),
    (["calibrate", "china-2018", "--targets", "{tmp}/file", "--param", f"{COVERAGE}=0:1", "--out", "{tmp}/c.toml",
      "--trials", "0"], "--trials: must be at least 1"),
    (["sensitivity", "china-2018", "--param", f"{COVERAGE}=0:1", "--samples", "48"], "power of two, got 48"),
    (["sensitivity", "china-2018", "--param", f"{COVERAGE}=0:1", "--method", "fast"], "--method: unknown method 'fast'"),
])
def test_bad_experiment_input_gets_one_line_and_exit_code_2(tmp_path, args, message):
    (tmp_path / "file").write_text("not a directory")
    result = invoke(*(a.replace("{tmp}", str(tmp_path)) for a in args), "--quiet")
    assert message in single_error_line(result)
