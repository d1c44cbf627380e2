"""Cold compile and warm start of the compiled kernels, each in a fresh process.

    python bench/compile.py            # cold (empty numba cache) then warm (cache filled), per kernel
    python bench/compile.py --warm     # warm only (uses the cache of a cold pass in the same folder)

A cold pass points NUMBA_CACHE_DIR at an empty folder, so the checkout's own cache is untouched. Each
kernel is timed at its first call (compile, or load from the cache, plus one tiny call), in the order a
run meets them; `total` is the wall time of the whole child process, start-up included.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
from sim.core import scenario
from sim.engine.crisis import Crisis
from sim.output import csv_text
times = {}
def timed(name, fn):
    t = time.perf_counter(); fn(); times[name] = time.perf_counter() - t
imported = time.perf_counter() - t0
scn = scenario.load("inf_2018")
holder = {}
timed("initial state (score)", lambda: holder.setdefault("c", Crisis(scn, 1, np.arange(2), 2)))
crisis = holder["c"]
from sim.kernel import dynamics, lookahead
view = crisis.view()
timed("legal moves", lambda: dynamics.legal_moves(crisis.state, view.params))
timed("look-ahead values", lambda: lookahead.expected_values(crisis.state, view.params, 1, None, None, view.draws))
timed("continuation", lambda: lookahead.continuation(crisis.state, view.params, 1))
timed("turn", lambda: crisis.resolve(crisis.decide_all()))
timed("csv writer", lambda: csv_text.csv_text([np.arange(3), np.array([0.5, 1.0, 2.0])]))
times["import"] = imported
times["total"] = time.perf_counter() - t0
print(json.dumps(times))
"""


def child(cache: str) -> dict[str, float]:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", help="numba cache folder (default: a new temporary one)")
    args = ap.parse_args()
    cache = args.cache or tempfile.mkdtemp(prefix="numba-cold-")
    rows = {}
    wall = time.perf_counter()
    rows["cold"] = child(cache)
    rows["warm"] = child(cache)
    names = list(rows["cold"])
    print(f"{'step':24s} {'cold s':>8s} {'warm s':>8s}")
    for name in names:
        print(f"{name:24s} {rows['cold'][name]:8.2f} {rows['warm'][name]:8.2f}")
    print(f"(both passes {time.perf_counter() - wall:.1f} s; cache {cache})")


if __name__ == "__main__":
    main()
