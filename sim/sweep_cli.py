"""The `sweep` command: sensitivity analysis of a scenario's values (sampling and indices: `sim.analysis.sweep`)."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from sim import __version__
from sim.analysis.sweep import METHODS
from sim.arguments import shared
from sim.core import scenario
from sim.core.errors import SimError
from sim.core.options import DEFAULT_SEED
from sim.core.safeio import atomic_path, json_type, read_sealed_lines, sealed_line
from sim.core.textsafe import one_line
from sim.engine import interrupts
from sim.output import provenance
from sim.terminal import decimal_number, path_arg, use_file_backend, whole_number

DEFAULT_SWEEP_RUNS = 200
DEFAULT_TRAJECTORIES = 20
DEFAULT_SAMPLES = 64
DEFAULT_LEVELS = 5
MAX_TRAJECTORIES = 10_000
MAX_SAMPLES = 2**20        # Sobol' base samples: a power of 2
MAX_LEVELS = 1000          # grid points per value (the grid's size is checked too: sweep.MAX_GRID_POINTS)
JOURNAL = ".sweep-journal.jsonl"   # finished points of a sweep under way: what --resume continues from
JOURNAL_FORMAT = "escalation-sim sweep journal"    # its first line; every line sealed (sim.core.safeio.sealed_line)
JOURNAL_VERSION = 3                # 3: each run's outcomes, in lines of at most RUN_NUMBERS numbers
RUN_NUMBERS = 20_000               # numbers per journal line: well within safeio.MAX_LINE
MAX_REPORTED = 10                  # lines of a journal not trusted that are said one by one
OUTPUTS = ("samples.csv", "runs.csv", "noise.csv", "indices.csv", "convergence.csv", "sweep.json", "morris.png",
           "sobol.png", "sobol_convergence.png", "outcomes.png")

EPILOG = """\
examples:
  # Morris screening of three assumptions, 20 trajectories, 200 runs per point
  %(prog)s inf_2018 --method morris --param risk.h_max=0.001:0.02 \\
      --param actors.US.rule.lambda=0.5:8 --param actors.US.payoff.audience_cost=0:3 --out results/morris
  # every value the scenario file calls "assumed", within +-50%% of it
  %(prog)s inf_2018 --method morris --assumed 0.5 --runs 200
  # Sobol' indices of two values (64 base samples), on a local Dask cluster of 2 workers
  %(prog)s inf_2018 --method sobol --samples 64 --param risk.h_max=0.001:0.02 \\
      --param actors.US.payoff.audience_cost=0:3 --dask local --jobs 2
  # the parameters of a calibration's posterior, each over its 90%% interval (lambda log-uniform)
  %(prog)s inf_2018 --method sobol --samples 1024 --posterior docs/inf_2014_2019_posterior.json --runs 10
  # continue a sweep that was interrupted
  %(prog)s inf_2018 --method morris --assumed 0.5 --resume
"""


def add_parser(subparsers: Any, parser_class: type[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register `sweep` on the command line's subparsers."""
    p = subparsers.add_parser(
        "sweep", help="sensitivity: which values drive the outcomes (Morris, Sobol')",
        epilog=EPILOG,
        parents=[shared(
            "--set", "--turns", "--posterior", "--seed", "--runs", "--jobs", "--dask", "--out", "--force",
            "--format", "--dpi", "--no-plot", "--quiet",
            set="change a scenario value at every point (repeatable; default: none)",
            posterior="add each parameter of a posterior file of `calibrate` that the scenario has, as a value to "
                      "vary over its 90%% posterior interval (log-uniform where its prior is log10-uniform), setting "
                      "all its keys together; the keys the scenario lacks are skipped and said (default: none)",
            seed=f"root seed of the runs and the sampling (default {DEFAULT_SEED})",
            runs={"default": DEFAULT_SWEEP_RUNS, "help": f"seeded runs per point (default {DEFAULT_SWEEP_RUNS})"},
            jobs="worker processes, or Dask workers with --dask local (default: every core)",
            dask="run the points on a Dask cluster: tcp://HOST:8786, or local for a LocalCluster of --jobs workers "
                 "(default: a local process pool); the same files either way",
            out="output folder (default results/SCENARIO_sweep)",
            force="write into a non-empty folder not made by this program, or start again over an interrupted "
                  "sweep's journal",
            quiet="no progress bar and no table")],
        description="Vary scenario values over sample points (SALib's Morris trajectories or Sobol' sequence, or a "
                    "full grid), run every point --runs times on the same seeds (common random numbers), and "
                    "estimate with SALib which values drive each outcome (treaty ended, incident, peak and final "
                    "escalation, each actor's first order and payoff). Writes into --out (default "
                    "results/SCENARIO_sweep/): samples.csv (one row per point: its values and outcomes), runs.csv "
                    "(one row per run of every point), noise.csv (how much of the spread of the points is noise "
                    "from their runs), "
                    "indices.csv (Morris mu*, sigma; Sobol' S1, ST, S2; with 95% intervals), sweep.json (the "
                    "sweep's definition) and figures. An interrupted sweep continues with --resume and ends with "
                    "the same files.")
    p.add_argument("scenario", help="a scenario's name (see `list`) or a path to a TOML file")
    p.add_argument("--method", choices=METHODS, default="morris",
                   help="morris: screening (elementary effects); sobol: variance shares; grid: full factorial; "
                        "latin: a Latin hypercube of --samples points; montecarlo: --samples random points "
                        "(default morris)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=LO:HI",
                   help="a scenario value and its range, uniform, e.g. risk.h_max=0.001:0.02 (repeatable; default: "
                        "none)")
    p.add_argument("--params", type=path_arg("--params"), default=None, metavar="FILE.toml",
                   help="[[param]] tables: key, low, high, dist (unif, logunif, norm, triang, lognorm), mode (default: "
                        "none)")
    p.add_argument("--assumed", type=decimal_number("--assumed", 0, 1), nargs="?", const=0.5, default=None,
                   metavar="SPREAD",
                   help="add every number the scenario file calls \"assumed\", from (1 - SPREAD) to (1 + SPREAD) "
                        "times its value (SPREAD default 0.5 when given; default: not added)")
    p.add_argument("--trajectories", type=whole_number(2, "--trajectories", MAX_TRAJECTORIES),
                   default=DEFAULT_TRAJECTORIES, metavar="R",
                   help=f"Morris trajectories (default {DEFAULT_TRAJECTORIES})")
    p.add_argument("--samples", type=whole_number(2, "--samples", MAX_SAMPLES), default=DEFAULT_SAMPLES, metavar="N",
                   help=f"Sobol' base samples, a power of 2 (N x (2K + 2) points, N x (K + 2) with --first-order), or "
                        f"the points of latin and montecarlo (default {DEFAULT_SAMPLES})")
    p.add_argument("--first-order", action="store_true",
                   help="Sobol': S1 and ST only, from N x (K + 2) points instead of N x (2K + 2) (no S2; default: "
                        "with S2)")
    p.add_argument("--levels", type=whole_number(2, "--levels", MAX_LEVELS), default=DEFAULT_LEVELS, metavar="L",
                   help=f"grid points per value (default {DEFAULT_LEVELS})")
    p.add_argument("--resume", action="store_true", help="continue the interrupted sweep whose journal is in --out")
    return p


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.analysis import sweep
    from sim.engine.ensemble import default_jobs, warm_up
    from sim.engine.executors import map_in_order
    from sim.output.result_files import mark_ours, prepare_out_dir, writing

    scn = scenario.load_as_given(args.scenario, args.set, args.turns)
    turns = scn.scenario.turns
    factors = [sweep.parse_factor(t) for t in args.param]
    if args.params is not None:
        factors += sweep.read_factors(args.params)
    skipped: list[str] = []
    if args.posterior is not None:
        from sim.calibration import draws

        from_posterior, skipped = sweep.posterior_factors(scn, draws.read(args.posterior), str(args.posterior))
        factors += from_posterior
    if args.assumed is not None:
        if not 0 < args.assumed < 1:
            raise SimError(f"--assumed {args.assumed:g}: allowed: a spread between 0 and 1 (0.5: +-50%)")
        given = {k for f in factors for k in f.targets()}
        factors += [f for f in sweep.assumed_factors(scn, args.assumed) if f.key not in given]
    factors = sweep.check_factors(scn, factors)
    second_order = not args.first_order
    X = sweep.sample(args.method, factors, args.seed, trajectories=args.trajectories, samples=args.samples,
                     levels=args.levels, second_order=second_order)
    names = sweep.outcome_names(scn)
    tasks = [(scn, tuple(factors), x, args.seed, args.runs, turns) for x in X]
    out = args.out if args.out is not None else Path("results") / f"{scn.name}_sweep"
    definition = _definition(scn, args, factors, X, skipped)
    prepare_out_dir(out, args.force)
    journal = out / JOURNAL
    if journal.exists() and not args.resume and not args.force:
        raise SimError(f"{journal}: an interrupted sweep's journal is here; allowed: --resume to continue it, or "
                       "--force to start again")
    out.mkdir(parents=True, exist_ok=True)
    mark_ours(out)        # before the journal, so that a folder left by a crash can be resumed
    jobs = args.jobs if args.jobs is not None else default_jobs()
    started = time.perf_counter()
    is_output = lambda name: name in OUTPUTS or name.startswith(("morris.", "sobol.", "sobol_convergence.",  # noqa: E731
                                                                 "outcomes."))
    saved: list[int | None] = [None]       # points in the journal, once it has been read or begun
    try:
        with writing(out, args.force, stale=is_output, seals=("sweep.json",)) as stage:
            done = (_read_journal(journal, definition["fingerprint"], names, len(tasks), args.runs, turns)
                    if args.resume else {})
            if not args.resume and journal.exists():
                journal.unlink()
            saved[0] = len(done)
            with _journal(journal, definition["fingerprint"], append=args.resume) as record, \
                    _bar(len(tasks), len(done), f"{scn.name} {args.method}", args.quiet) as tick, \
                    _cluster(args.dask, jobs, needed=len(done) < len(tasks)) as address:
                def run(todo: list) -> Iterator[np.ndarray]:
                    return map_in_order(sweep.evaluate_point, todo, jobs, dask=address, warm=lambda: warm_up(scn))

                def finished(p: int, y: np.ndarray) -> None:
                    record(p, y)
                    saved[0] = (saved[0] or 0) + 1
                    tick()

                runs = sweep.evaluate(tasks, run, done, finished)
            Y = sweep.point_means(runs)
            noise = sweep.noise(runs, names)
            rows = sweep.indices(args.method, factors, X, Y, names, args.seed, second_order) \
                if args.method in sweep.INDEXED else []
            _write_samples(stage / "samples.csv", factors, X, names, Y)
            _write_runs(stage / "runs.csv", names, runs)
            _write_table(stage / "noise.csv", noise)
            _write_indices(stage / "indices.csv", rows)
            converging = sweep.convergence(factors, X, Y, names, args.seed, second_order) \
                if args.method == "sobol" else []
            if converging:
                _write_indices(stage / "convergence.csv", converging, ("samples",))
            if not args.no_plot:
                use_file_backend()
                from sim.analysis import sweep_plots

                sweep_plots.draw_all(stage, args.method, factors, X, names, Y, rows, definition, args.format,
                                     args.dpi, converging)
            (stage / "sweep.json").write_text(json.dumps(definition, indent=2) + "\n")
    except KeyboardInterrupt as exc:    # Ctrl-C, SIGTERM, SIGHUP: one line, and how to go on
        what = "interrupted" if type(exc) is KeyboardInterrupt else f"stopped by {exc}"
        if journal.is_file():
            kept = "the points finished are" if saved[0] is None else f"{saved[0]} of {len(tasks)} points are"
            _say(f"{what}: {kept} kept in {journal}; the same command with --resume goes on from there")
        else:
            _say(f"{what}: nothing was written for this sweep")
        return interrupts.exit_status(exc)
    journal.unlink(missing_ok=True)
    if not args.quiet:
        if args.posterior is not None:
            print(f"{args.posterior}: {len(from_posterior)} parameters over their 90% intervals; not in "
                  f"{scn.name}, skipped: {', '.join(skipped) or 'none'}")
        print(f"{scn.name}: {args.method} sweep of {len(factors)} values, {len(tasks)} points x {args.runs} runs, "
              f"seed {args.seed}, {time.perf_counter() - started:.1f} s")
        if rows:
            print(_top_table(rows, args.method))
        print(_noise_table(noise))
        print(f"files: {out}{os.sep} (samples.csv, runs.csv, noise.csv, indices.csv, sweep.json"
              f"{'' if args.no_plot else ', figures .' + args.format})")
    return 0


def _definition(scn: scenario.Scenario, args: argparse.Namespace, factors: list, X: np.ndarray,
                skipped: list[str]) -> dict:
    """What the sweep is (sweep.json): enough to tell whether a journal belongs to it. A factor of several
    keys lists them; a posterior's file is named with its SHA-256 and the keys skipped."""
    posterior = {} if args.posterior is None else {"posterior": {
        "file": args.posterior.name, "sha256": hashlib.sha256(args.posterior.read_bytes()).hexdigest(),
        "range": "90% posterior interval", "skipped": skipped}}
    body = {
        "scenario": scn.name, "source": provenance.anonymise(scn.source, here=False), "version": __version__,
        "method": args.method,
        "runs": args.runs, "turns": scn.scenario.turns, "seed": args.seed, "points": len(X),
        "factors": [{"key": f.key, "low": f.low, "high": f.high, "dist": f.dist,
                     **({"keys": list(f.keys)} if f.keys else {})} for f in factors],
        "trajectories": args.trajectories if args.method == "morris" else None,
        "samples": args.samples if args.method in ("sobol", "latin", "montecarlo") else None,
        "levels": args.levels if args.method == "grid" else None,
        **({"second_order": False} if args.first_order and args.method == "sobol" else {}),
        **posterior,
    }
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode())
    digest.update(np.ascontiguousarray(X).tobytes())
    digest.update(scenario.to_toml(scn).encode())
    return {**body, "fingerprint": digest.hexdigest()}


def _read_journal(path: Path, fingerprint: str, names: list[str], points: int, runs: int,
                  turns: int) -> dict[int, np.ndarray]:
    """The finished points of the interrupted sweep whose journal is `path`, each record proved by its
    checksum and checked against what a point's outcomes can be (`sweep.outcome_problem`); a record that
    is not is said on stderr with its line number and left out, so its point is computed again. The
    journal is then written again with the good records only, so that the lines appended next follow a
    whole line and are read back by a later --resume. A header not of a sweep journal, or of another
    sweep, is refused (SimError)."""
    if not path.is_file():
        raise SimError(f"{path}: no interrupted sweep to resume here; allowed: a sweep's --out without --resume")
    lines = read_sealed_lines(path, fingerprint, first_key=JOURNAL_FORMAT)
    number, head, why = next(lines, (1, None, "empty"))
    if head is not None and (set(head) != {"journal", "version", "fingerprint"} or head["journal"] != JOURNAL_FORMAT
                             or head["version"] != JOURNAL_VERSION or not isinstance(head["fingerprint"], str)):
        head, why = None, "not the header of a sweep journal of this version"
    if head is None:   # a journal not of this program, or of another version of it: the user decides
        raise SimError(f"{path}: line 1: not a sweep journal ({why}); allowed: --force to start the sweep again")
    if head["fingerprint"] != fingerprint:
        raise SimError(f"{path}: the interrupted sweep was another one (scenario, values, method, runs or seed "
                       "differ); allowed: the same command as before with --resume, or --force to start again")
    parts: dict[tuple[int, int], np.ndarray] = {}      # (point, first run) -> its runs' outcomes
    lines_of: dict[tuple[int, int], list[int]] = {}
    conflicting: set[int] = set()
    bad: list[str] = []
    for number, record, why in lines:
        point: int | None = None
        if record is not None:
            point, why = _record_problem(record, names, points, runs, turns)
        if record is None or point is None or why:
            bad.append(f"line {number}{'' if point is None else f' (point {point})'}: {why}")
            continue
        part = (point, record["first"])
        y = np.array(record["runs"], dtype=np.float64)
        if part in lines_of and (part not in parts or not np.array_equal(parts[part], y)):
            bad.append(f"line {number}: point {point} again, with other outcomes than line {lines_of[part][0]}")
            conflicting.add(point)
        elif part not in lines_of:
            parts[part] = y
        lines_of.setdefault(part, []).append(number)
    size = _runs_per_line(len(names))
    done = {p: np.concatenate([parts[p, a] for a in range(0, runs, size)]) for p in dict.fromkeys(p for p, _ in parts)
            if p not in conflicting and all((p, a) in parts for a in range(0, runs, size))}
    for line in bad[:MAX_REPORTED]:
        _warn(f"{path}: {line}; not trusted: its point is computed again")
    if len(bad) > MAX_REPORTED:
        _warn(f"{path}: {len(bad) - MAX_REPORTED} more lines not trusted (their points are computed again)")
    with atomic_path(path, durable=True) as tmp, open(tmp, "w", encoding="utf-8") as f:   # closed, then renamed
        f.write(_header(fingerprint))
        for point, y in done.items():
            f.write(_records(point, y, fingerprint))
    return done


def _record_problem(record: dict[str, Any], names: list[str], points: int, runs: int,
                    turns: int) -> tuple[int | None, str]:
    """The point of a journal record (None if it names none) and what is wrong with the record ("" if nothing)."""
    from sim.analysis.sweep import outcome_problem

    point = record.get("point")
    if isinstance(point, bool) or not isinstance(point, int) or not 0 <= point < points:
        return None, f"point = {repr(point)[:20]}; allowed: a whole number from 0 to {points - 1}"
    if set(record) != {"point", "first", "runs"}:
        return point, f"keys {', '.join(sorted(record))[:60]}; allowed: first, point, runs"
    first, values, size = record["first"], record["runs"], _runs_per_line(len(names))
    if isinstance(first, bool) or not isinstance(first, int) or not 0 <= first < runs or first % size:
        return point, f"first = {repr(first)[:20]}; allowed: a multiple of {size} below {runs}"
    expected = min(size, runs - first)
    if not isinstance(values, list) or len(values) != expected:
        what = f"{len(values)} runs" if isinstance(values, list) else f"a JSON {json_type(values)}"
        return point, f"runs: {what}; allowed: a list of {expected} runs' outcomes"
    for k, row in enumerate(values):
        why = outcome_problem(row, names, turns)
        if why:
            return point, f"run {first + k}: {why}"
    return point, ""


def _header(fingerprint: str) -> str:
    return sealed_line({"journal": JOURNAL_FORMAT, "version": JOURNAL_VERSION, "fingerprint": fingerprint},
                       JOURNAL_FORMAT)


def _runs_per_line(outcomes: int) -> int:
    return max(1, RUN_NUMBERS // outcomes)


def _records(point: int, runs: np.ndarray, fingerprint: str) -> str:
    """The journal lines of a finished point: its runs' outcomes, in lines of at most RUN_NUMBERS numbers."""
    size = _runs_per_line(runs.shape[1])
    return "".join(sealed_line({"point": point, "first": a, "runs": runs[a:a + size].tolist()}, fingerprint)
                   for a in range(0, len(runs), size))


def _warn(line: str) -> None:
    _say(f"warning: {line}")


def _say(line: str) -> None:
    try:
        sys.stderr.write(f"{one_line(line)}\n")
        sys.stderr.flush()
    except OSError:    # no terminal left to say it on (SIGHUP)
        pass


@contextmanager
def _cluster(dask: str | None, jobs: int, needed: bool) -> Iterator[str | None]:
    """The address `map_in_order` runs the points on: `dask` as given, but for ``local`` (and points to
    compute) the scheduler of a LocalCluster of `jobs` worker processes started here and closed after.

    Its threads, and so the worker processes they start, have Ctrl-C (SIGINT) blocked: a terminal's
    Ctrl-C goes to every process of its group, and a worker that took it would print a traceback,
    starting up or shutting down; this process alone takes it, and closes the cluster. (multiprocessing
    unblocks SIGINT in the thread that first starts its resource tracker: it is started here first.) The
    cluster's own log and warnings say only errors (a cluster closed early warns of its workers)."""
    if dask != "local" or not needed:
        yield dask
        return
    import logging
    import signal
    import warnings
    from multiprocessing import resource_tracker

    from dask.distributed import LocalCluster

    levels = {name: logging.getLogger(name).level for name in ("distributed", "asyncio", "tornado")}
    environ = os.environ.get("DASK_LOGGING__DISTRIBUTED")
    cluster = None
    interrupted = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")             # e.g. the scheduler's port in use: it takes another
        try:
            for name in levels:
                logging.getLogger(name).setLevel(logging.CRITICAL)
            os.environ["DASK_LOGGING__DISTRIBUTED"] = "critical"       # read by the workers as they start
            resource_tracker.ensure_running()
            mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)      # a Ctrl-C meanwhile is raised now
            try:
                yield cluster.scheduler_address
            except BaseException:
                interrupted = True
                raise
        finally:
            if cluster is not None:
                with interrupts.deferred(), contextlib.suppress(Exception):
                    cluster.close()
            if environ is None:
                os.environ.pop("DASK_LOGGING__DISTRIBUTED", None)
            else:
                os.environ["DASK_LOGGING__DISTRIBUTED"] = environ
            # after an interruption the cluster's client may still log from its own thread (distributed's
            # `sync`, cancelled, can raise in its loop as it closes): its loggers stay silent, the command
            # is ending with its one line
            for name, level in levels.items():
                if not interrupted:
                    logging.getLogger(name).setLevel(level)


@contextmanager
def _journal(path: Path, fingerprint: str, append: bool) -> Iterator[Any]:
    """Append each finished point to the journal, flushed to disk, so that no finished point is lost."""
    with open(path, "a" if append else "w", encoding="utf-8") as f:
        if not append:
            f.write(_header(fingerprint))
            f.flush()

        def record(point: int, runs: np.ndarray) -> None:
            f.write(_records(point, runs, fingerprint))
            f.flush()
            os.fsync(f.fileno())
        yield record


@contextmanager
def _bar(total: int, initial: int, label: str, quiet: bool) -> Iterator[Any]:
    if quiet or not sys.stderr.isatty():
        yield lambda: None
        return
    from tqdm import tqdm

    bar = tqdm(total=total, initial=initial, unit="point", desc=label, file=sys.stderr)
    try:
        yield bar.update
    finally:
        bar.close()


def _number(v: float) -> str:
    return "" if isinstance(v, float) and math.isnan(v) else f"{v:.10g}"


def _write_samples(path: Path, factors: list, X: np.ndarray, names: list[str], Y: np.ndarray) -> None:
    lines = [",".join(["point", *(f.key for f in factors), *names])]
    lines += [",".join([str(p), *map(_number, x.tolist()), *map(_number, y.tolist())])
              for p, (x, y) in enumerate(zip(X, Y, strict=True))]
    path.write_text("\n".join(lines) + "\n")


def _write_runs(path: Path, names: list[str], runs: np.ndarray) -> None:
    """runs.csv: one row per run of every point (run r is the same seeded run at every point)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(["point", "run", *names]) + "\n")
        for p, point in enumerate(runs):
            f.writelines(",".join([str(p), str(r), *map(_number, y)]) + "\n" for r, y in enumerate(point.tolist()))


def _write_table(path: Path, rows: list[dict]) -> None:
    lines = [",".join(rows[0])] if rows else []
    lines += [",".join(v if isinstance(v, str) else _number(v) for v in r.values()) for r in rows]
    path.write_text("\n".join(lines) + "\n")


def _noise_table(rows: list[dict]) -> str:
    """How much of the spread of the points' means is noise from their runs, per outcome."""
    out = [f"noise from {rows[0]['runs']} runs per point (Monte Carlo standard error of a point's mean, median "
           "over the points, against the standard deviation of the means across points; share of their variance "
           "that is noise, an upper bound with common random numbers):"]
    for r in rows:
        share = "n/a" if math.isnan(r["noise_share"]) else f"{r['noise_share']:.1%}"
        out.append(f"  {r['outcome']}: se {r['se_median']:.3g}, sd of the means {r['points_sd']:.3g}, noise {share}")
    return "\n".join(out)


def _write_indices(path: Path, rows: list[dict], extra: tuple[str, ...] = ()) -> None:
    lines = [",".join(["outcome", "factor", "index", *extra, "value", "conf95"])]
    lines += [",".join([r["outcome"], r["factor"], r["index"], *(str(r[e]) for e in extra),
                        _number(float(r["value"])), _number(float(r["conf95"]))]) for r in rows]
    path.write_text("\n".join(lines) + "\n")


def _top_table(rows: list[dict], method: str, top: int = 5) -> str:
    """The values that matter most for each headline outcome."""
    index = "mu_star" if method == "morris" else "ST"
    out = [f"most influential values ({'Morris mu*' if method == 'morris' else 'Sobol total index ST'}):"]
    for outcome in ("treaty_ended", "incident", "peak_escalation", "final_escalation"):
        mine = sorted((r for r in rows if r["outcome"] == outcome and r["index"] == index),
                      key=lambda r: -float(np.nan_to_num(r["value"], nan=-1)))
        shown = ", ".join(f"{r['factor']} {float(r['value']):.3g}" for r in mine[:top])
        out.append(f"  {outcome}: {shown}")
    return "\n".join(out)
