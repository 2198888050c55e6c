"""Borders: people who cross them, what hosts record about foreigners, and where those records go.

A traveller is an agent of their home country marked ``F_ABROAD`` for the length
of a stay, drawn from the groups the flow names (``Flow.groups``, default all). Their behaviour is still drawn by the home kernel (same propensities,
same deterrence and chilling), but it happens abroad: the home channels do not
see it; the host's do, at the host's urban coverage (travellers are in cities),
without the app channel. A foreigner's political acts are taken to be aimed at
their own government: the host records them only with its
``foreigners.partner_enforcement`` effort, and only towards a home country it
sends political records to. The host's rulebook scores the other records into a
register of foreigners (points recover at the host's rate); a foreigner who has
lost ``listing_points`` is listed there (an entry ban) for ``listing_days``.

Every record a host makes is routed by the agreements and alliances active
that day: to the person's home country (applied there by the home rulebook
``delay_days`` later, on the next morning, unless lost) and, through a pooled platform, to every other
member, whose register of foreigners it joins. Each delivered record is counted
in the transfer ledger.

Everything here concerns the few people abroad, so it is plain NumPy and Python
over side tables keyed by (home country, agent); a day costs in proportion to
the travellers and their records, not to the populations.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from ..units import DAYS_PER_YEAR
from ..scenario.schema import BEHAVIOURS, CHANNELS, RECORD_CLASS_OF, RECORD_CLASSES, Scenario
from .schedules import schedule_values
from ..outputs import DAILY, PEOPLE, RECORDS, STOCK, TOTAL, Output, declare
from .base import CountryView

OUT = declare(
    "borders",
    Output("population", "Population", PEOPLE, STOCK, "The country's population (constant).", world=True),
    Output("present", "People present", PEOPLE, STOCK,
           "People in the country today: population, less nationals abroad, plus foreigners present.", world=True),
    Output("residents_abroad", "Nationals abroad", PEOPLE, STOCK, "Nationals abroad today, diaspora included.",
           world=True),
    Output("foreigners_present", "Foreigners present", PEOPLE, STOCK, "Foreigners in the country today.",
           world=True),
    Output("departures", "Departures", PEOPLE, DAILY,
           "Nationals leaving today (on day 0 this includes the residents already abroad).", world=True),
    Output("arrivals", "Arrivals", PEOPLE, DAILY, "Foreigners arriving today (on day 0 likewise).", world=True),
    Output("returns", "Returns", PEOPLE, DAILY, "Nationals coming home today.", world=True),
    Output("foreigners_listed", "Foreigners listed", PEOPLE, STOCK,
           "Foreigners on this country's list of untrustworthy foreigners now, present or not.", world=True),
    Output("foreigners_wrongly_listed", "Foreigners wrongly listed", PEOPLE, STOCK,
           "Of the foreigners listed, the wrongly listed.", world=True),
    Output("records_on_foreigners", "Records on foreigners", RECORDS, DAILY,
           "Records this country's channels made today about foreigners, true and false, before loss.", world=True),
    Output("records_received", "Records received", RECORDS, DAILY,
           "Records about this country's nationals from abroad applied today.", world=True),
    Output("nationals_exposed_total", "Nationals exposed", PEOPLE, TOTAL,
           "Nationals who have had at least one record delivered abroad or home through an arrangement.",
           world=True),
    Output("diaspora_exposed_total", "Diaspora exposed", PEOPLE, TOTAL,
           "Of the nationals exposed, members of a diaspora flow.", world=True),
)

APP = CHANNELS.index("app")
NO_CLASS = -1
CLASS_OF = np.array([RECORD_CLASSES.index(RECORD_CLASS_OF[b]) if b in RECORD_CLASS_OF else NO_CLASS
                     for b in BEHAVIOURS], np.int64)
POLITICAL = RECORD_CLASSES.index("political")
FLOW_TALLIES = {
    "departures": "departures since the start (on the first day, the residents already abroad too)",
    "host_records": "records the host made about them, true and false, before loss",
    "political_records": "of those, records of political acts",
    "sent_home": "records about them delivered to their home country",
    "sanctioned_at_home": "people put on the home list for acts abroad by a record from this flow",
    "deported_home": "of those, people their host sent home at the home's request",
}
"""What is totalled for each travel flow (``Borders.flow_figures``): name -> meaning."""
FOREVER = 2**31 - 1


@dataclass(frozen=True)
class Delivery:
    """Where a host's record about a foreigner goes, under which arrangement."""

    destination: int
    arrangement: str
    delay: int
    loss: float
    home: bool  # the person's own country (else a third member of a pooled platform)


def _false_rate(country: Scenario, channel_name: str) -> float:
    """False records per foreigner-day at full coverage of one channel (never the app: foreigners do not use it)."""
    channel = getattr(country.channels, channel_name)
    if channel_name == "app" or not (country.system and channel.enabled and channel.sees):
        return 0.0
    return channel.false_records_per_person_year / DAYS_PER_YEAR


class Sharing:
    """The agreements and alliances, as routes from a host for a record about a national of ``home``."""

    def __init__(self, scenario: Scenario, names: list[str]):
        index = {n: i for i, n in enumerate(names)}
        self.start = scenario.start_date
        self.days = scenario.days
        self.bilateral = []  # (sender, receiver, classes, first day, last day, name, delay, loss)
        for name, a in scenario.agreements.items():
            if not a.enabled:
                continue
            first, last = self._window(a.start, a.end)
            pairs = [(a.from_country, a.to_country)] + ([(a.to_country, a.from_country)] if a.both_ways else [])
            for sender, receiver in pairs:
                self.bilateral.append((index[sender], index[receiver], {RECORD_CLASSES.index(c) for c in a.classes},
                                       first, last, name, a.delay_days, a.loss))
        self.pools = []  # ({member: joining day}, classes, first, last, name, delay, loss)
        for name, al in scenario.alliances.items():
            if not al.enabled:
                continue
            first, last = self._window(al.start, al.end)
            members = {index[m]: max(first, self._day(al.joins.get(m))) for m in al.members}
            self.pools.append((members, {RECORD_CLASSES.index(c) for c in al.classes}, first, last, name,
                               al.delay_days, al.loss))
        self._cache: dict = {}

    def _day(self, date: dt.date | None) -> int:
        return 0 if date is None else (date - self.start).days

    def _window(self, start, end) -> tuple[int, int]:
        return self._day(start), (self.days - 1 if end is None else self._day(end))

    def routes(self, day: int, host: int, home: int, record_class: int) -> tuple[Delivery, ...]:
        """Routes of one record today: at most one per destination, bilateral agreements first."""
        active = tuple(i for i, b in enumerate(self.bilateral) if b[3] <= day <= b[4]) + tuple(
            -1 - i for i, p in enumerate(self.pools) if p[2] <= day <= p[3])
        key = (host, home, record_class, active)
        if key not in self._cache:
            self._cache[key] = self._routes(day, host, home, record_class)
        return self._cache[key]

    def _routes(self, day, host, home, record_class):
        chosen: dict[int, Delivery] = {}
        for sender, receiver, classes, first, last, name, delay, loss in self.bilateral:
            if sender == host and receiver == home and record_class in classes and first <= day <= last:
                chosen.setdefault(home, Delivery(home, name, delay, loss, True))
        for members, classes, first, last, name, delay, loss in self.pools:
            if not (first <= day <= last and record_class in classes and members.get(host, FOREVER) <= day):
                continue
            for member, joined in members.items():
                if member != host and joined <= day:
                    chosen.setdefault(member, Delivery(member, name, delay, loss, member == home))
        return tuple(chosen.values())

    def links(self, day: int, a: int, b: int, record_class: int, names: set[str] | None = None) -> bool:
        """Whether an arrangement (one of ``names``, default any) joins countries ``a`` and ``b`` for a class today.

        A bilateral agreement joins its two countries whichever way its records flow; a pooled
        platform joins any two members that have both joined.
        """
        for sender, receiver, classes, first, last, name, *_ in self.bilateral:
            if ({sender, receiver} == {a, b} and record_class in classes and first <= day <= last
                    and (names is None or name in names)):
                return True
        for members, classes, first, last, name, *_ in self.pools:
            if (record_class in classes and first <= day <= last and (names is None or name in names)
                    and members.get(a, FOREVER) <= day and members.get(b, FOREVER) <= day):
                return True
        return False

    def sends_political(self, day: int, host: int, home: int) -> bool:
        """Whether a political record made by ``host`` about a national of ``home`` would reach ``home`` today."""
        return any(r.home for r in self.routes(day, host, home, POLITICAL))


class ForeignerRegister:
    """One country's points and list of foreigners, keyed by (home country, agent)."""

    def __init__(self, country: Scenario, foreigners):
        self.points = np.array([getattr(country.behaviours, b).points for b in BEHAVIOURS], np.int64)
        self.recovery = country.rulebook.recovery_points_per_day
        self.threshold = foreigners.listing_points
        self.listing_days = foreigners.listing_days
        self.lost: dict[tuple[int, int], list] = {}  # key -> [points lost, of which by false records, last day]
        self.listed: dict[tuple[int, int], tuple[int, bool]] = {}  # key -> (last day listed, wrongly?)
        self.expiry: dict[int, list] = defaultdict(list)

    def record(self, day: int, key: tuple[int, int], behaviour: int, true: bool) -> None:
        """Score one record about a foreigner; list them once they have lost enough points."""
        deduction = -int(self.points[behaviour])
        if deduction <= 0:
            return
        entry = self.lost.setdefault(key, [0.0, 0.0, day])
        recovered = self.recovery * (day - entry[2])
        entry[0] = max(0.0, entry[0] - recovered) + deduction
        entry[1] = max(0.0, entry[1] - recovered) + (0 if true else deduction)
        entry[2] = day
        if key in self.listed or entry[0] < self.threshold:
            return
        wrongly = entry[0] - entry[1] < self.threshold
        until = day + self.listing_days
        self.listed[key] = (until, wrongly)
        self.expiry[until].append(key)
        del self.lost[key]

    def expire(self, day: int) -> None:
        for key in self.expiry.pop(day, ()):
            if self.listed.get(key, (None,))[0] == day:
                del self.listed[key]


class Trips:
    """People abroad: one row per stay, removed when it ends."""

    def __init__(self):
        self.home = np.empty(0, np.int64)
        self.agent = np.empty(0, np.int64)
        self.host = np.empty(0, np.int64)
        self.end = np.empty(0, np.int64)
        self.diaspora = np.empty(0, np.bool_)
        self.flow = np.empty(0, np.int64)  # the travel flow of each stay (``Borders.flows``)
        self._keys = np.empty(0, np.int64)
        self._order = np.empty(0, np.int64)

    def add(self, home, agent, host, end, diaspora, flow) -> None:
        n = len(agent)
        self.home = np.concatenate([self.home, np.full(n, home)])
        self.agent = np.concatenate([self.agent, agent])
        self.host = np.concatenate([self.host, np.full(n, host)])
        self.end = np.concatenate([self.end, end])
        self.diaspora = np.concatenate([self.diaspora, np.full(n, diaspora)])
        self.flow = np.concatenate([self.flow, np.full(n, flow)])

    def finish(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Remove the stays that end today; returns their (home, agent)."""
        done = self.end == day
        out = self.home[done], self.agent[done]
        if done.any():
            keep = ~done
            for name in ("home", "agent", "host", "end", "diaspora", "flow"):
                setattr(self, name, getattr(self, name)[keep])
        return out

    def index(self) -> None:
        """Prepare :meth:`find` for today's stays."""
        self._keys = (self.home << 32) | self.agent
        self._order = np.argsort(self._keys, kind="stable")
        self._keys = self._keys[self._order]

    def find(self, home: int, agents: np.ndarray) -> np.ndarray:
        """Row of each agent's current stay."""
        at = np.searchsorted(self._keys, (np.int64(home) << 32) | agents.astype(np.int64))
        return self._order[at]

    def where(self, home: int, agent: int) -> int:
        """Row of one national's current stay, or -1 if they are at home."""
        key = (np.int64(home) << 32) | np.int64(agent)
        at = int(np.searchsorted(self._keys, key))
        return int(self._order[at]) if at < len(self._keys) and self._keys[at] == key else -1


@dataclass(frozen=True)
class Source:
    """The agents of a flow's home country that its people are drawn from."""

    starts: np.ndarray  # int64[k]: first agent of each stratum drawn from
    ends: np.ndarray  # int64[k]: cumulative agents over those strata
    scale: float  # people an agent of them stands for, on average

    def draw(self, rng, n: int) -> np.ndarray:
        """``n`` agents, uniformly (with replacement)."""
        at = rng.integers(0, int(self.ends[-1]), size=n)
        k = np.searchsorted(self.ends, at, side="right")
        return self.starts[k] + at - np.concatenate([[0], self.ends[:-1]])[k]


def flow_source(people, flow, group_names: list[str]) -> Source:
    """The agents of the flow's groups (``Flow.groups``, default every agent). Drawn uniformly, an agent stands
    for its group's people on average, so the people drawn keep the groups' proportions even where the groups'
    agents weigh differently (``Group.min_agents``)."""
    if flow.groups is None:
        return Source(np.zeros(1, np.int64), np.array([people.agents], np.int64), people.scale)
    chosen = [g for g, name in enumerate(group_names) if name in flow.groups]
    sizes = np.diff(people.stratum_start)
    strata = np.flatnonzero(np.isin(people.stratum_group, chosen) & (sizes > 0))
    agents = people.group_agents[chosen]
    return Source(people.stratum_start[strata], np.cumsum(sizes[strata]),
                  float(agents @ people.group_scale[chosen] / max(agents.sum(), 1)))


class Borders:
    """Travel between countries, hosts' records about foreigners, and their transfer."""

    def __init__(self, scenario: Scenario, names: list[str], countries: list[Scenario], runs: list[CountryView],
                 streams):
        self.names = names
        self.runs = runs
        # travel, hosts' records and routing draw from separate streams, so that switching an arrangement
        # off leaves who travels when untouched (common random numbers)
        self.travel_rng, self.rng, self.route_rng = streams
        self.days = scenario.days
        n = len(names)
        index = {name: i for i, name in enumerate(names)}
        self.sharing = Sharing(scenario, names)
        groups = {name: [g.name for g in c.population.groups] for name, c in zip(names, countries)}
        self.flows = [(index[f.home], index[f.host], f, flow_source(runs[index[f.home]].people, f, groups[f.home]))
                      for f in scenario.travel.values()]
        self.trip_means = np.array([schedule_values(f.trips_per_year, scenario.start_date, self.days) / DAYS_PER_YEAR
                                    / s.scale for _, _, f, s in self.flows]).reshape(len(self.flows), self.days)
        self.trips = Trips()
        self.gate = None
        """``gate(day, home, host, agents)``: which of ``agents`` may travel (``reprisal.Reprisal.allowed``)."""
        foreign = [scenario.countries[name].foreigners for name in names]
        self.registers = [ForeignerRegister(c, f) for c, f in zip(countries, foreign)]
        self.effort = np.array([schedule_values(f.partner_enforcement, scenario.start_date, self.days) for f in foreign])
        self.false_match = np.array([f.false_match for f in foreign])
        self.false_rate = np.array([[_false_rate(country, name) for name in CHANNELS] for country in countries])
        self.inbox: dict[int, list[list]] = defaultdict(lambda: [[] for _ in range(n)])
        self.ledger: dict[tuple[int, int, int, int, str], float] = defaultdict(float)  # records, in people
        self.exposed: dict[str, set] = defaultdict(set)
        self.exposed_diaspora: dict[str, set] = defaultdict(set)
        self.nationals_exposed = [set() for _ in range(n)]
        self.diaspora_exposed = [set() for _ in range(n)]
        self.flow_tally = {name: np.zeros((len(self.flows), 2)) for name in FLOW_TALLIES}  # [flow, (people, agents)]
        self.sent_from: dict[tuple[int, int], int] = {}  # (home, agent) -> the flow of their last record sent home
        # today's counts, in people
        self.today = {k: np.zeros(n) for k in ("departures", "arrivals", "returns", "records_on_foreigners",
                                                           "records_received")}

    def tally(self, f: int, name: str, people: float, agents: int = 1) -> None:
        """Add to flow ``f``'s total ``name`` (``FLOW_TALLIES``)."""
        self.flow_tally[name][f] += (people, agents)

    def flow_figures(self) -> list[dict]:
        """Each flow's totals over the run and its people abroad now, in people, with the agents they rest on."""
        abroad = np.bincount(self.trips.flow, self._trip_people(), minlength=len(self.flows))
        abroad_agents = np.bincount(self.trips.flow, minlength=len(self.flows))
        out = []
        for f, (home, host, flow, source) in enumerate(self.flows):
            row = {"home": self.names[home], "host": self.names[host], "kind": flow.kind,
                   "people_per_agent": source.scale, "abroad_at_end": (float(abroad[f]), int(abroad_agents[f]))}
            row |= {name: (float(t[f, 0]), int(t[f, 1])) for name, t in self.flow_tally.items()}
            out.append(row)
        return out

    # -- travel ---------------------------------------------------------------------------------------------------

    def move(self, day: int) -> None:
        """End today's stays, start today's trips (and, on the first day, the stock already abroad)."""
        for counts in self.today.values():
            counts[:] = 0
        homes, agents = self.trips.finish(day)
        for c, run in enumerate(self.runs):
            mine = agents[homes == c]
            run.set_abroad(mine, False)
            self.today["returns"][c] += run.people.people_in(mine)
        for r in self.registers:
            r.expire(day)
        trips = self.travel_rng.poisson(self.trip_means[:, day])
        for f, ((home, host, flow, source), count) in enumerate(zip(self.flows, trips)):
            if day == 0 and flow.residents > 0:
                expected = flow.residents / source.scale
                count += int(expected) + int(self.travel_rng.random() < expected - int(expected))
            if count:
                self._depart(day, home, host, f, count)
        self.trips.index()

    def _depart(self, day, home, host, f, count) -> None:
        run, (_, _, flow, source) = self.runs[home], self.flows[f]
        chosen = np.empty(0, np.int64)
        for _ in range(100):  # draw adults at home not already abroad
            if len(chosen) >= count:
                break
            candidates = source.draw(self.travel_rng, 2 * (count - len(chosen)) + 8)
            ok = run.can_travel(candidates)
            banned = self.registers[host].listed
            if banned:  # the host's list of foreigners is an entry ban
                ok &= np.array([(home, int(a)) not in banned for a in candidates])
            if self.gate is not None:
                ok[ok] = self.gate(day, home, host, candidates[ok])
            chosen = np.unique(np.concatenate([chosen, candidates[ok]]))
        chosen = self.travel_rng.permutation(chosen)[:count]
        stay = flow.mean_stay
        if stay is None:
            end = np.full(len(chosen), FOREVER)
        else:
            end = day + 1 + np.floor(self.travel_rng.exponential(stay, len(chosen))).astype(np.int64)
        self._leave(home, host, chosen, end, flow.kind == "diaspora", f)

    def _leave(self, home, host, agents, end, diaspora, f) -> None:
        run = self.runs[home]
        run.set_abroad(agents, True)
        self.trips.add(home, agents, host, end, diaspora, f)
        people = run.people.people_in(agents)
        self.tally(f, "departures", people, len(agents))
        self.today["departures"][home] += people
        self.today["arrivals"][host] += people

    def rejoin(self, home: int, host: int, agents: np.ndarray, f: int) -> None:
        """Members of a diaspora (of flow ``f``) who had come home go back to ``host`` for good today (after
        ``move``)."""
        self._leave(home, host, agents, np.full(len(agents), FOREVER), True, f)
        self.trips.index()

    def present(self) -> tuple[np.ndarray, np.ndarray]:
        """People abroad by home country, and foreigners present by host."""
        n, people = len(self.names), self._trip_people()
        return (np.bincount(self.trips.home, people, minlength=n), np.bincount(self.trips.host, people, minlength=n))

    def foreigners_from(self) -> np.ndarray:
        """Foreigners present by host (rows) and home (columns), in people."""
        n = len(self.names)
        return np.bincount(self.trips.host * n + self.trips.home, self._trip_people(), minlength=n * n).reshape(n, n)

    def _trip_people(self) -> np.ndarray:
        """The people each agent abroad stands for."""
        home, people = self.trips.home, np.empty(len(self.trips.home))
        for c, run in enumerate(self.runs):
            mine = home == c
            people[mine] = run.people.scale_of(self.trips.agent[mine])
        return people

    # -- records about foreigners ---------------------------------------------------------------------------------

    def detection_abroad(self, day: int, host: int, enforcement: float) -> np.ndarray:
        """Chance the host's channels (not the app) record a foreigner's event, by behaviour."""
        det = self.runs[host].channels()
        p = np.minimum(det.sees * det.coverage[:, 0, day][:, None] * enforcement, 1.0)  # [C, B]
        return 1.0 - np.prod(np.delete(1.0 - p, APP, axis=0), axis=0)

    def host_records(self, day: int, events: list, enforcement: np.ndarray) -> None:
        """Turn the day's events abroad, and hosts' false matches, into records, and send them on."""
        found = []  # (host, home, agent, behaviour, true)
        for home, (agents, behaviours) in enumerate(events):
            if not len(agents):
                continue
            rows = self.trips.find(home, agents)
            hosts = self.trips.host[rows]
            b = behaviours.astype(np.int64)
            p = np.zeros(len(agents))
            for host in np.unique(hosts):
                at = hosts == host
                p_host = self.detection_abroad(day, host, enforcement[host])
                political = CLASS_OF[b[at]] == POLITICAL
                p[at] = p_host[b[at]] * np.where(political, self._effort(day, host, home, enforcement), 1.0)
            p[CLASS_OF[b] == NO_CLASS] = 0.0
            hit = self.rng.random(len(agents)) < p
            found.extend(zip(hosts[hit].tolist(), [home] * int(hit.sum()), agents[hit].tolist(),
                             b[hit].tolist(), [True] * int(hit.sum()), self.trips.flow[rows[hit]].tolist()))
        found.extend(self._false_records(day, enforcement))
        for host, home, agent, behaviour, true, f in found:
            people = self.runs[home].people.people_in(agent)
            self.tally(f, "host_records", people)
            if CLASS_OF[behaviour] == POLITICAL:
                self.tally(f, "political_records", people)
            self.today["records_on_foreigners"][host] += self.runs[home].people.people_in(agent)
            if CLASS_OF[behaviour] != POLITICAL and self.runs[host].scoring_on(day):
                self.registers[host].record(day, (home, agent), behaviour, true)
            self._send(day, host, home, agent, behaviour, true, f)

    def _effort(self, day: int, host: int, home: int, enforcement: np.ndarray) -> float:
        """Chance the host records a political act it has seen by a national of ``home`` (0 if it would not send it)."""
        if not self.sharing.sends_political(day, host, home):
            return 0.0
        return min(1.0, self.effort[host, day] * enforcement[host])

    def _false_records(self, day: int, enforcement: np.ndarray) -> list:
        """Hosts' records about foreigners who did nothing (false matches), per channel."""
        out = []
        hosts, homes, agents = self.trips.host, self.trips.home, self.trips.agent
        for host, run in enumerate(self.runs):
            present = np.flatnonzero(hosts == host)
            if not len(present):
                continue
            det = run.channels()
            per_channel = self.false_rate[host] * det.coverage[:, 0, day] * self.false_match[host] * enforcement[host]
            counts = self.rng.poisson(per_channel * len(present))
            for c, count in enumerate(counts):
                for row in self.rng.choice(present, size=count):
                    behaviour = int(np.searchsorted(det.weights[c], self.rng.random(), side="right"))
                    home = int(homes[row])
                    if CLASS_OF[behaviour] == NO_CLASS or (
                            CLASS_OF[behaviour] == POLITICAL
                            and self.rng.random() >= self._effort(day, host, home, enforcement)):
                        continue
                    out.append((host, home, int(agents[row]), behaviour, False, int(self.trips.flow[row])))
        return out

    def _send(self, day, host, home, agent, behaviour, true, f) -> None:
        record_class = int(CLASS_OF[behaviour])
        diaspora = None
        for route in self.sharing.routes(day, host, home, record_class):
            if route.loss and self.route_rng.random() < route.loss:
                continue
            if route.home:
                self.tally(f, "sent_home", self.runs[home].people.people_in(agent))
                self.sent_from[(home, agent)] = f
            self.ledger[(day, host, route.destination, record_class, route.arrangement)] += \
                self.runs[home].people.people_in(agent)
            # applied the morning after it arrives: a country's day has already begun when its partners send
            self.inbox[day + route.delay + 1][route.destination].append((home, agent, behaviour, true))
            key = (home, agent)
            self.exposed[route.arrangement].add(key)
            self.nationals_exposed[home].add(agent)
            if diaspora is None:
                diaspora = bool(self.trips.diaspora[self.trips.find(home, np.array([agent]))[0]])
            if diaspora:
                self.exposed_diaspora[route.arrangement].add(key)
                self.diaspora_exposed[home].add(agent)

    def deliveries(self, day: int) -> list:
        """Records arriving today: for each country, (agent, behaviour, true) arrays about its own nationals.

        Records about other countries' nationals (from a pooled platform) join its register of foreigners."""
        out = []
        for c, items in enumerate(self.inbox.pop(day, [[] for _ in self.names])):
            own = [(agent, behaviour, true) for home, agent, behaviour, true in items if home == c]
            scoring = self.runs[c].scoring_on(day)
            for home, agent, behaviour, true in items:
                if home != c and scoring and CLASS_OF[behaviour] != POLITICAL:
                    self.registers[c].record(day, (home, agent), behaviour, true)
            self.today["records_received"][c] += self.runs[c].people.people_in([agent for agent, _, _ in own])
            if own:
                agents, behaviours, trues = zip(*own)
                out.append((np.array(agents, np.int32), np.array(behaviours, np.uint8), np.array(trues, np.bool_)))
            else:
                out.append(None)
        return out

    def transfers(self) -> list[tuple]:
        """The ledger: (day, from, to, record class, arrangement, records in people)."""
        return [(day, self.names[f], self.names[t], RECORD_CLASSES[k], name, count)
                for (day, f, t, k, name), count in sorted(self.ledger.items())]
