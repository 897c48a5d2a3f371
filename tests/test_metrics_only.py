"""Metrics-only runs (``tables=False``) and grouped Sobol indices (``--groups block``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.design import factor_names, parameter_groups, salib_problem, sample_design, select_parameters
from sim.analysis.indices import analyze_model
from sim.analysis.sensitivity import run_sensitivity
from sim.errors import UsageError
from sim.experiments.batch import run_batch
from sim.io.store import BatchStore
from sim.scenario.files import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FILES = [str(ROOT / "scenarios" / "putuo" / name) for name in ("baseline.toml", "no_policy.toml")]
SCALE = 0.05


def test_metrics_only_batch_has_the_same_summary_and_no_tables(tmp_path):
    full = run_batch(FILES, 2, tmp_path / "full", workers=1, scale=SCALE, progress=False)
    lean = run_batch(FILES, 2, tmp_path / "lean", workers=1, scale=SCALE, progress=False, tables=False)
    pd.testing.assert_frame_equal(full, lean)
    assert (tmp_path / "full" / "summary.csv").read_bytes() == (tmp_path / "lean" / "summary.csv").read_bytes()
    run = tmp_path / "lean" / "runs" / "putuo_baseline" / "r0001"
    assert sorted(p.name for p in run.iterdir()) == ["done.json", "metrics.parquet", "targets.parquet"]
    assert json.loads((tmp_path / "lean" / "manifest.json").read_text())["tables"] is False
    store = BatchStore(tmp_path / "lean")
    assert store.is_complete("putuo_baseline", 1, tables=False)
    assert not store.is_complete("putuo_baseline", 1)  # tables wanted: not done
    assert store.firms().empty and len(store.metrics()) == 4


def test_resuming_a_metrics_only_batch_with_tables_redoes_the_runs(tmp_path):
    out = tmp_path / "b"
    lean = run_batch(FILES[:1], 2, out, workers=1, scale=SCALE, progress=False, tables=False)
    full = run_batch(FILES[:1], 2, out, workers=1, scale=SCALE, progress=False, resume=True)
    pd.testing.assert_frame_equal(lean, full)
    assert (out / "runs" / "putuo_baseline" / "r0000" / "firms.parquet").exists()
    assert len(BatchStore(out).firms()) > 0


def test_a_run_keeping_only_the_metrics_columns_has_the_same_metrics_and_columns():
    """simulate(firm_columns=()) computes only the firm columns the metrics read: the same values,
    the same metrics, in the table's order; an unknown column is refused."""
    from sim.experiments.metrics import METRIC_FIRM_COLUMNS
    from sim.experiments.simulate import simulate

    scenario = load_scenario(FILES[0])
    full = simulate(scenario, seed=3, scale=SCALE)
    lean = simulate(scenario, seed=3, scale=SCALE, firm_columns=())
    assert lean.metrics == full.metrics
    assert list(lean.firm_columns) == [name for name in full.firm_columns if name in METRIC_FIRM_COLUMNS]
    assert set(lean.firm_columns) == set(METRIC_FIRM_COLUMNS)
    for name, column in lean.firm_columns.items():
        np.testing.assert_array_equal(getattr(column, "codes", column), getattr(full.firm_columns[name], "codes",
                                                                              full.firm_columns[name]))
    some = simulate(scenario, seed=3, scale=SCALE, firm_columns=("support_training_yuan", "support_total_yuan"))
    np.testing.assert_array_equal(some.firm_columns["support_total_yuan"], full.firm_columns["support_total_yuan"])
    assert "support_incubation_yuan" not in some.firm_columns
    with pytest.raises(KeyError, match="no_such_column"):
        simulate(scenario, seed=3, scale=SCALE, firm_columns=("no_such_column",))


def grouped_model(X: np.ndarray) -> np.ndarray:
    """Parameters a and b act only together (group g1); c alone (g2); d not at all (g3)."""
    return 4.0 * X[:, 0] * X[:, 1] + 1.0 * X[:, 2] + 0.0 * X[:, 3]


def test_grouped_sobol_indices_per_group():
    problem = {"num_vars": 4, "names": ["a", "b", "c", "d"], "bounds": [[0.0, 1.0]] * 4,
               "groups": ["g1", "g1", "g2", "g3"]}
    assert factor_names(problem) == ["g1", "g2", "g3"]
    assert len(sample_design(problem, "sobol", 64)) == 64 * (3 + 2)
    table = analyze_model(grouped_model, problem, "sobol", 512, seed=2)["y"].set_index("parameter")
    assert list(table.index) == ["g1", "g2", "g3"]
    assert table.loc["g1", "ST"] > table.loc["g2", "ST"] > 0.05
    assert table.loc["g3", "ST"] == pytest.approx(0.0, abs=0.01)
    assert table.loc["g1", "ST"] + table.loc["g2", "ST"] == pytest.approx(1.0, abs=0.1)


def test_block_groups_follow_the_scenario_tables():
    params = select_parameters(load_scenario(FILES[0]))
    groups = parameter_groups(params, "block")
    assert groups[[p.name for p in params].index("behaviour.returns_to_scale")] == "behaviour"
    assert groups[[p.name for p in params].index("policy.incubation.places_per_base")] == "policy.incubation"
    assert "groups" not in salib_problem(params) and parameter_groups(params, "none") is None
    with pytest.raises(UsageError, match="--groups"):
        parameter_groups(params, "sector")


def test_grouped_sobol_on_the_model_runs_metrics_only(tmp_path):
    scenario = load_scenario(FILES[0])
    params = ["behaviour.revenue_cost_ratio", "behaviour.returns_to_scale", "policy.incubation.places_per_base"]
    result = run_sensitivity(scenario, "sobol", 2, tmp_path / "s", outcomes=["jobs_created", "additional_jobs"],
                             params=params, workers=1, root_seed=3, scale=SCALE, progress=False, groups="block")
    assert len(result.design.X) == 2 * (2 + 2)  # two groups: behaviour, policy.incubation
    assert set(result.indices["jobs_created"]["parameter"]) == {"behaviour", "policy.incubation"}
    assert not any((tmp_path / "s" / "runs").glob("*/r0000/firms.parquet"))
    with pytest.raises(UsageError, match="only with --method sobol"):
        run_sensitivity(scenario, "morris", 2, tmp_path / "m", params=params, scale=SCALE, progress=False,
                        groups="block")


def test_figures_of_a_metrics_only_batch_are_a_one_line_error(tmp_path, capsys):
    from sim.cli import main

    run_batch(FILES, 1, tmp_path / "lean", workers=1, scale=SCALE, progress=False, tables=False)
    assert main(["compare", str(tmp_path / "lean")]) == 0
    capsys.readouterr()
    for command in ("plot", "report"):
        assert main([command, str(tmp_path / "lean")]) == 2
        err = capsys.readouterr().err
        assert "--metrics-only" in err and len(err.strip().splitlines()) == 1
