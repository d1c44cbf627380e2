"""The one-turn game between two actors, read off the dynamics (no second payoff model).

Each cell is an actor's payoff this turn plus the continuation value of the state it leads to,
with every other actor holding. `stage_matrices` gives the two actors' own payoffs; `side_matrices`
folds allies into their leader's side: they keep holding, and their payoffs are added to the
leader's (docs/analysis.md explains why allies do not copy their leader's move).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim import dynamics
from sim.actions import N_MOVES, Action
from sim.params import Params
from sim.state import State

RESTRAIN, ESCALATE = Action.HOLD, Action.DEPLOYMENT


def joint_values(s: State, params: Params, turn: int, row: int, col: int,
                 others: Action = Action.HOLD, copy: Sequence[tuple[int, int]] = ()) -> np.ndarray:
    """[5, 5, N]: every actor's payoff plus continuation value when `row` plays a and `col` plays b.

    Replica 0 of `s` is the state before `turn`; the turn is resolved with the expected (deterministic)
    `dynamics.step` and the state it reaches is valued by `dynamics.continuation`, as the rules do.
    Every other actor plays `others`, except the actors j of the pairs (j, leader) in `copy`, which
    play the move of their leader (`row` or `col`).
    """
    n = params.n_actors
    moves = np.full((N_MOVES * N_MOVES, n), int(others), dtype=np.int64)
    grid = np.array([(a, b) for a in range(N_MOVES) for b in range(N_MOVES)])
    moves[:, row], moves[:, col] = grid[:, 0], grid[:, 1]
    for follower, leader in copy:
        moves[:, follower] = moves[:, leader]
    one = s.take(np.zeros(len(moves), dtype=np.int64))
    nxt, out = dynamics.step(one, moves, params, turn, draws=None)
    value = out.payoff + dynamics.continuation(nxt, params, turn)
    return value.reshape(N_MOVES, N_MOVES, n)


def stage_matrices(s: State, params: Params, turn: int, row: int, col: int,
                   others: Action = Action.HOLD) -> tuple[np.ndarray, np.ndarray]:
    """[5, 5] payoffs of `row` and of `col` for every pair of their moves, replica 0 of `s`."""
    value = joint_values(s, params, turn, row, col, others)
    return value[:, :, row], value[:, :, col]


def side_matrices(s: State, params: Params, turn: int, row_side: Sequence[int],
                  col_side: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """[5, 5] payoffs of two sides; each side is its leader (listed first) and the leader's allies.

    The leaders choose the moves; allies hold, like every actor outside the pair, and a side's
    payoff in a cell is the sum of its members' payoffs plus continuation values.
    """
    value = joint_values(s, params, turn, row_side[0], col_side[0])
    return value[:, :, list(row_side)].sum(axis=2), value[:, :, list(col_side)].sum(axis=2)


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


def reduce(a: np.ndarray, b: np.ndarray, restrain: Action = RESTRAIN) -> tuple[Reduced, Reduced]:
    """T, R, P, S of the row and the column player from their 5 x 5 matrices.

    Restrain is `restrain` (hold by default) and escalate is deployment, for both players.
    """
    r, e = int(restrain), int(ESCALATE)
    row = Reduced(T=float(a[e, r]), R=float(a[r, r]), P=float(a[e, e]), S=float(a[r, e]))
    col = Reduced(T=float(b[r, e]), R=float(b[r, r]), P=float(b[e, e]), S=float(b[e, r]))
    return row, col
