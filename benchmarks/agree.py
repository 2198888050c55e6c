"""End values of a scenario, this checkout against another (``--against``), over paired seeds.

A change meant to keep the model's statistics while changing its random draws (a faster way of drawing
the same events) cannot be checked byte for byte. Instead each seed is run with both versions, each run a
child process (``python -m scslab run``, its ``summary.json`` read back), and every end value's paired
difference is reported with a 95% t interval over the seeds. Runs of one seed share the population's ages
and households, so the pairing removes part of the noise; what is left is each version's sampling error.

With many end values some intervals miss 0 by chance (about 5% of them, more with fewer seeds, and end
values are correlated); the check fails only where |t| exceeds ``T_LIMIT``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from statistics import fmean, stdev

from scipy import stats

from .measure import ROOT, ChildFailed, execute

T_LIMIT = 5.0
"""|t| above which a difference counts as real (about 1e-3 two-sided at 8 seeds, before multiplicity)."""


def end_values(scenario: str, agents: int, seed: int, source: Path | None) -> dict:
    """``scslab run`` in a child with the checkout of ``source`` (its ``src``; None: this one): the summary's
    end values and the expression kept over the last year."""
    with tempfile.TemporaryDirectory(prefix="scslab-agree-") as out:
        argv = [sys.executable, "-m", "scslab", "run", scenario, "--agents", str(agents), "--seed", str(seed),
                "--out", out, "--replicates", "1"]
        env = None if source is None else dict(os.environ, PYTHONPATH=f"{source}{os.pathsep}{ROOT}")
        finished = execute(argv, env)
        if finished.returncode != 0:
            raise ChildFailed(f"{' '.join(argv[1:])} exited with {finished.returncode}:\n{finished.stderr[-4000:]}")
        summary = json.loads((Path(out) / "summary.json").read_text())
    values = {k: float(v) for k, v in summary["end"].items() if isinstance(v, (int, float))}
    values["expression_rate_last_365_days"] = float(summary["expression_rate_last_365_days"])
    return values


def paired(this: list[dict], against: list[dict]) -> list[dict]:
    """Per end value: both versions' means, the mean paired difference, its 95% interval and t."""
    rows = []
    for name in this[0]:
        if any(name not in run for run in against):
            continue
        a, b = [run[name] for run in this], [run[name] for run in against]
        d = [x - y for x, y in zip(a, b)]
        n, mean = len(d), fmean(d)
        se = stdev(d) / n**0.5 if n > 1 else float("nan")
        half = stats.t.ppf(0.975, n - 1) * se if n > 1 else float("nan")
        t = mean / se if se > 0 else (0.0 if mean == 0 else float("inf"))
        rows.append({"output": name, "this": fmean(a), "against": fmean(b), "difference": mean,
                     "low": mean - half, "high": mean + half, "t": t, "passed": abs(t) < T_LIMIT})
    return rows


def run_agree(against: Path, scenario: str, agents: int, seeds: int, seed: int, log=print) -> dict:
    """Both versions at every seed, interleaved; the paired comparison of their end values."""
    runs = {"this": [], "against": []}
    for s in range(seed, seed + seeds):
        for version, source in (("this", None), ("against", against)):
            runs[version].append(end_values(scenario, agents, s, source))
            log(f"seed {s}: {version} done")
    rows = paired(runs["this"], runs["against"])
    return {"kind": "agree", "scenario": scenario, "agents": agents, "seeds": list(range(seed, seed + seeds)),
            "against": str(against), "rows": rows, "runs": runs,
            "outside_95": sum(not (r["low"] <= 0 <= r["high"]) for r in rows),
            "passed": all(r["passed"] for r in rows)}
