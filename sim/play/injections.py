"""The facilitator's events, typed as ``inject ...`` at the prompt: parsing and the catalogue.

Every injection acts on the next turn to be played and is saved in the game file, so a replay
applies it at the same point. Parameter changes are recorded as explicit ``key = value`` pairs
(a ``leader`` preset is turned into numbers when it is made), so replays do not depend on presets.
"""

from __future__ import annotations

from typing import Any

from sim.core.actions import MOVE_NAMES, STAGE_WORDS, Action
from sim.core.codes import STAGES
from sim.core.errors import SimError
from sim.core.scenario import EVENT_KEYS, changeable, parse_assignment
from sim.play.engine import Game, Injection, PlayError, doctrine_rule, terms_state, violation_state

#: (how to type it, what it does): shown by `help` and by `inject` alone.
CATALOGUE: tuple[tuple[str, str], ...] = (
    ("inject violation ACTOR", "intelligence reveals a treaty violation by ACTOR: its missiles (or its flight "
                               "tests or production) become disputed and everyone trusts it less"),
    ("inject leader ACTOR hawk", "new hawkish leadership: fears war less, feels threats more, values talks "
                                 "less, backing down costs it more"),
    ("inject leader ACTOR dove", "new dovish leadership: fears war more, feels threats less, values talks more"),
    ("inject force ACTOR MOVE", "ACTOR must play MOVE this turn, if MOVE is legal for it now (overrules a "
                                "team too)"),
    ("inject doctrine ACTOR RULE", "a model-played ACTOR follows another rule or preset from now on, e.g. "
                                   "inject doctrine RU tit_for_tat (see `run_sim.py rules`)"),
    ("inject set KEY=VALUE ...", "change parameters from this turn on, e.g. set risk.h_max=0.02 "
                                 "or set actors.US.payoff.audience_cost=3"),
    ("inject terms ACTOR OTHER keep|eliminate|parity keep|eliminate|parity",
     "ACTOR and OTHER put these terms on the table of their talks (ACTOR's part, then OTHER's; parity is for "
     "both) until signed, e.g. inject terms US RU keep eliminate"),
)

#: Leadership presets: payoff weight -> (operation, operand), applied to the weight in force.
LEADERS: dict[str, dict[str, tuple[str, float]]] = {
    "hawk": {"war_cost": ("*", 0.5), "threat_weight": ("*", 1.5), "talks_value": ("*", 0.5),
             "dialogue_cost": ("+", 0.1), "audience_cost": ("*", 2.0)},
    "dove": {"war_cost": ("*", 1.5), "threat_weight": ("*", 0.75), "talks_value": ("*", 2.0),
             "dialogue_cost": ("=", 0.0), "audience_cost": ("*", 0.5)},
}
WEIGHT_WORDS = {"war_cost": "war cost", "threat_weight": "threat weight", "talks_value": "value of talks",
                "dialogue_cost": "cost of unanswered talks", "audience_cost": "audience cost"}


def usage() -> str:
    return "; ".join(form for form, _ in CATALOGUE)


def example(game: Game) -> str:
    """An injection the game accepts now, to show as an example: a violation that can be revealed, or else
    new leadership in the first side."""
    for actor in game.ids:
        try:
            parse(game, f"violation {actor}")
        except SimError:
            continue
        return f"violation {actor}"
    return f"leader {game.ids[0]} hawk"


def parse_move(text: str) -> Action:
    """A move from its number (1 to 7, as the menu shows it), its name, or an unambiguous start of it.

    Whether the move is legal now is the game's to say (`Game.choose`, `Game.inject`).
    """
    word = text.strip().lower()
    # decimal digits only: "²", "①" or "𐩀" are digits to str.isdigit but not numbers int() reads, and a
    # number of thousands of digits is more than int() converts
    if word.isdecimal() and len(word) <= 3 and 1 <= int(word) <= len(MOVE_NAMES):
        return Action(int(word) - 1)
    matches = [name for name in MOVE_NAMES if name.startswith(word)] if word else []
    if len(matches) == 1:
        return Action.parse(matches[0])
    if len(matches) > 1:
        raise PlayError(f"{text!r} could be {' or '.join(matches)}; type more letters or the number")
    raise PlayError(f"unknown move {text[:40]!r}; allowed: 1-{len(MOVE_NAMES)} or {', '.join(MOVE_NAMES)}")


def actor_of(game: Game, text: str) -> str:
    """An actor id, matched without regard to case."""
    for a in game.ids:
        if a.lower() == text.strip().lower():
            return a
    raise PlayError(f"unknown actor {text!r}; allowed: {', '.join(game.ids)}")


def parse(game: Game, text: str) -> Injection:
    """The injection typed as `text` (without the word ``inject``), checked against the game."""
    words = text.split()
    if not words:
        raise PlayError(f"inject what? allowed: {usage()}")
    kind, args = words[0].lower(), words[1:]
    turn = game.next_turn
    if kind == "violation":
        if len(args) != 1:
            raise PlayError("usage: inject violation ACTOR, e.g. inject violation RU")
        actor = actor_of(game, args[0])
        i = game.index[actor]
        after = violation_state(game, i)     # checks that a violation can be revealed
        name = game.names[i]
        disputed = int(after.disputed[0, i])
        loss = game.params.diplomacy["trust_detect_loss"]
        if disputed > int(game.state.disputed[0, i]):
            what = f"{disputed} of its missiles are now disputed"
        else:
            stage = STAGE_WORDS[STAGES[int(game.state.stage[0, i])]]
            what = f"its missile programme ({stage}) is now disputed"
        note = (f"Intelligence reveals a treaty violation by {name}: {what}, and every other side's trust in "
                f"{name} falls by {loss:g}.")
        return Injection("violation", turn, f"violation {actor}", note, actor=actor)
    if kind == "leader":
        if len(args) != 2 or args[1].lower() not in LEADERS:
            raise PlayError("usage: inject leader ACTOR hawk|dove, e.g. inject leader US hawk")
        actor = actor_of(game, args[0])
        return leader(game, actor, args[1].lower())
    if kind == "force":
        if len(args) != 2:
            raise PlayError("usage: inject force ACTOR MOVE, e.g. inject force RU deployment")
        actor = actor_of(game, args[0])
        move = parse_move(args[1])
        game.refuse_illegal(actor, move)
        i = game.index[actor]
        who = "the team's choice is overruled" if game.is_human(actor) else "instead of its rule's choice"
        note = f"The facilitator decides that {game.names[i]} plays {move.label} on turn {turn} ({who})."
        return Injection("force", turn, f"force {actor} {move.label}", note, actor=actor, move=move.label)
    if kind == "set":
        if not args:
            raise PlayError("usage: inject set KEY=VALUE ..., e.g. inject set risk.h_max=0.02")
        changes: dict[str, Any] = {}
        for item in args:
            try:
                key, value = parse_assignment(item, source=f"inject set {item}")
            except SimError as exc:
                raise PlayError(str(exc)) from None
            key = _canonical_key(game, key)
            if not changeable(key):
                raise PlayError(f"inject set {key}: not a parameter an event may change; allowed: {EVENT_KEYS}")
            changes[key] = value
        shown = ", ".join(f"{k} = {v}" for k, v in changes.items())
        note = f"The facilitator changes parameters from turn {turn} on: {shown}."
        text_out = "set " + " ".join(f"{k}={_toml(v)}" for k, v in changes.items())
        return Injection("set", turn, text_out, note, changes=changes)
    if kind == "terms":
        if len(args) != 4:
            raise PlayError("usage: inject terms ACTOR OTHER keep|eliminate|parity keep|eliminate|parity, "
                            "e.g. inject terms US RU keep eliminate")
        return terms(game, actor_of(game, args[0]), actor_of(game, args[1]), args[2], args[3])
    if kind == "doctrine":
        if len(args) != 2:
            raise PlayError("usage: inject doctrine ACTOR RULE, e.g. inject doctrine RU tit_for_tat")
        actor = actor_of(game, args[0])
        name = args[1].lower()
        rule = doctrine_rule(game, actor, name)           # checks actor and rule
        i = game.index[actor]
        before = game.crisis.rules[i].name
        note = (f"{game.names[i]} changes doctrine from turn {turn} on: it follows {name} "
                f"(rule {rule.name}) instead of {before}.")
        return Injection("doctrine", turn, f"doctrine {actor} {name}", note, actor=actor, rule=name)
    raise PlayError(f"unknown event {kind!r}; allowed: {usage()}")


def terms(game: Game, actor: str, other: str, ours: str, theirs: str) -> Injection:
    """`actor` and `other` pledge terms for their talks: `ours` is actor's part, `theirs` other's."""
    parts = {"with": other, "ours": ours.lower(), "theirs": theirs.lower()}
    terms_state(game, actor, parts)                    # checks the pair and the parts
    i, j = game.index[actor], game.index[other]
    words = {"keep": "keeps its force as it stands", "eliminate": "eliminates its force"}
    note = (f"{game.names[i]} and {game.names[j]} put terms on the table of their talks: {game.names[i]} "
            f"{words[parts['ours']]}, {game.names[j]} {words[parts['theirs']]}; signed when their talks "
            "reach agreement.")
    return Injection("terms", game.next_turn, f"terms {actor} {other} {parts['ours']} {parts['theirs']}", note,
                     actor=actor, changes=parts)


def leader(game: Game, actor: str, kind: str) -> Injection:
    """A change of leadership in `actor`: its payoff weights moved by the preset, as numbers."""
    i = game.index[actor]
    weights = game.params.payoff
    changes: dict[str, float] = {}
    parts = []
    for name, (op, x) in LEADERS[kind].items():
        old = float(weights[name][i])
        new = old * x if op == "*" else old + x if op == "+" else x
        new = round(new, 6)
        changes[f"actors.{actor}.payoff.{name}"] = new
        if new != old:
            parts.append(f"{WEIGHT_WORDS[name]} {old:g} -> {new:g}")
    rule = game.crisis.rules[i]
    if game.is_human(actor):
        effect = "the team's payoffs change from now on"
    elif getattr(rule, "reads_values", False):
        effect = f"its rule ({rule.name}) weighs payoffs, so its choices will change"
    else:
        effect = f"its rule ({rule.name}) does not weigh payoffs, so only its payoffs change, not its moves"
    adjective = "hawkish" if kind == "hawk" else "dovish"
    note = f"New, more {adjective} leadership in {game.names[i]}: {', '.join(parts)}; {effect}."
    return Injection("leader", game.next_turn, f"leader {actor} {kind}", note, actor=actor, changes=changes)


def _canonical_key(game: Game, key: str) -> str:
    parts = key.split(".")
    if len(parts) >= 2 and parts[0] == "actors":
        for a in game.ids:
            if a.lower() == parts[1].lower():
                parts[1] = a
    return ".".join(parts)


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)
