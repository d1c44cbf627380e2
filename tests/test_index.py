"""The escalation index, Kahn's rung and the hazard (docs/ODD.md 7.10, 7.11; finding 6 of issue "Model 3").

The index is lexicographic: its tens digit is the rung of the dyad highest on the ladder, its last digit
the intensity of the worst dyad on that rung; the hazard reads crisis stability (the warning time of the
forces in range, an open ultimatum, an open confrontation), not stocks.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import NATO, RU, US, H, calm_draws, moves
from sim.core import scenario
from sim.core.codes import (
    FLIGHT_TEST,
    NO_ONE,
    NOTICE,
    PRODUCTION,
    READY,
    RUNG_CONFRONTATION,
    RUNG_DECLARATIONS,
    RUNG_HARDENING,
    RUNG_NONE,
    RUNG_OSTENSIBLE,
    RUNG_SHOW_OF_FORCE,
    STAGES,
    TERMINATED,
)
from sim.core.params import compile_params
from sim.engine.initial import initial_state
from sim.kernel import dynamics
from sim.kernel.lookahead import continuation

RUNGS = [RUNG_NONE, RUNG_OSTENSIBLE, RUNG_DECLARATIONS, RUNG_HARDENING, RUNG_SHOW_OF_FORCE, RUNG_CONFRONTATION]


def scored(s, params):
    return dynamics.score_initial(s, params)


def hazard(s, params):
    return float(dynamics.hazard(s, params)[0])


def calm(start):
    """inf_2018 with nothing on the ladder: no missiles, no dispute, no ultimatum."""
    s = start.copy()
    s.missiles[0] = s.disputed[0] = 0
    s.ult_target[0] = NO_ONE
    return s


# ---------------------------------------------------------------- the index is lexicographic in the rung


def states_on_each_rung(start, params):
    """Hand-built states of inf_2018, a low and a high intensity on every rung the model uses."""
    def state(**fields):
        s = calm(start)
        for name, (index, value) in fields.items():
            getattr(s, name)[(0, *index)] = value
        return s

    standing = {"missiles": ((RU,), 48)}              # Russia's 48, undisputed and bound: the status quo
    gone = {"treaty": ((), TERMINATED), "unbound": (([US, RU],), True)}
    hard = {**gone, "missiles": ((RU,), 3000), "disputed": ((RU,), 3000), "demand": ((RU,), True)}
    show = {**hard, "pipeline": ((RU, 1), 500)}
    states = [
        state(), state(**gone),                                                       # 0: the treaty gone only
        state(breach=((RU,), True)), state(breach=((RU,), True), **gone),             # 1: a dispute
        state(demand=((RU,), True)), state(demand=((RU,), True), **standing),         # 3: a public demand
        state(treaty=((), NOTICE), notice_by=((), US), notice_end=((), 5), unbound=((US,), True)),  # 4: notice
        state(**hard),                                                                # 4: a contested force
        state(stage=((US,), FLIGHT_TEST), stage_left=((US,), 5)),                     # 5: US flight tests
        state(**show),                                                                # 5: a large order
        state(missiles=(([US, RU],), 1), stage=((US,), READY), hosting=((NATO,), True)),   # 9: one missile each
        state(**{**show, "missiles": (([US, RU],), 3000), "stage": ((US,), PRODUCTION),
                 "stage_left": ((US,), 3), "hosting": ((NATO,), True)}),              # 9: everything at once
    ]
    return [scored(s, params) for s in states]


def test_every_rung_is_reached_and_orders_the_index(start, params):
    states = states_on_each_rung(start, params)
    rungs = [int(s.rung[0]) for s in states]
    assert rungs == [r for r in RUNGS for _ in range(2)]
    for lower, upper in itertools.pairwise(states):
        if int(lower.rung[0]) < int(upper.rung[0]):
            assert lower.escalation[0] < upper.escalation[0]
    by_rung = {}
    for s in states:
        by_rung.setdefault(int(s.rung[0]), []).append(float(s.escalation[0]))
    for a, b in itertools.pairwise(RUNGS):
        assert max(by_rung[a]) < min(by_rung[b])                 # the most intense of a rung below the least above
    for s in states:                                             # the tens digit is the rung
        assert math.floor(s.escalation[0] / 10) == s.rung[0] and s.esc_ladder[0] == pytest.approx(s.rung[0] / 9)


def test_the_components_add_up_to_the_index(start, params):
    weights = dynamics.index_weights(params)
    for s in states_on_each_rung(start, params):
        assert 100 * sum(w * float(getattr(s, c)[0]) for c, w in weights.items()) == pytest.approx(s.escalation[0])


ASIA = scenario.load("inf_2018_asia")
ASIA_PARAMS = compile_params(ASIA)
INF = scenario.load("inf_2018")
INF_PARAMS = compile_params(INF)


@st.composite
def random_states(draw):
    """A random state of inf_2018 or inf_2018_asia: forces, orders, programmes, the treaty, demands,
    ultimatums, hosting and eliminations drawn independently (consistent only as far as the index needs)."""
    scn, params = draw(st.sampled_from([(INF, INF_PARAMS), (ASIA, ASIA_PARAMS)]))
    n = params.n_actors
    s = initial_state(scn, params, 1)
    owners = np.flatnonzero(params.host_of < 0)
    for i in owners:
        s.missiles[0, i] = draw(st.sampled_from([0, 1, 16, 48, 64, 1500, 1516, 5000]))
        s.disputed[0, i] = draw(st.integers(0, int(s.missiles[0, i])))
        s.stage[0, i] = draw(st.integers(0, len(STAGES) - 1))
        s.stage_left[0, i] = draw(st.integers(0, 3))
        s.pipeline[0, i, draw(st.integers(0, s.pipeline.shape[2] - 1))] = draw(st.sampled_from([0, 16]))
        s.elim_left[0, i] = draw(st.sampled_from([0, 0, 5]))
    for i in range(n):
        s.demand[0, i] = draw(st.booleans())
        s.breach[0, i] = draw(st.booleans()) and bool(params.party[i])
        s.ult_target[0, i] = draw(st.sampled_from([NO_ONE, *np.flatnonzero(params.adversary[i]).tolist()]))
        if params.host_of[i] >= 0:
            s.hosting[0, i] = draw(st.booleans())
    s.treaty[0] = draw(st.integers(0, 3))
    s.unbound[0] = [draw(st.booleans()) and bool(params.party[i]) for i in range(n)]
    return s, params


@settings(max_examples=150, deadline=None)
@given(random_states())
def test_on_any_state_the_tens_digit_of_the_index_is_the_rung(case):
    s, params = case
    out = scored(s, params)
    e, rung = float(out.escalation[0]), int(out.rung[0])
    assert rung in RUNGS and 0.0 <= e <= 99.0
    assert math.floor(e / 10) == rung                # so a state on a higher rung always scores higher
    for c in ("esc_treaty", "esc_missiles", "esc_arming", "esc_demands"):
        assert 0.0 <= float(getattr(out, c)[0]) <= 1.0
    assert 0.0 <= hazard(out, params) <= params.h_max


# ---------------------------------------------------------------- more actors do not saturate it


def blocs(k, missiles, order, scale):
    """Two blocs of k actors each (no treaty), every actor an owner whose missiles reach every adversary,
    each with `missiles` fielded (beyond its standing force, none: a confrontation) and `order` on order."""
    ids = [f"A{i}" for i in range(k)] + [f"B{i}" for i in range(k)]
    actors = [{"id": a, "allies": [b for b in ids if b[0] == a[0] and b != a],
               "adversaries": [b for b in ids if b[0] != a[0]], "programme": {"stage": "ready"}} for a in ids]
    scn = scenario.from_dict({"scenario": {"name": "blocs", "start_date": dt.date(2025, 1, 1)},
                              "treaty": {"status": "none"}, "actors": actors,
                              "escalation": {"missile_scale": scale}})
    params = compile_params(scn)
    s = initial_state(scn, params, 1)
    s.missiles[0] = missiles
    s.pipeline[0, :, 0] = order
    return scored(s, params), params


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 4), st.sampled_from([1, 16, 48, 200, 1500, 100000]), st.sampled_from([0, 16]),
       st.sampled_from([10.0, 100.0, 2000.0]))
def test_more_actors_in_the_same_posture_do_not_raise_the_index(k, missiles, order, scale):
    one, one_params = blocs(1, missiles, order, scale)
    many, params = blocs(k, missiles, order, scale)
    assert int(many.rung[0]) == int(one.rung[0]) == RUNG_CONFRONTATION
    assert many.escalation[0] == pytest.approx(one.escalation[0])            # the worst dyad, not a sum
    assert many.esc_missiles[0] == pytest.approx(one.esc_missiles[0])
    assert many.escalation[0] < 10 * RUNG_CONFRONTATION + 9        # the top: only a saturated dyad reaches it
    assert hazard(many, params) == pytest.approx(hazard(one, one_params))


def test_eight_actors_leave_the_missiles_component_below_its_top():
    s = scored(initial_state(ASIA, ASIA_PARAMS, 1), ASIA_PARAMS)
    # China's 1,500 on its own scale (2,000), Russia's 48 on [escalation]'s 100: each dyad apart
    assert 0.3 < float(s.esc_missiles[0]) < 0.6


# ---------------------------------------------------------------- the rung where it misordered states


def test_a_new_treaty_with_every_missile_still_fielded_leaves_the_ladder(start, params):
    s = start.copy()
    s.disputed[0] = 0
    s.ult_target[0, US] = NO_ONE
    s.elim_left[0, RU] = 37                           # a new treaty, in force, eliminating Russia's 48
    out = scored(s, params)
    assert s.missiles[0, RU] == 48 and int(out.rung[0]) == RUNG_NONE and out.escalation[0] == pytest.approx(0.0)
    assert hazard(out, params) == 0.0
    s.elim_left[0, RU] = 0                            # not under elimination: freed? no, bound and undisputed:
    assert int(scored(s, params).rung[0]) == RUNG_NONE   # Russia's standing force, the status quo


def test_the_index_does_not_fall_when_the_treaty_ends(start, params):
    s = start.copy()
    s.treaty[0], s.notice_by[0], s.notice_end[0] = NOTICE, US, 1
    s.unbound[0, US] = True
    s.ult_target[0, US] = NO_ONE
    s.demand[0, RU] = True                            # the demand on Russia dies with the treaty (moot)
    before = scored(s, params)
    after, _ = dynamics.step(before, moves(H, H, H), params, 1, calm_draws())
    assert after.treaty[0] == TERMINATED and not after.demand[0].any()
    assert int(after.rung[0]) == int(before.rung[0]) == RUNG_HARDENING
    assert after.escalation[0] >= before.escalation[0]


def test_a_standing_force_climbs_no_rung_but_counts_in_the_intensity_and_the_hazard():
    s = initial_state(ASIA, ASIA_PARAMS, 1)
    ru, cn = ASIA.actor_ids.index("RU"), ASIA.actor_ids.index("CN")
    s.missiles[0, ru] = s.disputed[0, ru] = 0
    s.ult_target[0] = NO_ONE
    calm_asia = scored(s, ASIA_PARAMS)
    assert int(calm_asia.rung[0]) == RUNG_NONE
    assert calm_asia.esc_missiles[0] == pytest.approx(-np.expm1(-1500 / 2000))
    assert 0.0 < calm_asia.escalation[0] < 10.0 and hazard(calm_asia, ASIA_PARAMS) > 0.0
    s.missiles[0, cn] = 1516                          # a battalion beyond its standing force
    assert int(scored(s, ASIA_PARAMS).rung[0]) == RUNG_HARDENING


# ---------------------------------------------------------------- the hazard reads crisis stability


def test_no_hazard_without_forces_in_range(start, params):
    s = calm(start)
    s.ult_target[0, US] = RU                          # an open ultimatum, a public demand, a dispute,
    s.demand[0, RU] = True
    s.breach[0, RU] = True
    s.stage[0, US], s.stage_left[0, US] = PRODUCTION, 4   # a programme in production, orders under way,
    s.pipeline[0, RU, 2] = 64
    s.hosting[0, NATO] = True                         # a host's consent: but nothing fielded
    out = scored(s, params)
    assert int(out.rung[0]) == RUNG_SHOW_OF_FORCE and hazard(out, params) == 0.0
    s.missiles[0, US] = 32                            # US missiles fielded in the US reach nothing
    s.stage[0, US] = READY
    s.hosting[0, NATO] = False
    assert hazard(scored(s, params), params) == 0.0
    s.hosting[0, NATO] = True                         # hosted, they can strike Russia: a hazard
    assert hazard(scored(s, params), params) > 0.0


def with_risk(inf, **values):
    scn = scenario.apply_overrides(inf, {"actors.RU.warning_minutes" if k == "warning" else f"risk.{k}": v
                                         for k, v in values.items()})
    return compile_params(scn)


def test_the_hazard_rises_as_the_warning_shrinks(inf, start):
    s = start.copy()                                  # Russia's 48 in range of NATO, the US ultimatum open
    values = [hazard(s, with_risk(inf, warning=w)) for w in (600.0, 120.0, 45.0, 10.0, 1.0)]
    assert all(a < b for a, b in itertools.pairwise(values))
    p = with_risk(inf)
    pressure = -np.expm1(-48 / 100) * 30 / (30 + 45)  # sat(48 / 100) x decision / (decision + warning)
    assert hazard(s, p) == pytest.approx(p.h_max * (pressure * (p.w_exposure + p.w_alert)) ** p.k)


def test_the_hazard_rises_with_an_open_ultimatum_and_most_with_an_open_confrontation(inf, start, params):
    s = start.copy()                                  # Russia's 48 in range of NATO
    s.ult_target[0, US] = NO_ONE
    exposed = hazard(s, params)
    s.ult_target[0, US] = RU                          # the US ultimatum open: a deadline
    alert = hazard(s, params)
    s.missiles[0, US] = 1                             # one US missile within reach of Russia: a confrontation
    s.stage[0, US] = READY
    s.hosting[0, NATO] = True
    assert int(scored(s, params).rung[0]) == RUNG_CONFRONTATION
    confronted = hazard(s, params)
    assert 0.0 < exposed < alert < confronted
    # the confrontation makes the jump, not the one missile: without its weight the rise is the missile's
    flat = with_risk(inf, w_exposure=0.5, w_alert=0.5, w_confrontation=0.0)
    alone = start.copy()
    assert confronted / alert > 1.9 and hazard(s, flat) / hazard(alone, flat) < 1.05


def test_the_lookahead_charges_the_same_hazard(start, params):
    """future_value's flow pays war_cost x the hazard of `hazard_of`: with nothing set in motion the flow is
    constant, so the continuation's war term is war_cost x h x gamma / (1 - gamma)."""
    s = start.copy()
    s.treaty[0] = TERMINATED
    s.unbound[0, [US, RU]] = True
    s.disputed[0] = 0
    s.ult_target[0, US] = NO_ONE
    s.stage[0, US], s.stage_left[0, US] = READY, 0
    s.missiles[0, US] = 32
    s.hosting[0, NATO] = True                         # a confrontation, nothing on order
    h = hazard(s, params)
    assert h > 0
    peace = params.__class__(**{**{k: v for k, v in params.__dict__.items() if k != "_packed"},
                                "payoff": {**params.payoff, "war_cost": np.zeros(3)}})
    gap = continuation(s, peace, 5)[0] - continuation(s, params, 5)[0]
    gamma = params.payoff["discount"]
    np.testing.assert_allclose(gap, params.payoff["war_cost"] * h * gamma / (1 - gamma), rtol=1e-12)


# ---------------------------------------------------------------- both shipped scenarios


@pytest.mark.parametrize("name", ["inf_2018", "inf_2018_asia"])
def test_index_and_rung_order_the_rows_of_a_run_alike(name):
    """Finding 6's measure (bench/index_rung.py gives it over 200 runs): over every row of an ensemble
    the index and the rung have Spearman's rho >= 0.9, and no row of a lower rung scores above one of a
    higher rung."""
    from scipy.stats import spearmanr

    import sim

    turns = sim.run(name, runs=100, seed=2019, plot=False, progress=False, jobs=1).turns
    assert spearmanr(turns["escalation"], turns["rung"]).statistic >= 0.9
    top = turns.groupby("rung")["escalation"].agg(["min", "max"]).sort_index()
    assert len(top) >= 2                      # the rows reach at least two rungs: the ordering is tested
    assert (top["max"].to_numpy()[:-1] < top["min"].to_numpy()[1:]).all()
