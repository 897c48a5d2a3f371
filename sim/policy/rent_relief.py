"""Rent-relief lever: rent subsidies for young firms and rent waivers in shocks
(002:31-33, 003:23, 004:47).

Mechanism: eligible young firms (incubated only, if so set) have ``subsidy_share`` of their
remaining rent paid, and in the first ``shock_waiver_months`` of a relief-package shock the
``shock_waiver_share`` of firms on state-owned premises pay no rent at all; lower rent lowers the
net cost of each workstation, so firms keep more cash, survive longer and can afford more staff.
"""

from __future__ import annotations

import numpy as np

from sim.core.context import Context
from sim.core.firms import MonthAccount
from sim.policy.base import RENT, Programme


class RentReliefProgramme(Programme):
    """Rent subsidies and emergency waivers."""

    name = "rent_relief"
    monthly_phase = RENT  # on the rent still due after discounts at the premises

    def __init__(self, ctx: Context, settings, incubation_application_chance: float) -> None:
        """Build the programme.

        Args:
            ctx: The institutions' context.
            settings: The ``policy.rent_relief`` table.
            incubation_application_chance: Chance that a new firm applies for an incubation place
                (0 when incubation is off); with ``incubated_only`` it scales the relief a
                founder expects.
        """
        super().__init__(ctx, settings)
        self.incubation_application_chance = incubation_application_chance

    @classmethod
    def from_policy(cls, ctx: Context, policy) -> RentReliefProgramme:
        """Build from the policy section: the incubation table says how many firms apply."""
        incubation = policy.incubation
        chance = incubation.application_share if incubation.enabled else 0.0
        return cls(ctx, policy.rent_relief, chance)

    def _subsidy_share(self, idx: np.ndarray) -> np.ndarray:
        pop = self.firms
        s = self.settings
        age = pop.age_months(idx, self.ctx.clock.month)
        eligible = (age < s.max_firm_age_months) & pop.takes_up_support(idx)
        if s.incubated_only:
            eligible &= pop.incubated[idx]
        share = np.where(eligible, s.subsidy_share, 0.0)
        since = self.ctx.clock.relief_months_since_start
        if 0 <= since < s.shock_waiver_months:
            share = np.where(pop.u_state_premises[idx] < s.shock_waiver_share, 1.0, share)
        return share

    def per_person_support_yuan(self, account: MonthAccount) -> np.ndarray:
        """Rent relief for one more workstation (yuan/person/month)."""
        if not self.enabled:
            return np.zeros(account.idx.size)
        return self._subsidy_share(account.idx) * account.rent_due_per_person_yuan

    def expected_first_year_support_yuan(self, idx: np.ndarray) -> np.ndarray:
        """Expected first-year rent subsidy (only via incubation when limited to incubated firms)."""
        if not self.enabled:
            return np.zeros(idx.size)
        s = self.settings
        pop = self.firms
        rent = pop.behaviour.rent_yuan_per_workstation_month * pop.initial_employees[idx]
        chance = self.incubation_application_chance if s.incubated_only else 1.0
        return chance * s.subsidy_share * rent * min(12, s.max_firm_age_months)

    def pay_monthly(self, account: MonthAccount) -> np.ndarray:
        """Pay this month's rent relief on the rent firms still owe (yuan per firm)."""
        idx = account.idx
        if not self.enabled:
            return np.zeros(idx.size)
        return self.pay_pro_rata(idx, self._subsidy_share(idx) * account.rent_due_yuan)
