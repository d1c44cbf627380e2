"""The terms on the table (`sim.kernel.bargaining`): comparative statics on hand-built inf_2018 states.

Each test names the mechanism and the literature it comes from: a deal must beat each side's outside
option (Fearon 1995: the bargaining range), trust discounts a promise that may be broken (Kydd 2005;
Fearon 1995's commitment problem), forces in the field move the outside options and with them
what each side gets (Schelling 1960: bargaining power is the ability to hurt), and what each side
keeps to itself makes terms fail that would hold in the open (Fearon 1995: private information).
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import NATO, RU, US
from sim.core import scenario
from sim.core.codes import CUT_FORCE, KEEP_FORCE, NO_ONE, NO_TERMS, NOTICE, PARITY, READY, TERMINATED
from sim.core.params import compile_params
from sim.engine.crisis import private_reserves
from sim.engine.initial import initial_state
from sim.kernel import dynamics
from sim.kernel.bargaining import DEALS, MIN_GAIN, table_terms, terms_kernel
from sim.kernel.dynamics import agree_terms, work_at
from sim.kernel.lookahead import continuation


def situation(inf, params, *, treaty="dead", trust=1.0, us_missiles=0, hosted=False, ru_missiles=48, replicas=1,
              reserves=None):
    """inf_2018 with the treaty dead (no disputes left), under notice or in force, and trust set."""
    s = initial_state(inf, params, replicas, None, reserves)
    if treaty == "dead":
        s.treaty[0] = TERMINATED
        s.unbound[0, [US, RU]] = True
        s.disputed[0] = 0
        s.ult_target[0, US] = NO_ONE
    elif treaty == "notice":
        s.treaty[0], s.notice_by[0], s.notice_end[0] = NOTICE, US, 6
        s.unbound[0, US] = True
    s.trust[:] = trust
    if us_missiles:
        s.missiles[:, US], s.stage[:, US], s.stage_left[:, US] = us_missiles, READY, 0
    s.hosting[:, NATO] = hosted
    s.missiles[:, RU] = ru_missiles
    s.disputed[:, RU] = np.minimum(s.disputed[:, RU], ru_missiles)
    s.terms[:] = NO_TERMS
    s.talks[:] = 0.0
    s.reserve_floor[:] = -params.payoff["private_value"]   # nothing learned at the start's table
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
        for d, (part_us, part_ru) in enumerate(DEALS):
            alone = s.copy()
            alone.terms[0] = NO_TERMS
            terms_kernel(alone.replicas(), params.packed(), 1, DEALS[d:d + 1])
            if terms(alone) != (NO_TERMS, NO_TERMS):
                assert terms(alone) == (part_us, part_ru)
                products[terms(alone)] = alone.gain[0, US, RU] * alone.gain[0, RU, US]
        assert products, kw
        assert terms(s) == max(products, key=products.get) and chosen == pytest.approx(max(products.values())), kw


# ---------------------------------------------------------------- private information (C12)


def private(inf, value):
    """inf_2018 with both parties' reserves private within [-value, value]."""
    scn = scenario.apply_overrides(inf, {"actors.US.payoff.private_value": value,
                                         "actors.RU.payoff.private_value": value})
    return scn, compile_params(scn)


def test_private_information_makes_bargaining_failure_likelier(inf):
    # Fearon (1995): with complete information terms both prefer exist in every replica of this state;
    # the wider the range of what each side may privately need, the more often the terms chosen on what
    # is known are turned down by a side that needs more, although no side's outside option changed
    open_terms = situation(*private(inf, 0.0), trust=1.0)
    most = max(open_terms.gain[0, US, RU], open_terms.gain[0, RU, US])   # below it, nobody could walk out
    shares = []
    for width in (0.0, 1.5, 3.0, 6.0):
        scn, p = private(inf, width * most)
        reserves = private_reserves(2019, np.arange(400), p.payoff["private_value"])
        s = situation(scn, p, trust=1.0, replicas=400, reserves=reserves)
        shares.append(float((s.terms[:, US, RU] != NO_TERMS).mean()))
    assert shares[0] == 1.0
    assert all(a > b for a, b in itertools.pairwise(shares)), shares


def test_complete_information_is_private_information_of_no_width(inf, params):
    # a range of 0 is the model without private information, bit for bit
    scn, p = private(inf, 0.0)
    assert private_reserves(7, np.arange(3), p.payoff["private_value"]) is None
    for kw in ({"trust": 0.9, "us_missiles": 32, "hosted": True}, {"trust": 0.6}, {"treaty": "notice", "trust": 0.7}):
        a, b = situation(inf, params, **kw), situation(scn, p, **kw)
        assert terms(a) == terms(b) and a.gain[0].tobytes() == b.gain[0].tobytes()


def test_a_walk_out_reveals_what_the_side_needs_at_least(inf):
    width = 20.0
    scn, p = private(inf, width)
    open_terms = situation(scn, p, trust=1.0)                 # reserves 0: the terms of complete information
    ru_gain = float(open_terms.gain[0, RU, US])
    assert terms(open_terms) != (NO_TERMS, NO_TERMS) and 0 < ru_gain < width
    # Russia privately needs a little more than those terms give it: it walks out, and everyone learns
    # that its reserve is at least what it turned down; the US's stays unknown
    reserves = np.array([[0.0, ru_gain + 0.1, 0.0]])
    s = situation(scn, p, trust=1.0, reserves=reserves)
    assert terms(s) == (NO_TERMS, NO_TERMS) and s.talks[0, US, RU] == 0.0
    assert s.reserve_floor[0, RU] == pytest.approx(ru_gain) and s.reserve_floor[0, US] == -width
    # the next draft is made on what was learned: Russia is expected to need (floor + width) / 2 more, so
    # what is on the table, if anything, gives Russia at least that
    table_terms(s, p, 2)
    if terms(s) != (NO_TERMS, NO_TERMS):
        assert s.gain[0, RU, US] > (ru_gain + width) / 2
    # a side whose reserve the terms cover signs: Russia needing a little less than it gets stays
    s = situation(scn, p, trust=1.0, reserves=np.array([[0.0, ru_gain - 0.1, 0.0]]))
    assert terms(s) == terms(open_terms) and s.reserve_floor[0, RU] == -width


# ---------------------------------------------------------------- terms pledged by people (the classroom)


def test_pledged_terms_are_on_the_table_until_signed(inf, params):
    # two teams of people agreed that Russia keeps its force and the US eliminates its own: the model
    # would not choose those terms (it puts its Nash solution on the table), but the talks negotiate them
    s = situation(inf, params, trust=0.8, us_missiles=48, hosted=True)
    assert terms(s) == (CUT_FORCE, CUT_FORCE)
    s.pledge[0, US, RU], s.pledge[0, RU, US] = CUT_FORCE, KEEP_FORCE
    table_terms(s, params, 1)
    assert terms(s) == (CUT_FORCE, KEEP_FORCE) and s.talks[0, US, RU] == 0.0    # a new draft
    assert np.isfinite(s.gain[0, US, RU]) and np.isfinite(s.gain[0, RU, US])    # what they are worth, shown
    # only a pledge by both sides counts
    s.pledge[0, RU, US] = NO_TERMS
    table_terms(s, params, 1)
    assert terms(s) == (CUT_FORCE, CUT_FORCE)
    # signed, the pledge is spent
    s.pledge[0, US, RU], s.pledge[0, RU, US] = CUT_FORCE, KEEP_FORCE
    table_terms(s, params, 1)
    agree_terms(work_at(s.replicas(), 0), params.packed(), US, RU)
    assert s.pledge[0, US, RU] == NO_TERMS and s.pledge[0, RU, US] == NO_TERMS


# ---------------------------------------------------------------- levels: parity (finding 8)


def unequal_scenario(third_force: int = 0, counted: bool = False) -> scenario.Scenario:
    """dilemma_2p with both sides treaty parties, Blue's 30 missiles against Red's 150, a force whose value
    saturates early (force_scale 10) and no war cost: each side wants some force, not all of it. With
    `third_force`, Green, Blue's ally outside the treaty, fields that many missiles, which reach Red; with
    `counted`, Blue's ceilings count Green's force with its own (Blue's `counts_with`)."""
    data = scenario.load("dilemma_2p").raw()
    for a in data["actors"]:
        a["treaty_party"] = True
        a["missiles"] = 30 if a["id"] == "BLUE" else 150
        a["payoff"].update(force_value=1.0, force_scale=10.0, war_cost=0.0, threat_weight=1.0)
    if third_force:
        blue = data["actors"][0]
        green = {k: v for k, v in blue.items() if k != "briefing"}
        green.update(id="GREEN", name="Green", treaty_party=False, missiles=third_force, allies=["BLUE"])
        blue.update(allies=["GREEN"], counts_with=["GREEN"] if counted else [])
        data["actors"].append(green)
        data["actors"][1]["adversaries"] = ["BLUE", "GREEN"]
    return scenario.from_dict(data, source="unequal rivals")


def unequal_rivals(trust: float = 0.9, **third):
    """The state at the start of `unequal_scenario(**third)`, with every trust at `trust`."""
    scn = unequal_scenario(**third)
    params = compile_params(scn)
    s = initial_state(scn, params, 1, None)
    s.trust[:] = trust
    return s, params


def test_equal_ceilings_reach_a_deal_that_keep_or_eliminate_cannot():
    # Fearon (1995): an issue that cannot be divided leaves no deal both prefer although a division would
    # exist. With only keep or eliminate, Red will not give up its whole force and Blue gains nothing from a
    # freeze; cutting both to the smaller force (parity, as the SALT and START ceilings did) is a deal both take
    s, params = unequal_rivals()
    coarse = s.copy()
    terms_kernel(coarse.replicas(), params.packed(), 1, DEALS[:4])
    assert terms(coarse) == (NO_TERMS, NO_TERMS)
    table_terms(s, params, 1)
    assert terms(s) == (PARITY, PARITY) and s.gain[0, 0, 1] > MIN_GAIN and s.gain[0, 1, 0] > MIN_GAIN


def test_parity_cuts_the_larger_force_to_the_smaller_over_the_elimination_period():
    s, params = unequal_rivals()
    table_terms(s, params, 1)
    agree_terms(work_at(s.replicas(), 0), params.packed(), 0, 1)
    assert (int(s.elim_left[0, 1]), int(s.elim_floor[0, 1])) == (params.elimination_turns, 30)
    assert int(s.elim_left[0, 0]) == 0                                     # Blue is at the ceiling already
    assert dynamics.hazard(s, params)[0] > 0                               # the 30 each keeps still stand
    calm = np.full((1, dynamics.draw_width(2)), 0.999999)
    left = []
    for turn in range(2, 2 + params.elimination_turns):
        s, _ = dynamics.step(s, np.array([[1, 1]]), params, turn, calm)
        left.append(int(s.missiles[0, 1]))
    assert left[-1] == 30 and left == sorted(left, reverse=True) and left[0] < 150
    assert int(s.elim_left[0, 1]) == 0 and int(s.elim_floor[0, 1]) == 0 and int(s.missiles[0, 0]) == 30


def test_counting_an_allys_force_in_the_ceiling_raises_the_others():
    # whose forces count (the INF talks of 1981-83: the Soviet Union asked that British and French missiles
    # count on NATO's side): counted with Blue's, Green's 40 lift the ceiling to 70, so Red keeps 70 of its
    # 150, not 30, and Blue's own floor stays 30. Parity is then worth less to Blue and more to Red
    floors, gains = {}, {}
    for counted in (False, True):
        s, params = unequal_rivals(third_force=40, counted=counted)
        w = dynamics.work_at(s.replicas(), 0)
        floors[counted] = (int(dynamics.parity_floor(w, params.packed(), 0, 1)),
                           int(dynamics.parity_floor(w, params.packed(), 1, 0)))
        s.pledge[0, 0, 1] = s.pledge[0, 1, 0] = PARITY          # valued whatever it is worth
        table_terms(s, params, 1)
        gains[counted] = (float(s.gain[0, 0, 1]), float(s.gain[0, 1, 0]))
    assert floors == {False: (30, 30), True: (30, 70)}
    assert gains[True][0] < gains[False][0] and gains[True][1] > gains[False][1], gains
