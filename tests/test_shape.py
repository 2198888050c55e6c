"""The mechanism shape: streams one per decision, kernels with few parameters, outputs declared once."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil

from pathlib import Path

import pytest
from numba.core.registry import CPUDispatcher

import scslab
from scslab import outputs
from scslab.mechanisms import PHASES
from scslab.mechanisms.compliance import PRESSURES
from scslab.scenario.loading import load
from scslab.sim import Sim

MAX_KERNEL_PARAMETERS = 10


def test_no_kernel_takes_more_than_ten_parameters():
    """Kernels take named records, not long lists of positional arrays."""
    kernels = []
    for module in pkgutil.walk_packages(scslab.__path__, "scslab."):
        if module.name.endswith(("__main__", "dashboard.app")):
            continue
        loaded = importlib.import_module(module.name)
        for name, obj in vars(loaded).items():
            if isinstance(obj, CPUDispatcher) and obj.py_func.__module__ == loaded.__name__:
                kernels.append((f"{loaded.__name__}.{name}", len(inspect.signature(obj.py_func).parameters)))
    assert len(kernels) > 20  # the walk found the kernels
    too_long = [(name, n) for name, n in kernels if n > MAX_KERNEL_PARAMETERS]
    assert not too_long, f"kernels with more than {MAX_KERNEL_PARAMETERS} parameters: {too_long}"


def test_every_decision_has_its_own_stream_and_a_described_kernel():
    mechanisms = [m for phase in PHASES for m in phase.mechanisms]
    keyed = {m.name: m for m in mechanisms}
    streams = [scslab.streams.key(name) for name in keyed]
    assert len(set(streams)) == len(streams)
    for m in mechanisms:
        assert m.name and m.does and m.section, m
    for phase in PHASES:
        if phase.name not in ("events", "lists", "firms"):
            assert all(callable(m.step) for m in phase.mechanisms), phase.name


def test_every_output_is_declared_once_with_its_metadata():
    every = outputs.every()
    names = [o.name for o in every]
    assert len(names) == len(set(names))
    for o in every:
        assert o.label and o.meaning and o.unit in outputs.UNITS and o.kind in outputs.KINDS
        assert outputs.owner(o.name)
    for rate in outputs.rates():
        assert all(outputs.column(part) >= 0 for part in rate.of)


def test_a_declared_output_is_checked():
    with pytest.raises(ValueError, match="unit"):
        outputs.Output("x", "X", "furlongs", outputs.TOTAL, "x")
    with pytest.raises(ValueError, match="rate"):
        outputs.Output("x", "X", outputs.RATIO, outputs.RATE, "x")
    with pytest.raises(ValueError, match="declared by"):
        outputs.declare("again", outputs.Output("listed", "L", outputs.PEOPLE, outputs.STOCK, "again"))


def test_results_columns_come_from_the_declarations():
    results = Sim("china-2018", agents=5_000, seed=1, days=20).run()
    expected = [o.name for o in outputs.counters()] + [o.name for o in outputs.rates()]
    assert list(results.timeseries.columns) == ["day", "date"] + expected
    group_columns = [o.name for o in outputs.counters() + outputs.rates() if o.by_group and not o.internal]
    assert list(results.by_group.columns) == ["day", "group"] + group_columns
    assert set(results.summary["phase_seconds"]) == {p.name for p in PHASES} | {"record"}


# One decision's parameter changed, and the outputs that decision alone may change.
DECISIONS = [
    ("sanctions.trains.attempts_per_year=3.0", {"train_attempts_total", "train_blocks_total", "people_blocked"}),
    ("sanctions.flights.enforcement=0.5", {"flight_blocks_total", "people_blocked"}),
    ("sanctions.mortgages.applications_per_year=1.0",
     {"mortgages_denied_total", "mortgages_denied_nonfinancial_total"}),
    ("sanctions.restrictions.jobs.refusal_probability=0.0", {"job_refusals_total"}),
    ("sanctions.restrictions.school_applications_per_year=2.0", {"school_refusals_total"}),
    ("sanctions.restrictions.business.applications_per_year=5.0", {"business_refusals_total"}),
    ("sanctions.restrictions.preferential.applications_per_year=0.5", {"preferential_refusals_total"}),
]


NO_FEEDBACK = [f"rehabilitation.fulfilment.{p}.hazard_ratio=1" for p in PRESSURES.values()] + [
    "rehabilitation.fulfilment.joint_punishment=1"]
"""Sanctions that do not move the hazard of paying (``compliance``): otherwise every sanction moves the lists."""


@pytest.mark.parametrize("override, own", DECISIONS, ids=[d[0].split("=")[0] for d in DECISIONS])
def test_changing_one_decision_leaves_every_other_decision_identical(override, own):
    """Common random numbers: each decision draws from its own stream, so its siblings (flights and
    trains; loans and mortgages; shaming, jobs and schools) draw exactly as before."""
    until = dt.date(2016, 6, 30)  # past the start of joint punishment
    a = Sim(load("china-2018", NO_FEEDBACK), agents=20_000, seed=3, until=until).run().timeseries
    b = Sim(load("china-2018", NO_FEEDBACK + [override]), agents=20_000, seed=3, until=until).run().timeseries
    moved = {c for c in a.columns if c != "date" and not a[c].equals(b[c])}
    assert moved, f"{override} changed nothing: the test would not notice a shared stream"
    assert moved <= own, f"{override} also moved {sorted(moved - own)}"


def test_the_output_reference_is_what_scslab_outputs_prints():
    docs = Path(__file__).resolve().parents[1] / "docs" / "outputs.md"
    assert docs.read_text(encoding="utf-8") == outputs.to_markdown(), "run: scslab outputs --markdown > docs/outputs.md"


def test_the_plan_is_the_phase_list():
    plan = Sim.plan()
    for phase in PHASES:
        assert any(line.startswith(f"{phase.name} ({phase.kind})") for line in plan)
        for m in phase.mechanisms:
            assert any(line.startswith(f"  - {m.name}: ") for line in plan)
