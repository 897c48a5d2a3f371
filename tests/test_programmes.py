"""Every registered programme can be built and driven without a model: a tiny hand-made firm
population, a standalone context and the bank are all it needs (the basis of per-lever mechanism
tests)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.calendar import parse_month
from sim.core.bank import Bank
from sim.core.context import Context
from sim.core.firms import SHOCK_ROWS, FirmPopulation
from sim.core.population import N_UNIFORMS, PROGRAMMES
from sim.policy.base import Programme
from sim.policy.registry import LEVERS, build_programmes, lever_labels, lever_names
from sim.scenario.policy_tables import Policy
from sim.scenario.schema import Scenario

DECEMBER = parse_month("2021-12")


def tiny_world(n: int = 6) -> tuple[Context, Bank, FirmPopulation]:
    scenario = Scenario(name="tiny", description="a tiny hand-made population", district="putuo")
    firms = FirmPopulation(scenario, expected_arrivals=n)
    idx = firms.arrive(DECEMBER - 30, np.random.default_rng(1).random((n, N_UNIFORMS)))
    firms.registered[idx] = firms.alive[idx] = True
    firms.start_month[idx] = DECEMBER - np.arange(n) * 6
    firms.employees[idx] = 2 + np.arange(n) * 2
    firms.cash[idx] = 200_000.0
    firms.u_take_up[idx] = 0.0
    ctx = Context.standalone(firms, month=DECEMBER, streams=lever_names())
    return ctx, Bank(ctx, scenario.bank), firms


def test_registry_is_the_schema_policy_tables_in_order():
    assert lever_names() == tuple(Policy.model_fields) == PROGRAMMES
    assert list(lever_labels()) == list(PROGRAMMES)
    for lever in LEVERS:
        cls = lever.programme_class()
        assert issubclass(cls, Programme) and cls.name == lever.name
        assert lever.label and lever.mechanism.endswith(".") and lever.sources


@pytest.mark.parametrize("name", lever_names())
def test_programme_runs_every_hook_on_a_hand_made_population(name):
    ctx, bank, firms = tiny_world()
    policy = Policy()
    getattr(policy, name).enabled = True
    (programme,) = [p for p in build_programmes(ctx, policy) if p.name == name]
    if programme.lending_terms() is not None:
        bank.use_terms(programme.lending_terms())
    programme.connect_lender(bank)
    alive = np.flatnonzero(firms.alive[: firms.n])
    cash_and_support = firms.cash[: firms.n].sum() + firms.support_yuan.sum()

    programme.start_month()
    programme.on_arrival(alive[:0])
    assert programme.expected_first_year_support_yuan(alive).shape == alive.shape
    programme.pay_at_opening(alive[:2])
    admitted = programme.admit(alive)
    programme.pay_at_admission(admitted)
    account = firms.open_account(alive, np.zeros((SHOCK_ROWS, alive.size)), 0.0, np.ones(alive.size), DECEMBER)
    credited = programme.pay_monthly(account)
    assert credited is None or credited.shape == alive.shape
    per_person = programme.per_person_support_yuan(account)
    assert per_person is None or per_person.shape == alive.shape
    programme.emergency_measures(alive, account.monthly_cost_yuan)
    programme.annual_awards(alive, np.full(alive.size, 150_000.0))
    programme.end_month()

    assert programme.spent_this_month <= programme.annual_budget_yuan + 1e-6
    # whatever was paid is booked as support to the programme's own row only
    others = np.delete(firms.support_yuan, programme.row, axis=0)
    assert others.sum() == 0.0
    assert firms.cash[: firms.n].sum() + firms.support_yuan.sum() >= cash_and_support - 1e-6
    assert isinstance(programme.monthly_record(), dict) and isinstance(programme.run_counts(), dict)


def test_disabled_programmes_pay_nothing():
    ctx, bank, firms = tiny_world()
    policy = Policy()
    for name in lever_names():
        getattr(policy, name).enabled = False
    programmes = build_programmes(ctx, policy)
    alive = np.flatnonzero(firms.alive[: firms.n])
    account = firms.open_account(alive, np.zeros((SHOCK_ROWS, alive.size)), 0.0, np.ones(alive.size), DECEMBER)
    for programme in programmes:
        programme.connect_lender(bank)
        programme.pay_at_opening(alive)
        programme.pay_monthly(account)
        programme.annual_awards(alive, np.full(alive.size, 1e6))
        assert np.all(programme.expected_first_year_support_yuan(alive) == 0)
        assert programme.spent_this_month == 0.0
    assert firms.support_yuan.sum() == 0.0


def test_a_programme_acts_on_the_hooks_its_class_overrides_and_only_when_enabled():
    ctx, _, _ = tiny_world()
    policy = Policy()
    policy.training.enabled = True
    policy.incubation.enabled = False
    programmes = {p.name: p for p in build_programmes(ctx, policy)}
    training, incubation = programmes["training"], programmes["incubation"]
    assert training.acts("on_arrival") and training.acts("admit", "on_arrival")
    assert not training.acts("admit") and not training.acts("pay_monthly", "end_month")
    assert not incubation.acts("admit") and not incubation.acts("pay_monthly")  # overridden, but disabled
    policy.incubation.enabled = True
    incubation = next(p for p in build_programmes(ctx, policy) if p.name == "incubation")
    assert incubation.acts("admit") and incubation.acts("pay_monthly") and not incubation.acts("on_arrival")
