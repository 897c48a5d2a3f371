"""Growth-grant lever: Yangpu 'little giant' grants (002:39, 004:49).

Mechanism: once a year the best-performing eligible firms (by expected revenue) receive
1 M yuan (innovation little giants) or 0.5 M yuan (technology little giants); the cash lets them
hire up to their profitable size and ride out bad months, and the funded R&D adds a lasting
``productivity_effect``.
"""

from __future__ import annotations

import numpy as np

from sim.core.context import Context
from sim.core.population import NOT_SET
from sim.policy.base import Programme

GRANT_TYPES = ("innovation", "technology")
"""Grant types, as coded in the firms' ``grant_type`` (innovation / technology little giants)."""
INNOVATION, TECHNOLOGY = range(len(GRANT_TYPES))


class GrowthGrantProgramme(Programme):
    """Annual selection of little giants."""

    name = "growth_grants"

    def __init__(self, ctx: Context, settings) -> None:
        super().__init__(ctx, settings)
        self.awarded = {INNOVATION: 0, TECHNOLOGY: 0}
        self.award_rounds = 0

    def run_counts(self) -> dict:
        """Grants awarded by type, and the award rounds in which firms old enough could exist."""
        return {
            "grants_awarded": {GRANT_TYPES[kind]: count for kind, count in self.awarded.items()},
            "award_rounds": self.award_rounds,
        }

    def awards_due(self) -> bool:
        """In the award month, when enabled."""
        return self.enabled and self.ctx.clock.calendar_month == self.settings.award_month

    def annual_awards(self, survivors: np.ndarray, expected_revenue_yuan: np.ndarray) -> None:
        """Select and pay this year's grantees (in the award month)."""
        alive_idx = survivors
        clock = self.ctx.clock
        if not self.awards_due():
            return
        pop = self.firms
        s = self.settings
        if clock.month - self.ctx.first_month >= s.min_firm_age_months:
            self.award_rounds += 1  # a round in which firms old enough could exist
        age = pop.age_months(alive_idx, clock.month)
        eligible = (
            (age >= s.min_firm_age_months)
            & (pop.employees[alive_idx] >= s.min_employees)
            & (pop.grant_type[alive_idx] == NOT_SET)
            & pop.takes_up_support(alive_idx)
        )
        candidates = alive_idx[eligible]
        order = np.argsort(-expected_revenue_yuan[eligible], kind="stable")
        ranked = candidates[order]
        n_innovation = int(round(s.innovation_grants_per_year * self.ctx.scale))
        n_technology = int(round(s.technology_grants_per_year * self.ctx.scale))
        for kind, chosen, amount in (
            (INNOVATION, ranked[:n_innovation], s.innovation_grant_yuan),
            (TECHNOLOGY, ranked[n_innovation : n_innovation + n_technology], s.technology_grant_yuan),
        ):
            paid = self.pay_first_come(chosen, np.full(chosen.size, amount), to_cash=True, paced=False)
            funded = chosen[paid > 0]
            pop.record_grant(funded, kind, clock.month)
            pop.raise_productivity(funded, s.productivity_effect)
            self.awarded[kind] += funded.size
