"""The prompt loop of `run_sim.py play`: briefings, hidden choices, commands, the reveal, the debrief.

Input is read from standard input one line at a time, so a script can play a game
(``run_sim.py play ... < moves.txt``). On a terminal the screen is cleared between turns, the
reveal waits for Enter, and in hot seat (two or more teams) nothing typed is shown, from the first
prompt to the last: the terminal's echo stays off for the whole game (so keys typed early, or arrow
keys, never appear either) and a hint never repeats what was typed. Bad input gets a one-line hint
and the same prompt again. End of input (Ctrl-D) or Ctrl-C saves the game to a file named on screen,
to be continued with ``play --resume FILE``; a finished game's file is never replaced by another game.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TextIO

from sim.core.errors import SimError, Terminated
from sim.core.safeio import locked_folder
from sim.output.result_files import mark_ours
from sim.play import injections, narrate, savefile
from sim.play.engine import Game
from sim.play.screen import Screen

NEXT = "next"       # what a handled command asks the loop to do next
REDRAW = "redraw"
STAY = "stay"
LEAVE = "leave"


class Session:
    """One game at the prompt.

    Args:
        game: the game, new or resumed.
        screen: where it is drawn.
        stdin: where lines are read from.
        out: the debrief folder; the game is saved there (``game.json``) on Ctrl-D or Ctrl-C.
        band_runs: model-only runs for the debrief.
        keyboard: standard input is a terminal, so a person types: the reveal waits for Enter and, in
            hot seat, typing is hidden. Otherwise (a script) each line read is echoed to the screen.
    """

    def __init__(self, game: Game, screen: Screen, stdin: TextIO, out: Path, band_runs: int = 1000,
                 keyboard: bool = False, jobs: int = 1):
        self.game = game
        self.screen = screen
        self.stdin = stdin
        self.out = Path(out)
        self.band_runs = band_runs
        self.keyboard = keyboard
        self.jobs = jobs
        self.hiding = len(game.humans) >= 2    # hot seat: decided once, so a forced move never turns it off
        self.written: dict[str, Path] = {}
        self.saved_to: Path | None = None       # the file this session last saved the game in (its own)
        self.flash: list[tuple[str, str]] = []   # notes shown under the next screen (a redraw clears the old one)

    @property
    def autosave(self) -> Path:
        """Where the game is saved after every turn and on leaving: the file this session saved it in
        already, else game.json in its folder, or game-2.json ... if that holds another game, or this one
        as it no longer is (asked until it is first saved: an undo can go back past it)."""
        if self.saved_to is not None:     # the folder is locked: no one else has written it since
            return self.saved_to
        return _free_name(self.out / "game.json", self.game)

    # ------------------------------------------------------------ the loop

    def run(self) -> int:
        """Play until the game ends or the class leaves; returns the exit status."""
        where = f"Debrief and game file: {self.out}{'/' if not str(self.out).endswith('/') else ''}"
        try:
            with _no_echo(self.stdin, self.keyboard and self.hiding):
                return self._loop(where)
        except EOFError:
            return self._leave("End of input", 0)
        except KeyboardInterrupt as exc:
            if isinstance(exc, Terminated):
                return self._leave(f"Stopped ({exc.name})", 128 + exc.signum)
            return self._leave("Interrupted (Ctrl-C)", 130)

    def _loop(self, where: str) -> int:
        game, screen = self.game, self.screen
        first = True
        if screen.interactive:     # the first screen alone: the whole briefing fits below it no longer
            screen.clear()
            screen.title(game, where)
            self._show_flash()
            self._pause("Enter: show the first briefing · help · quit: ")
            first = False
        redraw = True
        while True:
            if game.finished:
                if game.over_reason == "quit" or self._end_prompt() == LEAVE:
                    break
                redraw = True
                continue
            waiting = game.waiting_for()
            if not waiting:
                record = game.play()
                self._keep()    # on disk before it is shown: a killed game loses no revealed turn
                screen.clear()
                screen.reveal(game, record)
                if self.keyboard and not game.finished:
                    self._pause()
                redraw = True
                continue
            team = waiting[0]
            if redraw:
                screen.clear()
                if first:
                    screen.title(game, where)
                    first = False
                screen.briefing(game)
                screen.waiting(game)
                screen.menu(game, game.index[team])
                self._show_flash()
                redraw = False
            answer = self._handle(self._ask(self._move_prompt(team)), team)
            if answer == LEAVE:
                break
            redraw = answer in (NEXT, REDRAW)
        return self._finish()

    def _show_flash(self) -> None:
        for message, style in self.flash:
            self.screen.note(message, style=style)
        self.flash = []

    def _finish(self) -> int:
        game, screen = self.game, self.screen
        saved = self._save()     # first: whatever happens to the debrief, the class's game is kept
        if game.over_reason == "quit":
            screen.game_over(game)
        folder = self.out
        if not may_replace(folder / "game.json", game):   # a finished game resumed, then played differently
            folder = _free_folder(self.out)
            screen.note(f"The finished game in {self.out / 'game.json'} and its debrief stay as they were; this "
                        f"game's debrief goes into {folder}", style="warn")
        screen.note(f"Writing the debrief: running the model alone {self.band_runs:,} times from the same start ...")
        from sim.play.debrief import write_debrief

        try:
            if folder == self.out:     # locked by the command for its whole life
                self.written = write_debrief(game, folder, self.band_runs, self.jobs)
            else:
                with locked_folder(folder):
                    self.written = write_debrief(game, folder, self.band_runs, self.jobs)
        except (SimError, OSError, MemoryError) as exc:
            if isinstance(saved, SimError):
                screen.hint(f"the debrief could not be written ({exc}), and the game could NOT be saved: {saved}")
            else:
                screen.hint(f"the debrief could not be written ({exc}); the game is saved in {saved}: "
                            f"python run_sim.py replay {saved} --out FOLDER writes it")
            return 2
        screen.note(f"Debrief: {self.written['debrief.html']} (open in a browser) and {self.written['debrief.md']}",
                    style="ok")
        screen.note(f"Game file: {self.written['game.json']}  (replay: python run_sim.py replay "
                    f"{self.written['game.json']})", style="ok.dim")
        return 0

    def _save(self) -> Path | SimError:
        """Save the game into its folder; the path, or the error that prevented it."""
        try:
            path = savefile.write(self.game, self.autosave, make_folder=True)
            mark_ours(self.out)
        except SimError as exc:
            return exc
        except OSError as exc:
            return SimError(f"{self.out}: {exc.strerror or exc}")
        self.saved_to = path
        return path

    def _keep(self) -> None:
        """Save the game after a change (a turn, an undo, an injection); if it cannot be, say so and go on."""
        saved = self._save()
        if isinstance(saved, SimError):
            self._flash(f"the game could NOT be saved: {saved}", "warn")

    def _leave(self, why: str, status: int) -> int:
        """Save the game before leaving on end of input, Ctrl-C, SIGTERM or SIGHUP; then say so."""
        path = self._save()     # before anything is printed: after SIGHUP there may be no terminal left
        try:
            self.screen.print("")
            if isinstance(path, SimError):
                self.screen.hint(f"{why}: the game could NOT be saved: {path}")
                return status or 2
            self.screen.note(f"{why}: game saved to {path}", style="warn")
            self.screen.note(f"Continue with: python run_sim.py play --resume {path}", style="warn.dim")
        except OSError:
            pass
        return status

    # ------------------------------------------------------------ prompts

    def _move_prompt(self, team: str) -> str:
        game = self.game
        name = game.names[game.index[team]]
        hidden = " (typing is hidden)" if self.hiding and self.keyboard else ""
        return f"Turn {game.next_turn} · {name} ({team}), your move [{self._numbers(team)}, or help]{hidden}: "

    def _numbers(self, team: str) -> str:
        return ", ".join(str(int(m) + 1) for m in self.game.legal(team))

    def _ask(self, prompt: str) -> str:
        """One line from standard input (in hot seat never shown); EOFError at its end."""
        self.screen.print(prompt, end="", style="bold", markup=False, highlight=False)
        self.screen.console.file.flush()
        line = self.stdin.readline()
        if self.keyboard:
            if self.hiding:   # the terminal did not echo the line, nor its newline
                self.screen.print("")
        elif line:            # a script's input is not shown by the terminal: echo it
            self.screen.print("(hidden)" if self.hiding else line.rstrip("\n"), markup=False, highlight=False)
        if line == "":
            self.screen.print("")
            raise EOFError
        return line.strip()

    def _pause(self, prompt: str = "Enter: next turn · undo · save FILE · inject EVENT · quit · help: ") -> None:
        """On a terminal, after the reveal (or the first screen): Enter goes on; the facilitator's commands
        work here too."""
        while True:
            line = self._ask(prompt)
            if not line:
                return
            answer = self._command(line)
            if answer is None:
                self.screen.hint("press Enter first; the next team chooses after the briefing")
                continue
            if answer in (LEAVE, REDRAW, NEXT) or self.game.finished:
                return

    def _end_prompt(self) -> str:
        """The game is over: Enter (or end of input) writes the debrief; undo takes back the last turn."""
        self.screen.game_over(self.game)
        while True:
            try:
                line = self._ask("Enter: write the debrief · undo: take back the last turn · save FILE: ")
            except EOFError:
                return LEAVE
            if not line or line.lower() in ("quit", "exit", "q"):
                return LEAVE
            word = line.split()[0].lower()
            if word in ("undo", "save", "help", "?"):
                self._command(line)
                if not self.game.finished:
                    return REDRAW
                continue
            self.screen.hint("the game is over: press Enter for the debrief, or type undo to take back the last turn")

    # ------------------------------------------------------------ input

    def _handle(self, line: str, team: str) -> str:
        """A line typed at a team's prompt: a command or a move."""
        if not line:
            self.screen.hint("type a move (its number or name in the menu) or a command; help lists them")
            return STAY
        answer = self._command(line)
        if answer is not None:
            return answer
        try:
            move = injections.parse_move(line)
            self.game.choose(team, move)
        except SimError as exc:
            if self.hiding:    # the reason would tell the room what the team tried
                self.screen.hint(f"not one of the moves open to {team} now (what was typed stays hidden); "
                                 f"type {self._numbers(team)} or a move's name, or help")
            else:
                self.screen.hint(f"{exc} (help lists the commands)")
            return STAY
        if self.game.waiting_for():
            name = narrate.cap(narrate.prose_names(self.game)[self.game.index[team]])
            self.screen.note(f"{name} has chosen (hidden until every team "
                             "has chosen).", style="ok")
        return NEXT

    def _flash(self, message: str, style: str) -> None:
        """A note that must survive the redraw that follows: on a terminal it is shown under the new screen."""
        if self.screen.interactive:
            self.flash.append((message, style))
        else:
            self.screen.note(message, style=style)

    def _command(self, line: str) -> str | None:
        """Run a facilitator's command; None if `line` is not one."""
        word, _, rest = line.partition(" ")
        word = word.lower()
        rest = rest.strip()
        game, screen = self.game, self.screen
        if word in ("help", "?", "h"):
            screen.help()
            return STAY
        if word == "quit" or word == "exit":
            game.stop()
            screen.note("The facilitator ends the game.", style="warn")
            return LEAVE
        if word == "undo":
            try:
                kind = game.undo()
            except SimError as exc:
                screen.hint(str(exc))
                return STAY
            said = {"choices": "Cleared this turn's choices: every team chooses again.",
                    "injection": "Cancelled the last injection.",
                    "turn": f"Took back turn {game.next_turn}: back to its briefing, before the moves were revealed."}
            self._keep()
            self._flash(said[kind], "warn")
            return REDRAW
        if word == "save":
            try:
                autosave = self.autosave
                target = _save_target(rest) if rest else autosave
                if target != self.saved_to and savefile.is_game_file(target) and not may_replace(target, game):
                    what = "a finished game" if _over(target) else "another game"
                    raise SimError(f"save {target}: holds {what}, which would be lost; allowed: a new file name, "
                                   f"or save alone ({autosave})")
                path = savefile.write(game, target, make_folder=target == autosave)
                if target == autosave:
                    mark_ours(self.out)
            except SimError as exc:
                screen.hint(str(exc))
                return STAY
            screen.note(f"Saved to {path}. Continue later with: python run_sim.py play --resume {path}",
                        style="ok")
            return STAY
        if word == "inject":
            try:
                event = injections.parse(game, rest)
                game.inject(event)
            except SimError as exc:
                screen.hint(str(exc))
                return STAY
            self._keep()
            self._flash(f"Injected for turn {event.turn}: {event.note}", "event")
            return REDRAW
        if word in ("resume", "load", "replay"):
            screen.hint(f"{word} works from the command line: python run_sim.py play --resume FILE")
            return STAY
        return None


def _over(path: Path) -> bool:
    """Whether `path` holds a finished game (False if it holds none)."""
    try:
        return savefile.read(path).over
    except SimError:
        return False


def _save_target(text: str) -> Path:
    """The file of `save FILE`: a name of at most 255 bytes without NUL, .json added if it has no suffix."""
    if "\0" in text or any(len(part.encode("utf-8", "replace")) > 250 for part in Path(text).parts):
        raise SimError(f"save {text[:40]!r}: allowed: a file name of at most 250 bytes, without NUL characters")
    target = Path(text)
    if target.name in ("", ".."):       # "/", ".", "..": a folder, which has no file name to add .json to
        raise SimError(f"save {text[:40]!r}: a folder; allowed: a file name, e.g. save game.json")
    return target.with_suffix(".json") if target.suffix == "" else target


def _free_name(path: Path, game: Game) -> Path:
    """`path`, or game-2.json, game-3.json ... if `path` holds another game than `game` (one it does not
    continue, such as the finished game a resumed one started from and then undid)."""
    candidate, k = path, 2
    while not may_replace(candidate, game):
        candidate = path.with_name(f"{path.stem}-{k}{path.suffix}")
        k += 1
    return candidate


def _free_folder(folder: Path) -> Path:
    """`folder`-2, -3 ...: the first that does not exist."""
    k = 2
    while folder.with_name(f"{folder.name}-{k}").exists():
        k += 1
    return folder.with_name(f"{folder.name}-{k}")


def may_replace(path: Path, game: Game) -> bool:
    """Whether saving `game` to `path` loses no other game: no file there, or the file holds `game` itself,
    at an earlier point and not over, or exactly as it is now."""
    if not path.exists():
        return True
    try:
        saved = savefile.read(path)
    except SimError:
        return False
    if saved.scenario.name != game.scenario.name or saved.seed != game.seed or saved.teams != list(game.humans):
        return False
    played = [r.to_json(game.ids) for r in game.history]
    keys = ("turn", "moves", "chosen_by")
    if len(saved.log) > len(played) or any({k: a[k] for k in keys} != {k: b[k] for k in keys}
                                           for a, b in zip(saved.log, played, strict=False)):
        return False
    if not saved.over:
        return True
    return (game.finished and len(saved.log) == len(played) and saved.stopped == game.stopped
            and [j.text for j in saved.injections] == [j.text for j in game.injections])


def check_out(out: Path, game: Game, resumed: Path | None) -> None:
    """Refuse a debrief folder whose game.json holds another game (finished or not), which the debrief
    would replace; the file being resumed is the game's own."""
    path = Path(out) / "game.json"
    if not path.exists() or (resumed is not None and path.resolve() == Path(resumed).resolve()):
        return
    if not savefile.is_game_file(path):
        raise SimError(f"--out {out}: {path} exists and is not a saved game; allowed: a new --out folder")
    if may_replace(path, game):
        return
    saved = savefile.read(path)
    if saved.over:
        raise SimError(f"--out {out}: holds a finished game ({path}); allowed: a new --out folder (that game "
                       f"and its debrief stay), or play --resume {path}")
    raise SimError(f"--out {out}: holds another game in progress ({path}); allowed: play --resume {path}, or a "
                   "new --out folder")


@contextmanager
def _no_echo(stdin: TextIO, on: bool) -> Iterator[None]:
    """Turn the terminal's echo off while the block runs (hot seat), and back as it was after it.

    Off for the whole game, not only while a line is read: keys typed while the screen is drawn, or at
    the pause after the reveal, are not shown either. Not a POSIX terminal (Windows): nothing changes."""
    saved: list[Any] | None = None
    if on:
        try:
            import termios
            fd = stdin.fileno()
            saved = termios.tcgetattr(fd)
            quiet = termios.tcgetattr(fd)
            quiet[3] &= ~(termios.ECHO | termios.ECHONL)
            termios.tcsetattr(fd, termios.TCSANOW, quiet)
        except (ImportError, OSError, ValueError, AttributeError):
            saved = None
    try:
        yield
    finally:
        if saved is not None:
            with suppress(OSError, termios.error):   # the terminal is gone (SIGHUP)
                termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False

