"""The batch results store: one directory per finished run, written atomically; nothing is lost.

Layout of a batch directory ``OUT/`` (all readable with plain pandas / pyarrow)::

    OUT/manifest.json                      everything needed to re-run the batch
    OUT/summary.csv                        one row per scenario x replication (see batch.py)
    OUT/runs/<scenario>/r0007/monthly.parquet   monthly table of replication 7
    OUT/runs/<scenario>/r0007/firms.parquet     firm table
    OUT/runs/<scenario>/r0007/metrics.parquet   one row: scenario, replication, seed, metrics
    OUT/runs/<scenario>/r0007/targets.parquet   target attainment
    OUT/runs/<scenario>/r0007/done.json         SHA-256 of each file (written last)
    OUT/runs/<scenario>/r0007.failed.json       a run that raised: its error (no directory)

A run is written into a hidden temporary directory and renamed into place, so a run directory
either exists complete or not at all, whatever moment the batch is killed. On resume,
:meth:`BatchStore.is_complete` re-checks the checksums, so a corrupted or truncated file is
detected and the run redone. A finished, intact run is never rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from sim.outputs import atomic_write_bytes
from sim.simulate import SimulationResult

RUN_FILES = ("monthly.parquet", "firms.parquet", "metrics.parquet", "targets.parquet")


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
    def write_run(self, scenario: str, replication: int, seed: int, result: SimulationResult) -> Path:
        """Write a finished run atomically (temporary directory, then rename).

        Returns:
            The run directory.
        """
        final = self.run_dir(scenario, replication)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.parent / f".{final.name}.tmp-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        result.monthly.to_parquet(tmp / "monthly.parquet", index=False)
        result.firms.to_parquet(tmp / "firms.parquet", index=False)
        metrics = {"scenario": scenario, "replication": replication, "seed": seed, **result.metrics}
        pd.DataFrame([metrics]).to_parquet(tmp / "metrics.parquet", index=False)
        targets = result.targets.assign(scenario=scenario, replication=replication)
        targets.to_parquet(tmp / "targets.parquet", index=False)
        done = {name: _sha256(tmp / name) for name in RUN_FILES}
        (tmp / "done.json").write_text(json.dumps(done, indent=1))
        for path in tmp.iterdir():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        if final.exists():  # an invalid earlier attempt: replace it
            shutil.rmtree(final)
        os.rename(tmp, final)
        failed = self.failure_file(scenario, replication)
        if failed.exists():
            failed.unlink()
        return final

    def write_failure(self, scenario: str, replication: int, seed: int, error: str) -> None:
        """Record a run that raised (atomically)."""
        record = {"scenario": scenario, "replication": replication, "seed": seed, "error": error}
        atomic_write_bytes(self.failure_file(scenario, replication), json.dumps(record).encode())

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write ``OUT/manifest.json`` atomically."""
        atomic_write_bytes(self.root / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())

    # ------------------------------------------------------------------- read
    def manifest(self) -> dict[str, Any]:
        """The batch manifest (empty dict if none)."""
        path = self.root / "manifest.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def is_complete(self, scenario: str, replication: int) -> bool:
        """The run exists and every file matches its recorded checksum."""
        run = self.run_dir(scenario, replication)
        try:
            done = json.loads((run / "done.json").read_text())
            return all(_sha256(run / name) == done[name] for name in RUN_FILES)
        except (OSError, ValueError, KeyError):
            return False

    def completed_runs(self) -> list[tuple[str, int]]:
        """``(scenario, replication)`` of every run directory present (not re-verified)."""
        runs = []
        if not self.runs_dir.exists():
            return runs
        for scenario_dir in sorted(p for p in self.runs_dir.iterdir() if p.is_dir()):
            for run in sorted(scenario_dir.glob("r[0-9][0-9][0-9][0-9]")):
                if run.is_dir() and (run / "done.json").exists():
                    runs.append((scenario_dir.name, int(run.name[1:])))
        return runs

    def failures(self) -> pd.DataFrame:
        """Runs that raised: scenario, replication, seed, error."""
        rows = [json.loads(p.read_text()) for p in sorted(self.runs_dir.glob("*/r*.failed.json"))]
        return pd.DataFrame(rows, columns=["scenario", "replication", "seed", "error"])

    def _read(self, name: str, scenarios: list[str] | None) -> pd.DataFrame:
        frames = []
        for scenario, replication in self.completed_runs():
            if scenarios is not None and scenario not in scenarios:
                continue
            frame = pd.read_parquet(self.run_dir(scenario, replication) / name)
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
