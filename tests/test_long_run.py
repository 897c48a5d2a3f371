"""Firm dynamics over long horizons (issue 14): bounded growth, death rates, labour demand, liquidity.

Small-scale, cheap versions of ``benchmarks/bench_long_run.py`` and ``benchmarks/bench_elasticity.py``;
the bands are the benchmarks' sourced bands, widened for the noise of a small population.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from sim.calendar import parse_month
from sim.core.firms import SHOCK_ROWS, FirmPopulation
from sim.core.population import EXIT_NON_ECONOMIC, N_UNIFORMS, FirmArrays
from sim.experiments.metrics import death_rates_by_age
from sim.experiments.simulate import simulate
from sim.scenario.files import load_scenario
from sim.scenario.schema import Period, Scenario

ROOT = Path(__file__).resolve().parents[1]
_SPEC = importlib.util.spec_from_file_location("bench_long_run", ROOT / "benchmarks" / "bench_long_run.py")
BENCH = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(BENCH)  # the benchmark's sourced bands, one definition
PUTUO_EMPLOYMENT_PERSONS, YOUNG_FIRM_JOB_SHARE_BAND = BENCH.PUTUO_EMPLOYMENT_PERSONS, BENCH.YOUNG_FIRM_JOB_SHARE_BAND
PUTUO = ROOT / "scenarios" / "putuo" / "baseline.toml"
NO_POLICY = ROOT / "scenarios" / "putuo" / "no_policy.toml"
MONTH = parse_month("2021-06")


def over(scenario: Scenario, start: str, end: str) -> Scenario:
    """``scenario`` over another period."""
    return scenario.model_copy(update={"period": Period(start=start, end=end)})


@pytest.fixture(scope="module")
def fifteen_years():
    """The Putuo baseline over 2018-2032 at a small scale."""
    return simulate(over(load_scenario(PUTUO), "2018-01", "2032-12"), seed=1, scale=0.1)


def hand_made(n: int, **behaviour) -> FirmPopulation:
    """``n`` registered live firms of the Putuo baseline (quality 0, 3 staff, ample cash, aged 3 years)."""
    scenario = load_scenario(PUTUO)
    scenario = scenario.model_copy(update={"behaviour": scenario.behaviour.model_copy(update=behaviour)})
    firms = FirmPopulation(scenario, expected_arrivals=n)
    idx = firms.arrive(MONTH - 40, np.full((n, N_UNIFORMS), 0.5))
    firms.registered[idx] = firms.alive[idx] = True
    firms.start_month[idx] = MONTH - 36
    firms.employees[idx] = firms.initial_employees[idx] = 3
    firms.cash[idx] = 1e7
    return firms


def test_founders_who_do_not_seek_growth_plan_for_a_micro_firm():
    """Hurst & Pugsley 2011: most founders want a firm they run with a few key employees; only the
    growth-oriented plan for the size their market supports."""
    firms = hand_made(2)
    idx = np.arange(2)
    firms.growth_oriented[idx] = [True, False]
    productivity = np.full(2, 1e6)  # a large market: hundreds of staff
    planned = firms.planned_staff(idx, productivity, np.zeros(2))
    assert planned[0] > 100
    assert planned[1] == firms.behaviour.lifestyle_max_staff
    small = firms.planned_staff(idx, np.full(2, 20_000.0), np.zeros(2))
    assert small[0] == small[1] < firms.behaviour.lifestyle_max_staff  # the cap binds only above it


def test_share_of_growth_oriented_founders_follows_the_parameter():
    firms = FirmPopulation(load_scenario(PUTUO), expected_arrivals=20_000)
    idx = firms.arrive(MONTH, np.random.default_rng(3).random((20_000, N_UNIFORMS)))
    assert firms.growth_oriented[idx].mean() == pytest.approx(firms.behaviour.growth_oriented_share, abs=0.01)


def test_profitable_firms_close_for_non_economic_reasons_at_the_set_rate():
    """Headd 2003: part of all closures are not failures; every firm, profitable or not, closes with
    the monthly chance of non_economic_exit_annual, recorded as a non-economic exit."""
    n = 40_000
    firms = hand_made(n)
    alive = np.arange(n)
    draws = np.random.default_rng(5).standard_normal((SHOCK_ROWS, n))
    account = firms.open_account(alive, draws, 0.0, np.ones(n), MONTH)
    firms.close_account(account, np.zeros(n), np.zeros(n), np.zeros(n))
    leaving = firms.leaving(account, np.zeros(n))
    monthly = 1 - (1 - firms.behaviour.non_economic_exit_annual) ** (1 / 12)
    assert leaving.mean() == pytest.approx(monthly, rel=0.15)
    firms.close(alive[leaving], MONTH)
    assert (firms.exit_reason[alive[leaving]] == EXIT_NON_ECONOMIC).all()
    never = hand_made(n, non_economic_exit_annual=0.0)
    account = never.open_account(alive, draws, 0.0, np.ones(n), MONTH)
    never.close_account(account, np.zeros(n), np.zeros(n), np.zeros(n))
    assert not never.leaving(account, np.zeros(n)).any()


def test_growth_stays_bounded_over_fifteen_years(fifteen_years):
    alive = fifteen_years.firms[fifteen_years.firms["censored"]]
    staff = alive["employees"].to_numpy()
    # OECD DynEmp: surviving start-ups average well under 30 staff at age 10-15 (bench_long_run's band)
    assert 4.0 < staff.mean() < 30.0
    assert staff.max() < 5_000
    # size classes of surviving firms against OECD (80% with 1-9 staff, 17% with 10-49, bench_long_run's
    # bands); without growth orientation (every founder plans for the whole market) 64-66% and 28-30%
    assert 0.75 < (staff <= 9).mean() < 0.88
    assert 0.09 < ((staff >= 10) & (staff <= 49)).mean() < 0.22
    assert (staff >= 250).mean() < 0.01
    december = fifteen_years.monthly[fifteen_years.monthly["month"].str.endswith("-12")]
    per_firm = (december["jobs"] / december["active_firms"]).to_numpy()
    assert per_firm[-1] < 2.5 * per_firm[4]  # 2032 against 2022: growth slows, it does not explode


def test_death_rates_stay_above_saic_floor_through_year_seven(fifteen_years):
    rates = death_rates_by_age(fifteen_years.firms, years=10)
    # SAIC 2013: deregistration above 8% in years 3-7; BLS closure 7-10% in years 3-7. With non-economic
    # exits the model gives 8-11% in years 3-7 (bench_long_run); without them 5.7-7.9% in years 6-7.
    # At scale 0.1 a single year's rate varies by about +-1 point from seed to seed (seeds 1-5: 6.8-11.1% in
    # years 3-7, under both the earlier and the counter-based monthly shocks), so the floor is on the mean
    # of years 3-7, with a wider band for each year.
    assert rates.loc[3:7].mean() > 0.08, rates.round(3).to_dict()
    assert (rates.loc[3:7] > 0.065).all(), rates.round(3).to_dict()
    assert rates.loc[1] > rates.loc[7]  # closure is most frequent among the youngest firms
    assert (rates.loc[8:10] < 0.12).all()  # the hazard levels off, it does not rise with age


def young_firm_job_share(result, years: int, scale: float) -> float:
    """Jobs in surviving firms younger than ``years`` at scale 1 as a share of Putuo's enterprise jobs."""
    alive = result.firms[result.firms["censored"]]
    young = alive["lifetime_months"].to_numpy() < years * 12
    return alive["employees"].to_numpy()[young].sum() / scale / PUTUO_EMPLOYMENT_PERSONS


def test_jobs_in_young_firms_within_chinas_share(fifteen_years):
    """China's economic censuses: enterprises younger than 5 years (the 10.4-13.2 M not there at the
    end of 2013) at 7.0-8.4 persons each hold 18.9-28.8% of employment in 2018
    (bench_long_run.YOUNG_FIRM_JOB_SHARE_BAND; OECD DynEmp's 17% for 0-5 years is a mature-economy
    average). Seed 1 at scale 0.1 gives 22.5%; 1.5 points of tolerance for a small population."""
    low, high = YOUNG_FIRM_JOB_SHARE_BAND[5]
    assert low - 0.015 <= young_firm_job_share(fifteen_years, 5, 0.1) <= high


@pytest.mark.xfail(strict=True, reason="known misfit: firms aged 5-9 hold too many jobs (14-18 staff each); "
                   "not entry (an entry rate low enough for the ten-year band puts the five-year share under "
                   "its lower bound), not growth after age 5 (mature_productivity_drift_annual up to 0.04 "
                   "leaves seed 1 at 43-45% and breaks the size shares or SAIC's falling later death rates): "
                   "the census band embeds China's post-2014 entry boom (docs/model.md)")
def test_jobs_in_firms_under_ten_years_within_chinas_share(fifteen_years):
    """China's censuses: legal units younger than 10 years hold 26.8-41.0% of employment in 2018
    (bench_long_run). Strict: passes, and so fails as an xfail, once the model comes inside."""
    low, high = YOUNG_FIRM_JOB_SHARE_BAND[10]
    assert low - 0.015 <= young_firm_job_share(fifteen_years, 10, 0.1) <= high + 0.015


def test_a_century_gives_sane_figures():
    result = simulate(over(load_scenario(PUTUO), "2000-01", "2099-12"), seed=2, scale=0.02)
    last = result.monthly.iloc[-1]
    assert 0 < last["active_firms"]
    assert np.isfinite(result.firms["employees"]).all()
    assert last["jobs"] / last["active_firms"] < 40.0
    assert result.firms["employees"].max() < 20_000


def subsidy_pair(scale_cut: float = 0.10) -> tuple[Scenario, Scenario]:
    """Putuo no_policy (take-up 1) without and with a per-person subsidy of 10% of a person's gross
    cost for every firm and every employee, unlimited budget (issue 14, item 2)."""
    base = load_scenario(NO_POLICY)
    base = base.model_copy(update={"behaviour": base.behaviour.model_copy(update={"support_take_up_share": 1.0})})
    gross_cost = FirmArrays(base, 0).cost_per_person_yuan()
    housing = base.policy.talent_housing.model_copy(update={
        "enabled": True, "subsidy_yuan_per_person_month": scale_cut * gross_cost, "eligible_employee_share": 1.0,
        "min_firm_age_months": 0, "min_employees": 0, "annual_budget_yuan": 1e12,
    })
    return base, base.model_copy(update={"policy": base.policy.model_copy(update={"talent_housing": housing})})


def test_labour_demand_elasticity_within_published_range():
    """Published own-wage elasticities are firm-level (staff of continuing firms); the same firms,
    alive at the end in both runs, answer within the registry's range. The total response (entry and
    survival too) is larger: benchmarks/bench_elasticity.py prints both."""
    base, subsidised = subsidy_pair()
    field = type(base.behaviour).model_fields["labour_demand_elasticity"].json_schema_extra
    per_firm, total = [], []
    for seed in (0, 1):
        a, b = simulate(base, seed=seed, scale=0.2), simulate(subsidised, seed=seed, scale=0.2)
        fa, fb = a.firms.set_index("firm_id"), b.firms.set_index("firm_id")
        both = fa.index[fa["censored"]].intersection(fb.index[fb["censored"]])
        per_firm.append((fb.loc[both, "employees"].sum() / fa.loc[both, "employees"].sum() - 1.0) / -0.10)
        total.append((b.metrics["jobs_created"] / a.metrics["jobs_created"] - 1.0) / -0.10)
    assert field["low"] <= np.mean(per_firm) <= field["high"], per_firm
    assert np.mean(total) < np.mean(per_firm)  # more firms survive and start: the total response is larger
    assert np.mean(total) > -2.0, total  # against -3.8 before issue 14


def test_loans_keep_viable_firms_alive():
    """Paired firms (same seed): founders who borrow in the baseline (start-up or 2022 emergency loans)
    survive more often than the same founders' firms when the loan programme is off and they get no
    loan (Evans & Jovanovic 1989; Holtz-Eakin, Joulfaian & Rosen 1994): without the loan some run out
    of cash. bench_liquidity.py prints the figures, start-up loans apart."""
    scenario = load_scenario(PUTUO)
    no_loans = scenario.model_copy(deep=True)
    no_loans.policy.loan_interest_subsidy.enabled = False
    with_loan = simulate(scenario, seed=4, scale=0.3).firms.set_index("firm_id")
    without = simulate(no_loans, seed=4, scale=0.3).firms.set_index("firm_id")
    borrowers = with_loan.index[with_loan["loan"]].intersection(without.index[~without["loan"]])
    assert borrowers.size > 200
    alive_with = with_loan.loc[borrowers, "censored"].mean()
    alive_without = without.loc[borrowers, "censored"].mean()
    longer = (with_loan.loc[borrowers, "lifetime_months"] > without.loc[borrowers, "lifetime_months"]).mean()
    assert alive_with > alive_without + 0.02, (alive_with, alive_without)
    assert longer > 0.03
    start_up = borrowers[~with_loan.loc[borrowers, "emergency_loan"].to_numpy()]
    cash_out_with = (with_loan.loc[start_up, "exit_reason"] == "cash_out").mean()
    cash_out_without = (without.loc[start_up, "exit_reason"] == "cash_out").mean()
    assert cash_out_without > cash_out_with  # start-up loans: fewer firms run out of cash
