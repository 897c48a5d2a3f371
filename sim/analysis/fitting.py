"""The optimisers of the calibration, on the unit cube of the parameters' plausible ranges.

* ``nelder-mead``: :func:`scipy.optimize.minimize` from the scenario's values, an initial simplex of
  steps of :data:`INITIAL_STEP` of each range, points folded back into the ranges (:func:`fold`) and
  restarts from the best point while they improve the loss;
* ``differential-evolution``: :func:`scipy.optimize.differential_evolution` with a fixed seed, the
  scenario's values in the initial population, no polishing.

Both stop after a budget of loss evaluations; the best evaluation seen is the result.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from sim.analysis.options import CALIBRATION_METHODS as METHODS
from sim.errors import UsageError
from sim.scenario.parameters import ParameterInfo

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


class _BudgetExhausted(Exception):
    pass


def fold(z: np.ndarray) -> np.ndarray:
    """Fold the real line onto ``[0, 1]`` (a triangle wave: ``1.2 -> 0.8``, ``-0.1 -> 0.1``)."""
    w = np.mod(np.asarray(z, dtype=float), 2.0)
    return np.where(w <= 1.0, w, 2.0 - w)


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


__all__ = ["METHODS", "fit", "fold", "to_unit", "to_values", "vector_key"]
