"""Errors a user can fix; the CLI prints them as one line and exits with code 2."""

from __future__ import annotations

from sim.scenario.files import ScenarioError


class UsageError(Exception):
    """A bad argument, a missing or unusable input file or directory (one line, exit code 2)."""


__all__ = ["ScenarioError", "UsageError"]
