"""The distance of a run from the record: how far each statistic lies outside its pattern's interval.

    d(x) = sum over patterns k of  max(low_k - x_k, 0, x_k - high_k) / scale_k

0 when the run shows every pattern; one unit per yes/no pattern missed, per half year off a date, per
battalion off a force (the scales of the patterns file). An interval, not a point: the record bounds most
statistics rather than fixing them (the rounds of talks lie between the expert meetings and all the
engagements), and a point inside the bounds is as good as any other.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.calibration.patterns import Pattern


def bounds(patterns: Sequence[Pattern]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The [S] lows, highs and scales of the patterns."""
    return (np.array([p.low for p in patterns]), np.array([p.high for p in patterns]),
            np.array([p.scale for p in patterns]))


def misses(values: np.ndarray, patterns: Sequence[Pattern]) -> np.ndarray:
    """[..., S] how far each statistic lies outside its interval, in units of its scale."""
    low, high, scale = bounds(patterns)
    return np.maximum(np.maximum(low - values, 0.0), values - high) / scale


def distance(values: np.ndarray, patterns: Sequence[Pattern]) -> np.ndarray:
    """[...] the distance of statistics [..., S] from the record: the sum of the misses."""
    return misses(values, patterns).sum(axis=-1)
