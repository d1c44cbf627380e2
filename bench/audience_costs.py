"""C2b (docs/validation.md): US ultimatums in inf_2018 as the US audience cost rises.

Counts, over `--runs` runs of `--turns` turns (seed 2019), the ultimatums the US issues after the
inherited one (turn 2 on) and how those that fall due end (met, carried out, lapsed), in the default
scenario and in variants where Russia decides strategically (quantal) with a low cost of complying,
so that a threat can move it, and the US system is ready, so that the threat can be carried out.

    python bench/audience_costs.py [--runs 100] [--turns 24]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.core import scenario
from sim.core.actions import Action
from sim.engine.crisis import Crisis

US = 0
STRATEGIC_RU = {"actors.US.programme.stage": "ready", "actors.RU.rule": {"name": "quantal", "lambda": 2.0}}
VARIANTS = {
    "default": {},
    "US ready, RU quantal, RU comply_cost 0": {**STRATEGIC_RU, "actors.RU.payoff.comply_cost": 0.0},
    "US ready, RU quantal, RU comply_cost 0.5, threat_weight 4": {
        **STRATEGIC_RU, "actors.RU.payoff.comply_cost": 0.5, "actors.RU.payoff.threat_weight": 4.0},
}


def record(over: dict, audience_cost: float, runs: int, turns: int) -> dict[str, int]:
    scn = scenario.apply_overrides(scenario.load("inf_2018"), {**over, "actors.US.payoff.audience_cost": audience_cost})
    c = Crisis(scn, 2019, np.arange(runs), turns)
    out = dict(issued=0, met=0, carried=0, lapsed=0)
    while not c.finished:
        moves, outcome = c.resolve(c.decide_all())
        if c.turn > 1:
            out["issued"] += int((moves[:, US] == int(Action.ULTIMATUM)).sum())
            for k in ("met", "carried", "lapsed"):
                out[k] += int(getattr(outcome, k)[:, US].sum())
        if c.state.incident.any():
            c.drop_ended()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--turns", type=int, default=24)
    a = ap.parse_args()
    print(f"inf_2018, {a.runs} runs x {a.turns} turns, seed 2019: US ultimatums from turn 2")
    for name, over in VARIANTS.items():
        print(name)
        for cost in (0.0, 1.0, 3.0, 10.0):
            r = record(over, cost, a.runs, a.turns)
            print(f"  audience_cost {cost:4.1f}: issued {r['issued']:4d}  met {r['met']:3d}  carried out "
                  f"{r['carried']:3d}  lapsed {r['lapsed']:3d}", flush=True)


if __name__ == "__main__":
    main()
