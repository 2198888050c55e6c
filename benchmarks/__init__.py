"""Benchmarks: scslab against a plain Mesa 3 implementation of the same reference model.

Run ``python -m benchmarks --help`` from the repository root; benchmarks/README.md
specifies the reference model and the measurements.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The repository root (the working directory of the child processes)."""
REFERENCE = Path(__file__).resolve().parent / "reference.toml"
"""The reference model as a scslab scenario."""
