"""A batch of replicas of one crisis, advanced turn by turn through the dynamics.

Both drivers use it: `EscalationModel` holds one replica and lets its agents decide; the ensemble
runner holds many and calls the rules directly. Replica `r` of root seed `s` draws every random
number from its own generator, ``default_rng(SeedSequence(s, spawn_key=(r,)))``: a block of
``turns x (2 + 3N)`` uniforms drawn up front, so its trajectory does not depend on how it was run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from sim.core.params import compile_schedule
from sim.core.scenario import Scenario
from sim.core.state import State
from sim.engine.initial import initial_state
from sim.kernel import dynamics
from sim.kernel.bargaining import table_terms
from sim.rules.base import TurnView
from sim.rules.registry import make_rule


def replica_seed(seed: int, replica: int) -> np.random.SeedSequence:
    """The seed sequence of replica `replica` of root seed `seed` (its spawn index)."""
    return np.random.SeedSequence(seed, spawn_key=(replica,))


def replica_draws(seed: int, replica: int, turns: int, n_actors: int) -> np.ndarray:
    """[turns, 2 + 3N] uniforms of one replica; row t-1 is used on turn t."""
    rng = np.random.default_rng(replica_seed(seed, replica))
    return rng.random((turns, dynamics.draw_width(n_actors)))


def private_reserves(seed: int, replicas: Sequence[int] | np.ndarray, private_value: np.ndarray) -> np.ndarray | None:
    """[R, N] each actor's private reserve in each replica, uniform on [-private_value, private_value]
    (docs/ODD.md 7.3), from the replica's own stream for types (spawn key (r, 1), apart from its turn
    draws, so that a run's turns are the same whatever it draws here); None if every range is 0."""
    if not (private_value > 0).any():
        return None
    n = len(private_value)
    u = [np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(r), 1))).random(n) for r in replicas]
    return (2.0 * np.array(u).reshape(-1, n) - 1.0) * private_value


class Crisis:
    """Replicas `replicas` of scenario `scn` under root seed `seed`, at turn `turn`."""

    def __init__(self, scn: Scenario, seed: int, replicas: Sequence[int] | np.ndarray, turns: int | None = None,
                 rules: list | None = None):
        self.scenario = scn
        self.seed = seed
        self.turns = turns if turns is not None else scn.scenario.turns
        self.schedule = compile_schedule(scn)
        self.replicas = np.asarray(replicas, dtype=np.int64)
        n = len(scn.actors)
        self.n_actors = n
        self.draws = np.stack([replica_draws(seed, int(r), self.turns, n) for r in self.replicas]) \
            if len(self.replicas) else np.zeros((0, self.turns, dynamics.draw_width(n)))
        lag_slots = max(p.pipeline_len for _, p in self.schedule.epochs)
        start = self.schedule.params_at(0)
        self.state: State = initial_state(scn, start, len(self.replicas), lag_slots,
                                          private_reserves(seed, self.replicas, start.payoff["private_value"]))
        self.turn = 0
        meta = scn.scenario
        # `rules` lets a caller reuse rule objects (e.g. a reset one); by default they are made fresh
        self.rules = rules if rules is not None else [
            make_rule(a.rule, i, meta.start_date, meta.turn_days) for i, a in enumerate(scn.actors)]
        self._view: TurnView | None = None
        self.last_turn: tuple[TurnView, np.ndarray, dynamics.Outcome] | None = None

    @property
    def finished(self) -> bool:
        return self.turn >= self.turns or len(self.replicas) == 0

    def date(self, turn: int | None = None) -> date:
        return self.scenario.date_of(self.turn if turn is None else turn)

    def view(self) -> TurnView:
        """What the rules see when deciding the next turn (one per turn, shared)."""
        nxt = self.turn + 1
        if self._view is None or self._view.turn != nxt:
            needs = np.array([rule.reads_values for rule in self.rules])
            self._view = TurnView(self.state, self.schedule.params_at(nxt), nxt, self.date(nxt), needs,
                                  draws=self.draws[:, self.turn] if self.turns > self.turn else None)
            own = [i for i, rule in enumerate(self.rules) if rule.has_beliefs]
            if own:
                beliefs = self.state.beliefs.copy()
                for i in own:
                    beliefs[:, i] = self.rules[i].own_beliefs(self._view)[:, :, None, :]
                self._view.beliefs = beliefs
        return self._view

    def decide(self, actor: int) -> np.ndarray:
        """[R] moves of one actor for the next turn, from its rule and its own uniforms."""
        u = self.draws[:, self.turn, dynamics.rule_column(self.n_actors, actor)]
        return np.asarray(self.rules[actor].decide(self.view(), u), dtype=np.int64)

    def decide_all(self) -> np.ndarray:
        """[R, N] moves of every actor for the next turn."""
        return np.stack([self.decide(i) for i in range(self.n_actors)], axis=1)

    def resolve(self, moves: np.ndarray, observe: bool = True) -> tuple[np.ndarray, dynamics.Outcome]:
        """Apply forced moves of the scenario's events, resolve the turn, advance the clock.

        A forced move that is not legal in a replica at that turn leaves the rule's move there.
        Returns the moves actually played and the outcome, also kept as `last_turn` (with the view the
        rules decided from). With `observe` every rule learns the turn now; without, the caller lets
        each learn it (the Mesa agents' `advance`).
        """
        nxt = self.turn + 1
        moves = np.array(moves, dtype=np.int64)
        view = self.view()
        for actor, move in self.schedule.forced.get(nxt, ()):
            moves[:, actor] = np.where(view.legal()[:, actor, move], move, moves[:, actor])
        known = view.legal() if view.state is self.state else None       # the mask the rules chose from
        state, outcome = dynamics.step(self.state, moves, view.params, nxt, self.draws[:, self.turn], known)
        self.state = table_terms(state, self.schedule.params_at(nxt + 1), nxt)    # what the pairs could sign next
        if observe:
            for rule in self.rules:
                rule.observe(view, moves)
        self.last_turn = (view, moves, outcome)
        self.turn = nxt
        return moves, outcome

    def drop_ended(self) -> None:
        """Forget the replicas whose crisis broke down (their runs are over)."""
        keep = ~self.state.incident
        if not keep.all():
            self.state = self.state.take(keep)
            self.replicas = self.replicas[keep]
            self.draws = self.draws[keep]
            self._view = None
            for rule in self.rules:
                rule.keep(keep)
