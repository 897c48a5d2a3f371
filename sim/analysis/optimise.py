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

The front is the set of feasible mixes no other evaluated mix dominates (all generations, not
only the last population). As with any search on noisy outcomes, the front's values are biased
upwards (the best of many noisy estimates): compare chosen mixes in a fresh paired batch with new
seeds before quoting them.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.mixes import Mix, MixSpace, apply_mix, mix_id
from sim.analysis.robust import (
    ADDITIONAL,
    DEFAULT_UNCERTAIN,
    RATIONED,
    Evaluation,
    RobustEvaluator,
    check_outcomes,
    latin_hypercube,
    lower_is_better,
    metric_of,
    uncertainty_draws,
)
from sim.errors import UsageError
from sim.io.atomic import write_bytes as atomic_write_bytes
from sim.io.outputs import scenario_hash
from sim.scenario.editing import no_policy
from sim.scenario.schema import Scenario

FORMAT = "startup-sim-optimise/1"
DEFAULT_OBJECTIVES = ("additional_jobs", "additional_surviving_firms", "youth_founders_helped")
"""Additional jobs and surviving firms (paired against the counterfactual) and young graduates
helped to start a business (001:21 sets a target for them; the counterfactual helps none)."""
DEFAULT_MIN_PROBABILITY = 0.9
DOCUMENTED = "documented"
ALONE = "alone_"
INFEASIBLE = 1e18
"""Objective value (minimised) given to a mix whose runs failed, so the search drops it."""


# ------------------------------------------------------------------------------- dominance
def dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``a`` Pareto-dominates ``b`` (both minimised): no worse anywhere, better somewhere."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return bool(np.all(a <= b) and np.any(a < b))


def pareto_mask(F: np.ndarray) -> np.ndarray:
    """Rows of ``F`` (minimised objectives) that no other row dominates; duplicates all stay."""
    F = np.asarray(F, dtype=float)
    keep = np.ones(len(F), dtype=bool)
    for i in range(len(F)):
        no_worse = np.all(F <= F[i], axis=1)
        better = np.any(F < F[i], axis=1)
        keep[i] = not np.any(no_worse & better)
    return keep


# ------------------------------------------------------------------------------- search loop
Evaluate = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray | None]]


def nsga2(evaluate: Evaluate, n_var: int, n_obj: int, n_constr: int, population: int, generations: int,
          seed: int, on_generation: Callable[[int, np.ndarray, np.ndarray], None] | None = None,
          initial: np.ndarray | None = None) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    """Run pymoo's NSGA-II over the unit cube with a caller-supplied batch evaluation (ask/tell).

    Args:
        evaluate: ``(X, generation) -> (F, G)``: minimised objectives ``(n, n_obj)`` and
            constraints ``(n, n_constr)`` (``<= 0`` is feasible; None if ``n_constr == 0``).
        n_var: Decision variables, each in ``[0, 1]``.
        n_obj: Objectives.
        n_constr: Inequality constraints.
        population: Population size.
        generations: Generations (the first is the random initial population).
        seed: Seed of the algorithm's generator (``numpy.random.default_rng``).
        on_generation: Called after each generation with ``(generation, X, F)``.
        initial: Initial population ``(population, n_var)`` (default: pymoo's random sampling).

    Returns:
        ``(X, F, G)`` of every generation, in order.
    """
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.evaluator import Evaluator
    from pymoo.core.problem import Problem
    from pymoo.problems.static import StaticProblem

    problem = Problem(n_var=n_var, n_obj=n_obj, n_ieq_constr=n_constr, xl=0.0, xu=1.0)
    options: dict[str, Any] = {} if initial is None else {"sampling": np.asarray(initial, dtype=float)}
    algorithm = NSGA2(pop_size=population, eliminate_duplicates=True, **options)
    algorithm.setup(problem, termination=("n_gen", generations), seed=seed, verbose=False)
    history = []
    generation = 0
    while algorithm.has_next():
        pop = algorithm.ask()
        X = pop.get("X")
        F, G = evaluate(X, generation)
        kwargs: dict[str, Any] = {"F": F}
        if n_constr:
            kwargs["G"] = G
        Evaluator().eval(StaticProblem(problem, **kwargs), pop)
        algorithm.tell(infills=pop)
        history.append((X, F, G))
        if on_generation is not None:
            on_generation(generation, X, F)
        generation += 1
    return history


# ------------------------------------------------------------------------------- the search
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


@dataclass
class OptimisationResult:
    """A finished search.

    Attributes:
        settings: The search settings.
        space: The decision variables.
        evaluations: One row per distinct mix evaluated (references first): ``tag, kind,
            generation, feasible, pareto``, the settings, the allocation and the statistics.
        pareto: The Pareto rows of ``evaluations`` (feasible, non-dominated), best first by the
            first objective.
        draws: The uncertainty draws.
        mixes: ``{tag: Mix}`` of every searched mix.
    """

    settings: SearchSettings
    space: MixSpace
    evaluations: pd.DataFrame
    pareto: pd.DataFrame
    draws: pd.DataFrame
    mixes: dict[str, Mix] = field(default_factory=dict)


def _check_settings(scenario: Scenario, settings: SearchSettings) -> None:
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
    _check_settings(scenario, settings)
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
        F = np.array([[_objective(results[tag], o) for o in settings.objectives] for tag in tags]) * signs
        F = np.where(np.isfinite(F), F, INFEASIBLE)
        G = np.array([[_violation(results[tag], key, settings.min_probability) for key in constraints]
                      for tag in tags]) if constraints else None
        log(f"generation {generation + 1}/{settings.generations}: {len(set(tags))} mixes "
            f"({fresh} new, {fresh * evaluator.runs_per_mix} runs)")
        return F, G

    nsga2(evaluate, space.n_var, len(settings.objectives), len(constraints), settings.population,
          settings.generations, settings.root_seed, initial=initial_population(space, settings))
    table = _evaluation_table(scenario, settings, space, evaluator, refs, mixes, first_seen)
    pareto = table[table["pareto"]].copy()
    first = settings.objectives[0]
    pareto = pareto.sort_values(first, ascending=lower_is_better(first), kind="stable").reset_index(drop=True)
    return OptimisationResult(settings, space, table, pareto, draws, mixes)


def initial_population(space: MixSpace, settings: SearchSettings) -> np.ndarray:
    """The first generation: the scenario's own mix within the budget, then a Latin hypercube.

    Seeded by the root seed, so a resumed search starts from the same population.
    """
    rng = np.random.default_rng(np.random.SeedSequence([settings.root_seed, 2]))
    rest = latin_hypercube(space.n_var, settings.population - 1, rng)
    return np.vstack([space.encode()[None, :], rest])


def _violation(evaluation: Evaluation, key: str, min_probability: float) -> float:
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


def _objective(evaluation: Evaluation, outcome: str) -> float:
    value = evaluation.stats.get(outcome, math.nan)
    return value if evaluation.failed == 0 else math.nan


def _evaluation_table(scenario: Scenario, settings: SearchSettings, space: MixSpace, evaluator: RobustEvaluator,
                      refs: dict[str, Scenario], mixes: dict[str, Mix], first_seen: dict[str, int]) -> pd.DataFrame:
    rows = []
    metrics = [t.metric for t in scenario.targets]
    for tag in refs:
        row: dict[str, Any] = {"tag": tag, "kind": "reference", "generation": -1}
        row.update(space.settings_of(refs[tag]).settings)
        rows.append(row | evaluator.cache[tag].stats)
    for tag, mix in mixes.items():
        row = {"tag": tag, "kind": "searched", "generation": first_seen[tag]}
        row.update(mix.settings)
        rows.append(row | evaluator.cache[tag].stats)
    table = pd.DataFrame(rows)
    budget_columns = [c for c in table.columns if c.endswith(".annual_budget_yuan")]
    table.insert(3, "allocated_yuan_per_year", table[budget_columns].sum(axis=1))
    years = scenario.period.n_months / 12.0
    table.insert(4, "cost_yuan_per_year", table["fiscal_cost_yuan_mean"] / settings.scale / years)
    feasible = table["failed_runs"] == 0
    keys = [f"p_met:{m}" for m in metrics] + (["p_funded"] if settings.fully_funded else [])
    for key in keys:
        feasible &= table[key] >= settings.min_probability - 1e-12
    table.insert(3, "feasible", feasible)
    signs = np.array([1.0 if lower_is_better(o) else -1.0 for o in settings.objectives])
    F = table[list(settings.objectives)].to_numpy(dtype=float) * signs
    searched = (table["kind"] == "searched").to_numpy()
    candidates = searched & feasible.to_numpy() & np.all(np.isfinite(F), axis=1)
    mask = np.zeros(len(table), dtype=bool)
    if candidates.any():
        mask[np.flatnonzero(candidates)[pareto_mask(F[candidates])]] = True
    table.insert(4, "pareto", mask)
    return table


# ------------------------------------------------------------------------------- outputs
def overlay_toml(scenario: Scenario, scenario_file: Path, path: Path, mix: Mix, name: str, description: str,
                 header: Sequence[str] = ()) -> str:
    """A scenario file that ``extends`` ``scenario_file`` and sets the mix's policy settings."""
    import os

    import tomli_w

    from sim.analysis.mixes import changed_settings

    parent = os.path.relpath(Path(scenario_file).resolve(), path.resolve().parent)
    data: dict[str, Any] = {"extends": parent, "name": name, "description": description}
    tables = changed_settings(scenario, mix.settings)
    if tables:
        data["policy"] = tables
    return "".join(f"# {line}\n" for line in header) + tomli_w.dumps(data)


def write_outputs(result: OptimisationResult, scenario: Scenario, scenario_file: str | Path | None,
                  out: str | Path) -> list[Path]:
    """Write ``evaluations.csv``, ``pareto.csv`` and each Pareto mix as ``mixes/<name>.toml``.

    Returns:
        The files written.
    """
    out = Path(out)
    written = []
    for name, frame in (("evaluations.csv", result.evaluations), ("pareto.csv", result.pareto)):
        atomic_write_bytes(out / name, frame.to_csv(index=False).encode())
        written.append(out / name)
    if scenario_file is None:
        return written
    from sim.scenario.files import load_scenario

    settings = result.settings
    for rank, (_, row) in enumerate(result.pareto.iterrows(), start=1):
        mix = result.mixes[row["tag"]]
        name = f"{scenario.name}_mix{rank:02d}"
        path = out / "mixes" / f"{name}.toml"
        summary = ", ".join(f"{o} {row[o] / settings.scale:,.0f}" for o in settings.objectives)
        description = (f"Pareto mix {rank} of startup-sim optimise for {scenario.name} under a yearly budget of "
                       f"{settings.budget_yuan:,.0f} yuan: what does it add, at what cost, and does it meet the "
                       f"targets? (search, whole-district values: {summary})")
        header = [f"Written by startup-sim optimise ({settings.statistic} over {max(settings.samples, 1)} draws x "
                  f"{settings.replications} seeds at scale {settings.scale:g}); mix {row['tag']}."]
        text = overlay_toml(scenario, Path(scenario_file), path, mix, name, description, header)
        atomic_write_bytes(path, text.encode("utf-8"))
        load_scenario(path)  # it must validate
        written.append(path)
    return written


__all__ = [
    "DEFAULT_OBJECTIVES",
    "OptimisationResult",
    "SearchSettings",
    "dominates",
    "nsga2",
    "optimise",
    "overlay_toml",
    "pareto_mask",
    "reference_mixes",
    "write_outputs",
]
