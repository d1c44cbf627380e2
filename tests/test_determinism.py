"""Same seed, same results, however the runs are made."""

import numpy as np
import pytest

from sim.engine.ensemble import concat, iter_batches, run_lockstep, run_mesa
from sim.output.results import BatchResult


def same(a: BatchResult, b: BatchResult) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f), equal_nan=True) for f in BatchResult.__dataclass_fields__)


def test_run_r_of_a_batch_equals_the_run_made_alone(inf):
    batch = run_lockstep(inf, 11, np.arange(10), 20)
    for r in (0, 3, 9):
        alone = run_lockstep(inf, 11, np.array([r]), 20)
        assert same(alone, concat([BatchResult(**{f: getattr(batch, f)[r:r + 1]
                                                  for f in BatchResult.__dataclass_fields__})]))


def test_different_seeds_differ(inf):
    a = run_lockstep(inf, 1, np.arange(5), 20)
    b = run_lockstep(inf, 2, np.arange(5), 20)
    assert not same(a, b)


@pytest.mark.parametrize("seed", [0, 5])
def test_mesa_engine_equals_ensemble_engine(inf, seed):
    runs = np.arange(4)
    assert same(run_mesa(inf, seed, runs, 15), run_lockstep(inf, seed, runs, 15))


@pytest.mark.parametrize("batch_size,jobs", [(1, 1), (3, 1), (7, 2)])
def test_batch_size_and_processes_do_not_change_results(inf, batch_size, jobs):
    whole = run_lockstep(inf, 4, np.arange(8), 12)
    parts = concat([c.batch for c in iter_batches(inf, 4, 8, 12, batch_size=batch_size, jobs=jobs)])
    assert same(whole, parts)
