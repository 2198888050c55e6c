"""Outputs never touch what scslab did not write: user files beside and inside every target survive
every command, every refusal, an --overwrite, a failure midway and a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from test_cli import RESULT_FILES, command, invoke, single_error_line, write

from scslab.files import remove_stale

SMALL = ["--agents", "2000", "--days", "30", "--quiet"]
THESIS = "three years of work\n"


def tree(root: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under ``root``."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A working directory with a scenario file and the user's own files, beside the target and in a folder."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path)
    (tmp_path / "thesis.txt").write_text(THESIS)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "data.csv").write_text("a,b\n1,2\n")
    return tmp_path


def run(out, *extra):
    return invoke("run", "scenario.toml", *SMALL, "--out", out, *extra)


def hidden(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.startswith(".")]


# ---- refused targets ---------------------------------------------------------------------------


@pytest.mark.parametrize("out, reason", [
    ("mine", "is not empty and holds no earlier run (data.csv)"),
    (".", "is the current directory"),
    ("", "is the current directory"),
    ("/", "is the root directory"),
    ("..", "holds the current directory"),
    ("thesis.txt", "exists and is not a directory"),
    ("thesis.txt/out", "thesis.txt is not a directory"),
])
@pytest.mark.parametrize("overwrite", [False, True], ids=["", "overwrite"])
def test_run_refuses_a_target_it_did_not_write(home, out, reason, overwrite):
    before, beside = tree(home), os.listdir(home.parent)
    line = single_error_line(run(out, *(["--overwrite"] if overwrite else [])))
    assert line.startswith(f"error: --out {Path(out)}: {reason}"), line
    assert tree(home) == before and os.listdir(home.parent) == beside


def test_run_refuses_the_home_directory(home, monkeypatch):
    monkeypatch.setenv("HOME", str(home / "mine"))
    line = single_error_line(run(home / "mine", "--overwrite"))
    assert line.startswith(f"error: --out {home / 'mine'}: is the home directory"), line
    assert (home / "mine" / "data.csv").read_text() == "a,b\n1,2\n"


def test_run_into_an_empty_directory_and_a_new_one(home):
    (home / "empty").mkdir()
    for out in ("empty", "runs/new"):
        result = run(out)
        assert result.exit_code == 0, result.output
        assert {p.name for p in Path(out).iterdir()} == RESULT_FILES
    assert (home / "thesis.txt").read_text() == THESIS and not hidden(home) and not hidden(home / "runs")


# ---- --overwrite ----------------------------------------------------------------------------------


def test_overwrite_replaces_an_earlier_run_and_nothing_else(home):
    assert run("out").exit_code == 0
    assert run("out", "--report").exit_code == 2  # an earlier run: only with --overwrite
    result = invoke("run", "scenario.toml", "--agents", 1500, "--days", 20, "--quiet", "--out", "out", "--overwrite")
    assert result.exit_code == 0, result.output
    assert json.loads(Path("out/summary.json").read_text())["agents"] == 1500
    assert {p.name for p in Path("out").iterdir()} == RESULT_FILES
    assert (home / "thesis.txt").read_text() == THESIS and tree(home / "mine") == {"data.csv": b"a,b\n1,2\n"}
    assert not hidden(home)


@pytest.mark.parametrize("inside", ["notes.txt", "figures/mine.png", "summary.json/x"])
def test_overwrite_refuses_a_run_directory_holding_user_files(home, inside):
    assert run("out", "--report").exit_code == 0
    if inside == "summary.json/x":  # the user's folder where a result file would be
        Path("out/summary.json").unlink()
        Path("out/summary.json").mkdir()
    Path("out", inside).write_text(THESIS)
    before = tree(home)
    line = single_error_line(run("out", "--overwrite"))
    assert line.startswith("error: --out out: ") and inside.split("/")[0] in line, line
    assert tree(home) == before


# ---- each command --------------------------------------------------------------------------------

EXPERIMENTS = {
    "compare": (["compare", "scenario.toml", "scenario.toml+rulebook.mode=public", "--replicates", "2",
                 "--workers", "0", *SMALL], "comparison"),
    "sensitivity": (["sensitivity", "scenario.toml", "--method", "morris", "--samples", "2", "--workers", "0",
                     "--param", "channels.cameras.false_records_per_person_year=0.001:0.05", *SMALL],
                    "sensitivity analysis"),
}


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_outputs_replace_only_their_own(home, name):
    args, what = EXPERIMENTS[name]
    before = tree(home)
    line = single_error_line(invoke(*args, "--out", "mine", "--overwrite"))
    assert line.startswith(f"error: --out mine: is not empty and holds no earlier {what} (data.csv)"), line
    assert single_error_line(invoke(*args, "--out", ".")).startswith("error: --out .: is the current directory")
    assert tree(home) == before
    assert invoke(*args, "--out", "out").exit_code == 0
    written = tree(home / "out")
    line = single_error_line(invoke(*args, "--out", "out"))
    assert line == f"error: --out out: holds an earlier {what}; add --overwrite (overwrite=True) to replace it"
    Path("out/notes.txt").write_text(THESIS)
    line = single_error_line(invoke(*args, "--out", "out", "--overwrite"))
    assert "files scslab did not write (notes.txt)" in line
    assert tree(home / "out") == {**written, "notes.txt": THESIS.encode()}
    Path("out/notes.txt").unlink()
    assert invoke(*args, "--out", "out", "--overwrite").exit_code == 0
    assert set(tree(home / "out")) == set(written)
    assert {k: v for k, v in tree(home).items() if not k.startswith("out")} == before
    assert not hidden(home)


def test_sweep_resumes_its_own_catalog_and_refuses_other_directories(home):
    args = ["sweep", "scenario.toml", "--param", "channels.cameras.coverage_urban=0.2:0.8:2", "--workers", "0", *SMALL]
    before = tree(home)
    line = single_error_line(invoke(*args, "--out", "mine"))
    assert line.startswith("error: --out mine: is not empty and holds no earlier sweep catalog (data.csv)"), line
    assert single_error_line(invoke(*args, "--out", "..")).startswith("error: --out ..: holds the current directory")
    assert tree(home) == before
    assert invoke(*args, "--out", "s").exit_code == 0
    again = invoke(*args, "--out", "s")
    assert "2 runs planned: 2 already done, 0 run now, 0 failed." in again.stdout
    Path("s/notes.txt").write_text(THESIS)
    line = single_error_line(invoke(*args, "--out", "s"))
    assert "files scslab did not write (notes.txt)" in line
    assert Path("s/notes.txt").read_text() == THESIS and Path("s/catalog.duckdb").is_file()


def test_calibrate_replaces_only_an_earlier_calibration(home):
    targets = home / "targets.csv"
    targets.write_text("date,quantity,published\n2015-01-20,listed,1000\n")
    args = ["calibrate", "scenario.toml", "--targets", targets, "--trials", "1", "--workers", "0",
            "--param", "behaviours.judgment_default.rate_per_year=0.006:0.014", *SMALL]
    before = tree(home)
    for out, message in [("thesis.txt", "exists and is not a calibration written by scslab"),
                         ("mine", "is a directory, not a file"), (".", "is the current directory")]:
        line = single_error_line(invoke(*args, "--out", out, "--overwrite"))
        assert line.startswith(f"error: --out {out}: {message}"), line
    Path("fit.trials.csv").write_text(THESIS)  # the user's file where the trials would go
    line = single_error_line(invoke(*args, "--out", "fit.toml", "--overwrite"))
    assert line.startswith("error: --out fit.trials.csv: exists and is not a calibration"), line
    assert tree(home) == {**before, "fit.trials.csv": THESIS.encode()}
    Path("fit.trials.csv").unlink()
    assert invoke(*args, "--out", "fit.toml").exit_code == 0
    line = single_error_line(invoke(*args, "--out", "fit.toml"))
    assert line == "error: --out fit.toml: holds an earlier calibration; add --overwrite (overwrite=True) to replace it"
    assert invoke(*args, "--out", "fit.toml", "--overwrite").exit_code == 0
    assert {k: v for k, v in tree(home).items() if not k.startswith("fit.")} == before
    assert sorted(p.name for p in home.glob("fit.*")) == ["fit.fit.csv", "fit.toml", "fit.trials.csv"]
    assert not hidden(home)


def test_report_replaces_only_its_own_report_and_figures(home):
    assert run("out").exit_code == 0
    Path("out/notes.txt").write_text(THESIS)
    for _ in range(2):  # the second time replaces the first report
        result = invoke("report", "out")
        assert result.exit_code == 0, result.output
    assert Path("out/notes.txt").read_text() == THESIS
    assert Path("out/figures/lists.png").is_file() and not hidden(home / "out")
    Path("out/figures/mine.png").write_text(THESIS)
    before = tree(home)
    line = single_error_line(invoke("report", "out"))
    assert line.startswith("error: out/figures: holds an earlier report's figures and files scslab did not write "
                           "(mine.png)"), line
    Path("out/figures/mine.png").unlink()
    Path("out/report.html").write_text(THESIS)
    line = single_error_line(invoke("report", "out"))
    assert line == "error: out/report.html: exists and is not a report written by scslab; it is left alone"
    assert tree(home) == {**{k: v for k, v in before.items() if k != "out/figures/mine.png"},
                          "out/report.html": THESIS.encode()}


# ---- failures and kills --------------------------------------------------------------------------


@pytest.mark.parametrize("earlier", [False, True], ids=["new", "overwrite"])
def test_a_run_that_fails_while_saving_leaves_everything_as_it_was(home, monkeypatch, earlier):
    if earlier:
        assert run("out").exit_code == 0
    before = tree(home)
    written, real = [], pd.DataFrame.to_parquet

    def fail_second(frame, path, *args, **kwargs):
        if written:
            raise OSError(28, "No space left on device")
        written.append(path)
        return real(frame, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fail_second)
    line = single_error_line(run("out", "--overwrite"))
    assert line == "error: --out out: cannot write results (No space left on device)"
    assert written and tree(home) == before  # the earlier run (if any) intact, no temporary left


def _killed_at_the_rename(out: Path, cwd: Path) -> subprocess.CompletedProcess:
    """``scslab run`` killed with SIGKILL at the moment it would rename its finished output into place."""
    code = ("import os, signal, sys; import scslab.files as files; "
            "files._install = lambda *a: os.kill(os.getpid(), signal.SIGKILL); "
            "from scslab.cli import main; sys.argv = ['scslab'] + sys.argv[1:]; main()")
    return subprocess.run([sys.executable, "-c", code, "run", "scenario.toml", *SMALL, "--out", str(out)],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


def test_a_run_killed_at_the_rename_leaves_no_output_and_its_temporary_goes_next_time(home):
    before = tree(home)
    proc = _killed_at_the_rename(home / "runs" / "out", home)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    left = hidden(home / "runs")
    assert len(left) == 1 and left[0].startswith(".out.") and left[0].endswith(".tmp")
    assert not (home / "runs" / "out").exists()
    assert {k: v for k, v in tree(home).items() if not k.startswith("runs")} == before
    result = run("runs/out")  # the next write beside it removes the dead process's temporary
    assert result.exit_code == 0, result.output
    assert hidden(home / "runs") == []
    assert {p.name for p in (home / "runs" / "out").iterdir()} == RESULT_FILES


def test_stale_temporaries_of_live_processes_and_other_names_are_kept(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    names = {f".out.{gone.pid}.abcdefgh.tmp": False, f".out.{os.getppid()}.abcdefgh.tmp": True,
             f".out.{os.getpid()}.abcdefgh.tmp": True, f".other.{gone.pid}.abcdefgh.tmp": True,
             f".out.{gone.pid}.tmp": True, "out.tmp": True}
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "x").write_text("x")
    remove_stale(tmp_path / "out")
    assert {name: (tmp_path / name).exists() for name in names} == names


def test_the_program_killed_while_saving_loses_nothing_and_leaves_nothing_that_looks_complete(home):
    before = tree(home)
    out = home / "runs" / "out"
    (home / "runs").mkdir()
    proc = subprocess.Popen(command() + ["run", "scenario.toml", *SMALL, "--out", str(out)], cwd=home,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None and not hidden(home / "runs"):  # kill as soon as saving starts
            time.sleep(0.005)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    if out.exists():  # it finished first: then the output is whole
        assert {p.name for p in out.iterdir()} == RESULT_FILES
        assert json.loads((out / "summary.json").read_text())["agents"] == 2000
    assert {k: v for k, v in tree(home).items() if not k.startswith("runs")} == before
    assert run("runs/out", "--overwrite").exit_code == 0  # and removes the killed process's temporary
    assert hidden(home / "runs") == []
