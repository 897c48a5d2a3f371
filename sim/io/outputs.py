"""Writing one run's outputs: Parquet tables, metrics.csv, targets.csv and manifest.json.

Files are written under a temporary name and renamed into place, so a killed run never leaves
a half-written file behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.simulate import SimulationResult
from sim.scenario.files import scenario_to_toml
from sim.scenario.schema import Scenario


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the fully resolved scenario's canonical TOML."""
    return hashlib.sha256(scenario_to_toml(scenario).encode("utf-8")).hexdigest()


def git_commit() -> str | None:
    """Commit of the source tree this package runs from, when it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def versions() -> dict[str, str | None]:
    """Versions of this package, Mesa, numpy and Python."""
    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return {
        "startup_sim": version("startup-sim"),
        "mesa": version("mesa"),
        "numpy": version("numpy"),
        "pandas": version("pandas"),
        "python": platform.python_version(),
    }


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def atomic_write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame as Parquet atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def write_run(result: SimulationResult, out_dir: str | Path, source_file: str | None = None) -> Path:
    """Write one run's tables, metrics and manifest to ``out_dir``.

    Returns:
        The output directory.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_parquet(result.monthly, out / "monthly.parquet")
    atomic_write_parquet(result.firms, out / "firms.parquet")
    metrics = pd.DataFrame({"metric": list(result.metrics), "value": list(result.metrics.values())})
    atomic_write_bytes(out / "metrics.csv", metrics.to_csv(index=False).encode())
    atomic_write_bytes(out / "targets.csv", result.targets.to_csv(index=False).encode())
    manifest: dict[str, Any] = {
        "scenario": result.scenario.name,
        "scenario_file": source_file,
        "scenario_sha256": scenario_hash(result.scenario),
        "seed": result.seed,
        "scale": result.scale,
        "versions": versions(),
        "git_commit": git_commit(),
        "files": ["monthly.parquet", "firms.parquet", "metrics.csv", "targets.csv"],
    }
    atomic_write_bytes(out / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())
    atomic_write_bytes(out / "scenario.toml", scenario_to_toml(result.scenario).encode())
    return out
