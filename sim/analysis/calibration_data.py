"""Calibration data files and the statistics of a run.

A data file (TOML, e.g. ``data/calibration/shanghai.toml``) lists observed statistics with their
sources and standard errors, the parameters to fit and the default settings; every problem is a
one-line :class:`sim.scenario.files.ScenarioError`. A statistic is a run metric
(:data:`sim.experiments.outcomes.OUTCOMES`) or ``death_rate_year_K`` from the Kaplan-Meier curve.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.analysis.options import CALIBRATION_METHODS as METHODS
from sim.experiments.outcomes import OUTCOME_NAMES
from sim.scenario.files import ScenarioError
from sim.scenario.parameters import ParameterInfo, iter_parameters
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from sim.experiments.simulate import SimulationResult

DEATH_RATE = re.compile(r"^death_rate_year_([1-9][0-9]?)$")
METRIC_STATISTICS = OUTCOME_NAMES
DEFAULTS: dict[str, Any] = {
    "method": "nelder-mead",
    "replications": 2,
    "scale": 0.3,
    "seed": 0,
    "max_evaluations": 150,
    "validation_replications": 10,
}


@dataclass(frozen=True)
class Statistic:
    """One observed statistic.

    Attributes:
        name: Model statistic (``death_rate_year_K`` or a metric name).
        observed: Published value.
        standard_error: Tolerance in the loss (same unit as the value).
        weight: Extra weight in the loss.
        source: Who published it, what, when.
        note: How the value and tolerance were read.
    """

    name: str
    observed: float
    standard_error: float
    weight: float = 1.0
    source: str = ""
    note: str = ""


@dataclass
class CalibrationData:
    """A calibration data file."""

    path: Path
    title: str
    statistics: list[Statistic]
    parameters: list[str] | None
    settings: dict[str, Any]
    sha256: str


def _number(value: Any, where: Path, key: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ScenarioError(where, key, f"must be a finite number (got {value!r})")
    if positive and not value > 0:
        raise ScenarioError(where, key, f"must be positive (got {value!r})")
    return float(value)


def statistic_known(name: str) -> bool:
    """True for ``death_rate_year_K`` and the metrics the simulator reports."""
    return bool(DEATH_RATE.match(name)) or name in METRIC_STATISTICS


def load_calibration_data(path: str | Path) -> CalibrationData:
    """Read and check a calibration data file.

    Raises:
        ScenarioError: One line ``FILE: KEY: problem`` for a missing file, bad TOML, an unknown
            statistic or setting, or a bad number.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(path, "-", "file not found" if not path.exists() else "not a file")
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError(path, "-", "not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, "-", f"TOML syntax error: {exc}") from None
    unknown = set(data) - {"title", "calibration", "statistics"}
    if unknown:
        raise ScenarioError(path, sorted(unknown)[0], "unknown key; valid keys: title, calibration, statistics")
    settings = data.get("calibration", {})
    if not isinstance(settings, dict):
        raise ScenarioError(path, "calibration", "must be a table")
    allowed = set(DEFAULTS) | {"parameters"}
    for key in settings:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(sorted(allowed))}"
            raise ScenarioError(path, f"calibration.{key}", f"unknown key{hint}")
    parameters = settings.get("parameters")
    if parameters is not None and (
        not isinstance(parameters, list) or not parameters or not all(isinstance(p, str) for p in parameters)
    ):
        raise ScenarioError(path, "calibration.parameters", "must be a non-empty list of dotted parameter names")
    merged = dict(DEFAULTS)
    for key in DEFAULTS:
        if key in settings:
            merged[key] = settings[key]
    if merged["method"] not in METHODS:
        raise ScenarioError(path, "calibration.method",
                            f"must be one of {', '.join(METHODS)} (got {merged['method']!r})")
    for key in ("replications", "max_evaluations", "validation_replications", "seed"):
        value = merged[key]
        low = 0 if key == "seed" else 1
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ScenarioError(path, f"calibration.{key}", f"must be an integer >= {low} (got {value!r})")
    merged["scale"] = _number(merged["scale"], path, "calibration.scale", positive=True)

    entries = data.get("statistics")
    if not isinstance(entries, list) or not entries:
        raise ScenarioError(path, "statistics", "needs at least one [[statistics]] entry")
    statistics: list[Statistic] = []
    seen: set[str] = set()
    fields = {"name", "observed", "standard_error", "weight", "source", "note"}
    for i, entry in enumerate(entries):
        where = f"statistics.{i}"
        if not isinstance(entry, dict):
            raise ScenarioError(path, where, "must be a table")
        for key in entry:
            if key not in fields:
                raise ScenarioError(path, f"{where}.{key}", f"unknown key; valid keys: {', '.join(sorted(fields))}")
        for key in ("name", "observed", "standard_error"):
            if key not in entry:
                raise ScenarioError(path, f"{where}.{key}", "required key is missing")
        name = entry["name"]
        if not isinstance(name, str) or not statistic_known(name):
            close = difflib.get_close_matches(str(name), list(METRIC_STATISTICS) + ["death_rate_year_1"], n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ScenarioError(path, f"{where}.name",
                                f"unknown statistic {name!r} (death_rate_year_K or a metric){hint}")
        if name in seen:
            raise ScenarioError(path, f"{where}.name", f"statistic {name!r} is listed twice")
        seen.add(name)
        statistics.append(
            Statistic(
                name=name,
                observed=_number(entry["observed"], path, f"{where}.observed"),
                standard_error=_number(entry["standard_error"], path, f"{where}.standard_error", positive=True),
                weight=_number(entry.get("weight", 1.0), path, f"{where}.weight", positive=True),
                source=str(entry.get("source", "")),
                note=str(entry.get("note", "")),
            )
        )
    return CalibrationData(
        path=path, title=str(data.get("title", path.stem)), statistics=statistics, parameters=parameters,
        settings=merged, sha256=hashlib.sha256(raw).hexdigest(),
    )


# ------------------------------------------------------------------------------- statistics
def run_statistics(result: SimulationResult, names: Sequence[str]) -> dict[str, float]:
    """The named statistics of one run (``death_rate_year_K`` from the Kaplan-Meier curve)."""
    from sim.experiments.metrics import death_rates_by_age

    years = [int(m.group(1)) for m in (DEATH_RATE.match(n) for n in names) if m]
    rates = death_rates_by_age(result.firms, years=max(years)) if years else None
    values = {}
    for name in names:
        match = DEATH_RATE.match(name)
        if match:
            values[name] = float(rates[int(match.group(1))])  # type: ignore[index]
        else:
            values[name] = float(result.metrics[name])
    return values


def simulate_statistics(
    scenario: Scenario, names: Sequence[str], seeds: Sequence[int], scale: float
) -> pd.DataFrame:
    """The statistics of one run per seed (rows: replications, columns: statistics)."""
    import pandas as pd

    from sim.experiments.simulate import simulate

    rows = [run_statistics(simulate(scenario, seed=int(seed), scale=scale), names) for seed in seeds]
    return pd.DataFrame(rows, columns=list(names))


def weighted_loss(simulated: dict[str, float], statistics: Sequence[Statistic]) -> float:
    """``sum weight * ((simulated - observed) / se)^2``; infinite if a statistic is missing."""
    total = 0.0
    for stat in statistics:
        value = simulated.get(stat.name, float("nan"))
        if not math.isfinite(value):
            return float("inf")
        total += stat.weight * ((value - stat.observed) / stat.standard_error) ** 2
    return float(total)


# ------------------------------------------------------------------------------- parameters
def calibration_parameters(scenario: Scenario, names: Sequence[str] | None, where: str) -> list[ParameterInfo]:
    """The parameters to fit: ``names`` or every parameter whose source says "calibrated".

    Raises:
        ScenarioError: A name that is not a parameter with a plausible range (naming ``where``).
    """
    registry = {p.name: p for p in iter_parameters(scenario)}
    if names is None:
        chosen = [p for p in registry.values() if "calibrated" in p.source and p.low is not None]
        if not chosen:
            raise ScenarioError(where, "calibration.parameters", "no parameter's source says 'calibrated'; list them")
        return chosen
    result = []
    for name in names:
        info = registry.get(name)
        if info is None:
            close = difflib.get_close_matches(name, list(registry), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ScenarioError(where, "calibration.parameters", f"{name!r} is not a parameter{hint}")
        if info.low is None or not info.high > info.low:  # type: ignore[operator]
            raise ScenarioError(where, "calibration.parameters", f"{name!r} has no plausible range to fit within")
        if name in (p.name for p in result):
            raise ScenarioError(where, "calibration.parameters", f"{name!r} is listed twice")
        result.append(info)
    return result


__all__ = [
    "DEATH_RATE",
    "DEFAULTS",
    "METRIC_STATISTICS",
    "CalibrationData",
    "Statistic",
    "calibration_parameters",
    "load_calibration_data",
    "run_statistics",
    "simulate_statistics",
    "statistic_known",
    "weighted_loss",
]
