"""Runs and experiments beyond what the engine or the machine can hold are refused in one line, before they start."""

from __future__ import annotations

from collections import namedtuple

import pytest
from typer.testing import CliRunner

from scslab import capacity
from scslab.cli import app
from scslab.dashboard import session
from scslab.sim import Sim
from scslab.experiments import cluster
from scslab.experiments.calibrate import read_target_file
from scslab.experiments.compare import compare
from scslab.experiments.sensitivity import sensitivity
from scslab.experiments.space import MAX_RUNS, ParameterSpace, parse_parameter
from scslab.experiments.sweep import plan
from scslab.scenario.loading import MAX_FILE_BYTES, ScenarioError, load

PARAM = "channels.cameras.coverage_urban=0.2:0.9"


def one_line(*args) -> str:
    """The one stderr line of a command that exits 2."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 2, (result.output, result.exception)
    assert "Traceback" not in result.output and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("seed", ["18446744073709551616", "9223372036854775808"])
def test_seeds_beyond_64_bits_are_refused(tmp_path, seed):
    line = one_line("run", "china-2018", "--seed", seed, "--days", "2", "--out", tmp_path / "out")
    assert line == f"error: --seed: must be within 0..9223372036854775807, got {seed}"
    with pytest.raises(ValueError, match="seed: must be within 0..9223372036854775807"):
        Sim("china-2018", agents=1000, seed=int(seed))


def test_the_largest_seed_is_accepted():
    assert Sim("china-2018", agents=1000, seed=2**63 - 1).seed == 2**63 - 1


def test_too_few_agents_for_the_countries_is_one_line(tmp_path):
    line = one_line("run", "central-asia-2020", "--agents", "5", "--out", tmp_path / "out")
    assert line == "error: agents: 5 are too few for 6 countries (kazakhstan gets none)"
    assert not (tmp_path / "out").exists()


def small_machine(monkeypatch, gib: float) -> None:
    memory = namedtuple("Memory", "total")
    monkeypatch.setattr(capacity.psutil, "virtual_memory", lambda: memory(int(gib * 2**30)))


def test_a_run_needing_more_memory_than_the_machine_has_is_refused(monkeypatch, tmp_path):
    small_machine(monkeypatch, 1.0)
    Sim("china-2018", agents=70_000_000)  # 0.9 GiB
    line = one_line("run", "china-2018", "--agents", "100000000", "--out", tmp_path / "out")
    assert line == ("error: agents: 100,000,000 agents need an estimated 1.3 GiB of memory (14 bytes an agent, "
                    "160 a person listed at launch), more than the 1.0 GiB this machine has")


def test_the_court_backlog_counts_in_the_memory_estimate():
    plain = load("china-2018", ["lists.court.initial_backlog=0"])
    backlog = load("china-2018", ["lists.court.initial_backlog=705890000"])  # half the people
    agents = 1_000_000
    assert capacity.estimated_bytes([(plain, agents)]) == 14 * agents
    assert capacity.estimated_bytes([(backlog, agents)]) == 14 * agents + 160 * agents // 2


def test_sweep_levels_beyond_the_limit_are_refused_with_count_and_estimate(tmp_path):
    line = one_line("sweep", "china-2018", "--param", f"{PARAM}:1000000000000", "--out", tmp_path / "sweep")
    assert line == (f"error: --param {PARAM}:1000000000000: 1,000,000,000,000 runs, more than the 100,000 one "
                    "experiment may plan (planning them would take an estimated 7,450.6 GiB)")
    assert not (tmp_path / "sweep").exists()


def test_grids_samples_and_replicates_are_bounded():
    space = ParameterSpace("china-2018", [f"{PARAM}:1000", "channels.cameras.coverage_rural=0.1:0.5:1000"])
    with pytest.raises(ScenarioError, match=r"^--param: 1,000,000 runs, more than the 100,000 .* GiB\)$"):
        space.sample("grid")
    one = ParameterSpace("china-2018", [PARAM])
    assert len(one.sample("lhs", MAX_RUNS)) == MAX_RUNS
    with pytest.raises(ScenarioError, match=r"^--n: 100,001 runs"):
        one.sample("lhs", MAX_RUNS + 1)
    with pytest.raises(ScenarioError, match=r"^--replicates: 5,000,000 runs"):
        plan(one, "grid", None, 1_000_000, 0)
    with pytest.raises(ScenarioError, match=r"^--samples: 6,291,456 runs"):
        sensitivity("china-2018", [PARAM], samples=2**20, replicates=2)
    with pytest.raises(ScenarioError, match=r"^--replicates: 2,000,000 runs"):
        compare(["china-2018", "no-system"], replicates=1_000_000, workers=0)
    assert parse_parameter(f"{PARAM}:{MAX_RUNS}").levels == MAX_RUNS


@pytest.mark.parametrize("address, message", [
    ("tcp://somewhere", "missing port number"),
    ("carrier-pigeon://loft:1", "unknown address scheme 'carrier-pigeon'"),
    ("tcp://host:port", "invalid literal"),
])
def test_a_malformed_scheduler_address_is_one_line(tmp_path, address, message):
    line = one_line("sweep", "china-2018", "--param", f"{PARAM}:2", "--scheduler", address, "--out", tmp_path / "s")
    assert line.startswith(f"error: --scheduler {address}: not a scheduler address (") and message in line
    assert line.endswith("expected tcp://HOST:PORT)")
    assert not (tmp_path / "s").exists()


def test_an_unreachable_scheduler_is_one_line(monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1)
    with pytest.raises(ScenarioError, match=r"^--scheduler tcp://127.0.0.1:1: no Dask scheduler answered within 1 s"):
        with cluster.executor(scheduler="tcp://127.0.0.1:1"):
            pass


def test_targets_files_over_a_mebibyte_are_not_read(tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text("date,list_entries_cum\n2016-01-01,1000\n" + "#" * MAX_FILE_BYTES, encoding="utf-8")
    with pytest.raises(ScenarioError, match=rf"^{path}: 1,048,61\d bytes, more than the 1,024 KiB allowed$"):
        read_target_file(path)


DEEP_UPLOADS = {
    "nested 1,000 deep (2 KB)": b'name = "x"\na = ' + b"[" * 1000 + b"]" * 1000,
    "one long dotted key (240 KB)": b'name = "x"\n' + b"a." * 120_000 + b"a = 1\n",
    "NaN": b'name = "x"\n[population]\nage_shares = [nan, 0.5, 0.5]\n',
    "empty": b"",
}


@pytest.mark.parametrize("content", DEEP_UPLOADS.values(), ids=DEEP_UPLOADS.keys())
def test_every_rejected_upload_is_one_message_as_the_cli_gives_it(tmp_path, content):
    with pytest.raises(ScenarioError) as error:
        session.read_upload("mine.toml", content)
    path = tmp_path / "mine.toml"
    path.write_bytes(content)
    assert f"error: {error.value}".replace("mine.toml", str(path)) == one_line("validate", path)


def test_the_parameter_reference_states_each_bound_and_is_up_to_date():
    from pathlib import Path

    from scslab.scenario.reference import parameter_rows, to_markdown

    ranges = {row["path"]: row["range"] for row in parameter_rows() if not row["table"]}
    assert ranges["channels.cameras.coverage_urban"] == "0 to 1"
    assert ranges["behaviours.judgment_default.income_multipliers"] == "0 to 1,000,000"
    assert ranges["population.size"] == "> 0 to 10,000,000,000"
    assert ranges["lists.court.extension_days"] == "0 to 32,000"
    assert ranges["rehabilitation.fulfilment.rate_per_year"] == "0 to 365"
    assert ranges["name"] == ""
    docs = Path(__file__).parent.parent / "docs" / "parameters.md"
    assert docs.read_text(encoding="utf-8") == to_markdown(parameter_rows())
