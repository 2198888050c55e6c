"""Experiments: the parameter space, comparisons with common random numbers, sweeps on Dask."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pandas as pd
import pytest

from scslab.experiments import ParameterSpace, compare, sweep
from scslab.experiments.catalog import Catalog
from scslab.experiments.compare import load_variant
from scslab.experiments.runs import execute
from scslab.experiments.space import parse_parameter
from scslab.scenario.loading import ScenarioError

COVERAGE = "channels.cameras.coverage_urban"
DISPARITY = "channels.cameras.group_false_match.minority_b"


# --- the parameter space -------------------------------------------------------------------

def test_a_parameter_is_read_from_its_text_form():
    p = parse_parameter(f"{COVERAGE}=0.1:0.9:5")
    assert (p.path, p.low, p.high, p.levels, p.distribution) == (COVERAGE, 0.1, 0.9, 5, "uniform")
    q = parse_parameter("channels.cameras.false_records_per_person_year=0.001:0.1:log")
    assert q.distribution == "log" and q.levels is None
    assert q.value(0.5) == pytest.approx(0.01)
    assert np.allclose(p.grid(), [0.1, 0.3, 0.5, 0.7, 0.9])


@pytest.mark.parametrize("text, message", [
    ("channels.cameras.coverage_urban", "expected PATH=LOW:HIGH"),
    ("=0:1", "empty parameter path"),
    ("a.b=x:1", "must be numbers"),
    ("a.b=1", "expected LOW:HIGH"),
    ("a.b=1:0", "low bound 1 must be below the high bound 0"),
    ("a.b=0:1:1", "at least 2 levels"),
    ("a.b=0:1:triangle", "neither a number of levels nor a distribution"),
    ("a.b=0:1:log", "log distribution needs a positive low bound"),
    ("a.b=0:inf", "finite"),
])
def test_bad_parameter_texts_get_one_clear_line(text, message):
    with pytest.raises(ScenarioError, match=message) as error:
        parse_parameter(text)
    assert "\n" not in str(error.value) and str(error.value).startswith("--param")


@pytest.mark.parametrize("text, message", [
    ("channels.cameras.coverage_urbn=0:1", "no such parameter in scenario 'china-2018' .did you mean channels.cameras.coverage_urban"),
    (f"{COVERAGE}=0:1.5", r"--param channels.cameras.coverage_urban=0:1.5: field channels.cameras.coverage_urban"),
    ("channels.cameras.false_records_per_person_year=-1:0.1", "greater than or equal to 0"),
    ("rulebook.enabled=0:1", "true/false switch"),
    ("channels.cameras=0:1", "is a table"),
    ("rulebook.mode=0:1", "not a number"),
])
def test_parameters_are_checked_against_the_scenario(text, message):
    with pytest.raises(ScenarioError, match=message) as error:
        ParameterSpace("china-2018", [text])
    assert "\n" not in str(error.value)


def test_a_many_country_scenario_needs_the_country_named():
    with pytest.raises(ScenarioError, match=r"has countries; name one, as countries.<name>.channels"):
        ParameterSpace("central-asia-2020", [f"{COVERAGE}=0:1"])
    space = ParameterSpace("central-asia-2020", [f"countries.china.{COVERAGE}=0.2:0.4"])
    scenario = space.scenario({f"countries.china.{COVERAGE}": 0.3})
    assert scenario.countries["china"].channels.cameras.coverage_urban == 0.3


def test_points_set_the_named_parameters_and_nothing_else():
    space = ParameterSpace("china-2018", [f"{COVERAGE}=0.2:0.9:3", f"{DISPARITY}=1:30:2",
                                          "sanctions.flights.enforcement.1.1=0.5:1"])
    scenario = space.scenario({COVERAGE: 0.55, DISPARITY: 7.0, "sanctions.flights.enforcement.1.1": 0.8})
    assert scenario.channels.cameras.coverage_urban == 0.55  # a schedule replaced by a constant
    assert scenario.channels.cameras.group_false_match == {"han": 1.0, "minority_a": 10.0, "minority_b": 7.0}
    assert scenario.sanctions.flights.enforcement[1][1] == 0.8
    assert scenario.channels.cameras.coverage_rural == space.base.channels.cameras.coverage_rural


def test_samples_cover_the_bounds_as_designed():
    space = ParameterSpace("china-2018", [f"{COVERAGE}=0.2:0.9:3", f"{DISPARITY}=1:30:2",
                                          "rulebook.start_score=900:1100"])
    grid = space.sample("grid")
    assert len(grid) == 3 * 2 * 5 and len(grid.drop_duplicates()) == len(grid)
    for method in ("lhs", "sobol"):
        points = space.sample(method, 64, seed=3)
        assert len(points) == 64
        for p in space.parameters:
            assert points[p.path].between(p.low, p.high).all()
        # a Latin hypercube puts exactly one point in each of the 64 strata of each parameter
        if method == "lhs":
            strata = np.floor((points[COVERAGE] - 0.2) / 0.7 * 64)
            assert sorted(strata) == list(range(64))
    assert (space.sample("lhs", 8)["rulebook.start_score"] % 1 == 0).all()  # an integer field stays whole
    assert space.sample("lhs", 8, seed=1).equals(space.sample("lhs", 8, seed=1))
    with pytest.raises(ScenarioError, match="power of two"):
        space.sample("sobol", 10)
    with pytest.raises(ScenarioError, match="unknown method 'random'"):
        space.sample("random", 10)
    with pytest.raises(ScenarioError, match="given more than once"):
        ParameterSpace("china-2018", [f"{COVERAGE}=0.2:0.9", f"{COVERAGE}=0.1:0.3"])


# --- compare -------------------------------------------------------------------------------

def chilled_world(quiet, prior: float):
    """Lawful criticism chilled by a secret rulebook: its rate is ((c + prior * watched) / c) ** e."""
    return quiet(behaviours={"lawful_criticism": {"rate_per_year": 2.0, "points": 0}},
                 channels={"cameras": {"sees": {"lawful_criticism": 0.5}, "coverage_urban": 1.0, "coverage_rural": 1.0}}, rulebook={"mode": "secret"},
                 response={"chilling_elasticity": -0.15, "baseline_certainty": 0.1, "secret_prior": prior})


def expected_rate(prior: float) -> float:
    return ((0.1 + prior * 0.5) / 0.1) ** -0.15


@pytest.fixture(scope="module")
def prior_comparisons():
    from conftest import quiet_world

    pair = [chilled_world(quiet_world, 0.5), chilled_world(quiet_world, 0.6)]
    kwargs = dict(replicates=8, agents=20_000, days=60, outputs=["expression_rate"], labels=["0.5", "0.6"],
                  progress=False)
    return compare(pair, paired=True, **kwargs), compare(pair, paired=False, **kwargs)


def test_the_paired_interval_covers_the_known_difference(prior_comparisons):
    paired, _ = prior_comparisons
    row = paired.table.dropna(subset=["difference"]).iloc[0]
    known = expected_rate(0.6) - expected_rate(0.5)  # -0.0164
    assert row["low"] <= known <= row["high"]
    means = paired.table.set_index("scenario")["mean"]
    assert means["0.5"] == pytest.approx(expected_rate(0.5), abs=0.01)
    assert paired.runs["seed"].tolist() == list(range(8)) * 2


def test_common_random_numbers_shrink_the_interval_of_a_difference(prior_comparisons):
    paired, independent = prior_comparisons
    width = {name: float((c.table["high"] - c.table["low"]).dropna().iloc[0])
             for name, c in (("paired", paired), ("independent", independent))}
    assert width["paired"] < width["independent"] / 2
    assert sorted(independent.runs["seed"]) == list(range(16))  # independent seeds for each scenario


def test_a_comparison_is_saved_as_two_tables(prior_comparisons, tmp_path):
    paired, _ = prior_comparisons
    paired.save(tmp_path / "cmp")
    table = pd.read_csv(tmp_path / "cmp" / "comparison.csv")
    assert list(table["scenario"].astype(str)) == ["0.5", "0.6"]
    assert len(pd.read_csv(tmp_path / "cmp" / "runs.csv")) == 16


def test_variants_name_overrides_after_a_plus():
    assert load_variant("china-2018+rulebook.mode=public+response.secret_prior=0.3").rulebook.mode == "public"
    with pytest.raises(ScenarioError, match="expected NAME_OR_FILE\\+PATH=VALUE"):
        load_variant("china-2018+public")
    with pytest.raises(ScenarioError, match="--set rulebook.mode=open"):
        load_variant("china-2018+rulebook.mode=open")
    with pytest.raises(ScenarioError, match="at least 2 are needed"):
        compare(["china-2018", "no-system"], replicates=1)
    with pytest.raises(ScenarioError, match="--output jailed: unknown output"):
        compare(["china-2018", "no-system"], replicates=2, outputs=["jailed"])


# --- sweeps --------------------------------------------------------------------------------

SWEEP = dict(scenario="china-2018", parameters=[f"{COVERAGE}=0.3:0.9:3", f"{DISPARITY}=1:60:2"],
             replicates=2, agents=3_000, days=40, progress=False)
IGNORED = ["runtime_s", "worker", "finished_at"]


def catalog_tables(directory):
    with Catalog(directory, read_only=True) as catalog:
        return catalog.runs().drop(columns=IGNORED), catalog.timeseries()


@pytest.fixture(scope="module")
def one_worker_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "one"
    report = sweep(out=out, workers=1, **SWEEP)
    assert (report.planned, report.ran, report.skipped, report.failed) == (12, 12, 0, 0)
    return out


def test_a_sweep_gives_the_same_catalog_with_one_worker_and_with_two(one_worker_sweep, tmp_path):
    sweep(out=tmp_path / "two", workers=2, **SWEEP)
    runs_1, series_1 = catalog_tables(one_worker_sweep)
    runs_2, series_2 = catalog_tables(tmp_path / "two")
    pd.testing.assert_frame_equal(runs_1, runs_2)
    pd.testing.assert_frame_equal(series_1, series_2)
    assert (runs_1["status"] == "done").all() and len(series_1) == 12 * 40
    assert sorted(runs_1[COVERAGE].unique()) == [0.3, 0.6, 0.9]
    # replicates share seeds across points (common random numbers)
    assert runs_1.groupby("replicate")["seed"].unique().map(list).tolist() == [[0], [1]]
    with Catalog(one_worker_sweep, read_only=True) as catalog:
        per_level = catalog.query(f'SELECT "{DISPARITY}", avg(false_detections) AS f FROM runs '
                                  f'GROUP BY 1 ORDER BY 1')
    assert per_level["f"].is_monotonic_increasing  # a higher false-match rate, more false records


def test_an_interrupted_sweep_resumes_with_only_the_missing_runs(one_worker_sweep, tmp_path):
    out = tmp_path / "resumed"
    finished = []

    def interrupt_after_five(result):
        finished.append(result.run_id)
        if len(finished) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep(out=out, workers=0, on_result=interrupt_after_five, **SWEEP)
    with Catalog(out, read_only=True) as catalog:
        status = catalog.runs().set_index("run_id")["status"]
    assert sorted(status[status == "done"].index) == sorted(finished)
    assert (status == "pending").sum() == 7

    again = []
    report = sweep(out=out, workers=0, on_result=lambda r: again.append(r.run_id), **SWEEP)
    assert (report.skipped, report.ran) == (5, 7)
    assert sorted(again) == sorted(set(status.index) - set(finished))
    runs, series = catalog_tables(out)
    reference_runs, reference_series = catalog_tables(one_worker_sweep)
    pd.testing.assert_frame_equal(runs, reference_runs)
    pd.testing.assert_frame_equal(series, reference_series)
    assert sweep(out=out, workers=0, **SWEEP).ran == 0


def dies_once(task):
    """Kill the worker process the first time it runs run p000001-r0000, then run normally."""
    marker = os.environ["SCSLAB_TEST_MARKER"]
    if task.run_id == "p000001-r0000" and not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    return execute(task)


def test_a_worker_that_dies_loses_and_duplicates_nothing(one_worker_sweep, tmp_path, monkeypatch):
    marker = tmp_path / "died"
    monkeypatch.setenv("SCSLAB_TEST_MARKER", str(marker))
    report = sweep(out=tmp_path / "dying", workers=2, task_runner=dies_once, **SWEEP)
    assert marker.exists()  # a worker did die
    assert (report.ran, report.failed) == (12, 0)
    runs, series = catalog_tables(tmp_path / "dying")
    reference_runs, reference_series = catalog_tables(one_worker_sweep)
    pd.testing.assert_frame_equal(runs, reference_runs)
    pd.testing.assert_frame_equal(series, reference_series)


def test_a_catalog_holds_one_sweep(one_worker_sweep):
    changed = {**SWEEP, "replicates": 3}
    with pytest.raises(ScenarioError, match="holds a different sweep .its replicates differs."):
        sweep(out=one_worker_sweep, workers=0, **changed)


def invalid_at_low_coverage(task):
    """Run the task, except that points at the lowest coverage get an invalid scenario."""
    if task.values[COVERAGE] == 0.3:
        task = dataclasses.replace(task, data={**task.data, "population": {"size": -1}})
    return execute(task)


def test_a_failing_run_is_recorded_and_run_again_on_resume(one_worker_sweep, tmp_path):
    out = tmp_path / "failing"
    report = sweep(out=out, workers=0, task_runner=invalid_at_low_coverage, **SWEEP)
    with Catalog(out, read_only=True) as catalog:
        runs = catalog.runs()
    failed = runs[runs["status"] == "failed"]
    assert report.failed == len(failed) == 4 and (failed[COVERAGE] == 0.3).all()
    assert failed["error"].str.contains("population.size").all()
    assert failed["listed"].isna().all()
    again = sweep(out=out, workers=0, **SWEEP)
    assert (again.skipped, again.ran, again.failed) == (8, 4, 0)
    runs, series = catalog_tables(out)
    reference_runs, reference_series = catalog_tables(one_worker_sweep)
    pd.testing.assert_frame_equal(runs, reference_runs)
    pd.testing.assert_frame_equal(series, reference_series)


def test_a_local_cluster_beside_another_dask_dashboard_says_nothing(recwarn):
    """Found while two runs shared the machine: a local cluster took Dask's dashboard port (8787) and the next one
    printed a warning on stderr. Local clusters open their dashboard on a free port, silently."""
    import socket

    from scslab.experiments.cluster import executor

    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8787))  # as another Dask cluster would (if nothing holds it already)
        holder.listen()
    except OSError:
        pass
    try:
        with executor(1) as client:
            assert client.submit(sum, [1, 2]).result() == 3
    finally:
        holder.close()
    assert not [w for w in recwarn if "8787" in str(w.message)]
