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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sim.core.errors import SimError
from sim.core.safeio import PARTIAL, atomic_path, staged_folder
from sim.core.scenario import Scenario, to_toml
from sim.output.csv_text import csv_text
from sim.output.results import ACTION_COLUMNS, TURN_COLUMNS, BatchResult, Summary, action_table, turn_table

MARKER = ".escalation-sim"
OUTPUT_FILES = ("turns.csv", "actions.csv", "summary.json", "scenario.toml")
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


def check_complete(folder: Path) -> dict:
    """summary.json of a result folder whose CSV files are still as the run wrote them; SimError if not."""
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
    """Streams formatted batches, in run order, into turns.csv and actions.csv, then summary.json."""

    def __init__(self, out: Path, scn: Scenario, seed: int, turns: int):
        self.out, self.scn, self.seed, self.turns = out, scn, seed, turns
        self.summary = Summary(scn, seed, turns)
        self.runs = 0

    def write_all(self, chunks: Iterable[Chunk]) -> dict:
        """Write every file into the (private) output folder; returns the summary."""
        self.out.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.out / "scenario.toml") as tmp:
            tmp.write_text(to_toml(self.scn))
        digests = {name: hashlib.sha256() for name in ("turns.csv", "actions.csv")}
        with atomic_path(self.out / "turns.csv") as turns_tmp, \
                atomic_path(self.out / "actions.csv") as actions_tmp:
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
                sizes = {"turns.csv": tf.tell(), "actions.csv": af.tell()}
            summary = self.summary.as_dict(self.runs)
            summary["files"] = {name: {"bytes": sizes[name], "sha256": d.hexdigest()} for name, d in digests.items()}
            with atomic_path(self.out / "summary.json") as tmp:
                tmp.write_text(json.dumps(summary, indent=2) + "\n")
        return summary
