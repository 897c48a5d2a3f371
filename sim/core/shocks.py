"""Demand shocks: the 2020 outbreak and the 2022 lockdown as falls in sector demand and in
registrations.

In a shock's months demand in a sector falls by ``depth x exposure[sector]``; afterwards it
recovers linearly over ``recovery_months``. Overlapping shocks multiply. In the shock's months a
``registration_fall`` share of the registrations that would otherwise happen does not happen.
"""

from __future__ import annotations

import numpy as np

from sim.calendar import parse_month
from sim.scenario.schema import Scenario


def demand_index(scenario: Scenario, first_month: int, n_months: int) -> np.ndarray:
    """Demand multiplier per month and sector.

    Args:
        scenario: Validated scenario (shocks and sector exposure).
        first_month: Absolute month of the first simulated month.
        n_months: Number of simulated months.

    Returns:
        Array of shape (n_months, 3): 1.0 is normal demand; columns follow
        :data:`sim.core.population.SECTORS`.
    """
    exposure = np.array(
        [
            scenario.sector_exposure.tech,
            scenario.sector_exposure.services,
            scenario.sector_exposure.consumer,
        ]
    )
    index = np.ones((n_months, 3))
    months = np.arange(first_month, first_month + n_months)
    for shock in scenario.shocks.values():
        start = parse_month(shock.start)
        since = months - start
        depth = np.zeros(n_months)
        in_shock = (since >= 0) & (since < shock.months)
        depth[in_shock] = shock.depth
        if shock.recovery_months > 0:
            recovering = (since >= shock.months) & (since < shock.months + shock.recovery_months)
            progress = (since[recovering] - shock.months + 1) / (shock.recovery_months + 1)
            depth[recovering] = shock.depth * (1 - progress)
        index *= 1 - depth[:, None] * exposure[None, :]
    return index


def relief_months(scenario: Scenario, first_month: int, n_months: int) -> np.ndarray:
    """Months since the start of a relief-package shock (-1 when none is under way).

    The value counts from the shock's first month and runs through its shock months, so
    programmes can limit emergency measures to the first few months of a shock.
    """
    since_start = np.full(n_months, -1, dtype=np.int64)
    months = np.arange(first_month, first_month + n_months)
    for shock in scenario.shocks.values():
        if not shock.relief_package:
            continue
        since = months - parse_month(shock.start)
        active = (since >= 0) & (since < max(shock.months, 1))
        since_start[active] = since[active]
    return since_start


def registration_index(scenario: Scenario, first_month: int, n_months: int) -> np.ndarray:
    """Multiplier of the chance to register, per month (1.0: no shock; overlapping shocks multiply)."""
    index = np.ones(n_months)
    months = np.arange(first_month, first_month + n_months)
    for shock in scenario.shocks.values():
        since = months - parse_month(shock.start)
        in_shock = (since >= 0) & (since < shock.months)
        index[in_shock] *= 1.0 - shock.registration_fall
    return index
