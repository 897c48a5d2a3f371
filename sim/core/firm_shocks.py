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
    word(c) = mix(h + GAMMA * c)                     # c = 1, 2, 3

with ``GAMMA = 0x9E3779B97F4A7C15`` and ``mix(z)`` SplitMix64's two xor-shift-multiply rounds.
Word 1 gives the hiring uniform ``(word >> 11) * 2**-53`` in [0, 1). Words 2 and 3 each give a
pair of normals by the Box-Muller transform of their two 32-bit halves,
``u_a = (high + 0.5) * 2**-32`` and ``u_b = (low + 0.5) * 2**-32`` (both strictly inside (0, 1)):
``sqrt(-2 log u_a) * (cos, sin)(2 pi u_b)``; word 2 gives rows 0 and 1, word 3 rows 2 and 3. The
32-bit halves bound the normals at about 6.8 standard deviations (a chance of 1e-11 a draw).

All of it is numpy arithmetic over the live firms (some 40 operations a month; about half the
time of drawing five numbers for every founder who ever arrived, as the model did until session 4,
at every scale). ``tests/test_firm_shocks.py`` checks determinism, independence from the other live
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

_MASK64 = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S11, _S27, _S30, _S31, _S32 = (np.uint64(k) for k in (11, 27, 30, 31, 32))
_LOW32 = np.uint64(0xFFFFFFFF)
_UNIT53, _UNIT32 = 2.0**-53, 2.0**-32


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
        """
        out = np.empty((DRAW_ROWS, slots.size))
        h = self.slot_hashes(slots)
        h += _word(_GAMMA * (month + 1))
        mix(h)
        word = h + _word(_GAMMA)
        np.multiply(mix(word) >> _S11, _UNIT53, out=out[HIRE_ROW])
        for pair in range(SHOCK_ROWS // 2):
            np.add(h, _word(_GAMMA * (pair + 2)), out=word)
            mix(word)
            radius = (word >> _S32).astype(np.float64)
            radius += 0.5
            radius *= _UNIT32
            np.log(radius, out=radius)
            radius *= -2.0
            np.sqrt(radius, out=radius)
            angle = (word & _LOW32).astype(np.float64)
            angle += 0.5
            angle *= 2.0 * np.pi * _UNIT32
            np.cos(angle, out=out[2 * pair])
            out[2 * pair] *= radius
            np.sin(angle, out=out[2 * pair + 1])
            out[2 * pair + 1] *= radius
        return out
