"""Speed and memory of the two engines on inf_2018 at 60 turns; prints a table of figures.

Each configuration runs the real command line in a fresh process (`run_sim.py run ... --quiet`,
all outputs and figures written) and is timed wall-clock; memory is the peak of the summed
resident memory of that process and its workers, sampled from /proc every 20 ms.

    python bench/ensemble.py                  # the full table (about two minutes here)
    python bench/ensemble.py --quick          # smaller sizes, to check the script works
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIRROR_ONLY = ["--set", 'actors.US.rule={name="mirror"}', "--set", 'actors.NATO.rule={name="mirror"}']


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def measure(args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak tree memory of `run_sim.py run` with `args`."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, str(ROOT / "run_sim.py"), "run", "inf_2018", "--turns", "60", "--quiet",
               "--out", str(Path(tmp) / "out"), *args]
        peak = 0
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss(proc.pid))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
        if code != 0:
            raise SystemExit(f"failed ({code}): {' '.join(cmd)}")
        return wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    opts = parser.parse_args()
    sizes = [1, 100, 1000] if opts.quick else [1, 100, 1000, 10_000]
    mesa_runs = 20 if opts.quick else 200

    measure(["--runs", "1"])  # compile the kernel into the cache first, so no row pays for it
    print(f"inf_2018, 60 turns, all outputs written; {os.cpu_count()} cores; "
          f"commit {_commit()}")
    print(f"{'engine':<28}{'runs':>7}{'jobs':>6}{'wall s':>9}{'runs/s':>10}{'peak MB':>9}")
    rows = {}
    for n in sizes:
        wall, peak = measure(["--runs", str(n)])
        rows[("ensemble", n)] = (wall, peak)
        print(f"{'ensemble':<28}{n:>7}{'all':>6}{wall:>9.2f}{n / wall:>10.1f}{peak / 2**20:>9.0f}")
    for jobs in ("1", "2"):
        wall, peak = measure(["--runs", str(sizes[-1]), "--jobs", jobs])
        print(f"{'ensemble':<28}{sizes[-1]:>7}{jobs:>6}{wall:>9.2f}{sizes[-1] / wall:>10.1f}{peak / 2**20:>9.0f}")
    wall_m, peak_m = measure(["--runs", str(mesa_runs), "--engine", "mesa"])
    print(f"{'mesa':<28}{mesa_runs:>7}{'all':>6}{wall_m:>9.2f}{mesa_runs / wall_m:>10.1f}{peak_m / 2**20:>9.0f}")
    big = sizes[-1]
    ratio = (big / rows[("ensemble", big)][0]) / (mesa_runs / wall_m)
    print(f"ensemble / mesa runs per second: {ratio:.1f}x")

    # the engines without the quantal look-ahead, which both share: what the driver itself costs
    wall_e, _ = measure(["--runs", str(big), *MIRROR_ONLY])
    wall_m2, _ = measure(["--runs", str(mesa_runs), "--engine", "mesa", *MIRROR_ONLY])
    print(f"{'ensemble, mirror rules only':<28}{big:>7}{'all':>6}{wall_e:>9.2f}{big / wall_e:>10.1f}")
    print(f"{'mesa, mirror rules only':<28}{mesa_runs:>7}{'all':>6}{wall_m2:>9.2f}{mesa_runs / wall_m2:>10.1f}")
    print(f"ensemble / mesa runs per second, mirror rules only: {(big / wall_e) / (mesa_runs / wall_m2):.1f}x")


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    main()
