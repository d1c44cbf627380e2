"""Fixed rules that ignore the others: hawk, dove and random (baselines)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from sim.core.actions import Action
from sim.core.rule_specs import DoveParams, HawkParams
from sim.rules.base import Rule, TurnView, strongest_legal


class Hawk(Rule):
    """Always escalates: plays `move` (default deployment) every turn, whatever the others do, or
    where it is not legal the most escalatory legal move below it (a programme advances until a
    system is ready). The "always defect" of the Prisoner's Dilemma literature; a tournament baseline.
    """

    Params = HawkParams

    name = "hawk"
    params: HawkParams   # its Params, not the base RuleParams
    classifier: ClassVar[dict[str, Any]] = {"stochastic": False, "memory_depth": 0, "learns": False,
                                            "uses_beliefs": False, "needs_human": False}

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        move = int(Action.parse(self.params.move))
        legal = view.legal()[:, self.actor]
        return np.where(legal[:, move], move, strongest_legal(legal, move))


class Dove(Hawk):
    """Never escalates: plays `move` (default dialogue) every turn, whatever the others do.
    The "always cooperate" baseline.
    """

    Params = DoveParams

    name = "dove"
    params: DoveParams   # its Params, not the base RuleParams


class Random(Rule):
    """Plays each legal move with equal probability, independently every turn: the baseline of no
    strategy at all.
    """

    name = "random"
    classifier: ClassVar[dict[str, Any]] = {"stochastic": True, "memory_depth": 0, "learns": False,
                                            "uses_beliefs": False, "needs_human": False}

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        legal = view.legal()[:, self.actor]
        count = legal.sum(axis=1)
        pick = np.minimum((u * count).astype(np.int64), count - 1)
        return np.argmax(np.cumsum(legal, axis=1) > pick[:, None], axis=1)
