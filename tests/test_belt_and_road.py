"""The belt-and-road scenario: its countries, and the arrangements between them switched on at their dates
(read from the scenario through the routing that a run uses, ``borders.Sharing``)."""

from __future__ import annotations

import datetime as dt

from scslab.mechanisms.borders import RECORD_CLASSES, Sharing
from scslab.scenario.loading import load
from scslab.scenario.international import country_scenario

FINANCIAL, POLITICAL = RECORD_CLASSES.index("financial"), RECORD_CLASSES.index("political")


def test_sixteen_countries_only_china_scores():
    scenario = load("belt-and-road")
    assert len(scenario.countries) == 16
    assert set(load("central-asia-2020").countries) < set(scenario.countries)
    scoring = [name for name in scenario.countries if country_scenario(scenario, name).rulebook.enabled
               and scenario.countries[name].adoption in ("full", "pilot")]
    assert scoring == ["kazakhstan", "mongolia", "china"]  # the 2020 feasibility runs beside China


def test_the_arrangements_join_their_members_from_their_dates():
    scenario = load("belt-and-road")
    names = list(scenario.countries)
    sharing = Sharing(scenario, names)
    at = {name: i for i, name in enumerate(names)}

    def day(date):
        return (date - scenario.start_date).days

    def linked(date, a, b, record_class):
        return sharing.links(day(date), at[a], at[b], record_class)

    assert not linked(dt.date(2018, 12, 31), "kazakhstan", "india", FINANCIAL)
    assert linked(dt.date(2019, 1, 1), "kazakhstan", "india", FINANCIAL)
    assert linked(dt.date(2019, 1, 1), "kazakhstan", "turkey", FINANCIAL)
    assert not linked(dt.date(2019, 1, 1), "kazakhstan", "turkey", POLITICAL)  # Credit Asia carries no political
    assert not linked(dt.date(2018, 9, 30), "china", "thailand", FINANCIAL)
    assert linked(dt.date(2018, 10, 1), "china", "thailand", FINANCIAL)
    assert not linked(dt.date(2017, 6, 8), "china", "india", POLITICAL)
    assert linked(dt.date(2017, 6, 9), "china", "india", POLITICAL)
    assert linked(dt.date(2014, 1, 1), "china", "russia", POLITICAL)
    assert not linked(dt.date(2022, 12, 31), "china", "iran", POLITICAL)  # joins in 2023, after the run
    assert not linked(dt.date(2022, 12, 31), "china", "turkey", POLITICAL)
