"""EscalationModel: one run of a crisis as a Mesa model."""

from __future__ import annotations

from typing import Any, cast

import mesa
import numpy as np

from sim.core.codes import TREATY_NAMES
from sim.core.errors import SimError
from sim.core.scenario import Scenario, apply_overrides, load
from sim.core.state import COMPONENTS
from sim.engine.agents import NationAgent
from sim.engine.crisis import Crisis, replica_seed


def root_seed(seed: Any = None, rng: Any = None) -> int:
    """The root seed of a run from Mesa's arguments: `seed` or `rng` as an int, or an int drawn from `rng`
    when it is a numpy Generator; neither draws one from the operating system."""
    if seed is not None and rng is not None:
        raise SimError("EscalationModel: seed and rng both given; allowed: one of them (as in mesa.Model)")
    given = seed if seed is not None else rng
    if given is None:
        return int(cast(int, np.random.SeedSequence().entropy))   # drawn by the system: an int
    if isinstance(given, np.random.Generator):
        return int(given.integers(2**63))
    if isinstance(given, np.random.SeedSequence):
        return int(given.generate_state(2, np.uint64).view(np.uint64)[0] >> np.uint64(1))
    if isinstance(given, bool) or not isinstance(given, int | np.integer) or given < 0:
        raise SimError(f"EscalationModel: seed/rng = {given!r}; allowed: a whole number of at least 0, "
                       "a numpy Generator or SeedSequence, or None")
    return int(given)


def overrides_of(keywords: dict[str, Any]) -> dict[str, Any]:
    """Scenario values given as keywords, ``risk__h_max=0.02`` -> ``{"risk.h_max": 0.02}``."""
    return {key.replace("__", "."): value for key, value in keywords.items()}


class EscalationModel(mesa.Model):
    """One replica of a scenario, stepped turn by turn.

    Args:
        scenario: a Scenario, or the name or path of a scenario file.
        seed, rng: the root seed, as `mesa.Model` takes them (an int, or a numpy Generator that an int
            is drawn from); neither: one from the operating system (see `seed`).
        replica: which replica of that seed to run; replica r here equals run r of an ensemble, so
            ``mesa.batch_run(..., parameters={"rng": 7, "replica": range(100)})`` runs 100 seeded runs.
        turns: number of turns (default: the scenario's).
        **overrides: any scenario value, its dotted key written with double underscores
            (``risk__h_max=0.02``, ``actors__US__rule__lambda=4``), so `mesa.batch_run` can sweep it.

    Each `step()` is a turn: every agent chooses its move (`NationAgent.step`), the turn is resolved at
    once, and every agent learns the outcome (`NationAgent.advance`), as in Mesa's ``pd_grid``. After
    each step, `datacollector` holds the escalation index, its components, the rung of Kahn's ladder
    and the treaty status, and for each agent its move, missiles, payoff and credibility.
    The dynamics draw only from the replica's own stream; Mesa's `rng` and `random` are a child of it,
    free for extensions, so that drawing from them never changes the crisis.
    """

    running: bool   # mesa.Model sets it; False once the crisis is over

    def __init__(self, scenario: Scenario | str = "inf_2018", *, seed: Any = None, rng: Any = None,
                 replica: int = 0, turns: int | None = None, **overrides: Any):
        root = root_seed(seed, rng)
        super().__init__(rng=replica_seed(root, replica).spawn(1)[0])
        scn = load(scenario) if isinstance(scenario, str) else scenario
        self.scenario = apply_overrides(scn, overrides_of(overrides), origin="keyword") if overrides else scn
        self.seed = root
        self.replica = replica
        self.crisis = Crisis(self.scenario, root, [replica], turns)
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
        """One turn: every nation chooses (`step`), the turn is resolved, every nation learns (`advance`)."""
        if not self.running:
            return
        self.agents.do("step")
        chosen = np.array([[int(a.move) for a in self.nations]])
        self.crisis.resolve(chosen, observe=False)
        self.agents.do("advance")
        self.datacollector.collect(self)
        if self.incident or self.crisis.finished:
            self.running = False
