"""The options that several commands share, each declared once, here.

A command takes the ones it has as an argparse parent parser, `shared("--out", "--force", ...)`: the
same flag, type check, metavar and default everywhere, and the same help unless the command words it
its own way (`--out`'s folder, what `--seed` seeds, what `--quiet` leaves out). In the command's
--help they come after its own options, in three sections: the scenario and seed, the runs, the output.

Every number is read by `sim.terminal.whole_number`, between bounds of `sim.core.options` (a seed up to
2^63 - 1, the runs, turns and jobs a machine can carry): anything else, Unicode digits and thousands of
them included, is one line naming the option, the value (shortened) and what is allowed, exit status 2.
"""

from __future__ import annotations

from typing import Any

from sim.core.options import (
    DEFAULT_BAND,
    DEFAULT_DPI,
    DEFAULT_ENGINE,
    DEFAULT_FORMAT,
    DEFAULT_RUNS,
    DEFAULT_SEED,
    ENGINES,
    FORMATS,
    MAX_DPI,
    MAX_JOBS,
    MAX_RUNS,
    MAX_SEED,
    MAX_TURNS,
    MIN_DPI,
)
from sim.terminal import OneLineParser, path_arg, whole_number

SCENARIO, RUNS, OUTPUT = "scenario and seed", "runs", "output"
SECTIONS = (SCENARIO, RUNS, OUTPUT)

DASK_HELP = ("run the batches on a Dask cluster: tcp://HOST:8786, or local for a LocalCluster of --jobs workers "
             "(default: a local process pool); the same files either way")

#: flag: (section, keywords of add_argument); the help as most commands word it
OPTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "--set": (SCENARIO, {
        "action": "append", "default": [], "metavar": "KEY=VALUE",
        "help": "change a scenario value, validated like the file, e.g. actors.US.rule.lambda=4 (repeatable; "
                "default: none, the file's values)"}),
    "--turns": (SCENARIO, {
        "type": whole_number(1, "--turns", MAX_TURNS), "default": None, "metavar": "T",
        "help": "turns per run (default: the scenario's)"}),
    "--posterior": (SCENARIO, {
        "type": path_arg("--posterior"), "default": None, "metavar": "FILE.json",
        "help": "draw each run's parameters from a posterior file of `calibrate` (run r takes a particle by the "
                "weights from its own stream: the same files whatever --jobs and --batch-size), beside the same "
                "seeds at the scenario's values; values the command sets itself are not drawn (default: the "
                "scenario's values)"}),
    "--seed": (SCENARIO, {
        "type": whole_number(0, "--seed", MAX_SEED), "default": DEFAULT_SEED, "metavar": "S",
        "help": f"root seed (default {DEFAULT_SEED})"}),
    "--runs": (RUNS, {
        "type": whole_number(1, "--runs", MAX_RUNS), "default": None, "metavar": "N",
        "help": f"number of seeded runs (default {DEFAULT_RUNS})"}),
    "--engine": (RUNS, {
        "choices": ENGINES, "default": DEFAULT_ENGINE,
        "help": "ensemble: replicas in lockstep (fast); mesa: one EscalationModel per run; the same files either "
                f"way (default {DEFAULT_ENGINE})"}),
    "--jobs": (RUNS, {
        "type": whole_number(1, "--jobs", MAX_JOBS), "default": None, "metavar": "N",
        "help": "worker processes (default: every core)"}),
    "--dask": (RUNS, {"default": None, "metavar": "ADDRESS", "help": DASK_HELP}),
    "--batch-size": (RUNS, {
        "type": whole_number(1, "--batch-size", MAX_RUNS), "default": None, "metavar": "N",
        "help": "runs advanced together in one batch (default: the runs shared over the jobs, at most 250)"}),
    "--out": (OUTPUT, {
        "type": path_arg("--out"), "default": None, "metavar": "DIR",
        "help": "output folder (default results/SCENARIO)"}),
    "--force": (OUTPUT, {"action": "store_true", "help": "write into a non-empty folder not made by this program"}),
    "--format": (OUTPUT, {
        "choices": FORMATS, "default": DEFAULT_FORMAT, "help": f"figure format (default {DEFAULT_FORMAT})"}),
    "--dpi": (OUTPUT, {
        "type": whole_number(MIN_DPI, "--dpi", MAX_DPI), "default": None, "metavar": "N",
        "help": f"resolution of PNG figures, dots per inch (default {DEFAULT_DPI}; SVG and PDF are drawn as vectors)"}),
    "--no-plot": (OUTPUT, {"action": "store_true", "help": "skip the figures"}),
    "--quiet": (OUTPUT, {"action": "store_true", "help": "no progress bar and no summary"}),
    "--band-runs": (OUTPUT, {
        "type": whole_number(1, "--band-runs", MAX_RUNS), "default": DEFAULT_BAND, "metavar": "N",
        "help": f"model-only runs the debrief compares the game with (default {DEFAULT_BAND})"}),
}


def shared(*flags: str, **changes: str | dict[str, Any]) -> OneLineParser:
    """A parent parser (``add_parser(..., parents=[...])``) with the shared options `flags`, by section, in
    the order given within one. `changes` by destination name (``out``, ``no_plot``): this command's help
    for that option, or a dict of the keywords it sets otherwise (e.g. a default and the help naming it)."""
    unknown = [flag for flag in flags if flag not in OPTIONS]
    misnamed = sorted(set(changes) - {_dest(flag) for flag in flags})
    if unknown or misnamed:
        raise ValueError(f"shared: {', '.join(unknown + misnamed)}: not a shared option given here; "
                         f"allowed: {', '.join(OPTIONS)}")
    parent = OneLineParser(add_help=False)   # the class of the command's own parser (typeshed asks for it)
    for section in SECTIONS:
        here = [flag for flag in flags if OPTIONS[flag][0] == section]
        if not here:
            continue
        group = parent.add_argument_group(section)
        for flag in here:
            change = changes.get(_dest(flag), {})
            settings = {**OPTIONS[flag][1], **({"help": change} if isinstance(change, str) else change)}
            group.add_argument(flag, **settings)
    return parent


def _dest(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")
