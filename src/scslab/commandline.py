"""What every ``scslab`` command shares: the Typer app, the consoles, the one-line errors and the run options.

``cli`` and ``experiment_commands`` register their commands on :data:`app` and import only from here.
Bad input gets one line on stderr naming the file, the field and the problem,
and exit code 2; never a traceback. So does a usage error (an unknown option, a missing
argument, a bad option value), with a pointer to ``--help``. Ctrl-C gives one line and
exit code 130. Text is printed literally, never read as Rich markup or emoji codes.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from typer.core import TyperGroup

from .units import AGENT_LIMIT, MAX_DAYS

from .capacity import MAX_SEED
from .files import Kind, OutputError, check_directory, remember_interrupts

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
        remember_interrupts()
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




def whole(option: str, text: str | None) -> int | None:
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
    agents, days, seed = whole("--agents", agents), whole("--days", days), whole("--seed", seed)
    if days is not None and until is not None:
        fail("--days and --until: give one or the other, not both")
    if agents is not None and agents < 1:
        fail(f"--agents: must be at least 1, got {agents}")
    if agents is not None and agents >= AGENT_LIMIT:
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


def check_out(target: Path, kind: Kind, overwrite: bool, option: str = "--out") -> Path:
    """An output directory that may be written: new or empty, or (with --overwrite) an earlier ``kind`` output."""
    try:
        check_directory(target, kind, overwrite)
    except OutputError as error:
        fail(f"{option} {error}")
    return target


