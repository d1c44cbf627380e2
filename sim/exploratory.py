"""The model under the EMA Workbench (exploratory modelling): a scenario's values as uncertainties and
levers, its outcomes over seeded runs as outcomes, for EMA's samplers, evaluators, PRIM and feature scoring
(docs/exploratory.md). Needs ema_workbench (the `ema` extra) only for `ema_model`.

A parameter is a scenario value as `--set` names it, with ``__`` for each dot (``actors__US__payoff__discount``),
the names EMA and keyword arguments take; `EscalationModel` reads its keywords the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.analysis import sweep
from sim.api import load_scenario, run
from sim.core.errors import SimError
from sim.core.scenario import value_at

DEFAULT_RUNS = 50


def key_of(name: str) -> str:
    """The scenario key of a parameter name: ``actors__US__payoff__discount`` -> ``actors.US.payoff.discount``."""
    return name.replace("__", ".")


def name_of(key: str) -> str:
    """The parameter name of a scenario key (dots as ``__``)."""
    return key.replace(".", "__")


def outcomes(scenario: str = "inf_2018", runs: int = DEFAULT_RUNS, seed: int = 1, turns: int | None = None,
             **values: Any) -> dict[str, float]:
    """The outcomes of `scenario` with `values` (parameter names, see `key_of`) over `runs` seeded runs: the
    means that `sweep` reports (`sim.analysis.sweep.outcome_names`). Run r is the same run at every point
    (common random numbers), so differences between points are the values', not the draws'."""
    plain = {key_of(k): v.item() if hasattr(v, "item") else v for k, v in values.items()}   # numpy's, as Python's
    scn = load_scenario(scenario, plain, turns)
    result = run(scn, runs=runs, seed=seed, jobs=1, progress=False)
    assert result.batches        # every batch kept
    return dict(zip(sweep.outcome_names(scn), map(float, sweep.outcomes(result.batches, scn.scenario.turns)),
                    strict=True))


def ema_model(scenario: str = "inf_2018", uncertainties: Mapping[str, tuple[float, float]] | None = None,
              levers: Mapping[str, tuple[float, float]] | None = None, outcomes_kept: tuple[str, ...] = (),
              runs: int = DEFAULT_RUNS, seed: int = 1, turns: int | None = None) -> Any:
    """An ema_workbench Model of `scenario`: `uncertainties` and `levers` map scenario keys (as `--set` takes
    them) to ranges, an integer parameter where the scenario's value is whole; its outcomes are
    `outcomes_kept` (default: every outcome of `outcomes`)."""
    from ema_workbench import IntegerParameter, Model, RealParameter, ScalarOutcome

    scn = load_scenario(scenario, turns=turns)
    raw = scn.raw()

    def parameters(ranges: Mapping[str, tuple[float, float]] | None) -> list[Any]:
        made = []
        for key, (low, high) in (ranges or {}).items():
            current = value_at(raw, key)
            if isinstance(current, bool) or not isinstance(current, int | float):
                raise SimError(f"{scn.source}: {key}: {'no such key' if current is None else repr(current)}; "
                               "allowed: a numeric scenario value, as --set takes it")
            kind = IntegerParameter if isinstance(current, int) else RealParameter
            made.append(kind(name_of(key), low, high))
        return made

    names = list(outcomes_kept) or sweep.outcome_names(scn)
    name = "".join(c for c in scn.name if c.isalnum()) or "escalation"      # EMA takes letters and digits only
    model = Model(name, function=_Evaluate(scenario, runs, seed, turns))
    model.uncertainties = parameters(uncertainties)
    model.levers = parameters(levers)
    model.outcomes = [ScalarOutcome(name) for name in names]
    return model


class _Evaluate:
    """`outcomes` with the scenario, runs, seed and turns fixed: a picklable function for EMA's evaluators."""

    def __init__(self, scenario: str, runs: int, seed: int, turns: int | None):
        self.scenario, self.runs, self.seed, self.turns = scenario, runs, seed, turns

    def __call__(self, **values: Any) -> dict[str, float]:
        return outcomes(self.scenario, self.runs, self.seed, self.turns, **values)
