"""The turn: one compiled function per ODD step, called in order by a short resolver.

Order of a turn (all actors have chosen legal moves at once; docs/ODD.md gives every formula):

1. withdrawal: a bound party gives notice;
2. talks: rounds between adversaries who both offer dialogue, agreements at full progress;
3. compliance: an actor in dispute verifiably eliminates what is disputed;
4. ultimatum: a public demand on an adversary in dispute;
5. programmes: a stage advances on a `develop` move; stages under way take their time;
6. deployment: a ready owner orders a battalion; a host consents to host its leader's missiles;
7. the treaty ends when its notice runs out;
8. arrivals, and elimination under a new treaty; an arrival while bound is a violation;
9. ultimatum deadlines: met, carried out or lapsed (audience cost grows with the stakes);
10. detection of violations (random): fielding, flight tests, production by a bound party;
11. the escalation index of the resulting state, its Kahn rung and the hazard;
12. payoffs;
13. incident (random): the run ends; beliefs learn the moves seen.

The expected version (no random draw: detection and incident enter as probabilities, beliefs are
left alone) is what rules that look ahead resolve; see `sim/kernel/lookahead.py`. Each step works in place
on one replica of the state (`work_at`: views of `sim.core.state`'s records, nothing copied) and writes
what happened into that replica's `EVENTS` records. Sizes come from array shapes; codes from
`sim.core.codes` (`sim.kernel.cache` drops cached kernels when any file they are built from changes).
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

import numpy as np
from numba import njit
from numba.extending import register_jitable

from sim.core import actions, codes
from sim.core import state as state_types
from sim.core.actions import LEGALITY
from sim.core.codes import (
    ADVERSARY_DEMANDABLE,
    ALWAYS,
    BELOW_PRODUCTION,
    CAN_FIELD,
    CAN_MEET_DEMAND,
    CAN_WITHDRAW,
    COMPLY,
    DEMAND_COMPLY,
    DEMAND_HALT,
    DEMAND_REMOVE,
    DEPLOYMENT,
    DEVELOP,
    DEVELOPMENT,
    DIALOGUE,
    FLIGHT_TEST,
    IN_FORCE,
    KEEP_FORCE,
    N_CONDITIONS,
    NO_ONE,
    NO_OPEN_ULTIMATUM,
    NO_TERMS,
    NONE_STAGE,
    NOTICE,
    OWNER,
    PARITY,
    PRODUCTION,
    READY,
    RUNG_CONFRONTATION,
    RUNG_DECLARATIONS,
    RUNG_HARDENING,
    RUNG_NONE,
    RUNG_OSTENSIBLE,
    RUNG_SHOW_OF_FORCE,
    STAGE_COMPLETE,
    TERMINATED,
    ULTIMATUM,
    WITHDRAWAL,
)
from sim.core.params import Params
from sim.core.state import ACTOR, INTENSITY_POINTS, PAIR, RUNG_POINTS, WORLD, Replicas, State
from sim.core.state import index_weights as _index_weights
from sim.kernel.cache import drop_stale_kernels

# its kernels read the constants, the move table and the state's record types (a new field must recompile)
drop_stale_kernels(__file__, codes.__file__, actions.__file__, state_types.__file__)

#: The decorator of the steps the look-ahead calls thousands of times per replica. They allocate
#: nothing (numba refuses to compile an allocation here) and work on views of arrays their callers
#: hold, so they are compiled without numba's reference counting (its `_nrt` flag): the atomic
#: increments and decrements of every array of every argument took 70% of the look-ahead's time
#: (perf). Everything else is plain `njit`, and only small steps with one call site are inlined.
no_refcount = njit(cache=True, _nrt=False)  # type: ignore[call-overload]  # numba's flag, not in its stubs

# in force, notice, terminated, no treaty: the same world scores the same
TREATY_COMPONENT = np.array([0.0, 0.5, 1.0, 1.0])


@register_jitable
def draw_width(n_actors: int) -> int:
    """Uniform draws per replica and turn: incident; fielding and test detection per actor; rule per
    actor; the look-ahead's sample seed."""
    return 2 + 3 * n_actors


def rule_column(n_actors: int, actor: int) -> int:
    return 1 + 2 * n_actors + actor


def lookahead_column(n_actors: int) -> int:
    return 1 + 3 * n_actors


#: What happened in one turn, per replica and actor. The kernel writes each replica's row in place.
EVENTS = np.dtype([
    ("payoff", np.float64),        # the turn's payoff
    ("ordered", np.int64),         # missiles ordered
    ("notice", np.bool_),          # gave treaty notice
    ("in_round", np.bool_),        # took part in a round of talks
    ("agreement", np.bool_),       # reached an agreement
    ("unanswered", np.bool_),      # offered talks nobody answered
    ("complied", np.bool_),        # eliminated what was disputed
    ("lapsed", np.bool_),          # let its own ultimatum lapse
    ("lapse_stakes", np.float64),  # the stakes of that ultimatum
    ("carried", np.bool_),         # carried out its ultimatum's threat by the deadline
    ("met", np.bool_),             # its ultimatum was met
    ("detected", np.bool_),        # a violation of it was detected
    ("reputation", np.float64),    # the chance (expected version) or fact of that detection
    ("was_unbound", np.bool_),     # scratch: unbound at the start of the turn
], align=True)
#: One replica's events as the steps take them: per actor, the pairs that agree, whose missiles
#: reach whom (`hits`), and scratch (`stock`: missiles as floats; `parts`: a dyad's index components;
#: `press`: the hazard's per-actor strike pressure), so
#: that no step allocates.
Events = namedtuple("Events", ["actor", "agree", "hits", "stock", "parts", "press"])
_OUTCOME_FIELDS = ("payoff", "ordered", "notice", "in_round", "agreement", "complied", "lapsed", "carried", "met",
                   "detected")


@dataclass
class Outcome:
    """What happened in one turn: `actor` [R, N] EVENTS records and `hazard` [R]. Fields read as
    views: `outcome.payoff` is `outcome.actor["payoff"]`."""

    actor: np.ndarray
    hazard: np.ndarray

    @classmethod
    def empty(cls, r: int, n: int) -> Outcome:
        return cls(np.zeros((r, n), EVENTS), np.zeros(r))

    def __getattr__(self, name: str) -> np.ndarray:
        if name not in _OUTCOME_FIELDS:
            raise AttributeError(name)
        return self.__dict__["actor"][name]


@njit(cache=True)
def new_works(size, n, lag_slots):
    """`size` replica states of zeros, the shape of `sim.core.state` (entry q: `work_at(stack, q)`)."""
    return Replicas(np.zeros(size, WORLD), np.zeros((size, n), ACTOR), np.zeros((size, n, lag_slots), np.int64),
                    np.zeros((size, n, n), PAIR))


@njit(cache=True)
def new_work(n, lag_slots):
    return work_at(new_works(1, n, lag_slots), 0)


@njit(cache=True, inline="always")
def work_at(stack, q):
    """Replica q of a stack of states, as views (its world is a one-record array)."""
    return Replicas(stack.world[q:q + 1], stack.actor[q], stack.pipeline[q], stack.pair[q])


@njit(cache=True)
def new_events(n):
    """One replica's events, zero, with their scratch."""
    return Events(np.zeros(n, EVENTS), np.zeros((n, n), np.bool_), np.zeros((n, n), np.bool_), np.zeros(n),
                  np.zeros(4), np.zeros(n))


@njit(cache=True)
def copy_work(A, W):
    """W := A (look-ahead variants start from the same replica), by element loops: a slice copy may
    allocate and costs more at these sizes."""
    W.world[0] = A.world[0]
    n, slots = A.pipeline.shape
    for i in range(n):
        W.actor[i] = A.actor[i]
        for k in range(slots):
            W.pipeline[i, k] = A.pipeline[i, k]
        for j in range(n):
            W.pair[i, j] = A.pair[i, j]


# ---------------------------------------------------------------- state predicates


@njit(cache=True, inline="always")
def alive(W):
    return (W.world[0].treaty == IN_FORCE) | (W.world[0].treaty == NOTICE)


@njit(cache=True, inline="always")
def bound(W, P, i):
    return P.actor[i].party & alive(W) & (not W.actor[i].unbound)


@njit(cache=True, inline="always")
def revocable(W, P, i):
    """i is a host that consents to host its leader's missiles: a withdrawal revokes the consent."""
    return (P.actor[i].host_of >= 0) & W.actor[i].hosting


@njit(cache=True, inline="always")
def in_dispute(W, i):
    return (W.actor[i].disputed > 0) | W.actor[i].breach


@njit(cache=True, inline="always")
def reaches_side(W, P, j, i):
    """j's missiles, fielded or on order, would reach i or an ally of i: from j's territory or from a
    host of j's that consents."""
    n = W.actor.shape[0]
    for k in range(n):
        if P.pair[i, k].side and P.pair[j, k].reach:
            return True
    for h in range(n):
        if (P.actor[h].host_of == j) and W.actor[h].hosting:
            for k in range(n):
                if P.pair[i, k].side and P.pair[h, k].reach:
                    return True
    return False


@njit(cache=True, inline="always")
def armed(W, j):
    """j has missiles fielded or on order."""
    if W.actor[j].missiles > 0:
        return True
    for s in range(W.pipeline.shape[1]):  # noqa: SIM110  (numba: a plain loop)
        if W.pipeline[j, s] > 0:
            return True
    return False


@njit(cache=True, inline="always")
def programme_menaces(W, j):
    """j's programme is in flight tests, production or ready: there is something to halt."""
    return (W.actor[j].stage == FLIGHT_TEST) | (W.actor[j].stage == PRODUCTION) | (W.actor[j].stage == READY)


@njit(cache=True, inline="always")
def demandable(W, P, i, j):
    """What i can demand of j, the first that applies (DEMAND_*), or -1: return to compliance (j in
    dispute under a live treaty); remove its missiles (fielded or on order, reaching i's side); halt its
    programme (in tests, production or ready)."""
    if alive(W) and in_dispute(W, j):
        return DEMAND_COMPLY
    if ((W.actor[j].elim_left == 0) or (W.actor[j].elim_floor > 0)) and armed(W, j) and reaches_side(W, P, j, i):
        return DEMAND_REMOVE
    if P.actor[j].can_own and programme_menaces(W, j):
        return DEMAND_HALT
    return -1


@njit(cache=True, inline="always")
def demand_met(W, P, i, j, kind):
    """Whether j has done what i's ultimatum of `kind` demands."""
    if kind == DEMAND_COMPLY:
        return not in_dispute(W, j)
    if kind == DEMAND_REMOVE:
        return not (armed(W, j) and reaches_side(W, P, j, i)) or ((W.actor[j].elim_left > 0) and
                                                                  (W.actor[j].elim_floor == 0))
    return not programme_menaces(W, j)


@njit(cache=True, inline="always")
def can_meet_demand(W, P, i):
    """i has something to concede: a dispute under a live treaty, or an open ultimatum's demand to remove
    or halt that it has not met."""
    if alive(W) and in_dispute(W, i):
        return True
    for k in range(W.actor.shape[0]):
        if (W.actor[k].ult_target == i) and (W.actor[k].ult_demand != DEMAND_COMPLY) and \
                (not demand_met(W, P, k, i, W.actor[k].ult_demand)):
            return True
    return False


@njit(cache=True, inline="always")
def meet_demands(W, P, i):
    """i concedes, verifiably, what is demanded of it: its dispute settled (`settle`, under a live
    treaty); missiles that others demand it remove eliminated, orders included; a programme others
    demand it halt halted, its orders cancelled."""
    if alive(W) and in_dispute(W, i):
        settle(W, P, i)
    for k in range(W.actor.shape[0]):
        if W.actor[k].ult_target != i:
            continue
        if W.actor[k].ult_demand == DEMAND_REMOVE:
            W.actor[i].missiles = 0
            W.actor[i].disputed = 0
            W.actor[i].illicit = 0
            for s in range(W.pipeline.shape[1]):
                W.pipeline[i, s] = 0
        elif W.actor[k].ult_demand == DEMAND_HALT:
            halt(W, i)
            for s in range(W.pipeline.shape[1]):
                W.pipeline[i, s] = 0
    W.actor[i].demand = False


@njit(cache=True, inline="always")
def time_to_ready(W, P, k):
    """Turns until programme k is ready, if it is under way (0 if it is not)."""
    if (W.actor[k].stage == NONE_STAGE) | (W.actor[k].stage == READY) | (W.actor[k].stage_left == 0):
        return 0
    t = W.actor[k].stage_left
    for s in range(W.actor[k].stage + 1, PRODUCTION + 1):
        t += P.actor[k].stage_turns[s]
    return t


@njit(cache=True, inline="always")
def can_arm_by(W, P, k, wait):
    """k can order a battalion within `wait` turns: it owns a system that is ready by then."""
    if not P.actor[k].can_own:
        return False
    if W.actor[k].stage == READY:
        return True
    ready = time_to_ready(W, P, k)
    return (ready > 0) & (ready <= wait)


@njit(cache=True, inline="always")
def holds(W, P, i, c):
    """Whether legality condition c (`sim.core.codes`, named in `sim.core.actions.Condition`) holds for actor i."""
    if c == ALWAYS:
        return True
    if c == CAN_MEET_DEMAND:
        return can_meet_demand(W, P, i)
    if c == NO_OPEN_ULTIMATUM:
        return W.actor[i].ult_target == NO_ONE
    if c == ADVERSARY_DEMANDABLE:
        for j in range(W.actor.shape[0]):  # noqa: SIM110  (numba: a plain loop, no generator inside any())
            if P.pair[i, j].adversary and (demandable(W, P, i, j) >= 0):
                return True
        return False
    if c == CAN_WITHDRAW:
        return bound(W, P, i) | revocable(W, P, i)
    if c == OWNER:
        return P.actor[i].can_own
    if c == BELOW_PRODUCTION:
        return W.actor[i].stage < PRODUCTION
    if c == STAGE_COMPLETE:
        return W.actor[i].stage_left == 0
    if c == CAN_FIELD:
        if P.actor[i].can_own:
            return W.actor[i].stage == READY
        lead = P.actor[i].host_of
        return (not W.actor[i].hosting) & ((W.actor[lead].stage >= PRODUCTION) | (W.actor[lead].missiles > 0))
    return False


@no_refcount
def legal(W, P, i, a):
    """Whether move a does something for actor i in state W: every condition of its row of the move
    table (`sim.core.actions.MOVES`, `LEGALITY`) holds."""
    for k in range(LEGALITY.shape[1]):  # noqa: SIM110  (numba: a plain loop)
        if not holds(W, P, i, LEGALITY[a, k]):
            return False
    return True


@njit(cache=True, inline="always")
def fill_hits(W, P, hits):
    """hits[j, k]: missiles of j reach k, from j's territory or from a consenting host of j's."""
    n = hits.shape[0]
    for j in range(n):
        for k in range(n):
            hits[j, k] = P.pair[j, k].reach
    for h in range(n):
        lead = P.actor[h].host_of
        if (lead >= 0) and W.actor[h].hosting:
            for k in range(n):
                hits[lead, k] = hits[lead, k] | P.pair[h, k].reach


@njit(cache=True, inline="always")
def decay_less_one(x, scale):
    """exp(-x / scale) - 1 for a count x >= 0, as np.expm1 gives it; at x = 0 the same -0.0 without the
    call (most forces in most dyads are zero, and expm1 was a tenth of the look-ahead's time)."""
    return np.expm1(-x / scale) if x != 0.0 else -0.0


@njit(cache=True, inline="always")
def security(i, m, W, P, hits):
    """What the balance of forces is worth to i per turn (0 with no forces in range; utility units):

        force_value_i * satf(O) - threat_weight_i * sat(H) * (1 - reaction_i * sat(O))

    with sat(x) = 1 - exp(-x / missile_scale) and satf(x) = 1 - exp(-x / force_scale_i). H: adversaries'
    missiles that reach i or its allies (an open ultimatum enters through the look-ahead's expected
    consequences, not here). O: missiles of i and its allies that reach an adversary of i. The first
    term is what own forces in range are worth by themselves (deterrence of the rival's other forces,
    hedging against third parties); the second the threat, of which own forces relieve a share that
    grows with the rival's stock, so that the value of arming grows with the rival's arming (the
    security dilemma).
    """
    n = m.shape[0]
    hostile = 0.0
    own = 0.0
    for j in range(n):
        if P.pair[i, j].adversary:
            for k in range(n):
                if P.pair[i, k].side & hits[j, k]:
                    hostile += m[j]
                    break
        if P.pair[i, j].side:
            for k in range(n):
                if P.pair[i, k].adversary & hits[j, k]:
                    own += m[j]
                    break
    a = P.actor[i]
    own_less_one = decay_less_one(own, a.force_scale)
    own_relief = -0.0                     # it multiplies a zero threat
    if hostile != 0.0:                    # the same expm1 when the two scales agree (they do by default)
        own_relief = own_less_one if a.force_scale == P.missile_scale else decay_less_one(own, P.missile_scale)
    return (-a.force_value * own_less_one
            + a.threat_weight * decay_less_one(hostile, P.missile_scale) * (1.0 + a.reaction * own_relief))


@njit(cache=True, inline="always")
def compliance(i, W, P):
    """Share of the missiles of i's adversaries bound by the treaty that nobody disputes (1 if they have none).

    A treaty restrains its parties only: a non-party's force neither honours nor breaks it."""
    total = 0.0
    contested = 0.0
    for j in range(W.actor.shape[0]):
        if P.pair[i, j].adversary & P.actor[j].party:
            total += W.actor[j].missiles
            contested += W.actor[j].disputed
    return 1.0 - contested / total if total > 0 else 1.0


@njit(cache=True, inline="always")
def distrust(W, P, i, loss):
    """i's adversaries trust it less by `loss`."""
    for j in range(W.actor.shape[0]):
        if P.pair[i, j].adversary:
            W.pair[j, i].trust -= loss


# ---------------------------------------------------------------- the steps of a turn


@njit(cache=True, inline="always")
def step_withdrawal(W, E, P, mv, turn):
    """1. A bound party that plays withdrawal gives notice; the first notice starts the countdown."""
    n = mv.shape[0]
    first = -1
    for i in range(n):
        E.actor[i].notice = (mv[i] == WITHDRAWAL) & bound(W, P, i)
        if E.actor[i].notice and first < 0:
            first = i
    if (first >= 0) and (W.world[0].treaty == IN_FORCE):
        W.world[0].treaty = NOTICE
        W.world[0].notice_by = first
        W.world[0].notice_end = turn + P.notice_turns
    for i in range(n):
        if E.actor[i].notice:
            W.actor[i].unbound = True
            distrust(W, P, i, P.trust_withdrawal_loss)


@njit(cache=True, inline="always")
def talk_pair(P, i, j):
    """i and j can hold talks: one names the other an adversary."""
    return (i != j) & (P.pair[i, j].adversary | P.pair[j, i].adversary)


@njit(cache=True, inline="always")
def bargaining_pair(P, i, j):
    """i and j negotiate terms: a talk pair of treaty parties (whose undertakings a treaty can bind)."""
    return talk_pair(P, i, j) & P.actor[i].party & P.actor[j].party


@njit(cache=True, inline="always")
def concedes(W, k, part):
    """Cutting, under an agreement, missiles disputed under the treaty still alive concedes the violation
    (a unilateral `comply` does the same): the concession costs `comply_cost` at home."""
    return (part != KEEP_FORCE) & alive(W) & (W.actor[k].disputed > 0)


@njit(cache=True, inline="always")
def counted_allies(W, P, k):
    """The fielded missiles of k's allies that count with k's own in a ceiling (k's `counts_with`)."""
    total = 0
    for a in range(W.actor.shape[0]):
        if P.pair[k, a].counted:
            total += W.actor[a].missiles
    return total


@njit(cache=True, inline="always")
def parity_floor(W, P, k, other):
    """What parity between k and `other` leaves k: the ceiling is the smaller of the two sides' counted
    forces (each side's own and its counted allies'), and k's allies' part of its side is not k's to keep."""
    level = min(W.actor[k].missiles + counted_allies(W, P, k), W.actor[other].missiles + counted_allies(W, P, other))
    return max(level - counted_allies(W, P, k), 0)


@njit(cache=True, inline="always")
def undertake(W, P, k, part, other):
    """k's part of an agreement with `other`: no more orders and a programme halted; its force, disputed
    or not, is settled by the terms: kept as counted (KEEP_FORCE), eliminated over the elimination period
    (CUT_FORCE), or cut over that period to the ceiling of parity with `other` (PARITY, `parity_floor`;
    it reads only fielded missiles, which no undertaking changes, so the order of the members is free)."""
    for s in range(W.pipeline.shape[1]):
        W.pipeline[k, s] = 0
    halt(W, k)
    W.actor[k].disputed = 0
    W.actor[k].breach = False
    W.actor[k].demand = False
    floor = parity_floor(W, P, k, other) if part == PARITY else 0
    cut = (part != KEEP_FORCE) & (W.actor[k].missiles > floor)
    W.actor[k].elim_left = P.elimination_turns if cut else 0
    W.actor[k].elim_floor = floor if cut else 0


@njit(cache=True, inline="always")
def agree_terms(W, P, i, j):
    """i and j sign the terms on the table (`pair[i, j].terms`, `pair[j, i].terms`): each undertakes its
    part, their ultimatums on each other close, and the treaty is in force with every party bound (a
    notice rescinded, or a new treaty)."""
    undertake(W, P, i, W.pair[i, j].terms, j)
    undertake(W, P, j, W.pair[j, i].terms, i)
    for a, b in ((i, j), (j, i)):
        if W.actor[a].ult_target == b:
            W.actor[a].ult_target = NO_ONE
            W.actor[a].ult_deadline = NO_ONE
    W.world[0].treaty = IN_FORCE
    W.world[0].notice_by = NO_ONE
    W.world[0].notice_end = NO_ONE
    W.pair[i, j].pledge = NO_TERMS               # pledged terms, if any, are signed
    W.pair[j, i].pledge = NO_TERMS
    for k in range(W.actor.shape[0]):
        W.actor[k].unbound = False


@njit(cache=True, inline="always")
def step_talks(W, E, P, mv):
    """2. Rounds of talks between adversaries who both offer; an agreement on the terms on the table.

    A round makes progress only where the pair has terms on the table (a bargaining range, set
    before the turn by `sim.kernel.bargaining`); without one the talks stall. Progress not carried by a
    round decays. At full progress the pair signs its terms (`agree_terms`).
    """
    n = mv.shape[0]
    for i in range(n):
        E.actor[i].in_round = False
        E.actor[i].agreement = False
        E.actor[i].met = False
        E.actor[i].complied = False
    for i in range(n):
        for j in range(i + 1, n):
            if not talk_pair(P, i, j):
                continue
            productive = (mv[i] == DIALOGUE) & (mv[j] == DIALOGUE) & (W.pair[i, j].terms != NO_TERMS)
            if productive:
                progress = min(1.0, W.pair[i, j].talks + P.talks_rate * 0.5 * (W.pair[i, j].trust + W.pair[j, i].trust))
            else:
                progress = W.pair[i, j].talks * (1.0 - P.talks_decay)
            W.pair[i, j].talks = progress
            W.pair[j, i].talks = progress
    any_agreement = False
    for i in range(n):
        offered = mv[i] == DIALOGUE
        for j in range(n):
            E.agree[i, j] = False
            if not (offered and talk_pair(P, i, j)):
                continue
            if mv[j] != DIALOGUE:
                W.pair[j, i].trust += P.trust_one_sided_gain      # i offered, j did not answer
                continue
            W.pair[i, j].trust += P.trust_round_gain             # a round (each entry moves once a turn)
            E.actor[i].in_round = True
            if (W.pair[i, j].terms != NO_TERMS) & (W.pair[i, j].talks >= 1.0 - 1e-12):
                E.agree[i, j] = True
                E.actor[i].agreement = True
                any_agreement = True
    for i in range(n):
        E.actor[i].unanswered = (mv[i] == DIALOGUE) & (not E.actor[i].in_round)
    if not any_agreement:
        return
    for i in range(n):
        target = W.actor[i].ult_target
        if (target != NO_ONE) and E.agree[i, target]:
            E.actor[i].met = True                                        # met by the agreement
    for i in range(n):
        for j in range(i + 1, n):
            if E.agree[i, j]:
                E.actor[i].complied = E.actor[i].complied | concedes(W, i, W.pair[i, j].terms)
                E.actor[j].complied = E.actor[j].complied | concedes(W, j, W.pair[j, i].terms)
                agree_terms(W, P, i, j)
    for i in range(n):
        for j in range(n):
            if E.agree[i, j]:
                W.pair[i, j].trust += P.trust_agreement_gain
                W.pair[i, j].talks = 0.0


@njit(cache=True, inline="always")
def halt(W, i):
    """End a programme that has flight-tested, produced or is ready: back to none, so a restart begins
    with development. What it built is what the INF Treaty eliminates (missiles, launchers, support
    structures and equipment: Art. IV) and bans (producing and flight-testing them: Art. VI); what it
    keeps is not a stage. A programme still in development is left as it is: development is not banned.
    """
    if W.actor[i].stage > DEVELOPMENT:
        W.actor[i].stage = NONE_STAGE
        W.actor[i].stage_left = 0


@njit(cache=True, inline="always")
def settle(W, P, i):
    """i's dispute is settled: disputed missiles eliminated, a disputed programme halted, demands met."""
    W.actor[i].missiles -= min(W.actor[i].missiles, W.actor[i].disputed)
    W.actor[i].disputed = 0
    W.actor[i].illicit = min(W.actor[i].illicit, W.actor[i].missiles)
    if W.actor[i].breach:
        halt(W, i)
    W.actor[i].breach = False
    W.actor[i].demand = False


@njit(cache=True, inline="always")
def step_comply(W, E, P, mv):
    """3. Compliance: the actor meets the demands on it verifiably (`meet_demands`); ultimatums on it
    are met at once."""
    n = mv.shape[0]
    for i in range(n):
        complies = (mv[i] == COMPLY) and can_meet_demand(W, P, i)
        E.actor[i].complied = E.actor[i].complied | complies          # or conceded in an agreement (step 2)
        if complies:
            meet_demands(W, P, i)
    for i in range(n):
        target = W.actor[i].ult_target
        if (target != NO_ONE) and E.actor[target].complied:
            E.actor[i].met = True
            W.actor[i].ult_target = NO_ONE
            W.actor[i].ult_deadline = NO_ONE
            # backing down under a threat says the target is not one to stand firm (Sartori 2005)
            W.actor[target].credibility = reputation_after(W.actor[target].credibility, False,
                                                           P.carry_if_resolute, P.carry_if_bluffing)


@njit(cache=True, inline="always")
def signalled(c, audience_cost, stakes):
    """The belief that an issuer is resolute (its credibility c) after it issues an ultimatum: a bluffer
    issues one only with probability exp(-audience_cost * stakes), a resolute issuer always, so a
    threat that is costlier to back down from says more (Fearon 1994). Bayes' rule."""
    bluff = np.exp(-audience_cost * stakes)
    return c / (c + (1.0 - c) * bluff) if c > 0.0 else 0.0


@njit(cache=True, inline="always")
def reputation_after(c, carried, if_resolute, if_bluffing):
    """The belief that an issuer is resolute after its ultimatum ran out unmet: carried out (`carried`)
    or lapsed. A resolute issuer carries out with probability `if_resolute`, a bluffer with
    `if_bluffing` (Sartori 2005: reputations for resolve are beliefs updated from what is done).
    Bayes' rule."""
    like_r = if_resolute if carried else 1.0 - if_resolute
    like_b = if_bluffing if carried else 1.0 - if_bluffing
    den = c * like_r + (1.0 - c) * like_b
    return c * like_r / den if den > 0.0 else c


@njit(cache=True, inline="always")
def ultimatum_target(W, P, i):
    """The adversary i's ultimatum would target and what it would demand: the first kind of demand
    (comply, remove, halt) that some adversary allows, of the adversary with most disputed missiles,
    then most missiles (listed first on ties); (-1, -1) if none."""
    best = -1
    best_kind = -1
    best_score = -np.inf
    for j in range(W.actor.shape[0]):
        if not P.pair[i, j].adversary:
            continue
        kind = demandable(W, P, i, j)
        if kind < 0:
            continue
        score = -kind * 1e9 + W.actor[j].disputed * 1e3 + W.actor[j].missiles - j * 1e-3
        if score > best_score:
            best, best_kind, best_score = j, kind, score
    return best, best_kind


@njit(cache=True, inline="always")
def step_ultimatum(W, E, P, mv, turn):
    """4. A new public demand (`ultimatum_target`): what i can demand, of the adversary it matters most."""
    n = mv.shape[0]
    for i in range(n):
        if (mv[i] == ULTIMATUM) and legal(W, P, i, mv[i]):
            best, kind = ultimatum_target(W, P, i)
            W.actor[i].ult_target = best
            W.actor[i].ult_demand = kind
            W.actor[i].ult_deadline = turn + P.ultimatum_turns
            W.actor[i].ult_acted = False
            W.actor[i].ult_stakes = W.world[0].escalation / 100.0
            W.actor[i].credibility = signalled(W.actor[i].credibility, P.actor[i].audience_cost,
                                               W.actor[i].ult_stakes)
            W.pair[best, i].trust -= P.trust_ultimatum_loss


@njit(cache=True, inline="always")
def step_programmes(W, E, P, mv):
    """5. `develop` starts the next stage; a stage under way takes its time; production ends ready."""
    n = mv.shape[0]
    for i in range(n):
        started = (mv[i] == DEVELOP) & P.actor[i].can_own & (W.actor[i].stage < PRODUCTION) & \
            (W.actor[i].stage_left == 0)
        if started:
            W.actor[i].stage += 1
            W.actor[i].stage_left = P.actor[i].stage_turns[W.actor[i].stage]          # this turn counts as its first
        if (W.actor[i].stage_left > 0) & (W.actor[i].stage > NONE_STAGE) & (W.actor[i].stage < READY):
            W.actor[i].stage_left -= 1
        if (W.actor[i].stage_left == 0) & (W.actor[i].stage == PRODUCTION):
            W.actor[i].stage = READY


@njit(cache=True, inline="always")
def step_deployment(W, E, P, mv):
    """6. A ready owner orders a battalion (arriving after its lag); a host consents to host, or, playing
    withdrawal unbound by a treaty, revokes its consent (its leader's missiles no longer reach from it)."""
    n = mv.shape[0]
    for i in range(n):
        E.actor[i].ordered = 0
        if (mv[i] == WITHDRAWAL) & (not E.actor[i].notice) & revocable(W, P, i):
            W.actor[i].hosting = False
        if mv[i] != DEPLOYMENT:
            continue
        if P.actor[i].can_own:
            if W.actor[i].stage == READY:
                E.actor[i].ordered = P.actor[i].batch
                W.pipeline[i, P.actor[i].lag] += P.actor[i].batch
                distrust(W, P, i, P.trust_deploy_loss)
        elif legal(W, P, i, mv[i]):
            W.actor[i].hosting = True
            distrust(W, P, i, P.trust_deploy_loss)


@njit(cache=True, inline="always")
def threatened_act(is_bound, a):
    """Whether move a is the act an ultimatum threatens: notice for a bound party; else fielding missiles
    (an order, or a host's consent). Advancing a programme is not yet fielding anything, and a host's
    withdrawal of consent takes a force away."""
    if is_bound:
        return a == WITHDRAWAL
    return a == DEPLOYMENT


@njit(cache=True, inline="always")
def mark_acts(W, E, P, mv):
    """The issuer of an open ultimatum carried out its threat if it played the threatened act."""
    for i in range(mv.shape[0]):
        was_bound = P.actor[i].party & (not E.actor[i].was_unbound)
        if (W.actor[i].ult_target != NO_ONE) and threatened_act(was_bound, mv[i]):
            W.actor[i].ult_acted = True


@njit(cache=True, inline="always")
def step_treaty_end(W, P, turn):
    """7. The treaty ends when its notice runs out: no one is bound, disputes over it are moot."""
    if (W.world[0].treaty == NOTICE) & (W.world[0].notice_end <= turn):
        W.world[0].treaty = TERMINATED
        W.world[0].notice_by = NO_ONE
        W.world[0].notice_end = NO_ONE
        for i in range(W.actor.shape[0]):
            W.actor[i].unbound = P.actor[i].party
            W.actor[i].disputed = 0
            W.actor[i].illicit = 0
            W.actor[i].breach = False
            W.actor[i].demand = False
            W.actor[i].elim_left = 0
            W.actor[i].elim_floor = 0
            if W.actor[i].ult_demand == DEMAND_COMPLY:
                W.actor[i].ult_target = NO_ONE      # a demand to comply with a treaty that is gone is moot
                W.actor[i].ult_deadline = NO_ONE
            for j in range(W.actor.shape[0]):
                W.pair[i, j].talks = 0.0            # talks to save a treaty that is gone do not carry over


@njit(cache=True, inline="always")
def step_arrivals(W, P):
    """8. Ordered missiles arrive; an arrival while bound is a violation; a new treaty eliminates."""
    n, slots = W.pipeline.shape
    for i in range(n):
        arrived = W.pipeline[i, 0]
        W.actor[i].missiles += arrived
        if bound(W, P, i) & (W.actor[i].elim_left == 0):
            W.actor[i].illicit += arrived
        for k in range(slots - 1):
            W.pipeline[i, k] = W.pipeline[i, k + 1]
        W.pipeline[i, slots - 1] = 0
        if (W.actor[i].elim_left > 0) & bound(W, P, i):
            cut = -(-max(W.actor[i].missiles - W.actor[i].elim_floor, 0) // W.actor[i].elim_left)
            W.actor[i].missiles -= cut
            W.actor[i].disputed = min(W.actor[i].disputed, W.actor[i].missiles)
            W.actor[i].illicit = min(W.actor[i].illicit, W.actor[i].missiles)
            W.actor[i].elim_left -= 1
            if W.actor[i].elim_left == 0:
                W.actor[i].elim_floor = 0


@njit(cache=True, inline="always")
def step_deadlines(W, E, P, turn):
    """9. At its deadline an ultimatum is met (the dispute is settled), carried out or lapsed.

    Unmet, the demand stays public on the target (`demand`), so backing down does not lower the index.
    """
    n = W.actor.shape[0]
    for i in range(n):
        E.actor[i].lapsed = False
        E.actor[i].carried = False
        E.actor[i].lapse_stakes = 0.0
        target = W.actor[i].ult_target
        if (target != NO_ONE) and (W.actor[i].ult_deadline <= turn):
            met = demand_met(W, P, i, target, W.actor[i].ult_demand)
            E.actor[i].met = E.actor[i].met | met
            E.actor[i].carried = (not met) & W.actor[i].ult_acted
            E.actor[i].lapsed = (not met) & (not W.actor[i].ult_acted)
            if not met:              # what each did says whether it is resolute: the target stood firm
                W.actor[i].credibility = reputation_after(W.actor[i].credibility, E.actor[i].carried,
                                                          P.carry_if_resolute, P.carry_if_bluffing)
                W.actor[target].credibility = reputation_after(W.actor[target].credibility, True,
                                                               P.carry_if_resolute, P.carry_if_bluffing)
            if E.actor[i].lapsed:
                E.actor[i].lapse_stakes = W.actor[i].ult_stakes
            if not met:             # the demand stays public (one to comply with a dead treaty is moot)
                W.actor[target].demand = alive(W) | (W.actor[i].ult_demand != DEMAND_COMPLY)
            W.actor[i].ult_target = NO_ONE
            W.actor[i].ult_deadline = NO_ONE


@njit(cache=True, inline="always")
def testing_unseen(W, i):
    """i's flight tests or production are under way and not yet found out (a violation if i is bound)."""
    return ((W.actor[i].stage == FLIGHT_TEST) | (W.actor[i].stage == PRODUCTION)) & (W.actor[i].stage_left > 0) & \
        (not W.actor[i].breach)


@njit(cache=True, inline="always")
def step_detection(W, E, P, u, expected):
    """10. Detection of violations by a bound party: fielded missiles (p_detect), flight tests and
    production (p_detect_test: tests are seen by national technical means). `u` holds the replica's
    uniforms of this turn; expected: the probabilities instead of draws."""
    n = W.actor.shape[0]
    for i in range(n):
        E.actor[i].detected = False
        E.actor[i].reputation = 0.0
        testing = bound(W, P, i) & testing_unseen(W, i)
        hidden = W.actor[i].illicit > 0
        if expected:
            p_miss = (1.0 - P.p_detect if hidden else 1.0) * (1.0 - P.p_detect_test if testing else 1.0)
            E.actor[i].reputation = 1.0 - p_miss
            continue
        found_arms = hidden & (u[1 + i] < P.p_detect)
        found_test = testing & (u[1 + n + i] < P.p_detect_test)
        if found_arms:
            W.actor[i].disputed = min(W.actor[i].disputed + W.actor[i].illicit, W.actor[i].missiles)
            W.actor[i].illicit = 0
        if found_test:
            W.actor[i].breach = True
        if found_arms | found_test:
            E.actor[i].detected = True
            E.actor[i].reputation = 1.0
            for j in range(n):
                if j != i:
                    W.pair[j, i].trust -= P.trust_detect_loss


@njit(cache=True, inline="always")
def sat(x, scale):
    """1 - exp(-x / scale): 0 at 0, tending to 1 (scale > 0)."""
    return -decay_less_one(x, scale)


@njit(cache=True, inline="always")
def dyad(P, i, j):
    """i and j form an adversary dyad: one names the other an adversary."""
    return (i != j) & (P.pair[i, j].adversary | P.pair[j, i].adversary)


@njit(cache=True, inline="always")
def reaches(P, hits, i, j):
    """Missiles of i reach j or an ally of j (from i's territory or from a consenting host's)."""
    for k in range(hits.shape[0]):  # noqa: SIM110  (numba: a plain loop)
        if P.pair[j, k].side & hits[i, k]:
            return True
    return False


@njit(cache=True, inline="always")
def eliminating(W, P, i):
    """i's missiles are being eliminated under a treaty that binds it (a new treaty, 7.3)."""
    return (W.actor[i].elim_left > 0) & bound(W, P, i)


@njit(cache=True, inline="always")
def in_range(P, hits, m, i, j):
    """i's fielded missiles (m[i]) if they reach j's side, else 0."""
    return m[i] if (m[i] > 0) and reaches(P, hits, i, j) else 0.0


@njit(cache=True, inline="always")
def poised(W, P, hits, m, i, j):
    """i's missiles that can strike j's side: in range and not being eliminated (under parity, the
    ceiling it keeps)."""
    if eliminating(W, P, i):
        floor = float(W.actor[i].elim_floor)
        return floor if (floor > 0) and reaches(P, hits, i, j) else 0.0
    return in_range(P, hits, m, i, j)


@njit(cache=True, inline="always")
def contested(W, P, m, i):
    """i's force is not the status quo: beyond its standing force (its missiles at the start), disputed,
    or freed from a treaty that bound it (i is a party no longer bound)."""
    return (m[i] > P.actor[i].standing) | in_dispute(W, i) | (P.actor[i].party & (not bound(W, P, i)))


@njit(cache=True, inline="always")
def arming_of(W, P, i):
    """i's missiles on order, plus one battalion if its programme is in flight tests or production."""
    total = 0.0
    for k in range(W.pipeline.shape[1]):
        total += W.pipeline[i, k]
    if (W.actor[i].stage == FLIGHT_TEST) | (W.actor[i].stage == PRODUCTION):
        total += P.actor[i].batch
    return total


@njit(cache=True, inline="always")
def demanded(W, i, j):
    """A public demand between i and j: an open ultimatum of one on the other, or a demand outstanding on either."""
    return (W.actor[i].ult_target == j) | (W.actor[j].ult_target == i) | W.actor[i].demand | W.actor[j].demand


@njit(cache=True, inline="always")
def confronted(W, P, hits, m, i, j):
    """Rung 9's condition: forces of i and of j can each strike the other's side, and one of the two
    forces is contested (a standing balance alone is the status quo)."""
    return ((poised(W, P, hits, m, i, j) > 0) & (poised(W, P, hits, m, j, i) > 0)
            & (contested(W, P, m, i) | contested(W, P, m, j)))


@njit(cache=True, inline="always")
def dyad_rung(W, P, hits, m, i, j):
    """The rung of Kahn's escalation ladder the dyad (i, j) stands on (the table in docs/ODD.md 7.10)."""
    if confronted(W, P, hits, m, i, j):
        return RUNG_CONFRONTATION
    if (arming_of(W, P, i) > 0) | (arming_of(W, P, j) > 0):
        return RUNG_SHOW_OF_FORCE
    if ((poised(W, P, hits, m, i, j) > 0) & contested(W, P, m, i)) | \
            ((poised(W, P, hits, m, j, i) > 0) & contested(W, P, m, j)):
        return RUNG_HARDENING                 # a contested force of one side can strike the other
    if (W.world[0].treaty == NOTICE) & P.actor[i].party & P.actor[j].party:
        return RUNG_HARDENING                 # the treaty between them is being given up
    if demanded(W, i, j):
        return RUNG_DECLARATIONS
    if in_dispute(W, i) | in_dispute(W, j):
        return RUNG_OSTENSIBLE
    return RUNG_NONE


@njit(cache=True, inline="always")
def dyad_intensity(W, P, hits, m, i, j, parts):
    """The dyad's intensity within its rung: parts := (T, M, A, D), each 0..1; returns
    w_treaty T + w_missiles M + w_arming A + w_demands D."""
    a, b = P.actor[i], P.actor[j]
    parts[0] = TREATY_COMPONENT[W.world[0].treaty] if a.party | b.party else 0.0
    parts[1] = 1.0 - (1.0 - sat(poised(W, P, hits, m, i, j), a.index_scale)) * \
        (1.0 - sat(poised(W, P, hits, m, j, i), b.index_scale))
    parts[2] = 1.0 - (1.0 - sat(arming_of(W, P, i), a.index_scale)) * (1.0 - sat(arming_of(W, P, j), b.index_scale))
    parts[3] = 1.0 if demanded(W, i, j) else 0.0
    return P.w_treaty * parts[0] + P.w_missiles * parts[1] + P.w_arming * parts[2] + P.w_demands * parts[3]


@njit(cache=True, inline="always")
def step_index(W, P, hits, m, parts):
    """11. The escalation index of the present state, per adversary dyad (docs/ODD.md 7.10): the rung of
    the dyad highest on Kahn's ladder, and the intensity of the most intense dyad on that rung,
    E = RUNG_POINTS * rung + INTENSITY_POINTS * intensity. `m`: missiles as floats; `parts`: scratch [4]."""
    n = W.actor.shape[0]
    for i in range(n):
        m[i] = W.actor[i].missiles
    rung = RUNG_NONE
    level = -1.0
    t = a = d = missiles = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            if not dyad(P, i, j):
                continue
            r = dyad_rung(W, P, hits, m, i, j)
            if r < rung:
                continue
            x = dyad_intensity(W, P, hits, m, i, j, parts)
            if (r > rung) | (x > level):
                rung, level = r, x
                t, missiles, a, d = parts[0], parts[1], parts[2], parts[3]
    level = max(level, 0.0)
    W.world[0].rung = rung
    W.world[0].esc_ladder = rung / RUNG_CONFRONTATION
    W.world[0].esc_treaty = t
    W.world[0].esc_missiles = missiles
    W.world[0].esc_arming = a
    W.world[0].esc_demands = d
    W.world[0].escalation = min(max(RUNG_POINTS * rung + INTENSITY_POINTS * min(level, 1.0), 0.0), 100.0)


@njit(cache=True, inline="always")
def hazard_of(W, P, hits, m, press):
    """Per-turn probability of an incident, from crisis stability (docs/ODD.md 7.11): in each dyad, the
    forces that can strike the other side weighted by how little warning they leave, times what is
    open between the two (an ultimatum's deadline, a confrontation); h_max * (worst dyad) ** k.
    `m`: each actor's missiles (floats), so that the look-ahead can pass those of a later turn; `press`:
    scratch [N], each actor's strike force saturated and weighted by its warning, computed once per actor
    (the same in every dyad it reaches: expm1 was a tenth of the look-ahead's time)."""
    n = W.actor.shape[0]
    for i in range(n):
        force = float(W.actor[i].elim_floor) if eliminating(W, P, i) else m[i]
        fast = P.decision_minutes / (P.decision_minutes + P.actor[i].warning)
        press[i] = sat(force, P.actor[i].index_scale) * fast if force > 0.0 else 0.0
    worst = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            if not dyad(P, i, j):
                continue
            strike_ij = poised(W, P, hits, m, i, j)
            strike_ji = poised(W, P, hits, m, j, i)
            if (strike_ij <= 0.0) & (strike_ji <= 0.0):
                continue                                      # no exposure: nothing to add
            p_ij = press[i] if strike_ij > 0.0 else 0.0
            p_ji = press[j] if strike_ji > 0.0 else 0.0
            exposure = 1.0 - (1.0 - p_ij) * (1.0 - p_ji)
            if exposure <= 0.0:
                continue
            alert = 1.0 if (W.actor[i].ult_target == j) | (W.actor[j].ult_target == i) else 0.0
            # confronted(), with the forces computed above
            conf = 1.0 if ((strike_ij > 0) & (strike_ji > 0) & (contested(W, P, m, i) | contested(W, P, m, j))) \
                else 0.0
            worst = max(worst, exposure * (P.w_exposure + P.w_alert * alert + P.w_confrontation * conf))
    worst = min(worst, 1.0)
    return P.h_max * (worst if P.k == 1.0 else worst ** P.k)     # x ** 1.0 is x: no call to pow


@njit(cache=True, inline="always")
def programme_active(W, i):
    return (W.actor[i].stage > NONE_STAGE) & (W.actor[i].stage < READY) & (W.actor[i].stage_left > 0)


@njit(cache=True, inline="always")
def hosting_cost_due(W, P, i):
    """A host pays its domestic cost while its leader's missiles are fielded or on order."""
    lead = P.actor[i].host_of
    if (lead < 0) or (not W.actor[i].hosting):
        return False
    return armed(W, lead)


@njit(cache=True, inline="always")
def payoff(i, P, treaty_on, comp, security_i, missiles, programme, hosting, war, ev):
    """i's payoff of one turn (docs/ODD.md, step 12): the treaty's value at compliance `comp`, the
    balance of forces (`security`), the costs of arms, programme, hosting and war, and the turn's events in i's EVENTS
    record `ev` (orders, compliance, a lapsed ultimatum, detection, talks). The look-ahead's flow
    payoff is this with an empty `ev`."""
    a = P.actor[i]
    return (a.treaty_value * treaty_on * comp
            + security_i
            - a.deploy_cost * ev.ordered
            - a.upkeep * missiles
            - a.programme_cost * programme
            - a.host_cost * hosting
            - a.comply_cost * ev.complied
            - a.war_cost * war
            - a.audience_cost * ev.lapse_stakes
            - a.reputation_cost * ev.reputation
            + a.talks_value * ev.in_round
            - a.dialogue_cost * ev.unanswered)


@njit(cache=True, inline="always")
def payoff_after(i, W, P, m, hits, ev, war):
    """i's payoff of the turn that led to state W: `m` its missiles as floats, `hits` its reach, `ev` i's
    EVENTS record of the turn, `war` the breakdown's chance (expected) or 0/1. It reads nothing that
    `clamp` changes (trust, credibility), so it may be computed after the turn is over."""
    return payoff(i, P, 1.0 if alive(W) else 0.0, compliance(i, W, P), security(i, m, W, P, hits),
                  W.actor[i].missiles, programme_active(W, i), hosting_cost_due(W, P, i), war, ev)


@njit(cache=True, inline="always")
def step_payoffs(W, E, P, needed, war):
    """12. Each actor's payoff of the turn (expected war and detection terms in the expected version)."""
    for i in range(W.actor.shape[0]):
        E.actor[i].payoff = payoff_after(i, W, P, E.stock, E.hits, E.actor[i], war) if needed[i] else 0.0


@njit(cache=True, inline="always")
def clamp(W):
    n = W.actor.shape[0]
    for i in range(n):
        W.actor[i].credibility = min(max(W.actor[i].credibility, 0.0), 1.0)
        for j in range(n):
            W.pair[i, j].trust = 1.0 if i == j else min(max(W.pair[i, j].trust, 0.0), 1.0)


@no_refcount
def resolve(W, E, P, mv, turn, u, expected, needed, score):
    """One turn of one replica in ODD order; returns the hazard and whether an incident happened.
    Without `score` the index and rung are left as they were (the look-ahead, whose values never read
    them, saves their cost; the hazard and payoffs are computed the same)."""
    for i in range(W.actor.shape[0]):
        E.actor[i].was_unbound = W.actor[i].unbound
    step_withdrawal(W, E, P, mv, turn)
    step_talks(W, E, P, mv)
    step_comply(W, E, P, mv)
    step_ultimatum(W, E, P, mv, turn)
    step_programmes(W, E, P, mv)
    step_deployment(W, E, P, mv)
    mark_acts(W, E, P, mv)
    step_treaty_end(W, P, turn)
    step_arrivals(W, P)
    step_deadlines(W, E, P, turn)
    step_detection(W, E, P, u, expected)
    fill_hits(W, P, E.hits)
    for i in range(W.actor.shape[0]):
        E.stock[i] = W.actor[i].missiles        # missiles as floats: the index, hazard and payoffs read them
    if score:
        step_index(W, P, E.hits, E.stock, E.parts)
    h = hazard_of(W, P, E.hits, E.stock, E.press)
    broke = (not expected) and (u[0] < h)
    war = h if expected else (1.0 if broke else 0.0)
    step_payoffs(W, E, P, needed, war)
    clamp(W)
    return h, broke


@njit(cache=True)
def learn(B, W, P, mv):
    """13. Beliefs B ([N, N, M, M], one replica's): i's belief about j's answer to i's last move moves
    toward what j just played."""
    n = mv.shape[0]
    moves = B.shape[3]
    for i in range(n):
        ctx = W.actor[i].last_moves
        memory = P.actor[i].memory
        for j in range(n):
            for b in range(moves):
                seen = 1.0 if mv[j] == b else 0.0
                B[i, j, ctx, b] = memory * B[i, j, ctx, b] + (1.0 - memory) * seen


@njit(cache=True)
def step_kernel(S, B, P, turn, moves, U, realized, Out, hazard):
    """Resolve moves[r] for every replica r of S (beliefs B) in place; events into Out ([R, N] EVENTS),
    the hazard into `hazard`."""
    n = moves.shape[1]
    scratch = new_events(n)
    needed = np.ones(n, np.bool_)
    for r in range(S.world.shape[0]):
        W = work_at(S, r)
        E = Events(Out[r], scratch.agree, scratch.hits, scratch.stock, scratch.parts, scratch.press)
        mv = moves[r]
        h, broke = resolve(W, E, P, mv, turn, U[r], not realized, needed, True)
        if realized:
            if broke:
                W.world[0].incident = True
            learn(B[r], W, P, mv)
        hazard[r] = h
        for i in range(n):
            W.actor[i].last_moves = mv[i]


@njit(cache=True)
def conditions_kernel(S, P, out):
    """out[r, i, c] = whether legality condition c holds for actor i in replica r."""
    n = S.actor.shape[1]
    for r in range(S.world.shape[0]):
        W = work_at(S, r)
        for i in range(n):
            for c in range(out.shape[2]):
                out[r, i, c] = holds(W, P, i, c)


@njit(cache=True)
def targets_kernel(S, P, out):
    """out[r, i] = (target, demand) of the ultimatum actor i would issue in replica r ((-1, -1): none)."""
    for r in range(S.world.shape[0]):
        W = work_at(S, r)
        for i in range(S.actor.shape[1]):
            out[r, i, 0], out[r, i, 1] = ultimatum_target(W, P, i)


@njit(cache=True)
def score_kernel(S, P):
    """The index, components and rung of every replica of S, in place."""
    n = S.actor.shape[1]
    hits = np.zeros((n, n), np.bool_)
    m = np.zeros(n)
    parts = np.zeros(4)
    for r in range(S.world.shape[0]):
        W = work_at(S, r)
        fill_hits(W, P, hits)
        step_index(W, P, hits, m, parts)


@njit(cache=True)
def hazard_kernel(S, P, out):
    """out[r]: the hazard of replica r of S in its present state."""
    n = S.actor.shape[1]
    hits = np.zeros((n, n), np.bool_)
    m = np.zeros(n)
    press = np.zeros(n)
    for r in range(S.world.shape[0]):
        W = work_at(S, r)
        fill_hits(W, P, hits)
        for i in range(n):
            m[i] = W.actor[i].missiles
        out[r] = hazard_of(W, P, hits, m, press)


# ---------------------------------------------------------------- public functions (all replicas)


def step(s: State, moves: np.ndarray, params: Params, turn: int,
         draws: np.ndarray | None = None, legal: np.ndarray | None = None) -> tuple[State, Outcome]:
    """Resolve one turn for all replicas. `moves` is [R, N] legal moves; `draws` is [R, 2 + 3N] or None;
    `legal` ([R, N, M], optional) is `legal_moves(s, params)` if the caller already has it."""
    mask = legal_moves(s, params) if legal is None else legal
    s = s.copy()
    moves = np.ascontiguousarray(moves, dtype=np.int64)
    r, n = moves.shape
    ok = mask[np.arange(r)[:, None], np.arange(n)[None, :], moves]
    if not ok.all():
        rep, actor = map(int, np.argwhere(~ok)[0])
        from sim.core.actions import Action
        from sim.core.errors import SimError

        allowed = [Action(int(a)).label for a in np.flatnonzero(legal_moves(s.take([rep]), params)[0, actor])]
        raise SimError(f"turn {turn}: {params.ids[actor]} cannot play {Action(int(moves[rep, actor])).label} "
                       f"now; allowed: {', '.join(allowed)}")
    out = Outcome.empty(r, n)
    realized = draws is not None
    uniforms = np.ascontiguousarray(draws, dtype=np.float64) if realized else np.zeros((r, draw_width(n)))
    step_kernel(s.replicas(), s.beliefs, params.packed(), turn, moves, uniforms, realized, out.actor, out.hazard)
    return s, out


def legal_moves(s: State, params: Params) -> np.ndarray:
    """[R, N, M] bool: the moves each actor may play in each replica (every one does something): those
    whose every condition in the move table holds."""
    return np.all(conditions(s, params)[:, :, LEGALITY], axis=3)


def conditions(s: State, params: Params) -> np.ndarray:
    """[R, N, C] bool: which legality conditions (`sim.core.actions.Condition`) hold for each actor."""
    r, n = s.missiles.shape
    out = np.zeros((r, n, N_CONDITIONS), dtype=np.bool_)
    conditions_kernel(s.canonical().replicas(), params.packed(), out)
    return out


def ultimatum_targets(s: State, params: Params) -> np.ndarray:
    """[R, N, 2] int: the adversary each actor's ultimatum would target and what it would demand
    (`sim.core.codes.DEMAND_*`), or (-1, -1)."""
    r, n = s.missiles.shape
    out = np.full((r, n, 2), -1, dtype=np.int64)
    targets_kernel(s.canonical().replicas(), params.packed(), out)
    return out


def hits(s: State, params: Params) -> np.ndarray:
    """[R, N, N] bool: missiles of j reach k, from j's territory or from a consenting host of j's."""
    out = np.repeat(params.reach[None], s.n_replicas, axis=0)
    for h in np.flatnonzero(params.host_of >= 0):
        lead = params.host_of[h]
        out[:, lead, :] |= s.hosting[:, h, None] & params.reach[h][None, :]
    return out


def hazard(s: State, params: Params) -> np.ndarray:
    """[R] per-turn probability of an incident in each replica's present state (`hazard_of`)."""
    out = np.zeros(s.n_replicas)
    hazard_kernel(s.canonical().replicas(), params.packed(), out)
    return out


def score_initial(s: State, params: Params) -> State:
    """The index, components and rung of the starting state."""
    s = s.copy()
    score_kernel(s.replicas(), params.packed())
    return s


def index_weights(params: Params) -> dict[str, float]:
    """The weight of each index component, by component name: E = 100 * sum of weight x component."""
    return _index_weights(params)
