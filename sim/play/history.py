"""What actually happened after a scenario's start: a dated, sourced timeline for the debrief only.

A scenario NAME may have a history file ``history/NAME.toml`` beside it (the shipped ones are in
``scenarios/history/``, a subfolder, so the scenario lister never takes it for a scenario). The file
is data, one ``[[event]]`` table per event: its date, who acted, what happened in plain words, the
model concept it maps to (if any), a short label for the figure, and a source (publisher, title,
date, and a URL only where it is certain). This module is its only reader, and the debrief its only
user: history is shown next to a game, it never feeds a parameter (the scenario's numbers come from
before its start date; what came after is the model's held-out check, docs/validation.md section e).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sim.core.errors import MISSING, ScenarioError
from sim.core.scenario import Scenario, folders

FOLDER = "history"                 # beside the scenario files
MAX_BYTES = 256_000
MAX_EVENTS = 500
MAX_LABEL = 32                     # characters of a figure label
MAX_TEXT = 600                     # characters of a "what happened"

#: Model concepts an event can map to: plain words, and what the model has for it (None: nothing).
CONCEPTS: dict[str, tuple[str, str | None]] = {
    "notice": ("notice given to leave the treaty", "withdrawal: notice to leave"),
    "suspension": ("a party stops keeping the treaty", "withdrawal: no longer bound"),
    "treaty_ended": ("the treaty ends", "treaty terminated"),
    "flight_test": ("a flight test of a new missile", "programme at flight tests (develop)"),
    "production": ("production of a new missile", "programme in production (develop)"),
    "deployment": ("missiles fielded or sent abroad", "missiles fielded (deployment)"),
    "hosting": ("an ally agrees to host the missiles", "an ally hosts them (deployment by a host)"),
    "moratorium": ("a pledge not to deploy first", None),
    "moratorium_proposal": ("a proposal that neither side deploys", None),
    "moratorium_declined": ("a proposal declined", None),
    "moratorium_ended": ("a pledge not to deploy withdrawn", None),
    "combat_use": ("such a missile used in war", None),
}
TOP_KEYS = {"scenario", "title", "note", "event"}
EVENT_KEYS = {"date", "actor", "side", "what", "concept", "label", "source"}
SOURCE_KEYS = {"publisher", "title", "date", "url"}


class HistoryError(ScenarioError):
    """A history file that does not follow its format: one line naming the file, key, value and what is allowed."""


@dataclass(frozen=True)
class Source:
    publisher: str
    title: str
    date: date
    url: str | None = None

    def citation(self) -> str:
        """'U.S. Department of State, "Title", 1 Feb 2019'."""
        return f'{self.publisher}, "{self.title}", {self.date.day} {self.date:%b %Y}'


@dataclass(frozen=True)
class Event:
    date: date
    actor: str                   # who acted, in words
    what: str                    # what happened, in plain words
    label: str                   # a few words for the figure
    source: Source
    concept: str | None = None   # a key of CONCEPTS
    side: str | None = None      # the scenario actor it maps to, if any

    @property
    def model_words(self) -> str:
        """What the model has for this event, or 'not in the model'."""
        words = CONCEPTS[self.concept][1] if self.concept else None
        return words or "not in the model"


@dataclass(frozen=True)
class History:
    path: Path
    scenario: str
    title: str
    note: str
    events: tuple[Event, ...]

    def first(self, concept: str) -> Event | None:
        """The earliest event of a concept."""
        return next((e for e in self.events if e.concept == concept), None)

    def between(self, start: date, end: date) -> list[Event]:
        return [e for e in self.events if start <= e.date <= end]


def path_for(scn: Scenario) -> Path | None:
    """The history file of a scenario: beside its own file, else in the scenario folders; None if none."""
    name = scn.name
    places = []
    source = Path(scn.source)
    if source.suffix == ".toml":
        places.append(source.parent / FOLDER)
    places += [folder / FOLDER for folder in folders()]
    for place in places:
        candidate = place / f"{name}.toml"
        if candidate.is_file():
            return candidate
    return None


def for_scenario(scn: Scenario) -> History | None:
    """The scenario's history, checked against its actors and start date; None if it has no file."""
    path = path_for(scn)
    if path is None:
        return None
    return load(path, actor_ids=list(scn.actor_ids), start=scn.scenario.start_date, scenario_name=scn.name)


def load(path: Path | str, actor_ids: list[str] | None = None, start: date | None = None,
         scenario_name: str | None = None) -> History:
    """Read and check a history file; HistoryError (one line) if anything is wrong."""
    path = Path(path)
    source = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise HistoryError(source, "", MISSING, f"larger than {MAX_BYTES:,} bytes: not a history file")
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise HistoryError(source, "", MISSING, f"not valid TOML ({str(exc).splitlines()[0]}); "
                                                "dates are written YYYY-MM-DD") from None
    except UnicodeDecodeError:
        raise HistoryError(source, "", MISSING, "not a UTF-8 text file") from None
    except OSError as exc:
        raise HistoryError(source, "", MISSING, f"cannot read it ({exc.strerror or exc})") from None
    return parse(data, source, actor_ids, start, scenario_name or path.stem)


def parse(data: dict[str, Any], source: str, actor_ids: list[str] | None = None, start: date | None = None,
          scenario_name: str | None = None) -> History:
    """Check the parsed TOML of a history file (see `load`)."""
    _keys(data, TOP_KEYS, "", source)
    name = _text(data, "scenario", source, "")
    if scenario_name is not None and name != scenario_name:
        raise HistoryError(source, "scenario", name, f"allowed: {scenario_name!r}, the scenario this file is named for")
    title = _text(data, "title", source, "", required=False) or "What actually happened"
    note = _text(data, "note", source, "", required=False) or ""
    raw = data.get("event")
    if not isinstance(raw, list) or not raw or not all(isinstance(e, dict) for e in raw):
        raise HistoryError(source, "event", MISSING if raw is None else raw,
                           "allowed: one or more [[event]] tables")
    if len(raw) > MAX_EVENTS:
        raise HistoryError(source, "event", MISSING, f"{len(raw)} events; allowed: at most {MAX_EVENTS}")
    events = [_event(e, f"event[{k}]", source, actor_ids, start) for k, e in enumerate(raw)]
    for k in range(1, len(events)):
        if events[k].date < events[k - 1].date:
            raise HistoryError(source, f"event[{k}].date", events[k].date.isoformat(),
                               f"before event[{k - 1}] ({events[k - 1].date.isoformat()}); allowed: events in "
                               "date order")
    return History(Path(source), name, title, note, tuple(events))


def _event(e: dict[str, Any], where: str, source: str, actor_ids: list[str] | None, start: date | None) -> Event:
    _keys(e, EVENT_KEYS, where, source)
    when = _date(e, "date", source, where)
    if start is not None and when < start:
        raise HistoryError(source, f"{where}.date", when.isoformat(),
                           f"before the scenario's start ({start.isoformat()}); allowed: what happened after it")
    actor, what = _text(e, "actor", source, where), _text(e, "what", source, where)
    concept = e.get("concept")
    if concept is not None and concept not in CONCEPTS:
        raise HistoryError(source, f"{where}.concept", concept, f"allowed: {', '.join(CONCEPTS)}")
    side = e.get("side")
    if side is not None and (not isinstance(side, str) or (actor_ids is not None and side not in actor_ids)):
        allowed = ", ".join(actor_ids) if actor_ids is not None else "an actor id of the scenario"
        raise HistoryError(source, f"{where}.side", side, f"allowed: {allowed}")
    label = _text(e, "label", source, where)
    if len(label) > MAX_LABEL:
        raise HistoryError(source, f"{where}.label", label, f"allowed: at most {MAX_LABEL} characters")
    raw = e.get("source")
    if not isinstance(raw, dict):
        raise HistoryError(source, f"{where}.source", MISSING if raw is None else raw,
                           "allowed: a table with publisher, title, date and, if certain, url")
    at = f"{where}.source"
    _keys(raw, SOURCE_KEYS, at, source)
    url = raw.get("url")
    if url is not None and (not isinstance(url, str) or not url.startswith(("https://", "http://"))
                            or any(c.isspace() or c in "<>\"'`" for c in url)):
        raise HistoryError(source, f"{at}.url", url, "allowed: an http:// or https:// address, or no url")
    cited = Source(_text(raw, "publisher", source, at), _text(raw, "title", source, at), _date(raw, "date", source, at),
                   url)
    return Event(when, actor, what, label, cited, concept, side)


def _keys(table: dict[str, Any], allowed: set[str], where: str, source: str) -> None:
    for key in table:
        if key not in allowed:
            raise HistoryError(source, f"{where}.{key}" if where else key, MISSING,
                               f"unknown key; allowed: {', '.join(sorted(allowed))}")


def _text(table: dict[str, Any], key: str, source: str, where: str, required: bool = True) -> str:
    path = f"{where}.{key}" if where else key
    value = table.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise HistoryError(source, path, MISSING if value is None else value, "allowed: a non-empty text")
    if len(value) > MAX_TEXT:
        raise HistoryError(source, path, value[:40] + "...", f"allowed: at most {MAX_TEXT} characters")
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise HistoryError(source, path, value, "allowed: text without control characters")
    return " ".join(value.split())


def _date(table: dict[str, Any], key: str, source: str, where: str) -> date:
    value = table.get(key)
    # tomllib reads 2019-02-02 as a date and 2019-02-02T10:00 as a datetime (a subclass of date)
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise HistoryError(source, f"{where}.{key}", MISSING if value is None else value,
                           "allowed: a date written YYYY-MM-DD (no quotes)")
    return value
