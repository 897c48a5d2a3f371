"""A firm's dealings with institutions: the only methods through which programmes, incubation
bases and the bank change a firm.

Support paid to a firm's cash or booked to a programme (its row of ``support_yuan``), training,
grants and productivity gains, incubation, and loans booked, repaid and written off.
:class:`FirmDealings` adds them to the arrays of :class:`sim.core.population.FirmArrays`;
:class:`sim.core.firms.FirmPopulation` adds the firm rules on top. Each method takes firm slots,
each slot at most once per call.
"""

from __future__ import annotations

import numpy as np

from sim.core.population import PROGRAMMES, FirmArrays

PAID_OFF_YUAN = 1e-6
"""A loan balance below this (yuan) counts as repaid (rounding of equal instalments)."""


class FirmDealings(FirmArrays):
    """Firm arrays with the methods institutions use to change a firm (see the module docstring)."""

    _incubated_memo: tuple = (None, None)  # (index array, positions of its incubated firms)

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
        self._book_support(row, idx, paid_yuan, month)

    def _book_support(self, row: int, idx: np.ndarray, paid_yuan: np.ndarray, month: int):
        """:meth:`book_support`; returns the firms paid and what each was paid (yuan)."""
        positive = np.flatnonzero(paid_yuan > 0)  # an index list: cheaper than a boolean mask
        if positive.size == idx.size:
            receiving, paid = idx, paid_yuan
        else:
            receiving, paid = idx.take(positive), paid_yuan.take(positive)
        # ufunc.at on the row's view: with each slot at most once the same sums as ``+=``, about twice as fast
        np.add.at(self.support_yuan[row], receiving, paid)
        self.mark_supported(receiving, month, row)
        return receiving, paid

    def pay(self, row: int, idx: np.ndarray, paid_yuan: np.ndarray, month: int) -> None:
        """Pay cash to firms ``idx`` (each at most once), booked as programme ``row``'s support."""
        receiving, paid = self._book_support(row, idx, paid_yuan, month)
        np.add.at(self.cash, receiving, paid)

    def train(self, idx: np.ndarray, month: int, log_productivity_gain: float) -> None:
        """Founders ``idx`` complete training: a lasting productivity gain."""
        self.trained[idx] = True
        self.mark_supported(idx, month, self.programme_row("training"))
        self.log_boost[idx] += log_productivity_gain
        self._boosted = True

    def raise_productivity(self, idx: np.ndarray, log_productivity_gain: float) -> None:
        """A lasting gain in the log productivity of firms ``idx`` (funded R&D, each at most once)."""
        self.log_boost[idx] += log_productivity_gain
        self._boosted = True

    def record_grant(self, idx: np.ndarray, kind: int, month: int) -> None:
        """Firms ``idx`` receive a growth grant of type ``kind`` (see the firm table's ``grant_type``)."""
        self.grant_type[idx] = kind
        self.grant_month[idx] = month

    def incubated_positions(self, idx: np.ndarray) -> np.ndarray:
        """Positions in ``idx`` of the firms incubated now (sorted).

        Memoised for the index array last asked about (by identity), since the month's mentoring, rent
        discounts and rent relief all ask about the live firms; starting or ending an incubation (or a
        firm's closing) forgets it. Callers must not modify the result.
        """
        memo_idx, positions = self._incubated_memo
        if idx is not memo_idx:
            positions = np.flatnonzero(self.incubated[idx])
            self._incubated_memo = (idx, positions)
        return positions

    def start_incubation(self, idx: np.ndarray, base_id: int, month: int) -> None:
        """Firms ``idx`` move into incubation base ``base_id``."""
        self.incubated[idx] = True
        self._incubated_memo = (None, None)
        self.ever_incubated[idx] = True
        self.incubator[idx] = base_id
        self.incubation_start[idx] = month
        self.mark_supported(idx, month, self.programme_row("incubation"))

    def extend_incubation(self, idx: np.ndarray) -> None:
        """Firms ``idx`` are granted the extension of their incubation period."""
        self.incubation_extended[idx] = True

    def end_incubation(self, idx: np.ndarray) -> None:
        """Firms ``idx`` leave their base."""
        self.incubated[idx] = False
        self._incubated_memo = (None, None)

    def tenants(self) -> np.ndarray:
        """Firms incubated now."""
        return np.flatnonzero(self.incubated[: self.n])

    # --------------------------------------------------------------- loans
    def book_loan(
        self, idx: np.ndarray, amount_yuan: np.ndarray, rate_pct: float, term_months: np.ndarray | int, month: int,
        guaranteed: np.ndarray, subsidised: np.ndarray,
    ) -> None:
        """New loans to firms ``idx``: principal credited to cash, equal instalments over the term."""
        self.loan_balance[idx] = amount_yuan
        self.loan_rate[idx] = rate_pct / 100.0
        self.loan_instalment[idx] = amount_yuan / term_months
        self.loan_month[idx] = month
        np.add.at(self.loan_disbursed_total, idx, amount_yuan)  # each slot once: as ``+=``, faster
        supported = idx[guaranteed | subsidised]
        if supported.size:  # none without the loan programme
            self.mark_supported(supported, month, self.programme_row("loan_interest_subsidy"))
            # a start-up loan is taken when the firm opens; later ones (emergency loans) are not
            opening = (self.start_month[supported] == month) & ~self.emergency_loan[supported]
            self.startup_loan[supported[opening]] = True
        self.loan_guaranteed[idx] = guaranteed
        self.loan_subsidised[idx] = subsidised
        np.add.at(self.cash, idx, amount_yuan)

    def mark_emergency_loan(self, idx: np.ndarray) -> None:
        """Firms ``idx`` take an emergency loan (at most one per firm)."""
        self.emergency_loan[idx] = True  # :meth:`book_loan` then does not count it as a start-up loan

    def repay_instalments(self, borrowers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Take this month's principal instalment off each balance (paid from the operating account).

        Returns:
            ``(repaid_yuan, finished)``: principal repaid and whether the loan is now repaid.
        """
        repay = np.minimum(self.loan_instalment[borrowers], self.loan_balance[borrowers])
        np.subtract.at(self.loan_balance, borrowers, repay)  # each slot once: as ``-=``, faster
        finished = self.loan_balance[borrowers] <= PAID_OFF_YUAN
        self.loan_balance[borrowers[finished]] = 0.0
        return repay, finished

    def settle_from_cash(self, owing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Closing firms repay what they can of their loans from their remaining cash.

        Returns:
            ``(settled_yuan, paid_off)``: what each repaid, and the firms now clear of debt.
        """
        settled = np.minimum(np.maximum(self.cash[owing], 0.0), self.loan_balance[owing])
        np.subtract.at(self.loan_balance, owing, settled)  # each slot once: as ``-=``, faster
        np.subtract.at(self.cash, owing, settled)
        paid_off = owing[self.loan_balance[owing] <= PAID_OFF_YUAN]
        self.loan_balance[paid_off] = 0.0
        return settled, paid_off

    def default_loans(self, idx: np.ndarray) -> None:
        """Loans of firms ``idx`` are written off as defaults."""
        self.loan_defaulted[idx] = True
        self.loan_balance[idx] = 0.0
