"""Learning rules: fictitious play and experience-weighted attraction (EWA)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from sim.core.codes import N_MOVES
from sim.core.rule_specs import EWAParams, FictitiousPlayParams
from sim.kernel.lookahead import counterfactual_values
from sim.rules.base import Rule, TurnView
from sim.rules.quantal import choose_logit


class FictitiousPlay(Rule):
    """Fictitious play (Brown 1951): believes each other actor plays each move with the frequency
    it has been seen to play it (every past turn counts the same, plus `prior` pseudo-observations
    spread over the moves and the move each side made just before the start), and plays the
    best response to those beliefs: the move of highest expected value, as `quantal` computes it.
    With a finite `lambda` the choice is a logit instead (stochastic fictitious play).
    """

    Params = FictitiousPlayParams

    name = "fictitious_play"
    params: FictitiousPlayParams   # its Params, not the base RuleParams
    classifier: ClassVar[dict[str, Any]] = {"stochastic": "if lambda is finite", "memory_depth": float("inf"),
                                            "learns": True, "uses_beliefs": True, "needs_human": False}
    reads_values = True
    has_beliefs = True

    def _counts(self, view: TurnView) -> np.ndarray:
        if "counts" not in self.memory:
            seen = np.eye(N_MOVES)[view.state.last_moves]                       # [R, N, M]
            self.memory["counts"] = seen + self.params.prior / N_MOVES
        return self.memory["counts"]

    def own_beliefs(self, view: TurnView) -> np.ndarray:
        counts = self._counts(view)
        return counts / counts.sum(axis=2, keepdims=True)

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        return choose_logit(view.values()[:, self.actor, :], self.params.lambda_, u, view.legal()[:, self.actor])

    def observe(self, view: TurnView, moves: np.ndarray) -> None:
        self._counts(view)
        self.memory["counts"] += np.eye(N_MOVES)[moves]


class EWA(Rule):
    """Experience-weighted attraction learning (Camerer and Ho 1999).

    Each move j has an attraction A_j; the move is drawn by a logit over them with precision
    `lambda`. After a turn, with pi_j the value move j would have earned against the others' actual
    moves (payoff plus continuation, as `quantal` values moves) and chosen the move played:

        N(t)   = rho * N(t-1) + 1
        A_j(t) = (phi * N(t-1) * A_j(t-1) + (delta + (1 - delta) * [j == chosen]) * pi_j) / N(t)

    ``delta = 0, rho = 0`` is cumulative reinforcement learning (Roth and Erev 1995: only the move
    played is reinforced, old attractions decay by phi); ``delta = 1, rho = phi`` is weighted
    fictitious play (belief learning: every move is credited with what it would have earned).
    """

    Params = EWAParams

    name = "ewa"
    params: EWAParams   # its Params, not the base RuleParams
    classifier: ClassVar[dict[str, Any]] = {"stochastic": True, "memory_depth": float("inf"), "learns": True,
                                            "uses_beliefs": False, "needs_human": False}

    def _state(self, r: int) -> tuple[np.ndarray, np.ndarray]:
        if "attraction" not in self.memory:
            self.memory["attraction"] = np.full((r, N_MOVES), float(self.params.a0))
            self.memory["experience"] = np.full(r, float(self.params.n0))
        return self.memory["attraction"], self.memory["experience"]

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        attraction, _ = self._state(view.state.n_replicas)
        return choose_logit(attraction, self.params.lambda_, u, view.legal()[:, self.actor])

    def observe(self, view: TurnView, moves: np.ndarray) -> None:
        attraction, experience = self._state(view.state.n_replicas)
        mine = np.zeros(view.params.n_actors, dtype=bool)
        mine[self.actor] = True
        forgone = counterfactual_values(view.state, view.params, view.turn, moves, mine)[:, self.actor, :]
        self.memory["attraction"], self.memory["experience"] = ewa_update(
            attraction, experience, forgone, moves[:, self.actor], self.params.phi, self.params.delta,
            self.params.rho)


def ewa_update(attraction: np.ndarray, experience: np.ndarray, payoff: np.ndarray, chosen: np.ndarray,
               phi: float, delta: float, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """One EWA step for [R, M] attractions, [R] experience, [R, M] forgone payoffs, [R] chosen moves.

    A move that was not legal (payoff -inf) keeps its attraction.
    """
    new_experience = rho * experience + 1.0
    weight = delta + (1.0 - delta) * np.eye(N_MOVES)[chosen]
    offered = np.isfinite(payoff)
    new_attraction = (phi * experience[:, None] * attraction + weight * np.where(offered, payoff, 0.0)) \
        / new_experience[:, None]
    return np.where(offered, new_attraction, attraction), new_experience
