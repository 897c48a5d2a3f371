"""The best policy mixes under a yearly budget: robust multi-objective search with NSGA-II.

The search (:func:`optimise`) moves points of the unit cube that :class:`sim.analysis.mixes.MixSpace`
decodes into policy mixes whose levers' budgets add up to at most the budget ``B`` by construction.
pymoo's NSGA-II proposes each generation (ask/tell, seeded generator), the mixes are simulated by
:class:`sim.analysis.robust.RobustEvaluator` through the batch machinery (one batch store per
generation under ``OUT/evaluations/``) and the objectives are their robust paired outcomes
against the counterfactual; a mix must meet each district target with probability at least
``min_probability`` (pymoo's inequality constraints ``g = min_probability - P(met) <= 0``).

Reproducible and resumable: the decision variables, draws and seeds are fixed by the settings and
the root seed; a resumed search (``resume=True``, e.g. after ``kill -9``) replays the generations
with the same seeded generator, takes every stored run from the store and runs only what is
missing, so it gives the same front as an uninterrupted search. More generations than before
extend a finished search.

The problem (settings, objectives, constraints, reference mixes) is :mod:`sim.analysis.search_problem`,
the generic NSGA-II loop :mod:`sim.analysis.pareto`, and the evaluated mixes, the front and the files
written :mod:`sim.analysis.front`. This module re-exports :class:`SearchSettings`, :data:`DEFAULT_OBJECTIVES`,
:class:`OptimisationResult` and :func:`write_outputs`, the names a caller of :func:`optimise` needs.

The front is the set of feasible mixes no other evaluated mix dominates (all generations, not
only the last population). As with any search on noisy outcomes, the front's values are biased
upwards (the best of many noisy estimates): compare chosen mixes in a fresh paired batch with new
seeds before quoting them.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.front import OptimisationResult, evaluation_table, write_outputs
from sim.analysis.mixes import Mix, MixSpace, apply_mix, mix_id
from sim.analysis.pareto import nsga2
from sim.analysis.robust import RATIONED, RobustEvaluator, lower_is_better, uncertainty_draws
from sim.analysis.search_problem import (
    DEFAULT_OBJECTIVES,
    DOCUMENTED,
    INFEASIBLE,
    SearchSettings,
    check_settings,
    initial_population,
    objective,
    reference_mixes,
    violation,
)
from sim.errors import UsageError
from sim.io.atomic import write_bytes as atomic_write_bytes
from sim.io.outputs import scenario_hash
from sim.scenario.schema import Scenario

FORMAT = "startup-sim-optimise/1"


def _start(out: Path, scenario: Scenario, settings: SearchSettings, resume: bool, space: MixSpace,
           draws: pd.DataFrame) -> None:
    """Write ``search.json``, or check it on resume (the project's resume-with-identity protocol)."""
    from sim.io.resume import check_format, check_identity, directory_kind, read_marker

    identity = {
        "scenario": scenario.name,
        "scenario_sha256": scenario_hash(scenario),
        "settings": settings.identity(),
        "variables": space.names(),
    }
    path = out / "search.json"
    record: dict[str, Any] = {"format": FORMAT, "identity": identity, "generations": settings.generations,
                              "draws": draws.to_dict(orient="list")}
    old = read_marker(path)
    if old is not None:
        if not resume:
            raise UsageError(f"{out}: --out: holds a search; add --resume to complete it, or choose another --out")
        check_format(path, old, FORMAT, "search")
        check_identity(path, old.get("identity", {}), identity, what="this search")
        record["created"] = old.get("created")
        record["resumed"] = datetime.now(UTC).isoformat(timespec="seconds")
    elif directory_kind(out) is not None:
        raise UsageError(f"{out}: --out: directory is not empty and holds no search; choose another --out")
    record.setdefault("created", datetime.now(UTC).isoformat(timespec="seconds"))
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, (json.dumps(record, indent=2) + "\n").encode())


def optimise(
    scenario: Scenario,
    settings: SearchSettings,
    out: str | Path,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = True,
) -> OptimisationResult:
    """Search the Pareto front of policy mixes under the budget (see the module docstring).

    Args:
        scenario: The scenario whose policy mix is searched (its targets are the constraints).
        settings: Budget, objectives, uncertainty, statistic, search size, scale, seed.
        out: Search directory (``search.json``, ``evaluations/<round>/`` batch stores).
        workers: Local worker processes.
        executor: ``"local"`` or ``"dask"``.
        scheduler: Dask scheduler address.
        resume: Complete (or extend) the search already in ``out``.
        progress: One line per generation on stderr.

    Returns:
        The evaluated mixes and the front.
    """
    check_settings(scenario, settings)
    out = Path(out)
    space = MixSpace(scenario, settings.budget_yuan, settings.levers, settings.intensities)
    draws = uncertainty_draws(scenario, settings.uncertain, settings.samples, settings.root_seed)
    _start(out, scenario, settings, resume, space, draws)
    with shared_cluster(executor, scheduler, workers) as address:
        return _search(scenario, settings, out, space, draws, workers, executor, address, progress)


@contextlib.contextmanager
def shared_cluster(executor: str, scheduler: str | None, workers: int | None) -> Iterator[str | None]:
    """One Dask ``LocalCluster`` for every round of a search (``executor="dask"`` without a scheduler).

    Each round is a separate :func:`sim.experiments.batch.run_jobs` call, which would otherwise start
    and stop a cluster per generation. Yields the scheduler address to use (None: the local pool).
    """
    if executor != "dask" or scheduler:
        yield scheduler
        return
    from dask.distributed import LocalCluster

    from sim.experiments.batch import default_workers

    cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def _search(scenario: Scenario, settings: SearchSettings, out: Path, space: MixSpace, draws: pd.DataFrame,
            workers: int | None, executor: str, scheduler: str | None, progress: bool) -> OptimisationResult:
    evaluator = RobustEvaluator(
        scenario, settings.objectives, draws, settings.replications, settings.root_seed, settings.scale,
        settings.statistic, out, workers=workers, executor=executor, scheduler=scheduler, progress=False,
        measures=(RATIONED,),
    )
    signs = np.array([1.0 if lower_is_better(o) else -1.0 for o in settings.objectives])
    metrics = [t.metric for t in scenario.targets]
    constraints = [f"p_met:{m}" for m in metrics] + (["p_funded"] if settings.fully_funded else [])
    refs = reference_mixes(scenario, space)
    evaluator.reference = DOCUMENTED
    evaluator.evaluate(refs, "references")
    first_seen: dict[str, int] = {}
    mixes: dict[str, Mix] = {}
    log = (lambda text: print(text, file=sys.stderr)) if progress else (lambda text: None)

    def evaluate(X: np.ndarray, generation: int) -> tuple[np.ndarray, np.ndarray | None]:
        decoded = [space.decode(x) for x in X]
        tags = [f"m{mix_id(mix)}" for mix in decoded]
        batch = {}
        for tag, mix in zip(tags, decoded, strict=True):
            mixes.setdefault(tag, mix)
            first_seen.setdefault(tag, generation)
            batch[tag] = apply_mix(scenario, mix.settings)
        fresh = sum(tag not in evaluator.cache for tag in set(tags))
        results = evaluator.evaluate(batch, f"g{generation:04d}", extra={"generation": generation})
        F = np.array([[objective(results[tag], o) for o in settings.objectives] for tag in tags]) * signs
        F = np.where(np.isfinite(F), F, INFEASIBLE)
        G = np.array([[violation(results[tag], key, settings.min_probability) for key in constraints]
                      for tag in tags]) if constraints else None
        log(f"generation {generation + 1}/{settings.generations}: {len(set(tags))} mixes "
            f"({fresh} new, {fresh * evaluator.runs_per_mix} runs)")
        return F, G

    nsga2(evaluate, space.n_var, len(settings.objectives), len(constraints), settings.population,
          settings.generations, settings.root_seed, initial=initial_population(space, settings))
    table = evaluation_table(scenario, settings, space, evaluator, refs, mixes, first_seen)
    pareto = table[table["pareto"]].copy()
    first = settings.objectives[0]
    pareto = pareto.sort_values(first, ascending=lower_is_better(first), kind="stable").reset_index(drop=True)
    return OptimisationResult(settings, space, table, pareto, draws, mixes)


__all__ = [
    "DEFAULT_OBJECTIVES",
    "FORMAT",
    "OptimisationResult",
    "SearchSettings",
    "optimise",
    "shared_cluster",
    "write_outputs",
]
