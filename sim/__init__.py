"""startup-sim: an agent-based simulator of a Shanghai district's startup ecosystem, 2018-2022.

The pure entry point is :func:`sim.simulate.simulate`; scenarios are read with
:func:`sim.scenario_files.load_scenario`.
"""

from sim.scenario import Scenario
from sim.scenario_files import ScenarioError, load_scenario
from sim.simulate import SimulationResult, simulate

__all__ = ["Scenario", "ScenarioError", "SimulationResult", "load_scenario", "simulate"]
