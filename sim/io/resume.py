"""The one resume-with-identity protocol of batches, sensitivity analyses and calibrations.

Every resumable output directory holds a JSON *marker* (``manifest.json``, ``sensitivity.json``,
``calibration.json``) whose ``format`` names its kind and which records the *identity* of the work:
the items that must be equal for stored results to be reused (scenario SHA-256, seeds, scale,
design ...). Resuming is allowed only when every identity item the command gives equals the
recorded one; otherwise a :class:`sim.errors.UsageError` names the first item that differs, the
recorded and the new value, and the fix (another output directory).

The same rule checks single runs: :func:`identity_matches` compares the identity recorded in a
run's ``done.json`` (see :mod:`sim.io.store`) with the job's.

:func:`directory_kind` tells what an output directory holds (a batch, a run, a sensitivity
analysis, a calibration), so a command can refuse to write into another command's directory.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.errors import UsageError

MARKERS: dict[str, str] = {
    "manifest.json": "batch or run",
    "sensitivity.json": "sensitivity analysis",
    "calibration.json": "calibration",
    "search.json": "optimisation",
}
"""Marker file name -> what it marks."""

FORMATS: dict[str, str] = {
    "startup-sim-batch/1": "batch",
    "startup-sim-sensitivity/1": "sensitivity",
    "startup-sim-calibration/1": "calibration",
    "startup-sim-optimise/1": "optimisation",
}
"""``format`` value of a marker -> kind of directory."""


def read_marker(path: Path, option: str = "--out") -> dict[str, Any] | None:
    """The JSON marker at ``path``, or None if there is none.

    Raises:
        UsageError: The marker exists but is not readable JSON (names the file and the option).
    """
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read it ({' '.join(str(exc).split())}); choose another {option}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: not a startup-sim marker (not a JSON object); choose another {option}")
    return data


def directory_kind(path: Path) -> str | None:
    """What ``path`` holds: ``"batch"``, ``"run"``, ``"sensitivity"``, ``"calibration"``,
    ``"other"`` (files without a marker) or None (absent or empty).

    A run directory's ``manifest.json`` has no ``format`` but names its ``scenario`` and ``seed``.
    """
    if not path.is_dir() or not any(path.iterdir()):
        return None
    for marker in MARKERS:
        try:
            data = json.loads((path / marker).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        kind = FORMATS.get(str(data.get("format")))
        if kind is None and marker == "calibration.json" and isinstance(data.get("identity"), dict):
            kind = FORMATS.get(str(data["identity"].get("format")))
        if kind is None and marker == "manifest.json" and "scenario" in data and "seed" in data:
            kind = "run"
        if kind is not None:
            return kind
    return "other"


def identity_mismatch(
    recorded: Mapping[str, Any], expected: Mapping[str, Any]
) -> tuple[str, Any, Any] | None:
    """The first item of ``expected`` whose recorded value differs: ``(key, recorded, expected)``.

    A key missing from ``recorded`` counts as a difference (recorded value None).
    """
    for key, value in expected.items():
        was = recorded.get(key)
        if was != value:
            return key, was, value
    return None


def identity_matches(recorded: Mapping[str, Any] | None, expected: Mapping[str, Any] | None) -> bool:
    """True if every item of ``expected`` equals the recorded one (nothing expected: True)."""
    if not expected:
        return True
    if not isinstance(recorded, Mapping):
        return False
    return identity_mismatch(recorded, expected) is None


def check_identity(
    where: Path,
    recorded: Mapping[str, Any],
    expected: Mapping[str, Any],
    what: str = "this batch",
    option: str = "--out",
    labels: Mapping[str, str] | None = None,
) -> None:
    """Refuse to resume unless the recorded identity matches the expected one.

    Args:
        where: The marker file (named in the message).
        recorded: Identity stored in the marker.
        expected: Identity of the command being run.
        what: How the message names the stored work ("this batch", "this analysis" ...).
        option: The option that chooses the directory (the fix: choose another one).
        labels: Optional readable name per key, e.g. ``{"root_seed": "root_seed (--seed)"}``.

    Raises:
        UsageError: ``FILE: KEY: <what> used X, the command gives Y; use another OPTION``.
    """
    mismatch = identity_mismatch(recorded, expected)
    if mismatch is None:
        return
    key, was, now = mismatch
    label = (labels or {}).get(key, key)
    raise UsageError(f"{where}: {label}: {what} used {was!r}, the command gives {now!r}; use another {option}")


def check_format(where: Path, marker: Mapping[str, Any], expected_format: str, what: str) -> None:
    """Raise :class:`UsageError` unless ``marker["format"]`` is ``expected_format``."""
    if marker.get("format") != expected_format:
        raise UsageError(f"{where}: format: not a startup-sim {what}")


__all__ = [
    "FORMATS",
    "MARKERS",
    "check_format",
    "check_identity",
    "directory_kind",
    "identity_matches",
    "identity_mismatch",
    "read_marker",
]
