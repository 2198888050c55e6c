"""Many-country scenarios: each country's own scenario (the checks that tie countries together are the schema's).

A country inherits the scenario's top-level sections and overrides what it sets
(see ``Scenario._inherit_sections``), and has its own local pilots (``pilots``,
starting no earlier than its adoption); its level of adoption then switches parts
of its system on or off:

- ``full``: the system as its sections describe it;
- ``pilot``: the same, but only ``pilot_share`` of people's events fall within
  the channels' reach (coverage and app adoption scaled by it, and the court
  backlog at launch too);
- ``other_vendor``: surveillance without a score (Russia's system in
  Kyrgyzstan): the channels record, but nobody is scored or listed and there is
  no official app, public shaming or city scores; what the records do, they do through the
  agreements that send them abroad;
- ``none``: no system at all.
"""

from __future__ import annotations

import datetime as dt

from .schema import COUNTRY_SECTIONS, Scenario


def _scaled(schedule, factor: float):
    if isinstance(schedule, list):
        return [(date, value * factor) for date, value in schedule]
    return schedule * factor


def _later(date: dt.date | None, floor: dt.date) -> dt.date:
    return max(date, floor) if date is not None else floor


def country_scenario(scenario: Scenario, name: str) -> Scenario:
    """The one-country scenario that one country of a many-country scenario runs."""
    country = scenario.countries[name]
    sections = {section: getattr(country, section).model_copy(deep=True) for section in COUNTRY_SECTIONS}
    sections["pilots"] = [pilot.model_copy(deep=True) for pilot in country.pilots]
    rulebook, lists, channels = sections["rulebook"], sections["lists"], sections["channels"]
    if country.adoption_start is not None:
        rulebook.start = _later(rulebook.start, country.adoption_start)
        for pilot in sections["pilots"]:
            pilot.start = _later(pilot.start, country.adoption_start)
        lists.court.launch = _later(lists.court.launch, country.adoption_start)
        lists.joint_punishment.start = _later(lists.joint_punishment.start, country.adoption_start)
    if country.adoption == "pilot":
        share = country.pilot_share
        for channel_name in type(channels).model_fields:
            channel = getattr(channels, channel_name)
            channel.coverage_urban = _scaled(channel.coverage_urban, share)
            channel.coverage_rural = _scaled(channel.coverage_rural, share)
        sections["response"].app_adoption_per_year *= share
        lists.court.initial_backlog = int(round(lists.court.initial_backlog * share))
    elif country.adoption == "other_vendor":
        rulebook.enabled = False
        lists.court.enabled = False
        lists.grade.enabled = False
        lists.redlist.enabled = False
        channels.app.enabled = False
        sections["sanctions"].shaming.enabled = False
        sections["response"].app_adoption_per_year = 0.0
        sections["pilots"] = []  # no score: no city scores either
    return Scenario(
        name=f"{scenario.name}:{name}",
        description=f"{name} in {scenario.name}",
        start_date=scenario.start_date,
        end_date=scenario.end_date,
        system=scenario.system and country.adoption != "none",
        default_agents=scenario.default_agents,
        sampling=scenario.sampling,
        **sections,
    )
