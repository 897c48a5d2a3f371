"""Growth-grant lever: Yangpu 'little giant' grants (002:39, 004:49).

Mechanism: once a year the best-performing eligible firms (by expected revenue) receive
1 M yuan (innovation little giants) or 0.5 M yuan (technology little giants); the cash lets them
hire up to their profitable size and ride out bad months, and the funded R&D adds a lasting
``productivity_effect``.
"""

from __future__ import annotations

import numpy as np

from sim.core.population import NOT_SET
from sim.policy.base import Programme

INNOVATION, TECHNOLOGY = 0, 1


class GrowthGrantProgramme(Programme):
    """Annual selection of little giants."""

    name = "growth_grants"

    def __init__(self, model, settings) -> None:
        super().__init__(model, settings.enabled, settings.annual_budget_yuan)
        self.settings = settings
        self.awarded = {INNOVATION: 0, TECHNOLOGY: 0}
        self.award_rounds = 0

    def award(self, alive_idx: np.ndarray, expected_revenue_yuan: np.ndarray) -> None:
        """Select and pay this year's grantees (call in the award month)."""
        if not self.enabled or self.model.clock.calendar_month != self.settings.award_month:
            return
        pop = self.model.population
        s = self.settings
        if self.model.clock.month - self.model.first_month >= s.min_firm_age_months:
            self.award_rounds += 1  # a round in which firms old enough could exist
        age = self.model.clock.month - pop.start_month[alive_idx]
        eligible = (
            (age >= s.min_firm_age_months)
            & (pop.employees[alive_idx] >= s.min_employees)
            & (pop.grant_type[alive_idx] == NOT_SET)
            & pop.takes_up_support(alive_idx)
        )
        candidates = alive_idx[eligible]
        order = np.argsort(-expected_revenue_yuan[eligible], kind="stable")
        ranked = candidates[order]
        n_innovation = int(round(s.innovation_grants_per_year * self.model.scale))
        n_technology = int(round(s.technology_grants_per_year * self.model.scale))
        for kind, chosen, amount in (
            (INNOVATION, ranked[:n_innovation], s.innovation_grant_yuan),
            (TECHNOLOGY, ranked[n_innovation : n_innovation + n_technology], s.technology_grant_yuan),
        ):
            paid = self.pay_first_come(chosen, np.full(chosen.size, amount))
            funded = chosen[paid > 0]
            pop.cash[funded] += paid[paid > 0]
            pop.grant_type[funded] = kind
            pop.grant_month[funded] = self.model.clock.month
            pop.log_boost[funded] += s.productivity_effect
            self.awarded[kind] += funded.size
