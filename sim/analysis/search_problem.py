"""What the budget optimiser searches: its settings, the reference mixes, the first generation, and the
objective and constraint values of an evaluated mix.

The objectives are robust paired outcomes against the counterfactual (:mod:`sim.analysis.robust`); a mix
must meet each district target, and with :attr:`SearchSettings.fully_funded` pay every entitlement, with
probability at least ``min_probability`` (constraints ``g = min_probability - P <= 0``). The search itself
is :mod:`sim.analysis.optimise`, its results :mod:`sim.analysis.front`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.analysis.mixes import MixSpace, apply_mix
from sim.analysis.robust import (
    ADDITIONAL,
    DEFAULT_UNCERTAIN,
    RATIONED,
    Evaluation,
    check_outcomes,
    latin_hypercube,
    metric_of,
)
from sim.errors import UsageError
from sim.scenario.editing import no_policy
from sim.scenario.schema import Scenario

DEFAULT_OBJECTIVES = ("additional_jobs", "additional_surviving_firms", "youth_founders_helped")
"""Additional jobs and surviving firms (paired against the counterfactual) and young graduates
helped to start a business (001:21 sets a target for them; the counterfactual helps none)."""
DEFAULT_MIN_PROBABILITY = 0.9
DOCUMENTED = "documented"
ALONE = "alone_"
INFEASIBLE = 1e18
"""Objective value (minimised) given to a mix whose runs failed, so the search drops it."""


@dataclass
class SearchSettings:
    """Everything that defines a search (recorded in ``OUT/search.json``; a resume must match)."""

    budget_yuan: float
    objectives: tuple[str, ...] = DEFAULT_OBJECTIVES
    uncertain: tuple[str, ...] = DEFAULT_UNCERTAIN
    samples: int = 4
    replications: int = 1
    statistic: str = "mean"
    min_probability: float = DEFAULT_MIN_PROBABILITY
    population: int = 24
    generations: int = 10
    scale: float = 0.2
    root_seed: int = 0
    levers: tuple[str, ...] | None = None
    intensities: bool = True
    fully_funded: bool = True
    """Require that no lever's budget runs short (in ``min_probability`` of the runs): the planner's
    choice to pay every entitlement in full (founders and firms count support at the share actually
    paid, so rationing mixes are credited only with what they pay; docs/optimise.md)."""

    def identity(self) -> dict[str, Any]:
        """The settings a resumed search must share (all but the number of generations)."""
        data = {k: v for k, v in self.__dict__.items() if k != "generations"}
        return json.loads(json.dumps(data))


def check_settings(scenario: Scenario, settings: SearchSettings) -> None:
    """Refuse settings the search cannot use (a :class:`~sim.errors.UsageError` naming the option)."""
    if not settings.objectives:
        raise UsageError("--objectives: give at least one outcome")
    check_outcomes(settings.objectives)
    if not 0 <= settings.min_probability <= 1:
        raise UsageError(f"--min-probability: must be in [0, 1], got {settings.min_probability}")
    if settings.population < 4:
        raise UsageError(f"--population: must be at least 4, got {settings.population}")
    if settings.generations < 1:
        raise UsageError(f"--generations: must be at least 1, got {settings.generations}")
    for outcome in settings.objectives:
        if outcome.startswith(ADDITIONAL) and metric_of(outcome) == "fiscal_cost_yuan":
            raise UsageError(f"--objectives: {outcome!r}: use fiscal_cost_yuan (the counterfactual costs nothing)")


def reference_mixes(scenario: Scenario, space: MixSpace) -> dict[str, Scenario]:
    """The documented mix and each searched lever alone (on top of the counterfactual, the
    scenario's own settings and budget for it), for comparison with the front.
    """
    refs = {DOCUMENTED: scenario}
    off = no_policy(scenario)
    for lever in space.levers:
        table = getattr(scenario.policy, lever).model_dump(mode="python") | {"enabled": True}
        refs[f"{ALONE}{lever}"] = apply_mix(off, {f"{lever}.{k}": v for k, v in table.items()})
    return refs


def initial_population(space: MixSpace, settings: SearchSettings) -> np.ndarray:
    """The first generation: the scenario's own mix within the budget, then a Latin hypercube.

    Seeded by the root seed, so a resumed search starts from the same population.
    """
    rng = np.random.default_rng(np.random.SeedSequence([settings.root_seed, 2]))
    rest = latin_hypercube(space.n_var, settings.population - 1, rng)
    return np.vstack([space.encode()[None, :], rest])


def violation(evaluation: Evaluation, key: str, min_probability: float) -> float:
    """Constraint value (<= 0 feasible): ``min_probability - P``; for the funding constraint an
    infeasible mix also pays for the lever-years it rations, so the search is led towards funded
    mixes even while none is feasible (P is a step function of the mix).
    """
    gap = min_probability - evaluation.stats[key]
    if gap > 0 and key == "p_funded":
        gap += float(evaluation.runs[RATIONED].mean())
    elif gap > 0:
        gap += float(evaluation.runs[f"shortfall:{key.removeprefix('p_met:')}"].mean())
    return gap


def objective(evaluation: Evaluation, outcome: str) -> float:
    """The mix's statistic of ``outcome`` (NaN if any of its runs failed, so the search drops it)."""
    value = evaluation.stats.get(outcome, math.nan)
    return value if evaluation.failed == 0 else math.nan


__all__ = [
    "ALONE",
    "DEFAULT_MIN_PROBABILITY",
    "DEFAULT_OBJECTIVES",
    "DOCUMENTED",
    "INFEASIBLE",
    "SearchSettings",
    "check_settings",
    "initial_population",
    "objective",
    "reference_mixes",
    "violation",
]
