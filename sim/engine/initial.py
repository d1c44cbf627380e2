"""The state of a scenario's replicas at the start: its situation, the prior beliefs, scored."""

from __future__ import annotations

import numpy as np

from sim.core.actions import Action
from sim.core.codes import DEMAND_NAMES, N_MOVES, NO_ONE, STAGES, TREATY_CODES
from sim.core.params import Params
from sim.core.scenario import Scenario
from sim.core.state import State
from sim.kernel.bargaining import table_terms
from sim.kernel.dynamics import score_initial


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


def initial_state(scn: Scenario, params: Params, replicas: int, pipeline_len: int | None = None,
                  reserves: np.ndarray | None = None) -> State:
    """The scenario's starting situation, repeated over `replicas`; `reserves` ([R, N]) are the actors'
    private reserves in each replica (docs/ODD.md 7.3; default 0), of which the others know only the
    range [-private_value, private_value]."""
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
    ult_demand = np.zeros(n, dtype=np.int64)
    for i, a in enumerate(scn.actors):
        if a.ultimatum is not None:
            ult_target[i] = ids[a.ultimatum.target]
            ult_deadline[i] = max(1, scn.turn_of(a.ultimatum.deadline))
            ult_demand[i] = DEMAND_NAMES.index(a.ultimatum.demand)

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

    state = State.zeros(r, n, lag_slots, N_MOVES)
    state.treaty = treaty
    state.notice_by = notice_by
    state.notice_end = notice_end
    state.unbound = unbound
    state.missiles = [a.missiles for a in scn.actors]
    for i, a in enumerate(scn.actors):          # a build-up under way: orders arriving on a coming turn
        if a.on_order:
            arrives = scn.turn_of(a.on_order_arrives) if a.on_order_arrives else int(params.lag[i])
            state.pipeline[:, i, min(max(arrives, 1), int(params.lag[i])) - 1] += a.on_order
    state.disputed = [a.disputed for a in scn.actors]
    state.hosting = [a.hosting for a in scn.actors]
    state.stage = stage
    state.stage_left = stage_left
    state.ult_target = ult_target
    state.ult_deadline = ult_deadline
    state.ult_demand = ult_demand
    state.trust = trust
    state.credibility = [a.credibility for a in scn.actors]
    state.beliefs[:] = prior_beliefs(scn, params)
    state.last_moves = [int(Action.parse(a.last_move)) for a in scn.actors]
    if reserves is not None:
        state.reserve = reserves
    state.reserve_floor = -params.payoff["private_value"]
    state = score_initial(state.copy(), params)
    # an ultimatum open at the start was issued at the stakes of the starting state
    state.ult_stakes[:] = np.where(state.ult_target != NO_ONE, state.escalation[:, None] / 100.0, 0.0)
    return table_terms(state, params, 0)
