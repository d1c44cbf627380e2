"""A calibration case's observed patterns: each a summary statistic (`sim.calibration.statistics`) and the
interval the record puts it in, with its source.

A patterns file is TOML beside the scenarios, ``patterns/NAME.toml`` (the shipped ones in
``scenarios/patterns/``, a subfolder the scenario lister does not read):

    scenario = "inf_2014_2019"
    [[pattern]]
    name = "us_ultimatum"          # a word
    statistic = "first_move"       # a kind of sim.calibration.statistics.KINDS
    actor = "US"                   # and what that kind needs: actor, move, with
    move = "ultimatum"
    low = 53                       # the interval the record puts the statistic in (turns, counts, 0/1)
    high = 53
    scale = 6                      # how far off counts as one unit of distance (sim.calibration.distance)
    what = "..."                   # the pattern in words
    source = "..."                 # where the record says so (dated before the case's end)

Bad input is one line naming the file, the key, the value and what is allowed (`ScenarioError`).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.calibration.statistics import KINDS, NEEDS, Statistic
from sim.core.actions import MOVE_NAMES, Action
from sim.core.errors import MISSING, ScenarioError
from sim.core.scenario import SCENARIO_DIR, Scenario

FOLDER = "patterns"            # beside the scenario files
MAX_BYTES = 1_000_000
KEYS = ("name", "statistic", "actor", "move", "with", "low", "high", "scale", "what", "source")


@dataclass(frozen=True)
class Pattern:
    """One observed pattern: a statistic, the interval [low, high] the record gives it, a scale, a source."""

    name: str
    statistic: Statistic
    low: float
    high: float
    scale: float
    what: str
    source: str


def path_for(scn: Scenario) -> Path:
    """The patterns file of a scenario: ``patterns/NAME.toml`` beside its file, else the shipped one."""
    beside = Path(scn.source).parent / FOLDER / f"{scn.name}.toml"
    return beside if beside.is_file() else SCENARIO_DIR / FOLDER / f"{scn.name}.toml"


def load(path: Path, scn: Scenario) -> list[Pattern]:
    """The patterns of `path`, checked against the scenario's actors; ScenarioError (one line) if bad."""
    source = str(path)
    try:
        if not path.is_file():
            raise ScenarioError(source, "", MISSING, f"no patterns file for scenario '{scn.name}'; allowed: a "
                                                     f"TOML file of [[pattern]] tables ({FOLDER}/NAME.toml)")
        if path.stat().st_size > MAX_BYTES:
            raise ScenarioError(source, "", MISSING, f"larger than {MAX_BYTES:,} bytes: not a patterns file")
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, "", MISSING, f"not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ScenarioError(source, "", MISSING, "not UTF-8 text: not a patterns file") from None
    unknown = sorted(set(data) - {"scenario", "pattern"})
    if unknown:
        raise ScenarioError(source, unknown[0], data[unknown[0]], "unknown key; allowed: scenario, pattern")
    if data.get("scenario") != scn.name:
        raise ScenarioError(source, "scenario", data.get("scenario", MISSING), f"allowed: '{scn.name}'")
    tables = data.get("pattern")
    if not isinstance(tables, list) or not tables:
        raise ScenarioError(source, "pattern", tables if tables is not None else MISSING,
                            "allowed: one or more [[pattern]] tables")
    actors = [a.id for a in scn.actors]
    out = [_pattern(source, f"pattern[{k}]", table, actors) for k, table in enumerate(tables)]
    names = [p.name for p in out]
    for k, name in enumerate(names):
        if name in names[:k]:
            raise ScenarioError(source, f"pattern[{k}].name", name, "allowed: a name no other pattern has")
    return out


def _pattern(source: str, where: str, table: Any, actors: list[str]) -> Pattern:
    if not isinstance(table, dict):
        raise ScenarioError(source, where, table, "allowed: a table")
    for key in table:
        if key not in KEYS:
            raise ScenarioError(source, f"{where}.{key}", table[key], f"unknown key; allowed: {', '.join(KEYS)}")
    name = _text(source, where, table, "name")
    kind = _text(source, where, table, "statistic")
    if kind not in KINDS:
        raise ScenarioError(source, f"{where}.statistic", kind, f"allowed: {', '.join(KINDS)}")
    needs = NEEDS[kind]
    for key in ("actor", "move", "with"):
        if key in table and key not in needs:
            raise ScenarioError(source, f"{where}.{key}", table[key], f"statistic '{kind}' takes only: "
                                                                       f"{', '.join(needs) or 'nothing more'}")
    index = {key: _actor(source, f"{where}.{key}", table, key, actors) for key in ("actor", "with") if key in needs}
    move = -1
    if "move" in needs:
        label = _text(source, where, table, "move")
        if label not in MOVE_NAMES:
            raise ScenarioError(source, f"{where}.move", label, f"allowed: {', '.join(MOVE_NAMES)}")
        move = int(Action.parse(label))
    low, high, scale = (_number(source, where, table, key) for key in ("low", "high", "scale"))
    if high < low:
        raise ScenarioError(source, f"{where}.high", high, f"allowed: a number of at least low ({low:g})")
    if scale <= 0:
        raise ScenarioError(source, f"{where}.scale", scale, "allowed: a number above 0")
    statistic = Statistic(kind, index.get("actor", -1), move, index.get("with", -1))
    return Pattern(name, statistic, low, high, scale, _text(source, where, table, "what"),
                   _text(source, where, table, "source"))


def _text(source: str, where: str, table: dict, key: str) -> str:
    value = table.get(key, MISSING)
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(source, f"{where}.{key}", value, "allowed: a non-empty string")
    return value


def _actor(source: str, where: str, table: dict, key: str, actors: list[str]) -> int:
    value = table.get(key, MISSING)
    if value not in actors:
        raise ScenarioError(source, where, value, f"allowed: {', '.join(actors)}")
    return actors.index(value)


def _number(source: str, where: str, table: dict, key: str) -> float:
    value = table.get(key, MISSING)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(source, f"{where}.{key}", value, "allowed: a finite number")
    return float(value)
