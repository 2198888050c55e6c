"""Many-country scenarios: each country's own scenario, and the checks that tie countries together.

A country inherits the scenario's top-level sections and overrides what it sets
(see ``Scenario._inherit_sections``); its level of adoption then switches parts
of its system on or off:

- ``full``: the system as its sections describe it;
- ``pilot``: the same, but only ``pilot_share`` of people's events fall within
  the channels' reach (coverage and app adoption scaled by it, and the court
  backlog at launch too);
- ``other_vendor``: surveillance without a score (Russia's system in
  Kyrgyzstan): the channels record, but nobody is scored or listed and there is
  no official app or public shaming; what the records do, they do through the
  agreements that send them abroad;
- ``none``: no system at all.
"""

from __future__ import annotations

import datetime as dt

from pydantic import ValidationError

from .schema import COUNTRY_SECTIONS, Scenario, listing


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
    rulebook, lists, channels = sections["rulebook"], sections["lists"], sections["channels"]
    if country.adoption_start is not None:
        rulebook.start = _later(rulebook.start, country.adoption_start)
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
    return Scenario(
        name=f"{scenario.name}:{name}",
        description=f"{name} in {scenario.name}",
        start_date=scenario.start_date,
        end_date=scenario.end_date,
        system=scenario.system and country.adoption != "none",
        default_agents=scenario.default_agents,
        **sections,
    )


def check_international(scenario: Scenario) -> None:
    """Raise ValueError, naming the field, for travel, agreements, alliances or pressure that do not fit."""
    known = list(scenario.countries)
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
            country_scenario(scenario, name)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            detail = first["msg"].removeprefix("Value error, ")
            raise ValueError(f"countries.{name}: {field + ': ' if field else ''}{detail}") from None
    for name, flow in scenario.travel.items():
        country(f"travel.{name}.home", flow.home)
        country(f"travel.{name}.host", flow.host)
        if flow.home == flow.host:
            raise ValueError(f"travel.{name}: home and host are the same country ({flow.home!r})")
        home_size = scenario.countries[flow.home].population.size
        if flow.residents > home_size:
            raise ValueError(f"travel.{name}.residents: {flow.residents:,.0f} people abroad, more than the "
                             f"{home_size:,} people of {flow.home}")
    for name, agreement in scenario.agreements.items():
        country(f"agreements.{name}.from_country", agreement.from_country)
        country(f"agreements.{name}.to_country", agreement.to_country)
        if agreement.from_country == agreement.to_country:
            raise ValueError(f"agreements.{name}: from_country and to_country are the same ({agreement.from_country!r})")
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
