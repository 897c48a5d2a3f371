"""Programme rules at their edges, on tiny hand-made populations with a standalone context: who is
eligible at exactly the minimum age or staff, incubation admission across full and free bases,
extensions, training places carried over months, rent relief where the waiver, private landlords'
cuts and the subsidy meet, and the columns each programme adds to the monthly table.

Exact amounts throughout; the settings are spelled out in each test.
"""

from __future__ import annotations

import handmade
import numpy as np
import pytest
from handmade import MONTH, RENT, account_of

from sim.core.context import Clock, Context
from sim.core.firms import FirmPopulation
from sim.core.population import NOT_SET, SERVICES, TECH, YOUNG_GRADUATE
from sim.policy.growth_grants import INNOVATION, TECHNOLOGY, GrowthGrantProgramme
from sim.policy.incubation import IncubationProgramme
from sim.policy.rd_projects import RdProjectProgramme
from sim.policy.rent_relief import RentReliefProgramme
from sim.policy.talent_housing import TalentHousingProgramme
from sim.policy.training import TrainingProgramme
from sim.scenario.policy_tables import (
    GrowthGrants,
    Incubation,
    Policy,
    RdProjects,
    RentRelief,
    TalentHousing,
    Training,
)

BIG_BUDGET = 1e12


def world(rows: list[dict]) -> tuple[Context, FirmPopulation]:
    """The shared hand-made firms, arrived 40 months back, growth orientation as drawn, with the R&D stream."""
    return handmade.world(rows, arrived_months_ago=40, growth_oriented=None, streams=("rd_projects",))


# -------------------------------------------------------------------- eligibility
def test_talent_housing_and_rd_projects_take_firms_from_exactly_their_minimum_age_and_staff():
    rows = [{"staff": 3, "age": 12}, {"staff": 2, "age": 12}, {"staff": 3, "age": 11},
            {"staff": 3, "age": 12, "u_take_up": 0.9}, {"staff": 3, "age": 12, "sector": SERVICES}]
    ctx, firms = world(rows)
    firms.sector[:4] = TECH
    housing = TalentHousingProgramme(ctx, TalentHousing(
        enabled=True, subsidy_yuan_per_person_month=2000.0, eligible_employee_share=0.25, min_firm_age_months=12,
        min_employees=3, annual_budget_yuan=BIG_BUDGET))
    np.testing.assert_allclose(housing.per_person_support_yuan(account_of(firms)), [500.0, 0, 0, 0, 500.0])
    rd = RdProjectProgramme(ctx, RdProjects(enabled=True, tech_only=True, min_firm_age_months=12, min_employees=3,
                                            project_share=1.0, annual_budget_yuan=BIG_BUDGET))
    assert rd.eligible(np.arange(5)).tolist() == [True, False, False, False, False]
    anyone = RdProjectProgramme(ctx, RdProjects(enabled=True, tech_only=False, min_firm_age_months=12,
                                                min_employees=3, annual_budget_yuan=BIG_BUDGET))
    assert anyone.eligible(np.arange(5)).tolist() == [True, False, False, False, True]


# ----------------------------------------------------------------------- incubation
def incubation(ctx: Context, **overrides) -> IncubationProgramme:
    settings = {"enabled": True, "initial_bases": 2, "new_bases_per_year": 0.0, "places_per_base": 2,
                "period_months": 24, "extension_months": 12, "extension_min_employees": 3,
                "application_share": 0.3, "admission_max_age_months": 12, "screening_noise_sd": 0.15,
                "admission_threshold": -0.15, "mentoring_effect": 0.03, "place_rent_discount": 0.5,
                "free_place_share_graduates": 0.0, "services_subsidy_yuan_per_place_month": 400.0,
                "annual_budget_yuan": BIG_BUDGET}
    return IncubationProgramme(ctx, Incubation(**{**settings, **overrides}))


APPLYING = {"u_incubation_apply": 0.0, "incubator_noise": 0.0, "age": 2, "ever_incubated": False}


def test_a_full_base_admits_nobody_and_the_best_candidate_takes_the_last_free_place():
    tenants = [{**APPLYING, "ever_incubated": True}] * 3
    rows = tenants + [{**APPLYING, "log_quality": q} for q in (0.1, 0.3, 0.2)]
    ctx, firms = world(rows)
    programme = incubation(ctx)
    programme.start_month()
    first, second = programme.bases
    firms.start_incubation(np.array([0, 1]), first.unique_id, MONTH - 1)  # the first base is full
    firms.start_incubation(np.array([2]), second.unique_id, MONTH - 1)  # the second has one place free
    admitted = programme.admit(np.arange(6))
    assert admitted.tolist() == [4]
    assert firms.incubated[:6].tolist() == [True, True, True, False, True, False]
    assert firms.incubator[4] == second.unique_id
    assert programme.monthly_record() == {"incubated_firms": 4, "incubation_bases": 2}


def test_a_disabled_programme_or_full_bases_admit_nobody_and_each_base_takes_only_its_free_places():
    rows = [{**APPLYING, "ever_incubated": True}] + [{**APPLYING, "log_quality": q} for q in (0.3, 0.2, 0.1, 0.05)]
    ctx, firms = world(rows)
    assert incubation(ctx, enabled=False).admit(np.arange(5)).tolist() == []
    programme = incubation(ctx)  # two bases of two places
    programme.start_month()
    first, second = programme.bases
    firms.start_incubation(np.array([0]), first.unique_id, MONTH - 1)  # one place free in the first, two in the second
    assert programme.admit(np.arange(5)).tolist() == [1, 2, 3]  # the three best
    assert firms.incubator[1:4].tolist() == [first.unique_id, second.unique_id, second.unique_id]
    # both bases full: the fourth applicant waits
    assert programme.admit(np.arange(5)).tolist() == []
    assert not firms.incubated[4]


def test_a_single_candidate_exactly_at_the_age_limit_is_admitted_on_quality_plus_noise():
    rows = [{**APPLYING, "age": 12, "log_quality": -0.3, "incubator_noise": 2.0},  # screened 0.0
            {**APPLYING, "age": 12, "log_quality": 0.2, "incubator_noise": -3.0}]  # screened -0.25
    ctx, firms = world(rows)
    programme = incubation(ctx)
    programme.start_month()
    assert programme.admit(np.arange(1)).tolist() == [0]
    assert programme.admit(np.arange(2)).tolist() == []  # the second fails screening; the first is in
    assert firms.incubated[:2].tolist() == [True, False]


def test_without_a_base_open_nobody_is_admitted():
    ctx, firms = world([APPLYING, APPLYING])
    programme = incubation(ctx, initial_bases=0, new_bases_per_year=1.0)
    programme.start_month()
    assert programme.n_bases == 0
    assert programme.admit(np.arange(2)).tolist() == []
    assert not firms.incubated[:2].any()
    assert programme.monthly_record() == {"incubated_firms": 0, "incubation_bases": 0}


def test_a_firm_grown_to_exactly_the_extension_size_stays_for_a_one_month_extension():
    ctx, firms = world([{"staff": 3}, {"staff": 2}])
    programme = incubation(ctx, extension_months=1)
    programme.start_month()
    firms.start_incubation(np.arange(2), programme.bases[0].unique_id, MONTH - 24)
    programme.graduate()
    assert firms.incubated[:2].tolist() == [True, False]
    ctx.clock = Clock(month=MONTH + 1, t=1)
    programme.graduate()
    assert firms.incubated[:2].tolist() == [False, False]


# ------------------------------------------------------------------------- training
def test_training_places_carry_their_fractions_over_months_with_newcomers_only():
    ctx, firms = world([{}] * 12)
    programme = TrainingProgramme(ctx, Training(enabled=True, places_per_year=18, graduates_only=False,
                                                skill_gain=0.04, cost_per_trainee_yuan=3000.0,
                                                annual_budget_yuan=BIG_BUDGET))
    trained_per_month = []
    for month in range(4):  # 1.5 places a month, three newcomers each month
        ctx.clock = Clock(month=MONTH + month, t=month)
        before = int(firms.trained[:12].sum())
        programme.on_arrival(np.arange(3 * month, 3 * month + 3))
        trained_per_month.append(int(firms.trained[:12].sum()) - before)
    assert trained_per_month == [1, 2, 1, 2]
    programme.on_arrival(np.arange(0))  # a month without newcomers carries no places on
    ctx.clock = Clock(month=MONTH + 5, t=5)
    firms.trained[:3] = False
    programme.on_arrival(np.arange(3))
    assert int(firms.trained[:3].sum()) == 1


def test_a_disabled_free_camp_trains_nobody():
    ctx, firms = world([{}])
    off = TrainingProgramme(ctx, Training(enabled=False, places_per_year=120, cost_per_trainee_yuan=0.0,
                                          annual_budget_yuan=BIG_BUDGET))
    off.on_arrival(np.arange(1))
    assert not firms.trained[0]


# ---------------------------------------------------------------------- rent relief
def relief(ctx: Context, **overrides) -> RentReliefProgramme:
    settings = {"enabled": True, "subsidy_share": 0.3, "max_firm_age_months": 24, "incubated_only": False,
                "shock_waiver_share": 0.3, "shock_waiver_months": 3, "private_cut_share": 0.3,
                "private_cut_rent_share": 0.5, "private_cut_support_share": 0.5, "annual_budget_yuan": BIG_BUDGET}
    return RentReliefProgramme(ctx, RentRelief(**{**settings, **overrides}), incubation_application_chance=0.0)


def test_waiver_private_cut_and_subsidy_combine_per_firm_in_the_waiver_months():
    # state-owned premises below 0.3; a private landlord's cut from 0.3 to 0.3 + 0.3 x 0.7 = 0.51
    rows = [{"staff": 2, "u_state_premises": u} for u in (0.0, 0.4, 0.55, 0.9)] + [
        {"staff": 2, "u_state_premises": 0.9, "age": 24}]  # too old for the subsidy (under 24 months)
    ctx, firms = world(rows)
    ctx.clock = Clock(month=MONTH, t=0, relief_months_since_start=0)
    programme = relief(ctx)
    programme.start_month()
    account = account_of(firms)
    # waived: all the rent; cut: the subsidy on the half still due plus the cut; others: the subsidy
    per_person = np.array([1.0, 0.3 * 0.5 + 0.5, 0.3, 0.3, 0.0]) * RENT
    np.testing.assert_allclose(programme.per_person_support_yuan(account), per_person)
    np.testing.assert_allclose(programme.planned_per_person_support_yuan(account), per_person)
    np.testing.assert_allclose(programme.pay_monthly(account), 2 * per_person)
    assert programme.monthly_record() == {"rent_waived_yuan": pytest.approx(2 * RENT)}
    # budget spend: the subsidies and the district's half of the cut; the waiver is a contract
    assert programme.spent_by_year[ctx.clock.year] == pytest.approx(2 * RENT * (0.15 + 0.25 + 0.3 + 0.3))
    assert programme.spent_this_month == pytest.approx(2 * RENT * (1.0 + 0.15 + 0.25 + 0.3 + 0.3))


def test_outside_the_waiver_months_tenants_of_state_owned_premises_get_the_subsidy_like_other_firms():
    # a premises draw under the waiver share (0.3) and one over the private landlords' cut (0.51)
    ctx, firms = world([{"staff": 2, "u_state_premises": 0.0}, {"staff": 2, "u_state_premises": 0.9}])
    programme = relief(ctx)
    programme.start_month()
    assert not programme.waiver_in_force()
    account = account_of(firms)
    per_person = np.full(2, 0.3 * RENT)  # the subsidy only: nothing waived, nothing cut
    np.testing.assert_allclose(programme.per_person_support_yuan(account), per_person)
    np.testing.assert_allclose(programme.planned_per_person_support_yuan(account), per_person)
    np.testing.assert_allclose(programme.pay_monthly(account), 2 * per_person)
    assert programme.monthly_record() == {"rent_waived_yuan": 0.0}
    assert programme.spent_this_month == pytest.approx(2 * 2 * 0.3 * RENT)


def test_only_incubated_firms_under_the_age_limit_get_the_subsidy_planned_at_its_share_and_not_in_cash():
    # incubated at 23 and 24 months (the limit: under 24 months), and a young firm outside incubators
    ctx, firms = world([{"staff": 2, "age": 23}, {"staff": 2, "age": 24}, {"staff": 2, "age": 1}])
    firms.start_incubation(np.arange(2), 1, MONTH - 1)
    programme = relief(ctx, incubated_only=True)
    programme.start_month()
    account = account_of(firms)
    cash = firms.cash[:3].copy()
    per_person = np.array([0.3, 0.0, 0.0]) * RENT
    np.testing.assert_allclose(programme.per_person_support_yuan(account), per_person)
    np.testing.assert_allclose(programme.planned_per_person_support_yuan(account), per_person)  # all paid so far
    np.testing.assert_allclose(programme.pay_monthly(account), 2 * per_person)
    np.testing.assert_array_equal(firms.cash[:3], cash)  # the subsidy lowers the rent due; the caller credits it
    assert programme.spent_this_month == pytest.approx(0.3 * 2 * RENT)


# --------------------------------------------------------------- the budget's books
def housing(ctx: Context, budget_yuan: float, enabled: bool = True) -> TalentHousingProgramme:
    return TalentHousingProgramme(ctx, TalentHousing(enabled=enabled, annual_budget_yuan=budget_yuan,
                                                     min_firm_age_months=0, min_employees=1))


def test_several_payments_in_a_month_add_up_in_the_books_and_the_allowance():
    ctx, firms = world([{}, {}, {}])
    months_left = 13 - ctx.clock.calendar_month
    programme = housing(ctx, 900.0 * months_left)  # 900 yuan a month
    programme.start_month()
    for i in range(3):
        np.testing.assert_allclose(programme.pay_pro_rata(np.array([i]), np.array([200.0])), [200.0])
    assert programme.month_allowance_yuan() == pytest.approx(300.0)
    np.testing.assert_allclose(programme.pay_first_come(np.arange(2), np.array([200.0, 200.0]), to_cash=True),
                               [200.0, 0.0])
    assert programme.rationed_years == {ctx.clock.year}
    # entitlements and payments of the month add up: 1,000 asked, 800 paid
    assert programme.expected_paid_share() == pytest.approx(0.8)
    # contracts: two payouts in a month add up, outside the budget, booked but not paid in cash
    programme.pay_contract(np.array([2]), np.array([50.0]))
    programme.pay_contract(np.array([2]), np.array([30.0]))
    assert programme.contract_spent_this_month == 80.0 and programme.contract_spent_by_year[ctx.clock.year] == 80.0
    assert firms.cash[2] == 500_000.0 and firms.support_yuan[programme.row, 2] == 200.0 + 80.0
    assert programme.spent_this_month == pytest.approx(800.0 + 80.0)
    ctx.clock = Clock(month=MONTH + 1, t=1)
    programme.start_month()
    assert programme.contract_spent_this_month == 0.0 and programme.spent_this_month == 0.0
    programme.pay_contract(np.array([2]), np.array([20.0]))
    assert programme.contract_spent_this_month == 20.0 and programme.contract_spent_by_year[ctx.clock.year] == 100.0


def test_a_month_paid_in_full_is_not_rationed_and_a_disabled_programme_books_nothing():
    ctx, firms = world([{}, {}])
    programme = housing(ctx, 1_200.0)
    programme.start_month()
    assert programme.contract_spent_this_month == 0.0
    programme.pay_first_come(np.arange(2), np.array([10.0, 0.0]), to_cash=True)
    programme.pay_pro_rata(np.arange(2), np.array([5.0, 5.0]))
    assert programme.rationed_years == set()
    np.testing.assert_array_equal(programme.pay_first_come(np.arange(1), np.zeros(1), to_cash=True), [0.0])
    assert programme.spent_this_month == pytest.approx(20.0)  # a request of nothing costs nothing
    broke = housing(ctx, 0.0)
    broke.pay_pro_rata(np.arange(2), np.zeros(2))  # nothing asked of nothing: not rationed
    assert broke.rationed_years == set()
    broke.pay_pro_rata(np.arange(2), np.ones(2))
    assert broke.rationed_years == {ctx.clock.year}
    off = housing(ctx, 1e9, enabled=False)
    for paid in (off.pay_pro_rata(np.arange(2), np.full(2, 10.0)),
                 off.pay_first_come(np.arange(2), np.full(2, 10.0), to_cash=True),
                 off.pay_contract(np.arange(2), np.full(2, 10.0))):
        assert paid.tolist() == [0.0, 0.0]
    assert off.rationed_years == set() and off.spent_this_month == 0.0
    assert off.contract_spent_by_year[ctx.clock.year] == 0.0


def test_firms_judge_a_programme_by_the_last_twelve_months_of_its_record():
    ctx, firms = world([{}])
    programme = housing(ctx, 1e9)
    programme.entitled_by_month[MONTH - 12] = 1_000.0  # a year and a month ago: forgotten
    programme.paid_by_month[MONTH - 12] = 0.0
    programme.entitled_by_month[MONTH - 13] = 1_000.0
    assert programme.expected_paid_share() == 1.0
    programme.entitled_by_month[MONTH - 11] = 1_000.0  # within the year
    programme.paid_by_month[MONTH - 11] = 250.0
    assert programme.expected_paid_share() == pytest.approx(0.25)


def test_programmes_without_places_or_per_person_support_admit_nobody_and_plan_on_nothing():
    ctx, firms = world([{}, {}])
    idx = np.arange(2)
    training = TrainingProgramme(ctx, Training(enabled=True, annual_budget_yuan=BIG_BUDGET))
    assert housing(ctx, BIG_BUDGET).admit(idx).tolist() == []
    assert training.admit(idx).tolist() == []
    assert training.planned_per_person_support_yuan(account_of(firms)) is None


def test_housing_a_founder_expects_counts_only_months_after_the_minimum_age_and_teams_from_the_minimum():
    ctx, firms = world([{"staff": 3}, {"staff": 2}])
    idx = np.arange(2)
    late = TalentHousingProgramme(ctx, TalentHousing(enabled=True, subsidy_yuan_per_person_month=2000.0,
                                                     eligible_employee_share=0.25, min_firm_age_months=12,
                                                     min_employees=3, annual_budget_yuan=BIG_BUDGET))
    assert late.expected_first_year_support_yuan(idx).tolist() == [0.0, 0.0]
    early = TalentHousingProgramme(ctx, TalentHousing(enabled=True, subsidy_yuan_per_person_month=2000.0,
                                                      eligible_employee_share=0.25, min_firm_age_months=10,
                                                      min_employees=3, annual_budget_yuan=BIG_BUDGET))
    np.testing.assert_allclose(early.expected_first_year_support_yuan(idx), [500.0 * 3 * 2, 0.0])


# --------------------------------------------------------------- annual awards
def grants(ctx: Context, budget_yuan: float = BIG_BUDGET, **overrides) -> GrowthGrantProgramme:
    settings = {"enabled": True, "innovation_grants_per_year": 1, "innovation_grant_yuan": 1e6,
                "technology_grants_per_year": 2, "technology_grant_yuan": 5e5, "min_firm_age_months": 12,
                "min_employees": 5, "award_month": 6, "productivity_effect": 0.03, "annual_budget_yuan": budget_yuan}
    return GrowthGrantProgramme(ctx, GrowthGrants(**{**settings, **overrides}))


def test_grants_go_from_exactly_the_minimum_age_and_staff_and_count_rounds_once_firms_can_qualify():
    rows = [{"staff": 5, "age": 12}, {"staff": 5, "age": 11}, {"staff": 4, "age": 12}]
    ctx, firms = world(rows)
    ctx.first_month = MONTH - 12  # this round is the first a firm could be old enough
    programme = grants(ctx)
    programme.annual_awards(np.arange(3), np.array([3.0, 2.0, 1.0]))
    assert programme.run_counts() == {"grants_awarded": {"innovation": 1, "technology": 0}, "award_rounds": 1}
    ctx2, firms2 = world(rows)
    ctx2.first_month = MONTH - 11  # too early for any firm of the run
    early = grants(ctx2)
    early.annual_awards(np.arange(3), np.array([3.0, 2.0, 1.0]))
    assert early.run_counts()["award_rounds"] == 0


def test_technology_grants_take_the_next_ranks_only_and_unpaid_grants_are_not_awarded():
    ctx, firms = world([{"staff": 6, "age": 24}] * 6)
    ctx.first_month = MONTH - 24
    revenue = np.array([6.0, 5.0, 4.0, 3.0, 2.0, 1.0])
    # June: a paced budget would allow a seventh of the year's 2 M; awards use what is left of the year
    programme = grants(ctx, budget_yuan=1_600_000.0)
    programme.annual_awards(np.arange(6), revenue)
    assert firms.grant_type[:6].tolist() == [INNOVATION, TECHNOLOGY, NOT_SET, NOT_SET, NOT_SET, NOT_SET]
    np.testing.assert_allclose(firms.log_boost[:6], [0.03, 0.03, 0, 0, 0, 0])  # the third had no money
    assert firms.cash[:3].tolist() == [1_500_000.0, 1_000_000.0, 500_000.0]
    assert programme.run_counts()["grants_awarded"] == {"innovation": 1, "technology": 1}
    ctx2, firms2 = world([{"staff": 6, "age": 24}] * 6)
    grants(ctx2).annual_awards(np.arange(6), revenue)
    assert firms2.grant_type[:6].tolist() == [INNOVATION, TECHNOLOGY, TECHNOLOGY, NOT_SET, NOT_SET, NOT_SET]


def test_rd_awards_outside_december_use_the_years_budget_and_count_over_rounds():
    ctx, firms = world([{"staff": 5, "age": 24, "sector": TECH}] * 2)
    settings = RdProjects(enabled=True, project_share=1.0, award_month=6, annual_budget_yuan=200_000.0,
                          min_firm_age_months=12, min_employees=3)
    programme = RdProjectProgramme(ctx, settings)
    revenue = np.full(2, 100_000.0)  # 54,000 yuan each: more than a paced June allowance (200,000 / 7)
    programme.annual_awards(np.arange(2), revenue)
    assert programme.projects_supported == 2
    ctx.clock = Clock(month=MONTH + 12, t=12)
    programme.annual_awards(np.arange(1), revenue[:1])
    assert programme.projects_supported == 3


# ----------------------------------------------------------- incubation's rent accounts
def test_free_places_go_to_each_bases_first_graduates_and_discounts_follow_the_paid_share():
    rows = [{"staff": 1, "founder_type": YOUNG_GRADUATE}] * 40
    ctx, firms = world(rows)
    programme = incubation(ctx, initial_bases=2, places_per_base=20, free_place_share_graduates=0.25,
                           services_subsidy_yuan_per_place_month=0.0, place_rent_discount=0.5)
    programme.start_month()
    first, second = programme.bases
    idx = np.arange(40)
    firms.start_incubation(idx[0::2], first.unique_id, MONTH)  # the bases' tenants arrive alternately
    firms.start_incubation(idx[1::2], second.unique_id, MONTH)
    share = programme.rent_discount_share(idx)
    free = np.zeros(40, dtype=bool)
    free[[0, 2, 4, 6, 8, 1, 3, 5, 7, 9]] = True  # five free places per base: its first five graduates
    np.testing.assert_array_equal(share, np.where(free, 1.0, 0.5))
    # a budget that pays half of the month's discounts: each tenant is credited half its discount
    ctx, firms = world([{"staff": 1}] * 4)
    half_the_discounts_yuan = 0.5 * (4 * 0.5 * RENT) * (13 - ctx.clock.calendar_month)
    tight = incubation(ctx, initial_bases=1, places_per_base=4, services_subsidy_yuan_per_place_month=0.0,
                       place_rent_discount=0.5, annual_budget_yuan=half_the_discounts_yuan)
    tight.start_month()
    firms.start_incubation(np.arange(4), tight.bases[0].unique_id, MONTH)
    np.testing.assert_allclose(tight.pay_monthly(account_of(firms)), np.full(4, 0.25 * RENT))


def test_one_base_a_tenant_without_discount_and_a_disabled_programme_leave_the_rent_due_and_count_no_tenants():
    ctx, firms = world([{"staff": 1, "founder_type": YOUNG_GRADUATE}, {"staff": 1}])
    programme = incubation(ctx, initial_bases=1, place_rent_discount=0.0, free_place_share_graduates=0.0,
                           services_subsidy_yuan_per_place_month=0.0)
    programme.start_month()
    firms.start_incubation(np.arange(2), programme.bases[0].unique_id, MONTH)
    account = account_of(firms)
    assert programme.pay_monthly(account).tolist() == [0.0, 0.0]
    assert account.rent_due_yuan.tolist() == [RENT, RENT]
    assert programme.run_counts() == {"incubation_bases": 1}
    assert programme.monthly_record() == {"incubated_firms": 2, "incubation_bases": 1}
    off = incubation(ctx, enabled=False)
    account = account_of(firms)
    assert off.pay_monthly(account) is None and account.rent_due_yuan.tolist() == [RENT, RENT]
    assert off.monthly_record()["incubated_firms"] == 0  # no tenants counted without the programme
    none_open = incubation(ctx, initial_bases=0)
    none_open.start_month()
    assert none_open.pay_monthly(account_of(firms)).tolist() == [0.0, 0.0]


def test_rent_relief_expects_incubation_only_if_it_is_on_and_a_disabled_programme_records_no_waiver():
    ctx, firms = world([{"staff": 2}])
    policy = Policy()
    policy.rent_relief = RentRelief(enabled=True, incubated_only=True, subsidy_share=0.3, max_firm_age_months=24)
    policy.incubation = Incubation(enabled=True, application_share=0.4)
    on = RentReliefProgramme.from_policy(ctx, policy)
    np.testing.assert_allclose(on.expected_first_year_support_yuan(np.arange(1)), 0.4 * 0.3 * 2 * RENT * 12)
    policy.incubation = Incubation(enabled=False, application_share=0.4)
    assert RentReliefProgramme.from_policy(ctx, policy).expected_first_year_support_yuan(np.arange(1)) == 0.0
    off = relief(ctx, enabled=False)
    off.start_month()
    off.pay_monthly(account_of(firms))
    assert off.monthly_record() == {"rent_waived_yuan": 0.0}


def test_awards_are_due_by_default_only_for_programmes_that_award():
    from sim.policy.base import Programme

    class Awarding(Programme):
        def annual_awards(self, survivors, expected_revenue_yuan):
            """Awards something."""

    assert Awarding.awards_due(Awarding.__new__(Awarding))
    assert not Programme.awards_due(Programme.__new__(Programme))
