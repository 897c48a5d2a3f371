"""Calibration of the free behavioural parameters to observed statistics, and validation.

A data file (TOML, e.g. ``data/calibration/shanghai.toml``) lists observed statistics with their
sources and standard errors, and the parameters to fit (default: those whose registry source says
"calibrated"). :func:`calibrate` minimises the weighted least-squares loss::

    loss(theta) = sum_s weight_s * ((mean_r stat_s(theta, seed_r) - observed_s) / se_s) ** 2

over the parameters' plausible ``[low, high]`` ranges, where the mean is over a few replications
with common random numbers (the same seeds, :func:`sim.experiments.batch.replication_seeds`, for every
evaluation, so the loss is a deterministic function of ``theta`` and differences between
evaluations reflect the parameters). The optimiser works on the unit cube (each parameter scaled to
its range; integer parameters rounded before a run):

* ``nelder-mead`` (default): :func:`scipy.optimize.minimize`, started at the scenario's values
  with an initial simplex of steps of 20% of each range; the simplex moves freely and each point
  is folded back into the ranges (:func:`fold`, so the simplex never collapses on a bound), and
  the search restarts from the best point while restarts still improve the loss;
* ``differential-evolution``: :func:`scipy.optimize.differential_evolution` with a fixed seed,
  the scenario's values in the initial population, no polishing.

Both stop after ``max_evaluations`` loss evaluations; the best evaluation seen is the result.

Every evaluation is cached in ``WORK/evaluations.csv`` (rewritten atomically after each one),
keyed by the parameter vector actually run. The optimisers are deterministic, so a rerun with
``resume=True`` replays the cached evaluations without simulating and continues where the
interrupted run stopped, reaching the same result.

The validation runs the scenario's values and the fitted values on held-out seeds (replications
the fit did not use). Outputs: the scenario overlay (a TOML file that ``extends`` the scenario and sets the fitted
values, with provenance in ``[sources]``), and in ``WORK/``: ``calibration.json`` (settings and
result), ``evaluations.csv``, ``validation.csv`` and ``validation.png`` (simulated vs observed for
each statistic, with intervals over replications, for the scenario's values and the fitted ones).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
import re
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.sensitivity import read_exact_csv, with_parameters
from sim.errors import UsageError
from sim.experiments.metrics import EXTRA_METRICS, HEADLINE_METRICS, death_rates_by_age
from sim.experiments.simulate import SimulationResult, simulate
from sim.io.atomic import write_bytes, write_figure
from sim.io.outputs import scenario_hash
from sim.io.resume import check_identity, read_marker
from sim.scenario.files import ScenarioError
from sim.scenario.parameters import ParameterInfo, iter_parameters
from sim.scenario.schema import Scenario

METHODS = ("nelder-mead", "differential-evolution")
DEATH_RATE = re.compile(r"^death_rate_year_([1-9][0-9]?)$")
METRIC_STATISTICS = tuple(HEADLINE_METRICS) + tuple(EXTRA_METRICS)
FORMAT = "startup-sim-calibration/1"
INITIAL_STEP = 0.2
"""Nelder-Mead's initial simplex steps 20% of each parameter's range from the start: assumption
(range 0.1-0.3): large enough to see past the jaggedness of a finite simulation, small enough to
stay near the start."""
XATOL = 0.005
"""Nelder-Mead stops when the simplex is within 0.5% of each range (in unit-cube terms)."""
FATOL = 0.01
"""... and the losses of its vertices within 0.01 (the loss is a sum of squared z-scores)."""
DE_POPSIZE = 5
"""Differential evolution population: 5 x number of parameters: assumption (scipy's default 15 needs
thousands of evaluations for 9 parameters; 5 is the smallest that mixes reasonably)."""
INTERVAL = (0.05, 0.95)
"""Simulation intervals in the validation: 5th-95th percentile over replications."""
DEFAULTS: dict[str, Any] = {
    "method": "nelder-mead",
    "replications": 2,
    "scale": 0.3,
    "seed": 0,
    "max_evaluations": 150,
    "validation_replications": 10,
}


# ------------------------------------------------------------------------------- data file
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


def to_values(u: np.ndarray, params: Sequence[ParameterInfo]) -> dict[str, float]:
    """Unit-cube point -> parameter values (integers rounded)."""
    values = {}
    for ui, p in zip(np.clip(np.asarray(u, dtype=float), 0.0, 1.0), params, strict=True):
        value = float(p.low) + float(ui) * (float(p.high) - float(p.low))  # type: ignore[arg-type]
        values[p.name] = float(round(value)) if p.integer else value
    return values


def to_unit(values: dict[str, float], params: Sequence[ParameterInfo]) -> np.ndarray:
    """Parameter values -> unit-cube point."""
    return np.array(
        [(float(values[p.name]) - float(p.low)) / (float(p.high) - float(p.low)) for p in params]  # type: ignore[arg-type]
    )


def vector_key(values: dict[str, float], params: Sequence[ParameterInfo]) -> str:
    """Cache key of a parameter vector (exact float representations)."""
    return ";".join(repr(float(values[p.name])) for p in params)


# ------------------------------------------------------------------------------- cache
class EvaluationLog:
    """The cache of evaluations, ``WORK/evaluations.csv``, rewritten atomically after each one."""

    def __init__(self, path: Path, params: Sequence[ParameterInfo], statistics: Sequence[str]) -> None:
        """Open (and read, if present) the log."""
        self.path = path
        self.params = list(params)
        self.statistics = list(statistics)
        self.rows: list[dict[str, Any]] = []
        self.by_key: dict[str, dict[str, Any]] = {}

    def load(self) -> None:
        """Read the cached evaluations (a missing file is an empty cache)."""
        if not self.path.exists():
            return
        try:
            frame = read_exact_csv(self.path, text_columns=("key",))
        except (OSError, ValueError) as exc:
            raise UsageError(f"{self.path}: cannot read the evaluation log ({exc}); use another --work") from None
        needed = ["key"] + [p.name for p in self.params] + [f"sim_{s}" for s in self.statistics]
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise UsageError(f"{self.path}: columns {missing} missing; the log belongs to another calibration")
        for row in frame.to_dict("records"):
            row["key"] = str(row["key"])
            self.rows.append(row)
            self.by_key[row["key"]] = row

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached evaluation of a parameter vector, if any."""
        return self.by_key.get(key)

    def add(self, row: dict[str, Any]) -> None:
        """Append an evaluation and rewrite the log atomically."""
        self.rows.append(row)
        self.by_key[row["key"]] = row
        frame = pd.DataFrame(self.rows)
        write_bytes(self.path, frame.to_csv(index=False).encode())


# ------------------------------------------------------------------------------- fitting
class _BudgetExhausted(Exception):
    pass


def fold(z: np.ndarray) -> np.ndarray:
    """Fold the real line onto ``[0, 1]`` (a triangle wave: ``1.2 -> 0.8``, ``-0.1 -> 0.1``)."""
    w = np.mod(np.asarray(z, dtype=float), 2.0)
    return np.where(w <= 1.0, w, 2.0 - w)


@dataclass
class CalibrationResult:
    """What :func:`calibrate` produced.

    Attributes:
        parameters: Fitted parameter infos.
        start: The scenario's values.
        fitted: Best values found.
        start_loss: Loss at the scenario's values (same seeds).
        loss: Best loss.
        simulated: Statistics (mean over replications) at the best values.
        evaluations: Loss evaluations made (cached or new).
        new_evaluations: Evaluations simulated in this call (the rest came from the cache).
        method: Optimiser.
        message: Optimiser's stopping message.
        history: Every evaluation of this call in order: values, statistics, loss.
    """

    parameters: list[ParameterInfo]
    start: dict[str, float]
    fitted: dict[str, float]
    start_loss: float
    loss: float
    simulated: dict[str, float]
    evaluations: int
    new_evaluations: int
    method: str
    message: str
    history: pd.DataFrame = field(repr=False)


def fit(
    objective: Callable[[dict[str, float]], float],
    params: Sequence[ParameterInfo],
    start: dict[str, float],
    method: str = "nelder-mead",
    max_evaluations: int = 150,
    seed: int = 0,
) -> tuple[dict[str, float], float, str]:
    """Minimise ``objective(values)`` over the parameters' ranges (unit-cube optimisation).

    Args:
        objective: Loss of a parameter vector (deterministic for reproducible fits).
        params: Parameters with ranges.
        start: Starting values (clipped to the ranges).
        method: ``"nelder-mead"`` or ``"differential-evolution"``.
        max_evaluations: Budget of objective calls.
        seed: Seed of differential evolution.

    Returns:
        ``(best values, best loss, stopping message)``; the best over every call made.
    """
    from scipy.optimize import differential_evolution, minimize

    if method not in METHODS:
        raise UsageError(f"--method: must be one of {', '.join(METHODS)}, got {method!r}")
    k = len(params)
    calls = 0
    best: tuple[float, dict[str, float]] = (float("inf"), dict(start))

    def f(u: np.ndarray) -> float:
        nonlocal calls, best
        if calls >= max_evaluations:
            raise _BudgetExhausted
        calls += 1
        values = to_values(u, params)
        value = float(objective(values))
        if value < best[0]:
            best = (value, values)
        return value if math.isfinite(value) else 1e12

    u0 = np.clip(to_unit(start, params), 0.0, 1.0)
    message = ""
    try:
        if method == "nelder-mead":
            # unbounded Nelder-Mead on z, folded into the unit cube (no simplex collapse on a bound);
            # restarted from the best point while a restart still improves and budget remains
            z, restarts, previous = u0.copy(), 0, float("inf")
            while True:
                simplex = [z]
                for i in range(k):
                    vertex = z.copy()
                    vertex[i] += INITIAL_STEP
                    simplex.append(vertex)
                result = minimize(
                    lambda zz: f(fold(zz)), z, method="Nelder-Mead",
                    options={"initial_simplex": np.array(simplex), "maxfev": max_evaluations,
                             "xatol": XATOL, "fatol": FATOL},
                )
                message = f"{result.message} ({restarts} restarts)"
                if not previous - best[0] > FATOL:
                    break
                previous = best[0]
                z = to_unit(best[1], params)
                restarts += 1
        else:
            result = differential_evolution(
                f, bounds=[(0.0, 1.0)] * k, seed=seed, popsize=DE_POPSIZE, maxiter=10_000, tol=0.0,
                polish=False, init="latinhypercube", x0=u0, updating="immediate",
                workers=1,
            )
            message = str(result.message)
    except _BudgetExhausted:
        message = f"stopped after the budget of {max_evaluations} evaluations"
    return best[1], best[0], message


def _settings_identity(
    scenario: Scenario, params: Sequence[ParameterInfo], statistics: Sequence[Statistic],
    replications: int, scale: float, seed: int,
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "scenario_sha256": scenario_hash(scenario),
        "parameters": [p.name for p in params],
        "statistics": [s.name for s in statistics],
        "replications": int(replications),
        "scale": float(scale),
        "seed": int(seed),
    }


def calibrate(
    scenario: Scenario,
    statistics: Sequence[Statistic],
    params: Sequence[ParameterInfo],
    work: str | Path,
    method: str = "nelder-mead",
    replications: int = 2,
    scale: float = 0.3,
    seed: int = 0,
    max_evaluations: int = 150,
    resume: bool = False,
    progress: bool = False,
    on_evaluation: Callable[[int, float], None] | None = None,
    extra_settings: dict[str, Any] | None = None,
) -> CalibrationResult:
    """Fit parameters to observed statistics (see the module docstring for the method).

    Args:
        scenario: Scenario whose parameters are fitted (its values are the starting point).
        statistics: Observed statistics with standard errors.
        params: Parameters to fit (with ranges).
        work: Directory for ``calibration.json`` and the evaluation cache ``evaluations.csv``.
        method: ``"nelder-mead"`` or ``"differential-evolution"``.
        replications: Replications per evaluation (seeds :func:`sim.experiments.batch.replication_seeds`).
        scale: Population scale of the runs.
        seed: Root seed of the replications and of differential evolution.
        max_evaluations: Budget of loss evaluations.
        resume: Reuse the cached evaluations in ``work`` (the settings must match).
        progress: Show a progress bar.
        on_evaluation: Called after each *new* (simulated) evaluation with its number in this call
            and its loss.
        extra_settings: More items for ``calibration.json``.

    Returns:
        A :class:`CalibrationResult`.

    Raises:
        UsageError: ``work`` holds another calibration, or holds one and ``resume`` is not set.
    """
    from sim.experiments.jobs import replication_seeds

    if replications < 1:
        raise UsageError(f"--replications: must be at least 1, got {replications}")
    if max_evaluations < 1:
        raise UsageError(f"--max-evaluations: must be at least 1, got {max_evaluations}")
    if not scale > 0:
        raise UsageError(f"--scale: must be positive, got {scale}")
    work = Path(work)
    if work.exists() and not work.is_dir():
        raise UsageError(f"{work}: --work: exists and is not a directory")
    identity = _settings_identity(scenario, params, statistics, replications, scale, seed)
    meta_path = work / "calibration.json"
    log_path = work / "evaluations.csv"
    if meta_path.exists() or log_path.exists():
        if not resume:
            raise UsageError(f"{work}: --work: holds a calibration; add --resume to continue it, "
                             "or choose another --work")
        old = read_marker(meta_path, option="--work")
        if old is None:
            raise UsageError(f"{meta_path}: missing; cannot check the cached evaluations; use another --work")
        recorded = old.get("identity")
        check_identity(meta_path, recorded if isinstance(recorded, dict) else {}, identity,
                       what="the cached evaluations", option="--work")
    work.mkdir(parents=True, exist_ok=True)
    meta = {"identity": identity, "method": method, "max_evaluations": int(max_evaluations),
            "started": datetime.now(UTC).isoformat(timespec="seconds"), **(extra_settings or {})}
    write_bytes(meta_path, (json.dumps(meta, indent=2) + "\n").encode())

    names = [s.name for s in statistics]
    seeds = replication_seeds(seed, replications)
    log = EvaluationLog(log_path, params, names)
    if resume:
        log.load()
    history: list[dict[str, Any]] = []
    new = 0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=max_evaluations, unit="eval", desc="calibrate", dynamic_ncols=True)

    def objective(values: dict[str, float]) -> float:
        nonlocal new
        key = vector_key(values, params)
        row = log.get(key)
        cached = row is not None
        if row is None:
            started = time.perf_counter()
            candidate = with_parameters(scenario, values, where="calibration candidate")
            sims = simulate_statistics(candidate, names, seeds, scale)
            means = {n: float(sims[n].mean()) for n in names}
            row = {"key": key, **{p.name: values[p.name] for p in params},
                   **{f"sim_{n}": means[n] for n in names},
                   "loss": weighted_loss(means, statistics), "seconds": round(time.perf_counter() - started, 3)}
            log.add(row)
            new += 1
            if on_evaluation is not None:
                on_evaluation(new, float(row["loss"]))
        means = {n: float(row[f"sim_{n}"]) for n in names}
        loss = weighted_loss(means, statistics)  # recomputed: the data's tolerances may have changed
        history.append({**{p.name: values[p.name] for p in params}, **means, "loss": loss, "cached": cached})
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{min(h['loss'] for h in history):.3g}", refresh=False)
        return loss

    # the scenario's values as the optimiser represents them (unit cube and back), so that its first
    # evaluation of the start is a cache hit
    start = to_values(np.clip(to_unit({p.name: float(p.value) for p in params}, params), 0.0, 1.0), params)
    try:
        start_loss = objective(start)
        best, loss, message = fit(objective, params, start, method, max(max_evaluations - 1, 1), seed)
    finally:
        if bar is not None:
            bar.close()
    if start_loss <= loss:
        best, loss = start, start_loss
    if message.startswith("stopped after the budget"):
        message = f"stopped after the budget of {max_evaluations} evaluations"
    row = log.get(vector_key(best, params))
    simulated = {n: float(row[f"sim_{n}"]) for n in names} if row is not None else {}
    frame = pd.DataFrame(history)
    result = CalibrationResult(
        parameters=list(params), start=start, fitted=best, start_loss=start_loss, loss=loss,
        simulated=simulated, evaluations=len(history), new_evaluations=new, method=method,
        message=message, history=frame,
    )
    meta.update({
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "evaluations": result.evaluations,
        "new_evaluations": result.new_evaluations,
        "message": message,
        "start": start,
        "start_loss": start_loss,
        "fitted": best,
        "loss": loss,
        "simulated": simulated,
    })
    write_bytes(meta_path, (json.dumps(meta, indent=2) + "\n").encode())
    return result


# ------------------------------------------------------------------------------- validation
def validation_table(
    variants: dict[str, Scenario], statistics: Sequence[Statistic], replications: int, scale: float, seed: int,
    held_out_after: int = 0,
) -> pd.DataFrame:
    """Simulated vs observed for each statistic and scenario variant, with intervals over replications.

    Args:
        variants: ``{label: scenario}``, e.g. the scenario's values and the calibrated ones.
        statistics: Observed statistics.
        replications: Replications per variant.
        scale: Population scale.
        seed: Root seed (:func:`sim.experiments.batch.replication_seeds`).
        held_out_after: Skip the first seeds of the root (those the fit used), so the validation
            runs on seeds the calibration never saw.

    Returns:
        One row per variant x statistic: ``variant, statistic, observed, standard_error,
        sim_mean, sim_sd, sim_low, sim_high`` (5th-95th percentile over replications), ``z``
        (``(sim_mean - observed) / se``), ``within_2se``, ``replications``, ``source``.
    """
    from sim.experiments.jobs import replication_seeds

    seeds = replication_seeds(seed, held_out_after + replications)[held_out_after:]
    names = [s.name for s in statistics]
    rows = []
    for variant, scenario in variants.items():
        sims = simulate_statistics(scenario, names, seeds, scale)
        for stat in statistics:
            values = sims[stat.name].to_numpy(dtype=float)
            mean = float(np.mean(values))
            z = (mean - stat.observed) / stat.standard_error
            rows.append({
                "variant": variant,
                "statistic": stat.name,
                "observed": stat.observed,
                "standard_error": stat.standard_error,
                "sim_mean": mean,
                "sim_sd": float(np.std(values, ddof=1)) if len(values) > 1 else float("nan"),
                "sim_low": float(np.quantile(values, INTERVAL[0])),
                "sim_high": float(np.quantile(values, INTERVAL[1])),
                "z": z,
                "within_2se": bool(abs(z) <= 2),
                "replications": len(values),
                "source": stat.source,
            })
    return pd.DataFrame(rows)


def validation_losses(table: pd.DataFrame, statistics: Sequence[Statistic]) -> dict[str, float]:
    """Weighted least-squares loss of each variant's mean over the validation replications."""
    return {
        str(variant): weighted_loss(dict(zip(sub["statistic"], sub["sim_mean"], strict=True)), statistics)
        for variant, sub in table.groupby("variant", sort=False)
    }


def plot_validation(table: pd.DataFrame, path: Path, title: str = "") -> Path:
    """Observed (+-2 se) vs simulated (mean and 5-95% interval) per statistic and variant, as PNG."""
    from matplotlib.figure import Figure  # no pyplot: keeps notebooks' inline backend untouched

    stats = list(dict.fromkeys(table["statistic"]))
    rates = [s for s in stats if DEATH_RATE.match(s)]
    others = [s for s in stats if s not in rates]
    panels = [p for p in (rates, *[[o] for o in others]) if p]
    widths = [max(len(p), 1.5) for p in panels]
    fig = Figure(figsize=(2.2 + 1.6 * sum(widths), 4.2))
    axes = fig.subplots(1, len(panels), squeeze=False, gridspec_kw={"width_ratios": widths})
    variants = list(dict.fromkeys(table["variant"]))
    colours = ["tab:blue", "tab:orange", "tab:green", "tab:purple"]
    offset = 0.15
    for ax, group in zip(axes[0], panels, strict=True):
        sub = table[table["statistic"].isin(group)]
        x = np.arange(len(group))
        obs = sub.drop_duplicates("statistic").set_index("statistic").loc[group]
        ax.errorbar(x - offset * len(variants) / 2, obs["observed"], yerr=2 * obs["standard_error"], fmt="s",
                    color="black", capsize=4, label="observed +- 2 se")
        for j, variant in enumerate(variants):
            v = sub[sub["variant"] == variant].set_index("statistic").loc[group]
            xs = x + offset * (j + 1) - offset * len(variants) / 2
            err = np.vstack([v["sim_mean"] - v["sim_low"], v["sim_high"] - v["sim_mean"]])
            ax.errorbar(xs, v["sim_mean"], yerr=np.clip(err, 0, None), fmt="o", color=colours[j % len(colours)],
                        capsize=3, label=f"simulated, {variant} (5-95%)")
        labels = [f"age {DEATH_RATE.match(g).group(1)}" if DEATH_RATE.match(g) else g for g in group]  # type: ignore[union-attr]
        ax.set_xticks(x, labels)
        ax.set_title("yearly death rate by firm age" if group is rates else group[0], fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes[0, 0].legend(fontsize=7, loc="upper left")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    write_figure(fig, path, dpi=110)
    return path


# ------------------------------------------------------------------------------- overlay
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


__all__ = [
    "CalibrationData",
    "CalibrationResult",
    "EvaluationLog",
    "Statistic",
    "calibrate",
    "calibration_parameters",
    "check_overlay_target",
    "fit",
    "load_calibration_data",
    "overlay_text",
    "plot_validation",
    "rounded_values",
    "run_statistics",
    "simulate_statistics",
    "validation_losses",
    "validation_table",
    "weighted_loss",
    "write_overlay",
]
