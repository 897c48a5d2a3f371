"""The counter-based monthly shocks of :mod:`sim.core.kernel`."""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim.core.context import spawn_streams
from sim.core.kernel import DRAW_ROWS, HIRE_ROW, SHOCK_ROWS, monthly_draws, stream_key

MONTH = 2018 * 12 + 3


def key(seed: int) -> np.uint64:
    """The shock key of a run with root seed ``seed``."""
    return np.uint64(stream_key(spawn_streams(seed, ("mesa", "arrivals", "founders", "dynamics"))["dynamics"]))


def test_same_seed_gives_identical_shocks_and_other_seeds_differ():
    slots = np.arange(5_000, dtype=np.int64)
    first = monthly_draws(key(7), slots, MONTH)
    assert first.shape == (DRAW_ROWS, slots.size)
    np.testing.assert_array_equal(first, monthly_draws(key(7), slots, MONTH))
    other = monthly_draws(key(8), slots, MONTH)
    assert (first != other).mean() > 0.999
    next_month = monthly_draws(key(7), slots, MONTH + 1)
    assert (first != next_month).mean() > 0.999


def test_a_slots_shocks_do_not_depend_on_which_other_slots_are_alive():
    rng = np.random.default_rng(3)
    everyone = np.arange(20_000, dtype=np.int64)
    alive = np.sort(rng.choice(everyone, size=3_000, replace=False))
    few = alive[::7]
    full = monthly_draws(key(1), everyone, MONTH)
    np.testing.assert_array_equal(monthly_draws(key(1), alive, MONTH), full[:, alive])
    np.testing.assert_array_equal(monthly_draws(key(1), few, MONTH), full[:, few])
    assert monthly_draws(key(1), np.zeros(0, dtype=np.int64), MONTH).shape == (DRAW_ROWS, 0)


def test_rows_are_standard_normal_and_uniform_and_uncorrelated():
    draws = monthly_draws(key(2), np.arange(200_000, dtype=np.int64), MONTH)
    for row in range(SHOCK_ROWS):
        assert stats.kstest(draws[row], "norm").pvalue > 1e-3, row
    assert stats.kstest(draws[HIRE_ROW], "uniform").pvalue > 1e-3
    counts = np.histogram(draws[HIRE_ROW], bins=50, range=(0.0, 1.0))[0]
    assert stats.chisquare(counts).pvalue > 1e-3
    assert ((draws[HIRE_ROW] >= 0.0) & (draws[HIRE_ROW] < 1.0)).all()
    correlation = np.corrcoef(draws) - np.eye(DRAW_ROWS)
    assert np.abs(correlation).max() < 0.015  # about 6 standard errors of 200,000 pairs
    # the same slot in successive months is uncorrelated too
    later = monthly_draws(key(2), np.arange(200_000, dtype=np.int64), MONTH + 1)
    assert abs(np.corrcoef(draws[0], later[0])[0, 1]) < 0.015
