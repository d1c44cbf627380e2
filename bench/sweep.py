"""Speed of sweeps against `run` on the same machine; prints figures (no timed tests).

Every row is the real command in a fresh process, timed wall-clock, at 60 turns of inf_2018:

1. `run` of N runs (the reference replicas per second);
2. `sweep --method grid` with one value at P levels x N/P runs per point, on the local process pool
   (the same number of replicas as row 1: the per-point overhead is the difference);
3. the same sweep with `--dask local` (a LocalCluster of as many workers as the pool), including the
   cluster's start.

The issue's targets: a sweep at least 90% of `run`'s replicas per second; the LocalCluster at least
80% of the process pool's.

    python bench/sweep.py            # 8,000 replicas per row (a few minutes on 2 cores)
    python bench/sweep.py --quick    # 800, to check the script works
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(*args: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, str(ROOT / "run_sim.py"), *args, "--quiet", "--out", str(Path(tmp) / "out")]
        started = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True)
        return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    a = ap.parse_args()
    replicas = 800 if a.quick else 8000
    points = 20
    per_point = replicas // points
    jobs = str(a.jobs)
    sweep = ["sweep", "inf_2018", "--method", "grid", "--levels", str(points), "--param",
             "actors.US.payoff.audience_cost=0:3", "--runs", str(per_point), "--turns", "60", "--no-plot",
             "--jobs", jobs]
    subprocess.run([sys.executable, str(ROOT / "run_sim.py"), "run", "inf_2018", "--runs", "1", "--turns", "1",
                    "--quiet", "--no-plot", "--out", tempfile.mkdtemp()], cwd=ROOT, check=True)   # compiled kernels
    rows = [("run", replicas, timed("run", "inf_2018", "--runs", str(replicas), "--turns", "60", "--no-plot",
                                    "--jobs", jobs)),
            (f"sweep grid, {points} points x {per_point} runs, process pool", replicas, timed(*sweep)),
            (f"sweep grid, {points} points x {per_point} runs, --dask local", replicas,
             timed(*sweep, "--dask", "local"))]
    print(f"inf_2018, 60 turns, {a.jobs} workers")
    print(f"{'command':55} {'replicas':>9} {'wall s':>8} {'replicas/s':>11} {'of run':>7}")
    base = rows[0][1] / rows[0][2]
    for label, n, wall in rows:
        print(f"{label:55} {n:9d} {wall:8.2f} {n / wall:11.1f} {n / wall / base:7.0%}")
    print(f"LocalCluster against the process pool: {rows[1][2] / rows[2][2]:.0%} of its replicas per second")


if __name__ == "__main__":
    main()
