"""A team's briefing: who its side is, what it wants, what its moves do, what it knows and what only it knows.

Read from the actor's ``[actors.briefing]`` table of the scenario; what the table leaves out is derived
from the scenario itself (its description, the situation at the start, the payoff weights). Moves are
described from the move table of `sim.core.actions`, with this actor's numbers (batch, lag, stage lengths).
Used by the printed materials (`sim.materials`) and the web classroom's team pages. Needs no kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sim.core.actions import MOVES, STAGE_WORDS, Action, Condition
from sim.core.codes import PRODUCTION, STAGES
from sim.core.scenario import ActorSpec, Scenario

TREATY_STATUS_WORDS = {"in_force": "in force", "notice": "under notice", "terminated": "terminated",
                       "none": "none"}


@dataclass(frozen=True)
class Briefing:
    """What one side's team reads: the public part, and `intelligence`, for this team only."""

    actor_id: str
    name: str
    background: str
    objectives: tuple[str, ...]
    knows: tuple[str, ...]           # public
    intelligence: tuple[str, ...]    # private to this team
    moves: tuple[tuple[str, str], ...]   # (move label, what it does for this side, in plain words)
    allies: tuple[str, ...] = ()     # names
    adversaries: tuple[str, ...] = ()


def briefing(scn: Scenario, actor_id: str) -> Briefing:
    """The briefing of actor `actor_id` of `scn`; KeyError if the scenario has no such actor."""
    actor = _actor(scn, actor_id)
    spec = actor.briefing
    return Briefing(
        actor_id=actor.id,
        name=display_name(actor),
        background=(spec.background.strip() if spec and spec.background.strip() else default_background(scn, actor)),
        objectives=tuple(spec.objectives) if spec and spec.objectives else default_objectives(scn, actor),
        knows=tuple(spec.knows) if spec and spec.knows else situation(scn),
        intelligence=tuple(spec.intelligence) if spec and spec.intelligence else default_intelligence(scn, actor),
        moves=tuple(moves(scn, actor)),
        allies=tuple(display_name(_actor(scn, a)) for a in actor.allies),
        adversaries=tuple(display_name(_actor(scn, a)) for a in actor.adversaries),
    )


def _actor(scn: Scenario, actor_id: str) -> ActorSpec:
    for a in scn.actors:
        if a.id == actor_id:
            return a
    raise KeyError(f"{scn.name}: no actor {actor_id!r}; allowed: {', '.join(scn.actor_ids)}")


def display_name(actor: ActorSpec) -> str:
    """The actor's name, or its id if the scenario gives none."""
    return actor.name or actor.id


def _names(scn: Scenario, ids: list[str]) -> str:
    return ", ".join(display_name(_actor(scn, i)) for i in ids)


# ---------------------------------------------------------------- moves


def can_ever_play(scn: Scenario, actor: ActorSpec, move: Action) -> bool:
    """Whether `move` can be open to `actor` at some turn of `scn`: whether every condition of its row
    of the move table can hold, over every state the actor can reach."""
    return all(can_ever_hold(scn, actor, c) for c in MOVES[move].legal_when)


def can_ever_hold(scn: Scenario, actor: ActorSpec, condition: Condition) -> bool:
    """Whether a legality condition can hold for `actor` at some turn of `scn`: a host never owns
    missiles, a non-party is never bound, a dispute needs something that can be disputed."""
    if condition == Condition.CAN_WITHDRAW:   # a party gives notice, a host withdraws its consent
        return actor.treaty_party or actor.host_for is not None
    if condition == Condition.OWNER:
        return actor.host_for is None
    if condition == Condition.BELOW_PRODUCTION:   # a ready programme goes back only if a treaty halts it
        return STAGES.index(actor.programme.stage) < PRODUCTION or actor.treaty_party
    if condition == Condition.CAN_MEET_DEMAND:
        return _can_be_in_dispute(actor) or _can_be_demanded(actor)
    if condition == Condition.ADVERSARY_DEMANDABLE:
        return any(_can_be_in_dispute(_actor(scn, j)) or _can_be_demanded(_actor(scn, j)) for j in actor.adversaries)
    return True


def _can_be_demanded(actor: ActorSpec) -> bool:
    # an owner can be asked to remove its missiles or halt its programme (a host owns neither)
    return actor.host_for is None


def _can_be_in_dispute(actor: ActorSpec) -> bool:
    # disputed missiles at the start, or a bound owner whose tests, production or fielding break the treaty
    return actor.disputed > 0 or (actor.treaty_party and actor.host_for is None)


def moves(scn: Scenario, actor: ActorSpec) -> list[tuple[str, str]]:
    """For each move `actor` can ever play, its label and what it does for this actor, in plain words."""
    return [(m.label, _move_words(scn, actor, m)) for m in Action if can_ever_play(scn, actor, m)]


def _move_words(scn: Scenario, actor: ActorSpec, move: Action) -> str:
    meaning = _cap(MOVES[move].meaning)
    t = scn.treaty
    if move == Action.DIALOGUE:
        return f"{meaning} (your adversaries: {_names(scn, actor.adversaries)})."
    if move == Action.COMPLY:
        now = f" Now in dispute: your {actor.disputed} missiles." if actor.disputed else ""
        return f"{meaning}; it costs you at home.{now}"
    if move == Action.ULTIMATUM:
        return (f"{meaning}. The deadline is {t.ultimatum_days} days away; unmet by then, you must carry out your "
                "threat or the ultimatum lapses: you lose credibility and pay an audience cost at home.")
    if move == Action.WITHDRAWAL and not actor.treaty_party and actor.host_for is not None:
        return (f"Withdraw your consent to host the missiles of {_names(scn, [actor.host_for])}: they then no longer "
                "reach from your territory (you may consent again later).")
    if move == Action.WITHDRAWAL:
        return f"Give notice to leave the treaty; it ends after the notice period, here {t.notice_days} days; from " \
               "your notice on, you are no longer bound by it."
    if move == Action.DEVELOP:
        p = actor.programme
        text = (f"{meaning}; for you about {p.development_days}, {p.flight_test_days} and {p.production_days} days "
                f"(now {STAGE_WORDS[p.stage]})")
        if actor.treaty_party:
            text += ("; flight tests and production while the treaty binds you are a violation, and tests are "
                     "usually seen")
        return text + "."
    if move == Action.DEPLOYMENT:
        if actor.host_for is not None:
            leader = display_name(_actor(scn, actor.host_for))
            return (f"Consent to host the missiles of your ally ({leader}) once it produces or has them: from your "
                    "territory they reach further. Consent costs your governments at home every turn the missiles "
                    "are there or on order; you may withdraw it.")
        # the table's meaning has an owner's part and a host's part: "order ...; for a host, consent ..."
        own = meaning.partition("; for a host")[0]
        text = (f"{own}; for you a battalion is {actor.deploy_batch} missiles, arriving about "
                f"{actor.deploy_lag_days} days after the order")
        if actor.treaty_party:
            text += "; missiles that arrive while the treaty binds you are a violation if found"
        return text + "."
    return f"{meaning}."


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------- defaults derived from the scenario


def default_background(scn: Scenario, actor: ActorSpec) -> str:
    """The scenario's description, and who the actor is in it."""
    role = []
    if actor.treaty_party:
        role.append("a party to the treaty")
    if actor.host_for is not None:
        role.append(f"a possible host of {display_name(_actor(scn, actor.host_for))}'s missiles, owning none")
    if actor.allies:
        role.append(f"allied with {_names(scn, actor.allies)}")
    role.append(f"facing {_names(scn, actor.adversaries)}")
    who = f"You play {display_name(actor)}: " + ", ".join(role) + "."
    return f"{scn.scenario.description.strip()} {who}".strip()


def default_objectives(scn: Scenario, actor: ActorSpec) -> tuple[str, ...]:
    """What the actor's payoff weights reward and punish, in words."""
    p = actor.payoff
    out = []
    if p.treaty_value > 0 and scn.treaty.status != "none":
        out.append("Keep the treaty alive: it is worth something to you every turn it holds.")
    if p.threat_weight > 0:
        out.append(f"Keep your adversaries' missiles ({_names(scn, actor.adversaries)}) from reaching you and your "
                   "allies.")
    if p.war_cost > 0:
        out.append("Above all, avoid an incident: a breakdown of the crisis costs you more than anything else.")
    if p.audience_cost > 0 and can_ever_play(scn, actor, Action.ULTIMATUM):
        out.append("Do not threaten what you will not carry out: a lapsed ultimatum costs you credibility and "
                   "support at home.")
    if p.host_cost > 0 and actor.host_for is not None:
        out.append("Host your ally's missiles only if you must: hosting costs your governments at home every turn.")
    if p.talks_value > 0:
        out.append("Talks are worth something in themselves, even before they reach an agreement.")
    return tuple(out)


def situation(scn: Scenario) -> tuple[str, ...]:
    """The situation at the start, as every side sees it: the treaty, missiles, programmes, open demands."""
    t = scn.treaty
    out = [f"The game starts on {day(scn.scenario.start_date)}; a turn is {scn.scenario.turn_days} days."]
    if t.status != "none":
        parties = _names(scn, [a.id for a in scn.actors if a.treaty_party])
        out.append(f"The treaty is {TREATY_STATUS_WORDS[t.status]} (parties: {parties}); a party may leave it on "
                   f"{t.notice_days} days' notice.")
        if t.status == "notice" and t.notice_by and t.notice_ends:
            out.append(f"{display_name(_actor(scn, t.notice_by))}: has given notice; the treaty ends on "
                       f"{day(t.notice_ends)}.")
    else:
        out.append("There is no treaty between the sides.")
    for a in scn.actors:
        name = display_name(a)
        if a.missiles:
            disputed = f", {a.disputed} of them disputed by others" if a.disputed else ""
            out.append(f"{name}: {a.missiles:,} missiles fielded{disputed}.")
        elif a.host_for is None and a.programme.stage != "none":
            out.append(f"{name}: no missiles fielded; missile programme {STAGE_WORDS[a.programme.stage]}.")
        if a.ultimatum is not None:
            out.append(f"{name}: demands that {display_name(_actor(scn, a.ultimatum.target))} comply by "
                       f"{day(a.ultimatum.deadline)}.")
        if a.declares:
            answers = ", ".join(f"{seen} with {answer}" for seen, answer in a.declares.items())
            out.append(f"{name}: has declared it will answer {answers}.")
    return tuple(out)


def day(d: date) -> str:
    """16 January 2019."""
    return f"{d.day} {d:%B %Y}"


def default_intelligence(scn: Scenario, actor: ActorSpec) -> tuple[str, ...]:
    """What the scenario gives only this side: what its own choices cost it."""
    p = actor.payoff
    out = []
    if _can_be_in_dispute(actor) and p.comply_cost > 0:
        out.append("Complying verifiably, should you ever be in dispute, would cost you at home.")
    if actor.host_for is not None and p.host_cost > 0:
        out.append("Hosting your ally's missiles would be unpopular at home for as long as they stay.")
    if p.dialogue_cost > 0:
        out.append("Offers of talks that go unanswered cost you a little at home.")
    return tuple(out)
