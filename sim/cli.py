"""The command line: run, list and validate scenarios. `run_sim.py` only calls `main()`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from sim import __version__, scenario
from sim.errors import SimError

DEFAULT_SCENARIO = "inf_2018"
DEFAULT_RUNS = 200
DEFAULT_SEED = 1


class _Parser(argparse.ArgumentParser):
    """Argument errors as one line and exit status 2, like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {self.prog}: {message} (see --help)\n")
        raise SystemExit(2)


def _at_least(minimum: int, flag: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} = {text!r}: allowed: a whole number >= {minimum}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{flag} = {value}: allowed: a whole number >= {minimum}")
        return value
    parse.__name__ = flag
    return parse


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="run_sim.py", description="Simulate diplomatic escalation crises (default: run inf_2018).")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    run = sub.add_parser("run", help="run a scenario many times and write its results")
    run.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO,
                     help=f"a name in scenarios/ or a path to a TOML file (default {DEFAULT_SCENARIO})")
    run.add_argument("--runs", type=_at_least(1, "--runs"), default=DEFAULT_RUNS,
                     help=f"number of seeded runs (default {DEFAULT_RUNS})")
    run.add_argument("--turns", type=_at_least(1, "--turns"), default=None,
                     help="turns per run (default: the scenario's)")
    run.add_argument("--seed", type=_at_least(0, "--seed"), default=DEFAULT_SEED,
                     help=f"root seed; run r uses its r-th spawned stream (default {DEFAULT_SEED})")
    run.add_argument("--out", type=Path, default=None, help="output folder (default results/SCENARIO)")
    run.add_argument("--force", action="store_true", help="write into a non-empty folder not made by this program")
    run.add_argument("--no-plot", action="store_true", help="skip escalation.png")
    run.add_argument("--engine", choices=("ensemble", "mesa"), default="ensemble",
                     help="ensemble: replicas in lockstep (fast); mesa: one EscalationModel per run")
    run.add_argument("--jobs", type=_at_least(1, "--jobs"), default=1, help="worker processes (default 1)")
    run.add_argument("--batch-size", type=_at_least(1, "--batch-size"), default=500,
                     help="runs advanced together in one batch (default 500)")
    run.add_argument("--quiet", action="store_true", help="no progress bar and no summary")

    sub.add_parser("list", help="list the scenarios in scenarios/")
    val = sub.add_parser("validate", help="check a scenario file")
    val.add_argument("file", help="a name in scenarios/ or a path to a TOML file")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad input, 130 interrupted)."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.command is None:
        args = build_parser().parse_args(["run"])
    try:
        return {"run": cmd_run, "list": cmd_list, "validate": cmd_validate}[args.command](args)
    except SimError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: no complete output was written for this run\n")
        return 130


def cmd_list(args: argparse.Namespace) -> int:
    rows = []
    for name in scenario.available():
        try:
            s = scenario.load(name)
            rows.append((name, s.scenario.title, ", ".join(s.actor_ids), str(s.scenario.turns),
                         s.scenario.start_date.isoformat()))
        except SimError as exc:
            rows.append((name, f"INVALID: {exc}", "", "", ""))
    header = ("name", "title", "actors", "turns", "start")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    s = scenario.load(args.file)
    print(f"{scenario.resolve_path(args.file)}: valid scenario {s.name!r}: {len(s.actors)} actors "
          f"({', '.join(s.actor_ids)}), {s.scenario.turns} turns of {s.scenario.turn_days} days "
          f"from {s.scenario.start_date}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from sim.ensemble import iter_batches
    from sim.plots import plot_escalation
    from sim.results import ResultWriter, prepare_out_dir

    scn = scenario.load(args.scenario)
    if args.turns is not None:
        scn = scn.with_turns(args.turns)
    turns = scn.scenario.turns
    out = args.out if args.out is not None else Path("results") / scn.name
    prepare_out_dir(out, args.force)

    show = not args.quiet and sys.stderr.isatty()
    bar = None
    if show:
        from tqdm import tqdm
        bar = tqdm(total=args.runs, unit="run", desc=scn.name, file=sys.stderr)
    started = time.perf_counter()
    try:
        batches = iter_batches(scn, args.seed, args.runs, turns, engine=args.engine,
                               batch_size=args.batch_size, jobs=args.jobs,
                               progress=bar.update if bar else None)
        summary = ResultWriter(out, scn, args.seed, turns).write_all(batches)
    finally:
        if bar:
            bar.close()
    figure = None if args.no_plot else plot_escalation(out)
    elapsed = time.perf_counter() - started
    if not args.quiet:
        ended = summary["median_turn_treaty_ended"]
        when = f", median turn {ended:g} ({scn.date_of(int(ended))})" if ended is not None else ""
        print(f"{scn.name}: {args.runs} runs x {turns} turns, seed {args.seed}, {elapsed:.1f} s")
        print(f"  treaty ended in {summary['share_treaty_ended']:.1%} of runs{when}")
        print(f"  incident in {summary['share_incident']:.1%}; every party deployed in "
              f"{summary['share_all_parties_deployed']:.1%}")
        print(f"  median peak escalation {summary['median_peak_escalation']:.1f} / 100")
        print(f"  files: {out}{os.sep} (turns.csv, actions.csv, summary.json"
              f"{', ' + figure.name if figure else ''})")
    return 0
