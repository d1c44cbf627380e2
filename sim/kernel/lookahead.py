"""What a move is worth: this turn's payoff plus the discounted value of the state it leads to.

For actor i and each legal own move a, the turn is resolved (expected version) against the others'
moves as i expects them: i's beliefs about each other actor j's answer to i's own last move
(conditional beliefs, learned from play; `declares` sets their prior). Others' moves with belief
below `min_belief` are dropped. If the joint moves left number at most `max_profiles` they are all
resolved, weighted by their probability; otherwise `max_profiles` joint moves are drawn from the
beliefs with a generator seeded from the replica's own stream, the same draws for every own move
(common random numbers). The cost per actor is then bounded whatever the number of actors.

The value of the resulting state (`future_value`) follows it forward with what is already set in
motion: ordered missiles arrive in their turn (an order is worth its discounted arrival), programmes
under way deliver a first battalion when ready, a notice ends the treaty on its date, a new treaty
eliminates missiles, and adversaries who answer i's move with an order (by i's conditional beliefs)
add that order. Between those dates the flow payoff is constant; after the last it lasts forever.

Many of i's joint moves lead to states that differ only in what the future value does not read
(talks and trust, this turn's events), and so do many replicas: each future value is therefore
remembered, with its actor, for the rest of the call (all replicas of one turn), under the exact
inputs it reads (`FutureMemo`), and recalled when they recur. In the same way a joint move is resolved
once per replica and turn, with the payoffs of every actor valuing its moves, however many of their
valuations weigh it (`ResolveMemo`).
A recalled number is the one computed, so the values are unchanged, bit for bit.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from sim.core import actions, codes
from sim.core.codes import (
    COMPLY,
    DEPLOYMENT,
    IN_FORCE,
    NO_ONE,
    NOTICE,
    READY,
    TERMINATED,
)
from sim.core.params import Params
from sim.core.state import ACTOR, WORLD, State
from sim.kernel import dynamics
from sim.kernel.cache import drop_stale_kernels
from sim.kernel.dynamics import (
    EVENTS,
    armed,
    bound,
    can_arm_by,
    compliance,
    copy_work,
    draw_width,
    fill_hits,
    hazard_of,
    hosting_cost_due,
    legal,
    lookahead_column,
    meet_demands,
    new_events,
    new_work,
    new_works,
    no_refcount,
    payoff,
    payoff_after,
    resolve,
    security,
    state_types,
    testing_unseen,
    time_to_ready,
    work_at,
)

# its kernels link in the steps of the turn and read the constants and move table
drop_stale_kernels(__file__, codes.__file__, actions.__file__, dynamics.__file__, state_types.__file__)

#: per other actor: its expected answer to i's move (an order of react_amt missiles arriving in
#: react_time turns) and future_value's scratch
AHEAD = np.dtype([("react_amt", np.float64), ("react_time", np.int64), ("ready_at", np.int64),
                  ("prospect_at", np.int64), ("threat_amt", np.float64), ("threat_time", np.int64)], align=True)
HORIZON_CAP = 240   # turns followed explicitly before the perpetuity (20 years of monthly turns)
#: future values remembered during one call: the inputs each read (its actor, the state, the expected
#: answers), the value and the outlook of its owner's threat, and how many entries are used
FutureMemo = namedtuple("FutureMemo", ["index", "key", "owner", "work", "react", "value", "p_met", "met_future",
                                       "used"])
#: joint moves resolved in one replica: the move (mixed radix), the state, the payoffs and hits reached,
#: the turn's events and breakdown chance, and whose payoffs are known yet (each is computed when first asked)
ResolveMemo = namedtuple("ResolveMemo", ["index", "key", "work", "payoff", "hits", "used", "events", "war", "known"])
#: what one replica's valuations read: parameters, turn, the replica's beliefs [N, N, M, M], whose
#: payoffs the resolves compute, the (unused) uniforms of the expected turn, and the uniform that
#: seeds the sampled joint moves
Valuation = namedtuple("Valuation", ["P", "turn", "B", "needed", "u", "seed"])
#: scratch of one replica's valuations: the replica, a state to resolve into, its events, the others'
#: expected answers (AHEAD), missiles as floats, the joint move, one empty EVENTS record, and a state,
#: hits and no answers for valuing a target's demands met
Scratch = namedtuple("Scratch", ["base", "work", "events", "ahead", "m", "press", "mv", "quiet", "alt", "alt_hits",
                                 "still", "only"])
#: the joint moves one actor weighs: rows (others' columns), weights, the first equal row of each,
#: the value of each first row, and the belief distributions' scratch
Profiles = namedtuple("Profiles", ["prof", "weight", "first", "drawn", "dist", "kept_of"])
#: a hash index over a memo's entries (open addressing, linear probing): position p holds entry
#: entry[p] while stamp[p] == gen[0]; a new generation empties it without clearing
Index = namedtuple("Index", ["entry", "stamp", "gen"])


@njit(cache=True, inline="always")
def _next_uniform(x):
    """xorshift64*: the next state and a uniform in [0, 1)."""
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    out = x * np.uint64(2685821657736338717)
    return x, (out >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def _ready_unfielded(W, P, k):
    """k has a ready system, nothing fielded or on order, and no treaty binds it: the others expect a
    battalion, as from a programme that becomes ready (capabilities, not intentions, are what others
    plan against). k itself does not: whether it orders is its own decision, valued by its moves."""
    return P.actor[k].can_own and (W.actor[k].stage == READY) and not armed(W, k) and not bound(W, P, k)


@njit(cache=True, inline="always")
def _threat_wait(W, k, turn):
    """Turns until k's ultimatum falls due (at least 1: it is carried out on a coming turn)."""
    return max(W.actor[k].ult_deadline - turn, 1)


@no_refcount
def future_value(i, W, P, turn, hits, ahead, m, press, quiet):
    """Discounted value for i of the state W reached on `turn`, from the next turn on (see module doc).

    `ahead` ([N] AHEAD records) holds the adversaries' expected answers (react_amt, react_time) and
    scratch; `m` and `press` ([N] float) are scratch; `quiet` one EVENTS record of zeros (no event after this turn).
    Reads W's world, actor records and pipeline, never its pair records (talks, trust): the future
    memo (`_same_future`) relies on it."""
    n, slots = W.pipeline.shape
    gamma = P.actor[i].discount
    horizon = slots
    for k in range(n):
        ahead[k].ready_at = time_to_ready(W, P, k)
        ahead[k].prospect_at = 0
        if ahead[k].ready_at > 0:
            ahead[k].prospect_at = ahead[k].ready_at + 1 + P.actor[k].lag       # ordered the turn after it is ready
        elif (k != i) and _ready_unfielded(W, P, k):
            ahead[k].prospect_at = 1 + P.actor[k].lag              # others expect it ordered next turn
        horizon = max(horizon, ahead[k].prospect_at, ahead[k].react_time, W.actor[k].elim_left)
    # others' open ultimatums (7.14): each issuer k carries out its threat at the deadline with the probability
    # of its credibility, where it can by then: notice (the treaty in force ends notice_turns later) or a battalion
    threat_end = 0                      # relative turn from which the treaty may be gone (0: never)
    keep = 1.0                          # the chance that it is not
    for k in range(n):
        ahead[k].threat_amt = 0.0
        ahead[k].threat_time = 0
        if (W.actor[k].ult_target < 0) or W.actor[k].ult_acted or (k == i):
            continue                    # i's own threat is its own decision: its lapse is valued in _move_value
        wait = _threat_wait(W, k, turn)
        if bound(W, P, k):
            if W.world[0].treaty == IN_FORCE:
                end = wait + P.notice_turns
                threat_end = end if threat_end == 0 else min(threat_end, end)
                keep *= 1.0 - W.actor[k].credibility
        elif can_arm_by(W, P, k, wait) and (ahead[k].prospect_at == 0):
            ahead[k].threat_time = wait + P.actor[k].lag
            ahead[k].threat_amt = W.actor[k].credibility * P.actor[k].batch
        horizon = max(horizon, ahead[k].threat_time, threat_end)
    notice_left = W.world[0].notice_end - turn - 1 if W.world[0].treaty == NOTICE else -1
    horizon = min(max(horizon, notice_left + 1), HORIZON_CAP)
    for k in range(n):
        m[k] = W.actor[k].missiles
    comp = compliance(i, W, P)
    value = 0.0
    flow = 0.0
    disc = 1.0
    for s in range(1, horizon + 1):
        disc *= gamma
        changed = s == 1
        for k in range(n):
            arrived = 0.0
            if s <= slots:
                arrived += W.pipeline[k, s - 1]
            if ahead[k].react_time == s:
                arrived += ahead[k].react_amt
            if ahead[k].prospect_at == s:
                arrived += P.actor[k].batch
            if ahead[k].threat_time == s:
                arrived += ahead[k].threat_amt
            if arrived > 0:
                m[k] += arrived
                changed = True
            if (W.actor[k].elim_left > 0) & (W.actor[k].elim_left == s):
                m[k] = float(W.actor[k].elim_floor)
                changed = True
            changed = changed | ((ahead[k].ready_at > 0) & (s == ahead[k].ready_at + 1))   # its cost stops
        changed = changed | (s == notice_left + 1) | (s == threat_end)
        if changed:
            treaty_code = W.world[0].treaty
            if (treaty_code == NOTICE) & (s > notice_left):
                treaty_code = TERMINATED
            treaty_on = 1.0 if (treaty_code == IN_FORCE) | (treaty_code == NOTICE) else 0.0
            if (threat_end > 0) & (s >= threat_end):
                treaty_on *= keep
            active = 1.0 if (ahead[i].ready_at >= s) else 0.0
            flow = payoff(i, P, treaty_on, comp, security(i, m, W, P, hits), m[i], active, hosting_cost_due(W, P, i),
                          hazard_of(W, P, hits, m, press), quiet[0])
        value += disc * flow
    value += disc * gamma / (1.0 - gamma) * flow
    if ahead[i].prospect_at > 0:
        value -= P.actor[i].deploy_cost * P.actor[i].batch * gamma ** ahead[i].ready_at
    # expected discounted reputation cost of violations still to be found: gamma p / (1 - gamma (1 - p))
    if bound(W, P, i):
        found = lambda p: gamma * p / (1.0 - gamma * (1.0 - p))  # noqa: E731
        if W.actor[i].illicit > 0:
            value -= P.actor[i].reputation_cost * found(P.p_detect) * (1.0 - P.p_detect)
        elif W.actor[i].elim_left == 0:
            for s in range(slots):
                if W.pipeline[i, s] > 0:
                    value -= P.actor[i].reputation_cost * found(P.p_detect)
                    break
        if testing_unseen(W, i):
            value -= P.actor[i].reputation_cost * found(P.p_detect_test) * (1.0 - P.p_detect_test)
    return value


@njit(cache=True)
def new_index(size):
    capacity = 1
    while capacity < 2 * size:          # at most half full: a probe ends at an empty position
        capacity *= 2
    return Index(np.zeros(capacity, np.int64), np.full(capacity, -1, np.int64), np.zeros(1, np.int64))


@njit(cache=True, inline="always")
def _first_position(index, key):
    """Where the probe for a uint64 key starts (the key mixed, so that near keys spread)."""
    h = (key ^ (key >> np.uint64(31))) * np.uint64(0x9E3779B97F4A7C15)
    return int(h >> np.uint64(40)) & (index.entry.shape[0] - 1)


@njit(cache=True)
def new_future_memo(size, n, slots):
    return FutureMemo(new_index(size), np.zeros(size, np.uint64), np.full(size, -1, np.int64),
                      new_works(size, n, slots), np.zeros((size, n), AHEAD), np.zeros(size), np.zeros(size),
                      np.zeros(size), np.zeros(1, np.int64))


@njit(cache=True, inline="always")
def _future_key(W, ahead):
    """A hash of most of what future_value reads, so that few entries are compared in full: FNV-1a
    over three words per actor (fields packed, the pipeline as a weighted sum), a short serial chain."""
    n, slots = W.pipeline.shape
    h = np.uint64(1469598103934665603)
    prime = np.uint64(1099511628211)
    w = W.world[0]
    h = (h ^ np.uint64(np.int64(w.treaty) + 7)) * prime
    h = (h ^ np.uint64(w.notice_by + 7)) * prime
    h = (h ^ np.uint64(w.notice_end + 7)) * prime
    for i in range(n):
        a = W.actor[i]
        counts = (np.uint64(a.missiles) ^ (np.uint64(a.disputed) << np.uint64(21))
                  ^ (np.uint64(a.illicit) << np.uint64(42)))
        flags = (np.uint64(a.stage * 1024 + a.stage_left) ^ (np.uint64(a.elim_left * 64 + a.ult_target + 2)
                                                             << np.uint64(24))
                 ^ (np.uint64(a.demand + 2 * a.hosting + 4 * a.unbound + 8 * a.breach) << np.uint64(48))
                 ^ (np.uint64(ahead[i].react_time) << np.uint64(54)))
        orders = np.uint64(0)
        for s in range(slots):
            orders += np.uint64(W.pipeline[i, s]) * (np.uint64(2 * s + 1) * np.uint64(0x9E3779B97F4A7C15))
        h = (h ^ counts) * prime
        h = (h ^ flags) * prime
        h = (h ^ orders) * prime
    return h


def _record_equality(dtype: np.dtype, name: str):
    """A compiled `name(a, b)`: whether records a and b of `dtype` agree in every field, compared one by
    one and inlined into the caller. Generated from the dtype, so that no field is ever left out; a
    loop over the field names (`literal_unroll`) cannot be inlined, and its calls cost more."""
    source = f"def {name}(a, b):\n    return " + " and ".join(f"(a.{f} == b.{f})" for f in dtype.names or ()) + "\n"
    namespace: dict = {}
    exec(source, namespace)
    return njit(inline="always")(namespace[name])


_same_world = _record_equality(WORLD, "_same_world")
_same_actor = _record_equality(ACTOR, "_same_actor")


@njit(cache=True, inline="always")
def _same_future(W, ahead, F, q):
    """Whether memo entry q was computed from the same inputs as future_value would now read in W and
    `ahead` (the actor is the entry's owner; the turn and parameters are those of the whole call): every
    field of the world and actor records, the pipeline and the expected answers. The hits it reads are
    those of W (`fill_hits`: the reach table and the hosting in the actor records), so they agree too."""
    n, slots = W.pipeline.shape
    X = work_at(F.work, q)
    if not _same_world(W.world[0], X.world[0]):
        return False
    for i in range(n):
        if not _same_actor(W.actor[i], X.actor[i]):
            return False
        if (ahead[i].react_amt != F.react[q, i].react_amt) | (ahead[i].react_time != F.react[q, i].react_time):
            return False
        for s in range(slots):
            if W.pipeline[i, s] != X.pipeline[i, s]:
                return False
    return True


@njit(cache=True, inline="always")
def recall_future(F, i, W, ahead):
    """Where memo F holds i's future value of W (with W's hits) under the expected answers `ahead`: its
    entry (-1 if none), and the index position and key to remember it at."""
    key = _future_key(W, ahead) ^ (np.uint64(i + 1) * np.uint64(0xD6E8FEB86659FD93))
    index = F.index
    pos = _first_position(index, key)
    while index.stamp[pos] == index.gen[0]:
        q = index.entry[pos]
        if (F.key[q] == key) and (F.owner[q] == i) and _same_future(W, ahead, F, q):
            return q, pos, key
        pos = (pos + 1) & (index.entry.shape[0] - 1)
    return -1, pos, key


@njit(cache=True, inline="always")
def remember_future(F, i, W, ahead, pos, key, value, p_met, met_future):
    """Remember in F what `recall_future` did not find (at its `pos` and `key`); a full memo starts afresh."""
    size = F.key.shape[0]
    if size == 0:
        return
    if F.used[0] == size:
        F.index.gen[0] += 1             # every position is free again
        F.used[0] = 0
        pos = _first_position(F.index, key)
    q = F.used[0]
    F.used[0] += 1
    F.index.entry[pos] = q
    F.index.stamp[pos] = F.index.gen[0]
    F.key[q] = key
    F.owner[q] = i
    F.value[q] = value
    F.p_met[q] = p_met
    F.met_future[q] = met_future
    copy_work(W, work_at(F.work, q))
    for j in range(W.actor.shape[0]):
        F.react[q, j] = ahead[j]


@njit(cache=True, inline="always")
def _recalled_future_value(i, W, V, hits, T, F):
    """future_value(i, W, ...) (scratch T) and i's outlook for its open ultimatum (`_threat_outlook`),
    recalled from memo F when it holds the same inputs, else computed and remembered; returns the
    value, the chance the demand is met and i's future value if it is."""
    q, pos, key = recall_future(F, i, W, T.ahead)
    if q >= 0:
        return F.value[q], F.p_met[q], F.met_future[q]
    value = future_value(i, W, V.P, V.turn, hits, T.ahead, T.m, T.press, T.quiet)
    p_met, met_future = _threat_outlook(i, W, V, hits, T)
    remember_future(F, i, W, T.ahead, pos, key, value, p_met, met_future)
    return value, p_met, met_future


@njit(cache=True, inline="always")
def _reactions(i, a, W, V, ahead):
    """Orders i expects its adversaries to place next turn in answer to its move a."""
    n = W.actor.shape[0]
    P = V.P
    for j in range(n):
        ahead[j].react_amt = 0.0
        ahead[j].react_time = 0
        if (a >= 0) and P.pair[i, j].adversary and P.actor[j].can_own and legal(W, P, j, DEPLOYMENT):
            ahead[j].react_amt = V.B[i, j, a, DEPLOYMENT] * P.actor[j].batch
            ahead[j].react_time = 1 + P.actor[j].lag


@no_refcount
def _profiles(i, ctx, B, lg, P, seed, D):
    """The others' joint moves i weighs (rows of D.prof, others' columns) and their weights (D.weight),
    from i's beliefs B ([N, N, M, M]) after its move ctx; returns the count. i's rows are not used."""
    prof, weight, dist, kept_of = D.prof, D.weight, D.dist, D.kept_of
    n, moves = lg.shape
    K = prof.shape[0]
    count = 1
    for j in range(n):
        if j == i:
            continue
        total = 0.0
        best = -1
        best_p = -1.0
        for b in range(moves):
            p = B[i, j, ctx, b] if lg[j, b] else 0.0
            dist[j, b] = p
            total += p
            if p > best_p:
                best, best_p = b, p
        if total <= 0.0:
            for b in range(moves):
                dist[j, b] = 1.0 if lg[j, b] else 0.0
                total += dist[j, b]
        kept = 0
        kept_total = 0.0
        for b in range(moves):
            dist[j, b] /= total
            if (dist[j, b] < P.min_belief) & (b != best):
                dist[j, b] = 0.0
            if dist[j, b] > 0:
                kept += 1
                kept_total += dist[j, b]
        for b in range(moves):
            dist[j, b] /= kept_total
        kept_of[j] = kept
        count = min(count * kept, K + 1)
    if count <= K:
        # every joint move, in mixed-radix order
        for p in range(count):
            rest = p
            w = 1.0
            for j in range(n - 1, -1, -1):
                if j == i:
                    prof[p, j] = 0
                    continue
                pick = rest % kept_of[j]
                rest //= kept_of[j]
                for b in range(moves):
                    if dist[j, b] > 0:
                        if pick == 0:
                            prof[p, j] = b
                            w *= dist[j, b]
                            break
                        pick -= 1
            weight[p] = w
        return count
    x = seed
    for p in range(K):
        for j in range(n):
            if j == i:
                prof[p, j] = 0
                continue
            x, u = _next_uniform(x)
            acc = 0.0
            pick = moves - 1
            for b in range(moves):
                acc += dist[j, b]
                if (u < acc) & (dist[j, b] > 0):
                    pick = b
                    break
            while dist[j, pick] == 0:
                pick -= 1
            prof[p, j] = pick
        weight[p] = 1.0 / K
    return K


@njit(cache=True, inline="always")
def _first_draws(prof, count, i, dedupe, first):
    """first[p] := the first row of prof[:count] equal to row p in the others' columns (p itself if
    none, or if not `dedupe`). Sampled joint moves repeat: a repeat is valued once, with the same bits
    as valuing it again (its resolve and future value would be recalled from the memos)."""
    n = prof.shape[1]
    for p in range(count):
        first[p] = p
        if not dedupe:
            continue
        for q in range(p):
            if first[q] != q:
                continue
            same = True
            for j in range(n):
                if (j != i) & (prof[p, j] != prof[q, j]):
                    same = False
                    break
            if same:
                first[p] = q
                break


@njit(cache=True, inline="always")
def _resolved(i, V, T, Rm, radix):
    """The replica T.base after the joint move T.mv (expected version): i's payoff, the state and the
    hits reached. Resolved once per replica into memo Rm, with i's payoff; another actor's payoff of
    the same joint move is computed when it first asks, from the state, hits and events remembered
    (`payoff_after`: the same numbers as in the turn). The state and hits returned are then the memo's
    own (views, not copies), else T's."""
    mv = T.mv
    n = mv.shape[0]
    key = 0
    for k in range(n):
        key = key * radix + mv[k]            # exact: radix ** n < 2 ** 62, or Rm has no room
    index = Rm.index
    pos = _first_position(index, np.uint64(key))
    while index.stamp[pos] == index.gen[0]:
        q = index.entry[pos]
        if Rm.key[q] == key:
            X = work_at(Rm.work, q)
            if not Rm.known[q, i]:
                for k in range(n):
                    T.m[k] = X.actor[k].missiles
                Rm.payoff[q, i] = payoff_after(i, X, V.P, T.m, Rm.hits[q], Rm.events[q, i], Rm.war[q])
                Rm.known[q, i] = True
            return Rm.payoff[q, i], X, Rm.hits[q]
        pos = (pos + 1) & (index.entry.shape[0] - 1)
    q = Rm.used[0]
    room = q < Rm.key.shape[0]
    X = work_at(Rm.work, q) if room else T.work
    E = T.events
    copy_work(T.base, X)
    T.only[i] = True
    war, _ = resolve(X, E, V.P, mv, V.turn, V.u, True, T.only, False)
    T.only[i] = False
    if not room:
        return E.actor[i].payoff, X, E.hits
    index.entry[pos] = q
    index.stamp[pos] = index.gen[0]
    Rm.used[0] += 1
    Rm.key[q] = key
    Rm.war[q] = war
    for j in range(n):
        Rm.events[q, j] = E.actor[j]
        Rm.known[q, j] = j == i
        for k in range(n):
            Rm.hits[q, j, k] = E.hits[j, k]
    Rm.payoff[q, i] = E.actor[i].payoff
    return E.actor[i].payoff, X, Rm.hits[q]


@njit(cache=True, inline="always")
def _can_carry_out(X, P, i, turn):
    """Whether i can carry out its open ultimatum's threat by the deadline: notice if bound; else a system
    ready by then, or (a host) consent."""
    if bound(X, P, i):
        return True
    return can_arm_by(X, P, i, _threat_wait(X, i, turn)) | (legal(X, P, i, DEPLOYMENT) & (not P.actor[i].can_own))


@njit(cache=True, inline="always")
def _threat_outlook(i, X, V, hits, T):
    """If i has an open ultimatum in X: the chance its target meets the demand, and i's future value if it
    does (0, 0 otherwise). i reckons with the target's incentives (Schelling 1966: coercion works through
    the target's choice): meeting the demand, at its comply cost, against defying it with i's threat
    hanging over it (the threat's expected consequences are in the target's future value); a target
    believed resolute (its credibility) stands firm whatever its incentives."""
    P = V.P
    target = X.actor[i].ult_target
    if (target < 0) or X.actor[i].ult_acted or not legal(X, P, target, COMPLY):
        return 0.0, 0.0
    if not _can_carry_out(X, P, i, V.turn):
        return 0.0, 0.0               # an empty threat is read as such: it moves nobody
    A = T.alt
    copy_work(X, A)
    meet_demands(A, P, target)
    A.actor[i].ult_target = NO_ONE
    A.actor[i].ult_deadline = NO_ONE
    fill_hits(A, P, T.alt_hits)
    meet = future_value(target, A, P, V.turn, T.alt_hits, T.still, T.m, T.press, T.quiet) - P.actor[target].comply_cost
    if meet <= future_value(target, X, P, V.turn, hits, T.still, T.m, T.press, T.quiet):
        return 0.0, 0.0
    return 1.0 - X.actor[target].credibility, future_value(i, A, P, V.turn, T.alt_hits, T.ahead, T.m, T.press, T.quiet)


@njit(cache=True, inline="always")
def _move_value(i, a, others, V, T, F, Rm):
    """Payoff plus future value for i of playing a while the others play `others` (expected version)."""
    P = V.P
    moves = V.B.shape[3]
    for k in range(T.mv.shape[0]):
        T.mv[k] = others[k]
    T.mv[i] = a
    payoff_i, X, hits = _resolved(i, V, T, Rm, moves)
    _reactions(i, a, X, V, T.ahead)
    future, p_met, met_future = _recalled_future_value(i, X, V, hits, T, F)
    value = payoff_i + future
    if X.actor[i].ult_target >= 0:
        # the audience cost expected at the deadline: unmet and not carried out (i carries out its threat,
        # where it can by then, with the probability of its record: its credibility before this move, not
        # the others' reading of a threat it has just made)
        # a threat that cannot be carried out by its deadline is read as such
        can_act = _can_carry_out(X, P, i, V.turn)
        p_carry = 1.0 if X.actor[i].ult_acted else (T.base.actor[i].credibility if can_act else 0.0)
        wait = max(X.actor[i].ult_deadline - V.turn, 1)
        unmet = value - P.actor[i].discount ** wait * P.actor[i].audience_cost * X.actor[i].ult_stakes * (1.0 - p_carry)
        value = p_met * (payoff_i + met_future) + (1.0 - p_met) * unmet
    return value


@njit(cache=True)
def values_kernel(S, P, turn, seeds, needed, B, values, fixed, memo):
    """values[r, i, a] for the actors with needed[i]; -inf for illegal moves.

    seeds[r]: the uniform that seeds replica r's sampled joint moves. With fixed ([R, N], else
    [0, N]) the others play fixed[r] (counterfactual values) instead of i's beliefs. With `memo`,
    resolves and future values are remembered (see the module doc)."""
    n = S.actor.shape[1]
    slots = S.pipeline.shape[2]
    moves = values.shape[2]
    K = P.max_profiles
    work = new_work(n, slots)
    events = new_events(n)
    ahead = np.zeros(n, AHEAD)
    m = np.zeros(n)
    press = np.zeros(n)                 # the hazard's scratch
    mv = np.zeros(n, np.int64)
    quiet = np.zeros(1, EVENTS)
    alt = new_work(n, slots)             # a target's demands met (_move_value)
    alt_hits = np.zeros((n, n), np.bool_)
    still = np.zeros(n, AHEAD)           # nobody's answer expected
    D = Profiles(np.zeros((K, n), np.int64), np.zeros(K), np.zeros(K, np.int64), np.zeros(K), np.zeros((n, moves)),
                 np.zeros(n, np.int64))
    size = K * moves if memo else 0
    F = new_future_memo(size, n, slots)  # for the whole call; starts afresh when full (a larger one was slower)
    joint = size * needed.sum() if float(moves) ** n < 2.0 ** 62 else 0    # joint moves as exact int64 keys
    Rm = ResolveMemo(new_index(joint), np.zeros(joint, np.int64), new_works(joint, n, slots),
                     np.zeros((joint, n)), np.zeros((joint, n, n), np.bool_), np.zeros(1, np.int64),
                     np.zeros((joint, n), EVENTS), np.zeros(joint), np.zeros((joint, n), np.bool_))
    only = np.zeros(n, np.bool_)         # the one actor whose payoff a resolve computes
    lg = np.zeros((n, moves), np.bool_)
    u = np.zeros(draw_width(n))       # the expected turn draws nothing
    for r in range(S.world.shape[0]):
        V = Valuation(P, turn, B[r], needed, u, seeds[r])
        T = Scratch(work_at(S, r), work, events, ahead, m, press, mv, quiet, alt, alt_hits, still, only)
        _replica_values(r, V, T, D, F, Rm, lg, fixed, values[r])


@no_refcount
def _replica_values(r, V, T, D, F, Rm, lg, fixed, out):
    """values_kernel's work for replica r (T.base), into out ([N, M])."""
    n, moves = lg.shape
    base = T.base
    Rm.used[0] = 0              # resolves are remembered within this replica
    Rm.index.gen[0] += 1
    use_fixed = fixed.shape[0] > 0
    memo = F.key.shape[0] > 0
    for j in range(n):
        for b in range(moves):
            lg[j, b] = legal(base, V.P, j, b)
    for i in range(n):
        if not V.needed[i]:
            continue
        if use_fixed:
            count = 1
            for j in range(n):
                D.prof[0, j] = fixed[r, j]
            D.weight[0] = 1.0
        else:
            seed = np.uint64(int(V.seed * 9007199254740992.0)) ^ (
                np.uint64(0x9E3779B97F4A7C15) * np.uint64(i + 1))        # wraps in uint64
            if seed == 0:
                seed = np.uint64(1)
            count = _profiles(i, base.actor[i].last_moves, V.B, lg, V.P, seed, D)
        _first_draws(D.prof, count, i, memo and not use_fixed, D.first)
        for a in range(moves):
            if not lg[i, a]:
                out[i, a] = -np.inf
                continue
            total = 0.0
            for p in range(count):
                if D.first[p] == p:
                    D.drawn[p] = _move_value(i, a, D.prof[p], V, T, F, Rm)
                total += D.weight[p] * D.drawn[D.first[p]]
            out[i, a] = total


@njit(cache=True)
def continuation_kernel(S, P, turn, out):
    """out[r, i]: future_value of replica r for actor i, nobody answering."""
    R, n = S.actor.shape
    hits = np.zeros((n, n), np.bool_)
    ahead = np.zeros(n, AHEAD)
    m = np.zeros(n)
    press = np.zeros(n)
    quiet = np.zeros(1, EVENTS)
    for r in range(R):
        W = work_at(S, r)
        fill_hits(W, P, hits)
        for i in range(n):
            out[r, i] = future_value(i, W, P, turn, hits, ahead, m, press, quiet)


# ---------------------------------------------------------------- public functions (all replicas)


def _beliefs(s: State, beliefs: np.ndarray | None) -> np.ndarray:
    if beliefs is None:
        return s.beliefs
    b = np.asarray(beliefs, dtype=np.float64)
    if b.ndim == 4:                      # unconditional [R, N, N, M]: the same for every context
        b = np.broadcast_to(b[:, :, :, None, :], s.beliefs.shape)
    return np.ascontiguousarray(b)


def expected_values(s: State, params: Params, turn: int, actors: np.ndarray | None = None,
                    beliefs: np.ndarray | None = None, draws: np.ndarray | None = None) -> np.ndarray:
    """[R, N, M]: for actor i and legal own move a, the value expected against i's beliefs; -inf if illegal.

    `beliefs` ([R, N, N, M, M] conditional, or [R, N, N, M] unconditional; default the state's);
    `actors` ([N] bool) limits the work to the actors that need it (other rows zero); `draws`
    ([R, 2 + 3N], this turn's uniforms) seeds the sampled joint moves when there are too many to
    enumerate (default: seed 0).
    """
    return _values(s, params, turn, actors, _beliefs(s, beliefs), draws, None)


def counterfactual_values(s: State, params: Params, turn: int, moves: np.ndarray,
                          actors: np.ndarray | None = None) -> np.ndarray:
    """[R, N, M]: the value of each own legal move of actor i had the others played `moves` ([R, N])."""
    return _values(s, params, turn, actors, s.beliefs, None, np.ascontiguousarray(moves, dtype=np.int64))


def _values(s: State, params: Params, turn: int, actors: np.ndarray | None, beliefs: np.ndarray,
            draws: np.ndarray | None, fixed: np.ndarray | None, memo: bool = True) -> np.ndarray:
    s = s.canonical()                 # the kernels only read it
    r, n = s.missiles.shape
    needed = np.ones(n, np.bool_) if actors is None else np.asarray(actors, dtype=np.bool_)
    values = np.zeros((r, n, s.beliefs.shape[-1]))
    seeds = np.zeros(r) if draws is None else np.array(draws, np.float64)[:, lookahead_column(n)].copy()
    if needed.any():
        values_kernel(s.replicas(), params.packed(), turn, seeds, needed, np.ascontiguousarray(beliefs), values,
                      np.zeros((0, n), np.int64) if fixed is None else fixed, memo)
    return values


def continuation(s: State, params: Params, turn: int) -> np.ndarray:
    """[R, N] discounted value of state `s` (reached on `turn`) from the next turn on, nothing answered."""
    s = s.canonical()                 # the kernels only read it
    out = np.zeros(s.missiles.shape)
    continuation_kernel(s.replicas(), params.packed(), turn, out)
    return out
