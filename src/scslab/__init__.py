"""scslab: a population-scale simulator and policy lab for social credit systems.

scslab models, it never operates: populations are synthetic, built from
published aggregate statistics only.

>>> import scslab
>>> results = scslab.Sim("china-2018", agents=100_000, seed=1).run()
>>> results.timeseries[["date", "listed", "flight_blocks_total"]].tail()
"""

from .engine import Sim
from .results import Results
from .scenario.loading import ScenarioError, builtin_names, load
from .scenario.schema import Scenario

__all__ = ["Sim", "Results", "Scenario", "ScenarioError", "load", "builtin_names"]
__version__ = "0.1.0"
