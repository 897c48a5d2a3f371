"""Editing validated scenarios: set parameters by dotted name, switch every programme off.

Both return a new scenario validated again by the schema, so an edit the schema rejects raises
:class:`sim.scenario.files.ScenarioError` naming the key. Used by the sensitivity analysis, the
calibration and the notebooks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sim.scenario.files import ScenarioError, validate_dict
from sim.scenario.parameters import iter_parameters
from sim.scenario.policy_tables import Policy
from sim.scenario.schema import Scenario

PROGRAMMES = tuple(Policy.model_fields)
"""The programme tables of the ``policy`` section (each has an ``enabled`` switch)."""


def _set_dotted(data: dict[str, Any], dotted: str, value: Any, where: str) -> None:
    parts = dotted.split(".")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, dict) or part not in node or not isinstance(node[part], dict):
            raise ScenarioError(where, ".".join(parts[: i + 1]), f"no such table for parameter {dotted!r}")
        node = node[part]
    if not isinstance(node, dict) or parts[-1] not in node:
        raise ScenarioError(where, dotted, "no such parameter")
    node[parts[-1]] = value


def with_parameters(scenario: Scenario, values: Mapping[str, float], where: str = "<parameters>") -> Scenario:
    """A copy of ``scenario`` with parameters set by dotted name, validated again.

    Integer parameters (declared with an integer default) are rounded to the nearest whole
    number; the others become floats.

    Args:
        scenario: A validated scenario.
        values: ``{"behaviour.quality_log_sd": 0.15, "shocks.lockdown_2022.months": 3, ...}``.
        where: Name used in error messages (e.g. the design point).

    Returns:
        A new validated :class:`Scenario`.

    Raises:
        ScenarioError: An unknown name, or a value the schema rejects (one line naming the key).
    """
    integer = {p.name: p.integer for p in iter_parameters(scenario)}
    data = scenario.model_dump(mode="python")
    for name, value in values.items():
        if name not in integer:
            _set_dotted(data, name, value, where)  # raises with the first missing part
            raise ScenarioError(where, name, "not a declared parameter")
        number = float(value)
        if not math.isfinite(number):
            raise ScenarioError(where, name, f"must be a finite number (got {value!r})")
        _set_dotted(data, name, int(round(number)) if integer[name] else number, where)
    return validate_dict(data, where)


def no_policy(scenario: Scenario, reference: Scenario | None = None) -> Scenario:
    """The scenario with every programme disabled (the additionality counterfactual).

    Args:
        scenario: A validated scenario.
        reference: If given, the disabled programmes' own parameters are taken from it (they have
            no effect once disabled), so counterparts of scenarios that differ only in policy
            parameters are identical and run once.

    Returns:
        A new validated scenario with ``policy.<programme>.enabled = false`` for every programme.
    """
    data = scenario.model_dump(mode="python")
    if reference is not None:
        data["policy"] = reference.model_dump(mode="python")["policy"]
    for programme in PROGRAMMES:
        data["policy"][programme]["enabled"] = False
    return validate_dict(data, f"{scenario.name} (no policy)")


__all__ = ["PROGRAMMES", "no_policy", "with_parameters"]
