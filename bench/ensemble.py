"""Speed and memory of the ensemble engine at 60 turns; prints figures (no timed tests).

1. inf_2018, 10,000 runs x 60 turns, every CSV and summary written (`run_sim.py run ... --no-plot
   --quiet` in a fresh process), wall seconds; and 2,000 runs, to see whether memory is flat in runs.
2. inf_2018_asia (8 actors: US, RU, NATO, PL, CN, JP, KR, AU), 1,000 runs x 60 turns, the same way.
3. Cost per actor-turn (microseconds per replica per actor per turn) as actors go from 2 to 10:
   synthetic scenarios of dilemma_2p-like actors (two blocs, every actor quantal), run in this
   process through `sim.engine.ensemble.run_lockstep` (the code path of `run`, without the writing).

Memory: the peak of the summed resident memory of the command's process tree, sampled from /proc
every 20 ms, and getrusage(RUSAGE_CHILDREN).ru_maxrss (the largest single descendant so far).

    python bench/ensemble.py            # the full set (about ten minutes on 2 cores)
    python bench/ensemble.py --quick    # small sizes, to check the script works
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


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


def measure(scenario: str, runs: int, *args: str) -> tuple[float, int, int]:
    """Wall seconds, peak tree RSS and peak single-child RSS (bytes) of `run_sim.py run`."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, str(ROOT / "run_sim.py"), "run", scenario, "--runs", str(runs), "--turns", "60",
               "--no-plot", "--quiet", "--out", str(Path(tmp) / "out"), *args]
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
        child_max = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # Linux: KiB
        return wall, peak, child_max


def synthetic(n: int, turns: int):
    """n dilemma_2p-like actors in two blocs (even ids against odd ids), all quantal, no treaty."""
    from sim.core import scenario

    payoff = {"treaty_value": 0.0, "threat_weight": 2.0, "reaction": 0.5, "deploy_cost": 0.02, "upkeep": 0.002,
              "war_cost": 200.0, "audience_cost": 1.0, "reputation_cost": 0.0, "talks_value": 0.2,
              "dialogue_cost": 0.0, "discount": 0.9}
    ids = [f"A{k}" for k in range(n)]
    actors = [{"id": a, "allies": [b for j, b in enumerate(ids) if j % 2 == k % 2 and b != a],
               "adversaries": [b for j, b in enumerate(ids) if j % 2 != k % 2],
               "deploy_batch": 10, "deploy_lag_days": 60, "programme": {"stage": "ready"},
               "rule": {"name": "quantal", "lambda": 3.0}, "payoff": payoff} for k, a in enumerate(ids)]
    data = {"scenario": {"name": f"synthetic_{n}", "start_date": date(2025, 1, 1), "turns": turns},
            "treaty": {"status": "none"}, "actors": actors,
            "escalation": {"w_treaty": 0.0, "w_missiles": 0.6, "w_arming": 0.3, "w_demands": 0.1,
                           "missile_scale": 50.0},
            "risk": {"h_max": 0.005, "p_detect": 0.0}}
    return scenario.from_dict(data, source=f"<synthetic {n} actors>")


def per_actor_turn(sizes: list[int], runs: int, turns: int) -> list[tuple[int, float, float]]:
    """(actors, wall s, microseconds per replica per actor per turn) of run_lockstep, in this process."""
    import numpy as np

    from sim.core import scenario
    from sim.engine.ensemble import run_lockstep

    run_lockstep(synthetic(2, 2), 0, np.arange(2), 2)   # load the compiled kernels first
    out = []
    for n in sizes:
        scn = synthetic(n, turns)
        started = time.perf_counter()
        run_lockstep(scn, 1, np.arange(runs), turns)
        wall = time.perf_counter() - started
        out.append((n, wall, wall / (runs * n * turns) * 1e6))
    asia = scenario.load("inf_2018_asia")
    for n in (3, 5, len(asia.actor_ids)):   # subsets of the asia scenario: its first n actors, then all
        keep = asia.actor_ids[:n]
        raw = asia.raw()
        raw["actors"] = [_subset_actor(a, keep) for a in raw["actors"] if a["id"] in keep]
        raw["scenario"]["turns"] = turns
        scn = scenario.from_dict(raw, source=f"<inf_2018_asia, first {n} actors>")
        started = time.perf_counter()
        run_lockstep(scn, 1, np.arange(runs), turns)
        wall = time.perf_counter() - started
        out.append((-n, wall, wall / (runs * n * turns) * 1e6))
    return out


def _subset_actor(a: dict, keep: list[str]) -> dict:
    a = dict(a)
    for key in ("allies", "adversaries", "basing_reach"):
        if key in a:
            a[key] = [x for x in a[key] if x in keep]
    a["trust"] = {k: v for k, v in a.get("trust", {}).items() if k in keep}
    if a.get("host_for") not in keep:
        a.pop("host_for", None)
    return a


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    opts = parser.parse_args()
    big, mid, asia_runs = (1000, 200, 50) if opts.quick else (10_000, 2_000, 1_000)
    syn_runs, syn_turns = (20, 6) if opts.quick else (100, 12)

    measure("inf_2018", 1)  # load the compiled kernels once, so no row pays for a compile
    print(f"60 turns, CSVs and summary written (--no-plot); {os.cpu_count()} cores; commit {_commit()}")
    print(f"{'scenario':<16}{'actors':>7}{'runs':>7}{'wall s':>9}{'runs/s':>9}{'us/act-turn':>12}"
          f"{'tree MB':>9}{'child MB':>9}")
    from sim.core import scenario

    asia_actors = len(scenario.load("inf_2018_asia").actor_ids)
    rows = {}
    for name, n_act, runs in (("inf_2018", 3, mid), ("inf_2018", 3, big), ("inf_2018_asia", asia_actors, asia_runs)):
        wall, peak, child = measure(name, runs)
        rows[(name, runs)] = (wall, peak)
        print(f"{name:<16}{n_act:>7}{runs:>7}{wall:>9.2f}{runs / wall:>9.1f}"
              f"{wall / (runs * n_act * 60) * 1e6:>12.1f}{peak / 2**20:>9.0f}{child / 2**20:>9.0f}")
    p_mid, p_big = rows[("inf_2018", mid)][1], rows[("inf_2018", big)][1]
    flat = abs(p_big - p_mid) / p_mid < 0.15
    print(f"memory in runs: {p_mid / 2**20:.0f} MB at {mid} runs, {p_big / 2**20:.0f} MB at {big} "
          f"({(p_big / p_mid - 1) * 100:+.0f}%): {'flat' if flat else 'NOT flat'}")
    print("(us/act-turn of the rows above is wall over runs x actors x turns, fixed start-up and writing included)")

    print(f"\ncost per actor-turn, run_lockstep in one process, {syn_runs} replicas x {syn_turns} turns")
    print(f"{'scenario':<34}{'actors':>7}{'wall s':>9}{'us/act-turn':>12}")
    for n, wall, us in per_actor_turn([2, 4, 6, 8, 10], syn_runs, syn_turns):
        label = "synthetic, all quantal" if n > 0 else "inf_2018_asia, first actors"
        print(f"{label:<34}{abs(n):>7}{wall:>9.2f}{us:>12.1f}")


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    main()
