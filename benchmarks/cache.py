"""The population cache against synthesis: ``population_cache.people_for`` with an empty cache, then again (a load),
then a first read of two mapped columns, then plain synthesis, all in this process after the kernels are loaded."""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np


def run_cache(scenario_name: str, agents: int, seed: int) -> dict:
    from scslab import population_cache
    from scslab.population import people_of
    from scslab.scenario.loading import load

    scenario = load(scenario_name)
    people_of(scenario, 10_000, seed)  # loads the kernels
    before = os.environ.get(population_cache.VARIABLE)
    try:
        with tempfile.TemporaryDirectory(prefix="scslab-cache-") as directory:
            os.environ[population_cache.VARIABLE] = directory
            figures = {"scenario": scenario_name, "agents": agents, "seed": seed}
            clock = time.perf_counter()
            population_cache.people_for(scenario, agents, seed)
            figures["made_and_saved_seconds"] = time.perf_counter() - clock
            clock = time.perf_counter()
            loaded = population_cache.people_for(scenario, agents, seed)
            figures["loaded_seconds"] = time.perf_counter() - clock
            clock = time.perf_counter()
            int(loaded.age.sum(dtype=np.int64)) + int(loaded.household.sum(dtype=np.int64))
            figures["first_read_seconds"] = time.perf_counter() - clock
    finally:
        if before is None:
            os.environ.pop(population_cache.VARIABLE, None)
        else:
            os.environ[population_cache.VARIABLE] = before
    clock = time.perf_counter()
    people_of(scenario, agents, seed)
    figures["synthesis_seconds"] = time.perf_counter() - clock
    return figures
