"""The Python API, for notebooks and scripts: run a scenario and get its results as tables.

    >>> import sim
    >>> result = sim.run("dilemma_2p", runs=20, turns=6, seed=7, progress=False)
    >>> result.summary["runs"], len(result.turns), sorted(set(result.actions["actor"]))
    (20, 140, ['BLUE', 'RED'])

Nothing is written unless asked (`out=` or `RunResult.save`); what is written is byte for byte what
``run_sim.py run`` writes for the same scenario, overrides and seed: both run through `execute`, which
writes the result folder as the batches finish (`run_sim.py run` keeps none of them, so its memory stays
flat), keeps the batches in memory if asked (`sim.run`), and draws the figures from memory. Figures:
`sim.plots` (each function takes a `RunResult` or a result folder and an optional ``ax``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core.errors import SimError
from sim.core.options import FORMATS
from sim.core.scenario import Scenario, apply_overrides, load
from sim.engine.ensemble import ENGINES, concat, default_batch_size, default_jobs, iter_batches, run_lockstep, run_mesa
from sim.output import provenance
from sim.output.result_files import Chunk, ResultWriter, format_batch, writing
from sim.output.results import SAMPLE_RUNS, BatchResult, Summary, figure_runs
from sim.output.typed import actions_frame, dataset, turns_frame

if TYPE_CHECKING:   # loaded by the tables only: `run_sim.py run --no-plot` goes through `execute` without it
    import pandas as pd

__all__ = ["RunOutput", "RunResult", "collect", "execute", "load_scenario", "run"]


def load_scenario(scenario: str | Path | Scenario = "inf_2018", set: Mapping[str, Any] | None = None,
                  turns: int | None = None) -> Scenario:
    """A scenario by name (``"inf_2018"``), path or object, with `set` overrides (``{"risk.h_max": 0.02}``,
    the keys of ``--set``) and `turns`, validated (`sim.core.errors.ScenarioError` if not valid)."""
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
    overrides: dict[str, Any] = field(default_factory=dict, repr=False)   # `set`: recorded in the provenance

    @property
    def runs(self) -> int:
        return int(self.summary["runs"])

    @cached_property
    def turns(self) -> pd.DataFrame:
        """One row per run and turn it reached (turn 0 is the start): the index and its components."""
        return turns_frame(self.batches, self.scenario, self.seed)

    @cached_property
    def actions(self) -> pd.DataFrame:
        """One row per run, turn played and actor: its move and what followed."""
        return actions_frame(self.batches, self.scenario)

    def to_xarray(self) -> Any:
        """The runs as an xarray Dataset over run x turn x actor (`sim.output.typed.dataset`; needs xarray,
        the `data` extra)."""
        return dataset(self.batches, self.scenario, self.seed)

    def save(self, out: Path | str, *, force: bool = False, plot: bool = True, fmt: str = "png",
             parquet: bool = False) -> Path:
        """Write the result folder `out` as ``run_sim.py run`` does (CSV, summary.json, scenario.toml and,
        with `plot`, the figures; with `parquet`, turns.parquet and actions.parquet as `--parquet`); a
        folder this program did not write is refused unless `force`."""
        if fmt not in FORMATS:
            raise SimError(f"fmt = {fmt!r}: allowed: {', '.join(FORMATS)}")
        out = Path(out)
        with writing(out, force) as stage:
            chunks = (format_batch(b, self.scenario, self.seed) for b in self.batches)
            saved = collect(self.scenario, self.seed, chunks, out=stage, overrides=self.overrides, parquet=parquet)
            if plot:
                saved.draw(stage, fmt)
        return out

    def __repr__(self) -> str:
        return f"RunResult({self.scenario.name!r}, runs={self.runs}, turns={self.scenario.scenario.turns}, " \
               f"seed={self.seed})"


@dataclass(eq=False)
class RunOutput:
    """What a run of a scenario leaves in memory (`execute`, `collect`): its summary, each run's outcomes,
    and every batch, or when it was only streamed into a folder the first SAMPLE_RUNS runs (for the figures)."""

    scenario: Scenario
    seed: int
    summary: dict                       # what summary.json holds ("files" too when a folder was written)
    outcomes: Summary = field(repr=False)              # summed over the batches; per_run() for `compare`
    kept: list[BatchResult] = field(repr=False)        # every batch in run order, or the first runs only
    complete: bool                                     # `kept` holds every batch
    engine: str = "ensemble"
    posterior: dict[str, Any] | None = field(default=None, repr=False)   # the runs drew their parameters from it

    @property
    def batches(self) -> list[BatchResult] | None:
        """Every batch in run order, if all were kept."""
        return self.kept if self.complete else None

    @property
    def runs(self) -> int:
        return int(self.summary["runs"])

    def sample(self) -> BatchResult:
        """The runs the figures draw one by one (`sim.output.results.figure_runs`), in run order. The median run,
        known only at the end, is run again alone if it was not kept (run r is the same in any batch)."""
        wanted = list(figure_runs(self.summary))
        parts = [p for p in (b.select(np.flatnonzero(np.isin(b.runs, wanted))) for b in self.kept) if len(p.runs)]
        median = int(self.summary["median_run"])
        if all(median not in p.runs for p in parts):
            turns, one = self.scenario.scenario.turns, np.array([median])
            if self.posterior is not None:          # with its own particle, as it ran
                from sim.calibration import draws

                parts.append(draws.run_drawn(self.scenario, self.posterior, self.seed, one, turns, self.engine))
            else:
                again = run_mesa if self.engine == "mesa" else run_lockstep
                parts.append(again(self.scenario, self.seed, one, turns))
        return concat(parts)

    def draw(self, folder: Path | str, fmt: str = "png", dpi: int | None = None) -> list[Path]:
        """Draw the run's figures into `folder` from memory; the same bytes as `run_sim.py plot` draws from the
        result folder (the runs drawn one by one pass through the text of turns.csv, four decimals)."""
        from sim.output.plots import draw_all, rows_as_read

        rows = rows_as_read(format_batch(self.sample(), self.scenario, self.seed).turns_csv)
        return draw_all(self.summary, rows, folder, fmt, dpi)


def execute(scn: Scenario, seed: int, runs: int, *, engine: str = "ensemble", jobs: int | None = None,
            batch_size: int | None = None, dask: str | None = None,
            progress: Callable[[int], object] | None = None, out: Path | None = None,
            keep: bool = True, overrides: Mapping[str, Any] | None = None, parquet: bool = False,
            posterior: dict[str, Any] | None = None) -> RunOutput:
    """Run `scn` `runs` times from root seed `seed`: the one path of `sim.run` and of `run_sim.py run` and
    `compare`. With `out` (a folder already checked and locked, see `sim.output.result_files.writing`) the
    batches are formatted in the workers and their rows written as each finishes; `keep=False` keeps
    none of them (memory stays flat). `jobs` defaults to every core, `batch_size` to the runs shared
    over the jobs; `progress(n)` is called with each batch's run count. `overrides` (the --set values `scn`
    was loaded with) go into the summary's provenance; `parquet` adds turns.parquet and actions.parquet to `out`.
    `posterior` (a posterior file's content, `sim.calibration.draws.load`): each run's parameters are drawn from it."""
    jobs = default_jobs() if jobs is None else int(jobs)
    batch_size = default_batch_size(runs, jobs) if batch_size is None else int(batch_size)
    runner = None
    if posterior is not None:
        from sim.calibration import draws

        runner = draws.runner(posterior, engine)
    chunks = iter_batches(scn, seed, runs, scn.scenario.turns, engine=engine, batch_size=batch_size, jobs=jobs,
                          progress=progress, formatted=out is not None, dask=dask, runner=runner)
    ran = collect(scn, seed, chunks, out=out, keep=keep, engine=engine, overrides=overrides, parquet=parquet)
    ran.posterior = posterior
    return ran


def collect(scn: Scenario, seed: int, chunks: Iterable[Chunk], *, out: Path | None = None, keep: bool = True,
            engine: str = "ensemble", overrides: Mapping[str, Any] | None = None, parquet: bool = False) -> RunOutput:
    """Where the batches of a run go, in run order: summed into its summary, written into the result folder
    `out` as they come if given (`sim.output.result_files.ResultWriter`: chunks with their CSV rows), and kept if
    `keep`; else only their first SAMPLE_RUNS runs are kept, for the figures."""
    kept: list[BatchResult] = []

    def passing(chunks: Iterable[Chunk]) -> Iterator[Chunk]:
        for chunk in chunks:
            b = chunk.batch
            first = np.flatnonzero(b.runs < SAMPLE_RUNS)
            if keep or first.size:
                kept.append(b if keep else b.select(first))
            yield chunk

    turns = scn.scenario.turns
    if out is not None:
        writer = ResultWriter(out, scn, seed, turns, overrides, parquet)
        summary = writer.write_all(passing(chunks))
        outcomes = writer.summary
    else:
        outcomes, runs = Summary(scn, seed, turns), 0
        for chunk in passing(chunks):
            outcomes.add(chunk.batch)
            runs += len(chunk.batch.runs)
        summary = outcomes.as_dict(runs)
        summary["provenance"] = provenance.record(scn, seed, runs, overrides)
    return RunOutput(scn, seed, summary, outcomes, kept, keep, engine)


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
    folder: AbstractContextManager[Path | None] = writing(Path(out), force) if out is not None else nullcontext()
    bar = _bar(runs, scn.name) if progress else None
    try:
        with folder as stage:
            ran = execute(scn, int(seed), int(runs), engine=engine, jobs=jobs, batch_size=batch_size,
                          progress=bar.update if bar is not None else None, out=stage, overrides=set)
            if stage is not None and plot:
                ran.draw(stage)
    finally:
        if bar is not None:
            bar.close()
    assert ran.batches is not None   # kept: execute's default
    summary = {k: v for k, v in ran.summary.items() if k != "files"}   # what the runs gave, not the files'
    return RunResult(scn, int(seed), ran.batches, summary, dict(set or {}))


def _bar(total: int, label: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="run", desc=label)
