"""`run_sim.py analyze`: what game the actors are in, at a point, along the median run, or over a map.

`add_parser` and `cmd_analyze` are what `sim/cli.py` wires in; the work is done by `sim.analysis.crisis_game`
and the figures by `sim.analysis.crisis_game_plots`, both loaded only when the command runs.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.arguments import shared
from sim.core import scenario
from sim.core.actions import MOVE_NAMES
from sim.core.errors import SimError
from sim.core.options import DEFAULT_RUNS, DEFAULT_SCENARIO, DEFAULT_SEED, MAX_TURNS
from sim.engine import budget
from sim.terminal import use_file_backend, whole_number

if TYPE_CHECKING:  # sim.analysis.crisis_game imports nashpy (half a second): only `analyze` loads it
    from sim.analysis.crisis_game import Analysis, Axis, Dominance, GameMap, OverTime, StageGame
    from sim.analysis.stage_game import Reduced

DEFAULT_GRID = 41
MAX_GRID = 10**6      # points per axis: the memory the grid needs is checked too, and refuses far fewer
POINT_BYTES = 2048   # what one point of a map keeps: its stage game, reduced game and class


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--date = {text!r}: allowed: a date YYYY-MM-DD") from None


_date.__name__ = "--date"


EPILOG = """\
examples:
  # the game at the scenario's start: payoffs, equilibria, dominance, class
  %(prog)s inf_2018
  # the game in the median run's state on a date
  %(prog)s inf_2018 --date 2020-01-20
  # its class and equilibria turn by turn along the median run of 200 runs
  %(prog)s inf_2018 --over-time --runs 200
  # its class at the start over two war costs, a 21 x 21 map
  %(prog)s inf_2018 --map actors.US.payoff.war_cost=0:12000 actors.RU.payoff.war_cost=0:2000 --grid 21
"""


def add_parser(subparsers: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]
               ) -> argparse.ArgumentParser:
    """Register `analyze` on the command line's subparsers.

    `parser_class` is the class those subparsers build (`sim.terminal.OneLineParser`: one-line errors,
    exit 2); it is named here so that the parser `analyze` gets is checked to be one.
    """
    p = subparsers.add_parser(
        "analyze", help="the one-turn game: equilibria, class, over time, map", epilog=EPILOG,
        parents=[shared(
            "--set", "--turns", "--seed", "--runs", "--jobs", "--out", "--force", "--no-plot", "--quiet",
            set="change a scenario value first, e.g. actors.US.payoff.war_cost=100 (repeatable; default: none, "
                "the file's values)",
            runs=f"runs of the ensemble that picks the median run, for --turn, --date and --over-time (default "
                 f"{DEFAULT_RUNS})",
            seed=f"root seed of the ensemble (default {DEFAULT_SEED})",
            out="output folder (default results/SCENARIO_analysis)", no_plot="skip the figure",
            quiet="print only the output files")],
        description="The one-turn game between the scenario's adversary pair over their legal moves, each "
                    "with its own payoff plus the look-ahead's future value (allies and everyone else play "
                    "their rule's move): its Nash equilibria, dominance, Pareto-optimal cells, and its class "
                    "when reduced to restrain (dialogue) against arm (each leader's most escalatory legal "
                    "arming move). See docs/analysis.md.\n\n"
                    "Writes into one folder (default results/SCENARIO_analysis/): analysis.json and game.png "
                    "(the game at one point: the start, --turn or --date), or over_time.json, over_time.csv "
                    "and game_over_time.png (--over-time), or map.json, map.csv and game_map.png (--map). "
                    "Prints a report and the files.")
    if not isinstance(p, parser_class):
        raise TypeError(f"analyze: subparsers build {type(p).__name__}, not {parser_class.__name__}")
    p.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO,
                   help=f"a name in scenarios/ (see `list`) or a path to a TOML file (default {DEFAULT_SCENARIO})")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--date", type=_date, default=None, metavar="YYYY-MM-DD",
                       help="the game on this date: the state the median run is in (last turn on or before it; "
                            "default: the start)")
    where.add_argument("--turn", type=whole_number(0, "--turn", MAX_TURNS), default=None, metavar="T",
                       help="the game after this many turns of the median run (default 0: the start)")
    where.add_argument("--over-time", action="store_true",
                       help="the game's class and equilibria on every turn of the median run")
    where.add_argument("--map", nargs=2, metavar=("KEY1=LO:HI", "KEY2=LO:HI"), default=None,
                       help="the game's class at the start over two scenario parameters, x then y (default: no map, "
                            "the game at one point)")
    p.add_argument("--grid", type=whole_number(2, "--grid", MAX_GRID), default=None, metavar="N",
                   help=f"points per axis of --map (default {DEFAULT_GRID})")
    return p


def cmd_analyze(args: argparse.Namespace) -> int:
    """Analyze the game as the options say; returns the exit status (errors raise SimError)."""
    from sim.analysis import crisis_game as analysis
    from sim.output.result_files import prepare_out_dir, writing

    scn = scenario.load_as_given(args.scenario, args.set, args.turns)
    turns = scn.scenario.turns
    if args.grid is not None and args.map is None:
        raise SimError("--grid: only with --map; allowed: --map KEY1=LO:HI KEY2=LO:HI --grid N")
    axes = None
    if args.map is not None:
        grid = args.grid if args.grid is not None else DEFAULT_GRID
        budget.check_memory(f"--grid {grid} ({grid} x {grid} points)", grid * grid * POINT_BYTES)
        axes = [analysis.parse_axis(scn, text, grid) for text in args.map]
        if axes[0].key == axes[1].key:
            raise SimError(f"--map: {axes[0].key} twice; allowed: two different keys")
    turn = None
    if args.date is not None:
        turn = analysis.turn_of_date(scn, args.date, turns)
    elif args.turn is not None:
        analysis.check_turn(scn, args.turn, turns)
        turn = args.turn
    out = args.out if args.out is not None else Path("results") / f"{scn.name}_analysis"
    prepare_out_dir(out, args.force)
    runs = args.runs if args.runs is not None else DEFAULT_RUNS
    if args.over_time or turn:
        budget.check_run(runs, turns, len(scn.actors), None)
    with writing(out, args.force, stale=lambda name: False) as stage:
        files, report = _analyze(args, scn, stage, axes, turn, runs, turns)
    if not args.quiet:
        print(report)
    print(f"files: {', '.join(str(out / f.name) for f in files)}")
    return 0


def _analyze(args: argparse.Namespace, scn: scenario.Scenario, out: Path, axes: list[Axis] | None,
             turn: int | None, runs: int, turns: int) -> tuple[list[Path], str]:
    """Compute what the options ask for and write it into `out`; returns the files and the report."""
    from sim.analysis import crisis_game as analysis

    jobs = args.jobs if args.jobs is not None else _default_jobs()
    if axes is not None:
        gmap = analysis.game_map(scn, axes[0], axes[1])
        files = _write(out, {"map.json": gmap.as_dict(), "map.csv": _map_csv(gmap)})
        if not args.no_plot:
            use_file_backend()
            from sim.analysis.crisis_game_plots import plot_map
            from sim.output.plots import save_figure

            files.append(save_figure(plot_map(gmap), out, "game_map"))
        return files, format_map(gmap)
    if args.over_time:
        along = analysis.median_run(scn, args.seed, runs, turns, jobs)
        over = analysis.over_time(scn, along)
        files = _write(out, {"over_time.json": over.as_dict(), "over_time.csv": _over_time_csv(over)})
        if not args.no_plot:
            use_file_backend()
            from sim.analysis.crisis_game_plots import plot_over_time
            from sim.output.plots import save_figure

            files.append(save_figure(plot_over_time(over), out, "game_over_time"))
        return files, format_over_time(over)
    median = analysis.median_run(scn, args.seed, runs, turns, jobs) if turn else None
    point = analysis.point_at(scn, turn or 0, median)
    result = analysis.analyze(analysis.stage_game(scn, point))
    files = _write(out, {"analysis.json": result.as_dict()})
    if not args.no_plot:
        use_file_backend()
        from sim.analysis.crisis_game_plots import plot_game
        from sim.output.plots import save_figure

        files.append(save_figure(plot_game(result), out, "game"))
    return files, format_analysis(result)


def _default_jobs() -> int:
    from sim.engine.ensemble import default_jobs
    return default_jobs()


def _write(out: Path, contents: dict[str, object]) -> list[Path]:
    """Text and JSON files into `out` (a private folder: see `sim.output.result_files.writing`)."""
    paths = []
    for name, content in contents.items():
        path = out / name
        text = content if isinstance(content, str) else json.dumps(content, indent=2) + "\n"
        path.write_text(text)
        paths.append(path)
    return paths


# ---------------------------------------------------------------- printed reports


def _table(m: np.ndarray, row_name: str, marks: dict[tuple[int, int], str], rows: list[str],
           cols: list[str]) -> list[str]:
    width = max(len(n) for n in MOVE_NAMES) + 2
    head = f"{row_name:>{width}} " + "".join(f"{n:>{width + 1}}" for n in cols)
    lines = [head]
    for i, name in enumerate(rows):
        cells = "".join(f"{m[i, j]:>{width - 1}.3f}{marks.get((i, j), ''):<2}" for j in range(m.shape[1]))
        lines.append(f"{name:>{width}} {cells}")
    return lines


def _cell(g: StageGame, i: int, j: int) -> str:
    """'(withdrawal, dialogue)': the moves of cell (i, j) of stage game g."""
    a, b = g.cell(i, j)
    return f"({MOVE_NAMES[a]}, {MOVE_NAMES[b]})"


def format_analysis(r: Analysis) -> str:
    from sim.analysis import crisis_game as analysis
    from sim.analysis import equilibria

    g, s = r.game, r.game.sides
    scn, pt = g.scenario, g.point
    row, col = s.row_id, s.col_id
    when = "the scenario's start" if pt.turn == 0 else f"turn {pt.turn} of {pt.source}"
    lines = [f"{scn.name} ({scn.scenario.title})" if scn.scenario.title else scn.name,
             (f"The one-turn game at {when}, {pt.date}: the moves of turn {g.deciding_turn} "
             f"({scn.date_of(g.deciding_turn)}); escalation {float(pt.state.escalation[0]):.1f} / 100, "
             f"treaty {analysis.TREATY_NAMES[int(pt.state.treaty[0])]}"),
             (f"Players: {analysis.default_sides_note(s, g.held())}. A cell is the player's own payoff this "
              "turn plus future value (sim.kernel.lookahead), in utility units, over its legal moves."), ""]
    marks: dict[tuple[int, int], str] = {cell: "+" for cell in r.pareto}
    for e in r.equilibria.found:
        if e.pure:
            cell = (e.support_row[0], e.support_col[0])
            marks[cell] = "*" + marks.get(cell, "")
    for title, m in ((f"Payoff of {row}", g.row), (f"Payoff of {col}", g.col)):
        lines.append(f"{title} (rows: {s.row_id}'s legal moves, columns: {s.col_id}'s)")
        lines += _table(m, s.row_id + " \\ " + s.col_id, marks, g.names("row"), g.names("col"))
        lines.append("")
    lines.append("  * pure Nash equilibrium   + Pareto-optimal cell")
    lines.append("")
    eq = r.equilibria
    check = "vertex enumeration agrees" if eq.agree else "vertex enumeration disagrees: see the notes"
    lines.append(f"Nash equilibria ({len(eq.found)}, by support enumeration; {check}):")
    for k, e in enumerate(eq.found, 1):
        kind = "pure" if e.pure else "mixed"
        lines.append(f"  {k}. {kind}: {s.row_id} {e.strategy('row')}; {s.col_id} {e.strategy('col')}; "
                     f"expected payoffs {row} {e.payoff_row:.3f}, {col} {e.payoff_col:.3f}")
        if e.pure:
            i, j = e.support_row[0], e.support_col[0]
            if (i, j) not in r.pareto:
                better = [c for c in r.pareto if g.row[c] >= g.row[i, j] and g.col[c] >= g.col[i, j]]
                lines.append(f"     Pareto-dominated, e.g. by {', '.join(_cell(g, *c) for c in better[:3])}")
    for note in (*eq.notes, *r.notes):
        if note != "vertex enumeration finds the same equilibria":
            lines.append(f"  note: {note}")
    lines.append("Dominance (against the other's pure moves):")
    for who, d in ((s.row_id, r.dominance[0]), (s.col_id, r.dominance[1])):
        lines.append(f"  {who}: {_dominance_line(d)}")
    lines.append(f"Pareto-optimal cells ({s.row_id} move, {s.col_id} move): "
                 f"{', '.join(_cell(g, *c) for c in r.pareto)}")
    lines.append("")
    red = r.reduced
    lines.append(f"Reduced game: {red.words(s)} "
                 "(T: escalate alone, R: both restrain, P: both escalate, S: restrain alone)")
    lines.append(f"  {'player':<12}{'T':>9}{'R':>9}{'P':>9}{'S':>9}   class")
    for name, rr, c in ((row, red.row, red.cls.row), (col, red.col, red.cls.col)):
        lines.append(f"  {name:<12}{rr.T:>9.3f}{rr.R:>9.3f}{rr.P:>9.3f}{rr.S:>9.3f}   {c.describe()}")
    order = f" ({equilibria.ORDERS[red.cls.name]}, both players)" if red.cls.name in equilibria.ORDERS else ""
    lines.append(f"  Game: {red.cls.label(s.row_id, s.col_id)}{order}.")
    lines.append(f"  {red.cls.meaning(s.row_id, s.col_id)}")
    alt = r.alternative
    same = "the same class" if alt.cls.label(s.row_id, s.col_id) == red.cls.label(s.row_id, s.col_id) \
        else "a different class"
    lines.append(f"  With restrain = hold instead: {alt.cls.label(s.row_id, s.col_id)} ({same}; "
                 f"{s.row_id} T R P S = {_trps(alt.row)}, {s.col_id} = {_trps(alt.col)}).")
    return "\n".join(lines)


def _trps(r: Reduced) -> str:
    return " ".join(f"{v:.2f}" for v in (r.T, r.R, r.P, r.S))


def _dominance_line(d: Dominance) -> str:
    parts = []
    if d.strictly_dominant is not None:
        parts.append(f"{d.name(d.strictly_dominant)} strictly dominates every other move")
    elif d.weakly_dominant:
        moves = ", ".join(d.name(m) for m in d.weakly_dominant)
        parts.append(f"weakly dominant (a best reply to every move): {moves}")
    else:
        parts.append("no dominant move")
    if d.strictly_dominated:
        parts.append("strictly dominated: " + ", ".join(
            f"{d.name(m)} (by {'/'.join(d.name(b) for b in by)})" for m, by in d.strictly_dominated.items()))
    if d.weakly_dominated:
        parts.append("weakly dominated: " + ", ".join(
            f"{d.name(m)} (by {'/'.join(d.name(b) for b in by)})" for m, by in d.weakly_dominated.items()))
    parts.append(f"left after iterated elimination: {', '.join(d.name(m) for m in d.surviving)}")
    return "; ".join(parts)


def format_over_time(over: OverTime) -> str:
    from sim.analysis import crisis_game as analysis

    scn, s, m = over.scenario, over.sides, over.median
    lines = [f"{scn.name}: the game turn by turn along the median run, run {m.run} of {m.runs} runs (seed {m.seed})",
             (f"Players: {analysis.default_sides_note(s)}; restrain = dialogue, escalate = each leader's "
              "most escalatory legal arming move (else its most escalatory legal move) on that turn. "
              "A row covers the turns whose game has the same class; escalation is read before each turn."),
             f"  {'turns':<8}{'from':<12}{'to':<12}{'escalation':<12}{'escalate':<24}{'class':<34}equilibria"]
    for first, last in over.phases():
        t0, t1 = over.turns[first], over.turns[last]
        esc = [t.escalation for t in over.turns[first:last + 1]]
        eqs = list(dict.fromkeys(t.equilibria.summary() for t in over.turns[first:last + 1]))
        shown = "; ".join(eqs[:2]) + (f"; +{len(eqs) - 2} other sets" if len(eqs) > 2 else "")
        lines.append(f"  {t0.turn + 1:>3}-{t1.turn + 1:<4}{scn.date_of(t0.turn)!s:<12}"
                     f"{scn.date_of(t1.turn + 1)!s:<12}{min(esc):>4.0f}-{max(esc):<7.0f}"
                     f"{' / '.join(MOVE_NAMES[m] for m in t0.reduced.escalate):<24}{over.label(t0):<34}{shown}")
    changes = [(over.turns[a], over.turns[a - 1]) for a, _ in over.phases()[1:]]
    if changes:
        lines.append("Class changes (date of the state, the turn whose game changes):")
        lines += [f"  {t.date} (turn {t.turn + 1}): {over.label(p)} -> {over.label(t)}" for t, p in changes]
    else:
        lines.append("The class does not change along the run.")
    if over.incident_turn is not None:
        lines.append(f"The median run breaks down in an incident on turn {over.incident_turn} "
                     f"({scn.date_of(over.incident_turn)}).")
    degenerate = sum(t.equilibria.degenerate for t in over.turns)
    if degenerate:
        lines.append(f"Degenerate games on {degenerate} of {len(over.turns)} turns (see over_time.json).")
    lines.append(f"escalate: {s.row_id}'s move / {s.col_id}'s move in the reduction.")
    lines.append(f"Moves played in an equilibrium's support: {s.row_id} on {over.in_support('row'):.0%} of turns, "
                 f"{s.col_id} on {over.in_support('col'):.0%}.")
    return "\n".join(lines)


def format_map(gm: GameMap) -> str:
    from sim.analysis import crisis_game as analysis

    s, x, y = gm.sides, gm.x, gm.y
    lines = [(f"{gm.scenario.name}: class of the game at the start over {x.key} ({x.lo:g} to {x.hi:g}) and "
             f"{y.key} ({y.lo:g} to {y.hi:g}), {len(x.values)} x {len(y.values)} grid"),
             (f"Players: {analysis.default_sides_note(s)}; restrain = dialogue, escalate at the scenario's "
              f"point: {s.row_id} {MOVE_NAMES[gm.escalate[0]]}, {s.col_id} {MOVE_NAMES[gm.escalate[1]]} "
              "(each grid point takes its own legal arming move)."),
             f"The scenario's own point ({x.base:g}, {y.base:g}): {gm.base.label(s.row_id, s.col_id)}."]
    shares = gm.shares()
    symbols = _symbols(list(shares))
    for label, share in shares.items():
        lines.append(f"  {symbols[label]}  {label:<40}{share:>7.1%} of the grid")
    labels = gm.labels()
    lines.append(f"Map (rows: {y.key} from {y.hi:g} down to {y.lo:g}; columns: {x.key} from {x.lo:g} to {x.hi:g}):")
    for row in reversed(labels):
        lines.append("  " + "".join(symbols[label] for label in row))
    return "\n".join(lines)


def _symbols(labels: list[str]) -> dict[str, str]:
    from sim.analysis import equilibria

    fixed = {equilibria.PD: "P", equilibria.STAG: "S", equilibria.CHICKEN: "C", equilibria.HARMONY: "H",
             equilibria.DEADLOCK: "D", equilibria.OTHER: "o"}
    out, spare = {}, iter("123456789abcdefghijklmnopqrstuvwxyz")
    for label in labels:
        out[label] = fixed.get(label) or next(spare)
    return out


# ---------------------------------------------------------------- CSV tables


def _csv(rows: list[list]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _over_time_csv(over: OverTime) -> str:
    """One row per game along the median run: turn is the state's, game_turn the turn it is played on."""
    s = over.sides
    head = ["turn", "date", "game_turn", "escalation", "treaty", "class", "label"]
    for who in (s.row_id, s.col_id):
        head += [f"{who}_{v}" for v in "TRPS"]
    head += ["equilibria", "degenerate", f"{s.row_id}_played", f"{s.col_id}_played"]
    rows: list[list] = [head]
    for t in over.turns:
        row = [t.turn, t.date.isoformat(), t.turn + 1, f"{t.escalation:.4f}", t.treaty, t.reduced.cls.name,
               over.label(t)]
        for r in (t.reduced.row, t.reduced.col):
            row += [f"{v:.6f}" for v in (r.T, r.R, r.P, r.S)]
        row += [t.equilibria.summary(), int(t.equilibria.degenerate), MOVE_NAMES[t.played[0]],
                MOVE_NAMES[t.played[1]]]
        rows.append(row)
    return _csv(rows)


def _map_csv(gm: GameMap) -> str:
    """One row per grid point: the two values, the class, and both sides' T, R, P, S."""
    s = gm.sides
    head = [gm.x.key, gm.y.key, "class", "label"]
    for who in (s.row_id, s.col_id):
        head += [f"{who}_{v}" for v in "TRPS"]
    rows: list[list] = [head]
    labels = gm.labels()
    for iy, vy in enumerate(gm.y.values):
        for ix, vx in enumerate(gm.x.values):
            rows.append([f"{vx:g}", f"{vy:g}", gm.classes[iy][ix].name, labels[iy][ix],
                         *(f"{v:.6f}" for v in gm.reduced[iy, ix].ravel())])
    return _csv(rows)
