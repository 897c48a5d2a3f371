"""Batch runs: many scenarios x many replications, locally or on a Dask cluster, resumable.

Two levels:

* :func:`run_jobs` runs any list of :class:`sim.experiments.jobs.RunJob` through an executor
  (:mod:`sim.experiments.executors`), writes each run to a :class:`sim.io.store.BatchStore` as soon
  as it finishes, records runs that raise without stopping, skips finished runs on ``resume`` (the
  identity protocol of :mod:`sim.io.resume`) and keeps ``OUT/summary.csv``
  (:mod:`sim.experiments.summary`) consistent with the runs present. The sensitivity analysis
  reuses it.
* :func:`run_batch` builds the jobs of ``scenarios x replications`` with common random numbers
  (:func:`sim.experiments.jobs.batch_jobs`) and calls :func:`run_jobs`.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UsageError
from sim.experiments.executors import dask_client, outcomes, resolve_executor
from sim.experiments.jobs import RunJob, RunOutcome, batch_jobs, load_scenarios, replication_seeds
from sim.experiments.resources import check_batch_resources
from sim.experiments.summary import failed_row, ok_row, summary_frame, summary_from_store, summary_order, write_summary
from sim.io.atomic import is_temporary
from sim.io.outputs import git_commit, scenario_hash, versions
from sim.io.resume import check_format, check_identity, directory_kind, read_marker
from sim.io.store import BatchStore
from sim.scenario.files import scenario_to_toml
from sim.scenario.schema import Scenario

MANIFEST_FORMAT = "startup-sim-batch/1"
SUMMARY_INTERVAL_S = 5.0
"""assumption: rewrite ``summary.csv`` at most every 5 s while running (range 1-60 s): cheap
(a few ms for 1,000 rows) and a reader never sees it more than a few seconds stale."""
_NAME_OK = re.compile(r"^[^/\\\x00]+$")


# ---------------------------------------------------------------------------------- manifest
def _job_identity(job: RunJob, scenario_sha: str) -> dict[str, Any]:
    identity: dict[str, Any] = {"seed": int(job.seed), "scale": float(job.scale), "scenario_sha256": scenario_sha}
    if job.measures:  # a run stored without them does not serve the job
        identity["measures"] = list(job.measures)
    return identity


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
    new_keys = {(name, rep) for name, rep, _, _ in new["jobs"]}
    dropped = sorted(key for key in old_jobs if key not in new_keys)
    if dropped:
        had, gives = old.get("replications"), new.get("replications")
        if isinstance(had, int) and isinstance(gives, int) and gives < had:
            fix = f"give --replications {had} or more (a resume completes or extends a batch, never shrinks it)"
        else:
            fix = "give the same runs or more (a resume completes or extends a batch, never shrinks it)"
        raise UsageError(
            f"{where}: this batch has {len(old_jobs):,} runs; the command leaves out {len(dropped):,} of them "
            f"(e.g. {dropped[0][0]} replication {dropped[0][1]}); {fix}; or use another --out"
        )
    new_jobs = {(name, rep): [seed, scale] for name, rep, seed, scale in new["jobs"] if (name, rep) in old_jobs}
    check_identity(where, old_jobs, new_jobs,
                   labels={key: f"jobs: run {key[0]} replication {key[1]} [seed, scale]" for key in new_jobs})


def _dir_is_empty(path: Path) -> bool:
    return not path.exists() or all(is_temporary(p) for p in path.iterdir())


_KIND_TEXT = {
    "run": "a run (written by startup-sim run)",
    "calibration": "a calibration",
    "sensitivity": "a sensitivity analysis",
    "other": "files but no batch manifest",
}


def _check_target(out: Path, resume: bool, old: dict[str, Any] | None) -> None:
    """Refuse an output directory a batch must not write into.

    Without ``resume`` it must be absent or empty (leftover temporary files allowed). With
    ``resume`` it must be absent, empty, or hold a batch (a sensitivity analysis, which is a
    batch store too, writes its own marker first and resumes into it).
    """
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: --out: exists and is not a directory; choose another --out")
    if _dir_is_empty(out):
        return
    kind = directory_kind(out)
    if not resume:
        if kind == "batch":
            raise UsageError(f"{out}: --out: directory holds a batch; add --resume to complete it, "
                             "or choose another --out")
        raise UsageError(f"{out}: --out: directory is not empty: it holds {_KIND_TEXT.get(kind or 'other', kind)}; "
                         "choose another --out (an empty or new directory)")
    if kind in ("batch", "sensitivity"):
        return
    if old is None and (out / "runs").exists():
        raise UsageError(f"{out}/manifest.json: missing; cannot verify the runs in {out}/runs belong to this "
                         "batch; choose another --out")
    raise UsageError(f"{out}: --out: directory holds {_KIND_TEXT.get(kind or 'other', kind)}; --resume completes "
                     "a batch only; choose another --out (an empty or new directory)")


# ---------------------------------------------------------------------------------- summary
# ---------------------------------------------------------------------------------- executors
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
    max_memory_gb: float | None = None,
    max_disk_gb: float | None = None,
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
        max_memory_gb: Refuse if the runs at once are estimated to need more memory (GB; default
            80% of the available memory, see :mod:`sim.experiments.resources`).
        max_disk_gb: Refuse if the runs to do are estimated to need more disk (GB; default 90%
            of the free space).

    Returns:
        The summary (one row per job present in the store, scenarios in order of first
        appearance, then replication), as written to ``OUT/summary.csv``.

    Raises:
        UsageError: Duplicate jobs, unusable scenario names, ``out`` holding another batch, a run
            or other files, a resume whose manifest does not match or that would drop runs,
            estimated memory or disk above the limits, or an unreachable Dask scheduler.
    """
    jobs = list(jobs)
    if not jobs:
        raise UsageError("nothing to run: no jobs")
    _check_jobs(jobs)
    executor, workers = resolve_executor(executor, scheduler, workers)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: --out: exists and is not a directory; choose another --out")
    shas = _scenario_shas(jobs)
    manifest = build_manifest(jobs, shas, manifest_extra)
    store = BatchStore(out)
    old = read_marker(out / "manifest.json") if out.is_dir() else None
    _check_target(out, resume, old)
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
        if resume and store.is_complete(*job.key, identity=identities[job.key], tables=job.tables):
            rows[job.key] = ok_row(job.scenario_name, job.replication, job.seed, store.run_metrics(*job.key))
        else:
            todo.append(job)
    check_batch_resources([(job.scenario, job.scale) for job in todo], workers, out,
                          max_memory_gb=max_memory_gb, max_disk_gb=max_disk_gb)

    # connect to (or start) the cluster before writing anything, so a bad address leaves no trace
    client = cluster = None
    if executor == "dask" and todo:
        client, cluster = dask_client(scheduler, workers)
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
    stream = outcomes(todo, workers, executor, client)
    try:
        for job, outcome in stream:
            if outcome.status == "ok" and outcome.files is not None:
                store.write_encoded(job.scenario_name, job.replication, outcome.files, identities[job.key])
                rows[job.key] = ok_row(job.scenario_name, job.replication, job.seed, outcome.metrics)
            else:
                failures += 1
                store.write_failure(job.scenario_name, job.replication, job.seed, outcome.error,
                                    outcome.traceback)
                rows[job.key] = failed_row(job.scenario_name, job.replication, job.seed, outcome.error)
            if on_outcome is not None:
                on_outcome(job, outcome)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(failed=failures, refresh=False)
            if time.monotonic() - last_write >= SUMMARY_INTERVAL_S:
                write_summary(store, current_summary())
                last_write = time.monotonic()
    except BaseException:
        # stopped (disk full, Ctrl-C ...): keep the finished runs and try to leave a summary that
        # matches them, without hiding the original error behind a second one (e.g. ENOSPC again)
        stream.close()
        if bar is not None:
            bar.close()
        try:
            write_summary(store, summary_from_store(store, jobs))
        except Exception:  # noqa: BLE001 - the original error is the one to report
            pass
        raise
    stream.close()
    if bar is not None:
        bar.close()
    # the summary on disk matches the runs on disk
    summary = summary_from_store(store, jobs, known=rows)
    write_summary(store, summary)
    return summary


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
    tables: bool = True,
    max_memory_gb: float | None = None,
    max_disk_gb: float | None = None,
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
        tables: Store each run's monthly and firm tables (False: metrics and targets only,
            enough for ``summary.csv`` and ``compare``).
        max_memory_gb: Memory limit in GB (see :func:`run_jobs`).
        max_disk_gb: Disk limit in GB (see :func:`run_jobs`).

    Returns:
        The summary, one row per scenario x replication, sorted by scenario (given order) then
        replication.
    """
    if root_seed < 0:
        raise UsageError(f"--seed: must be a non-negative integer, got {root_seed}")
    loaded = load_scenarios(scenario_paths_or_scenarios)
    jobs = batch_jobs([s for s, _ in loaded], replications, root_seed, scale, tables=tables)
    extra = {
        "kind": "batch",
        "root_seed": int(root_seed),
        "replications": int(replications),
        "scale": float(scale),
        "tables": bool(tables),
        "seeds": replication_seeds(root_seed, replications),
        "scenario_files": {scenario.name: file for scenario, file in loaded},
    }
    return run_jobs(jobs, out, workers=workers, executor=executor, scheduler=scheduler,
                    resume=resume, progress=progress, manifest_extra=extra,
                    max_memory_gb=max_memory_gb, max_disk_gb=max_disk_gb)


__all__ = [
    "MANIFEST_FORMAT",
    "RunJob",
    "RunOutcome",
    "batch_jobs",
    "build_manifest",
    "load_scenarios",
    "replication_seeds",
    "run_batch",
    "run_jobs",
    "summary_frame",
]
