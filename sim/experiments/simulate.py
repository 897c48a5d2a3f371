"""The pure entry point: ``simulate(scenario, seed) -> SimulationResult``.

The CLI, batches, notebooks and sensitivity analysis all call this function.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.core.model import StartupEcosystem
from sim.experiments.metrics import (
    METRIC_FIRM_COLUMNS,
    METRIC_MONTHLY_COLUMNS,
    TARGET_COLUMNS,
    headline_metrics,
    monthly_columns,
    target_rows,
    targets_frame,
)
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from sim.core.population import CodedColumn
    from sim.core.shared_draws import SharedDraws


def release_model(model: StartupEcosystem) -> None:
    """Free a finished model's memory now, once its results are read.

    Two things kept a finished model's arrays in memory:

    * Mesa 3.3 numbers agents per model in the class attribute ``mesa.Agent._ids``, a dict keyed
      by the model, so every model ever built stayed alive (mesa issue #3179, fixed upstream after
      3.3). Its entry is dropped (the agents keep their ids).
    * A model is a web of reference cycles (agents and programmes point back at the model, the
      population at the bank ...), so reference counting never frees it: only Python's cyclic
      garbage collector does, and that runs after enough new *Python objects*, not bytes. A run
      makes few objects and large numpy arrays, so a worker running one run after another held
      several dead models at once (a Dask worker of the city batch: 3.1 GB for 0.6 GB runs).
      Emptying the attribute dicts of the model and of the objects it holds frees the arrays at
      once; the small empty objects left in cycles wait for the collector as before. A full
      ``gc.collect()`` per run would do the same but costs 25-60 ms, a tenth of a run at scale 1.

    The model cannot be used afterwards.
    """
    from sim.core.mesa_core import mesa

    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)
    # the model's own parts (population, bank, context, clock, programmes); never the scenario,
    # which belongs to the caller
    parts = [value for value in (*vars(model).values(), *getattr(model, "programmes", ()))
             if type(value).__module__.startswith(("sim.core.", "sim.policy.")) and hasattr(value, "__dict__")]
    for part in parts:
        vars(part).clear()
    vars(model).clear()


@dataclass
class SimulationResult:
    """Everything one replication produces.

    The tables are kept as numpy columns and the monthly records; :attr:`monthly`, :attr:`firms`
    and :attr:`targets` build the pandas tables on first use, so a run whose tables are written
    with pyarrow or not at all (metrics-only batches) never imports pandas.

    Attributes:
        scenario: The scenario that ran.
        seed: Root seed.
        scale: Population scale.
        monthly_records: One dict per month (births, exits, active firms, jobs, loans, spend ...).
        firm_columns: The firm table's columns, one row per firm started
            (:meth:`sim.core.population.FirmArrays.firm_columns`).
        metrics: Headline metrics (see :data:`sim.experiments.metrics.HEADLINE_METRICS`).
        target_rows: Target attainment rows (:func:`sim.experiments.metrics.target_rows`).
        rationed_years: Enabled lever -> calendar years in which its budget could not pay every
            entitlement.
    """

    scenario: Scenario
    seed: int | None
    scale: float
    monthly_records: list[dict[str, Any]]
    firm_columns: dict[str, np.ndarray | CodedColumn]
    metrics: dict[str, float]
    target_rows: list[dict[str, Any]] = field(default_factory=list)
    rationed_years: dict[str, list[int]] = field(default_factory=dict)

    target_columns: ClassVar[tuple[str, ...]] = TARGET_COLUMNS
    """Columns of the target table (:data:`sim.experiments.metrics.TARGET_COLUMNS`)."""

    @property
    def monthly_columns(self) -> dict[str, np.ndarray]:
        """The monthly records as numpy columns (a month without a key: NaN, as in pandas), for
        the writers of :mod:`sim.io`, which need no pandas.
        """
        return monthly_columns(self.monthly_records)

    @cached_property
    def monthly(self) -> pd.DataFrame:
        """One row per month (pandas; built on first use)."""
        import pandas as pd

        return pd.DataFrame(self.monthly_records)

    @cached_property
    def firms(self) -> pd.DataFrame:
        """One row per firm started (pandas; built on first use)."""
        from sim.core.population import firm_frame

        return firm_frame(self.firm_columns)

    @cached_property
    def targets(self) -> pd.DataFrame:
        """Target attainment table (pandas; built on first use)."""
        return targets_frame(self.target_rows)


def simulate(
    scenario: Scenario, seed: int | np.random.SeedSequence | None = 0, scale: float = 1.0,
    shared: SharedDraws | None = None, firm_columns: Collection[str] | None = None,
) -> SimulationResult:
    """Run one replication of a scenario.

    Args:
        scenario: Validated scenario.
        seed: Root seed (int or ``numpy.random.SeedSequence``); the same seed gives identical
            tables.
        scale: Multiplies the population and the institutions' capacities and budgets.
        shared: Draws shared by the runs of an integer ``seed`` (:class:`sim.core.shared_draws.SharedDraws`):
            a later run takes the firm shocks and founders an earlier one computed. Saves time
            when several scenarios run with one seed; the results are the same without it.
        firm_columns: The firm-table columns to keep in the result (None: all of them). The
            columns the metrics read (:data:`sim.experiments.metrics.METRIC_FIRM_COLUMNS`) are
            always computed; a metrics-only batch run keeps just those.

    Returns:
        The run's tables, metrics and target attainment.
    """
    model = StartupEcosystem(scenario, seed=seed, scale=scale, shared=shared)
    model.run_model()
    names = None if firm_columns is None else {*firm_columns, *METRIC_FIRM_COLUMNS}
    firms = model.population.firm_columns(model.month_labels, model.first_month, names)
    n_years = model.n_months / 12.0
    counts: dict = {}
    for programme in model.programmes:
        counts.update(programme.run_counts())
    metrics = headline_metrics(
        firms,
        monthly_columns(model.records, METRIC_MONTHLY_COLUMNS),
        incubation_bases=counts["incubation_bases"],
        grants_awarded=counts["grants_awarded"],
        award_rounds=counts["award_rounds"],
        high_tech_firms=int(sum(model.high_tech_by_year.values())),
        n_years=n_years,
    )
    targets = target_rows(scenario.targets, metrics, scale=scale)
    seed_value = seed if isinstance(seed, int) else None
    rationed = {p.name: sorted(p.rationed_years) for p in model.programmes if p.enabled}
    records = model.records
    release_model(model)
    return SimulationResult(scenario, seed_value, scale, records, firms, metrics, targets, rationed)
