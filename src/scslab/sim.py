"""``Sim``: the entry point of one simulation, one country (``engine``) or many (``world``)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from .capacity import check_run
from . import engine
from .engine import CountryRun
from .results import Results
from .scenario.loading import load
from .scenario.schema import Scenario
from .units import AGENT_LIMIT
from .world import World


class Sim:
    """One simulation: ``Sim(scenario, agents=..., seed=...).run()`` returns :class:`Results`.

    ``scenario`` is a :class:`Scenario`, a built-in name or a TOML path;
    ``days`` or ``until`` (a date, or its ISO text) shorten or extend the scenario's period.
    """

    def __init__(self, scenario: Scenario | str | Path, agents: int | None = None, seed: int = 0,
                 days: int | None = None, until=None):
        if not isinstance(scenario, Scenario):
            scenario = load(str(scenario))
        if days is not None and until is not None:
            raise ValueError("give days or until, not both")
        if days is not None:
            if days < 1:
                raise ValueError("days must be at least 1")
            scenario = scenario.model_copy(update={"end_date": scenario.start_date + dt.timedelta(days=days - 1)})
        if until is not None:
            until = dt.date.fromisoformat(until) if isinstance(until, str) else until
            if until < scenario.start_date:
                raise ValueError(f"until ({until}) is before the scenario start ({scenario.start_date})")
            scenario = scenario.model_copy(update={"end_date": until})
        agents = scenario.default_agents if agents is None else int(agents)
        if agents < 1:
            raise ValueError("agents must be at least 1")
        if agents >= AGENT_LIMIT:
            raise ValueError("agents must be below 2,147,483,647")
        check_run(scenario, agents, int(seed))
        self.scenario = scenario
        self.agents = agents
        self.seed = int(seed)

    @staticmethod
    def plan() -> tuple[str, ...]:
        """The phases of one simulated day and their mechanisms, in order (from ``mechanisms.PHASES``)."""
        return engine.plan()

    def run(self, progress: Callable[[int, int], None] | None = None) -> Results:
        """Run every day; ``progress(done, total)`` is called after each day.

        The seconds spent in each phase of the day (see :meth:`plan`) are in
        ``results.summary["phase_seconds"]`` (``scslab run --profile`` prints them)."""
        if getattr(self.scenario, "countries", None):
            return World(self.scenario, self.agents, self.seed).run(progress)
        started = time.perf_counter()
        country = CountryRun(self.scenario, self.agents, self.seed)
        for day in range(country.days):
            country.step(day)
            if progress is not None:
                progress(day + 1, country.days)
        results = Results.from_run(
            scenario=self.scenario, seed=self.seed, agents=self.agents, scale=country.people.scale,
            history=country.history, group_history=country.group_history, grades=country.census()[0],
            runtime=time.perf_counter() - started, scores=country.score_distribution(),
            recoveries=country.recovery_times(), firms=country.firm_transactions(),
        )
        results.summary["phase_seconds"] = {name: round(t, 4) for name, t in country.seconds.items()}
        return results
