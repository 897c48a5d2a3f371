"""startup-sim: an agent-based simulator of a Shanghai district's startup ecosystem, 2018-2022.

The pure entry point is :func:`sim.experiments.simulate.simulate`; scenarios are read with
:func:`sim.scenario.files.load_scenario`.
"""

from sim.experiments.simulate import SimulationResult, simulate
from sim.scenario.files import ScenarioError, load_scenario
from sim.scenario.schema import Scenario

__all__ = ["Scenario", "ScenarioError", "SimulationResult", "load_scenario", "simulate"]
