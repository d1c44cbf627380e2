"""EscalationModel: one run of a crisis as a Mesa model."""

from __future__ import annotations

import mesa
import numpy as np

from sim.agents import NationAgent
from sim.crisis import Crisis, replica_seed
from sim.scenario import Scenario, load
from sim.state import COMPONENTS, TREATY_NAMES


class EscalationModel(mesa.Model):
    """One replica of a scenario, stepped turn by turn.

    Args:
        scenario: a Scenario, or the name or path of a scenario file.
        rng: the root seed (an int); None draws one from the operating system (see `seed`).
        replica: which replica of that seed to run; replica r here equals run r of an ensemble.
        turns: number of turns (default: the scenario's).

    After each `step()`, `datacollector` holds the escalation index, its components, the rung of
    Kahn's ladder and the treaty status, and for each agent its move, missiles, payoff and credibility.
    """

    def __init__(self, scenario: Scenario | str = "inf_2018", *, rng: int | None = None,
                 replica: int = 0, turns: int | None = None):
        seed = int(np.random.SeedSequence().entropy) if rng is None else int(rng)
        # Mesa's own generators get a child stream, so they never share numbers with the dynamics
        super().__init__(rng=replica_seed(seed, replica).spawn(1)[0])
        self.scenario = load(scenario) if isinstance(scenario, str) else scenario
        self.seed = seed
        self.replica = replica
        self.crisis = Crisis(self.scenario, seed, [replica], turns)
        self.nations = [NationAgent(self, i, a.id, a.name or a.id, self.crisis.rules[i])
                        for i, a in enumerate(self.scenario.actors)]
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "turn": "turn", "date": "date", "escalation": "escalation",
                **{c: (lambda m, c=c: m._read(c)) for c in COMPONENTS},
                "rung": "rung", "treaty": "treaty", "incident": "incident",
            },
            agent_reporters={"actor": "actor_id", "action": "action", "missiles": "missiles",
                             "ordered": "ordered", "programme": "programme", "hosting": "hosting",
                             "payoff": "payoff", "credibility": "credibility"},
        )
        self.datacollector.collect(self)

    # model-level readings of the single replica
    @property
    def turn(self) -> int:
        return self.crisis.turn

    @property
    def date(self) -> str:
        return self.crisis.date().isoformat()

    def _read(self, name: str) -> float:
        return float(getattr(self.crisis.state, name)[0])

    escalation = property(lambda self: self._read("escalation"))
    rung = property(lambda self: int(self.crisis.state.rung[0]))

    @property
    def treaty(self) -> str:
        return TREATY_NAMES[int(self.crisis.state.treaty[0])]

    @property
    def incident(self) -> bool:
        return bool(self.crisis.state.incident[0])

    def step(self) -> None:
        """Every nation decides, then the turn is resolved at once."""
        if not self.running:
            return
        self.agents.do("decide")
        moves = np.array([[int(a.move) for a in self.nations]])
        played, outcome = self.crisis.resolve(moves)
        for agent in self.nations:
            agent.move = type(agent.move)(int(played[0, agent.index]))
            agent.payoff = float(outcome.payoff[0, agent.index])
            agent.last_ordered = int(outcome.ordered[0, agent.index])
        self.datacollector.collect(self)
        if self.incident or self.crisis.finished:
            self.running = False
