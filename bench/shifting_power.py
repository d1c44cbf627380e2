"""Issue "Model 3", comparative static C11: does shifting power raise the value of moving first?

    python bench/shifting_power.py

After the treaty's end, with NATO consenting to host: Russia's value (as a best responder would weigh it)
of ordering a battalion now rather than holding, as the US programme's production nears its end (turns
left). Fearon (1995) and Powell (2006) predict the declining side's value of acting first rises as the
rival's power comes on line. The figures are printed, not asserted: docs/validation.md (d) reports them.
"""

from __future__ import annotations

import numpy as np

from sim.core import scenario
from sim.core.codes import NO_ONE, PRODUCTION, TERMINATED
from sim.core.params import compile_params
from sim.engine.initial import initial_state
from sim.kernel.lookahead import counterfactual_values

US, RU, NATO = 0, 1, 2
HOLD, DEPLOYMENT = 1, 6


def main() -> None:
    inf = scenario.load("inf_2018")
    params = compile_params(inf)
    print("turns until the US system is ready -> Russia's value of ordering now minus holding")
    for left in (36, 24, 12, 6, 2):
        s = initial_state(inf, params, 1, 64)
        s.treaty[0] = TERMINATED
        s.unbound[0, [US, RU]] = True
        s.disputed[0] = 0
        s.ult_target[0] = NO_ONE
        s.demand[0] = False
        s.hosting[0, NATO] = True
        s.stage[0, US], s.stage_left[0, US] = PRODUCTION, left
        v = counterfactual_values(s, params, 8, np.array([[HOLD, HOLD, HOLD]]), np.array([False, True, False]))[0, RU]
        print(f"  {left:3d}  {v[DEPLOYMENT] - v[HOLD]:+.4f}")


if __name__ == "__main__":
    main()
