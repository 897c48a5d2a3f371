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

import numpy as np

from sim.core.context import Context
from sim.core.firms import MonthAccount
from sim.core.mesa_core import mesa
from sim.core.population import YOUNG_GRADUATE
from sim.policy.base import PREMISES, Programme

SCHEDULE_ROUNDING = 1e-9
"""Slack so that a whole number of bases due after whole years is not lost to rounding."""


class IncubationBase(mesa.Agent):
    """One incubation base (a city or district entrepreneurship incubation base)."""

    def __init__(self, ctx: Context, places: int, free_place_share_graduates: float) -> None:
        super().__init__(ctx.agents)
        self.ctx = ctx
        self.places = places
        self.opened_month = ctx.clock.month
        self.free_place_share_graduates = free_place_share_graduates

    def admit(self, ranked_candidates: np.ndarray, occupied: int) -> np.ndarray:
        """Admit the best-ranked candidates up to the free places; returns the admitted slots."""
        free = self.places - occupied
        if free <= 0 or ranked_candidates.size == 0:
            return ranked_candidates[:0]
        admitted = ranked_candidates[:free]
        self.ctx.firms.start_incubation(admitted, self.unique_id, self.ctx.clock.month)
        return admitted

    @property
    def free_places_for_graduates(self) -> int:
        """Places this base gives rent-free to young graduates (004:47)."""
        return int(math.floor(self.free_place_share_graduates * self.places))


class IncubationProgramme(Programme):
    """Public funding of incubation: rent discounts and services per occupied place."""

    name = "incubation"
    monthly_phase = PREMISES  # discounts at the premises come before any rent subsidy

    def __init__(self, ctx: Context, settings) -> None:
        super().__init__(ctx, settings)
        self.places_per_base = int(round(settings.places_per_base * ctx.scale))
        self.bases: list[IncubationBase] = []

    def start_month(self) -> None:
        """Reset the month's spend and open the bases due."""
        super().start_month()
        self.open_bases()

    def monthly_record(self) -> dict[str, float]:
        """Firms incubated and bases open now."""
        return {"incubated_firms": self.tenants_count(), "incubation_bases": self.n_bases}

    def run_counts(self) -> dict:
        """Bases open at the end of the run."""
        return {"incubation_bases": self.n_bases}

    # ------------------------------------------------------------------ bases
    def open_bases(self) -> None:
        """Open bases on the deterministic schedule initial + new_bases_per_year x years."""
        if not self.enabled:
            return
        s = self.settings
        years = (self.ctx.clock.month - self.ctx.first_month) / 12.0
        wanted = s.initial_bases + int(math.floor(s.new_bases_per_year * years + SCHEDULE_ROUNDING))
        while len(self.bases) < wanted:
            self.bases.append(IncubationBase(self.ctx, self.places_per_base, s.free_place_share_graduates))

    @property
    def n_bases(self) -> int:
        """Bases open now."""
        return len(self.bases)

    # ------------------------------------------------------------ graduation
    def graduate(self) -> None:
        """Firms whose incubation period (plus any extension) is over leave their base."""
        if self.enabled:
            self._graduate()

    def _graduate(self) -> np.ndarray:
        """:meth:`graduate`; returns the firms still incubated (sorted)."""
        pop = self.firms
        s = self.settings
        tenants = pop.tenants()
        months_in = self.ctx.clock.month - pop.incubation_start[tenants]
        at_end = months_in >= s.period_months
        extend = (
            at_end
            & ~pop.incubation_extended[tenants]
            & (pop.employees[tenants] >= s.extension_min_employees)
            & (s.extension_months > 0)
        )
        pop.extend_incubation(tenants[extend])
        limit = s.period_months + np.where(pop.incubation_extended[tenants], s.extension_months, 0)
        over = months_in >= limit
        pop.end_incubation(tenants[over])
        return tenants[~over]

    # -------------------------------------------------------------- admission
    def admit(self, alive: np.ndarray) -> np.ndarray:
        """Tenants at the end of their period graduate; free places go to applying young firms,
        best screened quality first.
        """
        if not self.enabled:
            return alive[:0]
        tenants = self._graduate()
        if not self.bases:
            return alive[:0]
        pop = self.firms
        s = self.settings
        occupancy = np.bincount(pop.incubator[tenants], minlength=max(b.unique_id for b in self.bases) + 1).tolist()
        occupied = [(base, occupancy[base.unique_id]) for base in self.bases]
        with_room = [(base, tenants_now) for base, tenants_now in occupied if tenants_now < base.places]
        if not with_room:
            return alive[:0]
        free = sum(base.places - occupied for base, occupied in with_room)
        age = pop.age_months(alive, self.ctx.clock.month)
        # the cheap tests first, on all live firms; the others only for the few firms left
        young = alive.take(np.flatnonzero(age <= s.admission_max_age_months))
        young = young[~pop.ever_incubated[young]]
        young = young[pop.u_incubation_apply[young] < s.application_share]
        screened = pop.log_quality[young] + s.screening_noise_sd * pop.incubator_noise[young]
        passed = screened > s.admission_threshold
        ranked = best_first(young[passed], screened[passed], free)
        admitted = []
        for base, occupied in with_room:
            taken = base.admit(ranked, occupied)
            ranked = ranked[taken.size :]
            admitted.append(taken)
        return np.concatenate(admitted)

    # --------------------------------------------------------------- support
    def log_productivity_bonus(self, idx: np.ndarray) -> np.ndarray | None:
        """Mentoring gain in log productivity for incubated firms; None when off."""
        if not self.enabled:
            return None
        bonus = np.zeros(idx.size)
        bonus[self.firms.incubated_positions(idx)] = self.settings.mentoring_effect
        return bonus

    def rent_discount_share(self, idx: np.ndarray, incubated: np.ndarray | None = None) -> np.ndarray:
        """Share of rent waived for firms ``idx``: zero outside incubators, the place discount
        inside, and 1 for young graduates holding one of their base's free places (the base's
        graduate tenants in order of arrival). ``idx`` must be sorted (as from ``flatnonzero``);
        ``incubated``, if given, holds the positions in ``idx`` of the incubated firms.
        """
        share = np.zeros(idx.size)
        if not self.enabled or not self.bases:
            return share
        pop = self.firms
        if incubated is None:
            incubated = pop.incubated_positions(idx)
        share[incubated] = self.settings.place_rent_discount
        graduates = incubated[pop.founder_type[idx[incubated]] == YOUNG_GRADUATE]
        free_places = self.bases[0].free_places_for_graduates  # every base has the same places
        if graduates.size and free_places > 0:
            base_of = pop.incubator[idx[graduates]]
            order = np.argsort(base_of, kind="stable")  # stable: arrival order within each base
            sorted_base = base_of[order]
            rank_in_base = np.arange(order.size) - np.searchsorted(sorted_base, sorted_base, side="left")
            share[graduates[order[rank_in_base < free_places]]] = 1.0
        return share

    def pay_monthly(self, account: MonthAccount) -> np.ndarray | None:
        """Fund tenants' rent discounts plus the services subsidy per occupied place.

        Sets the account's rent discount share and the rent still due after the discount.

        Returns:
            Rent discount credited to each firm (yuan); the services subsidy is paid to the
            bases and counts as spend but not as cash for the firm. None when off.
        """
        if not self.enabled:  # no discounts: the account's rent stays due in full
            return None
        idx, rent_yuan = account.idx, account.rent_yuan
        credited = np.zeros(idx.size)
        inside = self.firms.incubated_positions(idx)
        discount_share = self.rent_discount_share(idx, inside)
        account.rent_discount_share = discount_share
        discount = discount_share[inside] * rent_yuan[inside]
        requested = discount + self.settings.services_subsidy_yuan_per_place_month
        paid = self.pay_pro_rata(idx[inside], requested)
        ratio = np.divide(paid, requested, out=np.zeros_like(paid), where=requested > 0)
        credited[inside] = discount * ratio
        account.rent_due_yuan = rent_yuan - credited
        return credited

    def per_person_support_yuan(self, account: MonthAccount) -> np.ndarray | None:
        """Rent waived on one more workstation at the premises (yuan/person/month); None when off."""
        if not self.enabled:
            return None
        return account.rent_per_person_yuan - account.rent_due_per_person_yuan

    def expected_first_year_support_yuan(self, idx: np.ndarray) -> np.ndarray:
        """Expected first-year rent discount: chance of applying x discount x rent."""
        if not self.enabled:
            return np.zeros(idx.size)
        s = self.settings
        pop = self.firms
        rent = pop.behaviour.rent_yuan_per_workstation_month * pop.initial_employees[idx]
        return s.application_share * s.place_rent_discount * rent * 12.0

    def tenants_count(self) -> int:
        """Firms incubated now (none without the programme)."""
        return int(np.count_nonzero(self.firms.incubated[: self.firms.n])) if self.enabled else 0


def best_first(candidates: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best ``candidates`` by ``score``, best first, ties in the candidates' order: the
    first ``k`` of a stable sort by descending score, sorting only the candidates that can be among
    them.
    """
    negated = -score
    if k < negated.size:
        kth = np.partition(negated, k - 1)[k - 1]
        within = np.flatnonzero(negated <= kth)  # the k best and any tied with the k-th
        return candidates[within[np.argsort(negated[within], kind="stable")[:k]]]
    return candidates[np.argsort(negated, kind="stable")]


__all__ = ["IncubationBase", "IncubationProgramme", "best_first"]
