"""Deals between teams: "we will play X this turn if you play Y", offered by one team, accepted or declined
by the other, and checked at the reveal.

An offer is private to the two teams (and the facilitator) until the turn is revealed; then whether each
side kept its word is said on every page, which is what a class discusses. The model does not read a deal
of moves: it is the teams' word, nothing more. A deal of terms ("we keep our force if you eliminate
yours"), between two teams whose sides can sign a treaty, is different: accepted, its terms are on the
table of the model's talks between the two until they sign them (docs/ODD.md 7.3, pledged terms).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

OPEN, ACCEPTED, DECLINED, WITHDRAWN, KEPT, BROKEN = "open", "accepted", "declined", "withdrawn", "kept", "broken"
ON_TABLE = "on the table"
#: the parts of a deal of terms, and how each reads
TERM_WORDS = {"keep": "keeps its force as it stands", "eliminate": "eliminates its force",
              "parity": "cuts its force to the other side's level if it has more (equal ceilings)"}
MAX_OPEN = 20              # open offers in a room at once: enough for any class, bounded for the server


@dataclass
class Offer:
    id: int
    turn: int
    sender: str            # a team
    to: str                # another team
    we: str                # the move the sender will play
    you: str               # the move it asks of `to`
    by: str = ""           # the name of the device that offered
    status: str = OPEN
    outcome: str = ""      # after the reveal: who kept the deal

    @property
    def of_terms(self) -> bool:
        """A deal of terms for the two sides' talks, not of this turn's moves."""
        return self.we in TERM_WORDS and self.you in TERM_WORDS

    def words(self) -> str:
        if self.of_terms:
            return (f"terms for the talks: {self.sender} {TERM_WORDS[self.we]} and {self.to} "
                    f"{TERM_WORDS[self.you]}")
        return f"{self.sender} will play {self.we} if {self.to} plays {self.you}"


class Offers:
    """Every offer of a game, in order."""

    def __init__(self) -> None:
        self.all: list[Offer] = []

    def make(self, turn: int, sender: str, to: str, we: str, you: str, by: str = "") -> Offer:
        if to == sender:
            raise ValueError("an offer to yourself; allowed: another team")
        if sum(o.status == OPEN for o in self.all) >= MAX_OPEN:
            raise ValueError(f"{MAX_OPEN} offers are open already; allowed: answer or withdraw some first")
        for old in self.all:       # a new offer to the same team replaces the one still open
            if old.status == OPEN and old.sender == sender and old.to == to and old.turn == turn:
                old.status = WITHDRAWN
        offer = Offer(len(self.all) + 1, turn, sender, to, we, you, by)
        self.all.append(offer)
        return offer

    def answer(self, team: str, offer_id: int, accept: bool, turn: int) -> Offer:
        offer = next((o for o in self.all if o.id == offer_id), None)
        if offer is None or offer.to != team:
            raise ValueError(f"no offer {offer_id} to {team}")
        if offer.status != OPEN or offer.turn != turn:
            raise ValueError(f"offer {offer_id} is {offer.status if offer.status != OPEN else 'for a past turn'}; "
                             "allowed: answer an open offer of this turn")
        offer.status = ACCEPTED if accept else DECLINED
        return offer

    def revealed(self, turn: int, moves: dict[str, str]) -> list[str]:
        """The deals of `turn`, now that its `moves` (team -> move label) are known: who kept its word, in
        sentences; offers never answered lapse."""
        said = []
        for o in self.all:
            if o.turn != turn:
                continue
            if o.status == OPEN:
                o.status = WITHDRAWN
                continue
            if o.status != ACCEPTED:
                continue
            if o.of_terms:
                o.status, o.outcome = ON_TABLE, "their talks negotiate these terms until they sign them"
                said.append(f"Deal of turn {turn}: {o.words()}; {o.outcome}.")
                continue
            kept = {o.sender: moves.get(o.sender) == o.we, o.to: moves.get(o.to) == o.you}
            o.status = KEPT if all(kept.values()) else BROKEN
            if all(kept.values()):
                o.outcome = "both kept their word"
            else:
                broke = [t for t, k in kept.items() if not k]
                o.outcome = f"{' and '.join(broke)} did not keep {'their' if len(broke) > 1 else 'its'} word"
            said.append(f"Deal of turn {turn}: {o.words()}; {o.outcome}.")
        return said

    def reopen(self, turn: int) -> None:
        """`turn` was taken back: its deals stand again, to be checked when it is played again."""
        for o in self.all:
            if o.turn == turn and o.status in (KEPT, BROKEN, ON_TABLE):
                o.status, o.outcome = ACCEPTED, ""

    def of(self, team: str) -> list[dict[str, Any]]:
        return [{**asdict(o), "words": o.words()} for o in self.all if team in (o.sender, o.to)]

    def to_json(self) -> list[dict[str, Any]]:
        return [asdict(o) for o in self.all]

    def restore(self, saved: list[dict[str, Any]]) -> None:
        names = set(Offer.__dataclass_fields__)
        self.all = [Offer(**{k: v for k, v in o.items() if k in names}) for o in saved if isinstance(o, dict)]
