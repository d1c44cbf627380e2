"""`run_sim.py classroom`: start the web classroom's server and print where everyone goes."""

from __future__ import annotations

import argparse
import socket
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.arguments import shared
from sim.core import scenario
from sim.core.errors import SimError
from sim.core.options import DEFAULT_SCENARIO, MAX_TURN_SECONDS
from sim.core.safeio import locked_folder
from sim.core.textsafe import printable
from sim.engine import interrupts
from sim.terminal import path_arg, use_file_backend, whole_number

if TYPE_CHECKING:
    from sim.play.engine import Game

DEFAULT_HOST, DEFAULT_PORT, DEFAULT_TURN_SECONDS = "127.0.0.1", 8765, 180

EPILOG = """\
examples:
  # try it out on this computer: open the projector's address, join as a team in another window
  %(prog)s inf_2018
  # a lesson: students' devices on the room's network join; four minutes a turn
  %(prog)s inf_2018 --host 0.0.0.0 --turn-seconds 240 --out results/lesson1
  # two teams (the model plays NATO), eight turns
  %(prog)s inf_2018 --teams US,RU --turns 8
  # the debrief's band of model-only runs drawn from the calibrated posterior
  %(prog)s inf_2018 --posterior docs/inf_2014_2019_posterior.json
  # the server stopped: go on with the saved game (the same codes, PIN, settings and messages)
  %(prog)s --resume results/lesson1/game.json --host 0.0.0.0
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add `classroom` to the subcommands `sub`."""
    from sim.play.cli import DEBRIEF_FORCE, GAME_SEED, GAME_TURNS

    p = sub.add_parser(
        "classroom", help="the classroom game on the web: a page per team, a projector",
        epilog=EPILOG,
        parents=[shared("--set", "--turns", "--seed", "--posterior", "--out", "--band-runs", "--force",
                        set="change a scenario value before the game (repeatable; default: none)",
                        posterior="the debrief's band of model-only runs draws each run's parameters from this "
                                  "posterior file of `calibrate`, so it shows parameter uncertainty beside chance; "
                                  "the class plays at the scenario's values (default: the scenario's values; with "
                                  "--resume: the saved room's)",
                        turns=GAME_TURNS, seed=GAME_SEED, force=DEBRIEF_FORCE,
                        out="folder of the game file, the log and the debrief (default: a new dated folder under "
                            "results/)")],
        description="Starts a local web server for one game and prints the projector's address, the "
                    "facilitator's address and PIN, and one join code per team. Each team plays on its own "
                    "device: its briefing, its moves, secret submission, messages. A team nobody has joined "
                    "is played by its scenario rule until someone joins. Needs no internet. The game is saved "
                    "to OUT/game.json after every change (`replay` replays it); at the end the debrief is "
                    "written to OUT and shown at /debrief. Ctrl-C stops the server. See docs/classroom.md.")
    p.add_argument("scenario", nargs="?", default=None,
                   help=f"a name in scenarios/ or a TOML file (default {DEFAULT_SCENARIO}; with --resume: the "
                        "saved game's)")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}: this computer only; 0.0.0.0: every "
                        "network it is on, for students' devices)")
    p.add_argument("--port", type=whole_number(0, "--port", 65535), default=DEFAULT_PORT,
                   help=f"port; 0: any free one, printed (default {DEFAULT_PORT})")
    p.add_argument("--teams", default=None, metavar="IDS",
                   help="actors the class plays, comma-separated, e.g. US,RU,NATO (default: every actor)")
    p.add_argument("--turn-seconds", type=whole_number(0, "--turn-seconds", MAX_TURN_SECONDS),
                   default=None, metavar="S",
                   help=f"time for each turn; 0: no timer (default {DEFAULT_TURN_SECONDS}, or with --resume the "
                        "saved room's; at most a day)")
    p.add_argument("--no-discussion", dest="discussion", action="store_false", default=None,
                   help="open the next turn as soon as moves are revealed (default: after each reveal the game "
                        "waits in a discussion phase until the facilitator opens the next turn; with --resume: "
                        "as the saved room)")
    p.add_argument("--resume", type=path_arg("--resume"), default=None, metavar="FILE",
                   help="go on with a saved game (its game.json; the room beside it, room.json, keeps the codes, "
                        "PIN, settings and messages; default: a new game)")
    p.add_argument("--trusted-proxy", type=proxy_addresses, default=None, metavar="IPS",
                   help="the addresses of a reverse proxy in front of the server, comma-separated: only from "
                        "these is X-Forwarded-For believed as the client's address (default: none, the "
                        "connection's address counts, e.g. for too many wrong codes)")


def proxy_addresses(text: str) -> str:
    """An argparse type: IP addresses, comma-separated (as uvicorn's forwarded_allow_ips takes them)."""
    import ipaddress

    parts = [part.strip() for part in text.split(",")]
    for part in parts:
        try:
            ipaddress.ip_address(part)
        except ValueError:
            shown = part if len(part) <= 40 else part[:37] + "..."
            raise argparse.ArgumentTypeError(f"--trusted-proxy = {shown!r}: allowed: IP addresses, comma-separated, "
                                             "e.g. 127.0.0.1") from None
    return ",".join(parts)


def cmd_classroom(args: argparse.Namespace) -> int:
    from sim.output.result_files import prepare_out_dir
    from sim.play.cli import check_turns

    if args.resume is not None and (args.set or args.teams or args.scenario):
        raise SimError("--resume with a scenario, --set or --teams: a saved game keeps its scenario and teams; "
                       "allowed: leave them out")
    check_turns(args.turns)
    out = args.out or (args.resume.parent if args.resume is not None else None)
    with ExitStack() as held:
        if out is not None:   # held before the game file is read: no other server writes it meanwhile
            # a folder holding a game is refused (or resumed) below, with a better message
            if not (out / "game.json").exists():
                prepare_out_dir(out, args.force)
            held.enter_context(locked_folder(out))
        return _classroom(args, out, held)


def _classroom(args: argparse.Namespace, out: Path | None, held: ExitStack) -> int:
    """`classroom`, with `out` (if known yet) locked for the server's life; a new dated folder once made."""
    from sim.classroom import keep
    from sim.output.result_files import mark_ours, prepare_out_dir
    from sim.play import savefile
    from sim.play.cli import DEFAULT_TURNS, check_band, default_out, prepare_game, resolve_teams
    from sim.play.engine import Game

    kept = None
    if args.resume is not None:
        kept = keep.read(args.resume.parent / keep.FILE)
        saved = savefile.read(args.resume)
        prepare_game(saved.scenario)     # before the replay of the saved turns, and before the addresses
        game = savefile.restore(saved, turns=args.turns)
        scn = game.scenario
    else:
        overrides = dict(scenario.parse_assignment(item, source=f"--set {item}") for item in args.set)
        scn = scenario.load(args.scenario or DEFAULT_SCENARIO, overrides)
        wanted = [t for t in (args.teams or "").split(",") if t.strip()] or ["all"]
        teams = resolve_teams([t.strip() for t in wanted], scn.actor_ids, scn.name)
        turns = args.turns if args.turns is not None else min(DEFAULT_TURNS, scn.scenario.turns)
        prepare_game(scn)                # the kernels are ready before anyone is given an address
        game = Game(scn, seed=args.seed, humans=teams, turns=turns)
    check_band(args.band_runs, game.turns, len(game.ids))
    from sim.play.debrief import band_posterior

    posterior = band_posterior(args.posterior or (Path(kept["posterior"]) if kept and kept.get("posterior") else None),
                               game.scenario)
    if out is None:
        out = default_out(scn.name, "classroom")
        prepare_out_dir(out, args.force)
        held.enter_context(locked_folder(out))
    held_game = out / "game.json"
    own_folder = args.resume is not None and held_game.exists() and held_game.resolve() == args.resume.resolve()
    if held_game.exists() and not own_folder:
        raise SimError(f"{held_game}: --out already holds a game; allowed: --resume {held_game} to go on with it, "
                       "or a new --out folder")
    listening = bind(args.host, args.port)    # before anything is written: a port in use is one line
    if not own_folder:                          # the folder of the game resumed is that game's
        prepare_out_dir(out, args.force)
    mark_ours(out)
    use_file_backend()                         # the debrief draws its figures in a thread
    settings = kept or {}
    turn_seconds = args.turn_seconds if args.turn_seconds is not None else \
        float(settings.get("turn_seconds", DEFAULT_TURN_SECONDS))
    discussion = args.discussion if args.discussion is not None else bool(settings.get("discussion", True))
    if not game.finished:
        from sim.classroom.room import warm_up

        warm_up(game)                          # what the pages compute after a reveal: not in front of a class
    return serve(game, out, listening, args.host, turn_seconds=turn_seconds, band_runs=args.band_runs,
                 trusted_proxies=args.trusted_proxy, discussion=discussion, kept=kept, posterior=posterior)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or a one-line SimError (in use, not an address of this computer)."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        raise SimError(f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc}); allowed: a free "
                       "port (e.g. --port 8766) and an address of this computer (127.0.0.1, 0.0.0.0)") from None
    sock.setblocking(False)
    return sock


def reachable_address(host: str) -> str:
    """The address students type: the host, or for 0.0.0.0 this computer's address on the room's network."""
    if host not in ("0.0.0.0", "::"):
        return host
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))   # no packet is sent: this only picks the outgoing interface
        return str(probe.getsockname()[0])
    except OSError:
        return socket.gethostname()
    finally:
        probe.close()


def serve(game: Game, out: Path, listening: socket.socket, host: str, *, turn_seconds: float,
          band_runs: int, trusted_proxies: str | None = None, discussion: bool = True,
          kept: dict[str, Any] | None = None, posterior: dict[str, Any] | None = None) -> int:
    """Run the server until Ctrl-C (or SIGTERM); print the addresses, the PIN and the codes first."""
    import uvicorn

    from sim.classroom.room import Room
    from sim.classroom.server import make_app, server_config

    room = Room(game, out, turn_seconds=turn_seconds, band_runs=band_runs, discussion=discussion, kept=kept,
                posterior=posterior)
    port = listening.getsockname()[1]
    base = f"http://{reachable_address(host)}:{port}"

    app = make_app(room, join_url=f"{base}/join", write_debrief=Room.debrief_now)
    timer = f"{turn_seconds:g} s a turn" if turn_seconds else "no timer"
    lines = [f"Classroom: {game.scenario.scenario.title or game.scenario.name}, {game.turns} turns, seed {game.seed}, "
             f"{timer}{', a discussion after each reveal' if discussion else ''}",
             f"  projector:   {base}/",
             f"  join:        {base}/join",
             f"  facilitator: {base}/facilitator   PIN {room.pin}",
             *[f"  team {team:<6} code {room.seats[team].code}" for team in game.humans],
             f"  saving to:   {out}/ (game.json after every change, log.jsonl, the debrief at the end)",
             *([f"  debrief:     {band_runs:,} model-only runs, parameters drawn from {printable(posterior['path'])}"]
               if posterior else []),
             "Ctrl-C stops the server."]
    print("\n".join(lines), flush=True)
    server = uvicorn.Server(server_config(app, trusted_proxies))
    status = 0
    try:
        server.run(sockets=[listening])   # uvicorn stops on Ctrl-C or SIGTERM, then raises it again
    except KeyboardInterrupt as exc:
        status = interrupts.exit_status(exc)
    finally:
        listening.close()
    print(f"Server stopped. The game is saved in {out / 'game.json'} ({game.turn} turns played); "
          f"`python run_sim.py replay {out / 'game.json'} --out DIR` replays it and writes its debrief.",
          file=sys.stderr)
    return status
