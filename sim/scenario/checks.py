"""Checks of a valid scenario beyond the schema: path-safe name, known target metrics, real source keys,
shocks inside the period.

:func:`check_scenario` refuses a scenario file that breaks one (a :class:`~sim.scenario.extends.ScenarioError`
naming the file and key); :func:`scenario_warnings` lists what is allowed but probably not meant.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from sim.calendar import parse_month
from sim.scenario.extends import Key, ResolvedFile, ScenarioError, display_path, inherited_error
from sim.scenario.outcomes import OUTCOME_NAMES
from sim.scenario.schema import Scenario
from sim.scenario.validation_errors import closest_word

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
"""Scenario names key batch results and name output directories, so they must be path-safe."""


def _field_paths(model: BaseModel, prefix: str = "") -> list[str]:
    """Every dotted field path of a validated scenario (tables, dict entries, leaves)."""
    paths: list[str] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        path = f"{prefix}{name}"
        paths.append(path)
        if isinstance(value, BaseModel):
            paths.extend(_field_paths(value, path + "."))
        elif isinstance(value, dict):
            for key, sub in value.items():
                paths.append(f"{path}.{key}")
                if isinstance(sub, BaseModel):
                    paths.extend(_field_paths(sub, f"{path}.{key}."))
    return paths


def shocks_outside_period(scenario: Scenario) -> list[tuple[str, str]]:
    """Shocks that are on (months and depth > 0) and lie wholly outside the period: ``(name, problem)``."""
    first, last = parse_month(scenario.period.start), parse_month(scenario.period.end)
    found = []
    for name, shock in scenario.shocks.items():
        if shock.months == 0 or (shock.depth == 0 and not shock.relief_package):  # switched off
            continue
        start = parse_month(shock.start)
        ends = start + shock.months + shock.recovery_months - 1
        if start > last or ends < first:
            found.append((name, f"the shock ({shock.start}, {shock.months} months + {shock.recovery_months} of "
                          f"recovery) lies outside the period {scenario.period.start} to {scenario.period.end} "
                          "and has no effect; move it into the period, change the period, or switch it off "
                          "(depth = 0.0)"))
    return found


def scenario_warnings(scenario: Scenario, file: str | Path) -> list[str]:
    """One line per thing in a valid scenario that probably is not what its author meant.

    A shock inherited from a parent file that the child's period leaves out (the child is
    refused only when one file set both, see :func:`check_scenario`).
    """
    return [f"{display_path(file)}: shocks.{name}: {problem}" for name, problem in shocks_outside_period(scenario)]


def check_scenario(scenario: Scenario, resolved: ResolvedFile) -> None:
    """Checks beyond the schema that only make sense for a scenario file.

    * ``name`` is path-safe (it names results directories and keys batch results);
    * ``description`` is one line (``startup-sim scenarios`` lists it);
    * every target's ``metric`` is a metric the simulator reports;
    * every ``[sources]`` key names a field of the scenario (a typo would silently not apply);
    * a shock set in the file that sets the period, or in a file extending it (or with the
      default period), overlaps the period (outside it, it would silently have no effect; an inherited one only gives a
      warning, :func:`scenario_warnings`).

    Raises:
        ScenarioError: The first rule broken, naming the file and key.
    """
    def fail(key: Key, shown: str, problem: str) -> ScenarioError:
        return inherited_error(ScenarioError(resolved.origin(key), shown, problem), resolved.file)

    if not NAME_PATTERN.match(scenario.name):
        raise fail(("name",), "name", "must be 1-100 letters, digits, '_', '-' or '.', starting with a letter "
                   f"or digit (it names results directories), got {scenario.name!r}")
    if "\n" in scenario.description or "\r" in scenario.description:
        raise fail(("description",), "description", "must be one line (one sentence: the scenario's question)")
    known = sorted(OUTCOME_NAMES)
    for i, target in enumerate(scenario.targets):
        if target.metric not in known:
            close = closest_word(target.metric, known)
            hint = f"; did you mean '{close}'?" if close else f"; known metrics: {', '.join(known)}"
            raise fail(("targets",), f"targets.{i}.metric", f"unknown metric {target.metric!r}{hint}")
    period_from = {resolved.origin(("period", key)) for key in ("start", "end")} if "period" in resolved.data else set()
    for name, problem in shocks_outside_period(scenario):
        if ("shocks", name) not in resolved.origins:
            continue
        depth = {path: i for i, path in enumerate(resolved.chain)}  # 0: the file itself
        shock_from = resolved.origin(("shocks", name))
        # refuse when the shock was written knowing the period (same file, or a file extending it)
        if not period_from or depth.get(shock_from, 0) <= min(depth.get(p, 0) for p in period_from):
            raise fail(("shocks", name), f"shocks.{name}.start", problem)
    fields = _field_paths(scenario)
    valid = set(fields)
    for key in scenario.sources:
        if key not in valid:
            close = closest_word(key, fields)
            hint = f"; did you mean '{close}'?" if close else ""
            raise fail(("sources", key), f"sources.{key}", f"names no scenario key{hint}")
