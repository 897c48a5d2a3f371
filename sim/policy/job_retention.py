"""Job-retention lever: subsidies per employee kept through a relief-package shock (003:23, 002:33).

Mechanism: during the first ``payment_months`` months of a relief-package shock, firms that were
operating when it began, know the programmes and have shed no more than ``max_layoff_share`` of
their staff since then receive ``subsidy_yuan_per_person`` per employee kept, spread evenly over
those months (at most ``max_yuan_per_firm`` a firm), which lowers the cost of keeping staff so
firms shed fewer. Shanghai's 2022 rule (Municipal Human Resources and Social Security Bureau and
Finance Bureau, notice of 6 June 2022): 600 yuan per insured employee for firms of the seven hard-hit
consumer industries that kept their lay-off rate within 5.5%, at most 3 M yuan a firm; an
entitlement; here it is paid from the programme's (paced) annual budget, which by default covers it.
"""

from __future__ import annotations

import numpy as np

from sim.core.context import Context
from sim.core.firms import MonthAccount
from sim.core.population import CONSUMER
from sim.policy.base import Programme


class JobRetentionProgramme(Programme):
    """Job-retention subsidies of a relief package (援企稳岗, 留工补助)."""

    name = "job_retention"

    def __init__(self, ctx: Context, settings) -> None:
        """Build the programme; no shock has begun yet (no staff to count lay-offs against)."""
        super().__init__(ctx, settings)
        self.staff_at_start = np.zeros(0)
        """Staff of each firm slot when the current relief-package shock began (persons)."""
        self.paid_yuan = np.zeros(0)
        """Paid to each of those firms in the current shock (yuan)."""

    def start_month(self) -> None:
        """Reset the month's spend; a relief-package shock starting this month fixes each operating
        firm's staff, against which lay-offs are counted.
        """
        super().start_month()
        if self.enabled and self.ctx.clock.relief_months_since_start == 0:
            pop = self.firms
            self.staff_at_start = np.where(pop.alive[: pop.n], pop.employees[: pop.n], 0).astype(np.float64)
            self.paid_yuan = np.zeros(pop.n)

    def _paying(self) -> bool:
        """Whether this month lies in the payment months of a relief-package shock."""
        since = self.ctx.clock.relief_months_since_start
        return self.enabled and 0 <= since < self.settings.payment_months

    def _eligible(self, idx: np.ndarray) -> np.ndarray:
        """Firms ``idx`` entitled this month: operating when the shock began, knowing the programmes,
        in the eligible sectors, with lay-offs since then within the limit and money left under the cap.
        """
        if not self._paying():
            return np.zeros(idx.size, dtype=bool)
        s = self.settings
        pop = self.firms
        known = idx < self.staff_at_start.size
        slot = np.where(known, idx, 0)
        before = np.where(known, self.staff_at_start[slot], 0.0)
        kept = pop.employees[idx] >= (1.0 - s.max_layoff_share) * before
        eligible = known & (before > 0) & kept & pop.takes_up_support(idx)
        eligible &= np.where(known, self.paid_yuan[slot], np.inf) < s.max_yuan_per_firm
        if s.consumer_industries_only:
            eligible &= pop.sector[idx] == CONSUMER
        return eligible

    def per_person_support_yuan(self, account: MonthAccount) -> np.ndarray | None:
        """Subsidy for each employee kept this month (yuan/person/month); None outside the payment months."""
        if not self._paying():
            return None
        s = self.settings
        return np.where(self._eligible(account.idx), s.subsidy_yuan_per_person / s.payment_months, 0.0)

    def pay_monthly(self, account: MonthAccount) -> np.ndarray | None:
        """Pay this month's share of the subsidy for the staff kept, up to each firm's cap, within the
        paced budget (yuan per firm credited); None outside the payment months.
        """
        if not self._paying():
            return None
        idx = account.idx
        credited = np.zeros(idx.size)
        s = self.settings
        eligible = np.flatnonzero(self._eligible(idx))
        firms = idx[eligible]
        owed = s.subsidy_yuan_per_person / s.payment_months * account.employees[eligible]
        owed = np.minimum(owed, s.max_yuan_per_firm - self.paid_yuan[firms])
        credited[eligible] = self.pay_pro_rata(firms, owed)
        np.add.at(self.paid_yuan, firms, credited[eligible])  # each firm once: as ``+=``, faster
        return credited


__all__ = ["JobRetentionProgramme"]
