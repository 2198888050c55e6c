"""The fuzz suite (tools/fuzz.py): a fixed sample must pass, and the fuzzer must see what breaks its rules."""

from __future__ import annotations

import json
import os
import stat

import pandas as pd
import pytest

from tools import fuzz


def _listing(report: fuzz.Report) -> str:
    return "\n".join(f"{f.stage}: {f.kind}: case {f.case.number}: {f.case.describe()}: {f.command}"
                     for f in report.failures)


def test_fixed_sample_has_no_failures(tmp_path):
    """200 mutated files validated in-process (2 by the executable), 5 short runs (1 by the executable)."""
    report = fuzz.fuzz(files=200, runs=5, seed=0, checked=2, checked_runs=1, failures_dir=tmp_path)
    assert report.failures == [], _listing(report)
    assert report.accepted + report.rejected == 200
    assert report.runs == 5 and report.checked == 2 and report.checked_runs == 1


def _fake(tmp_path, body: str) -> list[str]:
    script = tmp_path / "fake-scslab"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return [str(script)]


def test_reports_a_traceback_from_the_executable(tmp_path):
    fake = _fake(tmp_path, "echo 'Traceback (most recent call last):' >&2; echo 'ValueError: boom' >&2; exit 1")
    report = fuzz.fuzz(files=3, runs=0, seed=0, checked=3, command=fake, failures_dir=tmp_path / "failures")
    found = [f for f in report.failures if f.stage == "scslab validate"]
    assert [f.kind for f in found] == ["traceback ValueError"] * 3
    assert all((tmp_path / "failures" / f"case-{f.case.number:05d}.toml").read_bytes() == f.case.text for f in found)
    assert len((tmp_path / "failures" / "index.tsv").read_text().splitlines()) == len(report.failures)


def test_reports_a_hang_of_the_executable(tmp_path, monkeypatch):
    monkeypatch.setattr(fuzz, "EXECUTABLE_SECONDS", 1)
    report = fuzz.fuzz(files=1, runs=0, seed=0, checked=1, command=_fake(tmp_path, "sleep 10"),
                       failures_dir=tmp_path / "failures")
    assert [f.kind for f in report.failures if f.stage == "scslab validate"] == ["hang (over 1 s)"]


def test_worker_reports_a_hang(tmp_path):
    """Validating a FIFO blocks on opening it: the worker's alarm reports a hang, and a fresh worker takes over."""
    fifo = tmp_path / "scenario.toml"
    os.mkfifo(fifo)
    worker = fuzz.Worker(fuzz.VALIDATE_MEMORY)
    try:
        assert worker.check(["validate", str(fifo)], 1)["hang"] == 1
        assert worker.check(["validate", "china-2018"], 10)["exit"] == 0
    finally:
        worker.stop()


@pytest.mark.parametrize("code, stderr, run, failure", [
    (0, "", False, None),
    (2, "error: x.toml: field a: bad\n", False, None),
    (2, "error: one\nerror: two\n", False, "exit 2 with 2 lines on stderr"),
    (2, "Usage: scslab [OPTIONS]\n", False, "exit 2 without 'error: '"),
    (1, "Traceback (most recent call last):\n  File \"x\"\nRecursionError: deep\n", False, "traceback RecursionError"),
    (1, "Traceback (most recent call last):\nMemoryError\n", False, "memory (MemoryError)"),
    (1, "", False, "exit 1"),
    (-9, "", False, "killed by signal 9"),
    (0, "/x/engine.py:3: RuntimeWarning: overflow encountered in cast\n", True,
     "RuntimeWarning: overflow encountered in cast"),
])
def test_judge(code, stderr, run, failure):
    assert fuzz.judge(code, "", stderr, run) == failure


def test_judge_reply_reports_exceptions_and_memory():
    reply = {"exit": 1, "stdout": "", "stderr": "", "exception": "RecursionError", "traceback": "...", "growth_mib": 0}
    assert fuzz.judge_reply(reply)[0] == "traceback RecursionError"
    assert fuzz.judge_reply({"exit": 0, "stdout": "", "stderr": "", "growth_mib": 5000})[0].startswith("memory")
    assert fuzz.judge_reply({"signal": 9})[0] == "worker killed by signal 9"


def _outputs(tmp_path, listed, wrongly, rate):
    frame = pd.DataFrame({"day": [0, 1], "listed": listed, "wrongly_listed": wrongly, "expression_rate": rate})
    frame.to_parquet(tmp_path / "timeseries.parquet")
    frame.assign(group="a").to_parquet(tmp_path / "by_group.parquet")
    end = {"listed": listed[0], "expression_rate": rate[-1]}
    (tmp_path / "summary.json").write_text(json.dumps({"population": 1000, "end": end}))
    return tmp_path


def test_invariants_of_outputs(tmp_path):
    assert fuzz.check_outputs(_outputs(tmp_path, [0, 10], [0, 5], [1.0, 0.9])) == []
    problems = fuzz.check_outputs(_outputs(tmp_path, [-1, 2000], [0, 2001], [float("nan"), 0.9]))
    assert "summary.json: end.listed = -1" in problems
    assert "timeseries: NaN in expression_rate" in problems
    assert "timeseries: listed negative (min -1)" in problems
    assert "timeseries: listed above the population 1,000 (max 2,000)" in problems
    assert "by_group: wrongly_listed above listed" in problems
    assert any(p.startswith("timeseries: expression_rate outside") for p in problems)


def test_cases_are_reproducible():
    data = fuzz.bases()
    assert fuzz.make_case(3, 7, data) == fuzz.make_case(3, 7, data)
    assert {fuzz.make_case(3, n, data).text for n in range(20)} != {fuzz.make_case(4, n, data).text for n in range(20)}
