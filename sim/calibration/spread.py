"""Parameter uncertainty beside run-to-run noise, for runs drawn from a posterior (`sim.calibration.draws`).

Two measures, recorded under ``parameter_uncertainty`` of a result's summary.json:

- ``at_scenario_values``: the same runs (the same seed, so the same random streams) at the scenario's own
  values: their escalation band is pure run-to-run noise, which the figures draw beside the posterior's band;
- ``variance_split``: each outcome's variance over the posterior's runs, split exactly (the law of total
  variance over the runs) into the part between the particles the runs drew (parameter uncertainty) and the
  part within them (run-to-run noise). A particle drawn by few runs puts some noise into "between": the split
  is of these runs, not an estimate free of that bias.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.calibration.draws import particles

#: what `at_scenario_values` keeps of the runs at the scenario's values (summary.json's keys)
KEPT = ("runs", "share_treaty_ended", "share_incident", "median_peak_escalation", "median_turn_treaty_ended",
        "escalation_quantiles")


def variance_split(values: np.ndarray, drawn: np.ndarray) -> dict[str, float]:
    """The variance of `values` (one per run) split between and within the groups `drawn` (each run's particle)."""
    x = np.asarray(values, dtype=np.float64)
    _, group = np.unique(drawn, return_inverse=True)
    means = np.bincount(group, weights=x) / np.bincount(group)
    total = float(np.mean((x - x.mean()) ** 2))
    within = float(np.mean((x - means[group]) ** 2))
    between = max(0.0, total - within)
    return {"total": round(total, 6), "between_particles": round(between, 6), "within_particles": round(within, 6),
            "share_between": round(between / total, 4) if total > 0 else 0.0}


def uncertainty(doc: dict[str, Any], seed: int, per_run: dict[str, np.ndarray],
                fixed: dict[str, Any] | None) -> dict[str, Any]:
    """``parameter_uncertainty`` of runs drawn from posterior `doc`: the variance split of each outcome
    (`per_run`, in run order from run 0) and what the runs at the scenario's values gave (`fixed`, their
    summary; None: not run)."""
    runs = len(next(iter(per_run.values())))
    drawn = particles(seed, np.arange(runs), np.asarray(doc["weights"], dtype=float))
    out: dict[str, Any] = {
        "note": "variance_split: each outcome's variance over these runs, between the posterior particles they "
                "drew (parameter uncertainty) and within them (run-to-run noise); at_scenario_values: the same "
                "seeds at the scenario's values (run-to-run noise alone)",
        "particles_drawn": int(np.unique(drawn).size),
        "variance_split": {key: variance_split(v, drawn) for key, v in per_run.items()}}
    if fixed is not None:
        out["at_scenario_values"] = {key: fixed[key] for key in KEPT}
    return out
