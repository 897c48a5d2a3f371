"""Talent-housing lever: a monthly rent subsidy per eligible employee (000:47, cap 2,000 yuan).

Mechanism: firms older than ``min_firm_age_months`` receive ``subsidy_yuan_per_person_month`` for
the ``eligible_employee_share`` of their staff, which lowers the net cost of each employee, so
firms hire up to a larger profitable size and survive bad months longer.
"""

from __future__ import annotations

import numpy as np

from sim.core.firms import MonthAccount
from sim.policy.base import Programme


class TalentHousingProgramme(Programme):
    """Talent apartments and rent subsidies (Putuo 000:47)."""

    name = "talent_housing"

    def _eligible(self, account: MonthAccount) -> np.ndarray:
        """Positions in ``account.idx`` of the firms entitled this month: old and large enough and
        applying (once per account).
        """
        return self.once_per_account(account, self._find_eligible)

    def _find_eligible(self, account: MonthAccount) -> np.ndarray:
        s = self.settings
        pop = self.firms
        idx = account.idx
        age = pop.age_months(idx, self.ctx.clock.month)
        return np.flatnonzero(
            (age >= s.min_firm_age_months) & (account.employees >= s.min_employees) & pop.takes_up_support(idx)
        )

    @property
    def _subsidy_per_employee_yuan(self) -> float:
        """Subsidy per employee of an eligible firm (yuan/month): the amount per housed person times
        the share of employees who qualify.
        """
        return self.settings.subsidy_yuan_per_person_month * self.settings.eligible_employee_share

    def per_person_support_yuan(self, account: MonthAccount) -> np.ndarray | None:
        """Expected monthly subsidy for one more employee (yuan/person/month); None when off."""
        if not self.enabled:
            return None
        return self.per_employee_support(account, self._eligible(account), self._subsidy_per_employee_yuan)

    def expected_first_year_support_yuan(self, idx: np.ndarray) -> np.ndarray:
        """First-year housing subsidy for founders whose initial team already qualifies."""
        if not self.enabled:
            return np.zeros(idx.size)
        s = self.settings
        months = max(0, 12 - s.min_firm_age_months)
        staff = self.firms.initial_employees[idx]
        eligible = staff >= s.min_employees
        return np.where(eligible, self._subsidy_per_employee_yuan * staff * months, 0.0)

    def pay_monthly(self, account: MonthAccount) -> np.ndarray | None:
        """Pay this month's subsidy to live firms (yuan per firm); None when off."""
        if not self.enabled:
            return None
        return self.pay_per_employee(account, self._eligible(account), self._subsidy_per_employee_yuan)
