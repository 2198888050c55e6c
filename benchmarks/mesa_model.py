"""The benchmark reference model (benchmarks/README.md) in plain Mesa 3.

Written the way a Mesa user would write it: one ``Person`` agent per person with a
``step()`` method, a ``ReferenceModel`` whose ``step()`` is ``self.agents.shuffle_do("step")``,
randomness from the model's seeded NumPy generator ``self.rng``, totals kept on the model
and a ``DataCollector`` for the daily list counts. Nothing is vectorised: the point is to
measure what a Mesa user gets.

It mirrors scslab's engine on ``benchmarks/reference.toml`` exactly, including the
engine's integer scores, its storage of fear in steps of 1/255 and its rule that a
listing counts as wrongful only while every record since entry found it so (see the
README). This module does not import scslab, so that a Mesa run's memory is Mesa's own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from statistics import NormalDist

import mesa


@dataclass(frozen=True)
class Parameters:
    """The reference model's parameters (the values of benchmarks/reference.toml)."""

    offences_per_year: float = 2.0  # r: offences per person-year with no system
    dispersion: float = 0.8  # log-sd of the mean-1 lognormal offending propensity
    classes: int = 16  # equally likely propensity classes
    detection: float = 0.5  # d: chance that an offence is recorded
    baseline_certainty: float = 0.1  # c0: perceived certainty of being caught with no system
    elasticity: float = -0.5  # e: certainty elasticity of offending
    learning: float = 0.3  # step of fear towards 1 after each record
    half_life: float = 60.0  # H: days for fear to halve
    false_records_per_year: float = 0.02  # q: false records per person-year at weight 1
    groups: tuple[tuple[str, float, float], ...] = (
        ("majority", 0.90, 1.0),  # (name, population share, false-match weight w_g)
        ("minority_a", 0.08, 5.0),
        ("minority_b", 0.02, 20.0),
    )
    start_score: int = 1000  # points everyone starts with, and the ceiling of recovery
    points: int = 60  # points deducted per record
    threshold: int = 960  # listed while the score is below this (grade A's minimum)
    recovery: float = 1.0  # rho: points recovered per day


def lognormal_class_means(sigma: float, classes: int) -> list[float]:
    """Mean of a mean-1 lognormal with log-sd ``sigma`` within each of ``classes`` equally likely quantile bins."""
    normal = NormalDist()
    edges = [-math.inf] + [normal.inv_cdf(k / classes) for k in range(1, classes)] + [math.inf]
    return [(normal.cdf(b - sigma) - normal.cdf(a - sigma)) * classes for a, b in pairwise(edges)]


def allocate(total: int, shares: list[float]) -> list[int]:
    """Split ``total`` into whole numbers proportional to ``shares`` (largest remainder)."""
    exact = [s / sum(shares) * total for s in shares]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: counts[i] - exact[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def quantise(fear: float) -> float:
    """Fear as the engine stores it: the nearest multiple of 1/255."""
    return int(fear * 255.0 + 0.5) / 255.0


class Person(mesa.Agent):
    """One adult: offends, may be recorded (truly or falsely), loses points, may be listed, recovers."""

    def __init__(self, model: ReferenceModel, group: int, propensity: float):
        super().__init__(model)
        self.group = group  # index into Parameters.groups
        self.propensity = propensity  # m_k, the offending multiplier of the person's class
        self.score = model.p.start_score
        self.false_points = 0  # points lost to false records and not yet recovered
        self.fear = 0.0  # extra perceived certainty (0..1) as of day ``touched``
        self.touched = 0  # day the score, false points and fear were last brought up to date
        self.listed = False
        self.wrongly_listed = False

    def fear_on(self, day: int) -> float:
        """Fear faded to ``day`` (half-life H)."""
        if self.fear == 0.0:
            return 0.0
        return self.fear * self.model.fear_decay ** (day - self.touched)

    def score_on(self, day: int) -> int:
        """Score recovered to ``day`` without any new record."""
        return min(self.model.p.start_score, self.score + self.model.recovered_points(day - self.touched))

    def touch(self, day: int) -> None:
        """Bring score, false points and fear up to ``day``."""
        elapsed = day - self.touched
        if elapsed <= 0:
            return
        self.score = self.score_on(day)
        self.false_points = max(0, self.false_points - self.model.recovered_points(elapsed))
        self.fear = quantise(self.fear_on(day))
        self.touched = day

    def step(self) -> None:
        """One day: offend, be recorded, be falsely recorded, and leave the list once recovered."""
        model, p, day = self.model, self.model.p, self.model.day
        rate = model.offence_rate * self.propensity
        fear = self.fear_on(day)
        if fear > 0.0:
            rate *= ((model.base_risk + fear) / model.base_risk) ** p.elasticity
        offences = model.rng.poisson(rate)
        recorded = model.rng.binomial(offences, p.detection) if offences else 0
        false_records = model.rng.poisson(model.false_record_rate[self.group])
        model.offences += offences
        for _ in range(recorded):
            self.record(day, true=True)
        for _ in range(false_records):
            self.record(day, true=False)
        if self.listed and self.score_on(day) >= p.threshold:
            self.touch(day)
            self.leave_list()

    def record(self, day: int, true: bool) -> None:
        """A record: points off, the listing check, then fear learned from being recorded."""
        model, p = self.model, self.model.p
        if true:
            model.detections += 1
        else:
            model.false_detections += 1
        self.touch(day)
        self.score -= p.points
        if not true:
            self.false_points += p.points
        if self.score < p.threshold:
            wrongful = self.score + self.false_points >= p.threshold
            if not self.listed:
                self.enter_list(wrongful)
            elif self.wrongly_listed and not wrongful:
                self.wrongly_listed = False
                model.wrongly_listed -= 1
        self.fear = quantise(self.fear + p.learning * (1.0 - self.fear))

    def enter_list(self, wrongful: bool) -> None:
        self.listed = True
        self.wrongly_listed = wrongful
        self.model.listed += 1
        self.model.wrongly_listed += wrongful
        self.model.list_entries += 1

    def leave_list(self) -> None:
        self.model.listed -= 1
        self.model.wrongly_listed -= self.wrongly_listed
        self.listed = False
        self.wrongly_listed = False


class ReferenceModel(mesa.Model):
    """``n`` people, one step per day; totals on the model, daily list counts in ``datacollector``."""

    def __init__(self, n: int, seed: int | None = None, params: Parameters = Parameters()):
        super().__init__(seed=seed)
        self.p = params
        self.day = 0
        self.offence_rate = (params.offences_per_year / 365.0
                             * ((params.baseline_certainty + params.detection) / params.baseline_certainty)
                             ** params.elasticity)
        self.base_risk = params.baseline_certainty + params.detection  # perceived certainty under the system
        self.fear_decay = 0.5 ** (1.0 / params.half_life)
        self.false_record_rate = [params.false_records_per_year / 365.0 * w for _, _, w in params.groups]
        self.offences = self.detections = self.false_detections = 0
        self.listed = self.wrongly_listed = self.list_entries = 0

        multipliers = lognormal_class_means(params.dispersion, params.classes)
        counts = allocate(n, [share for _, share, _ in params.groups])
        for group, count in enumerate(counts):
            for _ in range(count):
                Person(self, group, multipliers[self.rng.integers(params.classes)])
        self.datacollector = mesa.DataCollector(
            model_reporters={"listed": "listed", "wrongly_listed": "wrongly_listed"}
        )

    def recovered_points(self, days: int) -> int:
        """Whole points recovered over ``days`` days."""
        return int(self.p.recovery * days + 1e-9)

    def step(self) -> None:
        self.day = self.steps - 1  # Mesa counts steps from 1
        self.agents.shuffle_do("step")
        self.datacollector.collect(self)
