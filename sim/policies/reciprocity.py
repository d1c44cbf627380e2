"""Reciprocity: answer the adversaries' moves (mirror, generous_mirror, grim)."""

from __future__ import annotations

import numpy as np
from pydantic import Field, field_validator

from sim.actions import Action
from sim.policies.base import Rule, RuleParams, TurnView

ESCALATIONS = (int(Action.WITHDRAWAL), int(Action.DEPLOYMENT))


def _move_name(value: str) -> str:
    return Action.parse(value).label


class Mirror(Rule):
    """Tit-for-tat on the escalation ladder, the "reciprocal measures" doctrine (Axelrod 1984).

    Looks at the most escalatory move any adversary made last turn. If it is at or above the
    `threshold` rung, plays that same move; otherwise plays `otherwise`. With threshold
    ``dialogue`` it is plain tit-for-tat; Russia's declared doctrine in the seed document
    (dialogue first, reciprocal measures against withdrawal and deployment) is threshold
    ``withdrawal``, otherwise ``dialogue`` (the preset ``reciprocal_measures``). A walk-out from
    talks by an adversary is answered in kind only by an actor no longer bound by the treaty (for
    a bound party, withdrawal would mean giving notice, which is not an answer in kind).
    """

    class Params(RuleParams):
        threshold: str = Field(default="dialogue", description="lowest adversary move answered in kind")
        otherwise: str = Field(default="hold", description="move when nothing reaches the threshold")

        check_moves = field_validator("threshold", "otherwise")(classmethod(lambda cls, v: _move_name(v)))

    name = "mirror"
    classifier = {"stochastic": False, "memory_depth": 1, "learns": False,
                  "uses_beliefs": False, "needs_human": False}

    def answer(self, view: TurnView) -> np.ndarray:
        """[R] the move in kind (or `otherwise`) to the adversaries' last moves."""
        s, adversaries = view.state, view.params.adversary[self.actor]
        threshold = int(Action.parse(self.params.threshold))
        otherwise = int(Action.parse(self.params.otherwise))
        seen = s.last_moves[:, adversaries]
        walkout = (seen == int(Action.WITHDRAWAL)) & ~s.last_notice[:, adversaries]
        bound = s.bound(view.params)[:, self.actor]
        seen = np.where(walkout & bound[:, None], -1, seen)
        answer = np.where(seen >= threshold, seen, -1).max(axis=1)
        return np.where(answer >= 0, answer, otherwise)

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        return self.answer(view)


class GenerousMirror(Mirror):
    """Generous tit-for-tat (Nowak and Sigmund 1992): mirrors like `mirror`, but forgives an
    escalation with probability `g`, playing `otherwise` instead of answering in kind. Forgiveness
    breaks the echo of retaliation that locks two mirrors into an arms race after one mistake.
    """

    class Params(Mirror.Params):
        g: float = Field(default=0.2, ge=0, le=1, description="probability of forgiving an escalation")

    name = "generous_mirror"
    classifier = {**Mirror.classifier, "stochastic": True}

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        answer = self.answer(view)
        otherwise = int(Action.parse(self.params.otherwise))
        forgive = (answer > otherwise) & (u < self.params.g)
        return np.where(forgive, otherwise, answer)


class Grim(Rule):
    """Grim trigger (Friedman 1971): plays `otherwise` until an adversary first deploys or
    withdraws (notice or walk-out), then plays `then` for good; it never returns to dialogue.
    """

    class Params(RuleParams):
        otherwise: str = Field(default="dialogue", description="move before the trigger")
        then: str = Field(default="deployment", description="move after the trigger, for good")

        check_moves = field_validator("otherwise", "then")(classmethod(lambda cls, v: _move_name(v)))

    name = "grim"
    classifier = {"stochastic": False, "memory_depth": float("inf"), "learns": False,
                  "uses_beliefs": False, "needs_human": False}

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        seen = view.state.last_moves[:, view.params.adversary[self.actor]]
        now = np.isin(seen, ESCALATIONS).any(axis=1)
        triggered = self.memory.get("triggered", np.zeros(len(now), dtype=bool)) | now
        self.memory["triggered"] = triggered
        return np.where(triggered, int(Action.parse(self.params.then)), int(Action.parse(self.params.otherwise)))
