"""The ``scslab`` command line: scenarios, validate, run, params.

Bad input gets one line on stderr naming the file, the field and the problem,
and exit code 2; never a traceback. So does a usage error (an unknown option, a missing
argument, a bad option value), with a pointer to ``--help``. Ctrl-C gives one line and
exit code 130. Text is printed literally, never read as Rich markup or emoji codes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from typer.core import TyperGroup

from .capacity import MAX_SEED
from .files import Kind, OutputError, check_directory
from .scenario.loading import ScenarioError, builtin_names, load, read_raw, validate
from .summary import describe

INTERRUPTED = 130  # the exit code after Ctrl-C
console = Console(markup=False, emoji=False, highlight=False)
errors = Console(stderr=True, markup=False, emoji=False, highlight=False)


def say_error(line: str) -> None:
    """Print one line on stderr, literally and unwrapped."""
    errors.print(line, soft_wrap=True)


def fail(message: str) -> None:
    say_error(f"error: {message}")
    raise typer.Exit(2)


UsageError = typer.BadParameter.__base__  # Click's, from wherever this Typer takes Click


class Commands(TyperGroup):
    """The command group, with usage errors and Ctrl-C reported in one line."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        args = sys.argv[1:] if args is None else list(args)
        try:  # not standalone: Typer returns exit codes (130 for Ctrl-C) and raises usage errors
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except UsageError as error:
            if type(error).__name__ != "NoArgsIsHelpError":  # that one has printed the help
                say_error(self.usage_line(error, args))
            code = 2
        if code == INTERRUPTED:
            say_error("interrupted")
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)

    def usage_line(self, error: UsageError, args: list[str]) -> str:
        """A usage error as one line: what is wrong, then where to read the usage."""
        if type(error).__name__ == "NoSuchOption":
            message = f"no such option {error.option_name}"
            if error.possibilities:
                message += f" (did you mean {' or '.join(sorted(error.possibilities))}?)"
        else:
            message = " ".join(error.format_message().split()).rstrip(".")
            message = message[:1].lower() + message[1:]
        words = (error.ctx.command_path.split()[1:] if error.ctx is not None
                 else [a for a in args if a in self.commands][:1])  # Click names no command for some errors
        return f"error: {message} (see `{' '.join(['scslab', *words, '--help'])}`)"


app = typer.Typer(cls=Commands, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="scslab: simulate social credit systems on synthetic populations (models, never operates).")


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
    if not 0 <= seed <= MAX_SEED:
        fail(f"--seed: must be within 0..{MAX_SEED}, got {seed}")
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


Overwrite = Annotated[bool, typer.Option(help="Replace an earlier output of this command at --out (only that).")]


def check_out(target: Path, kind: Kind, overwrite: bool) -> Path:
    """An output directory that may be written: new or empty, or (with --overwrite) an earlier ``kind`` output."""
    try:
        check_directory(target, kind, overwrite)
    except OutputError as error:
        fail(f"--out {error}")
    return target


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or path to a TOML file.")],
    agents: Annotated[Optional[str], typer.Option(metavar="INTEGER", help="Agents to simulate (default: the scenario's).")] = None,
    days: Annotated[Optional[str], typer.Option(metavar="INTEGER", help="Simulate this many days from the start.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Simulate up to this date (YYYY-MM-DD).")] = None,
    seed: Annotated[str, typer.Option(metavar="INTEGER", help="Random seed.")] = "0",
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override a parameter: PATH=VALUE (repeatable).")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Output directory, new or empty (default runs/<scenario>-<timestamp>).")] = None,
    overwrite: Overwrite = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    report: Annotated[bool, typer.Option(help="Also write report.html and figures/ (see `scslab report`).")] = False,
) -> None:
    """Run a scenario, write its results and print a plain-language summary."""
    from .sim import Sim
    from .results import run_kind

    try:
        loaded = load(scenario, set_ or [])
    except ScenarioError as error:
        fail(str(error))
    agents, days, until_date, seed = run_options(loaded, agents, days, until, seed)
    try:
        sim = Sim(loaded, agents=agents, seed=seed, days=days, until=until_date)
    except ValueError as error:
        fail(str(error))
    target = check_out(out or Path("runs") / f"{loaded.name}-{dt.datetime.now():%Y%m%d-%H%M%S}", run_kind(), overwrite)

    total = sim.scenario.days
    with Progress(TextColumn("{task.description}", style="bold", markup=False), BarColumn(), MofNCompleteColumn(),
                  TextColumn("days"), TimeElapsedColumn(), TimeRemainingColumn(), console=errors,
                  disable=quiet or not errors.is_terminal, transient=True) as bar:
        task = bar.add_task(f"{loaded.name}", total=total)
        results = sim.run(progress=lambda done, _: bar.update(task, completed=done))
    try:
        results.save(target, overwrite)
    except OutputError as error:
        fail(f"--out {error}")
    except OSError as error:
        fail(f"--out {target}: cannot write results ({error.strerror or error})")
    console.print(describe(results.summary), soft_wrap=True)
    if report:
        _write_report(target, results, " ".join(["scslab"] + sys.argv[1:]))
    files = sorted(p.name for p in target.iterdir())
    console.print(f"\nResults written to {target}/ ({', '.join(files)})", soft_wrap=True)


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

    port = _whole("--port", port)
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
