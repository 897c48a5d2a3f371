"""Targets measured as outcomes (issue 15): both readings of "helped to start a business", little
giants by criteria, a high-tech proxy whose threshold matters, targets marked as policy inputs,
arrival attributes in the firm table, and deadweight / additional firms founder by founder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.additionality import founder_additionality
from sim.analysis.compare import compare_batch
from sim.calendar import parse_month
from sim.core.firms import FirmPopulation
from sim.core.population import N_UNIFORMS, SERVICES, TECH
from sim.experiments.batch import run_batch
from sim.experiments.outcomes import BY_NAME, OUTCOME_NAMES, PAIRED_OUTCOMES
from sim.experiments.simulate import simulate
from sim.io.store import BatchStore
from sim.scenario.editing import no_policy, with_parameters
from sim.scenario.files import load_scenario, scenario_to_toml, validate_dict
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
MONTH = parse_month("2020-06")
LABELS = [f"{2018 + m // 12}-{m % 12 + 1:02d}" for m in range(60)]
FIRST = parse_month("2018-01")


def shortened(scenario: Scenario, end: str, name: str | None = None) -> Scenario:
    """The scenario ending in month ``end`` (and renamed)."""
    data = scenario.model_dump(mode="python")
    data["period"]["end"] = end
    data["shocks"] = {k: v for k, v in data["shocks"].items() if v["start"] <= end}  # only shocks in the period
    data["name"] = name or scenario.name
    return validate_dict(data)


def population(n: int, scenario: Scenario | None = None) -> FirmPopulation:
    """``n`` founders arrived 2 years before ``MONTH``, registered in ``MONTH``, no support yet."""
    scenario = scenario or Scenario(name="hand_made", description="hand-made", district="putuo")
    firms = FirmPopulation(scenario, expected_arrivals=n)
    idx = firms.arrive(MONTH - 24, np.random.default_rng(7).random((n, N_UNIFORMS)))
    firms.registered[idx] = firms.alive[idx] = True
    firms.start_month[idx] = MONTH
    firms.employees[idx] = firms.initial_employees[idx]
    return firms


# ---------------------------------------------------------------------------- firm table
def test_firm_table_carries_the_arrival_draws():
    firms = population(5)
    table = firms.firm_table(LABELS, FIRST)
    np.testing.assert_array_equal(table["own_capital_yuan"], firms.own_capital[:5])
    np.testing.assert_array_equal(table["collateral"], firms.has_collateral[:5])
    np.testing.assert_array_equal(table["initial_employees"], firms.initial_employees[:5])
    np.testing.assert_array_equal(table["log_quality_at_entry"], firms.log_quality_entry[:5])
    assert (table["own_capital_yuan"] > 0).all() and (table["initial_employees"] >= 1).all()


# ------------------------------------------------------------------ helped, two readings
def test_documents_reading_and_narrow_reading_of_helped():
    firms = population(8)
    row = firms.programme_row
    one = np.ones(1)
    firms.book_support(row("talent_housing"), np.array([0]), 2_000 * one, MONTH)  # housing only
    firms.train(np.array([1]), MONTH - 1, 0.1)  # training before founding
    firms.book_loan(np.array([2]), 100_000 * one, 4.0, 24, MONTH, np.array([True]), np.array([True]))  # at opening
    firms.mark_emergency_loan(np.array([3]))  # an emergency loan in the opening month (the bank's order)
    firms.book_loan(np.array([3]), 50_000 * one, 4.0, 24, MONTH, np.array([True]), np.array([True]))
    firms.book_support(row("startup_subsidies"), np.array([4]), 10_000 * one, MONTH + 12)  # after the window
    firms.start_incubation(np.array([5]), 0, MONTH + 3)
    firms.book_loan(np.array([6]), 100_000 * one, 4.0, 24, MONTH + 2, np.array([True]), np.array([True]))
    firms.book_support(row("startup_subsidies"), np.array([7]), 10_000 * one, MONTH + 11)  # last month inside
    table = firms.firm_table(LABELS, FIRST)
    assert table["helped"].tolist() == [True, True, True, True, False, True, True, True]
    assert table["helped_narrow"].tolist() == [False, True, True, False, False, True, False, True]
    assert table["startup_loan"].tolist() == [False, False, True, False, False, False, False, False]


def test_emergency_loan_after_a_repaid_startup_loan_keeps_the_startup_loan():
    """A founder who borrowed at opening and repaid stays helped (narrow) when the firm later takes an
    emergency loan; an emergency loan in the opening month is no start-up loan."""
    firms = population(2)
    one = np.ones(1)
    firms.book_loan(np.array([0]), 100_000 * one, 4.0, 24, MONTH, np.array([True]), np.array([True]))
    firms.loan_balance[0] = 0.0  # repaid
    firms.mark_emergency_loan(np.array([0]))
    firms.book_loan(np.array([0]), 50_000 * one, 4.0, 12, MONTH + 30, np.array([True]), np.array([True]))
    firms.mark_emergency_loan(np.array([1]))
    firms.book_loan(np.array([1]), 50_000 * one, 4.0, 12, MONTH, np.array([True]), np.array([True]))
    assert firms.startup_loan[:2].tolist() == [True, False]
    assert firms.helped_narrow(np.arange(2)).tolist() == [True, False]


def test_helped_window_is_the_measurement_parameter():
    scenario = Scenario(name="w", description="w", district="putuo", measurement={"helped_window_months": 6})
    firms = population(2, scenario)
    row = firms.programme_row("startup_subsidies")
    firms.book_support(row, np.array([0, 1]), np.array([1.0, 1.0]), MONTH + 5)
    firms.book_support(row, np.array([1]), np.array([1.0]), MONTH + 6)  # later payments keep the first month
    assert firms.helped_narrow(np.arange(2)).tolist() == [True, True]
    firms2 = population(1, scenario)
    firms2.book_support(row, np.array([0]), np.array([1.0]), MONTH + 6)
    assert firms2.helped_narrow(np.arange(1)).tolist() == [False]
    assert firms2.helped(np.arange(1)).tolist() == [False]


# ---------------------------------------------------------------- little giants, high tech
def test_little_giant_criteria_age_staff_and_growth():
    firms = population(6)
    m = firms.scenario.measurement
    age = m.little_giant_min_age_months
    firms.sector[:6] = [TECH, TECH, TECH, SERVICES, TECH, TECH]
    firms.initial_employees[:6] = 2
    firms.employees[:6] = [m.little_giant_min_employees, m.little_giant_min_employees - 1, 40, 40, 40, 5]
    firms.initial_employees[4] = 20  # 40 staff is only twice its size at registration
    month = MONTH + age
    assert firms.mark_little_giants(np.arange(6), month - 1) == 0  # too young
    assert firms.mark_little_giants(np.arange(6), month) == 2  # slots 0 and 2
    assert firms.mark_little_giants(np.arange(6), month + 1) == 0  # counted once
    table = firms.firm_table(LABELS, FIRST)
    assert table["little_giant"].tolist() == [True, False, True, False, False, False]


def test_high_tech_threshold_changes_the_count_in_a_run():
    base = load_scenario(ROOT / "scenarios" / "yangpu" / "baseline.toml")
    base = shortened(base, "2020-12")
    counts = [
        simulate(with_parameters(base, {"measurement.high_tech_min_log_productivity": value}), seed=3, scale=0.1)
        .metrics["new_high_tech_firms_per_year"]
        for value in (0.4, 0.8)  # the registry's range
    ]
    assert counts[0] > counts[1] > 0


# ------------------------------------------------------------------------- target files
@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").rglob("*.toml")), ids=lambda p: p.stem)
def test_every_target_is_a_declared_outcome(path):
    scenario = load_scenario(path)
    for target in scenario.targets:
        assert target.metric in OUTCOME_NAMES
        assert target.source


def test_targets_read_both_ways_and_inputs_are_marked():
    putuo = {t.metric: t for t in load_scenario(ROOT / "scenarios" / "putuo" / "baseline.toml").targets}
    assert putuo["founders_helped"].value == putuo["founders_helped_narrow"].value == 2500
    assert putuo["youth_founders_helped"].value == putuo["youth_founders_helped_narrow"].value == 1500
    assert putuo["incubation_bases"].kind == "policy_input"
    assert putuo["founders_helped"].kind == putuo["founders_helped_narrow"].kind == "outcome"
    yangpu = {t.metric: t for t in load_scenario(ROOT / "scenarios" / "yangpu" / "baseline.toml").targets}
    assert yangpu["little_giant_firms_per_year"].kind == "outcome"
    assert yangpu["little_giant_firms_per_year"].value == 10 + 30  # 004:49
    assert yangpu["innovation_little_giants_per_year"].kind == "policy_input"
    assert yangpu["technology_little_giants_per_year"].kind == "policy_input"


# ----------------------------------------------------------------- deadweight, additionality
def test_founder_additionality_on_hand_made_tables():
    firms = pd.DataFrame({"firm_id": [1, 2, 3, 5, 8], "helped": [True, True, False, True, True],
                          "helped_narrow": [True, False, False, False, True]})
    counterfactual = pd.DataFrame({"firm_id": [1, 3, 4, 5]})
    result = founder_additionality(firms, counterfactual)
    assert result["deadweight_share"] == pytest.approx(2 / 4)  # 1 and 5 start anyway; 2 and 8 do not
    assert result["deadweight_share_narrow"] == pytest.approx(1 / 2)
    assert result["additional_firms"] == 2.0  # slots 2 and 8
    nobody = founder_additionality(firms.assign(helped=False, helped_narrow=False), counterfactual)
    assert np.isnan(nobody["deadweight_share"]) and np.isnan(nobody["deadweight_share_narrow"])


def test_compare_reports_deadweight_paired_by_replication(tmp_path):
    base = shortened(load_scenario(ROOT / "scenarios" / "putuo" / "baseline.toml"), "2020-12")
    counterfactual = shortened(no_policy(base), "2020-12", "putuo_no_policy")
    files = []
    for scenario in (base, counterfactual):
        path = tmp_path / f"{scenario.name}.toml"
        path.write_text(scenario_to_toml(scenario))
        files.append(str(path))
    out = tmp_path / "batch"
    run_batch(files, 2, out, workers=1, scale=0.05, progress=False)
    table = compare_batch(out)
    add = table[(table["section"] == "additionality") & (table["scenario"] == base.name)].set_index("metric")
    for o in PAIRED_OUTCOMES:
        assert o.name in add.index and o.name in BY_NAME
    store = BatchStore(out)
    cf = counterfactual.name
    shares, extra = [], []
    for replication in (0, 1):
        own = pd.read_parquet(store.run_dir(base.name, replication) / "firms.parquet")
        other = set(pd.read_parquet(store.run_dir(cf, replication) / "firms.parquet")["firm_id"])
        helped = own.loc[own["helped"], "firm_id"]
        shares.append(np.mean([i in other for i in helped]))
        extra.append(sum(i not in other for i in own["firm_id"]))
    assert add.loc["deadweight_share", "estimate"] == pytest.approx(np.mean(shares))
    assert add.loc["additional_firms", "estimate"] == pytest.approx(np.mean(extra))
    assert 0 < add.loc["deadweight_share", "estimate"] < 1
    assert add.loc["additional_firms", "estimate"] > 0
