"""``startup-sim validate``, ``startup-sim scenarios`` and ``startup-sim show``.

* ``validate FILE|DIR...`` checks scenario files without running them: one ``OK`` line per good
  file on stdout, one ``error: FILE: KEY: problem`` line per bad file on stderr; exit code 2
  if any file is bad or two files share a ``name`` (batches key results by name).
* ``scenarios [DIR]`` lists the scenarios under ``DIR`` (default ``scenarios/``) with their
  names and descriptions.
* ``show FILE`` prints the fully resolved scenario (after ``extends``, with every default filled
  in) as TOML; running the printed file runs exactly the same scenario.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path

from sim.errors import ScenarioError, UsageError
from sim.scenario.files import load_resolved, load_scenario, scenario_to_toml, scenario_warnings
from sim.scenario.schema import Scenario

DEFAULT_DIR = "scenarios"


def scenario_files(paths: list[str]) -> list[Path]:
    """Expand arguments into scenario files: a directory stands for every ``*.toml`` below it.

    Raises:
        UsageError: A directory that holds no ``.toml`` file.
    """
    files: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found = sorted(path.rglob("*.toml"))
            if not found:
                raise UsageError(f"{text}: -: directory holds no .toml scenario files")
            files.extend(found)
        else:
            files.append(path)  # a missing file is reported as that file's error
    unique: dict[Path, Path] = {}
    for path in files:  # the same file named twice (e.g. by a glob and a directory) counts once
        unique.setdefault(path.resolve(), Path(os.path.normpath(path)))
    return list(unique.values())


def check_files(files: list[Path]) -> tuple[dict[Path, Scenario], list[ScenarioError]]:
    """Load every file; then flag scenario names used by more than one file.

    Returns:
        The scenarios that loaded (by file) and the errors, in file order.
    """
    good: dict[Path, Scenario] = {}
    errors: list[ScenarioError] = []
    for path in files:
        try:
            good[path] = load_scenario(path)
        except ScenarioError as exc:
            errors.append(exc)
    by_name: dict[str, list[Path]] = defaultdict(list)
    for path, scenario in good.items():
        by_name[scenario.name].append(path)
    for name, paths in by_name.items():
        for path in paths[1:]:
            errors.append(ScenarioError(
                path, "name",
                f"{name!r} is also the name of {paths[0]}; names must be unique (batches key results by name)",
            ))
            good.pop(path)
    return good, errors


def cmd_validate(args: argparse.Namespace) -> int:
    """Check scenario files without running them."""
    files = scenario_files(args.files)
    good, errors = check_files(files)
    for path in files:
        if path in good:
            print(f"OK     {path}  ({good[path].name})")
            for line in scenario_warnings(good[path], path):
                print(f"warning: {line}", file=sys.stderr)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if len(files) > 1:
        print(f"{len(good)} of {len(files)} scenario files valid")
    return 2 if errors else 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the scenarios in a directory with their descriptions."""
    root = Path(args.dir)
    if not root.is_dir():
        hint = " (run from the project root, or name the directory)" if args.dir == DEFAULT_DIR else ""
        raise UsageError(f"{root}: -: scenario directory not found{hint}")
    files = scenario_files([str(root)])
    good, errors = check_files(files)
    rows = [(str(path.relative_to(root)), good[path].name, good[path].description) for path in files if path in good]
    if rows:
        width_file = max(len(r[0]) for r in rows)
        width_name = max(len(r[1]) for r in rows)
        print(f"{'FILE':<{width_file}}  {'NAME':<{width_name}}  DESCRIPTION")
        for file, name, description in rows:
            print(f"{file:<{width_file}}  {name:<{width_name}}  {description}")
    print(f"\n{len(rows)} scenarios in {root}/" + (f"; {len(errors)} invalid (see errors)" if errors else ""))
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    return 2 if errors else 0


def show_text(path: str | Path) -> str:
    """The fully resolved scenario of ``path`` as commented TOML.

    Raises:
        ScenarioError: If the file (or a parent) is invalid.
    """
    scenario, resolved = load_resolved(path)
    header = [
        f"# Fully resolved scenario from {resolved.file}",
        f"# extends chain: {' -> '.join(resolved.chain)}" if len(resolved.chain) > 1 else "# extends: none",
        "# Every key is listed, defaults included; running this file runs exactly the same scenario.",
        "",
    ]
    return "\n".join(header) + scenario_to_toml(scenario)


def cmd_show(args: argparse.Namespace) -> int:
    """Print the fully resolved scenario as TOML."""
    sys.stdout.write(show_text(args.file))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``validate``, ``scenarios`` and ``show``."""
    validate = sub.add_parser(
        "validate", help="check scenario files without running them (exit 2 if any is invalid)"
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="scenario TOML files or directories")
    validate.set_defaults(handler=cmd_validate)

    scenarios = sub.add_parser("scenarios", help="list scenarios with their descriptions")
    scenarios.add_argument("dir", nargs="?", default=DEFAULT_DIR, metavar="DIR",
                           help=f"scenario directory (default {DEFAULT_DIR}/)")
    scenarios.set_defaults(handler=cmd_scenarios)

    show = sub.add_parser("show", help="print the fully resolved scenario (after extends) as TOML")
    show.add_argument("file", metavar="FILE", help="scenario TOML file")
    show.set_defaults(handler=cmd_show)
