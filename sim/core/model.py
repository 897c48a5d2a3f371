"""The Mesa model: a district's startup ecosystem stepping monthly.

:class:`StartupEcosystem` wires the parts. Founders and firms live in numpy arrays
(:class:`sim.core.population.FirmPopulation`); the bank, the incubation bases and the government
programmes are ``mesa.Agent`` objects that act on the whole population with vectorised
operations, in a fixed order each month (see :meth:`StartupEcosystem.step`).

Randomness comes only from generators spawned from one ``numpy.random.SeedSequence``: one
stream for arrivals, one for founders' attributes and one for monthly firm shocks, so that a
lever switched on or off leaves every random draw in place (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.calendar import format_month, month_range, parse_month
from sim.core.bank import Bank
from sim.core.population import N_UNIFORMS, NOT_SET, FirmPopulation
from sim.core.shocks import demand_index, relief_months
from sim.policy.base import Programme
from sim.policy.growth_grants import GrowthGrantProgramme
from sim.policy.incubation import IncubationProgramme
from sim.policy.loans import LoanProgramme
from sim.policy.rent_relief import RentReliefProgramme
from sim.policy.startup_subsidies import StartupSubsidyProgramme
from sim.policy.talent_housing import TalentHousingProgramme
from sim.policy.training import TrainingProgramme
from sim.scenario.schema import Scenario

EXIT_CASH_OUT, EXIT_VOLUNTARY = 0, 1
NUMERICAL_MAX_STAFF = 1e6  # guard against overflow for extreme parameter draws, not a behavioural cap


@dataclass
class Clock:
    """The current month."""

    month: int
    t: int
    relief_months_since_start: int = -1

    @property
    def year(self) -> int:
        """Calendar year."""
        return self.month // 12

    @property
    def calendar_month(self) -> int:
        """Month of the year, 1-12."""
        return self.month % 12 + 1

    @property
    def label(self) -> str:
        """``YYYY-MM``."""
        return format_month(self.month)


def spawn_streams(seed: int | np.random.SeedSequence | None, names: tuple[str, ...]) -> dict:
    """Independent generators for named purposes from one seed.

    A ``SeedSequence`` argument is copied first, so calling this twice with the same object
    gives the same streams.
    """
    if isinstance(seed, np.random.SeedSequence):
        root = np.random.SeedSequence(entropy=seed.entropy, spawn_key=seed.spawn_key)
    else:
        root = np.random.SeedSequence(seed)
    children = root.spawn(len(names))
    return {name: np.random.Generator(np.random.PCG64(child)) for name, child in zip(names, children, strict=False)}


class StartupEcosystem(mesa.Model):
    """A district's founders, firms, incubation bases, banks and programmes, month by month."""

    STREAMS = ("mesa", "arrivals", "founders", "dynamics")

    def __init__(
        self, scenario: Scenario, seed: int | np.random.SeedSequence | None = None, scale: float = 1.0
    ) -> None:
        """Build the model.

        Args:
            scenario: Validated scenario.
            seed: Root seed (int or ``SeedSequence``).
            scale: Multiplies arrivals, incubation places, programme budgets, grant counts and
                training places (and count targets).
        """
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
        self.relief = relief_months(scenario, self.first_month, self.n_months)
        expected = scenario.population.arrivals_per_month * self.scale * self.n_months
        self.population = FirmPopulation(scenario, int(expected))

        policy = scenario.policy
        self.bank = Bank(self)
        self.loan_programme = LoanProgramme(self, policy.loan_interest_subsidy)
        self.rent_relief = RentReliefProgramme(self, policy.rent_relief)
        self.incubation = IncubationProgramme(self, policy.incubation)
        self.talent_housing = TalentHousingProgramme(self, policy.talent_housing)
        self.startup_subsidies = StartupSubsidyProgramme(self, policy.startup_subsidies)
        self.growth_grants = GrowthGrantProgramme(self, policy.growth_grants)
        self.training = TrainingProgramme(self, policy.training)
        self.programmes: list[Programme] = [
            self.loan_programme,
            self.rent_relief,
            self.incubation,
            self.talent_housing,
            self.startup_subsidies,
            self.growth_grants,
            self.training,
        ]
        self.records: list[dict] = []
        self.high_tech_by_year: dict[int, int] = {}

    def max_agent_id(self) -> int:
        """Largest ``unique_id`` among the model's agents."""
        return max((a.unique_id for a in self.agents), default=0)

    # ----------------------------------------------------------------- step
    def step(self) -> None:
        """Advance one month.

        Order: bases open; founders arrive; training; registration; loans and opening
        subsidies; incubation graduation and admission; operations (revenue, costs, support,
        loan service); emergency loans in relief shocks; exits and loan write-offs; hiring and
        shedding; growth grants; high-tech status; record.
        """
        t = len(self.records)
        self.clock = Clock(
            month=self.first_month + t, t=t, relief_months_since_start=int(self.relief[t])
        )
        for agent in self.programmes:
            agent.start_month()
        self.bank.start_month()
        self.incubation.open_bases()

        new = self._arrive()
        self.training.train(new)
        born = self._register(new)
        self.bank.lend_to_new_firms(born)
        pop = self.population
        pop.cash[born] += self.startup_subsidies.pay_opening(born)

        self.incubation.graduate()
        alive = np.flatnonzero(pop.alive[: pop.n])
        admitted = self.incubation.admit(alive)
        pop.cash[admitted] += self.startup_subsidies.pay_startup_capital(admitted)

        draws = self.streams["dynamics"].standard_normal((2, pop.n))
        hire_u = self.streams["dynamics"].random(pop.n)
        per_person_support, factor, demand = self._operate(alive, draws)
        leaving = self._exit(alive)
        exits, survivors = alive[leaving], alive[~leaving]
        factor, demand = factor[~leaving], demand[~leaving]
        self._hire_and_shed(survivors, hire_u, per_person_support[~leaving], factor, demand)
        staff_term = np.power(pop.employees[survivors].astype(np.float64), self.scenario.behaviour.returns_to_scale)
        self.growth_grants.award(survivors, factor * demand * staff_term)
        self._mark_high_tech(survivors)
        self._record(new.size, born.size, exits.size)
        if t + 1 >= self.n_months:
            self.running = False

    # ------------------------------------------------------------- arrivals
    def _arrive(self) -> np.ndarray:
        rate = self.scenario.population.arrivals_per_month * self.scale
        k = int(self.streams["arrivals"].poisson(rate))
        uniforms = self.streams["founders"].random((k, N_UNIFORMS))
        return self.population.arrive(self.clock.month, uniforms)

    def _register(self, new: np.ndarray) -> np.ndarray:
        """Nascent founders decide whether to register a firm."""
        pop = self.population
        b = self.scenario.behaviour
        support = sum(p.expected_first_year_support_yuan(new) for p in self.programmes)
        support = np.where(pop.takes_up_support(new), support, 0.0)
        support_ratio = b.support_awareness * support / pop.expected_start_cost_yuan(new)
        logit = (
            b.registration_base_logit
            + b.registration_quality_weight * (pop.log_quality[new] + pop.log_boost[new])
            + b.registration_support_weight * support_ratio
        )
        registers = pop.u_register[new] < 1.0 / (1.0 + np.exp(-logit))
        born = new[registers]
        pop.registered[born] = True
        pop.alive[born] = True
        pop.start_month[born] = self.clock.month
        pop.employees[born] = pop.initial_employees[born]
        pop.peak_employees[born] = pop.initial_employees[born]
        pop.cash[born] = pop.own_capital[born]
        return born

    # ----------------------------------------------------------- operations
    def _sector_demand(self, idx: np.ndarray) -> np.ndarray:
        return self.demand[self.clock.t][self.population.sector[idx]]

    def _planning_demand(self, demand: np.ndarray) -> np.ndarray:
        """Demand firms plan staff for: only part of a shock's fall is expected to last."""
        pass_through = self.scenario.behaviour.staffing_shock_pass_through
        return 1.0 - pass_through * (1.0 - demand)

    def _revenue_factor(self, idx: np.ndarray) -> np.ndarray:
        """Revenue per unit of demand and of staff^returns_to_scale, mentoring included (yuan)."""
        bonus = self.incubation.productivity_bonus(idx)
        return self.population.revenue_factor(idx, self.clock.month, bonus)

    def _operate(
        self, alive: np.ndarray, draws: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One month of revenue, costs, public support and loan service for live firms.

        Returns:
            For each live firm: public support per additional employee (yuan/month, used in
            hiring decisions), its revenue factor and its sector's demand this month.
        """
        pop = self.population
        b = self.scenario.behaviour
        pop.log_quality[alive] += b.productivity_walk_sd * draws[0, alive]
        employees = pop.employees[alive].astype(np.float64)
        noise = np.exp(b.revenue_noise_sd * draws[1, alive] - 0.5 * b.revenue_noise_sd**2)
        factor = self._revenue_factor(alive)
        demand = self._sector_demand(alive)
        revenue = factor * demand * np.power(employees, b.returns_to_scale) * noise
        wages = employees * b.wage_yuan_month * (1 + b.social_insurance_rate)
        rent = employees * b.rent_yuan_per_workstation_month
        fixed = b.fixed_cost_yuan_month

        discount_share = self.incubation.rent_discount_share(alive)
        incubator_rent = self.incubation.pay_monthly(alive, rent, discount_share)
        rent_due = rent - incubator_rent
        rent_relief = self.rent_relief.pay_monthly(alive, rent_due)
        housing = self.talent_housing.pay_monthly(alive, employees)
        social_insurance = self.startup_subsidies.pay_monthly(alive, employees)
        interest, principal = self.bank.service_loans(alive)

        support = incubator_rent + rent_relief + housing + social_insurance
        profit = revenue - wages - rent - fixed + support - interest
        pop.cash[alive] += profit - principal
        pop.last_profit[alive] = profit
        pop.loss_months[alive] = np.where(profit < 0, pop.loss_months[alive] + 1, 0)

        if self.clock.relief_months_since_start >= 0:
            monthly_cost = wages + rent + fixed
            self.bank.emergency_lending(alive, monthly_cost)

        rent_per_person = b.rent_yuan_per_workstation_month * (1 - discount_share)
        per_person_support = (
            self.talent_housing.per_person_support_yuan(alive)
            + self.startup_subsidies.per_person_support_yuan(alive)
            + self.rent_relief.per_person_support_yuan(alive, rent_per_person)
            + (b.rent_yuan_per_workstation_month - rent_per_person)
        )
        return per_person_support, factor, demand

    def _exit(self, alive: np.ndarray) -> np.ndarray:
        """Firms out of cash close; so do founders after a long run of losses.

        Returns:
            Boolean mask over ``alive``: True for firms that exit this month.
        """
        pop = self.population
        cash_out = pop.cash[alive] < 0
        voluntary = ~cash_out & (
            pop.loss_months[alive] >= self.scenario.behaviour.voluntary_exit_loss_months
        )
        exits = alive[cash_out | voluntary]
        pop.exit_reason[alive[cash_out]] = EXIT_CASH_OUT
        pop.exit_reason[alive[voluntary]] = EXIT_VOLUNTARY
        self.bank.write_off(exits)
        pop.alive[exits] = False
        pop.incubated[exits] = False
        pop.exit_month[exits] = self.clock.month
        return cash_out | voluntary

    def _hire_and_shed(
        self,
        idx: np.ndarray,
        hire_u: np.ndarray,
        per_person_support: np.ndarray,
        revenue_factor: np.ndarray,
        demand: np.ndarray,
    ) -> None:
        """Move staff part of the way towards the profitable size, as far as cash allows.

        The profitable size ``E*`` equates the marginal revenue of a person,
        ``returns_to_scale x revenue / E``, with their cost net of public support, at the demand
        the firm plans for (a shock passes through only partly: firms hoard labour through
        temporary falls). A firm closes ``hiring_adjustment_share`` of a shortfall
        (``shedding_adjustment_share`` of an excess) each month, rounding at random, and hires
        only while its cash covers ``hiring_cash_buffer_months`` of the enlarged costs. A firm
        losing money with less than a month's costs in cash also sheds that share of its staff.
        """
        pop = self.population
        b = self.scenario.behaviour
        beta = b.returns_to_scale
        employees = pop.employees[idx].astype(np.float64)
        gross_cost = pop.cost_per_person_yuan()
        net_cost = np.maximum(gross_cost - per_person_support, 1.0)
        productivity = revenue_factor * self._planning_demand(demand)
        with np.errstate(over="ignore"):
            target = np.power(beta * productivity / net_cost, 1.0 / (1.0 - beta))
        gap = np.minimum(target, NUMERICAL_MAX_STAFF) - employees
        u = hire_u[idx]
        hires = np.floor(b.hiring_adjustment_share * np.maximum(gap, 0.0) + u)
        affordable = np.floor(
            (pop.cash[idx] / max(b.hiring_cash_buffer_months, 1e-9) - b.fixed_cost_yuan_month) / gross_cost
        ) - employees
        hires = np.clip(np.minimum(hires, affordable), 0.0, None)
        sheds = np.floor(b.shedding_adjustment_share * np.maximum(-gap, 0.0) + u)
        distressed = (pop.last_profit[idx] < 0) & (pop.cash[idx] < pop.monthly_cost_yuan(employees))
        distress_cut = np.floor(b.shedding_adjustment_share * (employees - 1.0) + u)
        sheds = np.where(distressed, np.maximum(sheds, distress_cut), sheds)
        sheds = np.minimum(sheds, employees - 1.0)
        change = np.where(hires > 0, hires, -np.maximum(sheds, 0.0)).astype(np.int32)
        pop.employees[idx] += change
        pop.peak_employees[idx] = np.maximum(pop.peak_employees[idx], pop.employees[idx])

    def _mark_high_tech(self, idx: np.ndarray) -> None:
        pop = self.population
        m = self.scenario.measurement
        qualifies = (
            (pop.sector[idx] == 0)
            & (pop.employees[idx] >= m.high_tech_min_employees)
            & (pop.log_quality[idx] + pop.log_boost[idx] >= m.high_tech_min_log_productivity)
            & (pop.high_tech_month[idx] == NOT_SET)
        )
        pop.high_tech_month[idx[qualifies]] = self.clock.month
        year = self.clock.year
        self.high_tech_by_year[year] = self.high_tech_by_year.get(year, 0) + int(qualifies.sum())

    # --------------------------------------------------------------- record
    def _record(self, arrivals: int, births: int, exits: int) -> None:
        pop = self.population
        alive = pop.alive[: pop.n]
        flows = self.bank.month_flows
        row = {
            "month": self.clock.label,
            "nascent_founders": arrivals,
            "births": births,
            "exits": exits,
            "active_firms": int(alive.sum()),
            "jobs": int(pop.employees[: pop.n][alive].sum()),
            "incubated_firms": self.incubation.tenants_count(),
            "incubation_bases": self.incubation.n_bases,
            "demand_index": float(self.demand[self.clock.t].mean()),
            "loans_disbursed": int(flows["disbursed_count"]),
            "loans_disbursed_yuan": flows["disbursed_yuan"],
            "loans_repaid_yuan": flows["repaid_yuan"],
            "loans_defaulted": int(flows["defaulted_count"]),
            "loans_defaulted_yuan": flows["defaulted_yuan"],
            "loans_outstanding_yuan": self.bank.outstanding_yuan(),
        }
        total = 0.0
        for programme in self.programmes:
            row[f"spend_{programme.name}_yuan"] = programme.spent_this_month
            total += programme.spent_this_month
        row["spend_total_yuan"] = total
        self.records.append(row)
