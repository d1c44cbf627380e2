"""Where compile time goes: numba's compile events, per function (nested: a kernel's time includes
the functions it compiles on the way). Run with an empty cache to see a cold compile:

    NUMBA_CACHE_DIR=$(mktemp -d) python bench/compile_profile.py
"""

import numpy as np
from numba.core import event

from sim.core import scenario
from sim.engine.crisis import Crisis
from sim.kernel import lookahead

with event.install_recorder("numba:compile") as rec:
    c = Crisis(scenario.load("inf_2018"), 1, np.arange(2), 2)
    v = c.view()
    lookahead.expected_values(c.state, v.params, 1, None, None, v.draws)
    c.resolve(c.decide_all())
starts = {}
rows = []
for ts, ev in rec.buffer:
    key = ev.data["dispatcher"].py_func.__qualname__ if ev.data and "dispatcher" in ev.data else str(ev.data)
    if ev.is_start:
        starts.setdefault(key, []).append(ts)
    else:
        t0 = starts[key].pop()
        rows.append((ts - t0, key))
for dt, key in sorted(rows, reverse=True)[:15]:  # resolve twice: the turn's and the look-ahead's (expected=True)
    print(f"{dt:6.1f} s  {key}")
