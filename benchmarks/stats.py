"""Summaries of a set of runs: speed, memory per agent, and the statistical agreement check.

Agreement rule (benchmarks/README.md): for each output, with ``x`` the output per agent
(per agent-year for counts over the run) of one replicate, the difference of the two
engines' replicate means at each size is

    d_s = mean(x | scslab, N_s) - mean(x | Mesa, N_s),   Var(d_s) = sigma^2 / N_s * (1/R_scslab + 1/R_mesa)

because agents are independent, so a replicate's per-agent mean has variance sigma^2 / N.
sigma^2 is estimated from the spread of the replicates of both engines at all sizes
(pooled: sum of N_s * (x - cell mean)^2 over sum of (R - 1)). The sizes are combined
with inverse-variance weights, D = sum(w_s d_s) / sum(w_s), w_s = 1 / Var(d_s), and
z = D * sqrt(sum(w_s)). The check passes if |z| < 4.
"""

from __future__ import annotations

import math
from collections import defaultdict
from statistics import fmean

from .engines import FLOWS, OUTPUTS

Z_LIMIT = 4.0


def per_agent(run: dict, output: str) -> float:
    """An output of one run per agent-year (counts over the run) or per agent (counts at the end)."""
    people = run["agents"] * (run["days"] / 365.0 if output in FLOWS else 1.0)
    return run["outputs"][output] / people


def cells(runs: list[dict]) -> dict[tuple[str, int], list[dict]]:
    """Runs grouped by (engine, agents)."""
    grouped = defaultdict(list)
    for r in runs:
        grouped[r["engine"], r["agents"]].append(r)
    return grouped


def bytes_per_agent(peaks: dict[int, float]) -> dict[int, float | None]:
    """(peak RSS at N - peak RSS at the smallest N) / (N - smallest N), in bytes; None at the smallest N.

    ``peaks`` maps the number of agents to a peak RSS in KiB (a mean over replicates)."""
    smallest = min(peaks)
    return {n: None if n == smallest else (peaks[n] - peaks[smallest]) * 1024.0 / (n - smallest) for n in peaks}


def speed(runs: list[dict]) -> list[dict]:
    """Per size: mean agent-days/s and peak RSS of each engine, their ratio, memory per agent."""
    grouped = cells(runs)
    sizes = sorted({n for _, n in grouped})
    peaks = {e: {n: fmean(r["peak_rss_kib"] for r in grouped[e, n]) for n in sizes} for e in ("scslab", "mesa")}
    memory = {e: bytes_per_agent(peaks[e]) for e in peaks}
    rows = []
    for n in sizes:
        rate = {e: fmean(r["agent_days_per_second"] for r in grouped[e, n]) for e in ("scslab", "mesa")}
        rows.append({
            "agents": n,
            "scslab_agent_days_per_second": rate["scslab"],
            "mesa_agent_days_per_second": rate["mesa"],
            "ratio": rate["scslab"] / rate["mesa"],
            "scslab_peak_rss_kib": peaks["scslab"][n],
            "mesa_peak_rss_kib": peaks["mesa"][n],
            "scslab_bytes_per_agent": memory["scslab"][n],
            "mesa_bytes_per_agent": memory["mesa"][n],
        })
    return rows


def agreement(runs: list[dict]) -> list[dict]:
    """The agreement check of every output (rule in the module docstring); needs 2+ replicates per cell."""
    grouped = cells(runs)
    sizes = sorted({n for _, n in grouped})
    if any(len(grouped["scslab", n]) < 2 or len(grouped["mesa", n]) < 2 for n in sizes):
        raise ValueError("the agreement check needs at least 2 replicates of each engine at each size")
    rows = []
    for output in OUTPUTS:
        values = {key: [per_agent(r, output) for r in rs] for key, rs in grouped.items()}
        squares = sum(n * sum((x - fmean(xs)) ** 2 for x in xs) for (_, n), xs in values.items())
        sigma2 = squares / sum(len(xs) - 1 for xs in values.values())
        weights, diffs, by_size = [], [], {}
        for n in sizes:
            s, m = values["scslab", n], values["mesa", n]
            diffs.append(fmean(s) - fmean(m))
            variance = sigma2 / n * (1 / len(s) + 1 / len(m))
            by_size[n] = _z(diffs[-1], variance)
            weights.append(1 / variance if variance > 0 else 0.0)
        if sigma2 > 0:
            z = sum(w * d for w, d in zip(weights, diffs)) / math.sqrt(sum(weights))
        else:  # every replicate of a cell gave the same value: any difference is a disagreement
            z = _z(max(diffs, key=abs), 0.0)
        rows.append({
            "output": output,
            "unit": "per agent-year" if output in FLOWS else "per agent, end",
            "scslab": _pooled_mean(values, "scslab", sizes),
            "mesa": _pooled_mean(values, "mesa", sizes),
            "z_by_size": by_size,
            "z": z,
            "passed": abs(z) < Z_LIMIT,
        })
    return rows


def _z(d: float, variance: float) -> float:
    if variance > 0:
        return d / math.sqrt(variance)
    return 0.0 if d == 0 else math.copysign(math.inf, d)


def _pooled_mean(values: dict, engine: str, sizes: list[int]) -> float:
    """Mean per agent over all of an engine's agents (replicates weighted by their size)."""
    weighted = [(n, x) for n in sizes for x in values[engine, n]]
    return sum(n * x for n, x in weighted) / sum(n for n, _ in weighted)
