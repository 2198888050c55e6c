"""Ratios measured in one sitting: scslab against Mesa, and this checkout against another one (``--against``).

Every run is a child process (:func:`benchmarks.measure.one`) on the reference model; the versions and the
engine are interleaved run by run, so that drifts in what else the machine does fall on all of them alike.
Mesa costs the same per agent-day whatever the size, so it runs at a size it finishes in (``mesa_agents``),
and the ratio is of agent-days per second. The two scslab versions run the same command, and since a seed
gives the same results whatever the engine's speed, their outputs are compared as well.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from .measure import one


def run_ratios(against: Path | None, agents: int, mesa_agents: int, days: int, repeats: int, seed: int,
               log=print) -> dict:
    """Medians of agent-days per second and peak memory per version, and the ratios between them."""
    versions = {"this": None} | ({"against": against} if against is not None else {})
    runs = {name: [] for name in [*versions, "mesa"]}
    for version, source in versions.items():  # compile or load each version's kernels, untimed
        one("scslab", 1000, 2, seed, source=source)
    for repeat in range(repeats):
        for version, source in versions.items():
            runs[version].append(one("scslab", agents, days, seed, source=source))
            log(f"{version}: {runs[version][-1]['seconds']:.2f} s")
        runs["mesa"].append(one("mesa", mesa_agents, days, seed + repeat))
        log(f"mesa: {runs['mesa'][-1]['seconds']:.2f} s")
    rows = {name: {"agents": figures[0]["agents"], "days": days, "repeats": len(figures),
                   "seconds": statistics.median(f["seconds"] for f in figures),
                   "agent_days_per_second": statistics.median(f["agent_days_per_second"] for f in figures),
                   "peak_rss_kib": statistics.median(f["peak_rss_kib"] for f in figures)}
            for name, figures in runs.items()}
    out = {"kind": "ratios", "rows": rows, "seed": seed,
           "this_over_mesa": rows["this"]["agent_days_per_second"] / rows["mesa"]["agent_days_per_second"]}
    if against is not None:
        out["against"] = str(against)
        out["this_over_against"] = rows["this"]["agent_days_per_second"] / rows["against"]["agent_days_per_second"]
        out["same_outputs"] = all(a["outputs"] == b["outputs"] for a, b in zip(runs["this"], runs["against"]))
    return out
