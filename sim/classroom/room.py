"""One classroom game held by the server: teams and their devices, the turn's rhythm, messages and the log.

Pages are views of a `Room` (`projector_view`, `team_view`, `facilitator_view`); each view holds only
what its reader may see, so a team's page never receives another team's move before the reveal.

The rhythm: in the lobby teams join; the facilitator starts the game; each turn teams decide
("playing", with a timer, or "paused": the clock stopped, teams may still submit) and their moves are
revealed together when every team played by people has submitted, when the timer runs out, or when the
facilitator reveals early. With a discussion phase (the default of `classroom`) the revealed turn then
stays on the wall, the clock stopped and submissions closed, until the facilitator opens the next
turn. A team that has not submitted by the reveal is played, for that turn only, by its scenario rule
(a bot, recorded as such). A team nobody has joined is a bot until someone joins.

A team's devices (`sim.classroom.devices`): the captain submits, advisers propose. Every facilitator
action carries the `step` the console showed when it was clicked; the step moves with every change of
the turn, the phase or the events, so a double click, or a second console, never acts twice. A team's
submission carries the turn it was meant for.

Every change bumps `version`; clients poll and redraw when it moves (with `boot`, which differs after a
restart). The game is saved to `out/game.json` and the room to `out/room.json` after every change, and
every action is appended to `out/log.jsonl`; a restarted server goes on with the same codes and PIN.
"""

from __future__ import annotations

import asyncio
import copy
import json
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sim.briefing import briefing
from sim.classroom import keep
from sim.classroom.devices import Device, Roster
from sim.classroom.offers import TERM_WORDS, Offers
from sim.core.actions import Action
from sim.core.errors import SimError
from sim.core.safeio import commit, new_stage
from sim.output.result_files import mark_ours
from sim.play import injections, narrate, savefile
from sim.play.engine import Game, PlayError, TurnRecord

#: Letters and digits that cannot be misread for each other (no 0/O, 1/I/L).
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8          # 31^8, about 8.5e11 codes: unguessable at any rate a classroom server answers
PIN_LENGTH = 8
MESSAGE_CHARS = 500      # a message longer than this is refused
AWAY_SECONDS = 12.0      # a device silent for this long shows as disconnected
NEWS = 8                 # announcements a page shows


def new_code(length: int = CODE_LENGTH) -> str:
    """A random code from `ALPHABET`, from the operating system's secure generator."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def typed_code(text: str) -> str:
    """A code as a person may type it: spaces, dashes and case do not matter ("abcd efgh" = "ABCDEFGH")."""
    return "".join(ch for ch in str(text) if not ch.isspace() and ch != "-").upper()


@dataclass(frozen=True)
class Message:
    """A message from a team (or the facilitator) to one team or to all."""

    id: int
    turn: int
    sender: str          # an actor id, or "facilitator"
    to: str              # an actor id, or "all"
    text: str
    by: str = ""         # the name of the device that sent it


@dataclass
class Seat:
    """A team's seat: its code and whether anyone has joined it."""

    actor: str
    code: str
    joined: bool = False


class Room:
    """The game of one lesson and everything around it (see the module docstring)."""

    def __init__(self, game: Game, out: Path, *, turn_seconds: float = 180.0, band_runs: int = 1000,
                 discussion: bool = False, clock: Callable[[], float] = time.monotonic,
                 kept: dict[str, Any] | None = None, posterior: dict[str, Any] | None = None):
        if turn_seconds < 0:
            raise SimError(f"--turn-seconds {turn_seconds:g}: allowed: 0 (no timer) or more seconds")
        self.game = game
        self.out = Path(out)
        self.turn_seconds = float(turn_seconds)
        self.discussion = discussion
        self.band_runs = band_runs
        self.posterior = posterior     # the debrief's band draws its runs' parameters from it (`draws.read`)
        self.clock = clock
        self.seats = {a: Seat(a, new_code()) for a in game.humans}
        self.roster = Roster(list(game.humans))
        self.pin = new_code(PIN_LENGTH)
        self.boot = new_code(6)        # differs after a restart, so a page's `since` never matches by chance
        self.phase = "lobby"           # lobby, playing, paused, discussion, over
        self.deadline: float | None = None
        self.paused_left: float | None = None
        self.messages: list[Message] = []
        self.offers = Offers()
        self.events: list[dict[str, Any]] = []   # the log, newest last
        self.version = 0
        self.step = 0                  # moves with the turn, the phase and the events: see `command`
        self.debrief: dict[str, Path] | None = None
        self.debrief_error: str | None = None
        self._saved: tuple[int, int, bool] | None = None   # the game as game.json last held it
        self.generation = 0            # bumped when turns are taken back: a debrief begun before is stale
        self._views: dict[str, dict[str, Any]] = {}
        self._views_version = -1
        for actor in game.humans:
            self._bot(actor, True)
        if game.turn:          # a resumed game goes on paused, where it stopped
            self.phase = "over" if game.finished else "paused"
            self.paused_left = self.turn_seconds or None
        if kept is not None:
            self._restore(kept)
        self._record("facilitator", f"opened the room{f' at turn {game.next_turn}' if game.turn else ''}")

    # ------------------------------------------------------------ who is who

    def team_of(self, code: str | None) -> str | None:
        """The team whose join code is `code` (compared in constant time, spaces and case aside), or None."""
        if not code:
            return None
        code = typed_code(code)
        found = None
        for seat in self.seats.values():
            if secrets.compare_digest(seat.code, code):
                found = seat.actor
        return found

    def is_facilitator(self, pin: str | None) -> bool:
        return bool(pin) and secrets.compare_digest(self.pin, typed_code(str(pin)))

    def device(self, token: str | None, team: str | None = None) -> Device | None:
        return self.roster.get(token, team)

    # ------------------------------------------------------------ what teams do

    def join(self, team: str, name: str | None = None) -> Device:
        """A device joins team `team` under `name` (a number if none): people play the seat from now on."""
        seat = self.seats[team]
        try:
            device = self.roster.add(team, name if name is not None else f"Device {len(self.roster.devices) + 1}")
        except ValueError as exc:
            raise PlayError(str(exc)) from None
        self.seen(device)
        captain = self.roster.is_captain(device)
        if not seat.joined:
            seat.joined = True
            if team in self.game.bots:
                self._bot(team, False)
        self._record(team, f"{device.name} (device {device.number}) joined{' as captain' if captain else ''}")
        return device

    def seen(self, device: Device) -> None:
        """A device asked for news (presence)."""
        device.last_seen = self.clock()
        if not device.connected:
            device.connected = True
            self._changed()

    def submit(self, team: str, move_text: str, device: Device | None = None, turn: int | None = None) -> Action:
        """A team's secret move for the next turn (it may change it until the reveal): from its captain's
        `device` (None: the team as a whole, as scripts do), for `turn` (None: whatever turn is next)."""
        self._check_open(turn)
        if team in self.game.bots:
            raise PlayError(f"{team} is played by a bot now; allowed: ask the facilitator to take the bot off")
        if device is not None and not self.roster.is_captain(device):
            captain = self.roster.captain(team)
            raise PlayError(f"only your captain{f' ({captain.name})' if captain else ''} submits the team's move; "
                            "allowed: propose it")
        move = injections.parse_move(move_text)
        self.game.choose(team, move)
        by = f" by {device.name}" if device is not None else ""
        self._record(team, f"submitted {move.label}{by}")
        if self._everyone_in():
            self.reveal("every team had submitted")
        return move

    def propose(self, device: Device, move_text: str, turn: int | None = None) -> str | None:
        """A device's proposal for its team's next move ("" withdraws it); every device of the team sees it."""
        self._check_open(turn)
        label = injections.parse_move(move_text).label if move_text.strip() else None
        if label is not None:
            self.game.refuse_illegal(device.team, Action.parse(label))
        if device.proposal != label:
            device.proposal = label
            self._record(device.team, f"{device.name} proposes {label}" if label else f"{device.name} withdrew "
                                      "the proposal", log=False)
        return label

    def _bargains(self, team: str) -> bool:
        """Whether `team`'s side can sign terms with another team's (both treaty parties, one the other's
        adversary): its deals may then be of terms."""
        i = self.game.index[team]
        return bool(self.game.params.bargaining_pairs[i, [self.game.index[t] for t in self.seats]].any())

    def offer(self, device: Device, to: str, we: str, you: str, turn: int | None = None) -> int:
        """The captain of `device`'s team offers team `to` a deal for this turn: we play `we` if you play `you`;
        or, with `we` and `you` "keep", "eliminate" or "parity", terms for the two sides' talks."""
        self._check_open(turn)
        team = device.team
        if not self.roster.is_captain(device):
            raise PlayError("only your captain makes offers; allowed: propose it to your captain")
        if to not in self.seats or to == team:
            raise PlayError(f"to {to!r}: allowed: another team, {', '.join(t for t in self.seats if t != team)}")
        if we.strip().lower() in TERM_WORDS or you.strip().lower() in TERM_WORDS:
            we, you = we.strip().lower(), you.strip().lower()
            injections.terms(self.game, team, to, we, you)         # checks the pair and both parts
        else:
            ours, theirs = injections.parse_move(we), injections.parse_move(you)
            self.game.refuse_illegal(team, ours)
            self.game.refuse_illegal(to, theirs)
            we, you = ours.label, theirs.label
        try:
            made = self.offers.make(self.game.next_turn, team, to, we, you, device.name)
        except ValueError as exc:
            raise PlayError(str(exc)) from None
        self._record(team, f"offer {made.id} from {device.name}: {made.words()}")
        return made.id

    def answer_offer(self, device: Device, offer_id: int, accept: bool, turn: int | None = None) -> str:
        """The captain of `device`'s team accepts or declines offer `offer_id` made to it."""
        self._check_open(turn)
        if not self.roster.is_captain(device):
            raise PlayError("only your captain answers offers")
        try:
            answered = self.offers.answer(device.team, offer_id, accept, self.game.next_turn)
        except ValueError as exc:
            raise PlayError(str(exc)) from None
        if accept and answered.of_terms:           # on the table of their talks from this turn
            self.game.inject(injections.terms(self.game, answered.sender, answered.to, answered.we, answered.you))
            self._moved()
        self._record(device.team, f"{device.name} {answered.status} offer {offer_id}: {answered.words()}")
        return answered.status

    def hand_over(self, device: Device, number: int) -> str:
        """The captain `device` hands the captaincy to device `number` of its team."""
        if not self.roster.is_captain(device):
            raise PlayError("only the captain hands over; allowed: ask your captain, or the facilitator")
        return self._make_captain(device.team, number, f"{device.name} handed over")

    def message(self, sender: str, to: str, text: str, by: str = "") -> Message:
        """A message from `sender` (a team or "facilitator") to team `to` or to "all"."""
        text = " ".join(str(text).split())
        if not text:
            raise PlayError("an empty message; allowed: some text")
        if len(text) > MESSAGE_CHARS:
            raise PlayError(f"a message of {len(text)} characters; allowed: at most {MESSAGE_CHARS}")
        if to != "all" and to not in self.game.ids:
            raise PlayError(f"to {to!r}: allowed: all, {', '.join(self.game.ids)}")
        if to == sender:
            raise PlayError("a message to yourself; allowed: another team, or all")
        msg = Message(len(self.messages) + 1, self.game.next_turn, sender, to, text, by)
        self.messages.append(msg)
        self._record(sender, f"message{f' from {by}' if by else ''} to {to}: {text}")
        return msg

    # ------------------------------------------------------------ what the facilitator does

    def command(self, name: str, step: int | str | None = None, args: dict[str, str] | None = None) -> Any:
        """The facilitator's action `name` as clicked when the console showed `step`: done, or, if the game
        has moved since (the same click twice, another console, the timer), nothing, and a note why. A bot
        or a captain named, or a message, says what it means and is done whatever the step.

        `step` None acts whatever the step (a script). Returns what the action returns, or a `Stale`."""
        args = args or {}
        acts: dict[str, Callable[[], Any]] = {
            "start": self.start, "pause": self.pause, "resume": self.resume, "undo": self.undo,
            "end": self.end, "next": self.next_turn,
            "reveal": lambda: self.reveal("the facilitator revealed early").turn,
            "inject": lambda: self.inject(args.get("text", "")),
            "bot": lambda: self.set_bot(args.get("team", ""), args.get("on", "") == "true"),
            "captain": lambda: self.set_captain(args.get("team", ""), args.get("number", "")),
            "message": lambda: self.message("facilitator", args.get("to", "all"), args.get("text", "")).id,
        }
        if name not in acts:
            raise PlayError(f"no action {name[:40]!r}; allowed: {', '.join(acts)}")
        if step is not None and name not in ("message", "bot", "captain"):    # those say what they mean
            seen = str(step).strip()
            if not (seen.isascii() and seen.isdigit() and len(seen) < 12):
                raise PlayError(f"step {seen[:20]!r}: allowed: the step the console shows, a whole number")
            if int(seen) != self.step:
                return Stale(f"{ACTION_WORDS.get(name, name)}: not done, the game changed since that click "
                             f"(it is now {self.where()}); look and click again if it is still needed")
        return acts[name]()

    def where(self) -> str:
        """Where the game is, in a few words: "turn 3, discussion"."""
        if self.phase in ("lobby", "over"):
            return {"lobby": "the lobby", "over": "over"}[self.phase]
        if self.phase == "discussion":
            return f"the discussion of turn {self.game.turn}"
        return f"turn {self.game.next_turn}, {self.phase}"

    def start(self) -> None:
        if self.phase != "lobby":
            raise PlayError(f"the game has started already (it is {self.phase}); allowed: pause, resume")
        self.phase = "playing"
        self._arm_timer()
        self._moved()
        self._record("facilitator", "started the game",
                     public=f"The game has started: turn 1 ({narrate.day(self.game.date(1))}). Choose your move.")

    def pause(self) -> None:
        if self.phase != "playing":
            raise PlayError(f"nothing to pause (the game is {self.phase})")
        self.phase = "paused"
        if self.deadline is not None:
            self.paused_left = max(0.0, self.deadline - self.clock())
        self.deadline = None
        self._moved()
        self._record("facilitator", "paused the timer",
                     public="The facilitator paused the clock: you may still choose and submit.")

    def resume(self) -> None:
        if self.phase != "paused":
            raise PlayError(f"nothing to resume (the game is {self.phase})")
        self.phase = "playing"
        if self.paused_left is not None:
            self.deadline = self.clock() + self.paused_left
        self.paused_left = None
        self._moved()
        self._record("facilitator", "resumed the timer", public="The clock runs again.")

    def next_turn(self) -> int:
        """End the discussion of the turn revealed: the next turn opens, its clock running."""
        if self.phase != "discussion":
            raise PlayError(f"no discussion to end (the game is {self.phase})")
        self.phase = "playing"
        self._arm_timer()
        self._moved()
        turn = self.game.next_turn
        self._record("facilitator", f"opened turn {turn}",
                     public=f"Turn {turn} ({narrate.day(self.game.date(turn))}) is open: choose your move.")
        return turn

    def set_bot(self, team: str, on: bool) -> None:
        if team not in self.seats:
            raise PlayError(f"{team!r} is not a team; allowed: {', '.join(self.seats)}")
        if on == (team in self.game.bots):
            return          # as asked already: a second click does nothing
        self._bot(team, on)
        self._record("facilitator", f"{'put a bot on' if on else 'took the bot off'} {team}",
                     public=f"A bot plays {team} for now." if on else f"{team} plays its own moves again.")
        if self._everyone_in():
            self.reveal("every team had submitted")

    def set_captain(self, team: str, number: str | int) -> str:
        """The facilitator names device `number` of `team` its captain."""
        if team not in self.seats:
            raise PlayError(f"{team!r} is not a team; allowed: {', '.join(self.seats)}")
        text = str(number).strip()
        if not (text.isascii() and text.isdigit() and len(text) < 6):
            raise PlayError(f"device {text[:20]!r}: allowed: a device's number")
        return self._make_captain(team, int(text), "the facilitator chose")

    def inject(self, text: str) -> str:
        """A `play` injection typed by the facilitator (e.g. ``violation RU``); returns its note."""
        if self.phase == "over":
            raise PlayError("the game is over; allowed: undo")
        words = text.split()
        if words and words[0].lower() == "inject":     # typed as the terminal game and the usage line show it
            text = " ".join(words[1:])
        injection = self.game.inject(injections.parse(self.game, text))
        self._moved()
        self._record("facilitator", f"injected {injection.text}: {injection.note}",
                     public=f"Event: {injection.note}")
        return injection.note

    def undo(self) -> str:
        """Take back the last turn, or the last injection. Moves submitted for the next turn are kept
        after an injection is taken back (those still legal), and cleared, said on every page, after a turn
        is: the teams choose that turn again. With nothing to take back nothing changes, choices included."""
        if not self.game.can_take_back:
            raise PlayError("nothing to undo: no turn has been played and nothing injected (submitted moves "
                            "stay as they are)")
        kept = dict(self.game.choices)
        self.game.choices = {}
        kind = self.game.undo()
        self.generation += 1
        if kind == "injection":
            for i, move in kept.items():
                if self.game.legal_mask()[i, int(move)] and i not in self.game.forced():
                    self.game.choices[i] = move
        else:
            self.roster.clear_proposals()
            self.offers.reopen(self.game.next_turn)
        if kind == "turn" or self.phase in ("over", "discussion"):
            self.phase = "paused"      # the class looks again at the turn taken back; the clock waits
            self.paused_left = self.turn_seconds or None
            self.deadline = None
            self.debrief = None
            self.debrief_error = None
        self._moved()
        what = (f"turn {self.game.next_turn}: every team chooses its move for it again" if kind == "turn"
                else "event")
        self._record("facilitator", f"undid the last {kind}", public=f"The facilitator took back the last {what}.")
        return kind

    def end(self) -> None:
        """End the game now (before its last turn)."""
        if self.phase == "over":
            raise PlayError("the game is over already")
        self.game.stop()
        self._moved()
        self._over("the facilitator ended the game")

    # ------------------------------------------------------------ turns

    def tick(self) -> None:
        """Called often by the server: the timer and presence."""
        now = self.clock()
        for device in self.roster.devices.values():
            if device.connected and device.last_seen is not None and now - device.last_seen > AWAY_SECONDS:
                device.connected = False
                self._changed()
        if self.phase == "playing" and self.deadline is not None and now >= self.deadline:
            self.reveal("time was up")

    def reveal(self, why: str) -> TurnRecord:
        """Play the next turn now; teams that have not submitted are played by their bot this once."""
        self._check_open()
        if self.phase == "discussion":
            raise PlayError(f"turn {self.game.turn} has just been revealed; allowed: next (open turn "
                            f"{self.game.next_turn})")
        late = self.game.waiting_for()
        for team in late:
            self._bot(team, True)
        try:
            record = self.game.play()
        finally:
            for team in late:
                self._bot(team, False)
        self.roster.clear_proposals()
        self._moved()
        for deal in self.offers.revealed(record.turn, {a: record.moves[k].label for k, a in enumerate(self.game.ids)}):
            self._record("server", deal, public=deal)
        if late:
            self._record("server", f"{narrate.listing(late)} had not submitted: "
                                   f"{'their rules' if len(late) > 1 else 'its rule'} played for "
                                   f"{'them' if len(late) > 1 else 'it'} this turn")
        if self.game.finished:
            self._record("server", f"turn {record.turn} revealed ({why})", public=self._revealed(record))
            self._over({"incident": "the crisis broke down in an incident",
                        "turns": "the last turn was played"}.get(self.game.over_reason or "", "the game ended"))
            return record
        if self.discussion:
            self.phase = "discussion"
            self.deadline = self.paused_left = None
        elif self.phase == "paused":     # the next turn's clock waits for resume
            self.paused_left = self.turn_seconds if self.turn_seconds > 0 else None
        else:
            self._arm_timer()
        self._record("server", f"turn {record.turn} revealed ({why})", public=self._revealed(record))
        return record

    def _revealed(self, record: TurnRecord) -> str:
        then = " Discuss it: the facilitator opens the next turn." if self.discussion else ""
        return f"Turn {record.turn} revealed: escalation {record.escalation:.0f} ({record.delta:+.1f}).{then}"

    def seconds_left(self) -> float | None:
        if self.phase == "paused":
            return self.paused_left
        if self.deadline is None or self.phase != "playing":
            return None
        return max(0.0, self.deadline - self.clock())

    # ------------------------------------------------------------ views

    def projector_view(self) -> dict[str, Any]:
        """What the wall shows: never a move before its reveal, never a message."""
        return self._cached("projector", self._common)

    def team_view(self, team: str, device: Device | None = None) -> dict[str, Any]:
        """What team `team` sees: its briefing, its moves, its own choice, its devices' proposals and the
        messages it may read; with `you`, who `device` is."""
        view = self._cached(f"team {team}", lambda: self._team_view(team))
        if device is not None:
            view["you"] = {"number": device.number, "name": device.name, "captain": self.roster.is_captain(device)}
        return view

    def facilitator_view(self) -> dict[str, Any]:
        """What the facilitator's console shows: codes, devices, every message and the log."""
        return self._cached("facilitator", self._facilitator_view)

    def _cached(self, key: str, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """A view made once per version: after a change, every device asks for it at once."""
        if self._views_version != self.version:
            self._views = {}
            self._views_version = self.version
        if key not in self._views:
            self._views[key] = make()
        left = self.seconds_left()          # the clock runs between versions
        return {**self._views[key], "seconds_left": None if left is None else round(left, 1)}

    def _team_view(self, team: str) -> dict[str, Any]:
        g = self.game
        i = g.index[team]
        view = self._common()
        chosen = g.choices.get(i)
        forced = g.forced().get(i)
        captain = self.roster.captain(team)
        submitted_by = self._submitted_by(team)
        view["me"] = {
            "id": team, "name": g.names[i],
            "bot": team in g.bots,
            "choice": chosen.label if chosen is not None else None,
            "submitted_by": submitted_by,
            "forced": forced[0].label if forced is not None else None,
            "moves": [] if g.finished else [{"move": m.label, "does": text} for m, text in narrate.menu(g, i)],
            "briefing": briefing_of(g, team),
            "score": narrate.side_score(g, i),
            "score_legend": narrate.SCORE_LEGEND,
            "captain": captain.name if captain is not None else None,
            "devices": self.roster.public(team),
        }
        view["messages"] = [asdict(m) for m in self.messages if m.to in ("all", team) or m.sender == team]
        view["offers"] = self.offers.of(team)
        view["teams_to"] = [a for a in self.seats if a != team]
        view["all_moves"] = [m.label for m in Action]
        view["term_parts"] = list(TERM_WORDS) if self._bargains(team) else []
        view["recipients"] = ["all", *[a for a in g.ids if a != team]]
        return view

    def _submitted_by(self, team: str) -> str | None:
        """The name of the device that submitted `team`'s move for the next turn (None if none has)."""
        if not self.game.has_chosen(team):
            return None
        return next((e["by"] for e in reversed(self.events)
                     if e.get("submitted") == team and e["turn"] == self.game.next_turn), None)

    def _facilitator_view(self) -> dict[str, Any]:
        view = self._common()
        view["codes"] = {a: s.code for a, s in self.seats.items()}
        view["submitted_by"] = {a: self._submitted_by(a) for a in self.seats}
        view["devices"] = {a: self.roster.public(a) for a in self.seats}
        view["messages"] = [asdict(m) for m in self.messages]
        view["offers"] = self.offers.to_json()
        view["log"] = self.events[-200:]
        view["can_undo"] = self.game.can_take_back
        view["injections"] = injections.usage()
        view["example"] = injections.example(self.game) if not self.game.finished else ""
        return view

    def _common(self) -> dict[str, Any]:
        g = self.game
        scn = g.scenario
        left = self.seconds_left()
        news = [{"id": k, "turn": e["turn"], "text": e["public"]} for k, e in enumerate(self.events) if e.get("public")]
        return {
            "version": self.version, "boot": self.boot, "step": self.step,
            "title": scn.scenario.title or scn.name,
            "scenario": scn.name,
            "phase": self.phase, "where": self.where(),
            "turn": g.turn, "turns": g.turns, "next_turn": g.next_turn,
            "date": narrate.day(g.date()), "next_date": narrate.day(g.date(g.next_turn)),
            "seconds_left": None if left is None else round(left, 1),
            "turn_seconds": self.turn_seconds,
            "escalation": round(g.escalation_path()[-1], 1),
            "index": narrate.index_text(g),
            "treaty": narrate.treaty_text(g),
            "hazard": round(100 * narrate.hazard(g), 3),
            "over": g.over_reason,
            "teams": [self._team_status(a) for a in g.humans],
            "actors": [{"id": a, "name": g.names[k], "team": a in g.humans} for k, a in enumerate(g.ids)],
            "turns_played": [self._turn(r) for r in g.history],
            "start_escalation": round(g.escalation_path()[0], 1),
            "dates": [g.date(t).strftime("%b %Y") for t in range(g.turns + 1)],
            "opening": narrate.opening_sentences(g),
            "news": news[-NEWS:],
            "debrief": self.debrief is not None,
            "debrief_error": self.debrief_error,
        }

    def _team_status(self, team: str) -> dict[str, Any]:
        seat = self.seats[team]
        devices = self.roster.of(team)
        bot = team in self.game.bots
        submitted = self.game.has_chosen(team)
        if self.phase == "lobby":
            state = f"{narrate.plural(len(devices), 'device')} joined" if devices else "not joined"
        elif self.phase in ("discussion", "over"):
            state = "bot" if bot else "revealed" if self.phase == "discussion" else ""
        else:
            state = "bot playing" if bot else "submitted ✓" if submitted else "deciding…"
        return {"id": team, "name": self.game.names[self.game.index[team]], "joined": seat.joined,
                "connected": any(d.connected for d in devices), "devices": len(devices),
                "bot": bot, "submitted": submitted, "state": state}

    def _turn(self, rec: TurnRecord) -> dict[str, Any]:
        g = self.game
        return {"turn": rec.turn, "date": narrate.day(rec.date), "escalation": round(rec.escalation, 1),
                "delta": round(rec.delta, 1),
                "moves": [{"actor": a, "move": rec.moves[k].label, "by": rec.chosen_by[k]}
                          for k, a in enumerate(g.ids)],
                "story": narrate.turn_sentences(g, rec)
                + [w for k in range(len(g.ids)) if (w := narrate.why(g, rec, k)) is not None]}

    # ------------------------------------------------------------ helpers

    def _make_captain(self, team: str, number: int, how: str) -> str:
        try:
            device = self.roster.numbered(team, number)
        except ValueError as exc:
            raise PlayError(str(exc)) from None
        if not self.roster.is_captain(device):
            self.roster.make_captain(device)
            self._record(team, f"{how}: {device.name} (device {device.number}) is {team}'s captain")
        return device.name

    def _everyone_in(self) -> bool:
        people = [a for a in self.game.humans if a not in self.game.bots]
        return bool(people) and not self.game.waiting_for() and self.phase in ("playing", "paused")

    def _check_open(self, turn: int | None = None) -> None:
        """Moves may be chosen now (for `turn`, if given)."""
        if self.phase == "lobby":
            raise PlayError("the game has not started; allowed: wait for the facilitator to start it")
        if self.phase == "over":
            raise PlayError(f"the game is over ({self.game.over_reason})")
        if turn is not None and turn != self.game.next_turn:
            raise PlayError(f"that was for turn {turn}, which is past; allowed: choose again for turn "
                            f"{self.game.next_turn}")
        if self.phase == "discussion":
            raise PlayError(f"turn {self.game.turn} has just been revealed; allowed: wait for the facilitator to "
                            f"open turn {self.game.next_turn}")

    def _bot(self, team: str, on: bool) -> None:
        try:
            self.game.set_bot(team, on)
        except PlayError:
            if on:          # a seat whose rule needs a person simply waits for its team
                return
            raise

    def _arm_timer(self) -> None:
        self.deadline = self.clock() + self.turn_seconds if self.turn_seconds > 0 else None
        self.paused_left = None

    def _over(self, why: str) -> None:
        self.phase = "over"
        self.deadline = None
        self._record("server", f"game over: {why}", public=f"Game over: {why}.")

    def _changed(self) -> None:
        self.version += 1

    def _moved(self) -> None:
        """The turn, the phase or the events changed: a facilitator's click from before is stale."""
        self.step += 1

    def _record(self, who: str, what: str, public: str | None = None, log: bool = True) -> None:
        """Log an action (in memory and in log.jsonl), and save the game and the room if they changed."""
        event: dict[str, Any] = {"t": time.strftime("%H:%M:%S"), "turn": self.game.next_turn, "who": who,
                                 "what": what}
        if public:
            event["public"] = public
        if what.startswith("submitted") and who in self.seats:
            event["submitted"] = who
            event["by"] = what.partition(" by ")[2] or None
        self.events.append(event)
        self._changed()
        if not log:
            return
        try:
            with open(self.out / "log.jsonl", "a", encoding="utf-8") as f:
                f.write(json.dumps(event) + "\n")
            # game.json holds the turns, the injections and whether the game was stopped; a join, a
            # submission or a message leaves it as it was (choices stay secret, and are not saved)
            saved = (self.game.turn, len(self.game.injections), self.game.stopped)
            if saved != self._saved:
                savefile.write(self.game, self.out / "game.json", make_folder=True)
                self._saved = saved
            keep.write(self.out / keep.FILE, self._kept())
        except (OSError, SimError) as exc:     # a full disk must not stop the lesson; the facilitator sees it
            self.events.append({"t": event["t"], "turn": event["turn"], "who": "server",
                                "what": f"could not save: {exc}"})

    def _kept(self) -> dict[str, Any]:
        """What room.json keeps (`sim.classroom.keep`)."""
        return {"pin": self.pin, "codes": {a: s.code for a, s in self.seats.items()},
                "turn_seconds": self.turn_seconds, "discussion": self.discussion, "phase": self.phase,
                "turn": self.game.turn, "devices": self.roster.to_json(),
                "messages": [asdict(m) for m in self.messages], "offers": self.offers.to_json(),
                **({"posterior": self.posterior["path"]} if self.posterior else {})}

    def _restore(self, kept: dict[str, Any]) -> None:
        """The room as room.json kept it (same codes, PIN, devices, messages), around the game as restored."""
        self.pin = str(kept["pin"])
        for team, code in kept["codes"].items():
            if team in self.seats and isinstance(code, str):
                self.seats[team].code = code
        self.roster.restore(kept.get("devices", []))
        for team in self.seats:
            if self.roster.of(team):
                self.seats[team].joined = True
                self._bot(team, False)
        fields = set(Message.__dataclass_fields__)
        self.messages = [Message(**{k: v for k, v in m.items() if k in fields}) for m in kept.get("messages", [])
                         if isinstance(m, dict)]
        self.offers.restore(kept.get("offers", []))
        if self.game.finished:
            self.phase = "over"
        elif kept.get("phase") == "lobby" and not self.game.turn:
            self.phase = "lobby"
        elif kept.get("phase") == "discussion" and kept.get("turn") == self.game.turn:
            self.phase = "discussion"
            self.paused_left = None
        else:
            self.phase = "paused"
            self.paused_left = self.turn_seconds or None
        self.events = read_log(self.out / "log.jsonl")

    def snapshot(self) -> Game:
        """A copy of the game for work done outside the server's loop (the debrief)."""
        return copy.deepcopy(self.game)

    async def debrief_now(self) -> dict[str, Path] | None:
        """Write the debrief of the game as it is now (the band runs in a thread); its files, or None if
        the game changed meanwhile (an undo), when nothing is written.

        The files are written into a private folder and moved into `out` only if the game is still the
        one debriefed; game.json is the room's own, saved after every change, never the debrief's copy."""
        from sim.play import debrief

        generation, game = self.generation, self.snapshot()
        deals = [{"turn": o.turn, "sender": o.sender, "by": o.by, "to": o.to,
                  "text": f"Offer: {o.words()} ({o.status}{': ' + o.outcome if o.outcome else ''})"}
                 for o in self.offers.all]
        messages = sorted([asdict(m) for m in self.messages] + deals, key=lambda m: m["turn"])
        stage = new_stage(self.out, "debrief")
        try:
            files = await asyncio.to_thread(debrief.write_debrief, game, stage, self.band_runs,
                                            game_file=self.out / "game.json", messages=messages,
                                            posterior=self.posterior)
            if generation != self.generation:     # checked and moved on the server's loop: no change between
                return None
            commit(stage, self.out, mark_ours, seals=("debrief.html", "debrief.md"), stale=lambda name: False)
            return {name: self.out / path.name for name, path in files.items()}
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def debriefed(self, files: dict[str, Path] | None = None, error: str | None = None) -> None:
        """The debrief was written (its files), or could not be (why): pages show the one or the other."""
        self.debrief, self.debrief_error = files, error
        self._changed()


@dataclass(frozen=True)
class Stale:
    """A facilitator's click that arrived after the game had moved on: nothing was done."""

    note: str


ACTION_WORDS = {"start": "Start", "pause": "Pause", "resume": "Resume", "reveal": "Reveal", "undo": "Undo",
                "end": "End", "next": "Next turn", "inject": "Inject", "bot": "Bot", "captain": "Captain"}


def warm_up(game: Game) -> None:
    """Compile, or load from the cache, everything the pages compute around a turn (the menus' previews, the
    scores' replays, the turn's story), by a throwaway room playing one turn of a copy of `game` in a
    temporary folder: the kernels of the turn itself are ready already (`sim.play.cli.prepare_game`), these
    would otherwise compile on the first page after the first reveal, in front of the class."""
    import tempfile

    copied = copy.deepcopy(game)
    with tempfile.TemporaryDirectory() as folder:
        room = Room(copied, Path(folder), turn_seconds=0)
        for team in room.seats:
            room.join(team, "warm-up")
        if room.phase == "lobby":
            room.start()
        for team in copied.waiting_for():
            room.submit(team, copied.legal(team)[0].label)
        if not copied.humans:
            room.reveal("warm-up")
        for team in room.seats:
            room.team_view(team)
        room.projector_view()
        room.facilitator_view()


def read_log(path: Path, last: int = 200) -> list[dict[str, Any]]:
    """The last `last` events of a log.jsonl (a line cut short by a crash is skipped)."""
    events: list[dict[str, Any]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()[-last:]
    except OSError:
        return events
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and isinstance(event.get("what"), str):
            events.append(event)
    return events


def briefing_of(game: Game, team: str) -> dict[str, Any]:
    """A team's briefing (`sim.briefing`: the scenario's, or what can be derived from the scenario)."""
    b = briefing(game.scenario, team)
    return {"background": b.background, "objectives": list(b.objectives), "knows": list(b.knows),
            "intelligence": list(b.intelligence)}
