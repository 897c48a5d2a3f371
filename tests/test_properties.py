"""Accounting identities on random small scenarios (hypothesis, derandomized, no example database).

For any mix of levers, budgets (tight ones included, so budget rules bind), seeds and a 2022
relief-package shock:

- a firm's cash moves only by its own capital at registration, the monthly operating account
  (revenue - costs + support - interest - principal), cash payments from programmes, loans
  disbursed and what a closing firm settles;
- loans disbursed = repaid + defaulted + outstanding (yuan and counts);
- support booked to firms = each programme's spend, month by month and in total;
- no programme spends more than its annual budget in any year.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.core.model import StartupEcosystem
from sim.policy.registry import lever_names
from sim.scenario.files import load_scenario, validate_dict

ROOT = Path(__file__).resolve().parents[1]
BASE = load_scenario(ROOT / "scenarios" / "putuo" / "baseline.toml").model_dump(mode="python")
CHEAP = settings(max_examples=6, derandomize=True, database=None, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])


@st.composite
def small_scenarios(draw):
    data = {**BASE, "policy": {k: dict(v) for k, v in BASE["policy"].items()}}
    data["name"] = "property"
    data["period"] = {"start": "2021-07", "end": "2022-12"}  # the 2022 lockdown, with its relief package
    for name in lever_names():
        data["policy"][name]["enabled"] = draw(st.booleans())
        # from a budget that binds in the first month to an ample one
        data["policy"][name]["annual_budget_yuan"] *= draw(st.sampled_from([0.001, 0.05, 1.0, 5.0]))
    seed = draw(st.integers(0, 2**16))
    return validate_dict(data), seed


class CashLedger:
    """Records every flow that may change a firm's cash, by wrapping the population's methods."""

    def __init__(self, pop) -> None:
        self.pop = pop
        self.flows = defaultdict(float)
        for name in ("register", "close_account", "pay", "book_loan", "settle_from_cash"):
            setattr(pop, name, getattr(self, name))
        self._register = type(pop).register.__get__(pop)
        self._close = type(pop).close_account.__get__(pop)
        self._pay = type(pop).pay.__get__(pop)
        self._book_loan = type(pop).book_loan.__get__(pop)
        self._settle = type(pop).settle_from_cash.__get__(pop)

    def _add(self, idx, amounts) -> None:
        for i, amount in zip(np.asarray(idx).ravel(), np.broadcast_to(amounts, np.shape(idx)).ravel(), strict=True):
            self.flows[int(i)] += float(amount)

    def register(self, new, expected_support_yuan, month, entry_factor=1.0):
        born = self._register(new, expected_support_yuan, month, entry_factor=entry_factor)
        self._add(born, self.pop.own_capital[born])
        return born

    def close_account(self, account, support_yuan, interest_yuan, principal_yuan):
        profit = (account.revenue_yuan - account.wages_yuan - account.rent_yuan - account.fixed_yuan
                  + support_yuan - interest_yuan)
        self._add(account.idx, profit - principal_yuan)
        return self._close(account, support_yuan, interest_yuan, principal_yuan)

    def pay(self, row, idx, paid_yuan, month):
        self._add(idx, np.maximum(paid_yuan, 0.0))
        return self._pay(row, idx, paid_yuan, month)

    def book_loan(self, idx, amount_yuan, *args, **kwargs):
        self._add(idx, amount_yuan)
        return self._book_loan(idx, amount_yuan, *args, **kwargs)

    def settle_from_cash(self, owing):
        settled, paid_off = self._settle(owing)
        self._add(owing, -settled)
        return settled, paid_off


@CHEAP
@given(small_scenarios())
def test_accounting_identities_hold_on_random_small_scenarios(case):
    scenario, seed = case
    model = StartupEcosystem(scenario, seed=seed, scale=0.02)
    pop = model.population
    ledger = CashLedger(pop)
    booked_before = {p.name: 0.0 for p in model.programmes}
    while model.running:
        model.step()
        for programme in model.programmes:  # support booked to firms = spend, month by month
            booked = float(pop.support_yuan[programme.row, : pop.n].sum())
            assert booked - booked_before[programme.name] == pytest.approx(
                programme.spent_this_month, rel=1e-9, abs=1e-6), programme.name
            booked_before[programme.name] = booked
            assert model.records[-1][f"spend_{programme.name}_yuan"] == pytest.approx(
                programme.spent_this_month, rel=1e-12, abs=1e-9)

    n = pop.n
    expected = np.zeros(n)
    for i, amount in ledger.flows.items():
        expected[i] = amount
    np.testing.assert_allclose(pop.cash[:n], expected, rtol=1e-9, atol=1e-3)

    totals = model.bank.totals
    assert totals["disbursed_yuan"] == pytest.approx(
        totals["repaid_yuan"] + totals["defaulted_yuan"] + model.bank.outstanding_yuan(), rel=1e-9, abs=1e-3)
    assert totals["disbursed_count"] == (
        totals["repaid_count"] + totals["defaulted_count"] + int((pop.loan_balance[:n] > 0).sum()))
    assert pop.loan_disbursed_total[:n].sum() == pytest.approx(totals["disbursed_yuan"], rel=1e-9, abs=1e-3)

    for programme in model.programmes:
        for year, spent in programme.spent_by_year.items():
            assert spent <= programme.annual_budget_yuan + 1e-6, (programme.name, year)
        assert programme.enabled or sum(programme.spent_by_year.values()) == 0.0
