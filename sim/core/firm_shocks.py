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

All of it is numpy arithmetic over the live firms, about 100 numpy calls a month whatever their
number (the uniform's word and both pairs' first attempts in one pass, the firms still outside
the circle in two or three rounds of several attempts each, see :func:`_polar_tail`), and no
trigonometry (numpy's float64 sine and cosine are ten times slower than its logarithm here).
Until session 4 the model drew five numbers for every founder who had ever arrived, alive or not.

Because the shocks depend on nothing the month changes, the model asks for next month's shocks of
the month's survivors as soon as it knows them (:meth:`FirmShocks.prepare`); in a large single run a
background thread computes them meanwhile (:mod:`sim.core.lookahead`), and next month only its new
firms' shocks remain to compute. The numbers are the same with or without it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import numpy as np

from sim.core.lookahead import LOOKAHEAD, Ahead, give_way

if TYPE_CHECKING:
    from sim.core.shared_draws import KeptShocks

SHOCK_ROWS = 4
"""Rows of standard normal shocks per live firm and month: transitory productivity, revenue noise,
permanent productivity, non-economic exit."""
DRAW_ROWS = SHOCK_ROWS + 1
"""Rows per live firm and month: the :data:`SHOCK_ROWS` normals and the hiring uniform."""
HIRE_ROW = SHOCK_ROWS
"""Row of the hiring and shedding uniform."""
BLOCK = 32_768
"""Firms per block of the computation (a performance setting: 768 KB per temporary array of the
block's first three words, measured best among 16,384-65,536 at 126,000 live firms; the results
do not depend on it)."""
TAIL_WORDS = 4_096
"""Words per round of the polar method's further attempts (a performance setting: the firms still
without a point after the first attempt take ``TAIL_WORDS // firms`` attempts at once; the results
do not depend on it)."""
ROUND_ATTEMPTS = 16
"""At most this many attempts per firm in a round (a performance setting; after 16 attempts
a firm is still outside the circle with probability 0.215**16, 2e-11)."""

_MASK64 = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S11, _S27, _S30, _S31 = (np.uint64(k) for k in (11, 27, 30, 31))
_FIRST_WORDS = np.array([[(_GAMMA * c) & _MASK64] for c in (1, 2, 3)], dtype=np.uint64)
"""``GAMMA * c`` modulo 2**64 for words c = 1, 2, 3 (the uniform, attempt 0 of pairs 0 and 1), a column."""
_TWO_GAMMA = np.uint64((2 * _GAMMA) & _MASK64)
_HIGH, _LOW = (1, 0) if sys.byteorder == "little" else (0, 1)
"""Positions of a ``uint64``'s high and low 32-bit halves in its ``uint32`` view."""
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

    def __init__(self, key: int, kept: KeptShocks | None = None) -> None:
        """Args:
        key: The run's 64-bit key (:func:`stream_key`).
        kept: Shocks of this key kept for the runs of one seed (:mod:`sim.core.shared_draws`):
            :meth:`draws` takes them from there, and computes and keeps the others.
        """
        self.key = int(key) & _MASK64
        self.kept = kept
        self._slot_hash = np.zeros(0, dtype=np.uint64)
        self._prepared: tuple[np.ndarray, int, Ahead[np.ndarray]] | None = None

    def slot_hashes(self, slots: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``mix(key + GAMMA * (slot + 1))`` of ``slots`` (kept for the slots seen so far), into
        ``out`` if given.
        """
        if slots.size == 0:
            return np.zeros(0, dtype=np.uint64) if out is None else out
        needed = int(slots.max()) + 1
        if needed > self._slot_hash.size:
            start = self._slot_hash.size
            fresh = np.arange(start + 1, max(needed, 2 * start) + 1, dtype=np.uint64)
            fresh *= _word(_GAMMA)
            fresh += _word(self.key)
            self._slot_hash = np.concatenate([self._slot_hash, mix(fresh)])
        # every slot is in the table (extended above): with mode "clip" numpy writes into ``out``
        # directly, with the default "raise" it gathers into a buffer first (at 16x 0.64 against 0.38 ms)
        return np.take(self._slot_hash, slots, out=out, mode="clip")

    def prepare(self, slots: np.ndarray, month: int) -> None:
        """Start computing the shocks of firm ``slots`` in ``month`` in a background thread
        (:mod:`sim.core.lookahead`), so that a later :meth:`draws` of ``month`` whose slots begin
        with ``slots`` only computes the rest. The values are those :meth:`draws` computes
        directly, each column depending on its slot alone. Does nothing when the look-ahead is
        off or not worth a thread for this many firms.
        """
        self._discard_prepared()
        if self.kept is not None or not LOOKAHEAD.worth_it(slots.size):
            return
        slots = slots.copy()  # the caller's array may change meanwhile
        self.slot_hashes(slots[np.argmax(slots), None])  # extend the kept hashes here, not in the thread
        room = slots.size + slots.size // 8  # for next month's new firms (about 4% of the live ones)
        buffer = np.empty((DRAW_ROWS, room))

        def fill() -> np.ndarray:
            self._fill(buffer, 0, slots, month)
            return buffer

        self._prepared = (slots, month, Ahead(fill, name="firm-shocks-ahead"))

    def draws(self, slots: np.ndarray, month: int) -> np.ndarray:
        """The shocks of firm ``slots`` in absolute ``month``: shape (:data:`DRAW_ROWS`, n), column j
        for ``slots[j]``; rows 0-3 standard normals, row :data:`HIRE_ROW` uniforms in [0, 1).

        Takes kept shocks when the run shares them (:mod:`sim.core.shared_draws`). Otherwise uses
        the columns :meth:`prepare` computed ahead when its slots are the first of ``slots``
        (and the rest fit its buffer); otherwise computes all. The result may be a view whose
        rows are contiguous.
        """
        if self.kept is not None:
            shared = self.kept.draws(slots, month, lambda out, some: self._fill(out, 0, some, month))
            if shared is not None:
                return shared
        n = slots.size
        prepared, self._prepared = self._prepared, None
        if prepared is not None:
            prepared_slots, prepared_month, ahead = prepared
            done, buffer = prepared_slots.size, ahead.result()
            if (prepared_month == month and done <= n <= buffer.shape[1]
                    and np.array_equal(prepared_slots, slots[:done])):
                self._fill(buffer, done, slots[done:], month)
                return buffer[:, :n]
        out = np.empty((DRAW_ROWS, n))
        self._fill(out, 0, slots, month)
        return out

    def _discard_prepared(self) -> None:
        """Wait for and drop a prepared computation that was not used."""
        if self._prepared is not None:
            self._prepared[2].result()
            self._prepared = None

    def _fill(self, out: np.ndarray, first: int, slots: np.ndarray, month: int) -> None:
        """Write the shocks of firm ``slots`` in ``month`` into columns ``first``, ``first + 1``, ...
        of ``out`` (C-contiguous, :data:`DRAW_ROWS` rows).

        The uniform and the first polar attempts are computed in blocks of :data:`BLOCK` firms,
        whose temporaries stay in the processor's cache (about 30% less time at 16x than whole
        arrays); the further attempts of the few firms that need them, once for the call
        (:func:`_polar_tail`). Each column depends on its slot only.
        """
        n = slots.size
        h = np.empty(n, dtype=np.uint64)  # the firms' month hashes
        pairs, firms = [], []  # per block: (pair, firm) whose first point is outside the circle
        for start in range(0, n, BLOCK):
            give_way()  # to a second half of the month's rules, when this runs ahead
            block = slice(start, min(start + BLOCK, n))
            hashes = h[block]
            self.slot_hashes(slots[block], out=hashes)
            hashes += _word(_GAMMA * (month + 1))
            mix(hashes)
            columns = slice(first + block.start, first + block.stop)
            pair, firm = np.divmod(_first_attempts(hashes, out[:, columns]), hashes.size)
            firm += start
            pairs.append(pair)
            firms.append(firm)
        if n:
            _polar_tail(h, np.concatenate(pairs), np.concatenate(firms), out, first)


def _first_attempts(h: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The uniform (word 1) and attempt 0 of both polar pairs (words 2, 3) of the firms with month
    hashes ``h`` into ``out`` (rows as :meth:`FirmShocks.draws`, normals right where the point is
    inside the unit circle).

    Returns:
        The entries ``pair * n + firm`` (n = ``h.size``) whose point is outside the circle (21.5%).
    """
    words = h + _FIRST_WORDS  # (3, n): words 1, 2, 3
    mix(words)
    hire = words[0]
    hire >>= _S11
    np.multiply(hire, _UNIT53, out=out[HIRE_ROW])
    first, second = out[0:SHOCK_ROWS:2], out[1:SHOCK_ROWS:2]  # rows (0, 2) and (1, 3)
    r2 = _point(words[1:], first, second)
    with np.errstate(invalid="ignore"):  # NaN for the points outside, overwritten by the tail
        factor = _polar_factor(r2)
    first *= factor
    second *= factor
    return np.flatnonzero(r2 >= 1.0)


def _point(words: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The points ``v = 2 (half + 0.5) * 2**-32 - 1`` of the (high, low) 32-bit halves of ``words``
    into ``first``, ``second`` (exact in float64); returns ``r2 = first**2 + second**2``.
    """
    halves = words.view(np.uint32)
    for v, half in ((first, _HIGH), (second, _LOW)):
        np.multiply(halves[..., half::2], 2.0 * _UNIT32, out=v)
        v += _UNIT32 - 1.0
    r2 = first * first
    r2 += second * second
    return r2


def _polar_factor(r2: np.ndarray) -> np.ndarray:
    """``sqrt(-2 log(r2) / r2)``, the polar method's scale of a point inside the unit circle."""
    factor = np.log(r2)
    factor *= -2.0
    factor /= r2
    np.sqrt(factor, out=factor)
    return factor


def _polar_tail(h: np.ndarray, pair: np.ndarray, firm: np.ndarray, out: np.ndarray, first: int = 0) -> None:
    """The further polar attempts of the entries (``pair``, ``firm``) whose first point fell
    outside the unit circle, firms of the month hashes ``h``, into ``out`` (C-contiguous, rows as
    :meth:`FirmShocks.draws`, firm j in column ``first + j``): attempt a of pair p takes the point
    of word ``2 + p + 2a``, the first attempt inside the circle gives the pair (rows 2p, 2p + 1).

    Each round takes, for the entries still without a point, the next
    ``max(1, TAIL_WORDS // entries)`` attempts (at most :data:`ROUND_ATTEMPTS`) at once and keeps
    each entry's first point inside (rounds of the whole remainder, not one numpy pass per
    attempt). The values are those of trying the attempts one by one.
    """
    if firm.size == 0:
        return
    columns = out.shape[1]
    base = h[firm]
    base += _FIRST_WORDS[1 + pair, 0]  # word 2 + pair of each entry
    position = pair * (2 * columns)
    position += firm
    position += first  # of row 2 pair, column first + firm, in out's flat layout
    flat = out.reshape(-1)  # a view: out is C-contiguous
    attempt = 1
    while True:
        k = min(ROUND_ATTEMPTS, max(1, TAIL_WORDS // base.size))
        steps = np.arange(attempt, attempt + k, dtype=np.uint64)
        steps *= _TWO_GAMMA  # GAMMA * 2a modulo 2**64
        words = base[:, None] + steps  # (entries, k): words 2 + pair + 2a of attempts a .. a + k - 1
        mix(words)
        v1, v2 = np.empty(words.shape), np.empty(words.shape)
        r2 = _point(words, v1, v2)
        pick = np.flatnonzero(r2 < 1.0)  # points inside, entry by entry, attempts in order
        if k == 1:  # one attempt per entry (the large early rounds): each point inside is the first
            got = pick
        else:
            entry = pick // k
            first_of_entry = np.empty(pick.size, dtype=bool)
            first_of_entry[:1] = True
            np.not_equal(entry[1:], entry[:-1], out=first_of_entry[1:])
            pick, got = pick[first_of_entry], entry[first_of_entry]  # each entry's first point inside
        factor = _polar_factor(r2.ravel()[pick])
        at = position[got]
        flat[at] = v1.ravel()[pick] * factor
        at += columns  # row 2 pair + 1
        flat[at] = v2.ravel()[pick] * factor
        if got.size == base.size:
            return
        missed = np.ones(base.size, dtype=bool)
        missed[got] = False
        missed = np.flatnonzero(missed)
        base, position = base[missed], position[missed]
        attempt += k
