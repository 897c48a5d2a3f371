"""The levers' tables of a scenario: one pydantic table per lever, and :class:`Policy` holding them.

Every number is declared with :func:`sim.scenario.parameters.param` (unit, source, plausible range
for assumptions). Each table's mechanism lives in its module under :mod:`sim.policy`; the lever
registry (:data:`sim.policy.registry.LEVERS`) follows :class:`Policy`'s field order. The rest of a
scenario (period, population, behaviour, bank, shocks, measurement, targets) is assembled in
:mod:`sim.scenario.schema`.
"""

from __future__ import annotations

from pydantic import Field

from sim.scenario.parameters import (
    SEED_PUTUO_RELIEF_2023,
    SEED_PUTUO_REPLY_2022,
    SEED_YANGPU_PLAN_2020,
    SEED_YANGPU_REPLY_2022,
    param,
)
from sim.scenario.section import A, Section

LOAN_LIMITS = (
    "Shanghai guaranteed start-up loan rules before 2024: individuals up to 0.5 M yuan, "
    "firms up to 3 M yuan"
)
GUARANTEED_LOAN_RULE = (
    "Ministry of Finance, PBOC and MOHRSS, Cai Jin [2020] No. 21 on guaranteed start-up loans: individuals "
    "up to 3 years, small firms up to 2 years; for loans from 2021 the part of the rate below LPR - 150 bp is "
    "paid by the borrower and the rest subsidised"
)


class LoanInterestSubsidy(Section):
    """Guaranteed start-up loans with interest subsidy (000:51, 001:39, 002:35, 004:89, 003:23)."""

    enabled: bool = True
    guarantee: bool = Field(True, description="guarantee fund lets collateral-free founders borrow")
    individual_limit_yuan: float = param(
        500_000.0, unit="yuan", source=LOAN_LIMITS, ge=0, description="loan cap for individuals",
    )
    firm_limit_yuan: float = param(
        3_000_000.0, unit="yuan", source=LOAN_LIMITS, ge=0, description="loan cap for firms",
    )
    firm_borrower_min_employees: int = param(
        3, unit="persons", source=A, low=2, high=8, ge=0, le=10_000,
        description="staff at registration from which the founder borrows as a firm",
    )
    interest_subsidy_share: float = param(
        1.0, unit="share of the rule's subsidy", ge=0, le=1, low=0.0, high=1.0,
        source=f"{GUARANTEED_LOAN_RULE} (1 = the subsidy as the rule sets it)",
        description="share of the documented interest subsidy (the rate above LPR - borrower_rate_below_lpr_pp) "
        "the programme pays",
    )
    borrower_rate_below_lpr_pp: float = param(
        1.5, unit="percentage points/year", ge=0, le=30, low=0.0, high=1.5, source=GUARANTEED_LOAN_RULE,
        description="the borrower of a guaranteed start-up loan pays the rate up to LPR minus this; the rest is subsidised",
    )
    individual_term_months: int = param(
        36, unit="months", ge=1, le=360, low=24, high=36, source=GUARANTEED_LOAN_RULE,
        description="term of a guaranteed start-up loan to an individual (at most 3 years)",
    )
    firm_term_months: int = param(
        24, unit="months", ge=1, le=360, low=12, high=24, source=GUARANTEED_LOAN_RULE,
        description="term of a guaranteed start-up loan to a small firm (at most 2 years)",
    )
    relief_deferral_months: int = param(
        6, unit="months", low=0, high=9, ge=0, le=60,
        source=f"{SEED_PUTUO_RELIEF_2023}:23 (loan deferral and extension for SMEs); length assumption (PBOC 2022: "
        "deferral of principal and interest for SMEs hit by the epidemic, to the end of 2022)",
        description="months from the start of a relief-package shock in which outstanding loans' principal "
        "instalments are deferred (the loan runs longer; interest is still due)",
    )
    emergency_loan_term_months: int = param(
        12, unit="months", source=f"{SEED_PUTUO_RELIEF_2023}:23 (Kaopu loan); term assumption (working-capital loan)",
        low=6, high=24, ge=1, le=360, description="term of an emergency (Kaopu) loan",
    )
    guarantee_loss_share: float = param(
        0.8, unit="share of loss", source=A, low=0.5, high=1.0, ge=0, le=1,
        description="share of a guaranteed loan's loss paid by the guarantee / risk-compensation fund",
    )
    emergency_loan_months_of_costs: float = param(
        3.0, unit="months of costs", source=f"{SEED_PUTUO_RELIEF_2023}:23 (Kaopu loan); size assumption",
        low=1.0, high=6.0, ge=0, le=60,
        description="size of an emergency loan to a cash-short firm in a relief-package shock",
    )
    annual_budget_yuan: float = param(
        30_000_000.0, unit="yuan/year", source=A, low=10_000_000.0, high=80_000_000.0, ge=0,
        description="annual budget for interest subsidies (guarantee payouts are contracts paid outside it)",
    )


class RentRelief(Section):
    """Rent subsidies for young firms and rent waivers in shocks (002:31-33, 003:23, 004:47)."""

    enabled: bool = True
    subsidy_share: float = param(
        0.3, unit="share of rent", source=f"{SEED_YANGPU_PLAN_2020}:47 (rent subsidies); share assumption",
        low=0.1, high=0.6, ge=0, le=1, description="share of rent covered for eligible firms",
    )
    max_firm_age_months: int = param(
        24, unit="months", source=A, low=12, high=36, ge=0, le=600,
        description="firms up to this age are eligible",
    )
    incubated_only: bool = Field(
        True, description="only incubated firms are eligible (else every young firm)"
    )
    shock_waiver_share: float = param(
        0.3, unit="share of firms", source=f"{SEED_PUTUO_RELIEF_2023}:23 (state-owned premises waive rent); share assumption",
        low=0.1, high=0.5, ge=0, le=1,
        description="share of firms (SME and individual tenants of state-owned premises) whose rent is waived",
    )
    shock_waiver_months: int = param(
        6, unit="months", low=3, high=6, ge=0, le=24,
        source=f"{SEED_PUTUO_RELIEF_2023}:23 (state-owned premises waive SME rent); Shanghai Municipal Government, "
        "measures to support enterprises in the 2022 epidemic (March 2022): 3 months' rent waived in 2022, 6 months "
        "in districts with medium- or high-risk areas (all districts in the April-May lockdown); Shanghai SASAC "
        "press conference 2022-04-22: small and micro tenants of state-owned enterprises have 6 months of 2022 rent "
        "waived (over 80,000 tenants, over 10 bn yuan)",
        description="months of rent waived from the first month of a relief-package shock, whatever the shock's length",
    )
    private_cut_share: float = param(
        0.3, unit="share of private-premises tenants", low=0.1, high=0.6, ge=0, le=1,
        source=f"{SEED_PUTUO_RELIEF_2023}:23 (support for non-state landlords who cut rent); share assumption",
        description="share of tenants of private premises whose landlord cuts rent in the waiver months",
    )
    private_cut_rent_share: float = param(
        0.5, unit="share of rent", low=0.25, high=1.0, ge=0, le=1,
        source=f"{SEED_PUTUO_RELIEF_2023}:23; size assumption", description="share of the rent a private landlord cuts",
    )
    private_cut_support_share: float = param(
        0.5, unit="share of the cut", low=0.2, high=1.0, gt=0, le=1,
        source=f"{SEED_PUTUO_RELIEF_2023}:23 (funding for landlords who cut rent); share assumption",
        description="share of a private landlord's rent cut the district reimburses (from the budget; landlords cut "
        "only as far as they are reimbursed)",
    )
    annual_budget_yuan: float = param(
        20_000_000.0, unit="yuan/year", source=A, low=5_000_000.0, high=60_000_000.0, ge=0,
        description="annual budget for rent subsidies (the waiver is a mandate on state-owned landlords, paid outside it)",
    )


class Incubation(Section):
    """Incubation bases: places, admission, period, graduation, mentoring (000:41, 001:21, 004:47)."""

    enabled: bool = True
    initial_bases: int = param(
        12, unit="bases", low=10, high=30, ge=0, le=10_000,
        source=f"assumption: Putuo 12, so the stock reaches the 15 bases reported in 2022 ({SEED_PUTUO_REPLY_2022}:41); "
        f"up to 30 for Yangpu, a national double-innovation demonstration base ({SEED_YANGPU_PLAN_2020}:25)",
    )
    new_bases_per_year: float = param(
        0.65, unit="bases/year", source=f"assumption: 12 -> 15 bases by mid-2022 ({SEED_PUTUO_REPLY_2022}:41)",
        low=0.0, high=2.0, ge=0, le=1000,
    )
    places_per_base: int = param(
        30, unit="firms", source=A, low=15, high=60, ge=0, le=100_000,
        description="firms a base can host at once",
    )
    period_months: int = param(
        24, unit="months", source=f"assumption; extension of the period is a lever ({SEED_YANGPU_PLAN_2020}:47)",
        low=12, high=48, ge=1, le=240,
    )
    extension_months: int = param(
        12, unit="months", source=f"{SEED_YANGPU_PLAN_2020}:47 (extend incubation period); length assumption",
        low=0, high=24, ge=0, le=240,
    )
    extension_min_employees: int = param(
        3, unit="persons", source=A, low=2, high=6, ge=0, le=10_000,
        description="staff a firm needs at graduation to be granted the extension",
    )
    application_share: float = param(
        0.3, unit="share", source=A, low=0.1, high=0.6, ge=0, le=1,
        description="share of new firms that apply for a place",
    )
    admission_max_age_months: int = param(
        12, unit="months", source=A, low=6, high=24, ge=0, le=600,
        description="oldest firm age at which a firm can be admitted",
    )
    screening_noise_sd: float = param(
        0.15, unit="log productivity", source=A, low=0.05, high=0.3, ge=0, le=5,
        description="noise in a base's view of an applicant's quality",
    )
    admission_threshold: float = param(
        -0.15, unit="log productivity", source=A, low=-0.4, high=0.1, ge=-5, le=5,
        description="lowest screened quality a base admits",
    )
    mentoring_effect: float = param(
        0.03, unit="log productivity", low=0.0, high=0.08, ge=-1, le=1,
        source="assumption; contested, range includes zero (Schwartz 2013: no survival advantage)",
        description="productivity gain from mentoring while incubated",
    )
    place_rent_discount: float = param(
        0.5, unit="share of rent", source=f"{SEED_YANGPU_REPLY_2022}:31-33 (bases reduce rent); share assumption",
        low=0.2, high=0.8, ge=0, le=1, description="rent discount on an incubator place",
    )
    free_place_share_graduates: float = param(
        0.3, unit="share of places", source=f"{SEED_YANGPU_PLAN_2020}:47 (free space for graduates); share assumption",
        low=0.0, high=0.5, ge=0, le=1, description="share of places given rent-free to young graduates",
    )
    services_subsidy_yuan_per_place_month: float = param(
        400.0, unit="yuan/place/month", source=A, low=150.0, high=1_000.0, ge=0,
        description="public subsidy to a base per occupied place for mentoring and services",
    )
    annual_budget_yuan: float = param(
        15_000_000.0, unit="yuan/year", source=A, low=5_000_000.0, high=40_000_000.0, ge=0,
        description="annual budget for incubation subsidies (place subsidy and rent discounts)",
    )


class TalentHousing(Section):
    """Talent apartments and rent subsidies per eligible employee (000:47, 003:23)."""

    enabled: bool = True
    subsidy_yuan_per_person_month: float = param(
        2_000.0, unit="yuan/person/month", source=f"{SEED_PUTUO_REPLY_2022}:47 (raised to at most 2,000)",
        ge=0, le=20_000, low=1_000.0, high=3_000.0,
    )
    eligible_employee_share: float = param(
        0.25, unit="share of staff", source=A, low=0.1, high=0.5, ge=0, le=1,
        description="share of a firm's staff who qualify as talent",
    )
    min_firm_age_months: int = param(
        6, unit="months", source=A, low=0, high=24, ge=0, le=600,
        description="firms qualify after this age (growth firms, 000:47)",
    )
    min_employees: int = param(
        3, unit="persons", source=A, low=2, high=8, ge=0, le=100_000,
        description="firms qualify from this staff count (growth firms, 000:47)",
    )
    annual_budget_yuan: float = param(
        20_000_000.0, unit="yuan/year", source=A, low=5_000_000.0, high=60_000_000.0, ge=0,
    )


class StartupSubsidies(Section):
    """Opening subsidy, start-up capital for incubated firms, early-stage social insurance (002:21)."""

    enabled: bool = True
    opening_subsidy_yuan: float = param(
        10_000.0, unit="yuan/firm", source=f"{SEED_YANGPU_REPLY_2022}:21 (one-time opening subsidy); amount assumption",
        low=5_000.0, high=20_000.0, ge=0,
    )
    startup_capital_subsidy_yuan: float = param(
        50_000.0, unit="yuan/firm", source=f"{SEED_YANGPU_REPLY_2022}:21 (start-up capital for incubated firms); amount assumption",
        low=20_000.0, high=100_000.0, ge=0,
    )
    social_insurance_subsidy_yuan_per_person_month: float = param(
        1_000.0, unit="yuan/person/month", source=f"{SEED_YANGPU_REPLY_2022}:21 (early-stage social insurance subsidy); amount assumption",
        low=500.0, high=1_500.0, ge=0, le=20_000,
    )
    social_insurance_subsidy_months: int = param(
        36, unit="months", source=f"{SEED_YANGPU_REPLY_2022}:21 (early-stage); length assumption",
        low=12, high=36, ge=0, le=600,
    )
    annual_budget_yuan: float = param(
        30_000_000.0, unit="yuan/year", source=A, low=10_000_000.0, high=80_000_000.0, ge=0,
    )


class GrowthGrants(Section):
    """Yangpu 'little giant' grants to growth firms (002:39, 004:49)."""

    enabled: bool = True
    innovation_grants_per_year: int = param(
        10, unit="firms/year", source=f"{SEED_YANGPU_REPLY_2022}:39 (at most 10 a year)", ge=0, le=100_000,
    )
    innovation_grant_yuan: float = param(
        1_000_000.0, unit="yuan/firm", source=f"{SEED_YANGPU_REPLY_2022}:39", ge=0,
    )
    technology_grants_per_year: int = param(
        30, unit="firms/year", source=f"{SEED_YANGPU_REPLY_2022}:39 (at most 30 a year)", ge=0, le=100_000,
    )
    technology_grant_yuan: float = param(
        500_000.0, unit="yuan/firm", source=f"{SEED_YANGPU_REPLY_2022}:39", ge=0,
    )
    min_firm_age_months: int = param(
        12, unit="months", source=A, low=6, high=36, ge=0, le=600,
    )
    min_employees: int = param(
        5, unit="persons", source=A, low=3, high=15, ge=0, le=100_000,
        description="smallest staff count considered for a grant",
    )
    award_month: int = param(
        12, unit="calendar month", source=A, low=1, high=12, ge=1, le=12,
        description="month of the year the grants are awarded",
    )
    productivity_effect: float = param(
        0.03, unit="log productivity", source=A, low=0.0, high=0.08, ge=-1, le=1,
        description="lasting productivity gain of funded R&D",
    )
    annual_budget_yuan: float = param(
        25_000_000.0, unit="yuan/year", source=f"{SEED_YANGPU_REPLY_2022}:39 (10 x 1 M + 30 x 0.5 M)", ge=0,
    )


class Training(Section):
    """Entrepreneurship camps and training that raise founder skill (001:51, 002:25, 002:27)."""

    enabled: bool = True
    places_per_year: int = param(
        320, unit="persons/year", source=f"{SEED_YANGPU_REPLY_2022}:25 (317 internship places, ~1,000 applicants)",
        ge=0, le=10_000_000, low=100, high=1000,
    )
    graduates_only: bool = Field(True, description="places go to young graduates first and only")
    skill_gain: float = param(
        0.04, unit="log productivity", source=A, low=0.0, high=0.1, ge=-1, le=1,
        description="productivity gain of a trained founder's firm",
    )
    cost_per_trainee_yuan: float = param(
        3_000.0, unit="yuan/person", source=A, low=1_000.0, high=8_000.0, ge=0,
    )
    annual_budget_yuan: float = param(
        1_500_000.0, unit="yuan/year", source=A, low=500_000.0, high=5_000_000.0, ge=0,
    )


class RdProjects(Section):
    """Support for industry-academia R&D projects with universities or institutes (000:31)."""

    enabled: bool = False
    support_share: float = param(
        0.3, unit="share of own investment", source=f"{SEED_PUTUO_REPLY_2022}:31 (within 30% of the self-raised investment)",
        low=0.1, high=0.3, ge=0, le=1, description="share of a recognised project's self-raised investment the district pays",
    )
    max_support_yuan: float = param(
        3_000_000.0, unit="yuan/project", source=f"{SEED_PUTUO_REPLY_2022}:31 (at most 3 M yuan)", ge=0,
        description="cap on the support to one project",
    )
    tech_only: bool = Field(
        True, description="only technology / R&D firms qualify (the key sectors R&D services and software, 000:31)"
    )
    project_share: float = param(
        0.1, unit="share of eligible firms/year", source=A, low=0.03, high=0.25, ge=0, le=1,
        description="share of eligible firms that run a recognised project with a university or institute in a year",
    )
    investment_share_of_revenue: float = param(
        0.15, unit="share of annual revenue", source=A, low=0.05, high=0.3, ge=0, le=10,
        description="a project's self-raised investment relative to the firm's expected annual revenue",
    )
    min_firm_age_months: int = param(
        12, unit="months", source=A, low=6, high=36, ge=0, le=600,
        description="firms qualify from this age (a track record for the recognition)",
    )
    min_employees: int = param(
        3, unit="persons", source=A, low=2, high=10, ge=0, le=100_000,
        description="firms qualify from this staff count",
    )
    award_month: int = param(
        12, unit="calendar month", source=A, low=1, high=12, ge=1, le=12,
        description="month of the year the projects are recognised and paid",
    )
    productivity_effect: float = param(
        0.02, unit="log productivity", source=A, low=0.0, high=0.06, ge=-1, le=1,
        description="lasting productivity gain of a supported project (range includes no gain)",
    )
    annual_budget_yuan: float = param(
        10_000_000.0, unit="yuan/year", source=A, low=3_000_000.0, high=30_000_000.0, ge=0,
        description="annual budget for industry-academia project support",
    )


JOB_RETENTION_2022 = (
    "Shanghai Municipal Human Resources and Social Security Bureau, Finance Bureau and others, notice on "
    "employment subsidies of 6 June 2022 (reported by SHINE, 6 June 2022): firms of seven industries hit by "
    "the epidemic (catering, retail, tourism, transport, culture and entertainment, accommodation, exhibitions) "
    "that kept their lay-off rate within 5.5% receive 600 yuan per insured employee once, at most 3 M yuan a "
    "firm, from the unemployment-insurance fund"
)


class JobRetention(Section):
    """Job-retention subsidies of a relief package (援企稳岗: 003:23, 002:33)."""

    enabled: bool = False
    subsidy_yuan_per_person: float = param(
        600.0, unit="yuan/person", source=f"{JOB_RETENTION_2022}; range up to 1,800: the 2022 training subsidy for "
        "firms that kept staff paid up to three further trainings of 600 yuan per employee (002:33)",
        low=600.0, high=1_800.0, ge=0, le=100_000,
        description="subsidy per employee kept through a relief-package shock, paid once",
    )
    max_yuan_per_firm: float = param(
        3_000_000.0, unit="yuan/firm", source=JOB_RETENTION_2022, ge=0,
        description="most a firm receives in one relief-package shock",
    )
    max_layoff_share: float = param(
        0.055, unit="share of staff", source=f"{JOB_RETENTION_2022} (the 2021 national urban unemployment target)",
        ge=0, le=1,
        description="a firm that shed more than this share of its staff since the shock began gets nothing",
    )
    consumer_industries_only: bool = Field(
        True, description="only consumer-service firms qualify (the seven hard-hit industries of the 2022 notice)"
    )
    payment_months: int = param(
        3, unit="months", source=A, low=1, high=6, ge=1, le=24,
        description="months from the start of a relief-package shock over which the subsidy is paid for the staff "
        "kept (Shanghai 2022: applications June-December for the April-May lockdown)",
    )

    annual_budget_yuan: float = param(
        25_000_000.0, unit="yuan/year", source=A, low=10_000_000.0, high=40_000_000.0, ge=0,
        description="yearly money for job-retention subsidies (paced evenly over the months left in the year); "
        "the default lets an April shock's payments follow the 600-yuan rule in full for the district's young "
        "consumer-service firms (about 2.0 M yuan in April 2022 and 2.3 M in all in Putuo at full scale, against "
        "a monthly allowance of 25 M / 9); the actual spend is not published",
    )


class Policy(Section):
    """The policy mix: one table per lever (:mod:`sim.policy.registry` describes each)."""

    loan_interest_subsidy: LoanInterestSubsidy = Field(default_factory=LoanInterestSubsidy)
    rent_relief: RentRelief = Field(default_factory=RentRelief)
    incubation: Incubation = Field(default_factory=Incubation)
    talent_housing: TalentHousing = Field(default_factory=TalentHousing)
    startup_subsidies: StartupSubsidies = Field(default_factory=StartupSubsidies)
    growth_grants: GrowthGrants = Field(default_factory=GrowthGrants)
    training: Training = Field(default_factory=Training)
    rd_projects: RdProjects = Field(default_factory=RdProjects)
    job_retention: JobRetention = Field(default_factory=JobRetention)
