"""A cache of synthesized populations: made once for a scenario's population, a size and a seed, then loaded.

With ``SCSLAB_POPULATION_CACHE=DIR`` set (``scslab run --population-cache DIR`` sets it), a country's people
(``population.people_of``) are looked for in ``DIR/<key>/``, the key being a hash of everything synthesis reads:
the population section, the pilot areas' urban shares, the groups' floor, the agents, the seed and
``FORMAT``. A population found there is loaded only if the inputs written beside it are the same as this run's
(a check against a stale or tampered entry); otherwise it is made and saved. Saving goes through a temporary
directory and a rename, so an interrupted save leaves no entry that looks complete.

The per-agent columns are NumPy ``.npy`` files, loaded memory-mapped copy-on-write: a run reads them from the
page cache without copying, and whatever it writes stays private to it. NumPy's own format was chosen over Arrow
or Zarr because the columns are flat arrays of one small dtype that NumPy maps directly, with no dependency.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path

import numpy as np

from .files import Kind, atomic_directory
from .population import People, people_of

VARIABLE = "SCSLAB_POPULATION_CACHE"
FORMAT = 2
"""The version of the cache's layout and of synthesis; raise it when either changes."""
INPUTS = "inputs.json"
COLUMNS = ("age", "household")


def synthesis_inputs(scenario, agents: int, seed: int) -> dict:
    """What synthesizing ``agents`` agents of ``scenario``'s population with ``seed`` reads (JSON-like, laid out as
    the scenario's fields are, so that a path into it names a field)."""
    return {"format": FORMAT, "population": scenario.population.model_dump(mode="json"),
            "pilots": [{"urban_share": p.urban_share} for p in scenario.pilots],
            "sampling": {"min_agents_per_group": scenario.sampling.min_agents_per_group},
            "agents": agents, "seed": seed}


def key(inputs: dict) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:32]


def _kind() -> Kind:
    files = frozenset({INPUTS, "people.npz", *(f"{c}.npy" for c in COLUMNS)})
    return Kind("cached population", frozenset({INPUTS}), files)


def people_for(scenario, agents: int, seed: int, columns: tuple[np.ndarray, np.ndarray] | None = None) -> People:
    """The scenario's people: from the cache named by ``SCSLAB_POPULATION_CACHE`` where it holds them, else made
    (and saved there, when it is set). With ``columns`` (age, household), the people's columns are those arrays,
    made or copied into them."""
    directory = os.environ.get(VARIABLE)
    if not directory:
        return people_of(scenario, agents, seed, columns)
    inputs = synthesis_inputs(scenario, agents, seed)
    entry = Path(directory) / key(inputs)
    if (entry / INPUTS).is_file() and json.loads((entry / INPUTS).read_text()) == inputs:
        people = load(entry)
        if columns is None:
            return people
        for column, into in zip(COLUMNS, columns):
            into[:] = getattr(people, column)
        return dataclasses.replace(people, **dict(zip(COLUMNS, columns)))
    people = people_of(scenario, agents, seed, columns)
    save(people, entry, inputs)
    return people


def save(people: People, entry: Path, inputs: dict) -> None:
    """Write ``people`` to the cache entry ``entry`` (replacing a stale one)."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    with atomic_directory(entry, _kind(), overwrite=True) as tmp:
        fixed = {f.name: getattr(people, f.name) for f in dataclasses.fields(people) if f.name not in COLUMNS}
        np.savez(tmp / "people.npz", **fixed)
        for column in COLUMNS:
            np.save(tmp / f"{column}.npy", getattr(people, column))
        (tmp / INPUTS).write_text(json.dumps(inputs, sort_keys=True))


def load(entry: Path) -> People:
    """The people saved in ``entry``, their columns mapped copy-on-write."""
    with np.load(entry / "people.npz") as saved:
        fixed = {name: saved[name] for name in saved.files}
    fixed["agents"], fixed["scale"], fixed["seed"] = int(fixed["agents"]), float(fixed["scale"]), int(fixed["seed"])
    columns = {c: np.asarray(np.load(entry / f"{c}.npy", mmap_mode="c")) for c in COLUMNS}
    return People(**fixed, **columns)
