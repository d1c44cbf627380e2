"""Invariants over random states and moves (hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import dynamics
from sim.state import initial_state
from sim.state import IN_FORCE, NO_TREATY, NOTICE, TERMINATED

LEGAL = {
    IN_FORCE: {IN_FORCE, NOTICE, TERMINATED},   # notice_days = 0 ends it at once
    NOTICE: {NOTICE, IN_FORCE, TERMINATED},     # rescinded by an agreement, or ended
    TERMINATED: {TERMINATED},
    NO_TREATY: {NO_TREATY},
}

turns = st.integers(min_value=1, max_value=25)


@st.composite
def random_state(draw, base, params):
    """The start of inf_2018 with random trust, talks, credibility, missiles and treaty status."""
    r = 4
    s = base.repeat(r)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = params.n_actors
    s.trust = rng.random((r, n, n))
    talks = rng.random((r, n, n)) * params.talk_pairs
    s.talks = np.maximum(talks, talks.transpose(0, 2, 1))
    s.credibility = rng.random((r, n))
    s.missiles = rng.integers(0, 200, (r, n))
    s.disputed = np.minimum(s.disputed, s.missiles)
    s.pipeline = rng.integers(0, 3, s.pipeline.shape) * 16
    status = rng.integers(0, 3, r)
    s.treaty = status.astype(np.int8)
    s.notice_by = np.where(status == NOTICE, 0, -1)
    s.notice_end = np.where(status == NOTICE, 1 + rng.integers(0, 6, r), -1)
    s.unbound = np.zeros((r, n), dtype=bool)
    s.unbound[:, 0] = status == NOTICE
    s.unbound[status == TERMINATED] = params.party
    s.illicit = rng.integers(0, 2, (r, n)) * 16 * s.bound(params)
    return s


@settings(max_examples=60, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1), n_turns=turns)
def test_invariants_hold_under_random_moves(inf, params, data, seed, n_turns):
    s = data.draw(random_state(initial_state(inf, params, 1), params))
    rng = np.random.default_rng(seed)
    r, n = s.n_replicas, params.n_actors
    for turn in range(1, n_turns + 1):
        moves = rng.integers(0, 5, (r, n))
        draws = rng.random((r, dynamics.draw_width(n)))
        before = s.treaty.copy()
        s, out = dynamics.step(s, moves, params, turn, draws)
        assert (s.missiles >= 0).all() and (s.pipeline >= 0).all() and (s.disputed >= 0).all()
        assert (s.illicit >= 0).all()
        for arr in (s.trust, s.credibility, s.talks):
            assert ((arr >= 0) & (arr <= 1)).all()
        for comp in (s.esc_actions, s.esc_treaty, s.esc_missiles, s.esc_ultimatum):
            assert ((comp >= 0) & (comp <= 1)).all()
        assert ((s.escalation >= 0) & (s.escalation <= 100)).all()
        assert np.isfinite(out.payoff).all()
        assert np.allclose(s.beliefs.sum(axis=3), 1.0)
        for b, a in zip(before, s.treaty, strict=True):
            assert int(a) in LEGAL[int(b)], (b, a)
        # only a bound party can have missiles arriving in violation
        assert (s.illicit[:, ~params.party] == 0).all()
