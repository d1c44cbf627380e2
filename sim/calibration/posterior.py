"""The posterior file: the last population of the inference (values, weights, distances), what it was
inferred from (scenario, patterns, priors, seed, settings) and the code that made it. JSON, written
atomically; nothing in it depends on the clock or the machine's speed, so the same seed and settings give
the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.calibration.patterns import Pattern
from sim.calibration.priors import Prior
from sim.core.safeio import atomic_path
from sim.core.scenario import Scenario, to_toml
from sim.output import provenance

if TYPE_CHECKING:   # the inference imports pyabc: runs drawn from a posterior file (sim.calibration.draws) need none
    from sim.calibration.inference import Result, Settings

FORMAT = "escalation-sim posterior"
VERSION = 1
LEVEL = 0.9      # the intervals reported: central 90%


def intervals(result: Result) -> dict[str, dict[str, float]]:
    """Per parameter its weighted median and central 90% interval (pyabc's weighted quantiles)."""
    from pyabc.weighted_statistics import weighted_quantile

    tail = (1 - LEVEL) / 2
    q = lambda k, a: float(weighted_quantile(result.values[:, k], result.weights, alpha=a))  # noqa: E731
    return {name: {"median": q(k, 0.5), "low": q(k, tail), "high": q(k, 1 - tail)}
            for k, name in enumerate(result.names)}


def document(result: Result, scn: Scenario, patterns_file: Path, patterns: Sequence[Pattern],
             priors: Sequence[Prior], seed: int, settings: Settings) -> dict[str, Any]:
    """The posterior file's content."""
    body = to_toml(scn).partition("\n\n")[2]
    return {
        "format": FORMAT, "version": VERSION,
        "scenario": scn.name, "scenario_sha256": hashlib.sha256(body.encode()).hexdigest(),
        "patterns": patterns_file.name, "patterns_sha256": hashlib.sha256(patterns_file.read_bytes()).hexdigest(),
        "pattern_names": [p.name for p in patterns],
        "seed": seed, "method": "ABC-SMC (pyabc), median quantile tolerance, multivariate normal kernel",
        "settings": asdict(settings),
        "generations": [{"epsilon": e, "evaluations": n} for e, n in zip(result.epsilons, result.evaluations,
                                                                          strict=True)],
        "simulations": int(sum(result.evaluations)),
        "priors": [{"name": p.name, "keys": list(p.keys), "low": p.low, "high": p.high,
                    "scale": "log10-uniform" if p.log else "uniform", "whole": p.whole, "why": p.why} for p in priors],
        "intervals": intervals(result),
        "samples": {name: [float(v) for v in result.values[:, k]] for k, name in enumerate(result.names)},
        "weights": [float(w) for w in result.weights],
        "distances": [float(d) for d in result.distances],
        "provenance": {**provenance.code(), "pyabc": metadata.version("pyabc")},
    }


def write(path: Path, doc: dict[str, Any]) -> None:
    """Write the posterior file atomically: complete, or not there at all."""
    text = json.dumps(doc, indent=1, allow_nan=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def draws(doc: dict[str, Any], rng: np.random.Generator, n: int) -> list[dict[str, float]]:
    """`n` parameter sets drawn from the posterior's particles by their weights (with replacement)."""
    names = list(doc["samples"])
    weights = np.asarray(doc["weights"], dtype=float)
    picked = rng.choice(len(weights), size=n, p=weights / weights.sum())
    return [{name: float(doc["samples"][name][k]) for name in names} for k in picked]


def finite(values: Sequence[float]) -> bool:
    """Whether every value is a finite number (a posterior file's samples, weights and distances)."""
    return all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in values)
