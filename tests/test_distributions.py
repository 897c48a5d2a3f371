"""The numpy distribution functions of a run (sim.core.distributions) against SciPy and the standard library."""

from __future__ import annotations

import statistics

import numpy as np
import pytest
from scipy.special import ndtri, pdtr

from sim.core.distributions import normal_quantile, poisson_cdf


def probabilities() -> np.ndarray:
    """Uniforms, both far tails down to the smallest doubles, and the region boundaries."""
    rng = np.random.default_rng(20261129)
    return np.concatenate([
        rng.random(100_000),
        10.0 ** -rng.uniform(0.0, 300.0, 10_000),
        1.0 - 10.0 ** -rng.uniform(1.0, 16.0, 10_000),
        [0.075, 0.925, 0.5, 1e-300, 5e-324, np.exp(-25.0)],  # 0.5 +- 0.425, centre, r = 5 split
    ])


def test_normal_quantile_matches_scipy_ndtri_to_rounding() -> None:
    p = probabilities()
    ours, scipy_value = normal_quantile(p), ndtri(p)
    assert np.all(np.isfinite(ours))
    np.testing.assert_allclose(ours, scipy_value, rtol=4e-15, atol=0.0)


def test_normal_quantile_matches_the_standard_library_within_a_few_ulp() -> None:
    p = probabilities()[::20]
    expected = np.array([statistics.NormalDist().inv_cdf(x) for x in p])
    ulp = np.abs(normal_quantile(p) - expected) / np.spacing(np.abs(expected))
    assert ulp.max() <= 8


def test_normal_quantile_limits_symmetry_and_shape() -> None:
    np.testing.assert_array_equal(normal_quantile(np.array([0.0, 1.0])), [-np.inf, np.inf])
    assert np.all(np.isnan(normal_quantile(np.array([-0.1, 1.1, np.nan]))))
    assert normal_quantile(0.5) == 0.0
    p = np.random.default_rng(3).random((40, 25))
    assert normal_quantile(p).shape == (40, 25)
    np.testing.assert_allclose(normal_quantile(1.0 - p), -normal_quantile(p), rtol=1e-12, atol=1e-15)
    assert np.all(np.diff(normal_quantile(np.sort(p.ravel()))) >= 0.0)


@pytest.mark.parametrize("mean", [0.3, 2.4, 6.0, 40.0])
def test_poisson_cdf_matches_scipy_pdtr(mean: float) -> None:
    counts = int(mean + 20 * np.sqrt(mean) + 20)
    np.testing.assert_allclose(poisson_cdf(counts, mean), pdtr(np.arange(counts), mean), rtol=0.0, atol=1e-15)
