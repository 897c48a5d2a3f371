"""The industry-academia R&D project lever (000:31): its payment rule on a hand-made population,
and its effect in a full run under common random numbers."""

from __future__ import annotations

from pathlib import Path

import handmade
import numpy as np
import pytest

from sim.calendar import parse_month
from sim.core.context import Context
from sim.core.firms import FirmPopulation
from sim.core.population import SERVICES, TECH
from sim.experiments.simulate import simulate
from sim.policy.rd_projects import RdProjectProgramme
from sim.policy.registry import lever_labels
from sim.scenario.files import load_scenario
from sim.scenario.policy_tables import RdProjects

ROOT = Path(__file__).resolve().parents[1]
DECEMBER = parse_month("2020-12")


def hand_made_firms(rows: list[dict]) -> FirmPopulation:
    """Registered, live firms with the given sector, age (months before December 2020) and staff, with
    100,000 yuan each; all take up support."""
    return handmade.hand_made_firms(rows, month=DECEMBER, arrived_months_ago=24, cash_yuan=100_000.0)


def test_payment_rule_share_cap_budget_and_eligibility():
    rows = [
        {"sector": TECH, "age": 24, "staff": 5},  # 0.3 x 0.15 x 12 x 100,000 = 54,000
        {"sector": TECH, "age": 24, "staff": 50},  # 0.3 x 0.15 x 12 x 10 M = 5.4 M, capped at 3 M
        {"sector": TECH, "age": 13, "staff": 4},  # 108,000 requested, beyond the budget (first come)
        {"sector": SERVICES, "age": 24, "staff": 5},  # not a technology firm
        {"sector": TECH, "age": 6, "staff": 5},  # too young
    ]
    firms = hand_made_firms(rows)
    ctx = Context.standalone(firms, month=DECEMBER, streams=("rd_projects",))
    settings = RdProjects(enabled=True, project_share=1.0, annual_budget_yuan=3_100_000.0)
    programme = RdProjectProgramme(ctx, settings)
    survivors = np.arange(len(rows))
    revenue = np.array([100_000.0, 10_000_000.0, 200_000.0, 100_000.0, 100_000.0])
    cash_before = firms.cash[:5].copy()

    programme.annual_awards(survivors, revenue)

    expected = np.array([54_000.0, 3_000_000.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(firms.cash[:5] - cash_before, expected, rtol=1e-12)
    np.testing.assert_allclose(firms.support_yuan[programme.row, :5], expected, rtol=1e-12)
    np.testing.assert_allclose(firms.log_boost[:5], [0.02, 0.02, 0.0, 0.0, 0.0])
    assert programme.spent_this_month == pytest.approx(3_054_000.0)
    assert programme.projects_supported == 2
    assert (firms.first_support_month[:2] == DECEMBER).all() and (firms.first_support_month[2:5] < 0).all()


def test_no_award_outside_the_award_month_or_when_disabled():
    firms = hand_made_firms([{"sector": TECH, "age": 24, "staff": 5}])
    revenue = np.array([100_000.0])
    november = Context.standalone(firms, month=DECEMBER - 1, streams=("rd_projects",))
    RdProjectProgramme(november, RdProjects(enabled=True, project_share=1.0)).annual_awards(np.arange(1), revenue)
    december = Context.standalone(firms, month=DECEMBER, streams=("rd_projects",))
    RdProjectProgramme(december, RdProjects(enabled=False, project_share=1.0)).annual_awards(np.arange(1), revenue)
    assert firms.cash[0] == 100_000.0 and firms.support_yuan[:, 0].sum() == 0.0


def test_project_share_selects_about_that_share_of_eligible_firms():
    rows = [{"sector": TECH, "age": 24, "staff": 5}] * 2000
    firms = hand_made_firms(rows)
    ctx = Context.standalone(firms, month=DECEMBER, seed=5, streams=("rd_projects",))
    programme = RdProjectProgramme(ctx, RdProjects(enabled=True, project_share=0.1, annual_budget_yuan=1e9))
    programme.annual_awards(np.arange(2000), np.full(2000, 100_000.0))
    assert 150 <= programme.projects_supported <= 250  # binomial(2000, 0.1): sd about 13


@pytest.mark.parametrize("district", ["putuo", "yangpu"])
def test_lever_on_spends_and_adds_jobs_against_no_policy(district):
    on = simulate(load_scenario(ROOT / "scenarios" / district / "lever_rd_projects.toml"), seed=11, scale=0.3)
    off = simulate(load_scenario(ROOT / "scenarios" / district / "no_policy.toml"), seed=11, scale=0.3)
    assert off.monthly["spend_rd_projects_yuan"].sum() == 0.0
    spend = on.monthly["spend_rd_projects_yuan"].sum()
    assert spend > 0 and on.metrics["fiscal_cost_yuan"] == pytest.approx(spend)
    assert on.firms["support_rd_projects_yuan"].sum() == pytest.approx(spend)
    supported = on.firms[on.firms["support_rd_projects_yuan"] > 0]
    assert len(supported) > 0 and (supported["sector"] == "tech").all()
    assert on.metrics["jobs_created"] > off.metrics["jobs_created"]
    assert on.metrics["firms_started"] == off.metrics["firms_started"]  # nothing expected at registration


def test_registry_labels_the_new_lever():
    assert lever_labels()["rd_projects"] == "Industry-academia R&D projects"
