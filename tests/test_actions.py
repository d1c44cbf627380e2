"""The one move table."""

import pytest

from sim.actions import MOVE_NAMES, MOVES, RUNG_SCALED, Action, meaning


def test_every_move_has_a_rung_and_a_meaning():
    assert set(MOVES) == set(Action)
    for action in Action:
        rung, text = MOVES[action]
        assert isinstance(rung, int) and text == meaning(action) and text


def test_rungs_are_ordered_dialogue_to_deployment():
    order = ["dialogue", "hold", "ultimatum", "withdrawal", "deployment"]
    rungs = [MOVES[Action.parse(name)][0] for name in order]
    assert rungs == sorted(rungs) and len(set(rungs)) == len(rungs)
    assert RUNG_SCALED[0] == 0.0 and RUNG_SCALED[-1] == 1.0
    assert list(MOVE_NAMES) == order


def test_parse_is_case_insensitive_and_names_the_allowed_moves():
    assert Action.parse(" Deployment ") is Action.DEPLOYMENT
    with pytest.raises(ValueError, match="allowed: dialogue, hold, ultimatum, withdrawal, deployment"):
        Action.parse("invade")
