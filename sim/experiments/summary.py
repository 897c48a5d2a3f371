"""The batch summary: one row per scenario x replication, ``OUT/summary.csv``.

Columns: ``scenario, replication, seed, status, error``, then
:data:`sim.experiments.outcomes.SUMMARY_METRICS` in order, then any other metric (sorted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.experiments.outcomes import SUMMARY_METRICS
from sim.io.atomic import write_bytes
from sim.io.store import BatchStore

if TYPE_CHECKING:
    from sim.experiments.jobs import RunJob

SUMMARY_KEYS = ("scenario", "replication", "seed", "status", "error")


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


def ok_row(scenario: str, replication: int, seed: int, metrics: dict[str, Any]) -> dict[str, Any]:
    """The summary row of a run that finished."""
    row: dict[str, Any] = {"scenario": scenario, "replication": int(replication), "seed": int(seed),
                           "status": "ok", "error": ""}
    row.update({k: float(v) for k, v in metrics.items() if k not in ("scenario", "replication", "seed")})
    return row


def failed_row(scenario: str, replication: int, seed: int, error: str) -> dict[str, Any]:
    """The summary row of a run that raised."""
    return {"scenario": scenario, "replication": int(replication), "seed": int(seed),
            "status": "failed", "error": error}


def summary_order(jobs: Sequence[RunJob]) -> list[RunJob]:
    """Jobs in summary order: scenarios in order of first appearance, then replication."""
    first: dict[str, int] = {}
    for job in jobs:
        first.setdefault(job.scenario_name, len(first))
    return sorted(jobs, key=lambda job: (first[job.scenario_name], job.replication))


def summary_from_store(
    store: BatchStore, jobs: Sequence[RunJob], known: Mapping[tuple[str, int], dict[str, Any]] | None = None
) -> pd.DataFrame:
    """The summary of ``jobs`` as the store holds them (runs not present are left out).

    A run counts as present when its directory is complete (``done.json`` written last); a run
    without a directory but with a failure record is a failed row. Rows are in
    :func:`summary_order`.

    Args:
        store: The batch store.
        jobs: The batch's jobs.
        known: Summary rows of runs this process wrote or read from the store (by run key): a
            present run's ``ok`` row is taken from here instead of reading its metrics file back
            (600 runs: 1.7 s less); its presence is still checked.
    """
    known = known or {}
    rows = []
    for job in summary_order(jobs):
        run = store.run_dir(*job.key)
        if (run / "done.json").exists():
            row = known.get(job.key)
            if row is None or row.get("status") != "ok":
                row = ok_row(job.scenario_name, job.replication, job.seed, store.run_metrics(*job.key))
            rows.append(row)
            continue
        record = store.failure(*job.key)
        if record is not None:
            rows.append(failed_row(job.scenario_name, job.replication, job.seed, record.get("error", "")))
    return summary_frame(rows)


def write_summary(store: BatchStore, summary: pd.DataFrame) -> Path:
    """Write ``OUT/summary.csv`` atomically."""
    path = store.root / "summary.csv"
    write_bytes(path, summary.to_csv(index=False).encode("utf-8"))
    return path


__all__ = [
    "SUMMARY_KEYS",
    "failed_row",
    "ok_row",
    "summary_frame",
    "summary_from_store",
    "summary_order",
    "write_summary",
]
