"""Reprisal: nationals sanctioned at home for political acts abroad, and hosts that act on the home's requests.

A political record about a national, made by a host and sent home through an agreement or an alliance
(``mechanisms.borders``), puts the person on their home country's list for acts abroad (``lists.abroad``)
with ``listing_probability``, for ``days`` (a person already on it stays on from the new record). A new
listing:

- frightens the person (``response.learning``, as a record does) and pressures their household at home:
  each member aged 15+ there fears more, a step ``family_pressure`` of the way to certainty
  (``relatives_pressured_total``), which chills their own expression;
- with ``exit_ban``, bars them from leaving while at home (``exits_refused_total`` counts the trips refused);
- if they are abroad, asks the host to send them back: a host joined to the home by an arrangement that
  carries political records deports them with its ``foreigners.cooperation`` (``deported_home_total``);
  otherwise they come home under the pressure with ``return_probability`` (``returned_under_pressure_total``).
  Back home, they are watched by the home's own channels. A member of a diaspora tries to go back
  ``rejoin_days`` later, and again after each refusal: the exit ban holds them while they are listed, and a
  cooperating host refuses them entry (``entries_refused_total``), as it does any listed traveller.

The people abroad who fear more express less where they are (``behaviour``'s ``expression_abroad_rate``).
Everything here concerns the few people a record from abroad reaches: plain Python over side tables
keyed by (home country, agent), drawing from its own stream, so that switching it off changes nothing
until a listing changes who travels.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..outputs import PEOPLE, PERSON_TIMES, STOCK, TOTAL, Output, declare
from ..scenario.schema import Scenario
from .base import CountryView
from .borders import CLASS_OF, POLITICAL, Sharing, Trips
from .schedules import schedule_values

OUT = declare(
    "reprisal",
    Output("abroad_listed", "Listed for acts abroad", PEOPLE, STOCK,
           "Nationals on the home list for political acts abroad today (lists.abroad).", by_country=True),
    Output("sanctioned_for_acts_abroad_total", "Sanctioned at home for acts abroad", PEOPLE, TOTAL,
           "Nationals put on the home list for political acts abroad that a partner recorded and sent home, since "
           "the start (a person already on it is not put on again).", by_country=True),
    Output("relatives_pressured_total", "Relatives pressured at home", PEOPLE, TOTAL,
           "Household members aged 15+ at home of a national put on the list for acts abroad, at each listing, "
           "since the start.", by_country=True),
    Output("exits_refused_total", "Departures refused", PERSON_TIMES, TOTAL,
           "Trips abroad refused at home to people on the list for acts abroad or to their households, since the "
           "start.", by_country=True),
    Output("deported_home_total", "Deported home", PEOPLE, TOTAL,
           "Nationals listed for acts abroad whom their host sent home at the home country's request, since the "
           "start.", by_country=True),
    Output("returned_under_pressure_total", "Came home under pressure", PEOPLE, TOTAL,
           "Nationals listed for acts abroad who came home under the pressure, since the start.", by_country=True),
    Output("entries_refused_total", "Entries refused abroad", PERSON_TIMES, TOTAL,
           "Trips abroad by nationals on the list for acts abroad that a cooperating host refused at the home "
           "country's request, since the start.", by_country=True),
)

LISTING, BARRED = 0, 1  # what expires: a listing, or an exit ban


class Reprisal:
    """Each country's list for acts abroad, its exit bans, and its partners' deportations and refused entries."""

    def __init__(self, scenario: Scenario, countries: list[Scenario], runs: list[CountryView], sharing: Sharing,
                 trips: Trips, rng: np.random.Generator):
        start, days = scenario.start_date, scenario.days
        self.runs, self.sharing, self.trips, self.rng = runs, sharing, trips, rng
        self.rules = [c.lists.abroad for c in countries]
        self.on = [c.system and r.enabled for c, r in zip(countries, self.rules)]
        self.listing = [schedule_values(r.listing_probability, start, days) for r in self.rules]
        self.returning = [schedule_values(r.return_probability, start, days) for r in self.rules]
        self.cooperation = np.array([schedule_values(scenario.countries[name].foreigners.cooperation, start, days)
                                     for name in scenario.countries])
        self.listed = [dict() for _ in runs]  # home -> {agent: last day listed}
        self.barred = [dict() for _ in runs]  # home -> {agent: last day barred from leaving}
        self.expiry: dict[int, list] = defaultdict(list)  # day -> (home, agent, LISTING or BARRED)
        self.rejoining: dict[int, list] = defaultdict(list)  # day -> (home, agent, host, flow): diaspora going back
        self.refused_today: set = set()
        self.enforcement = np.ones(len(runs))
        """Each country's enforcement multiplier today (``trust.pressure``): it scales a host's cooperation too."""
        self.requests = np.zeros(len(runs))  # by host: requests received, in the people they concern
        self.granted = np.zeros(len(runs))  # by host: of them, granted
        self.borders = None
        """The ``Borders`` that take a returned member of a diaspora back abroad (``Borders.rejoin``)."""

    def act(self, day: int, inbound: list) -> None:
        """End the listings and bans that run out today; let returned members of a diaspora try to go back; list
        the nationals that today's political records from abroad name (``inbound``: each country's (agents,
        behaviours, true?) from ``Borders.deliveries``)."""
        self.refused_today = set()
        for home, agent, kind in self.expiry.pop(day, ()):
            table = self.listed[home] if kind == LISTING else self.barred[home]
            if table.get(agent) == day:
                del table[agent]
                if kind == LISTING:
                    self.runs[home].count([agent], "abroad_listed", -1)
        for home, agent, host, f in self.rejoining.pop(day, ()):
            if not self.runs[home].can_travel(np.array([agent]))[0]:
                continue  # abroad again already (drawn for a trip)
            if self.allowed(day, home, host, np.array([agent]))[0]:
                self.borders.rejoin(home, host, np.array([agent]), f)
            else:
                self.rejoining[day + self.rules[home].rejoin_days].append((home, agent, host, f))
        for home, records in enumerate(inbound):
            if records is None or not self.on[home]:
                continue
            agents, behaviours, _ = records
            for agent in agents[CLASS_OF[behaviours.astype(np.int64)] == POLITICAL]:
                if self.rng.random() < self.listing[home][day]:
                    self._list(day, home, int(agent))

    def _list(self, day: int, home: int, agent: int) -> None:
        run, rules = self.runs[home], self.rules[home]
        until = day + rules.days
        new = agent not in self.listed[home]
        self._hold(self.listed[home], home, agent, until, LISTING)
        if rules.exit_ban:
            self._hold(self.barred[home], home, agent, until, BARRED)
        if not new:
            return
        run.count([agent], "abroad_listed")
        run.count([agent], "sanctioned_for_acts_abroad_total")
        people = run.people.people_in([agent])
        flow = self.borders.sent_from.get((home, agent))
        if flow is not None:
            self.borders.tally(flow, "sanctioned_at_home", people)
        run.frighten(day, [agent], run.scenario.response.learning)
        family = run.household_at_home(agent)
        run.frighten(day, family, rules.family_pressure)
        run.count(family, "relatives_pressured_total")
        row = self.trips.where(home, agent)
        if row < 0:
            return
        host = int(self.trips.host[row])
        if self.sharing.links(day, home, host, POLITICAL) and self._grants(day, home, agent, host):
            run.count([agent], "deported_home_total")
            self.borders.tally(int(self.trips.flow[row]), "deported_home", people)
        elif self.rng.random() < self.returning[home][day]:
            run.count([agent], "returned_under_pressure_total")
        else:
            return
        self.trips.end[row] = day + 1  # the stay ends tomorrow, as a return does
        if self.trips.diaspora[row]:
            self.rejoining[day + 1 + rules.rejoin_days].append((home, agent, host, int(self.trips.flow[row])))

    def _hold(self, table: dict, home: int, agent: int, until: int, kind: int) -> None:
        if table.get(agent, -1) < until:
            table[agent] = until
            self.expiry[until].append((home, agent, kind))

    def allowed(self, day: int, home: int, host: int, agents: np.ndarray) -> np.ndarray:
        """Which of ``agents`` of ``home`` may travel to ``host`` today: not barred from leaving, and not refused
        entry by a cooperating host (each refusal counted once a day)."""
        ok = np.ones(len(agents), np.bool_)
        barred, listed = self.barred[home], self.listed[home]
        if not barred and not listed:
            return ok
        linked = None
        for i, agent in enumerate(agents.tolist()):
            if agent in barred:
                ok[i] = False
                self._refuse(home, agent, "exits_refused_total")
            elif agent in listed:
                if linked is None:
                    linked = self.sharing.links(day, home, host, POLITICAL)
                if linked and self._grants(day, home, agent, host):
                    ok[i] = False
                    self._refuse(home, agent, "entries_refused_total")
        return ok

    def _grants(self, day: int, home: int, agent: int, host: int) -> bool:
        """Whether ``host`` grants the home's request about ``agent`` (its cooperation times its enforcement
        multiplier, at most 1); the request and the answer join the host's record."""
        people = self.runs[home].people.people_in([agent])
        self.requests[host] += people
        granted = self.rng.random() < min(1.0, self.cooperation[host, day] * self.enforcement[host])
        if granted:
            self.granted[host] += people
        return granted

    def cooperation_record(self, host: int) -> float:
        """The share of requests ``host`` granted since the start, weighed by the people they concern (1 with none)."""
        return self.granted[host] / self.requests[host] if self.requests[host] else 1.0

    def _refuse(self, home: int, agent: int, counter: str) -> None:
        if (home, agent, counter) not in self.refused_today:
            self.refused_today.add((home, agent, counter))
            self.runs[home].count([agent], counter)
