"""Quantal response: a logit choice over the expected value of each move."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.policies.base import Rule, RuleParams, TurnView


def choose_logit(values: np.ndarray, precision: float, u: np.ndarray) -> np.ndarray:
    """Draw one move per row from softmax(precision * values) by inverse CDF with uniforms `u`.

    An infinite precision is a best response; ties go to the lowest rung.
    """
    if np.isinf(precision):
        return np.argmax(values, axis=1)
    z = precision * (values - values.max(axis=1, keepdims=True))
    prob = np.exp(z)
    cdf = np.cumsum(prob, axis=1)
    cdf /= cdf[:, -1:]
    return np.minimum((cdf <= u[:, None]).sum(axis=1), values.shape[1] - 1)


class Quantal(Rule):
    """Logit quantal response (McKelvey and Palfrey, 1995) with one-turn look-ahead.

    Each move is valued by its payoff this turn, averaged over the others' moves as the actor
    believes they will play (fictitious play with decay), plus the discounted value of the state
    it leads to. The move is drawn with probability proportional to ``exp(lambda * value)``;
    ``lambda = inf`` is a best response, ``lambda = 0`` uniform play.
    """

    class Params(RuleParams):
        lambda_: float = Field(default=2.0, ge=0, alias="lambda",
                               description="precision of the logit choice (inf: best response)")

    name = "quantal"
    reads_values = True
    classifier = {"stochastic": True, "memory_depth": float("inf"), "learns": True,
                  "uses_beliefs": True, "needs_human": False}

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        return choose_logit(view.values()[:, self.actor, :], self.params.lambda_, u)


class BestResponse(Quantal):
    """Myopic best response: the limit of `quantal` as lambda grows without bound. Plays the move
    of highest expected value (payoff this turn plus the discounted value of the next state,
    against its beliefs); ties go to the lower rung.
    """

    class Params(RuleParams):
        pass

    name = "best_response"
    classifier = {**Quantal.classifier, "stochastic": False}

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        return choose_logit(view.values()[:, self.actor, :], float("inf"), u)
