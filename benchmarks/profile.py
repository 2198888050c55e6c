"""Where a run's time goes, kernel by kernel: ``perf record`` of ``scslab run`` with the names of Numba's kernels.

Numba's machine code has no symbols that ``perf`` can see, and its own ``NUMBA_ENABLE_PROFILING`` writes no map
with this llvmlite. So the run is a child (``python -m benchmarks.profile SCSLAB-ARGS``) that, once scslab's CLI
returns, writes ``/tmp/perf-PID.map`` itself (the address of every compiled function of scslab, by name), which
``perf report`` reads and the parent then removes. The kernels are compiled afresh (an empty
``NUMBA_CACHE_DIR``) so that the functions that kernels call, compiled into their callers, have names too.
Compiling is in the profile but not in the table, which counts only scslab's own functions (each one's samples,
and its share of theirs: few samples are a noisy share). Needs ``perf`` (Debian: linux-perf).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from .measure import ROOT, ChildFailed

MAP_NOTE = "SCSLAB_PERF_MAP_NOTE"
"""The variable naming the file where the profiled child writes its perf map's path, for the parent to remove."""

def readable(symbol: str) -> str:
    """``scslab.streams.stream`` for Numba's ``_ZN6scslab7streams6streamB2v1...``; other symbols as they are."""
    if not symbol.startswith("_ZN"):
        return symbol
    parts, at = [], 3
    while at < len(symbol) and symbol[at].isdigit():
        digits = re.match(r"\d+", symbol[at:]).group()
        at += len(digits)
        parts.append(symbol[at:at + int(digits)])
        at += int(digits)
    return ".".join(parts) if parts else symbol


def write_map(path: Path | None = None) -> int:
    """Write the perf map of this process (``/tmp/perf-PID.map`` unless ``path``): every compiled function of
    scslab's and the benchmarks' kernels, each up to the next one's address. Returns how many it names."""
    from numba.core.registry import CPUDispatcher

    dispatchers = [value for name, module in list(sys.modules.items()) if name.split(".")[0] in ("scslab", "benchmarks")
                   for value in vars(module).values() if isinstance(value, CPUDispatcher)]
    overloads = [result for d in dispatchers for result in list(d.overloads.values())]
    names = {result.fndesc.llvm_func_name for result in overloads}
    found = {}
    for library in {id(r.library): r.library for r in overloads}.values():
        for name in names:
            try:
                address = library.get_pointer_to_function(name)
            except Exception:  # noqa: BLE001 (a library that holds no such function)
                address = 0
            if address:
                found.setdefault(address, name)
    addresses = sorted(found)
    path = path or Path(f"/tmp/perf-{os.getpid()}.map")
    with open(path, "w") as out:
        for address, after in zip(addresses, addresses[1:] + [addresses[-1] + 4096] if addresses else []):
            out.write(f"{address:x} {min(after - address, 1 << 20):x} {found[address]}\n")
    return len(addresses)


def run_profile(argv: list[str], frequency: int, log: Callable[[str], None]) -> dict:
    """``perf record`` at ``frequency`` samples a second of ``scslab`` with ``argv`` (its arguments, ``--out``
    added), then the share of samples of each of scslab's functions, largest first."""
    with tempfile.TemporaryDirectory(prefix="scslab-profile-") as tmp:
        data = Path(tmp, "perf.data")
        child = [sys.executable, "-m", "benchmarks.profile", *argv, "--out", str(Path(tmp, "run"))]
        written = Path(tmp, "map")  # where the child says it wrote its perf map, removed once read
        env = dict(os.environ, NUMBA_CACHE_DIR=str(Path(tmp, "kernels")),
                   PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{ROOT}", **{MAP_NOTE: str(written)})
        log("perf record -F " + f"{frequency} " + " ".join(child[1:]))
        try:
            recorded = subprocess.run(["perf", "record", "-q", "-F", str(frequency), "-o", str(data), *child],
                                      env=env, capture_output=True, text=True)
            if recorded.returncode != 0:
                raise ChildFailed(f"perf record exited with {recorded.returncode}:\n{recorded.stderr[-4000:]}")
            report = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--sort", "symbol",
                                     "--stdio", "--show-nr-samples", "--percent-limit", "0"],
                                    capture_output=True, text=True)
        finally:
            if written.is_file():
                Path(written.read_text()).unlink(missing_ok=True)
        if report.returncode != 0:
            raise ChildFailed(f"perf report exited with {report.returncode}:\n{report.stderr[-4000:]}")
    samples = {}
    for line in report.stdout.splitlines():
        match = re.match(r"\s*[\d.]+%\s+(\d+)\s+\[\.\]\s+(\S+)", line)
        if match and match.group(2).startswith("_ZN") and "scslab" in match.group(2):
            name = readable(match.group(2))
            samples[name] = samples.get(name, 0) + int(match.group(1))
    total = sum(samples.values())
    rows = [{"function": name, "samples": n, "percent_of_scslab": 100 * n / max(total, 1)}
            for name, n in sorted(samples.items(), key=lambda item: -item[1])]
    return {"kind": "profile", "argv": argv, "frequency": frequency, "scslab_samples": total, "rows": rows}


def main() -> None:
    """The profiled child: scslab's CLI with this process's arguments, then the perf map."""
    from scslab.cli import main as scslab

    sys.argv = ["scslab", *sys.argv[1:]]
    try:
        scslab()
    except SystemExit as done:
        if done.code:
            raise
    finally:
        path = Path(f"/tmp/perf-{os.getpid()}.map")
        write_map(path)
        if os.environ.get(MAP_NOTE):
            Path(os.environ[MAP_NOTE]).write_text(str(path))


if __name__ == "__main__":
    main()
