"""Each lever's mechanism (one row of the lever table in docs/model.md) and the firm rules it acts
through, on tiny hand-made populations with a standalone context: exact amounts, no model run.

The settings are spelled out in each test, so the tests pin mechanisms, not calibrated numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
from handmade import MONTH, PERSON_YUAN, account_of, world

from sim.calendar import parse_month
from sim.core.bank import Bank
from sim.core.context import Clock
from sim.core.population import NOT_SET, OTHER_FOUNDER, SERVICES, TECH, YOUNG_GRADUATE
from sim.core.shocks import demand_index, relief_months
from sim.policy.growth_grants import INNOVATION, TECHNOLOGY, GrowthGrantProgramme
from sim.policy.incubation import IncubationProgramme, best_first
from sim.policy.loans import LoanProgramme
from sim.policy.rent_relief import RentReliefProgramme
from sim.policy.startup_subsidies import StartupSubsidyProgramme
from sim.policy.talent_housing import TalentHousingProgramme
from sim.policy.training import TrainingProgramme
from sim.scenario.policy_tables import (
    GrowthGrants,
    Incubation,
    LoanInterestSubsidy,
    RentRelief,
    StartupSubsidies,
    TalentHousing,
    Training,
)
from sim.scenario.schema import Scenario

BIG_BUDGET = 1e12


# ------------------------------------------------------------------------ budget rules
def test_pro_rata_and_first_come_keep_the_budget():
    ctx, firms = world([{}, {}, {}])
    programme = TalentHousingProgramme(ctx, TalentHousing(enabled=True, annual_budget_yuan=3_000.0))
    idx = np.arange(3)
    months_left = 13 - ctx.clock.calendar_month
    allowance = 3_000.0 / months_left  # the budget is paced evenly over the months left in the year
    assert programme.month_allowance_yuan() == pytest.approx(allowance)
    paid = programme.pay_pro_rata(idx, np.array([1.0, 2.0, 3.0]) * allowance / 3.0)
    np.testing.assert_allclose(paid, np.array([1.0, 2.0, 3.0]) * allowance / 6.0)  # half the request each
    assert programme.remaining_budget_yuan() == pytest.approx(3_000.0 - allowance)
    again = programme.pay_pro_rata(idx, np.array([1.0, 1.0, 1.0]))
    assert again.sum() == 0.0  # this month's allowance is spent
    grants = StartupSubsidyProgramme(ctx, StartupSubsidies(enabled=True, annual_budget_yuan=25_000.0 * months_left))
    paid = grants.pay_first_come(idx, np.array([10_000.0, 10_000.0, 10_000.0]), to_cash=True)
    np.testing.assert_array_equal(paid, [10_000.0, 10_000.0, 0.0])
    np.testing.assert_array_equal(firms.cash[:3], [510_000.0, 510_000.0, 500_000.0])
    assert grants.spent_by_year[ctx.clock.year] == 20_000.0


# ------------------------------------------------------------------ firm rules and books
def test_booking_support_marks_the_founder_supported_and_paying_credits_cash():
    ctx, firms = world([{}, {}])
    row = firms.programme_row("talent_housing")
    firms.book_support(row, np.array([0, 1]), np.array([300.0, 0.0]), MONTH)
    assert firms.first_support_month[:2].tolist() == [MONTH, NOT_SET]  # zero payments do not count
    assert firms.support_yuan[row, :2].tolist() == [300.0, 0.0]
    assert firms.cash[:2].tolist() == [500_000.0, 500_000.0]  # booked, not paid in cash
    firms.pay(row, np.array([0, 1]), np.array([200.0, 100.0]), MONTH + 1)
    assert firms.first_support_month[:2].tolist() == [MONTH, MONTH + 1]
    assert firms.cash[:2].tolist() == [500_200.0, 500_100.0]
    assert firms.support_yuan[row, :2].tolist() == [500.0, 100.0]


def test_month_account_moves_cash_by_revenue_costs_support_interest_and_principal():
    ctx, firms = world([{"staff": 3}])
    account = account_of(firms)
    account.revenue_yuan = np.array([50_000.0])
    firms.close_account(account, np.array([700.0]), np.array([200.0]), np.array([1_000.0]))
    costs = 3 * PERSON_YUAN + 6_000.0
    assert firms.cash[0] == pytest.approx(500_000.0 + 50_000.0 - costs + 700.0 - 200.0 - 1_000.0)
    assert firms.last_profit[0] == pytest.approx(50_000.0 - costs + 700.0 - 200.0)


def test_public_support_enters_the_hiring_decision():
    """Support per person lowers the net cost of staff, so the profitable size E* is larger."""
    ctx, firms = world([{"staff": 5, "age": 40}, {"staff": 5, "age": 40}])
    b = firms.behaviour
    beta = b.returns_to_scale
    idx = np.arange(2)
    factor = np.full(2, 26_000.0)  # without support the profitable size is about 5: no change
    support = np.array([0.0, 10_000.0])
    firms.cash[idx] = 1e9  # cash is no limit
    firms.last_profit[idx] = 1.0
    firms.hire_and_shed(idx, np.zeros(2), support, factor, np.ones(2))
    # the market's size at the gross cost, moved by support with the labour-demand elasticity
    market = (beta * factor / PERSON_YUAN) ** (1 / (1 - beta))
    target = market * ((PERSON_YUAN - support) / PERSON_YUAN) ** b.labour_demand_elasticity
    expected = 5 + np.floor(b.hiring_adjustment_share * np.maximum(target - 5, 0))
    expected = np.where(target < 5, 5 - np.floor(b.shedding_adjustment_share * (5 - target)), expected)
    np.testing.assert_array_equal(firms.employees[idx], expected)
    assert firms.employees[0] == 5 and firms.employees[1] > 5


def test_expected_support_raises_registration():
    ctx, firms = world([{}, {}])
    firms.registered[:2] = firms.alive[:2] = False
    firms.start_month[:2] = NOT_SET
    b = firms.behaviour
    new = np.arange(2)
    cost = firms.expected_start_cost_yuan(new)
    support = np.array([0.0, 0.5 * cost[1]])
    logit = b.registration_base_logit + b.registration_quality_weight * 0.0 + \
        b.registration_support_weight * b.support_awareness * support / cost
    chance = 1 / (1 + np.exp(-logit))
    firms.u_register[new] = (chance[0] + chance[1]) / 2  # between the two chances
    born = firms.register(new, support, MONTH)
    assert born.tolist() == [1]
    assert firms.cash[1] == firms.own_capital[1] and firms.start_month[1] == MONTH


# --------------------------------------------------------------------------------- loans
def loan_world(programme_on: bool):
    rows = [
        {"staff": 2, "own_capital": 100_000.0, "has_collateral": False, "u_loan_apply": 0.0, "bank_noise": 0.0},
        {"staff": 2, "own_capital": 100_000.0, "has_collateral": True, "u_loan_apply": 0.0, "bank_noise": 0.0},
    ]
    ctx, firms = world(rows, bank={"capital_target_months": 9.0, "approval_threshold": -0.1,
                                   "recovery_rate": 0.2, "loan_term_months": 24})
    firms.start_month[:2] = MONTH
    settings = LoanInterestSubsidy(enabled=programme_on, guarantee=True, individual_limit_yuan=150_000.0,
                                   interest_subsidy_share=0.5, guarantee_loss_share=0.8,
                                   emergency_loan_months_of_costs=3.0, annual_budget_yuan=BIG_BUDGET)
    programme = LoanProgramme(ctx, settings)
    bank = Bank(ctx, firms.scenario.bank)
    bank.use_terms(programme)
    programme.connect_lender(bank)
    return ctx, firms, programme, bank


def test_guarantee_lets_founders_without_collateral_borrow_up_to_the_limit():
    need = 9 * (2 * PERSON_YUAN + 6_000.0) - 100_000.0  # 172,800 yuan
    ctx, firms, programme, bank = loan_world(programme_on=True)
    bank.lend_to_new_firms(np.arange(2))
    assert firms.loan_disbursed_total[:2].tolist() == [150_000.0, 150_000.0]  # capped by the programme
    assert firms.loan_guaranteed[:2].tolist() == [True, True]
    assert firms.cash[:2].tolist() == [650_000.0, 650_000.0]
    assert firms.startup_loan[:2].tolist() == [True, True] and firms.first_support_month[0] == MONTH
    ctx, firms, programme, bank = loan_world(programme_on=False)
    bank.lend_to_new_firms(np.arange(2))
    assert firms.loan_disbursed_total[:2].tolist() == [0.0, pytest.approx(need)]  # only the collateral
    assert not firms.loan_guaranteed[:2].any() and firms.first_support_month[1] == NOT_SET





def test_guarantee_compensates_its_share_of_the_lender_loss():
    ctx, firms, programme, bank = loan_world(programme_on=True)
    bank.lend_to_new_firms(np.arange(2))
    firms.cash[0] = 30_000.0  # repays 30,000 on closing, defaults on the rest
    bank.write_off(np.array([0]))
    loss = (150_000.0 - 30_000.0) * (1 - 0.2)
    assert programme.spent_this_month == pytest.approx(0.8 * loss)
    assert bank.totals["loss_yuan"] == pytest.approx(0.2 * loss)
    assert bank.totals["defaulted_yuan"] == pytest.approx(120_000.0)
    assert bank.totals["repaid_yuan"] == pytest.approx(30_000.0)
    assert firms.loan_defaulted[0] and firms.loan_balance[0] == 0.0


def test_emergency_loans_in_a_relief_shock():
    ctx, firms, programme, bank = loan_world(programme_on=True)
    ctx.clock = Clock(month=MONTH, t=0, relief_months_since_start=0)
    firms.cash[:2] = [1_000.0, 1e6]  # only the first is cash-short
    cost = np.full(2, 2 * PERSON_YUAN + 6_000.0)
    programme.emergency_measures(np.arange(2), cost)
    assert firms.loan_disbursed_total[:2].tolist() == [pytest.approx(3 * cost[0]), 0.0]
    assert firms.emergency_loan[:2].tolist() == [True, False]
    assert not firms.startup_loan[0]  # opening month, but an emergency loan


# --------------------------------------------------------------------------- rent relief
def rent_programme(ctx, **overrides):
    settings = {"enabled": True, "subsidy_share": 0.3, "max_firm_age_months": 24, "incubated_only": True,
                "shock_waiver_share": 0.3, "shock_waiver_months": 3, "annual_budget_yuan": BIG_BUDGET}
    settings.update(overrides)
    return RentReliefProgramme(ctx, RentRelief(**settings), incubation_application_chance=0.3)


def test_rent_relief_pays_a_share_of_young_incubated_firms_rent():
    rows = [{"staff": 4, "age": 3, "incubated": True}, {"staff": 4, "age": 3}, {"staff": 4, "age": 30,
                                                                                 "incubated": True},
            {"staff": 4, "age": 3, "incubated": True, "u_take_up": 0.9}]
    ctx, firms = world(rows)
    programme = rent_programme(ctx)
    account = account_of(firms)
    paid = programme.pay_monthly(account)
    np.testing.assert_allclose(paid, [0.3 * 4 * 1200.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(programme.per_person_support_yuan(account), [0.3 * 1200.0, 0, 0, 0])





# ---------------------------------------------------------------------------- incubation
def incubation(ctx, **overrides):
    settings = {"enabled": True, "initial_bases": 1, "new_bases_per_year": 1.0, "places_per_base": 2,
                "period_months": 24, "extension_months": 12, "extension_min_employees": 3,
                "application_share": 0.3, "admission_max_age_months": 12, "screening_noise_sd": 0.15,
                "admission_threshold": -0.15, "mentoring_effect": 0.03, "place_rent_discount": 0.5,
                "free_place_share_graduates": 0.5, "services_subsidy_yuan_per_place_month": 400.0,
                "annual_budget_yuan": BIG_BUDGET}
    settings.update(overrides)
    return IncubationProgramme(ctx, Incubation(**settings))


def test_bases_open_on_their_schedule():
    ctx, firms = world([{}])
    programme = incubation(ctx)
    programme.start_month()
    assert programme.n_bases == 1
    ctx.clock = Clock(month=MONTH + 11, t=11)
    programme.start_month()
    assert programme.n_bases == 1
    ctx.clock = Clock(month=MONTH + 12, t=12)
    programme.start_month()
    assert programme.n_bases == 2


def test_admission_by_screened_quality_up_to_the_places():
    apply = {"u_incubation_apply": 0.0, "incubator_noise": 0.0, "age": 2}
    rows = [{**apply, "log_quality": 0.1}, {**apply, "log_quality": 0.3}, {**apply, "log_quality": 0.2},
            {**apply, "log_quality": -0.5}, {**apply, "log_quality": 0.4, "age": 13}]
    ctx, firms = world(rows)
    programme = incubation(ctx)
    programme.start_month()
    admitted = programme.admit(np.arange(5))
    assert admitted.tolist() == [1, 2]  # best two of the eligible; 3 fails the threshold, 4 is too old
    assert firms.incubated[:5].tolist() == [False, True, True, False, False]
    assert firms.first_support_month[1] == MONTH and firms.first_support_month[0] == NOT_SET
    np.testing.assert_allclose(programme.log_productivity_bonus(np.arange(5)), [0, 0.03, 0.03, 0, 0])


def test_best_first_is_the_head_of_a_stable_sort_by_descending_score():
    rng = np.random.default_rng(7)
    score = rng.integers(0, 6, 40).astype(np.float64)  # many ties
    candidates = np.arange(100, 140)
    full = candidates[np.argsort(-score, kind="stable")]
    for k in (1, 2, 5, 13, 39, 40, 41):
        assert best_first(candidates, score, k).tolist() == full[:k].tolist()
    assert best_first(np.array([5, 6, 7]), np.array([0.2, 0.9, 0.2]), 2).tolist() == [6, 5]


def test_rent_discount_free_places_for_graduates_and_services():
    rows = [{"staff": 2, "founder_type": YOUNG_GRADUATE}, {"staff": 2, "founder_type": YOUNG_GRADUATE},
            {"staff": 2, "founder_type": OTHER_FOUNDER}, {"staff": 2}]
    ctx, firms = world(rows)
    programme = incubation(ctx)
    programme.start_month()
    firms.start_incubation(np.array([0, 1]), programme.bases[0].unique_id, MONTH)
    programme.bases.append(programme.bases[0].__class__(ctx, 2, 0.5))
    firms.start_incubation(np.array([2]), programme.bases[1].unique_id, MONTH)
    account = account_of(firms)
    credited = programme.pay_monthly(account)
    # one free place per base (floor(0.5 x 2)): the first graduate of base 0 pays no rent
    np.testing.assert_allclose(credited, [2400.0, 1200.0, 1200.0, 0.0])
    np.testing.assert_allclose(account.rent_due_yuan, [0.0, 1200.0, 1200.0, 2400.0])
    assert programme.spent_this_month == pytest.approx(2400.0 + 1200.0 + 1200.0 + 3 * 400.0)
    np.testing.assert_allclose(programme.per_person_support_yuan(account), [1200.0, 600.0, 600.0, 0.0])


def test_graduation_after_the_period_with_an_extension_for_grown_firms():
    ctx, firms = world([{"staff": 2}, {"staff": 5}])
    programme = incubation(ctx)
    programme.start_month()
    firms.start_incubation(np.arange(2), programme.bases[0].unique_id, MONTH - 24)
    programme.graduate()
    assert firms.incubated[:2].tolist() == [False, True]  # the grown firm is extended
    ctx.clock = Clock(month=MONTH + 12, t=12)
    programme.graduate()
    assert firms.incubated[:2].tolist() == [False, False]


# ------------------------------------------------------------------------ talent housing
def test_talent_housing_pays_per_eligible_employee():
    rows = [{"staff": 4, "age": 6}, {"staff": 4, "age": 5}, {"staff": 2, "age": 12}, {"staff": 4, "age": 12,
                                                                                        "u_take_up": 0.9}]
    ctx, firms = world(rows)
    programme = TalentHousingProgramme(ctx, TalentHousing(
        enabled=True, subsidy_yuan_per_person_month=2000.0, eligible_employee_share=0.25, min_firm_age_months=6,
        min_employees=3, annual_budget_yuan=BIG_BUDGET))
    account = account_of(firms)
    np.testing.assert_allclose(programme.per_person_support_yuan(account), [500.0, 0, 0, 0])
    np.testing.assert_allclose(programme.pay_monthly(account), [2000.0, 0, 0, 0])


# --------------------------------------------------------------------- start-up subsidies
def test_startup_subsidies_opening_capital_and_social_insurance():
    ctx, firms = world([{"staff": 3, "age": 0}, {"staff": 3, "age": 0, "u_take_up": 0.9},
                        {"staff": 3, "age": 36}])
    programme = StartupSubsidyProgramme(ctx, StartupSubsidies(
        enabled=True, opening_subsidy_yuan=10_000.0, startup_capital_subsidy_yuan=50_000.0,
        social_insurance_subsidy_yuan_per_person_month=1_000.0, social_insurance_subsidy_months=36,
        annual_budget_yuan=BIG_BUDGET))
    programme.pay_at_opening(np.array([0, 1]))
    programme.pay_at_admission(np.array([0]))
    assert firms.cash[:3].tolist() == [560_000.0, 500_000.0, 500_000.0]
    account = account_of(firms)
    np.testing.assert_allclose(programme.pay_monthly(account), [3_000.0, 0.0, 0.0])
    np.testing.assert_allclose(programme.per_person_support_yuan(account), [1_000.0, 0.0, 0.0])
    expected = 10_000.0 + 1_000.0 * 3 * 12
    assert programme.expected_first_year_support_yuan(np.array([0]))[0] == pytest.approx(expected)


# --------------------------------------------------------------------------- growth grants
def test_growth_grants_to_the_best_eligible_firms_once_a_year():
    rows = [{"staff": 6, "age": 24}, {"staff": 6, "age": 24}, {"staff": 6, "age": 24}, {"staff": 6, "age": 24},
            {"staff": 4, "age": 24}, {"staff": 6, "age": 6}]
    ctx, firms = world(rows)
    ctx.first_month = MONTH - 24
    programme = GrowthGrantProgramme(ctx, GrowthGrants(
        enabled=True, innovation_grants_per_year=1, innovation_grant_yuan=1e6, technology_grants_per_year=2,
        technology_grant_yuan=5e5, min_firm_age_months=12, min_employees=5, award_month=6,
        productivity_effect=0.03, annual_budget_yuan=BIG_BUDGET))
    revenue = np.array([100.0, 400.0, 300.0, 200.0, 900.0, 900.0])
    programme.annual_awards(np.arange(6), revenue)
    assert firms.cash[:6].tolist() == [500_000.0, 1_500_000.0, 1_000_000.0, 1_000_000.0, 500_000.0, 500_000.0]
    assert firms.grant_type[:6].tolist() == [NOT_SET, INNOVATION, TECHNOLOGY, TECHNOLOGY, NOT_SET, NOT_SET]
    np.testing.assert_allclose(firms.log_boost[:6], [0, 0.03, 0.03, 0.03, 0, 0])
    assert programme.run_counts()["grants_awarded"] == {"innovation": 1, "technology": 2}
    ctx.clock = Clock(month=MONTH + 1, t=1)  # not the award month
    programme.annual_awards(np.arange(6), revenue)
    assert programme.run_counts()["grants_awarded"] == {"innovation": 1, "technology": 2}


# -------------------------------------------------------------------------------- training
def test_training_places_go_to_newcomers_and_raise_their_productivity():
    rows = [{"founder_type": YOUNG_GRADUATE}, {"founder_type": OTHER_FOUNDER}, {"founder_type": YOUNG_GRADUATE},
            {"founder_type": YOUNG_GRADUATE}]
    ctx, firms = world(rows)
    programme = TrainingProgramme(ctx, Training(enabled=True, places_per_year=24, graduates_only=True,
                                                skill_gain=0.04, cost_per_trainee_yuan=3000.0,
                                                annual_budget_yuan=BIG_BUDGET))
    programme.on_arrival(np.arange(4))
    assert firms.trained[:4].tolist() == [True, False, True, False]  # two places a month, graduates only
    np.testing.assert_allclose(firms.log_boost[:4], [0.04, 0, 0.04, 0])
    assert firms.support_yuan[programme.row, :4].tolist() == [3000.0, 0, 3000.0, 0]
    assert firms.cash[:4].tolist() == [500_000.0] * 4  # paid to the provider
    assert firms.first_support_month[0] == MONTH


# ---------------------------------------------------------------------------------- shocks
def test_shock_lowers_demand_by_depth_times_exposure_and_recovers_linearly():
    shock = {"start": "2020-02", "months": 2, "depth": 0.4, "recovery_months": 2, "relief_package": True}
    scenario = Scenario(name="s", description="s", district="putuo", shocks={"s": shock},
                        sector_exposure={"tech": 0.5, "services": 1.0, "consumer": 0.25})
    first = parse_month("2020-01")
    index = demand_index(scenario, first, 6)
    depth = np.array([0, 0.4, 0.4, 0.4 * 2 / 3, 0.4 / 3, 0])
    for column, exposure in zip((TECH, SERVICES, 2), (0.5, 1.0, 0.25), strict=True):
        np.testing.assert_allclose(index[:, column], 1 - depth * exposure)
    assert relief_months(scenario, first, 6).tolist() == [-1, 0, 1, -1, -1, -1]


# ------------------------------------------------------- rules pinned further (mutation gaps)
def test_training_carries_fractional_places_and_stops_at_the_budget():
    rows = [{"founder_type": YOUNG_GRADUATE}] * 6
    ctx, firms = world(rows)
    firms.log_boost[:6] = 0.1
    programme = TrainingProgramme(ctx, Training(enabled=True, places_per_year=18, graduates_only=False,
                                                skill_gain=0.04, cost_per_trainee_yuan=3000.0,
                                                annual_budget_yuan=9_000.0 * (13 - ctx.clock.calendar_month)))
    programme.on_arrival(np.array([0, 1]))  # 1.5 places: one now
    programme.on_arrival(np.array([2, 3]))  # 1.5 + 0.5 carried: two
    programme.on_arrival(np.array([4, 5]))  # this month's allowance (three trainees) is spent
    assert firms.trained[:6].tolist() == [True, False, True, True, False, False]
    np.testing.assert_allclose(firms.log_boost[:6], [0.14, 0.1, 0.14, 0.14, 0.1, 0.1])
    assert firms.first_support_by_programme[programme.row, 0] == MONTH
    off = TrainingProgramme(ctx, Training(enabled=False, places_per_year=1200, annual_budget_yuan=BIG_BUDGET))
    off.on_arrival(np.array([1]))
    assert not firms.trained[1]
    free = TrainingProgramme(ctx, Training(enabled=True, places_per_year=12, graduates_only=False,
                                           cost_per_trainee_yuan=0.0, annual_budget_yuan=0.0))
    free.on_arrival(np.array([1]))
    assert firms.trained[1]  # a free camp trains without a budget


def test_loan_service_charges_only_outstanding_loans_and_subsidises_only_subsidised_ones():
    ctx, firms, programme, bank = loan_world(programme_on=True)
    firms.book_loan(np.array([0]), np.array([120_000.0]), 6.0, 24, MONTH, np.array([True]), np.array([False]))
    net, principal = bank.service_loans(np.arange(2))
    assert net.tolist() == [pytest.approx(120_000.0 * 0.06 / 12), 0.0]
    assert principal.tolist() == [pytest.approx(5_000.0), 0.0]
    assert programme.spent_this_month == 0.0
    assert firms.loan_balance[0] == pytest.approx(115_000.0)
    firms.loan_balance[0] = 0.5  # under a yuan left: still a loan to charge
    net, principal = bank.service_loans(np.arange(2))
    assert principal[0] == pytest.approx(0.5) and firms.loan_balance[0] == 0.0


def test_instalments_repay_the_balance_to_zero():
    ctx, firms = world([{}, {}])
    firms.book_loan(np.arange(2), np.array([24_000.0, 2_000.0]), 4.0, 24, MONTH, np.zeros(2, bool), np.zeros(2, bool))
    firms.loan_balance[1] = 1_000.0 + 1e-7  # a last instalment that leaves a rounding rest
    repaid, finished = firms.repay_instalments(np.arange(2))
    np.testing.assert_allclose(repaid, [1_000.0, 2_000.0 / 24])
    assert finished.tolist() == [False, False]
    assert firms.loan_balance[0] == pytest.approx(23_000.0)
    firms.loan_balance[1] = 2_000.0 / 24 + 5e-7
    repaid, finished = firms.repay_instalments(np.arange(2))
    assert finished.tolist() == [False, True] and firms.loan_balance[1] == 0.0


def test_registration_chance_in_quality_boost_and_support_taken_up():
    ctx, firms = world([{}, {}, {}, {}])
    firms.registered[:4] = firms.alive[:4] = False
    b = firms.behaviour
    new = np.arange(4)
    firms.log_quality[new] = [0.0, 0.2, 0.0, 0.0]
    firms.log_boost[new] = [0.0, 0.0, 0.2, 0.0]
    firms.u_take_up[new] = [0.0, 0.0, 0.0, 0.9]  # the last does not know the programmes
    cost = firms.expected_start_cost_yuan(new)
    support = np.array([0.0, 0.0, 0.0, 10 * cost[3]])

    def chance(log_quality: float, ratio: float) -> float:
        logit = (b.registration_base_logit + b.registration_quality_weight * log_quality
                 + b.registration_support_weight * b.support_awareness * ratio)
        return 1 / (1 + np.exp(-logit))

    low, high = chance(0.0, 0.0), chance(0.2, 0.0)
    firms.u_register[new] = (low + high) / 2
    born = firms.register(new, support, MONTH)
    assert born.tolist() == [1, 2]  # better founders, or trained ones; support unknown to the last
    assert firms.registered[:4].tolist() == [False, True, True, False]
    assert firms.alive[:4].tolist() == [False, True, True, False]
    assert firms.employees[1] == firms.initial_employees[1]
    # support relative to first-year costs: a quarter of them shifts the chance exactly so
    again = world([{}])[1]
    again.registered[0] = again.alive[0] = False
    cost0 = again.expected_start_cost_yuan(np.array([0]))
    again.u_register[0] = chance(0.0, 0.25) - 1e-9
    assert again.register(np.array([0]), 0.25 * cost0, MONTH).tolist() == [0]
    again.registered[0] = False
    again.u_register[0] = chance(0.0, 0.25) + 1e-9
    assert again.register(np.array([0]), 0.25 * cost0, MONTH).tolist() == []


def test_loss_months_count_up_and_reset():
    ctx, firms = world([{"staff": 1}, {"staff": 1}, {"staff": 1}])
    firms.loss_months[:3] = [2, 2, 2]
    account = account_of(firms)
    costs = PERSON_YUAN + 6_000.0
    account.revenue_yuan = np.array([costs - 1.0, costs, costs + 0.5])  # loss, break-even, profit
    firms.close_account(account, np.zeros(3), np.zeros(3), np.zeros(3))
    assert firms.loss_months[:3].tolist() == [3, 0, 0]


def test_staff_plans_for_part_of_a_shock_and_hiring_is_limited_by_cash():
    ctx, firms = world([{"staff": 5, "age": 40}, {"staff": 5, "age": 40}, {"staff": 5, "age": 40}])
    b = firms.behaviour
    beta = b.returns_to_scale
    assert firms.planning_demand(np.array([0.5]))[0] == pytest.approx(1 - b.staffing_shock_pass_through * 0.5)
    idx = np.arange(3)
    factor = np.full(3, 40_000.0)
    firms.last_profit[idx] = 1.0
    # cash for 2 months of 7 people (buffer 2 months): at most 2 hires for the second firm
    firms.cash[idx] = [1e9, 2 * (7 * PERSON_YUAN + 6_000.0), 1e9]
    demand = np.array([1.0, 1.0, 0.5])
    u = np.full(3, 0.5)
    firms.hire_and_shed(idx, u, np.zeros(3), factor, demand)
    planned = factor * firms.planning_demand(demand)
    target = (beta * planned / PERSON_YUAN) ** (1 / (1 - beta))
    hires = np.floor(b.hiring_adjustment_share * np.maximum(target - 5, 0) + 0.5)
    assert firms.employees[0] == 5 + hires[0] and hires[0] > 2
    assert firms.employees[1] == 7
    assert firms.employees[2] == 5 + hires[2] and hires[2] < hires[0]


def test_a_shock_without_recovery_and_a_zero_month_relief_shock():
    shock = {"start": "2020-02", "months": 2, "depth": 0.4, "recovery_months": 0, "relief_package": True}
    scenario = Scenario(name="s", description="s", district="putuo", shocks={"s": shock},
                        sector_exposure={"tech": 1.0, "services": 1.0, "consumer": 1.0})
    first = parse_month("2020-01")
    np.testing.assert_allclose(demand_index(scenario, first, 5)[:, 0], [1, 0.6, 0.6, 1, 1])
    shock = {**shock, "months": 0, "recovery_months": 1}
    scenario = Scenario(name="s", description="s", district="putuo", shocks={"s": shock})
    assert relief_months(scenario, first, 4).tolist() == [-1, 0, -1, -1]
    np.testing.assert_allclose(demand_index(scenario, first, 4)[:, 0],
                               [1, 1 - 0.2 * scenario.sector_exposure.tech, 1, 1])


def test_expected_first_year_support_feeds_registration_with_exact_amounts():
    """What a nascent founder expects from each programme (the registration decision's input)."""
    ctx, firms = world([{"staff": 2}, {"staff": 4}])
    new = np.arange(2)
    rent = np.array([2 * 1200.0, 4 * 1200.0])
    relief = rent_programme(ctx, max_firm_age_months=24)
    np.testing.assert_allclose(relief.expected_first_year_support_yuan(new), 0.3 * 0.3 * rent * 12)
    anyone = rent_programme(ctx, incubated_only=False, max_firm_age_months=6)
    np.testing.assert_allclose(anyone.expected_first_year_support_yuan(new), 0.3 * rent * 6)
    assert rent_programme(ctx, enabled=False).expected_first_year_support_yuan(new).tolist() == [0.0, 0.0]
    housing = TalentHousingProgramme(ctx, TalentHousing(
        enabled=True, subsidy_yuan_per_person_month=2000.0, eligible_employee_share=0.25, min_firm_age_months=4,
        min_employees=3, annual_budget_yuan=BIG_BUDGET))
    np.testing.assert_allclose(housing.expected_first_year_support_yuan(new), [0.0, 500.0 * 4 * 8])
    bases = incubation(ctx)
    np.testing.assert_allclose(bases.expected_first_year_support_yuan(new), 0.3 * 0.5 * rent * 12)
    # the loan programme's expected interest saving: tests/test_policy_rules.py (the 2020 national rule)
    ctx3, firms3, off, bank3 = loan_world(programme_on=False)
    assert off.expected_first_year_support_yuan(np.arange(2)).tolist() == [0.0, 0.0]


def test_scale_multiplies_budgets_places_and_awards():
    ctx, firms = world([{"staff": 6, "age": 24}] * 4)
    ctx.scale = 0.5
    housing = TalentHousingProgramme(ctx, TalentHousing(enabled=True, annual_budget_yuan=1_000.0))
    assert housing.annual_budget_yuan == 500.0
    assert TalentHousingProgramme(ctx, TalentHousing(enabled=False, annual_budget_yuan=1_000.0)).annual_budget_yuan == 0
    assert incubation(ctx, places_per_base=4).places_per_base == 2
    training = TrainingProgramme(ctx, Training(enabled=True, places_per_year=24, annual_budget_yuan=BIG_BUDGET))
    assert training.places_per_month == 1.0
    ctx.first_month = MONTH - 24
    grants = GrowthGrantProgramme(ctx, GrowthGrants(
        enabled=True, innovation_grants_per_year=2, technology_grants_per_year=4, min_firm_age_months=12,
        min_employees=5, award_month=6, annual_budget_yuan=BIG_BUDGET))
    grants.annual_awards(np.arange(4), np.array([4.0, 3.0, 2.0, 1.0]))
    assert grants.run_counts() == {"grants_awarded": {"innovation": 1, "technology": 2}, "award_rounds": 1}
    ctx.clock = Clock(month=MONTH + 12, t=12)
    grants.annual_awards(np.arange(4), np.array([4.0, 3.0, 2.0, 1.0]))
    # the one firm left is the best of this round: an innovation grant
    assert grants.run_counts() == {"grants_awarded": {"innovation": 2, "technology": 2}, "award_rounds": 2}
