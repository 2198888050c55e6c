"""Results are bit-identical for a seed whatever the number of threads."""

import os
import subprocess
import sys

RUN = """
import hashlib, json, tempfile
from pathlib import Path
import numba
import scslab
from scslab.scenario.loading import load
sc = load("china-2018", ["end_date=2016-06-30"])
out = scslab.Sim(sc, agents=80_000, seed=3).run().save(Path(tempfile.mkdtemp()) / "run")
digest = hashlib.sha256()
for name in ("timeseries.parquet", "by_group.parquet"):
    digest.update((out / name).read_bytes())
summary = json.loads((out / "summary.json").read_text())
summary.pop("runtime_seconds")
digest.update(json.dumps(summary, sort_keys=True).encode())
print(numba.get_num_threads(), digest.hexdigest())
"""


def _run_with_threads(threads: int) -> tuple[int, str]:
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    done = subprocess.run([sys.executable, "-c", RUN], env=env, capture_output=True, text=True, check=True)
    used, digest = done.stdout.split()
    return int(used), digest


def test_one_thread_and_three_threads_give_the_same_bytes():
    one, three = _run_with_threads(1), _run_with_threads(3)
    assert (one[0], three[0]) == (1, 3)
    assert one[1] == three[1]
