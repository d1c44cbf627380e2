"""Writing files so that no fault or interruption loses data or leaves a file that looks complete.

* `atomic_path`: a file is written under a temporary name that no other process uses, and renamed
  when complete.
* `staged_folder`: a command writes all its outputs into a private folder inside its output folder,
  holding a lock on that folder; only when every output is complete do they replace the old ones,
  the "seal" files (what says a folder is complete, e.g. ``summary.json``) removed first and put
  back last, so a crash while replacing leaves a folder that says it is incomplete.
* `sealed_line`, `read_sealed_lines`: a journal of JSON lines (one record a line, appended as work
  finishes), each line carrying the SHA-256 of its record and of the key of the work it belongs to,
  so that a line cut short, altered or copied from another journal is recognised when read back.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.core.errors import SimError

try:
    import fcntl  # POSIX only: the lock on an output folder is flock(2) on the folder itself
except ImportError:  # pragma: no cover - Windows: a lock file in the folder (filelock), see `_lock`
    fcntl = None     # type: ignore[assignment]

PARTIAL = ".partial"   # the suffix of every temporary file and folder
LOCK_FILE = f".lock{PARTIAL}"   # the lock where there is no flock(2): kept while a run writes, removed after


def temp_name(path: Path) -> Path:
    """A temporary name beside `path`, unique to this process and call."""
    return path.with_name(f".{path.name[:80]}.{os.getpid()}-{secrets.token_hex(4)}{PARTIAL}")


@contextmanager
def atomic_path(path: Path, durable: bool = False) -> Iterator[Path]:
    """A temporary path in the same folder, renamed to `path` only if the block completes.

    `durable`: the file's data, then its new name, are flushed to the disk (fsync) before the block
    returns, so that a crash of the computer a moment later still finds the file complete."""
    tmp = temp_name(Path(path))
    try:
        yield tmp
        if durable:
            fsync_path(tmp)
        os.replace(tmp, path)
        if durable:
            fsync_path(Path(path).parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries, to the disk."""
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if Path(path).is_dir() else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def os_error(exc: OSError, what: str = "") -> SimError:
    """An operating-system error as a one-line SimError naming the file and the reason."""
    where = exc.filename if exc.filename is not None else what or "?"
    reason = exc.strerror or str(exc)
    hints: dict[int | None, str] = {
        errno.ENOSPC: "free some space or choose another --out",
        errno.EDQUOT: "free some space or choose another --out",
        errno.EACCES: "a folder and files you may write", errno.EPERM: "a folder and files you may write",
        errno.EROFS: "a folder on a writable disk",
        errno.ENAMETOOLONG: "names of at most 255 bytes"}
    hint = hints.get(exc.errno, "")
    return SimError(f"{where}: {what + ': ' if what and where != what else ''}{reason}"
                    f"{'; allowed: ' + hint if hint else ''}")


def _busy(folder: Path) -> SimError:
    holder = lock_holder(folder)
    return SimError(f"{folder}: another run_sim.py is writing into this folder{f' ({holder})' if holder else ''}; "
                    "allowed: wait until it has finished, or another --out")


@contextmanager
def _lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on `folder` for the block: flock(2) on the folder itself, so that nothing is written
    for it; where there is no flock (no fcntl: Windows), filelock's lock on LOCK_FILE inside it."""
    if fcntl is None:
        import filelock

        lock = filelock.FileLock(folder / LOCK_FILE, timeout=0)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise _busy(folder) from None
        try:
            yield
        finally:
            lock.release()
            (folder / LOCK_FILE).unlink(missing_ok=True)
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise _busy(folder) from None
    try:
        yield
    finally:
        os.close(fd)


def lock_holder(folder: Path) -> str | None:
    """Who holds the lock on `folder`, as "process PID: COMMAND", from the kernel's table of locks
    (/proc/locks, Linux); None where there is no such table or it does not say."""
    try:
        st = os.stat(folder)
        where = (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)
        with open("/proc/locks", encoding="ascii", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split()     # "1: FLOCK ADVISORY WRITE PID MAJOR:MINOR:INODE 0 EOF"; "->": a waiter
        if len(parts) < 6 or parts[1] != "FLOCK" or parts[5].count(":") != 2:
            continue
        try:
            major, minor, inode = parts[5].split(":")
            if (int(major, 16), int(minor, 16), int(inode)) != where:
                continue
            pid = int(parts[4])
        except ValueError:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
        except OSError:
            argv = []
        start = next((k for k, a in enumerate(argv) if a.endswith(("run_sim.py", "escalation-sim"))), 0)
        command = " ".join(" ".join(argv[start:]).split())     # on one line
        command = command if len(command) <= 120 else command[:117] + "..."
        return f"process {pid}{': ' + command if command else ''}"
    return None


def _make_folders(folder: Path) -> list[Path]:
    """Make `folder` and its missing parents; returns those it made, deepest first."""
    made = []
    place = folder
    while not place.exists():
        made.append(place)
        place = place.parent
    for p in reversed(made):
        try:
            p.mkdir()
        except FileExistsError:   # made meanwhile by another process: not ours to remove
            made.remove(p)
    return made


def _remove_made(made: list[Path]) -> None:
    for p in made:   # deepest first; a folder someone else has put something into stays
        try:
            p.rmdir()
        except OSError:
            break


@contextmanager
def locked_folder(folder: Path) -> Iterator[Path]:
    """Lock `folder` (made, with its parents, if missing) for the block: while it runs, no other
    run_sim.py writes into the folder (a second is refused, naming this process).

    Private files and folders (*.partial) left in it by a killed process are removed first. If the
    block fails, unless interrupted, the folders made for it are removed (if still empty).
    """
    folder = Path(folder)
    try:
        made = _make_folders(folder)
    except OSError as exc:     # e.g. under /proc, or a folder one may not write
        raise SimError(f"{folder}: cannot make this folder ({exc.strerror or exc}); allowed: a folder on a disk "
                       "you may write") from None
    held = _lock(folder)
    try:
        held.__enter__()
    except OSError as exc:
        _remove_made(made)
        raise SimError(f"{folder}: cannot open this folder ({exc.strerror or exc}); allowed: a folder you may "
                       "read and write") from None
    except BaseException:
        _remove_made(made)
        raise
    try:
        for old in folder.glob(f".*{PARTIAL}"):    # left by a killed run: we hold the lock, so not in use
            if old.name != LOCK_FILE:
                shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
        yield folder
    except BaseException as exc:
        held.__exit__(*sys.exc_info())
        if not isinstance(exc, KeyboardInterrupt):
            _remove_made(made)
        raise
    else:
        held.__exit__(None, None, None)


@contextmanager
def staged_folder(folder: Path, mark: Callable[[Path], None], seals: tuple[str, ...],
                  stale: Callable[[str], bool] = lambda name: False) -> Iterator[Path]:
    """Lock `folder` (made if missing) and yield a private folder inside it to write the outputs in.

    When the block completes, every file and subfolder of the private folder replaces the one of
    the same name in `folder` (subfolders merged the same way), and old files for which
    `stale(name)` holds are removed; `mark(folder)` marks each folder written. If the block fails,
    the old outputs are untouched, the private folder is removed and, unless interrupted, so are
    the folders made for it. A private folder left by a killed process is removed by the next run.
    """
    with locked_folder(folder) as folder:
        stage = new_stage(folder)
        try:
            yield stage
            commit(stage, folder, mark, seals, stale)
            stage.rmdir()
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise


def new_stage(folder: Path, kind: str = "stage") -> Path:
    """A new private folder inside `folder` (removed by the next `locked_folder` if left behind)."""
    stage = Path(folder) / f".{kind}.{os.getpid()}-{secrets.token_hex(4)}{PARTIAL}"
    stage.mkdir()
    return stage


def commit(stage: Path, folder: Path, mark: Callable[[Path], None], seals: tuple[str, ...],
           stale: Callable[[str], bool]) -> None:
    """Move the outputs of `stage` into `folder`: its seals removed first and put back last."""
    for name in seals:
        (folder / name).unlink(missing_ok=True)
    for old in folder.iterdir():
        if old.is_file() and stale(old.name) and not (stage / old.name).exists():
            old.unlink()
    mark(folder)
    for entry in sorted(stage.iterdir(), key=lambda p: (p.name in seals, p.name)):
        target = folder / entry.name
        if entry.is_dir():
            if target.exists() and not target.is_dir():
                target.unlink()
            target.mkdir(exist_ok=True)
            commit(entry, target, mark, seals, stale)
            entry.rmdir()
        else:
            os.replace(entry, target)


# ---------------------------------------------------------------- journals of sealed lines

SEAL = "sha256"          # the key of a journal line's checksum
MAX_LINE = 1 << 20       # bytes of a journal line; longer is not a record this program wrote


def _digest(record: dict[str, Any], key: str) -> str:
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(f"{key}\n{text}".encode()).hexdigest()


def sealed_line(record: dict[str, Any], key: str) -> str:
    """`record` (JSON numbers, strings, lists and objects; no NaN) as one journal line, ending in a newline,
    with the SHA-256 of `key` and the record under ``"sha256"``."""
    return json.dumps({**record, SEAL: _digest(record, key)}, allow_nan=False) + "\n"


def json_type(value: object) -> str:
    """What `value`, read from JSON, is in JSON's words: object, array, string, number, boolean or null."""
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a journal holds")


def read_sealed_lines(path: Path, key: str, first_key: str | None = None) -> \
        Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number from 1, record, "") for each line of `path` that `sealed_line(record, key)` wrote (the
    first line: `sealed_line(record, first_key)`, if given; a header of another key), or
    (line number, None, what is wrong with it) for any other: not UTF-8, not a JSON object, NaN or
    Infinity, over MAX_LINE bytes, no checksum or not this one (cut, altered, another key's). A last line
    without its newline is a line cut short. Reads line by line: memory stays flat in the file's size."""
    with open(path, "rb") as f:
        number = 0
        while True:
            raw = f.readline(MAX_LINE + 1)
            if not raw:
                return
            number += 1
            if len(raw) > MAX_LINE:
                while raw and not raw.endswith(b"\n"):      # the rest of the line: not read into memory
                    raw = f.readline(MAX_LINE)
                yield number, None, f"longer than {MAX_LINE:,} bytes"
                continue
            if not raw.endswith(b"\n"):
                yield number, None, "cut short (no end of line)"
                continue
            if not raw.strip():
                yield number, None, "an empty line"
                continue
            try:
                record = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
            except UnicodeDecodeError:
                yield number, None, "not UTF-8 text"
                continue
            except (ValueError, RecursionError) as exc:       # JSONDecodeError is a ValueError
                yield number, None, f"not JSON ({str(exc)[:60]})"
                continue
            if not isinstance(record, dict):
                yield number, None, f"not a record (a JSON {json_type(record)})"
                continue
            seal = record.pop(SEAL, None)
            if not isinstance(seal, str):
                yield number, None, "no checksum"
                continue
            try:
                good = _digest(record, first_key if number == 1 and first_key is not None else key) == seal
            except (ValueError, TypeError, RecursionError):
                good = False
            if not good:
                yield number, None, "checksum does not match (altered, cut, or of another sweep)"
                continue
            yield number, record, ""
