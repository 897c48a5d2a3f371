"""Scenario schema: a district, a period, behaviour parameters, a policy mix, shocks and targets.

A scenario is a TOML file validated into :class:`Scenario`. Every numeric field is declared with
:func:`sim.scenario.parameters.param` and so carries a unit, a source and (for assumptions) a plausible
range. Defaults are the Putuo baseline; the files under ``scenarios/`` set the policies
explicitly. Loading files (with ``extends`` inheritance and one-line errors) lives in
:mod:`sim.scenario.files`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.calendar import parse_month
from sim.scenario.parameters import (
    SEED_PUTUO_PLAN_2019,
    param,
)
from sim.scenario.policy_tables import Policy
from sim.scenario.section import A, Section

SAIC_2013 = (
    "calibrated to SAIC 2013 report on the survival of domestic enterprises "
    "(death rate by firm age 1.6% yr1, 6.3% yr2, 9.5% yr3, >8% yrs 4-7)"
)
JOBS_PER_STARTUP = (
    "calibrated to Shanghai Employment Promotion Center surveys: about 8 jobs per startup "
    "(8.1-8.8, 2015-2020)"
)
CALIBRATED = (
    "assumption, calibrated to closure rates of new establishments by age (U.S. BLS Business Employment "
    "Dynamics, 1994 cohort: 20.4%, 14.2%, 11.7%, 9.5%, 8.4% in years 1-5) and ~8 jobs per startup (Shanghai "
    "Employment Promotion Center) on the Putuo baseline: startup-sim calibrate, Nelder-Mead; refitted after the "
    "non-economic exits and growth orientation of issue 14 (session 3) in two passes of 70 and 60 evaluations, "
    "loss 41.6 -> 2.8 -> 1.17, held-out seeds 7.9 -> 3.5 (data/calibration/putuo_baseline)"
)


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


class Population(Section):
    """Nascent founders arriving in the district and the firms they would start."""

    arrivals_per_month: float = param(
        700.0, unit="persons/month", source=A, low=350.0, high=1400.0, ge=0, le=1e6,
        description="nascent founders considering a start-up in the district each month",
    )
    share_young_graduates: float = param(
        0.40, unit="share", source=A, low=0.25, high=0.55, ge=0, le=1,
        description="young college graduates among nascent founders",
    )
    share_returnees: float = param(
        0.06, unit="share", source=A, low=0.02, high=0.12, ge=0, le=1,
        description="returnees from study abroad among nascent founders",
    )
    share_tech: float = param(
        0.35, unit="share", source=A, low=0.2, high=0.5, ge=0, le=1,
        description="founders in technology / R&D services (Putuo's key sectors, 001:37)",
    )
    share_consumer: float = param(
        0.30, unit="share", source=A, low=0.2, high=0.45, ge=0, le=1,
        description="founders in catering, retail and other consumer services (shock-exposed)",
    )
    initial_employees_mean: float = param(
        1.2, unit="persons", source=A, low=0.5, high=2.5, ge=0, le=50,
        description="mean employees at registration besides the founder (Poisson)",
    )
    own_capital_median_yuan: float = param(
        150_000.0, unit="yuan", source=A, low=80_000.0, high=300_000.0, ge=0,
        description="median own start capital of a founder (lognormal)",
    )
    own_capital_log_sd: float = param(
        0.8, unit="log yuan", source=A, low=0.5, high=1.2, ge=0, le=5,
        description="dispersion of own start capital",
    )
    returnee_capital_multiplier: float = param(
        1.8, unit="ratio", source=A, low=1.0, high=3.0, ge=0,
        description="returnees' start capital relative to other founders",
    )
    graduate_capital_multiplier: float = param(
        0.6, unit="ratio", source=A, low=0.4, high=1.0, ge=0,
        description="young graduates' start capital relative to other founders",
    )
    graduate_skill_offset: float = param(
        -0.05, unit="log productivity", source=A, low=-0.15, high=0.05, ge=-2, le=2,
        description="young graduates' productivity relative to other founders (less experience)",
    )
    returnee_skill_offset: float = param(
        0.05, unit="log productivity", source=A, low=0.0, high=0.15, ge=-2, le=2,
        description="returnees' productivity relative to other founders",
    )

    @model_validator(mode="after")
    def _shares_sum(self) -> Population:
        if self.share_young_graduates + self.share_returnees > 1:
            raise ValueError("share_young_graduates + share_returnees exceeds 1")
        if self.share_tech + self.share_consumer > 1:
            raise ValueError("share_tech + share_consumer exceeds 1")
        return self


START_UP_SUBSIDY_DEADWEIGHT = (
    "evaluations of start-up subsidies find that most subsidised founders would have started anyway "
    "(deadweight about 0.5-0.8: UK Enterprise Allowance Scheme evaluations summarised by Storey 1994, "
    "Understanding the Small Business Sector; survey of German Gruendungszuschuss recipients, Caliendo, "
    "Hogenacker, Kuenn and Wiessner 2015, Small Business Economics 45; 0.738 for Finnish start-up subsidies, "
    "Tokila and Haapanen 2009) for programmes that paid a large share of a founder's first-year costs; "
    "with weight 4 a fully anticipated subsidy worth a quarter of those costs leaves a deadweight of 0.77 for "
    "a founder of median quality (0.87 at weight 2, 0.65 at weight 8) and 0.75 among its recipients in the "
    "whole model (benchmarks/bench_deadweight.py)"
)


class Behaviour(Section):
    """Firm economics and founders' decisions."""

    wage_yuan_month: float = param(
        8_000.0, unit="yuan/person/month", source=A, low=6_000.0, high=11_000.0, gt=0,
        description="gross wage cost per person incl. founder draw (near Shanghai's average wage)",
    )
    social_insurance_rate: float = param(
        0.30, unit="share of wage", source=A, low=0.26, high=0.37, ge=0, le=1,
        description="employer social insurance and housing fund contributions",
    )
    rent_yuan_per_workstation_month: float = param(
        1_200.0, unit="yuan/person/month", source=A, low=700.0, high=2_000.0, ge=0,
        description="office rent per workstation outside incubators",
    )
    fixed_cost_yuan_month: float = param(
        6_963.54, unit="yuan/month", source=CALIBRATED, low=3_000.0, high=9_000.0, ge=0,
        description="fixed monthly costs of running a firm (services, equipment, fees)",
    )
    revenue_cost_ratio: float = param(
        1.28014, unit="ratio", source=CALIBRATED, low=1.15, high=1.5, gt=0,
        description="revenue / cost (staff and fixed) of the median firm at the initial size, fully ramped",
    )
    quality_log_sd: float = param(
        0.197667, unit="log productivity", source=CALIBRATED, low=0.08, high=0.2, ge=0, le=3,
        description="dispersion of founders' business quality at entry",
    )
    productivity_walk_sd: float = param(
        0.0666398, unit="log productivity/month", source=CALIBRATED, low=0.03, high=0.08, ge=0, le=1,
        description="monthly random-walk shocks to a firm's productivity",
    )
    revenue_noise_sd: float = param(
        0.10, unit="log revenue", source=A, low=0.0, high=0.25, ge=0, le=2,
        description="transitory month-to-month revenue noise",
    )
    returns_to_scale: float = param(
        0.733223, unit="elasticity", source=CALIBRATED, low=0.6, high=0.8, gt=0, le=1,
        description="elasticity of revenue with respect to staff; sets each firm's profitable size",
    )
    ramp_up_months: float = param(
        6.6308, unit="months", source=CALIBRATED, low=3.0, high=15.0, gt=0,
        description="time constant of a new firm's revenue ramp-up",
    )
    ramp_start_share: float = param(
        0.826298, unit="share", source=CALIBRATED, low=0.6, high=0.99, ge=0, le=1,
        description="revenue at registration as a share of fully ramped revenue",
    )
    hiring_adjustment_share: float = param(
        0.213104, unit="share of gap/month", source=CALIBRATED, low=0.05, high=0.3, ge=0, le=1,
        description="share of the gap to its profitable size that a firm hires each month",
    )
    shedding_adjustment_share: float = param(
        0.25, unit="share of gap/month", source=A, low=0.1, high=0.5, ge=0, le=1,
        description="share of its excess staff that a firm lets go each month",
    )
    staffing_shock_pass_through: float = param(
        0.4, unit="share", low=0.1, high=0.7, ge=0, le=1,
        source="assumption; at 0.4 the baseline's jobs fall ~16% in the 2022 lockdown, against Shanghai's surveyed "
        "unemployment rate rising to about 12.5% in May 2022 (Shanghai Municipal Statistics Bureau)",
        description="share of a demand shock firms plan staff for (the rest is expected to pass: labour hoarding)",
    )
    hiring_cash_buffer_months: float = param(
        2.0, unit="months of costs", source=A, low=0.5, high=6.0, ge=0,
        description="cash a firm wants in hand, in months of its enlarged cost, before hiring",
    )
    voluntary_exit_loss_months: int = param(
        6, unit="months", source=CALIBRATED, low=3, high=18, ge=1, le=600,
        description="consecutive loss-making months after which a founder weighs closing the firm (and "
        "closes it if the profit forecast at exit_forecast_months is negative)",
    )
    # --- firm dynamics: productivity, labour demand and exit on prospects (issue 14 items 2, 3, 5)
    productivity_persistence_annual: float = param(
        0.8, unit="autocorrelation/year", low=0.6, high=0.95, ge=0, le=1,
        source="Foster, Haltiwanger & Syverson 2008 (AER 98(1)): annual persistence of plant productivity about "
        "0.8; Asker, Collard-Wexler & De Loecker 2014 (JPE 122(5)): AR(1) coefficients of TFP 0.6-0.95",
        description="persistence of a firm's productivity deviation from its permanent level (monthly AR(1) "
        "coefficient = annual ** (1/12)); the deviation's innovations have sd productivity_walk_sd",
    )
    permanent_drift_sd: float = param(
        0.0271406, unit="log productivity/month", source=CALIBRATED, low=0.005, high=0.04, ge=0, le=1,
        description="monthly random-walk shocks to a firm's permanent productivity (its market), at the "
        "reference size of 10 staff",
    )
    permanent_persistence_annual: float = param(
        0.95, unit="autocorrelation/year", source=A, low=0.9, high=0.99, ge=0, le=1,
        description="a firm's permanent productivity reverts very slowly towards its level at entry (half-life "
        "about 14 years at 0.95): the limit on a market's growth that keeps sizes bounded over decades",
    )
    drift_size_exponent: float = param(
        0.18, unit="elasticity", low=0.1, high=0.25, ge=0, le=1,
        source="Stanley et al. 1996 (Nature 379) and Amaral et al. 1997: the sd of firm growth rates falls "
        "with size as size ** -0.15 to -0.2",
        description="the permanent shocks' sd scales as (staff / 10) ** -drift_size_exponent",
    )
    mature_productivity_drift_annual: float = param(
        0.0, unit="log productivity/year", low=0.0, high=0.04, ge=0, le=1,
        source="assumption; direction from Coad, Segarra & Teruel 2013 (Structural Change and Economic "
        "Dynamics 24, 'Like milk or wine'): older firms have lower expected growth of sales, profits and "
        "productivity; Evans 1987 (J. Industrial Economics 35(4)): growth falls with age at a given size. "
        "Off by default: at 0.02-0.03 the jobs in firms under 10 years fall 3-5 points over 2018-2032 but "
        "death rates in years 8-10 rise above those of years 5-7 (SAIC 2013: lower later) and the size "
        "shares leave their bands before the ten-year share enters its band (docs/model.md)",
        description="yearly fall of the permanent log productivity of firms at least five years old "
        "(START_UP_YEARS_MONTHS); firms under five years are untouched",
    )
    labour_demand_elasticity: float = param(
        -0.5, unit="elasticity", low=-1.0, high=-0.3, ge=-5, le=0,
        source="Lichter, Peichl & Siegloch 2015 (European Economic Review 80): meta-analysis of 1,334 "
        "estimates of the own-wage elasticity of labour demand, mean about -0.5; Hamermesh 1993 "
        "(Labor Demand): most estimates -0.15 to -0.75 at constant output, up to about -1 in total",
        description="elasticity of a firm's planned staff with respect to its net cost per person: the size "
        "its market supports (set by productivity at the gross cost) moves with the net cost only by this "
        "elasticity (a demand limit: a cheaper person wins the firm only part of a larger market)",
    )
    exit_forecast_months: float = param(
        12.0, unit="months", source=A, low=6.0, high=24.0, gt=0, le=600,
        description="horizon over which a founder forecasts productivity (reverting to its permanent level) "
        "when weighing whether to go on after a run of losses",
    )
    registration_base_logit: float = param(
        0.0, unit="logit", source=A, low=-1.0, high=1.0, ge=-20, le=20,
        description="propensity of a nascent founder to register a firm",
    )
    registration_quality_weight: float = param(
        3.0, unit="logit per log productivity", source=A, low=1.0, high=6.0, ge=0, le=50,
        description="how strongly expected quality drives the decision to register",
    )
    registration_support_weight: float = param(
        4.0, unit="logit per unit of support/start cost", low=2.0, high=8.0, ge=0, le=50,
        source=f"set to the published deadweight: {START_UP_SUBSIDY_DEADWEIGHT}",
        description="how strongly the expected value of public support drives registration",
    )
    support_take_up_share: float = param(
        0.35, unit="share", source=A, low=0.15, high=0.6, ge=0, le=1,
        description="share of founders who know of and apply for district programmes (imprecise policy outreach, 000:17-21)",
    )
    support_awareness: float = param(
        0.6, unit="share", source=A, low=0.3, high=0.9, ge=0, le=1,
        description="share of the support's value a nascent founder anticipates (policy awareness, 000:21)",
    )
    # --- long-run dynamics: exits that are not failures (issue 14, session 3)
    non_economic_exit_annual: float = param(
        0.03, unit="share of firms/year", low=0.015, high=0.05, ge=0, le=1,
        source="Headd 2003 (Small Business Economics 21): owners of about a third of closed new employer firms "
        "(U.S. Census CBO) call the firm successful at closure (sold, retired, planned exit); a third of the "
        "closure rates of 8-10%/year of establishments aged 3-10 (BLS Business Employment Dynamics) is about "
        "3%/year; range: a sixth to a half of those rates",
        description="yearly chance that a firm closes for reasons other than its profits (the founder leaves, "
        "sells or retires), at every age and size; drawn monthly as 1 - (1 - annual) ** (1/12)",
    )
    growth_oriented_share: float = param(
        0.35, unit="share of founders", low=0.15, high=0.4, ge=0, le=1,
        source="Hurst & Pugsley 2011 (Brookings Papers on Economic Activity, 'What do small businesses do?'): in "
        "the Panel Study of Entrepreneurial Dynamics about three quarters of nascent founders want a business "
        "they can manage themselves or with a few key employees, about a quarter want it as large as possible; "
        "range 0.15-0.4: assumption for the transfer to Shanghai; 0.35 set within it so that the size "
        "distribution of surviving firms over 2018-2032 matches the published one (benchmarks/bench_long_run.py: "
        "0.25 gives 88% of firms with 1-9 staff and 9% with 10-49, against 80% and 17%)",
        description="share of founders who want their firm to grow as large as its market allows; the others "
        "plan for at most lifestyle_max_staff",
    )
    lifestyle_max_staff: float = param(
        9.0, unit="persons", low=5.0, high=19.0, ge=1, le=1e6,
        source="assumption: 'a size I can manage myself or with a few key employees' (Hurst & Pugsley 2011) read "
        "as a micro firm, under 10 staff (OECD size classes; micro enterprises in China's 2011 SME classification "
        "of software and IT services); range: 5 to the 10-19 class",
        description="the most staff a founder who does not seek growth plans for (founder included)",
    )


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


class Measurement(Section):
    """Definitions used to count outcomes that the documents target."""

    high_tech_min_employees: int = param(
        10, unit="persons", low=5, high=20, ge=0, le=100_000,
        source="assumption: the national recognition rules for high-tech enterprises (MOST, MOF and SAT, "
        "Guoke Fahuo [2016] No. 32) set no size but ask for R&D staff of at least 10% of employees and "
        "R&D spending of 3-5% of revenue, which a firm of about 10 people can show; range 5-20",
        description="staff from which a technology firm counts as a new high-tech enterprise (004:49)",
    )
    high_tech_min_log_productivity: float = param(
        0.6, unit="log productivity", low=0.4, high=0.8, ge=-5, le=5,
        source="assumption: chosen so that Yangpu's count stays near the 20-staff proxy it replaces (about "
        "200 a year); range 0.4-0.8, which binds (about 420 and 60 a year in Yangpu)",
        description="productivity (innovation capacity) from which a technology firm counts as a new high-tech "
        "enterprise",
    )
    little_giant_min_age_months: int = param(
        24, unit="months", source=A, low=12, high=36, ge=0, le=600,
        description="age from which a technology firm can meet the little-giant criteria (a track record; "
        "the criteria of the 2017 implementing rules, 002:39, are not in the documents)",
    )
    little_giant_min_employees: int = param(
        15, unit="persons", source=A, low=10, high=30, ge=0, le=100_000,
        description="staff from which a technology firm meets the little-giant criteria (a growing small "
        "technology enterprise, 002:39 and 004:49 'good growth')",
    )
    little_giant_min_growth: float = param(
        3.0, unit="times the staff at registration", source=A, low=2.0, high=5.0, ge=1.0, le=1000.0,
        description="growth since registration a technology firm needs to meet the little-giant criteria "
        "(004:49: 'competitive, good growth')",
    )
    helped_window_months: int = param(
        12, unit="months", low=6, high=24, ge=1, le=600,
        source=f"assumption: 'helped to start a business' ({SEED_PUTUO_PLAN_2019}:21) counts support in the "
        "start-up phase, before founding or within the firm's first year; the documents count people at founding",
        description="support received up to this firm age counts the founder as helped to start a business",
    )


class Target(Section):
    """A district target a scenario is judged against."""

    metric: str = Field(description="headline metric name")
    op: Literal[">=", ">", "<=", "<"] = ">="
    value: float
    label: str = ""
    source: str = ""
    scales_with_population: bool = Field(
        True, description="multiply the target by --scale (counts), or not (rates)"
    )
    kind: Literal["outcome", "policy_input"] = Field(
        "outcome",
        description="'outcome': the model measures whether it is met; 'policy_input': the scenario sets the "
        "value (e.g. a schedule of new bases), so meeting it says nothing about the policies' effect",
    )


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
        "Population",
    "Scenario",
    "Shock",
    "Target",
    "SEED_PUTUO_PLAN_2019",
]
