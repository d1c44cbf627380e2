"""The terminal game as a class sees it: hot seat in a real terminal (a pty) hides everything typed, the
screen fits 100 x 40 and reads at 80 columns, the themes, scores in words, finished games never lost,
and bots marked in `replay`. No test waits for a person; band sizes are small."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from sim.core import scenario
from sim.play import injections, narrate, savefile
from sim.play.engine import Game
from sim.play.screen import THEMES, SafeConsole, Screen, choose_theme, make_console
from test_play import play_cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def scn():
    return scenario.load("inf_2018")
BAND = "20"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-Za-z]|\x1b[=>]")




# ---------------------------------------------------------------- hot seat in a real terminal


class Terminal:
    """The real command in a pseudo-terminal of 100 x 40: keys in, the screen's bytes out."""

    def __init__(self, args: list[str]):
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
        env = {**os.environ, "COLUMNS": "100", "LINES": "40", "TERM": "xterm-256color"}
        self.proc = subprocess.Popen([sys.executable, "run_sim.py", *args], cwd=ROOT, stdin=slave, stdout=slave,
                                     stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.seen = b""
        self.pos = 0     # in the text read so far, where the last needle found ends

    def wait_for(self, *needles: str, timeout: float = 120) -> str:
        """Read until one of `needles` appears after the last one found; returns it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            found = [(text.find(n, self.pos), n) for n in needles if text.find(n, self.pos) >= 0]
            if found:
                at, needle = min(found)
                self.pos = at + len(needle)
                return needle
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:     # the program has ended
                    break
        raise AssertionError(f"none of {needles} on screen; last screen:\n{self.text()[self.pos:][-3000:]}")

    def keys(self, data: str) -> None:
        os.write(self.master, data.encode())

    def text(self) -> str:
        return ANSI.sub("", self.seen.decode("utf-8", "replace"))

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=120)
        finally:
            os.close(self.master)


@pytest.mark.slow
def test_hot_seat_in_a_terminal_shows_nothing_typed_not_even_after_a_forced_move(tmp_path):
    """Mistyped moves, arrow keys, typing at the pause and after a forced move: none of it on screen."""
    term = Terminal(["play", "inf_2018", "--as", "US", "--as", "RU", "--turns", "3", "--band-runs", BAND,
                     "--out", str(tmp_path / "hs")])
    try:
        if term.wait_for("first briefing", "United States (US), your move") == "first briefing":
            term.keys("\r")
            term.wait_for("United States (US), your move")
        term.keys("zqxmistyped\r")                   # a mistyped move
        term.wait_for("not one of the moves", "unknown move")
        term.keys("\x1b[A\x1b[Dwithdrawal\r")        # arrow keys, then a move
        term.wait_for("not one of the moves", "unknown move")
        term.keys("withdrawal\r")
        term.wait_for("Russia (RU), your move")
        term.keys("dialogue\r")
        term.wait_for("Enter: next turn")
        term.keys("zqxearly\r")                      # the next team types before Enter
        term.wait_for("press Enter first")
        term.keys("\r")
        term.wait_for("United States (US), your move")
        term.keys("inject force US hold\r")          # the facilitator forces the US: Russia alone chooses
        term.wait_for("Russia (RU), your move [")
        assert term.wait_for("(typing is hidden)", "or help]: ") == "(typing is hidden)"   # hiding stays on
        term.keys("zqxforced\r")
        term.wait_for("not one of the moves", "unknown move")
        term.keys("hold\r")
        term.wait_for("Enter: next turn")
        term.keys("quit\r")
        term.wait_for("Debrief:", timeout=180)
    finally:
        status = term.close()
    assert status == 0
    screen = term.text()
    assert "zqx" not in screen                        # neither echoed by the terminal nor quoted in a hint
    assert "^[" not in screen and "[A" not in screen and "[D" not in screen
    assert "withdrawal" not in screen.split("Moves revealed")[0].split("Russia (RU), your move")[-1]


# ---------------------------------------------------------------- the screen


def screens(width: int, games: int = 6):
    """Every team's screen (briefing, choices, menu, prompt) over a few games, at `width` columns."""
    import random

    scn = scenario.load("inf_2018")
    for seed in range(games):
        rnd = random.Random(seed)
        humans = [["US"], ["US", "RU"], ["US", "RU", "NATO"], ["RU"], ["NATO"], ["RU", "NATO"]][seed % 6]
        game = Game(scn, seed=seed, humans=humans, turns=8)
        while not game.finished:
            for team in humans:
                console = SafeConsole(width=width, record=True, file=io.StringIO(), color_system=None)
                screen = Screen(console, False)
                screen.briefing(game)
                screen.waiting(game)
                screen.menu(game, game.index[team])
                console.print(f"Turn {game.next_turn} · Russia (RU), your move [1, 2, 3, 5, 7, or help] "
                              "(typing is hidden): ")
                yield console.export_text()
            game.play({a: rnd.choice(game.legal(a)) for a in humans})
            console = SafeConsole(width=width, record=True, file=io.StringIO(), color_system=None)
            Screen(console, False).reveal(game, game.history[-1])
            yield console.export_text()


def test_every_screen_fits_100_columns_and_40_rows():
    for text in screens(100):
        lines = text.rstrip("\n").split("\n")
        assert len(lines) <= 38, text          # a hint and a note still fit under it
        assert max(len(line) for line in lines) <= 100 and "…" not in text, text


def test_at_80_columns_the_screen_wraps_and_cuts_nothing():
    for text in screens(80, games=3):
        assert max(len(line) for line in text.split("\n")) <= 80 and "…" not in text, text
        assert "developmen\n" not in text.replace(" ", "").replace("│", ""), text     # words are not cut


def test_the_first_screen_describes_model_sides_in_words_not_rule_internals(scn):
    console = SafeConsole(width=100, record=True, file=io.StringIO(), color_system=None)
    game = Game(scn, seed=1, humans=["US"], turns=4)
    Screen(console, False).title(game, "Debrief and game file: x/")
    text = console.export_text()
    assert "lambda" not in text and "(threshold" not in text and "quantal" not in text and "reciprocal(" not in text
    assert "Russia (RU)" in text and "the model: it follows its declared doctrine: it offers talks" in text
    assert "NATO (NATO)" in text and "weighs what each move would bring it" in text
    game.inject(injections.parse(game, "doctrine RU tit_for_tat"))   # a new doctrine: described as it now is
    assert narrate.rule_words(game, 1) == narrate.RULE_WORDS["mirror"]
    for name in ("quantal", "best_response", "random", "fictitious_play", "ewa", "reciprocal", "mirror",
                 "generous_mirror", "grim", "hawk", "dove", "scripted", "human"):
        assert name in narrate.RULE_WORDS


def test_scores_are_out_of_10_against_what_the_side_could_have_got(scn):
    game = Game(scn, seed=3, humans=["US"], turns=6)
    for move in ("hold", "withdrawal", "dialogue"):
        rec = game.play({"US": move})
    for rec in game.history:
        for i in range(3):
            values = narrate.move_payoffs(game, rec, i)
            assert values[rec.moves[i]] == pytest.approx(float(rec.payoff[i]))   # the same luck as the turn
    first = narrate.move_payoffs(game, game.history[0], 0)     # holding let the US ultimatum lapse
    assert max(first.values()) > first[game.history[0].moves[0]]
    assert narrate.turn_grade(first, game.history[0].moves[0], False) != f"best of {len(first)} moves"
    assert narrate.score_text(1.0, 0.0, 1.0) == "10/10 best" and narrate.score_text(0.0, 0.0, 1.0) == "0/10 worst"
    assert narrate.score_text(0.75, 0.0, 1.0) == "8/10 good" and narrate.score_text(1.0, 1.0, 1.0) == "-"
    console = SafeConsole(width=100, record=True, file=io.StringIO(), color_system=None)
    screen = Screen(console, False)
    screen.briefing(game)
    screen.reveal(game, game.history[-1])
    text = console.export_text()
    assert "/10 " in text and narrate.SCORE_LEGEND in text and "how it did" in text
    assert "+0." not in text.split("Escalation")[0] and "-0." not in text.split("Escalation")[0]   # no raw payoffs


def test_themes_light_is_high_contrast_and_colorfgbg_chooses(monkeypatch, capsys, tmp_path):
    for style in THEMES["light"].values():
        assert not any(pale in style for pale in ("yellow", "cyan", "grey50", "#fdae61", "#9e9e9e"))
    assert set(THEMES["light"]) == set(THEMES["dark"])
    assert choose_theme(None, {}) == "dark" and choose_theme(None, {"COLORFGBG": "0;15"}) == "light"
    assert choose_theme(None, {"COLORFGBG": "15;0"}) == "dark" and choose_theme(None, {"COLORFGBG": "0;default;7"}) \
        == "light"
    assert choose_theme("dark", {"COLORFGBG": "0;15"}) == "dark" and choose_theme(None, {"COLORFGBG": "x"}) == "dark"
    assert str(make_console(True, "light").get_style("warn")) == THEMES["light"]["warn"]
    with pytest.raises(SystemExit) as stop:
        play_cli(monkeypatch, capsys, "", "play", "--as", "US", "--theme", "blue", "--out", str(tmp_path / "never"))
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "--theme" in err and "'dark', 'light'" in err
    assert "Traceback" not in err and not (tmp_path / "never").exists()
    status, _, err = play_cli(monkeypatch, capsys, "quit\n", "play", "--as", "US", "--theme", "light",
                                 "--band-runs", BAND, "--out", str(tmp_path / "light"))
    assert status == 0, err


# ---------------------------------------------------------------- finished games are never lost


def finished_game(monkeypatch, capsys, out: Path) -> bytes:
    status, _, err = play_cli(monkeypatch, capsys, "hold\nhold\n\n", "play", "--as", "US", "--turns", "2",
                              "--band-runs", BAND, "--out", str(out))
    assert status == 0, err
    return (out / "game.json").read_bytes()


def test_reusing_the_out_folder_of_a_finished_game_is_refused(monkeypatch, capsys, tmp_path):
    out = tmp_path / "done"
    kept = finished_game(monkeypatch, capsys, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    status, _, err = play_cli(monkeypatch, capsys, "dialogue\ndialogue\n\n", "play", "--as", "US", "--turns", "2",
                              "--band-runs", BAND, "--out", str(out))
    assert status == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"holds a finished game ({out / 'game.json'})" in err and "allowed: a new --out folder" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before and (out / "game.json").read_bytes() == kept
    # a game in progress left there (end of input) is not replaced by another game either
    mid = tmp_path / "mid"
    status, _, _ = play_cli(monkeypatch, capsys, "hold\n", "play", "--as", "US", "--turns", "3", "--band-runs", BAND,
                            "--out", str(mid))
    status, _, err = play_cli(monkeypatch, capsys, "", "play", "--as", "RU", "--out", str(mid))
    assert status == 2 and "holds another game in progress" in err and f"play --resume {mid / 'game.json'}" in err


def test_a_finished_game_resumed_and_played_differently_keeps_the_original(monkeypatch, capsys, tmp_path):
    out = tmp_path / "done"
    kept = finished_game(monkeypatch, capsys, out)
    status, text, err = play_cli(monkeypatch, capsys, "undo\ndialogue\n\n", "play", "--resume", str(out / "game.json"),
                                 "--band-runs", BAND)
    assert status == 0, err
    assert (out / "game.json").read_bytes() == kept
    again = tmp_path / "done-2"
    assert f"this game's debrief goes into {again}" in text
    assert json.loads((again / "game.json").read_text())["log"][1]["moves"]["US"] == "dialogue"
    # resumed and left at once (end of input), the finished game stays as it was, in its one file
    status, text, err = play_cli(monkeypatch, capsys, "", "play", "--resume", str(out / "game.json"),
                                 "--band-runs", BAND)
    assert json.loads((out / "game.json").read_text())["log"] == json.loads(kept)["log"]
    # undone and left: saved beside it, never over it
    status, text, err = play_cli(monkeypatch, capsys, "undo\n", "play", "--resume", str(out / "game.json"),
                                 "--band-runs", BAND)
    assert (out / "game.json").read_bytes() != b"" and json.loads((out / "game.json").read_text())["log"] == \
        json.loads(kept)["log"]
    assert f"game saved to {out}/game-" in text


@pytest.mark.slow
def test_ctrl_c_in_a_resumed_finished_game_keeps_it(monkeypatch, capsys, tmp_path):
    import signal

    out = tmp_path / "done"
    kept = json.loads(finished_game(monkeypatch, capsys, out))
    proc = subprocess.Popen([sys.executable, "run_sim.py", "play", "--resume", str(out / "game.json"),
                             "--band-runs", BAND], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdin.write(b"undo\n")
    proc.stdin.flush()
    seen, deadline = b"", time.monotonic() + 300     # generous: a machine shared with other work is slow
    while b"your move" not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:      # the game has ended
                break
            seen += chunk
    if b"your move" not in seen:
        proc.kill()
        pytest.fail(f"the resumed game did not ask for a move: {seen[-2000:]!r} {proc.communicate()[1]!r}")
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err.decode()
    assert json.loads((out / "game.json").read_text())["log"] == kept["log"]
    assert "game saved to" in (seen + rest).decode() and "game-2.json" in (seen + rest).decode()


def test_save_file_never_replaces_another_game_nor_makes_folders(monkeypatch, capsys, tmp_path):
    other = tmp_path / "other"
    kept = finished_game(monkeypatch, capsys, other)
    target = other / "game.json"
    script = f"save {target}\nsave {tmp_path / 'no' / 'such' / 'x.json'}\nsave {tmp_path / 'mine.json'}\n" \
             f"hold\nsave {tmp_path / 'mine.json'}\n"
    status, text, err = play_cli(monkeypatch, capsys, script, "play", "--as", "RU", "--turns", "3",
                                 "--band-runs", BAND, "--out", str(tmp_path / "new"))
    assert status == 0, err
    assert f"save {target}: holds a finished game, which would be lost; allowed: a new file name" in text
    assert target.read_bytes() == kept
    assert "no folder" in text and not (tmp_path / "no").exists()
    assert text.count(f"Saved to {tmp_path / 'mine.json'}") == 2      # its own file, saved again later: fine


# ---------------------------------------------------------------- replay


def test_replay_marks_a_bots_moves_as_the_bots_not_the_teams(monkeypatch, capsys, tmp_path, scn):
    game = Game(scn, seed=4, humans=["US", "RU"], turns=3)
    game.set_bot("RU", True)
    game.play({"US": "hold"})
    game.set_bot("RU", False)
    game.play({"US": "hold", "RU": "hold"})
    path = savefile.write(game, tmp_path / "bot.json")
    status, text, err = play_cli(monkeypatch, capsys, "", "replay", str(path))
    assert status == 0, err
    rows = [line for line in text.splitlines() if line.lstrip("│┃ ").startswith(("1 ", "2 "))]
    ru_first = game.history[0].moves[1].label
    assert f"{ru_first} (bot)" in rows[0] and f"{ru_first}*" not in rows[0]
    assert "hold*" in rows[1] and "(bot)" not in rows[1]
    assert "(bot): the scenario's rule stood in for the team" in text
