"""Scripted: given moves on given dates, another rule on every other turn."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

import numpy as np

from sim.core.actions import Action
from sim.core.rule_specs import ScriptedParams
from sim.rules.base import Rule, TurnView


class Scripted(Rule):
    """Plays the moves written for given dates (the turn containing each date), where they are legal
    then, and the fallback rule `then` on all other turns (and where a scripted move is not legal).
    Used to replay history up to a point, or to ask "what if this side had done X on that date".
    """

    Params = ScriptedParams

    name = "scripted"
    params: ScriptedParams   # its Params, not the base RuleParams
    classifier: ClassVar[dict[str, Any]] = {"stochastic": "fallback", "memory_depth": "fallback", "learns": "fallback",
                                            "uses_beliefs": "fallback", "needs_human": False}

    def __init__(self, params: ScriptedParams, actor: int, start: date, turn_days: int, fallback: Rule):
        """`fallback` is the rule of table `params.then`, made by the registry."""
        super().__init__(params, actor, start, turn_days)
        self.fallback = fallback
        self.by_turn = {self.turn_of(when): int(Action.parse(m)) for when, m in params.moves.items()}
        self.reads_values = self.fallback.reads_values
        self.has_beliefs = self.fallback.has_beliefs

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        """The scripted move where it is legal on its turn; the fallback's move elsewhere."""
        fallback = self.fallback.decide(view, u)
        if view.turn in self.by_turn:
            move = self.by_turn[view.turn]
            return np.where(view.legal()[:, self.actor, move], move, fallback)
        return fallback

    # the fallback learns from every turn, scripted or not
    def reset(self) -> None:
        if hasattr(self, "fallback"):
            self.fallback.reset()

    def observe(self, view: TurnView, moves: np.ndarray) -> None:
        self.fallback.observe(view, moves)

    def keep(self, mask: np.ndarray) -> None:
        self.fallback.keep(mask)

    def own_beliefs(self, view: TurnView) -> np.ndarray:
        return self.fallback.own_beliefs(view)
