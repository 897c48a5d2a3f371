"""Robust, paired evaluation of policy mixes through the batch machinery.

Every mix is simulated on the same ``K`` draws of the uncertain assumptions and the same seeds,
and so is the counterfactual (all programmes off); an outcome named ``additional_<metric>`` is
the paired difference mix minus counterfactual, run by run (common random numbers), any other
outcome the mix's own value. Per draw the replications are averaged; the robust value of an
outcome is the mean or the 10th percentile over the draws (:data:`STATISTICS`). A district target
counts as met with the share of runs (draws x replications) that meet it.

Runs go through :func:`sim.experiments.batch.run_jobs` into one batch store per evaluation round
(``OUT/evaluations/<round>/``: same store, same executors, resumable after a kill): a run is named
``<tag>_d<draw>`` with replication ``r`` and seed ``seeds[draw x R + r]``, where ``<tag>`` is the
mix's identity (:func:`sim.analysis.mixes.mix_id`), so a mix evaluated once is never run again
and a resumed round skips every stored run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.design import select_parameters
from sim.errors import UsageError
from sim.experiments.batch import run_jobs
from sim.experiments.jobs import RunJob, replication_seeds
from sim.experiments.metrics import target_attainment
from sim.scenario.editing import no_policy, with_parameters
from sim.scenario.schema import Scenario

STATISTICS = ("mean", "p10")
ROBUST_QUANTILE = 0.10
"""``p10``: the outcome a mix reaches in at least 90% of the draws (the issue's robust statistic)."""
CONFIDENCE = 0.95
DEFAULT_UNCERTAIN = (
    "behaviour.returns_to_scale",
    "behaviour.quality_log_sd",
    "shocks.lockdown_2022.months",
    "behaviour.shedding_adjustment_share",
    "behaviour.revenue_cost_ratio",
)
"""The five assumptions with the highest Morris mu* for the additional jobs of the Putuo baseline
(session-3 model, docs/sensitivity.md: 4 trajectories at scale 0.2); ``--uncertain`` takes others.
Returns to staff is the one assumption whose range can halve the additional jobs; the Sobol analysis
by blocks puts most of their variance in the behaviour block, to which four of the five belong."""
ADDITIONAL = "additional_"
COUNTERFACTUAL = "no_policy"
RATIONED = "rationed_lever_years"
ALIASES = {"jobs": "jobs_created"}
"""``additional_jobs`` (the README's and the sensitivity analysis's name) is ``jobs_created`` added."""


def metric_of(outcome: str) -> str:
    """The run metric an outcome reads: ``additional_<metric>`` adds to ``<metric>`` (aliases resolved)."""
    name = outcome.removeprefix(ADDITIONAL)
    return ALIASES.get(name, name)


def lower_is_better(outcome: str) -> bool:
    """Whether a smaller value of ``outcome`` (or of the metric it adds to) is better (declared outcomes)."""
    from sim.experiments.outcomes import outcome as declared

    found = declared(metric_of(outcome))
    return found is not None and found.better == "lower"


def check_outcomes(outcomes: Sequence[str]) -> None:
    """Raise :class:`UsageError` unless every outcome reads a declared run metric."""
    from sim.experiments.outcomes import OUTCOME_NAMES

    for name in outcomes:
        if metric_of(name) not in OUTCOME_NAMES:
            raise UsageError(f"--objectives: {name!r} reads no declared outcome; use additional_<metric> or <metric> "
                             f"with a metric of {', '.join(OUTCOME_NAMES)}")


def latin_hypercube(dimensions: int, samples: int, rng: np.random.Generator) -> np.ndarray:
    """``samples`` points of a Latin hypercube in ``[0, 1)^dimensions`` (scipy.stats.qmc)."""
    from scipy.stats import qmc

    try:
        return qmc.LatinHypercube(d=dimensions, rng=rng).random(samples)
    except TypeError:  # scipy < 1.15 names the generator `seed`
        return qmc.LatinHypercube(d=dimensions, seed=rng).random(samples)


def uncertainty_draws(scenario: Scenario, patterns: Sequence[str], samples: int, seed: int) -> pd.DataFrame:
    """``samples`` Latin-hypercube draws of the uncertain assumptions over their plausible ranges.

    Args:
        scenario: The scenario (its registry gives the ranges).
        patterns: Dotted names or shell patterns of ranged parameters.
        samples: Number of draws ``K``; 0 gives one draw at the scenario's own values.
        seed: Seed of the Latin hypercube.

    Returns:
        One row per draw, one column per parameter (integers rounded); no columns for ``K = 0``.
    """
    if samples < 0:
        raise UsageError(f"--samples: must be 0 or more, got {samples}")
    if samples == 0:
        return pd.DataFrame(index=range(1))
    params = select_parameters(scenario, list(patterns))
    unit = latin_hypercube(len(params), samples, np.random.default_rng(np.random.SeedSequence([seed, 1])))
    columns = {}
    for j, p in enumerate(params):
        values = p.low + unit[:, j] * (p.high - p.low)  # type: ignore[operator]
        columns[p.name] = np.round(values).astype(float) if p.integer else values
    return pd.DataFrame(columns)


@dataclass
class Evaluation:
    """What the runs of one mix give.

    Attributes:
        tag: The mix's name in the store.
        runs: One row per run: ``draw, replication, status`` and the metrics; ``met:<metric>`` per
            target; for each outcome its per-run value (paired difference for ``additional_*``).
        failed: Runs that raised.
    """

    tag: str
    runs: pd.DataFrame
    failed: int = 0
    stats: dict[str, float] = field(default_factory=dict)


class RobustEvaluator:
    """Evaluates mixes on common draws and seeds against a shared counterfactual."""

    def __init__(
        self,
        scenario: Scenario,
        outcomes: Sequence[str],
        draws: pd.DataFrame,
        replications: int,
        root_seed: int,
        scale: float,
        statistic: str,
        out: Path,
        workers: int | None = None,
        executor: str = "local",
        scheduler: str | None = None,
        progress: bool = False,
        measures: tuple[str, ...] = (),
    ) -> None:
        """Set up the evaluation (nothing runs yet).

        Args:
            scenario: The scenario whose mix is searched.
            outcomes: Outcomes to compute (``additional_<metric>`` or a metric name).
            draws: Uncertainty draws (:func:`uncertainty_draws`).
            replications: Seeds per draw ``R``.
            root_seed: Root of the seeds (:func:`sim.experiments.batch.replication_seeds`).
            scale: Population scale of every run.
            statistic: ``"mean"`` or ``"p10"`` over the draws.
            out: Directory holding ``evaluations/<round>/`` batch stores.
            workers: Local worker processes.
            executor: ``"local"`` or ``"dask"``.
            scheduler: Dask scheduler address.
            progress: Show progress bars.
            measures: Extra per-run measures (:mod:`sim.experiments.measures`); with
                ``rationed_lever_years`` each mix also gets ``p_funded``, the share of runs in
                which no lever's budget ran short.
        """
        if statistic not in STATISTICS:
            raise UsageError(f"--statistic: must be one of {', '.join(STATISTICS)}, got {statistic!r}")
        if replications < 1:
            raise UsageError(f"--replications: must be at least 1, got {replications}")
        if not scale > 0:
            raise UsageError(f"--scale: must be positive, got {scale}")
        self.scenario = scenario
        self.outcomes = tuple(outcomes)
        self.draws = draws.reset_index(drop=True)
        self.replications = replications
        self.scale = float(scale)
        self.measures = tuple(measures)
        self.statistic = statistic
        self.seeds = replication_seeds(root_seed, len(self.draws) * replications)
        self.out = Path(out)
        self.run_options: dict[str, Any] = {"workers": workers, "executor": executor, "scheduler": scheduler,
                                            "progress": progress}
        self.draw_values: list[dict[str, float]] = [
            {str(k): float(v) for k, v in row.items()} for _, row in self.draws.iterrows()
        ]
        self.cache: dict[str, Evaluation] = {}
        self.reference: str | None = None
        """Tag of the mix every other mix is also compared with, paired run by run (``<outcome>_vs_ref_*``)."""

    @property
    def runs_per_mix(self) -> int:
        """Runs one mix needs: draws x replications."""
        return len(self.draw_values) * self.replications

    def jobs(self, tag: str, scenario: Scenario) -> list[RunJob]:
        """The runs of one mix: each draw of the uncertain assumptions x each replication."""
        jobs = []
        for k, values in enumerate(self.draw_values):
            drawn = with_parameters(scenario, values, where=f"{tag} draw {k}") if values else scenario
            for r in range(self.replications):
                jobs.append(RunJob(f"{tag}_d{k:02d}", drawn, r, self.seeds[k * self.replications + r], self.scale,
                                   tables=False, measures=self.measures))
        return jobs

    def counterfactual_jobs(self) -> list[RunJob]:
        """The counterfactual's runs (all programmes off), paired with every mix's runs."""
        return self.jobs(COUNTERFACTUAL, no_policy(self.scenario))

    def evaluate(self, mixes: Mapping[str, Scenario], round_name: str, extra: dict[str, Any] | None = None
                 ) -> dict[str, Evaluation]:
        """Evaluate mixes not evaluated before (one batch store ``OUT/evaluations/<round_name>``).

        Args:
            mixes: ``{tag: scenario}``; a tag already evaluated is taken from the cache.
            round_name: Name of the batch directory of this round.
            extra: More items for the batch manifest.

        Returns:
            ``{tag: Evaluation}`` for every tag given.
        """
        todo = {tag: sc for tag, sc in mixes.items() if tag not in self.cache}
        jobs: list[RunJob] = []
        if COUNTERFACTUAL not in self.cache:
            jobs += self.counterfactual_jobs()
        for tag, scenario in todo.items():
            jobs += self.jobs(tag, scenario)
        if jobs:
            batch = self.out / "evaluations" / round_name
            resume = batch.exists()
            summary = run_jobs(jobs, batch, resume=resume, manifest_extra={"kind": "optimise", **(extra or {})},
                               **self.run_options)
            if COUNTERFACTUAL not in self.cache:
                self._absorb(summary, [COUNTERFACTUAL])
                base = self.cache[COUNTERFACTUAL]
                if base.failed:
                    errors = summary.loc[summary["status"] != "ok", "error"]
                    raise RuntimeError(f"the counterfactual's runs failed ({base.failed}): {errors.iloc[0]}")
            self._absorb(summary, list(todo))
        return {tag: self.cache[tag] for tag in mixes}

    def _absorb(self, summary: pd.DataFrame, tags: Sequence[str]) -> None:
        if not tags:
            return
        parts = summary["scenario"].str.rsplit("_d", n=1, expand=True)
        frame = summary.assign(tag=parts[0], draw=parts[1].astype(int))
        for tag in tags:
            runs = frame[frame["tag"] == tag].sort_values(["draw", "replication"]).reset_index(drop=True)
            expected = self.runs_per_mix
            if len(runs) != expected:
                raise RuntimeError(f"{tag}: {len(runs)} of {expected} runs in the store")
            self.cache[tag] = self._evaluation(tag, runs)

    def _evaluation(self, tag: str, runs: pd.DataFrame) -> Evaluation:
        ok = runs["status"] == "ok"
        runs = runs.copy()
        for target in self.scenario.targets:
            met = []
            for _, row in runs.iterrows():
                if row["status"] != "ok":
                    met.append(False)
                    continue
                table = target_attainment([target], row.to_dict(), scale=self.scale)
                met.append(bool(table["met"].iloc[0]))
            runs[f"met:{target.metric}"] = met
            runs[f"shortfall:{target.metric}"] = [
                _shortfall(row.get(target.metric, math.nan), target, self.scale) if row["status"] == "ok" else 1.0
                for _, row in runs.iterrows()
            ]
        if tag != COUNTERFACTUAL:
            base = self.cache[COUNTERFACTUAL].runs
            for outcome in self.outcomes:
                metric = metric_of(outcome)
                if metric not in runs:
                    raise UsageError(f"--objectives: {outcome!r}: no metric {metric!r} in the runs")
                value = runs[metric].to_numpy(dtype=float)
                if outcome.startswith(ADDITIONAL):
                    value = value - base[metric].to_numpy(dtype=float)
                runs[outcome] = np.where(ok, value, np.nan)
        evaluation = Evaluation(tag, runs, failed=int((~ok).sum()))
        if tag != COUNTERFACTUAL:
            evaluation.stats = self.statistics(evaluation)
        return evaluation

    def statistics(self, evaluation: Evaluation) -> dict[str, float]:
        """Robust value, mean with 95% interval, 10th percentile over draws, and target probabilities.

        Keys: ``<outcome>`` (the robust value the search uses), ``<outcome>_mean``,
        ``<outcome>_ci_low``, ``<outcome>_ci_high`` (t interval of the mean over all runs),
        ``<outcome>_p10`` (over the draws' means); the same without the robust value for
        ``fiscal_cost_yuan``; ``<outcome>_vs_ref_mean`` / ``_ci_low`` / ``_ci_high``: the paired
        difference from the reference mix (same draws and seeds) with its 95% t interval;
        ``p_met:<metric>`` per target; ``failed_runs``.
        """
        runs = evaluation.runs
        stats: dict[str, float] = {"failed_runs": float(evaluation.failed)}
        names = list(dict.fromkeys([*self.outcomes, "fiscal_cost_yuan"]))
        for name in names:
            values = runs[name].to_numpy(dtype=float)
            per_draw = runs.assign(v=values).groupby("draw")["v"].mean().to_numpy()
            mean, low, high = mean_interval(values)
            p10 = float(np.quantile(per_draw, ROBUST_QUANTILE)) if np.all(np.isfinite(per_draw)) else math.nan
            stats.update({f"{name}_mean": mean, f"{name}_ci_low": low, f"{name}_ci_high": high, f"{name}_p10": p10})
            if name in self.outcomes:
                stats[name] = mean if self.statistic == "mean" else p10
        reference = self.cache.get(self.reference) if self.reference else None
        if reference is not None and reference.tag != evaluation.tag:
            for name in self.outcomes:
                diff = runs[name].to_numpy(dtype=float) - reference.runs[name].to_numpy(dtype=float)
                mean, low, high = mean_interval(diff)
                stats.update({f"{name}_vs_ref_mean": mean, f"{name}_vs_ref_ci_low": low,
                              f"{name}_vs_ref_ci_high": high})
        for target in self.scenario.targets:
            stats[f"p_met:{target.metric}"] = float(runs[f"met:{target.metric}"].mean())
        if RATIONED in runs:
            stats["p_funded"] = float((runs[RATIONED] == 0).mean())
        return stats


def _shortfall(value: float, target: Any, scale: float) -> float:
    """How far a run falls short of a target, relative to the target (0 when met or beyond)."""
    goal = target.value * (scale if target.scales_with_population else 1.0)
    if not math.isfinite(value):
        return 1.0
    gap = goal - value if target.op in (">=", ">") else value - goal
    return max(gap, 0.0) / max(abs(goal), 1e-9)


def mean_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and two-sided t interval; NaN everywhere if a value is missing, NaN ends for one value."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0 or not np.all(np.isfinite(values)):
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if len(values) < 2:
        return mean, math.nan, math.nan
    from scipy.stats import t

    half = float(t.ppf(0.5 + confidence / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values)))
    return mean, mean - half, mean + half


__all__ = [
    "DEFAULT_UNCERTAIN",
    "STATISTICS",
    "Evaluation",
    "RobustEvaluator",
    "check_outcomes",
    "lower_is_better",
    "mean_interval",
    "metric_of",
    "uncertainty_draws",
]
