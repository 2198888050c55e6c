"""The ``scslab`` program (:func:`main`): the commands scenarios, validate, run, report, dashboard and params,
then those of :mod:`scslab.experiment_commands`, on the app of :mod:`scslab.commandline` (errors, Ctrl-C, exit codes).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from .commandline import (INTERRUPTED, Overwrite, app, check_out, console, errors, fail, run_options, say_error,
                          whole)
from .files import OutputError
from .scenario.loading import ScenarioError, builtin_names, load, read_raw, validate
from .summary import describe


@app.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    table = Table("name", "description", box=None)
    for name in builtin_names():
        table.add_row(name, load(name).description)
    console.print(table)


@app.command("validate")
def validate_command(file: Annotated[str, typer.Argument(help="Scenario TOML file or built-in name.")]) -> None:
    """Check a scenario file: exit 0 if valid, 2 with the error otherwise."""
    try:
        data, source = read_raw(file)
        scenario = validate(data, source)
    except ScenarioError as error:
        fail(str(error))
    console.print(f"{file}: valid scenario {scenario.name!r} ({scenario.start_date} to {scenario.end_date})")


@app.command()
def run(
    scenario: Annotated[Optional[str], typer.Argument(
        help="Built-in scenario name or path to a TOML file (with --from-state: the saved run's if left out).")] = None,
    agents: Annotated[Optional[str], typer.Option(metavar="INTEGER", help="Agents to simulate (default: the scenario's).")] = None,
    days: Annotated[Optional[str], typer.Option(metavar="INTEGER", help="Simulate this many days from the start.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Simulate up to this date (YYYY-MM-DD).")] = None,
    seed: Annotated[Optional[str], typer.Option(metavar="INTEGER", help="Random seed (default 0).")] = None,
    replicates: Annotated[Optional[str], typer.Option(
        metavar="INTEGER", help="Seeds to run, seed .. seed+N-1, for every figure's 95% interval (default: 5 for a "
        "run of at most 2,000 million agent-days, else 1; one run's counts take their Poisson interval).")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override a parameter: PATH=VALUE (repeatable).")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Output directory, new or empty (default runs/<scenario>-<timestamp>).")] = None,
    overwrite: Overwrite = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    report: Annotated[bool, typer.Option(help="Also write report.html and figures/ (see `scslab report`).")] = False,
    profile: Annotated[bool, typer.Option(help="Also print the time spent in each phase of the day.")] = False,
    workers: Annotated[Optional[str], typer.Option(
        metavar="INTEGER", help="Spread a many-country scenario's countries over this many local Dask worker "
        "processes (default: all in this process). Same results, byte for byte.")] = None,
    scheduler: Annotated[Optional[str], typer.Option(
        help="Spread a many-country scenario's countries over the workers of an existing Dask scheduler "
        "(tcp://HOST:PORT).")] = None,
    population_cache: Annotated[Optional[Path], typer.Option(
        help="Keep synthesized populations in this directory and load them from it on later runs of the same "
        "population, size and seed (the variable SCSLAB_POPULATION_CACHE does the same).")] = None,
    save_state: Annotated[Optional[tuple[str, Path]], typer.Option(
        metavar="DATE DIR", help="Also save the run's state as DATE (YYYY-MM-DD) begins into DIR, new or empty, to "
        "continue or branch from with --from-state (one seed; one-country scenarios).")] = None,
    from_state: Annotated[Optional[Path], typer.Option(
        metavar="DIR", help="Continue a run saved with --save-state from its date: its scenario with --set changes "
        "(or SCENARIO), which act from that date; the saved run's agents, seed and period.")] = None,
) -> None:
    """Run a scenario, write its results and print a plain-language summary."""
    from .checkpoint import StateError
    from .results import run_kind
    from .sim import MAX_REPLICATES, Sim

    if from_state is not None:
        for option, value in (("--agents", agents), ("--days", days), ("--until", until), ("--seed", seed),
                              ("--replicates", replicates)):
            if value is not None:
                fail(f"{option}: a run from a saved state keeps the saved run's agents, seed and period; leave it out")
        checkpoint, loaded = _from_state(from_state, scenario, set_ or [])
        agents, days, until_date, seed = None, None, None, 0
    elif scenario is None:
        fail("SCENARIO: give a scenario, or --from-state DIR to continue a saved run")
    else:
        try:
            loaded = load(scenario, set_ or [])
        except ScenarioError as error:
            fail(str(error))
        agents, days, until_date, seed = run_options(loaded, agents, days, until, seed or "0")
    if population_cache is not None:
        from .population_cache import VARIABLE

        if population_cache.exists() and not population_cache.is_dir():
            fail(f"--population-cache {population_cache}: not a directory")
        os.environ[VARIABLE] = str(population_cache.resolve())  # local Dask workers inherit it
    count = whole("--replicates", replicates)
    if count is not None and not 1 <= count <= MAX_REPLICATES:
        fail(f"--replicates: must be within 1..{MAX_REPLICATES}, got {count}")
    if save_state is not None:
        if count not in (None, 1):
            fail(f"--save-state: a saved state is one seed's run; give --replicates 1, not {count}")
        count = 1
    spread = _spread_options(loaded, workers, scheduler)
    with _cluster(spread) as client:
        try:
            if from_state is not None:
                sim = Sim.from_state(checkpoint, loaded)
            else:
                sim = Sim(loaded, agents=agents, seed=seed, days=days, until=until_date, replicates=count,
                          client=client)
        except StateError as error:  # the scenario cannot continue the state
            fail(f"--from-state {error}")
        except ValueError as error:
            fail(str(error))
        saving = _save_state_options(sim, save_state, overwrite)
        target = check_out(out or Path("runs") / f"{loaded.name}-{dt.datetime.now():%Y%m%d-%H%M%S}", run_kind(),
                           overwrite)
        total = sim.scenario.days - (sim.start.day if sim.start is not None else 0)
        with Progress(TextColumn("{task.description}", style="bold", markup=False), BarColumn(),
                      MofNCompleteColumn(), TextColumn("days"), TimeElapsedColumn(), TimeRemainingColumn(),
                      console=errors, disable=quiet or not errors.is_terminal, transient=True) as bar:
            task = bar.add_task(f"{loaded.name}", total=total * sim.replicates)
            try:
                results = sim.run(progress=lambda done, _: bar.update(task, completed=done), save_state=saving)
            except OutputError as error:
                fail(f"--save-state {error}")
            except OSError as error:
                fail(f"--save-state {saving[1]}: cannot write the state ({error.strerror or error})")
    try:
        results.save(target, overwrite)
    except OutputError as error:
        fail(f"--out {error}")
    except OSError as error:
        fail(f"--out {target}: cannot write results ({error.strerror or error})")
    console.print(describe(results.summary), soft_wrap=True)
    if from_state is not None:
        console.print(f"\nContinued from the state saved in {from_state} at {sim.start.date}: the days before it are "
                      "the saved run's, and the scenario's parameters act from that date.", soft_wrap=True)
    if profile:
        console.print(_profile_table(results.summary["phase_seconds"]))
    if report:
        _write_report(target, results, " ".join(["scslab"] + sys.argv[1:]))
    files = sorted(p.name for p in target.iterdir())
    console.print(f"\nResults written to {target}/ ({', '.join(files)})", soft_wrap=True)


def _from_state(directory: Path, scenario: str | None, overrides: list[str]):
    """The saved state in ``directory`` and the scenario a run from it continues with (``run --from-state``)."""
    from .checkpoint import Checkpoint, StateError

    try:
        checkpoint = Checkpoint.load(directory)
        loaded = load(scenario, overrides) if scenario is not None else checkpoint.scenario(overrides)
    except StateError as error:
        fail(f"--from-state {error}")
    except ScenarioError as error:
        fail(str(error))
    return checkpoint, loaded


def _save_state_options(sim, save_state: tuple[str, Path] | None, overwrite: bool):
    """``--save-state DATE DIR`` checked: (date, directory), or None."""
    from .checkpoint import STATE

    if save_state is None:
        return None
    text, directory = save_state
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        fail(f"--save-state: {text!r} is not a date of the form YYYY-MM-DD")
    try:
        sim.check_save(date)
    except ValueError as error:
        fail(f"--save-state: {error}")
    return date, check_out(directory, STATE, overwrite, "--save-state")


def _spread_options(loaded, workers: str | None, scheduler: str | None) -> tuple[int, str | None] | None:
    """``--workers`` and ``--scheduler`` checked: None for a run in this process."""
    from .experiments.cluster import check_address

    count = whole("--workers", workers)
    if count is None and scheduler is None:
        return None
    if count is not None and scheduler is not None:
        fail("--workers and --scheduler: give one or the other")
    if count is not None and count < 1:
        fail(f"--workers: must be at least 1, got {count}")
    if not loaded.countries:
        fail(f"--{'workers' if scheduler is None else 'scheduler'}: {loaded.name} is a one-country scenario; only a "
             "many-country scenario's countries are spread over workers")
    if scheduler is not None:
        try:
            check_address(scheduler)
        except ScenarioError as error:
            fail(str(error))
    return count, scheduler


@contextlib.contextmanager
def _cluster(spread):
    """A Dask client for ``spread`` (None: no client, a run in this process); a worker lost exits 1 with one line."""
    if spread is None:
        yield None
        return
    from . import WORKER_VARIABLE
    from .experiments.cluster import executor
    from .remote import CountryLost

    os.environ[WORKER_VARIABLE] = "1"  # the local workers leave Ctrl-C to this process
    try:
        with executor(*spread) as client:
            yield client
    except ScenarioError as error:
        fail(str(error))
    except CountryLost as error:
        say_error(f"error: {error}")
        raise typer.Exit(1) from None
    finally:
        del os.environ[WORKER_VARIABLE]


def _profile_table(seconds: dict[str, float]) -> Table:
    """Seconds and share of the run in each phase of the day, largest first."""
    total = sum(seconds.values()) or 1.0
    table = Table("phase", "seconds", "share", title="Seconds by phase of the day", box=None)
    for name, t in sorted(seconds.items(), key=lambda item: -item[1]):
        table.add_row(name, f"{t:.2f}", f"{t / total:.0%}")
    return table


def _write_report(run_dir: Path, results, command: str | None) -> Path:
    from .report import write_report

    try:
        return write_report(run_dir, results, command)
    except OutputError as error:
        fail(str(error))
    except OSError as error:
        fail(f"{run_dir}: cannot write the report ({error.strerror or error})")


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A directory written by `scslab run`.")],
) -> None:
    """Write RUN_DIR/report.html (one self-contained file, opens offline) and RUN_DIR/figures/*.png,
    replacing only an earlier report and its figures."""
    from .results import Results

    if not run_dir.is_dir():
        fail(f"{run_dir}: no such run directory")
    missing = [name for name in ("summary.json", "timeseries.parquet", "by_group.parquet", "scenario.toml")
               if not (run_dir / name).is_file()]
    if missing:
        fail(f"{run_dir}: not a run directory (missing {', '.join(missing)})")
    try:
        results = Results.load(run_dir)
    except ScenarioError as error:
        fail(f"{run_dir}/scenario.toml: {error}")
    except (OSError, ValueError, KeyError) as error:
        fail(f"{run_dir}: cannot read the results ({error})")
    path = _write_report(run_dir, results, None)
    console.print(f"Report written to {path} (figures in {run_dir / 'figures'}/)", soft_wrap=True)


@app.command()
def dashboard(
    port: Annotated[str, typer.Option(metavar="INTEGER", help="Port to serve on (1 to 65535).")] = "8501",
    host: Annotated[str, typer.Option(help="Address to bind; 127.0.0.1 keeps it on this machine.")] = "127.0.0.1",
) -> None:
    """Serve the policy-lab web app on http://HOST:PORT (open it in a browser; Ctrl-C stops it)."""
    from .dashboard import serve

    port = whole("--port", port)
    if not 1 <= port <= 65535:
        fail(f"--port: must be between 1 and 65535, got {port}")
    if host not in ("127.0.0.1", "localhost", "::1"):
        errors.print(f"warning: serving on {host}: anyone who can reach this address can use the dashboard")
    console.print(f"scslab dashboard on http://{host}:{port} (Ctrl-C stops it)")
    try:
        serve(host, port)
    except OSError as error:
        fail(f"dashboard: cannot start the server ({error.strerror or error})")


@app.command()
def params(
    markdown: Annotated[bool, typer.Option(help="Print the parameter reference as Markdown.")] = False,
) -> None:
    """List every scenario parameter with its unit, default, meaning and source."""
    from .scenario.reference import parameter_rows, to_markdown

    rows = parameter_rows()
    if markdown:
        sys.stdout.write(to_markdown(rows))
        return
    table = Table("path", "unit", "default", "meaning", box=None)
    for row in rows:
        table.add_row(row["path"], row["unit"], json.dumps(row["default"], default=str)[:40], row["meaning"])
    console.print(table)


@app.command("outputs")
def outputs_command(
    markdown: Annotated[bool, typer.Option(help="Print the output reference as Markdown.")] = False,
) -> None:
    """List every output a run reports with its unit, kind, mechanism and meaning."""
    from . import mechanisms  # noqa: F401  (every mechanism module: every output declared)
    from . import outputs

    if markdown:
        sys.stdout.write(outputs.to_markdown())
        return
    table = Table("output", "unit", "kind", "mechanism", "meaning", box=None)
    for o in outputs.every():
        table.add_row(o.name, o.unit, o.kind, outputs.owner(o.name), o.meaning)
    console.print(table)


# After the commands above, which help lists first (in the order they are registered):
from . import experiment_commands  # noqa: E402,F401  (registers compare, sweep, calibrate, sensitivity)


def main() -> None:
    """The ``scslab`` program: the command line, and after Ctrl-C nothing more on stderr than its one line."""
    try:
        app(prog_name="scslab")
    except SystemExit as exit:
        if exit.code == INTERRUPTED:  # silence what shutting down workers and threads may still print
            sys.stderr.flush()
            os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
        raise
