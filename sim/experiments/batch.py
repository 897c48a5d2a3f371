"""Batch runs: many scenarios x many replications, locally or on a Dask cluster, resumable.

Two levels:

* :func:`run_jobs` runs any list of :class:`RunJob` (scenario name, scenario, replication, seed,
  scale) through an executor, writes each run to a :class:`sim.io.store.BatchStore` as soon as it
  finishes, records runs that raise without stopping, skips finished runs on ``resume`` and keeps
  ``OUT/summary.csv`` consistent with the runs present. The sensitivity analysis reuses it.
* :func:`run_batch` builds the jobs of ``scenarios x replications`` with common random numbers and
  calls :func:`run_jobs`.

Seeds: replication ``r`` of a batch with root seed ``R`` runs with the integer seed
``replication_seeds(R, N)[r]``, taken from child ``r`` of ``numpy.random.SeedSequence(R).spawn``;
every scenario uses the same seed for the same replication, so scenario differences are paired
(common random numbers). ``startup-sim run FILE --seed SEED --scale SCALE`` reproduces one run.

Executors: ``"local"`` is a process pool (one worker runs in the calling process); ``"dask"``
connects to a Dask scheduler or starts a :class:`dask.distributed.LocalCluster` on 127.0.0.1.
Workers only simulate and encode Parquet bytes; the calling process is the store's single writer,
so a remote cluster needs no shared file system (workers need ``startup-sim`` installed). Results
do not depend on the executor or the number of workers.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import re
import sys
import time
import traceback
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UsageError
from sim.experiments.outcomes import SUMMARY_METRICS
from sim.experiments.simulate import simulate
from sim.io.atomic import write_bytes
from sim.io.outputs import git_commit, scenario_hash, versions
from sim.io.resume import check_format, check_identity
from sim.io.store import BatchStore, encode_run
from sim.scenario.files import load_scenario, scenario_to_toml
from sim.scenario.schema import Scenario

MANIFEST_FORMAT = "startup-sim-batch/1"
SUMMARY_KEYS = ("scenario", "replication", "seed", "status", "error")
MAX_DEFAULT_WORKERS = 8
"""assumption: more than 8 local workers rarely pays off (memory ~0.3 GB per worker at scale 1);
range 4-32; override with ``workers=``."""
SUMMARY_INTERVAL_S = 5.0
"""assumption: rewrite ``summary.csv`` at most every 5 s while running (range 1-60 s): cheap
(a few ms for 1,000 rows) and a reader never sees it more than a few seconds stale."""
_NAME_OK = re.compile(r"^[^/\\\x00]+$")
IN_FLIGHT_PER_WORKER = 2
"""assumption: two jobs queued per worker keep every worker busy while this process stores the
previous result, without holding many results in memory (range 1-4)."""
DASK_CONNECT_TIMEOUT = "15s"
"""assumption: time to reach a running Dask scheduler before giving up (range 5-60 s)."""


# ---------------------------------------------------------------------------------- jobs
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
    """

    scenario_name: str
    scenario: Scenario
    replication: int
    seed: int
    scale: float = 1.0

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


def execute_job(job: RunJob) -> RunOutcome:
    """Simulate one job and encode its tables; never raises for a failing simulation.

    Runs in a worker process (or a Dask worker). A simulation that raises gives a ``"failed"``
    outcome carrying the error, so one bad run does not stop the batch.
    """
    started = time.perf_counter()
    try:
        result = simulate(job.scenario, seed=job.seed, scale=job.scale)
        files = encode_run(job.scenario_name, job.replication, job.seed, result)
        metrics = {key: float(value) for key, value in result.metrics.items()}
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


def default_workers() -> int:
    """``os.cpu_count()`` capped at :data:`MAX_DEFAULT_WORKERS`."""
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS))


# ---------------------------------------------------------------------------------- manifest
def _job_identity(job: RunJob, scenario_sha: str) -> dict[str, Any]:
    return {"seed": int(job.seed), "scale": float(job.scale), "scenario_sha256": scenario_sha}


def _scenario_shas(jobs: Sequence[RunJob]) -> dict[str, str]:
    shas: dict[str, str] = {}
    by_object: dict[int, str] = {}
    for job in jobs:
        sha = by_object.get(id(job.scenario))
        if sha is None:
            sha = by_object[id(job.scenario)] = scenario_hash(job.scenario)
        if shas.setdefault(job.scenario_name, sha) != sha:
            raise UsageError(
                f"scenario name {job.scenario_name!r} is used for two different scenarios in one batch"
            )
    return shas


def _check_jobs(jobs: Sequence[RunJob]) -> None:
    seen: set[tuple[str, int]] = set()
    for job in jobs:
        name = job.scenario_name
        if not name or not _NAME_OK.match(name) or name.startswith(".") or name != name.strip():
            raise UsageError(
                f"scenario name {name!r} cannot name a directory (no '/', '\\', leading '.' or spaces)"
            )
        if not isinstance(job.replication, (int, np.integer)) or job.replication < 0:
            raise UsageError(f"{name}: replication must be a non-negative integer, got {job.replication!r}")
        if job.key in seen:
            raise UsageError(f"run {name} replication {job.replication} appears twice in the batch")
        seen.add(job.key)


def build_manifest(
    jobs: Sequence[RunJob], shas: dict[str, str], extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The manifest of a batch: enough to re-run every job exactly.

    Args:
        jobs: The jobs.
        shas: SHA-256 of each scenario's resolved TOML, by scenario name.
        extra: More items (``run_batch`` adds root seed, replications, scale, scenario files).

    Returns:
        A JSON-able dict.
    """
    scenarios: list[dict[str, Any]] = []
    listed: set[str] = set()
    for job in jobs:
        if job.scenario_name in listed:
            continue
        listed.add(job.scenario_name)
        scenarios.append(
            {
                "name": job.scenario_name,
                "sha256": shas[job.scenario_name],
                "toml": scenario_to_toml(job.scenario),
            }
        )
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenarios": scenarios,
        "jobs": [[job.scenario_name, int(job.replication), int(job.seed), float(job.scale)] for job in jobs],
        "versions": versions(),
        "git_commit": git_commit(),
    }
    for key, value in (extra or {}).items():
        manifest.setdefault(key, value)
    return manifest


def _check_resume(out: Path, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Raise :class:`UsageError` unless ``old`` and ``new`` describe the same batch.

    Same batch: the same scenario names with identical resolved scenarios, the same seed and
    scale for every run both contain, and the same root seed and scale where both record one.
    The number of replications may differ (extending a batch).
    """
    where = out / "manifest.json"
    check_format(where, old, MANIFEST_FORMAT, "batch manifest")
    old_sc = {item["name"]: item["sha256"] for item in old.get("scenarios", [])}
    new_sc = {item["name"]: item["sha256"] for item in new["scenarios"]}
    check_identity(where, {"scenarios": sorted(old_sc)}, {"scenarios": sorted(new_sc)})
    check_identity(where, old_sc, new_sc,
                   labels={name: f"scenarios: {name} (resolved TOML changed)" for name in new_sc})
    check_identity(where, {k: old[k] for k in ("root_seed", "scale") if k in old and k in new},
                   {k: new[k] for k in ("root_seed", "scale") if k in old and k in new})
    old_jobs = {(name, rep): [seed, scale] for name, rep, seed, scale in old.get("jobs", [])}
    new_jobs = {(name, rep): [seed, scale] for name, rep, seed, scale in new["jobs"] if (name, rep) in old_jobs}
    check_identity(where, old_jobs, new_jobs,
                   labels={key: f"jobs: run {key[0]} replication {key[1]} [seed, scale]" for key in new_jobs})


def _dir_is_empty(path: Path) -> bool:
    return not path.exists() or not any(path.iterdir())


# ---------------------------------------------------------------------------------- summary
def summary_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Order summary rows into the summary table.

    Columns: ``scenario, replication, seed, status, error``, then :data:`SUMMARY_METRICS`, then
    any other metric found (sorted by name).
    """
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return pd.DataFrame(columns=list(SUMMARY_KEYS) + list(SUMMARY_METRICS))
    for column in SUMMARY_METRICS:
        if column not in frame:
            frame[column] = np.nan
    others = sorted(c for c in frame.columns if c not in SUMMARY_KEYS and c not in SUMMARY_METRICS)
    frame = frame[list(SUMMARY_KEYS) + list(SUMMARY_METRICS) + others]
    frame["replication"] = frame["replication"].astype("int64")
    frame["seed"] = frame["seed"].astype("int64")
    frame["error"] = frame["error"].fillna("").astype(str)
    metric_columns = list(SUMMARY_METRICS) + others
    frame[metric_columns] = frame[metric_columns].astype("float64")
    return frame.reset_index(drop=True)


def _ok_row(scenario: str, replication: int, seed: int, metrics: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"scenario": scenario, "replication": int(replication), "seed": int(seed),
                           "status": "ok", "error": ""}
    row.update({k: float(v) for k, v in metrics.items() if k not in ("scenario", "replication", "seed")})
    return row


def _failed_row(scenario: str, replication: int, seed: int, error: str) -> dict[str, Any]:
    return {"scenario": scenario, "replication": int(replication), "seed": int(seed),
            "status": "failed", "error": error}


def summary_order(jobs: Sequence[RunJob]) -> list[RunJob]:
    """Jobs in summary order: scenarios in order of first appearance, then replication."""
    first: dict[str, int] = {}
    for job in jobs:
        first.setdefault(job.scenario_name, len(first))
    return sorted(jobs, key=lambda job: (first[job.scenario_name], job.replication))


def summary_from_store(store: BatchStore, jobs: Sequence[RunJob]) -> pd.DataFrame:
    """The summary of ``jobs`` as the store holds them (runs not present are left out).

    A run counts as present when its directory is complete (``done.json`` written last); a run
    without a directory but with a failure record is a failed row. Rows are in
    :func:`summary_order`.
    """
    rows = []
    for job in summary_order(jobs):
        run = store.run_dir(*job.key)
        if (run / "done.json").exists():
            rows.append(_ok_row(job.scenario_name, job.replication, job.seed,
                                store.run_metrics(*job.key)))
            continue
        record = store.failure(*job.key)
        if record is not None:
            rows.append(_failed_row(job.scenario_name, job.replication, job.seed, record.get("error", "")))
    return summary_frame(rows)


def write_summary(store: BatchStore, summary: pd.DataFrame) -> Path:
    """Write ``OUT/summary.csv`` atomically."""
    path = store.root / "summary.csv"
    write_bytes(path, summary.to_csv(index=False).encode("utf-8"))
    return path


# ---------------------------------------------------------------------------------- executors
def _iter_serial(jobs: Sequence[RunJob]) -> Iterator[tuple[RunJob, RunOutcome]]:
    for job in jobs:
        yield job, execute_job(job)


def _failed_outcome(job: RunJob, error: str) -> RunOutcome:
    return RunOutcome(job.scenario_name, job.replication, job.seed, "failed", error=error)


def _iter_local(jobs: Sequence[RunJob], workers: int) -> Iterator[tuple[RunJob, RunOutcome]]:
    """Run jobs on a ``ProcessPoolExecutor`` (spawned processes), at most ``2 * workers`` in flight.

    A worker process that dies (e.g. killed by the OS) breaks the pool: the jobs in flight are
    recorded as failed and a new pool runs the rest.
    """
    context = multiprocessing.get_context("spawn")
    pending = list(reversed(jobs))
    window = IN_FLIGHT_PER_WORKER * workers
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=context)
    finished = False
    try:
        in_flight: dict[cf.Future, RunJob] = {}
        while pending or in_flight:
            broken = False
            while pending and len(in_flight) < window:
                job = pending.pop()
                try:
                    in_flight[pool.submit(execute_job, job)] = job
                except cf.process.BrokenProcessPool:
                    pending.append(job)
                    broken = True
                    break
            if in_flight:
                done, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    job = in_flight.pop(future)
                    try:
                        outcome = future.result()
                    except cf.process.BrokenProcessPool as exc:
                        broken = True
                        outcome = _failed_outcome(job, f"worker process died: {one_line(exc)}")
                    except Exception as exc:  # e.g. the job could not be pickled
                        outcome = _failed_outcome(job, one_line(exc))
                    yield job, outcome
            if broken:
                for future, job in list(in_flight.items()):
                    in_flight.pop(future)
                    yield job, _failed_outcome(job, "worker process died (process pool broken)")
                pool.shutdown(wait=False, cancel_futures=True)
                pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=context)
        finished = True
    finally:
        # interrupted (Ctrl-C, an error while storing): do not wait for runs still going
        pool.shutdown(wait=finished, cancel_futures=True)


def _dask_client(scheduler: str | None, workers: int):
    """A Dask client and, when it started one, its ``LocalCluster`` (to close afterwards)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise UsageError(f"--executor dask: dask.distributed is not installed ({exc})") from None
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
    """Run jobs on a Dask cluster, at most twice its thread count in flight."""
    from dask.distributed import as_completed

    threads = sum(client.nthreads().values()) or workers
    window = IN_FLIGHT_PER_WORKER * max(threads, 1)
    pending = list(reversed(jobs))
    by_key: dict[str, RunJob] = {}
    futures = as_completed()

    def submit() -> None:
        job = pending.pop()
        future = client.submit(execute_job, job, pure=False)
        by_key[future.key] = job
        futures.add(future)

    while pending and len(by_key) < window:
        submit()
    for future in futures:
        job = by_key.pop(future.key)
        try:
            outcome = future.result()
        except Exception as exc:  # KilledWorker, unpicklable job ...
            outcome = _failed_outcome(job, one_line(exc))
        future.release()
        yield job, outcome
        if pending:
            submit()


def _check_executor(executor: str, scheduler: str | None) -> None:
    if executor not in ("local", "dask"):
        raise UsageError(f"--executor: must be 'local' or 'dask', got {executor!r}")
    if scheduler and executor != "dask":
        raise UsageError("--scheduler: only with --executor dask")


def _outcomes(
    jobs: Sequence[RunJob], workers: int, executor: str, client: Any
) -> Generator[tuple[RunJob, RunOutcome], None, None]:
    if executor == "dask":
        return _iter_dask(jobs, client, workers)
    if workers == 1 or len(jobs) <= 1:
        return _iter_serial(jobs)
    return _iter_local(jobs, min(workers, len(jobs)))


# ---------------------------------------------------------------------------------- run
def run_jobs(
    jobs: Sequence[RunJob],
    out: str | Path,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = True,
    manifest_extra: dict[str, Any] | None = None,
    on_outcome: Callable[[RunJob, RunOutcome], None] | None = None,
) -> pd.DataFrame:
    """Run jobs through an executor into a batch store; return the summary.

    Each run is written to ``OUT/runs/`` atomically as soon as it finishes; a run that raises is
    recorded (``OUT/runs/<scenario>/rNNNN.failed.json``) and the batch goes on.
    ``OUT/summary.csv`` is rewritten every few seconds and at the end from the store.

    Args:
        jobs: The runs; ``(scenario_name, replication)`` must be unique and one name must always
            mean the same scenario.
        out: Batch directory. Without ``resume`` it must be empty or absent.
        workers: Worker processes (default :func:`default_workers`); ignored with a Dask
            ``scheduler``, whose cluster has its own workers.
        executor: ``"local"`` (process pool; 1 worker runs in this process) or ``"dask"``.
        scheduler: Dask scheduler address (``tcp://HOST:8786``); None starts a LocalCluster on
            127.0.0.1 when ``executor="dask"``.
        resume: Complete an interrupted batch in ``out``: runs verified by
            :meth:`BatchStore.is_complete` are kept as they are, the others (missing, partial,
            corrupted or failed) are run.
        progress: Show a tqdm progress bar on stderr.
        manifest_extra: More items for ``manifest.json`` (e.g. the sensitivity design).
            ``root_seed`` and ``scale``, if given, must match on resume.
        on_outcome: Called in this process after each run is stored (e.g. for logging).

    Returns:
        The summary (one row per job present in the store, scenarios in order of first
        appearance, then replication), as written to ``OUT/summary.csv``.

    Raises:
        UsageError: Duplicate jobs, unusable scenario names, ``out`` holding another batch, a
            resume whose manifest does not match, or an unreachable Dask scheduler.
    """
    jobs = list(jobs)
    if not jobs:
        raise UsageError("nothing to run: no jobs")
    _check_jobs(jobs)
    _check_executor(executor, scheduler)
    if workers is None:
        workers = default_workers()
    if workers < 1:
        raise UsageError(f"--workers: must be at least 1, got {workers}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: --out: exists and is not a directory")
    shas = _scenario_shas(jobs)
    manifest = build_manifest(jobs, shas, manifest_extra)
    store = BatchStore(out)
    old = store.manifest() if (out / "manifest.json").exists() else None
    if not resume and not _dir_is_empty(out):
        what = "holds a batch" if old is not None else "is not empty"
        raise UsageError(f"{out}: --out: directory {what}; add --resume to complete it, or choose another --out")
    if resume and old is None and not _dir_is_empty(out) and (out / "runs").exists():
        raise UsageError(f"{out}/manifest.json: missing; cannot verify the runs in {out}/runs belong to this batch")
    if old is not None:
        _check_resume(out, old, manifest)
        manifest["created"] = old.get("created", manifest["created"])
        manifest["resumed"] = datetime.now(UTC).isoformat(timespec="seconds")
        if old.get("git_commit") != manifest["git_commit"] or old.get("versions") != manifest["versions"]:
            print(
                f"warning: {out}: code or library versions differ from those that started this batch "
                f"(git {old.get('git_commit')} -> {manifest['git_commit']})",
                file=sys.stderr,
            )
    identities = {job.key: _job_identity(job, shas[job.scenario_name]) for job in jobs}
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    todo: list[RunJob] = []
    for job in jobs:
        if resume and store.is_complete(*job.key, identity=identities[job.key]):
            rows[job.key] = _ok_row(job.scenario_name, job.replication, job.seed, store.run_metrics(*job.key))
        else:
            todo.append(job)

    # connect to (or start) the cluster before writing anything, so a bad address leaves no trace
    client = cluster = None
    if executor == "dask" and todo:
        client, cluster = _dask_client(scheduler, workers)
    try:
        out.mkdir(parents=True, exist_ok=True)
        store.clean_temporary()
        store.write_manifest(manifest)
        return _run_todo(store, jobs, todo, rows, identities, workers, executor, client, progress, on_outcome)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _run_todo(
    store: BatchStore,
    jobs: list[RunJob],
    todo: list[RunJob],
    rows: dict[tuple[str, int], dict[str, Any]],
    identities: dict[tuple[str, int], dict[str, Any]],
    workers: int,
    executor: str,
    client: Any,
    progress: bool,
    on_outcome: Callable[[RunJob, RunOutcome], None] | None,
) -> pd.DataFrame:
    """Run the jobs not yet done, storing each as it finishes; return the summary from the store."""
    ordered = summary_order(jobs)

    def current_summary() -> pd.DataFrame:
        return summary_frame(rows[job.key] for job in ordered if job.key in rows)

    write_summary(store, current_summary())
    bar = None
    if progress and todo:
        from tqdm.auto import tqdm

        skipped = len(jobs) - len(todo)
        bar = tqdm(total=len(todo), unit="run", dynamic_ncols=True,
                   desc=f"batch ({skipped} done before)" if skipped else "batch")
        bar.set_postfix(failed=0)
    failures = 0
    last_write = time.monotonic()
    outcomes = _outcomes(todo, workers, executor, client)
    try:
        for job, outcome in outcomes:
            if outcome.status == "ok" and outcome.files is not None:
                store.write_encoded(job.scenario_name, job.replication, outcome.files, identities[job.key])
                rows[job.key] = _ok_row(job.scenario_name, job.replication, job.seed, outcome.metrics)
            else:
                failures += 1
                store.write_failure(job.scenario_name, job.replication, job.seed, outcome.error,
                                    outcome.traceback)
                rows[job.key] = _failed_row(job.scenario_name, job.replication, job.seed, outcome.error)
            if on_outcome is not None:
                on_outcome(job, outcome)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(failed=failures, refresh=False)
            if time.monotonic() - last_write >= SUMMARY_INTERVAL_S:
                write_summary(store, current_summary())
                last_write = time.monotonic()
    finally:
        outcomes.close()
        if bar is not None:
            bar.close()
        # whatever happened, the summary on disk matches the runs on disk
        summary = summary_from_store(store, jobs)
        write_summary(store, summary)
    return summary


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
    scenarios: Sequence[Scenario], replications: int, root_seed: int = 0, scale: float = 1.0
) -> list[RunJob]:
    """Jobs of ``scenarios x replications`` with common random numbers.

    Ordered replication by replication (every scenario of replication 0 first), so an
    interrupted batch holds complete pairs.
    """
    if replications < 1:
        raise UsageError(f"--replications: must be at least 1, got {replications}")
    if not scale > 0:
        raise UsageError(f"--scale: must be positive, got {scale}")
    seeds = replication_seeds(root_seed, replications)
    return [
        RunJob(scenario.name, scenario, replication, seeds[replication], float(scale))
        for replication in range(replications)
        for scenario in scenarios
    ]


def run_batch(
    scenario_paths_or_scenarios: Sequence[str | Path | Scenario],
    replications: int,
    out: str | Path,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    root_seed: int = 0,
    resume: bool = False,
    scale: float = 1.0,
    progress: bool = True,
) -> pd.DataFrame:
    """Run every scenario ``replications`` times with paired seeds; return the summary.

    Args:
        scenario_paths_or_scenarios: Scenario files and/or :class:`Scenario` objects (unique names).
        replications: Replications per scenario.
        out: Batch directory (see :mod:`sim.io.store` for its layout).
        workers: Worker processes (default: CPU count, capped).
        executor: ``"local"`` or ``"dask"``.
        scheduler: Dask scheduler address (``executor="dask"``); None starts a LocalCluster.
        root_seed: Root of the replications' SeedSequence.
        resume: Complete the batch already in ``out``.
        scale: Population scale of every run.
        progress: Show a progress bar.

    Returns:
        The summary, one row per scenario x replication, sorted by scenario (given order) then
        replication.
    """
    if root_seed < 0:
        raise UsageError(f"--seed: must be a non-negative integer, got {root_seed}")
    loaded = load_scenarios(scenario_paths_or_scenarios)
    jobs = batch_jobs([s for s, _ in loaded], replications, root_seed, scale)
    extra = {
        "kind": "batch",
        "root_seed": int(root_seed),
        "replications": int(replications),
        "scale": float(scale),
        "seeds": replication_seeds(root_seed, replications),
        "scenario_files": {scenario.name: file for scenario, file in loaded},
    }
    return run_jobs(jobs, out, workers=workers, executor=executor, scheduler=scheduler,
                    resume=resume, progress=progress, manifest_extra=extra)


__all__ = [
    "RunJob",
    "RunOutcome",
    "batch_jobs",
    "default_workers",
    "execute_job",
    "load_scenarios",
    "replication_seeds",
    "run_batch",
    "run_jobs",
    "summary_from_store",
    "summary_order",
]
