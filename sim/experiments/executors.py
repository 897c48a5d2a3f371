"""Executors: where the jobs of a batch run.

``"local"`` is a process pool of spawned processes (one worker runs in the calling process);
``"dask"`` connects to a Dask scheduler or starts a :class:`dask.distributed.LocalCluster` on
127.0.0.1. Workers only simulate and encode Parquet bytes (:func:`sim.experiments.jobs.execute_job`);
workers run groups of jobs of one seed, sharing its draws (:func:`paired_groups`); the calling
process is the store's single writer, so a remote cluster needs no shared file system
(workers need ``startup-sim`` installed). Results do not depend on the executor or the number of
workers.

:func:`resolve_executor` is the one place the executor options are checked (the ``batch`` and
``sensitivity`` commands and :func:`sim.experiments.batch.run_jobs` all call it). This module
imports no heavy library at import time, so the CLI can ask it for :func:`default_workers`.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import multiprocessing
import os
from collections.abc import Generator, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sim.errors import UsageError

if TYPE_CHECKING:
    from sim.experiments.jobs import RunJob, RunOutcome

EXECUTORS = ("local", "dask")
MAX_DEFAULT_WORKERS = 8
"""assumption: more than 8 local workers rarely pays off (memory ~0.3 GB per worker at scale 1);
range 4-32; override with ``workers=``."""
IN_FLIGHT_PER_WORKER = 2
"""assumption: two groups of jobs (:func:`paired_groups`) queued per worker keep every worker busy
while this process stores the previous results, without holding many results in memory (range 1-4)."""
DASK_CONNECT_TIMEOUT = "15s"
"""assumption: time to reach a running Dask scheduler before giving up (range 5-60 s)."""


PAIRED_GROUP_MAX = 8
"""assumption: at most this many jobs of one seed per group (range 4-16): a group's results come
back together, so larger groups hold more results in a worker and lose more to a killed worker."""
GROUPS_PER_WORKER = 4
"""assumption: groups are made small enough that each worker gets at least this many (range 2-8),
so that a small batch still spreads over every worker and the last groups end close together."""


def paired_groups(jobs: Sequence[RunJob], workers: int | None) -> list[list[RunJob]]:
    """Split ``jobs`` into groups of jobs with the same seed and scale.

    A worker runs a group's jobs one after another sharing the seed's draws
    (:func:`sim.experiments.jobs.execute_paired_jobs`). Jobs of one seed and scale are brought
    together in their order wherever they are in ``jobs`` (the optimiser lists each mix's seeds in
    turn), and the groups come in the order of their seeds' first job. Groups hold at most
    :data:`PAIRED_GROUP_MAX` jobs, and fewer when there are few jobs, so that each of ``workers``
    gets about :data:`GROUPS_PER_WORKER` groups or more. ``workers=None``: the jobs run in this
    process, one at a time, each outcome handed on as it comes, so a seed's jobs make one group.
    The jobs' results do not depend on the grouping.
    """
    if workers is None:
        size = max(1, len(jobs))
    else:
        size = max(1, min(PAIRED_GROUP_MAX, math.ceil(len(jobs) / (GROUPS_PER_WORKER * max(workers, 1)))))
    by_seed: dict[tuple[int, float], list[RunJob]] = {}
    for job in jobs:
        by_seed.setdefault((job.seed, job.scale), []).append(job)
    return [same[start:start + size] for same in by_seed.values() for start in range(0, len(same), size)]


def default_workers() -> int:
    """``os.cpu_count()`` capped at :data:`MAX_DEFAULT_WORKERS`."""
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS))


def resolve_executor(executor: str | None, scheduler: str | None, workers: int | None = None) -> tuple[str, int]:
    """Check the executor options; return the executor and the number of workers.

    Args:
        executor: ``"local"``, ``"dask"`` or None (``"dask"`` if a scheduler is given, else ``"local"``).
        scheduler: Dask scheduler address, only with ``"dask"``.
        workers: Worker processes (None: :func:`default_workers`).

    Raises:
        UsageError: An unknown executor, a scheduler without Dask, or fewer than one worker.
    """
    chosen = executor or ("dask" if scheduler else "local")
    if chosen not in EXECUTORS:
        raise UsageError(f"--executor: must be 'local' or 'dask', got {chosen!r}")
    if scheduler and chosen != "dask":
        raise UsageError("--scheduler: only with --executor dask")
    count = default_workers() if workers is None else workers
    if count < 1:
        raise UsageError(f"--workers: must be at least 1, got {count}")
    return chosen, count


def _iter_serial(jobs: Sequence[RunJob]) -> Iterator[tuple[RunJob, RunOutcome]]:
    """Run jobs in this process, one at a time, sharing each seed's draws within a group."""
    from sim.core.shared_draws import SharedDraws
    from sim.experiments.jobs import execute_job

    for group in paired_groups(jobs, None):
        shared = SharedDraws(group[0].seed)
        for job in group:
            yield job, execute_job(job, shared)


def _failed_outcome(job: RunJob, error: str) -> RunOutcome:
    from sim.experiments.jobs import RunOutcome

    return RunOutcome(job.scenario_name, job.replication, job.seed, "failed", error=error)


def _iter_local(jobs: Sequence[RunJob], workers: int) -> Iterator[tuple[RunJob, RunOutcome]]:
    """Run groups of jobs (:func:`paired_groups`) on a ``ProcessPoolExecutor`` (spawned
    processes), at most ``2 * workers`` groups in flight.

    A worker process that dies (killed by the OS for memory, or by a signal) breaks the pool: a
    new pool takes over and the jobs that were in flight are run again once (which of them
    killed the worker is unknown); a job in flight when a pool breaks a second time is recorded
    as failed.
    """
    from sim.experiments.jobs import execute_paired_jobs, one_line

    context = multiprocessing.get_context("spawn")
    pending = list(reversed(paired_groups(jobs, workers)))
    window = IN_FLIGHT_PER_WORKER * workers
    retried: set[tuple[str, int]] = set()
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=context)
    finished = False

    def lost(group: list[RunJob], why: str) -> list[tuple[RunJob, RunOutcome]]:
        """Queue the jobs of a broken pool's group again once; failed outcomes the second time."""
        again = [job for job in group if job.key not in retried]
        retried.update(job.key for job in again)
        if again:
            pending.append(again)
        error = f"worker process died twice (killed, e.g. out of memory): {why}"
        queued = {job.key for job in again}
        return [(job, _failed_outcome(job, error)) for job in group if job.key not in queued]

    try:
        in_flight: dict[cf.Future, list[RunJob]] = {}
        while pending or in_flight:
            broken = False
            while pending and len(in_flight) < window:
                group = pending.pop()
                try:
                    in_flight[pool.submit(execute_paired_jobs, group)] = group
                except cf.process.BrokenProcessPool:
                    pending.append(group)
                    broken = True
                    break
            if in_flight:
                done, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    group = in_flight.pop(future)
                    try:
                        yield from zip(group, future.result(), strict=True)
                    except cf.process.BrokenProcessPool as exc:
                        broken = True
                        yield from lost(group, one_line(exc))
                    except Exception as exc:  # e.g. the job could not be pickled
                        yield from ((job, _failed_outcome(job, one_line(exc))) for job in group)
            if broken:
                for future, group in list(in_flight.items()):
                    in_flight.pop(future)
                    yield from lost(group, "the process pool broke while this run was in it")
                pool.shutdown(wait=False, cancel_futures=True)
                pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=context)
        finished = True
    finally:
        # interrupted (Ctrl-C, an error while storing): do not wait for runs still going
        pool.shutdown(wait=finished, cancel_futures=True)


def dask_client(scheduler: str | None, workers: int):
    """A Dask client and, when it started one, its ``LocalCluster`` (to close afterwards)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise UsageError(f"--executor dask: dask.distributed is not installed ({exc})") from None
    from sim.experiments.jobs import one_line

    if scheduler:
        try:
            return Client(scheduler, timeout=DASK_CONNECT_TIMEOUT), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(f"--scheduler {scheduler}: cannot connect to a Dask scheduler ({one_line(exc)})") from None
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    )
    return Client(cluster), cluster


def _iter_dask(jobs: Sequence[RunJob], client: Any, workers: int) -> Iterator[tuple[RunJob, RunOutcome]]:
    """Run groups of jobs (:func:`paired_groups`) on a Dask cluster, at most twice its thread
    count in flight.
    """
    from dask.distributed import as_completed

    from sim.experiments.jobs import execute_paired_jobs, one_line

    threads = sum(client.nthreads().values()) or workers
    window = IN_FLIGHT_PER_WORKER * max(threads, 1)
    pending = list(reversed(paired_groups(jobs, max(threads, 1))))
    by_key: dict[str, list[RunJob]] = {}
    futures = as_completed()

    def submit() -> None:
        group = pending.pop()
        future = client.submit(execute_paired_jobs, group, pure=False)
        by_key[future.key] = group
        futures.add(future)

    while pending and len(by_key) < window:
        submit()
    for future in futures:
        group = by_key.pop(future.key)
        try:
            done = list(zip(group, future.result(), strict=True))
        except Exception as exc:  # KilledWorker, unpicklable job ...
            done = [(job, _failed_outcome(job, one_line(exc))) for job in group]
        future.release()
        yield from done
        if pending:
            submit()


def outcomes(
    jobs: Sequence[RunJob], workers: int, executor: str, client: Any
) -> Generator[tuple[RunJob, RunOutcome], None, None]:
    """``(job, outcome)`` pairs as the jobs finish: Dask, serial (one worker or job) or a process pool."""
    if executor == "dask":
        return _iter_dask(jobs, client, workers)
    if workers == 1 or len(jobs) <= 1:
        return _iter_serial(jobs)
    return _iter_local(jobs, min(workers, len(jobs)))


__all__ = [
    "EXECUTORS",
    "default_workers",
    "outcomes",
    "paired_groups",
    "resolve_executor",
]
