"""What game are the actors in? The one-turn game between the adversary pair, its equilibria and its class.

The game is read off the model by `sim.analysis.stage_game.matrices` (each player's own payoff this turn plus the
look-ahead's future value, `sim.kernel.lookahead.counterfactual_values`, over its legal moves; there is no
second payoff model), at one point of the crisis: the scenario's start, or the state the median run
reaches at a turn. Every actor outside the pair, allies included, plays the move its scenario rule
makes there (the modal move of a stochastic rule); no payoff is added to a leader's. This module finds
the game's Nash equilibria with nashpy, its dominant and dominated moves and Pareto-optimal cells,
reduces it to restrain (dialogue) against arm (the most escalatory legal arming move) and names its
class (or calls it degenerate); then does the same along the median run (`over_time`) and, at the
start, over a grid of two to four scenario parameters (`region`: the share of the grid where each class
holds, where that is in words, and whether the scenario's class is robust there). It also says whether
each leader's rule reads the values the game is made of (`Play`): where it does not, the payoffs describe
incentives, not play. docs/analysis.md explains the choices and the figures.
"""

from __future__ import annotations

import copy
import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import __version__
from sim.analysis import stage_game as game
from sim.analysis.equilibria import (
    CLASSES,
    Dominance,
    Equilibria,
    GameClass,
    SideClass,
    classify,
    dominance,
    equilibria,
    pareto_optimal,
)
from sim.core.actions import MOVE_NAMES, Action
from sim.core.codes import TREATY_NAMES
from sim.core.errors import SimError
from sim.core.params import Params, compile_schedule
from sim.core.scenario import Scenario, value_at
from sim.core.state import State
from sim.engine.crisis import Crisis
from sim.engine.initial import initial_state

if TYPE_CHECKING:
    from sim.rules.base import Rule, TurnView


@dataclass(frozen=True)
class Sides:
    """The two players, the first actor and its first adversary, and who is allied to whom.

    Allies are listed after their leader for the report; they are not players of the game and their
    payoffs are not counted: they play their rule's move, like everyone else outside the pair.
    """

    ids: tuple[str, ...]
    row: tuple[int, ...]       # leader first, then allies
    col: tuple[int, ...]
    neutral: tuple[int, ...]   # allied to neither leader (or to both)

    @property
    def row_id(self) -> str:
        return self.ids[self.row[0]]

    @property
    def col_id(self) -> str:
        return self.ids[self.col[0]]

    @property
    def others(self) -> tuple[int, ...]:
        """Every actor outside the pair: allies, then neutrals."""
        return (*self.row[1:], *self.col[1:], *self.neutral)

    def describe(self, side: tuple[int, ...]) -> str:
        """'US (ally NATO)' or 'RU'."""
        allies = [self.ids[i] for i in side[1:]]
        word = "ally" if len(allies) == 1 else "allies"
        return self.ids[side[0]] + (f" (with {word} {', '.join(allies)})" if allies else "")

    def as_dict(self) -> dict:
        return {"row": {"leader": self.row_id, "allies": [self.ids[i] for i in self.row[1:]]},
                "col": {"leader": self.col_id, "allies": [self.ids[i] for i in self.col[1:]]},
                "neutral": [self.ids[i] for i in self.neutral]}


def sides_of(scn: Scenario) -> Sides:
    """The scenario's adversary pair and their allies.

    An ally of a leader is an actor that names the leader among its allies, or that the leader names.
    An actor allied to both leaders stays neutral.
    """
    ids = tuple(scn.actor_ids)
    leader, adversary = scn.adversary_pair()
    row, col = ids.index(leader), ids.index(adversary)

    def allied(leader: int, j: int) -> bool:
        return ids[leader] in scn.actors[j].allies or ids[j] in scn.actors[leader].allies

    others = [j for j in range(len(ids)) if j not in (row, col)]
    row_allies = [j for j in others if allied(row, j) and not allied(col, j)]
    col_allies = [j for j in others if allied(col, j) and not allied(row, j)]
    neutral = [j for j in others if j not in row_allies and j not in col_allies]
    return Sides(ids, (row, *row_allies), (col, *col_allies), tuple(neutral))


@dataclass(frozen=True)
class Point:
    """Where the game is read: the state after `turn` turns (0: the start), before turn + 1."""

    turn: int
    date: date
    state: State            # one replica
    params: Params          # in force on turn + 1
    source: str             # "the scenario's start" or "run 87, the median of 200 runs (seed 1)"
    rules: tuple = ()       # every actor's rule as it stands then (fresh at the start)


def _params_for(scn: Scenario, turn: int) -> Params:
    return compile_schedule(scn).params_at(turn)


def _fresh_rules(scn: Scenario) -> tuple:
    from sim.rules.registry import make_rule

    meta = scn.scenario
    return tuple(make_rule(a.rule, i, meta.start_date, meta.turn_days) for i, a in enumerate(scn.actors))


def start_point(scn: Scenario) -> Point:
    """The scenario's start: the same in every run."""
    schedule = compile_schedule(scn)
    lag_slots = max(p.pipeline_len for _, p in schedule.epochs)   # as Crisis builds it
    state = initial_state(scn, schedule.params_at(0), 1, lag_slots)
    return Point(0, scn.date_of(0), state, schedule.params_at(1), "the scenario's start", _fresh_rules(scn))


@dataclass
class MedianRun:
    """The median run of an ensemble: the run whose mean escalation is the median (as in summary.json)."""

    run: int
    runs: int
    seed: int
    turns: int
    summary: dict           # the summary.json of the ensemble

    @property
    def source(self) -> str:
        return f"run {self.run}, the median of {self.runs} runs (seed {self.seed})"


def median_run(scn: Scenario, seed: int, runs: int, turns: int, jobs: int = 1) -> MedianRun:
    """Run the ensemble and pick its median run, with the definition of `sim.output.results.Summary`."""
    from sim.engine.ensemble import default_batch_size, iter_batches
    from sim.output.results import Summary

    summary = Summary(scn, seed, turns)
    for chunk in iter_batches(scn, seed, runs, turns, batch_size=default_batch_size(runs, jobs), jobs=jobs,
                              formatted=False):
        summary.add(chunk.batch)
    as_dict = summary.as_dict(runs)
    return MedianRun(int(as_dict["median_run"]), runs, seed, turns, as_dict)


@dataclass(frozen=True)
class Replayed:
    """One state of a replayed run: after `turn` turns, and the moves played on the next turn."""

    turn: int
    state: State
    next_moves: np.ndarray | None     # [N] moves of turn + 1, None if the run stops here
    rules: tuple = ()                 # the rules as they stood before turn + 1 (copies)


def replay(scn: Scenario, seed: int, run: int, turns: int) -> Iterator[Replayed]:
    """The states of run `run` of seed `seed`, turn by turn, rebuilt with the same Crisis as the ensemble.

    Stops after `turns` turns or at the turn of an incident (the run ends there).
    """
    crisis = Crisis(scn, seed, [run], turns)
    state = crisis.state.copy()
    while not crisis.finished and not state.incident[0]:
        turn = crisis.turn
        rules = tuple(copy.deepcopy(crisis.rules))
        moves, _ = crisis.resolve(crisis.decide_all())
        yield Replayed(turn, state, moves[0].copy(), rules)
        state = crisis.state.copy()
    yield Replayed(crisis.turn, state, None, tuple(copy.deepcopy(crisis.rules)))


def point_at(scn: Scenario, turn: int, median: MedianRun | None) -> Point:
    """The state the median run reaches after `turn` turns (turn 0 is the start, the same for every run)."""
    if turn == 0 or median is None:
        return start_point(scn)
    for step in replay(scn, median.seed, median.run, median.turns):
        if step.state.incident[0]:
            raise SimError(f"--turn {turn}: the median run (run {median.run}) broke down in an incident on turn "
                           f"{step.turn} ({scn.date_of(step.turn)}); allowed: 0 to {step.turn - 1}")
        if step.turn == turn:
            return Point(turn, scn.date_of(turn), step.state, _params_for(scn, turn + 1), median.source, step.rules)
    raise SimError(f"--turn {turn}: beyond the median run's last turn {step.turn}; allowed: 0 to {step.turn}")


def turn_of_date(scn: Scenario, when: date, turns: int) -> int:
    """The last turn on or before `when`: the state in force on that date."""
    start, end = scn.date_of(0), scn.date_of(turns)
    if not start <= when <= end:
        raise SimError(f"--date {when}: outside the scenario {scn.name}; allowed: {start} to {end}")
    return (when - start).days // scn.scenario.turn_days


def check_turn(scn: Scenario, turn: int, turns: int) -> None:
    if not 0 <= turn <= turns:
        raise SimError(f"--turn {turn}: beyond the scenario {scn.name}; allowed: 0 to {turns} "
                       f"(0 is the start, {scn.date_of(0)}; {turns} is {scn.date_of(turns)})")


# ---------------------------------------------------------------- the moves of the others

#: Draws over which a stochastic rule's modal move is found (midpoints of equal slices of [0, 1)).
MODAL_DRAWS = 64


def rule_move(rule: Rule, view: TurnView) -> tuple[int, str]:
    """The move `rule` makes in the one-replica `view`, and how it was found.

    A deterministic rule's move; for a stochastic rule its modal move: for quantal response (and
    best response) the legal move of highest value, which the logit makes the most likely; for any
    other the most frequent move over MODAL_DRAWS evenly spaced draws. A rule that needs a person
    holds. The rule is copied first: deciding can initialise its memory.
    """
    from sim.rules.quantal import Quantal

    if rule.classifier.get("needs_human") is True:
        return int(Action.HOLD), "a person's seat: hold"
    rule = copy.deepcopy(rule)
    legal = view.legal()[0, rule.actor]
    if isinstance(rule, Quantal):
        values = np.where(legal, view.values()[0, rule.actor], -np.inf)
        return int(np.argmax(values)), "the modal move of its rule (highest value)"
    if rule.classifier.get("stochastic") is False:
        return int(rule.decide(view, np.array([0.5]))[0]), "its rule's move"
    draws = (np.arange(MODAL_DRAWS) + 0.5) / MODAL_DRAWS
    seen = Counter(int(rule.decide(view, np.array([u]))[0]) for u in draws)
    return min(seen, key=lambda m: (-seen[m], m)), "the modal move of its rule"


def rule_moves(scn: Scenario, point: Point, actors: tuple[int, ...]) -> dict[int, tuple[int, str]]:
    """The move each of `actors` plays on the deciding turn by its rule (`rule_move`), and how it was found.

    An event that forces an actor's move on that turn (where it is legal) wins over its rule, as in
    the runs.
    """
    from sim.rules.base import TurnView

    if not actors:
        return {}
    turn = point.turn + 1
    rules = point.rules or _fresh_rules(scn)
    needs = np.array([getattr(r, "reads_values", False) and i in actors for i, r in enumerate(rules)])
    view = TurnView(point.state, point.params, turn, scn.date_of(turn), needs)
    own = [i for i in actors if rules[i].has_beliefs]
    if own:
        beliefs = point.state.beliefs.copy()
        for i in own:
            beliefs[:, i] = copy.deepcopy(rules[i]).own_beliefs(view)[:, :, None, :]
        view.beliefs = beliefs
    forced = dict(compile_schedule(scn).forced.get(turn, ()))
    out = {}
    for i in actors:
        if i in forced and view.legal()[0, i, forced[i]]:
            out[i] = (int(forced[i]), "forced by an event")
        else:
            out[i] = rule_move(rules[i], view)
    return out


def held_moves(scn: Scenario, point: Point, sides: Sides) -> tuple[np.ndarray, dict[int, str]]:
    """[N] the move every actor outside the pair plays on the deciding turn, and how each was found.

    The leaders' entries are hold (the game varies them).
    """
    fixed = np.full(len(sides.ids), int(Action.HOLD), dtype=np.int64)
    how: dict[int, str] = {}
    for i, (move, found) in rule_moves(scn, point, sides.others).items():
        fixed[i], how[i] = move, found
    return fixed, how


@dataclass(frozen=True)
class Play:
    """How a leader's move is decided in the runs at a point: its rule, and whether that rule reads the
    look-ahead values the game's cells are made of."""

    actor: str
    rule: str                 # the scenario's name for it (a preset such as reciprocal_measures, or a rule)
    reads_values: bool        # whether the rule decides by the look-ahead values (quantal, best response, ...)
    move: int                 # the rule's move here (its modal move, or a forced one)
    how: str

    @property
    def by_values(self) -> bool:
        """Whether the game's payoffs drive this leader's play: its rule reads them and no event forces it."""
        return self.reads_values and self.how != "forced by an event"

    def note(self, where: str = "here") -> str:
        """One sentence on what this leader's payoffs say about its play (`where`: at the point)."""
        move = MOVE_NAMES[self.move]
        if self.how == "forced by an event":
            return (f"{self.actor}'s move on this turn is forced by an event ({move}): its payoffs describe its "
                    "incentives, not its play.")
        if self.how.startswith("a person's seat"):
            return f"{self.actor} is played by a person: its payoffs describe its incentives, not its play."
        if self.reads_values:
            return (f"{self.actor} plays {self.rule}, which chooses by these look-ahead values: its payoffs "
                    f"drive its play (its rule's likeliest move {where}: {move}).")
        return (f"{self.actor} plays {self.rule}, a rule that does not read these values: its payoffs describe "
                f"its incentives, not its play (its rule plays {move} {where}).")

    def as_dict(self) -> dict:
        return {"rule": self.rule, "reads_values": self.reads_values, "payoffs_drive_play": self.by_values,
                "rule_move": MOVE_NAMES[self.move], "how": self.how, "note": self.note()}


def leader_play(scn: Scenario, point: Point, sides: Sides) -> tuple[Play, Play]:
    """How each leader's move is decided at `point` (see `Play`)."""
    rules = point.rules or _fresh_rules(scn)
    leaders = (sides.row[0], sides.col[0])
    moves = rule_moves(scn, point, leaders)
    out = []
    for i in leaders:
        spec = scn.actors[i].rule
        name = spec.get("name", rules[i].name) if isinstance(spec, dict) else rules[i].name
        label = name if name == rules[i].name else f"{name} (rule {rules[i].name})"
        out.append(Play(sides.ids[i], label, bool(getattr(rules[i], "reads_values", False)), *moves[i]))
    return out[0], out[1]


# ---------------------------------------------------------------- the game at one point


@dataclass
class StageGame:
    """The game at a point: each leader's own value for every pair of their legal moves."""

    scenario: Scenario
    sides: Sides
    point: Point
    row: np.ndarray                  # [rows, cols] row leader's payoff plus future value
    col: np.ndarray                  # [rows, cols] column leader's
    row_moves: tuple[int, ...]       # the row leader's legal moves (codes), one per row
    col_moves: tuple[int, ...]
    fixed: np.ndarray                # [N] the moves of everyone outside the pair
    how: dict[int, str] = field(default_factory=dict)
    play: tuple[Play, Play] | None = None   # how each leader's move is decided in the runs here

    @property
    def deciding_turn(self) -> int:
        return self.point.turn + 1

    def cell(self, i: int, j: int) -> tuple[int, int]:
        """The move codes of cell (i, j)."""
        return self.row_moves[i], self.col_moves[j]

    def names(self, player: str) -> list[str]:
        return [MOVE_NAMES[m] for m in (self.row_moves if player == "row" else self.col_moves)]

    def held(self) -> dict[str, str]:
        """The others' moves by actor id."""
        return {self.sides.ids[i]: MOVE_NAMES[int(self.fixed[i])] for i in self.sides.others}


def stage_game(scn: Scenario, point: Point, sides: Sides | None = None) -> StageGame:
    """The game at `point`, read off the look-ahead with `sim.analysis.stage_game.matrices`."""
    sides = sides or sides_of(scn)
    fixed, how = held_moves(scn, point, sides)
    a, b, rm, cm = game.matrices(point.state, point.params, point.turn + 1, sides.row[0], sides.col[0], fixed)
    return StageGame(scn, sides, point, a, b, rm, cm, fixed, how, leader_play(scn, point, sides))


@dataclass
class Reduction:
    """The game reduced to restrain against escalate (each player's arming move, where it has one)."""

    restrain: tuple[int, int]          # (row's move, column's move)
    escalate: tuple[int, int]
    arming: tuple[bool, bool]          # whether each escalate move is an arming move
    row: game.Reduced
    col: game.Reduced
    cls: GameClass

    def words(self, sides: Sides) -> str:
        """'restrain = dialogue; escalate: US withdrawal (no arming move legal), RU deployment'."""
        parts = []
        for who, m, arms in ((sides.row_id, self.escalate[0], self.arming[0]),
                             (sides.col_id, self.escalate[1], self.arming[1])):
            parts.append(f"{who} {MOVE_NAMES[m]}{'' if arms else ' (no arming move is legal)'}")
        return f"restrain = {MOVE_NAMES[self.restrain[0]]}; escalate: {', '.join(parts)}"

    def as_dict(self, sides: Sides) -> dict:
        def side(r: game.Reduced, c: SideClass, k: int) -> dict:
            return {"restrain": MOVE_NAMES[self.restrain[k]], "escalate": MOVE_NAMES[self.escalate[k]],
                    "escalate_is_arming": self.arming[k],
                    "T": round(r.T, 6), "R": round(r.R, 6), "P": round(r.P, 6), "S": round(r.S, 6),
                    "class": c.name, "ties": list(c.ties), "between": list(c.between)}
        return {"restrain": MOVE_NAMES[self.restrain[0]],
                "sides": {sides.row_id: side(self.row, self.cls.row, 0), sides.col_id: side(self.col, self.cls.col, 1)},
                "class": self.cls.name, "label": self.cls.label(sides.row_id, sides.col_id),
                "meaning": self.cls.meaning(sides.row_id, sides.col_id)}


def escalate_moves(row_moves: tuple[int, ...], col_moves: tuple[int, ...]) -> tuple[tuple[int, int], tuple[bool, bool]]:
    (er, ar), (ec, ac) = game.arming_move(row_moves), game.arming_move(col_moves)
    return (er, ec), (ar, ac)


def reduction(g: StageGame, restrain: Action = game.RESTRAIN) -> Reduction:
    """The 2 x 2 reduction of `g`: restrain = `restrain` (dialogue by default) for both, escalate =
    each player's arming move (`sim.analysis.stage_game.arming_move`)."""
    return reduction_of(g.row, g.col, g.row_moves, g.col_moves, restrain)


def reduction_of(a: np.ndarray, b: np.ndarray, row_moves: tuple[int, ...], col_moves: tuple[int, ...],
                 restrain: Action = game.RESTRAIN) -> Reduction:
    """The reduction of matrices a, b over the moves `row_moves` x `col_moves` (codes)."""
    esc, arming = escalate_moves(row_moves, col_moves)
    res = (int(restrain), int(restrain))
    row, col = game.reduce(a, b, row_moves, col_moves, res, esc)
    escalates = (esc[0] not in game.RESTRAINING, esc[1] not in game.RESTRAINING)
    return Reduction(res, esc, arming, row, col, classify(row, col, escalates=escalates))


@dataclass
class Analysis:
    """Everything `analyze` reports about the game at one point."""

    game: StageGame
    equilibria: Equilibria
    dominance: tuple[Dominance, Dominance]
    pareto: list[tuple[int, int]]      # cells (row index, column index) into the matrices
    reduced: Reduction                 # restrain = dialogue: the class of the game
    alternative: Reduction             # restrain = hold
    notes: list[str] = field(default_factory=list)
    region: Region | None = None       # where the class holds over a grid of parameters (at the start)

    @property
    def cls(self) -> GameClass:
        return self.reduced.cls

    def as_dict(self) -> dict:
        g, s = self.game, self.game.sides
        scn, pt = g.scenario, g.point
        return {
            "scenario": scn.name, "title": scn.scenario.title, "version": __version__,
            "point": {"turn": pt.turn, "date": pt.date.isoformat(), "deciding_turn": g.deciding_turn,
                      "deciding_date": scn.date_of(g.deciding_turn).isoformat(), "state": pt.source,
                      "escalation": round(float(pt.state.escalation[0]), 4),
                      "treaty": TREATY_NAMES[int(pt.state.treaty[0])]},
            "players": s.as_dict(),
            "fold": FOLD_RULE,
            "others": {s.ids[i]: {"move": MOVE_NAMES[int(g.fixed[i])], "how": g.how.get(i, "")} for i in s.others},
            "moves": {"row": g.names("row"), "col": g.names("col")},
            "payoffs": {"row": _rounded(g.row), "col": _rounded(g.col),
                        "note": "payoffs[player][row move][column move] over the legal moves in 'moves': the "
                                "leader's own payoff this turn plus future value (the look-ahead), utility units"},
            "equilibria": [e.as_dict() for e in self.equilibria.found],
            "vertex_enumeration": None if self.equilibria.vertex is None else {
                "agrees": self.equilibria.agree, "equilibria": [e.as_dict() for e in self.equilibria.vertex]},
            "degenerate": self.equilibria.degenerate,
            "ties_off_path": self.equilibria.ties_off_path,
            "notes": [*self.equilibria.notes, *self.notes],
            "dominance": {s.row_id: self.dominance[0].as_dict(), s.col_id: self.dominance[1].as_dict()},
            "pareto_optimal": [[MOVE_NAMES[m] for m in g.cell(i, j)] for i, j in self.pareto],
            "reduction": self.reduced.as_dict(s),
            "reduction_hold": self.alternative.as_dict(s),
            "class": self.cls.name,
            "meaning": self.cls.meaning(s.row_id, s.col_id),
            "play": {p.actor: p.as_dict() for p in g.play or ()},
            "region": None if self.region is None else self.region.summary(),
        }


FOLD_RULE = ("two players: the first actor and its first adversary, each with its own payoff this turn plus "
             "future value (sim.kernel.lookahead.counterfactual_values) over its legal moves; allies' payoffs are not "
             "added; every other actor, allies included, plays its rule's move (a stochastic rule's modal "
             "move) or a forced move (sim.analysis.stage_game.matrices)")


def _rounded(m: np.ndarray) -> list:
    return np.round(np.asarray(m, dtype=float), 6).tolist()


def analyze(g: StageGame, cross_check: bool = True) -> Analysis:
    """Equilibria, dominance, Pareto-optimal cells and class of a stage game."""
    notes = []
    forced = compile_schedule(g.scenario).forced.get(g.deciding_turn, ())
    for actor, move in forced:
        if actor in (g.sides.row[0], g.sides.col[0]):
            notes.append(f"an event forces {g.sides.ids[actor]} to play {MOVE_NAMES[move]} on turn "
                         f"{g.deciding_turn}: the runs do not choose that move")
    moves = (g.row_moves, g.col_moves)
    return Analysis(g, equilibria(g.row, g.col, cross_check, *moves), dominance(g.row, g.col, *moves),
                    pareto_optimal(g.row, g.col), reduction(g, Action.DIALOGUE), reduction(g, Action.HOLD), notes)


# ---------------------------------------------------------------- along the median run


@dataclass
class TurnGame:
    """The game played on turn `turn` + 1 of the median run, from its state after turn `turn`."""

    turn: int
    date: date
    escalation: float
    treaty: str
    reduced: Reduction
    equilibria: Equilibria
    played: tuple[int, int]            # the leaders' moves on turn `turn` + 1 in the median run
    held: dict[str, str] = field(default_factory=dict)   # the others' moves in the game


@dataclass
class OverTime:
    """The game along the median run, and the run's escalation (turn, index) until it ends."""

    scenario: Scenario
    sides: Sides
    median: MedianRun
    turns: list[TurnGame]
    trajectory: list[tuple[int, float]]
    incident_turn: int | None
    play: tuple[Play, ...] = ()        # how the leaders decide, at the start of the run

    def label(self, t: TurnGame) -> str:
        return t.reduced.cls.label(self.sides.row_id, self.sides.col_id)

    def start_holds(self) -> list[int]:
        """The games (turn played, 1 = the first) whose class is the start's."""
        if not self.turns:
            return []
        first = self.label(self.turns[0])
        return [t.turn + 1 for t in self.turns if self.label(t) == first]

    def counts(self) -> dict[str, int]:
        """Turns whose reduction is degenerate (no class), whose equilibria are degenerate, and whose only
        ties are off the equilibrium path (they change no equilibrium)."""
        return {"games": len(self.turns),
                "degenerate_class": sum(t.reduced.cls.degenerate for t in self.turns),
                "degenerate_equilibria": sum(t.equilibria.degenerate for t in self.turns),
                "ties_off_path_only": sum(bool(t.equilibria.ties_off_path) and not t.equilibria.degenerate
                                          for t in self.turns)}

    def phases(self) -> list[tuple[int, int]]:
        """Index ranges [first, last] into `turns` of consecutive games with the same class label and
        the same escalate moves."""
        out: list[tuple[int, int]] = []
        key = lambda t: (self.label(t), t.reduced.escalate)  # noqa: E731
        for k, t in enumerate(self.turns):
            if out and key(self.turns[out[-1][0]]) == key(t):
                out[-1] = (out[-1][0], k)
            else:
                out.append((k, k))
        return out

    def in_support(self, player: str) -> float:
        """Share of turns on which the leader played a move of some equilibrium's support."""
        k = 0 if player == "row" else 1
        hits = [t.equilibria.support(player)[t.played[k]] > 0 for t in self.turns]
        return float(np.mean(hits)) if hits else 0.0

    def as_dict(self) -> dict:
        s, m = self.sides, self.median
        return {
            "scenario": self.scenario.name, "title": self.scenario.scenario.title, "version": __version__,
            "seed": m.seed, "runs": m.runs, "turns": m.turns, "median_run": m.run,
            "incident_turn": self.incident_turn,
            "players": s.as_dict(), "fold": FOLD_RULE, "restrain": "dialogue",
            "escalate": "each leader's most escalatory legal arming move (else its most escalatory legal move)",
            "note": "entry t: the game played on turn t + 1 from the state of the median run after turn t",
            "start_class_holds_on_turns": self.start_holds(),
            "counts": self.counts(),
            "play": {p.actor: p.as_dict() for p in self.play},
            "share_played_in_equilibrium_support": {s.row_id: round(self.in_support("row"), 4),
                                                    s.col_id: round(self.in_support("col"), 4)},
            "per_turn": [{
                "turn": t.turn, "date": t.date.isoformat(), "escalation": round(t.escalation, 4),
                "treaty": t.treaty, "class": t.reduced.cls.name, "label": self.label(t),
                "escalate": {s.row_id: MOVE_NAMES[t.reduced.escalate[0]], s.col_id: MOVE_NAMES[t.reduced.escalate[1]]},
                "others": t.held,
                "reduction": t.reduced.as_dict(s)["sides"],
                "equilibria": [e.as_dict() for e in t.equilibria.found],
                "degenerate": t.equilibria.degenerate,
                "ties_off_path": t.equilibria.ties_off_path,
                "vertex_enumeration_agrees": t.equilibria.agree,
                "support_row": _rounded(t.equilibria.support("row")),
                "support_col": _rounded(t.equilibria.support("col")),
                "played_next": [MOVE_NAMES[t.played[0]], MOVE_NAMES[t.played[1]]],
            } for t in self.turns],
        }


def over_time(scn: Scenario, median: MedianRun, sides: Sides | None = None) -> OverTime:
    """The class and equilibria of the game on every turn the median run plays."""
    sides = sides or sides_of(scn)
    games, trajectory, incident = [], [], None
    for step in replay(scn, median.seed, median.run, median.turns):
        trajectory.append((step.turn, float(step.state.escalation[0])))
        if step.next_moves is None:
            incident = step.turn if step.state.incident[0] else None
            break
        point = Point(step.turn, scn.date_of(step.turn), step.state, _params_for(scn, step.turn + 1),
                      median.source, step.rules)
        g = stage_game(scn, point, sides)
        played = (int(step.next_moves[sides.row[0]]), int(step.next_moves[sides.col[0]]))
        games.append(TurnGame(step.turn, point.date, float(step.state.escalation[0]),
                              TREATY_NAMES[int(step.state.treaty[0])], reduction(g),
                              equilibria(g.row, g.col, True, g.row_moves, g.col_moves), played, g.held()))
    return OverTime(scn, sides, median, games, trajectory, incident, leader_play(scn, start_point(scn), sides))


# ---------------------------------------------------------------- over a grid of parameters

#: The default grid when none is given: the row leader's audience cost and discount, the two values
#: finding 7 of issue "Model 3" found decisive at the start (KEY=LO:HI:N; ROW is the row leader's id).
DEFAULT_GRID = ("actors.{ROW}.payoff.audience_cost=0:6:13", "actors.{ROW}.payoff.discount=0.8:0.99:20")
#: Points per axis of an axis given without its own: as many as keep the grid within this many points...
GRID_POINTS = 5000
#: ... and at most this many per axis (41 x 41 for two axes, 17 for three, 8 for four).
AXIS_POINTS = 41
MAX_AXES = 4


@dataclass(frozen=True)
class Axis:
    """One parameter of the grid: its key, range, grid values and the scenario's own value."""

    key: str
    lo: float
    hi: float
    values: np.ndarray
    base: float
    integer: bool

    def fmt(self, v: float) -> str:
        """A grid value in words, to the grid's step: 0.827 (not 0.827143) for a step of 0.027."""
        step = (self.hi - self.lo) / max(len(self.values) - 1, 1)
        digits = max(0, 1 - math.floor(math.log10(step))) if step > 0 else 6
        return f"{round(float(v), digits):g}"

    @property
    def short(self) -> str:
        """The key in sentences: 'US audience_cost', 'US trust in RU', 'risk.h_max'."""
        parts = self.key.split(".")
        if len(parts) >= 3 and parts[0] == "actors":
            who, rest = parts[1], parts[2:]
            if rest[0] == "payoff" and len(rest) == 2:
                return f"{who} {rest[1]}"
            if rest[0] == "trust" and len(rest) == 2:
                return f"{who} trust in {rest[1]}"
            return f"{who} {'.'.join(rest)}"
        return self.key


def default_points(axes: int) -> int:
    """Points per axis when an axis does not give its own: at most AXIS_POINTS, within GRID_POINTS in all."""
    return min(AXIS_POINTS, int(round(GRID_POINTS ** (1 / axes), 9)))


def grid_specs(scn: Scenario) -> list[str]:
    """The default grid's axes for `scn` (KEY=LO:HI:N), on its row leader."""
    return [spec.replace("{ROW}", sides_of(scn).row_id) for spec in DEFAULT_GRID]


def parse_grid(scn: Scenario, specs: list[str], points: int | None = None, option: str = "--grid",
               check: Callable[[list[int]], object] | None = None) -> list[Axis]:
    """KEY=LO:HI or KEY=LO:HI:N items as the axes of a grid; `points` for an axis without its own N
    (default: `default_points`). One-line errors (SimError) naming `option`. `check` is called with the
    points of each axis before any is built (a memory budget).

    The parsing and the checks are the sweep's (`sim.analysis.sweep.parse_factor`, `check_factors`: a
    numeric scenario key, a finite range LO < HI whose ends the schema accepts, each key once); an integer
    key gets whole numbers (at most N of them).
    """
    from sim.analysis import sweep

    if not 2 <= len(specs) <= MAX_AXES:
        raise SimError(f"{option}: {len(specs)} parameter{'s' if len(specs) != 1 else ''}; allowed: two to "
                       f"{MAX_AXES}, each as {option} KEY=LO:HI[:N]")
    factors, counts = [], []
    for text in specs:
        key, sep, rng = text.partition("=")
        parts = rng.split(":")
        n = points if points is not None else default_points(len(specs))
        if sep and len(parts) == 3:
            try:
                n = int(parts[2])
            except ValueError:
                n = 0
            if n < 2:
                raise SimError(f"{option} {text!r}: N = {parts[2]!r}; allowed: KEY=LO:HI:N with N a whole number "
                               "of points, at least 2")
            text = f"{key}={parts[0]}:{parts[1]}"
        factors.append(_as_option(option, sweep.parse_factor, text))
        counts.append(n)
    checked = _as_option(option, sweep.check_factors, scn, factors)
    if check is not None:
        check(counts)
    raw = scn.raw()
    axes = []
    for f, n in zip(checked, counts, strict=True):
        values = np.linspace(f.low, f.high, n)
        if f.integer:
            values = np.unique(np.round(values))
        axes.append(Axis(f.key, f.low, f.high, values, float(value_at(raw, f.key)), f.integer))
    return axes


def _as_option(option: str, parse: Callable, *args: object) -> Any:
    """`parse(*args)` with its errors naming `option` (the sweep's name its own, --param)."""
    try:
        return parse(*args)
    except SimError as exc:
        text = str(exc).replace("--param", option).replace("sweep: ", f"{option}: ")
        if option == "--grid":
            text = text.replace("allowed: KEY=LO:HI", "allowed: KEY=LO:HI[:N]")
        raise SimError(text) from None


def _value(axis: Axis, v: float) -> int | float:
    return int(v) if axis.integer else float(v)


def class_at_start(scn: Scenario, sides: Sides, restrain: Action = game.RESTRAIN) -> Reduction:
    """The reduced game at the scenario's start: only its four cells are valued."""
    pt = start_point(scn)
    fixed, _ = held_moves(scn, pt, sides)
    row, col = sides.row[0], sides.col[0]
    esc, _ = escalate_moves(game.legal(pt.state, pt.params, row), game.legal(pt.state, pt.params, col))
    rm, cm = tuple(dict.fromkeys((int(restrain), esc[0]))), tuple(dict.fromkeys((int(restrain), esc[1])))
    a, b, rows, cols = game.matrices(pt.state, pt.params, 1, row, col, fixed, rm, cm)
    return reduction_of(a, b, rows, cols, restrain)


@dataclass
class Region:
    """The class of the game at the start over a grid of two or more parameters, and where each holds.

    `classes` and `reduced` are indexed by the axes' value indices, in the order of `axes`.
    """

    scenario: Scenario
    sides: Sides
    axes: list[Axis]
    classes: np.ndarray                     # [n1, ..., nk] of GameClass
    reduced: np.ndarray                     # [n1, ..., nk, 2, 4] T, R, P, S of the row and the column side
    base: Reduction                         # the scenario's own point
    play: tuple[Play, Play]                 # how the leaders decide at the scenario's start

    @property
    def size(self) -> int:
        return int(self.classes.size)

    @property
    def base_label(self) -> str:
        return self.base.cls.label(self.sides.row_id, self.sides.col_id)

    def labels(self) -> np.ndarray:
        """[n1, ..., nk] the game's label at each point."""
        r, c = self.sides.row_id, self.sides.col_id
        out = np.empty(self.classes.shape, dtype=object)
        for idx, cls in np.ndenumerate(self.classes):
            out[idx] = cls.label(r, c)
        return out

    def side_classes(self, side: int) -> np.ndarray:
        """[n1, ..., nk] one side's class at each point (0: row, 1: column), e.g. 'Deadlock', 'degenerate'."""
        out = np.empty(self.classes.shape, dtype=object)
        for idx, cls in np.ndenumerate(self.classes):
            out[idx] = (cls.row if side == 0 else cls.col).name
        return out

    def shares(self) -> dict[str, float]:
        """The share of the grid each game label holds, in the order of CLASSES."""
        return _shares(self.labels())

    def side_shares(self, side: int) -> dict[str, float]:
        return _shares(self.side_classes(side))

    def where(self, label: str) -> str:
        """Where on the grid the game has `label`, in words ("where audience_cost >= 4.5", ...)."""
        return describe_region(self.labels() == label, self.axes)

    def inert(self) -> list[Axis]:
        """The parameters along which the game's class never changes on this grid."""
        labels = self.labels()
        return [a for j, a in enumerate(self.axes) if _constant_along(labels, j)]

    @property
    def degenerate_share(self) -> float:
        """The share of the grid whose game has no class (a tie, or a side with no escalatory move)."""
        return float(np.mean([cls.degenerate for cls in self.classes.ravel()]))

    @property
    def base_share(self) -> float:
        return self.shares().get(self.base_label, 0.0)

    @property
    def robust(self) -> bool:
        """Whether the scenario's class holds at every point of the grid."""
        return self.base_share == 1.0

    def inside(self) -> bool:
        return all(a.lo <= a.base <= a.hi for a in self.axes)

    def headline(self) -> str:
        """'other (US PD, RU HA) on 70% of the grid: not robust' (the verdict without where the others hold)."""
        label, share = self.base_label, self.base_share
        if share == 1.0:
            return f"{label} on the whole grid: robust over these ranges"
        where = f"on {_percent(share)} of the grid" if share > 0 else "nowhere on the grid"
        outside = "" if self.inside() else " (the scenario's own point is outside the grid)"
        return f"{label} {where}: not robust{outside}"

    def verdict(self) -> str:
        """A plain sentence: the scenario's class, the share of the grid where it holds, whether it is
        robust there, and where the other classes hold."""
        label, share = self.base_label, self.base_share
        grid = " x ".join(f"{a.short} {a.lo:g}-{a.hi:g}" for a in self.axes)
        n = self.size
        if share == 1.0:
            return f"{label} on the whole grid ({grid}, {n} points): robust over these ranges."
        head = (f"{label} on {_percent(share)} of the grid ({grid}, {n} points): not robust"
                if share > 0 else f"{label} nowhere on the grid ({grid}, {n} points): not robust")
        if not self.inside():
            head += " (the scenario's own point is outside the grid)"
        rest = [f"{other} ({_percent(v)}) {self.where(other)}" for other, v in self.shares().items() if other != label]
        inert = self.inert()
        tail = f" The class does not depend on {', '.join(a.short for a in inert)} here." if inert else ""
        return head + "; elsewhere " + "; ".join(rest) + "." + tail

    def summary(self) -> dict:
        """What analysis.json keeps of the region (region.json has every point)."""
        s = self.sides
        return {
            "point": "the scenario's start, for every combination of the grid's values",
            "axes": [{"key": a.key, "lo": a.lo, "hi": a.hi, "points": len(a.values), "scenario": a.base}
                     for a in self.axes],
            "points": self.size, "scenario_label": self.base_label, "scenario_share": round(self.base_share, 4),
            "robust": self.robust, "verdict": self.verdict(), "degenerate_share": round(self.degenerate_share, 4),
            "inert": [a.key for a in self.inert()],
            "shares": {k: round(v, 4) for k, v in self.shares().items()},
            "where": {k: self.where(k) for k in self.shares()},
            "side_shares": {s.row_id: {k: round(v, 4) for k, v in self.side_shares(0).items()},
                            s.col_id: {k: round(v, 4) for k, v in self.side_shares(1).items()}},
            "play": {p.actor: p.as_dict() for p in self.play},
        }

    def as_dict(self) -> dict:
        s = self.sides
        return {
            "scenario": self.scenario.name, "title": self.scenario.scenario.title, "version": __version__,
            "players": s.as_dict(), "fold": FOLD_RULE, "restrain": "dialogue",
            "escalate": "each leader's most escalatory legal arming move at each point (else its most escalatory "
                        "legal move)",
            **self.summary(),
            "values": {a.key: a.values.tolist() for a in self.axes},
            "labels": self.labels().tolist(),
            "reduced": {"note": "reduced[i1]...[ik] = [[T, R, P, S] of the row side, [T, R, P, S] of the column "
                                "side], indices in the order of 'axes'",
                        "values": np.round(self.reduced, 6).tolist()},
        }


def _shares(labels: np.ndarray) -> dict[str, float]:
    """The share of each label, largest first (ties: in the order of CLASSES)."""
    flat = list(labels.ravel())
    counts = Counter(flat)
    return {label: counts[label] / len(flat) for label in sorted(counts, key=lambda k: (-counts[k], _label_order(k)))}


def _percent(share: float) -> str:
    """61%, or <1% / >99% rather than a rounded 0% or 100% that is not."""
    if 0 < share < 0.005:
        return "<1%"
    if 0.995 <= share < 1:
        return ">99%"
    return f"{share:.0%}"


def _label_order(label: str) -> tuple[int, str]:
    name = label.split(" (")[0]
    return (CLASSES.index(name) if name in CLASSES else len(CLASSES), label)


def region(scn: Scenario, axes: list[Axis], progress: Callable[[int], object] | None = None) -> Region:
    """The class of the game at the start at every point of the grid of `axes` (checked by `parse_grid`)."""
    from sim.analysis import sweep

    keys = [a.key for a in axes]
    if len(set(keys)) != len(keys):
        raise SimError(f"--grid: {', '.join(k for k in keys if keys.count(k) > 1)} given twice; allowed: each key once")
    sides = sides_of(scn)
    base = class_at_start(scn, sides)
    factors = [sweep.Factor(a.key, a.lo, a.hi, integer=a.integer) for a in axes]
    shape = tuple(len(a.values) for a in axes)
    classes = np.empty(shape, dtype=object)
    reduced = np.zeros((*shape, 2, 4))
    for idx in np.ndindex(*shape):
        x = np.array([a.values[i] for a, i in zip(axes, idx, strict=True)])
        red = class_at_start(_as_option("--grid", sweep.point_scenario, scn, factors, x), sides)
        classes[idx] = red.cls
        reduced[idx] = [[red.row.T, red.row.R, red.row.P, red.row.S], [red.col.T, red.col.R, red.col.P, red.col.S]]
        if progress:
            progress(1)
    return Region(scn, sides, list(axes), classes, reduced, base, leader_play(scn, start_point(scn), sides))


# ---------------------------------------------------------------- a region in words


def describe_region(mask: np.ndarray, axes: list[Axis]) -> str:
    """Where `mask` ([n1, ..., nk] bool over the grid of `axes`) holds, in words.

    In order: everywhere or nowhere; a box (an interval of values on each axis: "where a >= 4.5 and
    b <= 0.9"); a threshold on one axis that moves with the others ("where a >= a threshold that rises
    with b from 3.5 (b 0.8) to 6 (b 0.95); nowhere at b >= 0.96"); else the smallest box that holds it
    and how much of that box it fills. Values are the grid's: a boundary lies between a value named and
    the next one out.
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.all():
        return "on the whole grid"
    if not mask.any():
        return "nowhere on the grid"
    # parameters the region does not depend on are left out of the words
    keep = [j for j in range(mask.ndim) if not _constant_along(mask, j)]
    mask = mask[tuple(slice(None) if j in keep else 0 for j in range(mask.ndim))]
    axes = [axes[j] for j in keep]
    k = mask.ndim
    spans = [np.flatnonzero(mask.any(axis=tuple(j for j in range(k) if j != i))) for i in range(k)]
    box = np.ones_like(mask)
    for i, span in enumerate(spans):
        shape = [1] * k
        shape[i] = mask.shape[i]
        inside = np.zeros(mask.shape[i], dtype=bool)
        inside[span[0]:span[-1] + 1] = True
        box &= inside.reshape(shape)
    if (mask == box).all():
        parts = [_interval(axes[i], span[0], span[-1]) for i, span in enumerate(spans)]
        return "where " + " and ".join(p for p in parts if p)
    for i in range(k):
        text = _threshold(mask, axes, i)
        if text:
            return text
    parts = [_interval(axes[i], span[0], span[-1]) or f"{axes[i].short} anywhere" for i, span in enumerate(spans)]
    return (f"within {' and '.join(parts)}, on {int(mask.sum())} of the {int(box.sum())} points there, "
            "not a box nor a threshold on one parameter")


def _constant_along(values: np.ndarray, axis: int) -> bool:
    """Whether `values` is the same at every index of `axis`."""
    return bool((values == np.take(values, [0], axis=axis)).all())


def _interval(axis: Axis, first: int, last: int) -> str:
    """'a >= 4.5', 'a <= 0.9', '2 <= a <= 4', 'a = 3', or '' for the whole axis."""
    n, v = len(axis.values), axis.values
    if first == 0 and last == n - 1:
        return ""
    if first == last:
        return f"{axis.short} = {axis.fmt(v[first])}"
    if first == 0:
        return f"{axis.short} <= {axis.fmt(v[last])}"
    if last == n - 1:
        return f"{axis.short} >= {axis.fmt(v[first])}"
    return f"{axis.fmt(v[first])} <= {axis.short} <= {axis.fmt(v[last])}"


def _threshold(mask: np.ndarray, axes: list[Axis], i: int) -> str:
    """The mask as a threshold on axis i that depends on the others, or '' if it is not one."""
    lines = np.moveaxis(mask, i, -1).reshape(-1, mask.shape[i])   # every line along axis i
    n = mask.shape[i]
    for upper in (True, False):
        ok, cuts = True, list[int | None]()
        for line in lines:
            hits = np.flatnonzero(line)
            if not len(hits):
                cuts.append(None)
                continue
            want = (hits[0], n - 1) if upper else (0, hits[-1])
            if hits[0] != want[0] or hits[-1] != want[1] or len(hits) != want[1] - want[0] + 1:
                ok = False
                break
            cuts.append(hits[0] if upper else hits[-1])
        if not ok:
            continue
        ax, sign = axes[i], ">=" if upper else "<="
        others = [a for j, a in enumerate(axes) if j != i]
        values = [ax.values[c] for c in cuts if c is not None]
        lo, hi = min(values), max(values)
        if lo == hi:           # the same cut everywhere it holds, with gaps: not a threshold that moves
            continue
        if len(others) == 1:
            other = others[0]
            empty = [j for j, c in enumerate(cuts) if c is None]
            if empty and empty != list(range(len(empty))) and empty != list(range(len(cuts) - len(empty), len(cuts))):
                continue       # where it holds nowhere must be one end of the other parameter
            defined = [(other.values[j], ax.values[c]) for j, c in enumerate(cuts) if c is not None]
            ts = [t for _, t in defined]
            trend = ("rises with" if all(a <= b for a, b in pairwise(ts)) else
                     "falls with" if all(a >= b for a, b in pairwise(ts)) else "moves with")
            (o0, t0), (o1, t1) = defined[0], defined[-1]
            text = (f"where {ax.short} {sign} a threshold that {trend} {other.short}, from {ax.fmt(t0)} "
                    f"({other.short} {other.fmt(o0)}) to {ax.fmt(t1)} ({other.short} {other.fmt(o1)})")
            if trend == "moves with":
                text += f", between {ax.fmt(lo)} and {ax.fmt(hi)}"
            missing = [other.values[j] for j, c in enumerate(cuts) if c is None]
            if missing:
                text += f"; nowhere at {other.short} {_values(other, missing)}"
            return text
        names = ", ".join(a.short for a in others)
        return f"where {ax.short} {sign} a threshold between {ax.fmt(lo)} and {ax.fmt(hi)} that depends on {names}"
    return ""


def _values(axis: Axis, values: list[float]) -> str:
    """'0.96-0.99' for a run of grid values, else 'a, b, c'."""
    if len(values) > 2:
        return f"{axis.fmt(values[0])}-{axis.fmt(values[-1])}"
    return ", ".join(axis.fmt(v) for v in values)


def default_sides_note(sides: Sides, held: dict[str, str] | None = None) -> str:
    """A line saying who plays whom, and what the others play."""
    tail = ""
    if sides.others:
        moves = ", ".join(f"{sides.ids[i]} {held[sides.ids[i]]}" if held else sides.ids[i] for i in sides.others)
        tail = f"; outside the game, each on its own rule's move: {moves}"
    return f"{sides.row_id} against {sides.col_id} (each with its own payoff){tail}"
