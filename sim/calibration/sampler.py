"""A pyabc sampler whose populations are a function of the seed alone, whatever runs them.

pyabc's own parallel samplers reseed every worker from the operating system, and which worker returns
first decides which particles are kept, so only its single-core sampler is reproducible (pyabc issues
#392 and #400). Here evaluation k of generation t draws from ``SeedSequence(seed, spawn_key=(t, k))``
(its proposal, its simulation), the evaluations run in fixed chunks on the project's executors (local
processes or a Dask cluster, `sim.engine.executors.map_in_order`) and come back in order, and the first
n accepted in that order are the population. Evaluations past the n-th acceptance in the last wave are
run but dropped, the same ones at any --jobs.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

#: evaluations per task: enough to outweigh sending the pickled proposal (a population) to a worker
CHUNK = 16


def _seeded(seed: int, t: int, k: int) -> None:
    """Seed numpy's and Python's global generators, which pyabc draws from, for evaluation k of generation t."""
    words = np.random.SeedSequence(seed, spawn_key=(t + 1, k)).generate_state(4)
    np.random.seed(words)   # noqa: NPY002 - pyabc draws from numpy's global generator
    random.seed(int(words[0]))


def evaluate_chunk(task: tuple[bytes, int, int, int, int]) -> list[Any]:
    """The particles of evaluations k0 .. k0 + count - 1 of generation t (pyabc's `simulate_one`, pickled)."""
    payload, seed, t, k0, count = task
    simulate_one = cloudpickle.loads(payload)
    out = []
    for k in range(k0, k0 + count):
        _seeded(seed, t, k)
        out.append(simulate_one())
    return out


class _Tasks(Sequence[tuple[bytes, int, int, int, int]]):
    """The chunks of a generation, made when asked for (the executor reads them in order, a window ahead)."""

    def __init__(self, payload: bytes, seed: int, t: int, chunks: int):
        self.payload, self.seed, self.t, self.chunks = payload, seed, t, chunks

    def __len__(self) -> int:
        return self.chunks

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(self.chunks))]
        if not 0 <= k < self.chunks:
            raise IndexError(k)
        return (self.payload, self.seed, self.t, k * CHUNK, CHUNK)


class OrderedSampler(Sampler):
    """Evaluations seeded by (seed, generation, index), accepted in index order: the same population at any
    number of workers. `run_tasks(fn, tasks)` maps fn over tasks in order (an executor); `on_evaluated(n)`
    is told of every n evaluations done (a progress bar)."""

    def __init__(self, seed: int, run_tasks: Callable[[Callable[[Any], Any], Sequence[Any]], Iterator[Any]],
                 on_evaluated: Callable[[int], object] | None = None):
        super().__init__()
        self.seed = seed
        self.run_tasks = run_tasks
        self.on_evaluated = on_evaluated

    def sample_until_n_accepted(self, n: int, simulate_one: Callable[[], Any], t: int, *, max_eval: float = np.inf,
                                all_accepted: bool = False, ana_vars: Any = None) -> Any:
        """The first `n` accepted particles of generation `t`, in evaluation order (pyabc's Sampler API)."""
        payload = cloudpickle.dumps(simulate_one)
        limit = int(min(max_eval, 10**9))
        chunks = -(-limit // CHUNK)
        sample = self._create_empty_sample()
        evaluated = accepted = 0
        results = self.run_tasks(evaluate_chunk, _Tasks(payload, self.seed, t, chunks))
        try:
            for particles in results:
                for particle in particles:
                    if accepted >= n or evaluated >= limit:
                        break
                    evaluated += 1
                    sample.append(particle)
                    accepted += bool(particle.accepted)
                if self.on_evaluated is not None:
                    self.on_evaluated(len(particles))
                if accepted >= n or evaluated >= limit:
                    break
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()
        self.nr_evaluations_ = evaluated
        if sample.n_accepted < n:
            sample.ok = False
        return sample
