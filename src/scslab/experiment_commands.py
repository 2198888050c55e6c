"""The experiment commands of ``scslab``: compare, sweep, calibrate, sensitivity, validate-model.

They run on a local Dask cluster (one single-threaded worker process per core) unless
``--workers 0`` (this process) or ``--scheduler ADDRESS`` (an existing cluster) says otherwise.
A scenario argument is a built-in name or a TOML file, optionally followed by
``+PATH=VALUE`` overrides (``china-2018+rulebook.mode=public``).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from . import WORKER_VARIABLE
from .commandline import Overwrite, app, check_out, console, fail, run_options, say_error, whole
from .files import OutputError
from .scenario.loading import ScenarioError

Agents = Annotated[Optional[str], typer.Option(metavar="INTEGER", help="Agents per run (default: the scenario's).")]
Days = Annotated[Optional[str], typer.Option(metavar="INTEGER", help="Simulate this many days from the start.")]
Until = Annotated[Optional[str], typer.Option(help="Simulate up to this date (YYYY-MM-DD).")]
Seed = Annotated[str, typer.Option(metavar="INTEGER", help="First seed; replicate r uses seed + r.")]
Workers = Annotated[Optional[str], typer.Option(
    metavar="INTEGER", help="Local Dask worker processes (default: one per core; 0: run in this process).")]
Scheduler = Annotated[Optional[str], typer.Option(help="Address of an existing Dask scheduler (tcp://HOST:PORT).")]
Params = Annotated[Optional[list[str]], typer.Option(
    "--param", help="A parameter and its range: PATH=LOW:HIGH[:LEVELS][:uniform|log] (repeatable).")]
Outputs = Annotated[Optional[list[str]], typer.Option("--output", help="An output to report (repeatable).")]
Quiet = Annotated[bool, typer.Option(help="No progress bar.")]


def _base(spec: str):
    from .experiments.compare import load_variant

    try:
        return load_variant(spec)
    except ScenarioError as error:
        fail(str(error))


def _count(option: str, text: str | None, minimum: int) -> int | None:
    value = whole(option, text)
    if value is not None and value < minimum:
        fail(f"{option}: must be at least {minimum}, got {value}")
    return value


def _date(option: str, text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: {text!r} is not a date of the form YYYY-MM-DD")


def _timestamped(kind: str) -> Path:
    return Path("runs") / f"{kind}-{dt.datetime.now():%Y%m%d-%H%M%S}"


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def _attempt(action):
    """Run an experiment: bad input exits 2 with its line, a failed run exits 1 with its error."""
    os.environ[WORKER_VARIABLE] = "1"  # the local workers leave Ctrl-C to this process
    try:
        return action()
    except ScenarioError as error:
        fail(str(error))
    except typer.Exit:
        raise
    except RuntimeError as error:
        say_error(f"error: {error}")
        raise typer.Exit(1) from None
    finally:
        del os.environ[WORKER_VARIABLE]


def _outputs(action, target: Path):
    """Check or write an experiment's outputs at ``target`` with ``action()``; a refusal exits 2 with one line."""
    try:
        return action()
    except OutputError as error:
        fail(f"--out {error}")
    except OSError as error:
        fail(f"--out {target}: cannot write the results ({error.strerror or error})")


@app.command()
def compare(
    scenarios: Annotated[list[str], typer.Argument(help="Two or more scenarios; each is compared with the first.")],
    replicates: Annotated[str, typer.Option(metavar="INTEGER", help="Seeds per scenario (the same for all).")] = "10",
    output: Outputs = None, agents: Agents = None, days: Days = None, until: Until = None, seed: Seed = "0",
    independent: Annotated[bool, typer.Option(help="Independent seeds per scenario instead of common random numbers.")] = False,
    branch_at: Annotated[Optional[str], typer.Option(
        metavar="DATE", help="Run each seed's history before DATE (YYYY-MM-DD) once, with the first scenario, and "
        "continue every scenario from it: they differ only from DATE (one-country scenarios of one population).")] = None,
    workers: Workers = None, scheduler: Scheduler = None,
    out: Annotated[Optional[Path], typer.Option(help="Output directory, new or empty (default runs/compare-<timestamp>).")] = None,
    overwrite: Overwrite = False, quiet: Quiet = False,
) -> None:
    """Compare scenarios over the same seeds: each output's mean and the difference from the first, with 95% intervals."""
    from .experiments import compare as run_compare
    from .experiments.compare import COMPARISON

    loaded = [_base(spec) for spec in scenarios]
    agents_n, days_n, until_date, seed_n = run_options(loaded[0], agents, days, until, seed)
    target = check_out(out or _timestamped("compare"), COMPARISON, overwrite)
    result = _attempt(lambda: run_compare(
        loaded, _count("--replicates", replicates, 2), agents=agents_n, seed=seed_n, days=days_n, until=until_date,
        outputs=output, paired=not independent, labels=scenarios, workers=_count("--workers", workers, 0),
        scheduler=scheduler, progress=not quiet, branch_at=_date("--branch-at", branch_at)))
    table = Table("output", "scenario", "mean", f"difference from {scenarios[0]} [95% CI]", box=None)
    for row in result.table.itertuples():
        first = row.scenario == scenarios[0]
        difference = "" if first else f"{_number(row.difference)} [{_number(row.low)}, {_number(row.high)}]"
        table.add_row(row.output if first else "", row.scenario, _number(row.mean), difference)
    console.print(table)
    _outputs(lambda: result.save(target, overwrite), target)
    kind = "independent seeds" if independent else "common random numbers"
    kind += f", branched at {branch_at}" if branch_at else ""
    console.print(f"\n{len(result.runs)} runs ({kind}); written to {target}/ (comparison.csv, runs.csv)",
                  soft_wrap=True)


@app.command()
def sweep(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or TOML file (+PATH=VALUE overrides).")],
    out: Annotated[Path, typer.Option(help="Directory of the sweep's DuckDB catalog, new or empty; run again to resume.")],
    param: Params = None,
    sample: Annotated[str, typer.Option(help="grid (every combination of LEVELS), lhs or sobol.")] = "grid",
    n: Annotated[Optional[str], typer.Option(metavar="INTEGER", help="Points for lhs and sobol sampling.")] = None,
    replicates: Annotated[str, typer.Option(metavar="INTEGER", help="Seeds per point.")] = "1",
    agents: Agents = None, days: Days = None, until: Until = None, seed: Seed = "0",
    workers: Workers = None, scheduler: Scheduler = None,
    timeseries: Annotated[bool, typer.Option(help="Keep every run's daily time series in the catalog.")] = True,
    quiet: Quiet = False,
) -> None:
    """Run many points of a parameter space on Dask into a DuckDB catalog (runs, timeseries); resumable."""
    from .experiments import sweep as run_sweep
    from .experiments.catalog import CATALOG, CATALOG_FILE, Catalog

    loaded = _base(scenario)
    agents_n, days_n, until_date, seed_n = run_options(loaded, agents, days, until, seed)
    check_out(out, CATALOG, overwrite=True)  # its own catalog is resumed, never replaced
    report = _attempt(lambda: run_sweep(
        loaded, param or [], out, sample=sample, n=_count("--n", n, 1), replicates=_count("--replicates", replicates, 1),
        seed=seed_n, agents=agents_n, days=days_n, until=until_date, keep_timeseries=timeseries,
        workers=_count("--workers", workers, 0), scheduler=scheduler, progress=not quiet))
    console.print(f"{report.planned} runs planned: {report.skipped} already done, {report.ran} run now, "
                  f"{report.failed} failed.")
    with Catalog(out, read_only=True) as catalog:
        names = [p.split("=", 1)[0].strip() for p in param]
        columns = ", ".join(f'"{p}"' for p in names)
        points = catalog.query(f"SELECT {columns}, count(*) AS runs, avg(listed) AS listed, "
                               f"avg(wrongly_listed) AS wrongly_listed, avg(expression_rate) AS expression_rate "
                               f"FROM runs WHERE status = 'done' GROUP BY {columns} ORDER BY {columns}")
    table = Table(*names, "runs", "listed", "wrongly listed", "expression rate", box=None)
    for row in points.head(30).itertuples(index=False):
        table.add_row(*(_number(v) for v in row))
    console.print(table)
    if len(points) > 30:
        console.print(f"... {len(points) - 30} more points")
    console.print(f"\nCatalog: {out / CATALOG_FILE} (tables sweep, runs, timeseries); query it with SQL, e.g.\n"
                  f"  python -c \"import duckdb; print(duckdb.connect('{out / CATALOG_FILE}', read_only=True)"
                  f".sql('SELECT * FROM runs LIMIT 5'))\"", soft_wrap=True)
    if report.failed:
        raise typer.Exit(1)


@app.command()
def calibrate(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or TOML file (+PATH=VALUE overrides).")],
    targets: Annotated[Path, typer.Option(help="CSV of published figures: date, quantities (and tolerance).")],
    out: Annotated[Path, typer.Option(help="The calibrated scenario file to write (.toml); a fit report goes beside it.")],
    overwrite: Overwrite = False,
    param: Params = None,
    trials: Annotated[str, typer.Option(metavar="INTEGER", help="Optuna trials.")] = "40",
    replicates: Annotated[str, typer.Option(metavar="INTEGER", help="Seeds averaged per trial.")] = "1",
    tolerance: Annotated[float, typer.Option(help="Relative tolerance of targets without their own.")] = 0.15,
    agents: Agents = None, days: Days = None, until: Until = None, seed: Seed = "0",
    workers: Workers = None, scheduler: Scheduler = None, quiet: Quiet = False,
) -> None:
    """Fit parameters to published figures with Optuna; write the calibrated scenario and its fit."""
    from .experiments import calibrate as run_calibrate
    from .experiments.calibrate import calibration_paths

    loaded = _base(scenario)
    agents_n, days_n, until_date, seed_n = run_options(loaded, agents, days, until, seed)
    _outputs(lambda: calibration_paths(out, overwrite), out)
    if not tolerance > 0:
        fail(f"--tolerance: must be positive, got {tolerance}")
    result = _attempt(lambda: run_calibrate(
        loaded, param or [], targets, trials=_count("--trials", trials, 1), agents=agents_n, days=days_n,
        until=until_date, seed=seed_n, replicates=_count("--replicates", replicates, 1), default_tolerance=tolerance,
        workers=_count("--workers", workers, 0), scheduler=scheduler, progress=not quiet))
    values = Table("parameter", "fitted value", box=None)
    for name, value in result.best.items():
        values.add_row(name, f"{value:.6g}")
    console.print(values)
    fit = Table("date", "quantity", "published", "model", "error", "tolerance", "within", box=None)
    for row in result.fit.itertuples():
        fit.add_row(str(row.date.date()), row.quantity, _number(row.published), _number(row.model),
                    f"{row.error:+.1%}", f"{row.tolerance:.0%}", "yes" if row.within else "NO")
    console.print(fit)
    paths = _outputs(lambda: result.save(out, overwrite), out)
    console.print(f"\n{int(result.fit['within'].sum())} of {len(result.fit)} targets within tolerance "
                  f"(loss {result.loss:.4g}, {len(result.trials)} trials). Written: "
                  f"{', '.join(str(p) for p in paths.values())}", soft_wrap=True)


@app.command()
def sensitivity(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or TOML file (+PATH=VALUE overrides).")],
    param: Params = None,
    method: Annotated[str, typer.Option(help="sobol (first-order and total indices) or morris (elementary effects).")] = "sobol",
    samples: Annotated[str, typer.Option(metavar="INTEGER", help="Base samples (sobol: a power of two) or trajectories (morris).")] = "64",
    output: Outputs = None, replicates: Annotated[str, typer.Option(metavar="INTEGER", help="Seeds averaged per point.")] = "1",
    agents: Agents = None, days: Days = None, until: Until = None, seed: Seed = "0",
    workers: Workers = None, scheduler: Scheduler = None,
    out: Annotated[Optional[Path], typer.Option(help="Output directory, new or empty (default runs/sensitivity-<timestamp>).")] = None,
    overwrite: Overwrite = False, quiet: Quiet = False,
) -> None:
    """Rank parameters by their influence on outputs (SALib): indices with 95% intervals, a table and a plot."""
    from .experiments import sensitivity as run_sensitivity
    from .experiments.sensitivity import RANKED_BY, SENSITIVITY

    loaded = _base(scenario)
    agents_n, days_n, until_date, seed_n = run_options(loaded, agents, days, until, seed)
    target = check_out(out or _timestamped("sensitivity"), SENSITIVITY, overwrite)
    result = _attempt(lambda: run_sensitivity(
        loaded, param or [], method=method, samples=_count("--samples", samples, 2), outputs=output, seed=seed_n,
        agents=agents_n, days=days_n, until=until_date, replicates=_count("--replicates", replicates, 1),
        workers=_count("--workers", workers, 0), scheduler=scheduler, progress=not quiet))
    shown = ["S1", "ST"] if method == "sobol" else ["mu_star", "sigma"]
    for name in result.outputs:
        rows = result.table[result.table["output"] == name].set_index(["index", "parameter"])
        table = Table("rank", "parameter", *(f"{i} [95% CI]" if i != "sigma" else i for i in shown),
                      title=f"{name} (ranked by {RANKED_BY[method]})", box=None)
        for rank, parameter in enumerate(result.ranking(name), 1):
            cells = []
            for index in shown:
                row = rows.loc[(index, parameter)]
                ci = f" [{_number(row['low'])}, {_number(row['high'])}]" if index != "sigma" else ""
                cells.append(f"{_number(row['value'])}{ci}")
            table.add_row(str(rank), parameter, *cells)
        console.print(table)
    _outputs(lambda: result.save(target, overwrite), target)
    console.print(f"\nWritten to {target}/ (sensitivity.csv, samples.csv, sensitivity.png)", soft_wrap=True)


@app.command("validate-model")
def validate_model(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or TOML file (+PATH=VALUE overrides).")] = "china",
    published: Annotated[str, typer.Option(
        help="Published figures after the cut-off: a packaged name (scslab/data/published/NAME.csv) or a CSV file.")
    ] = "china-after-2018",
    replicates: Annotated[str, typer.Option(metavar="INTEGER", help="Seeds to run (at least 2, for the intervals).")] = "5",
    agents: Agents = None, until: Until = None, seed: Seed = "0",
    notes: Annotated[Optional[Path], typer.Option(help="A Markdown file of notes on the misses, appended to the record.")] = None,
    out: Annotated[Path, typer.Option(help="The validation record to write (Markdown).")] = Path("docs/validation.md"),
    overwrite: Overwrite = False, quiet: Quiet = False,
) -> None:
    """Run a scenario over seeds beside published figures dated after the calibration cut-off (out of sample) and
    its own targets (the fit); write the record with every figure's prediction, interval and error."""
    from .experiments.progress import run_progress
    from .validation import check_record, published_path, to_markdown, validate, write_record

    loaded = _base(scenario)
    agents_n, _, until_date, seed_n = run_options(loaded, agents, None, until, seed)
    count = _count("--replicates", replicates, 2)
    text = None
    if notes is not None:
        try:
            text = notes.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            fail(f"--notes {notes}: cannot be read ({getattr(error, 'strerror', None) or error})")
    source = Path(published) if published.endswith(".csv") else published_path(published)
    if not source.is_file():
        fail(f"--published {published}: no such file or packaged figures")
    _outputs(lambda: check_record(out, overwrite), out)
    days = (until_date or loaded.end_date) - loaded.start_date
    with run_progress(count * (days.days + 1), f"validate {loaded.name}", enabled=not quiet) as advance:
        done = [0]

        def tick(now, _):
            advance(now - done[0])
            done[0] = now
        result = _attempt(lambda: validate(loaded, source, replicates=count, agents=agents_n, seed=seed_n,
                                           until=until_date, progress=tick))
    record = to_markdown(result, " ".join(["scslab", "validate-model"] + sys.argv[2:]), text)
    _outputs(lambda: write_record(out, record), out)
    worst = result.worst()
    console.print(f"{len(result.table)} published figures out of sample, {len(result.fit)} in the fit; "
                  f"written to {out}", soft_wrap=True)
    if worst is not None:
        console.print(f"worst out-of-sample error: {worst['error']:+.1%} ({worst['quantity']} at "
                      f"{worst['date'].date().isoformat()})", soft_wrap=True)
