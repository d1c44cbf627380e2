"""What every decision rule is: a class with a name, checked parameters and a classifier."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

import numpy as np

from sim.core.actions import RUNGS, Action
from sim.core.params import Params
from sim.core.rule_specs import NoParams, RuleParams
from sim.core.state import State
from sim.kernel.dynamics import legal_moves
from sim.kernel.lookahead import expected_values


@dataclass
class TurnView:
    """What a rule sees when it decides: the replicas' state before the turn, and the calendar."""

    state: State
    params: Params
    turn: int                      # the turn being decided (1 for the first move)
    date: date
    needs_values: np.ndarray | None = None   # [N] bool: actors whose rules read `values` (None: all)
    beliefs: np.ndarray | None = None        # [R, N, N, M, M] beliefs the values use (None: the state's)
    draws: np.ndarray | None = None          # [R, 2 + 3N] this turn's uniforms (seed the sampled look-ahead)
    _values: np.ndarray | None = field(default=None, repr=False)
    _legal: np.ndarray | None = field(default=None, repr=False)

    def values(self) -> np.ndarray:
        """[R, N, M] expected payoff plus future value of each own legal move against beliefs (cached).

        Illegal moves are -inf; rows of actors whose rules do not read them are zero.
        """
        if self._values is None:
            self._values = expected_values(self.state, self.params, self.turn, self.needs_values, self.beliefs,
                                           self.draws)
        return self._values

    def legal(self) -> np.ndarray:
        """[R, N, M] bool: the moves each actor may play now (cached)."""
        if self._legal is None:
            self._legal = legal_moves(self.state, self.params)
        return self._legal


def strongest_legal(legal: np.ndarray, cap: int) -> np.ndarray:
    """[R] the most escalatory legal move whose rung is at most that of move `cap` (ties: the later move)."""
    at_most = RUNGS <= RUNGS[cap]  # noqa: SIM300  (RUNGS is an array of every move's rung, not a constant)
    rungs = np.where(legal & at_most[None, :], RUNGS[None, :] * 16 + np.arange(legal.shape[1]), -1)
    return rungs.argmax(axis=1)


def or_else(wanted: np.ndarray | int, legal: np.ndarray, otherwise: int) -> np.ndarray:
    """[R] `wanted` where it is legal, else `otherwise` where that is, else hold (always legal)."""
    rows = np.arange(legal.shape[0])
    wanted = np.broadcast_to(np.asarray(wanted, dtype=np.int64), rows.shape)
    fallback = np.where(legal[:, otherwise], otherwise, int(Action.HOLD))
    return np.where(legal[rows, wanted], wanted, fallback)


class Rule:
    """A decision rule for one actor over many replicas.

    Subclasses set `name`, `Params`, `classifier`, and implement `decide`, which returns one move
    per replica from the view and one uniform number per replica (the rule's only randomness).
    """

    name: ClassVar[str]
    Params: ClassVar[type[RuleParams]] = NoParams
    classifier: ClassVar[dict[str, Any]] = {}
    # per class, and per instance where a rule takes them from another (scripted: its fallback's)
    reads_values: bool = False   # whether `decide` calls `view.values()` (the costly look-ahead)
    has_beliefs: bool = False    # whether `own_beliefs` replaces the state's beliefs for values

    def __init__(self, params: RuleParams, actor: int, start: date, turn_days: int):
        self.params = params
        self.actor = actor
        self.start = start
        self.turn_days = turn_days
        self.memory: dict[str, np.ndarray] = {}
        self.reset()

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def reset(self) -> None:
        """Forget everything learned, so the rule plays as a fresh one."""
        self.memory = {}

    def observe(self, view: TurnView, moves: np.ndarray) -> None:
        """Learn from a turn just played: `view` as it was when deciding, `moves` [R, N] as played."""

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the replicas in `mask` (the others' runs have ended)."""
        self.memory = {key: value[mask] for key, value in self.memory.items()}

    def own_beliefs(self, view: TurnView) -> np.ndarray:  # pragma: no cover - only with has_beliefs
        """[R, N, M] this actor's beliefs about each actor's next move."""
        raise NotImplementedError

    def turn_of(self, when: date) -> int:
        """First turn whose date is on or after `when`."""
        return max(1, -(-(when - self.start).days // self.turn_days))

    def __repr__(self) -> str:
        shown = self.params.model_dump(by_alias=True)
        return f"{self.name}({', '.join(f'{k}={v!r}' for k, v in shown.items())})"
