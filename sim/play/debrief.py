"""The debrief of a classroom game: the class against the model alone, in markdown and in HTML.

`write_debrief` runs the model-only band (by default 1,000 runs of the same scenario, seed and
horizon, every actor played by its rule and no injections), then writes into a folder:
``debrief.md``, ``debrief.html`` (self-contained: the figures are embedded, it opens offline),
``escalation.png`` (the class's curve over the band), ``payoffs.png`` (each side's payoffs against
the model-only distribution), ``band.json`` (the band's summary, as ``summary.json`` of ``run``) and
``game.json`` (the game file: ``run_sim.py replay`` replays it, ``play --resume`` continues it).
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from sim.actions import HOST_VERB, MOVE_NAMES, MOVES, STAGE_WORDS, STAGES, Action
from sim.dynamics import index_weights
from sim.ensemble import iter_batches
from sim.play import narrate, savefile
from sim.play.engine import Game, TurnRecord
from sim.play.narrate import poss
from sim.play.roles import FACILITATOR, SCENARIO, TEAM
from sim.result_files import mark_ours
from sim.results import Summary
from sim.safeio import atomic_path
from sim.scenario import Scenario, apply_overrides
from sim.state import COMPONENT_LABELS, COMPONENTS, IN_FORCE, NO_ONE, NOTICE, TERMINATED
from sim.textsafe import printable

D, H, C, U, W, P, X = (int(a) for a in (Action.DIALOGUE, Action.HOLD, Action.COMPLY, Action.ULTIMATUM,
                                        Action.WITHDRAWAL, Action.DEVELOP, Action.DEPLOYMENT))
TIE = 1e-3          # the band's index is stored in float32: closer than this counts as equal
ARMING = (P, X)     # moves that arm: the threatened act of an ultimatum by a side no longer bound
FILES = ("debrief.md", "debrief.html", "escalation.png", "payoffs.png", "band.json", "game.json")


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


def model_band(game: Game, runs: int = 1000, jobs: int = 1) -> Band:
    """`runs` model-only runs of the game's scenario, seed and turn limit (runs 0..runs-1)."""
    scn, substituted = _model_only(game.scenario)
    summary = Summary(scn, game.seed, game.turns)
    payoff, same = [], None
    want = game.replica
    for chunk in iter_batches(scn, game.seed, runs, game.turns, batch_size=250, jobs=jobs, formatted=False):
        b = chunk.batch
        summary.add(b)
        payoff.append(b.payoff)
        hit = np.flatnonzero(b.runs == want)
        if hit.size:
            same = summary.escalation[-1][hit[0]].astype(np.float64)
    if same is None:    # the game's replica is not among the band's runs: run it alone
        from sim.ensemble import run_lockstep
        one = Summary(scn, game.seed, game.turns)
        one.add(run_lockstep(scn, game.seed, np.array([want]), game.turns))
        same = one.escalation[0][0].astype(np.float64)
    return Band(scn, runs, summary.as_dict(runs), np.concatenate(summary.escalation).astype(np.float64),
                np.concatenate(payoff), np.concatenate(summary.first_move), same, substituted)


def _model_only(scn: Scenario) -> tuple[Scenario, list[str]]:
    """The scenario with any rule that needs a person replaced by the default quantal rule."""
    from sim.policies.registry import human_actors

    names = human_actors({a.id: a.rule for a in scn.actors})
    changes = {f"actors.{actor}.rule": {"name": "quantal"} for actor in names}
    return (apply_overrides(scn, changes, origin="model-only band") if changes else scn), names


# ---------------------------------------------------------------- facts read off the game


def components(rec: TurnRecord) -> dict[str, float]:
    """Points of the escalation index each component added in the turn, by component label."""
    w, b, a = index_weights(rec.params), rec.before, rec.after
    return {COMPONENT_LABELS[c]: 100 * w[c] * float(getattr(a, c)[0] - getattr(b, c)[0]) for c in COMPONENTS}


def turning_points(game: Game, k: int = 3) -> list[TurnRecord]:
    """The (up to) `k` turns that raised the escalation index most (by a point or more), largest rise first."""
    rising = [r for r in game.history if r.delta >= 1.0]
    return sorted(rising, key=lambda r: (-r.delta, r.turn))[:k]


def short_events(game: Game, rec: TurnRecord) -> list[str]:
    """What happened in a turn, in a few words each (the timeline's last column)."""
    b, a, o, p = rec.before, rec.after, rec.outcome, rec.params
    ids, n = game.ids, len(game.ids)
    out = [f"facilitator: {j.text}" for j in rec.injections]
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


def facts(game: Game, band: Band) -> Facts:
    t = game.turn
    model = np.nansum(band.payoff[:, :t, :], axis=1) if t else np.zeros((band.runs, len(game.ids)))
    mine = game.payoff_totals()
    pct = (model < mine[None, :] - 1e-12).mean(axis=0) + 0.5 * (np.abs(model - mine[None, :]) <= 1e-12).mean(axis=0)
    return Facts(t, game.escalation_path(), mine, model, pct, band.escalation[:, t],
                 band.escalation[:, : t + 1].max(axis=1))


def share_by(band: Band, actor: int, move: int, turn: int) -> float:
    first = band.first_move[:, actor, move]
    return float(((first > 0) & (first <= turn)).mean())


# ---------------------------------------------------------------- discussion questions


def questions(game: Game, band: Band, f: Facts) -> list[str]:
    """Three discussion questions chosen from what happened, the most telling first."""
    names, n = narrate.prose_names(game), len(game.ids)
    cands: list[tuple[float, str, str]] = []     # (priority, kind, text)
    day = narrate.day

    def add(priority: float, kind: str, text: str) -> None:
        cands.append((priority, kind, narrate.cap(text)))

    last = game.history[-1] if game.history else None
    if last is not None and last.after.incident[0]:
        add(100, "incident", f"The crisis broke down on {day(last.date)}, at escalation {last.escalation:.0f}, "
            f"when the chance of an incident that turn was {100 * float(last.outcome.hazard[0]):.2f}%. Which earlier "
            "move would you take back? Schelling called deterrence 'the threat that leaves something to chance': "
            "was the risk worth what your side wanted?")
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
                    f"{Action(acted.moves[i]).label} on {day(acted.date)} ({effect}). Backing down would have cost it "
                    f"its audience cost ({float(rec.params.payoff['audience_cost'][i]):g}) and credibility. Was "
                    "following through worth it? How does a public ultimatum lock a government in?")
    # talks
    pair = game.params.adversary | game.params.adversary.T
    for i in range(n):
        for j in range(i + 1, n):
            if not pair[i, j]:
                continue
            agreed = [r for r in game.history if any(a == (i, j) and ok for *a, _, _, ok in narrate.rounds(r))]
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
        add(75, "notice", f"{names[by]} gave notice to leave the treaty on {day(notice.date)} (turn {notice.turn}). "
            f"Model-only runs had {names[by]} give notice by then in {then:.0%} of runs, and by turn {f.played} in "
            f"{end:.0%}. Who gained from that move, and who could have kept the treaty alive, at what price?")
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
                add(78, "complied", f"{cap_name(names[i])} complied verifiably on {day(rec.date)}. "
                    "What did it give up, what did it get for it, and would a real government concede a violation "
                    "it denied?")
            if rec.after.hosting[0, i] and not rec.before.hosting[0, i]:
                lead = int(rec.params.host_of[i])
                consent = HOST_VERB.replace("its ally's", poss(names[lead]))
                add(74, "host", f"{cap_name(names[i])} {consent} on "
                    f"{day(rec.date)}. In 1983 that consent brought hundreds of thousands into the streets: what "
                    "did hosting buy the alliance, and what did it cost at home?")
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
    # the class against the model
    if f.played:
        end = f.path[-1]
        share = float((f.end_model < end - TIE).mean())
        if share >= 0.9:
            add(68, "band", f"Your class ended at escalation {end:.0f}, higher than {share:.0%} of the model-only "
                "runs. Why might people escalate faster than the model's rules? What did the model's sides weigh "
                "that you did not, or the other way round?")
        elif share <= 0.1:
            add(68, "band", f"Your class ended at escalation {end:.0f}, lower than {1 - share:.0%} of the model-only "
                "runs. What did you do that the model's rules rarely do, and would it work in a real crisis?")
        for i in range(n):
            if game.is_human(i) and (f.percentile[i] <= 0.2 or f.percentile[i] >= 0.8):
                better = f.percentile[i] >= 0.8
                add(55, f"payoff{i}", f"The {game.names[i]} team collected {f.class_totals[i]:+.2f}, "
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
        movers = [f"{poss(names[i])} {Action(r.moves[i]).label}" for i in range(n)
                  if MOVES[Action(r.moves[i])].rung >= MOVES[Action.ULTIMATUM].rung]
        add(40, "turning", f"The index rose most on {day(r.date)} (+{r.delta:.1f}"
            f"{', with ' + narrate.listing(movers) if movers else ''}). Was that the turning point of your game? "
            "Could anyone have seen it coming from the briefing?")
    add(30, "again", "If you played again, which side would you choose, and what would you do differently "
        "in the first two turns?")
    add(20, "index", "What does the escalation index leave out that mattered in your discussions "
        "(public opinion, allies' views, the real weapons)?")
    add(10, "hardest", "Which side had the hardest choice in this crisis, and why: whose options were all bad?")
    chosen, kinds = [], set()
    for _priority, kind, text in sorted(cands, key=lambda c: -c[0]):
        if kind not in kinds:
            kinds.add(kind)
            chosen.append(text)
        if len(chosen) == 3:
            break
    return chosen


# ---------------------------------------------------------------- figures


def plot_escalation(game: Game, band: Band, f: Facts, out: Path) -> Path:
    from sim.plots import dated_axes, save_figure, summary_dates

    s = band.summary
    fig, ax = dated_axes(s, f"your class against {band.runs:,} model-only runs",
                         "escalation index (0 calm, 100 maximal)")
    dates = summary_dates(s)
    q = s["escalation_quantiles"]
    v = {qq: np.array(row) for qq, row in zip(q["quantiles"], q["values"], strict=True)}
    ax.fill_between(dates, v[0.05], v[0.95], color="tab:grey", alpha=0.2, lw=0, label="model alone: 90% of runs")
    ax.fill_between(dates, v[0.25], v[0.75], color="tab:grey", alpha=0.35, lw=0, label="model alone: 50% of runs")
    ax.plot(dates, v[0.5], color="0.35", lw=1.5, label="model alone: median")
    ax.plot(dates, band.same_dice, color="0.2", lw=1, ls="--", label="model alone, same random numbers")
    mine = dates[: len(f.path)]
    ax.plot(mine, f.path, color="tab:red", lw=2.6, marker="o", ms=4, label="your class", zorder=5)
    for rank, r in enumerate(turning_points(game), start=1):
        ax.annotate(str(rank), (dates[r.turn], r.escalation), xytext=(0, 9), textcoords="offset points",
                    ha="center", fontsize=9, fontweight="bold", color="tab:red",
                    bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": "tab:red", "lw": 1})
    marked = set()
    for j in game.injections:
        if j.turn <= f.played + 1 and j.turn not in marked:
            marked.add(j.turn)
            x = dates[min(j.turn, len(dates) - 1)]
            ax.axvline(x, color="tab:purple", lw=1, ls=":", label="facilitator's event" if len(marked) == 1 else None)
    if game.incident:
        ax.plot([mine[-1]], [f.path[-1]], marker="X", ms=14, color="black", ls="none", label="incident", zorder=6)
    ax.set_ylim(0, 100)
    ax.legend(loc="upper left", frameon=False, ncols=2, fontsize=8)
    return save_figure(fig, out, "escalation", "png")


def _horizontal() -> dict:
    import matplotlib

    major, minor = (int(x) for x in matplotlib.__version__.split(".")[:2])
    return {"orientation": "horizontal"} if (major, minor) >= (3, 10) else {"vert": False}


def plot_payoffs(game: Game, band: Band, f: Facts, out: Path) -> Path:
    """One row per side: the model-only distribution of its summed payoffs, and the class's sum."""
    import matplotlib.pyplot as plt

    from sim.plots import save_figure

    horizontal = _horizontal()
    n = len(game.ids)
    fig, axes = plt.subplots(n, 1, figsize=(9, 0.6 + 1.1 * n), dpi=120, layout="constrained", squeeze=False)
    for i, ax in enumerate(axes[:, 0]):
        m = f.model_totals[:, i]
        ax.boxplot([m], **horizontal, whis=(5, 95), showfliers=False, widths=0.55, patch_artist=True,
                   boxprops={"facecolor": "0.85", "edgecolor": "0.4"}, medianprops={"color": "0.2"},
                   whiskerprops={"color": "0.4"}, capprops={"color": "0.4"})
        ax.plot([f.class_totals[i]], [1], marker="D", ms=10, color="tab:red", ls="none", zorder=5,
                label="your class" if i == 0 else None)
        lo, hi = min(np.quantile(m, 0.05), f.class_totals[i]), max(np.quantile(m, 0.95), f.class_totals[i])
        pad = max(0.1, 0.15 * (hi - lo))
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_yticks([1], [f"{game.names[i]}\n({'team' if game.is_human(i) else 'model'})"])
        ax.grid(alpha=0.3, axis="x")
        ax.text(1.0, 0.5, f" better than\n {f.percentile[i]:.0%} of runs", transform=ax.transAxes, va="center",
                fontsize=8)
    axes[0, 0].legend(loc="upper left", frameon=False, fontsize=8)
    axes[-1, 0].set_xlabel(f"sum of payoffs over the {f.played} turn{'s' if f.played != 1 else ''} played "
                           "(box: middle half of model-only runs; whiskers: 90%; each side on its own scale)")
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

    def table(self, header: list[str], rows: list[list[str]], align: str = "") -> None:
        self.blocks.append(("table", header, rows, align))

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
        body: list[str] = []
        for block in self.blocks:
            kind = block[0]
            if kind == "h":
                body.append(f"<h{block[1]}>{_inline(block[2])}</h{block[1]}>")
            elif kind == "p":
                body.append(f"<p>{_inline(block[1])}</p>")
            elif kind == "list":
                tag = "ol" if block[1] else "ul"
                body.append(f"<{tag}>" + "".join(f"<li>{_inline(t)}</li>" for t in block[2]) + f"</{tag}>")
            elif kind == "table":
                header, rows, align = block[1], block[2], block[3] or "l" * len(block[1])
                cls = lambda k, align=align: ' class="num"' if align[k] == "r" else ""  # noqa: E731
                head = "".join(f"<th{cls(k)}>{_inline(h)}</th>" for k, h in enumerate(header))
                rows_html = "".join(
                    "<tr>" + "".join(f"<td{cls(k)}>{_inline(c, moves=True)}</td>" for k, c in enumerate(r)) + "</tr>"
                    for r in rows)
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows_html}</tbody></table>")
            elif kind == "image":
                data = base64.b64encode(Path(block[1]).read_bytes()).decode("ascii")
                body.append(f'<figure><img alt="{html.escape(block[2])}" src="data:image/png;base64,{data}">'
                            f"</figure>")
            elif kind == "code":
                body.append(f"<pre><code>{html.escape(block[1])}</code></pre>")
        return HTML_PAGE.format(title=html.escape(title), body="\n".join(body), move_css=MOVE_CSS)


def _md_text(text: object) -> str:
    """Text for markdown: HTML special characters and control characters escaped or removed."""
    return html.escape(printable(text), quote=False)


def _inline(text: str, moves: bool = False) -> str:
    out = html.escape(str(text), quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"(?<![\w*])\*([^*]+)\*(?![\w*])", r"<em>\1</em>", out)
    if moves:   # colour the moves named in table cells
        for move in MOVE_NAMES:
            out = re.sub(rf"\b({move})\b", rf'<span class="mv {move}">\1</span>', out)
    return out


#: Move names in tables are tinted with the move table's colours (a light tint, so the text stays readable).
MOVE_CSS = " ".join(f".mv.{a.label} {{ background: {MOVES[a].colour}33; }}" for a in Action)

HTML_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 980px; margin: 2em auto;
       padding: 0 1em; line-height: 1.45; color: #222; }}
h1 {{ font-size: 1.7em; margin-bottom: 0.2em; }}
h2 {{ margin-top: 1.6em; border-bottom: 2px solid #ddd; padding-bottom: 0.2em; }}
table {{ border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.55em; vertical-align: top; text-align: left; }}
th {{ background: #f2f2f2; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
figure {{ margin: 1em 0; }} img {{ max-width: 100%; }}
code, pre {{ background: #f5f5f5; border-radius: 3px; padding: 0.1em 0.3em; }}
pre {{ padding: 0.7em; overflow-x: auto; }}
ol li {{ margin-bottom: 0.6em; }}
.mv {{ border-radius: 3px; padding: 0 0.25em; }}
{move_css}
@media print {{ body {{ max-width: none; }} h2 {{ break-after: avoid; }} table, figure {{ break-inside: avoid; }} }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


def cap_name(name: str) -> str:
    return narrate.cap(name)


def _move_cell(rec: TurnRecord, i: int) -> str:
    label = Action(rec.moves[i]).label
    who = rec.chosen_by[i]
    if who == TEAM:
        return f"**{label}**"
    if who == FACILITATOR:
        return f"{label} (forced)"
    if who == SCENARIO:
        return f"{label} (event)"
    return label


def build(game: Game, band: Band, f: Facts, figures: dict[str, Path], game_file: str) -> Doc:
    scn = game.scenario
    names, ids, n = game.names, game.ids, len(game.ids)
    day = narrate.day
    doc = Doc()
    title = scn.scenario.title or scn.name
    doc.h(1, f"Debrief: {title}")
    teams = ", ".join(f"{names[game.index[a]]} ({a})" for a in game.humans) or "none"
    model = ", ".join(f"{names[i]} (rule `{game.crisis.rules[i]!r}`)" for i in range(n) if not game.is_human(i))
    reason = {"incident": "the crisis broke down (an incident)", "turns": "the turn limit was reached",
              "quit": "the facilitator ended the game", None: "the game was stopped"}[game.over_reason]
    doc.p(f"*Game of {datetime.now():%d %B %Y}: scenario `{scn.name}`, seed {game.seed}, "
          f"{f.played} of {game.turns} turns of {scn.scenario.turn_days} days played "
          f"({day(game.date(0))} to {day(game.date(f.played))}); {reason}.*")
    doc.p(f"**Teams played:** {teams}. **The model played:** {model or 'nobody'}.")

    doc.h(2, "What happened")
    s = game.state
    treaty = narrate.treaty_text(game)
    missiles = ", ".join(f"{ids[i]} {int(s.missiles[0, i])}" for i in range(n))
    programmes = ", ".join(f"{ids[i]} {narrate.programme_text(game, s, i)}" for i in range(n))
    doc.p(f"The escalation index went from {f.path[0]:.1f} to **{f.path[-1]:.1f}** (peak {max(f.path):.1f}). "
          f"The treaty is {treaty}. Fielded missiles at the end: {missiles}. Missile programmes and hosting: "
          f"{programmes}. The crisis ends on Kahn's escalation ladder at {narrate.rung_text(int(s.rung[0]))}."
          + (" **The crisis broke down** in the last turn." if game.incident else ""))
    doc.image(figures["escalation"], "The class's escalation index over the band of model-only runs")
    doc.p(f"*The red line is your class; the grey bands are {band.runs:,} runs of the model alone from the same "
          f"start (every side played by its rule, no facilitator's events), the dashed line the model alone with "
          f"the same random numbers as your game. Numbers mark the turning points below.*")

    doc.h(2, "Timeline")
    doc.p("Moves in **bold** were chosen by a team; *(forced)* by the facilitator; *(event)* by the scenario; "
          "the others by the model.")
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
    doc.table(["turn", "date", *ids, "escalation", "what happened"], rows, "rl" + "l" * n + "rl")
    if not game.history:
        doc.p("No turn was played.")
    if pending:
        doc.p("Injected but not played: " + "; ".join(j.text for j in pending) + ".")

    doc.h(2, "Turning points")
    points = turning_points(game)
    if not points:
        doc.p("The escalation index never rose during the game.")
    items = []
    for rec in points:
        comp = components(rec)
        drivers = ", ".join(f"{k} {v:+.1f}" for k, v in sorted(comp.items(), key=lambda kv: -kv[1]) if v > 0.05)
        movers = [f"{narrate.prose_names(game)[i]} played {Action(rec.moves[i]).label}"
                  + (" (team)" if rec.chosen_by[i] == TEAM else "") for i in range(n)
                  if MOVES[Action(rec.moves[i])].rung >= MOVES[Action.ULTIMATUM].rung]
        story = " ".join(narrate.turn_sentences(game, rec))
        who = narrate.cap("; ".join(movers)) + ". " if movers else ""
        items.append(f"**Turn {rec.turn}, {day(rec.date)}: {rec.delta:+.1f}** "
                     f"({rec.before.escalation[0]:.1f} -> {rec.escalation:.1f}). "
                     f"{who}Points added by: {drivers or 'none'}; "
                     f"Kahn's ladder {narrate.rung_text(int(rec.before.rung[0]))}"
                     f" -> {narrate.rung_text(int(rec.after.rung[0]))}. {story}")
    if items:
        doc.ul(items, ordered=True)

    doc.h(2, "Payoffs")
    if f.played:
        doc.p(f"Each side's payoffs summed over the {f.played} turns played, against the same sum in each "
              f"model-only run. A payoff is what the side's weights value in a turn: the treaty, security "
              "against the other side's missiles, costs of missiles, audience and reputation costs, talks, "
              "and the risk of war (docs/ODD.md, section 7.9).")
        rows = []
        for i in range(n):
            m = f.model_totals[:, i]
            lo, med, hi = np.quantile(m, [0.05, 0.5, 0.95])
            rows.append([f"{names[i]} ({ids[i]})", "team" if game.is_human(i) else "model",
                         f"**{f.class_totals[i]:+.2f}**", f"{med:+.2f}", f"{lo:+.2f} to {hi:+.2f}",
                         f"{f.percentile[i]:.0%}"])
        doc.table(["side", "played by", "your game", "model alone: median", "model alone: 90% of runs",
                   "your game beat"], rows, "llrrrr")
        doc.image(figures["payoffs"], "Payoffs of each side against the model-only distribution")
    else:
        doc.p("No turn was played, so no payoff was collected.")

    doc.h(2, "Your game against the model alone")
    doc.ul(compare_lines(game, band, f))

    doc.h(2, "Questions for discussion")
    doc.ul(questions(game, band, f), ordered=True)

    doc.h(2, "Replay and continue")
    doc.p(f"The game is saved in `{game_file}` (scenario, seed, every move and every facilitator's event):")
    doc.code(f"python run_sim.py replay {game_file}          # replays it exactly and checks every turn\n"
             f"python run_sim.py play --resume {game_file}   # goes on from where it stopped (undo works)")
    if band.substituted:
        doc.p(f"*In the model-only runs, {', '.join(band.substituted)} (a seat for a person in this scenario) "
              "was played by the default quantal rule.*")
    return doc


def compare_lines(game: Game, band: Band, f: Facts) -> list[str]:
    t = f.played
    names, n = game.names, len(game.ids)
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
               f"{band.same_dice[t]:.1f}: the difference from your {f.path[-1]:.1f} is what your choices "
               "(and any facilitator's events) changed.")
    ended = s["treaty_share"]["terminated"][t]
    gone = 1 - s["treaty_share"]["in_force"][t] - s["treaty_share"]["none"][t]
    status = int(game.state.treaty[0])
    mine = {IN_FORCE: "in force", NOTICE: "under notice", TERMINATED: "ended"}.get(status, "none")
    out.append(f"The treaty after turn {t}: {mine} in your game; in the model alone ended in {ended:.0%} of runs, "
               f"under notice or ended in {gone:.0%}.")
    out.append(f"An incident (breakdown) by turn {t}: {'yes' if game.incident else 'no'} in your game; "
               f"{s['incident_share'][t]:.0%} of model-only runs.")
    for i in range(n):
        played = {Action(m).label for m in (r.moves[i] for r in game.history)}
        parts = [f"{Action(move).label} {'yes' if Action(move).label in played else 'no'} "
                 f"({share_by(band, i, move, t):.0%} of model-only runs)" for move in (C, U, W, P, X)
                 if Action(move).label in played or share_by(band, i, move, game.turns) > 0]   # moves it ever has
        who = "team" if game.is_human(i) else "model"
        if parts:
            out.append(f"Did {names[i]} ({who}) play these by turn {t}? " + "; ".join(parts) + ".")
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
    """The first turn of the game in which side i reached each milestone (as `sim.results` counts them)."""
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


def write_debrief(game: Game, out: Path, band_runs: int = 1000, jobs: int = 1,
                  band: Band | None = None) -> dict[str, Path]:
    """Run the band (unless given) and write every debrief file into `out`; returns their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    mark_ours(out)
    band = band or model_band(game, band_runs, jobs)
    f = facts(game, band)
    game_path = savefile.write(game, out / "game.json", make_folder=True)
    figures = {"escalation": plot_escalation(game, band, f, out), "payoffs": plot_payoffs(game, band, f, out)}
    with atomic_path(out / "band.json") as tmp:
        tmp.write_text(json.dumps(band.summary, indent=1) + "\n")
    shown = str(game_path)
    doc = build(game, band, f, figures, shown)
    with atomic_path(out / "debrief.md") as tmp:
        tmp.write_text(doc.markdown(), encoding="utf-8")
    title = f"Debrief: {game.scenario.scenario.title or game.scenario.name}"
    with atomic_path(out / "debrief.html") as tmp:
        tmp.write_text(doc.html(title), encoding="utf-8")
    return {name: out / name for name in FILES}
