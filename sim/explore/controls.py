"""The explorer's levers as controls: one switch and a set of sliders per lever, from the parameter registry.

:func:`lever_controls` turns the schema's ``policy`` tables and the registry (:mod:`sim.scenario.parameters`)
into :class:`Control` s with unit, slider range and step, the documented value and its source; parameters on
how well a lever works (:data:`ASSUMPTION_UNITS`) are marked as assumptions.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from sim.scenario.parameters import iter_parameters
from sim.scenario.policy_tables import Policy
from sim.scenario.schema import Scenario

ASSUMPTION_UNITS = ("log productivity",)
"""Units of parameters that say how well a lever works (model assumptions), not how it is set;
the explorer shows them apart from the lever's settings."""
SLIDER_STEPS = 100
"""Slider positions across a parameter's range (a step of 1% of the range, rounded to 1, 2 or 5
times a power of ten)."""
_SEED_LINE = re.compile(r"\d{3}_[0-9a-f]{16}\.txt:\d+(?:-\d+)?")


@dataclass(frozen=True)
class Control:
    """One slider or switch of a lever.

    Attributes:
        path: Dotted name in the scenario (``policy.talent_housing.subsidy_yuan_per_person_month``).
        lever: The policy table (``talent_housing``).
        field: The field within it.
        kind: ``"switch"``, ``"int"`` or ``"float"``.
        value: The starting scenario's value.
        documented: The registry's value (the schema default).
        source: The registry's source of that value.
        unit: Unit (registry spelling).
        low, high, step: Slider range and step (None for switches).
        assumption: Whether it is a model assumption on how well the lever works.
    """

    path: str
    lever: str
    field: str
    kind: str
    value: Any
    documented: Any = None
    source: str = ""
    unit: str = ""
    low: float | None = None
    high: float | None = None
    step: float | None = None
    assumption: bool = False

    @property
    def cited(self) -> str | None:
        """The seed line the documented value comes from (``000_...txt:47``), if any."""
        match = _SEED_LINE.search(self.source)
        return match.group(0) if match else None

    @property
    def cited_short(self) -> str | None:
        """The seed line as the README cites it (``000:47``), if any."""
        cited = self.cited
        return f"{cited[:3]}:{cited.split(':', 1)[1]}" if cited else None


def _on_grid(value: float, low: float, step: float) -> bool:
    ratio = (value - low) / step
    return abs(ratio - round(ratio)) < 1e-6


def _nice_step(span: float, integer: bool, low: float = 0.0, values: tuple[float, ...] = ()) -> float:
    """A slider step of about 1% of the span (1, 2 or 5 times a power of ten), fine enough that
    each of ``values`` lies on the slider's grid ``low + k * step`` (a slider snaps its value to
    the grid, so an off-grid starting value would change the scenario merely by being shown).
    """
    if integer:
        return 1.0
    if not span > 0:
        return 1.0
    raw = span / SLIDER_STEPS
    power = 10.0 ** math.floor(math.log10(raw))
    candidates = [m * power * 10.0**k for k in range(0, -7, -1) for m in (5, 2, 1)]
    candidates = [c for c in candidates if c <= raw * (1 + 1e-9)] or [raw]
    for step in candidates:
        if all(_on_grid(v, low, step) for v in values):
            return float(f"{step:.12g}")
    return float(f"{candidates[-1]:.12g}")


def _bounds(metadata: list[Any]) -> tuple[float | None, float | None]:
    low = high = None
    for item in metadata:
        for name in ("ge", "gt"):
            if getattr(item, name, None) is not None:
                low = float(getattr(item, name))
        for name in ("le", "lt"):
            if getattr(item, name, None) is not None:
                high = float(getattr(item, name))
    return low, high


def _slider_range(value: float, documented: float, low: float | None, high: float | None,
                  hard_low: float | None, hard_high: float | None) -> tuple[float, float]:
    """The plausible range widened to include the current and documented values; without a
    range, zero to twice the larger of them (within the hard validation bounds).
    """
    if low is None or high is None:
        top = max(abs(value), abs(documented)) * 2 or 1.0
        low, high = (0.0 if (hard_low is None or hard_low <= 0) else hard_low), top
    low, high = min(low, value, documented), max(high, value, documented)
    if hard_low is not None:
        low = max(low, hard_low)
    if hard_high is not None:
        high = min(high, hard_high)
    return float(low), float(high)


def lever_controls(scenario: Scenario) -> dict[str, list[Control]]:
    """Lever -> its controls (switches first), from the schema's ``policy`` tables and the registry."""
    controls: dict[str, list[Control]] = {}
    defaults = Policy()
    for lever, lever_field in Policy.model_fields.items():
        table = getattr(scenario.policy, lever)
        section = lever_field.annotation
        items: list[Control] = []
        for name, info in section.model_fields.items():  # type: ignore[union-attr]
            if info.annotation is bool:
                items.append(Control(f"policy.{lever}.{name}", lever, name, "switch", getattr(table, name),
                                     documented=getattr(getattr(defaults, lever), name),
                                     source=info.description or ""))
        for param in iter_parameters(table, f"policy.{lever}."):
            name = param.name.rsplit(".", 1)[1]
            info = section.model_fields[name]  # type: ignore[union-attr]
            documented = getattr(getattr(defaults, lever), name)
            hard_low, hard_high = _bounds(info.metadata)
            low, high = _slider_range(float(param.value), float(documented), param.low, param.high,
                                      hard_low, hard_high)
            items.append(Control(
                param.name, lever, name, "int" if param.integer else "float", param.value,
                documented=documented, source=param.source, unit=param.unit, low=low, high=high,
                step=_nice_step(high - low, param.integer, low, (float(param.value), float(documented))),
                assumption=param.unit in ASSUMPTION_UNITS,
            ))
        controls[lever] = items
    return controls


__all__ = [
    "ASSUMPTION_UNITS",
    "SLIDER_STEPS",
    "Control",
    "lever_controls",
]
