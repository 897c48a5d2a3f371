"""The job-retention lever (003:23, 002:33): its payment rule on a hand-made population, and its
effect in a full run under common random numbers."""

from __future__ import annotations

from pathlib import Path

import handmade
import numpy as np
import pytest

from sim.calendar import parse_month
from sim.core.context import Clock, Context
from sim.core.firms import SHOCK_ROWS, FirmPopulation
from sim.core.population import CONSUMER, N_UNIFORMS, TECH
from sim.experiments.simulate import simulate
from sim.policy.job_retention import JobRetentionProgramme
from sim.scenario.files import load_scenario
from sim.scenario.policy_tables import JobRetention

ROOT = Path(__file__).resolve().parents[1]
APRIL = parse_month("2022-04")


def hand_made_firms(rows: list[dict]) -> FirmPopulation:
    """Registered, live firms of the given sector and staff, two years old in April 2022, with 100,000
    yuan each; a row with ``knows: False`` does not take up support."""
    rows = [{"sector": r["sector"], "staff": r["staff"], "age": 24, "u_take_up": 0.0 if r.get("knows", True) else 0.99}
            for r in rows]
    return handmade.hand_made_firms(rows, month=APRIL, arrived_months_ago=24, cash_yuan=100_000.0)


def month(ctx: Context, firms: FirmPopulation, programme: JobRetentionProgramme, since_start: int) -> np.ndarray:
    """One month of the shock: the clock moves, the programme starts the month and pays."""
    ctx.clock = Clock(month=APRIL + since_start, t=since_start, relief_months_since_start=since_start)
    programme.start_month()
    alive = np.flatnonzero(firms.alive[: firms.n])
    account = firms.open_account(alive, np.zeros((SHOCK_ROWS, alive.size)), 0.0, np.ones(alive.size), ctx.clock.month)
    return programme.pay_monthly(account)


def test_payment_per_employee_kept_cap_lay_offs_sector_and_take_up():
    rows = [
        {"sector": CONSUMER, "staff": 10},  # 600 x 10 over 3 months: 2,000 a month
        {"sector": CONSUMER, "staff": 100},  # sheds 6 of 100 (6% > 5.5%) in the first month
        {"sector": TECH, "staff": 10},  # not one of the hard-hit industries
        {"sector": CONSUMER, "staff": 10, "knows": False},  # does not apply
        {"sector": CONSUMER, "staff": 200},  # the cap binds: 25,000 yuan at most
    ]
    firms = hand_made_firms(rows)
    ctx = Context.standalone(firms, month=APRIL)
    settings = JobRetention(enabled=True, max_yuan_per_firm=25_000.0, annual_budget_yuan=1e9)  # ample
    programme = JobRetentionProgramme(ctx, settings)

    first = month(ctx, firms, programme, 0)
    np.testing.assert_allclose(first, [2_000.0, 20_000.0, 0.0, 0.0, 25_000.0])
    firms.employees[1] = 94  # lay-offs above 5.5% of the staff at the shock's start
    second = month(ctx, firms, programme, 1)
    np.testing.assert_allclose(second, [2_000.0, 0.0, 0.0, 0.0, 0.0])
    third = month(ctx, firms, programme, 2)
    np.testing.assert_allclose(third, [2_000.0, 0.0, 0.0, 0.0, 0.0])
    fourth = month(ctx, firms, programme, 3)  # after the payment months
    assert fourth is None  # nothing credited
    np.testing.assert_allclose(firms.support_yuan[programme.row, :5], [6_000.0, 20_000.0, 0.0, 0.0, 25_000.0])
    np.testing.assert_allclose(firms.cash[:5], 100_000.0)  # booked as support through the operating account
    assert programme.contract_spent_this_month == 0.0  # paid from the budget


def test_a_binding_budget_pays_every_entitled_firm_the_same_share():
    firms = hand_made_firms([{"sector": CONSUMER, "staff": 10}, {"sector": CONSUMER, "staff": 30}])
    ctx = Context.standalone(firms, month=APRIL)
    months_left = 9  # April to December: the budget is paced evenly over them
    programme = JobRetentionProgramme(ctx, JobRetention(enabled=True, annual_budget_yuan=4_000.0 * months_left))
    paid = month(ctx, firms, programme, 0)  # 2,000 + 6,000 requested, 4,000 allowed this month
    np.testing.assert_allclose(paid, [1_000.0, 3_000.0])


def test_per_person_support_lowers_the_cost_of_keeping_staff_only_in_the_payment_months():
    firms = hand_made_firms([{"sector": CONSUMER, "staff": 10}, {"sector": TECH, "staff": 10}])
    ctx = Context.standalone(firms, month=APRIL - 1)
    programme = JobRetentionProgramme(ctx, JobRetention(enabled=True))
    alive = np.arange(2)
    before = firms.open_account(alive, np.zeros((SHOCK_ROWS, 2)), 0.0, np.ones(2), APRIL - 1)
    assert programme.planned_per_person_support_yuan(before) is None  # nothing outside the payment months
    ctx.clock = Clock(month=APRIL, t=1, relief_months_since_start=0)
    programme.start_month()
    account = firms.open_account(alive, np.zeros((SHOCK_ROWS, 2)), 0.0, np.ones(2), APRIL)
    np.testing.assert_allclose(programme.planned_per_person_support_yuan(account), [200.0, 0.0])
    off = JobRetentionProgramme(ctx, JobRetention(enabled=False))
    off.start_month()
    assert off.planned_per_person_support_yuan(account) is None and off.pay_monthly(account) is None


def test_entitlement_at_the_lay_off_limit_for_one_person_firms_and_only_for_firms_operating_at_the_start():
    rows = [
        {"sector": CONSUMER, "staff": 10},  # sheds exactly half: at the limit, still entitled
        {"sector": CONSUMER, "staff": 10},  # sheds 6 of 10: over the limit
        {"sector": CONSUMER, "staff": 1},  # a one-person firm keeps its one person: 600 / 3 a month
        {"sector": CONSUMER, "staff": 10},  # arrived before the shock but opens only after it began
    ]
    firms = hand_made_firms(rows)
    firms.alive[3] = False
    ctx = Context.standalone(firms, month=APRIL)
    programme = JobRetentionProgramme(ctx, JobRetention(enabled=True, max_layoff_share=0.5, annual_budget_yuan=1e9))
    month(ctx, firms, programme, 0)
    firms.employees[:2] = [5, 4]
    firms.alive[3] = True
    np.testing.assert_allclose(month(ctx, firms, programme, 1), [1_000.0, 0.0, 200.0, 0.0])


def test_firms_founded_after_the_shock_began_and_firms_at_their_cap_get_nothing_more():
    firms = hand_made_firms([{"sector": CONSUMER, "staff": 10}])
    ctx = Context.standalone(firms, month=APRIL)
    settings = JobRetention(enabled=True, max_yuan_per_firm=3_000.0, annual_budget_yuan=1e9)
    programme = JobRetentionProgramme(ctx, settings)
    np.testing.assert_allclose(month(ctx, firms, programme, 0), [2_000.0])
    later = firms.arrive(APRIL, np.full((1, N_UNIFORMS), 0.5))  # the slot after the last one counted
    firms.registered[later] = firms.alive[later] = True
    firms.sector[later], firms.employees[later], firms.u_take_up[later] = CONSUMER, 10, 0.0
    np.testing.assert_allclose(month(ctx, firms, programme, 1), [1_000.0, 0.0])  # the cap binds
    ctx.clock = Clock(month=APRIL + 2, t=2, relief_months_since_start=2)
    programme.start_month()
    account = firms.open_account(np.arange(2), np.zeros((SHOCK_ROWS, 2)), 0.0, np.ones(2), APRIL + 2)
    # at the cap: no more subsidy, so none lowers the cost of keeping staff either
    assert not programme.per_person_support_yuan(account).any()
    assert not programme.pay_monthly(account).any()


@pytest.fixture(scope="module")
def runs():
    path = ROOT / "scenarios" / "putuo"
    return [simulate(load_scenario(path / f"{name}.toml"), seed=4, scale=0.2)
            for name in ("no_policy", "lever_job_retention")]


def test_firms_keep_more_staff_through_the_2022_lockdown_with_the_same_founders(runs):
    off, on = runs
    spend = on.monthly["spend_job_retention_yuan"]
    assert spend.sum() > 0 and spend.sum() == pytest.approx(on.firms["support_job_retention_yuan"].sum())
    assert off.monthly["spend_job_retention_yuan"].sum() == 0.0
    # the same firms before the shock; more jobs kept in consumer services in the shock's months
    months = on.monthly.index[(on.monthly["month"] >= "2022-04") & (on.monthly["month"] <= "2022-06")]
    before = on.monthly.index[on.monthly["month"] < "2022-04"]
    assert (on.monthly.loc[before, "jobs"] == off.monthly.loc[before, "jobs"]).all()
    assert (on.monthly.loc[months, "jobs"] >= off.monthly.loc[months, "jobs"]).all()
    assert on.monthly.loc[months, "jobs"].sum() > off.monthly.loc[months, "jobs"].sum()
