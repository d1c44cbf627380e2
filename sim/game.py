"""The one-turn game between two actors, read off the dynamics (no second payoff model).

Each cell is an actor's payoff this turn plus the continuation value of the state it leads to,
with every other actor holding; allies' payoffs are not folded in here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import dynamics
from sim.actions import N_MOVES, Action
from sim.params import Params
from sim.state import State

RESTRAIN, ESCALATE = Action.HOLD, Action.DEPLOYMENT


def stage_matrices(s: State, params: Params, turn: int, row: int, col: int,
                   others: Action = Action.HOLD) -> tuple[np.ndarray, np.ndarray]:
    """[5, 5] payoffs of `row` and of `col` for every pair of their moves, replica 0 of `s`."""
    n = params.n_actors
    moves = np.full((N_MOVES * N_MOVES, n), int(others), dtype=np.int64)
    grid = np.array([(a, b) for a in range(N_MOVES) for b in range(N_MOVES)])
    moves[:, row], moves[:, col] = grid[:, 0], grid[:, 1]
    one = s.take(np.zeros(len(moves), dtype=np.int64))
    nxt, out = dynamics.step(one, moves, params, turn, draws=None)
    value = out.payoff + dynamics.continuation(nxt, params, turn)
    return value[:, row].reshape(N_MOVES, N_MOVES), value[:, col].reshape(N_MOVES, N_MOVES)


@dataclass(frozen=True)
class Reduced:
    """One side's payoffs in the restrain/escalate reduction: Temptation, Reward, Punishment, Sucker."""

    T: float
    R: float
    P: float
    S: float

    @property
    def is_prisoners_dilemma(self) -> bool:
        return self.T > self.R > self.P > self.S


def reduce(a: np.ndarray, b: np.ndarray) -> tuple[Reduced, Reduced]:
    """T, R, P, S of the row and the column player from their 5 x 5 matrices (restrain = hold)."""
    r, e = int(RESTRAIN), int(ESCALATE)
    row = Reduced(T=a[e, r], R=a[r, r], P=a[e, e], S=a[r, e])
    col = Reduced(T=b[r, e], R=b[r, r], P=b[e, e], S=b[e, r])
    return row, col
