"""The overlay scenario a calibration writes: ``extends`` the calibrated scenario and sets the
fitted values (rounded to :data:`SIGNIFICANT_DIGITS`), with provenance in ``[sources]``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.errors import UsageError
from sim.io.atomic import write_bytes
from sim.scenario.parameters import ParameterInfo
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.analysis.calibration import CalibrationResult
    from sim.analysis.calibration_data import CalibrationData

OVERLAY_MARK = "# written by `startup-sim calibrate`"


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


SIGNIFICANT_DIGITS = 6
"""Fitted values are written with 6 significant digits (far finer than any parameter's range)."""


def rounded_values(values: dict[str, float], params: Sequence[ParameterInfo]) -> dict[str, float]:
    """Fitted values as the overlay writes them (integers whole, others to 6 significant digits)."""
    by_name = {p.name: p for p in params}
    return {
        name: float(round(v)) if by_name[name].integer else float(f"{v:.{SIGNIFICANT_DIGITS}g}")
        for name, v in values.items()
    }


def _toml_value(value: float, integer: bool) -> str:
    return str(int(round(value))) if integer else repr(float(f"{value:.{SIGNIFICANT_DIGITS}g}"))


def overlay_text(
    scenario: Scenario,
    scenario_file: Path,
    overlay: Path,
    result: CalibrationResult,
    data: CalibrationData,
    replications: int,
    scale: float,
    seed: int,
    date: str,
) -> str:
    """The overlay TOML: ``extends`` the scenario file and sets the fitted values, with provenance."""
    parent = os.path.relpath(Path(scenario_file).resolve(), Path(overlay).resolve().parent)
    base = scenario.name.removesuffix("_baseline")
    description = f"{scenario.description.rstrip('.?!')}, with behaviour calibrated to {data.title}?"
    name = f"{base}_calibrated"
    command = (f"startup-sim calibrate {scenario_file} --data {data.path} --out {overlay} --method {result.method} "
               f"--replications {replications} --scale {scale:g} --seed {seed}")
    provenance = (
        f"calibrated by startup-sim calibrate on {date}: data {data.path} (sha256 {data.sha256[:12]}), method "
        f"{result.method}, {result.evaluations} evaluations of {replications} replications at scale {scale:g} "
        f"(seed {seed}), weighted least squares loss {result.loss:.3f} (scenario values: {result.start_loss:.3f})"
    )
    lines = [
        f"# Calibrated overlay of {scenario.name} ({scenario_file}) {OVERLAY_MARK[2:]} on {date}.",
        f"# Fitted to {data.path} ({data.title}) by {result.method}; loss {result.loss:.3f} "
        f"vs {result.start_loss:.3f} at the scenario's values.",
        f"# Regenerate with: {command}",
        "# Validation (simulated vs observed with intervals): validation.csv / validation.png in the --work directory.",
        f"extends = {_toml_string(parent)}",
        f"name = {_toml_string(name)}",
        f"description = {_toml_string(description)}",
        "",
    ]
    sections: dict[str, list[tuple[str, str]]] = {}
    for p in result.parameters:
        section, _, key = p.name.rpartition(".")
        sections.setdefault(section, []).append((key, _toml_value(result.fitted[p.name], p.integer)))
    for section, items in sections.items():
        lines.append(f"[{section}]")
        for p_key, value in items:
            start = result.start[f"{section}.{p_key}"]
            lines.append(f"{p_key} = {value}  # was {start:g}")
        lines.append("")
    lines.append("[sources]")
    top = sorted({p.name.split(".")[0] for p in result.parameters})
    for section in top:
        lines.append(f"{_toml_string(section)} = {_toml_string(provenance)}")
    for p in result.parameters:
        note = (f"calibrated to {data.path} by {result.method} on {date} within [{p.low:g}, {p.high:g}] "
                f"(scenario value {result.start[p.name]:g}); see sources.{p.name.split('.')[0]}")
        lines.append(f"{_toml_string(p.name)} = {_toml_string(note)}")
    return "\n".join(lines) + "\n"


def check_overlay_target(path: Path) -> None:
    """Raise :class:`UsageError` unless ``path`` is free or an overlay ``calibrate`` wrote before."""
    if path.is_dir():
        raise UsageError(f"{path}: --out: is a directory; give the overlay's file name")
    if path.exists():
        head = path.read_text(encoding="utf-8", errors="replace")[:2000]
        if OVERLAY_MARK[2:] not in head:
            raise UsageError(f"{path}: --out: exists and was not written by `startup-sim calibrate`; "
                             "choose another --out")


def write_overlay(path: Path, text: str) -> Path:
    """Write the overlay atomically; refuse to replace a file that ``calibrate`` did not write."""
    check_overlay_target(path)
    write_bytes(path, text.encode("utf-8"))
    return path


__all__ = ["OVERLAY_MARK", "check_overlay_target", "overlay_text", "rounded_values", "write_overlay"]
