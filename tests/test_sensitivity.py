"""Sensitivity analysis: SALib wrappers on a known model, scenario helpers, reversal logic, resumable runs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.design import salib_problem, sample_design, select_parameters
from sim.analysis.indices import analyze_design, analyze_model, elementary_effects, reversal_table
from sim.analysis.sensitivity import run_sensitivity
from sim.present.sensitivity_figures import write_sensitivity_figures
from sim.scenario.editing import PROGRAMMES, no_policy, with_parameters
from sim.scenario.files import ScenarioError, load_scenario
from sim.scenario.parameters import ranged_parameters

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "putuo" / "baseline.toml"

PROBLEM = {
    "num_vars": 4,
    "names": ["weak", "strong", "none", "medium"],
    "bounds": [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [-1.0, 1.0]],
}


def known_model(X: np.ndarray) -> dict[str, np.ndarray]:
    """`strong` dominates y; `none` has no effect; `medium` acts through an interaction in z."""
    y = 0.5 * X[:, 0] + 8.0 * X[:, 1] + 0.0 * X[:, 2] + 2.0 * X[:, 3]
    z = 3.0 * X[:, 3] * X[:, 1] + 0.2 * X[:, 0]
    return {"y": y, "z": z}


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


@pytest.mark.parametrize("method,samples", [("morris", 20), ("sobol", 256)])
def test_known_model_ranks_most_influential_first(method, samples):
    result = analyze_model(known_model, PROBLEM, method, samples, seed=1)
    for outcome, first in (("y", "strong"), ("z", "medium")):
        table = result[outcome]
        assert table.iloc[0]["parameter"] == first
        assert list(table["rank"]) == [1, 2, 3, 4]
    y = result["y"].set_index("parameter")
    if method == "morris":
        assert {"mu", "mu_star", "mu_star_conf", "sigma"} <= set(y.columns)
        # a linear model: mu* is the change over the whole range, sigma is zero
        assert y.loc["strong", "mu_star"] == pytest.approx(8.0)
        assert y.loc["medium", "mu_star"] == pytest.approx(4.0)
        assert y.loc["none", "mu_star"] == pytest.approx(0.0)
        assert y["sigma"].max() == pytest.approx(0.0, abs=1e-9)
        assert list(y.index[:3]) == ["strong", "medium", "weak"]
    else:
        assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(y.columns)
        # analytic first-order shares of the linear model: variances 64/12, 16/12 (range 2), 0.25/12, 0
        total = 64 + 16 + 0.25
        assert y.loc["strong", "S1"] == pytest.approx(64 / total, abs=0.05)
        assert y.loc["medium", "S1"] == pytest.approx(16 / total, abs=0.05)
        assert y.loc["none", "ST"] == pytest.approx(0.0, abs=0.01)


def test_elementary_effects_agree_with_salib_mu():
    X = sample_design(PROBLEM, "morris", 6, seed=3)
    y = known_model(X)["z"]
    ee = elementary_effects(PROBLEM, X, y)
    assert len(ee) == 6 * PROBLEM["num_vars"]
    table = analyze_design(PROBLEM, "morris", X, y, seed=3).set_index("parameter")
    means = ee.groupby("parameter")["effect"].mean()
    for name in PROBLEM["names"]:
        assert means[name] == pytest.approx(table.loc[name, "mu"])


def test_constant_outcome_gives_zero_sobol_indices():
    X = sample_design(PROBLEM, "sobol", 8, seed=0)
    table = analyze_design(PROBLEM, "sobol", X, np.ones(len(X)))
    assert (table[["S1", "ST"]].to_numpy() == 0).all()


def test_with_parameters_sets_rounds_and_revalidates(baseline):
    changed = with_parameters(
        baseline,
        {"behaviour.quality_log_sd": 0.15, "behaviour.voluntary_exit_loss_months": 13.6,
         "shocks.lockdown_2022.depth": 0.5},
    )
    assert changed.behaviour.quality_log_sd == 0.15
    assert changed.behaviour.voluntary_exit_loss_months == 14
    assert isinstance(changed.behaviour.voluntary_exit_loss_months, int)
    assert changed.shocks["lockdown_2022"].depth == 0.5
    assert baseline.behaviour.quality_log_sd != 0.15  # the original is untouched
    with pytest.raises(ScenarioError, match="behaviour.quality_log_sd"):
        with_parameters(baseline, {"behaviour.quality_log_sd": -1.0})
    with pytest.raises(ScenarioError, match="behaviour.no_such_thing"):
        with_parameters(baseline, {"behaviour.no_such_thing": 1.0})
    with pytest.raises(ScenarioError, match="policy.incubation.enabled"):
        with_parameters(baseline, {"policy.incubation.enabled": 0.0})


def test_no_policy_disables_every_programme_and_shares_counterparts(baseline):
    cf = no_policy(baseline)
    assert all(not getattr(cf.policy, name).enabled for name in PROGRAMMES)
    assert cf.behaviour == baseline.behaviour and cf.shocks == baseline.shocks
    file_cf = load_scenario(ROOT / "scenarios" / "putuo" / "no_policy.toml")
    assert cf.policy == file_cf.policy
    moved = with_parameters(baseline, {"policy.incubation.places_per_base": 50})
    assert no_policy(moved, reference=baseline) == no_policy(baseline, reference=baseline)
    assert no_policy(moved) != no_policy(baseline)


def test_select_parameters_defaults_patterns_and_errors(baseline):
    default = [p.name for p in select_parameters(baseline)]
    assert not any(n.startswith("policy.growth_grants.") for n in default)  # disabled in Putuo
    assert "policy.incubation.places_per_base" in default
    assert set(default) < {p.name for p in ranged_parameters(baseline)}
    chosen = [p.name for p in select_parameters(baseline, ["behaviour.ramp_*", "bank.spread_pct"])]
    assert chosen == ["behaviour.ramp_up_months", "behaviour.ramp_start_share", "bank.spread_pct"]
    from sim.errors import UsageError

    with pytest.raises(UsageError, match="did you mean 'behaviour.quality_log_sd'"):
        select_parameters(baseline, ["behaviour.quality_logsd"])
    problem = salib_problem(select_parameters(baseline, ["behaviour.quality_log_sd"]))
    assert problem == {"num_vars": 1, "names": ["behaviour.quality_log_sd"], "bounds": [[0.08, 0.2]]}


def test_reversal_table_flags():
    oat = pd.DataFrame(
        {
            "parameter": ["flip", "halve", "wide", "small"],
            "low": [0.0] * 4,
            "high": [1.0] * 4,
            "value_low": [-10.0, 40.0, 80.0, 95.0],
            "value_high": [120.0, 110.0, 140.0, 104.0],
        }
    )
    table = reversal_table(oat, baseline=100.0, noise_sd=5.0).set_index("parameter")
    assert table.loc["flip", "flips_sign"] and table.loc["flip", "verdict"].startswith("REVERSES")
    assert not table.loc["halve", "flips_sign"] and table.loc["halve", "halves"]
    assert table.loc["halve", "verdict"].startswith("HALVES")
    assert not table.loc["wide", "halves"] and table.loc["wide", "moves_half"]
    assert table.loc["wide", "verdict"].startswith("MOVES BY HALF")
    assert table.loc["small", "verdict"] == "" and not table.loc["small", "beyond_noise"]
    assert list(table.index) == ["flip", "halve", "wide", "small"]  # by |swing|
    noisy = reversal_table(oat, baseline=100.0, noise_sd=100.0).set_index("parameter")
    assert noisy.loc["wide", "verdict"].endswith("seed-to-seed noise)")


PARAMS = ["behaviour.revenue_cost_ratio", "policy.incubation.places_per_base"]


def _run(out: Path, baseline, resume: bool = False, params=PARAMS):
    result = run_sensitivity(
        baseline, "morris", 2, out, outcomes=["jobs_created", "additional_jobs", "survival_3y"], params=params,
        workers=1, resume=resume, root_seed=5, scale=0.05, progress=False,
    )
    assert not (out / "figures").exists()  # the analysis only computes; sim.present draws
    write_sensitivity_figures(result)
    return result


def test_run_sensitivity_common_seed_outputs_and_resume(tmp_path, baseline):
    out = tmp_path / "sens"
    first = _run(out, baseline)
    summary = pd.read_csv(out / "summary.csv")
    assert (summary["status"] == "ok").all()
    rep0 = summary[summary["replication"] == 0]
    assert rep0["seed"].nunique() == 1  # common random numbers: one seed for every design point
    assert sorted(summary.loc[summary["scenario"] == "baseline", "replication"]) == [0, 1, 2, 3]
    samples = pd.read_csv(out / "samples.csv")
    assert len(samples) == 2 * (len(PARAMS) + 1) and list(samples.columns) == ["job", *PARAMS]
    meta = json.loads((out / "sensitivity.json").read_text())
    assert meta["problem"]["names"] == PARAMS and meta["method"] == "morris"
    for outcome in ("jobs_created", "additional_jobs", "survival_3y"):
        table = pd.read_csv(out / "indices" / f"{outcome}.csv")
        assert {"parameter", "mu_star", "mu_star_conf", "sigma"} <= set(table.columns)
        assert (out / "figures" / f"{outcome}.png").stat().st_size > 1000
    # the policy parameter cannot change the no-policy world: counterparts are shared
    assert summary["scenario"].str.startswith("nopolicy_").sum() < len(samples) + 2 * len(PARAMS) + 4
    # additional_jobs is the paired difference
    runs = summary[summary["replication"] == 0].set_index("scenario")
    cf = no_policy(baseline, reference=baseline)
    from sim.io.outputs import scenario_hash

    cf_name = f"nopolicy_{scenario_hash(cf)[:12]}"
    assert first.baseline["additional_jobs"] == runs.loc["baseline", "jobs_created"] - runs.loc[cf_name, "jobs_created"]
    reversal = pd.read_csv(out / "reversal.csv")
    assert set(reversal["parameter"]) == set(PARAMS)
    assert "What could reverse or halve" in (out / "reversal.txt").read_text()

    # interrupted: some runs lost (and a corrupted one); resume redoes only those, same indices
    shutil.rmtree(out / "runs" / "sample_00001")
    shutil.rmtree(out / "runs" / cf_name)
    for name in ("indices", "figures"):
        shutil.rmtree(out / name)
    (out / "runs" / "oat_000_high" / "r0000" / "metrics.parquet").write_bytes(b"garbage")
    second = _run(out, baseline, resume=True)
    for outcome, table in first.indices.items():
        pd.testing.assert_frame_equal(table, second.indices[outcome])
    pd.testing.assert_frame_equal(first.outputs, second.outputs)

    from sim.errors import UsageError

    with pytest.raises(UsageError, match="not empty; add --resume"):
        _run(out, baseline)
    with pytest.raises(UsageError, match=r"problem.names \(--params\)"):
        _run(out, baseline, resume=True, params=PARAMS[:1])


def test_cli_errors_are_one_line(tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=ROOT)

    bad = cli("sensitivity", str(BASELINE), "--method", "sobol", "--samples", "100", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0
    assert "power of two" in bad.stderr
    assert not (tmp_path / "x").exists()
    bad = cli("sensitivity", str(BASELINE), "--method", "morris", "--samples", "2", "--outcomes", "jobs",
              "--out", str(tmp_path / "y"))
    assert bad.returncode == 2 and "unknown outcome 'jobs'" in bad.stderr
    assert not (tmp_path / "y").exists()
