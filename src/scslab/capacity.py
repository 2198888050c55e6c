"""What a run needs before it starts: a seed in range, agents for every country, memory the machine has."""

from __future__ import annotations

import psutil

from .scenario.schema import Scenario

MAX_SEED = 2**63 - 1
"""Largest seed (seeds are 64-bit signed integers in the kernels)."""
BYTES_PER_AGENT = 14
"""Peak memory per agent: at 1.41 billion agents, china-2018 peaked at 16.03 GiB (12.2 bytes an agent, one
11-byte record each) and the benchmarks' reference model at 18.14 GiB (13.8 bytes, its list of 2.7% of everyone
included, which ``BYTES_PER_LISTED`` does not count; benchmarks/RESULTS.md)."""
BYTES_PER_LISTED = 160
"""Memory per agent listed from the court backlog at launch: a roster row (26 bytes, up to twice that with the
room to grow), up to four slots of the roster's index (8 bytes each) and six calendar slots of 15 bytes
(estimated)."""


def estimated_bytes(parts: list[tuple[Scenario, int]]) -> int:
    """Estimated peak memory of a run of ``(country scenario, agents)`` parts."""
    total = 0
    for scenario, agents in parts:
        court = scenario.lists.court
        listed = court.initial_backlog * agents / scenario.population.size if court.enabled else 0
        total += BYTES_PER_AGENT * agents + int(BYTES_PER_LISTED * listed)
    return total


def _gib(size: int) -> str:
    return f"{size / 2**30:,.1f} GiB"


def check_run(scenario: Scenario, agents: int, seed: int, workers: dict[str, int] | None = None) -> None:
    """Raise ValueError, naming the option, for a seed out of range, a country without agents, or a run
    whose estimated memory is more than this machine has, or, with ``workers`` (each Dask worker's address and
    memory limit in bytes, 0 for none), more than a worker has for the countries placed on it (``remote.place``)."""
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed: must be within 0..{MAX_SEED}, got {seed}")
    parts = [(scenario, agents)]
    if scenario.countries:
        from .world import World

        world = World(scenario, agents, seed)  # raises if a country gets no agent
        parts = list(zip(world.countries, world.agents))
        if workers:
            _check_workers(parts, agents, workers)
            return
    need, have = estimated_bytes(parts), psutil.virtual_memory().total
    if need > have:
        raise ValueError(f"agents: {agents:,} agents need an estimated {_gib(need)} of memory "
                         f"({BYTES_PER_AGENT} bytes an agent, {BYTES_PER_LISTED} a person listed at launch), "
                         f"more than the {_gib(have)} this machine has")


def _check_workers(parts: list[tuple[Scenario, int]], agents: int, workers: dict[str, int]) -> None:
    from .remote import place

    placed = place([n for _, n in parts], sorted(workers))
    for worker in sorted(workers):
        need, have = estimated_bytes([p for p, w in zip(parts, placed) if w == worker]), workers[worker]
        if have and need > have:
            raise ValueError(f"agents: {agents:,} agents need an estimated {_gib(need)} on the Dask worker {worker}, "
                             f"more than its memory limit of {_gib(have)}; add workers or give them more memory")
