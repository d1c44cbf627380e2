"""Sizes refused before anything is allocated: what a command would need, against what the machine has.

The estimates are upper bounds of the arrays a command keeps (`sim.output.results.Summary` per run, the
outcomes of a tournament, the grid of a map) and of the CSV text `run` writes; the message names
the estimate, so a user can see why and how far to scale down.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sim.core.errors import SimError

# bytes of one CSV row, rounded up (a date, five numbers with four decimals, a status, ...)
TURN_ROW_BYTES = 80
ACTION_ROW_BYTES = 64


def available_memory() -> int:
    """Bytes of memory available to a new allocation (psutil: MemAvailable on Linux, its like elsewhere)."""
    import psutil

    return int(psutil.virtual_memory().available)


def _human(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} PB"  # pragma: no cover


def check_memory(what: str, need: float) -> None:
    """SimError if `need` bytes (an estimate for `what`) exceed the memory available."""
    have = available_memory()
    if need > have:
        raise SimError(f"{what}: needs about {_human(need)} of memory, {_human(have)} available; "
                       "allowed: fewer runs, turns or points")


def check_disk(folder: Path, what: str, need: float) -> None:
    """SimError if `need` bytes exceed the free space of the disk that `folder` (or its parent) is on."""
    place = Path(folder).absolute()
    while not place.exists() and place != place.parent:
        place = place.parent
    try:
        free = shutil.disk_usage(place).free
    except OSError:
        return   # nothing to measure: the write itself will say what is wrong
    if need > free:
        raise SimError(f"{folder}: {what} needs about {_human(need)} of disk, {_human(free)} free; "
                       "allowed: fewer runs or turns, or another --out")


def summary_bytes(runs: int, turns: int, actors: int) -> int:
    """Memory that the summary of `runs` runs keeps (and its float64 copies while it is written)."""
    per_run = (turns + 1) * (4 + 8 + 8) + (turns + 1) * actors * (4 + 4) + actors * 5 * 8 * 2 + 128
    return runs * per_run


def check_run(runs: int, turns: int, actors: int, out: Path | None) -> None:
    """Refuse a run whose summary cannot fit in memory or whose CSV files cannot fit on the disk."""
    check_memory(f"--runs {runs} x {turns} turns", summary_bytes(runs, turns, actors))
    if out is not None:
        disk = runs * ((turns + 1) * TURN_ROW_BYTES + turns * actors * ACTION_ROW_BYTES)
        check_disk(out, f"--runs {runs} x {turns} turns", disk)
