"""Foreign customers, and the market where firms buy records about them from their home countries.

Firms deal with the foreigners present in their country (travellers, migrant
workers, the diaspora) as often as with nationals (each sector's
``transactions_per_year``). A firm cannot read a foreigner's record at home; one
with access to records (direct or through a broker) buys it on the market: one
record of each class its sector buys, from the customer's home country, when

- the market is open today and both countries are members,
- an arrangement that supplies the market (an agreement between the two
  countries, or a pooled platform both have joined) carries that class today,
- the class has a price, and the firm values the record at least at its price: firms' values of a
  record vary, spread exponentially about the sector's ``value_per_record`` (an assumption), so a share
  ``exp(-price / value_per_record)`` of them buy at a price (none at a value of 0).

A firm that bought any record reads the customer's grade and list status in
their home country and applies its rule (see ``firms``); otherwise it offers the
standard terms. Every purchase is entered in the ledger, by day, seller, buyer and
class, and in both countries' accounts. Like the borders, this concerns the few
people abroad and runs in plain NumPy and Python.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..units import DAYS_PER_YEAR
from ..scenario.schema import RECORD_CLASSES, Scenario
from .base import CountryView
from .firms import NO_ACCESS, PREMIUM, REFUSED, TRANSACTIONS, Rules, new_tally, rules, tally_frame
from .schedules import day_index

ACCOUNTS = ("records_sold", "records_bought", "money_received", "money_paid")


class HostFirms(NamedTuple):
    """One country's firms as they face foreigners."""

    rules: Rules
    daily: np.ndarray  # transactions per foreigner present a day, by sector
    wanted: list[list[tuple[int, float]]]  # record classes each sector buys and priced, with the share that buy
    start: int  # first day firms read records


def buying_share(price: float, value: float) -> float:
    """The share of firms that buy a record at ``price`` when their values of it are spread exponentially about
    ``value`` (mean): ``exp(-price / value)``; 1 for a free record, 0 for firms that value records at nothing."""
    if price <= 0:
        return 1.0
    return float(np.exp(-price / value)) if value > 0 else 0.0


class Market:
    """Hosts' firms serving foreigners, and the ledger of the records they buy."""

    def __init__(self, scenario: Scenario, names: list[str], countries: list[Scenario], runs: list[CountryView], sharing,
                 rng):
        self.names, self.runs, self.sharing, self.rng = names, runs, sharing, rng
        market = scenario.market
        index = {name: i for i, name in enumerate(names)}
        self.open = market.enabled
        self.members = {index[m] for m in market.members} if market.members else set(range(len(names)))
        self.first = day_index(market.start, scenario.start_date)
        self.last = scenario.days - 1 if market.end is None else (market.end - scenario.start_date).days
        self.supplies_from = set(market.arrangements) or None
        self.prices = {RECORD_CLASSES.index(k): price for k, price in market.price_per_record.items()}
        self.groups = [f"{name}/{g.name}" for name, c in zip(names, countries) for g in c.population.groups]
        self.group_start = np.cumsum([0] + [len(c.population.groups) for c in countries])
        self.hosts: list[HostFirms | None] = []
        self.tallies = []
        for country in countries:
            firms = country.firms
            if not (firms.enabled and firms.sectors):
                self.hosts.append(None)
                self.tallies.append(None)
                continue
            sectors = list(firms.sectors.values())
            wanted = [[(k, buying_share(self.prices[k], s.value_per_record))
                       for k in map(RECORD_CLASSES.index, s.classes) if k in self.prices] for s in sectors]
            daily = np.array([s.transactions_per_year for s in sectors]) / DAYS_PER_YEAR
            self.hosts.append(HostFirms(rules(firms), daily, wanted, day_index(firms.start, scenario.start_date)))
            self.tallies.append(new_tally(len(sectors), len(self.groups)))
        self.ledger: dict[tuple[int, int, int, int], float] = defaultdict(float)  # records, in people
        self.accounts = np.zeros((len(names), len(ACCOUNTS)))

    def serve(self, day: int, trips) -> None:
        """Today's transactions of every host's firms with the foreigners present."""
        for host, firms in enumerate(self.hosts):
            if firms is None or day < firms.start:
                continue
            present = np.flatnonzero(trips.host == host)
            if not len(present):
                continue
            counts = self.rng.poisson(firms.daily * len(present))
            for s, count in enumerate(counts):
                rows = self.rng.choice(present, size=count)
                homes, agents = trips.home[rows], trips.agent[rows]
                seen = np.zeros((3, len(rows)), np.int64)  # each customer's grade, list status and group
                for home in np.unique(homes).tolist():
                    mine = homes == home
                    seen[:, mine] = self.runs[home].customers(agents[mine], day)
                for i in range(len(rows)):
                    self._serve(day, host, s, int(homes[i]), int(agents[i]), *map(int, seen[:, i]))

    def _serve(self, day: int, host: int, s: int, home: int, agent: int, grade: int, status: int,
               group: int) -> None:
        sector_rules, wanted = self.hosts[host].rules, self.hosts[host].wanted
        weight = self.runs[home].people.people_in(agent)
        group += self.group_start[home]
        cell = self.tallies[host][s, group, grade, status]
        cell[TRANSACTIONS] += weight
        if sector_rules.access[s] == NO_ACCESS or not self._buy(day, home, host, wanted[s], weight):
            return
        listed = 1 if status else 0
        if sector_rules.refused[s, grade, listed]:
            cell[REFUSED] += weight
        else:
            cell[PREMIUM] += sector_rules.premium[s, grade, listed] * weight

    def _buy(self, day: int, seller: int, buyer: int, classes: list[tuple[int, float]], weight: float) -> bool:
        """Buy one record of each class the market supplies today, where the firm values it at its price;
        whether any was bought."""
        if not (self.open and self.first <= day <= self.last and {seller, buyer} <= self.members):
            return False
        bought = False
        for k, share in classes:
            if self.sharing.links(day, seller, buyer, k, self.supplies_from) and (
                    share >= 1.0 or self.rng.random() < share):
                price = self.prices[k]
                self.ledger[(day, seller, buyer, k)] += weight
                self.accounts[seller] += (weight, 0.0, weight * price, 0.0)
                self.accounts[buyer] += (0.0, weight, 0.0, weight * price)
                bought = True
        return bought

    def trades(self, start_date) -> pd.DataFrame:
        """The ledger: day, date, seller_country, buyer_country, record_class, records (people), price (per record)."""
        rows = [(day, self.names[seller], self.names[buyer], RECORD_CLASSES[k], records, self.prices[k])
                for (day, seller, buyer, k), records in sorted(self.ledger.items())]
        frame = pd.DataFrame(rows, columns=["day", "seller_country", "buyer_country", "record_class", "records",
                                            "price"])
        frame["day"] = frame["day"].astype(np.int32)
        frame.insert(1, "date", (pd.to_datetime(start_date) + pd.to_timedelta(frame["day"], unit="D"))
                     .astype("datetime64[ms]"))
        for column, categories in (("seller_country", self.names), ("buyer_country", self.names),
                                   ("record_class", list(RECORD_CLASSES))):
            frame[column] = pd.Categorical(frame[column], categories=categories)
        frame["records"] = np.rint(frame["records"].astype(float)).astype(np.int64)
        frame["price"] = frame["price"].astype(float)
        return frame

    def foreign_customers(self, sectors: dict[str, list[str]]) -> pd.DataFrame:
        """Hosts' firms' transactions with foreigners (country, sector, group as ``home/group``, ...), in people."""
        frames = [tally_frame(tally, sectors[name], self.groups, np.ones(len(self.groups))).assign(country=name)
                  for name, tally in zip(self.names, self.tallies) if tally is not None]
        return pd.concat(frames, ignore_index=True) if frames else None

    def summary(self) -> dict:
        """Records and money by pair of countries and by class, and every country's accounts."""
        pairs: dict[str, dict] = {}
        classes = {k: {"records": 0.0, "money": 0.0} for k in RECORD_CLASSES}
        for (_, seller, buyer, k), records in self.ledger.items():
            pair = pairs.setdefault(f"{self.names[seller]} -> {self.names[buyer]}", {"records": 0.0, "money": 0.0})
            for part in (pair, classes[RECORD_CLASSES[k]]):
                part["records"] += records
                part["money"] += records * self.prices[k]
        rounded = lambda d: {"records": int(round(d["records"])), "money": round(d["money"], 2)}
        return {
            "open": self.open,
            "records": int(round(sum(self.ledger.values()))),
            "money": round(float(self.accounts[:, ACCOUNTS.index("money_paid")].sum()), 2),
            "pairs": {name: rounded(v) for name, v in sorted(pairs.items(), key=lambda kv: -kv[1]["records"])},
            "by_class": {k: rounded(v) for k, v in classes.items() if v["records"]},
            "accounts": {name: {a: round(float(v), 2) for a, v in zip(ACCOUNTS, row)}
                         for name, row in zip(self.names, self.accounts)},
        }
