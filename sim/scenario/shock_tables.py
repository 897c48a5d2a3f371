"""The shocks of a scenario: demand shocks by name (``[shocks.NAME]``) and each sector's exposure to them.

The defaults are the 2020 outbreak and the 2022 lockdown. Part of the :class:`sim.scenario.schema.Scenario`;
the shocks act in :mod:`sim.core.shocks`.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from sim.calendar import parse_month
from sim.scenario.parameters import param
from sim.scenario.section import A, Section

REGISTRATIONS_2022 = (
    "Tianyancha company-registration data reported by Bloomberg (14 June 2022): companies registered in "
    "Shanghai March-May 2022 fell 63% year on year (the citywide lockdown ran April-May); range 0.5-0.85"
)


class Shock(Section):
    """A demand shock: revenue falls by ``depth`` x sector sensitivity, then recovers linearly."""

    start: str = Field(description="first month of the shock, YYYY-MM")
    months: int = param(2, unit="months", source=A, low=1, high=6, ge=0, le=120)
    depth: float = param(
        0.5, unit="share of revenue lost", source=A, low=0.2, high=0.8, ge=0, le=1,
        description="revenue lost by the most exposed sector at the trough",
    )
    recovery_months: int = param(3, unit="months", source=A, low=1, high=12, ge=0, le=120)
    relief_package: bool = Field(
        False, description="programmes' emergency measures (rent waivers, emergency loans) apply"
    )
    registration_fall: float = param(
        0.0, unit="share of registrations", low=0.0, high=0.9, ge=0, le=1,
        source=f"{REGISTRATIONS_2022}; 0 where no statistic is used (assumption)",
        description="share of the registrations that would otherwise happen lost in the shock's months "
        "(registration offices closed, founders confined)",
    )

    @field_validator("start")
    @classmethod
    def _valid_month(cls, value: str) -> str:
        parse_month(value)
        return value


class SectorExposure(Section):
    """How strongly each sector's demand follows a shock."""

    tech: float = param(0.35, unit="share", source=A, low=0.1, high=0.6, ge=0, le=1)
    services: float = param(0.7, unit="share", source=A, low=0.5, high=0.9, ge=0, le=1)
    consumer: float = param(1.0, unit="share", source=A, low=0.8, high=1.0, ge=0, le=1)


LOCKDOWN_2022_REGISTRATION_FALL = 0.63
"""Registrations lost in the months of the 2022 lockdown (see :data:`REGISTRATIONS_2022`)."""


def _default_shocks() -> dict[str, Shock]:
    return {
        "outbreak_2020": Shock(start="2020-02", months=2, depth=0.45, recovery_months=4),
        "lockdown_2022": Shock(
            start="2022-04", months=2, depth=0.7, recovery_months=3, relief_package=True,
            registration_fall=LOCKDOWN_2022_REGISTRATION_FALL,
        ),
    }
