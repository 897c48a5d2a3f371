"""Budget optimiser: encoding, dominance, the search on a known front, resume and the real model."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.analysis.mixes import MixSpace, apply_mix, budget_shares, lever_budgets, mix_id
from sim.analysis.optimise import SearchSettings, optimise, write_outputs
from sim.analysis.pareto import dominates, nsga2, pareto_mask
from sim.errors import UsageError
from sim.experiments.simulate import simulate
from sim.policy.registry import lever_names
from sim.scenario.files import load_scenario

ROOT = Path(__file__).resolve().parents[1]
PUTUO = ROOT / "scenarios" / "putuo" / "baseline.toml"


@pytest.fixture(scope="module")
def putuo():
    return load_scenario(PUTUO)


# ------------------------------------------------------------------------------- budget
@settings(max_examples=200, deadline=None)
@given(
    weights=arrays(np.float64, 8, elements=st.floats(0, 1)),
    enabled=arrays(np.bool_, 8),
    slack=st.floats(0, 1),
    budget=st.floats(1.0, 1e10),
)
def test_budget_shares_never_exceed_the_budget(weights, enabled, slack, budget):
    shares = budget_shares(weights, enabled, slack)
    assert np.all(shares >= 0)
    assert shares.sum() <= 1 + 1e-12
    assert np.all(shares[~enabled] == 0)
    budgets = lever_budgets(shares, budget)
    assert np.all(budgets >= 0)
    assert budgets.sum() <= budget


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_decoded_mixes_never_overspend(putuo, data):
    space = MixSpace(putuo, 43_000_000.0)
    point = data.draw(arrays(np.float64, space.n_var, elements=st.floats(-0.5, 1.5)))
    mix = space.decode(point)
    assert mix.allocated_yuan() <= 43_000_000.0
    for lever in space.all_levers:
        if not mix.settings[f"{lever}.enabled"]:
            assert mix.settings[f"{lever}.annual_budget_yuan"] == 0.0
    scenario = apply_mix(putuo, mix.settings)  # validates
    total = sum(getattr(scenario.policy, lever).annual_budget_yuan for lever in space.all_levers
                if getattr(scenario.policy, lever).enabled)
    assert total <= 43_000_000.0


def test_a_decoded_mix_spends_at_most_the_budget_each_year(putuo):
    space = MixSpace(putuo, 5_000_000.0)  # tight: every lever on, equal weights, no slack
    x = np.full(space.n_var, 0.5)
    x[[space.names().index(f"{lever}.enabled") for lever in space.levers]] = 1.0
    x[space.names().index("slack.budget_weight")] = 0.0
    mix = space.decode(x)
    assert set(mix.enabled()) == set(space.levers)
    scale = 0.05
    result = simulate(apply_mix(putuo, mix.settings), seed=3, scale=scale)
    budgeted = result.monthly["spend_total_yuan"] - result.monthly["spend_contracts_yuan"]  # contracts lie outside
    per_year = budgeted.groupby(result.monthly["month"].str[:4]).sum()
    assert per_year.max() > 0.5 * 5_000_000.0 * scale  # the budget binds ...
    assert np.all(per_year <= 5_000_000.0 * scale * (1 + 1e-9))  # ... and holds
    assert sum(len(years) for years in result.rationed_years.values()) > 0  # so some lever rations
    generous = space.settings_of(putuo).settings | {f"{lever}.annual_budget_yuan": 1e10 for lever in space.all_levers}
    funded = simulate(apply_mix(putuo, generous), seed=3, scale=scale)
    assert funded.rationed_years and not any(funded.rationed_years.values())
    assert set(funded.rationed_years) == {lever for lever in space.all_levers if generous[f"{lever}.enabled"]}


def test_mix_identity_ignores_settings_of_disabled_levers(putuo):
    space = MixSpace(putuo, 43_000_000.0)
    names = space.names()
    x = np.full(space.n_var, 0.7)
    x[names.index("incubation.enabled")] = 0.0
    y = x.copy()
    y[names.index("incubation.period_months")] = 0.1
    assert mix_id(space.decode(x)) == mix_id(space.decode(y))
    x[names.index("incubation.enabled")] = 1.0
    y[names.index("incubation.enabled")] = 1.0
    assert mix_id(space.decode(x)) != mix_id(space.decode(y))


# ------------------------------------------------------------------------------- dominance
def test_dominance_cases():
    assert dominates([1, 2], [2, 2])
    assert not dominates([1, 2], [1, 2])
    assert not dominates([1, 3], [2, 2])
    assert not dominates([2, 2], [1, 2])
    assert list(pareto_mask(np.array([[1, 2], [2, 1], [2, 2], [1, 2], [3, 0]]))) == [True, True, False, True, True]


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 3)), elements=st.integers(0, 4).map(float)))
def test_pareto_mask_matches_pairwise_dominance(F):
    mask = pareto_mask(F)
    for i in range(len(F)):
        assert mask[i] == (not any(dominates(F[j], F[i]) for j in range(len(F))))


# ------------------------------------------------------------------------------- search
def zdt1(X: np.ndarray, generation: int):
    g = 1 + 9 * X[:, 1:].mean(axis=1)
    f1 = X[:, 0]
    return np.c_[f1, g * (1 - np.sqrt(f1 / g))], None


def test_nsga2_finds_the_known_front_of_zdt1():
    history = nsga2(zdt1, n_var=4, n_obj=2, n_constr=0, population=40, generations=60, seed=1)
    X = np.vstack([h[0] for h in history])
    F = np.vstack([h[1] for h in history])
    front = F[pareto_mask(F)]
    # true front: f2 = 1 - sqrt(f1), f1 in [0, 1] (g = 1)
    assert np.max(front[:, 1] - (1 - np.sqrt(front[:, 0]))) < 0.05
    assert front[:, 0].min() < 0.05 and front[:, 0].max() > 0.9
    assert len(front) >= 20
    again = nsga2(zdt1, n_var=4, n_obj=2, n_constr=0, population=40, generations=3, seed=1)
    assert np.array_equal(again[2][0], history[2][0])  # seeded: the same proposals
    assert X.min() >= 0 and X.max() <= 1


def test_nsga2_respects_constraints():
    def constrained(X, generation):
        F, _ = zdt1(X, generation)
        return F, (0.5 - X[:, :1])  # feasible only where x0 >= 0.5

    history = nsga2(constrained, n_var=3, n_obj=2, n_constr=1, population=20, generations=20, seed=2)
    X, F, G = history[-1]
    assert np.all(G <= 0) or np.mean(G <= 0) > 0.9


def tiny(putuo):
    data = putuo.model_dump(mode="python")
    data["period"] = {"start": "2018-01", "end": "2018-12"}
    # the 2020 and 2022 shocks lie outside a 2018 period (refused in a file): switch them off
    data["shocks"] = {name: {**shock, "months": 0} for name, shock in data["shocks"].items()}
    from sim.scenario.files import validate_dict

    return validate_dict(data, "tiny")


def test_search_on_the_model_resumes_to_the_same_front(putuo, tmp_path):
    scenario = tiny(putuo)
    settings_ = SearchSettings(budget_yuan=20_000_000.0, samples=2, population=4, generations=2, scale=0.03,
                               uncertain=("behaviour.returns_to_scale",))
    first = optimise(scenario, settings_, tmp_path / "a", workers=1, progress=False)
    assert len(first.evaluations) == 1 + len(lever_names()) + len(first.mixes)  # documented, levers alone, mixes
    assert first.evaluations["p_funded"].between(0, 1).all()
    assert (first.evaluations["feasible"] <= (first.evaluations["p_funded"] >= 0.9)).all()
    assert first.evaluations["allocated_yuan_per_year"][first.evaluations["kind"] == "searched"].max() <= 20e6
    # a search killed in its last generation: some runs and the summary lost
    b = tmp_path / "b"
    shutil.copytree(tmp_path / "a", b)
    last = b / "evaluations" / "g0001"
    for run in sorted((last / "runs").glob("*/r0000"))[:3]:
        shutil.rmtree(run)
    (last / "summary.csv").unlink()
    with pytest.raises(Exception, match="--resume"):
        optimise(scenario, settings_, b, workers=1, progress=False)
    resumed = optimise(scenario, settings_, b, workers=1, progress=False, resume=True)
    pd.testing.assert_frame_equal(first.evaluations, resumed.evaluations)
    pd.testing.assert_frame_equal(first.pareto, resumed.pareto)
    other = SearchSettings(**{**settings_.__dict__, "budget_yuan": 10_000_000.0})
    with pytest.raises(UsageError, match="settings: this search used"):
        optimise(scenario, other, b, workers=1, progress=False, resume=True)
    # a shorter search, extended by one generation, is the same search
    c = tmp_path / "c"
    optimise(scenario, SearchSettings(**{**settings_.__dict__, "generations": 1}), c, workers=1, progress=False)
    extended = optimise(scenario, settings_, c, workers=1, progress=False, resume=True)
    pd.testing.assert_frame_equal(first.evaluations, extended.evaluations)


def test_pareto_mixes_are_written_as_valid_overlays(putuo, tmp_path):
    scenario = tiny(putuo)
    scenario_file = tmp_path / "tiny.toml"
    shutil.copy(PUTUO, scenario_file)  # the full period: its shocks must lie inside it
    scenario = load_scenario(scenario_file)
    settings_ = SearchSettings(budget_yuan=20_000_000.0, samples=0, population=4, generations=1, scale=0.03,
                               min_probability=0.0)
    result = optimise(scenario, settings_, tmp_path / "out", workers=1, progress=False)
    assert result.pareto["pareto"].all() and len(result.pareto) >= 1
    written = write_outputs(result, scenario, scenario_file, tmp_path / "out")
    mixes = [p for p in written if p.suffix == ".toml"]
    assert len(mixes) == len(result.pareto)
    for path, tag in zip(mixes, result.pareto["tag"], strict=True):
        assert 'extends = "../../tiny.toml"' in path.read_text()
        loaded = load_scenario(path)
        for key, value in result.mixes[tag].settings.items():
            lever, field = key.split(".", 1)
            if field == "annual_budget_yuan" and not result.mixes[tag].settings[f"{lever}.enabled"]:
                continue
            assert getattr(getattr(loaded.policy, lever), field) == value
    pareto = pd.read_csv(tmp_path / "out" / "pareto.csv")
    for column in ("additional_jobs_mean", "additional_jobs_ci_low", "additional_jobs_ci_high",
                   "fiscal_cost_yuan_mean", "allocated_yuan_per_year", "incubation.enabled"):
        assert column in pareto


def test_optimise_and_discover_help_import_no_heavy_library():
    import subprocess
    import sys

    probe = ("import contextlib, io, sys\nfrom sim.cli import main\n"
             "for args in (['optimise', '--help'], ['discover', '--help']):\n"
             "    with contextlib.redirect_stdout(io.StringIO()):\n"
             "        try:\n            main(args)\n        except SystemExit:\n            pass\n"
             "heavy = ('mesa', 'pandas', 'scipy', 'matplotlib', 'pymoo', 'ema_workbench', 'numpy')\n"
             "print(','.join(m for m in heavy if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == ""
