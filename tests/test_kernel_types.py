"""The compiled kernels see one type per argument, so a run compiles each kernel once.

Stacked state arrays used to come back in Fortran order, and each kernel was compiled a second time,
for that memory layout, in the middle of the first run (about two minutes more on a cold cache).
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_state_copy_is_c_ordered(start):
    s = start.repeat(3)
    s.pipeline = np.asfortranarray(s.pipeline)
    s.actor = s.actor[::-1]                      # a reversed view: negative strides
    assert not s.pipeline.flags.c_contiguous and not s.actor.flags.c_contiguous
    for name, value in vars(s.copy()).items():
        assert value.flags.c_contiguous, name


def test_a_field_assigned_any_layout_or_dtype_lands_in_the_records(start):
    s = start.repeat(2).copy()
    s.trust = np.asfortranarray(s.trust.transpose(0, 2, 1)).transpose(0, 2, 1)   # same values, F-ordered
    s.missiles = s.missiles.astype(np.int32)
    assert s.canonical() is s
    assert s.missiles.dtype == np.int64 and np.array_equal(s.trust, start.repeat(2).trust)


@pytest.mark.slow
def test_a_run_compiles_each_kernel_once():
    script = """
import numpy as np
from sim.kernel import dynamics, lookahead
from sim.engine.ensemble import run_lockstep
from sim.core.scenario import load
run_lockstep(load("inf_2018"), 2019, np.arange(40), 60)
for f in (dynamics.step_kernel, dynamics.conditions_kernel, dynamics.score_kernel, lookahead.values_kernel):
    print(f.py_func.__name__, len(f.signatures))
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    counts = dict(line.split() for line in out.splitlines())
    assert counts == {"step_kernel": "1", "conditions_kernel": "1", "score_kernel": "1", "values_kernel": "1"}


def test_canonical_is_the_state_itself_only_when_the_kernels_can_take_it(start):
    s = start.repeat(2).copy()
    assert s.canonical() is s
    s.pipeline = np.asfortranarray(s.pipeline)
    assert s.canonical() is not s and s.canonical().pipeline.flags.c_contiguous
    s = start.repeat(2).copy()
    s.beliefs = s.beliefs.astype(np.float32)
    assert s.canonical().beliefs.dtype == np.float64
    s = start.repeat(2).copy()
    s.actor.flags.writeable = False
    assert s.canonical() is not s
