"""The first decision rules: quantal, mirror, scripted."""

from datetime import date

import numpy as np
import pytest

from conftest import NATO, RU, US, D, H, U, W, X
from sim.rules.base import TurnView
from sim.rules.quantal import choose_logit
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


def test_reciprocal_measures_answer_threatening_missiles_not_move_labels(start, params):
    """Finding 3 of the issue: Russia's doctrine reads the posture, so choice noise is not echoed."""
    rule = make_rule({"name": "reciprocal_measures"}, RU, START, 30)
    s = start.repeat(4)
    s.last_moves[:, US] = X                     # a US "deployment" label in every replica
    s.stage[:, US] = 4
    s.pipeline[1, US, 2] = 16                   # 1: an order, but no host: it threatens no one
    s.pipeline[2, US, 2] = 16                   # 2: an order that a consenting NATO will host
    s.hosting[2, NATO] = True
    s.unbound[3, US] = True                     # 3: the US has given notice
    s.treaty[3], s.notice_by[3], s.notice_end[3] = 1, US, 6
    assert rule.decide(view_of(s, params), np.zeros(4)).tolist() == [D, D, X, W]
    # once its own new missiles match the threat, it stops: no race of its own
    s.pipeline[2, RU, 1] = 16
    assert rule.decide(view_of(s, params), np.zeros(4))[2] == D


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
