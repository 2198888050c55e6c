"""The day loop: behaviour -> detection -> scoring and lists -> sanctions -> rehabilitation -> record.

Each mechanism draws from its own random stream, keyed by (seed, mechanism,
day), so changing one mechanism's parameters leaves every other mechanism's
draws alone (common random numbers) and a seed gives bit-identical results.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numba import njit

from .mechanisms import behaviour, detection, lists, rehabilitation, response, sanctions, scoring
from .mechanisms.scoring import recovered
from .mechanisms.schedules import day_index, schedule_values
from .mechanisms.state import (
    COUNTERS, DAILY, GROUP_COUNTERS, GROUP_DAILY, C, grow_calendar, grow_roster, new_agents, new_calendar, new_roster,
)
from .population import ADULT, SENIOR, synthesize
from .results import Results
from .scenario.loading import load
from .scenario.schema import BEHAVIOURS, GRADES, Scenario

# Random stream identifiers, one per mechanism (behaviours get one each).
POPULATION, ADOPTION, FALSE_RECORDS, BACKLOG, SCORING, TRAVEL, SHAMING, CREDIT, REHABILITATION = range(1, 10)
BEHAVIOUR_STREAM = 100

STEP_PLAN = (
    "behaviour events (one stream per behaviour) and app adoption",
    "detection: true records and false records per channel",
    "scoring, grade list, redlist and court blacklist entries",
    "sanctions: ticket purchases of the listed, shaming, job/school restrictions, loans and mortgages",
    "rehabilitation: calendar (expiry, deletion, recovery), fulfilment, community service, correction",
    "record counters",
)


class Sim:
    """One simulation: ``Sim(scenario, agents=..., seed=...).run()`` returns :class:`Results`.

    ``scenario`` is a :class:`Scenario`, a built-in name or a TOML path;
    ``days`` or ``until`` (a date) shorten or extend the scenario's period.
    """

    def __init__(self, scenario: Scenario | str | Path, agents: int | None = None, seed: int = 0,
                 days: int | None = None, until=None):
        if not isinstance(scenario, Scenario):
            scenario = load(str(scenario))
        if days is not None and until is not None:
            raise ValueError("give days or until, not both")
        if days is not None:
            if days < 1:
                raise ValueError("days must be at least 1")
            scenario = scenario.model_copy(update={"end_date": scenario.start_date + np.timedelta64(days - 1, "D").item()})
        if until is not None:
            if until < scenario.start_date:
                raise ValueError(f"until ({until}) is before the scenario start ({scenario.start_date})")
            scenario = scenario.model_copy(update={"end_date": until})
        agents = scenario.default_agents if agents is None else int(agents)
        if agents < 1:
            raise ValueError("agents must be at least 1")
        if agents >= 2**31 - 1:
            raise ValueError("agents must be below 2,147,483,647")
        self.scenario = scenario
        self.agents = agents
        self.seed = int(seed)

    @staticmethod
    def plan() -> tuple[str, ...]:
        """The order of the steps of one simulated day."""
        return STEP_PLAN

    def _stream(self, mechanism: int, day: int = 0) -> np.random.Generator:
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.seed, mechanism, day])))

    def run(self, progress: Callable[[int, int], None] | None = None) -> Results:
        """Run every day; ``progress(done, total)`` is called after each day."""
        started = time.perf_counter()
        sc = self.scenario
        people = synthesize(sc.population, self.agents, self._stream(POPULATION))
        days = sc.days
        state = _Compiled(sc, people)
        agents = new_agents(self.agents, sc.rulebook.start_score)
        roster = new_roster(1024)
        calendar = new_calendar(days, 4096)
        counters = np.zeros(len(COUNTERS), np.int64)
        n_groups = len(sc.population.groups)
        group_counters = np.zeros((n_groups, len(GROUP_COUNTERS)), np.int64)
        joint_on = np.zeros(1, np.bool_)
        history = np.zeros((days, len(COUNTERS)), np.int64)
        group_history = np.zeros((days, n_groups, len(GROUP_COUNTERS)), np.int64)
        daily, group_daily = list(DAILY), list(GROUP_DAILY)

        for day in range(days):
            counters[daily] = 0
            group_counters[:, group_daily] = 0
            on = state.switches(day)
            if on.joint and not joint_on[0]:
                joint_on[0] = True
                ctx = lists.ListContext(agents, roster, calendar, counters, group_counters, people.group,
                                        people.household_offset, people.household_size, joint_on)
                lists.refresh_all_households(ctx)

            # Behaviour and detection.
            detect = state.detection.probabilities(day)
            app_share = counters[C.app_users] / max(state.adults, 1)
            perceived = state.perceived_detection(detect, app_share)
            penalised = response.perceived_penalised(sc, on.court, on.scoring)
            mult, elasticity = response.rate_multipliers(sc, perceived, penalised, on.scoring and sc.system)
            draw = np.maximum(mult, 1.0)
            streams = [self._stream(BEHAVIOUR_STREAM + b, day) for b in range(len(BEHAVIOURS))]
            counts = [streams[b].poisson(state.rates.base[b] * draw[b]) for b in range(len(BEHAVIOURS))]
            false_rng = self._stream(FALSE_RECORDS, day)
            false_counts = false_rng.poisson(state.detection.false_record_means(day, state.sizes))
            backlog = state.backlog if day == state.court_launch and on.court else 0
            capacity = sum(int(c.sum()) for c in counts) + int(false_counts.sum()) + backlog
            rec_agent = np.empty(capacity, np.int32)
            rec_behaviour = np.empty(capacity, np.uint8)
            rec_true = np.empty(capacity, np.bool_)
            n = 0
            for b in range(len(BEHAVIOURS)):
                bd = behaviour.BehaviourDay(
                    day=day, behaviour=b, nibble=4 if state.rates.political[b] else 0,
                    system_factor=mult[b], draw_factor=draw[b], base_risk=perceived[b] * penalised[b],
                    baseline=sc.response.baseline_certainty, elasticity=elasticity[b] * (penalised[b] > 0),
                    fear_decay=state.fear_decay, offence=not state.rates.lawful[b] and not state.rates.loyalty[b],
                    expression=bool(state.rates.political[b] and state.rates.lawful[b]),
                    app_only=BEHAVIOURS[b] == "app_use",
                )
                n = behaviour.behaviour_events(
                    streams[b], counts[b], people.stratum_start, people.age, people.propensity, people.group,
                    agents.flags, agents.fear, agents.touched, state.rates.multipliers[b], detect[b], bd,
                    rec_agent, rec_behaviour, rec_true, n, counters, group_counters,
                )
            if sc.system:
                adopt_rng = self._stream(ADOPTION, day)
                behaviour.adopt_app(adopt_rng, adopt_rng.poisson(state.adoption_mean), people.stratum_start,
                                    people.age, agents.flags, counters)
            n = detection.false_records(false_rng, false_counts, people.stratum_start, people.age, agents.flags,
                                        state.detection.weights, rec_agent, rec_behaviour, rec_true, n)
            if backlog:
                n = state.add_backlog(self._stream(BACKLOG, day), backlog, rec_agent, rec_behaviour, rec_true, n)

            # Scoring and lists.
            roster = grow_roster(roster, n)
            calendar = grow_calendar(calendar, 3 * n)
            ctx = lists.ListContext(agents, roster, calendar, counters, group_counters, people.group,
                                    people.household_offset, people.household_size, joint_on)
            sp = state.scoring_day(day, on)
            scoring.apply_records(ctx, self._stream(SCORING, day), rec_agent, rec_behaviour, rec_true, n, sp)

            # Sanctions.
            listed_now = int(roster.size[0])
            sd = state.sanction_day(day)
            rng = self._stream(TRAVEL, day)
            sanctions.travel(ctx, rng, state.agent_region, state.agent_income, sd,
                             rng.poisson(listed_now * sd.flight_max), rng.poisson(listed_now * sd.train_max))
            rng = self._stream(SHAMING, day)
            sanctions.shaming_and_restrictions(
                ctx, rng, state.agent_region, people.age, state.camera_urban[day], sd,
                rng.poisson(listed_now * state.shaming_mean), rng.poisson(listed_now * sd.job_mean),
                rng.poisson(listed_now * sd.school_mean),
            )
            rng = self._stream(CREDIT, day)
            sanctions.credit(ctx, rng, people.stratum_start, people.age, rng.poisson(state.loan_means),
                             rng.poisson(state.mortgage_means), sd)

            # Rehabilitation.
            rd = state.rehab_day(day)
            rng = self._stream(REHABILITATION, day)
            n_f = rng.poisson(listed_now * rd.fulfilment_rate * max(rd.shaming_boost, 1.0))
            n_s = rng.poisson(listed_now * rd.service_rate)
            n_c = rng.poisson(listed_now * rd.correction_rate)
            calendar = grow_calendar(calendar, n_f + 2 * (n_s + n_c))
            ctx = ctx._replace(calendar=calendar)
            rehabilitation.due_events(ctx, sp)
            rehabilitation.routes(ctx, rng, rd, sp, n_f, n_s, n_c)

            history[day] = counters
            group_history[day] = group_counters
            if progress is not None:
                progress(day + 1, days)

        grades = state.grade_counts(agents, days - 1)
        return Results.from_run(
            scenario=sc, seed=self.seed, agents=self.agents, scale=people.scale, history=history,
            group_history=group_history, grades=grades, runtime=time.perf_counter() - started,
        )


class _Switches:
    __slots__ = ("scoring", "court", "grade", "red", "joint")

    def __init__(self, scoring, court, grade, red, joint):
        self.scoring, self.court, self.grade, self.red, self.joint = scoring, court, grade, red, joint


class _Compiled:
    """The scenario turned into arrays and per-day parameter tuples for the kernels."""

    def __init__(self, sc: Scenario, people):
        self.sc = sc
        self.people = people
        days = sc.days
        start = sc.start_date
        self.sizes = np.diff(people.stratum_start).astype(float)
        adult = (people.age == ADULT) | (people.age == SENIOR)
        self.adults = int(adult.sum())
        stratum_of = np.repeat(np.arange(people.strata), np.diff(people.stratum_start))
        self.adult_weights = np.bincount(stratum_of[adult], minlength=people.strata) / max(self.adults, 1)
        self.agent_region = people.stratum_region[stratum_of]
        self.agent_income = people.stratum_income[stratum_of]
        del stratum_of
        self.rates = behaviour.BehaviourRates(sc, people)
        self.detection = detection.Detection(sc, people)
        self.fear_decay = response.fear_decay_per_day(sc)

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
        self.adoption_mean = self.sizes * sc.response.app_adoption_per_year / 365.0

        s = sc.sanctions
        self.flight_enforcement = schedule_values(s.flights.enforcement, start, days)
        self.train_enforcement = schedule_values(s.trains.enforcement, start, days)
        self.camera_urban = self.detection.coverage[detection.CHANNELS.index("cameras"), 0]
        self.shaming_mean = s.shaming.displays_per_year / 365.0 if s.shaming.enabled and sc.system else 0.0
        self.loan_means = self.sizes * s.loans.applications_per_year / 365.0
        self.mortgage_means = self.sizes * s.mortgages.applications_per_year / 365.0

        r = sc.rehabilitation
        self.fulfilment_rate = schedule_values(r.fulfilment.rate_per_year, start, days) / 365.0
        self.service_rate = schedule_values(r.community_service.rate_per_year, start, days) / 365.0
        self.correction_rate = schedule_values(r.correction.rate_per_year, start, days) / 365.0

    def switches(self, day: int) -> _Switches:
        sc = self.sc
        scoring_on = sc.system and day >= self.scoring_start
        return _Switches(
            scoring=scoring_on,
            court=sc.system and sc.lists.court.enabled and day >= self.court_launch,
            grade=scoring_on and sc.lists.grade.enabled,
            red=scoring_on and sc.lists.redlist.enabled,
            joint=sc.system and sc.lists.joint_punishment.enabled and day >= self.joint_start,
        )

    def perceived_detection(self, detect: np.ndarray, app_share: float) -> np.ndarray:
        """Population-average chance that an event of each behaviour is recorded."""
        mixed = detect[:, :, 0] * (1 - app_share) + detect[:, :, 1] * app_share
        return mixed @ self.adult_weights

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
            deny_listed=s.mortgages.deny_listed,
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

    def add_backlog(self, rng, count, rec_agent, rec_behaviour, rec_true, n):
        """Judgment defaults from before the launch, recorded on the launch day."""
        weights = self.rates.base[BEHAVIOURS.index("judgment_default")]
        if weights.sum() == 0:
            weights = self.sizes
        strata = rng.choice(len(weights), size=count, p=weights / weights.sum())
        start = self.people.stratum_start
        for s in strata:
            while True:
                agent = start[s] + rng.integers(0, start[s + 1] - start[s])
                if self.people.age[agent] != 0:
                    break
            rec_agent[n], rec_behaviour[n], rec_true[n] = agent, BEHAVIOURS.index("judgment_default"), True
            n += 1
        return n

    def grade_counts(self, agents, day: int) -> dict[str, int]:
        """People aged 15+ in each grade at the end (one pass over the population)."""
        sc = self.sc
        counts = _grade_kernel(agents.score, agents.touched, self.people.age, day, sc.rulebook.start_score,
                                  sc.rulebook.recovery_points_per_day,
                                  np.array([sc.rulebook.grade_minimums[g] for g in GRADES], np.int64))
        return {g: int(c) for g, c in zip(GRADES, counts)}


@njit(cache=True)
def _grade_kernel(score, touched, age, day, start_score, rate, minimums):
    out = np.zeros(len(minimums), np.int64)
    for i in range(len(score)):
        if age[i] == 0:
            continue
        s = recovered(int(score[i]), day - touched[i], start_score, rate)
        g = 0
        while g < len(minimums) - 1 and s < minimums[g]:
            g += 1
        out[g] += 1
    return out
