"""How robust is the class `analyze` gives the game? (issue "Model 3", finding 7).

Prints, for `inf_2018` (or SCENARIO):

- the class of the reduced game at the start over a grid of the row leader's audience cost (0 to 6)
  and discount (0.8 to 0.99), and over the same grid times its trust in the column leader (0 to 1):
  the share of the grid each class label holds, and each side's;
- along the median run (seed 1 of 200 runs, the `analyze` default, and seed 2019 of 400 runs, the
  issue's): on how many turns the game is degenerate, and on how many the start's class holds;
- whether each leader's rule reads the look-ahead values that make its payoffs.

    python bench/game_class.py               # inf_2018
    python bench/game_class.py dilemma_2p
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections import Counter

import numpy as np

from sim.analysis import crisis_game as analysis
from sim.core import scenario


def grid_shares(scn, axes: dict[str, np.ndarray]) -> tuple[Counter, Counter, Counter, int]:
    sides = analysis.sides_of(scn)
    r, c = sides.row_id, sides.col_id
    labels, rows, cols = Counter(), Counter(), Counter()
    n = 0
    for values in itertools.product(*axes.values()):
        changed = scenario.apply_overrides(scn, dict(zip(axes, map(float, values), strict=True)), origin="bench")
        cls = analysis.class_at_start(changed, sides).cls
        labels[cls.label(r, c)] += 1
        rows[cls.row.describe()] += 1
        cols[cls.col.describe()] += 1
        n += 1
    return labels, rows, cols, n


def show(counter: Counter, n: int, indent: str = "    ") -> None:
    for label, k in sorted(counter.items(), key=lambda kv: -kv[1]):
        print(f"{indent}{label:<40}{k:>5} of {n}  {k / n:6.1%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario", nargs="?", default="inf_2018")
    args = ap.parse_args()
    scn = scenario.load(args.scenario)
    sides = analysis.sides_of(scn)
    row, col = sides.row_id, sides.col_id
    base = analysis.class_at_start(scn, sides).cls
    print(f"{scn.name}: the start's class {base.label(row, col)}")
    audience = f"actors.{row}.payoff.audience_cost"
    discount = f"actors.{row}.payoff.discount"
    trust = f"actors.{row}.trust.{col}"
    grids = {
        "issue's grid: audience cost 0-6 (7) x discount 0.8-0.98 (10)":
            {audience: np.linspace(0, 6, 7), discount: np.linspace(0.8, 0.98, 10)},
        "audience cost 0-6 (13) x discount 0.8-0.99 (20)":
            {audience: np.linspace(0, 6, 13), discount: np.linspace(0.8, 0.99, 20)},
        "the same x trust in the adversary 0-1 (6)":
            {audience: np.linspace(0, 6, 13), discount: np.linspace(0.8, 0.99, 20), trust: np.linspace(0, 1, 6)},
    }
    for title, axes in grids.items():
        started = time.perf_counter()
        labels, rows, cols, n = grid_shares(scn, axes)
        print(f"\n{title}: {n} points, {time.perf_counter() - started:.1f} s")
        print("  game:")
        show(labels, n)
        print(f"  {row}'s side:")
        show(rows, n)
        print(f"  {col}'s side:")
        show(cols, n)
    for seed, runs in ((1, 200), (2019, 400)):
        med = analysis.median_run(scn, seed, runs, scn.scenario.turns, 1)
        over = analysis.over_time(scn, med)
        n = len(over.turns)
        start = over.label(over.turns[0])
        holds = [t.turn + 1 for t in over.turns if over.label(t) == start]
        degenerate = sum(t.equilibria.degenerate for t in over.turns)
        print(f"\nmedian run of {runs} runs, seed {seed}: run {med.run}, {n} turns")
        print(f"  degenerate games: {degenerate} of {n}")
        print(f"  the start's class {start} holds on {len(holds)} of {n} turns: {holds[:10]}")
        print("  classes along the run:")
        show(Counter(over.label(t) for t in over.turns), n)
    point = analysis.start_point(scn)
    for i in (sides.row[0], sides.col[0]):
        rule = point.rules[i]
        print(f"\n{sides.ids[i]} plays {rule!r}: reads the look-ahead values: {getattr(rule, 'reads_values', False)}")


if __name__ == "__main__":
    main()
