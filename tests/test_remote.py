"""One many-country run across Dask workers (``remote``): the same bytes as in one process, whatever the number
of workers and however the countries are placed; nobody lost or duplicated crossing a border; a worker killed
mid-run stops the run with one clear error; the ``scslab run`` options and their errors."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal

import numpy as np
import pytest

from typer.testing import CliRunner

from scslab.cli import app
from scslab.experiments.cluster import executor
from scslab.remote import CountryLost, place
from scslab.scenario.loading import load, validate
from scslab.sim import Sim
from scslab.world import World

AGENTS, SEED = 30_000, 4
SHORT = ["start_date=2019-07-01", "end_date=2020-06-30", "sampling.min_agents_per_country=3000",
         "sampling.min_agents_per_group=3000"]
"""A year of central-asia-2020 (travel, hosts' records, the alliance's transfers, Kazakhstan joining), on fewer
agents."""


@pytest.fixture(scope="module")
def scenario():
    return load("central-asia-2020", SHORT)


@pytest.fixture(scope="module")
def client():
    with executor(3) as client:
        yield client


def digests(results, directory) -> dict[str, str]:
    """Each result file's digest, but the summary's (it holds the run's seconds)."""
    saved = results.save(directory)
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(saved.iterdir())
            if f.name != "summary.json"}


@pytest.fixture(scope="module")
def in_process(scenario, tmp_path_factory):
    results = World(scenario, AGENTS, SEED).run()
    assert results.transfers["records"].sum() > 0 and results.countries["departures"].sum() > 0  # not vacuous
    return results, digests(results, tmp_path_factory.mktemp("one") / "run")


def workers_of(client) -> list[str]:
    return sorted(client.scheduler_info()["workers"])


@pytest.mark.parametrize("layout", ["three", "two shuffled", "one"])
def test_results_are_the_same_bytes_on_any_workers_and_placement(scenario, client, in_process, layout, tmp_path):
    workers = workers_of(client)
    n = len(scenario.countries)
    if layout == "three":
        placement = None  # remote.place: largest first onto the least loaded
    elif layout == "two shuffled":
        placement = list(np.random.default_rng(7).choice(workers[:2], n))
    else:
        placement = [workers[-1]] * n
    results = World(scenario, AGENTS, SEED, client, placement).run()
    assert digests(results, tmp_path / "run") == in_process[1]
    expected = in_process[0].summary
    assert results.summary["countries_at_end"] == expected["countries_at_end"]
    assert results.summary["country_intervals"] == expected["country_intervals"]


def test_sanctions_for_acts_abroad_are_the_same_bytes_across_workers(client, tmp_path):
    """The reprisal's calls (listing, pressure on the household, deportation, refused exits) across workers:
    test_reprisal's pair of countries, each on its own worker, against one process."""
    from test_reprisal import pair

    scenario = validate(pair(), "pair.toml").model_copy(update={"end_date": dt.date(2018, 6, 30)})
    alone = World(scenario, 20_000, 2).run()
    at_end = alone.summary["countries_at_end"]["east"]
    assert at_end["sanctioned_for_acts_abroad_total"] > 0 and at_end["relatives_pressured_total"] > 0
    spread = World(scenario, 20_000, 2, client, workers_of(client)[:2]).run()
    assert digests(spread, tmp_path / "spread") == digests(alone, tmp_path / "alone")


def test_nobody_is_lost_or_duplicated_crossing_a_border(in_process):
    """Every day, the nationals abroad of all homes are the foreigners present in all hosts; and the stock
    abroad moves by departures less returns."""
    countries = in_process[0].countries
    by_day = countries.groupby("day")[["residents_abroad", "foreigners_present", "departures", "returns"]].sum()
    np.testing.assert_allclose(by_day["residents_abroad"], by_day["foreigners_present"], rtol=0, atol=len(
        countries["country"].cat.categories))  # each country's count is rounded to a whole person
    change = by_day["residents_abroad"].diff().iloc[1:]
    flow = (by_day["departures"] - by_day["returns"]).iloc[1:]
    np.testing.assert_allclose(change, flow, rtol=0, atol=2 * len(countries["country"].cat.categories))
    assert by_day["residents_abroad"].iloc[-1] > 0


def test_the_largest_country_goes_first_onto_the_least_loaded_worker():
    assert place([5, 100, 30, 40], ["a", "b"]) == ["b", "a", "b", "b"]
    assert place([1, 1, 1], ["a", "b", "c"]) == ["a", "b", "c"]


def test_a_worker_killed_mid_run_stops_the_run_with_one_clear_error(scenario):
    """The worker process holding China is killed (SIGKILL) after day 5: the run raises CountryLost naming China
    and the day, and returns no results."""
    with executor(2) as killable:
        world = World(scenario, AGENTS, SEED, killable)

        def kill_on_day_five(done, _):
            if done == 5:
                china = next(run for run in world.runs if run.name == "china")
                pid = killable.run(os.getpid, workers=[china.worker])[china.worker]
                os.kill(pid, signal.SIGKILL)

        with pytest.raises(CountryLost, match=r"china: the Dask worker .* died or cannot be reached on day \d+"):
            world.run(kill_on_day_five)


def cli(args: list[str]):
    return CliRunner().invoke(app, args)


def test_run_spreads_a_many_country_scenario_over_workers(tmp_path):
    result = cli(["run", "central-asia-2020", "--agents", "20000", "--days", "20", "--workers", "2", "--quiet",
                  "--out", str(tmp_path / "spread")])
    assert result.exit_code == 0, result.output
    alone = Sim(load("central-asia-2020"), agents=20_000, days=20, replicates=None).run().save(tmp_path / "alone")
    for name in ("timeseries.parquet", "countries.parquet"):
        assert (tmp_path / "spread" / name).read_bytes() == (alone / name).read_bytes()


@pytest.mark.parametrize("args, message", [
    (["central-asia-2020", "--workers", "0"], "--workers: must be at least 1, got 0"),
    (["central-asia-2020", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"],
     "--workers and --scheduler: give one or the other"),
    (["china-2018", "--workers", "2"], "--workers: china-2018 is a one-country scenario"),
    (["central-asia-2020", "--scheduler", "nonsense"], "--scheduler nonsense: not a scheduler address"),
    (["central-asia-2020", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler tcp://127.0.0.1:1: no Dask scheduler"),
])
def test_bad_spread_options_get_one_line_and_exit_2(args, message, tmp_path):
    result = cli(["run", *args, "--days", "2", "--agents", "6000", "--quiet", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stderr.strip().startswith("error: " + message) and "\n" not in result.stderr.strip(), result.stderr
    assert not (tmp_path / "out").exists()


def test_a_worker_too_small_for_its_countries_is_refused_before_the_run(scenario):
    workers = {"tcp://a:1": 2**20, "tcp://b:1": 0}
    from scslab.capacity import check_run

    with pytest.raises(ValueError, match=r"on the Dask worker tcp://a:1, more than its memory limit of 0.0 GiB"):
        check_run(scenario, 1_000_000, 0, workers)
    with pytest.raises(CountryLost, match="has no workers"):
        from scslab.remote import start_countries

        start_countries(type("NoWorkers", (), {"scheduler_info": lambda self: {"workers": {}}})(), [], [], [], [])
