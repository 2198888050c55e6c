"""``Sim``: the entry point of one simulation, one country (``engine``) or many (``world``)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from .capacity import check_run
from . import engine
from .engine import CountryRun
from .results import Results, pool
from .scenario.loading import load
from .scenario.schema import Scenario
from .units import AGENT_LIMIT
from .world import World


class Sim:
    """One simulation: ``Sim(scenario, agents=..., seed=...).run()`` returns :class:`Results`.

    ``scenario`` is a :class:`Scenario`, a built-in name or a TOML path;
    ``days`` or ``until`` (a date, or its ISO text) shorten or extend the scenario's period;
    ``replicates`` runs seeds ``seed .. seed + replicates - 1`` and gives every figure's interval over them
    (``results.pool``); None runs ``default_replicates`` (as ``scslab run`` does);
    ``client``, a Dask client, puts each country of a many-country run on a worker of its cluster
    (``remote``; the results are the same bytes as in one process).
    """

    def __init__(self, scenario: Scenario | str | Path, agents: int | None = None, seed: int = 0,
                 days: int | None = None, until=None, replicates: int | None = 1, client=None):
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
        if replicates is None:
            replicates = default_replicates(scenario, agents)
        if not 1 <= replicates <= MAX_REPLICATES:
            raise ValueError(f"replicates must be within 1..{MAX_REPLICATES}, got {replicates}")
        workers = None
        if client is not None:
            workers = {address: int(w.get("memory_limit") or 0)
                       for address, w in client.scheduler_info()["workers"].items()}
        check_run(scenario, agents, int(seed), workers)
        self.scenario = scenario
        self.agents = agents
        self.seed = int(seed)
        self.replicates = replicates
        self.client = client

    @staticmethod
    def plan() -> tuple[str, ...]:
        """The phases of one simulated day and their mechanisms, in order (from ``mechanisms.PHASES``)."""
        return engine.plan()

    def run(self, progress: Callable[[int, int], None] | None = None) -> Results:
        """Run every day (of every replicate); ``progress(done, total)`` is called after each day.

        The seconds spent in each phase of the day (see :meth:`plan`) are in
        ``results.summary["phase_seconds"]`` (``scslab run --profile`` prints them)."""
        runs = self.runs(progress)
        return pool(runs) if len(runs) > 1 else runs[0]

    def runs(self, progress: Callable[[int, int], None] | None = None) -> list[Results]:
        """Every replicate's own results, seed by seed (``run`` pools them); ``progress`` as for ``run``."""
        days = self.scenario.days
        runs = []
        for r in range(self.replicates):
            tick = None if progress is None else (lambda done, _, r=r: progress(r * days + done, self.replicates * days))
            runs.append(self._run(self.seed + r, tick))
        return runs

    def _run(self, seed: int, progress) -> Results:
        if getattr(self.scenario, "countries", None):
            return World(self.scenario, self.agents, seed, self.client).run(progress)
        started = time.perf_counter()
        country = CountryRun(self.scenario, self.agents, seed)
        for day in range(country.days):
            country.step(day)
            if progress is not None:
                progress(day + 1, country.days)
        history, group_history = country.weighed_history()
        results = Results.from_run(
            scenario=self.scenario, seed=seed, agents=self.agents, scale=country.people.scale,
            history=history, group_history=group_history, grades=country.census()[0],
            runtime=time.perf_counter() - started, scores=country.score_distribution(),
            recoveries=country.recovery_times(), firms=country.firm_transactions(), strata=country.strata(),
            sampling=list(zip(country.people.group_agents, country.people.group_scale)),
        )
        results.summary["phase_seconds"] = {name: round(t, 4) for name, t in country.seconds.items()}
        return results


MAX_REPLICATES = 100
"""Most replicates one ``Sim`` runs (``scslab compare`` and the experiments run more, on many workers)."""
AUTO_REPLICATES = 5
AUTO_REPLICATE_AGENT_DAYS = 2_000_000_000
"""``scslab run`` runs ``AUTO_REPLICATES`` seeds when agents x days is at most this (china-2018 at its default
size, 1,000,000 agents over 1,895 days), one otherwise (then a count's interval is its Poisson interval)."""


def default_replicates(scenario: Scenario, agents: int) -> int:
    """Replicates ``scslab run`` runs when not told: ``AUTO_REPLICATES`` for a run of at most
    ``AUTO_REPLICATE_AGENT_DAYS`` agent-days, else 1."""
    return AUTO_REPLICATES if agents * scenario.days <= AUTO_REPLICATE_AGENT_DAYS else 1
