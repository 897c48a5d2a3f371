"""The month's firm shocks: a counter-based generator evaluated for the live firms only.

Each month every live firm needs four standard normals (transitory productivity, revenue noise,
permanent productivity, non-economic exit) and one uniform (the random rounding of hiring and
shedding). They are a pure function of ``(key, slot, month)``: no generator state advances, so a
firm slot gets the same shocks in every scenario run with the same seed whatever else is alive
(common random numbers hold exactly), and only live firms are evaluated. The 64-bit ``key`` is the
first ``uint64`` the model's ``dynamics`` generator draws (spawned from the run's
``SeedSequence``). Words are hashed with the SplitMix64 finaliser (Steele, Lea & Flood 2014,
"Fast splittable pseudorandom number generators", the output function of
``java.util.SplittableRandom``), all arithmetic modulo 2**64::

    h_slot = mix(key + GAMMA * (slot + 1))          # once per slot, kept
    h = mix(h_slot + GAMMA * (month + 1))            # month: absolute (sim.calendar)
    word(c) = mix(h + GAMMA * c)                     # c = 1, 2, 3, ...

with ``GAMMA = 0x9E3779B97F4A7C15`` and ``mix(z)`` SplitMix64's two xor-shift-multiply rounds.
Word 1 gives the hiring uniform ``(word >> 11) * 2**-53`` in [0, 1). The normals come in two
pairs by Marsaglia's polar method: pair p (rows 2p and 2p + 1) takes the point
``v = 2 (half + 0.5) * 2**-32 - 1`` of the two 32-bit halves (high, low) of word ``2 + p + 2a`` for
attempts a = 0, 1, ... until it falls inside the unit circle (``r2 = v1**2 + v2**2 < 1``; 78.5% of
points do), and gives ``v * sqrt(-2 log(r2) / r2)``. On the grid of 32-bit halves the normals are
bounded at about 9.3 standard deviations.

All of it is numpy arithmetic over the live firms: some 50 operations a month and no trigonometry
(numpy's float64 sine and cosine are ten times slower than its logarithm here). Until session 4
the model drew five numbers for every founder who had ever arrived, alive or not.
``tests/test_firm_shocks.py`` checks the definition, determinism, independence from the other live
slots, the distributions (Kolmogorov-Smirnov, chi-square, correlations) and that seeds and months
differ.
"""

from __future__ import annotations

import numpy as np

SHOCK_ROWS = 4
"""Rows of standard normal shocks per live firm and month: transitory productivity, revenue noise,
permanent productivity, non-economic exit."""
DRAW_ROWS = SHOCK_ROWS + 1
"""Rows per live firm and month: the :data:`SHOCK_ROWS` normals and the hiring uniform."""
HIRE_ROW = SHOCK_ROWS
"""Row of the hiring and shedding uniform."""
BLOCK = 65_536
"""Firms per block of the computation (a performance setting: 512 KB per temporary array, measured
best among 8,192-65,536 at 130,000-275,000 live firms; the results do not depend on it)."""

_MASK64 = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S11, _S27, _S30, _S31, _S32 = (np.uint64(k) for k in (11, 27, 30, 31, 32))
_LOW32 = np.uint64(0xFFFFFFFF)
_UNIT53, _UNIT32 = 2.0**-53, 2.0**-32


def _centred(half: np.ndarray) -> np.ndarray:
    """32-bit halves as points of (-1, 1): ``2 (half + 0.5) / 2**32 - 1``, exact in float64."""
    v = half.astype(np.float64)
    v *= 2.0 * _UNIT32
    v += _UNIT32 - 1.0
    return v


def _word(value: int) -> np.uint64:
    """``value`` modulo 2**64 as a numpy ``uint64``."""
    return np.uint64(value & _MASK64)


def mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser applied in place to the ``uint64`` array ``z`` (returned)."""
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


def stream_key(rng: np.random.Generator) -> int:
    """The 64-bit key of the monthly shocks: the first ``uint64`` the ``dynamics`` generator draws."""
    return int(rng.integers(0, 2**64, dtype=np.uint64, endpoint=False))


class FirmShocks:
    """The monthly shocks of one run (see the module docstring)."""

    def __init__(self, key: int) -> None:
        """Args:
        key: The run's 64-bit key (:func:`stream_key`).
        """
        self.key = int(key) & _MASK64
        self._slot_hash = np.zeros(0, dtype=np.uint64)

    def slot_hashes(self, slots: np.ndarray) -> np.ndarray:
        """``mix(key + GAMMA * (slot + 1))`` of ``slots`` (kept for the slots seen so far)."""
        if slots.size == 0:
            return np.zeros(0, dtype=np.uint64)
        needed = int(slots.max()) + 1
        if needed > self._slot_hash.size:
            start = self._slot_hash.size
            fresh = np.arange(start + 1, max(needed, 2 * start) + 1, dtype=np.uint64)
            fresh *= _word(_GAMMA)
            fresh += _word(self.key)
            self._slot_hash = np.concatenate([self._slot_hash, mix(fresh)])
        return self._slot_hash[slots]

    def draws(self, slots: np.ndarray, month: int) -> np.ndarray:
        """The shocks of firm ``slots`` in absolute ``month``: shape (:data:`DRAW_ROWS`, n), column j
        for ``slots[j]``; rows 0-3 standard normals, row :data:`HIRE_ROW` uniforms in [0, 1).

        Computed in blocks of :data:`BLOCK` firms, whose temporaries stay in the processor's cache
        (about 30% less time at 16x than whole arrays); each column depends on its slot only.
        """
        out = np.empty((DRAW_ROWS, slots.size))
        for start in range(0, slots.size, BLOCK):
            self._draw_block(slots[start : start + BLOCK], month, out[:, start : start + BLOCK])
        return out

    def _draw_block(self, slots: np.ndarray, month: int, out: np.ndarray) -> None:
        """:meth:`draws` of ``slots`` into ``out``."""
        h = self.slot_hashes(slots)
        h += _word(_GAMMA * (month + 1))
        mix(h)
        word = h + _word(_GAMMA)
        np.multiply(mix(word) >> _S11, _UNIT53, out=out[HIRE_ROW])
        for pair in range(SHOCK_ROWS // 2):
            self._polar_pair(h, pair, out[2 * pair], out[2 * pair + 1])

    @staticmethod
    def _polar_pair(h: np.ndarray, pair: int, first: np.ndarray, second: np.ndarray) -> None:
        """Normals of rows ``2 pair`` and ``2 pair + 1`` by Marsaglia's polar method into ``first``,
        ``second``: attempt a takes the point of word ``2 + pair + 2a``; the firms whose point falls
        outside the unit circle (21.5% per attempt) try again with the next word.
        """
        todo = None  # None: every firm; else the indices (into h) of the firms still without a point
        attempt = 0
        while True:
            part = h if todo is None else h[todo]
            word = part + _word(_GAMMA * (2 + pair + 2 * attempt))
            mix(word)
            v1, v2 = _centred(word >> _S32), _centred(word & _LOW32)
            r2 = v1 * v1
            r2 += v2 * v2
            outside = r2 >= 1.0
            np.putmask(r2, outside, 0.5)  # any value inside: these firms' results are overwritten
            factor = np.log(r2)
            factor *= -2.0
            factor /= r2
            np.sqrt(factor, out=factor)
            v1 *= factor
            v2 *= factor
            if todo is None:
                first[:], second[:] = v1, v2
                todo = np.flatnonzero(outside)
            else:
                inside = ~outside
                first[todo[inside]], second[todo[inside]] = v1[inside], v2[inside]
                todo = todo[outside]
            if todo.size == 0:
                return
            attempt += 1
