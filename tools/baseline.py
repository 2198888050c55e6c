"""Regression baseline of the built-in scenarios' end values: ``python -m tools.baseline [--refresh]``.

Every built-in scenario is run with small fixed settings (``SETTINGS``: agents, seed, days) and
its last day kept: every column of the time series but the date, and for many-country scenarios
every country's columns on the last day, and firms' dealings summed by country and sector. A run is bit-identical for a seed, so the values must
match ``tests/baseline.json`` exactly. Without ``--refresh`` the command prints every difference
(scenario, column, baseline, now) and exits 1 if there is any; with ``--refresh`` it rewrites the
file. Refresh only when a change is meant to move results (see docs/robustness.md).
``tests/test_baseline.py`` runs the same settings.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "tests" / "baseline.json"
REFRESH = "python -m tools.baseline --refresh"

SETTINGS = {
    # from the court list's launch (2013-10-24) to mid-2016: lists, blocked purchases, exits
    "china-2018": {"agents": 50_000, "seed": 1, "days": 1000},
    # 2014-2015: the court list, the grade list, the redlist and exits from each
    "rongcheng": {"agents": 20_000, "seed": 1, "days": 730},
    # nothing is listed: offences and expression only
    "no-system": {"agents": 5_000, "seed": 1, "days": 100},
    # the first two years: China's lists, blocks and exits, people abroad, firms' dealings (a day of
    # a six-country run costs ~12 ms whatever the agents, so the adoptions and alliances of 2018-2020
    # are out of reach of a test)
    "central-asia-2020": {"agents": 50_000, "seed": 1, "days": 730},
    "credit-asia-2020": {"agents": 50_000, "seed": 1, "days": 730},
    # the whole period to the end of 2024, so that the switches of 2020 and 2024 act
    "china": {"agents": 20_000, "seed": 1, "days": None},
    # sixteen countries for a year: the flows to and from the new partners (a day costs ~2 ms a country)
    "belt-and-road": {"agents": 50_000, "seed": 1, "days": 365},
}
"""Run settings per built-in scenario: together about 25 s on a 2-core machine."""

MISSING = "(missing)"


def _plain(value):
    """A JSON value for one cell: ints as ints, floats as floats (exact: JSON keeps repr), text as text."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)


def _row(frame, index) -> dict:
    return {column: _plain(frame[column].iloc[index]) for column in frame.columns if column != "date"}


def run(name: str) -> dict:
    """One scenario's entry: its settings, its last day, each country's last day (many countries), and
    firms' transactions, refusals and premiums summed by country and sector (scenarios with firms)."""
    import scslab

    settings = SETTINGS[name]
    results = scslab.Sim(name, **settings).run()
    entry = {"settings": dict(settings), "end": _row(results.timeseries, -1)}
    countries = results.countries
    if countries is not None and len(countries):
        last = countries[countries["day"] == countries["day"].max()].reset_index(drop=True)
        entry["countries"] = {str(last["country"].iloc[i]): {k: v for k, v in _row(last, i).items() if k != "country"}
                              for i in range(len(last))}
    firms = results.firms
    if firms is not None and len(firms):
        keys = [k for k in ("country", "sector") if k in firms.columns]
        totals = firms.groupby(keys, observed=True, sort=True)[["transactions", "refused", "premium"]].sum()
        entry["firms"] = {"/".join(str(part) for part in (key if isinstance(key, tuple) else (key,))):
                          {column: _plain(totals[column].iloc[i]) for column in totals.columns}
                          for i, key in enumerate(totals.index)}
    return entry


def collect(names=None, progress=None) -> dict:
    """The entries of ``names`` (default: every scenario in ``SETTINGS``), as they are now."""
    now = {}
    for name in names or sorted(SETTINGS):
        started = time.perf_counter()
        now[name] = run(name)
        if progress:
            progress(name, time.perf_counter() - started)
    return now


def read(path: Path = BASELINE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write(baseline: dict, path: Path = BASELINE) -> None:
    path.write_text(json.dumps(baseline, indent=1, sort_keys=True) + "\n", encoding="utf-8")


FLOAT_TOLERANCE = 1e-12
"""Relative difference below which two floats are the same: counts are exact, but a ratio computed by NumPy may
move in its last bits with NumPy's version (its sums' order), as trust indices did from NumPy 2.3 to 2.4."""


def _same(a, b) -> bool:
    """Equal, type included (an int that became a float is a change), floats within ``FLOAT_TOLERANCE``; NaN
    equals NaN."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=FLOAT_TOLERANCE, abs_tol=1e-15)
    return type(a) is type(b) and a == b


def _compare(where: tuple, then, now, out: list) -> None:
    if isinstance(then, dict) and isinstance(now, dict):
        for key in sorted(set(then) | set(now)):
            _compare(where + (key,), then.get(key, MISSING), now.get(key, MISSING), out)
    elif not _same(then, now):
        out.append((where[0], ".".join(str(part) for part in where[1:]) or "(scenario)", then, now))


def differences(baseline: dict, now: dict) -> list[tuple[str, str, object, object]]:
    """Every (scenario, column, baseline value, value now) that differs, columns named like ``end.listed``,
    ``countries.china.listed`` or ``settings.days``; a scenario or column on one side only is a difference."""
    out: list = []
    _compare((), baseline, now, out)
    return out


def _shown(value) -> str:
    if isinstance(value, dict):
        return f"{{{len(value)} values}}"
    return value if value is MISSING else repr(value)


def report(diffs: list, limit: int = 200) -> str:
    """A readable table of ``diffs``, then the refresh command."""
    if not diffs:
        return "no differences from the baseline"
    rows = [("scenario", "column", "baseline", "now")] + [
        (scenario, column, _shown(then), _shown(now)) for scenario, column, then, now in diffs[:limit]]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    if len(diffs) > limit:
        lines.append(f"... and {len(diffs) - limit} more")
    lines.append(f"{len(diffs)} difference(s) from {BASELINE.relative_to(ROOT)}. If the change is meant to move "
                 f"results, refresh it with `{REFRESH}` and say so in the commit message.")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.baseline", description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true", help=f"rewrite {BASELINE.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    from scslab.scenario.loading import builtin_names

    unknown = sorted(set(builtin_names()) - set(SETTINGS))
    if unknown:
        print(f"built-in scenarios without settings in tools/baseline.py: {', '.join(unknown)}", file=sys.stderr)
        return 1
    now = collect(progress=lambda name, seconds: print(f"{name}: {seconds:.1f} s", file=sys.stderr))
    if args.refresh:
        write(now)
        print(f"wrote {BASELINE.relative_to(ROOT)} ({BASELINE.stat().st_size:,} bytes)")
        return 0
    diffs = differences(read(), now)
    print(report(diffs))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
