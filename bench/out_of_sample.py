"""The out-of-sample case of docs/out_of_sample.md: the Euromissiles patterns, per variant, with Brier scores.

    python bench/out_of_sample.py [--runs 1000] [--seed 1979]

The patterns P1-P13 were committed before the scenario's first run (docs/out_of_sample.md, part 1). Per
variant (the default; every actor best_response; every actor random; every actor mirror) it prints the
share of runs showing each pattern, its Brier score against what happened (every outcome is 1), the mean
Brier score, and how many runs a share needs to be known to +-1% (95%).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from sim.analysis.skill import brier, mean_brier, runs_for
from sim.core import scenario
from sim.core.codes import IN_FORCE
from sim.engine.crisis import Crisis

SCENARIO = "euromissiles_1979"

#: name, what happened (held out; 1 = the pattern occurred)
PATTERNS = [
    ("P1 US fields hosted missiles by turn 49", 1),
    ("P2 US first fielding in turns 44-52", 1),
    ("P3 West Germany hosts at turn 60", 1),
    ("P4 United Kingdom hosts at turn 60", 1),
    ("P5 Italy hosts at turn 60", 1),
    ("P6 Netherlands does not host at turn 60", 1),
    ("P7 Belgium does not host at turn 60", 1),
    ("P8 no US-SU agreement by turn 60", 1),
    ("P9 a US-SU round of talks by turn 24", 1),
    ("P10 SU fields more missiles by turn 60", 1),
    ("P11 SU fields within 6 turns of US fielding", 1),
    ("P12 no incident", 1),
    ("P13 DE, UK, IT never withdraw consent", 1),
]


def variants(scn: scenario.Scenario) -> dict[str, dict]:
    ids = scn.actor_ids
    return {
        "default": {},
        "all best_response": {f"actors.{a}.rule": {"name": "best_response"} for a in ids},
        "null: all random": {f"actors.{a}.rule": {"name": "random"} for a in ids},
        "null: all mirror": {f"actors.{a}.rule": {"name": "mirror"} for a in ids},
    }


def measure(scn: scenario.Scenario, runs: int, seed: int) -> np.ndarray:
    """[runs, patterns] booleans: which runs show which pattern."""
    ids = list(scn.actor_ids)
    us, su = ids.index("US"), ids.index("SU")
    de, uk, it, be, nl = (ids.index(a) for a in ("DE", "UK", "IT", "BE", "NL"))
    c = Crisis(scn, seed, np.arange(runs), scn.scenario.turns)
    start = c.state.missiles.copy()
    us_field = np.full(runs, -1)
    su_field_after = np.full(runs, -1)     # first turn the SU's force grows after the US first fielded
    su_count = start[:, su].copy()
    talks_by_24 = np.zeros(runs, bool)
    agreed = np.zeros(runs, bool)
    incident = np.zeros(runs, bool)
    withdrew = np.zeros(runs, bool)
    hosting_end = c.state.hosting.copy()
    su_end = start[:, su].copy()
    while not c.finished:
        before = c.state
        rows = c.replicas
        _, out = c.resolve(c.decide_all())
        t, s = c.turn, c.state
        hosted = s.hosting[:, [de, uk, it, be, nl]].any(axis=1)
        f = us_field[rows]
        f[(f < 0) & (s.missiles[:, us] > start[rows, us]) & hosted] = t
        us_field[rows] = f
        g = su_field_after[rows]
        g[(g < 0) & (f >= 0) & (s.missiles[:, su] > su_count[rows])] = t
        su_field_after[rows] = g
        su_count[rows] = s.missiles[:, su]
        if t <= 24:
            talks_by_24[rows] |= out.in_round[:, us] & out.in_round[:, su]
        agreed[rows] |= (out.agreement[:, us] & out.agreement[:, su]) | (s.treaty == IN_FORCE)
        withdrew[rows] |= (before.hosting[:, [de, uk, it]] & ~s.hosting[:, [de, uk, it]]).any(axis=1)
        incident[rows] |= s.incident
        hosting_end[rows] = s.hosting
        su_end[rows] = s.missiles[:, su]
        if s.incident.any():
            c.drop_ended()
    fielded = us_field >= 0
    answered = fielded & (su_field_after >= 0) & (su_field_after - us_field <= 6)
    cols = [
        fielded & (us_field <= 49),
        (us_field >= 44) & (us_field <= 52),
        hosting_end[:, de], hosting_end[:, uk], hosting_end[:, it],
        ~hosting_end[:, nl], ~hosting_end[:, be],
        ~agreed, talks_by_24, su_end > start[:, su], answered, ~incident, ~withdrew,
    ]
    return np.column_stack(cols)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1979)
    args = ap.parse_args()
    base = scenario.load(SCENARIO)
    outcome = np.array([o for _, o in PATTERNS], float)
    table = {}
    for name, over in variants(base).items():
        scn = scenario.apply_overrides(base, over) if over else base
        t0 = time.perf_counter()
        share = measure(scn, args.runs, args.seed).mean(axis=0)
        table[name] = share
        print(f"== {name} ({args.runs} runs, seed {args.seed}, {time.perf_counter() - t0:.1f} s)", flush=True)
    names = list(table)
    print("\n| pattern | outcome | " + " | ".join(names) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in names) + " |")
    scores = {n: brier(table[n], outcome) for n in names}
    for k, (pat, o) in enumerate(PATTERNS):
        cells = [f"{table[n][k]:.3f} ({scores[n][k]:.3f})" for n in names]
        print(f"| {pat} | {o} | " + " | ".join(cells) + " |")
    print("| mean Brier score | | " + " | ".join(f"{mean_brier(table[n], outcome):.3f}" for n in names) + " |")
    worst = {n: max(runs_for(p) for p in table[n]) for n in names}
    print("| runs for +-1% (95%), worst pattern | | " + " | ".join(str(worst[n]) for n in names) + " |")
    print("\ncells: share of runs (Brier score (share - outcome)^2); a constant 0.5 scores 0.25")


if __name__ == "__main__":
    main()
