"""The figures of docs/validation.md (Model 3): each variant of a scenario, run and counted.

    python bench/validation.py [--runs 400] [--seed 2019] [--scenario inf_2018] [--variants NAME,...]

Variants: the default; US and NATO best-responding; every actor best-responding; the null models (every
actor `random`, every actor `mirror`); and ablations of each Model 3 mechanism (noisy commitments, no
value of forces, full trust, uninformative threats, no decay of talks). Per variant and actor: the share of
runs in which it orders, fields more missiles than at the start and hosts, with the median first turn;
how often talks reach terms and which; the ultimatums issued, met, carried out and lapsed; the treaty's
fate; incidents; the final index. Everything is counted from the turns as they are resolved.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np

from sim.core import scenario
from sim.core.codes import CUT_FORCE, FLIGHT_TEST, IN_FORCE, KEEP_FORCE, NO_TREATY, PARITY, TERMINATED, ULTIMATUM
from sim.engine.crisis import Crisis

#: each part of signed terms, as the report words it
PART_VERBS = {KEEP_FORCE: "keeps", CUT_FORCE: "cuts", PARITY: "to parity"}


def variants(scn: scenario.Scenario) -> dict[str, dict]:
    ids = scn.actor_ids
    quantal = [a.id for a in scn.actors if a.rule.get("name") == "quantal"]
    every = {f"actors.{a}.rule": {"name": "best_response"} for a in ids}
    return {
        "default": {},
        "US and NATO best response": {f"actors.{a}.rule": {"name": "best_response"} for a in quantal},
        "all best response": every,
        "null: all random": {f"actors.{a}.rule": {"name": "random"} for a in ids},
        "null: all mirror": {f"actors.{a}.rule": {"name": "mirror"} for a in ids},
        "ablation: noisy commitments": {f"actors.{a}.rule.deliberate": False for a in quantal},
        "ablation: forces worth nothing": {f"actors.{a}.payoff.force_value": 0.0 for a in ids},
        "ablation: full trust": {f"actors.{a}.trust": {b: 1.0 for b in ids if b != a} for a in ids},
        "ablation: uninformative threats": {"diplomacy.carry_if_resolute": 0.5, "diplomacy.carry_if_bluffing": 0.5},
        "ablation: no decay of talks": {"diplomacy.talks_decay": 0.0},
    }


def measure(scn: scenario.Scenario, runs: int | np.ndarray, seed: int) -> dict:
    """Counts over runs 0 .. runs - 1, or over the given run numbers (increasing): row k is the k-th run."""
    replicas = np.arange(runs) if np.isscalar(runs) else np.asarray(runs, dtype=np.int64)
    assert np.all(np.diff(replicas) > 0), "run numbers must increase"
    runs = len(replicas)
    c = Crisis(scn, seed, replicas, scn.scenario.turns)
    n = c.n_actors
    start = c.state.missiles.copy()
    first = {k: np.full((runs, n), -1) for k in ("order", "field", "host", "notice", "test")}
    ended_at = np.full(runs, -1)
    ult = Counter()
    deals: Counter = Counter()
    ended = np.zeros(runs, bool)
    renewed = np.zeros(runs, bool)
    incident = np.zeros(runs, bool)
    final = np.zeros(runs)
    while not c.finished:
        before = c.state
        rows = np.searchsorted(replicas, c.replicas)
        moves, out = c.resolve(c.decide_all())
        t = c.turn
        s = c.state
        for key, hit in (("order", out.ordered > 0), ("field", s.missiles > start[rows]), ("host", s.hosting),
                         ("notice", out.notice), ("test", (s.stage >= FLIGHT_TEST) & (before.stage < FLIGHT_TEST))):
            f = first[key][rows]
            f[(f < 0) & hit] = t
            first[key][rows] = f
        ult["issued"] += int((moves == ULTIMATUM).sum())
        for k in ("met", "carried", "lapsed"):
            ult[k] += int(getattr(out, k).sum())
        for r in np.flatnonzero(out.agreement.any(axis=1)):
            agreed = [(i, j) for i in range(n) for j in range(i + 1, n)
                      if out.agreement[r, i] and out.agreement[r, j] and before.terms[r, i, j]]
            for i, j in agreed:
                deals[(c.scenario.actor_ids[i], PART_VERBS[before.terms[r, i, j]],
                       c.scenario.actor_ids[j], PART_VERBS[before.terms[r, j, i]])] += 1
        dead = (s.treaty == TERMINATED) | (s.treaty == NO_TREATY)
        renewed[rows] |= ended[rows] & (s.treaty == IN_FORCE)
        e = ended_at[rows]
        e[(e < 0) & (s.treaty == TERMINATED)] = t
        ended_at[rows] = e
        ended[rows] |= dead & (before.treaty != NO_TREATY)
        incident[rows] |= s.incident
        final[rows] = s.escalation
        if s.incident.any():
            c.drop_ended()
    fielded_hosted = np.zeros(runs, bool)
    ids = list(scn.actor_ids)
    if "US" in ids and "NATO" in ids:
        us, nato = ids.index("US"), ids.index("NATO")
        fielded_hosted = (first["field"][:, us] >= 0) & (first["host"][:, nato] >= 0)
    return dict(first=first, ult=ult, deals=deals, ended=ended, renewed=renewed, incident=incident, final=final,
                ids=scn.actor_ids, runs=runs, ended_at=ended_at, fielded_hosted=fielded_hosted)


def pattern_hits(m: dict) -> tuple[list[str], np.ndarray]:
    """The seven patterns of docs/validation.md (e), what happened after 16 January 2019 (each did): their names
    and [runs, 7] booleans, which runs show which (no pattern without a US and a Russia)."""
    ids = list(m["ids"])
    if "US" not in ids or "RU" not in ids:
        return [], np.zeros((m["runs"], 0), bool)
    us, ru = ids.index("US"), ids.index("RU")
    notice_us, notice_ru = m["first"]["notice"][:, us], m["first"]["notice"][:, ru]
    rows = [
        ("US gives notice, 2 Feb 2019 (turn 1)", notice_us == 1),
        ("Russia answers within two turns (turns 1-3)", (notice_ru >= 1) & (notice_ru <= 3)),
        ("the treaty ends, 2 Aug 2019 (turn 7)", m["ended_at"] == 7),
        ("US flight-tests by 18 Aug 2019 (turn 8)", (m["first"]["test"][:, us] >= 1)
         & (m["first"]["test"][:, us] <= 8)),
        ("no US missile fielded and hosted in Europe by end-2023", ~m["fielded_hosted"]),
        ("no incident", ~m["incident"]),
        ("no new treaty", ~m["renewed"]),
    ]
    return [name for name, _ in rows], np.column_stack([hit for _, hit in rows])


def history(m: dict) -> list[tuple[str, float]]:
    """The patterns of docs/validation.md (e) as shares of runs, and all seven together."""
    names, hits = pattern_hits(m)
    if not names:
        return []
    together = ("all seven together", float(hits.all(axis=1).mean()))
    return [*zip(names, hits.mean(axis=0).tolist(), strict=True), together]


def share(first: np.ndarray) -> str:
    hit = first[first >= 0]
    return f"{len(hit) / len(first):6.1%} (t{np.median(hit):.0f})" if len(hit) else "  0.0%     "


def report(name: str, m: dict, seconds: float) -> None:
    print(f"== {name}  ({m['runs']} runs, {seconds:.1f} s)")
    for i, a in enumerate(m["ids"]):
        print(f"  {a:5s} orders {share(m['first']['order'][:, i])}  fields more {share(m['first']['field'][:, i])}"
              f"  hosts {share(m['first']['host'][:, i])}")
    u = m["ult"]
    print(f"  ultimatums issued {u['issued']}: met {u['met']}, carried out {u['carried']}, lapsed {u['lapsed']}")
    deals = ", ".join(f"{a} {x} / {b} {y}: {k}" for (a, x, b, y), k in m["deals"].most_common()) or "none"
    print(f"  agreements signed: {sum(m['deals'].values())} ({deals})")
    print(f"  treaty ended {m['ended'].mean():.1%}; a new treaty after its end {m['renewed'].mean():.1%}; "
          f"incidents {m['incident'].mean():.1%}; final index median {np.median(m['final']):.1f}")
    for name, value in history(m):
        print(f"  history: {name}: {value:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=400)
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument("--scenario", default="inf_2018")
    ap.add_argument("--variants", default="", help="comma-separated names (default: all)")
    args = ap.parse_args()
    base = scenario.load(args.scenario)
    chosen = [v.strip() for v in args.variants.split(",") if v.strip()]
    for name, over in variants(base).items():
        if chosen and name not in chosen:
            continue
        scn = scenario.apply_overrides(base, over) if over else base
        t0 = time.perf_counter()
        m = measure(scn, args.runs, args.seed)
        report(name, m, time.perf_counter() - t0)


if __name__ == "__main__":
    main()
