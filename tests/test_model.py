"""Core model behaviour: reproducibility, lever directions under common random numbers, accounting."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.core.model import StartupEcosystem
from sim.core.population import PROGRAMMES, pairwise_row_sum
from sim.experiments.metrics import death_rates_by_age
from sim.experiments.simulate import simulate
from sim.scenario.files import load_scenario
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
PUTUO = ROOT / "scenarios" / "putuo" / "baseline.toml"
YANGPU = ROOT / "scenarios" / "yangpu" / "baseline.toml"
SCALE = 0.3  # ~6,000 firms: enough for stable directions, fast enough for the suite
SEED = 11


@pytest.fixture(scope="module")
def putuo() -> Scenario:
    return load_scenario(PUTUO)


def without_programmes(scenario: Scenario) -> Scenario:
    """The counterfactual: every programme switched off."""
    copy = scenario.model_copy(deep=True)
    for lever in PROGRAMMES:
        getattr(copy.policy, lever).enabled = False
    return copy


def only(scenario: Scenario, lever: str, **settings) -> Scenario:
    """No programmes except ``lever`` (with optional settings)."""
    copy = without_programmes(scenario)
    table = getattr(copy.policy, lever)
    table.enabled = True
    for key, value in settings.items():
        setattr(table, key, value)
    return copy


def run(scenario: Scenario, seed: int = SEED, scale: float = SCALE):
    return simulate(scenario, seed=seed, scale=scale)


# ------------------------------------------------------------------ reproducibility
def test_same_seed_gives_identical_tables(putuo):
    a, b = run(putuo), run(putuo)
    pd.testing.assert_frame_equal(a.monthly, b.monthly)
    pd.testing.assert_frame_equal(a.firms, b.firms)
    assert a.metrics == b.metrics


def test_different_seeds_give_different_tables(putuo):
    a, b = run(putuo, seed=1), run(putuo, seed=2)
    assert not a.monthly["births"].equals(b.monthly["births"])
    assert a.metrics["jobs_created"] != b.metrics["jobs_created"]


def test_seed_sequence_object_can_be_reused(putuo):
    seq = np.random.SeedSequence(123)
    a, b = run(putuo, seed=seq), run(putuo, seed=seq)
    pd.testing.assert_frame_equal(a.monthly, b.monthly)


def test_mesa_agents_are_the_institutions(putuo):
    model = StartupEcosystem(putuo, seed=1, scale=0.1)
    types = {t.__name__ for t in model.agent_types}
    assert {"Bank", "LoanProgramme", "IncubationProgramme", "TalentHousingProgramme"} <= types
    model.step()
    assert "IncubationBase" in {t.__name__ for t in model.agent_types}
    assert len(model.programme("incubation").bases) == putuo.policy.incubation.initial_bases


# ------------------------------------------------------------- lever directions (CRN)
def test_no_programmes_no_founders_helped_and_no_cost(putuo):
    result = run(without_programmes(putuo))
    assert result.metrics["founders_helped"] == 0
    assert result.metrics["fiscal_cost_yuan"] == 0
    assert result.metrics["incubation_bases"] == 0


def test_more_interest_subsidy_more_loans(putuo):
    loans = []
    for share in (0.0, 0.5, 1.0):
        scenario = putuo.model_copy(deep=True)
        scenario.policy.loan_interest_subsidy.interest_subsidy_share = share
        loans.append(run(scenario).metrics["loans_disbursed"])
    assert loans[0] < loans[1] < loans[2]


def test_guarantee_lets_founders_without_collateral_borrow(putuo):
    with_guarantee = run(only(putuo, "loan_interest_subsidy", interest_subsidy_share=0.0))
    without = run(only(putuo, "loan_interest_subsidy", interest_subsidy_share=0.0, guarantee=False))
    assert with_guarantee.metrics["loans_disbursed"] > without.metrics["loans_disbursed"]


def test_larger_talent_housing_subsidy_more_jobs(putuo):
    # budget lifted: with the baseline's binding budget a larger amount per person pays little more
    # (24.7 M vs 26.1 M yuan at 1,000 and 3,000) and, since most founders plan for a micro firm,
    # moves jobs by less than the noise (issue 14: the effect follows the money)
    jobs = []
    for amount in (1000.0, 2000.0, 3000.0):
        scenario = putuo.model_copy(deep=True)
        scenario.policy.talent_housing.subsidy_yuan_per_person_month = amount
        scenario.policy.talent_housing.annual_budget_yuan = 1e12
        jobs.append(run(scenario).metrics["jobs_created"])
    assert jobs[0] < jobs[1] < jobs[2]


def test_startup_subsidies_raise_registrations_and_jobs(putuo):
    off = run(without_programmes(putuo))
    on = run(only(putuo, "startup_subsidies"))
    assert on.metrics["firms_started"] > off.metrics["firms_started"]
    assert on.metrics["jobs_created"] > off.metrics["jobs_created"]


def test_training_raises_registrations(putuo):
    off = run(without_programmes(putuo))
    on = run(only(putuo, "training", places_per_year=1000, skill_gain=0.1))
    assert on.metrics["firms_started"] > off.metrics["firms_started"]
    trained = on.firms[on.firms["trained"]]
    assert len(trained) > 0 and (trained["founder_type"] == "young_graduate").all()


def test_mentoring_effect_raises_jobs_of_incubated_firms(putuo):
    none = run(only(putuo, "incubation", mentoring_effect=0.0))
    strong = run(only(putuo, "incubation", mentoring_effect=0.08))
    assert strong.metrics["jobs_created"] > none.metrics["jobs_created"]
    assert none.firms["incubated"].sum() > 0


def test_rent_relief_raises_jobs(putuo):
    off = run(without_programmes(putuo))
    on = run(only(putuo, "rent_relief", incubated_only=False))
    assert on.metrics["jobs_created"] > off.metrics["jobs_created"]


def test_growth_grants_raise_jobs():
    yangpu = load_scenario(YANGPU)
    off = run(without_programmes(yangpu))
    on = run(only(yangpu, "growth_grants"))
    assert on.metrics["jobs_created"] > off.metrics["jobs_created"]
    assert on.metrics["innovation_little_giants_per_year"] > 0


def test_relief_package_saves_firms_in_the_2022_lockdown(putuo):
    def lockdown_exits(relief: bool) -> int:
        scenario = putuo.model_copy(deep=True)
        scenario.shocks["lockdown_2022"].relief_package = relief
        monthly = run(scenario).monthly
        window = monthly[(monthly["month"] >= "2022-04") & (monthly["month"] <= "2022-09")]
        return int(window["exits"].sum())

    assert lockdown_exits(True) < lockdown_exits(False)


def test_deeper_shock_more_exits(putuo):
    mild, deep = putuo.model_copy(deep=True), putuo.model_copy(deep=True)
    mild.shocks["lockdown_2022"].depth = 0.2
    deep.shocks["lockdown_2022"].depth = 0.9
    assert run(deep).monthly["exits"].sum() > run(mild).monthly["exits"].sum()


def test_scale_multiplies_population(putuo):
    small, large = run(putuo, scale=0.2), run(putuo, scale=0.4)
    ratio = large.metrics["firms_started"] / small.metrics["firms_started"]
    assert 1.85 < ratio < 2.15  # Poisson noise on ~4,000 vs ~8,000 firms is ~2%


# ----------------------------------------------------------------------- accounting
@pytest.mark.parametrize("path", [PUTUO, YANGPU])
def test_accounting_identities(path):
    scenario = load_scenario(path)
    model = StartupEcosystem(scenario, seed=3, scale=SCALE)
    model.run_model()
    pop = model.population
    registered = pop.registered[: pop.n]
    alive = pop.alive[: pop.n]
    exited = pop.exit_month[: pop.n] >= 0
    # firms started = alive + exited
    assert registered.sum() == alive.sum() + exited.sum()
    assert not (alive & exited).any()
    monthly = pd.DataFrame(model.records)
    assert monthly["births"].sum() == registered.sum()
    assert monthly["exits"].sum() == exited.sum()
    assert monthly["jobs"].iloc[-1] == pop.employees[: pop.n][alive].sum()
    # loans disbursed = repaid + defaulted + outstanding (principal, yuan)
    totals = model.bank.totals
    assert totals["disbursed_yuan"] > 0
    assert totals["disbursed_yuan"] == pytest.approx(
        totals["repaid_yuan"] + totals["defaulted_yuan"] + model.bank.outstanding_yuan(), rel=1e-9
    )
    assert totals["disbursed_count"] == (
        totals["repaid_count"] + totals["defaulted_count"] + int((pop.loan_balance[: pop.n] > 0).sum())
    )
    # each programme's spend within its budget, every year
    for programme in model.programmes:
        for year, spent in programme.spent_by_year.items():
            assert spent <= programme.annual_budget_yuan * (1 + 1e-9) + 1e-6, (programme.name, year)
    # support booked to firms (their accounts, row by row) = the programmes' spend in the monthly table
    for programme in model.programmes:
        booked_to_firms = pop.support_yuan[programme.row, : pop.n].sum()
        assert monthly[f"spend_{programme.name}_yuan"].sum() == pytest.approx(booked_to_firms, rel=1e-9, abs=1e-6)
    # support received by firms never exceeds what programmes spent
    assert pop.support_yuan[: pop.n].sum() <= monthly["spend_total_yuan"].sum() + 1e-3


def test_tight_budget_is_never_overspent(putuo):
    scenario = putuo.model_copy(deep=True)
    scenario.policy.talent_housing.annual_budget_yuan = 1_000_000.0
    model = StartupEcosystem(scenario, seed=3, scale=SCALE)
    model.run_model()
    spent = model.programme("talent_housing").spent_by_year
    assert max(spent.values()) == pytest.approx(1_000_000.0 * SCALE)  # binding, and not exceeded


# -------------------------------------------------------------- calibration target
# SAIC (2013) yearly death rates by firm age: 1.6%, 6.3%, 9.5% (the peak), then above 8%.
CLOSURE_DEATH_RATES = {1: 0.204, 2: 0.142, 3: 0.117, 4: 0.095, 5: 0.084}
# The model's exits are economic closures (issue 14): the calibration targets closure rates of new
# establishments (U.S. BLS Business Employment Dynamics, 1994 cohort; data/calibration/shanghai.toml),
# no longer SAIC's deregistration profile (1.6% in year 1), which lags closure.
# Tolerance 3 percentage points: the closure profile is transferred from U.S. establishments to one
# Shanghai district with the 2020 and 2022 shocks. The rates are means over four seeds: the
# seed-to-seed spread (sd) of a yearly rate is 0.2-0.4 pp in years 1-3 but 0.6 pp in year 4 and 1.1 pp
# in year 5, which rest on the 2018-2019 cohorts only (seeds 2024-2039; the model's year-5 mean is
# 10.4-10.5%, so one seed alone would fail the band about one time in seven).
TOLERANCE = 0.03
DEATH_RATE_SEEDS = (2024, 2025, 2026, 2027)


def test_baseline_death_rates_follow_the_closure_profile(putuo):
    by_seed = [death_rates_by_age(run(putuo, seed=seed, scale=1.0).firms) for seed in DEATH_RATE_SEEDS]
    rates = sum(by_seed) / len(by_seed)
    for year, observed in CLOSURE_DEATH_RATES.items():
        assert abs(rates[year] - observed) <= TOLERANCE, (year, rates[year], observed)
    assert rates[1] > rates[2] > rates[3]  # closure is most frequent in the first year, then falls


@pytest.mark.parametrize("n_rows", [*range(1, 21), 64, 127, 128])
def test_pairwise_row_sum_is_numpys_sum_over_rows_bit_for_bit(n_rows):
    rng = np.random.default_rng(n_rows)
    rows = rng.standard_normal((n_rows, 2_000)) * 10.0 ** rng.integers(-12, 12, (n_rows, 2_000))
    rows[rng.random(rows.shape) < 0.3] = 0.0
    rows[rng.random(rows.shape) < 0.1] = -0.0
    rows[:, :5] = -0.0  # columns of negative zeros only
    before = rows.tobytes()
    total = pairwise_row_sum(list(rows))
    assert total.tobytes() == np.asfortranarray(rows).sum(axis=0).tobytes()
    assert rows.tobytes() == before  # the rows are left as they were
    # the firm table's total support: a gather of the programmes' rows, summed over them
    idx = np.arange(0, 2_000, 3)
    assert pairwise_row_sum(list(rows[:, idx])).tobytes() == rows[:, idx].sum(axis=0).tobytes()
    with pytest.raises(ValueError, match="1 to 128"):
        pairwise_row_sum(list(np.zeros((129, 2))))
