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
    ``withdrawal``, otherwise ``dialogue``. A walk-out from talks by an adversary is answered
    in kind only by an actor no longer bound by the treaty (for a bound party, withdrawal would
    mean giving notice, which is not an answer in kind).
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
        s, adversaries = view.state, view.params.adversary[self.actor]
        threshold = int(Action.parse(self.params.threshold))
        otherwise = int(Action.parse(self.params.otherwise))
        seen = s.last_moves[:, adversaries]
        # a walk-out from talks (a withdrawal that gave no treaty notice) is answered in kind only
        # by an actor that can itself walk out; for a bound party "withdrawal" would mean notice
        walkout = (seen == int(Action.WITHDRAWAL)) & ~s.last_notice[:, adversaries]
        bound = s.bound(view.params)[:, self.actor]
        seen = np.where(walkout & bound[:, None], -1, seen)
        answer = np.where(seen >= threshold, seen, -1).max(axis=1)
        return np.where(answer >= 0, answer, otherwise)
