"""What a classroom keeps across a restart of its server, beside the game: `OUT/room.json`.

game.json holds the game (turns, injections); room.json holds the room around it: the join codes and
the PIN (so phones and the facilitator's browser go on with the cookies they hold), the settings the
lesson was started with (the turn's seconds, the discussion phase), the devices with their names and
captains, the messages, and the phase. It is rewritten (atomically) after every change. Submitted but
unrevealed moves are not kept: they are secret, and the teams submit them again after a restart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.core.errors import SimError
from sim.core.safeio import atomic_path

FILE = "room.json"
FORMAT = "escalation-sim classroom room"
PHASES = ("lobby", "playing", "paused", "discussion", "over")


def write(path: Path, state: dict[str, Any]) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps({"format": FORMAT, **state}, indent=1), encoding="utf-8")


def read(path: Path) -> dict[str, Any] | None:
    """The room kept at `path`, or None if there is none; a file that is not one is a one-line SimError."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        ok = (isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("pin"), str)
              and isinstance(data.get("codes"), dict) and isinstance(data.get("devices", []), list)
              and isinstance(data.get("messages", []), list) and data.get("phase", "paused") in PHASES)
    except (OSError, ValueError) as exc:
        raise SimError(f"{path}: cannot read the room ({exc}); allowed: delete it to start with new codes and "
                       "PIN") from None
    if not ok:
        raise SimError(f"{path}: not a classroom room file; allowed: delete it to start with new codes and PIN")
    return data
