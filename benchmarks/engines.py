"""One timed run of the reference model on one engine, inside the current process.

``python -m benchmarks one`` calls these in a child process of the runner. Each
imports only its own engine, so that a child's memory is that engine's. The time
covers building the population and simulating every day; for scslab a tiny run
first compiles (or loads from Numba's cache) the kernels, so compilation is not
timed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from . import REFERENCE

ENGINES = ("scslab", "mesa")
FLOWS = ("offences", "detections", "false_detections", "list_entries")
"""Outputs counted over the run (reported per agent-year)."""
STOCKS = ("listed", "wrongly_listed")
"""Outputs counted at the end of the run (reported per agent)."""
OUTPUTS = FLOWS + STOCKS


def run(engine: str, agents: int, days: int, seed: int, overrides: Sequence[str] = ()) -> dict:
    """Run ``engine`` once; returns the run's settings, ``seconds`` and the ``outputs`` (counts of people)."""
    if engine == "scslab":
        seconds, outputs = _scslab(agents, days, seed, overrides)
    elif engine == "mesa":
        if overrides:
            raise ValueError("parameter overrides apply to the scslab engine only")
        seconds, outputs = _mesa(agents, days, seed)
    else:
        raise ValueError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    return {"engine": engine, "agents": agents, "days": days, "seed": seed, "overrides": list(overrides),
            "seconds": seconds, "agent_days_per_second": agents * days / seconds, "outputs": outputs}


def _scslab(agents: int, days: int, seed: int, overrides: Sequence[str]) -> tuple[float, dict]:
    from scslab import Sim
    from scslab.scenario.loading import load

    scenario = load(str(REFERENCE), [f"population.size={agents}", *overrides])
    Sim(scenario, agents=min(agents, 1000), seed=seed, days=2).run()  # warm-up: compile or load the kernels
    started = time.perf_counter()
    ts = Sim(scenario, agents=agents, seed=seed, days=days).run().timeseries
    seconds = time.perf_counter() - started
    end = ts.iloc[-1]
    return seconds, {
        "offences": int(ts["offences"].sum()),
        "detections": int(ts["detections"].sum()),
        "false_detections": int(ts["false_detections"].sum()),
        "list_entries": int(end["grade_listed_total"]),
        "listed": int(end["grade_listed"]),
        "wrongly_listed": int(end["wrongly_listed"]),
    }


def _mesa(agents: int, days: int, seed: int) -> tuple[float, dict]:
    from .mesa_model import ReferenceModel

    started = time.perf_counter()
    model = ReferenceModel(agents, seed=seed)
    for _ in range(days):
        model.step()
    seconds = time.perf_counter() - started
    return seconds, {
        "offences": model.offences,
        "detections": model.detections,
        "false_detections": model.false_detections,
        "list_entries": model.list_entries,
        "listed": model.listed,
        "wrongly_listed": model.wrongly_listed,
    }
