"""Loan lever: guaranteed start-up loans with interest subsidy and risk compensation
(000:51, 001:39, 002:35, 004:89; 2022 Kaopu loans and extensions, 003:23).

Mechanism: the guarantee fund lets founders without collateral borrow (up to 0.5 M yuan as
individuals, 3 M as firms) and covers ``guarantee_loss_share`` of defaults, while the interest
subsidy lowers the borrower's effective rate, so more capital-short founders apply for loans,
start with more cash and pay less to service them; in relief-package shocks cash-short firms get
emergency loans on the same terms. The bank's own screening and pricing live in
:mod:`sim.core.bank`.
"""

from __future__ import annotations

import numpy as np

from sim.core.bank import Bank, LoanTerms
from sim.policy.base import Programme


class LoanProgramme(Programme):
    """Guarantee fund, interest subsidy and emergency (Kaopu) loans: the bank's :class:`LoanTerms`."""

    name = "loan_interest_subsidy"
    lender: Bank | None = None

    def lending_terms(self) -> LoanTerms:
        """The public support behind the bank's start-up loans: this programme."""
        return self

    def connect_lender(self, bank: Bank) -> None:
        """Remember the bank that lends on these terms."""
        self.lender = bank

    @property
    def guarantee_available(self) -> bool:
        """Founders without collateral can borrow under the guarantee."""
        return self.enabled and self.settings.guarantee

    @property
    def subsidy_share(self) -> float:
        """Share of the borrower's interest the programme pays."""
        return self.settings.interest_subsidy_share if self.enabled else 0.0

    def loan_limit_yuan(self, initial_employees: np.ndarray) -> np.ndarray:
        """Cap on a start-up loan: the firm limit for larger teams, else the individual limit."""
        s = self.settings
        return np.where(
            initial_employees >= s.firm_borrower_min_employees, s.firm_limit_yuan, s.individual_limit_yuan
        )

    def expected_first_year_support_yuan(self, idx: np.ndarray) -> np.ndarray:
        """Expected first-year interest saved on the loan a founder needs."""
        if not self.enabled:
            return np.zeros(idx.size)
        bank = self.lender
        need = np.minimum(bank.loan_need_yuan(idx), self.loan_limit_yuan(self.firms.initial_employees[idx]))
        return need * bank.market_rate_pct() / 100.0 * self.subsidy_share

    def pay_interest_subsidy(self, idx: np.ndarray, interest_yuan: np.ndarray) -> np.ndarray:
        """Pay the subsidised share of this month's interest on subsidised loans."""
        return self.pay_pro_rata(idx, interest_yuan * self.subsidy_share)

    def pay_guarantee_losses(self, idx: np.ndarray, loss_yuan: np.ndarray) -> np.ndarray:
        """Compensate lenders for the guaranteed share of losses on defaulted loans."""
        return self.pay_pro_rata(idx, loss_yuan * self.settings.guarantee_loss_share)

    def emergency_loan_yuan(self, monthly_cost_yuan: np.ndarray) -> np.ndarray:
        """Size of an emergency loan offered in a relief-package shock (yuan)."""
        return self.settings.emergency_loan_months_of_costs * monthly_cost_yuan

    def emergency_measures(self, idx: np.ndarray, monthly_cost_yuan: np.ndarray) -> None:
        """The bank offers emergency loans on these terms to cash-short firms."""
        self.lender.emergency_lending(idx, monthly_cost_yuan)
