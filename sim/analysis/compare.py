"""Side-by-side comparison of scenarios and variants run on common seeds.

Run r of every variant uses the same random stream (common random numbers), so differences
between variants are paired run by run and their confidence intervals are tight.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.core import scenario
from sim.core.errors import SimError
from sim.output.tables import text_table

OUTCOMES = {
    "treaty_ended": "share of runs where the treaty ended",
    "incident": "share of runs with an incident",
    "peak_escalation": "mean peak escalation (0-100)",
    "turns_to_termination": "mean turns until the treaty ended (horizon if it survived)",
}
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Variant:
    """One item of `compare`: a scenario and its overrides, with a label and a folder name."""

    label: str
    scenario: scenario.Scenario

    @property
    def slug(self) -> str:
        return "".join(c if c.isalnum() or c in "-_." else "_" for c in self.label)[:80]


def parse_variant(item: str, turns: int | None = None) -> Variant:
    """``scenario`` or ``scenario:KEY=VALUE,KEY=VALUE`` (values read as TOML)."""
    name, _, changes = item.partition(":")
    overrides = dict(scenario.parse_assignment(c, source=f"compare item {item!r}")
                     for c in _split(changes) if c)
    scn = scenario.load(name, overrides)
    if turns is not None:
        scn = scn.with_turns(turns)
    return Variant(item, scn)


def _split(changes: str) -> list[str]:
    """Split on commas that are not inside brackets or quotes (so arrays and tables survive)."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for ch in changes:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    parts.append("".join(current).strip())
    return parts


@dataclass(frozen=True)
class Difference:
    """A paired difference (variant minus baseline) of one outcome, with a 95% interval."""

    variant: str
    outcome: str
    baseline_value: float
    variant_value: float
    difference: float
    low: float
    high: float

    def row(self) -> list:
        return [self.variant, self.outcome, *(round(x, 4) for x in (
            self.baseline_value, self.variant_value, self.difference, self.low, self.high))]


def paired_difference(base: np.ndarray, other: np.ndarray) -> tuple[float, float, float]:
    """Mean of other - base and its normal 95% interval (paired, same runs)."""
    if base.shape != other.shape or base.size == 0:
        raise SimError("compare: variants must have the same number of runs")
    return mean_interval(other - base)


def mean_interval(x: np.ndarray) -> tuple[float, float, float]:
    """Mean and its normal 95% interval."""
    mean = float(x.mean())
    half = Z95 * float(x.std(ddof=1)) / math.sqrt(x.size) if x.size > 1 else math.inf
    return mean, mean - half, mean + half


def differences(labels: list[str], outcomes: list[dict[str, np.ndarray]]) -> list[Difference]:
    """Every variant against the first, for every outcome."""
    base = outcomes[0]
    rows = []
    for label, out in zip(labels[1:], outcomes[1:], strict=True):
        for key in OUTCOMES:
            diff, low, high = paired_difference(base[key], out[key])
            rows.append(Difference(label, key, float(base[key].mean()), float(out[key].mean()), diff, low, high))
    return rows


def write_table(path: Path, baseline: str, rows: list[Difference]) -> None:
    from sim.core.safeio import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["variant", "outcome", f"baseline ({baseline})", "variant_value", "difference",
                    "ci95_low", "ci95_high"])
        for row in rows:
            w.writerow(row.row())


def format_table(baseline: str, rows: list[Difference]) -> str:
    """The table as text: one line per variant and outcome."""
    head = ["variant", "outcome", "baseline", "variant", "difference", "95% interval"]
    body = [[r.variant, r.outcome, f"{r.baseline_value:.3f}", f"{r.variant_value:.3f}", f"{r.difference:+.3f}",
             f"[{r.low:+.3f}, {r.high:+.3f}]"] for r in rows]
    return f"baseline: {baseline}\n" + text_table(head, body)
