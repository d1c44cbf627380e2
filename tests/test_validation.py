"""Comparative statics that theory predicts (docs/validation.md, section (d)); each can fail.

C1 a longer deployment lag lowers the value of ordering; C2 a higher audience cost makes US ultimatums
rarer and more often carried out; C3 a stronger reaction term makes the value of arming grow faster
with the rival's stock (the security dilemma); C4 Russia's reciprocal rule orders only when threatened;
C5 (Model 3) a race diverges when reactions exceed costs and settles when they do not (Richardson), with
or without decision noise; C11 shifting power raises the value of arming first unless the risk of war
weighs; C12 private information makes a new treaty rarer (Fearon); C13 a host withdraws
its consent when hosting costs it more at home than it is worth (Putnam).
"""

from __future__ import annotations

import importlib.util
import itertools
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from sim.core import scenario
from sim.core.actions import Action
from sim.core.codes import IN_FORCE, NO_ONE, READY, TERMINATED
from sim.core.params import compile_params
from sim.engine.crisis import Crisis
from sim.engine.initial import initial_state
from sim.kernel.lookahead import counterfactual_values

ROOT = Path(__file__).resolve().parent.parent
US, RU, NATO = 0, 1, 2
D, H, X = int(Action.DIALOGUE), int(Action.HOLD), int(Action.DEPLOYMENT)
U = int(Action.ULTIMATUM)
ONLY_US = np.array([True, False, False])


@pytest.fixture(scope="module")
def inf():
    return scenario.load("inf_2018")


def armed_state(scn, params, ru_missiles=None):
    """After the treaty's end (2 August 2019): the US system ready, NATO consenting to host, nothing disputed."""
    s = initial_state(scn, params, 1, 64)
    s.stage[0, US] = READY
    s.stage_left[0, US] = 0
    s.treaty[0] = TERMINATED
    s.unbound[0, [US, RU]] = True
    s.ult_target[0, US] = NO_ONE
    s.disputed[0] = 0
    s.demand[0] = False
    s.hosting[0, NATO] = True
    if ru_missiles is not None:
        s.missiles[0, RU] = ru_missiles
    return s


def value_of_ordering(scn, ru_missiles=None):
    """The US's value of ordering a battalion minus holding, Russia and NATO offering talks."""
    params = compile_params(scn)
    s = armed_state(scn, params, ru_missiles)
    values = counterfactual_values(s, params, 8, np.array([[H, D, D]]), ONLY_US)[0, US]
    return values[X] - values[H]


# ---------------------------------------------------------------- C1: lag


def lag_values(inf, war_cost):
    turn_days = inf.scenario.turn_days
    return {lag: value_of_ordering(scenario.apply_overrides(inf, {"actors.US.deploy_lag_days": lag * turn_days,
                                                                   "actors.US.payoff.war_cost": war_cost}))
            for lag in (1, 12, 60)}


def test_a_longer_lag_lowers_the_value_of_ordering(inf):
    # C1's premise, that the arriving missiles are worth having, holds for the threat they relieve: without
    # the war cost, the later they arrive the less ordering is worth
    value = lag_values(inf, 0.0)
    assert value[1] > value[12] > value[60]


def test_at_the_scenarios_war_cost_a_longer_lag_lowers_the_value_of_ordering(inf):
    # the arriving missiles also open a confrontation with Russia's 48 (docs/ODD.md 7.11), whose hazard costs
    # the US; with their value as a force (7.12) they are still worth having, and the later, the less
    value = lag_values(inf, 200.0)
    assert value[1] > value[12] > value[60]


# ---------------------------------------------------------------- C2: audience cost


def ultimatum_record(inf, audience_cost, runs=100, turns=24):
    """US ultimatums over `runs` runs of inf_2018 (seed 2019): issued, and the outcomes of those the
    model issued itself (deadline after turn 1) and of the inherited 60-day ultimatum (deadline turn 1)."""
    scn = scenario.apply_overrides(inf, {"actors.US.payoff.audience_cost": audience_cost})
    c = Crisis(scn, 2019, np.arange(runs), turns)
    rec = dict(issued=0, carried=0, lapsed=0, first_carried=0, first_lapsed=0)
    while not c.finished:
        moves, out = c.resolve(c.decide_all())
        rec["issued"] += int((moves[:, US] == U).sum())
        if c.turn == 1:
            rec["first_carried"] += int(out.carried[:, US].sum())
            rec["first_lapsed"] += int(out.lapsed[:, US].sum())
        else:
            rec["carried"] += int(out.carried[:, US].sum())
            rec["lapsed"] += int(out.lapsed[:, US].sum())
        if c.state.incident.any():
            c.drop_ended()
    return rec


AUDIENCE_COSTS = (0.0, 1.0, 3.0)


@pytest.fixture(scope="module")
def ultimatums(inf):
    return {a: ultimatum_record(inf, a) for a in AUDIENCE_COSTS}


@pytest.mark.xfail(strict=True, reason=(
    "prediction not shown (docs/validation.md, C2b): an ultimatum is made only as the best move, and in "
    "inf_2018 the US never finds one worth making at any audience cost (0 issued in 100 runs x 24 turns at 0, "
    "1 and 3): the issuer reckons with its target's incentives, and Russia, whose force is worth more to it than "
    "complying, stands firm. Where Russia would yield, the two effects of Fearon (1994) compete: a costlier "
    "threat is rarer to make but more believed (bench/audience_costs.py)"))
def test_a_higher_audience_cost_makes_us_ultimatums_rarer(ultimatums):
    issued = [ultimatums[a]["issued"] for a in AUDIENCE_COSTS]
    assert issued[0] > 0
    assert issued == sorted(issued, reverse=True) and issued[0] > issued[-1]


def test_a_higher_audience_cost_makes_the_inherited_ultimatum_more_often_carried_out(ultimatums):
    share = [ultimatums[a]["first_carried"] / max(1, ultimatums[a]["first_carried"] + ultimatums[a]["first_lapsed"])
             for a in AUDIENCE_COSTS]
    assert share == sorted(share) and share[-1] > share[0]


@pytest.mark.xfail(strict=True, reason=(
    "prediction failed (docs/validation.md, section (d)): of the ultimatums the US issues itself, a smaller "
    "share is carried out the higher the audience cost; most that lapse were issued when the threatened act "
    "(arming, once the US has given notice) is not legal at the deadline, a programme stage being under way"))
def test_a_higher_audience_cost_makes_issued_ultimatums_more_often_carried_out(ultimatums):
    share = [ultimatums[a]["carried"] / max(1, ultimatums[a]["carried"] + ultimatums[a]["lapsed"])
             for a in AUDIENCE_COSTS]
    assert share == sorted(share) and share[-1] > share[0]


# ---------------------------------------------------------------- C3: reaction term


def test_a_stronger_reaction_makes_arming_respond_more_to_the_rival_stock(inf):
    slope = []
    for reaction in (0.0, 0.5, 1.0):
        scn = scenario.apply_overrides(inf, {"actors.US.payoff.reaction": reaction})
        slope.append(value_of_ordering(scn, 96) - value_of_ordering(scn, 48))
    # with no reaction the slope is not zero: Russia's answering battalion and the hazard also depend on
    # the stocks; the reaction term must add to it
    assert slope[0] < slope[1] < slope[2]


# ---------------------------------------------------------------- C4: Russia's doctrine


def russia_moves(inf, setup, runs=4):
    """Russia's moves (reciprocal_measures) in hand-built states after the treaty's end."""
    c = Crisis(inf, 2019, np.arange(runs), 3)
    s = c.state
    s.treaty[:] = TERMINATED
    s.unbound[:, [US, RU]] = True
    s.ult_target[:, US] = NO_ONE
    s.disputed[:] = 0
    s.demand[:] = False
    setup(s)
    c.state = s
    c._view = None
    return c.decide(RU)


def test_russia_orders_only_when_threatened(inf):
    def ready_no_host(s):
        s.stage[:, US] = READY
        s.stage_left[:, US] = 0

    def fielded_no_host(s):
        ready_no_host(s)
        s.missiles[:, US] = 16                       # fielded in the US: basing_reach is empty, Russia is not reached

    def ordered_hosted(s):
        ready_no_host(s)
        s.hosting[:, NATO] = True
        s.pipeline[:, US, 3] = 16                    # on order, to be based in Europe

    def fielded_hosted(s):
        ready_no_host(s)
        s.hosting[:, NATO] = True
        s.missiles[:, US] = 16

    assert (russia_moves(inf, lambda s: None) != X).all()
    assert (russia_moves(inf, ready_no_host) != X).all()
    assert (russia_moves(inf, fielded_no_host) != X).all()
    assert (russia_moves(inf, ordered_hosted) == X).all()
    assert (russia_moves(inf, fielded_hosted) == X).all()


def test_in_an_arms_race_russia_never_orders_first(inf):
    # a variant with a race to answer: no treaty, the US system ready, and the US and NATO hawks (ordering and
    # consenting whenever they can). Russia's doctrine is on trial here, not the others' incentives: its
    # orders must follow US missiles that reach it, fielded or on order, on the turn before
    scn = scenario.apply_overrides(inf, {"treaty.status": "none", "actors.US.programme": {"stage": "ready"},
                                         "actors.US.rule": {"name": "hawk", "move": "deployment"},
                                         "actors.NATO.rule": {"name": "hawk", "move": "deployment"}})
    c = Crisis(scn, 2019, np.arange(60), 24)
    answered = 0
    while not c.finished:
        s = c.state
        threatened = ((s.missiles[:, US] + s.pipeline[:, US].sum(axis=1)) > 0) & s.hosting[:, NATO]
        _, out = c.resolve(c.decide_all())
        ordered = out.ordered[:, RU] > 0
        assert not (ordered & ~threatened).any()
        answered += int((ordered & threatened).sum())
        if c.state.incident.any():
            c.drop_ended()
    assert answered > 0


# ---------------------------------------------------------------- C5: Richardson's stability condition (Model 3)


def race(over: dict, runs: int = 6, turns: int = 36) -> np.ndarray:
    """[turns, 2] mean missiles, fielded or on order, of Blue and Red in dilemma_2p under `over`."""
    scn = scenario.apply_overrides(scenario.load("dilemma_2p"), over)
    c = Crisis(scn, 1, np.arange(runs), turns)
    stock = []
    while not c.finished:
        c.resolve(c.decide_all())
        stock.append((c.state.missiles + c.state.pipeline.sum(axis=2)).mean(axis=0))
        if c.state.incident.any():
            c.drop_ended()
    return np.array(stock)


def race_settings(rule: dict, reaction: float, deploy_cost: float) -> dict:
    out: dict = {}
    for a in ("BLUE", "RED"):
        out[f"actors.{a}.rule"] = rule
        out.update({f"actors.{a}.payoff.{k}": v for k, v in {
            "reaction": reaction, "force_value": reaction, "deploy_cost": deploy_cost, "upkeep": deploy_cost / 10,
            "discount": 0.99}.items()})
    return out


BEST = {"name": "best_response"}


def test_a_race_diverges_when_reactions_exceed_costs_and_settles_when_they_do_not():
    # Richardson (1960): dx/dt = a y - m x + g is unstable when the reaction a outweighs the fatigue m.
    # Here a is the value of arming against the rival's arms (reaction, force_value) and m the costs
    # (deploy_cost, upkeep); both players best-respond, so no race comes from noise
    cheap = race(race_settings(BEST, 1.0, 0.002))
    assert (cheap[-1] > cheap[23]).all() and (cheap[23] > cheap[11]).all() and (cheap[11] > 0).all()
    costly = race(race_settings(BEST, 1.0, 0.2))
    indifferent = race(race_settings(BEST, 0.0, 0.002))
    for settled in (costly, indifferent):
        assert (settled[-1] == settled[11]).all() and (settled[-1] <= 10).all()


def test_the_race_and_its_absence_hold_with_decision_noise():
    # commitments are made only as a best response (7.17): noise changes talk and waiting, which move
    # beliefs and trust a little, not whether a race arises
    noisy = race(race_settings({"name": "quantal", "lambda": 1.0}, 1.0, 0.002))
    np.testing.assert_allclose(noisy, race(race_settings(BEST, 1.0, 0.002)), rtol=0.05)
    assert (race(race_settings({"name": "quantal", "lambda": 1.0}, 1.0, 0.2)) == 0).all()


# ---------------------------------------------------------------- C12: private information (Model 3)


def new_treaty_share(inf, private_value: float, rule: dict | None, runs: int = 60, turns: int = 36) -> float:
    """Share of `runs` runs of inf_2018 in which a new treaty follows the old one's end within `turns`
    turns, both parties' reserves private within [-private_value, private_value] (docs/ODD.md 7.3)."""
    over: dict = {f"actors.{a}.payoff.private_value": private_value for a in ("US", "RU")}
    if rule is not None:
        over.update({"actors.US.rule": rule, "actors.NATO.rule": rule})
    c = Crisis(scenario.apply_overrides(inf, over), 2019, np.arange(runs), turns)
    ended = np.zeros(runs, bool)
    new = np.zeros(runs, bool)
    while not c.finished:
        c.resolve(c.decide_all())
        ended |= c.state.treaty == TERMINATED
        new |= ended & (c.state.treaty == IN_FORCE)
    return float(new.mean())


@pytest.mark.parametrize("rule", [None, BEST], ids=["default", "best_response"])
def test_private_information_makes_a_new_treaty_rarer(inf, rule):
    # Fearon (1995): the wider what each side may privately need beyond what the other can see, the more
    # often the terms chosen on what is known are refused, and what a refusal teaches closes the range
    # (at Russia's calibrated discount the share levels off from a width of 10: about 30% of runs keep a range)
    shares = [new_treaty_share(inf, width, rule) for width in (0.0, 5.0, 10.0, 20.0)]
    assert shares[0] == 1.0 and shares[0] > shares[1] > shares[2] >= shares[3], shares


# ---------------------------------------------------------------- C13: a host's politics (Model 3)


def consent_withdrawn(inf, host_cost: float, rule: dict | None, protest: dict | None = None, runs: int = 20,
                      turns: int = 12) -> np.ndarray:
    """[runs] the turn on which NATO, consenting at the start to host 16 fielded US missiles, withdraws its
    consent (-1: never), at a cost of hosting at home of `host_cost` (and `protest`: events)."""
    over: dict = {"actors.US.programme.stage": "ready", "actors.US.missiles": 16, "actors.NATO.hosting": True,
                  "actors.NATO.payoff.host_cost": host_cost}
    if rule is not None:
        over.update({"actors.US.rule": rule, "actors.NATO.rule": rule})
    scn = scenario.apply_overrides(inf, over)
    if protest is not None:
        scn = scn.model_copy(update={"events": [scenario.Event(**protest)]})
    c = Crisis(scn, 2019, np.arange(runs), turns)
    withdrawn = np.full(runs, -1)
    while not c.finished:
        c.resolve(c.decide_all())
        withdrawn = np.where((withdrawn < 0) & ~c.state.hosting[:, NATO], c.turn, withdrawn)
    return withdrawn


@pytest.mark.parametrize("rule", [None, BEST], ids=["default", "best_response"])
def test_a_host_withdraws_its_consent_when_hosting_costs_it_more_at_home_than_it_is_worth(inf, rule):
    # Putnam (1988): what a government can keep to abroad is bounded by what its constituency will ratify.
    # A host whose cost at home outweighs what the hosted force is worth to it withdraws its consent; one
    # that pays little keeps it; a protest that raises the cost on a date turns the one into the other then
    assert (consent_withdrawn(inf, 0.02, rule) == -1).all()
    assert (consent_withdrawn(inf, 0.3, rule) == 1).all()
    protest = {"date": date(2019, 6, 10), "set": {"actors.NATO.payoff.host_cost": 0.3}, "note": "protests"}
    after = consent_withdrawn(inf, 0.02, rule, protest)
    assert (after == inf.turn_of(protest["date"])).all(), after


# ---------------------------------------------------------------- C11: shifting power (Model 3)


def shifting_power_bench():
    """bench/shifting_power.py as a module: the test asserts the figures the bench prints."""
    spec = importlib.util.spec_from_file_location("shifting_power", ROOT / "bench" / "shifting_power.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shifting_power_raises_the_value_of_arming_first_unless_the_risk_of_war_weighs(inf):
    # Fearon (1995), Powell (2006): as the rival's power comes on line, acting before it arrives is worth
    # more. Through security it is: the sooner the US battalion is due, the more Russia's own force relieves.
    # Through crisis stability it is not: a second force in a confrontation raises the hazard both share
    # (Schelling 1960, the reciprocal fear of surprise attack), and at the scenario's war cost that weighs more
    bench = shifting_power_bench()
    calm = scenario.apply_overrides(inf, {"actors.RU.payoff.war_cost": 0.0})
    rising = [bench.value_of_ordering_first(calm, left) for left in bench.TURNS_LEFT]
    assert all(a < b for a, b in itertools.pairwise(rising)), rising
    falling = [bench.value_of_ordering_first(inf, left) for left in bench.TURNS_LEFT]
    assert all(a > b for a, b in itertools.pairwise(falling)), falling
