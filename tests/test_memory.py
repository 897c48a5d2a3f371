"""A finished run leaves nothing behind: a worker running many replications keeps flat memory."""

from __future__ import annotations

import gc
from pathlib import Path

from sim.core.model import StartupEcosystem
from sim.experiments.simulate import simulate
from sim.scenario.files import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def test_finished_models_are_garbage_collected():
    scenario = load_scenario(ROOT / "scenarios" / "putuo" / "baseline.toml")
    gc.collect()
    # models other tests keep alive on purpose (e.g. the explorer's month-by-month view) are not ours
    before = {id(o) for o in gc.get_objects() if isinstance(o, StartupEcosystem)}
    for seed in range(3):
        result = simulate(scenario, seed=seed, scale=0.05)
        assert result.metrics["firms_started"] > 0
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, StartupEcosystem) and id(o) not in before]


def test_a_finished_run_frees_its_arrays_without_the_cyclic_collector():
    # a model is a web of reference cycles: only the cyclic collector would free it, and that runs
    # after enough new Python objects, not bytes, so a worker held several dead models' arrays at
    # once (release_model empties them when the run is read)
    import numpy as np

    from sim.core.population import FirmArrays

    scenario = load_scenario(ROOT / "scenarios" / "putuo" / "baseline.toml")
    gc.collect()
    gc.disable()
    try:
        before = {id(o) for o in gc.get_objects() if isinstance(o, FirmArrays)}
        for seed in range(2):
            assert simulate(scenario, seed=seed, scale=0.05).metrics["firms_started"] > 0
        holding = [o for o in gc.get_objects() if isinstance(o, FirmArrays) and id(o) not in before
                   and any(isinstance(v, np.ndarray) for v in vars(o).values())]
    finally:
        gc.enable()
    assert not holding
