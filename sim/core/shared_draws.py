"""Draws shared by the runs of one seed: computed by the first run, reused by the others.

A batch runs every scenario with the same seed in the same replication (common random numbers).
Two parts of a run's randomness depend on that seed and not on the scenario's policy:

* the monthly firm shocks, a function of (the run's key, firm slot, month)
  (:mod:`sim.core.firm_shocks`);
* each month's nascent founders: their number and uniforms come from the ``arrivals`` and
  ``founders`` generators, which serve nothing else, and their attributes are a function of the
  uniforms and the scenario's population, behaviour and bank sections
  (:meth:`sim.core.population.FirmArrays.founders_from`).

A :class:`SharedDraws` made for one seed keeps both as runs compute them. A later run with that
seed takes the kept shocks of the slots it needs (computing and keeping the others) and, when its
population, behaviour and bank sections and its scale equal those of the run that kept them, its
founders month by month; if it needs a month nobody has drawn yet, its generators are set to where
the kept draws ended, so its numbers continue as its own would have. A run's numbers are therefore
those it computes alone, bit for bit (``tests/test_shared_draws.py``).

Batch workers run the scenarios of one replication one after another with one
:class:`SharedDraws` (:func:`sim.experiments.jobs.execute_paired_jobs`). Measured at scale 1 (Putuo
baseline, 2-core VM): alone, a run spends 36 ms on its firm shocks and 22 ms on its arrivals; sharing,
the first run of a seed spends 45 and 24 ms (keeping costs fresh memory), a later run 9-17 ms and
4-6 ms. The 600-run batch benchmark's CPU time per run fell from 0.165 to 0.144 s.

Kept arrays are read-only: a rule that tried to change them would fail instead of changing the
next run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

FOUNDER_BYTES = 100
"""Bytes of one kept founder's attributes (16 arrays of 1-8 bytes, 88 in all; rounded up)."""
MAX_KEPT_SHOCK_BYTES = 256 * 2**20
"""assumption: memory a worker may spend on kept shocks (bytes; a performance setting, range
64 MB-1 GB; results do not depend on it). A run whose shocks :func:`kept_bytes` estimates above
this computes its own, as without sharing: for Putuo's baseline (700 founders a month, 60 months)
above scale 4. Measured peak memory of a worker running two groups of six Putuo scenarios: 115 ->
152 MB at scale 1, 183 -> 341 MB at scale 4 (the estimate: 60 and 239 MB more)."""


def shock_bytes_per_slot_month(rows: int) -> int:
    """Bytes kept per firm slot and month: ``rows`` float64 draws and the slot's column (int32)."""
    return rows * 8 + 4


def kept_bytes(founders: float, months: int, rows: int, max_shock_bytes: int = MAX_KEPT_SHOCK_BYTES) -> float:
    """Memory a :class:`SharedDraws` holds for runs with ``founders`` arriving over ``months``
    (bytes, an upper estimate): the founders, and the shocks if they fit the limit (slots grow
    about linearly over a run, so it asks for about ``founders x months / 2`` slot-months).
    """
    shocks = founders * months / 2 * shock_bytes_per_slot_month(rows)
    return founders * FOUNDER_BYTES + (shocks if shocks <= max_shock_bytes else 0.0)


class KeptShocks:
    """The firm shocks of one key, month by month, as runs computed them.

    A month keeps the columns runs computed, in the order they were computed, and each slot's
    column (-1: not kept). The first run's columns are kept as it got them (no copy); a later run
    takes its slots' columns and computes and appends those not kept yet.
    """

    def __init__(self, key: int, rows: int, max_bytes: int = MAX_KEPT_SHOCK_BYTES) -> None:
        """Args:
        key: The 64-bit key of the shocks (:func:`sim.core.firm_shocks.stream_key`).
        rows: Rows of draws per firm and month.
        max_bytes: Memory to spend at most (:data:`MAX_KEPT_SHOCK_BYTES`).
        """
        self.key = key
        self.rows = rows
        self.max_bytes = max_bytes
        self.bytes = 0
        self._months: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        """month -> (kept columns (rows, k), column of each slot or -1)."""

    def draws(
        self, slots: np.ndarray, month: int, compute: Callable[[np.ndarray, np.ndarray], None]
    ) -> np.ndarray | None:
        """The shocks of firm ``slots`` in ``month``, shape (rows, n), read-only, or None when
        the month's new columns would pass the memory limit (the caller computes them itself).

        Args:
            slots: Firm slots.
            month: Absolute month.
            compute: ``compute(out, slots)`` writes the shocks of ``slots`` into ``out`` (rows, n);
                called for the slots not kept yet.
        """
        if slots.size == 0:
            return np.empty((self.rows, 0))
        columns, where = self._months.get(month, (None, None))
        size = int(slots.max()) + 1
        if where is None or where.size < size:  # more slots to map
            grown = np.full(max(size, 0 if where is None else where.size), -1, dtype=np.int32)
            if where is not None:
                grown[: where.size] = where
            where = grown
        at = where.take(slots)
        missing = at < 0
        if columns is not None and not missing.any():
            self._months[month] = (columns, where)
            return columns.take(at, axis=1)
        new = slots[missing] if columns is not None else slots
        if self.bytes + new.size * shock_bytes_per_slot_month(self.rows) > self.max_bytes:
            return None
        fresh = np.empty((self.rows, new.size))
        compute(fresh, new)
        fresh.flags.writeable = False
        self.bytes += new.size * shock_bytes_per_slot_month(self.rows)
        if columns is None:  # the month's first run: its columns are the kept ones
            where[slots] = np.arange(slots.size)
            self._months[month] = (fresh, where)
            return fresh
        where[new] = np.arange(columns.shape[1], columns.shape[1] + new.size)
        columns = np.concatenate([columns, fresh], axis=1)
        columns.flags.writeable = False
        self._months[month] = (columns, where)
        return columns.take(where.take(slots), axis=1)


class KeptArrivals:
    """The founders of each month, in month order, and where their generators stopped."""

    def __init__(self, inputs: tuple[Any, ...]) -> None:
        """Args:
        inputs: What the founders depend on besides the seed (scale and scenario sections); runs
            with other inputs do not use these founders.
        """
        self.inputs = inputs
        self.months: list[dict[str, np.ndarray]] = []
        self.states: list[dict[str, Any]] = []
        """The generators' states after the last kept month, in the order they were given."""


class ArrivalReplay:
    """One run's use of :class:`KeptArrivals`: kept months are taken, new ones drawn and kept."""

    def __init__(self, kept: KeptArrivals, generators: tuple[np.random.Generator, ...]) -> None:
        """Args:
        kept: The kept founders of the run's seed and inputs.
        generators: The run's generators the founders are drawn from (they serve nothing else).
        """
        self.kept = kept
        self.generators = generators
        self.drawn = 0
        """Months the run's own generators have drawn."""

    def founders(self, t: int, draw: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        """The founders of month index ``t`` (months come in order): kept, or drawn with ``draw()``
        from the run's generators and kept.
        """
        kept = self.kept
        if t < len(kept.months):
            return kept.months[t]
        if t != len(kept.months):
            raise ValueError(f"founders of month {t} asked before month {len(kept.months)}")
        if self.drawn < t:  # continue where the kept draws ended
            for generator, state in zip(self.generators, kept.states, strict=True):
                generator.bit_generator.state = state
        founders = draw()
        for values in founders.values():
            values.flags.writeable = False
        kept.months.append(founders)
        kept.states = [generator.bit_generator.state for generator in self.generators]
        self.drawn = t + 1
        return founders


class SharedDraws:
    """The draws of one seed that its runs share (see the module docstring)."""

    def __init__(self, seed: int, max_shock_bytes: int = MAX_KEPT_SHOCK_BYTES) -> None:
        """Args:
        seed: The root seed of every run given this object.
        max_shock_bytes: Memory to spend at most on kept shocks (:data:`MAX_KEPT_SHOCK_BYTES`).
        """
        self.seed = seed
        self.max_shock_bytes = max_shock_bytes
        self._shocks: KeptShocks | None = None
        self._arrivals: KeptArrivals | None = None

    def check_seed(self, seed: object) -> None:
        """Raise ValueError unless ``seed`` is this object's seed."""
        if not isinstance(seed, int | np.integer) or int(seed) != self.seed:
            raise ValueError(f"draws shared for seed {self.seed} given to a run with seed {seed!r}")

    def shocks(self, key: int, rows: int, slot_months: float) -> KeptShocks | None:
        """The kept shocks of ``key`` (new, replacing the kept ones, if the key differs), or None
        if a run of about ``slot_months`` (slots times months, summed over months) would need more
        than the memory allowed: such a run computes its own.
        """
        if slot_months * shock_bytes_per_slot_month(rows) > self.max_shock_bytes:
            return None
        if self._shocks is None or self._shocks.key != key or self._shocks.rows != rows:
            self._shocks = KeptShocks(key, rows, self.max_shock_bytes)
        return self._shocks

    def arrivals(self, inputs: tuple[Any, ...], generators: tuple[np.random.Generator, ...]) -> ArrivalReplay:
        """A run's replay of the kept founders of ``inputs`` (new ones, replacing the kept, if the
        inputs differ).
        """
        if self._arrivals is None or self._arrivals.inputs != inputs:
            self._arrivals = KeptArrivals(inputs)
        return ArrivalReplay(self._arrivals, generators)


__all__ = [
    "FOUNDER_BYTES",
    "MAX_KEPT_SHOCK_BYTES",
    "ArrivalReplay",
    "KeptArrivals",
    "KeptShocks",
    "SharedDraws",
    "kept_bytes",
    "shock_bytes_per_slot_month",
]
