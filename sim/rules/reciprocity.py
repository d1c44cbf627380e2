"""Reciprocity: answer the adversaries (mirror, generous_mirror, grim, and the posture-based reciprocal)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from sim.core.actions import RUNGS, Action
from sim.core.codes import DEVELOPMENT, FLIGHT_TEST, IN_FORCE, NOTICE, READY
from sim.core.params import Params
from sim.core.rule_specs import GenerousMirrorParams, GrimParams, MirrorParams, ReciprocalParams
from sim.core.state import State
from sim.kernel.dynamics import hits as hits_matrix
from sim.rules.base import Rule, TurnView, or_else, strongest_legal


def threatening_missiles(state: State, params: Params, actor: int) -> np.ndarray:
    """[R] adversaries' missiles, fielded or ordered, that reach `actor` or its allies."""
    hits = hits_matrix(state, params)                                      # [R, N, N]
    reaches = (hits & params.side[actor][None, None, :]).any(axis=2)      # [R, N]: j's missiles reach the side
    armed = state.missiles + state.pipeline.sum(axis=2)
    return (armed * (reaches & params.adversary[actor][None, :])).sum(axis=1)


def menacing_programmes(state: State, params: Params, actor: int) -> np.ndarray:
    """[R] an adversary's programme is in flight tests, production or ready, and its missiles would reach
    `actor` or its allies (from the adversary's territory or a consenting host's)."""
    reaches = (hits_matrix(state, params) & params.side[actor][None, None, :]).any(axis=2)   # [R, N]
    armed = (state.stage >= FLIGHT_TEST) & params.can_own[None, :]
    return (armed & reaches)[:, params.adversary[actor]].any(axis=1)


def escalated(state: State, params: Params, actor: int) -> np.ndarray:
    """[R] an adversary has given treaty notice, has missiles on order, or tests or produces banned missiles."""
    adv = params.adversary[actor]
    notice = (state.unbound & params.party[None, :])[:, adv].any(axis=1)
    ordered = (state.pipeline.sum(axis=2) > 0)[:, adv].any(axis=1)
    arming = ((state.stage >= FLIGHT_TEST) & (state.stage < READY))[:, adv].any(axis=1)
    hosting = state.hosting[:, adv].any(axis=1)
    return notice | ordered | arming | hosting


class Mirror(Rule):
    """Tit-for-tat on the escalation ladder (Axelrod 1984).

    Looks at the most escalatory move (by rung) any adversary made last turn. If it is at or above
    the `threshold` rung, plays that same move where it is legal, else `otherwise`; below the
    threshold, plays `otherwise`. With threshold ``dialogue`` it is plain tit-for-tat. It answers
    move labels, noise included (a host's withdrawal of its consent reads as an offer of talks);
    Russia's declared doctrine is the posture-based `reciprocal`.
    """

    Params = MirrorParams

    name = "mirror"
    params: MirrorParams   # its Params, not the base RuleParams
    classifier: ClassVar[dict[str, Any]] = {"stochastic": False, "memory_depth": 1, "learns": False,
                                            "uses_beliefs": False, "needs_human": False}

    def answer(self, view: TurnView) -> np.ndarray:
        """[R] the move in kind (or `otherwise`) to the adversaries' last moves."""
        p = view.params
        seen = view.state.last_moves[:, p.adversary[self.actor]]
        # a host outside the treaty withdraws only its consent: a step back, answered as an offer of talks
        revoker = ((p.host_of >= 0) & ~p.party)[p.adversary[self.actor]]
        seen = np.where(revoker[None, :] & (seen == Action.WITHDRAWAL), int(Action.DIALOGUE), seen)
        threshold = RUNGS[int(Action.parse(self.params.threshold))]
        otherwise = int(Action.parse(self.params.otherwise))
        score = np.where(RUNGS[seen] >= threshold, RUNGS[seen] * 16 + seen, -1)
        top = score.max(axis=1)
        wanted = np.where(top >= 0, top % 16, otherwise)
        return or_else(wanted, view.legal()[:, self.actor], otherwise)

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        return self.answer(view)


class GenerousMirror(Mirror):
    """Generous tit-for-tat (Nowak and Sigmund 1992): mirrors like `mirror`, but forgives an
    escalation with probability `g`, playing `otherwise` instead of answering in kind. Forgiveness
    breaks the echo of retaliation that locks two mirrors into an arms race after one mistake.
    """

    Params = GenerousMirrorParams

    name = "generous_mirror"
    params: GenerousMirrorParams   # its Params, not the base RuleParams
    classifier: ClassVar[dict[str, Any]] = {**Mirror.classifier, "stochastic": True}

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        answer = self.answer(view)
        otherwise = or_else(int(Action.parse(self.params.otherwise)), view.legal()[:, self.actor],
                            int(Action.parse(self.params.otherwise)))
        forgive = (RUNGS[answer] > RUNGS[otherwise]) & (u < self.params.g)
        return np.where(forgive, otherwise, answer)


class Grim(Rule):
    """Grim trigger (Friedman 1971): plays `otherwise` until an adversary first escalates its
    posture (gives treaty notice, orders missiles, tests or produces banned missiles, or hosts
    them), then plays `then` for good, or the most escalatory legal move below it; it never
    returns to dialogue.
    """

    Params = GrimParams

    name = "grim"
    params: GrimParams   # its Params, not the base RuleParams
    classifier: ClassVar[dict[str, Any]] = {"stochastic": False, "memory_depth": float("inf"), "learns": False,
                                            "uses_beliefs": False, "needs_human": False}

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        now = escalated(view.state, view.params, self.actor)
        triggered = self.memory.get("triggered", np.zeros(len(now), dtype=bool)) | now
        self.memory["triggered"] = triggered
        legal = view.legal()[:, self.actor]
        otherwise = int(Action.parse(self.params.otherwise))
        return np.where(triggered, strongest_legal(legal, int(Action.parse(self.params.then))),
                        or_else(otherwise, legal, otherwise))


class Reciprocal(Rule):
    """Reciprocal measures against what threatens it, dialogue otherwise, within the treaty: a declared
    doctrine (Russia's in inf_2018, from the seed document: "effective reciprocal measures" against US
    missiles "that pose a direct threat to our security", an answer "if the US withdraws", and "not
    interested in a new arms race").

    Reads the posture, not last turn's move labels. Each turn, the first of these that applies:

    1. if the adversaries' missiles that reach this actor or its allies, fielded or on order, times
       `ratio`, exceed the missiles it has added (fielded or on order) since its force was smallest, it
       orders a battalion (where it can);
    2. if `answer_notice` and an adversary party has given treaty notice, it gives notice too;
    3. if `answer_programme` and an adversary's programme threatens it (in flight tests, production or
       ready, with missiles that would reach this actor or its allies, hosts included), it advances its
       own programme (where it can);
    4. else it plays `otherwise` (default dialogue).

    It keeps a treaty that binds it: it never orders missiles, nor advances its programme into flight
    tests or production, while bound (development is not banned). Where an answer of step 1 or 3 would
    break the treaty, it takes the legal way instead, notice, if an adversary's violation is established
    (its missiles disputed or its tests detected) or an adversary party has given notice; otherwise it
    does not answer yet. It never races on its own: without missiles that threaten it, it orders none.
    """

    Params = ReciprocalParams

    name = "reciprocal"
    params: ReciprocalParams   # its Params, not the base RuleParams
    classifier: ClassVar[dict[str, Any]] = {"stochastic": False, "memory_depth": 0, "learns": False,
                                            "uses_beliefs": False, "needs_human": False}

    def decide(self, view: TurnView, u: np.ndarray) -> np.ndarray:
        s, p, i = view.state, view.params, self.actor
        legal = view.legal()[:, i]
        own = s.missiles[:, i] + s.pipeline[:, i].sum(axis=1)
        # its smallest force so far: missiles a treaty eliminated are not rebuilt as an "answer"
        smallest = np.minimum(self.memory.get("baseline", own), own)
        self.memory["baseline"] = smallest
        threat = threatening_missiles(s, p, i)
        need = (threat > 0) & (self.params.ratio * threat > own - smallest)
        adv = p.adversary[i]
        alive = (s.treaty == IN_FORCE) | (s.treaty == NOTICE)
        bound = p.party[i] & alive & ~s.unbound[:, i]
        notice = (s.unbound & p.party[None, :])[:, adv].any(axis=1) & alive
        violated = ((s.disputed > 0) | s.breach)[:, adv].any(axis=1) & alive
        legal_way = notice | violated                   # Art. XV: notice, not a violation of one's own
        menace = menacing_programmes(s, p, i)
        # the moves a treaty binding this actor forbids: orders, and a programme into tests or production
        forbidden = np.zeros_like(legal)
        forbidden[:, Action.DEPLOYMENT] = bound
        forbidden[:, Action.DEVELOP] = bound & (s.stage[:, i] >= DEVELOPMENT)
        allowed = legal & ~forbidden

        def answer(wanted: np.ndarray, move: int) -> tuple[np.ndarray, np.ndarray]:
            """Where `move` is wanted: play it if allowed, else give notice if that is the legal way."""
            play = wanted & allowed[:, move]
            leave = wanted & legal[:, move] & forbidden[:, move] & legal_way & bound
            return play, leave

        order, leave_to_order = answer(need, int(Action.DEPLOYMENT))
        arm, leave_to_arm = answer(self.params.answer_programme & menace, int(Action.DEVELOP))
        echo = self.params.answer_notice & notice & bound
        wanted = int(Action.parse(self.params.otherwise))
        move = or_else(wanted, allowed, wanted)
        move = np.where(arm, int(Action.DEVELOP), move)
        move = np.where(echo | leave_to_order | leave_to_arm, int(Action.WITHDRAWAL), move)
        return np.where(order, int(Action.DEPLOYMENT), move)
