"""Shared fixtures: the default scenario, its parameters and hand-made states; the command line in-process."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest

from sim import cli
from sim.core import scenario
from sim.core.actions import Action
from sim.core.params import compile_params
from sim.engine.initial import initial_state
from sim.kernel.dynamics import draw_width

US, RU, NATO = 0, 1, 2
D, H, C, U, W, V, X = (int(a) for a in Action)  # dialogue, hold, comply, ultimatum, withdrawal, develop, deployment


@pytest.fixture(scope="session")
def inf():
    return scenario.load("inf_2018")


@pytest.fixture(scope="session")
def params(inf):
    return compile_params(inf)


@pytest.fixture()
def start(inf, params):
    """The inf_2018 start as one replica."""
    return initial_state(inf, params, 1)


def moves(*row: int) -> np.ndarray:
    """One replica's joint move."""
    return np.array([row], dtype=np.int64)


def calm_draws(n_actors: int = 3, replicas: int = 1) -> np.ndarray:
    """Uniforms that never cause an incident or a detection."""
    return np.full((replicas, draw_width(n_actors)), 0.999999)


@pytest.fixture(scope="session", autouse=True)
def compiled_kernels(request):
    """Compile (or load) the numba kernels once, before any test starts a subprocess that needs them
    (the tests marked slow): several subprocesses compiling at once would each take the whole compile.
    Without such a test, each kernel is compiled when a test first needs it: after an edit of a step,
    its mechanism tests wait for the turn's kernels only, not the look-ahead's."""
    if any(item.get_closest_marker("slow") for item in request.session.items):
        from sim.engine.ensemble import warm_up

        warm_up(scenario.load("inf_2018"))


class Done(NamedTuple):
    """What a command left: its exit status and what it wrote on stdout and stderr."""

    status: int
    out: str
    err: str


@pytest.fixture()
def cli_main(capfd, monkeypatch) -> Callable[..., Done]:
    """`cli_main("run", "inf_2018", ...)` runs `run_sim.py run inf_2018 ...` in this process: `sim.cli.main`,
    which returns the exit status, or argparse's SystemExit (--help, a bad argument). stdout and stderr are
    captured at the file descriptors (capfd), as a subprocess's pipes would be: what pool workers or
    compiled code write is included. Arguments may be paths. For what a subprocess does that this does not
    (signals, locks between processes, the interpreter's top level, the program's name in the usage) start
    one: those tests are marked slow."""
    # --scenarios sets the folders searched by name for the whole process: back to what they were after the test
    monkeypatch.setattr(scenario, "user_folders", list(getattr(scenario, "user_folders", [])), raising=False)

    def run(*args: object) -> Done:
        capfd.readouterr()
        try:
            status = cli.main([str(a) for a in args])
        except SystemExit as exc:
            status = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
        out, err = capfd.readouterr()
        return Done(status, out, err)

    return run


@pytest.fixture()
def posterior_file() -> Callable[..., object]:
    """`posterior_file(path, weights)` writes a small posterior file of `calibrate`'s format at `path` and
    returns it: three particles over lambda (every quantal actor), the US's discount and its audience cost."""
    import json

    from sim.calibration.posterior import FORMAT

    def write(path, weights=(0.5, 0.3, 0.2)):
        priors = [("lambda", ["actors.US.rule.lambda", "actors.RU.rule.lambda", "actors.NATO.rule.lambda"], 0.1,
                   100.0, "log10-uniform"),
                  ("discount_US", ["actors.US.payoff.discount"], 0.8, 0.995, "uniform"),
                  ("audience_cost_US", ["actors.US.payoff.audience_cost"], 0.0, 10.0, "uniform")]
        doc = {"format": FORMAT, "version": 1, "seed": 1,
               "priors": [{"name": name, "keys": keys, "low": low, "high": high, "scale": scale, "whole": False,
                           "why": "test"} for name, keys, low, high, scale in priors],
               "samples": {"lambda": [0.2, 3.0, 50.0], "discount_US": [0.99, 0.9, 0.81],
                           "audience_cost_US": [1.0, 5.0, 9.0]},
               "weights": list(weights)}
        path.write_text(json.dumps(doc))
        return path

    return write
