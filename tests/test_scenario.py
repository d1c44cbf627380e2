"""Scenario loading, overrides and events."""

from datetime import date

import numpy as np
import pytest

from sim.core import scenario
from sim.core.actions import Action
from sim.core.errors import ScenarioError
from sim.core.params import compile_schedule
from sim.engine.crisis import Crisis


def test_shipped_scenarios_load_and_cite_every_number():
    assert {"inf_2018", "dilemma_2p"} <= set(scenario.available())
    for name in scenario.available():
        scenario.load(name)
        text = scenario.resolve_path(name).read_text()
        for line in text.splitlines():
            code = line.split("#")[0]
            value = code.split("=", 1)[1].strip() if "=" in code else '"'
            if not value.startswith(('"', "[")) and any(ch.isdigit() for ch in value):
                assert "#" in line, f"{name}: uncited number: {line}"


def test_days_become_whole_turns_rounded_up(inf):
    assert inf.days_to_turns(180) == 6 and inf.days_to_turns(181) == 7 and inf.days_to_turns(1) == 1
    assert inf.date_of(2).isoformat() == "2019-03-17"
    assert inf.turn_of(inf.date_of(5)) == 5


def test_overrides_are_validated_like_the_file(inf):
    changed = scenario.apply_overrides(inf, {"actors.US.rule.lambda": 4.0, "risk.h_max": 0.02})
    assert changed.actors[0].rule["lambda"] == 4.0 and changed.risk.h_max == 0.02
    assert inf.risk.h_max == 0.005                      # the original is unchanged
    with pytest.raises(ScenarioError, match=r"risk\.h_max = 2.*less than or equal to 1"):
        scenario.apply_overrides(inf, {"risk.h_max": 2})
    with pytest.raises(ScenarioError, match=r"actors\.XX.*unknown actor; allowed: US, RU, NATO"):
        scenario.apply_overrides(inf, {"actors.XX.missiles": 3})
    assert scenario.parse_assignment("risk.h_max=0.02") == ("risk.h_max", 0.02)
    assert scenario.parse_assignment("actors.RU.rule.name=quantal") == ("actors.RU.rule.name", "quantal")


def with_events(inf, events):
    data = inf.raw()
    data["events"] = events
    return scenario.from_dict(data, source="events-test")


def test_forced_move_event_is_played_on_its_turn(inf):
    scn = with_events(inf, [{"date": inf.date_of(3), "actor": "RU", "move": "deployment"}])
    crisis = Crisis(scn, seed=2, replicas=range(5), turns=4)
    for _ in range(3):
        played, _ = crisis.resolve(crisis.decide_all())
    assert (played[:, 1] == int(Action.DEPLOYMENT)).all()


def test_parameter_event_changes_values_from_its_turn(inf):
    scn = with_events(inf, [{"date": inf.date_of(10), "set": {"risk.h_max": 0.5, "actors.US.payoff.war_cost": 1.0}}])
    schedule = compile_schedule(scn)
    assert schedule.params_at(9).h_max == 0.005 and schedule.params_at(10).h_max == 0.5
    assert schedule.params_at(30).payoff["war_cost"][0] == 1.0
    with pytest.raises(ScenarioError, match=r"events\.0\.date"):
        with_events(inf, [{"date": inf.date_of(100), "set": {"risk.h_max": 0.5}}])
    with pytest.raises(ScenarioError, match=r"risk\.k"):
        with_events(inf, [{"date": inf.date_of(3), "set": {"risk.k": -1}}])
    with pytest.raises(ScenarioError, match=r"events\.0"):
        with_events(inf, [{"date": inf.date_of(3), "actor": "US"}])
    # the starting situation and the rules are not parameters: an event cannot change them
    for key in ("actors.RU.missiles", "actors.US.rule.lambda", "diplomacy.initial_trust", "treaty.status"):
        with pytest.raises(ScenarioError, match=r"events\.0\.set.*parameters only"):
            with_events(inf, [{"date": inf.date_of(3), "set": {key: 1}}])


def test_initial_state_follows_the_scenario(inf, start):
    assert start.missiles[0].tolist() == [0, 48, 0]
    assert start.disputed[0].tolist() == [0, 48, 0]
    assert start.ult_target[0].tolist() == [1, -1, -1] and start.ult_deadline[0, 0] == 1
    assert start.trust[0, 0, 1] == pytest.approx(0.2) and start.trust[0, 1, 2] == pytest.approx(0.2)
    assert np.allclose(start.beliefs.sum(axis=4), 1.0)
    ultimatum = int(Action.ULTIMATUM)                          # the US's last move: its context
    assert start.beliefs[0, 0, 1, ultimatum].argmax() == 0     # the US expects Russia's dialogue
    # Russia declares reciprocal measures: the US expects a deployment in answer to its own
    deploy = int(Action.DEPLOYMENT)
    assert start.beliefs[0, 0, 1, deploy].argmax() == deploy
    assert start.stage[0].tolist() == [1, 4, 0] and start.stage_left[0, 0] == 24 - 13


def test_a_build_up_under_way_arrives_when_the_scenario_says(inf):
    # Russia (index 1) has 16 more missiles on their way at the start: they arrive after its deploy lag
    # (3 turns), or on the turn of the date given, in every run whatever the rules do
    for arrives, turn in ((None, 3), (inf.date_of(2), 2)):
        data = inf.raw()
        ru = next(a for a in data["actors"] if a["id"] == "RU")
        ru["on_order"] = 16
        if arrives is not None:
            ru["on_order_arrives"] = arrives
        crisis = Crisis(scenario.from_dict(data, source="build-up"), seed=3, replicas=range(4), turns=turn)
        assert crisis.state.pipeline[:, 1].sum() == 4 * 16
        counts = []
        while not crisis.finished:
            crisis.resolve(crisis.decide_all())
            counts.append(crisis.state.missiles[:, 1].copy())
        assert (counts[-1] >= 48 + 16).all() and (turn == 1 or (counts[-2] < 48 + 16).all())


@pytest.mark.parametrize(("key", "value", "allowed"), [
    ("actors.NATO.on_order", 16, "ready system"),
    ("actors.US.on_order", 16, "ready system"),
    ("actors.RU.on_order_arrives", date(2030, 1, 1), "deploy lag later"),
])
def test_orders_under_way_need_a_ready_owner_and_a_date_within_the_lag(inf, key, value, allowed):
    with pytest.raises(ScenarioError, match=allowed):
        scenario.apply_overrides(inf, {key: value, **({"actors.RU.on_order": 16} if "arrives" in key else {})})


def test_a_host_may_consent_at_the_start_and_only_a_host(inf):
    # consent in principle before the crisis opens (NATO's 1979 decision): US missiles reach Russia from
    # NATO soil once they exist, and NATO may withdraw its consent from the first turn
    start = Crisis(scenario.apply_overrides(inf, {"actors.NATO.hosting": True}), seed=1, replicas=range(2),
                   turns=1).state
    assert start.hosting[:, 2].all() and not start.hosting[:, :2].any()
    with pytest.raises(ScenarioError, match=r"actors\.US\.hosting.*unless the actor is a host"):
        scenario.apply_overrides(inf, {"actors.US.hosting": True})


@pytest.mark.parametrize(("actor", "other", "allowed"), [
    ("US", "NATO", "allies of US that own missiles: none"),     # a host owns none
    ("RU", "US", "allies of RU that own missiles: none"),       # an adversary is no ally
])
def test_only_an_allys_own_force_can_count_in_a_ceiling(inf, actor, other, allowed):
    with pytest.raises(ScenarioError, match=allowed):
        scenario.apply_overrides(inf, {f"actors.{actor}.counts_with": [other]})


def test_rates_are_per_30_days_whatever_the_turn():
    # Model 3, finding 8: turns from a day to a month share one payoff scale. A 15-day turn has half the
    # flow, the square root of the monthly discount and the chance that gives the monthly one over two turns
    from sim.core.params import compile_params

    inf = scenario.load("inf_2018")
    month = compile_params(inf)
    fortnight = compile_params(scenario.apply_overrides(inf, {"scenario.turn_days": 15}))
    for f in ("treaty_value", "threat_weight", "force_value", "upkeep", "programme_cost", "host_cost"):
        np.testing.assert_allclose(fortnight.payoff[f], month.payoff[f] / 2)
    for f in ("deploy_cost", "comply_cost", "war_cost", "audience_cost", "reputation_cost", "talks_value"):
        np.testing.assert_array_equal(fortnight.payoff[f], month.payoff[f])        # events, not rates
    np.testing.assert_allclose(fortnight.payoff["discount"] ** 2, month.payoff["discount"])
    assert 1 - (1 - fortnight.h_max) ** 2 == pytest.approx(month.h_max)
    assert 1 - (1 - fortnight.p_detect) ** 2 == pytest.approx(month.p_detect)
    assert 1 - (1 - fortnight.diplomacy["talks_decay"]) ** 2 == pytest.approx(month.diplomacy["talks_decay"])


def test_the_value_of_a_quiet_future_does_not_depend_on_the_turn_length():
    # the discounted value of the start, nothing answered, is the same year for year with monthly or daily
    # turns, to the discretisation: the flow starts a turn on, and a monthly step of discount g weighs the
    # first month 1 - g less than daily steps do (10% at 0.9, 17% at Russia's 0.831). Without the conversion,
    # daily turns would value the start 30 times as much (a monthly flow every day)
    from sim.core.params import compile_params
    from sim.engine.initial import initial_state
    from sim.kernel.lookahead import continuation

    inf = scenario.load("inf_2018")
    values = []
    for days in (30, 10, 1):
        scn = scenario.apply_overrides(inf, {"scenario.turn_days": days, "scenario.turns": 60})
        params = compile_params(scn)
        values.append(continuation(initial_state(scn, params, 1), params, 0)[0])
    first_month = 1.0 - np.array([a.payoff.discount for a in inf.actors])
    for finer in values[1:]:
        assert (np.abs(finer - values[0]) <= first_month * np.abs(values[0])).all(), (finer, values[0])
