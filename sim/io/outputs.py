"""Writing one run's outputs: Parquet tables, metrics.csv, targets.csv, manifest.json, scenario.toml.

A run's directory is written as a whole: every file goes into a private hidden temporary
directory next to the target (``.<name>.tmp-<pid>-<random>``), which is then renamed into place
while holding an exclusive lock on the parent directory (where the platform has ``fcntl``). So two
runs writing to the same ``--out`` at once never mix their files: the directory holds one run or
the other, complete. :func:`check_run_target` refuses a directory that holds a batch, an analysis,
another scenario's run or files of its own. Also the provenance helpers (:func:`scenario_hash`,
:func:`git_commit`, :func:`versions`) every manifest uses.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import UsageError
from sim.io.atomic import fsync_dir, is_temporary, temporary_name
from sim.io.resume import directory_kind, read_marker
from sim.scenario.files import scenario_to_toml
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.io.run_result import RunResult


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


RUN_FILES = ("monthly.parquet", "firms.parquet", "metrics.csv", "targets.csv", "manifest.json", "scenario.toml")
"""Files ``startup-sim run`` writes into its output directory."""


def check_run_target(out: Path, scenario_name: str) -> None:
    """Refuse an output directory a run must not replace.

    Allowed: a path that does not exist, an empty directory, or the directory of an earlier run
    of the same scenario (replaced whole).

    Raises:
        UsageError: ``out`` is a file, or holds a batch, a sensitivity analysis, a calibration,
            another scenario's run, or files that are not a run's.
    """
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: --out: exists and is not a directory; choose another --out")
    kind = directory_kind(out)
    if kind is None:
        return
    if kind == "run":
        manifest = read_marker(out / "manifest.json") or {}
        if manifest.get("scenario") == scenario_name:
            return
        raise UsageError(
            f"{out}: --out: holds a run of another scenario ({manifest.get('scenario')!r}); "
            f"choose another --out (default results/{scenario_name})"
        )
    if kind == "other" and all(is_temporary(p) for p in out.iterdir()):
        return
    what = {"batch": "a batch", "sensitivity": "a sensitivity analysis", "calibration": "a calibration"}.get(
        kind, "files that are not a run's outputs"
    )
    raise UsageError(f"{out}: --out: holds {what}, which a run would replace; choose another --out")


@contextlib.contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``directory`` (no-op where ``fcntl`` is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the renames alone keep each file whole
        yield
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def write_run(result: RunResult, out_dir: str | Path, source_file: str | None = None) -> Path:
    """Write one run's tables, metrics, manifest and resolved scenario to ``out_dir``, as a whole.

    The files go into a temporary directory that replaces ``out_dir`` in one rename (an earlier
    run of the same scenario there is removed afterwards). A failure (disk full, ...) leaves
    ``out_dir`` as it was.

    Returns:
        The output directory.

    Raises:
        UsageError: ``out_dir`` holds something a run must not replace (:func:`check_run_target`).
    """
    from sim.io.arrow import arrow_table, csv_text, parquet_bytes

    out = Path(out_dir)
    check_run_target(out, result.scenario.name)
    out.parent.mkdir(parents=True, exist_ok=True)
    metrics = [{"metric": name, "value": float(value)} for name, value in result.metrics.items()]
    manifest: dict[str, Any] = {
        "scenario": result.scenario.name,
        "scenario_file": source_file,
        "scenario_sha256": scenario_hash(result.scenario),
        "seed": result.seed,
        "scale": result.scale,
        "versions": versions(),
        "git_commit": git_commit(),
        "files": ["monthly.parquet", "firms.parquet", "metrics.csv", "targets.csv", "scenario.toml"],
    }
    tmp = temporary_name(out)
    tmp.mkdir()
    try:
        # pyarrow from the run's numpy columns: no pandas (see sim.io.arrow)
        _write_file(tmp / "monthly.parquet", parquet_bytes(arrow_table(result.monthly_columns), "snappy"))
        _write_file(tmp / "firms.parquet", parquet_bytes(arrow_table(result.firm_columns), "snappy"))
        _write_file(tmp / "metrics.csv", csv_text(metrics, ("metric", "value")).encode())
        _write_file(tmp / "targets.csv", csv_text(result.target_rows, result.target_columns).encode())
        _write_file(tmp / "scenario.toml", scenario_to_toml(result.scenario).encode())
        _write_file(tmp / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())
        fsync_dir(tmp)
        with _directory_lock(out.parent):
            check_run_target(out, result.scenario.name)  # another process may have written meanwhile
            old = None
            if out.exists():
                old = temporary_name(out)
                os.rename(out, old)
            try:
                os.rename(tmp, out)
            except OSError:
                if old is not None:
                    os.rename(old, out)  # put the earlier run back
                raise
            fsync_dir(out.parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out
