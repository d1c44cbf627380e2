"""One classroom game held by the server: teams and their codes, the turn timer, messages and the log.

Pages are views of a `Room` (`projector_view`, `team_view`, `facilitator_view`); each view holds only
what its reader may see, so a team's page never receives another team's move before the reveal. A turn
is revealed when every team played by people has submitted, when the timer runs out, or when the
facilitator reveals early (a pause stops the clock, not the game: teams may still submit); a team
that has not submitted by then is played, for that turn only, by its scenario rule (a bot, recorded
as such). A team nobody has joined is a bot until someone joins.

Every change bumps `version`; clients poll and redraw when it moves. The game is saved to
`out/game.json` after every change and every action is appended to `out/log.jsonl`, so a crash of the
server loses nothing that `replay` cannot rebuild.
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
AWAY_SECONDS = 12.0      # a team page silent for this long shows as disconnected


def new_code(length: int = CODE_LENGTH) -> str:
    """A random code from `ALPHABET`, from the operating system's secure generator."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class Message:
    """A message from a team (or the facilitator) to one team or to all."""

    id: int
    turn: int
    sender: str          # an actor id, or "facilitator"
    to: str              # an actor id, or "all"
    text: str


@dataclass
class Seat:
    """A team's seat: who plays it and whether a page of it is open."""

    actor: str
    code: str
    joined: bool = False
    last_seen: float | None = None
    connected: bool = False


class Room:
    """The game of one lesson and everything around it (see the module docstring)."""

    def __init__(self, game: Game, out: Path, *, turn_seconds: float = 180.0, band_runs: int = 1000,
                 clock: Callable[[], float] = time.monotonic):
        if turn_seconds < 0:
            raise SimError(f"--turn-seconds {turn_seconds:g}: allowed: 0 (no timer) or more seconds")
        self.game = game
        self.out = Path(out)
        self.turn_seconds = float(turn_seconds)
        self.band_runs = band_runs
        self.clock = clock
        self.seats = {a: Seat(a, new_code()) for a in game.humans}
        self.pin = new_code(PIN_LENGTH)
        self.phase = "lobby"           # lobby, playing, paused, over
        self.deadline: float | None = None
        self.paused_left: float | None = None
        self.messages: list[Message] = []
        self.events: list[dict[str, Any]] = []   # the log, newest last
        self.version = 0
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
        self._record("facilitator", f"opened the room{f' at turn {game.next_turn}' if game.turn else ''}")

    # ------------------------------------------------------------ who is who

    def team_of(self, code: str | None) -> str | None:
        """The team whose join code is `code` (compared in constant time), or None."""
        if not code:
            return None
        code = code.strip().upper()
        found = None
        for seat in self.seats.values():
            if secrets.compare_digest(seat.code, code):
                found = seat.actor
        return found

    def is_facilitator(self, pin: str | None) -> bool:
        return bool(pin) and secrets.compare_digest(self.pin, str(pin).strip().upper())

    # ------------------------------------------------------------ what teams do

    def join(self, team: str) -> None:
        """A team's page opened with its code: people play the seat from now on."""
        seat = self.seats[team]
        self.seen(team)
        if not seat.joined:
            seat.joined = True
            if team in self.game.bots:
                self._bot(team, False)
            self._record(team, "joined")

    def seen(self, team: str) -> None:
        """A team's page asked for news (presence)."""
        seat = self.seats[team]
        seat.last_seen = self.clock()
        if not seat.connected:
            seat.connected = True
            self._changed()

    def submit(self, team: str, move_text: str) -> Action:
        """A team's secret move for the next turn (it may change it until the reveal)."""
        self._check_playing()
        if team in self.game.bots:
            raise PlayError(f"{team} is played by a bot now; allowed: ask the facilitator to take the bot off")
        move = injections.parse_move(move_text)
        self.game.choose(team, move)
        self._record(team, "submitted a move", public=f"{team} has submitted")
        if self._everyone_in():
            self.reveal("every team had submitted")
        return move

    def message(self, sender: str, to: str, text: str) -> Message:
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
        msg = Message(len(self.messages) + 1, self.game.next_turn, sender, to, text)
        self.messages.append(msg)
        self._record(sender, f"message to {to}: {text}")
        return msg

    # ------------------------------------------------------------ what the facilitator does

    def start(self) -> None:
        if self.phase != "lobby":
            raise PlayError(f"the game has started already (it is {self.phase}); allowed: pause, resume")
        self.phase = "playing"
        self._arm_timer()
        self._record("facilitator", "started the game")

    def pause(self) -> None:
        if self.phase != "playing":
            raise PlayError(f"nothing to pause (the game is {self.phase})")
        self.phase = "paused"
        if self.deadline is not None:
            self.paused_left = max(0.0, self.deadline - self.clock())
        self.deadline = None
        self._record("facilitator", "paused the timer")

    def resume(self) -> None:
        if self.phase != "paused":
            raise PlayError(f"nothing to resume (the game is {self.phase})")
        self.phase = "playing"
        if self.paused_left is not None:
            self.deadline = self.clock() + self.paused_left
        self.paused_left = None
        self._record("facilitator", "resumed the timer")

    def set_bot(self, team: str, on: bool) -> None:
        if team not in self.seats:
            raise PlayError(f"{team!r} is not a team; allowed: {', '.join(self.seats)}")
        if on == (team in self.game.bots):
            raise PlayError(f"{team} is {'already' if on else 'not'} played by a bot")
        self._bot(team, on)
        self._record("facilitator", f"{'put a bot on' if on else 'took the bot off'} {team}")
        if self._everyone_in():
            self.reveal("every team had submitted")

    def inject(self, text: str) -> str:
        """A `play` injection typed by the facilitator (e.g. ``violation RU``); returns its note."""
        if self.phase == "over":
            raise PlayError("the game is over; allowed: undo")
        words = text.split()
        if words and words[0].lower() == "inject":     # typed as the terminal game and the usage line show it
            text = " ".join(words[1:])
        injection = self.game.inject(injections.parse(self.game, text))
        self._record("facilitator", f"injected {injection.text}: {injection.note}", public=injection.note)
        return injection.note

    def undo(self) -> str:
        """Take back the last turn (or the last injection); the teams choose again."""
        if self.game.choices:
            self.game.undo()
        if not self.game.can_undo:
            raise PlayError("nothing to undo: no turn has been played and nothing injected")
        kind = self.game.undo()
        self.generation += 1
        if self.phase == "over":
            self.phase = "paused"
            self.paused_left = self.turn_seconds or None
            self.debrief = None
            self.debrief_error = None
        elif self.phase == "playing":
            self._arm_timer()
        self._record("facilitator", f"undid the last {kind}", public=f"The facilitator took back the last {kind}.")
        return kind

    def end(self) -> None:
        """End the game now (before its last turn)."""
        if self.phase == "over":
            raise PlayError("the game is over already")
        self.game.stop()
        self._over("the facilitator ended the game")

    # ------------------------------------------------------------ turns

    def tick(self) -> None:
        """Called often by the server: the timer and presence."""
        now = self.clock()
        for seat in self.seats.values():
            if seat.connected and seat.last_seen is not None and now - seat.last_seen > AWAY_SECONDS:
                seat.connected = False
                self._changed()
        if self.phase == "playing" and self.deadline is not None and now >= self.deadline:
            self.reveal("time was up")

    def reveal(self, why: str) -> TurnRecord:
        """Play the next turn now; teams that have not submitted are played by their bot this once."""
        self._check_playing()
        late = self.game.waiting_for()
        for team in late:
            self._bot(team, True)
        try:
            record = self.game.play()
        finally:
            for team in late:
                self._bot(team, False)
        if late:
            self._record("server", f"{narrate.listing(late)} had not submitted: "
                                   f"{'their rules' if len(late) > 1 else 'its rule'} played for "
                                   f"{'them' if len(late) > 1 else 'it'} this turn")
        self._record("server", f"turn {record.turn} revealed ({why})",
                     public=f"Turn {record.turn} revealed: escalation {record.escalation:.0f} "
                            f"({record.delta:+.1f})")
        if self.game.finished:
            self._over({"incident": "the crisis broke down in an incident",
                        "turns": "the last turn was played"}.get(self.game.over_reason or "", "the game ended"))
        elif self.phase == "paused":     # the next turn's clock waits for resume
            self.paused_left = self.turn_seconds if self.turn_seconds > 0 else None
        else:
            self._arm_timer()
        return record

    def seconds_left(self) -> float | None:
        if self.phase == "paused":
            return self.paused_left
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - self.clock())

    # ------------------------------------------------------------ views

    def projector_view(self) -> dict[str, Any]:
        """What the wall shows: never a move before its reveal, never a message."""
        return self._cached("projector", self._common)

    def team_view(self, team: str) -> dict[str, Any]:
        """What team `team` sees: its briefing, its moves, its own choice and the messages it may read."""
        return self._cached(f"team {team}", lambda: self._team_view(team))

    def facilitator_view(self) -> dict[str, Any]:
        """What the facilitator's console shows: codes, presence, every message and the log."""
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
        view["me"] = {
            "id": team, "name": g.names[i],
            "bot": team in g.bots,
            "choice": chosen.label if chosen is not None else None,
            "forced": forced[0].label if forced is not None else None,
            "moves": [] if g.finished else [{"move": m.label, "does": text} for m, text in narrate.menu(g, i)],
            "briefing": briefing_of(g, team),
            "score": narrate.side_score(g, i),
            "score_legend": narrate.SCORE_LEGEND,
        }
        view["messages"] = [asdict(m) for m in self.messages if m.to in ("all", team) or m.sender == team]
        view["recipients"] = ["all", *[a for a in g.ids if a != team]]
        return view

    def _facilitator_view(self) -> dict[str, Any]:
        view = self._common()
        view["codes"] = {a: s.code for a, s in self.seats.items()}
        view["messages"] = [asdict(m) for m in self.messages]
        view["log"] = self.events[-200:]
        view["can_undo"] = self.game.can_undo
        view["injections"] = injections.usage()
        return view

    def _common(self) -> dict[str, Any]:
        g = self.game
        scn = g.scenario
        left = self.seconds_left()
        return {
            "version": self.version,
            "title": scn.scenario.title or scn.name,
            "scenario": scn.name,
            "phase": self.phase,
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
            "news": [e["public"] for e in self.events if e.get("public")][-8:],
            "debrief": self.debrief is not None,
            "debrief_error": self.debrief_error,
        }

    def _team_status(self, team: str) -> dict[str, Any]:
        seat = self.seats[team]
        return {"id": team, "name": self.game.names[self.game.index[team]], "joined": seat.joined,
                "connected": seat.connected, "bot": team in self.game.bots,
                "submitted": self.game.has_chosen(team)}

    def _turn(self, rec: TurnRecord) -> dict[str, Any]:
        g = self.game
        return {"turn": rec.turn, "date": narrate.day(rec.date), "escalation": round(rec.escalation, 1),
                "delta": round(rec.delta, 1),
                "moves": [{"actor": a, "move": rec.moves[k].label, "by": rec.chosen_by[k]}
                          for k, a in enumerate(g.ids)],
                "story": narrate.turn_sentences(g, rec)}

    # ------------------------------------------------------------ helpers

    def _everyone_in(self) -> bool:
        people = [a for a in self.game.humans if a not in self.game.bots]
        return bool(people) and not self.game.waiting_for() and self.phase in ("playing", "paused")

    def _check_playing(self) -> None:
        if self.phase == "lobby":
            raise PlayError("the game has not started; allowed: wait for the facilitator to start it")
        if self.phase == "over":
            raise PlayError(f"the game is over ({self.game.over_reason})")

    def _bot(self, team: str, on: bool) -> None:
        try:
            self.game.set_bot(team, on)
        except PlayError:
            if on:          # a seat whose rule needs a person simply waits for its team
                return
            raise

    def _arm_timer(self) -> None:
        self.deadline = self.clock() + self.turn_seconds if self.turn_seconds > 0 else None

    def _over(self, why: str) -> None:
        self.phase = "over"
        self.deadline = None
        self._record("server", f"game over: {why}", public=f"Game over: {why}.")

    def _changed(self) -> None:
        self.version += 1

    def _record(self, who: str, what: str, public: str | None = None) -> None:
        """Log an action (in memory and in log.jsonl), and save the game if it changed."""
        event = {"t": time.strftime("%H:%M:%S"), "turn": self.game.next_turn, "who": who, "what": what}
        if public:
            event["public"] = public
        self.events.append(event)
        self._changed()
        try:
            with open(self.out / "log.jsonl", "a", encoding="utf-8") as f:
                f.write(json.dumps(event) + "\n")
            # game.json holds the turns, the injections and whether the game was stopped; a join, a
            # submission or a message leaves it as it was (choices stay secret, and are not saved)
            saved = (self.game.turn, len(self.game.injections), self.game.stopped)
            if saved != self._saved:
                savefile.write(self.game, self.out / "game.json", make_folder=True)
                self._saved = saved
        except (OSError, SimError) as exc:     # a full disk must not stop the lesson; the facilitator sees it
            self.events.append({"t": event["t"], "turn": event["turn"], "who": "server",
                                "what": f"could not save: {exc}"})

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
        stage = new_stage(self.out, "debrief")
        try:
            files = await asyncio.to_thread(debrief.write_debrief, game, stage, self.band_runs,
                                            game_file=self.out / "game.json")
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


def briefing_of(game: Game, team: str) -> dict[str, Any]:
    """A team's briefing (`sim.briefing`: the scenario's, or what can be derived from the scenario)."""
    b = briefing(game.scenario, team)
    return {"background": b.background, "objectives": list(b.objectives), "knows": list(b.knows),
            "intelligence": list(b.intelligence)}
