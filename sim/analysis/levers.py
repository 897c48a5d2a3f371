"""What each lever buys: additional jobs, fiscal cost and cost per additional job, with intervals.

Read from :func:`sim.analysis.compare.compare_batch`; the levers figure and the report use it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.analysis.compare import compare_batch
from sim.io.batch_reader import Batch

LEVER_COLUMNS = ["scenario", "jobs", "jobs_low", "jobs_high", "cost", "cost_low", "cost_high",
                 "cost_per_job", "cost_per_job_low", "cost_per_job_high", "kind"]


def scenario_kind(batch: Batch, name: str) -> str:
    """``policy`` or ``world`` (the scenario's ``kind``; ``policy`` when its definition is unknown)."""
    scenario = batch.resolved.get(name)
    return str(getattr(scenario, "kind", "policy")) if scenario is not None else "policy"


def lever_table(batch: Batch, comparison: pd.DataFrame | None = None) -> pd.DataFrame:
    """Additional jobs and fiscal cost of each scenario against the counterfactual, with intervals.

    Read from the ``additionality`` rows of :func:`sim.analysis.compare.compare_batch`: differences paired
    by replication (t-intervals) and the cost per additional job as a ratio of means with a paired
    bootstrap interval (NaN where the mean additional jobs are not positive).

    Args:
        batch: The batch (its scenarios, baseline and counterfactual).
        comparison: Its :func:`sim.analysis.compare.compare_batch` table, if already computed.

    Returns:
        One row per scenario other than the counterfactual: ``scenario, jobs, jobs_low, jobs_high,
        cost, cost_low, cost_high, cost_per_job, cost_per_job_low, cost_per_job_high, kind`` (jobs
        in jobs, money in yuan; kind ``policy`` or ``world``: only policies are ranked as levers);
        empty when the batch has no counterfactual.
    """
    columns = LEVER_COLUMNS
    if batch.counterfactual is None:
        return pd.DataFrame(columns=columns)
    table = comparison if comparison is not None else compare_batch(
        batch, baseline=batch.baseline, counterfactual=batch.counterfactual)
    add = table[table["section"] == "additionality"].set_index(["scenario", "metric"])
    parts = ("additional_jobs", "additional_fiscal_cost_yuan", "fiscal_cost_per_additional_job_yuan")
    rows = []
    for name in batch.scenarios:
        if name == batch.counterfactual:
            continue
        row: list[Any] = [name]
        for metric in parts:
            if (name, metric) in add.index:
                found = add.loc[(name, metric)]
                row += [float(found["estimate"]), float(found["ci_low"]), float(found["ci_high"])]
            else:
                row += [float("nan")] * 3
        rows.append([*row, scenario_kind(batch, name)])
    return pd.DataFrame(rows, columns=columns)


def total_table(batch: Batch, comparison: pd.DataFrame | None = None) -> pd.DataFrame:
    """Jobs, fiscal cost and cost per job of each scenario (means with 95% CIs), not differences.

    The fallback of the levers figure when the batch has no counterfactual; read from the
    ``mean`` rows of :func:`sim.analysis.compare.compare_batch`. Same columns as :func:`lever_table`.
    """
    table = comparison if comparison is not None else compare_batch(
        batch, baseline=batch.baseline, counterfactual=batch.counterfactual)
    means = table[table["section"] == "mean"].set_index(["scenario", "metric"])
    rows = []
    for name in batch.scenarios:
        row: list[Any] = [name]
        for metric in ("jobs_created", "fiscal_cost_yuan", "cost_per_job_yuan"):
            if (name, metric) in means.index:
                found = means.loc[(name, metric)]
                row += [float(found["estimate"]), float(found["ci_low"]), float(found["ci_high"])]
            else:
                row += [float("nan")] * 3
        rows.append([*row, scenario_kind(batch, name)])
    return pd.DataFrame(rows, columns=LEVER_COLUMNS)


__all__ = ["LEVER_COLUMNS", "lever_table", "scenario_kind", "total_table"]
