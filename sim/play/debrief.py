"""The debrief of a classroom game: the class against the model alone, in markdown and in HTML.

`write_debrief` runs the model-only band (by default 1,000 runs of the same scenario, seed and
horizon, every actor played by its rule and no injections), then writes into a folder:
``debrief.md``, ``debrief.html`` (self-contained: the figures are embedded, it opens offline),
``escalation.png`` (the class's curve over the band), ``payoffs.png`` (each side's payoffs against
the model-only distribution), ``band.json`` (the band's summary, as ``summary.json`` of ``run``) and
``game.json`` (the game file: ``run_sim.py replay`` replays it, ``play --resume`` continues it).

Only a team's own moves are the team's: a move the facilitator forced, a scenario event set or a
bot played for an absent team (`TurnRecord.chosen_by`) is shown and counted as such in every table,
question, comparison and score. The section on what actually happened after the start comes from the
scenario's history file (`sim.play.history`), shown beside the game and never fed to the model.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.core.actions import HOST_REVOKE_VERB, HOST_VERB, MOVE_NAMES, MOVES, STAGE_WORDS, Action
from sim.core.codes import IN_FORCE, NO_ONE, NOTICE, STAGES, TERMINATED
from sim.core.safeio import atomic_path
from sim.core.scenario import Scenario, apply_overrides
from sim.core.state import COMPONENT_LABELS, COMPONENTS
from sim.core.textsafe import printable
from sim.engine.ensemble import iter_batches
from sim.kernel.dynamics import hazard, index_weights
from sim.output.result_files import mark_ours
from sim.output.results import Summary
from sim.play import history as past
from sim.play import narrate, savefile, slides
from sim.play.engine import Game, TurnRecord, build_schedule
from sim.play.narrate import listing, plural, poss
from sim.play.roles import BOT, FACILITATOR, SCENARIO, TEAM

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

D, H, C, U, W, P, X = (int(a) for a in (Action.DIALOGUE, Action.HOLD, Action.COMPLY, Action.ULTIMATUM,
                                        Action.WITHDRAWAL, Action.DEVELOP, Action.DEPLOYMENT))
TIE = 1e-3          # the band's index is stored in float32: closer than this counts as equal
ARMING = (P, X)     # moves that arm: the threatened act of an ultimatum by a side no longer bound
FILES = ("debrief.md", "debrief.html", "slides.html", "escalation.png", "payoffs.png", "band.json", "game.json")
#: Sections of the document the slides leave out (commands and file names are not for the class), and those
#: whose every list item is a slide of its own (one idea per screen).
NOT_SLIDES = ("Replay and continue", "Why the model moved")
ONE_A_SLIDE = ("Turning points", "Questions for discussion")
SLIDE_CHARS = 900          # text on one slide before the next begins


# ---------------------------------------------------------------- the model-only band


@dataclass
class Band:
    """Model-only runs of the game's scenario from the same start: what the class is compared with."""

    scenario: Scenario
    runs: int
    summary: dict              # as summary.json of `run_sim.py run`
    escalation: np.ndarray     # [R, T+1], carried forward after an incident
    payoff: np.ndarray         # [R, T, N], NaN after an incident
    first_move: np.ndarray     # [R, N, M] first turn each move was played, -1 if never
    same_dice: np.ndarray      # [T+1] escalation of the run with the game's own random numbers
    substituted: list[str] = field(default_factory=list)   # actors whose "human" rule became quantal
    notice_turn: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # [R] first notice, -1
    ended_turn: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))   # [R] treaty ended, -1
    incident_turn: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # [R] breakdown, -1
    posterior: dict | None = None   # the posterior the runs drew their parameters from (`draws.describe`), if any


def model_band(game: Game, runs: int = 1000, jobs: int = 1, posterior: dict | None = None) -> Band:
    """`runs` model-only runs of the game's scenario, seed and turn limit (runs 0..runs-1); with `posterior` (a
    posterior file's content, `sim.calibration.draws.read`) each run's parameters are drawn from it, so the band
    carries parameter uncertainty. The dashed run, with the game's random numbers, keeps the game's values."""
    scn, substituted = model_only(game.scenario)
    summary = Summary(scn, game.seed, game.turns)
    payoff, same = [], None
    want = game.replica
    drawn = None
    if posterior is not None:
        from sim.calibration import draws

        drawn = draws.fit(posterior, scn, posterior.get("path", "posterior"))
    chunks = iter_batches(scn, game.seed, runs, game.turns, batch_size=250, jobs=jobs, formatted=False,
                          runner=None if drawn is None else draws.runner(drawn))
    for chunk in chunks:
        b = chunk.batch
        summary.add(b)
        payoff.append(b.payoff)
        hit = np.flatnonzero(b.runs == want)
        if hit.size and drawn is None:
            same = summary.escalation[-1][hit[0]].astype(np.float64)
    if same is None:    # the game's replica is not among the band's runs (or not at its values): run it alone
        from sim.engine.ensemble import run_lockstep
        one = Summary(scn, game.seed, game.turns)
        one.add(run_lockstep(scn, game.seed, np.array([want]), game.turns))
        same = one.escalation[0][0].astype(np.float64)
    described = draws.describe(drawn) if drawn is not None else None
    shown = summary.as_dict(runs)
    if described is not None:    # band.json names it; the figure's title too (`sim.output.plots`)
        shown["provenance"] = {"posterior": described}
    return Band(scn, runs, shown, np.concatenate(summary.escalation).astype(np.float64),
                np.concatenate(payoff), np.concatenate(summary.first_move), same, substituted,
                np.concatenate(summary.notice), np.concatenate(summary.treaty_end), np.concatenate(summary.incident),
                described)


def band_posterior(path: Path | None, scn: Scenario) -> dict | None:
    """The posterior file a band of `scn` is to draw from (`sim.calibration.draws.read`), checked against the
    band's scenario before anything is written (a one-line SimError if bad); None without one."""
    if path is None:
        return None
    from sim.calibration import draws

    doc = draws.read(path)
    draws.fit(doc, model_only(scn)[0], str(path))
    return doc


def model_only(scn: Scenario) -> tuple[Scenario, list[str]]:
    """The scenario with any rule that needs a person replaced by the default quantal rule."""
    from sim.rules.registry import human_actors

    names = human_actors({a.id: a.rule for a in scn.actors})
    changes = {f"actors.{actor}.rule": {"name": "quantal"} for actor in names}
    return (apply_overrides(scn, changes, origin="model-only band") if changes else scn), names


# ---------------------------------------------------------------- facts read off the game


def components(rec: TurnRecord) -> dict[str, float]:
    """Points of the escalation index each component added in the turn, by component label."""
    w, b, a = index_weights(rec.params), rec.before, rec.after
    return {COMPONENT_LABELS[c]: 100 * w[c] * float(getattr(a, c)[0] - getattr(b, c)[0]) for c in COMPONENTS}


def turning_points(game: Game, k: int = 3) -> list[TurnRecord]:
    """The (up to) `k` turns that changed the escalation index most either way (by a point or more),
    largest change first: an agreement's fall counts as much as a rise."""
    moved = [r for r in game.history if abs(r.delta) >= 1.0]
    return sorted(moved, key=lambda r: (-abs(r.delta), r.turn))[:k]


# ---------------------------------------------------------------- who chose the moves

#: How a move that no team chose came about, after the move in a sentence.
CHOSEN = {FACILITATOR: "forced by the facilitator", SCENARIO: "set by a scenario event",
          BOT: "played by the bot standing in for the team"}
COUNTED = {FACILITATOR: "forced by the facilitator", SCENARIO: "set by scenario events", BOT: "by the bot"}


def by_note(rec: TurnRecord, i: int) -> str:
    """' (forced by the facilitator)' after a move of side i that neither a team nor the model chose."""
    who = rec.chosen_by[i]
    return f" ({CHOSEN[who]})" if who in CHOSEN else ""


def team_share(game: Game, i: int) -> tuple[int, int]:
    """(moves the team chose, turns played) for a side a team plays."""
    return sum(r.chosen_by[i] == TEAM for r in game.history), len(game.history)


def seat_words(game: Game, i: int) -> str:
    """Who played side i: 'model', 'team', or 'team: 2 of 5 moves (1 forced by the facilitator, 2 by the bot)'."""
    if not game.is_human(i):
        return "model"
    own, played = team_share(game, i)
    if own == played:
        return "team"
    counts = Counter(r.chosen_by[i] for r in game.history)
    others = ", ".join(f"{counts[w]} {COUNTED[w]}" for w in (FACILITATOR, SCENARIO, BOT) if counts[w])
    return f"team: {own} of {played} moves ({others})"


def turn_ranges(turns: list[int]) -> str:
    """'turn 3', 'turns 1-3, 5'."""
    runs: list[list[int]] = []
    for t in sorted(turns):
        if runs and t == runs[-1][1] + 1:
            runs[-1][1] = t
        else:
            runs.append([t, t])
    text = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)
    return ("turn " if len(turns) == 1 else "turns ") + text


def _rule_text(game: Game, i: int, spec: object) -> str:
    """How a rule plays, in words (its name for the curious): never its parameters, which are not for a class."""
    from sim.rules.registry import make_rule

    meta = game.scenario.scenario
    rule = make_rule(spec, i, meta.start_date, meta.turn_days)
    preset = spec.get("name") if isinstance(spec, dict) else None
    words = narrate.PRESET_WORDS.get(str(preset)) or narrate.RULE_WORDS.get(rule.name, "follows its rule")
    return f"{words} ({preset or rule.name})"


def rule_periods(game: Game, i: int) -> list[tuple[list[int], str, str | None]]:
    """The rules side i followed over the turns played, in order: (turns, rule, doctrine injected or None).

    A facilitator's ``doctrine`` injection replaces the rule from its turn on (`Game.inject`), so the
    rule the model ended with is not the one it played before: each is named with its turns. With no
    turn played, the rule at the start (with no turns)."""
    start = _rule_text(game, i, game.scenario.actors[i].rule)
    changes: dict[int, str] = {}
    for j in game.injections:
        if j.kind == "doctrine" and j.actor == game.ids[i] and j.turn <= game.turn and j.rule:
            changes[j.turn] = j.rule            # a later doctrine of the same turn replaces an earlier one
    periods: list[tuple[list[int], str, str | None]] = []
    for turn in range(1, game.turn + 1):
        if turn in changes or not periods:
            doctrine = changes.get(turn)
            rule = _rule_text(game, i, {"name": doctrine}) if doctrine else start
            periods.append(([], rule, doctrine))
        periods[-1][0].append(turn)
    return periods or [([], start, None)]


def model_side_text(game: Game, i: int, name: str) -> str:
    """'Russia (follows ... (reciprocal_measures) in turns 1-2; then never escalates ... (dove) in turns 3-4, the
    facilitator's doctrine)'."""
    periods = rule_periods(game, i)
    if len(periods) == 1:
        return f"{name} ({periods[0][1]})"
    parts = [f"{rule} in {turn_ranges(turns)}" + (", the facilitator's doctrine" if doctrine else "")
             for turns, rule, doctrine in periods]
    return f"{name} (" + "; then ".join(parts) + ")"


def team_side_text(game: Game, i: int, name: str) -> str:
    """'United States (US)', or with the moves the team did not choose: '(US; the team chose 2 of 5 moves: ...)'."""
    own, played = team_share(game, i)
    if own == played:
        return f"{name} ({game.ids[i]})"
    by = {w: [r.turn for r in game.history if r.chosen_by[i] == w] for w in (FACILITATOR, SCENARIO, BOT)}
    parts = []
    if by[FACILITATOR]:
        parts.append(f"the facilitator forced {turn_ranges(by[FACILITATOR])}")
    if by[SCENARIO]:
        parts.append(f"scenario events set {turn_ranges(by[SCENARIO])}")
    if by[BOT]:
        parts.append(f"the bot (the scenario's rule: it {_rule_text(game, i, game.scenario.actors[i].rule)}) "
                     f"played {turn_ranges(by[BOT])}")
    return f"{name} ({game.ids[i]}; the team chose {own} of {played} moves: {'; '.join(parts)})"


def breakdown_cause(game: Game) -> str | None:
    """What the facilitator did to make the last turn's incident happen, in words ('raised the chance of an
    incident that turn from 0.02% to 96.57% ("set risk.h_max=1 risk.k=0.01")'); None without an incident or a hand
    in it.

    The chance is recomputed with the parameters the scenario alone gives that turn (no injection): the
    facilitator made the breakdown if its changes at least doubled it, or if it forced an escalating move
    or revealed a violation on that turn."""
    last = game.history[-1] if game.history else None
    if last is None or not last.after.incident[0]:
        return None
    causes = []
    own = build_schedule(game.scenario, [], game.human_index).params_at(last.turn)
    chance, alone = float(last.outcome.hazard[0]), float(hazard(last.after, own)[0])
    if chance > 2 * alone + 1e-12:
        typed = [_lit(j.text) for j in game.injections if j.turn <= last.turn and j.kind in ("set", "leader")
                 and any(k.startswith(("risk.", "escalation.")) for k in j.changes)]
        causes.append(f"raised the chance of an incident that turn from {100 * alone:.2f}% to {100 * chance:.2f}%"
                      + (" (" + "; ".join(f'"{t}"' for t in typed) + ")" if typed else ""))
    names = [_lit(x) for x in narrate.prose_names(game)]
    forced = [f"{names[i]} to play {last.moves[i].label}" for i in range(len(game.ids))
              if last.chosen_by[i] == FACILITATOR and MOVES[last.moves[i]].rung >= MOVES[Action.ULTIMATUM].rung]
    if forced:
        causes.append(f"forced {listing(forced)} that turn")
    revealed = [j.who for j in last.injections if j.kind == "violation"]
    if revealed:
        causes.append(f"revealed a violation by {listing(revealed)} that turn")
    return listing(causes) or None


def short_events(game: Game, rec: TurnRecord) -> list[str]:
    """What happened in a turn, in a few words each (the timeline's last column)."""
    b, a, o, p = rec.before, rec.after, rec.outcome, rec.params
    ids, n = game.ids, len(game.ids)
    out = [f"facilitator: {_lit(j.text)}" for j in rec.injections]
    for i, j, before, reached, agreed in narrate.rounds(rec):
        out.append(f"**agreement {ids[i]}-{ids[j]}**" if agreed else
                   f"talks {ids[i]}-{ids[j]} {narrate.pct(before)}->{narrate.pct(reached)}")
    for i in range(n):
        m = rec.moves[i]
        if m == U and int(b.ult_target[0, i]) == NO_ONE and int(a.ult_target[0, i]) != NO_ONE:
            out.append(f"{ids[i]} ultimatum to {ids[int(a.ult_target[0, i])]}")
        if o.notice[0, i]:
            out.append(f"**{ids[i]} gives notice**")
        if o.complied[0, i]:
            out.append(f"**{ids[i]} complies**")
        if m == P and int(a.stage[0, i]) > int(b.stage[0, i]):
            out.append(f"{ids[i]} programme {STAGE_WORDS[STAGES[int(a.stage[0, i])]]}")
        if a.hosting[0, i] and not b.hosting[0, i]:
            out.append(f"**{ids[i]} hosts {ids[int(p.host_of[i])]} missiles**")
    if int(b.treaty[0]) == NOTICE and int(a.treaty[0]) == IN_FORCE:
        out.append("notice rescinded")
    if narrate.new_treaty(rec):
        out.append("**new treaty**")
    if int(b.treaty[0]) != TERMINATED and int(a.treaty[0]) == TERMINATED:
        out.append("**treaty ends**")
    for i in range(n):
        arrived = int(b.pipeline[0, i, 0]) if not narrate.new_treaty(rec) else 0
        if arrived:
            out.append(f"{arrived} {ids[i]} missiles arrive")
        if int(a.stage[0, i]) == STAGES.index("ready") and int(b.stage[0, i]) < STAGES.index("ready"):
            out.append(f"{ids[i]} missile ready")
        if o.detected[0, i]:
            out.append(f"**{ids[i]} violation detected**")
        target = int(b.ult_target[0, i])
        if target != NO_ONE and int(a.ult_target[0, i]) == NO_ONE:
            out.append(f"{ids[i]} ultimatum " + ("met" if o.met[0, i] else "carried out" if o.carried[0, i] else
                                                 "**lapsed**" if o.lapsed[0, i] else "met by agreement"))
    if int(a.rung[0]) != int(b.rung[0]):
        out.append(f"rung {int(b.rung[0])} -> {int(a.rung[0])}")
    if a.incident[0]:
        out.append("**INCIDENT: the crisis breaks down**")
    return out


@dataclass
class Facts:
    """Numbers the debrief states, computed once."""

    played: int
    path: list[float]
    class_totals: np.ndarray          # [N]
    model_totals: np.ndarray          # [R, N] over the same turns
    percentile: np.ndarray            # [N] share of model runs the class did better than (ties half)
    end_model: np.ndarray             # [R] escalation at the last turn played
    peak_model: np.ndarray            # [R] peak escalation up to it
    broke: np.ndarray                 # [R] the model-only run broke down (an incident) by then


def score_range(f: Facts, i: int) -> tuple[float, float]:
    """The worst and best sum of side i's payoffs in the model-only runs that did not break down (all runs if
    every one did): a breakdown costs every side its war cost, so it would stretch the range out of sight."""
    m = f.model_totals[:, i]
    held = m[~f.broke] if (~f.broke).any() else m
    return float(held.min()), float(held.max())


def facts(game: Game, band: Band) -> Facts:
    t = game.turn
    model = np.nansum(band.payoff[:, :t, :], axis=1) if t else np.zeros((band.runs, len(game.ids)))
    mine = game.payoff_totals()
    pct = (model < mine[None, :] - 1e-12).mean(axis=0) + 0.5 * (np.abs(model - mine[None, :]) <= 1e-12).mean(axis=0)
    broke = ((band.incident_turn > 0) & (band.incident_turn <= t) if band.incident_turn.size == band.runs
             else np.zeros(band.runs, dtype=bool))
    return Facts(t, game.escalation_path(), mine, model, pct, band.escalation[:, t],
                 band.escalation[:, : t + 1].max(axis=1), broke)


def share_by(band: Band, actor: int, move: int, turn: int) -> float:
    first = band.first_move[:, actor, move]
    return float(((first > 0) & (first <= turn)).mean())


# ---------------------------------------------------------------- discussion questions


def questions(game: Game, band: Band, f: Facts) -> list[str]:
    """Three discussion questions chosen from what happened, the most telling first (one of each kind)."""
    chosen, kinds = [], set()
    for _priority, kind, text in sorted(candidates(game, band, f), key=lambda c: -c[0]):
        if kind not in kinds:
            kinds.add(kind)
            chosen.append(text)
        if len(chosen) == 3:
            break
    return chosen


def candidates(game: Game, band: Band, f: Facts) -> list[tuple[float, str, str]]:
    """Every question the game gives rise to: (priority, kind, text).

    A question about what the class chose is asked only of moves a team chose: a move the facilitator
    forced, a scenario event set or a bot played says so, and a breakdown the facilitator made is not
    asked about as if the class had chosen it."""
    names, n = [_lit(x) for x in narrate.prose_names(game)], len(game.ids)
    cands: list[tuple[float, str, str]] = []     # (priority, kind, text)
    day = narrate.day

    def add(priority: float, kind: str, text: str) -> None:
        cands.append((priority, kind, narrate.cap(text)))

    cause = breakdown_cause(game)
    last = game.history[-1] if game.history else None
    if last is not None and last.after.incident[0]:
        if cause:
            add(100, "incident", f"The crisis broke down on {day(last.date)}, at escalation {last.escalation:.0f}, "
                f"after the facilitator {cause}. In a real crisis nobody sets the odds: what could play that part "
                "(an accident, a false alarm, a new leader), and which moves of the sides before it made a "
                "breakdown more likely?")
        else:
            add(100, "incident", f"The crisis broke down on {day(last.date)}, at escalation {last.escalation:.0f}, "
                f"when the chance of an incident that turn was {100 * float(last.outcome.hazard[0]):.2f}%. Which "
                "earlier move would you take back? Schelling called deterrence 'the threat that leaves something "
                "to chance': was the risk worth what your side wanted?")
    for rec in game.history:
        for i in range(n):
            target = int(rec.before.ult_target[0, i])
            if target == NO_ONE:
                continue
            c0, c1 = float(rec.before.credibility[0, i]), float(rec.after.credibility[0, i])
            if rec.outcome.lapsed[0, i]:
                add(95, "lapsed", f"On {day(rec.date)} {poss(names[i])} ultimatum to {names[target]} lapsed: "
                    f"the dispute was not settled and {names[i]} did not carry out its threat. Its credibility "
                    f"fell from {c0:.2f} to {c1:.2f} and it paid its audience cost. Why do leaders make public "
                    f"demands they may not carry out, and what did {names[i]} lose by backing down?")
            elif rec.outcome.carried[0, i]:
                acted = next((r for r in game.history if r.turn <= rec.turn and r.moves[i] in (W, *ARMING)
                              and r.turn >= rec.turn - rec.params.ultimatum_turns), rec)
                rose = acted.escalation - float(acted.before.escalation[0])
                effect = (f"the index rose {rose:+.1f}" if rose >= 0.5 else
                          f"the index moved {rose:+.1f}, as the open ultimatum closed")
                add(80, "carried", f"{names[i]} carried out its ultimatum to {names[target]} by playing "
                    f"{Action(acted.moves[i]).label}{by_note(acted, i)} on {day(acted.date)} ({effect}). Backing "
                    f"down would have cost it its audience cost ({float(rec.params.payoff['audience_cost'][i]):g}) "
                    "and credibility. Was following through worth it? How does a public ultimatum lock a "
                    "government in?")
    # talks
    pair = game.params.adversary | game.params.adversary.T
    for i in range(n):
        for j in range(i + 1, n):
            if not pair[i, j]:
                continue
            agreed = [r for r in game.history if any((a, b) == (i, j) and ok for a, b, _, _, ok in narrate.rounds(r))]
            best = max(game.history, key=lambda r: float(r.after.talks[0, i, j]), default=None)
            top = float(best.after.talks[0, i, j]) if best else 0.0
            if agreed:
                r = agreed[0]
                what = ("it made a new treaty, with the missiles to be eliminated over years" if narrate.new_treaty(r)
                        else "it settled the disputes at once (disputed missiles eliminated, programmes halted)")
                add(85, "agreement", f"{names[i]} and {names[j]} reached an agreement on {day(r.date)}. What made it "
                    f"possible (trust, several rounds, who kept offering)? In the model {what}: what would it take "
                    "in the real world (inspections, verification)?")
            elif best is not None and top >= 0.35:   # top > 0: there was a best round
                after = [r for r in game.history if r.turn > best.turn]
                stopped = next((f"{names[k]} stopped offering talks on {day(r.date)}" for r in after for k in (i, j)
                                if r.moves[k] != D), None)
                # talks under way that a side left unanswered before the best round
                paused = next((f"{names[k]} did not answer on {day(r.date)}" for r in game.history
                               if r.turn < best.turn and float(r.before.talks[0, i, j]) > 0
                               for k in (i, j) if r.moves[k] != D), None)
                why = stopped or (f"{paused}, and the game ended first" if paused else "the game ended first")
                add(70 + 20 * top, "nearly", f"Talks between {names[i]} and {names[j]} reached {narrate.pct(top)} "
                    f"on {day(best.date)} but never produced an agreement ({why}). What would each side have needed "
                    "to keep talking one more round, and who was it cheaper for to offer?")
    # treaty
    notice = next((r for r in game.history if int(r.before.treaty[0]) == IN_FORCE
                   and int(r.after.treaty[0]) == NOTICE), None)
    if notice is not None:
        by = int(notice.after.notice_by[0])
        then, end = share_by(band, by, W, notice.turn), share_by(band, by, W, f.played)
        add(75, "notice", f"{names[by]} gave notice to leave the treaty{by_note(notice, by)} on {day(notice.date)} "
            f"(turn {notice.turn}). Model-only runs had {names[by]} give notice by then in {then:.0%} of runs, and "
            f"by turn {f.played} in {end:.0%}. Who gained from that move, and who could have kept the treaty alive, "
            "at what price?")
    # arms race: both sides of a pair armed (ordered missiles, advanced a programme or hosted an ally's)
    armed = [i for i in range(n) if any(r.moves[i] in ARMING for r in game.history)]
    rivals = [(i, j) for i in armed for j in armed if i < j and pair[i, j]]
    if rivals:
        i, j = rivals[0]
        add(72, "race", f"Both {names[i]} and {names[j]} armed (ordered missiles, advanced a programme or hosted "
            "an ally's). Each side does better arming if the other holds back, and both do better holding back "
            "than both arming: the prisoner's dilemma behind an arms race. What could have let them escape it "
            "(talks, verification, a treaty, trust)?")
    for rec in game.history:
        for i in range(n):
            if rec.outcome.complied[0, i]:
                add(78, "complied", f"{names[i]} complied verifiably{by_note(rec, i)} on {day(rec.date)}. "
                    "What did it give up, what did it get for it, and would a real government concede a violation "
                    "it denied?")
            if rec.after.hosting[0, i] and not rec.before.hosting[0, i]:
                lead = int(rec.params.host_of[i])
                consent = HOST_VERB.replace("its ally's", poss(names[lead]))
                add(74, "host", f"{names[i]} {consent}{by_note(rec, i)} on "
                    f"{day(rec.date)}. In 1983 that consent brought hundreds of thousands into the streets: what "
                    "did hosting buy the alliance, and what did it cost at home?")
            if rec.before.hosting[0, i] and not rec.after.hosting[0, i]:
                lead = int(rec.params.host_of[i])
                revoke = HOST_REVOKE_VERB.replace("its ally's", poss(names[lead]))
                add(73, "unhost", f"{names[i]} {revoke}{by_note(rec, i)} on {day(rec.date)}. What made keeping "
                    f"them cost more than they were worth, and what did {names[lead]} lose by it?")
    # violations
    for rec in game.history:
        for i in range(n):
            if rec.outcome.detected[0, i]:
                add(65, "violation", f"{poss(names[i])} violation was detected on {day(rec.date)}. How did the others "
                    "respond, and how much is verification worth to a treaty?")
    for inj in game.injections:
        if inj.kind == "violation":
            add(66, "violation", f"The facilitator revealed a violation by {inj.actor} before turn {inj.turn}. How did "
                "the sides respond to the news, and is an accusation without proof enough to end a treaty?")
        if inj.kind == "leader":
            after = [r for r in game.history if r.turn >= inj.turn]
            i = game.index[inj.who]
            moves = ", ".join(Action(r.moves[i]).label for r in after[:3]) or "no moves yet"
            add(62, "leader", f"After new leadership in {names[i]} (turn {inj.turn}), {names[i]} played: {moves}. Did "
                "its choices change? The model's rules weigh costs differently: which rules respond to a new "
                "leadership and which do not, and what does that say about doctrine?")
    # the class against the model: only of what the class chose, and never of a breakdown (chance, or the facilitator)
    own = sum(team_share(game, i)[0] for i in game.human_index)
    seats = len(game.human_index) * f.played
    if f.played and own and 2 * own >= seats and not game.incident:
        end = f.path[-1]
        share = float((f.end_model < end - TIE).mean())
        helped = " (with the facilitator's events)" if game.injections else ""
        if share >= 0.9:
            add(68, "band", f"Your class ended at escalation {end:.0f}{helped}, higher than {share:.0%} of the "
                "model-only runs. Why might people escalate faster than the model's rules? What did the model's "
                "sides weigh that you did not, or the other way round?")
        elif share <= 0.1:
            add(68, "band", f"Your class ended at escalation {end:.0f}{helped}, lower than {1 - share:.0%} of the "
                "model-only runs. What did you do that the model's rules rarely do, and would it work in a real "
                "crisis?")
    if f.played and cause is None:
        for i in sorted(game.human_index):
            chose, played = team_share(game, i)
            if chose and (f.percentile[i] <= 0.2 or f.percentile[i] >= 0.8):
                better = f.percentile[i] >= 0.8
                part = "" if chose == played else f" (it chose {chose} of its {played} moves)"
                add(55, f"payoff{i}", f"The {_lit(game.names[i])} team{part} collected {f.class_totals[i]:+.2f}, "
                    f"{'more' if better else 'less'} than {f.percentile[i] if better else 1 - f.percentile[i]:.0%} "
                    f"of model-only runs. Which of its moves {'paid off' if better else 'cost it most'}, and did it "
                    "win at another side's expense?")
    for i in range(n):
        alone = [r for r in game.history if r.moves[i] == D and not r.outcome.in_round[0, i]]
        if len(alone) >= 3:
            add(50, "alone", f"{names[i]} offered talks {len(alone)} times without an answer. When is talking "
                "alone worth it, and what does an unanswered offer signal to the other side?")
    tp = turning_points(game, 1)
    if tp:
        r = tp[0]
        movers = [f"{poss(names[i])} {Action(r.moves[i]).label}{by_note(r, i)}" for i in range(n)
                  if MOVES[Action(r.moves[i])].rung >= MOVES[Action.ULTIMATUM].rung]
        if r.delta > 0:
            add(40, "turning", f"The index rose most on {day(r.date)} ({r.delta:+.1f}"
                f"{', with ' + listing(movers) if movers else ''}). Was that the turning point of your game? "
                "Could anyone have seen it coming from the briefing?")
        else:
            add(40, "turning", f"The index fell most on {day(r.date)} ({r.delta:+.1f}). What made that fall "
                "possible, and could it have come sooner?")
    add(30, "again", "If you played again, which side would you choose, and what would you do differently "
        "in the first two turns?")
    add(20, "index", "What does the escalation index leave out that mattered in your discussions "
        "(public opinion, allies' views, the real weapons)?")
    add(10, "hardest", "Which side had the hardest choice in this crisis, and why: whose options were all bad?")
    return cands


# ---------------------------------------------------------------- figures


def _fig_text(text: object) -> str:
    """Text for a figure: no control characters, and a '$' is a dollar, not the start of mathtext."""
    return printable(text).replace("$", r"\$")


def date_labels(ax: Axes) -> None:
    """Month labels on the x axis with the year under the first month shown and under every January
    ("Feb\\n2019", "Mar", ..., "Jan\\n2020"): no year floats on its own under the last month, as the
    offset of `sim.output.plots.date_ticks` (ConciseDateFormatter) does; days when the ticks are days, years when
    they are years."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import Formatter

    class _Labels(Formatter):
        def __call__(self, x: float, pos: int | None = None) -> str:
            return self.format_ticks([x])[0]

        def format_ticks(self, values: list[float]) -> list[str]:
            days = [mdates.num2date(v).date() for v in values]
            step = (values[1] - values[0]) if len(values) > 1 else 30.0
            lo = min(self.axis.get_view_interval()) if self.axis is not None else -np.inf
            out, year = [], None
            for v, d in zip(values, days, strict=True):
                if step >= 360:
                    out.append(f"{d.year}")
                    continue
                text = f"{d:%b}" if step >= 28 else f"{d.day} {d:%b}"
                if v >= lo - 1e-9 and d.year != year:   # the first tick in view, and each new year
                    text += f"\n{d.year}"
                    year = d.year
                out.append(text)
            return out

        def get_offset(self) -> str:
            return ""

    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(_Labels())


def history_marks(game: Game, events: list[past.Event]) -> list[tuple[date, str]]:
    """Events inside the game's dates as figure marks, (date, label). Labels stand upright along the top, one
    line each, so events whose labels would touch on the figure (about 900 pixels wide) share one mark: its
    labels side by side, and past three a count."""
    start, end = game.date(0), game.date(game.turns)
    per_day = 900 / max(1, (end - start).days)       # pixels
    line = 12                                         # pixels a label line takes across
    groups: list[list[past.Event]] = []
    for e in events:
        if not start <= e.date <= end:
            continue
        if groups and (e.date - groups[-1][0].date).days * per_day < line * (len(groups[-1]) / 2 + 1) + 6:
            groups[-1].append(e)
        else:
            groups.append([e])
    marks = []
    for group in groups:
        labels = [e.label for e in group]
        if len(labels) > 3:
            labels = [*labels[:2], f"and {len(labels) - 2} more"]
        marks.append((group[0].date, "\n".join(labels)))
    return marks


def escalation_figure(game: Game, band: Band, f: Facts, events: list[past.Event] | None = None) -> Figure:
    """The class's curve over the band, its turning points, the facilitator's events, and what actually happened."""
    import matplotlib.dates as mdates

    from sim.output.plots import dated_axes, summary_dates

    s = band.summary
    fig, ax = dated_axes(s, f"your class against {band.runs:,} model-only runs",
                         "escalation index (0 calm, 100 maximal)")
    date_labels(ax)
    ax.title.set_wrap(True)             # a long scenario title stays inside the figure
    dates = summary_dates(s)
    q = s["escalation_quantiles"]
    v = {qq: np.array(row) for qq, row in zip(q["quantiles"], q["values"], strict=True)}
    alone = "model alone, drawn parameters" if band.posterior else "model alone"
    ax.fill_between(dates, v[0.05], v[0.95], color="tab:grey", alpha=0.2, lw=0, label=f"{alone}: 90% of runs")
    ax.fill_between(dates, v[0.25], v[0.75], color="tab:grey", alpha=0.35, lw=0, label=f"{alone}: 50% of runs")
    ax.plot(dates, v[0.5], color="0.35", lw=1.5, label=f"{alone}: median")
    ax.plot(dates, band.same_dice, color="0.2", lw=1, ls="--",
            label="model alone, same random numbers" + (" and values" if band.posterior else ""))
    mine = dates[: len(f.path)]
    ax.plot(mine, f.path, color="tab:red", lw=2.6, marker="o", ms=4, label="your class", zorder=5)
    for rank, r in enumerate(turning_points(game), start=1):   # above a rise, below a fall
        ax.annotate(str(rank), (dates[r.turn], r.escalation), xytext=(0, 9 if r.delta > 0 else -15),
                    textcoords="offset points", ha="center", fontsize=9, fontweight="bold", color="tab:red",
                    bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": "tab:red", "lw": 1})
    marked = set()
    for j in game.injections:
        if j.turn <= f.played + 1 and j.turn not in marked:
            marked.add(j.turn)
            x = dates[min(j.turn, len(dates) - 1)]
            ax.axvline(x, color="tab:purple", lw=1, ls=":", label="facilitator's event" if len(marked) == 1 else None)
    marks = history_marks(game, events or [])
    for k, (when, _label) in enumerate(marks):
        ax.axvline(when, color=HISTORY_COLOUR, lw=1, ls="-.", alpha=0.8,
                   label="what actually happened (labels on top)" if k == 0 else None)
    if marks:   # short labels as ticks along the top, outside the curves; the figure grows to keep the plot's height
        fig.set_size_inches(9, 6.4)
        top = ax.secondary_xaxis("top")
        top.set_xticks([mdates.date2num(when) for when, _ in marks], [_fig_text(label) for _, label in marks],
                       rotation=90, fontsize=7, color=HISTORY_COLOUR)
        top.tick_params(axis="x", colors=HISTORY_COLOUR, length=4)
    if game.incident:
        ax.plot([mine[-1]], [f.path[-1]], marker="X", ms=14, color="black", ls="none", label="incident", zorder=6)
    ax.set_ylim(0, 100)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3 if band.posterior else 4, frameon=False,
               fontsize=8)
    return fig


HISTORY_COLOUR = "#1b7837"


def plot_escalation(game: Game, band: Band, f: Facts, out: Path, events: list[past.Event] | None = None) -> Path:
    """The escalation figure, written as OUT/escalation.png; `events` default to the scenario's history."""
    from sim.output.plots import save_figure

    if events is None:
        found, _problem = load_history(game)
        events = list(found.events) if found else []
    return save_figure(escalation_figure(game, band, f, events), out, "escalation", "png")


def load_history(game: Game) -> tuple[past.History | None, str | None]:
    """The scenario's history (None if it has none), or the one-line problem with its file."""
    try:
        return past.for_scenario(game.scenario), None
    except past.HistoryError as exc:
        return None, str(exc)


def _horizontal() -> dict:
    import matplotlib

    major, minor = (int(x) for x in matplotlib.__version__.split(".")[:2])
    return {"orientation": "horizontal"} if (major, minor) >= (3, 10) else {"vert": False}


def scale_score(x: float, worst: float, best: float) -> float | None:
    """Where x falls between the model's worst and best run, 0 to 100 (outside: below 0 or above 100); None if
    every run got the same."""
    return None if best - worst <= 1e-9 else 100 * (x - worst) / (best - worst)


def scale_words(score: float | None) -> str:
    if score is None:
        return "-"
    if score < 0:
        return "below the worst"
    if score > 100:
        return "above the best"
    return f"{score:.0f} out of 100"


def plot_payoffs(game: Game, band: Band, f: Facts, out: Path) -> Path:
    """One row per side: the model-only distribution of its summed payoffs, its worst and best run (without a
    breakdown), and the class's sum."""
    import matplotlib.pyplot as plt

    from sim.output.plots import save_figure

    horizontal = _horizontal()
    n = len(game.ids)
    fig, axes = plt.subplots(n, 1, figsize=(9, 0.6 + 1.1 * n), dpi=120, layout="constrained", squeeze=False)
    for i, ax in enumerate(axes[:, 0]):
        m = f.model_totals[:, i]
        worst, best = score_range(f, i)
        ax.plot([worst, best], [1, 1], color="0.6", lw=1, zorder=1)
        ax.plot([worst, best], [1, 1], marker="|", ms=14, color="0.4", ls="none", zorder=2,
                label="model alone: worst and best run" + (" (no breakdown)" if f.broke.any() else "")
                if i == 0 else None)
        ax.boxplot([m], **horizontal, whis=(5, 95), showfliers=False, widths=0.55, patch_artist=True,
                   boxprops={"facecolor": "0.85", "edgecolor": "0.4"}, medianprops={"color": "0.2"},
                   whiskerprops={"color": "0.4"}, capprops={"color": "0.4"})
        ax.plot([f.class_totals[i]], [1], marker="D", ms=10, color="tab:red", ls="none", zorder=5,
                label="your class" if i == 0 else None)
        lo, hi = min(worst, f.class_totals[i]), max(best, f.class_totals[i])
        pad = max(0.1, 0.08 * (hi - lo))
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_yticks([1], [f"{_fig_text(game.names[i])}\n({_fig_text(seat_words(game, i).split(' (')[0])})"])
        ax.grid(alpha=0.3, axis="x")
        score = scale_words(scale_score(float(f.class_totals[i]), worst, best))
        ax.text(1.0, 0.5, f" better than\n {f.percentile[i]:.0%} of runs\n scale: {score}", transform=ax.transAxes,
                va="center", fontsize=8)
    axes[0, 0].legend(loc="upper left", frameon=False, fontsize=8, ncols=2)
    axes[-1, 0].set_xlabel(f"sum of payoffs over the {f.played} turn{'s' if f.played != 1 else ''} played "
                           "(box: middle half of model-only runs; whiskers: 90%; ticks: worst and best run; "
                           "each side on its own scale)", fontsize=8)
    axes[0, 0].set_title(f"Payoffs each side collected: your class against {band.runs:,} model-only runs",
                         fontsize=10)
    return save_figure(fig, out, "payoffs", "png")


# ---------------------------------------------------------------- the document


class Doc:
    """Blocks of a document, written as markdown and as self-contained HTML.

    Inline markup in text and cells: **bold**, *italic*, `code`.
    """

    def __init__(self) -> None:
        self.blocks: list[tuple] = []

    def h(self, level: int, text: str) -> None:
        self.blocks.append(("h", level, text))

    def p(self, text: str) -> None:
        self.blocks.append(("p", text))

    def ul(self, items: list[str], ordered: bool = False) -> None:
        self.blocks.append(("list", ordered, items))

    def table(self, header: list[str], rows: list[list[str]], align: str = "", moves: bool = True,
              notes: bool = False) -> None:
        """A table; `moves`: move names in its cells are tinted in the HTML (not in a table of quoted text).
        `notes`: in the HTML the last column is a full-width line under each row (a wide table of many
        actors leaves it no room otherwise)."""
        self.blocks.append(("table", header, rows, align, moves, notes))

    def image(self, path: Path, alt: str) -> None:
        self.blocks.append(("image", path, alt))

    def code(self, text: str) -> None:
        self.blocks.append(("code", text))

    def markdown(self) -> str:
        # text is escaped as in the HTML: a markdown viewer shows raw HTML (an actor named <script>)
        esc = _md_text
        out: list[str] = []
        for block in self.blocks:
            kind = block[0]
            if kind == "h":
                out.append("#" * block[1] + " " + esc(block[2]))
            elif kind == "p":
                out.append(esc(block[1]))
            elif kind == "list":
                out.append("\n".join(f"{k + 1}. {esc(t)}" if block[1] else f"- {esc(t)}"
                                     for k, t in enumerate(block[2])))
            elif kind == "table":
                header, rows, align = block[1], block[2], block[3]
                cell = lambda c: esc(c).replace("|", "\\|")  # noqa: E731
                marks = [("---:" if a == "r" else "---") for a in (align or "l" * len(header))]
                lines = ["| " + " | ".join(map(cell, header)) + " |", "| " + " | ".join(marks) + " |"]
                lines += ["| " + " | ".join(map(cell, r)) + " |" for r in rows]
                out.append("\n".join(lines))
            elif kind == "image":
                out.append(f"![{esc(block[2]).replace(']', '')}]({block[1].name})")
            elif kind == "code":
                out.append("```\n" + block[1] + "\n```")
        return "\n\n".join(out) + "\n"

    def html(self, title: str) -> str:
        body = [block_html(block) for block in self.blocks]
        return HTML_PAGE.format(title=html.escape(title), body="\n".join(body), move_css=MOVE_CSS)


def block_html(block: tuple) -> str:
    """One block of a `Doc` as HTML (the document's and the slides' own)."""
    kind = block[0]
    if kind == "h":
        return f"<h{block[1]}>{_inline(block[2])}</h{block[1]}>"
    if kind == "p":
        return f"<p>{_inline(block[1])}</p>"
    if kind == "list":
        tag = "ol" if block[1] else "ul"
        return f"<{tag}>" + "".join(f"<li>{_inline(t)}</li>" for t in block[2]) + f"</{tag}>"
    if kind == "table":
        header, rows, align, tint, notes = block[1], block[2], block[3] or "l" * len(block[1]), *block[4:]
        cls = lambda k, align=align: ' class="num"' if align[k] == "r" else ""  # noqa: E731
        width = len(header) - 1 if notes else len(header)
        head = "".join(f"<th{cls(k)}>{_inline(h)}</th>" for k, h in enumerate(header[:width]))
        noted = [notes and r[-1] not in ("", "-") for r in rows]    # a note that says nothing is left out
        rows_html = "".join(
            ('<tr class="noted">' if noted[q] else "<tr>")
            + "".join(f"<td{cls(k)}>{_inline(c, moves=tint)}</td>" for k, c in enumerate(r[:width]))
            + "</tr>"
            + (f'<tr class="note"><td colspan="{width}"><span class="what">{_inline(header[-1])}:</span> '
               f"{_inline(r[-1], moves=tint)}</td></tr>" if noted[q] else "")
            for q, r in enumerate(rows))
        table_class = ' class="notes"' if notes else ""
        return (f'<div class="wide"><table{table_class}><thead><tr>{head}</tr></thead><tbody>{rows_html}</tbody>'
                "</table></div>")
    if kind == "image":
        data = base64.b64encode(Path(block[1]).read_bytes()).decode("ascii")
        return f'<figure><img alt="{html.escape(block[2])}" src="data:image/png;base64,{data}"></figure>'
    if kind == "code":
        return f"<pre><code>{html.escape(block[1])}</code></pre>"
    raise ValueError(f"a block of kind {kind!r}")


def slides_of(doc: Doc) -> list[slides.Slide]:
    """The document cut into slides: the title and its lines; then each section, a figure or a table a slide
    of its own, text running on to a new slide when it is long, and one slide per turning point and per
    question; no commands or file names (`NOT_SLIDES`, code blocks)."""
    out: list[slides.Slide] = []
    section, title, chars = "", "", 0
    body: list[str] = []

    def flush() -> None:
        nonlocal body, chars
        if body:
            out.append(slides.Slide(title, body))
        body, chars = [], 0

    for block in doc.blocks:
        kind = block[0]
        if kind == "h":
            flush()
            section = block[2]
            title = _inline(section)
            continue
        if section in NOT_SLIDES or kind == "code":
            continue
        if kind == "list" and section in ONE_A_SLIDE:
            items = block[2]
            for k, item in enumerate(items):
                if body and k:
                    flush()
                title = f"{_inline(section)} ({k + 1} of {len(items)})"
                body.append(f"<{'ol' if block[1] else 'ul'} start=\"{k + 1}\"><li>{_inline(item)}</li>"
                            f"</{'ol' if block[1] else 'ul'}>")
            flush()
            continue
        if kind in ("image", "table") and (chars > SLIDE_CHARS // 3 or any("<figure" in b or "<table" in b
                                                                             for b in body)):
            flush()                  # a figure or table shares its slide only with a little text before it
        text = block_html(block)
        if kind in ("p", "list") and chars and chars + len(text) > SLIDE_CHARS * 2:
            flush()
        body.append(text)
        chars += len(text) if kind in ("p", "list") else SLIDE_CHARS
    flush()
    return out


def _md_text(text: object) -> str:
    """Text for markdown: HTML special characters and control characters escaped or removed."""
    return html.escape(printable(text), quote=False)


MARKUP = re.compile(r"([\\`*])")
ESCAPED = re.compile(r"\\([\\`*])")
HELD = re.compile("\ue000(\\d+)\ue001")


def _lit(text: object) -> str:
    """Text a person typed (a team or side name, an injection) or a file gave, taken literally in the
    document: its markup characters escaped (markdown's backslash escapes, which the HTML honours too),
    no control characters. HTML special characters are escaped when the document is written."""
    return MARKUP.sub(r"\\\1", printable(text).replace("\ue000", "").replace("\ue001", ""))


def _inline(text: str, moves: bool = False) -> str:
    out = html.escape(printable(text).replace("\ue000", "").replace("\ue001", ""), quote=False)
    held: list[str] = []

    def hold(m: re.Match[str]) -> str:   # an escaped character is kept out of the markup below
        held.append(m.group(1))
        return f"\ue000{len(held) - 1}\ue001"

    out = ESCAPED.sub(hold, out)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"(?<![\w*])\*([^*]+)\*(?![\w*])", r"<em>\1</em>", out)
    if moves:   # colour the moves named in table cells
        for move in MOVE_NAMES:
            out = re.sub(rf"\b({move})\b", rf'<span class="mv {move}">\1</span>', out)
    return HELD.sub(lambda m: held[int(m.group(1))], out)


#: Move names in tables are tinted with the move table's colours (a light tint, so the text stays readable).
MOVE_CSS = " ".join(f".mv.{a.label} {{ background: {MOVES[a].colour}33; }}" for a in Action)

HTML_PAGE = slides.HEAD + """
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 980px; margin: 2em auto;
       padding: 0 1em; line-height: 1.45; color: #222; }}
h1 {{ font-size: 1.7em; margin-bottom: 0.2em; }}
h2 {{ margin-top: 1.6em; border-bottom: 2px solid #ddd; padding-bottom: 0.2em; }}
table {{ border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }}
.wide {{ overflow-x: auto; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.55em; vertical-align: top; text-align: left; }}
th {{ background: #f2f2f2; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
tr.noted td {{ border-bottom-style: hidden; }}
table.notes {{ font-size: 0.86em; }} table.notes tr:not(.note) td:nth-child(2) {{ white-space: nowrap; }}
tr.note td {{ padding-left: 1.6em; font-size: 0.95em; }}
tr.note .what {{ color: #666; }}
figure {{ margin: 1em 0; }} img {{ max-width: 100%; }}
code, pre {{ background: #f5f5f5; border-radius: 3px; padding: 0.1em 0.3em; }}
pre {{ padding: 0.7em; overflow-x: auto; }}
ol li {{ margin-bottom: 0.6em; }}
.mv {{ border-radius: 3px; padding: 0 0.25em; }}
{move_css}
@media print {{ body {{ max-width: none; font-size: 12pt; }} h2 {{ break-after: avoid; }}
  table, figure {{ break-inside: avoid; }} table, table.notes {{ font-size: 10.5pt; }} .wide {{ overflow: visible; }} }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


def _move_cell(rec: TurnRecord, i: int) -> str:
    label = Action(rec.moves[i]).label
    who = rec.chosen_by[i]
    if who == TEAM:
        return f"**{label}**"
    if who == FACILITATOR:
        return f"{label} (forced)"
    if who == SCENARIO:
        return f"{label} (event)"
    if who == BOT:
        return f"{label} (bot)"
    return label


def build(game: Game, band: Band, f: Facts, figures: dict[str, Path], game_file: str,
          messages: list[dict] | None = None) -> Doc:
    scn = game.scenario
    names, ids, n = [_lit(x) for x in game.names], game.ids, len(game.ids)
    prose = [_lit(x) for x in narrate.prose_names(game)]
    day = narrate.day
    doc = Doc()
    title = _lit(scn.scenario.title or scn.name)
    doc.h(1, f"Debrief: {title}")
    teams = ", ".join(team_side_text(game, game.index[a], names[game.index[a]]) for a in game.humans) or "none"
    model = ", ".join(model_side_text(game, i, names[i]) for i in range(n) if not game.is_human(i))
    reason = {"incident": "the crisis broke down (an incident)", "turns": "the turn limit was reached",
              "quit": "the facilitator ended the game", None: "the game was stopped"}[game.over_reason]
    doc.p(f"*Game of {datetime.now():%d %B %Y}: scenario `{scn.name}`, seed {game.seed}, "
          f"{f.played} of {game.turns} turns of {scn.scenario.turn_days} days played "
          f"({day(game.date(0))} to {day(game.date(f.played))}); {reason}.*")
    doc.p(f"**Teams played:** {teams}. **The model played:** {model or 'nobody'}.")

    doc.h(2, "What happened")
    s = game.state
    treaty = _lit(narrate.treaty_text(game))
    missiles = ", ".join(f"{ids[i]} {int(s.missiles[0, i])}" for i in range(n))
    programmes = ", ".join(f"{ids[i]} {_lit(narrate.programme_text(game, s, i))}" for i in range(n))
    doc.p(f"The escalation index went from {f.path[0]:.1f} to **{f.path[-1]:.1f}** (peak {max(f.path):.1f}). "
          f"The treaty is {treaty}. Fielded missiles at the end: {missiles}. Missile programmes and hosting: "
          f"{programmes}. The crisis ends on Kahn's escalation ladder at {narrate.rung_text(int(s.rung[0]))}."
          + (" **The crisis broke down** in the last turn." if game.incident else ""))
    doc.image(figures["escalation"], "The class's escalation index over the band of model-only runs")
    found, problem = load_history(game)
    marked = history_marks(game, list(found.events)) if found else []
    doc.p(f"*The red line is your class; the grey bands are {band.runs:,} runs of the model alone from the same "
          f"start (every side played by its rule, no facilitator's events), the dashed line the model alone with "
          f"the same random numbers as your game. "
          + (f"Each run of the band drew its parameters from the calibrated posterior "
             f"{_lit(band.posterior['file'])} (SHA-256 {band.posterior['sha256'][:12]}...), so the band shows how "
             f"unsure the model's numbers are as well as chance; your game and the dashed line keep the scenario's "
             f"values. " if band.posterior else "")
          + "Numbers mark the turning points below"
          + ("; the green lines, labelled along the top, what actually happened (the last section)"
             if marked else "") + ".*")

    doc.h(2, "Timeline")
    doc.p("Moves in **bold** were chosen by a team; *(forced)* by the facilitator; *(event)* by the scenario; "
          "*(bot)* by the scenario's rule standing in for a team nobody was playing; the others by the model.")
    start = game.start
    opening = [f"({Action(int(start.last_moves[0, i])).label})" for i in range(n)]
    open_ults = [f"{ids[i]} ultimatum to {ids[int(start.ult_target[0, i])]} open"
                 for i in range(n) if int(start.ult_target[0, i]) != NO_ONE]
    rows = [["0", day(game.date(0)), *opening, f"{f.path[0]:.1f}",
             "; ".join(["start (moves before the game)", *open_ults])]]
    for rec in game.history:
        rows.append([str(rec.turn), day(rec.date)] + [_move_cell(rec, i) for i in range(n)]
                    + [f"{rec.escalation:.1f} ({rec.delta:+.1f})", "; ".join(short_events(game, rec)) or "-"])
    pending = [j for j in game.injections if j.turn > f.played]
    doc.table(["turn", "date", *ids, "escalation", "what happened"], rows, "rl" + "l" * n + "rl", notes=True)
    if not game.history:
        doc.p("No turn was played.")
    if pending:
        doc.p("Injected but not played: " + "; ".join(_lit(j.text) for j in pending) + ".")

    doc.h(2, "Turning points")
    points = turning_points(game)
    if not points:
        doc.p("The escalation index never moved by a point or more in one turn.")
    else:
        doc.p("The turns that changed the escalation index most, up or down, the largest first.")
    items = []
    for rec in points:
        comp = components(rec)
        drivers = ", ".join(f"{k} {v:+.1f}" for k, v in sorted(comp.items(), key=lambda kv: -abs(kv[1]))
                            if abs(v) > 0.05)
        movers = [f"{prose[i]} played {Action(rec.moves[i]).label}"
                  + (" (team)" if rec.chosen_by[i] == TEAM else by_note(rec, i)) for i in range(n)
                  if MOVES[Action(rec.moves[i])].rung >= MOVES[Action.ULTIMATUM].rung]
        story = _lit(" ".join(narrate.turn_sentences(game, rec)))
        who = narrate.cap("; ".join(movers)) + ". " if movers else ""
        r0, r1 = int(rec.before.rung[0]), int(rec.after.rung[0])
        ladder = (f"Kahn's ladder stays at {narrate.rung_text(r0)}" if r0 == r1 else
                  f"Kahn's ladder {narrate.rung_text(r0)} -> {narrate.rung_text(r1)}")
        items.append(f"**Turn {rec.turn}, {day(rec.date)}: {rec.delta:+.1f}** "
                     f"({rec.before.escalation[0]:.1f} -> {rec.escalation:.1f}). "
                     f"{who}Change by part of the index: {drivers or 'none'}; {ladder}. {story}")
    if items:
        doc.ul(items, ordered=True)

    reasons = [(rec.turn, w) for rec in game.history for k in range(n) if (w := narrate.why(game, rec, k))]
    if reasons:
        doc.h(2, "Why the model moved")
        doc.p("For each move the model (or a bot standing in for a team) played: the values it compared, for a "
              "rule that weighs its moves (the higher the better for it), or the doctrine it follows.")
        doc.ul([f"Turn {turn}: {_lit(w)}" for turn, w in reasons])

    doc.h(2, "Payoffs")
    if f.played:
        doc.p(f"Each side's payoffs summed over the {f.played} turns played, against the same sum in each "
              f"model-only run. A payoff is what the side's weights value in a turn: the treaty, security "
              "against the other side's missiles, costs of missiles, audience and reputation costs, talks, "
              "and the risk of war (docs/ODD.md, section 7.9). The scale puts your game between the worst and "
              "the best the model alone got for that side: 0 is the model's worst game and 100 its best"
              + (" (games in which the crisis broke down are left out of the range: a breakdown costs every side "
                 "its war cost)" if f.broke.any() and not f.broke.all() else "") + ".")
        rows, lines = [], []
        for i in range(n):
            worst, best = score_range(f, i)
            med, mine = float(np.median(f.model_totals[:, i])), float(f.class_totals[i])
            score = scale_score(mine, worst, best)
            rows.append([f"{names[i]} ({ids[i]})", seat_words(game, i), f"**{mine:+.2f}**",
                         f"{worst:+.2f} to {best:+.2f}", f"{med:+.2f}", scale_words(score), f"{f.percentile[i]:.0%}"])
            lines.append(score_sentence(game, f, i, prose[i], score))
        broke = int(f.broke.sum())
        doc.table(["side", "played by", "your game",
                   "model alone: worst to best" + (" (no breakdown)" if broke and broke < band.runs else ""),
                   "model alone: middle run", "your game on that scale", "your game beat"], rows, "llrrrrr")
        doc.ul(lines)
        doc.image(figures["payoffs"], "Payoffs of each side against the model-only distribution")
        doc.p(f"**The score on the team pages** measures something else: each turn, how close a side came to the "
              f"most it could have got with the moves open to it, the others' moves and the luck as they were "
              f"({_lit(narrate.SCORE_LEGEND)}). A side can choose the best reply turn after turn and still end "
              "below the model's games, when the others' moves went against it; the table above compares whole "
              "games.")
        doc.ul([f"{narrate.cap(prose[i])}: **{narrate.side_score(game, i)}** turn by turn"
                + (" (the score its team saw)" if game.is_human(i) else "") for i in range(n)])
    else:
        doc.p("No turn was played, so no payoff was collected.")

    doc.h(2, "Your game against the model alone")
    doc.ul(compare_lines(game, band, f))

    if messages:
        doc.h(2, "Messages")
        doc.p("Every message sent during the game, as typed, in order (on the web classroom's pages; the "
              "facilitator saw them all).")
        message_table(doc, messages)

    doc.h(2, "Questions for discussion")
    doc.ul(questions(game, band, f), ordered=True)

    history_section(doc, game, band, f, found, problem)

    doc.h(2, "Replay and continue")
    doc.p(f"The game is saved in `{game_file}` (scenario, seed, every move and every facilitator's event):")
    doc.code(f"python run_sim.py replay {game_file}          # replays it exactly and checks every turn\n"
             f"python run_sim.py play --resume {game_file}   # goes on from where it stopped (undo works)")
    if band.substituted:
        doc.p(f"*In the model-only runs, {', '.join(band.substituted)} (a seat for a person in this scenario) "
              "was played by the default quantal rule.*")
    return doc


def score_sentence(game: Game, f: Facts, i: int, name: str, score: float | None) -> str:
    """One side's score in plain words, against the worst and best the model alone got for it."""
    chose, played = team_share(game, i)
    who = ("" if not game.is_human(i) or chose == played else
           f" (the team chose {chose} of its {played} moves)")
    m, runs = f.model_totals[:, i], len(f.model_totals)
    worst, best = score_range(f, i)
    mine, middle, beat = float(f.class_totals[i]), float(np.median(m)), round(100 * float(f.percentile[i]))
    head = f"**{narrate.cap(name)}**{who} got {mine:+.2f} in your game."
    broke = int(f.broke.sum())
    crashes = (f" In {plural(broke, 'game')} the crisis broke down and it got as little as {float(m.min()):+.2f}."
               if 0 < broke < runs else "")
    if score is None:
        rank = "the same" if abs(mine - worst) <= 1e-9 else ("more" if mine > worst else "less")
        return f"{head} The model alone got {worst:+.2f} in every one of its {runs:,} games{crashes}; yours got {rank}."
    if 0 <= score <= 100:
        place = f"your game scores {score:.0f}"
    elif score < 0:
        place = "your game is below even the worst" + (" (the crisis broke down)" if game.incident else "")
    else:
        place = "your game is above even the best"
    held = " without a breakdown" if crashes else ""
    return (f"{head} In {runs:,} games of the model alone it got between {worst:+.2f} (its worst game{held}) and "
            f"{best:+.2f} (its best); the middle game gave {middle:+.2f}.{crashes} On a scale from 0 (the model's "
            f"worst) to 100 (its best), {place}: it did better than {beat} in every 100 of the model's games.")


def compare_lines(game: Game, band: Band, f: Facts) -> list[str]:
    t = f.played
    names, n = [_lit(x) for x in narrate.prose_names(game)], len(game.ids)
    if not t:
        return ["No turn was played."]
    s = band.summary["per_turn"]
    out = []
    q = np.quantile(f.end_model, [0.05, 0.5, 0.95])
    out.append(f"Escalation after turn {t}: your game {f.path[-1]:.1f}; model alone median {q[1]:.1f} "
               f"(90% of runs between {q[0]:.1f} and {q[2]:.1f}); higher than "
               f"{(f.end_model < f.path[-1] - TIE).mean():.0%} of model-only runs.")
    out.append(f"Peak escalation: your game {max(f.path):.1f}; model alone median {np.median(f.peak_model):.1f}.")
    out.append(f"The model alone with your game's random numbers (the dashed line) ended turn {t} at "
               f"{band.same_dice[t]:.1f}: the difference from your {f.path[-1]:.1f} is what the teams' choices "
               "(and any facilitator's events or bots) changed.")
    ended = s["treaty_share"]["terminated"][t]
    gone = 1 - s["treaty_share"]["in_force"][t] - s["treaty_share"]["none"][t]
    status = int(game.state.treaty[0])
    mine = {IN_FORCE: "in force", NOTICE: "under notice", TERMINATED: "ended"}.get(status, "none")
    out.append(f"The treaty after turn {t}: {mine} in your game; in the model alone ended in {ended:.0%} of runs, "
               f"under notice or ended in {gone:.0%}.")
    out.append(f"An incident (breakdown) by turn {t}: {'yes' if game.incident else 'no'} in your game; "
               f"{s['incident_share'][t]:.0%} of model-only runs.")
    for i in range(n):
        parts = []
        for move in (C, U, W, P, X):
            first = next((r for r in game.history if r.moves[i] == move), None)
            if first is None and share_by(band, i, move, game.turns) == 0:   # a move it never has
                continue
            share = f"{share_by(band, i, move, t):.0%} of model-only runs"
            label = Action(move).label
            if first is None:
                parts.append(f"{label}: no ({share})")
            else:
                chosen = (", the team's choice" if first.chosen_by[i] == TEAM and game.is_human(i)
                          else f", {CHOSEN[first.chosen_by[i]]}" if first.chosen_by[i] in CHOSEN else "")
                parts.append(f"{label}: yes, first on turn {first.turn}{chosen} ({share})")
        if parts:
            out.append(f"Did {names[i]} ({seat_words(game, i)}) play these by turn {t}? " + "; ".join(parts) + ".")
    marks = band.summary.get("milestones", {})
    for i in range(n):
        reached = milestones(game, i)
        theirs = marks.get(game.ids[i], {})
        parts = [f"{MILESTONE_WORDS[m]} {'turn ' + str(reached[m]) if reached.get(m) else 'no'} (model alone: "
                 f"{theirs[m]['share']:.0%} of runs over {band.summary['turns']} turns)"
                 for m in MILESTONE_WORDS if m in theirs and (reached.get(m) or theirs[m]["share"] > 0)]
        if parts:
            out.append(f"Milestones of {names[i]}: " + "; ".join(parts) + ".")
    return out


MILESTONE_WORDS = {"orders": "first order", "tests": "first flight tests", "ready": "a missile ready",
                   "fields": "more missiles fielded", "hosts": "hosting an ally's missiles"}


def milestones(game: Game, i: int) -> dict[str, int]:
    """The first turn of the game in which side i reached each milestone (as `sim.output.results` counts them)."""
    start = game.start
    test, ready = STAGES.index("flight_test"), STAGES.index("ready")
    found: dict[str, int] = {}
    for r in game.history:
        a = r.after
        reached = {"orders": int(r.outcome.ordered[0, i]) > 0,
                   "tests": int(a.stage[0, i]) >= test > int(start.stage[0, i]),
                   "ready": int(a.stage[0, i]) >= ready > int(start.stage[0, i]),
                   "fields": int(a.missiles[0, i]) > int(start.missiles[0, i]),
                   "hosts": bool(a.hosting[0, i])}
        for m, yes in reached.items():
            if yes and m not in found:
                found[m] = r.turn
    return found


# ---------------------------------------------------------------- what actually happened

#: Concepts of a history file that the game and the band can be compared on, in this order.
COMPARED = ("notice", "suspension", "treaty_ended", "flight_test", "deployment", "hosting")
MILESTONE_OF = {"flight_test": "tests", "deployment": "fields", "hosting": "hosts"}


def game_firsts(game: Game) -> dict[str, tuple[TurnRecord, list[int]]]:
    """The first turn of the game with each compared concept, and the sides that did it."""
    found: dict[str, tuple[TurnRecord, list[int]]] = {}
    notice = next((r for r in game.history if int(r.before.treaty[0]) == IN_FORCE
                   and int(r.after.treaty[0]) == NOTICE), None)
    if notice is not None:
        by = int(notice.after.notice_by[0])
        found["notice"] = (notice, [by])
        answer = next(((r, [i for i in range(len(game.ids)) if i != by and r.outcome.notice[0, i]])
                       for r in game.history if r.turn >= notice.turn
                       and any(i != by and r.outcome.notice[0, i] for i in range(len(game.ids)))), None)
        if answer is not None:
            found["suspension"] = answer
    ended = next((r for r in game.history if int(r.before.treaty[0]) != TERMINATED
                  and int(r.after.treaty[0]) == TERMINATED), None)
    if ended is not None:
        found["treaty_ended"] = (ended, [])
    for concept, mark in MILESTONE_OF.items():
        turns = {i: milestones(game, i).get(mark) for i in range(len(game.ids))}
        reached = [t for t in turns.values() if t]
        if reached:
            first = min(reached)
            found[concept] = (game.history[first - 1], [i for i, t in turns.items() if t == first])
    return found


def band_words(game: Game, band: Band, concept: str, event: past.Event) -> str:
    """What the model alone did of a concept: share of runs and median turn (per side for the milestones)."""
    s, names = band.summary, [_lit(x) for x in narrate.prose_names(game)]

    def median(turn: float | None) -> str:
        if turn is None:
            return ""
        k = round(turn)
        return f"; median turn {k} ({narrate.day(game.date(k))})"

    if concept == "notice":
        share = float((band.notice_turn > 0).mean()) if band.notice_turn.size else 0.0
        return f"in {share:.0%} of runs{median(s.get('median_turn_notice'))}" if share else "in no run"
    if concept == "treaty_ended":
        share = float((band.ended_turn > 0).mean()) if band.ended_turn.size else 0.0
        return f"in {share:.0%} of runs{median(s.get('median_turn_treaty_ended'))}" if share else "in no run"
    if concept == "suspension":
        sides = [game.index[event.side]] if event.side in game.index else range(len(game.ids))
        parts = [f"{names[i]} gives notice in {s['moves'][game.ids[i]]['withdrawal']['share']:.0%} of runs"
                 f"{median(s['moves'][game.ids[i]]['withdrawal']['median_first_turn'])}"
                 for i in sides if s["moves"][game.ids[i]]["withdrawal"]["share"]]
        return "; ".join(parts) or "in no run"
    marks = s.get("milestones", {})
    parts = [f"{names[i]} in {marks[a][MILESTONE_OF[concept]]['share']:.0%} of runs"
             f"{median(marks[a][MILESTONE_OF[concept]]['median_first_turn'])}"
             for i, a in enumerate(game.ids) if a in marks and marks[a][MILESTONE_OF[concept]]["share"]]
    return "; ".join(parts) or "in no run"


def _address(url: str) -> str:
    """A source's address as text, without its scheme: the page stays free of links (it opens offline)."""
    return re.sub(r"^https?://", "", url)


def cite(source: past.Source) -> str:
    text = f'{_lit(source.publisher)}, "{_lit(source.title)}", {narrate.day(source.date)}'
    return text + (f", {_lit(_address(source.url))}" if source.url else "")


def history_section(doc: Doc, game: Game, band: Band, f: Facts, found: past.History | None,
                    problem: str | None) -> None:
    """What actually happened after the start: the timeline, and the game and the band beside it."""
    day, start, last = narrate.day, game.date(0), game.date(game.turns)
    doc.h(2, _lit(found.title) if found else f"What actually happened after {start:%B %Y}")
    if problem is not None:
        doc.p(f"The history file cannot be read, so this debrief has no timeline: {_lit(problem)}")
        return
    if found is None:
        doc.p(f"No history file for scenario `{game.scenario.name}`, so this debrief has no timeline to compare with.")
        return
    names = [_lit(x) for x in narrate.prose_names(game)]
    doc.p(f"Events after the game's start, each with its source. {_lit(found.note)} *In the model* says which "
          f"move or outcome of the model stands for the event. Those up to {day(last)}, the game's last date, are "
          "marked on the escalation figure.")
    doc.table(["date", "who", "what happened", "in the model", "source"],
              [[day(e.date), _lit(e.actor), _lit(e.what), e.model_words, cite(e.source)] for e in found.events],
              moves=False)

    mine = game_firsts(game)
    rows, matched, compared = [], [], 0
    for concept in COMPARED:
        event = found.first(concept)
        if event is None:
            continue
        words = past.CONCEPTS[concept][0]
        who_then = names[game.index[event.side]] if event.side in game.index else _lit(event.actor)
        turn = game.scenario.turn_of(event.date)
        inside = event.date <= last
        when = f"turn {turn}" if inside else "after the game's last date"
        then = f"{day(event.date)} ({when})" if concept == "treaty_ended" else f"{who_then}, {day(event.date)} ({when})"
        got = mine.get(concept)
        if got is None:
            ours = {"notice": f"no notice by turn {f.played}", "treaty_ended": f"not by turn {f.played}",
                    "suspension": f"no other party by turn {f.played}"}.get(concept, f"no side by turn {f.played}")
            against = (f"not in your game by turn {f.played}" if inside else "in history only after the game's dates")
        else:
            rec, sides = got
            by = listing([names[i] for i in sides])
            ours = (f"turn {rec.turn} ({day(rec.date)})" if concept == "treaty_ended"
                    else f"{by}, turn {rec.turn} ({day(rec.date)})")
            if inside:
                gap = rec.turn - turn
                against = ("the same turn" if gap == 0 else
                           f"{plural(abs(gap), 'turn')} {'later' if gap > 0 else 'earlier'}")
                if concept != "treaty_ended" and event.side in game.index and game.index[event.side] not in sides:
                    against += f", by {by} instead"
                compared += 1
                if gap == 0:
                    matched.append(words)
            else:
                against = "earlier than history, which came after the game's dates"
        if inside and got is None:
            compared += 1
        rows.append([words, ours, then, band_words(game, band, concept, event), against])
    if not rows:
        return
    doc.p(f"Your game beside what happened and beside the model alone ({band.runs:,} runs of {game.turns} turns "
          f"from the same start). A turn is {game.scenario.scenario.turn_days} days: an event's turn is the first "
          "game turn on or after its date.")
    doc.table(["", "your game", "what happened", "the model alone", "your game against history"], rows, moves=False)
    if compared:
        doc.p(f"Of the {plural(compared, 'event')} inside the game's dates that the model can show, your game had "
              f"{len(matched)} on the same turn as history" + (f" ({listing(matched)})" if matched else "") + ".")


def write_debrief(game: Game, out: Path, band_runs: int = 1000, jobs: int = 1,
                  band: Band | None = None, game_file: Path | None = None,
                  messages: list[dict] | None = None, posterior: dict | None = None) -> dict[str, Path]:
    """Run the band (unless given; its runs drawn from `posterior` if given, see `model_band`) and write every
    debrief file into `out`; returns their paths.

    `game_file`: where the caller keeps the game file (it is then not written here, and the debrief
    names it): the classroom saves the game itself, and its game may have moved on since `game`
    was copied for the debrief. `messages`: the classroom's messages (turn, sender, by, to, text)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    mark_ours(out)
    band = band or model_band(game, band_runs, jobs, posterior)
    f = facts(game, band)
    game_path = game_file if game_file is not None else savefile.write(game, out / "game.json", make_folder=True)
    figures = {"escalation": plot_escalation(game, band, f, out), "payoffs": plot_payoffs(game, band, f, out)}
    with atomic_path(out / "band.json") as tmp:
        tmp.write_text(json.dumps(band.summary, indent=1) + "\n")
    shown = str(game_path)
    doc = build(game, band, f, figures, shown, messages)
    with atomic_path(out / "debrief.md") as tmp:
        tmp.write_text(doc.markdown(), encoding="utf-8")
    title = f"Debrief: {game.scenario.scenario.title or game.scenario.name}"
    with atomic_path(out / "debrief.html") as tmp:
        tmp.write_text(doc.html(title), encoding="utf-8")
    with atomic_path(out / "slides.html") as tmp:
        tmp.write_text(slides.deck(title, slides_of(doc), MOVE_CSS), encoding="utf-8")
    written = {name: game_path if name == "game.json" else out / name for name in FILES}
    for team in game.humans:          # one page per team, for grading
        name = f"team_{team}.html"
        with atomic_path(out / name) as tmp:
            tmp.write_text(team_page(game, band, f, team, messages).html(f"{title}: team {team}"), encoding="utf-8")
        written[name] = out / name
    return written


def message_table(doc: Doc, messages: list[dict]) -> None:
    """The messages (and deals) as a table: turn, sender (and the name of the device), to whom, the text."""
    doc.table(["turn", "from", "to", "message"],
              [[str(m.get("turn", "")), _lit(str(m.get("sender", "")) + (f" ({m['by']})" if m.get("by") else "")),
                _lit(m.get("to", "")), _lit(m.get("text", ""))] for m in messages], "rlll", moves=False)


def team_page(game: Game, band: Band, f: Facts, team: str, messages: list[dict] | None = None) -> Doc:
    """What team `team` did, for its teacher to grade: each turn's move and who chose it, its scores, and the
    messages and deals it sent or received."""
    i = game.index[team]
    name = _lit(game.names[i])
    doc = Doc()
    doc.h(1, f"Team {_lit(team)}: {name}")
    own, played = team_share(game, i)
    doc.p(f"*{_lit(game.scenario.scenario.title or game.scenario.name)}, game of {datetime.now():%d %B %Y}: "
          f"{played} turns played; the team chose {own} of its {played} moves.*")
    rows = []
    for rec in game.history:
        values = narrate.move_payoffs(game, rec, i)
        forced = rec.chosen_by[i] in (FACILITATOR, SCENARIO)
        rows.append([str(rec.turn), narrate.day(rec.date), _move_cell(rec, i),
                     narrate.turn_grade(values, rec.moves[i], forced), f"{rec.escalation:.1f} ({rec.delta:+.1f})"])
    doc.h(2, "Moves")
    doc.p("**Bold**: chosen by the team; *(bot)*: played by the scenario's rule while the team had not "
          "submitted; *(forced)*: set by the facilitator. \"Among its moves\": how the move did that turn against "
          "the others open to the team, the other sides' moves as they were.")
    doc.table(["turn", "date", "move", "among its moves", "escalation after"], rows, "rllll")
    doc.h(2, "Scores")
    worst, best = score_range(f, i)
    doc.ul([f"Turn by turn (as on the team's page): **{narrate.side_score(game, i)}** "
            f"({_lit(narrate.SCORE_LEGEND)}).",
            score_sentence(game, f, i, name, scale_score(float(f.class_totals[i]), worst, best))])
    mine = [m for m in messages or [] if team in (m.get("sender"), m.get("to")) or m.get("to") == "all"]
    doc.h(2, "Messages and deals")
    if mine:
        message_table(doc, mine)
    else:
        doc.p("None.")
    return doc
