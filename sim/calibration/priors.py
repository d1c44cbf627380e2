"""Priors over the decisive parameters: what is believed about each before the record is read.

Each prior is uniform on [low, high], or uniform in log10 on it (`log = True`: lambda and the hazard span
orders of magnitude, so each order is as likely as the next). A prior sets one or more scenario keys (the
keys of ``--set``): one lambda for every quantal actor, one discount for the US and its ally. Every range
says why it is what it is; none is taken from what happened after the case's end.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.core.errors import SimError
from sim.core.scenario import Scenario, apply_overrides


@dataclass(frozen=True)
class Prior:
    """A parameter's prior: its name, the scenario keys it sets, its range, log10-uniform or uniform, why."""

    name: str
    keys: tuple[str, ...]
    low: float
    high: float
    log: bool
    why: str
    whole: bool = False      # the keys take whole numbers (days): the value is rounded

    def value(self, x: float) -> float | int:
        """What the scenario keys get for the parameter value x."""
        return round(x) if self.whole else float(x)

    def to_unit(self, value: np.ndarray | float) -> np.ndarray:
        """The value's place in the prior's range, 0 at low, 1 at high (in log10 if `log`)."""
        v, lo, hi = (np.log10(value), math.log10(self.low), math.log10(self.high)) if self.log \
            else (np.asarray(value, dtype=float), self.low, self.high)
        return (v - lo) / (hi - lo)

    def from_unit(self, u: np.ndarray | float) -> np.ndarray:
        """The value at place `u` of the range (the inverse of `to_unit`)."""
        if self.log:
            lo, hi = math.log10(self.low), math.log10(self.high)
            return np.asarray(10.0 ** (lo + np.asarray(u) * (hi - lo)))
        return np.asarray(self.low + np.asarray(u) * (self.high - self.low))


#: The decisive parameters of inf_2014_2019 and inf_2018 (issue "Calibration"), with their priors.
DEFAULT: tuple[Prior, ...] = (
    Prior("discount_US", ("actors.US.payoff.discount", "actors.NATO.payoff.discount"), 0.8, 0.995, False,
          "assumed: monthly discounts from 0.8 (a horizon of 5 months, an administration's news cycle) to 0.995 "
          "(200 months, a generation of arms control); the US and its alliance share one"),
    Prior("discount_RU", ("actors.RU.payoff.discount",), 0.8, 0.995, False, "assumed: as discount_US"),
    Prior("treaty_value_US", ("actors.US.payoff.treaty_value",), 0.0, 2.0, False,
          "assumed: from worthless to twice the unit (a month of a fully valued treaty, docs/ODD.md 2)"),
    Prior("treaty_value_RU", ("actors.RU.payoff.treaty_value",), 0.0, 2.0, False, "assumed: as treaty_value_US"),
    Prior("lambda", ("actors.US.rule.lambda", "actors.RU.rule.lambda", "actors.NATO.rule.lambda"), 0.1, 100.0, True,
          "assumed: three orders of magnitude per utility unit, from near coin flips between talk and hold (0.1) "
          "to near best response (100); one precision for every quantal actor"),
    Prior("talks_rate", ("diplomacy.talks_rate",), 0.01, 1.0, True,
          "assumed: from a hundred rounds to one round to agree with full trust"),
    Prior("talks_decay", ("diplomacy.talks_decay",), 0.0, 0.5, False,
          "assumed: from no decay to half the progress lost in a month without a round"),
    Prior("trust_round_gain", ("diplomacy.trust_round_gain",), 0.0, 0.2, False,
          "assumed: from nothing to a fifth of full trust per round"),
    Prior("h_max", ("risk.h_max",), 1e-4, 0.05, True,
          "assumed: from one breakdown in 10,000 months to one in 20 at the most unstable"),
    Prior("audience_cost_US", ("actors.US.payoff.audience_cost",), 0.0, 10.0, False,
          "assumed: from none to ten times the stakes (Fearon 1994; Tomz 2007 give a sign, not a size)"),
    Prior("comply_cost_RU", ("actors.RU.payoff.comply_cost",), 0.0, 10.0, False,
          "assumed: from nothing to ten months of a fully valued treaty for conceding a violation Russia denies"),
    Prior("reputation_cost_RU", ("actors.RU.payoff.reputation_cost",), 0.0, 3.0, False,
          "assumed: from nothing to three months of treaty value per detected violation"),
    Prior("production_days_RU", ("actors.RU.programme.production_days",), 30.0, 900.0, False,
          "assumed: the 9M729's series production left at the July 2014 finding, from a month to two and a half "
          "years; nothing public dates it", whole=True),
)


def check(scn: Scenario, priors: Sequence[Prior]) -> None:
    """SimError (one line) if a prior's key is not a value of the scenario or its range is empty."""
    for prior in priors:
        if not prior.low < prior.high or (prior.log and prior.low <= 0):
            raise SimError(f"prior {prior.name}: [{prior.low:g}, {prior.high:g}]: allowed: low < high"
                           f"{', both above 0 (log10-uniform)' if prior.log else ''}")
    apply_overrides(scn, overrides(priors, {p.name: p.high for p in priors}), origin="prior")
    apply_overrides(scn, overrides(priors, {p.name: p.low for p in priors}), origin="prior")


def overrides(priors: Sequence[Prior], theta: Mapping[str, float]) -> dict[str, Any]:
    """The scenario changes (``{"risk.h_max": 0.01, ...}``) of the parameter values `theta`."""
    return {key: p.value(theta[p.name]) for p in priors for key in p.keys}


def select(names: Sequence[str], priors: Sequence[Prior] = DEFAULT) -> tuple[Prior, ...]:
    """The priors called `names` (in that order); SimError naming the allowed ones otherwise."""
    by_name = {p.name: p for p in priors}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise SimError(f"--param {unknown[0]}: unknown parameter; allowed: {', '.join(by_name)}")
    return tuple(by_name[n] for n in names)
