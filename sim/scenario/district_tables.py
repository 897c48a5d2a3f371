"""The district's founders and firms: who founds a firm, and how founders and firms behave.

:class:`Population` (the scenario's ``[population]`` table: how many people consider founding each month and
who they are) and :class:`Behaviour` (``[behaviour]``: wages, costs, productivity, growth, exits, the founding
decision), with the calibration sources of their defaults. Part of the :class:`sim.scenario.schema.Scenario`.
"""

from __future__ import annotations

from pydantic import model_validator

from sim.scenario.parameters import param
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
        description="share of founders who know of and apply for district programmes "
        "(imprecise policy outreach, 000:17-21)",
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
