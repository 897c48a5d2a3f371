"""Golden test: a small fixed batch must give a byte-identical ``summary.csv``.

A refactor keeps results identical. A deliberate model change regenerates the golden file in its
own commit (stating the headline figures before and after) with::

    STARTUP_SIM_REGENERATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

from sim.experiments.batch import run_batch

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "summary.csv"
LEVERS = (
    "lever_growth_grants", "lever_incubation", "lever_loans", "lever_rent_relief",
    "lever_startup_subsidies", "lever_talent_housing", "lever_training",
)
SCENARIOS = [
    ROOT / "scenarios" / district / f"{name}.toml"
    for district in ("putuo", "yangpu")
    for name in ("baseline", "no_policy", *LEVERS)
]
REPLICATIONS = 3
ROOT_SEED = 20181
SCALE = 0.1


def test_summary_is_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "golden"
    run_batch([str(p) for p in SCENARIOS], REPLICATIONS, out, workers=1, root_seed=ROOT_SEED,
              scale=SCALE, progress=False)
    produced = (out / "summary.csv").read_bytes()
    if os.environ.get("STARTUP_SIM_REGENERATE_GOLDEN") == "1":
        GOLDEN.write_bytes(produced)
    assert GOLDEN.exists(), f"{GOLDEN} missing: regenerate it (see this module's docstring)"
    assert produced == GOLDEN.read_bytes(), "summary.csv differs from the golden file"
