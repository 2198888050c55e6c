"""Detection channels: cameras, courts, financial institutions, informants, app telemetry.

A channel records an event of behaviour ``b`` by a person in region ``r`` and
group ``g`` with probability ``sees[b] * coverage[r](t) * true_match[g]`` (the app
channel only for app users); channels are independent, so an event is recorded
if any channel records it. A pilot city records its residents' deeds too, from
its start (``Pilot.sees``), independently of the national channels. Informants
report only on their contacts (``network``): a person is watched by as many of
them as their contacts include, each recording an event with the informants'
chance, and malicious reports land only on people an informant knows. Channels also create records about people who did
nothing (false matches, malicious reports, clerical errors) at
``false_records_per_person_year * coverage * false_match[g]``, attributed to a
behaviour the channel watches.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ..outputs import DAILY, RECORDS, Output, declare
from ..population import CHILD, People
from ..scenario.schema import BEHAVIOURS, CHANNELS, Scenario
from ..streams import FALSE_RECORDS, below, stream, uniform
from ..units import DAYS_PER_YEAR
from .base import Mechanism
from .network import Contacts
from .schedules import pilot_starts, schedule_values, stratum_rulebooks
from .state import F_APP, INFORMED

OUT = declare(
    "detection",
    Output("detections", "Records of true events", RECORDS, DAILY,
           "Events recorded by at least one channel today (scored the same day).", by_group=True),
    Output("false_detections", "False records", RECORDS, DAILY,
           "Records made today about people who did nothing (false matches, malicious reports, errors).",
           by_group=True),
)

APP, INFORMANTS = CHANNELS.index("app"), CHANNELS.index("informants")


def with_informants(direct: np.ndarray, informed: np.ndarray, contacts: Contacts) -> np.ndarray:
    """The chance an event is recorded by any channel, informants included, for a person drawn at random:
    float64[B, S, 2] (each of ``contacts.degree`` contacts an informant with ``contacts.informant_share``,
    each reporting with ``informed``; the few people at the end of a piece with fewer contacts are ignored)."""
    q, k = contacts.informant_share, contacts.degree
    missed = (1.0 - q * informed) ** k  # every contact either no informant, or one who does not report
    return 1.0 - (1.0 - direct) * missed[:, :, None]


class Detection(Mechanism):
    """Per-day detection tables compiled from the scenario's channels."""

    name, section = "false_records", "channels"
    does = "records of events by each channel, and false records about people who did nothing"

    def __init__(self, scenario: Scenario, people: People):
        super().__init__(scenario, people)
        days = scenario.days
        n_c, n_b, n_s = len(CHANNELS), len(BEHAVIOURS), people.strata
        group_names = [g.name for g in scenario.population.groups]
        self.coverage = np.zeros((n_c, 2, days))
        self.sees = np.zeros((n_c, n_b))
        self.true_match = np.ones((n_c, n_s))
        self.group_coverage = np.ones((n_c, n_s))  # surveillance aimed at a group: multiplies coverage
        self.false_rate = np.zeros((n_c, n_s))  # per agent-day at full coverage
        self.weights = np.zeros((n_c, n_b))
        self.region = people.stratum_region
        self.pilot_of_stratum = people.stratum_pilot
        self.pilot_start = pilot_starts(scenario)
        self.pilot_sees = np.zeros((1 + len(scenario.pilots), n_b))  # row 0: outside every pilot
        for k, pilot in enumerate(scenario.pilots if scenario.system else ()):
            for behaviour, p in pilot.sees.items():
                self.pilot_sees[k + 1, BEHAVIOURS.index(behaviour)] = p
        for c, name in enumerate(CHANNELS):
            channel = getattr(scenario.channels, name)
            if not (channel.enabled and scenario.system):
                continue
            self.coverage[c, 0] = schedule_values(channel.coverage_urban, scenario.start_date, days)
            self.coverage[c, 1] = schedule_values(channel.coverage_rural, scenario.start_date, days)
            for behaviour, p in channel.sees.items():
                self.sees[c, BEHAVIOURS.index(behaviour)] = p
            total = self.sees[c].sum()
            if total > 0:
                self.weights[c] = np.cumsum(self.sees[c]) / total
            for s in range(n_s):
                group = group_names[people.stratum_group[s]]
                self.true_match[c, s] = min(1.0, channel.group_true_match.get(group, 1.0))
                self.group_coverage[c, s] = channel.group_coverage.get(group, 1.0)
                self.false_rate[c, s] = (
                    channel.false_records_per_person_year / DAYS_PER_YEAR * channel.group_false_match.get(group, 1.0)
                    if total > 0 else 0.0
                )

    def probabilities(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Chance that an event is recorded, by behaviour, stratum and app use, by every channel but the
        informants: float64[B, S, 2]; and the chance that one informant contact reports it: float64[B, S]
        (``network``: the informants record only people with informants among their contacts)."""
        cov = self.stratum_coverage(day)
        p = self.sees[:, :, None] * (cov * self.true_match)[:, None, :]  # [C, B, S]
        p = np.minimum(p, 1.0)
        miss_no_app = np.prod(np.delete(1.0 - p, [APP, INFORMANTS], axis=0), axis=0)
        out = np.empty(p.shape[1:] + (2,))
        out[:, :, 0] = 1.0 - miss_no_app
        out[:, :, 1] = 1.0 - miss_no_app * (1.0 - p[APP])
        if len(self.pilot_start):
            own = self.pilot_sees[stratum_rulebooks(self.pilot_of_stratum, self.pilot_start, day)].T  # [B, S]
            out = 1.0 - (1.0 - out) * (1.0 - own[:, :, None])
        return out, p[INFORMANTS]

    def stratum_coverage(self, day: int) -> np.ndarray:
        """Each channel's coverage of each stratum today, its region's times its group's multiplier (at most
        1): float64[C, S]."""
        return np.minimum(self.coverage[:, self.region, day] * self.group_coverage, 1.0)

    def false_record_means(self, day: int, stratum_sizes: np.ndarray) -> np.ndarray:
        """Expected false records per channel and stratum today: float64[C, S]."""
        return stratum_sizes[None, :] * self.false_rate * self.stratum_coverage(day)


@nb.njit(cache=True)
def piece_false_records(seed, bd, p, counts, persons, flags, weights, records, n):
    """Records about people who did nothing in piece ``p`` on the behaviour day ``bd``: ``counts[c]`` candidates
    per channel, 15+ only (app: users only; informants: people with an informant among their contacts,
    marked ``INFORMED``), appended to ``records`` from ``n``. Returns the new record count."""
    day = bd.day
    rng = stream(seed, FALSE_RECORDS, day, p)
    lo, hi, age, informers = persons.piece_start[p], persons.piece_start[p + 1], persons.age, persons.informers
    out_agent, out_behaviour, out_true = records.agent, records.behaviour, records.true
    for c in range(len(counts)):
        for _ in range(counts[c]):
            agent = lo + below(rng, hi - lo)
            u = uniform(rng)
            if age[agent] == CHILD or (c == APP and flags[agent] & F_APP == 0):
                continue
            if c == INFORMANTS and informers[agent] == 0:
                continue
            b = 0
            while weights[c, b] < u:
                b += 1
            out_agent[n] = agent
            out_behaviour[n] = b | (INFORMED if c == INFORMANTS else 0)
            out_true[n] = False
            n += 1
    return n
