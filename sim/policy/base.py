"""What every government programme shares: an annual budget that is never overspent."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.core.population import PROGRAMMES

if TYPE_CHECKING:
    from sim.core.model import StartupEcosystem


class Programme(mesa.Agent):
    """A government programme acting on the firm population with vectorised payments.

    Subclasses set ``name`` (one of :data:`sim.core.population.PROGRAMMES`) and implement the hooks
    the model calls in each month (see :meth:`sim.core.model.StartupEcosystem.step`). Payments go
    through :meth:`pay_pro_rata` or :meth:`pay_first_come`, which keep the calendar year's spend
    within ``annual_budget_yuan`` and credit each firm's support account.
    """

    name: str = ""

    def __init__(self, model: StartupEcosystem, enabled: bool, annual_budget_yuan: float) -> None:
        super().__init__(model)
        self.enabled = enabled
        self.annual_budget_yuan = annual_budget_yuan * model.scale if enabled else 0.0
        self.spent_by_year: dict[int, float] = defaultdict(float)
        self.spent_this_month = 0.0
        self.column = PROGRAMMES.index(self.name)

    # ---------------------------------------------------------------- budget
    def remaining_budget_yuan(self) -> float:
        """Budget left in the current calendar year (yuan)."""
        year = self.model.clock.year
        return max(0.0, self.annual_budget_yuan - self.spent_by_year[year])

    def _book(self, idx: np.ndarray, paid: np.ndarray) -> np.ndarray:
        total = float(paid.sum())
        if total <= 0:
            return paid
        self.spent_by_year[self.model.clock.year] += total
        self.spent_this_month += total
        pop = self.model.population
        receiving = idx[paid > 0]
        pop.support_yuan[self.column, receiving] += paid[paid > 0]  # idx holds each firm at most once
        pop.mark_supported(receiving, self.model.clock.month)
        return paid

    def pay_pro_rata(self, idx: np.ndarray, requested_yuan: np.ndarray) -> np.ndarray:
        """Pay recurring support; if the year's budget is short, everyone gets the same share.

        Args:
            idx: Firm slots.
            requested_yuan: What each firm is entitled to this month.

        Returns:
            What each firm is paid (yuan).
        """
        requested = np.maximum(np.asarray(requested_yuan, dtype=np.float64), 0.0)
        if not self.enabled or idx.size == 0:
            return np.zeros(idx.size)
        total = requested.sum()
        remaining = self.remaining_budget_yuan()
        paid = requested if total <= remaining else requested * (remaining / total)
        return self._book(idx, paid)

    def pay_first_come(self, idx: np.ndarray, requested_yuan: np.ndarray) -> np.ndarray:
        """Pay one-off grants in order of ``idx`` until the year's budget runs out.

        Returns:
            What each firm is paid (yuan); firms after the budget ran out get nothing.
        """
        requested = np.maximum(np.asarray(requested_yuan, dtype=np.float64), 0.0)
        if not self.enabled or idx.size == 0:
            return np.zeros(idx.size)
        within = np.cumsum(requested) <= self.remaining_budget_yuan() + 1e-6
        paid = np.where(within, requested, 0.0)
        return self._book(idx, paid)

    # ----------------------------------------------------------------- hooks
    def expected_first_year_support_yuan(self, idx: np.ndarray) -> np.ndarray:
        """Value of this programme's support a nascent founder expects in the first year (yuan).

        Feeds the registration decision; zero unless the programme offers something up front.
        """
        return np.zeros(idx.size)

    def start_month(self) -> None:
        """Reset the month's spend counter."""
        self.spent_this_month = 0.0
