"""The explorer's mix: the starting scenario with the planner's changes, its counterfactual and its budget.

:func:`apply_changes` builds the mix (dotted path -> value, validated), :func:`counterfactual` switches every
programme off, :func:`yearly_budget` sums the budgets of the levers a scenario switches on and
:func:`changed_values` keeps the changes that differ from the starting scenario.
"""

from __future__ import annotations

from typing import Any

from sim.scenario.files import validate_dict
from sim.scenario.policy_tables import Policy
from sim.scenario.schema import Scenario

MIX_NAME = "explorer_mix"
COUNTERFACTUAL_NAME = "explorer_no_policy"


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        data = data[key]
    data[last] = value


def apply_changes(start: Scenario, changes: dict[str, Any], name: str = MIX_NAME) -> Scenario:
    """The starting scenario with ``changes`` (dotted path -> value) applied and validated.

    Raises:
        ScenarioError: A value the schema rejects (one line naming the key).
    """
    data = start.model_dump(mode="python")
    for path, value in changes.items():
        _set(data, path, value)
    data["name"] = name
    return validate_dict(data, f"{name} (explorer)")


def counterfactual(start: Scenario, name: str = COUNTERFACTUAL_NAME) -> Scenario:
    """The starting scenario with every programme off (same district, period and shocks)."""
    return apply_changes(start, {f"policy.{lever}.enabled": False for lever in Policy.model_fields}, name)


def yearly_budget(scenario: Scenario) -> dict[str, float]:
    """Lever -> annual budget (yuan/year, full scale) for the levers the scenario switches on."""
    budget: dict[str, float] = {}
    for lever in Policy.model_fields:
        table = getattr(scenario.policy, lever)
        if table.enabled and hasattr(table, "annual_budget_yuan"):
            budget[lever] = float(table.annual_budget_yuan)
    return budget


def changed_values(start: Scenario, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes that differ from the starting scenario's values (the others are dropped)."""
    dumped = start.model_dump(mode="python")
    kept = {}
    for path, value in changes.items():
        current: Any = dumped
        for key in path.split("."):
            current = current[key]
        if current != value:
            kept[path] = value
    return kept


__all__ = [
    "COUNTERFACTUAL_NAME",
    "MIX_NAME",
    "apply_changes",
    "changed_values",
    "counterfactual",
    "yearly_budget",
]
