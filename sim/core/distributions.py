"""The distribution functions a run needs, in numpy without SciPy: the standard normal quantile
(inverse CDF) and the Poisson CDF.

Founders' attributes are drawn at arrival as uniforms and turned into normals and team sizes by
inverse CDFs (:mod:`sim.core.population`); the chance of a non-economic exit becomes a normal
threshold (:mod:`sim.core.firms`). ``scipy.special.ndtri`` and ``pdtr`` did this until session 5, but
importing ``scipy.special`` costs about 0.3 s, a third of a whole ``startup-sim run`` at 1x.

:func:`normal_quantile` is Wichura's algorithm AS241 (PPND16: Wichura, M. J. 1988, "Algorithm AS241:
The percentage points of the normal distribution", *Applied Statistics* 37(3): 477-484), the rational
approximations with about 16 significant digits that Python's ``statistics.NormalDist.inv_cdf`` also
uses, written for numpy arrays: a central region ``|p - 0.5| <= 0.425`` and two tail regions in
``r = sqrt(-log(min(p, 1 - p)))``, split at ``r = 5``. ``tests/test_normal_quantile.py`` checks it
against ``scipy.special.ndtri`` and ``statistics.NormalDist``; :func:`poisson_cdf` is the running sum of
the probabilities by their recurrence, checked against ``scipy.special.pdtr``.
"""

from __future__ import annotations

import numpy as np

CENTRAL_HALF_WIDTH = 0.425
"""Central region ``|p - 0.5| <= 0.425`` of AS241 (Wichura 1988)."""
TAIL_SPLIT = 5.0
"""Tail regions of AS241 split at ``r = sqrt(-log(min(p, 1 - p))) = 5`` (Wichura 1988)."""

# Coefficients of AS241 (Wichura 1988), highest power first; each denominator's constant term is 1.
_CENTRAL_NUM = (
    2.5090809287301226727e3, 3.3430575583588128105e4, 6.7265770927008700853e4, 4.5921953931549871457e4,
    1.3731693765509461125e4, 1.9715909503065514427e3, 1.3314166789178437745e2, 3.3871328727963666080e0,
)
_CENTRAL_DEN = (
    5.2264952788528545610e3, 2.8729085735721942674e4, 3.9307895800092710610e4, 2.1213794301586595867e4,
    5.3941960214247511077e3, 6.8718700749205790830e2, 4.2313330701600911252e1, 1.0,
)
_NEAR_NUM = (
    7.7454501427834140764e-4, 2.2723844989269184583e-2, 2.4178072517745061177e-1, 1.2704582524523683826e0,
    3.6478483247632046050e0, 5.7694972214606914055e0, 4.6303378461565452959e0, 1.4234371107496835773e0,
)
_NEAR_DEN = (
    1.0507500716444168432e-9, 5.4759380849953449460e-4, 1.5198666563616457197e-2, 1.4810397642748007459e-1,
    6.8976733498510000455e-1, 1.6763848301838038494e0, 2.0531916266377588219e0, 1.0,
)
_FAR_NUM = (
    2.0103343992922881327e-7, 2.7115555687434875782e-5, 1.2426609473880784386e-3, 2.6532189526576123093e-2,
    2.9656057182850489123e-1, 1.7848265399172913358e0, 5.4637849111641143699e0, 6.6579046435011037772e0,
)
_FAR_DEN = (
    2.0442631033899397856e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5, 7.8686913114561325910e-4,
    1.4875361290850614853e-2, 1.3692988092273580531e-1, 5.9983220655588793769e-1, 1.0,
)
_CENTRAL_SHIFT = CENTRAL_HALF_WIDTH**2  # 0.180625
_NEAR_SHIFT = 1.6  # AS241's centring of the near tail
# numerator and denominator side by side: item k is the (2, 1) column of both coefficients of power 7 - k
_CENTRAL = tuple(np.array([_CENTRAL_NUM, _CENTRAL_DEN]).T[:, :, None])
_NEAR = tuple(np.array([_NEAR_NUM, _NEAR_DEN]).T[:, :, None])
_FAR = tuple(np.array([_FAR_NUM, _FAR_DEN]).T[:, :, None])


def _ratio(
    coefficients: tuple[np.ndarray, ...], r: np.ndarray, numerator_factor: np.ndarray | None = None
) -> np.ndarray:
    """Numerator (times ``numerator_factor``, if given) over denominator of AS241's rational
    function with ``coefficients`` (columns of (numerator, denominator); highest power first) at
    ``r``, both polynomials by Horner's rule in one pass over a (2, n) array.
    """
    value = coefficients[0] * r  # Horner's first step, (c0) r + c1, without a copy of c0 first
    value += coefficients[1]
    for column in coefficients[2:]:
        value *= r
        value += column
    if numerator_factor is not None:
        value[0] *= numerator_factor
    return value[0] / value[1]


def normal_quantile(p: np.ndarray | float) -> np.ndarray:
    """Standard normal quantile of probabilities ``p`` (AS241; ``-inf`` at 0, ``inf`` at 1, NaN outside).

    Args:
        p: Probabilities (any shape). One call on all of a month's draws costs far less than one
            call per column (numpy's overhead per operation dominates at a few hundred values).

    Returns:
        Float64 array of the shape of ``p``.
    """
    p = np.asarray(p, dtype=np.float64)
    flat = p.ravel()
    q = flat - 0.5
    out = np.empty_like(flat)
    central = np.abs(q) <= CENTRAL_HALF_WIDTH
    c = np.flatnonzero(central)
    if c.size:
        qc = q[c]
        out[c] = _ratio(_CENTRAL, _CENTRAL_SHIFT - qc * qc, numerator_factor=qc)
    t = np.flatnonzero(~central)
    if t.size:
        qt, pt = q[t], flat[t]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.sqrt(-np.log(np.where(qt <= 0.0, pt, 1.0 - pt)))
            near = r <= TAIL_SPLIT
            if near.all():
                x = _ratio(_NEAR, r - _NEAR_SHIFT)
            else:
                x = np.empty_like(r)
                x[near] = _ratio(_NEAR, r[near] - _NEAR_SHIFT)
                x[~near] = _ratio(_FAR, r[~near] - TAIL_SPLIT)
        np.negative(x, out=x, where=qt < 0.0)
        if not ((pt > 0.0) & (pt < 1.0)).all():  # the limits, and NaN outside [0, 1]
            x[pt == 0.0] = -np.inf
            x[pt == 1.0] = np.inf
            x[(pt < 0.0) | (pt > 1.0) | np.isnan(pt)] = np.nan
        out[t] = x
    return out.reshape(p.shape)


def poisson_cdf(counts: int, mean: float) -> np.ndarray:
    """Poisson CDF with ``mean`` at 0, 1, ..., ``counts - 1``: the running sum of the probabilities
    ``exp(-mean) mean**k / k!``, each from the one before (``p_k = p_(k-1) mean / k``).

    Args:
        counts: Number of points (at least 1).
        mean: Poisson mean (at most about 700, where ``exp(-mean)`` underflows).
    """
    ratios = np.empty(counts)
    ratios[0] = np.exp(-mean)
    ratios[1:] = mean / np.arange(1, counts)
    return np.cumsum(np.cumprod(ratios))
