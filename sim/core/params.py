"""Numeric parameters compiled from a validated scenario, as arrays over actors."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.core.actions import Action
from sim.core.codes import N_MOVES
from sim.core.scenario import Scenario, apply_overrides

PAYOFF_FIELDS = (
    "treaty_value", "threat_weight", "reaction", "force_value", "force_scale", "deploy_cost", "upkeep",
    "programme_cost", "host_cost", "comply_cost", "war_cost", "audience_cost", "reputation_cost", "talks_value",
    "dialogue_cost", "discount", "private_value",
)
DIPLOMACY_FIELDS = (
    "talks_rate", "talks_decay", "trust_round_gain", "trust_agreement_gain", "trust_one_sided_gain",
    "trust_ultimatum_loss", "trust_withdrawal_loss", "trust_deploy_loss", "trust_detect_loss",
    "carry_if_resolute", "carry_if_bluffing",
)
#: The unit of time of the scenario's rates: flows of utility, discounts and chances are stated per 30 days
#: (a month) and converted to the scenario's turn (`per_turn`), so that a crisis of days and one of months
#: share one payoff scale. Costs of single events (an order, a concession, a lapse, a detection, a round of
#: talks, the breakdown) are not rates and are not converted.
RATE_DAYS = 30
#: payoff weights that are flows per 30 days (the others are costs of events)
FLOW_FIELDS = ("treaty_value", "threat_weight", "force_value", "upkeep", "programme_cost", "host_cost")
SCALAR_FIELDS = (
    "notice_turns", "ultimatum_turns", "elimination_turns", "w_treaty", "w_missiles", "w_arming", "w_demands",
    "missile_scale", "h_max", "k", "decision_minutes", "w_exposure", "w_alert", "w_confrontation", "p_detect",
    "p_detect_test", "max_profiles", "min_belief",
)
#: What the compiled dynamics read per actor, as one record array (one array to pass, not twenty).
ACTOR_PARAMS = np.dtype([
    ("party", np.bool_), ("can_own", np.bool_), ("host_of", np.int64), ("batch", np.int64), ("lag", np.int64),
    ("stage_turns", np.int64, (5,)), ("memory", np.float64), ("standing", np.int64), ("index_scale", np.float64),
    ("warning", np.float64), *((name, np.float64) for name in PAYOFF_FIELDS),
], align=True)
#: What they read per ordered pair (i, j): j is i's adversary, ally, on i's side (i or an ally); missiles
#: based on i's territory reach j; j's force counts with i's in a ceiling (parity).
PAIR_PARAMS = np.dtype([("adversary", np.bool_), ("ally", np.bool_), ("side", np.bool_), ("reach", np.bool_),
                        ("counted", np.bool_)])
# mypy reads namedtuple fields only from literals (so it sees no fields here, nor at `Packed(...)` below)
Packed = namedtuple("Packed", ["actor", "pair", *SCALAR_FIELDS, *DIPLOMACY_FIELDS])  # type: ignore[misc]


@dataclass(frozen=True)
class Params:
    """Everything the dynamics need, one entry per actor where it varies by actor."""

    ids: tuple[str, ...]
    party: np.ndarray          # [N] bool: bound by the treaty when it is in force
    adversary: np.ndarray      # [N, N] bool: adversary[i, j] is True if j is an adversary of i
    ally: np.ndarray           # [N, N] bool: ally[i, j] is True if j is an ally of i
    reach: np.ndarray          # [N, N] bool: missiles based on i's territory reach j
    counted: np.ndarray        # [N, N] bool: j's force counts with i's in a ceiling (i's `counts_with`)
    host_of: np.ndarray        # [N] int: the leader whose missiles i may host, or -1 (i can own missiles)
    batch: np.ndarray          # [N] missiles per deployment order
    lag: np.ndarray            # [N] turns from order to arrival, at least 1
    stage_turns: np.ndarray    # [N, 5] turns each programme stage takes (none, development, tests, production, ready)
    belief_memory: np.ndarray  # [N]
    declares: np.ndarray       # [N, 5+] declared answer of i to each move of an adversary, or -1
    # the index's and the hazard's view of each owner's force (docs/ODD.md 7.10, 7.11):
    standing: np.ndarray       # [N] int: its standing force (missiles at the start)
    index_scale: np.ndarray    # [N] its missiles' scale in the index and hazard (its missile_scale or [escalation]'s)
    warning: np.ndarray        # [N] minutes of warning its missiles leave the side they reach (warning_minutes)
    payoff: dict[str, np.ndarray]  # each [N]
    scalars: dict[str, float]
    diplomacy: dict[str, float] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:   # a scalar parameter: an int (turns) or a float
        scalars = self.__dict__.get("scalars", {})
        if name in scalars:
            return scalars[name]
        raise AttributeError(name)

    def packed(self) -> Packed:
        """The parameters as the compiled dynamics take them: per actor and per pair as record arrays,
        the scalars as numbers."""
        cached = self.__dict__.get("_packed")
        if cached is None:
            s = self.scalars
            actor = np.zeros(self.n_actors, ACTOR_PARAMS)
            actor["party"], actor["can_own"], actor["host_of"] = self.party, self.host_of < 0, self.host_of
            actor["batch"], actor["lag"], actor["memory"] = self.batch, self.lag, self.belief_memory
            actor["stage_turns"] = self.stage_turns
            actor["standing"], actor["index_scale"], actor["warning"] = self.standing, self.index_scale, self.warning
            for name in PAYOFF_FIELDS:
                actor[name] = self.payoff[name]
            pair = np.zeros((self.n_actors, self.n_actors), PAIR_PARAMS)
            for name in PAIR_PARAMS.names or ():
                pair[name] = getattr(self, name)
            cached = Packed(  # type: ignore[call-arg]  # see Packed
                actor=actor, pair=pair,
                **{name: (int(s[name]) if name.endswith("turns") or name == "max_profiles" else float(s[name]))
                   for name in SCALAR_FIELDS},
                **{name: float(self.diplomacy[name]) for name in DIPLOMACY_FIELDS},
            )
            object.__setattr__(self, "_packed", cached)
        return cached

    @property
    def n_actors(self) -> int:
        return len(self.ids)

    @property
    def side(self) -> np.ndarray:
        """[N, N] bool: k is on i's side (i itself or an ally)."""
        return self.ally | np.eye(self.n_actors, dtype=bool)

    @property
    def can_own(self) -> np.ndarray:
        return self.host_of < 0

    @property
    def talk_pairs(self) -> np.ndarray:
        """[N, N] bool: i and j can hold talks (one names the other an adversary)."""
        return self.adversary | self.adversary.T

    @property
    def bargaining_pairs(self) -> np.ndarray:
        """[N, N] bool: i and j negotiate terms, a talk pair of two treaty parties (`dynamics.bargaining_pair`)."""
        return self.talk_pairs & self.party[:, None] & self.party[None, :]

    @property
    def pipeline_len(self) -> int:
        return int(self.lag.max()) + 1


def per_turn(scn: Scenario) -> float:
    """The length of a turn in the unit of the scenario's rates (30 days)."""
    return scn.scenario.turn_days / RATE_DAYS


def compile_params(scn: Scenario) -> Params:
    """The numeric parameters of a scenario (without its events), rates converted to its turn (`per_turn`):
    a flow f per 30 days is f * d per turn, a discount g is g ** d, a chance p is 1 - (1 - p) ** d, with d
    the turn's length in 30-day units."""
    d = per_turn(scn)

    def chance(p: float) -> float:
        return p if d == 1 else 1.0 - (1.0 - p) ** d
    ids = tuple(scn.actor_ids)
    idx = {a: i for i, a in enumerate(ids)}
    n = len(ids)
    adversary = np.zeros((n, n), dtype=bool)
    ally = np.zeros((n, n), dtype=bool)
    reach = np.zeros((n, n), dtype=bool)
    counted = np.zeros((n, n), dtype=bool)
    host_of = np.full(n, -1, dtype=np.int64)
    declares = np.full((n, N_MOVES), -1, dtype=np.int64)
    stage_turns = np.zeros((n, 5), dtype=np.int64)
    for i, a in enumerate(scn.actors):
        adversary[i, [idx[b] for b in a.adversaries]] = True
        ally[i, [idx[b] for b in a.allies]] = True
        reach[i, [idx[b] for b in (a.adversaries if a.basing_reach is None else a.basing_reach)]] = True
        counted[i, [idx[b] for b in a.counts_with]] = True
        if a.host_for is not None:
            host_of[i] = idx[a.host_for]
        for seen, answer in a.declares.items():
            declares[i, int(Action.parse(seen))] = int(Action.parse(answer))
        p = a.programme
        stage_turns[i, 1:4] = [scn.days_to_turns(d) for d in (p.development_days, p.flight_test_days,
                                                                p.production_days)]
    t, e, r, look = scn.treaty, scn.escalation, scn.risk, scn.lookahead
    scalars = dict(
        notice_turns=scn.days_to_turns(t.notice_days), ultimatum_turns=scn.days_to_turns(t.ultimatum_days),
        elimination_turns=max(1, scn.days_to_turns(t.elimination_days)),
        w_treaty=e.w_treaty, w_missiles=e.w_missiles, w_arming=e.w_arming, w_demands=e.w_demands,
        missile_scale=e.missile_scale, h_max=chance(r.h_max), k=r.k, decision_minutes=r.decision_minutes,
        w_exposure=r.w_exposure, w_alert=r.w_alert, w_confrontation=r.w_confrontation, p_detect=chance(r.p_detect),
        p_detect_test=chance(r.p_detect_test), max_profiles=look.max_profiles, min_belief=look.min_belief,
    )
    return Params(
        ids=ids,
        party=np.array([a.treaty_party for a in scn.actors], dtype=bool),
        adversary=adversary, ally=ally, reach=reach, counted=counted, host_of=host_of,
        batch=np.array([a.deploy_batch for a in scn.actors], dtype=np.int64),
        lag=np.array([max(1, scn.days_to_turns(a.deploy_lag_days)) for a in scn.actors], dtype=np.int64),
        stage_turns=stage_turns,
        belief_memory=np.array([a.belief_memory for a in scn.actors], dtype=np.float64),
        declares=declares,
        standing=np.array([a.missiles for a in scn.actors], dtype=np.int64),
        index_scale=np.array([e.missile_scale if a.missile_scale is None else a.missile_scale for a in scn.actors],
                             dtype=np.float64),
        warning=np.array([a.warning_minutes for a in scn.actors], dtype=np.float64),
        payoff=_payoff_per_turn(scn, d),
        scalars=scalars,
        diplomacy={**scn.diplomacy.model_dump(), "talks_decay": chance(scn.diplomacy.talks_decay)},
    )


def _payoff_per_turn(scn: Scenario, d: float) -> dict[str, np.ndarray]:
    payoff = {f: np.array([getattr(a.payoff, f) for a in scn.actors], dtype=np.float64) for f in PAYOFF_FIELDS}
    for f in FLOW_FIELDS:
        payoff[f] = payoff[f] * d
    payoff["discount"] = payoff["discount"] ** d
    return payoff


@dataclass(frozen=True)
class Schedule:
    """Parameters and forced moves turn by turn, from the scenario's events."""

    epochs: tuple[tuple[int, Params], ...]        # (first turn, params), sorted by turn
    forced: dict[int, tuple[tuple[int, int], ...]]  # turn -> ((actor index, move), ...)

    def params_at(self, turn: int) -> Params:
        current = self.epochs[0][1]
        for first, params in self.epochs:
            if first <= turn:
                current = params
        return current


def compile_schedule(scn: Scenario) -> Schedule:
    """Params for each stretch of turns between parameter events, and the forced moves."""
    base = scn.model_copy(update={"events": []})
    epochs: list[tuple[int, Params]] = [(0, compile_params(base))]
    forced: dict[int, list[tuple[int, int]]] = {}
    changes: dict[str, object] = {}
    idx = {a: i for i, a in enumerate(scn.actor_ids)}
    for ev in sorted(scn.events, key=lambda e: e.date):
        turn = max(1, scn.turn_of(ev.date))
        if ev.set:
            changes.update(ev.set)
            epochs.append((turn, compile_params(apply_overrides(base, changes, origin="event"))))
        if ev.move is not None:
            forced.setdefault(turn, []).append((idx[ev.who], int(Action.parse(ev.move))))
    return Schedule(tuple(epochs), {t: tuple(v) for t, v in forced.items()})
