"""Results are bit-identical for a seed whatever the number of threads, and whether small days run on one."""

import os
import subprocess
import sys

RUN = """
import hashlib, json, tempfile
from pathlib import Path
import os
import numba
import scslab
from scslab import scheduling
from scslab.scenario.loading import load
scheduling.SERIAL_BELOW = int(os.environ["SERIAL_BELOW"])
sc = load("china-2018", ["end_date=2016-06-30"])
out = scslab.Sim(sc, agents=80_000, seed=3).run().save(Path(tempfile.mkdtemp()) / "run")
digest = hashlib.sha256()
for name in ("timeseries.parquet", "by_group.parquet"):
    digest.update((out / name).read_bytes())
summary = json.loads((out / "summary.json").read_text())
summary.pop("runtime_seconds")
summary.pop("phase_seconds")  # timings, like the runtime
digest.update(json.dumps(summary, sort_keys=True).encode())
print(numba.get_num_threads(), digest.hexdigest())  # the run gives its threads back
"""


def _run_with_threads(threads: int, serial_below: int) -> tuple[int, str]:
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads), SERIAL_BELOW=str(serial_below))
    done = subprocess.run([sys.executable, "-c", RUN], env=env, capture_output=True, text=True, check=True)
    used, digest = done.stdout.split()
    return int(used), digest


def test_one_thread_and_three_threads_give_the_same_bytes():
    """Three threads on every large day (SERIAL_BELOW 0: all days, and the engine's measuring days switch
    between 3 and 1), on none (every day small), and as the engine chooses."""
    one = _run_with_threads(1, 20_000)
    for serial_below in (0, 10**12, 20_000):
        three = _run_with_threads(3, serial_below)
        assert three[0] == 3
        assert one[1] == three[1], serial_below
