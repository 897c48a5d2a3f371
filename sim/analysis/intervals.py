"""Confidence intervals over replications: means, paired differences, ratios of means and proportions.

Student-t intervals for means (:func:`mean_ci`) and paired differences (:func:`paired_diff_ci`, pairs are the
same replication of two scenarios: common random numbers); a percentile bootstrap over replications,
resampling pairs with a fixed seed, for ratios of means (:func:`ratio_of_means_ci`, e.g. fiscal cost per
additional job); Wilson score intervals for proportions (:func:`proportion_ci`, e.g. the probability of
meeting a target). The batch comparison (:mod:`sim.analysis.compare`) builds its table from them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
N_BOOTSTRAP = 2000
"""assumption: 2,000 bootstrap resamples give percentile-interval end points to about +/-1% of
the interval width (Efron & Tibshirani 1993, ch. 13 recommend >= 1,000 for percentile intervals);
range 1,000-10,000."""
BOOTSTRAP_SEED = 20240601
"""Fixed seed of the bootstrap so a comparison is reproducible (any value works)."""


class Interval(NamedTuple):
    """An estimate with its confidence interval and the number of observations used."""

    estimate: float
    low: float
    high: float
    n: int


def _finite(values: Any) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    return array[np.isfinite(array)]


def mean_ci(values: Any, confidence: float = CONFIDENCE) -> Interval:
    """Mean and Student-t confidence interval of independent replications (NaNs ignored).

    Args:
        values: One value per replication.
        confidence: Coverage of the interval.

    Returns:
        ``Interval(mean, low, high, n)``; the interval is NaN with fewer than 2 values and has
        zero width when all values are equal.
    """
    data = _finite(values)
    n = len(data)
    if n == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0)
    mean = float(data.mean())
    if n < 2:
        return Interval(mean, float("nan"), float("nan"), n)
    sem = float(data.std(ddof=1)) / np.sqrt(n)
    if sem == 0.0:
        return Interval(mean, mean, mean, n)
    half = float(stats.t.ppf(0.5 + confidence / 2.0, df=n - 1)) * sem
    return Interval(mean, mean - half, mean + half, n)


def paired_diff_ci(a: Any, b: Any, confidence: float = CONFIDENCE) -> Interval:
    """Mean of ``a - b`` over pairs (same replication) and its t-interval.

    Pairs where either value is NaN are dropped.

    Args:
        a: Values of one scenario, one per replication.
        b: Values of the other scenario for the same replications, in the same order.
        confidence: Coverage of the interval.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired values need equal lengths, got {a.shape} and {b.shape}")
    return mean_ci(a - b, confidence)


def ratio_of_means_ci(
    numerator: Any,
    denominator: Any,
    confidence: float = CONFIDENCE,
    n_boot: int = N_BOOTSTRAP,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[Interval, str]:
    """``mean(numerator) / mean(denominator)`` with a paired percentile-bootstrap interval.

    Replications are resampled with replacement as pairs ``(numerator_r, denominator_r)``.

    Args:
        numerator: Per-replication numerators (e.g. additional fiscal cost).
        denominator: Per-replication denominators (e.g. additional jobs).
        confidence: Coverage of the interval.
        n_boot: Bootstrap resamples.
        seed: Seed of the bootstrap's generator.

    Returns:
        The interval and a note: the ratio is NaN when the mean denominator is not positive
        (e.g. no additional jobs), and the note says how many resamples had a non-positive
        denominator (those are left out of the percentiles).
    """
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    keep = np.isfinite(num) & np.isfinite(den)
    num, den = num[keep], den[keep]
    n = len(num)
    if n == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0), "no data"
    mean_den = float(den.mean())
    if not mean_den > 0:
        return (Interval(float("nan"), float("nan"), float("nan"), n),
                "undefined: mean of the denominator is not positive")
    estimate = float(num.mean()) / mean_den
    if n < 2:
        return Interval(estimate, float("nan"), float("nan"), n), "ratio of means; too few pairs for an interval"
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    index = rng.integers(0, n, size=(n_boot, n))
    boot_den = den[index].mean(axis=1)
    boot_num = num[index].mean(axis=1)
    positive = boot_den > 0
    note = f"ratio of means; paired bootstrap ({n_boot} resamples)"
    if not positive.all():
        note += f"; {int((~positive).sum())} resamples with denominator <= 0 left out"
    if positive.sum() < 2:
        return Interval(estimate, float("nan"), float("nan"), n), note
    ratios = boot_num[positive] / boot_den[positive]
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(ratios, [tail, 1.0 - tail])
    return Interval(estimate, float(low), float(high), n), note


def proportion_ci(successes: int, trials: int, confidence: float = CONFIDENCE) -> Interval:
    """Share of successes and its Wilson score interval."""
    if trials == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0)
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence_level=confidence, method="wilson")
    return Interval(successes / trials, float(ci.low), float(ci.high), int(trials))


__all__ = [
    "BOOTSTRAP_SEED",
    "CONFIDENCE",
    "N_BOOTSTRAP",
    "Interval",
    "mean_ci",
    "paired_diff_ci",
    "proportion_ci",
    "ratio_of_means_ci",
]
