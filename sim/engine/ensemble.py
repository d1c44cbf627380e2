"""Many seeded runs: replicas in lockstep through the same dynamics, in batches, over processes.

Run r of root seed s is the same trajectory whatever the batch size, the number of processes or
the engine (``ensemble`` here, ``mesa`` one `EscalationModel` per run).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import numpy as np

from sim.core.errors import SimError
from sim.core.options import ENGINES  # the engines `run --engine` offers: defined with the command line's choices
from sim.core.scenario import Scenario
from sim.engine.crisis import Crisis
from sim.engine.executors import map_in_order
from sim.output.result_files import Chunk, format_batch
from sim.output.results import BatchResult
from sim.rules.registry import human_actors


def run_lockstep(scn: Scenario, seed: int, runs: np.ndarray, turns: int) -> BatchResult:
    """Runs `runs` advanced together, turn by turn, through the vectorised dynamics."""
    crisis = Crisis(scn, seed, runs, turns)
    result = BatchResult.empty(np.asarray(runs), turns, crisis.n_actors)
    rows = np.arange(len(runs))
    result.record_state(rows, 0, crisis.state)
    while not crisis.finished:
        moves, outcome = crisis.resolve(crisis.decide_all())
        result.record_moves(rows, crisis.turn, moves, outcome, crisis.state)
        result.record_state(rows, crisis.turn, crisis.state)
        ended = crisis.state.incident
        if ended.any():
            crisis.drop_ended()
            rows = rows[~ended]
    return result


def run_mesa(scn: Scenario, seed: int, runs: np.ndarray, turns: int) -> BatchResult:
    """The same runs, one `EscalationModel` after another."""
    from sim.engine.model import EscalationModel

    parts = []
    for run in runs:
        model = EscalationModel(scn, rng=seed, replica=int(run), turns=turns)
        while model.running:
            model.step()
        parts.append(BatchResult.from_model(model, int(run)))
    return concat(parts)


def concat(parts: list[BatchResult]) -> BatchResult:
    """One BatchResult from several, in order."""
    fields = BatchResult.__dataclass_fields__
    return BatchResult(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in fields})


#: runs(scn, seed, runs, turns) of one batch: an engine's (`run_lockstep`, `run_mesa`) or one that draws each
#: run's parameters first (`sim.calibration.draws.runner`); picklable, as batches go to worker processes
Runner = Callable[[Scenario, int, np.ndarray, int], BatchResult]


def _run_batch(args: tuple[Runner, Scenario, int, np.ndarray, int, bool]) -> Chunk:
    run, scn, seed, runs, turns, formatted = args
    result = run(scn, seed, runs, turns)
    return format_batch(result, scn, seed) if formatted else Chunk(result, "", "")


def default_jobs() -> int:
    """Worker processes by default: every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def default_batch_size(runs: int, jobs: int) -> int:
    """Runs per batch by default: the runs shared over the jobs, at most 250 (memory stays small)."""
    return max(1, min(250, -(-runs // jobs)))


Task = tuple[Runner, Scenario, int, np.ndarray, int, bool]


def iter_batches(scn: Scenario, seed: int, runs: int, turns: int, *, engine: str = "ensemble",
                 batch_size: int = 250, jobs: int = 1, progress: Callable[[int], object] | None = None,
                 formatted: bool = True, dask: str | None = None, runner: Runner | None = None) -> Iterator[Chunk]:
    """Batches of results, formatted, in run order; `progress(n)` is called with each batch's run count.

    With several jobs, at most two batches per worker are in flight, so memory stays flat however
    many runs are asked for. `formatted=False` skips the CSV text (for callers that only summarise);
    `dask` runs the batches on a Dask cluster (its scheduler's address, or ``local``); `runner` replaces the
    engine's runs (runs drawn from a posterior: `sim.calibration.draws.runner`).
    """
    yield from run_tasks(batch_tasks(scn, seed, runs, turns, engine=engine, batch_size=batch_size,
                                     formatted=formatted, runner=runner), jobs, progress, dask)


def batch_tasks(scn: Scenario, seed: int, runs: int, turns: int, *, engine: str = "ensemble",
                batch_size: int = 250, formatted: bool = True, runner: Runner | None = None) -> list[Task]:
    """The batches of a run of `scn`, checked: a scenario with a human actor cannot run here. `runner`: what runs
    a batch (default the engine's)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; allowed: {', '.join(ENGINES)}")
    humans = human_actors({a.id: a.rule for a in scn.actors})
    if humans:
        raise SimError(f"{scn.source}: actors.{humans[0]}.rule = 'human': a person must play it; allowed: "
                       "`run_sim.py play`, or --set actors.ID.rule=... another rule for runs")
    run = runner or (run_mesa if engine == "mesa" else run_lockstep)
    return [(run, scn, seed, np.arange(a, min(a + batch_size, runs)), turns, formatted)
            for a in range(0, runs, batch_size)]


def run_tasks(tasks: list[Task], jobs: int, progress: Callable[[int], object] | None = None,
              dask: str | None = None) -> Iterator[Chunk]:
    """The results of batch tasks, in order, over `jobs` processes or a Dask cluster (`sim.engine.executors`)."""
    yield from map_in_order(_run_batch, tasks, jobs, dask=dask, warm=lambda: warm_up(tasks[0][1]),
                            done=(lambda chunk: progress(len(chunk.batch.runs))) if progress else None)


def warm_up(scn: Scenario) -> None:
    """Run one replica for one turn, so that the compiled kernel is ready in this process."""
    run_lockstep(scn, 0, np.arange(1), 1)
