"""Extra per-run measures a job can ask for (computed in the worker, stored with the metrics).

A :class:`sim.experiments.jobs.RunJob` names the measures it wants in ``measures``; the worker
computes each from the :class:`sim.experiments.simulate.SimulationResult` and stores it in the
run's ``metrics.parquet`` next to the declared outcomes. Batches that ask for none (the default)
store exactly the declared outcomes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.experiments.simulate import SimulationResult


def rationed_lever_years(result: SimulationResult) -> float:
    """Calendar years, summed over the enabled levers, in which a lever's budget ran short.

    A lever rations when it cannot pay what firms are entitled to within the year's budget (pro
    rata payments cut, or one-off payments refused once the budget is spent). Founders and firms
    count a programme's support at the share it paid over the last 12 months; the optimiser can
    still require fully funded mixes (this measure zero), the planner's choice to pay every
    entitlement in full.
    """
    return float(sum(len(years) for years in result.rationed_years.values()))


MEASURES: dict[str, Callable[[SimulationResult], float]] = {
    "rationed_lever_years": rationed_lever_years,
}
"""Measure name -> function of a run's result."""


def compute(names: tuple[str, ...], result: SimulationResult) -> dict[str, float]:
    """The requested measures of one run.

    Raises:
        KeyError: An unknown measure name.
    """
    return {name: MEASURES[name](result) for name in names}


__all__ = ["MEASURES", "compute", "rationed_lever_years"]
