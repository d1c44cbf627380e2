"""The one-turn game between two actors, read off the model (no second payoff model).

A cell (a, b) is a player's value of its own move when the row actor plays a, the column actor b and
every other actor the move it is held to: this turn's payoff plus the look-ahead's future value, as
`sim.kernel.lookahead.counterfactual_values` computes it for the rules (expected dynamics, the orders the
player believes its adversaries place in answer, the expected audience cost of its open ultimatum).
Each player's value is its own: an ally's payoff is never added to its leader's (NATO gains from
the US missiles it hosts, and adding its gain to the US's counted those missiles twice). Only legal
moves enter: the game is |legal moves of row| x |legal moves of column|.

The reduction to restrain against arm uses, per player, the most escalatory legal arming move
(`arming_move`: deployment where the system is ready, else develop where the next stage can start)
and dialogue (or hold) as restraint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.actions import RUNGS, Action
from sim.core.params import Params
from sim.core.state import State
from sim.kernel import dynamics, lookahead

RESTRAIN = Action.DIALOGUE                    # the reduction's restraint; hold is the alternative
RESTRAINING = (int(Action.DIALOGUE), int(Action.HOLD))   # no escalation: a reduction to one of these compares nothing
ARMING = (Action.DEPLOYMENT, Action.DEVELOP)  # the arming moves, most escalatory first


def legal(s: State, params: Params, actor: int) -> tuple[int, ...]:
    """The moves `actor` may play in replica 0 of `s`, in table order."""
    return tuple(int(m) for m in np.flatnonzero(dynamics.legal_moves(s.take([0]), params)[0, actor]))


def arming_move(moves: tuple[int, ...]) -> tuple[int, bool]:
    """The escalate move of the reduction among legal `moves`, and whether it is an arming move.

    The most escalatory legal arming move (deployment, else develop); where neither is legal (a
    programme stage under way, no programme), the most escalatory legal move by rung (ties: the
    later move in the table), e.g. withdrawal.
    """
    for m in ARMING:
        if int(m) in moves:
            return int(m), True
    others = [m for m in moves if m not in (int(Action.DIALOGUE), int(Action.HOLD))] or \
        [m for m in moves if m != int(RESTRAIN)]
    return max(others, key=lambda m: (RUNGS[m], m)), False


def matrices(s: State, params: Params, turn: int, row: int, col: int, fixed: np.ndarray,
             row_moves: tuple[int, ...] | None = None, col_moves: tuple[int, ...] | None = None
             ) -> tuple[np.ndarray, np.ndarray, tuple[int, ...], tuple[int, ...]]:
    """Both players' own values over their legal moves, replica 0 of `s` before `turn`.

    `fixed` ([N]) holds every other actor's move. Returns a[i, j] (row's value of its move
    row_moves[i] against col_moves[j]), b[i, j] (column's), row_moves and col_moves.
    """
    row_moves = legal(s, params, row) if row_moves is None else tuple(row_moves)
    col_moves = legal(s, params, col) if col_moves is None else tuple(col_moves)
    base = np.asarray(fixed, dtype=np.int64)
    a = _own_values(s, params, turn, row, col, col_moves, base)[:, list(row_moves)].T   # [rows, cols]
    b = _own_values(s, params, turn, col, row, row_moves, base)[:, list(col_moves)]     # [rows, cols]
    return a, b, row_moves, col_moves


def _own_values(s: State, params: Params, turn: int, me: int, other: int, other_moves: tuple[int, ...],
                fixed: np.ndarray) -> np.ndarray:
    """[len(other_moves), M]: `me`'s value of each own move while `other` plays each of `other_moves`."""
    k = len(other_moves)
    many = s.take(np.zeros(k, dtype=np.int64))
    moves = np.repeat(fixed[None, :], k, axis=0)
    moves[:, other] = other_moves
    actors = np.zeros(params.n_actors, dtype=np.bool_)
    actors[me] = True
    return lookahead.counterfactual_values(many, params, turn, moves, actors)[:, me, :]


@dataclass(frozen=True)
class Reduced:
    """One player's payoffs in the restrain/arm reduction: Temptation, Reward, Punishment, Sucker."""

    T: float
    R: float
    P: float
    S: float

    @property
    def is_prisoners_dilemma(self) -> bool:
        return self.T > self.R > self.P > self.S


def reduce(a: np.ndarray, b: np.ndarray, row_moves: tuple[int, ...], col_moves: tuple[int, ...],
           restrain: tuple[int, int], escalate: tuple[int, int]) -> tuple[Reduced, Reduced]:
    """T, R, P, S of the row and the column player from their matrices over legal moves.

    `restrain` and `escalate` are (row's move, column's move), as move codes.
    """
    rr, cr = row_moves.index(int(restrain[0])), col_moves.index(int(restrain[1]))
    re, ce = row_moves.index(int(escalate[0])), col_moves.index(int(escalate[1]))
    row = Reduced(T=float(a[re, cr]), R=float(a[rr, cr]), P=float(a[re, ce]), S=float(a[rr, ce]))
    col = Reduced(T=float(b[rr, ce]), R=float(b[rr, cr]), P=float(b[re, ce]), S=float(b[re, cr]))
    return row, col
