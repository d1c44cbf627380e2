"""Invariants over random states and moves (hypothesis), and that no rule ever plays an illegal move."""

from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.core.codes import IN_FORCE, NO_TREATY, NOTICE, READY, TERMINATED
from sim.core.state import COMPONENTS
from sim.engine.initial import initial_state
from sim.kernel import dynamics
from sim.rules.base import TurnView
from sim.rules.registry import RULES, make_rule

NEXT_STATUS = {
    IN_FORCE: {IN_FORCE, NOTICE, TERMINATED},   # notice_days = 0 ends it at once
    NOTICE: {NOTICE, IN_FORCE, TERMINATED},     # rescinded by an agreement, or ended
    TERMINATED: {TERMINATED, IN_FORCE},         # a new treaty
    NO_TREATY: {NO_TREATY},
}

turns = st.integers(min_value=1, max_value=20)


@st.composite
def random_state(draw, base, params):
    """The start of inf_2018 with random trust, talks, credibility, missiles, programmes and treaty status."""
    r = 4
    s = base.repeat(r)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = params.n_actors
    s.trust = rng.random((r, n, n))
    talks = rng.random((r, n, n)) * params.talk_pairs
    s.talks = np.maximum(talks, talks.transpose(0, 2, 1))
    s.credibility = rng.random((r, n))
    own = params.can_own[None, :]
    s.stage = np.where(own, rng.integers(0, 5, (r, n)), 0)
    s.stage_left = np.where((s.stage > 0) & (s.stage < READY), rng.integers(0, 4, (r, n)), 0)
    s.missiles = rng.integers(0, 200, (r, n)) * own * (s.stage == READY)
    s.disputed = np.minimum(rng.integers(0, 100, (r, n)), s.missiles)
    s.pipeline = rng.integers(0, 3, s.pipeline.shape) * 16 * (own & (s.stage == READY))[:, :, None]
    s.hosting = (rng.random((r, n)) < 0.5) & ~own
    status = rng.integers(0, 3, r)
    s.treaty = status.astype(np.int8)
    s.notice_by = np.where(status == NOTICE, 0, -1)
    s.notice_end = np.where(status == NOTICE, 1 + rng.integers(0, 6, r), -1)
    s.unbound = np.zeros((r, n), dtype=bool)
    s.unbound[:, 0] = status == NOTICE
    s.unbound[status == TERMINATED] = params.party
    s.illicit = np.minimum(rng.integers(0, 2, (r, n)) * 16 * s.bound(params), s.missiles - s.disputed)
    s.disputed[status == TERMINATED] = 0
    s.ult_target[status == TERMINATED] = -1
    return dynamics.score_initial(s, params)


def random_legal(rng, legal):
    """[R, N] one legal move per replica and actor, uniformly."""
    u = rng.random(legal.shape[:2])
    count = legal.sum(axis=2)
    pick = np.minimum((u * count).astype(np.int64), count - 1)
    return np.argmax(np.cumsum(legal, axis=2) > pick[:, :, None], axis=2)


@settings(max_examples=50, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1), n_turns=turns)
def test_invariants_hold_under_random_legal_moves(inf, params, data, seed, n_turns):
    s = data.draw(random_state(initial_state(inf, params, 1), params))
    rng = np.random.default_rng(seed)
    r, n = s.n_replicas, params.n_actors
    for turn in range(1, n_turns + 1):
        legal = dynamics.legal_moves(s, params)
        assert legal[:, :, 0].all() and legal[:, :, 1].all()          # dialogue and hold always
        moves = random_legal(rng, legal)
        draws = rng.random((r, dynamics.draw_width(n)))
        before = s.treaty.copy()
        s, out = dynamics.step(s, moves, params, turn, draws)
        assert (s.missiles >= 0).all() and (s.pipeline >= 0).all() and (s.disputed >= 0).all()
        assert (s.disputed <= s.missiles).all() and (s.illicit >= 0).all()
        assert (s.missiles[:, ~params.can_own] == 0).all()               # hosts own nothing
        for arr in (s.trust, s.credibility, s.talks):
            assert ((arr >= 0) & (arr <= 1)).all()
        for comp in COMPONENTS:
            value = getattr(s, comp)
            assert ((value >= 0) & (value <= 1)).all()
        assert ((s.escalation >= 0) & (s.escalation <= 100)).all()
        assert np.isfinite(out.payoff).all()
        assert np.allclose(s.beliefs.sum(axis=4), 1.0)
        for b, a in zip(before, s.treaty, strict=True):
            assert int(a) in NEXT_STATUS[int(b)], (b, a)
        assert (s.illicit[:, ~params.party] == 0).all()


def test_the_same_world_scores_the_same_whatever_the_history(inf, params):
    """The index and rung are functions of the state: rescoring a reached state changes nothing."""
    s = initial_state(inf, params, 8)
    rng = np.random.default_rng(3)
    for turn in range(1, 15):
        s, _ = dynamics.step(s, random_legal(rng, dynamics.legal_moves(s, params)), params, turn,
                             rng.random((8, dynamics.draw_width(3))))
        again = dynamics.score_initial(s, params)
        assert np.array_equal(again.escalation, s.escalation) and np.array_equal(again.rung, s.rung)


PLAYABLE = [name for name, cls in RULES.items() if cls.classifier.get("needs_human") is not True]


@pytest.mark.parametrize("rule", PLAYABLE)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_no_rule_ever_plays_an_illegal_move(inf, params, rule, data, seed):
    s = data.draw(random_state(initial_state(inf, params, 1), params))
    rng = np.random.default_rng(seed)
    n = params.n_actors
    for actor in range(n):
        chosen = make_rule({"name": rule}, actor, date(2019, 1, 16), 30)
        view = TurnView(s, params, 2, date(2019, 3, 16), draws=rng.random((s.n_replicas, dynamics.draw_width(n))))
        played = chosen.decide(view, rng.random(s.n_replicas))
        assert view.legal()[np.arange(s.n_replicas), actor, played].all(), (rule, actor, played)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), seed=st.integers(0, 2**32 - 1), profiles=st.sampled_from([2, 5, 40, 500]))
def test_the_lookahead_with_its_memos_equals_the_plain_one_on_random_states(inf, params, data, seed, profiles):
    """The memos (a joint move resolved once, a future value computed once per distinct input) and the
    dedupe of sampled joint moves change no value, bit for bit: on random states and beliefs, with joint
    moves enumerated (500) or sampled (2, 5, 40 of up to 49)."""
    from dataclasses import replace

    from sim.kernel.lookahead import _values

    p = replace(params, scalars={**params.scalars, "max_profiles": profiles})
    s = data.draw(random_state(initial_state(inf, params, 1), params))
    rng = np.random.default_rng(seed)
    r, n, m = s.n_replicas, p.n_actors, s.beliefs.shape[-1]
    beliefs = rng.dirichlet(np.full(m, 0.5), size=(r, n, n, m))
    s.last_moves = rng.integers(0, m, (r, n))
    draws = rng.random((r, dynamics.draw_width(n)))
    turn = int(rng.integers(1, 30))
    remembered = _values(s, p, turn, None, beliefs, draws, None, memo=True)
    plain = _values(s, p, turn, None, beliefs, draws, None, memo=False)
    assert np.isfinite(plain).any(axis=2).all()           # every actor has a legal move with a value
    assert np.array_equal(remembered, plain)
