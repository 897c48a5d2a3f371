"""Scenario discovery: the assumptions under which a policy mix misses its targets or adds few jobs.

The uncertain assumptions are sampled widely (a Latin hypercube over their plausible ranges,
:func:`sim.analysis.robust.uncertainty_draws`); the mix and its counterfactual run on every draw
with common seeds (:class:`sim.analysis.robust.RobustEvaluator`, through the batch store, so a
discovery resumes after a kill). Each draw records whether each district target is met and the
additional jobs. PRIM (the Patient Rule Induction Method, Friedman and Fisher 1999, as implemented
by ``ema_workbench.analysis.prim``, EMA Workbench 2.5.3) then finds boxes - ranges of a few
assumptions - in which the failures concentrate:

* **coverage**: the share of all failing draws that fall in the box;
* **density**: the share of draws in the box that fail;
* **mass**: the share of all draws in the box.

One PRIM analysis per question: "misses target X" for each target missed in some (not all) draws,
"misses any target", and "adds fewer than T jobs". A question whose answer is the same for every
draw has no box; the table says so.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.robust import RobustEvaluator, uncertainty_draws
from sim.errors import UsageError
from sim.scenario.schema import Scenario

DEFAULT_UNCERTAIN = ("behaviour.*", "population.*")
"""Scenario discovery samples widely: every behaviour and population assumption with a range."""
DENSITY_THRESHOLD = 0.8
"""PRIM stops peeling at this density and boxes are chosen as the largest-coverage point of the
peeling trajectory that reaches it (EMA Workbench's default threshold)."""
PEEL_ALPHA = 0.05
"""Share of the remaining draws peeled off per step (EMA Workbench's and Friedman and Fisher's default)."""
MAX_QP = 0.05
"""Largest quasi-p-value of a restriction kept in stage 1 of :func:`prim_boxes` (Bryant and
Lempert 2010 report quasi-p-values; 5% is the conventional level)."""
MAX_BOXES = 3
"""Boxes sought per question (each on the failures the earlier boxes left); a fourth rarely adds
coverage worth reading with a few hundred draws."""
JOBS_SHARE = 0.5
"""Default jobs threshold: half the median additional jobs over the draws (the sensitivity
analysis's "halves the conclusion" criterion)."""
MIX = "mix"


@dataclass
class Discovery:
    """Result of :func:`discover`.

    Attributes:
        draws: One row per draw: the assumptions, ``additional_jobs``, ``met:<metric>`` per target,
            ``met_all`` and ``few_jobs``.
        boxes: One row per box: ``question, box, cases, coverage, density, mass, restricted`` and,
            per restricted assumption, its ``[low, high]`` (``<name>.low`` / ``<name>.high``).
        jobs_threshold: The additional-jobs threshold used (persons, at the run's scale).
        parameters: The sampled assumptions, with their full ranges.
    """

    draws: pd.DataFrame
    boxes: pd.DataFrame
    jobs_threshold: float
    parameters: pd.DataFrame


def _choose(trajectory: pd.DataFrame, threshold: float) -> int:
    """The peeling-trajectory point to report.

    The largest coverage with density at least ``threshold``; if no point is that dense, the
    densest point that still covers half the cases (else the densest point).
    """
    dense = trajectory[trajectory["density"] >= threshold]
    if len(dense):
        return int(dense["coverage"].idxmax())
    broad = trajectory[trajectory["coverage"] >= 0.5]
    return int((broad if len(broad) else trajectory)["density"].idxmax())


def _prune(box, i: int, max_qp: float) -> int:
    """Drop box ``i``'s least significant restriction while its quasi-p-value exceeds ``max_qp``.

    With a few hundred draws of tens of assumptions, peeling also trims many dimensions a little
    by chance. The quasi-p-value of a restriction is a one-sided binomial test of the density gain
    it gives (Bryant and Lempert 2010); dropping the insignificant ones leaves a box on the few
    assumptions that matter (its density is lower, its coverage higher). Returns the trajectory
    index of the pruned box.
    """
    while True:
        _, limits = box.inspect(i, style="data")[0]
        qp = limits.xs("qp value", axis=1, level=1).min(axis=1, skipna=True)
        if qp.empty or qp.max() <= max_qp:
            return i
        box.drop_restriction(str(qp.idxmax()), i)
        i = len(box.peeling_trajectory) - 1


def prim_boxes(x: pd.DataFrame, y: np.ndarray, threshold: float = DENSITY_THRESHOLD, max_boxes: int = MAX_BOXES,
               peel_alpha: float = PEEL_ALPHA, max_qp: float = MAX_QP) -> list[dict]:
    """PRIM boxes of the cases ``y`` in the inputs ``x`` (EMA Workbench's peeling and pasting).

    For each box: peel and paste, report the trajectory point of :func:`_choose`, then drop its
    restrictions whose quasi-p-value exceeds ``max_qp`` (:func:`_prune`). Later boxes are sought
    on the cases the earlier boxes left (EMA Workbench's default).

    Args:
        x: Inputs, one column per assumption.
        y: Boolean cases of interest.
        threshold: Density a box should reach before pruning.
        max_boxes: Most boxes to find.
        peel_alpha: Peeling share per step.
        max_qp: Largest quasi-p-value of a restriction kept.

    Returns:
        One dict per box: ``coverage, density, mass, cases`` (cases in the box) and ``limits``
        ``{column: (low, high)}`` for the restricted columns only. Empty when every or no draw is
        a case, or when no restriction is significant.
    """
    y = np.asarray(y, dtype=bool)
    if y.all() or not y.any():
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EMA Workbench warns about optional parallel back-ends
        from ema_workbench.analysis import prim

        # Friedman and Fisher's original objective (gain in mean per peel): EMA Workbench's default
        # "lenient" objectives are meant for categorical inputs and stop early on unions of boxes;
        # every input here is numeric. Any trajectory that beats the base rate is accepted (else EMA
        # Workbench returns the whole space); the point reported is chosen by _choose.
        analysis = prim.Prim(x.reset_index(drop=True), y, threshold=float(np.mean(y)), peel_alpha=peel_alpha,
                             obj_function=prim.PRIMObjectiveFunctions.ORIGINAL)
        full = {c: (float(x[c].min()), float(x[c].max())) for c in x.columns}
        boxes = []
        for _ in range(max_boxes):
            box = analysis.find_box()
            if box is None or len(box.peeling_trajectory) < 2:
                break
            i = _choose(box.peeling_trajectory, threshold)
            box.select(i)
            i = _prune(box, i, max_qp)
            box.select(i)
            row = box.peeling_trajectory.loc[i]
            limits = box.box_lims[i]
            restricted = {
                c: (float(limits[c].iloc[0]), float(limits[c].iloc[1]))
                for c in x.columns
                if not (math.isclose(float(limits[c].iloc[0]), full[c][0])
                        and math.isclose(float(limits[c].iloc[1]), full[c][1]))
            }
            if not restricted:
                break
            boxes.append({"coverage": float(row["coverage"]), "density": float(row["density"]),
                          "mass": float(row["mass"]), "cases": int(row["k"]), "limits": restricted})
            if row["coverage"] >= 1.0:
                break
    return boxes


def questions(draws: pd.DataFrame, targets: Sequence[str]) -> dict[str, np.ndarray]:
    """The failure cases to explain: each target missed, any target missed, few additional jobs."""
    cases: dict[str, np.ndarray] = {}
    for metric in targets:
        cases[f"misses {metric}"] = ~draws[f"met:{metric}"].to_numpy(dtype=bool)
    if len(targets) > 1:
        cases["misses any target"] = ~draws["met_all"].to_numpy(dtype=bool)
    cases["few additional jobs"] = draws["few_jobs"].to_numpy(dtype=bool)
    return cases


def box_table(x: pd.DataFrame, cases: dict[str, np.ndarray], threshold: float = DENSITY_THRESHOLD) -> pd.DataFrame:
    """Run PRIM for every question; one row per box (or one row saying why there is none)."""
    rows = []
    for question, y in cases.items():
        share = float(np.mean(y))
        if share in (0.0, 1.0):
            rows.append({"question": question, "box": 0, "share_of_draws": share,
                         "note": "never" if share == 0 else "in every draw"})
            continue
        boxes = prim_boxes(x, y, threshold)
        if not boxes:
            rows.append({"question": question, "box": 0, "share_of_draws": share,
                         "note": "no box: no range of the assumptions concentrates these draws (quasi-p > 0.05)"})
        for i, box in enumerate(boxes, start=1):
            row = {"question": question, "box": i, "share_of_draws": share, "cases": box["cases"],
                   "coverage": box["coverage"], "density": box["density"], "mass": box["mass"],
                   "restricted": "; ".join(f"{name} in [{lo:.4g}, {hi:.4g}]"
                                           for name, (lo, hi) in box["limits"].items()),
                   "note": ""}
            for name, (lo, hi) in box["limits"].items():
                row[f"{name}.low"] = lo
                row[f"{name}.high"] = hi
            rows.append(row)
    return pd.DataFrame(rows)


def discover(
    scenario: Scenario,
    out: str | Path,
    uncertain: Sequence[str] = DEFAULT_UNCERTAIN,
    samples: int = 200,
    scale: float = 0.2,
    root_seed: int = 0,
    jobs_threshold: float | None = None,
    threshold: float = DENSITY_THRESHOLD,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
) -> Discovery:
    """Sample the assumptions, run the mix and its counterfactual on each draw, find PRIM boxes.

    Args:
        scenario: The mix to examine (a scenario; e.g. the documented baseline or a Pareto mix).
        out: Directory for the batch store (``OUT/evaluations/discovery``).
        uncertain: Patterns of the assumptions to sample.
        samples: Number of draws ``N`` (each runs the mix and its counterfactual once).
        scale: Population scale of the runs.
        root_seed: Seed of the draws and the runs.
        jobs_threshold: Additional jobs below which a draw counts as "few" (persons at scale 1; the
            runs' scale is applied); default half the median over the draws.
        threshold: PRIM density threshold.
        workers: Local worker processes.
        executor: ``"local"`` or ``"dask"``.
        scheduler: Dask scheduler address.
        resume: Complete a discovery in ``out``.
    """
    if samples < 10:
        raise UsageError(f"--samples: scenario discovery needs at least 10 draws, got {samples}")
    out = Path(out)
    batch = out / "evaluations" / "discovery"
    if batch.exists() and not resume:
        raise UsageError(f"{out}: --out: holds a discovery; add --resume to complete it, or choose another --out")
    draws = uncertainty_draws(scenario, uncertain, samples, root_seed)
    evaluator = RobustEvaluator(scenario, ("additional_jobs",), draws, 1, root_seed, scale, "mean", out,
                                workers=workers, executor=executor, scheduler=scheduler, progress=True)
    runs = evaluator.evaluate({MIX: scenario}, "discovery", extra={"kind": "discover"})[MIX].runs
    metrics = [t.metric for t in scenario.targets]
    table = draws.copy()
    table["additional_jobs"] = runs["additional_jobs"].to_numpy()
    for metric in metrics:
        table[f"met:{metric}"] = runs[f"met:{metric}"].to_numpy(dtype=bool)
    table["met_all"] = table[[f"met:{m}" for m in metrics]].all(axis=1) if metrics else True
    if jobs_threshold is None:
        cut = JOBS_SHARE * float(np.nanmedian(table["additional_jobs"]))
    else:
        cut = float(jobs_threshold) * scale
    table["few_jobs"] = table["additional_jobs"] < cut
    boxes = box_table(draws, questions(table, metrics), threshold)
    from sim.analysis.design import select_parameters

    params = pd.DataFrame([{"name": p.name, "low": p.low, "high": p.high, "value": p.value}
                           for p in select_parameters(scenario, list(uncertain))])
    return Discovery(table, boxes, cut, params)


__all__ = ["DEFAULT_UNCERTAIN", "Discovery", "box_table", "discover", "prim_boxes", "questions"]
