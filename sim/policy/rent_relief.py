"""Rent-relief lever: rent subsidies for young firms and the rent waiver of a relief package
(002:31-33, 003:23, 004:47).

Mechanism: eligible young firms (incubated only, if so set) have ``subsidy_share`` of their
remaining rent paid from the programme's annual budget; from the first month of a relief-package
shock, the ``shock_waiver_share`` of firms that rent state-owned premises pay no rent for
``shock_waiver_months`` months, however long the shock lasts (Shanghai 2022: three months, six
for districts with medium- or high-risk areas, which in the 2022 lockdown covered the city). The
waiver is a mandate on state-owned landlords, not a grant that can run out: it is paid in full
outside the annual budget and booked as the programme's spend (public revenue forgone). Lower
rent lowers the net cost of each workstation, so firms keep more cash, survive longer and can
afford more staff. The package's third part (003:23) supports private landlords who cut rent: in
the waiver months ``private_cut_share`` of the tenants of private premises have
``private_cut_rent_share`` of their rent cut, of which the district reimburses
``private_cut_support_share`` from the (paced) budget; a landlord cuts only as far as the district
pays its share.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.core.context import Context
from sim.core.firms import MonthAccount
from sim.policy.base import RENT, Programme

NO_WAIVER = -1


class RentShares(NamedTuple):
    """One month's shares of rent for the firms of an account (one entry per firm).

    Attributes:
        waiver_months: The relief package's waiver and cuts apply this month.
        waived: Rent waived (tenants of state-owned premises).
        cut: Share of rent private landlords cut.
        subsidy: Share of the rent still due after the cut that the budgeted subsidy pays.
        paying: Positions of the firms with a subsidy or a cut (sorted); the others get nothing
            from the budget.
    """

    waiver_months: bool
    waived: np.ndarray
    cut: np.ndarray
    subsidy: np.ndarray
    paying: np.ndarray


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
        self.waiver_start_month = NO_WAIVER
        self.waived_this_month = 0.0
        self.waived_total_yuan = 0.0

    @classmethod
    def from_policy(cls, ctx: Context, policy) -> RentReliefProgramme:
        """Build from the policy section: the incubation table says how many firms apply."""
        incubation = policy.incubation
        chance = incubation.application_share if incubation.enabled else 0.0
        return cls(ctx, policy.rent_relief, chance)

    def start_month(self) -> None:
        """Reset the month's spend; a relief-package shock starting this month starts the waiver."""
        super().start_month()
        self.waived_this_month = 0.0
        if self.ctx.clock.relief_months_since_start == 0:
            self.waiver_start_month = self.ctx.clock.month

    def waiver_in_force(self) -> bool:
        """The relief package's rent waiver applies this month."""
        if self.waiver_start_month == NO_WAIVER:
            return False
        since = self.ctx.clock.month - self.waiver_start_month
        return 0 <= since < self.settings.shock_waiver_months

    def _waived(self, idx: np.ndarray) -> np.ndarray:
        """Firms whose rent is waived this month (tenants of state-owned premises)."""
        if not self.enabled or not self.waiver_in_force():
            return np.zeros(idx.size, dtype=bool)
        return self.firms.u_state_premises[idx] < self.settings.shock_waiver_share

    def _private_cut(self, idx: np.ndarray) -> np.ndarray:
        """Share of rent private landlords cut this month for firms ``idx`` (0 outside the waiver months)."""
        s = self.settings
        if not self.enabled or not self.waiver_in_force():
            return np.zeros(idx.size)
        u = self.firms.u_state_premises[idx]
        upper = s.shock_waiver_share + s.private_cut_share * (1 - s.shock_waiver_share)
        selected = (u >= s.shock_waiver_share) & (u < upper)
        return np.where(selected, s.private_cut_rent_share, 0.0)

    def _subsidised(self, idx: np.ndarray, waived: np.ndarray) -> np.ndarray:
        """Positions in ``idx`` of the firms the budgeted subsidy pays for: young (incubated, if so
        set), applying and not waived. Incubated firms are few, so the other tests are made on them
        only; young firms are many, so those tests are made on all firms (cheaper than on a subset).
        """
        pop = self.firms
        s = self.settings
        age = pop.age_months(idx, self.ctx.clock.month)
        if not s.incubated_only:
            return np.flatnonzero((age < s.max_firm_age_months) & pop.takes_up_support(idx) & ~waived)
        incubated = pop.incubated_positions(idx)
        young = incubated[age[incubated] < s.max_firm_age_months]
        return young[pop.takes_up_support(idx.take(young)) & ~waived[young]]

    def _shares(self, account: MonthAccount) -> RentShares:
        """The month's shares of rent for the firms of ``account`` (once per account)."""
        return self.once_per_account(account, self._find_shares)

    def _find_shares(self, account: MonthAccount) -> RentShares:
        idx = account.idx
        waiver = self.waiver_in_force()
        waived = self._waived(idx)
        cut = self._private_cut(idx)
        subsidised = self._subsidised(idx, waived)
        subsidy = np.zeros(idx.size)
        subsidy[subsidised] = self.settings.subsidy_share
        paying = np.flatnonzero((subsidy > 0) | (cut > 0)) if waiver else subsidised
        return RentShares(waiver, waived, cut, subsidy, paying)

    def per_person_support_yuan(self, account: MonthAccount) -> np.ndarray | None:
        """Rent relief for one more workstation (yuan/person/month): the subsidy, or the whole
        rent where it is waived; None when off.
        """
        if not self.enabled:
            return None
        shares = self._shares(account)
        share = shares.subsidy * (1 - shares.cut) + shares.cut + shares.waived
        return share * account.rent_due_per_person_yuan

    def planned_per_person_support_yuan(self, account: MonthAccount) -> np.ndarray | None:
        """The subsidy as far as the budget can be expected to pay it, plus the waiver in full
        (a mandate, not a budget line); None when off.
        """
        if not self.enabled:
            return None
        shares = self._shares(account)
        if shares.waiver_months:
            budgeted = shares.subsidy * (1 - shares.cut) + shares.cut
            share = self.expected_paid_share() * budgeted + shares.waived
        else:  # no cuts, no waivers: the terms they would add are zero
            share = self.expected_paid_share() * shares.subsidy
        return share * account.rent_due_per_person_yuan

    def expected_first_year_support_yuan(self, idx: np.ndarray) -> np.ndarray:
        """Expected first-year rent subsidy (only via incubation when limited to incubated firms)."""
        if not self.enabled:
            return np.zeros(idx.size)
        s = self.settings
        pop = self.firms
        rent = pop.behaviour.rent_yuan_per_workstation_month * pop.initial_employees[idx]
        chance = self.incubation_application_chance if s.incubated_only else 1.0
        return chance * s.subsidy_share * rent * min(12, s.max_firm_age_months)

    def pay_monthly(self, account: MonthAccount) -> np.ndarray | None:
        """Pay this month's rent subsidy and the support for private landlords' cuts within the
        paced budget, and the waiver in full (yuan per firm credited: subsidy, whole cut, waiver);
        None when off.
        """
        if not self.enabled:
            return None
        idx = account.idx
        credited = np.zeros(idx.size)
        shares = self._shares(account)
        if shares.waiver_months:  # no waiver in other months (the month's waived rent stays 0)
            waived = np.flatnonzero(shares.waived)
            credited[waived] = self.pay_contract(idx[waived], account.rent_due_yuan[waived])
            self.waived_this_month = float(credited[waived].sum())
            self.waived_total_yuan += self.waived_this_month
        # only the paying firms' rent is subsidised or cut; every other firm requests nothing
        paying = shares.paying
        rent_due = account.rent_due_yuan[paying]
        cut = shares.cut[paying] * rent_due
        subsidy = shares.subsidy[paying] * (rent_due - cut)
        requested = np.zeros(idx.size)
        requested[paying] = subsidy + self.settings.private_cut_support_share * cut
        paid = self.pay_pro_rata(idx, requested, among=paying)[paying]
        requested = requested[paying]
        ratio = np.divide(paid, requested, out=np.zeros_like(paid), where=requested > 0)
        # the landlord's part of a cut only as far as the district pays (each position once: as ``+=``, faster)
        np.add.at(credited, paying, ratio * (subsidy + cut))
        return credited

    def monthly_record(self) -> dict[str, float]:
        """Rent waived this month by state-owned landlords (yuan, part of the programme's spend)."""
        return {"rent_waived_yuan": self.waived_this_month}
