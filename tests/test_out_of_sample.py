"""The out-of-sample scenario (docs/out_of_sample.md): the Euromissiles case of 12 December 1979 validates,
states what the 1979 record says at the start, and runs reproducibly; its bench counts the committed
patterns."""

import sys
from pathlib import Path

import numpy as np
import pytest

from sim.core import scenario
from sim.engine.ensemble import run_lockstep
from sim.output.results import BatchResult

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import out_of_sample


@pytest.fixture(scope="module")
def euro():
    return scenario.load("euromissiles_1979")


def test_euromissiles_states_the_start(euro):
    assert euro.actor_ids == ["US", "SU", "DE", "UK", "IT", "BE", "NL"]
    assert euro.treaty.status == "none"
    actors = {a.id: a for a in euro.actors}
    assert actors["US"].treaty_party and actors["SU"].treaty_party
    assert actors["US"].programme.stage == "development" and actors["US"].missiles == 0
    assert actors["SU"].programme.stage == "ready" and actors["SU"].missiles > 0 and actors["SU"].on_order > 0
    hosts = [a for a in euro.actors if a.host_for is not None]
    assert [a.id for a in hosts] == ["DE", "UK", "IT", "BE", "NL"]
    assert {a.id for a in hosts if a.hosting} == {"DE", "UK", "IT"}     # Belgium and the Netherlands deferred
    assert len({a.payoff.host_cost for a in hosts}) == len(hosts)       # each its own cost at home


def test_euromissiles_runs_reproducibly(euro):
    runs = np.arange(4)
    a, b = run_lockstep(euro, 5, runs, 12), run_lockstep(euro, 5, runs, 12)
    for f in BatchResult.__dataclass_fields__:
        x, y = np.ascontiguousarray(getattr(a, f)), np.ascontiguousarray(getattr(b, f))
        assert x.tobytes() == y.tobytes(), f


def test_bench_counts_every_pattern(euro):
    hits = out_of_sample.measure(euro, 3, 1)
    assert hits.shape == (3, len(out_of_sample.PATTERNS)) and hits.dtype == bool
    assert all(o in (0, 1) for _, o in out_of_sample.PATTERNS)
