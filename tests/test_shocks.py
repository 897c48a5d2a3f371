"""Demand and registration shocks (sim/core/shocks.py) when shocks overlap or only some carry a relief
package: exact indices per month (the single-shock rules are in tests/test_mechanisms.py)."""

from __future__ import annotations

import numpy as np

from sim.calendar import parse_month
from sim.core.shocks import demand_index, registration_index, relief_months
from sim.scenario.schema import Scenario

FIRST = parse_month("2020-01")


def scenario_with(**shocks: dict) -> Scenario:
    return Scenario(name="s", description="s", district="putuo", shocks=shocks,
                    sector_exposure={"tech": 0.5, "services": 1.0, "consumer": 1.0})


def test_overlapping_shocks_multiply_demand_and_registrations():
    first = {"start": "2020-02", "months": 2, "depth": 0.4, "recovery_months": 0, "registration_fall": 0.5}
    second = {"start": "2020-03", "months": 2, "depth": 0.5, "recovery_months": 0, "registration_fall": 0.2}
    scenario = scenario_with(first=first, second=second)
    services = demand_index(scenario, FIRST, 5)[:, 1]
    np.testing.assert_allclose(services, [1.0, 0.6, 0.6 * 0.5, 0.5, 1.0])
    tech = demand_index(scenario, FIRST, 5)[:, 0]
    np.testing.assert_allclose(tech, [1.0, 0.8, 0.8 * 0.75, 0.75, 1.0])
    np.testing.assert_allclose(registration_index(scenario, FIRST, 5), [1.0, 0.5, 0.5 * 0.8, 0.8, 1.0])


def test_only_shocks_with_a_relief_package_count_relief_months_whatever_their_order():
    plain = {"start": "2020-02", "months": 2, "depth": 0.4, "relief_package": False}
    relief = {"start": "2020-04", "months": 2, "depth": 0.4, "relief_package": True}
    scenario = scenario_with(plain=plain, relief=relief)
    assert relief_months(scenario, FIRST, 7).tolist() == [-1, -1, -1, 0, 1, -1, -1]
