"""The base of every scenario table, and the source tag of assumptions.

Shared by every table of a scenario: :mod:`sim.scenario.schema` (the scenario and its period), the world
it describes (:mod:`sim.scenario.district_tables`, :mod:`sim.scenario.bank_table`,
:mod:`sim.scenario.shock_tables`, :mod:`sim.scenario.measurement_tables`) and
:mod:`sim.scenario.policy_tables` (the levers' tables).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

A = "assumption"
"""Source tag of a parameter that is an assumption (it then carries a plausible range)."""


class Section(BaseModel):
    """Base of every scenario table: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, strict=True, allow_inf_nan=False
    )
