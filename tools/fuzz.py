"""Fuzz scslab with mutated scenario files: ``python -m tools.fuzz --files 10000 --runs 300 --seed 0``.

Each case is one built-in scenario with one mutation: a changed type, NaN, an infinity or an extreme,
a flipped sign, a huge or empty array, deep nesting, an unknown key, a broken reference, dates out of
order, a missing key, broken syntax, or a file with next to nothing in it. Every case is validated by
the ``scslab validate`` command inside worker processes; a sample is also validated by the real
executable, and a sample of the accepted ones is run for a short while. A case passes when the
command exits 0, or 2 with exactly one line ``error: ...`` on stderr, within its time and memory
limits, and a run's outputs keep their invariants. See docs/robustness.md.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import math
import random
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import traceback
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

ROOT = Path(__file__).resolve().parent.parent
FAILURES = Path("/tmp/fuzz-failures")
VALIDATE_SECONDS, EXECUTABLE_SECONDS, RUN_SECONDS = 10, 20, 60  # in-process validate; scslab validate; a run
VALIDATE_MEMORY, RUN_MEMORY = 2 << 30, 4 << 30  # RLIMIT_AS; Numba and LLVM reserve ~0.6 GiB of address space
GROWTH_MIB = 1024  # one validation raising a worker's peak memory by more than this is a failure
RUN_ARGS = ["--agents", "2000", "--days", "60", "--quiet"]
EXPRESSION_RATE_MAX = 10.0  # lawful expression relative to no system: chilling lowers it, nothing multiplies it tenfold
BOUNDED_BY_POPULATION = ("listed", "wrongly_listed", "redlisted", "people_blocked", "joint_punished")

SPECIAL = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "0": 0, "-1": -1, "1e300": 1e300,
           "-1e300": -1e300, "2**63": 2**63, "2**64": 2**64, "1e-300": 1e-300}
TYPES = {"string": "fuzz", "list": [1, 2], "table": {"fuzz": 1}, "bool": True, "date": dt.date(2000, 1, 1)}
DATES = [dt.date(1, 1, 1), dt.date(1970, 1, 1), dt.date(9999, 12, 31)]
UNKNOWN = "fuzz_nowhere"


@dataclass
class Case:
    """One mutated scenario file and how it was made."""

    number: int
    base: str
    mutation: str
    path: str
    value: str
    text: bytes

    def describe(self) -> str:
        return f"{self.base}: {self.mutation} {self.path} = {self.value}"


@dataclass
class Failure:
    """A case that broke a rule, at one stage (validate, scslab validate, run)."""

    case: Case
    stage: str
    kind: str
    detail: str
    command: str


@dataclass
class Report:
    """What a fuzz session tried and found."""

    seed: int
    files: int = 0
    accepted: int = 0
    rejected: int = 0
    checked: int = 0
    runs: int = 0
    checked_runs: int = 0
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0


# ---------------------------------------------------------------- mutations

def bases() -> dict[str, dict]:
    """Each built-in scenario as fully resolved data, and as its own file says it (``extends`` kept)."""
    from scslab.scenario.loading import builtin_names, builtin_path, load, to_data

    out = {}
    for name in builtin_names():
        out[name] = to_data(load(name))
        out[f"{name} (file)"] = tomllib.loads(builtin_path(name).read_text(encoding="utf-8"))
    return out


def nodes(data, path=()):
    """Every (path, value) below ``data``, tables and arrays included."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        yield path + (key,), value
        yield from nodes(value, path + (key,))


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _pick(rng, data, keep):
    return rng.choice([(p, v) for p, v in nodes(data) if keep(v)])


def _get(data, path):
    for key in path:
        data = data[key]
    return data


def _put(data, path, value) -> None:
    _get(data, path[:-1])[path[-1]] = value


def _dotted(path) -> str:
    return ".".join(str(part) for part in path) or "(top)"


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def type_change(rng, data):
    path, value = _pick(rng, data, lambda v: not isinstance(v, (dict, list)))
    new = copy.deepcopy(rng.choice([v for v in TYPES.values() if type(v) is not type(value)]))
    _put(data, path, new)
    return path, _short(new), None


def special(rng, data):
    path, _ = _pick(rng, data, _is_number)
    name = rng.choice(sorted(SPECIAL))
    _put(data, path, SPECIAL[name])
    return path, name, None


def sign_flip(rng, data):
    path, value = _pick(rng, data, lambda v: _is_number(v) and v != 0)
    _put(data, path, -value)
    return path, _short(-value), None


def array_size(rng, data):
    path, value = _pick(rng, data, lambda v: isinstance(v, list))
    size = rng.choice([0, 1, 10_000, 100_000])
    items = value or [1.0]
    _put(data, path, (items * (size // len(items) + 1))[:size])
    return path, f"[{size} items]", None


def unknown_key(rng, data):
    path, table = rng.choice([((), data)] + [(p, v) for p, v in nodes(data) if isinstance(v, dict)])
    table["fuzz_unknown"] = 1
    return path + ("fuzz_unknown",), "1", None


def rename_key(rng, data):
    """A key renamed: an unknown field, or a reference to a group, grade, country or behaviour that is not there."""
    path, table = _pick(rng, data, lambda v: isinstance(v, dict) and v)
    key = rng.choice(sorted(table))
    table["fuzz_" + key] = table.pop(key)
    return path + (key,), "renamed fuzz_" + key, None


def reference(rng, data):
    """A name that points nowhere: a group, country, grade, record class, kind or mode."""
    path, _ = _pick(rng, data, lambda v: isinstance(v, str))
    _put(data, path, UNKNOWN)
    return path, repr(UNKNOWN), None


def agreement(rng, data):
    countries = sorted(data.get("countries") or {}) or ["china"]
    new = {"from_country": rng.choice(countries), "to_country": UNKNOWN, "classes": ["financial"]}
    if rng.random() < 0.5:
        new["from_country"], new["to_country"] = new["to_country"], new["from_country"]
    data.setdefault("agreements", {})["fuzz"] = new
    return ("agreements", "fuzz"), _short(new), None


def dates(rng, data):
    if rng.random() < 0.3 and "start_date" in data and "end_date" in data:
        data["start_date"], data["end_date"] = data["end_date"], data["start_date"]
        return ("start_date",), "swapped with end_date", None
    path, _ = _pick(rng, data, lambda v: isinstance(v, dt.date) or (isinstance(v, list) and len(v) > 1
                                                                    and all(isinstance(p, list) for p in v)))
    if isinstance(_get(data, path), list):  # a schedule of [date, value] points, reversed
        _put(data, path, _get(data, path)[::-1])
        return path, "points reversed", None
    new = rng.choice(DATES)
    _put(data, path, new)
    return path, new.isoformat(), None


def delete(rng, data):
    path, _ = rng.choice(list(nodes(data)))
    parent = _get(data, path[:-1])
    del parent[path[-1]]
    return path, "deleted", None


def nesting(rng, data):
    """Deep arrays or inline tables (a key before the file's own), or dotted keys or a table header thousands deep."""
    text = tomli_w.dumps(data)
    form = rng.choice(["array", "inline table", "dotted key", "table header"])
    if form in ("array", "inline table"):
        depth = rng.choice([100, 500, 5000])
        inner = "[" * depth + "1" + "]" * depth if form == "array" else "{a = " * depth + "1" + "}" * depth
        return ("fuzz",), f"{form} {depth} deep", f"fuzz = {inner}\n{text}".encode()
    depth = rng.choice([1000, 10_000, 100_000])
    keys = ".".join(["a"] * depth)
    raw = f"{keys} = 1\n{text}" if form == "dotted key" else f"{text}\n[{keys}]\nx = 1\n"
    return ("a",), f"{form} {depth} deep", raw.encode()


def syntax(rng, data):
    text = tomli_w.dumps(data).encode()
    form = rng.choice(["truncated", "junk line", "invalid UTF-8", "duplicate key"])
    if form == "truncated":
        return (), f"truncated at byte {(cut := rng.randrange(len(text)))}", text[:cut]
    if form == "junk line":
        return (), "junk line", b"= = =\n" + text
    if form == "invalid UTF-8":
        return (), "invalid UTF-8", b"\xff\xfe" + text
    first = text.split(b"\n", 1)[0]
    return (), "duplicate key", text + b"\n" + first + b"\n"


def nearly_empty(rng, data):
    name = rng.choice(["empty", "only a name", "only extends"])
    raw = {"empty": b"", "only a name": b'name = "fuzz"\n', "only extends": b'extends = "china-2018"\n'}[name]
    return (), name, raw


MUTATIONS = {  # mutation: weight
    type_change: 14, special: 22, sign_flip: 10, array_size: 6, unknown_key: 5, rename_key: 8, reference: 10,
    agreement: 3, dates: 6, delete: 6, nesting: 4, syntax: 4, nearly_empty: 2,
}


def make_case(seed: int, number: int, data_by_base: dict[str, dict]) -> Case:
    """Case ``number`` of ``seed``: the same case whatever else is generated."""
    rng = random.Random(f"{seed}:{number}")
    base = rng.choice(sorted(data_by_base))
    mutate = rng.choices(list(MUTATIONS), weights=list(MUTATIONS.values()))[0]
    data = copy.deepcopy(data_by_base[base])
    path, value, raw = mutate(rng, data)
    text = raw if raw is not None else tomli_w.dumps(data).encode()
    return Case(number, base, mutate.__name__.replace("_", " "), _dotted(path), value, text)


# ---------------------------------------------------------------- checking

class Expired(BaseException):
    """A validation ran past its time limit (a BaseException, so that the CLI runner does not catch it)."""


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def serve() -> None:
    """Worker: run each ``scslab`` command read from stdin (JSON: args, seconds) in this process; one JSON line each."""
    from typer.testing import CliRunner

    from scslab.cli import app

    def expire(*_):
        raise Expired

    signal.signal(signal.SIGALRM, expire)
    warnings.simplefilter("always", RuntimeWarning)  # every numerical warning, not only a location's first
    runner = CliRunner()
    print("ready", flush=True)
    for line in iter(sys.stdin.readline, ""):
        request = json.loads(line)
        peak = _peak_mib()
        signal.alarm(request["seconds"])
        try:
            result = runner.invoke(app, request["args"])
            reply = {"exit": result.exit_code, "stdout": result.stdout, "stderr": result.stderr}
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                reply["exception"] = type(result.exception).__name__
                reply["traceback"] = "".join(traceback.format_exception(result.exception))[-2000:]
        except Expired:
            reply = {"hang": True}
        finally:
            signal.alarm(0)
        reply["growth_mib"] = _peak_mib() - peak
        print(json.dumps(reply), flush=True)


def _limit(memory: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    return apply


class Worker:
    """A ``serve`` process under a memory limit, restarted after it hangs, dies or runs out of memory."""

    def __init__(self, memory: int):
        self.memory = memory
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tools.fuzz", "--serve"], cwd=ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, preexec_fn=_limit(self.memory),
        )
        if self.process.stdout.readline() != "ready\n":
            raise RuntimeError("the fuzz worker did not start (run from the repository root, in the venv)")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def check(self, args: list[str], seconds: int) -> dict:
        """The worker's reply for one command, or ``{"hang": seconds}`` / ``{"signal": N}``."""
        if self.process is None:
            self.start()
        self.process.stdin.write(json.dumps({"args": args, "seconds": seconds}) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], seconds + 10)
        line = self.process.stdout.readline() if ready else None
        if not line:
            code = self.process.poll()
            self.stop()
            return {"hang": seconds} if line is None else {"signal": -(code or 0)}
        reply = json.loads(line)
        if reply.get("hang") or reply.get("exception") == "MemoryError" or reply["growth_mib"] > GROWTH_MIB:
            self.stop()  # a fresh process, so that the next case starts from a clean state and peak
        if reply.get("hang"):
            reply["hang"] = seconds
        return reply


def exception_name(output: str) -> str:
    """The exception a traceback ends with."""
    lines = [line for line in output.splitlines() if line and not line.startswith(" ")]
    return lines[-1].split(":")[0] if lines else "?"


def judge(code: int, stdout: str, stderr: str, run: bool = False) -> str | None:
    """What is wrong with a command's exit and output, or None (exit 0, or 2 with one line ``error: ...``).

    A run that exits 0 must also be free of numerical warnings (overflow, invalid values).
    """
    if "Traceback (most recent call last)" in stdout + stderr:
        name = exception_name(stderr or stdout)
        return "memory (MemoryError)" if name == "MemoryError" else f"traceback {name}"
    if code < 0:
        return f"killed by signal {-code}"
    if code == 0:
        warning = next((line for line in stderr.splitlines() if "RuntimeWarning: " in line), None) if run else None
        return warning and "RuntimeWarning: " + warning.split("RuntimeWarning: ", 1)[1][:60]
    if code != 2:
        return f"exit {code}"
    lines = stderr.splitlines()
    if len(lines) != 1:
        return f"exit 2 with {len(lines)} lines on stderr"
    return None if lines[0].startswith("error: ") else "exit 2 without 'error: '"


def judge_reply(reply: dict, run: bool = False) -> tuple[str | None, str, int | None]:
    """A worker's reply as (failure or None, detail, exit code)."""
    if "hang" in reply:
        return f"hang (over {reply['hang']} s)", "", None
    if "signal" in reply:
        return f"worker killed by signal {reply['signal']}", "", None
    if "exception" in reply:
        name = reply["exception"]
        return ("memory (MemoryError)" if name == "MemoryError" else f"traceback {name}"), reply["traceback"], 1
    if reply["growth_mib"] > GROWTH_MIB:
        return f"memory (peak grew {reply['growth_mib']:.0f} MiB)", "", reply["exit"]
    failure = judge(reply["exit"], reply["stdout"], reply["stderr"], run)
    return failure, reply["stderr"] or reply["stdout"], reply["exit"]


def execute(command: list[str], seconds: int, memory: int, run: bool = False) -> tuple[str | None, str, int | None]:
    """Run a command under time and memory limits: (failure or None, output tail, exit code)."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=seconds,
                              preexec_fn=_limit(memory), cwd=tempfile.gettempdir())
    except subprocess.TimeoutExpired:
        return f"hang (over {seconds} s)", "", None
    return judge(done.returncode, done.stdout, done.stderr, run), (done.stderr or done.stdout)[-2000:], done.returncode


def check_outputs(out: Path) -> list[str]:
    """The invariants a finished run's files break, one line each."""
    import numpy as np
    import pandas as pd

    summary = json.loads((out / "summary.json").read_text())
    population = summary["population"]
    problems = [f"summary.json: end.{k} = {v}" for k, v in summary["end"].items()
                if not (math.isfinite(v) and v >= 0)]
    for name in ("timeseries", "by_group"):
        frame = pd.read_parquet(out / f"{name}.parquet")
        numbers = frame.select_dtypes("number")
        for column in numbers.columns[numbers.isna().any()]:
            problems.append(f"{name}: NaN in {column}")
        for column in numbers.columns[(numbers < 0).any()]:
            problems.append(f"{name}: {column} negative (min {numbers[column].min()})")
        for column in BOUNDED_BY_POPULATION:
            if column in frame and (frame[column] > population).any():
                problems.append(f"{name}: {column} above the population {population:,} (max {frame[column].max():,})")
        if (frame["wrongly_listed"] > frame["listed"]).any():
            problems.append(f"{name}: wrongly_listed above listed")
        rate = frame["expression_rate"].to_numpy()
        if not (np.isfinite(rate) & (rate >= 0) & (rate <= EXPRESSION_RATE_MAX)).all():
            problems.append(f"{name}: expression_rate outside [0, {EXPRESSION_RATE_MAX}] "
                            f"(from {np.nanmin(rate)} to {np.nanmax(rate)})")
    return problems


class Workers:
    """One Worker per thread of a thread pool."""

    def __init__(self, memory: int):
        self.memory = memory
        self.local = threading.local()
        self.started: list[Worker] = []

    def check(self, args: list[str], seconds: int) -> dict:
        if not hasattr(self.local, "worker"):
            self.local.worker = Worker(self.memory)
            self.started.append(self.local.worker)
        return self.local.worker.check(args, seconds)

    def close(self) -> None:
        for worker in self.started:
            worker.stop()


# ---------------------------------------------------------------- the session

def scslab_command() -> list[str]:
    """The ``scslab`` executable of this environment."""
    return [str(Path(sys.executable).parent / "scslab")]


def fuzz(files: int = 200, runs: int = 5, seed: int = 0, jobs: int = 2, checked: int | None = None,
         checked_runs: int | None = None, command: list[str] | None = None, failures_dir: Path = FAILURES,
         numbers: list[int] | None = None, progress=None) -> Report:
    """Validate ``files`` cases in workers and run ``runs`` accepted ones; check samples with ``command``.

    ``checked`` files (default files/100) are also validated, and ``checked_runs`` of the runs
    (default runs/20) also run, by ``command`` (default: the scslab executable) in a fresh process.
    ``numbers`` picks the cases (default 0..files-1). Failing cases are written to ``failures_dir``;
    ``progress(stage, total)`` returns a callable that is called once per case done.
    """
    start = time.perf_counter()
    command = command or scslab_command()
    numbers = list(range(files)) if numbers is None else numbers
    checked = max(1, len(numbers) // 100) if checked is None else checked
    checked_runs = max(1, runs // 20) if checked_runs is None else checked_runs
    progress = progress or (lambda stage, total: lambda: None)
    data_by_base = bases()
    report = Report(seed, files=len(numbers))
    work = Path(tempfile.mkdtemp(prefix="scslab-fuzz-"))
    failures_dir.mkdir(parents=True, exist_ok=True)
    for old in [*failures_dir.glob("case-*"), failures_dir / "index.tsv"]:
        old.unlink(missing_ok=True)
    lock = threading.Lock()
    exits: dict[int, int] = {}

    def fail(case: Case, stage: str, kind: str, detail: str, reproduce: str) -> None:
        file = failures_dir / f"case-{case.number:05d}.toml"
        file.write_bytes(case.text)
        reproduce = reproduce.replace("FILE", str(file))
        (failures_dir / f"case-{case.number:05d}-{stage.replace(' ', '-')}.txt").write_text(
            f"case {case.number} (seed {seed}): {case.describe()}\nstage: {stage}\nfailure: {kind}\n"
            f"reproduce: {reproduce}\nregenerate: python -m tools.fuzz --seed {seed} --case {case.number}\n\n{detail}\n")
        with lock:
            report.failures.append(Failure(case, stage, kind, detail, reproduce))

    def written(number: int, prefix: str) -> tuple[Case, Path]:
        case = make_case(seed, number, data_by_base)
        path = work / f"{prefix}-{number:05d}.toml"
        path.write_bytes(case.text)
        return case, path

    def validate(number: int) -> None:
        case, path = written(number, "validate")
        failure, detail, code = judge_reply(validators.check(["validate", str(path)], VALIDATE_SECONDS))
        path.unlink()
        if failure:
            fail(case, "validate", failure, detail, "scslab validate FILE")
        else:
            exits[number] = code

    def validate_executable(number: int) -> None:
        case, path = written(number, "executable")
        failure, detail, code = execute([*command, "validate", str(path)], EXECUTABLE_SECONDS, VALIDATE_MEMORY)
        path.unlink()
        if failure is None and number in exits and code != exits[number]:
            failure = f"exit {code} from the executable, {exits[number]} in-process"
        if failure:
            fail(case, "scslab validate", failure, detail, "scslab validate FILE")

    def short_run(number: int, executable: bool = False) -> None:
        case, path = written(number, "run")
        out = path.with_suffix("")
        args = ["run", str(path), *RUN_ARGS, "--out", str(out)]
        if executable:
            failure, detail, code = execute([*command, *args], RUN_SECONDS, RUN_MEMORY, run=True)
        else:
            failure, detail, code = judge_reply(runners.check(args, RUN_SECONDS), run=True)
        if failure is None and code == 0:
            problems = check_outputs(out)
            if problems:
                failure, detail = "invariant " + problems[0].split(" (")[0], "\n".join(problems)
        shutil.rmtree(out, ignore_errors=True)
        path.unlink()
        if failure:
            stage = "scslab run" if executable else "run"
            fail(case, stage, failure, detail, f"scslab run FILE {' '.join(RUN_ARGS)} --out /tmp/fuzz-run")

    def stage(name: str, items: list[int], check, workers: Workers | None = None) -> None:
        tick = progress(name, len(items))
        try:
            with ThreadPoolExecutor(jobs) as pool:
                for _ in pool.map(check, items):
                    tick()
        finally:
            if workers is not None:
                workers.close()

    validators, runners = Workers(VALIDATE_MEMORY), Workers(RUN_MEMORY)
    try:
        stage("validate (in-process)", numbers, validate, validators)
        report.accepted = sum(code == 0 for code in exits.values())
        report.rejected = sum(code == 2 for code in exits.values())
        sampler = random.Random(f"{seed}:sample")
        sample = sampler.sample(numbers, min(checked, len(numbers)))
        chosen = sampler.sample(sorted(n for n, code in exits.items() if code == 0), min(runs, report.accepted))
        stage("scslab validate", sample, validate_executable)
        stage("run (in-process)", chosen, short_run, runners)
        chosen_executable = chosen[:checked_runs]
        stage("scslab run", chosen_executable, lambda number: short_run(number, executable=True))
        report.checked, report.runs, report.checked_runs = len(sample), len(chosen), len(chosen_executable)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.failures.sort(key=lambda f: (f.case.number, f.stage))
    with (failures_dir / "index.tsv").open("w") as index:
        for f in report.failures:
            index.write(f"{f.case.number}\t{f.stage}\t{f.kind}\t{f.case.describe()}\t{f.command}\n")
    report.seconds = time.perf_counter() - start
    return report


def print_report(report: Report, console, failures_dir: Path) -> None:
    """The summary: counts, then failures by kind with one example each."""
    console.print(f"seed {report.seed}: {report.files:,} files tried, {report.accepted:,} accepted, "
                  f"{report.rejected:,} rejected with one line, {report.checked:,} also by the scslab executable; "
                  f"{report.runs:,} short runs, {report.checked_runs:,} also by the executable; "
                  f"{len(report.failures):,} failures; {report.seconds:,.0f} s", highlight=False, soft_wrap=True)
    kinds = Counter((f.stage, f.kind) for f in report.failures)
    for (stage, kind), count in kinds.most_common():
        example = next(f for f in report.failures if (f.stage, f.kind) == (stage, kind))
        console.print(f"\n{stage}: {kind}: {count} case(s), e.g. case {example.case.number}: "
                      f"{example.case.describe()}\n  {example.command}", highlight=False, markup=False, soft_wrap=True)
    if report.failures:
        console.print(f"\nFailing cases are in {failures_dir}/ (index.tsv lists them).", highlight=False)


def main(argv: list[str] | None = None) -> int:
    """The command line; exit status 1 when any case failed."""
    parser = argparse.ArgumentParser(prog="python -m tools.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000, help="mutated scenario files to validate")
    parser.add_argument("--runs", type=int, default=30, help="short runs of accepted files")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checked", type=int, help="files also validated by the scslab executable (default files/100)")
    parser.add_argument("--checked-runs", type=int, help="runs also made by the scslab executable (default runs/20)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--failures", type=Path, default=FAILURES, help="directory for failing cases")
    parser.add_argument("--case", type=int, help="only this case (validated, and run if accepted, both ways)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve()
        return 0
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console()
    single = args.case is not None
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        def progress(stage: str, total: int):
            task = bar.add_task(stage, total=total)
            return lambda: bar.advance(task)

        report = fuzz(files=args.files, runs=1 if single else args.runs, seed=args.seed, jobs=args.jobs,
                      checked=1 if single else args.checked, checked_runs=1 if single else args.checked_runs,
                      failures_dir=args.failures, numbers=[args.case] if single else None, progress=progress)
    print_report(report, console, args.failures)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
