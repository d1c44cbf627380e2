"""Validation v2 (docs/validation.md (e)): the scenario's shares of what happened after 16 January 2019, scored.

    python bench/skill.py [--runs 2000] [--seed 2019] [--seeds 2020,2021,2022,2023]
                          [--posterior docs/inf_2014_2019_posterior.json] [--scenario inf_2018]

Per pattern of bench/validation.py (`pattern_hits`; every outcome is 1) and variant (the default, US and NATO
best response, every actor best response, the posterior's draws): the share with its Wilson 95% interval and its
Brier score; per variant the mean Brier score and its skill against the `random` null, the `mirror` null, the
climatology (the prior predictive: run r draws every prior of sim/calibration/priors.py from
``SeedSequence(seed, spawn_key=(r, 3))``) and a constant 0.5; the runs each share needs for +-1%; the shares
over the other root seeds against their Monte Carlo error; and structural sensitivity: Russia's rule and the
bargaining protocol, each changed alone on the default. Markdown tables on stdout. Reported, never tuned to.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import validation
from posterior_check import prior_values  # run r's prior draw: SeedSequence(seed, spawn_key=(r, 3))
from scipy import stats

from sim.analysis.skill import brier, mean_brier, runs_for, share_interval, skill
from sim.calibration import draws, priors
from sim.core import scenario
from sim.core.scenario import Scenario

REFERENCES = ("null: all random", "null: all mirror", "climatology")
MODELS = ("default", "US and NATO best response", "all best response", "posterior")


def hits(scn: Scenario, seed: int, runs: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The pattern names and [runs, patterns] booleans of these runs of `scn`."""
    return validation.pattern_hits(validation.measure(scn, runs, seed))


def drawn_hits(scenario_of: Callable[[int], Scenario], drawn: np.ndarray, seed: int) -> np.ndarray:
    """[runs, patterns] booleans of runs 0 .. len(drawn) - 1, run r run with scenario_of(drawn[r])."""
    out: np.ndarray | None = None
    for k in np.unique(drawn):
        mine = np.flatnonzero(drawn == k)
        _, h = hits(scenario_of(int(k)), seed, mine)
        out = np.zeros((len(drawn), h.shape[1]), bool) if out is None else out
        out[mine] = h
    assert out is not None
    return out


def prior_draws(scn: Scenario, seed: int, runs: int) -> dict:
    """The prior predictive as a posterior-like document: run r's own draw of every prior (the draw of
    bench/posterior_check.py), as particle r."""
    values = [prior_values(priors.DEFAULT, seed, r) for r in range(runs)]
    samples = {p.name: [v[p.name] for v in values] for p in priors.DEFAULT}
    doc = {"priors": [{"name": p.name, "keys": list(p.keys), "whole": p.whole} for p in priors.DEFAULT],
           "samples": samples, "weights": [1.0] * runs}
    return draws.fit(doc, scn, "prior")


def variants(base: Scenario) -> dict[str, dict]:
    """The scored variants and references of bench/validation.py, by name: their scenario overrides."""
    v = validation.variants(base)
    return {name: v[name] for name in ("default", "US and NATO best response", "all best response",
                                       "null: all random", "null: all mirror")}


def structures(base: Scenario) -> dict[str, dict]:
    """Structural variants of the default, each one change: Russia's rule, then the bargaining protocol."""
    ids = base.actor_ids
    lam = next(a.rule["lambda"] for a in base.actors if a.rule.get("name") == "quantal")
    return {
        "Russia: doctrine (default)": {},
        "Russia: quantal": {"actors.RU.rule": {"name": "quantal", "lambda": lam}},
        "Russia: best_response": {"actors.RU.rule": {"name": "best_response"}},
        "Russia: mirror": {"actors.RU.rule": {"name": "mirror"}},
        "talks: fast (talks_rate 1)": {"diplomacy.talks_rate": 1.0},
        "talks: slow (talks_rate 0.1)": {"diplomacy.talks_rate": 0.1},
        "talks: progress kept (talks_decay 0)": {"diplomacy.talks_decay": 0.0},
        "private reserves (private_value 10)": {f"actors.{a}.payoff.private_value": 10.0 for a in ("US", "RU")},
        "enforceable deals (every trust 1)": {f"actors.{a}.trust": {b: 1.0 for b in ids if b != a} for a in ids},
    }


class Scorer:
    """Runs the variants of one scenario at one seed and keeps their per-run pattern hits."""

    def __init__(self, base: Scenario, runs: int, seed: int, posterior: dict | None):
        self.base, self.runs, self.seed, self.posterior = base, runs, seed, posterior
        self.names: list[str] = []

    def run(self, name: str, over: dict | None = None) -> np.ndarray:
        """[runs, patterns] hits of a variant: overrides, or "posterior", or "climatology"."""
        t0 = time.perf_counter()
        if name == "posterior":
            doc = self.posterior
            assert doc is not None
            drawn = draws.particles(self.seed, np.arange(self.runs), np.asarray(doc["weights"], dtype=float))
            h = drawn_hits(lambda k: draws.particle_scenario(self.base, doc, k), drawn, self.seed)
        elif name == "climatology":
            doc = prior_draws(self.base, self.seed, self.runs)
            h = drawn_hits(lambda k: draws.particle_scenario(self.base, doc, k, "prior"), np.arange(self.runs),
                           self.seed)
        else:
            scn = scenario.apply_overrides(self.base, over) if over else self.base
            self.names, h = hits(scn, self.seed, np.arange(self.runs))
        print(f"== {name} ({self.runs} runs, seed {self.seed}, {time.perf_counter() - t0:.1f} s)", flush=True)
        return h


def score_table(title: str, shares: dict[str, np.ndarray], refs: dict[str, float]) -> None:
    """Per variant: mean Brier score and skill against each reference."""
    print(f"\n{title}\n")
    print("| variant | mean Brier | skill vs random | skill vs mirror | skill vs climatology | skill vs 0.5 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, p in shares.items():
        bs = mean_brier(p, np.ones_like(p))
        cells = [f"{skill(bs, refs[r]):+.3f}" for r in REFERENCES] + [f"{skill(bs, 0.25):+.3f}"]
        print(f"| {name} | {bs:.3f} | " + " | ".join(cells) + " |")


def pattern_table(names: list[str], hit: dict[str, np.ndarray]) -> None:
    """Per pattern: share [95% interval] (Brier) per variant; then the runs each share needs for +-1%."""
    cols = list(hit)
    print("\n| pattern (outcome 1) | " + " | ".join(cols) + " |")
    print("| --- | " + " | ".join("---" for _ in cols) + " |")
    for k, pat in enumerate(names):
        cells = []
        for c in cols:
            n, x = len(hit[c]), int(hit[c][:, k].sum())
            lo, hi = share_interval(x, n)
            cells.append(f"{x / n:.3f} [{lo:.3f}, {hi:.3f}] ({brier([x / n], [1])[0]:.3f})")
        print(f"| {pat} | " + " | ".join(cells) + " |")
    print("| all seven together (not scored) | " + " | ".join(f"{hit[c].all(axis=1).mean():.3f}" for c in cols) + " |")
    print("\nruns for +-1% (95%) at each share\n")
    print("| pattern | " + " | ".join(cols) + " |")
    print("| --- | " + " | ".join("---" for _ in cols) + " |")
    for k, pat in enumerate(names):
        print(f"| {pat} | " + " | ".join(str(runs_for(float(hit[c][:, k].mean()))) for c in cols) + " |")
    print("| worst pattern | " + " | ".join(str(max(runs_for(float(p)) for p in hit[c].mean(axis=0))) for c in cols)
          + " |")


def seed_table(names: list[str], per_seed: dict[str, list[np.ndarray]], seeds: list[int], runs: int) -> None:
    """Per pattern and variant: the shares' range over the seeds, their standard deviation and the Monte Carlo one."""
    cols = list(per_seed)
    df = len(seeds) - 1
    band = np.sqrt(stats.chi2.ppf([0.025, 0.975], df) / df)
    print(f"\nseeds {', '.join(map(str, seeds))}: min-max of the share; sd over seeds / Monte Carlo sd "
          f"sqrt(p(1-p)/{runs}) at the pooled share (if the seed changes nothing but the draws, their ratio lies "
          f"in [{band[0]:.2f}, {band[1]:.2f}] 95% of the time: chi-square, {df} df)\n")
    print("| pattern | " + " | ".join(cols) + " |")
    print("| --- | " + " | ".join("---" for _ in cols) + " |")
    for k, pat in enumerate([*names, "mean Brier score"]):
        cells = []
        for c in cols:
            if k < len(names):
                s = np.array([h[:, k].mean() for h in per_seed[c]])
                mc = np.sqrt(s.mean() * (1 - s.mean()) / runs)
                cells.append(f"{s.min():.3f}-{s.max():.3f}; {s.std(ddof=1):.4f} / {mc:.4f}")
            else:
                b = [mean_brier(h.mean(axis=0), np.ones(h.shape[1])) for h in per_seed[c]]
                cells.append(f"{min(b):.3f}-{max(b):.3f}; sd {np.std(b, ddof=1):.4f}")
        print(f"| {pat} | " + " | ".join(cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument("--seeds", default="2020,2021,2022,2023", help="further root seeds (comma-separated; '' none)")
    ap.add_argument("--posterior", type=Path, default=Path("docs/inf_2014_2019_posterior.json"))
    ap.add_argument("--scenario", default="inf_2018")
    ap.add_argument("--no-structure", action="store_true", help="leave out structural sensitivity")
    args = ap.parse_args()
    base = scenario.load(args.scenario)
    post = draws.load(args.posterior, base)
    seeds = [args.seed] + [int(s) for s in args.seeds.split(",") if s.strip()]
    chosen = variants(base)
    per_seed: dict[str, list[np.ndarray]] = {m: [] for m in MODELS}
    first: dict[str, np.ndarray] = {}
    refs_at: list[dict[str, float]] = []
    for seed in seeds:
        sc = Scorer(base, args.runs, seed, post)
        hit = {name: sc.run(name, chosen.get(name)) for name in (*MODELS, *REFERENCES)}
        refs_at.append({r: mean_brier(hit[r].mean(axis=0), np.ones(hit[r].shape[1])) for r in REFERENCES})
        for m in MODELS:
            per_seed[m].append(hit[m])
        if seed == args.seed:
            first, names = hit, sc.names
    print(f"\n## {args.scenario}: {args.runs} runs, seed {args.seed}; posterior {args.posterior.name}")
    pattern_table(names, first)
    score_table("mean Brier score and skill (1 - BS / BS_ref)", {c: first[c].mean(axis=0) for c in first}, refs_at[0])
    if len(seeds) > 1:
        seed_table(names, per_seed, seeds, args.runs)
        for m in MODELS:
            sk = [[skill(mean_brier(h.mean(axis=0), np.ones(h.shape[1])), refs[r]) for r in REFERENCES]
                  for h, refs in zip(per_seed[m], refs_at, strict=True)]
            lo, hi = np.min(sk, axis=0), np.max(sk, axis=0)
            print(f"- {m}: skill over the seeds, vs random {lo[0]:+.3f} to {hi[0]:+.3f}, vs mirror {lo[1]:+.3f} "
                  f"to {hi[1]:+.3f}, vs climatology {lo[2]:+.3f} to {hi[2]:+.3f}")
    if not args.no_structure:
        sc = Scorer(base, args.runs, args.seed, post)
        struct = {name: sc.run(name, over) for name, over in structures(base).items()}
        print("\n### structural sensitivity (each one change on the default)")
        pattern_table(names, struct)
        score_table("mean Brier score and skill", {c: struct[c].mean(axis=0) for c in struct}, refs_at[0])


if __name__ == "__main__":
    main()
