"""The Python API, for notebooks and scripts: run a scenario and get its results as tables.

    >>> import sim
    >>> result = sim.run("dilemma_2p", runs=20, turns=6, seed=7, progress=False)
    >>> result.summary["runs"], len(result.turns), sorted(set(result.actions["actor"]))
    (20, 140, ['BLUE', 'RED'])

Nothing is written unless asked (`out=` or `RunResult.save`); what is written is byte for byte what
``run_sim.py run`` writes for the same scenario, overrides and seed. Figures: `sim.plots` (each
function takes a `RunResult` or a result folder and an optional ``ax``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.actions import MOVE_NAMES
from sim.codes import STAGES, TREATY_NAMES
from sim.ensemble import ENGINES, default_batch_size, default_jobs, iter_batches
from sim.errors import SimError
from sim.options import FORMATS
from sim.result_files import ResultWriter, format_batch, writing
from sim.results import BatchResult, Summary, action_table, turn_table
from sim.scenario import Scenario, apply_overrides, load

__all__ = ["RunResult", "load_scenario", "run"]


def load_scenario(scenario: str | Path | Scenario = "inf_2018", set: Mapping[str, Any] | None = None,
                  turns: int | None = None) -> Scenario:
    """A scenario by name (``"inf_2018"``), path or object, with `set` overrides (``{"risk.h_max": 0.02}``,
    the keys of ``--set``) and `turns`, validated (`sim.errors.ScenarioError` if not valid)."""
    if isinstance(scenario, Scenario):
        scn = apply_overrides(scenario, dict(set), origin="set") if set else scenario
    else:
        scn = load(str(scenario), dict(set) if set else None)
    if turns is not None:
        if isinstance(turns, bool) or not isinstance(turns, int) or turns < 1:
            raise SimError(f"turns = {turns!r}: allowed: a whole number of at least 1")
        scn = scn.with_turns(turns)
    return scn


@dataclass(eq=False)
class RunResult:
    """The runs of one scenario: `summary` (what summary.json holds), `turns` and `actions` (pandas
    DataFrames with the columns of turns.csv and actions.csv, at full precision)."""

    scenario: Scenario
    seed: int
    batches: list[BatchResult] = field(repr=False)
    summary: dict = field(repr=False)

    @property
    def runs(self) -> int:
        return int(self.summary["runs"])

    @cached_property
    def turns(self) -> pd.DataFrame:
        """One row per run and turn it reached (turn 0 is the start): the index and its components."""
        frame = _frame([turn_table(b, self.scenario, self.seed) for b in self.batches])
        frame["treaty"] = pd.Categorical(frame["treaty"], categories=TREATY_NAMES)
        return frame

    @cached_property
    def actions(self) -> pd.DataFrame:
        """One row per run, turn played and actor: its move and what followed."""
        frame = _frame([action_table(b, self.scenario) for b in self.batches])
        frame["actor"] = pd.Categorical(frame["actor"], categories=self.scenario.actor_ids)
        frame["action"] = pd.Categorical(frame["action"], categories=MOVE_NAMES)
        frame["programme"] = pd.Categorical(frame["programme"], categories=STAGES)
        return frame

    def save(self, out: Path | str, *, force: bool = False, plot: bool = True, fmt: str = "png") -> Path:
        """Write the result folder `out` as ``run_sim.py run`` does (CSV, summary.json, scenario.toml and,
        with `plot`, the figures); a folder this program did not write is refused unless `force`."""
        from sim.plots import plot_all

        if fmt not in FORMATS:
            raise SimError(f"fmt = {fmt!r}: allowed: {', '.join(FORMATS)}")
        out = Path(out)
        with writing(out, force) as stage:
            writer = ResultWriter(stage, self.scenario, self.seed, self.scenario.scenario.turns)
            writer.write_all(format_batch(b, self.scenario, self.seed) for b in self.batches)
            if plot:
                plot_all(stage, fmt)
        return out

    def __repr__(self) -> str:
        return f"RunResult({self.scenario.name!r}, runs={self.runs}, turns={self.scenario.scenario.turns}, " \
               f"seed={self.seed})"


def _frame(tables: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    columns = tables[0].keys()
    return pd.DataFrame({c: np.concatenate([t[c] for t in tables]) for c in columns})


def run(scenario: str | Path | Scenario = "inf_2018", runs: int = 200, seed: int = 1, *,
        turns: int | None = None, set: Mapping[str, Any] | None = None, engine: str = "ensemble",
        jobs: int | None = None, batch_size: int | None = None, out: Path | str | None = None,
        force: bool = False, plot: bool = True, progress: bool = True) -> RunResult:
    """Run `scenario` `runs` times from root seed `seed` (run r is the same whatever `jobs`,
    `batch_size` or `engine`); returns the RunResult. With `out`, also writes its result folder
    (figures too unless ``plot=False``). `jobs` defaults to every core; `progress` shows a bar."""
    for name, value, low in (("runs", runs, 1), ("seed", seed, 0), ("jobs", jobs, 1), ("batch_size", batch_size, 1)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low):
            raise SimError(f"{name} = {value!r}: allowed: a whole number of at least {low}")
    if engine not in ENGINES:
        raise SimError(f"engine = {engine!r}: allowed: {', '.join(ENGINES)}")
    scn = load_scenario(scenario, set, turns)
    jobs = default_jobs() if jobs is None else int(jobs)
    batch_size = default_batch_size(runs, jobs) if batch_size is None else int(batch_size)
    summary = Summary(scn, int(seed), scn.scenario.turns)
    batches = []
    bar = _bar(runs, scn.name) if progress else None
    try:
        for chunk in iter_batches(scn, int(seed), int(runs), scn.scenario.turns, engine=engine,
                                  batch_size=batch_size, jobs=jobs, formatted=False,
                                  progress=bar.update if bar is not None else None):
            summary.add(chunk.batch)
            batches.append(chunk.batch)
    finally:
        if bar is not None:
            bar.close()
    result = RunResult(scn, int(seed), batches, summary.as_dict(int(runs)))
    if out is not None:
        result.save(out, force=force, plot=plot)
    return result


def _bar(total: int, label: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="run", desc=label)
