"""Time-varying parameters: a constant or ``[[date, value], ...]`` joined by straight lines."""

from __future__ import annotations

import datetime as dt

import numpy as np


def schedule_values(value, start: dt.date, days: int) -> np.ndarray:
    """The value of a schedule on each simulated day: float64[days]."""
    if not isinstance(value, list):
        return np.full(days, float(value))
    offsets = np.array([(d - start).days for d, _ in value], dtype=float)
    values = np.array([v for _, v in value], dtype=float)
    return np.interp(np.arange(days, dtype=float), offsets, values)


def day_index(date: dt.date | None, start: dt.date) -> int:
    """Simulated day of ``date`` (0 when unset or before the start)."""
    return max(0, (date - start).days) if date else 0


def pilot_starts(scenario) -> np.ndarray:
    """The simulated day each of a scenario's pilots starts: int64[P]."""
    return np.array([day_index(p.start, scenario.start_date) for p in scenario.pilots], np.int64)


def stratum_rulebooks(stratum_pilot: np.ndarray, starts: np.ndarray, day: int) -> np.ndarray:
    """The rulebook of each stratum on ``day``: its pilot's (``k + 1``) once the pilot has started, else the
    national one (0)."""
    started = np.concatenate(([False], day >= starts))
    return np.where(started[stratum_pilot], stratum_pilot, 0).astype(np.int64)
