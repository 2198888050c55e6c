"""The scenario schema: every parameter with its unit, default, meaning and source.

A scenario is a TOML file validated by these pydantic models. Unknown keys are
rejected everywhere. Each field carries ``unit`` and, where it comes from a
published figure, ``source`` in its JSON-schema extras; ``docs/parameters.md``
is generated from them (``scslab params``).
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from ..units import AGENT_LIMIT, DAYS_PER_YEAR, MAX_DAYS

GRADES = ("AAA", "AA", "A", "B", "C", "D")
FLOORED_GRADES = GRADES[:-1]
"""The grades with a minimum score; D is every score below C's minimum."""
NO_FLOOR = -(2**31)
"""D's floor in a table of every grade's floor (``grade_floors``): below any score."""
INCOME_BANDS = ("low", "middle", "high")
"""Income bands, low to high: a list by income band has one value for each."""
AGE_BANDS = ("0-14", "15-59", "60+")
"""Age bands, young to old (``population.CHILD``, ``ADULT``, ``SENIOR``)."""
BEHAVIOURS = (
    "judgment_default",
    "loan_arrears",
    "traffic_violation",
    "public_disorder",
    "neighbour_quarrel",
    "lawful_criticism",
    "unreleased_information",
    "protest",
    "app_use",
    "volunteering",
    "blood_donation",
)
BEHAVIOUR_KIND = {
    "judgment_default": "financial", "loan_arrears": "financial", "traffic_violation": "traffic",
    "public_disorder": "public_order", "neighbour_quarrel": "social", "lawful_criticism": "political",
    "unreleased_information": "political", "protest": "political", "app_use": "loyalty", "volunteering": "loyalty",
    "blood_donation": "loyalty",
}
"""What each behaviour is (part of its definition, not a parameter): political acts are lawful expression, loyalty
acts are rewarded and never sanctioned."""
CHANNELS = ("cameras", "courts", "finance", "informants", "app")
RECORD_CLASSES = ("financial", "court", "traffic", "political")
RECORD_CLASS_OF = {
    "judgment_default": "court",
    "loan_arrears": "financial",
    "traffic_violation": "traffic",
    "public_disorder": "court",
    "neighbour_quarrel": "court",
    "lawful_criticism": "political",
    "unreleased_information": "political",
    "protest": "political",
}
"""The class of record each behaviour leaves when a country records it (loyalty acts leave none abroad)."""
ADOPTION_LEVELS = ("full", "pilot", "other_vendor", "none")
TRAVELLER_KINDS = ("tourist", "business", "migrant_worker", "student", "diaspora")
STAY_DAYS = {"tourist": 7.0, "business": 5.0, "migrant_worker": 240.0, "student": 300.0}
"""Default mean stay abroad by kind of traveller (assumed); the diaspora stays for good."""
TRUST_RULES = ("mean_score", "share_listed", "share_redlisted", "cooperation", "weighted")
TRUST_PARTS = ("mean_score", "share_listed", "share_redlisted", "cooperation")
COUNTRY_SECTIONS = ("population", "behaviours", "channels", "rulebook", "lists", "sanctions", "rehabilitation",
                    "response", "firms", "network")
SECTOR_KINDS = ("lending", "insurance", "rentals", "retail", "employers")
SECTOR_TERMS = {
    "lending": "yearly interest rate",
    "insurance": "x the standard premium",
    "rentals": "months of rent as deposit",
    "retail": "x the list price",
    "employers": "x the posted wage (negative: paid less)",
}
"""What each kind of sector sets by score, in the unit its premiums are given in."""
SECTOR_BUYS = {
    "lending": ("financial", "court"),
    "insurance": ("traffic", "court"),
    "rentals": ("financial", "court"),
    "retail": ("financial",),
    "employers": ("court", "political"),
}
"""The record classes each kind of sector buys about foreign customers, unless it says (assumed)."""
ACCESS_LEVELS = ("direct", "broker", "none")

MAX_POPULATION = 10_000_000_000
"""Most people a scenario (or a country of one) may represent: more than the world's population."""
MAX_MULTIPLIER = 1e6
"""Largest relative multiplier (x): far beyond any published differential, small enough that products of
multipliers, rates and populations stay finite."""
MAX_RATE = float(DAYS_PER_YEAR)
"""Largest rate per person per year (events, applications, attempts, hazards): one a day on average."""
MAX_AMOUNT = 1e6
"""Largest price, premium, weight or index target, in its own unit."""
MAX_POINTS = 30_000
"""Largest score, grade minimum or points value in magnitude: below ``units.SCORE_LIMIT``, within which the
engine keeps its 16-bit scores."""

TARGETS_PACKAGE = "scslab.data"
"""The package whose CSV files are the published figures a scenario may name as its ``targets``."""

NBS = "National Bureau of Statistics of China, 7th census (2020)"
NIST = "NIST FRVT Part 3, NISTIR 8280 (Dec 2019)"
RONGCHENG = "Rongcheng Measures (chinalawtranslate); Foreign Policy 2018"
DETERRENCE = "Chalfin & McCrary 2018; Lee & McCrary 2017; Nagin 2013"
PERCEPTIONS = ("learned", "known")
"""How people perceive the chance of detection (``response.perception``)."""
EXTRAPOLATIONS = ("capped", "constant_elasticity")
"""How deterrence elasticities are used beyond the range of their evidence (``response.extrapolation``)."""
SECRECY_EFFECTS = ("under_deters", "deters_more")
"""The two positions on what a secret rulebook does to deterrence (``rulebook.secrecy_effect``)."""


def param(default, unit: str, meaning: str, source: str | None = None, lever=None, assumed=None, when=None,
          **kw):
    """A scenario field with its unit, meaning and (optional) published source.

    ``lever`` marks a main policy lever (see ``scenario.levers``): ``(low, high)``, the
    range a control offers for a number; ``True`` for a switch, a choice, or a table
    whose own lever fields are levers here. ``assumed``, ``(low, high)``, marks an
    assumption and its plausible range (``source`` then names what anchors it, if anything).
    ``when``, ``{path: value}``, names the choice under which alone the field acts (a path
    without a dot is a field of the same table, one with dots starts at the scenario's, or
    the country's, top): tools/liveness.py checks the field under it.
    """
    extra = {"unit": unit}
    if when is not None:
        extra["when"] = dict(when)
    if assumed is not None:
        extra["assumed"] = list(assumed)
        source = f"assumption, plausible {assumed[0]:g} to {assumed[1]:g}" + (f"; {source}" if source else "")
    if source:
        extra["source"] = source
    if lever is not None:
        extra["lever"] = list(lever) if isinstance(lever, tuple) else lever
    return Field(default, description=meaning, json_schema_extra=extra, **kw)


def target_names() -> list[str]:
    """Names of the packaged target files (see ``scslab.targets``)."""
    files = resources.files(TARGETS_PACKAGE).iterdir()
    return sorted(f.name[:-4] for f in files if f.name.endswith(".csv"))


def listing(names, shown: int = 12) -> str:
    """Names for an error line: the first ``shown``, then how many more (a line stays a line)."""
    names = [str(n) if len(str(n)) <= 40 else str(n)[:40] + "…" for n in names]
    more = f", and {len(names) - shown:,} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


class Strict(BaseModel):
    """A table of parameters: unknown keys are errors; a partial sub-table keeps the defaults it omits."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False, validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _fill_from_defaults(cls, data):
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name, field in cls.model_fields.items():
            if isinstance(field.default, BaseModel) and isinstance(out.get(name), dict):
                out[name] = {**field.default.model_dump(), **out[name]}
        return out


def check_schedule(value):
    if isinstance(value, list):
        if not value:
            raise ValueError("a schedule needs at least one [date, value] point")
        dates = [d for d, _ in value]
        if any(b <= a for a, b in zip(dates, dates[1:])):
            raise ValueError("schedule dates must be strictly increasing")
    return value


def schedule(high: float):
    """A value in [0, ``high``] that may change over time: a constant, or ``[[date, value], ...]``
    points joined by straight lines (constant before the first and after the last)."""
    value = Annotated[float, Field(ge=0, le=high)]
    return Annotated[value | list[tuple[dt.date, value]], AfterValidator(check_schedule)]


Share = Annotated[float, Field(ge=0, le=1)]
Multiplier = Annotated[float, Field(ge=0, le=MAX_MULTIPLIER)]
Days = Annotated[int, Field(ge=0, le=MAX_DAYS)]
Points = Annotated[int, Field(ge=-MAX_POINTS, le=MAX_POINTS)]
Amount = Annotated[float, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)]
ProbabilitySchedule = schedule(1.0)
RateSchedule = schedule(MAX_RATE)
FlowSchedule = schedule(float(MAX_POPULATION))
DaysSchedule = schedule(float(MAX_DAYS))


def check_grades(grades: dict[str, int]) -> dict[str, int]:
    """Grade minimums: every grade AAA..C once, falling strictly (D, the bottom grade, has none)."""
    if "D" in grades:
        raise ValueError("D has no minimum: it is every score below C's minimum")
    if set(grades) != set(FLOORED_GRADES):
        raise ValueError(f"needs exactly the grades {', '.join(FLOORED_GRADES)}")
    values = [grades[g] for g in FLOORED_GRADES]
    if any(b >= a for a, b in zip(values, values[1:])):
        raise ValueError("grade minimums must fall strictly from AAA to C")
    return grades


def grade_floors(minimums: dict[str, int]) -> list[int]:
    """The floor of every grade AAA..D, in ``GRADES`` order (D's is ``NO_FLOOR``)."""
    return [minimums[g] for g in FLOORED_GRADES] + [NO_FLOOR]


def check_behaviours(table: dict) -> dict:
    """A table keyed by behaviour: every key a known behaviour."""
    for name in table:
        if name not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {name!r:.60} (known: {', '.join(BEHAVIOURS)})")
    return table


class Group(Strict):
    name: str = param(..., "-", "Name of the demographic group (synthetic, aggregate only).", min_length=1)
    share: float = param(..., "fraction", "Share of the population in this group.", ge=0, le=1)
    urban_share: float | None = param(
        None, "fraction", "Share of the group living in urban areas (default: the population's urban_share).",
        ge=0, le=1)
    income_shares_urban: list[Share] | None = param(
        None, "fraction", "Shares of low, middle and high income among the group's urban people (default: the "
        "population's).", min_length=len(INCOME_BANDS), max_length=len(INCOME_BANDS))
    income_shares_rural: list[Share] | None = param(
        None, "fraction", "The same among the group's rural people (default: the population's).",
        min_length=len(INCOME_BANDS), max_length=len(INCOME_BANDS))
    min_agents: int | None = param(
        None, "agents", "Fewest agents this group gets (default: sampling.min_agents_per_group), with the same "
        "caps: a group that travel flows draw from can be sampled more finely than its share, so that its "
        "people abroad rest on more agents.", ge=0, lt=AGENT_LIMIT)

    @field_validator("income_shares_urban", "income_shares_rural")
    @classmethod
    def _shares(cls, shares):
        if shares is not None and abs(sum(shares) - 1) > 1e-6:
            raise ValueError(f"shares must sum to 1 (they sum to {sum(shares):g})")
        return shares


class Population(Strict):
    size: int = param(1_411_780_000, "people", "People the scenario represents.", NBS, gt=0, le=MAX_POPULATION)
    urban_share: float = param(0.639, "fraction", "Share of people living in urban areas.", NBS, ge=0, le=1)
    groups: list[Group] = param(
        [
            Group(name="majority", share=0.90),
            Group(name="minority_a", share=0.07),
            Group(name="minority_b", share=0.03),
        ],
        "-",
        "Demographic groups with their population shares (at least three; shares sum to 1). "
        "Han 91.1% / minorities 8.9% in the 2020 census; the split of minorities is assumed.",
        NBS,
    )
    age_shares: list[Share] = param(
        [0.1795, 0.6335, 0.187],
        "fraction",
        "Shares of the age bands 0-14, 15-59 and 60+. Only ages 15+ act, are scored or listed; "
        "children matter through joint punishment of their household.",
        NBS,
        min_length=len(AGE_BANDS),
        max_length=len(AGE_BANDS),
    )
    income_shares_urban: list[Share] = param(
        [0.3, 0.5, 0.2], "fraction", "Shares of low, middle and high income among urban people (assumed).",
        min_length=len(INCOME_BANDS), max_length=len(INCOME_BANDS),
    )
    income_shares_rural: list[Share] = param(
        [0.6, 0.35, 0.05], "fraction", "Shares of low, middle and high income among rural people (assumed).",
        min_length=len(INCOME_BANDS), max_length=len(INCOME_BANDS),
    )
    household_size_mean: float = param(2.62, "people", "Mean household size.", NBS, ge=1, le=10)
    offending_dispersion: float = param(
        0.8, "log-sd", "Spread (log standard deviation) of individual offending propensity; mean is 1.", ge=0, le=3
    )
    expression_dispersion: float = param(
        0.8, "log-sd", "Spread of individual propensity to lawful political expression; mean is 1.", ge=0, le=3
    )

    @field_validator("groups")
    @classmethod
    def _groups(cls, groups):
        if len(groups) < 3:
            raise ValueError("at least three demographic groups are needed")
        names = [g.name for g in groups]
        if len(set(names)) != len(names):
            raise ValueError("group names must be unique")
        total = sum(g.share for g in groups)
        if abs(total - 1) > 1e-6:
            raise ValueError(f"group shares must sum to 1 (they sum to {total:g})")
        return groups

    @field_validator("age_shares", "income_shares_urban", "income_shares_rural")
    @classmethod
    def _shares(cls, shares):
        if abs(sum(shares) - 1) > 1e-6:
            raise ValueError(f"shares must sum to 1 (they sum to {sum(shares):g})")
        return shares


class Act(Strict):
    """What any act has: its rate with no system, who does it more, and its points where it is scored."""

    rate_per_year: float = param(0.0, "events/person/year", "Events per person aged 15+ per year with no system.",
                                 ge=0, le=MAX_RATE)
    income_multipliers: list[Multiplier] = param(
        [1.0, 1.0, 1.0], "x", "Rate multipliers for low, middle and high income.",
        min_length=len(INCOME_BANDS), max_length=len(INCOME_BANDS),
    )
    urban_multiplier: float = param(1.0, "x", "Rate multiplier for urban versus rural people.", ge=0,
                                    le=MAX_MULTIPLIER)
    points: int = param(0, "points", "Score change per recorded event (negative: deduction).", ge=-1000, le=1000)


class Behaviour(Act):
    """An act the system may penalise: an offence, or lawful expression it treats as one."""

    lawful: bool = param(False, "-", "Whether the behaviour is lawful (lawful acts never make a listing rightful).")
    severity: float = param(
        0.0, "relative", "Perceived severity of the sanction (0 none, 1 a blacklisting).", ge=0, le=10
    )


class LoyaltyAct(Act):
    """An act of loyalty: lawful, never sanctioned, earning points where a rulebook rewards it."""


def _behaviour(kind, rate, points=0, lawful=False, severity=0.0, income=(1.0, 1.0, 1.0), urban=1.0):
    if kind == "loyalty":
        return LoyaltyAct(rate_per_year=rate, points=points, income_multipliers=list(income), urban_multiplier=urban)
    return Behaviour(
        rate_per_year=rate, points=points, lawful=lawful, severity=severity,
        income_multipliers=list(income), urban_multiplier=urban,
    )


class Behaviours(Strict):
    judgment_default: Behaviour = param(
        _behaviour("financial", 0.005, -100, severity=1.0, income=(1.3, 1.0, 0.6)),
        "-", "Failing to comply with a court judgment (usually a debt); the way onto the court blacklist.",
    )
    loan_arrears: Behaviour = param(
        _behaviour("financial", 0.05, -20, severity=0.2, income=(1.5, 1.0, 0.5)), "-", "Falling behind on a loan."
    )
    traffic_violation: Behaviour = param(
        _behaviour("traffic", 0.5, -5, severity=0.05, urban=1.5), "-", "A traffic offence (Rongcheng: -5 points).",
        RONGCHENG,
    )
    public_disorder: Behaviour = param(_behaviour("public_order", 0.05, -30, severity=0.3), "-",
                                       "Disturbing public order.")
    neighbour_quarrel: Behaviour = param(_behaviour("social", 0.2, -10, severity=0.1), "-",
                                         "Quarrelling with neighbours.")
    lawful_criticism: Behaviour = param(
        _behaviour("political", 1.0, 0, lawful=True), "-", "Lawful criticism of officials or policies."
    )
    unreleased_information: Behaviour = param(
        _behaviour("political", 0.5, -20, lawful=True, severity=0.2),
        "-", "Sharing information the government has not released (lawful, yet penalised as 'rumour').",
    )
    protest: Behaviour = param(
        _behaviour("political", 0.02, -50, lawful=True, severity=0.5), "-",
        "Taking part in a lawful protest or petition.",
    )
    app_use: LoyaltyAct = param(_behaviour("loyalty", 4.0, 2), "-",
                               "Active use of the official app (app users only; about quarterly bursts).")
    volunteering: LoyaltyAct = param(_behaviour("loyalty", 1.0, 5), "-", "Volunteering.")
    blood_donation: LoyaltyAct = param(_behaviour("loyalty", 0.1, 10), "-", "Donating blood.")


class Channel(Strict):
    enabled: bool = param(True, "-", "Whether the channel feeds records into the system.")
    sees: dict[str, Share] = param(
        {}, "probability", "For each behaviour it watches, the chance it records one event where it has full coverage."
    )
    coverage_urban: ProbabilitySchedule = param(
        1.0, "fraction", "Share of urban people's events within the channel's reach.", lever=(0.0, 1.0))
    coverage_rural: ProbabilitySchedule = param(
        1.0, "fraction", "Share of rural people's events within the channel's reach.", lever=(0.0, 1.0))
    false_records_per_person_year: float = param(
        0.0, "records/person/year",
        "Records about people who did nothing, per person at full coverage (false matches, malicious reports, "
        "clerical errors).",
        ge=0, le=100,
    )
    group_true_match: dict[str, Multiplier] = param(
        {}, "x", "Per group multiplier on the chance an event is attributed to the right person (default 1).", NIST
    )
    group_false_match: dict[str, Multiplier] = param(
        {}, "x", "Per group multiplier on false records (default 1); false-match rates differ most by group.", NIST,
        lever=(0.0, 100.0),
    )
    group_coverage: dict[str, Multiplier] = param(
        {}, "x", "Per group multiplier on the channel's coverage (default 1; the product stops at full coverage): "
        "surveillance aimed at a group, apart from algorithmic error. It raises both the group's recorded events "
        "and the false records about it.", lever=(0.0, 10.0),
    )


    @field_validator("sees")
    @classmethod
    def _sees(cls, sees):
        return check_behaviours(sees)


class Channels(Strict):
    cameras: Channel = param(
        Channel(
            sees={"traffic_violation": 0.5, "public_disorder": 0.3, "protest": 0.5},
            coverage_urban=0.8, coverage_rural=0.3, false_records_per_person_year=0.01,
        ),
        "-", "Camera network with face recognition.", NIST, lever=True,
    )
    courts: Channel = param(
        Channel(sees={"judgment_default": 0.95}, false_records_per_person_year=0.00002),
        "-", "Court records of judgments and compliance.",
    )
    finance: Channel = param(
        Channel(sees={"loan_arrears": 0.9, "judgment_default": 0.3}, false_records_per_person_year=0.001),
        "-", "Banks and other financial institutions.",
    )
    informants: Channel = param(
        Channel(
            sees={"neighbour_quarrel": 0.2, "lawful_criticism": 0.02, "unreleased_information": 0.05, "protest": 0.2},
            false_records_per_person_year=0.002,
        ),
        "-", "Grid workers and informants, who report on their contacts (network.informant_share): sees is the chance "
        "an informant contact reports an event; false_records_per_person_year is the rate of malicious reports (a "
        "grudge) about a person with an informant among their contacts.",
    )
    app: Channel = param(
        Channel(sees={"app_use": 1.0, "unreleased_information": 0.2, "lawful_criticism": 0.05}),
        "-", "Telemetry of the official app (sees only the app's users).",
    )


class Rulebook(Strict):
    enabled: bool = param(
        True, "-", "Whether people are scored at all (false: records feed only the court list, as in a "
        "surveillance system without a score).",
    )
    mode: Literal["public", "secret"] = param(
        "secret", "-",
        "public: people know which behaviours are scored; secret: they do not and guess (see response.secret_prior).",
        lever=True,
    )
    secrecy_effect: Literal[SECRECY_EFFECTS] = param(
        "under_deters", "-",
        "What a secret rulebook does to deterrence (docs/model.md, 'Deterrence'). under_deters: people guess "
        "response.secret_prior for every behaviour, so penalised behaviour is under-deterred and lawful expression "
        "chilled. deters_more: at the expected sanction of a public rulebook, not knowing which acts are sanctioned "
        "adds response.ambiguity_premium to the perceived risk of every behaviour whose status is unknown "
        "(ambiguity aversion), so penalised behaviour is deterred more and lawful expression chilled more.",
        "deters_more: Baker, Harel & Kugler, 'The Virtues of Uncertainty in Law', Iowa Law Review 89:443 (2004)",
    )
    start: dt.date | None = param(None, "date", "When scoring starts (default: the scenario start).")
    start_score: int = param(1000, "points", "Everyone's starting score.", RONGCHENG, ge=0, le=10000)
    grade_minimums: dict[str, Points] = param(
        {"AAA": 1050, "AA": 1030, "A": 960, "B": 850, "C": 600},
        "points", "Lowest score of each grade AAA..C (D is every score below C's).", RONGCHENG,
    )
    recovery_points_per_day: float = param(
        0.1, "points/day", "Speed at which a score returns to the starting score (both directions).", ge=0, le=1000
    )

    @field_validator("grade_minimums")
    @classmethod
    def _grades(cls, grades):
        return check_grades(grades)


NATIONAL = "national"
"""The national rulebook's name where rulebooks are listed beside the pilots' (the ``scores`` table)."""
MAX_PILOTS = 15
"""Pilot areas a country may have (a stratum's pilot fits a byte with room to spare)."""


class Pilot(Strict):
    """A local pilot: a city's own points system, over a share of the urban population, from its start date.

    Its residents are scored by its rulebook (its points where it sets them, else the national ones;
    its grades, grade list, redlist and recovery), and the pilot records deeds of its own (``sees``:
    grid workers and the city's credit office, beside the national channels). The national lists apply
    to them as to everyone."""

    name: str = param(..., "-", "Name of the pilot area (a city, or a kind of city scheme).", min_length=1)
    urban_share: float = param(..., "fraction", "Share of the urban population living in the pilot's area.",
                               ge=0, le=1)
    start: dt.date = param(..., "date", "When the pilot starts scoring its residents.")
    points: dict[str, Points] = param(
        {}, "points", "Points per recorded event by behaviour, where the pilot's rulebook differs from the "
        "national one (behaviours left out keep the national points).", RONGCHENG)
    sees: dict[str, Share] = param(
        {}, "probability", "The pilot's own recording: for each behaviour, the chance that one event of a resident "
        "is recorded by the city (grid workers, the credit office), independently of the national channels.")
    grade_minimums: dict[str, Points] = param(
        {"AAA": 1050, "AA": 1030, "A": 960, "B": 850, "C": 600}, "points",
        "Lowest score of each grade AAA..C in the pilot (D is every score below C's) (scores start at the national rulebook's start score).",
        RONGCHENG)
    recovery_points_per_day: float = param(
        0.05, "points/day", "Speed at which a resident's score returns to the starting score.", ge=0, le=1000,
        assumed=(0.01, 0.2))
    grade_list: Literal[FLOORED_GRADES] | None = param(
        None, "-", "Residents scoring below this grade's minimum are put on the grade list (none: no grade list).",
        RONGCHENG)
    redlist: Literal[FLOORED_GRADES] | None = param(
        None, "-", "Residents at or above this grade are redlisted, with its perks (none: no redlist).", RONGCHENG)

    @field_validator("grade_minimums")
    @classmethod
    def _grades(cls, grades):
        return check_grades(grades)

    @field_validator("points", "sees")
    @classmethod
    def _behaviours(cls, table):
        return check_behaviours(table)


class CourtList(Strict):
    enabled: bool = param(True, "-", "Whether the court blacklist of judgment defaulters exists.")
    launch: dt.date | None = param(None, "date", "Launch date (default: the scenario start).")
    listing_probability: ProbabilitySchedule = param(
        1.0, "probability", "Chance that a recorded judgment default ends in a failed court order and a listing."
    )
    initial_backlog: int = param(
        0, "people", "People listed on the launch day from earlier unpaid judgments (at most the people aged 15+).",
        ge=0, le=MAX_POPULATION,
    )
    inclusion_period_days: int = param(730, "days", "Default time on the list before expiry.", ge=1, le=MAX_DAYS)
    extension_probability: float = param(0.5, "probability", "Chance the inclusion period is extended.", ge=0, le=1)
    extension_days: tuple[Days, Days] = param(
        (365, 1095), "days", "Range of the extension (drawn uniformly)."
    )
    deletion_delay_days: int = param(5, "days", "Days from fulfilment to deletion from the list (3 working days).",
                                     ge=0, le=MAX_DAYS)
    small_debt_share: float = param(
        0.3, "fraction", "Share of listings for small debts (below US$2,500), the only ones shaming moves.", ge=0, le=1
    )
    grace_days: DaysSchedule = param(
        0, "days", "Grace period before listing, while in force: a debtor given one who pays within it is not "
        "listed (0: none). The 2019 opinions on good-faith enforcement allow one to three months.",
        "SPC, Fa Fa [2019] No. 35, art. 16 (issued 16 Dec 2019, published 2 Jan 2020)")
    grace_share: float = param(
        1.0, "fraction", "Share of debtors about to be listed who are given the grace period, while one is in force.",
        assumed=(0.2, 1.0), ge=0, le=1)
    unable_spared: ProbabilitySchedule = param(
        0.0, "probability", "Chance that a debtor who cannot pay at all is classed 'unable' rather than 'dishonest' "
        "and not listed.", "SPC typical cases on telling dishonest from unable debtors (26 Jul 2025), practice "
        "since 2024")


class GradeList(Strict):
    enabled: bool = param(False, "-", "Whether people whose grade falls to D are listed (grade-based blacklist).")
    below_grade: Literal[FLOORED_GRADES] = param("C", "-", "People scoring below this grade's minimum are listed.")


class Redlist(Strict):
    enabled: bool = param(True, "-", "Whether people at the top grade are redlisted (perks).")
    grade: Literal[FLOORED_GRADES] = param("AAA", "-", "Grade at or above which people are redlisted.")


class JointPunishment(Strict):
    enabled: bool = param(True, "-", "Whether sanctions spill onto household members of listed people.")
    start: dt.date | None = param(None, "date", "When joint punishment starts (default: the scenario start).")


MAY_2018_OPINIONS = ("NDRC et al., FaGaiCaiJin [2018] No. 385 (flights) and No. 384 (trains), issued 2 Mar 2018, "
                     "in force 1 May 2018")


class MisconductList(Strict):
    """A non-court list of May 2018: people given an administrative penalty for serious misconduct on a
    journey, barred from buying tickets for a fixed time, whatever their debts."""

    enabled: bool = param(False, "-", "Whether the list exists.")
    start: dt.date = param(dt.date(2018, 5, 1), "date", "When people start being put on it.", MAY_2018_OPINIONS)
    entries_per_year: float = param(
        8.9e-7, "1/person/year", "People put on the list per person aged 15+ per year (people who travel more "
        "are likelier to be among them: weighted by the ban's income and rural multipliers).",
        "CAAC's first list (No. 1 of 2018): 86 people barred from 1 Jun 2018 for misconduct penalised in May, "
        "about 1,030 a year among 1.16 billion people aged 15+", assumed=(3e-7, 3e-6), ge=0, le=MAX_RATE)
    ban_days: int = param(365, "days", "Time barred from buying tickets, from listing.",
                          MAY_2018_OPINIONS + " (flights: one year)", ge=1, le=MAX_DAYS)


class MisconductLists(Strict):
    flights: MisconductList = param(MisconductList(), "-", "Misconduct at airports or on aircraft: no flights.")
    trains: MisconductList = param(
        MisconductList(entries_per_year=3.2e-7, ban_days=180), "-",
        "Misconduct at stations or on trains (smoking on a bullet train, fare dodging, touting tickets): no "
        "train tickets for 180 days. Entries: China Railway's first list of 1 Jun 2018 named 31 people (21 for "
        "misconduct in May, 10 under criminal investigation), about 370 a year (ECNS, 2018-06-01; "
        "FaGaiCaiJin [2018] No. 384).")


class AbroadList(Strict):
    """People sanctioned at home for political acts abroad that a partner recorded and sent home (many-country
    scenarios: records arrive through the agreements and alliances)."""

    enabled: bool = param(False, "-", "Whether political records about nationals, sent home from abroad, put them "
                          "on this list.")
    listing_probability: ProbabilitySchedule = param(
        0.5, "probability", "Chance that a political record sent home from abroad puts the person on the list "
        "(already listed: the stay starts again).", assumed=(0.1, 1.0))
    days: int = param(730, "days", "Time on the list (as the court list's default inclusion period).",
                      assumed=(180, 1825), ge=1, le=MAX_DAYS)
    exit_ban: bool = param(
        True, "-", "Whether the listed may not leave the country while at home (exit bans for people deemed a "
        "threat, Exit and Entry Administration Law of the PRC, 2012, art. 12; 'at least tens of thousands' bound "
        "at any time beside ethnicity-based passport confiscations in the millions, Safeguard Defenders, "
        "'Trapped', 2023).")
    rejoin_days: int = param(
        30, "days", "Days after a listed member of a diaspora comes home (deported, or under pressure) before they "
        "try to go back to the country they lived in, and again after each refusal.", assumed=(7, 365), ge=1,
        le=MAX_DAYS)
    family_pressure: float = param(
        0.3, "probability", "Rise in the perceived certainty of each household member aged 15+ at home when a "
        "relative abroad is listed (visits, questioning and threats by the police: a step of the way towards "
        "certainty, as response.household_learning is for a court listing).", assumed=(0.05, 0.8), ge=0, le=1)
    return_probability: ProbabilitySchedule = param(
        0.3, "probability", "Chance that a person listed while abroad, and not deported, comes home under that "
        "pressure ('persuaded to return'): about half of 80 attempted apprehensions abroad succeeded, by "
        "deportation or pressure, so with hosts granting a quarter of requests about a third of the rest return.",
        "Safeguard Defenders, 'Involuntary Returns', 2022", assumed=(0.0, 0.6))


class Lists(Strict):
    court: CourtList = param(CourtList(), "-", "The court blacklist of dishonest judgment debtors.")
    abroad: AbroadList = param(AbroadList(), "-", "Sanctions at home for political acts abroad sent home by partners.")
    grade: GradeList = param(GradeList(), "-", "Listing by low grade.")
    redlist: Redlist = param(Redlist(), "-", "The redlist of the highly trusted.")
    joint_punishment: JointPunishment = param(JointPunishment(), "-", "Joint punishment of households.")
    misconduct: MisconductLists = param(
        MisconductLists(), "-", "The non-court travel lists of May 2018: their own lists, apart from the court's.")


class TravelBan(Strict):
    attempts_per_year: float = param(
        1.0, "purchases/person/year", "Ticket purchase attempts per listed middle-income urban person per year.", ge=0,
        le=MAX_RATE,
    )
    income_multipliers: list[Multiplier] = param([0.5, 1.0, 3.0], "x", "Multipliers for low, middle, high income.",
                                                  min_length=len(INCOME_BANDS), max_length=len(INCOME_BANDS))
    rural_multiplier: float = param(0.5, "x", "Multiplier for rural people.", ge=0, le=MAX_MULTIPLIER)
    enforcement: ProbabilitySchedule = param(1.0, "probability",
                                             "Share of purchases by listed people checked and blocked.")


class HotelBan(TravelBan):
    enabled: bool = param(True, "-", "Whether the listed are barred from star-rated hotels.")
    start: dt.date = param(
        dt.date(2015, 7, 22), "date", "When the ban applies to everyone on the court blacklist.",
        "SPC, Several Provisions on Restricting High Consumption, Fa Shi [2015] No. 17, in force 22 Jul 2015: "
        "courts shall restrict the consumption of listed judgment defaulters; art. 3(2) bars stays at "
        "star-rated hotels")
    attempts_per_year: float = param(
        0.5, "stays/person/year", "Star-rated hotel check-ins per listed middle-income urban person per year.",
        "Assumption, plausible range 0.1-2 (no published figure)", ge=0, le=MAX_RATE)
    income_multipliers: list[Multiplier] = param(
        [0.3, 1.0, 4.0], "x", "Multipliers for low, middle, high income.", "Assumption: luxury stays rise steeply "
        "with income", min_length=len(INCOME_BANDS), max_length=len(INCOME_BANDS))
    enforcement: ProbabilitySchedule = param(
        0.3, "probability", "Share of check-ins by listed people refused (hotels check the list at registration).",
        "Assumption, plausible range 0.05-0.9: hotels register guests' IDs, but no published figure says how "
        "many check them against the list")


class Loans(Strict):
    applications_per_year: float = param(0.1, "applications/person/year", "Loan applications per person 15+.", ge=0,
                                         le=MAX_RATE)
    listed_premium: float = param(0.02, "interest rate", "Extra yearly interest charged to listed people.", ge=0, le=10,
                                  assumed=(0.0, 0.05))
    redlist_discount: float = param(
        0.005, "interest rate", "Yearly interest discount for the redlisted (Rongcheng's AAA grade brings "
        "preferential loans; the size of the discount is not published).", RONGCHENG, ge=0, le=10,
        assumed=(0.001, 0.01))
    principal: float = param(
        50_000.0, "money", "Mean principal of a personal loan, in the scenario's currency: the premium and the "
        "discount are counted in money as rate x principal for each loan priced.", ge=0, le=MAX_AMOUNT,
        assumed=(10_000, 200_000))


class Perks(Strict):
    """The redlist's everyday perks: deposits waived and priority at counters (Xiamen, Fuzhou, Hangzhou and Suzhou
    city scores: public bikes, libraries and rentals without a deposit, shorter queues at hospitals and government
    counters)."""

    uses_per_year: float = param(
        2.0, "uses/person/year", "Uses, per person 15+, of services that take a deposit or have a queue with a "
        "priority lane for the trusted.", assumed=(0.5, 10.0), ge=0, le=MAX_RATE)
    deposit_share: float = param(
        0.5, "fraction", "Share of those uses that take a deposit (the rest are queues).", assumed=(0.2, 0.8), ge=0,
        le=1)
    deposit: float = param(
        300.0, "money", "A deposit waived, in the scenario's currency (a public bike's is about 200 yuan, a library "
        "card's 100, a flat's a month's rent).", assumed=(100, 5_000), ge=0, le=MAX_AMOUNT)


class Mortgages(Strict):
    applications_per_year: float = param(0.01, "applications/person/year", "Mortgage applications per person 15+.",
                                         ge=0, le=MAX_RATE)
    deny_below_grade: Literal[FLOORED_GRADES] = param(
        "B", "-", "Applicants below this grade are denied, whatever offence (financial or not) lowered them."
    )
    deny_listed: bool = param(True, "-", "Listed applicants are denied.")


class Shaming(Strict):
    enabled: bool = param(True, "-", "Whether listed people's faces are shown on public billboards.")
    displays_per_year: float = param(2.0, "displays/person/year",
                                     "Billboard displays per listed urban person at full camera coverage.",
                                     ge=0, le=MAX_RATE)


MEMORANDUM_2016 = ("NDRC, Supreme People's Court et al. (44 bodies), memorandum on joint punishment of judgment "
                   "defaulters, FaGaiCaiJin [2016] No. 141, 20 Jan 2016 (55 measures in 8 categories; China Daily, "
                   "2016-01-28)")


class Measure(Strict):
    """A cross-agency restriction the listed meet when they apply for something it covers."""

    applications_per_year: float = param(
        0.0, "applications/person/year", "Applications per listed person per year (middle income).", ge=0,
        le=MAX_RATE)
    refusal_probability: float = param(0.0, "probability", "Chance an application is refused for the listing.",
                                       ge=0, le=1)
    income_multipliers: list[Multiplier] = param(
        [1.0, 1.0, 1.0], "x", "Multipliers of the applications for low, middle and high income.",
        min_length=len(INCOME_BANDS), max_length=len(INCOME_BANDS))


class Restrictions(Strict):
    jobs: Measure = param(
        Measure(applications_per_year=0.2, refusal_probability=0.5), "-",
        "Restricted posts, for listed adults 15-59: legal representative, director or senior manager, the civil "
        "service and state enterprises (category 4 of the 2016 memorandum). Applications and refusal assumed.",
        MEMORANDUM_2016)
    school_applications_per_year: float = param(0.1, "applications/child/year",
                                                "School applications per child under joint punishment.",
                                                ge=0, le=MAX_RATE)
    school_refusal_probability: float = param(0.3, "probability", "Chance such a child is refused.", ge=0, le=1)
    business: Measure = param(
        Measure(applications_per_year=0.05, refusal_probability=0.5, income_multipliers=[0.5, 1.0, 2.0]), "-",
        "Market entry and licences, for listed adults 15-59 while joint punishment is on: registering or running a "
        "firm, licences in regulated industries (food, drugs, mining), government procurement, bonds (categories 1 "
        "to 4 of the 2016 memorandum). Applications assumed (plausible 0.02 to 0.2 a year: 21.5 million new market "
        "entities were registered in 2018 among about 1.16 billion people 15+, SAMR), more by the better off; "
        "refusal assumed (plausible 0.2 to 1).", MEMORANDUM_2016)
    preferential: Measure = param(
        Measure(applications_per_year=0.2, refusal_probability=0.5, income_multipliers=[1.5, 1.0, 0.5]), "-",
        "Preferential policies, for listed people 15+ while joint punishment is on: government subsidies, "
        "support from social-security funds, honours (category 5 of the 2016 memorandum). Applications assumed "
        "(plausible 0.05 to 0.5 a year), more by the poor; refusal assumed (plausible 0.2 to 1).", MEMORANDUM_2016)


class Sanctions(Strict):
    bans_apply_to_grade_list: bool = param(True, "-", "Whether grade-listed people are also banned from travel.")
    flights: TravelBan = param(TravelBan(), "-", "Flight ban, enforced at ticket purchase.")
    trains: TravelBan = param(
        TravelBan(attempts_per_year=0.5, income_multipliers=[0.8, 1.0, 1.5], rural_multiplier=0.7),
        "-", "Ban on high-speed and first-class trains, enforced at ticket purchase.",
    )
    hotels: HotelBan = param(HotelBan(), "-", "Ban on star-rated hotels (high consumption), enforced at check-in.")
    loans: Loans = param(Loans(), "-", "Loan pricing by list status.")
    mortgages: Mortgages = param(Mortgages(), "-", "Mortgage denial by grade and list status.")
    perks: Perks = param(Perks(), "-", "Deposits waived and priority services for the redlisted.",
                         "Foreign Policy, 2018-04-03 ('Life Inside China's Social Credit Laboratory'); Nesta, 2018")
    shaming: Shaming = param(Shaming(), "-", "Public shaming on billboards.")
    restrictions: Restrictions = param(
        Restrictions(), "-", "Job, school, business and preferential-policy restrictions (joint punishment).")


class ExitRoute(Strict):
    rate_per_year: RateSchedule = param(
        0.0, "1/year", "Hazard of leaving the list by this route, per listed person.", lever=(0.0, 2.0))
    delay_days: int = param(0, "days", "Earliest time after listing this route can be taken.", ge=0, le=MAX_DAYS)



class Pressure(Strict):
    """What one kind of sanction a listed person experiences does to their hazard of paying."""

    hazard_ratio: float = param(1.0, "x", "Hazard ratio of fulfilment right after the sanction is felt.",
                                ge=0, le=MAX_MULTIPLIER)
    half_life_days: float = param(90.0, "days", "Half-life of that effect (the log hazard ratio halves).",
                                  gt=0, le=MAX_DAYS)


SMALL_NUMBERS = "Perez-Truglia & Troiano, J. Public Econ. 164 (2018); 'Angry Borrowers', SSRN 3415808"


class Fulfilment(Strict):
    """Paying the court's order, as a response: a baseline by income, times what the system does."""

    rate_per_year: float = param(
        0.1, "1/year", "Hazard of fulfilling the order per listed person able to pay, with no sanction felt "
        "(middle income).", ge=0, le=MAX_RATE, lever=(0.0, 2.0))
    income_multipliers: list[Multiplier] = param(
        [0.7, 1.0, 1.5], "x", "Multipliers of that hazard for low, middle and high income.",
        assumed=(0.5, 2.0), min_length=3, max_length=3)
    unable_share: list[Share] = param(
        [0.55, 0.35, 0.15], "fraction",
        "Share of listed debtors, by income band (low, middle, high), who cannot pay at all (they never "
        "fulfil; they leave by expiry, correction or community service). About 40% of enforcement cases "
        "had no property to execute in 2016.",
        "judicial statistics cited by Zhou Xingxing, 'Termination of this enforcement procedure', 2020",
        assumed=(0.2, 0.6), min_length=3, max_length=3)
    delay_days: int = param(7, "days", "Earliest time after listing this route can be taken.", ge=0, le=MAX_DAYS)
    blocked_purchase: Pressure = param(
        Pressure(hazard_ratio=1.5, half_life_days=60), "-",
        "A blocked flight, train or hotel purchase (the aviation interception system blocked 108,000 purchases "
        "by 12,389 people in its first month: people feel it, repeatedly). Hazard ratio assumed, plausible 1 to 3.",
        "Xinhua via China Youth Daily, 2014-08-11")
    shaming: Pressure = param(
        Pressure(hazard_ratio=1.5, half_life_days=90), "-",
        "A billboard display, for small debts only (larger debts unaffected). Shaming letters raised payment "
        "of small tax debts; public disclosure of defaulters can also backfire. Plausible 0.8 to 1.6.",
        SMALL_NUMBERS)
    credit_refused: Pressure = param(
        Pressure(hazard_ratio=1.3, half_life_days=180), "-",
        "A loan priced at the listed premium or a mortgage refused. Hazard ratio assumed, plausible 1 to 2.")
    job_refused: Pressure = param(
        Pressure(hazard_ratio=1.3, half_life_days=180), "-",
        "A restricted job refused. Hazard ratio assumed, plausible 1 to 2.")
    school_refused: Pressure = param(
        Pressure(hazard_ratio=2.0, half_life_days=365), "-",
        "A child of the household refused a school. Hazard ratio assumed, plausible 1 to 3.")
    business_refused: Pressure = param(
        Pressure(hazard_ratio=1.5, half_life_days=180), "-",
        "A firm's registration, a licence, a procurement bid or a bond refused. Hazard ratio assumed, plausible 1 "
        "to 2.5 (a livelihood at stake).")
    preferential_refused: Pressure = param(
        Pressure(hazard_ratio=1.2, half_life_days=180), "-",
        "A subsidy, social-security support or an honour refused. Hazard ratio assumed, plausible 1 to 1.5.")
    joint_punishment: float = param(
        1.3, "x", "Hazard ratio while the person's household is under joint punishment (they live with others "
        "and joint punishment is on).", assumed=(1.0, 2.0), ge=0, le=MAX_MULTIPLIER)


class Rehabilitation(Strict):
    fulfilment: Fulfilment = param(
        Fulfilment(), "-", "Fulfilling the court's order (paying), in response to sanctions.", lever=True)
    community_service: ExitRoute = param(
        ExitRoute(rate_per_year=0.02, delay_days=90), "-", "Community service that restores credit.", lever=True
    )
    community_service_points: int = param(50, "points", "Points restored by community service.", ge=0, le=MAX_POINTS)
    correction: ExitRoute = param(
        ExitRoute(rate_per_year=0.5, delay_days=30), "-",
        "Appeals that remove wrongful listings (applies only to those).", lever=True,
    )


class Response(Strict):
    baseline_certainty: float = param(
        0.1, "probability", "Perceived chance of being caught with no system (the reference for deterrence).",
        assumed=(0.05, 0.3), gt=0, le=1,
    )
    certainty_elasticity: float = param(
        -0.5, "-", "Elasticity of offending to the perceived certainty of being caught.", DETERRENCE, le=0, ge=-5
    )
    severity_elasticity: float = param(
        -0.13, "-", "Elasticity of offending to sanction severity.", DETERRENCE, le=0, ge=-5
    )
    chilling_elasticity: float = param(
        -0.15, "-",
        "Elasticity of lawful expression to its perceived risk; -0.15 gives about the 20% drop seen after "
        "surveillance revelations.",
        "Penney 2016; PEN America 2013", le=0, ge=-5,
    )
    secret_prior: float = param(
        0.5, "probability", "Under a secret rulebook, the believed chance that any given behaviour is penalised.",
        ge=0, le=1,
    )
    ambiguity_premium: float = param(
        0.2, "x",
        "Under a secret rulebook with rulebook.secrecy_effect = deters_more, the relative rise in the perceived risk "
        "of a behaviour whose status is unknown (ambiguity aversion; premia of this order are measured with "
        "ambiguous urns, Camerer & Weber 1992).",
        assumed=(0, 0.5), ge=0, le=MAX_MULTIPLIER,
        when={"rulebook.mode": "secret", "rulebook.secrecy_effect": "deters_more"},
    )
    perception: Literal[PERCEPTIONS] = param(
        "learned", "-",
        "How people come to perceive the chance of being detected: learned (from what they see of the system, "
        "moving from the no-system level towards the true probability; see the publicity_* fields) or known "
        "(everyone knows the true probability at once, an upper bound on awareness and the model before learning).",
    )
    extrapolation: Literal[EXTRAPOLATIONS] = param(
        "capped", "-",
        "How the certainty and severity elasticities are used beyond the changes they were measured on. capped: "
        "the ratio of perceived certainty (severity) to its no-system level stops at certainty_cap (severity_cap) "
        "and a larger ratio deters no more; constant_elasticity: the elasticity holds at any ratio. Lawful "
        "expression's chilling elasticity is fitted to an observed total drop and is never capped.",
    )
    certainty_cap: float = param(
        1.3, "x",
        "Largest ratio of perceived certainty to its no-system level the certainty elasticity is used at (under "
        "capped): police deployment in central London rose by over 30% after July 2005, the largest change among "
        "the studies behind the elasticity (plausible range 1.3-1.5).",
        "Draca, Machin & Witt, AER 101:2157 (2011); Klick & Tabarrok, J. Law Econ. 48:267 (2005); "
        "Chalfin & McCrary 2018", ge=1, le=MAX_MULTIPLIER,
    )
    severity_cap: float = param(
        2.0, "x",
        "Largest ratio of sanction severity to its no-system level the severity elasticity is used at (under "
        "capped): the sentence enhancements behind the elasticity (adult sentences at 18, three strikes) are of the "
        "order of a doubling.",
        "Lee & McCrary 2017; Helland & Tabarrok, J. Human Resources 42:309 (2007)", assumed=(1.5, 5), ge=1,
        le=MAX_MULTIPLIER,
    )
    learning: float = param(0.3, "probability", "Rise in a person's perceived certainty after being recorded.",
                            ge=0, le=1)
    household_learning: float = param(
        0.1, "probability",
        "Rise in the perceived certainty of each member aged 15+ of the household of someone who enters the court "
        "list (a step of the way towards certainty, like learning, fading with the same half-life). Beliefs "
        "respond to a sibling's arrests as to one's own (Lochner 2007), but a relative's listing is news at second "
        "hand.",
        "Lochner, AER 97:444 (2007)", assumed=(0.03, 0.3), ge=0, le=1,
    )
    habituation_half_life_days: float = param(180, "days", "Half-life of that rise (adaptation).", gt=0, le=MAX_DAYS)
    publicity_acquaintances: float = param(
        150, "people",
        "People whose court listing a person would hear of (the public court list is searchable and announced): "
        "the listed share of adults times this is how many listed acquaintances a person knows of. About the size "
        "of a personal network (Hill & Dunbar 2003). ",
        assumed=(20, 300), ge=0, le=MAX_POPULATION,
    )
    publicity_viewers_per_display: float = param(
        100, "people",
        "People who notice one billboard display of a listed person. ",
        assumed=(10, 1000), ge=0, le=MAX_POPULATION,
    )
    publicity_window_days: int = param(
        30, "days", "How long a billboard display seen stays in mind ('seen recently').", assumed=(7, 180),
        ge=1, le=MAX_DAYS,
    )
    publicity_half_life_days: float = param(
        365, "days",
        "Half-life of the gap between the population's perceived detection and the true one, were everyone to "
        "have seen the system at work (with a share q informed, the gap's half-life is this divided by q). "
        "Beliefs about the chance of arrest are only loosely tied to official rates and barely move with others' "
        "arrests (Lochner 2007): they are learned slowly. ",
        "Lochner, AER 97:444 (2007)", assumed=(90, 1825), gt=0, le=MAX_DAYS,
    )
    loyalty_response: float = param(0.3, "x", "Relative rise of loyalty signals once they earn points and perks.", ge=0,
                                    le=MAX_MULTIPLIER)
    app_adoption_per_year: float = param(0.2, "1/year", "Hazard of installing the official app per person 15+.", ge=0,
                                         le=MAX_RATE)


class Sector(Strict):
    """Firms of one sector that price and ration by what they can read of a person's record."""

    kind: Literal[SECTOR_KINDS] = param(
        ..., "-", "What the sector sells and sets by score: lending (interest, credit refused), insurance "
        "(premium), rentals (deposit), retail (price), employers (wage, hiring).",
    )
    access: Literal[ACCESS_LEVELS] = param(
        "direct", "-", "How firms read a person's record: direct (every time), broker (through a data broker that "
        "holds broker_coverage of people), none (never: everyone is offered the standard terms).", lever=True,
    )
    broker_coverage: float = param(
        0.5, "probability", "Under broker access, the chance the broker holds the customer's record (assumed).",
        ge=0, le=1, when={"access": "broker"},
    )
    reads: Literal["score", "list"] = param(
        "score", "-", "What firms read: score (grade and blacklist status) or list (blacklist status only).",
    )
    transactions_per_year: float = param(
        1.0, "transactions/person/year", "Applications or purchases per person 15+ (assumed).", ge=0, le=MAX_RATE,
    )
    premium_by_grade: dict[Literal[GRADES], Amount] = param(
        {}, "sector unit", "Premium over the standard terms by grade, in the kind's unit (lending: yearly interest "
        "rate; insurance: x the standard premium; rentals: months of rent as deposit; retail: x the list price; "
        "employers: x the posted wage); negative: a discount; grades left out pay none.",
    )
    listed_premium: float = param(0.0, "sector unit", "Premium added for a customer on a blacklist.",
                                  ge=-MAX_AMOUNT, le=MAX_AMOUNT)
    refuse_below_grade: Literal[FLOORED_GRADES] | None = param(
        None, "-", "Customers scoring below this grade's minimum are refused (no loan, policy, lease, sale or job).",
    )
    refuse_listed: bool = param(False, "-", "Customers on a blacklist are refused.")
    buys: list[Literal[RECORD_CLASSES]] | None = param(
        None, "-", "Record classes bought on the credit-information market about foreign customers (default by "
        "kind: lending and rentals financial and court, insurance traffic and court, retail financial, employers "
        "court and political).",
    )
    value_per_record: float = param(
        1.0, "US$/record", "What a firm of the sector values one record about a foreign customer at, on average: "
        "firms' values are spread exponentially about it, so a share exp(-price / value) of them buy a record at a "
        "price (0: none buys).", assumed=(0.2, 5.0), ge=0, le=MAX_AMOUNT,
    )

    @model_validator(mode="after")
    def _terms_that_apply(self):
        if self.refuse_listed and self.listed_premium:
            raise ValueError("listed_premium: the listed are refused (refuse_listed = true), so no premium reaches "
                             "them; set it to 0 or refuse_listed = false")
        if self.reads == "list" and self.premium_by_grade:
            raise ValueError("premium_by_grade: firms that read the list only (reads = \"list\") see no grade; "
                             "leave it out or read the score")
        if self.refuse_below_grade is not None:
            below = GRADES[GRADES.index(self.refuse_below_grade) + 1:]
            refused = [g for g in self.premium_by_grade if g in below]
            if refused:
                raise ValueError(f"premium_by_grade.{refused[0]}: grades below {self.refuse_below_grade} are refused "
                                 "(refuse_below_grade), so no premium reaches them; leave it out")
        return self

    @property
    def classes(self) -> tuple[str, ...]:
        """Record classes this sector buys about foreign customers."""
        return tuple(self.buys) if self.buys is not None else SECTOR_BUYS[self.kind]


class Firms(Strict):
    """Firms that set prices, deposits, credit and hiring by a person's score or list status."""

    enabled: bool = param(False, "-", "Whether firms price and ration by score (off: no firm reads one).")
    start: dt.date | None = param(None, "date", "When firms start reading records (default: the scenario start).")
    sectors: dict[str, Sector] = param({}, "-", "The sectors, by name.", lever=True)

    @model_validator(mode="after")
    def _some_sector(self):
        if self.enabled and not self.sectors:
            raise ValueError("firms are enabled but no sector is defined (add a [firms.sectors.<name>] table)")
        return self


DUNBAR = "Zhou, Sornette, Hill & Dunbar, Proc. R. Soc. B 272:439 (2005): a 'sympathy group' of 12-15"


class Network(Strict):
    """The social network, computed on demand (``mechanisms/network.py``), and what travels along it."""

    neighbours: int = param(4, "contacts", "Contacts among the people living nearby (blocks of about 25 households).",
                            DUNBAR, ge=0, le=63, assumed=(2, 10))
    acquaintances: int = param(8, "contacts", "Contacts further away within the same stratum (work, school, "
                               "market).", DUNBAR, ge=0, le=192, assumed=(0, 30))
    informant_share: float = param(
        0.01, "fraction", "Share of people who inform on their contacts: the informants channel records only people "
        "with an informant among their contacts.",
        "grid management: a grid worker for every few hundred households, plus volunteer informants",
        ge=0, le=1, assumed=(0.002, 0.05), lever=(0.0, 0.1))
    contact_learning: float = param(
        0.05, "probability", "Rise in perceived certainty of each contact of a person put on the court list (a step "
        "of the way to certainty, as household_learning is for the household).", ge=0, le=1, assumed=(0.0, 0.3))
    stigma: float = param(
        0.2, "probability", "Chance that a contact turns away from a person put on the court list (counted, "
        "shunned_total).", ge=0, le=1, assumed=(0.0, 0.6))


class Sections(Strict):
    """The sections that describe one country's people and system (COUNTRY_SECTIONS)."""

    population: Population = param(Population(), "-", "The synthetic population.")
    behaviours: Behaviours = param(Behaviours(), "-", "What people do.")
    channels: Channels = param(Channels(), "-", "How the system watches.", lever=True)
    rulebook: Rulebook = param(Rulebook(), "-", "Scoring rules.", lever=True)
    lists: Lists = param(Lists(), "-", "Black- and redlists.")
    sanctions: Sanctions = param(Sanctions(), "-", "Sanctions and perks.")
    rehabilitation: Rehabilitation = param(Rehabilitation(), "-", "Ways off the list.", lever=True)
    response: Response = param(Response(), "-", "How people respond.")
    firms: Firms = param(Firms(), "-", "Firms that price and ration by score.", lever=True)
    network: Network = param(Network(), "-", "The social network: informants, learning and stigma among contacts.",
                             lever=True)
    pilots: list[Pilot] = param(
        [], "-", "Local pilots: cities with points systems of their own, beside the national lists.",
        max_length=MAX_PILOTS)

    @model_validator(mode="after")
    def _backlog_fits(self):
        adults = int(self.population.size * (1 - self.population.age_shares[0]))
        if self.lists.court.initial_backlog > adults:
            raise ValueError(f"lists.court.initial_backlog: {self.lists.court.initial_backlog:,} people listed at "
                             f"launch, more than the {adults:,} people aged 15+")
        return self


class Foreigners(Strict):
    """How a country treats the foreigners present in it."""

    listing_points: int = param(
        100, "points", "Points a foreigner must lose under this country's rulebook to be put on its list of "
        "untrustworthy foreigners (e.g. an entry ban); assumed.", ge=1, le=MAX_POINTS,
    )
    listing_days: int = param(365, "days", "Time a foreigner stays on that list (assumed).", ge=1, le=MAX_DAYS)
    false_match: float = param(
        1.0, "x", "Multiplier on false records about foreigners, relative to residents; face recognition errs more "
        "on people unlike those its algorithm was trained on.", NIST, ge=0, le=MAX_MULTIPLIER,
    )
    partner_enforcement: ProbabilitySchedule = param(
        0.0, "probability",
        "Chance that this country's channels, having seen a foreigner's political act against a partner "
        "government (one its agreements send political records to), record it and pass it on.",
    )
    cooperation: ProbabilitySchedule = param(
        0.0, "probability",
        "Chance that this country acts on a partner's request about a national of the partner on its list for acts "
        "abroad (lists.abroad): deporting them if present, refusing them entry if they come. Requests travel "
        "through the arrangements that carry political records between the two countries.",
        assumed=(0.0, 1.0))


class Country(Sections):
    """One country of a many-country scenario; any section it leaves out is the scenario's top-level one."""

    adoption: Literal[ADOPTION_LEVELS] = param(
        "full", "-",
        "Level of adoption: full (China's system), pilot (the system over pilot_share of people), other_vendor "
        "(surveillance without a score, e.g. Russia's system in Kyrgyzstan), none (no system).",
    )
    adoption_start: dt.date | None = param(None, "date",
                                           "When scoring and listing start (default: the sections' own dates).")
    vendor: str = param("", "-", "Who supplies the system (documentation only).")
    pilot_share: float = param(
        0.1, "fraction", "Under a pilot: share of people's events within the system's reach (channels' coverage "
        "and app adoption are scaled by it).", ge=0, le=1,
    )
    foreigners: Foreigners = param(Foreigners(), "-", "How this country treats foreigners present in it.")


class Flow(Strict):
    """People of one country who travel to or live in another."""

    home: str = param(..., "-", "Country the travellers are nationals of.", min_length=1)
    host: str = param(..., "-", "Country they visit or live in.", min_length=1)
    kind: Literal[TRAVELLER_KINDS] = param("tourist", "-", "Kind of traveller: " + ", ".join(TRAVELLER_KINDS) + ".")
    trips_per_year: FlowSchedule = param(0.0, "trips/year", "Trips starting per year (people, not agents).")
    residents: float = param(
        0.0, "people", "People of this kind already in the host on the first day (at most the home population).",
        ge=0, le=MAX_POPULATION,
    )
    stay_days: float | None = param(
        None, "days", "Mean length of a stay (exponential); default by kind: tourist 7, business 5, migrant worker "
        "240, student 300 (assumed); a diaspora stays for good.", gt=0, le=MAX_DAYS,
    )
    groups: list[str] | None = param(
        None, "-", "Groups of the home population the flow's people come from (default: every group), each in "
        "proportion to its people.")

    @property
    def mean_stay(self) -> float | None:
        """Mean stay in days, or None for a permanent one."""
        if self.stay_days is not None:
            return self.stay_days
        return STAY_DAYS.get(self.kind)


class _Window(Strict):
    """Something that operates from a first to a last day."""

    start: dt.date | None = param(None, "date", "First day it operates (default: the scenario start).")
    end: dt.date | None = param(None, "date", "Last day it operates (default: the scenario end).")

    @model_validator(mode="after")
    def _dates(self):
        if self.start and self.end and self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class _Sharing(_Window):
    """What a sharing arrangement carries, how fast and how well, and when."""

    enabled: bool = param(True, "-", "Whether the arrangement operates at all.", lever=True)
    classes: list[Literal[RECORD_CLASSES]] = param(
        ..., "-", "Record classes that flow: " + ", ".join(RECORD_CLASSES) + ".", min_length=1
    )
    delay_days: int = param(30, "days", "Days from a record's making abroad to its arrival.", ge=0,
                            le=10 * DAYS_PER_YEAR)
    loss: float = param(0.0, "probability", "Chance a record is lost on the way (mismatched identities, gaps).",
                        ge=0, le=1)


class Agreement(_Sharing):
    """A data-sharing agreement: records about one country's nationals made in another are sent to it."""

    from_country: str = param(..., "-", "Country whose channels make the records (the host).", min_length=1)
    to_country: str = param(..., "-", "Country that receives records about its own nationals.", min_length=1)
    both_ways: bool = param(False, "-", "Whether records also flow the other way.")


class Alliance(_Sharing):
    """A pooled platform: every member reads the records any member makes about foreigners."""

    members: list[str] = param(..., "-", "Member countries.", min_length=2)
    joins: dict[str, dt.date] = param({}, "date", "Joining date of members who joined after the start.")


class MarketTerms(_Window):
    """A market where institutions of one country buy records about people from another's, per record."""

    enabled: bool = param(False, "-", "Whether the credit-information market operates.", lever=True)
    members: list[str] = param([], "-", "Countries whose institutions buy and sell (empty: every country).")
    arrangements: list[str] = param(
        [], "-", "Agreements and alliances that supply the market (empty: all): two members trade a class of record "
        "while one of them links the two countries for that class.",
    )
    price_per_record: dict[Literal[RECORD_CLASSES], Annotated[float, Field(ge=0, le=MAX_AMOUNT)]] = param(
        {"financial": 0.5, "court": 0.5, "traffic": 0.2}, "US$/record",
        "Price of one record by class (assumed; Credit Asia traded for a token); classes left out are not sold.",
    )


class Feedback(Strict):
    """A partner's trade or loan terms tied to a country's trust index, pushing it to enforce harder."""

    partner: str = param(..., "-", "Country whose terms depend on the others' trust index.", min_length=1)
    countries: list[str] = param([], "-", "Countries under that pressure (default: every other country).")
    target: float = param(1.0, "index", "Trust index the partner asks for.", ge=0, le=MAX_AMOUNT)
    strength: float = param(
        0.0, "x per index point", "Rise of the enforcement multiplier per point of the index below the target.", ge=0,
        le=MAX_AMOUNT,
    )
    max_multiplier: float = param(2.0, "x", "Largest enforcement multiplier the pressure can reach.", ge=1,
                                  le=MAX_MULTIPLIER)
    start: dt.date | None = param(None, "date", "When the terms start (default: the scenario start).")


class Trust(Strict):
    """The country trust index: individual scores rolled up into one number per country."""

    rule: Literal[TRUST_RULES] = param(
        "mean_score", "-",
        "mean_score: mean score of people 15+ over the starting score; share_listed: 1 minus the share of people "
        "15+ listed; share_redlisted: the share redlisted; cooperation: the share of partners' requests about "
        "their listed nationals that the country granted since the start (deportations, refused entries; 1 with "
        "no request); weighted: the weights' mix of the four. Each part lies between 0 and 1.",
    )
    weights: dict[str, Annotated[float, Field(ge=0, le=MAX_AMOUNT)]] = param(
        {"mean_score": 1.0, "share_listed": 1.0, "share_redlisted": 0.0, "cooperation": 0.0}, "-",
        "Weights of the weighted rule.", when={"rule": "weighted"},
    )
    interval_days: int = param(30, "days", "Days between evaluations of the index (and of the pressure).", ge=1,
                               le=MAX_DAYS)
    feedback: dict[str, Feedback] = param({}, "-", "Trade or loan terms tied to the index.")

    @field_validator("weights")
    @classmethod
    def _weights(cls, weights):
        for name in weights:
            if name not in TRUST_PARTS:
                raise ValueError(f"unknown part {name!r} (known: {', '.join(TRUST_PARTS)})")
        if sum(weights.values()) <= 0:
            raise ValueError("at least one weight must be positive")
        return weights


def merged(base, override):
    """``override`` laid over ``base``, tables merged key by key."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = merged(base.get(key), value) if key in base else value
        return out
    return override


class _Heading(Strict):
    """What a scenario is and when it runs (the fields that come before its sections)."""

    name: str = param("custom", "-", "Scenario name.", min_length=1)
    description: str = param("", "-", "One line describing the scenario.")
    start_date: dt.date = param(dt.date(2013, 10, 24), "date", "First simulated day.")
    end_date: dt.date = param(dt.date(2018, 12, 31), "date", "Last simulated day.")
    system: bool = param(True, "-", "Whether the social credit system exists at all (false: the no-system baseline).")
    default_agents: int = param(1_000_000, "agents", "Agents simulated when the run does not say.", gt=0,
                                lt=AGENT_LIMIT)
    targets: str | None = param(
        None, "-",
        "Packaged published figures the summary compares the run with (e.g. 'china-debtor-list-calibration').",
    )


class Sampling(Strict):
    """How agents are spread over countries and groups: small ones get more agents than their share of people,
    each agent then standing for fewer people (a survey's weights, per country and group)."""

    min_agents_per_country: int = param(
        20_000, "agents", "Fewest agents a country gets, so that its figures rest on more than a handful of agents; "
        "capped at half the run's agents shared equally between the countries, and at the country's population. "
        "A country given more than its share of agents weighs each one less (world totals stay in people).",
        ge=0, lt=AGENT_LIMIT)
    min_agents_per_group: int = param(
        20_000, "agents", "Fewest agents a group of the population gets (in each country), so that its figures "
        "rest on more than a handful of agents; capped at half the country's agents shared equally between its "
        "groups, and at the group's population. A group given more than its share of agents weighs each one less.",
        ge=0, lt=AGENT_LIMIT)


class Scenario(Sections, _Heading):
    """A whole scenario: heading, the sections of one country, and (optionally) many countries."""

    countries: dict[str, Country] = param(
        {}, "-", "Countries of a many-country scenario (empty: one country, the sections above); each country "
        "inherits the sections above and overrides what it sets.",
    )
    travel: dict[str, Flow] = param({}, "-", "People crossing borders, flow by flow.")
    agreements: dict[str, Agreement] = param({}, "-", "Bilateral data-sharing agreements.", lever=True)
    alliances: dict[str, Alliance] = param({}, "-", "Pooled data-sharing platforms.", lever=True)
    trust: Trust = param(Trust(), "-", "The country trust index and the pressure tied to it.")
    market: MarketTerms = param(MarketTerms(), "-", "The market for credit information between countries.", lever=True)
    sampling: Sampling = param(Sampling(), "-", "Agents per country and per group.")

    @model_validator(mode="before")
    @classmethod
    def _inherit_sections(cls, data):
        """Each country starts from the top-level sections and overrides what it sets."""
        if not isinstance(data, dict) or not isinstance(data.get("countries"), dict):
            return data
        countries = {}
        for name, country in data["countries"].items():
            if isinstance(country, dict):
                country = dict(country)
                for section in COUNTRY_SECTIONS:
                    if section in data or section in country:
                        country[section] = merged(data.get(section, {}), country.get(section, {}))
            countries[name] = country
        return {**data, "countries": countries}

    @model_validator(mode="after")
    def _consistent(self):
        if self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        if (self.end_date - self.start_date).days >= MAX_DAYS:
            raise ValueError(f"the simulated period must be shorter than {MAX_DAYS:,} days")
        _check_sections(self)
        if self.targets is not None and self.targets not in target_names():
            raise ValueError(f"targets: unknown target file {self.targets!r} (known: {', '.join(target_names())})")
        _check_international(self)
        return self

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


def _check_sections(sections: Sections) -> None:
    """Raise ValueError, naming the field, for what one country's sections get wrong together."""
    names = {g.name for g in sections.population.groups}
    for channel_name in CHANNELS:
        channel = getattr(sections.channels, channel_name)
        for field in ("group_true_match", "group_false_match", "group_coverage"):
            for group in getattr(channel, field):
                if group not in names:
                    raise ValueError(f"channels.{channel_name}.{field}: unknown group {group!r:.60} "
                                     f"(groups: {listing(sorted(names))})")
    pilot_names = [p.name for p in sections.pilots]
    if len(set(pilot_names)) < len(pilot_names):
        raise ValueError(f"pilots: names must differ ({listing(pilot_names)})")
    if NATIONAL in pilot_names:
        raise ValueError(f"pilots: {NATIONAL!r} names the national rulebook; give the pilot another name")
    if sum(p.urban_share for p in sections.pilots) > 1 + 1e-9:
        raise ValueError("pilots: their urban_share values add up to more than 1 (the whole urban population)")
    lo, hi = sections.lists.court.extension_days
    if not 0 <= lo <= hi:
        raise ValueError("lists.court.extension_days must be [low, high] with 0 <= low <= high")


def _check_international(scenario: Scenario) -> None:
    """Raise ValueError, naming the field, for travel, agreements, alliances or pressure that do not fit."""
    known = list(scenario.countries)
    if known and scenario.pilots:
        raise ValueError("pilots: a many-country scenario sets them per country (countries.NAME.pilots)")
    if not known:
        for field in ("travel", "agreements", "alliances"):
            if getattr(scenario, field):
                raise ValueError(f"{field}: needs countries (this scenario has none)")
        if scenario.trust.feedback:
            raise ValueError("trust.feedback: needs countries (this scenario has none)")
        if scenario.market.enabled:
            raise ValueError("market: needs countries to trade between (this scenario has none)")
        return

    def country(path: str, name: str) -> None:
        if name not in scenario.countries:
            raise ValueError(f"{path}: unknown country {name!r:.60} (countries: {listing(known)})")

    for name in known:
        try:
            _check_sections(scenario.countries[name])
        except ValueError as error:
            raise ValueError(f"countries.{name}: {error}") from None
    for name, flow in scenario.travel.items():
        country(f"travel.{name}.home", flow.home)
        country(f"travel.{name}.host", flow.host)
        if flow.home == flow.host:
            raise ValueError(f"travel.{name}: home and host are the same country ({flow.home!r})")
        home = scenario.countries[flow.home].population
        names = [g.name for g in home.groups]
        for group in flow.groups or ():
            if group not in names:
                raise ValueError(f"travel.{name}.groups: {flow.home} has no group {group!r:.60} (its groups: "
                                 f"{listing(names)})")
        home_size = round(home.size * sum(g.share for g in home.groups
                                           if flow.groups is None or g.name in flow.groups))
        if flow.residents > home_size:
            of = f"{flow.home}" if flow.groups is None else f"{flow.home}'s groups {listing(flow.groups)}"
            raise ValueError(f"travel.{name}.residents: {flow.residents:,.0f} people abroad, more than the "
                             f"{home_size:,} people of {of}")
    for name, agreement in scenario.agreements.items():
        country(f"agreements.{name}.from_country", agreement.from_country)
        country(f"agreements.{name}.to_country", agreement.to_country)
        if agreement.from_country == agreement.to_country:
            raise ValueError(f"agreements.{name}: from_country and to_country are the same "
                             f"({agreement.from_country!r})")
    _check_overlaps(scenario)
    for name, alliance in scenario.alliances.items():
        for member in alliance.members:
            country(f"alliances.{name}.members", member)
        if len(set(alliance.members)) != len(alliance.members):
            raise ValueError(f"alliances.{name}.members: a country is listed twice")
        for member in alliance.joins:
            if member not in alliance.members:
                raise ValueError(f"alliances.{name}.joins: {member!r} is not a member")
    _check_market(scenario, country)
    for name, feedback in scenario.trust.feedback.items():
        country(f"trust.feedback.{name}.partner", feedback.partner)
        for other in feedback.countries:
            country(f"trust.feedback.{name}.countries", other)
            if other == feedback.partner:
                raise ValueError(f"trust.feedback.{name}.countries: includes the partner {other!r} itself")


def _check_overlaps(scenario: Scenario) -> None:
    """Two agreements may not carry the same class between the same two countries on the same day."""
    seen: dict[tuple[str, str, str], list[tuple[dt.date, dt.date, str]]] = {}
    for name, agreement in scenario.agreements.items():
        if not agreement.enabled:
            continue
        start = agreement.start or scenario.start_date
        end = agreement.end or scenario.end_date
        pairs = [(agreement.from_country, agreement.to_country)]
        if agreement.both_ways:
            pairs.append((agreement.to_country, agreement.from_country))
        for sender, receiver in pairs:
            for record_class in agreement.classes:
                for other_start, other_end, other in seen.get((sender, receiver, record_class), []):
                    if start <= other_end and other_start <= end:
                        raise ValueError(
                            f"agreements.{name}: overlapping dates with agreements.{other} for {record_class} "
                            f"records from {sender} to {receiver} ({max(start, other_start)} to {min(end, other_end)})"
                        )
                seen.setdefault((sender, receiver, record_class), []).append((start, end, name))


def _check_market(scenario: Scenario, country) -> None:
    """Market members must be countries, and its arrangements the scenario's."""
    market = scenario.market
    for member in market.members:
        country("market.members", member)
    if len(set(market.members)) != len(market.members):
        raise ValueError("market.members: a country is listed twice")
    if market.enabled and len(market.members or scenario.countries) < 2:
        raise ValueError("market.members: a market needs at least two countries")
    known = list(scenario.agreements) + list(scenario.alliances)
    for name in market.arrangements:
        if name not in known:
            raise ValueError(f"market.arrangements: unknown arrangement {name!r:.60} "
                             f"(agreements and alliances: {listing(known) or 'none'})")
