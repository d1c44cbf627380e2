"""Does a doctrine keep the treaty? Russia's programme in a result folder of `run_sim.py run`.

Finding 5 of issue "Model 3": Russia, whose 9M729 is ready at the start, reached flight tests in most
runs, often while a new treaty bound it, after a noise-driven US test. This reads a result folder
(actions.csv, turns.csv, summary.json) and prints, per actor (RU by default):

- runs where it enters flight tests after the start (its `programme` becomes flight_test), and where it
  first does so with the treaty in force (the issue's count);
- runs where it tests or produces while bound by a treaty (a violation), and where it enters flight
  tests while bound; of those, runs where the US had entered flight tests first;
- runs where it orders missiles while bound;
- what summary.json's milestones say of it.

*Bound* after turn t: the treaty is in force or under notice after t and the actor has not given notice
since the treaty last came into force (a `withdrawal` move is legal only while bound, so each one is a
notice; a new treaty or a rescinded notice binds every party again).

    python bench/doctrine.py /tmp/doc_before
    python bench/doctrine.py /tmp/doc_after --run   # first: run_sim.py run inf_2018 --runs 400 --seed 2019
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
ALIVE = ("in_force", "notice")


def bound_after(treaty: np.ndarray, withdrew: np.ndarray) -> np.ndarray:
    """[T+1] whether the actor is bound after each turn, from the treaty status per turn (turn 0 first) and
    its withdrawal moves ([T+1], turn 0 False)."""
    out = np.zeros(len(treaty), dtype=bool)
    unbound = False
    for t in range(len(treaty)):
        if treaty[t] == "in_force" and (t == 0 or treaty[t - 1] != "in_force"):
            unbound = False                      # a new treaty, or a notice rescinded: everyone bound again
        unbound = unbound or bool(withdrew[t])
        out[t] = treaty[t] in ALIVE and not unbound
    return out


def measure(folder: Path, actor: str, first: str) -> dict:
    actions = pd.read_csv(folder / "actions.csv", usecols=["run", "turn", "actor", "action", "ordered", "programme"])
    turns = pd.read_csv(folder / "turns.csv", usecols=["run", "turn", "treaty"])
    summary = json.loads((folder / "summary.json").read_text())
    runs = int(summary["runs"])
    mine = actions[actions.actor == actor].set_index(["run", "turn"]).sort_index()
    rival = actions[actions.actor == first].set_index(["run", "turn"]).sort_index()
    stage0 = _start_stage(folder, actor)
    enters = first_in_force = tests_bound = enters_bound = rival_first = orders_bound = 0
    for run, status in turns.groupby("run"):
        treaty = status.sort_values("turn").treaty.to_numpy()              # turn 0 (the start) first
        n = len(treaty)
        act = mine.loc[run]
        played = act.index.to_numpy()                                       # turns 1.. the run reached
        stage = np.full(n, stage0, dtype=object)
        stage[played] = act.programme.to_numpy()
        withdrew = np.zeros(n, dtype=bool)
        withdrew[played] = (act.action == "withdrawal").to_numpy()
        ordered = np.zeros(n, dtype=np.int64)
        ordered[played] = act.ordered.to_numpy()
        bound = bound_after(treaty, withdrew)
        testing = np.isin(stage, ("flight_test", "production"))
        entry = np.flatnonzero((stage[1:] == "flight_test") & (stage[:-1] != "flight_test")) + 1
        enters += bool(len(entry))
        first_in_force += bool(len(entry)) and treaty[entry[0]] == "in_force"
        tests_bound += bool((testing & bound).any())
        entering_bound = [t for t in entry if bound[t]]
        if entering_bound:
            enters_bound += 1
            other = rival.loc[run]
            tested = other.index[other.programme.isin(["flight_test", "production", "ready"])].to_numpy()
            rival_first += bool(len(tested)) and int(tested.min()) < entering_bound[0]
        orders_bound += bool(((ordered > 0) & bound).any())
    marks = summary["milestones"].get(actor, {})
    return {"runs": runs, "enters_flight_test": enters, "first_entry_in_force": first_in_force,
            "tests_while_bound": tests_bound, "enters_flight_test_while_bound": enters_bound,
            "of_which_rival_tested_first": rival_first, "orders_while_bound": orders_bound, "milestones": marks}


def _start_stage(folder: Path, actor: str) -> str:
    """The actor's programme stage at the start, from the scenario copy in the result folder."""
    import tomllib

    scn = tomllib.loads((folder / "scenario.toml").read_text())
    for spec in scn["actors"]:
        if spec["id"] == actor:
            return spec.get("programme", {}).get("stage", "none")
    raise SystemExit(f"no actor {actor} in {folder / 'scenario.toml'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--actor", default="RU")
    ap.add_argument("--first", default="US", help="the rival whose earlier flight tests are counted")
    ap.add_argument("--run", action="store_true", help="run the scenario into FOLDER first")
    ap.add_argument("--scenario", default="inf_2018")
    ap.add_argument("--runs", type=int, default=400)
    ap.add_argument("--seed", type=int, default=2019)
    args = ap.parse_args()
    if args.run:
        subprocess.run([sys.executable, str(ROOT / "run_sim.py"), "run", args.scenario, "--runs", str(args.runs),
                        "--seed", str(args.seed), "--out", str(args.folder), "--quiet", "--no-plot", "--force"],
                       check=True)
    m = measure(args.folder, args.actor, args.first)
    r = m["runs"]
    pct = lambda k: f"{m[k]:4d} of {r} ({100 * m[k] / r:.2f}%)"  # noqa: E731
    print(f"{args.folder}: {args.actor}")
    print(f"  enters flight tests after the start      {pct('enters_flight_test')}")
    print(f"  first entry with the treaty in force     {pct('first_entry_in_force')}")
    print(f"  tests or produces while bound            {pct('tests_while_bound')}")
    print(f"  enters flight tests while bound          {pct('enters_flight_test_while_bound')}")
    print(f"    of which {args.first} had tested first          {pct('of_which_rival_tested_first')}")
    print(f"  orders missiles while bound              {pct('orders_while_bound')}")
    print(f"  summary.json milestones of {args.actor}:")
    for name, mark in m["milestones"].items():
        print(f"    {name:7s} share {mark['share']:.4f}  median first turn {mark['median_first_turn']}")


if __name__ == "__main__":
    main()
