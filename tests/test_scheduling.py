"""Dynamic scheduling of pieces: every piece is taken exactly once, largest first, on any number of threads."""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from scslab.scheduling import PROBE_EVERY, SERIAL_BELOW, Pace, largest_first, take


@njit
def _take_three(counter):
    return take(counter), take(counter), take(counter)


@njit(parallel=True)
def _visit(order, threads):
    """How many times each piece is visited, and the position at which each was taken."""
    visits = np.zeros(len(order), np.int64)
    position = np.full(len(order), -1, np.int64)
    taken = np.zeros(1, np.int64)
    for _ in prange(threads):
        while True:
            q = take(taken)
            if q >= len(order):
                break
            visits[order[q]] += 1
            position[order[q]] = q
    return visits, position


def test_take_counts_up_from_the_counter():
    counter = np.array([5], np.int64)
    assert _take_three(counter) == (5, 6, 7)
    assert counter[0] == 8


def test_every_piece_is_taken_once_whatever_the_threads():
    order = largest_first(np.random.default_rng(1).integers(0, 1000, 5000))
    for threads in (1, 2, numba.config.NUMBA_NUM_THREADS, 7):
        visits, position = _visit(order, threads)
        assert (visits == 1).all(), threads
        assert (position[order] == np.arange(len(order))).all()


def test_largest_first_breaks_ties_by_piece_number():
    assert largest_first(np.array([3, 9, 3, 0, 9])).tolist() == [1, 4, 0, 2, 3]


def _pace_with(costs: dict[int, float], days: int = 300) -> list[int]:
    """Threads a Pace gives over ``days`` large days when a day on t threads takes ``costs[t]`` s per event."""
    pace, used = Pace(2), []
    for _ in range(days):
        threads = pace.threads(50_000)
        pace.record(threads, 50_000, costs[threads] * 50_000)
        used.append(threads)
    return used


def test_pace_keeps_all_threads_while_they_are_faster():
    used = _pace_with({1: 2e-8, 2: 1e-8})
    assert used.count(1) == len(used) // PROBE_EVERY  # only the measuring days
    assert all(t == 1 for i, t in enumerate(used) if (i + 1) % PROBE_EVERY == 0)


def test_pace_moves_to_one_thread_when_it_is_measured_faster_and_keeps_measuring():
    used = _pace_with({1: 1e-8, 2: 3e-8})
    assert used[:PROBE_EVERY - 1] == [2] * (PROBE_EVERY - 1)  # nothing known about one thread yet
    after = used[PROBE_EVERY:]
    assert after.count(2) == len(after) // PROBE_EVERY  # two threads only on measuring days


def test_small_days_run_on_one_thread_and_are_not_measured():
    pace = Pace(2)
    assert pace.threads(SERIAL_BELOW - 1) == 1
    pace.record(1, SERIAL_BELOW - 1, 1.0)
    assert pace.cost == {1: None, 2: None} and pace.threads(SERIAL_BELOW) == 2
    assert Pace(1).threads(10**9) == 1
