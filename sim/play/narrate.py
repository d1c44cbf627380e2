"""Plain sentences about a game: what each side did, what a move would do now, the treaty and ultimatums.

Screens and the debrief both use these, so the class reads the same words during the game and after.
Every statement is read off the state, the outcome flags and the parameters (the formulas of
docs/ODD.md); moves are described from the move table of `sim.core.actions` (verbs, meanings, stages).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from sim.core.actions import HOST_REVOKE_VERB, HOST_VERB, MOVES, STAGE_WORDS, Action, Condition
from sim.core.codes import (
    CUT_FORCE,
    DEMAND_COMPLY,
    DEMAND_REMOVE,
    DEVELOPMENT,
    FLIGHT_TEST,
    IN_FORCE,
    NO_ONE,
    NO_TERMS,
    NO_TREATY,
    NONE_STAGE,
    NOTICE,
    PARITY,
    PRODUCTION,
    READY,
    RUNG_NAMES,
    STAGES,
    TERMINATED,
)
from sim.core.state import COMPONENT_LABELS, COMPONENTS, State
from sim.kernel import dynamics
from sim.play.roles import BOT, FACILITATOR, MODEL, SCENARIO, TEAM

D, H, C, U, W, P, X = (Action.DIALOGUE, Action.HOLD, Action.COMPLY, Action.ULTIMATUM, Action.WITHDRAWAL,
                       Action.DEVELOP, Action.DEPLOYMENT)
TREATY_WORDS = ("in force", "under notice", "terminated", "none")
WHO = {TEAM: "team", MODEL: "model", FACILITATOR: "facilitator", SCENARIO: "scenario event",
       BOT: "bot for the team"}


if TYPE_CHECKING:
    from sim.core.params import Params
    from sim.play.engine import Game, TurnRecord


def day(d: date) -> str:
    """16 Jan 2019."""
    return f"{d.day} {d:%b %Y}"


ARTICLE_WORDS = ("States", "Kingdom", "Republic", "Union", "Emirates", "Netherlands", "Philippines", "Alliance")


def prose_names(game: Game) -> list[str]:
    """Actor names as they read inside a sentence: 'the United States', 'Russia', 'NATO'."""
    out = []
    for name in game.names:
        words = name.split()
        the = len(words) > 1 and (words[0] == "United" or words[-1] in ARTICLE_WORDS)
        out.append(f"the {name}" if the and not name.lower().startswith("the ") else name)
    return out


def cap(text: str) -> str:
    """The sentence with its first letter in upper case."""
    return text[:1].upper() + text[1:]


def poss(name: str) -> str:
    """The possessive: Russia's, United States'."""
    return name + ("'" if name.endswith("s") else "'s")


def pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def listing(items: list[str], word: str = "and") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def plural(k: int, word: str) -> str:
    return f"{k} {word}{'s' if k != 1 else ''}"


def talk_partners(game: Game, i: int) -> list[int]:
    adv = game.params.adversary
    return [j for j in range(len(game.ids)) if j != i and (adv[i, j] or adv[j, i])]


def bound(game: Game, s: State, i: int) -> bool:
    return bool(s.bound(game.params)[0, i])


def when(game: Game, turn: int) -> str:
    """'on 17 Mar 2019 (turn 3)', 'this turn' or 'in 2 turns'."""
    k = turn - game.next_turn
    rel = "this turn" if k == 0 else "next turn" if k == 1 else f"in {k} turns"
    return f"{day(game.date(turn))} ({rel})"


def rung_text(rung: int) -> str:
    """'rung 3 (solemn and formal declarations)'."""
    return f"rung {rung} ({RUNG_NAMES.get(rung, 'unnamed')})"


def stage_name(s: State, i: int) -> str:
    return STAGES[int(s.stage[0, i])]


def programme_text(game: Game, s: State, i: int) -> str:
    """What a side's programme or hosting is now: 'in development, 11 turns left', 'hosts US missiles'."""
    p = game.params
    lead = int(p.host_of[i])
    if lead >= 0:
        return f"hosts {game.ids[lead]} missiles" if s.hosting[0, i] else f"may host {game.ids[lead]} missiles"
    stage = int(s.stage[0, i])
    text = STAGE_WORDS[STAGES[stage]]
    left = int(s.stage_left[0, i])
    if NONE_STAGE < stage < READY:
        text += f", {plural(left, 'turn')} left" if left else ", stage complete"
    if s.breach[0, i]:
        text += " (in dispute)"
    return text


def programme_short(game: Game, s: State, i: int) -> str:
    """The programme column of the sides table: 'development (11)', 'ready', 'hosts US', '-'."""
    lead = int(game.params.host_of[i])
    if lead >= 0:
        return f"hosts {game.ids[lead]}" if s.hosting[0, i] else "-"
    stage = int(s.stage[0, i])
    left = int(s.stage_left[0, i])
    text = STAGES[stage].replace("_", " ") + (f" ({left})" if NONE_STAGE < stage < READY and left else "")
    return text + ("!" if s.breach[0, i] else "")


def reached_by(game: Game, s: State, i: int) -> list[int]:
    """Adversaries of i (or their allies) that i's missiles reach from where they are based now."""
    p = game.params
    hits = dynamics.hits(s, p)[0]
    return [k for k in range(len(game.ids)) if hits[i, k] and any(p.adversary[i, j] and p.side[j, k]
                                                                    for j in range(len(game.ids)))]


def threat_words(game: Game, s: State, i: int, you: bool = False) -> str:
    """The act that carries out i's ultimatum: notice while bound, arming otherwise (`dynamics.mark_acts`)."""
    its = "your" if you else "its"
    if bound(game, s, i):
        return "give notice to leave the treaty (withdrawal)"
    if game.params.host_of[i] >= 0:
        return f"consent to host {its} ally's missiles (deployment)"
    return "order missiles (deployment)"


def demand_words(game: Game, s: State, j: int, kind: int) -> str:
    """What an ultimatum of `kind` (`sim.core.codes.DEMAND_*`) asks of j."""
    if kind == DEMAND_COMPLY:
        return dispute_words(game, s, j)
    if kind == DEMAND_REMOVE:
        ordered = int(s.pipeline[0, j].sum())
        return (f"remove its {plural(int(s.missiles[0, j]), 'missile')}"
                + (f" and cancel its {ordered} on order" if ordered else "") + " in reach of your side")
    return f"halt its missile programme ({STAGE_WORDS[stage_name(s, j)]})"


def dispute_words(game: Game, s: State, j: int) -> str:
    """What is disputed of j: 'its 48 disputed missiles', 'its banned programme'."""
    parts = []
    if int(s.disputed[0, j]) > 0:
        parts.append(f"eliminate its {int(s.disputed[0, j])} disputed missiles")
    if s.breach[0, j]:
        parts.append(f"halt its programme ({STAGE_WORDS[stage_name(s, j)]})")
    return listing(parts) or "settle the dispute"


# ---------------------------------------------------------------- the situation


def treaty_text(game: Game) -> str:
    s = game.state
    status = int(s.treaty[0])
    if status == IN_FORCE:
        left = [f"{prose_names(game)[i]} {int(s.missiles[0, i])} to go" for i in range(len(game.ids))
                if int(s.elim_left[0, i]) > 0]
        return "in force" + (f" (missiles being eliminated: {', '.join(left)})" if left else "")
    if status == NOTICE:
        by, end = int(s.notice_by[0]), int(s.notice_end[0])
        turns_left = end - game.turn
        free = [prose_names(game)[i] for i in range(len(game.ids)) if game.params.party[i] and s.unbound[0, i]]
        return (f"under notice given by {prose_names(game)[by]}: it ends on {day(game.date(end))} "
                f"(in {plural(turns_left, 'turn')}) unless an agreement rescinds it; no longer bound: {listing(free)}")
    if status == TERMINATED:
        ended = next((r.turn for r in game.history if int(r.after.treaty[0]) == TERMINATED
                      and int(r.before.treaty[0]) != TERMINATED), None)
        return f"terminated on {day(game.date(ended))}" if ended else "terminated"
    return "none"


def ultimatum_lines(game: Game) -> list[str]:
    """Open ultimatums and outstanding public demands, one line each."""
    s, out = game.state, []
    for i in range(len(game.ids)):
        target = int(s.ult_target[0, i])
        if target == NO_ONE:
            continue
        deadline = int(s.ult_deadline[0, i])
        acted = " (carried out: it has acted)" if s.ult_acted[0, i] else ""
        out.append(f"{game.ids[i]} -> {game.ids[target]}: {demand_words(game, s, target, int(s.ult_demand[0, i]))} by "
                   f"{when(game, deadline)}{acted}")
    for j in range(len(game.ids)):
        if s.demand[0, j]:
            out.append(f"public demand on {game.ids[j]} outstanding (an ultimatum ran out unmet)")
    return out


def hazard(game: Game) -> float:
    """The chance of an incident this turn in the present state (`dynamics.hazard`: crisis stability)."""
    return float(dynamics.hazard(game.state, game.params)[0])


def index_parts(params: Params, s: State) -> dict[str, float]:
    """Points of the escalation index from each component (they add up to the index, before clipping)."""
    w = dynamics.index_weights(params)
    return {c: 100 * w[c] * float(getattr(s, c)[0]) for c in COMPONENTS}


def index_text(game: Game, s: State | None = None) -> str:
    """'treaty 0.0 + fielded missiles in range 11.4 + ... ; Kahn rung 3 (solemn and formal declarations)'."""
    s = game.state if s is None else s
    parts = index_parts(game.params, s)
    return (" + ".join(f"{COMPONENT_LABELS[c]} {v:.1f}" for c, v in parts.items())
            + f"; Kahn's ladder: {rung_text(int(s.rung[0]))}")


def opening_sentences(game: Game) -> list[str]:
    """Before the first turn: each side's last move, its missiles and programme, the disputes."""
    s = game.start
    names = prose_names(game)
    p = game.params
    out = []
    for i in range(len(game.ids)):
        move = Action(int(s.last_moves[0, i]))
        text = f"{cap(names[i])} {MOVES[move].verb} (its last move before the game)"
        facts = []
        if int(s.missiles[0, i]):
            disputed = int(s.disputed[0, i])
            facts.append(f"{int(s.missiles[0, i])} missiles fielded" + (f", {disputed} of them disputed"
                                                                         if disputed else ""))
        if p.host_of[i] < 0 and int(s.stage[0, i]) > NONE_STAGE:
            facts.append(f"missile programme {programme_text(game, s, i)}")
        if p.host_of[i] >= 0:
            facts.append(f"it {'hosts' if s.hosting[0, i] else 'does not host'} "
                         f"{poss(names[int(p.host_of[i])])} missiles")
        out.append(text + ("; " + "; ".join(facts) if facts else "") + ".")
    return out


# ---------------------------------------------------------------- what happened in a turn


def round_reaches(s: State, p: Params, i: int, j: int) -> float | None:
    """The progress a round of talks between i and j would reach from state s, or None where no terms
    are on the table (the talks stall)."""
    if int(s.terms[0, i, j]) == NO_TERMS:
        return None
    return min(1.0, float(s.talks[0, i, j]) + p.diplomacy["talks_rate"] * 0.5
               * (float(s.trust[0, i, j]) + float(s.trust[0, j, i])))


def terms_text(names: list[str], s: State, p: Params, i: int, j: int) -> str:
    """The terms on the table between i and j, in words ("" if there are none)."""
    parts = []
    for k, other in ((i, j), (j, i)):
        if int(s.terms[0, k, other]) == CUT_FORCE:
            parts.append(f"{names[k]} eliminates its {plural(int(s.missiles[0, k]), 'missile')}")
        elif int(s.terms[0, k, other]) == PARITY:
            level = int(dynamics.parity_floor(dynamics.work_at(s.canonical().replicas(), 0), p.packed(), k, other))
            kept = "keeps its" if level == int(s.missiles[0, k]) else f"cuts to {level} of its"
            parts.append(f"{names[k]} {kept} {plural(int(s.missiles[0, k]), 'missile')} (parity)")
        elif int(s.terms[0, k, other]) != NO_TERMS:
            parts.append(f"{names[k]} keeps {'its ' + str(int(s.missiles[0, k])) if s.missiles[0, k] else 'no'} "
                         "missiles and adds none")
    return " and ".join(parts)


def rounds(rec: TurnRecord) -> list[tuple[int, int, float, float, bool]]:
    """Rounds of talks held in a turn: (i, j, progress before, progress reached, agreement). A round
    with no terms on the table stalls: it reaches what it started from."""
    b, p, mv = rec.before, rec.params, rec.moves
    pair = p.adversary | p.adversary.T
    out = []
    n = len(mv)
    for i in range(n):
        for j in range(i + 1, n):
            if pair[i, j] and mv[i] == D and mv[j] == D:
                before = float(b.talks[0, i, j])
                reached = round_reaches(b, p, i, j)
                agreed = bool(reached is not None and rec.outcome.agreement[0, i] and rec.outcome.agreement[0, j]
                              and reached >= 1.0 - 1e-12)
                out.append((i, j, before, before if reached is None else reached, agreed))
    return out


def new_treaty(rec: TurnRecord) -> bool:
    """An agreement made a new treaty (the old one had ended)."""
    return int(rec.before.treaty[0]) in (TERMINATED, NO_TREATY) and int(rec.after.treaty[0]) == IN_FORCE


def move_sentence(game: Game, rec: TurnRecord, i: int) -> str:
    """What side i did in the turn, with its verb from the move table."""
    b, a, o, p = rec.before, rec.after, rec.outcome, rec.params
    n = len(game.ids)
    names = prose_names(game)
    pair = p.adversary | p.adversary.T
    mv = rec.moves
    m = mv[i]
    who = f"{names[i]} ({WHO[rec.chosen_by[i]]})"
    verb = MOVES[m].verb
    if m == D:
        partners = [j for j in range(n) if j != i and pair[i, j]]
        answered = [j for j in partners if mv[j] == D]
        silent = [names[j] for j in partners if mv[j] != D]
        text = f"{who} {verb}"
        if silent and not answered:
            text += f"; {listing(silent)} did not answer"
        elif silent:
            text += f" ({listing(silent)} did not answer)"
        return text + "."
    if m == C:
        parts = []
        gone = int(b.disputed[0, i])
        if gone:
            parts.append(f"its {gone} disputed missiles are eliminated")
        if b.breach[0, i]:
            parts.append(f"its programme is halted ({STAGE_WORDS[stage_name(a, i)]} again)")
        if b.demand[0, i]:
            parts.append("the public demand on it is met")
        return f"{who} {verb}" + (": " + listing(parts) if parts else "") + "."
    if m == U:
        target = int(a.ult_target[0, i])
        if int(b.ult_target[0, i]) == NO_ONE and target != NO_ONE:
            return (f"{who} {verb} to {names[target]}: {demand_words(game, b, target, int(a.ult_demand[0, i]))} by "
                    f"{day(game.date(int(a.ult_deadline[0, i])))}, or it will {threat_words(game, b, i)}.")
        return f"{who} {verb}."
    if m == W:
        if b.hosting[0, i] and not a.hosting[0, i]:
            lead = int(p.host_of[i])
            revoke = HOST_REVOKE_VERB.replace("its ally's", poss(names[lead]))
            return f"{who} {revoke}: they no longer reach from its territory."
        if not o.notice[0, i]:
            return f"{who} {verb}."
        if int(b.treaty[0]) == IN_FORCE:
            end = int(a.notice_end[0]) if int(a.treaty[0]) == NOTICE else rec.turn + p.notice_turns
            return (f"{who} {verb}: the treaty ends on {day(game.date(end))} unless an agreement rescinds it; "
                    f"{names[i]} is no longer bound.")
        return f"{who} {verb} too: it is no longer bound by the treaty."
    if m == P:
        stage = int(a.stage[0, i])
        text = f"{who} {verb}: {STAGE_WORDS[STAGES[stage]]} now"
        left = int(a.stage_left[0, i])
        if NONE_STAGE < stage < READY and left:
            text += f", {plural(left, 'more turn')} to go"
        if stage in (FLIGHT_TEST, PRODUCTION) and bound(game, a, i):
            text += f", a violation while {names[i]} is bound by the treaty"
        return text + "."
    if m == X:
        if p.host_of[i] >= 0:
            lead = int(p.host_of[i])
            if a.hosting[0, i] and not b.hosting[0, i]:
                reach = [names[k] for k in range(n) if p.reach[i, k]]
                return (f"{who} {HOST_VERB}: from its territory, {poss(names[lead])} missiles now reach "
                        f"{listing(reach) or 'no one'}.")
            return f"{who} {HOST_VERB}."
        due = f"due {day(game.date(rec.turn + int(p.lag[i])))}"
        return f"{who} {verb}: a battalion of {int(o.ordered[0, i])}, {due}."
    return f"{who} {verb}."


def turn_sentences(game: Game, rec: TurnRecord) -> list[str]:
    """What every side did in turn `rec.turn`, and what followed from it, in plain sentences."""
    b, a, o, p = rec.before, rec.after, rec.outcome, rec.params
    n = len(game.ids)
    names = prose_names(game)
    out: list[str] = [move_sentence(game, rec, i) for i in range(n)]
    # talks and agreements
    for i, j, before, reached, agreed in rounds(rec):
        if agreed:
            out.append(f"{names[i]} and {names[j]} held talks and REACHED AN AGREEMENT: "
                       f"{terms_text(names, b, p, i, j)}; orders are cancelled and programmes halted.")
        elif not p.bargaining_pairs[i, j]:
            continue                     # talks without terms to sign: trust grows, nothing else to tell
        elif int(b.terms[0, i, j]) == NO_TERMS:
            out.append(f"{names[i]} and {names[j]} talked, but no terms both prefer to no deal: the talks stall.")
        else:
            out.append(f"{names[i]} and {names[j]} held a round of talks: progress "
                       f"{pct(before)} -> {pct(reached)} (agreement at 100%).")
    if int(b.treaty[0]) == NOTICE and int(a.treaty[0]) == IN_FORCE:
        out.append("The withdrawal notice is rescinded: the treaty binds every party again.")
    if new_treaty(rec):
        years = p.elimination_turns * game.scenario.scenario.turn_days / 365
        out.append(f"A NEW TREATY: the parties are bound again, their orders are cancelled, their programmes "
                   f"halted, and their missiles are to be eliminated over {plural(int(p.elimination_turns), 'turn')} "
                   f"(about {years:.0f} years).")
    if int(b.treaty[0]) != TERMINATED and int(a.treaty[0]) == TERMINATED:
        out.append("The notice ran out: THE TREATY HAS ENDED. Nobody is bound any more and old disputes lapse.")
    # programmes, deliveries, eliminations, detections
    for i in range(n):
        if p.host_of[i] < 0 and int(b.stage_left[0, i]) > 0 and int(a.stage_left[0, i]) == 0 \
                and int(a.stage[0, i]) >= int(b.stage[0, i]):
            done = int(b.stage[0, i])
            if int(a.stage[0, i]) == READY:
                out.append(f"{poss(names[i])} production is complete: its missile is {STAGE_WORDS['ready']}.")
            else:
                out.append(f"{poss(names[i])} programme completed its stage ({STAGE_WORDS[STAGES[done]]}): "
                           "it can advance to the next.")
        arrived = int(b.pipeline[0, i, 0]) if not new_treaty(rec) else 0
        if arrived:
            text = f"{arrived} missiles of {names[i]} arrived ({int(a.missiles[0, i])} fielded now)"
            if int(a.illicit[0, i]) > int(b.illicit[0, i]) or (o.detected[0, i] and bound(game, a, i)):
                text += f"; {names[i]} is still bound by the treaty, so they are a violation if found"
            out.append(text + ".")
        cut = int(b.missiles[0, i]) + arrived - int(a.missiles[0, i])
        if cut > 0 and int(b.elim_left[0, i]) > 0:
            out.append(f"{cap(names[i])} eliminated {cut} missiles under the new treaty "
                       f"({int(a.missiles[0, i])} left).")
        if o.detected[0, i]:
            found = []
            if int(a.disputed[0, i]) > int(b.disputed[0, i]):
                found.append(f"{int(a.disputed[0, i])} of its missiles are now disputed")
            if a.breach[0, i] and not b.breach[0, i]:
                found.append(f"its programme ({STAGE_WORDS[stage_name(a, i)]}) is now disputed")
            out.append(f"{poss(names[i])} violation was DETECTED: {listing(found) or 'it is in dispute'}, and every "
                       "side trusts it less.")
    # ultimatums: met, carried out or lapsed
    for i in range(n):
        target = int(b.ult_target[0, i])
        if target == NO_ONE or int(a.ult_target[0, i]) != NO_ONE:
            continue
        c0, c1 = float(b.credibility[0, i]), float(a.credibility[0, i])
        cred = f"credibility {c0:.2f} -> {c1:.2f}"
        if o.met[0, i]:
            out.append(f"{poss(names[i])} ultimatum to {names[target]} was MET: the dispute is settled ({cred}).")
        elif o.carried[0, i]:
            out.append(f"{poss(names[i])} ultimatum to {names[target]} fell due unmet and {names[i]} had carried out "
                       f"its threat ({cred}); the demand on {names[target]} stays public.")
        elif o.lapsed[0, i]:
            cost = float(p.payoff["audience_cost"][i]) * float(b.ult_stakes[0, i])
            out.append(f"{poss(names[i])} ultimatum to {names[target]} LAPSED: the dispute was not settled and "
                       f"{names[i]} did not act ({cred}; it pays an audience cost of {cost:.2f}, its audience cost "
                       f"{float(p.payoff['audience_cost'][i]):g} times the stakes when issued, "
                       f"{float(b.ult_stakes[0, i]):.2f}); the demand on {names[target]} stays public.")
        elif any(agreed for *_, agreed in rounds(rec)):
            out.append(f"{poss(names[i])} ultimatum to {names[target]} is settled by the agreement.")
        elif int(a.treaty[0]) == TERMINATED and int(b.treaty[0]) != TERMINATED:
            out.append(f"{poss(names[i])} ultimatum to {names[target]} is closed: the treaty it was about has ended.")
        else:
            out.append(f"{poss(names[i])} ultimatum to {names[target]} is closed.")
    if int(a.rung[0]) != int(b.rung[0]):
        way = "up" if int(a.rung[0]) > int(b.rung[0]) else "down"
        out.append(f"The crisis moves {way} Kahn's escalation ladder: from {rung_text(int(b.rung[0]))} "
                   f"to {rung_text(int(a.rung[0]))}.")
    if a.incident[0]:
        out.append(f"THE CRISIS BROKE DOWN: an incident at escalation {float(a.escalation[0]):.1f} "
                   f"(its chance this turn was {100 * float(o.hazard[0]):.2f}%). Every side pays its war cost.")
    return [cap(line) for line in out]


# ---------------------------------------------------------------- the menu


def illegal_message(game: Game, i: int, move: Action) -> str:
    """One line: why `move` is not open to actor i now, and the moves that are."""
    allowed = ", ".join(f"{int(m) + 1} {m.label}" for m in game.legal(i))
    return f"{game.ids[i]} cannot play {move.label} now: {why_not(game, i, move)}; allowed: {allowed}"


def why_not(game: Game, i: int, move: Action) -> str:
    """Why a move is not legal for i now: the first condition of its row of the move table that fails
    in this state (as the kernel evaluates it), in words."""
    held = dynamics.conditions(game.state, game.params)[0, i]
    failed = next((c for c in MOVES[move].legal_when if not held[c]), None)
    if failed is None:
        return MOVES[move].offered_when
    return _FAILED[failed](game, i, move)


def _cannot_withdraw(game: Game, i: int, move: Action) -> str:
    s, p = game.state, game.params
    if p.host_of[i] >= 0 and not p.party[i]:
        return f"you do not host {poss(prose_names(game)[int(p.host_of[i])])} missiles: there is no consent to withdraw"
    if not p.party[i]:
        return "you are not a treaty party"
    if int(s.treaty[0]) not in (IN_FORCE, NOTICE):
        return "there is no treaty left to leave"
    return "you have already given notice"


def _cannot_field(game: Game, i: int, move: Action) -> str:
    s, lead = game.state, int(game.params.host_of[i])
    if lead < 0:
        return f"your programme is {STAGE_WORDS[stage_name(s, i)]}: you can order missiles only when it is ready"
    names = prose_names(game)
    if s.hosting[0, i]:
        return f"you already host {poss(names[lead])} missiles"
    return f"{names[lead]} neither produces nor has missiles to host"


#: For each legality condition, why it fails, in words (given the move it fails for).
_FAILED: dict[Condition, Callable[[Game, int, Action], str]] = {
    Condition.CAN_MEET_DEMAND: lambda game, i, move: "nothing of yours is in dispute or demanded",
    Condition.NO_OPEN_ULTIMATUM: lambda game, i, move:
        f"your ultimatum to {prose_names(game)[int(game.state.ult_target[0, i])]} is still open",
    Condition.ADVERSARY_DEMANDABLE: lambda game, i, move: "no adversary of yours is in dispute, has missiles "
                                                          "in reach of your side or a programme past development",
    Condition.CAN_WITHDRAW: _cannot_withdraw,
    Condition.OWNER: lambda game, i, move:
        f"you own no missiles (you may host {poss(prose_names(game)[int(game.params.host_of[i])])})",
    Condition.BELOW_PRODUCTION: lambda game, i, move:
        f"your programme is {STAGE_WORDS[stage_name(game.state, i)]} already",
    Condition.STAGE_COMPLETE: lambda game, i, move:
        f"your programme's stage is under way ({programme_text(game, game.state, i)})",
    Condition.CAN_FIELD: _cannot_field,
}


def preview(game: Game, i: int, move: Action) -> State:
    """The state after the next turn if actor i plays `move` and every other side holds (no random draw)."""
    moves = np.full((1, len(game.ids)), int(H), dtype=np.int64)
    moves[0, i] = int(move)
    after, _ = dynamics.step(game.state, moves, game.params, game.next_turn)
    return after


def menu(game: Game, i: int) -> list[tuple[Action, str]]:
    """For actor `i`, each legal move and what it would do now, one line each."""
    return [(move, MENU_TEXT[move](game, i)) for move in game.legal(i)]


def _ultimatum_note(game: Game, i: int, move: Action) -> str:
    """' Carries out your ultimatum to Russia.' when `move` is the act i's open ultimatum threatens."""
    s = game.state
    target = int(s.ult_target[0, i])
    if target == NO_ONE or s.ult_acted[0, i]:
        return ""
    acts = dynamics.threatened_act(bool(bound(game, s, i)), int(move))
    return f" It carries out your ultimatum to {prose_names(game)[target]}." if acts else ""


def _dialogue(game: Game, i: int) -> str:
    s, p = game.state, game.params
    names = prose_names(game)
    parts = []
    for j in talk_partners(game, i):
        before = float(s.talks[0, i, j])
        after = round_reaches(s, p, i, j)
        offered = " (it offered last turn)" if int(s.last_moves[0, j]) == int(D) else ""
        if after is None and not p.bargaining_pairs[i, j]:
            parts.append(f"{cap(names[j])}{offered}: trust grows if it offers too (no terms: not a party)")
        elif after is None:
            parts.append(f"{cap(names[j])}{offered}: no terms on the table, a round stalls"
                         + (" (talks at " + pct(before) + ")" if before > 0 else ""))
        elif after >= 1.0 - 1e-12:
            parts.append(f"{cap(names[j])}{offered}: an AGREEMENT if it offers too ({_agreement_effects(game, i, j)})")
        else:
            terms = terms_text(game.ids, s, p, i, j)
            parts.append(f"{cap(names[j])}{offered}: talks {pct(before)} -> {pct(after)} if it offers too "
                         f"(terms: {terms}; {float(s.gain[0, i, j]):+.1f} to you)")
    text = "Offer talks. " + "; ".join(parts) + "." if parts else "Offer talks (you have no adversary to talk to)."
    cost = float(p.payoff["dialogue_cost"][i])
    if cost > 0:
        text += f" Unanswered, it costs you {cost:g} at home."
    return text


def _hold(game: Game, i: int) -> str:
    s, p, d = game.state, game.params, game.params.diplomacy
    names = prose_names(game)
    t = game.next_turn
    text = "Keep your posture."
    if NONE_STAGE < int(s.stage[0, i]) < READY and int(s.stage_left[0, i]) > 0:
        text += f" Your programme goes on ({programme_text(game, s, i)})."
    target = int(s.ult_target[0, i])
    if target == NO_ONE:
        return text
    deadline = int(s.ult_deadline[0, i])
    if s.ult_acted[0, i]:
        return text + f" Your ultimatum to {names[target]} counts as carried out (you acted on it)."
    in_dispute = bool(s.in_dispute()[0, target])
    if deadline <= t and in_dispute:
        c = float(s.credibility[0, i])
        cost = float(p.payoff["audience_cost"][i]) * float(s.ult_stakes[0, i])
        lapsed = dynamics.reputation_after(c, False, d["carry_if_resolute"], d["carry_if_bluffing"])
        return text + (f" Your ultimatum to {names[target]} falls due NOW: holding lets it LAPSE (credibility "
                       f"{c:.2f} -> {lapsed:.2f}, audience cost {cost:.2f}) unless "
                       f"{names[target]} complies or talks settle the dispute.")
    if deadline <= t:
        return text + f" Your ultimatum to {names[target]} falls due now and is met: the dispute is settled."
    return text + (f" Your ultimatum to {names[target]} falls due {when(game, deadline)}; to carry it out, "
                   f"{threat_words(game, s, i, you=True)} by then.")


def _comply(game: Game, i: int) -> str:
    s, p = game.state, game.params
    names = prose_names(game)
    asked = [demand_words(game, s, i, int(s.ult_demand[0, k])) for k in range(len(game.ids))
             if int(s.ult_target[0, k]) == i and int(s.ult_demand[0, k]) != DEMAND_COMPLY]
    text = f"{cap(listing(([dispute_words(game, s, i)] if s.in_dispute()[0, i] else []) + asked))}, verifiably"
    if s.breach[0, i]:
        text += " (the programme goes back to development)"
    text += f"; it costs you {float(p.payoff['comply_cost'][i]):g}."
    issuers = [names[k] for k in range(len(game.ids)) if int(s.ult_target[0, k]) == i]
    if issuers:
        text += f" It meets the ultimatum of {listing(issuers)} at once."
    if s.demand[0, i]:
        text += " It meets the public demand on you."
    return text


def _ultimatum(game: Game, i: int) -> str:
    s, p, d = game.state, game.params, game.params.diplomacy
    names = prose_names(game)
    j, kind = (int(x) for x in dynamics.ultimatum_targets(s, p)[0, i])
    due = game.next_turn + int(p.ultimatum_turns)
    c = float(s.credibility[0, i])
    stakes = float(s.escalation[0]) / 100
    cost = float(p.payoff["audience_cost"][i]) * stakes
    issued = dynamics.signalled(c, float(p.payoff["audience_cost"][i]), stakes)
    lapsed = dynamics.reputation_after(issued, False, d["carry_if_resolute"], d["carry_if_bluffing"])
    text = (f"Demand publicly that {names[j]} {demand_words(game, s, j, kind)} by {day(game.date(due))}: your "
            f"credibility {c:.2f} -> {issued:.2f} (the costlier backing down, the more a threat says). Unmet, you "
            f"must {threat_words(game, s, i, you=True)} by then, or it lapses: credibility -> "
            f"{lapsed:.2f} and an audience cost of {cost:.2f} (your audience cost "
            f"{float(p.payoff['audience_cost'][i]):g} x the stakes, the index now / 100). {cap(names[j])} trusts "
            "you less.")
    if not _can_carry_out(game, i):
        text += f" (You cannot carry it out now: {why_not(game, i, X if p.host_of[i] >= 0 else P)}.)"
    return text


def _can_carry_out(game: Game, i: int) -> bool:
    """Whether a threatened act of i's ultimatum is open to i now (notice while bound, else fielding)."""
    legal = game.legal_mask()[i]
    if bound(game, game.state, i):
        return bool(legal[int(W)])
    return bool(legal[int(X)] or legal[int(W)])


def _withdrawal(game: Game, i: int) -> str:
    s, p = game.state, game.params
    names = prose_names(game)
    t = game.next_turn
    others = [names[j] for j in range(len(game.ids)) if p.adversary[i, j]]
    if not bound(game, s, i):   # a host that consents: the only withdrawal open to it
        lead = int(p.host_of[i])
        return (f"Withdraw your consent to host {poss(names[lead])} missiles: from then on they no longer reach from "
                "your territory, and the cost of hosting them at home ends. You may consent again later.")
    if int(s.treaty[0]) == IN_FORCE:
        end = t + int(p.notice_turns)
        text = (f"Give notice to leave the treaty: it ends on {day(game.date(end))} unless an agreement rescinds it; "
                "from now on you may test, produce and field missiles without violating it. "
                f"{cap(listing(others)) or 'Adversaries'} trust{'s' if len(others) == 1 else ''} you less.")
    else:
        text = (f"Give notice too: you are no longer bound (the treaty still ends on "
                f"{day(game.date(int(s.notice_end[0])))}).")
    return text + _ultimatum_note(game, i, W)


def _develop(game: Game, i: int) -> str:
    s, p = game.state, game.params
    now = int(s.stage[0, i])
    after = preview(game, i, P)
    nxt = int(after.stage[0, i])
    left = int(after.stage_left[0, i])
    done = game.next_turn + left
    what = {DEVELOPMENT: "start developing a new missile", FLIGHT_TEST: "begin flight tests",
            PRODUCTION: "start production"}.get(nxt, f"move on to {STAGE_WORDS[STAGES[nxt]]}")
    text = (f"{cap(what)} (now {STAGE_WORDS[STAGES[now]]}): {plural(left, 'more turn')} after this one, "
            f"to {day(game.date(done))}")
    if nxt == PRODUCTION:
        text += "; then the missile is ready to field"
    text += f"; it costs you {float(p.payoff['programme_cost'][i]):g} a turn while under way."
    if nxt in (FLIGHT_TEST, PRODUCTION):
        text += " It adds a battalion to the index's arming."
        if bound(game, s, i):
            text += (f" A VIOLATION while the treaty binds you: tests are seen with chance {pct(p.p_detect_test)} "
                     "a turn.")
        else:
            text += " You are not bound by the treaty: no violation."
    elif nxt == DEVELOPMENT:
        text += " Development breaks no treaty."
    return text + _ultimatum_note(game, i, P)


def _deployment(game: Game, i: int) -> str:
    s, p = game.state, game.params
    names = prose_names(game)
    t = game.next_turn
    n = len(game.ids)
    lead = int(p.host_of[i])
    if lead >= 0:
        reach = [names[k] for k in range(n) if p.reach[i, k]]
        have = (f"it has {int(s.missiles[0, lead])} missiles" if int(s.missiles[0, lead]) else
                f"its programme is {STAGE_WORDS[stage_name(s, lead)]}")
        text = (f"Consent to host {poss(names[lead])} missiles ({have}): from your territory they reach "
                f"{listing(reach) or 'no one'}. It costs you {float(p.payoff['host_cost'][i]):g} a turn at home, for "
                "good (consent cannot be taken back). Adversaries trust you less.")
        return text + _ultimatum_note(game, i, X)
    batch, lag = int(p.batch[i]), int(p.lag[i])
    arrive = t + lag
    text = (f"Order a battalion of {batch} missiles, arriving {day(game.date(arrive))} (in {plural(lag, 'turn')}); "
            f"cost {batch * float(p.payoff['deploy_cost'][i]):.2f}. Adversaries trust you less.")
    reach = [names[k] for k in reached_by(game, s, i)]
    if reach:
        text += f" From where they are based they reach {listing(reach)}."
    else:
        hosts = [k for k in range(n) if int(p.host_of[k]) == i]
        text += " From your territory they reach no adversary"
        text += (f"; they would if {listing([names[k] for k in hosts], 'or')} consents to host them." if hosts else ".")
    if bound(game, s, i):
        if int(s.treaty[0]) == NOTICE and arrive >= int(s.notice_end[0]):
            text += " They arrive after the treaty ends: no violation."
        else:
            text += (f" They arrive while you are bound: a VIOLATION, found with chance {pct(p.p_detect)} a turn, "
                     "unless you give notice first.")
    return text + _ultimatum_note(game, i, X)


MENU_TEXT = {D: _dialogue, H: _hold, C: _comply, U: _ultimatum, W: _withdrawal, P: _develop, X: _deployment}


def _agreement_effects(game: Game, i: int, j: int) -> str:
    s, p, names = game.state, game.params, prose_names(game)
    parts = [terms_text(names, s, p, i, j), "orders cancelled and programmes halted"]
    if int(s.treaty[0]) == NOTICE:
        parts.append("the withdrawal notice rescinded")
    elif int(s.treaty[0]) not in (IN_FORCE, NOTICE):
        parts.append(f"a NEW TREATY binding both; eliminations over {plural(int(p.elimination_turns), 'turn')}")
    for a, b in ((i, j), (j, i)):
        if int(s.ult_target[0, a]) == b:
            parts.append(f"{poss(names[a])} ultimatum met")
    parts.append("trust rises")
    return ", ".join(parts)


def trust_row(game: Game, i: int) -> str:
    s = game.state
    return " ".join(f"{game.ids[j]} {float(s.trust[0, i, j]):.2f}" for j in range(len(game.ids)) if j != i)


def move_word(move: Action) -> str:
    return move.label


def escalation_trend(game: Game) -> tuple[float, float | None]:
    path = game.escalation_path()
    return path[-1], (path[-1] - path[-2]) if len(path) > 1 else None


def sparkline(values: list[float], ascii_only: bool = False) -> str:
    """The path of the index so far, scaled between its lowest and highest value (at least 10 points apart)."""
    bars = "_.-=+*#" if ascii_only else "▁▂▃▄▅▆▇█"
    lo, hi = min(values), max(values)
    if hi - lo < 10:
        mid = (hi + lo) / 2
        lo, hi = mid - 5, mid + 5
    top = len(bars) - 1
    return "".join(bars[round((v - lo) / (hi - lo) * top)] for v in values)


# ---------------------------------------------------------------- the screen: model sides and scores in words

RULE_WORDS = {
    "quantal": "weighs what each move would bring it next turn, given what it expects the others to do, and "
               "usually picks the best",
    "best_response": "picks the move it expects to pay best next turn, given what it expects the others to do",
    "random": "picks one of its open moves at random",
    "fictitious_play": "expects the others to go on doing what they have done most often, and answers that",
    "ewa": "learns from experience: it plays more often the moves that would have paid off before",
    "reciprocal": "offers talks, but answers missiles that threaten it, or a notice to leave the treaty, in kind",
    "mirror": "answers in kind: when an adversary escalates, it does the same",
    "generous_mirror": "answers in kind, but now and then forgives an escalation",
    "grim": "stays calm until an adversary first escalates, then escalates for good",
    "hawk": "escalates every turn, whatever the others do",
    "dove": "never escalates, whatever the others do",
    "scripted": "plays the moves history records for given dates, and weighs its options on other turns",
    "human": "a seat for a person",
}
PRESET_WORDS = {"reciprocal_measures": "follows its declared doctrine: it " + RULE_WORDS["reciprocal"],
                "tit_for_tat": "starts with talks, then does what its adversary did last turn"}


def rule_words(game: Game, i: int) -> str:
    """How the model plays side i, in words (the rule it follows now, never its parameters)."""
    rule = game.crisis.rules[i]
    named = str(game.scenario.actors[i].rule.get("name", ""))
    if named in PRESET_WORDS and not any(j.kind == "doctrine" and j.actor == game.ids[i] for j in game.injections):
        return PRESET_WORDS[named]
    return RULE_WORDS.get(rule.name, "follows its rule in the scenario")


def why(game: Game, rec: TurnRecord, i: int) -> str | None:
    """Why the model (or a bot) played side i's move in turn `rec`, in plain words: for a rule that weighs
    its moves, the values it compared (this turn's payoff and what the move sets in motion, against what it
    expected the others to do); for a doctrine, the doctrine. None for a move a team, the facilitator or
    the scenario chose."""
    if rec.chosen_by[i] not in (MODEL, BOT):
        return None
    name = cap(prose_names(game)[i])
    played = rec.moves[i]
    rule = rec.rules[i] if rec.rules else game.crisis.rules[i].name
    row = rec.values[i] if rec.values is not None else None
    if row is not None and np.isfinite(row).any() and np.any(row[np.isfinite(row)] != 0):
        ranked = sorted((Action(int(m)) for m in np.flatnonzero(np.isfinite(row))), key=lambda m: -float(row[m]))
        weighed = ", ".join(f"{m.label} {float(row[m]):+.2f}" for m in ranked[:4])
        pick = ("and chose the best of them" if ranked[0] == played else
                f"{ranked[0].label} was worth more to it, but its rule leaves room for misjudgement, as people do")
        return (f"{name} played {played.label}: it weighed each move's payoff now and what it sets in motion, "
                f"against what it expected the others to do ({weighed}); {pick}.")
    words = PRESET_WORDS.get(str(game.scenario.actors[i].rule.get("name", ""))) if rule == game.crisis.rules[i].name \
        else None
    return f"{name} played {played.label}: it {words or RULE_WORDS.get(rule, 'follows its rule in the scenario')}."


def move_payoffs(game: Game, rec: TurnRecord, i: int) -> dict[Action, float]:
    """What side i would have got in turn `rec` with each move open to it, the others' moves and the luck
    (the turn's random numbers) as they were; only the move played if its move was forced."""
    played = rec.moves[i]
    if rec.chosen_by[i] in (FACILITATOR, SCENARIO):
        return {played: float(rec.payoff[i])}
    draws = game.crisis.draws[:, rec.turn - 1]
    legal = dynamics.legal_moves(rec.before, rec.params)[0, i]
    out = {}
    for m in np.flatnonzero(legal):
        moves = np.array([[int(a) for a in rec.moves]], dtype=np.int64)
        moves[0, i] = int(m)
        out[Action(int(m))] = float(rec.payoff[i]) if int(m) == int(played) else \
            float(dynamics.step(rec.before, moves, rec.params, rec.turn, draws)[1].payoff[0, i])
    return out


def turn_grade(values: dict[Action, float], played: Action, forced: bool) -> str:
    """How a side's move in one turn did among its moves: 'best of 3 moves', '2nd of 3', 'forced'."""
    if forced:
        return "forced"
    if len(values) == 1:
        return "its only move"
    got = values[played]
    better = sum(1 for v in values.values() if v > got + 1e-9)
    if better == 0:
        return f"best of {len(values)} moves"
    if not any(v < got - 1e-9 for v in values.values()):
        return f"worst of {len(values)}"
    return f"{better + 1}{'nd' if better == 1 else 'rd' if better == 2 else 'th'} of {len(values)}"


SCORE_WORDS = ((10, "best"), (7, "good"), (4, "so-so"), (1, "poor"), (0, "worst"))
SCORE_LEGEND = "score: out of 10, how close a side came to the most it could have got, if the others did the same"


def score_text(got: float, worst: float, best: float) -> str:
    """'8/10 good': where `got` lies between the least and the most the side could have got."""
    if best - worst < 1e-9:
        return "-"
    points = round(10 * min(1.0, max(0.0, (got - worst) / (best - worst))))
    return f"{points}/10 {next(word for floor, word in SCORE_WORDS if points >= floor)}"


def side_score(game: Game, i: int) -> str:
    """Side i's score so far in words ('8/10 good'), '-' before the first turn (`SCORE_LEGEND`)."""
    got = worst = best = 0.0
    for rec in game.history:
        values = move_payoffs(game, rec, i)
        got += float(rec.payoff[i])
        worst += min(values.values())
        best += max(values.values())
    return score_text(got, worst, best)
