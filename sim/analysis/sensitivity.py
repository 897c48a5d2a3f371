"""Global sensitivity analysis (Morris screening, Sobol indices) over the parameters' plausible ranges.

Which assumptions drive the conclusions? Every parameter declared with a plausible ``[low, high]``
range (:func:`sim.scenario.parameters.ranged_parameters`) can be varied; SALib draws the design
(:func:`SALib.sample.morris.sample` or :func:`SALib.sample.sobol.sample`), every design point runs
through the batch machinery (:func:`sim.experiments.batch.run_jobs`: same executors, same store, resumable) and
SALib's analysers turn the outcomes into indices (Morris ``mu*``, ``mu*_conf``, ``sigma``; Sobol
``S1``, ``S1_conf``, ``ST``, ``ST_conf``).

Design decisions (all documented in the output files too):

* **Common random numbers.** Every design point runs with the *same* seed (replication 0 of the root
  seed, :func:`sim.experiments.jobs.replication_seeds`), so differences between design points reflect the
  parameters, not sampling noise. Four extra replications of the unchanged scenario (seeds 0-3 of
  the root) measure the seed-to-seed noise, reported next to the effects.
* **Policy comparison.** For each design point the scenario *and* its no-policy counterpart (all
  every programme disabled, :func:`sim.scenario.editing.no_policy`) run with the same seed; ``additional_jobs`` is the
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
  (:func:`sim.analysis.indices.reversal_table`), together with the Morris elementary effects.

Layout of ``OUT`` (besides the batch store's ``manifest.json``, ``summary.csv`` and ``runs/``)::

    OUT/sensitivity.json       SALib problem, method, samples, seeds, scale, scenario hash
    OUT/samples.csv            the SALib sample matrix (one row per design point, job name first)
    OUT/oat.csv                one-at-a-time runs: parameter, end, value, every outcome
    OUT/indices/<outcome>.csv  indices per parameter, ranked
    OUT/figures/<outcome>.png  ranked index bars and the one-at-a-time tornado (written by
                               sim.present.sensitivity_figures; this package only computes)
    OUT/reversal.csv           additional_jobs: swings per parameter and whether they halve or reverse it
    OUT/reversal.txt           the same as a short text

Modules: :mod:`sim.analysis.design` (parameters, SALib sample, ``sensitivity.json``),
:mod:`sim.analysis.indices` (indices, reversal), this module (the runs and the analysis).

A resumed run (``resume=True``) reads ``sensitivity.json`` and ``samples.csv`` back and reruns only
the runs missing from the store, so it analyses exactly the same design.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.design import (
    SensitivityDesign,
    check_same,
    check_samples,
    job_names,
    parameter_groups,
    read_design,
    salib_problem,
    sample_design,
    select_parameters,
    write_design,
)
from sim.analysis.indices import analyze_design, elementary_effects, reversal_table, reversal_text
from sim.analysis.options import ADDITIONAL_JOBS, DEFAULT_OUTCOMES, NOISE_REPLICATIONS
from sim.analysis.options import SENSITIVITY_METHODS as METHODS
from sim.errors import UsageError
from sim.io.atomic import write_bytes
from sim.io.outputs import scenario_hash
from sim.scenario.editing import no_policy, with_parameters
from sim.scenario.schema import Scenario


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
            jobs.append(RunJob(name, sc, replication, seed, design.scale, tables=False))
        return (name, replication)

    def counterpart(sc: Scenario, replication: int, seed: int) -> tuple[str, int]:
        cf = no_policy(sc, reference=scenario)
        sha = scenario_hash(cf)
        name = counterparts.setdefault(sha, f"nopolicy_{sha[:12]}")
        return add(name, cf, replication, seed)

    index: dict[str, Any] = {"samples": [], "oat": [], "noise": []}
    for replication, seed in enumerate(design.noise_seeds):
        index["noise"].append((add("baseline", scenario, replication, seed), counterpart(scenario, replication, seed)))
    for name, row in zip(job_names(design), design.X, strict=True):
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
    groups: str = "none",
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
        groups: ``"none"`` or ``"block"``: Sobol indices per table of parameters (SALib groups;
            ``N (g + 2)`` design points for ``g`` groups), see :data:`sim.analysis.design.GROUPINGS`.

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
    if groups != "none" and method != "sobol":
        raise UsageError("--groups: only with --method sobol")
    problem = salib_problem(chosen, parameter_groups(chosen, groups))
    seeds = replication_seeds(root_seed, NOISE_REPLICATIONS)
    sha = scenario_hash(scenario)
    has_design = (out / "sensitivity.json").exists()
    if has_design or (out.exists() and any(out.iterdir())):
        if not resume:
            raise UsageError(f"{out}: --out: directory is not empty; add --resume to complete it, "
                             "or choose another --out")
        if not has_design:
            raise UsageError(f"{out}/sensitivity.json: missing; {out} does not hold a sensitivity analysis")
        design = read_design(out)
        probe = SensitivityDesign(method, samples, problem, [p.integer for p in chosen], root_seed, seeds[0],
                                  seeds, float(scale), scenario.name, sha, scenario_file, design.X)
        check_same(out, design, probe)
    else:
        X = sample_design(problem, method, samples, seed=root_seed)
        design = SensitivityDesign(method, samples, problem, [p.integer for p in chosen], root_seed, seeds[0],
                                   seeds, float(scale), scenario.name, sha, scenario_file, X)
        out.mkdir(parents=True, exist_ok=True)
        write_design(out, design)

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
    """Compute and write indices, the one-at-a-time table and the reversal summary (figures:
    :func:`sim.present.sensitivity_figures.write_sensitivity_figures`).

    Args:
        out: Output directory.
        design: The design.
        summary: Run summary indexed by ``(scenario, replication)``.
        index: From :func:`build_jobs`.
        outcomes: Outcomes to analyse.
    """
    outputs = pd.DataFrame(
        {o: [_values(summary, key, o, cf) for key, cf in index["samples"]] for o in outcomes},
        index=job_names(design),
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
        wide = oat_wide(oat, outcome)
        if not np.all(np.isfinite(y)):
            skipped[outcome] = f"{int((~np.isfinite(y)).sum())} design points have no value (e.g. no jobs)"
            continue
        table = analyze_design(design.problem, design.method, design.X, y, seed=design.root_seed)
        indices[outcome] = table
        write_bytes(out / "indices" / f"{outcome}.csv", table.to_csv(index=False).encode())
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


def oat_wide(oat: pd.DataFrame, outcome: str) -> pd.DataFrame:
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
    "DEFAULT_OUTCOMES",
    "METHODS",
    "NOISE_REPLICATIONS",
    "SensitivityResult",
    "analyse",
    "build_jobs",
    "oat_wide",
    "run_sensitivity",
]
