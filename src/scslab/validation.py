"""Validation out of sample: a scenario's runs beside published figures dated after the calibration cut-off.

A published file (``scslab/data/published/<name>.csv``) gives, one figure a row, the date it refers
to, what it counts (``counts``, in words, and ``quantity``, the model's column that counts the same
thing), the value and the source. A figure that is a year's flow names the first day of its period in
``from_date``; the model's value is then the change of its column over that period. ``validate`` runs
a scenario over replicate seeds and sets beside every figure the model's mean, its 95% interval over
the seeds and the relative error. Figures dated after ``targets.CALIBRATION_CUTOFF`` are out of sample;
the scenario's own calibration targets up to the cut-off are the fit, in a table of their own.
``to_markdown`` writes the record (docs/validation.md).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from .files import check_file, head, write_text_atomic
from .intervals import mean_interval
from .outputs import counters
from .scenario.loading import ScenarioError, check_size
from .scenario.schema import Scenario
from .sim import Sim
from .targets import CALIBRATION_CUTOFF, read_targets

PUBLISHED_PACKAGE = "scslab.data.published"
PUBLISHED_FIELDS = ("date", "from_date", "quantity", "published", "counts", "source", "note")
DERIVED = {"court_exits_total": ("court_listed_total", "court_listed")}
"""Quantities the run does not keep as a column, each the difference of two that it does: people who have
left the court list since the start are the people put on it less those on it today."""
TITLE = "# Validation out of sample"
MARK = "<!-- written by scslab validate-model; edit the notes file, not this one -->"
COLUMNS = ["date", "from_date", "quantity", "counts", "published", "model", "low", "high", "error", "source", "note"]


def published_path(name: str) -> Path:
    """The packaged published figures ``name`` (``scslab/data/published/<name>.csv``)."""
    return Path(str(resources.files(PUBLISHED_PACKAGE).joinpath(f"{name}.csv")))


def quantities() -> tuple[str, ...]:
    """What a published figure may be compared with: every counted output, and the derived ones."""
    return tuple(o.name for o in counters()) + tuple(DERIVED)


def read_published(path: str | Path) -> pd.DataFrame:
    """Published figures dated after the cut-off, checked: one row a figure, ``PUBLISHED_FIELDS``, dates
    as Timestamps (``from_date`` NaT for a figure at a date). Errors name the file and the line."""
    label = str(path)
    if not Path(path).is_file():
        raise ScenarioError(f"{label}: no such file of published figures")
    check_size(label, Path(path).stat().st_size)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{label}: not a readable CSV file ({str(error).strip().splitlines()[0]})") from None
    missing = [f for f in PUBLISHED_FIELDS if f not in table]
    if missing:
        raise ScenarioError(f"{label}: missing column(s) {', '.join(missing)} (expected {', '.join(PUBLISHED_FIELDS)})")
    if table.empty:
        raise ScenarioError(f"{label}: no figures")
    rows = []
    for line, row in zip(range(2, len(table) + 2), table.itertuples(index=False)):
        where = f"{label}: line {line}"
        date = _date(row.date, f"{where}: date")
        start = _date(row.from_date, f"{where}: from_date") if row.from_date.strip() else pd.NaT
        if date <= CALIBRATION_CUTOFF:
            raise ScenarioError(f"{where}: date {row.date} is on or before the calibration cut-off "
                                f"({CALIBRATION_CUTOFF.date()}); such figures are the fit, in the scenario's targets")
        if start is not pd.NaT and start > date:
            raise ScenarioError(f"{where}: from_date {row.from_date} is after the date {row.date}")
        if row.quantity.strip() not in quantities():
            raise ScenarioError(f"{where}: unknown quantity {row.quantity!r} (a counted output such as "
                                f"court_cases_total, or {', '.join(DERIVED)})")
        try:
            value = float(row.published)
        except ValueError:
            raise ScenarioError(f"{where}: published {row.published!r} is not a number") from None
        if not value > 0 or value == float("inf"):
            raise ScenarioError(f"{where}: published must be a positive number, got {row.published}")
        for field in ("counts", "source"):
            if not getattr(row, field).strip():
                raise ScenarioError(f"{where}: {field} is empty (every figure says what it counts and where it is from)")
        rows.append({"date": date, "from_date": start, "quantity": row.quantity.strip(), "published": value,
                     "counts": row.counts.strip(), "source": row.source.strip(), "note": row.note.strip()})
    return pd.DataFrame(rows, columns=list(PUBLISHED_FIELDS))


def _date(text: str, what: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(dt.date.fromisoformat(text.strip()))
    except ValueError:
        raise ScenarioError(f"{what} {text!r} is not a date (YYYY-MM-DD)") from None


def _series(timeseries: pd.DataFrame, quantity: str) -> pd.Series:
    frame = timeseries.set_index(pd.DatetimeIndex(timeseries["date"]))
    if quantity in DERIVED:
        a, b = DERIVED[quantity]
        return frame[a] - frame[b]
    return frame[quantity]


def model_value(timeseries: pd.DataFrame, quantity: str, date, from_date=pd.NaT) -> float:
    """The run's ``quantity`` at ``date``, or its change from the day before ``from_date`` to ``date``
    (from zero if ``from_date`` is the run's first day)."""
    series = _series(timeseries, quantity)
    value = float(series.loc[date])
    if from_date is not pd.NaT and not pd.isna(from_date):
        before = pd.Timestamp(from_date) - pd.Timedelta(days=1)
        value -= float(series.loc[before]) if before >= series.index[0] else 0.0
    return value


def predict(figures: pd.DataFrame, timeseries: list[pd.DataFrame]) -> pd.DataFrame:
    """Beside each figure inside the runs' period, the model's mean over the runs, its 95% interval and the
    relative error (``COLUMNS``)."""
    first, last = (pd.Timestamp(timeseries[0]["date"].iloc[i]) for i in (0, -1))
    inside = figures[(figures["date"] >= first) & (figures["date"] <= last)]
    rows = []
    for row in inside.itertuples(index=False):
        values = [model_value(ts, row.quantity, row.date, row.from_date) for ts in timeseries]
        model, low, high = mean_interval(values)
        rows.append({**row._asdict(), "model": model, "low": max(low, 0.0), "high": high,
                     "error": (model - row.published) / row.published})
    return pd.DataFrame(rows, columns=COLUMNS)


def fit_figures(scenario: Scenario) -> pd.DataFrame:
    """The scenario's calibration targets up to the cut-off, as published figures (none without targets)."""
    if not scenario.targets:
        return pd.DataFrame(columns=list(PUBLISHED_FIELDS))
    targets = read_targets(scenario.targets)
    targets = targets[targets["date"] <= CALIBRATION_CUTOFF]
    return pd.DataFrame({"date": targets["date"], "from_date": pd.NaT, "quantity": targets["quantity"],
                         "published": targets["published"], "counts": "as the calibration targets count it "
                         "(docs/calibration.md)", "source": targets["source"], "note": ""})


@dataclass
class Validation:
    """A scenario's runs beside published figures: out of sample (``table``) and the fit (``fit``)."""

    scenario: str
    agents: int
    seeds: list[int]
    seconds: float
    table: pd.DataFrame
    fit: pd.DataFrame
    left_out: int
    """Published figures dated after the runs' last day, so not compared."""

    def worst(self) -> pd.Series | None:
        """The out-of-sample figure with the largest relative error (None if there is none)."""
        if self.table.empty:
            return None
        return self.table.loc[self.table["error"].abs().idxmax()]


def validate(scenario: Scenario, published: str | Path, replicates: int = 5, agents: int | None = None,
             seed: int = 0, until=None, progress: Callable[[int, int], None] | None = None) -> Validation:
    """Run ``scenario`` over seeds ``seed .. seed + replicates - 1`` and compare it with the figures of the file
    ``published`` (out of sample) and with its own targets up to the cut-off (the fit)."""
    figures = read_published(published)
    sim = Sim(scenario, agents=agents, seed=seed, until=until, replicates=replicates)
    started = time.perf_counter()
    runs = sim.runs(progress)
    timeseries = [r.timeseries for r in runs]
    end = pd.Timestamp(sim.scenario.end_date)
    return Validation(
        scenario=scenario.name, agents=sim.agents, seeds=[r.seed for r in runs],
        seconds=time.perf_counter() - started, table=predict(figures, timeseries),
        fit=predict(fit_figures(sim.scenario), timeseries), left_out=int((figures["date"] > end).sum()))


def _people(value: float) -> str:
    return f"{value / 1e6:,.2f} M" if abs(value) >= 1e6 else f"{value:,.0f}"


def _rows(table: pd.DataFrame, out_of_sample: bool) -> list[str]:
    head_ = "| date | what it counts (model column) | published | model [95% interval] | error | source |"
    lines = [head_, "|---|---|---:|---:|---:|---|"]
    for r in table.itertuples(index=False):
        when = r.date.date().isoformat()
        if not pd.isna(r.from_date):
            when = f"{r.from_date.date().isoformat()} to {when}"
        what = f"{r.counts} (`{r.quantity}`{', change over the period' if not pd.isna(r.from_date) else ''})"
        if out_of_sample:
            what = "**out of sample**: " + what
        note = f"; {r.note}" if r.note else ""
        lines.append(f"| {when} | {what} | {_people(r.published)} | {_people(r.model)} [{_people(r.low)} to "
                     f"{_people(r.high)}] | {r.error:+.1%} | {r.source}{note} |")
    return lines


def to_markdown(v: Validation, command: str, notes: str | None = None) -> str:
    """The validation record: the out-of-sample table, the worst miss, the fit, and the notes on why."""
    seeds = f"seeds {v.seeds[0]} to {v.seeds[-1]}" if len(v.seeds) > 1 else f"seed {v.seeds[0]}"
    out = [TITLE, MARK, "",
           f"Scenario `{v.scenario}`, {v.agents:,} agents, {len(v.seeds)} runs ({seeds}), "
           f"{v.seconds / 60:.1f} min on {dt.date.today().isoformat()}. Written by:", "", f"    {command}", "",
           "The model's value is the mean over the runs; the interval is the 95% t interval of that mean over "
           "the seeds. Error is (model - published) / published. Every figure dated after "
           f"{CALIBRATION_CUTOFF.date().isoformat()} is out of sample: nothing in the scenario was fitted to it.", "",
           f"## Out of sample (after {CALIBRATION_CUTOFF.date().isoformat()})", ""]
    out += _rows(v.table, True) if not v.table.empty else ["No published figure falls inside the run."]
    if v.left_out:
        out += ["", f"{v.left_out} published figure(s) dated after the run's last day are left out."]
    worst = v.worst()
    if worst is not None:
        out += ["", f"**Worst out-of-sample error: {worst['error']:+.1%}**, {worst['counts']} "
                    f"(`{worst['quantity']}`) at {worst['date'].date().isoformat()}: model "
                    f"{_people(worst['model'])}, published {_people(worst['published'])}."]
    out += ["", f"## The fit (on or before {CALIBRATION_CUTOFF.date().isoformat()})", ""]
    out += _rows(v.fit, False) if not v.fit.empty else ["The scenario has no calibration targets."]
    if notes:
        out += ["", notes.strip()]
    return "\n".join(out) + "\n"


def is_record(path: Path) -> bool:
    """Whether ``path`` is a validation record this module wrote."""
    return MARK in head(path, 400)


def check_record(target: Path, overwrite: bool) -> None:
    """Raise OutputError unless the record may be written at ``target`` (new, or an earlier record with
    ``overwrite``)."""
    check_file(target, is_record, "validation record", overwrite)


def write_record(target: Path, text: str) -> Path:
    """Write the record atomically (a temporary file, then a rename)."""
    return write_text_atomic(target, text)
