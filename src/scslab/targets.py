"""Published figures a scenario is calibrated against, how they are read, and how a run compares with them.

Targets ship with the package (``scslab/data/<name>.csv``, each row with its
source). A scenario names its target file with ``targets = "<name>"``. Any target
file, packaged or not, is read by :func:`read_target_file`.
"""

from __future__ import annotations

import math
import os
from importlib import resources

import numpy as np
import pandas as pd

from . import outputs
from .scenario.loading import ScenarioError, check_size
from .scenario.schema import TARGETS_PACKAGE



def target_columns() -> dict[str, str]:
    """Published column -> time-series column (as the outputs declare their ``target``)."""
    return {o.target: o.name for o in outputs.every() if o.target}

CALIBRATION_CUTOFF = pd.Timestamp("2018-09-30")
"""Published figures dated after this day are never fitted to: a run reports them as predictions
(out of sample), and ``docs/calibration.md`` shows them apart from the fit."""

DEFAULT_TOLERANCE = 0.15
"""Relative tolerance of a target whose file gives none (the criterion of ``docs/calibration.md``)."""
TARGET_FIELDS = ["date", "quantity", "published", "tolerance", "source"]


def quantities() -> tuple[str, ...]:
    """Time-series columns a target may name: every counted output and rate."""
    return tuple(o.name for o in outputs.counters() + outputs.rates())


def read_targets(name: str) -> pd.DataFrame:
    """The packaged target file ``name`` (see :func:`read_target_file`): its quantities in the order of
    target_columns(), each by date."""
    with resources.as_file(resources.files(TARGETS_PACKAGE).joinpath(f"{name}.csv")) as path:
        table = read_target_file(path)
    order = list(target_columns().values())
    return table.sort_values("quantity", key=lambda q: q.map(order.index), kind="stable", ignore_index=True)


def read_target_file(path: str | os.PathLike, default_tolerance: float = DEFAULT_TOLERANCE) -> pd.DataFrame:
    """Targets from a CSV file: ``date, quantity, published, tolerance, source``, one row a target.

    Two layouts are read. Wide (the packaged files'): ``date``, one column per published
    quantity named as in :func:`~scslab.targets.target_columns` (empty cells: no figure),
    optional ``tolerance`` and ``source``; other columns are ignored. Long: ``date,
    quantity, value`` with optional ``tolerance`` and ``source``, where ``quantity`` is a
    time-series column (or a published name). ``tolerance`` is relative (0.15 = 15%); where it
    is absent or empty, ``default_tolerance`` applies.
    """
    label = str(path)
    if not os.path.isfile(path):
        raise ScenarioError(f"{label}: no such targets file")
    check_size(label, os.path.getsize(path))
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{label}: not a readable CSV file ({str(error).strip().splitlines()[0]})") from None
    return normalise_targets(table, label, default_tolerance)


def normalise_targets(table: pd.DataFrame, label: str = "targets",
                      default_tolerance: float = DEFAULT_TOLERANCE) -> pd.DataFrame:
    """Targets in either layout of :func:`read_target_file` (or already normalised: ``published``
    instead of ``value``), checked; errors name ``label``."""
    table = table.rename(columns=lambda c: str(c).strip())
    if "date" not in table:
        raise ScenarioError(f"{label}: no 'date' column")
    lines = pd.Series(np.arange(len(table)) + 2, index=table.index)  # file line of each row (header is line 1)
    if "quantity" in table:
        value = "value" if "value" in table else "published" if "published" in table else None
        if value is None:
            raise ScenarioError(f"{label}: a long targets table (with 'quantity') needs a 'value' column")
        long = table.assign(published=table[value], line=lines)
        long = long[[str(v).strip() != "" and not _missing(v) for v in long["published"]]].copy()
        long["quantity"] = [target_columns().get(str(q).strip(), str(q).strip()) for q in long["quantity"]]
        unknown = long.loc[~long["quantity"].isin(quantities())]
        if len(unknown):
            q = unknown["quantity"].iloc[0]
            raise ScenarioError(f"{label}: line {unknown['line'].iloc[0]}: unknown quantity {q!r} "
                                f"(a time-series column such as {', '.join(target_columns().values())})")
    else:
        columns = [c for c in target_columns() if c in table]
        if not columns:
            raise ScenarioError(f"{label}: no target columns (expected date and any of {', '.join(target_columns())}, "
                                "or the long layout date, quantity, value)")
        parts = []
        for column in columns:
            part = table.assign(quantity=target_columns()[column], published=table[column], line=lines)
            parts.append(part[[str(v).strip() != "" and not _missing(v) for v in part["published"]]])
        long = pd.concat(parts, ignore_index=True)
    if long.empty:
        raise ScenarioError(f"{label}: no targets (every value is empty)")
    dates = pd.to_datetime(long["date"].astype(str).str.strip(), errors="coerce", format="mixed")
    if dates.isna().any():
        bad = long.loc[dates.isna()].iloc[0]
        raise ScenarioError(f"{label}: line {bad['line']}: bad date {bad['date']!r} (expected YYYY-MM-DD)")
    published = _numbers(long, "published", "value", label)
    if (published <= 0).any():
        bad = long.loc[published <= 0].iloc[0]
        raise ScenarioError(f"{label}: line {bad['line']}: the published value {published[bad.name]:g} of "
                            f"{bad['quantity']} must be positive (errors are relative to it)")
    if "tolerance" in long:
        given = long["tolerance"].map(lambda v: not _missing(v) and str(v).strip() != "")
        tolerance = _numbers(long.assign(tolerance=long["tolerance"].where(given, default_tolerance)),
                             "tolerance", "tolerance", label)
    else:
        tolerance = pd.Series(float(default_tolerance), index=long.index)
    if not (tolerance > 0).all():
        bad = long.loc[~(tolerance > 0)].iloc[0]
        raise ScenarioError(f"{label}: line {bad['line']}: the tolerance must be positive, got {tolerance[bad.name]:g}")
    source = long["source"].fillna("").astype(str) if "source" in long else ""
    out = pd.DataFrame({"date": dates.dt.normalize(), "quantity": long["quantity"], "published": published,
                        "tolerance": tolerance, "source": source})
    return out.sort_values(["quantity", "date"], ignore_index=True)[TARGET_FIELDS]


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _numbers(table: pd.DataFrame, column: str, what: str, label: str) -> pd.Series:
    numbers = pd.to_numeric(table[column].map(lambda v: str(v).strip() if isinstance(v, str) else v),
                            errors="coerce").astype(float)
    if not np.isfinite(numbers).all():
        bad = table.loc[~np.isfinite(numbers)].iloc[0]
        raise ScenarioError(f"{label}: line {bad['line']}: {what} {bad[column]!r} is not a number")
    return numbers


def compare_with_targets(scenario, timeseries: pd.DataFrame) -> list[dict]:
    """Each target inside the run beside the model's value, the relative error, and whether it was
    fitted to (``"fit"``) or is a prediction (``"prediction"``, dated after ``CALIBRATION_CUTOFF``)."""
    if not getattr(scenario, "targets", None):
        return []
    out = []
    dates = pd.DatetimeIndex(timeseries["date"])
    for row in read_targets(scenario.targets).itertuples():
        if not dates[0] <= row.date <= dates[-1]:
            continue
        model = float(timeseries.loc[dates == row.date, row.quantity].iloc[0])
        out.append({
            "date": row.date.date().isoformat(), "quantity": row.quantity, "published": row.published,
            "model": model, "relative_error": (model - row.published) / row.published,
            "sample": "fit" if row.date <= CALIBRATION_CUTOFF else "prediction",
        })
    return out
