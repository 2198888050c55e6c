"""The mechanisms of the system, one module each, and the phases of a day that run them.

``PHASES`` is the day, in order (``Sim.plan()`` prints it). See ``docs/architecture.md``
for the shape of a mechanism and how to add one.
"""

from .. import numba_setup  # noqa: F401  (the kernel cache and thread policy, before any kernel loads)
from .base import PARALLEL, SERIAL, Phase
from .behaviour import Adoption, BehaviourEvents
from .compliance import Fulfilment
from .detection import Detection
from .firms import FirmDealings
from .hotels import HotelStays
from .misconduct import FlightMisconduct, TrainMisconduct
from .rehabilitation import CommunityService, Correction, DueEvents
from .sanctions import (
    BusinessRefusals,
    FlightBan,
    JobRefusals,
    LoanPricing,
    MortgageDecisions,
    PreferentialRefusals,
    PublicShaming,
    RedlistPerks,
    SchoolRefusals,
    TrainBan,
)
from .scoring import CourtBacklog, ScoringRules
from . import borders, market, trust  # noqa: F401, E402  (many countries: they declare the world's outputs)

PHASES = (
    Phase("events", PARALLEL, (BehaviourEvents, Adoption, Detection, ScoringRules),
          "behaviour, app adoption, false records and the first, local step of scoring, piece by piece"),
    Phase("lists", SERIAL, (CourtBacklog, ScoringRules),
          "the court's backlog at launch, list changes and court listings, records from abroad"),
    Phase("credit", PARALLEL, (LoanPricing, MortgageDecisions), "applications for credit by anyone aged 15+"),
    Phase("firms", SERIAL, (FirmDealings,), "firms' dealings with the people at home"),
    Phase("sanctions", SERIAL, (FlightBan, TrainBan, PublicShaming, JobRefusals, SchoolRefusals, BusinessRefusals,
                                PreferentialRefusals, HotelStays, FlightMisconduct, TrainMisconduct, RedlistPerks),
          "what the lists set off for the listed and their households, the misconduct lists of May 2018 and the "
          "redlist's perks"),
    Phase("rehabilitation", SERIAL, (DueEvents, Fulfilment, CommunityService, Correction),
          "ways off the lists"),
)
"""The phases of a day, in order; a phase's mechanisms run in the order given."""
