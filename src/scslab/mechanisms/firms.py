"""Firms that price and ration by score: lending, insurance, rentals, retail, employers.

Each sector's firms deal with every person aged 15+ ``transactions_per_year`` times
a year. A firm that can read the customer's record (every time under direct access,
with the broker's coverage under broker access, never under none) sets its terms by
it: a premium by grade (firms that read scores), a premium for the blacklisted,
refusal below a grade or when listed. A firm that cannot read offers the standard
terms: no premium, no refusal.

Every transaction is counted by sector and by the customer's group, grade and list
status (not listed, listed for an offence, wrongly listed), with whether it was
refused and the premium paid, so results show who pays what, who is turned away,
and how much of it lands on the wrongly listed. Transactions are drawn piece by
piece like loan applications, so a day costs in proportion to its transactions.
People abroad deal with their hosts' firms instead (see ``market``).
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb
import numpy as np
import pandas as pd

from ..population import CHILD
from ..scenario import schema
from ..scenario.schema import ACCESS_LEVELS, GRADES, SECTOR_TERMS
from ..streams import FIRMS, below, stream, uniform
from ..units import DAYS_PER_YEAR
from .base import Mechanism
from .schedules import day_index
from .scoring import ScoringRules, recovered
from .state import F_ABROAD, F_LISTED, listing_status

STATUSES = ("not_listed", "listed", "wrongly_listed")
"""A customer's list status: not on a list, listed for a true offence, listed with none behind it."""
TRANSACTIONS, REFUSED, PREMIUM = range(3)
"""The tallies of each (sector, group, grade, status) cell: transactions, refusals, premium paid in total."""
DIRECT, BROKER, NO_ACCESS = (ACCESS_LEVELS.index(a) for a in ("direct", "broker", "none"))

Rules = namedtuple("Rules", "access coverage premium refused")
"""Every sector's rule as arrays: access level and broker coverage by sector, and the premium and
refusal a known customer gets by sector, grade index and listed (0/1)."""


def rules(firms: schema.Firms) -> Rules:
    """The sectors' rules, in the order of ``firms.sectors``."""
    sectors = list(firms.sectors.values())
    premium = np.zeros((len(sectors), len(GRADES), 2))
    refused = np.zeros((len(sectors), len(GRADES), 2), np.bool_)
    for s, sector in enumerate(sectors):
        for g, grade in enumerate(GRADES):
            for listed in (0, 1):
                by_score = sector.reads == "score"
                premium[s, g, listed] = (sector.premium_by_grade.get(grade, 0.0) if by_score else 0.0) + (
                    sector.listed_premium if listed else 0.0)
                below = sector.refuse_below_grade is not None and g > GRADES.index(sector.refuse_below_grade)
                refused[s, g, listed] = (by_score and below) or (listed and sector.refuse_listed)
    return Rules(
        access=np.array([ACCESS_LEVELS.index(s.access) for s in sectors], np.int64),
        coverage=np.array([s.broker_coverage for s in sectors]),
        premium=premium,
        refused=refused,
    )


def new_tally(sectors: int, groups: int) -> np.ndarray:
    """Tallies by sector, group, grade, list status and (transactions, refused, premium)."""
    return np.zeros((sectors, groups, len(GRADES), len(STATUSES), 3))


@nb.njit(cache=True, inline="always")
def grade_of(score, minimums):
    """Index in GRADES of the first grade whose minimum ``score`` reaches (the last grade if none)."""
    g = 0
    while g < len(minimums) - 1 and score < minimums[g]:
        g += 1
    return g


@nb.njit(cache=True, inline="always")
def reads(access, coverage, u):
    """Whether a firm with this access reads a customer's record (``u`` uniform in [0, 1))."""
    return access == DIRECT or (access == BROKER and u < coverage)


FirmDay = namedtuple("FirmDay", "day rules stratum_rulebook floors start_score recovery piece_group")
"""A firms' day: the sectors' rules; the rulebook of each stratum today, each rulebook's grade floors and
score recovery (to grade a customer now by the rulebook that scores them, as ``scores`` does); the group of
each piece (for the tally)."""


class FirmDealings(Mechanism):
    """Firms of every sector dealing with the people at home, by their rules."""

    name, section = "firms", "firms"
    does = "firms' prices, deposits, credit and hiring by score (when the scenario has firms)"

    def __init__(self, scenario, people):
        super().__init__(scenario, people)
        firms = scenario.firms
        self.on = firms.enabled and bool(firms.sectors)
        self.start = day_index(firms.start, scenario.start_date)
        rates = np.array([sector.transactions_per_year for sector in firms.sectors.values()]) / DAYS_PER_YEAR
        self.piece_means = rates[:, None] * people.piece_adults[None, :]
        self.rules = rules(firms)
        self.rulebooks = ScoringRules(scenario, people)
        self.piece_group = people.stratum_group[people.piece_stratum]

    def active(self, day: int) -> bool:
        return self.on and day >= self.start

    def means(self, day):
        return self.piece_means

    def today(self, day):
        books = self.rulebooks
        return FirmDay(day, self.rules, books.stratum_rulebook(day), books.floors, self.scenario.rulebook.start_score,
                       books.recovery, self.piece_group)


@nb.njit(cache=True)
def firm_day(seed, today, counts, persons, agents, roster, acc):
    """The day's transactions of every sector with people at home: ``counts[sector, piece]`` of them.

    Arrays are taken out of their tuples once: reading a field of a tuple of arrays in the
    loop costs a reference count each time, which would dominate.
    """
    access, coverage, premium, refused = today.rules
    day, start_score = today.day, today.start_score
    piece_start, piece_group, age = persons.piece_start, today.piece_group, persons.age
    flags, score, touched = agents.flags, agents.score, agents.touched
    for p in range(counts.shape[1]):
        lo, hi, group = piece_start[p], piece_start[p + 1], piece_group[p]
        r = today.stratum_rulebook[persons.piece_stratum[p]]  # a piece lies within one stratum
        minimums, recovery = today.floors[r], today.recovery[r]
        rng = stream(seed, FIRMS, day, p)
        for s in range(counts.shape[0]):
            for _ in range(counts[s, p]):
                agent = lo + below(rng, hi - lo)
                while age[agent] == CHILD:  # a piece without adults gets no transactions
                    agent = lo + below(rng, hi - lo)
                u = uniform(rng)
                if flags[agent] & F_ABROAD:
                    continue
                grade = grade_of(recovered(int(score[agent]), day - touched[agent], start_score, recovery), minimums)
                status = 0
                if flags[agent] & F_LISTED:
                    status = 2 if listing_status(flags, roster, agent)[1] else 1
                cell = acc[s, group, grade, status]
                cell[TRANSACTIONS] += 1.0
                if not reads(access[s], coverage[s], u):
                    continue
                listed = 1 if status else 0
                if refused[s, grade, listed]:
                    cell[REFUSED] += 1.0
                else:
                    cell[PREMIUM] += premium[s, grade, listed]


def tally_frame(acc: np.ndarray, sectors: list[str], groups: list[str], group_scale: np.ndarray) -> pd.DataFrame:
    """The non-empty cells of a tally as rows (sector, group, grade, status, transactions, refused, premium), in people
    (``group_scale``: the people an agent of each group stands for)."""
    index = np.argwhere(acc[..., TRANSACTIONS] > 0)
    cells = acc[tuple(index.T)]
    scale = np.asarray(group_scale, float)[index[:, 1]]
    return pd.DataFrame({
        "sector": pd.Categorical(np.array(sectors, dtype=object)[index[:, 0]], categories=sectors),
        "group": pd.Categorical(np.array(groups, dtype=object)[index[:, 1]], categories=groups),
        "grade": pd.Categorical(np.array(GRADES)[index[:, 2]], categories=GRADES),
        "status": pd.Categorical(np.array(STATUSES)[index[:, 3]], categories=STATUSES),
        "transactions": np.rint(cells[:, TRANSACTIONS] * scale).astype(np.int64),
        "refused": np.rint(cells[:, REFUSED] * scale).astype(np.int64),
        "premium": cells[:, PREMIUM] * scale,
    })


def summarise(frame: pd.DataFrame, sector_of) -> dict:
    """What each sector charged and refused, overall and by grade, group, list status (and, with many
    countries, by customer: nationals or foreigners).

    ``sector_of(key)`` gives the :class:`Sector` of a key of the frame (``sector``, or
    ``country/sector`` when the frame has a ``country`` column).
    """
    frame = frame.copy()
    keys = frame["sector"].astype(str)
    breakdown = ("grade", "group", "status")
    if "country" in frame:
        country = frame["country"].astype(str)
        keys = country + "/" + keys
        national = frame["group"].astype(str).str.split("/").str[0] == country
        frame["customer"] = np.where(national, "nationals", "foreigners")
        breakdown += ("customer",)
    frame["key"] = keys
    out = {}
    for key, rows in frame.groupby("key", sort=False):
        sector = sector_of(key)
        wrongly = rows[rows["status"] == "wrongly_listed"]
        total = _figures(rows)
        out[key] = {
            "kind": sector.kind, "unit": SECTOR_TERMS[sector.kind], "access": sector.access, "reads": sector.reads,
            **total,
            "wrongly_listed_share_of_refused": _share(wrongly["refused"].sum(), total["refused"]),
            "wrongly_listed_share_of_premium_paid": _share(_paid(wrongly), total["premium_paid"]),
            **{f"by_{column}": {str(value): _figures(part) for value, part in rows.groupby(column, observed=True)}
               for column in breakdown},
        }
    return out


def _paid(rows: pd.DataFrame) -> float:
    """Premiums paid above the standard terms (discounts left out)."""
    return float(rows["premium"].clip(lower=0).sum())


def _share(part: float, whole: float) -> float | None:
    return float(part / whole) if whole > 0 else None


def _figures(rows: pd.DataFrame) -> dict:
    transactions, refused = int(rows["transactions"].sum()), int(rows["refused"].sum())
    served = transactions - refused
    return {
        "transactions": transactions,
        "refused": refused,
        "refused_share": _share(refused, transactions),
        "premium_mean": float(rows["premium"].sum() / served) if served > 0 else None,
        "premium_paid": _paid(rows),
    }
