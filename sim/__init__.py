"""startup-sim: an agent-based simulator of a Shanghai district's startup ecosystem, 2018-2022.

The pure entry point is :func:`sim.experiments.simulate.simulate`; scenarios are read with
:func:`sim.scenario.files.load_scenario`. The names below are loaded on first use (module
``__getattr__``), so ``import sim`` and the command line's ``--help`` and ``validate`` do not
import Mesa, pandas or scipy.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Scenario": "sim.scenario.schema",
    "ScenarioError": "sim.scenario.files",
    "SimulationResult": "sim.experiments.simulate",
    "load_scenario": "sim.scenario.files",
    "simulate": "sim.experiments.simulate",
}

__all__ = ["Scenario", "ScenarioError", "SimulationResult", "load_scenario", "simulate"]


def __getattr__(name: str) -> Any:
    """Import ``sim.<name>`` from its module on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
