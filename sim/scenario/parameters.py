"""Typed parameters: every number the model uses carries a unit, a source and a plausible range.

A parameter is declared with :func:`param`, which returns a pydantic ``Field`` whose metadata
(unit, source, plausible ``[low, high]`` range) travel with the scenario schema. In the spirit of
EMA Workbench's ``RealParameter(name, low, high)``, a declaration with an inconsistent range
(``low > high`` or a default outside it) is rejected when the module is imported.

Sources are written in one of three forms:

* a seed line, e.g. ``000_612b7fc1ad6766b2.txt:47`` (documents in ``../shared/seeds``);
* a public statistic: who, what, year;
* ``assumption`` (always with a plausible range).

:func:`parameter_table` walks a validated scenario and lists every parameter with its value,
unit, range and source; the CLI's ``params`` command prints it and the sensitivity analysis
draws its varied parameters from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    import pandas as pd

MAX_YUAN = 1e13  # no district budget or firm amount comes near 10 trillion yuan
SEED_PUTUO_REPLY_2022 = "000_612b7fc1ad6766b2.txt"
SEED_PUTUO_PLAN_2019 = "001_0b7bef866645bdb9.txt"
SEED_YANGPU_REPLY_2022 = "002_44c02d8a999371ce.txt"
SEED_PUTUO_RELIEF_2023 = "003_f9913aeb8accda56.txt"
SEED_YANGPU_PLAN_2020 = "004_b6556b87f50bd4e8.txt"


def param(
    default: Any,
    *,
    unit: str,
    source: str,
    low: float | None = None,
    high: float | None = None,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    description: str = "",
) -> Any:
    """Declare a model parameter as a pydantic field with unit, source and plausible range.

    Args:
        default: Default value (the Putuo baseline unless stated otherwise).
        unit: Unit, e.g. ``"yuan"``, ``"months"``, ``"persons/month"``, ``"share"``.
        source: Seed line, public statistic or ``"assumption"``.
        low: Lower end of the plausible range (used by sensitivity analysis).
        high: Upper end of the plausible range.
        ge, le, gt, lt: Hard validation bounds (a scenario outside them is rejected).
        description: One line on what the parameter means.

    Raises:
        ValueError: If the declaration is inconsistent (bad range, default outside it, or an
            ``assumption`` without a range).
    """
    if (low is None) != (high is None):
        raise ValueError(f"parameter range needs both low and high (got {low}, {high})")
    if low is not None:
        if not low <= high:  # type: ignore[operator]
            raise ValueError(f"parameter range low {low} > high {high}")
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            if not low <= default <= high:
                raise ValueError(f"default {default} outside plausible range [{low}, {high}]")
    if source.startswith("assumption") and low is None:
        raise ValueError("an assumption needs a plausible [low, high] range")
    if le is None and lt is None and "yuan" in unit:
        le = MAX_YUAN
    extra = {"unit": unit, "source": source, "low": low, "high": high}
    return Field(
        default,
        ge=ge,
        le=le,
        gt=gt,
        lt=lt,
        description=description,
        json_schema_extra=extra,
    )


@dataclass(frozen=True)
class ParameterInfo:
    """One row of the parameter registry."""

    name: str
    value: Any
    unit: str
    low: float | None
    high: float | None
    source: str
    description: str
    integer: bool


def iter_parameters(model: BaseModel, prefix: str = "") -> list[ParameterInfo]:
    """List every declared parameter of a (nested) scenario model, in declaration order.

    Args:
        model: A validated pydantic model (a scenario or one of its sections).
        prefix: Dotted path of ``model`` inside the scenario.

    Returns:
        One :class:`ParameterInfo` per field declared with :func:`param`.
    """
    rows: list[ParameterInfo] = []
    for field_name, field in type(model).model_fields.items():
        value = getattr(model, field_name)
        path = f"{prefix}{field_name}"
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else None
        if isinstance(value, BaseModel):
            rows.extend(iter_parameters(value, prefix=path + "."))
        elif path == "bank.lpr_schedule":  # a dated schedule: one row per step, sourced by the field
            for step in value:
                rows.append(
                    ParameterInfo(
                        name=f"{path}.{step.start}", value=step.rate_pct, unit="percent/year",
                        low=None, high=None, source=field.description or "", description="one-year LPR",
                        integer=False,
                    )
                )
        elif isinstance(value, dict) and value and all(isinstance(v, BaseModel) for v in value.values()):
            for key, sub in value.items():
                rows.extend(iter_parameters(sub, prefix=f"{path}.{key}."))
        elif extra is not None and "unit" in extra:
            rows.append(
                ParameterInfo(
                    name=path,
                    value=value,
                    unit=str(extra["unit"]),
                    low=extra.get("low"),  # type: ignore[arg-type]
                    high=extra.get("high"),  # type: ignore[arg-type]
                    source=str(extra["source"]),
                    description=field.description or "",
                    integer=isinstance(field.default, int) and not isinstance(field.default, bool),
                )
            )
    return rows


def parameter_table(scenario: BaseModel) -> pd.DataFrame:
    """Registry of a scenario's parameters as a table.

    Scenario-level source notes (the ``[sources]`` table of a scenario file) override the
    registry's default source for the parameters they name.

    Args:
        scenario: A validated :class:`sim.scenario.Scenario`.

    Returns:
        DataFrame with columns ``name, value, unit, low, high, source, description``.
    """
    overrides: dict[str, str] = dict(getattr(scenario, "sources", {}) or {})
    rows = []
    for info in iter_parameters(scenario):
        rows.append(
            {
                "name": info.name,
                "value": info.value,
                "unit": info.unit,
                "low": info.low,
                "high": info.high,
                "source": overrides.get(info.name, info.source),
                "description": info.description,
            }
        )
    import pandas as pd  # only here: the scenario loader must not pay for pandas

    return pd.DataFrame(rows, columns=["name", "value", "unit", "low", "high", "source", "description"])


def ranged_parameters(scenario: BaseModel) -> list[ParameterInfo]:
    """Parameters that carry a plausible range and a numeric value (for sensitivity analysis)."""
    return [
        p
        for p in iter_parameters(scenario)
        if p.low is not None and isinstance(p.value, (int, float)) and not isinstance(p.value, bool)
    ]
