"""The EMA Workbench adapter (sim/exploratory.py): the same outcomes as `sweep`, under EMA's names."""

from __future__ import annotations

import numpy as np
import pytest

from sim import exploratory
from sim.analysis import sweep
from sim.core import scenario
from sim.core.errors import SimError


def test_parameter_names_are_scenario_keys_with_double_underscores():
    assert exploratory.key_of("actors__US__payoff__discount") == "actors.US.payoff.discount"
    assert exploratory.name_of(exploratory.key_of("risk__h_max")) == "risk__h_max"


def test_the_outcomes_of_a_point_are_those_a_sweep_gives_it():
    got = exploratory.outcomes("inf_2018", runs=6, turns=8, seed=2, risk__h_max=0.9,
                               actors__US__payoff__discount=0.7)
    base = scenario.load("inf_2018").with_turns(8)
    factors = (sweep.Factor("risk.h_max", 0.001, 1.0), sweep.Factor("actors.US.payoff.discount", 0.5, 0.99))
    want = sweep.point_means(sweep.evaluate_point((base, factors, np.array([0.9, 0.7]), 2, 6, 8)))
    assert list(got) == sweep.outcome_names(base)
    assert np.allclose(list(got.values()), want)
    plain = exploratory.outcomes("inf_2018", runs=6, turns=8, seed=2)
    assert plain["incident"] < got["incident"]      # the values change the outcomes


def test_ema_runs_the_model_and_gets_the_same_outcomes():
    ema = pytest.importorskip("ema_workbench")
    model = exploratory.ema_model("inf_2018", uncertainties={"actors.US.payoff.discount": (0.5, 0.99),
                                                             "actors.US.deploy_lag_days": (30, 360)},
                                  levers={"risk.h_max": (0.001, 0.02)}, outcomes_kept=("final_escalation",),
                                  runs=4, turns=6, seed=3)
    kinds = {p.name: type(p).__name__ for p in [*model.uncertainties, *model.levers]}
    assert kinds == {"actors__US__payoff__discount": "RealParameter", "actors__US__deploy_lag_days": "IntegerParameter",
                     "risk__h_max": "RealParameter"}
    with ema.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=3, policies=1)
    row = experiments.iloc[1]
    values = {name: row[name] for name in kinds}
    again = exploratory.outcomes("inf_2018", runs=4, turns=6, seed=3, **values)
    assert outcomes["final_escalation"][1] == pytest.approx(again["final_escalation"])


def test_a_key_that_is_not_a_number_of_the_scenario_is_refused():
    pytest.importorskip("ema_workbench")
    with pytest.raises(SimError, match=r"risk\.nope: no such key"):
        exploratory.ema_model("inf_2018", uncertainties={"risk.nope": (0, 1)})
