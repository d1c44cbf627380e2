"""The state of a scenario's replicas at the start: its situation, the prior beliefs, scored."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sim.actions import N_MOVES, STAGES, Action
from sim.dynamics import score_initial
from sim.params import Params
from sim.scenario import Scenario
from sim.state import NO_ONE, TREATY_CODES, State


def prior_beliefs(scn: Scenario, params: Params) -> np.ndarray:
    """[N, N, M, M] beliefs at the start.

    Every context starts from the other's last move before the start, mixed with a uniform prior by
    the observer's memory. Where j declares an answer to a move of its adversaries (``declares``),
    each adversary i expects it after its own move, with weight j's credibility.
    """
    n = params.n_actors
    last = np.array([int(Action.parse(a.last_move)) for a in scn.actors], dtype=np.int64)
    memory = params.belief_memory[:, None, None]
    base = memory * np.eye(N_MOVES)[last][None, :, :] + (1 - memory) / N_MOVES        # [N, N, M]
    beliefs = np.repeat(base[:, :, None, :], N_MOVES, axis=2).copy()                    # [N, N, M, M]
    for j, a in enumerate(scn.actors):
        for i in range(n):
            if not params.adversary[j, i]:
                continue
            for seen, answer in a.declares.items():
                c = int(Action.parse(seen))
                weight = a.credibility
                beliefs[i, j, c] = weight * np.eye(N_MOVES)[int(Action.parse(answer))] + (1 - weight) * beliefs[i, j, c]
    return beliefs


def initial_state(scn: Scenario, params: Params, replicas: int, pipeline_len: int | None = None) -> State:
    """The scenario's starting situation, repeated over `replicas`."""
    n, r = params.n_actors, replicas
    ids = {a: i for i, a in enumerate(params.ids)}
    lag_slots = pipeline_len or params.pipeline_len
    d = scn.diplomacy

    trust = np.full((n, n), d.initial_trust)
    for i, a in enumerate(scn.actors):
        for other, value in a.trust.items():
            trust[i, ids[other]] = value
    np.fill_diagonal(trust, 1.0)

    ult_target = np.full(n, NO_ONE, dtype=np.int64)
    ult_deadline = np.full(n, NO_ONE, dtype=np.int64)
    for i, a in enumerate(scn.actors):
        if a.ultimatum is not None:
            ult_target[i] = ids[a.ultimatum.target]
            ult_deadline[i] = max(1, scn.turn_of(a.ultimatum.deadline))

    stage = np.array([STAGES.index(a.programme.stage) for a in scn.actors], dtype=np.int64)
    stage_left = np.zeros(n, dtype=np.int64)
    for i, a in enumerate(scn.actors):
        since = a.programme.since or scn.scenario.start_date
        elapsed = (scn.scenario.start_date - since).days // scn.scenario.turn_days
        stage_left[i] = max(0, int(params.stage_turns[i, stage[i]]) - elapsed) if 0 < stage[i] < 4 else 0

    t = scn.treaty
    treaty = TREATY_CODES[t.status]
    notice_by = ids[t.notice_by] if t.notice_by else NO_ONE
    notice_end = scn.turn_of(t.notice_ends) if t.notice_ends else NO_ONE
    unbound = np.zeros(n, dtype=bool)
    if notice_by != NO_ONE:
        unbound[notice_by] = True

    def rep(x: npt.ArrayLike, dtype: npt.DTypeLike | None = None) -> np.ndarray:
        arr = np.asarray(x, dtype=dtype)
        return np.array(np.broadcast_to(arr, (r, *arr.shape)))

    zeros_n = lambda dtype: np.zeros((r, n), dtype=dtype)  # noqa: E731
    state = State(
        treaty=rep(treaty, np.int8),
        notice_by=rep(notice_by, np.int64),
        notice_end=rep(notice_end, np.int64),
        unbound=rep(unbound),
        missiles=rep([a.missiles for a in scn.actors], np.int64),
        pipeline=np.zeros((r, n, lag_slots), dtype=np.int64),
        disputed=rep([a.disputed for a in scn.actors], np.int64),
        illicit=zeros_n(np.int64),
        stage=rep(stage), stage_left=rep(stage_left),
        hosting=zeros_n(bool), breach=zeros_n(bool), demand=zeros_n(bool), elim_left=zeros_n(np.int64),
        ult_target=rep(ult_target),
        ult_deadline=rep(ult_deadline),
        ult_acted=zeros_n(bool),
        ult_stakes=zeros_n(np.float64),
        talks=np.zeros((r, n, n)),
        trust=rep(trust),
        credibility=rep([a.credibility for a in scn.actors], np.float64),
        beliefs=rep(prior_beliefs(scn, params)),
        last_moves=rep([int(Action.parse(a.last_move)) for a in scn.actors], np.int64),
        esc_treaty=np.zeros(r), esc_missiles=np.zeros(r), esc_arming=np.zeros(r), esc_demands=np.zeros(r),
        escalation=np.zeros(r), rung=np.zeros(r, dtype=np.int64),
        incident=np.zeros(r, dtype=bool),
    )
    state = score_initial(state.copy(), params)
    # an ultimatum open at the start was issued at the stakes of the starting state
    state.ult_stakes[:] = np.where(state.ult_target != NO_ONE, state.escalation[:, None] / 100.0, 0.0)
    return state
