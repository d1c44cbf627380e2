"""Human: the moves come from players, through `run_sim.py play`."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from sim.core.errors import SimError
from sim.rules.base import Rule, TurnView


class Human(Rule):
    """A seat for a person: its moves are typed by a player in `run_sim.py play`. It cannot decide
    by itself, so a scenario with a human actor cannot run in an ensemble or a tournament.
    """

    name = "human"
    classifier: ClassVar[dict[str, Any]] = {"stochastic": "a person", "memory_depth": "a person", "learns": "a person",
                                            "uses_beliefs": False, "needs_human": True}

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        raise SimError(f"actor {view.params.ids[self.actor]} has rule human: its moves come from a player; "
                       "allowed: `run_sim.py play`, or another rule for runs, comparisons and tournaments")
