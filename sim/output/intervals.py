"""95% confidence intervals and tests, each from scipy: what `compare`, `tournament` and the figures report.

- a share (a proportion of runs): the Wilson score interval, ``scipy.stats.binomtest(k, n).proportion_ci``.
  It stays within [0, 1] and is not [0, 0] when nothing happened (0 of 200: [0, 1.9%]).
- the mean of a bounded outcome (an index from 0 to 100, a payoff): the percentile bootstrap,
  ``scipy.stats.bootstrap``, seeded by the caller, so the same seed gives the same interval; a
  percentile interval never leaves the range of the values.
- a paired difference of a binary outcome (run r of two variants on common seeds): the exact McNemar
  test (``scipy.stats.binomtest`` on the discordant pairs, the same p-value as statsmodels'
  ``mcnemar(exact=True)``) and an interval that never excludes zero unless that test rejects; see
  `paired_binary`.
- a paired difference of a continuous outcome: the paired t interval and test,
  ``scipy.stats.ttest_1samp`` on the differences.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import stats

LEVEL = 0.95
RESAMPLES = 9999     # bootstrap resamples


class Estimate(NamedTuple):
    """A point estimate, its 95% interval, the p-value of its test (NaN where none is natural), the method."""

    value: float
    low: float
    high: float
    p_value: float
    method: str


def share_interval(successes: int, trials: int) -> tuple[float, float]:
    """Wilson score 95% interval of `successes` out of `trials` (scipy)."""
    if trials <= 0:
        return float("nan"), float("nan")
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(LEVEL, method="wilson")
    return float(ci.low), float(ci.high)


def median_interval(x: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Distribution-free 95% interval of the median of `x` along `axis`: the order statistics of ranks j and
    n - j + 1, j the binomial(n, 1/2) 2.5% quantile (scipy), which cover the median with probability at least
    95% whatever the distribution (the Monte Carlo error of a median curve)."""
    n = x.shape[axis]
    j = max(int(stats.binom.ppf((1 - LEVEL) / 2, n, 0.5)), 1)
    ordered = np.sort(x, axis=axis)
    return np.take(ordered, j - 1, axis=axis), np.take(ordered, n - j, axis=axis)


def share(x: np.ndarray) -> Estimate:
    """Share of the runs where `x` (0 or 1 per run) is 1, with its Wilson interval."""
    n, k = int(x.size), int(np.count_nonzero(x))
    low, high = share_interval(k, n)
    return Estimate(k / n if n else float("nan"), low, high, float("nan"), "wilson")


def bootstrap_mean(x: np.ndarray, rng: np.random.Generator) -> Estimate:
    """Mean of `x` with its percentile-bootstrap 95% interval (scipy, `RESAMPLES` resamples drawn from `rng`)."""
    x = np.asarray(x, dtype=np.float64)
    mean = float(x.mean())
    if x.size < 2 or np.ptp(x) == 0:       # no variation to resample: the interval is the value itself
        return Estimate(mean, mean, mean, float("nan"), "bootstrap_percentile")
    ci = stats.bootstrap((x,), np.mean, n_resamples=RESAMPLES, confidence_level=LEVEL, method="percentile",
                         rng=rng).confidence_interval
    return Estimate(mean, float(ci.low), float(ci.high), float("nan"), "bootstrap_percentile")


def paired_binary(base: np.ndarray, other: np.ndarray) -> Estimate:
    """Difference of two shares measured on the same runs (other - base), with the exact McNemar test.

    Only the discordant runs carry information: b runs where only `base` has the outcome, c where only
    `other` has it, m = b + c of n. The difference is (c - b) / n = delta (2 pi - 1), with delta the
    share of discordant runs and pi = c / m the share of them that go to `other`.
    p-value: the exact McNemar test, a two-sided binomial test of c out of m against 1/2 (scipy).
    Interval: Clopper-Pearson (exact) intervals for delta (m of n) and for pi (c of m), each at 97.5%,
    so that both hold together with at least 95% (Bonferroni); the interval is the range of
    delta (2 pi - 1) over them. It is conservative, it stays within [-1, 1], it is not [0, 0] when
    no run differs (|difference| <= delta), and it excludes zero only when the 97.5% interval of pi
    excludes 1/2, that is when the exact test's p-value is below 0.025: it never excludes zero
    when McNemar's test does not reject at 5%.
    """
    base, other = np.asarray(base) > 0, np.asarray(other) > 0
    n = int(base.size)
    b, c = int(np.count_nonzero(base & ~other)), int(np.count_nonzero(other & ~base))
    m = b + c
    diff = (c - b) / n
    p = float(stats.binomtest(c, m, 0.5).pvalue) if m else 1.0
    half = 1 - (1 - LEVEL) / 2
    d = stats.binomtest(m, n).proportion_ci(half, method="exact")
    d_low, d_high = float(d.low), float(d.high)
    if m:
        s = stats.binomtest(c, m).proportion_ci(half, method="exact")
        lo_pi, hi_pi = float(s.low), float(s.high)
    else:
        lo_pi, hi_pi = 0.0, 1.0
    low = min(d_low * (2 * lo_pi - 1), d_high * (2 * lo_pi - 1))
    high = max(d_low * (2 * hi_pi - 1), d_high * (2 * hi_pi - 1))
    return Estimate(diff, low, high, p, "mcnemar_exact")


def paired_continuous(base: np.ndarray, other: np.ndarray) -> Estimate:
    """Mean of other - base over the same runs, with the paired t 95% interval and p-value (scipy)."""
    diff = np.asarray(other, dtype=np.float64) - np.asarray(base, dtype=np.float64)
    mean = float(diff.mean())
    if diff.size < 2 or np.ptp(diff) == 0:   # every run differs by the same amount: nothing varies
        return Estimate(mean, mean, mean, 1.0 if mean == 0 else float("nan"), "paired_t")
    test = stats.ttest_1samp(diff, 0.0)
    ci = test.confidence_interval(LEVEL)
    return Estimate(mean, float(ci.low), float(ci.high), float(test.pvalue), "paired_t")
