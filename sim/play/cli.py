"""The `play` and `replay` commands (registered by `sim.cli.build_parser`)."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

from sim.arguments import shared
from sim.core import scenario
from sim.core.errors import SimError
from sim.core.options import DEFAULT_BAND, DEFAULT_SCENARIO, DEFAULT_SEED
from sim.core.safeio import locked_folder
from sim.engine import budget
from sim.terminal import path_arg, prepare_model, use_file_backend

DEFAULT_TURNS = 12          # a lesson: about a year of 30-day turns
#: --seed and --turns of a game (play, classroom), as they differ from those of runs
GAME_SEED = f"root seed: the same seed and moves give the same game (default {DEFAULT_SEED})"
GAME_TURNS = f"turn limit (default {DEFAULT_TURNS}, or the scenario's if fewer)"
#: --force of the commands that write a game's debrief
DEBRIEF_FORCE = "write into a non-empty --out folder this program did not make"


PLAY_EPILOG = """\
examples:
  # one team plays the United States, the model plays Russia and NATO
  %(prog)s inf_2018 --as US
  # hot seat: two teams choose in turn, hidden from each other
  %(prog)s inf_2018 --as US --as RU
  # the class plays every side for 8 turns
  %(prog)s inf_2018 --as all --turns 8
  # continue a game saved at the prompt with `save mygame.json`
  %(prog)s --resume mygame.json
"""

REPLAY_EPILOG = """\
examples:
  # check a game saved at the prompt with `save mygame.json`, and print its turns
  %(prog)s mygame.json
  # the same, and write its debrief into results/mygame/
  %(prog)s mygame.json --out results/mygame
  # the debrief of a class started with --posterior, written again with the same band
  %(prog)s results/lesson1/game.json --out results/lesson1_again --posterior docs/inf_2014_2019_posterior.json
"""


def add_parsers(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser] | None = None) -> None:
    """Add `play` and `replay` to the subcommands `sub`.

    `sub` already makes parsers of the command line's class (`parser_class`, one-line errors, exit
    status 2); the argument is taken for symmetry with other command groups and not needed here.
    """
    play = sub.add_parser(
        "play", help="classroom game: teams play actors, then a debrief", epilog=PLAY_EPILOG,
        parents=[shared(
            "--set", "--turns", "--seed", "--out", "--band-runs", "--force",
            set="change a scenario value before the game, e.g. actors.RU.rule.otherwise=hold (repeatable; default: "
                "none, the file's values)",
            turns=GAME_TURNS, seed={"default": None, "help": GAME_SEED},   # None: not given (--resume checks it)
            out="debrief folder (default: a new dated folder under results/; with --resume of a debrief's "
                "game.json: that folder)", force=DEBRIEF_FORCE)],
        description="A terminal game for a class: teams type the moves of the actors given with --as, the "
                    "model plays the others by their scenario rules. At the prompt: a move (its number "
                    "or name), help, undo, inject EVENT, save FILE, quit; Ctrl-D and Ctrl-C save the game "
                    "first.\n\n"
                    "At the end (turn limit, incident or quit) a debrief folder (default "
                    "results/play_SCENARIO_DATE_TIME/) compares the game with model-only runs: debrief.html "
                    "(self-contained, opens offline), debrief.md, escalation.png, payoffs.png, band.json and "
                    "game.json (the game file: `replay` replays it, `play --resume` continues it). See "
                    "docs/classroom.md.")
    play.add_argument("scenario", nargs="?", default=None,
                      help=f"a name in scenarios/ or a TOML file (default {DEFAULT_SCENARIO}; with --resume: "
                           "the saved game's)")
    play.add_argument("--as", dest="teams", action="append", default=[], metavar="ACTOR",
                      help="an actor the class plays (repeat for hot seat: teams choose in turn, hidden from "
                           "each other), or 'all' (default: the actors whose scenario rule is 'human')")
    play.add_argument("--resume", type=path_arg("--resume"), default=None, metavar="FILE",
                      help="continue a saved game (a file from `save FILE`, Ctrl-D/Ctrl-C, or a debrief's "
                           "game.json; default: a new game)")
    play.add_argument("--theme", choices=("dark", "light"), default=None,
                      help="colours for a dark or a light terminal background (default: light if the COLORFGBG "
                           "variable says the background is light, else dark)")

    rep = sub.add_parser(
        "replay", help="replay a saved game exactly and print its turns", epilog=REPLAY_EPILOG,
        parents=[shared("--posterior", "--out", "--band-runs", "--force",
                        posterior="with --out: the debrief's band of model-only runs draws each run's parameters "
                                  "from this posterior file of `calibrate`, as `classroom --posterior` does "
                                  "(default: the scenario's values)",
                        out="also write the debrief into this folder (default: none, print only)",
                        band_runs=f"model-only runs for the debrief (default {DEFAULT_BAND})",
                        force=DEBRIEF_FORCE)],
        description="Replays a game file: the teams' moves and the facilitator's events as saved, the "
                    "model's moves decided again. Every turn must come out as saved (moves, escalation, "
                    "treaty, missiles, payoffs), else exit status 2. Prints the turns as a table and writes "
                    "nothing, unless --out: then the debrief too (debrief.html, debrief.md, escalation.png, "
                    "payoffs.png, band.json, game.json), as `play` writes it.")
    rep.add_argument("file", type=path_arg("file"), help="a game file (game.json of a debrief, or from save FILE)")


def resolve_teams(texts: list[str], ids: list[str], source: str) -> list[str]:
    """Actor ids from --as values (case-insensitive, 'all', commas allowed)."""
    wanted: list[str] = []
    for text in texts:
        for word in filter(None, (w.strip() for w in text.split(","))):
            if word.lower() == "all":
                wanted.extend(ids)
                continue
            match = next((a for a in ids if a.lower() == word.lower()), None)
            if match is None:
                raise SimError(f"--as {word}: not an actor of {source}; allowed: {', '.join(ids)} or all")
            wanted.append(match)
    if not wanted:
        raise SimError(f"--as {' --as '.join(map(repr, texts))}: names no actor of {source}; "
                       f"allowed: {', '.join(ids)} or all")
    return [a for a in ids if a in wanted]


def _seats(scn: scenario.Scenario) -> list[str]:
    """Actors whose rule in the scenario is a seat for a person (rule "human"), if the registry has them."""
    try:
        from sim.rules.registry import human_actors
    except ImportError:   # pragma: no cover - a registry without seats for people
        return []
    return human_actors({a.id: a.rule for a in scn.actors})


def default_out(name: str, kind: str = "play") -> Path:
    """A new dated folder under results/ for a game of scenario `name`: results/KIND_NAME_DATE_TIME."""
    stamp = datetime.now().strftime("%Y-%m-%d_%H%M%S")
    base = Path("results") / f"{kind}_{name}_{stamp}"
    out, k = base, 2
    while out.exists():
        out = base.with_name(f"{base.name}-{k}")
        k += 1
    return out


def prepare_game(scn: scenario.Scenario) -> None:
    """Have the kernels a game of `scn` plays ready before anything is shown (compiling them the first time
    takes minutes, said on stderr): those of the scenario with a person's seat played by the quantal rule,
    as the debrief's model-only runs play it."""
    from sim.play.debrief import model_only

    prepare_model(model_only(scn)[0])


def check_band(runs: int, turns: int, actors: int) -> None:
    """Refuse a debrief band that cannot fit in memory, before the class plays a game it would lose."""
    budget.check_memory(f"--band-runs {runs}", budget.summary_bytes(runs, turns, actors) + runs * turns * actors * 8)


def check_turns(turns: int | None) -> None:
    """Refuse a turn limit that a game file cannot hold (it could then be neither resumed nor replayed)."""
    from sim.play.savefile import MAX_TURNS

    if turns is not None and turns > MAX_TURNS:
        raise SimError(f"--turns {turns}: more turns than a game file holds; allowed: a whole number from 1 to "
                       f"{MAX_TURNS:,}")


def cmd_play(args: argparse.Namespace) -> int:
    from sim.output.result_files import MARKER, prepare_out_dir

    check_turns(args.turns)
    out = args.out
    if out is None and args.resume is not None and args.resume.name == "game.json" \
            and (args.resume.parent / MARKER).exists():
        out = args.resume.parent     # a game saved on leaving: its debrief goes into the same folder
    with ExitStack() as held:
        if out is not None:          # held before the game file is read: no other game writes it meanwhile
            prepare_out_dir(out, args.force)
            held.enter_context(locked_folder(out))
        return _play(args, out, held)


def _play(args: argparse.Namespace, out: Path | None, held: ExitStack) -> int:
    """`play`, with `out` (if known yet) locked for the command's life; a new dated folder is locked once made."""
    from sim.output.result_files import prepare_out_dir
    from sim.play import savefile
    from sim.play.engine import Game
    from sim.play.screen import Screen, choose_theme, make_console
    from sim.play.session import Session, check_out, is_terminal

    use_file_backend()   # the debrief draws its figures at the end of the game

    if hasattr(sys.stdin, "reconfigure"):   # a stray byte that is not UTF-8 is a typo, not a crash
        sys.stdin.reconfigure(errors="replace")
    if args.resume is not None:
        saved = savefile.read(args.resume)
        if args.scenario is not None:
            wanted = scenario.load(args.scenario).name
            if wanted != saved.scenario.name:
                raise SimError(f"{args.resume}: a saved game of scenario {saved.scenario.name!r}, not {wanted!r}; "
                               f"allowed: play --resume {args.resume} (its own scenario), or a game file of {wanted}")
        if args.set:
            raise SimError("--set with --resume: a saved game keeps its scenario; allowed: --set for a new game, "
                           "or inject set KEY=VALUE at the prompt")
        if args.seed is not None and args.seed != saved.seed:
            raise SimError(f"--seed {args.seed} with --resume: the saved game has seed {saved.seed}; "
                           "allowed: leave out --seed")
        if args.teams:
            teams = resolve_teams(args.teams, saved.scenario.actor_ids, saved.scenario.name)
            if teams != saved.teams:
                raise SimError(f"--as {' --as '.join(teams)} with --resume: the saved game's teams play "
                               f"{', '.join(saved.teams)}; allowed: leave out --as (teams stay for a whole game)")
        if args.turns is not None and args.turns < len(saved.log):
            raise SimError(f"--turns {args.turns}: the saved game has already played {len(saved.log)} turns; "
                           f"allowed: {len(saved.log)} or more")
        prepare_game(saved.scenario)     # before the replay, which plays the saved turns
        game = savefile.restore(saved, turns=args.turns)
    else:
        overrides = dict(scenario.parse_assignment(item, source=f"--set {item}") for item in args.set)
        scn = scenario.load(args.scenario or DEFAULT_SCENARIO, overrides)
        seats = _seats(scn)     # actors the scenario leaves to a person (rule "human")
        if not args.teams and not seats:
            actors = ", ".join(f"{a.id} ({a.name or a.id})" for a in scn.actors)
            raise SimError(f"play: say which actors the class plays: --as ID (repeatable for hot seat) or --as all; "
                           f"actors of {scn.name}: {actors}")
        teams = resolve_teams(args.teams or seats, scn.actor_ids, scn.name)
        turns = args.turns if args.turns is not None else min(DEFAULT_TURNS, scn.scenario.turns)
        prepare_game(scn)                 # before the game starts its crisis, and before its first screen
        game = Game(scn, seed=args.seed if args.seed is not None else DEFAULT_SEED, humans=teams, turns=turns)
    check_band(args.band_runs, game.turns, len(game.ids))
    if out is None:
        out = default_out(game.scenario.name)
        prepare_out_dir(out, args.force)
        held.enter_context(locked_folder(out))   # made now: the game is saved there after every turn
    check_out(out, game, args.resume)     # never a debrief over another game's
    keyboard = is_terminal(sys.stdin)
    interactive = keyboard and is_terminal(sys.stdout)   # clear the screen only for a person watching it
    screen = Screen(make_console(interactive, choose_theme(args.theme, os.environ)), interactive)
    session = Session(game, screen, sys.stdin, out, args.band_runs, keyboard)
    if args.resume is not None:
        session.flash.append((f"Resumed {args.resume}: {game.turn} turn{'s' if game.turn != 1 else ''} replayed "
                              "exactly.", "ok"))
        if not interactive:
            session.screen.note(*session.flash.pop())
    return session.run()


def cmd_replay(args: argparse.Namespace) -> int:
    from rich.table import Table

    from sim.output.result_files import prepare_out_dir
    from sim.play import savefile
    from sim.play.debrief import band_posterior, short_events, write_debrief
    from sim.play.narrate import day
    from sim.play.roles import BOT, FACILITATOR, SCENARIO, TEAM
    from sim.play.screen import make_console
    from sim.play.session import is_terminal

    marks = {TEAM: "*", BOT: " (bot)", FACILITATOR: " (forced)", SCENARIO: " (event)"}
    saved = savefile.read(args.file)
    posterior = band_posterior(args.posterior, saved.scenario)     # refused before anything is written
    if args.out is not None:
        check_band(args.band_runs, saved.turns, len(saved.scenario.actors))
        prepare_out_dir(args.out, args.force)
    game = savefile.restore(saved)
    console = make_console(is_terminal(sys.stdout))
    table = Table(title=f"{saved.scenario.scenario.title or saved.scenario.name}: seed {game.seed}, "
                        f"teams {', '.join(game.humans) or 'none'} (team moves marked *)",
                  caption="*: the team's move; (bot): the scenario's rule stood in for the team; (forced): the "
                          "facilitator's; (event): the scenario's", caption_justify="left",
                  show_lines=False, pad_edge=False)
    for col in ("turn", "date", *game.ids, "escalation", "what happened"):
        table.add_column(col, justify="right" if col in ("turn", "escalation") else "left",
                         overflow="fold")
    table.add_row("0", day(game.date(0)), *["" for _ in game.ids], f"{game.escalation_path()[0]:.1f}", "start")
    for rec in game.history:
        moves = [rec.moves[i].label + marks.get(rec.chosen_by[i], "") for i in range(len(game.ids))]
        events = "; ".join(e.replace("**", "") for e in short_events(game, rec))
        table.add_row(str(rec.turn), day(rec.date), *moves, f"{rec.escalation:.1f}", events)
    console.print(table)
    status = f"over ({game.over_reason})" if game.finished else "in progress"
    console.print(f"Replayed {game.turn} turns of {game.turns} ({status}): identical to the saved game in every "
                  "move, escalation, treaty status, missile count and payoff.")
    if args.out is not None:
        use_file_backend()
        written = write_debrief(game, args.out, args.band_runs, posterior=posterior)
        console.print(f"Debrief: {written['debrief.html']} and {written['debrief.md']}")
    return 0
