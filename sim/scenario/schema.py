"""Scenario schema: the :class:`Scenario` and its period, assembled from the tables of each concept.

A scenario is a TOML file validated into :class:`Scenario`. Every numeric field is declared with
:func:`sim.scenario.parameters.param` and so carries a unit, a source and (for assumptions) a plausible
range. Defaults are the Putuo baseline; the files under ``scenarios/`` set the policies
explicitly. The tables live by concept: founders and firms in :mod:`sim.scenario.district_tables`, the bank
in :mod:`sim.scenario.bank_table`, shocks in :mod:`sim.scenario.shock_tables`, measurement and targets in
:mod:`sim.scenario.measurement_tables`, the levers in :mod:`sim.scenario.policy_tables`; this module
re-exports them, so ``from sim.scenario.schema import Bank`` keeps working. Loading files (with ``extends``
inheritance and one-line errors) lives in :mod:`sim.scenario.files`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.calendar import parse_month
from sim.scenario.bank_table import Bank
from sim.scenario.district_tables import Behaviour, Population
from sim.scenario.measurement_tables import Measurement, Target
from sim.scenario.parameters import SEED_PUTUO_PLAN_2019
from sim.scenario.policy_tables import Policy
from sim.scenario.section import Section
from sim.scenario.shock_tables import SectorExposure, Shock, _default_shocks


class Period(Section):
    """Simulated months, inclusive."""

    start: str = Field("2018-01", description="first simulated month, YYYY-MM")
    end: str = Field("2022-12", description="last simulated month, YYYY-MM")

    @field_validator("start", "end")
    @classmethod
    def _valid_month(cls, value: str) -> str:
        parse_month(value)
        return value

    @model_validator(mode="after")
    def _end_after_start(self) -> Period:
        if parse_month(self.end) < parse_month(self.start):
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    @property
    def n_months(self) -> int:
        """Number of simulated months."""
        return parse_month(self.end) - parse_month(self.start) + 1


class Scenario(Section):
    """A complete, validated scenario."""

    name: str = Field(min_length=1, description="short identifier")
    description: str = Field(min_length=1, description="the question this scenario answers")
    district: Literal["putuo", "yangpu", "shanghai"]
    kind: Literal["policy", "world"] = Field(
        "policy",
        description="policy: a policy mix (ranked against the counterfactual in the lever figures and report); "
        "world: a state of the world such as no lockdown (compared, but not ranked as a lever)",
    )
    period: Period = Field(default_factory=Period)
    population: Population = Field(default_factory=Population)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    bank: Bank = Field(default_factory=Bank)
    policy: Policy = Field(default_factory=Policy)
    shocks: dict[str, Shock] = Field(default_factory=_default_shocks)
    sector_exposure: SectorExposure = Field(default_factory=SectorExposure)
    measurement: Measurement = Field(default_factory=Measurement)
    targets: list[Target] = Field(default_factory=list)
    sources: dict[str, str] = Field(
        default_factory=dict, description="source notes for parameters this file sets"
    )


__all__ = [
    "Bank",
    "Behaviour",
    "Measurement",
    "Period",
    "Policy",
    "Population",
    "Scenario",
    "SectorExposure",
    "Shock",
    "Target",
    "SEED_PUTUO_PLAN_2019",
]
