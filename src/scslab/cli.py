"""The ``scslab`` command line: scenarios, validate, run, params.

Bad input gets one line on stderr naming the file, the field and the problem,
and exit code 2; never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from .scenario.loading import ScenarioError, builtin_names, load, read_raw, validate
from .summary import describe

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="scslab: simulate social credit systems on synthetic populations (models, never operates).")
console = Console()
errors = Console(stderr=True)


def fail(message: str) -> None:
    errors.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


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
    console.print(f"{file}: valid scenario {scenario.name!r} ({scenario.start_date} to {scenario.end_date})",
                  highlight=False)


MAX_DAYS = 32000  # the engine keeps days in 16-bit integers; the schema allows shorter periods only


def _whole(option: str, text: str | None) -> int | None:
    """An integer option, read here so that a bad one gets the usual one-line error."""
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        fail(f"{option}: {text!r} is not a whole number")


def run_options(loaded, agents: str | None, days: str | None, until: str | None, seed: str
                ) -> tuple[int | None, int | None, dt.date | None, int]:
    """The --agents, --days, --until and --seed options, read and checked against the scenario."""
    agents, days, seed = _whole("--agents", agents), _whole("--days", days), _whole("--seed", seed)
    if days is not None and until is not None:
        fail("--days and --until: give one or the other, not both")
    if agents is not None and agents < 1:
        fail(f"--agents: must be at least 1, got {agents}")
    if agents is not None and agents >= 2**31 - 1:
        fail(f"--agents: must be below 2,147,483,647, got {agents}")
    if days is not None and days < 1:
        fail(f"--days: must be at least 1, got {days}")
    if days is not None and days > MAX_DAYS:
        fail(f"--days: must be at most {MAX_DAYS:,}, got {days}")
    if seed < 0:
        fail(f"--seed: must not be negative, got {seed}")
    until_date = None
    if until is not None:
        try:
            until_date = dt.date.fromisoformat(until)
        except ValueError:
            fail(f"--until: {until!r} is not a date of the form YYYY-MM-DD")
        if until_date < loaded.start_date:
            fail(f"--until: {until} is before the scenario start {loaded.start_date}")
        if (until_date - loaded.start_date).days >= MAX_DAYS:
            fail(f"--until: {until} is {MAX_DAYS:,} days or more after the scenario start {loaded.start_date}")
    return agents, days, until_date, seed


def check_out(target: Path, directory: bool = True) -> Path:
    """An output path that can be written: a directory (or a file), under directories."""
    if directory and target.exists() and not target.is_dir():
        fail(f"--out {target}: exists and is not a directory")
    if not directory and target.is_dir():
        fail(f"--out {target}: is a directory, not a file")
    blocking = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        fail(f"--out {target}: {blocking} is not a directory")
    return target


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or path to a TOML file.")],
    agents: Annotated[Optional[str], typer.Option(metavar="INTEGER", help="Agents to simulate (default: the scenario's).")] = None,
    days: Annotated[Optional[str], typer.Option(metavar="INTEGER", help="Simulate this many days from the start.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Simulate up to this date (YYYY-MM-DD).")] = None,
    seed: Annotated[str, typer.Option(metavar="INTEGER", help="Random seed.")] = "0",
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override a parameter: PATH=VALUE (repeatable).")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Output directory (default runs/<scenario>-<timestamp>).")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    report: Annotated[bool, typer.Option(help="Also write report.html and figures/ (see `scslab report`).")] = False,
) -> None:
    """Run a scenario, write its results and print a plain-language summary."""
    from .engine import Sim

    try:
        loaded = load(scenario, set_ or [])
    except ScenarioError as error:
        fail(str(error))
    agents, days, until_date, seed = run_options(loaded, agents, days, until, seed)
    try:
        sim = Sim(loaded, agents=agents, seed=seed, days=days, until=until_date)
    except ValueError as error:
        fail(str(error))
    target = check_out(out or Path("runs") / f"{loaded.name}-{dt.datetime.now():%Y%m%d-%H%M%S}")

    total = sim.scenario.days
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("days"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=errors, disable=quiet, transient=True) as bar:
        task = bar.add_task(f"{loaded.name}", total=total)
        results = sim.run(progress=lambda done, _: bar.update(task, completed=done))
    try:
        results.save(target)
    except OSError as error:
        fail(f"--out {target}: cannot write results ({error.strerror or error})")
    console.print(describe(results.summary), highlight=False, soft_wrap=True)
    if report:
        _write_report(target, results, " ".join(["scslab"] + sys.argv[1:]))
    files = sorted(p.name for p in target.iterdir())
    console.print(f"\nResults written to {target}/ ({', '.join(files)})", highlight=False, soft_wrap=True)


def _write_report(run_dir: Path, results, command: str | None) -> Path:
    from .report import write_report

    try:
        return write_report(run_dir, results, command)
    except OSError as error:
        fail(f"{run_dir}: cannot write the report ({error.strerror or error})")


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A directory written by `scslab run`.")],
) -> None:
    """Write RUN_DIR/report.html (one self-contained file, opens offline) and RUN_DIR/figures/*.png."""
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
    console.print(f"Report written to {path} (figures in {run_dir / 'figures'}/)", highlight=False, soft_wrap=True)


@app.command()
def dashboard(
    port: Annotated[int, typer.Option(help="Port to serve on.", min=1, max=65535)] = 8501,
    host: Annotated[str, typer.Option(help="Address to bind; 127.0.0.1 keeps it on this machine.")] = "127.0.0.1",
) -> None:
    """Serve the policy-lab web app on http://HOST:PORT (open it in a browser; Ctrl-C stops it)."""
    from .dashboard import serve

    if host not in ("127.0.0.1", "localhost", "::1"):
        errors.print(f"warning: serving on {host}: anyone who can reach this address can use the dashboard",
                     highlight=False)
    console.print(f"scslab dashboard on http://{host}:{port} (Ctrl-C stops it)", highlight=False)
    raise typer.Exit(serve(host, port))


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


from . import experiment_commands  # noqa: E402,F401  (registers compare, sweep, calibrate, sensitivity)


def main() -> None:  # pragma: no cover - entry point
    app()
