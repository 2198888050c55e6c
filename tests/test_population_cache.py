"""The population cache: a population made once and loaded after, with the same results byte for byte; an entry
that does not match its inputs is made again; an interrupted save leaves nothing that looks complete."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from scslab import population_cache
from scslab.cli import app
from scslab.population import people_of
from scslab.scenario.loading import load
from scslab.sim import Sim

SCENARIO = load("china-2018")


def digests(directory) -> dict:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(directory.iterdir())
            if f.name != "summary.json"}


def test_a_cached_population_is_the_one_made_and_a_run_on_it_gives_the_same_bytes(tmp_path, monkeypatch):
    plain = Sim(SCENARIO, agents=30_000, seed=3, days=60).run()
    monkeypatch.setenv(population_cache.VARIABLE, str(tmp_path / "cache"))
    first = Sim(SCENARIO, agents=30_000, seed=3, days=60).run()  # makes and saves the entry
    entries = list((tmp_path / "cache").iterdir())
    assert len(entries) == 1 and (entries[0] / population_cache.INPUTS).is_file()
    loaded = population_cache.load(entries[0])
    made = people_of(SCENARIO, 30_000, 3)
    for field in ("age", "household", "stratum_start", "group_scale", "piece_adults"):
        np.testing.assert_array_equal(getattr(loaded, field), getattr(made, field))
    assert (loaded.agents, loaded.scale, loaded.seed) == (made.agents, made.scale, made.seed)
    again = Sim(SCENARIO, agents=30_000, seed=3, days=60).run()  # loads it
    assert len(list((tmp_path / "cache").iterdir())) == 1
    paths = [r.save(tmp_path / name) for r, name in ((plain, "plain"), (first, "first"), (again, "again"))]
    assert digests(paths[0]) == digests(paths[1]) == digests(paths[2])


@pytest.mark.parametrize("cached", [False, True])
def test_a_runs_people_are_made_or_loaded_into_its_records(tmp_path, monkeypatch, cached):
    """A run's people live in its records (``state.new_agents``: synthesis writes them there, so that no second
    copy of the columns adds to the peak of a full-scale run; a population from the cache is copied there), and
    are the people synthesis makes on its own."""
    from scslab.engine import CountryRun
    if cached:
        monkeypatch.setenv(population_cache.VARIABLE, str(tmp_path / "cache"))
        CountryRun(SCENARIO, 20_000, seed=3)  # makes the entry
    run = CountryRun(SCENARIO, 20_000, seed=3)
    records = run.agents.score.base
    assert run.people.age.base is records and run.people.household.base is records
    made = people_of(SCENARIO, 20_000, 3)
    np.testing.assert_array_equal(run.people.age, made.age)
    np.testing.assert_array_equal(run.people.household, made.household)


def test_another_seed_size_or_population_gets_its_own_entry_and_a_stale_one_is_made_again(tmp_path, monkeypatch):
    monkeypatch.setenv(population_cache.VARIABLE, str(tmp_path))
    population_cache.people_for(SCENARIO, 5_000, 1)
    population_cache.people_for(SCENARIO, 5_000, 2)
    population_cache.people_for(SCENARIO, 6_000, 1)
    urban = SCENARIO.model_copy(update={"population": SCENARIO.population.model_copy(update={"urban_share": 0.5})})
    population_cache.people_for(urban, 5_000, 1)
    entries = sorted(tmp_path.iterdir())
    assert len(entries) == 4
    # an entry whose inputs say otherwise (edited, or from another synthesis) is not trusted: it is made again
    entry = tmp_path / population_cache.key(population_cache.synthesis_inputs(SCENARIO, 5_000, 1))
    inputs = json.loads((entry / population_cache.INPUTS).read_text())
    (entry / population_cache.INPUTS).write_text(json.dumps(inputs | {"seed": 99}))
    np.save(entry / "age.npy", np.zeros(5_000, np.uint8))
    people = population_cache.people_for(SCENARIO, 5_000, 1)
    np.testing.assert_array_equal(people.age, people_of(SCENARIO, 5_000, 1).age)
    assert json.loads((entry / population_cache.INPUTS).read_text()) == inputs


def test_an_interrupted_save_leaves_no_entry(tmp_path, monkeypatch):
    monkeypatch.setenv(population_cache.VARIABLE, str(tmp_path))

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "save", broken)
    with pytest.raises(KeyboardInterrupt):
        population_cache.people_for(SCENARIO, 5_000, 1)
    assert list(tmp_path.iterdir()) == []


def test_run_takes_a_cache_directory_and_refuses_a_file(tmp_path, monkeypatch):
    monkeypatch.delenv(population_cache.VARIABLE, raising=False)
    runner = CliRunner()
    args = ["run", "china-2018", "--agents", "3000", "--days", "5", "--quiet", "--replicates", "1"]
    result = runner.invoke(app, args + ["--out", str(tmp_path / "run"), "--population-cache", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "c").iterdir())) == 1
    (tmp_path / "file").write_text("")
    result = runner.invoke(app, args + ["--out", str(tmp_path / "run2"), "--population-cache", str(tmp_path / "file")])
    assert result.exit_code == 2 and "--population-cache" in result.output and "not a directory" in result.output
