"""Saving the explorer's mix as a scenario file that ``extends`` the starting file.

:func:`save_scenario` writes only the values that differ from the starting scenario, names the scenario
``<district>_<file name>``, and validates the file it wrote (removing it again if it does not validate).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sim.errors import UsageError
from sim.explore.mix import changed_values
from sim.scenario.files import ScenarioError, load_scenario
from sim.scenario.schema import Scenario

_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(float(value))
    raise TypeError(f"cannot write {value!r} to a scenario file")


def scenario_file_text(start_file: Path, start: Scenario, changes: dict[str, Any], name: str,
                       description: str) -> str:
    """The TOML of a scenario that extends ``start_file`` with the changed policy values only."""
    changes = changed_values(start, changes)
    lines = [
        f"# Saved by `startup-sim explore`: {start.name} with the changes below.",
        f'extends = "{start_file.name}"',
        f'name = "{name}"',
        f"description = {_quote(description)}",
    ]
    tables: dict[str, list[str]] = {}
    for path, value in changes.items():
        table, key = path.rsplit(".", 1)
        tables.setdefault(table, []).append(f"{key} = {_toml_value(value)}")
    for table, entries in tables.items():
        lines += ["", f"[{table}]", *entries]
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def save_scenario(start_file: str | Path, changes: dict[str, Any], file_name: str,
                  description: str = "") -> tuple[Path, Scenario]:
    """Write the mix as ``<file_name>.toml`` beside the starting file and validate it.

    The file ``extends`` the starting file and sets only the values that differ from it; its name
    is ``<district>_<file_name>``.

    Returns:
        The path written and the validated scenario read back from it.

    Raises:
        UsageError: A bad file name, or a file that already exists.
        ScenarioError: The written file does not validate (it is removed again).
    """
    start_file = Path(start_file)
    stem = file_name.removesuffix(".toml")
    if not _FILE_NAME.match(stem):
        raise UsageError(f"file name {file_name!r}: use letters, digits, '_' and '-' only")
    path = start_file.parent / f"{stem}.toml"
    if path.exists():
        raise UsageError(f"{path}: exists already; choose another file name")
    start = load_scenario(start_file)
    name = f"{start.district}_{stem}" if not stem.startswith(f"{start.district}_") else stem
    description = description or f"{start.description} (changed in the explorer)"
    path.write_text(scenario_file_text(start_file, start, changes, name, description), encoding="utf-8")
    try:
        saved = load_scenario(path)
    except ScenarioError:
        path.unlink()
        raise
    return path, saved


__all__ = [
    "save_scenario",
    "scenario_file_text",
]
