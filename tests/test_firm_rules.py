"""Firm rules of sim/core/firms.py that only whole runs exercised: exit on prospects after a run of
losses, non-economic exits, the reason recorded at closing, and the high-tech and little-giant
criteria, on tiny hand-made populations with exact thresholds.

The settings are spelled out in each test, so the tests pin the rules, not calibrated numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ndtri

from sim.calendar import parse_month
from sim.core.firms import SHOCK_ROWS, FirmPopulation
from sim.core.population import (
    EXIT_CASH_OUT,
    EXIT_NON_ECONOMIC,
    EXIT_VOLUNTARY,
    N_UNIFORMS,
    NOT_SET,
    SERVICES,
    TECH,
)
from sim.scenario.schema import Scenario

MONTH = parse_month("2021-06")
PERSON_YUAN = 8000.0 * 1.3 + 1200.0  # wage with social insurance, plus a workstation's rent
BEHAVIOUR = {
    "wage_yuan_month": 8000.0, "social_insurance_rate": 0.3, "rent_yuan_per_workstation_month": 1200.0,
    "fixed_cost_yuan_month": 6000.0, "support_take_up_share": 0.5, "voluntary_exit_loss_months": 6,
    "exit_forecast_months": 12.0, "productivity_persistence_annual": 0.5, "non_economic_exit_annual": 0.08,
    "staffing_shock_pass_through": 0.5,
}
MEASUREMENT = {"high_tech_min_employees": 10, "high_tech_min_log_productivity": 0.6,
               "little_giant_min_age_months": 24, "little_giant_min_employees": 15, "little_giant_min_growth": 3.0}


def population(n: int, **behaviour) -> FirmPopulation:
    """``n`` live growth-oriented firms of 2 staff with 100,000 yuan, six loss months behind them."""
    scenario = Scenario(name="rules", description="hand-made", district="putuo",
                        behaviour={**BEHAVIOUR, **behaviour}, measurement=MEASUREMENT)
    firms = FirmPopulation(scenario, expected_arrivals=n)
    idx = firms.arrive(MONTH - 40, np.full((n, N_UNIFORMS), 0.5))
    firms.registered[idx] = firms.alive[idx] = True
    firms.growth_oriented[idx] = True
    firms.start_month[idx] = MONTH - 12
    firms.employees[idx] = firms.initial_employees[idx] = 2
    firms.cash[idx] = 100_000.0
    firms.loss_months[idx] = 6
    firms.log_quality[idx] = firms.log_quality_permanent[idx] = 0.0
    return firms


def expected_profit(firms: FirmPopulation, factor: float, demand: float = 1.0, support: float = 0.0) -> float:
    """Monthly profit at the size a (forecast) revenue factor supports, written out from the rule."""
    b = firms.behaviour
    planned = 1 - 0.5 * (1 - demand)
    net = PERSON_YUAN - support
    market = (b.returns_to_scale * factor * planned / PERSON_YUAN) ** (1 / (1 - b.returns_to_scale))
    size = max(market * (net / PERSON_YUAN) ** b.labour_demand_elasticity, 1.0)
    return factor * planned * size**b.returns_to_scale - net * size - 6000.0


def break_even(firms: FirmPopulation, demand: float = 1.0) -> float:
    """Revenue factor at which the expected profit is zero (bisection on its logarithm)."""
    low, high = np.log(1.0), np.log(1e7)
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if expected_profit(firms, np.exp(mid), demand) < 0 else (low, mid)
    return float(np.exp(low))


def test_founders_close_on_the_forecast_profit_after_their_run_of_losses_or_when_cash_runs_out():
    firms = population(10)
    r0 = break_even(firms)
    r_shock = break_even(firms, demand=0.6)
    r_deep = break_even(firms, demand=0.2)
    decay = 0.5  # persistence 0.5 a year over a 12-month forecast
    factor = r0 * np.array([1.01, 0.99, 0.99, 0.9, 1.1, 1.01, 1.01, 0.99, r_shock / r0 * 0.99, r_deep / r0 * 1.01])
    deviation = np.array([0, 0, 0, -0.3, 0.3, 0, 0, 0, 0, 0])  # current productivity less its permanent level
    firms.log_quality_permanent[:10] = 0.2
    firms.log_quality[:10] = 0.2 + deviation
    assert factor[3] * np.exp((decay - 1) * -0.3) > r0 and factor[4] * np.exp((decay - 1) * 0.3) < r0
    np.testing.assert_allclose(firms.forecast_revenue_factor(np.arange(10), factor),
                               factor * np.exp((decay - 1) * deviation))
    firms.loss_months[2] = 5  # one loss month short of the founder's patience
    firms.cash[5:7] = [0.0, -1.0]  # exactly no cash left is not out of cash
    support = np.zeros(10)
    support[7] = 2_000.0  # support per person keeps a founder at 0.99 of break-even going
    assert expected_profit(firms, factor[7], support=2_000.0) > 0
    demand = np.ones(10)
    demand[8:] = [0.6, 0.2]  # in a shock, at the break-even of the demand staff is planned for
    account = firms.open_account(np.arange(10), np.zeros((SHOCK_ROWS, firms.n)), 0.0, demand, MONTH)
    account.revenue_factor = factor
    account.exit_draw = None
    leaving = firms.leaving(account, support)
    assert leaving.tolist() == [False, True, False, False, True, False, True, False, True, False]
    # the firm out of cash closes on that, whatever its draw; founders on poor prospects whatever theirs
    account.exit_draw = np.full(10, 5.0)
    assert firms.leaving(account, support).tolist() == leaving.tolist()


def test_every_firm_closes_for_other_reasons_with_the_monthly_share_of_the_annual_chance():
    firms = population(3)
    monthly = 1 - (1 - 0.08) ** (1 / 12)
    quantile = firms.non_economic_exit_quantile()
    assert quantile == pytest.approx(float(ndtri(monthly)))
    firms.loss_months[:3] = 0
    account = firms.open_account(np.arange(3), np.zeros((SHOCK_ROWS, firms.n)), 0.0, np.ones(3), MONTH)
    account.revenue_factor = np.full(3, 10 * break_even(firms))
    account.exit_draw = np.array([quantile - 0.01, quantile + 0.01, 0.0])
    assert firms.leaving(account, np.zeros(3)).tolist() == [True, False, False]
    never = population(1, non_economic_exit_annual=0.0)
    assert never.non_economic_exit_quantile() == -np.inf


def test_closing_records_cash_out_voluntary_or_non_economic_and_ends_incubation():
    firms = population(4)
    firms.cash[:4] = [-1.0, 0.0, 0.0, 0.0]
    firms.loss_months[:4] = [6, 6, 5, 0]
    firms.incubated[:4] = True
    firms.close(np.arange(3), MONTH)
    assert firms.exit_reason[:3].tolist() == [EXIT_CASH_OUT, EXIT_VOLUNTARY, EXIT_NON_ECONOMIC]
    assert firms.alive[:4].tolist() == [False, False, False, True]
    assert firms.incubated[:4].tolist() == [False, False, False, True]
    assert firms.exit_month[:3].tolist() == [MONTH] * 3


def test_high_tech_from_exactly_the_size_and_productivity_and_only_once():
    firms = population(6)
    firms.sector[:6] = [TECH, TECH, TECH, SERVICES, TECH, TECH]
    firms.employees[:6] = [10, 9, 10, 10, 10, 10]
    firms.log_quality[:6] = [0.5, 0.6, 0.5, 0.6, 0.5, 0.0]
    firms.log_boost[:6] = [0.1, 0.0, 0.0, 0.0, 0.1, 0.5]
    firms.high_tech_month[4] = MONTH - 1  # counted before
    assert firms.mark_high_tech(np.arange(6), MONTH) == 1
    assert firms.high_tech_month[:6].tolist() == [MONTH, NOT_SET, NOT_SET, NOT_SET, MONTH - 1, NOT_SET]


def test_little_giants_from_exactly_the_age_staff_and_growth_and_only_once():
    firms = population(7)
    firms.sector[:7] = [TECH, TECH, TECH, TECH, SERVICES, TECH, TECH]
    firms.start_month[:7] = MONTH - np.array([24, 23, 24, 24, 24, 24, 24])
    firms.employees[:7] = [15, 15, 14, 15, 15, 15, 15]
    firms.initial_employees[:7] = [5, 5, 4, 6, 5, 5, 5]
    firms.little_giant_month[5] = MONTH - 1  # counted before
    assert firms.mark_little_giants(np.arange(7), MONTH) == 2
    assert firms.little_giant_month[:7].tolist() == [MONTH, NOT_SET, NOT_SET, NOT_SET, NOT_SET, MONTH - 1, MONTH]


def test_training_and_incubation_mark_the_founder_supported_by_their_programme_and_gains_add_up():
    firms = population(2)
    firms.train(np.array([0]), MONTH, 0.04)  # a free camp: nothing booked, still support
    firms.start_incubation(np.array([1]), 7, MONTH + 1)
    training, incubation = firms.programme_row("training"), firms.programme_row("incubation")
    assert firms.first_support_month[:2].tolist() == [MONTH, MONTH + 1]
    assert firms.first_support_by_programme[training, :2].tolist() == [MONTH, NOT_SET]
    assert firms.first_support_by_programme[incubation, :2].tolist() == [NOT_SET, MONTH + 1]
    firms.raise_productivity(np.array([0]), 0.03)
    assert firms.log_boost[0] == pytest.approx(0.07)


@pytest.mark.parametrize("gain", ["train", "raise_productivity"])
def test_a_lasting_productivity_gain_raises_the_revenue_of_that_firm_only(gain):
    firms = population(2)
    idx = np.arange(2)
    before = firms.revenue_factor(idx, MONTH)
    if gain == "train":
        firms.train(np.array([0]), MONTH, 0.05)
    else:
        firms.raise_productivity(np.array([0]), 0.05)
    after = firms.revenue_factor(idx, MONTH)
    assert after[0] == pytest.approx(before[0] * np.exp(0.05), rel=1e-12)
    assert after[1] == before[1]


def factor_for(firms: FirmPopulation, target: float, planned_demand: float = 1.0) -> float:
    """Revenue factor at which a growth-oriented firm without support plans ``target`` persons."""
    beta = firms.behaviour.returns_to_scale
    return PERSON_YUAN / beta * target ** (1 - beta) / planned_demand


def test_any_support_per_person_raises_the_planned_staff_by_the_elasticity_down_to_the_floor_on_the_net_cost():
    """A growth-oriented firm planning 10 persons without support; support of 1 yuan, 5,800 yuan
    (half a person's cost) and more than a person's cost (the net cost floored at 1 yuan)."""
    firms = population(4)
    support = np.array([0.0, 1.0, 0.5 * PERSON_YUAN, 2 * PERSON_YUAN])
    factor = np.full(4, factor_for(firms, 10.0))
    planned = firms.planned_staff(np.arange(4), factor, support)
    net = np.maximum(PERSON_YUAN - support, 1.0)
    np.testing.assert_allclose(planned, 10.0 * (net / PERSON_YUAN) ** firms.behaviour.labour_demand_elasticity,
                               rtol=1e-12)
    assert planned[0] < planned[1] < planned[2] < planned[3]  # even one yuan a month counts


def test_hiring_and_shedding_close_a_share_of_the_gap_round_at_random_and_respect_cash_and_one_person():
    """Each firm isolates one rule; shares 0.5 (hiring) and 0.25 (shedding), a 2-month cash buffer."""
    firms = population(12, hiring_adjustment_share=0.5, shedding_adjustment_share=0.25, hiring_cash_buffer_months=2.0)
    idx = np.arange(12)
    # target 12.4 for firms 0-4 (gap 8.4 from 4 persons: 4.2 hires before rounding), 3.4 for 5-6,
    # 7.4 for 7-9 and 11, almost nothing for 10
    target = np.array([12.4] * 5 + [3.4] * 2 + [7.4] * 3 + [0.01, 7.4])
    staff = np.array([4, 4, 4, 4, 4, 12, 12, 8, 8, 8, 1, 8])
    u = np.array([0.15, 0.85, 0.85, 0.85, 0.85, 0.15, 0.9, 0.3, 0.3, 0.3, 0.9, 0.8])
    demand = np.array([1.0, 1.0, 1.0, 1.0, 0.6, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    planned_demand = 1 - 0.5 * (1 - demand)  # half of a shock passes into the plan
    factor = np.array([factor_for(firms, t, p) for t, p in zip(target, planned_demand, strict=True)])
    firms.employees[idx] = staff
    firms.peak_employees[idx] = [4, 4, 4, 4, 4, 14, 12, 8, 8, 8, 1, 8]
    firms.last_profit[idx] = [1.0] * 7 + [-1.0, -1.0, 1.0, -1.0, -1.0]
    month_of_costs = staff * PERSON_YUAN + 6_000.0
    firms.cash[idx] = 1e9
    firms.cash[2] = 2 * (6_000.0 + 5.5 * PERSON_YUAN)  # a buffer for 5 persons: 1 hire
    firms.cash[3] = 2 * (6_000.0 + 3.5 * PERSON_YUAN)  # not even the 4 it has: no hire, no shedding
    # under a month's costs: losing money (7, 11) or not (9)
    firms.cash[7] = firms.cash[9] = firms.cash[11] = month_of_costs[7] - 1.0
    firms.cash[8] = month_of_costs[8] + 1.0  # losing money, over a month's costs
    firms.cash[10] = 0.0
    new = firms.hire_and_shed(idx, u, np.zeros(12), factor, demand)
    expected = [
        4 + 4,  # floor(4.2 + 0.15)
        4 + 5,  # floor(4.2 + 0.85)
        4 + 1,  # wants 5, cash for 1
        4,  # cash for fewer than it has: no hire, and a firm short of staff does not shed
        4 + 5,  # the same gap at demand 0.6: the plan sees demand 0.8
        12 - 2,  # floor(0.25 x 8.6 + 0.15)
        12 - 3,  # floor(0.25 x 8.6 + 0.9)
        8 - 2,  # distressed: floor(0.25 x (8 - 1) + 0.3) rather than floor(0.25 x 0.6 + 0.3) = 0
        8,  # losing money with more than a month's costs in cash: not distressed
        8,  # under a month's costs but profitable: not distressed
        1,  # never below one person
        8 - 2,  # distressed: floor(0.25 x (8 - 1) + 0.8)
    ]
    assert new.tolist() == expected
    assert firms.employees[:12].tolist() == expected
    assert firms.peak_employees[:12].tolist() == [8, 9, 5, 4, 9, 14, 12, 8, 8, 8, 1, 8]
    # a buffer of half a month's costs (firm 0: cash for 6.5 persons at 0.5 x their costs), and
    # shedding half the excess: a firm of two with no market sheds floor(0.5 x 1.99 + 0.5) = 1, not 2
    # firm 2 wants to grow but its cash covers 4.5 persons, under a month's costs, at a loss: no hire
    # (not even the half person), and the distress cut floor(0.5 x (4 - 1) + 0.85) = 2
    other = population(3, hiring_adjustment_share=0.5, shedding_adjustment_share=0.5, hiring_cash_buffer_months=0.5)
    other.employees[:3] = [4, 2, 4]
    other.cash[:3] = [0.5 * (6_000.0 + 6.5 * PERSON_YUAN), 1e9, 0.5 * (6_000.0 + 4.5 * PERSON_YUAN)]
    other.last_profit[:3] = [1.0, 1.0, -1.0]
    factor = np.array([factor[1], factor_for(other, 0.01), factor[1]])
    u = np.array([0.85, 0.5, 0.85])
    assert other.hire_and_shed(np.arange(3), u, np.zeros(3), factor, np.ones(3)).tolist() == [6, 1, 2]


def test_the_months_productivity_and_revenue_move_with_each_of_their_own_shocks():
    """Permanent level: reverts to entry, a shock whose sd shrinks with size, a drift past 60 months;
    deviation: AR(1) plus its own shock; revenue: a mean-one lognormal noise; the fourth row is the exit draw."""
    settings = {"productivity_walk_sd": 0.1, "revenue_noise_sd": 0.2, "permanent_drift_sd": 0.02,
                "drift_size_exponent": 0.18, "permanent_persistence_annual": 0.95,
                "mature_productivity_drift_annual": 0.024}
    firms = population(2, **settings)
    idx = np.arange(2)
    firms.employees[idx] = [1, 40]
    firms.start_month[idx] = [MONTH - 59, MONTH - 60]  # the second is past its start-up years
    firms.log_quality_entry[idx] = 0.1
    firms.log_quality_permanent[idx] = 0.3
    firms.log_quality[idx] = 0.5
    shocks = np.array([[0.3, -0.2], [0.5, 1.0], [-0.7, 0.4], [1.5, -2.0]])
    demand = np.array([1.0, 0.8])
    account = firms.open_account(idx, shocks, 0.05, demand, MONTH)  # a programme's gain of 0.05 this month
    drift_sd = 0.02 * (np.array([1.0, 40.0]) / 10) ** -0.18
    permanent = 0.1 + 0.95 ** (1 / 12) * 0.2 + drift_sd * shocks[2] - [0.0, 0.024 / 12]
    log_quality = permanent + 0.5 ** (1 / 12) * 0.2 + 0.1 * shocks[0]
    np.testing.assert_allclose(firms.log_quality_permanent[:2], permanent, rtol=1e-12)
    np.testing.assert_allclose(firms.log_quality[:2], log_quality, rtol=1e-12)
    np.testing.assert_allclose(account.productivity_deviation, log_quality - permanent, rtol=1e-12)
    noise = np.exp(0.2 * shocks[1] - 0.5 * 0.2**2)
    factor = firms.revenue_factor(idx, MONTH) * np.exp(0.05)
    np.testing.assert_allclose(account.revenue_factor, factor, rtol=1e-12)
    revenue = factor * demand * np.array([1.0, 40.0]) ** firms.behaviour.returns_to_scale * noise
    np.testing.assert_allclose(account.revenue_yuan, revenue, rtol=1e-12)
    np.testing.assert_allclose(account.wages_yuan, [10_400.0, 40 * 10_400.0])
    np.testing.assert_array_equal(account.exit_draw, shocks[3])


def test_free_slots_are_set_ahead_in_chunks_and_written_slots_are_never_set_again():
    """New slots start NOT_SET whether or not an earlier month's chunk reached them, also after the
    arrays grow; what the slots of earlier arrivals hold stays."""
    firms = population(3)
    firms.employees[:3] = 4
    first_capacity = firms.capacity
    for month in range(40):  # more than the capacity: several chunks and one growth
        new = firms.arrive(MONTH + month, np.full((first_capacity // 24, N_UNIFORMS), 0.5))
        for name in ("start_month", "employees", "loan_month", "grant_type"):
            assert (getattr(firms, name)[new] == NOT_SET).all(), (month, name)
        assert not firms.loss_months[new].any() and (firms.first_support_by_programme[:, new] == NOT_SET).all()
        firms.employees[new] = 4  # as if each arrival registered
        firms.loss_months[new] = 2
        firms.first_support_by_programme[0, new] = MONTH
    assert firms.capacity > first_capacity
    assert (firms.employees[: firms.n] == 4).all() and (firms.loss_months[3 : firms.n] == 2).all()
    assert (firms.first_support_by_programme[0, 3 : firms.n] == MONTH).all()


def test_new_founders_start_with_unset_integer_columns_also_beyond_the_first_capacity():
    """Integer columns are written on arrival, not at allocation: every new slot starts NOT_SET (the run
    of losses at 0, no programme's first month), before and after the arrays grow, and growing keeps
    what earlier slots hold.
    """
    firms = population(3)
    firms.employees[:3] = [2, 5, 7]
    firms.first_support_by_programme[1, 2] = MONTH
    first_capacity = firms.capacity
    new = firms.arrive(MONTH, np.full((first_capacity, N_UNIFORMS), 0.5))
    assert firms.capacity > first_capacity and new[-1] == firms.n - 1 == first_capacity + 2
    assert firms.employees[:3].tolist() == [2, 5, 7] and firms.first_support_by_programme[1, 2] == MONTH
    assert (firms.loss_months[:3] == 6).all() and not firms.loss_months[new].any()
    for name in ("start_month", "exit_month", "employees", "incubator", "incubation_start", "high_tech_month",
                 "grant_month", "loan_month", "first_support_month", "little_giant_month", "exit_reason", "grant_type"):
        assert (getattr(firms, name)[new] == NOT_SET).all(), name
    assert (firms.first_support_by_programme[:, new] == NOT_SET).all()
    assert (firms.arrival_month[new] == MONTH).all() and (firms.initial_employees[new] >= 1).all()


def test_ageing_the_permanent_level_finds_the_firms_age_itself_when_not_given():
    """Only firms at least 60 months old lose the drift's monthly share, also when the caller does
    not pass their age (the month's account does)."""
    firms = population(3, mature_productivity_drift_annual=0.024)
    idx = np.arange(3)
    firms.start_month[idx] = MONTH - np.array([59, 60, 100])
    permanent = np.array([0.1, 0.2, 0.3])
    firms.age_permanent_productivity(idx, permanent, MONTH)
    np.testing.assert_array_equal(permanent, [0.1, 0.2 - 0.002, 0.3 - 0.002])
    given = np.array([0.1, 0.2, 0.3])
    firms.age_permanent_productivity(idx, given, MONTH, age=firms.age_months(idx, MONTH))
    np.testing.assert_array_equal(given, permanent)


def test_one_support_for_all_firms_hires_as_that_support_for_each():
    """``hire_and_shed`` takes one number of support per person for all firms as it takes an array."""
    support = 0.5 * PERSON_YUAN
    staff = {}
    for name, given in (("number", support), ("array", np.full(3, support))):
        firms = population(3)
        firms.employees[:3] = [2, 6, 30]
        factor = np.array([factor_for(firms, 12.0)] * 3)
        staff[name] = firms.hire_and_shed(np.arange(3), np.full(3, 0.5), given, factor, 1.0).tolist()
    assert staff["number"] == staff["array"]
    assert staff["array"][0] > 2 and staff["array"][2] < 30  # the support moves both ways of the gap


def test_the_months_rules_give_each_firm_the_same_numbers_in_two_halves_as_in_one(monkeypatch):
    """The account's opening and closing and the hiring, run in two halves at once (forced on a tiny
    population), give every firm the numbers of one run over all firms: per-firm gains, demand,
    support, interest, repayments, staff and cash each sliced to the half."""
    from sim.core import lookahead

    n = 7  # halves of 3 and 4
    idx = np.arange(n)
    shocks = np.linspace(-1.5, 1.5, SHOCK_ROWS * n).reshape(SHOCK_ROWS, n)
    extra = np.linspace(0.0, 0.06, n)
    demand = np.linspace(0.7, 1.1, n)
    support = np.linspace(0.0, 4_000.0, n)
    interest, principal = np.linspace(0.0, 900.0, n), np.linspace(0.0, 2_000.0, n)
    results = {}
    for halves in (False, True):
        monkeypatch.setattr(lookahead.LOOKAHEAD, "enabled", halves)
        monkeypatch.setattr(lookahead, "LOOKAHEAD_MIN_ITEMS", 1)
        firms = population(n, mature_productivity_drift_annual=0.024, revenue_noise_sd=0.3)
        firms.employees[idx] = [1, 3, 8, 2, 40, 5, 12]
        firms.start_month[idx] = MONTH - np.array([3, 80, 12, 61, 30, 100, 7])
        firms.log_quality[idx] = np.linspace(-0.4, 0.8, n)
        firms.cash[idx] = [5e4, 2e6, 1e4, 3e5, 8e6, 2e4, 1e6]
        account = firms.open_account(idx, shocks, extra, demand, MONTH)
        firms.close_account(account, support, interest, principal)
        staff = firms.hire_and_shed(
            idx, np.linspace(0.05, 0.95, n), support, account.revenue_factor, demand,
            employees=account.employees, cash_yuan=firms.cash[idx],
        )
        results[halves] = {
            "staff": staff, "loss_months": account.loss_months,
            **{name: getattr(account, name) for name in (
                "employees", "revenue_factor", "revenue_yuan", "wages_yuan", "rent_yuan", "productivity_deviation")},
            **{f"firms.{name}": getattr(firms, name)[idx].copy() for name in (
                "log_quality", "log_quality_permanent", "cash", "last_profit", "employees", "peak_employees")},
        }
    one, two = results[False], results[True]
    for name, values in one.items():
        np.testing.assert_array_equal(two[name], values, err_msg=name)
    assert len(set(one["staff"] - one["employees"])) > 2  # firms hire, shed and stay
