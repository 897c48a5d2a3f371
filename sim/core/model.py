"""The Mesa model: a district's startup ecosystem stepping monthly.

:class:`StartupEcosystem` wires the parts. Founders and firms live in numpy arrays
(:class:`sim.core.population.FirmPopulation`, which also holds the firm rules); the bank, the
incubation bases and the government programmes are ``mesa.Agent`` objects that act on the whole
population with vectorised operations. The programmes come from the lever registry
(:mod:`sim.policy.registry`) and the month calls the hooks of :class:`sim.policy.base.Programme`
on each of them, in a fixed order (see :meth:`StartupEcosystem.step`); no lever is named here.

This module is the composition root: it is the only module of :mod:`sim.core` that imports
:mod:`sim.policy`.

Randomness comes only from generators spawned from one ``numpy.random.SeedSequence``: one
stream for arrivals, one for founders' attributes, one for monthly firm shocks and one per lever,
so that a lever switched on or off leaves every other random draw in place (common random
numbers). The monthly firm shocks are a counter-based function of (the ``dynamics`` stream's key,
firm slot, month) evaluated for the live firms only (:mod:`sim.core.firm_shocks`), so a firm gets the
same shocks whatever else is alive.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import month_range, parse_month
from sim.core.allocator import keep_freed_memory
from sim.core.bank import Bank
from sim.core.context import CORE_STREAMS, Clock, Context, spawn_streams
from sim.core.firm_shocks import DRAW_ROWS, HIRE_ROW, FirmShocks, stream_key
from sim.core.firms import SHOCK_ROWS, FirmPopulation, MonthAccount
from sim.core.lookahead import LOOKAHEAD, Ahead
from sim.core.mesa_core import mesa
from sim.core.population import N_UNIFORMS
from sim.core.shocks import demand_index, registration_index, relief_months
from sim.policy.base import Programme
from sim.policy.registry import build_programmes, lever_names
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.core.shared_draws import SharedDraws


def sum_given(values: Iterable[np.ndarray | None], size: int) -> np.ndarray:
    """The sum of the arrays among ``values`` in their order, None skipped (zeros of ``size`` if none).

    The first array starts the sum rather than zeros: no programme returns -0.0, so ``0.0 + x`` would
    be ``x`` anyway. The result may be one of the given arrays: callers must not modify it.
    """
    total = None
    for value in values:
        if value is not None:
            total = value if total is None else total + value
    return np.zeros(size) if total is None else total


class StartupEcosystem(mesa.Model):
    """A district's founders, firms, incubation bases, banks and programmes, month by month."""

    STREAMS = CORE_STREAMS + lever_names()

    def __init__(
        self, scenario: Scenario, seed: int | np.random.SeedSequence | None = None, scale: float = 1.0,
        shared: SharedDraws | None = None,
    ) -> None:
        """Build the model.

        Args:
            scenario: Validated scenario.
            seed: Root seed (int or ``SeedSequence``).
            scale: Multiplies arrivals, incubation places, programme budgets, grant counts and
                training places (and count targets).
            shared: Draws shared with the other runs of ``seed`` (:mod:`sim.core.shared_draws`):
                the firm shocks and founders they computed are taken, not computed again. The
                numbers are the same either way.
        """
        if shared is not None:
            shared.check_seed(seed)
        keep_freed_memory()  # monthly temporaries reuse memory instead of fresh pages (sim.core.allocator)
        streams = spawn_streams(seed, self.STREAMS)
        super().__init__(rng=streams["mesa"])
        self.streams = streams
        self.scenario = scenario
        self.scale = float(scale)
        self.first_month = parse_month(scenario.period.start)
        self.n_months = scenario.period.n_months
        self.month_labels = month_range(scenario.period.start, scenario.period.end)
        self.clock = Clock(month=self.first_month, t=0)
        self.demand = demand_index(scenario, self.first_month, self.n_months)
        self._mean_demand = [float(sectors.mean()) for sectors in self.demand]  # each month's record
        # months in which every sector sees the same demand (outside shocks): no lookup by sector
        self._demand_alike = (self.demand == self.demand[:, :1]).all(axis=1).tolist()
        self.relief = relief_months(scenario, self.first_month, self.n_months)
        self.entry = registration_index(scenario, self.first_month, self.n_months)
        expected = scenario.population.arrivals_per_month * self.scale * self.n_months
        self.population = FirmPopulation(scenario, int(expected))
        self.context = Context(
            clock=self.clock, first_month=self.first_month, scale=self.scale, firms=self.population,
            agents=self, streams={name: streams[name] for name in lever_names()},
        )

        self.bank = Bank(self.context, scenario.bank)
        self.programmes: list[Programme] = build_programmes(self.context, scenario.policy)
        for programme in self.programmes:
            terms = programme.lending_terms()
            if terms is not None:
                self.bank.use_terms(terms)
            programme.connect_lender(self.bank)
        # each hook is called only on the programmes that act on it (Programme.acts), in registry order
        self._arriving = self._acting("on_arrival")
        self._offering = self._acting("planned_first_year_support_yuan", "expected_first_year_support_yuan")
        self._opening = self._acting("pay_at_opening")
        self._admitting = self._acting("admit")
        self._admission_paying = self._acting("pay_at_admission")
        self._mentoring = self._acting("log_productivity_bonus")
        self._emergency = self._acting("emergency_measures")
        self._awarding = self._acting("annual_awards")
        self._ending = self._acting("end_month")
        self._recording = [p for p in self.programmes if p.overrides("monthly_record")]
        # monthly payments by phase (premises, rent, staff); per-person support summed the other way round
        self._monthly_order = sorted(self._acting("pay_monthly"), key=lambda p: p.monthly_phase)
        self._per_person_order = sorted(
            self._acting("per_person_support_yuan", "planned_per_person_support_yuan"), key=lambda p: -p.monthly_phase
        )
        self.records: list[dict] = []
        self.high_tech_by_year: dict[int, int] = {}
        key = stream_key(streams["dynamics"])
        # slots grow about linearly over the run: slot-months about half of expected slots x months
        kept = None if shared is None else shared.shocks(key, DRAW_ROWS, expected * self.n_months / 2)
        self.firm_shocks = FirmShocks(key, kept=kept)
        self._next_founders: Ahead[tuple[dict[str, np.ndarray], bool]] | None = None
        self._arrival_replay = None if shared is None else shared.arrivals(
            (self.scale, *self.population.founders_inputs()), (streams["arrivals"], streams["founders"])
        )

    def _acting(self, *hooks: str) -> list[Programme]:
        """The programmes that act on any of ``hooks`` (:meth:`Programme.acts`), in registry order."""
        return [p for p in self.programmes if p.acts(*hooks)]

    def programme(self, name: str) -> Programme:
        """The programme of lever ``name``."""
        return next(p for p in self.programmes if p.name == name)

    # ----------------------------------------------------------------- step
    def step(self) -> None:
        """Advance one month.

        Order: programmes start the month (bases open); founders arrive (training); registration;
        loans and opening payments; graduation and admission, admission payments; operations
        (revenue, costs, monthly support, loan service); emergency measures in relief shocks;
        exits and loan write-offs; hiring and shedding; annual awards; high-tech status; record.
        """
        t = len(self.records)
        self.clock = Clock(month=self.first_month + t, t=t, relief_months_since_start=int(self.relief[t]))
        self.context.clock = self.clock
        pop = self.population
        for programme in self.programmes:
            programme.start_month()
        self.bank.start_month()

        new = self._arrive()
        for programme in self._arriving:
            programme.on_arrival(new)
        # founders plan on what each programme can be expected to pay of its nominal support
        support = sum_given((p.planned_first_year_support_yuan(new) for p in self._offering), new.size)
        born = pop.register(new, support, self.clock.month, entry_factor=float(self.entry[t]))
        self.bank.lend_to_new_firms(born)
        for programme in self._opening:
            programme.pay_at_opening(born)

        alive = np.flatnonzero(pop.alive[: pop.n])
        if len(self._admitting) == 1:  # the usual case: incubation only (no copy by concatenation)
            admitted = self._admitting[0].admit(alive)
        else:
            admitted = np.concatenate([p.admit(alive) for p in self._admitting] or [alive[:0]])
        for programme in self._admission_paying:
            programme.pay_at_admission(admitted)

        draws = self._monthly_draws(alive)
        account = self._operate(alive, draws[:SHOCK_ROWS])
        per_person_support = self._per_person_support(account)
        leaving = pop.leaving(account, per_person_support)
        staying = ~leaving
        exits, survivors = alive[leaving], alive[staying]
        if t + 1 < self.n_months:  # next month's shocks of the survivors, while the month goes on
            self.firm_shocks.prepare(survivors, self.clock.month + 1)
        self.bank.write_off(exits)
        pop.close(exits, self.clock.month)
        factor = account.revenue_factor[staying]
        demand = self.demand[t, 0] if self._demand_alike[t] else account.demand[staying]  # one for all, or by sector
        # the survivors' staff and cash as the account and the exit decision saw them (write-offs
        # and closing touch only the exiting firms)
        staff = pop.hire_and_shed(
            survivors, draws[HIRE_ROW][staying], per_person_support[staying], factor, demand,
            employees=account.employees[staying], cash_yuan=account.cash_yuan[staying],
        )
        awarding = [p for p in self._awarding if p.awards_due()]
        if awarding:  # the survivors' expected revenue only in a month with awards
            expected_revenue = factor * demand * pop.staff_power(staff)
            for programme in awarding:
                programme.annual_awards(survivors, expected_revenue)
        year = self.clock.year
        self.high_tech_by_year[year] = self.high_tech_by_year.get(year, 0) + pop.mark_high_tech(
            survivors, self.clock.month, staff
        )
        pop.mark_little_giants(survivors, self.clock.month, staff)
        for programme in self._ending:
            programme.end_month()
        self._record(new.size, born.size, exits.size, survivors.size, int(staff.sum()))
        if t + 1 >= self.n_months:
            self.running = False

    def _monthly_draws(self, alive: np.ndarray) -> np.ndarray:
        """The month's shocks of the live firms ``alive``: :data:`SHOCK_ROWS` rows of standard
        normals and a row of hiring uniforms (row ``HIRE_ROW``), column j for firm ``alive[j]``.

        A function of (this run's key, slot, month) only (:class:`sim.core.firm_shocks.FirmShocks`).
        """
        return self.firm_shocks.draws(alive, self.clock.month)

    # ------------------------------------------------------------- arrivals
    def _arrive(self) -> np.ndarray:
        """Give the month's nascent founders slots and start drawing next month's.

        When that is worth a thread (:mod:`sim.core.lookahead`), next month's founders are drawn
        and written into the slots after the last one during this month. A run that shares its
        seed's draws takes the founders another run drew (:mod:`sim.core.shared_draws`).
        """
        if self._next_founders is not None:
            founders, written = self._next_founders.result()
        elif self._arrival_replay is not None:
            founders, written = self._arrival_replay.founders(self.clock.t, self._draw_founders), False
        else:
            founders, written = self._draw_founders(), False
        self._next_founders = None
        new = self.population.add_founders(self.clock.month, founders, written=written)
        if (self._arrival_replay is None and self.clock.t + 1 < self.n_months
                and LOOKAHEAD.worth_it(new.size * N_UNIFORMS)):
            self._next_founders = Ahead(partial(self._founders_ahead, self.clock.month + 1), name="arrivals-ahead")
        return new

    def _draw_founders(self) -> dict[str, np.ndarray]:
        """A month's nascent founders: their number and uniforms from the run's arrival generators
        (used by nothing else, so drawing them ahead keeps their order), and their attributes.
        """
        rate = self.scenario.population.arrivals_per_month * self.scale
        k = int(self.streams["arrivals"].poisson(rate))
        return self.population.founders_from(self.streams["founders"].random((k, N_UNIFORMS)))

    def _founders_ahead(self, month: int) -> tuple[dict[str, np.ndarray], bool]:
        """Next month's founders, and whether they could be written into the free slots ahead
        (the arrays grow only when the founders are added, in the month itself).
        """
        founders = self._draw_founders()
        pop = self.population
        fits = pop.n + founders["founder_type"].size <= pop.capacity
        if fits:
            pop.write_founders(pop.n, month, founders)
        return founders, fits

    # ----------------------------------------------------------- operations
    def _operate(self, alive: np.ndarray, draws: np.ndarray) -> MonthAccount:
        """One month of revenue, costs, public support and loan service for live firms.

        Returns:
            The month's operating account of the live firms (revenue factor, demand, rents).
        """
        pop = self.population
        bonus = 0.0
        for programme in self._mentoring:
            gain = programme.log_productivity_bonus(alive)
            if gain is not None:
                bonus = bonus + gain
        t = self.clock.t
        if self._demand_alike[t]:
            demand = np.full(alive.size, self.demand[t, 0])
        else:
            demand = self.demand[t][pop.sector[alive].astype(np.intp)]  # intp: int8 indices are cast slowly
        account = pop.open_account(alive, draws, bonus, demand, self.clock.month)
        support = sum_given((p.pay_monthly(account) for p in self._monthly_order), alive.size)
        interest, principal = self.bank.service_loans(alive)
        pop.close_account(account, support, interest, principal)
        if self.clock.in_relief:
            monthly_cost = account.monthly_cost_yuan
            for programme in self._emergency:
                programme.emergency_measures(alive, monthly_cost)
        return account

    def _per_person_support(self, account: MonthAccount) -> np.ndarray:
        """Public support per additional employee (yuan/month), used in hiring decisions: each
        programme's nominal amount times the share of entitlements it can be expected to pay.

        Summed in the reverse of the monthly payment order (staff subsidies, then rent relief,
        then discounts at the premises), the order of the arithmetic since the model began.
        """
        return sum_given((p.planned_per_person_support_yuan(account) for p in self._per_person_order), account.idx.size)

    # --------------------------------------------------------------- record
    def _record(self, arrivals: int, births: int, exits: int, active: int, jobs: int) -> None:
        """Append the month's row; ``active`` live firms employ ``jobs`` people (founders included)."""
        flows = self.bank.month_flows
        row = {
            "month": self.clock.label,
            "nascent_founders": arrivals,
            "births": births,
            "exits": exits,
            "active_firms": active,
            "jobs": jobs,
        }
        for programme in self._recording:
            row.update(programme.monthly_record())
        row.update({
            "demand_index": self._mean_demand[self.clock.t],
            "loans_disbursed": int(flows["disbursed_count"]),
            "loans_disbursed_yuan": flows["disbursed_yuan"],
            "loans_repaid_yuan": flows["repaid_yuan"],
            "loans_defaulted": int(flows["defaulted_count"]),
            "loans_defaulted_yuan": flows["defaulted_yuan"],
            "loans_outstanding_yuan": self.bank.outstanding_yuan(),
        })
        total, contracts = 0.0, 0
        for programme in self.programmes:
            row[f"spend_{programme.name}_yuan"] = programme.spent_this_month
            total += programme.spent_this_month
            contracts += programme.contract_spent_this_month
        row["spend_total_yuan"] = total
        # of which contracts outside the annual budgets (guarantee payouts, the 2022 rent waiver)
        row["spend_contracts_yuan"] = contracts
        self.records.append(row)
