"""Pure functions that advance every replica one turn, compiled with numba.

Order of a turn (all actors have chosen their moves at once):

1. withdrawal: notice by a bound party, or leaving the talks;
2. dialogue: rounds of talks between adversaries who both offer, agreements at full progress;
3. ultimatum: a new demand by an actor without an open one;
4. deployment: orders of missiles, which arrive after a lag;
5. the treaty ends when its notice runs out;
6. arrivals: missiles that arrive while their owner is bound are a violation;
7. ultimatum deadlines: met, carried out, or lapsed (audience cost);
8. detection of violations (random);
9. the escalation index and its components;
10. payoffs;
11. incident (random): the run ends;
12. beliefs are updated with the moves seen.

`step` with ``draws=None`` is the expected (deterministic) version used for look-ahead: no detection
or incident is drawn, their payoff terms are replaced by expectations, and beliefs are left as they
are (no look-ahead value reads them).

The public functions take and return `State` objects (arrays with a leading replica axis). The work
is done replica by replica in compiled loops (`_resolve`), which is what makes the quantal rule's
look-ahead over every joint move affordable for thousands of replicas.
"""

from __future__ import annotations

import os
from collections import namedtuple
from dataclasses import dataclass, fields
from itertools import product

import numpy as np
from numba import njit

from sim.actions import N_MOVES, Action
from sim.params import Params
from sim.state import IN_FORCE, NO_ONE, NOTICE, TERMINATED, State

DIALOGUE, ULTIMATUM, WITHDRAWAL, DEPLOYMENT = (int(a) for a in (
    Action.DIALOGUE, Action.ULTIMATUM, Action.WITHDRAWAL, Action.DEPLOYMENT))
TREATY_COMPONENT = np.array([0.0, 0.5, 1.0, 0.0])  # in force, notice, terminated, no treaty


def draw_width(n_actors: int) -> int:
    """Uniform draws per replica and turn: incident, then detection per actor, then rule per actor."""
    return 1 + 2 * n_actors


@dataclass
class Outcome:
    """What happened in one turn, per replica and actor."""

    payoff: np.ndarray      # [R, N]
    ordered: np.ndarray     # [R, N] missiles ordered
    in_round: np.ndarray    # [R, N] took part in a round of talks
    agreement: np.ndarray   # [R, N] reached an agreement
    lapsed: np.ndarray      # [R, N] let its own ultimatum lapse
    carried: np.ndarray     # [R, N] carried out its ultimatum at the deadline
    detected: np.ndarray    # [R, N] its violation was detected
    hazard: np.ndarray      # [R]

    @classmethod
    def empty(cls, r: int, n: int) -> Outcome:
        flags = {name: np.zeros((r, n), dtype=np.bool_)
                 for name in ("in_round", "agreement", "lapsed", "carried", "detected")}
        return cls(payoff=np.zeros((r, n)), ordered=np.zeros((r, n), dtype=np.int64),
                   hazard=np.zeros(r), **flags)

    def arrays(self) -> OutcomeArrays:
        return OutcomeArrays(*(getattr(self, f.name) for f in fields(self)))


OutcomeArrays = namedtuple("OutcomeArrays", [f.name for f in fields(Outcome)])
STEP, LOOKAHEAD, CONTINUATION, COUNTERFACTUAL = 0, 1, 2, 3   # what the kernel computes per replica


@njit(cache=True, error_model="numpy")
def _hazard(e, h_max, k):
    """Per-turn probability of an incident: h_max * (E / 100) ** k."""
    return h_max * (min(max(e, 0.0), 100.0) / 100.0) ** k


@njit(cache=True, error_model="numpy")
def _threat(i, m, ult_target, credibility, adversary, ally, batch, offset, scale):
    """Threat i faces: sat(hostile) - offset * sat(own), sat(x) = 1 - exp(-x / scale).

    m: [N] missiles counted. Hostile: adversaries' missiles plus credibility * batch of each open
    ultimatum aimed at i. Own: i's and its allies' missiles.
    """
    hostile = 0.0
    own = 0.0
    for j in range(m.shape[0]):
        if adversary[i, j]:
            hostile += m[j]
        if (j == i) | ally[i, j]:
            own += m[j]
        if ult_target[j] == i:
            hostile += credibility[j] * batch[j]
    return -np.expm1(-hostile / scale) + offset * np.expm1(-own / scale)


@njit(cache=True, error_model="numpy")
def _compliance(i, missiles, disputed, adversary):
    """Share of i's adversaries' missiles that nobody disputes (1 if they have none)."""
    total = 0.0
    contested = 0.0
    for j in range(missiles.shape[0]):
        if adversary[i, j]:
            total += missiles[j]
            contested += disputed[j]
    return 1.0 - contested / total if total > 0 else 1.0


@njit(cache=True, error_model="numpy")
def _index(smoothed, treaty, missiles, ult_target, P):
    """(T, M, U, E): treaty, missile and ultimatum components and the index, given A = smoothed."""
    total = 0.0
    open_ult = 0.0
    for i in range(missiles.shape[0]):
        total += missiles[i]
        if ult_target[i] != NO_ONE:
            open_ult = 1.0
    t = TREATY_COMPONENT[treaty]
    m = -np.expm1(-total / P.missile_scale)
    e = 100.0 * (P.w_actions * smoothed + P.w_treaty * t + P.w_missiles * m + P.w_ultimatum * open_ult)
    return t, m, open_ult, min(max(e, 0.0), 100.0)


@njit(cache=True, error_model="numpy")
def _kernel(S, P, turn, moves, prof, U, realized, O, values, mode, needed, B):
    """The one implementation of a turn, replica by replica.

    mode STEP: resolve moves[r] for replica r of S in place, its outcome into row r of O.
    mode LOOKAHEAD: resolve every joint move prof[p] (expected version) from a copy of replica r;
    values[r, i, a] = sum over p with prof[p, i] = a of (i's belief weight of prof[p], from the
    beliefs B) * (payoff + continuation), for the actors with needed[i].
    mode CONTINUATION: values[r, i, 0] = continuation value of replica r as it is.
    mode COUNTERFACTUAL: values[r, i, a] = payoff + continuation for i had it played a while the
    others played moves[r] (expected version), for the actors with needed[i].
    Bitwise & and | are used on booleans: numba's `and`/`or` on numpy booleans are much slower.
    """
    n = P.party.shape[0]
    lag_slots = S.pipeline.shape[2]
    # one replica's state, worked on in scratch arrays and copied back in mode STEP
    unbound = np.empty(n, np.bool_)
    missiles = np.empty(n, np.int64)
    pipeline = np.empty((n, lag_slots), np.int64)
    disputed = np.empty(n, np.int64)
    illicit = np.empty(n, np.int64)
    ult_target = np.empty(n, np.int64)
    ult_deadline = np.empty(n, np.int64)
    acted = np.empty(n, np.bool_)
    defied = np.empty(n, np.bool_)
    talks = np.empty((n, n))
    trust = np.empty((n, n))
    credibility = np.empty(n)
    # this turn's events
    notice = np.zeros(n, np.bool_)
    agree = np.zeros((n, n), np.bool_)
    in_round = np.zeros(n, np.bool_)
    agreement = np.zeros(n, np.bool_)
    unanswered = np.zeros(n, np.bool_)
    ordered = np.zeros(n, np.int64)
    lapsed = np.zeros(n, np.bool_)
    carried = np.zeros(n, np.bool_)
    detected = np.zeros(n, np.bool_)
    reputation = np.zeros(n)
    payoff = np.zeros(n)
    m_now = np.empty(n)
    m_all = np.empty(n)
    compliance = np.empty(n)
    n_var = prof.shape[0] if mode == LOOKAHEAD else (n * N_MOVES if mode == COUNTERFACTUAL else 1)
    q = np.empty((n_var, n))
    cf = np.empty(n, np.int64)

    for r in range(S.treaty.shape[0]):
        for v in range(n_var):
            if mode == COUNTERFACTUAL and not needed[v // N_MOVES]:
                continue
            # load replica r
            treaty = S.treaty[r]
            notice_by = S.notice_by[r]
            notice_end = S.notice_end[r]
            smoothed = S.smoothed_actions[r]
            escalation = S.escalation[r]
            for i in range(n):
                unbound[i] = S.unbound[r, i]
                missiles[i] = S.missiles[r, i]
                disputed[i] = S.disputed[r, i]
                illicit[i] = S.illicit[r, i]
                ult_target[i] = S.ult_target[r, i]
                ult_deadline[i] = S.ult_deadline[r, i]
                acted[i] = S.ult_acted[r, i]
                defied[i] = S.ult_defied[r, i]
                credibility[i] = S.credibility[r, i]
                for k in range(lag_slots):
                    pipeline[i, k] = S.pipeline[r, i, k]
                for j in range(n):
                    talks[i, j] = S.talks[r, i, j]
                    trust[i, j] = S.trust[r, i, j]

            if mode != CONTINUATION:
                if mode == STEP:
                    mv = moves[r]
                elif mode == LOOKAHEAD:
                    mv = prof[v]
                else:
                    for j in range(n):
                        cf[j] = moves[r, j]
                    cf[v // N_MOVES] = v % N_MOVES
                    mv = cf
                expected = mode != STEP or not realized

                # 1. withdrawal: a bound party gives notice; anyone else leaves the talks -------
                alive = (treaty == IN_FORCE) | (treaty == NOTICE)
                first = -1
                for i in range(n):
                    notice[i] = (mv[i] == WITHDRAWAL) & P.party[i] & alive & (not unbound[i])
                    if notice[i] and first < 0:
                        first = i
                if first >= 0 and treaty == IN_FORCE:
                    treaty = NOTICE
                    notice_by = first
                    notice_end = turn + P.notice_turns
                for i in range(n):
                    if notice[i]:
                        unbound[i] = True
                    if mv[i] == WITHDRAWAL:
                        for j in range(n):
                            if (not notice[i]) & (P.adversary[i, j] | P.adversary[j, i]):
                                talks[i, j] = 0.0
                                talks[j, i] = 0.0
                            if P.adversary[i, j]:
                                trust[j, i] -= P.trust_withdrawal_loss

                # 2. dialogue: rounds of talks between adversaries, agreements --------------------
                for i in range(n):
                    for j in range(i + 1, n):
                        if (mv[i] == DIALOGUE) & (mv[j] == DIALOGUE) & (P.adversary[i, j] | P.adversary[j, i]):
                            progress = min(1.0, talks[i, j] + P.talks_rate * 0.5 * (trust[i, j] + trust[j, i]))
                            talks[i, j] = progress
                            talks[j, i] = progress
                any_agreement = False
                for i in range(n):
                    in_round[i] = False
                    agreement[i] = False
                for i in range(n):
                    for j in range(n):
                        pair = (i != j) & (P.adversary[i, j] | P.adversary[j, i])
                        mutual = pair & (mv[i] == DIALOGUE) & (mv[j] == DIALOGUE)
                        agree[i, j] = mutual & (talks[i, j] >= 1.0 - 1e-12)
                        if mutual:
                            trust[i, j] += P.trust_round_gain
                            in_round[i] = True
                        if agree[i, j]:
                            agreement[i] = True
                            any_agreement = True
                        if pair & (mv[i] == DIALOGUE) & (mv[j] != DIALOGUE):
                            trust[j, i] += P.trust_one_sided_gain      # i offered, j did not answer
                for i in range(n):
                    unanswered[i] = (mv[i] == DIALOGUE) & (not in_round[i])
                if any_agreement:
                    for i in range(n):
                        if agreement[i]:
                            missiles[i] -= min(missiles[i], disputed[i])
                            disputed[i] = 0
                        if ult_target[i] != NO_ONE and agree[i, ult_target[i]]:
                            ult_target[i] = NO_ONE                        # met by the agreement
                    if (treaty == NOTICE) & (notice_by != NO_ONE) and P.party[notice_by]:
                        rescind = False
                        for j in range(n):
                            rescind = rescind | (agree[notice_by, j] & P.party[j])
                        if rescind:                                       # the treaty binds all again
                            treaty = IN_FORCE
                            notice_by = NO_ONE
                            notice_end = NO_ONE
                            for j in range(n):
                                unbound[j] = False
                    for i in range(n):
                        for j in range(n):
                            if agree[i, j]:
                                trust[i, j] += P.trust_agreement_gain
                                talks[i, j] = 0.0

                # 3. ultimatum: the adversary with most disputed, most missiles, listed first ------
                for i in range(n):
                    if (mv[i] == ULTIMATUM) & (ult_target[i] == NO_ONE):
                        best = -1
                        best_score = -np.inf
                        for j in range(n):
                            if P.adversary[i, j]:
                                score = disputed[j] * 1e6 + missiles[j] - j * 1e-3
                                if score > best_score:
                                    best = j
                                    best_score = score
                        ult_target[i] = best
                        ult_deadline[i] = turn + P.ultimatum_turns
                        acted[i] = False
                        defied[i] = False
                        trust[best, i] -= P.trust_ultimatum_loss

                # 4. deployment orders ------------------------------------------------------------
                for i in range(n):
                    ordered[i] = P.batch[i] if mv[i] == DEPLOYMENT else 0
                    if mv[i] == DEPLOYMENT:
                        pipeline[i, P.lag[i]] += P.batch[i]
                        for j in range(n):
                            if P.adversary[i, j]:
                                trust[j, i] -= P.trust_deploy_loss
                for i in range(n):
                    if ult_target[i] != NO_ONE:
                        if (mv[i] == WITHDRAWAL) | (mv[i] == DEPLOYMENT):
                            acted[i] = True
                        if mv[ult_target[i]] == DEPLOYMENT:
                            defied[i] = True

                # 5. the treaty ends when its notice runs out -----------------------------------
                if (treaty == NOTICE) & (notice_end <= turn):
                    treaty = TERMINATED
                    notice_by = NO_ONE
                    notice_end = NO_ONE
                    for i in range(n):
                        unbound[i] = P.party[i]
                        disputed[i] = 0
                        illicit[i] = 0

                # 6. arrivals: missiles arriving while their owner is bound are a violation -------
                alive = (treaty == IN_FORCE) | (treaty == NOTICE)
                for i in range(n):
                    arrived = pipeline[i, 0]
                    missiles[i] += arrived
                    if P.party[i] & alive & (not unbound[i]):
                        illicit[i] += arrived
                    for k in range(lag_slots - 1):
                        pipeline[i, k] = pipeline[i, k + 1]
                    pipeline[i, lag_slots - 1] = 0

                # 7. ultimatum deadlines ----------------------------------------------------------
                for i in range(n):
                    lapsed[i] = False
                    carried[i] = False
                    if ult_target[i] != NO_ONE and ult_deadline[i] <= turn:
                        met = (disputed[ult_target[i]] == 0) & (not defied[i])
                        carried[i] = (not met) & acted[i]
                        lapsed[i] = (not met) & (not acted[i])
                        if carried[i]:
                            credibility[i] += P.credibility_gain
                        if lapsed[i]:
                            credibility[i] -= P.credibility_loss
                        ult_target[i] = NO_ONE
                        ult_deadline[i] = NO_ONE

                # 8. detection of violations (random) ----------------------------------------------
                for i in range(n):
                    detected[i] = False
                    if expected:
                        reputation[i] = P.p_detect if illicit[i] > 0 else 0.0
                    else:
                        if (illicit[i] > 0) & (U[r, 1 + i] < P.p_detect):
                            detected[i] = True
                            disputed[i] += illicit[i]
                            illicit[i] = 0
                            for j in range(n):
                                if j != i:
                                    trust[j, i] -= P.trust_detect_loss
                        reputation[i] = 1.0 if detected[i] else 0.0

                # 9. escalation index -------------------------------------------------------------
                mean_rung = 0.0
                for i in range(n):
                    mean_rung += P.rung[mv[i]]
                smoothed = P.smoothing * mean_rung / n + (1.0 - P.smoothing) * smoothed
                esc_t, esc_m, esc_u, escalation = _index(smoothed, treaty, missiles, ult_target, P)
                h = _hazard(escalation, P.h_max, P.k)

                # 10. payoffs ----------------------------------------------------------------------
                broke = (not expected) & (U[r, 0] < h)
                war = h if expected else (1.0 if broke else 0.0)
                treaty_on = 1.0 if (treaty == IN_FORCE) | (treaty == NOTICE) else 0.0
                for i in range(n):
                    m_now[i] = missiles[i]
                for i in range(n):
                    if not needed[i]:
                        payoff[i] = 0.0
                        continue
                    compliance[i] = _compliance(i, missiles, disputed, P.adversary)
                    payoff[i] = (P.treaty_value[i] * treaty_on * compliance[i]
                                 - P.threat_weight[i] * _threat(i, m_now, ult_target, credibility, P.adversary,
                                                                P.ally, P.batch, P.offset[i], P.missile_scale)
                                 - P.deploy_cost[i] * ordered[i]
                                 - P.upkeep[i] * missiles[i]
                                 - P.war_cost[i] * war
                                 - P.audience_cost[i] * lapsed[i]
                                 - P.reputation_cost[i] * reputation[i]
                                 + P.talks_value[i] * in_round[i]
                                 - P.dialogue_cost[i] * unanswered[i])

                for i in range(n):
                    credibility[i] = min(max(credibility[i], 0.0), 1.0)
                    for j in range(n):
                        trust[i, j] = 1.0 if i == j else min(max(trust[i, j], 0.0), 1.0)

                if mode == STEP:
                    # 11. incident, 12. beliefs; then store replica r and its outcome
                    if broke:
                        S.incident[r] = True
                    if not expected:
                        for i in range(n):
                            memory = P.memory[i]
                            for j in range(n):
                                for a in range(N_MOVES):
                                    seen = 1.0 if mv[j] == a else 0.0
                                    S.beliefs[r, i, j, a] = memory * S.beliefs[r, i, j, a] + (1.0 - memory) * seen
                    S.treaty[r] = treaty
                    S.notice_by[r] = notice_by
                    S.notice_end[r] = notice_end
                    S.smoothed_actions[r] = smoothed
                    S.esc_actions[r] = smoothed
                    S.esc_treaty[r] = esc_t
                    S.esc_missiles[r] = esc_m
                    S.esc_ultimatum[r] = esc_u
                    S.escalation[r] = escalation
                    O.hazard[r] = h
                    for i in range(n):
                        S.unbound[r, i] = unbound[i]
                        S.missiles[r, i] = missiles[i]
                        S.disputed[r, i] = disputed[i]
                        S.illicit[r, i] = illicit[i]
                        S.ult_target[r, i] = ult_target[i]
                        S.ult_deadline[r, i] = ult_deadline[i]
                        S.ult_acted[r, i] = acted[i]
                        S.ult_defied[r, i] = defied[i]
                        S.credibility[r, i] = credibility[i]
                        S.last_moves[r, i] = mv[i]
                        S.last_notice[r, i] = notice[i]
                        for k in range(lag_slots):
                            S.pipeline[r, i, k] = pipeline[i, k]
                        for j in range(n):
                            S.talks[r, i, j] = talks[i, j]
                            S.trust[r, i, j] = trust[i, j]
                        O.payoff[r, i] = payoff[i]
                        O.ordered[r, i] = ordered[i]
                        O.in_round[r, i] = in_round[i]
                        O.agreement[r, i] = agreement[i]
                        O.lapsed[r, i] = lapsed[i]
                        O.carried[r, i] = carried[i]
                        O.detected[r, i] = detected[i]
                    continue

            # continuation value of the (resolved) state: staying there from the next turn on;
            # after a resolved turn, its hazard and compliance are those the payoff used
            if mode == CONTINUATION:
                h = _hazard(escalation, P.h_max, P.k)
                for i in range(n):
                    compliance[i] = _compliance(i, missiles, disputed, P.adversary)
            for i in range(n):
                m_all[i] = missiles[i]
                for k in range(lag_slots):
                    m_all[i] += pipeline[i, k]
            p_found = P.p_detect
            for i in range(n):
                if not needed[i]:
                    continue
                gamma = P.discount[i]
                if treaty == IN_FORCE:
                    tv = 1.0
                    bound_for = lag_slots
                elif treaty == NOTICE:
                    left = max(notice_end - turn - 1, 0)          # turns it still pays before it ends
                    tv = 1.0 - gamma ** left
                    bound_for = min(left, lag_slots)
                else:
                    tv = 0.0
                    bound_for = 0
                flow = (P.treaty_value[i] * tv * compliance[i]
                        - P.threat_weight[i] * _threat(i, m_all, ult_target, credibility, P.adversary, P.ally,
                                                       P.batch, P.offset[i], P.missile_scale)
                        - P.upkeep[i] * m_all[i]
                        - P.war_cost[i] * h)
                # expected discounted cost of detection, gamma p / (1 - gamma (1 - p)): for ordered
                # missiles arriving while i is bound, and for a hidden violation that escaped this
                # turn's detection (probability 1 - p: the look-ahead payoff already charged p)
                found = gamma * p_found / (1.0 - gamma * (1.0 - p_found))
                at_risk = 0.0
                if illicit[i] > 0:
                    at_risk = 1.0 - p_found
                elif P.party[i] & ((treaty == IN_FORCE) | (treaty == NOTICE)) & (not unbound[i]):
                    for k in range(bound_for):
                        if pipeline[i, k] > 0:
                            at_risk = 1.0
                value = gamma / (1.0 - gamma) * flow - P.reputation_cost[i] * found * at_risk
                if mode == CONTINUATION:
                    values[r, i, 0] = value
                else:
                    q[v, i] = payoff[i] + value
            if mode == COUNTERFACTUAL:
                values[r, v // N_MOVES, v % N_MOVES] = q[v, v // N_MOVES]

        if mode == LOOKAHEAD:
            for i in range(n):
                if not needed[i]:
                    continue
                for a in range(N_MOVES):
                    values[r, i, a] = 0.0
                for p in range(n_var):
                    weight = 1.0
                    for j in range(n):
                        if j != i:
                            weight *= B[r, i, j, prof[p, j]]
                    values[r, i, prof[p, i]] += weight * q[p, i]


@njit(cache=True, error_model="numpy")
def _score_all(S, P):
    for r in range(S.treaty.shape[0]):
        t, m, u, e = _index(S.smoothed_actions[r], S.treaty[r], S.missiles[r], S.ult_target[r], P)
        S.esc_actions[r] = S.smoothed_actions[r]
        S.esc_treaty[r] = t
        S.esc_missiles[r] = m
        S.esc_ultimatum[r] = u
        S.escalation[r] = e


# ---------------------------------------------------------------- public functions (all replicas)


def step(s: State, moves: np.ndarray, params: Params, turn: int,
         draws: np.ndarray | None = None) -> tuple[State, Outcome]:
    """Resolve one turn for all replicas. `moves` is [R, N]; `draws` is [R, 1 + 2N] uniforms or None."""
    s = s.copy()
    moves = np.ascontiguousarray(moves, dtype=np.int64)
    r, n = moves.shape
    out = Outcome.empty(r, n)
    realized = draws is not None
    uniforms = np.ascontiguousarray(draws, dtype=np.float64) if realized else np.zeros((r, draw_width(n)))
    _kernel(s.arrays(), params.packed(), turn, moves, _NO_PROFILES, uniforms, realized, out.arrays(),
            _NO_VALUES, STEP, np.ones(n, np.bool_), s.beliefs)
    return s, out


def continuation(s: State, params: Params, turn: int) -> np.ndarray:
    """[R, N] discounted value of staying in state `s` (reached on `turn`) from the next turn on.

    ``gamma / (1 - gamma)`` times the flow payoff of the state with ordered missiles delivered;
    a treaty under notice counts only for its remaining turns; minus the expected reputation cost
    of violations still to be found.
    """
    s = s.copy()
    r, n = s.missiles.shape
    values = np.zeros((r, n, N_MOVES))
    _kernel(s.arrays(), params.packed(), turn, np.zeros((r, n), np.int64), _NO_PROFILES,
            np.zeros((r, draw_width(n))), False, Outcome.empty(r, n).arrays(), values, CONTINUATION,
            np.ones(n, np.bool_), s.beliefs)
    return values[:, :, 0]


def profiles(n_actors: int) -> np.ndarray:
    """[5**N, N] every joint move of N actors."""
    return np.array(list(product(range(N_MOVES), repeat=n_actors)), dtype=np.int64)


def expected_values(s: State, params: Params, turn: int, actors: np.ndarray | None = None,
                    beliefs: np.ndarray | None = None) -> np.ndarray:
    """[R, N, 5]: for actor i and own move a, the value expected against i's beliefs about the others.

    Every joint move is resolved (expected version) from each replica's state; its value for i is the
    payoff plus the continuation value, weighted by the product of i's beliefs about the others' moves
    (`beliefs`, [R, N, N, 5], default the state's). `actors` ([N] bool) limits the work to the actors
    that need it; the other rows are zero.
    """
    return _values(s, params, turn, LOOKAHEAD, np.zeros(s.missiles.shape, np.int64), actors, beliefs)


def counterfactual_values(s: State, params: Params, turn: int, moves: np.ndarray,
                          actors: np.ndarray | None = None) -> np.ndarray:
    """[R, N, 5]: the value (payoff plus continuation, expected version) of each own move a of actor i,
    had the others played `moves` ([R, N]) from state `s`: what a learner forgoes or gets."""
    return _values(s, params, turn, COUNTERFACTUAL, np.ascontiguousarray(moves, dtype=np.int64), actors, None)


def _values(s, params, turn, mode, moves, actors, beliefs) -> np.ndarray:
    s = s.copy()
    r, n = s.missiles.shape
    needed = np.ones(n, np.bool_) if actors is None else np.asarray(actors, dtype=np.bool_)
    weights = s.beliefs if beliefs is None else np.ascontiguousarray(beliefs, dtype=np.float64)
    values = np.zeros((r, n, N_MOVES))
    if needed.any():
        _kernel(s.arrays(), params.packed(), turn, moves, profiles(n), np.zeros((r, draw_width(n))), False,
                Outcome.empty(r, n).arrays(), values, mode, needed, weights)
    return values


def kernel_is_compiled() -> bool:
    """Whether the turn kernel is in numba's on-disk cache (if not, the first turn compiles it, ~10 s)."""
    try:
        return os.path.exists(_kernel._cache._cache_file._index_path)
    except AttributeError:  # pragma: no cover - a numba without this cache layout
        return True


def hazard(escalation: np.ndarray, params: Params) -> np.ndarray:
    """Per-turn probability of an incident: h_max * (E / 100) ** k."""
    return params.h_max * (np.clip(escalation, 0.0, 100.0) / 100.0) ** params.k


def score_initial(s: State, params: Params) -> State:
    """The index of the starting state: A starts at the mean rung of the last moves."""
    s = s.copy()
    s.smoothed_actions = params.packed().rung[s.last_moves].mean(axis=1)
    _score_all(s.arrays(), params.packed())
    return s


_NO_PROFILES = np.zeros((1, 1), dtype=np.int64)
_NO_VALUES = np.zeros((1, 1, N_MOVES))
