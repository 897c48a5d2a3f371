"""Talent-housing lever: a monthly rent subsidy per eligible employee (000:47, cap 2,000 yuan).

Mechanism: firms older than ``min_firm_age_months`` receive ``subsidy_yuan_per_person_month`` for
the ``eligible_employee_share`` of their staff, which lowers the net cost of each employee, so
firms hire up to a larger profitable size and survive bad months longer.
"""

from __future__ import annotations

import numpy as np

from sim.policy.base import Programme


class TalentHousingProgramme(Programme):
    """Talent apartments and rent subsidies (Putuo 000:47)."""

    name = "talent_housing"

    def __init__(self, model, settings) -> None:
        super().__init__(model, settings.enabled, settings.annual_budget_yuan)
        self.settings = settings

    def _eligible(self, idx: np.ndarray) -> np.ndarray:
        pop = self.model.population
        age = self.model.clock.month - pop.start_month[idx]
        return (
            (age >= self.settings.min_firm_age_months)
            & (pop.employees[idx] >= self.settings.min_employees)
            & pop.takes_up_support(idx)
        )

    def per_person_support_yuan(self, idx: np.ndarray) -> np.ndarray:
        """Expected monthly subsidy for one more employee (yuan/person/month)."""
        if not self.enabled:
            return np.zeros(idx.size)
        s = self.settings
        return np.where(
            self._eligible(idx), s.subsidy_yuan_per_person_month * s.eligible_employee_share, 0.0
        )

    def expected_first_year_support_yuan(self, idx: np.ndarray) -> np.ndarray:
        """First-year housing subsidy for founders whose initial team already qualifies."""
        if not self.enabled:
            return np.zeros(idx.size)
        s = self.settings
        months = max(0, 12 - s.min_firm_age_months)
        staff = self.model.population.initial_employees[idx]
        eligible = staff >= s.min_employees
        return np.where(
            eligible, s.subsidy_yuan_per_person_month * s.eligible_employee_share * staff * months, 0.0
        )

    def pay_monthly(self, idx: np.ndarray, employees: np.ndarray) -> np.ndarray:
        """Pay this month's subsidy to firms ``idx`` (yuan per firm)."""
        return self.pay_pro_rata(idx, self.per_person_support_yuan(idx) * employees)
