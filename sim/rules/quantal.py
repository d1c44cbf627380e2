"""Quantal response: a logit choice over the expected value of each legal move."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from sim.core.actions import COMMITMENTS
from sim.core.rule_specs import NoParams, QuantalParams
from sim.rules.base import Rule, TurnView


def choose_logit(values: np.ndarray, precision: float, u: np.ndarray, legal: np.ndarray | None = None) -> np.ndarray:
    """Draw one move per row from softmax(precision * values) over the legal moves, by inverse CDF with `u`.

    Illegal moves (`legal` False, or value -inf) are never drawn. An infinite precision is a best
    response (ties go to the first move); zero is uniform play over the legal moves.
    """
    legal = np.isfinite(values) if legal is None else legal & np.isfinite(values)
    masked = np.where(legal, values, -np.inf)
    if np.isinf(precision):
        return np.argmax(masked, axis=1)
    top = masked.max(axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):          # 0 * -inf for illegal moves at precision 0
        z = np.where(legal, precision * (np.where(legal, values, top) - top), -np.inf)
    prob = np.exp(np.where(np.isnan(z), -np.inf, z))
    cdf = np.cumsum(prob, axis=1)
    cdf /= cdf[:, -1:]
    pick = (cdf <= u[:, None]).sum(axis=1)
    pick = np.minimum(pick, values.shape[1] - 1)
    # a pick that lands on an illegal column (only past the last legal one, by rounding) takes the last legal move
    last_legal = values.shape[1] - 1 - np.argmax(legal[:, ::-1], axis=1)
    return np.where(legal[np.arange(len(pick)), pick], pick, last_legal)


def choose_deliberate(values: np.ndarray, precision: float, u: np.ndarray, legal: np.ndarray) -> np.ndarray:
    """A logit choice in which commitments are deliberate: a committing move (`COMMITMENTS`: notice,
    orders, consent, a programme stage, an ultimatum, compliance) is played only where it is the best
    move; elsewhere the logit draws among the moves that commit to nothing (dialogue, hold).

    Noise thus shades how an actor talks and waits, never whether it binds itself, so the
    commitments are those of the best response at every precision."""
    best = choose_logit(values, float("inf"), u, legal)
    noisy = choose_logit(values, precision, u, legal & ~COMMITMENTS[None, :])
    return np.where(COMMITMENTS[best], best, noisy)


class Quantal(Rule):
    """Logit quantal response (McKelvey and Palfrey, 1995) with one-turn look-ahead.

    Each legal move is valued by its payoff this turn, averaged over the others' moves as the actor
    believes they will answer its last move, plus the discounted value of the state it leads to,
    with the orders that adversaries are believed to place in answer (sim/kernel/lookahead.py). The move is
    drawn with probability proportional to ``exp(lambda * value)`` among the moves that commit to
    nothing (dialogue, hold); a commitment (notice, orders, consent, a programme stage, an ultimatum,
    compliance) is made only where it is the best move (`choose_deliberate`). ``lambda = inf`` is a
    best response, ``lambda = 0`` uniform play between dialogue and hold unless a commitment is best.
    """

    Params = QuantalParams

    name = "quantal"
    params: QuantalParams   # its Params, not the base RuleParams
    reads_values = True
    classifier: ClassVar[dict[str, Any]] = {"stochastic": True, "memory_depth": float("inf"), "learns": True,
                                            "uses_beliefs": True, "needs_human": False}

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        choose = choose_deliberate if self.params.deliberate else choose_logit
        return choose(view.values()[:, self.actor, :], self.params.lambda_, u, view.legal()[:, self.actor])


class BestResponse(Quantal):
    """Myopic best response: the limit of `quantal` as lambda grows without bound. Plays the legal
    move of highest expected value (payoff this turn plus the discounted value of the next state,
    against its beliefs); ties go to the first move in the table.
    """

    # no lambda: a best response is a Quantal (its look-ahead, analysis reads it as one) whose parameters
    # are not a QuantalParams
    Params = NoParams  # type: ignore[assignment]  # see above

    name = "best_response"
    params: NoParams  # type: ignore[assignment]  # see above
    classifier: ClassVar[dict[str, Any]] = {**Quantal.classifier, "stochastic": False}

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        return choose_logit(view.values()[:, self.actor, :], float("inf"), u, view.legal()[:, self.actor])
