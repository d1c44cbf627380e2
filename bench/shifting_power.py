"""Issue "Model 3", comparative static C11: does shifting power raise the value of moving first?

    python bench/shifting_power.py

After the treaty's end, with NATO consenting to host: Russia's value (as a best responder would weigh it)
of ordering a battalion now rather than holding, as the US programme's production nears its end (turns
left), at the scenario's war cost and without it. Fearon (1995) and Powell (2006) predict the declining
side's value of acting first rises as the rival's power comes on line. `tests/test_validation.py`
asserts both rows' direction; docs/validation.md (d) reports them.
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
TURNS_LEFT = (36, 24, 12, 6, 2)


def value_of_ordering_first(scn: scenario.Scenario, left: int) -> float:
    """Russia's value of ordering now minus holding, the US system `left` turns from ready."""
    params = compile_params(scn)
    s = initial_state(scn, params, 1, 64)
    s.treaty[0] = TERMINATED
    s.unbound[0, [US, RU]] = True
    s.disputed[0] = 0
    s.ult_target[0] = NO_ONE
    s.demand[0] = False
    s.hosting[0, NATO] = True
    s.stage[0, US], s.stage_left[0, US] = PRODUCTION, left
    v = counterfactual_values(s, params, 8, np.array([[HOLD, HOLD, HOLD]]), np.array([False, True, False]))[0, RU]
    return float(v[DEPLOYMENT] - v[HOLD])


def main() -> None:
    inf = scenario.load("inf_2018")
    print("turns until the US system is ready:       " + "".join(f"{left:>9d}" for left in TURNS_LEFT))
    for label, over in (("scenario (war_cost 200)", {}), ("no war cost", {"actors.RU.payoff.war_cost": 0.0})):
        scn = scenario.apply_overrides(inf, over)
        print(f"ordering now, {label:<27}" + "".join(
            f"{value_of_ordering_first(scn, left):+9.4f}" for left in TURNS_LEFT))


if __name__ == "__main__":
    main()
