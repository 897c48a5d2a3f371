"""Industry-academia R&D project lever: support for projects with universities or institutes
(Putuo "3+5+X" industrial policy, 000:31: up to 30% of the project's self-raised investment, at
most 3 M yuan).

Mechanism: once a year, in ``award_month``, eligible firms (technology firms, if so set, old and
large enough, that apply for district programmes) that run a recognised project with a university
or institute that year receive ``support_share`` of their own investment in it, capped at
``max_support_yuan``, first come first served within the annual budget; the cash lets them hire
and ride out bad months and the project adds a lasting ``productivity_effect``.

Which firms run a project in a year is drawn from the lever's own random stream, one uniform per
founder slot each award round, so the draws do not depend on other levers (common random numbers).
A project's self-raised investment is ``investment_share_of_revenue`` of the firm's expected
annual revenue.
"""

from __future__ import annotations

import numpy as np

from sim.core.context import Context
from sim.core.population import TECH
from sim.policy.base import Programme

MONTHS_PER_YEAR = 12


class RdProjectProgramme(Programme):
    """Annual support to recognised industry-academia R&D projects (000:31)."""

    name = "rd_projects"

    def __init__(self, ctx: Context, settings) -> None:
        super().__init__(ctx, settings)
        self.projects_supported = 0

    def eligible(self, idx: np.ndarray) -> np.ndarray:
        """Firms ``idx`` that could have a project recognised this month (before the project draw)."""
        firms, s = self.firms, self.settings
        age = firms.age_months(idx, self.ctx.clock.month)
        ok = (age >= s.min_firm_age_months) & (firms.employees[idx] >= s.min_employees) & firms.takes_up_support(idx)
        if s.tech_only:
            ok &= firms.sector[idx] == TECH
        return ok

    def requested_yuan(self, expected_revenue_yuan: np.ndarray) -> np.ndarray:
        """Support due on a project: the share of its self-raised investment, capped (yuan)."""
        s = self.settings
        investment = s.investment_share_of_revenue * MONTHS_PER_YEAR * expected_revenue_yuan
        return np.minimum(s.support_share * investment, s.max_support_yuan)

    def awards_due(self) -> bool:
        """In the award month, when enabled."""
        return self.enabled and self.ctx.clock.calendar_month == self.settings.award_month

    def annual_awards(self, survivors: np.ndarray, expected_revenue_yuan: np.ndarray) -> None:
        """Pay this year's recognised projects in the award month (survivors in founding order)."""
        if not self.awards_due():
            return
        draws = self.ctx.streams[self.name].random(self.firms.n)
        with_project = self.eligible(survivors) & (draws[survivors] < self.settings.project_share)
        applicants = survivors[with_project]
        paid = self.pay_first_come(
            applicants, self.requested_yuan(expected_revenue_yuan[with_project]), to_cash=True, paced=False
        )
        funded = applicants[paid > 0]
        self.firms.raise_productivity(funded, self.settings.productivity_effect)
        self.projects_supported += funded.size
