"""Summary statistics of runs: what a calibration case's patterns are stated in (`sim.calibration.patterns`).

A statistic is read off one run as it is played (`Crisis`, turn by turn): the first turn an actor plays a
move, how often it plays it, the rounds of talks of a pair, the first turn an actor has missiles fielded,
its missiles at the end, agreements signed, whether anyone gave notice, whether the crisis broke down.
A first turn that never came is ``turns + 1``. The kinds (`KINDS`) and what each needs (`NEEDS`) are the
vocabulary of a patterns file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.core.actions import Action
from sim.core.scenario import Scenario
from sim.engine.crisis import Crisis

#: kind -> what its pattern names besides the kind: "actor", "move", "with" (a second actor)
NEEDS: dict[str, tuple[str, ...]] = {
    "first_move": ("actor", "move"),      # the first turn the actor played the move (turns + 1: never)
    "moves": ("actor", "move"),           # the turns it played it
    "rounds": ("actor", "with"),          # the turns both played dialogue: rounds of talks of the pair
    "first_fielded": ("actor",),          # the first turn it had missiles fielded (turns + 1: never)
    "missiles_end": ("actor",),           # its missiles fielded after the last turn
    "complied": ("actor",),               # the turns it conceded a dispute (comply, or an agreement's concession)
    "agreements": (),                     # the turns on which some pair signed terms
    "notice": (),                         # 1 if anyone gave notice under the treaty, else 0
    "incident": (),                       # 1 if the crisis broke down, else 0
}
KINDS = tuple(NEEDS)


@dataclass(frozen=True)
class Statistic:
    """One summary statistic: its kind (`KINDS`) and the actors (indices) and move it reads."""

    kind: str
    actor: int = -1
    move: int = -1
    other: int = -1


def simulate(scn: Scenario, seed: int, replicas: Sequence[int] | np.ndarray,
             statistics: Sequence[Statistic]) -> np.ndarray:
    """[R, S] values of `statistics` in runs `replicas` of seed `seed` (run r draws from its own stream)."""
    crisis = Crisis(scn, seed, np.asarray(replicas, dtype=np.int64))
    turns, r = crisis.turns, len(crisis.replicas)
    moves = np.full((r, turns, crisis.n_actors), -1, dtype=np.int64)
    fielded = np.zeros((r, turns, crisis.n_actors), dtype=np.int64)
    complied = np.zeros((r, turns, crisis.n_actors), dtype=bool)
    agreed = np.zeros((r, turns), dtype=bool)
    notice = np.zeros(r, dtype=bool)
    incident = np.zeros(r, dtype=bool)
    rows = np.arange(r)
    while not crisis.finished:
        t = crisis.turn
        played, outcome = crisis.resolve(crisis.decide_all())
        moves[rows, t] = played
        fielded[rows, t] = crisis.state.missiles
        complied[rows, t] = outcome.complied
        agreed[rows, t] = outcome.agreement.any(axis=1)
        notice[rows] |= outcome.notice.any(axis=1)
        ended = crisis.state.incident
        if ended.any():
            incident[rows[ended]] = True
            fielded[rows[ended], t:] = crisis.state.missiles[ended][:, None, :]
            crisis.drop_ended()
            rows = rows[~ended]
    out = np.empty((r, len(statistics)))
    for k, stat in enumerate(statistics):
        out[:, k] = _value(stat, moves, fielded, complied, agreed, notice, incident, turns)
    return out


def _value(stat: Statistic, moves: np.ndarray, fielded: np.ndarray, complied: np.ndarray, agreed: np.ndarray,
           notice: np.ndarray, incident: np.ndarray, turns: int) -> np.ndarray:
    """[R] values of one statistic from a batch's record ([R, T, N] moves of turns 1..T, and the rest)."""
    if stat.kind in ("first_move", "first_fielded"):
        hit = moves[:, :, stat.actor] == stat.move if stat.kind == "first_move" else fielded[:, :, stat.actor] > 0
        return np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, turns + 1)
    if stat.kind == "moves":
        return (moves[:, :, stat.actor] == stat.move).sum(axis=1)
    if stat.kind == "rounds":
        talk = int(Action.DIALOGUE)
        return ((moves[:, :, stat.actor] == talk) & (moves[:, :, stat.other] == talk)).sum(axis=1)
    if stat.kind == "missiles_end":
        return fielded[:, -1, stat.actor]
    if stat.kind == "complied":
        return complied[:, :, stat.actor].sum(axis=1)
    if stat.kind == "agreements":
        return agreed.sum(axis=1)
    if stat.kind == "notice":
        return notice.astype(float)
    return incident.astype(float)
