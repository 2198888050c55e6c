"""``Sim``: the entry point of one simulation, one country (``engine``) or many (``world``)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from .capacity import check_run
from .checkpoint import Checkpoint
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
        scenario = with_period(scenario, days, until)
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
        self.start: Checkpoint | None = None
        """The saved state the run continues from (``from_state``)."""

    @classmethod
    def from_state(cls, state: Checkpoint | str | Path, scenario: Scenario | str | Path | None = None,
                   overrides: list[str] = ()) -> Sim:
        """A run that continues from a saved state (a directory from ``run(save_state=...)``, or a
        :class:`~scslab.checkpoint.Checkpoint`): of the saved scenario with ``PATH=VALUE`` ``overrides``, or of
        ``scenario``, whose changed parameters then act from the state's date. Raises
        :class:`~scslab.checkpoint.StateError` if the state cannot be read or continued by this scenario."""
        checkpoint = state if isinstance(state, Checkpoint) else Checkpoint.load(state)
        if scenario is None:
            scenario = checkpoint.scenario(list(overrides))
        elif not isinstance(scenario, Scenario):
            scenario = load(str(scenario), list(overrides))
        checkpoint.check(scenario)
        sim = cls(scenario, agents=checkpoint.agents, seed=checkpoint.seed)
        sim.start = checkpoint
        return sim

    def history(self, date, progress: Callable[[int, int], None] | None = None) -> Checkpoint:
        """Run the days before ``date`` (a date or its ISO text) and return the state as it begins, to branch
        runs from (``from_state``)."""
        self._one_country("a saved state")
        day = self.day_of(date)
        country = self._country(self.seed)
        self._advance(country, day, progress)
        return Checkpoint.capture(country, day)

    def check_save(self, date) -> int:
        """The day whose state ``run(save_state=(date, ...))`` saves; ValueError if it cannot."""
        self._one_country("a saved state")
        if self.replicates != 1:
            raise ValueError(f"a saved state is one seed's run; run 1 replicate, not {self.replicates}")
        return self.day_of(date)

    def day_of(self, date) -> int:
        """The day index of ``date`` (a date or its ISO text) within the run's period, after its first day."""
        date = dt.date.fromisoformat(date) if isinstance(date, str) else date
        sc = self.scenario
        first = sc.start_date if self.start is None else self.start.date
        if not first < date <= sc.end_date:
            raise ValueError(f"{date} is not after the run's start ({first}) and within it (to {sc.end_date})")
        return (date - sc.start_date).days

    def _one_country(self, what: str) -> None:
        if getattr(self.scenario, "countries", None):
            raise ValueError(f"{self.scenario.name} is a many-country scenario; {what} is for one-country scenarios "
                             "so far")

    @staticmethod
    def plan() -> tuple[str, ...]:
        """The phases of one simulated day and their mechanisms, in order (from ``mechanisms.PHASES``)."""
        return engine.plan()

    def run(self, progress: Callable[[int, int], None] | None = None,
            save_state: tuple[dt.date | str, str | Path] | None = None) -> Results:
        """Run every day (of every replicate); ``progress(done, total)`` is called after each day.

        ``save_state=(DATE, DIRECTORY)`` also saves the run's state as DATE begins into DIRECTORY, new or empty
        (one replicate only; continue it with :meth:`from_state`). The seconds spent in each phase of the day
        (see :meth:`plan`) are in ``results.summary["phase_seconds"]`` (``scslab run --profile`` prints them)."""
        runs = self.runs(progress, save_state)
        return pool(runs) if len(runs) > 1 else runs[0]

    def runs(self, progress: Callable[[int, int], None] | None = None,
             save_state: tuple[dt.date | str, str | Path] | None = None) -> list[Results]:
        """Every replicate's own results, seed by seed (``run`` pools them); ``progress`` and ``save_state`` as
        for ``run``."""
        if save_state is not None:
            save_state = (self.check_save(save_state[0]), Path(save_state[1]))
        days = self.scenario.days - self.start.day if self.start is not None else self.scenario.days
        runs = []
        for r in range(self.replicates):
            tick = None if progress is None else (lambda done, _, r=r: progress(r * days + done, self.replicates * days))
            runs.append(self._run(self.seed + r, tick, save_state))
        return runs

    def _country(self, seed: int) -> CountryRun:
        """A one-country run of the scenario, given the saved state it starts from, if any."""
        country = CountryRun(self.scenario, self.agents, seed)
        if self.start is not None:
            self.start.restore(country)
        return country

    def _advance(self, country: CountryRun, until: int, progress, save_state=None) -> None:
        """Step ``country`` from where it stands (its saved state's day, or the start) to day ``until``."""
        first = self.start.day if self.start is not None else 0
        for day in range(first, until):
            if save_state is not None and day == save_state[0]:
                Checkpoint.capture(country, day).save(save_state[1])
            country.step(day)
            if progress is not None:
                progress(day + 1 - first, until - first)

    def _run(self, seed: int, progress, save_state=None) -> Results:
        if getattr(self.scenario, "countries", None):
            return World(self.scenario, self.agents, seed, self.client).run(progress)
        started = time.perf_counter()
        country = self._country(seed)
        self._advance(country, country.days, progress, save_state)
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


def with_period(scenario: Scenario, days: int | None = None, until=None) -> Scenario:
    """``scenario`` shortened or extended to ``days`` days, or to the date ``until`` (a date or its ISO text)."""
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
    return scenario


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
