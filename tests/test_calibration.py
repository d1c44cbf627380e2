"""The default calibration: the reduced US-Russia stage game is a Prisoner's Dilemma."""

import numpy as np
import pytest

from conftest import RU, US
from sim import dynamics, game
from sim.actions import Action
from sim.scenario import apply_overrides, load
from sim.params import compile_params
from sim.state import initial_state


def reduced_at_start(scn, row, col):
    params = compile_params(scn)
    state = initial_state(scn, params, 1)
    a, b = game.stage_matrices(state, params, 1, row, col)
    return game.reduce(a, b)


def test_inf_2018_start_is_a_prisoners_dilemma(inf):
    us, ru = reduced_at_start(inf, US, RU)
    assert us.is_prisoners_dilemma, us
    assert ru.is_prisoners_dilemma, ru


def test_the_us_temptation_rests_on_its_ultimatum(inf):
    # at the start the US gains from deploying alone only because holding lets its ultimatum lapse
    without = apply_overrides(inf, {"actors.US.payoff.audience_cost": 0.0})
    us, _ = reduced_at_start(without, US, RU)
    assert us.T < us.R


def test_dilemma_2p_is_a_symmetric_prisoners_dilemma():
    scn = load("dilemma_2p")
    blue, red = reduced_at_start(scn, 0, 1)
    assert blue.is_prisoners_dilemma and red == blue


def test_a_costly_lapse_turns_the_dilemma_into_deadlock(inf):
    # the reduction reads the payoff function: when letting its ultimatum lapse costs the US
    # more than mutual deployment does, it prefers mutual deployment to mutual restraint
    changed = apply_overrides(inf, {"actors.US.payoff.audience_cost": 6.0})
    us, _ = reduced_at_start(changed, US, RU)
    assert not us.is_prisoners_dilemma and us.P > us.R


def test_stage_matrix_cells_equal_the_payoff_function(inf, params, start):
    a, b = game.stage_matrices(start, params, 1, US, RU)
    moves = np.array([[int(Action.WITHDRAWAL), int(Action.DIALOGUE), int(Action.HOLD)]])
    nxt, out = dynamics.step(start, moves, params, 1, draws=None)
    direct = out.payoff[0] + dynamics.continuation(nxt, params, 1)[0]
    assert a[Action.WITHDRAWAL, Action.DIALOGUE] == pytest.approx(direct[US])
    assert b[Action.WITHDRAWAL, Action.DIALOGUE] == pytest.approx(direct[RU])
