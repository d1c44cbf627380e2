"""Figures of the game analysis: the payoff matrices, the class along the median run, the class map.

Same style as `sim/output/plots.py`: titles naming the scenario and the runs, dated axes, colorbars with
units. Each function returns its Figure (drawn on the given axes, if any); `sim.output.plots.save_figure`
writes it. Importing this module never changes matplotlib's backend.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import matplotlib as mpl
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from sim.analysis.crisis_game import Analysis, GameMap, OverTime
from sim.analysis.equilibria import CHICKEN, CLASSES, DEADLOCK, DEGENERATE, HARMONY, OTHER, PD, STAG, GameClass
from sim.core.actions import COLOURS, MOVE_NAMES
from sim.core.codes import N_MOVES
from sim.core.scenario import Scenario
from sim.output.plots import date_ticks, figure_of

CLASS_COLORS = {PD: "#d73027", DEADLOCK: "#67001f", CHICKEN: "#fdae61", STAG: "#4575b4", HARMONY: "#1a9850",
                OTHER: "#bdbdbd", DEGENERATE: "#ffffff"}
PAYOFF_UNITS = "own payoff this turn + future value (utility units)"
ABBREVIATIONS = "PD Prisoner's Dilemma, SH Stag Hunt, CH Chicken, HA Harmony, DL Deadlock"


class Palette:
    """Colours of class labels: a named class has its own; "other" mixes the two sides' colours.

    Games whose sides differ are drawn hatched, so a mixed colour is never mistaken for a class.
    """

    def __init__(self, classes: list[GameClass], row: str, col: str):
        self.colors: dict[str, str] = {}
        self.hatched: set[str] = set()
        used: set[str] = set()
        for cls in classes:
            label = cls.label(row, col)
            if label in self.colors:
                continue
            if cls.name != OTHER:
                color = CLASS_COLORS[cls.name]
            else:
                self.hatched.add(label)
                color = CLASS_COLORS[OTHER]
                if not cls.borderline:
                    pair = [np.array(to_rgb(CLASS_COLORS[side.name])) for side in (cls.row, cls.col)]
                    color = to_hex(tuple((pair[0] + pair[1]) / 2))
                while color in used:  # two "other" games with the same pair of colours: shade the second
                    color = to_hex(tuple(np.array(to_rgb(color)) * 0.8 + 0.2))
            used.add(color)
            self.colors[label] = color

    def patch(self, label: str, text: str | None = None) -> Patch:
        return Patch(fc=self.colors[label], ec="0.3" if label in self.hatched else "none", lw=0.5,
                     hatch="///" if label in self.hatched else None, label=text or label)


def _figure(axes: Sequence[Axes] | None, count: int, make: Callable[[], tuple[Figure, Any]]) -> tuple[Figure, list]:
    """The given axes (`count` of them) and their figure, or a new figure from `make`."""
    if axes is None:
        fig, made = make()
        return fig, list(np.atleast_1d(made))
    axes = list(np.atleast_1d(np.asarray(axes, dtype=object)))
    if len(axes) != count:
        raise ValueError(f"{len(axes)} axes given; allowed: {count}")
    return figure_of(axes[0]), axes


def _head(scenario: Scenario) -> str:
    title = scenario.scenario.title
    return f"{title} ({scenario.name})" if title else scenario.name


# ---------------------------------------------------------------- the game at one point


def plot_game(analysis: Analysis, axes: Sequence[Axes] | None = None) -> Figure:
    """game.png: both leaders' payoffs over their legal moves as heatmaps, equilibria, Pareto-optimal and
    T/R/P/S cells marked."""
    g = analysis.game
    s, scn, pt = g.sides, g.scenario, g.point
    red = analysis.reduced
    fig, axes = _figure(axes, 2, lambda: plt.subplots(1, 2, figsize=(13, 6.4), dpi=120, layout="constrained"))
    rr, cr = g.row_moves.index(red.restrain[0]), g.col_moves.index(red.restrain[1])
    re, ce = g.row_moves.index(red.escalate[0]), g.col_moves.index(red.escalate[1])
    letters = ({(re, cr): "T", (rr, cr): "R", (re, ce): "P", (rr, ce): "S"},     # row leader's cells
               {(rr, ce): "T", (rr, cr): "R", (re, ce): "P", (re, cr): "S"})     # column leader's cells
    for k, (ax, m, who) in enumerate(zip(axes, (g.row, g.col), (s.row_id, s.col_id), strict=True)):
        image = ax.imshow(m, cmap="RdYlGn", aspect="equal")
        bar = fig.colorbar(image, ax=ax, shrink=0.8)
        bar.set_label(PAYOFF_UNITS, fontsize=8)
        lo, hi = float(m.min()), float(m.max())
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                shade = (m[i, j] - lo) / (hi - lo) if hi > lo else 0.5
                ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center", fontsize=9,
                        color="black" if 0.2 < shade < 0.8 else "white")
                if (i, j) in letters[k]:
                    ax.text(j - 0.42, i + 0.4, letters[k][(i, j)], fontsize=8, fontweight="bold", color="0.1",
                            ha="left", va="bottom")
        for i, j in analysis.pareto:
            ax.plot(j + 0.36, i - 0.34, marker="^", ms=6, color="white", mec="black", mew=0.8)
        for eq in analysis.equilibria.found:
            if eq.pure:
                i, j = eq.support_row[0], eq.support_col[0]
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=3, ec="black"))
                ax.plot(j, i - 0.3, marker="*", ms=13, color="gold", mec="black", mew=0.8)
            else:
                for i in eq.support_row:
                    for j in eq.support_col:
                        size = 6 + 20 * np.sqrt(eq.row[i] * eq.col[j])
                        ax.plot(j, i + 0.28, marker="o", ms=size / 2, mfc="none", mec="black", mew=1.2)
        ax.set_xticks(range(m.shape[1]), g.names("col"), rotation=20)
        ax.set_yticks(range(m.shape[0]), g.names("row"))
        ax.set_xlabel(f"{s.col_id}'s legal move")
        ax.set_ylabel(f"{s.row_id}'s legal move")
        ax.set_title(f"{who}'s own payoff", fontsize=10)
    cls = analysis.cls
    when = ("the scenario's start" if pt.turn == 0 else f"turn {pt.turn} of {pt.source}")
    n_eq = len(analysis.equilibria.found)
    held = ", ".join(f"{k} {v}" for k, v in g.held().items())
    held_note = f" ({held}: its rule's move)" if held else ""
    fig.suptitle(
        f"{_head(scn)}: the one-turn game at {when}, {pt.date} (moves of turn {g.deciding_turn})\n"
        f"{s.row_id} against {s.col_id}, each with its own payoff{held_note}; "
        f"{n_eq} Nash equilibri{'um' if n_eq == 1 else 'a'}\n"
        f"reduced game ({red.words(s)}): {cls.label(s.row_id, s.col_id)}"
        f"{' (degenerate game)' if analysis.equilibria.degenerate else ''}", fontsize=10)
    handles = [
        Line2D([], [], marker="*", ls="none", ms=13, color="gold", mec="black", label="pure Nash equilibrium (boxed)"),
        Line2D([], [], marker="o", ls="none", ms=9, mfc="none", mec="black",
               label="mixed Nash equilibrium: its support cells (size: probability)"),
        Line2D([], [], marker="^", ls="none", ms=6, color="white", mec="black", label="Pareto-optimal cell"),
        Patch(fc="white", ec="none", label="T R P S: the cells of the reduced game (restrain, escalate)"),
    ]
    if all(eq.pure for eq in analysis.equilibria.found):
        handles.pop(1)
    fig.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False, fontsize=8)
    return fig


# ---------------------------------------------------------------- along the median run


def plot_over_time(over: OverTime, axes: Sequence[Axes] | None = None) -> Figure:
    """game_over_time.png: escalation above, the game's class and equilibrium moves as bands below."""
    scn, s, m = over.scenario, over.sides, over.median
    summary = m.summary
    q = summary["escalation_quantiles"]
    dates = [date.fromisoformat(d) for d in q["dates"]]
    v = {qq: np.array(row) for qq, row in zip(q["quantiles"], q["values"], strict=True)}
    fig, axes = _figure(axes, 4, lambda: plt.subplots(4, 1, figsize=(10, 8.2), dpi=120, sharex=True,
                                                      layout="constrained",
                                                      gridspec_kw={"height_ratios": [3.2, 0.7, 1.3, 1.3]}))
    ax = axes[0]
    ax.fill_between(dates, v[0.05], v[0.95], color="tab:red", alpha=0.12, lw=0, label="90% of runs")
    ax.fill_between(dates, v[0.25], v[0.75], color="tab:red", alpha=0.25, lw=0, label="50% of runs")
    ax.plot(dates, v[0.5], color="darkred", lw=1, ls="--", label="median of runs")
    run_dates = [scn.date_of(turn) for turn, _ in over.trajectory]
    run_esc = [esc for _, esc in over.trajectory]
    if over.incident_turn is not None:
        ax.plot(run_dates[-1], run_esc[-1], marker="X", ms=9, color="black", ls="none",
                label=f"median run breaks down (turn {over.incident_turn})")
    ax.plot(run_dates, run_esc, color="black", lw=2, label=f"median run (run {m.run})")
    ax.set_ylim(0, 100)
    ax.set_ylabel("escalation index\n(0 = calm, 100 = maximal)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", frameon=False, ncols=4, fontsize=8)

    # class band
    band = axes[1]
    labels = [over.label(t) for t in over.turns]
    palette = Palette([t.reduced.cls for t in over.turns], s.row_id, s.col_id)
    for t, lab in zip(over.turns, labels, strict=True):
        x0, x1 = mdates.date2num(scn.date_of(t.turn)), mdates.date2num(scn.date_of(t.turn + 1))
        band.add_patch(Rectangle((x0, 0), x1 - x0, 1, fc=palette.colors[lab], lw=0,
                                 hatch="///" if lab in palette.hatched else None, ec="0.3"))
    span = mdates.date2num(dates[-1]) - mdates.date2num(dates[0])
    for first, last in over.phases():
        x0 = mdates.date2num(scn.date_of(over.turns[first].turn))
        x1 = mdates.date2num(scn.date_of(over.turns[last].turn + 1))
        band.axvline(x0, color="white", lw=1)
        lab = labels[first]
        if x1 - x0 > 0.12 * span and lab not in palette.hatched:
            band.text((x0 + x1) / 2, 0.5, lab, ha="center", va="center", fontsize=8,
                      color="black" if lab == CHICKEN else "white")
    band.set_ylim(0, 1)
    band.set_yticks([])
    band.set_ylabel("game\nclass", rotation=0, ha="right", va="center")
    present = sorted(palette.colors, key=lambda x: (CLASSES.index(x) if x in CLASSES else 9, x))
    handles = [palette.patch(lab) for lab in present]
    if palette.hatched:
        handles.append(Patch(fc="none", ec="none", label="hatched: the sides' classes differ\n"
                                                         + "\n".join(textwrap.wrap(ABBREVIATIONS, 34))))
    band.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.35), frameon=False, fontsize=7,
                title="class of the game", title_fontsize=7)

    # equilibrium supports, with the moves actually played
    for ax, player, leader in ((axes[2], "row", s.row_id), (axes[3], "col", s.col_id)):
        for t in over.turns:
            x0, x1 = mdates.date2num(scn.date_of(t.turn)), mdates.date2num(scn.date_of(t.turn + 1))
            probs = t.equilibria.support(player)
            for a in range(N_MOVES):
                if probs[a] > 0:
                    ax.add_patch(Rectangle((x0, a - 0.45), x1 - x0, 0.9, color=COLOURS[MOVE_NAMES[a]],
                                           alpha=0.35 + 0.65 * probs[a], lw=0))
            ax.plot((x0 + x1) / 2, t.played[0 if player == "row" else 1], marker="o", ms=3, color="black")
        ax.set_ylim(-0.6, N_MOVES - 0.4)
        ax.set_yticks(range(N_MOVES), MOVE_NAMES, fontsize=7)
        ax.invert_yaxis()
        ax.set_ylabel(f"{leader}:\nequilibrium\nmoves", rotation=0, ha="right", va="center", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    axes[3].legend(handles=[
        Patch(color="0.5", alpha=0.5, label="in an equilibrium's support (darker: higher probability)"),
        Line2D([], [], marker="o", ls="none", ms=3, color="black", label="move played in the median run")],
        loc="upper left", bbox_to_anchor=(0, -0.55), ncols=2, frameon=False, fontsize=8)
    date_ticks(axes[-1])
    axes[-1].set_xlim(dates[0], dates[-1])
    axes[-1].set_xlabel(f"date (from {dates[0]}, one turn = {scn.scenario.turn_days} days); "
                        "the game at a date is the one played on the next turn")
    fig.suptitle(f"{_head(scn)}: what game {s.row_id} and {s.col_id} play, turn by turn\n"
                 f"the median run (run {m.run}) of {m.runs} runs, seed {m.seed}\nreduced game: restrain = dialogue; "
                 f"escalate = each leader's arming move where legal, else its most escalatory legal move", fontsize=10)
    return fig



# ---------------------------------------------------------------- over two parameters


def plot_map(gmap: GameMap, ax: Axes | None = None) -> Figure:
    """game_map.png: the class of the game at the start over two parameters, the scenario's point marked."""
    scn, s, x, y = gmap.scenario, gmap.sides, gmap.x, gmap.y
    labels = gmap.labels()
    shares = gmap.shares()
    present = list(shares)
    palette = Palette([cls for row in gmap.classes for cls in row], s.row_id, s.col_id)
    code = {lab: k for k, lab in enumerate(present)}
    grid = np.array([[code[lab] for lab in row] for row in labels])
    cmap = mpl.colors.ListedColormap([palette.colors[lab] for lab in present])
    if ax is None:
        fig, ax = plt.subplots(figsize=(10.5, 6.4), dpi=120, layout="constrained")
    else:
        fig = figure_of(ax)
    xe, ye = _edges(x.values), _edges(y.values)
    ax.pcolormesh(xe, ye, grid, cmap=cmap, vmin=-0.5, vmax=len(present) - 0.5, shading="flat")
    hatched = np.isin(grid, [code[lab] for lab in palette.hatched])
    cells = [Rectangle((xe[ix], ye[iy]), xe[ix + 1] - xe[ix], ye[iy + 1] - ye[iy])
             for iy, ix in zip(*np.nonzero(hatched), strict=True)]
    ax.add_collection(PatchCollection(cells, facecolor="none", edgecolor="0.3", hatch="///", lw=0))
    # where a side's comparison of T, R, P, S changes sign: the boundaries between classes
    comparisons = (("T = R", 0, 1), ("P = S", 2, 3), ("R = P", 1, 2))
    drawn = []
    for side, (who, ls) in enumerate(((s.row_id, "-"), (s.col_id, "--"))):
        for text, i, j in comparisons:
            diff = gmap.reduced[:, :, side, i] - gmap.reduced[:, :, side, j]
            if diff.min() < 0 < diff.max():
                cs = ax.contour(x.values, y.values, diff, levels=[0], colors="black", linewidths=1, linestyles=ls)
                ax.clabel(cs, fmt={0: f"{who}: {text}"}, fontsize=7)
                if who not in drawn:
                    drawn.append(who)
    handles: list[Artist] = [palette.patch(lab, f"{lab} ({shares[lab]:.0%} of the grid)") for lab in present]
    inside = x.lo <= x.base <= x.hi and y.lo <= y.base <= y.hi
    if inside:
        ax.plot(x.base, y.base, marker="*", ms=16, color="white", mec="black", mew=1.2)
    handles.append(Line2D([], [], marker="*", ls="none", ms=12, color="white", mec="black",
                          label=f"{scn.name} as it is ({x.base:g}, {y.base:g}):\n"
                                f"{gmap.base.label(s.row_id, s.col_id)}{'' if inside else ' (outside the map)'}"))
    handles += [Line2D([], [], color="black", ls="-" if who == s.row_id else "--",
                       label=f"{who}: a comparison of its T, R, P, S flips") for who in drawn]
    if palette.hatched:
        handles.append(Patch(fc="none", ec="none", label="hatched: the sides' classes differ\n"
                                                         + "\n".join(textwrap.wrap(ABBREVIATIONS, 36))))
    fig.legend(handles=handles, loc="outside right upper", frameon=False, fontsize=8, title="class of the game",
               title_fontsize=9)
    ax.set_xlabel(x.key)
    ax.set_ylabel(y.key)
    ax.set_title(f"{_head(scn)}\nclass of the game at the start ({scn.date_of(0)}) over two parameters, "
                 f"{len(x.values)} x {len(y.values)} grid\n{s.row_id} against {s.col_id}, each with its own payoff; "
                 f"restrain = dialogue, escalate: {s.row_id} {MOVE_NAMES[gmap.escalate[0]]}, "
                 f"{s.col_id} {MOVE_NAMES[gmap.escalate[1]]}", fontsize=10)
    return fig


def _edges(values: np.ndarray) -> np.ndarray:
    """Cell edges around grid values (midpoints, extended half a step at both ends)."""
    v = np.asarray(values, dtype=float)
    if len(v) == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])

