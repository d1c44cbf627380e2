"""The first decision rules: quantal, mirror, reciprocal, scripted."""

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import NATO, RU, US, D, H, U, V, W, X
from sim.core import scenario
from sim.core.actions import Action
from sim.core.codes import DEVELOPMENT, FLIGHT_TEST, IN_FORCE, NO_ONE, NONE_STAGE, NOTICE, PRODUCTION, READY, TERMINATED
from sim.engine.initial import initial_state
from sim.kernel.dynamics import hits, legal_moves
from sim.rules.base import TurnView
from sim.rules.quantal import choose_logit
from sim.rules.reciprocity import threatening_missiles
from sim.rules.registry import RULES, RuleSpecError, make_rule, validate_spec

START = date(2019, 1, 16)


def view_of(state, params, turn=1):
    return TurnView(state, params, turn, START)


def test_registry_names_the_first_rules():
    assert {"quantal", "mirror", "scripted"} <= set(RULES)
    for cls in RULES.values():
        assert cls.__doc__ and set(cls.classifier) >= {"stochastic", "memory_depth", "learns", "uses_beliefs"}


def test_logit_best_response_and_uniform_limits():
    values = np.array([[0.0, 3.0, 1.0, 3.0, -1.0]])
    assert choose_logit(values, float("inf"), np.array([0.5]))[0] == 1     # ties go to the lower rung
    u = np.linspace(0.001, 0.999, 1000)
    picks = choose_logit(np.repeat(values, 1000, axis=0), 0.0, u)
    assert np.allclose(np.bincount(picks, minlength=5) / 1000, 0.2, atol=0.01)
    sharp = choose_logit(np.repeat(values, 1000, axis=0), 1.0, u)
    share = np.bincount(sharp, minlength=5) / 1000
    expected = np.exp(values[0] - 3) / np.exp(values[0] - 3).sum()
    assert np.allclose(share, expected, atol=0.01)


def test_quantal_best_response_plays_the_highest_expected_value(start, params):
    rule = make_rule({"name": "quantal", "lambda": float("inf")}, US, START, 30)
    view = view_of(start, params)
    move = rule.decide(view, np.array([0.3]))
    assert move[0] == np.argmax(view.values()[0, US])


def test_mirror_answers_in_kind_above_its_threshold(start, params):
    rule = make_rule({"name": "mirror", "threshold": "withdrawal", "otherwise": "dialogue"}, RU, START, 30)
    s = start.repeat(4)
    s.last_moves[:, US] = [D, U, W, X]
    s.last_moves[:, NATO] = H
    assert rule.decide(view_of(s, params), np.zeros(4)).tolist() == [D, D, W, X]
    tit_for_tat = make_rule({"name": "mirror"}, RU, START, 30)
    # NATO's hold outranks US dialogue; an ultimatum is not legal for Russia (nothing of the US is disputed)
    assert tit_for_tat.decide(view_of(s, params), np.zeros(4)).tolist() == [H, H, W, X]


def test_mirror_answers_a_hosts_withdrawal_of_consent_as_an_offer_of_talks(start, params):
    # NATO is no party: its withdrawal can only withdraw its consent to host, a step back, not a notice to echo
    s = start.repeat(2)
    s.last_moves[:, US] = D
    s.last_moves[:, NATO] = [W, H]
    tit_for_tat = make_rule({"name": "mirror"}, RU, START, 30)
    assert tit_for_tat.decide(view_of(s, params), np.zeros(2)).tolist() == [D, H]


def test_reciprocal_measures_answer_threatening_missiles_not_move_labels(start, params):
    """Finding 3 of the issue: Russia's doctrine reads the posture, so choice noise is not echoed."""
    rule = make_rule({"name": "reciprocal_measures"}, RU, START, 30)
    s = start.repeat(4)
    s.last_moves[:, US] = X                     # a US "deployment" label in every replica
    s.stage[:, US] = 4
    s.pipeline[1, US, 2] = 16                   # 1: an order, but no host: it threatens no one
    s.pipeline[2, US, 2] = 16                   # 2: an order that a consenting NATO will host, the treaty gone
    s.hosting[2, NATO] = True
    s.treaty[2], s.unbound[2, [US, RU]] = TERMINATED, True
    s.unbound[3, US] = True                     # 3: the US has given notice
    s.treaty[3], s.notice_by[3], s.notice_end[3] = 1, US, 6
    assert rule.decide(view_of(s, params), np.zeros(4)).tolist() == [D, D, X, W]
    # once its own new missiles match the threat, it stops: no race of its own
    s.pipeline[2, RU, 1] = 16
    assert rule.decide(view_of(s, params), np.zeros(4))[2] == D


# ---------------------------------------------------------------- reciprocal: a doctrine keeps the treaty


def new_treaty(start, n):
    """n replicas of inf_2018 under a new treaty that binds everyone (nothing disputed, no demand), with
    Russia's programme as a halt used to leave it: development complete, one move from flight tests."""
    s = start.repeat(n)
    s.treaty[:], s.notice_by[:], s.notice_end[:] = IN_FORCE, NO_ONE, NO_ONE
    s.unbound[:] = False
    s.ult_target[:], s.ult_deadline[:] = NO_ONE, NO_ONE
    s.disputed[:], s.demand[:], s.breach[:] = 0, False, False
    s.stage[:, RU], s.stage_left[:, RU] = DEVELOPMENT, 0
    s.last_moves[:] = D
    return s


def unbind(s, rows):
    """The treaty has ended in these replicas: no one is bound."""
    s.treaty[rows] = TERMINATED
    s.unbound[np.ix_(rows, [US, RU])] = True


def test_reciprocal_answers_only_a_programme_that_threatens_and_never_by_testing_while_bound(start, params):
    """Finding 5 of issue "Model 3": a US test (out of noise, with no missile of it able to reach Russia)
    made Russia's doctrine flight-test under a new treaty. It answers a programme that can reach it (NATO
    hosts), legally: while bound it tests only after leaving the treaty, on an established US violation."""
    rule = make_rule({"name": "reciprocal_measures"}, RU, START, 30)
    s = new_treaty(start, 6)
    s.stage[:, US], s.stage_left[:, US] = FLIGHT_TEST, 6          # the US flight-tests in every replica
    s.hosting[[1, 2, 3, 5], NATO] = True                          # ... and NATO would field its missiles
    s.breach[2, US] = True                                        # 2: the US tests were detected
    unbind(s, [3, 4])                                             # 3, 4: the treaty has ended
    s.stage[5, RU] = NONE_STAGE                                   # 5: Russia has no programme left
    # 0: no threat (no host); 1: bound, no US violation established; 2: notice, the legal answer;
    # 3: unbound and threatened: flight tests; 4: unbound, not threatened; 5: development breaks no treaty
    assert rule.decide(view_of(s, params), np.zeros(6)).tolist() == [D, D, W, V, D, V]


def test_reciprocal_answers_a_threatening_deployment_by_ordering_only_when_unbound(start, params):
    rule = make_rule({"name": "reciprocal_measures"}, RU, START, 30)
    s = new_treaty(start, 5)
    s.stage[:, RU] = READY
    s.stage[:, US] = READY
    s.missiles[:, US] = 16                                        # US missiles in Europe reach Russia
    s.hosting[:, NATO] = True
    unbind(s, [0])                                                # 0: no treaty: an order in answer
    s.disputed[2, US] = 16                                        # 2: the US missiles were found: notice
    s.treaty[3], s.notice_by[3], s.notice_end[3] = NOTICE, US, 9  # 3: the US gave notice: notice
    s.unbound[3, US] = True
    s.treaty[4], s.notice_by[4], s.notice_end[4] = NOTICE, RU, 9  # 4: Russia gave notice, no longer bound
    s.unbound[4, RU] = True
    # 1: bound, the US missiles not (yet) found in violation: no order, dialogue
    assert rule.decide(view_of(s, params), np.zeros(5)).tolist() == [X, D, W, W, X]
    # without answering notice in kind, it still leaves the treaty to answer a threatening deployment
    quiet = make_rule({"name": "reciprocal_measures", "answer_notice": False}, RU, START, 30)
    assert quiet.decide(view_of(s, params), np.zeros(5)).tolist() == [X, D, W, W, X]


def test_reciprocal_gives_notice_when_an_adversary_party_has(start, params):
    rule = make_rule({"name": "reciprocal_measures"}, RU, START, 30)
    s = new_treaty(start, 2)
    s.treaty[:], s.notice_by[:], s.notice_end[:] = NOTICE, US, 9
    s.unbound[:, US] = True
    s.stage[1, US], s.stage_left[1, US] = FLIGHT_TEST, 4          # with or without a US programme
    assert rule.decide(view_of(s, params), np.zeros(2)).tolist() == [W, W]
    silent = make_rule({"name": "reciprocal_measures", "answer_notice": False}, RU, START, 30)
    assert silent.decide(view_of(s, params), np.zeros(2)).tolist() == [D, D]


def test_reciprocal_rebuilds_no_force_a_treaty_eliminated(start, params):
    """Its own new missiles count from its smallest force: after a new treaty eliminated its 48 missiles,
    one threatening battalion is answered by one, not by rebuilding the 48 first (and ratio 0 orders none)."""
    rule = make_rule({"name": "reciprocal_measures"}, RU, START, 30)
    zero = make_rule({"name": "reciprocal_measures", "ratio": 0.0}, RU, START, 30)
    s = start.repeat(1)
    rule.decide(view_of(s, params), np.zeros(1))                   # the first decision: 48 missiles
    zero.decide(view_of(s, params), np.zeros(1))
    unbind(s, [0])
    s.missiles[:, RU], s.disputed[:] = 0, 0                        # eliminated under a treaty since ended
    s.stage[:, US], s.missiles[:, US], s.hosting[:, NATO] = READY, 16, True
    assert rule.decide(view_of(s, params), np.zeros(1))[0] == X
    assert zero.decide(view_of(s, params), np.zeros(1))[0] != X
    s.pipeline[:, RU, 2] = 16                                      # one battalion on order: enough
    assert rule.decide(view_of(s, params), np.zeros(1))[0] == D


INF = scenario.load("inf_2018")
SIDE = np.array([False, True, False])   # Russia's side: itself (it has no allies in inf_2018)


@st.composite
def postures(draw):
    """A state of inf_2018 that the dynamics can reach, drawn field by field."""
    treaty = draw(st.sampled_from([IN_FORCE, NOTICE, TERMINATED, 3]))
    stage = [draw(st.sampled_from([READY, NONE_STAGE, DEVELOPMENT, FLIGHT_TEST, PRODUCTION, READY])) for _ in (US, RU)]
    left = [0 if g in (NONE_STAGE, READY) else draw(st.integers(0, 3)) for g in stage]
    missiles = [draw(st.sampled_from([0, 16, 32])) if g == READY else 0 for g in stage]
    return {
        "treaty": treaty,
        "unbound": [draw(st.booleans()) if treaty in (IN_FORCE, NOTICE) else treaty == TERMINATED
                    for _ in (US, RU)],
        "stage": stage, "left": left, "missiles": missiles,
        "ordered": [draw(st.sampled_from([0, 16])) if g == READY else 0 for g in stage],
        "disputed": [draw(st.sampled_from([0, m])) if treaty in (IN_FORCE, NOTICE) else 0 for m in missiles],
        "breach": [draw(st.booleans()) and treaty in (IN_FORCE, NOTICE) for _ in (US, RU)],
        "hosting": draw(st.booleans()),
        "smallest": draw(st.integers(0, 48)),            # Russia's smallest force so far
        "spec": {"name": "reciprocal", "ratio": draw(st.sampled_from([0.0, 0.5, 1.0, 2.0])),
                 "answer_notice": draw(st.booleans()), "answer_programme": draw(st.booleans()),
                 "otherwise": draw(st.sampled_from([a.label for a in Action]))},
    }


@settings(max_examples=300, deadline=None)
@given(postures())
def test_the_doctrine_never_arms_first_nor_breaks_a_treaty_binding_it(params, p):
    """Whatever the posture: no order without missiles that threaten Russia (unless its own `otherwise`
    says deploy), no order and no flight tests or production while bound, develop only in answer to a
    programme that can reach it, notice only after an adversary's notice or an established violation."""
    s = initial_state(INF, params, 1)
    s.treaty[0] = p["treaty"]
    s.notice_by[0], s.notice_end[0] = (US, 9) if p["treaty"] == NOTICE else (NO_ONE, NO_ONE)
    s.ult_target[0], s.ult_deadline[0], s.demand[0] = NO_ONE, NO_ONE, False
    for k, actor in enumerate((US, RU)):
        s.unbound[0, actor] = p["unbound"][k]
        s.stage[0, actor], s.stage_left[0, actor] = p["stage"][k], p["left"][k]
        s.missiles[0, actor], s.disputed[0, actor] = p["missiles"][k], p["disputed"][k]
        s.pipeline[0, actor, 1] = p["ordered"][k]
        s.breach[0, actor] = p["breach"][k]
    s.hosting[0, NATO] = p["hosting"]
    rule = make_rule(p["spec"], RU, START, 30)
    own = s.missiles[:, RU] + s.pipeline[:, RU].sum(axis=1)
    rule.memory["baseline"] = np.minimum(own, p["smallest"])
    move = int(rule.decide(view_of(s, params), np.zeros(1))[0])

    assert legal_moves(s, params)[0, RU, move]
    alive = p["treaty"] in (IN_FORCE, NOTICE)
    bound = alive and not p["unbound"][1]
    if threatening_missiles(s, params, RU)[0] == 0 and p["spec"]["otherwise"] != "deployment":
        assert move != X                                          # never orders first
    if bound:
        assert move != X                                          # an order would arrive in violation
        assert not (move == V and p["stage"][1] >= DEVELOPMENT)   # into flight tests or production
    if move == V and p["spec"]["otherwise"] != "develop":
        reach = (hits(s, params)[0, US] & SIDE).any()
        assert p["spec"]["answer_programme"] and reach and p["stage"][0] >= FLIGHT_TEST
    if move == W and p["spec"]["otherwise"] != "withdrawal":
        gave_notice = alive and p["unbound"][0]
        violated = alive and (p["disputed"][0] > 0 or p["breach"][0])
        assert gave_notice or violated                             # never the first to leave
    assert p["stage"][1] < PRODUCTION or move != V                 # (develop is illegal there anyway)


def test_scripted_plays_its_dates_then_the_fallback(start, params):
    spec = {"name": "scripted", "moves": {"2019-03-01": "withdrawal"}, "then": {"name": "mirror"}}
    rule = make_rule(spec, US, START, 30)
    assert rule.decide(view_of(start, params, turn=2), np.zeros(1))[0] == W   # 1 March is in turn 2
    assert rule.decide(view_of(start, params, turn=1), np.zeros(1))[0] == D   # mirror of RU's dialogue


@pytest.mark.parametrize("spec,path", [
    ({"name": "bogus"}, ".name"),
    ({"name": "quantal", "lambda": -1}, ".lambda"),
    ({"name": "quantal", "temperature": 1}, ".temperature"),
    ({"name": "mirror", "threshold": "attack"}, ".threshold"),
    ({"name": "scripted", "then": {"name": "nope"}}, ".then.name"),
])
def test_bad_rule_specs_name_the_parameter(spec, path):
    with pytest.raises(RuleSpecError) as err:
        validate_spec(spec, start=START)
    assert err.value.path == path and err.value.allowed
