"""Who is at a team's seat: its devices, each named on joining, one of them the captain.

A team is one join code shared by several devices (phones, laptops). Each device gets a secret token
(its cookie) and a public number, and gives a name. The first device to join is the team's captain,
the only one who submits the team's move; the others are advisers, who propose moves that every device
of the team and the facilitator see live. The captain hands over to another device, or the facilitator
names another captain. Proposals last one turn.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

NAME_CHARS = 30          # a device's name: what a student types on joining
MAX_DEVICES = 60         # devices per team: a class of thirty on one code, each with a spare
TOKEN_BYTES = 18


@dataclass
class Device:
    """One device at a team's seat."""

    token: str              # secret: the device's cookie
    number: int             # public: how others (and the facilitator) refer to it
    team: str
    name: str
    last_seen: float | None = None
    connected: bool = False
    proposal: str | None = None     # a move label proposed for the next turn

    def public(self, captain: str | None) -> dict[str, Any]:
        return {"number": self.number, "name": self.name, "captain": self.token == captain,
                "connected": self.connected, "proposal": self.proposal}


def clean_name(text: str) -> str:
    """A device's name as typed: spaces collapsed; empty or too long is refused (ValueError, one line)."""
    name = " ".join(str(text).split())
    if not name:
        raise ValueError("Type your name (so your team knows who proposes what).")
    if len(name) > NAME_CHARS or not name.isprintable():
        raise ValueError(f"A name of at most {NAME_CHARS} letters, please.")
    return name


class Roster:
    """Every device of every team, and each team's captain."""

    def __init__(self, teams: list[str]):
        self.devices: dict[str, Device] = {}          # token -> device
        self.captains: dict[str, str | None] = {t: None for t in teams}
        self._numbers = 0

    def add(self, team: str, name: str, token: str | None = None, number: int | None = None) -> Device:
        """A new device of `team` (the captain if the team has none); `token`, `number` when restored."""
        if sum(d.team == team for d in self.devices.values()) >= MAX_DEVICES:
            raise ValueError(f"This team has {MAX_DEVICES} devices already: share one.")
        if number is None:
            self._numbers += 1
            number = self._numbers
        self._numbers = max(self._numbers, number)
        device = Device(token or secrets.token_urlsafe(TOKEN_BYTES), number, team, clean_name(name))
        self.devices[device.token] = device
        if self.captains.get(team) is None:
            self.captains[team] = device.token
        return device

    def get(self, token: str | None, team: str | None = None) -> Device | None:
        """The device holding `token` (of `team`, if given), compared in constant time; or None."""
        if not token or len(token) > 64:
            return None
        found = None
        for device in self.devices.values():
            if secrets.compare_digest(device.token, token):
                found = device
        if found is None or (team is not None and found.team != team):
            return None
        return found

    def of(self, team: str) -> list[Device]:
        return sorted((d for d in self.devices.values() if d.team == team), key=lambda d: d.number)

    def numbered(self, team: str, number: int) -> Device:
        for device in self.of(team):
            if device.number == number:
                return device
        raise ValueError(f"no device {number} in team {team}; allowed: "
                         f"{', '.join(str(d.number) for d in self.of(team)) or 'none has joined'}")

    def captain(self, team: str) -> Device | None:
        token = self.captains.get(team)
        return self.devices.get(token) if token else None

    def is_captain(self, device: Device) -> bool:
        return self.captains.get(device.team) == device.token

    def make_captain(self, device: Device) -> None:
        self.captains[device.team] = device.token

    def clear_proposals(self) -> None:
        for device in self.devices.values():
            device.proposal = None

    def public(self, team: str) -> list[dict[str, Any]]:
        captain = self.captains.get(team)
        return [d.public(captain) for d in self.of(team)]

    def to_json(self) -> list[dict[str, Any]]:
        return [{"token": d.token, "number": d.number, "team": d.team, "name": d.name,
                 "captain": self.is_captain(d)} for d in sorted(self.devices.values(), key=lambda d: d.number)]

    def restore(self, saved: list[dict[str, Any]]) -> None:
        for item in saved:
            if item.get("team") in self.captains:
                device = self.add(str(item["team"]), str(item["name"]), token=str(item["token"]),
                                  number=int(item["number"]))
                if item.get("captain"):
                    self.make_captain(device)
