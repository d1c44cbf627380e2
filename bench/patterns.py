"""Print the behaviour patterns of a results folder that issue "Model 3" asks about.

    python bench/patterns.py RESULTS_DIR [RESULTS_DIR ...]

Per actor: the share of runs in which it orders missiles, fields more than at the start and hosts,
with the median first turn; talks: the share of runs in which a new treaty (or a rescinded notice)
follows, and the missiles each owner keeps at the end; ultimatums issued. Read from `turns.csv` and
`actions.csv` of `run_sim.py run --out DIR` (no model code runs here).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def patterns(folder: Path) -> None:
    turns = pd.read_csv(folder / "turns.csv")
    acts = pd.read_csv(folder / "actions.csv")
    runs = turns["run"].nunique()
    print(f"== {folder}  ({runs} runs)")
    start = acts[acts["turn"] == 1].set_index(["run", "actor"])["missiles"]
    for actor, a in acts.groupby("actor", sort=False):
        orders = a[a["ordered"] > 0].groupby("run")["turn"].min()
        base = start.xs(actor, level="actor")
        more = a[a["missiles"] > a["run"].map(base)].groupby("run")["turn"].min()
        hosts = a[a["hosting"] > 0].groupby("run")["turn"].min()
        last = a.sort_values("turn").groupby("run").last()
        def share(s: pd.Series) -> str:
            return f"{len(s) / runs:6.1%} (median turn {s.median():.0f})" if len(s) else "  0.0%"
        print(f"  {actor:5s} orders {share(orders)}  fields more {share(more)}  hosts {share(hosts)}  "
              f"missiles at the end: median {last['missiles'].median():.0f}, "
              f"zero in {(last['missiles'] == 0).mean():.1%}")
        moves = a["action"].value_counts(normalize=True)
        print("        moves: " + ", ".join(f"{m} {p:.1%}" for m, p in moves.items()))
    status = turns.pivot_table(index="run", columns="turn", values="treaty", aggfunc="first")
    ended = status.apply(lambda row: (row == "terminated").any(), axis=1)
    renewed = status.apply(lambda row: "in_force" in list(row.dropna())[list(row.dropna()).index("terminated"):]
                           if "terminated" in list(row.dropna()) else False, axis=1)
    print(f"  treaty ended in {ended.mean():.1%} of runs; a new treaty after its end in {renewed.mean():.1%}")
    ult = acts[acts["action"] == "ultimatum"]
    print(f"  ultimatums issued: {len(ult)} ({', '.join(f'{k} {v}' for k, v in ult['actor'].value_counts().items())})")
    print(f"  incidents: {turns.groupby('run')['incident'].max().mean():.1%}")


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["results/inf_2018"]:
        patterns(Path(arg))
