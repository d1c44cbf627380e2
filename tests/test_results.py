"""Result tables: values carried forward after a run ends; milestones."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.core.codes import STAGES
from sim.output.results import MILESTONES, BatchResult, _carry_forward, _milestones


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 12)),
              elements=st.floats(-1e6, 1e6) | st.just(float("nan"))))
def test_carry_forward_fills_each_gap_with_the_last_value_before_it(values):
    out = _carry_forward(values)
    for r in range(values.shape[0]):
        last = np.nan
        for t in range(values.shape[1]):
            last = values[r, t] if not np.isnan(values[r, t]) else last
            assert out[r, t] == last or (np.isnan(out[r, t]) and np.isnan(last))


def test_a_programme_that_enters_flight_tests_again_after_a_halt_counts(inf):
    """Finding 5 of issue "Model 3": Russia, ready at the start, flight-tested again after a new treaty
    halted its programme, but summary.json said it never tested: a programme past a stage at the start
    never counted. A milestone is the first turn a programme enters the stage from below."""
    ids = inf.actor_ids
    us, ru, nato = (ids.index(a) for a in ("US", "RU", "NATO"))
    b = BatchResult.empty(np.array([0, 1]), 14, len(ids))
    b.action[:] = 1                                                   # every turn played (hold)
    b.missiles[:] = 0
    b.stage[:, :, nato] = STAGES.index("none")
    b.stage[:, :, us] = STAGES.index("development")
    b.stage[:, 4:, us] = STAGES.index("flight_test")                  # US tests from turn 5
    ru_path = ["ready"] * 3 + ["none"] + ["development"] * 4 + ["flight_test"] * 2 + ["production"] * 2 + ["ready"] * 2
    b.stage[0, :, ru] = [STAGES.index(x) for x in ru_path]            # run 0: halted on turn 4, tests on 9
    b.stage[1, :, ru] = STAGES.index("ready")                         # run 1: ready throughout
    marks = _milestones(b, inf)
    tests, ready = MILESTONES.index("tests"), MILESTONES.index("ready")
    assert marks[:, us, tests].tolist() == [5, 5]
    assert marks[:, ru, tests].tolist() == [9, -1]
    assert marks[:, ru, ready].tolist() == [13, -1]                    # ready again, not ready at the start
