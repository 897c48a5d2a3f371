"""Founders and their firms, held as numpy arrays (one slot per nascent founder).

Every nascent founder gets a slot when they arrive; the slot becomes a firm if they register.
All per-person random numbers are drawn at arrival, in a fixed block per person, from uniforms
(transformed by inverse CDFs). Monthly firm-level shocks are a function of (run, slot, month)
(:mod:`sim.core.firm_shocks`). Arrivals do not depend on policy, so slot ``i`` is the same person,
meeting the same shocks, in every scenario run with the same seed: scenario differences are paired
(common random numbers).

:class:`FirmArrays` holds the arrays, the arrivals, the firm economics and the firm table; its
subclass :class:`sim.core.firms.FirmPopulation` adds the firm rules and the only methods through
which institutions change a firm.

Founder types (:data:`FOUNDER_TYPES`): other resident, young college graduate, returnee.
Sectors (:data:`SECTORS`): technology / R&D services, business services, consumer services.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.core.distributions import normal_quantile, poisson_cdf
from sim.scenario.policy_tables import Policy
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from sim.scenario.section import Section

FOUNDER_TYPES = ("other", "young_graduate", "returnee")
OTHER_FOUNDER, YOUNG_GRADUATE, RETURNEE = range(len(FOUNDER_TYPES))
SECTORS = ("tech", "services", "consumer")
TECH, SERVICES, CONSUMER = range(len(SECTORS))
PROGRAMMES = tuple(Policy.model_fields)
"""The levers, one per table of the schema's ``policy`` section, in declaration order (the rows of
:attr:`FirmPopulation.support_yuan`; :mod:`sim.policy.registry` describes each)."""
NOT_SET = -1
NARROW_HELP_PROGRAMMES = ("training", "incubation", "startup_subsidies")
"""Programmes whose support counts in the narrow reading of "helped to start a business" (start-up
services; with guaranteed or subsidised start-up loans, see :meth:`FirmArrays.helped_narrow`)."""
EXIT_CASH_OUT, EXIT_VOLUNTARY, EXIT_NON_ECONOMIC = 0, 1, 2
CLEAR_CHUNKS = 16
"""The integer columns of free slots are set to NOT_SET a sixteenth of the capacity at a time, just
ahead of the arrivals (a numerical convenience: a few numpy calls a run instead of some every month,
while pages far beyond the last slot stay untouched)."""
STAFF_TABLE_MAX = 1_000_000
"""Largest staff count + 1 kept in the ``staff ** returns_to_scale`` lookup table (8 MB); larger
counts are computed directly (a numerical limit, not a behavioural one)."""

# Columns of the per-founder uniform block drawn at arrival.
_U_TYPE, _U_SECTOR, _U_QUALITY, _U_CAPITAL, _U_COLLATERAL, _U_TEAM = range(6)
_U_REGISTER, _U_LOAN_APPLY, _U_BANK_NOISE, _U_INCUBATION_APPLY = range(6, 10)
_U_INCUBATOR_NOISE, _U_STATE_PREMISES, _U_TAKE_UP = range(10, 13)
_U_GROWTH = 13
N_UNIFORMS = 14
_NORMAL_COLUMNS = [_U_QUALITY, _U_CAPITAL, _U_BANK_NOISE, _U_INCUBATOR_NOISE]
"""Columns transformed to standard normals (by the inverse normal CDF)."""


class CodedColumn(NamedTuple):
    """A categorical column without pandas: integer codes into ``categories`` (-1: missing)."""

    codes: np.ndarray
    categories: tuple[str, ...]
    ordered: bool = False


def firm_frame(columns: dict[str, np.ndarray | CodedColumn]) -> pd.DataFrame:
    """The pandas firm table of :meth:`FirmArrays.firm_columns` (coded columns as categoricals)."""
    import pandas as pd

    return pd.DataFrame({
        name: pd.Categorical.from_codes(column.codes, categories=list(column.categories), ordered=column.ordered)
        if isinstance(column, CodedColumn) else column
        for name, column in columns.items()
    })


def pairwise_row_sum(rows: list[np.ndarray]) -> np.ndarray:
    """``block.sum(axis=0)`` bit for bit, ``block`` the rows stacked column by column (Fortran
    order, the layout of a gather ``table[:, idx]``), without the stacked copy.

    On that layout numpy sums each column's contiguous values with its pairwise summation
    (numpy's ``pairwise_sum``: fewer than 8 terms in order; 8 to 128 terms in 8 interleaved partial
    sums, ``((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))``, then the rest in order), added to
    0.0, one column at a time: 66 ms for the firm table's nine programmes at scale 16, against
    about 10 ms for the same additions in the same order done row by row here.

    Args:
        rows: One to 128 float64 arrays of the same length.
    """
    n = len(rows)
    if not 1 <= n <= 128:
        raise ValueError(f"pairwise_row_sum takes 1 to 128 rows, not {n}")
    if n < 8:
        total = np.zeros_like(rows[0])
        for row in rows:
            total += row
        return total
    done = n - n % 8
    partial = list(rows[:8]) if done == 8 else [row.copy() for row in rows[:8]]  # copied if added to
    for start in range(8, done, 8):
        for j in range(8):
            partial[j] += rows[start + j]
    total = (partial[0] + partial[1]) + (partial[2] + partial[3])
    total += (partial[4] + partial[5]) + (partial[6] + partial[7])
    for row in rows[done:]:
        total += row
    total += 0.0  # the reduction starts from 0.0: a sum of -0.0 is 0.0
    return total


class FirmArrays:
    """Array state of all founders and firms in one run (see :class:`sim.core.firms.FirmPopulation`).

    Attributes are numpy arrays of length ``capacity``; only the first ``n`` slots are in use (the
    integer columns are set only a little beyond them, :meth:`_clear`).
    Money in yuan, time in absolute months (see :mod:`sim.calendar`).
    """

    _FLOAT = (
        "log_quality", "log_quality_entry", "log_quality_permanent", "log_boost", "own_capital", "cash",
        "bank_noise", "incubator_noise",
        "u_register", "u_loan_apply", "u_incubation_apply", "u_state_premises", "u_take_up",
        "loan_balance", "loan_rate", "loan_instalment", "loan_disbursed_total", "last_profit",
    )
    _INT = (
        "arrival_month", "start_month", "exit_month", "employees", "initial_employees",
        "peak_employees", "loss_months", "incubator", "incubation_start", "high_tech_month",
        "grant_month", "loan_month", "first_support_month", "little_giant_month",
    )
    _INT8 = ("founder_type", "sector", "exit_reason", "grant_type")
    _cleared = 0  # slots before this one have their integer columns set (:meth:`_clear`)
    _BOOL = (
        "has_collateral", "trained", "registered", "alive", "incubated", "ever_incubated",
        "loan_guaranteed", "loan_subsidised", "loan_defaulted", "emergency_loan",
        "incubation_extended", "startup_loan", "growth_oriented",
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
        # integer columns start as NOT_SET (loss_months as 0), written slot by slot on arrival
        # (:meth:`_clear`): pages of slots no founder reaches are never touched
        for name in self._INT:
            setattr(self, name, np.empty(self.capacity, dtype=np.int32))
        for name in self._INT8:
            setattr(self, name, np.empty(self.capacity, dtype=np.int8))
        for name in self._BOOL:
            setattr(self, name, np.zeros(self.capacity, dtype=bool))
        # yuan received from each programme, one row per programme (rows contiguous)
        self.support_yuan = np.zeros((len(PROGRAMMES), self.capacity), dtype=np.float64)
        # first month each programme booked support to a firm (NOT_SET: never), rows as support_yuan
        self.first_support_by_programme = np.empty((len(PROGRAMMES), self.capacity), dtype=np.int32)
        # Poisson CDF of the initial team (besides the founder), for exact inversion of uniforms
        # (up to 20 standard deviations and 20 persons above the mean: a numerical limit).
        mean_team = scenario.population.initial_employees_mean
        self._team_size_cdf = poisson_cdf(int(mean_team + 20 * np.sqrt(mean_team) + 20), mean_team)
        # Lookup tables of functions of integers (staff counts, ages in months), filled with the
        # same numpy expressions the direct computation uses, so results are bit-for-bit unchanged.
        self._staff_power = np.zeros(0)
        self._ramp = np.zeros(0)
        self._age_memo: tuple = (None, NOT_SET, None)
        # whether any firm has a lasting productivity gain (log_boost not all zero), set by the
        # dealings that add one (training, funded R&D, grants): until then revenue skips log_boost
        self._boosted = False

    # ------------------------------------------------------------------ arrays
    def _grow(self, needed: int) -> None:
        if needed <= self.capacity:
            return
        new_capacity = max(needed, 2 * self.capacity)
        for name in self._FLOAT + self._BOOL:
            old = getattr(self, name)
            new = np.zeros(new_capacity, dtype=old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)
        for name in self._INT + self._INT8:  # slots beyond n are set on arrival (:meth:`_clear`)
            old = getattr(self, name)
            new = np.empty(new_capacity, dtype=old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)
        support = np.zeros((len(PROGRAMMES), new_capacity))
        support[:, : self.n] = self.support_yuan[:, : self.n]
        self.support_yuan = support
        first = np.empty((len(PROGRAMMES), new_capacity), dtype=np.int32)
        first[:, : self.n] = self.first_support_by_programme[:, : self.n]
        self.first_support_by_programme = first
        self.capacity = new_capacity
        self._cleared = self.n  # the new arrays' free slots are not set yet

    def _clear(self, new: slice) -> None:
        """Make the integer columns of the new slots ``new`` NOT_SET (the run of losses 0).

        Free slots are set a chunk at a time (:data:`CLEAR_CHUNKS`), from the first one not set yet,
        so most months' slots were set before; slots written once are never set again.
        """
        if new.stop <= self._cleared:
            return
        chunk = slice(self._cleared, min(self.capacity, max(new.stop, self._cleared + self.capacity // CLEAR_CHUNKS)))
        for name in self._INT + self._INT8:
            getattr(self, name)[chunk] = NOT_SET
        self.loss_months[chunk] = 0
        self.first_support_by_programme[:, chunk] = NOT_SET
        self._cleared = chunk.stop

    def arrive(self, month: int, uniforms: np.ndarray) -> np.ndarray:
        """Add nascent founders described by a block of uniforms.

        Args:
            month: Absolute month of arrival.
            uniforms: Array of shape (k, N_UNIFORMS) of U(0,1) draws, one row per founder.

        Returns:
            Indices of the new slots.
        """
        return self.add_founders(month, self.founders_from(uniforms))

    def founders_inputs(self) -> tuple[Section, ...]:
        """The scenario sections :meth:`founders_from` reads (runs whose sections are equal get the
        same founders from the same uniforms, :mod:`sim.core.shared_draws`).
        """
        return (self.scenario.population, self.scenario.behaviour, self.scenario.bank)

    def founders_from(self, uniforms: np.ndarray) -> dict[str, np.ndarray]:
        """The attributes of nascent founders described by a block of uniforms (a pure function
        of the uniforms and the scenario, so it may run ahead in another thread).

        Args:
            uniforms: Array of shape (k, N_UNIFORMS) of U(0,1) draws, one row per founder.

        Returns:
            Per-founder values by array name (the arrays :meth:`add_founders` fills).
        """
        k = uniforms.shape[0]
        pop = self.scenario.population
        behaviour = self.scenario.behaviour
        # one contiguous row per column of the block
        u = np.clip(uniforms.T, 1e-12, 1 - 1e-12, out=np.empty((N_UNIFORMS, k)))

        founder_type = np.full(k, OTHER_FOUNDER, dtype=np.int8)
        founder_type[u[_U_TYPE] < pop.share_young_graduates] = YOUNG_GRADUATE
        founder_type[
            (u[_U_TYPE] >= pop.share_young_graduates)
            & (u[_U_TYPE] < pop.share_young_graduates + pop.share_returnees)
        ] = RETURNEE
        sector = np.full(k, SERVICES, dtype=np.int8)
        sector[u[_U_SECTOR] < pop.share_tech] = TECH
        sector[u[_U_SECTOR] >= 1 - pop.share_consumer] = CONSUMER

        # indexed by founder type: other, young graduate, returnee
        skill_offset = np.array([0.0, pop.graduate_skill_offset, pop.returnee_skill_offset])
        capital_multiplier = np.array(
            [1.0, pop.graduate_capital_multiplier, pop.returnee_capital_multiplier]
        )
        # the four normal attributes in one call (rows: quality, capital, bank's and incubator's noise)
        quality, capital, bank_noise, incubator_noise = normal_quantile(u[_NORMAL_COLUMNS])
        log_quality = behaviour.quality_log_sd * quality + skill_offset[founder_type]
        return {
            "founder_type": founder_type,
            "sector": sector,
            "log_quality": log_quality,
            "log_quality_entry": log_quality,
            "log_quality_permanent": log_quality,
            "own_capital": (
                pop.own_capital_median_yuan
                * capital_multiplier[founder_type]
                * np.exp(pop.own_capital_log_sd * capital)
            ),
            "has_collateral": u[_U_COLLATERAL] < self.scenario.bank.collateral_share,
            "initial_employees": 1 + np.searchsorted(self._team_size_cdf, u[_U_TEAM], side="right").astype(np.int32),
            "u_register": u[_U_REGISTER],
            "u_loan_apply": u[_U_LOAN_APPLY],
            "bank_noise": bank_noise,
            "u_incubation_apply": u[_U_INCUBATION_APPLY],
            "incubator_noise": incubator_noise,
            "u_state_premises": u[_U_STATE_PREMISES],
            "u_take_up": u[_U_TAKE_UP],
            "growth_oriented": u[_U_GROWTH] < behaviour.growth_oriented_share,
        }

    def add_founders(self, month: int, founders: dict[str, np.ndarray], written: bool = False) -> np.ndarray:
        """Give the nascent founders ``founders`` (:meth:`founders_from`) the next slots.

        Args:
            month: Absolute month of arrival.
            founders: Per-founder values by array name.
            written: Whether :meth:`write_founders` already wrote them into the slots after the
                last one (ahead, :mod:`sim.core.lookahead`); then they only become part of the
                population.

        Returns:
            Indices of the new slots.
        """
        k = founders["founder_type"].size
        if not written:
            self._grow(self.n + k)
            self.write_founders(self.n, month, founders)
        self.n += k
        return np.arange(self.n - k, self.n)

    def write_founders(self, start: int, month: int, founders: dict[str, np.ndarray]) -> None:
        """Write nascent founders arriving in ``month`` into the slots from ``start`` on (within
        :attr:`capacity`) without adding them to the population.

        Slots from :attr:`n` on are read and written by nothing else until they are added, so next
        month's founders may be written ahead, in another thread, while the month goes on.
        """
        new = slice(start, start + founders["founder_type"].size)
        self._clear(new)
        self.arrival_month[new] = month
        for name, values in founders.items():
            getattr(self, name)[new] = values

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

    def age_months(self, idx: np.ndarray, month: int) -> np.ndarray:
        """Age of firms ``idx`` in months at ``month`` (0 in the month of registration).

        Memoised for the index array last asked about (by identity) in the same month, since the
        live firms' age is needed by several rules and programmes each month; registration
        forgets it. Callers must not modify the result.
        """
        memo_idx, memo_month, memo_age = self._age_memo
        if idx is memo_idx and month == memo_month:
            return memo_age
        age = np.subtract(month, self.start_month[idx], dtype=np.intp)  # intp: looked up in tables without a cast
        self._age_memo = (idx, month, age)
        return age

    @staticmethod
    def _table(table: np.ndarray, needed: int, compute) -> np.ndarray:
        """``table`` if it has ``needed`` entries, else ``compute(0, 1, ...)`` over a larger range."""
        if needed <= table.size:
            return table
        return compute(np.arange(max(needed, 2 * table.size, 64), dtype=np.int64))

    def staff_power(self, staff: np.ndarray) -> np.ndarray:
        """``staff ** returns_to_scale`` for integer staff counts (float64), looked up in a table.

        The table holds ``np.power(float(n), returns_to_scale)``, the same operation as on the
        staff directly; counts beyond :data:`STAFF_TABLE_MAX` (or negative) are computed directly.
        """
        beta = self.behaviour.returns_to_scale
        if staff.size == 0:
            return np.zeros(0)
        top = int(staff.max()) + 1
        if top > STAFF_TABLE_MAX or int(staff.min()) < 0:
            return np.power(staff.astype(np.float64), beta)
        # the table in a local name: two halves (sim.core.lookahead.in_two_halves) may each extend it
        table = self._staff_power = self._table(self._staff_power, top, lambda n: np.power(n.astype(np.float64), beta))
        return table[staff.astype(np.intp, copy=False)]  # intp: other indices are cast slowly

    def ramp_share(self, age: np.ndarray) -> np.ndarray:
        """Share of full revenue a firm reaches ``age`` months after registration (table lookup)."""
        b = self.behaviour
        gap, months = 1.0 - b.ramp_start_share, b.ramp_up_months
        if age.size == 0 or int(age.min()) < 0:
            return 1.0 - gap * np.exp(-age / months)
        table = self._ramp = self._table(  # the local one: halves may race
            self._ramp, int(age.max()) + 1, lambda n: 1.0 - gap * np.exp(-n.astype(age.dtype) / months)
        )
        return table[age.astype(np.intp, copy=False)]  # intp: other indices are cast slowly

    def revenue_factor(
        self, idx: np.ndarray, month: int, extra_log_productivity: np.ndarray | float = 0.0,
        log_quality: np.ndarray | None = None, age: np.ndarray | None = None, out: np.ndarray | None = None,
    ):
        """Revenue of firms ``idx`` per unit of demand and of ``staff ** returns_to_scale`` (yuan/month).

        Revenue = factor x demand x staff^returns_to_scale; the factor holds the firm's
        productivity (quality, random walk, lasting boosts and ``extra_log_productivity``) and its
        ramp-up since registration. ``log_quality`` and ``age``: the firms' log quality
        (``self.log_quality[idx]``) and age in months if the caller has them, saving gathers;
        ``out``: an array to write the factor into.
        """
        ramp = self.ramp_share(self.age_months(idx, month) if age is None else age)
        log_quality = self.log_quality[idx] if log_quality is None else log_quality
        if self._boosted:
            factor = np.add(log_quality, self.log_boost[idx], out=out)
            factor += extra_log_productivity
        else:  # log_boost all zero: adding it changes no exponent (at most the sign of a zero)
            factor = np.add(log_quality, extra_log_productivity, out=out)
        np.exp(factor, out=factor)
        np.multiply(self.revenue_scale(), factor, out=factor)
        factor *= ramp
        return factor

    def revenue_yuan(
        self, idx: np.ndarray, employees: np.ndarray, demand: np.ndarray, month: int
    ) -> np.ndarray:
        """Expected monthly revenue of firms ``idx`` at a given staff count (no transitory noise)."""
        staff_term = np.power(np.maximum(employees, 0), self.scenario.behaviour.returns_to_scale)
        return self.revenue_factor(idx, month) * demand * staff_term

    def monthly_cost_yuan(self, employees: np.ndarray) -> np.ndarray:
        """Gross monthly costs of a firm with ``employees`` staff (yuan)."""
        cost = np.multiply(employees, self.cost_per_person_yuan())  # in place below: an array, or a numpy number
        cost += self.scenario.behaviour.fixed_cost_yuan_month
        return cost

    def expected_start_cost_yuan(self, idx: np.ndarray) -> np.ndarray:
        """A founder's expected first-year gross costs at the initial size (yuan)."""
        return 12.0 * self.monthly_cost_yuan(self.initial_employees[idx])

    # ------------------------------------------------------------------ tables
    def firm_columns(
        self, month_labels: list[str], start_month: int, names: Collection[str] | None = None,
    ) -> dict[str, np.ndarray | CodedColumn]:
        """The firm table's columns as numpy arrays, one row per registered firm (see README).

        Categorical columns (months, exit reason, founder type, sector, grant type) are
        :class:`CodedColumn` s; :meth:`firm_table` makes the pandas table of them, and the metrics
        and the Parquet writer read them without pandas.

        Args:
            month_labels: The run's months as "YYYY-MM" labels.
            start_month: Absolute month of the first label.
            names: Only these columns, in the table's order (None: every column). A metrics-only
                run computes just the columns its metrics read.
        """
        idx = np.flatnonzero(self.registered[: self.n])
        months = tuple(month_labels)

        def label(values: np.ndarray) -> CodedColumn:
            """Months as ordered codes into the "YYYY-MM" labels (-1 where not set)."""
            return CodedColumn(np.where(values == NOT_SET, -1, values - start_month), months, ordered=True)

        # each column as a function: only the columns asked for are computed
        makers: dict[str, Callable[[], np.ndarray | CodedColumn]] = {
            "firm_id": lambda: idx.astype(np.int64),
            "start_month": lambda: label(self.start_month[idx]),
            "exit_month": lambda: label(self.exit_month[idx]),
            "censored": lambda: ~(self.exit_month[idx] != NOT_SET),
            "lifetime_months": lambda: self.lifetime_months(idx, start_month + len(month_labels) - 1),
            "exit_reason": lambda: CodedColumn(
                np.where(self.exit_reason[idx] < 0, 0, self.exit_reason[idx] + 1),
                ("alive", "cash_out", "voluntary", "non_economic"),
            ),
            "founder_type": lambda: CodedColumn(self.founder_type[idx], FOUNDER_TYPES),
            "sector": lambda: CodedColumn(self.sector[idx], SECTORS),
            "log_quality_at_entry": lambda: self.log_quality_entry[idx],
            "own_capital_yuan": lambda: self.own_capital[idx],
            "collateral": lambda: self.has_collateral[idx],
            "trained": lambda: self.trained[idx],
            "incubated": lambda: self.ever_incubated[idx],
            "loan": lambda: self.loan_disbursed_total[idx] > 0,
            "loan_yuan": lambda: self.loan_disbursed_total[idx],
            "loan_guaranteed": lambda: self.loan_guaranteed[idx],
            "startup_loan": lambda: self.startup_loan[idx],
            "loan_defaulted": lambda: self.loan_defaulted[idx],
            "emergency_loan": lambda: self.emergency_loan[idx],
            "grant_type": lambda: CodedColumn(
                np.where(self.grant_type[idx] < 0, 0, self.grant_type[idx] + 1), ("none", "innovation", "technology")
            ),
            "high_tech": lambda: self.high_tech_month[idx] != NOT_SET,
            "little_giant": lambda: self.little_giant_month[idx] != NOT_SET,
            "first_support_month": lambda: label(self.first_support_month[idx]),
            "loan_month": lambda: label(self.loan_month[idx]),
            "grant_month": lambda: label(self.grant_month[idx]),
            "initial_employees": lambda: self.initial_employees[idx],
            "employees": lambda: np.where(self.alive[idx], self.employees[idx], 0),
            "peak_employees": lambda: self.peak_employees[idx],
        }
        support_names = [f"support_{name}_yuan" for name in PROGRAMMES]
        every = [*makers, *support_names, "support_total_yuan", "helped", "helped_narrow"]
        wanted = set(every if names is None else names)
        if not wanted.issubset(every):
            raise KeyError(f"firm_columns: no such columns: {sorted(wanted.difference(every))}")
        columns: dict[str, np.ndarray | CodedColumn] = {name: make() for name, make in makers.items() if name in wanted}
        if wanted.intersection([*support_names, "support_total_yuan"]):
            support = [row[idx] for row in self.support_yuan]  # row views: 1-D indexing is faster
            for name, column in zip(support_names, support, strict=True):
                if name in wanted:
                    columns[name] = column
            if "support_total_yuan" in wanted:
                columns["support_total_yuan"] = pairwise_row_sum(support)
        if "helped" in wanted:
            columns["helped"] = self.helped(idx)
        if "helped_narrow" in wanted:
            columns["helped_narrow"] = self.helped_narrow(idx)
        return columns

    def firm_table(self, month_labels: list[str], start_month: int) -> pd.DataFrame:
        """One row per registered firm (see README for the columns): :meth:`firm_columns` as a table."""
        return firm_frame(self.firm_columns(month_labels, start_month))

    def lifetime_months(self, idx: np.ndarray, last_month: int) -> np.ndarray:
        """Months a firm operated: to its exit month, or to the end of the run if still alive."""
        end = np.where(self.exit_month[idx] != NOT_SET, self.exit_month[idx], last_month)
        return (end - self.start_month[idx] + 1).astype(np.int64)

    def mark_supported(self, idx: np.ndarray, month: int, row: int | None = None) -> None:
        """Record the first month a founder received public support (from programme ``row``, if given).

        A founder with a first month from a programme has a first month of any support, so with
        ``row`` only the founders new to that programme need the second test.
        """
        if row is not None:
            first = self.first_support_by_programme[row]
            idx = idx[first[idx] == NOT_SET]
            first[idx] = month
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

    def helped_narrow(self, idx: np.ndarray) -> np.ndarray:
        """Founder was helped by a start-up service (the narrow reading of 001:21).

        Only the services that help someone *start* a business count: a training place before
        founding, an incubation place, a guaranteed or interest-subsidised start-up loan (taken
        when the firm opens; emergency loans do not count) or a start-up subsidy, each within the
        firm's first ``measurement.helped_window_months`` months. Talent housing, rent relief,
        growth grants and the 2022 relief measures do not count.
        """
        window = self.scenario.measurement.helped_window_months
        start = self.start_month[idx]

        def within(first: np.ndarray) -> np.ndarray:
            return (first != NOT_SET) & (first - start < window)

        helped = self.startup_loan[idx]
        for name in NARROW_HELP_PROGRAMMES:
            helped |= within(self.first_support_by_programme[PROGRAMMES.index(name)][idx])
        return self.registered[idx] & helped
