"""The firm population with its rules: the one owner of firm state.

:class:`FirmPopulation` adds the firm rules (registration, a month's operating account, exit,
hiring and shedding, high-tech status) to the arrays of :class:`sim.core.population.FirmArrays` and
the firms' dealings with institutions of :class:`sim.core.dealings.FirmDealings` (the only methods
through which programmes, incubation bases and the bank change a firm). :class:`MonthAccount` is the
month's operating account programmes lower.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.core.dealings import FirmDealings
from sim.core.distributions import normal_quantile
from sim.core.firm_shocks import SHOCK_ROWS as SHOCK_ROWS  # re-exported: the rows open_account takes
from sim.core.lookahead import in_two_halves
from sim.core.population import (
    EXIT_CASH_OUT,
    EXIT_NON_ECONOMIC,
    EXIT_VOLUNTARY,
    NOT_SET,
    STAFF_TABLE_MAX,
    TECH,
)

NUMERICAL_MAX_STAFF = 1e6
"""Guard against overflow of the profitable size for extreme parameter draws (persons); not a
behavioural cap."""
MIN_NET_COST_YUAN = 1.0
"""Floor on the net monthly cost of a person after public support (yuan), so the profitable size
stays finite when support covers the whole cost."""
DRIFT_REFERENCE_STAFF = 10.0
"""Staff at which permanent productivity shocks have sd ``permanent_drift_sd`` (persons); the sd
scales as ``(staff / DRIFT_REFERENCE_STAFF) ** -drift_size_exponent`` (a normalisation, not a
behavioural parameter)."""
START_UP_YEARS_MONTHS = 60
"""Age at which a firm leaves its start-up years (months): firms under five years are the 'young'
firms of the U.S. Business Dynamics Statistics and OECD DynEmp (Decker, Haltiwanger, Jarmin & Miranda
2014, JEP 28(3)). A definition, not a behavioural parameter; it also keeps every firm of a five-year
run (no firm is older than 59 months) out of reach of ``mature_productivity_drift_annual``."""


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
        exit_draw: Standard normal draw of each firm's non-economic exit this month (it closes if the
            draw is below the normal quantile of the monthly chance; None: no such exits).
        productivity_deviation: Log productivity less its permanent level after this month's
            moves (None: read from the population when needed).
        loss_months: Loss-making months in a row including this one, set when the account is
            closed (None: read from the population when needed).
        cash_yuan: Cash after the month's account (and any emergency loans), set by
            :meth:`FirmPopulation.leaving` (None: read from the population when needed).
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
    exit_draw: np.ndarray | None = None
    productivity_deviation: np.ndarray | None = None
    loss_months: np.ndarray | None = None
    cash_yuan: np.ndarray | None = None
    rent_due_yuan: np.ndarray = field(init=False)
    rent_discount_share: np.ndarray = field(init=False)
    _rent_due_per_person: tuple = field(init=False, repr=False)  # (discount share array, its value)

    def __post_init__(self) -> None:
        self.rent_due_yuan = self.rent_yuan
        self.rent_discount_share = np.zeros(self.idx.size)
        self._rent_due_per_person = (None, None)

    @property
    def rent_due_per_person_yuan(self) -> np.ndarray:
        """Rent still owed for one more workstation after discounts at the premises (yuan/month).

        Computed once per ``rent_discount_share`` array (by identity: the premises set a new array,
        they never change it in place); callers must not modify the result.
        """
        share, value = self._rent_due_per_person
        if share is not self.rent_discount_share:
            value = self.rent_per_person_yuan * (1 - self.rent_discount_share)
            self._rent_due_per_person = (self.rent_discount_share, value)
        return value

    @property
    def monthly_cost_yuan(self) -> np.ndarray:
        """Gross costs this month: wages, rent and fixed costs (yuan)."""
        return self.wages_yuan + self.rent_yuan + self.fixed_yuan


class FirmPopulation(FirmDealings):
    """All founders and firms of one run: arrays, firm rules and the methods institutions use."""

    _drift_sd = np.zeros(0)  # table of drift_sd by staff count, filled per population when first used
    _exit_quantile = (np.nan, np.nan)  # (annual chance, its monthly normal quantile)

    # -------------------------------------------------------------- firm rules
    def register(
        self, new: np.ndarray, expected_support_yuan: np.ndarray, month: int, entry_factor: float = 1.0
    ) -> np.ndarray:
        """Nascent founders decide whether to register a firm; registered firms open.

        Args:
            new: This month's nascent founders.
            expected_support_yuan: Public support each expects in the first year, all programmes.
            month: Absolute month.
            entry_factor: Multiplier of the chance to register (below 1 in a lockdown).

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
        registers = self.u_register[new] < entry_factor / (1.0 + np.exp(-logit))
        born = new[registers]
        self.registered[born] = True
        self.alive[born] = True
        self.start_month[born] = month
        self.employees[born] = self.initial_employees[born]
        self.peak_employees[born] = self.initial_employees[born]
        self.cash[born] = self.own_capital[born]
        self._age_memo = (None, NOT_SET, None)  # start months changed
        return born

    def open_account(
        self, alive: np.ndarray, shocks: np.ndarray, extra_log_productivity: np.ndarray | float,
        demand: np.ndarray, month: int,
    ) -> MonthAccount:
        """Productivity moves, then the month's revenue and gross costs of live firms.

        A firm's log productivity is its permanent level (its market: shocks that shrink with size,
        ``permanent_drift_sd x (staff / 10) ** -drift_size_exponent``, after Stanley et al. 1996,
        reverting over decades to the level at entry, ``permanent_persistence_annual``) plus a
        deviation that reverts towards it (AR(1) with annual
        persistence ``productivity_persistence_annual``, after Foster, Haltiwanger & Syverson
        2008, innovations of sd ``productivity_walk_sd``). The reversion keeps the dispersion of
        sizes bounded in the long run; the permanent walk keeps some firms declining at every age. Past the
        start-up years the permanent level may drift down (:meth:`age_permanent_productivity`).

        Args:
            alive: Live firms (sorted).
            shocks: Standard normal draws of shape (:data:`SHOCK_ROWS`, alive.size), column j for
                firm ``alive[j]``: transitory productivity, revenue noise, permanent productivity,
                non-economic exit (:class:`sim.core.firm_shocks.FirmShocks`).
            extra_log_productivity: Programmes' productivity gains this month (e.g. mentoring).
            demand: Demand index of each firm's sector this month.
            month: Absolute month.
        """
        b = self.behaviour
        n = alive.size
        age = self.age_months(alive, month)  # once for all (memoised), sliced for the halves
        account = MonthAccount(
            idx=alive, employees=np.empty(n), revenue_factor=np.empty(n), demand=demand, revenue_yuan=np.empty(n),
            wages_yuan=np.empty(n), rent_yuan=np.empty(n), fixed_yuan=b.fixed_cost_yuan_month,
            rent_per_person_yuan=b.rent_yuan_per_workstation_month, exit_draw=shocks[3],
            productivity_deviation=np.empty(n),
        )
        extra_is_array = isinstance(extra_log_productivity, np.ndarray)

        def open_part(part: slice) -> None:
            extra = extra_log_productivity[part] if extra_is_array else extra_log_productivity
            self._open_account_part(alive[part], shocks[:, part], extra, demand[part], age[part], month, account, part)

        in_two_halves(n, open_part)
        return account

    def _open_account_part(
        self, alive: np.ndarray, shocks: np.ndarray, extra_log_productivity: np.ndarray | float,
        demand: np.ndarray, age: np.ndarray, month: int, account: MonthAccount, part: slice,
    ) -> None:
        """:meth:`open_account` for the live firms ``alive`` (the ``part`` of the account's firms),
        writing into that part of the account's arrays; each firm's numbers depend on its own
        inputs alone (see :func:`sim.core.lookahead.in_two_halves`).
        """
        b = self.behaviour
        staff = self.employees[alive].astype(np.intp)  # intp: looked up in the tables without a cast each
        employees = account.employees[part]
        employees[...] = staff  # the same conversion as staff.astype(np.float64)
        rho = self.monthly_persistence()
        drift_sd = self.drift_sd(staff)
        entry = self.log_quality_entry[alive]
        previous = self.log_quality_permanent[alive]
        rho_permanent = b.permanent_persistence_annual ** (1.0 / 12.0)
        # in place, the same operations in the same order as
        # permanent = entry + rho_permanent (previous - entry) + drift_sd x shock 2,
        # log_quality = permanent + rho (log_quality - previous) + walk sd x shock 0,
        # noise = exp(noise sd x shock 1 - noise sd**2 / 2)
        permanent = previous - entry
        permanent *= rho_permanent
        permanent += entry
        term = np.multiply(drift_sd, shocks[2])
        permanent += term
        if b.mature_productivity_drift_annual > 0.0:
            self.age_permanent_productivity(alive, permanent, month, age=age)
        log_quality = self.log_quality[alive]
        log_quality -= previous
        log_quality *= rho
        log_quality += permanent
        np.multiply(shocks[0], b.productivity_walk_sd, out=term)
        log_quality += term
        self.log_quality[alive] = log_quality
        self.log_quality_permanent[alive] = permanent
        noise = np.multiply(shocks[1], b.revenue_noise_sd, out=term)
        noise -= 0.5 * b.revenue_noise_sd**2
        np.exp(noise, out=noise)
        factor = self.revenue_factor(
            alive, month, extra_log_productivity, log_quality=log_quality, age=age, out=account.revenue_factor[part]
        )
        revenue = np.multiply(factor, demand, out=account.revenue_yuan[part])
        revenue *= self.staff_power(staff)
        revenue *= noise
        wages = np.multiply(employees, b.wage_yuan_month, out=account.wages_yuan[part])
        wages *= 1 + b.social_insurance_rate
        np.multiply(employees, b.rent_yuan_per_workstation_month, out=account.rent_yuan[part])
        # now the deviation from the permanent level, for the exit forecast
        np.subtract(log_quality, permanent, out=account.productivity_deviation[part])

    def age_permanent_productivity(
        self, alive: np.ndarray, permanent: np.ndarray, month: int, age: np.ndarray | None = None
    ) -> None:
        """Lower the permanent log productivity of firms past their start-up years, in place.

        Firms at least :data:`START_UP_YEARS_MONTHS` old lose ``mature_productivity_drift_annual / 12``
        of log productivity a month (Coad, Segarra & Teruel 2013: older firms have lower expected growth
        of sales, profits and productivity; Evans 1987: growth falls with age at a given size). Younger
        firms' arithmetic is untouched.

        Args:
            alive: Live firms (sorted).
            permanent: Their permanent log productivity this month, aligned with ``alive`` (updated).
            month: Absolute month.
            age: Their age in months if the caller has it (:meth:`age_months`).
        """
        mature = (self.age_months(alive, month) if age is None else age) >= START_UP_YEARS_MONTHS
        permanent[mature] -= self.behaviour.mature_productivity_drift_annual / 12.0

    def drift_sd(self, staff: np.ndarray) -> np.ndarray:
        """Sd of the permanent productivity shock of firms with ``staff`` persons (integers):
        ``permanent_drift_sd x (max(staff, 1) / 10) ** -drift_size_exponent``, looked up in a table
        filled with that numpy expression (counts beyond :data:`STAFF_TABLE_MAX` computed directly).
        """
        b = self.behaviour

        def direct(n: np.ndarray) -> np.ndarray:
            return b.permanent_drift_sd * np.power(
                np.maximum(n.astype(np.float64), 1.0) / DRIFT_REFERENCE_STAFF, -b.drift_size_exponent
            )

        if staff.size == 0:
            return np.zeros(0)
        top = int(staff.max()) + 1
        if top > STAFF_TABLE_MAX or int(staff.min()) < 0:
            return direct(staff)
        table = self._drift_sd = self._table(self._drift_sd, top, direct)  # the local one: halves may race
        return table[staff.astype(np.intp, copy=False)]  # intp: other indices are cast slowly

    def close_account(
        self, account: MonthAccount, support_yuan: np.ndarray, interest_yuan: np.ndarray, principal_yuan: np.ndarray
    ) -> None:
        """Book the month's profit (revenue - costs + support - interest), cash flow and run of losses
        (also kept on the account, :attr:`MonthAccount.loss_months`).
        """
        losses = np.empty(account.idx.size, dtype=self.loss_months.dtype)

        def close_part(part: slice) -> None:
            alive = account.idx[part]
            profit = account.revenue_yuan[part] - account.wages_yuan[part]
            profit -= account.rent_yuan[part]
            profit -= account.fixed_yuan
            profit += support_yuan[part]
            profit -= interest_yuan[part]
            np.add.at(self.cash, alive, profit - principal_yuan[part])  # live firms are unique: the same as +=, faster
            self.last_profit[alive] = profit
            # (mode "clip": the live slots are in range, and numpy gathers into ``out`` directly)
            run = np.take(self.loss_months, alive, out=losses[part], mode="clip")
            run += 1
            run *= profit < 0  # a profitable month ends the run of losses
            self.loss_months[alive] = run

        in_two_halves(account.idx.size, close_part)  # each firm's numbers from its own alone
        account.loss_months = losses

    def monthly_persistence(self) -> float:
        """Monthly AR(1) coefficient of the productivity deviation from its permanent level."""
        return float(self.behaviour.productivity_persistence_annual ** (1.0 / 12.0))

    def forecast_revenue_factor(
        self, idx: np.ndarray, revenue_factor: np.ndarray, deviation: np.ndarray | None = None
    ) -> np.ndarray:
        """Revenue factor a founder expects ``exit_forecast_months`` ahead: the deviation of
        productivity from its permanent level decays, the permanent level is expected to stay.

        ``deviation``: the firms' current deviation if the caller has it (see
        :attr:`MonthAccount.productivity_deviation`), saving two gathers.
        """
        b = self.behaviour
        decay = self.monthly_persistence() ** b.exit_forecast_months
        if deviation is None:
            deviation = self.log_quality[idx] - self.log_quality_permanent[idx]
        return revenue_factor * np.exp((decay - 1.0) * deviation)

    def leaving(self, account: MonthAccount, per_person_support: np.ndarray) -> np.ndarray:
        """Firms out of cash close; founders close on poor prospects after a run of losses, or for
        reasons other than profit.

        Exit on prospects (Jovanovic 1982; Evans & Jovanovic 1989): after
        ``voluntary_exit_loss_months`` loss-making months in a row, the founder forecasts the
        firm's productivity ``exit_forecast_months`` ahead (the transitory part reverting) and
        closes if the monthly profit at the size that productivity supports (net of per-person
        support) would still be negative; the founder's own pay is part of the wage bill, so a
        zero profit is the outside option. A firm in a bad spell with good prospects goes on as
        long as its cash (own, borrowed or granted) lasts: liquidity decides whether it survives.

        Besides, every firm closes with the monthly chance of ``non_economic_exit_annual`` whatever
        its profits (the founder sells, retires or leaves: Headd 2003, about a third of closures of
        new firms are not failures). This keeps death rates near the closure rates of older
        establishments (8-10% a year, BLS BED) once selection on productivity has run its course.

        Args:
            account: The month's operating account of the live firms.
            per_person_support: Public support per additional employee (yuan/month), per firm.

        Returns:
            Boolean mask over ``account.idx``: True for firms that exit this month. The firms' cash
            is kept on the account (:attr:`MonthAccount.cash_yuan`).
        """
        alive = account.idx
        b = self.behaviour
        account.cash_yuan = self.cash[alive]
        cash_out = account.cash_yuan < 0
        # only founders past their patience (the fewer) and not out of cash weigh their prospects
        losses = self.loss_months[alive] if account.loss_months is None else account.loss_months
        weighing = np.flatnonzero(losses >= b.voluntary_exit_loss_months)
        weighing = weighing[~cash_out[weighing]]
        # firms out of cash, those whose founder leaves for other reasons, and (below) those with poor prospects
        leaving = cash_out
        if account.exit_draw is not None:
            leaving = np.less(account.exit_draw, self.non_economic_exit_quantile())
            leaving |= cash_out
        if weighing.size:
            deviation = account.productivity_deviation
            forecast = self.forecast_revenue_factor(
                alive[weighing], account.revenue_factor[weighing], None if deviation is None else deviation[weighing]
            )
            demand = self.planning_demand(account.demand[weighing])
            support = per_person_support[weighing]
            size = np.maximum(self.planned_staff(alive[weighing], forecast * demand, support), 1.0)
            net_cost = np.maximum(self.cost_per_person_yuan() - support, MIN_NET_COST_YUAN)
            expected_profit = (
                forecast * demand * np.power(size, b.returns_to_scale) - net_cost * size - b.fixed_cost_yuan_month
            )
            leaving[weighing[expected_profit < 0]] = True
        return leaving

    def non_economic_exit_quantile(self) -> float:
        """Standard normal quantile of the monthly chance of a non-economic exit (-inf at zero),
        remembered for the annual chance it was last computed for (asked every month).
        """
        annual = self.behaviour.non_economic_exit_annual
        if self._exit_quantile[0] != annual:
            monthly = 1.0 - (1.0 - annual) ** (1.0 / 12.0)
            self._exit_quantile = (annual, float(normal_quantile(monthly)) if monthly > 0 else -np.inf)
        return self._exit_quantile[1]

    def planned_staff(self, idx: np.ndarray, productivity: np.ndarray, per_person_support: np.ndarray) -> np.ndarray:
        """Staff firms ``idx`` plan for at ``productivity`` (revenue factor x planned demand), persons.

        The size its market supports is where the marginal revenue of a person,
        ``returns_to_scale x revenue / E``, equals the gross cost of a person. Public support
        that lowers the net cost moves it only with ``labour_demand_elasticity`` (a demand limit:
        a cheaper person wins the firm part of a larger market, not the profitable size of an
        unlimited one), so ``E = E_market x (net cost / gross cost) ** elasticity``.

        Only growth-oriented founders (``growth_oriented_share``) plan for all of it; the others
        want a firm they can run themselves with a few key employees (Hurst & Pugsley 2011) and plan
        for at most ``lifestyle_max_staff``: most firms stay small whatever their market, a few grow
        (the skewed size distribution and up-or-out dynamics of Haltiwanger, Jarmin & Miranda 2013).
        """
        b = self.behaviour
        gross_cost = self.cost_per_person_yuan()
        # (returns_to_scale x productivity / gross cost) ** (1 / (1 - returns_to_scale)), in place
        market = np.multiply(productivity, b.returns_to_scale)
        market /= gross_cost
        with np.errstate(over="ignore"):
            np.power(market, 1.0 / (1.0 - b.returns_to_scale), out=market)
        # (net / gross) ** elasticity, only where support lowers the cost (elsewhere exactly 1)
        if np.ndim(per_person_support) == 0:
            net_cost = np.maximum(gross_cost - per_person_support, MIN_NET_COST_YUAN)
            market = market * np.power(net_cost / gross_cost, b.labour_demand_elasticity)
        else:
            # without support the net cost is the gross cost (when that is above the floor): only the
            # supported firms are looked at
            if gross_cost >= MIN_NET_COST_YUAN:
                some = np.flatnonzero(per_person_support != 0)
            else:
                some = np.arange(market.size)
            net_cost = np.maximum(gross_cost - per_person_support[some], MIN_NET_COST_YUAN)
            lowered = net_cost != gross_cost
            supported = some[lowered]
            if supported.size:
                market[supported] *= np.power(net_cost[lowered] / gross_cost, b.labour_demand_elasticity)
        # at most NUMERICAL_MAX_STAFF, and lifestyle_max_staff for the others: a cap looked up by orientation
        # (taking from a uint8 view of the flags is cheaper than a boolean gather and np.where)
        caps = np.array([min(b.lifestyle_max_staff, NUMERICAL_MAX_STAFF), NUMERICAL_MAX_STAFF])
        return np.minimum(market, caps.take(self.growth_oriented.view(np.uint8).take(idx)), out=market)

    def close(self, exits: np.ndarray, month: int) -> None:
        """Close firms ``exits`` (their loans settled first by the bank) and record why: out of cash,
        on poor prospects after a run of losses, or else for reasons other than profit.
        """
        cash_out = self.cash[exits] < 0
        losing = self.loss_months[exits] >= self.behaviour.voluntary_exit_loss_months
        self.exit_reason[exits] = np.where(
            cash_out, EXIT_CASH_OUT, np.where(losing, EXIT_VOLUNTARY, EXIT_NON_ECONOMIC)
        )
        self.alive[exits] = False
        self.end_incubation(exits)
        self.exit_month[exits] = month

    def planning_demand(self, demand: np.ndarray | float) -> np.ndarray | float:
        """Demand firms plan staff for: only part of a shock's fall is expected to last."""
        return 1.0 - self.behaviour.staffing_shock_pass_through * (1.0 - demand)

    def hire_and_shed(
        self,
        idx: np.ndarray,
        hire_u: np.ndarray,
        per_person_support: np.ndarray,
        revenue_factor: np.ndarray,
        demand: np.ndarray | float,
        employees: np.ndarray | None = None,
        cash_yuan: np.ndarray | None = None,
    ) -> np.ndarray:
        """Move staff part of the way towards the planned size, as far as cash allows; returns the
        firms' new staff (persons).

        The planned size is :meth:`planned_staff` at the demand the firm plans for (a shock passes
        through only partly: firms hoard labour through temporary falls). A firm closes
        ``hiring_adjustment_share`` of a shortfall
        (``shedding_adjustment_share`` of an excess) each month, rounding at random, and hires
        only while its cash covers ``hiring_cash_buffer_months`` of the enlarged costs. A firm
        losing money with less than a month's costs in cash also sheds that share of its staff.
        ``hire_u`` holds the month's rounding uniforms of firms ``idx`` (element j for ``idx[j]``),
        ``demand`` their sectors' demand index (one number when every sector's is the same);
        ``employees`` (float) and ``cash_yuan``: the firms' staff and cash if the caller has them
        (the month's account has), saving two gathers.
        """
        staff = np.empty(idx.size, dtype=np.int32)
        support_is_array = np.ndim(per_person_support) > 0
        demand_is_array = np.ndim(demand) > 0

        def part_of(values: np.ndarray | float | None, part: slice, is_array: bool = True):
            return values[part] if is_array and values is not None else values

        def hire_part(part: slice) -> None:
            self._hire_and_shed_part(
                idx[part], hire_u[part], part_of(per_person_support, part, support_is_array), revenue_factor[part],
                part_of(demand, part, demand_is_array), part_of(employees, part), part_of(cash_yuan, part), staff[part],
            )

        in_two_halves(idx.size, hire_part)
        return staff

    def _hire_and_shed_part(
        self, idx: np.ndarray, hire_u: np.ndarray, per_person_support: np.ndarray | float,
        revenue_factor: np.ndarray, demand: np.ndarray | float, employees: np.ndarray | None,
        cash_yuan: np.ndarray | None, staff: np.ndarray,
    ) -> None:
        """:meth:`hire_and_shed` for firms ``idx``, writing their new staff into ``staff``; each
        firm's numbers depend on its own inputs alone (see :func:`sim.core.lookahead.in_two_halves`).
        """
        b = self.behaviour
        if employees is None:
            employees = self.employees[idx].astype(np.float64)
        cash = self.cash[idx] if cash_yuan is None else cash_yuan
        gross_cost = self.cost_per_person_yuan()
        gap = self.planned_staff(idx, revenue_factor * self.planning_demand(demand), per_person_support)
        gap -= employees  # the planned staff less the staff, in place
        u = hire_u
        # hires = floor(share x max(gap, 0) + u), sheds = floor(share x max(-gap, 0) + u) and
        # affordable = floor((cash / buffer - fixed cost) / gross cost) - employees, each in place
        hires = np.maximum(gap, 0.0)
        hires *= b.hiring_adjustment_share
        hires += u
        np.floor(hires, out=hires)
        affordable = cash / max(b.hiring_cash_buffer_months, 1e-9)
        affordable -= b.fixed_cost_yuan_month
        affordable /= gross_cost
        np.floor(affordable, out=affordable)
        affordable -= employees
        np.minimum(hires, affordable, out=hires)  # firms hire where positive (no clip at zero needed)
        sheds = np.negative(gap)
        np.maximum(sheds, 0.0, out=sheds)
        sheds *= b.shedding_adjustment_share
        sheds += u
        np.floor(sheds, out=sheds)
        # distress (a loss with less than a month's costs in cash) tested among the few short of cash
        short = np.flatnonzero(cash < self.monthly_cost_yuan(employees))
        distressed = short[self.last_profit[idx[short]] < 0]
        if distressed.size:
            distress_cut = np.floor(b.shedding_adjustment_share * (employees[distressed] - 1.0) + u[distressed])
            sheds[distressed] = np.maximum(sheds[distressed], distress_cut)
        np.minimum(sheds, employees - 1.0, out=sheds)
        change = np.negative(np.maximum(sheds, 0.0, out=sheds), out=sheds)
        hiring = np.flatnonzero(hires > 0)
        change[hiring] = hires[hiring]
        change += employees
        staff[...] = change  # whole numbers: the same as change.astype(np.int32), or adding int32 changes
        self.employees[idx] = staff
        # only hiring firms can pass their peak (staff never exceeds it otherwise); ufunc.at: with each
        # slot once the same as a gather, maximum and scatter, faster
        np.maximum.at(self.peak_employees, idx[hiring], staff[hiring])

    def mark_high_tech(self, idx: np.ndarray, month: int, staff: np.ndarray | None = None) -> int:
        """Technology firms that reach the high-tech size and productivity this month.

        Args:
            idx: Live firms.
            month: Absolute month.
            staff: Their staff if the caller has it (``self.employees[idx]``), saving a gather.

        Returns:
            How many firms newly qualify.
        """
        m = self.scenario.measurement
        staff = self.employees[idx] if staff is None else staff
        # the most selective test first; index lists, not boolean masks (numpy's gather by a mask with
        # about one entry in eight true, as here, took twice as long as a flatnonzero and a gather by the list)
        idx = idx[np.flatnonzero(staff >= m.high_tech_min_employees)]
        idx = idx[np.flatnonzero(self.sector[idx] == TECH)]
        qualifies = (
            (self.log_quality[idx] + self.log_boost[idx] >= m.high_tech_min_log_productivity)
            & (self.high_tech_month[idx] == NOT_SET)
        )
        self.high_tech_month[idx[qualifies]] = month
        return int(qualifies.sum())

    def mark_little_giants(self, idx: np.ndarray, month: int, staff: np.ndarray | None = None) -> int:
        """Technology firms that meet the little-giant criteria this month (age, staff and growth).

        The count measures the outcome the little-giant target (004:49) asks for, independently of
        how many grants the programme hands out.

        Args:
            idx: Live firms.
            month: Absolute month.
            staff: Their staff if the caller has it (``self.employees[idx]``), saving a gather.

        Returns:
            How many firms newly qualify.
        """
        m = self.scenario.measurement
        staff = self.employees[idx] if staff is None else staff
        idx = idx[staff >= m.little_giant_min_employees]  # the most selective test first
        idx = idx[(self.sector[idx] == TECH) & (self.little_giant_month[idx] == NOT_SET)]
        qualifies = (
            (month - self.start_month[idx] >= m.little_giant_min_age_months)
            & (self.employees[idx] >= m.little_giant_min_growth * self.initial_employees[idx])
        )
        self.little_giant_month[idx[qualifies]] = month
        return int(qualifies.sum())
