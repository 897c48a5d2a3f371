"""Calibration: the data file, the optimiser, recovery of known parameters, resume, the CLI."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomli_w

from sim.analysis.calibration import calibrate
from sim.analysis.calibration_data import (
    Statistic,
    calibration_parameters,
    load_calibration_data,
    simulate_statistics,
    weighted_loss,
)
from sim.analysis.fitting import fit
from sim.errors import UsageError
from sim.experiments.jobs import replication_seeds
from sim.scenario.editing import with_parameters
from sim.scenario.files import ScenarioError, load_scenario
from sim.scenario.parameters import iter_parameters

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "putuo" / "baseline.toml"
DATA = ROOT / "data" / "calibration" / "shanghai.toml"

# recovery set-up: two parameters, one driving survival, one driving firm size
TRUTH = {"behaviour.revenue_cost_ratio": 1.40, "behaviour.hiring_adjustment_share": 0.10}
STATS = ["death_rate_year_1", "death_rate_year_2", "death_rate_year_3", "jobs_per_surviving_firm", "survival_3y"]
SE = {"death_rate_year_1": 0.005, "death_rate_year_2": 0.01, "death_rate_year_3": 0.01,
      "jobs_per_surviving_firm": 0.5, "survival_3y": 0.02}
SCALE, REPS, BUDGET = 0.1, 1, 60  # Nelder-Mead needs ~60 evaluations to converge from the baseline
TOLERANCE_SHARE_OF_RANGE = 0.05
"""Recovered values must lie within 5% of each parameter's range of the truth."""
RESUME_BUDGET = 12
"""Evaluations of the resume test: enough for Nelder-Mead to move past its start simplex after the interruption
at evaluation 4, a fifth of the recovery budget."""


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


@pytest.fixture(scope="module")
def synthetic(baseline):
    """Observed statistics simulated by the model itself at TRUTH (same seeds as the fit)."""
    sims = simulate_statistics(with_parameters(baseline, TRUTH), STATS, replication_seeds(0, REPS), SCALE)
    statistics = [Statistic(name, float(sims[name].mean()), SE[name]) for name in STATS]
    params = calibration_parameters(baseline, list(TRUTH), "test")
    return statistics, params


@pytest.fixture(scope="module")
def recovered(baseline, synthetic, tmp_path_factory):
    statistics, params = synthetic
    work = tmp_path_factory.mktemp("calibration") / "full"
    return calibrate(baseline, statistics, params, work, replications=REPS, scale=SCALE, max_evaluations=BUDGET)


def test_data_file_statistics_sources_and_parameters(baseline):
    data = load_calibration_data(DATA)
    by_name = {s.name: s for s in data.statistics}
    assert [by_name[f"death_rate_year_{k}"].observed for k in range(1, 6)] == [0.204, 0.142, 0.117, 0.095, 0.084]
    assert by_name["jobs_per_surviving_firm"].observed == pytest.approx(8.4)
    assert all(s.standard_error > 0 and s.source and s.note for s in data.statistics)
    assert "SAIC" in by_name["death_rate_year_3"].source
    assert "Employment Promotion Center" in by_name["jobs_per_surviving_firm"].source
    # the data file lists exactly the registry's free ("calibrated") behavioural parameters
    registry = {p.name for p in iter_parameters(baseline) if "calibrated" in p.source}
    assert set(data.parameters) == registry
    assert [p.name for p in calibration_parameters(baseline, data.parameters, str(DATA))] == data.parameters


@pytest.mark.parametrize(
    "text,key,problem",
    [
        ('[[statistics]]\nname = "death_rate_yr_1"\nobserved = 0.1\nstandard_error = 0.01\n',
         "statistics.0.name", "unknown statistic"),
        ('[[statistics]]\nname = "survival_1y"\nobserved = 0.9\nstandard_error = 0\n',
         "statistics.0.standard_error", "must be positive"),
        ('[calibration]\nmax_evaluation = 3\n[[statistics]]\nname = "survival_1y"\nobserved = 0.9\n'
         'standard_error = 0.1\n', "calibration.max_evaluation", "did you mean 'max_evaluations'"),
        ('[[statistics]]\nname = "survival_1y"\nstandard_error = 0.1\n', "statistics.0.observed", "missing"),
        ('[calibration]\nmethod = "simplex"\n[[statistics]]\nname = "survival_1y"\nobserved = 0.9\n'
         'standard_error = 0.1\n', "calibration.method", "must be one of"),
        ("title = 'x'\n", "statistics", "at least one"),
        ("title = \n", "-", "TOML syntax error"),
    ],
)
def test_bad_data_files_give_one_line_errors(tmp_path, text, key, problem):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_calibration_data(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path)) and f": {key}: " in message
    assert problem in message


def test_unknown_parameter_in_data_file(baseline):
    with pytest.raises(ScenarioError, match="calibration.parameters: 'behaviour.wage' is not a parameter"):
        calibration_parameters(baseline, ["behaviour.wage"], "data.toml")
    with pytest.raises(ScenarioError, match="no plausible range"):
        calibration_parameters(baseline, ["policy.growth_grants.innovation_grant_yuan"], "data.toml")


def test_weighted_loss():
    stats = [Statistic("a", 1.0, 0.5), Statistic("b", 10.0, 2.0, weight=3.0)]
    assert weighted_loss({"a": 2.0, "b": 6.0}, stats) == pytest.approx(4.0 + 3.0 * 4.0)
    assert weighted_loss({"a": float("nan"), "b": 10.0}, stats) == float("inf")


@pytest.mark.parametrize("method", ["nelder-mead", "differential-evolution"])
def test_fit_finds_the_minimum_of_a_known_function(baseline, method):
    params = calibration_parameters(baseline, ["behaviour.quality_log_sd", "behaviour.ramp_up_months"], "t")
    target = {"behaviour.quality_log_sd": 0.17, "behaviour.ramp_up_months": 5.0}

    def objective(values):
        return sum(((values[p.name] - target[p.name]) / (p.high - p.low)) ** 2 for p in params)

    start = {p.name: p.value for p in params}
    best, loss, _ = fit(objective, params, start, method=method, max_evaluations=300, seed=2)
    for p in params:
        assert best[p.name] == pytest.approx(target[p.name], abs=0.02 * (p.high - p.low))
    assert loss < 1e-3


def test_calibration_recovers_known_parameters(recovered, synthetic):
    _, params = synthetic
    for p in params:
        assert abs(recovered.fitted[p.name] - TRUTH[p.name]) <= TOLERANCE_SHARE_OF_RANGE * (p.high - p.low), p.name
    assert recovered.loss < 0.05 * recovered.start_loss
    assert recovered.evaluations == BUDGET
    assert recovered.start == pytest.approx({p.name: p.value for p in params})


def test_calibration_resumes_after_interruption(baseline, synthetic, tmp_path):
    statistics, params = synthetic
    whole = calibrate(baseline, statistics, params, tmp_path / "whole", replications=REPS, scale=SCALE,
                      max_evaluations=RESUME_BUDGET)
    assert whole.evaluations == RESUME_BUDGET and whole.fitted != whole.start  # the search moved
    work = tmp_path / "interrupted"

    def stop_after_four(n: int, loss: float) -> None:
        if n == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        calibrate(baseline, statistics, params, work, replications=REPS, scale=SCALE, max_evaluations=RESUME_BUDGET,
                  on_evaluation=stop_after_four)
    log = pd.read_csv(work / "evaluations.csv")
    assert len(log) == 4
    with pytest.raises(UsageError, match="add --resume"):
        calibrate(baseline, statistics, params, work, replications=REPS, scale=SCALE, max_evaluations=RESUME_BUDGET)
    with pytest.raises(UsageError, match="replications"):
        calibrate(baseline, statistics, params, work, replications=REPS + 1, scale=SCALE,
                  max_evaluations=RESUME_BUDGET, resume=True)
    resumed = calibrate(baseline, statistics, params, work, replications=REPS, scale=SCALE,
                        max_evaluations=RESUME_BUDGET, resume=True)
    assert resumed.fitted == whole.fitted
    assert resumed.loss == whole.loss
    assert resumed.new_evaluations == whole.new_evaluations - 4  # the four cached ones were replayed
    assert len(pd.read_csv(work / "evaluations.csv")) == whole.new_evaluations


def test_cli_calibrate_writes_overlay_validation_and_resumes(tmp_path):
    content = tomllib.loads(DATA.read_text())
    content["calibration"]["parameters"] = ["behaviour.revenue_cost_ratio", "behaviour.voluntary_exit_loss_months"]
    data = tmp_path / "data.toml"
    data.write_text(tomli_w.dumps(content))
    overlay = tmp_path / "scen" / "calibrated.toml"
    overlay.parent.mkdir()
    work = tmp_path / "work"

    def cli(out: Path, *extra: str) -> subprocess.CompletedProcess:
        args = [sys.executable, "-m", "sim", "calibrate", str(BASELINE), "--data", str(data), "--out", str(out),
                "--work", str(work), "--max-evaluations", "4", "--scale", "0.05", "--validation-replications", "3",
                "--quiet", *extra]
        return subprocess.run(args, capture_output=True, text=True, cwd=tmp_path)

    done = cli(overlay)
    assert done.returncode == 0, done.stderr
    scenario = load_scenario(overlay)  # loads: its relative `extends` reaches the baseline
    base = load_scenario(BASELINE)
    assert scenario.name == "putuo_calibrated"
    assert scenario.policy == base.policy and scenario.targets == base.targets  # everything else inherited
    assert overlay.read_text().startswith("# Calibrated overlay of putuo_baseline")
    assert "behaviour.revenue_cost_ratio" in scenario.sources and "loss" in scenario.sources["behaviour"]
    assert isinstance(scenario.behaviour.voluntary_exit_loss_months, int)
    table = pd.read_csv(work / "validation.csv")
    assert set(table["variant"]) == {"scenario values", "calibrated"}
    assert len(table) == 2 * 6 and (table["sim_low"] <= table["sim_mean"]).all()
    assert (table["sim_mean"] <= table["sim_high"]).all() and (table["replications"] == 3).all()
    assert (work / "validation.png").stat().st_size > 1000
    fitted = scenario.behaviour.revenue_cost_ratio
    assert 1.15 <= fitted <= 1.5

    again = cli(overlay)
    errors = [line for line in again.stderr.splitlines() if line.startswith("error:")]
    assert again.returncode == 2 and len(errors) == 1 and "add --resume" in errors[0], again.stderr
    assert "Traceback" not in again.stderr
    resumed = cli(overlay, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "(0 simulated" in resumed.stdout
    assert load_scenario(overlay).behaviour.revenue_cost_ratio == fitted

    foreign = tmp_path / "mine.toml"
    foreign.write_text("# my own scenario\n")
    refused = cli(foreign, "--resume")
    assert refused.returncode == 2 and "not written by `startup-sim calibrate`" in refused.stderr
    assert foreign.read_text() == "# my own scenario\n"


def test_simulated_statistics_are_reproducible(baseline):
    seeds = replication_seeds(3, 2)
    a = simulate_statistics(baseline, STATS, seeds, 0.05)
    b = simulate_statistics(baseline, STATS, seeds, 0.05)
    pd.testing.assert_frame_equal(a, b)
    assert np.all((a[STATS[:3]] >= 0) & (a[STATS[:3]] <= 1))
