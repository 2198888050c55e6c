"""The benchmark package: the Mesa model matches reference.toml, the agreement rule, and the smoke benchmark.

Speed and memory are measured by the benchmarks, never asserted here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from benchmarks import REFERENCE, ROOT, stats
from benchmarks.engines import OUTPUTS
from benchmarks.mesa_model import Parameters, ReferenceModel, lognormal_class_means
from scslab.population import lognormal_class_means as engine_class_means
from scslab.scenario.loading import load


def test_mesa_parameters_are_reference_toml():
    sc = load(str(REFERENCE))
    traffic, cameras = sc.behaviours.traffic_violation, sc.channels.cameras
    assert Parameters() == Parameters(
        offences_per_year=traffic.rate_per_year,
        dispersion=sc.population.offending_dispersion,
        detection=cameras.sees["traffic_violation"] * cameras.coverage_urban * cameras.coverage_rural,
        baseline_certainty=sc.response.baseline_certainty,
        elasticity=sc.response.certainty_elasticity,
        learning=sc.response.learning,
        half_life=sc.response.habituation_half_life_days,
        false_records_per_year=cameras.false_records_per_person_year,
        groups=tuple((g.name, g.share, cameras.group_false_match[g.name]) for g in sc.population.groups),
        start_score=sc.rulebook.start_score,
        points=-traffic.points,
        threshold=sc.rulebook.grade_minimums[sc.lists.grade.below_grade],
        recovery=sc.rulebook.recovery_points_per_day,
    )


def test_mesa_propensity_classes_are_the_engines():
    p = Parameters()
    np.testing.assert_allclose(lognormal_class_means(p.dispersion, p.classes), engine_class_means(p.dispersion),
                               rtol=1e-12)


def test_mesa_model_keeps_its_counts_consistent():
    model = ReferenceModel(300, seed=1)
    for _ in range(60):
        model.step()
    people = list(model.agents)
    assert model.listed == sum(p.listed for p in people)
    assert model.wrongly_listed == sum(p.wrongly_listed for p in people)
    assert all(p.listed for p in people if p.wrongly_listed)
    assert model.detections + model.false_detections >= model.list_entries >= model.listed
    assert model.datacollector.get_model_vars_dataframe()["listed"].iloc[-1] == model.listed


def _runs(shift: float) -> list[dict]:
    """Synthetic runs: replicates spread around 1 per agent-year, Mesa's shifted by ``shift``."""
    runs = []
    for engine, offset in (("scslab", 0.0), ("mesa", shift)):
        for n in (1000, 4000):
            for noise in (-1.0, 0.0, 1.0):
                value = round((1.0 + offset + noise / np.sqrt(n)) * n)
                runs.append({"engine": engine, "agents": n, "days": 365,
                             "outputs": {output: value for output in OUTPUTS}})
    return runs


@pytest.mark.parametrize(("shift", "passed"), [(0.0, True), (0.02, True), (0.2, False)])
def test_agreement_rule(shift, passed):
    assert all(row["passed"] is passed for row in stats.agreement(_runs(shift)))


def test_smoke_benchmark(tmp_path):
    out = tmp_path / "smoke.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks", "smoke", "--json", str(out)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(out.read_text())
    for row in figures["compare"]["speed"]:
        assert row["scslab_agent_days_per_second"] > 0 and row["mesa_agent_days_per_second"] > 0
    assert {row["output"] for row in figures["compare"]["agreement"]} == set(OUTPUTS)
    assert all(row["passed"] for row in figures["compare"]["agreement"]), figures["compare"]["agreement"]
    assert all(r["agent_days_per_second"] > 0 for r in figures["scaling"]["sizes"] + figures["scaling"]["rates"])


def test_busy_benchmark_runs_every_condition_once_per_repeat(monkeypatch):
    """Every version, scenario, machine state and thread count, interleaved, after one warm-up per version."""
    from pathlib import Path

    from benchmarks import busy

    calls = []
    monkeypatch.setattr(busy, "scslab_run", lambda source, scenario, agents, threads, seed, out: calls.append(
        (str(source), scenario, threads)) or {"seconds": 1.0, "runtime_seconds": 0.5, "peak_rss_kib": 1})
    rows = busy.run_busy({"this": Path("a"), "against": Path("b")}, [("china-2018", 10)], 2, 0, log=lambda _: None)
    assert calls[:2] == [("a", "china-2018", 2), ("b", "china-2018", 2)]  # the untimed warm-ups
    cells = {(r["version"], r["machine"], r["threads"], r["repeat"]) for r in rows}
    assert len(rows) == len(cells) == 2 * 2 * 2 * 2
    assert [r["version"] for r in rows[:2]] == ["this", "against"]  # versions side by side, run by run


def test_agree_pairs_seeds_and_gives_a_t_interval():
    from benchmarks.agree import paired
    this = [{"a": 1.0, "b": 5.0, "c": 2.0}, {"a": 2.0, "b": 5.0, "c": 3.0}, {"a": 3.0, "b": 5.0, "c": 4.0}]
    against = [{"a": 0.0, "b": 5.0, "c": 1.0}, {"a": 0.0, "b": 5.0, "c": 2.0}, {"a": 0.0, "b": 5.0, "c": 3.0}]
    rows = {r["output"]: r for r in paired(this, against)}
    a = rows["a"]  # differences 1, 2, 3: mean 2, standard error 1 / sqrt(3), t(0.975, 2) = 4.3027
    assert a["difference"] == 2.0 and a["t"] == pytest.approx(2 * 3**0.5)
    assert a["low"] == pytest.approx(2 - 4.3027 / 3**0.5, abs=1e-4) and a["passed"]
    assert rows["b"]["t"] == 0.0 and rows["b"]["passed"]  # the same in both: no difference
    assert rows["c"]["t"] == float("inf") and not rows["c"]["passed"]  # off by exactly 1 at every seed


def test_profile_names_the_kernels_in_a_perf_map(tmp_path):
    """The profiled child's perf map gives each compiled scslab kernel its address and name, and names read back."""
    from benchmarks.profile import readable, write_map
    from scslab.streams import stream

    stream(1, 2, 3, 4)  # compiled, or loaded from the kernel cache
    named = write_map(tmp_path / "perf.map")
    lines = (tmp_path / "perf.map").read_text().splitlines()
    assert named == len(lines) > 0
    entries = [line.split(" ", 2) for line in lines]
    addresses = [int(address, 16) for address, _, _ in entries]
    assert addresses == sorted(set(addresses)) and all(int(size, 16) > 0 for _, size, _ in entries)
    assert "scslab.streams.stream" in {readable(name) for _, _, name in entries}
    assert readable("_ZN6scslab10mechanisms9behaviour16piece_behavioursB3v86B40c8tJTIeFIjxB2") == (
        "scslab.mechanisms.behaviour.piece_behaviours")
    assert readable("__ieee754_pow_fma") == "__ieee754_pow_fma"


def test_profile_without_perf_is_one_line_and_exit_2(monkeypatch):
    from typer.testing import CliRunner

    from benchmarks import cli

    monkeypatch.setattr(cli.shutil, "which", lambda name: None)
    done = CliRunner().invoke(cli.app, ["profile", "--agents", "1000", "--days", "2"])
    assert done.exit_code == 2
    assert done.output.strip() == "error: perf not found on PATH (Debian: apt-get install linux-perf)"
