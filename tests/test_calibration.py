"""The default calibration: the reduced US-Russia game at the start, read off the look-ahead.

Each leader's own payoff (NATO's is not added to the US's); NATO plays its rule's modal move; the
US, whose programme is still in development, has no legal arming move at the start, so its escalate
move is notice (withdrawal); Russia's 9M729 is ready, so its escalate move is deployment.
"""

import numpy as np
import pytest

from conftest import NATO, RU, US
from sim.analysis import crisis_game as analysis
from sim.analysis import stage_game as game
from sim.analysis.equilibria import DEADLOCK, HARMONY, OTHER, PD, STAG, classify
from sim.core.actions import Action
from sim.core.scenario import apply_overrides, load
from sim.kernel import lookahead


def reduced_at_start(scn, restrain=Action.DIALOGUE):
    g = analysis.stage_game(scn, analysis.start_point(scn))
    return g, analysis.reduction(g, restrain)


def test_inf_2018_start_us_dilemma_russia_harmony(inf):
    _, red = reduced_at_start(inf)
    assert red.escalate == (int(Action.WITHDRAWAL), int(Action.DEPLOYMENT))
    us, ru = red.row, red.col
    assert us.is_prisoners_dilemma, us                   # notice pays whatever Russia does, talks would pay both
    assert ru.R > ru.T and ru.S > ru.P and ru.R > ru.P   # Russia: restraint pays whatever the US does
    assert red.cls.row.name == PD and red.cls.col.name == HARMONY and red.cls.name == OTHER
    # with hold as the restraint the class is the same at Russia's calibrated discount (0.831); at 0.9, before
    # the calibration, Russia was in a Prisoner's Dilemma too: the class was not robust to that choice (finding 7)
    assert reduced_at_start(inf, Action.HOLD)[1].cls.label("US", "RU") == "other (US PD, RU HA)"
    patient = apply_overrides(inf, {"actors.RU.payoff.discount": 0.9})
    assert reduced_at_start(patient, Action.HOLD)[1].cls.label("US", "RU") == "Prisoner's Dilemma"


def test_dilemma_2p_is_a_symmetric_harmony():
    _, red = reduced_at_start(load("dilemma_2p"))
    assert red.row == red.col and red.cls.name == HARMONY


def test_the_audience_cost_matters_only_through_open_ultimatums(inf):
    # at the start the US ultimatum (deadline on turn 1) is open: letting it lapse costs the US, so a
    # higher audience cost makes the US value of restraint (R, S) fall and leaves notice (T, P: the
    # threat carried out) as it was
    _, base = reduced_at_start(inf)
    _, costly = reduced_at_start(apply_overrides(inf, {"actors.US.payoff.audience_cost": 6.0}))
    assert costly.row.R < base.row.R and costly.row.S < base.row.S
    # SIM300 takes .T and .P for constants; they are payoffs
    assert costly.row.T == pytest.approx(base.row.T) and costly.row.P == pytest.approx(base.row.P)  # noqa: SIM300
    assert costly.col == base.col
    # Russia has no ultimatum open: its audience cost changes nothing
    _, ru = reduced_at_start(apply_overrides(inf, {"actors.RU.payoff.audience_cost": 6.0}))
    assert (ru.row, ru.col) == (base.row, base.col)


def test_without_an_open_ultimatum_the_audience_cost_acts_only_through_a_new_one(inf):
    def matrices(scn):
        pt = analysis.start_point(scn)
        s = pt.state.copy()
        s.ult_target[:] = -1
        s.ult_deadline[:] = -1
        g = analysis.stage_game(scn, analysis.Point(0, pt.date, s, pt.params, "no ultimatum", pt.rules))
        return g.row, g.col, g.row_moves, g.col_moves

    (a0, b0, rows, g_cols), (a6, b6, _, _) = (
        matrices(inf), matrices(apply_overrides(inf, {"actors.US.payoff.audience_cost": 6.0})))
    u = rows.index(int(Action.ULTIMATUM))        # with none open, the US may issue a new one
    others = [i for i in range(len(rows)) if i != u]
    np.testing.assert_allclose(a6[others], a0[others], atol=1e-12)
    np.testing.assert_allclose(b6[others], b0[others], atol=1e-12)
    c = list(g_cols).index(int(Action.COMPLY))
    lapse = [j for j in range(len(g_cols)) if j != c]   # Russia defies: the US may have to back down, at a cost
    quiet = [j for j in lapse if g_cols[j] in (int(Action.DIALOGUE), int(Action.HOLD))]   # defying by waiting
    assert (a6[u, quiet] < a0[u, quiet]).all()
    # and a threat costlier to back down from is more credible (Fearon 1994): Russia expects the US's notice
    # with more confidence if it defies, so defying is worth less to it (unless its own notice ends the treaty
    # anyway)
    assert (b6[u, quiet] < b0[u, quiet] - 0.1).all()


def test_a_costly_lapse_turns_the_us_dilemma_into_deadlock(inf):
    # a lapse costing the US more than mutual escalation does: it prefers mutual notice and arming
    _, red = reduced_at_start(apply_overrides(inf, {"actors.US.payoff.audience_cost": 6.0}))
    assert red.row.P > red.row.R and classify(red.row, red.row).name == "Deadlock"


def test_the_cells_are_the_look_ahead_of_each_leader(inf, params, start):
    g, _ = reduced_at_start(inf)
    fixed = g.fixed.copy()
    fixed[US], fixed[RU] = int(Action.WITHDRAWAL), int(Action.DIALOGUE)
    values = lookahead.counterfactual_values(g.point.state, g.point.params, 1, fixed[None, :])[0]
    i, j = g.row_moves.index(int(Action.WITHDRAWAL)), g.col_moves.index(int(Action.DIALOGUE))
    assert g.row[i, j] == pytest.approx(values[US, int(Action.WITHDRAWAL)])
    assert g.col[i, j] == pytest.approx(values[RU, int(Action.DIALOGUE)])
    assert fixed[NATO] == int(Action.DIALOGUE)
    assert game.arming_move(g.col_moves) == (int(Action.DEPLOYMENT), True)


def test_the_us_dilemma_holds_between_two_audience_costs_only(inf):
    # the start's US Prisoner's Dilemma is not robust (finding 7 of issue "Model 3"): at the scenario's
    # discount it needs an audience cost of 0.5 to 3; without one notice tempts nothing (Stag Hunt), above
    # it a lapse costs more than mutual escalation (Deadlock). Russia's side is Harmony throughout.
    axes = analysis.parse_grid(inf, ["actors.US.payoff.audience_cost=0:6:13", "actors.US.payoff.discount=0.89:0.91:3"])
    rg = analysis.region(inf, axes)
    us = rg.side_classes(0)[:, 1].tolist()            # at the discount 0.9
    assert us == [STAG] + [PD] * 6 + [DEADLOCK] * 6
    assert not rg.robust and rg.side_shares(1) == {HARMONY: 1.0}
