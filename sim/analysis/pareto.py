"""Multi-objective search machinery that knows nothing of the model: Pareto dominance and pymoo's NSGA-II.

:func:`dominates` and :func:`pareto_mask` compare minimised objective vectors; :func:`nsga2` runs NSGA-II
over the unit cube through pymoo's ask/tell interface with a caller-supplied batch evaluation (the budget
optimiser, :mod:`sim.analysis.optimise`, evaluates whole generations through the batch machinery).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


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


__all__ = ["Evaluate", "dominates", "nsga2", "pareto_mask"]
