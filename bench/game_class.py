"""How robust is the class `analyze` gives the game? (issue "Model 3", finding 7).

Prints, for `inf_2018` (or SCENARIO):

- the class of the reduced game at the start over grids of the row leader's audience cost (0 to 6),
  discount (0.8 to 0.98 or 0.99) and trust in the column leader (0 to 1), as `analyze --grid` finds it
  (`sim.analysis.crisis_game.region`): the share of the grid each label holds, where, each side's shares,
  and the verdict;
- along the median run (seed 1 of 200 runs, the `analyze` default, and seed 2019 of 400 runs, the
  issue's): on how many turns the start's class holds, and how many games are degenerate, counted as
  before (any player with tied best replies against any move) and as now (the reduction has no class;
  the equilibria are degenerate; ties only off the equilibrium path);
- whether each leader's rule reads the look-ahead values that make its payoffs.

    python bench/game_class.py               # inf_2018
    python bench/game_class.py dilemma_2p
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from sim.analysis import crisis_game as analysis
from sim.core import scenario


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario", nargs="?", default="inf_2018")
    args = ap.parse_args()
    scn = scenario.load(args.scenario)
    sides = analysis.sides_of(scn)
    row, col = sides.row_id, sides.col_id
    audience, discount = f"actors.{row}.payoff.audience_cost", f"actors.{row}.payoff.discount"
    trust = f"actors.{row}.trust.{col}"
    grids = {
        "the issue's grid": [f"{audience}=0:6:7", f"{discount}=0.8:0.98:10"],
        "the default grid": analysis.grid_specs(scn),
        "the default grid x trust 0-1 (6)": [*analysis.grid_specs(scn), f"{trust}=0:1:6"],
    }
    for title, specs in grids.items():
        started = time.perf_counter()
        rg = analysis.region(scn, analysis.parse_grid(scn, specs))
        print(f"\n{title}: {' '.join(specs)}: {rg.size} points, {time.perf_counter() - started:.1f} s")
        for label, share in rg.shares().items():
            print(f"    {label:<40}{share:7.1%}  {rg.where(label)}")
        for k, who in enumerate((row, col)):
            print(f"  {who}'s side: " + ", ".join(f"{n} {v:.1%}" for n, v in rg.side_shares(k).items()))
        print(f"  degenerate: {rg.degenerate_share:.1%}")
        print(f"  verdict: {rg.verdict()}")
    for seed, runs in ((1, 200), (2019, 400)):
        med = analysis.median_run(scn, seed, runs, scn.scenario.turns, 1)
        over = analysis.over_time(scn, med)
        n, counts = len(over.turns), over.counts()
        before = sum(t.equilibria.degenerate or bool(t.equilibria.ties_off_path) for t in over.turns)
        print(f"\nmedian run of {runs} runs, seed {seed}: run {med.run}, {n} turns")
        print(f"  the start's class {over.label(over.turns[0])} holds on {len(over.start_holds())} of {n} turns: "
              f"{over.start_holds()[:10]}")
        print(f"  degenerate as counted before (a tie against any move): {before} of {n}")
        print(f"  degenerate now: reduction (no class) {counts['degenerate_class']}, equilibria "
              f"{counts['degenerate_equilibria']}; ties only off the equilibrium path {counts['ties_off_path_only']}")
        print("  classes along the run:")
        for label, k in Counter(over.label(t) for t in over.turns).most_common():
            print(f"    {label:<40}{k:>5} of {n}")
    for play in analysis.leader_play(scn, analysis.start_point(scn), sides):
        print(f"\n{play.note('at the start')}")


if __name__ == "__main__":
    main()
