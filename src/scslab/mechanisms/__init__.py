"""The mechanisms of the system, one module each, compiled with Numba (see ``docs/architecture.md``)."""

from .. import numba_setup  # noqa: F401  (the kernel cache and thread policy, before any kernel loads)
