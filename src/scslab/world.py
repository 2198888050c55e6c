"""Many countries on one clock: each country's run, the borders between them, the trust index.

A day of a many-country run:

1. borders: stays that end today end, today's trips start (``F_ABROAD`` marks people abroad);
2. records sent from abroad that arrive today are handed to their home countries, whose lists for acts
   abroad take in the political ones (``mechanisms.reprisal``: exit bans, pressure on the family, requests
   to hosts to send the person back);
3. each country runs its day (behaviour, detection, scoring, lists, sanctions,
   rehabilitation), with the enforcement multiplier its partners' pressure sets,
   and hands back the events of its people abroad;
4. hosts record those events and their false matches about foreigners, score them
   into their registers of foreigners and send them on by the agreements and alliances;
5. hosts' firms deal with the foreigners present, buying records about them on the
   credit-information market (see ``mechanisms.market``);
6. every ``trust.interval_days`` (and on the last day) the trust index of each
   country is evaluated, and the pressure tied to it for the next days.

Agents are split between countries in proportion to their populations, except that
no country gets fewer than ``sampling.min_agents_per_country`` (``split_agents``): an
agent of a small country then stands for fewer people, and every count is weighted
by its own country's people per agent. Each country draws
from its own random streams, keyed by (seed, country name).
"""

from __future__ import annotations

import time
import zlib

import numpy as np
import pandas as pd

from . import outputs
from .engine import CountryRun
from .remote import census_all, start_countries, step_all
from .population import floored_split
from .mechanisms.borders import Borders
from .mechanisms.firms import summarise as summarise_firms
from .mechanisms.market import Market
from .mechanisms.reprisal import Reprisal
from .mechanisms.lists import OUT as LISTS
from .streams import BORDERS, MARKET, REPRISAL
from .mechanisms.trust import index_parts, pressure, trust_index
from .intervals import count_interval, entry, share_interval
from .results import Results, count_intervals
from .scenario.international import country_scenario
from .scenario.schema import GRADES, Scenario

def country_columns() -> tuple[outputs.Output, ...]:
    """Columns of ``countries.parquet`` after day, date and country: the world's outputs and each
    country's outputs kept by country."""
    return outputs.world() + tuple(o for o in outputs.counters() + outputs.rates() if o.by_country)


WORLD_PHASES = ("borders", "countries", "market", "trust and record")
"""The steps of a many-country day around the countries' own phases (``countries``)."""


def _lap(seconds: dict[str, float], phase: str, since: float) -> float:
    now = time.perf_counter()
    seconds[phase] += now - since
    return now


def split_agents(sizes: list[int], agents: int, floor: int = 0) -> list[int]:
    """Agents per country: in proportion to population, with ``floor`` agents at least (``floored_split``)."""
    return [int(n) for n in floored_split(sizes, agents, floor)]


def country_seed(seed: int, name: str) -> int:
    """A country's seed, from the run's seed and the country's name (adding a country changes no other's)."""
    state = np.random.SeedSequence([seed, zlib.crc32(name.encode())]).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(2))


def kept_abroad(strata: list[tuple[np.ndarray, float]]) -> dict:
    """The share of expression abroad kept against no system (``expression_abroad_rate``) over the run, with its
    interval (``intervals.share_interval``): every event kept is one of the events with no system."""
    kept, total = (outputs.column(name) for name in ("expression_abroad_total", "expression_abroad_baseline_total"))
    share, low, high = share_interval([h[-1, kept] for h, _ in strata], [h[-1, total] for h, _ in strata],
                                      [scale for _, scale in strata])
    return entry(share, low, high, "binomial", sum(float(h[-1, total]) for h, _ in strata))


class World:
    """A many-country run: ``World(scenario, agents, seed).run()`` returns :class:`Results`.

    With a Dask ``client``, each country's run lives on a worker of its cluster (``remote``), placed by
    ``placement`` (a worker address per country; default ``remote.place``); the results are the same bytes."""

    def __init__(self, scenario: Scenario, agents: int, seed: int, client=None, placement: list[str] | None = None):
        self.scenario = scenario
        self.seed = seed
        self.client, self.placement = client, placement
        self.names = list(scenario.countries)
        self.countries = [country_scenario(scenario, name) for name in self.names]
        self.agents = split_agents([c.population.size for c in self.countries], agents,
                                   scenario.sampling.min_agents_per_country)
        for name, n in zip(self.names, self.agents):
            if n < 1:
                raise ValueError(f"agents: {agents:,} are too few for {len(self.names)} countries ({name} gets none)")
        self.runs = []
        self.borders = None
        self.reprisal = None
        self.market = None
        self.by_country = []

    def run(self, progress=None) -> Results:
        seeds = [country_seed(self.seed, name) for name in self.names]
        if self.client is None:
            self.runs = [CountryRun(c, n, seed) for c, n, seed in zip(self.countries, self.agents, seeds)]
            return self._run(progress)
        self.runs = start_countries(self.client, self.names, self.countries, self.agents, seeds, self.placement)
        try:
            return self._run(progress)
        finally:
            for run in self.runs:
                run.close()

    def _run(self, progress) -> Results:
        started = time.perf_counter()
        sc = self.scenario
        streams = [np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.seed, BORDERS, part])))
                   for part in range(3)]
        self.borders = borders = Borders(sc, self.names, self.countries, self.runs, streams)
        self.reprisal = reprisal = Reprisal(sc, self.countries, self.runs, borders.sharing, borders.trips,
                            np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.seed, REPRISAL]))))
        borders.gate, reprisal.borders = reprisal.allowed, borders
        market_rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.seed, MARKET])))
        self.market = market = Market(sc, self.names, self.countries, self.runs, borders.sharing, market_rng)
        n, days = len(self.names), sc.days
        columns = country_columns()
        table = np.zeros((days, n, len(columns)))
        col = {o.name: i for i, o in enumerate(columns)}
        # each country's outputs kept by country: (column, counter, the rate's denominator or None)
        self.by_country = [(col[o.name], *(outputs.column(part) for part in o.of)) if o.kind == outputs.RATE
                           else (col[o.name], outputs.column(o.name), None) for o in columns if not o.world]
        index = np.ones(n)
        enforcement = np.ones(n)
        seconds = dict.fromkeys(WORLD_PHASES, 0.0)
        for day in range(days):
            clock = time.perf_counter()
            borders.move(day)
            inbound = borders.deliveries(day)
            reprisal.enforcement = enforcement
            reprisal.act(day, inbound)
            clock = _lap(seconds, "borders", clock)
            events = step_all(self.runs, day, inbound, enforcement)
            clock = _lap(seconds, "countries", clock)
            borders.host_records(day, events, enforcement)
            clock = _lap(seconds, "borders", clock)
            market.serve(day, borders.trips)
            clock = _lap(seconds, "market", clock)
            if day % sc.trust.interval_days == 0 or day == days - 1:
                index = self.trust_indices(day)
                enforcement = pressure(sc, self.names, index, day)
            self._record(table[day], col, day, index, enforcement)
            _lap(seconds, "trust and record", clock)
            if progress is not None:
                progress(day + 1, days)
        results = self._results(table, time.perf_counter() - started)
        timings = [run.seconds for run in self.runs]
        phases = {name: sum(t[name] for t in timings) for name in timings[0]}
        seconds.pop("countries")
        results.summary["phase_seconds"] = {name: round(t, 4) for name, t in (phases | seconds).items()}
        return results

    def trust_indices(self, day: int) -> np.ndarray:
        """Each country's trust index today."""
        out = np.empty(len(self.runs))
        for c, (run, (grades, mean)) in enumerate(zip(self.runs, census_all(self.runs, day))):
            seen = run.seen()
            parts = index_parts(mean, run.scenario.rulebook.start_score, float(seen[LISTS.listed]),
                                float(seen[LISTS.redlisted]), sum(grades.values()), self.reprisal.cooperation_record(c))
            out[c] = trust_index(self.scenario.trust, parts)
        return out

    def _record(self, row, col, day, index, enforcement) -> None:
        b = self.borders
        scale = np.array([run.people.scale for run in self.runs])
        abroad, foreigners = b.present()
        for c, run in enumerate(self.runs):
            h = run.seen()  # today's counters, in agents of the country's mean scale
            register = b.registers[c]
            row[c, col["population"]] = run.scenario.population.size
            row[c, col["residents_abroad"]] = abroad[c]
            row[c, col["foreigners_present"]] = foreigners[c]
            row[c, col["present"]] = run.scenario.population.size - abroad[c] + foreigners[c]
            for name in ("departures", "arrivals", "returns", "records_on_foreigners", "records_received"):
                row[c, col[name]] = b.today[name][c]
            for column, counted, denominator in self.by_country:
                if denominator is None:
                    row[c, column] = h[counted] * scale[c]
                else:
                    row[c, column] = h[counted] / h[denominator] if h[denominator] else 1.0
            row[c, col["trust_index"]] = index[c]
            row[c, col["enforcement"]] = enforcement[c]
            row[c, col["foreigners_listed"]] = self._people(register.listed)
            row[c, col["foreigners_wrongly_listed"]] = self._people(
                key for key, (_, wrongly) in register.listed.items() if wrongly)
            row[c, col["nationals_exposed_total"]] = run.people.people_in(list(b.nationals_exposed[c]))
            row[c, col["diaspora_exposed_total"]] = run.people.people_in(list(b.diaspora_exposed[c]))

    def _people(self, keys) -> float:
        """The people that (home country, agent) pairs stand for."""
        return sum(self.runs[home].people.people_in(agent) for home, agent in keys)

    def _exposed(self, keys, home: int | None = None) -> dict:
        """The people that (home country, agent) pairs stand for, with the interval of a count of those agents
        (``intervals.count_interval``, each agent weighing what it stands for)."""
        scales = [float(self.runs[h].people.scale_of(np.array([agent]))[0]) for h, agent in keys]
        if not scales:  # nobody: a count of no agent of ``home`` (default: of the country whose agents weigh most)
            runs = self.runs if home is None else [self.runs[home]]
            return entry(*count_interval([0.0], [max(run.people.scale for run in runs)]), "Poisson", 0)
        return entry(*count_interval([1.0] * len(scales), scales), "Poisson", len(scales))

    def _results(self, table, runtime) -> Results:
        sc, runs, names = self.scenario, self.runs, self.names
        total_people = sum(c.population.size for c in self.countries)
        total_agents = sum(self.agents)
        nominal = total_people / total_agents
        weights = [run.people.scale / nominal for run in runs]
        weighed = [run.weighed_history() for run in runs]
        history = sum(h * w for (h, _), w in zip(weighed, weights))
        group_history = np.concatenate([g * w for (_, g), w in zip(weighed, weights)], axis=1)
        groups = [f"{name}/{g.name}" for name, c in zip(names, self.countries) for g in c.population.groups]
        grades = {g: 0.0 for g in GRADES}
        for run, w in zip(runs, weights):
            for g, count in run.census()[0].items():
                grades[g] += count * w
        results = Results.from_run(scenario=sc, seed=self.seed, agents=total_agents, scale=nominal, history=history,
                                   group_history=group_history, grades=grades, runtime=runtime, groups=groups,
                                   scores=self._by_country(lambda run: run.score_distribution()),
                                   recoveries=self._by_country(lambda run: run.recovery_times()),
                                   strata=[part for run in runs for part in run.strata()],
                                   sampling=[(n, s) for run in runs
                                             for n, s in zip(run.people.group_agents, run.people.group_scale)])
        results.countries = self._countries_frame(table)
        results.transfers = self._transfers_frame()
        results.flows = self._flows_frame()
        results.summary.update(self._summary(total_people, results.countries))
        results.firms = self._firms_frame()
        if results.firms is not None:
            results.summary["firms"] = summarise_firms(results.firms, self._sector)
        if self.market.open:
            results.trades = self.market.trades(sc.start_date)
            results.summary["market"] = self.market.summary()
        return results

    def _firms_frame(self) -> pd.DataFrame | None:
        """Firms' transactions in every country with its nationals and with the foreigners present."""
        frames = []
        for name, run in zip(self.names, self.runs):
            frame = run.firm_transactions()
            if frame is not None:
                frames.append(frame.assign(country=name, group=name + "/" + frame["group"].astype(str)))
        foreign = self.market.foreign_customers({name: list(c.firms.sectors) for name, c in zip(self.names,
                                                                                                   self.countries)})
        if foreign is not None:
            frames.append(foreign)
        if not frames:
            return None
        frame = pd.concat([f.astype({"sector": str, "group": str}) for f in frames], ignore_index=True)
        frame["country"] = pd.Categorical(frame["country"], categories=self.names)
        for column in ("sector", "group"):
            frame[column] = pd.Categorical(frame[column], categories=list(dict.fromkeys(frame[column])))
        return frame[["country"] + [c for c in frame.columns if c != "country"]]

    def _sector(self, key: str):
        """The sector named ``country/sector``."""
        country, sector = key.split("/", 1)
        return self.countries[self.names.index(country)].firms.sectors[sector]

    def _by_country(self, frame_of) -> pd.DataFrame:
        """One table per country run, stacked, with a ``country`` column first."""
        frames = [frame_of(run).assign(country=name) for name, run in zip(self.names, self.runs)]
        frame = pd.concat(frames, ignore_index=True)
        frame["country"] = pd.Categorical(frame["country"], categories=self.names)
        return frame[["country"] + [c for c in frame.columns if c != "country"]]

    def _countries_frame(self, table) -> pd.DataFrame:
        days, n = table.shape[:2]
        dates = pd.date_range(self.scenario.start_date, periods=days, freq="D").as_unit("ms")
        frame = pd.DataFrame({
            "day": np.repeat(np.arange(days, dtype=np.int32), n),
            "date": np.repeat(dates, n),
            "country": pd.Categorical(np.tile(self.names, days), categories=self.names),
        })
        for i, output in enumerate(country_columns()):
            values = table[:, :, i].reshape(-1)
            frame[output.name] = values if output.unit == outputs.RATIO else np.rint(values).astype(np.int64)
        return frame

    def _flows_frame(self) -> pd.DataFrame:
        """Each travel flow over the run (``borders.FLOW_TALLIES``, and its people abroad on the last day), in
        people, with the agents each count rests on (``*_agents``) and the people an agent of it stands for."""
        if not self.scenario.travel:
            return None
        rows = []
        for name, row in zip(self.scenario.travel, self.borders.flow_figures()):
            counts = {key: value for key, value in row.items() if isinstance(value, tuple)}
            rows.append({"flow": name, **{k: v for k, v in row.items() if k not in counts}}
                        | {key: int(round(people)) for key, (people, _) in counts.items()}
                        | {f"{key}_agents": agents for key, (_, agents) in counts.items()})
        frame = pd.DataFrame(rows)
        for column in ("flow", "home", "host", "kind"):
            frame[column] = frame[column].astype("category")
        return frame

    def _transfers_frame(self) -> pd.DataFrame:
        rows = self.borders.transfers()
        frame = pd.DataFrame(rows, columns=["day", "from_country", "to_country", "record_class", "arrangement",
                                            "records"])
        frame["day"] = frame["day"].astype(np.int32)
        frame.insert(1, "date", pd.to_datetime(self.scenario.start_date) + pd.to_timedelta(frame["day"], unit="D"))
        frame["date"] = frame["date"].astype("datetime64[ms]")
        frame["records"] = np.rint(frame["records"].astype(float)).astype(np.int64)
        return frame

    def _summary(self, total_people: int, countries: pd.DataFrame) -> dict:
        b = self.borders
        last = countries[countries["day"] == countries["day"].max()]
        at_end = {
            row["country"]: {o.name: (float(row[o.name]) if o.unit == outputs.RATIO else int(row[o.name]))
                             for o in country_columns()}
            for row in last.to_dict("records")
        }
        ledger = b.transfers()
        arrangements = {}
        for name in list(self.scenario.agreements) + list(self.scenario.alliances):
            arrangements[name] = {
                "records": int(round(sum(count for *_, arrangement, count in ledger if arrangement == name))),
                "people_exposed": int(round(self._people(b.exposed[name]))),
                "diaspora_exposed": int(round(self._people(b.exposed_diaspora[name]))),
                "intervals": {"people_exposed": self._exposed(b.exposed[name]),
                              "diaspora_exposed": self._exposed(b.exposed_diaspora[name])},
            }
        agents = {name: {"agents": n, "scale": run.people.scale} for name, n, run in zip(self.names, self.agents,
                                                                                      self.runs)}
        kept = {o.name for o in country_columns() if not o.world}
        intervals = {name: {key: v for key, v in count_intervals(run.strata()).items() if key in kept}
                            | {"expression_abroad_rate": kept_abroad(run.strata()),
                               "nationals_exposed_total": self._exposed([(c, a) for a in b.nationals_exposed[c]], c),
                               "diaspora_exposed_total": self._exposed([(c, a) for a in b.diaspora_exposed[c]], c)}
                     for c, (name, run) in enumerate(zip(self.names, self.runs))}
        return {"population": total_people, "countries_at_end": at_end, "arrangements": arrangements,
                "agents_by_country": agents, "country_intervals": intervals, "flows": self._flow_summary()}

    def _flow_summary(self) -> dict:
        """Each flow's home, host and kind, and its totals (``borders.FLOW_TALLIES``, people abroad at the end)
        with their Poisson intervals from the agents they rest on."""
        out = {}
        for name, row in zip(self.scenario.travel, self.borders.flow_figures()):
            figures = {}
            for key, value in row.items():
                if isinstance(value, tuple):
                    people, agents = value
                    scale = people / agents if agents else row["people_per_agent"]
                    low, high = count_interval([agents], [scale])[1:]
                    figures[key] = entry(people, low, high, "Poisson", agents)
            out[name] = {"home": row["home"], "host": row["host"], "kind": row["kind"], "figures": figures}
        return out
