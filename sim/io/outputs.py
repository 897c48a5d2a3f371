"""Writing one run's outputs: Parquet tables, metrics.csv, targets.csv and manifest.json.

Every file goes through :mod:`sim.io.atomic` (temporary file, fsync, rename), so a killed run
never leaves a half-written file behind. Also the provenance helpers (:func:`scenario_hash`,
:func:`git_commit`, :func:`versions`) every manifest uses.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.io.atomic import write_bytes, write_parquet
from sim.scenario.files import scenario_to_toml
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.experiments.simulate import SimulationResult


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


def write_run(result: SimulationResult, out_dir: str | Path, source_file: str | None = None) -> Path:
    """Write one run's tables, metrics and manifest to ``out_dir``.

    Returns:
        The output directory.
    """
    import pandas as pd

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_parquet(result.monthly, out / "monthly.parquet")
    write_parquet(result.firms, out / "firms.parquet")
    metrics = pd.DataFrame({"metric": list(result.metrics), "value": list(result.metrics.values())})
    write_bytes(out / "metrics.csv", metrics.to_csv(index=False).encode())
    write_bytes(out / "targets.csv", result.targets.to_csv(index=False).encode())
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
    write_bytes(out / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())
    write_bytes(out / "scenario.toml", scenario_to_toml(result.scenario).encode())
    return out
