"""The terms on the table: what a bargaining pair could sign, from each side's outside option.

Before every turn, each bargaining pair (two treaty parties, one the other's adversary) looks for
terms both prefer to going on without an agreement. The menu is each member's undertaking: keep its
force as it stands and add nothing (a freeze), eliminate it over the elimination period, or (both)
cut it over that period to equal ceilings at the smaller of the two forces (parity); either way
orders are cancelled, programmes halted, the force's dispute settled and the treaty in force
(`dynamics.agree_terms`). Each side values the state each deal would make, and the state as it is
(its outside option), with the look-ahead's own `future_value`: what is set in motion, discounted.
Terms are on the table only if both gain; among those, the pair's terms are the Nash (1950)
bargaining solution, the deal with the largest product of gains. Deploying, a programme coming on
line or a notice running out all move an outside option, and with it the range (Fearon 1995;
Powell 2006). When the terms on the table change, or the range vanishes, progress of the talks
restarts from zero: a new draft, or a collapse.

Private information (Fearon 1995): each side may need more (or less) from a deal than its public
valuation shows, its reserve, known only to itself within [-private_value, private_value]. Claims
about it are cheap (each side would say it needs more), so the terms are chosen on what is known:
each side's gain less its expected reserve. A side whose true gain from those terms is none walks
out: the talks collapse, and everyone learns that its reserve is at least the gain it turned down.

Pledged terms: where both sides are played by people who agreed on terms between themselves (the
classroom's deals, `sim.play`'s "terms" injection), those terms are on the table whatever the model
would value them at, until they are signed; their gains are still computed, to be shown.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from sim.core import codes
from sim.core.codes import CUT_FORCE, KEEP_FORCE, NO_TERMS, PARITY
from sim.core.params import Params
from sim.core.state import State
from sim.kernel import dynamics, lookahead
from sim.kernel.cache import drop_stale_kernels
from sim.kernel.dynamics import (
    EVENTS,
    agree_terms,
    bargaining_pair,
    concedes,
    copy_work,
    fill_hits,
    new_work,
    parity_floor,
    state_types,
    undertake,
    work_at,
)
from sim.kernel.lookahead import AHEAD, future_value

drop_stale_kernels(__file__, codes.__file__, dynamics.__file__, lookahead.__file__, state_types.__file__)

#: what future_value needs besides the actor and the state: parameters, turn, hits and scratch
Valuer = namedtuple("Valuer", ["P", "turn", "hits", "ahead", "m", "press", "quiet"])
#: a gain below this (utility units) is no gain: a deal must leave each side better off
MIN_GAIN = 1e-6
#: the deals on the menu, as (i's part, j's part): a freeze, i eliminates, j eliminates, both eliminate (the
#: zero option), both cut to parity (equal ceilings at the smaller force)
DEALS = np.array([[KEEP_FORCE, KEEP_FORCE], [CUT_FORCE, KEEP_FORCE], [KEEP_FORCE, CUT_FORCE], [CUT_FORCE, CUT_FORCE],
                  [PARITY, PARITY]], dtype=np.int64)


@njit(cache=True, inline="always")
def _same_as_an_earlier_deal(W, P, i, j, part_i, part_j):
    """Whether the deal does what an earlier one on the menu does, so it is valued once: eliminating
    no missiles is keeping them; parity that cuts nobody is a freeze, and parity that leaves a side
    nothing while the other keeps all or nothing is an elimination."""
    if part_i == PARITY:
        floor_i, floor_j = parity_floor(W, P, i, j), parity_floor(W, P, j, i)
        cuts_i, cuts_j = W.actor[i].missiles > floor_i, W.actor[j].missiles > floor_j
        return not (cuts_i or cuts_j) or ((floor_i == 0 or not cuts_i) and (floor_j == 0 or not cuts_j))
    return ((part_i == CUT_FORCE) and (W.actor[i].missiles == 0)) or \
        ((part_j == CUT_FORCE) and (W.actor[j].missiles == 0))


@njit(cache=True, inline="always")
def expected_reserve(W, P, k):
    """What the others expect k to need beyond its public valuation: the mean of its reserve's range,
    [reserve_floor, private_value] (uniform; 0 with complete information)."""
    return 0.5 * (W.actor[k].reserve_floor + P.actor[k].private_value)


@njit(cache=True, inline="always")
def _expected_gain(i, j, part, kept, outside, W, X, V):
    """What a deal is worth to i over its outside option when j may renege: with i's trust in j the
    deal is kept (value `kept`); otherwise i has done its part (orders cancelled, programme halted,
    its force eliminated if it cuts) and nothing else changes: j goes on as it would without a deal,
    and disputes and the treaty stay as they are (the sucker's outcome, valued in X, which is
    overwritten). Conceding a disputed force costs `comply_cost` (`dynamics.concedes`)."""
    P = V.P
    trust = W.pair[i, j].trust
    copy_work(W, X)
    undertake(X, P, i, part, j)
    X.actor[i].disputed = W.actor[i].disputed
    X.actor[i].breach = W.actor[i].breach
    X.actor[i].demand = W.actor[i].demand
    sucker = future_value(i, X, P, V.turn, V.hits, V.ahead, V.m, V.press, V.quiet)
    return trust * kept + (1.0 - trust) * sucker - outside - P.actor[i].comply_cost * concedes(W, i, part)


@njit(cache=True)
def terms_kernel(S, P, turn, deals):
    """Set pair[i, j].terms and .gain of every bargaining pair in every replica of S (reached on `turn`)."""
    n, slots = S.pipeline.shape[1], S.pipeline.shape[2]
    X = new_work(n, slots)
    hits = np.zeros((n, n), np.bool_)
    ahead = np.zeros(n, AHEAD)             # nobody's answer is assumed: the value of the state itself
    m = np.zeros(n)
    press = np.zeros(n)
    quiet = np.zeros(1, EVENTS)
    V = Valuer(P, turn, hits, ahead, m, press, quiet)
    for r in range(S.world.shape[0]):
        W = work_at(S, r)
        fill_hits(W, P, hits)              # a deal changes no basing, so the hits hold for every deal
        for i in range(n):
            for j in range(i + 1, n):
                if not bargaining_pair(P, i, j):
                    continue
                outside_i = future_value(i, W, P, turn, hits, ahead, m, press, quiet)
                outside_j = future_value(j, W, P, turn, hits, ahead, m, press, quiet)
                known_i = expected_reserve(W, P, i)
                known_j = expected_reserve(W, P, j)
                best = -1
                best_product = 0.0
                gain_i = 0.0
                gain_j = 0.0
                pledged = (W.pair[i, j].pledge != NO_TERMS) and (W.pair[j, i].pledge != NO_TERMS)
                for d in range(deals.shape[0]):
                    part_i, part_j = deals[d, 0], deals[d, 1]
                    if pledged:
                        if (part_i != W.pair[i, j].pledge) or (part_j != W.pair[j, i].pledge):
                            continue               # only the deal the two sides pledged
                    elif _same_as_an_earlier_deal(W, P, i, j, part_i, part_j):
                        continue                   # valued once, as the earlier deal
                    copy_work(W, X)
                    X.pair[i, j].terms = part_i
                    X.pair[j, i].terms = part_j
                    agree_terms(X, P, i, j)
                    kept_i = future_value(i, X, P, turn, hits, ahead, m, press, quiet)
                    kept_j = future_value(j, X, P, turn, hits, ahead, m, press, quiet)
                    gi = _expected_gain(i, j, part_i, kept_i, outside_i, W, X, V)
                    gj = _expected_gain(j, i, part_j, kept_j, outside_j, W, X, V)
                    pi, pj = gi - known_i, gj - known_j          # as the other side can judge them
                    if pledged:
                        best, gain_i, gain_j = d, gi, gj     # on the table whatever it is worth
                    elif (pi > MIN_GAIN) and (pj > MIN_GAIN) and (pi * pj > best_product):
                        best, best_product, gain_i, gain_j = d, pi * pj, gi, gj
                if (best >= 0) and not pledged:
                    walks_i = gain_i - W.actor[i].reserve <= MIN_GAIN     # not worth it to i, privately
                    walks_j = gain_j - W.actor[j].reserve <= MIN_GAIN
                    if walks_i:
                        W.actor[i].reserve_floor = max(W.actor[i].reserve_floor, gain_i)
                    if walks_j:
                        W.actor[j].reserve_floor = max(W.actor[j].reserve_floor, gain_j)
                    if walks_i or walks_j:
                        best, gain_i, gain_j = -1, 0.0, 0.0
                ti = NO_TERMS if best < 0 else deals[best, 0]
                tj = NO_TERMS if best < 0 else deals[best, 1]
                if (ti != W.pair[i, j].terms) or (tj != W.pair[j, i].terms):
                    W.pair[i, j].talks = 0.0           # new terms are a new draft; no terms, a collapse
                    W.pair[j, i].talks = 0.0
                W.pair[i, j].terms = ti
                W.pair[j, i].terms = tj
                W.pair[i, j].gain = gain_i
                W.pair[j, i].gain = gain_j


def table_terms(s: State, params: Params, turn: int) -> State:
    """Put on the table, in place, the terms each bargaining pair of every replica could sign next
    (state `s` reached on `turn`); returns `s`."""
    terms_kernel(s.replicas(), params.packed(), turn, DEALS)
    return s
