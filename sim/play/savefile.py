"""The game file: JSON with the scenario, the seed, the teams, every move and every injection.

`restore` replays a file through a fresh `Game`: the teams' moves and the injections are applied
as saved, the model's moves are decided again and must come out the same, and so must the
escalation, treaty, missiles and payoffs of every turn; any difference is reported as an error
naming the turn. So a file both resumes a game and proves that it replays exactly.

Format 2 is the game of Model 2 (seven moves, legal-move menus, missile programmes): each turn also
records the Kahn rung and every side's programme stage. A format 1 file, of the earlier five-move
model, cannot replay under this one and is refused with a one-line message.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim import __version__
from sim.core.actions import MOVE_NAMES
from sim.core.codes import STAGES
from sim.core.errors import SimError
from sim.core.options import MAX_RUNS, MAX_SEED, MAX_TURNS  # MAX_TURNS: as a scenario's turns
from sim.core.safeio import atomic_path
from sim.core.scenario import EVENT_KEYS, MAX_DEPTH, Scenario, changeable, check_depth, from_dict, to_toml
from sim.play.engine import TERM_PARTS, Game, Injection, PlayError
from sim.play.roles import BOT, TEAM
from sim.terminal import shortened

FORMAT = "escalation-sim game"
FORMAT_VERSION = 2
MAX_BYTES = 64_000_000        # a game of 10,000 turns of many actors is a few MB


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Injection(_Model):
    kind: Literal["set", "leader", "force", "violation", "doctrine", "terms"]
    turn: int = Field(ge=1)
    text: str
    note: str = ""
    actor: str | None = None
    move: str | None = None
    changes: dict[str, Any] = {}
    rule: str | None = None


class _Turn(_Model):
    turn: int = Field(ge=1)
    date: str
    moves: dict[str, str]
    chosen_by: dict[str, Literal["team", "model", "facilitator", "scenario", "bot"]]
    escalation: float
    treaty: int
    incident: bool
    rung: int
    missiles: dict[str, int]
    programme: dict[str, str]
    payoff: dict[str, float]


class _File(_Model):
    format: str
    format_version: int
    version: str = "?"
    scenario: str
    seed: int = Field(ge=0, le=MAX_SEED)            # as --seed takes it
    replica: int = Field(default=0, ge=0, lt=MAX_RUNS)     # a run of an ensemble of that seed
    turns: int = Field(ge=1, le=MAX_TURNS)
    teams: list[str]
    stopped: bool = False
    injections: list[_Injection] = Field(default=[], max_length=MAX_TURNS * 10)
    log: list[_Turn] = Field(default=[], max_length=MAX_TURNS)
    scenario_toml: str


@dataclass
class SavedGame:
    """A game file, read and checked (not yet replayed)."""

    path: Path
    scenario: Scenario
    seed: int
    replica: int
    turns: int
    teams: list[str]
    stopped: bool
    injections: list[Injection]
    log: list[dict[str, Any]]
    version: str

    @property
    def over(self) -> bool:
        """Whether the game had ended when saved: the facilitator quit, an incident, or its last turn."""
        return self.stopped or bool(self.log and (self.log[-1]["incident"] or len(self.log) >= self.turns))


def to_dict(game: Game) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "version": __version__,
        "saved_at": datetime.now().isoformat(timespec="seconds"),
        "scenario": game.scenario.name,
        "scenario_source": game.scenario.source,
        "seed": game.seed,
        "replica": game.replica,
        "turns": game.turns,
        "teams": list(game.humans),
        "turns_played": game.turn,
        "status": f"over: {game.over_reason}" if game.finished else "in progress",
        "stopped": game.stopped,
        "injections": [j.to_json() for j in game.injections],
        "log": [r.to_json(game.ids) for r in game.history],
        "scenario_toml": to_toml(game.scenario),
    }


def is_game_file(path: Path) -> bool:
    """Whether `path` is a file this program saved a game in (so another save may replace it)."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            return False
        with open(path, "rb") as f:
            head = f.read(200)
    except OSError:
        return False
    return head.lstrip().startswith(b"{") and f'"format": "{FORMAT}"'.encode() in head


def write(game: Game, path: Path, make_folder: bool = False) -> Path:
    """Save `game` to `path`, a new file or a game file, in an existing folder (made if
    `make_folder`, for the game's own folder); returns the path."""
    path = Path(path)
    try:
        if path.is_dir():
            raise SimError(f"{path}: is a folder; allowed: a file name, e.g. {path / 'game.json'}")
        if path.exists() and not is_game_file(path):
            raise SimError(f"{path}: exists and is not a saved game; allowed: a new file name, or a game file")
        if make_folder:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.parent.is_dir():
            raise SimError(f"{path}: no folder {path.parent}; allowed: a file in an existing folder")
        with atomic_path(path, durable=True) as tmp:     # a class's game survives a crash of the computer
            tmp.write_text(json.dumps(to_dict(game), indent=1) + "\n", encoding="utf-8")
    except (OSError, ValueError) as exc:     # ValueError: a NUL byte in the name
        raise SimError(f"{path!s:.80}: cannot write the game file ({getattr(exc, 'strerror', None) or exc})") from None
    return path


def read(path: Path | str) -> SavedGame:
    """A game file, checked: a one-line SimError names the file and the problem otherwise."""
    path = Path(path)
    what = "allowed: a game file written by `save FILE` or at the end of `run_sim.py play`"
    try:
        if not path.is_file():
            raise SimError(f"{path}: no such file; {what}")
        if path.stat().st_size > MAX_BYTES:
            raise SimError(f"{path}: larger than {MAX_BYTES:,} bytes, so not a saved game; {what}")
        data = json.loads(path.read_text(encoding="utf-8"))
        check_depth(data, str(path))
    except OSError as exc:
        raise SimError(f"{path}: cannot read it ({exc.strerror or exc}); {what}") from None
    except RecursionError:
        raise SimError(f"{path}: nested more than {MAX_DEPTH} deep, so not a saved game; {what}") from None
    except UnicodeDecodeError:
        raise SimError(f"{path}: not a text file, so not a saved game; {what}") from None
    except json.JSONDecodeError as exc:
        raise SimError(f"{path}: not a saved game: broken JSON at line {exc.lineno}, column {exc.colno} "
                       f"({exc.msg}); {what}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SimError(f"{path}: not a saved game of this program (no \"format\": \"{FORMAT}\"); {what}")
    if data.get("format_version") == 1:
        raise SimError(f"{path}: a game of the earlier five-move model (game file format 1), which does not replay "
                       f"under this one (format {FORMAT_VERSION}); allowed: a game saved by this version")
    try:
        f = _File.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        key = ".".join(str(p) for p in err["loc"])
        value = "" if err["type"] == "missing" else f" = {shortened(repr(err['input']))}"
        raise SimError(f"{path}: corrupt game file: {key}{value}: {err['msg']}; {what}") from None
    if f.format_version > FORMAT_VERSION:
        raise SimError(f"{path}: game file format {f.format_version} is newer than this program's "
                       f"({FORMAT_VERSION}); allowed: update escalation-sim")
    try:
        scn = from_dict(tomllib.loads(f.scenario_toml), source=f"{path} (saved scenario {f.scenario})")
    except tomllib.TOMLDecodeError as exc:
        raise SimError(f"{path}: corrupt game file: scenario_toml is not valid TOML ({exc})") from None
    except RecursionError:
        raise SimError(f"{path}: corrupt game file: scenario_toml nested more than {MAX_DEPTH} deep") from None
    if scn.name != f.scenario:
        raise SimError(f"{path}: corrupt game file: scenario {f.scenario!r} but the saved scenario is {scn.name!r}")
    ids = scn.actor_ids
    for team in f.teams:
        if team not in ids:
            raise SimError(f"{path}: corrupt game file: teams: {team!r} is not an actor; allowed: {', '.join(ids)}")
    expected = 1
    for k, t in enumerate(f.log):
        where = f"{path}: corrupt game file: log.{k}"
        if t.turn != expected:
            raise SimError(f"{where}.turn = {t.turn}: turns must follow each other from 1; expected {expected}")
        expected += 1
        for field in ("moves", "chosen_by", "missiles", "programme", "payoff"):
            keys = set(getattr(t, field))
            if keys != set(ids):
                raise SimError(f"{where}.{field}: actors {sorted(keys)}; allowed: exactly {', '.join(ids)}")
        for actor, move in t.moves.items():
            if move not in MOVE_NAMES:
                raise SimError(f"{where}.moves.{actor} = {move!r}: allowed: {', '.join(MOVE_NAMES)}")
        for actor, stage in t.programme.items():
            if stage not in STAGES:
                raise SimError(f"{where}.programme.{actor} = {stage!r}: allowed: {', '.join(STAGES)}")
    injections = []
    for k, j in enumerate(f.injections):
        where = f"{path}: corrupt game file: injections.{k}"
        if j.actor is not None and j.actor not in ids:
            raise SimError(f"{where}.actor = {j.actor!r}: allowed: {', '.join(ids)}")
        if j.kind == "force" and (j.actor is None or j.move not in MOVE_NAMES):
            raise SimError(f"{where}: a forced move needs an actor and a move ({', '.join(MOVE_NAMES)})")
        if j.kind == "violation" and j.actor is None:
            raise SimError(f"{where}: a violation needs an actor")
        if j.kind == "doctrine" and (j.actor is None or not j.rule):
            raise SimError(f"{where}: a doctrine change needs an actor and a rule")
        if j.kind == "terms":
            parts = j.changes
            if (j.actor is None or parts.get("with") not in ids or set(parts) != {"with", "ours", "theirs"}
                    or parts.get("ours") not in TERM_PARTS or parts.get("theirs") not in TERM_PARTS):
                raise SimError(f"{where}: terms need an actor, another actor (with) and two parts "
                               f"({', '.join(TERM_PARTS)}: ours, theirs)")
        for key in j.changes if j.kind != "terms" else ():   # what `set` and `leader` may change, no more
            if j.kind not in ("set", "leader") or not changeable(key):
                raise SimError(f"{where}.changes.{key}: not a parameter an injection may change; "
                               f"allowed: {EVENT_KEYS}")
        if j.turn > len(f.log) + 1:
            raise SimError(f"{where}.turn = {j.turn}: after the last turn played ({len(f.log)})")
        injections.append(Injection.from_json(j.model_dump()))
    return SavedGame(path, scn, f.seed, f.replica, f.turns, list(f.teams), f.stopped, injections,
                     [t.model_dump() for t in f.log], f.version)


def restore(saved: SavedGame, turns: int | None = None) -> Game:
    """Replay a saved game into a new `Game`, checking that every turn comes out as saved."""
    path = saved.path
    game = Game(saved.scenario, seed=saved.seed, humans=saved.teams,
                turns=max(turns or saved.turns, len(saved.log)), replica=saved.replica)
    pending = list(saved.injections)
    changed = f"(saved with version {saved.version}, this is {__version__})"
    for rec in saved.log:
        t = rec["turn"]
        for j in [j for j in pending if j.turn == t]:
            try:
                game.inject(j)
            except SimError as exc:
                raise SimError(f"{path}: replay fails at turn {t}: injection {j.text!r}: {exc}") from None
            pending.remove(j)
        if game.finished:
            raise SimError(f"{path}: replay differs at turn {t}: the game was already over "
                           f"({game.over_reason}) {changed}")
        forced = game.forced()
        game.bots = {a for a in game.humans if rec["chosen_by"][a] == BOT}
        try:
            for a in game.humans:
                if rec["chosen_by"][a] == TEAM and game.index[a] not in forced:
                    game.choose(a, rec["moves"][a])
            done = game.play()
        except PlayError as exc:
            raise SimError(f"{path}: replay fails at turn {t}: {exc} {changed}") from None
        now = done.to_json(game.ids)
        for key in ("chosen_by", "moves", "escalation", "treaty", "incident", "rung", "missiles", "programme",
                    "payoff"):
            if now[key] != rec[key]:
                raise SimError(f"{path}: replay differs at turn {t}: {key} saved {rec[key]}, replayed {now[key]} "
                               f"{changed}")
    game.bots = set()
    for j in pending:
        try:
            game.inject(j)
        except SimError as exc:
            raise SimError(f"{path}: replay fails after turn {game.turn}: injection {j.text!r}: {exc}") from None
    return game   # a game the facilitator quit goes on from where it stopped when resumed
