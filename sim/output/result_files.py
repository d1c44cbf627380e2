"""The output files of a run (the contract of DESIGN.md) and the folders that hold them.

`turns.csv`, `actions.csv` and `summary.json` are written into a folder that this module marks as
its own, so that a later run may replace them but never overwrites a folder it did not write.
A command writes its outputs into a private folder and they replace the old ones only when all
are complete (`sim.core.safeio.staged_folder`); `summary.json`, written last, records the size and
SHA-256 of the CSV files, so that a truncated or altered folder is recognised.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.core.actions import MOVE_NAMES
from sim.core.codes import RUNG_NAMES, STAGES, TREATY_NAMES
from sim.core.errors import SimError
from sim.core.options import MAX_SEED, MAX_TURNS
from sim.core.safeio import PARTIAL, atomic_path, staged_folder
from sim.core.scenario import Scenario, to_toml
from sim.output import provenance
from sim.output.csv_text import csv_text
from sim.output.results import (
    ACTION_COLUMNS,
    COMPONENTS,
    MILESTONES,
    QUANTILES,
    TURN_COLUMNS,
    BatchResult,
    Summary,
    action_table,
    turn_table,
)
from sim.output.typed import PARQUET_FILES, parquet_files

if TYPE_CHECKING:
    import pandas as pd

MARKER = ".escalation-sim"
OUTPUT_FILES = ("turns.csv", "actions.csv", "summary.json", "scenario.toml", *PARQUET_FILES)
FIGURE_NAMES = ("escalation", "components", "moves", "treaty", "missiles")
FIGURE_FORMATS = (".png", ".svg", ".pdf")
# the files that say a folder is complete: removed first and written last when a folder is replaced
SEALS = ("summary.json", "compare.csv", "tournament.csv", "analysis.json", "map.json", "over_time.json")


def prepare_out_dir(out: Path, force: bool) -> None:
    """Check `out` can receive results: not a file, and empty or written by this program."""
    for place in (out, *out.parents):
        if place.exists() and not place.is_dir():
            raise SimError(f"{out}: --out {'is' if place == out else 'lies under'} a file ({place}); "
                           "allowed: a folder that is new, empty, or written by run_sim.py")
    # a private folder (*.partial) is a run of this program still writing, or one that was killed
    if out.is_dir() and any(not p.name.endswith(PARTIAL) for p in out.iterdir()) \
            and not (out / MARKER).exists() and not force:
        raise SimError(f"{out}: --out is a non-empty folder not written by run_sim.py; "
                       "allowed: a new or empty folder, or --force to write into it")


def mark_ours(out: Path) -> None:
    """Mark `out` as written by this program, so later runs may replace what is in it."""
    marker = out / MARKER
    if not marker.is_file():
        with atomic_path(marker) as tmp:
            tmp.write_text("written by run_sim.py; may be replaced by a later run\n")


RERUN = "rerun `run_sim.py run` to write the folder again"


def check_complete(folder: Path) -> dict:
    """summary.json of a result folder that is as `run` wrote it: summary.json valid against the schema
    `Summary.as_dict` writes (`check_summary`), turns.csv and actions.csv of the size and SHA-256 it records
    and, row by row, of the columns, types, ranges and order `turn_table` and `action_table` write
    (`check_tables`). A one-line SimError naming the file, the key or line, the value and what is allowed,
    if not: checksums alone would take a file changed together with its record."""
    path = Path(folder) / "summary.json"
    rerun = "allowed: a complete folder written by `run_sim.py run` (rerun it)"
    if not path.is_file():
        raise SimError(f"{path}: missing, so {folder} is not a complete result folder; {rerun}")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise SimError(f"{path}: not valid JSON ({type(exc).__name__}); {rerun}") from None
    if not isinstance(summary, dict):
        raise SimError(f"{path}: not a summary (a JSON object); {rerun}")
    files = summary.get("files", {})    # folders written before the record was kept have none
    for name, want in (files.items() if isinstance(files, dict) else [("files", None)]):
        target = Path(folder) / str(name)
        if not isinstance(want, dict) or name not in ("turns.csv", "actions.csv"):
            raise SimError(f"{path}: files.{name}: not a record of a run's file; {rerun}")
        if not target.is_file() or target.stat().st_size != want.get("bytes"):
            size = target.stat().st_size if target.is_file() else "missing"
            raise SimError(f"{target}: {size} bytes, but the run wrote {want.get('bytes')} (truncated or changed "
                           f"since); {rerun}")
        digest = hashlib.sha256()
        with open(target, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != want.get("sha256"):
            raise SimError(f"{target}: changed since the run wrote it (SHA-256 differs); {rerun}")
    check_summary(summary, path)
    check_tables(Path(folder), summary)
    return summary


def is_run_output(name: str) -> bool:
    """Whether `name` is a file that `run` writes (and a new run replaces)."""
    stem, _, suffix = name.rpartition(".")
    return name in OUTPUT_FILES or (stem in FIGURE_NAMES and f".{suffix}" in FIGURE_FORMATS)


@contextmanager
def writing(out: Path, force: bool, stale: Callable[[str], bool] = is_run_output,
            seals: tuple[str, ...] = SEALS) -> Iterator[Path]:
    """Check and lock `out` and yield a private folder to write into; see `sim.core.safeio.staged_folder`."""
    prepare_out_dir(out, force)
    with staged_folder(out, mark_ours, seals, stale) as stage:
        yield stage


@dataclass
class Chunk:
    """A batch of results with its CSV rows already formatted (done in the worker that ran it)."""

    batch: BatchResult
    turns_csv: str
    actions_csv: str


def format_batch(b: BatchResult, scn: Scenario, seed: int) -> Chunk:
    """The turns.csv and actions.csv rows of a batch, as text."""
    return Chunk(b, _turn_rows(b, scn, seed), _action_rows(b, scn))


def _turn_rows(b: BatchResult, scn: Scenario, seed: int) -> str:
    return csv_text(list(turn_table(b, scn, seed).values()))


def _action_rows(b: BatchResult, scn: Scenario) -> str:
    return csv_text(list(action_table(b, scn).values()))


class ResultWriter:
    """Streams formatted batches, in run order, into turns.csv and actions.csv, then summary.json (with the
    provenance of `sim.output.provenance.record`: the `run` command, --set `overrides` included)."""

    def __init__(self, out: Path, scn: Scenario, seed: int, turns: int, overrides: Mapping[str, Any] | None = None,
                 parquet: bool = False):
        self.out, self.scn, self.seed, self.turns = out, scn, seed, turns
        self.overrides = dict(overrides or {})
        self.parquet = parquet        # turns.parquet and actions.parquet too (`sim.output.typed`)
        self.summary = Summary(scn, seed, turns)
        self.runs = 0

    def write_all(self, chunks: Iterable[Chunk]) -> dict:
        """Write every file into the (private) output folder; returns the summary."""
        self.out.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.out / "scenario.toml") as tmp:   # its header names the source, anonymised
            tmp.write_text(to_toml(self.scn.model_copy(update={"source": provenance.anonymise(self.scn.source)})))
        digests = {name: hashlib.sha256() for name in ("turns.csv", "actions.csv")}
        with atomic_path(self.out / "turns.csv") as turns_tmp, \
                atomic_path(self.out / "actions.csv") as actions_tmp, ExitStack() as typed:
            parquet = typed.enter_context(parquet_files(self.out, self.scn, self.seed)) if self.parquet else None
            with open(turns_tmp, "wb") as tf, open(actions_tmp, "wb") as af:
                files = ((tf, digests["turns.csv"]), (af, digests["actions.csv"]))

                def put(k: int, text: str) -> None:
                    data = text.encode()
                    files[k][0].write(data)
                    files[k][1].update(data)

                put(0, ",".join(TURN_COLUMNS) + "\n")
                put(1, ",".join(ACTION_COLUMNS) + "\n")
                for chunk in chunks:
                    put(0, chunk.turns_csv)
                    put(1, chunk.actions_csv)
                    self.summary.add(chunk.batch)
                    self.runs += len(chunk.batch.runs)
                    if parquet is not None:
                        parquet(chunk.batch)
                sizes = {"turns.csv": tf.tell(), "actions.csv": af.tell()}
            summary = self.summary.as_dict(self.runs)
            summary["provenance"] = provenance.record(self.scn, self.seed, self.runs, self.overrides)
            summary["files"] = {name: {"bytes": sizes[name], "sha256": d.hexdigest()} for name, d in digests.items()}
            with atomic_path(self.out / "summary.json") as tmp:
                tmp.write_text(json.dumps(summary, indent=2) + "\n")
        return summary


# ---------------------------------------------------------------- the schema of a result folder
# What `Summary.as_dict`, `turn_table` and `action_table` write, checked on read: `plot` draws only a folder
# that is as `run` wrote it, whatever its checksums say (a file can be changed together with its record).

Share = Annotated[float, Field(ge=0, le=1)]
Escalation = Annotated[float, Field(ge=0, le=100)]
FirstTurn = Annotated[float, Field(ge=1)]


class _Strict(BaseModel):
    # strict: a number is a JSON number, not a string of one, nor true; NaN and infinities are refused
    model_config = ConfigDict(extra="ignore", strict=True, allow_inf_nan=False)


class _First(_Strict):
    share: Share
    median_first_turn: FirstTurn | None


class _Quantiles(_Strict):
    quantiles: list[float]
    turns: list[int]
    dates: list[str]
    values: list[list[Escalation]]


class _PerTurn(_Strict):
    note: str
    treaty_share: dict[str, list[Share]]
    incident_share: list[Share]
    move_share: dict[str, dict[str, list[Share]]]
    missiles_quantiles: dict[str, list[list[Annotated[float, Field(ge=0)]]]]


class _Interval(_Strict):
    note: str
    low: list[Escalation]
    high: list[Escalation]


class _Weights(_Strict):
    treaty: Share
    missiles: Share
    arming: Share
    demands: Share


class _Rungs(_Strict):
    turns: list[int]
    values: list[Annotated[float, Field(ge=0, le=max(RUNG_NAMES))]]


class _FileRecord(_Strict):
    bytes: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class _Summary(_Strict):
    scenario: str = Field(min_length=1)
    title: str
    version: str
    seed: int = Field(ge=0, le=MAX_SEED)
    runs: int = Field(ge=1)
    turns: int = Field(ge=1, le=MAX_TURNS)
    start_date: str
    turn_days: int = Field(ge=1, le=366)
    actors: list[str] = Field(min_length=1)
    share_treaty_ended: Share
    median_turn_treaty_ended: FirstTurn | None
    median_turn_notice: FirstTurn | None
    median_turn_first_deployment: FirstTurn | None
    share_incident: Share
    share_all_parties_deployed: Share
    median_peak_escalation: Escalation
    mean_peak_escalation: Escalation
    escalation_quantiles: _Quantiles
    median_interval: _Interval | None = None     # folders written before it was kept have none
    moves: dict[str, dict[str, _First]]
    milestones: dict[str, dict[str, _First] | str]
    per_turn: _PerTurn
    median_run: int = Field(ge=0)
    escalation_weights: _Weights
    median_rung: _Rungs
    provenance: dict[str, Any] = {}       # folders written before it was kept have none
    files: dict[str, _FileRecord] = {}


# pydantic's words for a type, in the words of JSON
_TYPE_WORDS = (("a valid dictionary or instance of", "an object"), ("a valid dictionary", "an object"),
               ("a valid list", "an array"), ("a valid string", "text"), ("a valid integer", "a whole number"),
               ("a valid number", "a number"), ("a finite number", "a finite number"))


def _allowed(msg: str) -> str:
    msg = msg[len("Input should be "):] if msg.startswith("Input should be ") else msg
    for words, json_words in _TYPE_WORDS:
        if msg.startswith(words):
            return json_words
    return msg


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_summary(summary: dict[str, Any], path: Path) -> None:
    """SimError naming `path`, the key, its value and what is allowed, unless `summary` is as
    `Summary.as_dict` writes it: every key, of its type and range, the lists as long as the turns, the
    actors, moves and milestones those of the run, the dates those of the start date and turn length."""
    def fail(key: str, value: Any, allowed: str) -> SimError:
        return SimError(f"{path}: {key} = {_shown(value)}; allowed: {allowed}; {RERUN}")

    try:
        s = _Summary.model_validate(summary)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        key = ".".join(str(part) for part in err["loc"])
        msg = err["msg"]
        if err["type"] == "missing":
            raise SimError(f"{path}: {key}: missing; allowed: every key `run` writes; {RERUN}") from None
        raise fail(key, err["input"], _allowed(msg)) from None
    t, ids = s.turns, s.actors
    if len(set(ids)) != len(ids):
        raise fail("actors", ids, "each actor once")
    try:
        start = date.fromisoformat(s.start_date)
    except ValueError:
        raise fail("start_date", s.start_date, "a date, YYYY-MM-DD") from None
    q = s.escalation_quantiles
    if q.quantiles != list(QUANTILES):
        raise fail("escalation_quantiles.quantiles", q.quantiles, f"{list(QUANTILES)}")
    every_turn = list(range(t + 1))
    for key, turns in (("escalation_quantiles.turns", q.turns), ("median_rung.turns", s.median_rung.turns)):
        if turns != every_turn:
            raise fail(key, turns, f"the turns 0 to {t} (turns = {t})")
    try:
        dates = [date.fromisoformat(d) for d in q.dates]
    except ValueError:
        raise fail("escalation_quantiles.dates", q.dates, "dates, YYYY-MM-DD") from None
    if dates[:1] != [start]:
        raise fail("start_date", s.start_date, f"the first date of escalation_quantiles.dates ({q.dates[:1]})")
    try:
        wanted = [start + timedelta(days=k * s.turn_days) for k in every_turn]
    except OverflowError:
        raise fail("turns", t, f"a last turn before the year 10000 (turn_days = {s.turn_days})") from None
    if dates != wanted:
        raise fail("escalation_quantiles.dates", q.dates,
                   f"the {t + 1} dates from start_date {s.start_date} every turn_days = {s.turn_days} days")
    lengths: list[tuple[str, list, int]] = [("escalation_quantiles.values", q.values, len(QUANTILES)),
                                            ("per_turn.incident_share", s.per_turn.incident_share, t + 1),
                                            ("median_rung.values", s.median_rung.values, t + 1)]
    lengths += [(f"escalation_quantiles.values.{k}", row, t + 1) for k, row in enumerate(q.values)]
    if s.median_interval is not None:
        lengths += [(f"median_interval.{end}", getattr(s.median_interval, end), t + 1) for end in ("low", "high")]
    lengths += [(f"per_turn.treaty_share.{name}", row, t + 1) for name, row in s.per_turn.treaty_share.items()]
    for actor, rows in s.per_turn.missiles_quantiles.items():
        lengths += [(f"per_turn.missiles_quantiles.{actor}", rows, len(QUANTILES))]
        lengths += [(f"per_turn.missiles_quantiles.{actor}.{k}", row, t + 1) for k, row in enumerate(rows)]
    lengths += [(f"per_turn.move_share.{actor}.{move}", row, t)
                for actor, moves in s.per_turn.move_share.items() for move, row in moves.items()]
    for key, values, n in lengths:
        if len(values) != n:
            raise fail(key, values, f"{n} values (turns = {t})")
    for k in range(t + 1):
        column = [row[k] for row in q.values]
        if column != sorted(column):
            raise fail(f"escalation_quantiles.values (turn {k})", column, "quantiles in increasing order")
    milestones = dict(s.milestones)
    if not isinstance(milestones.pop("note", None), str):
        raise fail("milestones.note", s.milestones.get("note"), "a note (text)")
    keys: list[tuple[str, Iterable[str], Iterable[str]]] = [
        ("moves", s.moves, ids), ("milestones", milestones, ids), ("per_turn.treaty_share", s.per_turn.treaty_share,
                                                                   TREATY_NAMES),
        ("per_turn.move_share", s.per_turn.move_share, ids),
        ("per_turn.missiles_quantiles", s.per_turn.missiles_quantiles, ids)]
    keys += [(f"moves.{actor}", moves, MOVE_NAMES) for actor, moves in s.moves.items()]
    keys += [(f"per_turn.move_share.{actor}", moves, MOVE_NAMES) for actor, moves in s.per_turn.move_share.items()]
    keys += [(f"milestones.{actor}", marks, MILESTONES) for actor, marks in milestones.items()
             if isinstance(marks, dict)]
    for key, have, want in keys:
        if list(have) != list(want):
            raise fail(key, sorted(have), f"the keys {', '.join(want)}")
    firsts = [(f"moves.{a}.{m}", f) for a, moves in s.moves.items() for m, f in moves.items()]
    firsts += [(f"milestones.{a}.{m}", f) for a, marks in milestones.items() if isinstance(marks, dict)
               for m, f in marks.items()]
    for key, first in firsts:
        if first.median_first_turn is not None and first.median_first_turn > t:
            raise fail(f"{key}.median_first_turn", first.median_first_turn, f"a turn from 1 to {t} (turns), or null")
    for key in ("median_turn_treaty_ended", "median_turn_notice", "median_turn_first_deployment"):
        value = getattr(s, key)
        if value is not None and value > t:
            raise fail(key, value, f"a turn from 1 to {t} (turns), or null")
    if s.median_run >= s.runs:
        raise fail("median_run", s.median_run, f"a run from 0 to {s.runs - 1} (runs = {s.runs})")
    if set(s.files) - {"turns.csv", "actions.csv"}:
        raise fail("files", sorted(s.files), "records of turns.csv and actions.csv")


CHUNK_ROWS = 200_000          # rows of a table checked at a time: memory stays flat in its size


def check_tables(folder: Path, summary: dict[str, Any]) -> None:
    """SimError naming the file, the line, the column, the value and what is allowed, unless turns.csv and
    actions.csv of `folder` are as `turn_table` and `action_table` write them for `summary` (checked by
    `check_summary`): the header, every row whole, each value of its type and range, the runs 0 to
    runs - 1 in order, each from turn 0 to its last turn without a gap, each turn's date its date, and one
    action per actor for every turn played."""
    dates = summary["escalation_quantiles"]["dates"]
    turn_rows = _check_table(folder / "turns.csv", TURN_COLUMNS, lambda chunk, first, state:
                             _check_turn_rows(chunk, first, state, summary, dates), {"run": -1, "turn": -1})
    action_rows = _check_table(folder / "actions.csv", ACTION_COLUMNS, lambda chunk, first, state:
                               _check_action_rows(chunk, first, state, summary, dates), {"run": 0, "turn": 0})
    runs = summary["runs"]
    played = turn_rows - runs           # turns.csv: turn 0 and each turn played; actions.csv: an actor's moves
    if action_rows != played * len(summary["actors"]):
        raise SimError(f"{folder / 'actions.csv'}: {action_rows} rows; allowed: one per actor and turn played, "
                       f"{played * len(summary['actors'])} by turns.csv; {RERUN}")


def _check_table(path: Path, columns: list[str], check: Callable[[pd.DataFrame, int, dict], None],
                 state: dict[str, Any]) -> int:
    """Check the CSV file `path` (its header `columns`) chunk by chunk with `check(rows, line of the first,
    state carried between chunks)`; returns the number of rows."""
    import pandas as pd

    def fail(line: int, what: str) -> SimError:
        return SimError(f"{path}: line {line}: {what}; {RERUN}")

    header = ",".join(columns)
    line = 0
    with open(path, "rb") as f:      # whole rows of the right width: a cut or added field is refused here
        for line, raw in enumerate(f, start=1):
            if not raw.endswith(b"\n"):
                raise fail(line, f"{_shown(raw.decode('utf-8', 'replace'))} cut short (no end of line); allowed: "
                                 "whole rows")
            if line == 1 and raw != header.encode() + b"\n":
                raise fail(1, f"header {_shown(raw.decode('utf-8', 'replace').rstrip())}; allowed: {header}")
            if raw.count(b",") != len(columns) - 1:
                raise fail(line, f"{raw.count(b',') + 1} fields; allowed: {len(columns)} ({header})")
    if line == 0:
        raise fail(1, f"no header; allowed: {header}")
    rows = 0
    state["path"] = str(path)
    try:
        reader = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, chunksize=CHUNK_ROWS,
                             encoding="utf-8")
        for chunk in reader:
            check(chunk, rows + 2, state)
            rows += len(chunk)
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise SimError(f"{path}: not a table of {len(columns)} columns ({type(exc).__name__}); allowed: UTF-8 "
                       f"text, {header}; {RERUN}") from None
    return rows


def _numbers(chunk: pd.DataFrame, column: str, first: int, path: str, whole: bool, low: float,
             high: float) -> Any:
    """The column as numbers, each a whole number (or any finite number) from `low` to `high`."""
    import numpy as np
    import pandas as pd

    text = chunk[column]
    values = pd.to_numeric(text, errors="coerce").astype(np.float64)
    bad = values.isna() | ~np.isfinite(values) | (values < low) | (values > high)
    if whole:
        bad |= values != np.floor(values)
    if bad.any():
        k = int(np.argmax(bad.to_numpy()))
        kind = "a whole number" if whole else "a number"
        if low == high:
            allowed = f"{low:g}, as summary.json says"
        elif math.isfinite(low) and math.isfinite(high):
            allowed = f"{kind} from {low:g} to {high:g}"
        elif math.isfinite(low):
            allowed = f"{kind} >= {low:g}"
        else:
            allowed = "a finite number"
        raise SimError(f"{path}: line {first + k}: {column} = {_shown(text.iloc[k])}; allowed: {allowed}; {RERUN}")
    return values.to_numpy().astype(np.int64) if whole else values.to_numpy()


def _names(chunk: pd.DataFrame, column: str, first: int, path: str, allowed: Iterable[str]) -> None:
    import numpy as np

    allowed = list(allowed)
    bad = ~chunk[column].isin(allowed).to_numpy()
    if bad.any():
        k = int(np.argmax(bad))
        raise SimError(f"{path}: line {first + k}: {column} = {_shown(chunk[column].iloc[k])}; allowed: "
                       f"{', '.join(allowed)}; {RERUN}")


def _in_order(path: str, first: int, what: str, bad: Any) -> None:
    import numpy as np

    if bad.any():
        raise SimError(f"{path}: line {first + int(np.argmax(bad))}: {what}; {RERUN}")


def _dates_of(chunk: pd.DataFrame, turns: Any, first: int, path: str, dates: list[str]) -> None:
    import numpy as np

    bad = chunk["date"].to_numpy() != np.asarray(dates, dtype=object)[turns]
    if bad.any():
        k = int(np.argmax(bad))
        raise SimError(f"{path}: line {first + k}: date = {_shown(chunk['date'].iloc[k])}; allowed: the date of "
                       f"turn {turns[k]}, {dates[turns[k]]}; {RERUN}")


def _check_turn_rows(chunk: pd.DataFrame, first: int, state: dict[str, Any], summary: dict[str, Any],
               dates: list[str]) -> None:
    import numpy as np

    path = state["path"]
    runs, turns = summary["runs"], summary["turns"]
    run = _numbers(chunk, "run", first, path, True, 0, runs - 1)
    seed = summary["seed"]
    _numbers(chunk, "seed", first, path, True, seed, seed)
    turn = _numbers(chunk, "turn", first, path, True, 0, turns)
    _dates_of(chunk, turn, first, path, dates)
    _numbers(chunk, "escalation", first, path, False, 0, 100)
    for name in COMPONENTS[1:]:
        _numbers(chunk, name, first, path, False, 0, 1)
    _numbers(chunk, "rung", first, path, True, 0, max(RUNG_NAMES))
    _names(chunk, "treaty", first, path, TREATY_NAMES)
    _names(chunk, "incident", first, path, ("0", "1"))
    prev_run = np.concatenate([[state["run"]], run[:-1]])
    prev_turn = np.concatenate([[state["turn"]], turn[:-1]])
    new_run = run != prev_run
    _in_order(path, first, "runs out of order; allowed: each run after the one before, from run 0",
              new_run & (run != prev_run + 1))
    _in_order(path, first, "a turn missing or out of order; allowed: each run's turns from 0, one after the other",
              np.where(new_run, turn != 0, turn != prev_turn + 1))
    state["run"], state["turn"] = int(run[-1]), int(turn[-1])
    if len(chunk) < CHUNK_ROWS and state["run"] != runs - 1:     # the last chunk: every run is there
        raise SimError(f"{path}: runs 0 to {state['run']}; allowed: runs 0 to {runs - 1} (runs = {runs}); {RERUN}")


def _check_action_rows(chunk: pd.DataFrame, first: int, state: dict[str, Any], summary: dict[str, Any],
                 dates: list[str]) -> None:
    import numpy as np

    path = state["path"]
    run = _numbers(chunk, "run", first, path, True, 0, summary["runs"] - 1)
    turn = _numbers(chunk, "turn", first, path, True, 1, summary["turns"])
    _dates_of(chunk, turn, first, path, dates)
    _names(chunk, "actor", first, path, summary["actors"])
    _names(chunk, "action", first, path, MOVE_NAMES)
    _numbers(chunk, "missiles", first, path, True, 0, math.inf)
    _numbers(chunk, "ordered", first, path, True, 0, math.inf)
    _names(chunk, "programme", first, path, STAGES)
    _names(chunk, "hosting", first, path, ("0", "1"))
    _numbers(chunk, "payoff", first, path, False, -math.inf, math.inf)
    _numbers(chunk, "credibility", first, path, False, 0, 1)
    prev_run = np.concatenate([[state["run"]], run[:-1]])
    prev_turn = np.concatenate([[state["turn"]], turn[:-1]])
    _in_order(path, first, "rows out of order; allowed: by run, then turn", (run < prev_run)
              | ((run == prev_run) & (turn < prev_turn)))
    state["run"], state["turn"] = int(run[-1]), int(turn[-1])
