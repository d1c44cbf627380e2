"""Posterior predictive check of a calibration: how often runs show each observed pattern, with parameters
drawn from the priors and from the posterior; prints docs/calibration.md's table.

    python bench/posterior_check.py                                   # docs/inf_2014_2019_posterior.json
    python bench/posterior_check.py --posterior results/p.json --runs 400 --seed 99

Run r draws its values from its own stream: from the priors with SeedSequence(seed, spawn_key=(r, 3)), from
the posterior by the particles' weights as `run --posterior` does (`sim.calibration.draws.particles`); its
turns then draw as any run r of seed `seed`. Also printed: the posterior's effective sample size (pyabc's
`effective_sample_size` of the weights) and the 90% intervals of the file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from pyabc.weighted_statistics import effective_sample_size  # noqa: E402

from sim.calibration import draws, patterns, priors, statistics  # noqa: E402
from sim.calibration.distance import distance, misses  # noqa: E402
from sim.core.scenario import apply_overrides, load  # noqa: E402

PRIOR_STREAM = 3


def prior_values(chosen: tuple[priors.Prior, ...], seed: int, r: int) -> dict[str, float]:
    """Run r's values from the priors, from its own stream."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(r, PRIOR_STREAM)))
    return {p.name: float(p.from_unit(rng.random())) for p in chosen}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posterior", type=Path, default=ROOT / "docs" / "inf_2014_2019_posterior.json")
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--seed", type=int, default=99)
    args = parser.parse_args()

    doc = json.loads(args.posterior.read_text())
    case = load(doc["scenario"])
    pats = patterns.load(patterns.path_for(case), case)
    stats = [p.statistic for p in pats]
    chosen = priors.select([p["name"] for p in doc["priors"]])
    runs = np.arange(args.runs)

    def from_priors(r: int):
        return apply_overrides(case, priors.overrides(chosen, prior_values(chosen, args.seed, r)), origin="prior")

    prior = np.vstack([statistics.simulate(from_priors(r), args.seed, [r], stats) for r in runs])
    picks = draws.particles(args.seed, runs, np.asarray(doc["weights"], dtype=float))
    post = np.vstack([statistics.simulate(draws.particle_scenario(case, doc, int(k)), args.seed, [r], stats)
                      for r, k in zip(runs, picks, strict=True)])

    weights = np.asarray(doc["weights"], dtype=float)
    print(f"{args.posterior.name}: {doc['scenario']}, {len(weights)} particles, effective sample size "
          f"{effective_sample_size(weights / weights.sum()):.0f}, {doc['simulations']} runs, tolerances "
          + ", ".join(f"{g['epsilon']:.2f}" for g in doc["generations"]))
    print(f"commit {doc['provenance'].get('commit')}, dirty {doc['provenance'].get('dirty')}\n")
    print("| parameter | prior | median | 90% interval |\n| --- | --- | --- | --- |")
    for p in doc["priors"]:
        iv = doc["intervals"][p["name"]]
        print(f"| `{p['name']}` | {p['low']:g}-{p['high']:g} ({p['scale']}) | {iv['median']:.4g} | "
              f"[{iv['low']:.4g}, {iv['high']:.4g}] |")
    print(f"\n{args.runs} runs each, seed {args.seed}\n")
    print("| pattern | prior | posterior |\n| --- | --- | --- |")
    for k, p in enumerate(pats):
        shown = [float(np.mean(misses(x, pats)[:, k] == 0)) for x in (prior, post)]
        print(f"| `{p.name}` | {shown[0]:.0%} | {shown[1]:.0%} |")
    print("| distance, median | " + " | ".join(f"{np.median(distance(x, pats)):.1f}" for x in (prior, post)) + " |")
    print("| every pattern met | " + " | ".join(f"{np.mean(distance(x, pats) == 0):.0%}" for x in (prior, post)) + " |")


if __name__ == "__main__":
    main()
