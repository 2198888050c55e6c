"""Behaviours: financial, traffic and public order, social, political and expressive, loyalty.

Events are drawn per piece of a stratum, not per person, at their exact rates:
the number of candidates is Poisson at the piece's rate with no system, and each
candidate is a propensity class drawn in proportion to its multiplier, then a
random member of that class (``population.member_of_class``: no look-up). A
candidate is kept with probability (rate with the system / rate drawn at), which
is 1 unless loyalty is rewarded (thinning); children, and non-users for app use,
are passed over. The same uniform decides both whether the event happens with
the system and whether it would have happened with no system, so lawful
expression can be compared with its own counterfactual in the same run. Each behaviour draws from its own
random stream (keyed by day and piece, see ``streams``).

The rate multipliers are set once a day for the whole population
(``response``): deterrence and chilling by the perceived risk, learned from what
the public has seen of the system up to the previous day (the counters as the day
starts: people on the court list, billboard displays), and loyalty by rewards. Only a person's own fear is read per candidate.
"""

from __future__ import annotations

import functools
from collections import namedtuple

import numba as nb
import numpy as np

from .. import outputs
from ..outputs import DAILY, EVENTS, PEOPLE, RATE, RATIO, STOCK, TOTAL, Output, declare
from ..population import (
    CHILD, EXPRESSION, OFFENDING, PROPENSITY_CLASSES as CLASSES, People, adults_by_class, columns_of, member_of_class,
    place_of_rank, rank_stride,
)
from ..scenario.schema import BEHAVIOUR_KIND, BEHAVIOURS, Scenario
from ..streams import ADOPTION, BEHAVIOUR, below, stream, uniform
from ..units import DAYS_PER_YEAR
from . import response
from .base import Mechanism
from .response import current_fear, personal_factor
from .detection import with_informants
from .network import Contacts, count_informants, informant_bits
from .state import ABROAD, F_ABROAD, F_APP, INFORMED

OUT = declare(
    "behaviour",
    Output("offences", "Offences", EVENTS, DAILY, "Offences committed today (behaviours neither lawful nor loyal)."),
    Output("expression", "Lawful political expression", EVENTS, DAILY,
           "Acts of lawful political expression today.", by_group=True, internal=True),
    Output("expression_baseline", "Expression with no system", EVENTS, DAILY,
           "The same acts as they would have been with no system (same draws).", by_group=True, internal=True),
    Output("expression_rate", "Expression kept", RATIO, RATE,
           "Lawful political expression as a share of what it would be with no system (1: no chilling).",
           by_group=True, by_country=True, of=("expression", "expression_baseline")),
    Output("app_users", "Official app users", PEOPLE, STOCK, "People aged 15+ who have installed the official app."),
    Output("expression_abroad_total", "Expression abroad", EVENTS, TOTAL,
           "Acts of lawful political expression by nationals abroad, since the start.", by_country=True),
    Output("expression_abroad_baseline_total", "Expression abroad with no system", EVENTS, TOTAL,
           "The same acts abroad as they would have been with no system (same draws), since the start.",
           by_country=True, internal=True),
    Output("expression_abroad_rate", "Expression abroad kept", RATIO, RATE,
           "Lawful political expression by nationals abroad since the start, as a share of what it would have been "
           "with no system (1: no chilling across borders).", by_country=True,
           of=("expression_abroad_total", "expression_abroad_baseline_total")),
)

BATCH = 256  # candidates drawn, then looked up, together
GUIDES = 64  # steps of the guide table of a class draw (``BehaviourRates.class_guide``)
UNCLASSED = -1
"""A behaviour's propensity kind when everyone does it at the same rate (loyalty acts)."""

BehaviourDay = namedtuple(
    "BehaviourDay",
    "day propensity class_seed class_cdf class_guide system_factor draw_factor base_risk baseline elasticity cap "
    "fear_decay offence expression app_only app_ranked app_users detect informed counted",
)
"""One day's behaviour parameters, one array entry per behaviour (``propensity``: its kind of propensity,
OFFENDING, EXPRESSION or UNCLASSED; ``class_cdf``: by kind, the running share of events in each class, from
the class multipliers, and ``class_guide``, where in it to start looking (``BehaviourRates.class_guide``);
``class_seed``: the population's, which places the classes; ``app_*``:
``Adoption.ranked`` and ``users``, where app use is drawn and taken up; ``detect``: by behaviour, stratum, app use,
by every channel but the informants; ``informed``: by behaviour and stratum, the chance one informant
contact reports an event (a person's informant contacts are ``Persons.informers``); ``cap``: the largest certainty
ratio the elasticity is used at, ``inf`` for none; ``counted``: by behaviour and stratum, whether its events only
add to counters (``BehaviourEvents.counted``))."""


class BehaviourRates:
    """Static rate structure of every behaviour: per-stratum event rates with no system."""

    def __init__(self, scenario: Scenario, people: People):
        sizes = np.diff(people.stratum_start).astype(float)
        self.kinds = []
        self.per_agent = np.zeros((len(BEHAVIOURS), people.strata))  # events per agent (15+) per day, no system
        self.propensity = np.full(len(BEHAVIOURS), UNCLASSED, np.int64)
        multipliers = np.array([people.offending_multiplier, people.expression_multiplier])
        self.class_cdf = np.cumsum(multipliers, axis=1) / multipliers.sum(axis=1, keepdims=True)
        self.class_cdf[:, -1] = 1.0
        # The first class whose running share passes each of GUIDES equal steps: a draw ``u`` starts its
        # search at ``class_guide[kind, int(u * GUIDES)]`` and finds the class a search from 0 would.
        steps = np.arange(GUIDES) / GUIDES
        self.class_guide = np.array([np.searchsorted(cdf, steps, side="right") for cdf in self.class_cdf], np.int64)
        for b, name in enumerate(BEHAVIOURS):
            behaviour = getattr(scenario.behaviours, name)
            income = np.array(behaviour.income_multipliers)[people.stratum_income]
            urban = np.where(people.stratum_region == 0, behaviour.urban_multiplier, 1.0)
            if BEHAVIOUR_KIND[name] != "loyalty":
                self.propensity[b] = EXPRESSION if BEHAVIOUR_KIND[name] == "political" else OFFENDING
            mean = multipliers[self.propensity[b]].mean() if self.propensity[b] != UNCLASSED else 1.0
            self.per_agent[b] = behaviour.rate_per_year / DAYS_PER_YEAR * income * urban * mean
            self.kinds.append(BEHAVIOUR_KIND[name])
        self.base = self.per_agent * sizes  # events per day if every agent were 15+
        self.lawful = np.array([getattr(getattr(scenario.behaviours, n), "lawful", True) for n in BEHAVIOURS])
        self.political = np.array([k == "political" for k in self.kinds])
        self.loyalty = np.array([k == "loyalty" for k in self.kinds])

    def piece_means(self, people: People) -> np.ndarray:
        """float64[B, P]: candidates per day in each piece with no system. A behaviour drawn by propensity class
        is drawn over all the places of the piece's columns (``population.columns_of``), the few past its end
        passed over, so that each agent's rate is exact."""
        size = np.diff(people.piece_start)
        padded = np.array([columns_of(n) for n in size], float) * len(people.offending_multiplier)
        drawn = np.where(self.propensity[:, None] == UNCLASSED, size[None, :], padded[None, :])
        return self.per_agent[:, people.piece_stratum] * drawn


@nb.njit(cache=True)
def piece_behaviours(seed, p, counts, persons, agents, bd, records, n, pc):
    """Draw piece ``p``'s events of every behaviour, each from its own stream; append the recorded ones
    to ``records`` from ``n``.

    ``counts[b]`` candidates (Poisson at the piece's rate with no system, raised where loyalty is rewarded)
    are thinned to events; ``pc`` collects the piece's counters. Returns the new record count."""
    lo, hi, s = persons.piece_start[p], persons.piece_start[p + 1], persons.piece_stratum[p]
    age, flags, fear, touched = persons.age, agents.flags, agents.fear, agents.touched
    # Arrays out of their tuples once: reading one in the loop would cost an atomic reference count
    # each time, contended between the threads.
    detect, propensity, app_only = bd.detect, bd.propensity, bd.app_only
    class_cdf, class_guide = bd.class_cdf, bd.class_guide
    draw_factor, system_factor, elasticity, base_risk = bd.draw_factor, bd.system_factor, bd.elasticity, bd.base_risk
    cap, informed, informers = bd.cap, bd.informed, persons.informers
    expression, offence, class_seed, counted = bd.expression, bd.offence, bd.class_seed, bd.counted
    out_agent, out_behaviour, out_true = records.agent, records.behaviour, records.true
    size = hi - lo
    columns = columns_of(size)
    ranked, stride = bd.app_ranked[p], rank_stride(columns)
    at = np.empty(BATCH, np.int64)
    u = np.empty(BATCH)
    ages = np.empty(BATCH, np.uint8)
    flag = np.empty(BATCH, np.uint8)
    fears = np.empty(BATCH, np.uint8)
    known = np.empty(BATCH, np.uint8)
    for b in range(len(counts)):
        rng = stream(seed, BEHAVIOUR + b, bd.day, p)
        kind = propensity[b]
        keep = system_factor[b] / draw_factor[b]
        left = counts[b]
        if counted[b, s]:  # drawn among the piece's people aged 15+, and nothing but counters change
            kept, baseline = left, left
            if keep < 1.0 or draw_factor[b] > 1.0:  # thinned: one uniform a candidate decides both
                kept, baseline = 0, 0
                for _ in range(left):
                    x = uniform(rng)
                    baseline += x < 1.0 / draw_factor[b]
                    kept += x < keep
            if expression[b]:
                pc[OUT.expression] += kept
                pc[OUT.expression_baseline] += baseline
            else:
                pc[OUT.offences] += kept
            continue
        while left > 0:
            m = min(BATCH, left)
            left -= m
            for j in range(m):
                if app_only[b]:  # among the places of the order of uptake passed so far: users and children
                    at[j] = place_of_rank(class_seed, lo, size, stride, below(rng, ranked)) if ranked else -1
                elif kind == UNCLASSED:
                    at[j] = lo + below(rng, size)
                else:
                    x = uniform(rng)
                    c = class_guide[kind, int(x * GUIDES)]
                    while c < CLASSES - 1 and class_cdf[kind, c] <= x:  # ``streams.categorical``, on a row
                        c += 1
                    at[j] = member_of_class(class_seed, kind, lo, size, c, below(rng, columns))
                u[j] = uniform(rng)
            # Gather before branching: independent loads the processor can overlap.
            for j in range(m):
                ages[j] = age[at[j]] if at[j] >= 0 else CHILD
            for j in range(m):
                flag[j] = flags[at[j]] if at[j] >= 0 else 0
            if elasticity[b] != 0.0:
                for j in range(m):
                    fears[j] = fear[at[j]] if at[j] >= 0 else 0
            for j in range(m):
                known[j] = informers[at[j]] if at[j] >= 0 else 0
            for j in range(m):
                app = flag[j] & F_APP != 0
                if ages[j] == CHILD or (app_only[b] and not app):
                    continue  # a child, or a place past the piece's end
                if expression[b] and u[j] < 1.0 / draw_factor[b]:
                    pc[OUT.expression_baseline] += 1
                    if flag[j] & F_ABROAD:
                        pc[OUT.expression_abroad_baseline_total] += 1
                if u[j] >= keep:
                    continue  # the personal factor below is at most 1 (elasticities are never positive)
                agent = at[j]
                if elasticity[b] != 0.0 and fears[j] != 0:
                    f = current_fear(fear, touched, agent, bd.day, bd.fear_decay)
                    if u[j] >= keep * personal_factor(f, base_risk[b], bd.baseline, elasticity[b], cap[b]):
                        continue
                if expression[b]:
                    pc[OUT.expression] += 1
                    if flag[j] & F_ABROAD:
                        pc[OUT.expression_abroad_total] += 1
                if offence[b]:
                    pc[OUT.offences] += 1
                if flag[j] & F_ABROAD:  # happens abroad: the host's channels decide (mechanisms.borders)
                    out_agent[n] = agent
                    out_behaviour[n] = b | ABROAD
                    out_true[n] = True
                    n += 1
                    continue
                u_record = uniform(rng)
                recorded = u_record < detect[b, s, 1 if app else 0]
                source = 0
                if not recorded and known[j]:  # the informants among the person's contacts
                    missed = (1.0 - detect[b, s, 1 if app else 0]) * (1.0 - informed[b, s]) ** known[j]
                    if u_record < 1.0 - missed:
                        recorded, source = True, INFORMED
                if recorded:
                    out_agent[n] = agent
                    out_behaviour[n] = b | source
                    out_true[n] = True
                    n += 1
    return n


@nb.njit(cache=True)
def piece_adoption(seed, p, count, persons, flags, pc, bd):
    """Installing the official app (a loyalty signal that also opens the app channel), in piece ``p``: each of
    ``count`` tries reaches a random person of the piece, and takes if that person is 15+ and has no app yet
    (a chance of the piece's adults without it over its people); who takes it up is the next person aged 15+
    in the piece's order of uptake (``population.place_of_rank``; ``ranked[p]`` places of it passed so far,
    ``users[p]`` of them users: ``BehaviourDay.app_*``)."""
    rng = stream(seed, ADOPTION, bd.day, p)
    ranked, users, class_seed = bd.app_ranked, bd.app_users, bd.class_seed
    lo, hi, age = persons.piece_start[p], persons.piece_start[p + 1], persons.age
    size, adults = hi - lo, persons.piece_adults[p]
    places, stride = columns_of(size) * CLASSES, rank_stride(columns_of(size))
    for _ in range(count):
        if uniform(rng) * size >= adults - users[p]:
            continue
        while ranked[p] < places:
            agent = place_of_rank(class_seed, lo, size, stride, ranked[p])
            ranked[p] += 1
            if agent >= 0 and age[agent] != CHILD:
                flags[agent] |= F_APP
                users[p] += 1
                pc[OUT.app_users] += 1
                break


class BehaviourEvents(Mechanism):
    """Every behaviour's events today, with deterrence, chilling and loyalty responses to the system."""

    name, section = "behaviour", "behaviours, response"
    does = "behaviour events (one stream per behaviour), deterred or chilled by perceived risk"
    carried = ("certainty.level", "certainty.displays", "certainty.day", "certainty.informed")

    def __init__(self, scenario: Scenario, people: People, contacts: Contacts, informers: np.ndarray):
        """``informers``: the agents' column of how many of their contacts inform, filled here
        (``network.count_informants``)."""
        super().__init__(scenario, people)
        self.rates = BehaviourRates(scenario, people)
        self.contacts = contacts
        if contacts.informant_share > 0:  # else ``informers`` is one zero byte for everyone (``state.new_agents``)
            count_informants(informant_bits(contacts.seed, people.agents, contacts.informant_share), contacts.seed,
                             people.piece_start, contacts.degree, contacts.neighbours, informers)
        adults = people.piece_adults * people.piece_weight if people.weighted else people.piece_adults
        self.adults = adults.sum()  # in agents of the mean scale, as ``CountryRun.seen`` counts
        self.adult_weights = np.bincount(people.piece_stratum, adults, people.strata) / max(self.adults, 1)
        sizes = np.diff(people.stratum_start).astype(float)
        self.piece_share = np.diff(people.piece_start) / sizes[people.piece_stratum]
        self.piece_means = self.rates.piece_means(people)  # [B, P]
        self.app_only = np.array([b == "app_use" for b in BEHAVIOURS])
        self.fear_decay = response.fear_decay_per_day(scenario)
        self._beliefs = {}
        self.certainty = response.PerceivedCertainty(scenario, self.adults)
        # by name, not by importing the lists and sanctions: importing them here would reorder the outputs
        self.seen_columns = outputs.column("court_listed"), outputs.column("shaming_displays_total")

    def means(self, adoption: Adoption, counted: np.ndarray) -> np.ndarray:
        """float64[B, P]: candidates per day in each piece with no system; app use only over the places of the
        order of uptake passed so far (``Adoption.ranked``), where its users are; a behaviour ``counted`` in a
        stratum (bool[B, S]) over the people aged 15+ only, none of them looked up."""
        stratum = self.people.piece_stratum
        means = self.piece_means.copy()
        means[self.app_only] = self.rates.per_agent[self.app_only][:, stratum] * adoption.ranked
        for b in np.flatnonzero(counted.any(axis=1)):
            pieces = counted[b, stratum]
            means[b, pieces] = (self.rates.per_agent[b, stratum] * self.weighed_adults[self.rates.propensity[b]])[pieces]
        return means

    @functools.cached_property
    def weighed_adults(self) -> np.ndarray:
        """float64[2, P]: by kind of propensity (OFFENDING, EXPRESSION), each piece's people aged 15+ weighed
        by their class multiplier over the mean one (made the first day a behaviour is ``counted``)."""
        people = self.people
        multipliers = np.array([people.offending_multiplier, people.expression_multiplier])
        return np.stack([adults_by_class(people.seed, kind, people.piece_start, people.age) @ multipliers[kind]
                         / multipliers[kind].mean() for kind in (OFFENDING, EXPRESSION)])

    @staticmethod
    def silent(bd: BehaviourDay) -> np.ndarray:
        """bool[B, S]: the behaviours whose events change nothing in a stratum today, so that they need not be
        drawn: no channel sees them there, no informant reports them, and they are neither offences nor
        lawful expression (which are counted). Loyalty acts outside the pilots that watch them, in china-2018."""
        return BehaviourEvents.unseen(bd) & ~(bd.offence | bd.expression)[:, None]

    @staticmethod
    def counted(bd: BehaviourDay, travelled: bool) -> np.ndarray:
        """bool[B, S]: the behaviours whose events only add to counters in a stratum today, so that they are
        drawn as counts, with no one looked up: offences or lawful expression that no channel or informant
        sees there, and that no one's own fear holds back (no elasticity), while no one has been abroad
        (an act abroad goes to the host's channels)."""
        counts_only = (bd.offence | bd.expression) & (bd.elasticity == 0)  # and no one's own fear matters
        return BehaviourEvents.unseen(bd) & counts_only[:, None] & (not travelled)

    @staticmethod
    def unseen(bd: BehaviourDay) -> np.ndarray:
        """bool[B, S]: the behaviours that no channel and no informant can record in a stratum today."""
        return (bd.detect.max(axis=2) == 0) & (bd.informed == 0)

    def perceived_detection(self, day: int, counters: np.ndarray, detect: np.ndarray, app_share: float) -> np.ndarray:
        """The population's perceived chance of detection today, per behaviour: the true one (averaged
        over adults; ``detect`` by every channel, informants included) or, by default, what they have
        learned of it from the system's publicity."""
        true = (detect[:, :, 0] * (1 - app_share) + detect[:, :, 1] * app_share) @ self.adult_weights
        if self.scenario.response.perception == "known":
            return true
        listed, displays = self.seen_columns
        return self.certainty.step(day, float(counters[listed]), float(counters[displays]), true)

    def today(self, day: int, on, detect: np.ndarray, informed: np.ndarray, counters: np.ndarray,
              adoption: Adoption, travelled: bool) -> BehaviourDay:
        """Today's rate multipliers: deterrence and chilling from perceived risk, loyalty from rewards;
        ``detect`` and ``informed`` as ``Detection.probabilities`` gives them; ``counters`` are the run's
        counters as the day starts (what the public has seen so far); ``adoption``, who uses the app;
        ``travelled``, whether anyone has been abroad."""
        sc, rates = self.scenario, self.rates
        app_share = counters[OUT.app_users] / max(self.adults, 1)
        perceived = self.perceived_detection(day, counters, with_informants(detect, informed, self.contacts),
                                             app_share)
        switch = (on.court, on.scoring)
        if switch not in self._beliefs:
            self._beliefs[switch] = response.beliefs(sc, on.court, on.scoring)
        belief = self._beliefs[switch]
        mult, elasticity, cap = response.rate_multipliers(sc, perceived, belief, on.scoring and sc.system)
        bd = BehaviourDay(
            day=day, propensity=rates.propensity, class_seed=self.people.seed, class_cdf=rates.class_cdf,
            class_guide=rates.class_guide,
            system_factor=mult, draw_factor=np.maximum(mult, 1.0),
            base_risk=perceived * belief.weight, baseline=sc.response.baseline_certainty,
            elasticity=elasticity * (belief.weight > 0), cap=cap, fear_decay=self.fear_decay,
            offence=~rates.lawful & ~rates.loyalty, expression=rates.political & rates.lawful,
            app_only=self.app_only, app_ranked=adoption.ranked, app_users=adoption.users, detect=detect,
            informed=informed, counted=np.zeros(detect.shape[:2], np.bool_),
        )
        return bd._replace(counted=self.counted(bd, travelled))


class Adoption(Mechanism):
    """People installing the official app, in each piece's order of uptake (``population.place_of_rank``)."""

    name, section = "adoption", "response.app_adoption_per_year"
    writes = ("flags: F_APP",)
    does = "app adoption (a loyalty signal that opens the app channel)"
    carried = ("ranked", "users")

    def __init__(self, scenario: Scenario, people: People):
        super().__init__(scenario, people)
        self.piece_means = self.per_piece(scenario.response.app_adoption_per_year if scenario.system else 0.0)
        self.ranked = np.zeros(people.pieces, np.int64)  # places of each piece's order of uptake passed
        self.users = np.zeros(people.pieces, np.int64)  # of them, people who took up the app

    def means(self, day: int) -> np.ndarray:
        return self.piece_means
