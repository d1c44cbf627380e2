"""Many seeded runs: replicas in lockstep through the same dynamics, in batches, over processes.

Run r of root seed s is the same trajectory whatever the batch size, the number of processes or
the engine (``ensemble`` here, ``mesa`` one `EscalationModel` per run).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from sim.crisis import Crisis
from sim.results import BatchResult
from sim.scenario import Scenario

ENGINES = ("ensemble", "mesa")


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
    from sim.model import EscalationModel

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


def _run_batch(args: tuple[str, Scenario, int, np.ndarray, int]) -> BatchResult:
    engine, scn, seed, runs, turns = args
    return (run_mesa if engine == "mesa" else run_lockstep)(scn, seed, runs, turns)


def iter_batches(scn: Scenario, seed: int, runs: int, turns: int, *, engine: str = "ensemble",
                 batch_size: int = 1000, jobs: int = 1,
                 progress: Callable[[int], None] | None = None) -> Iterator[BatchResult]:
    """Batches of results in run order; `progress(n)` is called with each batch's run count."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; allowed: {', '.join(ENGINES)}")
    chunks = [np.arange(a, min(a + batch_size, runs)) for a in range(0, runs, batch_size)]
    tasks = [(engine, scn, seed, chunk, turns) for chunk in chunks]
    if jobs <= 1 or len(tasks) == 1:
        results: Iterator[BatchResult] = map(_run_batch, tasks)
        for batch in results:
            if progress:
                progress(len(batch.runs))
            yield batch
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for batch in pool.map(_run_batch, tasks):
            if progress:
                progress(len(batch.runs))
            yield batch
