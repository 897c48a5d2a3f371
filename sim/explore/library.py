"""The explorer's scenario library: where it is and the districts and starting scenarios it holds."""

from __future__ import annotations

from pathlib import Path

from sim.errors import UsageError


def scenario_library(root: str | Path | None = None) -> Path:
    """The scenario library: ``root`` if given, else ``./scenarios``, else the one beside the package.

    Raises:
        UsageError: No such directory.
    """
    candidates = [Path(root)] if root is not None else [
        Path.cwd() / "scenarios", Path(__file__).resolve().parents[2] / "scenarios"]
    for path in candidates:
        if path.is_dir():
            return path
    raise UsageError(f"--scenarios: no scenario directory at {candidates[0]}")


def list_scenarios(root: str | Path | None = None) -> dict[str, list[Path]]:
    """District -> its scenario files (``baseline.toml`` first, then by name)."""
    library = scenario_library(root)
    found: dict[str, list[Path]] = {}
    for directory in sorted(p for p in library.iterdir() if p.is_dir()):
        files = sorted(directory.glob("*.toml"), key=lambda p: (p.stem != "baseline", p.stem))
        if files:
            found[directory.name] = files
    return found


__all__ = [
    "list_scenarios",
    "scenario_library",
]
