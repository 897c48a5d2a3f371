"""Founders and their firms, held as numpy arrays (one slot per nascent founder).

Every nascent founder gets a slot when they arrive; the slot becomes a firm if they register.
All per-person random numbers are drawn at arrival, in a fixed block per person, from uniforms
(transformed by inverse CDFs). Monthly firm-level shocks are drawn for *every* slot that has
arrived, alive or not. Arrivals do not depend on policy, so slot ``i`` is the same person in
every scenario run with the same seed: scenario differences are paired (common random numbers).

The population owns the firm state and the firm rules: registration, a month's operating
account, exit, hiring and shedding, high-tech status; institutions change a firm only through its
methods (support paid or booked to a programme, loans booked and repaid, incubation and grants).

Founder types (:data:`FOUNDER_TYPES`): other resident, young college graduate, returnee.
Sectors (:data:`SECTORS`): technology / R&D services, business services, consumer services.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtri
from scipy.stats import poisson

from sim.scenario.schema import Policy, Scenario

FOUNDER_TYPES = ("other", "young_graduate", "returnee")
OTHER_FOUNDER, YOUNG_GRADUATE, RETURNEE = range(len(FOUNDER_TYPES))
SECTORS = ("tech", "services", "consumer")
TECH, SERVICES, CONSUMER = range(len(SECTORS))
PROGRAMMES = tuple(Policy.model_fields)
"""The levers, one per table of the schema's ``policy`` section, in declaration order (the rows of
:attr:`FirmPopulation.support_yuan`; :mod:`sim.policy.registry` describes each)."""
NOT_SET = -1
EXIT_CASH_OUT, EXIT_VOLUNTARY = 0, 1
NUMERICAL_MAX_STAFF = 1e6
"""Guard against overflow of the profitable size for extreme parameter draws (persons); not a
behavioural cap."""
MIN_NET_COST_YUAN = 1.0
"""Floor on the net monthly cost of a person after public support (yuan), so the profitable size
stays finite when support covers the whole cost."""
PAID_OFF_YUAN = 1e-6
"""A loan balance below this (yuan) counts as repaid (rounding of equal instalments)."""

# Columns of the per-founder uniform block drawn at arrival.
_U_TYPE, _U_SECTOR, _U_QUALITY, _U_CAPITAL, _U_COLLATERAL, _U_TEAM = range(6)
_U_REGISTER, _U_LOAN_APPLY, _U_BANK_NOISE, _U_INCUBATION_APPLY = range(6, 10)
_U_INCUBATOR_NOISE, _U_STATE_PREMISES, _U_TAKE_UP = range(10, 13)
N_UNIFORMS = 13


@dataclass
class MonthAccount:
    """One month's operating account of the live firms ``idx`` (yuan per firm, before support).

    Programmes read it and lower what firms pay: incubation bases waive part of the rent
    (setting ``rent_discount_share`` and ``rent_due_yuan``), rent relief pays part of the rent
    still due, per-person subsidies lower staff costs.

    Attributes:
        idx: Live firm slots (sorted).
        employees: Their staff (persons, float).
        revenue_factor: Revenue per unit of demand and of ``staff ** returns_to_scale`` (yuan).
        demand: Their sector's demand index this month.
        revenue_yuan: This month's revenue, transitory noise included.
        wages_yuan: Wages and employer social insurance.
        rent_yuan: Gross rent of their workstations.
        fixed_yuan: Fixed costs (the same for every firm).
        rent_per_person_yuan: Gross rent of one workstation.
        rent_due_yuan: Rent still owed after discounts at the premises.
        rent_discount_share: Share of rent waived at the premises.
    """

    idx: np.ndarray
    employees: np.ndarray
    revenue_factor: np.ndarray
    demand: np.ndarray
    revenue_yuan: np.ndarray
    wages_yuan: np.ndarray
    rent_yuan: np.ndarray
    fixed_yuan: float
    rent_per_person_yuan: float
    rent_due_yuan: np.ndarray = field(init=False)
    rent_discount_share: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.rent_due_yuan = self.rent_yuan
        self.rent_discount_share = np.zeros(self.idx.size)

    @property
    def rent_due_per_person_yuan(self) -> np.ndarray:
        """Rent still owed for one more workstation after discounts at the premises (yuan/month)."""
        return self.rent_per_person_yuan * (1 - self.rent_discount_share)

    @property
    def monthly_cost_yuan(self) -> np.ndarray:
        """Gross costs this month: wages, rent and fixed costs (yuan)."""
        return self.wages_yuan + self.rent_yuan + self.fixed_yuan


class FirmPopulation:
    """Array state of all founders and firms in one run.

    Attributes are numpy arrays of length ``capacity``; only the first ``n`` slots are in use.
    Money in yuan, time in absolute months (see :mod:`sim.calendar`).
    """

    _FLOAT = (
        "log_quality", "log_quality_entry", "log_boost", "own_capital", "cash", "bank_noise", "incubator_noise",
        "u_register", "u_loan_apply", "u_incubation_apply", "u_state_premises", "u_take_up",
        "loan_balance", "loan_rate", "loan_instalment", "loan_disbursed_total", "last_profit",
    )
    _INT = (
        "arrival_month", "start_month", "exit_month", "employees", "initial_employees",
        "peak_employees", "loss_months", "incubator", "incubation_start", "high_tech_month",
        "grant_month", "loan_month", "first_support_month",
    )
    _INT8 = ("founder_type", "sector", "exit_reason", "grant_type")
    _BOOL = (
        "has_collateral", "trained", "registered", "alive", "incubated", "ever_incubated",
        "loan_guaranteed", "loan_subsidised", "loan_defaulted", "emergency_loan",
        "incubation_extended",
    )

    def __init__(self, scenario: Scenario, expected_arrivals: int) -> None:
        """Allocate arrays.

        Args:
            scenario: Validated scenario (population, behaviour and measurement parameters).
            expected_arrivals: Expected number of founders over the run (sizes the arrays).
        """
        self.scenario = scenario
        self.behaviour = scenario.behaviour
        self.n = 0
        self.capacity = max(1024, int(expected_arrivals * 1.25) + 256)
        for name in self._FLOAT:
            setattr(self, name, np.zeros(self.capacity, dtype=np.float64))
        for name in self._INT:
            setattr(self, name, np.full(self.capacity, NOT_SET, dtype=np.int32))
        for name in self._INT8:
            setattr(self, name, np.full(self.capacity, NOT_SET, dtype=np.int8))
        for name in self._BOOL:
            setattr(self, name, np.zeros(self.capacity, dtype=bool))
        # yuan received from each programme, one row per programme (rows contiguous)
        self.support_yuan = np.zeros((len(PROGRAMMES), self.capacity), dtype=np.float64)
        self.loss_months[:] = 0
        # Poisson CDF of the initial team (besides the founder), for exact inversion of uniforms.
        mean_team = scenario.population.initial_employees_mean
        self._team_size_cdf = poisson.cdf(np.arange(int(mean_team + 20 * np.sqrt(mean_team) + 20)), mean_team)
        self.incubation_start[:] = NOT_SET

    # ------------------------------------------------------------------ arrays
    def _grow(self, needed: int) -> None:
        if needed <= self.capacity:
            return
        new_capacity = max(needed, 2 * self.capacity)
        for name in self._FLOAT + self._INT + self._INT8 + self._BOOL:
            old = getattr(self, name)
            fill = 0 if old.dtype in (np.float64, np.bool_) else NOT_SET
            new = np.full(new_capacity, fill, dtype=old.dtype)
            new[: self.capacity] = old
            setattr(self, name, new)
        self.loss_months[self.capacity :] = 0
        support = np.zeros((len(PROGRAMMES), new_capacity))
        support[:, : self.capacity] = self.support_yuan
        self.support_yuan = support
        self.capacity = new_capacity

    def arrive(self, month: int, uniforms: np.ndarray) -> np.ndarray:
        """Add nascent founders described by a block of uniforms.

        Args:
            month: Absolute month of arrival.
            uniforms: Array of shape (k, N_UNIFORMS) of U(0,1) draws, one row per founder.

        Returns:
            Indices of the new slots.
        """
        k = uniforms.shape[0]
        self._grow(self.n + k)
        idx = np.arange(self.n, self.n + k)
        self.n += k
        pop = self.scenario.population
        u = np.clip(uniforms, 1e-12, 1 - 1e-12)

        founder_type = np.full(k, OTHER_FOUNDER, dtype=np.int8)
        founder_type[u[:, _U_TYPE] < pop.share_young_graduates] = YOUNG_GRADUATE
        founder_type[
            (u[:, _U_TYPE] >= pop.share_young_graduates)
            & (u[:, _U_TYPE] < pop.share_young_graduates + pop.share_returnees)
        ] = RETURNEE
        sector = np.full(k, SERVICES, dtype=np.int8)
        sector[u[:, _U_SECTOR] < pop.share_tech] = TECH
        sector[u[:, _U_SECTOR] >= 1 - pop.share_consumer] = CONSUMER

        # indexed by founder type: other, young graduate, returnee
        skill_offset = np.array([0.0, pop.graduate_skill_offset, pop.returnee_skill_offset])
        capital_multiplier = np.array(
            [1.0, pop.graduate_capital_multiplier, pop.returnee_capital_multiplier]
        )
        behaviour = self.scenario.behaviour
        self.arrival_month[idx] = month
        self.founder_type[idx] = founder_type
        self.sector[idx] = sector
        self.log_quality[idx] = (
            behaviour.quality_log_sd * ndtri(u[:, _U_QUALITY]) + skill_offset[founder_type]
        )
        self.own_capital[idx] = (
            pop.own_capital_median_yuan
            * capital_multiplier[founder_type]
            * np.exp(pop.own_capital_log_sd * ndtri(u[:, _U_CAPITAL]))
        )
        self.has_collateral[idx] = u[:, _U_COLLATERAL] < self.scenario.bank.collateral_share
        self.initial_employees[idx] = 1 + np.searchsorted(
            self._team_size_cdf, u[:, _U_TEAM], side="right"
        ).astype(np.int32)
        self.log_quality_entry[idx] = self.log_quality[idx]
        self.u_register[idx] = u[:, _U_REGISTER]
        self.u_loan_apply[idx] = u[:, _U_LOAN_APPLY]
        self.bank_noise[idx] = ndtri(u[:, _U_BANK_NOISE])
        self.u_incubation_apply[idx] = u[:, _U_INCUBATION_APPLY]
        self.incubator_noise[idx] = ndtri(u[:, _U_INCUBATOR_NOISE])
        self.u_state_premises[idx] = u[:, _U_STATE_PREMISES]
        self.u_take_up[idx] = u[:, _U_TAKE_UP]
        return idx

    # ----------------------------------------------------------- firm economics
    def cost_per_person_yuan(self) -> float:
        """Gross monthly cost of one person: wage, employer social insurance and rent."""
        b = self.scenario.behaviour
        return b.wage_yuan_month * (1 + b.social_insurance_rate) + b.rent_yuan_per_workstation_month

    def revenue_scale(self) -> float:
        """Constant so that a median firm at the mean initial size earns ``revenue_cost_ratio`` x cost."""
        b = self.scenario.behaviour
        size0 = 1.0 + self.scenario.population.initial_employees_mean
        cost0 = self.cost_per_person_yuan() * size0 + b.fixed_cost_yuan_month
        return b.revenue_cost_ratio * cost0 / size0**b.returns_to_scale

    def revenue_factor(self, idx: np.ndarray, month: int, extra_log_productivity: np.ndarray | float = 0.0):
        """Revenue of firms ``idx`` per unit of demand and of ``staff ** returns_to_scale`` (yuan/month).

        Revenue = factor x demand x staff^returns_to_scale; the factor holds the firm's
        productivity (quality, random walk, lasting boosts and ``extra_log_productivity``) and its
        ramp-up since registration.
        """
        b = self.scenario.behaviour
        age = month - self.start_month[idx]
        ramp = 1.0 - (1.0 - b.ramp_start_share) * np.exp(-age / b.ramp_up_months)
        productivity = np.exp(self.log_quality[idx] + self.log_boost[idx] + extra_log_productivity)
        return self.revenue_scale() * productivity * ramp

    def revenue_yuan(
        self, idx: np.ndarray, employees: np.ndarray, demand: np.ndarray, month: int
    ) -> np.ndarray:
        """Expected monthly revenue of firms ``idx`` at a given staff count (no transitory noise)."""
        staff_term = np.power(np.maximum(employees, 0), self.scenario.behaviour.returns_to_scale)
        return self.revenue_factor(idx, month) * demand * staff_term

    def monthly_cost_yuan(self, employees: np.ndarray) -> np.ndarray:
        """Gross monthly costs of a firm with ``employees`` staff (yuan)."""
        return self.cost_per_person_yuan() * employees + self.scenario.behaviour.fixed_cost_yuan_month

    def expected_start_cost_yuan(self, idx: np.ndarray) -> np.ndarray:
        """A founder's expected first-year gross costs at the initial size (yuan)."""
        return 12.0 * self.monthly_cost_yuan(self.initial_employees[idx])

    # -------------------------------------------------------------- firm rules
    def register(self, new: np.ndarray, expected_support_yuan: np.ndarray, month: int) -> np.ndarray:
        """Nascent founders decide whether to register a firm; registered firms open.

        Args:
            new: This month's nascent founders.
            expected_support_yuan: Public support each expects in the first year, all programmes.
            month: Absolute month.

        Returns:
            The founders who registered (the month's new firms).
        """
        b = self.behaviour
        support = np.where(self.takes_up_support(new), expected_support_yuan, 0.0)
        support_ratio = b.support_awareness * support / self.expected_start_cost_yuan(new)
        logit = (
            b.registration_base_logit
            + b.registration_quality_weight * (self.log_quality[new] + self.log_boost[new])
            + b.registration_support_weight * support_ratio
        )
        registers = self.u_register[new] < 1.0 / (1.0 + np.exp(-logit))
        born = new[registers]
        self.registered[born] = True
        self.alive[born] = True
        self.start_month[born] = month
        self.employees[born] = self.initial_employees[born]
        self.peak_employees[born] = self.initial_employees[born]
        self.cash[born] = self.own_capital[born]
        return born

    def open_account(
        self, alive: np.ndarray, shocks: np.ndarray, extra_log_productivity: np.ndarray | float,
        demand: np.ndarray, month: int,
    ) -> MonthAccount:
        """Productivity walks, then the month's revenue and gross costs of live firms.

        Args:
            alive: Live firms (sorted).
            shocks: Standard normal draws of shape (2, n): productivity walk and revenue noise.
            extra_log_productivity: Programmes' productivity gains this month (e.g. mentoring).
            demand: Demand index of each firm's sector this month.
            month: Absolute month.
        """
        b = self.behaviour
        self.log_quality[alive] += b.productivity_walk_sd * shocks[0, alive]
        employees = self.employees[alive].astype(np.float64)
        noise = np.exp(b.revenue_noise_sd * shocks[1, alive] - 0.5 * b.revenue_noise_sd**2)
        factor = self.revenue_factor(alive, month, extra_log_productivity)
        revenue = factor * demand * np.power(employees, b.returns_to_scale) * noise
        return MonthAccount(
            idx=alive, employees=employees, revenue_factor=factor, demand=demand, revenue_yuan=revenue,
            wages_yuan=employees * b.wage_yuan_month * (1 + b.social_insurance_rate),
            rent_yuan=employees * b.rent_yuan_per_workstation_month, fixed_yuan=b.fixed_cost_yuan_month,
            rent_per_person_yuan=b.rent_yuan_per_workstation_month,
        )

    def close_account(
        self, account: MonthAccount, support_yuan: np.ndarray, interest_yuan: np.ndarray, principal_yuan: np.ndarray
    ) -> None:
        """Book the month's profit (revenue - costs + support - interest) and cash flow."""
        alive = account.idx
        profit = (
            account.revenue_yuan - account.wages_yuan - account.rent_yuan - account.fixed_yuan
            + support_yuan - interest_yuan
        )
        self.cash[alive] += profit - principal_yuan
        self.last_profit[alive] = profit
        self.loss_months[alive] = np.where(profit < 0, self.loss_months[alive] + 1, 0)

    def leaving(self, alive: np.ndarray) -> np.ndarray:
        """Firms out of cash close; so do founders after a long run of losses.

        Returns:
            Boolean mask over ``alive``: True for firms that exit this month.
        """
        cash_out = self.cash[alive] < 0
        voluntary = ~cash_out & (self.loss_months[alive] >= self.behaviour.voluntary_exit_loss_months)
        return cash_out | voluntary

    def close(self, exits: np.ndarray, month: int) -> None:
        """Close firms ``exits`` (their loans settled first by the bank) and record why."""
        cash_out = self.cash[exits] < 0
        self.exit_reason[exits] = np.where(cash_out, EXIT_CASH_OUT, EXIT_VOLUNTARY)
        self.alive[exits] = False
        self.incubated[exits] = False
        self.exit_month[exits] = month

    def planning_demand(self, demand: np.ndarray) -> np.ndarray:
        """Demand firms plan staff for: only part of a shock's fall is expected to last."""
        return 1.0 - self.behaviour.staffing_shock_pass_through * (1.0 - demand)

    def hire_and_shed(
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
        b = self.behaviour
        beta = b.returns_to_scale
        employees = self.employees[idx].astype(np.float64)
        gross_cost = self.cost_per_person_yuan()
        net_cost = np.maximum(gross_cost - per_person_support, MIN_NET_COST_YUAN)
        productivity = revenue_factor * self.planning_demand(demand)
        with np.errstate(over="ignore"):
            target = np.power(beta * productivity / net_cost, 1.0 / (1.0 - beta))
        gap = np.minimum(target, NUMERICAL_MAX_STAFF) - employees
        u = hire_u[idx]
        hires = np.floor(b.hiring_adjustment_share * np.maximum(gap, 0.0) + u)
        affordable = np.floor(
            (self.cash[idx] / max(b.hiring_cash_buffer_months, 1e-9) - b.fixed_cost_yuan_month) / gross_cost
        ) - employees
        hires = np.clip(np.minimum(hires, affordable), 0.0, None)
        sheds = np.floor(b.shedding_adjustment_share * np.maximum(-gap, 0.0) + u)
        distressed = (self.last_profit[idx] < 0) & (self.cash[idx] < self.monthly_cost_yuan(employees))
        distress_cut = np.floor(b.shedding_adjustment_share * (employees - 1.0) + u)
        sheds = np.where(distressed, np.maximum(sheds, distress_cut), sheds)
        sheds = np.minimum(sheds, employees - 1.0)
        change = np.where(hires > 0, hires, -np.maximum(sheds, 0.0)).astype(np.int32)
        self.employees[idx] += change
        self.peak_employees[idx] = np.maximum(self.peak_employees[idx], self.employees[idx])

    def mark_high_tech(self, idx: np.ndarray, month: int) -> int:
        """Technology firms that reach the high-tech size and productivity this month.

        Returns:
            How many firms newly qualify.
        """
        m = self.scenario.measurement
        qualifies = (
            (self.sector[idx] == TECH)
            & (self.employees[idx] >= m.high_tech_min_employees)
            & (self.log_quality[idx] + self.log_boost[idx] >= m.high_tech_min_log_productivity)
            & (self.high_tech_month[idx] == NOT_SET)
        )
        self.high_tech_month[idx[qualifies]] = month
        return int(qualifies.sum())

    # ------------------------------------------------------ public support
    @staticmethod
    def programme_row(name: str) -> int:
        """Row of :attr:`support_yuan` that books programme ``name``'s support."""
        return PROGRAMMES.index(name)

    def book_support(self, row: int, idx: np.ndarray, paid_yuan: np.ndarray, month: int) -> None:
        """Book support paid for firms ``idx`` (each at most once) to a programme's row.

        Use for support that lowers a firm's costs or is paid to a third party on its behalf;
        :meth:`pay` also credits the firm's cash.
        """
        receiving = idx[paid_yuan > 0]
        self.support_yuan[row, receiving] += paid_yuan[paid_yuan > 0]
        self.mark_supported(receiving, month)

    def pay(self, row: int, idx: np.ndarray, paid_yuan: np.ndarray, month: int) -> None:
        """Pay cash to firms ``idx`` (each at most once), booked as programme ``row``'s support."""
        self.book_support(row, idx, paid_yuan, month)
        self.cash[idx[paid_yuan > 0]] += paid_yuan[paid_yuan > 0]

    def train(self, idx: np.ndarray, month: int, log_productivity_gain: float) -> None:
        """Founders ``idx`` complete training: a lasting productivity gain."""
        self.trained[idx] = True
        self.mark_supported(idx, month)
        self.log_boost[idx] += log_productivity_gain

    def raise_productivity(self, idx: np.ndarray, log_productivity_gain: float) -> None:
        """A lasting gain in the log productivity of firms ``idx`` (funded R&D, each at most once)."""
        self.log_boost[idx] += log_productivity_gain

    def record_grant(self, idx: np.ndarray, kind: int, month: int) -> None:
        """Firms ``idx`` receive a growth grant of type ``kind`` (see the firm table's ``grant_type``)."""
        self.grant_type[idx] = kind
        self.grant_month[idx] = month

    def start_incubation(self, idx: np.ndarray, base_id: int, month: int) -> None:
        """Firms ``idx`` move into incubation base ``base_id``."""
        self.incubated[idx] = True
        self.ever_incubated[idx] = True
        self.incubator[idx] = base_id
        self.incubation_start[idx] = month
        self.mark_supported(idx, month)

    def extend_incubation(self, idx: np.ndarray) -> None:
        """Firms ``idx`` are granted the extension of their incubation period."""
        self.incubation_extended[idx] = True

    def end_incubation(self, idx: np.ndarray) -> None:
        """Firms ``idx`` leave their base."""
        self.incubated[idx] = False

    def tenants(self) -> np.ndarray:
        """Firms incubated now."""
        return np.flatnonzero(self.incubated[: self.n])

    # --------------------------------------------------------------- loans
    def book_loan(
        self, idx: np.ndarray, amount_yuan: np.ndarray, rate_pct: float, term_months: int, month: int,
        guaranteed: np.ndarray, subsidised: np.ndarray,
    ) -> None:
        """New loans to firms ``idx``: principal credited to cash, equal instalments over the term."""
        self.loan_balance[idx] = amount_yuan
        self.loan_rate[idx] = rate_pct / 100.0
        self.loan_instalment[idx] = amount_yuan / term_months
        self.loan_month[idx] = month
        self.loan_disbursed_total[idx] += amount_yuan
        self.mark_supported(idx[guaranteed | subsidised], month)
        self.loan_guaranteed[idx] = guaranteed
        self.loan_subsidised[idx] = subsidised
        self.cash[idx] += amount_yuan

    def mark_emergency_loan(self, idx: np.ndarray) -> None:
        """Firms ``idx`` take an emergency loan (at most one per firm)."""
        self.emergency_loan[idx] = True

    def repay_instalments(self, borrowers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Take this month's principal instalment off each balance (paid from the operating account).

        Returns:
            ``(repaid_yuan, finished)``: principal repaid and whether the loan is now repaid.
        """
        repay = np.minimum(self.loan_instalment[borrowers], self.loan_balance[borrowers])
        self.loan_balance[borrowers] -= repay
        finished = self.loan_balance[borrowers] <= PAID_OFF_YUAN
        self.loan_balance[borrowers[finished]] = 0.0
        return repay, finished

    def settle_from_cash(self, owing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Closing firms repay what they can of their loans from their remaining cash.

        Returns:
            ``(settled_yuan, paid_off)``: what each repaid, and the firms now clear of debt.
        """
        settled = np.minimum(np.maximum(self.cash[owing], 0.0), self.loan_balance[owing])
        self.loan_balance[owing] -= settled
        self.cash[owing] -= settled
        paid_off = owing[self.loan_balance[owing] <= PAID_OFF_YUAN]
        self.loan_balance[paid_off] = 0.0
        return settled, paid_off

    def default_loans(self, idx: np.ndarray) -> None:
        """Loans of firms ``idx`` are written off as defaults."""
        self.loan_defaulted[idx] = True
        self.loan_balance[idx] = 0.0

    # ------------------------------------------------------------------ tables
    def firm_table(self, month_labels: list[str], start_month: int) -> pd.DataFrame:
        """One row per registered firm (see README for the columns)."""
        idx = np.flatnonzero(self.registered[: self.n])

        def label(values: np.ndarray) -> pd.Categorical:
            """Months as an ordered categorical of "YYYY-MM" labels (missing where not set)."""
            codes = np.where(values == NOT_SET, -1, values - start_month)
            return pd.Categorical.from_codes(codes, categories=month_labels, ordered=True)

        frame = pd.DataFrame(
            {
                "firm_id": idx.astype(np.int64),
                "start_month": label(self.start_month[idx]),
                "exit_month": label(self.exit_month[idx]),
                "censored": ~(self.exit_month[idx] != NOT_SET),
                "lifetime_months": self.lifetime_months(idx, start_month + len(month_labels) - 1),
                "exit_reason": pd.Categorical.from_codes(
                    np.where(self.exit_reason[idx] < 0, 0, self.exit_reason[idx] + 1),
                    categories=["alive", "cash_out", "voluntary"],
                ),
                "founder_type": pd.Categorical.from_codes(
                    self.founder_type[idx], categories=list(FOUNDER_TYPES)
                ),
                "sector": pd.Categorical.from_codes(self.sector[idx], categories=list(SECTORS)),
                "log_quality_at_entry": self.log_quality_entry[idx],
                "trained": self.trained[idx],
                "incubated": self.ever_incubated[idx],
                "loan": self.loan_disbursed_total[idx] > 0,
                "loan_yuan": self.loan_disbursed_total[idx],
                "loan_guaranteed": self.loan_guaranteed[idx],
                "loan_defaulted": self.loan_defaulted[idx],
                "emergency_loan": self.emergency_loan[idx],
                "grant_type": pd.Categorical.from_codes(
                    np.where(self.grant_type[idx] < 0, 0, self.grant_type[idx] + 1),
                    categories=["none", "innovation", "technology"],
                ),
                "high_tech": self.high_tech_month[idx] != NOT_SET,
                "first_support_month": label(self.first_support_month[idx]),
                "loan_month": label(self.loan_month[idx]),
                "grant_month": label(self.grant_month[idx]),
                "initial_employees": self.initial_employees[idx],
                "employees": np.where(self.alive[idx], self.employees[idx], 0),
                "peak_employees": self.peak_employees[idx],
            }
        )
        for j, name in enumerate(PROGRAMMES):
            frame[f"support_{name}_yuan"] = self.support_yuan[j, idx]
        frame["support_total_yuan"] = self.support_yuan[:, idx].sum(axis=0)
        frame["helped"] = self.helped(idx)
        return frame

    def lifetime_months(self, idx: np.ndarray, last_month: int) -> np.ndarray:
        """Months a firm operated: to its exit month, or to the end of the run if still alive."""
        end = np.where(self.exit_month[idx] != NOT_SET, self.exit_month[idx], last_month)
        return (end - self.start_month[idx] + 1).astype(np.int64)

    def mark_supported(self, idx: np.ndarray, month: int) -> None:
        """Record the first month a founder received public support."""
        fresh = idx[self.first_support_month[idx] == NOT_SET]
        self.first_support_month[fresh] = month

    def takes_up_support(self, idx: np.ndarray) -> np.ndarray:
        """Founders who know of and apply for district programmes."""
        return self.u_take_up[idx] < self.scenario.behaviour.support_take_up_share

    def helped(self, idx: np.ndarray) -> np.ndarray:
        """Founder was helped to start a business: public support of any kind before founding or
        within the firm's first ``measurement.helped_window_months`` months (see README).
        """
        first = self.first_support_month[idx]
        return (
            self.registered[idx]
            & (first != NOT_SET)
            & (first - self.start_month[idx] < self.scenario.measurement.helped_window_months)
        )
