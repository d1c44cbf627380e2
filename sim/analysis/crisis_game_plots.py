"""Figures of the game analysis: the payoff matrices, the class along the median run, the class over a grid.

Same style as `sim/output/plots.py`: titles naming the scenario and the runs, dated axes, colorbars with
units. Each function returns its Figure (drawn on the given axes, if any); `sim.output.plots.save_figure`
writes it. Importing this module never changes matplotlib's backend.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from sim.analysis.crisis_game import Analysis, OverTime, Region
from sim.analysis.equilibria import CHICKEN, CLASSES, DEADLOCK, DEGENERATE, HARMONY, OTHER, PD, STAG
from sim.core.actions import COLOURS, MOVE_NAMES
from sim.core.codes import N_MOVES
from sim.core.scenario import Scenario
from sim.output.plots import HEATMAP, date_ticks, figure_of

#: Okabe and Ito's colour-blind-safe palette (2008): each class its own; a degenerate side is white, hatched.
CLASS_COLORS = {PD: "#D55E00", DEADLOCK: "#CC79A7", CHICKEN: "#E69F00", STAG: "#0072B2", HARMONY: "#009E73",
                OTHER: "#56B4E9", DEGENERATE: "#FFFFFF"}
DEGENERATE_HATCH = "xx"
PAYOFF_UNITS = "own payoff this turn + future value (utility units)"
ABBREVIATIONS = "PD Prisoner's Dilemma, SH Stag Hunt, CH Chicken, HA Harmony, DL Deadlock"


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
        image = ax.imshow(m, cmap=HEATMAP, aspect="equal")
        bar = fig.colorbar(image, ax=ax, shrink=0.8)
        bar.set_label(PAYOFF_UNITS, fontsize=8)
        lo, hi = float(m.min()), float(m.max())
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                shade = (m[i, j] - lo) / (hi - lo) if hi > lo else 0.5
                ink = "black" if shade > 0.5 else "white"      # cividis: dark blue to light yellow
                ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center", fontsize=9, color=ink)
                if (i, j) in letters[k]:
                    ax.text(j - 0.42, i + 0.4, letters[k][(i, j)], fontsize=8, fontweight="bold", color=ink,
                            ha="left", va="bottom")
        for i, j in analysis.pareto:
            ax.plot(j + 0.36, i - 0.34, marker="^", ms=6, color="white", mec="black", mew=0.8)
        for eq in analysis.equilibria.found:
            if eq.pure:
                i, j = eq.support_row[0], eq.support_col[0]
                for width, edge in ((5, "white"), (2.2, "black")):     # seen on dark and light cells alike
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=width, ec=edge))
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
    ax.fill_between(dates, v[0.05], v[0.95], color="tab:red", alpha=0.12, lw=0, step="post", label="90% of runs")
    ax.fill_between(dates, v[0.25], v[0.75], color="tab:red", alpha=0.25, lw=0, step="post", label="50% of runs")
    ax.step(dates, v[0.5], where="post", color="darkred", lw=1, ls="--", label="median of runs")   # turn by turn
    run_dates = [scn.date_of(turn) for turn, _ in over.trajectory]
    run_esc = [esc for _, esc in over.trajectory]
    if over.incident_turn is not None:
        ax.plot(run_dates[-1], run_esc[-1], marker="X", ms=9, color="black", ls="none",
                label=f"median run breaks down (turn {over.incident_turn})")
    ax.step(run_dates, run_esc, where="post", color="black", lw=2, label=f"median run (run {m.run})")
    ax.set_ylim(0, 100)
    ax.set_ylabel("escalation index\n(0 = calm, 100 = maximal)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", frameon=False, ncols=4, fontsize=8)

    # class band: the upper half the row side's class, the lower half the column side's
    band = axes[1]
    for t in over.turns:
        x0, x1 = mdates.date2num(scn.date_of(t.turn)), mdates.date2num(scn.date_of(t.turn + 1))
        for y0, side in ((0.5, t.reduced.cls.row), (0.0, t.reduced.cls.col)):
            band.add_patch(Rectangle((x0, y0), x1 - x0, 0.5, fc=CLASS_COLORS[side.name], lw=0, ec="0.45",
                                     hatch=DEGENERATE_HATCH if side.name == DEGENERATE else None))
    span = mdates.date2num(dates[-1]) - mdates.date2num(dates[0])
    for first, last in over.phases():
        x0 = mdates.date2num(scn.date_of(over.turns[first].turn))
        x1 = mdates.date2num(scn.date_of(over.turns[last].turn + 1))
        band.axvline(x0, color="black", lw=1)
        cls = over.turns[first].reduced.cls
        if x1 - x0 > 0.12 * span:
            for y, side in ((0.75, cls.row), (0.25, cls.col)):
                band.text((x0 + x1) / 2, y, side.name, ha="center", va="center", fontsize=7,
                          color="white" if side.name in (PD, STAG, HARMONY) else "black")
    band.axhline(0.5, color="white", lw=0.8)
    band.set_ylim(0, 1)
    band.set_yticks([0.75, 0.25], [s.row_id, s.col_id], fontsize=8)
    band.set_ylabel("class of\neach side", rotation=0, ha="right", va="center")
    present = [name for name in CLASSES if any(name in (t.reduced.cls.row.name, t.reduced.cls.col.name)
                                               for t in over.turns)]
    handles = [Patch(fc=CLASS_COLORS[name], ec="0.3", lw=0.5, hatch=DEGENERATE_HATCH if name == DEGENERATE else None,
                     label=name) for name in present]
    handles.append(Patch(fc="none", ec="none", label=f"upper half: {s.row_id}'s side\nlower half: {s.col_id}'s side\n"
                                                     "the game has a class where\nboth halves share one"))
    band.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.35), frameon=False, fontsize=7,
                title="class", title_fontsize=7)

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



# ---------------------------------------------------------------- over a grid of parameters

#: Panels of a grid over three or four parameters: at most this many values of the third (columns) and
#: the fourth (rows), evenly spaced.
FACET_COLUMNS, FACET_ROWS = 6, 4


def plot_region(region: Region) -> Figure:
    """region.png: the class of the game at the start over the grid, one heat map over the first two
    parameters (a panel per value of a third and a fourth). Each cell is coloured by each side's class:
    split into two triangles (upper-left the row side's, lower-right the column side's) where both sides'
    classes vary over the grid, else filled with the side whose class varies (the other's is named in the
    legend). Black lines separate the game's labels; the star is the scenario's own point."""
    scn, s, axes = region.scenario, region.sides, region.axes
    x, y = axes[0], axes[1]
    cols = _facet(axes[2]) if len(axes) > 2 else [None]
    rows = _facet(axes[3], FACET_ROWS) if len(axes) > 3 else [None]
    panel = (4.2, 3.6) if len(cols) > 1 or len(rows) > 1 else (8.6, 5.4)
    fig, grid = plt.subplots(len(rows), len(cols), figsize=(panel[0] * len(cols) + 0.8, panel[1] * len(rows) + 2.6),
                             dpi=120, layout="constrained", squeeze=False, sharex=True, sharey=True)
    labels = region.labels()
    sides = (region.side_classes(0), region.side_classes(1))
    constant = [len(set(side.ravel())) == 1 for side in sides]
    split = not any(constant)
    fill = 1 if constant[0] and not constant[1] else 0     # the side whose class fills the cells when not split
    xe, ye = _edges(x.values), _edges(y.values)
    for r, i4 in enumerate(rows):
        for c, i3 in enumerate(cols):
            ax = grid[r][c]
            index = tuple(i for i in (i3, i4) if i is not None)
            take: tuple[slice | int, ...] = (slice(None), slice(None), *index)
            if split:
                _cells(ax, xe, ye, sides[0][take], sides[1][take])
            else:
                _cells(ax, xe, ye, sides[fill][take])
            _label_edges(ax, xe, ye, labels[take])
            here = [f"{a.short} = {a.values[i]:g}" for a, i in zip(axes[2:], index, strict=False)]
            if here:
                ax.set_title(", ".join(here), fontsize=9)
            at_base = all(abs(a.values[i] - a.base) <= _half_step(a, i) for a, i in zip(axes[2:], index, strict=False))
            if region.inside() and at_base:
                ax.plot(x.base, y.base, marker="*", ms=16, color="white", mec="black", mew=1.2, zorder=5)
            ax.set_xlim(xe[0], xe[-1])
            ax.set_ylim(ye[0], ye[-1])
            if r == len(rows) - 1:
                ax.set_xlabel(x.key)
            if c == 0:
                ax.set_ylabel(y.key)
    who = (s.row_id, s.col_id)
    shown_sides = (0, 1) if split else (fill,)
    present = [name for name in CLASSES if any(name in set(sides[k].ravel()) for k in shown_sides)]
    handles: list[Artist] = [
        Patch(fc=CLASS_COLORS[name], ec="0.3", lw=0.5, hatch=DEGENERATE_HATCH if name == DEGENERATE else None,
              label=name + (" (a tie, or no\nescalatory move: no class)" if name == DEGENERATE else ""))
        for name in present]
    if split:
        note = f"upper-left triangle: {who[0]}'s side\nlower-right triangle: {who[1]}'s side"
    else:
        other = 1 - fill
        note = (f"colour: {who[fill]}'s side\n{who[other]}'s side: {sides[other].flat[0]}\nat every point")
    handles.append(Patch(fc="none", ec="none", label=note))
    handles.append(Line2D([], [], color="black", lw=1.2, label="boundary between\nthe game's classes"))
    handles.append(Line2D([], [], marker="*", ls="none", ms=12, color="white", mec="black",
                          label=f"{scn.name} as it is\n({', '.join(f'{a.base:g}' for a in axes)}):\n"
                                + "\n".join(textwrap.wrap(region.base_label, 24))
                                + ("" if region.inside() else "\n(outside the grid)")))
    shares = "\n".join(f"{share:>4.0%}  " + "\n       ".join(textwrap.wrap(label, 24))
                       for label, share in region.shares().items())
    handles.append(Patch(fc="none", ec="none", label=f"the game, share of the grid:\n{shares}\n"
                                                     + "\n".join(textwrap.wrap(ABBREVIATIONS, 30))))
    fig.legend(handles=handles, loc="outside right upper", frameon=False, fontsize=8, title="class",
               title_fontsize=9)
    shown = [f"{a.short} {a.lo:g} to {a.hi:g} ({len(a.values)} values)" for a in axes]
    facets = ""
    if any(len(f) < len(a.values) for f, a in zip((cols, rows), axes[2:], strict=False)):
        facets = "; panels: evenly spaced values of the third and fourth"
    width = int((fig.get_figwidth() - 2.6) * 14)    # characters beside the legend, at 9 points
    title = [f"{_head(scn)}: the class of the game at the start ({scn.date_of(0)}, the moves of turn 1)",
             f"over {' x '.join(shown)}: {region.size} points{facets}", region.headline()]
    fig.suptitle("\n".join(textwrap.fill(line, width) for line in title), fontsize=9, ha="left", x=0.02)
    return fig
def _facet(axis: Any, most: int = FACET_COLUMNS) -> list[int]:
    """Indices of at most `most` evenly spaced values of `axis` (every one if it has no more)."""
    n = len(axis.values)
    return list(range(n)) if n <= most else sorted({round(k) for k in np.linspace(0, n - 1, most)})


def _half_step(axis: Any, i: int) -> float:
    edges = _edges(axis.values)
    return (edges[i + 1] - edges[i]) / 2


def _cells(ax: Axes, xe: np.ndarray, ye: np.ndarray, first: np.ndarray, second: np.ndarray | None = None) -> None:
    """Each cell (ix, iy) in the colour of `first`'s class there; with `second`, as two triangles:
    upper-left `first`'s class, lower-right `second`'s. Degenerate is white, hatched."""
    polys: dict[bool, list] = {False: [], True: []}
    colors: dict[bool, list] = {False: [], True: []}
    for ix in range(len(xe) - 1):
        for iy in range(len(ye) - 1):
            x0, x1, y0, y1 = xe[ix], xe[ix + 1], ye[iy], ye[iy + 1]
            if second is None:
                shapes = [(first[ix, iy], [(x0, y0), (x0, y1), (x1, y1), (x1, y0)])]
            else:
                shapes = [(first[ix, iy], [(x0, y0), (x0, y1), (x1, y1)]),
                          (second[ix, iy], [(x0, y0), (x1, y0), (x1, y1)])]
            for name, shape in shapes:
                polys[name == DEGENERATE].append(shape)
                colors[name == DEGENERATE].append(CLASS_COLORS[name])
    for hatched in (False, True):
        if polys[hatched]:
            ax.add_collection(PolyCollection(
                polys[hatched], facecolors=colors[hatched], edgecolors="0.45" if hatched else "face",
                linewidths=0 if hatched else 0.3, hatch=DEGENERATE_HATCH if hatched else None))


def _label_edges(ax: Axes, xe: np.ndarray, ye: np.ndarray, labels: np.ndarray) -> None:
    """Black lines on the cell edges between two different game labels."""
    segments = []
    nx, ny = labels.shape
    for ix in range(nx):
        for iy in range(ny):
            if ix + 1 < nx and labels[ix, iy] != labels[ix + 1, iy]:
                segments.append([(xe[ix + 1], ye[iy]), (xe[ix + 1], ye[iy + 1])])
            if iy + 1 < ny and labels[ix, iy] != labels[ix, iy + 1]:
                segments.append([(xe[ix], ye[iy + 1]), (xe[ix + 1], ye[iy + 1])])
    if segments:
        from matplotlib.collections import LineCollection

        ax.add_collection(LineCollection(segments, colors="black", linewidths=1.2, zorder=4))


def _edges(values: np.ndarray) -> np.ndarray:
    """Cell edges around grid values (midpoints, extended half a step at both ends)."""
    v = np.asarray(values, dtype=float)
    if len(v) == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])

