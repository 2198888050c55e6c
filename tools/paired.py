"""Does a change move results beyond noise? Paired runs of this tree and another, seed by seed.

``python -m tools.paired --against DIR --scenario china-2018 --agents 200000 --seeds 10 [--first-seed 0]``

runs the scenario for each seed with this tree's ``scslab`` and with the one in ``DIR`` (a checkout
of another commit, e.g. made with ``git worktree add DIR COMMIT``), each in its own process, and
prints, for every end value both have, the mean of each, the mean paired difference, its standard
error over seeds, and whether the difference is within three standard errors. Used when splitting
a shared random stream: results may change, but only by sampling noise.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

RUN = """
import json, sys, scslab
r = scslab.Sim(sys.argv[1], agents=int(sys.argv[2]), seed=int(sys.argv[3])).run()
end = {k: float(v) for k, v in r.summary["end"].items()}
print(json.dumps(end))
"""


def end_values(source: Path, scenario: str, agents: int, seed: int) -> dict[str, float]:
    """One run's end values with the ``scslab`` under ``source`` (its ``src`` directory first on the path)."""
    env = dict(os.environ, PYTHONPATH=str(source / "src"))
    done = subprocess.run([sys.executable, "-c", RUN, scenario, str(agents), str(seed)], env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{source}: {scenario} seed {seed} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(new: list[dict], old: list[dict]) -> list[dict]:
    """Per output: means, mean paired difference and its standard error, within 3 SE or not."""
    rows = []
    for name in sorted(set(new[0]) & set(old[0])):
        diffs = [n[name] - o[name] for n, o in zip(new, old)]
        k = len(diffs)
        mean = sum(diffs) / k
        se = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (k - 1) / k) if k > 1 else float("nan")
        rows.append({"output": name, "new": sum(n[name] for n in new) / k, "old": sum(o[name] for o in old) / k,
                     "difference": mean, "se": se, "within_3se": abs(mean) <= 3 * se or mean == 0})
    return rows


def markdown(rows: list[dict]) -> str:
    lines = ["| output | this tree (mean) | other (mean) | paired difference | SE | within 3 SE |",
             "|---|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| `{r['output']}` | {r['new']:,.4g} | {r['old']:,.4g} | {r['difference']:+,.4g} | "
                     f"{r['se']:,.3g} | {'yes' if r['within_3se'] else '**no**'} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, type=Path, help="checkout of the other commit")
    parser.add_argument("--scenario", default="china-2018")
    parser.add_argument("--agents", type=int, default=200_000)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first-seed to first-seed + seeds - 1")
    args = parser.parse_args(argv)
    here = Path(__file__).resolve().parent.parent
    new, old = [], []
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    for seed in seeds:
        new.append(end_values(here, args.scenario, args.agents, seed))
        old.append(end_values(args.against.resolve(), args.scenario, args.agents, seed))
        print(f"seed {seed} done", file=sys.stderr, flush=True)
    rows = compare(new, old)
    print(f"{args.scenario}, {args.agents:,} agents, seeds {seeds[0]}-{seeds[-1]}, paired\n")
    print(markdown(rows))
    return 0 if all(r["within_3se"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
