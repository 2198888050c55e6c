"""The shape every mechanism has (see ``docs/architecture.md``, "Adding a mechanism").

A mechanism is one module. It declares its outputs with ``outputs.declare`` at module
level, and a class that

- names its scenario section (``section``) and its random stream (``name``: one
  stream per decision, keyed by (seed, name) and, in parallel kernels, day and piece);
- compiles what it needs from the scenario and the people in ``__init__``;
- gives each day's parameters as a named record (``today``);
- names its kernel (``step``) and the phase of the day the engine runs it in.

Kernels of the serial phases take ``(ctx, rng, today)``: the shared state
(``lists.Context``), the mechanism's NumPy generator and its record for the day.
Kernels of the parallel credit phase take ``(seed, today, counts, persons, agents,
piece_counters)`` and draw per piece from ``streams.stream(seed, key, day, piece)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..population import People
from ..scenario.schema import Scenario
from ..streams import key
from ..units import DAYS_PER_YEAR
from .schedules import schedule_values


class Mechanism:
    """One mechanism: compiled from a scenario and its people, then asked for each day's record."""

    name: str = ""
    """The decision it makes; its random stream is keyed by this name."""
    section: str = ""
    """The scenario section it reads (dotted), for the plan and the documentation."""
    does: str = ""
    """What it does, in one line, for ``Sim.plan()``."""
    step = None
    """Its kernel (a Numba function)."""
    writes: tuple[str, ...] = ()
    """The per-agent state it changes: columns of ``state.Agents``, flag bits, roster columns."""
    carried: tuple[str, ...] = ()
    """Its attributes (dotted paths into them) that carry the run from one day to the next, which a saved state
    keeps (``checkpoint``); everything else it has is made from the scenario."""
    resizable: tuple[str, ...] = ()
    """Those of ``carried`` that are buffers it grows (a saved copy may be any length)."""
    listed_only: bool = False
    """It acts only on the listed and today's calendar, and draws nothing when nobody is listed: a serial
    phase of such mechanisms is skipped on a day with nobody listed and nothing on the calendar."""

    def __init__(self, scenario: Scenario, people: People):
        self.scenario = scenario
        self.people = people

    @property
    def stream(self) -> int:
        """Its stream key."""
        return key(self.name)

    def schedule(self, value) -> np.ndarray:
        """A scenario value (a constant or a dated schedule) on each simulated day."""
        return schedule_values(value, self.scenario.start_date, self.scenario.days)

    def per_piece(self, per_person_year: float) -> np.ndarray:
        """Expected decisions per piece in a day, at ``per_person_year`` for every agent."""
        people = self.people
        sizes = np.diff(people.stratum_start).astype(float)
        share = np.diff(people.piece_start) / sizes[people.piece_stratum]
        return (sizes * per_person_year / DAYS_PER_YEAR)[people.piece_stratum] * share

    def today(self, day: int):
        """The day's parameters, a named record of scalars and arrays."""
        raise NotImplementedError

    def means(self, day: int):
        """Expected decisions per piece today (parallel mechanisms), drawn by the engine."""
        raise NotImplementedError


PARALLEL, SERIAL = "parallel", "serial"


@dataclass(frozen=True)
class Phase:
    """A step of the day: its mechanisms, run in order, in parallel over pieces or serially.

    The engine runs the ``events``, ``lists`` and ``firms`` phases by hand (their kernels
    share the day's record buffers); every mechanism of the other phases is run by its
    kind alone, so adding one to those phases is adding it to their tuple.
    """

    name: str
    kind: str
    mechanisms: tuple[type[Mechanism], ...]
    does: str


class CountryView(Protocol):
    """What the many-country mechanisms (``borders``, ``market``, ``reprisal``) see of one country's run."""

    scenario: Scenario
    people: People

    def scoring_on(self, day: int) -> bool:
        """Whether the country's rulebook scores records today."""

    def channels(self):
        """The country's detection channels (``detection.Detection``)."""

    def can_travel(self, agents: np.ndarray) -> np.ndarray:
        """Which of ``agents`` could leave today: aged 15+ and at home."""

    def set_abroad(self, agents: np.ndarray, abroad: bool) -> None:
        """Mark ``agents`` as abroad, or back home."""

    def household_at_home(self, agent: int) -> np.ndarray:
        """The other members aged 15+ of ``agent``'s household who are at home today."""

    def frighten(self, day: int, agents: np.ndarray, step: float) -> None:
        """Raise each of ``agents``' perceived certainty a step ``step`` of the way to certainty."""

    def count(self, agents: np.ndarray, name: str, amount: int = 1) -> None:
        """Add ``amount`` to the counter ``name`` for each of ``agents``, nationally and by their groups."""

    def customers(self, agents: np.ndarray, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nationals as firms abroad see them: grade index, list status (0 not listed, 1 listed,
        2 wrongly listed) and group."""
