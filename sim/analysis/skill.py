"""Forecast scores of shares of runs against what happened: what docs/validation.md (e) and docs/out_of_sample.md
report.

- the Brier (1950) score of a share f of runs showing a pattern whose outcome o is 0 or 1: (f - o)^2, from 0
  (certain and right) to 1 (certain and wrong); a constant 0.5 scores 0.25;
- the Brier skill score against a reference forecast (a null model, a climatology): 1 - BS / BS_ref, 1 for a
  perfect forecast, 0 for one no better than the reference, negative for a worse one;
- the Monte Carlo error of a share: its Wilson 95% interval (scipy, `sim.output.intervals.share_interval`) and
  the runs it needs to be known to +-1%.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from sim.output.intervals import LEVEL, share_interval

__all__ = ["brier", "mean_brier", "runs_for", "share_interval", "skill"]


def brier(forecast: np.ndarray | list[float], outcome: np.ndarray | list[int]) -> np.ndarray:
    """Per pattern, the Brier score (f - o)^2 of forecast shares f in [0, 1] against outcomes o of 0 or 1."""
    f, o = np.asarray(forecast, dtype=np.float64), np.asarray(outcome, dtype=np.float64)
    if f.shape != o.shape:
        raise ValueError(f"{f.shape} forecasts for {o.shape} outcomes")
    if not (np.all((f >= 0) & (f <= 1)) and np.all((o == 0) | (o == 1))):
        raise ValueError("forecasts must lie in [0, 1] and outcomes be 0 or 1")
    return (f - o) ** 2


def mean_brier(forecast: np.ndarray | list[float], outcome: np.ndarray | list[int]) -> float:
    """The mean Brier score over the patterns."""
    return float(np.mean(brier(forecast, outcome)))


def skill(score: float, reference: float) -> float:
    """Brier skill score 1 - score / reference of a mean Brier score against a reference forecast's; NaN where the
    reference is perfect (0), which no forecast can beat."""
    return 1.0 - score / reference if reference > 0 else float("nan")


def runs_for(p: float, half_width: float = 0.01, level: float = LEVEL) -> int:
    """The runs for a share near p to be known within +-`half_width` at `level`: the smallest n with
    z sqrt(p (1 - p) / n) <= half_width, z the normal quantile (scipy) to two decimals (1.96 at 95%, the
    conventional figure, docs/out_of_sample.md's); at least 1. At p = 0 or 1 it is 1, yet a share of 0 in n runs
    still has a Wilson upper bound near z^2 / n: read the interval there."""
    if not 0 <= p <= 1 or half_width <= 0:
        raise ValueError(f"share {p} outside [0, 1] or half-width {half_width} not above 0")
    z = round(float(stats.norm.ppf(0.5 + level / 2)), 2)
    return max(1, math.ceil(p * (1 - p) * (z / half_width) ** 2))
