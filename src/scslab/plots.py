"""Charts of a run: what each shows is built once, then drawn by Plotly (interactive) or Matplotlib (PNG).

Each chart function takes :class:`~scslab.results.Results` and returns a
:class:`Chart` (series of numbers with titles and labels), or ``None`` where the
run has nothing to show (no countries, no transfers). :func:`to_plotly` and
:func:`draw` turn a chart into a figure; ``Results.plot`` is the short way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from . import outputs
from .intervals import poisson_band
from .scenario.schema import GRADES
from .targets import read_targets

if TYPE_CHECKING:  # results imports this module (Results.plot): no import back at run time
    from .results import Results

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
"""Okabe-Ito colours, distinguishable with the common colour-vision deficiencies."""

SMOOTHING_DAYS = 30



def route_labels() -> dict[str, str]:
    """How each way off the lists (``Results.recoveries.route``) reads in a legend: its output's label."""
    return {o.route: o.label.lower() for o in outputs.counters() if o.route}


@dataclass
class Series:
    """One line, set of bars or set of markers."""

    name: str
    x: Sequence
    y: Sequence
    kind: Literal["line", "bar", "markers"] = "line"
    dash: bool = False
    color: str | None = None
    band: tuple[Sequence, Sequence] | None = None  # 95% interval about each value: a shaded band, or error bars


@dataclass
class Chart:
    """What one chart shows: its series (or a matrix for a heat map), titles and a one-sentence caption."""

    name: str
    title: str
    caption: str
    x_label: str
    y_label: str
    series: list[Series] = field(default_factory=list)
    stacked: bool = False
    log_y: bool = False
    matrix: pd.DataFrame | None = None  # heat map: rows on the y axis, columns on the x axis


def _colored(series: list[Series]) -> list[Series]:
    for i, s in enumerate(series):
        s.color = s.color or PALETTE[i % len(PALETTE)]
    return series


BAND = " Shaded: the 95% interval of each day's count (Poisson, from the agents counted in this run)."


def _counted(r: Results, name: str, label: str, **style) -> Series:
    """A line of a count in people, with its Poisson band."""
    values = r.timeseries[name]
    return Series(label, r.timeseries["date"], values, band=poisson_band(values, _effective_scale(r, name)), **style)


def _effective_scale(r: Results, name: str):
    """The people an agent counted in ``name`` stands for, day by day: the people-weighted mean of the groups'
    scales where groups weigh differently (as ``intervals.count_interval`` weighs them), else the run's scale."""
    sampled = r.summary.get("agents_by_group") or {}
    scales = {g: v["scale"] for g, v in sampled.items()}
    if len(set(scales.values())) <= 1 or name not in r.by_group:
        return r.scale
    frame = r.by_group[["day", "group", name]].copy()
    frame["scaled"] = frame[name] * frame["group"].astype(str).map(scales).astype(float)
    days = frame.groupby("day", observed=True)[[name, "scaled"]].sum()
    return np.where(days[name] > 0, days["scaled"] / days[name].where(days[name] > 0, 1), r.scale)


def lists_over_time(r: Results) -> Chart:
    ts = r.timeseries
    series = [
        _counted(r, "listed", "on a list now"),
        _counted(r, "court_listed", "court blacklist now"),
        _counted(r, "grade_listed", "grade list now"),
        _counted(r, "listed_total", "entries since the start", dash=True),
        _counted(r, "delisted_total", "exits since the start", dash=True),
    ]
    if not ts["grade_listed_total"].any():
        series.pop(2)
    return Chart("lists", "The blacklists over time",
                 "People on a blacklist each day (solid) and everyone who has entered or left one so far (dashed)."
                 + BAND, "date", "people", _colored(series))


def blocked_purchases(r: Results) -> Chart:
    ts = r.timeseries
    series = [_counted(r, "flight_blocks_total", "flights blocked (model)", color=PALETTE[0]),
              _counted(r, "train_blocks_total", "train tickets blocked (model)", color=PALETTE[1])]
    caption = "Ticket purchases refused to listed people since the start, person-times." + BAND
    if getattr(r.scenario, "targets", None):
        published = read_targets(r.scenario.targets)
        published = published[(published["date"] >= ts["date"].iloc[0]) & (published["date"] <= ts["date"].iloc[-1])]
        for column, color in (("flight_blocks_total", PALETTE[0]), ("train_blocks_total", PALETTE[1])):
            rows = published[published["quantity"] == column]
            if len(rows):
                kind = "flights" if column.startswith("flight") else "train tickets"
                series.append(Series(f"{kind} blocked (published)", rows["date"], rows["published"], "markers",
                                     color=color))
        caption += " Dots: the published figures (sources in the scenario's targets file)."
    return Chart("blocked_purchases", "Blocked ticket purchases", caption, "date", "purchases blocked", series)


def wrongful_by_group(r: Results) -> Chart:
    last = r.by_group[r.by_group["day"] == r.by_group["day"].max()]
    sizes = r.group_sizes()
    groups = [str(g) for g in last["group"]]
    per = np.array([100_000 / sizes[g] if sizes[g] else 0.0 for g in groups])
    sampled = r.summary.get("agents_by_group") or {}
    scale = np.array([sampled[g]["scale"] if g in sampled else r.scale for g in groups])
    series = []
    for name, label in (("listed", "listed"), ("wrongly_listed", "wrongly listed (no offence behind the listing)")):
        low, high = poisson_band(last[name].to_numpy(), scale)
        series.append(Series(label, groups, last[name].to_numpy() * per, "bar", band=(low * per, high * per)))
    return Chart("wrongful_by_group", "Listed and wrongly listed, by group",
                 "People on a list on the last day per 100,000 people of each group, with 95% intervals (Poisson, "
                 "from the agents counted); a taller orange bar for a group means its members are more often listed "
                 "for nothing, where the intervals do not overlap.",
                 "group", "per 100,000 people of the group", _colored(series))


def expression(r: Results) -> Chart:
    ts = r.timeseries
    smooth = ts[["expression", "expression_baseline"]].rolling(SMOOTHING_DAYS, min_periods=1).mean()
    series = [Series("lawful expression with the system", ts["date"], smooth["expression"]),
              Series("the same people with no system", ts["date"], smooth["expression_baseline"], dash=True)]
    return Chart("expression", "Lawful political expression against the no-system baseline",
                 f"Acts of lawful political expression per day ({SMOOTHING_DAYS}-day mean): the gap between the "
                 "lines is speech the system chills.", "date", "acts per day", _colored(series))


def score_distribution(r: Results, bin_points: int = 10) -> Chart | None:
    if r.scores is None or r.scores.empty:
        return None
    frame = r.scores.assign(bin=(r.scores["score"] // bin_points) * bin_points)
    table = frame.groupby(["grade", "bin"], observed=True)["people"].sum().reset_index()
    series = [Series(f"grade {g}", rows["bin"], rows["people"], "bar", color=PALETTE[GRADES.index(g)])
              for g, rows in table.groupby("grade", observed=True) if len(rows)]
    return Chart("scores", "Score distribution by grade on the last day",
                 f"People aged 15+ by score ({bin_points}-point bins), coloured by grade; the count axis is "
                 "logarithmic, so the few far from the starting score stay visible.",
                 "score", "people (log scale)", series, stacked=True, log_y=True)


def recovery(r: Results, bin_days: int = 30) -> Chart | None:
    if r.recoveries is None or r.recoveries["people"].sum() == 0:
        return None
    frame = r.recoveries.assign(months=r.recoveries["days_listed"] // bin_days)
    table = frame.groupby(["route", "months"], observed=True)["people"].sum().reset_index()
    labels = route_labels()
    series = [Series(labels[route], rows["months"], rows["people"], "bar")
              for route, rows in table.groupby("route", observed=True) if len(rows)]
    return Chart("recovery", "How long people stayed listed before they got off",
                 f"People who left every list, by months on a list ({bin_days}-day months) and the way they left.",
                 "months on a list", "people", _colored(series), stacked=True)


def trust_index(r: Results) -> Chart | None:
    if r.countries is None:
        return None
    series = [Series(str(name), rows["date"], rows["trust_index"])
              for name, rows in r.countries.groupby("country", observed=True)]
    return Chart("trust", "Each country's trust index",
                 "The index a country's individual scores roll up into (scenario's trust rule), over time.",
                 "date", "trust index", _colored(series))


def _between_countries(r: Results, ledger: pd.DataFrame, rows: str, columns: str) -> pd.DataFrame:
    """Records of a ledger summed over the run, country by country (every country on both axes)."""
    names = list(r.scenario.countries)
    return (ledger.groupby([rows, columns], observed=True)["records"].sum().unstack(fill_value=0)
            .reindex(index=names, columns=names, fill_value=0))


def transfer_flows(r: Results) -> Chart | None:
    if r.transfers is None or r.transfers.empty:
        return None
    matrix = _between_countries(r, r.transfers, "from_country", "to_country")
    return Chart("transfers", "Credit records sent across borders",
                 "Records about people sent from the country that made them (rows) to the country that received "
                 "them (columns) over the whole run.", "to country", "from country", matrix=matrix)


def travel_flows(r: Results) -> Chart | None:
    """Per travel flow that the host recorded anything about: its records, those delivered home and the people
    sanctioned at home for them, each with the Poisson interval of the agents it rests on."""
    if r.flows is None or not r.flows["host_records"].any():
        return None
    flows = r.flows[r.flows["host_records"] > 0]
    labels = [str(f) for f in flows["flow"]]
    series = []
    for column, label in (("host_records", "records the host made"), ("sent_home", "delivered home"),
                          ("sanctioned_at_home", "people sanctioned at home")):
        people, agents = flows[column].to_numpy(float), flows[f"{column}_agents"].to_numpy(float)
        scale = np.where(agents > 0, people / np.maximum(agents, 1), flows["people_per_agent"].to_numpy(float))
        series.append(Series(label, labels, people, "bar", band=poisson_band(people, scale)))
    return Chart("flows", "What happened to each travel flow",
                 "For each flow of people between two countries that its host recorded anything about: the host's "
                 "records about them, those delivered to their home country, and the people sanctioned at home for "
                 "acts abroad, over the whole run (log scale; bars: 95% intervals).",
                 "travel flow", "records or people", _colored(series), log_y=True)


def firm_refusals(r: Results) -> Chart | None:
    if r.firms is None or not r.firms["refused"].any():
        return None
    frame = r.firms.assign(key=r.firms["sector"].astype(str), group=r.firms["group"].astype(str))
    if "country" in frame:  # each country's own groups, and the foreigners its firms served
        country = frame["country"].astype(str)
        frame["key"] = country + "/" + frame["key"]
        frame["group"] = frame["group"].where(frame["group"].str.split("/").str[0] == country, "foreigners")
    table = frame.groupby(["key", "group"], observed=True)[["transactions", "refused"]].sum()
    series = []
    for key, rows in table.groupby(level="key", sort=False):
        if rows["refused"].sum() == 0:
            continue
        rows = rows.droplevel("key")
        series.append(Series(key, [str(g) for g in rows.index],
                             1000 * rows["refused"] / rows["transactions"].where(rows["transactions"] > 0), "bar"))
    return Chart("firm_refusals", "Turned away by firms, by group",
                 "Transactions refused per 1,000 (no loan, lease, policy, sale or job) in each sector that refuses "
                 "anyone, by the customer's group; a taller bar means a group is more often refused.",
                 "group", "refused per 1,000 transactions", _colored(series))


def trade_flows(r: Results) -> Chart | None:
    if r.trades is None or r.trades.empty:
        return None
    matrix = _between_countries(r, r.trades, "seller_country", "buyer_country")
    return Chart("trades", "Credit records sold between countries",
                 "Records about people sold by their home country (rows) to firms in the country they were in "
                 "(columns) on the credit-information market, over the whole run.", "buyer", "seller", matrix=matrix)


CHARTS: dict[str, Callable[[Results], Chart | None]] = {
    "lists": lists_over_time,
    "blocked_purchases": blocked_purchases,
    "wrongful_by_group": wrongful_by_group,
    "expression": expression,
    "scores": score_distribution,
    "recovery": recovery,
    "trust": trust_index,
    "transfers": transfer_flows,
    "flows": travel_flows,
    "firm_refusals": firm_refusals,
    "trades": trade_flows,
}
"""Every named chart, in the order reports show them."""


def chart(r: Results, name: str) -> Chart | None:
    """The named chart of a run (None where the run has nothing to show)."""
    if name not in CHARTS:
        raise KeyError(f"unknown chart {name!r} (known: {', '.join(CHARTS)})")
    return CHARTS[name](r)


def charts(r: Results) -> list[Chart]:
    """Every chart the run has something to show in."""
    return [c for c in (f(r) for f in CHARTS.values()) if c is not None]


def to_plotly(c: Chart):
    """An interactive Plotly figure of a chart."""
    import plotly.graph_objects as go

    fig = go.Figure()
    if c.matrix is not None:
        fig.add_trace(go.Heatmap(z=c.matrix.to_numpy(), x=list(c.matrix.columns), y=list(c.matrix.index),
                                 colorscale="Blues", colorbar={"title": "records"},
                                 hovertemplate="%{y} to %{x}: %{z:,.0f} records<extra></extra>"))
    for s in c.series:
        if s.kind == "bar":
            error = None if s.band is None else {"type": "data", "symmetric": False,
                                                 "array": list(np.asarray(s.band[1]) - np.asarray(s.y)),
                                                 "arrayminus": list(np.asarray(s.y) - np.asarray(s.band[0]))}
            fig.add_trace(go.Bar(name=s.name, x=list(s.x), y=list(s.y), marker_color=s.color, error_y=error))
        else:
            if s.band is not None:
                fig.add_trace(go.Scatter(x=list(s.x) + list(s.x)[::-1], y=list(s.band[1]) + list(s.band[0])[::-1],
                                         fill="toself", fillcolor=s.color, opacity=0.15, line={"width": 0},
                                         hoverinfo="skip", showlegend=False, name=f"{s.name} (95% interval)"))
            mode = "markers" if s.kind == "markers" else "lines"
            fig.add_trace(go.Scatter(name=s.name, x=list(s.x), y=list(s.y), mode=mode,
                                     line={"color": s.color, "dash": "dash" if s.dash else "solid"},
                                     marker={"color": s.color, "size": 9}))
    fig.update_layout(title=c.title, xaxis_title=c.x_label, yaxis_title=c.y_label, template="plotly_white",
                      barmode="stack" if c.stacked else "group", legend={"orientation": "h", "y": -0.2},
                      margin={"l": 60, "r": 20, "t": 60, "b": 40}, height=420)
    if c.log_y:
        fig.update_yaxes(type="log")
    return fig


def draw(c: Chart, ax) -> None:
    """Draw a chart on a Matplotlib axes."""
    if c.matrix is not None:
        image = ax.imshow(c.matrix.to_numpy(), cmap="Blues")
        ax.set_xticks(range(len(c.matrix.columns)), c.matrix.columns, rotation=45, ha="right")
        ax.set_yticks(range(len(c.matrix.index)), c.matrix.index)
        ax.figure.colorbar(image, ax=ax, label="records")
    bars = [s for s in c.series if s.kind == "bar"]
    categorical = bars and not np.issubdtype(np.asarray(bars[0].x).dtype, np.number)
    bottom: dict = {}
    for i, s in enumerate(bars):
        x = np.asarray(s.x)
        if categorical:
            positions = np.arange(len(x)) + (0 if c.stacked else (i - (len(bars) - 1) / 2) * 0.8 / len(bars))
            width = 0.8 if c.stacked else 0.8 / len(bars)
        else:
            positions, width = x, np.min(np.diff(np.unique(x))) if len(np.unique(x)) > 1 else 1.0
        base = np.array([bottom.get(p, 0.0) for p in positions]) if c.stacked else 0.0
        error = None if s.band is None else [np.asarray(s.y) - np.asarray(s.band[0]),
                                             np.asarray(s.band[1]) - np.asarray(s.y)]
        ax.bar(positions, s.y, width=width, bottom=base, label=s.name, color=s.color, align="center", yerr=error,
               capsize=3 if error is not None else 0)
        if c.stacked:
            for p, y in zip(positions, np.asarray(s.y, float)):
                bottom[p] = bottom.get(p, 0.0) + y
        if categorical:
            ax.set_xticks(np.arange(len(x)), x, rotation=20, ha="right")
    for s in c.series:
        if s.kind == "line":
            ax.plot(s.x, s.y, label=s.name, color=s.color, linestyle="--" if s.dash else "-")
            if s.band is not None:
                ax.fill_between(s.x, s.band[0], s.band[1], color=s.color, alpha=0.15, linewidth=0)
        elif s.kind == "markers":
            ax.plot(s.x, s.y, "o", label=s.name, color=s.color, markeredgecolor="white")
    if c.log_y:
        ax.set_yscale("log")
    ax.set_title(c.title)
    ax.set_xlabel(c.x_label)
    ax.set_ylabel(c.y_label)
    if c.series:
        ax.legend(fontsize="small")
    ax.grid(alpha=0.3)


def figure(charts_: list[Chart], columns: int = 2):
    """A Matplotlib figure with the charts in a grid (shown inline by Jupyter; ``savefig`` to keep it)."""
    from matplotlib.figure import Figure

    columns = min(columns, len(charts_)) or 1
    rows = max(1, -(-len(charts_) // columns))
    fig = Figure(figsize=(7 * columns, 4.6 * rows))
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax, c in zip(axes.flat, charts_):
        draw(c, ax)
    for ax in list(axes.flat)[len(charts_):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def save_pngs(charts_: list[Chart], directory, dpi: int = 150) -> list:
    """One PNG per chart (``<name>.png``) in ``directory``, for slides and papers."""
    paths = []
    for c in charts_:
        fig = figure([c], columns=1)
        fig.set_size_inches(8, 5)
        fig.tight_layout()
        path = directory / f"{c.name}.png"
        fig.savefig(path, dpi=dpi)
        paths.append(path)
    return paths
