"""The moves and the one table of what each is: its rung, meaning, colour, narration and legality.

Everything that shows or reasons about moves reads this table: the legal-move mask, plots, the play
screens, narration and the debrief; the kernel reads the same codes from `sim.core.codes`. Adding a move
touches `sim.core.codes`, this table, its step in `sim/kernel/dynamics.py` and `docs/ODD.md`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from sim.core import codes
from sim.core.codes import N_MOVES


class Action(IntEnum):
    """A move an actor can make in one turn (the value is its column in every move array)."""

    DIALOGUE = codes.DIALOGUE
    HOLD = codes.HOLD
    COMPLY = codes.COMPLY
    ULTIMATUM = codes.ULTIMATUM
    WITHDRAWAL = codes.WITHDRAWAL
    DEVELOP = codes.DEVELOP
    DEPLOYMENT = codes.DEPLOYMENT

    @property
    def label(self) -> str:
        """Lower-case name used in scenario files and outputs."""
        return self.name.lower()

    @property
    def spec(self) -> MoveSpec:
        return MOVES[self]

    @classmethod
    def parse(cls, name: str) -> Action:
        """The move called `name` (case-insensitive); ValueError listing the moves otherwise."""
        try:
            return cls[str(name).strip().upper()]
        except KeyError:
            raise ValueError(f"unknown move {name!r}; allowed: {', '.join(MOVE_NAMES)}") from None


class Condition(IntEnum):
    """A condition of a move's legality (the value is its code in `sim.core.codes`)."""

    ALWAYS = codes.ALWAYS
    CAN_MEET_DEMAND = codes.CAN_MEET_DEMAND
    NO_OPEN_ULTIMATUM = codes.NO_OPEN_ULTIMATUM
    ADVERSARY_DEMANDABLE = codes.ADVERSARY_DEMANDABLE
    CAN_WITHDRAW = codes.CAN_WITHDRAW
    OWNER = codes.OWNER
    BELOW_PRODUCTION = codes.BELOW_PRODUCTION
    STAGE_COMPLETE = codes.STAGE_COMPLETE
    CAN_FIELD = codes.CAN_FIELD

    @property
    def text(self) -> str:
        """The condition in words (briefings, materials)."""
        return CONDITION_TEXT[self]


CONDITION_TEXT = {
    Condition.ALWAYS: "always",
    Condition.CAN_MEET_DEMAND: "the actor is in dispute under a live treaty, or an ultimatum demands that it remove "
                               "its missiles or halt its programme",
    Condition.NO_OPEN_ULTIMATUM: "the actor has no open ultimatum of its own",
    Condition.ADVERSARY_DEMANDABLE: "an adversary is in dispute under a live treaty, has missiles that reach the "
                                    "actor's side, or a programme in tests, production or ready",
    Condition.CAN_WITHDRAW: "a treaty party still bound by the treaty (in force or under notice) that has not "
                            "given notice, or a host that consents to host its leader's missiles",
    Condition.OWNER: "the actor can own missiles",
    Condition.BELOW_PRODUCTION: "its programme is not yet in production",
    Condition.STAGE_COMPLETE: "its current stage is complete",
    Condition.CAN_FIELD: "an owner whose system is ready, or a host that has not consented whose leader has or is "
                         "producing missiles",
}


@dataclass(frozen=True)
class MoveSpec:
    """One row of the move table."""

    rung: int          # ordinal escalation of the move itself (0 lowest); reciprocity rules compare rungs
    meaning: str       # what it does, one line
    legal_when: tuple[Condition, ...]   # offered when all hold (the kernel's legal-move mask reads these)
    verb: str          # narration: "<actor> <verb>"
    colour: str        # plots and screens
    commitment: bool = False   # binding and costly to undo: the quantal rule makes it only as a best response

    @property
    def offered_when(self) -> str:
        """When the move is offered, in words."""
        return "; ".join(c.text for c in self.legal_when)


#: The one table.
MOVES: dict[Action, MoveSpec] = {
    Action.DIALOGUE: MoveSpec(
        0, "offer talks; when two adversaries both offer, they hold a round toward an agreement",
        (Condition.ALWAYS,), "offers talks", "#0072b2"),
    Action.HOLD: MoveSpec(
        1, "keep the current posture", (Condition.ALWAYS,), "holds", "#cccccc"),
    Action.COMPLY: MoveSpec(
        0, "meet the demands on it verifiably: eliminate disputed missiles, remove missiles in range, halt a "
           "programme (meets the ultimatums)",
        (Condition.CAN_MEET_DEMAND,), "complies verifiably",
        "#009e73", commitment=True),
    Action.ULTIMATUM: MoveSpec(
        2, "publicly demand that an adversary comply with the treaty, remove its missiles in range or halt its "
           "programme before a deadline, or face the threatened act",
        (Condition.NO_OPEN_ULTIMATUM, Condition.ADVERSARY_DEMANDABLE),
        "issues an ultimatum", "#e69f00", commitment=True),
    Action.WITHDRAWAL: MoveSpec(
        3, "give notice to leave the treaty (it ends after the notice period); for a host, withdraw its consent "
           "to host its leader's missiles",
        (Condition.CAN_WITHDRAW,), "gives notice to withdraw",
        "#d55e00", commitment=True),
    Action.DEVELOP: MoveSpec(
        3, "advance the missile programme to its next stage: development, flight tests, production",
        (Condition.OWNER, Condition.BELOW_PRODUCTION, Condition.STAGE_COMPLETE),
        "advances its missile programme", "#cc79a7", commitment=True),
    Action.DEPLOYMENT: MoveSpec(
        4, "order a battalion of a ready system (arrives after the lag); for a host, consent to host its "
           "leader's missiles",
        (Condition.CAN_FIELD,), "orders missiles", "#882255", commitment=True),
}
HOST_VERB = "consents to host its ally's missiles"
HOST_REVOKE_VERB = "withdraws its consent to host its ally's missiles"

MOVE_NAMES: tuple[str, ...] = tuple(a.label for a in Action)
RUNGS = np.array([MOVES[a].rung for a in Action], dtype=np.int64)
#: [M, K] the conditions of each move's legality, padded with ALWAYS: what the kernel reads
LEGALITY = np.array([[*MOVES[a].legal_when, *[Condition.ALWAYS] * (3 - len(MOVES[a].legal_when))] for a in Action],
                    dtype=np.int64)
#: [M] bool: the moves that commit (every move but dialogue and hold)
COMMITMENTS = np.array([MOVES[a].commitment for a in Action], dtype=bool)
COLOURS: dict[str, str] = {a.label: MOVES[a].colour for a in Action}


def meaning(action: Action) -> str:
    """One-line description of what the move does."""
    return MOVES[action].meaning

assert len(Action) == N_MOVES

STAGE_WORDS = {"none": "no programme", "development": "in development", "flight_test": "in flight tests",
               "production": "in production", "ready": "ready to field"}
