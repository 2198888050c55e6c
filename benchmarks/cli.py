"""``python -m benchmarks``: compare scslab with Mesa, scslab's scaling, the full-scale run, threads on a
busy machine, a many-country run spread over Dask workers, the population cache, speed ratios in one sitting
(against Mesa and another checkout), where a run's time goes (a profile), a smoke test.

Every measured run happens in a child process (see :mod:`benchmarks.measure`); this
process only starts them, collects their figures and prints Rich tables. Figures can
be saved with ``--json FILE``.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from . import ROOT, measure, stats
from .agree import run_agree
from .busy import run_busy
from .engines import ENGINES, OUTPUTS, run
from .cache import run_cache
from .profile import run_profile
from .ratios import run_ratios
from .spread import run_spread

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Benchmarks: scslab against Mesa 3 on the reference model (benchmarks/README.md).")
console = Console()
log = Console(stderr=True, highlight=False)

FULL_GOAL_SECONDS = 60.0
FULL_GOAL_GIB = 20.0
SMOKE_COMPARE = {"sizes": [500, 2000], "days": 60, "replicates": 3}
SMOKE_SCALING = {"sizes": [10_000, 100_000], "rates": [0.5, 2.0, 8.0], "rate_agents": 10_000, "days": 60}

JsonOption = Annotated[Path | None, typer.Option("--json", help="Also save the figures to this JSON file.")]
SeedOption = Annotated[int, typer.Option(help="Seed of the first replicate (replicate i uses seed + i).")]


def _numbers(text: str, kind=float) -> list:
    """A comma-separated list such as ``1e5,1e6`` or ``0.5,2``."""
    try:
        values = [kind(float(part)) for part in text.split(",") if part.strip()]
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a comma-separated list of numbers") from None
    if not values or min(values) <= 0:
        raise typer.BadParameter(f"{text!r}: give one or more positive numbers")
    return values


def _sizes(text: str) -> list[int]:
    return sorted(set(_numbers(text, int)))


def _save(path: Path | None, figures: dict) -> None:
    if path is not None:
        path.write_text(json.dumps(figures, indent=2) + "\n")
        log.print(f"figures saved to {path}")


def _mib(kib: float) -> str:
    return f"{kib / 1024:,.0f}"


def _bytes(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _child(engine: str, agents: int, days: int, seed: int, overrides: Sequence[str] = ()) -> dict:
    """One measured run in a child process, logged on stderr as it finishes."""
    figures = measure.one(engine, agents, days, seed, overrides)
    label = " ".join([engine, f"N={agents:,}", f"days={days}", f"seed={seed}", *overrides])
    log.print(f"{label}: {figures['seconds']:.2f} s, {figures['agent_days_per_second']:,.0f} agent-days/s, "
              f"peak {_mib(figures['peak_rss_kib'])} MiB", soft_wrap=True)
    return figures


def run_compare(sizes: list[int], days: int, replicates: int, seed: int) -> dict:
    """Both engines at every size and replicate seed; speed, memory and agreement figures."""
    runs = [_child(engine, n, days, seed + i)
            for n in sizes for i in range(replicates) for engine in ENGINES]
    agreement = stats.agreement(runs)
    return {"kind": "compare", "sizes": sizes, "days": days, "replicates": replicates, "seed": seed,
            "runs": runs, "speed": stats.speed(runs), "agreement": agreement,
            "passed": all(row["passed"] for row in agreement)}


def print_compare(figures: dict) -> None:
    """Throughput, memory and agreement tables of a compare run."""
    title = f"reference model, {figures['days']} days, mean of {figures['replicates']} replicates"
    speed = Table(title=f"Throughput: {title}", title_justify="left")
    for column in ("agents", "scslab agent-days/s", "Mesa agent-days/s", "scslab/Mesa"):
        speed.add_column(column, justify="right")
    memory = Table(title=f"Memory: {title}", title_justify="left")
    for column in ("agents", "scslab peak MiB", "Mesa peak MiB", "scslab B/agent", "Mesa B/agent"):
        memory.add_column(column, justify="right")
    for row in figures["speed"]:
        speed.add_row(f"{row['agents']:,}", f"{row['scslab_agent_days_per_second']:,.0f}",
                      f"{row['mesa_agent_days_per_second']:,.0f}", f"{row['ratio']:,.1f}x")
        memory.add_row(f"{row['agents']:,}", _mib(row["scslab_peak_rss_kib"]), _mib(row["mesa_peak_rss_kib"]),
                       _bytes(row["scslab_bytes_per_agent"]), _bytes(row["mesa_bytes_per_agent"]))
    console.print(speed)
    console.print(memory)
    console.print("B/agent: (peak RSS at N - peak RSS at the smallest N) / (N - smallest N).", highlight=False)

    check = Table(title=f"Agreement: pooled two-sample z of the replicate means, PASS if |z| < {stats.Z_LIMIT:g}",
                  title_justify="left", caption="z at each N: N = " + ", ".join(f"{n:,}" for n in figures["sizes"]),
                  caption_justify="left")
    for column in ("output", "scslab", "Mesa", "z at each N", "z", ""):
        check.add_column(column, justify="left" if column in ("output", "") else "right")
    for row in figures["agreement"]:
        by_size = "  ".join(f"{z:+.2f}" for z in row["z_by_size"].values())
        check.add_row(f"{row['output']} {row['unit']}", f"{row['scslab']:.5f}", f"{row['mesa']:.5f}", by_size,
                      f"{row['z']:+.2f}", "[green]PASS[/]" if row["passed"] else "[red]FAIL[/]")
    console.print(check)


def run_scaling(sizes: list[int], rates: list[float], rate_agents: int, days: int, seed: int) -> dict:
    """scslab alone: throughput and peak memory over population size, throughput over the event rate."""
    by_size = [_child("scslab", n, days, seed) for n in sizes]
    memory = stats.bytes_per_agent({r["agents"]: r["peak_rss_kib"] for r in by_size})
    for r in by_size:
        r["bytes_per_agent"] = memory[r["agents"]]
    by_rate = []
    for rate in rates:
        r = _child("scslab", rate_agents, days, seed, [f"behaviours.traffic_violation.rate_per_year={rate}"])
        r["rate_per_year"] = rate
        r["records_per_second"] = (r["outputs"]["detections"] + r["outputs"]["false_detections"]) / r["seconds"]
        by_rate.append(r)
    return {"kind": "scaling", "days": days, "seed": seed, "sizes": by_size, "rates": by_rate}


def print_scaling(figures: dict) -> None:
    """Tables over population size and over the offence rate."""
    sizes = Table(title=f"scslab over population size: reference model, {figures['days']} days",
                  title_justify="left")
    for column in ("agents", "seconds", "agent-days/s", "peak MiB", "B/agent"):
        sizes.add_column(column, justify="right")
    for r in figures["sizes"]:
        sizes.add_row(f"{r['agents']:,}", f"{r['seconds']:.2f}", f"{r['agent_days_per_second']:,.0f}",
                      _mib(r["peak_rss_kib"]), _bytes(r["bytes_per_agent"]))
    console.print(sizes)
    rates = Table(title=f"scslab over the offence rate r: {figures['rates'][0]['agents']:,} agents, "
                        f"{figures['days']} days", title_justify="left")
    for column in ("r", "offences/agent-year", "seconds", "agent-days/s", "records/s"):
        rates.add_column(column, justify="right")
    for r in figures["rates"]:
        rates.add_row(f"{r['rate_per_year']:g}", f"{stats.per_agent(r, 'offences'):.3f}", f"{r['seconds']:.2f}",
                      f"{r['agent_days_per_second']:,.0f}", f"{r['records_per_second']:,.0f}")
    console.print(rates)


@app.command()
def compare(
    sizes: Annotated[str, typer.Option(help="Numbers of agents, comma-separated.")] = "1000,10000,20000",
    days: Annotated[int, typer.Option(min=1, help="Simulated days.")] = 365,
    replicates: Annotated[int, typer.Option(min=2, help="Seeds per size and engine.")] = 3,
    seed: SeedOption = 0,
    json_file: JsonOption = None,
) -> None:
    """scslab against Mesa on the reference model: speed, memory per agent, agreement (exit 1 if it fails)."""
    figures = run_compare(_sizes(sizes), days, replicates, seed)
    print_compare(figures)
    _save(json_file, figures)
    if not figures["passed"]:
        raise typer.Exit(1)


@app.command()
def scaling(
    sizes: Annotated[str, typer.Option(help="Numbers of agents, comma-separated.")] = "1e5,1e6,1e7",
    rates: Annotated[str, typer.Option(help="Offences per person-year (no system), comma-separated.")] = "0.5,2,8",
    rate_agents: Annotated[float, typer.Option(help="Agents for the runs over the offence rate.")] = 1e6,
    days: Annotated[int, typer.Option(min=1, help="Simulated days.")] = 365,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    json_file: JsonOption = None,
) -> None:
    """scslab alone: agent-days/s and peak memory over population size and over the offence rate."""
    figures = run_scaling(_sizes(sizes), _numbers(rates), int(rate_agents), days, seed)
    print_scaling(figures)
    _save(json_file, figures)


@app.command()
def full(
    agents: Annotated[int, typer.Option(min=1, help="Agents (default: China's population in 2018).")] = 1_411_780_000,
    days: Annotated[int, typer.Option(min=1, help="Simulated days.")] = 365,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    json_file: JsonOption = None,
) -> None:
    """scslab run china-2018 at full scale against the goals: 60 s wall clock, 20 GiB peak (exit 1 if missed)."""
    script = Path(sys.executable).with_name("scslab")
    if not script.exists():
        script = Path(shutil.which("scslab") or "scslab")
    with tempfile.TemporaryDirectory(prefix="scslab-full-") as tmp:
        warm_up = measure.execute([str(script), "run", "china-2018", "--agents", "1000", "--days", "2",
                                   "--quiet", "--out", f"{tmp}/warm-up"])
        if warm_up.returncode != 0:
            log.print(f"warm-up run failed ({warm_up.returncode}):\n{warm_up.stderr[-4000:]}")
            raise typer.Exit(1)
        argv = [str(script), "run", "china-2018", "--agents", str(agents), "--days", str(days), "--seed", str(seed),
                "--quiet", "--out", f"{tmp}/run"]
        log.print(" ".join(argv), soft_wrap=True)
        finished = measure.execute(argv)
        if finished.returncode != 0:
            log.print(f"scslab run failed ({finished.returncode}):\n{finished.stderr[-4000:]}")
            raise typer.Exit(1)
        summary = json.loads(Path(tmp, "run", "summary.json").read_text())
    peak_gib = finished.peak_rss_kib / 2**20
    figures = {
        "kind": "full", "agents": agents, "days": days, "seed": seed, "command": " ".join(["scslab", *argv[1:]]),
        "seconds": finished.seconds, "runtime_seconds": summary["runtime_seconds"],
        "peak_rss_kib": finished.peak_rss_kib, "phase_seconds": summary.get("phase_seconds"),
        "agent_days_per_second": agents * days / summary["runtime_seconds"],
        "goals": {"seconds": FULL_GOAL_SECONDS, "peak_rss_gib": FULL_GOAL_GIB},
        "met": {"seconds": finished.seconds <= FULL_GOAL_SECONDS, "peak_rss_gib": peak_gib <= FULL_GOAL_GIB},
    }
    table = Table(title=f"scslab run china-2018: {agents:,} agents, {days} days", title_justify="left")
    for column in ("measure", "value", "goal", ""):
        table.add_column(column, justify="left" if column in ("measure", "") else "right")
    verdict = {True: "[green]met[/]", False: "[red]missed[/]"}
    table.add_row("wall clock, whole command", f"{finished.seconds:.1f} s", f"{FULL_GOAL_SECONDS:g} s",
                  verdict[figures["met"]["seconds"]])
    table.add_row("peak resident memory", f"{peak_gib:.2f} GiB", f"{FULL_GOAL_GIB:g} GiB",
                  verdict[figures["met"]["peak_rss_gib"]])
    table.add_row("inside the simulation", f"{summary['runtime_seconds']:.1f} s", "", "")
    table.add_row("agent-days/s inside the simulation", f"{figures['agent_days_per_second']:,.0f}", "", "")
    for phase, seconds in (figures["phase_seconds"] or {}).items():
        table.add_row(f"  of which {phase}", f"{seconds:.1f} s", "", "")
    console.print(table)
    console.print("A 1,000-agent, 2-day run first compiles (or loads) the kernels, so compilation is not timed.",
                  highlight=False)
    _save(json_file, figures)
    if not all(figures["met"].values()):
        raise typer.Exit(1)


def _scenario_sizes(text: str) -> list[tuple[str, int]]:
    """``NAME:AGENTS,NAME:AGENTS``."""
    try:
        pairs = [part.split(":") for part in text.split(",") if part.strip()]
        return [(name.strip(), int(float(agents))) for name, agents in pairs]
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not of the form NAME:AGENTS[,NAME:AGENTS]") from None


@app.command()
def busy(
    scenarios: Annotated[str, typer.Option(help="NAME:AGENTS pairs, comma-separated.")] = (
        "china-2018:1000000,central-asia-2020:2000000"),
    repeats: Annotated[int, typer.Option(min=1, help="Runs of each condition.")] = 2,
    against: Annotated[Path | None, typer.Option(help="Another checkout to measure beside this one (its src/).")] = None,
    seed: SeedOption = 0,
    json_file: JsonOption = None,
) -> None:
    """scslab run with 1 and 2 threads, on a quiet machine and with one core held by a busy loop (exit 1 if 2
    threads are slower than 1 in any pair)."""
    sources = {"this": ROOT / "src"}
    if against is not None:
        if not (against / "src" / "scslab").is_dir():
            raise typer.BadParameter(f"{against}: no src/scslab in it", param_hint="--against")
        sources["against"] = against.resolve() / "src"
    load_before = os.getloadavg()
    rows = run_busy(sources, _scenario_sizes(scenarios), repeats, seed, log=lambda line: log.print(line))
    figures = {"kind": "busy", "rows": rows, "load_before": load_before, "load_after": os.getloadavg()}
    table = Table("version", "scenario", "machine", "1 thread", "2 threads", "2 / 1", title="Median wall seconds",
                  title_justify="left")
    slower = False
    cells = {}
    for row in rows:
        cells.setdefault((row["version"], row["scenario"], row["machine"]), {}).setdefault(row["threads"], []).append(
            row["seconds"])
    for (version, scenario, machine), by_threads in cells.items():
        one, two = (statistics.median(by_threads[t]) for t in (1, 2))
        slower |= version == "this" and two > one
        table.add_row(version, scenario, machine, f"{one:.1f}", f"{two:.1f}", f"{two / one:.2f}")
    console.print(table)
    console.print(f"Load average (1, 5, 15 min) before: {load_before[0]:.2f}, {load_before[1]:.2f}, "
                  f"{load_before[2]:.2f}; after: {figures['load_after'][0]:.2f}", highlight=False)
    _save(json_file, figures)
    if slower:
        raise typer.Exit(1)


@app.command()
def spread(
    scenario: Annotated[str, typer.Option(help="A many-country scenario.")] = "belt-and-road",
    agents: Annotated[int | None, typer.Option(min=1, help="Agents (default: the scenario's).")] = None,
    days: Annotated[int | None, typer.Option(min=1, help="Simulated days (default: the scenario's).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Local Dask worker processes, one thread each.")] = 3,
    worker_memory: Annotated[str, typer.Option(help="Each worker's memory limit, as Dask reads it.")] = "7GiB",
    seed: SeedOption = 0,
    json_file: JsonOption = None,
) -> None:
    """scslab run in one process and over local Dask workers: wall clock, peak memory of every process, and
    whether the result files are the same bytes (exit 1 if not)."""
    script = Path(sys.executable).with_name("scslab")
    script = script if script.exists() else Path(shutil.which("scslab") or "scslab")
    load_before = os.getloadavg()
    figures = run_spread(str(script), scenario, agents, days, seed, workers, worker_memory,
                         log=lambda line: log.print(line, soft_wrap=True, markup=False))
    figures |= {"kind": "spread", "load_before": load_before, "load_after": os.getloadavg()}
    one, many = figures["one_process"], figures["spread"]
    table = Table("run", "wall clock", "peak resident memory", title=f"scslab run {scenario}", title_justify="left")
    table.add_row("one process", f"{one['seconds']:.1f} s", f"{one['peak_rss_kib'] / 2**20:.2f} GiB")
    table.add_row(f"{workers} workers: the calling process", f"{many['seconds']:.1f} s",
                  f"{many['peak_rss_kib'] / 2**20:.2f} GiB")
    for rank, kib in enumerate(many["worker_peak_rss_kib"], 1):
        table.add_row(f"{workers} workers: worker {rank}", "", f"{kib / 2**20:.2f} GiB")
    console.print(table)
    verdict = "the same bytes" if figures["identical"] else f"DIFFERENT: {', '.join(figures['differing'])}"
    console.print(f"{len(figures['files_compared'])} result files (all but summary.json): {verdict}", highlight=False)
    _save(json_file, figures)
    if not figures["identical"]:
        raise typer.Exit(1)


@app.command()
def cache(
    scenario: Annotated[str, typer.Option(help="A one-country scenario.")] = "china-2018",
    agents: Annotated[int, typer.Option(min=1, help="Agents.")] = 200_000_000,
    seed: SeedOption = 0,
    json_file: JsonOption = None,
) -> None:
    """The population cache against synthesis, in this process: make and save, load, first read, synthesis."""
    figures = run_cache(scenario, agents, seed) | {"kind": "cache", "load": os.getloadavg()}
    table = Table("step", "seconds", title=f"{scenario}: {agents:,} agents", title_justify="left")
    for key, label in (("synthesis_seconds", "synthesis"), ("made_and_saved_seconds", "synthesis and saving"),
                       ("loaded_seconds", "loading (columns mapped)"), ("first_read_seconds", "first read of two columns")):
        table.add_row(label, f"{figures[key]:.3f}")
    console.print(table)
    _save(json_file, figures)


@app.command()
def ratios(
    against: Annotated[Path | None, typer.Option(help="Another checkout to measure beside this one (its src/).")] = None,
    agents: Annotated[float, typer.Option(help="Agents of the scslab runs.")] = 1e7,
    mesa_agents: Annotated[float, typer.Option(help="Agents of the Mesa runs (its cost per agent-day is flat).")] = 2e4,
    days: Annotated[int, typer.Option(min=1, help="Simulated days.")] = 365,
    repeats: Annotated[int, typer.Option(min=1, help="Runs of each, interleaved.")] = 2,
    seed: SeedOption = 0,
    json_file: JsonOption = None,
) -> None:
    """Agent-days per second on the reference model in one sitting: scslab against Mesa, and this checkout
    against another (same command, same outputs expected)."""
    if against is not None and not (against / "src" / "scslab").is_dir():
        raise typer.BadParameter(f"{against}: no src/scslab in it", param_hint="--against")
    source = None if against is None else against.resolve() / "src"
    figures = run_ratios(source, int(agents), int(mesa_agents), days, repeats, seed, log=lambda line: log.print(line))
    table = Table("run", "agents", "median s", "agent-days/s", "peak MiB", title=f"Reference model, {days} days, "
                  f"median of {repeats}", title_justify="left")
    for name, row in figures["rows"].items():
        table.add_row(name, f"{row['agents']:,}", f"{row['seconds']:.2f}", f"{row['agent_days_per_second']:,.0f}",
                      _mib(row["peak_rss_kib"]))
    console.print(table)
    console.print(f"this / Mesa: {figures['this_over_mesa']:,.0f}x agent-days per second", highlight=False)
    if against is not None:
        same = "the same outputs" if figures["same_outputs"] else "DIFFERENT outputs"
        console.print(f"this / {against}: {figures['this_over_against']:.2f}x agent-days per second, {same}",
                      highlight=False)
    _save(json_file, figures)


@app.command()
def agree(
    against: Annotated[Path, typer.Option(help="Another checkout to compare with (its src/).")],
    scenario: Annotated[str, typer.Option(help="A one-country scenario.")] = "china-2018",
    agents: Annotated[float, typer.Option(help="Agents of every run.")] = 1e6,
    seeds: Annotated[int, typer.Option(min=2, help="Seeds, each run with both versions.")] = 8,
    seed: SeedOption = 0,
    json_file: JsonOption = None,
) -> None:
    """A scenario's end values, this checkout against another, over paired seeds: each difference with its
    95% interval; exit 1 where one is beyond noise (|t| > agree.T_LIMIT)."""
    if not (against / "src" / "scslab").is_dir():
        raise typer.BadParameter(f"{against}: no src/scslab in it", param_hint="--against")
    figures = run_agree(against.resolve() / "src", scenario, int(agents), seeds, seed,
                        log=lambda line: log.print(line))
    table = Table("end value", "this", "against", "difference, % [95% interval]", "t", "",
                  title=f"{scenario}, {int(agents):,} agents, seeds {seed} to {seed + seeds - 1}, paired",
                  title_justify="left")
    for row in figures["rows"]:
        scale = 100 / abs(row["against"]) if row["against"] else None
        difference = (f"{row['difference'] * scale:+.2f} [{row['low'] * scale:+.2f}, {row['high'] * scale:+.2f}]"
                      if scale else f"{row['difference']:+.4g}")
        table.add_row(row["output"], f"{row['this']:,.4g}", f"{row['against']:,.4g}", difference, f"{row['t']:+.2f}",
                      "[green]PASS[/]" if row["passed"] else "[red]FAIL[/]")
    console.print(table)
    console.print(f"{figures['outside_95']} of {len(figures['rows'])} intervals miss 0 "
                  f"(about {0.05 * len(figures['rows']):.0f} expected by chance)", highlight=False)
    _save(json_file, figures)
    if not figures["passed"]:
        raise typer.Exit(1)


@app.command()
def profile(
    scenario: Annotated[str, typer.Option(help="A scenario to run.")] = "china-2018",
    agents: Annotated[float, typer.Option(help="Agents.")] = 1e7,
    days: Annotated[int, typer.Option(min=1, help="Simulated days.")] = 365,
    frequency: Annotated[int, typer.Option(min=1, max=10_000, help="Samples a second.")] = 499,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    json_file: JsonOption = None,
) -> None:
    """Where a run's time goes, kernel by kernel: ``perf record`` of one seed with the kernels' names
    (benchmarks/profile.py; needs perf). Kernels are compiled afresh, about a minute more."""
    if shutil.which("perf") is None:
        log.print("error: perf not found on PATH (Debian: apt-get install linux-perf)")
        raise typer.Exit(2)
    argv = ["run", scenario, "--agents", str(int(agents)), "--days", str(days), "--seed", str(seed),
            "--replicates", "1", "--quiet"]
    figures = run_profile(argv, frequency, log=lambda line: log.print(line, soft_wrap=True))
    table = Table("function", "samples", "% of scslab's", title=f"scslab {' '.join(argv)}", title_justify="left")
    for row in figures["rows"][:25]:
        table.add_row(row["function"], f"{row['samples']:,}", f"{row['percent_of_scslab']:.1f}")
    console.print(table)
    console.print(f"{figures['scslab_samples']:,} samples in scslab's functions at {frequency} a second",
                  highlight=False)
    _save(json_file, figures)


@app.command()
def smoke(json_file: JsonOption = None) -> None:
    """Tiny compare and scaling runs (well under a minute) checking that everything works; exit 1 if agreement fails."""
    figures = {"kind": "smoke", "compare": run_compare(**SMOKE_COMPARE, seed=0),
               "scaling": run_scaling(**SMOKE_SCALING, seed=0)}
    figures["passed"] = figures["compare"]["passed"]
    print_compare(figures["compare"])
    print_scaling(figures["scaling"])
    _save(json_file, figures)
    if not figures["passed"]:
        raise typer.Exit(1)


@app.command()
def one(
    engine: Annotated[str, typer.Option(help="scslab or mesa.")],
    agents: Annotated[int, typer.Option(min=1, help="Agents (one agent is one person).")],
    days: Annotated[int, typer.Option(min=1, help="Simulated days.")] = 365,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    set_: Annotated[list[str] | None, typer.Option("--set", help="scslab parameter override PATH=VALUE.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON on stdout.")] = False,
) -> None:
    """One timed run of the reference model in this process (the runner's child processes run this)."""
    if engine not in ENGINES:
        raise typer.BadParameter(f"{engine!r}: expected one of {', '.join(ENGINES)}", param_hint="--engine")
    figures = run(engine, agents, days, seed, set_ or [])
    if as_json:
        sys.stdout.write(json.dumps(figures) + "\n")
        return
    table = Table("measure", "value", title=f"{engine}: {agents:,} agents, {days} days, seed {seed}",
                  title_justify="left")
    table.add_row("seconds", f"{figures['seconds']:.3f}")
    table.add_row("agent-days/s", f"{figures['agent_days_per_second']:,.0f}")
    for output in OUTPUTS:
        table.add_row(output, f"{figures['outputs'][output]:,}")
    console.print(table)


def main() -> None:
    """The command line; a failed child process ends it with its error and exit code 2."""
    try:
        app(prog_name="python -m benchmarks")
    except measure.ChildFailed as error:
        log.print(f"error: {error}", markup=False)
        sys.exit(2)

