"""Result tables: values carried forward after a run ends."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.output.results import _carry_forward


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
