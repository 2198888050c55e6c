"""The day loop: behaviour -> detection -> scoring and lists -> sanctions -> rehabilitation -> record.

Each mechanism (and each behaviour) draws from its own random stream, keyed by
(seed, mechanism), so changing one mechanism's parameters leaves every other
mechanism's draws alone (common random numbers), and a seed gives bit-identical
results. A day is two compiled kernels: one draws the events and records, the
other applies everything they set off.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numba
import numpy as np
import pandas as pd
from numba import njit, prange

from .mechanisms import behaviour, detection, firms, lists, rehabilitation, response, sanctions, scoring
from .mechanisms.scoring import recovered
from .mechanisms.schedules import day_index, schedule_values
from .mechanisms.state import (
    ABROAD, COUNTERS, DAILY, GROUP_COUNTERS, GROUP_DAILY, C, G, grow_calendar, grow_roster, new_agents, new_calendar,
    new_roster,
)
from .streams import (
    ADOPTION, BACKLOG, BEHAVIOUR, CREDIT, FALSE_RECORDS, FIRMS, FOREIGN, REHABILITATION, SCORING, SHAMING, TRAVEL,
)
from .population import synthesize
from .scheduling import Pace, largest_first, take
from .results import SCORE_OFFSET, recovery_frame, score_frame
from .scenario.schema import BEHAVIOURS, GRADES, Scenario


STEP_PLAN = (
    "behaviour events (one stream per behaviour) and app adoption",
    "detection: true records and false records per channel",
    "scoring, grade list, redlist and court blacklist entries",
    "sanctions: ticket purchases of the listed, shaming, job/school restrictions, loans and mortgages",
    "firms: prices, deposits, credit and hiring by score (when the scenario has firms)",
    "rehabilitation: calendar (expiry, deletion, recovery), fulfilment, community service, correction",
    "record counters",
)


class CountryRun:
    """One country's population and system, advanced a day at a time by :meth:`step`.

    A one-country run is one of these; a many-country run steps one per country on
    a shared clock (``world``), with people abroad and records from abroad in between.
    """

    def __init__(self, scenario: Scenario, agents: int, seed: int):
        self.scenario = sc = scenario
        self.seed = seed
        self.people = people = synthesize(sc.population, agents, seed)
        self.days = days = sc.days
        self.state = _Compiled(sc, people)
        self.agents = new_agents(agents, sc.rulebook.start_score)
        self.roster = new_roster(1024)
        self.calendar = new_calendar(days, 4096)
        self.counters = np.zeros(len(COUNTERS), np.int64)
        n_groups = len(sc.population.groups)
        self.group_counters = np.zeros((n_groups, len(GROUP_COUNTERS)), np.int64)
        self.piece_counters = np.zeros((people.pieces, len(COUNTERS)), np.int64)
        self.piece_group = people.stratum_group[people.piece_stratum]
        self.joint_on = np.zeros(1, np.bool_)
        self.history = np.zeros((days, len(COUNTERS)), np.int64)
        self.group_history = np.zeros((days, n_groups, len(GROUP_COUNTERS)), np.int64)
        self.exits = np.zeros((len(COUNTERS), days + 1), np.int64)
        self.daily, self.group_daily = list(DAILY), list(GROUP_DAILY)

        # Numbers of candidates per piece come from one NumPy stream per mechanism (and behaviour);
        # which agents they hit, from counter-based streams per piece inside the kernels.
        self.count_streams = {m: self._stream(m) for m in (ADOPTION, FALSE_RECORDS, CREDIT, FIRMS)}
        self.serial = {m: self._stream(m) for m in (BACKLOG, SCORING, TRAVEL, SHAMING, REHABILITATION, FOREIGN)}
        self.behaviour_streams = [self._stream(BEHAVIOUR + b) for b in range(len(BEHAVIOURS))]
        self.records = _Records()
        self.no_adoption = np.zeros(people.pieces, np.int64)
        self.kernels = _Kernels()
        self.pace = Pace(numba.get_num_threads())
        self.firm_tally = firms.new_tally(len(sc.firms.sectors), n_groups) if self.state.firms_on else None

    def _stream(self, mechanism: int) -> np.random.Generator:
        """The random stream of one mechanism, keyed by (seed, mechanism)."""
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.seed, mechanism])))

    def context(self) -> lists.ListContext:
        people = self.people
        return lists.ListContext(self.agents, self.roster, self.calendar, self.counters, self.group_counters,
                                 people.stratum_start, people.stratum_group, people.household, self.joint_on,
                                 self.exits)

    def step(self, day: int, inbound=None, enforcement: float = 1.0):
        """Simulate ``day``.

        ``inbound`` is (agent, behaviour, true?) arrays of records about this country's
        people that arrive today from abroad; ``enforcement`` multiplies every
        channel's chance of recording (pressure from a partner, see ``trust``).
        Returns the day's events by people abroad as (agent, behaviour) arrays.
        """
        sc, state, people, agents, k = self.scenario, self.state, self.people, self.agents, self.kernels
        counters, group_counters, piece_counters = self.counters, self.group_counters, self.piece_counters
        counters[self.daily] = 0
        group_counters[:, self.group_daily] = 0
        on = state.switches(day)
        ctx = self.context()
        if on.joint and not self.joint_on[0]:
            self.joint_on[0] = True
            lists.refresh_all_households(ctx)

        # In parallel, piece by piece: behaviour, app adoption, false records, the first step of scoring.
        detect = state.detection.probabilities(day)
        false_means = state.false_record_means(day)
        if enforcement != 1.0:
            detect = np.minimum(detect * enforcement, 1.0)
            false_means = false_means * enforcement
        bd = state.behaviour_day(day, on, detect, counters[C.app_users])
        counts = np.stack([rng.poisson(state.behaviour_means[b] * bd.draw_factor[b])
                           for b, rng in enumerate(self.behaviour_streams)], axis=1)
        false_counts = self.count_streams[FALSE_RECORDS].poisson(false_means).T
        adopt = self.count_streams[ADOPTION].poisson(state.adoption_means) if sc.system else self.no_adoption
        records = self.records
        first = records.reserve(counts.sum(axis=1) + false_counts.sum(axis=1))
        sp = state.scoring_day(day, on)
        piece_counters[:] = 0
        work = counts.sum(axis=1) + false_counts.sum(axis=1) + adopt
        events = int(work.sum())
        threads = self._use(self.pace.threads(events))
        started = time.perf_counter()
        last = k.piece_day(self.seed, day, threads, largest_first(work), people.piece_start, people.piece_stratum,
                           people.age, people.propensity, agents, np.ascontiguousarray(counts),
                           np.ascontiguousarray(false_counts), adopt, state.rates.acceptance, detect, state.detection.weights, bd, sp, first,
                           *records.arrays, piece_counters)
        self.pace.record(threads, events, time.perf_counter() - started)
        _fold(counters, group_counters, piece_counters, self.piece_group)
        abroad = _events_abroad(records.arrays, first, last)

        # Serially: the court backlog at launch, list changes and court listings, records from abroad.
        n = int((last - first).sum()) + (0 if inbound is None else len(inbound[0]))
        backlog = state.backlog if day == state.court_launch and on.court else 0
        self.roster = grow_roster(self.roster, n + backlog)
        self.calendar = grow_calendar(self.calendar, 6 * (n + backlog) + 3 * int(self.roster.size[0]) + 64)
        ctx = ctx._replace(roster=self.roster, calendar=self.calendar)
        serial = self.serial
        if backlog:
            b_agent, b_behaviour, b_true = state.backlog_records(serial[BACKLOG], backlog)
            k.apply_records(ctx, serial[BACKLOG], b_agent, b_behaviour, b_true, backlog,
                            sp._replace(listing_probability=1.0))
        k.settle(ctx, serial[SCORING], *records.arrays, first, last, sp)
        if inbound is not None and len(inbound[0]):
            k.apply_records(ctx, serial[FOREIGN], *inbound, len(inbound[0]), sp)

        # Credit in parallel (it reads list status), then sanctions of the listed and rehabilitation.
        sd = state.sanction_day(day)
        piece_counters[:] = 0
        loans = self.count_streams[CREDIT].poisson(state.loan_means)
        mortgages = self.count_streams[CREDIT].poisson(state.mortgage_means)
        self._use(self.pace.threads(int(loans.sum() + mortgages.sum()), probe=False))
        k.piece_credit(self.seed, day, people.piece_start, loans, mortgages, people.age, agents, piece_counters, sd)
        self._use(self.pace.most)
        counters += piece_counters.sum(axis=0)
        if state.firms_on and day >= state.firm_start:
            rulebook = sc.rulebook
            k.firm_day(self.seed, day, people.piece_start, self.piece_group,
                       self.count_streams[FIRMS].poisson(state.firm_means), people.age, agents, self.roster,
                       state.firm_rules, state.minimums, rulebook.start_score, rulebook.recovery_points_per_day,
                       self.firm_tally)
        k.sanctions_and_rehabilitation(ctx, serial[TRAVEL], serial[SHAMING], serial[REHABILITATION], sd,
                                       state.rehab_day(day), sp, people.stratum_region, people.stratum_income,
                                       people.age)
        self.history[day] = counters
        self.group_history[day] = group_counters
        return abroad

    @staticmethod
    def _use(threads: int) -> int:
        """Run the next parallel kernels on ``threads`` threads (see ``scheduling.Pace``)."""
        if numba.get_num_threads() != threads:
            numba.set_num_threads(threads)
        return threads

    def census(self, day: int | None = None) -> tuple[dict[str, int], float]:
        """People aged 15+ in each grade on ``day`` (default: the last day), and their mean score."""
        return self.state.census(self.agents, self.days - 1 if day is None else day)

    def score_distribution(self) -> pd.DataFrame:
        """People aged 15+ by score and grade on the last day (score, grade, people)."""
        rulebook = self.scenario.rulebook
        counts = _score_counts(self.agents.score, self.agents.touched, self.people.age, self.days - 1,
                               rulebook.start_score, rulebook.recovery_points_per_day)
        return score_frame(counts, rulebook.grade_minimums, self.people.scale)

    def firm_transactions(self) -> pd.DataFrame | None:
        """Firms' dealings with this country's people, by sector, group, grade and list status (None without firms)."""
        if self.firm_tally is None:
            return None
        groups = [g.name for g in self.scenario.population.groups]
        return firms.tally_frame(self.firm_tally, list(self.scenario.firms.sectors), groups, self.people.scale)

    def recovery_times(self) -> pd.DataFrame:
        """People who left every list, by days listed and exit route (days_listed, route, people)."""
        return recovery_frame(self.exits, self.people.scale)


def _events_abroad(arrays, first, last):
    """The (agent, behaviour) of the day's events by people abroad, left in the record buffer by the kernel."""
    rec_agent, rec_behaviour = arrays[0], arrays[1]
    if not len(first):
        return np.empty(0, np.int32), np.empty(0, np.uint8)
    pieces = [slice(a, b) for a, b in zip(first, last) if b > a]
    if not pieces:
        return np.empty(0, np.int32), np.empty(0, np.uint8)
    behaviours = np.concatenate([rec_behaviour[p] for p in pieces])
    mask = behaviours >= ABROAD
    if not mask.any():
        return np.empty(0, np.int32), np.empty(0, np.uint8)
    agents = np.concatenate([rec_agent[p] for p in pieces])
    return agents[mask], (behaviours[mask] & (ABROAD - 1)).astype(np.uint8)


class _Records:
    """The day's record buffers (agent, behaviour, true?, what is left to settle), one slice per piece."""

    def __init__(self):
        self.arrays = (np.empty(0, np.int32), np.empty(0, np.uint8), np.empty(0, np.bool_), np.empty(0, np.uint8))

    def reserve(self, room: np.ndarray) -> np.ndarray:
        """Make room for ``room[p]`` records of each piece; returns where each piece's slice starts."""
        first = np.zeros(len(room), np.int64)
        np.cumsum(room[:-1], out=first[1:])
        total = int(room.sum())
        if total > len(self.arrays[0]):
            self.arrays = tuple(np.empty(total + total // 4, a.dtype) for a in self.arrays)
        return first


class _FastCall:
    """Calls a Numba kernel through the compiled version its first call chose.

    Numba types every argument on every call; for the tuples of arrays passed here
    that costs about a millisecond a day, which dominates small countries. Within
    one run the argument types never change, so the first call's choice is kept.
    """

    def __init__(self, dispatcher):
        self.dispatcher = dispatcher
        self.entry = None

    def __call__(self, *args):
        if self.entry is not None:
            return self.entry(*args)
        result = self.dispatcher(*args)
        types = tuple(self.dispatcher.typeof_pyval(a) for a in args)
        compiled = self.dispatcher.overloads.get(types)
        if compiled is not None:
            self.entry = compiled.entry_point
        return result


class _Kernels:
    """The day's compiled kernels, each dispatched once per run (see ``_FastCall``)."""

    def __init__(self):
        self.piece_day = _FastCall(_piece_day)
        self.settle = _FastCall(_settle)
        self.apply_records = _FastCall(scoring.apply_records)
        self.piece_credit = _FastCall(_piece_credit)
        self.sanctions_and_rehabilitation = _FastCall(_sanctions_and_rehabilitation)
        self.firm_day = _FastCall(firms.firm_day)


def _fold(counters, group_counters, piece_counters, piece_group):
    """Add the pieces' counters to the totals, and the daily ones to their groups."""
    counters += piece_counters.sum(axis=0)
    for c, g in ((C.detections, G.detections), (C.false_detections, G.false_detections),
                 (C.expression, G.expression), (C.expression_baseline, G.expression_baseline)):
        np.add.at(group_counters[:, g], piece_group, piece_counters[:, c])


@njit(cache=True, parallel=True)
def _piece_day(seed, day, threads, order, piece_start, piece_stratum, age, propensity, agents, counts, false_counts, adopt,
               acceptance, detect, weights, bd, sp, first, rec_agent, rec_behaviour, rec_true, rec_todo,
               piece_counters):
    """One day's events of every piece, in parallel on ``threads`` threads (each takes the next piece in
    ``order`` when it is free, see ``scheduling``); returns where each piece's records end."""
    pieces = len(piece_stratum)
    last = np.empty(pieces, np.int64)
    taken = np.zeros(1, np.int64)
    for _ in prange(threads):
        while True:
            q = take(taken)
            if q >= pieces:
                break
            p = order[q]
            lo, hi, pc = piece_start[p], piece_start[p + 1], piece_counters[p]
            n = behaviour.piece_behaviours(seed, p, lo, hi, piece_stratum[p], counts[p], age, propensity, agents.flags,
                                           agents.fear, agents.touched, acceptance, detect, bd, rec_agent,
                                           rec_behaviour, rec_true, first[p], pc)
            behaviour.piece_adoption(seed, day, p, lo, hi, adopt[p], age, agents.flags, pc)
            n = detection.piece_false_records(seed, day, p, lo, hi, false_counts[p], age, agents.flags, weights,
                                              rec_agent, rec_behaviour, rec_true, n)
            scoring.score_records(agents, rec_agent, rec_behaviour, rec_true, rec_todo, first[p], n, pc, sp)
            last[p] = n
    return last


@njit(cache=True)
def _settle(ctx, rng, rec_agent, rec_behaviour, rec_true, rec_todo, first, last, sp):
    """The serial step of scoring, piece by piece in order."""
    for p in range(len(first)):
        scoring.settle_records(ctx, rng, rec_agent, rec_behaviour, rec_true, rec_todo, first[p], last[p], sp)


@njit(cache=True, parallel=True)
def _piece_credit(seed, day, piece_start, loans, mortgages, age, agents, piece_counters, sd):
    for p in prange(len(loans)):
        sanctions.piece_credit(seed, day, p, piece_start[p], piece_start[p + 1], loans[p], mortgages[p], age, agents,
                               piece_counters[p], sd)


@njit(cache=True)
def _sanctions_and_rehabilitation(ctx, travel_rng, shaming_rng, rehab_rng, sd, rd, sp, stratum_region, stratum_income,
                                  age):
    """What the lists set off: travel bans, shaming and restrictions, then rehabilitation."""
    sanctions.travel(ctx, travel_rng, stratum_region, stratum_income, sd)
    sanctions.shaming_and_restrictions(ctx, shaming_rng, stratum_region, age, sd)
    rehabilitation.due_events(ctx, sp)
    rehabilitation.routes(ctx, rehab_rng, rd, sp)


class _Switches(NamedTuple):
    """Which parts of the system are on today."""

    scoring: bool
    court: bool
    grade: bool
    red: bool
    joint: bool


class _Compiled:
    """The scenario turned into arrays and per-day parameter tuples for the kernels."""

    def __init__(self, sc: Scenario, people):
        self.sc = sc
        self.people = people
        days = sc.days
        start = sc.start_date
        self.sizes = np.diff(people.stratum_start).astype(float)
        self.adults = int(people.piece_adults.sum())
        self.adult_weights = np.bincount(people.piece_stratum, people.piece_adults, people.strata) / max(self.adults, 1)
        # Share of its stratum in each piece: per-stratum means become per-piece means.
        self.piece_share = np.diff(people.piece_start) / self.sizes[people.piece_stratum]
        self.rates = behaviour.BehaviourRates(sc, people)
        self.behaviour_means = self.per_piece(self.rates.base)
        self.detection = detection.Detection(sc, people)
        self.fear_decay = response.fear_decay_per_day(sc)
        self._penalised = {}

        lists_ = sc.lists
        self.scoring_start = day_index(sc.rulebook.start, start)
        self.court_launch = day_index(lists_.court.launch, start)
        self.joint_start = day_index(lists_.joint_punishment.start, start)
        self.backlog = int(round(lists_.court.initial_backlog / people.scale)) if lists_.court.enabled else 0
        self.listing_probability = schedule_values(lists_.court.listing_probability, start, days)
        grades = sc.rulebook.grade_minimums
        self.grade_threshold = grades[lists_.grade.below_grade]
        self.red_threshold = grades[lists_.redlist.grade]
        self.points = np.array([getattr(sc.behaviours, b).points for b in BEHAVIOURS], np.int64)
        self.adoption_means = self.per_piece(self.sizes * sc.response.app_adoption_per_year / 365.0)

        s = sc.sanctions
        self.flight_enforcement = schedule_values(s.flights.enforcement, start, days)
        self.train_enforcement = schedule_values(s.trains.enforcement, start, days)
        self.camera_urban = self.detection.coverage[detection.CHANNELS.index("cameras"), 0]
        self.shaming_mean = s.shaming.displays_per_year / 365.0 if s.shaming.enabled and sc.system else 0.0
        self.loan_means = self.per_piece(self.sizes * s.loans.applications_per_year / 365.0)
        self.mortgage_means = self.per_piece(self.sizes * s.mortgages.applications_per_year / 365.0)
        self.minimums = np.array([sc.rulebook.grade_minimums[g] for g in GRADES], np.int64)
        self.firms_on = sc.firms.enabled and bool(sc.firms.sectors)
        if self.firms_on:
            rates = np.array([sector.transactions_per_year for sector in sc.firms.sectors.values()]) / 365.0
            self.firm_means = rates[:, None] * people.piece_adults[None, :]
            self.firm_rules = firms.rules(sc.firms)
            self.firm_start = day_index(sc.firms.start, start)

        r = sc.rehabilitation
        self.fulfilment_rate = schedule_values(r.fulfilment.rate_per_year, start, days) / 365.0
        self.service_rate = schedule_values(r.community_service.rate_per_year, start, days) / 365.0
        self.correction_rate = schedule_values(r.correction.rate_per_year, start, days) / 365.0

    def per_piece(self, per_stratum: np.ndarray) -> np.ndarray:
        """Expected counts per stratum (last axis) split into expected counts per piece."""
        return per_stratum[..., self.people.piece_stratum] * self.piece_share

    def false_record_means(self, day: int) -> np.ndarray:
        """Expected false records per channel and piece today."""
        return self.per_piece(self.detection.false_record_means(day, self.sizes))

    def switches(self, day: int) -> _Switches:
        sc = self.sc
        scoring_on = sc.system and sc.rulebook.enabled and day >= self.scoring_start
        return _Switches(
            scoring=scoring_on,
            court=sc.system and sc.lists.court.enabled and day >= self.court_launch,
            grade=scoring_on and sc.lists.grade.enabled,
            red=scoring_on and sc.lists.redlist.enabled,
            joint=sc.system and sc.lists.joint_punishment.enabled and day >= self.joint_start,
        )

    def behaviour_day(self, day: int, on: _Switches, detect: np.ndarray, app_users: int) -> behaviour.BehaviourDay:
        """Today's rate multipliers: deterrence and chilling from perceived risk, loyalty from rewards."""
        sc = self.sc
        app_share = app_users / max(self.adults, 1)
        perceived = (detect[:, :, 0] * (1 - app_share) + detect[:, :, 1] * app_share) @ self.adult_weights
        key = (on.court, on.scoring)
        if key not in self._penalised:
            self._penalised[key] = response.perceived_penalised(sc, on.court, on.scoring)
        penalised = self._penalised[key]
        mult, elasticity = response.rate_multipliers(sc, perceived, penalised, on.scoring and sc.system)
        rates = self.rates
        return behaviour.BehaviourDay(
            day=day, nibble=np.where(rates.political, 4, 0).astype(np.int64), system_factor=mult,
            draw_factor=np.maximum(mult, 1.0), base_risk=perceived * penalised,
            baseline=sc.response.baseline_certainty, elasticity=elasticity * (penalised > 0),
            fear_decay=self.fear_decay, offence=~rates.lawful & ~rates.loyalty, expression=rates.political & rates.lawful,
            app_only=np.array([b == "app_use" for b in BEHAVIOURS]),
        )

    def scoring_day(self, day: int, on: _Switches) -> scoring.ScoringDay:
        sc = self.sc
        court = sc.lists.court
        return scoring.ScoringDay(
            day=day, scoring_on=on.scoring, court_on=on.court, grade_on=on.grade, red_on=on.red,
            points=self.points, start_score=sc.rulebook.start_score, recovery=sc.rulebook.recovery_points_per_day,
            grade_threshold=self.grade_threshold, red_threshold=self.red_threshold,
            listing_probability=self.listing_probability[day], small_debt_share=court.small_debt_share,
            inclusion_days=court.inclusion_period_days, extension_probability=court.extension_probability,
            extension_low=court.extension_days[0], extension_high=court.extension_days[1],
            learning=sc.response.learning, fear_decay=self.fear_decay,
        )

    def sanction_day(self, day: int) -> sanctions.SanctionDay:
        s = self.sc.sanctions
        f, t = s.flights, s.trains
        return sanctions.SanctionDay(
            day=day,
            flight_max=f.attempts_per_year / 365.0 * max(f.income_multipliers) * max(f.rural_multiplier, 1.0),
            flight_income=np.array(f.income_multipliers), flight_rural=f.rural_multiplier,
            flight_norm=max(f.income_multipliers) * max(f.rural_multiplier, 1.0), flight_enforcement=self.flight_enforcement[day],
            train_max=t.attempts_per_year / 365.0 * max(t.income_multipliers) * max(t.rural_multiplier, 1.0),
            train_income=np.array(t.income_multipliers), train_rural=t.rural_multiplier,
            train_norm=max(t.income_multipliers) * max(t.rural_multiplier, 1.0), train_enforcement=self.train_enforcement[day],
            grade_banned=s.bans_apply_to_grade_list,
            shaming_mean=self.shaming_mean,
            job_mean=s.restrictions.job_applications_per_year / 365.0,
            job_refusal=s.restrictions.job_refusal_probability,
            school_mean=s.restrictions.school_applications_per_year / 365.0 * self.sc.population.household_size_mean,
            school_refusal=s.restrictions.school_refusal_probability,
            start_score=self.sc.rulebook.start_score, recovery=self.sc.rulebook.recovery_points_per_day,
            mortgage_minimum=self.sc.rulebook.grade_minimums[s.mortgages.deny_below_grade] if self.sc.system else -10**9,
            deny_listed=s.mortgages.deny_listed, urban_coverage=self.camera_urban[day],
        )

    def rehab_day(self, day: int) -> rehabilitation.RehabDay:
        r = self.sc.rehabilitation
        shaming = self.sc.sanctions.shaming
        return rehabilitation.RehabDay(
            day=day, fulfilment_rate=self.fulfilment_rate[day], fulfilment_delay=r.fulfilment.delay_days,
            shaming_boost=shaming.small_debt_fulfilment_boost if shaming.enabled else 1.0,
            deletion_delay=self.sc.lists.court.deletion_delay_days,
            service_rate=self.service_rate[day], service_delay=r.community_service.delay_days,
            service_points=r.community_service_points,
            correction_rate=self.correction_rate[day], correction_delay=r.correction.delay_days,
        )

    def backlog_records(self, rng, count):
        """Judgment defaults from before the launch, all listed on the launch day."""
        weights = self.rates.base[BEHAVIOURS.index("judgment_default")]
        if weights.sum() == 0:
            weights = self.sizes
        strata = rng.choice(len(weights), size=count, p=weights / weights.sum())
        start = self.people.stratum_start
        chosen = set()
        for s in strata:
            while True:
                agent = int(start[s] + rng.integers(0, start[s + 1] - start[s]))
                if self.people.age[agent] != 0 and agent not in chosen:
                    break
            chosen.add(agent)
        agents = np.array(sorted(chosen), np.int32)
        return agents, np.full(count, BEHAVIOURS.index("judgment_default"), np.uint8), np.ones(count, np.bool_)

    def census(self, agents, day: int) -> tuple[dict[str, int], float]:
        """People aged 15+ in each grade on ``day``, and their mean score (one parallel pass)."""
        sc = self.sc
        counts, total = _census_kernel(self.people.piece_start, agents.score, agents.touched, self.people.age, day,
                                       sc.rulebook.start_score, sc.rulebook.recovery_points_per_day, self.minimums)
        adults = int(counts.sum())
        return {g: int(c) for g, c in zip(GRADES, counts)}, (total / adults if adults else float(sc.rulebook.start_score))


@njit(cache=True)
def _score_counts(score, touched, age, day, start_score, rate):
    """People aged 15+ by current score, indexed by score + SCORE_OFFSET."""
    counts = np.zeros(2 * SCORE_OFFSET, np.int64)
    for i in range(len(score)):
        if age[i] != 0:
            counts[recovered(int(score[i]), day - touched[i], start_score, rate) + SCORE_OFFSET] += 1
    return counts


@njit(cache=True, parallel=True)
def _census_kernel(piece_start, score, touched, age, day, start_score, rate, minimums):
    pieces = len(piece_start) - 1
    out = np.zeros((pieces, len(minimums)), np.int64)
    totals = np.zeros(pieces, np.int64)
    for p in prange(pieces):
        for i in range(piece_start[p], piece_start[p + 1]):
            if age[i] == 0:
                continue
            s = recovered(int(score[i]), day - touched[i], start_score, rate)
            totals[p] += s
            out[p, firms.grade_of(s, minimums)] += 1
    return out.sum(axis=0), totals.sum()
