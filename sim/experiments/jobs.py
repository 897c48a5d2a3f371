"""One run as a job: what to simulate, what comes back, and the seeds of replications.

Jobs run in groups of consecutive jobs with one seed and scale
(:func:`sim.experiments.executors.paired_groups`): a worker
runs a group's scenarios one after another sharing the seed's firm shocks and founders
(:func:`execute_paired_jobs`, :mod:`sim.core.shared_draws`), which gives the same numbers as
running each alone in less time.

Seeds: replication ``r`` of a batch with root seed ``R`` runs with the integer seed
``replication_seeds(R, N)[r]``, taken from child ``r`` of ``numpy.random.SeedSequence(R).spawn``;
every scenario uses the same seed for the same replication, so scenario differences are paired
(common random numbers). ``startup-sim run FILE --seed SEED --scale SCALE`` reproduces one run.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.core.lookahead import LOOKAHEAD
from sim.core.shared_draws import SharedDraws
from sim.errors import UsageError
from sim.experiments.limits import MAX_REPLICATIONS, MAX_SCALE
from sim.experiments.measures import compute
from sim.experiments.simulate import simulate
from sim.io.store import encode_run
from sim.scenario.files import load_scenario
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class RunJob:
    """One simulation to run and store.

    Attributes:
        scenario_name: Name used in the store (``OUT/runs/<scenario_name>/``) and the summary.
        scenario: The validated scenario to simulate.
        replication: Replication number (``>= 0``); ``(scenario_name, replication)`` is the run's
            key and must be unique in a batch.
        seed: Integer seed passed to :func:`sim.experiments.simulate.simulate`.
        scale: Population scale passed to :func:`sim.experiments.simulate.simulate`.
        tables: Store the run's monthly and firm tables; False stores only its metrics and
            target attainment (metrics-only: sensitivity designs, optimisers, throughput).
        measures: Extra per-run measures to compute and store with the metrics (names in
            :data:`sim.experiments.measures.MEASURES`).
    """

    scenario_name: str
    scenario: Scenario
    replication: int
    seed: int
    scale: float = 1.0
    tables: bool = True
    measures: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, int]:
        """``(scenario_name, replication)``."""
        return (self.scenario_name, self.replication)


@dataclass
class RunOutcome:
    """What a worker sends back for one job.

    Attributes:
        scenario_name: Job's scenario name.
        replication: Job's replication.
        seed: Job's seed.
        status: ``"ok"`` or ``"failed"``.
        error: One-line error of a failed run (empty if ok).
        traceback: Traceback of a failed run.
        metrics: Metrics of an ok run (headline, extra and batch metrics).
        files: Encoded Parquet files of an ok run (see :func:`sim.io.store.encode_run`).
        seconds: Wall time of the simulation, seconds.
    """

    scenario_name: str
    replication: int
    seed: int
    status: str
    error: str = ""
    traceback: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    files: dict[str, bytes] | None = None
    seconds: float = 0.0


def one_line(exc: BaseException) -> str:
    """``ExceptionType: message`` on one line."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def execute_paired_jobs(jobs: Sequence[RunJob], beside_others: bool = True) -> list[RunOutcome]:
    """Run jobs of one seed and scale one after another, sharing the seed's draws
    (:class:`sim.core.shared_draws.SharedDraws`); never raises for a failing simulation.

    Args:
        jobs: Jobs with the same seed and scale (:func:`sim.experiments.executors.paired_groups`).
        beside_others: The process is one of several batch workers, which between them keep every
            processor busy: the model's look-ahead thread (:data:`sim.core.lookahead.LOOKAHEAD`)
            would only take turns with them, so it is turned off. Results are the same either way.
    """
    if beside_others:
        LOOKAHEAD.enabled = False
    if len({(job.seed, job.scale) for job in jobs}) > 1:
        raise ValueError("execute_paired_jobs: the jobs must share one seed and scale")
    shared = SharedDraws(jobs[0].seed) if jobs else None
    return [execute_job(job, shared) for job in jobs]


def execute_job(job: RunJob, shared: SharedDraws | None = None) -> RunOutcome:
    """Simulate one job and encode its tables; never raises for a failing simulation.

    Runs in a worker process (or a Dask worker). A simulation that raises gives a ``"failed"``
    outcome carrying the error, so one bad run does not stop the batch.

    Args:
        job: The job.
        shared: Draws shared with the other jobs of the job's seed (:func:`execute_paired_jobs`).
    """
    started = time.perf_counter()
    try:
        # a metrics-only job without extra measures needs only the firm columns of the metrics
        keep = () if not job.tables and not job.measures else None
        result = simulate(job.scenario, seed=job.seed, scale=job.scale, shared=shared, firm_columns=keep)
        extra = compute(job.measures, result) if job.measures else None
        files = encode_run(job.scenario_name, job.replication, job.seed, result, extra_metrics=extra,
                           tables=job.tables)
        metrics = {key: float(value) for key, value in result.metrics.items()}
        metrics.update(extra or {})
    except MemoryError:  # one line that says what to do; the batch goes on
        return RunOutcome(
            job.scenario_name, job.replication, job.seed, "failed",
            error=f"MemoryError: out of memory at scale {job.scale:g}; use fewer --workers or a lower --scale",
            traceback=traceback.format_exc(), seconds=time.perf_counter() - started,
        )
    except Exception as exc:  # a failing run is data, not a crash
        return RunOutcome(
            job.scenario_name, job.replication, job.seed, "failed", error=one_line(exc),
            traceback=traceback.format_exc(), seconds=time.perf_counter() - started,
        )
    return RunOutcome(
        job.scenario_name, job.replication, job.seed, "ok", metrics=metrics, files=files,
        seconds=time.perf_counter() - started,
    )


def replication_seeds(root_seed: int, replications: int) -> list[int]:
    """Integer seed of each replication, from ``SeedSequence(root_seed).spawn(replications)``.

    Child ``r``'s first 64-bit state word, shifted to 63 bits so it fits a signed 64-bit column.
    Seed ``r`` does not depend on ``replications``, so a batch can be extended.

    Args:
        root_seed: Non-negative root seed of the batch.
        replications: Number of replications.

    Returns:
        ``replications`` non-negative integers < 2**63.
    """
    if root_seed < 0:
        raise ValueError(f"root seed must be non-negative, got {root_seed}")
    children = np.random.SeedSequence(root_seed).spawn(replications)
    return [int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for child in children]


def load_scenarios(scenarios: Sequence[str | Path | Scenario]) -> list[tuple[Scenario, str | None]]:
    """Load scenario files (and pass Scenario objects through); names must be unique.

    Returns:
        ``(scenario, file or None)`` in the given order.

    Raises:
        ScenarioError: A bad scenario file (one line ``FILE: KEY: problem``).
        UsageError: Two scenarios with the same name, or no scenario.
    """
    if not scenarios:
        raise UsageError("no scenario given")
    loaded: list[tuple[Scenario, str | None]] = []
    for item in scenarios:
        if isinstance(item, Scenario):
            loaded.append((item, None))
        else:
            loaded.append((load_scenario(item), str(item)))
    seen: dict[str, str] = {}
    for scenario, file in loaded:
        where = file or "<in-memory scenario>"
        if scenario.name in seen:
            raise UsageError(
                f"{where}: name: scenario name {scenario.name!r} is also used by {seen[scenario.name]}; "
                "names must be unique within a batch"
            )
        seen[scenario.name] = where
    return loaded


def batch_jobs(
    scenarios: Sequence[Scenario], replications: int, root_seed: int = 0, scale: float = 1.0,
    tables: bool = True,
) -> list[RunJob]:
    """Jobs of ``scenarios x replications`` with common random numbers.

    Ordered replication by replication (every scenario of replication 0 first), so an
    interrupted batch holds complete pairs. ``tables=False`` makes metrics-only jobs.
    """
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise UsageError(f"--replications: must be 1 to {MAX_REPLICATIONS:,}, got {replications}")
    if not 0 < scale <= MAX_SCALE:
        raise UsageError(f"--scale: must be positive and at most {MAX_SCALE:g}, got {scale}")
    seeds = replication_seeds(root_seed, replications)
    return [
        RunJob(scenario.name, scenario, replication, seeds[replication], float(scale), tables=tables)
        for replication in range(replications)
        for scenario in scenarios
    ]




__all__ = [
    "RunJob",
    "RunOutcome",
    "batch_jobs",
    "execute_job",
    "execute_paired_jobs",
    "load_scenarios",
    "one_line",
    "replication_seeds",
]
