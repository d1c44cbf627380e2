"""The look-ahead kernel of this tree against the one of a git revision, interleaved in one process.

This host's speed drifts by up to 2x from one minute to the next, so timing two commands one after
the other cannot tell a 10% change. Here both kernels value the same states (the 60 turns of one
batch, captured from this tree's run), call by call, alternating which goes first; the figure is the
ratio of their total times over several repetitions, and the values are checked to be identical.

    python bench/kernel_ab.py REV                      # inf_2018, 250 runs, 6 repetitions
    python bench/kernel_ab.py REV --scenario inf_2018_asia --runs 100 --reps 2

REV's `sim/` is copied (git archive) into a folder under the system's temporary folder, renamed
`simold`, and keeps its compiled kernels there for the next comparison with the same revision (the
first compiles them: minutes). The state layout must be the same in both (a revision with other
record fields cannot value this tree's states), and REV must have the layered package (sim/core,
sim/kernel: Engine 2 on).
"""

from __future__ import annotations

import argparse
import inspect
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def old_package(rev: str) -> Path:
    """A folder holding REV's sim/ as package `simold` (and its scenarios), made once per revision."""
    commit = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout.strip()
    home = Path(tempfile.gettempdir()) / f"escalation-kernel-ab-{commit}"
    if not (home / "simold").exists():
        data = subprocess.run(["git", "archive", commit, "sim", "scenarios"], cwd=ROOT, check=True,
                              capture_output=True).stdout
        with tarfile.open(fileobj=BytesIO(data)) as tar:
            tar.extractall(home, filter="data")
        (home / "sim").rename(home / "simold")
        for path in (home / "simold").rglob("*.py"):
            text = path.read_text()
            text = re.sub(r"\b(from|import) sim(\.| import)", lambda m: f"{m[1]} simold{m[2]}", text)
            path.write_text(text)
    return home


def captured_calls(scenario: str, runs: int) -> list[tuple]:
    """The arguments of every values_kernel call of one batch of this tree's run."""
    import sim.kernel.lookahead as lookahead
    from sim.core.scenario import load
    from sim.engine.ensemble import run_lockstep, warm_up

    scn = load(scenario)
    warm_up(scn)
    calls = []
    kernel = lookahead.values_kernel

    def record(*args):
        calls.append(tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in args))
        return kernel(*args)

    lookahead.values_kernel = record
    try:
        run_lockstep(scn, 2019, np.arange(runs), 60)
    finally:
        lookahead.values_kernel = kernel
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the git revision to compare with (e.g. HEAD~3)")
    parser.add_argument("--scenario", default="inf_2018")
    parser.add_argument("--runs", type=int, default=250)
    parser.add_argument("--reps", type=int, default=6)
    args = parser.parse_args()

    sys.path.insert(0, str(old_package(args.rev)))
    import simold.core.params as old_params
    import simold.core.scenario as old_scenario
    import simold.core.state as old_state
    import simold.kernel.lookahead as old_lookahead

    import sim.kernel.lookahead as lookahead
    from sim.core.params import compile_schedule
    from sim.core.scenario import load

    new_sched = compile_schedule(load(args.scenario))
    old_sched = old_params.compile_schedule(old_scenario.load(args.scenario))
    old_takes = len(inspect.signature(old_lookahead.values_kernel.py_func).parameters)
    calls = captured_calls(args.scenario, args.runs)
    totals = {"old": 0.0, "new": 0.0}
    identical = True
    for rep in range(args.reps + 1):              # the first repetition compiles and warms: not counted
        for S, _params, turn, *rest in calls:
            out = {}
            order = ("old", "new") if rep % 2 else ("new", "old")
            for label in order:
                values = np.zeros_like(rest[3])
                if label == "new":
                    call = (lookahead.values_kernel, S, new_sched.params_at(turn).packed(), turn, *rest)
                else:
                    call = (old_lookahead.values_kernel, old_state.Replicas(*S),
                            old_sched.params_at(turn).packed(), turn, *rest)
                    call = call[:old_takes + 1]
                kernel, *arguments = call
                arguments[6] = values
                started = time.perf_counter()
                kernel(*arguments)
                if rep:
                    totals[label] += time.perf_counter() - started
                out[label] = values
            identical &= np.array_equal(out["old"], out["new"])
    per = {k: v / args.reps for k, v in totals.items()}
    print(f"{args.scenario}, {args.runs} runs x 60 turns, {len(calls)} look-ahead calls, {args.reps} repetitions: "
          f"{args.rev} {per['old']:.3f} s, this tree {per['new']:.3f} s a batch; "
          f"{per['old'] / per['new']:.2f}x; values identical: {identical}")


if __name__ == "__main__":
    main()
