"""The system after 2018 (the `china` scenario) and validation out of sample (`scslab validate-model`).

Each policy switch is checked in paired runs, with and without it, on one seed: the runs are identical
before its date, and after it the share of would-be listings it keeps off the list matches its analytic
expectation within 4 binomial standard errors. The published figures' file, the model's values beside
them and the command's record and errors are checked too.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from test_cli import invoke, single_error_line

from scslab import Sim
from scslab.mechanisms.compliance import grace_paid
from scslab.scenario.loading import ScenarioError, load
from scslab.targets import CALIBRATION_CUTOFF
from scslab.validation import (
    MARK, PUBLISHED_FIELDS, model_value, predict, published_path, read_published,
)

GRACE_FROM, SPARED_FROM = pd.Timestamp("2020-01-02"), pd.Timestamp("2024-01-01")
UNABLE, SHARE = 0.4, 0.5
# Tractable settings for the shares: one unable share and one income multiplier for everyone, and a
# fulfilment hazard high enough that a 60-day grace matters (1 - exp(-2 * 60 / 365) = 0.28), and defaults
# 20 times as frequent, for thousands of would-be listings at a small size.
TRACTABLE = [f"rehabilitation.fulfilment.unable_share=[{UNABLE}, {UNABLE}, {UNABLE}]",
             "rehabilitation.fulfilment.income_multipliers=[1, 1, 1]", "rehabilitation.fulfilment.rate_per_year=2.0",
             "sampling.min_agents_per_group=0", "behaviours.judgment_default.rate_per_year=0.05"]
OFF = ["lists.court.grace_days=0", "lists.court.unable_spared=0"]
AGENTS = 30_000


@pytest.fixture(scope="module")
def paired():
    """The `china` scenario with both switches, and without them, on the same seed (tractable settings)."""
    on, off = load("china", TRACTABLE), load("china", TRACTABLE + OFF)
    runs = [Sim(s, agents=AGENTS, seed=3).run() for s in (on, off)]
    return on, runs[0], runs[1]


def _at(results, date):
    ts = results.timeseries
    return ts.loc[pd.DatetimeIndex(ts["date"]) == date].iloc[0]


def _change(results, column, start, end):
    """The change of a running total from the day before ``start`` to ``end``."""
    return _at(results, end)[column] - _at(results, start - pd.Timedelta(days=1))[column]


def test_nothing_moves_before_the_first_switch(paired):
    _, on, off = paired
    before = pd.DatetimeIndex(on.timeseries["date"]) < GRACE_FROM
    pd.testing.assert_frame_equal(on.timeseries[before], off.timeseries[before])
    assert on.timeseries.loc[before, ["paid_in_grace_total", "unable_spared_total"]].to_numpy().sum() == 0
    after = ~before
    assert (on.timeseries.loc[after, "court_cases_total"].to_numpy()
            < off.timeseries.loc[after, "court_cases_total"].to_numpy()).mean() > 0.9


def _share_within(kept, attempts, expected, scale):
    """``kept`` of ``attempts`` (people) at ``expected``, within 4 binomial standard errors of agents."""
    n = attempts / scale
    se = math.sqrt(expected * (1 - expected) / n)
    assert abs(kept / attempts - expected) < 4 * se, (kept / attempts, expected, se, n)


def test_the_grace_period_keeps_its_expected_share_off_the_list(paired):
    scenario, on, _ = paired
    end = SPARED_FROM - pd.Timedelta(days=1)  # the grace alone, before the sparing starts
    paid = _change(on, "paid_in_grace_total", GRACE_FROM, end)
    attempts = paid + _change(on, "court_cases_total", GRACE_FROM, end)
    expected = (1 - UNABLE) * SHARE * grace_paid(scenario, 60)[1]
    assert 0.08 < expected < 0.09
    _share_within(paid, attempts, expected, on.scale)
    assert _change(on, "unable_spared_total", GRACE_FROM, end) == 0


def test_sparing_the_unable_keeps_its_expected_share_off_the_list(paired):
    scenario, on, _ = paired
    end = pd.Timestamp(scenario.end_date)
    spared = _change(on, "unable_spared_total", SPARED_FROM, end)
    attempts = spared + _change(on, "paid_in_grace_total", SPARED_FROM, end) + _change(
        on, "court_cases_total", SPARED_FROM, end)
    _share_within(spared, attempts, UNABLE * SHARE, on.scale)


def test_the_china_scenario_extends_the_calibrated_one_to_2024():
    china, calibrated = load("china"), load("china-2018")
    assert china.end_date == dt.date(2024, 12, 31) and china.start_date == calibrated.start_date
    # nothing fitted differs: the calibration scenario's values are kept, only the switches are added
    assert china.behaviours == calibrated.behaviours and china.rehabilitation == calibrated.rehabilitation
    assert calibrated.lists.court.grace_days == 0 and calibrated.lists.court.unable_spared == 0


def test_the_grace_chance_is_the_fulfilment_hazard_over_the_grace():
    scenario = load("china-2018")
    f = scenario.rehabilitation.fulfilment
    expected = [1 - math.exp(-f.rate_per_year * m * 60 / 365) for m in f.income_multipliers]
    assert np.allclose(grace_paid(scenario, 60.0), expected, rtol=1e-12)
    assert not grace_paid(scenario, 0.0).any()


def test_the_published_figures_say_what_they_count_and_where_they_are_from():
    table = read_published(published_path("china-after-2018"))
    assert list(table.columns) == list(PUBLISHED_FIELDS)
    assert (table["date"] > CALIBRATION_CUTOFF).all()
    assert (table["counts"].str.len() > 10).all() and (table["source"].str.len() > 10).all()
    later = table[(table["date"].dt.year >= 2019) & (table["date"].dt.year <= 2024)]
    assert len(later) >= 8
    assert {"court_cases_total", "court_listed", "flight_blocks_total", "court_exits_total"} <= set(table["quantity"])


@pytest.mark.parametrize("row, error", [
    ("2018-09-30,,court_listed,100,people,src,", "on or before the calibration cut-off"),
    ("2019-13-01,,court_listed,100,people,src,", "date '2019-13-01' is not a date"),
    ("2019-01-01,2019-02-01,court_listed,100,people,src,", "from_date 2019-02-01 is after the date"),
    ("2019-01-01,,listed_people,100,people,src,", "unknown quantity 'listed_people'"),
    ("2019-01-01,,court_listed,many,people,src,", "published 'many' is not a number"),
    ("2019-01-01,,court_listed,-5,people,src,", "published must be a positive number"),
    ("2019-01-01,,court_listed,100, ,src,", "counts is empty"),
    ("2019-01-01,,court_listed,100,people,,", "source is empty"),
])
def test_a_bad_published_figure_is_named_by_file_and_line(tmp_path, row, error):
    path = tmp_path / "figures.csv"
    path.write_text(",".join(PUBLISHED_FIELDS) + "\n2019-05-01,,court_listed,7,people,src,\n" + row + "\n")
    with pytest.raises(ScenarioError, match=f"{path}: line 3: .*{error}"):
        read_published(path)


def test_a_published_file_without_its_columns_is_refused(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text("date,quantity,value\n2019-01-01,court_listed,5\n")
    with pytest.raises(ScenarioError, match="missing column"):
        read_published(path)


def test_the_model_counts_a_stock_at_its_date_and_a_flow_over_its_period():
    dates = pd.date_range("2019-01-01", periods=10)
    ts = pd.DataFrame({"date": dates, "court_listed": np.arange(10.0) * 3,
                       "court_listed_total": np.arange(10.0) * 10})
    assert model_value(ts, "court_listed", dates[4]) == 12
    assert model_value(ts, "court_listed_total", dates[9], dates[5]) == 90 - 40
    assert model_value(ts, "court_listed_total", dates[9], dates[0]) == 90  # from the run's first day: from zero
    assert model_value(ts, "court_exits_total", dates[6]) == 60 - 18  # put on, less those still on
    figures = pd.DataFrame({"date": [dates[4], pd.Timestamp("2030-01-01")], "from_date": [pd.NaT, pd.NaT],
                            "quantity": ["court_listed"] * 2, "published": [10.0, 1.0], "counts": ["x"] * 2,
                            "source": ["s"] * 2, "note": [""] * 2})
    other = ts.assign(court_listed=ts["court_listed"] + 2)
    table = predict(figures, [ts, other])
    assert len(table) == 1  # the figure after the runs is left out
    row = table.iloc[0]
    assert row["model"] == 13 and row["error"] == pytest.approx(0.3)
    half = 12.706204736174698 * 1.0  # t(0.975, 1 dof) times the standard error of the mean of 12 and 14
    assert row["low"] == pytest.approx(13 - half) and row["high"] == pytest.approx(13 + half)


def test_validate_model_writes_its_record_on_a_small_population(tmp_path):
    out = tmp_path / "validation.md"
    notes = tmp_path / "notes.md"
    notes.write_text("## Why the model misses\n\nBecause.\n")
    result = invoke("validate-model", "china", "--agents", "3000", "--replicates", "2", "--notes", notes,
                    "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert MARK in text and "## Out of sample (after 2018-09-30)" in text and "## The fit" in text
    assert text.count("**out of sample**") == len(read_published(published_path("china-after-2018")))
    assert "Worst out-of-sample error" in text and text.rstrip().endswith("Because.")
    assert "worst out-of-sample error" in result.stdout
    again = invoke("validate-model", "china", "--agents", "3000", "--replicates", "2", "--out", out, "--quiet")
    assert "holds an earlier validation record; add --overwrite" in single_error_line(again)


@pytest.mark.parametrize("args, error", [
    (["--replicates", "1"], "--replicates: must be at least 2"),
    (["--replicates", "two"], "--replicates: 'two' is not a whole number"),
    (["--notes", "/nonexistent/notes.md"], "--notes /nonexistent/notes.md: cannot be read"),
    (["--published", "no-such-figures"], "--published no-such-figures: no such file"),
    (["--until", "2010-01-01"], "--until"),
])
def test_validate_model_gives_bad_input_one_line(tmp_path, args, error):
    result = invoke("validate-model", "china", "--agents", "3000", "--out", tmp_path / "v.md", "--quiet", *args)
    assert error in single_error_line(result)
    assert not (tmp_path / "v.md").exists()


def test_validate_model_leaves_a_file_it_did_not_write_alone(tmp_path):
    out = tmp_path / "mine.md"
    out.write_text("# my notes\n")
    result = invoke("validate-model", "china", "--agents", "3000", "--out", out, "--overwrite", "--quiet")
    assert "is not a validation record written by scslab" in single_error_line(result)
    assert out.read_text() == "# my notes\n"


def test_a_bad_published_file_fails_before_any_run(tmp_path):
    bad = tmp_path / "figures.csv"
    bad.write_text(",".join(PUBLISHED_FIELDS) + "\n2017-01-01,,court_listed,7,people,src,\n")
    result = invoke("validate-model", "china", "--agents", "3000", "--published", bad, "--out", tmp_path / "v.md",
                    "--quiet")
    assert f"{bad}: line 2: date 2017-01-01 is on or before the calibration cut-off" in single_error_line(result)
