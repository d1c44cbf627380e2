"""Simulations per second the calibration reaches; prints figures (no timed tests).

1. The model alone: single runs of the calibration case (`sim.calibration.statistics.simulate`, one run per
   call, as the inference makes them), each with new parameter values from the priors, in this process.
2. The inference: ABC-SMC (`sim.calibration.inference.infer`, all priors) with --population particles for
   --generations generations, at --jobs 1 and 2 (the project's process pool): runs per second of wall time,
   pyabc's proposals, weights and the pools' start-up included.

    python bench/calibration.py              # about two minutes on 2 cores
    python bench/calibration.py --quick      # small sizes, to check the script works
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from sim.calibration import inference, patterns, priors, statistics  # noqa: E402
from sim.core.scenario import apply_overrides, load  # noqa: E402
from sim.engine.ensemble import warm_up  # noqa: E402
from sim.engine.executors import map_in_order  # noqa: E402


def model_alone(case, pats, seconds: float) -> float:
    """Runs per second of the model with fresh prior values each run (one process)."""
    rng = np.random.default_rng(1)
    stats = [p.statistic for p in pats]
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        theta = {p.name: float(p.from_unit(rng.random())) for p in priors.DEFAULT}
        scn = apply_overrides(case, priors.overrides(priors.DEFAULT, theta), origin="prior")
        statistics.simulate(scn, done, [0], stats)
        done += 1
    return done / (time.perf_counter() - start)


def inference_rate(case, pats, jobs: int, population: int, generations: int) -> tuple[float, int, float]:
    """(runs per second, runs, seconds) of an ABC-SMC inference on `jobs` workers."""
    settings = inference.Settings(population=population, generations=generations, max_simulations=10**7)
    start = time.perf_counter()
    result = inference.infer(case, priors.DEFAULT, pats, 1, settings,
                             lambda fn, tasks: map_in_order(fn, tasks, jobs, warm=lambda: warm_up(case)))
    took = time.perf_counter() - start
    runs = sum(result.evaluations)
    return runs / took, runs, took


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes")
    args = p.parse_args()
    case = load("inf_2014_2019")
    pats = patterns.load(patterns.path_for(case), case)
    warm_up(case)
    population, generations = (20, 2) if args.quick else (100, 4)
    print(f"calibration case {case.name}: {case.scenario.turns} turns, {len(case.actors)} actors, "
          f"{len(pats)} patterns, {len(priors.DEFAULT)} parameters")
    print(f"model alone, one run per call, new values each: {model_alone(case, pats, 3 if args.quick else 15):.1f} "
          "runs/s (1 process)")
    for jobs in (1, 2):
        rate, runs, took = inference_rate(case, pats, jobs, population, generations)
        print(f"ABC-SMC, {population} particles x {generations} generations, --jobs {jobs}: {runs} runs in "
              f"{took:.1f} s, {rate:.1f} runs/s")


if __name__ == "__main__":
    main()
