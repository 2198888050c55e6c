"""Saved states: a run continued from its state gives the same bytes as the run never stopped; a restored run holds
every value the saved one held; a parameter changed at a branch acts from its date exactly as a dated switch would;
compare --branch-at runs each seed's history once; and every way a state cannot be read or continued gives one
clear error."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from scslab.checkpoint import Checkpoint, StateError
from scslab.cli import app
from scslab.engine import CountryRun
from scslab.experiments import compare
from scslab.scenario.loading import load
from scslab.sim import Sim

AGENTS, SEED = 20_000, 4
BRANCH = "2018-06-01"  # after the misconduct lists of May 2018 start: their own state is in the saved one
SCENARIO = load("china-2018")
TIMINGS = ("runtime_seconds", "phase_seconds")


def digests(directory) -> dict:
    """Each result file's hash; summary.json without the timings, which differ from run to run."""
    out = {}
    for f in sorted(directory.iterdir()):
        data = f.read_bytes()
        if f.name == "summary.json":
            data = json.dumps({k: v for k, v in json.loads(data).items() if k not in TIMINGS}).encode()
        out[f.name] = hashlib.sha256(data).hexdigest()
    return out


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """The uninterrupted run's results, saved, and the state it saved at ``BRANCH``."""
    where = tmp_path_factory.mktemp("saved")
    results = Sim(SCENARIO, agents=AGENTS, seed=SEED).run(save_state=(BRANCH, where / "state"))
    return results.save(where / "whole"), where / "state"


def test_continuing_a_saved_state_with_nothing_changed_gives_the_same_bytes(saved, tmp_path):
    whole, state = saved
    ticks = []
    continued = Sim.from_state(state).run(progress=lambda done, total: ticks.append((done, total)))
    left = SCENARIO.days - (dt.date.fromisoformat(BRANCH) - SCENARIO.start_date).days
    assert len(ticks) == left and ticks[-1] == (left, left)  # only the days after the state are simulated
    assert digests(continued.save(tmp_path / "continued")) == digests(whole)


@pytest.mark.parametrize("name, date", [("china", "2021-01-01"), ("rongcheng", "2016-06-01"),
                                        ("no-system", "2016-01-01")])
def test_every_other_one_country_scenario_continues_to_the_same_bytes(tmp_path, name, date):
    """The pilots' rulebooks, the redlist of Rongcheng, the later years of china and a run with no system."""
    whole = Sim(name, agents=8_000, seed=2).run(save_state=(date, tmp_path / "state")).save(tmp_path / "whole")
    continued = Sim.from_state(tmp_path / "state").run().save(tmp_path / "continued")
    assert digests(continued) == digests(whole)


FIRMS = """extends = "china-2018"
name = "china-2018-firms"
[firms]
enabled = true
[firms.sectors.lending]
kind = "lending"
transactions_per_year = 0.3
premium_by_grade = { AAA = -0.01, B = 0.01 }
refuse_listed = true
"""


def test_a_run_with_firms_continues_to_the_same_bytes_and_their_tally_is_carried(tmp_path):
    (tmp_path / "firms.toml").write_text(FIRMS)
    sim = Sim(str(tmp_path / "firms.toml"), agents=8_000, seed=2)
    whole = sim.run(save_state=("2017-01-01", tmp_path / "state")).save(tmp_path / "whole")
    assert "firms.parquet" in digests(whole)
    assert Checkpoint.load(tmp_path / "state").arrays["firm_tally"].sum() > 0
    continued = Sim.from_state(tmp_path / "state").run().save(tmp_path / "continued")
    assert digests(continued) == digests(whole)


def test_the_command_line_saves_and_continues_to_the_same_bytes(tmp_path):
    runner = CliRunner()
    first = runner.invoke(app, ["run", "china-2018", "--agents", "10000", "--days", "700", "--seed", "2", "--quiet",
                                "--save-state", "2015-06-01", str(tmp_path / "state"), "--out", str(tmp_path / "a")])
    assert first.exit_code == 0, first.output
    assert sorted(p.name for p in (tmp_path / "state").iterdir()) == ["arrays.npz", "scenario.toml", "state.json"]
    second = runner.invoke(app, ["run", "--from-state", str(tmp_path / "state"), "--quiet", "--out", str(tmp_path / "b")])
    assert second.exit_code == 0, second.output
    assert f"Continued from the state saved in {tmp_path / 'state'} at 2015-06-01" in second.output
    assert digests(tmp_path / "a") == digests(tmp_path / "b")


def _values(owner, path: str, out: dict, seen: set) -> None:
    """Every array, generator state and scalar reachable from ``owner``, by path."""
    if id(owner) in seen:
        return
    seen.add(id(owner))
    if isinstance(owner, np.ndarray):
        out[path] = owner
    elif isinstance(owner, np.random.Generator):
        out[path] = owner.bit_generator.state
    elif isinstance(owner, tuple) and hasattr(owner, "_fields"):
        for name in owner._fields:
            _values(getattr(owner, name), f"{path}.{name}", out, seen)
    elif isinstance(owner, (list, tuple)):
        for i, item in enumerate(owner):
            _values(item, f"{path}[{i}]", out, seen)
    elif isinstance(owner, dict):
        for k, item in owner.items():
            _values(item, f"{path}[{k!r}]", out, seen)
    elif type(owner).__module__.startswith("scslab") and hasattr(owner, "__dict__"):
        for name, item in vars(owner).items():
            _values(item, f"{path}.{name}", out, seen)
    elif isinstance(owner, (int, float, type(None), np.generic)):
        out[path] = owner


NOT_CARRIED = ("people", "records", "piece_counters", "seconds", "pace", "scenario")
"""What a run does not carry from day to day: the people (made again from the scenario), the day's record and
piece buffers, the timings and the thread pace."""


def test_a_restored_run_holds_every_value_the_saved_run_held(tmp_path):
    """A mechanism that keeps state without naming it in ``carried`` fails here."""
    scenario = load("china-2018", ["end_date=2018-09-30", "lists.misconduct.flights.entries_per_year=0.001"])
    day = (dt.date.fromisoformat(BRANCH) - scenario.start_date).days
    run = CountryRun(scenario, AGENTS, SEED)
    for d in range(day):
        run.step(d)
    Checkpoint.capture(run, day).save(tmp_path / "state")
    restored = CountryRun(scenario, AGENTS, SEED)
    Checkpoint.load(tmp_path / "state").restore(restored)
    values = [{}, {}]
    for r, out in zip((run, restored), values):
        for name, item in vars(r).items():
            if name not in NOT_CARRIED:
                _values(item, name, out, set())
    assert run.roster.size[0] > 50 and run.calendar.size[0] > 50  # the state is not trivial
    misconduct = [m for m in run.mechanisms if m.name == "flight misconduct"][0]
    assert misconduct.size[0] > 0
    checked = 0
    for path, value in values[0].items():
        if "._beliefs[" in path:  # a cache of what the scenario gives, filled on first use
            continue
        other = values[1].get(path)
        if path in ("roster.index_agents", "roster.index_rows"):  # the same map, whatever the order of entry
            continue
        if isinstance(value, np.ndarray):
            if path.startswith(("roster.", "calendar.")) and path not in ("calendar.head", "roster.size",
                                                                          "calendar.size"):
                n = int((run.roster if path.startswith("roster") else run.calendar).size[0])
                value, other = value[:n], other[:n]  # the rest is room to grow
            elif path.endswith((".members", ".until")) and "misconduct" in path:
                n = int(misconduct.size[0])
                value, other = value[:n], other[:n]
            assert other is not None and value.dtype == other.dtype and np.array_equal(value, other), path
        else:
            assert value == other, path
        checked += 1
    assert checked > 200
    index = [{int(a): int(k) for a, k in zip(r.roster.index_agents, r.roster.index_rows) if a != -1}
             for r in (run, restored)]
    assert index[0] == index[1] and len(index[0]) == run.roster.size[0]


def test_a_parameter_changed_at_a_branch_acts_from_its_date_exactly_as_a_dated_switch():
    base = SCENARIO
    sim = Sim(base, agents=AGENTS, seed=SEED)
    state = sim.history("2017-01-01")
    branched = Sim.from_state(state, overrides=["sanctions.flights.enforcement=0.5"]).run().timeseries
    switched = base.model_copy(deep=True)  # schedules join their points by straight lines: hold 1.0 to the eve
    switched.sanctions.flights.enforcement = list(base.sanctions.flights.enforcement) + [
        (dt.date(2016, 12, 31), 1.0), (dt.date(2017, 1, 1), 0.5)]
    assert branched.equals(Sim(switched, agents=AGENTS, seed=SEED).run().timeseries)
    whole = Sim(base, agents=AGENTS, seed=SEED).run().timeseries
    day = sim.day_of("2017-01-01")
    assert branched.iloc[:day].equals(whole.iloc[:day])
    assert branched["flight_blocks_total"].iloc[-1] < whole["flight_blocks_total"].iloc[-1]


def test_compare_branch_at_runs_each_seed_s_history_once_and_branches_every_scenario_from_it():
    public = "china-2018+rulebook.mode=public"
    result = compare(["china-2018", public, "china-2018"], replicates=2, agents=AGENTS, seed=SEED,
                     labels=["secret", "public", "secret again"], outputs=["listed", "expression_rate"],
                     branch_at="2017-01-01", progress=False)
    runs = result.runs.set_index(["scenario", "replicate"])
    for r in range(2):
        state = Sim(SCENARIO, agents=AGENTS, seed=SEED + r).history("2017-01-01")
        public_run = Sim.from_state(state, overrides=["rulebook.mode=public"]).run().timeseries
        assert runs.loc[("public", r), "listed"] == public_run["listed"].iloc[-1]
        whole = Sim(SCENARIO, agents=AGENTS, seed=SEED + r).run().timeseries
        assert runs.loc[("secret", r), "listed"] == whole["listed"].iloc[-1]
    again = result.table[result.table.scenario == "secret again"]
    assert (again["difference"] == 0).all() and (again["low"] == 0).all()


def test_compare_branch_at_refuses_what_cannot_branch():
    with pytest.raises(ValueError, match="--branch-at: .*independent"):
        compare(["china-2018", "china-2018"], replicates=2, agents=5_000, branch_at="2017-01-01", paired=False,
                labels=["a", "b"], progress=False)
    with pytest.raises(ValueError, match=r"--branch-at: china-2018\+population.size=1000000: population.size differs"):
        compare(["china-2018", "china-2018+population.size=1000000"], replicates=2, agents=5_000,
                branch_at="2017-01-01", progress=False)
    with pytest.raises(ValueError, match="--branch-at: 2030-01-01 is not after the run's start"):
        compare(["china-2018", "china-2018"], replicates=2, agents=5_000, branch_at="2030-01-01", labels=["a", "b"],
                progress=False)


@pytest.fixture(scope="module")
def small_state(tmp_path_factory):
    where = tmp_path_factory.mktemp("small") / "state"
    Sim(SCENARIO, agents=5_000, seed=1, days=40).run(save_state=("2013-11-20", where))
    return where


def _edited(small_state, tmp_path, edit) -> str:
    """A copy of the small state with ``edit(meta)`` applied to its state.json."""
    copy = tmp_path / "edited"
    copy.mkdir(parents=True)
    for f in small_state.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    meta = json.loads((copy / "state.json").read_text())
    edit(meta)
    (copy / "state.json").write_text(json.dumps(meta))
    return str(copy)


def test_a_state_of_another_format_or_version_is_refused(small_state, tmp_path):
    with pytest.raises(StateError, match="a state of format 99; this scslab reads format 2"):
        Checkpoint.load(_edited(small_state, tmp_path, lambda m: m.update(format=99)))
    with pytest.raises(StateError, match="saved by scslab 0.0.1; this is scslab"):
        Checkpoint.load(_edited(small_state, tmp_path / "v", lambda m: m.update(scslab="0.0.1")))


@pytest.mark.parametrize("change, message", [
    (["population.size=1000000"], "population.size differs from the saved run's"),
    (["population.groups.1.share=0.07", "population.groups.0.share=0.9100"], "population.groups.0.share differs"),
    (["end_date=2014-01-01"], "end_date is 2014-01-01 in this scenario but 2013-12-02 in the saved run"),
    (["pilots.0.urban_share=0.5"], "pilots.0.urban_share differs"),
    (["sampling.min_agents_per_group=0"], "sampling.min_agents_per_group differs"),
])
def test_a_scenario_that_cannot_continue_the_state_is_named(small_state, change, message):
    with pytest.raises(StateError, match=message):
        Sim.from_state(small_state, overrides=change)


def test_a_state_is_refused_by_another_scenario_a_many_country_one_or_a_reshaped_run(small_state):
    with pytest.raises(StateError, match="is a many-country scenario"):
        Sim.from_state(small_state, "central-asia-2020")
    with pytest.raises(StateError, match="behaviour.certainty.displays is float64.* in the state but"):
        Sim.from_state(small_state, overrides=["response.publicity_window_days=61"]).run()


def test_unreadable_states_give_one_line(small_state, tmp_path):
    with pytest.raises(StateError, match="no such directory"):
        Checkpoint.load(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(StateError, match="not a saved state"):
        Checkpoint.load(tmp_path / "empty")
    broken = _edited(small_state, tmp_path, lambda m: None)
    (tmp_path / "edited" / "arrays.npz").write_bytes(b"not a zip")
    with pytest.raises(StateError, match="arrays.npz: unreadable"):
        Checkpoint.load(broken)
    (tmp_path / "edited" / "state.json").write_text("{")
    with pytest.raises(StateError, match="state.json: unreadable"):
        Checkpoint.load(broken)


def test_a_saved_state_asks_for_one_seed_a_date_within_the_run_and_one_country(tmp_path):
    with pytest.raises(ValueError, match="one seed's run; run 1 replicate, not 2"):
        Sim(SCENARIO, agents=5_000, days=30, replicates=2).run(save_state=("2013-11-01", tmp_path / "s"))
    with pytest.raises(ValueError, match="2013-10-24 is not after the run's start"):
        Sim(SCENARIO, agents=5_000, days=30).run(save_state=("2013-10-24", tmp_path / "s"))
    with pytest.raises(ValueError, match="is a many-country scenario"):
        Sim("central-asia-2020", agents=5_000, days=30).run(save_state=("2020-01-10", tmp_path / "s"))
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("arguments, message", [
    (["run"], "error: SCENARIO: give a scenario, or --from-state DIR"),
    (["run", "--from-state", "{state}", "--seed", "3"], "error: --seed: a run from a saved state keeps"),
    (["run", "--from-state", "{missing}"], "error: --from-state {missing}: no such directory"),
    (["run", "--from-state", "{state}", "--set", "population.size=1000000"], "population.size differs"),
    (["run", "china-2018", "--days", "30", "--save-state", "2013-13-01", "{out}"],
     "error: --save-state: '2013-13-01' is not a date of the form YYYY-MM-DD"),
    (["run", "china-2018", "--days", "30", "--save-state", "2014-01-01", "{out}"],
     "error: --save-state: 2014-01-01 is not after the run's start (2013-10-24) and within it (to 2013-11-22)"),
    (["run", "china-2018", "--days", "30", "--replicates", "3", "--save-state", "2013-11-01", "{out}"],
     "error: --save-state: a saved state is one seed's run; give --replicates 1, not 3"),
    (["run", "china-2018", "--days", "30", "--save-state", "2013-11-01", "{state}"],
     "error: --save-state {state}: holds an earlier saved state"),
    (["compare", "china-2018", "china-2018+rulebook.mode=public", "--independent", "--branch-at", "2014-01-01",
      "--days", "30"],
     "error: --branch-at: branches share each seed's history"),
])
def test_the_command_line_s_state_errors_are_one_line_and_exit_2(small_state, tmp_path, arguments, message):
    names = {"state": str(small_state), "missing": str(tmp_path / "missing"), "out": str(tmp_path / "out")}
    result = CliRunner().invoke(app, [a.format(**names) for a in arguments])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message.format(**names) in lines[0], result.output
    assert not (tmp_path / "out").exists()

