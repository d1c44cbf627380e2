"""The game of play mode: one replica of a crisis, the moves of some actors typed by teams.

A `Game` holds replica `replica` (default 0) of root seed `seed`, so with no team it is exactly
run `replica` of an ensemble of that seed. Each turn, teams `choose` the moves of their actors
(hidden from each other until `play` resolves the turn); every other actor's move comes from its
scenario rule through `Crisis.decide`. A team's move is played as chosen, whatever the actor's
rule or the scenario's forced moves for that actor; only the facilitator (``inject force``) can
overrule a team.

The facilitator's injections act on the turn about to be played: parameter changes (``set``,
``leader``) start a new parameter epoch from that turn on, a forced move replaces one actor's move
on that turn, a detected violation changes the state at once. `undo` takes back the last thing
done (pending choices, then an injection, then a turn) by restoring a deep copy of the crisis, so
the state, the clock, the schedule and the rules' memories are exactly as they were.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core.actions import Action
from sim.core.codes import CUT_FORCE, KEEP_FORCE, PARITY, STAGES
from sim.core.errors import SimError
from sim.core.params import Params, Schedule, compile_params
from sim.core.scenario import Scenario, apply_overrides
from sim.core.state import State
from sim.engine.crisis import Crisis
from sim.kernel.bargaining import table_terms
from sim.kernel.dynamics import Outcome
from sim.play.narrate import illegal_message
from sim.play.roles import BOT, FACILITATOR, MODEL, SCENARIO, TEAM

if TYPE_CHECKING:
    from sim.rules.base import Rule


class PlayError(SimError):
    """Something the game cannot do now; the message says what is allowed instead."""


@dataclass
class Injection:
    """A facilitator's event, made at the prompt of turn `turn` and acting on it."""

    kind: str                        # "set", "leader", "force", "violation", "doctrine" or "terms"
    turn: int                        # the turn it acts on (the next turn to be played)
    text: str                        # the command as it would be typed, e.g. "violation RU"
    note: str                        # one plain sentence for screens and the debrief
    actor: str | None = None
    move: str | None = None          # force: the move
    changes: dict[str, Any] = field(default_factory=dict)   # set, leader: parameter changes; terms: the parts
    rule: str | None = None          # doctrine: the rule or preset the actor follows from now on

    @property
    def who(self) -> str:
        """The actor of a leader, force, violation or doctrine injection (each of them names one)."""
        assert self.actor is not None, f"a {self.kind} injection names its actor"
        return self.actor

    @property
    def forced_move(self) -> str:
        """The move of a force injection."""
        assert self.move is not None, "a force injection names its move"
        return self.move

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "turn": self.turn, "text": self.text, "note": self.note}
        if self.actor is not None:
            out["actor"] = self.actor
        if self.move is not None:
            out["move"] = self.move
        if self.changes:
            out["changes"] = dict(self.changes)
        if self.rule is not None:
            out["rule"] = self.rule
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Injection:
        return cls(kind=data["kind"], turn=int(data["turn"]), text=str(data["text"]), note=str(data.get("note", "")),
                   actor=data.get("actor"), move=data.get("move"), changes=dict(data.get("changes", {})),
                   rule=data.get("rule"))


@dataclass
class TurnRecord:
    """One resolved turn: what was played, by whom, and the state before and after."""

    turn: int
    date: dt.date
    moves: tuple[Action, ...]        # per actor, as played
    chosen_by: tuple[str, ...]       # per actor: team, model, facilitator, scenario or bot
    before: State                    # one replica, before the turn (after the turn's injections)
    after: State                     # one replica, after the turn
    outcome: Outcome                 # one replica
    params: Params                   # in force on this turn
    injections: list[Injection]      # made at this turn's prompt
    rules: tuple[str, ...] = ()      # per actor: the name of the rule that played it (or would have, for a team)
    values: np.ndarray | None = None  # [N, M] what the rules that weigh moves compared (-inf: not legal), or None

    @property
    def escalation(self) -> float:
        return float(self.after.escalation[0])

    @property
    def delta(self) -> float:
        return float(self.after.escalation[0] - self.before.escalation[0])

    @property
    def payoff(self) -> np.ndarray:
        return self.outcome.payoff[0]

    def to_json(self, ids: list[str]) -> dict[str, Any]:
        s = self.after
        return {
            "turn": self.turn, "date": self.date.isoformat(),
            "moves": {a: self.moves[i].label for i, a in enumerate(ids)},
            "chosen_by": {a: self.chosen_by[i] for i, a in enumerate(ids)},
            # what a replay must reproduce exactly (floats round-trip through JSON)
            "escalation": float(s.escalation[0]), "treaty": int(s.treaty[0]), "incident": bool(s.incident[0]),
            "rung": int(s.rung[0]),
            "missiles": {a: int(s.missiles[0, i]) for i, a in enumerate(ids)},
            "programme": {a: STAGES[int(s.stage[0, i])] for i, a in enumerate(ids)},
            "payoff": {a: float(self.outcome.payoff[0, i]) for i, a in enumerate(ids)},
        }


class PlayCrisis(Crisis):
    """A crisis of one replica whose schedule the game can replace between turns."""

    def set_schedule(self, schedule: Schedule) -> None:
        self.schedule = schedule
        slots = max(p.pipeline_len for _, p in schedule.epochs)
        have = self.state.pipeline.shape[2]
        if slots > have:   # a longer delivery lag was injected: room for its orders
            pad = np.zeros((*self.state.pipeline.shape[:2], slots - have), dtype=self.state.pipeline.dtype)
            self.state = self.state.evolve(pipeline=np.concatenate([self.state.pipeline, pad], axis=2))
        self.invalidate()

    def set_state(self, state: State) -> None:
        self.state = state
        self.invalidate()

    def invalidate(self) -> None:
        """Forget the cached view of the next turn (state or parameters changed)."""
        self._view = None


def build_schedule(scn: Scenario, injections: list[Injection], humans: set[int]) -> Schedule:
    """Parameter epochs and forced moves of the scenario's events and the facilitator's injections.

    Without injections and teams this is `sim.core.params.compile_schedule`. Parameter changes add up in
    the order they act (scenario events first on a shared turn); a scenario's forced move of an
    actor a team plays is dropped (the team decides); the facilitator's forced moves always count.
    """
    base = scn.model_copy(update={"events": []})
    idx = {a: i for i, a in enumerate(scn.actor_ids)}
    steps: list[tuple[int, dict[str, Any], tuple[int, int] | None]] = []
    for ev in sorted(scn.events, key=lambda e: e.date):
        turn = max(1, scn.turn_of(ev.date))
        forced = None
        if ev.move is not None and idx[ev.who] not in humans:
            forced = (idx[ev.who], int(Action.parse(ev.move)))
        steps.append((turn, dict(ev.set), forced))
    for inj in injections:
        forced = (idx[inj.who], int(Action.parse(inj.forced_move))) if inj.kind == "force" else None
        steps.append((inj.turn, dict(inj.changes), forced))
    steps.sort(key=lambda s: s[0])  # stable: scenario events, then injections in the order made
    epochs: list[tuple[int, Params]] = [(0, compile_params(base))]
    forced_moves: dict[int, list[tuple[int, int]]] = {}
    changes: dict[str, Any] = {}
    for turn, sets, forced in steps:
        if sets:
            changes.update(sets)
            params = compile_params(apply_overrides(base, changes, origin="event"))
            if epochs[-1][0] == turn:
                epochs[-1] = (turn, params)
            else:
                epochs.append((turn, params))
        if forced is not None:
            forced_moves.setdefault(turn, []).append(forced)
    return Schedule(tuple(epochs), {t: tuple(v) for t, v in forced_moves.items()})


class Game:
    """A crisis played turn by turn: teams choose the moves of `humans`, the model plays the rest.

    Args:
        scn: the scenario (overrides already applied).
        seed: root seed; the game uses replica `replica` of it (its random numbers for incidents,
            detections and the model actors' choices).
        humans: ids of the actors the class plays (any order; kept in the scenario's order).
        turns: turn limit (default: the scenario's).
    """

    def __init__(self, scn: Scenario, *, seed: int = 1, humans: list[str] | tuple[str, ...] = (),
                 turns: int | None = None, replica: int = 0):
        self.scenario = scn
        self.seed = int(seed)
        self.replica = int(replica)
        self.turns = int(turns if turns is not None else scn.scenario.turns)
        if self.turns < 1:
            raise PlayError(f"turns = {self.turns}: allowed: a whole number >= 1")
        self.ids: list[str] = list(scn.actor_ids)
        self.index = {a: i for i, a in enumerate(self.ids)}
        unknown = [h for h in humans if h not in self.index]
        if unknown:
            raise PlayError(f"--as {unknown[0]}: not an actor of {scn.name}; allowed: {', '.join(self.ids)} or all")
        self.humans: list[str] = [a for a in self.ids if a in set(humans)]
        self.crisis = PlayCrisis(scn, self.seed, [self.replica], self.turns)
        for i, rule in enumerate(self.crisis.rules):
            if self.ids[i] not in self.humans and rule.classifier.get("needs_human") is True:
                raise PlayError(f"{scn.source}: actors.{self.ids[i]}.rule = {rule.name!r}: a team must play "
                                f"{self.ids[i]}; allowed: add --as {self.ids[i]}")
        self.names = [a.name or a.id for a in scn.actors]
        self.injections: list[Injection] = []
        self.history: list[TurnRecord] = []
        self.choices: dict[int, Action] = {}
        self.bots: set[str] = set()      # teams whose seat the scenario's rule plays for now (nobody there)
        self.stopped = False
        self._undo: list[tuple[str, PlayCrisis, int, int]] = []
        self._apply_schedule(self.injections)
        self.start = self.crisis.state.copy()

    # ------------------------------------------------------------ reading the game

    @property
    def state(self) -> State:
        return self.crisis.state

    @property
    def turn(self) -> int:
        """Turns played so far; the next turn is `turn + 1`."""
        return self.crisis.turn

    @property
    def next_turn(self) -> int:
        return self.crisis.turn + 1

    def date(self, turn: int | None = None) -> dt.date:
        return self.scenario.date_of(self.turn if turn is None else turn)

    @property
    def params(self) -> Params:
        """Parameters in force on the next turn (what the menu and the rules use)."""
        return self.crisis.schedule.params_at(self.next_turn)

    @property
    def incident(self) -> bool:
        return bool(self.crisis.state.incident[0])

    @property
    def over_reason(self) -> str | None:
        """Why the game is over: "incident", "turns", "quit", or None while it goes on."""
        if self.incident:
            return "incident"
        if self.turn >= self.turns:
            return "turns"
        return "quit" if self.stopped else None

    @property
    def finished(self) -> bool:
        return self.over_reason is not None

    def is_human(self, actor: int | str) -> bool:
        return self._i(actor) in self.human_index

    @property
    def human_index(self) -> set[int]:
        return {self.index[a] for a in self.humans}

    def forced(self) -> dict[int, tuple[Action, str]]:
        """Moves forced on the next turn: actor -> (move, "facilitator" or "scenario").

        A forced move that is not legal now is left out (as `Crisis.resolve` leaves it out): the
        actor's team or rule decides instead.
        """
        out: dict[int, tuple[Action, str]] = {}
        facilitator = {(self.index[j.who], int(Action.parse(j.forced_move)))
                       for j in self.injections if j.kind == "force" and j.turn == self.next_turn}
        legal = self.legal_mask()
        for actor, move in self.crisis.schedule.forced.get(self.next_turn, ()):
            if legal[actor, move]:
                out[actor] = (Action(move), FACILITATOR if (actor, move) in facilitator else SCENARIO)
        return out

    def legal_mask(self) -> np.ndarray:
        """[N, M] bool: the moves each actor may play on the next turn (`TurnView.legal`)."""
        return self.crisis.view().legal()[0]

    def legal(self, actor: int | str) -> list[Action]:
        """The moves `actor` may play on the next turn, in the table's order."""
        return [Action(int(a)) for a in np.flatnonzero(self.legal_mask()[self._i(actor)])]

    def refuse_illegal(self, actor: int | str, move: Action) -> None:
        """PlayError naming the legal moves if `actor` cannot play `move` now."""
        i = self._i(actor)
        if not self.legal_mask()[i, int(move)]:
            raise PlayError(illegal_message(self, i, move))

    def scenario_moves_overruled(self) -> dict[int, Action]:
        """Moves the scenario's events set for the next turn of actors a team plays (the team decides)."""
        out = {}
        for ev in self.scenario.events:
            if ev.move is not None and max(1, self.scenario.turn_of(ev.date)) == self.next_turn \
                    and self.index[ev.who] in self.human_index:
                out[self.index[ev.who]] = Action.parse(ev.move)
        return out

    def waiting_for(self) -> list[str]:
        """Teams (actor ids) that still have to choose a move for the next turn, in order."""
        if self.finished:
            return []
        forced = self.forced()
        return [a for a in self.humans if self.index[a] not in forced and self.index[a] not in self.choices
                and a not in self.bots]

    def has_chosen(self, actor: str) -> bool:
        return self.index[actor] in self.choices

    # ------------------------------------------------------------ acting

    def set_bot(self, actor: str, on: bool) -> None:
        """Let the scenario's rule play team `actor`'s seat (`on`), or give it back to the team.

        A bot's move is the rule's, from the actor's own random numbers, as in an ensemble run; the
        turn records it as chosen by "bot", so the debrief does not credit the team with it."""
        i = self._i(actor)
        if i not in self.human_index:
            raise PlayError(f"{actor} is played by the model already; teams: {', '.join(self.humans) or 'none'}")
        if on and self.crisis.rules[i].classifier.get("needs_human") is True:
            raise PlayError(f"{actor}: its scenario rule {self.crisis.rules[i].name!r} needs a person, so no bot "
                            "can stand in; allowed: a team plays it, or the facilitator forces its move")
        if on:
            self.bots.add(self.ids[i])
            self.choices.pop(i, None)
        else:
            self.bots.discard(self.ids[i])

    def choose(self, actor: str, move: Action | str) -> None:
        """A team's move for the next turn, kept hidden until every team has chosen."""
        self._check_open()
        i = self._i(actor)
        if i not in self.human_index:
            raise PlayError(f"{actor} is played by the model; teams: {', '.join(self.humans) or 'none'}")
        if i in self.forced():
            raise PlayError(f"{actor}'s move on turn {self.next_turn} is forced: {self.forced()[i][0].label}")
        if self.ids[i] in self.bots:
            raise PlayError(f"{actor}'s seat is played by a bot now; allowed: take the bot off first")
        move = move if isinstance(move, Action) else Action.parse(move)
        self.refuse_illegal(i, move)
        self.choices[i] = move

    def play(self, moves: dict[str, Action | str] | None = None) -> TurnRecord:
        """Resolve the next turn with the teams' choices (and `moves`, more choices); returns its record."""
        for actor, move in (moves or {}).items():
            self.choose(actor, move)
        self._check_open()
        missing = self.waiting_for()
        if missing:
            raise PlayError(f"turn {self.next_turn}: still waiting for the move of {', '.join(missing)}")
        forced = self.forced()
        crisis = self.crisis
        nxt = self.next_turn
        self._push("turn")
        made_now = [j for j in self.injections if j.turn == nxt]
        before = crisis.state.copy()
        params = crisis.schedule.params_at(nxt)
        full = np.zeros((1, len(self.ids)), dtype=np.int64)
        chosen_by = []
        for i in range(len(self.ids)):
            if i in self.human_index and self.ids[i] in self.bots and i not in forced:
                full[0, i] = int(crisis.decide(i)[0])
                chosen_by.append(BOT)
            elif i in self.human_index:
                # a forced team move is overwritten by Crisis.resolve; the rule is never asked
                full[0, i] = int(self.choices.get(i, forced.get(i, (Action.HOLD,))[0]))
                chosen_by.append(forced[i][1] if i in forced else TEAM)
            else:
                full[0, i] = int(crisis.decide(i)[0])   # asked even when forced, as in an ensemble run
                chosen_by.append(forced[i][1] if i in forced else MODEL)
        played, outcome = crisis.resolve(full)
        view = crisis.last_turn[0] if crisis.last_turn is not None else None
        weighed = [i for i, who in enumerate(chosen_by) if who in (MODEL, BOT) and crisis.rules[i].reads_values]
        values = np.array(view.values()[0]) if view is not None and weighed else None   # computed by those rules
        self.choices = {}
        record = TurnRecord(
            turn=nxt, date=self.date(nxt), moves=tuple(Action(int(m)) for m in played[0]),
            chosen_by=tuple(chosen_by), before=before, after=crisis.state.copy(),
            outcome=copy.deepcopy(outcome), params=params, injections=made_now,
            rules=tuple(rule.name for rule in crisis.rules), values=values)
        self.history.append(record)
        return record

    def inject(self, injection: Injection) -> Injection:
        """Apply a facilitator's event to the next turn (see `sim.play.injections.parse`)."""
        self._check_open()
        if injection.turn != self.next_turn:
            raise PlayError(f"injection for turn {injection.turn}: allowed: the next turn, {self.next_turn}")
        if injection.kind == "force":
            self.refuse_illegal(injection.who, Action.parse(injection.forced_move))
        if injection.kind in ("set", "leader", "force"):
            candidate = [*self.injections, injection]
            schedule = build_schedule(self.scenario, candidate, self.human_index)  # validates first
            self._push("injection")
            self.injections.append(injection)
            self.crisis.set_schedule(schedule)
            if injection.kind == "force":
                self.choices.pop(self.index[injection.who], None)
        elif injection.kind == "violation":
            state = violation_state(self, self.index[injection.who])
            self._push("injection")
            self.injections.append(injection)
            self.crisis.set_state(state)
        elif injection.kind == "terms":
            state = terms_state(self, injection.who, injection.changes)
            self._push("injection")
            self.injections.append(injection)
            self.crisis.set_state(state)
        elif injection.kind == "doctrine":
            rule = doctrine_rule(self, injection.actor, injection.rule)
            self._push("injection")
            self.injections.append(injection)
            self.crisis.rules[self.index[injection.who]] = rule
            self.crisis.invalidate()
        else:
            raise PlayError(f"unknown injection kind {injection.kind!r}; "
                            "allowed: set, leader, force, violation, doctrine, terms")
        return injection

    def undo(self) -> str:
        """Take back the last thing done; returns what: "choices", "injection" or "turn".

        Choices made for the next turn are cleared first; then the last injection made at this
        prompt is cancelled; then the last turn is taken back, back to its prompt as it was just
        before the moves were revealed (with that prompt's injections still in force).
        """
        if self.choices:
            self.choices = {}
            return "choices"
        if not self._undo:
            raise PlayError("nothing to undo: no turn has been played and nothing injected")
        kind, crisis, n_injections, n_history = self._undo.pop()
        self.crisis = crisis
        del self.injections[n_injections:]
        del self.history[n_history:]
        self.stopped = False
        return kind

    def stop(self) -> None:
        """End the game now (the facilitator's quit)."""
        self.choices = {}
        self.stopped = True

    @property
    def can_undo(self) -> bool:
        return bool(self.choices or self._undo)

    @property
    def can_take_back(self) -> bool:
        """Whether a turn or an injection can be taken back (choices for the next turn aside)."""
        return bool(self._undo)

    # ------------------------------------------------------------ helpers

    def _i(self, actor: int | str) -> int:
        if isinstance(actor, str):
            if actor not in self.index:
                raise PlayError(f"unknown actor {actor!r}; allowed: {', '.join(self.ids)}")
            return self.index[actor]
        return int(actor)

    def _check_open(self) -> None:
        if self.finished:
            raise PlayError(f"the game is over ({self.over_reason}); allowed: undo, save, quit")

    def _push(self, kind: str) -> None:
        self._undo.append((kind, copy.deepcopy(self.crisis), len(self.injections), len(self.history)))

    def _apply_schedule(self, injections: list[Injection]) -> None:
        self.crisis.set_schedule(build_schedule(self.scenario, injections, self.human_index))

    def payoff_totals(self) -> np.ndarray:
        """[N] sum of each actor's payoffs over the turns played."""
        if not self.history:
            return np.zeros(len(self.ids))
        return np.sum([r.payoff for r in self.history], axis=0)

    def escalation_path(self) -> list[float]:
        """The escalation index after turns 0 (the start), 1, ..., `turn`."""
        return [float(self.start.escalation[0])] + [r.escalation for r in self.history]


def doctrine_rule(game: Game, actor: str | None, name: str | None) -> Rule:
    """A fresh rule `name` (a rule or preset) for a model-played `actor` (``inject doctrine``)."""
    from sim.rules.registry import PRESETS, RULES, RuleSpecError, make_rule

    if actor not in game.index:
        raise PlayError(f"doctrine: unknown actor {actor!r}; allowed: {', '.join(game.ids)}")
    if game.is_human(actor):
        raise PlayError(f"doctrine {actor}: a team plays {actor}, so the team decides; allowed: "
                        f"{', '.join(a for a in game.ids if not game.is_human(a)) or 'no actor'}")
    allowed = [r for r in (*RULES, *PRESETS) if r not in ("human", "scripted")]
    if name not in allowed:
        raise PlayError(f"doctrine {actor} {name}: unknown rule; allowed: {', '.join(allowed)}")
    meta = game.scenario.scenario
    try:
        return make_rule({"name": name}, game.index[actor], meta.start_date, meta.turn_days)
    except RuleSpecError as exc:  # pragma: no cover - every listed name is valid without parameters
        raise PlayError(f"doctrine {actor} {name}: {exc}") from None


#: the parts of pledged terms, as typed: keep its force as it stands, eliminate it, or (both sides) cut it to
#: equal ceilings at the smaller force
TERM_PARTS = {"keep": KEEP_FORCE, "eliminate": CUT_FORCE, "parity": PARITY}


def terms_state(game: Game, actor: str, parts: dict[str, Any]) -> State:
    """The state after `actor` and `parts["with"]` pledged terms to negotiate (``inject terms``, or two
    teams' deal in the classroom): `parts["ours"]` and `parts["theirs"]` ("keep", "eliminate", or both
    "parity") are each side's part, on the table of their talks until signed (docs/ODD.md 7.3)."""
    params = game.params
    other = str(parts.get("with", ""))
    if other not in game.index or other == actor:
        raise PlayError(f"terms {actor} {other}: allowed: another actor, one of {', '.join(game.ids)}")
    i, j = game.index[actor], game.index[other]
    if not params.bargaining_pairs[i, j]:
        pairs = [f"{a} {b}" for x, a in enumerate(game.ids) for y, b in enumerate(game.ids)
                 if x < y and params.bargaining_pairs[x, y]]
        raise PlayError(f"terms {actor} {other}: only two treaty parties, one the other's adversary, negotiate "
                        f"terms; allowed: {', '.join(pairs) or 'none in this scenario'}")
    ours, theirs = str(parts.get("ours", "")).lower(), str(parts.get("theirs", "")).lower()
    for part in (ours, theirs):
        if part not in TERM_PARTS:
            raise PlayError(f"terms part {part!r}: allowed: {', '.join(TERM_PARTS)}")
    if (ours == "parity") != (theirs == "parity"):
        raise PlayError(f"terms {ours} {theirs}: parity is equal ceilings for both; allowed: parity parity, or "
                        "keep and eliminate in any pair")
    new = game.state.copy()
    new.pledge[0, i, j], new.pledge[0, j, i] = TERM_PARTS[ours], TERM_PARTS[theirs]
    return table_terms(new, game.crisis.schedule.params_at(game.next_turn), game.turn)


def violation_state(game: Game, i: int) -> State:
    """The state after the facilitator reveals a violation by actor `i` (``inject violation``).

    Intelligence shows that `i` breaks the treaty: its hidden (illicit) missiles, or, if it has none,
    all its fielded missiles become disputed; if it has no missile to reveal, its flight tests or
    production while bound are found (its programme is in dispute, `breach`). Every other actor loses
    `trust_detect_loss` of trust in it, as when the model detects a violation (docs/ODD.md). The
    payoff of the turn is not charged (the injection happens between turns).
    """
    from sim.core.actions import STAGE_WORDS
    from sim.core.codes import FLIGHT_TEST, PRODUCTION

    s = game.state
    params = game.params
    name = game.ids[i]
    alive = int(s.treaty[0]) in (0, 1)
    if not alive:
        raise PlayError(f"violation {name}: the treaty is no longer in force, so nothing can violate it")
    if not params.party[i]:
        raise PlayError(f"violation {name}: {name} is not a treaty party; allowed: "
                        f"{', '.join(a for k, a in enumerate(game.ids) if params.party[k])}")
    missiles, disputed, illicit = int(s.missiles[0, i]), int(s.disputed[0, i]), int(s.illicit[0, i])
    stage = int(s.stage[0, i])
    banned = stage in (FLIGHT_TEST, PRODUCTION) and bool(s.bound(params)[0, i]) and not bool(s.breach[0, i])
    if illicit == 0 and disputed >= missiles and not banned:
        what = "no missiles fielded" if missiles == 0 else f"all {missiles} of its missiles already disputed"
        programme = (" and its programme already in dispute" if s.breach[0, i] else
                     f" and its programme {STAGE_WORDS[STAGES[stage]]}, not banned")
        raise PlayError(f"violation {name}: {name} has {what}{programme}: nothing new to reveal")
    new = s.copy()
    if illicit > 0:
        new.disputed[0, i] = min(missiles, disputed + illicit)
        new.illicit[0, i] = 0
    elif disputed < missiles:
        new.disputed[0, i] = missiles
    else:
        new.breach[0, i] = True
    loss = params.diplomacy["trust_detect_loss"]
    for j in range(len(game.ids)):
        if j != i:
            new.trust[0, j, i] = max(0.0, new.trust[0, j, i] - loss)
    from sim.kernel.dynamics import score_initial

    return score_initial(new, params)   # a dispute can change the index and its rung
