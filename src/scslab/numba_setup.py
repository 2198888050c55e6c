"""Numba set-up, done once before any kernel is compiled: the on-disk cache and idle threads.

Numba's on-disk cache only notices changes to the file that defines a kernel,
not to kernels it calls in other modules, so a stale cache could silently run old
code. The cache therefore lives in a directory named by a hash of every source file
of scslab that uses Numba, unless NUMBA_CACHE_DIR is set.

Threads that wait between parallel regions sleep instead of spinning
(``OMP_WAIT_POLICY=PASSIVE`` for Numba's OpenMP layer, unless the user set it or
``GOMP_SPINCOUNT``): a spinning thread takes a core from whatever else runs on a
busy machine, the simulation's own main thread included (benchmarks/RESULTS.md,
"A busy machine"). This must happen before the first parallel kernel loads OpenMP.
"""

import hashlib
import os
from pathlib import Path

import numba


def _cache_dir() -> str:
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        source = path.read_bytes()
        if b"numba" in source:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(source)
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "scslab" / "numba"
    return str(base / digest.hexdigest()[:16])


if not os.environ.get("GOMP_SPINCOUNT"):
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

if not os.environ.get("NUMBA_CACHE_DIR"):
    numba.config.CACHE_DIR = _cache_dir()
