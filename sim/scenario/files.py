"""Loading scenario files: ``load_scenario(path)`` and friends, the entry point for users of the library.

``load_scenario(path)`` reads a TOML file, resolves its ``extends`` chain (:mod:`sim.scenario.extends`,
which states the inheritance rules), validates the result into a :class:`sim.scenario.Scenario`
(one-line errors: :mod:`sim.scenario.validation_errors`) and applies the checks beyond the schema
(:mod:`sim.scenario.checks`); :func:`scenario_to_toml` writes a scenario back.

Every problem raises :class:`ScenarioError`, whose text is one line: ``FILE: KEY: problem``. This module
re-exports it, :class:`ResolvedFile` (what :func:`load_resolved` returns) and :func:`scenario_warnings`,
which callers import from here together with :func:`load_scenario`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from sim.scenario.checks import check_scenario, scenario_warnings
from sim.scenario.extends import (
    ResolvedFile,
    ScenarioError,
    display_path,
    resolve_scenario,
)
from sim.scenario.schema import Scenario
from sim.scenario.validation_errors import validation_error_line


def validate_dict(data: dict[str, Any], path: str | Path = "<scenario>") -> Scenario:
    """Validate an already-resolved scenario dict (errors name ``path``)."""
    resolved = ResolvedFile(data, [display_path(Path(path))] if str(path) != "<scenario>" else [str(path)])
    return _validate(resolved)


def _validate(resolved: ResolvedFile) -> Scenario:
    try:
        return Scenario.model_validate(resolved.data)
    except ValidationError as exc:
        raise validation_error_line(resolved, exc) from None
    except RecursionError:
        raise ScenarioError(resolved.file, "-", "structure nested too deeply") from None


def load_resolved(path: str | Path) -> tuple[Scenario, ResolvedFile]:
    """Read, resolve and validate a scenario file; also return its resolution (chain, origins).

    Raises:
        ScenarioError: One-line ``FILE: KEY: problem`` for any problem with the file or its
            parents.
    """
    resolved = resolve_scenario(path)
    scenario = _validate(resolved)
    check_scenario(scenario, resolved)
    return scenario, resolved


def load_scenario(path: str | Path) -> Scenario:
    """Read, resolve and validate a scenario file.

    Raises:
        ScenarioError: One-line ``FILE: KEY: problem`` for any problem with the file or its
            parents.
    """
    return load_resolved(path)[0]


def scenario_to_toml(scenario: Scenario) -> str:
    """The fully resolved scenario as TOML (reading it back gives the same scenario)."""
    data = scenario.model_dump(mode="python", exclude_none=True)
    return tomli_w.dumps(data)


__all__ = [
    "ResolvedFile",
    "ScenarioError",
    "load_resolved",
    "load_scenario",
    "scenario_to_toml",
    "scenario_warnings",
    "validate_dict",
]
