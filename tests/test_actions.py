"""The one move table."""

import pytest

from sim import codes
from sim.actions import COLOURS, MOVE_NAMES, MOVES, RUNGS, Action, meaning


def test_every_move_has_a_row_with_rung_meaning_legality_verb_and_colour():
    assert set(MOVES) == set(Action)
    for action in Action:
        spec = MOVES[action]
        assert isinstance(spec.rung, int) and spec.meaning == meaning(action)
        assert spec.legal_when and spec.verb and spec.colour.startswith("#")
    assert set(COLOURS) == set(MOVE_NAMES)


def test_rungs_order_concessions_below_arming():
    assert RUNGS[Action.DIALOGUE] == RUNGS[Action.COMPLY] == 0
    assert RUNGS[Action.HOLD] < RUNGS[Action.ULTIMATUM] < RUNGS[Action.WITHDRAWAL] < RUNGS[Action.DEPLOYMENT]
    assert RUNGS[Action.DEVELOP] < RUNGS[Action.DEPLOYMENT]


def test_the_move_table_takes_its_codes_from_the_one_definition():
    assert [int(a) for a in Action] == list(range(codes.N_MOVES))
    assert all(int(a) == getattr(codes, a.name) for a in Action)


def test_parse_is_case_insensitive_and_names_the_allowed_moves():
    assert Action.parse(" Deployment ") is Action.DEPLOYMENT
    with pytest.raises(ValueError, match="allowed: dialogue, hold, comply, ultimatum, withdrawal, develop, deployment"):
        Action.parse("invade")
