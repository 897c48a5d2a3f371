"""The programme interface: every hook the month calls, and an annual budget never overspent.

A lever is one :class:`Programme` subclass in its own module, one table in the schema's
``policy`` section and one entry in :mod:`sim.policy.registry`. The model calls the hooks below
on every programme, in registry order, at fixed points of the month (see
:meth:`sim.core.model.StartupEcosystem.step`); each hook's default does nothing, so a programme
implements only the hooks of its mechanism. A programme sees the model only through its
:class:`sim.core.context.Context` and changes firms only through the population's methods.

Budgets bind evenly over the year: a programme's month may spend at most what is left of the
calendar year's budget divided by the months left in the year (January: a twelfth; December: all
that is left), so a binding budget pays every month a share of what firms are entitled to instead
of paying in full until spring and nothing after. Unspent allowance rolls over to the next month.
Annual awards (grants decided once a year) are not paced, and contracts (guarantee payouts) are
paid in full outside the annual budget but booked as spend. Each programme records what firms
were entitled to and what it paid; firms and founders plan on the support they can expect to
receive, :meth:`Programme.expected_paid_share` (the paid share of entitlements over the last 12
months) times the nominal amount, so a lever's effect scales with the money it spends.

Money paid to firms follows one rule: a lump sum (opening subsidy, grant) is credited to the
firm's cash by :meth:`Programme.pay_first_come` with ``to_cash=True``; recurring support that
lowers a firm's costs is returned by :meth:`Programme.pay_monthly` and enters the firm's
operating account; money paid to third parties on a firm's behalf (training providers,
incubation services, lenders) is booked as the firm's support without touching its cash.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import numpy as np

from sim.core.bank import Bank, LoanTerms
from sim.core.context import Context
from sim.core.firms import MonthAccount
from sim.core.mesa_core import mesa

BUDGET_TOLERANCE_YUAN = 1e-6
"""Rounding slack when a one-off grant meets the last yuan of a budget."""
EXPECTATION_WINDOW_MONTHS = 12
"""Months of payment history over which firms judge the share of their entitlement a programme
pays (last year's record; assumption: planners and founders look back one budget year)."""
MONTHS_PER_YEAR = 12
_NOTHING_IN_WINDOW = (0.0,) * EXPECTATION_WINDOW_MONTHS  # the amount of a month without a record (yuan)

# Order of the monthly payments (and, reversed, of the per-person support sum): discounts at the
# premises first, then subsidies on the rent still due, then the rest in registry order.
PREMISES, RENT, STAFF = 0, 1, 2

T = TypeVar("T")


class Programme(mesa.Agent):
    """A government programme acting on the firm population with vectorised payments.

    Subclasses set ``name`` (the lever's table in the schema's ``policy`` section) and implement
    the hooks of their mechanism. Payments go through :meth:`pay_pro_rata` or
    :meth:`pay_first_come`, which keep the calendar year's spend within ``annual_budget_yuan``
    and book each firm's support to the programme.
    """

    name: ClassVar[str] = ""
    monthly_phase: ClassVar[int] = STAFF
    """When :meth:`pay_monthly` runs: :data:`PREMISES`, :data:`RENT` or :data:`STAFF`."""

    def __init__(self, ctx: Context, settings: Any) -> None:
        """Build the programme.

        Args:
            ctx: Clock, scale, firms, random streams and Mesa registration.
            settings: The lever's validated table (``enabled``, ``annual_budget_yuan`` and its own
                parameters).
        """
        super().__init__(ctx.agents)
        self.ctx = ctx
        self.settings = settings
        self.enabled: bool = settings.enabled
        self.annual_budget_yuan = settings.annual_budget_yuan * ctx.scale if self.enabled else 0.0
        self.spent_by_year: dict[int, float] = defaultdict(float)
        """Spend within the annual budget, by calendar year (yuan)."""
        self.rationed_years: set[int] = set()
        """Calendar years in which a month's allowance could not pay every entitlement in full."""
        self.contract_spent_by_year: dict[int, float] = defaultdict(float)
        """Spend on contracts outside the annual budget (guarantee payouts), by year (yuan)."""
        self.spent_this_month = 0.0
        """All spend this month, budgeted and contracted (yuan)."""
        self._budget_spent_this_month = 0.0
        self.contract_spent_this_month = 0.0
        """Spend on contracts outside the annual budget this month (yuan)."""
        self.entitled_by_month: dict[int, float] = defaultdict(float)
        """What firms were entitled to under budgeted payments, by absolute month (yuan)."""
        self.paid_by_month: dict[int, float] = defaultdict(float)
        """What budgeted payments paid, by absolute month (yuan)."""
        self.row = ctx.firms.programme_row(self.name)
        self._account_memo: tuple[weakref.ref | None, Any] = (None, None)

    def once_per_account(self, account: MonthAccount, compute: Callable[[MonthAccount], T]) -> T:
        """``compute(account)``, computed once for each month's account and reused by the hooks
        that see the same account (:meth:`pay_monthly`, :meth:`planned_per_person_support_yuan`).

        For what does not change between those hooks (firms' age, staff, take-up, incubation);
        one computation per programme: only the last account and its value are remembered, and
        only as long as the account exists. Callers must not modify the result.
        """
        ref, value = self._account_memo
        if ref is not None and ref() is account:
            return value
        value = compute(account)
        self._account_memo = (weakref.ref(account), value)
        return value

    def acts(self, *hooks: str) -> bool:
        """Whether any of the hooks named ``hooks`` may do anything: the programme is enabled and its
        class overrides the hook.

        :class:`Programme`'s own hooks do nothing, and neither do a disabled programme's (whatever
        its class overrides), so the model calls each hook only on the programmes that act on it
        (``enabled`` is fixed when the model is built). :meth:`start_month` and
        :meth:`monthly_record` are called on every programme.
        """
        return self.enabled and self.overrides(*hooks)

    @classmethod
    def overrides(cls, *hooks: str) -> bool:
        """Whether the class overrides any of the :class:`Programme` hooks named ``hooks``."""
        return any(getattr(cls, hook) is not getattr(Programme, hook) for hook in hooks)

    @classmethod
    def from_policy(cls, ctx: Context, policy: Any) -> Programme:
        """Build from the scenario's whole ``policy`` section (override to pass what else it needs)."""
        return cls(ctx, getattr(policy, cls.name))

    @property
    def firms(self):
        """The firm population (see :class:`sim.core.population.FirmPopulation`)."""
        return self.ctx.firms

    # ---------------------------------------------------------------- budget
    def remaining_budget_yuan(self) -> float:
        """Budget left in the current calendar year (yuan)."""
        year = self.ctx.clock.year
        return max(0.0, self.annual_budget_yuan - self.spent_by_year[year])

    def month_allowance_yuan(self) -> float:
        """What the programme may still spend this month under the even pacing of its budget (yuan).

        The budget left at the start of the month divided by the months left in the calendar year,
        less what this month has already spent.
        """
        months_left = MONTHS_PER_YEAR + 1 - self.ctx.clock.calendar_month
        at_start = self.remaining_budget_yuan() + self._budget_spent_this_month
        return max(0.0, at_start / months_left - self._budget_spent_this_month)

    def expected_paid_share(self) -> float:
        """Share of their entitlement firms expect this programme to pay (0-1).

        The paid share of all budgeted entitlements over the last
        :data:`EXPECTATION_WINDOW_MONTHS` months (this month included); before any entitlement
        arose, 1 if the programme has a budget, else 0.
        """
        if not self.enabled:
            return 0.0
        month = self.ctx.clock.month
        window = range(month - EXPECTATION_WINDOW_MONTHS + 1, month + 1)
        entitled = sum(map(self.entitled_by_month.get, window, _NOTHING_IN_WINDOW))
        if entitled <= 0:
            return 1.0 if self.annual_budget_yuan > 0 else 0.0
        paid = sum(map(self.paid_by_month.get, window, _NOTHING_IN_WINDOW))
        return min(1.0, paid / entitled)

    def _record_entitlement(self, requested_yuan: float, paid_yuan: float) -> None:
        month = self.ctx.clock.month
        self.entitled_by_month[month] += requested_yuan
        self.paid_by_month[month] += paid_yuan

    def _book(
        self, idx: np.ndarray, paid: np.ndarray, to_cash: bool, contract: bool = False, total: float | None = None
    ) -> np.ndarray:
        """Book ``paid`` (yuan per firm ``idx``; ``total``: its sum, if known) as spend and support."""
        if total is None:
            total = float(paid.sum())
        if total <= 0:
            return paid
        year = self.ctx.clock.year
        if contract:
            self.contract_spent_by_year[year] += total
            self.contract_spent_this_month += total
        else:
            self.spent_by_year[year] += total
            self._budget_spent_this_month += total
        self.spent_this_month += total
        if to_cash:
            self.firms.pay(self.row, idx, paid, self.ctx.clock.month)
        else:
            self.firms.book_support(self.row, idx, paid, self.ctx.clock.month)
        return paid

    @staticmethod
    def per_employee_support(account: MonthAccount, eligible: np.ndarray, yuan_per_person: float) -> np.ndarray:
        """Support per person (yuan/person/month) for the firms of ``account``: ``yuan_per_person`` at the
        positions ``eligible``, 0 elsewhere.
        """
        per_person = np.zeros(account.idx.size)
        per_person[eligible] = yuan_per_person
        return per_person

    def pay_per_employee(self, account: MonthAccount, eligible: np.ndarray, yuan_per_person: float) -> np.ndarray:
        """Pay ``yuan_per_person`` for each employee of the firms at positions ``eligible`` of ``account``
        within the paced budget (:meth:`pay_pro_rata`); returns the yuan paid per firm of the account.
        """
        requested = np.zeros(account.idx.size)
        requested[eligible] = yuan_per_person * account.employees[eligible]
        return self.pay_pro_rata(account.idx, requested, among=eligible)

    def pay_pro_rata(self, idx: np.ndarray, requested_yuan: np.ndarray, among: np.ndarray | None = None) -> np.ndarray:
        """Pay recurring support; if the month's allowance is short, everyone gets the same share.

        The support is booked to each firm but not credited to its cash: the caller returns it
        to the firm's operating account (or it goes to a third party).

        Args:
            idx: Firm slots, each at most once.
            requested_yuan: What each firm is entitled to this month.
            among: Positions in ``idx`` (sorted) of the only firms that may request anything, if the
                caller knows them: the booking then looks for the firms paid among them only.

        Returns:
            What each firm is paid (yuan).
        """
        if not self.enabled or idx.size == 0:
            return np.zeros(idx.size)
        requested = np.maximum(np.asarray(requested_yuan, dtype=np.float64), 0.0)
        total = requested.sum()
        allowance = self.month_allowance_yuan()
        if total <= allowance:
            paid, paid_total = requested, float(total)
        else:
            paid = requested * (allowance / total)
            paid_total = float(paid.sum())
            self.rationed_years.add(self.ctx.clock.year)
        self._record_entitlement(float(total), paid_total)
        if among is not None and paid_total > 0:
            self._book(idx.take(among), paid.take(among), to_cash=False, total=paid_total)
            return paid
        return self._book(idx, paid, to_cash=False, total=paid_total)

    def pay_first_come(
        self, idx: np.ndarray, requested_yuan: np.ndarray, to_cash: bool, paced: bool = True
    ) -> np.ndarray:
        """Pay one-off amounts in order of ``idx`` until the month's allowance (or the year's
        budget) runs out.

        Args:
            idx: Firm slots in order of application, each at most once.
            requested_yuan: What each firm is entitled to.
            to_cash: Credit the amounts to the firms' cash (a grant), or only book them as the
                firms' support (paid to a third party on their behalf).
            paced: Limit to the month's allowance (applications processed month by month); False
                for awards decided once a year, which may use all the year's budget left.

        Returns:
            What each firm is paid (yuan); firms after the money ran out get nothing.
        """
        if not self.enabled or idx.size == 0:
            return np.zeros(idx.size)
        requested = np.maximum(np.asarray(requested_yuan, dtype=np.float64), 0.0)
        available = self.month_allowance_yuan() if paced else self.remaining_budget_yuan()
        within = np.cumsum(requested) <= available + BUDGET_TOLERANCE_YUAN
        paid = np.where(within, requested, 0.0)
        if not within.all():
            self.rationed_years.add(self.ctx.clock.year)
        paid_total = float(paid.sum())
        self._record_entitlement(float(requested.sum()), paid_total)
        return self._book(idx, paid, to_cash, total=paid_total)

    def pay_contract(self, idx: np.ndarray, owed_yuan: np.ndarray) -> np.ndarray:
        """Pay what contracts oblige in full (e.g. guarantee payouts), outside the annual budget.

        Booked as the firms' support and as the programme's spend (paid to a third party).

        Returns:
            What each firm's contract paid (yuan).
        """
        if not self.enabled or idx.size == 0:
            return np.zeros(idx.size)
        owed = np.maximum(np.asarray(owed_yuan, dtype=np.float64), 0.0)
        return self._book(idx, owed, to_cash=False, contract=True)

    # ----------------------------------------------------------------- hooks
    def start_month(self) -> None:
        """First thing each month: reset the month's spend counters (extend to open capacity)."""
        self.spent_this_month = 0.0
        self._budget_spent_this_month = 0.0
        self.contract_spent_this_month = 0.0

    def lending_terms(self) -> LoanTerms | None:
        """Public loan support this programme offers the bank (None: none)."""
        return None

    def connect_lender(self, bank: Bank) -> None:
        """Called once with the district's bank, for programmes that act through it."""

    def on_arrival(self, new: np.ndarray) -> None:
        """Called when this month's nascent founders have arrived (before they decide to register)."""

    def expected_first_year_support_yuan(self, idx: np.ndarray) -> np.ndarray:
        """Value of this programme's support a nascent founder expects in the first year (yuan).

        Feeds the registration decision; zero unless the programme offers something up front.
        """
        return np.zeros(idx.size)

    def planned_first_year_support_yuan(self, idx: np.ndarray) -> np.ndarray | None:
        """First-year support a nascent founder plans on: the nominal value times the share of
        entitlements the programme can be expected to pay (yuan); None when the programme is off or
        offers nothing up front (does not override :meth:`expected_first_year_support_yuan`).
        """
        offers = type(self).expected_first_year_support_yuan is not Programme.expected_first_year_support_yuan
        if not self.enabled or not offers:
            return None
        return self.expected_paid_share() * self.expected_first_year_support_yuan(idx)

    def pay_at_opening(self, born: np.ndarray) -> None:
        """Called when this month's new firms have registered and borrowed."""

    def admit(self, alive: np.ndarray) -> np.ndarray:
        """Admit live firms to the programme's places; returns the newly admitted firms."""
        return alive[:0]

    def pay_at_admission(self, admitted: np.ndarray) -> None:
        """Firms were admitted to a place this month (by any programme)."""

    def log_productivity_bonus(self, idx: np.ndarray) -> np.ndarray | None:
        """Gain in log productivity this month only (e.g. mentoring); None for none."""
        return None

    def pay_monthly(self, account: MonthAccount) -> np.ndarray | None:
        """Recurring support to live firms this month; returns what enters their operating account.

        Runs in :attr:`monthly_phase` order; a programme may update the account's rent fields for
        the ones after it. None for nothing credited.
        """
        return None

    def per_person_support_yuan(self, account: MonthAccount) -> np.ndarray | None:
        """Support per additional employee (yuan/person/month), which lowers the net cost of
        staff in hiring decisions; None for none.
        """
        return None

    def planned_per_person_support_yuan(self, account: MonthAccount) -> np.ndarray | None:
        """Support per additional employee a firm plans on: the nominal value times the share of
        entitlements the programme can be expected to pay (yuan/person/month); None for none.
        """
        value = self.per_person_support_yuan(account)
        return None if value is None else self.expected_paid_share() * value

    def emergency_measures(self, idx: np.ndarray, monthly_cost_yuan: np.ndarray) -> None:
        """Measures for live firms in the months of a relief-package shock."""

    def awards_due(self) -> bool:
        """Whether :meth:`annual_awards` may award anything this month (the model computes the
        survivors' expected revenue, and calls the hook, only then): by default whenever the
        programme has awards; a programme that awards once a year narrows it to its award month.
        """
        return self.overrides("annual_awards")

    def annual_awards(self, survivors: np.ndarray, expected_revenue_yuan: np.ndarray) -> None:
        """Month's end, after exits and hiring: award grants (called when :meth:`awards_due`)."""

    def end_month(self) -> None:
        """Last thing each month."""

    def monthly_record(self) -> dict[str, float]:
        """Extra columns of the monthly table (always the same keys, enabled or not)."""
        return {}

    def run_counts(self) -> dict[str, Any]:
        """Counts over the whole run that the outcome metrics need (always the same keys)."""
        return {}
