"""Start-up subsidies lever (Yangpu, 002:21): opening subsidy, start-up capital for incubated
firms, and early-stage social-insurance subsidy.

Mechanism: the one-time opening subsidy and start-up capital add cash at registration and at
admission to an incubation base, and the social-insurance subsidy lowers each employee's cost in
the firm's first ``social_insurance_subsidy_months``; the expected value of all three makes
registering more attractive, and the cash and lower costs keep firms alive longer and larger.
"""

from __future__ import annotations

import numpy as np

from sim.core.firms import MonthAccount
from sim.policy.base import Programme


class StartupSubsidyProgramme(Programme):
    """One-time and early-stage subsidies to new firms (Yangpu 002:21)."""

    name = "startup_subsidies"

    def _si_eligible(self, account: MonthAccount) -> np.ndarray:
        """Positions in ``account.idx`` of the firms entitled to the social-insurance subsidy this
        month: young and applying (once per account).
        """
        return self.once_per_account(account, self._find_si_eligible)

    def _find_si_eligible(self, account: MonthAccount) -> np.ndarray:
        pop = self.firms
        idx = account.idx
        age = pop.age_months(idx, self.ctx.clock.month)
        return np.flatnonzero((age < self.settings.social_insurance_subsidy_months) & pop.takes_up_support(idx))

    def per_person_support_yuan(self, account: MonthAccount) -> np.ndarray | None:
        """Social-insurance subsidy for one more employee (yuan/person/month); None when off."""
        if not self.enabled:
            return None
        return self.per_employee_support(
            account, self._si_eligible(account), self.settings.social_insurance_subsidy_yuan_per_person_month
        )

    def expected_first_year_support_yuan(self, idx: np.ndarray) -> np.ndarray:
        """Opening subsidy plus a first year of social-insurance subsidy at the initial size."""
        if not self.enabled:
            return np.zeros(idx.size)
        s = self.settings
        staff = self.firms.initial_employees[idx]
        si_months = min(12, s.social_insurance_subsidy_months)
        return s.opening_subsidy_yuan + s.social_insurance_subsidy_yuan_per_person_month * staff * si_months

    def pay_at_opening(self, born: np.ndarray) -> None:
        """One-time opening subsidy in cash to newly registered firms that apply (first come, first served)."""
        if not self.enabled:
            return
        applying = born[self.firms.takes_up_support(born)]
        self.pay_first_come(applying, np.full(applying.size, self.settings.opening_subsidy_yuan), to_cash=True)

    def pay_at_admission(self, admitted: np.ndarray) -> None:
        """Start-up capital subsidy in cash to firms admitted to an incubation base."""
        if not self.enabled or admitted.size == 0:
            return
        self.pay_first_come(
            admitted, np.full(admitted.size, self.settings.startup_capital_subsidy_yuan), to_cash=True
        )

    def pay_monthly(self, account: MonthAccount) -> np.ndarray | None:
        """Pay the month's early-stage social-insurance subsidy (yuan per firm); None when off."""
        if not self.enabled:
            return None
        return self.pay_per_employee(
            account, self._si_eligible(account), self.settings.social_insurance_subsidy_yuan_per_person_month
        )
