"""Additionality: what a scenario adds over its no-policy counterfactual, paired by replication.

Two readings, both on pairs of runs with the same seed (common random numbers):

* in aggregate (:func:`additionality`): additional jobs, surviving firms and fiscal cost (mean paired
  differences) and the fiscal cost per additional job and per additional surviving firm (ratio of means,
  paired bootstrap);
* founder by founder (:func:`founder_additionality`): founder slot ``firm_id`` is the same person in both
  runs, so a helped founder whose slot also registers in the counterfactual would have started anyway
  (deadweight), and a slot that registers only in the scenario is an additional firm
  (:data:`sim.experiments.outcomes.PAIRED_OUTCOMES`).

:func:`sim.analysis.compare.compare_batch` puts both into its ``additionality`` rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.intervals import BOOTSTRAP_SEED, CONFIDENCE, N_BOOTSTRAP, Interval, mean_ci, ratio_of_means_ci
from sim.errors import UsageError
from sim.experiments.outcomes import PAIRED_OUTCOMES
from sim.io.batch_reader import Batch

ADDITIONALITY_METRICS = (
    "additional_jobs",
    "additional_surviving_firms",
    "additional_fiscal_cost_yuan",
    "fiscal_cost_per_additional_job_yuan",
    "fiscal_cost_per_additional_surviving_firm_yuan",
    *(o.name for o in PAIRED_OUTCOMES),
)
FOUNDER_COLUMNS = ["firm_id", "helped", "helped_narrow"]
"""Firm-table columns the founder-by-founder additionality reads."""


Estimate = tuple[str, Interval, str]
"""``(metric, interval, detail)``: one row of the comparison's ``additionality`` section."""


def additionality(d_jobs: np.ndarray, d_firms: np.ndarray, d_cost: np.ndarray, confidence: float = CONFIDENCE,
                  n_boot: int = N_BOOTSTRAP, seed: int = BOOTSTRAP_SEED) -> list[Estimate]:
    """Additional jobs, surviving firms and fiscal cost, and the cost per additional job and firm.

    Args:
        d_jobs: ``jobs_created`` of the scenario minus the counterfactual's, one per replication (jobs).
        d_firms: The same for ``surviving_firms`` (firms).
        d_cost: The same for ``fiscal_cost_yuan`` (yuan), paired with the other two.
        confidence: Coverage of every interval.
        n_boot: Bootstrap resamples for the cost ratios.
        seed: Seed of the bootstrap.
    """
    estimates = [
        ("additional_jobs", mean_ci(d_jobs, confidence), ""),
        ("additional_surviving_firms", mean_ci(d_firms, confidence), ""),
        ("additional_fiscal_cost_yuan", mean_ci(d_cost, confidence), ""),
    ]
    for metric, denominator in (("fiscal_cost_per_additional_job_yuan", d_jobs),
                                ("fiscal_cost_per_additional_surviving_firm_yuan", d_firms)):
        interval, note = ratio_of_means_ci(d_cost, denominator, confidence, n_boot, seed)
        estimates.append((metric, interval, note))
    return estimates


def founder_additionality(firms: pd.DataFrame, counterfactual_firms: pd.DataFrame) -> dict[str, float]:
    """Deadweight and additional firms of one run against its counterfactual run (same seed).

    With common random numbers founder slot ``firm_id`` is the same person in both runs, so a
    helped founder whose slot also registers in the counterfactual would have started anyway.

    Args:
        firms: Firm table of the scenario's run (``firm_id``, ``helped``, ``helped_narrow``).
        counterfactual_firms: Firm table of the counterfactual's run with the same seed and scale.

    Returns:
        ``deadweight_share`` and ``deadweight_share_narrow`` (NaN when nobody was helped) and
        ``additional_firms``.
    """
    started = np.isin(firms["firm_id"].to_numpy(), counterfactual_firms["firm_id"].to_numpy())
    result = {}
    for metric, column in (("deadweight_share", "helped"), ("deadweight_share_narrow", "helped_narrow")):
        helped = firms[column].to_numpy(bool) if column in firms else np.zeros(len(firms), bool)
        result[metric] = float(started[helped].mean()) if helped.any() else float("nan")
    result["additional_firms"] = float(np.count_nonzero(~started))
    return result


def founder_table(batch: Batch) -> pd.DataFrame | None:
    """The columns of every firm table that founder additionality needs (None if a run lacks them)."""
    try:
        return batch.firms(FOUNDER_COLUMNS)
    except (KeyError, ValueError, OSError, UsageError):  # e.g. a metrics-only batch has no firm tables
        try:
            return batch.firms(FOUNDER_COLUMNS[:2])  # a store written before the narrow reading existed
        except (KeyError, ValueError, OSError, UsageError):  # e.g. a metrics-only batch has no firm tables
            return None


def founder_additionality_by_replication(founders: pd.DataFrame, name: str, cf: str,
                                         confidence: float = CONFIDENCE) -> list[Estimate]:
    """Mean deadweight shares and additional firms of ``name`` against ``cf`` over their common replications.

    Args:
        founders: :func:`founder_table` of the batch (``scenario``, ``replication`` and the founder columns).
        name: The scenario.
        cf: The counterfactual scenario.
        confidence: Coverage of the intervals.
    """
    own = founders[founders["scenario"] == name]
    other = founders[founders["scenario"] == cf]
    common = sorted(set(own["replication"]) & set(other["replication"]))
    values: dict[str, list[float]] = {o.name: [] for o in PAIRED_OUTCOMES}
    for replication in common:
        result = founder_additionality(own[own["replication"] == replication],
                                       other[other["replication"] == replication])
        for metric, value in result.items():
            values[metric].append(value)
    return [(metric, mean_ci(values[metric], confidence), "founder by founder, paired by replication")
            for metric in values]


__all__ = [
    "ADDITIONALITY_METRICS",
    "FOUNDER_COLUMNS",
    "Estimate",
    "additionality",
    "founder_additionality",
    "founder_additionality_by_replication",
    "founder_table",
]
