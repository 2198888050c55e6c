"""Small runs shared by the tests of charts, reports and the dashboard (built once per session)."""

from __future__ import annotations

import functools

from scslab import Sim
from scslab.scenario.loading import load


@functools.cache
def china_run():
    """china-2018 over its whole period, small: every one-country chart has something to show."""
    return Sim("china-2018", agents=20_000, seed=1).run()


@functools.cache
def central_asia_run():
    """central-asia-2020 from late 2019, so that records cross borders and trust indices move."""
    scenario = load("central-asia-2020", ["start_date=2019-10-01", "end_date=2021-06-30"])
    return Sim(scenario, agents=100_000, seed=1).run()  # cross-border records rest on a few agents: issue 19
