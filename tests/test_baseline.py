"""Regression baseline: every built-in scenario ends exactly where tests/baseline.json says (tools/baseline.py).

A run is bit-identical for a seed, so any change in an end value is a change in what the model
does (counts exactly; ratios within a relative 1e-12, the last bits NumPy's version may move). When a change is meant to move results, refresh the file with ``python -m tools.baseline
--refresh`` and say so in the commit message (docs/robustness.md, "Regression baseline").
"""

from __future__ import annotations

import math

from scslab.scenario.loading import builtin_names
from tools import baseline


def test_every_builtin_scenario_has_settings_and_a_baseline():
    stored = baseline.read()
    assert sorted(baseline.SETTINGS) == builtin_names()
    assert sorted(stored) == builtin_names(), f"refresh with `{baseline.REFRESH}`"
    for name, entry in stored.items():
        assert entry["settings"] == baseline.SETTINGS[name], f"{name}: settings changed; `{baseline.REFRESH}`"


def test_builtin_scenarios_end_exactly_at_the_baseline():
    diffs = baseline.differences(baseline.read(), baseline.collect())
    assert not diffs, "\n" + baseline.report(diffs)


def test_differences_sees_every_kind_of_change():
    then = {"a": {"settings": {"days": 10}, "end": {"listed": 5, "rate": 0.5, "nan": math.nan},
                  "countries": {"x": {"listed": 1}}}}
    same = {"a": {"settings": {"days": 10}, "end": {"listed": 5, "rate": 0.5, "nan": math.nan},
                  "countries": {"x": {"listed": 1}}}}
    assert baseline.differences(then, same) == []
    last_bits = {"a": {"settings": {"days": 10}, "end": {"listed": 5, "rate": math.nextafter(0.5, 1), "nan": math.nan},
                       "countries": {"x": {"listed": 1}}}}
    assert baseline.differences(then, last_bits) == []  # NumPy's sums may move a ratio's last bits
    now = {"a": {"settings": {"days": 11}, "end": {"listed": 5.0, "rate": 0.5 + 1e-9, "new": 1},
                 "countries": {"x": {"listed": 2}}},
           "b": {"end": {}}}
    found = {(scenario, column) for scenario, column, _, _ in baseline.differences(then, now)}
    assert found == {("a", "settings.days"), ("a", "end.listed"), ("a", "end.rate"), ("a", "end.nan"),
                     ("a", "end.new"), ("a", "countries.x.listed"), ("b", "(scenario)")}
    text = baseline.report(baseline.differences(then, now))
    assert "end.rate" in text and "0.500000001" in text and baseline.REFRESH in text
