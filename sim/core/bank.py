"""Banks: loan applications, screening, pricing, repayment and default.

One :class:`Bank` agent stands for the district's lenders. It screens on a noisy view of the
borrower's quality, requires collateral unless the guarantee fund stands behind the loan, prices
at LPR + spread and books repayments and defaults. Public support (guarantee, interest subsidy,
emergency loans, the rate a supported borrower pays and the terms of supported loans) comes
through :class:`LoanTerms`, which a programme provides (in the model,
:class:`sim.policy.loans.LoanProgramme`); without one the bank lends on market terms only.

Accounting identity, in yuan of principal: disbursed = repaid + defaulted + outstanding.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from sim.calendar import parse_month
from sim.core.context import Context
from sim.core.mesa_core import mesa
from sim.scenario.schema import Bank as BankSettings

MIN_APPLICATION_ODDS = 1e-12
"""Floor on the odds of applying for a loan (avoids log(0) when ``base_application_share`` is 0)."""
LPR_TABLE_AHEAD_MONTHS = 120
"""Months past the latest one asked about that the table of the LPR by month covers (a numerical
convenience: the table is rebuilt only when a month falls outside it)."""


class LoanTerms(Protocol):
    """What public loan support offers the bank, and how it pays its share."""

    @property
    def enabled(self) -> bool:
        """Public loan support exists (guarantees, subsidies or emergency loans)."""

    @property
    def guarantee_available(self) -> bool:
        """Founders without collateral can borrow under the guarantee."""

    @property
    def subsidy_share(self) -> float:
        """Share of the borrower's interest paid by the programme."""

    def loan_limit_yuan(self, initial_employees: np.ndarray) -> np.ndarray:
        """Cap on a supported start-up loan (yuan)."""

    def borrower_rate_pct(self, lpr_pct: np.ndarray | float, rate_pct: np.ndarray | float) -> np.ndarray:
        """Rate a supported borrower pays on a loan at ``rate_pct`` signed at ``lpr_pct`` (percent a year)."""

    def term_months(self, initial_employees: np.ndarray) -> np.ndarray:
        """Term of a supported start-up loan (months)."""

    @property
    def emergency_term_months(self) -> int:
        """Term of an emergency loan (months)."""

    def principal_deferred(self) -> bool:
        """Principal instalments of outstanding loans are deferred this month (relief measure)."""

    def emergency_loan_yuan(self, monthly_cost_yuan: np.ndarray) -> np.ndarray:
        """Size of an emergency loan offered in a relief-package shock (yuan)."""

    def pay_interest_subsidy(self, idx: np.ndarray, subsidy_yuan: np.ndarray) -> np.ndarray:
        """Pay this month's interest subsidy the loans are entitled to; returns what was paid (yuan)."""

    def pay_guarantee_losses(self, idx: np.ndarray, loss_yuan: np.ndarray) -> np.ndarray:
        """Compensate lenders for guaranteed losses; returns what was paid (yuan)."""


class MarketTerms:
    """No public loan support: the bank lends on collateral at market rates only."""

    enabled = False
    guarantee_available = False
    subsidy_share = 0.0

    def loan_limit_yuan(self, initial_employees: np.ndarray) -> np.ndarray:
        """No supported loans, so no cap (yuan)."""
        return np.full(np.shape(initial_employees), np.inf)

    def borrower_rate_pct(self, lpr_pct: np.ndarray | float, rate_pct: np.ndarray | float) -> np.ndarray:
        """No subsidy: the borrower pays the loan's rate."""
        return np.asarray(rate_pct, dtype=np.float64)

    def term_months(self, initial_employees: np.ndarray) -> np.ndarray:
        """No supported loans (never used: no borrower is in a programme)."""
        return np.zeros(np.shape(initial_employees), dtype=np.int64)

    emergency_term_months = 0
    """No emergency loans."""

    def principal_deferred(self) -> bool:
        """No deferral."""
        return False

    def emergency_loan_yuan(self, monthly_cost_yuan: np.ndarray) -> np.ndarray:
        """No emergency loans."""
        return np.zeros(np.shape(monthly_cost_yuan))

    def pay_interest_subsidy(self, idx: np.ndarray, subsidy_yuan: np.ndarray) -> np.ndarray:
        """No subsidy."""
        return np.zeros(idx.size)

    def pay_guarantee_losses(self, idx: np.ndarray, loss_yuan: np.ndarray) -> np.ndarray:
        """No guarantee."""
        return np.zeros(idx.size)


def _per_loan(value: np.ndarray | float, keep: np.ndarray, dtype: type | None = None) -> np.ndarray:
    """``value`` of the loans at positions ``keep``: its entries there, or one value for all."""
    value = np.asarray(value, dtype=dtype)
    return np.full(keep.size, value) if value.ndim == 0 else value[keep]


class Bank(mesa.Agent):
    """The district's lenders."""

    def __init__(self, ctx: Context, settings: BankSettings, terms: LoanTerms | None = None) -> None:
        """Build the bank.

        Args:
            ctx: Clock, firms and Mesa registration.
            settings: The scenario's ``bank`` table.
            terms: Public loan support (default: none; see :meth:`use_terms`).
        """
        super().__init__(ctx.agents)
        self.ctx = ctx
        self.settings = settings
        self.terms: LoanTerms = terms if terms is not None else MarketTerms()
        steps = sorted(self.settings.lpr_schedule, key=lambda s: parse_month(s.start))
        self._lpr_starts = np.array([parse_month(s.start) for s in steps])
        self._lpr_rates = np.array([s.rate_pct for s in steps])
        self._lpr_month, self._lpr = None, 0.0  # the month last asked about and its rate
        self._lpr_by_month = (0, np.zeros(0))  # (first month, the rate in force in each month from it)
        self.totals = {
            "disbursed_count": 0, "disbursed_yuan": 0.0, "repaid_count": 0, "repaid_yuan": 0.0,
            "defaulted_count": 0, "defaulted_yuan": 0.0, "loss_yuan": 0.0,
        }
        self.month_flows: dict[str, float] = dict.fromkeys(self.totals, 0.0)

    def use_terms(self, terms: LoanTerms) -> None:
        """Lend with this public support from now on."""
        self.terms = terms

    def start_month(self) -> None:
        """Reset this month's flows."""
        self.month_flows = dict.fromkeys(self.totals, 0.0)

    def _add(self, key: str, value: float) -> None:
        self.totals[key] += value
        self.month_flows[key] += value

    # ----------------------------------------------------------------- pricing
    def lpr_pct(self) -> float:
        """One-year loan prime rate in force this month (percent a year)."""
        month = self.ctx.clock.month
        if month != self._lpr_month:
            position = np.searchsorted(self._lpr_starts, month, side="right") - 1
            self._lpr_month, self._lpr = month, float(self._lpr_rates[max(position, 0)])
        return self._lpr

    def lpr_pct_at(self, months: np.ndarray) -> np.ndarray:
        """One-year LPR in force in each of ``months`` (absolute months; percent a year).

        Looked up in a table of the rate by month (a binary search of the schedule per loan costs
        ten times more), built by that search over the range of months asked about.
        """
        months = np.asarray(months)
        if months.size == 0:
            return self._lpr_rates[:0]
        start, table = self._lpr_by_month
        first, last = int(months.min()), int(months.max())
        if table.size == 0 or first < start or last >= start + table.size:
            if table.size:
                first, last = min(first, start), max(last, start + table.size - 1)
            every = np.arange(first, last + 1 + LPR_TABLE_AHEAD_MONTHS)
            position = np.searchsorted(self._lpr_starts, every, side="right") - 1
            start, table = first, self._lpr_rates[np.maximum(position, 0)]
            self._lpr_by_month = (start, table)
        return table[(months - start).astype(np.intp)]  # intp: other indices are cast slowly

    def market_rate_pct(self) -> float:
        """Lending rate to start-ups: LPR + spread (percent a year)."""
        return self.lpr_pct() + self.settings.spread_pct

    def loan_need_yuan(self, idx: np.ndarray) -> np.ndarray:
        """Gap between the capital a founder wants and their own capital (yuan)."""
        firms = self.ctx.firms
        wanted = self.settings.capital_target_months * firms.monthly_cost_yuan(firms.initial_employees[idx])
        return np.maximum(wanted - firms.own_capital[idx], 0.0)

    # ----------------------------------------------------------------- lending
    def lend_to_new_firms(self, new_firms: np.ndarray) -> None:
        """Applications, screening and disbursement for this month's new firms."""
        firms = self.ctx.firms
        terms = self.terms
        s = self.settings
        need = self.loan_need_yuan(new_firms)
        market = self.market_rate_pct()
        if terms.enabled:
            in_programme = firms.takes_up_support(new_firms)
            effective = np.where(in_programme, terms.borrower_rate_pct(self.lpr_pct(), market), market)
            guaranteed = in_programme & terms.guarantee_available
            limit = terms.loan_limit_yuan(firms.initial_employees[new_firms])
            amount = np.where(in_programme, np.minimum(need, limit), need)
        else:  # no public terms: every founder faces the market's rate and terms, without guarantee
            in_programme = guaranteed = False
            effective, amount = market, need
        base_logit = np.log(s.base_application_share / max(1 - s.base_application_share, 1e-9) + MIN_APPLICATION_ODDS)
        p_apply = 1.0 / (1.0 + np.exp(-(base_logit + s.rate_elasticity_per_pp * (market - effective))))
        applies = (need > 0) & (firms.u_loan_apply[new_firms] < p_apply)
        screened = firms.log_quality[new_firms] + s.screening_noise_sd * firms.bank_noise[new_firms]
        secured = firms.has_collateral[new_firms] | guaranteed
        approved = applies & (screened > s.approval_threshold) & secured
        term = s.loan_term_months
        if terms.enabled:
            term = np.where(in_programme, terms.term_months(firms.initial_employees[new_firms]), term)[approved]
            guaranteed, in_programme = guaranteed[approved], in_programme[approved]
        self._disburse(
            new_firms[approved], amount[approved], market, term, guaranteed=guaranteed, subsidised=in_programme,
        )

    def _disburse(
        self, idx: np.ndarray, amount: np.ndarray, rate_pct: float, term_months: np.ndarray | int,
        guaranteed: np.ndarray | bool, subsidised: np.ndarray | bool,
    ) -> None:
        """Book new loans; ``term_months``, ``guaranteed`` and ``subsidised`` are per loan (or one for all)."""
        keep = np.flatnonzero(amount > 0)
        if keep.size == 0:  # no loans: nothing to book or count
            return
        idx, amount = idx.take(keep), amount.take(keep)
        term = _per_loan(term_months, keep)
        guaranteed = _per_loan(guaranteed, keep, bool)
        subsidised = _per_loan(subsidised, keep, bool)
        self.ctx.firms.book_loan(
            idx, amount, rate_pct, term, self.ctx.clock.month,
            guaranteed=guaranteed, subsidised=subsidised & (self.terms.subsidy_share > 0),
        )
        self._add("disbursed_count", idx.size)
        self._add("disbursed_yuan", float(amount.sum()))

    def emergency_lending(self, candidates: np.ndarray, monthly_cost_yuan: np.ndarray) -> None:
        """Kaopu-style emergency loans to cash-short firms in a relief-package shock (003:23)."""
        terms = self.terms
        if not terms.enabled:
            return
        firms = self.ctx.firms
        s = self.settings
        screened = firms.log_quality[candidates] + s.screening_noise_sd * firms.bank_noise[candidates]
        ok = (
            (firms.loan_balance[candidates] <= 0)
            & (firms.cash[candidates] < monthly_cost_yuan)
            & (screened > s.approval_threshold)
            & ~firms.emergency_loan[candidates]
        )
        borrowers = candidates[ok]
        amount = terms.emergency_loan_yuan(monthly_cost_yuan[ok])
        firms.mark_emergency_loan(borrowers)
        self._disburse(
            borrowers, amount, self.market_rate_pct(), terms.emergency_term_months,
            guaranteed=terms.guarantee_available, subsidised=True,
        )

    # ----------------------------------------------------------- loan service
    def service_loans(self, alive_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Charge this month's interest and instalment on outstanding loans (no instalment while
        the public loan terms defer principal).

        Returns:
            ``(interest_net_yuan, principal_yuan)`` per firm in ``alive_idx``: interest after the
            subsidy (an operating cost) and principal repaid (a cash outflow).
        """
        firms = self.ctx.firms
        interest_net = np.zeros(alive_idx.size)
        principal = np.zeros(alive_idx.size)
        has_loan = np.flatnonzero(firms.loan_balance[alive_idx] > 0)  # positions of the borrowers
        borrowers = alive_idx.take(has_loan)
        if borrowers.size == 0:
            return interest_net, principal
        balance = firms.loan_balance[borrowers]
        interest = balance * firms.loan_rate[borrowers] / 12.0
        subsidised = firms.loan_subsidised[borrowers]
        subsidy = np.zeros(borrowers.size)
        if subsidised.any():
            on = borrowers[subsidised]
            rate_pct = firms.loan_rate[on] * 100.0
            borrower_pct = self.terms.borrower_rate_pct(self.lpr_pct_at(firms.loan_month[on]), rate_pct)
            entitled = balance[subsidised] * (rate_pct - borrower_pct) / 100.0 / 12.0
            subsidy[subsidised] = self.terms.pay_interest_subsidy(on, entitled)
        interest_net[has_loan] = interest - subsidy
        if self.terms.principal_deferred():
            return interest_net, principal
        repay, finished = firms.repay_instalments(borrowers)
        self._add("repaid_yuan", float(repay.sum()))
        self._add("repaid_count", int(finished.sum()))
        principal[has_loan] = repay
        return interest_net, principal

    def write_off(self, exiting: np.ndarray) -> None:
        """Settle the loans of exiting firms.

        A closing firm repays what it can from its remaining cash; the rest is a default, of
        which the lender recovers ``recovery_rate`` and the guarantee fund covers its share.
        """
        firms = self.ctx.firms
        owing = exiting[firms.loan_balance[exiting] > 0]
        if owing.size == 0:  # nothing to settle or write off
            return
        settled, paid_off = firms.settle_from_cash(owing)
        self._add("repaid_yuan", float(settled.sum()))
        self._add("repaid_count", paid_off.size)
        defaulters = owing[firms.loan_balance[owing] > 0]
        if defaulters.size == 0:
            return
        balance = firms.loan_balance[defaulters].copy()
        loss = balance * (1.0 - self.settings.recovery_rate)
        guaranteed = firms.loan_guaranteed[defaulters]
        compensated = np.zeros(defaulters.size)
        compensated[guaranteed] = self.terms.pay_guarantee_losses(defaulters[guaranteed], loss[guaranteed])
        firms.default_loans(defaulters)
        self._add("defaulted_count", defaulters.size)
        self._add("defaulted_yuan", float(balance.sum()))
        self._add("loss_yuan", float((loss - compensated).sum()))

    def outstanding_yuan(self) -> float:
        """Principal outstanding across all firms (yuan)."""
        firms = self.ctx.firms
        return float(firms.loan_balance[: firms.n].sum())
