"""Calibration of the free behavioural parameters to observed statistics, and validation.

A data file (TOML, e.g. ``data/calibration/shanghai.toml``) lists observed statistics with their
sources and standard errors, and the parameters to fit (default: those whose registry source says
"calibrated"). :func:`calibrate` minimises the weighted least-squares loss::

    loss(theta) = sum_s weight_s * ((mean_r stat_s(theta, seed_r) - observed_s) / se_s) ** 2

over the parameters' plausible ``[low, high]`` ranges, where the mean is over a few replications
with common random numbers (the same seeds, :func:`sim.experiments.jobs.replication_seeds`, for every
evaluation, so the loss is a deterministic function of ``theta`` and differences between
evaluations reflect the parameters). The optimiser works on the unit cube (each parameter scaled to
its range; integer parameters rounded before a run):

* ``nelder-mead`` (default): :func:`scipy.optimize.minimize`, started at the scenario's values
  with an initial simplex of steps of 20% of each range; the simplex moves freely and each point
  is folded back into the ranges (:func:`sim.analysis.fitting.fold`, so the simplex never collapses on a bound), and
  the search restarts from the best point while restarts still improve the loss;
* ``differential-evolution``: :func:`scipy.optimize.differential_evolution` with a fixed seed,
  the scenario's values in the initial population, no polishing.

Both stop after ``max_evaluations`` loss evaluations; the best evaluation seen is the result.

Every evaluation is cached in ``WORK/evaluations.csv`` (rewritten atomically after each one),
keyed by the parameter vector actually run. The optimisers are deterministic, so a rerun with
``resume=True`` replays the cached evaluations without simulating and continues where the
interrupted run stopped, reaching the same result.

Modules: :mod:`sim.analysis.calibration_data` (the data file and the statistics of a run),
:mod:`sim.analysis.fitting` (the optimisers), :mod:`sim.analysis.overlay` (the overlay scenario),
this module (the cached evaluations, :func:`calibrate`, the validation table);
``validation.png`` is drawn by :mod:`sim.present.calibration_figures`.

The validation runs the scenario's values and the fitted values on held-out seeds (replications
the fit did not use). Outputs: the scenario overlay (a TOML file that ``extends`` the scenario and sets the fitted
values, with provenance in ``[sources]``), and in ``WORK/``: ``calibration.json`` (settings and
result), ``evaluations.csv``, ``validation.csv`` and ``validation.png`` (simulated vs observed for
each statistic, with intervals over replications, for the scenario's values and the fitted ones).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.calibration_data import (
    Statistic,
    simulate_statistics,
    weighted_loss,
)
from sim.analysis.fitting import fit, to_unit, to_values, vector_key
from sim.errors import UsageError
from sim.io.atomic import write_bytes
from sim.io.outputs import scenario_hash
from sim.io.resume import check_identity, read_marker
from sim.io.tables import read_exact_csv
from sim.scenario.editing import with_parameters
from sim.scenario.parameters import ParameterInfo
from sim.scenario.schema import Scenario

FORMAT = "startup-sim-calibration/1"
INTERVAL = (0.05, 0.95)
"""Simulation intervals in the validation: 5th-95th percentile over replications."""


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


__all__ = [
    "FORMAT",
    "CalibrationResult",
    "EvaluationLog",
    "calibrate",
    "validation_losses",
    "validation_table",
]
