"""The world state of a crisis: one shape, read and written in place by the compiled kernels.

All replicas of one crisis at one turn are five arrays whose first axis is the replica (run):

- `world`    [R] records of `WORLD`: the treaty, the escalation index and its parts, the incident;
- `actor`    [R, N] records of `ACTOR`: each actor's forces, programme, ultimatum, credibility, last move;
- `pipeline` [R, N, L] int64: ordered missiles arriving in 0..L-1 turns;
- `pair`     [R, N, N] records of `PAIR`: talks, trust and the terms on the table between i and j;
- `beliefs`  [R, N, N, M, M] float: beliefs[r, i, j, c, b] = P(j plays b | i played c last).

The kernels take the first four as one `Replicas` tuple and work on replica r through `work_at`
(views, nothing copied). Everything else reads a field as a view of its record: `state.missiles` is
`state.actor["missiles"]` ([R, N]) and assigning `state.missiles = x` writes x into the records.
A new per-actor variable is one line of `ACTOR`, the step that changes it, and docs/ODD.md.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from sim.core.codes import IN_FORCE, NOTICE, RUNG_CONFRONTATION
from sim.core.params import Params

_INT, _BOOL, _FLOAT = np.int64, np.bool_, np.float64

#: What holds once per replica.
WORLD = np.dtype([
    ("treaty", np.int8),          # IN_FORCE, NOTICE, TERMINATED or NO_TREATY (sim.core.codes)
    ("notice_by", _INT),          # actor who gave notice, or NO_ONE
    ("notice_end", _INT),         # turn on which the treaty ends under notice
    ("esc_ladder", _FLOAT),       # the components of the index, each 0..1: the rung / 9, and the intensity
    ("esc_treaty", _FLOAT),       # within it of the dyad that sets the index (treaty, missiles, arming, demands)
    ("esc_missiles", _FLOAT),
    ("esc_arming", _FLOAT),
    ("esc_demands", _FLOAT),
    ("escalation", _FLOAT),       # the escalation index, 0..100
    ("rung", _INT),               # rung of Kahn's escalation ladder the state stands on
    ("incident", _BOOL),          # the crisis broke down (the run has ended)
], align=True)

#: What holds per actor i.
ACTOR = np.dtype([
    ("unbound", _BOOL),           # a party that has given notice (no longer bound)
    ("missiles", _INT),           # fielded missiles
    ("disputed", _INT),           # missiles of i others say break the treaty
    ("illicit", _INT),            # missiles fielded in violation, not yet detected
    ("stage", _INT),              # programme stage (sim.core.codes.STAGES)
    ("stage_left", _INT),         # turns left in the current stage (0: complete)
    ("hosting", _BOOL),           # i consents to host its leader's missiles
    ("breach", _BOOL),            # i's banned programme activity (tests, production) was detected
    ("demand", _BOOL),            # a public demand on i is outstanding (ultimatum ran out unmet)
    ("elim_left", _INT),          # turns left to eliminate i's missiles under a new treaty
    ("elim_floor", _INT),         # the missiles that elimination leaves (a ceiling: parity), 0 for all of them
    ("ult_target", _INT),         # target of i's open ultimatum, or NO_ONE
    ("ult_deadline", _INT),       # its deadline turn
    ("ult_demand", _INT),         # what it demands (DEMAND_COMPLY, DEMAND_REMOVE, DEMAND_HALT)
    ("ult_acted", _BOOL),         # i carried out the threatened act while it was open
    ("ult_stakes", _FLOAT),       # the escalation index (0..1) when it was issued
    ("credibility", _FLOAT),      # 0..1
    ("last_moves", _INT),         # i's move of the last turn
    ("reserve", _FLOAT),          # what i privately needs from a deal beyond its public valuation (its type)
    ("reserve_floor", _FLOAT),    # the least reserve i is known to have: it walked out of terms worth that
], align=True)

#: What holds per ordered pair (i, j).
PAIR = np.dtype([
    ("talks", _FLOAT),            # progress of talks, symmetric, 0..1
    ("trust", _FLOAT),            # how much i trusts j, 0..1
    ("terms", _INT),              # i's part of the terms on the table with j (NO_TERMS, KEEP_FORCE, CUT_FORCE, PARITY)
    ("gain", _FLOAT),             # what those terms are worth to i over its outside option (utility units)
    ("pledge", _INT),             # i's part of terms both sides pledged to negotiate (people's deal), or NO_TERMS
], align=True)

#: The dtype of each part of a State, in field order.
_DTYPES: tuple[np.dtype, ...] = (WORLD, ACTOR, np.dtype(_INT), PAIR, np.dtype(_FLOAT))
#: The replica state as the kernels take it (beliefs apart: only learning and the look-ahead read them).
Replicas = namedtuple("Replicas", ["world", "actor", "pipeline", "pair"])
_PARTS = {"world": WORLD, "actor": ACTOR, "pair": PAIR}
_FIELD_PART = {name: part for part, dtype in _PARTS.items() for name in dtype.names or ()}

#: The components of the escalation index (each 0..1): the rung of Kahn's ladder (rung / 9), then the
#: intensity within the rung's band (docs/ODD.md 7.10); `sim.kernel.dynamics.index_weights` gives the
#: weight of each in the index (E = 100 * sum of weight x component).
COMPONENTS = ("esc_ladder", "esc_treaty", "esc_missiles", "esc_arming", "esc_demands")
#: The intensity's components and the scenario weight ([escalation]) of each.
INTENSITY = COMPONENTS[1:]
COMPONENT_WEIGHTS = dict(zip(INTENSITY, ("w_treaty", "w_missiles", "w_arming", "w_demands"), strict=True))
COMPONENT_LABELS = {"esc_ladder": "rung of Kahn's ladder", "esc_treaty": "treaty",
                    "esc_missiles": "fielded missiles in range", "esc_arming": "arming (orders, tests, production)",
                    "esc_demands": "public demands"}
#: Index points per rung of Kahn's ladder, and the span of the intensity within a rung (docs/ODD.md 7.10):
#: E = RUNG_POINTS * rung + INTENSITY_POINTS * intensity, so that the tens digit of the index is the rung.
RUNG_POINTS = 10.0
INTENSITY_POINTS = 9.0


def index_weights(weights: Any) -> dict[str, float]:
    """The weight of each index component, by component name, so that E = 100 * sum of weight x component:
    the rung's component is rung / 9, so its weight is 9 x RUNG_POINTS / 100; an intensity component's is
    INTENSITY_POINTS / 100 x its [escalation] weight. `weights`: anything with the attributes w_treaty,
    w_missiles, w_arming and w_demands (`Params`, or a scenario's `escalation`)."""
    out = {"esc_ladder": RUNG_POINTS * RUNG_CONFRONTATION / 100.0}
    out.update({c: INTENSITY_POINTS / 100.0 * float(getattr(weights, w)) for c, w in COMPONENT_WEIGHTS.items()})
    return out


@dataclass
class State:
    """All replicas of one crisis at one turn. Shapes: R replicas, N actors, M moves, L lag slots.

    Every field of `WORLD`, `ACTOR` and `PAIR` reads as an array view (`state.treaty` [R],
    `state.missiles` [R, N], `state.trust` [R, N, N]) and can be assigned (the value is written into
    the records, in their dtype)."""

    world: np.ndarray      # [R] WORLD
    actor: np.ndarray      # [R, N] ACTOR
    pipeline: np.ndarray   # [R, N, L] int64
    pair: np.ndarray       # [R, N, N] PAIR
    beliefs: np.ndarray    # [R, N, N, M, M] float

    @classmethod
    def zeros(cls, r: int, n: int, lag_slots: int, moves: int) -> State:
        """R replicas of N actors, every field zero."""
        return cls(np.zeros(r, WORLD), np.zeros((r, n), ACTOR), np.zeros((r, n, lag_slots), _INT),
                   np.zeros((r, n, n), PAIR), np.zeros((r, n, n, moves, moves)))

    def __getattr__(self, name: str) -> np.ndarray:
        part = _FIELD_PART.get(name)
        if part is None:
            raise AttributeError(name)
        return self.__dict__[part][name]

    def __setattr__(self, name: str, value: Any) -> None:
        part = _FIELD_PART.get(name)
        if part is None:
            object.__setattr__(self, name, value)
        else:
            self.__dict__[part][name] = value

    @property
    def n_replicas(self) -> int:
        return self.world.shape[0]

    def copy(self) -> State:
        """A deep copy, every array C-ordered in its canonical dtype (the one type the kernels are
        compiled for)."""
        return State(*(np.array(part, dtype=dtype, order="C") for part, dtype in zip(
            self._parts(), _DTYPES, strict=True)))

    def canonical(self) -> State:
        """This state if every array is already C-ordered, writeable and in its canonical dtype, else a
        copy; for kernels that only read the state."""
        for part, dtype in zip(self._parts(), _DTYPES, strict=True):
            if part.dtype != dtype or not (part.flags.c_contiguous and part.flags.writeable):
                return self.copy()
        return self

    def replicas(self) -> Replicas:
        """The arrays the kernels take (the same arrays, not copies)."""
        return Replicas(self.world, self.actor, self.pipeline, self.pair)

    def take(self, index: np.ndarray | list[int]) -> State:
        """The replicas at `index` (an index array or boolean mask), as a new state."""
        return State(*(part[index] for part in self._parts()))

    def repeat(self, times: int) -> State:
        """Each replica repeated `times` times in a row (replica-major)."""
        return State(*(np.repeat(part, times, axis=0) for part in self._parts()))

    def bound(self, params: Params) -> np.ndarray:
        """[R, N] bool: i is a treaty party still bound (treaty in force or under notice, no notice by i)."""
        alive = (self.treaty == IN_FORCE) | (self.treaty == NOTICE)
        return params.party[None, :] & alive[:, None] & ~self.unbound

    def in_dispute(self) -> np.ndarray:
        """[R, N] bool: others dispute i's missiles or programme."""
        return (self.disputed > 0) | self.breach

    def evolve(self, **changes: np.ndarray) -> State:
        """A state sharing this one's arrays but those named (world, actor, pipeline, pair, beliefs)."""
        return replace(self, **changes)

    def _parts(self) -> tuple[np.ndarray, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))
