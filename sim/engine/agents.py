"""NationAgent: one actor of the crisis in the Mesa model."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.core.actions import Action
from sim.core.codes import STAGES
from sim.rules.base import Rule

if TYPE_CHECKING:
    from sim.engine.model import EscalationModel


class NationAgent(mesa.Agent):
    """A state or alliance that chooses one move per turn with its decision rule.

    Moves are simultaneous, as in Mesa's ``pd_grid``: in `step` every agent chooses from the same state
    before the turn; the model then resolves the turn; in `advance` each agent learns what was played
    (its rule updates its beliefs) and its payoff. The ensemble engine calls the same rules directly,
    so both engines give the same runs; a subclass that changes `step` or `advance` changes the Mesa
    engine only (run it with ``--engine mesa`` or through `EscalationModel`).
    """

    model: EscalationModel

    def __init__(self, model: EscalationModel, index: int, actor_id: str, name: str, rule: Rule):
        super().__init__(model)
        self.index = index
        self.actor_id = actor_id
        self.name = name
        self.rule = rule
        self.move: Action = Action(int(model.crisis.state.last_moves[0, index]))
        self.payoff: float = 0.0
        self.last_ordered: int = 0

    def step(self) -> None:
        """Choose this turn's move from the state before the turn (the rule and its own uniform)."""
        self.move = Action(int(self.model.crisis.decide(self.index)[0]))

    def advance(self) -> None:
        """Learn the turn just resolved: the move actually played (a scenario event may force one), what
        everyone played (the rule's beliefs), the payoff and the missiles ordered."""
        crisis = self.model.crisis
        assert crisis.last_turn is not None, "advance() runs after the model resolved a turn"
        view, played, outcome = crisis.last_turn
        self.rule.observe(view, played)
        self.move = Action(int(played[0, self.index]))
        self.payoff = float(outcome.payoff[0, self.index])
        self.last_ordered = int(outcome.ordered[0, self.index])

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
