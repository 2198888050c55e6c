"""Published figures a scenario is calibrated against, and how a run compares with them.

Targets ship with the package (``scslab/data/<name>.csv``, each row with its
source). A scenario names its target file with ``targets = "<name>"``.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

# Published column -> time-series column (both cumulative, in people or person-times).
TARGET_COLUMNS = {
    "list_entries_cum": "court_listed_total",
    "flight_blocks_cum": "flight_blocks_total",
    "train_blocks_cum": "train_blocks_total",
    "fulfilled_cum": "fulfilled_total",
}


def target_names() -> list[str]:
    files = resources.files("scslab.data").iterdir()
    return sorted(f.name[:-4] for f in files if f.name.endswith(".csv"))


def read_targets(name: str) -> pd.DataFrame:
    """Long table of targets: date, quantity (time-series column), published, source."""
    path = resources.files("scslab.data").joinpath(f"{name}.csv")
    wide = pd.read_csv(path, parse_dates=["date"])
    rows = []
    for published, column in TARGET_COLUMNS.items():
        if published not in wide:
            continue
        for _, row in wide.dropna(subset=[published]).iterrows():
            rows.append({"date": row["date"], "quantity": column, "published": float(row[published]),
                         "source": row.get("source", "")})
    return pd.DataFrame(rows, columns=["date", "quantity", "published", "source"])


def compare_with_targets(scenario, timeseries: pd.DataFrame) -> list[dict]:
    """Each target inside the run beside the model's value and the relative error."""
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
        })
    return out
