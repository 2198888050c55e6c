"""What the dashboard does besides drawing: read an uploaded scenario, set levers, run, compare.

Kept apart from the Streamlit page so that it can be tested without a browser.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from ..sim import Sim
from ..results import Results
from ..summary import figure, flow_figures
from ..scenario.levers import Lever, set_levers
from ..scenario.loading import ScenarioError, dumps, parse_toml, to_data, validate
from ..scenario.schema import Scenario

MAX_UPLOAD_BYTES = 256 * 1024
"""Largest scenario file the dashboard accepts (the built-in ones are under 20 KiB)."""

DEFAULT_AGENTS = 300_000
MAX_AGENTS = 5_000_000

RUN_LOCK = threading.Lock()
"""One run at a time: runs use every core, and two at once would only both be slower."""


def read_upload(name: str, content: bytes) -> Scenario:
    """A scenario from an uploaded file: TOML only, at most MAX_UPLOAD_BYTES; every error a ScenarioError line
    as the CLI gives it (files too deep are refused before they are parsed)."""
    if not name.lower().endswith(".toml"):
        raise ScenarioError(f"{name}: not a .toml file (scenario files are TOML)")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ScenarioError(f"{name}: {len(content):,} bytes, more than the {MAX_UPLOAD_BYTES // 1024} KiB allowed")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{name}: cannot be read (not UTF-8 text)") from None
    return validate(parse_toml(text, name), name)


def with_levers(scenario: Scenario, values: dict[Lever, object]) -> Scenario:
    """The scenario with the levers that differ from its own values set."""
    changed = {lever: value for lever, value in values.items() if value != lever.value}
    if not changed:
        return scenario
    return validate(set_levers(to_data(scenario), changed), f"{scenario.name} (dashboard)")


def changes(values: dict[Lever, object]) -> list[str]:
    """The levers moved from the scenario's values, as ``label: old -> new``."""
    return [f"{lever.label}: {_show(lever.value)} -> {_show(value)}"
            for lever, value in values.items() if value != lever.value]


def _show(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass
class LeverComparison:
    """A run and its baseline (the same scenario, agents and seed with the levers untouched)."""

    run: Results
    baseline: Results


def run(scenario: Scenario, agents: int, seed: int, progress: Callable[[int, int], None] | None = None) -> Results:
    """One run, under the lock."""
    with RUN_LOCK:
        return Sim(scenario, agents=agents, seed=seed).run(progress)


BASELINES: OrderedDict[tuple, Results] = OrderedDict()
BASELINES_KEPT = 4


def baseline(scenario: Scenario, agents: int, seed: int, progress=None) -> Results:
    """The run of the scenario as it is, kept for the next comparisons (the last few are kept)."""
    key = (dumps(scenario), agents, seed)
    if key in BASELINES:
        BASELINES.move_to_end(key)
        return BASELINES[key]
    result = run(scenario, agents, seed, progress)
    BASELINES[key] = result
    while len(BASELINES) > BASELINES_KEPT:
        BASELINES.popitem(last=False)
    return result


HEADLINE = (
    ("On a list at the end", "listed", lambda r: r.summary["end"]["listed"], "{:,.0f}"),
    ("Wrongly listed at the end", "wrongly_listed", lambda r: r.summary["end"]["wrongly_listed"], "{:,.0f}"),
    ("Flight purchases blocked", "flight_blocks_total", lambda r: r.summary["end"]["flight_blocks_total"],
     "{:,.0f}"),
    ("Lawful speech chilled (last year)", None, lambda r: 100 * (1 - r.summary["expression_rate_last_365_days"]),
     "{:.2f}%"),
    ("Got off a list", "delisted_total", lambda r: r.summary["end"]["delisted_total"], "{:,.0f}"),
)
"""The figures shown above the charts: label, output (for its interval), how to read it from results, format."""


def headline(comparison: LeverComparison) -> list[tuple[str, str, str | None]]:
    """(label, value, change from the baseline run with the same seed) for each headline figure."""
    out = []
    for label, _, read, fmt in HEADLINE:
        value, base = read(comparison.run), read(comparison.baseline)
        delta = value - base
        out.append((label, fmt.format(value), None if delta == 0 else ("+" if delta > 0 else "") + fmt.format(delta)))
    return out


def intervals(results: Results) -> str:
    """The headline counts with their 95% intervals and small-number flags, as one line."""
    return "; ".join(f"{label.lower()}: {figure(results.summary, name)}" for label, name, _, _ in HEADLINE if name)


FLOW_COLUMNS = {"route": "from, to, kind", "abroad_at_end": "abroad at the end", "departures": "departures",
                "host_records": "host's records", "political_records": "of them political",
                "sent_home": "delivered home", "sanctioned_at_home": "sanctioned at home",
                "deported_home": "deported home"}


def flow_table(results: Results):
    """Each travel flow's figures as text with their intervals (``summary.flow_figures``); None without flows."""
    import pandas as pd

    flows = results.summary.get("flows")
    if not flows:
        return None
    rows = {name: flow_figures(results.summary, name) for name in flows}
    return pd.DataFrame.from_dict(rows, orient="index")[list(FLOW_COLUMNS)].rename(columns=FLOW_COLUMNS)
