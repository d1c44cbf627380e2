"""The one move table."""

import pytest

from sim.core import codes
from sim.core.actions import COLOURS, MOVE_NAMES, MOVES, RUNGS, Action, meaning


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


def _run_states(name, runs=30, turns=24):
    """The states of `runs` runs of scenario `name`, turn by turn, with the parameters of each turn."""
    import numpy as np

    from sim.core import scenario
    from sim.engine.crisis import Crisis

    crisis = Crisis(scenario.load(name), 5, np.arange(runs), turns)
    while not crisis.finished:
        view = crisis.view()
        yield crisis.state, view.params
        crisis.resolve(crisis.decide_all())
        crisis.drop_ended()


@pytest.mark.parametrize("name", ["inf_2018", "inf_2018_asia"])
def test_a_move_is_legal_exactly_when_every_condition_of_its_row_holds(name):
    import numpy as np

    from sim.kernel.dynamics import conditions, legal_moves
    from sim.kernel.lookahead import expected_values

    seen = np.zeros(len(Action), dtype=bool)
    for state, params in _run_states(name):
        held, legal = conditions(state, params), legal_moves(state, params)
        valued = np.isfinite(expected_values(state, params, 1))        # the kernel's own legal(): -inf if not
        for a in Action:
            expected = np.all(held[:, :, list(MOVES[a].legal_when)], axis=2)
            assert np.array_equal(legal[:, :, a], expected), a
            assert np.array_equal(valued[:, :, a], expected), a
            seen[a] |= legal[:, :, a].any()
    assert seen.sum() >= 6          # the runs reach states where nearly every move is open to someone


@pytest.mark.parametrize("name", ["inf_2018", "inf_2018_asia"])
def test_a_move_open_in_a_run_is_one_the_briefing_offers(name):
    from sim.briefing import can_ever_play
    from sim.core import scenario
    from sim.kernel.dynamics import legal_moves

    scn = scenario.load(name)
    for state, params in _run_states(name, runs=20):
        for i, actor in enumerate(scn.actors):
            for a in Action:
                if legal_moves(state, params)[:, i, a].any():
                    assert can_ever_play(scn, actor, a), (actor.id, a.label)
