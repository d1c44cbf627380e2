"""The command line: run, compare, plot, list and validate. `run_sim.py` only calls `main()`.

Importing this module (and so `--help`, `list`, `validate`, `rules`) loads neither pandas nor
matplotlib: the commands that read or write result tables and draw figures import them when they run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import __version__, analyze_cli, sweep_cli
from sim.arguments import shared
from sim.calibration import cli as calibration_cli
from sim.classroom import cli as classroom_cli
from sim.core import scenario
from sim.core.errors import SimError
from sim.core.options import DEFAULT_RUNS, DEFAULT_SCENARIO, DEFAULT_SEED, DEFAULT_TOURNAMENT_RUNS
from sim.core.safeio import os_error
from sim.core.textsafe import one_line, printable
from sim.engine import budget, interrupts
from sim.materials import cli as materials_cli
from sim.output.tables import text_table
from sim.terminal import OneLineParser, folder_arg, path_arg, prepare_model, short_words, use_file_backend

if TYPE_CHECKING:   # sim.api imports pandas: only the commands that write results load it
    from sim.api import RunOutput


#: the options of `run` and `compare` (sim.arguments); `run` takes --set too
RUN_OPTIONS = ("--turns", "--seed", "--posterior", "--runs", "--engine", "--jobs", "--dask", "--batch-size", "--out",
               "--force", "--no-plot", "--format", "--dpi", "--quiet")
RUN_SEED = f"root seed; run r uses its r-th spawned stream (default {DEFAULT_SEED})"


SCENARIO_ARG = "a scenario's name (see `list`; --scenarios DIR adds your own) or a path to a TOML file"

TOP_EPILOG = """\
examples:
  # the default scenario, inf_2018: 200 runs, results/inf_2018/ and its figures
  %(prog)s run
  # the scenarios there are, and what one command does, writes and takes
  %(prog)s list
  %(prog)s run --help
  # a class plays the United States, the model plays Russia and NATO
  %(prog)s play inf_2018 --as US
  # scenarios of your own, by name, from a folder of TOML files
  %(prog)s --scenarios my_crises list
"""

RUN_EPILOG = """\
examples:
  # inf_2018, 200 runs of seed 1: results/inf_2018/ and its figures
  %(prog)s
  # 1000 runs of seed 7 into results/inf7/, figures as SVG
  %(prog)s inf_2018 --runs 1000 --seed 7 --out results/inf7 --format svg
  # each run's parameters drawn from the calibrated posterior, beside the same seeds at the scenario's values
  %(prog)s inf_2018 --posterior docs/inf_2014_2019_posterior.json --runs 1000
  # a more decisive US and a higher hazard of incidents (values validated like the file)
  %(prog)s inf_2018 --set actors.US.rule.lambda=4 --set risk.h_max=0.02
"""

COMPARE_EPILOG = """\
examples:
  # inf_2018 against a Russia that does not answer a US notice, and a US without audience costs
  %(prog)s inf_2018 "inf_2018:actors.RU.rule.answer_notice=false" \\
      "inf_2018:actors.US.payoff.audience_cost=0" --runs 500 --out results/cmp
  # the same, each run's parameters drawn from the calibrated posterior (a variant's own values are kept)
  %(prog)s inf_2018 "inf_2018:actors.US.payoff.audience_cost=0" \
      --posterior docs/inf_2014_2019_posterior.json --runs 500 --out results/cmp_posterior
"""

PLOT_EPILOG = """\
examples:
  # the figures of `run inf_2018` again, as SVG, next to the PNG ones
  %(prog)s results/inf_2018 --format svg
"""

TOURNAMENT_EPILOG = """\
examples:
  # four doctrines for the US and for Russia: 16 pairings of 200 runs, results/tournament/
  %(prog)s inf_2018 --rules mirror,grim,hawk,dove --runs 200
  # the same, every other parameter drawn from the calibrated posterior
  %(prog)s inf_2018 --rules mirror,grim,hawk,dove --runs 200 --posterior docs/inf_2014_2019_posterior.json
"""

RULES_EPILOG = """\
examples:
  # every rule and preset
  %(prog)s
  # one rule: what it does, its classifier and parameters
  %(prog)s quantal
  # one preset: Russia's doctrine in inf_2018
  %(prog)s reciprocal_measures
"""

LIST_EPILOG = """\
examples:
  %(prog)s
"""

VALIDATE_EPILOG = """\
examples:
  # a shipped scenario by name, or any file by path
  %(prog)s inf_2018
  %(prog)s scenarios/dilemma_2p.toml
"""


def build_parser() -> argparse.ArgumentParser:
    # prog: argparse's default, the name the user typed (escalation-sim, or run_sim.py)
    p = OneLineParser(
        description="Simulate diplomatic escalation crises: a Mesa agent-based model of arms-control crises, "
                    "starting from the 2018-19 INF Treaty crisis. Every run is reproducible from its seed. "
                    "Commands that write do so into a folder under results/ (--out changes it) and "
                    "print where; `COMMAND --help` says what a command does, what it writes and its options.",
        epilog=TOP_EPILOG)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--scenarios", type=folder_arg("--scenarios"), action="append", default=[], metavar="DIR",
                   help="a folder of scenario files, searched by name before the shipped ones (repeatable; "
                        "default: only the shipped scenarios)")
    sub = p.add_subparsers(dest="command", title="commands", metavar="COMMAND", parser_class=OneLineParser)

    run = sub.add_parser(
        "run", help="run a scenario many times, write results and figures", epilog=RUN_EPILOG,
        parents=[shared("--set", *RUN_OPTIONS, seed=RUN_SEED)],
        description="Run a scenario many times, each run from its own seeded random stream, and write the "
                    "results into one folder (default results/SCENARIO/, the scenario's name): turns.csv (one "
                    "row per run and turn: the escalation index, its components, the treaty's status), "
                    "actions.csv (one row per run, turn and actor: the move, missiles, payoff), summary.json "
                    "(shares, median turns and quantiles over the runs), scenario.toml (the scenario as run, "
                    "--set applied: `run DIR/scenario.toml` reruns it) and the figures escalation, components, "
                    "moves, treaty and missiles (.png unless --format). Prints a summary.\n\n"
                    "With --posterior FILE each run's parameters are drawn from a calibrated posterior, and the "
                    "same seeds are also run at the scenario's values: summary.json records both "
                    "(parameter_uncertainty: the variance of each outcome between and within the posterior's "
                    "particles) and the escalation figure draws both bands.\n\n"
                    "The same seed gives byte-identical files, whatever --engine, --jobs and --batch-size. "
                    "A folder this program did not make is refused unless --force.")
    run.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO,
                     help=f"{SCENARIO_ARG} (default {DEFAULT_SCENARIO})")
    run.add_argument("--parquet", action="store_true",
                     help="also write turns.parquet and actions.parquet: the same rows typed, at full precision "
                          "(needs pyarrow: pip install 'escalation-sim[data]')")

    cmp = sub.add_parser(
        "compare", help="compare scenarios or variants on common seeds", epilog=COMPARE_EPILOG,
        parents=[shared(*RUN_OPTIONS, seed=RUN_SEED, out="output folder (default results/compare)")],
        description="Run two or more scenarios, or variants of one, on the same seeds (common random "
                    "numbers: differences are paired run by run) and compare their outcomes. Writes into one "
                    "folder (default results/compare/): compare.csv (treaty ended, incident, peak escalation, "
                    "turns to termination: each item's value, its difference from the first item's and a 95% "
                    "interval), compare.json (the command that makes it again; with --posterior the posterior "
                    "file and each item's variance between and within its particles), compare.png (the median "
                    "escalation curves; with --posterior beside those of the same seeds at the scenario's values; "
                    "format: --format) and one full result folder per item, as `run` writes. Prints the table.")
    cmp.add_argument("items", nargs="+", metavar="ITEM",
                     help="a scenario, or SCENARIO:KEY=VALUE,KEY=VALUE (a variant); the first is the baseline")

    plot = sub.add_parser(
        "plot", help="redraw the figures of a result folder", epilog=PLOT_EPILOG,
        parents=[shared("--format", "--dpi", "--force", force="draw into a result folder not made by this program")],
        description="Redraw every figure of a result folder written by `run` (escalation, components, moves, "
                    "treaty, missiles) from its summary.json and turns.csv, without rerunning, e.g. in another "
                    "format. The figures are written into the folder itself, replacing those of the same "
                    "format; prints their paths.")
    plot.add_argument("folder", type=path_arg("folder"), help="a result folder written by `run`, e.g. results/inf_2018")

    tour = sub.add_parser(
        "tournament", help="every pairing of rules for the adversary pair", epilog=TOURNAMENT_EPILOG,
        parents=[shared("--turns", "--seed", "--posterior", "--runs", "--jobs", "--dask", "--out", "--force",
                        "--format", "--dpi", "--quiet",
                        posterior="draw each run's parameters from a posterior file of `calibrate` (run r of every "
                                  "pairing takes the same particle, from its own stream), except the rules of the "
                                  "pair, which the pairing sets (default: the scenario's values)",
                        runs={"default": DEFAULT_TOURNAMENT_RUNS,
                              "help": f"runs per pairing (default {DEFAULT_TOURNAMENT_RUNS})"},
                        out="output folder (default results/tournament)", quiet="no progress bar and no table")],
        description="Play every pairing of the given rules for the scenario's adversary pair (in inf_2018 the "
                    "US against Russia; the other actors keep their scenario rules), each pairing for --runs "
                    "runs on the same seeds. Writes into one folder (default results/tournament/): "
                    "tournament.csv (per pairing: final escalation, treaty ended, incident, each side's payoff, "
                    "with 95% intervals), tournament.json (the command that makes them again, and the posterior "
                    "file if any) and one heatmap per outcome, tournament_OUTCOME.png (format: --format). "
                    "Prints the table.")
    tour.add_argument("scenario", help=SCENARIO_ARG)
    tour.add_argument("--rules", required=True,
                      help="comma-separated rules or presets (see `rules`), e.g. mirror,grim,hawk,dove (required)")

    analyze_cli.add_parser(sub, OneLineParser)
    sweep_cli.add_parser(sub, OneLineParser)
    calibration_cli.add_parser(sub, OneLineParser)
    from sim.play import cli as play_cli  # play, replay: the classroom game (sim/play/)

    play_cli.add_parsers(sub, OneLineParser)
    materials_cli.add_parser(sub, OneLineParser)
    classroom_cli.add_parser(sub)

    rules = sub.add_parser(
        "rules", help="list the decision rules and presets, or show one", epilog=RULES_EPILOG,
        description="List the decision rules an actor can follow (classifiers, parameters and their "
                    "defaults) and the presets (named doctrines: a rule with set parameters); "
                    "or show one rule or preset: what it does and its parameters. Prints only, writes nothing. "
                    "The formulas are in docs/rules.md.")
    rules.add_argument("name", nargs="?", help="a rule or preset name (default: list them all)")

    sub.add_parser(
        "list", help="list the scenarios in scenarios/", epilog=LIST_EPILOG,
        description="List the scenarios in scenarios/: name, title, actors, turns and start date; a file that "
                    "does not validate is listed as INVALID, with the reason. Prints only, writes nothing.")
    val = sub.add_parser(
        "validate", help="check a scenario file without running it", epilog=VALIDATE_EPILOG,
        description="Check a scenario file as a run would (types, ranges, unknown keys, references between "
                    "actors, dates) without running it: prints one line on what it holds, or one line naming "
                    "the key, the value and what is allowed (exit status 2). Writes nothing.")
    val.add_argument("file", help=SCENARIO_ARG)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad input or a fault, 128 + N on signal N)."""
    interrupts.install()
    try:
        return _main(argv)
    except KeyboardInterrupt as exc:   # Ctrl-C, SIGTERM or SIGHUP before a command started
        return interrupts.exit_status(exc)


def console(argv: list[str] | None = None) -> None:
    """The program's entry point (run_sim.py, escalation-sim): main, then exit with its status."""
    status = main(argv)
    interrupts.finished()
    sys.exit(status)


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.command is None:   # no command: say what there is rather than start a long run
        parser.print_help()
        return 0
    scenario.user_folders[:] = args.scenarios
    try:
        _check_extras(args)
    except SimError as exc:
        return fail(exc)
    commands = {"run": cmd_run, "compare": cmd_compare, "plot": cmd_plot, "list": cmd_list,
                "validate": cmd_validate, "analyze": analyze_cli.cmd_analyze, "sweep": sweep_cli.cmd_sweep,
                "calibrate": calibration_cli.cmd_calibrate,
                "rules": cmd_rules, "materials": materials_cli.cmd_materials,
                "tournament": cmd_tournament}
    from sim.play import cli as play_cli

    commands.update(play=play_cli.cmd_play, replay=play_cli.cmd_replay, classroom=classroom_cli.cmd_classroom)
    try:
        return commands[args.command](args)
    except BrokenPipeError:
        # the reader of our output went away (e.g. `| head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except SimError as exc:
        return fail(exc)
    except OSError as exc:       # unreadable, unwritable, read-only, disk full, name too long
        return fail(os_error(exc))
    except MemoryError:
        return fail(SimError(f"{args.command}: out of memory; allowed: fewer runs, turns or points"))
    except KeyboardInterrupt as exc:
        what = "interrupted" if type(exc) is KeyboardInterrupt else f"stopped by {exc}"
        _write_err(f"{what}: no complete output was written for this run")
        return interrupts.exit_status(exc)


#: what a command or option needs from an optional extra (pyproject.toml): the extra and the modules it installs
EXTRAS = {"classroom": ("classroom", ("starlette", "uvicorn", "segno")), "--dask": ("dask", ("dask", "distributed")),
          "--parquet": ("data", ("pyarrow",)), "calibrate": ("calibration", ("pyabc",))}


def _check_extras(args: argparse.Namespace) -> None:
    """SimError naming the extra to install, before anything is done, if the command needs one that is missing."""
    import importlib.util

    wanted = [args.command] + (["--dask"] if getattr(args, "dask", None) is not None else []) \
        + (["--parquet"] if getattr(args, "parquet", False) else [])
    for what in wanted:
        if what in EXTRAS:
            extra, modules = EXTRAS[what]
            missing = [m for m in modules if importlib.util.find_spec(m) is None]
            if missing:
                raise SimError(f"{what}: needs {', '.join(missing)} (the '{extra}' extra), not installed; allowed: "
                               f"pip install 'escalation-sim[{extra}]'")


def fail(exc: SimError) -> int:
    """Report bad input or a fault as one line on stderr; returns the exit status, 2."""
    _write_err(f"error: {exc}")
    return 2


def _write_err(line: str) -> None:
    try:
        sys.stderr.write(short_words(one_line(line)) + "\n")
        sys.stderr.flush()
    except OSError:   # no terminal left to say it on (SIGHUP)
        pass


def cmd_list(args: argparse.Namespace) -> int:
    rows = []
    for name in scenario.available():
        try:
            s = scenario.load(name)
            rows.append((name, one_line(s.scenario.title), ", ".join(s.actor_ids), str(s.scenario.turns),
                         s.scenario.start_date.isoformat()))
        except SimError as exc:
            rows.append((name, f"INVALID: {one_line(exc)}", "", "", ""))
    print(text_table(("name", "title", "actors", "turns", "start"), rows))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    s = scenario.load(args.file)
    print(printable(f"{scenario.resolve_path(args.file)}: valid scenario {s.name!r}: {len(s.actors)} actors "
          f"({', '.join(s.actor_ids)}), {s.scenario.turns} turns of {s.scenario.turn_days} days "
          f"from {s.scenario.start_date}"))
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from sim.rules import registry as reg

    flags = ("stochastic", "memory_depth", "learns", "uses_beliefs", "needs_human")
    if args.name is None:
        header = ("rule", *flags, "parameters (default)")
        rows = [(name, *(str(cls.classifier.get(f, "")) for f in flags),
                 ", ".join(f"{p}={d!r}" for p, d, _, _ in reg.parameters(name)) or "-")
                for name, cls in reg.RULES.items()]
        print(text_table(header, rows))
        print("\npresets (named doctrines: a rule and its parameters):")
        for name, spec in reg.PRESETS.items():
            shown = ", ".join(f"{k}={v!r}" for k, v in spec.items() if k != "name")
            print(f"  {name}: {spec['name']}({shown}) - {reg.PRESET_NOTES[name]}")
        print("\n`run_sim.py rules NAME` shows one rule; docs/rules.md has the formulas.")
        return 0
    name = args.name
    if name in reg.PRESETS:
        spec = reg.PRESETS[name]
        print(f"{name}: preset of rule {spec['name']} - {reg.PRESET_NOTES[name]}")
        print("  parameters: " + ", ".join(f"{k} = {v!r}" for k, v in spec.items() if k != "name"))
        print()
        name = spec["name"]
    if name not in reg.RULES:
        raise SimError(f"rules: {args.name!r}: unknown rule; allowed: {', '.join(reg.RULES)}, "
                       f"or a preset: {', '.join(reg.PRESETS)}")
    cls = reg.RULES[name]
    print(f"{name}\n\n{(cls.__doc__ or '').strip()}\n")
    print("classifier: " + ", ".join(f"{f} = {cls.classifier.get(f)}" for f in flags))
    params = reg.parameters(name)
    print("parameters:" + ("" if params else " none"))
    for p, default, allowed, description in params:
        print(f"  {p} = {default!r}  ({allowed}) {description}")
    return 0


def cmd_tournament(args: argparse.Namespace) -> int:
    from sim.analysis import tournament
    from sim.engine.ensemble import default_jobs
    from sim.output.result_files import writing

    rules = tournament.parse_rules(args.rules)
    scn = scenario.load(args.scenario)
    if args.turns is not None:
        scn = scn.with_turns(args.turns)
    out = args.out if args.out is not None else Path("results") / "tournament"
    pair = scn.adversary_pair()
    posterior = None
    if args.posterior is not None:
        from sim.calibration import draws

        posterior = draws.Posterior(args.posterior)    # fitted to each pairing by `tournament.play`
    jobs = args.jobs if args.jobs is not None else default_jobs()
    runs = args.runs * len(rules) ** 2
    budget.check_memory(f"--runs {args.runs} x {len(rules) ** 2} pairings", runs * 64)
    started = time.perf_counter()
    with writing(out, args.force, stale=tournament.is_output) as stage:
        with _progress(runs, f"{len(rules) ** 2} pairings", args.quiet) as progress:
            cells = tournament.play(scn, rules, args.runs, args.seed, jobs, progress, dask=args.dask,
                                    posterior=posterior)
        tournament.write_csv(stage / "tournament.csv", cells, pair)
        tournament.write_record(stage / "tournament.json", scn, rules, args.runs, args.seed, posterior)
        drawn = f", parameters drawn from {printable(args.posterior.name)}" if posterior is not None else ""
        heading = (f"{scn.scenario.title or scn.name} ({scn.name}): tournament, {pair[0]} against {pair[1]}\n"
                   f"{args.runs} runs per pairing, seed {args.seed}{drawn}")
        use_file_backend()
        from sim.output.plots import plot_tournament, save_figure

        for outcome, label in tournament.OUTCOMES.items():
            save_figure(plot_tournament(cells, pair, outcome, label, heading.replace("$", r"\$")), stage,
                        f"tournament_{outcome}", args.format, args.dpi)
    if not args.quiet:
        print(f"{heading.replace(chr(10), ', ')}; other actors keep their scenario rules; "
              f"{time.perf_counter() - started:.1f} s")
        print(tournament.format_table(cells, pair))
        print(f"files: {out}{os.sep} (tournament.csv, tournament.json, tournament_*.{args.format})")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from sim.output.result_files import check_complete, prepare_out_dir, writing

    folder = args.folder
    check_complete(folder)
    prepare_out_dir(folder, args.force)
    with writing(folder, args.force, stale=lambda name: False, seals=()) as stage:   # figures only
        for name in ("summary.json", "turns.csv"):   # what the figures are drawn from, linked, not copied
            os.link(folder / name, stage / name)
        use_file_backend()
        from sim.output.plots import plot_all

        try:
            paths = plot_all(stage, args.format, args.dpi)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise SimError(f"{folder}: summary.json or turns.csv is corrupted ({type(exc).__name__}: "
                           f"{str(exc)[:80]}); allowed: a folder written by `run_sim.py run` (rerun it)") from None
        for name in ("summary.json", "turns.csv"):
            (stage / name).unlink()
    for path in paths:
        print(folder / path.name)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from sim.output.result_files import prepare_out_dir, writing

    scn = scenario.load_as_given(args.scenario, args.set, args.turns)
    overrides = dict(scenario.parse_assignment(item) for item in args.set)
    posterior = _posterior(args, scn, overrides)
    out = args.out if args.out is not None else Path("results") / scn.name
    prepare_out_dir(out, args.force)      # before the kernels are compiled: a bad --out is one line at once
    _preflight(scn, args, out)
    started = time.perf_counter()
    with writing(out, args.force) as stage:
        summary = _execute(scn, stage, args, label=scn.name, overrides=overrides, posterior=posterior).summary
    if not args.quiet:
        turns = scn.scenario.turns
        ended = summary["median_turn_treaty_ended"]
        when = f", median turn {ended:g} ({scn.date_of(int(ended))})" if ended is not None else ""
        print(f"{scn.name}: {summary['runs']} runs x {turns} turns, seed {args.seed}, "
              f"{time.perf_counter() - started:.1f} s")
        print(f"  treaty ended in {summary['share_treaty_ended']:.1%} of runs{when}")
        print(f"  incident in {summary['share_incident']:.1%}; every party deployed in "
              f"{summary['share_all_parties_deployed']:.1%}")
        print(f"  median peak escalation {summary['median_peak_escalation']:.1f} / 100")
        uncertainty = summary.get("parameter_uncertainty")
        if uncertainty:
            fixed, split = uncertainty["at_scenario_values"], uncertainty["variance_split"]
            print(printable(f"  parameters drawn from {args.posterior} ({uncertainty['particles_drawn']} particles); "
                            f"at the scenario's values the treaty ended in {fixed['share_treaty_ended']:.1%}, "
                            f"incident in {fixed['share_incident']:.1%}"))
            print("  share of the variance between particles (at most: a particle of few runs adds its noise): "
                  + ", ".join(f"{key} {split[key]['share_between']:.0%}"
                              for key in ("treaty_ended", "incident", "peak_escalation")))
        print(f"  files: {out}{os.sep} (turns.csv, actions.csv, summary.json, scenario.toml"
              f"{'' if args.no_plot else ', figures .' + args.format})")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.analysis.compare import differences, format_table, parse_variant, write_record, write_table
    from sim.output.result_files import is_run_output, prepare_out_dir, writing

    variants = [parse_variant(item, args.turns) for item in args.items]
    if len(variants) < 2:
        raise SimError("compare: give at least two items; allowed: SCENARIO or SCENARIO:KEY=VALUE,...")
    slugs = [v.slug for v in variants]
    if len(set(slugs)) != len(slugs):
        raise SimError(f"compare: items repeat ({', '.join(args.items)}); allowed: distinct items")
    drawn = [_posterior(args, v.scenario, v.overrides) for v in variants]
    out = args.out if args.out is not None else Path("results") / "compare"
    for v in variants:
        prepare_out_dir(out / v.slug, args.force)
        _preflight(v.scenario, args, out, share=len(variants))
    outcomes, summaries = [], []
    with writing(out, args.force, stale=lambda name: is_run_output(name) or name.startswith("compare.")) as stage:
        for v, doc in zip(variants, drawn, strict=True):
            ran = _execute(v.scenario, stage / v.slug, args, label=v.label, overrides=v.overrides, posterior=doc)
            outcomes.append(ran.outcomes.per_run())
            summaries.append(ran.summary)
        rows = differences([v.label for v in variants], outcomes)
        write_table(stage / "compare.csv", variants[0].label, rows)
        write_record(stage / "compare.json", args.items, args.runs if args.runs is not None else DEFAULT_RUNS,
                     args.turns, args.seed, summaries)
        if not args.no_plot:
            use_file_backend()
            from sim.output.plots import plot_compare, save_figure

            save_figure(plot_compare([v.label for v in variants], summaries), stage, "compare", args.format,
                        args.dpi)
    if not args.quiet:
        print(printable(format_table(variants[0].label, rows)))
        if args.posterior is not None:
            print(printable(f"each run's parameters drawn from {args.posterior} (run r the same particle in every "
                            "item; an item's own values kept); compare.png shows them beside the same seeds at the "
                            "scenario's values"))
        print(f"files: {out}{os.sep} (compare.csv, compare.json{'' if args.no_plot else ', compare.' + args.format}, "
              f"one result folder per item)")
    return 0


def _preflight(scn: scenario.Scenario, args: argparse.Namespace, out: Path, share: int = 1) -> None:
    """Everything that can refuse a run, checked before its output folder is touched: a seat for a
    person, the memory and disk the run needs (with --posterior, a summary of the runs at the scenario's values
    too), and one replica played for one turn."""
    from sim.engine.ensemble import batch_tasks

    runs = args.runs if args.runs is not None else DEFAULT_RUNS
    batch_tasks(scn, args.seed, 1, scn.scenario.turns, engine=args.engine)
    budget.check_run(runs * share, scn.scenario.turns, len(scn.actors), out)
    if getattr(args, "posterior", None) is not None:
        budget.check_memory(f"--runs {runs * share} x {scn.scenario.turns} turns, twice (--posterior)",
                            2 * budget.summary_bytes(runs * share, scn.scenario.turns, len(scn.actors)))
    prepare_model(scn, quiet=args.quiet)


def _posterior(args: argparse.Namespace, scn: scenario.Scenario, fixed: dict[str, Any]) -> dict[str, Any] | None:
    """The --posterior file fitted to `scn` (`sim.calibration.draws.load`; the keys the command sets in `fixed`
    are not drawn), or None without --posterior."""
    if getattr(args, "posterior", None) is None:
        return None
    from sim.calibration import draws

    return draws.load(args.posterior, scn, fixed)


def _execute(scn: scenario.Scenario, out: Path, args: argparse.Namespace, label: str,
             overrides: dict[str, Any], posterior: dict[str, Any] | None = None) -> RunOutput:
    """Run `scn` as the options say through `sim.api.execute`, the path of `sim.run` too: its result folder
    `out` (locked by the caller) is written as the batches finish, none of which is kept, and the figures
    are drawn from what stays in memory. Adds the progress bar; returns what the run left in memory.

    With `posterior` (`_posterior`) the runs draw their parameters from it, and the same seeds are run at the
    scenario's values too (summarised only): summary.json records the posterior and both
    (`sim.calibration.spread.uncertainty`), and the escalation figure draws both bands."""
    from sim import api

    runs = args.runs if args.runs is not None else DEFAULT_RUNS
    options = {"engine": args.engine, "jobs": args.jobs, "batch_size": args.batch_size, "dask": args.dask}
    fixed = None
    if posterior is not None:
        with _progress(runs, f"{label} (scenario's values)", args.quiet) as progress:
            fixed = api.execute(scn, args.seed, runs, progress=progress, keep=False, **options)
    with _progress(runs, label, args.quiet) as progress:
        ran = api.execute(scn, args.seed, runs, progress=progress, out=out, keep=False, overrides=overrides,
                          parquet=getattr(args, "parquet", False), posterior=posterior, **options)
    if posterior is not None and fixed is not None:
        from sim.calibration import draws, spread

        ran.summary = draws.record(out / "summary.json", posterior,
                                   spread.uncertainty(posterior, args.seed, ran.outcomes.per_run(), fixed.summary))
    if not args.no_plot:
        use_file_backend()
        ran.draw(out, args.format, args.dpi)
    return ran


@contextmanager
def _progress(total: int, label: str, quiet: bool) -> Iterator[Callable[[int], object] | None]:
    """A progress bar on stderr, only on a terminal and without --quiet; yields its update function."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(total=total, unit="run", desc=label, file=sys.stderr)
    try:
        yield bar.update
    finally:
        bar.close()
