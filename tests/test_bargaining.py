"""The terms on the table (`sim.kernel.bargaining`): comparative statics on hand-built inf_2018 states.

Each test names the mechanism and the literature it comes from: a deal must beat each side's outside
option (Fearon 1995: the bargaining range), trust discounts a promise that may be broken (Kydd 2005;
Fearon 1995's commitment problem), and forces in the field move the outside options and with them
what each side gets (Schelling 1960: bargaining power is the ability to hurt).
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import NATO, RU, US
from sim.core import scenario
from sim.core.codes import CUT_FORCE, KEEP_FORCE, NO_ONE, NO_TERMS, NOTICE, READY, TERMINATED
from sim.core.params import compile_params
from sim.engine.initial import initial_state
from sim.kernel.bargaining import DEALS, MIN_GAIN, table_terms, terms_kernel
from sim.kernel.lookahead import continuation


def situation(inf, params, *, treaty="dead", trust=1.0, us_missiles=0, hosted=False, ru_missiles=48):
    """inf_2018 with the treaty dead (no disputes left), under notice or in force, and trust set."""
    s = initial_state(inf, params, 1)
    if treaty == "dead":
        s.treaty[0] = TERMINATED
        s.unbound[0, [US, RU]] = True
        s.disputed[0] = 0
        s.ult_target[0, US] = NO_ONE
    elif treaty == "notice":
        s.treaty[0], s.notice_by[0], s.notice_end[0] = NOTICE, US, 6
        s.unbound[0, US] = True
    s.trust[0] = trust
    if us_missiles:
        s.missiles[0, US], s.stage[0, US], s.stage_left[0, US] = us_missiles, READY, 0
    s.hosting[0, NATO] = hosted
    s.missiles[0, RU] = ru_missiles
    s.disputed[0, RU] = min(int(s.disputed[0, RU]), ru_missiles)
    return table_terms(s, params, 1)


def terms(s):
    return int(s.terms[0, US, RU]), int(s.terms[0, RU, US])


def agreed_value(s, params, actor):
    """What the terms on the table are worth to `actor`: its outside option plus its gain."""
    return float(continuation(s, params, 1)[0, actor] + s.gain[0, actor, RU if actor == US else US])


def test_no_trust_no_terms(inf, params):
    # a promise nobody believes is worth nothing: each side would only have given up its own part
    for treaty in ("dead", "notice", "in_force"):
        assert terms(situation(inf, params, treaty=treaty, trust=0.0)) == (NO_TERMS, NO_TERMS), treaty


def test_trust_widens_the_range_and_the_gains(inf, params):
    gains = [situation(inf, params, trust=t).gain[0, RU, US] for t in (0.2, 0.5, 0.8, 1.0)]
    assert all(a < b for a, b in itertools.pairwise(gains))
    # once it trusts the US to stay bound, Russia trades its force for the treaty
    assert terms(situation(inf, params, trust=1.0))[1] == CUT_FORCE


def test_a_force_is_not_given_up_for_nothing(inf, params):
    # while the treaty binds the US anyway, Russia gains nothing from eliminating its force but pays
    # the concession: the terms keep its 48 missiles
    s = situation(inf, params, treaty="in_force")
    assert terms(s) == (KEEP_FORCE, KEEP_FORCE) and s.gain[0, RU, US] > MIN_GAIN
    # a Russia that values neither the treaty nor the lower risk of war without its force gains nothing
    # from eliminating it for a US that has no missiles
    cold = scenario.apply_overrides(inf, {"actors.RU.payoff.treaty_value": 0.0, "actors.RU.payoff.war_cost": 0.0})
    cold_params = compile_params(cold)
    s = situation(cold, cold_params)
    assert terms(s)[1] != CUT_FORCE


def test_deploying_improves_the_deployers_terms(inf, params):
    # Schelling (1960), and NATO's dual track of 1979: missiles in the field are worth more at the table
    # than missiles on paper. The US's value of the deal it can sign rises with its hosted force.
    without = situation(inf, params, trust=0.8)
    with_force = situation(inf, params, trust=0.8, us_missiles=48, hosted=True)
    assert agreed_value(with_force, params, US) > agreed_value(without, params, US)
    # and Russia, now under threat, gives more: the US's force enters the deal as something to trade
    assert terms(with_force) == (CUT_FORCE, CUT_FORCE) and terms(without) == (KEEP_FORCE, CUT_FORCE)


def test_a_notice_running_out_moves_russias_outside_option(inf, params):
    # the US notice makes no deal worse for Russia (the treaty it values ends): Russia gains more from any
    # terms than with the treaty in force
    alive = situation(inf, params, treaty="in_force", trust=0.8)
    notice = situation(inf, params, treaty="notice", trust=0.8)
    assert notice.gain[0, RU, US] > alive.gain[0, RU, US]


@settings(max_examples=40, deadline=None)
@given(trust=st.floats(0, 1), ru=st.integers(0, 96), us=st.integers(0, 64), hosted=st.booleans(),
       treaty=st.sampled_from(["dead", "notice", "in_force"]))
def test_terms_exist_exactly_where_both_sides_gain(inf, params, trust, ru, us, hosted, treaty):
    s = situation(inf, params, treaty=treaty, trust=trust, us_missiles=us, hosted=hosted, ru_missiles=ru)
    on_table = terms(s) != (NO_TERMS, NO_TERMS)
    assert (terms(s)[0] == NO_TERMS) == (terms(s)[1] == NO_TERMS)
    if on_table:
        assert s.gain[0, US, RU] > MIN_GAIN and s.gain[0, RU, US] > MIN_GAIN
    else:
        assert s.gain[0, US, RU] == 0.0 and s.gain[0, RU, US] == 0.0
    # only treaty parties bargain: NATO never has terms
    assert (s.terms[0, NATO] == NO_TERMS).all() and (s.terms[0, :, NATO] == NO_TERMS).all()
    assert np.isfinite(s.gain[0]).all()


def test_terms_are_the_nash_bargaining_solution(inf, params):
    # the deal on the table has the largest product of gains among the deals both prefer (Nash 1950):
    # each deal of the menu is valued alone (the kernel given a menu of one) and compared
    for kw in ({"trust": 0.9, "us_missiles": 32, "hosted": True}, {"trust": 0.6}, {"treaty": "notice", "trust": 0.7}):
        s = situation(inf, params, **kw)
        chosen = s.gain[0, US, RU] * s.gain[0, RU, US]
        products = {}
        for d, (cut_us, cut_ru) in enumerate(DEALS):
            alone = s.copy()
            alone.terms[0] = NO_TERMS
            terms_kernel(alone.replicas(), params.packed(), 1, DEALS[d:d + 1])
            if terms(alone) != (NO_TERMS, NO_TERMS):
                assert terms(alone) == (CUT_FORCE if cut_us else KEEP_FORCE, CUT_FORCE if cut_ru else KEEP_FORCE)
                products[terms(alone)] = alone.gain[0, US, RU] * alone.gain[0, RU, US]
        assert products, kw
        assert terms(s) == max(products, key=products.get) and chosen == pytest.approx(max(products.values())), kw
