"""Shared helpers: scenarios that isolate one mechanism so it can be checked against theory."""

from __future__ import annotations

import pytest

from scslab.mechanisms.compliance import PRESSURES
from scslab.scenario.loading import ScenarioError, validate
from scslab.scenario.schema import BEHAVIOURS, CHANNELS, Scenario, merged


def quiet_world(**update) -> Scenario:
    """A scenario where nothing happens unless ``update`` switches it on.

    No behaviour occurs, no channel errs, nobody leaves a list, nobody responds,
    propensities are equal, and everyone's income/region multipliers are 1.
    """
    base = {
        "name": "quiet",
        "start_date": "2020-01-01",
        "end_date": "2020-12-31",
        "population": {"size": 1_000_000, "offending_dispersion": 0.0, "expression_dispersion": 0.0},
        "sampling": {"min_agents_per_group": 0},  # every agent stands for as many people: tests count agents
        "behaviours": {b: {"rate_per_year": 0.0} for b in BEHAVIOURS},
        "channels": {c: {"false_records_per_person_year": 0.0} for c in CHANNELS},
        "lists": {"court": {"extension_probability": 0.0, "inclusion_period_days": 10_000},
                  "joint_punishment": {"enabled": False}, "redlist": {"enabled": False}},
        "rehabilitation": {
            "fulfilment": {"rate_per_year": 0.0, "income_multipliers": [1, 1, 1], "unable_share": [0, 0, 0],
                           "joint_punishment": 1.0,
                           **{p: {"hazard_ratio": 1.0} for p in PRESSURES.values()}},
            "community_service": {"rate_per_year": 0.0},
            "correction": {"rate_per_year": 0.0},
        },
        "response": {"certainty_elasticity": 0.0, "severity_elasticity": 0.0, "chilling_elasticity": 0.0,
                     "learning": 0.0, "household_learning": 0.0, "loyalty_response": 0.0,
                     "app_adoption_per_year": 0.0,
                     # when a test switches an elasticity on, it sees the true detection at once and uses the
                     # elasticity at any ratio (the analytic expectations); tests/test_deterrence.py checks both
                     "perception": "known", "extrapolation": "constant_elasticity"},
        "network": {"contact_learning": 0.0, "stigma": 0.0},
        "sanctions": {
            "flights": {"attempts_per_year": 0.0, "income_multipliers": [1, 1, 1], "rural_multiplier": 1.0},
            "trains": {"attempts_per_year": 0.0, "income_multipliers": [1, 1, 1], "rural_multiplier": 1.0},
            "shaming": {"enabled": False},
        },
    }
    return Scenario.model_validate(merged(base, update))


@pytest.fixture
def quiet():
    return quiet_world


def assert_one_line_error(data: dict, source: str, message: str) -> None:
    """Validating ``data`` fails with one line that names ``source`` and contains ``message``."""
    with pytest.raises(ScenarioError) as error:
        validate(data, source)
    text = str(error.value)
    assert text.startswith(f"{source}: ") and message in text and "\n" not in text
