"""Shared fixtures: the default scenario, its parameters and hand-made states."""

from __future__ import annotations

import numpy as np
import pytest

from sim import scenario
from sim.actions import Action
from sim.dynamics import draw_width
from sim.initial import initial_state
from sim.params import compile_params

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
def compiled_kernels():
    """Compile (or load) the numba kernels once, before any test starts a subprocess that needs them:
    several subprocesses compiling at once on a fresh clone would each take minutes."""
    from sim.ensemble import warm_up

    warm_up(scenario.load("inf_2018"))
