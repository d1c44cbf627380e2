"""A doctrine tournament: every pairing of rules for a scenario's adversary pair, on common seeds.

Each outcome of a pairing is given with a 95% interval from scipy (`sim.output.intervals`): the Wilson
interval for the shares (treaty ended, incident), the percentile bootstrap for the means (final
escalation, payoffs), its resamples seeded from the tournament's seed, pairing and outcome.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from sim.core.codes import TERMINATED
from sim.core.errors import SimError
from sim.core.scenario import Scenario, apply_overrides
from sim.engine.ensemble import batch_tasks, default_batch_size, run_tasks
from sim.output.intervals import Estimate, bootstrap_mean, share
from sim.output.results import BatchResult
from sim.output.tables import text_table
from sim.rules.registry import PRESETS, RULES

OUTCOMES = {
    "final_escalation": "mean escalation index on the last turn (0-100)",
    "treaty_ended": "share of runs where the treaty ended",
    "incident": "share of runs with an incident",
    "payoff_first": "mean total payoff of the first side per run",
    "payoff_second": "mean total payoff of the second side per run",
}


def is_output(name: str) -> bool:
    """Whether `name` is a file a tournament writes (and a new one replaces)."""
    return name in ("tournament.csv", "tournament.json") or name.startswith("tournament_")


def parse_rules(text: str) -> list[str]:
    """Comma-separated rule or preset names, checked."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    allowed = f"{', '.join(RULES)}, or a preset: {', '.join(PRESETS)}"
    for name in names:
        if name not in RULES and name not in PRESETS:
            raise SimError(f"--rules: {name!r}: unknown rule; allowed: {allowed}")
        if name in ("human", "scripted"):
            raise SimError(f"--rules: {name!r}: needs moves from outside; allowed: any other of {allowed}")
    if len(names) < 2:
        raise SimError(f"--rules: {text!r}: give at least two rules, e.g. mirror,hawk,dove")
    if len(set(names)) != len(names):
        raise SimError(f"--rules: {text!r}: a rule is listed twice")
    return names


@dataclass
class Cell:
    """One pairing's outcomes: the mean and 95% interval of each outcome over its runs."""

    first: str
    second: str
    values: dict[str, Estimate]


def outcomes_of(batch: BatchResult, first: int, second: int) -> dict[str, np.ndarray]:
    """Per-run outcomes of a batch of results."""
    esc = batch.escalation[np.arange(len(batch.runs)), batch.last_turn]
    ended = (batch.treaty == TERMINATED).any(axis=1)
    payoff = np.nan_to_num(batch.payoff, nan=0.0).sum(axis=1)            # [R, N] total per run
    return {"final_escalation": esc, "treaty_ended": ended.astype(float),
            "incident": batch.incident.any(axis=1).astype(float),
            "payoff_first": payoff[:, first], "payoff_second": payoff[:, second]}


class Draws(Protocol):
    """Runs whose parameters are drawn (`sim.calibration.draws.Posterior`): the batches of a scenario's runs
    (`sim.engine.ensemble` tasks), with the keys `fixed` left as the scenario has them."""

    def tasks(self, scn: Scenario, seed: int, runs: int, batch_size: int,
              fixed: Iterable[str] = ()) -> list[Any]: ...

    def describe(self) -> dict[str, Any]: ...


def play(scn: Scenario, rules: list[str], runs: int, seed: int, jobs: int,
         progress: Callable[[int], object] | None = None, dask: str | None = None,
         posterior: Draws | None = None) -> list[Cell]:
    """Every ordered pairing of `rules` for the adversary pair; the other actors keep their rules.

    All pairings' batches go through one pool of workers, so the cores stay busy throughout. With `posterior`
    each run draws its parameters from it (run r the same particle in every pairing), but the pair's rules.
    """
    a, b = scn.adversary_pair()
    ids = scn.actor_ids
    pairings = [(ra, rb) for ra in rules for rb in rules]
    batch_size = default_batch_size(runs, jobs)
    tasks: list[Any] = []
    owner: list[int] = []
    for k, (rule_a, rule_b) in enumerate(pairings):
        variant = apply_overrides(scn, {f"actors.{a}.rule": {"name": rule_a},
                                        f"actors.{b}.rule": {"name": rule_b}}, origin="--rules")
        batch = (posterior.tasks(variant, seed, runs, batch_size, fixed=(f"actors.{a}.rule", f"actors.{b}.rule"))
                 if posterior is not None else
                 batch_tasks(variant, seed, runs, variant.scenario.turns, batch_size=batch_size, formatted=False))
        tasks += batch
        owner += [k] * len(batch)
    parts: list[dict[str, list[np.ndarray]]] = [{key: [] for key in OUTCOMES} for _ in pairings]
    ran = run_tasks(tasks, jobs, progress, dask)
    for k, chunk in zip(owner, ran, strict=True):
        for key, values in outcomes_of(chunk.batch, ids.index(a), ids.index(b)).items():
            parts[k][key].append(values)
    return [Cell(ra, rb, {key: estimate(key, np.concatenate(v), (seed, k, i))
                          for i, (key, v) in enumerate(part.items())})
            for k, ((ra, rb), part) in enumerate(zip(pairings, parts, strict=True))]


#: the outcomes that are 0 or 1 per run: shares, with a Wilson interval
SHARES = ("treaty_ended", "incident")


def estimate(outcome: str, values: np.ndarray, seed: tuple[int, int, int]) -> Estimate:
    """Mean and 95% interval of one outcome of one pairing over its runs (in run order): Wilson for a share,
    the percentile bootstrap for a mean, its resamples drawn from `seed` (the tournament's seed, the pairing's
    and the outcome's numbers), so the same command gives the same interval whatever --jobs."""
    if outcome in SHARES:
        return share(values)
    return bootstrap_mean(values, np.random.default_rng(seed))


def write_csv(path: Path, cells: list[Cell], pair: tuple[str, str]) -> None:
    from sim.core.safeio import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([f"rule_{pair[0]}", f"rule_{pair[1]}", "outcome", "mean", "ci95_low", "ci95_high", "method"])
        for c in cells:
            for key, est in c.values.items():
                w.writerow([c.first, c.second, key, round(est.value, 4), round(est.low, 4), round(est.high, 4),
                            est.method])


def write_record(path: Path, scn: Scenario, rules: list[str], runs: int, seed: int,
                 posterior: Draws | None = None) -> None:
    """tournament.json: the command that makes the tournament again (with --posterior FILE if its runs drew from
    one), the code that made it and the posterior (its file's name and SHA-256; `sim.calibration.draws`)."""
    import json

    from sim.core.safeio import atomic_path
    from sim.output import provenance

    words = ["escalation-sim", "tournament", provenance.scenario_arg(scn), "--rules", ",".join(rules),
             "--runs", str(runs), "--turns", str(scn.scenario.turns), "--seed", str(seed)]
    drawn = posterior.describe() if posterior is not None else None
    if drawn is not None:
        words += ["--posterior", drawn["file"]]
    doc = {"command": provenance.command(words), "scenario": provenance.scenario_arg(scn), "rules": rules,
           "runs_per_pairing": runs, "seed": seed, "posterior": drawn, **provenance.code()}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(doc, indent=2) + "\n")


def format_table(cells: list[Cell], pair: tuple[str, str]) -> str:
    """One line per pairing: each outcome as mean [95% interval]."""
    head = [pair[0], pair[1], "final E", "treaty ended", "incident", f"payoff {pair[0]}", f"payoff {pair[1]}"]
    body = []
    for c in cells:
        v = c.values
        body.append([c.first, c.second,
                     f"{v['final_escalation'][0]:.1f} [{v['final_escalation'][1]:.1f}, {v['final_escalation'][2]:.1f}]",
                     _pct(v["treaty_ended"]), _pct(v["incident"]),
                     f"{v['payoff_first'][0]:.0f} [{v['payoff_first'][1]:.0f}, {v['payoff_first'][2]:.0f}]",
                     f"{v['payoff_second'][0]:.0f} [{v['payoff_second'][1]:.0f}, {v['payoff_second'][2]:.0f}]"])
    return (text_table(head, body) + "\n95% intervals: Wilson for the shares, percentile bootstrap for the means "
            "(final E, payoffs)")


def _pct(v: Estimate) -> str:
    return f"{v.value:.0%} [{v.low:.1%}, {v.high:.1%}]"
