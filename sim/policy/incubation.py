"""Incubation lever: incubation bases with places, admission, a fixed period, graduation,
rent discounts, free places for graduates and mentoring (000:41, 001:21, 002:31-33, 004:47).

Mechanism: bases admit applying young firms whose screened quality passes a threshold, up to
their places; while incubated a firm pays discounted (for young graduates, possibly no) rent and
gains ``mentoring_effect`` in productivity, until it graduates after ``period_months`` (plus an
extension if it has grown); new bases open at ``new_bases_per_year``. Whether mentoring raises
survival is contested, so its range includes zero.

:class:`IncubationBase` agents hold the places; :class:`IncubationProgramme` is the public
budget that funds rent discounts and services.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.policy.base import Programme

if TYPE_CHECKING:
    from sim.core.model import StartupEcosystem


class IncubationBase(mesa.Agent):
    """One incubation base (a city or district entrepreneurship incubation base)."""

    def __init__(self, model: StartupEcosystem, places: int, opened_month: int) -> None:
        super().__init__(model)
        self.places = places
        self.opened_month = opened_month

    def admit(self, ranked_candidates: np.ndarray, occupied: int) -> np.ndarray:
        """Admit the best-ranked candidates up to the free places; returns the admitted slots."""
        free = self.places - occupied
        if free <= 0 or ranked_candidates.size == 0:
            return ranked_candidates[:0]
        admitted = ranked_candidates[:free]
        pop = self.model.population
        pop.incubated[admitted] = True
        pop.ever_incubated[admitted] = True
        pop.incubator[admitted] = self.unique_id
        pop.incubation_start[admitted] = self.model.clock.month
        pop.mark_supported(admitted, self.model.clock.month)
        return admitted

    @property
    def free_places_for_graduates(self) -> int:
        """Places this base gives rent-free to young graduates (004:47)."""
        share = self.model.scenario.policy.incubation.free_place_share_graduates
        return int(math.floor(share * self.places))


class IncubationProgramme(Programme):
    """Public funding of incubation: rent discounts and services per occupied place."""

    name = "incubation"

    def __init__(self, model: StartupEcosystem, settings) -> None:
        super().__init__(model, settings.enabled, settings.annual_budget_yuan)
        self.settings = settings
        self.places_per_base = int(round(settings.places_per_base * model.scale))
        self.bases: list[IncubationBase] = []

    # ------------------------------------------------------------------ bases
    def open_bases(self) -> None:
        """Open bases on the deterministic schedule initial + new_bases_per_year x years."""
        if not self.enabled:
            return
        s = self.settings
        years = (self.model.clock.month - self.model.first_month) / 12.0
        wanted = s.initial_bases + int(math.floor(s.new_bases_per_year * years + 1e-9))
        while len(self.bases) < wanted:
            self.bases.append(IncubationBase(self.model, self.places_per_base, self.model.clock.month))

    @property
    def n_bases(self) -> int:
        """Bases open now."""
        return len(self.bases)

    # ------------------------------------------------------------ graduation
    def graduate(self) -> None:
        """Firms whose incubation period (plus any extension) is over leave their base."""
        if not self.enabled:
            return
        pop = self.model.population
        s = self.settings
        tenants = np.flatnonzero(pop.incubated[: pop.n])
        months_in = self.model.clock.month - pop.incubation_start[tenants]
        at_end = months_in >= s.period_months
        extend = (
            at_end
            & ~pop.incubation_extended[tenants]
            & (pop.employees[tenants] >= s.extension_min_employees)
            & (s.extension_months > 0)
        )
        pop.incubation_extended[tenants[extend]] = True
        limit = s.period_months + np.where(pop.incubation_extended[tenants], s.extension_months, 0)
        leaving = tenants[months_in >= limit]
        pop.incubated[leaving] = False

    # -------------------------------------------------------------- admission
    def admit(self, alive_idx: np.ndarray) -> np.ndarray:
        """Fill free places with applying young firms, best screened quality first."""
        if not self.enabled or not self.bases:
            return alive_idx[:0]
        pop = self.model.population
        s = self.settings
        age = self.model.clock.month - pop.start_month[alive_idx]
        screened = pop.log_quality[alive_idx] + s.screening_noise_sd * pop.incubator_noise[alive_idx]
        applying = (
            ~pop.ever_incubated[alive_idx]
            & (age <= s.admission_max_age_months)
            & (pop.u_incubation_apply[alive_idx] < s.application_share)
            & (screened > s.admission_threshold)
        )
        candidates = alive_idx[applying]
        ranked = candidates[np.argsort(-screened[applying], kind="stable")]
        tenants = np.flatnonzero(pop.incubated[: pop.n])
        occupancy = np.bincount(pop.incubator[tenants], minlength=self.model.max_agent_id() + 1)
        admitted = []
        for base in self.bases:
            taken = base.admit(ranked, int(occupancy[base.unique_id]))
            ranked = ranked[taken.size :]
            admitted.append(taken)
        return np.concatenate(admitted) if admitted else alive_idx[:0]

    # --------------------------------------------------------------- support
    def productivity_bonus(self, idx: np.ndarray) -> np.ndarray:
        """Mentoring gain in log productivity for incubated firms."""
        if not self.enabled:
            return np.zeros(idx.size)
        return np.where(self.model.population.incubated[idx], self.settings.mentoring_effect, 0.0)

    def rent_discount_share(self, idx: np.ndarray) -> np.ndarray:
        """Share of rent waived for firms ``idx``: zero outside incubators, the place discount
        inside, and 1 for young graduates holding one of their base's free places (the base's
        graduate tenants in order of arrival). ``idx`` must be sorted (as from ``flatnonzero``).
        """
        share = np.zeros(idx.size)
        if not self.enabled or not self.bases:
            return share
        pop = self.model.population
        incubated = np.flatnonzero(pop.incubated[idx])
        share[incubated] = self.settings.place_rent_discount
        graduates = incubated[pop.founder_type[idx[incubated]] == 1]
        free_places = self.bases[0].free_places_for_graduates  # every base has the same places
        if graduates.size and free_places > 0:
            base_of = pop.incubator[idx[graduates]]
            order = np.argsort(base_of, kind="stable")  # stable: arrival order within each base
            sorted_base = base_of[order]
            rank_in_base = np.arange(order.size) - np.searchsorted(sorted_base, sorted_base, side="left")
            share[graduates[order[rank_in_base < free_places]]] = 1.0
        return share

    def pay_monthly(self, idx: np.ndarray, rent_yuan: np.ndarray, discount_share: np.ndarray) -> np.ndarray:
        """Fund tenants' rent discounts plus the services subsidy per occupied place.

        Args:
            idx: Live firms.
            rent_yuan: Their gross rent this month.
            discount_share: Their rent discount share (from :meth:`rent_discount_share`).

        Returns:
            Rent discount credited to each firm (yuan); the services subsidy is paid to the
            bases and counts as spend but not as cash for the firm.
        """
        credited = np.zeros(idx.size)
        if not self.enabled:
            return credited
        inside = np.flatnonzero(self.model.population.incubated[idx])
        discount = discount_share[inside] * rent_yuan[inside]
        requested = discount + self.settings.services_subsidy_yuan_per_place_month
        paid = self.pay_pro_rata(idx[inside], requested)
        ratio = np.divide(paid, requested, out=np.zeros_like(paid), where=requested > 0)
        credited[inside] = discount * ratio
        return credited

    def expected_first_year_support_yuan(self, idx: np.ndarray) -> np.ndarray:
        """Expected first-year rent discount: chance of applying x discount x rent."""
        if not self.enabled:
            return np.zeros(idx.size)
        s = self.settings
        pop = self.model.population
        rent = pop.scenario.behaviour.rent_yuan_per_workstation_month * pop.initial_employees[idx]
        return s.application_share * s.place_rent_discount * rent * 12.0

    def tenants_count(self) -> int:
        """Firms incubated now."""
        pop = self.model.population
        return int(pop.incubated[: pop.n].sum())


__all__ = ["IncubationBase", "IncubationProgramme"]
