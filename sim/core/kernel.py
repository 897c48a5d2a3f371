"""The firm-month kernel: the month's shocks and the firm rules' passes over the live firms,
compiled with numba.

The rules themselves are documented where they are called, in :class:`sim.core.firms.FirmPopulation`
(:meth:`~sim.core.firms.FirmPopulation.open_account`, ``close_account``, ``leaving``,
``hire_and_shed``); the functions here are their loops over the live firms, one pass each instead
of some sixty numpy operations with gathers and scatters through the index of live firms.

**Monthly shocks (counter-based).** Each month every live firm needs four standard normals
(transitory productivity, revenue noise, permanent productivity, non-economic exit) and one uniform
(the random rounding of hiring and shedding). They are a pure function of
``(stream key, slot, month, row)``: no generator state advances, so a firm slot gets the same
shocks in every scenario run with the same seed whatever else is alive (common random numbers
hold exactly), and only live firms are evaluated. The 64-bit stream key is the first ``uint64``
drawn from the model's ``dynamics`` generator (spawned from the run's ``SeedSequence``). The
counter is hashed with the SplitMix64 finaliser (Steele, Lea & Flood 2014, "Fast splittable
pseudorandom number generators"; the output function of ``java.util.SplittableRandom``):

    h = mix(key + GAMMA * (slot + 1));  h = mix(h + GAMMA * (month + 1));
    bits(c) = mix(h + GAMMA * c)

with ``GAMMA = 0x9E3779B97F4A7C15`` and ``mix(z)`` the two xor-shift-multiply rounds of SplitMix64
(all arithmetic modulo 2**64); ``month`` is the absolute month (:mod:`sim.calendar`). A word's
uniform is ``(bits >> 11) * 2**-53`` in [0, 1). Counter 1 gives the hiring uniform. The normals
come in two pairs by Marsaglia's polar method: pair p (rows 2p and 2p + 1) takes the points
``(2 u - 1)`` of counters ``(p + 1) * 2**32 + 2a`` and ``+ 2a + 1`` for attempts a = 0, 1, ... until
one falls strictly inside the unit circle (78.5% do at the first attempt), then
``v * sqrt(-2 log(r2) / r2)``.
``tests/test_kernel.py`` checks determinism, independence from the other live slots, the
distributions (Kolmogorov-Smirnov) and that seeds differ.

**Compilation.** Every function is ``@njit(cache=True)``: the first run compiles them (a few
seconds) and stores the machine code in numba's cache, by default the ``__pycache__`` folder of
this package (if that is not writable numba uses its per-user cache folder; ``NUMBA_CACHE_DIR``
sets another); later runs load it (see docs/performance.md for the costs).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

SHOCK_ROWS = 4
"""Rows of standard normal shocks per live firm and month: transitory productivity, revenue noise,
permanent productivity, non-economic exit."""
DRAW_ROWS = SHOCK_ROWS + 1
"""Rows per live firm and month: the :data:`SHOCK_ROWS` normals and the hiring uniform."""
HIRE_ROW = SHOCK_ROWS
"""Row of the hiring and shedding uniform."""

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_ONE, _TWO, _S32 = np.uint64(1), np.uint64(2), np.uint64(32)
_TO_UNIT = 2.0**-53


def stream_key(rng: np.random.Generator) -> int:
    """The 64-bit key of the monthly shocks: the first ``uint64`` the ``dynamics`` generator draws."""
    return int(rng.integers(0, 2**64, dtype=np.uint64, endpoint=False))


@njit(cache=True)
def _mix(z):
    """SplitMix64's output function (two xor-shift-multiply rounds), modulo 2**64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def _unit(bits):
    """A uniform in [0, 1) from the top 53 bits of a 64-bit word."""
    return float(bits >> _S11) * _TO_UNIT


@njit(cache=True)
def monthly_draws(key: np.uint64, slots: np.ndarray, month: int) -> np.ndarray:
    """The month's shocks of firm ``slots``: shape (:data:`DRAW_ROWS`, n), column j for ``slots[j]``.

    Rows 0-3 are standard normals, row 4 a uniform in [0, 1) (see the module docstring).
    """
    n = slots.size
    out = np.empty((DRAW_ROWS, n))
    month_term = _GAMMA * np.uint64(month + 1)
    for j in range(n):
        h = _mix(key + _GAMMA * (np.uint64(slots[j]) + _ONE))
        h = _mix(h + month_term)
        for pair in range(SHOCK_ROWS // 2):
            base = np.uint64(pair + 1) << _S32
            attempt = np.uint64(0)
            while True:  # Marsaglia's polar method: accept a point inside the unit circle
                v1 = 2.0 * _unit(_mix(h + _GAMMA * (base + attempt))) - 1.0
                v2 = 2.0 * _unit(_mix(h + _GAMMA * (base + attempt + _ONE))) - 1.0
                r2 = v1 * v1 + v2 * v2
                if 0.0 < r2 < 1.0:
                    break
                attempt += _TWO
            f = math.sqrt(-2.0 * math.log(r2) / r2)
            out[2 * pair, j] = v1 * f
            out[2 * pair + 1, j] = v2 * f
        out[HIRE_ROW, j] = _unit(_mix(h + _GAMMA))
    return out
