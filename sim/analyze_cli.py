"""`run_sim.py analyze`: what game the actors are in, at a point (with where its class holds over a grid of
parameters, at the start), or along the median run.

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
    from sim.analysis.crisis_game import Analysis, Axis, Dominance, OverTime, Region, StageGame
    from sim.analysis.stage_game import Reduced

MAX_GRID = 10**6      # points per axis: the memory the grid needs is checked too, and refuses far fewer
POINT_BYTES = 2048   # what one point of a grid keeps: its reduced game and class


def _grid_item(text: str) -> int | str:
    """--grid: N (a whole number, at least 2: points per axis) or a parameter KEY=LO:HI[:N], checked later
    against the scenario (`sim.analysis.crisis_game.parse_grid`)."""
    if text.strip().lstrip("+-").isdigit():
        return whole_number(2, "--grid", MAX_GRID)(text)
    return text


_grid_item.__name__ = "--grid"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--date = {text!r}: allowed: a date YYYY-MM-DD") from None


_date.__name__ = "--date"


EPILOG = """\
examples:
  # the game at the scenario's start: payoffs, equilibria, dominance, class, and where the class holds
  # over the default grid (the first actor's audience cost 0-6 and discount 0.8-0.99)
  %(prog)s inf_2018
  # the class at the start over a grid you choose: 8 x 7 points
  %(prog)s inf_2018 --grid actors.US.payoff.discount=0.8:0.99:8 --grid actors.US.payoff.audience_cost=0:6:7
  # the game in the median run's state on a date
  %(prog)s inf_2018 --date 2020-01-20
  # its class and equilibria turn by turn along the median run of 200 runs
  %(prog)s inf_2018 --over-time --runs 200
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
            out="output folder (default results/SCENARIO_analysis)", no_plot="skip the figures",
            quiet="print only the output files")],
        description="The one-turn game between the scenario's adversary pair over their legal moves, each "
                    "with its own payoff plus the look-ahead's future value (allies and everyone else play "
                    "their rule's move): its Nash equilibria, dominance, Pareto-optimal cells, and its class "
                    "when reduced to restrain (dialogue) against arm (each leader's most escalatory legal "
                    "arming move). At the start it also says where the class holds over a grid of parameters "
                    "(--grid), and whether it is robust there. See docs/analysis.md.\n\n"
                    "Writes into one folder (default results/SCENARIO_analysis/): analysis.json and game.png "
                    "(the game at one point: the start, --turn or --date), with region.json, region.csv and "
                    "region.png at the start (the class over the grid); or over_time.json, over_time.csv and "
                    "game_over_time.png (--over-time). Prints a report and the files.")
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
                       help="two parameters of the grid at the start, x then y: the same as --grid KEY1=LO:HI "
                            "--grid KEY2=LO:HI (default: the default grid, see --grid)")
    p.add_argument("--grid", type=_grid_item, action="append", default=[], metavar="KEY=LO:HI[:N]",
                   help="a parameter of the grid over which the class at the start is found, with N points "
                        "from LO to HI, e.g. actors.US.payoff.discount=0.8:0.99:20 (repeatable: two to four "
                        "parameters); N alone sets the points of every parameter without its own (default: "
                        "as many as keep the grid within 5,000 points, at most 41 per parameter; default grid: "
                        "the first actor's payoff.audience_cost=0:6:13 and payoff.discount=0.8:0.99:20)")
    return p


def cmd_analyze(args: argparse.Namespace) -> int:
    """Analyze the game as the options say; returns the exit status (errors raise SimError)."""
    from sim.analysis import crisis_game as analysis
    from sim.output.result_files import prepare_out_dir, writing

    scn = scenario.load_as_given(args.scenario, args.set, args.turns)
    turns = scn.scenario.turns
    points = [g for g in args.grid if isinstance(g, int)]
    specs = [*(args.map or []), *(g for g in args.grid if isinstance(g, str))]
    at_start = not (args.over_time or args.date is not None or args.turn)
    if args.grid and not at_start:
        raise SimError("--grid: the class over parameters is found at the scenario's start (a run's state at a "
                       "turn depends on the parameters through the run); allowed: without --turn, --date and "
                       "--over-time")
    if len(points) > 1:
        raise SimError(f"--grid {points[0]} --grid {points[1]}: points per axis given twice; allowed: one --grid N")
    axes = None
    if at_start:
        option = "--map" if args.map and len(specs) == 2 else "--grid"
        if not specs:
            specs = [spec.rsplit(":", 1)[0] if points else spec for spec in analysis.grid_specs(scn)]
        what = f"--grid {points[0]}" if points else "--grid"

        def check(sizes: list[int]) -> None:
            budget.check_memory(f"{what} ({' x '.join(map(str, sizes))} points)",
                                float(np.prod(sizes, dtype=float)) * POINT_BYTES)

        axes = analysis.parse_grid(scn, specs, points[0] if points else None, option, check)
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
    if axes is not None:
        result.region = analysis.region(scn, axes)
    contents: dict[str, object] = {"analysis.json": result.as_dict()}
    if result.region is not None:
        contents.update({"region.json": result.region.as_dict(), "region.csv": _region_csv(result.region)})
    files = _write(out, contents)
    if not args.no_plot:
        use_file_backend()
        from sim.analysis.crisis_game_plots import plot_game, plot_region
        from sim.output.plots import save_figure

        files.append(save_figure(plot_game(result), out, "game"))
        if result.region is not None:
            files.append(save_figure(plot_region(result.region), out, "region"))
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
    for play in g.play or ():
        lines.append(f"  {play.note()}")
    if r.region is not None:
        lines += ["", *format_region(r.region)]
    elif pt.turn > 0:
        lines.append("  (Where the class holds over parameters is found at the start only: run without --turn and "
                     "--date, with --grid. Along the run: --over-time.)")
    return "\n".join(lines)


def _runs(turns: list[int]) -> str:
    """'1, 3-7, 9': turns as runs of consecutive numbers."""
    parts: list[list[int]] = []
    for t in turns:
        if parts and t == parts[-1][1] + 1:
            parts[-1][1] = t
        else:
            parts.append([t, t])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in parts)


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
    holds, n = over.start_holds(), len(over.turns)
    if n:
        lines.append(f"The start's class, {over.label(over.turns[0])}, holds on {len(holds)} of {n} turns"
                     f"{'' if len(holds) == n else ' (turn' + ('s ' if len(holds) > 1 else ' ') + _runs(holds) + ')'}.")
    c = over.counts()
    lines.append(f"Degenerate: the reduction (no class) on {c['degenerate_class']} of {n} turns, the equilibria on "
                 f"{c['degenerate_equilibria']}. On {c['ties_off_path_only']} other turns a player has tied best "
                 "replies, but only against moves no equilibrium plays: they change no equilibrium (over_time.json "
                 "lists them).")
    for play in over.play:
        lines.append(play.note("at the start"))
    lines.append(f"escalate: {s.row_id}'s move / {s.col_id}'s move in the reduction.")
    lines.append(f"Moves played in an equilibrium's support: {s.row_id} on {over.in_support('row'):.0%} of turns, "
                 f"{s.col_id} on {over.in_support('col'):.0%}.")
    return "\n".join(lines)


def format_region(rg: Region) -> list[str]:
    """The lines on where the class holds over the grid: the verdict, each label's share and region, each
    side's shares, and for two parameters a map of symbols."""
    s = rg.sides
    grid = " x ".join(f"{a.short} {a.lo:g} to {a.hi:g} ({len(a.values)})" for a in rg.axes)
    lines = [f"Where the class holds: the reduced game at the start over {grid}, {rg.size} points; the "
             f"scenario's own point ({', '.join(f'{a.base:g}' for a in rg.axes)}) is {rg.base_label}.",
             f"  {rg.verdict()}"]
    shares = rg.shares()
    symbols = _symbols(list(shares))
    for label, share in shares.items():
        lines.append(f"  {symbols[label]}  {label:<40}{share:>7.1%}  {rg.where(label)}")
    for k, who in enumerate((s.row_id, s.col_id)):
        parts = ", ".join(f"{name} {_pct(v)}" for name, v in rg.side_shares(k).items())
        lines.append(f"  {who}'s side: {parts}")
    if rg.degenerate_share:
        lines.append("  Degenerate (no class: a tie, or a side with no escalatory move) on "
                     f"{_pct(rg.degenerate_share)} of the grid.")
    if len(rg.axes) == 2 and len(rg.axes[0].values) <= 60:
        x, y = rg.axes
        labels = rg.labels()            # [x][y]
        lines.append(f"Map (rows: {y.short} from {y.hi:g} down to {y.lo:g}; columns: {x.short} from {x.lo:g} "
                     f"to {x.hi:g}):")
        for iy in reversed(range(len(y.values))):
            lines.append("  " + "".join(symbols[labels[ix, iy]] for ix in range(len(x.values))))
    return lines


def _pct(share: float) -> str:
    return f"{share:.0%}" if share in (0.0, 1.0) or 0.005 <= share < 0.995 else f"{share:.1%}"


def _symbols(labels: list[str]) -> dict[str, str]:
    from sim.analysis import equilibria

    fixed = {equilibria.PD: "P", equilibria.STAG: "S", equilibria.CHICKEN: "C", equilibria.HARMONY: "H",
             equilibria.DEADLOCK: "D", equilibria.OTHER: "o", equilibria.DEGENERATE: "."}
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
    head += ["equilibria", "degenerate", "ties_off_path", f"{s.row_id}_played", f"{s.col_id}_played"]
    rows: list[list] = [head]
    for t in over.turns:
        row = [t.turn, t.date.isoformat(), t.turn + 1, f"{t.escalation:.4f}", t.treaty, t.reduced.cls.name,
               over.label(t)]
        for r in (t.reduced.row, t.reduced.col):
            row += [f"{v:.6f}" for v in (r.T, r.R, r.P, r.S)]
        row += [t.equilibria.summary(), int(t.equilibria.degenerate), len(t.equilibria.ties_off_path),
                MOVE_NAMES[t.played[0]],
                MOVE_NAMES[t.played[1]]]
        rows.append(row)
    return _csv(rows)


def _region_csv(rg: Region) -> str:
    """One row per grid point: the values of the parameters, the game's class and label, each side's class,
    and both sides' T, R, P, S."""
    s = rg.sides
    head = [a.key for a in rg.axes] + ["class", "label", f"{s.row_id}_class", f"{s.col_id}_class"]
    for who in (s.row_id, s.col_id):
        head += [f"{who}_{v}" for v in "TRPS"]
    rows: list[list] = [head]
    labels = rg.labels()
    for idx, cls in np.ndenumerate(rg.classes):
        rows.append([*(f"{a.values[i]:g}" for a, i in zip(rg.axes, idx, strict=True)), cls.name, labels[idx],
                     cls.row.name, cls.col.name, *(f"{v:.6f}" for v in rg.reduced[idx].ravel())])
    return _csv(rows)
