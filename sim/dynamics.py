"""Pure, vectorised functions that advance every replica one turn.

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
or incident is drawn, and their payoff terms are replaced by expectations.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from sim.actions import N_MOVES, RUNG_SCALED, Action
from sim.params import Params
from sim.state import IN_FORCE, NO_ONE, NO_TREATY, NOTICE, TERMINATED, State

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


def hazard(escalation: np.ndarray, params: Params) -> np.ndarray:
    """Per-turn probability of an incident: h_max * (E / 100) ** k."""
    return params.h_max * (np.clip(escalation, 0.0, 100.0) / 100.0) ** params.k


def threat(missiles: np.ndarray, s: State, params: Params) -> np.ndarray:
    """[R, N] threat each actor faces: ``sat(hostile) - offset * sat(own)``, between -1 and 1.

    ``sat(x) = 1 - exp(-x / missile_scale)`` gives diminishing returns to numbers. Hostile:
    adversaries' missiles, plus the batch an adversary's open ultimatum against i threatens,
    weighted by its credibility. Own: own and allied missiles.
    """
    n = params.n_actors
    adv = params.adversary.astype(np.float64)
    friends = (params.ally | np.eye(n, dtype=bool)).astype(np.float64)
    hostile = missiles @ adv.T
    # pressure[r, i] = sum over j with an open ultimatum on i of credibility_j * batch_j
    aimed = s.ult_target[:, :, None] == np.arange(n)[None, None, :]       # [R, j, i]
    pressure = np.einsum("rji,rj->ri", aimed, s.credibility * params.batch[None, :])
    own = missiles @ friends.T
    scale = params.missile_scale
    return -np.expm1(-(hostile + pressure) / scale) + params.payoff["offset"][None, :] * np.expm1(-own / scale)


def compliance(s: State, params: Params) -> np.ndarray:
    """[R, N] share of i's adversaries' missiles that nobody disputes (1 if they have none).

    A treaty is worth to i what it restrains: its value is scaled by this share.
    """
    adv = params.adversary.T.astype(np.float64)
    total = s.missiles @ adv
    disputed = s.disputed @ adv
    return np.where(total > 0, 1.0 - disputed / np.maximum(total, 1), 1.0)


def escalation_components(s: State, params: Params) -> State:
    """The T, M, U components and the index E from the state (A is already smoothed in)."""
    total = s.missiles.sum(axis=1)
    esc_treaty = TREATY_COMPONENT[s.treaty]
    esc_missiles = 1.0 - np.exp(-total / params.missile_scale)
    esc_ultimatum = (s.ult_target != NO_ONE).any(axis=1).astype(np.float64)
    escalation = 100.0 * (params.w_actions * s.smoothed_actions + params.w_treaty * esc_treaty
                          + params.w_missiles * esc_missiles + params.w_ultimatum * esc_ultimatum)
    return s.evolve(esc_actions=s.smoothed_actions.copy(), esc_treaty=esc_treaty,
                    esc_missiles=esc_missiles, esc_ultimatum=esc_ultimatum,
                    escalation=np.clip(escalation, 0.0, 100.0))


def score_initial(s: State, params: Params) -> State:
    """The index of the starting state: A starts at the mean rung of the last moves."""
    s = s.evolve(smoothed_actions=RUNG_SCALED[s.last_moves].mean(axis=1))
    return escalation_components(s, params)


def step(s: State, moves: np.ndarray, params: Params, turn: int,
         draws: np.ndarray | None = None) -> tuple[State, Outcome]:
    """Resolve one turn for all replicas. `moves` is [R, N]; `draws` is [R, 1 + 2N] uniforms or None."""
    s = s.copy()
    r, n = moves.shape
    d = params.diplomacy
    pairs = params.talk_pairs[None]
    adv_t = params.adversary.T[None]           # adv_t[0, j, i]: j is an adversary of i
    dialogue, ultimatum = moves == DIALOGUE, moves == ULTIMATUM
    withdrawal, deployment = moves == WITHDRAWAL, moves == DEPLOYMENT
    rows = np.arange(r)

    # 1. withdrawal ---------------------------------------------------------------------------
    bound = s.bound(params)
    notice = withdrawal & bound
    starts = notice.any(axis=1) & (s.treaty == IN_FORCE)
    s.notice_by[starts] = np.argmax(notice[starts], axis=1)
    s.notice_end[starts] = turn + params.notice_turns
    s.treaty[starts] = NOTICE
    s.unbound |= notice
    walkout = withdrawal & ~notice
    cut = walkout[:, :, None] & pairs
    cut = cut | cut.transpose(0, 2, 1)
    s.talks[cut] = 0.0
    # adversaries j of a withdrawing i trust i less: trust[j, i]
    s.trust -= d["trust_withdrawal_loss"] * (withdrawal[:, None, :] & adv_t)

    # 2. dialogue -----------------------------------------------------------------------------
    mutual = dialogue[:, :, None] & dialogue[:, None, :] & pairs
    mean_trust = 0.5 * (s.trust + s.trust.transpose(0, 2, 1))
    s.talks = np.where(mutual, np.minimum(1.0, s.talks + d["talks_rate"] * mean_trust), s.talks)
    s.trust += d["trust_round_gain"] * mutual
    agreement_pair = mutual & (s.talks >= 1.0 - 1e-12)
    in_round = mutual.any(axis=2)
    one_sided = dialogue[:, :, None] & pairs & ~dialogue[:, None, :]     # [r, i, j]: i offered j
    s.trust += d["trust_one_sided_gain"] * one_sided.transpose(0, 2, 1)
    unanswered = dialogue & ~in_round
    agreement = agreement_pair.any(axis=2)
    if agreement.any():
        removed = np.where(agreement, s.disputed, 0)
        s.missiles -= np.minimum(s.missiles, removed)
        s.disputed[agreement] = 0
        # ultimatums between the partners are met
        target = np.where(s.ult_target == NO_ONE, 0, s.ult_target)
        met_now = (s.ult_target != NO_ONE) & agreement_pair[rows[:, None], np.arange(n)[None, :], target]
        s.ult_target[met_now] = NO_ONE
        # a pending notice is rescinded by an agreement between the party that gave it and another
        # party; every party is bound again
        by = np.where(s.notice_by == NO_ONE, 0, s.notice_by)
        between_parties = agreement_pair & params.party[None, :, None] & params.party[None, None, :]
        rescind = (s.treaty == NOTICE) & (s.notice_by != NO_ONE) & between_parties[rows, by].any(axis=1)
        s.treaty[rescind] = IN_FORCE
        s.notice_by[rescind] = NO_ONE
        s.notice_end[rescind] = NO_ONE
        s.unbound[rescind] = False
        s.trust += d["trust_agreement_gain"] * agreement_pair
        s.talks[agreement_pair] = 0.0

    # 3. ultimatum ----------------------------------------------------------------------------
    issues = ultimatum & (s.ult_target == NO_ONE)
    if issues.any():
        # target: the adversary with most disputed missiles, then most missiles, then listed first
        score = (s.disputed * 1e6 + s.missiles)[:, None, :] - np.arange(n)[None, None, :] * 1e-3
        score = np.where(params.adversary[None], score, -np.inf)
        target = np.argmax(score, axis=2)                                  # [r, i]
        s.ult_target = np.where(issues, target, s.ult_target)
        s.ult_deadline = np.where(issues, turn + params.ultimatum_turns, s.ult_deadline)
        s.ult_acted &= ~issues
        s.ult_defied &= ~issues
        aimed = issues[:, :, None] & (target[:, :, None] == np.arange(n)[None, None, :])  # [r, i, j]
        s.trust -= d["trust_ultimatum_loss"] * aimed.transpose(0, 2, 1)

    # 4. deployment ---------------------------------------------------------------------------
    ordered = deployment * params.batch[None, :]
    s.pipeline[:, np.arange(n), params.lag] += ordered
    s.trust -= d["trust_deploy_loss"] * (deployment[:, None, :] & adv_t)
    open_ult = s.ult_target != NO_ONE
    s.ult_acted |= open_ult & (withdrawal | deployment)
    target = np.where(open_ult, s.ult_target, 0)
    s.ult_defied |= open_ult & deployment[rows[:, None], target]

    # 5. the treaty ends when its notice runs out -----------------------------------------------
    ends = (s.treaty == NOTICE) & (s.notice_end <= turn)
    if ends.any():
        s.treaty[ends] = TERMINATED
        s.notice_by[ends] = NO_ONE
        s.notice_end[ends] = NO_ONE
        s.unbound[ends] = params.party
        s.disputed[ends] = 0
        s.illicit[ends] = 0

    # 6. arrivals: missiles that arrive while their owner is bound are a violation ------------------
    arrived = s.pipeline[:, :, 0].copy()
    s.missiles += arrived
    s.illicit += np.where(s.bound(params), arrived, 0)
    s.pipeline[:, :, :-1] = s.pipeline[:, :, 1:]
    s.pipeline[:, :, -1] = 0

    # 7. ultimatum deadlines --------------------------------------------------------------------
    due = (s.ult_target != NO_ONE) & (s.ult_deadline <= turn)
    target = np.where(due, s.ult_target, 0)
    met = due & (s.disputed[rows[:, None], target] == 0) & ~s.ult_defied
    carried = due & ~met & s.ult_acted
    lapsed = due & ~met & ~s.ult_acted
    s.credibility = s.credibility + d["credibility_gain"] * carried - d["credibility_loss"] * lapsed
    s.ult_target[due] = NO_ONE
    s.ult_deadline[due] = NO_ONE

    # 8. detection of violations ------------------------------------------------------------------
    hidden = s.illicit > 0
    if draws is not None:
        detected = hidden & (draws[:, 1:1 + n] < params.p_detect)
        if detected.any():
            s.disputed += np.where(detected, s.illicit, 0)
            s.illicit[detected] = 0
            others = ~np.eye(n, dtype=bool)[None]
            s.trust -= d["trust_detect_loss"] * (detected[:, None, :] & others)
        reputation = detected.astype(np.float64)
    else:
        detected = np.zeros_like(hidden)
        reputation = params.p_detect * hidden

    # 9. escalation index --------------------------------------------------------------------
    s.smoothed_actions = (params.smoothing * RUNG_SCALED[moves].mean(axis=1)
                          + (1.0 - params.smoothing) * s.smoothed_actions)
    s = escalation_components(s, params)
    h = hazard(s.escalation, params)

    # 10. payoffs ------------------------------------------------------------------------------
    p = params.payoff
    if draws is not None:
        broke = draws[:, 0] < h
        war = broke.astype(np.float64)
    else:
        broke = np.zeros(r, dtype=bool)
        war = h
    treaty_on = ((s.treaty == IN_FORCE) | (s.treaty == NOTICE)).astype(np.float64)
    payoff = (p["treaty_value"][None] * treaty_on[:, None] * compliance(s, params)
              - p["threat_weight"][None] * threat(s.missiles, s, params)
              - p["deploy_cost"][None] * ordered
              - p["upkeep"][None] * s.missiles
              - p["war_cost"][None] * war[:, None]
              - p["audience_cost"][None] * lapsed
              - p["reputation_cost"][None] * reputation
              + p["talks_value"][None] * in_round
              - p["dialogue_cost"][None] * unanswered)

    # 11. incident -------------------------------------------------------------------------------
    s.incident = s.incident | broke

    # 12. beliefs and memory -----------------------------------------------------------------------
    seen = np.eye(N_MOVES)[moves]                                           # [r, j, a]
    memory = params.belief_memory[None, :, None, None]
    s.beliefs = memory * s.beliefs + (1.0 - memory) * seen[:, None, :, :]
    s.last_moves = moves.astype(np.int64)
    s.last_notice = notice
    s.trust = np.clip(s.trust, 0.0, 1.0)
    idx = np.arange(n)
    s.trust[:, idx, idx] = 1.0
    s.credibility = np.clip(s.credibility, 0.0, 1.0)

    return s, Outcome(payoff=payoff, ordered=ordered, in_round=in_round, agreement=agreement,
                      lapsed=lapsed, carried=carried, detected=detected, hazard=h)


def continuation(s: State, params: Params, turn: int) -> np.ndarray:
    """[R, N] discounted value of staying in state `s` from the next turn on.

    ``gamma / (1 - gamma)`` times the flow payoff of the state with ordered missiles delivered;
    a treaty under notice counts only for its remaining turns.
    """
    p = params.payoff
    gamma = p["discount"][None, :]
    missiles = s.missiles + s.pipeline.sum(axis=2)
    left = np.maximum(s.notice_end - turn - 1, 0)[:, None]    # turns it still pays before it ends
    treaty = np.where((s.treaty == IN_FORCE)[:, None], 1.0,
                      np.where((s.treaty == NOTICE)[:, None], 1.0 - gamma ** left, 0.0))
    flow = (p["treaty_value"][None] * treaty * compliance(s, params)
            - p["threat_weight"][None] * threat(missiles, s, params)
            - p["upkeep"][None] * missiles
            - p["war_cost"][None] * hazard(s.escalation, params)[:, None])
    # the expected discounted reputation cost of detection, gamma p / (1 - gamma (1 - p)), for ordered
    # missiles that will arrive while the owner is bound, and for a hidden violation that escaped
    # this turn's detection (with probability 1 - p; the look-ahead payoff already charged p)
    bound_for = np.where(s.treaty == IN_FORCE, np.iinfo(np.int64).max // 2,
                         np.where(s.treaty == NOTICE, s.notice_end - turn - 1, 0))[:, None]
    slot = np.arange(s.pipeline.shape[2])[None, None, :]
    arrives_bound = ((s.pipeline > 0) & (slot < bound_for[:, :, None])).any(axis=2) & s.bound(params)
    found = gamma * params.p_detect / (1.0 - gamma * (1.0 - params.p_detect))
    at_risk = np.where(s.illicit > 0, 1.0 - params.p_detect, arrives_bound.astype(np.float64))
    return gamma / (1.0 - gamma) * flow - p["reputation_cost"][None] * found * at_risk


def profiles(n_actors: int) -> np.ndarray:
    """[5**N, N] every joint move of N actors."""
    return np.array(list(product(range(N_MOVES), repeat=n_actors)), dtype=np.int64)


def joint_values(s: State, params: Params, turn: int) -> np.ndarray:
    """[R, P, N] payoff plus continuation value of every joint move for every actor (expected)."""
    prof = profiles(params.n_actors)
    n_prof = len(prof)
    batch = s.repeat(n_prof)
    moves = np.tile(prof, (s.n_replicas, 1))
    nxt, out = step(batch, moves, params, turn, draws=None)
    value = out.payoff + continuation(nxt, params, turn)
    return value.reshape(s.n_replicas, n_prof, params.n_actors)


def expected_values(s: State, params: Params, turn: int) -> np.ndarray:
    """[R, N, 5]: for actor i and own move a, the value expected against i's beliefs about the others."""
    n = params.n_actors
    prof = profiles(n)
    q = joint_values(s, params, turn)                                      # [R, P, N]
    out = np.empty((s.n_replicas, n, N_MOVES))
    for i in range(n):
        weight = np.ones((s.n_replicas, len(prof)))
        for j in range(n):
            if j != i:
                weight *= s.beliefs[:, i, j, :][:, prof[:, j]]
        own = np.eye(N_MOVES)[prof[:, i]]                                  # [P, 5]
        out[:, i, :] = np.einsum("rp,rp,pa->ra", weight, q[:, :, i], own)
    return out
