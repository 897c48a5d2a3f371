"""The bank's table of a scenario (``[bank]``): lending rules and the loan prime rate schedule.

Part of the :class:`sim.scenario.schema.Scenario`; the bank itself is :mod:`sim.core.bank`.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from sim.calendar import parse_month
from sim.scenario.parameters import param
from sim.scenario.section import A, Section


class LprStep(Section):
    """One step of the loan prime rate schedule."""

    start: str = Field(description="first month the rate applies, YYYY-MM")
    rate_pct: float = Field(ge=0, le=30, description="one-year LPR, percent a year")

    @field_validator("start")
    @classmethod
    def _valid_month(cls, value: str) -> str:
        parse_month(value)
        return value


LPR_SOURCE = (
    "National Interbank Funding Center, one-year LPR: 4.31% (2018, before the reform), 4.15-4.25% "
    "(late 2019), 3.85% (from April 2020 through 2021), 3.70% (January 2022), 3.65% (from August 2022)"
)


def _default_lpr() -> list[LprStep]:
    return [
        LprStep(start="2018-01", rate_pct=4.31),
        LprStep(start="2019-08", rate_pct=4.20),
        LprStep(start="2020-04", rate_pct=3.85),
        LprStep(start="2022-01", rate_pct=3.70),
        LprStep(start="2022-08", rate_pct=3.65),
    ]


class Bank(Section):
    """Banks' lending to new firms: screening, pricing, terms and recoveries."""

    lpr_schedule: list[LprStep] = Field(default_factory=_default_lpr, description=LPR_SOURCE)
    spread_pct: float = param(
        1.6, unit="percentage points/year", low=0.8, high=2.5, ge=0, le=30,
        source="PBOC: inclusive small-firm loan rate about 5.3% in 2022, i.e. LPR (3.65%) + ~1.6 pp",
        description="lending rate above the LPR",
    )
    base_application_share: float = param(
        0.12, unit="share", source=A, low=0.05, high=0.3, ge=0, le=1,
        description="share of capital-short new firms that apply for a loan at the unsubsidised rate",
    )
    rate_elasticity_per_pp: float = param(
        0.25, unit="log odds per percentage point", source=A, low=0.05, high=0.5, ge=0, le=5,
        description="how much loan demand rises per point cut in the borrower's effective rate",
    )
    capital_target_months: float = param(
        9.0, unit="months of costs", source=A, low=4.0, high=18.0, ge=0, le=120,
        description="start capital a founder wants, in months of costs; the gap is the loan need",
    )
    screening_noise_sd: float = param(
        0.15, unit="log productivity", source=A, low=0.05, high=0.3, ge=0, le=5,
        description="noise in the bank's view of a borrower's quality",
    )
    approval_threshold: float = param(
        -0.10, unit="log productivity", source=A, low=-0.3, high=0.1, ge=-5, le=5,
        description="lowest screened quality a bank lends to",
    )
    collateral_share: float = param(
        0.25, unit="share", source=A, low=0.1, high=0.5, ge=0, le=1,
        description="share of founders with collateral acceptable without a guarantee",
    )
    loan_term_months: int = param(
        36, unit="months", source="assumption: commercial start-up loans as long as guaranteed ones for individuals",
        low=12, high=36, ge=1, le=360,
        description="term of a loan on market terms (no public support), equal principal instalments",
    )
    recovery_rate: float = param(
        0.2, unit="share", source=A, low=0.0, high=0.5, ge=0, le=1,
        description="share of a defaulted balance the lender recovers",
    )

