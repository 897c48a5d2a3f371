"""Comparing the scenarios of a batch: means with confidence intervals, paired differences,
probability of meeting targets and additionality against a no-policy counterfactual.

All functions work on a batch directory written by :func:`sim.experiments.batch.run_batch` and can be called
from a notebook::

    from sim.analysis.compare import compare_batch
    table = compare_batch("results/batch")

The comparison is a long (tidy) table, one row per estimate, with columns

``section``
    ``mean`` (per scenario), ``difference`` (scenario minus baseline, paired by replication),
    ``target_probability`` (share of replications meeting a target) or ``additionality``
    (scenario against the counterfactual, paired by replication).
``scenario``, ``reference``
    The scenario and what it is compared with (baseline or counterfactual; empty for means and
    targets).
``metric``
    A metric name; for targets the target's metric; for additionality ``additional_jobs``,
    ``additional_surviving_firms``, ``additional_fiscal_cost_yuan``,
    ``fiscal_cost_per_additional_job_yuan``, ``fiscal_cost_per_additional_surviving_firm_yuan`` and,
    founder by founder, the :data:`sim.experiments.outcomes.PAIRED_OUTCOMES` (``deadweight_share``,
    ``deadweight_share_narrow``, ``additional_firms``).
``detail``
    For targets the condition (``>= 2500.0``, already multiplied by the batch's scale for count
    targets), its label and, for a target the scenario sets itself, "(policy input: set by the
    scenario)"; for ratios the method; notes on undefined values.
``n``, ``estimate``, ``ci_low``, ``ci_high``, ``confidence``
    Number of replications (pairs) used, the estimate and its confidence interval.

Intervals (:mod:`sim.analysis.intervals`): Student-t intervals over replications for means and paired
differences; Wilson score intervals for target probabilities; for the cost ratios (ratio of mean paired
differences) a percentile bootstrap over replications, resampling pairs, with a fixed seed. The
additionality rows come from :mod:`sim.analysis.additionality`; the printed report is
:mod:`sim.analysis.comparison_text`. This module re-exports the interval functions and
:func:`format_comparison`, which notebooks, docs and the CLI import from here with :func:`compare_batch`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.additionality import additionality, founder_additionality_by_replication, founder_table
from sim.analysis.comparison_text import format_comparison
from sim.analysis.intervals import (
    BOOTSTRAP_SEED,
    CONFIDENCE,
    N_BOOTSTRAP,
    Interval,
    mean_ci,
    paired_diff_ci,
    proportion_ci,
    ratio_of_means_ci,
)
from sim.errors import UsageError
from sim.experiments.outcomes import SUMMARY_METRICS
from sim.io.atomic import write_bytes
from sim.io.batch_reader import Batch, default_baseline, default_counterfactual, load_batch

COLUMNS = ["section", "scenario", "reference", "metric", "detail", "n", "estimate", "ci_low", "ci_high",
           "confidence"]


def _row(section: str, scenario: str, reference: str, metric: str, interval: Interval, detail: str = "",
         confidence: float = CONFIDENCE) -> dict[str, Any]:
    return {
        "section": section, "scenario": scenario, "reference": reference, "metric": metric, "detail": detail,
        "n": interval.n, "estimate": interval.estimate, "ci_low": interval.low, "ci_high": interval.high,
        "confidence": confidence,
    }


def _paired(wide: dict[str, pd.DataFrame], a: str, b: str, metric: str) -> tuple[np.ndarray, np.ndarray]:
    left, right = wide[a][metric], wide[b][metric]
    common = left.index.intersection(right.index).sort_values()
    return left.loc[common].to_numpy(float), right.loc[common].to_numpy(float)


def compare_batch(
    out: str | Path | Batch,
    baseline: str | None = None,
    counterfactual: str | None = None,
    confidence: float = CONFIDENCE,
    n_boot: int = N_BOOTSTRAP,
    seed: int = BOOTSTRAP_SEED,
) -> pd.DataFrame:
    """Compare the scenarios of a batch (see the module docstring for the table's layout).

    Only runs that finished are used; differences pair replications present in both scenarios.

    Args:
        out: Batch directory, or a batch opened with :func:`sim.io.batch_reader.load_batch`.
        baseline: Scenario that differences are taken against (default
            :func:`sim.io.batch_reader.default_baseline`).
        counterfactual: Scenario without policy for additionality (default
            :func:`sim.io.batch_reader.default_counterfactual`; no additionality rows if there is none).
        confidence: Coverage of every interval.
        n_boot: Bootstrap resamples for the cost ratios.
        seed: Seed of the bootstrap.

    Returns:
        The comparison table (columns :data:`COLUMNS`).

    Raises:
        UsageError: ``out`` holds no finished run, or a named scenario is not in the batch.
    """
    batch = load_batch(out)
    out = batch.out
    metrics = batch.metrics()
    names = batch.scenarios
    for option, value in (("--baseline", baseline), ("--counterfactual", counterfactual)):
        if value is not None and value not in names:
            raise UsageError(f"{option}: no scenario {value!r} in {out}; the batch has {', '.join(names)}")
    baseline = baseline or default_baseline(names)
    counterfactual = counterfactual or default_counterfactual(names)
    metric_names = [m for m in SUMMARY_METRICS if m in metrics]
    metric_names += sorted(c for c in metrics.columns
                           if c not in metric_names and c not in ("scenario", "replication", "seed")
                           and pd.api.types.is_numeric_dtype(metrics[c]))
    wide = {name: metrics[metrics["scenario"] == name].set_index("replication") for name in names}
    rows: list[dict[str, Any]] = []
    for name in names:
        for metric in metric_names:
            rows.append(_row("mean", name, "", metric, mean_ci(wide[name][metric], confidence),
                             confidence=confidence))
    for name in names:
        if name == baseline:
            continue
        for metric in metric_names:
            a, b = _paired(wide, name, baseline, metric)
            rows.append(_row("difference", name, baseline, metric, paired_diff_ci(a, b, confidence),
                             confidence=confidence))
    targets = batch.targets()
    if not targets.empty:
        targets = targets.assign(met=targets["met"].astype(bool))
        if "kind" not in targets:  # a store written before targets had kinds
            targets = targets.assign(kind="outcome")
        for name in names:
            own = targets[targets["scenario"] == name]
            keys = ["metric", "label", "op", "target", "kind"]
            for (metric, label, op, goal, kind), group in own.groupby(keys, sort=False):
                interval = proportion_ci(int(group["met"].sum()), len(group), confidence)
                note = " (policy input: set by the scenario)" if kind == "policy_input" else ""
                rows.append(_row("target_probability", name, "", metric, interval,
                                 detail=f"{op} {goal:g}: {label}{note}", confidence=confidence))
    if counterfactual is not None:
        founders = founder_table(batch)
        for name in names:
            estimates = additionality(*(np.subtract(*_paired(wide, name, counterfactual, metric))
                                        for metric in ("jobs_created", "surviving_firms", "fiscal_cost_yuan")),
                                      confidence, n_boot, seed)
            if founders is not None and "replication" in founders:
                estimates += founder_additionality_by_replication(founders, name, counterfactual, confidence)
            rows.extend(_row("additionality", name, counterfactual, metric, interval, detail=detail,
                             confidence=confidence) for metric, interval, detail in estimates)
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["n"] = table["n"].astype("int64")
    return table


def write_comparison(out: str | Path, table: pd.DataFrame, path: str | Path | None = None) -> Path:
    """Write the comparison atomically to ``path`` (default ``OUT/comparison.csv``)."""
    target = Path(path) if path is not None else Path(out) / "comparison.csv"
    write_bytes(target, table.to_csv(index=False).encode("utf-8"))
    return target


__all__ = [
    "COLUMNS",
    "Interval",
    "compare_batch",
    "default_baseline",
    "default_counterfactual",
    "format_comparison",
    "mean_ci",
    "paired_diff_ci",
    "proportion_ci",
    "ratio_of_means_ci",
    "write_comparison",
]
