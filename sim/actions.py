"""The five moves and the one table of their escalation rungs and meanings."""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Action(IntEnum):
    """A move an actor can make in one turn; the value is its escalation rung."""

    DIALOGUE = 0
    HOLD = 1
    ULTIMATUM = 2
    WITHDRAWAL = 3
    DEPLOYMENT = 4

    @property
    def label(self) -> str:
        """Lower-case name used in scenario files and outputs."""
        return self.name.lower()

    @classmethod
    def parse(cls, name: str) -> Action:
        """The move called `name` (case-insensitive); ValueError listing the moves otherwise."""
        try:
            return cls[name.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown move {name!r}; allowed: {', '.join(MOVE_NAMES)}") from None


#: The one table: move -> (rung, meaning). Rungs order the moves by escalation.
MOVES: dict[Action, tuple[int, str]] = {
    Action.DIALOGUE: (0, "offer talks; when two adversaries both offer, they hold a round"),
    Action.HOLD: (1, "keep the current posture"),
    Action.ULTIMATUM: (2, "demand the target settle the dispute before a deadline"),
    Action.WITHDRAWAL: (3, "give notice to leave the treaty, or leave the talks"),
    Action.DEPLOYMENT: (4, "order a batch of intermediate-range missiles"),
}

N_MOVES = len(Action)
MOVE_NAMES: tuple[str, ...] = tuple(a.label for a in Action)
TOP_RUNG = max(rung for rung, _ in MOVES.values())

#: Rung of each move scaled to 0..1, indexed by the move's value.
RUNG_SCALED = np.array([MOVES[a][0] / TOP_RUNG for a in Action], dtype=np.float64)


def meaning(action: Action) -> str:
    """One-line description of what the move does."""
    return MOVES[action][1]
