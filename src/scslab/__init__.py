"""scslab: a population-scale simulator and policy lab for social credit systems.

scslab models, it never operates: populations are synthetic, built from
published aggregate statistics only.

>>> import scslab
>>> results = scslab.Sim("china-2018", agents=100_000, seed=1).run()
>>> results.timeseries[["date", "listed", "flight_blocks_total"]].tail()
>>> scslab.compare(["china-2018", "china-2018+rulebook.mode=public"], replicates=5, agents=100_000).table
"""

import multiprocessing as _multiprocessing
import os as _os
import signal as _signal

WORKER_VARIABLE = "SCSLAB_COMMAND_WORKER"
"""Set by ``scslab`` commands while they start worker processes: these leave Ctrl-C to the command,
which stops them (otherwise each prints a KeyboardInterrupt traceback). Checked before the slow imports."""
if _os.environ.get(WORKER_VARIABLE) == "1" and _multiprocessing.current_process().name != "MainProcess":
    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)

from .sim import Sim  # noqa: E402
from .results import Results  # noqa: E402
from .scenario.loading import ScenarioError, builtin_names, load  # noqa: E402
from .scenario.schema import Scenario  # noqa: E402

__all__ = ["Sim", "Results", "Scenario", "ScenarioError", "load", "builtin_names",
           "ParameterSpace", "compare", "sweep", "calibrate", "sensitivity"]
__version__ = "0.1.0"

_EXPERIMENTS = ("ParameterSpace", "compare", "sweep", "calibrate", "sensitivity")


def __getattr__(name: str):
    """The experiment tools, imported on first use (they bring SciPy, DuckDB, Optuna, SALib)."""
    if name in _EXPERIMENTS:
        from . import experiments

        return getattr(experiments, name)
    raise AttributeError(f"module 'scslab' has no attribute {name!r}")
