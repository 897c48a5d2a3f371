"""What institutions see of the model: the clock, the scale, the firms and their random streams.

The bank and the programmes are built with a :class:`Context`, not with the model: they read the
month from ``ctx.clock``, change firms only through :class:`sim.core.population.FirmPopulation`
methods, draw random numbers only from ``ctx.streams`` and register as Mesa agents with
``ctx.agents`` (the Mesa model that holds them; they never read its attributes). A test builds a
context around a small hand-made population with :meth:`Context.standalone`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import format_month

if TYPE_CHECKING:
    import mesa

    from sim.core.firms import FirmPopulation

# Streams every run spawns, in this order (a lever's own stream follows them, named after the lever):
# Mesa's own generator (unused by the model), arrivals (Poisson counts), founders (their attribute
# uniforms), dynamics (monthly productivity, revenue and rounding draws).
CORE_STREAMS = ("mesa", "arrivals", "founders", "dynamics")


@dataclass
class Clock:
    """The current month.

    Attributes:
        month: Absolute month (see :mod:`sim.calendar`).
        t: Months since the first simulated month.
        relief_months_since_start: Months since a relief-package shock began (-1 when none is
            under way).
    """

    month: int
    t: int
    relief_months_since_start: int = -1

    @property
    def year(self) -> int:
        """Calendar year."""
        return self.month // 12

    @property
    def calendar_month(self) -> int:
        """Month of the year, 1-12."""
        return self.month % 12 + 1

    @property
    def label(self) -> str:
        """``YYYY-MM``."""
        return format_month(self.month)

    @property
    def in_relief(self) -> bool:
        """A relief-package shock is under way."""
        return self.relief_months_since_start >= 0


def spawn_streams(seed: int | np.random.SeedSequence | None, names: tuple[str, ...]) -> dict[str, np.random.Generator]:
    """Independent generators for named purposes from one seed.

    The i-th name always gets the i-th child of the root sequence, so appending names leaves the
    earlier streams unchanged. A ``SeedSequence`` argument is copied first, so calling this twice
    with the same object gives the same streams.
    """
    if isinstance(seed, np.random.SeedSequence):
        root = np.random.SeedSequence(entropy=seed.entropy, spawn_key=seed.spawn_key)
    else:
        root = np.random.SeedSequence(seed)
    children = root.spawn(len(names))
    return {name: np.random.Generator(np.random.PCG64(child)) for name, child in zip(names, children, strict=True)}


@dataclass
class Context:
    """The narrow view of the model given to the bank and the programmes.

    Attributes:
        clock: The current month (the model replaces it at the start of every month).
        first_month: Absolute month of the first simulated month.
        scale: Population scale; multiplies budgets, places and counts.
        firms: The firm population (arrays and firm rules).
        agents: The Mesa model the institutions register with as agents.
        streams: Random generators by name (:data:`CORE_STREAMS` plus one per lever).
    """

    clock: Clock
    first_month: int
    scale: float
    firms: FirmPopulation
    agents: mesa.Model
    streams: Mapping[str, np.random.Generator] = field(default_factory=dict)

    @classmethod
    def standalone(
        cls, firms: FirmPopulation, month: int, scale: float = 1.0, seed: int = 0, streams: tuple[str, ...] = ()
    ) -> Context:
        """A context for institutions outside a model run (tests on hand-made populations).

        Args:
            firms: A (small, hand-made) population.
            month: Absolute month the clock shows (also the first month).
            scale: Population scale.
            seed: Root seed of the named ``streams``.
            streams: Names of random streams to provide.
        """
        from sim.core.mesa_core import mesa

        return cls(
            clock=Clock(month=month, t=0), first_month=month, scale=scale, firms=firms,
            agents=mesa.Model(rng=np.random.default_rng(seed)), streams=spawn_streams(seed, streams),
        )
