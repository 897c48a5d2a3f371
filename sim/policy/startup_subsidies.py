"""Start-up subsidies lever (Yangpu, 002:21): opening subsidy, start-up capital for incubated
firms, and early-stage social-insurance subsidy.

Mechanism: the one-time opening subsidy and start-up capital add cash at registration and at
admission to an incubation base, and the social-insurance subsidy lowers each employee's cost in
the firm's first ``social_insurance_subsidy_months``; the expected value of all three makes
registering more attractive, and the cash and lower costs keep firms alive longer and larger.
"""

from __future__ import annotations

import numpy as np

from sim.policy.base import Programme


class StartupSubsidyProgramme(Programme):
    """One-time and early-stage subsidies to new firms (Yangpu 002:21)."""

    name = "startup_subsidies"

    def __init__(self, model, settings) -> None:
        super().__init__(model, settings.enabled, settings.annual_budget_yuan)
        self.settings = settings

    def _si_eligible(self, idx: np.ndarray) -> np.ndarray:
        pop = self.model.population
        age = self.model.clock.month - pop.start_month[idx]
        return (age < self.settings.social_insurance_subsidy_months) & pop.takes_up_support(idx)

    def per_person_support_yuan(self, idx: np.ndarray) -> np.ndarray:
        """Social-insurance subsidy for one more employee (yuan/person/month)."""
        if not self.enabled:
            return np.zeros(idx.size)
        return np.where(
            self._si_eligible(idx), self.settings.social_insurance_subsidy_yuan_per_person_month, 0.0
        )

    def expected_first_year_support_yuan(self, idx: np.ndarray) -> np.ndarray:
        """Opening subsidy plus a first year of social-insurance subsidy at the initial size."""
        if not self.enabled:
            return np.zeros(idx.size)
        s = self.settings
        staff = self.model.population.initial_employees[idx]
        si_months = min(12, s.social_insurance_subsidy_months)
        return s.opening_subsidy_yuan + s.social_insurance_subsidy_yuan_per_person_month * staff * si_months

    def pay_opening(self, new_firms: np.ndarray) -> np.ndarray:
        """One-time opening subsidy to newly registered firms that apply (first come, first served)."""
        applying = self.model.population.takes_up_support(new_firms)
        paid = np.zeros(new_firms.size)
        paid[applying] = self.pay_first_come(
            new_firms[applying], np.full(int(applying.sum()), self.settings.opening_subsidy_yuan)
        )
        return paid

    def pay_startup_capital(self, admitted: np.ndarray) -> np.ndarray:
        """Start-up capital subsidy to firms admitted to an incubation base."""
        return self.pay_first_come(
            admitted, np.full(admitted.size, self.settings.startup_capital_subsidy_yuan)
        )

    def pay_monthly(self, idx: np.ndarray, employees: np.ndarray) -> np.ndarray:
        """Pay the month's early-stage social-insurance subsidy (yuan per firm)."""
        return self.pay_pro_rata(idx, self.per_person_support_yuan(idx) * employees)
