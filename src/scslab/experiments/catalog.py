"""The catalog of a sweep: an embedded DuckDB database, ``DIR/catalog.duckdb``.

Tables (query them with SQL, or load them into pandas):

- ``sweep``: the sweep's definition (``key``, ``value`` as JSON), checked on resume;
- ``runs``: one row per run: ``run_id``, ``point``, ``replicate``, ``seed``, one column per
  parameter (named by its path, so quote it: ``"channels.cameras.coverage_urban"``),
  ``status`` (``pending``, ``done`` or ``failed``), ``error``, ``runtime_s``, ``worker``,
  ``finished_at`` and every output at the end of the run (daily counters summed);
- ``timeseries``: ``run_id`` and the run's daily time series (the columns of timeseries.parquet).

Each finished run is written in one transaction, replacing any earlier row of the same
run, so a run is never half-written and never counted twice.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd

from ..files import Kind, OutputError, earlier_output
from ..scenario.loading import ScenarioError
from .runs import OUTPUTS, RunResult

CATALOG_FILE = "catalog.duckdb"
CATALOG = Kind("sweep catalog", frozenset({CATALOG_FILE}), frozenset({CATALOG_FILE, f"{CATALOG_FILE}.wal"}))
"""A sweep's directory: the catalog and DuckDB's write-ahead log, nothing else."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Catalog:
    """A sweep's DuckDB catalog in ``directory`` (created if missing; a directory holding anything
    else is refused)."""

    def __init__(self, directory: str | Path, read_only: bool = False):
        self.directory = Path(directory)
        self.path = self.directory / CATALOG_FILE
        if read_only and not self.path.exists():
            raise ScenarioError(f"{self.directory}: no sweep catalog ({CATALOG_FILE}) there")
        if not read_only:
            try:
                earlier_output(self.directory, CATALOG)
            except OutputError as error:
                raise ScenarioError(f"--out {error}") from None
            self.directory.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as error:
            raise ScenarioError(f"{self.path}: cannot open the catalog ({error})") from None

    def close(self) -> None:
        self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def begin(self, definition: dict, parameters: list[str], planned: pd.DataFrame) -> None:
        """Create the tables for a new sweep, or check that ``definition`` is the stored one.

        ``planned`` has run_id, point, replicate, seed and one column per parameter; runs
        not yet in the catalog are added as ``pending``.
        """
        con = self.con
        con.execute("CREATE TABLE IF NOT EXISTS sweep (key VARCHAR PRIMARY KEY, value VARCHAR)")
        stored = dict(con.execute("SELECT key, value FROM sweep").fetchall())
        encoded = {key: json.dumps(value, sort_keys=True, default=str) for key, value in definition.items()}
        if stored:
            for key, value in encoded.items():
                if stored.get(key) != value:
                    raise ScenarioError(f"--out {self.directory}: holds a different sweep (its {key} differs); "
                                        "give another --out, or delete that directory to start again")
        params = ", ".join(f"{_quote(p)} DOUBLE" for p in parameters)
        outputs = ", ".join(f"{_quote(o)} DOUBLE" for o in OUTPUTS)
        con.execute("BEGIN")
        if not stored:
            con.executemany("INSERT INTO sweep VALUES (?, ?)", list(encoded.items()))
        con.execute(f"""CREATE TABLE IF NOT EXISTS runs (run_id VARCHAR PRIMARY KEY, point INTEGER,
            replicate INTEGER, seed BIGINT, {params}, status VARCHAR, error VARCHAR, runtime_s DOUBLE,
            worker VARCHAR, finished_at TIMESTAMP, {outputs})""")
        columns = ["run_id", "point", "replicate", "seed", *parameters]
        con.register("planned", planned[columns])
        con.execute(f"""INSERT INTO runs ({', '.join(map(_quote, columns))}, status)
            SELECT *, 'pending' FROM planned WHERE run_id NOT IN (SELECT run_id FROM runs)""")
        con.unregister("planned")
        con.execute("COMMIT")

    def finished(self) -> set[str]:
        return {row[0] for row in self.con.execute("SELECT run_id FROM runs WHERE status = 'done'").fetchall()}

    def record(self, result: RunResult) -> None:
        """Write one run's status, outputs and time series in a single transaction."""
        con = self.con
        values = [result.status, result.error, result.runtime, result.worker, dt.datetime.now()]
        values += [result.outputs.get(name) for name in OUTPUTS]
        assignments = ", ".join(f"{_quote(c)} = ?" for c in
                                ["status", "error", "runtime_s", "worker", "finished_at", *OUTPUTS])
        con.execute("BEGIN")
        try:
            con.execute(f"UPDATE runs SET {assignments} WHERE run_id = ?", [*values, result.run_id])
            if result.timeseries is not None:
                frame = result.timeseries
                con.register("incoming", frame)
                con.execute("CREATE TABLE IF NOT EXISTS timeseries AS "
                            "SELECT CAST(NULL AS VARCHAR) AS run_id, * FROM incoming LIMIT 0")
                con.execute("DELETE FROM timeseries WHERE run_id = ?", [result.run_id])
                con.execute(f"INSERT INTO timeseries SELECT ? AS run_id, {', '.join(map(_quote, frame.columns))} "
                            "FROM incoming", [result.run_id])
                con.unregister("incoming")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def runs(self) -> pd.DataFrame:
        """The ``runs`` table, ordered by run."""
        return self.con.execute("SELECT * FROM runs ORDER BY run_id").df()

    def timeseries(self) -> pd.DataFrame:
        """The ``timeseries`` table (empty if the sweep kept none), ordered by run and day."""
        exists = self.con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'timeseries'"
                                  ).fetchone()[0]
        if not exists:
            return pd.DataFrame(columns=["run_id"])
        return self.con.execute("SELECT * FROM timeseries ORDER BY run_id, day").df()

    def query(self, sql: str, parameters: list | None = None) -> pd.DataFrame:
        """Any SQL over the catalog's tables, as a DataFrame."""
        return self.con.execute(sql, parameters or []).df()
