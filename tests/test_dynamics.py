"""Each mechanism of a turn (Model 2), on hand-built states of inf_2018 (US, RU, NATO)."""

import numpy as np
import pytest

from conftest import NATO, RU, US, C, D, H, U, V, W, X, calm_draws, moves
from sim.core import scenario
from sim.core.codes import (
    CUT_FORCE,
    DEMAND_HALT,
    DEMAND_REMOVE,
    DEVELOPMENT,
    FLIGHT_TEST,
    IN_FORCE,
    KEEP_FORCE,
    NO_ONE,
    NO_TERMS,
    NONE_STAGE,
    NOTICE,
    PRODUCTION,
    READY,
    TERMINATED,
)
from sim.core.errors import SimError
from sim.core.params import compile_params
from sim.kernel import dynamics
from sim.kernel.lookahead import continuation, counterfactual_values


def play(state, params, turn, *row, draws=None):
    return dynamics.step(state, moves(*row), params, turn, calm_draws() if draws is None else draws)


def legal(state, params, actor):
    return set(np.flatnonzero(dynamics.legal_moves(state, params)[0, actor]).tolist())


# ---------------------------------------------------------------- legal moves


def test_legal_moves_at_the_start(start, params):
    # the US is bound, its programme is in development (not complete), its ultimatum is open
    assert legal(start, params, US) == {D, H, W}
    # Russia is in dispute (its 9M729), bound, and its system is ready; nothing of the US is disputed
    assert legal(start, params, RU) == {D, H, C, W, X}
    # NATO is no party and hosts only once the US produces or has missiles
    assert legal(start, params, NATO) == {D, H, U}


def test_no_withdrawal_for_a_party_after_its_own_notice_or_after_termination(start, params):
    s, _ = play(start, params, 1, W, H, H)
    assert W not in legal(s, params, US) and W in legal(s, params, RU)
    s.treaty[0] = TERMINATED
    s.unbound[0, [US, RU]] = True
    assert W not in legal(s, params, RU) and U not in legal(s, params, RU) and C not in legal(s, params, RU)


def test_no_second_ultimatum_while_one_is_open(start, params):
    assert U not in legal(start, params, US)          # the US ultimatum of the start is open
    s, _ = play(start, params, 1, W, H, U)
    assert s.ult_target[0, NATO] == RU and U not in legal(s, params, NATO)


def test_an_illegal_move_is_refused_with_the_allowed_ones(start, params):
    with pytest.raises(SimError, match=r"NATO cannot play deployment now; allowed: dialogue, hold, ultimatum"):
        play(start, params, 1, H, H, X)


def test_a_host_may_consent_only_once_its_leader_produces(start, params):
    s = start.copy()
    s.stage[0, US], s.stage_left[0, US] = PRODUCTION, 5
    assert X in legal(s, params, NATO)
    nxt, _ = play(s, params, 1, H, H, X)
    assert nxt.hosting[0, NATO] and X not in legal(nxt, params, NATO)
    assert X not in legal(nxt, params, US)             # not ready yet: the US cannot order


def test_a_host_may_withdraw_its_consent_and_then_its_leaders_missiles_no_longer_reach_from_it(start, params):
    s = start.copy()
    s.stage[0, US], s.missiles[0, US] = READY, 16
    assert W not in legal(s, params, NATO)                # nothing to withdraw before it consents
    hosting, _ = play(s, params, 1, H, H, X)
    assert dynamics.hits(hosting, params)[0, US, RU] and W in legal(hosting, params, NATO)
    revoked, out = play(hosting, params, 2, H, H, W)
    assert not revoked.hosting[0, NATO] and not dynamics.hits(revoked, params)[0, US, RU]
    assert not out.notice[0, NATO] and revoked.treaty[0] == IN_FORCE    # a host's withdrawal is not notice
    assert X in legal(revoked, params, NATO) and W not in legal(revoked, params, NATO)   # it may consent again
    assert revoked.missiles[0, US] == 16                  # the missiles are the leader's: they stay its own


def test_a_withdrawal_of_consent_meets_a_demand_to_remove_what_it_hosted(start, params):
    s = unbound_crisis(start)
    s.stage[0, US], s.missiles[0, US], s.hosting[0, NATO] = READY, 16, True
    s, _ = play(s, params, 1, H, U, H)
    assert s.ult_target[0, RU] == US and s.ult_demand[0, RU] == DEMAND_REMOVE
    s, _ = play(s, params, 2, H, H, W)
    for turn in range(3, 3 + params.ultimatum_turns):
        s, out = play(s, params, turn, H, H, H)
        if s.ult_target[0, RU] == NO_ONE:
            break
    assert out.met[0, RU] and s.missiles[0, US] == 16 and not out.lapsed[0, RU]


# ---------------------------------------------------------------- programmes and orders


def test_develop_moves_a_complete_stage_on_and_stages_take_their_time(start, params):
    s = start.copy()
    s.stage_left[0, US] = 0                              # development complete
    assert V in legal(s, params, US)
    s, _ = play(s, params, 1, V, H, H)
    tests = params.stage_turns[US, FLIGHT_TEST]
    assert s.stage[0, US] == FLIGHT_TEST and s.stage_left[0, US] == tests - 1   # its first turn is this one
    for turn in range(2, 1 + tests):
        assert V not in legal(s, params, US)             # a stage under way cannot be advanced
        s, _ = play(s, params, turn, H, D, H)
    assert s.stage_left[0, US] == 0 and V in legal(s, params, US)
    s, _ = play(s, params, 20, V, D, H)
    for turn in range(21, 20 + params.stage_turns[US, PRODUCTION]):
        s, _ = play(s, params, turn, H, D, H)
    assert s.stage[0, US] == READY and X in legal(s, params, US)


def test_an_order_arrives_after_its_lag_and_is_valued_by_its_discounted_arrival(start, params):
    s = start.copy()
    s.stage[0, US] = READY
    s.treaty[0] = TERMINATED
    s.unbound[0, [US, RU]] = True
    s.ult_target[0, US] = NO_ONE
    s.disputed[0] = 0
    s.hosting[0, NATO] = True
    nxt, out = play(s, params, 1, X, D, D)
    assert out.ordered[0, US] == params.batch[US] and nxt.missiles[0, US] == 0
    lag = params.lag[US]
    for turn in range(2, 2 + lag):
        assert nxt.missiles[0, US] == 0
        nxt, _ = play(nxt, params, turn, H, D, D)
    assert nxt.missiles[0, US] == params.batch[US]

    def order_value(lag_days, war_cost):
        p = params.__class__(**{**{k: v for k, v in params.__dict__.items() if k != "_packed"},
                                "lag": np.array([lag_days, 3, 6]),
                                "payoff": {**params.payoff, "war_cost": np.array([war_cost, 200.0, 200.0])}})
        fresh = s.copy()
        fresh.pipeline = np.zeros((1, 3, 121), dtype=np.int64)
        values = counterfactual_values(fresh, p, 1, moves(H, D, D), np.array([True, False, False]))[0, US]
        return values[X] - values[H]
    # finding 1 of the issue: the lag changes the incentive, the later the missiles arrive the less what they
    # bring counts. They bring relief from Russia's threat and their value as a force (7.12), and with the
    # war cost a confrontation with Russia's 48 (7.11) whose hazard costs less than they are worth
    assert order_value(1, 0.0) > order_value(12, 0.0) > order_value(120, 0.0)
    assert order_value(1, 200.0) > order_value(12, 200.0) > order_value(120, 200.0)


def test_flight_tests_while_bound_are_a_violation_seen_by_national_means(start, params):
    s = start.copy()
    s.stage_left[0, US] = 0
    s, _ = play(s, params, 1, V, D, H)
    draws = calm_draws()
    draws[0, 1 + 3 + US] = 0.0                         # the test-detection uniform of the US
    nxt, out = play(s, params, 2, H, D, H, draws=draws)
    assert out.detected[0, US] and nxt.breach[0, US]
    assert C in legal(nxt, params, US) and U in legal(nxt, params, RU)
    # after its own notice the US is not bound: tests are no violation
    free = s.copy()
    free.unbound[0, US] = True
    _, out_free = play(free, params, 2, H, D, H, draws=draws)
    assert not out_free.detected[0, US]


# ---------------------------------------------------------------- ultimatums


def test_the_target_can_meet_an_ultimatum_by_complying(start, params):
    s, out = play(start, params, 1, H, C, H)
    assert out.complied[0, RU] and out.met[0, US] and not out.lapsed[0, US]
    assert s.disputed[0, RU] == 0 and s.missiles[0, RU] == 0 and s.ult_target[0, US] == NO_ONE
    assert out.payoff[0, RU] < play(start, params, 1, H, D, H)[1].payoff[0, RU]   # compliance costs Russia
    # a threat met tells nothing about whether its issuer would have carried it out
    assert s.credibility[0, US] == start.credibility[0, US]


def test_credibility_is_a_belief_in_resolve_updated_by_what_is_done(start, params):
    d = params.diplomacy
    c = float(start.credibility[0, US])
    carried, _ = play(start, params, 1, W, D, H)
    lapsed, _ = play(start, params, 1, D, D, H)
    up, down = carried.credibility[0, US] - c, c - lapsed.credibility[0, US]
    assert up > 0 and down > 0 and down > up          # a bluff called says more than a threat kept
    expected = c * d["carry_if_resolute"] / (c * d["carry_if_resolute"] + (1 - c) * d["carry_if_bluffing"])
    assert carried.credibility[0, US] == pytest.approx(expected)


def test_a_threat_costlier_to_back_down_from_is_more_credible(inf, start):
    # Fearon (1994): audience costs screen out bluffers, so issuing says more the higher they are
    s = start.copy()
    s.ult_target[0, US], s.ult_deadline[0, US] = NO_ONE, NO_ONE
    s.ult_target[0, NATO] = NO_ONE
    issued = []
    for cost in (0.0, 1.0, 3.0, 6.0):
        p = compile_params(scenario.apply_overrides(inf, {"actors.NATO.payoff.audience_cost": cost}))
        nxt, _ = play(s, p, 1, H, D, U)
        assert nxt.ult_target[0, NATO] == RU
        issued.append(float(nxt.credibility[0, NATO]))
    assert issued[0] == pytest.approx(float(s.credibility[0, NATO]))     # a free threat says nothing
    assert issued == sorted(issued) and issued[-1] > issued[0]


def test_carrying_out_means_the_threatened_act(start, params):
    # the US is bound: its threat is to give notice
    _, carried = play(start, params, 1, W, D, H)
    assert carried.carried[0, US] and not carried.lapsed[0, US]
    _, lapsed = play(start, params, 1, D, D, H)
    assert lapsed.lapsed[0, US] and not lapsed.carried[0, US]


def test_audience_cost_grows_with_the_stakes(start, params):
    low, high = start.copy(), start.copy()
    low.ult_stakes[0, US], high.ult_stakes[0, US] = 0.2, 0.6
    _, out_low = play(low, params, 1, H, D, H)
    _, out_high = play(high, params, 1, H, D, H)
    gap = out_low.payoff[0, US] - out_high.payoff[0, US]
    assert gap == pytest.approx(params.payoff["audience_cost"][US] * 0.4)


def test_backing_down_does_not_lower_the_index(start, params):
    lapsed, out = play(start, params, 1, H, D, H)
    assert out.lapsed[0, US]
    assert lapsed.esc_demands[0] == 1.0 and lapsed.demand[0, RU]
    assert lapsed.escalation[0] >= start.escalation[0] - 1e-9
    met, _ = play(start, params, 1, H, C, H)
    assert met.esc_demands[0] == 0.0 and met.escalation[0] < start.escalation[0]


# ---------------------------------------------------------------- talks and agreements


def test_a_round_of_talks_grows_with_trust(start, params):
    d = params.diplomacy
    trust_us, trust_ru = start.trust[0, US, RU], start.trust[0, RU, US]
    s = start.copy()
    s.terms[0, US, RU] = s.terms[0, RU, US] = KEEP_FORCE            # a bargaining range: the round counts
    s, out = play(s, params, 1, D, D, H)
    expected = d["talks_rate"] * 0.5 * (trust_us + trust_ru)
    assert s.talks[0, US, RU] == pytest.approx(expected)
    assert out.in_round[0].tolist() == [True, True, False]


def test_an_agreement_on_elimination_rescinds_notice_and_concedes_the_dispute(start, params):
    s = start.copy()
    s.talks[0, US, RU] = s.talks[0, RU, US] = 0.95
    s.terms[0, US, RU], s.terms[0, RU, US] = KEEP_FORCE, CUT_FORCE
    s.treaty[0], s.notice_by[0], s.notice_end[0] = NOTICE, US, 5
    s.unbound[0, US] = True
    nxt, out = play(s, params, 1, D, D, H)
    assert out.agreement[0].tolist() == [True, True, False]
    assert nxt.treaty[0] == IN_FORCE and not nxt.unbound[0].any()
    assert nxt.ult_target[0, US] == NO_ONE and out.met[0, US]
    # Russia eliminates its force over the elimination period; conceding the disputed force costs it at home
    assert nxt.disputed[0, RU] == 0 and nxt.elim_left[0, RU] == params.elimination_turns - 1
    assert nxt.missiles[0, RU] < 48 and out.complied[0].tolist() == [False, True, False]


def test_a_freeze_keeps_the_forces_settles_the_dispute_and_cancels_orders(start, params):
    s = start.copy()
    s.talks[0, US, RU] = s.talks[0, RU, US] = 0.95
    s.terms[0, US, RU] = s.terms[0, RU, US] = KEEP_FORCE
    s.pipeline[0, RU, 1] = 16
    nxt, out = play(s, params, 1, D, D, H)
    assert out.agreement[0, US] and not out.complied[0].any()
    assert nxt.missiles[0, RU] == 48 and nxt.disputed[0, RU] == 0 and nxt.pipeline[0, RU].sum() == 0
    assert nxt.elim_left[0, RU] == 0 and not nxt.demand[0].any()


def test_an_agreement_after_termination_is_a_new_treaty_that_eliminates_missiles(start, params):
    s = start.copy()
    s.treaty[0] = TERMINATED
    s.unbound[0, [US, RU]] = True
    s.disputed[0] = 0
    s.ult_target[0, US] = NO_ONE
    s.talks[0, US, RU] = s.talks[0, RU, US] = 0.95
    s.terms[0, US, RU], s.terms[0, RU, US] = KEEP_FORCE, CUT_FORCE
    s.pipeline[0, RU, 1] = 16
    before = dynamics.score_initial(s, params)
    assert before.rung[0] == dynamics.RUNG_SHOW_OF_FORCE          # Russia's order under way, its 48 freed
    nxt, out = play(s, params, 1, D, D, H)
    assert nxt.treaty[0] == IN_FORCE and nxt.pipeline[0, RU].sum() == 0
    assert nxt.elim_left[0, RU] > 0 and not out.complied[0].any()      # no treaty was broken: nothing conceded
    esc = [nxt.escalation[0]]
    for turn in range(2, 2 + params.elimination_turns + 1):
        nxt, _ = play(nxt, params, turn, H, H, H)
        esc.append(nxt.escalation[0])
    assert nxt.missiles[0, RU] == 0
    # finding 7 of the issue: the index can fall back to zero. Finding 6: with all 48 missiles still fielded,
    # the new treaty takes the crisis off the ladder (missiles being eliminated under a treaty that binds
    # their owner can strike no one: docs/ODD.md 7.10), and the index with it, down from rung 5
    assert before.escalation[0] >= 50.0 and esc[0] == pytest.approx(0.0) and max(esc) == pytest.approx(0.0)


def test_talks_stall_without_terms_and_progress_decays_without_a_round(start, params):
    s = start.copy()
    s.talks[0, US, RU] = s.talks[0, RU, US] = 0.5
    s.terms[0, US, RU] = s.terms[0, RU, US] = NO_TERMS
    stalled, out = play(s, params, 1, D, D, H)
    assert out.in_round[0, US] and not out.agreement[0].any()
    assert stalled.talks[0, US, RU] == pytest.approx(0.5 * (1 - params.diplomacy["talks_decay"]))
    s.terms[0, US, RU] = s.terms[0, RU, US] = KEEP_FORCE
    moved, _ = play(s, params, 1, D, D, H)
    assert moved.talks[0, US, RU] == pytest.approx(0.5 + params.diplomacy["talks_rate"] * 0.2)
    held, _ = play(s, params, 1, D, H, H)                # Russia holds: no round, the progress decays
    assert held.talks[0, US, RU] == pytest.approx(0.5 * (1 - params.diplomacy["talks_decay"]))


def test_talks_to_save_a_treaty_do_not_outlive_it(start, params):
    s = start.copy()
    s.treaty[0], s.notice_by[0], s.notice_end[0] = NOTICE, US, 1
    s.unbound[0, US] = True
    s.talks[0, US, RU] = s.talks[0, RU, US] = 0.6
    s.terms[0, US, RU] = s.terms[0, RU, US] = KEEP_FORCE
    nxt, _ = play(s, params, 1, D, D, H)
    assert nxt.treaty[0] == TERMINATED and nxt.talks[0, US, RU] == 0.0


def test_a_new_treaty_ends_what_a_programme_built_and_a_restart_begins_with_development(start, params):
    """Finding 5 of issue "Model 3": a halted ready system restarted past development. The INF Treaty
    eliminates missiles, launchers, support structures and equipment (Art. IV) and bans producing or
    flight-testing them (Art. VI); development is not banned. So a new treaty ends a programme that has
    tested, produced or is ready (back to none), and leaves one in development as it is."""
    s = start.repeat(3)
    s.treaty[:] = TERMINATED
    s.unbound[:, [US, RU]] = True
    s.disputed[:], s.ult_target[:, US] = 0, NO_ONE
    s.talks[:, US, RU] = s.talks[:, RU, US] = 0.95
    s.terms[:, US, RU] = s.terms[:, RU, US] = KEEP_FORCE                  # a freeze on the table
    s.stage[0, US], s.stage_left[0, US] = FLIGHT_TEST, 5          # 0: US in flight tests
    s.stage[1, US], s.stage_left[1, US] = PRODUCTION, 0           # 1: US production complete (not yet ready)
    s.stage[2, US], s.stage_left[2, US] = DEVELOPMENT, 7           # 2: US development under way
    draws = np.repeat(calm_draws(), 3, axis=0)
    nxt, out = dynamics.step(s, np.repeat(moves(D, D, H), 3, axis=0), params, 1, draws)
    assert out.agreement[:, [US, RU]].all() and (nxt.treaty == IN_FORCE).all()
    assert nxt.stage[:, RU].tolist() == [NONE_STAGE] * 3 and nxt.stage_left[:, RU].tolist() == [0] * 3
    assert nxt.stage[:2, US].tolist() == [NONE_STAGE, NONE_STAGE] and nxt.stage_left[:2, US].tolist() == [0, 0]
    assert nxt.stage[2, US] == DEVELOPMENT and nxt.stage_left[2, US] == 6       # counted down, not halted
    # Russia's ready system is gone: a restart takes the whole development before any flight test
    one = nxt.take([0])
    assert V in legal(one, params, RU)
    one, _ = play(one, params, 2, H, V, H)
    assert one.stage[0, RU] == DEVELOPMENT and one.stage_left[0, RU] == params.stage_turns[RU, DEVELOPMENT] - 1
    assert V not in legal(one, params, RU)


def test_settling_a_detected_programme_ends_it(start, params):
    """A programme whose tests were detected (breach) and is settled (comply, or an agreement while the
    treaty lives) is halted the same way: its tests stop and a restart begins with development."""
    s = start.copy()
    s.stage[0, US], s.stage_left[0, US] = FLIGHT_TEST, 4
    s.breach[0, US] = True
    assert C in legal(s, params, US)
    nxt, out = play(s, params, 1, C, D, H)
    assert out.complied[0, US] and not nxt.breach[0, US]
    assert nxt.stage[0, US] == NONE_STAGE and nxt.stage_left[0, US] == 0


# ---------------------------------------------------------------- index, hazard, threat


def test_the_index_is_a_function_of_the_present_state(start, params):
    a, b = start.copy(), start.copy()
    a.treaty[0], b.treaty[0] = TERMINATED, 3         # terminated and "none" describe the same world
    for s in (a, b):
        s.unbound[0, [US, RU]] = True
    a, b = dynamics.score_initial(a, params), dynamics.score_initial(b, params)
    assert a.escalation[0] == b.escalation[0] and a.rung[0] == b.rung[0]


def test_the_hazard_reads_crisis_stability_not_the_treaty(start, params):
    ended = start.copy()
    ended.treaty[0] = TERMINATED
    ended = dynamics.score_initial(ended, params)
    assert ended.escalation[0] > start.escalation[0]
    assert dynamics.hazard(ended, params)[0] == pytest.approx(dynamics.hazard(start, params)[0])


def test_rungs_of_the_ladder(start, params):
    assert start.rung[0] == dynamics.RUNG_HARDENING        # Russia's disputed missiles in range of NATO
    declared = start.copy()
    declared.missiles[0] = declared.disputed[0] = 0
    declared.breach[0, RU] = True
    assert dynamics.score_initial(declared, params).rung[0] == dynamics.RUNG_DECLARATIONS  # an open ultimatum
    calm = start.copy()
    calm.ult_target[0] = NO_ONE
    calm.disputed[0] = 0
    calm.missiles[0] = 0
    assert dynamics.score_initial(calm, params).rung[0] == dynamics.RUNG_NONE
    faced = calm.copy()
    faced.missiles[0, [US, RU]] = 16
    faced.hosting[0, NATO] = True
    assert dynamics.score_initial(faced, params).rung[0] == dynamics.RUNG_CONFRONTATION


def test_the_value_of_arming_grows_with_the_rivals_stock(start, params):
    """The security dilemma: own missiles in range relieve more threat when the rival has more. The
    hazard of the confrontation they open (docs/ODD.md 7.11) costs more the larger the rival's force."""
    def relief(rival, war_cost):
        p = params.__class__(**{**{k: v for k, v in params.__dict__.items() if k != "_packed"},
                                "payoff": {**params.payoff, "war_cost": np.array([war_cost, 200.0, 200.0])}})
        s = start.copy()
        s.missiles[0, RU] = rival
        s.disputed[0] = 0
        s.hosting[0, NATO] = True
        base = continuation(s, p, 1)[0, US]
        s.missiles[0, US] = 32
        return continuation(s, p, 1)[0, US] - base
    assert relief(200, 0.0) > relief(48, 0.0) > relief(0, 0.0)
    war = [relief(rival, 0.0) - relief(rival, 200.0) for rival in (0, 48, 200)]
    assert 0.0 < war[0] < war[1] < war[2]


def test_hosted_missiles_count_once(start, params):
    s = start.copy()
    s.missiles[0, US] = 32
    s.stage[0, US] = READY
    unhosted = dynamics.score_initial(s, params)
    s.hosting[0, NATO] = True
    hosted = dynamics.score_initial(s, params)
    # without a host US missiles reach nothing; hosted they count once in the index
    assert hosted.esc_missiles[0] == pytest.approx(-np.expm1(-(48 + 32) / params.missile_scale))
    assert unhosted.esc_missiles[0] == pytest.approx(-np.expm1(-48 / params.missile_scale))


@pytest.mark.parametrize("name", ["inf_2018", "inf_2018_asia"])
def test_the_compiled_lookahead_computes_what_its_source_says(name):
    """The compiled kernel against its own Python source, replica by replica (the valuation of one
    replica run as Python, the resolves and future values it calls compiled), with joint moves
    enumerated (inf_2018) and sampled (8 actors). An earlier build disagreed on 6 of 98 values."""
    from sim.core import scenario
    from sim.engine.crisis import Crisis
    from sim.kernel.lookahead import _replica_values, _values, values_kernel

    crisis = Crisis(scenario.load(name), 3, np.arange(2), 3)
    view = crisis.view()
    s = crisis.state.copy()
    r, n = s.missiles.shape
    by_source = np.zeros((r, n, s.beliefs.shape[-1]))
    seeds = view.draws[:, dynamics.lookahead_column(n)].copy()

    def replica_values_by_source(r, V, T, D, F, Rm, lg, fixed, out):
        # the replica's records read by attribute in Python too (numba types a recarray as the array it views)
        T = T._replace(base=type(T.base)(*(part.view(np.recarray) for part in T.base)))
        with np.errstate(over="ignore"):        # the seed hash wraps in uint64, as compiled
            _replica_values.py_func(r, V, T, D, F, Rm, lg, fixed, out)

    import sim.kernel.lookahead as lookahead

    compiled_replica_values = lookahead._replica_values
    lookahead._replica_values = replica_values_by_source
    try:
        values_kernel.py_func(s.replicas(), view.params.packed(), 1, seeds, np.ones(n, np.bool_), s.beliefs,
                              by_source, np.zeros((0, n), np.int64), True)
    finally:
        lookahead._replica_values = compiled_replica_values
    compiled = _values(crisis.state, view.params, 1, None, crisis.state.beliefs, view.draws, None)
    assert np.isfinite(compiled).sum() > 4 * r
    assert np.array_equal(np.isfinite(compiled), np.isfinite(by_source))
    assert np.array_equal(compiled[np.isfinite(compiled)], by_source[np.isfinite(by_source)])


@pytest.mark.parametrize("name", ["inf_2018", "inf_2018_asia"])
def test_remembered_future_values_change_no_value(name):
    """The look-ahead recalls a future value when a joint move leads to the same inputs as an earlier
    one; over the states of real runs its values equal, bit for bit, those computed afresh every time."""
    from sim.core import scenario
    from sim.engine.crisis import Crisis
    from sim.kernel.lookahead import _values

    crisis = Crisis(scenario.load(name), 11, np.arange(24), 30)
    compared = 0
    while not crisis.finished:
        view = crisis.view()
        args = (crisis.state, view.params, crisis.turn + 1, None, crisis.state.beliefs, view.draws, None)
        remembered, afresh = _values(*args, memo=True), _values(*args, memo=False)
        assert np.array_equal(remembered, afresh)
        compared += np.isfinite(afresh).sum()
        crisis.resolve(crisis.decide_all())
        if crisis.state.incident.any():
            crisis.drop_ended()
    assert compared > 1000


# ---------------------------------------------------------------- demands beyond the treaty (Model 3)


def unbound_crisis(start):
    """No treaty left: Russia's 48 missiles reach NATO, no ultimatum open."""
    s = start.copy()
    s.treaty[0] = TERMINATED
    s.unbound[0, [US, RU]] = True
    s.disputed[0] = 0
    s.ult_target[0] = NO_ONE
    s.ult_deadline[0] = NO_ONE
    return s


def test_without_a_treaty_an_ultimatum_demands_the_removal_of_missiles_in_reach(start, params):
    s = unbound_crisis(start)
    assert U in legal(s, params, US) and C not in legal(s, params, RU)
    issued, _ = play(s, params, 1, U, D, H)
    assert issued.ult_target[0, US] == RU and issued.ult_demand[0, US] == DEMAND_REMOVE
    assert C in legal(issued, params, RU)                    # Russia can meet it
    met, out = play(issued, params, 2, H, C, H)
    assert out.complied[0, RU] and out.met[0, US] and met.missiles[0, RU] == 0 and met.ult_target[0, US] == NO_ONE
    # backing down lowers Russia's reputation for resolve
    assert met.credibility[0, RU] < issued.credibility[0, RU]


def test_a_programme_can_be_asked_to_halt(start, params):
    s = unbound_crisis(start)
    s.missiles[0, RU] = 0
    s.stage[0, RU], s.stage_left[0, RU] = FLIGHT_TEST, 5
    issued, _ = play(s, params, 1, U, D, H)
    assert issued.ult_demand[0, US] == DEMAND_HALT
    met, out = play(issued, params, 2, H, C, H)
    assert out.met[0, US] and met.stage[0, RU] == NONE_STAGE


def test_a_target_that_stands_firm_gains_a_reputation_for_resolve(start, params):
    s = unbound_crisis(start)
    issued, _ = play(s, params, 1, U, D, H)
    s = issued
    for turn in range(2, 2 + params.ultimatum_turns):
        s, out = play(s, params, turn, H, D, H)
    assert out.lapsed[0, US] and s.credibility[0, RU] > issued.credibility[0, RU]
    assert s.credibility[0, US] < issued.credibility[0, US] and s.demand[0, RU]


def test_a_target_reads_a_threat_by_whether_it_can_be_carried_out_in_time(start, params):
    # Russia's value of defying a US demand to remove its missiles: lower if the US can field missiles by
    # the deadline (ready), and lower the more credible the US
    def defy_value(stage, credibility):
        s = unbound_crisis(start)
        s.hosting[0, NATO] = True
        s.missiles[0, US] = 16                          # fielded already: a further battalion is what is threatened
        s.stage[0, US], s.stage_left[0, US] = stage, 0 if stage == READY else 20
        s.ult_target[0, US], s.ult_deadline[0, US], s.ult_demand[0, US] = RU, 3, DEMAND_REMOVE
        s.credibility[0, US] = credibility
        return continuation(s, params, 1)[0, RU]
    assert defy_value(READY, 0.9) < defy_value(READY, 0.3) < defy_value(READY, 0.0)
    assert defy_value(DEVELOPMENT, 0.9) == pytest.approx(defy_value(DEVELOPMENT, 0.0))   # not in time: no threat
