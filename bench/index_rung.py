"""Do the escalation index and Kahn's rung order states the same way? And what does the hazard read?

Finding 6 of issue "Model 3". For each shipped scenario this runs the real command

    run_sim.py run SCENARIO --runs 200 --seed 2019 --out DIR --no-plot --quiet

and reads every row of its turns.csv (every run, every turn it reached, turn 0 included):

- Spearman's rank correlation of `escalation` and `rung` over all rows (scipy.stats.spearmanr);
- the index per rung: rows, min, 5%, median, 95%, max;
- how many rank pairs the two order the opposite way (pairs of rows with rung a < rung b and index
  a > index b), as a share of the pairs of different rungs;
- the index's change on the turn the treaty ends (notice -> terminated) and on the turn a new treaty
  is signed (terminated -> in_force), with the missiles still fielded on that turn (actions.csv);
- the share of rows whose missiles component `esc_missiles` is at least 0.99 (saturated);

and for each scenario, 400 runs of seed 2019 (`--incident-runs`): the share of runs with an incident
(summary.json), plus the hazard turn by turn from the same runs replayed in this process
(`sim.engine.crisis.Crisis`, the code path of `run`): the mean hazard per rung and the expected share
of runs with an incident, mean over runs of 1 - prod_t (1 - h_t).

    python bench/index_rung.py                 # both scenarios, 200 runs; incidents over 400 runs each
    python bench/index_rung.py --runs 50       # quicker
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run(scenario: str, runs: int, seed: int, out: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    subprocess.run([sys.executable, str(ROOT / "run_sim.py"), "run", scenario, "--runs", str(runs), "--seed",
                    str(seed), "--out", str(out), "--no-plot", "--quiet", "--force"], check=True)
    return (pd.read_csv(out / "turns.csv"), pd.read_csv(out / "actions.csv"),
            json.loads((out / "summary.json").read_text()))


def discordant_share(rung: np.ndarray, index: np.ndarray) -> float:
    """Of the pairs of rows on different rungs, the share the index orders the other way (ties in the
    index count half), computed per pair of rungs from the sorted index values."""
    levels = np.unique(rung)
    total = 0.0
    bad = 0.0
    for a_pos, a in enumerate(levels):
        low = np.sort(index[rung == a])
        for b in levels[a_pos + 1:]:
            high = index[rung == b]
            # pairs (x in rung a, y in rung b) with x > y, and x == y
            above = low.size - np.searchsorted(low, high, side="right")
            equal = np.searchsorted(low, high, side="right") - np.searchsorted(low, high, side="left")
            bad += above.sum() + 0.5 * equal.sum()
            total += low.size * high.size
    return bad / total if total else 0.0


def transitions(turns: pd.DataFrame, actions: pd.DataFrame, before: str, after: str) -> pd.DataFrame:
    """Rows whose treaty went from `before` (previous turn) to `after`: the index change and the
    missiles fielded then (summed over actors)."""
    t = turns.sort_values(["run", "turn"]).copy()
    t["prev_treaty"] = t.groupby("run")["treaty"].shift()
    t["prev_escalation"] = t.groupby("run")["escalation"].shift()
    rows = t[(t["prev_treaty"] == before) & (t["treaty"] == after)].copy()
    rows["change"] = rows["escalation"] - rows["prev_escalation"]
    fielded = actions.groupby(["run", "turn"])["missiles"].sum()
    rows["missiles"] = [int(fielded.get((r, k), 0)) for r, k in zip(rows["run"], rows["turn"], strict=True)]
    return rows


def report(scenario: str, runs: int, seed: int, folder: Path) -> None:
    turns, actions, _ = run(scenario, runs, seed, folder / scenario)
    rho = spearmanr(turns["escalation"], turns["rung"]).statistic
    print(f"\n{scenario}: {runs} runs, seed {seed}, {len(turns)} rows")
    print(f"  Spearman(index, rung) over all rows: {rho:.3f}")
    print(f"  discordant pairs (rows on different rungs the index orders the other way): "
          f"{100 * discordant_share(turns['rung'].to_numpy(), turns['escalation'].to_numpy()):.2f}%")
    print("  rung   rows    min     5%  median    95%    max")
    for rung, g in turns.groupby("rung"):
        q = np.percentile(g["escalation"], [0, 5, 50, 95, 100])
        print(f"  {rung:4d} {len(g):6d} " + " ".join(f"{v:6.1f}" for v in q))
    for before, after, what in (("notice", "terminated", "treaty ends"), ("terminated", "in_force", "new treaty")):
        rows = transitions(turns, actions, before, after)
        if len(rows):
            print(f"  {what}: {len(rows)} rows, index change median {rows['change'].median():+.1f} "
                  f"(min {rows['change'].min():+.1f}, max {rows['change'].max():+.1f}); "
                  f"missiles fielded then: median {rows['missiles'].median():.0f}")
    if "esc_missiles" in turns:
        print(f"  rows with esc_missiles >= 0.99: {100 * (turns['esc_missiles'] >= 0.99).mean():.1f}%")


def hazards(scenario: str, runs: int, seed: int) -> None:
    """The hazard turn by turn, in this process (the runs of `run`, replayed)."""
    from sim.core import scenario as scenarios
    from sim.engine.crisis import Crisis

    scn = scenarios.load(scenario)
    crisis = Crisis(scn, seed, np.arange(runs))
    survive = np.ones(runs)            # P(no incident so far), per run
    alive = np.arange(runs)
    by_rung: dict[int, list[float]] = {}
    while not crisis.finished:
        _, outcome = crisis.resolve(crisis.decide_all())
        h = outcome.hazard
        survive[alive] *= 1.0 - h
        for rung, value in zip(crisis.state.rung, h, strict=True):
            by_rung.setdefault(int(rung), []).append(float(value))
        ended = crisis.state.incident
        if ended.any():
            crisis.drop_ended()
            alive = alive[~ended]
    print(f"  expected share of runs with an incident (mean of 1 - prod(1 - h)): {100 * (1 - survive).mean():.2f}%")
    print("  hazard per rung (per turn, %): rung: mean [max] over rows")
    print("   " + "; ".join(f"{r}: {100 * np.mean(v):.3f} [{100 * np.max(v):.3f}]" for r, v in sorted(by_rung.items())))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--incident-runs", type=int, default=400)
    ap.add_argument("--seed", type=int, default=2019)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for scenario in ("inf_2018", "inf_2018_asia"):
            report(scenario, args.runs, args.seed, folder)
        for scenario in ("inf_2018", "inf_2018_asia"):
            _, _, summary = run(scenario, args.incident_runs, args.seed, folder / f"incidents_{scenario}")
            print(f"\n{scenario}: {args.incident_runs} runs, seed {args.seed}: share of runs with an incident "
                  f"{100 * summary['share_incident']:.2f}%")
            hazards(scenario, args.incident_runs, args.seed)


if __name__ == "__main__":
    main()
