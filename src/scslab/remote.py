"""Countries on Dask workers: one many-country run spread over a cluster.

Each country's run (``engine.CountryRun``) lives in a Dask actor on one worker, so a worker's memory is what
its countries need. The world (``world.World``) stays in the calling process and talks to each country
through :class:`RemoteCountry`, the same ``mechanisms.base.CountryView`` a country run in this process gives:

- everything fixed for the whole run (the people's strata and weights, who is aged 15+ as one bit an agent,
  the detection channels, the days the rulebook scores) is fetched once and answered here, and who is
  abroad is known here (only the borders send people abroad), so who may travel is answered here too;
- calls that change a country and answer nothing (``set_abroad``, ``frighten``, ``count``) wait in a queue
  and travel, in order, with the next call that needs an answer, so a day costs a few messages per country;
- every country steps its day at once (:func:`step_all`), and answers the trust index's census at once
  (:func:`census_all`): the countries of different workers run in parallel, each on the threads its worker
  has (Numba's thread count is set to the worker's ``nthreads``).

Every random draw a country makes comes from its own streams, and the world makes its calls in the same
order whatever the placement, so a run is byte-identical in one process and on any number of workers.
A worker that dies takes its countries with it: the run stops with :class:`CountryLost`, naming the
country and the day, and nothing is written.
"""

from __future__ import annotations

import dataclasses

import numba
import numpy as np

from .engine import CountryRun
from .population import CHILD
from .scenario.schema import Scenario


class CountryLost(RuntimeError):
    """The Dask worker holding a country's run died, or could not be reached."""


class CountryActor(CountryRun):
    """A country's run as a Dask actor: a few extra methods that answer in one message what the world asks."""

    def __init__(self, scenario: Scenario, agents: int, seed: int, threads: int):
        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
        super().__init__(scenario, agents, seed)

    def adult_bits(self) -> np.ndarray:
        """Who is aged 15+, one bit an agent (``np.packbits``)."""
        return np.packbits(self.people.age != CHILD)

    def shape(self):
        """The people without their per-agent columns: what weighing agents needs (``People.people_in``)."""
        return dataclasses.replace(self.people, age=None, household=None)

    def scoring_days(self) -> np.ndarray:
        """Whether the rulebook scores records, day by day."""
        return np.array([self.scoring_on(day) for day in range(self.days)], np.bool_)

    def batch(self, calls: list[tuple[str, tuple]]):
        """Run ``calls`` (method name, arguments) in order; the last one's answer."""
        answer = None
        for name, args in calls:
            answer = getattr(self, name)(*args)
        return answer

    def step_and_look(self, calls, day, inbound, enforcement):
        """The queued ``calls``, then the day; its events abroad and the counters after it (``seen``)."""
        self.batch(calls)
        abroad = self.step(day, inbound, enforcement)
        return abroad, self.seen().copy()

    def timings(self) -> dict[str, float]:
        return self.seconds


def place(agents: list[int], workers: list[str]) -> list[str]:
    """Each country's worker: the largest country first, each onto the worker holding the fewest agents so far
    (ties: the first worker)."""
    load = dict.fromkeys(workers, 0)
    placed = [""] * len(agents)
    for c in sorted(range(len(agents)), key=lambda c: (-agents[c], c)):
        worker = min(workers, key=lambda w: load[w])
        placed[c] = worker
        load[worker] += agents[c]
    return placed


def start_countries(client, names: list[str], countries: list[Scenario], agents: list[int], seeds: list[int],
                    placement: list[str] | None = None) -> list[RemoteCountry]:
    """Build every country's run on its worker (all at once), and their proxies here."""
    info = client.scheduler_info()["workers"]
    workers = sorted(info)
    if not workers:
        raise CountryLost("the Dask cluster has no workers")
    placement = place(agents, workers) if placement is None else list(placement)
    futures = [client.submit(CountryActor, c, n, seed, info[w].get("nthreads", 1), actor=True, workers=[w],
                             allow_other_workers=False, pure=False)
               for c, n, seed, w in zip(countries, agents, seeds, placement)]
    runs = []
    for name, scenario, future, worker in zip(names, countries, futures, placement):
        try:
            actor = future.result()
        except Exception as error:
            raise CountryLost(f"{name}: its run could not start on the Dask worker {worker} ({_reason(error)})"
                              ) from None
        runs.append(RemoteCountry(name, scenario, future, actor, worker))
    return runs


def step_all(runs: list, day: int, inbound: list, enforcement: np.ndarray) -> list:
    """Every country's ``day``, the remote ones all at once; each country's events abroad."""
    if not runs or not isinstance(runs[0], RemoteCountry):
        return [run.step(day, inbound[c], float(enforcement[c])) for c, run in enumerate(runs)]
    pending = [run.start_step(day, inbound[c], float(enforcement[c])) for c, run in enumerate(runs)]
    return [run.finish_step(answer, day) for run, answer in zip(runs, pending)]


def census_all(runs: list, day: int) -> list:
    """Every country's ``census(day)``, the remote ones all at once."""
    if not runs or not isinstance(runs[0], RemoteCountry):
        return [run.census(day) for run in runs]
    pending = [run.send("census", day) for run in runs]
    return [run.receive(answer) for run, answer in zip(runs, pending)]


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


class RemoteCountry:
    """A country's run held by an actor on a Dask worker, seen as ``mechanisms.base.CountryView``."""

    def __init__(self, name: str, scenario: Scenario, future, actor, worker: str):
        self.name, self.scenario, self.worker = name, scenario, worker
        self._future, self._actor = future, actor  # the future keeps the actor alive
        self._queue: list[tuple[str, tuple]] = []
        self._seen = None
        self._day = -1
        self.people = self._ask("shape")
        self.days = scenario.days
        self._scoring = self._ask("scoring_days")
        self._channels = self._ask("channels")
        self._adult = self._ask("adult_bits")
        self._abroad = np.empty(0, np.int64)  # sorted

    # -- messages ---------------------------------------------------------------------------------------------

    def _lost(self, error: BaseException) -> CountryLost:
        when = "before the first day" if self._day < 0 else f"on day {self._day}"
        return CountryLost(f"{self.name}: the Dask worker {self.worker} holding its run died or cannot be reached "
                           f"{when} ({_reason(error)}); the run is abandoned and nothing was written")

    def _ask(self, name: str, *args):
        """Send the queued calls and ``name(*args)``; its answer."""
        return self.receive(self.send(name, *args))

    def send(self, name: str, *args):
        """Send the queued calls and ``name(*args)``; the answer to come (see :meth:`receive`)."""
        calls, self._queue = self._queue + [(name, args)], []
        try:
            return self._actor.batch(calls)
        except (OSError, ValueError) as error:
            raise self._lost(error) from None

    def receive(self, pending):
        try:
            return pending.result()
        except (OSError, ValueError) as error:
            raise self._lost(error) from None

    def _tell(self, name: str, *args) -> None:
        """Queue a call that answers nothing; it travels with the next question."""
        self._queue.append((name, args))
        self._seen = None

    def start_step(self, day: int, inbound, enforcement: float):
        self._day = day
        calls, self._queue = self._queue, []
        try:
            return self._actor.step_and_look(calls, day, inbound, enforcement)
        except (OSError, ValueError) as error:
            raise self._lost(error) from None

    def finish_step(self, pending, day: int):
        try:
            abroad, self._seen = pending.result()
        except (OSError, ValueError) as error:
            raise self._lost(error) from None
        return abroad

    # -- CountryView ----------------------------------------------------------------------------------------------

    def scoring_on(self, day: int) -> bool:
        return bool(self._scoring[day])

    def channels(self):
        return self._channels

    def can_travel(self, agents: np.ndarray) -> np.ndarray:
        agents = np.asarray(agents, np.int64)
        adult = (self._adult[agents >> 3] >> (7 - (agents & 7)).astype(np.uint8)) & 1
        return (adult == 1) & ~np.isin(agents, self._abroad)

    def set_abroad(self, agents: np.ndarray, abroad: bool) -> None:
        if len(agents):
            agents = np.asarray(agents, np.int64)
            self._abroad = np.union1d(self._abroad, agents) if abroad else np.setdiff1d(self._abroad, agents)
            self._tell("set_abroad", agents, abroad)

    def household_at_home(self, agent: int) -> np.ndarray:
        return self._ask("household_at_home", agent)

    def frighten(self, day: int, agents: np.ndarray, step: float) -> None:
        if len(agents) and step > 0.0:
            self._tell("frighten", day, agents, step)

    def count(self, agents: np.ndarray, name: str, amount: int = 1) -> None:
        if len(agents):
            self._tell("count", agents, name, amount)

    def customers(self, agents: np.ndarray, day: int):
        return self._ask("customers", agents, day)

    # -- what the world reads -----------------------------------------------------------------------------------------

    def seen(self) -> np.ndarray:
        if self._seen is None:
            self._seen = self._ask("seen")
        return self._seen

    def census(self, day: int | None = None):
        return self._ask("census", day)

    def weighed_history(self):
        return self._ask("weighed_history")

    def strata(self):
        return self._ask("strata")

    def score_distribution(self):
        return self._ask("score_distribution")

    def recovery_times(self):
        return self._ask("recovery_times")

    def firm_transactions(self):
        return self._ask("firm_transactions")

    @property
    def seconds(self) -> dict[str, float]:
        return self._ask("timings")

    def close(self) -> None:
        """Let the worker drop the country's run."""
        self._actor = None
        self._future.release()
