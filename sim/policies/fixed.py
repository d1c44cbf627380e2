"""Fixed rules that ignore the others: hawk, dove and random (baselines)."""

from __future__ import annotations

import numpy as np
from pydantic import Field, field_validator

from sim.actions import N_MOVES, Action
from sim.policies.base import Rule, RuleParams, TurnView


class Hawk(Rule):
    """Always escalates: plays `move` (default deployment) every turn, whatever the others do.
    The "always defect" of the Prisoner's Dilemma literature; a baseline for tournaments.
    """

    class Params(RuleParams):
        move: str = Field(default="deployment", description="the move played every turn")

        check_move = field_validator("move")(classmethod(lambda cls, v: Action.parse(v).label))

    name = "hawk"
    classifier = {"stochastic": False, "memory_depth": 0, "learns": False,
                  "uses_beliefs": False, "needs_human": False}

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        return np.full(view.state.n_replicas, int(Action.parse(self.params.move)), dtype=np.int64)


class Dove(Hawk):
    """Never escalates: plays `move` (default dialogue) every turn, whatever the others do.
    The "always cooperate" baseline.
    """

    class Params(Hawk.Params):
        move: str = Field(default="dialogue", description="the move played every turn")

    name = "dove"


class Random(Rule):
    """Plays each of the five moves with equal probability, independently every turn: the
    baseline of no strategy at all.
    """

    name = "random"
    classifier = {"stochastic": True, "memory_depth": 0, "learns": False,
                  "uses_beliefs": False, "needs_human": False}

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        return np.minimum((u * N_MOVES).astype(np.int64), N_MOVES - 1)
