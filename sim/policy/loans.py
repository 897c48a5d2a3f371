"""Loan lever: guaranteed start-up loans with interest subsidy and risk compensation
(000:51, 001:39, 002:35, 004:89; 2022 Kaopu loans and extensions, 003:23).

Mechanism: the guarantee fund lets founders without collateral borrow (up to 0.5 M yuan as
individuals for 3 years, 3 M as firms for 2 years) and covers ``guarantee_loss_share`` of
defaults, while the interest subsidy pays the part of the rate above LPR - 1.5 pp (Cai Jin [2020]
No. 21), so the borrower pays about LPR - 1.5 pp; more capital-short founders apply for loans,
start with more cash and pay less to service them; in relief-package shocks cash-short firms get
one-year emergency loans on the same terms, and outstanding loans defer their principal
instalments for ``relief_deferral_months`` from the shock's first month (003:23, loan deferral and
extension), which keeps cash in firms and lengthens their loans. The interest subsidy comes from the annual budget
(paced over the year); guarantee payouts are contracts, paid in full outside it and booked as
spend. The monthly table reports the commitments outstanding (interest subsidy still due on
outstanding loans, and the guarantee's exposure). The bank's own screening and pricing live in
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
    relief_start_month: int | None = None

    def start_month(self) -> None:
        """Reset the month's spend; a relief-package shock starting this month starts the deferral."""
        super().start_month()
        if self.ctx.clock.relief_months_since_start == 0:
            self.relief_start_month = self.ctx.clock.month

    def principal_deferred(self) -> bool:
        """Loans' principal instalments are deferred this month (relief package)."""
        if not self.enabled or self.relief_start_month is None:
            return False
        return 0 <= self.ctx.clock.month - self.relief_start_month < self.settings.relief_deferral_months

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

    def borrower_rate_pct(self, lpr_pct: np.ndarray | float, rate_pct: np.ndarray | float) -> np.ndarray:
        """Rate a supported borrower pays on a loan at ``rate_pct`` signed when the LPR was
        ``lpr_pct`` (percent a year): the part up to LPR - ``borrower_rate_below_lpr_pp``, plus
        whatever share of the rest the programme does not pay.
        """
        rate = np.asarray(rate_pct, dtype=np.float64)
        # clipped to [0, rate] (np.clip's Python wrappers cost more than its two ufuncs)
        floor = np.minimum(np.maximum(np.subtract(lpr_pct, self.settings.borrower_rate_below_lpr_pp), 0.0), rate)
        return rate - self.subsidy_share * (rate - floor)

    def term_months(self, initial_employees: np.ndarray) -> np.ndarray:
        """Term of a supported start-up loan: firms 2 years, individuals 3 (months)."""
        s = self.settings
        return np.where(
            initial_employees >= s.firm_borrower_min_employees, s.firm_term_months, s.individual_term_months
        )

    @property
    def emergency_term_months(self) -> int:
        """Term of an emergency loan (months)."""
        return self.settings.emergency_loan_term_months

    def expected_first_year_support_yuan(self, idx: np.ndarray) -> np.ndarray:
        """Expected first-year interest saved on the loan a founder needs."""
        if not self.enabled:
            return np.zeros(idx.size)
        bank = self.lender
        need = np.minimum(bank.loan_need_yuan(idx), self.loan_limit_yuan(self.firms.initial_employees[idx]))
        market = bank.market_rate_pct()
        saved_pct = market - self.borrower_rate_pct(bank.lpr_pct(), market)
        return need * saved_pct / 100.0

    def pay_interest_subsidy(self, idx: np.ndarray, subsidy_yuan: np.ndarray) -> np.ndarray:
        """Pay this month's interest subsidy on subsidised loans (budgeted, paced over the year)."""
        return self.pay_pro_rata(idx, subsidy_yuan)

    def pay_guarantee_losses(self, idx: np.ndarray, loss_yuan: np.ndarray) -> np.ndarray:
        """Compensate lenders for the guaranteed share of losses on defaulted loans (a contract:
        paid in full outside the annual budget).
        """
        return self.pay_contract(idx, loss_yuan * self.settings.guarantee_loss_share)

    def emergency_loan_yuan(self, monthly_cost_yuan: np.ndarray) -> np.ndarray:
        """Size of an emergency loan offered in a relief-package shock (yuan)."""
        return self.settings.emergency_loan_months_of_costs * monthly_cost_yuan

    def emergency_measures(self, idx: np.ndarray, monthly_cost_yuan: np.ndarray) -> None:
        """The bank offers emergency loans on these terms to cash-short firms."""
        self.lender.emergency_lending(idx, monthly_cost_yuan)

    def commitments_yuan(self) -> tuple[float, float]:
        """Commitments outstanding now (yuan): the interest subsidy still due on outstanding
        subsidised loans if they run to term, and the guarantee's exposure (its share of the loss
        if every outstanding guaranteed loan defaulted).
        """
        if not self.enabled or self.lender is None:
            return 0.0, 0.0
        pop = self.firms
        n = pop.n
        balance = pop.loan_balance[:n]
        outstanding = np.flatnonzero(balance > 0)
        subsidised = outstanding[pop.loan_subsidised[outstanding]]
        interest_subsidy = 0.0
        if subsidised.size:
            b = balance[subsidised]
            k = np.maximum(pop.loan_instalment[subsidised], 1e-9)
            payments = np.ceil(b / k - 1e-9)
            rate_pct = pop.loan_rate[subsidised] * 100.0
            lpr = self.lender.lpr_pct_at(pop.loan_month[subsidised])
            subsidy_pct = rate_pct - self.borrower_rate_pct(lpr, rate_pct)
            # interest on the declining balance b, b - k, ... over the remaining payments
            balance_months = payments * b - k * payments * (payments - 1) / 2.0
            interest_subsidy = float((subsidy_pct / 100.0 / 12.0 * balance_months).sum())
        guaranteed = outstanding[pop.loan_guaranteed[outstanding]]
        exposure = (
            self.settings.guarantee_loss_share * (1.0 - self.lender.settings.recovery_rate)
            * float(balance[guaranteed].sum())
        )
        return interest_subsidy, exposure

    def monthly_record(self) -> dict[str, float]:
        """Commitments outstanding at the month's end (yuan)."""
        interest_subsidy, exposure = self.commitments_yuan()
        return {"committed_interest_subsidy_yuan": interest_subsidy, "guarantee_exposure_yuan": exposure}
