"""Scenario discovery: PRIM recovers planted boxes; the discovery runs on the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.discover import box_table, discover, prim_boxes
from sim.scenario.files import load_scenario, validate_dict

ROOT = Path(__file__).resolve().parents[1]


def planted(n: int = 400, noise: float = 0.03, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(size=(n, 6)), columns=[f"p{i}" for i in range(6)])
    y = ((x["p1"] > 0.6) & (x["p3"] < 0.3)).to_numpy()
    return x, y ^ (rng.uniform(size=n) < noise)


def test_prim_recovers_a_planted_box():
    x, y = planted()
    box = prim_boxes(x, y)[0]
    assert {"p1", "p3"} <= set(box["limits"])
    assert abs(box["limits"]["p1"][0] - 0.6) < 0.08 and box["limits"]["p1"][1] > 0.95
    assert box["limits"]["p3"][0] < 0.05 and abs(box["limits"]["p3"][1] - 0.3) < 0.08
    assert box["coverage"] > 0.7 and box["density"] > 0.8
    # the other dimensions stay (nearly) whole
    for name in set(box["limits"]) - {"p1", "p3"}:
        low, high = box["limits"][name]
        assert high - low > 0.8


def test_prim_finds_a_second_box_and_reports_constant_questions():
    rng = np.random.default_rng(1)
    x = pd.DataFrame(rng.uniform(size=(400, 4)), columns=list("abcd"))
    y = (((x["a"] > 0.7) & (x["b"] > 0.7)) | (x["c"] < 0.12)).to_numpy()
    table = box_table(x, {"union": y, "never": np.zeros(400, bool), "always": np.ones(400, bool)})
    union = table[table["question"] == "union"]
    assert len(union) >= 2
    restricted = " ".join(union["restricted"])
    assert "c in" in restricted and "a in" in restricted
    assert union["density"].min() > 0.7
    assert list(table.loc[table["question"] == "never", "note"]) == ["never"]
    assert list(table.loc[table["question"] == "always", "note"]) == ["in every draw"]


def test_discover_runs_the_mix_on_every_draw(tmp_path):
    data = load_scenario(ROOT / "scenarios" / "putuo" / "baseline.toml").model_dump(mode="python")
    data["period"] = {"start": "2018-01", "end": "2018-12"}
    scenario = validate_dict(data, "tiny")
    result = discover(scenario, tmp_path, uncertain=["behaviour.returns_to_scale", "behaviour.wage_yuan_month"],
                      samples=12, scale=0.03, workers=1)
    assert len(result.draws) == 12
    assert {"behaviour.returns_to_scale", "behaviour.wage_yuan_month", "additional_jobs", "met_all",
            "few_jobs"} <= set(result.draws)
    assert result.draws["behaviour.returns_to_scale"].between(0.6, 0.8).all()
    assert result.jobs_threshold == 0.5 * result.draws["additional_jobs"].median()
    assert set(result.boxes["question"]) >= {"few additional jobs", "misses any target"}
    assert (tmp_path / "evaluations" / "discovery" / "summary.csv").exists()
