"""The pure entry point: ``simulate(scenario, seed) -> SimulationResult``.

The CLI, batches, notebooks and sensitivity analysis all call this function.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.core.model import StartupEcosystem
from sim.experiments.metrics import headline_metrics, target_attainment
from sim.scenario.schema import Scenario


def release_model(model: StartupEcosystem) -> None:
    """Let a finished model be garbage-collected once its results are read.

    Mesa 3.3 numbers agents per model in the class attribute ``mesa.Agent._ids``, a dict keyed by
    the model, so every model ever built stays in memory (mesa issue #3179, fixed upstream after
    3.3): a worker running thousands of replications grew by the size of each run. Dropping the
    model's entry (its agents keep their ids) keeps a worker's memory flat.
    """
    from sim.core.mesa_core import mesa

    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)


@dataclass
class SimulationResult:
    """Everything one replication produces.

    Attributes:
        scenario: The scenario that ran.
        seed: Root seed.
        scale: Population scale.
        monthly: One row per month (births, exits, active firms, jobs, loans, spend ...).
        firms: One row per firm started.
        metrics: Headline metrics (see :data:`sim.experiments.metrics.HEADLINE_METRICS`).
        targets: Target attainment table.
    """

    scenario: Scenario
    seed: int | None
    scale: float
    monthly: pd.DataFrame
    firms: pd.DataFrame
    metrics: dict[str, float]
    targets: pd.DataFrame = field(default_factory=pd.DataFrame)
    rationed_years: dict[str, list[int]] = field(default_factory=dict)
    """Enabled lever -> calendar years in which its budget could not pay every entitlement."""


def simulate(
    scenario: Scenario, seed: int | np.random.SeedSequence | None = 0, scale: float = 1.0
) -> SimulationResult:
    """Run one replication of a scenario.

    Args:
        scenario: Validated scenario.
        seed: Root seed (int or ``numpy.random.SeedSequence``); the same seed gives identical
            tables.
        scale: Multiplies the population and the institutions' capacities and budgets.

    Returns:
        The run's tables, metrics and target attainment.
    """
    model = StartupEcosystem(scenario, seed=seed, scale=scale)
    model.run_model()
    release_model(model)
    monthly = pd.DataFrame(model.records)
    firms = model.population.firm_table(model.month_labels, model.first_month)
    n_years = model.n_months / 12.0
    counts: dict = {}
    for programme in model.programmes:
        counts.update(programme.run_counts())
    metrics = headline_metrics(
        firms,
        monthly,
        incubation_bases=counts["incubation_bases"],
        grants_awarded=counts["grants_awarded"],
        award_rounds=counts["award_rounds"],
        high_tech_firms=int(sum(model.high_tech_by_year.values())),
        n_years=n_years,
    )
    targets = target_attainment(scenario.targets, metrics, scale=scale)
    seed_value = seed if isinstance(seed, int) else None
    rationed = {p.name: sorted(p.rationed_years) for p in model.programmes if p.enabled}
    return SimulationResult(scenario, seed_value, scale, monthly, firms, metrics, targets, rationed)
