"""NationAgent: one actor of the crisis in the Mesa model."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.actions import STAGES, Action
from sim.policies import Rule

if TYPE_CHECKING:
    from sim.model import EscalationModel


class NationAgent(mesa.Agent):
    """A state or alliance that chooses one move per turn with its decision rule.

    Moves are simultaneous: every agent first `decide`s from the same state, then the model
    resolves the turn and each agent learns its payoff.
    """

    def __init__(self, model: EscalationModel, index: int, actor_id: str, name: str, rule: Rule):
        super().__init__(model)
        self.index = index
        self.actor_id = actor_id
        self.name = name
        self.rule = rule
        self.move: Action = Action(int(model.crisis.state.last_moves[0, index]))
        self.payoff: float = 0.0
        self.last_ordered: int = 0

    def decide(self) -> None:
        """Choose this turn's move from the state before the turn."""
        self.move = Action(int(self.model.crisis.decide(self.index)[0]))

    @property
    def missiles(self) -> int:
        """Deployed missiles after the last turn."""
        return int(self.model.crisis.state.missiles[0, self.index])

    @property
    def ordered(self) -> int:
        """Missiles ordered on the last turn."""
        return int(self.last_ordered)

    @property
    def programme(self) -> str:
        """Stage of the missile programme after the last turn."""
        return STAGES[int(self.model.crisis.state.stage[0, self.index])]

    @property
    def hosting(self) -> bool:
        return bool(self.model.crisis.state.hosting[0, self.index])

    @property
    def credibility(self) -> float:
        return float(self.model.crisis.state.credibility[0, self.index])

    @property
    def action(self) -> str:
        return self.move.label

    def __repr__(self) -> str:
        return f"NationAgent({self.actor_id}, {self.rule!r})"
