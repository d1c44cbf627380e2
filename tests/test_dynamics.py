"""Each mechanism of a turn, on hand-built states of inf_2018 (US, RU, NATO)."""

import numpy as np
import pytest

from conftest import NATO, RU, US, D, H, U, W, X, calm_draws, moves
from sim import dynamics
from sim.state import IN_FORCE, NO_ONE, NOTICE, TERMINATED


def play(state, params, turn, *row, draws=None):
    return dynamics.step(state, moves(*row), params, turn, calm_draws() if draws is None else draws)


def test_a_round_of_talks_grows_with_trust(start, params):
    d = params.diplomacy
    trust_us, trust_ru = start.trust[0, US, RU], start.trust[0, RU, US]
    s, out = play(start, params, 1, D, D, H)
    expected = d["talks_rate"] * 0.5 * (trust_us + trust_ru)
    assert s.talks[0, US, RU] == pytest.approx(expected) and s.talks[0, RU, US] == pytest.approx(expected)
    assert s.talks[0, US, NATO] == 0.0
    assert s.trust[0, US, RU] == pytest.approx(trust_us + d["trust_round_gain"])
    assert out.in_round[0].tolist() == [True, True, False]
    # with more trust, the same round goes further
    trusting = start.copy()
    trusting.trust[:] = 1.0
    s2, _ = play(trusting, params, 1, D, D, H)
    assert s2.talks[0, US, RU] == pytest.approx(d["talks_rate"])


def test_one_sided_dialogue_earns_a_little_trust_and_costs_a_hawk(start, params):
    s, out = play(start, params, 1, D, H, H)
    assert s.talks[0, US, RU] == 0.0
    assert s.trust[0, RU, US] == pytest.approx(start.trust[0, RU, US] + params.diplomacy["trust_one_sided_gain"])
    s_hold, out_hold = play(start, params, 1, H, H, H)
    # the US pays its dialogue_cost (0.1) for an unanswered offer, and avoids nothing else by it
    assert out_hold.payoff[0, US] - out.payoff[0, US] == pytest.approx(params.payoff["dialogue_cost"][US], abs=0.05)


def test_agreement_rescinds_notice_meets_ultimatum_and_removes_disputed(start, params):
    s = start.copy()
    s.talks[0, US, RU] = s.talks[0, RU, US] = 0.95
    s.treaty[0], s.notice_by[0], s.notice_end[0] = NOTICE, US, 5
    s.unbound[0, US] = True
    assert s.ult_target[0, US] == RU
    nxt, out = play(s, params, 1, D, D, H)
    assert out.agreement[0].tolist() == [True, True, False]
    assert nxt.treaty[0] == IN_FORCE and nxt.notice_by[0] == NO_ONE and not nxt.unbound[0].any()
    assert nxt.ult_target[0, US] == NO_ONE and not out.lapsed[0, US]
    assert nxt.disputed[0, RU] == 0 and nxt.missiles[0, RU] == 0
    assert nxt.talks[0, US, RU] == 0.0
    assert nxt.trust[0, US, RU] > s.trust[0, US, RU] + params.diplomacy["trust_agreement_gain"] - 1e-9


def test_ultimatum_lapses_without_follow_through(start, params):
    # the US ultimatum of the start is due on turn 1: holding lets it lapse
    s, out = play(start, params, 1, H, H, H)
    assert out.lapsed[0, US] and not out.carried[0, US]
    assert s.credibility[0, US] == pytest.approx(start.credibility[0, US] - params.diplomacy["credibility_loss"])
    assert s.ult_target[0, US] == NO_ONE
    # the same turn with the deadline further off: the lapse alone costs the audience cost
    later = start.copy()
    later.ult_deadline[0, US] = 3
    _, out_later = play(later, params, 1, H, H, H)
    assert not out_later.lapsed[0, US]
    assert out_later.payoff[0, US] - out.payoff[0, US] == pytest.approx(params.payoff["audience_cost"][US])


@pytest.mark.parametrize("threat", [W, X])
def test_ultimatum_carried_out_raises_credibility(start, params, threat):
    s, out = play(start, params, 1, threat, H, H)
    assert out.carried[0, US] and not out.lapsed[0, US]
    assert s.credibility[0, US] == pytest.approx(start.credibility[0, US] + params.diplomacy["credibility_gain"])


def test_new_ultimatum_targets_the_disputed_adversary_with_a_deadline(start, params):
    s, _ = play(start, params, 1, H, U, U)
    assert s.ult_target[0, RU] == US          # RU's only adversary with missiles: US (NATO listed later)
    assert s.ult_target[0, NATO] == RU
    assert s.ult_deadline[0, NATO] == 1 + params.ultimatum_turns
    # one open ultimatum per issuer: a second one changes nothing
    s2, _ = play(s, params, 2, H, H, U)
    assert s2.ult_deadline[0, NATO] == s.ult_deadline[0, NATO]
    # the lapse comes on the deadline turn, not before
    t, cur = 2, s
    while t < 1 + params.ultimatum_turns:
        cur, out = play(cur, params, t, H, H, H)
        assert not out.lapsed[0, NATO]
        t += 1
    _, out = play(cur, params, t, H, H, H)
    assert out.lapsed[0, NATO]


def test_notice_ends_the_treaty_on_the_right_turn(start, params):
    s, _ = play(start, params, 1, W, H, H)
    assert s.treaty[0] == NOTICE and s.notice_by[0] == US and s.notice_end[0] == 1 + params.notice_turns
    assert s.unbound[0, US] and not s.unbound[0, RU]
    for turn in range(2, 1 + params.notice_turns):
        s, _ = play(s, params, turn, H, H, H)
        assert s.treaty[0] == NOTICE, turn
    s, _ = play(s, params, 1 + params.notice_turns, H, H, H)
    assert s.treaty[0] == TERMINATED and s.unbound[0, US] and s.unbound[0, RU]
    # once the treaty is gone, withdrawal means leaving the talks
    s.talks[0, US, RU] = s.talks[0, RU, US] = 0.4
    s2, _ = play(s, params, 20, W, H, H)
    assert s2.treaty[0] == TERMINATED and s2.talks[0, US, RU] == 0.0
    assert s2.trust[0, RU, US] < s.trust[0, RU, US]


def test_non_party_withdrawal_leaves_the_talks(start, params):
    s = start.copy()
    s.talks[0, NATO, RU] = s.talks[0, RU, NATO] = 0.3
    s2, _ = play(s, params, 1, W, H, W)
    assert s2.talks[0, NATO, RU] == 0.0 and s2.notice_by[0] == US


def test_deployment_arrives_after_its_lag(start, params):
    lag = int(params.lag[RU])
    s, out = play(start, params, 1, H, X, H)
    assert out.ordered[0, RU] == params.batch[RU]
    before = start.missiles[0, RU]
    for turn in range(2, 1 + lag):
        assert s.missiles[0, RU] == before
        s, _ = play(s, params, turn, H, H, H)
    s, _ = play(s, params, 1 + lag, H, H, H)
    assert s.missiles[0, RU] == before + params.batch[RU]


def test_violation_only_while_bound_and_detection(start, params):
    lag = int(params.lag[RU])
    bound, _ = play(start, params, 1, H, X, H)
    for turn in range(2, 2 + lag):
        bound, _ = play(bound, params, turn, H, H, H)
    assert bound.illicit[0, RU] == params.batch[RU]          # arrived while bound
    # NATO is not a party: its deployment is never a violation
    lag_n = int(params.lag[NATO])
    s, _ = play(start, params, 1, H, H, X)
    for turn in range(2, 2 + lag_n):
        s, _ = play(s, params, turn, H, H, H)
    assert s.missiles[0, NATO] == params.batch[NATO] and s.illicit[0, NATO] == 0
    # a party that has given notice is no longer bound
    free, _ = play(start, params, 1, H, W, H)
    free, _ = play(free, params, 2, H, X, H)
    for turn in range(3, 3 + lag):
        free, _ = play(free, params, turn, H, H, H)
    assert free.illicit[0, RU] == 0
    # detection: a draw under p_detect finds it, moves it to disputed, and costs reputation
    found = calm_draws()
    found[0, 1 + RU] = 0.0
    nxt, out = play(bound, params, 20, H, H, H, draws=found)
    assert out.detected[0, RU] and nxt.illicit[0, RU] == 0
    assert nxt.disputed[0, RU] == bound.disputed[0, RU] + params.batch[RU]
    _, unseen = play(bound, params, 20, H, H, H)
    assert unseen.payoff[0, RU] - out.payoff[0, RU] == pytest.approx(params.payoff["reputation_cost"][RU])


def test_incident_ends_the_run(inf, params):
    from sim.crisis import Crisis

    crisis = Crisis(inf, seed=3, replicas=[0, 1], turns=5)
    crisis.draws[0, 0, 0] = 0.0      # replica 0 breaks down on turn 1 whatever the hazard
    moves_, out = crisis.resolve(crisis.decide_all())
    assert crisis.state.incident.tolist() == [True, False]
    assert out.payoff[0, US] < out.payoff[1, US] - params.payoff["war_cost"][US] / 2
    crisis.drop_ended()
    assert crisis.replicas.tolist() == [1]
    # in the ensemble, a run that breaks down has no rows after its incident
    from sim.ensemble import run_lockstep
    from sim.scenario import apply_overrides

    doomed = apply_overrides(inf, {"risk.h_max": 1.0, "risk.k": 0.001})
    result = run_lockstep(doomed, 3, np.arange(4), 5)
    assert result.last_turn.tolist() == [1, 1, 1, 1]
    assert result.incident[:, 1].all() and np.isnan(result.escalation[:, 2:]).all()
    assert (result.action[:, 1:] == -1).all()


def test_escalation_index_formula(start, params):
    s, _ = play(start, params, 1, X, X, X)
    a = params.smoothing * 1.0 + (1 - params.smoothing) * start.smoothed_actions[0]
    m = 1 - np.exp(-s.missiles[0].sum() / params.missile_scale)
    expected = 100 * (params.w_actions * a + params.w_treaty * 0.0 + params.w_missiles * m
                      + params.w_ultimatum * 0.0)
    assert s.escalation[0] == pytest.approx(expected)
    assert dynamics.hazard(np.array([100.0]), params)[0] == pytest.approx(params.h_max)
    assert dynamics.hazard(np.array([50.0]), params)[0] == pytest.approx(params.h_max * 0.5 ** params.k)


def test_only_an_agreement_between_parties_rescinds_notice(start, params):
    s = start.copy()
    s.treaty[0], s.notice_by[0], s.notice_end[0] = NOTICE, US, 5
    s.unbound[0, US] = True
    s.talks[0, RU, NATO] = s.talks[0, NATO, RU] = 0.99
    nxt, out = play(s, params, 1, W, D, D)      # Russia and NATO (not a party) agree
    assert out.agreement[0, RU] and out.agreement[0, NATO]
    assert nxt.treaty[0] == NOTICE and nxt.unbound[0, US]
