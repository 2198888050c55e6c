"""Experiments over many runs: comparisons, sweeps, calibration and sensitivity analysis.

All of them name parameters the same way (:mod:`.space`) and run on Dask distributed
or in this process (:mod:`.cluster`).
"""

from .compare import Comparison, compare
from .space import Parameter, ParameterSpace
from .sweep import SweepReport, sweep

__all__ = ["Comparison", "compare", "Parameter", "ParameterSpace", "SweepReport", "sweep"]
