"""Sensitivity indices from a finished design: SALib's Morris and Sobol analysers, elementary
effects, and which assumptions could halve or reverse a conclusion (computation only).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.design import MORRIS_LEVELS, factor_names, sample_design
from sim.analysis.options import ADDITIONAL_JOBS, NOISE_REPLICATIONS
from sim.analysis.options import SENSITIVITY_METHODS as METHODS
from sim.errors import UsageError

CONF_LEVEL = 0.95
NUM_RESAMPLES = 200
"""Bootstrap resamples for the confidence intervals: assumption (SALib default 100; 200 halves
the Monte Carlo error of the interval ends at negligible cost)."""
HALF = 0.5
"""A swing larger than half the baseline value counts as able to halve the conclusion (the
issue's criterion)."""


def analyze_design(
    problem: dict[str, Any], method: str, X: np.ndarray, Y: np.ndarray, seed: int = 0
) -> pd.DataFrame:
    """Sensitivity indices of one outcome.

    Args:
        problem: SALib problem.
        method: ``"morris"`` or ``"sobol"``.
        X: The design from :func:`sample_design`.
        Y: The outcome at each design point (finite numbers).
        seed: Seed of the bootstrap for the confidence intervals.

    Returns:
        One row per parameter, most influential first, with ``rank`` and ``parameter`` and:
        Morris ``mu, mu_star, mu_star_conf, sigma`` (effects of a move over the whole range);
        Sobol ``S1, S1_conf, ST, ST_conf``. A constant outcome gives zero indices.
    """
    Y = np.asarray(Y, dtype=float)
    if not np.all(np.isfinite(Y)):
        raise ValueError("outcome has missing or infinite values")
    names = factor_names(problem)
    if method == "morris":
        from SALib.analyze import morris as morris_analyze

        si = morris_analyze.analyze(
            problem, np.asarray(X, dtype=float), Y, num_resamples=NUM_RESAMPLES,
            conf_level=CONF_LEVEL, num_levels=MORRIS_LEVELS, seed=seed,
        )
        frame = pd.DataFrame(
            {
                "parameter": names,
                "mu": np.asarray(si["mu"], dtype=float),
                "mu_star": np.asarray(si["mu_star"], dtype=float),
                "mu_star_conf": np.asarray(si["mu_star_conf"], dtype=float),
                "sigma": np.asarray(si["sigma"], dtype=float),
            }
        )
        key = "mu_star"
    elif method == "sobol":
        if np.ptp(Y) == 0:
            zeros = np.zeros(len(names))
            frame = pd.DataFrame({"parameter": names, "S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros})
        else:
            from SALib.analyze import sobol as sobol_analyze

            si = sobol_analyze.analyze(
                problem, Y, calc_second_order=False, num_resamples=NUM_RESAMPLES,
                conf_level=CONF_LEVEL, seed=seed,
            )
            frame = pd.DataFrame(
                {
                    "parameter": names,
                    "S1": np.asarray(si["S1"], dtype=float),
                    "S1_conf": np.asarray(si["S1_conf"], dtype=float),
                    "ST": np.asarray(si["ST"], dtype=float),
                    "ST_conf": np.asarray(si["ST_conf"], dtype=float),
                }
            )
        key = "ST"
    else:
        raise UsageError(f"--method: must be one of {', '.join(METHODS)}, got {method!r}")
    frame = frame.sort_values(key, ascending=False, kind="stable").reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame


def analyze_model(
    model: Callable[[np.ndarray], np.ndarray | Mapping[str, np.ndarray]],
    problem: dict[str, Any],
    method: str,
    samples: int,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """Sample, evaluate an arbitrary vectorised model and analyse it (no simulator needed).

    Args:
        model: Maps the design ``(n, k)`` to one outcome ``(n,)`` or ``{outcome: (n,)}``.
        problem: SALib problem.
        method: ``"morris"`` or ``"sobol"``.
        samples: ``N`` (trajectories or base points).
        seed: Seed of the sampler and the bootstrap.

    Returns:
        ``{outcome: indices}`` (outcome ``"y"`` for a single array).
    """
    X = sample_design(problem, method, samples, seed)
    out = model(X)
    outputs = dict(out) if isinstance(out, Mapping) else {"y": out}
    return {name: analyze_design(problem, method, X, np.asarray(y), seed) for name, y in outputs.items()}


def elementary_effects(problem: dict[str, Any], X: np.ndarray, Y: np.ndarray) -> pd.DataFrame:
    """Every Morris elementary effect, in outcome units per move over the parameter's whole range.

    Consecutive points of a trajectory differ in one parameter; the effect is the outcome change
    divided by that parameter's step as a share of its range (as in SALib's unscaled ``mu``).

    Returns:
        Columns ``parameter, trajectory, effect``.
    """
    k = int(problem["num_vars"])
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    width = np.array([hi - lo for lo, hi in problem["bounds"]], dtype=float)
    rows = []
    for t in range(len(Y) // (k + 1)):
        block = slice(t * (k + 1), (t + 1) * (k + 1))
        xs, ys = X[block], Y[block]
        for j in range(1, k + 1):
            step = xs[j] - xs[j - 1]
            moved = np.flatnonzero(step != 0)
            if len(moved) != 1:
                continue
            i = int(moved[0])
            rows.append(
                {
                    "parameter": problem["names"][i],
                    "trajectory": t,
                    "effect": float((ys[j] - ys[j - 1]) / (step[i] / width[i])),
                }
            )
    return pd.DataFrame(rows, columns=["parameter", "trajectory", "effect"])


def reversal_table(
    oat: pd.DataFrame,
    baseline: float,
    noise_sd: float = float("nan"),
    effects: pd.DataFrame | None = None,
    outcome: str = ADDITIONAL_JOBS,
) -> pd.DataFrame:
    """Which parameters could halve or reverse a conclusion (``outcome`` at its baseline value).

    Args:
        oat: One-at-a-time table (columns ``parameter, low, high, value_low, value_high``; the
            values are the outcome with the parameter at its low / high end).
        baseline: The outcome with every parameter at the scenario's value (same seed).
        noise_sd: Seed-to-seed standard deviation of the outcome (for the ``beyond_noise`` flag).
        effects: Morris elementary effects of the outcome (:func:`elementary_effects`), if any.
        outcome: Name used in the ``verdict`` text.

    Returns:
        One row per parameter, largest swing first: ``swing = value_high - value_low``;
        ``flips_sign`` (an end has the opposite sign of the baseline); ``halves`` (an end is
        below half the baseline in the baseline's direction); ``moves_half`` (``|swing|`` above
        half of ``|baseline|``); ``beyond_noise`` (an end differs from the baseline by more than
        two noise sd); with Morris effects also ``ee_mean, ee_min, ee_max`` and ``ee_share_half``
        (share of elementary effects larger than half of ``|baseline|``); ``verdict``.
    """
    frame = oat[["parameter", "low", "high", "value_low", "value_high"]].copy()
    frame["baseline"] = float(baseline)
    frame["swing"] = frame["value_high"] - frame["value_low"]
    sign = np.sign(baseline)
    ends = frame[["value_low", "value_high"]].to_numpy()
    frame["flips_sign"] = (sign != 0) & np.any(np.sign(ends) == -sign, axis=1)
    frame["halves"] = (sign != 0) & np.any(ends * sign < HALF * abs(baseline), axis=1)
    frame["moves_half"] = frame["swing"].abs() > HALF * abs(baseline)
    if math.isfinite(noise_sd):
        frame["beyond_noise"] = np.any(np.abs(ends - baseline) > 2 * noise_sd, axis=1)
    else:
        frame["beyond_noise"] = True
    if effects is not None and len(effects):
        stats = effects.groupby("parameter")["effect"].agg(ee_mean="mean", ee_min="min", ee_max="max")
        share = effects.assign(big=effects["effect"].abs() > HALF * abs(baseline)).groupby("parameter")["big"].mean()
        stats["ee_share_half"] = share
        frame = frame.merge(stats.reset_index(), on="parameter", how="left")
    verdicts = []
    for row in frame.itertuples():
        if row.flips_sign:
            verdict = f"REVERSES: {outcome} changes sign within the range"
        elif row.halves:
            verdict = f"HALVES: {outcome} falls below half its baseline within the range"
        elif row.moves_half:
            verdict = f"MOVES BY HALF: the swing exceeds half the baseline {outcome}"
        else:
            verdict = ""
        if verdict and not row.beyond_noise:
            verdict += " (but both ends within 2 sd of seed-to-seed noise)"
        verdicts.append(verdict)
    frame["verdict"] = verdicts
    order = frame["swing"].abs().sort_values(ascending=False, kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def reversal_text(table: pd.DataFrame, baseline: float, noise_sd: float, method: str, outcome: str) -> str:
    """A short plain-text summary of :func:`reversal_table`."""
    lines = [
        f"What could reverse or halve the conclusion on {outcome}?",
        f"Baseline {outcome} (scenario minus its no-policy counterpart, same seed): {baseline:,.1f}",
        f"Seed-to-seed sd of {outcome} ({NOISE_REPLICATIONS} seeds): {noise_sd:,.1f}",
        "Swings: each parameter moved alone from its low to its high end (others at the scenario's "
        "values, same seed)" + ("; Morris elementary effects over whole ranges in ee_* columns." if method == "morris"
                                else "."),
        "",
    ]
    flagged = table[table["verdict"] != ""]
    if flagged.empty:
        lines.append(
            f"No parameter moved alone over its range halves or reverses {outcome}, or moves it by more "
            "than half its baseline."
        )
    else:
        lines.append(f"{len(flagged)} parameter(s) could halve or reverse it, or move it by more than half:")
        for row in flagged.itertuples():
            lines.append(
                f"  {row.parameter} [{row.low:g}, {row.high:g}]: {row.value_low:,.1f} at low, "
                f"{row.value_high:,.1f} at high -> {row.verdict}"
            )
    if "ee_share_half" in table:
        ee = table[table["ee_share_half"] > 0].sort_values("ee_share_half", ascending=False)
        if len(ee):
            lines += ["", "Morris: share of elementary effects (whole-range moves elsewhere in the space) "
                      "larger than half the baseline:"]
            for row in ee.head(10).itertuples():
                lines.append(f"  {row.parameter}: {row.ee_share_half:.0%} (mean effect {row.ee_mean:,.1f})")
    top = table.head(5)
    lines += ["", "Largest swings:"]
    for row in top.itertuples():
        lines.append(f"  {row.parameter}: {row.swing:+,.1f}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------- figures


__all__ = [
    "HALF",
    "analyze_design",
    "analyze_model",
    "elementary_effects",
    "reversal_table",
    "reversal_text",
]
