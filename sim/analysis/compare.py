"""Side-by-side comparison of scenarios and variants run on common seeds.

Run r of every variant uses the same random stream (common random numbers), so differences
between variants are paired run by run and their confidence intervals are tight. The intervals and
p-values come from scipy (`sim.output.intervals`): the exact McNemar test for the shares (treaty ended,
incident), the paired t test for the means.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.core import scenario
from sim.core.errors import SimError
from sim.output.intervals import Estimate, paired_binary, paired_continuous
from sim.output.tables import text_table

OUTCOMES = {
    "treaty_ended": "share of runs where the treaty ended",
    "incident": "share of runs with an incident",
    "peak_escalation": "mean peak escalation (0-100)",
    "turns_to_termination": "mean turns until the treaty ended (horizon if it survived)",
}
#: the outcomes that are 0 or 1 per run: their differences are tested with McNemar's exact test
BINARY = ("treaty_ended", "incident")


@dataclass(frozen=True)
class Variant:
    """One item of `compare`: a scenario and its overrides, with a label and a folder name."""

    label: str
    scenario: scenario.Scenario
    overrides: dict[str, Any] = field(default_factory=dict)     # its KEY=VALUE changes, read as TOML

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
    return Variant(item, scn, overrides)


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
    """A paired difference (variant minus baseline) of one outcome, with a 95% interval and a p-value."""

    variant: str
    outcome: str
    baseline_value: float
    variant_value: float
    difference: float
    low: float
    high: float
    p_value: float
    runs_differing: int      # runs whose outcome differs between the two: what the difference rests on
    method: str              # mcnemar_exact or paired_t (sim.output.intervals)

    def row(self) -> list:
        return [self.variant, self.outcome, *(round(x, 4) for x in (
            self.baseline_value, self.variant_value, self.difference, self.low, self.high, self.p_value)),
                self.runs_differing, self.method]


def paired_difference(base: np.ndarray, other: np.ndarray, binary: bool = False) -> Estimate:
    """Mean of other - base (paired, same runs) with its 95% interval and p-value: the exact McNemar test
    for a binary outcome, the paired t test otherwise (`sim.output.intervals`)."""
    if base.shape != other.shape or base.size == 0:
        raise SimError("compare: variants must have the same number of runs")
    return paired_binary(base, other) if binary else paired_continuous(base, other)


def differences(labels: list[str], outcomes: list[dict[str, np.ndarray]]) -> list[Difference]:
    """Every variant against the first, for every outcome."""
    base = outcomes[0]
    rows = []
    for label, out in zip(labels[1:], outcomes[1:], strict=True):
        for key in OUTCOMES:
            est = paired_difference(base[key], out[key], binary=key in BINARY)
            rows.append(Difference(label, key, float(base[key].mean()), float(out[key].mean()), est.value,
                                   est.low, est.high, est.p_value, int(np.count_nonzero(out[key] != base[key])),
                                   est.method))
    return rows


def write_table(path: Path, baseline: str, rows: list[Difference]) -> None:
    from sim.core.safeio import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["variant", "outcome", f"baseline ({baseline})", "variant_value", "difference",
                    "ci95_low", "ci95_high", "p_value", "runs_differing", "method"])
        for row in rows:
            w.writerow(row.row())


def write_record(path: Path, items: list[str], runs: int, turns: int | None, seed: int,
                 summaries: list[dict[str, Any]]) -> None:
    """compare.json: the command that makes the comparison again (with --posterior FILE if the runs drew their
    parameters from one), the posterior (its file's name and SHA-256) and, per item, the command of its folder and
    the split of its outcomes' variance between and within the posterior's particles (`sim.calibration.spread`)."""
    import json

    from sim.core.safeio import atomic_path
    from sim.output import provenance

    drawn = summaries[0]["provenance"].get("posterior")
    words = ["escalation-sim", "compare", *items, "--runs", str(runs), *(["--turns", str(turns)] if turns else []),
             "--seed", str(seed), *(["--posterior", drawn["file"]] if drawn else [])]
    posterior = {k: v for k, v in drawn.items() if k not in ("not_applied", "set_by_command")} if drawn else None
    doc = {"command": provenance.command(words), "seed": seed, "runs": runs, "posterior": posterior,
           "items": [{"item": item, "command": s["provenance"]["command"],
                      "posterior": s["provenance"].get("posterior"),
                      "variance_split": (s.get("parameter_uncertainty") or {}).get("variance_split")}
                     for item, s in zip(items, summaries, strict=True)], **provenance.code()}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(doc, indent=2) + "\n")


def format_table(baseline: str, rows: list[Difference]) -> str:
    """The table as text: one line per variant and outcome."""
    head = ["variant", "outcome", "baseline", "variant", "difference", "95% interval", "p", "runs differing"]
    body = [[r.variant, r.outcome, f"{r.baseline_value:.3f}", f"{r.variant_value:.3f}", f"{r.difference:+.3f}",
             f"[{r.low:+.3f}, {r.high:+.3f}]", f"{r.p_value:.3f}", str(r.runs_differing)] for r in rows]
    note = ("95% intervals and p: exact McNemar test for the shares (the interval excludes 0 only when it "
            "rejects), paired t test for the means")
    return f"baseline: {baseline}\n" + text_table(head, body) + "\n" + note
