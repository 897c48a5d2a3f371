"""The batch results store: one directory per finished run, written atomically; nothing is lost.

Layout of a batch directory ``OUT/`` (all readable with plain pandas / pyarrow)::

    OUT/manifest.json                      everything needed to re-run the batch
    OUT/summary.csv                        one row per scenario x replication (see batch.py)
    OUT/runs/<scenario>/r0007/monthly.parquet   monthly table of replication 7
    OUT/runs/<scenario>/r0007/firms.parquet     firm table
    OUT/runs/<scenario>/r0007/metrics.parquet   one row: scenario, replication, seed, metrics
    OUT/runs/<scenario>/r0007/targets.parquet   target attainment
    OUT/runs/<scenario>/r0007/done.json         SHA-256 and size of each file and the run's
                                                identity (seed, scale, scenario SHA-256); written last
    OUT/runs/<scenario>/r0007.failed.json       a run that raised: its error and traceback

A run is written into a hidden temporary directory and renamed into place, so a run directory
either exists complete or not at all, whatever moment the batch is killed. On resume,
:meth:`BatchStore.is_complete` re-checks the checksums, so a corrupted or truncated file is
detected and the run redone. A finished, intact run is never rewritten.

The Parquet files can be encoded where the run happened (a worker process or a Dask worker on
another machine, :func:`encode_run`) and written by the one process that owns the store
(:meth:`BatchStore.write_encoded`), so the store needs no shared file system and has a single
writer.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.io.atomic import TEMP_GLOB, fsync_dir, temporary_name, write_bytes
from sim.io.resume import identity_matches

if TYPE_CHECKING:
    import pandas as pd

    from sim.io.run_result import RunResult

RUN_FILES = ("monthly.parquet", "firms.parquet", "metrics.parquet", "targets.parquet")
TABLE_FILES = ("monthly.parquet", "firms.parquet")
"""Files a metrics-only run (``tables=False``) leaves out; the others are always written."""
SUMMARY_FILES = tuple(name for name in RUN_FILES if name not in TABLE_FILES)


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encode_run(
    scenario: str,
    replication: int,
    seed: int,
    result: RunResult,
    extra_metrics: dict[str, float] | None = None,
    tables: bool = True,
) -> dict[str, bytes]:
    """Encode one run's tables as Parquet bytes (the expensive part of writing a run).

    Written with pyarrow from the run's numpy columns (:mod:`sim.io.arrow`): a worker imports no
    pandas, and the files read back as the pandas writer's did.

    Args:
        scenario: Scenario name (the run's directory under ``runs/``).
        replication: Replication number.
        seed: Integer seed the run was simulated with.
        result: The run.
        extra_metrics: Metrics computed outside :func:`sim.experiments.simulate.simulate` (e.g.
            ``surviving_firms``), added to ``metrics.parquet``.
        tables: Encode the monthly and firm tables too; False encodes only
            :data:`SUMMARY_FILES` (metrics-only).

    Returns:
        ``{file name: Parquet bytes}`` for every name in :data:`RUN_FILES` (:data:`SUMMARY_FILES`
        without tables).
    """
    from sim.io.arrow import arrow_table, parquet_bytes, rows_table

    metrics: dict[str, Any] = {"scenario": scenario, "replication": int(replication), "seed": int(seed)}
    metrics.update({key: float(value) for key, value in result.metrics.items()})
    metrics.update({key: float(value) for key, value in (extra_metrics or {}).items()})
    files = {
        "metrics.parquet": parquet_bytes(rows_table([metrics], list(metrics))),
        "targets.parquet": parquet_bytes(rows_table(result.target_rows, result.target_columns,
                                                    {"scenario": scenario, "replication": int(replication)})),
    }
    if tables:
        files["monthly.parquet"] = parquet_bytes(arrow_table(result.monthly_columns))
        files["firms.parquet"] = parquet_bytes(arrow_table(result.firm_columns))
    return {name: files[name] for name in RUN_FILES if name in files}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class BatchStore:
    """Read and write the runs of one batch directory."""

    def __init__(self, root: str | Path) -> None:
        """Open (not create) a batch directory.

        Args:
            root: The batch directory ``OUT``.
        """
        self.root = Path(root)
        self.runs_dir = self.root / "runs"

    # ------------------------------------------------------------------ paths
    def run_dir(self, scenario: str, replication: int) -> Path:
        """Directory of one run."""
        return self.runs_dir / scenario / f"r{replication:04d}"

    def failure_file(self, scenario: str, replication: int) -> Path:
        """Error record of a run that raised."""
        return self.runs_dir / scenario / f"r{replication:04d}.failed.json"

    # ------------------------------------------------------------------ write
    def write_run(
        self,
        scenario: str,
        replication: int,
        seed: int,
        result: RunResult,
        identity: dict[str, Any] | None = None,
    ) -> Path:
        """Write a finished run atomically (temporary directory, then rename).

        Returns:
            The run directory.
        """
        files = encode_run(scenario, replication, seed, result)
        return self.write_encoded(scenario, replication, files, identity)

    def write_encoded(
        self,
        scenario: str,
        replication: int,
        files: dict[str, bytes],
        identity: dict[str, Any] | None = None,
    ) -> Path:
        """Write a run already encoded by :func:`encode_run`, atomically.

        Args:
            scenario: Scenario name.
            replication: Replication number.
            files: ``{file name: bytes}`` for every name in :data:`RUN_FILES`, or only
                :data:`SUMMARY_FILES` for a metrics-only run.
            identity: What the run is (e.g. ``seed``, ``scale``, ``scenario_sha256``); stored in
                ``done.json`` and checked by :meth:`is_complete`.

        Returns:
            The run directory.
        """
        missing = [name for name in SUMMARY_FILES if name not in files]
        if missing:
            raise ValueError(f"run {scenario}/{replication}: missing files {missing}")
        final = self.run_dir(scenario, replication)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = temporary_name(final)
        tmp.mkdir()
        try:
            self._fill(tmp, files, identity)
        except BaseException:  # disk full, killed ...: no half-written directory stays behind
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if final.exists():  # an invalid earlier attempt: replace it
            shutil.rmtree(final)
        os.rename(tmp, final)
        fsync_dir(final.parent)
        failed = self.failure_file(scenario, replication)
        if failed.exists():
            failed.unlink()
        return final

    @staticmethod
    def _fill(tmp: Path, files: dict[str, bytes], identity: dict[str, Any] | None) -> None:
        """Write a run's files and its ``done.json`` (last) into the directory ``tmp``."""
        done: dict[str, Any] = {}
        for name in (n for n in RUN_FILES if n in files):
            with open(tmp / name, "wb") as handle:
                handle.write(files[name])
                handle.flush()
                os.fsync(handle.fileno())
            done[name] = _sha256_bytes(files[name])
        done["sizes"] = {name: len(files[name]) for name in RUN_FILES if name in files}
        done["identity"] = dict(identity or {})
        with open(tmp / "done.json", "w") as handle:
            handle.write(json.dumps(done, indent=1))
            handle.flush()
            os.fsync(handle.fileno())
        fsync_dir(tmp)

    def write_failure(
        self, scenario: str, replication: int, seed: int, error: str, traceback: str = ""
    ) -> None:
        """Record a run that raised (atomically); an earlier failure record is replaced.

        Args:
            scenario: Scenario name.
            replication: Replication number.
            seed: Seed of the run.
            error: One-line error (``ExceptionType: message``).
            traceback: Full traceback text, for debugging.
        """
        record = {"scenario": scenario, "replication": replication, "seed": seed, "error": error}
        if traceback:
            record["traceback"] = traceback
        write_bytes(self.failure_file(scenario, replication), json.dumps(record, indent=1).encode())

    def clean_temporary(self) -> int:
        """Remove what a killed writer left behind: hidden ``.*.tmp-*`` files and directories.

        Looks in the batch directory, in each of its sub-directories (``figures/`` ...) and in
        each scenario directory under ``runs/``: every place :mod:`sim.io.atomic` or
        :meth:`write_encoded` writes. Only call this while no other process writes to the store.

        Returns:
            How many leftovers were removed.
        """
        removed = 0
        candidates = list(self.root.glob(TEMP_GLOB)) + list(self.root.glob(f"*/{TEMP_GLOB}"))
        if self.runs_dir.exists():
            candidates += list(self.runs_dir.glob(f"*/{TEMP_GLOB}"))
        for path in candidates:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed += 1
        return removed

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write ``OUT/manifest.json`` atomically."""
        write_bytes(self.root / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())

    # ------------------------------------------------------------------- read
    def manifest(self) -> dict[str, Any]:
        """The batch manifest (empty dict if none)."""
        path = self.root / "manifest.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def is_complete(
        self, scenario: str, replication: int, identity: dict[str, Any] | None = None, tables: bool = True
    ) -> bool:
        """The run exists and every file matches its recorded checksum.

        Args:
            scenario: Scenario name.
            replication: Replication number.
            identity: If given, the identity recorded in ``done.json`` must also contain these
                items (e.g. the same seed, scale and scenario hash), so a run of something else
                never counts as done.
            tables: The run must hold its monthly and firm tables (False: a metrics-only run
                counts as done too).
        """
        run = self.run_dir(scenario, replication)
        try:
            done = json.loads((run / "done.json").read_text())
            if not identity_matches(done.get("identity", {}), identity):
                return False
            needed = RUN_FILES if tables else SUMMARY_FILES
            present = [name for name in RUN_FILES if name in done]
            if any(name not in present for name in needed):
                return False
            return all(_sha256(run / name) == done[name] for name in present)
        except (OSError, ValueError, KeyError, AttributeError, TypeError):
            return False

    def run_problem(self, scenario: str, replication: int) -> str | None:
        """Why a finished run does not match its ``done.json`` (None if it does).

        Checks each file's size (when ``done.json`` records it: a cheap ``stat`` that catches
        truncation) and then its SHA-256.
        """
        run = self.run_dir(scenario, replication)
        try:
            done = json.loads((run / "done.json").read_text())
        except (OSError, ValueError) as exc:
            return f"done.json unreadable ({' '.join(str(exc).split())})"
        if not isinstance(done, dict):
            return "done.json is not a JSON object"
        sizes = done.get("sizes") if isinstance(done.get("sizes"), dict) else {}
        stored = [name for name in RUN_FILES if name in done]  # a metrics-only run has no tables
        if not stored:
            return "done.json lists no file"
        for name in stored:
            path = run / name
            try:
                size = path.stat().st_size
            except OSError:
                return f"{name} missing"
            if name in sizes and sizes[name] != size:
                return f"{name} has {size:,} bytes, done.json says {sizes[name]:,}"
        for name in stored:
            try:
                if _sha256(run / name) != done.get(name):
                    return f"{name} checksum differs from done.json"
            except OSError as exc:
                return f"{name} unreadable ({exc.strerror or exc})"
        return None

    def run_metrics(self, scenario: str, replication: int) -> dict[str, Any]:
        """The one-row ``metrics.parquet`` of a finished run as a dict."""
        import pandas as pd

        frame = pd.read_parquet(self.run_dir(scenario, replication) / "metrics.parquet")
        return frame.iloc[0].to_dict()

    def failure(self, scenario: str, replication: int) -> dict[str, Any] | None:
        """The failure record of a run, or None if it has none."""
        path = self.failure_file(scenario, replication)
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return None

    def completed_runs(self) -> list[tuple[str, int]]:
        """``(scenario, replication)`` of every run directory present (not re-verified)."""
        runs = []
        if not self.runs_dir.exists():
            return runs
        for scenario_dir in sorted(p for p in self.runs_dir.iterdir() if p.is_dir()):
            for run in scenario_dir.glob("r*"):
                if run.name[1:].isdigit() and run.is_dir() and (run / "done.json").exists():
                    runs.append((scenario_dir.name, int(run.name[1:])))
        runs.sort()
        return runs

    def failures(self) -> pd.DataFrame:
        """Runs that raised: scenario, replication, seed, error."""
        import pandas as pd

        rows = [json.loads(p.read_text()) for p in sorted(self.runs_dir.glob("*/r*.failed.json"))]
        return pd.DataFrame(rows, columns=["scenario", "replication", "seed", "error"])

    def _read(self, name: str, scenarios: list[str] | None) -> pd.DataFrame:
        import pandas as pd

        frames = []
        for scenario, replication in self.completed_runs():
            if scenarios is not None and scenario not in scenarios:
                continue
            path = self.run_dir(scenario, replication) / name
            if not path.exists():  # a metrics-only run has no monthly or firm table
                continue
            frame = pd.read_parquet(path)
            if "scenario" not in frame:
                frame.insert(0, "scenario", scenario)
            if "replication" not in frame:
                frame.insert(1, "replication", replication)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def metrics(self, scenarios: list[str] | None = None) -> pd.DataFrame:
        """One row per finished run: scenario, replication, seed and the metrics."""
        frame = self._read("metrics.parquet", scenarios)
        if len(frame):
            frame = frame.sort_values(["scenario", "replication"], kind="stable").reset_index(drop=True)
        return frame

    def monthly(self, scenarios: list[str] | None = None) -> pd.DataFrame:
        """Monthly tables of finished runs, with ``scenario`` and ``replication`` columns."""
        return self._read("monthly.parquet", scenarios)

    def firms(self, scenarios: list[str] | None = None) -> pd.DataFrame:
        """Firm tables of finished runs, with ``scenario`` and ``replication`` columns."""
        return self._read("firms.parquet", scenarios)

    def targets(self, scenarios: list[str] | None = None) -> pd.DataFrame:
        """Target attainment of finished runs, with ``scenario`` and ``replication`` columns."""
        return self._read("targets.parquet", scenarios)
