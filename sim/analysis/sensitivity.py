"""Global sensitivity analysis (Morris screening, Sobol indices) over the parameters' plausible ranges.

Which assumptions drive the conclusions? Every parameter declared with a plausible ``[low, high]``
range (:func:`sim.scenario.parameters.ranged_parameters`) can be varied; SALib draws the design
(:func:`SALib.sample.morris.sample` or :func:`SALib.sample.sobol.sample`), every design point runs
through the batch machinery (:func:`sim.experiments.batch.run_jobs`: same executors, same store, resumable) and
SALib's analysers turn the outcomes into indices (Morris ``mu*``, ``mu*_conf``, ``sigma``; Sobol
``S1``, ``S1_conf``, ``ST``, ``ST_conf``).

Design decisions (all documented in the output files too):

* **Common random numbers.** Every design point runs with the *same* seed (replication 0 of the root
  seed, :func:`sim.experiments.batch.replication_seeds`), so differences between design points reflect the
  parameters, not sampling noise. Four extra replications of the unchanged scenario (seeds 0-3 of
  the root) measure the seed-to-seed noise, reported next to the effects.
* **Policy comparison.** For each design point the scenario *and* its no-policy counterpart (all
  seven programmes disabled, :func:`no_policy`) run with the same seed; ``additional_jobs`` is the
  difference in ``jobs_created``. Disabled programmes' own parameters cannot act, so the
  counterpart resets them to the scenario's values: design points that differ only in policy
  parameters share one counterpart run (named ``nopolicy_<hash>``).
* **Integers** (e.g. months) are rounded to the nearest whole number before a run; the analysers see
  the SALib design itself, so an integer parameter's effect is measured per design step.
* **Parameters of disabled programmes** are left out by default (they cannot change any outcome);
  name them with ``params`` to include them anyway.
* **Sobol** uses Saltelli's scheme without second-order terms, ``N (k + 2)`` runs; ``N`` must be a
  power of two (SALib's Sobol' sequence). **Morris** uses ``N`` trajectories on 4 levels,
  ``N (k + 1)`` runs.
* **One-at-a-time swings.** Each varied parameter is also set to its low and its high end with the
  others at the scenario's values (``2 k`` runs); the swings give a tornado chart per outcome and
  the "what could reverse or halve the conclusion" table for ``additional_jobs``
  (:func:`reversal_table`), together with the Morris elementary effects.

Layout of ``OUT`` (besides the batch store's ``manifest.json``, ``summary.csv`` and ``runs/``)::

    OUT/sensitivity.json       SALib problem, method, samples, seeds, scale, scenario hash
    OUT/samples.csv            the SALib sample matrix (one row per design point, job name first)
    OUT/oat.csv                one-at-a-time runs: parameter, end, value, every outcome
    OUT/indices/<outcome>.csv  indices per parameter, ranked
    OUT/figures/<outcome>.png  ranked index bars and the one-at-a-time tornado
    OUT/reversal.csv           additional_jobs: swings per parameter and whether they halve or reverse it
    OUT/reversal.txt           the same as a short text

A resumed run (``resume=True``) reads ``sensitivity.json`` and ``samples.csv`` back and reruns only
the runs missing from the store, so it analyses exactly the same design.
"""

from __future__ import annotations

import fnmatch
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UsageError
from sim.io.atomic import write_bytes, write_figure
from sim.io.outputs import scenario_hash
from sim.io.resume import check_format, check_identity
from sim.scenario.files import ScenarioError, validate_dict
from sim.scenario.parameters import ParameterInfo, iter_parameters, ranged_parameters
from sim.scenario.schema import Policy, Scenario

METHODS = ("morris", "sobol")
ADDITIONAL_JOBS = "additional_jobs"
DEFAULT_OUTCOMES = (
    "jobs_created",
    ADDITIONAL_JOBS,
    "survival_1y",
    "survival_3y",
    "firms_started",
    "founders_helped",
    "fiscal_cost_yuan",
)
PROGRAMMES = tuple(Policy.model_fields)
MORRIS_LEVELS = 4
"""Grid levels of the Morris design: 4 is the usual choice with ``N`` of 10-50 trajectories
(Saltelli et al. 2008, *Global Sensitivity Analysis: The Primer*, ch. 3; SALib's default)."""
CONF_LEVEL = 0.95
NUM_RESAMPLES = 200
"""Bootstrap resamples for the confidence intervals: assumption (SALib default 100; 200 halves
the Monte Carlo error of the interval ends at negligible cost)."""
NOISE_REPLICATIONS = 4
"""Replications of the unchanged scenario (and its no-policy counterpart) to measure seed noise:
assumption, range 3-10 (4 gives a rough standard deviation at the cost of 8 runs)."""
HALF = 0.5
"""A swing larger than half the baseline value counts as able to halve the conclusion (the
issue's criterion)."""
TOP_IN_FIGURE = 20
FORMAT = "startup-sim-sensitivity/1"


def read_exact_csv(path: Path, text_columns: Sequence[str] = ()) -> pd.DataFrame:
    """Read a CSV written by pandas with every float exactly as written (Python's ``float``).

    Pandas writes floats with ``repr`` (shortest round-trip form); parsing them with ``float``
    gives the same bits back whatever the pandas version's default parser does.
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in frame.columns:
        if column not in text_columns:
            frame[column] = [float(v) if v != "" else float("nan") for v in frame[column]]
    return frame


# ------------------------------------------------------------------------------- scenarios
def _set_dotted(data: dict[str, Any], dotted: str, value: Any, where: str) -> None:
    parts = dotted.split(".")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, dict) or part not in node or not isinstance(node[part], dict):
            raise ScenarioError(where, ".".join(parts[: i + 1]), f"no such table for parameter {dotted!r}")
        node = node[part]
    if not isinstance(node, dict) or parts[-1] not in node:
        raise ScenarioError(where, dotted, "no such parameter")
    node[parts[-1]] = value


def with_parameters(scenario: Scenario, values: Mapping[str, float], where: str = "<parameters>") -> Scenario:
    """A copy of ``scenario`` with parameters set by dotted name, validated again.

    Integer parameters (declared with an integer default) are rounded to the nearest whole
    number; the others become floats.

    Args:
        scenario: A validated scenario.
        values: ``{"behaviour.quality_log_sd": 0.15, "shocks.lockdown_2022.months": 3, ...}``.
        where: Name used in error messages (e.g. the design point).

    Returns:
        A new validated :class:`Scenario`.

    Raises:
        ScenarioError: An unknown name, or a value the schema rejects (one line naming the key).
    """
    integer = {p.name: p.integer for p in iter_parameters(scenario)}
    data = scenario.model_dump(mode="python")
    for name, value in values.items():
        if name not in integer:
            _set_dotted(data, name, value, where)  # raises with the first missing part
            raise ScenarioError(where, name, "not a declared parameter")
        number = float(value)
        if not math.isfinite(number):
            raise ScenarioError(where, name, f"must be a finite number (got {value!r})")
        _set_dotted(data, name, int(round(number)) if integer[name] else number, where)
    return validate_dict(data, where)


def no_policy(scenario: Scenario, reference: Scenario | None = None) -> Scenario:
    """The scenario with all seven programmes disabled (the additionality counterfactual).

    Args:
        scenario: A validated scenario.
        reference: If given, the disabled programmes' own parameters are taken from it (they have
            no effect once disabled), so counterparts of scenarios that differ only in policy
            parameters are identical and run once.

    Returns:
        A new validated scenario with ``policy.<programme>.enabled = false`` for every programme.
    """
    data = scenario.model_dump(mode="python")
    if reference is not None:
        data["policy"] = reference.model_dump(mode="python")["policy"]
    for programme in PROGRAMMES:
        data["policy"][programme]["enabled"] = False
    return validate_dict(data, f"{scenario.name} (no policy)")


def select_parameters(scenario: Scenario, names: Sequence[str] | None = None) -> list[ParameterInfo]:
    """The parameters to vary.

    Args:
        scenario: A validated scenario.
        names: Dotted names or shell patterns (``"behaviour.*"``); None means every ranged
            parameter except those of disabled programmes.

    Returns:
        Ranged parameters with ``low < high``, in registry order.

    Raises:
        UsageError: A name that matches no ranged parameter (with a suggestion).
    """
    ranged = [p for p in ranged_parameters(scenario) if p.low is not None and p.high > p.low]  # type: ignore[operator]
    if names is None:
        disabled = {f"policy.{name}." for name in PROGRAMMES if not getattr(scenario.policy, name).enabled}
        return [p for p in ranged if not any(p.name.startswith(prefix) for prefix in disabled)]
    by_name = {p.name: p for p in ranged}
    chosen: dict[str, ParameterInfo] = {}
    for pattern in names:
        matches = [p for p in ranged if fnmatch.fnmatchcase(p.name, pattern)]
        if not matches:
            import difflib

            close = difflib.get_close_matches(pattern, list(by_name), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else " (see `startup-sim params SCENARIO`)"
            raise UsageError(f"--params: {pattern!r} is not a parameter with a plausible range{hint}")
        for p in matches:
            chosen.setdefault(p.name, p)
    order = {p.name: i for i, p in enumerate(ranged)}
    return sorted(chosen.values(), key=lambda p: order[p.name])


# ------------------------------------------------------------------------------- SALib wrappers
def salib_problem(params: Sequence[ParameterInfo]) -> dict[str, Any]:
    """SALib's problem definition (``num_vars``, ``names``, ``bounds``) for these parameters."""
    return {
        "num_vars": len(params),
        "names": [p.name for p in params],
        "bounds": [[float(p.low), float(p.high)] for p in params],  # type: ignore[arg-type]
    }


def design_size(method: str, samples: int, num_vars: int) -> int:
    """Design points a method needs: Morris ``N (k + 1)``, Sobol (first and total order) ``N (k + 2)``."""
    if method == "morris":
        return samples * (num_vars + 1)
    if method == "sobol":
        return samples * (num_vars + 2)
    raise UsageError(f"--method: must be one of {', '.join(METHODS)}, got {method!r}")


def check_samples(method: str, samples: int) -> None:
    """Raise :class:`UsageError` for a sample count the method cannot use."""
    if method not in METHODS:
        raise UsageError(f"--method: must be one of {', '.join(METHODS)}, got {method!r}")
    if method == "morris" and samples < 2:
        raise UsageError(f"--samples: Morris needs at least 2 trajectories, got {samples}")
    if method == "sobol" and (samples < 2 or samples & (samples - 1)):
        raise UsageError(f"--samples: Sobol needs a power of two (e.g. 64, 128, 256), got {samples}")


def sample_design(problem: dict[str, Any], method: str, samples: int, seed: int = 0) -> np.ndarray:
    """Draw the SALib design.

    Args:
        problem: SALib problem (see :func:`salib_problem`).
        method: ``"morris"`` (``samples`` trajectories, 4 levels) or ``"sobol"`` (Saltelli's
            scheme with ``samples`` base points, no second-order terms).
        samples: ``N``.
        seed: Seed of the sampler (Morris trajectories, Sobol' scrambling).

    Returns:
        Array ``(design_size, num_vars)`` in the parameters' own units.
    """
    check_samples(method, samples)
    if method == "morris":
        from SALib.sample import morris as morris_sample

        return morris_sample.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
    from SALib.sample import sobol as sobol_sample

    return sobol_sample.sample(problem, samples, calc_second_order=False, scramble=True, seed=seed)


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
    names = list(problem["names"])
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
def plot_outcome(indices: pd.DataFrame, oat: pd.DataFrame | None, baseline: float, method: str,
                 outcome: str, path: Path) -> Path:
    """Ranked index bars (left) and the one-at-a-time tornado (right) of one outcome, as PNG."""
    from matplotlib.figure import Figure  # no pyplot: keeps notebooks' inline backend untouched
    from matplotlib.ticker import MaxNLocator

    top = indices.head(TOP_IN_FIGURE).iloc[::-1]
    panels = 2 if oat is not None and len(oat) else 1
    height = max(3.0, 1.5 + 0.32 * len(top))
    fig = Figure(figsize=(7.5 * panels, height))
    axes = fig.subplots(1, panels, squeeze=False)
    ax = axes[0, 0]
    y = np.arange(len(top))
    if method == "morris":
        ax.barh(y, top["mu_star"], xerr=top["mu_star_conf"], color="tab:blue", alpha=0.8, label="mu*")
        ax.plot(top["sigma"], y, "o", color="tab:orange", label="sigma")
        ax.set_xlabel(f"Morris mu* (change in {outcome} over the whole range)")
    else:
        ax.barh(y + 0.2, top["ST"], height=0.4, xerr=top["ST_conf"], color="tab:blue", label="ST (total)")
        ax.barh(y - 0.2, top["S1"], height=0.4, xerr=top["S1_conf"], color="tab:green", label="S1 (first order)")
        ax.set_xlabel("Sobol index (share of variance)")
    ax.set_yticks(y, top["parameter"], fontsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"{outcome}: {method} ranking")
    if panels == 2:
        ax2 = axes[0, 1]
        order = (oat["value_high"] - oat["value_low"]).abs().sort_values(ascending=False).index
        sub = oat.loc[order].head(TOP_IN_FIGURE).iloc[::-1]
        y2 = np.arange(len(sub))
        ax2.barh(y2 + 0.2, sub["value_low"] - baseline, left=baseline, height=0.4, color="tab:red", alpha=0.8,
                 label="at low end")
        ax2.barh(y2 - 0.2, sub["value_high"] - baseline, left=baseline, height=0.4, color="tab:green", alpha=0.8,
                 label="at high end")
        ax2.axvline(baseline, color="black", lw=1)
        if outcome == ADDITIONAL_JOBS:
            ax2.axvline(HALF * baseline, color="grey", ls="--", lw=1, label="half the baseline")
            ax2.axvline(0, color="grey", ls=":", lw=1)
        ax2.set_yticks(y2, sub["parameter"], fontsize=8)
        ax2.xaxis.set_major_locator(MaxNLocator(5))
        ax2.set_xlabel(f"{outcome} (one parameter at an end, others at baseline)")
        ax2.legend(loc="lower right", fontsize=8)
        ax2.set_title("one-at-a-time swings")
    fig.tight_layout()
    write_figure(fig, path, dpi=110)
    return path


# ------------------------------------------------------------------------------- the runs
@dataclass
class SensitivityDesign:
    """Everything that fixes the runs of a sensitivity analysis (stored in ``sensitivity.json``)."""

    method: str
    samples: int
    problem: dict[str, Any]
    integer: list[bool]
    root_seed: int
    seed: int
    noise_seeds: list[int]
    scale: float
    scenario_name: str
    scenario_sha256: str
    scenario_file: str | None
    X: np.ndarray = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        """The JSON form (without the sample matrix, which goes to ``samples.csv``)."""
        return {
            "format": FORMAT,
            "method": self.method,
            "samples": self.samples,
            "num_levels": MORRIS_LEVELS if self.method == "morris" else None,
            "calc_second_order": False if self.method == "sobol" else None,
            "problem": self.problem,
            "integer": self.integer,
            "root_seed": self.root_seed,
            "seed": self.seed,
            "noise_seeds": self.noise_seeds,
            "scale": self.scale,
            "scenario_name": self.scenario_name,
            "scenario_sha256": self.scenario_sha256,
            "scenario_file": self.scenario_file,
            "design_points": int(len(self.X)),
            "common_random_numbers": (
                "every design point and one-at-a-time run uses seed `seed` (replication 0 of the "
                "root seed); `noise_seeds` are replications 0-3 of the unchanged scenario"
            ),
        }


def _job_names(design: SensitivityDesign) -> list[str]:
    return [f"sample_{i:05d}" for i in range(len(design.X))]


def _write_design(out: Path, design: SensitivityDesign) -> None:
    frame = pd.DataFrame(design.X, columns=design.problem["names"])
    frame.insert(0, "job", _job_names(design))
    write_bytes(out / "samples.csv", frame.to_csv(index=False).encode())
    payload = design.to_json()
    payload["created"] = datetime.now(UTC).isoformat(timespec="seconds")
    write_bytes(out / "sensitivity.json", (json.dumps(payload, indent=2) + "\n").encode())


def _read_design(out: Path) -> SensitivityDesign:
    where = out / "sensitivity.json"
    try:
        meta = json.loads(where.read_text())
        frame = read_exact_csv(out / "samples.csv", text_columns=("job",))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{where}: cannot read the stored design ({exc}); use another --out") from None
    check_format(where, meta, FORMAT, "sensitivity analysis")
    names = meta["problem"]["names"]
    if list(frame.columns) != ["job", *names]:
        raise UsageError(f"{out / 'samples.csv'}: columns do not match the problem in sensitivity.json")
    return SensitivityDesign(
        method=meta["method"], samples=int(meta["samples"]), problem=meta["problem"],
        integer=list(meta["integer"]), root_seed=int(meta["root_seed"]), seed=int(meta["seed"]),
        noise_seeds=[int(s) for s in meta["noise_seeds"]], scale=float(meta["scale"]),
        scenario_name=meta["scenario_name"], scenario_sha256=meta["scenario_sha256"],
        scenario_file=meta.get("scenario_file"), X=frame[names].to_numpy(dtype=float),
    )


def design_identity(design: SensitivityDesign) -> dict[str, Any]:
    """The items that must be equal to reuse a stored analysis's runs (see :mod:`sim.io.resume`)."""
    return {
        "method": design.method,
        "samples": design.samples,
        "names": list(design.problem["names"]),
        "bounds": [list(map(float, b)) for b in design.problem["bounds"]],
        "root_seed": design.root_seed,
        "scale": design.scale,
        "scenario_sha256": design.scenario_sha256,
    }


IDENTITY_LABELS = {
    "names": "problem.names (--params)",
    "bounds": "problem.bounds (parameter ranges changed)",
    "root_seed": "root_seed (--seed)",
    "scenario_sha256": "scenario_sha256 (scenario changed)",
}


def _check_same(out: Path, old: SensitivityDesign, new: SensitivityDesign) -> None:
    check_identity(out / "sensitivity.json", design_identity(old), design_identity(new), what="this analysis",
                   labels=IDENTITY_LABELS)


@dataclass
class SensitivityResult:
    """What :func:`run_sensitivity` produced.

    Attributes:
        out: Output directory.
        design: The design.
        outputs: Outcome of every design point (rows in design order, one column per outcome).
        indices: ``{outcome: indices table}``.
        oat: One-at-a-time table (long: parameter, end, value, outcomes).
        baseline: Outcomes of the unchanged scenario (common seed).
        noise_sd: Seed-to-seed sd of each outcome of the unchanged scenario.
        reversal: :func:`reversal_table` for ``additional_jobs`` (None if not requested).
        skipped: ``{outcome: reason}`` for outcomes that could not be analysed.
    """

    out: Path
    design: SensitivityDesign
    outputs: pd.DataFrame
    indices: dict[str, pd.DataFrame]
    oat: pd.DataFrame
    baseline: dict[str, float]
    noise_sd: dict[str, float]
    reversal: pd.DataFrame | None
    skipped: dict[str, str]


def _check_outcomes(outcomes: Sequence[str]) -> list[str]:
    from sim.experiments.outcomes import SUMMARY_METRICS

    known = list(SUMMARY_METRICS) + [ADDITIONAL_JOBS]
    result = []
    for name in outcomes:
        if name not in known:
            import difflib

            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(known)}"
            raise UsageError(f"--outcomes: unknown outcome {name!r}{hint}")
        if name not in result:
            result.append(name)
    if not result:
        raise UsageError("--outcomes: give at least one outcome")
    return result


def _rounded(row: np.ndarray, design: SensitivityDesign) -> dict[str, float]:
    return {
        name: (float(round(value)) if is_int else float(value))
        for name, value, is_int in zip(design.problem["names"], row, design.integer, strict=True)
    }


def build_jobs(scenario: Scenario, design: SensitivityDesign) -> tuple[list[Any], dict[str, Any]]:
    """The runs of a sensitivity analysis.

    Returns:
        ``(jobs, index)``: the :class:`sim.experiments.batch.RunJob` list and an index mapping each design
        point, one-at-a-time end and noise replication to its policy run and its no-policy
        counterpart ``(name, replication)``.
    """
    from sim.experiments.jobs import RunJob

    jobs: list[RunJob] = []
    counterparts: dict[str, str] = {}
    seen: set[tuple[str, int]] = set()

    def add(name: str, sc: Scenario, replication: int, seed: int) -> tuple[str, int]:
        if (name, replication) not in seen:
            seen.add((name, replication))
            jobs.append(RunJob(name, sc, replication, seed, design.scale))
        return (name, replication)

    def counterpart(sc: Scenario, replication: int, seed: int) -> tuple[str, int]:
        cf = no_policy(sc, reference=scenario)
        sha = scenario_hash(cf)
        name = counterparts.setdefault(sha, f"nopolicy_{sha[:12]}")
        return add(name, cf, replication, seed)

    index: dict[str, Any] = {"samples": [], "oat": [], "noise": []}
    for replication, seed in enumerate(design.noise_seeds):
        index["noise"].append((add("baseline", scenario, replication, seed), counterpart(scenario, replication, seed)))
    for name, row in zip(_job_names(design), design.X, strict=True):
        sc = with_parameters(scenario, _rounded(row, design), where=name)
        index["samples"].append((add(name, sc, 0, design.seed), counterpart(sc, 0, design.seed)))
    for i, (pname, (low, high)) in enumerate(zip(design.problem["names"], design.problem["bounds"], strict=True)):
        for end, value in (("low", low), ("high", high)):
            run = f"oat_{i:03d}_{end}"
            sc = with_parameters(scenario, {pname: value}, where=f"{run} ({pname})")
            runs = (add(run, sc, 0, design.seed), counterpart(sc, 0, design.seed))
            index["oat"].append((pname, end, float(value), *runs))
    return jobs, index


def _values(summary: pd.DataFrame, key: tuple[str, int], outcome: str, cf: tuple[str, int]) -> float:
    if outcome == ADDITIONAL_JOBS:
        return float(summary.loc[key, "jobs_created"] - summary.loc[cf, "jobs_created"])
    return float(summary.loc[key, outcome])


def run_sensitivity(
    scenario: Scenario,
    method: str,
    samples: int,
    out: str | Path,
    outcomes: Sequence[str] | None = None,
    params: Sequence[str] | None = None,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    root_seed: int = 0,
    scale: float = 1.0,
    progress: bool = True,
    scenario_file: str | None = None,
) -> SensitivityResult:
    """Run a Morris or Sobol sensitivity analysis of a scenario and write its tables and figures.

    Args:
        scenario: The scenario whose ranged parameters are varied.
        method: ``"morris"`` or ``"sobol"``.
        samples: Morris trajectories or Sobol base points ``N``.
        out: Output directory (a batch store plus the files listed in the module docstring).
        outcomes: Outcomes to analyse (metrics of :data:`sim.experiments.batch.SUMMARY_METRICS` and
            ``additional_jobs``); default :data:`DEFAULT_OUTCOMES`.
        params: Dotted names or patterns of the parameters to vary (default: every ranged
            parameter except those of disabled programmes).
        workers: Worker processes (see :func:`sim.experiments.batch.run_jobs`).
        executor: ``"local"`` or ``"dask"``.
        scheduler: Dask scheduler address.
        resume: Complete the analysis already in ``out`` (same design; only missing runs run).
        root_seed: Root seed: the sampler's seed and the root of the common seed.
        scale: Population scale of every run.
        progress: Show a progress bar.
        scenario_file: The scenario's file, recorded in ``sensitivity.json``.

    Returns:
        A :class:`SensitivityResult`.

    Raises:
        UsageError: Bad arguments, ``out`` holding something else, or a resume that does not
            match the stored design.
        ScenarioError: A design point the schema rejects.
        RuntimeError: Runs failed (they are recorded in ``out``; rerun with ``resume``).
    """
    from sim.experiments.batch import run_jobs
    from sim.experiments.jobs import replication_seeds

    check_samples(method, samples)
    if root_seed < 0:
        raise UsageError(f"--seed: must be a non-negative integer, got {root_seed}")
    if not scale > 0:
        raise UsageError(f"--scale: must be positive, got {scale}")
    outcomes = _check_outcomes(outcomes or DEFAULT_OUTCOMES)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: --out: exists and is not a directory")
    chosen = select_parameters(scenario, params)
    if not chosen:
        raise UsageError("--params: no parameter with a plausible range to vary")
    problem = salib_problem(chosen)
    seeds = replication_seeds(root_seed, NOISE_REPLICATIONS)
    sha = scenario_hash(scenario)
    has_design = (out / "sensitivity.json").exists()
    if has_design or (out.exists() and any(out.iterdir())):
        if not resume:
            raise UsageError(f"{out}: --out: directory is not empty; add --resume to complete it, "
                             "or choose another --out")
        if not has_design:
            raise UsageError(f"{out}/sensitivity.json: missing; {out} does not hold a sensitivity analysis")
        design = _read_design(out)
        probe = SensitivityDesign(method, samples, problem, [p.integer for p in chosen], root_seed, seeds[0],
                                  seeds, float(scale), scenario.name, sha, scenario_file, design.X)
        _check_same(out, design, probe)
    else:
        X = sample_design(problem, method, samples, seed=root_seed)
        design = SensitivityDesign(method, samples, problem, [p.integer for p in chosen], root_seed, seeds[0],
                                   seeds, float(scale), scenario.name, sha, scenario_file, X)
        out.mkdir(parents=True, exist_ok=True)
        _write_design(out, design)

    jobs, index = build_jobs(scenario, design)
    extra = {"kind": "sensitivity", "root_seed": int(root_seed), "scale": float(scale),
             "sensitivity": "see sensitivity.json and samples.csv"}
    summary = run_jobs(jobs, out, workers=workers, executor=executor, scheduler=scheduler, resume=True,
                       progress=progress, manifest_extra=extra)
    failed = summary[summary["status"] != "ok"]
    if len(failed) or len(summary) < len(jobs):
        missing = len(jobs) - int((summary["status"] == "ok").sum())
        raise RuntimeError(
            f"{missing} of {len(jobs)} runs failed or are missing (see {out}/summary.csv and "
            f"{out}/runs/*/*.failed.json); fix the cause and rerun with --resume"
        )
    return analyse(out, design, summary.set_index(["scenario", "replication"]), index, outcomes)


def analyse(
    out: Path, design: SensitivityDesign, summary: pd.DataFrame, index: dict[str, Any], outcomes: Sequence[str]
) -> SensitivityResult:
    """Compute and write indices, figures, the one-at-a-time table and the reversal summary.

    Args:
        out: Output directory.
        design: The design.
        summary: Run summary indexed by ``(scenario, replication)``.
        index: From :func:`build_jobs`.
        outcomes: Outcomes to analyse.
    """
    outputs = pd.DataFrame(
        {o: [_values(summary, key, o, cf) for key, cf in index["samples"]] for o in outcomes},
        index=_job_names(design),
    )
    noise = pd.DataFrame({o: [_values(summary, key, o, cf) for key, cf in index["noise"]] for o in outcomes})
    baseline = {o: float(noise[o].iloc[0]) for o in outcomes}
    noise_sd = {o: float(noise[o].std(ddof=1)) for o in outcomes}
    long_rows = []
    for pname, end, value, key, cf in index["oat"]:
        row = {"parameter": pname, "end": end, "value": value}
        row.update({o: _values(summary, key, o, cf) for o in outcomes})
        long_rows.append(row)
    oat = pd.DataFrame(long_rows)
    write_bytes(out / "oat.csv", oat.to_csv(index=False).encode())
    write_bytes(out / "outputs.csv", outputs.rename_axis("job").reset_index().to_csv(index=False).encode())

    indices: dict[str, pd.DataFrame] = {}
    skipped: dict[str, str] = {}
    reversal = None
    for outcome in outcomes:
        y = outputs[outcome].to_numpy(dtype=float)
        wide = _oat_wide(oat, outcome)
        if not np.all(np.isfinite(y)):
            skipped[outcome] = f"{int((~np.isfinite(y)).sum())} design points have no value (e.g. no jobs)"
            continue
        table = analyze_design(design.problem, design.method, design.X, y, seed=design.root_seed)
        indices[outcome] = table
        write_bytes(out / "indices" / f"{outcome}.csv", table.to_csv(index=False).encode())
        plot_outcome(table, wide, baseline[outcome], design.method, outcome, out / "figures" / f"{outcome}.png")
        if outcome == ADDITIONAL_JOBS:
            effects = (
                elementary_effects(design.problem, design.X, y) if design.method == "morris" else None
            )
            reversal = reversal_table(wide, baseline[outcome], noise_sd[outcome], effects, outcome)
            write_bytes(out / "reversal.csv", reversal.to_csv(index=False).encode())
            text = reversal_text(reversal, baseline[outcome], noise_sd[outcome], design.method, outcome)
            write_bytes(out / "reversal.txt", text.encode())
    if skipped:
        note = "".join(f"{k}: not analysed: {v}\n" for k, v in skipped.items())
        write_bytes(out / "skipped.txt", note.encode())
    return SensitivityResult(out, design, outputs, indices, oat, baseline, noise_sd, reversal, skipped)


def _oat_wide(oat: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """One-at-a-time table of one outcome: ``parameter, low, high, value_low, value_high``."""
    low = oat[oat["end"] == "low"].set_index("parameter")
    high = oat[oat["end"] == "high"].set_index("parameter")
    return pd.DataFrame(
        {
            "parameter": low.index,
            "low": low["value"].to_numpy(),
            "high": high.loc[low.index, "value"].to_numpy(),
            "value_low": low[outcome].to_numpy(),
            "value_high": high.loc[low.index, outcome].to_numpy(),
        }
    )


__all__ = [
    "ADDITIONAL_JOBS",
    "read_exact_csv",
    "DEFAULT_OUTCOMES",
    "METHODS",
    "SensitivityDesign",
    "SensitivityResult",
    "analyze_design",
    "analyze_model",
    "design_size",
    "elementary_effects",
    "no_policy",
    "reversal_table",
    "run_sensitivity",
    "salib_problem",
    "sample_design",
    "select_parameters",
    "with_parameters",
]
