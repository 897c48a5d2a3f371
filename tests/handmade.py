"""A hand-made population for the rule tests: registered live firms with a standalone context.

Shared by the rule tests (``tests/test_mechanisms.py``, ``tests/test_programme_boundaries.py``,
``tests/test_job_retention.py``, ``tests/test_rd_projects.py``), whose assertions give exact amounts in
yuan computed from :data:`BEHAVIOUR`.
"""

from __future__ import annotations

import numpy as np

from sim.calendar import parse_month
from sim.core.context import Context
from sim.core.firms import SHOCK_ROWS, FirmPopulation
from sim.core.population import N_UNIFORMS
from sim.scenario.schema import Scenario

MONTH = parse_month("2021-06")
RENT = 1200.0  # yuan per workstation and month
# behaviour spelled out: a person costs 8,000 x 1.3 + 1,200 = 11,600 yuan a month, fixed costs 6,000
BEHAVIOUR = {
    "wage_yuan_month": 8000.0, "social_insurance_rate": 0.3, "rent_yuan_per_workstation_month": RENT,
    "fixed_cost_yuan_month": 6000.0, "support_take_up_share": 0.5,
}
PERSON_YUAN = 8000.0 * 1.3 + RENT


def hand_made_firms(
    rows: list[dict], *, month: int = MONTH, arrived_months_ago: int = 30, growth_oriented: bool | None = True,
    cash_yuan: float = 500_000.0, **scenario_fields,
) -> FirmPopulation:
    """Registered live firms built from ``rows`` (attribute -> value; ``age`` in months before
    ``month``, ``staff``), all taking up support unless a row says otherwise.

    Args:
        rows: One dict per firm.
        month: The month the firms' ages count to.
        arrived_months_ago: When the founders arrived, in months before ``month``.
        growth_oriented: Whether every firm plans for its whole market (None: as drawn at arrival).
        cash_yuan: Every firm's cash.
        **scenario_fields: Scenario tables besides the behaviour (e.g. ``shocks``).
    """
    data = {"name": "hand_made", "description": "hand-made", "district": "putuo", "behaviour": BEHAVIOUR}
    data.update(scenario_fields)
    firms = FirmPopulation(Scenario(**data), expected_arrivals=len(rows))
    idx = firms.arrive(month - arrived_months_ago, np.full((len(rows), N_UNIFORMS), 0.5))
    firms.registered[idx] = firms.alive[idx] = True
    firms.u_take_up[idx] = 0.0
    firms.log_quality[idx] = 0.0
    firms.cash[idx] = cash_yuan
    if growth_oriented is not None:
        firms.growth_oriented[idx] = growth_oriented
    for i, row in zip(idx, rows, strict=True):
        firms.start_month[i] = month - row.get("age", 12)
        firms.employees[i] = firms.initial_employees[i] = row.get("staff", 2)
        for name, value in row.items():
            if name not in ("age", "staff"):
                getattr(firms, name)[i] = value
    return firms


def world(
    rows: list[dict], *, arrived_months_ago: int = 30, growth_oriented: bool | None = True,
    streams: tuple[str, ...] = (), **scenario_fields,
) -> tuple[Context, FirmPopulation]:
    """:func:`hand_made_firms` at :data:`MONTH` with a standalone context (``streams``: random streams
    it provides, e.g. a lever's)."""
    firms = hand_made_firms(rows, arrived_months_ago=arrived_months_ago, growth_oriented=growth_oriented,
                            **scenario_fields)
    return Context.standalone(firms, month=MONTH, streams=streams), firms


def account_of(firms: FirmPopulation, month: int = MONTH):
    """The month's operating account of the live firms, without shocks and at full demand."""
    alive = np.flatnonzero(firms.alive[: firms.n])
    return firms.open_account(alive, np.zeros((SHOCK_ROWS, alive.size)), 0.0, np.ones(alive.size), month)
