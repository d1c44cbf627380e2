"""The world state of a crisis as numpy arrays whose first axis is the replica (run)."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, fields, replace

import numpy as np

from sim.params import Params

# treaty status codes
IN_FORCE, NOTICE, TERMINATED, NO_TREATY = 0, 1, 2, 3
TREATY_NAMES = ("in_force", "notice", "terminated", "none")
TREATY_CODES = {name: code for code, name in enumerate(TREATY_NAMES)}
NO_ONE = -1

#: The components of the escalation index (each 0..1) and the scenario weight of each.
COMPONENTS = ("esc_treaty", "esc_missiles", "esc_arming", "esc_demands")
COMPONENT_WEIGHTS = dict(zip(COMPONENTS, ("w_treaty", "w_missiles", "w_arming", "w_demands"), strict=True))
COMPONENT_LABELS = {"esc_treaty": "treaty", "esc_missiles": "fielded missiles in range",
                    "esc_arming": "arming (orders, tests, production)", "esc_demands": "public demands"}


@dataclass
class State:
    """All replicas of one crisis at one turn. Shapes: R replicas, N actors, M moves, L lag slots."""

    treaty: np.ndarray         # [R] int8: IN_FORCE, NOTICE, TERMINATED or NO_TREATY
    notice_by: np.ndarray      # [R] int64: actor who gave notice, or NO_ONE
    notice_end: np.ndarray     # [R] int64: turn on which the treaty ends under notice
    unbound: np.ndarray        # [R, N] bool: party that has given notice (no longer bound)
    missiles: np.ndarray       # [R, N] int64: fielded missiles
    pipeline: np.ndarray       # [R, N, L] int64: ordered missiles arriving in 0..L-1 turns
    disputed: np.ndarray       # [R, N] int64: missiles of i others say break the treaty
    illicit: np.ndarray        # [R, N] int64: missiles fielded in violation, not yet detected
    stage: np.ndarray          # [R, N] int64: programme stage (sim.actions.STAGES)
    stage_left: np.ndarray     # [R, N] int64: turns left in the current stage (0: complete)
    hosting: np.ndarray        # [R, N] bool: i consents to host its leader's missiles
    breach: np.ndarray         # [R, N] bool: i's banned programme activity (tests, production) was detected
    demand: np.ndarray         # [R, N] bool: a public demand on i is outstanding (ultimatum ran out unmet)
    elim_left: np.ndarray      # [R, N] int64: turns left to eliminate i's missiles under a new treaty
    ult_target: np.ndarray     # [R, N] int64: target of i's open ultimatum, or NO_ONE
    ult_deadline: np.ndarray   # [R, N] int64: its deadline turn
    ult_acted: np.ndarray      # [R, N] bool: i carried out the threatened act while it was open
    ult_stakes: np.ndarray     # [R, N] float: the escalation index (0..1) when it was issued
    talks: np.ndarray          # [R, N, N] float: progress of talks, symmetric, 0..1
    trust: np.ndarray          # [R, N, N] float: trust[i, j] is how much i trusts j, 0..1
    credibility: np.ndarray    # [R, N] float: 0..1
    beliefs: np.ndarray        # [R, N, N, M, M] float: beliefs[i, j, c, b] = P(j plays b | i played c last)
    last_moves: np.ndarray     # [R, N] int64: moves of the last turn
    esc_treaty: np.ndarray     # [R] float: the components of the index, each 0..1
    esc_missiles: np.ndarray
    esc_arming: np.ndarray
    esc_demands: np.ndarray
    escalation: np.ndarray     # [R] float: the escalation index, 0..100
    rung: np.ndarray           # [R] int64: rung of Kahn's escalation ladder the state stands on
    incident: np.ndarray       # [R] bool: the crisis broke down (the run has ended)

    @property
    def n_replicas(self) -> int:
        return self.treaty.shape[0]

    def copy(self) -> State:
        """A deep copy, every array C-ordered in its canonical dtype (the compiled dynamics rely on it: one
        compiled signature, not one per memory layout)."""
        return State(**{f.name: np.array(getattr(self, f.name), dtype=DTYPES[f.name], order="C") for f in fields(self)})

    def canonical(self) -> State:
        """This state if every array is already C-ordered, writeable and in its canonical dtype (the one type
        the kernels are compiled for), else a copy; for kernels that only read the state."""
        for f in fields(self):
            value = getattr(self, f.name)
            if value.dtype != DTYPES[f.name] or not (value.flags.c_contiguous and value.flags.writeable):
                return self.copy()
        return self

    def arrays(self) -> StateArrays:
        """The same arrays as a namedtuple, the form the compiled dynamics take."""
        return StateArrays(*(getattr(self, f.name) for f in fields(self)))

    def take(self, index: np.ndarray | list[int]) -> State:
        """The replicas at `index` (an index array or boolean mask), as a new state."""
        return State(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def repeat(self, times: int) -> State:
        """Each replica repeated `times` times in a row (replica-major)."""
        return State(**{f.name: np.repeat(getattr(self, f.name), times, axis=0) for f in fields(self)})

    def bound(self, params: Params) -> np.ndarray:
        """[R, N] bool: i is a treaty party still bound (treaty in force or under notice, no notice by i)."""
        alive = (self.treaty == IN_FORCE) | (self.treaty == NOTICE)
        return params.party[None, :] & alive[:, None] & ~self.unbound

    def in_dispute(self) -> np.ndarray:
        """[R, N] bool: others dispute i's missiles or programme."""
        return (self.disputed > 0) | self.breach

    def evolve(self, **changes: np.ndarray) -> State:
        return replace(self, **changes)


_INT, _BOOL, _FLOAT = np.int64, np.bool_, np.float64
DTYPES = {
    "treaty": np.int8, "notice_by": _INT, "notice_end": _INT, "unbound": _BOOL, "missiles": _INT,
    "pipeline": _INT, "disputed": _INT, "illicit": _INT, "stage": _INT, "stage_left": _INT, "hosting": _BOOL,
    "breach": _BOOL, "demand": _BOOL, "elim_left": _INT, "ult_target": _INT, "ult_deadline": _INT,
    "ult_acted": _BOOL, "ult_stakes": _FLOAT, "talks": _FLOAT, "trust": _FLOAT, "credibility": _FLOAT,
    "beliefs": _FLOAT, "last_moves": _INT, "esc_treaty": _FLOAT, "esc_missiles": _FLOAT, "esc_arming": _FLOAT,
    "esc_demands": _FLOAT, "escalation": _FLOAT, "rung": _INT, "incident": _BOOL,
}
# mypy reads namedtuple fields only from literals; these are the dataclass's fields
StateArrays = namedtuple("StateArrays", [f.name for f in fields(State)])  # type: ignore[misc]
