"""Experiments over many runs: comparisons, sweeps, calibration and sensitivity analysis.

All of them name parameters the same way (:mod:`.space`) and run on Dask distributed
or in this process (:mod:`.cluster`).
"""

from .calibrate import Calibration, calibrate, read_target_file
from .compare import Comparison, compare
from .sensitivity import SensitivityResult, sensitivity
from .space import Parameter, ParameterSpace
from .sweep import SweepReport, sweep

__all__ = ["Calibration", "calibrate", "read_target_file", "Comparison", "compare", "Parameter", "ParameterSpace",
           "SensitivityResult", "sensitivity", "SweepReport", "sweep"]
