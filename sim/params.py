"""Numeric parameters compiled from a validated scenario, as arrays over actors."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field

import numpy as np

from sim.actions import RUNG_SCALED, Action
from sim.scenario import Scenario, apply_overrides

PAYOFF_FIELDS = (
    "treaty_value", "threat_weight", "offset", "deploy_cost", "upkeep", "war_cost",
    "audience_cost", "reputation_cost", "talks_value", "dialogue_cost", "discount",
)


DIPLOMACY_FIELDS = (
    "talks_rate", "trust_round_gain", "trust_agreement_gain", "trust_one_sided_gain",
    "trust_ultimatum_loss", "trust_withdrawal_loss", "trust_deploy_loss", "trust_detect_loss",
    "credibility_gain", "credibility_loss",
)
Packed = namedtuple("Packed", [
    "party", "adversary", "ally", "batch", "lag", "memory", *PAYOFF_FIELDS,
    "notice_turns", "ultimatum_turns", "w_actions", "w_treaty", "w_missiles", "w_ultimatum",
    "smoothing", "missile_scale", "h_max", "k", "p_detect", *DIPLOMACY_FIELDS, "rung",
])


@dataclass(frozen=True)
class Params:
    """Everything the dynamics need, one entry per actor where it varies by actor."""

    ids: tuple[str, ...]
    party: np.ndarray          # [N] bool: bound by the treaty when it is in force
    adversary: np.ndarray      # [N, N] bool: adversary[i, j] is True if j is an adversary of i
    ally: np.ndarray           # [N, N] bool: ally[i, j] is True if j is an ally of i
    batch: np.ndarray          # [N] missiles per deployment order
    lag: np.ndarray            # [N] turns from order to arrival
    belief_memory: np.ndarray  # [N]
    payoff: dict[str, np.ndarray]  # each [N]
    notice_turns: int
    ultimatum_turns: int
    w_actions: float
    w_treaty: float
    w_missiles: float
    w_ultimatum: float
    smoothing: float
    missile_scale: float
    h_max: float
    k: float
    p_detect: float
    diplomacy: dict[str, float] = field(default_factory=dict)

    def packed(self) -> Packed:
        """The parameters as a flat namedtuple of arrays and numbers, for the compiled dynamics."""
        cached = self.__dict__.get("_packed")
        if cached is None:
            d = self.diplomacy
            cached = Packed(
                party=self.party, adversary=self.adversary, ally=self.ally, batch=self.batch, lag=self.lag,
                memory=self.belief_memory.astype(np.float64),
                **{name: self.payoff[name] for name in PAYOFF_FIELDS},
                notice_turns=int(self.notice_turns), ultimatum_turns=int(self.ultimatum_turns),
                w_actions=float(self.w_actions), w_treaty=float(self.w_treaty),
                w_missiles=float(self.w_missiles), w_ultimatum=float(self.w_ultimatum),
                smoothing=float(self.smoothing), missile_scale=float(self.missile_scale),
                h_max=float(self.h_max), k=float(self.k), p_detect=float(self.p_detect),
                **{name: float(d[name]) for name in DIPLOMACY_FIELDS},
                rung=RUNG_SCALED,
            )
            object.__setattr__(self, "_packed", cached)
        return cached

    @property
    def n_actors(self) -> int:
        return len(self.ids)

    @property
    def talk_pairs(self) -> np.ndarray:
        """[N, N] bool: i and j can hold talks (one names the other an adversary)."""
        return self.adversary | self.adversary.T

    @property
    def pipeline_len(self) -> int:
        return int(self.lag.max()) + 1


def compile_params(scn: Scenario) -> Params:
    """The numeric parameters of a scenario (without its events)."""
    ids = tuple(scn.actor_ids)
    idx = {a: i for i, a in enumerate(ids)}
    n = len(ids)
    adversary = np.zeros((n, n), dtype=bool)
    ally = np.zeros((n, n), dtype=bool)
    for i, a in enumerate(scn.actors):
        adversary[i, [idx[b] for b in a.adversaries]] = True
        if a.allies:
            ally[i, [idx[b] for b in a.allies]] = True
    e, r, d = scn.escalation, scn.risk, scn.diplomacy
    return Params(
        ids=ids,
        party=np.array([a.treaty_party for a in scn.actors], dtype=bool),
        adversary=adversary,
        ally=ally,
        batch=np.array([a.deploy_batch for a in scn.actors], dtype=np.int64),
        lag=np.array([scn.days_to_turns(a.deploy_lag_days) for a in scn.actors], dtype=np.int64),
        belief_memory=np.array([a.belief_memory for a in scn.actors]),
        payoff={f: np.array([getattr(a.payoff, f) for a in scn.actors], dtype=np.float64) for f in PAYOFF_FIELDS},
        notice_turns=scn.days_to_turns(scn.treaty.notice_days),
        ultimatum_turns=scn.days_to_turns(scn.treaty.ultimatum_days),
        w_actions=e.w_actions, w_treaty=e.w_treaty, w_missiles=e.w_missiles, w_ultimatum=e.w_ultimatum,
        smoothing=e.smoothing, missile_scale=e.missile_scale,
        h_max=r.h_max, k=r.k, p_detect=r.p_detect,
        diplomacy=d.model_dump(),
    )


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
            forced.setdefault(turn, []).append((idx[ev.actor], int(Action.parse(ev.move))))
    return Schedule(tuple(epochs), {t: tuple(v) for t, v in forced.items()})
