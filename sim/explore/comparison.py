"""The explorer's comparison: the mix, the starting scenario and the counterfactual as one paired batch.

:func:`run_comparison` runs the three scenarios through :func:`sim.experiments.batch.run_batch` (reporting
progress), compares them with :func:`sim.analysis.compare.compare_batch` and adds Kaplan-Meier curves and
monthly means; :class:`ComparisonResult` holds what the results panel shows (rows :data:`HEADLINE`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import UsageError
from sim.explore.mix import COUNTERFACTUAL_NAME, MIX_NAME, apply_changes, counterfactual
from sim.explore.settings import DEFAULT_REPLICATIONS, DEFAULT_SCALE
from sim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

PROGRESS_POLL_S = 0.5
"""How often (seconds) the store is counted for the progress bar while a comparison runs."""


@dataclass
class ComparisonResult:
    """What a comparison shows.

    Attributes:
        names: ``{"mix": ..., "start": ..., "counterfactual": ...}`` scenario names in the batch.
        table: The comparison table of :func:`sim.analysis.compare.compare_batch` (mix and start
            against the counterfactual, mix against start).
        replications: Paired replications.
        scale: Population scale.
        survival: Scenario name -> ``(months, survival share)`` Kaplan-Meier curve of all its firms.
        monthly: Mean over replications of ``active_firms`` and ``jobs`` by scenario and month.
        out: The batch directory.
    """

    names: dict[str, str]
    table: pd.DataFrame
    replications: int
    scale: float
    survival: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    monthly: pd.DataFrame | None = None
    out: Path | None = None

    def estimate(self, section: str, role: str, metric: str, reference: str | None = None) -> pd.Series:
        """The table's row (estimate, ci_low, ci_high, n, detail) for one scenario role and metric."""
        table = self.table
        rows = table[(table["section"] == section) & (table["scenario"] == self.names[role])
                     & (table["metric"] == metric)]
        if reference is not None:
            rows = rows[rows["reference"] == self.names[reference]]
        if rows.empty:
            raise KeyError(f"no {section} row for {role} / {metric}")
        return rows.iloc[0]

    def targets(self, role: str) -> pd.DataFrame:
        """Target probability rows of one scenario role."""
        table = self.table
        return table[(table["section"] == "target_probability") & (table["scenario"] == self.names[role])]


HEADLINE = (
    # (row key, section, metric, kind): the results table of the explorer
    ("additional_jobs", "additionality", "additional_jobs", "count"),
    ("additional_surviving_firms", "additionality", "additional_surviving_firms", "count"),
    ("founders_helped", "mean", "founders_helped", "count"),
    ("youth_founders_helped", "mean", "youth_founders_helped", "count"),
    ("fiscal_cost_yuan", "mean", "fiscal_cost_yuan", "money"),
    ("fiscal_cost_per_additional_job_yuan", "additionality", "fiscal_cost_per_additional_job_yuan", "money"),
    ("committed_fiscal_cost_yuan", "mean", "committed_fiscal_cost_yuan", "money"),
    ("additional_firms", "additionality", "additional_firms", "count"),
    ("deadweight_share", "additionality", "deadweight_share", "share"),
)
"""Rows of the results table: key, comparison section, metric and how it is formatted. The mix
and the starting scenario are shown against the counterfactual; the third column is the paired
difference mix minus start of the underlying metric (:data:`DIFFERENCE_METRIC`). The founder-by-founder
rows (:data:`FOUNDER_ROWS`) need the firm tables and are left out of a comparison without them."""
FOUNDER_ROWS = ("additional_firms", "deadweight_share")
"""Rows of :data:`HEADLINE` computed founder by founder from the firm tables."""
DIFFERENCE_METRIC = {
    "additional_jobs": "jobs_created",
    "additional_surviving_firms": "surviving_firms",
    "founders_helped": "founders_helped",
    "youth_founders_helped": "youth_founders_helped",
    "fiscal_cost_yuan": "fiscal_cost_yuan",
    "committed_fiscal_cost_yuan": "committed_fiscal_cost_yuan",
}
"""Metric whose paired difference (mix minus start) fills the third column (the difference in
additional jobs equals the difference in jobs, since both share the counterfactual)."""


def comparison_scenarios(start: Scenario, changes: dict[str, Any]) -> list[Scenario]:
    """The batch of a comparison: the mix, the starting scenario, the counterfactual (in this order)."""
    if start.name in (MIX_NAME, COUNTERFACTUAL_NAME):
        raise UsageError(f"the starting scenario may not be called {start.name!r} (the explorer uses that name)")
    return [apply_changes(start, changes), start, counterfactual(start)]


def run_comparison(
    start: Scenario,
    changes: dict[str, Any],
    out: str | Path,
    replications: int = DEFAULT_REPLICATIONS,
    scale: float = DEFAULT_SCALE,
    root_seed: int = 0,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ComparisonResult:
    """Run the mix, the starting scenario and the counterfactual with paired seeds, and compare.

    The batch is the same as ``startup-sim batch`` of the three scenarios with ``--replications``,
    ``--scale`` and ``--seed`` as given, followed by ``startup-sim compare`` with the starting
    scenario as baseline and the counterfactual for additionality.

    Args:
        start: The starting scenario.
        changes: Dotted path -> value: the mix.
        out: An empty or absent batch directory.
        replications: Paired replications.
        scale: Population scale.
        root_seed: Root seed of the replications.
        workers: Worker processes (default: the batch's default; 1 runs in this process).
        on_progress: Called in this thread with ``(runs done, runs in all)`` while the batch runs.

    Returns:
        The comparison with Kaplan-Meier curves and monthly means.
    """
    from sim.analysis.compare import compare_batch
    from sim.experiments.batch import run_batch
    from sim.io.store import BatchStore

    scenarios = comparison_scenarios(start, changes)
    total = len(scenarios) * replications
    out = Path(out)
    failure: list[BaseException] = []

    def work() -> None:
        try:
            run_batch(scenarios, replications, out, workers=workers, root_seed=root_seed, scale=scale,
                      progress=False)
        except BaseException as exc:  # handed to the calling thread
            failure.append(exc)

    # the batch runs in a helper thread; this thread reports progress, so a user interface's
    # callback runs in the thread that called (where its session lives)
    runner = threading.Thread(target=work, name="explorer-batch", daemon=True)
    if on_progress is not None:
        on_progress(0, total)
    runner.start()
    store = BatchStore(out)
    while runner.is_alive():
        runner.join(PROGRESS_POLL_S)
        if on_progress is not None and (out / "runs").is_dir():
            on_progress(len(store.completed_runs()), total)
    if failure:
        raise failure[0]
    names = {"mix": scenarios[0].name, "start": scenarios[1].name, "counterfactual": scenarios[2].name}
    table = compare_batch(out, baseline=names["start"], counterfactual=names["counterfactual"])
    return ComparisonResult(names, table, replications, scale, survival=survival_curves(out, list(names.values())),
                            monthly=monthly_means(out, list(names.values())), out=out)


def survival_curves(out: str | Path, names: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Scenario -> Kaplan-Meier curve (firm age in months, share surviving) of all its firms."""
    import numpy as np

    from sim.experiments.metrics import kaplan_meier
    from sim.io.store import BatchStore

    firms = BatchStore(out).firms(names)
    curves = {}
    for name in names:
        own = firms[firms["scenario"] == name]
        if own.empty:
            continue
        result = kaplan_meier(own["lifetime_months"].to_numpy(float), own["censored"].to_numpy(bool))
        months = np.concatenate([[0.0], np.asarray(result.sf.quantiles, dtype=float)])
        share = np.concatenate([[1.0], np.asarray(result.sf.probabilities, dtype=float)])
        curves[name] = (months, share)
    return curves


def monthly_means(out: str | Path, names: list[str]) -> pd.DataFrame:
    """Mean over replications of active firms and jobs, by scenario and month."""
    from sim.io.store import BatchStore

    monthly = BatchStore(out).monthly(names)
    return (monthly.groupby(["scenario", "month"], observed=True, sort=False)[["active_firms", "jobs"]]
            .mean().reset_index())


__all__ = [
    "DIFFERENCE_METRIC",
    "FOUNDER_ROWS",
    "HEADLINE",
    "PROGRESS_POLL_S",
    "ComparisonResult",
    "comparison_scenarios",
    "monthly_means",
    "run_comparison",
    "survival_curves",
]
