"""argparse value types shared by the commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.experiments.limits import MAX_REPLICATIONS, MAX_SCALE


def positive_float(text: str) -> float:
    """Argparse type: a number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def seed_int(text: str) -> int:
    """Argparse type: a non-negative integer seed."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"seed must be a non-negative integer, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """Argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def scale_value(text: str) -> float:
    """Argparse type: a population scale in (0, :data:`MAX_SCALE`]."""
    value = positive_float(text)
    if value > MAX_SCALE:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_SCALE:g} (16 ~ the whole city), got {text!r}")
    return value


def replications_int(text: str) -> int:
    """Argparse type: a number of replications in [1, :data:`MAX_REPLICATIONS`]."""
    value = positive_int(text)
    if value > MAX_REPLICATIONS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_REPLICATIONS:,}, got {text!r}")
    return value


def max_gigabytes(text: str) -> float:
    """Argparse type: a memory or disk limit in GB (10^9 bytes), > 0."""
    return positive_float(text)


def print_scenario_warnings(files: list[str] | list[Path]) -> None:
    """Print ``warning: ...`` lines (stderr) for valid scenario files that are probably not meant so."""
    from sim.scenario.files import load_scenario, scenario_warnings

    for file in files:
        for line in scenario_warnings(load_scenario(file), file):
            print(f"warning: {line}", file=sys.stderr)


def name_list(text: str) -> list[str]:
    """Argparse type: comma-separated names (empty items dropped)."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"expected comma-separated names, got {text!r}")
    return items
