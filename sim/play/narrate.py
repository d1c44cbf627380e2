"""Plain sentences about a game: what each side did, what a move would do now, the treaty and ultimatums.

Screens and the debrief both use these, so the class reads the same words during the game and after.
Every statement is read off the state and the parameters (the formulas of docs/ODD.md).
"""

from __future__ import annotations

from datetime import date

from sim.actions import Action
from sim.play.engine import FACILITATOR, MODEL, SCENARIO, TEAM, Game, TurnRecord
from sim.state import IN_FORCE, NO_ONE, NOTICE, TERMINATED, State

D, H, U, W, X = (Action.DIALOGUE, Action.HOLD, Action.ULTIMATUM, Action.WITHDRAWAL, Action.DEPLOYMENT)
TREATY_WORDS = ("in force", "under notice", "terminated", "none")
WHO = {TEAM: "team", MODEL: "model", FACILITATOR: "facilitator", SCENARIO: "scenario event"}


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


def listing(items: list[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


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


# ---------------------------------------------------------------- the situation


def treaty_text(game: Game) -> str:
    s = game.state
    status = int(s.treaty[0])
    if status == IN_FORCE:
        return "in force"
    if status == NOTICE:
        by, end = int(s.notice_by[0]), int(s.notice_end[0])
        left = end - game.turn
        return (f"under notice given by {prose_names(game)[by]}: it ends on {day(game.date(end))} "
                f"(in {left} turn{'s' if left != 1 else ''}) unless an agreement rescinds it")
    if status == TERMINATED:
        ended = next((r.turn for r in game.history if int(r.after.treaty[0]) == TERMINATED
                      and int(r.before.treaty[0]) != TERMINATED), None)
        return f"terminated on {day(game.date(ended))}" if ended else "terminated"
    return "none"


def ultimatum_lines(game: Game) -> list[str]:
    s, out = game.state, []
    for i in range(len(game.ids)):
        target = int(s.ult_target[0, i])
        if target == NO_ONE:
            continue
        deadline = int(s.ult_deadline[0, i])
        acted = " (it has acted: carried out)" if s.ult_acted[0, i] else ""
        out.append(f"{game.ids[i]} -> {game.ids[target]}: settle the dispute by {when(game, deadline)}{acted}")
    return out


def hazard(game: Game) -> float:
    p = game.params
    e = float(game.state.escalation[0])
    return p.h_max * (min(max(e, 0.0), 100.0) / 100.0) ** p.k


def opening_sentences(game: Game) -> list[str]:
    """Before the first turn: the scenario's story and each side's last move."""
    s = game.start
    out = []
    for i in range(len(game.ids)):
        move = Action(int(s.last_moves[0, i]))
        out.append(cap(f"{prose_names(game)[i]} last {_past(move)}."))
    return out


def _past(move: Action) -> str:
    return {D: "offered talks", H: "held its position", U: "issued an ultimatum",
            W: "gave notice or walked out of talks", X: "ordered missiles"}[move]


# ---------------------------------------------------------------- what happened in a turn


def rounds(rec: TurnRecord) -> list[tuple[int, int, float, float, bool]]:
    """Rounds of talks held in a turn: (i, j, progress before, progress reached, agreement)."""
    b, p, mv = rec.before, rec.params, rec.moves
    pair = p.adversary | p.adversary.T
    out = []
    n = len(mv)
    for i in range(n):
        for j in range(i + 1, n):
            if pair[i, j] and mv[i] == D and mv[j] == D:
                before = float(b.talks[0, i, j])
                reached = min(1.0, before + p.diplomacy["talks_rate"] * 0.5
                              * (float(b.trust[0, i, j]) + float(b.trust[0, j, i])))
                agreed = bool(rec.outcome.agreement[0, i] and rec.outcome.agreement[0, j] and reached >= 1.0 - 1e-12)
                out.append((i, j, before, reached, agreed))
    return out


def turn_sentences(game: Game, rec: TurnRecord) -> list[str]:
    """What every side did in turn `rec.turn`, and what followed from it, in plain sentences."""
    b, a, o, p = rec.before, rec.after, rec.outcome, rec.params
    n = len(game.ids)
    names = prose_names(game)
    mv = rec.moves
    adv = p.adversary
    pair = adv | adv.T
    out: list[str] = []
    for i in range(n):
        who = f"{names[i]} ({WHO[rec.chosen_by[i]]})"
        m = mv[i]
        if m == D:
            partners = [j for j in range(n) if j != i and pair[i, j]]
            answered = [j for j in partners if mv[j] == D]
            silent = [names[j] for j in partners if mv[j] != D]
            text = f"{who} offered talks"
            if silent and not answered:
                text += f"; {listing(silent)} did not answer"
            elif silent:
                text += f" ({listing(silent)} did not answer)"
            out.append(text + ".")
        elif m == H:
            out.append(f"{who} held its position.")
        elif m == U:
            target = int(b.ult_target[0, i])
            if target == NO_ONE:
                new = int(a.ult_target[0, i])
                deadline = int(a.ult_deadline[0, i])
                if new != NO_ONE:
                    out.append(f"{who} issued an ultimatum to {names[new]}: settle the dispute by "
                               f"{day(game.date(deadline))}.")
                else:
                    out.append(f"{who} issued an ultimatum.")
            else:
                out.append(f"{who} repeated its demands (its ultimatum to {names[target]} still stands).")
        elif m == W:
            if a.last_notice[0, i]:
                if int(b.treaty[0]) == IN_FORCE:
                    end = int(a.notice_end[0]) if int(a.treaty[0]) == NOTICE else rec.turn + p.notice_turns
                    out.append(f"{who} gave notice to leave the treaty: it ends on {day(game.date(end))} "
                               f"unless an agreement rescinds it.")
                else:
                    out.append(f"{who} gave notice too: it is no longer bound by the treaty.")
            else:
                partners = [names[j] for j in range(n) if j != i and pair[i, j]]
                out.append(f"{who} walked out of the talks with {listing(partners)}: their progress is lost.")
        elif m == X:
            lag = int(p.lag[i])
            due = "arriving at once" if lag == 0 else f"due {day(game.date(rec.turn + lag))}"
            out.append(f"{who} ordered {int(o.ordered[0, i])} missiles ({due}).")
    # talks and agreements
    for i, j, before, reached, agreed in rounds(rec):
        if agreed:
            removed = [f"{int(b.disputed[0, k])} disputed missiles of {names[k]} are removed"
                       for k in (i, j) if int(b.disputed[0, k]) > 0]
            out.append(f"{names[i]} and {names[j]} held talks and REACHED AN AGREEMENT"
                       + (": " + "; ".join(removed) if removed else "") + ".")
        else:
            out.append(f"{names[i]} and {names[j]} held a round of talks: progress "
                       f"{pct(before)} -> {pct(reached)} (agreement at 100%).")
    if int(b.treaty[0]) == NOTICE and int(a.treaty[0]) == IN_FORCE:
        out.append("The withdrawal notice is rescinded: the treaty binds every party again.")
    if int(b.treaty[0]) != TERMINATED and int(a.treaty[0]) == TERMINATED:
        out.append("The notice ran out: THE TREATY HAS ENDED. Nobody is bound any more and old disputes lapse.")
    # deliveries, violations, detections
    for i in range(n):
        lag = int(p.lag[i])
        arrived = int(b.pipeline[0, i, 0]) + (int(o.ordered[0, i]) if lag == 0 else 0)
        if arrived:
            text = f"{arrived} missiles of {names[i]} arrived ({int(a.missiles[0, i])} deployed now)"
            if int(a.illicit[0, i]) > int(b.illicit[0, i]) or (o.detected[0, i] and arrived):
                text += f"; {names[i]} is still bound by the treaty, so they are a violation if found"
            out.append(text + ".")
        if o.detected[0, i]:
            out.append(f"{poss(names[i])} violation was DETECTED: {int(a.disputed[0, i])} of its missiles are now "
                       f"disputed and every side trusts it less.")
    # ultimatum deadlines
    for i in range(n):
        target = int(b.ult_target[0, i])
        if target == NO_ONE or int(a.ult_target[0, i]) != NO_ONE:
            continue
        c0, c1 = float(b.credibility[0, i]), float(a.credibility[0, i])
        if o.carried[0, i]:
            out.append(f"{poss(names[i])} ultimatum to {names[target]} fell due and {names[i]} had acted on it: "
                       f"carried out (credibility {c0:.2f} -> {c1:.2f}).")
        elif o.lapsed[0, i]:
            out.append(f"{poss(names[i])} ultimatum to {names[target]} LAPSED: the dispute was not settled and "
                       f"{names[i]} did not act (credibility {c0:.2f} -> {c1:.2f}; it pays its audience cost "
                       f"{float(p.payoff['audience_cost'][i]):g}).")
        else:
            out.append(f"{poss(names[i])} ultimatum to {names[target]} was met: the dispute is settled.")
    if a.incident[0]:
        out.append(f"THE CRISIS BROKE DOWN: an incident at escalation {float(a.escalation[0]):.1f} "
                   f"(its chance this turn was {100 * float(o.hazard[0]):.2f}%). Every side pays its war cost.")
    return [cap(line) for line in out]


# ---------------------------------------------------------------- the menu


def menu(game: Game, i: int) -> list[tuple[Action, str]]:
    """For actor `i`, each move and what it would do now, one line each."""
    s, p = game.state, game.params
    t = game.next_turn
    names = prose_names(game)
    n = len(game.ids)
    partners = talk_partners(game, i)
    adversaries = [j for j in range(n) if p.adversary[i, j]]
    d = p.diplomacy
    target = int(s.ult_target[0, i])
    deadline = int(s.ult_deadline[0, i])
    acts_on_ultimatum = (f" Counts as carrying out your ultimatum to {names[target]}."
                         if target != NO_ONE and not s.ult_acted[0, i] else "")
    lines: list[tuple[Action, str]] = []

    # dialogue
    parts = []
    for j in partners:
        before = float(s.talks[0, i, j])
        after = min(1.0, before + p.diplomacy["talks_rate"] * 0.5 * (float(s.trust[0, i, j]) + float(s.trust[0, j, i])))
        offered = " (it offered last turn)" if int(s.last_moves[0, j]) == int(D) else ""
        if after >= 1.0 - 1e-12:
            parts.append(f"{cap(names[j])}{offered}: an AGREEMENT if it offers too ({_agreement_effects(game, i, j)})")
        else:
            parts.append(f"{cap(names[j])}{offered}: talks {pct(before)} -> {pct(after)} if it offers too")
    text = "Offer talks. " + "; ".join(parts) + "." if parts else "Offer talks (you have no adversary to talk to)."
    cost = float(p.payoff["dialogue_cost"][i])
    if cost > 0:
        text += f" Unanswered, it costs you {cost:g} at home."
    lines.append((D, text))

    # hold
    text = "Keep your posture."
    if target != NO_ONE:
        due_now = deadline <= t
        if s.ult_acted[0, i]:
            text += f" Your ultimatum to {names[target]} counts as carried out (you acted on it)."
        elif due_now and int(s.disputed[0, target]) > 0:
            c = float(s.credibility[0, i])
            text += (f" Your ultimatum to {names[target]} falls due NOW: holding lets it LAPSE "
                     f"(credibility {c:.2f} -> {max(0.0, c - d['credibility_loss']):.2f}, audience cost "
                     f"{float(p.payoff['audience_cost'][i]):g}) unless talks settle the dispute.")
        elif due_now:
            text += f" Your ultimatum to {names[target]} falls due now and is met unless {names[target]} deploys."
        else:
            text += f" Your ultimatum to {names[target]} falls due {when(game, deadline)}."
    lines.append((H, text))

    # ultimatum
    if target != NO_ONE:
        text = (f"Your ultimatum to {names[target]} is already open (due {day(game.date(deadline))}): "
                f"repeating it changes nothing but the tension.")
    elif not adversaries:
        text = "Issue a demand (you have no adversary: it only raises the tension)."
    else:
        j = max(adversaries, key=lambda k: (int(s.disputed[0, k]) * 1e6 + int(s.missiles[0, k]) - 1e-3 * k))
        due = t + p.ultimatum_turns
        c = float(s.credibility[0, i])
        text = (f"Demand that {names[j]} settle the dispute by {day(game.date(due))}. At the deadline you must "
                f"withdraw or deploy, or lose credibility ({c:.2f} -> {max(0.0, c - d['credibility_loss']):.2f}) "
                f"and pay audience cost {float(p.payoff['audience_cost'][i]):g}. {cap(names[j])} trusts you less.")
        if int(s.disputed[0, j]) == 0:
            text += f" ({cap(names[j])} has no disputed missiles: met unless it deploys.)"
    lines.append((U, text))

    # withdrawal
    alive = int(s.treaty[0]) in (IN_FORCE, NOTICE)
    if bound(game, s, i) and int(s.treaty[0]) == IN_FORCE:
        end = t + p.notice_turns
        others = [names[j] for j in adversaries]
        text = (f"Give notice to leave the treaty: it ends on {day(game.date(end))} unless an agreement rescinds it; "
                f"you are free to deploy from now. {cap(listing(others)) or 'Adversaries'} "
                f"trust{'s' if len(others) == 1 else ''} you less.")
    elif bound(game, s, i):
        text = (f"Give notice too: you are no longer bound (the treaty still ends on "
                f"{day(game.date(int(s.notice_end[0])))}).")
    else:
        progress = [f"{names[j]} {pct(float(s.talks[0, i, j]))}" for j in partners]
        why = "" if alive and p.party[i] else " (not a treaty party)" if not p.party[i] else " (no treaty left)"
        text = (f"Walk out of the talks{why}: progress is lost ({', '.join(progress) or 'none'}); "
                f"adversaries trust you less.")
    lines.append((W, text + acts_on_ultimatum))

    # deployment
    batch, lag = int(p.batch[i]), int(p.lag[i])
    arrive = t + lag
    text = (f"Order {batch} missiles, arriving "
            f"{'this turn' if lag == 0 else day(game.date(arrive)) + f' (in {lag} turns)'}; "
            f"cost {batch * float(p.payoff['deploy_cost'][i]):.2f}. Adversaries trust you less.")
    if bound(game, s, i):
        status = int(s.treaty[0])
        if status == NOTICE and arrive >= int(s.notice_end[0]):
            text += " They arrive after the treaty ends: no violation."
        else:
            text += (f" They arrive while you are bound: a VIOLATION, found with chance "
                     f"{pct(p.p_detect)} a turn, unless you give notice first.")
    elif p.party[i] and alive:
        text += " You are no longer bound by the treaty: no violation."
    lines.append((X, text + acts_on_ultimatum))
    return lines


def _agreement_effects(game: Game, i: int, j: int) -> str:
    s, p, names = game.state, game.params, prose_names(game)
    parts = [f"{poss(names[k])} {int(s.disputed[0, k])} disputed missiles removed"
             for k in (i, j) if int(s.disputed[0, k]) > 0]
    by = int(s.notice_by[0])
    if int(s.treaty[0]) == NOTICE and by in (i, j) and p.party[i] and p.party[j]:
        parts.append("the withdrawal notice rescinded")
    for a, b in ((i, j), (j, i)):
        if int(s.ult_target[0, a]) == b:
            parts.append(f"{poss(names[a])} ultimatum met")
    parts.append("trust rises")
    return ", ".join(parts)


def trust_row(game: Game, i: int) -> str:
    s = game.state
    return "  ".join(f"{game.ids[j]} {float(s.trust[0, i, j]):.2f}" for j in range(len(game.ids)) if j != i)


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
    return "".join(bars[int(round((v - lo) / (hi - lo) * top))] for v in values)
