"""Game analysis: equilibria against nashpy and textbook games, the classifier and its boundaries,
the stage game against the payoff function, the median run, the map, and `run_sim.py analyze`."""

import json
import warnings

import nashpy
import numpy as np
import pytest
from conftest import NATO, RU, US

from sim import analysis, dynamics, equilibria, game, scenario
from sim.actions import N_MOVES, Action
from sim.equilibria import CHICKEN, DEADLOCK, HARMONY, OTHER, PD, STAG
from sim.cli import main
from sim.errors import SimError
from sim.game import Reduced

C, D = 0, 1   # restrain and escalate in the 2 x 2 textbook games


def bimatrix(T, R, P, S):
    """The symmetric 2 x 2 game (restrain, escalate) with one side's T, R, P, S."""
    a = np.array([[R, S], [T, P]], dtype=float)
    return a, a.T.copy()


def embed(a2, b2):
    """A 5 x 5 game whose hold/deployment cells are the 2 x 2 game; the other moves are strictly dominated."""
    low = min(a2.min(), b2.min()) - 10.0
    idx = [int(Action.HOLD), int(Action.DEPLOYMENT)]
    extra = [m for m in range(N_MOVES) if m not in idx]
    a, b = np.zeros((N_MOVES, N_MOVES)), np.zeros((N_MOVES, N_MOVES))
    a[np.ix_(idx, idx)], b[np.ix_(idx, idx)] = a2, b2
    a[extra, :], b[:, extra] = low, low
    return a, b


def as_set(eqs):
    return {tuple(np.round(np.concatenate([e.row, e.col]), 6)) for e in eqs}


def nashpy_set(a, b):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {tuple(np.round(np.concatenate([x, y]), 6)) for x, y in nashpy.Game(a, b).support_enumeration()}


TEXTBOOK = {
    # name: (T, R, P, S), class, equilibria as (row probabilities, column probabilities)
    "prisoners_dilemma": ((5, 3, 1, 0), PD, [((0, 1), (0, 1))]),
    "stag_hunt": ((3, 4, 2, 0), STAG, [((1, 0), (1, 0)), ((0, 1), (0, 1)), ((2 / 3, 1 / 3), (2 / 3, 1 / 3))]),
    "chicken": ((1, 0, -10, -1), CHICKEN, [((0, 1), (1, 0)), ((1, 0), (0, 1)), ((0.9, 0.1), (0.9, 0.1))]),
    "harmony": ((2, 3, 0, 1), HARMONY, [((1, 0), (1, 0))]),
    "deadlock": ((3, 1, 2, 0), DEADLOCK, [((0, 1), (0, 1))]),
}


# ---------------------------------------------------------------- textbook games


@pytest.mark.parametrize("name", list(TEXTBOOK))
def test_textbook_games_give_their_equilibria_and_class(name):
    (T, R, P, S), cls, expected = TEXTBOOK[name]
    a, b = bimatrix(T, R, P, S)
    eq = equilibria.equilibria(a, b)
    want = {tuple(np.round(np.concatenate([x, y]), 6)) for x, y in expected}
    assert as_set(eq.found) == want == nashpy_set(a, b)
    assert eq.agree and not eq.degenerate
    side = Reduced(T, R, P, S)
    assert equilibria.classify(side, side).name == cls
    # the same game inside a 5 x 5 one: the reduction reads hold/deployment, the extra moves are dominated
    a5, b5 = embed(a, b)
    red = analysis.reduction(a5, b5)
    assert (red.row, red.col) == (side, side) and red.cls.name == cls
    eq5 = equilibria.equilibria(a5, b5)
    core = [int(Action.HOLD), int(Action.DEPLOYMENT)]
    assert {tuple(np.round(np.concatenate([np.array(e.row)[core], np.array(e.col)[core]]), 6))
            for e in eq5.found} == want
    rows, cols = equilibria.dominance(a5, b5)
    assert set(rows.surviving) <= set(core) and set(cols.surviving) <= set(core)


def test_matching_pennies_has_one_mixed_equilibrium_and_no_class():
    a = np.array([[1.0, -1.0], [-1.0, 1.0]])
    eq = equilibria.equilibria(a, -a)
    assert len(eq.found) == 1 and not eq.found[0].pure
    assert eq.found[0].row == pytest.approx((0.5, 0.5)) and eq.found[0].col == pytest.approx((0.5, 0.5))
    assert as_set(eq.found) == nashpy_set(a, -a) and eq.agree
    row, col = game.reduce(*embed(a, -a), restrain=Action.HOLD)
    cls = equilibria.classify(row, col)
    # zero-sum: each side gets the same from both restraining and both escalating (R = P)
    assert cls.name == OTHER and cls.row.ties == ("R = P",) and cls.col.ties == ("R = P",)


def test_prisoners_dilemma_dominance_and_pareto():
    a, b = bimatrix(5, 3, 1, 0)
    rows, cols = equilibria.dominance(a, b)
    assert rows.strictly_dominant == D and cols.strictly_dominant == D
    assert rows.strictly_dominated == {C: (D,)} and rows.surviving == (D,)
    assert sorted(equilibria.pareto_optimal(a, b)) == [(C, C), (C, D), (D, C)]


def test_iterated_elimination_and_weak_dominance():
    # column R is dominated by M; once it is gone, U dominates D; then M dominates L
    a = np.array([[1, 1, 0], [0, 0, 2]], dtype=float)
    b = np.array([[0, 2, 1], [3, 1, 0]], dtype=float)
    rows, cols = equilibria.dominance(a, b)
    assert cols.strictly_dominated == {2: (1,)} and rows.strictly_dominated == {}
    assert rows.surviving == (0,) and cols.surviving == (1,)
    w = np.array([[1, 1], [1, 0]], dtype=float)
    r, _ = equilibria.dominance(w, w.T)
    assert r.strictly_dominant is None and r.weakly_dominant == (0,) and r.weakly_dominated == {1: (0,)}


def test_degenerate_game_is_noted_not_warned():
    a = np.array([[1.0, 1.0], [1.0, 0.0]])   # against the first column, both rows are best replies
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # a nashpy RuntimeWarning would fail the test
        eq = equilibria.equilibria(a, a.T)
    assert eq.degenerate and eq.notes[0].startswith("degenerate game")
    for e in eq.found:
        assert e.as_dict()["payoff_row"] == pytest.approx(np.array(e.row) @ a @ np.array(e.col))


# ---------------------------------------------------------------- the classifier and its boundaries


def test_the_classes_match_the_textbook_orders():
    rng = np.random.default_rng(5)
    for T, R, P, S in rng.normal(size=(3000, 4)):
        name = equilibria.classify_side(Reduced(T, R, P, S)).name
        assert (name == PD) == (T > R > P > S)
        assert (name == CHICKEN) == (T > R and S > P and R > P)
        assert (name == STAG) == (R > T and P > S and R > P)
        assert (name == HARMONY) == (R > T and S > P and R > P)
        assert (name == DEADLOCK) == (T > R and P > S and P > R)


@pytest.mark.parametrize("values,ties,between", [
    ((3, 3, 1, 0), ("T = R",), (PD, STAG)),          # no temptation: between PD and Stag Hunt
    ((5, 3, 1, 1), ("P = S",), (PD, CHICKEN)),       # no fear: between PD and Chicken
    ((5, 2, 2, 0), ("R = P",), (PD, DEADLOCK)),      # restraint no better than an arms race
    ((3, 3, 1, 1), ("T = R", "P = S"), (PD, STAG, CHICKEN, HARMONY)),
])
def test_ties_are_borderline_other(values, ties, between):
    side = equilibria.classify_side(Reduced(*values))
    assert side.name == OTHER and side.ties == ties and side.between == between and side.borderline
    cls = equilibria.classify(Reduced(*values), Reduced(5, 3, 1, 0))
    assert cls.name == OTHER and cls.borderline
    assert "boundary" in cls.meaning("A", "B")


def test_ties_are_judged_relative_to_the_payoffs_scale():
    assert equilibria.classify_side(Reduced(3 + 1e-12, 3, 1, 0)).ties == ("T = R",)
    assert equilibria.classify_side(Reduced(3 + 1e-6, 3, 1, 0)).name == PD
    big = 1e6
    assert equilibria.classify_side(Reduced(big * 3 + 1e-4, big * 3, big, 0)).ties == ("T = R",)


def test_sides_differ_then_other_with_both_named():
    cls = equilibria.classify(Reduced(5, 3, 1, 0), Reduced(3, 1, 2, 0))
    assert cls.name == OTHER and not cls.borderline
    assert cls.label("US", "RU") == "other (US PD, RU DL)"


# ---------------------------------------------------------------- the stage game read off the dynamics


def test_sides_of_the_scenarios():
    s = analysis.sides_of(scenario.load("inf_2018"))
    assert (s.row, s.col, s.neutral) == ((US, NATO), (RU,), ())
    d = analysis.sides_of(scenario.load("dilemma_2p"))
    assert (d.row, d.col, d.neutral) == ((0,), (1,), ())


def test_inf_2018_start_is_a_prisoners_dilemma(inf):
    result = analysis.analyze(analysis.stage_game(inf, analysis.start_point(inf)))
    assert result.cls.name == PD and result.cls.row.name == PD and result.cls.col.name == PD
    assert result.alternative.cls.name == PD          # restrain = dialogue gives the same class
    [eq] = result.equilibria.found
    assert eq.pure and eq.support_row == eq.support_col == (int(Action.DEPLOYMENT),)
    assert result.equilibria.agree and not result.equilibria.degenerate
    x = int(Action.DEPLOYMENT)
    assert (x, x) not in result.pareto                # the equilibrium is Pareto-dominated: a dilemma
    assert result.dominance[0].strictly_dominant == x and result.dominance[1].strictly_dominant == x


def test_dilemma_2p_start_is_a_symmetric_prisoners_dilemma():
    scn = scenario.load("dilemma_2p")
    g = analysis.stage_game(scn, analysis.start_point(scn))
    red = analysis.reduction(g.row, g.col)
    assert red.cls.name == PD and red.row == red.col
    np.testing.assert_allclose(g.row, g.col.T)


def direct(state, params, turn, row_move, col_move, sides):
    """The payoff function evaluated directly: one joint move, one step, one continuation."""
    moves = np.full((1, params.n_actors), int(Action.HOLD), dtype=np.int64)
    moves[0, sides.row[0]], moves[0, sides.col[0]] = row_move, col_move
    nxt, out = dynamics.step(state, moves, params, turn, draws=None)
    value = out.payoff[0] + dynamics.continuation(nxt, params, turn)[0]
    return value[list(sides.row)].sum(), value[list(sides.col)].sum(), value


def test_every_cell_equals_the_payoff_function_at_the_start_and_later(inf):
    med = analysis.MedianRun(run=3, runs=4, seed=2, turns=8, summary={})
    for point in (analysis.start_point(inf), analysis.point_at(inf, 5, med)):
        g = analysis.stage_game(inf, point)
        assert g.point.turn in (0, 5)
        for i in range(N_MOVES):
            for j in range(N_MOVES):
                row, col, each = direct(point.state, point.params, point.turn + 1, i, j, g.sides)
                assert g.row[i, j] == pytest.approx(row, abs=1e-12)
                assert g.col[i, j] == pytest.approx(col, abs=1e-12)
                assert g.values[i, j] == pytest.approx(each, abs=1e-12)


def test_side_payoffs_add_the_allies_and_leave_the_leaders_own_game(inf, params, start):
    a, b = game.side_matrices(start, params, 1, (US, NATO), (RU,))
    own_us, own_ru = game.stage_matrices(start, params, 1, US, RU)
    values = game.joint_values(start, params, 1, US, RU)
    np.testing.assert_allclose(a, own_us + values[:, :, NATO])
    np.testing.assert_allclose(b, own_ru)


def test_allies_copying_their_leader_would_count_the_same_missiles_twice(inf, params, start):
    # the documented reason allies hold: NATO deploying hosts US missiles, and the model counts them again
    values = game.joint_values(start, params, 1, US, RU, copy=[(NATO, US)])
    side = values[:, :, US] + values[:, :, NATO]
    us, _ = game.reduce(side, values[:, :, RU])
    assert us.P > us.R   # mutual deployment would look better than mutual restraint: Deadlock, not a dilemma


# ---------------------------------------------------------------- the median run, over time, the map


@pytest.fixture(scope="module")
def small_median():
    scn = scenario.load("inf_2018").with_turns(10)
    return scn, analysis.median_run(scn, seed=3, runs=7, turns=10, jobs=1)


def test_the_replayed_median_run_is_the_ensembles(small_median):
    from sim.ensemble import run_lockstep

    scn, med = small_median
    assert med.run == med.summary["median_run"] and 0 <= med.run < 7
    recorded = run_lockstep(scn, med.seed, np.array([med.run]), 10)
    for step in analysis.replay(scn, med.seed, med.run, 10):
        assert step.state.escalation[0] == pytest.approx(recorded.escalation[0, step.turn])
        if step.next_moves is not None:
            np.testing.assert_array_equal(step.next_moves, recorded.action[0, step.turn])
    point = analysis.point_at(scn, 4, med)
    assert point.state.escalation[0] == pytest.approx(recorded.escalation[0, 4])
    assert point.date == scn.date_of(4)


def test_over_time_classes_every_turn_of_the_median_run(small_median):
    scn, med = small_median
    over = analysis.over_time(scn, med)
    assert [t.turn for t in over.turns] == list(range(len(over.turns))) and len(over.turns) <= 10
    assert over.turns[0].reduced.cls.name == PD            # the start
    first, last = over.phases()[0][0], over.phases()[-1][1]
    assert (first, last) == (0, len(over.turns) - 1)
    data = over.as_dict()
    assert data["median_run"] == med.run and len(data["per_turn"]) == len(over.turns)
    assert 0 <= over.in_support("row") <= 1


def test_a_median_run_that_breaks_down_ends_the_analysis():
    # an incident is all but certain every turn: the median run ends early
    scn = scenario.load("dilemma_2p", {"risk.h_max": 1.0, "risk.k": 0.01}).with_turns(6)
    med = analysis.median_run(scn, seed=1, runs=3, turns=6, jobs=1)
    over = analysis.over_time(scn, med)
    assert over.incident_turn is not None and len(over.turns) == over.incident_turn
    with pytest.raises(SimError, match="broke down in an incident"):
        analysis.point_at(scn, 5, med)


def test_map_marks_known_boundaries(inf):
    x = analysis.parse_axis(inf, "actors.US.payoff.audience_cost=0:6", 3)
    y = analysis.parse_axis(inf, "actors.RU.payoff.treaty_value=0.5:1.5", 2)
    gm = analysis.game_map(inf, x, y)
    assert gm.base.name == PD and (x.base, y.base) == (1.0, 1.0)
    labels = gm.labels()
    assert labels[0][0] == PD                               # no audience cost: still a dilemma
    assert labels[0][2] == "other (US DL, RU PD)"           # a lapse costing 6 makes mutual deployment better
    assert gm.reduced.shape == (2, 3, 2, 4) and sum(gm.shares().values()) == pytest.approx(1)


def test_integer_keys_give_an_integer_axis(inf):
    axis = analysis.parse_axis(inf, "actors.RU.missiles=48:64", 5)
    assert axis.integer and axis.values.tolist() == [48, 52, 56, 60, 64]


# ---------------------------------------------------------------- the command line


def test_analyze_at_the_start_prints_and_writes(tmp_path, capsys):
    out = tmp_path / "a"
    assert main(["analyze", "inf_2018", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for needle in ("Payoff of US + NATO", "Payoff of RU", "Nash equilibria (1", "vertex enumeration agrees",
                   "Dominance", "Pareto-optimal cells", "Game: Prisoner's Dilemma", "restrain = dialogue"):
        assert needle in text, needle
    data = json.loads((out / "analysis.json").read_text())
    assert data["class"] == PD and data["reduction"]["class"] == PD
    assert data["players"]["row"]["members"] == ["US", "NATO"]
    assert len(data["payoffs"]["row"]) == 5 and len(data["equilibria"]) == 1
    assert (out / "game.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_analyze_at_a_turn_and_a_date_of_dilemma_2p(tmp_path, capsys):
    common = ["--runs", "5", "--seed", "2", "--jobs", "1", "--turns", "6", "--no-plot"]
    assert main(["analyze", "dilemma_2p", "--turn", "3", "--out", str(tmp_path / "t"), *common]) == 0
    by_turn = json.loads((tmp_path / "t" / "analysis.json").read_text())
    assert by_turn["point"]["turn"] == 3 and "median of 5 runs" in by_turn["point"]["state"]
    # 2025-04-15 is after turn 3 (2025-04-01) and before turn 4: the same state
    assert main(["analyze", "dilemma_2p", "--date", "2025-04-15", "--out", str(tmp_path / "d"), *common]) == 0
    by_date = json.loads((tmp_path / "d" / "analysis.json").read_text())
    assert by_date["payoffs"] == by_turn["payoffs"]
    assert "turn 3 of run" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["inf_2018", "dilemma_2p"])
def test_analyze_over_time_and_map(tmp_path, capsys, name):
    actor = "US" if name == "inf_2018" else "BLUE"
    out = tmp_path / name
    assert main(["analyze", name, "--over-time", "--runs", "4", "--turns", "5", "--jobs", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "median run" in text and "Prisoner's Dilemma" in text
    data = json.loads((out / "over_time.json").read_text())
    assert data["runs"] == 4 and data["per_turn"][0]["class"] == PD
    assert (out / "over_time.csv").read_text().startswith("turn,date,game_turn,")
    assert main(["analyze", name, "--map", f"actors.{actor}.payoff.audience_cost=0:6",
                 f"actors.{actor}.payoff.threat_weight=1:3", "--grid", "3", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "scenario's own point" in text and "Map (rows:" in text
    gm = json.loads((out / "map.json").read_text())
    assert len(gm["classes"]) == 3 and len(gm["classes"][0]) == 3 and gm["scenario_class"] == PD
    for png in ("game_over_time.png", "game_map.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args,needle", [
    (["--set", "actors.XX.payoff.war_cost=3"], "unknown actor"),
    (["--map", "actors.US.payoff.nope=0:1", "risk.h_max=0:0.1"], "unknown key"),
    (["--map", "actors.US.payoff.war_cost=5:1", "risk.h_max=0:0.1"], "LO < HI"),
    (["--map", "risk.h_max=0:0.1", "risk.h_max=0:0.2"], "two different keys"),
    (["--map", "risk.h_max=0:2", "risk.k=1:3"], "less than or equal to 1"),
    (["--map", "risk.h_max=x:y", "risk.k=1:3"], "must be numbers"),
    (["--map", "risk.h_max=0:0.1", "risk.k=1:3", "--grid", "1"], "--grid"),
    (["--grid", "5"], "only with --map"),
    (["--date", "2030-01-01"], "outside the scenario"),
    (["--date", "2018-12-31"], "outside the scenario"),
    (["--date", "2019-02-30"], "YYYY-MM-DD"),
    (["--turn", "61"], "allowed: 0 to 60"),
    (["--turn", "2", "--over-time"], "not allowed with"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, needle):
    out = tmp_path / "never"
    try:
        status = main(["analyze", "inf_2018", *args, "--out", str(out)])
    except SystemExit as exc:  # argparse errors exit from inside main()
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()
