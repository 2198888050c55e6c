"""What a run counts: every output declared once, by the mechanism that produces it.

A mechanism module declares its outputs with :func:`declare`, which gives each a
column of the day's counters and returns their indices as a named tuple that the
module's kernels use (Numba reads it as a constant). Everything that lists outputs
elsewhere (the results' time series and group table, the summary, experiment
outputs, calibration quantities, country columns, exit routes, charts) reads these
declarations instead of naming them again.

Columns are given in the order of declaration, which is the order in which Python
first imports the mechanism modules; that order is fixed by the source (``scslab``
imports the engine, which imports the mechanisms), and the kernel cache is keyed
by a hash of the source (``numba_setup``), so compiled kernels always agree with it.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

PEOPLE = "people"
PERSON_TIMES = "person-times"
RECORDS = "records"
EVENTS = "events"
DAYS = "days"
MONEY = "money"
RATIO = "ratio"
UNITS = (PEOPLE, PERSON_TIMES, RECORDS, EVENTS, DAYS, MONEY, RATIO)
"""Units: people, times something happened to someone, records made, acts, days (summed over
people), money (in the scenario's currency), and ratios (no unit)."""

STOCK = "stock"
TOTAL = "total"
DAILY = "daily"
RATE = "rate"
KINDS = (STOCK, TOTAL, DAILY, RATE)
"""Kinds: a level at the end of each day, a running total since the start, a count of the day
alone (reset every day), or a ratio of two daily outputs."""


@dataclass(frozen=True)
class Output:
    """One quantity a run reports.

    ``by_group`` keeps it per population group too; ``by_country`` puts it among each
    country's columns in a many-country run; ``internal`` outputs are parts of a rate,
    not results on their own; ``route`` names the exit from the lists an output counts;
    ``target`` is its column in published target files; ``of`` are the numerator and
    denominator of a rate; ``world`` outputs are kept by the many-country world, one
    column per country, not counted by a country's run; ``per`` names the count a sum
    of money is paid on, whose relative interval a single run's sum takes.
    """

    name: str
    label: str
    unit: str
    kind: str
    meaning: str
    by_group: bool = False
    by_country: bool = False
    internal: bool = False
    route: str | None = None
    target: str | None = None
    of: tuple[str, str] | None = None
    world: bool = False
    per: str | None = None

    def __post_init__(self):
        if self.unit not in UNITS or self.kind not in KINDS:
            raise ValueError(f"output {self.name}: unit {self.unit!r} or kind {self.kind!r} unknown")
        if (self.kind == RATE) != (self.of is not None):
            raise ValueError(f"output {self.name}: a rate, and only a rate, names what it is a ratio of")
        if (self.unit == MONEY) != (self.per is not None):
            raise ValueError(f"output {self.name}: a sum of money, and only one, names the count it is paid on")

    @property
    def scaled(self) -> bool:
        """Counted in agents and reported in people (everything but days and ratios)."""
        return self.unit not in (DAYS, RATIO)


_COUNTERS: list[Output] = []
_RATES: list[Output] = []
_WORLD: list[Output] = []
_OWNERS: dict[str, str] = {}


def declare(owner: str, *outputs: Output):
    """Register ``owner``'s outputs; returns their counter columns as a named tuple (rates get none)."""
    columns = {}
    for output in outputs:
        if output.name in _OWNERS:
            raise ValueError(f"output {output.name} is declared by {_OWNERS[output.name]} and {owner}")
        _OWNERS[output.name] = owner
        if output.world or output.kind == RATE:
            (_WORLD if output.world else _RATES).append(output)
            continue
        columns[output.name] = len(_COUNTERS)
        _COUNTERS.append(output)
    return namedtuple(f"{owner.title().replace('_', '')}Outputs", list(columns))(**columns)


def counters() -> tuple[Output, ...]:
    """Every counted output, in column order."""
    return tuple(_COUNTERS)


def rates() -> tuple[Output, ...]:
    return tuple(_RATES)


def world() -> tuple[Output, ...]:
    """The outputs the many-country world keeps per country."""
    return tuple(_WORLD)


def every() -> tuple[Output, ...]:
    """Every output: the counted ones in column order, the rates, the world's."""
    return tuple(_COUNTERS) + tuple(_RATES) + tuple(_WORLD)


def column(name: str) -> int:
    """The counter column of output ``name``."""
    for i, output in enumerate(_COUNTERS):
        if output.name == name:
            return i
    raise KeyError(f"no counted output named {name!r}")


def get(name: str) -> Output:
    for output in every():
        if output.name == name:
            return output
    raise KeyError(f"no output named {name!r}")


def owner(name: str) -> str:
    """The mechanism that declares output ``name``."""
    return _OWNERS[name]


def to_markdown() -> str:
    """The reference of every output, as Markdown (``docs/outputs.md``, ``scslab outputs --markdown``)."""
    kinds = {STOCK: "level at the end of the day", TOTAL: "running total since the start",
             DAILY: "the day's count", RATE: "ratio"}
    lines = [
        "# Outputs", "",
        "Every quantity a run reports, as its mechanism declares it (`outputs.declare`; generated by",
        "`scslab outputs --markdown`, do not edit by hand). Counts are in people: a count in agents times",
        "the people an agent stands for. `timeseries.parquet` has every output of the first table; the",
        "summary's end values and experiments' outputs leave out those marked *part of a rate*;",
        "`by_group.parquet` has those marked *by group* (not the parts of a rate); `countries.parquet`",
        "(many-country runs) those marked *by country* and those of the second table.", "",
        "## Each country's run", "",
        "| output | label | unit | kind | kept | mechanism | meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    for o in counters() + rates():
        kept = ", ".join(k for k, on in (("by group", o.by_group), ("by country", o.by_country),
                                         ("part of a rate", o.internal), (f"exit route `{o.route}`", o.route),
                                         (f"target `{o.target}`", o.target)) if on)
        of = f" (`{o.of[0]}` / `{o.of[1]}`)" if o.of else ""
        lines.append(f"| `{o.name}` | {o.label} | {o.unit} | {kinds[o.kind]}{of} | {kept} | {owner(o.name)} | "
                     f"{o.meaning} |")
    lines += ["", "## The many-country world, per country", "",
              "| output | label | unit | kind | mechanism | meaning |", "|---|---|---|---|---|---|"]
    for o in world():
        lines.append(f"| `{o.name}` | {o.label} | {o.unit} | {kinds[o.kind]} | {owner(o.name)} | {o.meaning} |")
    return "\n".join(lines) + "\n"
