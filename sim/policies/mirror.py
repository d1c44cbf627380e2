"""Mirror: answer the adversaries' last moves in kind (tit-for-tat)."""

from __future__ import annotations

import numpy as np
from pydantic import field_validator

from sim.actions import Action
from sim.policies.base import Rule, RuleParams, TurnView


class Mirror(Rule):
    """Tit-for-tat on the escalation ladder, the "reciprocal measures" doctrine.

    Looks at the most escalatory move any adversary made last turn. If it is at or above the
    `threshold` rung, plays that same move; otherwise plays `otherwise`. With threshold
    ``dialogue`` it is plain tit-for-tat; Russia's declared doctrine in the seed document
    (dialogue first, reciprocal measures against withdrawal and deployment) is threshold
    ``withdrawal``, otherwise ``dialogue``.
    """

    class Params(RuleParams):
        threshold: str = "dialogue"
        otherwise: str = "hold"

        @field_validator("threshold", "otherwise")
        @classmethod
        def _move(cls, value: str) -> str:
            return Action.parse(value).label

    name = "mirror"
    classifier = {"stochastic": False, "memory_depth": 1, "learns": False,
                  "uses_beliefs": False, "needs_human": False}

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        adversaries = view.params.adversary[self.actor]
        seen = view.state.last_moves[:, adversaries].max(axis=1)
        threshold = int(Action.parse(self.params.threshold))
        otherwise = int(Action.parse(self.params.otherwise))
        return np.where(seen >= threshold, seen, otherwise)
