"""What the writers need of one run: the :class:`RunResult` protocol.

:class:`sim.experiments.simulate.SimulationResult` satisfies it; :mod:`sim.io.outputs` (a run's
directory) and :mod:`sim.io.store` (a batch's run files) are written against the protocol, so the
input and output layer does not import the experiments above it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np

    from sim.core.population import CodedColumn
    from sim.scenario.schema import Scenario


class RunResult(Protocol):
    """One replication's outputs, as the writers read them."""

    scenario: Scenario
    seed: int | None
    scale: float
    metrics: Mapping[str, float]
    target_rows: list[dict[str, Any]]
    target_columns: tuple[str, ...]
    """Columns of the target table, in order (also when a scenario has no targets)."""
    firm_columns: Mapping[str, np.ndarray | CodedColumn]

    @property
    def monthly_columns(self) -> Mapping[str, np.ndarray]:
        """The monthly records as numpy columns (a month without a key: NaN)."""
        ...


__all__ = ["RunResult"]
