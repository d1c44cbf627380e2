"""The world state of a crisis as numpy arrays whose first axis is the replica (run)."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, fields, replace

import numpy as np

from sim.actions import N_MOVES, Action
from sim.params import Params
from sim.scenario import Scenario

# treaty status codes, in the order of the T component of the escalation index
IN_FORCE, NOTICE, TERMINATED, NO_TREATY = 0, 1, 2, 3
TREATY_NAMES = ("in_force", "notice", "terminated", "none")
TREATY_CODES = {name: code for code, name in enumerate(TREATY_NAMES)}
NO_ONE = -1


@dataclass
class State:
    """All replicas of one crisis at one turn. Shapes: R replicas, N actors, 5 moves, L lag slots."""

    treaty: np.ndarray         # [R] int8: IN_FORCE, NOTICE, TERMINATED or NO_TREATY
    notice_by: np.ndarray      # [R] int64: actor who gave notice, or NO_ONE
    notice_end: np.ndarray     # [R] int64: turn on which the treaty ends under notice
    unbound: np.ndarray        # [R, N] bool: party that has given notice (no longer bound)
    missiles: np.ndarray       # [R, N] int64: deployed missiles
    pipeline: np.ndarray       # [R, N, L] int64: ordered missiles arriving in 0..L-1 turns
    disputed: np.ndarray       # [R, N] int64: missiles of i others say break the treaty
    illicit: np.ndarray        # [R, N] int64: missiles ordered in violation, not yet detected
    ult_target: np.ndarray     # [R, N] int64: target of i's open ultimatum, or NO_ONE
    ult_deadline: np.ndarray   # [R, N] int64: its deadline turn
    ult_acted: np.ndarray      # [R, N] bool: i withdrew or deployed while it was open
    ult_defied: np.ndarray     # [R, N] bool: the target deployed while it was open
    talks: np.ndarray          # [R, N, N] float: progress of talks, symmetric, 0..1
    trust: np.ndarray          # [R, N, N] float: trust[i, j] is how much i trusts j, 0..1
    credibility: np.ndarray    # [R, N] float: 0..1
    beliefs: np.ndarray        # [R, N, N, 5] float: beliefs[i, j, a] = P(j plays a) for i
    last_moves: np.ndarray     # [R, N] int64: moves of the last turn
    last_notice: np.ndarray    # [R, N] bool: i's last move was a withdrawal that gave treaty notice
    smoothed_actions: np.ndarray  # [R] float: A, the smoothed mean rung (0..1)
    esc_actions: np.ndarray    # [R] float: the components of the index, each 0..1
    esc_treaty: np.ndarray
    esc_missiles: np.ndarray
    esc_ultimatum: np.ndarray
    escalation: np.ndarray     # [R] float: the escalation index, 0..100
    incident: np.ndarray       # [R] bool: the crisis broke down (the run has ended)

    @property
    def n_replicas(self) -> int:
        return self.treaty.shape[0]

    def copy(self) -> State:
        """A deep copy, every array in its canonical dtype (the compiled dynamics rely on it)."""
        return State(**{f.name: np.array(getattr(self, f.name), dtype=DTYPES[f.name]) for f in fields(self)})

    def arrays(self) -> StateArrays:
        """The same arrays as a namedtuple, the form the compiled dynamics take."""
        return StateArrays(*(getattr(self, f.name) for f in fields(self)))

    def take(self, index: np.ndarray) -> State:
        """The replicas at `index` (an index array or boolean mask), as a new state."""
        return State(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def repeat(self, times: int) -> State:
        """Each replica repeated `times` times in a row (replica-major)."""
        return State(**{f.name: np.repeat(getattr(self, f.name), times, axis=0) for f in fields(self)})

    def bound(self, params: Params) -> np.ndarray:
        """[R, N] bool: i is a treaty party still bound (treaty in force or under notice, no notice by i)."""
        alive = (self.treaty == IN_FORCE) | (self.treaty == NOTICE)
        return params.party[None, :] & alive[:, None] & ~self.unbound

    def evolve(self, **changes: np.ndarray) -> State:
        return replace(self, **changes)


_INT, _BOOL, _FLOAT = np.int64, np.bool_, np.float64
DTYPES = {
    "treaty": np.int8, "notice_by": _INT, "notice_end": _INT, "unbound": _BOOL, "missiles": _INT,
    "pipeline": _INT, "disputed": _INT, "illicit": _INT, "ult_target": _INT, "ult_deadline": _INT,
    "ult_acted": _BOOL, "ult_defied": _BOOL, "talks": _FLOAT, "trust": _FLOAT, "credibility": _FLOAT,
    "beliefs": _FLOAT, "last_moves": _INT, "last_notice": _BOOL, "smoothed_actions": _FLOAT,
    "esc_actions": _FLOAT, "esc_treaty": _FLOAT, "esc_missiles": _FLOAT, "esc_ultimatum": _FLOAT,
    "escalation": _FLOAT, "incident": _BOOL,
}
StateArrays = namedtuple("StateArrays", [f.name for f in fields(State)])


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

    last = np.array([int(Action.parse(a.last_move)) for a in scn.actors], dtype=np.int64)
    # prior beliefs: the last observed move, mixed with a uniform prior by each observer's memory
    memory = params.belief_memory[:, None, None]
    beliefs = memory * np.eye(N_MOVES)[last][None, :, :] + (1 - memory) / N_MOVES
    beliefs = np.broadcast_to(beliefs, (n, n, N_MOVES))

    t = scn.treaty
    treaty = TREATY_CODES[t.status]
    notice_by = ids[t.notice_by] if t.notice_by else NO_ONE
    notice_end = scn.turn_of(t.notice_ends) if t.notice_ends else NO_ONE
    unbound = np.zeros(n, dtype=bool)
    if notice_by != NO_ONE:
        unbound[notice_by] = True

    def rep(x: np.ndarray | float | int, dtype: type | None = None) -> np.ndarray:
        arr = np.asarray(x, dtype=dtype)
        return np.array(np.broadcast_to(arr, (r, *arr.shape)))

    state = State(
        treaty=rep(treaty, np.int8),
        notice_by=rep(notice_by, np.int64),
        notice_end=rep(notice_end, np.int64),
        unbound=rep(unbound),
        missiles=rep([a.missiles for a in scn.actors], np.int64),
        pipeline=np.zeros((r, n, lag_slots), dtype=np.int64),
        disputed=rep([a.disputed for a in scn.actors], np.int64),
        illicit=np.zeros((r, n), dtype=np.int64),
        ult_target=rep(ult_target),
        ult_deadline=rep(ult_deadline),
        ult_acted=np.zeros((r, n), dtype=bool),
        ult_defied=np.zeros((r, n), dtype=bool),
        talks=np.zeros((r, n, n)),
        trust=rep(trust),
        credibility=rep([a.credibility for a in scn.actors], np.float64),
        beliefs=rep(beliefs),
        last_moves=rep(last),
        last_notice=np.zeros((r, n), dtype=bool),
        smoothed_actions=np.zeros(r),
        esc_actions=np.zeros(r),
        esc_treaty=np.zeros(r),
        esc_missiles=np.zeros(r),
        esc_ultimatum=np.zeros(r),
        escalation=np.zeros(r),
        incident=np.zeros(r, dtype=bool),
    )
    from sim.dynamics import score_initial

    return score_initial(state.copy(), params)
