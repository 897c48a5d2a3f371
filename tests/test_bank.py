"""The bank (sim/core/bank.py) on a tiny hand-made population with a standalone context: the LPR in
force, who applies for a loan at which rate, screening, market terms without a programme, the
bank's counters, emergency loans and the settlement of exiting firms' loans, with exact amounts.

The settings are spelled out in each test, so the tests pin the rules, not calibrated numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.calendar import parse_month
from sim.core.bank import LPR_TABLE_AHEAD_MONTHS, Bank, MarketTerms
from sim.core.context import Clock, Context
from sim.core.firms import FirmPopulation
from sim.core.population import N_UNIFORMS, NOT_SET
from sim.policy.loans import LoanProgramme
from sim.scenario.policy_tables import LoanInterestSubsidy
from sim.scenario.schema import Scenario

MONTH = parse_month("2021-06")
# behaviour spelled out: a person costs 8,000 x 1.3 + 1,200 = 11,600 yuan a month, fixed costs 6,000
BEHAVIOUR = {
    "wage_yuan_month": 8000.0, "social_insurance_rate": 0.3, "rent_yuan_per_workstation_month": 1200.0,
    "fixed_cost_yuan_month": 6000.0, "support_take_up_share": 0.5,
}
TWO_STAFF_COST_YUAN = 2 * (8000.0 * 1.3 + 1200.0) + 6000.0  # 29,200 yuan a month
BANK = {
    "spread_pct": 1.6, "base_application_share": 0.12, "rate_elasticity_per_pp": 0.25,
    "capital_target_months": 9.0, "screening_noise_sd": 0.15, "approval_threshold": -0.1,
    "loan_term_months": 24, "recovery_rate": 0.2,
}
NEED_YUAN = 9 * TWO_STAFF_COST_YUAN - 100_000.0  # 162,800 yuan for a founder with 100,000 of their own


def bank_world(n: int, month: int = MONTH, **bank) -> tuple[Context, FirmPopulation, Bank]:
    """``n`` new firms of 2 staff opening at ``month`` with 100,000 yuan of their own, collateral, a
    clean screening (quality 0, no noise), all applying and all taking up support; a bank on market
    terms."""
    scenario = Scenario(name="bank", description="hand-made", district="putuo", behaviour=BEHAVIOUR,
                        bank={**BANK, **bank})
    firms = FirmPopulation(scenario, expected_arrivals=n)
    idx = firms.arrive(month - 3, np.full((n, N_UNIFORMS), 0.5))
    firms.registered[idx] = firms.alive[idx] = True
    firms.start_month[idx] = month
    firms.employees[idx] = firms.initial_employees[idx] = 2
    firms.own_capital[idx] = firms.cash[idx] = 100_000.0
    firms.has_collateral[idx] = True
    firms.log_quality[idx] = 0.0
    firms.bank_noise[idx] = 0.0
    firms.u_loan_apply[idx] = 0.0
    firms.u_take_up[idx] = 0.0
    ctx = Context.standalone(firms, month=month)
    return ctx, firms, Bank(ctx, scenario.bank)


def with_programme(ctx: Context, bank: Bank, **settings) -> LoanProgramme:
    base = {"enabled": True, "guarantee": True, "individual_limit_yuan": 500_000.0, "interest_subsidy_share": 1.0,
            "borrower_rate_below_lpr_pp": 1.5, "guarantee_loss_share": 0.8, "emergency_loan_months_of_costs": 3.0,
            "emergency_loan_term_months": 12, "annual_budget_yuan": 1e12}
    programme = LoanProgramme(ctx, LoanInterestSubsidy(**{**base, **settings}))
    bank.use_terms(programme)
    programme.connect_lender(bank)
    return programme


def logistic(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-x))


# --------------------------------------------------------------------------- the LPR
def test_the_lpr_in_force_is_the_last_step_begun_and_the_first_before_the_schedule():
    """Default schedule: 4.31 from 2018-01, 4.20 from 2019-08, 3.85 from 2020-04, 3.70 from 2022-01."""
    ctx, firms, bank = bank_world(1)
    months = ["2017-06", "2018-01", "2019-07", "2019-08", "2020-03", "2020-04", "2021-12", "2022-01"]
    rates = [4.31, 4.31, 4.31, 4.20, 4.20, 3.85, 3.85, 3.70]
    np.testing.assert_array_equal(bank.lpr_pct_at(np.array([parse_month(m) for m in months])), rates)
    # the same from a table first built for one month, then extended back and forth month by month
    _, _, fresh = bank_world(1)
    asked = [parse_month(m) for m in months[3:] + months[:3]]
    answers = [fresh.lpr_pct_at(np.array([month], dtype=np.int32))[0] for month in asked]
    assert answers == rates[3:] + rates[:3]
    far, early = parse_month("2040-01"), parse_month("2000-01")
    ctx.clock = Clock(month=far, t=0)
    assert fresh.lpr_pct_at(np.array([far, early])).tolist() == [bank.lpr_pct(), 4.31]  # the last step's rate
    assert fresh.lpr_pct_at(np.array([], dtype=np.int32)).size == 0
    # the table built from one month covers it and LPR_TABLE_AHEAD_MONTHS more: the next month extends it
    _, _, edge = bank_world(1)
    built_from = parse_month("2019-08")
    assert edge.lpr_pct_at(np.array([built_from])).tolist() == [4.20]
    next_month = np.array([built_from + LPR_TABLE_AHEAD_MONTHS + 1])
    assert edge.lpr_pct_at(next_month).tolist() == bank_world(1)[2].lpr_pct_at(next_month).tolist() == [3.65]
    for month, rate in zip(months, rates, strict=True):
        ctx.clock = Clock(month=parse_month(month), t=0)
        assert bank.lpr_pct() == rate
        assert bank.market_rate_pct() == pytest.approx(rate + 1.6)


def test_a_loan_signed_in_the_month_the_lpr_fell_is_subsidised_against_the_new_lpr():
    ctx, firms, bank = bank_world(1, month=parse_month("2019-08"))
    programme = with_programme(ctx, bank)
    bank.lend_to_new_firms(np.arange(1))
    assert firms.loan_rate[0] == pytest.approx((4.20 + 1.6) / 100)
    # the monthly table's columns: the commitments outstanding
    subsidy_yuan, exposure_yuan = programme.commitments_yuan()
    committed = {"committed_interest_subsidy_yuan": subsidy_yuan, "guarantee_exposure_yuan": exposure_yuan}
    assert programme.monthly_record() == committed and committed["guarantee_exposure_yuan"] > 0
    ctx.clock = Clock(month=parse_month("2019-09"), t=1)
    programme.start_month()
    interest_net, _ = bank.service_loans(np.arange(1))
    # the borrower pays LPR - 1.5 pp of the signing month (4.20), the programme the rest
    assert interest_net[0] == pytest.approx(NEED_YUAN * (4.20 - 1.5) / 100 / 12)
    assert programme.spent_this_month == pytest.approx(NEED_YUAN * (1.6 + 1.5) / 100 / 12)


# --------------------------------------------------------------------- applications
def test_on_market_terms_the_base_share_of_capital_short_founders_apply():
    ctx, firms, bank = bank_world(4)
    firms.u_loan_apply[:4] = [0.12 - 1e-9, 0.12 + 1e-9, 0.0, 0.0]
    firms.own_capital[2] = 9 * TWO_STAFF_COST_YUAN  # no gap: no loan needed
    firms.own_capital[3] = 9 * TWO_STAFF_COST_YUAN - 1.0  # one yuan short
    bank.lend_to_new_firms(np.arange(4))
    np.testing.assert_allclose(firms.loan_disbursed_total[:4], [NEED_YUAN, 0.0, 0.0, 1.0])
    # market terms: LPR + spread, the bank's own term, no guarantee, no subsidy
    assert firms.loan_rate[0] == pytest.approx((3.85 + 1.6) / 100)
    assert firms.loan_instalment[0] == pytest.approx(NEED_YUAN / 24)
    assert not firms.loan_guaranteed[0] and not firms.loan_subsidised[0]
    assert bank.totals["disbursed_count"] == 2 and bank.totals["disbursed_yuan"] == pytest.approx(NEED_YUAN + 1.0)


def test_a_rate_cut_raises_the_odds_of_applying_by_the_elasticity_per_point():
    ctx, firms, bank = bank_world(3)
    with_programme(ctx, bank)
    cut_pp = (3.85 + 1.6) - (3.85 - 1.5)  # market rate less what a supported borrower pays: 3.1 pp
    p_apply = logistic(np.log(0.12 / 0.88) + 0.25 * cut_pp)
    firms.u_loan_apply[:3] = [p_apply - 1e-9, p_apply + 1e-9, 0.0]
    firms.u_take_up[2] = 0.9  # does not know the programme: applies at market odds and rate
    firms.u_loan_apply[2] = 0.12 + 1e-9
    bank.lend_to_new_firms(np.arange(3))
    assert (firms.loan_disbursed_total[:3] > 0).tolist() == [True, False, False]
    assert firms.loan_subsidised[0] and firms.loan_guaranteed[0]


def test_screening_lends_to_quality_plus_noise_above_the_threshold_only():
    ctx, firms, bank = bank_world(4, approval_threshold=0.2)
    firms.bank_noise[:4] = [2.0, -2.0, 1.0, 2.0]  # screened 0.3, -0.3, 0.15, 0.3
    firms.log_quality[3] = -0.1  # screened 0.2: not above the threshold
    bank.lend_to_new_firms(np.arange(4))
    assert (firms.loan_disbursed_total[:4] > 0).tolist() == [True, False, False, False]


def test_without_a_programme_the_market_terms_offer_nothing():
    terms = MarketTerms()
    staff = np.array([1, 5])
    assert not terms.enabled and not terms.guarantee_available and terms.subsidy_share == 0.0
    assert terms.loan_limit_yuan(staff).tolist() == [np.inf, np.inf]
    assert terms.borrower_rate_pct(3.85, np.array([5.45, 6.0])).tolist() == [5.45, 6.0]
    assert terms.emergency_loan_yuan(np.array([1e4, 2e4])).tolist() == [0.0, 0.0]
    assert terms.pay_interest_subsidy(staff, np.ones(2)).tolist() == [0.0, 0.0]
    assert terms.pay_guarantee_losses(staff, np.ones(2)).tolist() == [0.0, 0.0]
    assert not terms.principal_deferred()
    ctx, firms, bank = bank_world(2)
    firms.has_collateral[1] = False
    bank.emergency_lending(np.arange(2), np.full(2, 1e9))  # no emergency loans on market terms
    bank.lend_to_new_firms(np.arange(2))
    np.testing.assert_allclose(firms.loan_disbursed_total[:2], [NEED_YUAN, 0.0])  # collateral only


# --------------------------------------------------------------------------- counters
def test_the_books_count_loans_disbursed_repaid_and_defaulted_and_reset_monthly_flows():
    ctx, firms, bank = bank_world(3)
    bank.lend_to_new_firms(np.arange(3))
    assert bank.totals["disbursed_count"] == 3
    assert bank.month_flows["disbursed_yuan"] == pytest.approx(3 * NEED_YUAN)
    assert bank.outstanding_yuan() == pytest.approx(3 * NEED_YUAN)
    bank.start_month()
    assert set(bank.month_flows.values()) == {0.0}
    firms.loan_balance[1] = firms.loan_instalment[1]  # the last instalment is due
    _, principal = bank.service_loans(np.arange(3))
    np.testing.assert_allclose(principal, np.full(3, NEED_YUAN / 24))
    assert bank.month_flows["repaid_count"] == 1  # only the loan repaid in full counts
    assert bank.month_flows["repaid_yuan"] == pytest.approx(3 * NEED_YUAN / 24)
    assert bank.totals["disbursed_count"] == 3  # totals run on across months


# ------------------------------------------------------------------------- write-offs
def test_exiting_firms_settle_from_cash_and_default_on_the_rest_only():
    ctx, firms, bank = bank_world(6)
    with_programme(ctx, bank)
    bank.lend_to_new_firms(np.arange(4))
    balance = firms.loan_balance[0]
    firms.loan_guaranteed[:4] = [True, False, True, True]
    firms.loan_balance[5] = 0.5  # the last half yuan of a loan
    firms.cash[:6] = [1_000.0, 1_000.0, balance, balance - 0.5, 50.0, 50.0]  # firm 4 has no loan
    bank.start_month()
    bank.write_off(np.arange(6))
    # firms 2 and 5 repay in full; firm 3 defaults on half a yuan; firms 0 and 1 on all but 1,000 yuan
    assert firms.loan_defaulted[:6].tolist() == [True, True, False, True, False, False]
    assert bank.totals["repaid_count"] == 2
    assert bank.totals["repaid_yuan"] == pytest.approx(2_000.0 + balance + balance - 0.5 + 0.5)
    assert firms.cash[5] == 49.5
    assert bank.totals["defaulted_count"] == 3
    lost = np.array([balance - 1_000.0, balance - 1_000.0, 0.5]) * (1 - 0.2)
    assert bank.totals["defaulted_yuan"] == pytest.approx(2 * (balance - 1_000.0) + 0.5)
    # the guarantee covers 80% of the lender's loss on guaranteed loans only (firm 1 is not)
    assert bank.totals["loss_yuan"] == pytest.approx(0.2 * lost[0] + lost[1] + 0.2 * lost[2])
    assert firms.cash[4] == 50.0 and firms.loan_balance[:5].sum() == 0.0


def test_one_firms_default_leaves_the_other_loans_alone():
    ctx, firms, bank = bank_world(2)
    bank.lend_to_new_firms(np.arange(2))
    firms.cash[0] = 0.0
    bank.write_off(np.array([0]))
    assert firms.loan_defaulted[:2].tolist() == [True, False]
    assert firms.loan_balance[:2].tolist() == [0.0, pytest.approx(NEED_YUAN)]


# --------------------------------------------------------------------- emergency loans
def test_emergency_loans_go_to_cash_short_screened_firms_without_a_loan_once():
    ctx, firms, bank = bank_world(6, approval_threshold=0.2)
    programme = with_programme(ctx, bank)
    cost = np.full(6, TWO_STAFF_COST_YUAN)
    firms.bank_noise[:6] = 2.0  # screened 0.3: above the threshold
    firms.bank_noise[1] = -2.0  # screened -0.3
    firms.cash[:6] = [0.0, 0.0, TWO_STAFF_COST_YUAN, 0.0, 0.0, TWO_STAFF_COST_YUAN - 1.0]
    firms.loan_balance[3] = 0.5  # half a yuan still owed: one loan at a time
    firms.emergency_loan[4] = True  # had one already
    bank.emergency_lending(np.arange(6), cost)
    lent = 3 * TWO_STAFF_COST_YUAN
    np.testing.assert_allclose(firms.loan_disbursed_total[:6], [lent, 0, 0, 0, 0, lent])
    assert firms.emergency_loan[:6].tolist() == [True, False, False, False, True, True]
    assert firms.loan_instalment[0] == pytest.approx(lent / 12)
    assert firms.loan_guaranteed[0] and firms.loan_subsidised[0]
    assert programme.spent_this_month == 0.0  # lending is not spending


# ------------------------------------------------------------ who borrows on which terms
def test_under_a_programme_founders_who_do_not_take_it_up_borrow_on_market_terms_or_not_at_all():
    ctx, firms, bank = bank_world(3)
    programme = with_programme(ctx, bank)
    firms.u_take_up[1:3] = 0.9  # these two do not know the programme
    firms.has_collateral[:3] = [False, True, False]
    bank.lend_to_new_firms(np.arange(3))
    np.testing.assert_allclose(firms.loan_disbursed_total[:3], [NEED_YUAN, NEED_YUAN, 0.0])
    assert firms.loan_guaranteed[:3].tolist() == [True, False, False]
    assert firms.loan_subsidised[:3].tolist() == [True, False, False]
    # the supported loan runs the programme's individual term (36 months), the market loan the bank's
    np.testing.assert_allclose(firms.loan_instalment[:2], [NEED_YUAN / 36, NEED_YUAN / 24])
    assert firms.first_support_month[:3].tolist() == [MONTH, NOT_SET, NOT_SET]
    # the bank built with the programme's terms lends on them from the start
    ctx2, firms2, _ = bank_world(1)
    firms2.has_collateral[0] = False
    Bank(ctx2, firms2.scenario.bank, terms=programme).lend_to_new_firms(np.arange(1))
    assert firms2.loan_guaranteed[0] and firms2.loan_disbursed_total[0] == pytest.approx(NEED_YUAN)


def test_a_programme_without_guarantee_or_subsidy_supports_nobody_and_a_loan_of_nothing_is_not_booked():
    ctx, firms, bank = bank_world(1)
    with_programme(ctx, bank, guarantee=False, interest_subsidy_share=0.0)
    bank.lend_to_new_firms(np.arange(1))
    assert firms.loan_disbursed_total[0] == pytest.approx(NEED_YUAN)  # on collateral
    assert not firms.loan_guaranteed[0] and not firms.loan_subsidised[0]
    assert firms.first_support_month[0] == NOT_SET
    ctx, firms, bank = bank_world(1)
    with_programme(ctx, bank, emergency_loan_months_of_costs=0.0)
    firms.cash[0] = 0.0
    bank.emergency_lending(np.arange(1), np.full(1, TWO_STAFF_COST_YUAN))
    assert bank.totals["disbursed_count"] == 0 and firms.loan_disbursed_total[0] == 0.0
    assert firms.first_support_month[0] == NOT_SET and firms.loan_month[0] == NOT_SET


def test_books_add_up_over_several_lendings_in_a_month_and_firms_without_a_loan_repay_nothing():
    ctx, firms, bank = bank_world(3)
    bank.lend_to_new_firms(np.arange(1))
    bank.lend_to_new_firms(np.arange(1, 2))
    assert bank.totals["disbursed_count"] == 2 and bank.month_flows["disbursed_count"] == 2
    assert bank.totals["disbursed_yuan"] == pytest.approx(2 * NEED_YUAN)
    assert bank.month_flows["disbursed_yuan"] == pytest.approx(2 * NEED_YUAN)
    interest, principal = bank.service_loans(np.arange(3))
    assert principal[2] == 0.0 and interest[2] == 0.0
    assert bank.totals["repaid_count"] == 0  # no loan was repaid in full; firm 2 never had one


# ------------------------------------------------------------------ the loan programme's rules
def test_the_programme_caps_loans_by_borrower_size_and_keeps_the_borrower_rate_between_zero_and_the_rate():
    ctx, firms, bank = bank_world(1)
    programme = with_programme(ctx, bank, individual_limit_yuan=500_000.0, firm_limit_yuan=3_000_000.0,
                               firm_borrower_min_employees=3)
    np.testing.assert_array_equal(programme.loan_limit_yuan(np.array([2, 3, 8])), [500_000.0, 3e6, 3e6])
    # an LPR under 1.5%: the borrower pays nothing, not a negative rate
    assert float(programme.borrower_rate_pct(1.0, 2.6)) == pytest.approx(0.0)
    # a loan priced under LPR - 1.5 pp gets no subsidy, and the borrower never pays more than its rate
    assert float(programme.borrower_rate_pct(5.0, 2.0)) == pytest.approx(2.0)
    half = with_programme(ctx, bank, interest_subsidy_share=0.5)
    assert float(half.borrower_rate_pct(3.85, 5.45)) == pytest.approx(5.45 - 0.5 * (5.45 - 2.35))


def test_a_founder_expects_the_first_years_interest_saved_on_the_capped_need():
    ctx, firms, bank = bank_world(2)
    programme = with_programme(ctx, bank, individual_limit_yuan=100_000.0)
    firms.own_capital[1] = 9 * TWO_STAFF_COST_YUAN - 50_000.0  # needs 50,000
    saved_pct = (3.85 + 1.6) - (3.85 - 1.5)
    np.testing.assert_allclose(programme.expected_first_year_support_yuan(np.arange(2)),
                               np.array([100_000.0, 50_000.0]) * saved_pct / 100)
    off = with_programme(ctx, bank, enabled=False)
    assert off.expected_first_year_support_yuan(np.arange(2)).tolist() == [0.0, 0.0]


def test_commitments_count_only_outstanding_guaranteed_loans_and_nothing_when_disabled():
    ctx, firms, bank = bank_world(3)
    programme = with_programme(ctx, bank)
    assert programme.commitments_yuan() == (0.0, 0.0)
    firms.u_take_up[1] = 0.9  # borrows on collateral at market terms: not guaranteed, not subsidised
    bank.lend_to_new_firms(np.arange(2))
    subsidy_yuan, exposure_yuan = programme.commitments_yuan()
    assert exposure_yuan == pytest.approx(0.8 * (1 - 0.2) * NEED_YUAN)  # firm 0's loan only
    assert subsidy_yuan > 0
    programme.enabled = False
    assert programme.commitments_yuan() == (0.0, 0.0)


def test_booking_loans_marks_guaranteed_or_subsidised_borrowers_supported_and_adds_up_what_was_lent():
    ctx, firms, bank = bank_world(3)
    idx = np.arange(3)
    guaranteed = np.array([True, False, False])
    subsidised = np.array([False, True, False])
    firms.book_loan(idx, np.full(3, 24_000.0), 3.0, 24, MONTH, guaranteed, subsidised)
    row = firms.programme_row("loan_interest_subsidy")
    assert firms.first_support_month[:3].tolist() == [MONTH, MONTH, NOT_SET]
    assert firms.first_support_by_programme[row, :3].tolist() == [MONTH, MONTH, NOT_SET]
    assert firms.startup_loan[:3].tolist() == [True, True, False]  # a market loan is not public support
    np.testing.assert_allclose(firms.loan_instalment[:3], 1_000.0)
    np.testing.assert_allclose(firms.cash[:3], 124_000.0)
    # a later loan to the first firm (its first repaid): the total lent adds up
    firms.loan_balance[0] = 0.0
    firms.book_loan(idx[:1], np.array([12_000.0]), 3.0, 12, MONTH + 13, guaranteed[:1], subsidised[:1])
    np.testing.assert_allclose(firms.loan_disbursed_total[:3], [36_000.0, 24_000.0, 24_000.0])
    assert firms.first_support_by_programme[row, 0] == MONTH
