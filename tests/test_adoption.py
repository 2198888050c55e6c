"""Drawing events where they can matter: the official app taken up in each piece's order of uptake, app use drawn
among its users only, and acts that nothing records or counts left undrawn."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scslab.engine import CountryRun
from scslab.mechanisms.state import BEHAVIOUR_BITS, F_APP
from scslab.outputs import column
from scslab.population import CHILD
from scslab.scenario.schema import BEHAVIOURS

APP_USE = BEHAVIOURS.index("app_use")


def run_days(scenario, agents: int, days: int, seed: int = 3, inspect=None) -> CountryRun:
    run = CountryRun(scenario, agents, seed=seed)
    for day in range(days):
        on = run.rules.switches(day)
        sp = run.rules.today(day, on)
        users = int(run.adoption.users.sum())  # as the day starts, when app use is drawn (uptake comes after)
        first, last = run._events(day, on, sp, 1.0)
        if inspect is not None:
            inspect(run, first, last, users)
        run._lists(day, on, sp, first, last, None)
    return run


def test_uptake_follows_its_analytic_curve_and_the_users_are_adults(quiet):
    """Each try reaches a random person and takes if they are 15+ without the app: users among the adults grow
    as 1 - exp(-rate t). At 0.5 a year, after 365 days: 0.3935 (binomial standard error 0.0014 at 120,000
    adults; 4 of them allowed)."""
    run = run_days(quiet(response={"app_adoption_per_year": 0.5}), 150_000, 365)
    users = run.agents.flags & F_APP != 0
    adults = run.people.age != CHILD
    assert not (users & ~adults).any()
    assert users.sum() == run.adoption.users.sum() == run.counters[column("app_users")]
    assert (run.adoption.ranked >= run.adoption.users).all()
    assert users.sum() / adults.sum() == pytest.approx(1 - math.exp(-0.5), abs=0.006)


def test_app_use_is_drawn_among_users_at_its_rate(quiet):
    """App use at 36.5 a year with everyone's events recorded: every record is a user's, and the records are
    the users' days times 0.1 (Poisson: within 4 standard errors)."""
    scenario = quiet(response={"app_adoption_per_year": 1.0},
                     behaviours={"app_use": {"rate_per_year": 36.5, "points": 0}},
                     channels={"app": {"sees": {"app_use": 1.0}}})
    seen = {"records": 0, "user_days": 0}

    def inspect(run, first, last, users):
        seen["user_days"] += users
        for p in range(run.people.pieces):
            agents = run.records.agent[first[p]:last[p]]
            mine = (run.records.behaviour[first[p]:last[p]] & BEHAVIOUR_BITS) == APP_USE
            assert (run.agents.flags[agents[mine]] & F_APP != 0).all()
            seen["records"] += int(mine.sum())

    run_days(scenario, 60_000, 120, inspect=inspect)
    expected = seen["user_days"] * 0.1
    assert seen["records"] > 0
    assert abs(seen["records"] - expected) < 4 * np.sqrt(expected)


def test_acts_nothing_records_or_counts_are_not_drawn_and_nothing_changes(monkeypatch):
    """china-2018's volunteering and blood donation go unseen outside the pilots that watch them: left undrawn
    there (``BehaviourEvents.silent``), the run is the same to the last count as with them drawn."""
    import scslab
    from scslab.mechanisms.behaviour import BehaviourEvents

    skipped = []
    silent = BehaviourEvents.silent

    def recording(bd):
        out = silent(bd)
        skipped.append(out.sum())
        return out

    monkeypatch.setattr(BehaviourEvents, "silent", staticmethod(recording))
    fast = scslab.Sim("china-2018", agents=30_000, seed=4, days=400).run()
    assert min(skipped) > 0  # some behaviour is silent somewhere every day
    monkeypatch.setattr(BehaviourEvents, "silent", staticmethod(lambda bd: np.zeros_like(silent(bd))))
    every = scslab.Sim("china-2018", agents=30_000, seed=4, days=400).run()
    assert fast.summary["end"] == every.summary["end"]
    assert fast.timeseries.equals(every.timeseries)
