"""What the headline harms rest on: ``python -m tools.harm_basis [--agents N] [--trajectories R]``.

The harms a reader quotes from china-2018 (people wrongly listed, people listed, flights refused,
lawful speech chilled) rest on assumptions that no published figure pins down: the channels'
false-record rates, how much likelier a false match is for a minority, how fast wrongful listings are
corrected, how people perceive and respond to the risk. ``BASIS`` names each with its plausible range
and the reason for it. The command runs a Morris screening (SALib, through
``scslab.experiments.sensitivity``) of the harms over those ranges, then writes:

- ``src/scslab/data/basis/china-2018.json``: per harm, the assumptions ranked by ``mu_star`` (the mean
  absolute effect of moving one across its range, with a 95% bootstrap interval), the harm at the
  defaults, and its smallest and largest value over the sampled points; the report's section "What
  this figure rests on" reads it;
- ``docs/harm-basis.md``: the same as tables, with the command, machine and date.

Every point runs the same seeds (common random numbers), so the effects are differences of the
assumptions, not of the noise. Default: 300,000 agents, 8 trajectories, one seed per point
((10 + 1) x 8 = 88 runs, about 10 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JSON = ROOT / "src" / "scslab" / "data" / "basis" / "china-2018.json"
DOC = ROOT / "docs" / "harm-basis.md"
SCENARIO = "china-2018"

BASIS = [
    # (path, low, high, distribution, why the range)
    ("channels.cameras.false_records_per_person_year", 0.001, 0.02, "log",
     "NIST FRVT: 1:N false-positive identification rates of 1e-4 to 1e-2 per search for the algorithms of 2018-2019, "
     "a few searches a year per person; default 0.005"),
    ("channels.cameras.group_false_match.minority_a", 1.0, 30.0, "log",
     "NISTIR 8280 (2019): false-match rates 10 to 100 times higher for some demographic groups, 1 for none; default 10"),
    ("channels.cameras.group_false_match.minority_b", 3.0, 100.0, "log",
     "NISTIR 8280 (2019), as above; default 30"),
    ("channels.cameras.group_coverage.minority_b", 1.0, 5.0, "uniform",
     "no published camera coverage by group; Zenz & Leibold (2020) describe a far denser grid in Xinjiang; "
     "default 2"),
    ("channels.finance.false_records_per_person_year", 0.0002, 0.005, "log",
     "assumed: erroneous credit-report entries are common in audited credit bureaus (FTC 2012: 1 report in 5 with "
     "an error, most of them minor), few of them a default; default 0.001"),
    ("channels.courts.false_records_per_person_year", 5e-6, 1e-4, "log",
     "assumed: clerical errors and identity mix-ups in court records (no published rate); default 2e-5"),
    ("channels.informants.false_records_per_person_year", 0.0005, 0.01, "log",
     "assumed: malicious reports by a contact with a grudge (no published rate); default 0.002"),
    ("rehabilitation.correction.rate_per_year", 0.1, 2.0, "log",
     "assumed: appeals that remove a wrongful listing, from a few months to several years; default 0.5"),
    ("response.chilling_elasticity", -0.4, -0.05, "uniform",
     "Penney (2016) and PEN America (2013): drops of 10-30% in lawful expression after surveillance "
     "revelations; default -0.15"),
    ("response.baseline_certainty", 0.05, 0.3, "uniform",
     "the schema's plausible range for the perceived chance of being caught with no system; default 0.1"),
]
"""The assumptions behind the headline harms, each with its plausible range and why."""

HARMS = {
    "wrongly_listed_total": "people wrongly listed since the start",
    "wrongly_listed": "people wrongly listed at the end",
    "listed": "people on a list at the end",
    "flight_blocks_total": "flight purchases refused",
    "expression_rate": "lawful expression kept (1 = no chilling)",
}
"""The headline harms and how the report names them."""


def analyse(agents: int, trajectories: int, replicates: int, seed: int) -> dict:
    """The Morris screening of ``HARMS`` over ``BASIS``, as the JSON holds it."""
    from scslab.experiments.runs import end_values
    from scslab.experiments.sensitivity import sensitivity
    from scslab.experiments.space import Parameter
    from scslab.scenario.loading import load
    from scslab.sim import Sim

    parameters = [Parameter(path, low, high, distribution=kind) for path, low, high, kind, _ in BASIS]
    result = sensitivity(SCENARIO, parameters, method="morris", samples=trajectories, outputs=list(HARMS),
                         seed=seed, agents=agents, replicates=replicates, workers=0, progress=True)
    defaults = [end_values(Sim(load(SCENARIO), agents=agents, seed=seed + r).run().timeseries)
                for r in range(replicates)]
    harms = {}
    for output, label in HARMS.items():
        rows = result.table[(result.table["output"] == output) & (result.table["index"] == "mu_star")]
        ranked = rows.sort_values("value", ascending=False, kind="stable")
        values = result.samples[output]
        harms[output] = {
            "label": label,
            "default": sum(d[output] for d in defaults) / len(defaults),
            "low": float(values.min()), "high": float(values.max()),
            "ranking": [{"parameter": row.parameter, "mu_star": _number(row.value), "low": _number(row.low),
                         "high": _number(row.high)} for row in ranked.itertuples()],
        }
    return {"scenario": SCENARIO, "agents": agents, "trajectories": trajectories, "replicates": replicates,
            "seed": seed, "points": len(result.samples),
            "assumptions": [{"parameter": p, "low": lo, "high": hi, "distribution": kind, "why": why}
                            for p, lo, hi, kind, why in BASIS],
            "harms": harms}


def _number(x) -> float | None:
    x = float(x)
    return None if x != x else x


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if abs(x) >= 1e6:
        return f"{x / 1e6:,.2f} M"
    if abs(x) >= 100 or x == 0:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def markdown(basis: dict, command: str, seconds: float) -> str:
    """``docs/harm-basis.md`` from the analysis."""
    lines = [
        "# What the headline harms rest on",
        "",
        f"Generated by `{command}` on {dt.date.today()} ({platform.machine()}, {os.cpu_count()} cores, "
        f"{seconds / 60:.1f} min, nothing else heavy running). Scenario `{basis['scenario']}`, "
        f"{basis['agents']:,} agents, Morris screening with {basis['trajectories']} trajectories on a 4-level grid "
        f"({basis['points']} points, {basis['replicates']} seed(s) each, the same at every point).",
        "",
        "`mu_star` is the mean absolute elementary effect of an assumption (SALib's Morris method): the change of "
        "the harm per whole plausible range of the assumption, from its low end to its high end (in the logarithm "
        "for a log range), in the harm's units; its interval is a 95% bootstrap interval. The range is "
        "the smallest and largest value of the harm over all the sampled points: what the figure could be, were "
        "the assumptions anywhere in their plausible ranges. The report's section \"What this figure rests on\" "
        "shows these tables beside a run of china-2018.",
        "",
        "## The assumptions and their plausible ranges",
        "",
        "| parameter | range | why |",
        "|---|---|---|",
    ]
    lines += [f"| `{a['parameter']}` | {a['low']:g} to {a['high']:g} ({a['distribution']}) | {a['why']} |"
              for a in basis["assumptions"]]
    for output, harm in basis["harms"].items():
        lines += ["", f"## {harm['label'].capitalize()} (`{output}`)", "",
                  f"At the defaults: {_fmt(harm['default'])}. Over the plausible ranges: {_fmt(harm['low'])} to "
                  f"{_fmt(harm['high'])}.", "", "| rank | parameter | mu_star | 95% interval |", "|---|---|---|---|"]
        lines += [f"| {k} | `{r['parameter']}` | {_fmt(r['mu_star'])} | {_fmt(r['low'])} to {_fmt(r['high'])} |"
                  for k, r in enumerate(harm["ranking"], 1)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.harm_basis", description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=300_000)
    parser.add_argument("--trajectories", type=int, default=8)
    parser.add_argument("--replicates", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from scslab.files import write_text_atomic

    started = time.perf_counter()
    basis = analyse(args.agents, args.trajectories, args.replicates, args.seed)
    command = (f"python -m tools.harm_basis --agents {args.agents} --trajectories {args.trajectories} "
               f"--replicates {args.replicates} --seed {args.seed}")
    write_text_atomic(JSON, json.dumps(basis, indent=1) + "\n")  # its own files, each whole or not at all
    write_text_atomic(DOC, markdown(basis, command, time.perf_counter() - started))
    print(f"wrote {JSON.relative_to(ROOT)} and {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
