"""Banks: loan applications, screening, pricing, repayment and default.

One :class:`Bank` agent stands for the district's lenders. It screens on a noisy view of the
borrower's quality, requires collateral unless the guarantee fund stands behind the loan, prices
at LPR + spread and books repayments and defaults. Public support (guarantee, interest subsidy,
emergency loans) comes from :class:`sim.policy.loans.LoanProgramme`.

Accounting identity, in yuan of principal: disbursed = repaid + defaulted + outstanding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.calendar import parse_month

if TYPE_CHECKING:
    from sim.core.model import StartupEcosystem


class Bank(mesa.Agent):
    """The district's lenders."""

    def __init__(self, model: StartupEcosystem) -> None:
        super().__init__(model)
        self.settings = model.scenario.bank
        steps = sorted(self.settings.lpr_schedule, key=lambda s: parse_month(s.start))
        self._lpr_starts = np.array([parse_month(s.start) for s in steps])
        self._lpr_rates = np.array([s.rate_pct for s in steps])
        self.totals = {
            "disbursed_count": 0, "disbursed_yuan": 0.0, "repaid_count": 0, "repaid_yuan": 0.0,
            "defaulted_count": 0, "defaulted_yuan": 0.0, "loss_yuan": 0.0,
        }
        self.month_flows: dict[str, float] = {}

    def start_month(self) -> None:
        """Reset this month's flows."""
        self.month_flows = {k: 0.0 for k in self.totals}

    def _add(self, key: str, value: float) -> None:
        self.totals[key] += value
        self.month_flows[key] += value

    # ----------------------------------------------------------------- pricing
    def lpr_pct(self) -> float:
        """One-year loan prime rate in force this month (percent a year)."""
        position = np.searchsorted(self._lpr_starts, self.model.clock.month, side="right") - 1
        return float(self._lpr_rates[max(position, 0)])

    def market_rate_pct(self) -> float:
        """Lending rate to start-ups: LPR + spread (percent a year)."""
        return self.lpr_pct() + self.settings.spread_pct

    def loan_need_yuan(self, idx: np.ndarray) -> np.ndarray:
        """Gap between the capital a founder wants and their own capital (yuan)."""
        pop = self.model.population
        wanted = self.settings.capital_target_months * pop.monthly_cost_yuan(pop.initial_employees[idx])
        return np.maximum(wanted - pop.own_capital[idx], 0.0)

    # ----------------------------------------------------------------- lending
    def lend_to_new_firms(self, new_firms: np.ndarray) -> None:
        """Applications, screening and disbursement for this month's new firms."""
        pop = self.model.population
        programme = self.model.loan_programme
        s = self.settings
        need = self.loan_need_yuan(new_firms)
        market = self.market_rate_pct()
        in_programme = pop.takes_up_support(new_firms) & programme.enabled
        effective = market * (1.0 - np.where(in_programme, programme.subsidy_share, 0.0))
        base_logit = np.log(s.base_application_share / max(1 - s.base_application_share, 1e-9) + 1e-12)
        p_apply = 1.0 / (1.0 + np.exp(-(base_logit + s.rate_elasticity_per_pp * (market - effective))))
        applies = (need > 0) & (pop.u_loan_apply[new_firms] < p_apply)
        screened = pop.log_quality[new_firms] + s.screening_noise_sd * pop.bank_noise[new_firms]
        guaranteed = in_programme & programme.guarantee_available
        secured = pop.has_collateral[new_firms] | guaranteed
        approved = applies & (screened > s.approval_threshold) & secured
        limit = programme.loan_limit_yuan(pop.initial_employees[new_firms])
        amount = np.where(in_programme, np.minimum(need, limit), need)
        self._disburse(
            new_firms[approved], amount[approved], market,
            guaranteed=guaranteed[approved], subsidised=in_programme[approved],
        )

    def _disburse(
        self, idx: np.ndarray, amount: np.ndarray, rate_pct: float,
        guaranteed: np.ndarray, subsidised: np.ndarray,
    ) -> None:
        """Book new loans; ``guaranteed``/``subsidised`` are per-loan programme flags."""
        pop = self.model.population
        programme = self.model.loan_programme
        guaranteed = np.broadcast_to(np.asarray(guaranteed, dtype=bool), idx.shape)
        subsidised = np.broadcast_to(np.asarray(subsidised, dtype=bool), idx.shape)
        keep = amount > 0
        idx, amount = idx[keep], amount[keep]
        guaranteed, subsidised = guaranteed[keep], subsidised[keep]
        pop.loan_balance[idx] = amount
        pop.loan_rate[idx] = rate_pct / 100.0
        pop.loan_instalment[idx] = amount / self.settings.loan_term_months
        pop.loan_month[idx] = self.model.clock.month
        pop.loan_disbursed_total[idx] += amount
        pop.mark_supported(idx[guaranteed | subsidised], self.model.clock.month)
        pop.loan_guaranteed[idx] = guaranteed
        pop.loan_subsidised[idx] = subsidised & (programme.subsidy_share > 0)
        pop.cash[idx] += amount
        self._add("disbursed_count", idx.size)
        self._add("disbursed_yuan", float(amount.sum()))

    def emergency_lending(self, candidates: np.ndarray, monthly_cost_yuan: np.ndarray) -> None:
        """Kaopu-style emergency loans to cash-short firms in a relief-package shock (003:23)."""
        programme = self.model.loan_programme
        if not programme.enabled:
            return
        pop = self.model.population
        s = self.settings
        screened = pop.log_quality[candidates] + s.screening_noise_sd * pop.bank_noise[candidates]
        ok = (
            (pop.loan_balance[candidates] <= 0)
            & (pop.cash[candidates] < monthly_cost_yuan)
            & (screened > s.approval_threshold)
            & ~pop.emergency_loan[candidates]
        )
        borrowers = candidates[ok]
        amount = programme.emergency_loan_yuan(monthly_cost_yuan[ok])
        pop.emergency_loan[borrowers] = True
        self._disburse(
            borrowers, amount, self.market_rate_pct(),
            guaranteed=programme.guarantee_available, subsidised=True,
        )

    # ----------------------------------------------------------- loan service
    def service_loans(self, alive_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Charge this month's interest and instalment on outstanding loans.

        Returns:
            ``(interest_net_yuan, principal_yuan)`` per firm in ``alive_idx``: interest after the
            subsidy (an operating cost) and principal repaid (a cash outflow).
        """
        pop = self.model.population
        programme = self.model.loan_programme
        interest_net = np.zeros(alive_idx.size)
        principal = np.zeros(alive_idx.size)
        has_loan = pop.loan_balance[alive_idx] > 0
        borrowers = alive_idx[has_loan]
        if borrowers.size == 0:
            return interest_net, principal
        interest = pop.loan_balance[borrowers] * pop.loan_rate[borrowers] / 12.0
        subsidised = pop.loan_subsidised[borrowers]
        subsidy = np.zeros(borrowers.size)
        subsidy[subsidised] = programme.pay_interest_subsidy(borrowers[subsidised], interest[subsidised])
        repay = np.minimum(pop.loan_instalment[borrowers], pop.loan_balance[borrowers])
        pop.loan_balance[borrowers] -= repay
        finished = pop.loan_balance[borrowers] <= 1e-6
        pop.loan_balance[borrowers[finished]] = 0.0
        self._add("repaid_yuan", float(repay.sum()))
        self._add("repaid_count", int(finished.sum()))
        interest_net[has_loan] = interest - subsidy
        principal[has_loan] = repay
        return interest_net, principal

    def write_off(self, exiting: np.ndarray) -> None:
        """Settle the loans of exiting firms.

        A closing firm repays what it can from its remaining cash; the rest is a default, of
        which the lender recovers ``recovery_rate`` and the guarantee fund covers its share.
        """
        pop = self.model.population
        owing = exiting[pop.loan_balance[exiting] > 0]
        settled = np.minimum(np.maximum(pop.cash[owing], 0.0), pop.loan_balance[owing])
        pop.loan_balance[owing] -= settled
        pop.cash[owing] -= settled
        paid_off = owing[pop.loan_balance[owing] <= 1e-6]
        pop.loan_balance[paid_off] = 0.0
        self._add("repaid_yuan", float(settled.sum()))
        self._add("repaid_count", paid_off.size)
        defaulters = owing[pop.loan_balance[owing] > 0]
        if defaulters.size == 0:
            return
        balance = pop.loan_balance[defaulters].copy()
        loss = balance * (1.0 - self.settings.recovery_rate)
        guaranteed = pop.loan_guaranteed[defaulters]
        compensated = np.zeros(defaulters.size)
        compensated[guaranteed] = self.model.loan_programme.pay_guarantee_losses(
            defaulters[guaranteed], loss[guaranteed]
        )
        pop.loan_defaulted[defaulters] = True
        pop.loan_balance[defaulters] = 0.0
        self._add("defaulted_count", defaulters.size)
        self._add("defaulted_yuan", float(balance.sum()))
        self._add("loss_yuan", float((loss - compensated).sum()))

    def outstanding_yuan(self) -> float:
        """Principal outstanding across all firms (yuan)."""
        pop = self.model.population
        return float(pop.loan_balance[: pop.n].sum())
