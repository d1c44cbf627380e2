"""The `calibrate` command: ABC-SMC of the decisive parameters on a calibration case, to a posterior file."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.arguments import shared
from sim.core import scenario
from sim.core.errors import SimError
from sim.core.options import DEFAULT_SEED
from sim.core.safeio import atomic_path
from sim.terminal import decimal_number, path_arg, whole_number

DEFAULT_CASE = "inf_2014_2019"
EPILOG = """\
examples:
  # the default case and priors: 200 particles, at most 8 generations or 20,000 runs
  %(prog)s
  # a quick look: 50 particles, 3 generations, only lambda and the discounts
  %(prog)s --population 50 --generations 3 --param lambda --param discount_US --param discount_RU
  # on a local Dask cluster of 2 workers; the same file as without it
  %(prog)s --dask local --jobs 2 --out results/posterior.json
"""


def add_parser(subparsers: Any, parser_class: type[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register `calibrate` on the command line's subparsers."""
    from sim.calibration.priors import DEFAULT

    p = subparsers.add_parser(
        "calibrate", help="infer parameters from a calibration case (ABC-SMC)", epilog=EPILOG,
        parents=[shared("--set", "--seed", "--jobs", "--dask", "--out", "--force", "--no-plot", "--dpi", "--quiet",
                        seed=f"root seed of the inference: the same seed, the same posterior file (default "
                             f"{DEFAULT_SEED})",
                        out="the posterior file (default results/CASE_posterior.json)",
                        force="replace an existing posterior file",
                        no_plot="skip the figure (the posterior file's name with .png)",
                        quiet="no progress bar and no table")],
        description="Approximate Bayesian computation (ABC-SMC, pyabc) of the decisive parameters on a calibration "
                    "case: runs of the case with parameters from the priors are compared with its observed patterns "
                    "(patterns/CASE.toml), and the populations of the runs closest to the record are refined "
                    "generation by generation. Writes the last population (values, weights, distances), the 90%% "
                    "intervals and what they were inferred from to one JSON file, atomically (docs/calibration.md).")
    p.add_argument("scenario", nargs="?", default=DEFAULT_CASE,
                   help=f"the calibration case: a scenario's name or a TOML file (default {DEFAULT_CASE})")
    p.add_argument("--patterns", type=path_arg("--patterns"), default=None, metavar="FILE.toml",
                   help="the observed patterns (default: patterns/CASE.toml beside the scenario, or the shipped one)")
    p.add_argument("--param", action="append", default=[], metavar="NAME",
                   help=f"a parameter to infer (repeatable; default all: {', '.join(q.name for q in DEFAULT)})")
    p.add_argument("--population", type=whole_number(10, "--population", 100_000), default=200, metavar="N",
                   help="particles per generation (default 200)")
    p.add_argument("--generations", type=whole_number(1, "--generations", 1000), default=8, metavar="G",
                   help="at most this many generations (default 8)")
    p.add_argument("--max-simulations", type=whole_number(10, "--max-simulations", 10**8), default=20_000,
                   metavar="N", help="no new generation once this many runs are spent (default 20000)")
    p.add_argument("--min-epsilon", type=decimal_number("--min-epsilon", 0, 1e6), default=0.0, metavar="D",
                   help="stop once the tolerance is at most D (default 0.0: every pattern met)")
    p.add_argument("--min-acceptance", type=decimal_number("--min-acceptance", 0.001, 1), default=0.02, metavar="A",
                   help="stop when a generation accepts fewer than this share of its runs; the runs it spent are "
                        "lost (default 0.02)")
    return p


def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.calibration import inference, patterns, posterior, priors
    from sim.engine.ensemble import default_jobs, warm_up
    from sim.engine.executors import map_in_order

    scn = scenario.load_as_given(args.scenario, args.set)
    pattern_file = args.patterns if args.patterns is not None else patterns.path_for(scn)
    pats = patterns.load(pattern_file, scn)
    chosen = priors.select(args.param) if args.param else priors.DEFAULT
    if len({p.name for p in chosen}) < len(chosen):
        raise SimError("--param: a parameter is named twice; allowed: each once")
    priors.check(scn, chosen)
    out = args.out if args.out is not None else Path("results") / f"{scn.name}_posterior.json"
    if out.exists() and not args.force:
        raise SimError(f"{out}: exists; allowed: --force to replace it, or another --out")
    if out.exists() and not out.is_file():
        raise SimError(f"{out}: not a file; allowed: a file name for --out")
    settings = inference.Settings(args.population, args.generations, args.min_epsilon, args.max_simulations,
                                  args.min_acceptance)
    jobs = args.jobs if args.jobs is not None else default_jobs()
    started = time.perf_counter()
    with _progress(settings, args.quiet) as tick:
        def run(fn: Any, tasks: Any) -> Any:     # --dask local: a LocalCluster per generation
            return map_in_order(fn, tasks, jobs, dask=args.dask, warm=lambda: warm_up(scn))

        result = inference.infer(scn, chosen, pats, args.seed, settings, run, on_evaluated=tick)
    doc = posterior.document(result, scn, pattern_file, pats, chosen, args.seed, settings)
    posterior.write(out, doc)
    if not args.no_plot:
        from sim.calibration.plots import plot_posterior
        from sim.core.options import DEFAULT_DPI

        figure = out.with_suffix(".png")
        with atomic_path(figure) as tmp:
            plot_posterior(doc).savefig(tmp, format="png", dpi=args.dpi or DEFAULT_DPI)
    if not args.quiet:
        took = time.perf_counter() - started
        print(f"{scn.name}: {len(result.epsilons)} generations, {doc['simulations']} runs, {took:.0f} s, "
              f"tolerance {result.epsilons[-1]:.3g}; 90% intervals:")
        for name, row in doc["intervals"].items():
            print(f"  {name:20s} {row['median']:.4g}  [{row['low']:.4g}, {row['high']:.4g}]")
        print(f"file: {out}" + ("" if args.no_plot else f", figure: {out.with_suffix('.png')}"))
    return 0


@contextmanager
def _progress(settings: Any, quiet: bool) -> Iterator[Callable[[int], object]]:
    """A progress bar of the runs, up to the budget of --max-simulations (none with --quiet): its update."""
    if quiet:
        yield lambda n: None
        return
    from tqdm import tqdm

    with tqdm(total=settings.max_simulations, unit="run", file=sys.stderr, desc="calibrate", leave=False) as bar:
        yield bar.update
