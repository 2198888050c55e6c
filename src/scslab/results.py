"""Results of a run, in people: daily time series, per-group series, a summary; save and load.

Saving writes into a temporary directory beside the target and renames it into
place, so an interrupted save never leaves a partial result that looks complete.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import outputs, plots
from .intervals import (count_interval, distinguishable, entry, mean_interval, over_replicates, poisson_interval,
                        rate_ratio_interval)
from .files import Kind, atomic_directory
from .mechanisms.firms import summarise as summarise_firms
from .scenario.loading import dumps, load
from .scenario.schema import GRADES, Scenario
from .targets import compare_with_targets
from .units import DAYS_PER_YEAR


OPTIONAL_FRAMES = ("countries", "transfers", "flows", "scores", "recoveries", "firms", "trades")
"""Tables a run may have besides the time series, each saved as ``<name>.parquet``."""

FIGURES_DIRECTORY = "figures"


def run_kind() -> Kind:
    """What a run directory holds: the result files, and the report and its figures if written."""
    figures = Kind("report's figures", frozenset(), frozenset(f"{name}.png" for name in plots.CHARTS))
    files = {"timeseries.parquet", "by_group.parquet", "summary.json", "scenario.toml", "report.html",
             FIGURES_DIRECTORY, *(f"{name}.parquet" for name in OPTIONAL_FRAMES)}
    return Kind("run", frozenset({"summary.json", "scenario.toml"}), frozenset(files), {FIGURES_DIRECTORY: figures})

SCORE_OFFSET = 2**15
"""Scores are int16: counts by score are indexed by score + SCORE_OFFSET."""

def exit_routes() -> dict[str, str]:
    """The counter of each way off the lists, and its name in ``recoveries`` (outputs with a ``route``)."""
    return {o.name: o.route for o in outputs.counters() if o.route}


def score_frame(counts: np.ndarray, rulebooks: list[str], floors: np.ndarray, scale: float) -> pd.DataFrame:
    """People by rulebook and score (``counts[rulebook, score + SCORE_OFFSET]``), each score with its grade in that
    rulebook (``floors[rulebook]``: every grade's floor, ``schema.grade_floors``)."""
    parts = []
    for r, name in enumerate(rulebooks):
        index = np.flatnonzero(counts[r])
        scores = (index - SCORE_OFFSET).astype(np.int16)
        grade = np.searchsorted(-floors[r], -scores, side="left").clip(max=len(GRADES) - 1)  # first floor <= score
        parts.append(pd.DataFrame({"rulebook": name, "score": scores, "grade": np.array(GRADES)[grade],
                                   "people": np.rint(counts[r, index] * scale).astype(np.int64)}))
    frame = pd.concat(parts, ignore_index=True)
    frame["rulebook"] = pd.Categorical(frame["rulebook"], categories=rulebooks)
    frame["grade"] = pd.Categorical(frame["grade"], categories=GRADES)
    return frame


def median_days_listed(recoveries: pd.DataFrame | None) -> float | None:
    """Median time on the lists of the people who left them, in days (None if nobody left)."""
    if recoveries is None or recoveries["people"].sum() == 0:
        return None
    by_days = recoveries.groupby("days_listed", observed=True)["people"].sum().sort_index()
    cumulative = by_days.cumsum()
    return float(cumulative.index[np.searchsorted(cumulative.to_numpy(), cumulative.iloc[-1] / 2)])


def recovery_frame(exits: np.ndarray, group_scale: np.ndarray) -> pd.DataFrame:
    """People who left every list by route and days listed (``exits[group, counter, days]`` in agents;
    ``group_scale``: the people an agent of each group stands for)."""
    parts = []
    routes = exit_routes()
    for counter, route in routes.items():
        row = np.asarray(group_scale, float) @ exits[:, outputs.column(counter)]
        days = np.flatnonzero(row)
        parts.append(pd.DataFrame({"days_listed": days.astype(np.int32), "route": route,
                                   "people": np.rint(row[days]).astype(np.int64)}))
    frame = pd.concat(parts, ignore_index=True)
    frame["route"] = pd.Categorical(frame["route"], categories=list(routes.values()))
    return frame


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.maximum(denominator, 1), 1.0)


def count_intervals(strata: list[tuple[np.ndarray, float]]) -> dict[str, dict]:
    """The 95% interval of every count on the last day, and of the daily counts summed over the run
    (``NAME_in_run``), from one run (``intervals.count_interval``); ``strata``: the daily counters in agents of
    each part of the run whose agents weigh alike, and the people an agent of it stands for."""
    scales = [scale for _, scale in strata]
    out = {}
    for output in outputs.counters():
        if not output.scaled or output.internal:
            continue
        names = [(output.name, lambda h: h[-1])]
        if output.kind == outputs.DAILY:
            names.append((f"{output.name}_in_run", lambda h: h.sum(axis=0)))
        for name, take in names:
            rows = [take(history) for history, _ in strata]
            counts = [float(row[outputs.column(output.per or output.name)]) for row in rows]
            value, low, high = count_interval(counts, scales)
            if output.per:  # money: its count's relative interval
                money = sum(float(row[outputs.column(output.name)]) * scale for row, scale in zip(rows, scales))
                low, high, value = (low / value * money, high / value * money, money) if value else (0.0, 0.0, money)
            out[name] = entry(value, low, high, "Poisson", sum(counts))
    return out


def group_intervals(group_history: np.ndarray, scale: float, groups: list[str],
                    group_scale: dict[str, float]) -> dict[str, dict]:
    """Each group's counts on the last day with their 95% intervals (``group_history`` in agents of ``scale``
    people; ``group_scale``: the people an agent of each group stands for)."""
    out = {}
    for g, name in enumerate(groups):
        agents = group_history[-1, g] * (scale / group_scale[name])
        out[name] = {o.name: entry(*count_interval([agents[i]], [group_scale[name]]), "Poisson", agents[i])
                     for i, o in enumerate(outputs.counters()) if o.by_group and o.scaled and not o.internal}
    return out


def group_counts(groups: dict, scale: dict[str, float]) -> dict[str, dict]:
    """Each group's agents and wrongly listed agents at the end (``groups``: the summary's ``by_group_at_end``;
    ``scale``: the people an agent of each group stands for)."""
    return {g: {"agents": v["people"] / scale[g], "wrongly_listed_agents": v["wrongly_listed"] / scale[g]}
            for g, v in groups.items() if v.get("people")}


def group_ratio(counts: dict[str, dict]) -> dict | None:
    """How much likelier a person of the group with the highest rate of wrongful listing is to be wrongly listed
    than one of the largest group, with its exact interval, from the agents counted (``group_counts``, or their
    sums over replicates); None where nobody in the largest group is wrongly listed, or it has the highest rate."""
    rates = {g: v["wrongly_listed_agents"] / v["agents"] for g, v in counts.items()}
    if not rates or max(rates.values()) == 0:
        return None
    largest = max(rates, key=lambda g: counts[g]["agents"])
    highest = max(rates, key=rates.get)
    if highest == largest or rates[largest] == 0:  # no ratio to a group with no one wrongly listed
        return None
    ratio, low, high = rate_ratio_interval(counts[highest]["wrongly_listed_agents"], counts[highest]["agents"],
                                           counts[largest]["wrongly_listed_agents"], counts[largest]["agents"])
    return {"group": highest, "reference": largest, "ratio": ratio, "low": low, "high": high,
            "distinguishable": distinguishable(low, high)}


def pool(runs: list["Results"]) -> "Results":
    """Replicate runs (seeds ``seed .. seed + R - 1``) as one result: the first run's tables, and in its summary
    every figure's mean over the runs with its 95% interval (``intervals``), the rates' too, the group ratio from
    the agents counted in all of them, and the replicates' seeds."""
    first = runs[0]
    summary = first.summary

    def pooled(figures_of) -> dict:
        """Each figure of ``figures_of(run)`` (name -> ``intervals.entry``) over the runs."""
        return {name: over_replicates([figures_of(r)[name]["value"] for r in runs],
                                      [figures_of(r)[name]["agents"] for r in runs]) for name in figures_of(first)}

    intervals = pooled(lambda r: r.summary["intervals"])
    for output in outputs.rates():
        if not output.internal:
            intervals[output.name] = over_replicates([r.summary["end"][output.name] for r in runs], 0)
    intervals["expression_rate_last_365_days"] = over_replicates(
        [r.summary["expression_rate_last_365_days"] for r in runs], 0)
    summary["intervals"] = intervals
    summary["group_intervals"] = {g: pooled(lambda r, g=g: r.summary["group_intervals"][g])
                                  for g in summary["group_intervals"]}
    if "country_intervals" in summary:
        summary["country_intervals"] = {name: pooled(lambda r, name=name: r.summary["country_intervals"][name])
                                        for name in summary["country_intervals"]}
    for name, flow in (summary.get("flows") or {}).items():
        flow["figures"] = pooled(lambda r, name=name: r.summary["flows"][name]["figures"])
    summary["replicates"] = [r.seed for r in runs]
    summary["runtime_seconds"] = round(sum(r.summary["runtime_seconds"] for r in runs), 3)
    for k, target in enumerate(summary["targets"]):
        model, low, high = mean_interval([r.summary["targets"][k]["model"] for r in runs])
        target.update(model=model, model_low=max(low, 0.0), model_high=high,
                      relative_error=(model - target["published"]) / target["published"])
    if "wrongful_listing_by_group" in summary:
        counts = {g: {key: sum(r.summary["wrongful_listing_by_group"][g][key] for r in runs) for key in v}
                  for g, v in summary["wrongful_listing_by_group"].items()}
        summary["wrongful_listing_by_group"] = counts
        summary["wrongful_listing_ratio"] = group_ratio(counts)
    return first


@dataclass
class Results:
    scenario: Scenario
    seed: int
    agents: int
    scale: float
    timeseries: pd.DataFrame
    by_group: pd.DataFrame
    summary: dict = field(default_factory=dict)
    countries: pd.DataFrame | None = None
    transfers: pd.DataFrame | None = None
    flows: pd.DataFrame | None = None
    scores: pd.DataFrame | None = None
    recoveries: pd.DataFrame | None = None
    firms: pd.DataFrame | None = None
    trades: pd.DataFrame | None = None

    @classmethod
    def from_run(cls, scenario, seed, agents, scale, history, group_history, grades, runtime,
                 groups: list[str] | None = None, scores: pd.DataFrame | None = None,
                 recoveries: pd.DataFrame | None = None, firms: pd.DataFrame | None = None,
                 strata: list[tuple[np.ndarray, float]] | None = None,
                 sampling: list[tuple[int, float]] | None = None) -> "Results":
        """Results from a run's daily counters (in agents of ``scale`` people; ``groups`` names the group axis,
        default the scenario's; ``sampling``: each group's agents and the people one stands for).

        ``scores`` (score, grade, people on the last day), ``recoveries`` (days_listed,
        route, people) and ``firms`` (firms' transactions, see ``mechanisms.firms``) are in
        people already. ``strata`` are the daily counters in agents and the people an
        agent stands for, of each part of the run whose agents weigh alike (the countries of
        a many-country run; default the run itself): the counts' intervals rest on them.
        """
        days = history.shape[0]
        dates = pd.date_range(scenario.start_date, periods=days, freq="D").as_unit("ms")
        people = np.rint(history * scale).astype(np.int64)
        ts = pd.DataFrame({"day": np.arange(days, dtype=np.int32), "date": dates})
        for i, output in enumerate(outputs.counters()):
            ts[output.name] = people[:, i] if output.scaled else history[:, i]
        for rate in outputs.rates():
            numerator, denominator = (outputs.column(name) for name in rate.of)
            ts[rate.name] = _ratio(history[:, numerator], history[:, denominator])

        groups = groups or [g.name for g in scenario.population.groups]
        n_groups = len(groups)
        gp = np.rint(group_history * scale).astype(np.int64)
        by_group = pd.DataFrame({
            "day": np.repeat(np.arange(days, dtype=np.int32), n_groups),
            "group": pd.Categorical(np.tile(groups, days), categories=groups),
        })
        for i, output in enumerate(outputs.counters()):
            if output.by_group and not output.internal:
                by_group[output.name] = gp[:, :, i].reshape(-1)
        for rate in outputs.rates():
            if rate.by_group:
                numerator, denominator = (outputs.column(name) for name in rate.of)
                by_group[rate.name] = _ratio(group_history[:, :, numerator],
                                             group_history[:, :, denominator]).reshape(-1)

        results = cls(scenario, seed, agents, scale, ts, by_group, scores=scores, recoveries=recoveries, firms=firms)
        results.summary = results._summarise(grades, runtime)
        results.summary["intervals"] = count_intervals(strata or [(history, scale)])
        for target in results.summary["targets"]:
            low, high = poisson_interval(target["model"] / scale)
            target.update(model_low=low * scale, model_high=high * scale)
        if sampling is not None:
            results.summary["agents_by_group"] = {g: {"agents": int(n), "scale": float(s)}
                                                  for g, (n, s) in zip(groups, sampling)}
        group_scale = {g: s for g, (_, s) in zip(groups, sampling)} if sampling else dict.fromkeys(groups, scale)
        results.summary["group_intervals"] = group_intervals(group_history, scale, groups, group_scale)
        if not scenario.countries:
            counts = group_counts(results.summary["by_group_at_end"], group_scale)
            results.summary["wrongful_listing_by_group"] = counts
            results.summary["wrongful_listing_ratio"] = group_ratio(counts)
        if firms is not None:
            results.summary["firms"] = summarise_firms(firms, lambda key: scenario.firms.sectors[key])
        return results

    def _summarise(self, grades: dict, runtime: float) -> dict:
        ts = self.timeseries
        end = ts.iloc[-1]
        exits = int(end["delisted_total"])
        end_values = {o.name: (float(end[o.name]) if o.kind == outputs.RATE else int(end[o.name]))
                      for o in outputs.counters() + outputs.rates() if not o.internal}
        by_group_end = self.by_group[self.by_group["day"] == ts["day"].iloc[-1]]
        sizes = self.group_sizes()
        last_year = ts.tail(DAYS_PER_YEAR)
        return {
            "scenario": self.scenario.name,
            "description": self.scenario.description,
            "seed": self.seed,
            "agents": self.agents,
            "scale": self.scale,
            "population": self.scenario.population.size,
            "start_date": str(self.scenario.start_date),
            "end_date": str(self.scenario.end_date),
            "days": len(ts),
            "end": end_values,
            "expression_rate_last_365_days": float(
                last_year["expression"].sum() / max(last_year["expression_baseline"].sum(), 1)
            ) if last_year["expression_baseline"].sum() > 0 else 1.0,
            "mean_days_listed_at_exit": (float(ts["days_listed_at_exit_total"].iloc[-1]) / (exits / self.scale)
                                         if exits else None),
            "median_days_listed_at_exit": median_days_listed(self.recoveries),
            "informant_reports_in_run": int(ts["informant_reports"].sum()),
            "malicious_reports_in_run": int(ts["malicious_reports"].sum()),
            "grades_at_end": {g: int(round(c * self.scale)) for g, c in grades.items()},
            "by_group_at_end": {
                row.group: {"people": int(round(sizes.get(row.group, 0))), "listed": int(row.listed),
                            "wrongly_listed": int(row.wrongly_listed), "expression_rate": float(row.expression_rate)}
                for row in by_group_end.itertuples()
            },
            "targets": compare_with_targets(self.scenario, ts),
            "runtime_seconds": round(runtime, 3),
        }

    def group_sizes(self) -> dict[str, float]:
        """People in each group of ``by_group`` (``country/group`` in many-country runs)."""
        from .scenario.international import country_scenario

        sc = self.scenario
        populations = ({name: country_scenario(sc, name).population for name in sc.countries} if sc.countries
                       else {"": sc.population})
        return {(f"{name}/" if name else "") + g.name: g.share * population.size
                for name, population in populations.items() for g in population.groups}

    def save(self, directory: str | Path, overwrite: bool = False) -> Path:
        """Write the result files to ``directory`` atomically (temporary name, then rename).

        ``directory`` must be new or empty, or (with ``overwrite``) hold an earlier run and
        nothing else; otherwise :class:`~scslab.files.OutputError` and nothing is touched.
        """
        target = Path(directory)
        with atomic_directory(target, run_kind(), overwrite) as tmp:
            self.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
            self.by_group.to_parquet(tmp / "by_group.parquet", index=False)
            (tmp / "summary.json").write_text(json.dumps(self.summary, indent=2, default=str) + "\n")
            (tmp / "scenario.toml").write_text(dumps(self.scenario))
            for name in OPTIONAL_FRAMES:
                frame = getattr(self, name)
                if frame is not None:
                    frame.to_parquet(tmp / f"{name}.parquet", index=False)
        return target

    @classmethod
    def load(cls, directory: str | Path) -> "Results":
        """Read results saved by :meth:`save`."""
        d = Path(directory)
        summary = json.loads((d / "summary.json").read_text())
        return cls(
            scenario=load(str(d / "scenario.toml")), seed=summary["seed"], agents=summary["agents"],
            scale=summary["scale"], timeseries=pd.read_parquet(d / "timeseries.parquet"),
            by_group=pd.read_parquet(d / "by_group.parquet"), summary=summary,
            **{name: pd.read_parquet(d / f"{name}.parquet") for name in OPTIONAL_FRAMES
               if (d / f"{name}.parquet").exists()},
        )

    def plot(self, name: str | None = None, backend: str = "matplotlib"):
        """Charts of the run: all of them in one figure, or the named one (see ``scslab.plots.CHARTS``).

        ``backend="matplotlib"`` gives a Matplotlib figure (static, for papers);
        ``"plotly"`` an interactive Plotly figure (one chart), or a list of them.
        """
        if backend not in ("matplotlib", "plotly"):
            raise ValueError(f"backend must be 'matplotlib' or 'plotly', not {backend!r}")
        if name is None:
            selected = plots.charts(self)
        else:
            one = plots.chart(self, name)
            if one is None:
                raise ValueError(f"this run has nothing to show in the {name!r} chart")
            selected = [one]
        if backend == "plotly":
            figures = [plots.to_plotly(c) for c in selected]
            return figures[0] if name is not None else figures
        return plots.figure(selected)

    def at(self, date: str | dt.date) -> pd.Series:
        """The time-series row of one date."""
        row = self.timeseries[self.timeseries["date"] == pd.Timestamp(date)]
        if row.empty:
            raise KeyError(f"{date} is outside the run")
        return row.iloc[0]
