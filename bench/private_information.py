"""C12 (docs/validation.md): private information and the failure of bargaining in inf_2018.

For each width of the parties' private reserves (docs/ODD.md 7.3) and each variant (the default rules,
and the US and NATO best-responding), the share of runs in which a new treaty follows the old one's end,
its median turn, and the mean number of walk-outs per run.

    python bench/private_information.py [--runs 200] [--turns 36] [--widths 0 2 5 10 20]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.core import scenario
from sim.core.codes import IN_FORCE, TERMINATED
from sim.engine.crisis import Crisis

VARIANTS = {"default": {}, "best response": {"actors.US.rule": {"name": "best_response"},
                                             "actors.NATO.rule": {"name": "best_response"}}}


def measure(width: float, variant: dict, runs: int, turns: int, seed: int) -> tuple[float, float, float]:
    over = {**variant, "actors.US.payoff.private_value": width, "actors.RU.payoff.private_value": width}
    c = Crisis(scenario.apply_overrides(scenario.load("inf_2018"), over), seed, np.arange(runs), turns)
    new_at = np.full(runs, -1)
    ended = np.zeros(runs, bool)
    walkouts = np.zeros(runs)
    floor = c.state.reserve_floor.copy()
    while not c.finished:
        c.resolve(c.decide_all())
        ended |= c.state.treaty == TERMINATED
        new_at = np.where(ended & (c.state.treaty == IN_FORCE) & (new_at < 0), c.turn, new_at)
        walkouts += (c.state.reserve_floor > floor).any(axis=1)
        floor = c.state.reserve_floor.copy()
    signed = new_at >= 0
    return float(signed.mean()), float(np.median(new_at[signed])) if signed.any() else float("nan"), \
        float(walkouts.mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--turns", type=int, default=36)
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument("--widths", type=float, nargs="+", default=[0.0, 2.0, 5.0, 10.0, 20.0])
    a = ap.parse_args()
    print(f"inf_2018, {a.runs} runs x {a.turns} turns, seed {a.seed}; reserves of US and RU uniform on +-width")
    print(f"{'width':>6} {'variant':14} {'new treaty':>10} {'median turn':>11} {'walk-outs/run':>13}")
    for width in a.widths:
        for name, variant in VARIANTS.items():
            share, turn, walks = measure(width, variant, a.runs, a.turns, a.seed)
            print(f"{width:6.1f} {name:14} {share:10.1%} {turn:11.0f} {walks:13.2f}", flush=True)


if __name__ == "__main__":
    main()
